"""The editor console (`/editor`) and its API (`/editor/api/...`): test a question, run the batch
test, read the charts, work through the review queue, rebuild and export.

Access: the console exists only when `EDITOR_TOKEN` is set (otherwise every editor route is a 404).
The API takes `Authorization: Bearer <token>`; the pages take a login form that checks the token and
sets a signed session cookie (path /editor, SameSite=Strict), after which the page's script calls
the API with the session and its CSRF token. Tokens are compared in constant time and never logged, and a
client address that has sent many wrong ones (WRONG_TOKENS) must wait before it may send another.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    has_request_context,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import RequestEntityTooLarge

from bot import bundle
from bot.corpus import CorpusError, LabelledQuestion, default_questions
from bot.explain import explain
from bot.locks import LockBusy
from bot.review import (
    ACTIONS,
    AlreadyDecided,
    ReviewError,
    ReviewLog,
    export_lock,
    labelled_questions,
    rebuild,
    rebuild_lock,
    skipped_note,
)
from bot.review import export as export_decisions
from bot.runs import RunLog, parse_questions
from bot.store import StoreError

from . import answering
from .api import json_body
from .errors import ApiError, error_response, human_size
from .ratelimit import client_key, make_limiter

bp = Blueprint("editor", __name__, url_prefix="/editor")

MAX_NAME_CHARS = 60
CORPUS_SOURCE = "corpus"
# Wrong editor tokens one client address may send (sign-in form and Bearer alike), then one more every six
# seconds: room for typing mistakes, none for guessing a token, which was tried as fast as the server answered.
WRONG_TOKENS = (10, 60.0)


class EditorSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the request came over HTTPS (at the proxy too, with
    TRUSTED_PROXIES): a cookie that a plain-HTTP request could carry would give the console to whoever read it."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(super().get_cookie_secure(app)) or (has_request_context() and request.is_secure)


def init_app(app: Flask) -> None:
    """Register the console; its session cookie is kept to /editor so readers never get one."""
    app.session_interface = EditorSessionInterface()
    if app.config.get("SESSION_COOKIE_PATH") is None:
        app.config["SESSION_COOKIE_PATH"] = "/editor"
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Strict"
    app.extensions["editor_rebuild_lock"] = threading.Lock()
    # Shared by every process on the machine through RATE_LIMIT_DIR, as the readers' limits are: else each worker
    # of a server gave a guesser its own allowance.
    app.extensions["editor_wrong_tokens"] = make_limiter("EDITOR_WRONG_TOKENS", WRONG_TOKENS,
                                                         app.config.get("RATE_LIMIT_DIR"))
    app.register_blueprint(bp)


# ---------------------------------------------------------------- access
def _token() -> str:
    return current_app.config.get("EDITOR_TOKEN") or ""


def _token_matches(given: str | None) -> bool:
    token = _token()
    return bool(token) and given is not None and hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))


def _wrong_token() -> None:
    current_app.extensions["editor_wrong_tokens"].take(client_key(request.remote_addr))


def _presents_token() -> bool:
    return request.endpoint == "editor.login" or request.headers.get("Authorization", "").startswith("Bearer ")


def _refuse_guessing() -> Response | None:
    """A 429 with Retry-After for a request that presents a token, while its client address has sent too many wrong
    ones; the token is not looked at, right or wrong, so that the answer tells a guesser nothing."""
    wait = current_app.extensions["editor_wrong_tokens"].wait(client_key(request.remote_addr))
    if wait <= 0 or not _presents_token():
        return None
    seconds = max(1, math.ceil(wait))
    message = (f"Too many wrong editor tokens from your address; try again in {seconds} "
               f"second{'s' if seconds != 1 else ''}.")
    if request.path.startswith("/editor/api/"):
        response = error_response(429, "rate_limited", message)
    else:
        name = (request.form.get("name") or "").strip()[:MAX_NAME_CHARS]
        response = make_response(_login_page(429, message, name))
    response.headers["Retry-After"] = str(seconds)
    return response


def _session_key() -> str:
    """Ties a login to the token it was made with: changing EDITOR_TOKEN logs every editor out."""
    return hmac.new(current_app.config["SECRET_KEY"].encode("utf-8"), _token().encode("utf-8"),
                    hashlib.sha256).hexdigest()[:32]


# Each sign-in is a row, ended by its sign-out: the session cookie alone stayed good after signing out, so a copy
# of it (from a shared computer, a proxy's log) went on working until EDITOR_TOKEN or SECRET_KEY changed.
SIGNINS_SCHEMA = """
CREATE TABLE IF NOT EXISTS editor_signins (
    id TEXT PRIMARY KEY,
    editor TEXT NOT NULL,
    signed_in_at TEXT NOT NULL,
    signed_out_at TEXT
);
"""


def _signed_in(signin: str) -> bool:
    """Whether sign-in `signin` has not been signed out (once per request)."""
    if "editor_signin_open" not in g:
        try:
            rows = current_app.extensions["store"].rows(
                SIGNINS_SCHEMA, "SELECT 1 FROM editor_signins WHERE id = ? AND signed_out_at IS NULL", (signin,))
        except StoreError as error:
            raise ApiError(503, "store_unavailable", f"Sign-ins cannot be checked right now; try again shortly. ({error})") from None
        g.editor_signin_open = bool(rows)
    return bool(g.editor_signin_open)


def _logged_in() -> bool:
    key, signin = session.get("key"), session.get("signin")
    return (bool(session.get("editor")) and isinstance(key, str) and hmac.compare_digest(key, _session_key())
            and isinstance(signin, str) and _signed_in(signin))


def _api_editor() -> str:
    """Who is calling the API, or a 401/403: a bearer token, or a logged-in page with its CSRF token."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        if not _token_matches(header[len("Bearer "):].strip()):
            _wrong_token()
            raise ApiError(401, "unauthorized", "The editor token is not right.")
        return (request.headers.get("X-Editor-Name") or "api").strip()[:MAX_NAME_CHARS] or "api"
    csrf = request.headers.get("X-CSRF-Token")
    if _logged_in():
        if not hmac.compare_digest((csrf or "").encode("utf-8"), str(session.get("csrf", "")).encode("utf-8")):
            if csrf:  # the console's page, from before the editor signed in again in another tab
                raise ApiError(403, "forbidden", "This page is from an earlier sign-in (you signed in again since); "
                                                 "reload the page.")
            raise ApiError(403, "forbidden", "The request lacks the console's CSRF token; reload the page.")
        return str(session["editor"])
    if csrf is not None:
        # The console's own page, whose sign-in has ended: the editor needs to sign in, not to send a header.
        raise ApiError(401, "unauthorized", "You are signed out of the editor console (you signed out in another tab, "
                                            "or the server signed editors out); nothing was done. "
                                            "Reload the page to sign in again.")
    raise ApiError(401, "unauthorized", "Send the editor token: Authorization: Bearer <EDITOR_TOKEN>.")


