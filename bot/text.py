"""Text handling shared by the corpus, the index and the answerer.

One analyzer turns any text (a passage at build time, a reader's question at
query time) into the same terms, so the two always meet.  Nothing here keeps
state beyond pure caches.
"""

from __future__ import annotations

import importlib.util
import re
import threading
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any


def _english_stop_words() -> frozenset[str]:
    """scikit-learn's English stop words, read from the module that holds them without importing
    scikit-learn itself, which takes most of a second in every server process and build worker that
    starts; through the usual import if that module is not where it was."""
    spec = importlib.util.find_spec("sklearn")  # finds the package without running it
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "feature_extraction" / "_stop_words.py"
        module_spec = importlib.util.spec_from_file_location("_english_stop_words", path) if path.is_file() else None
        if module_spec is not None and module_spec.loader is not None:
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)
            words = getattr(module, "ENGLISH_STOP_WORDS", None)
            if isinstance(words, frozenset) and words:
                return words
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


ENGLISH_STOP_WORDS = _english_stop_words()

# scikit-learn's list, less the words that carry meaning in news questions ("interest" rates,
# "fire", a "bill", "first", numbers spelled out).
_MEANINGFUL = frozenset(
    "interest fire bill system computer call mill find found cry describe detail empty fill front full give "
    "move part side top bottom back show serious amount hundred fifty sixty forty twenty fifteen eleven twelve "
    "three four five six seven eight nine ten one two first last name put see take get go made keep become "
    "former latter thick thin".split()
)
STOP_WORDS: frozenset[str] = frozenset(ENGLISH_STOP_WORDS) - _MEANINGFUL
# Forms of "do" that only carry tense or person ("how many troops did they send"), which scikit-learn's list
# lacks but for "do" and "done": kept by the analyzer, left out where words are compared or shown to people.
# ("Doing" is no such form: "what is Japan doing about it?" asks what Japan does.)
AUXILIARIES: frozenset[str] = frozenset({"did", "does", "done"})
# Verbs of saying: "what did Bloomberg say?" asks for Bloomberg's account, which a line of the papers that cites it
# gives without writing "say".
SAYING: frozenset[str] = frozenset({"say", "says", "said", "saying"})

# Straight replacements for typographic characters readers and pages mix freely.
_PUNCT_MAP = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
        "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " ", "\u200b": "",
    }
)

# Byte sequences that UTF-8 text shows after a wrong decode as cp1252/latin-1.
_MOJIBAKE_HINT = re.compile("[\u00c2\u00c3\u00c5\u00e2][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]")

# British spellings folded to one form so "defence" meets "defense".
_SPELLING = {
    "defence": "defense", "offence": "offense", "licence": "license",
    "programme": "program", "programmes": "programs", "centre": "center",
    "centres": "centers", "labour": "labor", "favour": "favor", "honour": "honor",
    "colour": "color", "behaviour": "behavior", "neighbour": "neighbor",
    "neighbours": "neighbors", "organisation": "organization",
    "organisations": "organizations", "analyse": "analyze", "catalogue": "catalog",
    "travelled": "traveled", "cheque": "check", "tyre": "tire", "metre": "meter",
    "metres": "meters", "kilometre": "kilometer", "kilometres": "kilometers",
    "recognise": "recognize", "recognised": "recognized", "apologised": "apologized",
    "apologise": "apologize", "criticised": "criticized", "criticise": "criticize",
    "emphasise": "emphasize", "realise": "realize", "modernisation": "modernization",
}

