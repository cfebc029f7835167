"""Tokenizing a chunk of texts for an index build, in the building process or in a worker process.

Apart from `index_build` so that a worker imports the analyzer and numpy only, not scipy or numba: a
spawned worker starts in about a tenth of a second instead of half a second, and the building process
waits that much less for its first chunk.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import text as textlib


def tokenize(texts: Sequence[str], glossary: textlib.Glossary) -> tuple[list[str], np.ndarray, list[int]]:
    """A chunk's words: its distinct words in order of first use, every word of every text as an index
    into that list, and each text's number of words."""
    expand = glossary.expand
    tokens: list[str] = []
    lengths = []
    for text in texts:
        words = expand(text, remember=False)
        tokens += words
        lengths.append(len(words))
    distinct = list(dict.fromkeys(tokens))
    position = dict(zip(distinct, range(len(distinct))))
    occurrences = np.fromiter(map(position.__getitem__, tokens), dtype=np.int32, count=len(tokens))
    return distinct, occurrences, lengths


_worker_glossary: textlib.Glossary | None = None


def start_worker(groups: dict[str, list[str]]) -> None:
    """A worker process's initializer: the glossary it expands aliases with."""
    global _worker_glossary
    _worker_glossary = textlib.Glossary(groups).fit()


def tokenize_in_worker(texts: list[str]) -> tuple[list[str], np.ndarray, list[int]]:
    if _worker_glossary is None:
        raise RuntimeError("a tokenizing worker was started without its glossary")
    return tokenize(texts, _worker_glossary)
