"""Tokenizing a chunk of texts for an index build, in the building process or in a worker process.

Apart from `index_build` so that a worker imports the analyzer and numpy only, not scipy or numba: a
spawned worker starts in about a tenth of a second instead of half a second, and the building process
waits that much less for its first chunk.

A chunk's texts are cut in numpy: once folded (`textlib.fold`), nearly every text is ASCII, and its
tokens are the runs of letters and digits the token pattern describes, found for the whole chunk at once
over its bytes; the tokens are told apart by their bytes packed into integers, so that only each distinct
token becomes a Python string.  The regular expression made a string of every token and the build looked
each one up: over half of a build's tokenizing.  Texts left with other letters or digits (Cyrillic,
"ß") and the words the glossary adds are cut as before and merged in; the result is the same either way
(a test holds the two equal on random texts).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from . import text as textlib

# A chunk is cut in numpy from this many texts on; a few texts go faster through the regular expression.
NUMPY_FROM = 64
# Past this share of tokens cut one by one (texts in other scripts), the chunk is cut as before throughout.
MOST_BY_HAND = 0.25
# Tokens up to this many bytes are told apart exactly by their first and last 8 bytes and their length;
# longer ones are compared as strings.
_PACKED = 16
# Bits of a token's hash: with a chunk's positions packed below them, one 64-bit integer (`first_uses`).
_HASH_BITS = 40
_HASHED = (1 << _HASH_BITS) - 1

_APOSTROPHE, _PERCENT = ord("'"), ord("%")
_NUMBER_JOINS = np.zeros(256, dtype=bool)
_NUMBER_JOINS[[ord("."), ord(",")]] = True
# A character outside ASCII that the token pattern cannot take (no letter or digit of any script): a
# space to the cutting ("£5bn", "10°C"), so that such a text is cut in numpy.
_NOT_A_WORD = re.compile(r"[^\x00-\x7f\w]")


def tokenize(texts: Sequence[str], glossary: textlib.Glossary) -> tuple[list[str], np.ndarray, list[int]]:
    """A chunk's words (`Glossary.expand` of each text): its distinct words in order of first use, every
    word of every text as an index into that list, and each text's number of words."""
    if len(texts) >= NUMPY_FROM:
        cut = _cut_in_numpy(texts, glossary)
        if cut is not None:
            return cut
    return tokenize_one_by_one(texts, glossary)


def tokenize_one_by_one(texts: Sequence[str], glossary: textlib.Glossary) -> tuple[list[str], np.ndarray, list[int]]:
    """`tokenize` by the regular expression, text by text (each distinct token's normal form once)."""
    cut = glossary.cut
    tokens: list[str] = []
    lengths = []
    for text in texts:
        words = cut(text)
        tokens += words
        lengths.append(len(words))
    spelled = list(dict.fromkeys(tokens))  # each token as cut, in order of first use
    position = dict(zip(spelled, range(len(spelled))))
    order = np.fromiter(map(position.__getitem__, tokens), dtype=np.int64, count=len(tokens))
    distinct, occurrences = _words_of(spelled, order)
    return distinct, occurrences, lengths


def _words_of(spelled: list[str], occurrences: np.ndarray, forms: list[str] | None = None
              ) -> tuple[list[str], np.ndarray]:
    """Distinct tokens as cut (in order of first use) and each occurrence's index among them -> the distinct
    words (normal forms) in order of first use and each occurrence's index among those."""
    if forms is None:
        forms = textlib.normal_forms(spelled)
    distinct = list(dict.fromkeys(forms))  # a word's first use is the first use of its first spelling
    word_of = dict(zip(distinct, range(len(distinct))))
    spelled_word = np.fromiter(map(word_of.__getitem__, forms), dtype=np.int32, count=len(forms))
    return distinct, spelled_word[occurrences]


