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
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from . import text as textlib
from .jsonlines import JsonLocator, read_jsonl, unknown_key

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
PASSAGE_KINDS = ("summary", "analysis", "papers", "background", "common", "entity", "faq")
_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")


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

    def add_phrasings(self, phrasings: Iterable[tuple[str, str] | tuple[str, str, int | None]], source: str = "") -> None:
        """Attach alternate phrasings (passage id, question[, line]) to their passages' question field."""
        extra: dict[str, list[str]] = {}
        for passage_id, question, *where in phrasings:
            if passage_id not in self._by_id():
                raise CorpusError(source or "phrasings", where[0] if where else None,
                                  f"alternate phrasing for unknown passage {passage_id!r}")
            extra.setdefault(passage_id, []).append(question)
        for explainer in self.explainers.values():
            explainer.passages = [
                replace(p, questions=tuple(dict.fromkeys(p.questions + tuple(extra[p.id])))) if p.id in extra else p
                for p in explainer.passages
            ]
        self._index = None


def label_phrasings(questions: Iterable[LabelledQuestion]) -> list[tuple[str, str]]:
    """Labelled questions as alternate phrasings of the passages that answer them, so a reader who
    asks the same thing again is matched.  Follow-ups ("why?") lean on their context and are left out."""
    out = []
    for question in questions:
        if question.relevant and not question.context and len(textlib.content_words(question.question)) >= 2:
            out.extend((passage_id, textlib.clean(question.question)) for passage_id in question.relevant)
    return out


def with_phrasings(corpus: Corpus, phrasings: Iterable[tuple[str, str]]) -> Corpus:
    """A copy of `corpus` whose passages also answer `phrasings`; the original is unchanged."""
    copy = Corpus(explainers={eid: replace(e, passages=list(e.passages)) for eid, e in corpus.explainers.items()},
                  glossary=corpus.glossary, root=corpus.root)
    copy.add_phrasings(list(phrasings))
    return copy


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise CorpusError(path, line, f"not valid UTF-8 (byte {raw[error.start]:#04x}); save the file as UTF-8") from None


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
        values["id"] = record["id"].strip()  # as written: labels and API users name it as the file does
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


_QUESTION_KEYS = ("id", "question", "relevant", "context")
# The batch test's CSV columns for the expected passages, which a hand-made JSONL file may borrow.
_RELEVANT_ELSEWHERE = {"expected": "relevant", "expected_passage_id": "relevant", "passage_id": "relevant",
                       "passage": "relevant", "passages": "relevant"}


def load_questions(path: str | Path) -> list[LabelledQuestion]:
    """Labelled questions: JSONL ``{"id", "question", "relevant": [...], "context": [...]?}``."""
    path = Path(path)
    questions = []
    seen: set[str] = set()
    for number, record in read_jsonl(path, CorpusError):
        # A misspelt 'relevant' would make the question one the corpus cannot answer, without a word.
        unknown = unknown_key(record, _QUESTION_KEYS, "a labelled question", renamed=_RELEVANT_ELSEWHERE)
        if unknown:
            raise CorpusError(path, number, unknown[1])
        question = record.get("question")
        if not isinstance(question, str) or not question.strip():
            raise CorpusError(path, number, "'question' must be a non-empty string")
        relevant = record.get("relevant", [])
        context = record.get("context", [])
        for key, value in (("relevant", relevant), ("context", context)):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise CorpusError(path, number, f"{key!r} must be a list of strings")
        qid = record.get("id", f"{path.stem}:{number}")
        if not isinstance(qid, (str, int)) or isinstance(qid, bool):
            raise CorpusError(path, number, "'id' must be a string")
        qid = str(qid)
        if qid in seen:
            raise CorpusError(path, number, f"question id {qid!r} is used twice")
        seen.add(qid)
        questions.append(LabelledQuestion(id=qid, question=question, relevant=tuple(relevant),
                                          context=tuple(context), source=str(path), line=number))
    return questions


def load_phrasings(path: str | Path) -> list[tuple[str, str, int]]:
    """Alternate phrasings: JSONL ``{"passage_id", "question"}``."""
    out = []
    for number, record in read_jsonl(Path(path), CorpusError):
        passage_id, question = record.get("passage_id"), record.get("question")
        if not isinstance(passage_id, str) or not isinstance(question, str) or not question.strip():
            raise CorpusError(path, number, "needs a string 'passage_id' and a non-empty string 'question'")
        out.append((passage_id, textlib.clean(question), number))
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
    first_seen: dict[str, LabelledQuestion] = {}
    for question in questions:
        missing = [r for r in question.relevant if r not in known]
        if missing:
            raise CorpusError(question.source, question.line, f"unknown passage id(s) {', '.join(missing)}")
        earlier = first_seen.setdefault(question.id, question)
        if earlier is not question:  # across files: reports and comparisons match questions by id
            raise CorpusError(question.source, question.line, f"question id {question.id!r} is already used in "
                                                              f"{earlier.source}, line {earlier.line}")


def explainer_from_json(data: dict[str, Any]) -> Explainer:
    """Rebuild an `Explainer` from `Explainer.to_json()` (the snapshot saved beside an index)."""
    passages = [
        Passage(**{**p, "questions": tuple(p.get("questions", ()))})
        for p in data["passages"]
    ]
    for passage in passages:  # a damaged snapshot fails here, with its passage named, not at a reader's question
        if not all(isinstance(v, str) for v in (passage.id, passage.explainer_id, passage.kind, passage.text)):
            raise ValueError(f"passage {passage.id!r} has a field that is not text")
    entities = [Entity(name=e["name"], aliases=tuple(e["aliases"]), passage_id=e["passage_id"]) for e in data["entities"]]
    return Explainer(id=data["id"], title=data["title"], passages=passages, date=data.get("date", ""),
                     url=data.get("url", ""), suggested_questions=list(data.get("suggested_questions", [])),
                     entities=entities, sections=list(data.get("sections", [])), kind=data.get("kind", "explainer"))


# The formats' parsers, after the names they import from here.
from .explainer_json import parse_explainer_json  # noqa: E402
from .explainer_text import parse_explainer_text  # noqa: E402
