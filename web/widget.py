"""The embeddable widget: the loader script a newsroom adds to a page, the chat frame it opens,
and /demo, a sample article page with the widget on it."""

from __future__ import annotations

import hashlib
import logging
import os
import re
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, send_from_directory, url_for

from . import answering
from .chat import render_chat

log = logging.getLogger(__name__)

bp = Blueprint("widget", __name__)

_HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
MAX_TITLE_CHARS = 60
DEFAULT_TITLE = "Ask about this story"
THEMES = ("light", "dark", "auto")
# Light unless the embed says otherwise: the widget should match the publisher's page, which is more often light
# whatever the reader's system setting is ("auto" follows that setting, for pages that do too).
DEFAULT_THEME = "light"


def accent_colour(value: str | None) -> str | None:
    """A `#rgb` or `#rrggbb` colour, or None: anything else could smuggle CSS."""
    return value if value and _HEX_COLOUR.match(value) else None


def frame_options() -> dict[str, Any]:
    """The frame's options from its query string, checked: `explainer` (an id as given, or None), `title`,
    `accent` (or None), `theme` (one of THEMES), and `home`, the frame's own address without a question."""
    explainer_id = request.args.get("explainer") or None
    title = (request.args.get("title") or "").strip()[:MAX_TITLE_CHARS] or DEFAULT_TITLE
    accent = accent_colour(request.args.get("accent"))
    theme = request.args.get("theme") if request.args.get("theme") in THEMES else DEFAULT_THEME
    # The publisher's title is in the article's language (the page's lang, which widget.js passes on); the frame's
    # own words are English.  Read with the frame's lang="en", a screen reader spoke "Fragen zum Artikel" in English.
    lang = request.args.get("lang") or ""
    if title == DEFAULT_TITLE:
        lang = "en"
    elif not _LANGUAGE_TAG.fullmatch(lang):
        lang = ""  # unknown: better than a wrong one
    home = url_for("widget.frame", explainer=explainer_id, title=title, accent=accent, theme=theme, lang=lang or None)
    return {"explainer": explainer_id, "title": title, "accent": accent, "theme": theme, "home": home, "lang": lang}


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3}")  # "de", "pt-BR", "zh-Hant-TW"


# An error page shown inside the frame (a 429, a 503) keeps the frame's header, close button and accent, and
# leads back to the frame: the rest of the site may not be framed (frame-ancestors 'self').
bp.add_app_template_global(frame_options, "widget_frame_options")


_CONTENT_TAGS: dict[str, tuple[int, int, str]] = {}  # path -> (time, size, tag)


def content_tag(path: str) -> str:
    """An ETag from the file's bytes (read again only when its size or time changes): every server of a
    scaled-out site sends the same one for the same release, where the default (the file's time and size)
    differs from copy to copy, and a browser or CDN revalidating at another server would fetch it again."""
    stat = os.stat(path)
    known = _CONTENT_TAGS.get(path)
    if known is None or known[:2] != (stat.st_mtime_ns, stat.st_size):
        with open(path, "rb") as handle:
            known = _CONTENT_TAGS[path] = (stat.st_mtime_ns, stat.st_size, hashlib.sha256(handle.read()).hexdigest()[:32])
    return known[2]


@bp.get("/widget.js")
def loader() -> Response:
    folder = current_app.static_folder or "static"
    response = send_from_directory(folder, "widget.js", mimetype="text/javascript", max_age=300,
                                   etag=content_tag(os.path.join(folder, "widget.js")))
    # Newsroom pages load it from another origin; it may be cached briefly by browsers and CDNs.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    # A page that loads it with crossorigin="anonymous" (which Subresource Integrity needs, and some frameworks
    # and tag managers add) fetches it with CORS: without this header the browser refuses to run it. It is public
    # code and is sent without credentials, so any origin may have it.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/widget/frame")
def frame() -> str:
    options = frame_options()
    explainer_id = options["explainer"]
    # An embed naming an explainer we do not have (a typo, a retired story) still gets a working chat: the
    # frame says so and answers from every explainer.  It is a 200 (a 404 would put an error in the console of
    # the publisher's page for a frame that works); the server's log names the embed to fix.
    missing = explainer_id is not None and explainer_id not in answering.answerer().explainers
    if missing:
        log.warning("widget embedded with unknown explainer %r (from %s); answering from all explainers",
                    explainer_id, request.referrer or "an unknown page")
        explainer_id = None
    accent, title, lang = options["accent"], options["title"], options["lang"]
    carry = ([("explainer", explainer_id)] if explainer_id else []) + [("title", title)]
    carry += [("accent", accent)] if accent else []
    carry += [("theme", options["theme"])] + ([("lang", lang)] if lang else [])
    page = render_chat(explainer_id, template="widget_frame.html", ask_url=url_for("widget.frame"), frame=True,
                       accent=accent, title=title, title_lang=lang, carry=carry, missing_explainer=missing)
    return page


@bp.get("/demo")
def demo() -> str:
    return render_template("demo.html")
