"""Scale out (issue 6): two servers, each with two gunicorn workers, sharing one built index and one
database URL, answer identically, and a reader who asks on one and gives feedback on the other has it
stored exactly once."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections import Counter

from bench.soak import Gunicorn, request

JSON = {"Content-Type": "application/json"}
QUESTIONS = ["how many instruments does the lander carry", "who is anna kovac", "why did the bank raise rates",
             "where did selene-2 land", "best pizza recipe", "why?"]


def post(port: int, path: str, body: dict) -> tuple[int, dict]:
    status, data = request(port, "POST", path, json.dumps(body).encode(), JSON)
    return status, json.loads(data)


def comparable(answer: dict) -> dict:
    return {key: value for key, value in answer.items() if key != "answer_id"}


def test_two_servers_share_the_index_and_the_database(tiny_index_dir, tmp_path):
    database = tmp_path / "shared.sqlite3"
    env = {"RATE_LIMIT_ASK": "off", "RATE_LIMIT_FEEDBACK": "off"}
    first = Gunicorn(2, tiny_index_dir, database, tmp_path / "first.log", env=env)
    second = Gunicorn(2, tiny_index_dir, database, tmp_path / "second.log", env=env)
    answered: list[str] = []
    acknowledged: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()

    with first, second:
        # The same question gets the same answer from either server (the client sends the history).
        for question in QUESTIONS:
            body = {"question": question, "history": ["what is the new interest rate"]}
            one, two = post(first.port, "/api/ask", body), post(second.port, "/api/ask", body)
            assert one[0] == two[0] == 200
            assert comparable(one[1]) == comparable(two[1])
            answered.extend([one[1]["answer_id"], two[1]["answer_id"]])

        def reader(number: int) -> None:
            for turn in range(8):
                ask_on, tell_on = (first, second) if (number + turn) % 2 else (second, first)
                status, answer = post(ask_on.port, "/api/ask", {"question": f"{QUESTIONS[turn % 5]} {number}-{turn}"})
                if status != 200:
                    failures.append(f"ask {status}")
                    continue
                status, _ = post(tell_on.port, "/api/feedback", {"answer_id": answer["answer_id"], "helpful": True})
                with lock:
                    answered.append(answer["answer_id"])
                    (acknowledged if status == 201 else failures).append(answer["answer_id"] if status == 201 else f"feedback {status}")

        threads = [threading.Thread(target=reader, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert not failures, failures[:5]
    assert len(acknowledged) == 8 * 8
    with sqlite3.connect(database) as connection:
        questions = Counter(row[0] for row in connection.execute("SELECT answer_id FROM questions"))
        feedback = Counter(row[0] for row in connection.execute("SELECT answer_id FROM feedback"))
    connection.close()
    assert set(questions) == set(answered) and set(questions.values()) == {1}
    assert set(feedback) == set(acknowledged) and set(feedback.values()) == {1}


def test_an_editor_rebuild_reaches_every_gunicorn_worker(tiny_index_dir, tmp_path):
    # The rebuild runs in one worker; it is saved to INDEX_DIR and the other worker loads it from there.
    import shutil

    from tiny_corpus import write_corpus

    index_dir = shutil.copytree(tiny_index_dir, tmp_path / "index")
    corpus_dir = write_corpus(tmp_path / "corpus")
    token = "scale-out-editor-token"
    editor = {**JSON, "Authorization": f"Bearer {token}"}
    env = {"RATE_LIMIT_ASK": "off", "RATE_LIMIT_FEEDBACK": "off", "EDITOR_TOKEN": token,
           "CORPUS_DIR": str(corpus_dir), "INDEX_CHECK_SECONDS": "0.2"}
    with Gunicorn(2, index_dir, tmp_path / "db.sqlite3", tmp_path / "gunicorn.log", env=env) as server:
        def fingerprints(count: int) -> set[str]:
            seen: list[str] = []
            threads = [threading.Thread(target=lambda: seen.append(json.loads(
                request(server.port, "GET", "/healthz")[1])["fingerprint"])) for _ in range(count)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            return set(seen)

        before = fingerprints(16)
        assert len(before) == 1
        decision = {"action": "out_of_scope", "items": [{"question": "who is anna kovac"}]}
        status, _ = request(server.port, "POST", "/editor/api/review/actions", json.dumps(decision).encode(), editor)
        assert status == 200
        status, body = request(server.port, "POST", "/editor/api/rebuild", b"{}", editor)
        rebuilt = json.loads(body)
        assert status == 200 and rebuilt["saved_to"] == str(index_dir)
        assert rebuilt["index_fingerprint"] not in before
        time.sleep(0.5)
        assert fingerprints(32) == {rebuilt["index_fingerprint"]}
        _, answer = post(server.port, "/api/ask", {"question": "who is anna kovac"})
        assert answer["abstained"]
