"""The JSON API: /api/ask, /api/explainers, /api/feedback, /api/openapi.json and /healthz."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from bot.store import StoreError

from . import answering
from .errors import ApiError, shown
from .openapi import openapi_document

bp = Blueprint("api", __name__)

MAX_COMMENT_CHARS = 1000
MAX_ANSWER_ID_CHARS = 64  # answer ids are 32 characters; the no-JavaScript form allows as many as this


def json_body() -> dict[str, Any]:
    """The request's JSON object, or the right 4xx: 415 not JSON, 400 malformed or not an object."""
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send the body as JSON with Content-Type: application/json.")
    raw = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH this raises 413
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ApiError(400, "invalid_json", f"The body is not valid JSON ({error}).") from None
    except ValueError:  # Python's own limit on a number's digits; its message tells a client to change Python
        raise ApiError(400, "invalid_json", "The body holds a number too long to read (over 4,300 digits).") from None
    except RecursionError:  # "[[[[...]]]]" thousands deep (issue 7)
        raise ApiError(400, "invalid_json", "The body is nested too deeply to be a question.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "The body must be a JSON object.")
    # "\ud800" is valid JSON but no text: it could be neither stored nor shown. UTF-8 holds no surrogate, so
    # only such an escape brings one in, and a body without one is not encoded again to look.
    if _SURROGATE_ESCAPE.search(raw):
        try:
            json.dumps(body, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ApiError(400, "invalid_text", "The body holds an unpaired surrogate (\\ud800-\\udfff); send valid Unicode text.") from None
    return body


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


@bp.post("/api/ask")
def ask() -> Response:
    body = json_body()
    question = answering.check_question(body.get("question"))
    explainer = answering.check_explainer(body.get("explainer"))
    history = answering.check_history(body.get("history"))
    return jsonify(answering.ask(question, explainer, history))


def explainer_summary(explainer: Any, loaded: Any) -> dict[str, Any]:
    # The questions to offer readers are the ones the bot answers, as on the chat pages: an explainer's own "Go
    # deeper" questions mostly point past it, and asked, they get "I don't know".
    return {"id": explainer.id, "title": explainer.title, "date": explainer.date,
            "suggested_questions": loaded.answerable_questions(explainer.id)}


@bp.get("/api/explainers")
def explainers() -> Response:
    loaded = answering.answerer()
    return jsonify({"explainers": [explainer_summary(e, loaded) for e in loaded.explainers.values()]})


@bp.get("/api/explainers/<explainer_id>")
def explainer(explainer_id: str) -> Response:
    loaded = answering.answerer()
    if explainer_id not in loaded.explainers:
        raise ApiError(404, "unknown_explainer", f"There is no explainer {shown(explainer_id)}; GET /api/explainers lists them.")
    data = loaded.explainers[explainer_id].to_json()
    # Questions an editor marked out of scope live in the index only to make the bot abstain on them. A passage's
    # `line` is where it starts in a corpus file the API does not name, for the corpus's error messages: no use to
    # a client, and no part of the documented Explainer schema.
    data["passages"] = [{key: value for key, value in p.items() if key != "line"}
                        for p in data["passages"] if p["kind"] != "out_of_scope"]
    data["suggested_questions"] = loaded.answerable_questions(explainer_id)
    return jsonify(data)


@bp.post("/api/feedback")
def feedback() -> Response:
    body = json_body()
    answer_id, helpful, comment = body.get("answer_id"), body.get("helpful"), body.get("comment")
    if not isinstance(answer_id, str) or not answer_id.strip() or len(answer_id.strip()) > MAX_ANSWER_ID_CHARS:
        # Never echoed when it cannot be one: an error message is no place for 5,000 characters of input.
        raise ApiError(400, "invalid_answer_id", "answer_id must be the answer_id string an answer came with.")
    if not isinstance(helpful, bool):
        raise ApiError(400, "invalid_helpful", "helpful must be true or false.")
    if comment is not None and not isinstance(comment, str):
        raise ApiError(400, "invalid_comment", "comment must be a string.")
    if comment is not None and len(comment) > MAX_COMMENT_CHARS:
        raise ApiError(400, "comment_too_long", f"The comment is {len(comment)} characters long; the limit is {MAX_COMMENT_CHARS}.")
    store = current_app.extensions["store"]
    try:
        stored = store.add_feedback(answer_id.strip(), helpful, (comment or "").strip() or None)
    except StoreError as error:
        raise ApiError(503, "feedback_unavailable", f"Your feedback could not be saved right now; please try again later. ({error})") from None
    if not stored:
        raise ApiError(404, "unknown_answer", f"There is no answer {answer_id!r}; send the answer_id an answer came with.")
    response = jsonify({"stored": True, "answer_id": answer_id.strip(), "helpful": helpful})
    response.status_code = 201
    return response


@bp.get("/api/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())


@bp.get("/healthz")
def healthz() -> Response:
    loaded = current_app.extensions.get("answerer")
    if loaded is None:
        response = jsonify({"status": "unavailable", "index_loaded": False, "fingerprint": None, "built_at": None,
                            "explainers": 0, "passages": 0, "error": current_app.extensions.get("index_error_public")})
        response.status_code = 503
        return response
    # Readers are answered without the database, so it does not make the server unhealthy; rows of the question
    # log it could not take (a full disk, a folder that cannot be made) are counted here for monitoring to see.
    # `database` tells the latest question-log write, so monitoring can tell a failing database from old losses;
    # the probe itself never writes (a load balancer asks often).
    store = current_app.extensions["store"]
    failing = store.last_write_error
    return jsonify({"status": "ok", "index_loaded": True, "fingerprint": loaded.index.fingerprint(),
                    "built_at": getattr(loaded.index, "built_at_", None), "explainers": len(loaded.explainers),
                    "passages": len(loaded.passages), "question_log_dropped": store.dropped,
                    "database": "failing" if failing else "ok", **({"database_error": failing} if failing else {})})
