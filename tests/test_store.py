"""The question log and feedback store (bot/store.py): URLs, WAL, the background writer, threads."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from bot.review import ReviewLog, labelled_questions
from bot.store import Store, new_answer_id, sqlite_path


@pytest.mark.parametrize(("url", "path"), [
    ("sqlite:///bot.sqlite3", "bot.sqlite3"),
    ("sqlite:///instance/bot.sqlite3", "instance/bot.sqlite3"),
    ("sqlite:////var/lib/bot/bot.sqlite3", "/var/lib/bot/bot.sqlite3"),
    ("sqlite:///:memory:", ":memory:"),
])
def test_sqlite_urls(url, path):
    assert sqlite_path(url) == path


@pytest.mark.parametrize("url", ["postgresql://db/bot", "sqlite://host/bot.db", "sqlite:///", "bot.sqlite3"])
def test_unsupported_urls_say_how_to_write_one(url):
    with pytest.raises(ValueError, match="sqlite:///"):
        sqlite_path(url)


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'sub' / 'log.sqlite3'}")
    yield store
    store.close()


ANSWER = {"passage_id": "moon:papers:1", "confidence": 0.8, "abstained": False,
          "alternative_hits": [{"passage_id": "moon:summary:1", "score": 0.4}]}


def test_questions_are_written_in_the_background_and_flushed(store, tmp_path):
    answer_id = new_answer_id()
    store.log_question(answer_id, "how many instruments", "moon", ANSWER)
    assert store.flush()
    record = store.question(answer_id)
    assert record["question"] == "how many instruments" and record["explainer_id"] == "moon"
    assert [p["passage_id"] for p in record["top_passages"]] == ["moon:papers:1", "moon:summary:1"]
    assert (tmp_path / "sub" / "log.sqlite3").exists()


def test_close_writes_what_is_queued(tmp_path):
    url = f"sqlite:///{tmp_path / 'close.sqlite3'}"
    store = Store(url)
    ids = [new_answer_id() for _ in range(50)]
    for answer_id in ids:
        store.log_question(answer_id, "q", None, ANSWER)
    store.close()
    with sqlite3.connect(sqlite_path(url)) as connection:
        assert connection.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 50
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()


def test_feedback_needs_a_logged_answer(store):
    answer_id = new_answer_id()
    assert store.add_feedback(answer_id, True) is False
    store.log_question(answer_id, "q", None, ANSWER)
    assert store.add_feedback(answer_id, True, "clear") is True  # waits for the queued log row
    assert [(f["helpful"], f["comment"]) for f in store.feedback(answer_id)] == [(True, "clear")]


def test_many_threads_share_one_store(store):
    ids = [[new_answer_id() for _ in range(20)] for _ in range(6)]

    def work(batch):
        for answer_id in batch:
            store.log_question(answer_id, "q", None, ANSWER)
            assert store.add_feedback(answer_id, False) is True

    threads = [threading.Thread(target=work, args=(batch,)) for batch in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store.flush()
    assert all(len(store.feedback(answer_id)) == 1 for batch in ids for answer_id in batch)


def test_a_write_refused_as_locked_is_tried_again(tmp_path):
    # SQLite in WAL mode may refuse a writer at once (a stale snapshot) rather than after the busy
    # timeout: editors' writes try again instead of failing (seen once under load in CI).
    import sqlite3

    from bot.store import Store

    store = Store(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise sqlite3.OperationalError("database is locked")
        return "written"

    assert store.retrying(flaky) == "written" and len(calls) == 3
    try:
        store.retrying(lambda: (_ for _ in ()).throw(sqlite3.OperationalError("no such table: x")))
    except sqlite3.OperationalError as error:
        assert "no such table" in str(error)  # other errors are not retried
    else:
        raise AssertionError("expected the error to pass through")
    store.close()


def test_queued_rows_share_a_transaction_and_a_bad_row_drops_alone(store):
    # The writer takes what has gathered in one transaction (issue 6); a row SQLite cannot encode
    # (a lone surrogate) must cost only itself, not the batch it came with.
    good = [new_answer_id() for _ in range(30)]
    bad = new_answer_id()
    for position, answer_id in enumerate(good):
        store.log_question(answer_id, "fine question", None, ANSWER)
        if position == 10:
            store.log_question(bad, "broken \ud800 question", None, ANSWER)
    assert store.flush()
    assert all(store.question(answer_id) is not None for answer_id in good)
    assert store.question(bad) is None
    assert store.dropped == 1


def test_a_flush_does_not_wait_out_the_writers_linger(tmp_path):
    # Feedback flushes the log to find its answer's row: the writer's wait for more rows must end then.
    store = Store(f"sqlite:///{tmp_path / 'linger.sqlite3'}")
    store.WRITE_LINGER = 30.0
    try:
        answer_id = new_answer_id()
        store.log_question(answer_id, "q", None, ANSWER)
        assert store.flush(timeout=10.0)
        assert store.question(answer_id) is not None
    finally:
        store.close()


def test_rows_queued_faster_than_the_writer_writes_are_written_by_the_thread_queuing_them(tmp_path):
    # A thread answering without pause starved the writer of the GIL: at some 2,500 questions a second in
    # one process its queue overflowed and rows were dropped.  Past HELP_AT queued rows, the thread that
    # queues one writes a batch itself.  Here the writer lingers (holding its first row) as a starved one would.
    store = Store(f"sqlite:///{tmp_path / 'busy.sqlite3'}")
    store.WRITE_LINGER = 30.0
    try:
        ids = [new_answer_id() for _ in range(store.HELP_AT + store.WRITE_BATCH + 7)]
        for answer_id in ids:
            store.log_question(answer_id, "q", None, ANSWER)
        with sqlite3.connect(store.path) as reader:  # before the writer has written anything
            written = reader.execute("SELECT COUNT(*) FROM questions").fetchone()[0]
        assert written >= store.WRITE_BATCH and store._queue.qsize() < store.HELP_AT
        assert store.flush(timeout=10.0)
        with sqlite3.connect(store.path) as reader:
            assert reader.execute("SELECT COUNT(*), COUNT(DISTINCT answer_id) FROM questions").fetchone() == (len(ids), len(ids))
        assert store.dropped == 0
    finally:
        store.close()


def test_a_batch_is_written_in_statements_of_many_rows_and_loses_none(store):
    # Rows go in multi-row INSERTs of ROWS_PER_STATEMENT (one GIL release each): full ones and a remainder.
    ids = [new_answer_id() for _ in range(2 * store.ROWS_PER_STATEMENT + 7)]
    store._insert_questions([(answer_id, "2026-01-01T00:00:00Z", f"question {n}", None, "x:summary:1", "[]", 0.5, 0,
                              None, "text") for n, answer_id in enumerate(ids)])
    assert [store.question(answer_id)["question"] for answer_id in ids] == [f"question {n}" for n in range(len(ids))]


def test_a_follow_up_is_logged_with_the_earlier_question_it_was_answered_with(store):
    # Defect: the log kept "why?" alone, so an editor could not tell what a reader's follow-up asked.
    follow_up, standalone = new_answer_id(), new_answer_id()
    store.log_question(follow_up, "why?", "moon", {**ANSWER, "context_used": "why is the south pole interesting"})
    store.log_question(standalone, "why is the south pole interesting", "moon", {**ANSWER, "context_used": None})
    assert store.flush()
    assert store.question(follow_up)["previous_question"] == "why is the south pole interesting"
    assert store.question(standalone)["previous_question"] is None


# The tables as the first release made them, before the earlier turn of a follow-up was kept.
OLD_SCHEMA = """
CREATE TABLE questions (answer_id TEXT PRIMARY KEY, asked_at TEXT NOT NULL, question TEXT NOT NULL,
    explainer_id TEXT, passage_id TEXT, top_passages TEXT NOT NULL, confidence REAL NOT NULL, abstained INTEGER NOT NULL);
CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, answer_id TEXT NOT NULL REFERENCES questions(answer_id),
    helpful INTEGER NOT NULL, comment TEXT, created_at TEXT NOT NULL);
CREATE INDEX feedback_answer ON feedback(answer_id);
CREATE TABLE review_actions (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, editor TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('label', 'phrasing', 'out_of_scope')), question TEXT NOT NULL,
    answer_id TEXT, passage_id TEXT, explainer_id TEXT, exported_at TEXT);
INSERT INTO questions VALUES ('old-1', '2026-01-01T00:00:00Z', 'who won the cup', NULL, NULL, '[]', 0.1, 1);
INSERT INTO feedback (answer_id, helpful, comment, created_at) VALUES ('old-1', 0, 'no idea', '2026-01-01T00:00:01Z');
INSERT INTO review_actions (created_at, editor, action, question) VALUES ('2026-01-02T00:00:00Z', 'Ann', 'out_of_scope', 'price of gold');
"""


def test_a_database_of_the_first_release_gains_the_new_columns_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.executescript(OLD_SCHEMA)
    connection.close()
    store = Store(f"sqlite:///{path}")
    try:
        assert store.question("old-1")["previous_question"] is None  # the old row, read as before
        answer_id = new_answer_id()
        store.log_question(answer_id, "why?", None, {**ANSWER, "context_used": "who won the cup"})
        assert store.flush() and store.dropped == 0
        assert store.question(answer_id)["previous_question"] == "who won the cup"
        assert store.add_feedback(answer_id, False, "wrong")
        reviews = ReviewLog(store)
        queued = {g["question"]: g for g in reviews.queue(threshold=0.5)}
        assert queued["who won the cup"]["items"][0]["comments"] == ["no idea"]
        assert queued["why?"]["previous_question"] == "who won the cup"
        saved = reviews.record_all("label", [{"question": "why?", "previous_question": "who won the cup"}], "Ann",
                                   passage_id="moon:papers:1")
        assert saved[0]["previous_question"] == "who won the cup"
        assert [(q.question, q.context) for q in labelled_questions(reviews.actions())] == [
            ("price of gold", ()), ("why?", ("who won the cup",))]
    finally:
        store.close()
    with sqlite3.connect(path) as connection:  # opened again: nothing to add, nothing lost
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    connection.close()
    again = Store(f"sqlite:///{path}")
    try:
        assert again.question("old-1")["question"] == "who won the cup"
        assert again.question(answer_id)["previous_question"] == "who won the cup"
    finally:
        again.close()


def test_a_first_connection_waits_while_another_holds_the_new_database(tmp_path):
    # Defect (seen in CI, about 1 start in 30 when tried in a loop): the question-log writer and a request
    # opening the same new database at once; one turning it to WAL while the other wrote was refused at once
    # ("database is locked"), not after the busy timeout, and a reader's first read failed.
    path = tmp_path / "db.sqlite3"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE readers (x)")
    other.execute("BEGIN IMMEDIATE")  # another process writing, the database not yet in WAL mode
    threading.Timer(0.2, lambda: other.execute("COMMIT")).start()
    store = Store(f"sqlite:///{path}")
    try:
        assert store.feedback("a" * 32) == []
    finally:
        store.close()
        other.close()
