"""One error shape, made in one place.

Every JSON error is `{"error": {"code": "...", "message": "..."}}` with a 4xx or 503 status, its message written
for the developer who calls the API; page routes get an HTML page, saying it in plain words for readers where the
two differ (READER_MESSAGES). Nothing a client sends may become a 500.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# The machine-readable code of each status a client can cause.
CODES = {
    400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large",
    415: "unsupported_media_type", 503: "unavailable", 500: "internal_error",
}


class ApiError(Exception):
    """An error to report to the client as-is: `raise ApiError(400, "empty_question", "...")`."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def human_size(size: int) -> str:
    """A size limit as people read it: 8388608 -> "8 MB", 65536 -> "64 KB", 100000 -> "97.6 KB". Rounded
    down, so that "larger than" it stays true of anything over the limit."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{math.floor(size / scale * 10) / 10:g} {unit}"
    return f"{size} byte{'' if size == 1 else 's'}"


# What a reader is told when a request fails, on the pages and by the chat script (which the chat page gives these
# in data-messages). The API's own messages are written for the developers who call it, naming fields, endpoints
# and commands ("GET /api/explainers lists them"); its JSON keeps them.
READER_MESSAGES = {
    "unknown_explainer": "This story is no longer available. Reload the page to ask about our other explainers.",
    "index_unavailable": "The explainers are being updated. Please try again in a minute.",
    "rate_limited": "Too many requests in a short time. Please wait a moment and try again.",
    "empty_question": "Type a question first.",
    "question_too_long": "That question is too long. Please shorten it and ask again.",
    "too_large": "That is too long to send. Please shorten it and try again.",
    "unknown_answer": "This answer is no longer on record, so your feedback could not be saved.",
    "feedback_unavailable": "Your feedback could not be saved right now. Please try again later.",
    "comment_too_long": "Your comment is too long. Please shorten it and send it again.",
}
READER_FALLBACK = "Something went wrong. Please try again."


def shown(value: str, limit: int = 80) -> str:
    """A client's value as an error message names it: quoted, and cut short past `limit` characters (an id of 60 KB
    is no use to read back)."""
    return repr(value) if len(value) <= limit else repr(value[:limit]) + f"… ({len(value)} characters)"


def reader_message(code: str, default: str = READER_FALLBACK) -> str:
    """The plain words a reader is shown for an error `code`, or `default`."""
    return READER_MESSAGES.get(code, default)


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def wants_json() -> bool:
    """API routes, /healthz and the widget loader answer errors in JSON; reader pages in HTML."""
    path = request.path
    return path.startswith("/api/") or path == "/api" or path == "/healthz" or path.startswith("/editor/api/")


def error_response(status: int, code: str, message: str) -> Response:
    if wants_json():
        response = jsonify(error_body(code, message))
    else:
        html = render_template("error.html", status=status, code=code, message=reader_message(code, message))
        response = Response(html, mimetype="text/html")
    response.status_code = status
    return response


_MESSAGES = {
    404: "There is nothing at this address.",
    405: "This address does not accept that method.",
    413: "The request body is too large.",
    400: "The request could not be understood.",
}


def register(app: Flask) -> None:
    app.add_template_global(READER_MESSAGES, "reader_messages")

    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> Response:
        return error_response(error.status, error.code, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        message = _MESSAGES.get(status) or error.description or "Error"
        if status == 413:
            message = f"The request body is larger than {human_size(app.config['MAX_CONTENT_LENGTH'])}."
        elif status == 405 and wants_json():
            allowed = sorted(set(error.valid_methods or []) - {"HEAD", "OPTIONS"})  # type: ignore[attr-defined]
            message = f"{request.method} is not allowed here; use {', '.join(allowed)}." if allowed else message
        response = error_response(status, CODES.get(status, "error"), message)
        if status == 405 and getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        # A bug of ours: log it whole, tell the client only that it happened.
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "Something went wrong on our side; please try again.")
