"""The retriever: fields, analyzer, persistence and its refusal of damaged or foreign indexes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tiny_corpus import write_corpus

from bot import bundle
from bot.corpus import load_corpus
from bot.index import FORMAT_VERSION, Document, Index, IndexFormatError

ROOT = Path(__file__).resolve().parents[1]
DOCS = [
    Document("a", "North Korea has sent artillery shells to Russia.", ("What has North Korea sent?",)),
    Document("b", "The central bank raised interest rates to fight inflation."),
    Document("c", "The probe landed near the lunar south pole to look for ice."),
]


@pytest.fixture()
def index() -> Index:
    return Index(glossary={"North Korea": ["DPRK", "Pyongyang"], "shells": ["ammo"]}).fit(DOCS)


def test_batch_retrieval_is_best_first_and_single_wraps_it(index):
    batch = index.retrieve_batch(["shells russia", "interest rates"], k=3)
    assert [hit[0] for hit in batch[0]][:1] == ["a"]
    assert [hit[0] for hit in batch[1]][:1] == ["b"]
    assert all(s1 >= s2 for s1, s2 in zip([s for _, s in batch[0]], [s for _, s in batch[0]][1:]))
    assert index.retrieve("interest rates", k=3) == batch[1]


def test_scores_are_shares_in_unit_range(index):
    scores = index.score(["north korea shells", "lunar ice probe", "zzz"])
    assert scores.shape == (3, 3)
    assert np.all(scores >= 0) and np.all(scores <= 1.0 + 1e-6)
    assert np.all(scores[2] == 0)  # nothing shared, nothing returned
    assert index.retrieve("zzz") == []


def test_alias_and_typo_and_synonym_reach_the_passage(index):
    assert index.retrieve("what has the DPRK sent", k=1)[0][0] == "a"   # alias
    assert index.retrieve("pyongyang ammo", k=1)[0][0] == "a"           # alias + glossary synonym
    assert index.retrieve("artilery shels", k=1)[0][0] == "a"           # typos, through character n-grams


def test_question_field_points_to_its_passage(index):
    fields = index.field_scores(["what has north korea sent"])
    assert fields["questions"][0, 0] > 0.5 and fields["questions"][0, 1] == 0


def test_among_limits_results(index):
    assert [pid for pid, _ in index.retrieve("shells rates probe", k=3, among=["b", "c"])] in (["b", "c"], ["c", "b"])


def test_fit_validates_parameters():
    with pytest.raises(ValueError, match="char_weight"):
        Index(char_weight=2.0).fit(DOCS)
    with pytest.raises(ValueError, match="no documents"):
        Index().fit([])
    with pytest.raises(ValueError, match="occurs twice"):
        Index().fit([DOCS[0], DOCS[0]])
    with pytest.raises(RuntimeError, match="not built"):
        Index().retrieve("x")


def test_save_load_round_trip_gives_identical_scores(index, tmp_path):
    index.save(tmp_path / "idx")
    loaded = Index.load(tmp_path / "idx")
    questions = ["north korea shells", "rates", "artilery", "lunar ice"]
    assert np.array_equal(index.score(questions), loaded.score(questions))
    assert loaded.fingerprint() == index.fingerprint()
    assert not list(tmp_path.glob(".idx.*"))  # the temporary folder was renamed into place


def test_no_pickle_on_disk_and_arrays_are_memory_mapped(index, tmp_path):
    folder = index.save(tmp_path / "idx")
    meta = json.loads((folder / "index.json").read_text())
    assert all(np.dtype(entry["dtype"]).kind in "fiu" for entry in meta["arrays"].values())  # numbers only
    assert sorted(p.name for p in folder.iterdir()) == ["arrays.bin", "ids.json", "index.json", "vocabulary.json"]
    matrix = Index.load(folder).term_major_[("body", "char")]
    assert not matrix.data.flags.writeable  # served read-only


def test_version_mismatch_is_refused_with_advice(index, tmp_path):
    index.save(tmp_path / "idx")
    meta = json.loads((tmp_path / "idx" / "index.json").read_text())
    meta["format_version"] = FORMAT_VERSION + 1
    (tmp_path / "idx" / "index.json").write_text(json.dumps(meta))
    with pytest.raises(IndexFormatError, match=r"format version .* rebuild"):
        Index.load(tmp_path / "idx")


@pytest.mark.parametrize("damage", ["truncate", "corrupt", "delete", "garbage-meta"])
def test_damaged_index_is_refused(index, tmp_path, damage):
    folder = index.save(tmp_path / "idx")
    arrays = folder / "arrays.bin"
    if damage == "truncate":
        arrays.write_bytes(arrays.read_bytes()[:100])
    elif damage == "corrupt":
        data = bytearray(arrays.read_bytes())
        data[len(data) // 2] ^= 0xFF
        arrays.write_bytes(bytes(data))
    elif damage == "delete":
        arrays.unlink()
    else:
        (folder / "index.json").write_text("{not json")
    with pytest.raises(IndexFormatError, match="rebuild"):
        Index.load(folder)


def test_missing_index_names_the_fix(tmp_path):
    with pytest.raises(IndexFormatError, match="train.py"):
        Index.load(tmp_path / "nowhere")


def test_rebuild_keeps_passage_ids_and_fingerprint(tmp_path):
    root = write_corpus(tmp_path / "corpus")
    first = bundle.build(load_corpus(root))
    second = bundle.build(load_corpus(root))
    assert list(first.index.ids_) == list(second.index.ids_)
    assert first.index.fingerprint() == second.index.fingerprint()
    assert "rates:papers:1" in first.passages


def test_query_vectors_match_scikit_learn(index):
    # The fast query path must give the vectors scikit-learn's own transform would.
    from sklearn.feature_extraction.text import CountVectorizer

    question = "Artillery shells and the DPRK, artillery!"
    vectorizer = CountVectorizer(analyzer=index.analyze_chars, vocabulary=index.vocabulary_["char"], dtype=np.float32)
    counts = vectorizer.transform([question]).toarray()[0]
    expected = np.where(counts > 0, 1 + np.log(np.maximum(counts, 1)), 0) * index.idf_["char"]
    expected /= np.linalg.norm(expected)
    assert np.allclose(index.vectorize([question], "char").toarray()[0], expected, atol=1e-6)


def random_corpus(rng, count, length, question):
    """`count` passages of `length` words drawn by `rng` from DOCS's words and 60 fillers, each with one
    question (`question(i, vocabulary)`): a corpus large enough for the candidate path."""
    from bot.text import words

    vocabulary = sorted({w for d in DOCS for w in words(d.text)}) + [f"filler{i}" for i in range(60)]
    documents = [Document(f"p{i}", " ".join(rng.choice(vocabulary, size=length)), (question(i, vocabulary),))
                 for i in range(count)]
    return vocabulary, documents


def test_large_index_candidates_agree_with_full_scoring(monkeypatch):
    # Past EXACT_UP_TO passages, only candidates are scored in full (issue 6); on a corpus where
    # both paths can run, they must agree on the best passage and give it the same score.
    rng = np.random.default_rng(3)
    vocabulary, documents = random_corpus(rng, 400, 25, lambda i, v: f"question {i} {v[i % 40]}")
    index = Index().fit(documents)
    questions = ["north korea shells", "lunar ice probe", "interest rates inflation", "artilery shels", "filler7 filler9"]
    exact = index.retrieve_fields(questions, k=5)
    monkeypatch.setattr(Index, "EXACT_UP_TO", 0)
    monkeypatch.setattr(Index, "CANDIDATES", 400)
    monkeypatch.setattr(Index, "RESCORED", 400)
    monkeypatch.setattr(Index, "ROUGH_POSTINGS", 10**9)
    fast = index.retrieve_fields(questions, k=5)
    for full, quick in zip(exact, fast):
        assert [hit[0] for hit in full] == [hit[0] for hit in quick]
        assert np.allclose([hit[1] for hit in full], [hit[1] for hit in quick], atol=1e-5)
    scoped = index.retrieve("north korea shells", k=3, among=["p1", "p2", "p3"])
    assert {pid for pid, _ in scoped} <= {"p1", "p2", "p3"}


@pytest.mark.parametrize("copies", [1, 40])
def test_build_counts_match_scikit_learn(index, copies):
    # The numpy counting in fit must give exactly what CountVectorizer gives with the same analyzers, for a
    # few texts (cut one by one) and for a chunk's worth (cut in numpy).
    from sklearn.feature_extraction.text import CountVectorizer

    texts = ([d.text for d in DOCS] + ["The DPRK's ammo, and a lunar probe; déjà vu!", ""]) * copies
    counts = index._count(texts)
    for channel, analyzer in (("word", index.analyze_words), ("char", index.analyze_chars)):
        ours, vocabulary = counts[channel]
        theirs = CountVectorizer(analyzer=analyzer, vocabulary=vocabulary, dtype=np.float32).transform(texts)
        assert (ours != theirs).nnz == 0


def test_new_terms_are_numbered_in_order_of_first_use():
    import random

    from bot.index_build import ids_for

    rng = random.Random(1)
    for _ in range(500):
        known = {f"t{i}": i for i in range(rng.randrange(5))}
        terms = [f"t{rng.randrange(12)}" for _ in range(rng.randrange(30))]
        expected, numbered = [], dict(known)
        for term in terms:  # one at a time, as a reader would number them
            numbered.setdefault(term, len(numbered))
            expected.append(numbered[term])
        vocabulary = dict(known)
        assert ids_for(vocabulary, terms) == expected
        assert list(vocabulary.items()) == list(numbered.items())


def test_a_listed_vocabulary_looks_terms_up_as_a_dict_would():
    # A one-chunk build and a loaded index keep a vocabulary as its list of terms (column i is terms[i]),
    # and only make the dict when a term is looked up: before and after, it answers as the dict.
    from bot.index_build import Terms, ids_for

    listed, plain = Terms(["ab", "bc"]), {"ab": 0, "bc": 1}
    listed.extend(["cd"])  # before any look-up
    plain["cd"] = 2
    assert listed["cd"] == 2 and listed.get("zz") is None and "bc" in listed and "zz" not in listed
    listed.extend(["de", "ef"])  # after one: the dict grows with the list
    plain.update(de=3, ef=4)
    assert ids_for(listed, ["ef", "new", "ab", "new"]) == ids_for(plain, ["ef", "new", "ab", "new"]) == [4, 5, 0, 5]
    assert listed == plain and list(listed) == listed.terms == list(plain) and len(listed) == 6
    assert listed.get("new") == 5 and listed["de"] == 3


def test_ngrams_cut_in_numpy_get_the_ids_the_plain_cut_gives():
    # gram_ids packs each n-gram into an integer to find the distinct ones in numpy; the ids, their order
    # of first use and the per-token counts must be those of cutting every token with char_ngrams.
    from bot import text as textlib
    from bot.index_build import Terms, gram_ids, ids_for

    def plain(tokens, vocabulary):
        cut, ends = [], []
        for token in tokens:
            if token not in textlib.STOP_WORDS:
                cut.extend(textlib.char_ngrams([token], 3, 5))
            ends.append(len(cut))
        return ends, ids_for(vocabulary, cut)

    latin = ["shells", "the", "a", "x", "déjà", "shell", "10000", "of", "artillery", "shells"]
    beyond = latin + ["київ"]  # past Latin-1: the plain path
    for tokens in (latin, beyond, ["the", "of"], []):
        for known in ({" sh": 0, "ell": 1, "zzz": 2}, {}):  # a later chunk, and a build's first
            ours_vocabulary, plain_vocabulary = Terms(known), dict(known)
            ends, ids = gram_ids(tokens, ours_vocabulary, 3, 5)
            expected_ends, expected_ids = plain(tokens, plain_vocabulary)
            assert ends.tolist() == expected_ends and ids.tolist() == expected_ids
            assert list(ours_vocabulary.items()) == list(plain_vocabulary.items())
    # Chunk after chunk with no compiled table (a small build), from an empty vocabulary.
    ours_vocabulary, plain_vocabulary = Terms(), {}
    for tokens in (latin, ["shelling", "artillery", "déjà", "shells"], beyond, latin):
        ends, ids = gram_ids(tokens, ours_vocabulary, 3, 5)
        expected_ends, expected_ids = plain(tokens, plain_vocabulary)
        assert ends.tolist() == expected_ends and ids.tolist() == expected_ids
    assert list(ours_vocabulary.items()) == list(plain_vocabulary.items())
    # Chunk after chunk with one table of packed n-grams, a chunk past Latin-1 (the plain path) between.
    from bot.build_ops import KeyTable

    # Without that chunk, the n-grams the table finds new are numbered without a dict of the vocabulary.
    with_beyond = [latin, beyond, ["shelling", "artillery", "déjà", "shells"], [f"w{i}ord" for i in range(300)], latin]
    for chunks in (with_beyond, [c for c in with_beyond if c is not beyond]):
        known, ours_vocabulary, plain_vocabulary = KeyTable(capacity=8), Terms(), {}  # grows many times over
        for tokens in chunks:
            ends, ids = gram_ids(tokens, ours_vocabulary, 3, 5, known)
            expected_ends, expected_ids = plain(tokens, plain_vocabulary)
            assert ends.tolist() == expected_ends and ids.tolist() == expected_ids
        assert known.holds_all == (beyond not in chunks) and (ours_vocabulary._columns is None) == known.holds_all
        assert list(ours_vocabulary.items()) == list(plain_vocabulary.items())


def test_distinct_keys_in_order_of_first_use_match_numpys_unique():
    from bot.tokenizing import first_uses

    rng = np.random.default_rng(3)
    for size in (0, 1, 2, 7, 100, 5000):
        for spread in (1, 3, 50, 10**12, 2**62):  # the last too wide to pack a position beside: the argsort path
            keys = rng.integers(0, spread, size).astype(np.int64)
            _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
            by_use = np.argsort(first, kind="stable")
            rank = np.empty(len(by_use), dtype=np.int64)
            rank[by_use] = np.arange(len(by_use))
            ours_first, ours_inverse = first_uses(keys)
            assert ours_first.tolist() == first[by_use].tolist()
            assert ours_inverse.tolist() == rank[inverse.ravel()].tolist()


def test_pair_counts_match_scipys_summed_duplicates():
    # A chunk's counts come from one sort of packed (row, column) pairs: the matrix scipy's own summing gives.
    import scipy.sparse as sp

    from bot.build_ops import count_matrix

    rng = np.random.default_rng(5)
    for pairs, n_rows, width in ((0, 3, 4), (1, 1, 1), (500, 20, 30), (20000, 300, 5000)):
        rows = np.sort(rng.integers(0, n_rows, pairs)).astype(np.int32)
        columns = rng.integers(0, width, pairs).astype(np.int32)
        ours = count_matrix(rows, columns, n_rows, width)
        expected = sp.csr_matrix((np.ones(pairs, dtype=np.float32), (rows, columns)), shape=(n_rows, width))
        expected.sum_duplicates()
        ours.check_format(full_check=True)
        assert ours.shape == expected.shape and ours.has_sorted_indices
        assert ours.indptr.tolist() == expected.indptr.tolist() and ours.indices.tolist() == expected.indices.tolist()
        assert ours.data.tolist() == expected.data.tolist()


def test_memory_mapped_load_answers_alike(index, tmp_path):
    folder = index.save(tmp_path / "idx")
    mapped, read = Index.load(folder, mmap=True), Index.load(folder)
    assert isinstance(mapped.matrices_[("body", "word")].data.base, np.memmap)
    assert not isinstance(read.matrices_[("body", "word")].data.base, np.memmap)
    questions = ["north korea shells", "rates", "artilery"]
    assert np.array_equal(mapped.score(questions), read.score(questions))
    assert mapped.fingerprint() == read.fingerprint() == index.fingerprint()


def _looked_up(index, question):
    """The columns the analyzers' terms have in the vocabularies, sorted: what a question should hit."""
    words = sorted(index.vocabulary_["word"][t] for t in index.analyze_words(question) if t in index.vocabulary_["word"])
    chars = sorted(index.vocabulary_["char"][g] for g in index.analyze_chars(question) if g in index.vocabulary_["char"])
    return words, chars


