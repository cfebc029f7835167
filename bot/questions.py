"""What a reader's question asks for: its answer-type cues ("how many", "when", "who is", "why"), what a
"how many" counts, and whether it leans on an earlier turn of the conversation."""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable

from . import text as textlib

# What a question asks for, and the kinds of passage that tend to hold it.
_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("number", re.compile(r"\b(how (many|much|big|large|long|far|fast|high)|number of|what (percentage|share|proportion)|figures?|count|total|tally|size of)\b")),
    ("date", re.compile(r"\b(when|what (year|date|day|month)|since when|how long ago|which year)\b")),
    # "What is X?" asks who or what X is, and so does "what is X Y?" ("what is the AI Act?"), but not "what is X
    # doing?": a subject and what it does now.
    ("entity", re.compile(r"^\W*(who\s*(is|was|are|'s|s)\b|what\s*(is|are|was|'s|s)\s+(the |an? )?[\w-]+"
                          r"( (?!(?:doing|saying|planning|thinking|getting|trying|offering|proposing|demanding|asking|"
                          r"seeking|claiming|threatening|sending|facing|hoping|fighting)\b)[\w-]+)?\W*$)")),
    ("papers", re.compile(r"\b(papers?|press|media|newspapers?|outlets?|reports?|reported|reporting|coverage|journalists?|sources?)\b")),
    ("analysis", re.compile(r"\b(why|reason|reasons|cause[sd]?|because|motive|impact|implications?|significance|matter|mean for|consequences?|effect|next|future|forecast|expect|outlook|risk)\b")),
    ("summary", re.compile(r"\b(what (?:has )?happen(?:ed)?\b|what(?:'?s| is) (?:happening|going on)|latest|news|updates?|headline|"
                           r"summar(?:y|ise|ize)|sum (?:it |this |that )?up|tl;? ?dr|gist|overview|recap|nutshell|in brief|"
                           r"(?:key|main) (?:facts|points))\b")),
    ("background", re.compile(r"\b(history|background|how did (it|this|we)|how we got|origins?|began|start(ed)?|led to|lead up|before|"
                              r"timeline|chronology)\b")),
)
CUE_KINDS = {
    "entity": {"entity"}, "papers": {"papers"}, "analysis": {"analysis"}, "summary": {"summary"},
    "background": {"background"},
}

_FOLLOW_UP_START = re.compile(r"^\W*(and|but|so|also|what about|how about|and what|then|why|how|when|who|where|really)\b")
_PRONOUNS = {"it", "they", "them", "this", "that", "those", "these", "he", "she", "his", "her", "their", "its", "there"}
# Words that ask for a kind of answer or for more, and name no subject: "what did the papers say?", "what
# happens next?", "tell me more".  A question of these words alone is about the turn before it.
_ASKING_WORDS = frozenset("""
    papers paper newspapers newspaper press media commentators critics coverage columnists editorials pundits
    say says said saying think thinks thought react reacted reaction reactions view views opinion opinions
    report reports reported reporting source sources happen happens happened happening mean means meaning
    reason reasons cause causes caused explain explained tell know details detail latest news update story
    background history matter matters significance important impact effect effects consequences implications
    expect expected outlook future get got start started begin began new next come comes coming
    summary summarise summarize sum tl dr tldr gist overview recap nutshell brief key main facts points timeline
    chronology give show going updates care
""".split())
ASKING_STEMS = frozenset(map(textlib.stem, _ASKING_WORDS))


_AHEAD = re.compile(r"\b(will|going to|gonna|due|expected|next)\b")


# Who a question asks the words of: "the Fed" of "what did the Fed say about inflation?".
_SPEAKER = re.compile(r"\b(?:did|does|do|has|have|had|is|are|was|were|will|would)\s+(.+?)\s+(?:"
                      + "|".join(sorted(textlib.SAYING)) + r")\b")