# Irregular past forms that stemming cannot join to their verb ("sent" -> "send").
_IRREGULAR = dict(pair.split(":") for pair in (
    "sent:send won:win went:go gone:go gave:give given:give took:take taken:take made:make said:say paid:pay "
    "held:hold led:lead left:leave lost:lose met:meet sold:sell told:tell brought:bring bought:buy built:build "
    "began:begin begun:begin chose:choose chosen:choose fell:fall fallen:fall fought:fight found:find got:get "
    "grew:grow grown:grow kept:keep knew:know known:know ran:run rose:rise risen:rise saw:see seen:see "
    "spent:spend stood:stand struck:strike thought:think threw:throw thrown:throw wrote:write written:write "
    "broke:break broken:break came:come drew:draw drawn:draw drove:drive driven:drive flew:fly flown:fly "
    "forgot:forget froze:freeze frozen:freeze hid:hide meant:mean shot:shoot sank:sink sunk:sink spoke:speak "
    "spoken:speak stole:steal stolen:steal swam:swim swum:swim wore:wear worn:wear understood:understand "
    "withdrew:withdraw withdrawn:withdraw sought:seek taught:teach caught:catch felt:feel dealt:deal "
    "fled:flee bled:bleed fed:feed hung:hang sang:sing sung:sing rang:ring rung:ring woke:wake beaten:beat "
    "bitten:bite hidden:hide ridden:ride rode:ride shook:shake shaken:shake sworn:swear swore:swear "
    "torn:tear tore:tear won't:will wept:weep wound:wind lent:lend bent:bend burnt:burn dreamt:dream "
    "learnt:learn spelt:spell spilt:spill slept:sleep swept:sweep crept:creep leapt:leap"
).split())
_IRREGULAR.pop("fed")  # "Fed" is the Federal Reserve far more often than a verb in the news
_IRREGULAR.pop("wound")

# Nouns that stemming cannot join to the verb they name ("deaths" for "how many died", "invasion" for "when did
# Russia invade", "success" for "did it succeed"), read as the verb at build and at question time alike.
_DERIVED = dict(pair.split(":") for pair in (
    "death:die deaths:die dead:die succeeded:succeed success:succeed successful:succeed successfully:succeed "
    "decision:decide decisions:decide invasion:invade invasions:invade payment:pay payments:pay "
    "agreement:agree agreements:agree arrival:arrive failure:fail failures:fail approval:approve "
    "deployment:deploy announcement:announce withdrawal:withdraw destruction:destroy explosion:explode "
    "collision:collide injury:injure injuries:injure injured:injure growth:grow loss:lose losses:lose "
    "sale:sell sales:sell flight:fly flights:fly speech:speak choice:choose reduction:reduce "
    "production:produce protection:protect response:respond complaint:complain proof:prove"
).split())

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")

_SHOUTED = re.compile(r"[A-Z]{2,}")

# "What's" written without its apostrophe, as readers type it: "whats the background" asks what "what's the
# background" asks (the apostrophe's "s" is not a token of its own).
_WH_IS = {f"{word}s": word for word in ("what", "who", "where", "when", "why", "how", "that", "there", "here")}
# And the short forms of chat ("wat happend", "how many ppl"): read as the words they stand for.
_CHAT = dict(wat="what", wot="what", wen="when", hw="how", ppl="people", govt="government", gov="government",
             pls="please", plz="please", bc="because", cuz="because", abt="about")
_CHAT_WORD = re.compile(r"\b(?:" + "|".join(_CHAT) + r")\b")


def unabbreviate(text: str) -> str:
    """Folded `text` with chat's short forms written out ("wat happend" -> "what happend"), for the patterns
    that read a question's kind from its wording."""
    return _CHAT_WORD.sub(lambda match: _CHAT[match.group()], text)

# One look-up for all: no British spelling's folded form is an irregular verb or a "whats".
_NORMAL_FORM = {**_IRREGULAR, **_SPELLING, **_WH_IS, **_CHAT, **_DERIVED}

# Words (letters, with one inner apostrophe) and numbers ("10,000", "2.5%").  Folded text that is all ASCII
# (nearly every passage) is cut by the second pattern, which finds the same tokens there in about
# half the time: `[^\W\d_]` is the Unicode letters, and an ASCII letter is a lower-case one once folded.
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+(?:[.,]\d+)*%?", re.UNICODE)
_ASCII_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|[0-9]+(?:[.,][0-9]+)*%?")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9\u0400-\u04ff])")
_ABBREVIATIONS = ("Mr.", "Mrs.", "Ms.", "Dr.", "St.", "U.S.", "U.K.", "e.g.", "i.e.", "vs.", "No.", "Jr.", "Sr.")
_TERMINAL = re.compile(r"[.!?。！？][\"')\]」』”’]*$")  # CJK full stops end sentences too


def fix_mojibake(text: str) -> str:
    """Undo the common UTF-8-read-as-cp1252 garbling ("DonÃ¢â‚¬â„¢t" -> "Don't").

    Only applied when the text shows the tell-tale pattern and the round trip
    succeeds, so correct text is never touched.
    """
    if not _MOJIBAKE_HINT.search(text):
        return text
    for codec in ("cp1252", "latin-1"):
        try:
            repaired = text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        return repaired
    return text


