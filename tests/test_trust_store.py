"""Feedback is never lost (issue 7): several gunicorn workers and many concurrent clients store every
row exactly once; SIGKILL in the middle of writing leaves a database that passes integrity_check with
every acknowledged row in it; a full disk or a locked database is a clear 503 while questions are
still answered."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from bench.soak import Gunicorn, request
from bot.store import sqlite_path

REPO = Path(__file__).resolve().parents[1]
JSON = {"Content-Type": "application/json"}
ANSWERABLE = ["how many instruments does the lander carry", "who is anna kovac", "why did the bank raise rates",
              "where did selene-2 land", "best pizza recipe"]


def post(port: int, path: str, body: dict) -> tuple[int, dict]:
    status, data = request(port, "POST", path, json.dumps(body).encode(), JSON)
    return status, json.loads(data)


def test_many_clients_on_three_gunicorn_workers_store_every_row_exactly_once(tiny_index_dir, tmp_path):
    database = tmp_path / "shared.sqlite3"
    server = Gunicorn(3, tiny_index_dir, database, tmp_path / "gunicorn.log",
                      env={"RATE_LIMIT_ASK": "off", "RATE_LIMIT_FEEDBACK": "off"})
    answered: list[str] = []
    acknowledged: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        for turn in range(12):
            status, answer = post(server.port, "/api/ask", {"question": f"{ANSWERABLE[turn % 5]} ({number}/{turn})"})
            if status != 200:
                failures.append(f"ask {status} {answer}")
                continue
            # A new connection: often another worker than the one that answered (and logged) it.
            status, stored = post(server.port, "/api/feedback", {"answer_id": answer["answer_id"],
                                                                  "helpful": turn % 2 == 0, "comment": f"c{number}"})
            with lock:
                answered.append(answer["answer_id"])
                if status == 201:
                    acknowledged.append(answer["answer_id"])
                else:
                    failures.append(f"feedback {status} {stored}")

    with server:
        assert len(server.worker_pids()) == 3
        threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert server.process.returncode == 0, server.log.read_text()[-2000:]
    assert not failures, failures[:5]
    assert len(answered) == len(acknowledged) == 16 * 12

    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        questions = Counter(row[0] for row in connection.execute("SELECT answer_id FROM questions"))
        feedback = Counter(row[0] for row in connection.execute("SELECT answer_id FROM feedback"))
    connection.close()
    assert set(questions) == set(answered) and set(questions.values()) == {1}  # every question logged once
    assert set(feedback) == set(acknowledged) and set(feedback.values()) == {1}  # every feedback stored once


WRITER = r"""
import sys
from bot.store import Store, new_answer_id
store = Store(sys.argv[1])
store.busy_timeout_ms = 5000
while True:
    answer_id = new_answer_id()
    store.log_question(answer_id, "why " * 50, None, {"passage_id": "moon:papers:1", "confidence": 0.9})
    if store.add_feedback(answer_id, True, "stored " * 20):
        print(answer_id, flush=True)  # acknowledged: it must survive the kill