@pytest.mark.parametrize("question", [
    "What has North Korea sent?",            # corpus words, from the token table
    "Has the DPRK been sending shells",      # an alias, a new form of a known stem, a known word
    "artilery shels for the lunar probes",   # typos: only their known n-grams count
    "the of and",                            # stop words alone
])
def test_token_table_gives_what_the_analyzers_give(index, tmp_path, question):
    # A question's corpus words come from the token table saved with the index (issue 6), never from
    # stemming at question time; the columns must be the analyzers' own, before and after a reload.
    for current in (index, Index.load(index.save(tmp_path / "idx"))):
        found = current._query_columns(question)
        assert (sorted(found["word"].tolist()), sorted(found["char"].tolist())) == _looked_up(current, question)


def test_unknown_words_are_the_typos(index):
    found = index._query_columns("artilery shells and the lunar probe")
    assert found["unknown"] == ["artilery"]


def test_query_weights_follow_the_formulas(index):
    from bot import sparse_ops

    idf = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    columns, weights = sparse_ops.weigh_query(np.array([2, 0, 2]), idf, True, 1.2, np.zeros(0, np.float32))
    assert columns.tolist() == [0, 2]
    assert np.allclose(weights, np.array([1.0, 2.0]) / ((1.0 * 1.0 + 2.0 * 3.0) * 2.2))
    columns, weights = sparse_ops.weigh_query(np.array([2, 0, 2]), idf, False, 1.2, np.zeros(0, np.float32))
    expected = np.array([1.0 * 1.0, (1 + np.log(2)) * 3.0])
    assert np.allclose(weights, expected / np.linalg.norm(expected))


