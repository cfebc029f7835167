"""Sparse-matrix kernels for scoring: each touches only the rows or posting lists a question needs,
in numpy, without scipy's per-call checks (they cost more than the work at one question)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


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


def group_max(owners: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The largest value per owner: (owners, maxima), sorted by owner."""
    if owners.size == 0:
        return owners, values
    unique, inverse = np.unique(owners, return_inverse=True)
    best = np.zeros(unique.size, dtype=np.float32)
    np.maximum.at(best, inverse, values)
    return unique, best


def postings_sum(term_major: sp.csr_matrix, columns: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    """sum_t w_t * row_t of a term-major matrix, dense: touches only the question's posting lists."""
    if columns.size == 0 or size == 0:
        return np.zeros(size, dtype=np.float32)
    positions, lengths = segments(term_major.indptr, columns)
    if positions.size == 0:
        return np.zeros(size, dtype=np.float32)
    values = term_major.data[positions] * np.repeat(weights, lengths)
    return np.bincount(term_major.indices[positions], weights=values, minlength=size).astype(np.float32)


def rows_dot(matrix: sp.csr_matrix, rows: np.ndarray, columns: np.ndarray, weights: np.ndarray,
              scratch: np.ndarray) -> np.ndarray:
    """Each row's dot product with a sparse query, through a dense scratch vector left all-zero after."""
    out = np.zeros(len(rows), dtype=np.float32)
    if columns.size == 0 or len(rows) == 0:
        return out
    positions, lengths = segments(matrix.indptr, rows)
    if positions.size == 0:
        return out
    scratch[columns] = weights
    try:
        products = matrix.data[positions] * scratch[matrix.indices[positions]]
    finally:
        scratch[columns] = 0.0
    filled = lengths > 0
    out[filled] = np.add.reduceat(products, (np.cumsum(lengths) - lengths)[filled])
    return out


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
