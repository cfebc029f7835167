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
