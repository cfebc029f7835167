"""The retriever: sparse TF-IDF/BM25 vectors over two fields and two channels.

Each passage is indexed in two fields that point to the same passage:

* ``body``: its text (with its subheading or entity name),
* ``questions``: the questions it answers (a FAQ title, a common-question title,
  alternate phrasings from editors), each its own row; a passage scores its best row.

and in two channels, each its own vector space built with scikit-learn:

* ``word``: Snowball-stemmed, glossary-expanded words, BM25-weighted,
* ``char``: character 3-5-grams inside words, for typos and word forms.

Character rows and queries are L2-normalised (a cosine), so both channels score in
[0, 1], and the passage score is the weighted mix

    s(p) = (1 - w_q) * body(p) + w_q * max_row questions(row)      (passages with questions)
    s(p) = body(p)                                                 (passages without)
    field(p) = (1 - w_c) * cos_word + w_c * cos_char

Scoring multiplies a question's few non-zero terms by a term-major copy of each
matrix, so only the posting lists of the question's terms are touched.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from . import index_build, index_files, sparse_ops
from . import text as textlib
from .index_files import ANALYZER_NAME, FORMAT_VERSION, IndexFormatError
from .spelling import Speller, english_words, respell

__all__ = ["ANALYZER_NAME", "FORMAT_VERSION", "Document", "Index", "IndexFormatError"]
_FIELDS = index_files.FIELDS
_CHANNELS = index_files.CHANNELS


@dataclass(frozen=True)
class Document:
    """What the index needs of a passage: its id, its text, and the questions it answers."""

    id: str
    text: str
    questions: tuple[str, ...] = ()


class Index:
    """TF-IDF retriever; parameters are stored as given and checked by `fit` (scikit-learn style)."""

    def __init__(
        self,
        k1: float = 1.2,
        b: float = 0.75,
        char_weight: float = 0.35,
        question_weight: float = 0.5,
        stop_weight: float = 1.0,
        char_ngram_range: tuple[int, int] = (3, 5),
        glossary: dict[str, list[str]] | None = None,
    ) -> None:
        self.k1 = k1
        self.b = b
        self.char_weight = char_weight
        self.question_weight = question_weight
        self.stop_weight = stop_weight
        self.char_ngram_range = char_ngram_range
        self.glossary = glossary

    # ------------------------------------------------------------ parameters
    def get_params(self) -> dict[str, Any]:
        return {
            "k1": self.k1, "b": self.b, "char_weight": self.char_weight,
            "question_weight": self.question_weight, "stop_weight": self.stop_weight,
            "char_ngram_range": list(self.char_ngram_range),
        }

    def _check_params(self) -> None:
        for name in ("char_weight", "question_weight", "b", "stop_weight"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}")
        if not isinstance(self.k1, (int, float)) or self.k1 < 0:
            raise ValueError(f"k1 must be a non-negative number, got {self.k1!r}")
        low, high = self.char_ngram_range
        if not 1 <= low <= high <= 8:
            raise ValueError(f"char_ngram_range must be (low, high) with 1 <= low <= high <= 8, got {self.char_ngram_range!r}")

    # ------------------------------------------------------------ analysis
    def _glossary(self) -> textlib.Glossary:
        if getattr(self, "_glossary_", None) is None:
            self._glossary_ = textlib.Glossary(self.glossary or {}).fit()
        return self._glossary_

    def names_in(self, text: str) -> bool:
        """Whether `text` holds a name or an alias of the index's glossary (`Glossary.names_in`)."""
        return self._glossary().names_in(text)

    def proper_names_in(self, text: str) -> list[tuple[str, ...]]:
        """The proper names of the index's glossary `text` holds (`Glossary.proper_names_in`)."""
        return self._glossary().proper_names_in(text)

    def read_as(self, word: str) -> frozenset[str]:
        """The stems of the name the glossary reads a word as ("tories" -> conserv, parti), beyond the word's own;
        none for a word it does not know, or one that is itself part of the name ("labour" in "Labour Party":
        a passage holding "party" does not hold "labour")."""
        if self._glossary().part_of_name(word):
            return frozenset()
        own = textlib.words(word)
        return frozenset(textlib.stem(t) for t in self._glossary().expand(word)[len(own):] if t not in textlib.STOP_WORDS)

    def analyze_words(self, text: str) -> list[str]:
        return textlib.analyze(text, self._glossary())

    def analyze_chars(self, text: str) -> list[str]:
        """Character n-grams of the content words: the channel that forgives typos."""
        low, high = self.char_ngram_range
        content = [w for w in self._glossary().expand(text) if w not in textlib.STOP_WORDS]
        return textlib.char_ngrams(content, low, high)

    # ------------------------------------------------------------ fitting
    def fit(self, documents: Sequence[Document], progress: Any = None, processes: int = 1) -> Index:
        """Build the vector spaces and matrices for `documents` (ids must be unique).

        `processes`: how many worker processes may tokenize a large corpus (from `PARALLEL_FROM` texts);
        0 means one per usable CPU.  Workers are started afresh ("spawn"), so a script that asks for them
        must guard its top level with ``if __name__ == "__main__":``; where they cannot start, the build
        goes on in this process."""
        self._check_params()
        if not documents:
            raise ValueError("cannot build an index of no documents; check the corpus path")
        ids = [d.id for d in documents]
        if len(set(ids)) != len(ids):
            seen: set[str] = set()
            duplicate = next(i for i in ids if i in seen or seen.add(i))
            raise ValueError(f"document id {duplicate!r} occurs twice; ids must be unique")
        self._glossary_ = None
        self.ids_ = np.array(ids, dtype=object)
        bodies = [d.text for d in documents]
        question_rows = [(position, q) for position, d in enumerate(documents) for q in d.questions if q.strip()]
        self.question_owner_ = np.array([p for p, _ in question_rows], dtype=np.int64)
        questions = [q for _, q in question_rows]

        self.vocabulary_: dict[str, Mapping[str, int]] = {}
        self.idf_: dict[str, np.ndarray] = {}
        self.matrices_: dict[tuple[str, str], sp.csr_matrix] = {}
        all_counts = self._count(bodies + questions, progress, processes)
        del bodies, questions
        for channel in _CHANNELS:
            counts, self.vocabulary_[channel] = all_counts.pop(channel)
            df = index_build.column_counts(counts).astype(np.float64)
            n_rows = counts.shape[0]
            if channel == "word":
                idf = np.log1p((n_rows - df + 0.5) / (df + 0.5))
            else:
                idf = np.log((1.0 + n_rows) / (1.0 + df)) + 1.0
            self.idf_[channel] = idf.astype(np.float32)
            # The passages' rows come first: both fields are views of the one count matrix, weighed in place.
            for field_name, part in zip(_FIELDS, index_build.split_rows(counts, len(ids))):
                self.matrices_[(field_name, channel)] = self._weigh(part, channel)
            del counts
        self._prepare()
        self.built_at_ = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        return self

    COUNT_CHUNK = 20_000

    def _count(self, texts: Sequence[str], progress: Any = None, processes: int = 1
               ) -> dict[str, tuple[sp.csr_matrix, Mapping[str, int]]]:
        """Term counts of every text in both channels (`index_build.count_terms`), and the token table:
        each distinct word of the corpus with its stem's column and its n-grams' columns, so a
        question's known words are looked up, not stemmed and cut again."""
        counts, table = index_build.count_terms(
            texts, self._glossary(), self.char_ngram_range, chunk_size=self.COUNT_CHUNK,
            processes=(processes or index_build.usable_cpus()) if len(texts) >= self.PARALLEL_FROM else 1,
            progress=progress)
        self.tokens_, self.token_stem_, self.token_gram_indptr_, self.token_gram_indices_ = table
        return counts

    # From this many texts on, worker processes tokenize while the building process counts.
    PARALLEL_FROM = 60_000

    def _weigh(self, counts: sp.csr_matrix, channel: str) -> sp.csr_matrix:
        return index_build.weigh(counts, channel, self.idf_[channel], self.k1, self.b)

    def _prepare(self, transpose: bool = True) -> None:
        """Term-major copies for scoring (unless loaded with the index), and the question-row grouping.

        Past `EXACT_UP_TO` passages the character matrices get no term-major copy: no question scans
        their posting lists there (candidates read their rows, typos go through the token table), and at
        a million passages each copy would hold some 3 GiB."""
        if transpose:
            large = len(self.ids_) > self.EXACT_UP_TO
            self.term_major_ = {key: m.T.tocsr() for key, m in self.matrices_.items()
                                if not (large and key[1] == "char")}
        self._fingerprint_ = None
        owners = self.question_owner_
        order_ok = owners.size == 0 or bool(np.all(np.diff(owners) >= 0))
        if not order_ok:
            raise IndexFormatError("question rows are not grouped by passage; rebuild the index")
        self.has_questions_ = np.zeros(len(self.ids_), dtype=bool)
        self.has_questions_[owners] = True
        self.group_starts_ = np.flatnonzero(np.r_[True, np.diff(owners) != 0]) if owners.size else np.array([], dtype=np.int64)
        self.group_owner_ = owners[self.group_starts_] if owners.size else np.array([], dtype=np.int64)
        self.position_ = {pid: i for i, pid in enumerate(self.ids_)}
        self.question_start_ = np.searchsorted(owners, np.arange(len(self.ids_)), side="left")
        self.question_end_ = np.searchsorted(owners, np.arange(len(self.ids_)), side="right")
        self._stop_columns_ = None
        self._token_grams_: dict[str, list[int]] = {}
        self._char_df_ = None
        self._gram_tokens_ = None
        self._buffers_ = None

    # ------------------------------------------------------------ queries
    def vectorize(self, questions: Sequence[str], channel: str) -> sp.csr_matrix:
        """Query vectors without scikit-learn's per-call validation; the same analyzer and weights."""
        indptr, columns, values = getattr(self._queries(questions)[0], channel)
        return sp.csr_matrix((values, columns, indptr), shape=(len(questions), len(self.vocabulary_[channel])),
                             dtype=np.float32)

    def _query_columns(self, question: str) -> dict[str, Any]:
        """The vocabulary columns of a question's terms in each channel, repeats kept: `analyze_words`
        and `analyze_chars` looked up; and `unknown`, the content words whose stem the index does not
        hold (typos, most likely)."""
        tokens, unknown = self._tokens([question])
        _, word, _, char = sparse_ops.term_columns(*tokens, self.token_stem_, self.token_gram_indptr_,
                                                   self.token_gram_indices_)
        return {"word": word, "char": char, "unknown": unknown[0]}

    def _queries(self, questions: Sequence[str]) -> tuple[sparse_ops.Queries, list[list[str]]]:
        """Many questions' weighed vectors in both channels, in one compiled call, and their unknown words."""
        tokens, unknown = self._tokens(questions)
        stop_scale = self._stop_columns() if self.stop_weight != 1.0 else np.zeros(0, dtype=np.float32)
        vectors = sparse_ops.query_vectors(
            *tokens, self.token_stem_, self.token_gram_indptr_, self.token_gram_indices_, self.idf_["word"],
            self.idf_["char"], self.k1, stop_scale)
        return sparse_ops.Queries(vectors[:3], vectors[3:]), unknown

    def _tokens(self, questions: Sequence[str]) -> tuple[tuple[np.ndarray, ...], list[list[str]]]:
        """What `sparse_ops.term_columns` needs of many questions: their words' ids in the token table (a
        word of the corpus), how many each question has, and the word and character columns of each
        question's other words (stemmed and cut into n-grams here, and remembered up to a bound), with
        how many each has; and each question's unknown words."""
        known = self.tokens_
        expand = self._glossary().expand
        token_ids: list[int] = []
        counts: list[int] = []
        new_word: list[int] = []
        new_char: list[int] = []
        new_counts: list[tuple[int, int]] = []
        unknown: list[list[str]] = []
        for question in questions:
            tokens = expand(question)
            found = list(map(known.get, tokens))
            lacking: list[str] = []
            if None in found:
                word_columns, char_columns, lacking = self._new_word_columns(
                    [token for token, token_id in zip(tokens, found) if token_id is None])
                found = [token_id for token_id in found if token_id is not None]
                new_word += word_columns
                new_char += char_columns
                new_counts.append((len(word_columns), len(char_columns)))
            else:
                new_counts.append((0, 0))
            token_ids += found
            counts.append(len(found))
            unknown.append(lacking)
        extra = np.array(new_counts, dtype=np.int64).reshape(-1, 2)
        return (np.array(token_ids, dtype=np.int64), np.array(counts, dtype=np.int64),
                extra[:, 0], np.array(new_word, dtype=np.int64), extra[:, 1], np.array(new_char, dtype=np.int64)), unknown

    def _new_word_columns(self, tokens: list[str]) -> tuple[list[int], list[int], list[str]]:
        """Columns of question words the corpus does not hold: the word column of each one's stem where
        another form of it is known ("troopers" -> troop), the character columns of each content word,
        and the content words whose stem is unknown too."""
        word_columns: list[int] = []
        char_columns: list[int] = []
        unknown = []
        for token in tokens:
            column = self.vocabulary_["word"].get(textlib.stem(token))
            if column is not None:
                word_columns.append(column)
            if token not in textlib.STOP_WORDS:
                char_columns.extend(self._unknown_token_grams(token))
                if column is None:
                    unknown.append(token)
        return word_columns, char_columns, unknown

    def spell(self, text: str) -> tuple[str, dict[str, str]]:
        """`text` with each misspelt word read as the corpus word it nearly is (`bot.spelling`), and those
        readings ({"resdiuals": "residuals"}); the text as it is when it has none."""
        self._check_fitted()
        speller = getattr(self, "_speller_", None)
        if speller is None:
            idf, stems = self.idf_["word"], self.token_stem_
            speller = self._speller_ = Speller(self.tokens_, lambda word: -float(idf[stems[self.tokens_[word]]]))
        unknown = [w for w in textlib.words(text) if w not in self.tokens_ and w not in textlib.STOP_WORDS]
        found = speller.corrections(unknown) if unknown else {}
        return (respell(text, found), found) if found else (text, {})

    def _unknown_token_grams(self, token: str) -> list[int]:
        """The char columns of a word the corpus does not hold (its n-grams the index knows)."""
        cache = self._token_grams_
        grams = cache.get(token)
        if grams is None:
            if len(cache) >= 100_000:
                cache.clear()
            vocabulary = self.vocabulary_["char"]
            low, high = self.char_ngram_range
            grams = cache[token] = [c for c in map(vocabulary.get, textlib.char_ngrams([token], low, high))
                                    if c is not None]
        return grams

    def _stop_columns(self) -> np.ndarray:
        """Each word column's scale in a question: `stop_weight` for a stop word, else 1."""
        if getattr(self, "_stop_columns_", None) is None:
            scale = np.ones(len(self.vocabulary_["word"]), dtype=np.float32)
            stops = {textlib.stem(w) for w in textlib.STOP_WORDS}
            for term, column in self.vocabulary_["word"].items():
                if term in stops:
                    scale[column] = self.stop_weight
            self._stop_columns_ = scale
        return self._stop_columns_

    def field_scores(self, questions: Sequence[str]) -> dict[str, np.ndarray]:
        """Dense per-field scores, shape (questions, passages): what `score` mixes.  Each question's
        terms scatter their posting lists into its row; a passage's question field is its best row."""
        self._check_fitted()
        shape = (len(questions), len(self.ids_))
        body, asked = np.zeros(shape, dtype=np.float32), np.zeros(shape, dtype=np.float32)
        rows = np.zeros(len(self.question_owner_), dtype=np.float32)
        queries, _ = self._queries(questions)
        for position in range(len(questions)):
            for channel, weight in (("word", 1.0 - self.char_weight), ("char", self.char_weight)):
                if weight == 0:
                    continue
                columns, values = queries.question(position, channel)
                values = values * np.float32(weight)
                self._add_scores(("body", channel), columns, values, body[position])
                if rows.size:
                    self._add_scores(("questions", channel), columns, values, rows)
            if rows.size:
                asked[position, self.group_owner_] = np.maximum.reduceat(rows, self.group_starts_)
                rows[:] = 0.0
        return {"body": body, "questions": asked}

    def _add_scores(self, key: tuple[str, str], columns: np.ndarray, values: np.ndarray, out: np.ndarray) -> None:
        """out += matrix @ query: over the query's posting lists when the matrix has a term-major copy,
        else row by row (a large index's character channel, scored in full only on request)."""
        if key in self.term_major_:
            sparse_ops.scatter(self.term_major_[key], columns, values, out)
        elif columns.size:
            query = np.zeros(self.matrices_[key].shape[1], dtype=np.float32)
            query[columns] = values
            out += self.matrices_[key] @ query

    def score(self, questions: Sequence[str]) -> np.ndarray:
        """Passage scores for each question, shape (questions, passages), in [0, 1]."""
        fields = self.field_scores(questions)
        return self._fuse(fields["body"], fields["questions"], self.has_questions_)

    def retrieve_fields(
        self, questions: Sequence[str], k: int = 10, among: Iterable[str] | None = None, batch_size: int = 256,
    ) -> list[list[tuple[str, float, float, float]]]:
        """Top `k` (passage id, score, body score, question score) for each question, best first.

        Up to `EXACT_UP_TO` passages every passage is scored in full.  Beyond, the passages that share a
        word with the question (or a rare character n-gram of a word the index does not know: a typo)
        are the candidates, and the best `CANDIDATES` of them by word score are scored in full: the
        character channel, which touches far more postings, then only reads those passages' rows.
        """
        self._check_fitted()
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        allowed = None  # with `among`: which passages may answer
        if among is not None:
            allowed = np.zeros(len(self.ids_), dtype=bool)
            allowed[[self.position_[p] for p in among if p in self.position_]] = True
        scoped_few = (allowed is not None and int(allowed.sum()) <= self.CANDIDATES
                      and ("body", "char") in self.term_major_)
        if len(self.ids_) <= self.EXACT_UP_TO or scoped_few:
            return self._retrieve_exact(questions, k, allowed, batch_size)
        return self._in_slices(questions, k, allowed, exact=False)

    EXACT_UP_TO = 20_000
    CANDIDATES = 150
    RESCORED = 40
    ROUGH_POSTINGS = 15_000

    def _retrieve_exact(self, questions: Sequence[str], k: int, allowed: np.ndarray | None,
                        batch_size: int) -> list[list[tuple[str, float, float, float]]]:
        if all(key in self.term_major_ for key in self.matrices_):
            return self._in_slices(questions, k, allowed, exact=True)
        # An index built without term-major n-gram matrices (a large one) asked for full scoring.
        results: list[list[tuple[str, float, float, float]]] = []
        for start in range(0, len(questions), batch_size):
            fields = self.field_scores(questions[start:start + batch_size])
            scores = self._fuse(fields["body"], fields["questions"], self.has_questions_)
            if allowed is not None:
                scores = np.where(allowed, scores, np.float32(-1.0))
            top = min(k, scores.shape[1])
            best = np.argpartition(-scores, top - 1, axis=1)[:, :top]
            for row, columns, body, asked in zip(scores, best, fields["body"], fields["questions"]):
                ordered = columns[np.lexsort((columns, -row[columns]))]
                results.append([(self.ids_[c], float(row[c]), float(body[c]), float(asked[c]))
                                for c in ordered if row[c] > 0])
        return results

    def _fuse(self, body: np.ndarray, asked: np.ndarray, has_questions: np.ndarray) -> np.ndarray:
        weight = self.question_weight
        return np.where(has_questions, (1.0 - weight) * body + weight * asked, body)

    def _in_slices(self, questions: Sequence[str], k: int, allowed: np.ndarray | None, exact: bool
                   ) -> list[list[tuple[str, float, float, float]]]:
        """`_search_slice` over slices of `SEARCH_SLICE` questions: on threads, one per CPU, for more
        than one slice.  Each slice is analysed (Python, holding the GIL) and then searched in one
        compiled call that releases it, so while one thread analyses, another searches."""
        slices = [range(start, min(len(questions), start + self.SEARCH_SLICE))
                  for start in range(0, len(questions), self.SEARCH_SLICE)]
        threads = min(len(slices), index_build.usable_cpus()) if len(slices) > 1 else 1
        if threads <= 1:
            found = [self._search_slice(questions, part, k, allowed, exact) for part in slices]
        else:
            with ThreadPoolExecutor(threads, thread_name_prefix="index-search") as pool:
                found = list(pool.map(lambda part: self._search_slice(questions, part, k, allowed, exact), slices))
        return [hits for part in found for hits in part]

    # Questions analysed and then searched together; a batch's slices go to threads, one per CPU.
    SEARCH_SLICE = 64

    def _search_slice(self, questions: Sequence[str], part: range, k: int, allowed: np.ndarray | None,
                      exact: bool = False) -> list[list[tuple[str, float, float, float]]]:
        """The questions at `part`, every passage scored in full (`exact`) or only candidates (see
        `retrieve_fields`)."""
        queries, unknown = self._queries([questions[number] for number in part])
        if exact:
            return self._results(*sparse_ops.exact_search(
                queries,
                (self.term_major_[("body", "word")], self.term_major_[("body", "char")]),
                (self.term_major_[("questions", "word")], self.term_major_[("questions", "char")]),
                (self.question_start_, self.question_end_), (self.char_weight, self.question_weight), k, allowed,
                (self._buffer("passages"), self._buffer("passages_asked"), self._buffer("question_rows"))))
        if any(unknown):  # the passages their misspelt words point to join each question's candidates
            queries = sparse_ops.Queries(queries.word, queries.char, sparse_ops.concatenated(
                [self._typo_candidates(words, allowed) for words in unknown], np.int64, np.float32))
        counts, passages, fused, body, asked = self._search(queries, k, allowed)
        # A question with no candidate but misspelt words: let all their n-grams look, not just the rare.
        retry = [i for i, count in enumerate(counts) if count < 0 and unknown[i]]
        if retry:
            again = sparse_ops.Queries.from_lists(
                [queries.question(i, "word") for i in retry], [queries.question(i, "char") for i in retry],
                [self._typo_candidates(unknown[i], allowed, rare_only=False) for i in retry])
            for i, *row in zip(retry, *self._search(again, k, allowed)):
                counts[i], passages[i], fused[i], body[i], asked[i] = row
        return self._results(counts, passages, fused, body, asked)

    def _results(self, counts: np.ndarray, passages: np.ndarray, fused: np.ndarray, body: np.ndarray,
                 asked: np.ndarray) -> list[list[tuple[str, float, float, float]]]:
        """Each question's hits as (passage id, fused, body, question score), the first `counts[q]` of row q
        (none for a count of -1), scores above zero only."""
        ids, fused_, body_, asked_ = self.ids_[passages].tolist(), fused.tolist(), body.tolist(), asked.tolist()
        found = []
        for q, count in enumerate(np.maximum(counts, 0).tolist()):
            found.append([hit for hit in zip(ids[q][:count], fused_[q][:count], body_[q][:count], asked_[q][:count])
                          if hit[1] > 0])
        return found

    def _search(self, queries: sparse_ops.Queries, k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, ...]:
        return sparse_ops.candidate_search(
            queries,
            (self.term_major_[("body", "word")], self.matrices_[("body", "word")], self.matrices_[("body", "char")]),
            (self.term_major_[("questions", "word")], self.matrices_[("questions", "word")],
             self.matrices_[("questions", "char")]),
            self.question_owner_, (self.question_start_, self.question_end_), (self.char_weight, self.question_weight),
            (self.ROUGH_POSTINGS, self.CANDIDATES, self.RESCORED, k), allowed,
            (self._buffer("passages"), self._buffer("question_rows"), self._buffer("word"), self._buffer("char")))

    def _typo_candidates(self, unknown: list[str], allowed: np.ndarray | None, rare_only: bool = True
                         ) -> tuple[np.ndarray, np.ndarray]:
        """(passages, scores) that a question's misspelt words point to, scaled into (0, 0.5]: a lead,
        weaker than a word the question shares with a passage."""
        if not unknown:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        passages, scores = self._typo_postings(unknown, rare_only)
        if allowed is not None and passages.size:
            passages, scores = passages[allowed[passages]], scores[allowed[passages]]
        if passages.size:
            scores = 0.5 * scores / max(float(scores.max()), 1e-9)
        return passages, scores.astype(np.float32)

    def _buffer(self, name: str) -> np.ndarray:
        """A dense, all-zero scratch vector, reused between questions and left all-zero by its user: over
        a channel's vocabulary ("word", "char"), the passages or the question rows.  One set per thread,
        so threads answering at once never share one."""
        local = getattr(self, "_buffers_", None)
        if local is None:
            local = self._buffers_ = threading.local()
        buffers = getattr(local, "arrays", None)
        if buffers is None:
            buffers = local.arrays = {}
        if name not in buffers:
            size = {"passages": len(self.ids_), "passages_asked": len(self.ids_),
                    "question_rows": len(self.question_owner_)}.get(name)
            buffers[name] = np.zeros(size if size is not None else len(self.vocabulary_[name]), dtype=np.float32)
        return buffers[name]

    def _unknown_word_grams(self, unknown: list[str], rare_only: bool = True) -> np.ndarray:
        """Character n-grams, rare in the index, of question words the index does not know (typos)."""
        if not unknown:
            return np.zeros(0, dtype=np.int64)
        limit = max(50, int(0.02 * len(self.ids_)))
        df = self._char_df()
        columns = {column for word in unknown for column in self._unknown_token_grams(word)}
        return np.array(sorted(c for c in columns if df[c] <= limit or not rare_only), dtype=np.int64)

    def _char_df(self) -> np.ndarray:
        """Each n-gram's document frequency: from its posting list, or read back from its idf,
        ln((1 + n) / (1 + df)) + 1, where the index keeps no term-major copy."""
        if getattr(self, "_char_df_", None) is None:
            if ("body", "char") in self.term_major_:
                self._char_df_ = np.diff(self.term_major_[("body", "char")].indptr)
            else:
                rows = len(self.ids_) + len(self.question_owner_)
                self._char_df_ = np.rint((1.0 + rows) * np.exp(1.0 - self.idf_["char"].astype(np.float64)) - 1.0)
        return self._char_df_

    TYPO_NEIGHBOURS = 20

    def _typo_postings(self, unknown: list[str], rare_only: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(passages, scores) for words the index does not know (typos): the passages holding the rare
        n-grams of those words.  Without a term-major character copy (a large index), the corpus words
        that share most of those n-grams stand in for them ("artilery" -> "artillery"), each weighted
        by its share of them, through the word channel's posting lists."""
        grams = self._unknown_word_grams(unknown, rare_only)
        if grams.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if ("body", "char") in self.term_major_:
            return sparse_ops.posting_sums(self.term_major_[("body", "char")], grams)
        positions, _ = sparse_ops.segments(self._gram_tokens().indptr, grams)
        tokens, shared = np.unique(self._gram_tokens().indices[positions], return_counts=True)
        if tokens.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        best = np.argsort(-shared, kind="stable")[: self.TYPO_NEIGHBOURS]
        columns, weights = self.token_stem_[tokens[best]].astype(np.int64), shared[best] / float(shared.max())
        columns, inverse = np.unique(columns, return_inverse=True)
        strongest = np.zeros(columns.size, dtype=np.float64)
        np.maximum.at(strongest, inverse, weights)
        return sparse_ops.posting_sums(self.term_major_[("body", "word")], columns, strongest.astype(np.float32))

    def _gram_tokens(self) -> sp.csr_matrix:
        """For each n-gram column, the corpus words (token ids) that hold it: the token table turned over."""
        if getattr(self, "_gram_tokens_", None) is None:
            table = sp.csr_matrix((np.ones(len(self.token_gram_indices_), dtype=np.float32), self.token_gram_indices_,
                                   self.token_gram_indptr_), shape=(len(self.token_stem_), len(self.vocabulary_["char"])))
            self._gram_tokens_ = table.T.tocsr()
        return self._gram_tokens_

    def retrieve_batch(
        self, questions: Sequence[str], k: int = 10, among: Iterable[str] | None = None, batch_size: int = 256,
    ) -> list[list[tuple[str, float]]]:
        """Top `k` (passage id, score) for each question, best first; zero scores are not returned.

        `among` limits the answer to those passage ids (for a question scoped to one explainer).
        """
        found = self.retrieve_fields(questions, k=k, among=among, batch_size=batch_size)
        return [[(pid, score) for pid, score, _, _ in hits] for hits in found]

    def retrieve(self, question: str, k: int = 10, among: Iterable[str] | None = None) -> list[tuple[str, float]]:
        """Top `k` (passage id, score) for one question: a wrapper of `retrieve_batch`."""
        return self.retrieve_batch([question], k=k, among=among)[0]

    def warm_up(self) -> Index:
        """Ask one question made of the index's own terms, so that the compiled scoring loops are built
        (or read from their cache) now, when a server starts, rather than on a reader's first question."""
        self._check_fitted()
        terms = [term for term, _ in zip(self.vocabulary_["word"], range(8))]
        self.retrieve_fields([" ".join(terms) or "warm up"], k=1)
        if ("body", "char") not in self.term_major_:
            self._char_df(), self._gram_tokens()  # what a first misspelt question would otherwise wait for
        english_words()  # read once per process (0.2 s), not by the first question with a word the corpus lacks
        return self

    def matched_terms(self, question: str, passage_id: str) -> dict[str, list[str]]:
        """Which of the question's word terms a passage's body and questions hold, which the index has never
        seen (`unknown`), and which words the glossary read as other names (`glossary`; never unknown)."""
        self._check_fitted()
        position = self.position_[passage_id]
        vocabulary = self.vocabulary_["word"]
        terms = list(dict.fromkeys(self.analyze_words(question)))
        query_terms = [t for t in terms if t in vocabulary]
        # A passage's question rows are contiguous, so each field's columns are one slice of its matrix.
        body = self._row_columns(("body", "word"), position, position + 1)
        questions = self._row_columns(("questions", "word"), self.question_start_[position],
                                      self.question_end_[position])
        aliases = self._glossary().aliases_in(question)
        read_as_known = {textlib.stem(w) for w in aliases}
        return {
            "body": [t for t in query_terms if vocabulary[t] in body],
            "questions": [t for t in query_terms if vocabulary[t] in questions],
            "unknown": [t for t in terms if t not in vocabulary and t not in read_as_known],
            "glossary": aliases,
        }

    def _row_columns(self, key: tuple[str, str], start: int, end: int) -> set[int]:
        """The columns held by rows `start` to `end` of a matrix, read from its arrays (scipy's row
        indexing costs a tenth of a millisecond per call, and the answerer asks for every answer)."""
        matrix = self.matrices_[key]
        return set(matrix.indices[matrix.indptr[start]:matrix.indptr[end]].tolist())

    def matched_words(self, question: str, passage_id: str) -> dict[str, list[str]]:
        """`matched_terms` for people to read: each term as the question writes it ("apples", not the stem
        "appl"; the first of its words sharing a stem; a glossary name the question does not use as the
        name's own word, "mortgages" for "home loans"), with stop words ("how", "many") and the auxiliaries
        ("did", "does") left out, since they match nearly every passage and explain nothing. (The answerer
        reads `matched_terms`.)"""
        terms = self.matched_terms(question, passage_id)
        shown: dict[str, str] = {}  # stem -> the word it is shown as
        for word in self._glossary().expand(question):
            if word not in textlib.STOP_WORDS and word not in textlib.AUXILIARIES:
                shown.setdefault(textlib.stem(word), word)
        return {**{field: [shown[t] for t in terms[field] if t in shown] for field in ("body", "questions", "unknown")},
                "glossary": terms["glossary"]}

    def known_fraction(self, question: str) -> float:
        """Share of the question's asked words (`text.asked_words`) that occur anywhere in the index, or whose
        glossary name does ("tories" in an index of "the Conservative Party")."""
        words = textlib.asked_words(question)
        if not words:
            return 0.0
        vocabulary = self.vocabulary_["word"]
        return sum(textlib.stem(w) in vocabulary or bool(other := self.read_as(w)) and all(t in vocabulary for t in other)
                   for w in words) / len(words)

    def _check_fitted(self) -> None:
        if not hasattr(self, "matrices_"):
            raise RuntimeError("this Index is not built yet: call fit(documents) or Index.load(folder)")

    # ------------------------------------------------------------ persistence
    def fingerprint(self) -> str:
        """A digest of the parameters, glossary, ids and matrices: two indexes with the same one answer alike."""
        if getattr(self, "_fingerprint_", None):
            return self._fingerprint_
        digest = hashlib.sha256(json.dumps(self.get_params(), sort_keys=True).encode())
        # A synonym no passage uses leaves every matrix as it was, yet it changes what questions match.
        if self.glossary:
            digest.update(json.dumps(self.glossary, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        for pid in self.ids_:
            digest.update(str(pid).encode("utf-8") + b"\0")
        for key in sorted(self.matrices_):
            matrix = self.matrices_[key]
            digest.update(matrix.indptr.tobytes() + matrix.indices.tobytes() + matrix.data.tobytes())
        self._fingerprint_ = digest.hexdigest()[:16]
        return self._fingerprint_

    def save(self, folder: str | Path, extra: dict[str, Any] | None = None) -> Path:
        """Write the index to `folder` atomically (see `bot.index_files`); `extra` holds further JSON
        documents saved beside it (the corpus snapshot, the answer model)."""
        return index_files.save_index(self, folder, extra)

    @classmethod
    def load(cls, folder: str | Path, mmap: bool = False) -> Index:
        """Load an index saved by `save`, or raise `IndexFormatError` saying what is wrong and what to do.

        With `mmap`, the arrays stay in the file, memory-mapped read-only, and every process that maps it
        shares one copy. Then the folder must only ever be replaced by renaming a new one into place (as
        `save` does): a file rewritten in place under a running server would crash it.
        """
        return index_files.load_index(cls, folder, mmap)