@bp.before_request
def guard() -> Any:
    if not _token():
        raise ApiError(404, "not_found", "There is nothing at this address.")
    refused = _refuse_guessing()
    if refused is not None:
        return refused
    if request.path.startswith("/editor/api/"):
        g.editor = _api_editor()
        return None
    if request.endpoint in ("editor.login", "editor.login_form"):
        return None
    if not _logged_in():
        return _login_page(status=401)
    g.editor = str(session["editor"])
    return None


@bp.after_request
def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _login_page(status: int, error: str = "", name: str = "") -> tuple[str, int]:
    return render_template("editor_login.html", error=error, name=name), status


@bp.get("/login")
def login_form() -> Any:
    if _logged_in():
        return redirect(url_for("editor.console"), code=303)
    return _login_page(status=401)


@bp.post("/login")
def login() -> Any:
    name = (request.form.get("name") or "").strip()[:MAX_NAME_CHARS]
    if not _token_matches(request.form.get("token")):
        _wrong_token()
        return _login_page(401, "That token is not right. Ask whoever runs the bot for the editor token.", name)
    if not name:
        return _login_page(400, "Type your name: each decision you make is saved with it.", name)
    signin = secrets.token_urlsafe(18)
    try:
        current_app.extensions["store"].write(
            SIGNINS_SCHEMA, "INSERT INTO editor_signins (id, editor, signed_in_at) "
                            "VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))", (signin, name))
    except StoreError:
        return _login_page(503, "The console cannot sign you in right now: its database is unavailable. Try again "
                                "shortly.", name)
    session.clear()
    session.update(editor=name, key=_session_key(), csrf=secrets.token_urlsafe(24), signin=signin)
    return redirect(url_for("editor.console"), code=303)


