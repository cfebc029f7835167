"""Compiled kernels for building an index: the hash table of packed n-grams met so far, and counts of
columns and of (row, column) pairs."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .compiled import compiled


def column_counts(indices: np.ndarray, width: int) -> np.ndarray:
    """How often each of `width` columns occurs in `indices` (a CSR matrix's: how many rows hold it)."""
    counts = np.zeros(width, dtype=np.int64)
    _column_counts(indices, counts)
    return counts


@compiled
def _column_counts(indices, counts):  # pragma: no cover - compiled
    for position in range(indices.size):
        counts[indices[position]] += 1


def count_matrix(rows: np.ndarray, columns: np.ndarray, n_rows: int, width: int | None = None) -> sp.csr_matrix:
    """Counts of (row, column) pairs (both >= 0, columns below 2**32) as a CSR matrix with sorted, summed
    entries, `width` columns wide (by default, up to the largest column given).  Each pair is packed into one
    integer and the pairs sorted in one vectorised sort: three times as fast as scipy's summing of duplicates."""
    if width is None:
        width = int(columns.max()) + 1 if columns.size else 0
    pairs = (np.asarray(rows, dtype=np.int64) << 32) | np.asarray(columns, dtype=np.int64)
    pairs.sort()
    starts = np.flatnonzero(np.r_[True, pairs[1:] != pairs[:-1]]) if pairs.size else np.zeros(0, dtype=np.int64)
    distinct = pairs[starts]
    counts = np.diff(np.r_[starts, pairs.size]).astype(np.float32)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(distinct >> 32, minlength=n_rows), out=indptr[1:])
    index_type = np.int32 if max(width, distinct.size) < np.iinfo(np.int32).max else np.int64
    matrix = sp.csr_matrix((n_rows, width), dtype=np.float32)
    matrix.data, matrix.indices, matrix.indptr = counts, (distinct & 0xFFFFFFFF).astype(index_type), indptr.astype(index_type)
    return matrix


class KeyTable:
    """Integer keys (>= 0) -> int32 ids: an open-addressing hash table in numpy arrays, searched by compiled
    loops, grown by doubling so that it stays at most half full.  An index build keeps one beside its
    n-gram vocabulary, so that a chunk's n-grams, packed as integers, are told known from new without
    sorting them or making each a string (nor looking each new one up in a dict of strings)."""

    def __init__(self, capacity: int = 1 << 16) -> None:
        self.keys = np.full(capacity, -1, dtype=np.int64)
        self.values = np.zeros(capacity, dtype=np.int32)
        self.size = 0
        # Whether the vocabulary it is kept beside holds no n-gram it lacks, so that the keys `find` calls
        # new are new to the vocabulary too (a text past Latin-1 adds n-grams without packing them).
        self.holds_all = True

    def find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each key's id, or -1 - m for the m-th distinct key not in the table; and the position in
        `keys` where each of those first occurs (in order).  The new keys hold their places in the
        table until `settle` gives them ids."""
        while 2 * (self.size + keys.size) > self.keys.size:
            self._grow()
        found = np.empty(keys.size, dtype=np.int64)
        first = np.empty(keys.size, dtype=np.int64)
        slots = np.empty(keys.size, dtype=np.int64)
        new = _find_keys(self.keys, self.values, keys, found, first, slots)
        self.size += new
        self._slots = slots[:new]
        return found, first[:new]

    def settle(self, found: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """`found` from `find` with the new keys' `ids` (in the order `find` listed them) filled in."""
        self.values[self._slots] = ids
        settled = found.copy()
        pending = found < 0
        settled[pending] = ids[-1 - found[pending]]
        return settled

    def _grow(self) -> None:
        keys, values = self.keys, self.values
        self.keys = np.full(2 * keys.size, -1, dtype=np.int64)
        self.values = np.zeros(2 * keys.size, dtype=np.int32)
        _rehash(keys, values, self.keys, self.values)


@compiled
def _slot(key, shift):  # pragma: no cover - compiled
    # Fibonacci hashing: the key times 2**64 / golden ratio; the top log2(table size) bits pick the slot.
    return np.int64((np.uint64(key) * np.uint64(11400714819323198485)) >> np.uint64(shift))


@compiled
def _log2(size):  # pragma: no cover - compiled
    bits = 0
    while (1 << bits) < size:
        bits += 1
    return bits


@compiled
def _find_keys(table_keys, table_values, keys, found, first, slots):  # pragma: no cover - compiled
    mask = table_keys.size - 1
    shift = 64 - _log2(table_keys.size)
    new = 0
    for position in range(keys.size):
        key = keys[position]
        slot = _slot(key, shift)
        while True:
            held = table_keys[slot]
            if held == key:
                found[position] = table_values[slot]
                break
            if held == -1:
                table_keys[slot] = key
                table_values[slot] = -1 - new  # a place held until `settle`
                found[position] = -1 - new
                first[new] = position
                slots[new] = slot
                new += 1
                break
            slot = (slot + 1) & mask
    return new


@compiled
def _rehash(old_keys, old_values, table_keys, table_values):  # pragma: no cover - compiled
    mask = table_keys.size - 1
    shift = 64 - _log2(table_keys.size)
    for position in range(old_keys.size):
        key = old_keys[position]
        if key != -1:
            slot = _slot(key, shift)
            while table_keys[slot] != -1:
                slot = (slot + 1) & mask
            table_keys[slot] = key
            table_values[slot] = old_values[position]