def test_rough_pass_takes_the_rarest_terms_within_the_budget():
    # The candidate path's first pass (issue 6): body sums and each passage's best question row over
    # the rarest terms whose postings fit the budget; common terms are left out.
    import scipy.sparse as sp

    from bot import sparse_ops

    body = sp.csr_matrix(np.array([[1.0, 0.0, 0.5, 0.0],     # term 0: in passages 0 and 2
                                   [1.0, 1.0, 1.0, 1.0],     # term 1: everywhere
                                   [0.0, 0.0, 0.0, 2.0]],    # term 2: only in passage 3
                                  dtype=np.float32))
    asked = sp.csr_matrix(np.array([[0.0, 3.0], [0.0, 0.0], [0.0, 0.0]], dtype=np.float32))  # rows of passage 1, 1
    owners = np.array([1, 1])
    columns, weights = np.array([0, 1, 2]), np.array([1.0, 1.0, 0.5], dtype=np.float32)
    buffers = np.zeros(4, np.float32), np.zeros(2, np.float32)
    passages, scores = sparse_ops.rough_scores(body, asked, owners, columns, weights, 3, None, *buffers)
    assert dict(zip(passages.tolist(), scores.tolist())) == {0: 1.0, 2: 0.5, 3: 1.0, 1: 3.0}
    passages, scores = sparse_ops.rough_scores(body, asked, owners, columns, weights, 100, None, *buffers)
    assert dict(zip(passages.tolist(), scores.tolist())) == {0: 2.0, 1: 3.0, 2: 1.5, 3: 2.0}
    allowed = np.array([True, False, False, True])
    passages, scores = sparse_ops.rough_scores(body, asked, owners, columns, weights, 3, allowed, *buffers)
    assert dict(zip(passages.tolist(), scores.tolist())) == {0: 1.0, 3: 1.0}
    assert not buffers[0].any() and not buffers[1].any()