@bp.post("/logout")
def logout() -> Any:
    if not hmac.compare_digest((request.form.get("csrf") or "").encode(), str(session.get("csrf", "")).encode()):
        # A console page from before the editor signed in again elsewhere: its Sign out led to an error page. A
        # sign-out no page of ours asked for is not done either, but the editor is asked, on a page of ours.
        return render_template("editor_signout.html", csrf=session["csrf"]), 403
    try:
        current_app.extensions["store"].write(
            SIGNINS_SCHEMA, "UPDATE editor_signins SET signed_out_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
                            "WHERE id = ? AND signed_out_at IS NULL", (str(session.get("signin", "")),))
    except StoreError as error:  # signed out here, but a copy of the cookie would still work: say so
        raise ApiError(503, "store_unavailable", "You could not be signed out everywhere right now: the console's "
                                                 f"database is unavailable. Try again shortly. ({error})") from None
    session.clear()
    return redirect(url_for("editor.login_form"), code=303)


# ---------------------------------------------------------------- the page
@bp.get("")
def console() -> str:
    loaded = answering.answerer()
    return render_template("editor.html", editor=g.editor, csrf=session["csrf"], status=_status(loaded),
                           explainers=list(loaded.explainers.values()),
                           max_chars=current_app.config["MAX_QUESTION_CHARS"])


def _status(loaded: Any) -> dict[str, Any]:
    return {"index_fingerprint": loaded.index.fingerprint(), "passages": len(loaded.passages),
            "explainers": len(loaded.explainers), "threshold": round(loaded.threshold, 4),
            "corpus_dir": current_app.config["CORPUS_DIR"],
            "rebuilt_at": current_app.extensions.get("editor_rebuilt_at")}


# ---------------------------------------------------------------- API
def _body() -> dict[str, Any]:
    return json_body()


def _reviews() -> ReviewLog:
    return ReviewLog(current_app.extensions["store"])


def _runs() -> RunLog:
    return RunLog(current_app.extensions["store"])


@bp.get("/api/status")
def status() -> Response:
    return jsonify({**_status(answering.answerer()), "editor": g.editor})


@bp.get("/api/passages")
def passages() -> Response:
    """Every passage an answer can come from, for the label picker."""
    loaded = answering.answerer()
    return jsonify({"passages": [
        {"passage_id": p.id, "explainer_id": p.explainer_id, "explainer_title": loaded.explainers[p.explainer_id].title,
         "section": p.section, "heading": p.heading, "text": p.display_text}
        for p in loaded.passages.values() if p.answerable]})


@bp.post("/api/test")
def test_question() -> Response:
    body = _body()
    question = answering.check_question(body.get("question"))
    explainer = answering.check_explainer(body.get("explainer"))
    history = answering.check_history(body.get("history"))
    return jsonify(explain(answering.answerer(), question, explainer, history))


def _corpus_questions() -> list[LabelledQuestion]:
    """The labelled questions beside the corpus plus the queue's labels not yet exported there."""
    folder = Path(current_app.config["CORPUS_DIR"])
    questions = default_questions(folder)
    known = {q.id for q in questions}
    return questions + [q for q in labelled_questions(_reviews().actions()) if q.id not in known]


@bp.post("/api/batch")
def batch() -> Response:
    """Run the batch test on the corpus's labelled questions, or on an uploaded JSONL or CSV file."""
    # A file of a few hundred questions is larger than any reader's request, so this route alone takes
    # EDITOR_MAX_UPLOAD_BYTES; set before the body is read, it also bounds a body sent without a length.
    limit = current_app.config["EDITOR_MAX_UPLOAD_BYTES"]
    too_large = ApiError(413, "too_large", f"The upload is larger than {human_size(limit)} (EDITOR_MAX_UPLOAD_BYTES); "
                                           "split the questions into several files.")
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    request.max_content_length = limit
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        raise too_large from None
    try:
        if upload is not None and upload.filename:
            questions = parse_questions(upload.filename, upload.read(), current_app.config["MAX_QUESTION_CHARS"])
            source = f"upload:{Path(upload.filename).name}"
        else:
            questions = _corpus_questions()
            source = CORPUS_SOURCE
            if not questions:
                raise CorpusError(current_app.config["CORPUS_DIR"], None, "no labelled questions in eval/*.jsonl")
        most = current_app.config["EDITOR_MAX_BATCH_QUESTIONS"]
        if len(questions) > most:
            uploaded = upload is not None and upload.filename
            raise ApiError(400, "too_many_questions",
                           f"{'The file' if uploaded else 'The corpus'} holds {len(questions):,} questions; a batch test "
                           f"runs at most {most:,} at a time (EDITOR_MAX_BATCH_QUESTIONS): "
                           + ("split the file into several." if uploaded else
                              "raise the setting, or score them with `python -m bot evaluate`."))
        report = _runs().run_and_save(answering.answerer(), questions, g.editor, source)
    except CorpusError as error:
        raise ApiError(400, "invalid_questions", str(error)) from None
    except StoreError as error:
        raise ApiError(503, "store_unavailable", str(error)) from None
    return jsonify(report)


