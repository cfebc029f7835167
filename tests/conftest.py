"""Fixtures for the web app: an index built once per session from the tiny corpus, and an app
with its own database per test (the Flask tutorial's `app`, `client` and `runner`)."""

from __future__ import annotations

import pytest
from tiny_corpus import write_corpus

from bot import bundle
from bot.corpus import default_questions, load_corpus
from bot.training import train
from web import create_app


@pytest.fixture(scope="session")
def tiny_index_dir(tmp_path_factory):
    root = write_corpus(tmp_path_factory.mktemp("web-corpus"))
    corpus = load_corpus(root)
    answerer, report = train(corpus, default_questions(root), folds=3)
    return bundle.save(answerer, root.parent / "web-index", corpus.fingerprint(), report)


@pytest.fixture
def make_app(tiny_index_dir, tmp_path):
    """Build apps with extra settings; each one's store is closed at the end of the test."""
    apps = []

    def make(**settings):
        config = {"TESTING": True, "INDEX_DIR": str(tiny_index_dir),
                  "DATABASE_URL": f"sqlite:///{tmp_path / f'bot{len(apps)}.sqlite3'}", **settings}
        app = create_app(config)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["store"].close()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# ------------------------------------------------------------------ browser tests
@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, launched once per browser test module (each such module skips without it)."""
    from browser_support import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture
def console_ignores():
    """What a module's pages may log as an error without failing a test (a module overrides it)."""
    return lambda text: False


@pytest.fixture
def console():
    """Errors the test's pages log: script errors and console errors.  A test that expects one (a 404 it
    asked for) removes it; any left fail the test."""
    return []


@pytest.fixture
def new_page(browser, console, console_ignores):
    """`new_page(**context options)`: a page in a browser context of its own (1280x900 unless a viewport is
    given), its errors going to `console`; the contexts close after the test, which fails on any error left."""
    contexts = []

    def make(**options):
        context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **options})
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: console.append(str(error)))
        page.on("console", lambda message: console.append(message.text)
                if message.type == "error" and not console_ignores(message.text) else None)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not console, f"errors in the browser console: {console}"


@pytest.fixture
def page(new_page):
    """A desktop-sized page, checked for console errors."""
    return new_page()