_SAY_ABOUT = re.compile(r"\bsay about\b")
# Words that name no one speaker: "what did the papers say?", "what are people saying?".
_ANYONE = frozenset("""
    papers paper newspapers newspaper press media journalists reporters outlets commentators columnists critics
    pundits analysts experts people everyone others
""".split())


def question_cues(question: str) -> set[str]:
    """The kinds of answer a question asks for (`_CUES`); "ahead" when it asks what will happen ("what will Hera
    do?") or when ("when will the Fed cut rates?", which a date before its explainer's does not answer); "said" when it
    asks what someone named said (`speaker_named`), and "papers" when it asks what was said about something
    and names no one ("what did they say about the deal?")."""
    return set(_cues(textlib.fold(question)))


@functools.lru_cache(maxsize=16_384)
def _cues(folded: str) -> frozenset[str]:
    folded = textlib.unabbreviate(folded)
    cues = {name for name, pattern in _CUES if pattern.search(folded)}
    if _AHEAD.search(folded):
        cues.add("ahead")
    if speaker_named(folded):
        cues.add("said")
    elif _SAY_ABOUT.search(folded):
        cues.add("papers")
    return frozenset(cues)


def speaker_named(question: str) -> tuple[str, ...]:
    """The content words a question names as the one whose words it asks for ("fed" of "what did the Fed say
    about inflation?", "guardian" of "what did the Guardian say?"); none for no one in particular ("what did he
    say?", "what did the papers say?")."""
    match = _SPEAKER.search(textlib.fold(question))
    if match is None:
        return ()
    return tuple(word for word in textlib.content_words(match.group(1)) if word not in _ANYONE)


_COUNT_PHRASE = re.compile(r"\b(?:how (?:many|much)|number of|figures? (?:for|on)|count of|total)\s+((?:\w+\s+){0,2}\w+)")


AUXILIARIES = frozenset({"did", "does", "do", "has", "have", "had", "is", "are", "was", "were", "will", "would",
                          "can", "could", "should", "might", "may"})
_WHO_NOW = re.compile(r"^\W*who\s*(is|are|'s|s)\b")
_FORMERLY = frozenset({"was", "were", "former", "formerly", "previously", "ex"})
_EARLIER = _FORMERLY | {"previous", "last", "before", "earlier", "then"}
# Words that only say "now" in a question asking who holds something: "who is the new prime minister?" asks for
# the one in office, whose profile need not call itself new.
NOW_WORDS = frozenset({"new", "current", "currently", "now", "present", "incumbent", "today", "sitting", "serving"})


def asks_who_now(question: str) -> bool:
    """Whether a question asks who holds something now: "who is the prime minister", "who's the PM" (not
    "who was ...", "who won ...", "who is the former prime minister")."""
    folded = textlib.fold(question)
    return bool(_WHO_NOW.match(folded)) and _EARLIER.isdisjoint(textlib.words(folded))


_OF_THE_READER = re.compile(r"^\W*(?:(?:who|where)\s*(?:is|are|was|were|'s|s)\s+my|who\s+should\s+i)\b")


def asks_of_the_reader(question: str) -> bool:
    """Whether a question asks who or where something of the reader's own is ("who is my MP?", "where's my
    polling station?"), or whom the reader should choose ("who should I vote for?"): the answer depends on who
    the reader is, where they live and what they think, which no explainer knows. (A profile of someone who is an
    MP is not the reader's MP.)"""
    return bool(_OF_THE_READER.match(textlib.fold(question)))


# "Who will replace Powell as Fed chair?", "who succeeds Sunak?", "who is Sunak's successor?"
_SUCCESSOR = re.compile(r"\bwho\b.*?\b(?:replaces?|replaced|succeeds?|succeeded|take over from)\s+(.+)"
                        r"|\b([\w-]+)(?:'s|s') (?:successor|replacement)\b")


