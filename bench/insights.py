"""The editor's Readers tab on a long question log: how long `bot.insights.reader_insights` takes for each
period it offers.

Writes a synthetic log into a temporary SQLite file: `--questions` questions spread evenly over the year before a
fixed day, their words drawn from a few thousand questions with a Zipfian skew (a few asked very often, as on a
news site), three places asked (two explainers and the front page), 30% declined, and one rating for every 20
answers. Then times each period (7, 30, 90 days, all time) `--runs` times and quotes the median.

    python bench/insights.py                     # 1,000,000 questions, 3 runs
    python bench/insights.py --quick             # 20,000 questions, 2 runs

Prints a table and writes bench/results/insights-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402
from bot.insights import PERIODS, reader_insights  # noqa: E402
from bot.store import Store  # noqa: E402

NOW = datetime(2026, 11, 27, tzinfo=timezone.utc)
DISTINCT = 5_000  # different questions readers ask
RATED_EVERY = 20  # one rating for this many answers


def fill(store: Store, questions: int, seed: int = 0) -> None:
    """`questions` logged questions over the year before NOW, and their ratings, in one transaction each."""
    rng = random.Random(seed)
    asked = [f"question number {i}" for i in range(DISTINCT)]
    rows = []
    for i in range(questions):
        at = (NOW - timedelta(seconds=rng.randint(0, 365 * 86_400))).strftime("%Y-%m-%dT%H:%M:%SZ")
        declined = rng.random() < 0.3
        rows.append((f"a{i}", at, asked[int(rng.paretovariate(1.2)) % DISTINCT], rng.choice(["e1", "e2", None]),
                     None if declined else f"e1:summary:{rng.randint(1, 30)}", json.dumps([]), 0.5, int(declined),
                     None, "text"))
    ratings = [(f"a{rng.randrange(questions)}", int(rng.random() < 0.6), None, "2026-11-01T00:00:00Z")
               for _ in range(max(1, questions // RATED_EVERY))]
    connection = store.connection()
    for sql, batch in (("INSERT INTO questions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows),
                       ("INSERT INTO feedback (answer_id, helpful, comment, created_at) VALUES (?, ?, ?, ?)", ratings)):
        connection.execute("BEGIN")
        connection.executemany(sql, batch)
        connection.execute("COMMIT")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=1_000_000, help="questions in the log (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per period (default 3)")
    parser.add_argument("--quick", action="store_true", help="20,000 questions, 2 runs: proves the script works")
    parser.add_argument("--out-dir", type=Path, default=None, help="where the record goes (default bench/results)")
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    questions, runs = (20_000, 2) if args.quick else (args.questions, args.runs)
    record = common.header("insights", argv, {"questions": questions, "runs": runs, "distinct": DISTINCT,
                                              "rated_every": RATED_EVERY, "now": NOW.isoformat()})
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-insights-") as scratch:
        store = Store(f"sqlite:///{Path(scratch) / 'log.sqlite3'}")
        try:
            fill(store, questions)
            for period, days in PERIODS.items():
                timings, found = [], None
                for _ in range(runs):
                    started = time.perf_counter()
                    found = reader_insights(store, days, now=NOW)
                    timings.append(time.perf_counter() - started)
                results.append({"period": period, "questions_in_period": found["totals"]["questions"],
                                "median_s": round(statistics.median(timings), 4),
                                "runs_s": [round(t, 4) for t in timings]})
        finally:
            store.close()
    record["results"] = results
    print(f"a log of {questions:,} questions over a year; medians of {runs} runs")
    print(common.table([[r["period"], f"{r['questions_in_period']:,}", f"{r['median_s']:.3f}"] for r in results],
                       ["period (days)", "questions in it", "seconds"]))
    common.write_record("insights", record, args.out_dir)
    return record


if __name__ == "__main__":
    main()
    sys.exit(0)
