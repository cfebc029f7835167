"""Batch tests for the editor console: questions from an uploaded file, a run's failures shown beside
the passage that was expected, and every run kept in SQLite with the index fingerprint so that runs
can be compared over time.

The tables live in the question log's database (`bot.store.Store`), created on first use.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .answer import Answerer
from .corpus import CorpusError, LabelledQuestion
from .evaluate import compare_reports, evaluate
from .jsonlines import TOO_DEEP, long_number, unknown_key
from .store import Store, StoreError

SCHEMA = """
CREATE TABLE IF NOT EXISTS eval_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    editor TEXT NOT NULL,
    source TEXT NOT NULL,
    index_fingerprint TEXT NOT NULL,
    questions INTEGER NOT NULL,
    summary TEXT NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS eval_runs_source ON eval_runs(source, id);
"""

SUMMARY_KEYS = ("n", "acc@1", "mrr@10", "recall@5", "abstain_precision", "abstain_recall", "false_abstain",
                "answered_accuracy", "coverage", "correct", "threshold")
# Passage ids may hold spaces (a FAQ's own ids, "faq 12"), so only these separate them.
_ID_SEPARATORS = re.compile(r"[|;,]")
_EXPECTED_COLUMNS = ("expected", "expected_passage_id", "passage_id", "relevant", "passage")
# An uploaded JSONL line's keys: corpus/eval/'s, and the CSV's "expected". A misspelt key ("relevent") or the
# CSV's other column names would otherwise leave the question with no expected passage: "unanswerable".
_JSONL_KEYS = ("id", "question", "relevant", "expected", "context")
_RELEVANT_ELSEWHERE = {"expected_passage_id": "relevant", "passage_id": "relevant", "passage": "relevant",
                       "passages": "relevant"}
ACCEPTED_FORMATS = "JSONL (.jsonl, one JSON object a line, as in corpus/eval/) or comma-separated CSV (.csv)"
_SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods", ".numbers")
_TAB_SEPARATED = (".tsv", ".tab")


def parse_questions(name: str, data: bytes, max_question_chars: int | None = None) -> list[LabelledQuestion]:
    """Labelled questions from an uploaded file: JSONL (as in corpus/eval/) or CSV with a `question`
    column and an expected passage id column (`expected`, `passage_id` or `relevant`; several ids
    separated by `|`, `,` or `;`, never by spaces, which an id may hold; empty means the corpus cannot answer it).
    A question or earlier turn longer than `max_question_chars` is refused, as a reader's is. Problems are
    `CorpusError`s."""
    suffix = Path(name).suffix.lower()
    # Read as JSON, a spreadsheet or a tab-separated file fails on its first line with a message that
    # sends the editor looking for a JSON mistake that is not there.
    if suffix in _SPREADSHEETS:
        raise CorpusError(name, None, f"a spreadsheet file ({suffix}) cannot be read; save it as CSV "
                                      f"(comma-separated) and upload that. Accepted: {ACCEPTED_FORMATS}")
    if suffix in _TAB_SEPARATED:
        raise CorpusError(name, None, f"a tab-separated file ({suffix}) cannot be read; save it as CSV with commas "
                                      f"between the columns. Accepted: {ACCEPTED_FORMATS}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CorpusError(name, *_not_utf8(data, error)) from None
    if not text.strip():  # else a CSV "needs a header row", as if its header were wrong
        raise CorpusError(name, None, f"the file is empty; upload {ACCEPTED_FORMATS}")
    questions = _parse_csv(name, text) if name.lower().endswith(".csv") else _parse_jsonl(name, text)
    if not questions:
        raise CorpusError(name, None, "the file holds no questions")
    if max_question_chars is not None:
        _check_lengths(name, questions, max_question_chars)
    seen: set[str] = set()
    for question in questions:
        if question.id in seen:
            raise CorpusError(name, question.line, f"question id {question.id!r} is used twice")
        seen.add(question.id)
    return questions


_SAVE_AS_UTF8 = "save it as UTF-8 (in Excel: 'CSV UTF-8 (comma delimited)')"


def _not_utf8(data: bytes, error: UnicodeDecodeError) -> tuple[int | None, str]:
    """The line and the words for a file that is not UTF-8. Spreadsheets write their plain 'CSV' in the computer's
    own code page (é as the byte 0xE9), and 'Unicode Text' as UTF-16: "not valid UTF-8" alone left an editor to
    guess which line and which setting."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None, f"the file is saved as UTF-16 (a spreadsheet's 'Unicode Text'); {_SAVE_AS_UTF8}"
    line = data.count(b"\n", 0, error.start) + 1
    return line, (f"not valid UTF-8 (byte {data[error.start]:#04x}, probably an accented letter or a curly quote "
                  f"saved in another encoding); {_SAVE_AS_UTF8}")


def _check_lengths(name: str, questions: Sequence[LabelledQuestion], limit: int) -> None:
    """A question longer than a reader may ask is refused, not tested: its result would be for a question
    the bot never gets (and the test pane refuses it)."""
    for question in questions:
        if len(question.question) > limit:
            raise CorpusError(name, question.line, f"the question is {len(question.question)} characters long; the "
                                                   f"limit is {limit}, as for readers' questions: shorten it")
        for turn, earlier in enumerate(question.context, start=1):
            if len(earlier) > limit:
                raise CorpusError(name, question.line, f"earlier question {turn} of 'context' is {len(earlier)} "
                                                       f"characters long; the limit is {limit}, as for readers' "
                                                       "questions: shorten it")


def _parse_jsonl(name: str, text: str) -> list[LabelledQuestion]:
    questions = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            hint = "" if questions else f"; a file not ending in .csv is read as JSONL. Accepted: {ACCEPTED_FORMATS}"
            raise CorpusError(name, number, f"invalid JSON: {error.msg} (column {error.colno}){hint}") from None
        except RecursionError:
            raise CorpusError(name, number, TOO_DEEP) from None
        except ValueError:  # not a JSONDecodeError: a number past Python's limit on digits
            raise CorpusError(name, number, long_number(line)[1]) from None
        if not isinstance(record, dict):
            raise CorpusError(name, number, "each line must be a JSON object")
        unknown = unknown_key(record, _JSONL_KEYS, "a question line", renamed=_RELEVANT_ELSEWHERE)
        if unknown:
            raise CorpusError(name, number, unknown[1])
        question = record.get("question")
        relevant_key = "relevant" if "relevant" in record or "expected" not in record else "expected"
        relevant = record.get(relevant_key, [])
        if isinstance(relevant, str):
            relevant = [relevant] if relevant else []
        context = record.get("context", [])
        if not isinstance(question, str) or not question.strip():
            raise CorpusError(name, number, "'question' must be a non-empty string")
        for key, value in ((relevant_key, relevant), ("context", context)):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise CorpusError(name, number, f"{key!r} must be a list of strings")
        questions.append(LabelledQuestion(id=str(record.get("id", f"{name}:{number}")), question=question.strip(),
                                          relevant=tuple(relevant), context=tuple(context), source=name, line=number))
    return questions


def _csv_rows(name: str, text: str) -> list[tuple[int, list[str]]]:
    """The CSV's records, each with the line it starts on. A quote left open would otherwise swallow the
    rest of the file into one cell, silently: an open quote at the end of the file, or a cell running
    over several lines (a question is one line), is a CorpusError naming the line the cell starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, start = [], 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return rows
        except csv.Error as error:
            if "end of data" in str(error):
                raise CorpusError(name, start, "a quote (\") opened in this record is never closed, so the rest of "
                                               "the file would be read as one cell; close the quote or remove it") from None
            raise CorpusError(name, reader.line_num, f"{error}: a cell that holds a quote must be quoted as a whole, "
                                                     "with the quote doubled (\"\")") from None
        if any("\n" in cell or "\r" in cell for cell in cells):
            raise CorpusError(name, start, f"a cell runs from line {start} to line {reader.line_num}: a quote (\") is "
                                           "probably not closed; a question and its ids are on one line")
        rows.append((start, cells))
        start = reader.line_num + 1


# A spreadsheet may write its separator first ("sep=,"), for itself to read the file back.
_SEPARATOR_LINE = re.compile(r"sep=(.)\s*", re.IGNORECASE)


def _parse_csv(name: str, text: str) -> list[LabelledQuestion]:
    # The separator is told from the header before any cell is read: read with commas, a semicolon-separated
    # file's first quoted cell ("how many; and why";g1) failed as a quoting mistake, naming a line of the body.
    # A comma-separated header always holds a comma, having at least two columns.
    lines = text.splitlines()
    stated = _SEPARATOR_LINE.fullmatch(lines[0]) if lines else None
    separator = stated.group(1) if stated else None
    header = lines[1 if stated else 0] if len(lines) > (1 if stated else 0) else ""
    if separator == ";" or (separator is None and ";" in header and "," not in header):
        raise CorpusError(name, 1, "the columns are separated by semicolons; the separator must be a comma "
                                   "(in a spreadsheet, save as 'CSV UTF-8 (comma delimited)')")
    if separator == "\t" or (separator is None and "\t" in header and "," not in header):
        raise CorpusError(name, 1, "the columns are separated by tabs; the separator must be a comma")
    if separator not in (None, ","):
        raise CorpusError(name, 1, f"the columns are separated by {separator!r}; the separator must be a comma")
    records = _csv_rows(name, text)[1 if stated else 0:]  # the "sep=," line read as a record, and left out
    columns = [c.strip().lower() for c in records[0][1]] if records else []
    line = records[0][0] if records else 1
    if "question" not in columns:
        raise CorpusError(name, line, "the CSV needs a header row with a 'question' column and an expected passage id "
                                      "column")
    expected = next((c for c in _EXPECTED_COLUMNS if c in columns), None)
    if expected is None:
        raise CorpusError(name, line, f"the CSV needs an expected passage id column: one of {', '.join(_EXPECTED_COLUMNS)}")
    questions = []
    for number, cells in records[1:]:
        # A cell past the header's columns has no column to go to: an id after an unquoted comma, or the end of
        # a question split at its comma, would be dropped without a word and the question judged without it.
        extra = [cell.strip() for cell in cells[len(columns):] if cell.strip()]
        if extra:
            raise CorpusError(name, number, f"the row has more cells than the header has columns ({extra[0]!r} has no "
                                            "column); separate several passage ids with | or ; and put a question that "
                                            "holds a comma in quotes (\"...\")")
        row = {column: cell.strip() for column, cell in zip(columns, cells)}
        if not row.get("question"):
            if any(row.values()):
                raise CorpusError(name, number, "the 'question' cell is empty")
            continue
        relevant = tuple(i.strip() for i in _ID_SEPARATORS.split(row.get(expected, "")) if i.strip())
        questions.append(LabelledQuestion(id=row.get("id") or f"{name}:{number}", question=row["question"],
                                          relevant=relevant, source=name, line=number))
    return questions


def check_known(questions: Sequence[LabelledQuestion], answerer: Answerer) -> None:
    """Every expected passage id must be in the index: a typo would silently count as a miss."""
    for question in questions:
        missing = [r for r in question.relevant if r not in answerer.passages]
        if missing:
            raise CorpusError(question.source or "questions", question.line,
                              f"passage id(s) not in this index: {', '.join(missing)}")


def failures(report: dict[str, Any], answerer: Answerer) -> list[dict[str, Any]]:
    """The questions the bot got wrong, each with the passage(s) expected beside the one it gave."""
    def passage(passage_id: str | None) -> dict[str, Any] | None:
        found = answerer.passages.get(passage_id) if passage_id else None
        if found is None:
            return None
        return {"passage_id": found.id, "explainer_id": found.explainer_id, "section": found.section,
                "heading": found.heading, "text": found.display_text, "answerable": found.answerable}

    out = []
    for outcome in report["per_question"]:
        if outcome["correct"]:
            continue
        if not outcome["answerable"]:
            kind = "answered an unanswerable question"
        elif outcome["abstained"]:
            kind = "abstained on an answerable question"
        else:
            kind = "answered with the wrong passage"
        out.append({**outcome, "kind": kind, "expected": [p for p in map(passage, outcome["relevant"]) if p],
                    "given": passage(outcome["top"]) if not outcome["abstained"] else None,
                    "closest": passage(outcome["top"]) if outcome["abstained"] else None})
    return out


def run_batch(answerer: Answerer, questions: Sequence[LabelledQuestion]) -> dict[str, Any]:
    """`evaluate` plus the failures beside their expected passages and the index fingerprint."""
    check_known(questions, answerer)
    report = evaluate(answerer, questions)
    report["index_fingerprint"] = answerer.index.fingerprint()
    report["failures"] = failures(report, answerer)
    return report


class RunLog:
    """Saved batch-test runs: who ran what on which index, and the whole report."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def save(self, report: dict[str, Any], editor: str, source: str) -> int:
        summary = {k: report.get(k) for k in SUMMARY_KEYS}
        try:
            return self.store.write(
                SCHEMA,
                "INSERT INTO eval_runs (created_at, editor, source, index_fingerprint, questions, summary, report) "
                "VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?, ?, ?, ?, ?, ?)",
                (editor, source, report.get("index_fingerprint", ""), int(report.get("n") or 0),
                 json.dumps(summary), json.dumps(report, ensure_ascii=False)))
        except sqlite3.Error as error:
            raise StoreError(f"the run could not be saved ({error})") from None

    def _rows(self, sql: str, params: tuple) -> list[dict[str, Any]]:
        return self.store.rows(SCHEMA, sql, params)

    def runs(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest runs, newest first, without their per-question detail."""
        rows = self._rows("SELECT id, created_at, editor, source, index_fingerprint, questions, summary "
                          "FROM eval_runs ORDER BY id DESC LIMIT ?", (limit,))
        for row in rows:
            row["summary"] = json.loads(row["summary"])
        return rows

    def get(self, run_id: int) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM eval_runs WHERE id = ?", (run_id,))
        if not rows:
            return None
        row = rows[0]
        row["summary"] = json.loads(row["summary"])
        row["report"] = json.loads(row["report"])
        return row

    def previous(self, source: str, before: int | None = None) -> dict[str, Any] | None:
        """The latest run of the same questions (same `source`) before run `before`."""
        rows = self._rows("SELECT id FROM eval_runs WHERE source = ? AND id < ? ORDER BY id DESC LIMIT 1",
                          (source, before if before is not None else 2**62))
        return self.get(rows[0]["id"]) if rows else None

    def run_and_save(self, answerer: Answerer, questions: Sequence[LabelledQuestion], editor: str,
                     source: str) -> dict[str, Any]:
        """Run the batch test, compare it with the previous run of `source`, and save it."""
        report = run_batch(answerer, questions)
        earlier = self.previous(source)
        report["compare"] = compare_reports(earlier["report"], report) if earlier else None
        report["previous_run"] = ({k: earlier[k] for k in ("id", "created_at", "editor", "index_fingerprint")}
                                  if earlier else None)
        report["source"] = source
        report["run_id"] = self.save(report, editor, source)
        return report
