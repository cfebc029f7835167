"""What both explainer formats share: numbering passages, naming entities, and telling
on-topic teasers from off-topic ones."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from . import text as textlib
from .corpus_model import CorpusError, Entity, Passage

_MONTHS = [month.lower() for month in textlib.MONTHS]
# "As of 3 June 2025", "As of June 2025", and the American "as of June 3, 2025".
_AS_OF = re.compile(r"\b(?:as of|current as of)\s+(?:(\d{1,2})\s+)?(" + "|".join(_MONTHS) + r")\s+(?:(\d{1,2}),?\s+)?(\d{4})",
                    re.I)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
_ROLE_WORDS = (
    "politician|diplomat|president|minister|general|officer|leader|executive|chief|director|"
    "businessman|businesswoman|entrepreneur|economist|scientist|actor|actress|writer|athlete|"
    "swimmer|footballer|player|lawyer|banker|journalist|engineer|astronaut|judge|activist|"
    "chairman|chairwoman|founder|official|secretary|commander|spokesperson|physician|"
    "administrator|screenwriter|comedian|singer|cyclist|runner|gymnast|coach|economist"
)
_PERSON = re.compile(r"^\s*(?:\([^)]*\)\s*)?(?:,\s*)?(?:is|was) (?:an?|the) [^.]*?\b(?:" + _ROLE_WORDS + r")\b", re.I)
_ALIAS_PHRASES = re.compile(
    r"\b(?:officially(?: known as)?|also known as|commonly known as|known as|or)\s+(?:the\s+)?"
    r"([A-Z][\w'’.-]*(?:\s+(?:of|the|and|for|[A-Z][\w'’.-]*))*)"
)



class PassageBuilder:
    """Numbers passages per kind in file order: the stable part of every id."""

    def __init__(self, explainer_id: str, source: str) -> None:
        self.explainer_id = explainer_id
        self.source = source
        self.passages: list[Passage] = []
        self.entities: list[Entity] = []
        self.section_titles: list[str] = []
        self._counts: dict[str, int] = {}

    def next_id(self, kind: str) -> str:
        self._counts[kind] = self._counts.get(kind, 0) + 1
        return f"{self.explainer_id}:{kind}:{self._counts[kind]}"

    def add(self, kind: str, section: str, text: str, line: int | None, **extra: Any) -> Passage:
        if not text.strip():
            raise CorpusError(self.source, line, f"empty {kind} passage")
        passage = Passage(id=self.next_id(kind), explainer_id=self.explainer_id, kind=kind, section=section,
                          text=text.strip(), line=line, **extra)
        self.passages.append(passage)
        return passage

    def extend_last(self, text: str) -> None:
        last = self.passages.pop()
        self.passages.append(replace(last, text=f"{last.text} {text}"))

    def add_entity(self, section: str, blurb: str, line: int | None, truncated: bool,
                   name: str = "", aliases: Iterable[str] = ()) -> Passage:
        name = name or entity_name(blurb)
        found = list(dict.fromkeys([*aliases, *entity_aliases(name, blurb)]))
        passage = self.add("entity", section, blurb, line, heading=name, truncated=truncated)
        self.entities.append(Entity(name=name, aliases=tuple(a for a in found if a != name), passage_id=passage.id))
        return passage


def entity_name(blurb: str) -> str:
    """The name an entity blurb starts with: up to " is ", ", " or " (", whichever comes first."""
    cuts = [i for i in (blurb.find(" is "), blurb.find(", "), blurb.find(" (")) if i > 0]
    return blurb[: min(cuts)].strip() if cuts else " ".join(blurb.split()[:3])


def entity_aliases(name: str, blurb: str) -> list[str]:
    """Other names a blurb gives ("officially the Democratic People's Republic of Korea"), and a
    person's surname and first-and-last name."""
    aliases = []
    head = blurb[: 200]
    for match in _ALIAS_PHRASES.finditer(head):
        alias = match.group(1).strip(" ,.")
        if (len(alias) > 2 or alias.isupper()) and alias != name:
            aliases.append(alias)
    parts = name.split()
    if len(parts) >= 2 and _PERSON.match(blurb[len(name):]):
        if len(parts[-1]) > 2 and parts[-1].casefold() not in textlib.STOP_WORDS:
            aliases.append(parts[-1])
        if len(parts) >= 3:
            aliases.append(f"{parts[0]} {parts[-1]}")
    return aliases


