"""The question log and readers' feedback, in SQLite.

Logging a question never holds up its answer: rows go on a queue that one background thread
writes. Feedback is written at once, so a reader is told only what was really stored. Nothing
personal is kept: no IP addresses, no cookies, no user agents.

A deployment with several servers points them all at one database file with the same URL.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

T = TypeVar("T")

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    answer_id TEXT PRIMARY KEY,
    asked_at TEXT NOT NULL,
    question TEXT NOT NULL,
    explainer_id TEXT,
    passage_id TEXT,
    top_passages TEXT NOT NULL,
    confidence REAL NOT NULL,
    abstained INTEGER NOT NULL,
    previous_question TEXT,
    answer_text TEXT
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    answer_id TEXT NOT NULL REFERENCES questions(answer_id),
    helpful INTEGER NOT NULL,
    comment TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_answer ON feedback(answer_id);
CREATE INDEX IF NOT EXISTS questions_asked_at ON questions(asked_at);
"""

# Columns added to tables after their first release, as (table, column, type). A database made by an
# older version gains them, nullable, when a store opens it; its rows hold NULL there.
ADDED_COLUMNS = (
    ("questions", "previous_question", "TEXT"),  # the earlier turn a follow-up was answered with
    ("questions", "answer_text", "TEXT"),  # what the reader read: the answer's sentence, or the "I don't know"
)

_STOP = object()


def _is_control(item: object) -> bool:
    """A queue item that is not a row: the stop sign, or a flush's event."""
    return item is _STOP or isinstance(item, threading.Event)


def public_reason(error: BaseException) -> str:
    """Why a write failed, as a reader or /healthz is told it: without the server's folders, which the log names."""
    return getattr(error, "public", None) or str(error)


def lenient_text(raw: bytes) -> str:
    """Text the question log holds, read with any bytes that are not UTF-8 (another program writing the file) as
    U+FFFD: one odd question is shown as such rather than failing the page that lists it."""
    return raw.decode("utf-8", "replace")


