"""Soak: gunicorn with 2 workers on loopback under a few hundred mixed requests a second for minutes.

    python bench/soak.py                 # 3 minutes
    python bench/soak.py --seconds 600   # longer
    python bench/soak.py --quick         # 10 seconds (tests/test_trust_soak.py runs this)

The script builds an index from the bundled corpus into a temporary folder, starts gunicorn on a free
port of 127.0.0.1 (nothing else is ever contacted), sends questions, feedback on the answers it got and
bad input (invalid JSON, empty and oversized questions, wrong types, unknown answers, unknown paths)
from a pool of threads, stops the server, and counts rows in its SQLite file. It prints three figures:

* server errors: responses with a 5xx status (and connections refused or cut, counted apart),
* lost feedback: feedback the server acknowledged (201) that is not in the database exactly once,
* memory: the workers' resident memory after warming up and at the end.

One JSON record per run goes to bench/results/soak-<timestamp>.json. The rate limits are raised
for the run (every request comes from one address); their own tests live in tests/test_trust_access.py.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

try:
    from common import ROOT, header, summarize, write_record
except ImportError:  # imported as bench.soak
    from bench.common import ROOT, header, summarize, write_record

JSON = {"Content-Type": "application/json"}


# ---------------------------------------------------------------- the server
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_kb(pid: int) -> int | None:
    """Resident memory of a process in KiB (Linux /proc), None if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class Gunicorn:
    """`gunicorn -w N 'web:create_app()'` on 127.0.0.1, started and stopped by us."""

    def __init__(self, workers: int, index_dir: Path, database: Path, log: Path, env: dict[str, str] | None = None,
                 threads: int = 1) -> None:
        self.workers = workers
        self.threads = threads
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {**os.environ, "INDEX_DIR": str(index_dir), "DATABASE_URL": f"sqlite:///{database}",
                    "PYTHONUNBUFFERED": "1", **(env or {})}
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> Gunicorn:
        command = [sys.executable, "-m", "gunicorn", "-w", str(self.workers), "--threads", str(self.threads),
                   "-b", f"127.0.0.1:{self.port}", "--graceful-timeout", "20", "--timeout", "60",
                   "web:create_app()"]
        self._log_file = open(self.log, "w", encoding="utf-8")  # closed in stop()
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self._log_file,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                    if response.status == 200 and len(self.worker_pids()) == self.workers:
                        return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not become healthy in {timeout}s: {self.log.read_text()[-2000:]}")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        except OSError:
            return []
        return sorted(int(pid) for pid in children)

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM (workers finish their requests and write their queued log rows), then wait."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()
        return self.process.returncode

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