def successor_asked(question: str) -> tuple[str, ...]:
    """The content words naming whom a question asks the successor of, up to the first word that is none ("powell"
    of "who will replace Powell as Fed chair?", "sunak" of "who is Sunak's successor?"); none for another question."""
    match = _SUCCESSOR.search(textlib.fold(question))
    if not match:
        return ()
    words = textlib.words(match.group(1) or match.group(2))
    words = words[1:] if words[:1] == ["the"] else words
    return tuple(itertools.takewhile(lambda word: word not in textlib.STOP_WORDS, words))


_ASKED_NAME = re.compile(r"^\W*(?:who|what)\s*(?:is|are|was|'s|s)\s+(.+)$")


def name_key(text: str) -> str:
    """A name as `asked_name` compares it: its folded words, without a leading "the"."""
    found = textlib.words(text)
    return " ".join(found[1:] if found[:1] == ["the"] else found)


def asked_name(question: str) -> str:
    """What a "who is" or "what is" question asks about, as `name_key` gives it ("What is the EU?" -> "eu");
    empty for another question."""
    match = _ASKED_NAME.match(textlib.fold(question))
    return name_key(match.group(1)) if match else ""


def held_formerly(text: str, asked: frozenset[str], reach: int = 3) -> bool:
    """Whether `text` names some of what is asked (the stems of a question's content words) only as held in the
    past: each mention of that word within a phrase that starts a few words after "was", "former", "formerly"
    ("who was governor of the Bank of Ruritania from 2010 to 2019").  Word by word: "a British politician who
    was prime minister" names "British" now, but holds "prime minister" only formerly."""
    since = None  # words since the last "was" or mention of the phrase it began, while that phrase lasts
    former: set[str] = set()  # asked words named in such a phrase
    present: set[str] = set()  # asked words named outside one
    for token in textlib.words(text):
        if token in _FORMERLY:
            since = 0
            continue
        stem = textlib.stem(token)
        if stem in asked:
            if since is None or since > reach:
                present.add(stem)
            else:
                former.add(stem)
                since = 0
        elif since is not None:
            since += 1
    return bool(former - present)


# "president of SAG-AFTRA", "leader of North Korea", "governor of the Bank of Ruritania": a word, "of", and a name
# (capitalised words, "of" or "and" between them).
_ROLE_OF = re.compile(r"\b([A-Za-z]+)\s+of\s+(?:the\s+)?([A-Z][\w'-]*(?:\s+(?:(?:of|and)\s+)?[A-Z][\w'-]*)*)")


def role_of_other(text: str, asked: frozenset[str], analyze: Callable[[str], list[str]]) -> str:
    """Where `text` (a who-is blurb) names a role the question asks about (the stems of its words, `asked`) only
    as held of something the question does not name, that phrase ("president of SAG-AFTRA" for "who is the US
    president?"); "" when it names the role of what is asked (`_same_name`), or not as "role of Name" at all.  `analyze` gives
    a name's stems with the glossary's ("Fed" is also federal, reserve), so "chair of the Federal Reserve"
    holds for "who is the Fed chair?"."""
    other = ""
    for match in _ROLE_OF.finditer(text):
        role = textlib.words(match.group(1))
        if not role or textlib.stem(role[0]) not in asked:
            continue
        if any(_same_name(word, name) for name in analyze(match.group(2)) for word in asked):
            return ""
        other = other or match.group(0)
    return other


def _same_name(a: str, b: str) -> bool:
    """Whether two stems may name one thing: the same, or one place's name and its people's ("ruritania",
    "ruritanian"; "germani", "german"), which share their first four letters or more."""
    return a == b or (a[:4] == b[:4] and len(a) >= 4 and len(b) >= 4)


def number_subject(question: str) -> frozenset[str]:
    """What a "how many" question counts: the words after "how many" ("how many shells ..." -> shell;
    "how many troops did ..." -> troop, not "did"; up to three, to the first stop word), or, for a bare follow-up ("and shells?"), the
    question's own content words."""
    match = _COUNT_PHRASE.search(textlib.fold(question))
    if not match:
        return frozenset(textlib.stem(w) for w in textlib.content_words(question) if w not in AUXILIARIES)
    # Up to three words, to the first stop word: "how many North Korean troops are ..." counts troops, and "how
    # much is Russia paying ..." what Russia pays.
    said = itertools.dropwhile(AUXILIARIES.__contains__, textlib.words(match.group(1)))
    words = list(itertools.takewhile(lambda w: w not in textlib.STOP_WORDS and w not in AUXILIARIES, said))
    return frozenset(map(textlib.stem, words))


