"""Answers readers' questions from news explainers, or says honestly that it cannot."""

from .corpus import Corpus, CorpusError, Explainer, LabelledQuestion, Passage, load_corpus, load_questions
from .index import Document, Index, IndexFormatError

__all__ = [
    "Corpus", "CorpusError", "Document", "Explainer", "Index", "IndexFormatError", "LabelledQuestion",
    "Passage", "load_corpus", "load_questions",
]