def test_threads_answering_at_once_get_what_one_thread_gets(monkeypatch):
    # The compiled loops release the GIL and use scratch buffers: each thread must have its own.
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(5)
    vocabulary, documents = random_corpus(rng, 600, 30, lambda i, v: f"about {v[i % 50]}")
    monkeypatch.setattr(Index, "EXACT_UP_TO", 0)
    index = Index().fit(documents)
    questions = [" ".join(rng.choice(vocabulary, size=4)) for _ in range(200)]
    alone = [index.retrieve(q, k=5) for q in questions]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda q: index.retrieve(q, k=5), questions * 3))
    assert together == alone * 3


def test_batch_split_over_threads_gives_what_each_question_alone_gets(monkeypatch):
    # A large batch is searched in slices on several threads (issue 6); each question must get exactly
    # what it gets asked alone, misspelt ones and a scoped batch included.
    from bot import index_build

    rng = np.random.default_rng(11)
    vocabulary, documents = random_corpus(rng, 500, 30, lambda i, v: f"about {v[i % 50]}")
    monkeypatch.setattr(Index, "EXACT_UP_TO", 0)
    monkeypatch.setattr(Index, "SEARCH_SLICE", 7)
    monkeypatch.setattr(index_build, "usable_cpus", lambda: 3)
    index = Index().fit(documents)
    questions = [" ".join(rng.choice(vocabulary, size=4)) for _ in range(60)]
    questions += ["artilery shels", "zzzz", "", "the of and", "qwertyuiop lunar"]
    alone = [index.retrieve_fields([q], k=5)[0] for q in questions]
    assert index.retrieve_fields(questions, k=5) == alone
    assert any(alone[-5]) and alone[-3] == [] and alone[-4] == []
    among = [f"p{i}" for i in range(0, 500, 3)]
    scoped = index.retrieve_batch(questions, k=5, among=among)
    assert scoped == [index.retrieve(q, k=5, among=among) for q in questions]
    assert all(pid in set(among) for hits in scoped for pid, _ in hits)


