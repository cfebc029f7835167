"""The figures sources give for what a "how many" question counts, set side by side when they differ.

"How many troops has North Korea sent?" is answered "more than 10,000" by the page and "about 15,000" by Al
Jazeera: the reader is shown both.  Only counts of the same thing: from the answer's passage and the papers
(other sections' figures are of other things as often as not, Labour's seats in 2019 or in Scotland), each from
a sentence that holds the question's names.  The answerer supplies each passage's analysed sentences.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import text as textlib
from .questions import AUXILIARIES
from .sentences import figures_in, source_of

if TYPE_CHECKING:
    from .corpus_model import Passage

Sentences = Callable[["Passage"], Sequence[tuple[str, frozenset[str]]]]


def story_words(passages: Iterable[Passage], sentences: Sentences) -> tuple[frozenset[str], frozenset[str]]:
    """An explainer's names (words it writes with a capital more often than not, past a sentence's first word,
    read as a question's words are: "Labour" as "labor") and every stem its passages use."""
    capital: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    used: set[str] = set()
    for passage in passages:
        for sentence, stems in sentences(passage):
            used |= stems
            for token in re.findall(r"[^\W\d_][\w'-]*", sentence)[1:]:
                for word in textlib.words(token)[:1]:
                    (capital if token[0].isupper() else lower)[word] += 1
    return frozenset(word for word, count in capital.items() if count > lower[word]), frozenset(used)


def names_asked(question: str, counted: set[str], names: frozenset[str], used: frozenset[str],
                name_forms: Mapping[str, list[frozenset[str]]]) -> list[list[frozenset[str]]]:
    """The words of a "how many" question beyond what it `counted` that a figure's sentence must hold to count
    the same thing, each as the names of its glossary group (stems; a sentence holds one of them whole:
    "Pyongyang" is held by "North Korean soldiers", "Tories" by "the Conservatives"): the explainer's `names`
    ("how many seats did Labour win?" is not answered by the Liberal Democrats' 72), and the words it never
    uses ("how many medals did Team GB win?", of a story that never names Team GB, has no figures to compare)."""
    asked = []
    for word in dict.fromkeys(textlib.content_words(question)):
        stem = textlib.stem(word)
        if stem in counted or stem in textlib.STOP_STEMS or word in AUXILIARIES:
            continue
        forms = name_forms.get(stem, [frozenset({stem})])
        if word in names or all(form.isdisjoint(used) for form in forms):
            asked.append(forms)
    return asked


def by_source(candidates: Sequence[Passage], sentences: Sentences, counted: set[str],
              names: list[list[frozenset[str]]]) -> list[dict[str, Any]]:
    """For the answer's passage and the papers among `candidates` (answer first), the first sentence of each
    source that gives a figure for what is `counted` and holds the question's `names`; the list when no figure
    is common to all of them, else none."""
    found: list[dict[str, Any]] = []
    for rank, passage in enumerate(candidates):
        if rank > 0 and passage.kind != "papers":
            continue
        for sentence, stems in sentences(passage):
            if not counted & stems or not all(any(form <= stems for form in forms) for forms in names):
                continue
            figures = figures_in(sentence, frozenset(counted))
            source = source_of(passage, sentence)
            if figures and all(item["source"] != source for item in found):
                found.append({"passage_id": passage.id, "source": source, "figures": figures, "sentence": sentence})
                break
    agreed = set.intersection(*(set(item["figures"]) for item in found)) if found else set()
    return found if len(found) > 1 and not agreed else []
