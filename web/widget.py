"""The embeddable widget: the loader script a newsroom adds to a page, the chat frame it opens,
and /demo, a sample article page with the widget on it."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app, render_template, request, send_from_directory, url_for

from . import answering
from .chat import render_chat

bp = Blueprint("widget", __name__)

_HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
MAX_TITLE_CHARS = 60


def accent_colour(value: str | None) -> str | None:
    """A `#rgb` or `#rrggbb` colour, or None: anything else could smuggle CSS."""
    return value if value and _HEX_COLOUR.match(value) else None


@bp.get("/widget.js")
def loader() -> Response:
    response = send_from_directory(current_app.static_folder or "static", "widget.js",
                                   mimetype="text/javascript", max_age=300)
    # Newsroom pages load it from another origin; it may be cached briefly by browsers and CDNs.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/widget/frame")
def frame() -> str:
    explainer_id = request.args.get("explainer") or None
    loaded = answering.answerer()
    if explainer_id is not None and explainer_id not in loaded.explainers:
        abort(404)
    explainer = loaded.explainers.get(explainer_id) if explainer_id else None
    accent = accent_colour(request.args.get("accent"))
    title = (request.args.get("title") or "").strip()[:MAX_TITLE_CHARS] or "Ask about this story"
    carry = [("explainer", explainer_id or ""), ("title", title)] + ([("accent", accent)] if accent else [])
    if explainer is None:
        carry = carry[1:]
    return render_chat(explainer_id, ask_url=url_for("widget.frame"), frame=True, accent=accent, title=title,
                       carry=carry)


@bp.get("/demo")
def demo() -> str:
    return render_template("demo.html")