def asks_how_many(question: str) -> bool:
    """Whether a question names what it counts ("how many troops", "the number of shells"), rather than
    only asking for some figure ("how far away ...", "how long ...")."""
    return bool(_COUNT_PHRASE.search(textlib.fold(question)))


def one_word_synonyms(glossary: dict[str, list[str]]) -> dict[str, frozenset[str]]:
    """Each stem of a one-word glossary name, with the stems of the other one-word names of its groups."""
    table: dict[str, frozenset[str]] = {}
    for canonical, aliases in glossary.items():
        names = (textlib.words(name) for name in (canonical, *aliases))
        group = frozenset(textlib.stem(w[0]) for w in names if len(w) == 1 and w[0] not in textlib.STOP_WORDS)
        for member in group:
            table[member] = table.get(member, frozenset()) | group
    return table


def name_forms(glossary: dict[str, list[str]]) -> dict[str, list[frozenset[str]]]:
    """Each stem of a one-word glossary name -> every name of its groups as the stems of its content words
    ("pyongyang" -> {pyongyang}, {north, korea}, {dprk}, ...)."""
    table: dict[str, list[frozenset[str]]] = {}
    for canonical, aliases in glossary.items():
        forms = list(dict.fromkeys(
            frozenset(textlib.stem(w) for w in textlib.content_words(name)) for name in (canonical, *aliases)))
        forms = [form for form in forms if form]
        for form in forms:
            if len(form) == 1:
                known = table.setdefault(next(iter(form)), [form])
                known.extend(other for other in forms if other not in known)
    return table


def is_follow_up(question: str) -> bool:
    """A turn that leans on the one before ("why?", "and shells?", "how many did they send")."""
    folded = textlib.fold(question)
    content = textlib.content_words(question)
    words = set(textlib.words(question))
    if len(content) <= 1 or asks_only(question):
        return True
    # A pronoun points back whatever the auxiliary: "how long did it take to fix?" ("did" is no subject).
    named = [word for word in content if word not in AUXILIARIES]
    return bool(_FOLLOW_UP_START.match(folded) and len(content) <= 3) or bool(words & _PRONOUNS and len(named) <= 3)


_PERSONAL = frozenset({"he", "she", "him", "her", "his", "hers", "himself", "herself"})


def names_a_person(question: str) -> bool:
    """Whether a question points back at a person ("what did he say?", "where is she from?")."""
    return not _PERSONAL.isdisjoint(textlib.words(question))


_WH = re.compile(r"^\W*(why|how|what|who|when|where|which)\b")


def wh_word(text: str) -> str:
    """The question word a question or a subheading opens with ("why" for "Why the Fed acted"), or ""."""
    match = _WH.match(textlib.fold(text))
    return match.group(1) if match else ""


def asks_only(question: str) -> bool:
    """Whether every content word of a question asks for a kind of answer and none names a subject ("what did
    the papers say?", "what happens next?"; not "what did the WHO say?")."""
    content = textlib.content_words(question)
    return bool(content) and _names_nothing(content) and not _named_in_capitals(question)


@functools.cache
def _built_in_glossary() -> textlib.Glossary:
    from .corpus import BUILT_IN_GLOSSARY, load_glossary  # (bot.corpus loads the parsers; most callers never get here)

    return textlib.Glossary(load_glossary(BUILT_IN_GLOSSARY)).fit()


def _named_in_capitals(question: str) -> bool:
    """Whether a question names something by an alias of the built-in glossary that is a stop word in lower
    case ("WHO", "US", or "the who"), which its content words leave out. (These helpers have no index, so a
    corpus glossary's own such aliases are not seen here; they are rare.)"""
    return any(True for _ in _built_in_glossary().exact_in(question))