@contextlib.contextmanager
def lenient_reads(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """`connection` reading its text with `lenient_text` while the block runs, as it read before afterwards."""
    decode, connection.text_factory = connection.text_factory, lenient_text
    try:
        yield connection
    finally:
        connection.text_factory = decode


class StoreError(RuntimeError):
    """The database cannot be written now (locked, full, unreachable); try again later."""


def sqlite_path(database_url: str) -> str:
    """`sqlite:///relative/or/absolute.db` (or `sqlite:////abs.db`, or `sqlite:///:memory:`) -> a path."""
    parts = urlsplit(database_url)
    if parts.scheme != "sqlite":
        raise ValueError(f"DATABASE_URL {database_url!r} is not supported; use sqlite:///path/to/file.sqlite3")
    path = unquote(parts.path)
    if parts.netloc:
        raise ValueError(f"DATABASE_URL {database_url!r} has a host; write sqlite:///path (three slashes)")
    if not path or path == "/":
        raise ValueError(f"DATABASE_URL {database_url!r} names no file; write sqlite:///path/to/file.sqlite3")
    path = path[1:] if path.startswith("/") else path  # sqlite:///x -> "x"; sqlite:////abs -> "/abs"
    return path


def add_missing_columns(connection: sqlite3.Connection, columns: Sequence[tuple[str, str, str]]) -> None:
    """`ALTER TABLE ... ADD COLUMN` for each (table, column, type) the database lacks. Two processes opening
    an old database at once may both try: the one that comes second finds the column there."""
    for table, column, declaration in columns:
        present = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        if column in present:
            continue
        try:
            connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
        except sqlite3.OperationalError as error:
            if "duplicate column" not in str(error):
                raise


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def new_answer_id() -> str:
    """32 hex digits: the time in milliseconds (12), then 80 random bits (20). The time lets feedback on
    a fresh answer wait for its log row, which another server process may not have written yet."""
    return f"{time.time_ns() // 1_000_000:012x}{os.urandom(10).hex()}"


def _issued_within(answer_id: str, seconds: float) -> bool:
    """Whether `answer_id` reads as one of ours issued in the last `seconds` (False for any other string)."""
    try:
        issued_ms = int(answer_id[:12], 16) if len(answer_id) == 32 else -1
    except ValueError:
        return False
    return 0 <= time.time() * 1000 - issued_ms <= seconds * 1000


class Store:
    """The question log and feedback in one SQLite file (WAL mode, tables created on first use).

    Safe across threads (a connection per thread) and processes (SQLite's locking, with a busy timeout).
    """

    def __init__(self, database_url: str, busy_timeout_ms: int = 2000, queue_size: int = 10_000) -> None:
        self.database_url = database_url
        self.path = sqlite_path(database_url)
        self.busy_timeout_ms = busy_timeout_ms
        self.queue_size = queue_size
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._schema_ready = False
        self._pid = -1
        self._queue: queue.Queue[Any] = queue.Queue()
        self._hurry = threading.Event()  # set by a flush or a stop: the writer stops lingering
        self._controls = 0  # flushes and stops queued and not yet acted on: while any is, the writer never lingers
        self._helping = threading.Lock()  # held by a thread writing a batch for a writer that fell behind
        self._writer: threading.Thread | None = None
        self.dropped = 0  # question-log rows lost to a full queue or a failing database
        self.last_write_error: str | None = None  # why the latest question-log write failed (no paths: /healthz shows it); None once one succeeds
        self.feedback_wait = 2.0  # seconds feedback waits for a fresh answer's row from another process

    # ------------------------------------------------------------ connections
    def _connect(self) -> sqlite3.Connection:
        if self.path != ":memory:":
            folder = Path(self.path).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:  # a read-only disk, or a file in the way: as unavailable as a locked database
                failed = sqlite3.OperationalError(f"cannot create the database's folder {folder}: "
                                                  f"{error.strerror or error}")
                failed.public = f"cannot create the database's folder: {error.strerror or error}"
                raise failed from None
        # check_same_thread=False only so that close() may close every thread's connection at the end.
        connection = sqlite3.connect(self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None,
                                     check_same_thread=False)
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            # Two threads or processes opening a new database at once: while one turns it to WAL and makes the
            # tables, the other is refused at once ("database is locked"), not after the busy timeout.
            if self.path != ":memory:":
                self.retrying(lambda: connection.execute("PRAGMA journal_mode = WAL"))
                connection.execute("PRAGMA synchronous = NORMAL")
            if not self._schema_ready:
                self.retrying(lambda: connection.executescript(SCHEMA))
                self.retrying(lambda: add_missing_columns(connection, ADDED_COLUMNS))
                self._schema_ready = True
        except sqlite3.Error:  # tried again on the next write: this one is not kept
            connection.close()
            raise
        with self._lock:
            self._connections.append(connection)
        return connection

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (a fresh one after a fork: SQLite connections must not cross processes)."""
        if getattr(self._local, "pid", None) != os.getpid() or getattr(self._local, "connection", None) is None:
            self._local.connection = self._connect()
            self._local.pid = os.getpid()
        return self._local.connection

    def connection_with(self, schema: str, added: Sequence[tuple[str, str, str]] = ()) -> sqlite3.Connection:
        """This thread's connection, with a further module's tables (`CREATE ... IF NOT EXISTS`) made
        once per process: the editor's review actions and batch runs live in the same database.
        `added` lists the (table, column, type) added to those tables since they were first made, which a
        database made by an older version gains as `add_missing_columns` adds them."""
        connection = self.connection()
        done = self.__dict__.setdefault("_extra_schemas", set())
        if (schema, tuple(added)) not in done:
            self.retrying(lambda: connection.executescript(schema))
            self.retrying(lambda: add_missing_columns(connection, added))
            done.add((schema, tuple(added)))
        return connection

    def rows(self, schema: str, sql: str, params: Sequence[Any] = (),
             added: Sequence[tuple[str, str, str]] = ()) -> list[dict[str, Any]]:
        """A read of the editor's tables (`schema` made first, `added` columns added) as dicts; StoreError
        if the database fails."""
        try:
            cursor = self.connection_with(schema, added).execute(sql, tuple(params))
            names = [c[0] for c in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]
        except sqlite3.Error as error:
            raise StoreError(f"the database is unavailable ({error})") from None

    def write(self, schema: str, sql: str, params: Sequence[Any] = (),
              added: Sequence[tuple[str, str, str]] = ()) -> int:
        """One write of the editor's (a decision, a batch run) in a transaction of its own, on a
        connection of its own: `BEGIN IMMEDIATE` takes the write lock first (waiting up to the busy
        timeout), so no stale read snapshot of a long-lived connection can make SQLite refuse it.
        Returns the new row's id."""
        shared = self.connection_with(schema, added)
        if self.path == ":memory:":  # a memory database lives in its one connection
            return int(self.retrying(lambda: shared.execute(sql, tuple(params))).lastrowid or 0)
        connection = sqlite3.connect(self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None)
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")

            def attempt() -> int:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    cursor = connection.execute(sql, tuple(params))
                    connection.execute("COMMIT")
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
                return int(cursor.lastrowid or 0)

            return self.retrying(attempt)
        finally:
            connection.close()

    def retrying(self, write: Callable[[], T], attempts: int = 4) -> T:
        """Run a write, trying again a few times when SQLite reports the database busy or locked: a
        writer in WAL mode can be refused at once (not after the busy timeout) when its snapshot is
        stale, and the question-log writer is busy in bursts."""
        for attempt in range(attempts):
            try:
                return write()
            except sqlite3.OperationalError as error:
                if attempt == attempts - 1 or not any(word in str(error) for word in ("locked", "busy")):
                    raise
                time.sleep(0.05 * 2 ** attempt)
        raise RuntimeError("unreachable: the last attempt raises")

    # ------------------------------------------------------------ the question log (queued)
    def _ensure_writer(self) -> None:
        if self._pid == os.getpid() and self._writer is not None and self._writer.is_alive():
            return
        with self._lock:
            if self._pid != os.getpid() or self._writer is None or not self._writer.is_alive():
                if self._pid != os.getpid():  # after a fork the parent's queue and thread are not ours
                    self._queue = queue.Queue()
                    self._hurry = threading.Event()
                    self._controls = 0
                    self._helping = threading.Lock()
                    self._connections = []
                    self._local = threading.local()
                self._pid = os.getpid()
                self._writer = threading.Thread(target=self._write_loop, name="question-log-writer", daemon=True)
                self._writer.start()

    def log_question(self, answer_id: str, question: str, explainer_id: str | None, answer: dict[str, Any]) -> None:
        """Queue one asked question for the log; returns at once. A follow-up ("why?") is logged with
        the earlier question it was answered with (the answer's `context_used`), without which an
        editor could not tell what it asked."""
        top = [{"passage_id": answer.get("passage_id"), "confidence": answer.get("confidence")}] if answer.get("passage_id") else []
        top += [{"passage_id": hit["passage_id"], "score": hit.get("score")} for hit in answer.get("alternative_hits", [])[:4]]
        previous = answer.get("context_used")
        row = (answer_id, _now(), question, explainer_id, answer.get("passage_id"), json.dumps(top),
               float(answer.get("confidence") or 0.0), int(bool(answer.get("abstained"))),
               previous if isinstance(previous, str) and previous else None,
               answer.get("text") if isinstance(answer.get("text"), str) else None)
        self._ensure_writer()
        if self._queue.qsize() >= self.queue_size:
            self.dropped += 1
            log.warning("question log queue is full; dropped a row")
            return
        self._queue.put(row)
        if self._queue.qsize() >= self.HELP_AT:
            self._help_writer()

    WRITE_BATCH = 500
    WRITE_LINGER = 0.05
    HELP_AT = 1_000  # queued rows past which the thread that queues one also writes a batch

    def _write_loop(self) -> None:
        """Write queued rows in batches, one transaction each: the writer wakes for a row and lets more
        gather for up to `WRITE_LINGER` seconds, so a busy server commits some twenty times a second,
        not once per question.  The rows that gather do not wake it (each wake would take the GIL from
        the thread answering); a flush (feedback waiting for its answer's row) or a stop ends the wait."""
        while True:
            first = self._queue.get()
            # A backlog goes at once, and so does every batch before a queued flush or stop.
            if not _is_control(first) and not self._controls and self._queue.qsize() < self.WRITE_BATCH:
                self._hurry.wait(self.WRITE_LINGER)
                self._hurry.clear()
            if self._write_items(self._take(first)):
                return

    def _take(self, first: Any) -> list[Any]:
        """`first` and the queued items after it, up to `WRITE_BATCH` of them or the first flush or stop."""
        items = [first]
        while len(items) < self.WRITE_BATCH and not _is_control(items[-1]):
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return items

    def _write_items(self, items: list[Any]) -> bool:
        """Write the rows among `items` and answer each flush once the rows before it are written; True
        when a stop was among them."""
        rows: list[tuple] = []
        try:
            for item in items:
                if _is_control(item):
                    self._insert_questions(rows)
                    rows = []
                    with self._lock:
                        self._controls -= 1
                    if item is _STOP:
                        return True
                    item.set()
                else:
                    rows.append(item)
            self._insert_questions(rows)
            return False
        finally:
            for _ in items:
                self._queue.task_done()

    def _help_writer(self) -> None:
        """Write one batch in the thread that queued the last row, once the writer is `HELP_AT` rows behind.

        A thread that answers without pause starves the writer: each time the writer releases the GIL (to
        open the database, to run a statement), the answering thread takes it back before the writer wakes,
        and at some 2,500 questions a second in one process the queue overflowed and rows were lost.  So
        under such load a request now and then writes a batch itself (some 5 ms for 500 rows), one thread
        at a time."""
        if not self._helping.acquire(blocking=False):
            return
        try:
            try:
                first = self._queue.get_nowait()
            except queue.Empty:
                return
            if self._write_items(self._take(first)):
                self._queue_control(_STOP)  # the writer's to act on
        finally:
            self._helping.release()

    _INSERT_QUESTION = ("INSERT OR IGNORE INTO questions (answer_id, asked_at, question, explainer_id, passage_id, "
                        "top_passages, confidence, abstained, previous_question, answer_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    ROWS_PER_STATEMENT = 90  # 900 parameters: within SQLite's oldest limit of 999

    def _insert_many(self, connection: sqlite3.Connection, rows: list[tuple]) -> None:
        """Rows in multi-row INSERTs: SQLite runs each statement with the GIL released once, where
        `executemany` released and took it back for every row, and while the thread answering held it,
        each row waited its turn (at some 2,500 questions a second in one process, the queue overflowed)."""
        for start in range(0, len(rows), self.ROWS_PER_STATEMENT):
            chunk = rows[start:start + self.ROWS_PER_STATEMENT]
            connection.execute(self._INSERT_QUESTION + ", (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" * (len(chunk) - 1),
                               [value for row in chunk for value in row])

    def _insert_questions(self, rows: list[tuple]) -> None:
        if not rows:
            return
        for attempt in range(3):
            try:
                connection = self.connection()  # a database that cannot be opened now drops rows, not the writer
                connection.execute("BEGIN")
                try:
                    self._insert_many(connection, rows)
                    connection.execute("COMMIT")
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
                self.last_write_error = None
                return
            except ValueError:  # text SQLite cannot encode: write the rows one by one, dropping only those
                for row in rows:
                    self._insert_question(row)
                return
            except sqlite3.Error as error:
                if attempt == 2:
                    self.dropped += len(rows)
                    self.last_write_error = public_reason(error)
                    log.warning("could not log %d questions (%s); dropped them", len(rows), error)
                else:
                    time.sleep(0.05 * (attempt + 1))

    def _insert_question(self, row: tuple) -> None:
        for attempt in range(3):
            try:
                self.connection().execute(self._INSERT_QUESTION, row)
                self.last_write_error = None
                return
            except (sqlite3.Error, ValueError) as error:  # ValueError: text SQLite cannot encode
                if attempt == 2 or isinstance(error, ValueError):
                    self.dropped += 1
                    if isinstance(error, sqlite3.Error):  # one row's text is the row's fault, not the database's
                        self.last_write_error = public_reason(error)
                    log.warning("could not log a question (%s); dropped it", error)
                    return
                else:
                    time.sleep(0.05 * (attempt + 1))

    def _queue_control(self, item: Any) -> None:
        """Queue a flush's event or the stop, and end the writer's linger."""
        with self._lock:
            self._controls += 1
        self._queue.put(item)
        self._hurry.set()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every question queued so far is written; False if that took longer than `timeout`."""
        if self._writer is None or self._pid != os.getpid() or not self._writer.is_alive():
            return True
        done = threading.Event()
        self._queue_control(done)
        return done.wait(timeout)

    # ------------------------------------------------------------ feedback (synchronous)
    def add_feedback(self, answer_id: str, helpful: bool, comment: str | None = None) -> bool:
        """Store a reader's verdict on an answer: False if no such answer was logged; `StoreError` if the
        database cannot be written now."""
        self.flush(timeout=2.0)  # the answer's own log row may still be on our queue
        try:
            connection = self.connection()
            known = connection.execute("SELECT 1 FROM questions WHERE answer_id = ?", (answer_id,)).fetchone()
            # Another worker answered it and may not have written its row yet: wait for it, briefly.
            deadline = time.monotonic() + self.feedback_wait
            while known is None and _issued_within(answer_id, 30.0) and time.monotonic() < deadline:
                time.sleep(0.02)
                known = connection.execute("SELECT 1 FROM questions WHERE answer_id = ?", (answer_id,)).fetchone()
            if known is None:
                return False
            connection.execute("INSERT INTO feedback (answer_id, helpful, comment, created_at) VALUES (?, ?, ?, ?)",
                               (answer_id, int(bool(helpful)), comment or None, _now()))
            return True
        except (sqlite3.Error, ValueError) as error:
            log.warning("could not store feedback (%s)", error)
            raise StoreError(f"the feedback database is unavailable ({public_reason(error)})") from None

    # ------------------------------------------------------------ reading (tests, reports)
    def question(self, answer_id: str) -> dict[str, Any] | None:
        row = self._select("SELECT * FROM questions WHERE answer_id = ?", (answer_id,))
        if not row:
            return None
        record = row[0]
        record["top_passages"] = json.loads(record["top_passages"])
        record["abstained"] = bool(record["abstained"])
        return record

    def feedback(self, answer_id: str) -> list[dict[str, Any]]:
        rows = self._select("SELECT * FROM feedback WHERE answer_id = ? ORDER BY id", (answer_id,))
        for row in rows:
            row["helpful"] = bool(row["helpful"])
        return rows

    def _select(self, sql: str, params: tuple) -> list[dict[str, Any]]:
        try:
            cursor = self.connection().execute(sql, params)
        except sqlite3.Error as error:
            raise StoreError(f"the database is unavailable ({error})") from None
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def close(self) -> None:
        """Write what is queued, stop the writer and close every connection."""
        if self._writer is not None and self._pid == os.getpid() and self._writer.is_alive():
            self._queue_control(_STOP)
            self._writer.join(timeout=10)
        self._writer = None
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            try:
                connection.close()
            except sqlite3.Error:
                pass
        self._local = threading.local()
