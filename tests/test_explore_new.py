"""Defects found probing the features added on 2026-11-27: the Readers tab's figures and its layout on a phone and
with a long question, the explainer's address on the publisher's site as the corpus gives it, the widget frame's
error page, and a decision sent twice at once."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.insights import reader_insights
from bot.store import Store

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
TOKEN = "explore-editor-token-9d1e"


def logged(store, answer_id, question):
    store.connection().execute(
        "INSERT INTO questions (answer_id, asked_at, question, explainer_id, passage_id, top_passages, confidence, "
        "abstained, previous_question, answer_text) VALUES (?, ?, ?, NULL, NULL, '[]', 0.1, 1, NULL, 'text')",
        (answer_id, "2026-11-27T09:00:00Z", question))


@pytest.mark.parametrize("typed", [
    ("Почему Россия?", "почему россия"),  # Cyrillic capitals
    ("ÉTAT D'URGENCE", "état d'urgence"),  # accented capitals
    ("لماذا أرسلت القذائف؟", "لماذا أرسلت القذائف"),  # the Arabic question mark, right to left
    ("¿Por qué?", "por qué"),  # Spanish opening marks
    ("why？", "why"),  # a full-width question mark (Chinese and Japanese keyboards)
])
def test_questions_in_the_same_words_count_together_in_any_script(tmp_path, typed):
    # Defect: the Readers tab counts "Why?" and "why" as one question, but SQLite's lower() folds only ASCII and
    # its trim knew only ASCII punctuation: "Почему?" and "почему", or "لماذا؟" and "لماذا", were listed apart.
    store = Store(f"sqlite:///{tmp_path / 'log.sqlite3'}")
    try:
        for number, question in enumerate(typed):
            logged(store, f"a{number}", question)
        found = reader_insights(store, days=7, now=NOW)
        assert [row["count"] for row in found["most_asked"]] == [2]
        assert [row["count"] for row in found["most_asked_unanswered"]] == [2]
    finally:
        store.close()
