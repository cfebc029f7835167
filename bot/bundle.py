"""A built answerer on disk: the index, the explainers it was built from, and the confidence model.

`save` and `load` go through the index's own format (JSON and one raw array file, no pickle), so a
bundle is one folder that a server loads once per process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .answer import Answerer
from .confidence import ConfidenceModel
from .corpus import Corpus, explainer_from_json
from .index import Document, Index, IndexFormatError
from .index_files import rebuild_command

DEFAULT_INDEX_DIR = Path("instance") / "index"


def documents(corpus: Corpus) -> list[Document]:
    """What the index sees of each passage: its heading with its text, and the questions it answers."""
    docs = []
    for passage in corpus.passages:
        # A subheading adds words worth matching; an entity's name already opens its blurb.
        body = f"{passage.subheading}. {passage.text}" if passage.subheading else passage.text
        docs.append(Document(id=passage.id, text=body, questions=passage.questions))
    return docs


def build(corpus: Corpus, index_params: dict[str, Any] | None = None, answer_params: dict[str, Any] | None = None,
          model: ConfidenceModel | None = None, progress: Any = None, processes: int = 1) -> Answerer:
    """Index `corpus` and wrap it in an `Answerer` (`processes` as in `Index.fit`)."""
    index = Index(**(index_params or {}), glossary=corpus.aliases()).fit(documents(corpus), progress=progress,
                                                                      processes=processes)
    return Answerer(index, list(corpus.explainers.values()), model=model, **(answer_params or {}))


ANSWER_PARAMS = ("cue_weight", "teaser_penalty", "entity_penalty", "papers_penalty", "explainer_weight", "candidates")


def answer_params(answerer: Answerer) -> dict[str, Any]:
    return {"cue_weight": answerer.cue_weight, "teaser_penalty": answerer.teaser_penalty,
            "entity_penalty": answerer.entity_penalty, "papers_penalty": answerer.papers_penalty,
            "explainer_weight": answerer.explainer_weight}


def save(answerer: Answerer, folder: str | Path, corpus_fingerprint: str = "", report: dict | None = None) -> Path:
    extra = {
        "corpus": {"fingerprint": corpus_fingerprint, "explainers": [e.to_json() for e in answerer.explainers.values()]},
        "answerer": {"params": answer_params(answerer), "model": answerer.model.to_json()},
    }
    if report is not None:
        extra["report"] = report
    return answerer.index.save(folder, extra=extra)


def load(folder: str | Path, mmap: bool = False) -> Answerer:
    """Load a bundle saved by `save`; any damage is an `IndexFormatError` that says what to do.
    `mmap` memory-maps the index's arrays (see `Index.load`)."""
    index = Index.load(folder, mmap=mmap)
    try:
        explainers = [explainer_from_json(e) for e in index.extra_["corpus"]["explainers"]]
        settings = index.extra_["answerer"]
        model = ConfidenceModel.from_json(settings["model"])
        params = dict(settings["params"])
        unknown = sorted(set(params) - set(ANSWER_PARAMS))
        if unknown or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in params.values()):
            raise ValueError(f"answer settings {unknown or params} are not the answerer's numbers")
        answerer = Answerer(index, explainers, model=model, **params)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise IndexFormatError(f"index at {folder} lacks a usable answer model ({error}); rebuild it with {rebuild_command(folder)}") from None
    index.warm_up()
    answerer.corpus_fingerprint = index.extra_["corpus"].get("fingerprint", "")
    return answerer
