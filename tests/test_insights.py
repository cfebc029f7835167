"""What readers asked (bot/insights.py, the editor console's Readers tab): the figures over a period, questions
grouped by their words, the explainers, and the passages readers rated down, on a log written by hand."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from bot.insights import TooLong, reader_insights, since
from bot.store import Store, StoreError

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(tmp_path):
    opened = Store(f"sqlite:///{tmp_path / 'log.sqlite3'}")
    yield opened
    opened.close()


def logged(store, answer_id, asked_at, question, explainer_id=None, passage_id="e:summary:1", abstained=False,
           previous=None, verdicts=()):
    connection = store.connection()
    connection.execute(
        "INSERT INTO questions (answer_id, asked_at, question, explainer_id, passage_id, top_passages, confidence, "
        "abstained, previous_question, answer_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (answer_id, asked_at, question, explainer_id, None if abstained else passage_id, json.dumps([]),
         0.1 if abstained else 0.9, int(abstained), previous, "text"))
    for helpful in verdicts:
        connection.execute("INSERT INTO feedback (answer_id, helpful, comment, created_at) VALUES (?, ?, NULL, ?)",
                           (answer_id, int(helpful), asked_at))


def test_the_figures_of_a_period(store):
    logged(store, "a1", "2026-11-26T09:00:00Z", "Why did it happen?", "e", verdicts=[True])
    logged(store, "a2", "2026-11-26T10:00:00Z", "why did it happen", "e", verdicts=[False])
    logged(store, "a3", "2026-11-27T08:00:00Z", " WHY DID IT HAPPEN ?! ", None, passage_id="e:analysis:2")
    logged(store, "a4", "2026-11-27T09:00:00Z", "who won the cup", "e", abstained=True)
    logged(store, "a5", "2026-11-27T09:30:00Z", "and the final?", "e", abstained=True, previous="who won the cup",
           verdicts=[False])
    logged(store, "a6", "2026-11-27T10:00:00Z", "who won the cup?", "f", abstained=True)
    logged(store, "old", "2026-09-01T10:00:00Z", "an old question", "e")  # before the 30 days

    found = reader_insights(store, days=30, now=NOW)
    assert found["since"] == "2026-10-28T12:00:00Z"
    totals = found["totals"]
    assert (totals["questions"], totals["answered"], totals["abstained"], totals["follow_ups"]) == (6, 3, 3, 1)
    assert (totals["helpful"], totals["unhelpful"], totals["rated"]) == (1, 2, 3)
    assert (totals["answered_share"], totals["abstained_share"], totals["helpful_share"]) == (0.5, 0.5, 0.3333)
    # Every day of the period, from its first to today, a day without questions counted 0.
    assert len(found["per_day"]) == 31 and found["per_day"][0] == {"day": "2026-10-28", "questions": 0, "abstained": 0}
    assert found["per_day"][-2:] == [{"day": "2026-11-26", "questions": 2, "abstained": 0},
                                     {"day": "2026-11-27", "questions": 4, "abstained": 3}]
    assert sum(day["questions"] for day in found["per_day"]) == 6
    assert [(r["explainer_id"], r["questions"], r["abstained"], r["helpful"], r["unhelpful"])
            for r in found["per_explainer"]] == [("e", 4, 2, 1, 2), (None, 1, 0, 0, 0), ("f", 1, 1, 0, 0)]
    # The same words, whatever their case, spaces and end punctuation, count as one question.
    top = found["most_asked"][0]
    assert (top["count"], top["abstained"], top["helpful"], top["unhelpful"]) == (3, 0, 1, 1)
    assert top["question"].strip(" ?!").lower() == "why did it happen"
    assert [(r["question"].rstrip("?"), r["count"]) for r in found["most_asked_unanswered"]] == [
        ("who won the cup", 2), ("and the final", 1)]
    # Only the passages readers said did not help, most "No" first.
    assert [(r["passage_id"], r["answers"], r["helpful"], r["unhelpful"]) for r in found["passages"]] == [
        ("e:summary:1", 2, 1, 1)]


def test_all_time_and_an_empty_period(store):
    logged(store, "old", "2026-09-01T10:00:00Z", "an old question", "e")
    everything = reader_insights(store, days=None, now=NOW)
    assert everything["totals"]["questions"] == 1
    assert (everything["per_day"][0]["day"], everything["per_day"][-1]["day"]) == ("2026-09-01", "2026-11-27")
    assert since(None) == ""
    empty = reader_insights(store, days=7, now=NOW)
    assert empty["totals"]["questions"] == 0 and empty["most_asked"] == []
    assert [day["questions"] for day in empty["per_day"]] == [0] * 8  # the 7 days before now, and today
    assert (empty["totals"]["answered_share"], empty["totals"]["helpful_share"]) == (None, None)


def test_the_most_asked_lists_are_bounded(store):
    for i in range(30):
        logged(store, f"q{i}", "2026-11-27T09:00:00Z", f"question number {i}", "e")
    assert len(reader_insights(store, days=7, now=NOW, top=15)["most_asked"]) == 15


def test_a_database_that_cannot_be_read_is_a_store_error(tmp_path):
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"this is not a database" * 100)
    store = Store(f"sqlite:///{broken}")
    try:
        with pytest.raises(StoreError):
            reader_insights(store, days=7, now=NOW)
    finally:
        store.close()


def test_a_question_is_shown_as_readers_wrote_it_most_often(store):
    logged(store, "a1", "2026-11-26T09:00:00Z", "Why now?")
    logged(store, "a2", "2026-11-26T10:00:00Z", "why now ?")
    logged(store, "a3", "2026-11-26T11:00:00Z", "Why now?", abstained=True)
    logged(store, "a4", "2026-11-26T12:00:00Z", "why now", abstained=True)
    logged(store, "b1", "2026-11-26T09:00:00Z", "what next")
    logged(store, "b2", "2026-11-26T10:00:00Z", "What next?")  # once each: the latest
    found = reader_insights(store, days=7, now=NOW)
    assert [(r["question"], r["count"]) for r in found["most_asked"]] == [("Why now?", 4), ("What next?", 2)]
    assert [(r["question"], r["count"]) for r in found["most_asked_unanswered"]] == [("Why now?", 2)]


def test_of_spellings_asked_as_often_in_the_same_second_the_later_is_shown(store):
    # asked_at is to the second: the row written later decides, whichever way the spellings sort.
    logged(store, "a1", "2026-11-26T09:00:00Z", "zeta?")
    logged(store, "a2", "2026-11-26T09:00:00Z", "zeta")
    logged(store, "b1", "2026-11-26T09:00:00Z", "alpha")
    logged(store, "b2", "2026-11-26T09:00:00Z", "alpha?")
    found = reader_insights(store, days=7, now=NOW)
    assert sorted((r["question"], r["count"]) for r in found["most_asked"]) == [("alpha?", 2), ("zeta", 2)]


def test_a_period_that_takes_too_long_to_count_says_so_and_leaves_the_connection_usable(store):
    # All time over a log of millions of questions took longer than gunicorn lets a request run (its worker was
    # killed, the editor got a 502): past the time budget, the figures stop with a clear error instead.
    for i in range(300):
        logged(store, f"q{i}", "2026-11-27T09:00:00Z", f"question number {i}", "e")
    with pytest.raises(TooLong, match="choose a shorter period"):
        reader_insights(store, days=None, now=NOW, budget=0.0)
    assert store.connection().execute("SELECT COUNT(*) FROM questions").fetchone() == (300,)
    assert reader_insights(store, days=None, now=NOW)["totals"]["questions"] == 300