def _cut_in_numpy(texts: Sequence[str], glossary: textlib.Glossary) -> tuple[list[str], np.ndarray, list[int]] | None:
    """`tokenize` with the ASCII texts cut in numpy; None when too much of the chunk is not ASCII, or when
    two tokens cannot be told apart by their packed bytes (the chunk is then cut one by one)."""
    if not hasattr(glossary, "phrases_"):
        glossary.fit()
    # Folded (an ASCII text: in lower case), and cut by hand when letters or digits outside ASCII remain.
    normalised = [text if text.isascii() else textlib.normalise(text) for text in texts]
    folded = [text.lower() if text.isascii() else textlib.fold_normalised(text) for text in normalised]
    by_hand: dict[int, list[str]] = {}  # text -> its tokens, cut by the regular expression
    for number in [number for number, fold in enumerate(folded) if not fold.isascii()]:
        fold = _NOT_A_WORD.sub(" ", folded[number])
        if not fold.isascii():
            by_hand[number] = textlib.cut_folded(fold)
            fold = ""
        folded[number] = fold
    joined = "\n".join(folded) + "\n"  # no token runs across a line break
    codes = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    starts, ends = _spans(codes)
    cut_by_hand = sum(map(len, by_hand.values()))
    if cut_by_hand > MOST_BY_HAND * (len(starts) + cut_by_hand):
        return None
    text_starts = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, folded), dtype=np.int64, count=len(folded)) + 1, out=text_starts[1:])
    cut_starts = np.searchsorted(starts, text_starts)  # each text's first token, and the end
    cut_lengths = np.diff(cut_starts)
    keys, head, tail, lengths = _keys(codes, starts, ends)
    # A longer token is told apart by its string (the few there are: a word of more than 16 letters).
    long = np.flatnonzero(lengths > _PACKED)
    long_tokens = [joined[start:end] for start, end in zip(starts[long].tolist(), ends[long].tolist())]
    keys[long] ^= np.fromiter(map(hash, long_tokens), dtype=np.int64, count=len(long_tokens)) & _HASHED
    first, inverse = first_uses(keys)
    # Tokens with the same key are the same token, or the chunk is cut one by one (a chance of about one
    # in a thousand for a chunk with 60,000 distinct tokens).
    same = first[inverse]
    if not ((head[same] == head) & (tail[same] == tail) & (lengths[same] == lengths)).all():
        return None
    spelled = [joined[start:end] for start, end in zip(starts[first].tolist(), ends[first].tolist())]
    if any(token != spelled[inverse[at]] for at, token in zip(long.tolist(), long_tokens)):
        return None

    forms = textlib.normal_forms(spelled)
    added = _glossary_words(texts, normalised, glossary, forms, inverse, cut_starts, by_hand)
    if not by_hand and not added:
        distinct, occurrences = _words_of(spelled, inverse, forms)
        return distinct, occurrences, cut_lengths.tolist()
    return _merged(texts, spelled, inverse, cut_starts, by_hand, added)


def _glossary_words(texts: Sequence[str], normalised: list[str], glossary: textlib.Glossary, forms: list[str],
                    inverse: np.ndarray, cut_starts: np.ndarray, by_hand: dict[int, list[str]]) -> dict[int, list[str]]:
    """The words the glossary adds after each text's own (`Glossary.expand`), by text: aliases written in
    capitals, read only in a text that may hold one (`Glossary.texts_with_exact`), and phrases, tried only at
    the words that start one.  `forms`, `inverse` and `cut_starts`: the chunk's tokens cut in numpy (their
    normal forms, each occurrence's token, each text's first occurrence)."""
    readers: dict[int, list[int]] = {number: [] for number in by_hand}  # text -> where its phrases may start
    if glossary.max_len_:
        starting = np.fromiter(map(glossary.starts_.__contains__, forms), dtype=bool, count=len(forms))
        held = np.flatnonzero(starting[inverse])
        held_by = np.searchsorted(cut_starts, held, side="right") - 1
        for number, at in zip(held_by.tolist(), (held - cut_starts[held_by]).tolist()):
            readers.setdefault(number, []).append(at)
    exact = set(glossary.texts_with_exact(normalised))
    added: dict[int, list[str]] = {}
    for number in sorted(exact.union(readers)):
        extra = glossary.exact_extra(texts[number]) if number in exact else []
        if number in readers and glossary.max_len_:
            if number in by_hand:
                extra += glossary.phrase_extra(list(map(textlib.normal_form, by_hand[number])))
            else:
                own = [forms[at] for at in inverse[cut_starts[number]:cut_starts[number + 1]].tolist()]
                extra += glossary.phrase_extra(own, readers[number])
        if extra:
            added[number] = extra
    return added


