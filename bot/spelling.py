"""Reading a misspelt question word as the corpus word it nearly is: "resdiuals" as "residuals",
"turnot" as "turnout".

A word is read as another only when all of these hold: the index has never seen it, it is no English
word (an English word the corpus lacks, such as "plants" or "hiking", is what a question the
explainers cannot answer looks like, and must stay as written), it has at least `MIN_LENGTH` letters,
and one edit (a letter dropped, added, changed, or two swapped) makes it a word of the corpus; but a word that
is a corpus or English word with an "s" ("mens", "biles") is a plural or possessive typed without its
apostrophe, read as that corpus word or left as typed.  Of
several such words, one reached by the commonest slips wins (a doubled letter typed once or a letter typed
twice, two neighbours swapped: "powel" is "Powell", not "power"), then the one in most passages.

The English word list is pyspellchecker's (a frequency list shipped inside the package, read once
per process).  Without it no word is corrected: a typo and an unknown real word would look alike.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Callable, Mapping
from typing import Any

MIN_LENGTH = 4
_LETTERS = string.ascii_lowercase
_CANDIDATE = re.compile(r"^[a-z]+$")


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The English words pyspellchecker knows (about 160,000, lower case); empty without the package."""
    try:
        from spellchecker import SpellChecker
    except ImportError:
        return frozenset()
    return frozenset(SpellChecker(language="en", distance=1).word_frequency.dictionary)


def is_slip(typed: str, word: str) -> bool:
    """Whether `typed` is `word` with one of the commonest slips: a doubled letter typed once ("powel",
    "rusia"), a letter typed twice ("russsia"), or two neighbours swapped ("asteriod")."""
    if len(typed) + 1 == len(word):
        typed, word = word, typed  # a letter typed once where it is doubled: the word has it twice
    if len(typed) == len(word) + 1:
        # `typed` holds one letter more than `word`: the slip when that letter repeats its neighbour.
        at = next((i for i, (a, b) in enumerate(zip(typed, word)) if a != b), len(word))
        return typed[at + 1:] == word[at:] and (typed[at - 1:at] == typed[at] or typed[at + 1:at + 2] == typed[at])
    if len(typed) == len(word):
        differ = [i for i, (a, b) in enumerate(zip(typed, word)) if a != b]
        return (len(differ) == 2 and differ[1] == differ[0] + 1
                and typed[differ[0]] == word[differ[1]] and typed[differ[1]] == word[differ[0]])
    return False


def one_edit(word: str) -> set[str]:
    """Every string one edit from `word`: a letter dropped, two neighbours swapped, a letter changed or added."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    dropped = {left + right[1:] for left, right in splits if right}
    swapped = {left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1}
    changed = {left + letter + right[1:] for left, right in splits if right for letter in _LETTERS}
    added = {left + letter + right for left, right in splits for letter in _LETTERS}
    return (dropped | swapped | changed | added) - {word}


class Speller:
    """Corrections of question words against the words of one corpus.

    `known`: the corpus's words (any mapping or set with `in`); `rank(word)`: how many passages hold it,
    or any number that grows with that.  Answers are cached per word, up to a bound."""

    def __init__(self, known: Mapping[str, Any], rank: Callable[[str], float],
                 english: frozenset[str] | None = None) -> None:
        self.known = known
        self.rank = rank
        self.english = english_words() if english is None else english
        self._cache: dict[str, str | None] = {}

    def correct(self, word: str) -> str | None:
        """The corpus word `word` is taken to misspell, or None."""
        if word in self._cache:
            return self._cache[word]
        found = None
        if (self.english and len(word) >= MIN_LENGTH and _CANDIDATE.match(word) and word not in self.known
                and word not in self.english):
            near = [w for w in one_edit(word) if w in self.known]
            if word.endswith("s") and (word[:-1] in self.known or word[:-1] in self.english):
                # A plural or a possessive without its apostrophe ("mens", "biles"), not a slip: the word itself
                # when the corpus has it ("mens" is "men", not "means"), else as it was typed.
                found = word[:-1] if word[:-1] in self.known else None
            elif near:
                found = max(sorted(near), key=lambda w: (is_slip(word, w), self.rank(w)))
        if len(self._cache) >= 50_000:
            self._cache.clear()
        self._cache[word] = found
        return found

    def corrections(self, words: list[str]) -> dict[str, str]:
        """Each misspelt word of `words` with the corpus word it is read as."""
        found = {}
        for word in words:
            fixed = self.correct(word)
            if fixed is not None:
                found[word] = fixed
        return found


def respell(text: str, corrections: Mapping[str, str]) -> str:
    """`text` with each misspelt word (matched whole, in any case) replaced by its correction."""
    for wrong, right in corrections.items():
        text = re.sub(rf"(?<![^\W_]){re.escape(wrong)}(?![^\W_])", right, text, flags=re.IGNORECASE)
    return text
