"""The Readers tab's figures in any script and its layout on a phone and with a long question, the explainer's
address on the publisher's site kept as the corpus gives it, the widget frame's error page, and a decision sent
twice at once."""

from __future__ import annotations

import json
import re
import tempfile
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import pytest
from browser_support import CHROMIUM, serving_console
from tiny_corpus import RATES

from bot.explainer_json import parse_explainer_json
from bot.explainer_text import parse_explainer_text
from bot.insights import reader_insights
from bot.store import Store
from web import create_app

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
TOKEN = "readers-sources-token-9d1e"


def logged(store, answer_id, question):
    store.connection().execute(
        "INSERT INTO questions (answer_id, asked_at, question, explainer_id, passage_id, top_passages, confidence, "
        "abstained, previous_question, answer_text) VALUES (?, ?, ?, NULL, NULL, '[]', 0.1, 1, NULL, 'text')",
        (answer_id, "2026-11-27T09:00:00Z", question))


@pytest.mark.parametrize("typed", [
    ("Почему Россия?", "почему россия"),  # Cyrillic capitals
    ("ÉTAT D'URGENCE", "état d'urgence"),  # accented capitals
    ("لماذا أرسلت القذائف؟", "لماذا أرسلت القذائف"),  # the Arabic question mark, right to left
    ("¿Por qué?", "por qué"),  # Spanish opening marks
    ("why？", "why"),  # a full-width question mark (Chinese and Japanese keyboards)
])
def test_questions_in_the_same_words_count_together_in_any_script(tmp_path, typed):
    # Defect: the Readers tab counts "Why?" and "why" as one question, but SQLite's lower() folds only ASCII and
    # its trim knew only ASCII punctuation: "Почему?" and "почему", or "لماذا؟" and "لماذا", were listed apart.
    store = Store(f"sqlite:///{tmp_path / 'log.sqlite3'}")
    try:
        for number, question in enumerate(typed):
            logged(store, f"a{number}", question)
        found = reader_insights(store, days=7, now=NOW)
        assert [row["count"] for row in found["most_asked"]] == [2]
        assert [row["count"] for row in found["most_asked_unanswered"]] == [2]
    finally:
        store.close()


BODY = "What's happened\nAs of July 2025, something happened in the town today.\n"
ADDRESSES = [
    "https://en.wikipedia.org/wiki/Russia–North_Korea_relations",  # an en dash, as the address bar shows it
    "https://news.example/2025/07/who’s-who-in-the-talks",  # a curly apostrophe in a slug
    "https://news.example/ｆｕｌｌ",  # full-width letters (NFKC would change them)
]


@pytest.mark.parametrize("address", ADDRESSES)
def test_the_explainers_address_is_kept_as_written(address):
    # Defect: an explainer's URL: line (or JSON url) went through the text cleaning meant for prose: en dashes
    # became hyphens, curly apostrophes straight ones, full-width letters plain ones, so that "Read the full
    # explainer" led to another address than the one in the corpus (a page not found on the publisher's site).
    assert parse_explainer_text(f"URL: {address}\n{BODY}", "t").url == address
    data = {"id": "t", "title": "T", "url": address, "sections": [
        {"kind": "summary", "title": "What's happened", "passages": [{"text": "As of July 2025, it happened."}]}]}
    assert parse_explainer_json(json.dumps(data)).url == address


def test_the_explainers_address_reaches_the_answer_unchanged(tmp_path):
    # Defect (as above, end to end): the address the API gives, and the page's link, are the corpus's own.
    from tiny_corpus import write_corpus

    from bot import bundle
    from bot.confidence import ConfidenceModel
    from bot.corpus import load_corpus

    address = ADDRESSES[1]
    root = write_corpus(tmp_path / "corpus")
    (root / "explainers" / "rates.txt").write_text(
        RATES.replace("Date: 2024-03-01\n", f"Date: 2024-03-01\nURL: {address}\n"), encoding="utf-8")
    corpus = load_corpus(root)
    model = ConfidenceModel.default()
    model.threshold = 0.05
    index = bundle.save(bundle.build(corpus, model=model), tmp_path / "index", corpus.fingerprint())
    app = create_app({"TESTING": True, "INDEX_DIR": str(index), "DATABASE_URL": f"sqlite:///{tmp_path / 'b.sqlite3'}"})
    try:
        answer = app.test_client().post("/api/ask", json={"question": "why did the bank raise rates"}).get_json()
        assert answer["explainer_url"] == address
    finally:
        app.extensions["store"].close()