"""


def test_sigkill_in_the_middle_of_writing_leaves_a_sound_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'killed.sqlite3'}"
    acknowledged: list[str] = []
    for delay in (0.3, 0.7, 0.15):  # three kills at different moments, the same file reopened each time
        process = subprocess.Popen([sys.executable, "-c", WRITER, url], cwd=REPO, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
        first = process.stdout.readline()  # it is writing
        time.sleep(delay)
        os.kill(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=10)
        assert process.returncode == -signal.SIGKILL, stderr
        acknowledged += (first + stdout).split()
    assert len(acknowledged) > 20, "the writer did not get going before it was killed"
    with sqlite3.connect(sqlite_path(url)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {row[0] for row in connection.execute("SELECT answer_id FROM feedback")}
        connection.execute("INSERT INTO feedback (answer_id, helpful, created_at) VALUES ('x', 1, 'now')")  # writable
    connection.close()
    assert set(acknowledged) <= stored


# ------------------------------------------------------------------ full disk and locked database
@pytest.fixture
def app(make_app):
    return make_app(RATE_LIMIT_ASK="off", RATE_LIMIT_FEEDBACK="off")


def fill_the_disk(store) -> None:
    """SQLite's max_page_count on this thread's connection: the next page it needs is "disk full"."""
    connection = store.connection()
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.execute(f"PRAGMA max_page_count = {pages}")


def test_a_full_disk_is_a_clear_503_for_feedback_and_questions_are_still_answered(app, client):
    store = app.extensions["store"]
    answer_id = client.post("/api/ask", json={"question": ANSWERABLE[0]}).get_json()["answer_id"]
    store.flush()
    fill_the_disk(store)
    padding = "a long comment that needs more pages " * 25
    statuses = []
    for _ in range(40):  # until the comments have filled the last free page
        response = client.post("/api/feedback", json={"answer_id": answer_id, "helpful": True, "comment": padding[:990]})
        statuses.append(response.status_code)
        if response.status_code != 201:
            break
    assert statuses[-1] == 503, statuses
    error = response.get_json()["error"]
    assert error["code"] == "feedback_unavailable" and "try again" in error["message"]
    assert "full" in error["message"]
    # Questions are still answered (their log rows wait on the writer thread, which drops what it cannot write).
    for question in ANSWERABLE:
        assert client.post("/api/ask", json={"question": question}).status_code == 200
    assert client.get("/", query_string={"q": ANSWERABLE[1]}).status_code == 200
    assert client.get("/healthz").status_code == 200


def test_a_locked_database_is_a_clear_503_for_the_page_form_too(app, client):
    store = app.extensions["store"]
    store.busy_timeout_ms = 100
    answer_id = client.post("/api/ask", json={"question": ANSWERABLE[0]}).get_json()["answer_id"]
    store.flush()
    locker = sqlite3.connect(sqlite_path(app.config["DATABASE_URL"]), isolation_level=None)
    try:
        locker.execute("BEGIN EXCLUSIVE")
        page = client.post("/feedback", data={"answer_id": answer_id, "helpful": "yes"})
        assert page.status_code == 503 and page.mimetype == "text/html"
        assert "try again" in page.get_data(as_text=True)
        started = time.monotonic()
        assert client.post("/api/ask", json={"question": ANSWERABLE[1]}).status_code == 200
        assert time.monotonic() - started < 2.0  # answering does not wait for the lock
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    store.flush()
    assert client.post("/api/feedback", json={"answer_id": answer_id, "helpful": True}).status_code == 201


def test_a_database_folder_that_cannot_be_made_is_a_clear_503_and_the_log_writer_survives(make_app, tmp_path, caplog):
    # A file where DATABASE_URL's folder should be (or a read-only parent): feedback was a 500 with a
    # traceback, and the question-log writer thread died on every batch without counting what it lost.
    blocker = tmp_path / "srv"
    blocker.write_text("not a folder")
    app = make_app(DATABASE_URL=f"sqlite:///{blocker / 'bot' / 'bot.sqlite3'}")
    client = app.test_client()
    store = app.extensions["store"]
    answer = client.post("/api/ask", json={"question": ANSWERABLE[0]})
    assert answer.status_code == 200
    store.flush()
    assert store.dropped == 1
    health = client.get("/healthz")  # answering goes on; monitoring sees the rows lost
    assert health.status_code == 200 and health.get_json()["question_log_dropped"] == 1
    assert health.get_json()["database"] == "failing" and "cannot create the database's folder" in health.get_json()["database_error"]
    feedback = client.post("/api/feedback", json={"answer_id": answer.get_json()["answer_id"], "helpful": True})
    assert feedback.status_code == 503
    error = feedback.get_json()["error"]
    # The reader is told why in general terms; the server's folders are for its log, not for anyone who asks.
    assert error["code"] == "feedback_unavailable" and "cannot create the database's folder" in error["message"]
    assert str(tmp_path) not in error["message"]
    assert str(blocker / "bot") in caplog.text
    page = client.post("/feedback", data={"answer_id": answer.get_json()["answer_id"], "helpful": "yes"})
    assert page.status_code == 503 and page.mimetype == "text/html"
    # Once the folder can be made, the same server logs questions and stores feedback again.
    blocker.unlink()
    answer_id = client.post("/api/ask", json={"question": ANSWERABLE[1]}).get_json()["answer_id"]
    store.flush()
    assert store.question(answer_id)["question"] == ANSWERABLE[1]
    assert client.get("/healthz").get_json()["database"] == "ok" and "database_error" not in client.get("/healthz").get_json()
    assert client.post("/api/feedback", json={"answer_id": answer_id, "helpful": False}).status_code == 201
