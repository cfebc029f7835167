"""`python -m bot serve` builds an index on first start (web/serve.py)."""

from __future__ import annotations

from tiny_corpus import write_corpus

from bot import bundle
from web.serve import ensure_index


def test_first_start_builds_the_index_once(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "instance" / "index"
    assert ensure_index(index_dir, corpus) is True
    assert len(bundle.load(index_dir).explainers) == 2
    assert ensure_index(index_dir, corpus) is False
