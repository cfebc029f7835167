"""The console's glossary: `/editor/api/glossary...`, on the editor blueprint and behind its access check.

Changes go to CORPUS_DIR/glossary.json at once (each recorded with the editor's name) and reach readers'
answers on Rebuild index, as every other corpus change does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, current_app, g, jsonify, request

from bot.corpus import CorpusError
from bot.glossary_edit import CorpusGlossary, GlossaryEditError, GlossaryLog
from bot.store import StoreError

from . import answering
from .api import json_body
from .editor import bp
from .errors import ApiError


def _glossary() -> CorpusGlossary:
    return CorpusGlossary(current_app.config["CORPUS_DIR"], answering.answerer().explainers.values())


def _log() -> GlossaryLog:
    return GlossaryLog(current_app.extensions["store"])


def _apply(change: str, make: Callable[[CorpusGlossary], dict[str, Any]], status: int = 200) -> tuple[Response, int]:
    """Make one change to the file, then record it; an edit refused or failed writes nothing."""
    glossary = _glossary()
    try:
        group = make(glossary)
    except GlossaryEditError as error:
        raise ApiError(error.status, error.code, error.message) from None
    except CorpusError as error:
        raise ApiError(409, "corpus_invalid", f"Nothing was changed: {error}") from None
    except OSError as error:
        raise ApiError(503, "glossary_write_failed", f"{glossary.file.path} could not be written "
                                                     f"({error.strerror or error}); nothing was changed.") from None
    current_app.logger.info("editor %s: glossary %s %r", g.editor, change, group["name"])
    note = "Rebuild the index to apply it to readers' answers."
    try:
        recorded = _log().record(change, g.editor, group["name"], _changed_aliases(change, group))
    except StoreError as error:
        recorded, note = None, f"The glossary file was changed, but the change could not be recorded ({error}). " + note
    return jsonify({"group": group, "change": recorded, "note": note}), status


def _changed_aliases(change: str, group: dict[str, Any]) -> list[str]:
    if change in ("add_alias", "remove_alias"):
        return [group["alias"]]
    return list(group["aliases"])


def _arg(name: str) -> str:
    value = request.args.get(name)
    if value is None:
        raise ApiError(400, "invalid_name", f"Send the {name} as ?{name}=...")
    return value


@bp.get("/api/glossary")
def glossary() -> Response:
    """The corpus glossary's groups (editable), the built-in groups and the explainers' entity aliases (read
    only), and the newest changes with who made them."""
    try:
        listing = _glossary().listing()
    except CorpusError as error:
        raise ApiError(409, "corpus_invalid", str(error)) from None
    try:
        changes = _log().changes()
    except StoreError as error:
        raise ApiError(503, "store_unavailable", str(error)) from None
    return jsonify({**listing, "changes": changes})


@bp.post("/api/glossary/groups")
def add_group() -> tuple[Response, int]:
    """{"name", "aliases"?: [...]}: a new group (its name may extend a built-in group or an entity)."""
    body = json_body()
    return _apply("add_group", lambda glossary: glossary.add_group(body.get("name"), body.get("aliases")), 201)


@bp.delete("/api/glossary/groups")
def delete_group() -> tuple[Response, int]:
    """?name=...: the corpus glossary's group and all its aliases."""
    name = _arg("name")
    return _apply("delete_group", lambda glossary: glossary.delete_group(name))


@bp.post("/api/glossary/aliases")
def add_alias() -> tuple[Response, int]:
    """{"name", "alias"}: one more name for a group of the corpus glossary."""
    body = json_body()
    return _apply("add_alias", lambda glossary: glossary.add_alias(body.get("name"), body.get("alias")))


@bp.delete("/api/glossary/aliases")
def remove_alias() -> tuple[Response, int]:
    """?name=...&alias=...: one alias of a group of the corpus glossary."""
    name, alias = _arg("name"), _arg("alias")
    return _apply("remove_alias", lambda glossary: glossary.remove_alias(name, alias))