def test_kernels_compile_where_no_cache_can_be_written(monkeypatch):
    # A read-only install with no home folder: numba refuses to cache; the index must still work.
    import numba

    from bot.compiled import compiled

    real = numba.njit

    def refusing(*args, **kwargs):
        if kwargs.get("cache"):
            def decorate(function):
                raise RuntimeError("cannot cache function: no locator available")
            return decorate
        return real(*args, **kwargs)

    def add_one(value):
        return value + 1

    monkeypatch.setattr(numba, "njit", refusing)
    assert compiled(add_one)(1) == 2


@pytest.mark.parametrize("chunk", [40, 200])
def test_worker_processes_build_the_same_index(monkeypatch, chunk):
    # A large build tokenizes in worker processes (issue 6): ids, vocabularies and matrices must be
    # exactly those of a build in one process, whether its chunks are cut text by text (40 texts) or in
    # numpy (200; a worker's first chunks are smaller, and cut text by text).
    from bot.index_build import chunk_bounds
    from bot.text import words

    vocabulary = sorted({w for d in DOCS for w in words(d.text)}) + [f"filler{i}" for i in range(60)] + ["Москва"]
    rng = np.random.default_rng(11)
    documents = [Document(f"p{i}", " ".join(rng.choice(vocabulary, size=20)) + " DPRK", (f"about {vocabulary[i % 50]}",))
                 for i in range(300)]
    glossary = {"North Korea": ["DPRK"]}
    monkeypatch.setattr(Index, "COUNT_CHUNK", chunk)
    alone = Index(glossary=glossary).fit(documents)
    monkeypatch.setattr(Index, "PARALLEL_FROM", 0)
    monkeypatch.setattr("bot.index_build.usable_cpus", lambda: 2)
    seen = []
    together = Index(glossary=glossary).fit(documents, progress=lambda done, total: seen.append((done, total)),
                                            processes=0)
    assert together.fingerprint() == alone.fingerprint()
    assert together.vocabulary_ == alone.vocabulary_ and together.tokens_ == alone.tokens_
    assert seen[-1] == (600, 600) and len(seen) == len(chunk_bounds(600, chunk, 2))


def test_worker_chunks_start_small_and_cover_every_text_once():
    # The building process waits idle for its first chunk; smaller first chunks reach it sooner (issue 6).
    from bot.index_build import chunk_bounds

    for total, size, workers in ((100_000, 20_000, 2), (600, 40, 2), (5, 40, 4), (1, 1, 2), (0, 10, 2)):
        bounds = chunk_bounds(total, size, workers)
        assert [start for start, _ in bounds] == [0, *(stop for _, stop in bounds[:-1])][:len(bounds)]
        assert (bounds[-1][1] if bounds else 0) == total
        assert all(0 < stop - start <= size for start, stop in bounds)
    assert chunk_bounds(100_000, 20_000, 2)[:4] == [(0, 5000), (5000, 15000), (15000, 35000), (35000, 55000)]


