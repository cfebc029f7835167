"""HTTP throughput: `/api/ask` with full answers beside the same server's `/healthz`, in one run.

Starts gunicorn (2 sync workers by default) on 127.0.0.1 with an index of the bundled corpus, drives it with
wrk (Debian's `wrk` package: `apt-get install wrk`) at a fixed number of connections for a bounded time per
endpoint, and stops it.  `/api/ask` posts reader questions from corpus/eval in turn, so each request
retrieves, picks the sentence, builds follow-ups and queues its question-log row, as for a reader.

    python bench/http_load.py                        # 8 connections, 15 s per endpoint
    python bench/http_load.py --seconds 30 --connections 16
    python bench/http_load.py --quick                # 2 s per endpoint

Runs two servers, one after the other: one as deployed, which keeps the answers to recent questions
(`ANSWER_MEMORY`), so that after the first round each question is one asked before, as when many readers ask
the questions a page offers them; and one with `ANSWER_MEMORY=0`, which answers every request afresh.

Prints requests/s and latency percentiles per endpoint and each server's ask/healthz throughput ratio, then
where a request's time goes in one process (Flask's test client: /healthz, /api/ask answered afresh, /api/ask
asked before, the answerer alone, /api/ask with a fixed answer), and writes bench/results/http-<timestamp>.json.
Loopback only; the load stops by itself.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402
from bench.soak import Gunicorn  # noqa: E402

LUA = """
local questions = {QUESTIONS}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #questions + 1
  return wrk.format(nil, "/api/ask", nil, questions[i])
end
"""
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def build_index(folder: Path) -> Path:
    from bot import bundle
    from bot.confidence import ConfidenceModel
    from bot.corpus import load_corpus

    corpus = load_corpus(common.ROOT / "corpus")
    return bundle.save(bundle.build(corpus, model=ConfidenceModel.default()), folder / "index", corpus.fingerprint())


def ask_bodies(limit: int = 200) -> list[str]:
    from bot.corpus import default_questions

    questions = default_questions(common.ROOT / "corpus")[:limit]
    return [json.dumps({"question": q.question, "history": list(q.context)}) for q in questions]


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests/s, latency percentiles (ms) and error counts from `wrk --latency` output."""
    result: dict[str, Any] = {"latency_ms": {}}
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    result["requests_per_second"] = float(match.group(1)) if match else None
    match = re.search(r"(\d+) requests in", output)
    result["requests"] = int(match.group(1)) if match else None
    for percentile, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M):
        result["latency_ms"][f"p{percentile}"] = round(float(value) * _UNITS[unit], 3)
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non_2xx"] = int(match.group(1)) if match else 0
    match = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    result["socket_errors"] = sum(int(x) for x in match.groups()) if match else 0
    return result


def run_wrk(port: int, path: str, seconds: float, connections: int, script: Path | None) -> dict[str, Any]:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{max(1, int(seconds))}s", "--latency",
               "--timeout", "5s"]
    if script is not None:
        command += ["-s", str(script)]
    command.append(f"http://127.0.0.1:{port}{path}")
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(done.stdout) | {"command": " ".join(command)}


