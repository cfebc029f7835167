"""Building an index's matrices: counting the terms of many texts in both channels, in chunks and, for a
large corpus, with worker processes tokenizing; and weighing the counts in place.  `Index.fit` uses it;
the memory a build holds at once is about one copy of the counts (a large archive has no room for more).
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import compress
from typing import Any

import numpy as np
import scipy.sparse as sp

from . import build_ops, sparse_ops
from . import text as textlib
from .tokenizing import first_uses, start_worker, tokenize, tokenize_in_worker

log = logging.getLogger(__name__)

# (word -> token id, each token's stem column, its n-gram columns as indptr and indices)
TokenTable = tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray]


class Growing:
    """A numpy array that grows by doubling, so appending chunk after chunk stays linear."""

    def __init__(self, dtype: Any) -> None:
        self._data = np.zeros(1024, dtype=dtype)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def extend(self, values: Sequence[int]) -> None:
        needed = self._size + len(values)
        if needed > len(self._data):
            grown = np.zeros(max(needed, 2 * len(self._data)), dtype=self._data.dtype)
            grown[: self._size] = self._data[: self._size]
            self._data = grown
        self._data[self._size:needed] = values
        self._size = needed

    def view(self) -> np.ndarray:
        return self._data[: self._size]


class Terms(Mapping[str, int]):
    """A vocabulary whose columns are its terms' places in a list (column i is `terms[i]`), looked up
    through a dict made the first time a term is looked up.  A one-chunk build of its character n-grams
    and a loaded index only list their terms: numbering 60,000 n-grams in a dict is some 6 ms of a
    1,000-passage build, and a server may never look one up (only a word the corpus does not hold is cut
    into n-grams at question time)."""

    __slots__ = ("terms", "_columns")

    def __init__(self, terms: Iterable[str] = ()) -> None:
        self.terms = list(terms)
        self._columns: dict[str, int] | None = None

    def _lookup(self) -> dict[str, int]:
        columns = self._columns
        if columns is None:
            columns = self._columns = dict(zip(self.terms, range(len(self.terms))))
        return columns

    def __getitem__(self, term: str) -> int:
        return self._lookup()[term]

    def get(self, term: str, default: Any = None) -> Any:
        return self._lookup().get(term, default)

    def __contains__(self, term: object) -> bool:
        return term in self._lookup()

    def __iter__(self) -> Iterator[str]:
        return iter(self.terms)

    def __len__(self) -> int:
        return len(self.terms)

    def extend(self, terms: Sequence[str]) -> None:
        """Number `terms`, none of them held yet and each once, after the others."""
        if self._columns is not None:
            self._columns.update(zip(terms, range(len(self.terms), len(self.terms) + len(terms))))
        self.terms.extend(terms)

    def update(self, numbered: Iterable[tuple[str, int]]) -> None:
        """Add (term, column) pairs whose columns are the next ones, in order, as `ids_for` numbers them."""
        self.extend([term for term, _ in numbered])


# From this many texts on, a build uses compiled loops (numba): loading them costs about 0.2 s in a fresh
# process, more than they save on a smaller corpus.
COMPILED_FROM = 40_000


def ids_for(vocabulary: dict[str, int] | Terms, terms: list[str]) -> list[int]:
    """Each term's id in `vocabulary`, adding the new ones with the next ids in order of first use."""
    fresh: Sequence[str] = terms  # into an empty vocabulary (a build's first chunk), every term is new
    if vocabulary:
        ids = list(map(vocabulary.get, terms))
        if None not in ids:
            return ids
        fresh = [term for term, found in zip(terms, ids) if found is None]
    # The new terms, each once, in order of first use (dict keeps insertion order), numbered in one step.
    new = dict.fromkeys(fresh)
    vocabulary.update(zip(new, range(len(vocabulary), len(vocabulary) + len(new))))
    return list(map(vocabulary.__getitem__, terms))