def _names_nothing(content: list[str]) -> bool:
    """Whether each of these content words only asks (for a kind of answer, or as an auxiliary)."""
    return all(word in _ASKING_WORDS or word in AUXILIARIES for word in content)


_MORE = re.compile(r"\b(more|else|further|details?|elaborate|expand|go on|continue|keep going)\b")


def asks_what_was_said(question: str) -> bool:
    """Whether a question holds a verb of saying (`text.SAYING`): "what did he say?", "what did Bloomberg say?"."""
    return not textlib.SAYING.isdisjoint(textlib.words(question))


def names_nothing(question: str) -> bool:
    """Whether a turn names no subject: it only asks for a kind of answer (`asks_only`) or for more (`asks_for_more`)."""
    return asks_only(question) or asks_for_more(question)


def asks_for_more(question: str) -> bool:
    """Whether a turn asks for more on the turn before and names nothing new ("tell me more", "what else?")."""
    return (bool(_MORE.search(textlib.fold(question))) and _names_nothing(textlib.content_words(question))
            and not _named_in_capitals(question))


_NEXT = re.compile(r"\b(next|future|ahead|outlook|will|going to|comes?|coming|expect(ed)?)\b")


def asks_what_next(question: str) -> bool:
    """Whether a question that names no subject asks what is to come: "what happens next?", "what's next?",
    "what will happen?" (its words, if any, only ask: `asks_only`)."""
    return (bool(_NEXT.search(textlib.fold(question))) and _names_nothing(textlib.content_words(question))
            and not _named_in_capitals(question))


# Kinds of passage any one of which answers the question that names them (the papers, the lead, the history),
# unlike the analysis, which holds several answers ("why?", "what next?").
WHOLE_SECTIONS = frozenset({"papers", "summary", "background"})


def asks_of_the_page(question: str) -> bool:
    """Whether a question asked on an explainer's page, with nothing before it, asks for the page itself: "tell
    me more", or one that names no subject and only a section any line of which answers it ("what did the
    papers say?", "how did we get here?")."""
    if not names_nothing(question):
        return False
    # (Words that only ask name no one: "what is the gist?" asks for no profile.)
    kinds = set().union(*(CUE_KINDS.get(cue, ()) for cue in question_cues(question) - {"entity"}))
    return kinds <= WHOLE_SECTIONS and (bool(kinds) or asks_for_more(question))


_CONNECTIVE_START = re.compile(r"^\W*(and|but|so|also|what about|how about|then|really)\b")


def refers_back(question: str) -> bool:
    """A question that points at an earlier turn in words: a pronoun ("who enforces it?", but not "IT"), or a
    start such as "and ..." or "what about ...".  Only such a question is always read with its earlier turn."""
    if (_CONNECTIVE_START.match(textlib.fold(question)) or len(textlib.content_words(question)) <= 1
            or asks_only(question)):
        return True
    return any(word.casefold() in _PRONOUNS and not (word.isupper() and len(word) > 1)
               for word in re.findall(r"[^\W\d_]+", question))


# Turns of a conversation that ask nothing of the explainers: a greeting, thanks, a goodbye, or a question about the
# bot itself.  Matched on the whole turn only ("thanks, but why did the Fed wait?" is a question), folded, without
# punctuation, emoji or a name for the bot at the end ("hi bot", "thanks chatbot").
_POLITE = r"(?:ok(?:ay)?|great|good|cool|nice|perfect|brilliant|awesome|lovely|right|yes|yeah|no|oh|ah|wow|alright|fine)"
_ADDRESS = r"(?:bot|chatbot|robot|there|everyone|all|mate|friend|again)"
_THANKS = (r"(?:(?:thanks?|thank\s+you|thankyou|thx|ty|cheers|much\s+appreciated|(?:that\s+(?:was|is)\s+)?(?:very\s+|really\s+|so\s+)?"
           r"helpful)(?:\s+(?:you|u|ya))?(?:\s+(?:so|very)\s+much|\s+a\s+lot|\s+a\s+million|\s+again)?)")
