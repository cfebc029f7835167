"""Explainers, FAQ files and labelled questions: parsed, validated, given stable ids.

Three corpus forms become the same `Explainer`/`Passage` objects:

* the explainer text dump (see corpus/README.md and EXPLAINER_FORMAT.md),
* the same explainer as hand-written JSON,
* plain FAQ JSONL, one ``{"id", "title", "text"}`` a line.

Passage ids read ``<explainer id>:<kind>:<n>`` (``nk-russia:papers:2``) and depend
only on the file, so they survive every rebuild.  A FAQ entry keeps its own id.
Every problem with a file is a `CorpusError` naming the file and the line.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Iterator

from . import text as textlib
from .jsonlines import JsonLocator, read_jsonl

SECTION_TITLES = {
    "summary": "What's happened",
    "analysis": "What's behind the headline?",
    "papers": "What the papers say",
    "background": "How we got here",
    "go_deeper": "Go deeper",
    "common": "Common questions",
    "entity": "More on these topics",
    "faq": "FAQ",
}
_HEADERS = {
    "what's happened": "summary",
    "what's behind the headline?": "analysis",
    "what's behind the headline": "analysis",
    "why it matters": "analysis",
    "key insights": "analysis",
    "what the papers say": "papers",
    "how we got here": "background",
    "go deeper": "go_deeper",
    "common question": "common",
    "common questions": "common",
    "more on these topics": "entity",
}
PASSAGE_KINDS = ("summary", "analysis", "papers", "background", "common", "entity", "faq")
_PREAMBLE_KEYS = ("title", "date", "url")
_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
_MONTHS = ("january february march april may june july august september october november december").split()
_AS_OF = re.compile(r"\b(?:as of|current as of)\s+(?:(\d{1,2})\s+)?(" + "|".join(_MONTHS) + r")\s+(\d{4})", re.I)
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


class CorpusError(ValueError):
    """A corpus file that cannot be used, with where and why."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}, line {line}" if line else self.path
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Passage:
    """One answerable unit: a paragraph, a bullet, a paper's line, an entity blurb or a FAQ entry."""

    id: str
    explainer_id: str
    kind: str
    section: str
    text: str
    heading: str = ""
    truncated: bool = False
    answerable: bool = True
    questions: tuple[str, ...] = ()
    line: int | None = None

    @property
    def display_text(self) -> str:
        """What a reader is shown: cut-off text ends at its last whole sentence."""
        return textlib.trim_to_sentence(self.text) if self.truncated else self.text

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["questions"] = list(self.questions)
        return data


@dataclass(frozen=True)
class Entity:
    name: str
    aliases: tuple[str, ...]
    passage_id: str


@dataclass
class Explainer:
    id: str
    title: str
    passages: list[Passage]
    date: str = ""
    url: str = ""
    source: str = ""
    suggested_questions: list[str] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    kind: str = "explainer"

    @property
    def common_questions(self) -> list[Passage]:
        return [p for p in self.passages if p.kind == "common"]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "date": self.date, "url": self.url,
            "kind": self.kind, "sections": self.sections,
            "suggested_questions": self.suggested_questions,
            "entities": [{"name": e.name, "aliases": list(e.aliases), "passage_id": e.passage_id} for e in self.entities],
            "passages": [p.to_json() for p in self.passages],
        }


@dataclass(frozen=True)
class LabelledQuestion:
    """A reader question with the passages that answer it; none means the corpus cannot."""

    id: str
    question: str
    relevant: tuple[str, ...]
    context: tuple[str, ...] = ()
    source: str = ""
    line: int | None = None

    @property
    def answerable(self) -> bool:
        return bool(self.relevant)


