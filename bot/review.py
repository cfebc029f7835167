"""The review queue: reader questions the bot did badly on, what editors decided about them, and
how those decisions reach the next build and the corpus files.

Three decisions, each stored with who and when:

* ``label``: the question is answered by a passage; it joins the labelled questions (and, as
  `train.py` does with every labelled question, the index as a phrasing of that passage);
* ``phrasing``: the question is another way to ask for a passage (corpus/phrasings.jsonl);
* ``out_of_scope``: the corpus does not answer it; it becomes an unanswerable labelled question, and
  a rebuild from the console also gives the index an unanswerable passage holding it, so the
  bot says "I don't know" to it rather than hazard a passage.

A follow-up ("why?") means nothing without the earlier question it followed, which the question log
keeps (`previous_question`): it is grouped, shown and decided with it, and its labelled question
carries it as `context`. So it is never a phrasing, nor an unanswerable passage: either would stand
alone in the index and catch every other "why?".
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import bundle
from . import text as textlib
from .answer import Answerer
from .corpus import (
    Corpus,
    CorpusError,
    LabelledQuestion,
    Passage,
    default_questions,
    label_phrasings,
    load_corpus,
    with_phrasings,
)
from .files import write_atomically
from .jsonlines import read_jsonl
from .locks import file_lock, file_lock_where_possible
from .questions import asks_of_the_page, names_nothing, small_talk
from .store import Store, StoreError, lenient_reads, lenient_text

ACTIONS = ("label", "phrasing", "out_of_scope")
LOW_CONFIDENCE_MARGIN = 0.1
READER_LABELS = Path("eval") / "reader-labels.jsonl"
PHRASINGS = Path("phrasings.jsonl")

SCHEMA = """
CREATE TABLE IF NOT EXISTS review_actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    editor TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('label', 'phrasing', 'out_of_scope')),
    question TEXT NOT NULL,
    answer_id TEXT,
    passage_id TEXT,
    explainer_id TEXT,
    exported_at TEXT,
    previous_question TEXT,
    asked_on TEXT
);
CREATE INDEX IF NOT EXISTS review_actions_answer ON review_actions(answer_id);
"""
# Columns added since the table was first made: a database of an older version gains them on first use.
# asked_on: where the reader asked, as the question log has it: an explainer's id, or "" for the front page
# (explainer_id may instead name the explainer of the passage the bot gave, where an out-of-scope stand-in
# goes); NULL when not known (a decision on a question named by its words alone, or saved before).
ADDED_COLUMNS = (("review_actions", "previous_question", "TEXT"), ("review_actions", "asked_on", "TEXT"))


class ReviewError(ValueError):
    """A review action that cannot be taken as asked (unknown passage, missing question...)."""


class AlreadyDecided(ReviewError):
    """A decision on a reader's question (an answer id) that an editor has decided already."""


def _folded(question: str) -> str:
    return " ".join(textlib.words(question))


@lru_cache(maxsize=65_536)  # the queue folds every flagged question of the log, and readers ask alike
def _folded_stored(raw: bytes) -> str:
    """`_folded` of a question as the log holds it, read as bytes: one that is not UTF-8 (another program
    writing the file) has its stray bytes as U+FFFD, rather than failing the query that reads it."""
    return _folded(lenient_text(raw))


def _nothing_to_label(question: bytes | None, explainer_id: str | None) -> bool:
    """Whether a first question that got "I don't know" was rightly met with a question back, and so has
    nothing for an editor to decide: it has no words at all ("???"), it is small talk ("thanks", "hello", replied
    to in kind), or, on the front page, it names no story ("tell me more", "what did the papers say?": "Which
    story do you mean?"). Labelled, any of these would stand for every reader who asks it of any story."""
    if question is None:
        return False
    text = _folded_stored(question)
    if not textlib.words(text) or small_talk(text):  # "thanks", "hello": replied to in kind, not a question
        return True
    return not explainer_id and names_nothing(text)


