"""Reading a reader's acronym as the phrase an explainer spells out: "pheic" as "public health emergency of
international concern", "svb" as "Silicon Valley Bank".

An explainer may write a name in full and never by its initials, while readers type the initials.  The phrases
looked at are runs of words whose first letters make the acronym, short linking words ("of", "and", "the")
skipped: in a title (a headline, a subheading, a question a passage answers) any run, and in body text a run of
capitalised words ("the Defense Intelligence Agency").  Only acronyms of `MIN_LETTERS` to `MAX_LETTERS`
letters are kept, but for the names of the papers a passage cites, whose two letters readers type ("the FT");
where two phrases spell the same one, the one written most often wins.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from . import text as textlib

MIN_LETTERS = 3
OUTLET_MIN_LETTERS = 2  # "FT" is the Financial Times
MAX_LETTERS = 6
# Words inside a name that its initials leave out: "Public Health Emergency of International Concern" is PHEIC.
LINKING = frozenset({"of", "and", "for", "the", "on", "in", "to", "&"})
_LINKING_IN_NAMES = frozenset({"of", "and", "for", "the", "&"})  # in body text ("Silicon Valley Bank in March" ends)
_WORD = re.compile(r"[^\W\d_][\w'’-]*|&")
_BREAK = re.compile(r"[.,;:!?()\[\]\"“”—–]")  # a name does not run across punctuation


def _counts(word: str, capitalised_only: bool) -> bool:
    """Whether a word gives its initial: a content word ("what", "is" end a run), in body text a capitalised one."""
    return word[0].isupper() if capitalised_only else word.lower() not in textlib.STOP_WORDS


def _runs(words: list[str], capitalised_only: bool) -> Iterable[tuple[str, str]]:
    """(acronym, phrase) for each run of `words` that starts on a word that counts (`_counts`) and takes in every
    one after it, linking words between them, up to the first that does not count: "Defense Intelligence Agency"
    and "Intelligence Agency" of "the Defense Intelligence Agency said", never "Financial Times and Carbon" of
    "the Financial Times and Carbon Brief"."""
    for start, first in enumerate(words):
        if first.lower() in LINKING or first == "&" or not _counts(first, capitalised_only):
            continue
        letters, last = "", start
        for end in range(start, len(words)):
            word = words[end]
            if word.lower() in (_LINKING_IN_NAMES if capitalised_only else LINKING):
                continue
            if not _counts(word, capitalised_only):
                break
            letters, last = letters + word[0].lower(), end
            if len(letters) > MAX_LETTERS:
                break
        if MIN_LETTERS <= len(letters) <= MAX_LETTERS:
            yield letters, " ".join(words[start:last + 1])


def find_acronyms(titles: Iterable[str], texts: Iterable[str], outlets: Iterable[str] = ()) -> dict[str, str]:
    """{acronym: phrase} from `titles` (any run of words), `texts` (runs of capitalised words) and `outlets` (the
    names of papers cited, `sentences.outlets_in`: the whole name's initials, down to two letters), each acronym
    with the phrase that spells it most often (the first met of equals)."""
    seen: dict[str, Counter[str]] = {}
    for capitalised_only, sources in ((False, titles), (True, texts)):
        for text in sources:
            for part in _BREAK.split(text):
                for acronym, phrase in _runs(_WORD.findall(part), capitalised_only):
                    seen.setdefault(acronym, Counter())[phrase.lower()] += 1
    for name in outlets:  # "Financial Times", not "Times" nor the "York Times" of "New York Times"
        words = [word for word in _WORD.findall(name) if word.lower() not in LINKING]
        if OUTLET_MIN_LETTERS <= len(words) <= MAX_LETTERS:
            seen.setdefault("".join(word[0].lower() for word in words), Counter())[" ".join(words).lower()] += 1
    return {acronym: phrases.most_common(1)[0][0] for acronym, phrases in seen.items()}