@bp.get("/api/runs")
def runs() -> Response:
    return jsonify({"runs": _runs().runs()})


# Row ids are SQLite integers: a larger number in the address is no row (404), not a query SQLite refuses (500).
ROW_ID = "int(max=9223372036854775807)"


@bp.get(f"/api/runs/<{ROW_ID}:run_id>")
def run(run_id: int) -> Response:
    found = _runs().get(run_id)
    if found is None:
        raise ApiError(404, "unknown_run", f"There is no run {run_id}.")
    return jsonify(found)


QUEUE_PAGE = 300  # flagged questions read per page of the queue
MAX_QUEUE_ROWS = 30_000  # grouping is quadratic in the worst case; beyond this, decide or export first


@bp.get("/api/review")
def review_queue() -> Response:
    """The queue from the newest `limit` flagged questions (QUEUE_PAGE by default; "Show more" asks for
    more), with how many there are in all (`flagged`) and whether older ones were left out (`truncated`):
    a queue read silently up to a limit looks like a short queue."""
    raw = request.args.get("limit", str(QUEUE_PAGE))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_QUEUE_ROWS:
        raise ApiError(400, "invalid_limit", f"limit must be a whole number from 1 to {MAX_QUEUE_ROWS}.")
    limit = int(raw)
    loaded = answering.answerer()
    reviews = _reviews()
    try:
        groups = reviews.queue(loaded.threshold, limit=limit)
        flagged = reviews.flagged_count(loaded.threshold)
    except StoreError as error:
        raise ApiError(503, "store_unavailable", str(error)) from None
    for group in groups:
        for item in group["items"]:
            item["answer"] = _reader_answer(item, loaded)
            del item["answer_text"]  # in item["answer"]
    return jsonify({"threshold": round(loaded.threshold, 4), "groups": groups, "limit": limit, "most": MAX_QUEUE_ROWS,
                    "read": min(limit, flagged), "flagged": flagged, "truncated": flagged > limit})


def _reader_answer(item: dict[str, Any], loaded: Any) -> dict[str, Any]:
    """What the reader was given, so that an editor can judge it from the queue: the text they read (logged
    with the question; a question logged before that was kept reads as its passage's text) and where it came
    from. The passage is described as the index serving now holds it, or not at all if it is gone."""
    passage = loaded.passages.get(item["passage_id"]) if item.get("passage_id") and not item["abstained"] else None
    text = item.get("answer_text")
    if not text:
        text = "I don't know." if item["abstained"] else passage.display_text if passage else None
    found = {"abstained": item["abstained"], "text": text, "passage_id": None if item["abstained"] else item["passage_id"]}
    if passage is not None:
        explainer = loaded.explainers.get(passage.explainer_id)
        found.update(explainer_id=passage.explainer_id, explainer_title=explainer.title if explainer else "",
                     section=passage.section, heading=passage.heading, passage_text=passage.display_text)
    return found


@bp.get("/api/review/actions")
def review_actions() -> Response:
    return jsonify({"actions": _reviews().actions()})


ITEM_FIELDS = ("question", "previous_question", "answer_id", "explainer_id", "passage_id")
MAX_ID_CHARS = 200  # answer ids are 32 characters, passage ids an explainer's id and a few words


def _optional_id(item: dict[str, Any], field: str, where: str) -> str | None:
    """An item's optional id field: absent, null or "" is None; otherwise a string of at most MAX_ID_CHARS."""
    value = item.get(field)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"invalid_{field}", f"{where}.{field} must be a string (or null), not {type(value).__name__}.")
    if len(value) > MAX_ID_CHARS:
        raise ApiError(400, f"invalid_{field}", f"{where}.{field} is {len(value)} characters long; the limit is {MAX_ID_CHARS}.")
    return value