def _merged(texts: Sequence[str], spelled: list[str], inverse: np.ndarray, cut_starts: np.ndarray,
            by_hand: dict[int, list[str]], added: dict[int, list[str]]) -> tuple[list[str], np.ndarray, list[int]]:
    """The tokens cut in numpy (`spelled`, `inverse`; each text's first at `cut_starts`), with each text's tokens
    cut by hand and the words added to it after them, as one chunk in order of first use."""
    cut_lengths = np.diff(cut_starts)
    lengths = cut_lengths.copy()
    hand_texts = sorted(set(by_hand) | set(added))
    hand_tokens = [by_hand.get(number, []) + added.get(number, []) for number in hand_texts]
    lengths[hand_texts] += [len(tokens) for tokens in hand_tokens]
    text_starts = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=text_starts[1:])
    # Where each token goes: the numpy-cut ones of a text first, then its tokens by hand.
    text_of = np.repeat(np.arange(len(texts)), cut_lengths)
    spelled = list(spelled)
    position = dict(zip(spelled, range(len(spelled))))
    order = np.empty(int(text_starts[-1]), dtype=np.int64)
    order[text_starts[text_of] + np.arange(len(inverse)) - cut_starts[text_of]] = inverse
    for number, tokens in zip(hand_texts, hand_tokens):
        at = int(text_starts[number] + cut_lengths[number])
        for token in tokens:
            found = position.get(token)
            if found is None:
                found = position[token] = len(spelled)
                spelled.append(token)
            order[at] = found
            at += 1
    # Renumbered in order of first use over the whole chunk.
    first, renumbered = first_uses(order)
    spelled = [spelled[at] for at in order[first].tolist()]
    distinct, occurrences = _words_of(spelled, renumbered)
    return distinct, occurrences, lengths.tolist()


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of each run of True in `mask`, which ends False."""
    edges = np.flatnonzero(mask[1:] != mask[:-1]) + 1
    if mask[:1].any():
        edges = np.r_[0, edges]
    return edges[0::2], edges[1::2]


def _spans(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end of each token in folded ASCII text (its bytes, ending in a line break), in order, as the
    token pattern cuts it: letters with one inner apostrophe ("don't"); digits joined by single commas or
    full stops ("10,000.5"), with a "%" after them."""
    starts, ends = _runs(codes - np.uint8(ord("a")) < 26)  # wrapping below "a": no letter
    if starts.size > 1:
        # A run of letters takes the next across one apostrophe, and the one after that starts afresh: the
        # pattern cuts "rock'n'roll" into "rock'n" and "roll".  In a chain of such links, the runs at even
        # places take the next one.
        linked = (starts[1:] == ends[:-1] + 1) & (codes[ends[:-1]] == _APOSTROPHE)
        places = np.arange(starts.size)
        chain_start = np.maximum.accumulate(np.where(np.r_[True, ~linked], places, 0))
        takes = linked & ((places[:-1] - chain_start[:-1]) % 2 == 0)
        ends[:-1][takes] = ends[1:][takes]
        keep = np.r_[True, ~takes]
        starts, ends = starts[keep], ends[keep]
    number_starts, number_ends = _runs(codes - np.uint8(ord("0")) < 10)
    if number_starts.size > 1:
        linked = (number_starts[1:] == number_ends[:-1] + 1) & _NUMBER_JOINS[codes[number_ends[:-1]]]
        number_starts, number_ends = number_starts[np.r_[True, ~linked]], number_ends[np.r_[~linked, True]]
    number_ends += codes[number_ends] == _PERCENT  # the text ends in a line break: never past the end
    all_starts = np.concatenate([starts, number_starts])
    order = np.argsort(all_starts, kind="stable")  # two sorted runs: merged in one pass
    return all_starts[order], np.concatenate([ends, number_ends])[order]