_SPACES = re.compile(r"[ \t]+")


def _normalise(text: str) -> str:
    """The characters `clean` gives: NFKC, mojibake repaired, straight quotes (spaces as they were)."""
    if text.isascii():
        return text
    # Repair first: NFKC would turn the "™" of a garbled apostrophe into "TM" for good.
    return unicodedata.normalize("NFKC", fix_mojibake(text)).translate(_PUNCT_MAP)


def clean(text: str) -> str:
    """Normalise text for display: NFKC, mojibake repaired, straight quotes, single spaces."""
    return _SPACES.sub(" ", _normalise(text)).strip()


def _fold_case(text: str) -> str:
    folded = text.casefold()
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=16_384)
def fold(text: str) -> str:
    """Fold text for matching: cleaned, case-folded, accents removed (a question is folded by each
    reading of it, so the last texts' are kept)."""
    return _fold_case(clean(text))


def words(text: str) -> list[str]:
    """Folded word tokens; numbers keep their digits ("10,000" -> "10000")."""
    return list(_words(text))


@lru_cache(maxsize=65_536)
def _words(text: str) -> tuple[str, ...]:
    return tuple(map(_FORMS.__getitem__, cut_folded(fold_for_cutting(text))))


def fold_for_cutting(text: str) -> str:
    """`fold` without collapsing spaces, which tokens never hold."""
    return _fold_case(_normalise(text))


def normalise(text: str) -> str:
    """NFKC, mojibake repaired, straight quotes; spaces as they were (`clean` without collapsing them)."""
    return _normalise(text)


def fold_normalised(text: str) -> str:
    """`fold_for_cutting` of a text `normalise` gave."""
    return _fold_case(text)


def cut_folded(folded: str) -> list[str]:
    """The tokens of folded text (`fold_for_cutting`) as the pattern cuts them, before their normal forms."""
    return (_ASCII_TOKEN if folded.isascii() else _TOKEN).findall(folded)


def _tidy(token: str) -> str:
    if token[0].isdigit():
        return token.rstrip("%").replace(",", "")
    return token.replace("'s", "").replace("'", "")


class _NormalForms(dict):
    """Each token as the regex cut it -> its normal form: a number without its commas and "%", a word without
    its apostrophe (and "'s"), then `_NORMAL_FORM` ("won" -> "win", "defence" -> "defense").  Worked out the
    first time a token is met, so cutting a text costs one look-up per token, made in C (an index build cuts
    every word of a corpus: a test and a call per token took a quarter of its tokenizing)."""

    LIMIT = 500_000  # distinct tokens kept; past it the table starts again

    def __missing__(self, token: str) -> str:
        if len(self) >= self.LIMIT:
            self.clear()
        tidy = _tidy(token) if token[0].isdigit() or "'" in token else token
        form = self[token] = _NORMAL_FORM.get(tidy, tidy)
        return form


_FORMS = _NormalForms()


def normal_form(token: str) -> str:
    """A token's normal form, as `words` gives it ("won" -> "win", "10,000" -> "10000")."""
    return _FORMS[token]


def normal_forms(tokens: Sequence[str]) -> list[str]:
    """Each token's normal form, as `words` gives it, for many tokens at once (an index build's distinct
    tokens) and without keeping them in `_FORMS`: one look-up each, made in C, and a tidy of the few that
    hold an apostrophe or a digit.  A normal form's normal form is itself."""
    get = _NORMAL_FORM.get
    forms = list(map(get, tokens, tokens))
    for at in [at for at, plain in enumerate(map(str.isalpha, tokens)) if not plain]:
        tidy = _tidy(tokens[at])
        forms[at] = get(tidy, tidy)
    return forms


try:  # PyStemmer: the Snowball project's own C build of the English (Porter2) stemmer nltk implements
    import Stemmer as _pystemmer
except ImportError:  # pragma: no cover - it is a dependency; nltk alone gives the same stems, slower
    _pystemmer = None

_per_thread = threading.local()


@lru_cache(maxsize=1)
def reference_stemmer() -> Any:
    """nltk's SnowballStemmer("english"): the reference the stems are held to, and the fallback without
    PyStemmer (imported on first use: nltk takes most of a second to import)."""
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer("english")


