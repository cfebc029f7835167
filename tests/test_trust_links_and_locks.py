"""Hostile and broken input to the explainer's address behind "Read the full explainer" (in corpus files and in
an index edited by hand), /healthz's database fields, the Readers tab's temporary table and the lock files."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading

import pytest

from bot import bundle
from bot.corpus import CorpusError
from bot.explainer_json import parse_explainer_json
from bot.index_files import IndexFormatError
from bot.insights import reader_insights
from bot.review import decision_lock
from bot.store import Store
from web.answering import original_link

MISLEADING = ["https://news.example@evil.example/explainers/rates",  # the browser goes to evil.example
              "https://news.example:pass@evil.example/",
              "https://evil.example\\@news.example/rates"]  # Python reads news.example, a browser evil.example


@pytest.mark.parametrize("url", MISLEADING)
def test_an_explainer_url_with_a_user_before_its_host_is_refused(url):
    # Defect: web_address took "https://news.example@evil.example/", whose link reads as the publisher's site and leads to evil.example.
    document = {"id": "rates", "url": url, "sections": [{"kind": "summary", "passages": [{"text": "Rates rose."}]}]}
    with pytest.raises(CorpusError, match="not a web address"):
        parse_explainer_json(json.dumps(document), "rates.json")
    assert original_link(url) is None


def _edited_index(source, target, url):
    """A copy of the index at `source` whose corpus snapshot gives its first explainer `url`, the checksum
    written again as anyone editing the folder can (it guards against damage, not against edits)."""
    shutil.copytree(source, target)
    snapshot = json.loads((target / "corpus.json").read_text(encoding="utf-8"))
    snapshot["explainers"][0]["url"] = url
    (target / "corpus.json").write_text(json.dumps(snapshot), encoding="utf-8")
    meta = json.loads((target / "index.json").read_text(encoding="utf-8"))
    meta["files"]["corpus.json"] = hashlib.sha256((target / "corpus.json").read_bytes()).hexdigest()
    (target / "index.json").write_text(json.dumps(meta), encoding="utf-8")
    return target


@pytest.mark.parametrize("url", ["javascript:alert(document.domain)", "https://news.example@evil.example/"])
def test_an_index_edited_by_hand_cannot_give_an_explainer_another_kind_of_address(tiny_index_dir, tmp_path, url):
    # Defect: the snapshot's url was loaded unchecked, so /api/ask's explainer_url (documented as an http(s) address) gave javascript: to API clients.
    with pytest.raises(IndexFormatError, match="url"):
        bundle.load(_edited_index(tiny_index_dir, tmp_path / "index", url))


def test_healthz_does_not_show_anonymous_clients_the_database_path(make_app, tmp_path):
    # Defect: /healthz's database_error, open to anyone, named the server's folders ("cannot create the database's folder /srv/...").
    blocker = tmp_path / "private-srv"
    blocker.write_text("not a folder")
    app = make_app(DATABASE_URL=f"sqlite:///{blocker / 'bot' / 'bot.sqlite3'}")
    client = app.test_client()
    assert client.post("/api/ask", json={"question": "why did the bank raise rates"}).status_code == 200
    app.extensions["store"].flush()
    health = client.get("/healthz").get_json()
    assert health["database"] == "failing" and "cannot create the database's folder" in health["database_error"]
    assert "private-srv" not in health["database_error"] and str(tmp_path) not in json.dumps(health)


def test_a_question_of_stray_bytes_neither_fails_the_readers_tab_nor_leaves_its_table(tmp_path):
    # Defect: a question stored as bytes that are not UTF-8 failed the read mid-query, which left its statement open,
    # so the DROP failed ("database table is locked"), hid the cause and left a copy of the log on the connection.
    store = Store(f"sqlite:///{tmp_path / 'log.sqlite3'}")
    try:
        connection = store.connection()
        connection.execute(  # bytes that are not UTF-8, as another program writing the file may leave
            "INSERT INTO questions (answer_id, asked_at, question, explainer_id, passage_id, top_passages, "
            "confidence, abstained, previous_question, answer_text) "
            "VALUES ('a1', '2026-11-27T10:00:00Z', X'FFFE', 'e', 'e:s:1', '[]', 0.9, 0, NULL, 't')")
        for _ in range(2):  # and the stray bytes are shown as such, not a failure of the whole tab
            found = reader_insights(store, None)
            assert found["totals"]["questions"] == 1 and "\ufffd" in found["most_asked"][0]["question"]
        assert connection.execute("SELECT name FROM temp.sqlite_master").fetchall() == []
        assert connection.text_factory is str  # the connection reads as before for everyone else
    finally:
        store.close()


def test_the_decisions_lock_file_does_not_follow_a_symlink(tmp_path):
    # Defect: a symlink at <database>.decisions.lock made the server create (and lock) any file it pointed to.
    store = Store(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere / "made-by-the-server", tmp_path / "bot.sqlite3.decisions.lock")
    try:
        with decision_lock(store):
            pass
        assert not (elsewhere / "made-by-the-server").exists()
    finally:
        store.close()


def test_a_fifo_at_the_decisions_lock_does_not_hang_every_decision(tmp_path):
    # Defect: a FIFO at <database>.decisions.lock blocked open() forever while holding the process's lock: no decision could be saved again.
    store = Store(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    fifo = tmp_path / "bot.sqlite3.decisions.lock"
    os.mkfifo(fifo)
    done = threading.Event()

    def decide():
        with decision_lock(store):
            done.set()

    worker = threading.Thread(target=decide, daemon=True)
    worker.start()
    try:
        assert done.wait(5), "the decision lock hung on a FIFO"
    finally:
        if not done.is_set():  # let the blocked open() through, so that the lock is released for other tests
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
            worker.join(5)
        store.close()
