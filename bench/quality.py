"""Ranking quality: our Index and the shipped answerer beside bm25s, on the same passages and questions.

* Public FAQ sets in ../shared/datasets (covid_deepset, stackfaq): the index is built from passages.jsonl
  (`load_corpus` + `bundle.documents`: FAQ title in the questions field, answer as the body), questions from
  queries.jsonl.  Ours: `Index(glossary=corpus.aliases())`, otherwise defaults, `retrieve_batch(k=10)`.
  bm25s: `BM25(k1=1.5, b=0.75)` over title + answer, `bm25s.tokenize(stopwords=None)`, k=10.
* The shipped explainers (corpus/): `bundle.build(load_corpus("corpus"))`, scored on the answerable questions
  of corpus/eval/*.jsonl by `Answer.ranking` from `answer_batch` (follow-ups get their earlier turns); beside
  it the bare Index and bm25s, both given the same query text the answerer retrieves with.

* The learning curve (issue 5): on each FAQ set, 5-fold over its questions; for each fold, an index built
  with 0%, 20%, 50% or 80% of the other folds' questions added as labelled phrasings of their passages
  (`label_phrasings` + `with_phrasings`, what an editor's labels do), scored on the held-out fold.

Metrics are bot.evaluate's: acc@1 (first ranked passage relevant), MRR@10, recall@5; a bm25s hit with
score 0 counts as not retrieved.  A dataset whose folder is missing is skipped with a note.

    python bench/quality.py
    python bench/quality.py --quick          # the first 50 questions of each set

Prints one table and writes bench/results/quality-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402
from bot import bundle  # noqa: E402
from bot.corpus import (  # noqa: E402
    LabelledQuestion,
    default_questions,
    label_phrasings,
    load_corpus,
    load_questions,
    with_phrasings,
)
from bot.evaluate import judge, metrics  # noqa: E402
from bot.index import Index  # noqa: E402

K = 10
DATASETS = ("covid_deepset", "stackfaq")
DEFAULT_DATASETS_DIR = common.ROOT.parent / "shared" / "datasets"


def score(questions: Sequence[LabelledQuestion], rankings: Sequence[Sequence[str]], seconds: float) -> dict[str, Any]:
    summary = metrics([judge(q, list(r), abstained=False, confidence=0.0) for q, r in zip(questions, rankings, strict=True)])
    return {"n": summary["answerable"], "acc@1": summary["acc@1"], "mrr@10": summary["mrr@10"],
            "recall@5": summary["recall@5"], "seconds": round(seconds, 3)}


def bm25s_rankings(documents: Sequence[Any], queries: Sequence[str]) -> tuple[list[list[str]], float]:
    started = time.perf_counter()
    retriever = common.Bm25s(k1=1.5, b=0.75).fit([common.flat_text(d) for d in documents])
    positions, scores = retriever.retrieve_batch(queries, k=K)
    ids = [d.id for d in documents]
    rankings = [[ids[p] for p, s in zip(row, row_scores, strict=True) if s > 0] for row, row_scores in zip(positions, scores, strict=True)]
    return rankings, time.perf_counter() - started


def faq_dataset(folder: Path, limit: int | None) -> list[dict[str, Any]]:
    corpus = load_corpus(folder / "passages.jsonl")
    documents = bundle.documents(corpus)
    questions = load_questions(folder / "queries.jsonl")[:limit]
    queries = [q.question for q in questions]
    started = time.perf_counter()
    index = Index(glossary=corpus.aliases()).fit(documents)
    ours = [[pid for pid, _ in hits] for hits in index.retrieve_batch(queries, k=K)]
    ours_seconds = time.perf_counter() - started
    theirs, theirs_seconds = bm25s_rankings(documents, queries)
    base = {"dataset": folder.name, "passages": len(documents)}
    return [base | {"system": "our Index"} | score(questions, ours, ours_seconds),
            base | {"system": "bm25s"} | score(questions, theirs, theirs_seconds)]


def shipped(corpus_dir: Path, limit: int | None) -> list[dict[str, Any]]:
    corpus = load_corpus(corpus_dir)
    questions = [q for q in default_questions(corpus_dir) if q.answerable][:limit]
    started = time.perf_counter()
    answerer = bundle.build(corpus)
    build_seconds = time.perf_counter() - started
    started = time.perf_counter()
    answers = answerer.answer_batch([q.question for q in questions], histories=[q.context for q in questions])
    answer_seconds = time.perf_counter() - started
    # The text the answerer retrieves with: a follow-up carries its previous turn.
    queries = [answerer.query_for(q.question, q.context)[0] for q in questions]
    started = time.perf_counter()
    bare = [[pid for pid, _ in hits] for hits in answerer.index.retrieve_batch(queries, k=K)]
    bare_seconds = time.perf_counter() - started
    documents = bundle.documents(corpus)
    theirs, theirs_seconds = bm25s_rankings(documents, queries)
    base = {"dataset": "shipped explainers", "passages": len(documents)}
    return [base | {"system": "answerer (bundle.build)"} | score(questions, [a.ranking for a in answers],
                                                                   build_seconds + answer_seconds),
            base | {"system": "our Index alone"} | score(questions, bare, build_seconds + bare_seconds),
            base | {"system": "bm25s"} | score(questions, theirs, theirs_seconds)]


def learning_curve(folder: Path, fractions: Sequence[float], folds: int, limit: int | None) -> list[dict[str, Any]]:
    """MRR@10 and acc@1 on held-out questions as more of the other questions are labelled."""
    import numpy as np

    corpus = load_corpus(folder / "passages.jsonl")
    questions = load_questions(folder / "queries.jsonl")[:limit]
    order = np.random.default_rng(0).permutation(len(questions))
    parts = [np.sort(part) for part in np.array_split(order, folds)]
    rows = []
    for fraction in fractions:
        started = time.perf_counter()
        rankings: list[list[str]] = [[] for _ in questions]
        for k, test in enumerate(parts):
            others = np.setdiff1d(np.arange(len(questions)), test)
            picked = np.random.default_rng(k).permutation(others)[: int(round(fraction * len(others)))]
            taught = with_phrasings(corpus, label_phrasings(questions[i] for i in picked))
            index = Index(glossary=taught.aliases()).fit(bundle.documents(taught))
            for row, hits in zip(test, index.retrieve_batch([questions[i].question for i in test], k=K), strict=True):
                rankings[row] = [pid for pid, _ in hits]
        rows.append({"dataset": folder.name, "system": f"our Index + {fraction:.0%} labels",
                     "passages": len(corpus.passages)} | score(questions, rankings, time.perf_counter() - started))
    return rows


def report(results: list[dict[str, Any]]) -> str:
    rows = [[r["dataset"], r["system"], r["passages"], r["n"], f"{r['acc@1']:.3f}", f"{r['mrr@10']:.3f}",
             f"{r['recall@5']:.3f}", f"{r['seconds']:.2f}"] for r in results]
    return common.table(rows, ["dataset", "system", "passages", "questions", "acc@1", "MRR@10", "recall@5", "seconds"])


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Ranking quality: our Index and answerer beside bm25s.")
    parser.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR,
                        help="folder holding covid_deepset/ and stackfaq/ (default ../shared/datasets)")
    parser.add_argument("--corpus", type=Path, default=common.ROOT / "corpus", help="the shipped corpus folder")
    parser.add_argument("--out-dir", type=Path, default=common.RESULTS_DIR, help="where the record goes")
    parser.add_argument("--quick", action="store_true", help="only the first 50 questions of each set")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse(argv)
    limit = 50 if args.quick else None
    params = {"k": K, "quick": args.quick, "question_limit": limit, "datasets_dir": str(args.datasets_dir),
              "corpus": str(args.corpus), "ours": Index().get_params() | {"glossary": "corpus.aliases()"},
              "bm25s": {"k1": 1.5, "b": 0.75, "method": "lucene", "backend": "numpy", "stopwords": None,
                        "text": "questions + passage text"}}
    record = common.header("quality", argv, params)
    results: list[dict[str, Any]] = []
    skipped: list[str] = []
    for name in DATASETS:
        folder = args.datasets_dir / name
        if not (folder / "passages.jsonl").is_file() or not (folder / "queries.jsonl").is_file():
            print(f"note: skipping {name}: {folder} has no passages.jsonl and queries.jsonl")
            skipped.append(name)
            continue
        print(f"{name} ...", flush=True)
        results.extend(faq_dataset(folder, limit))
    fractions, folds = ((0.0, 0.5), 2) if args.quick else ((0.0, 0.2, 0.5, 0.8), 5)
    for name in DATASETS:
        if name in skipped:
            continue
        print(f"{name} learning curve ...", flush=True)
        results.extend(learning_curve(args.datasets_dir / name, fractions, folds, limit))
    if args.corpus.is_dir():
        print("shipped explainers ...", flush=True)
        results.extend(shipped(args.corpus, limit))
    else:
        print(f"note: skipping the shipped explainers: {args.corpus} is not a folder")
        skipped.append("shipped explainers")
    record["results"] = results
    record["skipped"] = skipped
    print()
    print(report(results))
    print("acc@1, MRR@10, recall@5 over answerable questions (bot.evaluate); seconds include building the index")
    common.write_record("quality", record, args.out_dir)
    return record


if __name__ == "__main__":
    main()
    sys.exit(0)