def _stem_words(words: list[str]) -> list[str]:
    if _pystemmer is None:
        stemmer = reference_stemmer()
        return [stemmer.stem(word) for word in words]
    stemmer = getattr(_per_thread, "stemmer", None)
    if stemmer is None:  # a PyStemmer object must not be shared between threads
        stemmer = _per_thread.stemmer = _pystemmer.Stemmer("english", 0)
    return stemmer.stemWords(words)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A word's Snowball English stem (words outside ASCII are kept as they are)."""
    return _stem_words([word])[0] if word.isascii() else word


def stems(words: Sequence[str]) -> list[str]:
    """`stem` of many words in one call (an index build stems every distinct word of a corpus)."""
    if all(map(str.isascii, words)):  # most often: one call, no list made twice
        return _stem_words(list(words))
    ascii_words = [word for word in words if word.isascii()]
    stemmed = iter(_stem_words(ascii_words))
    return [next(stemmed) if word.isascii() else word for word in words]


# The stop words' stems: the analysed terms of a question that ask rather than name ("how", "mani").
STOP_STEMS: frozenset[str] = frozenset(stems(sorted(STOP_WORDS)))


def content_words(text: str) -> list[str]:
    """Folded words without English stop words: what a question is about."""
    return [w for w in words(text) if w not in STOP_WORDS]


def asked_words(text: str) -> list[str]:
    """`content_words` without the forms of "do" (`AUXILIARIES`): the words a question asks about, which a passage
    that answers it holds. ("How does it affect me?" asks about "affect"; a page that never writes "does" is no
    worse an answer for it.)"""
    return [w for w in words(text) if w not in STOP_WORDS and w not in AUXILIARIES]


