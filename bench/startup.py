"""Start-up: how long a fresh server process takes to load a saved index, read into memory or
memory-mapped (`INDEX_MMAP`), at a given corpus size.

Builds our index on synthetic passages (bench/synthetic.py), saves it, then times `Index.load` in new
Python processes (so nothing is cached in the process; the file may be in the OS page cache, as it is
for a restarted worker), and the first question after it.

    python bench/startup.py                  # 100k passages, 5 runs per mode
    python bench/startup.py --quick          # 2k passages

Prints medians and writes bench/results/startup-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common, synthetic  # noqa: E402
from bot.index import Index  # noqa: E402

PROBE = """
import json, sys, time
sys.path.insert(0, {root!r})
started = time.perf_counter()
from bot.index import Index
imported = time.perf_counter()
index = Index.load({folder!r}, mmap={mmap})
loaded = time.perf_counter()
index.retrieve("what happened next")
print(json.dumps({{"import_s": imported - started, "load_s": loaded - imported,
                  "first_question_s": time.perf_counter() - loaded}}))
"""


def probe(folder: Path, mmap: bool) -> dict[str, float]:
    code = PROBE.format(root=str(common.ROOT), folder=str(folder), mmap=mmap)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> dict[str, Any]:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description="Index load time in a fresh process.")
    parser.add_argument("--size", type=int, default=100_000, help="passages (default 100,000)")
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per mode (default 5)")
    parser.add_argument("--out-dir", type=Path, default=common.RESULTS_DIR, help="where the record goes")
    parser.add_argument("--quick", action="store_true", help="2,000 passages, 2 runs")
    args = parser.parse_args(argv)
    size, runs = (2_000, 2) if args.quick else (args.size, args.runs)
    record = common.header("startup", argv, {"passages": size, "runs": runs})
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as scratch:
        folder = Index().fit(common.documents(synthetic.passages(size, seed=0))).save(Path(scratch) / "index")
        size_mib = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
        results: dict[str, Any] = {"index_mib": round(size_mib, 1)}
        for mode, mmap in (("read", False), ("mmap", True)):
            timings = [probe(folder, mmap) for _ in range(runs)]
            results[mode] = {key: round(statistics.median(t[key] for t in timings), 4) for key in timings[0]}
            results[mode]["runs"] = timings
    record["results"] = results
    rows = [[mode, f"{results[mode]['load_s']:.3f}", f"{results[mode]['first_question_s'] * 1000:.1f}",
             f"{results[mode]['import_s']:.3f}"] for mode in ("read", "mmap")]
    print(f"{size:,} passages, index {results['index_mib']:.0f} MiB on disk; medians of {runs} fresh processes")
    print(common.table(rows, ["mode", "load s", "first question ms", "import s"]))
    common.write_record("startup", record, args.out_dir)
    return record


if __name__ == "__main__":
    main()
    sys.exit(0)