def test_weighing_in_blocks_changes_nothing(monkeypatch):
    # The build weighs its counts a block of rows at a time to bound its temporaries (issue 6).
    import functools

    from bot import index_build

    whole = Index().fit(DOCS)
    monkeypatch.setattr(index_build, "weigh", functools.partial(index_build.weigh, block_rows=1))
    assert Index().fit(DOCS).fingerprint() == whole.fingerprint()


def test_a_large_index_keeps_no_term_major_ngrams_and_still_finds_typos(monkeypatch, tmp_path):
    # Past EXACT_UP_TO passages the n-gram matrices get no term-major copy (issue 6: at a million
    # passages each would hold some 3 GiB); typos then reach their passage through similar corpus words.
    rng = np.random.default_rng(7)
    fillers = [f"filler{i}" for i in range(60)]
    documents = list(DOCS) + [Document(f"p{i}", " ".join(rng.choice(fillers, size=25))) for i in range(300)]
    full = Index().fit(documents)
    monkeypatch.setattr(Index, "EXACT_UP_TO", 100)
    large = Index().fit(documents)
    assert ("body", "char") not in large.term_major_ and ("questions", "char") not in large.term_major_
    assert ("body", "word") in large.term_major_ and large.fingerprint() == full.fingerprint()
    reloaded = Index.load(large.save(tmp_path / "large"))
    assert ("body", "char") not in reloaded.term_major_
    for index in (large, reloaded):
        assert index.retrieve("artilery shels", k=1)[0][0] == "a"
        assert index.retrieve("lunar probe", k=1)[0][0] == "c"
        assert index.retrieve("interst rats", k=1)[0][0] == "b"
        assert np.allclose(index.score(["north korea shells", "filler3"]), full.score(["north korea shells", "filler3"]), atol=1e-5)
        scoped = index.retrieve("lunar ice", k=3, among=["a", "b", "c"])
        assert [pid for pid, _ in scoped][:1] == ["c"]


def test_a_build_goes_on_when_its_workers_cannot_start(monkeypatch):
    from concurrent.futures.process import BrokenProcessPool

    from bot import index_build

    class Refusing:
        def __init__(self, *args, **kwargs):
            raise BrokenProcessPool("no processes here")

    documents = [Document(f"p{i}", f"passage {i} about shells and rates") for i in range(50)]
    alone = Index().fit(documents)
    monkeypatch.setattr(Index, "COUNT_CHUNK", 7)
    monkeypatch.setattr(Index, "PARALLEL_FROM", 0)
    monkeypatch.setattr(index_build, "ProcessPoolExecutor", Refusing)
    assert Index().fit(documents, processes=2).fingerprint() == alone.fingerprint()


@pytest.mark.parametrize("size", [100, 1_000, 5_000, 60_000])
def test_selecting_the_best_few_of_many_is_exact_with_ties(size):
    # The candidate path takes the best few of many rough scores through a sampled threshold; it must
    # pick exactly the k largest, ties going to the smaller passage number, however the values fall.
    from bot.sparse_ops import select

    rng = np.random.default_rng(size)
    cases = [rng.random(size).astype(np.float32),                      # all distinct
             rng.integers(0, 40, size).astype(np.float32),             # a few values, many ties
             np.full(size, 0.1, dtype=np.float32)]                     # one value
    spiked = np.full(size, 0.1, dtype=np.float32)
    spiked[rng.choice(size, 60, replace=False)] = 0.5                  # fewer above the crowd than k
    cases.append(spiked)
    cases.append(np.arange(size, dtype=np.float32))                   # rising: every value beats the last
    for values in cases:
        keys = rng.permutation(size)
        for k in (1, 10, 150):
            chosen = select(values, keys, k)
            assert sorted(chosen.tolist()) == sorted(np.lexsort((keys, -values))[:k].tolist())


def test_stems_are_nltk_snowball_stems():
    # PyStemmer (C) stems the index; nltk's SnowballStemmer is the reference the index was designed with.
    # Both are the Snowball English stemmer: an index must not depend on which one built it.
    from nltk.stem.snowball import SnowballStemmer

    from bench import synthetic
    from bot import text as textlib

    reference = SnowballStemmer("english")
    corpus_words = {w for path in sorted((ROOT / "corpus").rglob("*.*")) for w in textlib.words(path.read_text("utf-8"))}
    vocabulary = sorted(corpus_words | set(synthetic.vocabulary()[0]) | {"news", "dying", "skies", "generously",
                                                                         "a", "is", "s", "ied", "café", "müller"})
    expected = [reference.stem(w) if w.isascii() else w for w in vocabulary]
    assert textlib.stems(vocabulary) == expected
    assert [textlib.stem(w) for w in vocabulary] == expected
    assert len(vocabulary) > 5_000


def test_words_ignore_runs_of_spaces():
    from bot import text as textlib

    assert textlib.words("North \t Korea's   10,000\u00a0troops ") == textlib.words("North Korea's 10,000 troops")
    assert textlib.words(" Déjà   vu ") == ["deja", "vu"]


