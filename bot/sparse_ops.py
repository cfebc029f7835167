"""Sparse-matrix kernels for scoring: each touches only the rows or posting lists a question needs,
without scipy's per-call checks (they cost more than the work at one question).

The loops a question runs (scatter a posting list, dot a few rows) are compiled with numba: numpy would
need a temporary array and a call per step, and at one question the calls cost more than the arithmetic.
Compiled code is cached beside this file, so a process pays the compile once per machine.
"""

from __future__ import annotations

import numba
import numpy as np
import scipy.sparse as sp

_compiled = numba.njit(cache=True, nogil=True)


def segments(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions in a CSR matrix's data of the given rows, concatenated, and each row's length."""
    starts = indptr[rows]
    lengths = (indptr[rows + 1] - starts).astype(np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), lengths
    return np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(total), lengths


def posting_sums(term_major: sp.csr_matrix, columns: np.ndarray, weights: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(rows, sum_t w_t x value) over the posting lists of `columns`, sorted by row; w_t = 1 if none."""
    if columns.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    positions, lengths = segments(term_major.indptr, columns)
    values = term_major.data[positions]
    if weights is not None:
        values = values * np.repeat(weights, lengths)
    rows, inverse = np.unique(term_major.indices[positions], return_inverse=True)
    return rows.astype(np.int64), np.bincount(inverse, weights=values, minlength=rows.size).astype(np.float32)


def rows_dot(matrix: sp.csr_matrix, rows: np.ndarray, columns: np.ndarray, weights: np.ndarray,
             scratch: np.ndarray) -> np.ndarray:
    """Each row's dot product with a sparse query (`columns`, `weights`), through a dense scratch vector
    over the matrix's columns, left all-zero after."""
    if columns.size == 0 or len(rows) == 0:
        return np.zeros(len(rows), dtype=np.float32)
    return _rows_dot(matrix.indptr, matrix.indices, matrix.data, np.asarray(rows, dtype=np.int64),
                     np.asarray(columns, dtype=np.int64), np.asarray(weights, dtype=np.float32), scratch)


@_compiled
def _rows_dot(indptr, indices, data, rows, columns, weights, scratch):  # pragma: no cover - compiled
    for i in range(columns.size):
        scratch[columns[i]] = weights[i]
    out = np.zeros(rows.size, dtype=np.float32)
    for i in range(rows.size):
        row = rows[i]
        total = np.float32(0.0)
        for p in range(indptr[row], indptr[row + 1]):
            total += data[p] * scratch[indices[p]]
        out[i] = total
    for i in range(columns.size):
        scratch[columns[i]] = 0.0
    return out


def best_rows_dot(matrix: sp.csr_matrix, starts: np.ndarray, ends: np.ndarray, columns: np.ndarray,
                  weights: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """For each group of rows `starts[i]:ends[i]` (a passage's question rows), the best row's dot product
    with a sparse query; 0 for an empty group.  `scratch` as in `rows_dot`."""
    if columns.size == 0 or len(starts) == 0:
        return np.zeros(len(starts), dtype=np.float32)
    return _best_rows_dot(matrix.indptr, matrix.indices, matrix.data, np.asarray(starts, dtype=np.int64),
                          np.asarray(ends, dtype=np.int64), np.asarray(columns, dtype=np.int64),
                          np.asarray(weights, dtype=np.float32), scratch)


@_compiled
def _best_rows_dot(indptr, indices, data, starts, ends, columns, weights, scratch):  # pragma: no cover - compiled
    for i in range(columns.size):
        scratch[columns[i]] = weights[i]
    out = np.zeros(starts.size, dtype=np.float32)
    for i in range(starts.size):
        best = np.float32(0.0)
        for row in range(starts[i], ends[i]):
            total = np.float32(0.0)
            for p in range(indptr[row], indptr[row + 1]):
                total += data[p] * scratch[indices[p]]
            if total > best:
                best = total
        out[i] = best
    for i in range(columns.size):
        scratch[columns[i]] = 0.0
    return out


def scatter(term_major: sp.csr_matrix, columns: np.ndarray, weights: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out += sum_t w_t * row_t of a term-major matrix (dense `out`, one entry per passage or row):
    a question's scores in one channel, touching only its posting lists."""
    if columns.size:
        _scatter(term_major.indptr, term_major.indices, term_major.data,
                 np.asarray(columns, dtype=np.int64), np.asarray(weights, dtype=np.float32), out)
    return out


@_compiled
def _scatter(indptr, indices, data, columns, weights, out):  # pragma: no cover - compiled
    for i in range(columns.size):
        weight = weights[i]
        column = columns[i]
        for p in range(indptr[column], indptr[column + 1]):
            out[indices[p]] += weight * data[p]


def rough_scores(body: sp.csr_matrix, asked: sp.csr_matrix, owners: np.ndarray, columns: np.ndarray,
                 weights: np.ndarray, allowed: np.ndarray | None, passage_buffer: np.ndarray,
                 row_buffer: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(passages, scores) of every passage in the posting lists of `columns`, in the order first met:

        score(p) = max(sum_t w_t body[t, p], max over p's question rows r of sum_t w_t asked[t, r])

    from the term-major `body` and `asked` matrices (`owners[r]` is row r's passage).  Only passages in
    `allowed` count, when it is given.  The dense buffers (one per passage, one per question row) must be
    all-zero and are left so."""
    columns = np.asarray(columns, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.float32)
    mask = allowed if allowed is not None else np.zeros(0, dtype=np.bool_)
    return _rough_scores(body.indptr, body.indices, body.data, asked.indptr, asked.indices, asked.data,
                         owners, columns, weights, mask, passage_buffer, row_buffer)


@_compiled
def _rough_scores(body_indptr, body_indices, body_data, asked_indptr, asked_indices, asked_data,
                  owners, columns, weights, allowed, passage_buffer, row_buffer):  # pragma: no cover - compiled
    body_total = 0
    asked_total = 0
    for i in range(columns.size):
        column = columns[i]
        body_total += body_indptr[column + 1] - body_indptr[column]
        if column + 1 < asked_indptr.size:
            asked_total += asked_indptr[column + 1] - asked_indptr[column]
    met = np.empty(body_total + asked_total, dtype=np.int64)
    n_met = 0
    # Passage scores from the body; a passage is recorded the first time it is met (scores are > 0).
    for i in range(columns.size):
        column = columns[i]
        weight = weights[i]
        for p in range(body_indptr[column], body_indptr[column + 1]):
            passage = body_indices[p]
            if passage_buffer[passage] == 0.0:
                met[n_met] = passage
                n_met += 1
            passage_buffer[passage] += weight * body_data[p]
    # Question rows: each row's sum, then the best row per passage.
    rows = np.empty(asked_total, dtype=np.int64)
    n_rows = 0
    for i in range(columns.size):
        column = columns[i]
        if column + 1 >= asked_indptr.size:
            continue
        weight = weights[i]
        for p in range(asked_indptr[column], asked_indptr[column + 1]):
            row = asked_indices[p]
            if row_buffer[row] == 0.0:
                rows[n_rows] = row
                n_rows += 1
            row_buffer[row] += weight * asked_data[p]
    for i in range(n_rows):
        row = rows[i]
        passage = owners[row]
        value = row_buffer[row]
        row_buffer[row] = 0.0
        if passage_buffer[passage] == 0.0:
            met[n_met] = passage
            n_met += 1
        if value > passage_buffer[passage]:
            passage_buffer[passage] = value
    passages = np.empty(n_met, dtype=np.int64)
    scores = np.empty(n_met, dtype=np.float32)
    kept = 0
    for i in range(n_met):
        passage = met[i]
        value = passage_buffer[passage]
        passage_buffer[passage] = 0.0
        if value > 0.0 and (allowed.size == 0 or allowed[passage]):
            passages[kept] = passage
            scores[kept] = value
            kept += 1
    return passages[:kept], scores[:kept]


def count_matrix(rows: np.ndarray, columns: np.ndarray, n_rows: int) -> sp.csr_matrix:
    """Counts of (row, column) pairs as a CSR matrix with sorted, summed entries."""
    width = int(columns.max()) + 1 if columns.size else 0
    matrix = sp.csr_matrix((np.ones(columns.size, dtype=np.float32), (rows, columns)), shape=(n_rows, width))
    matrix.sum_duplicates()
    return matrix


def l2_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    squares = matrix.multiply(matrix).sum(axis=1)
    norms = np.sqrt(np.asarray(squares).ravel()).astype(np.float32)
    norms[norms == 0] = 1.0
    scale = np.repeat(norms, np.diff(matrix.indptr))
    return sp.csr_matrix((matrix.data / scale, matrix.indices, matrix.indptr), shape=matrix.shape, dtype=np.float32)
