"""Retrieval speed: our Index beside bm25s (numpy backend), same passages, same process.

For each corpus size, both are built on the same synthetic passages (bench/synthetic.py); then

* one question at a time: after a warm-up, each of `--questions` questions is timed once per retriever,
  the two interleaved (and their order alternated) so machine noise falls on both alike;
* a batch: `--batch` other questions in one call, repeated `--repeats` times on fresh questions, as time
  per question;
* ours alone: `--questions` more fresh questions one at a time with no bm25s search in between (which,
  at a million passages, sweeps the CPU caches and costs ours several times its own time).

Ours: `Index()` with default parameters (both fields, word and character channels), `retrieve(q, k=10)` and
`retrieve_batch(qs, k=10)`.  bm25s: `bm25s.tokenize(stopwords=None)` + `BM25().retrieve(k=10)`; its
time includes tokenizing the question, as ours includes analysing it.

    python bench/retrieval.py                      # 1k, 10k, 100k passages
    python bench/retrieval.py --sizes 1000000      # 1M: minutes and several GiB
    python bench/retrieval.py --quick              # 300 passages, a few seconds

Prints a table and writes bench/results/retrieval-<timestamp>.json and bench/results/retrieval.png.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common, synthetic  # noqa: E402
from bot.index import Index  # noqa: E402

K = 10


def measure(size: int, args: argparse.Namespace) -> dict[str, Any]:
    passages = synthetic.passages(size, seed=args.seed)
    needed = args.warmup + args.questions + args.batch * args.repeats + args.questions
    asked = [q["question"] for q in synthetic.questions(passages, needed, seed=args.seed + 1)]
    warmup, single = asked[: args.warmup], asked[args.warmup: args.warmup + args.questions]
    batches = [asked[args.warmup + args.questions + r * args.batch:][: args.batch] for r in range(args.repeats)]
    alone = asked[args.warmup + args.questions + args.batch * args.repeats:]
    documents = common.documents(passages)
    del passages

    started = time.perf_counter()
    ours = Index().fit(documents)
    ours_build = time.perf_counter() - started
    started = time.perf_counter()
    theirs = common.Bm25s().fit([common.flat_text(d) for d in documents])
    theirs_build = time.perf_counter() - started
    del documents
    gc.collect()

    for question in warmup:
        ours.retrieve(question, k=K)
        theirs.retrieve_batch([question], k=K)

    ours_times, theirs_times, theirs_search_times = [], [], []
    clock = time.perf_counter
    for number, question in enumerate(single):
        for turn in ((0, 1) if number % 2 == 0 else (1, 0)):
            if turn == 0:
                started = clock()
                ours.retrieve(question, k=K)
                ours_times.append(clock() - started)
            else:
                started = clock()
                tokens = theirs.tokenize([question])
                tokenized = clock()
                theirs.search(tokens, k=K)
                finished = clock()
                theirs_times.append(finished - started)
                theirs_search_times.append(finished - tokenized)

    ours_batch, theirs_batch = [], []
    for repeat, batch in enumerate(batches):
        order = (0, 1) if repeat % 2 == 0 else (1, 0)
        for turn in order:
            started = clock()
            if turn == 0:
                ours.retrieve_batch(batch, k=K)
                ours_batch.append((clock() - started) / len(batch))
            else:
                theirs.retrieve_batch(batch, k=K)
                theirs_batch.append((clock() - started) / len(batch))

    # Ours alone, one question at a time on fresh questions: no bm25s search in between to sweep the
    # CPU caches (at 1M passages that costs ours several times its own time).
    alone_times = []
    for question in alone:
        started = clock()
        ours.retrieve(question, k=K)
        alone_times.append(clock() - started)
    ours_alone = common.summarize(alone_times)

    ours_single = common.summarize(ours_times)
    theirs_single = common.summarize(theirs_times)
    ours_per_question = common.summarize(ours_batch)["median_ms"]
    theirs_per_question = common.summarize(theirs_batch)["median_ms"]
    return {
        "size": size,
        "ours": {
            "build_s": round(ours_build, 3),
            "single": ours_single,
            "batch_ms_per_question": ours_per_question,
            "batch_runs_ms_per_question": [round(t * 1000, 4) for t in ours_batch],
            "batch_speedup": round(ours_single["median_ms"] / ours_per_question, 2),
            "single_alone": ours_alone,
            "batch_speedup_alone": round(ours_alone["median_ms"] / ours_per_question, 2),
        },
        "bm25s": {
            "build_s": round(theirs_build, 3),
            "single": theirs_single,
            "single_search_only": common.summarize(theirs_search_times),
            "batch_ms_per_question": theirs_per_question,
            "batch_runs_ms_per_question": [round(t * 1000, 4) for t in theirs_batch],
            "batch_speedup": round(theirs_single["median_ms"] / theirs_per_question, 2),
        },
        "ratio_single_median": round(ours_single["median_ms"] / theirs_single["median_ms"], 3),
        "ratio_single_p99": round(ours_single["p99_ms"] / theirs_single["p99_ms"], 3),
        "ratio_batch": round(ours_per_question / theirs_per_question, 3),
    }


def report(results: list[dict[str, Any]]) -> str:
    rows = []
    for r in results:
        ours, theirs = r["ours"], r["bm25s"]
        rows.append([r["size"], ours["single"]["median_ms"], theirs["single"]["median_ms"], f"{r['ratio_single_median']:.2f}",
                     ours["single"]["p99_ms"], theirs["single"]["p99_ms"], f"{r['ratio_single_p99']:.2f}",
                     ours["batch_ms_per_question"], theirs["batch_ms_per_question"], f"{r['ratio_batch']:.2f}",
                     f"{ours['batch_speedup']:.1f}x", ours["single_alone"]["median_ms"],
                     f"{ours['batch_speedup_alone']:.1f}x"])
    headings = ["passages", "ours med ms", "bm25s med ms", "ratio", "ours p99", "bm25s p99", "ratio",
                "ours batch/q", "bm25s batch/q", "ratio", "ours batch gain", "ours alone med ms", "gain alone"]
    return common.table(rows, headings)


def plot(results: list[dict[str, Any]], path: Path) -> Path | None:
    plt = common.pyplot()
    if plt is None:
        return None
    sizes = [r["size"] for r in results]
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for name, colour in (("ours", "tab:blue"), ("bm25s", "tab:orange")):
        label = "our Index" if name == "ours" else "bm25s (numpy)"
        medians = [r[name]["single"]["median_ms"] for r in results]
        p99 = [r[name]["single"]["p99_ms"] for r in results]
        axes.plot(sizes, medians, marker="o", color=colour, label=f"{label}: one question, median")
        axes.fill_between(sizes, medians, p99, color=colour, alpha=0.12)
        axes.plot(sizes, [r[name]["batch_ms_per_question"] for r in results], marker="s", linestyle="--",
                  color=colour, label=f"{label}: batch, per question")
    common.log_log(axes, "passages", "ms per question (shaded: median to p99)",
                   "Retrieval latency against corpus size (k=10)")
    return common.save_plot(figure, path)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Retrieval latency: our Index beside bm25s on synthetic passages.")
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="comma-separated corpus sizes (default 1000,10000,100000; add 1000000 for 1M)")
    parser.add_argument("--questions", type=int, default=500, help="questions timed one at a time (default 500)")
    parser.add_argument("--warmup", type=int, default=50, help="untimed questions first (default 50)")
    parser.add_argument("--batch", type=int, default=1000, help="questions per batch call (default 1000)")
    parser.add_argument("--repeats", type=int, default=3, help="batch calls, each on fresh questions (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed; questions use seed + 1")
    parser.add_argument("--out-dir", type=Path, default=common.RESULTS_DIR, help="where the record and plot go")
    parser.add_argument("--quick", action="store_true", help="300 passages, 50 questions: proves the script works")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.questions, args.warmup, args.batch, args.repeats = "300", 50, 5, 50, 1
    try:
        args.size_list = common.parse_sizes(args.sizes, smallest=K)
    except ValueError as error:
        parser.error(f"--sizes {args.sizes!r}: {error}")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse(argv)
    params = {"sizes": args.size_list, "k": K, "questions": args.questions, "warmup": args.warmup,
              "batch": args.batch, "repeats": args.repeats, "seed": args.seed, "quick": args.quick,
              "ours": Index().get_params(), "bm25s": {"k1": 1.5, "b": 0.75, "method": "lucene", "backend": "numpy",
                                                       "stopwords": None, "n_threads": 0}}
    record = common.header("retrieval", argv, params)
    results = []
    for size in args.size_list:
        print(f"{size:,} passages: building and timing ...", flush=True)
        results.append(measure(size, args))
        gc.collect()
    legend = ("ratio = ours / bm25s (below 1: ours faster); batch gain = one-at-a-time median / batch time per "
              "question; alone = ours one at a time on other fresh questions, with no bm25s search in between")
    return common.finish("retrieval", record, results, report(results), legend, plot, args.out_dir, args.quick)


if __name__ == "__main__":
    main()
    sys.exit(0)