def test_ascii_text_is_cut_into_the_tokens_the_unicode_pattern_gives():
    # ASCII text takes a quicker pattern; on it, both must find exactly the same tokens.
    import random

    from bot import text as textlib

    rng = random.Random(0)
    alphabet = "abcxyz019'.,%_- \n\t!?\"()/"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(60))) for _ in range(3000)]
    texts += [p.read_text(encoding="utf-8").casefold() for p in sorted((ROOT / "corpus" / "explainers").glob("*.txt"))]
    texts = [t for t in texts if t.isascii()]
    assert len(texts) > 2900
    for folded in texts:
        assert textlib._ASCII_TOKEN.findall(folded) == textlib._TOKEN.findall(folded), folded


GLOSSARY_FOR_CUTTING = {"North Korea": ["DPRK", "Pyongyang", "NK"], "World Health Organization": ["WHO"],
                        "September 11 attacks": ["9/11"], "Russia": ["Moscow", "the Kremlin"],
                        "United States": ["US", "the U.S."], "Labour Party": ["Labour"]}


def _random_chunks(seed, pieces, count=300):
    import random

    rng = random.Random(seed)
    for _ in range(count):
        yield ["".join(rng.choice(pieces) for _ in range(rng.randrange(40))) for _ in range(rng.randrange(64, 100))]


@pytest.mark.parametrize("groups", [{}, GLOSSARY_FOR_CUTTING])
def test_a_chunk_cut_in_numpy_gives_the_words_the_regular_expression_gives(groups):
    # Issue 6: a build cuts a chunk's texts in numpy; the words, their order of first use and each text's
    # count must be exactly those of cutting text by text: aliases and phrases added after a text's own words,
    # apostrophes ("rock'n'roll" -> "rock'n", "roll"), numbers ("10,000.5%"), capitals, and texts with letters
    # outside ASCII (cut by hand and merged in), or only symbols outside it ("£5bn").
    from bot import text as textlib
    from bot import tokenizing

    glossary = textlib.Glossary(groups).fit()
    pieces = list("abcdexyzABQ0123456789'''..,,%%_-/   \n\t!?\"()") + [
        "Pyongyang", " the WHO ", "who", " US ", "us", "9/11", "north korea's", "Kim's", "won", "defence",
        "10,000", "1.5%", "rock'n'roll", "£5bn", "10°C", "déjà", "Ж", "ß", "٣", "\u2019", "internationalization",
        "internationalisation", "x" * 30, " the Kremlin", "LABOUR", "the u.s.", "NK"]
    paths = {"numpy": 0, "merged": 0}
    for seed, chunk in enumerate(_random_chunks(len(groups), pieces)):
        if seed % 3:  # most chunks without letters outside ASCII, some with a few
            chunk = [text.replace("Ж", "").replace("ß", "").replace("٣", "") for text in chunk]
        expected = tokenizing.tokenize_one_by_one(chunk, glossary)
        cut = tokenizing._cut_in_numpy(chunk, glossary)
        if cut is None:
            continue
        paths["numpy"] += 1
        paths["merged"] += any(len(textlib.words(text)) != length for text, length in zip(chunk, cut[2]))
        assert cut[0] == expected[0]
        assert cut[1].tolist() == expected[1].tolist()
        assert list(cut[2]) == list(expected[2])
        assert tokenizing.tokenize(chunk, glossary)[0] == expected[0]
    assert paths["numpy"] > 150 and paths["merged"] > (50 if groups else -1), paths


def test_tokens_told_apart_only_by_their_middle_are_told_apart():
    # Tokens up to 16 bytes are told apart by their first and last 8 bytes; longer ones by their string.
    from bot import text as textlib
    from bot import tokenizing

    words = ["abcdefghXXXXXXXXijklmnop", "abcdefghYYYYYYYYijklmnop", "abcdefghijklmnop", "abcdefghijklmnoq",
             "abcdefghijklmno", "abcdefgh", "abcdefg", "a"]
    chunk = [" ".join(words[(start + at) % len(words)] for at in range(5)) for start in range(80)]
    glossary = textlib.Glossary({}).fit()
    distinct, occurrences, lengths = tokenizing._cut_in_numpy(chunk, glossary)
    assert distinct == [w.lower() for w in words]
    assert [distinct[at] for at in occurrences[:5]] == [w.lower() for w in words[:5]]
    assert lengths == [5] * 80


def test_a_chunk_mostly_in_another_script_is_cut_one_by_one():
    from bot import text as textlib
    from bot import tokenizing

    chunk = [f"Москва и Киев {number}, the talks" for number in range(70)]
    glossary = textlib.Glossary({}).fit()
    assert tokenizing._cut_in_numpy(chunk, glossary) is None
    distinct, occurrences, lengths = tokenizing.tokenize(chunk, glossary)
    assert distinct[:4] == ["москва", "и", "киев", "0"] and lengths == [6] * 70