# ---------------------------------------------------------------- the clients
def request(port: int, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """One request on a fresh connection (gunicorn's sync workers close each one): (status, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def bad_inputs(rng: random.Random) -> tuple[str, str, bytes | None, dict[str, str]]:
    """(kind, method, path, body) of a request that must get a 4xx, never a 5xx."""
    choice = rng.randrange(9)
    if choice == 0:
        return "bad:invalid_json", "POST", "/api/ask", b'{"question": "why', JSON
    if choice == 1:
        return "bad:empty", "POST", "/api/ask", json.dumps({"question": "   "}).encode(), JSON
    if choice == 2:
        return "bad:too_long", "POST", "/api/ask", json.dumps({"question": "why " * 400}).encode(), JSON
    if choice == 3:
        return "bad:too_large", "POST", "/api/ask", b'{"question": "' + b"x" * 70_000 + b'"}', JSON
    if choice == 4:
        return "bad:wrong_type", "POST", "/api/feedback", json.dumps({"answer_id": 7, "helpful": "yes"}).encode(), JSON
    if choice == 5:
        return "bad:unknown_answer", "POST", "/api/feedback", json.dumps(
            {"answer_id": f"{rng.getrandbits(128):032x}", "helpful": True}).encode(), JSON
    if choice == 6:
        return "bad:not_json", "POST", "/api/ask", b"question=why", {"Content-Type": "application/x-www-form-urlencoded"}
    if choice == 7:
        return "bad:unknown_path", "GET", "/api/nothing/" + "%00<script>", None, {}
    return "bad:invalid_utf8", "POST", "/api/ask", b'{"question": "\xff\xfe why"}', JSON


class Load:
    """Threads asking, giving feedback on their own answers (once each) and sending bad input."""

    def __init__(self, port: int, questions: Sequence[str], explainers: Sequence[str], seed: int = 7) -> None:
        self.port = port
        self.questions = list(questions)
        self.explainers = list(explainers)
        self.seed = seed
        self.lock = threading.Lock()
        self.statuses: Counter[str] = Counter()  # "kind status" -> count
        self.server_errors: list[str] = []
        self.connection_errors: Counter[str] = Counter()
        self.answered: list[str] = []  # answer ids of 200 answers
        self.feedback_stored: list[str] = []  # answer ids the server acknowledged with 201
        self.latencies: list[float] = []

    def record(self, kind: str, status: int, seconds: float, body: bytes) -> None:
        with self.lock:
            self.statuses[f"{kind} {status}"] += 1
            self.latencies.append(seconds)
            if status >= 500:
                self.server_errors.append(f"{kind} {status} {body[:200]!r}")

    def worker(self, number: int, deadline: float) -> None:
        rng = random.Random(self.seed * 1000 + number)
        mine: list[str] = []  # answers this client has not yet rated
        while time.monotonic() < deadline:
            roll = rng.random()
            if roll < 0.25 and mine:
                kind, method, path = "feedback", "POST", "/api/feedback"
                answer_id = mine.pop(rng.randrange(len(mine)))
                comment = rng.choice([None, "thanks", "not what I asked", "<b>meh</b> 🙃"])
                body = json.dumps({"answer_id": answer_id, "helpful": rng.random() < 0.6, "comment": comment}).encode()
                headers = JSON
            elif roll < 0.8:
                kind, method, path, answer_id, headers = "ask", "POST", "/api/ask", None, JSON
                question = rng.choice(self.questions)
                payload: dict[str, Any] = {"question": question}
                if rng.random() < 0.3:
                    payload["explainer"] = rng.choice(self.explainers)
                if rng.random() < 0.2:
                    payload["history"] = [rng.choice(self.questions)]
                body = json.dumps(payload).encode()
            elif roll < 0.85:
                kind, method, path, body, headers, answer_id = "read", "GET", rng.choice(
                    ["/api/explainers", "/healthz", f"/api/explainers/{rng.choice(self.explainers)}"]), None, {}, None
            else:
                (kind, method, path, body, headers), answer_id = bad_inputs(rng), None
            started = time.monotonic()
            try:
                status, data = request(self.port, method, path, body, headers)
            except (OSError, http.client.HTTPException) as error:
                with self.lock:
                    self.connection_errors[f"{kind} {type(error).__name__}"] += 1
                continue
            self.record(kind, status, time.monotonic() - started, data)
            if kind == "ask" and status == 200:
                answer = json.loads(data)
                mine.append(answer["answer_id"])
                with self.lock:
                    self.answered.append(answer["answer_id"])
            elif kind == "feedback" and status == 201:
                with self.lock:
                    self.feedback_stored.append(answer_id)

    def run(self, seconds: float, clients: int) -> float:
        deadline = time.monotonic() + seconds
        threads = [threading.Thread(target=self.worker, args=(n, deadline), daemon=True) for n in range(clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - started


# ---------------------------------------------------------------- counting
def count_rows(database: Path, answered: Sequence[str], rated: Sequence[str]) -> dict[str, int]:
    """Rows in the database against what the server acknowledged; the file must pass integrity_check."""
    connection = sqlite3.connect(database)
    try:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        questions = {row[0] for row in connection.execute("SELECT answer_id FROM questions")}
        feedback = Counter(row[0] for row in connection.execute("SELECT answer_id FROM feedback"))
    finally:
        connection.close()
    rated_set = set(rated)
    return {
        "integrity_check_ok": int(integrity == "ok"),
        "questions_answered": len(answered),
        "questions_logged": len(set(answered) & questions),
        "questions_lost": len(set(answered) - questions),
        "feedback_acknowledged": len(rated),
        "feedback_rows": sum(feedback[a] for a in rated_set),
        "feedback_lost": sum(1 for a in rated_set if feedback[a] == 0),
        "feedback_duplicated": sum(feedback[a] - 1 for a in rated_set if feedback[a] > 1),
        "feedback_unacknowledged_rows": sum(n for a, n in feedback.items() if a not in rated_set),
    }


def corpus_questions() -> tuple[list[str], list[str]]:
    questions, explainers = [], []
    for path in sorted((ROOT / "corpus" / "eval").glob("*.jsonl")):
        explainers.append(path.stem)
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                questions.append(json.loads(line)["question"])
    questions += ["who won the match", "best pizza recipe", "¿qué pasó?", "这是什么", "<script>alert(1)</script> why"]
    return questions, explainers


def build_index(folder: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from bot import bundle
    from bot.confidence import ConfidenceModel
    from bot.corpus import load_corpus

    corpus = load_corpus(ROOT / "corpus")
    return bundle.save(bundle.build(corpus, model=ConfidenceModel.default()), folder / "index", corpus.fingerprint())


def soak(seconds: float, clients: int, workers: int, warmup: float, work_dir: Path) -> dict[str, Any]:
    index_dir = build_index(work_dir)
    database = work_dir / "soak.sqlite3"
    server = Gunicorn(workers, index_dir, database, work_dir / "gunicorn.log",
                      env={"RATE_LIMIT_ASK": "1000000/minute", "RATE_LIMIT_FEEDBACK": "1000000/minute"})
    questions, explainers = corpus_questions()
    load = Load(server.port, questions, explainers)
    with server:
        pids = server.worker_pids()
        boot = {pid: rss_kb(pid) for pid in pids}
        load.run(min(warmup, seconds / 4), clients)  # first requests load code paths and fill caches
        warm = {pid: rss_kb(pid) for pid in pids}
        # Two halves: memory that levels off grows in the first (caches filling) and not in the second.
        elapsed = load.run(seconds / 2, clients)
        middle = {pid: rss_kb(pid) for pid in server.worker_pids()}
        elapsed += load.run(seconds / 2, clients)
        end = {pid: rss_kb(pid) for pid in server.worker_pids()}
        respawned = sorted(set(server.worker_pids()) - set(pids))
    exit_code = server.process.returncode if server.process else None
    rows = count_rows(database, load.answered, load.feedback_stored)
    requests = sum(load.statuses.values())
    warm_total = sum(v for v in warm.values() if v)
    end_total = sum(end.get(pid) or 0 for pid in pids)
    middle_total = sum(middle.get(pid) or 0 for pid in pids)
    return {
        "requests": requests,
        "seconds": round(elapsed, 1),
        "requests_per_second": round(requests / max(elapsed, 1e-9), 1),
        "server_errors": len(load.server_errors),
        "server_error_samples": load.server_errors[:5],
        "connection_errors": sum(load.connection_errors.values()),
        "connection_error_kinds": dict(load.connection_errors),
        "statuses": dict(sorted(load.statuses.items())),
        **rows,
        "memory": {
            "workers": [{"pid": pid, "rss_boot_kb": boot.get(pid), "rss_warm_kb": warm.get(pid), "rss_end_kb": end.get(pid)}
                        for pid in pids],
            "rss_warm_kb": warm_total, "rss_end_kb": end_total,
            "growth_kb": end_total - warm_total,
            "growth_pct": round(100.0 * (end_total - warm_total) / warm_total, 2) if warm_total else None,
            "rss_middle_kb": middle_total,
            "second_half_growth_pct": round(100.0 * (end_total - middle_total) / middle_total, 2) if middle_total else None,
            "workers_respawned": respawned,
        },
        "latency": summarize(load.latencies) if load.latencies else None,
        "gunicorn_exit_code": exit_code,
    }


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180.0, help="how long to load the server (default 180)")
    parser.add_argument("--quick", action="store_true", help="10 seconds (for the test suite)")
    parser.add_argument("--clients", type=int, default=12, help="client threads (default 12)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds of load before memory is measured (default 10)")
    parser.add_argument("--out-dir", type=Path, default=None, help="where the JSON record goes (default bench/results)")
    args = parser.parse_args(argv)
    seconds = 10.0 if args.quick else args.seconds
    warmup = 2.0 if args.quick else args.warmup
    params = {"seconds": seconds, "clients": args.clients, "workers": args.workers, "warmup": warmup,
              "quick": args.quick, "mix": "55% ask, 25% feedback on own answers, 5% reads, 15% bad input"}
    with tempfile.TemporaryDirectory(prefix="soak-") as folder:
        results = soak(seconds, args.clients, args.workers, warmup, Path(folder))
    record = {**header("soak", list(argv if argv is not None else sys.argv[1:]), params), "results": results}
    memory = results["memory"]
    print(f"{results['requests']} requests in {results['seconds']}s ({results['requests_per_second']}/s) "
          f"from {args.clients} clients to {args.workers} gunicorn workers")
    print(f"5xx responses:  {results['server_errors']} (connection errors: {results['connection_errors']})")
    print(f"lost feedback:  {results['feedback_lost']} of {results['feedback_acknowledged']} acknowledged "
          f"(duplicated: {results['feedback_duplicated']}; question log rows lost: {results['questions_lost']})")
    print(f"worker memory:  {memory['rss_warm_kb'] / 1024:.1f} MiB after warm-up -> {memory['rss_end_kb'] / 1024:.1f} MiB "
          f"at the end ({memory['growth_pct']:+.2f}%; second half {memory['second_half_growth_pct']:+.2f}%)"
          if memory["growth_pct"] is not None else "worker memory: unknown")
    write_record("soak", record, args.out_dir)
    return record


if __name__ == "__main__":
    main()