_HOW_ARE_YOU = r"(?:how\s+are\s+you(?:\s+doing)?(?:\s+today)?|how(?:\s+s)?\s+it\s+going)"
_REMARK = r"(?:thats?\s+(?:so\s+|very\s+|really\s+)?(?:interesting|good|great|bad|sad|a\s+shame|amazing|wild|crazy|fascinating|helpful))"
_SMALL_TALK: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("thanks", re.compile(rf"^(?:{_POLITE}\s+)*{_THANKS}(?:\s+(?:{_THANKS}|{_POLITE}|{_ADDRESS}))*$")),
    ("greeting", re.compile(
        rf"^(?:(?:hi+|hello+|hey+|hiya|howdy|yo|greetings|good\s+(?:morning|afternoon|evening|day))(?:\s+{_ADDRESS})?"
        rf"(?:\s+{_HOW_ARE_YOU})?|{_HOW_ARE_YOU})$")),
    ("goodbye", re.compile(
        rf"^(?:{_POLITE}\s+)*(?:bye+|goodbye|bye\s+bye|see\s+you(?:\s+later)?|see\s+ya|that(?:\s+s)?\s+(?:all|it)|"
        rf"good\s*night|cya)(?:\s+(?:for\s+now|then|{_ADDRESS}|{_THANKS}))*$")),
    # "Yes", "ok", "wow" after an answer: no question in it ("yes" had been answered with "78% voting yes").
    ("acknowledgement", re.compile(
        rf"^(?:{_POLITE}|{_REMARK}|lol|haha+|hmm+|interesting|sure|i\s+see|got\s+it|understood|makes\s+sense|fair\s+enough|"
        rf"nope|yep|yup|no\s+way|oh\s+dear|oh\s+no|too\s+bad|shame|sad|amazing|wonderful|true|indeed|of\s+course)"
        rf"(?:\s+(?:{_POLITE}|{_REMARK}|then|i\s+see|{_ADDRESS}))*$")),
    ("help", re.compile(
        r"^(?:help(?:\s+me)?|(?:who|what)\s+are\s+you|what\s+is\s+this|what\s+can\s+(?:you|i)\s+(?:do|ask)|"
        r"what\s+do\s+you\s+do|how\s+does\s+this\s+work|how\s+do\s+(?:i|you)\s+use\s+(?:this|you)|"
        r"(?:are\s+you|is\s+this)\s+(?:a\s+)?(?:bot|chatbot|robot|human|real\s+person|person|ai)|"
        r"what\s+(?:questions\s+)?can\s+i\s+ask(?:\s+you)?|"
        r"what\s+(?:stories|topics|subjects|explainers|news)\s+(?:do|can)\s+you\s+(?:have|cover|know(?:\s+about)?|answer)|"
        r"what\s+do\s+you\s+(?:cover|know(?:\s+about)?)|what\s+(?:stories|topics|explainers)\s+are\s+there|"
        r"who\s+(?:made|make|built|build|created|create|wrote|write|programmed|program|runs|run|owns|own)\s+"
        r"(?:you|this\s+(?:bot|chatbot|app))|how\s+do\s+you\s+work|"
        r"where\s+do\s+you\s+get\s+(?:your\s+)?(?:information|info|answers|facts)(?:\s+from)?|"
        r"what\s+are\s+your\s+sources)$")),
)


def small_talk(question: str) -> str:
    """What a turn that asks nothing of the explainers is ("thanks", "greeting", "goodbye", "acknowledgement"
    ("ok", "yes", "wow"), or "help" for a question about the bot itself), or "" for a question to answer.  A reader who writes "thanks" after an
    answer is owed a reply, not the passage that happens to say "thanks largely to vaccination"."""
    words = " ".join(textlib.words(question))
    if not words or len(words) > 60:
        return ""
    return next((kind for kind, pattern in _SMALL_TALK if pattern.match(words)), "")
