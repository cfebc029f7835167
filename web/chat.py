"""Reader pages: the chat over all explainers (`/`) and over one (`/explainers/<id>`).

Works without JavaScript: the form is a plain POST to the same page (`q` with the earlier questions
as `history` fields; a link with `?q=...` works too), and the answer is rendered here. With JavaScript, static/chat.js
asks /api/ask and renders the same markup on the client.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bot.store import StoreError

from . import answering
from .api import MAX_ANSWER_ID_CHARS, MAX_COMMENT_CHARS
from .errors import ApiError, reader_message

bp = Blueprint("chat", __name__)
bp.add_app_template_global(answering.confidence_label, "confidence_label")
bp.add_app_template_global(answering.highlight, "highlight")
bp.add_app_template_global(answering.original_link, "original_link")
bp.add_app_template_global(answering.long_date, "long_date")


def conversation(explainer_id: str | None) -> dict[str, Any]:
    """The question in the request (if any) answered, with the history to carry to the next turn."""
    values = request.values
    raw = values.get("q")
    history = [h for h in values.getlist("history") if h.strip()]
    context: dict[str, Any] = {"question": None, "answer": None, "error": None, "empty": False, "history": history}
    if raw is None:
        return context
    try:
        question = answering.check_question(raw)
        history = answering.check_history(history)
        context.update(question=question, answer=answering.ask(question, explainer_id, history),
                       history=history)
    except ApiError as error:
        if error.status == 503:
            raise
        # The conversation goes on after a refused question (empty, too long): the turns that can be carried are.
        limit = current_app.config["MAX_QUESTION_CHARS"]
        kept = [h for h in answering.turns(history) if len(h) <= limit][-answering.MAX_HISTORY:]
        # A question of nothing that shows is no turn: the form says "Type a question first." as it does with
        # JavaScript, rather than an empty "You asked" bubble.
        empty = error.code == "empty_question"
        context.update(question=None if empty else raw, error=reader_message(error.code), empty=empty, history=kept)
    return context


def render_chat(explainer_id: str | None, template: str = "chat.html", **extra: Any) -> str:
    loaded = answering.answerer()
    explainer = loaded.explainers.get(explainer_id) if explainer_id else None
    # Only questions the bot answers are offered: a "Try asking" that gets "I don't know" costs trust.
    if explainer is not None:
        starters = loaded.answerable_questions(explainer.id)[:4]
    else:
        starters = [q for item in loaded.explainers.values() for q in loaded.answerable_questions(item.id)[:1]][:4]
    extra.setdefault("carry", [])
    extra.setdefault("frame", False)
    return render_template(template, explainer=explainer, explainers=list(loaded.explainers.values()),
                           starters=starters, max_chars=current_app.config["MAX_QUESTION_CHARS"],
                           **conversation(explainer_id), **extra)


@bp.route("/", methods=["GET", "POST"])
def index() -> str:
    return render_chat(None, ask_url=url_for("chat.index"))


@bp.route("/explainers/<explainer_id>", methods=["GET", "POST"])
def explainer(explainer_id: str) -> str:
    if explainer_id not in answering.answerer().explainers:
        abort(404)
    return render_chat(explainer_id, ask_url=url_for("chat.explainer", explainer_id=explainer_id))


# A browser reads "\" in an address as "/" and drops tabs and newlines from it, so "/\evil.example" and
# "/<tab>/evil.example" lead to another site as "//evil.example" does.
_NOT_IN_A_PATH = re.compile(r"[\\\x00-\x1f\x7f]")


def _back(value: str | None) -> str:
    """Where "Ask another question" leads: a path on this site, never another site."""
    back = value or "/"
    return back if back.startswith("/") and not back.startswith("//") and not _NOT_IN_A_PATH.search(back) else "/"


@bp.get("/feedback/why")
def feedback_why() -> str:
    """Without JavaScript, "No" opens this form first: what was wrong, optionally, then one feedback row
    (with JavaScript the same question opens under the answer)."""
    answer_id = request.args.get("answer_id", "").strip()
    if not answer_id or len(answer_id) > MAX_ANSWER_ID_CHARS:
        abort(400)
    return render_template("feedback_why.html", answer_id=answer_id, back=_back(request.args.get("next")),
                           comment="", error=None, limit=MAX_COMMENT_CHARS)


@bp.post("/feedback")
def feedback() -> Response | str | tuple[str, int]:
    """Thumbs up/down from the no-JavaScript page, a "No" with its optional comment from /feedback/why;
    the script posts JSON to /api/feedback instead."""
    answer_id = request.form.get("answer_id", "").strip()
    verdict = request.form.get("helpful")
    back = _back(request.form.get("next"))
    if not answer_id or verdict not in ("yes", "no"):
        abort(400)
    comment = None
    if verdict == "no":  # a comment comes only with a "No"
        comment = (request.form.get("comment") or "").strip() or None
    if comment is not None and len(comment) > MAX_COMMENT_CHARS:
        error = f"Your comment is {len(comment)} characters long; please shorten it to {MAX_COMMENT_CHARS} and send it again."
        return render_template("feedback_why.html", answer_id=answer_id, back=back, comment=comment, error=error,
                               limit=MAX_COMMENT_CHARS), 400
    try:
        stored = current_app.extensions["store"].add_feedback(answer_id, verdict == "yes", comment)
    except StoreError:
        raise ApiError(503, "feedback_unavailable", "Your feedback could not be saved right now; please try again later.") from None
    if not stored:  # an unknown answer: say so, and hand back what the reader wrote
        return render_template("thanks.html", back=back, saved=False, comment=comment), 404
    return render_template("thanks.html", back=back, saved=True)


@bp.get("/favicon.ico")
def favicon() -> Response:
    return redirect(url_for("static", filename="favicon.svg"), code=301)