def mark_off_topic(passages: list[Passage], entities: list[Entity]) -> list[Passage]:
    """Common-question teasers about another story never answer: one whose question shares fewer than
    half its content words with the page's own text and names none of the explainer's entities is
    off topic.  (A page's entity blurbs rarely cover every name its own teasers use, so the names
    alone mark some of them off topic wrongly.)"""
    body_terms = {textlib.stem(w) for p in passages if p.kind != "common" for w in textlib.content_words(p.text)}
    # A name made only of everyday words ("WHO") would match any sentence; it needs its capitals.
    names = [tuple(textlib.words(n)) for e in entities for n in (e.name, *e.aliases)
             if not all(w in textlib.STOP_WORDS or len(w) < 3 for w in textlib.words(n))]
    out = []
    for passage in passages:
        if passage.kind != "common" or not passage.answerable:
            out.append(passage)
            continue
        title_terms = {textlib.stem(w) for w in textlib.content_words(passage.heading)}
        on_topic = bool(title_terms) and len(title_terms & body_terms) / len(title_terms) >= 0.5
        if not on_topic and names:
            tokens = textlib.words(f"{passage.heading} {passage.text}")
            on_topic = any(_contains(tokens, name) for name in names if name)
        out.append(passage if on_topic else replace(passage, answerable=False))
    return out


def _contains(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(tokens[i:i + n]) == phrase for i in range(len(tokens) - n + 1))


def real_date(value: str) -> bool:
    """YYYY-MM-DD or YYYY-MM naming a day or month that exists (not 2025-13-45, not 2024-02-30)."""
    if not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", value):
        return False
    try:
        datetime.date.fromisoformat(value if len(value) == 10 else f"{value}-01")
    except ValueError:
        return False
    return True


MAX_URL_CHARS = 2000


def web_address(value: str) -> bool:
    """An explainer's `url`: an absolute http:// or https:// address with a host, no spaces, at most
    MAX_URL_CHARS long. Readers are sent there from answers, so nothing else (a javascript: or data: address, a
    path on no site) may be one."""
    # Nothing unseen either: no space, control or format character (U+202E would show the address reversed).
    if not value or len(value) > MAX_URL_CHARS or any(unicodedata.category(c)[0] in "CZ" for c in value):
        return False
    # No user before the host: "https://news.example@evil.example/" reads as the publisher's site and leads to
    # evil.example. No backslash, which browsers read as "/" and Python does not: "https://evil.example\@news.example"
    # is news.example to urlsplit and evil.example to a browser.
    if "\\" in value:
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (read for its check: a port past 65535 raises)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and "@" not in parts.netloc
    except ValueError:  # a malformed port or IPv6 address
        return False


def date_from_text(passages: list[Passage]) -> str:
    for passage in passages:
        if passage.kind == "summary":
            match = _AS_OF.search(passage.text)
            if match:
                day, month, day_after, year = match.groups()
                day = day or day_after
                stamp = f"{year}-{_MONTHS.index(month.lower()) + 1:02d}"
                dated = f"{stamp}-{int(day):02d}" if day else stamp
                return dated if real_date(dated) else stamp  # "as of 31 June": the month is still right
    return ""


def title_from(passages: list[Passage], suggested: list[str], explainer_id: str) -> str:
    for passage in passages:
        if passage.kind == "common" and passage.answerable:
            return passage.heading.rstrip("?")
    if suggested:
        return suggested[0].rstrip("?")
    for passage in passages:
        sentences = textlib.split_sentences(passage.text)
        if sentences:
            return sentences[0][:90]
    return explainer_id