def test_glossary_cut_before_normal_forms_is_expand():
    # A build cuts each text without the tokens' normal forms and works them out once per distinct token;
    # a normal form's normal form is itself, so the glossary's words can be cut with the text's.
    from bot import text as textlib

    glossary = textlib.Glossary(GLOSSARY_FOR_CUTTING).fit()
    texts = ["North Korea's 10,000 troops won", "Pyongyang and the WHO", "the Kremlin's defence", "9/11 at 9%",
             "WHO IS THE LEADER OF THE US", "Labour's landslide", "déjà vu in Москва", ""]
    for text in texts:
        assert textlib.normal_forms(glossary.cut(text)) == glossary.expand(text), text
        assert textlib.normal_forms(glossary.expand(text)) == glossary.expand(text), text
    tokens = ["10,000", "2.5%", "labour's", "o'neill", "won", "defence", "won't", "Ж", "٣", "x"]
    assert textlib.normal_forms(tokens) == [textlib.normal_form(token) for token in tokens]


def test_tokens_take_their_normal_forms_from_a_bounded_table(monkeypatch):
    # Numbers lose their commas and "%", words their apostrophes and "'s", then irregular verbs and British
    # spellings take one form; the table that remembers each token's form starts again past its limit.
    from bot import text as textlib

    expected = {"10,000": "10000", "2.5%": "2.5", "labour's": "labor", "o'neill": "oneill", "won": "win",
                "defence": "defense", "won't": "wont", "fed": "fed", "troops": "troops"}
    for token, form in expected.items():
        assert textlib.words(token) == [form], token
    table = textlib._NormalForms()
    monkeypatch.setattr(textlib._NormalForms, "LIMIT", 3)
    assert [table[token] for token in expected] == list(expected.values())
    assert len(table) <= 3


def test_document_frequencies_count_each_column_once_per_row():
    import scipy.sparse as sp

    from bot.index_build import column_counts

    rng = np.random.default_rng(5)
    matrix = sp.random(300, 50, density=0.1, format="csr", random_state=rng, dtype=np.float32)
    assert column_counts(matrix).tolist() == np.bincount(matrix.indices, minlength=50).tolist()
    from bot.build_ops import column_counts as compiled  # what a large build uses

    assert compiled(matrix.indices, 50).tolist() == np.bincount(matrix.indices, minlength=50).tolist()
    assert column_counts(sp.csr_matrix((0, 4), dtype=np.float32)).tolist() == [0, 0, 0, 0]


def test_the_analyzer_starts_without_importing_scikit_learn_or_nltk():
    # Every server process and build worker imports bot.text; scikit-learn and nltk took most of a second
    # each to import. The stop words are still scikit-learn's own list.
    import subprocess
    import sys

    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from bot import text as textlib

    assert textlib.ENGLISH_STOP_WORDS == ENGLISH_STOP_WORDS
    loaded = subprocess.run([sys.executable, "-c", "import sys, bot.text, web; "
                             "print(sorted(m for m in ('sklearn', 'nltk') if m in sys.modules))"],
                            capture_output=True, text=True, cwd=ROOT, check=True).stdout.strip()
    assert loaded == "[]"


def test_a_tokenizing_worker_imports_neither_scipy_nor_numba():
    # A build's worker process imports bot.tokenizing alone; scipy and numba took most of its start (issue 6).
    import subprocess
    import sys

    loaded = subprocess.run([sys.executable, "-c", "import sys, bot.tokenizing; "
                             "print(sorted(m for m in ('scipy', 'numba', 'sklearn', 'nltk') if m in sys.modules))"],
                            capture_output=True, text=True, cwd=ROOT, check=True).stdout.strip()
    assert loaded == "[]"


def test_matched_terms_read_each_passage_s_own_rows():
    """Each field's terms come from the passage's own rows: its body, and every one of its questions
    (passages with several, one, and no questions, so a row slice one off would show)."""
    index = Index(glossary={"North Korea": ["DPRK"]}).fit([
        Document("a", "Artillery shells went to Russia.", ("Who sent the shells?", "Where did the drones go?")),
        Document("b", "The central bank raised interest rates.", ("Why did borrowing costs rise?",)),
        Document("c", "The probe landed near the lunar pole."),
        Document("d", "Drones and missiles were tested.", ("What did DPRK test?",)),
    ])
    found = index.matched_terms("did the DPRK send drones and shells, zorbles", "a")
    assert found["body"] == ["shell"]
    assert set(found["questions"]) == {"did", "the", "send", "drone", "shell"}
    assert found["unknown"] == ["zorbl"] and found["glossary"] == ["dprk"]
    found = index.matched_terms("did the DPRK send drones and shells, zorbles", "d")
    assert found["body"] == ["drone", "and"] and set(found["questions"]) == {"did", "dprk", "north", "korea"}
    assert index.matched_terms("why are borrowing costs rising", "b")["questions"] == ["whi", "borrow", "cost", "rise"]
    assert index.matched_terms("lunar drones", "c") == {"body": ["lunar"], "questions": [], "unknown": [],
                                                        "glossary": []}