def _decision_item(item: Any, where: str, loaded: Any) -> dict[str, Any]:
    """One item of a decision, checked field by field: a bad value is the client's 400 (or, for an explainer
    the index does not hold, the 404 the public API gives), never a failed database write."""
    if not isinstance(item, dict):
        raise ApiError(400, "invalid_items", f"{where} must be an object {{\"question\", \"answer_id\"?, ...}}.")
    unknown = sorted(set(item) - set(ITEM_FIELDS))
    if unknown:
        raise ApiError(400, "invalid_items", f"{where} has unknown field(s) {', '.join(map(repr, unknown))}; "
                                             f"an item has {', '.join(ITEM_FIELDS)}.")
    try:
        question = answering.check_question(item.get("question"))
    except ApiError as error:
        raise ApiError(error.status, error.code, f"{where}.question: {error.message}") from None
    previous = item.get("previous_question")  # the earlier question a follow-up was answered with
    if previous == "":
        previous = None
    if previous is not None:
        try:
            previous = answering.check_question(previous)
        except ApiError as error:
            raise ApiError(400, "invalid_previous_question", f"{where}.previous_question: {error.message}") from None
    explainer_id = _optional_id(item, "explainer_id", where)
    if explainer_id is not None and explainer_id not in loaded.explainers:
        raise ApiError(404, "unknown_explainer", f"{where}.explainer_id: there is no explainer {explainer_id!r}; "
                                                 "GET /api/explainers lists them.")
    logged = _optional_id(item, "passage_id", where)  # the passage the bot gave; it may be gone since a rebuild
    if explainer_id is None and logged in loaded.passages:
        explainer_id = loaded.passages[logged].explainer_id
    return {"question": question, "previous_question": previous, "answer_id": _optional_id(item, "answer_id", where),
            "explainer_id": explainer_id}


@bp.post("/api/review/actions")
def review_action() -> Response:
    """Decide on one question or a group: {"action", "passage_id"?, "items": [{"question", "previous_question"?
    (the earlier question a follow-up followed), "answer_id"?, "explainer_id"?, "passage_id"? (the one the bot
    gave)}]}. Every item is checked before any is saved."""
    body = _body()
    action, passage_id = body.get("action"), body.get("passage_id")
    if not isinstance(action, str) or action not in ACTIONS:
        raise ApiError(400, "invalid_action", f"action must be one of {', '.join(ACTIONS)}.")
    items = body.get("items")
    if items is None:
        # One question sent without "items"; the body's passage_id is the decision's, not a logged one.
        items = [{field: body[field] for field in ITEM_FIELDS if field in body and field != "passage_id"}]
    if not isinstance(items, list) or not items:
        raise ApiError(400, "invalid_items", "items must be a non-empty list of {\"question\", \"answer_id\"?, ...}.")
    loaded = answering.answerer()
    if passage_id is not None and passage_id != "":
        if not isinstance(passage_id, str):
            raise ApiError(400, "invalid_passage_id", "passage_id must be a passage id (a string).")
        if passage_id not in loaded.passages:
            raise ApiError(400, "unknown_passage", f"There is no passage {passage_id[:MAX_ID_CHARS]!r} in the index.")
        chosen = loaded.passages[passage_id]
        # The index also holds out-of-scope stand-ins and teasers of other stories; a label or phrasing
        # naming one would be refused by train.py (or teach the bot to decline), so only real answers.
        if chosen.kind == "out_of_scope" or not chosen.answerable:
            what = "an out-of-scope stand-in" if chosen.kind == "out_of_scope" else "a teaser that answers nothing"
            raise ApiError(400, "unanswerable_passage", f"Passage {passage_id!r} is {what}, not a passage of the corpus "
                                                        "that answers a question; pick an answerable passage "
                                                        "(GET /editor/api/passages lists them).")
    checked = [_decision_item(item, f"items[{position}]", loaded) for position, item in enumerate(items)]
    try:
        saved = _reviews().record_all(action, checked, g.editor, passage_id=passage_id or None)
    except AlreadyDecided as error:
        raise ApiError(409, "already_decided", f"{str(error)[0].upper()}{str(error)[1:]}.") from None
    except ReviewError as error:
        raise ApiError(400, "invalid_action", str(error)) from None
    except StoreError as error:
        raise ApiError(503, "store_unavailable", str(error)) from None
    return jsonify({"saved": saved})


@bp.delete(f"/api/review/actions/<{ROW_ID}:action_id>")
def undo_review_action(action_id: int) -> Response:
    """Undo a decision not yet exported: it is deleted, and its question returns to the queue."""
    try:
        # Not while an export writes the decision to the corpus files, which would keep it after all.
        with export_lock(current_app.config["CORPUS_DIR"], exporting=False):
            undone = _reviews().undo(action_id)
    except LookupError as error:
        raise ApiError(404, "unknown_action", f"{str(error).capitalize()}.") from None
    except ReviewError as error:
        raise ApiError(409, "already_exported", f"{str(error)[0].upper()}{str(error)[1:]}.") from None
    except StoreError as error:
        raise ApiError(503, "store_unavailable", str(error)) from None
    current_app.logger.info("editor %s undid decision %s", g.editor, action_id)
    return jsonify({"undone": undone})


