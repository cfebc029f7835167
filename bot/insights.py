"""What readers asked and how it went, from the question log and their feedback: the figures of the editor
console's Readers tab.

Read-only. The period's questions are gathered once into a temporary table (an index on the time a question
was asked keeps a short period cheap on a long log), and each figure is one aggregate query over it in SQLite,
so nothing grows with the log in Python.
Questions are counted together when they read the same once case, surrounding spaces and end punctuation are
set aside ("Why?" and "why"), so that the most asked list shows what readers want, not how they typed it.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from .store import Store, StoreError, lenient_reads

PERIODS = {"7": 7, "30": 30, "90": 90, "all": None}  # the periods an editor picks from, in days
TOP = 15  # rows in each "most asked" list
# Seconds the figures may take. A long log counted over all time takes some 9 s a million questions (on this
# project's machine), and a request still running at gunicorn's 30 s is killed with its worker: past this, the
# editor is told to pick a shorter period instead.
TIME_BUDGET = 20.0


class TooLong(StoreError):
    """The period holds more questions than can be counted within the time budget."""

# The period's questions, each with its readers' verdicts (a reader rates an answer once; a script may post more)
# and its words as they are counted together, gathered once into a table of the connection's own: the figures
# are then each one pass over it, not over the log and its feedback again.
# SQLite's lower() folds only A-Z and its trim() is given ASCII marks: a question with any other character
# ("Почему?", "لماذا؟", "¿Por qué?") is folded by `_words` instead, which only those few questions pay for.
_GATHER = ("CREATE TEMP TABLE {table} AS SELECT substr(q.asked_at, 1, 10) AS day, q.asked_at, q.question, "
           "CASE WHEN q.question GLOB '*[^ -~]*' THEN reader_words(q.question) "
           "ELSE lower(trim(q.question, ' ?!.,;:' || char(9))) END AS words, "
           "NULLIF(q.explainer_id, '') AS explainer_id, "
           "q.passage_id, q.abstained, q.previous_question IS NOT NULL AS follow_up, "
           "COALESCE(f.up, 0) AS up, COALESCE(f.down, 0) AS down FROM questions q "
           "LEFT JOIN (SELECT answer_id, SUM(helpful = 1) AS up, SUM(helpful = 0) AS down FROM feedback "
           "GROUP BY answer_id) f ON f.answer_id = q.answer_id WHERE q.asked_at >= ?")


_END_MARKS = " ?!.,;:\t\u00a0¿¡؟？！。，；：…"  # the ASCII ones of _GATHER, and their kin in other scripts


def _words(question: str) -> str:
    """A question's words as _GATHER counts them together, for a question SQLite cannot fold."""
    return question.strip(_END_MARKS).casefold()