def test_the_widget_frames_error_page_has_no_landmarks_of_its_own(tmp_path):
    # Defect: the widget frame became one region named and headed by its title (no banner or main of its own
    # beside the news page's), but its error page (the index being rebuilt, a 429) still had a <header> banner
    # and a <main>, and its title was no heading: the news page gained a second main landmark.
    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "no-index"),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"})
    try:
        response = app.test_client().get("/widget/frame", query_string={"explainer": "rates", "title": "Ask us"})
        page = response.get_data(as_text=True)
        assert response.status_code == 503 and "Not available right now" in page
        assert "<main" not in page and "<header" not in page
        assert '<section class="frame" aria-label="Ask us">' in page
        assert re.search(r'<h2 class="frame-title"[^>]*>Ask us</h2>', page)
        # Outside the widget the error page keeps the site's landmarks.
        assert "<main" in app.test_client().get("/").get_data(as_text=True)
    finally:
        app.extensions["store"].close()


@pytest.fixture
def console_ignores():
    # The console's sign-in page is served with 401 on purpose; the browser reports that status as an error.
    return lambda text: "401" in text


def post_json(base: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.mark.skipif(not CHROMIUM.exists(), reason="browser tests need Debian's chromium at /usr/bin/chromium")
@pytest.mark.parametrize("width", [1280, 375])
def test_a_long_question_does_not_widen_the_readers_tab(new_page, width):
    # Defect: one reader's question of a long unbroken word (a pasted link, a keyboard mash) made the most asked
    # tables thousands of pixels wide: their Test buttons went out of sight, and the hidden "Actions" headers,
    # positioned outside the tables' scroll boxes, made the whole console scroll sideways, its header and tabs too.
    # And on a phone the Period select was squeezed to a sliver at the screen's edge, which scrolled sideways too.
    from playwright.sync_api import expect

    with serving_console(Path(tempfile.mkdtemp()), TOKEN, RATE_LIMIT_ASK="off") as (_, base):
        post_json(base, "/api/ask", {"question": "x" * 400})
        post_json(base, "/api/ask", {"question": "how many shells has north korea sent"})
        page = new_page(viewport={"width": width, "height": 800})
        page.goto(base + "/editor")
        page.get_by_label("Your name").fill("Ann Editor")
        page.get_by_label("Editor token").fill(TOKEN)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("load")
        page.get_by_role("tab", name="Readers").click()
        expect(page.locator("#pane-readers .metric")).not_to_have_count(0)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # The chart is drawn as wide as the pane, so its labels are not scaled down past reading on a phone.
        tick = page.locator("#pane-readers svg.chart text.tick").first.bounding_box()
        assert tick["height"] >= 10, tick
        if width > 400:  # on a phone the table may scroll within its box; on a desktop it fits
            test = page.locator("#pane-readers section.card", has=page.get_by_role("heading", name="Asked most",
                                                                                   exact=True))
            button = test.get_by_role("button", name=re.compile("^Test ")).first
            box = button.bounding_box()
            assert box["x"] + box["width"] <= width, box


def test_one_decision_sent_twice_at_once_is_saved_once(tmp_path, monkeypatch):
    # Defect: a decision sent twice without an answer id is refused with 409 already_decided, but only when the
    # first copy was saved before the second was checked: two copies sent at once (a double click, a script
    # sending its request again) each found no decision yet, and both were saved (18 times in 20 over HTTP).
    import threading

    from bot.review import AlreadyDecided, ReviewLog

    store = Store(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    both_checked = threading.Barrier(2, timeout=2)
    checking = ReviewLog._check_not_saved

    def check_then_wait(self, *args):
        checking(self, *args)
        try:
            both_checked.wait()  # the other copy is checked before either is saved, as when they come at once
        except threading.BrokenBarrierError:
            pass  # the other copy waits its turn: it is checked once this one is saved

    monkeypatch.setattr(ReviewLog, "_check_not_saved", check_then_wait)
    outcomes = []

    def decide():
        try:
            ReviewLog(store).record_all("out_of_scope", [{"question": "what is the weather"}], "Ann")
            outcomes.append("saved")
        except AlreadyDecided:
            outcomes.append("already_decided")

    try:
        threads = [threading.Thread(target=decide) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["already_decided", "saved"]
        assert len(ReviewLog(store).actions()) == 1
    finally:
        store.close()
