"""What both the API and the pages do with a question: check it, answer it, log it.

Also the two small presentation rules the pages share with `static/chat.js`: the confidence cue
and the answer sentence found inside its passage.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from bot import bundle
from bot import text as textlib
from bot.answer import Answerer
from bot.explainer_build import web_address
from bot.index import IndexFormatError
from bot.store import new_answer_id

from .errors import ApiError, shown

MAX_HISTORY = 20
log = logging.getLogger(__name__)


def reload_index(app: Flask) -> bool:
    """Load the index again from INDEX_DIR (after `train.py` wrote a new one) and answer from it.

    A reload that fails (missing, truncated, corrupted or wrong-version index) changes nothing: the
    old index keeps answering, the error is logged and kept in `app.extensions["reload_error"]`.
    Returns whether the new index is in use. `python -m bot serve` calls it on SIGHUP, and
    `follow_index` when the folder holds a new index.
    """
    try:
        loaded = load_index(app)
    except IndexFormatError as error:
        app.extensions["reload_error"] = str(error)
        log.error("reload failed, still answering from the index loaded before: %s", error)
        return False
    app.extensions["answerer"] = loaded  # one assignment: a request sees the old index or the new one
    app.extensions["index_error"] = app.extensions["index_error_public"] = None
    app.extensions["reload_error"] = None
    log.info("reloaded the index from %s (%s)", app.config["INDEX_DIR"], loaded.index.fingerprint())
    return True


def index_marker(folder: str | Path) -> tuple[int, int, int] | None:
    """What tells one saved index from the next in `folder`: its index.json's inode, size and time
    (a new index is written beside the old one and renamed into place, so it is a new file), or None."""
    try:
        stat = os.stat(Path(folder) / "index.json")
    except OSError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def watch(app: Flask) -> dict[str, Any]:
    """This process's view of INDEX_DIR: the marker of the index it answers from, the last one it tried,
    and when it last looked (made once, by `load_index`)."""
    return app.extensions["index_watch"]


def load_index(app: Flask) -> Answerer:
    """Load the index in INDEX_DIR and note which one it was; `IndexFormatError` if it cannot be loaded."""
    watch_state = app.extensions.setdefault("index_watch", {"loaded": None, "tried": None,
                                                            "checked_at": time.monotonic(), "lock": threading.Lock()})
    marker = index_marker(app.config["INDEX_DIR"])
    loaded = bundle.load(app.config["INDEX_DIR"], mmap=bool(app.config.get("INDEX_MMAP")))
    watch_state["loaded"] = marker
    return loaded


def follow_index(app: Flask) -> None:
    """Before a request: at most every INDEX_CHECK_SECONDS, load the index INDEX_DIR now holds if it is
    not the one this process answers from (`train.py` ran, or another worker's editor rebuilt it), so
    that every worker, and every server sharing the folder, answers alike.  An index that fails to
    load is not tried again until the folder changes; the old one keeps answering."""
    every = app.config["INDEX_CHECK_SECONDS"]
    state = watch(app)
    now = time.monotonic()
    if every <= 0 or now - state["checked_at"] < every:
        return
    state["checked_at"] = now
    marker = index_marker(app.config["INDEX_DIR"])
    if marker is None or marker in (state["loaded"], state["tried"]):
        return
    if not state["lock"].acquire(blocking=False):  # another thread of this process is loading it
        return
    try:
        state["tried"] = marker
        reload_index(app)
    finally:
        state["lock"].release()


def install(app: Flask, loaded: Answerer, saved: bool) -> None:
    """Answer from `loaded` in this process; when it was just `saved` to INDEX_DIR, note it as loaded,
    so that this process does not load it again and the others do."""
    app.extensions["answerer"] = loaded
    app.extensions["index_error"] = app.extensions["index_error_public"] = None
    if saved:
        watch(app)["loaded"] = index_marker(app.config["INDEX_DIR"])


def answerer() -> Answerer:
    loaded = current_app.extensions.get("answerer")
    if loaded is None:
        raise ApiError(503, "index_unavailable", "The answer index is not loaded; "
                       f"{current_app.extensions.get('index_error_public') or 'build it with `python train.py`'}")
    return loaded


def without_paths(message: str, folder: Path) -> str:
    """`message` with the index folder named by its setting: "no index at $INDEX_DIR (index.json is missing)"
    tells an operator what to mend, and an anonymous client nothing of the server's disk."""
    names = sorted({str(folder), str(folder.resolve()), str(folder.absolute())} - {"", "."}, key=len, reverse=True)
    return re.sub("|".join(map(re.escape, names)), "$INDEX_DIR", message) if names else message


# Control characters (NUL, escape codes, C1) are no part of a question: a question of nothing else is empty,
# and none reaches the log, where it would show as boxes in the editor's queue.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]+")


def without_controls(text: str) -> str:
    return _CONTROL.sub(" ", text).strip()


# Characters that show nothing on their own: format characters (zero-width space, byte-order mark, direction marks),
# combining marks with no letter to sit on, separators. They belong inside a question (a joiner in an emoji, a mark
# on a letter), but a question of nothing else is as empty as one of spaces.
_INVISIBLE = {"Cf", "Mn", "Me", "Zs", "Zl", "Zp"}


def shows_nothing(text: str) -> bool:
    return all(char.isspace() or unicodedata.category(char) in _INVISIBLE for char in text)


def check_question(question: Any) -> str:
    if question is None:
        raise ApiError(400, "missing_question", "Send a question: {\"question\": \"...\"}.")
    if not isinstance(question, str):
        raise ApiError(400, "invalid_question", "The question must be a string.")
    question = without_controls(question)
    if shows_nothing(question):
        raise ApiError(400, "empty_question", "The question is empty; type a question.")
    limit = current_app.config["MAX_QUESTION_CHARS"]
    if len(question) > limit:
        raise ApiError(400, "question_too_long", f"The question is {len(question)} characters long; the limit is {limit}.")
    return question


def turns(history: Sequence[str]) -> list[str]:
    """The earlier questions as the answerer reads them: control characters out, blank ones dropped."""
    return [item for item in map(without_controls, history) if item]


def check_history(history: Any) -> list[str]:
    if history is None:
        return []
    if not isinstance(history, list) or not all(isinstance(item, str) for item in history):
        raise ApiError(400, "invalid_history", "history must be a list of earlier questions (strings), oldest first.")
    # Only recent turns matter to a follow-up; older ones are dropped rather than refused, whatever their length.
    recent = turns(history)[-MAX_HISTORY:]
    limit = current_app.config["MAX_QUESTION_CHARS"]
    if any(len(item) > limit for item in recent):
        raise ApiError(400, "invalid_history", f"Each earlier question in history is limited to {limit} characters.")
    return recent


def check_explainer(explainer: Any) -> str | None:
    if explainer is None or explainer == "":
        return None
    if not isinstance(explainer, str):
        raise ApiError(400, "invalid_explainer", "explainer must be an explainer id (a string).")
    if explainer not in answerer().explainers:
        raise ApiError(404, "unknown_explainer", f"There is no explainer {shown(explainer)}; GET /api/explainers lists them.")
    return explainer


class RecentAnswers:
    """The answers (the API's JSON, without an `answer_id`) to the last `size` different questions asked of
    one answerer, each with its explainer and earlier turns.

    On a busy page many readers ask the same question, most often one the bot offered them; its answer depends
    on nothing but the question, the explainer, the earlier turns and the index, so until the index changes
    (a reload or a rebuild installs a new answerer, and with it a new `RecentAnswers`) it is answered once.
    Every asking still gets its own `answer_id` and its own row in the question log.
    """

    def __init__(self, answerer: Answerer, size: int) -> None:
        self.answerer = answerer
        self.size = size
        self._answers: dict[tuple[str, str | None, tuple[str, ...]], dict[str, Any]] = {}
        self._lock = threading.Lock()  # a threaded server's requests share it

    def answer(self, question: str, explainer: str | None, history: Sequence[str]) -> dict[str, Any]:
        """The answer's JSON, a new dict each call (its lists and dicts are shared: read them, do not change them)."""
        key = (question, explainer, tuple(history))
        with self._lock:
            found = self._answers.pop(key, None)
            if found is not None:  # asked again: the last to be forgotten
                self._answers[key] = found
        if found is None:
            found = self.answerer.answer(question, explainer=explainer, history=list(history)).to_json()
            found.pop("features", None)  # the editor's console explains an answer; readers are not sent it
            if self.size:
                with self._lock:
                    if len(self._answers) >= self.size:  # the one asked longest ago goes first
                        del self._answers[next(iter(self._answers))]
                    self._answers[key] = found
        return dict(found)


def recent_answers() -> RecentAnswers:
    """This process's `RecentAnswers` for the answerer now in use (a new one once the index is replaced)."""
    loaded = answerer()
    recent = current_app.extensions.get("recent_answers")
    if recent is None or recent.answerer is not loaded:
        recent = current_app.extensions["recent_answers"] = RecentAnswers(loaded, current_app.config["ANSWER_MEMORY"])
    return recent


def ask(question: str, explainer: str | None = None, history: Sequence[str] = ()) -> dict[str, Any]:
    """Answer a checked question and queue it for the log; the API's answer JSON with its `answer_id`."""
    result = recent_answers().answer(question, explainer, history)
    result["answer_id"] = new_answer_id()
    current_app.extensions["store"].log_question(result["answer_id"], question, explainer, result)
    return result


def confidence_label(answer: dict[str, Any]) -> str:
    """A plain-language cue: "Confident" above the midpoint between the threshold and certainty.
    (static/chat.js applies the same rule.)"""
    if answer.get("abstained"):
        return "Not sure"
    threshold = float(answer.get("threshold") or 0.5)
    return "Confident" if float(answer.get("confidence") or 0) >= (threshold + 1) / 2 else "Fairly sure"


def long_date(value: str | None) -> str:
    """An explainer's date as readers write it: "2025-07-15" as "15 July 2025", "2025-07" as "July 2025"; any
    other text as it is. (static/chat.js's longDate is the script's twin.)"""
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", value or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        return value or ""
    month = f"{textlib.MONTHS[int(match.group(2)) - 1]} {match.group(1)}"
    return f"{int(match.group(3))} {month}" if match.group(3) else month


def original_link(url: str | None) -> str | None:
    """Where "Read the full explainer" goes: the explainer's own address on the publisher's site, when the corpus
    gives an http(s) one (the parsers and the index's loader refuse any other; checked again here, as they check it:
    a prefix alone let "https://news.example@evil.example/" through)."""
    return url if url and web_address(url) else None


def highlight(passage: str, sentence: str) -> tuple[str, str, str]:
    """The passage split around its answer sentence: (before, sentence, after)."""
    if sentence and sentence in passage:
        start = passage.index(sentence)
        return passage[:start], sentence, passage[start + len(sentence):]
    if sentence:
        return "", sentence, (" " + passage if passage and passage != sentence else "")
    return "", "", passage