def _keys(codes: np.ndarray, starts: np.ndarray, ends: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each token's 40-bit hash (for `first_uses`), and what tells it apart exactly when it is at most 16
    bytes long: its first 8 bytes, its last 8 (past the first 8: none), and its length."""
    padded = np.concatenate([codes, np.zeros(8, dtype=np.uint8)])
    # Every 8 bytes from each position, read as one integer: no copy of the text.
    window = np.ndarray((codes.size + 1,), dtype="<u8", buffer=padded, strides=(1,))
    lengths = ends - starts
    # Bytes past the token's end are masked out: a little-endian read holds the first byte lowest.
    head = window[starts] & (np.uint64(0xFFFFFFFFFFFFFFFF) >> (np.uint64(8) * (8 - np.minimum(lengths, 8)).astype(np.uint64)))
    tail = np.where(lengths > 8, window[np.maximum(ends - 8, 0)], np.uint64(0))
    mixed = (head ^ (tail * np.uint64(0x9E3779B97F4A7C15)) ^ (lengths.astype(np.uint64) << np.uint64(56)))
    mixed *= np.uint64(0xBF58476D1CE4E5B9)
    mixed ^= mixed >> np.uint64(31)
    mixed *= np.uint64(0x94D049BB133111EB)
    return (mixed >> np.uint64(64 - _HASH_BITS)).astype(np.int64), head, tail, lengths


def first_uses(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct `keys` (>= 0) in order of first use, as the position of each one's first use, and each
    key's rank in that order (`np.unique`'s index and inverse, reordered).

    Each key is sorted with its position packed below it, one plain sort of integers (vectorised, four
    times as fast as an argsort), which also puts each key's first use first among its repeats; keys too
    large to share 64 bits with a position take a stable argsort instead."""
    n = len(keys)
    shift = max(1, n.bit_length())
    if n and int(keys.max()).bit_length() + shift <= 64:
        ordered = keys.astype(np.uint64)  # worked on in place: a chunk's keys run to millions
        ordered <<= np.uint64(shift)
        ordered |= np.arange(n, dtype=np.uint64)
        ordered.sort()
        order = (ordered & np.uint64((1 << shift) - 1)).view(np.int64)
        ordered >>= np.uint64(shift)
    else:
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
    starts_group = np.empty(n, dtype=bool)
    starts_group[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts_group[1:])
    group_starts = np.flatnonzero(starts_group)
    first = order[group_starts]  # each key's first use leads its repeats
    by_use = np.argsort(first)  # first uses are distinct, so any sort gives this order
    rank = np.empty(len(by_use), dtype=np.int64)
    rank[by_use] = np.arange(len(by_use))
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.repeat(rank, np.diff(np.append(group_starts, n)))
    return first[by_use], inverse


_worker_glossary: textlib.Glossary | None = None


def start_worker(groups: dict[str, list[str]]) -> None:
    """A worker process's initializer: the glossary it expands aliases with."""
    global _worker_glossary
    _worker_glossary = textlib.Glossary(groups).fit()


def tokenize_in_worker(texts: list[str]) -> tuple[list[str], np.ndarray, list[int]]:
    if _worker_glossary is None:
        raise RuntimeError("a tokenizing worker was started without its glossary")
    return tokenize(texts, _worker_glossary)