@dataclass
class Corpus:
    explainers: dict[str, Explainer]
    glossary: dict[str, list[str]] = field(default_factory=dict)
    root: str = ""

    @property
    def passages(self) -> list[Passage]:
        return [p for e in self.explainers.values() for p in e.passages]

    def passage(self, passage_id: str) -> Passage:
        return self._by_id()[passage_id]

    def _by_id(self) -> dict[str, Passage]:
        if getattr(self, "_index", None) is None or len(self._index) != sum(len(e.passages) for e in self.explainers.values()):
            self._index = {p.id: p for p in self.passages}
        return self._index

    def aliases(self) -> dict[str, list[str]]:
        """Glossary groups plus every entity's aliases, for the analyzer."""
        groups = {k: list(v) for k, v in self.glossary.items()}
        for explainer in self.explainers.values():
            for entity in explainer.entities:
                known = groups.setdefault(entity.name, [])
                known.extend(a for a in entity.aliases if a not in known)
        return groups

    def fingerprint(self) -> str:
        payload = json.dumps(
            {"explainers": [e.to_json() | {"source": ""} for e in self.explainers.values()], "glossary": self.glossary},
            sort_keys=True, ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]

    def add_phrasings(self, phrasings: Iterable[tuple[str, str]], source: str = "") -> None:
        """Attach alternate phrasings (passage id, question) to their passages' question field."""
        extra: dict[str, list[str]] = {}
        for passage_id, question in phrasings:
            if passage_id not in self._by_id():
                raise CorpusError(source or "phrasings", None, f"alternate phrasing for unknown passage {passage_id!r}")
            extra.setdefault(passage_id, []).append(question)
        for explainer in self.explainers.values():
            explainer.passages = [
                replace(p, questions=tuple(dict.fromkeys(p.questions + tuple(extra[p.id])))) if p.id in extra else p
                for p in explainer.passages
            ]
        self._index = None


# ---------------------------------------------------------------- text dumps

def _header_kind(line: str) -> str | None:
    return _HEADERS.get(textlib.clean(line).casefold().strip())


def _is_separator(line: str) -> bool:
    return line.strip() == "-"


def _bullet(line: str) -> str | None:
    stripped = line.strip()
    if stripped.startswith("- ") or (stripped.startswith("-") and len(stripped) > 1 and stripped[1] != "-"):
        return stripped[1:].strip()
    if stripped[:2] in ("• ", "* "):
        return stripped[2:].strip()
    return None