def _of_the_page(question: bytes | None) -> bool:
    """Whether an answered first question on an explainer's page asked for the page itself ("what did the
    papers say?"): answered from the section it names whatever the confidence, it has nothing to teach, and
    labelled it would stand for the same words on every page. On the front page such a question is answered
    only where one explainer is indexed, from that explainer as on its page; elsewhere it is asked back."""
    return question is not None and asks_of_the_page(_folded_stored(question))


def _turn_key(row: dict[str, Any]) -> tuple[str, str]:
    """A question as asked: its folded words, and those of the earlier question it followed, if any."""
    return _folded(row["question"]), _folded(row.get("previous_question") or "")


@lru_cache(maxsize=50_000)  # grouping compares each question with every group's first: many times
def content_key(question: str) -> frozenset[str]:
    """The question's folded, stemmed content words: "Who won the cup?" and "cup won who" share one."""
    # Without the auxiliaries ("did" / "has it sent"), so that the same question in another tense still groups.
    return frozenset(map(textlib.stem, textlib.asked_words(question)))


def _one_edit_apart(a: str, b: str) -> bool:
    """Whether `b` is `a` with one letter changed, added, dropped or two neighbours swapped (a typo)."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                                   and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def _typo_of(a: str, b: str) -> bool:
    # Short words one letter apart are different words (cable, table), and numbers never are typos
    # (2023, 2024): only long words a single edit apart count as the same word misspelt.
    return (min(len(a), len(b)) >= 6 and not any(c.isdigit() for c in a + b) and _one_edit_apart(a, b))


def similar(a: str, b: str) -> bool:
    """Whether two questions ask the same thing: the same content words after folding and stemming
    (word order, stop words and tense aside), allowing only typos of long words. One different content
    word makes a different question: "how many troops..." is not "how many shells...", "when did the
    fed start..." is not "...stop...". Questions of stop words only ("why?") must have the same words."""
    key_a, key_b = content_key(a), content_key(b)
    if not key_a and not key_b:
        return set(textlib.words(a)) == set(textlib.words(b))
    only_a, only_b = sorted(key_a - key_b), sorted(key_b - key_a)
    if len(only_a) != len(only_b):
        return False
    unmatched = list(only_b)
    for word in only_a:
        match = next((other for other in unmatched if _typo_of(word, other)), None)
        if match is None:
            return False
        unmatched.remove(match)
    return True