def in_process(index_dir: Path, database: Path, requests: int) -> dict[str, float]:
    """Where a request's time goes, without a server or a network: Flask's test client in this process, the
    median of `rounds` runs of `requests` requests each, in ms per request, for `/healthz`, for `/api/ask`, for
    the answerer alone on the same questions, and for `/api/ask` with the answerer replaced by one fixed answer
    (the web layer alone: parsing, checks, the response JSON, the logged question)."""
    import statistics
    import time

    from web import create_app

    app = create_app({"INDEX_DIR": str(index_dir), "DATABASE_URL": f"sqlite:///{database}",
                      "RATE_LIMIT_ASK": "off", "RATE_LIMIT_FEEDBACK": "off", "ANSWER_MEMORY": 0})
    client, answerer = app.test_client(), app.extensions["answerer"]
    bodies = ask_bodies()
    asked = [json.loads(body) for body in bodies]

    def timed(call: Any, rounds: int = 5) -> float:
        call(0)  # warm: caches, compiled loops
        runs = []
        for _ in range(rounds):
            started = time.perf_counter()
            for i in range(requests):
                call(i)
            runs.append((time.perf_counter() - started) / requests * 1000)
        return round(statistics.median(runs), 4)

    def post(i: int) -> None:
        client.post("/api/ask", data=bodies[i % len(bodies)], content_type="application/json")

    def answer(i: int) -> None:
        answerer.answer(asked[i % len(asked)]["question"], history=asked[i % len(asked)]["history"]).to_json()

    try:
        found = {"healthz_ms": timed(lambda i: client.get("/healthz")), "ask_ms": timed(post),
                 "answerer_ms": timed(answer)}
        app.config["ANSWER_MEMORY"] = 2 * len(bodies)
        app.extensions.pop("recent_answers", None)
        found["ask_asked_before_ms"] = timed(post)
        app.config["ANSWER_MEMORY"] = 0
        app.extensions.pop("recent_answers", None)
        fixed = answerer.answer(asked[0]["question"])
        answerer.answer = lambda *args, **kwargs: fixed
        found["ask_fixed_answer_ms"] = timed(post)
    finally:
        app.extensions["store"].close()
    return found


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="/api/ask against /healthz on gunicorn, driven by wrk.")
    parser.add_argument("--seconds", type=float, default=15.0, help="load per endpoint (default 15)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--out-dir", type=Path, default=common.RESULTS_DIR, help="where the record goes")
    parser.add_argument("--quick", action="store_true", help="2 s per endpoint")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("bench/http_load.py needs wrk: apt-get install wrk")
    seconds = 2.0 if args.quick else args.seconds
    record = common.header("http", argv, {"seconds": seconds, "connections": args.connections,
                                          "workers": args.workers, "load_generator": "wrk", "corpus": "corpus/"},
                           script="http_load")
    with tempfile.TemporaryDirectory(prefix="bench-http-") as scratch:
        work = Path(scratch)
        index_dir = build_index(work)
        script = work / "ask.lua"
        bodies = ", ".join(json.dumps(body) for body in ask_bodies())
        script.write_text(LUA.replace("{QUESTIONS}", "{" + bodies + "}"), encoding="utf-8")
        results: dict[str, Any] = {}
        for name, memory in (("asked_before", None), ("afresh", "0")):
            env = {"RATE_LIMIT_ASK": "off", "RATE_LIMIT_FEEDBACK": "off"} | ({"ANSWER_MEMORY": memory} if memory else {})
            server = Gunicorn(args.workers, index_dir, work / f"bench-{name}.sqlite3", work / f"gunicorn-{name}.log", env=env)
            with server:
                run_wrk(server.port, "/healthz", 1, args.connections, None)  # warm up both endpoints
                run_wrk(server.port, "/api/ask", 1, args.connections, script)
                health = run_wrk(server.port, "/healthz", seconds, args.connections, None)
                ask = run_wrk(server.port, "/api/ask", seconds, args.connections, script)
            ratio = (ask["requests_per_second"] / health["requests_per_second"]
                     if ask["requests_per_second"] and health["requests_per_second"] else None)
            results[name] = {"answer_memory": memory or "default", "healthz": health, "ask": ask,
                             "ask_over_healthz": round(ratio, 3) if ratio else None}
        split = in_process(index_dir, work / "in-process.sqlite3", 200 if args.quick else 2000)
    record["results"] = results | {"in_process": split}
    rows = [[f"{name}: {endpoint}", f"{r['requests_per_second']:.0f}", r["latency_ms"].get("p50"),
             r["latency_ms"].get("p99"), r["non_2xx"], r["socket_errors"]]
            for name, run in results.items() for endpoint, r in (("/healthz", run["healthz"]), ("/api/ask", run["ask"]))]
    print(common.table(rows, ["server: endpoint", "requests/s", "p50 ms", "p99 ms", "non-2xx", "socket errors"]))
    for name, run in results.items():
        ratio = run["ask_over_healthz"]
        print(f"{name}: /api/ask throughput = {ratio:.2f} x /healthz ({args.workers} gunicorn workers, "
              f"{args.connections} connections, {seconds:.0f} s each)" if ratio else f"{name}: no ratio")
    print(f"in one process (Flask's test client, ms per request): /healthz {split['healthz_ms']:.3f}, "
          f"/api/ask {split['ask_ms']:.3f} afresh and {split['ask_asked_before_ms']:.3f} asked before, "
          f"the answerer alone {split['answerer_ms']:.3f}, /api/ask with a fixed answer {split['ask_fixed_answer_ms']:.3f}")
    common.write_record("http", record, args.out_dir)
    return record


if __name__ == "__main__":
    main()
    sys.exit(0)