class Glossary:
    """Alias and synonym groups that make other names meet: {"North Korea": ["DPRK", "Pyongyang"]}.

    Matching an alias adds the canonical name's words beside the alias's own, at
    build and at query time alike.  An alias written in capitals whose lower-case
    form is an everyday word ("US", "WHO", "IT") only matches in capitals.
    """

    def __init__(self, groups: Mapping[str, Sequence[str]] | None = None) -> None:
        self.groups = {str(k): [str(a) for a in v] for k, v in (groups or {}).items()}

    def fit(self) -> Glossary:
        self._expanded = {}  # `expand`'s answers for texts it may see again
        folded: dict[tuple[str, ...], list[str]] = {}
        exact: dict[str, list[str]] = {}
        partial: set[tuple[str, ...]] = set()
        names: set[tuple[str, ...]] = set()
        proper: set[tuple[str, ...]] = set()
        for canonical, aliases in self.groups.items():
            target = words(canonical)
            for alias in [canonical, *aliases]:
                alias_words = words(alias)
                if not alias_words or not target:
                    continue
                extra = [w for w in target if w not in alias_words]
                if len(extra) < len(target):
                    partial.add(tuple(alias_words))
                if alias.isupper() and len(alias_words) == 1 and alias_words[0] in STOP_WORDS:
                    exact.setdefault(alias, []).extend(extra)
                    continue
                names.add(tuple(alias_words))
                if canonical[:1].isupper() and not (len(alias_words) == 1 and alias_words[0] in STOP_WORDS):
                    proper.add(tuple(alias_words))
                if tuple(alias_words) != tuple(target):
                    folded.setdefault(tuple(alias_words), []).extend(extra)
        self.phrases_ = folded
        self.names_ = frozenset(names)  # every name and alias but the capitals-only ones, as words
        self.longest_name_ = max(map(len, names), default=0)
        # Those of a group whose name is capitalised: "China" and "Beijing", not "troops" and "soldiers".
        self.proper_names_ = frozenset(proper)
        self.partial_ = frozenset(partial)
        self.exact_ = {a: list(dict.fromkeys(v)) for a, v in exact.items()}
        self.max_len_ = max((len(p) for p in folded), default=0)
        self.starts_ = frozenset(p[0] for p in folded)
        # Typed in lower case, such an alias still names the thing right after "the": "who heads the who",
        # "troops in the us".
        ordered = sorted(self.exact_, key=len, reverse=True)
        self._after_the = {a.lower(): a for a in ordered}
        self._exact_re = (
            re.compile(r"\b(?:(" + "|".join(map(re.escape, ordered)) + r")|(?<=\b[Tt]he )("
                       + "|".join(map(re.escape, self._after_the)) + r"))\b")
            if self.exact_ else None
        )
        # The same without word boundaries: what a text must hold for the pattern to match, which the regular
        # expression engine finds several times as fast (each candidate's first character is searched for).
        self._exact_hint = (
            re.compile("|".join(map(re.escape, ordered)) + "|[Tt]he (?:" + "|".join(map(re.escape, self._after_the)) + ")")
            if self.exact_ else None
        )
        return self

    def expand(self, text: str) -> list[str]:
        """Words of `text` with the canonical words of every alias found appended (the answers for the
        last texts are kept: a question is expanded by spelling, retrieval and scoring alike)."""
        if not hasattr(self, "phrases_"):
            self.fit()
        expanded: dict[str, tuple[str, ...]] = self._expanded  # (made by `fit`, with `phrases_`)
        found = expanded.get(text)
        if found is not None:
            return list(found)
        tokens = words(text)
        extra = self.exact_extra(text)
        if self.max_len_ and not self.starts_.isdisjoint(tokens):
            extra += self.phrase_extra(tokens)
        if len(expanded) >= self.REMEMBERED:
            expanded.clear()
        expanded[text] = (*tokens, *extra)
        return tokens + extra

    def cut(self, text: str) -> list[str]:
        """`expand(text)` before the tokens' normal forms: the tokens as the pattern cuts them ("won",
        "10,000"), then the canonical words of the aliases found (normal forms already), so that
        `normal_forms` of the list is `expand(text)`.  What a build cuts text by text (`tokenizing`): unlike
        `expand`, it keeps no answer, and the tokens' normal forms are worked out once per distinct token (here
        only to look for the glossary's phrases)."""
        if not hasattr(self, "phrases_"):
            self.fit()
        tokens = cut_folded(fold_for_cutting(text))
        extra = self.exact_extra(text)
        if self.max_len_:
            forms = list(map(_FORMS.__getitem__, tokens))
            if not self.starts_.isdisjoint(forms):
                extra += self.phrase_extra(forms)
        return tokens + extra if extra else tokens

    def exact_extra(self, text: str) -> list[str]:
        """The canonical words of the aliases in `text` matched only as written (`exact_`)."""
        extra: list[str] = []
        for alias in self.exact_in(text):
            extra.extend(self.exact_[alias])
        return extra

    def phrase_extra(self, tokens: list[str], at: Iterable[int] | None = None) -> list[str]:
        """The canonical words of the phrases of `phrases_` among the normal-form `tokens`, longest first
        (`at`: the places of the tokens that start a phrase, when they are known)."""
        extra: list[str] = []
        if at is None:
            starts = self.starts_
            at = [i for i in range(len(tokens)) if tokens[i] in starts]
        for i in at:
            for n in range(min(self.max_len_, len(tokens) - i), 0, -1):
                hit = self.phrases_.get(tuple(tokens[i:i + n]))
                if hit:
                    extra.extend(hit)
                    break
        return extra

    def texts_with_exact(self, normalised: Sequence[str]) -> list[int]:
        """The places among texts (as `normalise` gives them) of those `exact_in` may find an alias in,
        searched for in one pass (a text typed in capitals is searched as written: its aliases are in
        capitals too)."""
        if not hasattr(self, "phrases_"):
            self.fit()
        if self._exact_hint is None:
            return []
        ends = list(accumulate(len(text) + 1 for text in normalised))
        found = (bisect_right(ends, match.start()) for match in self._exact_hint.finditer("\n".join(normalised)))
        return sorted(set(found))

    REMEMBERED = 16_384  # texts `expand` keeps the answer for

    def names_in(self, text: str) -> bool:
        """Whether `text` holds a name or an alias of the glossary, as `expand` would match it ("the pandemic",
        "Pyongyang", "the WHO"; not "who")."""
        if not hasattr(self, "phrases_"):
            self.fit()
        if any(True for _ in self.exact_in(text)):
            return True
        return any(True for _ in self._named(words(text), self.names_))

    def proper_names_in(self, text: str) -> list[tuple[str, ...]]:
        """The proper names (`proper_names_`) `text` holds, each as its words, the longest first ("the UK",
        "Pyongyang"; not "troops")."""
        if not hasattr(self, "phrases_"):
            self.fit()
        return list(self._named(words(text), self.proper_names_))

    def _named(self, tokens: list[str], names: frozenset[tuple[str, ...]]) -> Iterator[tuple[str, ...]]:
        """Each run of `tokens` that is one of `names`, the longest first."""
        for n in range(min(self.longest_name_, len(tokens)), 0, -1):
            for i in range(len(tokens) - n + 1):
                if tuple(tokens[i:i + n]) in names:
                    yield tuple(tokens[i:i + n])

    def part_of_name(self, text: str) -> bool:
        """Whether `text` is an alias whose words are part of the name it stands for ("Labour" for "Labour
        Party"): the name's other words alone ("party") do not name it."""
        if not hasattr(self, "phrases_"):
            self.fit()
        return tuple(words(text)) in self.partial_

    def exact_in(self, text: str) -> Iterator[str]:
        """The aliases matched only as written (`exact_`) in `text`, each as the glossary writes it."""
        if not hasattr(self, "phrases_"):
            self.fit()
        if self._exact_re is not None:
            text = _normalise(text)
            if len(_SHOUTED.findall(text)) >= 3 and not any(char.islower() for char in text):
                # Typed in capitals, a question says nothing of which words are names: "WHO IS THE PRIME
                # MINISTER" is read as typed in lower case ("the WHO" still is the organisation).
                text = text.lower()
            for match in self._exact_re.finditer(text):
                yield match.group(1) or self._after_the[match.group(2)]

    def aliases_in(self, text: str) -> list[str]:
        """The words of `text` that an alias matched, which `expand` reads as the canonical name's: an
        explanation must not call them unknown to the index. (Kept apart from `expand`, which a build
        runs on every text.)"""
        if not hasattr(self, "phrases_"):
            self.fit()
        tokens = words(text)
        found: list[str] = []
        for alias in self.exact_in(text):
            found.extend(words(alias))
        for i in range(len(tokens)):
            if tokens[i] not in self.starts_:
                continue
            for n in range(min(self.max_len_, len(tokens) - i), 0, -1):
                if tuple(tokens[i:i + n]) in self.phrases_:
                    found.extend(tokens[i:i + n])
                    break
        return list(dict.fromkeys(found))

    def to_json(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.groups.items()}

    def merged(self, other: Mapping[str, Sequence[str]]) -> Glossary:
        groups = {k: list(v) for k, v in self.groups.items()}
        for canonical, aliases in other.items():
            known = groups.setdefault(canonical, [])
            known.extend(a for a in aliases if a not in known)
        return Glossary(groups)


