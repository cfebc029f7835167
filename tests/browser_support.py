"""What the browser tests share: Debian's chromium and its flags, a local server thread, the browser.

Each browser test module calls `require_chromium()` before importing Playwright, so that without
/usr/bin/chromium it is skipped, saying why.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
                    allow_module_level=True)


@contextmanager
def serving(wsgi_app) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1 at a free port in a thread; yields its base URL, then stops it."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@contextmanager
def serving_app(folder: Path, answerer=None, prepare=None, **settings) -> Iterator[tuple]:
    """The web app over `answerer` (by default the bundled corpus, default confidence model), its index and
    database in `folder`, served on a free port: yields (app, base URL); stops it and closes its store.
    `prepare(app)` runs before the first request (a test's own routes)."""
    from bot import bundle
    from bot.cli import default_corpus_dir
    from bot.confidence import ConfidenceModel
    from bot.corpus import load_corpus
    from web import create_app

    corpus = load_corpus(default_corpus_dir())
    answerer = answerer or bundle.build(corpus, model=ConfidenceModel.default())
    bundle.save(answerer, folder / "index", corpus.fingerprint())
    app = create_app({"TESTING": True, "INDEX_DIR": str(folder / "index"),
                      "DATABASE_URL": f"sqlite:///{folder / 'bot.sqlite3'}", **settings})
    if prepare is not None:
        prepare(app)
    try:
        with serving(app) as base:
            yield app, base
    finally:
        app.extensions["store"].close()


@contextmanager
def serving_console(folder: Path, token: str, prepare=None, **settings) -> Iterator[tuple]:
    """The web app with the editor console on a copy of the bundled corpus of its own in `folder` (so that the
    console's exports and glossary changes touch the copy), indexed as the console's rebuild would (decisions
    included: none yet), served on a free port: yields (app, base URL); stops it and closes its store."""
    import shutil

    from bot import bundle
    from bot.cli import default_corpus_dir
    from bot.confidence import ConfidenceModel
    from bot.review import corpus_for_build

    corpus_dir = folder / "corpus"
    shutil.copytree(default_corpus_dir(), corpus_dir, ignore=shutil.ignore_patterns("README.md"))
    answerer = bundle.build(corpus_for_build(corpus_dir, []), model=ConfidenceModel.default())
    with serving_app(folder, answerer, prepare, CORPUS_DIR=str(corpus_dir), EDITOR_TOKEN=token, **settings) as served:
        yield served


@contextmanager
def chromium():
    """Debian's chromium driven by Playwright (which cannot download a browser of its own here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
