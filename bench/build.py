"""Build speed and peak memory: our Index beside bm25s, each build in a fresh process.

The parent writes the synthetic passages of each size to a temporary JSONL file once; then for each
retriever and each repeat it starts `python bench/build.py --child ...`, which reads the file, turns it
into the retriever's input, notes its peak resident memory (ru_maxrss), builds, and reports

* build time (from passages in memory to a ready index, tokenizing included),
* peak memory: the process's peak RSS (ru_maxrss), or, for a build large enough to tokenize in worker
  processes, the most the process and its workers held at once (their RSS summed, sampled every
  20 ms from /proc, never below the process's own peak), and the build's increase over the loaded
  passages,
* the size of the index's numeric arrays.

A fresh process per build keeps one build's caches (the analyzer's stem cache) and freed memory out of
the next one's figures.  Sizes up to 10k are built `--repeats` times and the median quoted.

    python bench/build.py                       # 1k, 10k, 100k passages
    python bench/build.py --sizes 1000000       # 1M
    python bench/build.py --quick               # 300 passages, a few seconds

Prints a table and writes bench/results/build-<timestamp>.json and bench/results/build.png.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common, synthetic  # noqa: E402

RETRIEVERS = ("ours", "bm25s")


def _max_rss_mib() -> float:
    # Linux reports kilobytes, macOS bytes.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def _memory_kib(pid: int) -> tuple[int, int]:
    """(resident, virtual size) of a process in KiB; zeros when it is gone."""
    found = {"VmRSS:": 0, "VmSize:": 0}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                key = line.split(maxsplit=1)[0] if line.strip() else ""
                if key in found:
                    found[key] = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return found["VmRSS:"], found["VmSize:"]


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    # After the command name in parentheses: state, then the parent's pid.
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


class TreeMemory:
    """The most resident memory this process and its children held at once, sampled from /proc.

    A worker's own ru_maxrss cannot be used: a spawned process's peak counts the parent's memory at the
    moment it was started (the kernel keeps the peak across exec), so adding workers' peaks counts the
    loaded passages once per worker."""

    def __init__(self, every: float = 0.02) -> None:
        self.every, self.peak_mib, self.workers_peak_mib = every, 0.0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            own, own_size = _memory_kib(me)
            workers = 0
            for pid in _children(me):
                resident, size = _memory_kib(pid)
                # A child caught between vfork and exec still shares this process's memory: not its own.
                if size != own_size:
                    workers += resident
            self.workers_peak_mib = max(self.workers_peak_mib, workers / 1024)
            self.peak_mib = max(self.peak_mib, (own + workers) / 1024)
            self._stop.wait(self.every)

    def __enter__(self) -> TreeMemory:
        if os.path.isdir("/proc/self"):
            self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


def child(retriever: str, passages_file: Path) -> dict[str, Any]:
    """One build in this process; the parent reads the JSON line this prints."""
    passages = synthetic.read_jsonl(passages_file)
    workers = 0
    if retriever == "ours":
        from bot.index import Index
        from bot.index_build import usable_cpus

        prepared, build = common.documents(passages), lambda documents: Index().fit(documents, processes=0)
        # A large build tokenizes in worker processes, which hold memory of their own.
        texts = sum(1 + len(p.get("questions", [])) for p in passages)
        workers = usable_cpus() if texts >= Index.PARALLEL_FROM and usable_cpus() > 1 else 0
    else:
        import bm25s  # noqa: F401  (imported before the baseline, as scikit-learn is for ours)

        prepared, build = [common.flat_text(p) for p in passages], lambda texts: common.Bm25s().fit(texts)
    del passages
    gc.collect()
    before = _max_rss_mib()
    with TreeMemory() as tree:
        started = time.perf_counter()
        built = build(prepared)
        seconds = time.perf_counter() - started
    # With workers: the most held at once by the process and its workers (sampled); never below the
    # process's own exact peak.
    peak = max(_max_rss_mib(), tree.peak_mib) if workers else _max_rss_mib()
    worker_peak = tree.workers_peak_mib if workers else 0.0
    arrays = common.index_arrays_mib(built) if retriever == "ours" else built.arrays_mib()
    terms = len(built.vocabulary_["word"]) if retriever == "ours" else len(built.retriever_.vocab_dict)
    return {"seconds": seconds, "peak_rss_mib": round(peak, 1), "loaded_rss_mib": round(before, 1),
            "worker_processes": workers, "worker_peak_rss_mib": round(worker_peak, 1),
            "build_rss_increase_mib": round(peak - before, 1), "arrays_mib": round(arrays, 1), "word_terms": terms}


def run_child(retriever: str, passages_file: Path) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", retriever, "--passages-file", str(passages_file)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=common.ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"build of {retriever} failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(size: int, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    passages_file = synthetic.write_jsonl(synthetic.passages(size, seed=args.seed), folder / f"passages-{size}.jsonl")
    repeats = args.repeats if size <= 10_000 else 1
    result: dict[str, Any] = {"size": size, "repeats": repeats}
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in RETRIEVERS}
    for repeat in range(repeats):
        # Alternate which goes first, so a noisy spell on the machine does not always hit the same one.
        for name in (RETRIEVERS if repeat % 2 == 0 else RETRIEVERS[::-1]):
            runs[name].append(run_child(name, passages_file))
    for name in RETRIEVERS:
        seconds = sorted(run["seconds"] for run in runs[name])
        median = statistics.median(seconds)
        first = runs[name][0]
        result[name] = {
            "build_s": round(median, 3),
            "runs_s": [round(s, 3) for s in seconds],
            "passages_per_s": round(size / median, 1),
            "peak_rss_mib": max(run["peak_rss_mib"] for run in runs[name]),
            "build_rss_increase_mib": max(run["build_rss_increase_mib"] for run in runs[name]),
            "loaded_rss_mib": first["loaded_rss_mib"],
            "arrays_mib": first["arrays_mib"],
            "word_terms": first["word_terms"],
        }
    result["ratio_build_time"] = round(result["ours"]["build_s"] / result["bm25s"]["build_s"], 3)
    result["ratio_peak_rss"] = round(result["ours"]["peak_rss_mib"] / result["bm25s"]["peak_rss_mib"], 3)
    passages_file.unlink()
    return result


def report(results: list[dict[str, Any]]) -> str:
    rows = []
    for r in results:
        ours, theirs = r["ours"], r["bm25s"]
        rows.append([r["size"], ours["build_s"], theirs["build_s"], f"{r['ratio_build_time']:.2f}",
                     ours["passages_per_s"], theirs["passages_per_s"],
                     *(common.mib(x[key]) for key in ("peak_rss_mib", "build_rss_increase_mib", "arrays_mib")
                       for x in (ours, theirs))])
    headings = ["passages", "ours s", "bm25s s", "ratio", "ours passages/s", "bm25s passages/s",
                "ours peak MiB", "bm25s peak MiB", "ours +MiB", "bm25s +MiB", "ours arrays MiB", "bm25s arrays MiB"]
    return common.table(rows, headings)


def plot(results: list[dict[str, Any]], path: Path) -> Path | None:
    plt = common.pyplot()
    if plt is None:
        return None
    sizes = [r["size"] for r in results]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
    for name, colour, label in (("ours", "tab:blue", "our Index"), ("bm25s", "tab:orange", "bm25s")):
        left.plot(sizes, [r[name]["build_s"] for r in results], marker="o", color=colour, label=label)
        right.plot(sizes, [r[name]["peak_rss_mib"] for r in results], marker="o", color=colour, label=label)
    for axes, title, unit in ((left, "Build time", "seconds"), (right, "Peak memory of the build (with its workers)", "MiB resident")):
        common.log_log(axes, "passages", unit, title)
    return common.save_plot(figure, path)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Build time and peak memory: our Index beside bm25s.")
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="comma-separated corpus sizes (default 1000,10000,100000; add 1000000 for 1M)")
    parser.add_argument("--repeats", type=int, default=3, help="builds per retriever for sizes up to 10k (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed")
    parser.add_argument("--out-dir", type=Path, default=common.RESULTS_DIR, help="where the record and plot go")
    parser.add_argument("--quick", action="store_true", help="300 passages, one build each")
    parser.add_argument("--child", choices=RETRIEVERS, help=argparse.SUPPRESS)
    parser.add_argument("--passages-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.repeats = "300", 1
    try:
        args.size_list = common.parse_sizes(args.sizes)
    except ValueError as error:
        parser.error(f"--sizes {args.sizes!r}: {error}")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse(argv)
    if args.child:
        print(json.dumps(child(args.child, args.passages_file)))
        return {}
    params = {"sizes": args.size_list, "repeats_up_to_10k": args.repeats, "seed": args.seed, "quick": args.quick,
              "memory": "ru_maxrss of a fresh process per build; with tokenizing workers, the most the process and its workers held at once (RSS summed, sampled every 20 ms), at least the process's ru_maxrss", "ours": "Index() defaults, fit(processes=0): a worker per CPU from 60k texts",
              "bm25s": {"k1": 1.5, "b": 0.75, "backend": "numpy", "stopwords": None}}
    record = common.header("build", argv, params)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-build-") as folder:
        for size in args.size_list:
            print(f"{size:,} passages: building ...", flush=True)
            results.append(measure(size, args, Path(folder)))
    legend = ("ratio = ours / bm25s build time; peak = the build process's peak RSS (with tokenizing workers: the "
              "most it and they held at once); +MiB = its increase over the loaded passages; arrays = the index's numeric arrays")
    return common.finish("build", record, results, report(results), legend, plot, args.out_dir, args.quick)


if __name__ == "__main__":
    main()
    sys.exit(0)