def _chunks(lines: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """Split on lone '-' lines; the dangling first separator gives an empty first chunk, dropped."""
    chunks: list[list[tuple[int, str]]] = [[]]
    for number, line in lines:
        if _is_separator(line):
            chunks.append([])
        elif line.strip():
            chunks[-1].append((number, line))
    return [c for c in chunks if c]


def _looks_like_subheading(line: str, following: str | None) -> bool:
    stripped = line.strip()
    return (
        following is not None
        and 3 <= len(stripped) <= 60
        and not textlib.ends_sentence(stripped)
        and not stripped.endswith((":", ",", ";"))
        and _bullet(stripped) is None
        and len(following.strip()) > len(stripped)
    )


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise CorpusError(path, line, f"not valid UTF-8 (byte {raw[error.start]:#04x}); save the file as UTF-8") from None


def parse_explainer_text(content: str, explainer_id: str, source: str = "<text>") -> Explainer:
    """Parse an explainer text dump.  A page dumped twice keeps its last version."""
    lines = content.splitlines()
    if not any(line.strip() for line in lines):
        raise CorpusError(source, None, "the file is empty")
    preamble: dict[str, str] = {}
    sections: list[tuple[str, str, int, list[tuple[int, str]]]] = []
    for number, line in enumerate(lines, start=1):
        if "\x00" in line:
            raise CorpusError(source, number, "the line holds a NUL byte; is this a text file?")
        kind = _header_kind(line)
        if kind is not None:
            if kind == "summary" and sections:
                sections = []  # a second dump of the same page: keep the later version
            elif any(kind == seen for seen, *_ in sections):
                first = next(n for seen, _, n, _ in sections if seen == kind)
                raise CorpusError(source, number, f"section {line.strip()!r} appears twice (first at line {first})")
            sections.append((kind, textlib.clean(line), number, []))
        elif sections:
            sections[-1][3].append((number, line))
        elif line.strip():
            key, sep, value = line.partition(":")
            if not sep or key.strip().casefold() not in _PREAMBLE_KEYS:
                raise CorpusError(
                    source, number,
                    "text before the first section header; start with a header such as \"What's happened\" "
                    "(optionally after 'Title:', 'Date:' or 'URL:' lines)",
                )
            value = textlib.clean(value)
            if key.strip().casefold() == "date" and not _DATE.match(value):
                raise CorpusError(source, number, f"date {value!r} is not YYYY-MM-DD or YYYY-MM")
            preamble[key.strip().casefold()] = value
    if not sections:
        raise CorpusError(source, None, "no section headers found (expected \"What's happened\", \"What the papers say\", ...)")

    builder = _PassageBuilder(explainer_id, source)
    suggested: list[str] = []
    for kind, title, header_line, body in sections:
        builder.section_titles.append(title)
        if kind == "go_deeper":
            for number, line in body:
                if line.strip() and not _is_separator(line):
                    question = textlib.clean(_bullet(line) or line)
                    suggested.append(question)
        elif kind == "common":
            for chunk in _chunks(body):
                (number, title_line), rest = chunk[0], chunk[1:]
                if not rest:
                    raise CorpusError(source, number, "common question has a title but no blurb line after it")
                blurb = " ".join(textlib.clean(line) for _, line in rest)
                builder.add("common", title, blurb, number, heading=textlib.clean(title_line),
                            questions=(textlib.clean(title_line),))
        elif kind == "entity":
            for chunk in _chunks(body):
                number = chunk[0][0]
                raw = "\n".join(line.strip() for _, line in chunk)
                blurb = " ".join(textlib.clean(line) for _, line in chunk)
                cut = len(raw.encode("utf-8")) >= 255 and not textlib.ends_sentence(blurb)
                builder.add_entity(title, blurb, number, truncated=cut or not textlib.ends_sentence(blurb))
        elif kind == "analysis":
            _parse_analysis(builder, title, body)
        else:
            paragraphs = [(n, textlib.clean(line)) for n, line in body if line.strip() and not _is_separator(line)]
            for position, (number, paragraph) in enumerate(paragraphs):
                last = position == len(paragraphs) - 1
                truncated = last and not textlib.ends_sentence(paragraph)
                builder.add(kind, title, _bullet(paragraph) or paragraph, number, truncated=truncated)
        del header_line

    passages = _mark_off_topic(builder.passages, builder.entities)
    date = preamble.get("date") or _date_from_text(passages)
    title = preamble.get("title") or _title_from(passages, suggested, explainer_id)
    return Explainer(
        id=explainer_id, title=title, passages=passages, date=date, url=preamble.get("url", ""),
        source=source, suggested_questions=suggested, entities=builder.entities, sections=builder.section_titles,
    )


def _parse_analysis(builder: "_PassageBuilder", title: str, body: list[tuple[int, str]]) -> None:
    rows = [(n, line) for n, line in body if line.strip() and not _is_separator(line)]
    heading: tuple[int, str] | None = None
    for position, (number, line) in enumerate(rows):
        following = rows[position + 1][1] if position + 1 < len(rows) else None
        bullet = _bullet(line)
        if bullet is not None:
            nested = line[: len(line) - len(line.lstrip())] != "" and builder.passages and builder.passages[-1].kind == "analysis"
            if nested:  # an indented bullet is flattened into the bullet above it
                builder.extend_last(textlib.clean(bullet))
                continue
            label, sep, rest = bullet.partition(": ")
            if sep and 0 < len(label) <= 60 and not textlib.ends_sentence(label):
                builder.add("analysis", title, textlib.clean(rest), number, heading=textlib.clean(label))
            else:
                builder.add("analysis", title, textlib.clean(bullet), number)
        elif heading is None and _looks_like_subheading(line, following) and _bullet(following or "") is None:
            heading = (number, textlib.clean(line))
        else:
            start, head = heading if heading else (number, "")
            builder.add("analysis", title, textlib.clean(line), start, heading=head,
                        truncated=following is None and not textlib.ends_sentence(line))
            heading = None
    if heading is not None:
        builder.add("analysis", title, heading[1], heading[0])


class _PassageBuilder:
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


def _mark_off_topic(passages: list[Passage], entities: list[Entity]) -> list[Passage]:
    """Common-question teasers about another story never answer: one that names none of the
    explainer's entities (or, without entities, shares few words with the page) is off topic."""
    body_terms = {textlib.stem(w) for p in passages if p.kind != "common" for w in textlib.content_words(p.text)}
    # A name made only of everyday words ("WHO") would match any sentence; it needs its capitals.
    names = [tuple(textlib.words(n)) for e in entities for n in (e.name, *e.aliases)
             if not all(w in textlib.STOP_WORDS or len(w) < 3 for w in textlib.words(n))]
    out = []
    for passage in passages:
        if passage.kind != "common" or not passage.answerable:
            out.append(passage)
            continue
        tokens = textlib.words(f"{passage.heading} {passage.text}")
        if names:
            on_topic = any(_contains(tokens, name) for name in names if name)
        else:
            title_terms = {textlib.stem(w) for w in textlib.content_words(passage.heading)}
            on_topic = bool(title_terms) and len(title_terms & body_terms) / len(title_terms) >= 0.5
        out.append(passage if on_topic else replace(passage, answerable=False))
    return out


def _contains(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(tokens[i:i + n]) == phrase for i in range(len(tokens) - n + 1))


def _date_from_text(passages: list[Passage]) -> str:
    for passage in passages:
        if passage.kind == "summary":
            match = _AS_OF.search(passage.text)
            if match:
                day, month, year = match.groups()
                stamp = f"{year}-{_MONTHS.index(month.lower()) + 1:02d}"
                return f"{stamp}-{int(day):02d}" if day else stamp
    return ""


def _title_from(passages: list[Passage], suggested: list[str], explainer_id: str) -> str:
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


# ---------------------------------------------------------------- JSON explainers

def parse_explainer_json(content: str, source: str = "<json>", default_id: str = "") -> Explainer:
    """Parse the hand-written JSON form of an explainer (corpus/README.md lists its fields)."""
    try:
        data = json.loads(content)
    except json.JSONDecodeError as error:
        raise CorpusError(source, error.lineno, f"invalid JSON: {error.msg} (column {error.colno})") from None
    where = JsonLocator(content)

    def fail(path: str, message: str) -> CorpusError:
        return CorpusError(source, where.line_of(path), f"{path or 'top level'}: {message}")

    def text_field(obj: dict, key: str, path: str, required: bool = True) -> str:
        value = obj.get(key, "")
        if not isinstance(value, str):
            raise fail(f"{path}.{key}".lstrip("."), f"must be a string, not {type(value).__name__}")
        if required and not value.strip():
            raise fail(f"{path}.{key}".lstrip("."), "is missing or empty")
        return textlib.clean(value)

    def string_list(obj: dict, key: str, path: str) -> list[str]:
        value = obj.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(f"{path}.{key}".lstrip("."), "must be a list of strings")
        return [textlib.clean(v) for v in value if v.strip()]

    def object_list(obj: dict, key: str, path: str) -> list[dict]:
        value = obj.get(key, [])
        if not isinstance(value, list):
            raise fail(f"{path}.{key}".lstrip("."), "must be a list")
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise fail(f"{path}.{key}[{i}]".lstrip("."), "must be an object")
        return value

    if not isinstance(data, dict):
        raise fail("", "an explainer must be a JSON object")
    explainer_id = text_field(data, "id", "", required=False) or default_id
    if not _ID.match(explainer_id):
        raise fail("id", f"{explainer_id!r} is not a usable id (letters, digits, '-', '_', '.')")
    date = text_field(data, "date", "", required=False)
    if date and not _DATE.match(date):
        raise fail("date", f"{date!r} is not YYYY-MM-DD or YYYY-MM")

    builder = _PassageBuilder(explainer_id, source)
    for i, section in enumerate(object_list(data, "sections", "")):
        path = f"sections[{i}]"
        kind = text_field(section, "kind", path)
        if kind not in ("summary", "analysis", "papers", "background"):
            raise fail(f"{path}.kind", f"{kind!r} is not one of summary, analysis, papers, background "
                                       "(common questions and entities have their own lists)")
        title = text_field(section, "title", path, required=False) or SECTION_TITLES[kind]
        builder.section_titles.append(title)
        for j, item in enumerate(object_list(section, "passages", path)):
            item_path = f"{path}.passages[{j}]"
            builder.add(kind, title, text_field(item, "text", item_path), where.line_of(item_path),
                        heading=text_field(item, "heading", item_path, required=False),
                        truncated=bool(item.get("truncated", False)),
                        questions=tuple(string_list(item, "questions", item_path)))
    for i, item in enumerate(object_list(data, "common_questions", "")):
        path = f"common_questions[{i}]"
        question = text_field(item, "question", path)
        builder.add("common", SECTION_TITLES["common"], text_field(item, "blurb", path), where.line_of(path),
                    heading=question, questions=(question,), answerable=not item.get("off_topic", False))
    for i, item in enumerate(object_list(data, "entities", "")):
        path = f"entities[{i}]"
        blurb = text_field(item, "text", path)
        builder.add_entity(SECTION_TITLES["entity"], blurb, where.line_of(path),
                           truncated=not textlib.ends_sentence(blurb),
                           name=text_field(item, "name", path, required=False),
                           aliases=string_list(item, "aliases", path))
    if not builder.passages:
        raise fail("sections", "the explainer has no passages")
    suggested = string_list(data, "suggested_questions", "")
    passages = builder.passages
    if not any(isinstance(c, dict) and "off_topic" in c for c in data.get("common_questions", [])):
        passages = _mark_off_topic(passages, builder.entities)
    return Explainer(
        id=explainer_id, passages=passages, source=source, date=date or _date_from_text(passages),
        title=text_field(data, "title", "", required=False) or _title_from(passages, suggested, explainer_id),
        url=text_field(data, "url", "", required=False), suggested_questions=suggested,
        entities=builder.entities, sections=builder.section_titles,
    )


# ---------------------------------------------------------------- FAQ and labelled questions

def load_faq(path: str | Path) -> Explainer:
    """A FAQ JSONL file as one explainer whose passages keep the file's own ids."""
    path = Path(path)
    passages: list[Passage] = []
    seen: dict[str, int] = {}
    for number, record in read_jsonl(path, CorpusError):
        values = {}
        for key in ("id", "title", "text"):
            value = record.get(key)
            if not isinstance(value, str) or not value.strip():
                raise CorpusError(path, number, f"{key!r} must be a non-empty string")
            values[key] = textlib.clean(value)
        if values["id"] in seen:
            raise CorpusError(path, number, f"id {values['id']!r} already used on line {seen[values['id']]}")
        seen[values["id"]] = number
        passages.append(Passage(id=values["id"], explainer_id=_slug_id(path.stem), kind="faq", section="FAQ",
                                text=values["text"], heading=values["title"], questions=(values["title"],),
                                line=number))
    if not passages:
        raise CorpusError(path, None, "the file holds no FAQ entries")
    return Explainer(id=_slug_id(path.stem), title=path.stem.replace("_", " ").strip(), passages=passages,
                     source=str(path), sections=["FAQ"], kind="faq")


def load_questions(path: str | Path) -> list[LabelledQuestion]:
    """Labelled questions: JSONL ``{"id", "question", "relevant": [...], "context": [...]?}``."""
    path = Path(path)
    questions = []
    seen: set[str] = set()
    for number, record in read_jsonl(path, CorpusError):
        question = record.get("question")
        if not isinstance(question, str) or not question.strip():
            raise CorpusError(path, number, "'question' must be a non-empty string")
        relevant = record.get("relevant", [])
        context = record.get("context", [])
        for key, value in (("relevant", relevant), ("context", context)):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise CorpusError(path, number, f"{key!r} must be a list of strings")
        qid = record.get("id", f"{path.stem}:{number}")
        if not isinstance(qid, (str, int)):
            raise CorpusError(path, number, "'id' must be a string")
        qid = str(qid)
        if qid in seen:
            raise CorpusError(path, number, f"question id {qid!r} is used twice")
        seen.add(qid)
        questions.append(LabelledQuestion(id=qid, question=question, relevant=tuple(relevant),
                                          context=tuple(context), source=str(path), line=number))
    return questions


def load_phrasings(path: str | Path) -> list[tuple[str, str]]:
    """Alternate phrasings: JSONL ``{"passage_id", "question"}``."""
    out = []
    for number, record in read_jsonl(Path(path), CorpusError):
        passage_id, question = record.get("passage_id"), record.get("question")
        if not isinstance(passage_id, str) or not isinstance(question, str) or not question.strip():
            raise CorpusError(path, number, "needs a string 'passage_id' and a non-empty string 'question'")
        out.append((passage_id, textlib.clean(question)))
    return out


def load_glossary(path: str | Path) -> dict[str, list[str]]:
    """An editor's glossary: ``{"North Korea": ["DPRK", "Pyongyang"], "troops": ["soldiers"]}``."""
    path = Path(path)
    content = _read_text(path)
    try:
        data = json.loads(content)
    except json.JSONDecodeError as error:
        raise CorpusError(path, error.lineno, f"invalid JSON: {error.msg}") from None
    if not isinstance(data, dict):
        raise CorpusError(path, 1, "the glossary must be an object of name -> list of other names")
    where = JsonLocator(content)
    for key, value in data.items():
        if key.startswith("_"):
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise CorpusError(path, where.line_of(key), f"{key!r} must map to a list of strings")
    return {k: v for k, v in data.items() if not k.startswith("_")}


def _slug_id(stem: str) -> str:
    return stem if _ID.match(stem) else textlib.slugify(stem)


def load_explainer(path: str | Path) -> Explainer:
    path = Path(path)
    if path.suffix == ".jsonl":
        return load_faq(path)
    content = _read_text(path)
    if path.suffix == ".json":
        return parse_explainer_json(content, str(path), default_id=_slug_id(path.stem))
    return parse_explainer_text(content, _slug_id(path.stem), str(path))


def corpus_files(root: Path) -> Iterator[Path]:
    folder = root / "explainers" if (root / "explainers").is_dir() else root
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix in (".txt", ".json", ".jsonl") and not path.name.startswith("."):
            yield path


def load_corpus(path: str | Path, default_glossary: bool = True) -> Corpus:
    """Load a corpus folder (``explainers/``, ``glossary.json``, ``phrasings.jsonl``), a folder of
    explainer files, or a single explainer or FAQ JSONL file."""
    root = Path(path)
    if not root.exists():
        raise CorpusError(root, None, "no such file or folder")
    files = [root] if root.is_file() else list(corpus_files(root))
    if not files:
        raise CorpusError(root, None, "no explainer files (.txt, .json) or FAQ files (.jsonl) found")
    explainers: dict[str, Explainer] = {}
    passage_sources: dict[str, str] = {}
    for file in files:
        explainer = load_explainer(file)
        if explainer.id in explainers:
            raise CorpusError(file, None, f"explainer id {explainer.id!r} is also used by {explainers[explainer.id].source}")
        for passage in explainer.passages:
            if passage.id in passage_sources:
                raise CorpusError(file, passage.line, f"passage id {passage.id!r} is also used in {passage_sources[passage.id]}")
            passage_sources[passage.id] = str(file)
        explainers[explainer.id] = explainer
    glossary: dict[str, list[str]] = {}
    if default_glossary:
        glossary = load_glossary(Path(__file__).with_name("glossary.json"))
    folder = root if root.is_dir() else root.parent
    if root.is_dir() and (folder / "glossary.json").is_file():
        for name, aliases in load_glossary(folder / "glossary.json").items():
            known = glossary.setdefault(name, [])
            known.extend(a for a in aliases if a not in known)
    corpus = Corpus(explainers=explainers, glossary=glossary, root=str(folder))
    if root.is_dir() and (folder / "phrasings.jsonl").is_file():
        corpus.add_phrasings(load_phrasings(folder / "phrasings.jsonl"), str(folder / "phrasings.jsonl"))
    return corpus


def default_questions(corpus_path: str | Path) -> list[LabelledQuestion]:
    """The labelled questions that ship beside a corpus folder (``eval/*.jsonl``), if any."""
    folder = Path(corpus_path)
    eval_dir = folder / "eval" if folder.is_dir() else None
    if eval_dir is None or not eval_dir.is_dir():
        return []
    return [q for file in sorted(eval_dir.glob("*.jsonl")) for q in load_questions(file)]


def check_questions(questions: list[LabelledQuestion], corpus: Corpus) -> None:
    """Every labelled passage id must exist: a typo would silently count as a miss."""
    known = {p.id for p in corpus.passages}
    for question in questions:
        missing = [r for r in question.relevant if r not in known]
        if missing:
            raise CorpusError(question.source, question.line, f"unknown passage id(s) {', '.join(missing)}")


def explainer_from_json(data: dict[str, Any]) -> Explainer:
    """Rebuild an `Explainer` from `Explainer.to_json()` (the snapshot saved beside an index)."""
    passages = [
        Passage(**{**p, "questions": tuple(p.get("questions", ()))})
        for p in data["passages"]
    ]
    entities = [Entity(name=e["name"], aliases=tuple(e["aliases"]), passage_id=e["passage_id"]) for e in data["entities"]]
    return Explainer(id=data["id"], title=data["title"], passages=passages, date=data.get("date", ""),
                     url=data.get("url", ""), suggested_questions=list(data.get("suggested_questions", [])),
                     entities=entities, sections=list(data.get("sections", [])), kind=data.get("kind", "explainer"))