def _same_turn(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two queue items ask alike in the same place: on the same explainer (or both on the front
    page), with `similar` words, and after `similar` earlier questions or both without one. "why?" on
    one story and "why?" on another, or after different questions, are different questions."""
    if a["explainer_id"] != b["explainer_id"] or not similar(a["question"], b["question"]):
        return False
    before_a, before_b = a.get("previous_question"), b.get("previous_question")
    return before_a == before_b or bool(before_a and before_b and similar(before_a, before_b))


def group_similar(items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Group queue items (newest first) that ask alike in the same place (`_same_turn`); each group is
    led by its newest question, and groups stay in the order of their newest item. An item joins a group
    only if it is like the group's first question: comparing with any member would chain (A like B, B like
    C puts A with C), until hundreds of different questions share one group and one decision."""
    groups: list[dict[str, Any]] = []
    for item in items:
        home = next((g for g in groups if _same_turn(item, g["items"][0])), None)
        if home is None:
            home = {"question": item["question"], "answer_id": item["answer_id"], "latest": item["asked_at"],
                    "explainer_id": item["explainer_id"], "passage_id": item["passage_id"],
                    "previous_question": item.get("previous_question"), "items": [], "reasons": []}
            groups.append(home)
        home["items"].append(item)
        home["reasons"] = sorted(set(home["reasons"]) | set(item["reasons"]))
    for group in groups:
        group["count"] = len(group["items"])
    return groups


class ReviewLog:
    """The queue (read from the question log and feedback) and the editors' actions, in one SQLite file."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _rows(self, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
        return self.store.rows(SCHEMA, sql, params, ADDED_COLUMNS)

    # Decided questions are left out in SQL, before the limit: they stay in the log, and counted in, they filled
    # the newest `limit` once an editor had worked through them, so the queue showed "Nothing to review" while
    # older questions waited, and said there were more for good. That goes for a question decided by its answer
    # id and for one settled by a decision on its words (`review_settled`), as readers keep asking it until the
    # next rebuild. A CASE, so that the words are folded (in Python) only for a flagged question not decided
    # by its id.
    _UNDECIDED_FLAGGED = (
        "CASE WHEN NOT (q.abstained = 1 OR q.confidence < ? OR EXISTS (SELECT 1 FROM feedback f "
        "WHERE f.answer_id = q.answer_id AND f.helpful = 0)) THEN 0 "
        "WHEN q.abstained = 1 AND q.previous_question IS NULL "
        "AND nothing_to_label(CAST(q.question AS BLOB), q.explainer_id) THEN 0 "
        "WHEN q.abstained = 0 AND q.previous_question IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM feedback f WHERE f.answer_id = q.answer_id AND f.helpful = 0) "
        "AND of_the_page(CAST(q.question AS BLOB)) THEN 0 "
        "WHEN q.answer_id IN (SELECT answer_id FROM review_actions WHERE answer_id IS NOT NULL) THEN 0 "
        "ELSE NOT review_settled(CAST(q.question AS BLOB), CAST(q.previous_question AS BLOB), q.explainer_id) END")

    def _undecided_flagged(self, sql: str, params: tuple) -> list[dict[str, Any]]:
        """Rows of `sql`, whose WHERE holds `{undecided}` for the logged question `q`: flagged, and neither
        decided by its answer id nor settled by its words (its one parameter, the confidence below which a
        question is flagged, comes first)."""
        self.store.flush(timeout=2.0)
        # A decision settles the same words asked in the same place (the same explainer, or the front page)
        # after the same earlier question (or none): the queue groups them so, and "why?" on one explainer,
        # or as a follow-up to something else, is another question.
        # A decision that does not know where its question was asked settles it everywhere.
        settled = {(_turn_key(a), a["asked_on"]) for a in self.actions()}

        def review_settled(question: bytes | None, previous: bytes | None, explainer_id: str | None) -> bool:
            if not settled or question is None:
                return False
            turn = (_folded_stored(question), _folded_stored(previous or b""))
            return (turn, explainer_id or "") in settled or (turn, None) in settled

        try:  # this thread's connection, and this query's decisions
            connection = self.store.connection_with(SCHEMA, ADDED_COLUMNS)
            connection.create_function("review_settled", 3, review_settled)
            connection.create_function("nothing_to_label", 2, _nothing_to_label)
            connection.create_function("of_the_page", 1, _of_the_page)
        except sqlite3.Error as error:
            raise StoreError(f"the database is unavailable ({error})") from None
        return self._readers_rows(sql.replace("{undecided}", self._UNDECIDED_FLAGGED), params)

    def _readers_rows(self, sql: str, params: tuple) -> list[dict[str, Any]]:
        """`_rows` of what readers wrote (read with CAST(... AS TEXT)): text that is not UTF-8 (another program
        writing the file) is read with its stray bytes as U+FFFD, rather than failing the whole queue."""
        try:
            connection = self.store.connection_with(SCHEMA, ADDED_COLUMNS)
        except sqlite3.Error as error:
            raise StoreError(f"the database is unavailable ({error})") from None
        with lenient_reads(connection):
            return self._rows(sql, params)

    def flagged_count(self, threshold: float, margin: float = LOW_CONFIDENCE_MARGIN) -> int:
        """How many logged questions the queue would hold with no limit (flagged, and not decided by their
        answer id nor settled by their words): what an editor must be told when `queue` reads only the newest."""
        return int(self._undecided_flagged("SELECT COUNT(*) AS n FROM questions q WHERE {undecided}",
                                           (threshold + margin,))[0]["n"])

    def queue(self, threshold: float, margin: float = LOW_CONFIDENCE_MARGIN, limit: int = 300) -> list[dict[str, Any]]:
        """The newest `limit` logged questions that abstained, had confidence below `threshold + margin` or
        got a thumbs-down, newest first, grouped by similarity, each with the comments readers wrote with
        a thumbs-down (`comments`, a list); questions an editor has already decided on, or that are settled
        by a decision on their words, are left out before the limit (`flagged_count` tells how many are left)."""
        rows = self._undecided_flagged(
            "SELECT q.answer_id, q.asked_at, CAST(q.question AS TEXT) AS question, "
            "CAST(q.previous_question AS TEXT) AS previous_question, q.explainer_id, q.passage_id, "
            "q.confidence, q.abstained, CAST(q.answer_text AS TEXT) AS answer_text, "
            "(SELECT COUNT(*) FROM feedback f WHERE f.answer_id = q.answer_id AND f.helpful = 0) AS thumbs_down, "
            "(SELECT COUNT(*) FROM feedback f WHERE f.answer_id = q.answer_id AND f.helpful = 1) AS thumbs_up "
            "FROM questions q WHERE {undecided} ORDER BY q.asked_at DESC, q.rowid DESC LIMIT ?",
            (threshold + margin, limit))
        comments = self._comments([row["answer_id"] for row in rows if row["thumbs_down"]])
        items = []
        for row in rows:
            reasons = []
            if row["abstained"]:
                reasons.append("abstained")
            elif row["confidence"] < threshold + margin:
                reasons.append("low confidence")
            if row["thumbs_down"]:
                reasons.append("thumbs down")
            items.append({**row, "abstained": bool(row["abstained"]), "reasons": reasons,
                          "comments": comments.get(row["answer_id"], [])})
        return group_similar(items)

    def _comments(self, answer_ids: Sequence[str]) -> dict[str, list[str]]:
        """What readers wrote with each thumbs-down, oldest first, one string per comment: a list, not
        text joined with a separator, because a reader's comment may hold any separator."""
        found: dict[str, list[str]] = {}
        for start in range(0, len(answer_ids), 500):  # SQLite's limit on bound parameters
            chunk = answer_ids[start:start + 500]
            for row in self._readers_rows(f"SELECT answer_id, CAST(comment AS TEXT) AS comment FROM feedback "
                                          f"WHERE helpful = 0 AND comment IS NOT NULL "
                                          f"AND answer_id IN ({', '.join('?' * len(chunk))}) ORDER BY id", tuple(chunk)):
                found.setdefault(row["answer_id"], []).append(row["comment"])
        return found

    def record_all(self, action: str, items: Sequence[dict[str, Any]], editor: str,
                   passage_id: str | None = None) -> list[dict[str, Any]]:
        """Save one decision on one or several questions (`items` of "question", "answer_id"?, "explainer_id"?,
        "previous_question"?), each a row of its own, with where it was asked (`asked_on`, from the log);
        `passage_id` is required for a label or a phrasing.
        Every item is checked before any is saved, so a bad one saves none."""
        # Checked and saved under one lock: two copies of a decision sent at once each found the other not yet saved.
        with decision_lock(self.store):
            return self._record_all(action, items, editor, passage_id)

    def _record_all(self, action: str, items: Sequence[dict[str, Any]], editor: str,
                    passage_id: str | None) -> list[dict[str, Any]]:
        if action not in ACTIONS:
            raise ReviewError(f"unknown action {action!r}; use one of {', '.join(ACTIONS)}")
        if action != "out_of_scope" and not passage_id:
            raise ReviewError(f"a {action} needs the passage id that answers the question")
        if action == "out_of_scope":
            passage_id = None
        # One reader's question gets one decision: a second (a double click, a script sending its request
        # again) would be saved twice, and undoing one would leave the other deciding the question.
        answer_ids = [item["answer_id"] for item in items if item.get("answer_id")]
        asked = set(answer_ids)
        decided = {a["answer_id"]: a for a in self.actions() if a["answer_id"] in asked}
        for answer_id in answer_ids:
            if answer_id in decided:
                earlier = decided[answer_id]
                raise AlreadyDecided(f"{earlier['question']!r} (answer {answer_id}) is decided already: decision "
                                     f"#{earlier['id']}, {earlier['action'].replace('_', ' ')} by {earlier['editor']}; "
                                     "undo it to decide again")
            if answer_ids.count(answer_id) > 1:
                raise ReviewError(f"answer {answer_id} is listed twice in one decision")
        rows = []
        for item in items:
            question = textlib.clean(item.get("question") or "").strip()
            if not question:
                raise ReviewError("the question is empty")
            previous = textlib.clean(item.get("previous_question") or "").strip() or None
            if previous and action == "phrasing":
                raise ReviewError(f"{question!r} follows the earlier question {previous!r}, and a phrasing stands "
                                  "alone: label it instead (the label keeps the earlier question)")
            rows.append((question, item.get("answer_id"), item.get("explainer_id"), previous,
                         self._asked_on(item.get("answer_id"))))
        self._check_not_saved(action, passage_id, rows)
        return [self._insert(action, editor, passage_id, *row) for row in rows]

    def _check_not_saved(self, action: str, passage_id: str | None, rows: Sequence[tuple]) -> None:
        """A decision named by its words alone (no answer id: the test pane, an API call) that is pending in
        the same words already, or twice in one request, is the same decision sent again: saving it twice
        would give the export a doubled line, and undoing one copy would leave the other in force."""
        def key(action: str, passage_id: str | None, question: str, explainer_id: str | None,
                previous: str | None) -> tuple:
            return (action, passage_id, question.casefold(), explainer_id or None, (previous or "").casefold())

        wordy = [key(action, passage_id, question, explainer_id, previous)
                 for question, answer_id, explainer_id, previous, _ in rows if not answer_id]
        if not wordy:
            return
        pending = {key(a["action"], a["passage_id"], a["question"], a["explainer_id"], a["previous_question"]): a
                   for a in self.actions(pending_only=True) if not a["answer_id"]}
        for found in wordy:
            if wordy.count(found) > 1:
                raise ReviewError(f"the question {found[2]!r} is listed twice in one decision")
            earlier = pending.get(found)
            if earlier is not None:
                raise AlreadyDecided(f"{earlier['question']!r} has this decision already: decision #{earlier['id']}, "
                                     f"{earlier['action'].replace('_', ' ')} by {earlier['editor']}")

    def _asked_on(self, answer_id: str | None) -> str | None:
        """Where the reader asked the question an answer id names, from the question log: an explainer's id,
        "" for the front page, or None if it is not logged (the decision then names a question by its words)."""
        # Its place alone: the rest of the row may hold text that is not UTF-8, which the queue shows all the same.
        logged = self._rows("SELECT explainer_id FROM questions WHERE answer_id = ?", (answer_id,)) if answer_id else []
        return (logged[0]["explainer_id"] or "") if logged else None

    def _insert(self, action: str, editor: str, passage_id: str | None, question: str, answer_id: str | None,
                explainer_id: str | None, previous: str | None, asked_on: str | None) -> dict[str, Any]:
        try:
            row_id = self.store.write(
                SCHEMA,
                "INSERT INTO review_actions (created_at, editor, action, question, answer_id, passage_id, explainer_id, "
                "previous_question, asked_on) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?, ?, ?, ?, ?, ?, ?, ?)",
                (editor, action, question, answer_id, passage_id, explainer_id, previous, asked_on), ADDED_COLUMNS)
        except sqlite3.Error as error:
            raise StoreError(f"the action could not be saved ({error})") from None
        return self._rows("SELECT * FROM review_actions WHERE id = ?", (row_id,))[0]

    def actions(self, pending_only: bool = False) -> list[dict[str, Any]]:
        """Every decision, oldest first (only those not yet exported with `pending_only`)."""
        where = " WHERE exported_at IS NULL" if pending_only else ""
        return self._rows(f"SELECT * FROM review_actions{where} ORDER BY id")

    def undo(self, action_id: int) -> dict[str, Any]:
        """Delete one decision not yet exported, and return it. An exported one is in the corpus files,
        which are the editors' to change: deleting only its row would leave the file saying otherwise."""
        found = self._rows("SELECT * FROM review_actions WHERE id = ?", (action_id,))
        if not found:
            raise LookupError(f"there is no decision {action_id}")
        if found[0]["exported_at"]:
            raise ReviewError(f"decision {action_id} was exported on {found[0]['exported_at']}, so it is in the corpus "
                              f"files now: remove its line (id {action_question_id(found[0])!r}) from "
                              f"{READER_LABELS.as_posix()} or {PHRASINGS.as_posix()} instead")
        try:
            self.store.write(SCHEMA, "DELETE FROM review_actions WHERE id = ? AND exported_at IS NULL", (action_id,),
                             ADDED_COLUMNS)
        except sqlite3.Error as error:
            raise StoreError(f"the decision could not be deleted ({error})") from None
        return found[0]

    def mark_exported(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if ids:
            try:
                self.store.write(SCHEMA, f"UPDATE review_actions SET exported_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
                                         f"WHERE id IN ({', '.join('?' * len(ids))})", ids, ADDED_COLUMNS)
            except sqlite3.Error as error:
                raise StoreError(f"the export could not be recorded ({error})") from None


# ---------------------------------------------------------------- from decisions to corpus and build
def action_question_id(action: dict[str, Any]) -> str:
    return f"reader-{action['id']}"


def labelled_questions(actions: Iterable[dict[str, Any]]) -> list[LabelledQuestion]:
    """Labels and out-of-scope decisions as labelled questions (out of scope: no relevant passage); a
    follow-up's earlier question is its `context`. A decision that repeats an earlier one (the same
    words after the same earlier question, to the same passage: readers ask alike) adds nothing."""
    found, seen = [], set()
    for action in actions:
        if action["action"] not in ("label", "out_of_scope"):
            continue
        relevant = (action["passage_id"],) if action["action"] == "label" else ()
        if (_turn_key(action), relevant) in seen:
            continue
        seen.add((_turn_key(action), relevant))
        previous = action.get("previous_question")
        found.append(LabelledQuestion(id=action_question_id(action), question=action["question"], relevant=relevant,
                                      context=(previous,) if previous else (), source="review queue"))
    return found


def phrasings(actions: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(a["passage_id"], a["question"]) for a in actions if a["action"] == "phrasing"]


def out_of_scope_passages(corpus: Corpus, actions: Iterable[dict[str, Any]]) -> list[Passage]:
    """An unanswerable passage per out-of-scope question, in the explainer it was asked about (or the
    one the bot looked in): when it ranks first the bot abstains, as for an off-topic teaser."""
    found = []
    for action in actions:
        # A follow-up's words alone ("why?") would make the bot decline every question like them; with
        # its earlier question they would also catch that question, which may well be answerable.
        if action["action"] != "out_of_scope" or action.get("previous_question"):
            continue
        explainer_id = action.get("explainer_id")
        if explainer_id not in corpus.explainers:
            explainer_id = next(iter(corpus.explainers))
        found.append(Passage(id=f"{explainer_id}:out-of-scope:{action['id']}", explainer_id=explainer_id,
                             kind="out_of_scope", section="Out of scope", text=action["question"],
                             answerable=False, questions=(action["question"],)))
    return found


def answerable_passage_ids(corpus: Corpus) -> set[str]:
    """The passages a label or a phrasing may name: answerable ones of the corpus, never a teaser of
    another story nor an out-of-scope stand-in (which is no passage of the corpus files)."""
    return {p.id for p in corpus.passages if p.answerable and p.kind != "out_of_scope"}


def split_stale(corpus: Corpus, actions: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The decisions a build can use, and those naming a passage the corpus no longer answers with
    (it was edited since, or the decision predates the check): skipped, so that one stale decision
    does not block every rebuild and export, and reported so that an editor can undo or redo it."""
    usable = answerable_passage_ids(corpus)
    kept, stale = [], []
    for action in actions:
        if action["action"] in ("label", "phrasing") and action["passage_id"] not in usable:
            stale.append(action)
        else:
            kept.append(action)
    return kept, stale


def skipped_note(stale: Sequence[dict[str, Any]]) -> str:
    """What an editor reads about decisions a build or export left out."""
    if not stale:
        return ""
    named = ", ".join(f"#{a['id']} ({a['action']} to {a['passage_id']!r})" for a in stale)
    return (f"{len(stale)} decision(s) skipped because they name a passage the corpus does not answer with: {named}. "
            "Undo them and decide again with a passage of the corpus.")


def build_corpus(corpus_dir: str | Path, actions: Sequence[dict[str, Any]]) -> tuple[Corpus, list[dict[str, Any]]]:
    """The corpus folder (with its phrasings.jsonl) plus, as `train.py` adds them, its labelled questions
    as phrasings; plus the editors' decisions not yet in those files. Returns it with the decisions
    skipped by `split_stale`; a stale decision already exported is left out of the build too."""
    corpus = load_corpus(corpus_dir)
    actions, stale = split_stale(corpus, actions)
    stale_ids = {action_question_id(a) for a in stale}
    questions = [q for q in default_questions(corpus_dir) if q.id not in stale_ids]
    known = {q.id for q in questions}
    # Exported decisions are in the files already; adding them twice would change nothing.
    questions += [q for q in labelled_questions(actions) if q.id not in known]
    extra = label_phrasings(questions) + phrasings(actions)
    passage_ids = {p.id for p in corpus.passages}
    missing = sorted({pid for pid, _ in extra if pid not in passage_ids})
    if missing:  # only the corpus's own eval files can name these now; they are the editors' to fix
        raise CorpusError(corpus_dir, None, f"labelled questions name passages not in the corpus: {', '.join(missing)}")
    built = with_phrasings(corpus, extra)
    for passage in out_of_scope_passages(built, actions):
        built.explainers[passage.explainer_id].passages.append(passage)
    return built, stale


def corpus_for_build(corpus_dir: str | Path, actions: Sequence[dict[str, Any]]) -> Corpus:
    """`build_corpus` without the list of skipped decisions."""
    return build_corpus(corpus_dir, actions)[0]


def rebuild(current: Answerer, corpus_dir: str | Path,
            actions: Sequence[dict[str, Any]]) -> tuple[Answerer, list[dict[str, Any]]]:
    """A new answerer from `corpus_dir` and the decisions, with the running one's settings and
    confidence model (retuning is `train.py`'s job); and the decisions it skipped (`split_stale`)."""
    corpus, stale = build_corpus(corpus_dir, actions)
    answerer = bundle.build(corpus, current.index.get_params(), bundle.answer_params(current), model=current.model)
    answerer.corpus_fingerprint = corpus.fingerprint()
    return answerer, stale


def _read_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The records of a corpus JSONL file; a line that is not a JSON object is a CorpusError naming the
    file and line, raised before anything is written."""
    if not path.is_file():
        return []
    return list(read_jsonl(path, lambda file, number, why: CorpusError(
        file, number, f"{why}; fix or remove the line, then export again")))


_DECIDING = threading.Lock()  # this process's threads, where no lock file can be made beside the database


@contextlib.contextmanager
def decision_lock(store: Store) -> Iterator[None]:
    """Held while a decision is checked against those saved and then saved, by every server process sharing the
    database: two copies of one decision sent at once (a double click, a script sending its request again) each
    found the other not yet saved, and both were. Where no lock file can be made beside the database, the
    process's own lock is all there is."""
    if store.path == ":memory:":  # one process's database: its own lock is the whole story
        with _DECIDING:
            yield
        return
    with _DECIDING, file_lock_where_possible(f"{store.path}.decisions.lock"):
        yield


@contextlib.contextmanager
def rebuild_lock(index_dir: str | Path) -> Iterator[None]:
    """Held while a rebuild builds and saves to `index_dir`, by every server process sharing the folder:
    two rebuilds at once could end in the other order, the one begun first saving last, without the
    decision made in between.  Raises `LockBusy` at once when another rebuild holds it.  Where no lock
    file can be made beside the folder, no rebuild can be saved there either, and the caller's guard of
    its own process is all there is to keep."""
    folder = Path(index_dir)
    with file_lock_where_possible(folder.parent / f".{folder.name}.rebuild.lock", wait=False):
        yield


@contextlib.contextmanager
def export_lock(corpus_dir: str | Path, exporting: bool = True) -> Iterator[None]:
    """Held while decisions are read, written to the corpus files and marked exported (and while one is
    undone), by every server process sharing the corpus folder: two exports at once each read the files
    before the other wrote them, so the second appended the first's phrasings again and wrote the labels
    file without the decision made in between, which the first had marked exported. Where the folder
    cannot be written no export runs, so an undo (`exporting=False`) goes ahead without the lock."""
    lock = file_lock if exporting else file_lock_where_possible
    with lock(Path(corpus_dir) / ".export.lock"):
        yield


def export(corpus_dir: str | Path, actions: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Write the decisions to the corpus files: labels and out-of-scope questions to
    eval/reader-labels.jsonl (merged by id), phrasings to phrasings.jsonl (new ones appended).
    `labels` is the labels file's count, `labels_added` those this export added or changed in it.
    Decisions naming a passage the corpus does not answer with are skipped (`skipped`, `note`), and
    labels of that file naming such a passage are dropped (`dropped`): `train.py` would refuse them.
    A malformed line in either file is a CorpusError, and then nothing is written."""
    root = Path(corpus_dir)
    labels_path, phrasings_path = root / READER_LABELS, root / PHRASINGS
    existing_labels, existing_phrasings = _read_jsonl(labels_path), _read_jsonl(phrasings_path)
    corpus = load_corpus(corpus_dir)
    # Only what `train.py` refuses is dropped from the file: a passage that is not in the corpus at all.
    passage_ids = {p.id for p in corpus.passages}
    actions, stale = split_stale(corpus, actions)
    records: dict[str, dict[str, Any]] = {}
    dropped = []
    for number, record in existing_labels:
        if "id" not in record:
            raise CorpusError(labels_path, number, "the record has no 'id'")
        relevant = record.get("relevant") or []
        if isinstance(relevant, list) and any(r not in passage_ids for r in relevant):
            dropped.append(str(record["id"]))
            continue
        records[str(record["id"])] = record
    labels_added = 0  # new to the file, or changed in it: `labels` counts the whole file
    for question in labelled_questions(actions):
        record = {"id": question.id, "question": question.question, "relevant": list(question.relevant)}
        if question.context:  # a follow-up is judged after its earlier question, as load_questions reads it
            record["context"] = list(question.context)
        labels_added += records.get(question.id) != record
        records[question.id] = record
    existing: set[tuple[str, str]] = {(record.get("passage_id"), _folded(str(record.get("question", ""))))
                                      for _, record in existing_phrasings}
    new_phrasings = []
    for passage_id, question in phrasings(actions):
        if (passage_id, _folded(question)) not in existing:
            existing.add((passage_id, _folded(question)))  # nor twice from one export
            new_phrasings.append((passage_id, question))
    # Each file is replaced whole, in one rename: a server stopped mid-write left a truncated line, and then
    # `train.py` and every later export refused the file.
    if records or dropped:
        labels_path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(labels_path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records.values()))
    if new_phrasings:
        kept = phrasings_path.read_text(encoding="utf-8") if phrasings_path.is_file() else ""
        if kept and not kept.endswith("\n"):
            kept += "\n"
        write_atomically(phrasings_path, kept + "".join(
            json.dumps({"passage_id": passage_id, "question": question}, ensure_ascii=False) + "\n"
            for passage_id, question in new_phrasings))
    return {"labels_file": str(labels_path), "labels": len(records), "labels_added": labels_added,
            "phrasings_file": str(phrasings_path),
            "phrasings_added": len(new_phrasings), "actions": len(actions),
            "exported_ids": [a["id"] for a in actions], "skipped": [a["id"] for a in stale],
            "dropped": dropped, "note": " ".join(filter(None, [skipped_note(stale), (
                f"Dropped {len(dropped)} label(s) from {READER_LABELS.as_posix()} naming a passage the corpus no "
                f"longer answers with: {', '.join(dropped)}.") if dropped else ""]))}
