"""Answers readers' questions from news explainers, or says honestly that it cannot."""

from __future__ import annotations

import importlib
from typing import Any

# Imported on first use, so that a process needing one module (a build's tokenizing worker needs
# only the analyzer) does not load them all, with scipy and numba.
_HOMES = {
    "Corpus": "corpus", "CorpusError": "corpus", "Explainer": "corpus", "LabelledQuestion": "corpus",
    "Passage": "corpus", "load_corpus": "corpus", "load_questions": "corpus",
    "Document": "index", "Index": "index", "IndexFormatError": "index",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{home}", __name__), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
