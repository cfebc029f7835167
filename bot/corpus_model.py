"""The corpus's data model: explainers and their passages, entities, labelled questions, and the error a
bad corpus file raises.  The parsers (`explainer_text`, `explainer_json`, `corpus`) all build these."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from . import text as textlib

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
    def subheading(self) -> str:
        """The editor's subheading over the passage ("Why the Fed acted"), or "": a FAQ's or a teaser's heading is
        its question, a profile's is its entity's name."""
        return "" if self.kind in ("faq", "common", "entity") else self.heading

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


def faq_only(explainers: Iterable[Explainer]) -> bool:
    """Whether every file is a FAQ (no explainer): such a corpus has a confidence model of its own."""
    return all(e.kind == "faq" for e in explainers)


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
    from .explainer_build import web_address  # here: explainer_build imports this module

    # Readers are sent to it, and API clients take it as an http(s) address: one edited into the snapshot (its
    # checksum written again) is checked as the corpus's parsers check it.
    url = data.get("url", "")
    if url and not (isinstance(url, str) and web_address(url)):
        raise ValueError(f"explainer {data['id']!r} has a url that is not a web address: {str(url)[:100]!r}")
    return Explainer(id=data["id"], title=data["title"], passages=passages, date=data.get("date", ""),
                     url=url, suggested_questions=list(data.get("suggested_questions", [])),
                     entities=entities, sections=list(data.get("sections", [])), kind=data.get("kind", "explainer"))