def since(days: int | None, now: datetime | None = None) -> str:
    """The first moment of the period, as the question log writes times; "" (everything) for no limit."""
    if days is None:
        return ""
    now = now or datetime.now(timezone.utc)
    return (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _every_day(counted: list[dict[str, Any]], first: str | None, now: datetime) -> list[dict[str, Any]]:
    """One row a day from the period's first day to today, a day without questions counted 0: a chart of only
    the days with questions would draw a quiet week as if it were not there."""
    if not first:
        return counted
    found = {row["day"]: row for row in counted}
    day = datetime.strptime(first[:10], "%Y-%m-%d").date()
    last = max([now.date(), *(datetime.strptime(d, "%Y-%m-%d").date() for d in found)])
    rows = []
    while day <= last:
        key = day.isoformat()
        rows.append(found.get(key, {"day": key, "questions": 0, "abstained": 0}))
        day += timedelta(days=1)
    return rows


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def reader_insights(store: Store, days: int | None = 30, now: datetime | None = None, top: int = TOP,
                    budget: float | None = None) -> dict[str, Any]:
    """The period's figures: `totals` (questions, answered, "I don't know", follow-ups, ratings), `per_day`,
    `per_explainer` (None for the front page), the `most_asked` questions and the `most_asked_unanswered`,
    and the `passages` readers rated down most. Raises StoreError if the database cannot be read, `TooLong`
    if counting takes more than `budget` seconds (default `TIME_BUDGET`)."""
    store.flush(timeout=2.0)  # the questions just asked are counted too
    start = since(days, now)
    table = f"insights_{uuid.uuid4().hex}"
    budget = TIME_BUDGET if budget is None else budget
    deadline = time.monotonic() + budget
    connection = None
    try:
        connection = store.connection()
        connection.create_function("reader_words", 1, _words, deterministic=True)
        # SQLite calls this every 1,000 steps of its engine; a true answer interrupts the statement.
        connection.set_progress_handler(lambda: time.monotonic() > deadline, 1_000)
        # A question stored as bytes that are not UTF-8 (another program writing the file) is read with its
        # stray bytes as U+FFFD, as the figures' one odd question, rather than failing the whole tab.
        with lenient_reads(connection):
            connection.execute(_GATHER.format(table=table), (start,))
            try:
                def rows(sql: str, params: tuple = ()) -> list[dict[str, Any]]:
                    cursor = connection.execute(sql.format(table=table), params)
                    try:
                        names = [c[0] for c in cursor.description]
                        return [dict(zip(names, row)) for row in cursor.fetchall()]
                    finally:  # a read failing midway (text that is not UTF-8) left the table in use: the DROP failed
                        cursor.close()

                totals = rows("SELECT COUNT(*) AS questions, COALESCE(SUM(abstained), 0) AS abstained, "
                              "COALESCE(SUM(follow_up), 0) AS follow_ups, COALESCE(SUM(up), 0) AS helpful, "
                              "COALESCE(SUM(down), 0) AS unhelpful, MIN(asked_at) AS first, MAX(asked_at) AS last "
                              "FROM {table}")[0]
                per_day = rows("SELECT day, COUNT(*) AS questions, SUM(abstained) AS abstained FROM {table} "
                               "GROUP BY day ORDER BY day")
                per_explainer = rows("SELECT explainer_id, COUNT(*) AS questions, SUM(abstained) AS abstained, "
                                     "SUM(up) AS helpful, SUM(down) AS unhelpful FROM {table} GROUP BY explainer_id "
                                     "ORDER BY questions DESC, explainer_id")
                grouped = ("SELECT words, COUNT(*) AS count, SUM(abstained) AS abstained, "
                           "SUM(up) AS helpful, SUM(down) AS unhelpful, MAX(asked_at) AS last FROM {table} {where} "
                           "GROUP BY words HAVING words != '' ORDER BY count DESC, last DESC LIMIT ?")
                most_asked = rows(grouped.replace("{where}", ""), (top,))
                unanswered = rows(grouped.replace("{where}", "WHERE abstained = 1"), (top,))
                # Each is shown as readers wrote it most often ("Why?" over "why ?"), the latest of equals (asked_at is to the
                # second: within one, the later row).
                listed = sorted({row["words"] for row in most_asked + unanswered})
                spelt = {} if not listed else {row["words"]: row["question"] for row in rows(
                    "SELECT words, question FROM (SELECT words, question, ROW_NUMBER() OVER (PARTITION BY words "
                    "ORDER BY COUNT(*) DESC, MAX(asked_at) DESC, MAX(rowid) DESC) AS place FROM {table} WHERE words IN "
                    f"({', '.join('?' * len(listed))}) GROUP BY words, question) WHERE place = 1", tuple(listed))}
                for row in most_asked + unanswered:  # (words read with a stray byte cannot be looked up again: as read)
                    row["question"] = spelt.get(row["words"], row.pop("words"))
                passages = rows("SELECT passage_id, COUNT(*) AS answers, SUM(up) AS helpful, SUM(down) AS unhelpful "
                                "FROM {table} WHERE abstained = 0 AND passage_id IS NOT NULL GROUP BY passage_id "
                                "HAVING SUM(down) > 0 ORDER BY unhelpful DESC, answers DESC, passage_id LIMIT ?", (top,))
            finally:
                connection.execute(f"DROP TABLE IF EXISTS temp.{table}")
    except sqlite3.Error as error:
        if time.monotonic() > deadline and "interrupt" in str(error):
            raise TooLong(f"counting this period's questions took more than {budget:g} seconds; "
                          "choose a shorter period") from None
        raise StoreError(f"the question log could not be read ({error})") from None
    finally:
        if connection is not None:
            connection.set_progress_handler(None, 0)  # the thread's connection serves other reads after this
    per_day = _every_day(per_day, start or totals["first"], now or datetime.now(timezone.utc))
    questions, abstained = int(totals["questions"]), int(totals["abstained"])
    rated = int(totals["helpful"]) + int(totals["unhelpful"])
    return {
        "days": days, "since": start or None,
        "totals": {**totals, "answered": questions - abstained, "answered_share": _share(questions - abstained, questions),
                   "abstained_share": _share(abstained, questions), "rated": rated,
                   "helpful_share": _share(int(totals["helpful"]), rated)},
        "per_day": per_day, "per_explainer": per_explainer,
        "most_asked": most_asked, "most_asked_unanswered": unanswered, "passages": passages,
    }