@bp.post("/api/rebuild")
def rebuild_index() -> Response:
    """Rebuild from CORPUS_DIR plus every decision, and swap it in; a failure keeps the old index serving."""
    lock: threading.Lock = current_app.extensions["editor_rebuild_lock"]
    if not lock.acquire(blocking=False):
        raise ApiError(409, "rebuild_running", "A rebuild is already running; wait for it to finish.")
    try:
        with rebuild_lock(current_app.config["INDEX_DIR"]):
            current = answering.answerer()
            try:
                fresh, stale = rebuild(current, current_app.config["CORPUS_DIR"], _reviews().actions())
            except Exception as error:  # whatever went wrong, readers keep the index that works
                current_app.logger.warning("editor rebuild failed: %s", error,
                                           exc_info=not isinstance(error, ValueError))
                raise ApiError(400, "rebuild_failed",
                               f"The rebuild failed, so the old index keeps serving: {error}") from None
            before = current.index.fingerprint()
            saved_to, note = _save(fresh)
            answering.install(current_app, fresh, saved=saved_to is not None)
        current_app.extensions["editor_rebuilt_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        # "changed" tells an editor whether their edits reach readers at all: the same fingerprint answers alike.
        return jsonify({**_status(fresh), "previous_fingerprint": before, "changed": fresh.index.fingerprint() != before,
                        "rebuilt_by": g.editor,
                        "saved_to": saved_to, "note": " ".join(filter(None, [skipped_note(stale), note])),
                        "skipped": [a["id"] for a in stale]})
    except LockBusy:
        raise ApiError(409, "rebuild_running", "Another server process is rebuilding the index; wait for it to "
                                               "finish, then rebuild again if your change is not in it.") from None
    finally:
        lock.release()


def _save(fresh: Any) -> tuple[str | None, str]:
    """Write a rebuilt index to INDEX_DIR (atomically, as `train.py` does), so that every worker and every
    server sharing the folder loads it (INDEX_CHECK_SECONDS) and a restart keeps it.  Returns where it
    went and what the editor should know."""
    folder = current_app.config["INDEX_DIR"]
    try:
        bundle.save(fresh, folder, getattr(fresh, "corpus_fingerprint", ""))
    except OSError as error:
        current_app.logger.warning("editor rebuild not saved to %s: %s", folder, error)
        return None, (f"The new index could not be saved to INDEX_DIR ({error.strerror or error}): only this server "
                      "process answers from it, until it restarts.")
    except ValueError as error:  # INDEX_DIR holds files of someone's beside the index: never deleted to save it
        current_app.logger.warning("editor rebuild not saved: %s", error)
        return None, ("The new index could not be saved to INDEX_DIR: the folder holds other files beside the index, "
                      "which replacing it would delete (the server's log names them; whoever runs the server can move "
                      "them out). Only this server process answers from the new index, until it restarts.")
    if current_app.config["INDEX_CHECK_SECONDS"] <= 0:
        return folder, ("Saved to INDEX_DIR. INDEX_CHECK_SECONDS is 0, so other server processes keep the old index "
                        "until they are sent SIGHUP or restarted.")
    return folder, ""


@bp.post("/api/export")
def export() -> Response:
    """Write every decision to the corpus files (labels and out-of-scope to eval/reader-labels.jsonl,
    phrasings to phrasings.jsonl)."""
    reviews = _reviews()
    try:
        with export_lock(current_app.config["CORPUS_DIR"]):
            actions = reviews.actions()
            written = export_decisions(current_app.config["CORPUS_DIR"], actions)
            # Skipped decisions stay pending, so that they stay listed until an editor undoes them.
            exported = set(written["exported_ids"])
            reviews.mark_exported(a["id"] for a in actions if a["exported_at"] is None and a["id"] in exported)
    except CorpusError as error:
        raise ApiError(409, "corpus_invalid", f"Nothing was exported: {error}") from None
    except OSError as error:
        raise ApiError(503, "export_failed", f"The corpus files could not be written ({error.strerror}).") from None
    except StoreError as error:
        raise ApiError(503, "store_unavailable", str(error)) from None
    return jsonify(written)