def analyze(text: str, glossary: Glossary | None = None) -> list[str]:
    """The word analyzer: folded, alias-expanded, Snowball-stemmed terms."""
    tokens = glossary.expand(text) if glossary is not None else words(text)
    return [stem(t) for t in tokens]


def char_ngrams(terms: Iterable[str], low: int = 3, high: int = 5) -> list[str]:
    """Character n-grams inside word boundaries (" shel", "shell "), for typos and word forms."""
    grams: list[str] = []
    for term in terms:
        padded = f" {term} "
        grams += [padded[start:stop] for start, stop in _spans(len(padded), low, high)]
    return grams


@lru_cache(maxsize=1024)
def _spans(size: int, low: int, high: int) -> tuple[tuple[int, int], ...]:
    """Where the n-grams of a padded word of `size` characters start and stop, shortest first."""
    return tuple((start, start + n) for n in range(low, min(high, size) + 1) for start in range(size - n + 1))


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences without a trained model (no nltk data)."""
    text = clean(text)
    if not text:
        return []
    protected = text
    for i, abbr in enumerate(_ABBREVIATIONS):
        protected = protected.replace(abbr, abbr.replace(".", f"\x00{i}\x00"))
    parts = _SENTENCE_END.split(protected)
    out = []
    for part in parts:
        for i, abbr in enumerate(_ABBREVIATIONS):
            part = part.replace(abbr.replace(".", f"\x00{i}\x00"), abbr)
        if part.strip():
            out.append(part.strip())
    return out


def ends_sentence(text: str) -> bool:
    return bool(_TERMINAL.search(text.rstrip()))


def trim_to_sentence(text: str) -> str:
    """Cut text back to its last whole sentence; text with no whole sentence ends in an ellipsis,
    so a reader sees that it was cut."""
    text = text.rstrip()
    if ends_sentence(text):
        return text
    sentences = split_sentences(text)
    while sentences and not ends_sentence(sentences[-1]):
        sentences.pop()
    return " ".join(sentences) if sentences else text.rstrip(" ,;:-") + "\u2026"


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug or "explainer"
