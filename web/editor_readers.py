"""The console's Readers tab: `GET /editor/api/insights`, on the editor blueprint and behind its access check.

What readers asked over a period and how it went (`bot.insights`), with the names an editor reads beside the
ids the log keeps: each explainer's title, each passage's explainer, section and heading as the index serving
now holds them (a passage gone from it since is listed by its id alone).
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request

from bot.insights import PERIODS, TooLong, reader_insights
from bot.store import StoreError

from . import answering
from .editor import bp
from .errors import ApiError


@bp.get("/api/insights")
def insights() -> Response:
    """?period=7, 30 (the default), 90 or all (days)."""
    period = request.args.get("period", "30")
    if period not in PERIODS:
        raise ApiError(400, "invalid_period", f"period must be one of {', '.join(PERIODS)} (days, or all).")
    try:
        found = reader_insights(current_app.extensions["store"], PERIODS[period])
    except TooLong as error:  # a long log over all time: an answer, not a worker killed at gunicorn's timeout
        message = str(error)
        raise ApiError(503, "period_too_long", f"{message[0].upper()}{message[1:]}.") from None
    except StoreError as error:
        raise ApiError(503, "store_unavailable", str(error)) from None
    loaded = answering.answerer()
    for row in found["per_explainer"]:
        row["explainer_title"] = _title(loaded, row["explainer_id"])
    for row in found["passages"]:
        row.update(_passage(loaded, row["passage_id"]))
    return jsonify({"period": period, **found})


def _title(loaded: Any, explainer_id: str | None) -> str:
    if explainer_id is None:
        return "Front page (all explainers)"
    explainer = loaded.explainers.get(explainer_id)
    return explainer.title if explainer else f"{explainer_id} (no longer in the index)"


def _passage(loaded: Any, passage_id: str) -> dict[str, Any]:
    passage = loaded.passages.get(passage_id)
    if passage is None:
        return {"explainer_title": "", "section": "", "heading": "", "text": None}
    return {"explainer_title": _title(loaded, passage.explainer_id), "section": passage.section,
            "heading": passage.heading, "text": passage.display_text}
