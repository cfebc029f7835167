"""Sparse-matrix kernels for scoring: each touches only the rows or posting lists a question needs,
without scipy's per-call checks (they cost more than the work at one question).

The loops a question runs (scatter a posting list, dot a few rows) are compiled with numba: numpy would
need a temporary array and a call per step, and at one question the calls cost more than the arithmetic.
Compiled code is cached beside this file, so a process pays the compile once per machine.  The kernels
that call one another (the searches and `select`, the exact best `k` of many scores) are all in this
file: numba's cache keeps a kernel with the code it calls, and notices a change to its own file only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from .compiled import compiled


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


def scatter(term_major: sp.csr_matrix, columns: np.ndarray, weights: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out += sum_t w_t * row_t of a term-major matrix (dense `out`, one entry per passage or row):
    a question's scores in one channel, touching only its posting lists."""
    if columns.size:
        _scatter(term_major.indptr, term_major.indices, term_major.data,
                 np.asarray(columns, dtype=np.int64), np.asarray(weights, dtype=np.float32), out)
    return out


@compiled
def _scatter(indptr, indices, data, columns, weights, out):  # pragma: no cover - compiled
    for i in range(columns.size):
        weight = weights[i]
        column = columns[i]
        for p in range(indptr[column], indptr[column + 1]):
            out[indices[p]] += weight * data[p]


