"""The reader-facing web app: the chat page, the embeddable widget and the JSON API.

`create_app` is the application factory (`gunicorn -w 2 'web:create_app()'`); the answerer is
loaded once per process into `app.extensions["answerer"]`, the store into `app.extensions["store"]`.
"""

from __future__ import annotations

import atexit
import logging
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.index import IndexFormatError
from bot.store import Store

from . import answering, errors, ratelimit, security
from .config import load_config

log = logging.getLogger(__name__)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings from defaults, then the environment, then `test_config`."""
    # The instance folder is ./instance wherever the app is installed, as for `train.py` and `python -m bot serve`:
    # Flask's own default is beside the package (or under the environment's var/ once installed), so a server started
    # by gunicorn would look for its index and database somewhere other than where `python train.py` had put them.
    app = Flask(__name__, instance_path=str(Path("instance").resolve()), instance_relative_config=True)
    app.config.from_mapping(load_config(app.instance_path, overrides=test_config))
    app.json.sort_keys = False  # type: ignore[attr-defined]
    init_answerer(app)
    app.before_request(lambda: answering.follow_index(app))
    init_store(app)
    errors.register(app)
    security.register(app)
    ratelimit.register(app)
    if app.config["TRUSTED_PROXIES"]:
        # The proxies' X-Forwarded-Proto too: behind a proxy that ends HTTPS, the editor's cookie is marked Secure.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"],  # type: ignore[method-assign]
                                x_proto=app.config["TRUSTED_PROXIES"])

    # editor_glossary and editor_readers: their routes join the editor blueprint.
    from . import api, chat, editor, editor_glossary, editor_readers, widget  # noqa: F401

    app.register_blueprint(api.bp)
    app.register_blueprint(chat.bp)
    app.register_blueprint(widget.bp)
    editor.init_app(app)
    return app


def init_answerer(app: Flask) -> None:
    """Load the index once per process.

    A missing index (no folder, or an empty one) leaves the app up, saying so on /healthz (503) and
    on every question, so that a deployment's health check catches it. A damaged one (truncated,
    corrupted, another format version) is an `IndexFormatError` here: the server refuses to start
    rather than serve errors from an index someone meant it to use (issue 7).
    """
    app.extensions["answerer"] = None
    app.extensions["index_error"] = app.extensions["index_error_public"] = None
    folder = Path(app.config["INDEX_DIR"])
    try:
        app.extensions["answerer"] = answering.load_index(app)
    except IndexFormatError as error:
        if folder.is_dir() and any(folder.iterdir()):
            raise IndexFormatError(f"refusing to start: {error}") from None
        # The log and `python -m bot serve` say it in full; clients (/healthz, the API) are not told the server's paths.
        app.extensions["index_error"] = str(error)
        app.extensions["index_error_public"] = answering.without_paths(str(error), folder)
        log.error("no index loaded: %s", error)


def init_store(app: Flask) -> None:
    store = Store(app.config["DATABASE_URL"])
    app.extensions["store"] = store
    # Write the queued question log when the process ends, without keeping the store alive until then.
    reference = weakref.ref(store)
    atexit.register(lambda: reference() is not None and reference().close())