def gram_ids(tokens: Sequence[str], vocabulary: Terms, low: int, high: int,
             known: build_ops.KeyTable | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each token's character n-grams (`textlib.char_ngrams`; none for a stop word) as ids in
    `vocabulary`, new ones added in order of first use, as `ids_for` gives them: the running count
    of n-grams after each token, and the ids in token order.

    The n-grams are cut in numpy, each packed with its length into one integer, and looked up in
    `known` (the packed n-grams met so far in this build, kept across calls), so only n-grams new to it
    become Python strings; a token with a character past Latin-1 (or an n-gram too long to pack) takes
    the plain path."""
    stop = np.fromiter(map(textlib.STOP_WORDS.__contains__, tokens), dtype=bool, count=len(tokens))
    kept = list(compress(tokens, np.logical_not(stop).tolist()))
    padded = " " + "  ".join(kept) + " " if kept else ""  # each kept token between spaces
    try:
        codes = np.frombuffer(padded.encode("latin-1"), dtype=np.uint8)
    except UnicodeEncodeError:
        codes = None
    if codes is None or high > 7 or not kept:
        cut: list[str] = []
        ends = []
        for token in tokens:
            if token not in textlib.STOP_WORDS:
                cut.extend(textlib.char_ngrams([token], low, high))
            ends.append(len(cut))
        if known is not None and cut:
            known.holds_all = False  # the vocabulary now holds n-grams the table never saw
        return np.asarray(ends, dtype=np.int64), np.asarray(ids_for(vocabulary, cut), dtype=np.int32)
    sizes = np.fromiter(map(len, kept), dtype=np.int64, count=len(kept)) + 2
    offsets = np.zeros(len(kept), dtype=np.int64)
    np.cumsum(sizes[:-1], out=offsets[1:])
    widths = np.arange(low, high + 1, dtype=np.int64)
    # Token-major, shortest first, as char_ngrams: each (token, width) pair's n-grams start at the token's
    # offset and run on one character at a time.
    per_width = np.maximum(sizes[:, None] - widths[None, :] + 1, 0).ravel()
    group_starts = np.cumsum(per_width) - per_width
    width = np.repeat(np.tile(widths, len(kept)), per_width)
    position = np.arange(width.size) + np.repeat(np.repeat(offsets, len(widths)) - group_starts, per_width)
    codes = np.concatenate([codes, np.zeros(high, dtype=np.uint8)])
    # The `high` characters from each position packed into one integer, first character highest; an
    # n-gram's key keeps its own `width` of them (the rest zero) under its width.
    window = np.zeros(len(codes) - high, dtype=np.int64)
    for offset in range(high):
        window <<= 8
        window |= codes[offset:offset + window.size]
    unused = 8 * (high - width)
    key = ((window[position] >> unused) << unused) | (width << (8 * high))
    if known is None:  # sort to find the distinct n-grams: no compiled code to load for a small build
        first, inverse = first_uses(key)
    else:
        found, first = known.find(key)  # n-grams new to `known`, in order of first use
    # The new n-grams as strings, made in numpy: each one's Latin-1 codes (zero past its width) read as a
    # fixed-width unicode array, whose items come out without the trailing zeros (twice as fast as slicing).
    at, size = position[first], width[first]
    grid = np.zeros((len(first), high), dtype=np.uint32)
    for offset in range(high):
        grid[:, offset] = np.where(offset < size, codes[at + offset], 0)
    strings = grid.view(f"<U{high}").ravel().tolist()
    if vocabulary and (known is None or not known.holds_all):
        new_ids = np.asarray(ids_for(vocabulary, strings), dtype=np.int32)
    else:  # n-grams new to the vocabulary (a build's first chunk, or new to a table that holds them all):
        # they take the next ids in order, as `ids_for` would give them, and no dict is made to look them up
        start = len(vocabulary)
        vocabulary.extend(strings)
        new_ids = np.arange(start, start + len(strings), dtype=np.int32)
    columns = new_ids[inverse] if known is None else known.settle(found, new_ids).astype(np.int32)
    per_token = np.zeros(len(tokens), dtype=np.int64)
    per_token[~stop] = per_width.reshape(len(kept), len(widths)).sum(axis=1)
    return np.cumsum(per_token), columns


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _load_trim() -> Any:
    """glibc's `malloc_trim`, or None elsewhere (musl, macOS, Windows)."""
    try:
        trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # the C library this process runs on
    except (OSError, TypeError):
        return None
    if trim is not None:
        trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


_malloc_trim = _load_trim()


def give_back_memory() -> None:
    """Return freed heap memory to the system now.  A chunk's arrays (tens of MiB) fall under glibc's
    raised mmap threshold, so they live on the heap, and freeing them leaves the pages with this
    process: while `stack` copies chunks out one by one, a million passages' build would hold about
    2 GiB more than it uses."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def stack(chunks: list[sp.csr_matrix], width: int) -> sp.csr_matrix:
    """The chunks' rows as one float32 CSR matrix `width` wide, each chunk freed once copied, so the
    build holds the counts about once, not twice."""
    rows = sum(m.shape[0] for m in chunks)
    total = sum(m.nnz for m in chunks)
    index_type = np.int32 if max(total, width) < np.iinfo(np.int32).max else np.int64
    if len(chunks) == 1:  # one chunk (a build of up to 20,000 texts): its arrays as they are, no copy
        chunk = chunks.pop()
        matrix = sp.csr_matrix((rows, width), dtype=np.float32)
        matrix.data = chunk.data.astype(np.float32, copy=False)
        matrix.indices = chunk.indices.astype(index_type, copy=False)
        matrix.indptr = chunk.indptr.astype(index_type, copy=False)
        return matrix
    data = np.empty(total, dtype=np.float32)
    indices = np.empty(total, dtype=index_type)
    indptr = np.zeros(rows + 1, dtype=index_type)
    at = row = 0
    while chunks:
        chunk = chunks.pop(0)
        data[at:at + chunk.nnz] = chunk.data
        indices[at:at + chunk.nnz] = chunk.indices
        indptr[row + 1:row + 1 + chunk.shape[0]] = chunk.indptr[1:] + at
        at += chunk.nnz
        row += chunk.shape[0]
        del chunk
        give_back_memory()
    matrix = sp.csr_matrix((rows, width), dtype=np.float32)
    matrix.data, matrix.indices, matrix.indptr = data, indices, indptr
    return matrix


def split_rows(matrix: sp.csr_matrix, first: int) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """The first `first` rows and the rest, as CSR matrices sharing `matrix`'s data (no copy)."""
    cut = int(matrix.indptr[first])
    head = sp.csr_matrix((first, matrix.shape[1]), dtype=matrix.dtype)
    head.data, head.indices, head.indptr = matrix.data[:cut], matrix.indices[:cut], matrix.indptr[:first + 1]
    tail = sp.csr_matrix((matrix.shape[0] - first, matrix.shape[1]), dtype=matrix.dtype)
    tail.data, tail.indices, tail.indptr = matrix.data[cut:], matrix.indices[cut:], matrix.indptr[first:] - cut
    return head, tail


def count_terms(texts: Sequence[str], glossary: textlib.Glossary, char_ngram_range: tuple[int, int],
                chunk_size: int = 20_000, processes: int = 1, progress: Any = None
                ) -> tuple[dict[str, tuple[sp.csr_matrix, Mapping[str, int]]], TokenTable]:
    """Term counts of every text in both channels, with their vocabularies: what scikit-learn's
    CountVectorizer gives with the index's word and n-gram analyzers (a test holds them equal), but each
    text is analysed once and each distinct word stemmed and cut into n-grams once, chunk by chunk, so
    a large corpus builds in numpy.  Also the token table: (word -> token id, each token's stem column,
    and its n-gram columns as CSR-like indptr and indices)."""
    low, high = char_ngram_range
    word_ids: dict[str, int] = {}
    stems: dict[str, int] = {}
    grams = Terms()
    # Per distinct word: its stem's id, and its n-grams' ids (a CSR-like table), grown chunk by chunk.
    stem_of, gram_indptr, gram_indices = Growing(np.int32), Growing(np.int64), Growing(np.int32)
    gram_indptr.extend([0])
    # The n-grams in `grams`, packed as integers (see `gram_ids`), for a build large enough to repay
    # loading the compiled hash table's code (about 0.2 s in a fresh process).
    packed_grams = build_ops.KeyTable() if len(texts) >= COMPILED_FROM else None
    parts: dict[str, list[sp.csr_matrix]] = {"word": [], "char": []}
    done = 0
    for words, local_occurrence, lengths in tokenized_chunks(texts, glossary, chunk_size, processes):
        # The chunk's words get corpus-wide ids in order of first use; the new ones are `fresh`.
        before = len(word_ids)
        if before:
            mapping = np.array(ids_for(word_ids, words), dtype=np.int64)
            fresh = [word for word, word_id in zip(words, mapping.tolist()) if word_id >= before]
        else:  # a build's first chunk: its words (distinct) are all new, in order
            word_ids.update(zip(words, range(len(words))))
            mapping, fresh = np.arange(len(words), dtype=np.int64), words
        rows = len(lengths)
        # The chunk's new words: stems and n-grams get ids in order of first use, looked up in bulk.
        stem_of.extend(ids_for(stems, textlib.stems(fresh)))
        ends, gram_columns = gram_ids(fresh, grams, low, high, packed_grams)
        gram_indptr.extend(ends + len(gram_indices))
        gram_indices.extend(gram_columns)
        # Each text's counts of the chunk's words, times each word's stem and n-grams: one sparse
        # product per channel, not a count of every n-gram occurrence (a word is cut once per chunk).
        # The chunk's words are the product's inner dimension in corpus-wide id order, so that the order a
        # row's columns come out in (left unsorted: see `_times`) depends on the text alone, not on where
        # the chunks fall: a build in worker processes or in other chunk sizes gives the same arrays.
        chunk_words = mapping
        order = np.argsort(chunk_words)
        rank = np.empty(len(order), dtype=np.int32)
        rank[order] = np.arange(len(order), dtype=np.int32)
        chunk_words = chunk_words[order]
        row_of = np.repeat(np.arange(rows, dtype=np.int32), lengths)
        counts = build_ops.count_matrix(row_of, rank[local_occurrence], rows, width=len(words))
        parts["word"].append(_times(counts, stem_of.view()[chunk_words], np.arange(len(words) + 1), len(stems)))
        positions, per_word = sparse_ops.segments(gram_indptr.view(), chunk_words)
        starts = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum(per_word, out=starts[1:])
        parts["char"].append(_times(counts, gram_indices.view()[positions], starts, len(grams)))
        del counts, positions
        done += rows
        if progress is not None:
            progress(done, len(texts))
    del packed_grams  # some hundreds of MiB for a million passages: not kept while the chunks are stacked
    table = (word_ids, stem_of.view().copy(), gram_indptr.view().copy(), gram_indices.view().copy())
    out = {}
    for channel, vocabulary in (("word", stems), ("char", grams)):
        out[channel] = (stack(parts.pop(channel), len(vocabulary)), vocabulary)
    return out, table


def _times(counts: sp.csr_matrix, columns: np.ndarray, starts: np.ndarray, width: int) -> sp.csr_matrix:
    """`counts` (texts x words) times the table giving each word's `columns` (word i's are
    columns[starts[i]:starts[i + 1]], repeats counting twice): the texts' counts of those columns."""
    table = sp.csr_matrix((np.ones(columns.size, dtype=np.float32), columns, starts), shape=(counts.shape[1], width))
    # Each row's columns stay in the order the product leaves them: sorting them took three times as long as
    # the product itself (a sixth of a 10k build), and nothing reads a row in column order (the term-major
    # copies come out sorted from the transposition; a row's dot product reads a dense scratch vector).
    return counts @ table


def tokenized_chunks(texts: Sequence[str], glossary: textlib.Glossary, chunk_size: int, processes: int
                     ) -> Iterator[tuple[list[str], np.ndarray, list[int]]]:
    """Each chunk of `chunk_size` texts tokenized (`tokenize`), in order.  With more than one
    process, worker processes tokenize the chunks ahead while this one counts: tokenizing is most
    of a large build's time, and it is pure Python."""
    workers = processes
    if workers <= 1:
        for start in range(0, len(texts), chunk_size):
            yield tokenize(texts[start:start + chunk_size], glossary)
        return
    bounds = chunk_bounds(len(texts), chunk_size, workers)
    # "spawn": a fresh interpreter, safe whatever threads this process runs (a server's log writer).
    context = multiprocessing.get_context("spawn")
    done = 0  # texts yielded
    try:
        with ProcessPoolExecutor(workers, mp_context=context, initializer=start_worker,
                                 initargs=(glossary.groups,)) as pool:
            pending: deque[Any] = deque()
            for start, stop in bounds:
                pending.append(pool.submit(tokenize_in_worker, list(texts[start:stop])))
                if len(pending) > 2 * workers:
                    result = pending.popleft().result()
                    done += len(result[2])
                    yield result
            while pending:
                result = pending.popleft().result()
                done += len(result[2])
                yield result
    except (BrokenProcessPool, OSError) as error:
        # Workers that cannot start (no `if __name__ == "__main__":` guard, no processes allowed): the
        # rest of the build goes on in this process.
        log.warning("tokenizing workers failed (%s); going on in one process", error)
        for start in range(done, len(texts), chunk_size):
            yield tokenize(texts[start:start + chunk_size], glossary)


def chunk_bounds(total: int, chunk_size: int, workers: int) -> list[tuple[int, int]]:
    """(start, stop) of each chunk handed to `workers` worker processes: the first few smaller, so that
    this process, which waits idle for its first chunk, starts counting sooner."""
    bounds = []
    start = 0
    size = max(1, chunk_size // 2 ** workers)
    while start < total:
        stop = min(total, start + size)
        bounds.append((start, stop))
        start, size = stop, min(chunk_size, 2 * size)
    return bounds


def column_counts(matrix: sp.csr_matrix, block: int = 1 << 24) -> np.ndarray:
    """How many rows hold each column: for a large matrix in one compiled pass (`build_ops.column_counts`),
    twice as fast as numpy's bincount, which would also first copy all the column indices to 64 bits (3 GiB
    for the n-grams of a million passages); for a small one by bincount, a block at a time."""
    if matrix.shape[0] >= COMPILED_FROM:
        return build_ops.column_counts(matrix.indices, matrix.shape[1])
    counts = np.zeros(matrix.shape[1], dtype=np.int64)
    for start in range(0, matrix.nnz, block):
        counts += np.bincount(matrix.indices[start:start + block], minlength=matrix.shape[1])
    return counts


def weigh(counts: sp.csr_matrix, channel: str, idf: np.ndarray, k1: float, b: float,
          block_rows: int = 8_192) -> sp.csr_matrix:
    """The weighted matrix, computed in place in `counts`' float32 data, `block_rows` rows at a time (a
    large index has no memory to spare for copies, nor for temporaries as long as the data):

        word:  idf_t * tf (k1 + 1) / (tf + k1 (1 - b + b len / mean len))   (BM25's term part)
        char:  idf_t * (1 + ln tf), each row then scaled to unit length
    """
    if counts.shape[0] == 0 or counts.nnz == 0:
        return counts
    indptr, data = counts.indptr, counts.data
    lengths = np.diff(indptr)
    if channel == "word":
        filled = lengths > 0
        row_totals = np.zeros(counts.shape[0], dtype=np.float64)
        row_totals[filled] = np.add.reduceat(data, indptr[:-1][filled])
        average = max(float(row_totals.mean()), 1e-9)
        norm = (k1 * (1.0 - b + b * row_totals / average)).astype(np.float32)
    for start in range(0, counts.shape[0], block_rows):
        stop = min(counts.shape[0], start + block_rows)
        low, high = int(indptr[start]), int(indptr[stop])
        if low == high:
            continue
        block, block_lengths = data[low:high], lengths[start:stop]
        if channel == "word":
            denominator = np.repeat(norm[start:stop], block_lengths)
            denominator += block
            block *= np.float32(k1 + 1.0)
            block /= denominator
        else:
            np.log(block, out=block)
            block += np.float32(1.0)
        block *= idf[counts.indices[low:high]]
        # Words keep BM25's own length normalisation; the query side scales the sum into [0, 1].
        if channel == "char":
            filled = block_lengths > 0
            squares = np.zeros(stop - start, dtype=np.float32)
            squares[filled] = np.add.reduceat(block * block, indptr[start:stop][filled] - low)
            norms = np.sqrt(squares)
            norms[norms == 0] = 1.0
            block /= np.repeat(norms, block_lengths)
    return counts