def rough_scores(body: sp.csr_matrix, asked: sp.csr_matrix, owners: np.ndarray, columns: np.ndarray,
                 weights: np.ndarray, budget: int, allowed: np.ndarray | None, passage_buffer: np.ndarray,
                 row_buffer: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(passages, scores) of every passage in the posting lists of the question's rarest terms, in the
    order first met:

        score(p) = max(sum_t w_t body[t, p], max over p's question rows r of sum_t w_t asked[t, r])

    from the term-major `body` and `asked` matrices (`owners[r]` is row r's passage), over the terms
    (`columns`, `weights`) taken rarest first while their body postings add up to at most `budget` (the
    rarest always): the terms most passages hold ("the", "said") find nothing, at a high price.  Only
    passages in `allowed` count, when it is given.  The dense buffers (one per passage, one per question
    row) must be all-zero and are left so."""
    if len(columns) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    columns = np.asarray(columns, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.float32)
    mask = allowed if allowed is not None else np.zeros(0, dtype=np.bool_)
    return _rough_scores(body.indptr, body.indices, body.data, asked.indptr, asked.indices, asked.data,
                         owners, columns, weights, budget, mask, passage_buffer, row_buffer)


@compiled
def _rough_scores(body_indptr, body_indices, body_data, asked_indptr, asked_indices, asked_data,
                  owners, all_columns, all_weights, budget, allowed, passage_buffer,
                  row_buffer):  # pragma: no cover - compiled
    frequency = np.empty(all_columns.size, dtype=np.int64)
    for i in range(all_columns.size):
        frequency[i] = body_indptr[all_columns[i] + 1] - body_indptr[all_columns[i]]
    order = np.argsort(frequency, kind="mergesort")
    used = 0
    spent = 0
    for i in range(order.size):
        if used > 0 and spent + frequency[order[i]] > budget:
            break
        spent += frequency[order[i]]
        used += 1
    columns = all_columns[order[:used]]
    weights = all_weights[order[:used]]
    body_total = 0
    asked_total = 0
    for i in range(columns.size):
        body_total += body_indptr[columns[i] + 1] - body_indptr[columns[i]]
        asked_total += asked_indptr[columns[i] + 1] - asked_indptr[columns[i]]
    # Passage scores from the body, then each question row's sum; the best row raises its passage's.
    met = np.empty(body_total + asked_total, dtype=np.int64)
    n_met = _accumulate(body_indptr, body_indices, body_data, columns, weights, passage_buffer, met, 0)
    rows = np.empty(asked_total, dtype=np.int64)
    n_rows = _accumulate(asked_indptr, asked_indices, asked_data, columns, weights, row_buffer, rows, 0)
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


@compiled
def _accumulate(indptr, indices, data, columns, weights, buffer, met, n_met):  # pragma: no cover - compiled
    """buffer += sum_t w_t * row_t over the posting lists of `columns`; each entry met for the first
    time (its buffer still 0: scores are > 0) is recorded in `met` after the first `n_met`.  Returns
    the new count."""
    for i in range(columns.size):
        column = columns[i]
        weight = weights[i]
        for p in range(indptr[column], indptr[column + 1]):
            entry = indices[p]
            if buffer[entry] == 0.0:
                met[n_met] = entry
                n_met += 1
            buffer[entry] += weight * data[p]
    return n_met


class Queries:
    """Many questions' sparse vectors, concatenated: question q's (columns, weights) in a channel are
    `columns[indptr[q]:indptr[q + 1]]`; and the passages its misspelt words point to (`extra`, with
    their scores).  Each of `word`, `char` and `extra` is such an (indptr, keys, values) triple."""

    def __init__(self, word: tuple[np.ndarray, np.ndarray, np.ndarray], char: tuple[np.ndarray, np.ndarray, np.ndarray],
                 extra: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> None:
        self.word, self.char = word, char
        self.extra = extra if extra is not None else (np.zeros(len(word[0]), dtype=np.int64), np.zeros(0, np.int64),
                                                      np.zeros(0, np.float32))

    @classmethod
    def from_lists(cls, word: list[tuple[np.ndarray, np.ndarray]], char: list[tuple[np.ndarray, np.ndarray]],
                   extra: list[tuple[np.ndarray, np.ndarray]]) -> Queries:
        """From each question's (columns, weights) per channel and its (passages, scores)."""
        return cls(concatenated(word, np.int64, np.float32), concatenated(char, np.int64, np.float32),
                   concatenated(extra, np.int64, np.float32) if extra else None)

    def __len__(self) -> int:
        return len(self.word[0]) - 1

    def question(self, q: int, channel: str) -> tuple[np.ndarray, np.ndarray]:
        """Question q's (columns, weights) in a channel ("word", "char") or its (passages, scores) ("extra")."""
        indptr, keys, values = getattr(self, channel)
        return keys[indptr[q]:indptr[q + 1]], values[indptr[q]:indptr[q + 1]]


def concatenated(parts: list[tuple[np.ndarray, np.ndarray]], key_type: Any, value_type: Any
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(indptr, keys, values) of many (keys, values) pairs, one after another."""
    if len(parts) == 1:  # one question: no copies
        keys, values = parts[0]
        return (np.array([0, len(keys)], dtype=np.int64), np.asarray(keys, dtype=key_type),
                np.asarray(values, dtype=value_type))
    indptr = np.zeros(len(parts) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(keys) for keys, _ in parts])
    keys = np.concatenate([np.asarray(k, dtype=key_type) for k, _ in parts]) if parts else np.zeros(0, key_type)
    values = np.concatenate([np.asarray(v, dtype=value_type) for _, v in parts]) if parts else np.zeros(0, value_type)
    return indptr, keys, values


def _results(n: int, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Empty (counts, passages, fused, body, asked) for `n` questions' `k` best: what the searches fill."""
    scores = [np.zeros((n, k), dtype=np.float32) for _ in range(3)]
    return (np.zeros(n, dtype=np.int64), np.zeros((n, k), dtype=np.int64), *scores)


def candidate_search(queries: Queries, body: tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix],
                     asked: tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix], owners: np.ndarray,
                     question_rows: tuple[np.ndarray, np.ndarray], weights: tuple[float, float],
                     sizes: tuple[int, int, int, int], allowed: np.ndarray | None,
                     buffers: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each question's best passages among its candidates, all in one compiled call (which releases
    the GIL, so threads can search at once, each with its own `buffers`):

    1. the candidates: the passages of `rough_scores` over its word columns (`sizes[0]` postings at
       most), joined by its `extra` passages (those its misspelt words point to), scores added;
    2. the `sizes[1]` best by that rough score;
    3. their word scores in full (body rows and question rows), and the `sizes[2]` best by that;
    4. their character scores added, and the `sizes[3]` best by the fused score, best first (ties:
       lower passage number first).

    `body` and `asked` are each field's (term-major word, passage-major word, passage-major char)
    matrices; `owners[r]` is question row r's passage and `question_rows` each passage's (first, end)
    rows; `weights` the (char, question) weights of the fused score (a passage without question rows
    scores its body alone); `buffers` all-zero dense vectors over the passages, the question rows and
    the (word, char) vocabularies, left so.  Returns (counts, passages, fused, body, asked): question
    q's `counts[q]` results in row q of the others; a count of -1: no candidate at all."""
    k = sizes[3]
    counts, passages, fused, body_scores, asked_scores = _results(len(queries), k)
    mask = allowed if allowed is not None else np.zeros(0, dtype=np.bool_)
    _candidate_search(*queries.word, *queries.char, *queries.extra,
                      body[0].indptr, body[0].indices, body[0].data, asked[0].indptr, asked[0].indices, asked[0].data,
                      body[1].indptr, body[1].indices, body[1].data, body[2].indptr, body[2].indices, body[2].data,
                      asked[1].indptr, asked[1].indices, asked[1].data, asked[2].indptr, asked[2].indices, asked[2].data,
                      owners, question_rows[0], question_rows[1], np.float32(weights[0]), np.float32(weights[1]),
                      sizes[0], sizes[1], sizes[2], k, mask, *buffers,
                      counts, passages, fused, body_scores, asked_scores)
    return counts, passages, fused, body_scores, asked_scores


@compiled
def _candidate_search(w_indptr, w_columns, w_weights, c_indptr, c_columns, c_weights, x_indptr, x_passages, x_scores,
                      bt_indptr, bt_indices, bt_data, at_indptr, at_indices, at_data,
                      bw_indptr, bw_indices, bw_data, bc_indptr, bc_indices, bc_data,
                      aw_indptr, aw_indices, aw_data, ac_indptr, ac_indices, ac_data,
                      owners, row_start, row_end, char_weight, question_weight, budget, first, second, k, allowed,
                      passage_buffer, row_buffer, word_scratch, char_scratch,
                      counts, out_passages, out_fused, out_body, out_asked):  # pragma: no cover - compiled
    for q in range(w_indptr.size - 1):
        word_columns = w_columns[w_indptr[q]:w_indptr[q + 1]]
        word_weights = w_weights[w_indptr[q]:w_indptr[q + 1]]
        if word_columns.size:
            candidates, rough = _rough_scores(bt_indptr, bt_indices, bt_data, at_indptr, at_indices, at_data,
                                              owners, word_columns, word_weights, budget, allowed,
                                              passage_buffer, row_buffer)
        else:
            candidates, rough = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        extra = x_passages[x_indptr[q]:x_indptr[q + 1]]
        if extra.size:
            candidates, rough = _join(candidates, rough, extra, x_scores[x_indptr[q]:x_indptr[q + 1]], passage_buffer)
        if candidates.size == 0:
            counts[q] = -1
            continue
        passages, fused, body, asked = _rescore(
            candidates, rough, bw_indptr, bw_indices, bw_data, bc_indptr, bc_indices, bc_data,
            aw_indptr, aw_indices, aw_data, ac_indptr, ac_indices, ac_data, row_start, row_end,
            word_columns, word_weights, c_columns[c_indptr[q]:c_indptr[q + 1]], c_weights[c_indptr[q]:c_indptr[q + 1]],
            char_weight, question_weight, first, second, k, word_scratch, char_scratch)
        counts[q] = passages.size
        out_passages[q, :passages.size] = passages
        out_fused[q, :passages.size] = fused
        out_body[q, :passages.size] = body
        out_asked[q, :passages.size] = asked


def exact_search(queries: Queries, body: tuple[sp.csr_matrix, sp.csr_matrix], asked: tuple[sp.csr_matrix, sp.csr_matrix],
                 question_rows: tuple[np.ndarray, np.ndarray], weights: tuple[float, float], k: int,
                 allowed: np.ndarray | None, buffers: tuple[np.ndarray, np.ndarray, np.ndarray]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each question's `k` best passages by the full score of every passage, in one compiled call
    (releasing the GIL): its word and character vectors (already weighed) scattered over the
    term-major (word, char) matrices of `body` and `asked`, a passage's question score its best
    question row (`question_rows`: each passage's first and end rows), fused with `weights`
    (char, question) as in `candidate_search`; ties to the lower passage number; only scores above
    zero, only passages in `allowed` when given.  `buffers`: all-zero dense vectors over the passages
    (two) and the question rows, left so.  Returns (counts, passages, fused, body, asked) as
    `candidate_search` does."""
    counts, passages, fused, body_scores, asked_scores = _results(len(queries), k)
    mask = allowed if allowed is not None else np.zeros(0, dtype=np.bool_)
    _exact_search(*queries.word, *queries.char,
                  body[0].indptr, body[0].indices, body[0].data, body[1].indptr, body[1].indices, body[1].data,
                  asked[0].indptr, asked[0].indices, asked[0].data, asked[1].indptr, asked[1].indices, asked[1].data,
                  question_rows[0], question_rows[1], np.float32(1.0 - weights[0]), np.float32(weights[0]),
                  np.float32(1.0 - weights[1]), np.float32(weights[1]), k, mask,
                  *buffers, counts, passages, fused, body_scores, asked_scores)
    return counts, passages, fused, body_scores, asked_scores


@compiled
def _exact_search(w_indptr, w_columns, w_weights, c_indptr, c_columns, c_weights,
                  bw_indptr, bw_indices, bw_data, bc_indptr, bc_indices, bc_data,
                  aw_indptr, aw_indices, aw_data, ac_indptr, ac_indices, ac_data,
                  row_start, row_end, word_share, char_weight, body_share, question_weight, k, allowed,
                  body, asked, rows, counts, out_passages, out_fused, out_body, out_asked):  # pragma: no cover - compiled
    n_passages = body.size
    keys = np.arange(n_passages)
    for q in range(w_indptr.size - 1):
        if word_share != 0:
            columns, weights = w_columns[w_indptr[q]:w_indptr[q + 1]], w_weights[w_indptr[q]:w_indptr[q + 1]] * word_share
            _scatter(bw_indptr, bw_indices, bw_data, columns, weights, body)
            _scatter(aw_indptr, aw_indices, aw_data, columns, weights, rows)
        if char_weight != 0:
            columns, weights = c_columns[c_indptr[q]:c_indptr[q + 1]], c_weights[c_indptr[q]:c_indptr[q + 1]] * char_weight
            _scatter(bc_indptr, bc_indices, bc_data, columns, weights, body)
            _scatter(ac_indptr, ac_indices, ac_data, columns, weights, rows)
        fused = np.empty(n_passages, dtype=np.float32)
        for p in range(n_passages):
            if row_end[p] > row_start[p]:
                best = rows[row_start[p]]
                for r in range(row_start[p] + 1, row_end[p]):
                    if rows[r] > best:
                        best = rows[r]
                asked[p] = best
                fused[p] = body_share * body[p] + question_weight * best
            else:
                fused[p] = body[p]
            if allowed.size and not allowed[p]:
                fused[p] = -1.0
        top = select(fused, keys, k)
        top = top[np.argsort(top, kind="mergesort")]
        top = top[np.argsort(-fused[top], kind="mergesort")]
        count = 0
        for i in range(top.size):
            p = top[i]
            if fused[p] > 0:
                out_passages[q, count] = p
                out_fused[q, count] = fused[p]
                out_body[q, count] = body[p]
                out_asked[q, count] = asked[p]
                count += 1
        counts[q] = count
        body[:] = 0.0
        asked[:] = 0.0
        rows[:] = 0.0


@compiled
def _join(passages, scores, extra, extra_scores, buffer):  # pragma: no cover - compiled
    """The union of two (passages, scores) lists, scores of a passage in both added; `buffer` is an
    all-zero dense vector over the passages, left so."""
    met = np.empty(passages.size + extra.size, dtype=np.int64)
    n_met = 0
    for i in range(passages.size):
        if buffer[passages[i]] == 0.0:
            met[n_met] = passages[i]
            n_met += 1
        buffer[passages[i]] += scores[i]
    for i in range(extra.size):
        if buffer[extra[i]] == 0.0:
            met[n_met] = extra[i]
            n_met += 1
        buffer[extra[i]] += extra_scores[i]
    joined = np.empty(n_met, dtype=np.float32)
    for i in range(n_met):
        joined[i] = buffer[met[i]]
        buffer[met[i]] = 0.0
    return met[:n_met], joined


@compiled
def _row_dot(indptr, indices, data, row, scratch):  # pragma: no cover - compiled
    total = np.float32(0.0)
    for p in range(indptr[row], indptr[row + 1]):
        total += data[p] * scratch[indices[p]]
    return total


@compiled
def _spread(scratch, columns, weights):  # pragma: no cover - compiled
    """Write a sparse query into its dense scratch vector, or (weights None) clear it again."""
    for i in range(columns.size):
        scratch[columns[i]] = 0.0 if weights is None else weights[i]


@compiled
def _fuse(passages, body, asked, row_start, row_end, question_weight):  # pragma: no cover - compiled
    """The fused score: body and best question row mixed, or the body alone for a passage without rows."""
    fused = np.empty(passages.size, dtype=np.float32)
    for i in range(passages.size):
        has_rows = row_end[passages[i]] > row_start[passages[i]]
        fused[i] = (1 - question_weight) * body[i] + question_weight * asked[i] if has_rows else body[i]
    return fused


@compiled
def _rescore(candidates, rough, bw_indptr, bw_indices, bw_data, bc_indptr, bc_indices, bc_data,
             aw_indptr, aw_indices, aw_data, ac_indptr, ac_indices, ac_data, row_start, row_end,
             word_columns, word_weights, char_columns, char_weights, char_weight, question_weight,
             first, second, k, word_scratch, char_scratch):  # pragma: no cover - compiled
    passages = candidates[select(rough, candidates, first)]
    passages.sort()
    n = passages.size
    word_share = np.float32(1.0) - char_weight
    body = np.zeros(n, dtype=np.float32)
    asked = np.zeros(n, dtype=np.float32)
    _spread(word_scratch, word_columns, word_weights)
    for i in range(n):
        passage = passages[i]
        body[i] = _row_dot(bw_indptr, bw_indices, bw_data, passage, word_scratch) * word_share
        best = np.float32(0.0)
        for row in range(row_start[passage], row_end[passage]):
            value = _row_dot(aw_indptr, aw_indices, aw_data, row, word_scratch) * word_share
            if value > best:
                best = value
        asked[i] = best
    _spread(word_scratch, word_columns, None)
    fused = _fuse(passages, body, asked, row_start, row_end, question_weight)
    kept = select(fused, passages, second)
    kept.sort()
    passages, body, asked = passages[kept], body[kept], asked[kept]
    n = passages.size
    if char_weight > 0:
        # A question row scores its words and n-grams together, and a passage its best row (as in the
        # exact path), so the rows are scored again with both channels.
        _spread(word_scratch, word_columns, word_weights)
        _spread(char_scratch, char_columns, char_weights)
        for i in range(n):
            passage = passages[i]
            body[i] += _row_dot(bc_indptr, bc_indices, bc_data, passage, char_scratch) * char_weight
            best = np.float32(0.0)
            for row in range(row_start[passage], row_end[passage]):
                value = (_row_dot(aw_indptr, aw_indices, aw_data, row, word_scratch) * word_share
                         + _row_dot(ac_indptr, ac_indices, ac_data, row, char_scratch) * char_weight)
                if value > best:
                    best = value
            asked[i] = best
        _spread(word_scratch, word_columns, None)
        _spread(char_scratch, char_columns, None)
    fused = _fuse(passages, body, asked, row_start, row_end, question_weight)
    top = select(fused, passages, k)
    top = top[np.argsort(passages[top], kind="mergesort")]
    top = top[np.argsort(-fused[top], kind="mergesort")]
    return passages[top], fused[top], body[top], asked[top]


def term_columns(ids: np.ndarray, counts: np.ndarray, new_word_counts: np.ndarray, new_word: np.ndarray,
                 new_char_counts: np.ndarray, new_char: np.ndarray, token_stem: np.ndarray, gram_indptr: np.ndarray,
                 gram_indices: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Many questions' term columns from the token table, as (word indptr, word columns, char indptr,
    char columns): question q's `counts[q]` token `ids` each give their stem's column and their n-grams'
    columns, followed by its `new_word_counts[q]` and `new_char_counts[q]` columns of words the table
    lacks (`new_word`, `new_char`, question after question)."""
    return _term_columns(ids, counts, new_word_counts, new_word, new_char_counts, new_char, token_stem,
                         gram_indptr, gram_indices)


def query_vectors(ids: np.ndarray, counts: np.ndarray, new_word_counts: np.ndarray, new_word: np.ndarray,
                  new_char_counts: np.ndarray, new_char: np.ndarray, token_stem: np.ndarray, gram_indptr: np.ndarray,
                  gram_indices: np.ndarray, word_idf: np.ndarray, char_idf: np.ndarray, k1: float,
                  stop_scale: np.ndarray) -> tuple[np.ndarray, ...]:
    """`term_columns` weighed (`weigh_query`) in one compiled call: (word indptr, columns, weights, char
    indptr, columns, weights)."""
    return _query_vectors(ids, counts, new_word_counts, new_word, new_char_counts, new_char, token_stem,
                          gram_indptr, gram_indices, word_idf, char_idf, np.float32(k1), stop_scale)


@compiled
def _query_vectors(ids, counts, new_word_counts, new_word, new_char_counts, new_char, token_stem, gram_indptr,
                   gram_indices, word_idf, char_idf, k1, stop_scale):  # pragma: no cover - compiled
    w_indptr, word, c_indptr, char = _term_columns(ids, counts, new_word_counts, new_word, new_char_counts, new_char,
                                                   token_stem, gram_indptr, gram_indices)
    w_indptr, word, w_weights = _weigh_queries(w_indptr, word, word_idf, True, k1, stop_scale)
    c_indptr, char, c_weights = _weigh_queries(c_indptr, char, char_idf, False, k1, np.zeros(0, dtype=np.float32))
    return w_indptr, word, w_weights, c_indptr, char, c_weights


@compiled
def _term_columns(ids, counts, new_word_counts, new_word, new_char_counts, new_char, token_stem, gram_indptr,
                  gram_indices):  # pragma: no cover - compiled
    n = counts.size
    w_indptr = np.zeros(n + 1, dtype=np.int64)
    c_indptr = np.zeros(n + 1, dtype=np.int64)
    start = 0
    for q in range(n):
        grams = 0
        for j in range(start, start + counts[q]):
            grams += gram_indptr[ids[j] + 1] - gram_indptr[ids[j]]
        w_indptr[q + 1] = w_indptr[q] + counts[q] + new_word_counts[q]
        c_indptr[q + 1] = c_indptr[q] + grams + new_char_counts[q]
        start += counts[q]
    word = np.empty(w_indptr[n], dtype=np.int64)
    char = np.empty(c_indptr[n], dtype=np.int64)
    start, w_new, c_new = 0, 0, 0
    for q in range(n):
        w, c = w_indptr[q], c_indptr[q]
        for j in range(start, start + counts[q]):
            token = ids[j]
            word[w] = token_stem[token]
            w += 1
            for g in range(gram_indptr[token], gram_indptr[token + 1]):
                char[c] = gram_indices[g]
                c += 1
        start += counts[q]
        for _ in range(new_word_counts[q]):
            word[w] = new_word[w_new]
            w += 1
            w_new += 1
        for _ in range(new_char_counts[q]):
            char[c] = new_char[c_new]
            c += 1
            c_new += 1
    return w_indptr, word, c_indptr, char


def weigh_query(term_columns: np.ndarray, idf: np.ndarray, word: bool, k1: float,
                stop_scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A question's (columns, weights) in a channel from its terms' columns (repeats count):

        word:  w_t = c_t s_t / ((k1 + 1) sum_u c_u s_u idf_u)   (BM25 as a share of its best possible score)
        char:  w_t = (1 + ln c_t) idf_t / ||(1 + ln c) idf||     (a unit vector)

    with c_t the term's count and s_t its `stop_scale` (all ones when empty)."""
    return _weigh_query(np.asarray(term_columns, dtype=np.int64), idf, word, np.float32(k1), stop_scale)


@compiled
def _weigh_queries(indptr, term_columns, idf, word, k1, stop_scale):  # pragma: no cover - compiled
    """`weigh_query` for many questions: question q's term columns are `term_columns[indptr[q]:indptr[q + 1]]`;
    returns their (indptr, columns, weights)."""
    out_indptr = np.zeros(indptr.size, dtype=np.int64)
    out_columns = np.empty(term_columns.size, dtype=np.int64)
    out_values = np.empty(term_columns.size, dtype=np.float32)
    for q in range(indptr.size - 1):
        columns, values = _weigh_query(term_columns[indptr[q]:indptr[q + 1]], idf, word, k1, stop_scale)
        start = out_indptr[q]
        out_columns[start:start + columns.size] = columns
        out_values[start:start + columns.size] = values
        out_indptr[q + 1] = start + columns.size
    return out_indptr, out_columns[:out_indptr[-1]], out_values[:out_indptr[-1]]


@compiled
def _weigh_query(term_columns, idf, word, k1, stop_scale):  # pragma: no cover - compiled
    ordered = np.sort(term_columns)
    columns = np.empty(ordered.size, dtype=np.int32)
    values = np.empty(ordered.size, dtype=np.float32)
    n = 0
    for i in range(ordered.size):
        if n > 0 and columns[n - 1] == ordered[i]:
            values[n - 1] += 1.0
        else:
            columns[n] = ordered[i]
            values[n] = 1.0
            n += 1
    columns, values = columns[:n], values[:n]
    norm = 0.0
    for i in range(n):
        if word:
            if stop_scale.size:
                values[i] *= stop_scale[columns[i]]
            norm += values[i] * idf[columns[i]]
        else:
            values[i] = (1.0 + np.log(values[i])) * idf[columns[i]]
            norm += values[i] * values[i]
    norm = norm * (k1 + 1.0) if word else np.sqrt(norm)
    if norm > 0:
        for i in range(n):
            values[i] = values[i] / norm
    return columns, values


# ------------------------------------------------------------ the best k of many scores
# Exactly, ties going to the smaller key (passage number).

@compiled
def select(values, keys, k):  # pragma: no cover - compiled
    """Positions of the `k` largest values, ties broken by smaller key; in no particular order.

    From many values, those at or above a threshold read off a sample are taken first (about 4k
    of them; fewer than 16k), so the exact selection sorts those alone: numba's partition of all of
    them would cost several times numpy's."""
    n = values.size
    if n <= k:
        return np.arange(n)
    if k <= SMALL_K and n <= 2048:
        return _select_few(values, keys, k)
    if n > 16 * k and n > 2048:
        sample = values[:: n // 256].copy()
        sample.sort()
        rank = max(sample.size - 1 - (4 * k * sample.size) // n, 0)
        # Most often the first threshold does: its values are taken in the pass that counts them.
        first_pick = np.empty(n, dtype=np.int64)
        count = 0
        threshold = sample[rank]
        for i in range(n):
            if values[i] >= threshold:
                first_pick[count] = i
                count += 1
        if k <= count <= 16 * k:
            first_pick = first_pick[:count]
            return first_pick[_select_exactly(values[first_pick], keys[first_pick], k)]
        # Too many (the sample's value is shared by many): try the sample's larger values in turn.
        best, best_count, strict = values[0], -1, False
        while count >= k:
            best, best_count = threshold, count
            if count <= 16 * k:
                break
            while rank < sample.size and sample[rank] == threshold:
                rank += 1
            if rank == sample.size:
                break
            threshold = sample[rank]
            count = _count_from(values, threshold, False)
        if best_count > 16 * k:
            # Still many, sharing one value: those strictly above it, if there are k of them.
            above_count = _count_from(values, best, True)
            if above_count < k:
                # Fewer than k above it, at least k at it or above: it is the k-th largest value.
                return _take_from(values, keys, k, best)
            best_count, strict = above_count, True
        # With at least k values at (or above) `best`, the k largest are all among them.
        if k <= best_count < n:
            above = _positions_from(values, best, strict, best_count)
            return above[_select_exactly(values[above], keys[above], k)]
    return _select_exactly(values, keys, k)


# Up to this many, the best are kept in order as the values go by (`_select_few`): at a question's
# ten of a thousand passages, that is some ten times quicker than a partition of all of them.
SMALL_K = 32


@compiled
def _select_few(values, keys, k):  # pragma: no cover - compiled
    """`select` in one pass for a small `k`: the best `k` so far kept sorted (larger value first, then
    smaller key), a value entering only when it beats the worst of them."""
    best = np.empty(k, dtype=np.int64)
    count = 0
    for i in range(values.size):
        value, key = values[i], keys[i]
        if count == k:
            worst = best[k - 1]
            if value < values[worst] or (value == values[worst] and key > keys[worst]):
                continue
            place = k - 1
        else:
            place = count
            count += 1
        while place > 0:
            above = best[place - 1]
            if values[above] > value or (values[above] == value and keys[above] < key):
                break
            best[place] = above
            place -= 1
        best[place] = i
    return best


@compiled
def _count_from(values, threshold, strictly):  # pragma: no cover - compiled
    """How many values are at least (`strictly`: above) the threshold."""
    count = 0
    if strictly:
        for i in range(values.size):
            if values[i] > threshold:
                count += 1
    else:
        for i in range(values.size):
            if values[i] >= threshold:
                count += 1
    return count


@compiled
def _positions_from(values, threshold, strictly, count):  # pragma: no cover - compiled
    """The positions of the `count` values at least (`strictly`: above) the threshold."""
    found = np.empty(count, dtype=np.int64)
    taken = 0
    for i in range(values.size):
        if values[i] > threshold or (not strictly and values[i] == threshold):
            found[taken] = i
            taken += 1
    return found


@compiled
def _select_exactly(values, keys, k):  # pragma: no cover - compiled
    """`select` by a partition of all the values; of the values tied with the k-th largest, those
    with the smallest keys (keys are distinct: passage numbers)."""
    n = values.size
    if n <= k:
        return np.arange(n)
    return _take_from(values, keys, k, np.partition(values.copy(), n - k)[n - k])


@compiled
def _take_from(values, keys, k, threshold):  # pragma: no cover - compiled
    """The k positions of the values above `threshold` (fewer than k) and, of those equal to it, the
    ones with the smallest keys: `threshold` being the k-th largest value."""
    n = values.size
    chosen = np.empty(k, dtype=np.int64)
    taken = 0
    for i in range(n):
        if values[i] > threshold:
            chosen[taken] = i
            taken += 1
    tied = np.flatnonzero(values == threshold)
    need = k - taken
    if tied.size > need:
        tied_keys = keys[tied]
        cut = np.partition(tied_keys.copy(), need - 1)[need - 1]
        for i in range(tied.size):
            if taken < k and tied_keys[i] <= cut:
                chosen[taken] = tied[i]
                taken += 1
    else:
        for i in range(tied.size):
            chosen[taken] = tied[i]
            taken += 1
    return chosen
