"""The source line under an answer: the explainer's date, as readers write dates, and its address on the
publisher's site (its `URL:` line, or `url` in JSON), offered as "Read the full explainer" in the API, on the chat
pages (drawn by the server and by the script) and in the widget, except in the widget on that story's own page,
where the reader is already reading it."""

from __future__ import annotations

import re

import pytest
from browser_support import CHROMIUM, serving
from tiny_corpus import RATES, write_corpus

from bot import bundle
from bot.confidence import ConfidenceModel
from bot.corpus import load_corpus
from web import create_app
from web.answering import long_date

URL = "https://news.example/explainers/rates?from=bot"
ASKED = "why did the bank raise rates"  # answered from the rates explainer
MOON_ASKED = "where did selene-2 land"  # answered from the moon explainer, which gives no address


@pytest.fixture
def linked(tmp_path):
    root = write_corpus(tmp_path / "corpus")
    (root / "explainers" / "rates.txt").write_text(RATES.replace("Date: 2024-03-01\n", f"Date: 2024-03-01\nURL: {URL}\n"),
                                                   encoding="utf-8")
    corpus = load_corpus(root)
    model = ConfidenceModel.default()
    model.threshold = 0.05  # answer whatever shares words: these tests are about the link, not the confidence
    index = bundle.save(bundle.build(corpus, model=model), tmp_path / "index", corpus.fingerprint())
    app = create_app({"TESTING": True, "INDEX_DIR": str(index), "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"})
    yield app
    app.extensions["store"].close()


def original_links(html: str) -> list[tuple[str, str]]:
    """(href, the rest of the tag) of each "Read the full explainer" link."""
    return re.findall(r'<a class="original" href="([^"]*)"([^>]*)>Read the full explainer</a>', html)


def test_the_api_gives_the_explainers_address(linked):
    client = linked.test_client()
    answer = client.post("/api/ask", json={"question": ASKED}).get_json()
    assert (answer["explainer_id"], answer["explainer_url"]) == ("rates", URL)
    assert client.post("/api/ask", json={"question": MOON_ASKED}).get_json()["explainer_url"] == ""


def test_the_chat_pages_link_each_answer_to_its_explainer_on_the_site(linked):
    client = linked.test_client()
    page = client.get("/", query_string={"q": ASKED}).get_data(as_text=True)
    assert original_links(page) == [(URL.replace("&", "&amp;"), "")]  # escaped as an attribute, same tab
    assert original_links(client.get("/", query_string={"q": MOON_ASKED}).get_data(as_text=True)) == []
    # The explainer's own page offers it beside its title, before any question.
    assert original_links(client.get("/explainers/rates").get_data(as_text=True)) == [(URL, "")]
    assert original_links(client.get("/explainers/moon").get_data(as_text=True)) == []


def test_the_widget_links_other_explainers_but_not_the_story_it_sits_on(linked):
    client = linked.test_client()
    # On the rates story's page, the rates explainer is the page being read.
    own = client.get("/widget/frame", query_string={"explainer": "rates", "q": ASKED}).get_data(as_text=True)
    assert "Bank of Ruritania" in own and original_links(own) == []
    # Over all the explainers (a widget on a section front), the answer's explainer is another page: a new tab.
    front = client.get("/widget/frame", query_string={"q": ASKED}).get_data(as_text=True)
    assert original_links(front) == [(URL, ' target="_blank" rel="noopener"')]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="browser tests need Debian's chromium at /usr/bin/chromium")
def test_the_script_draws_the_same_links(linked, new_page):
    from playwright.sync_api import expect

    with serving(linked) as base:
        page = new_page()
        page.goto(base + "/")
        box = page.get_by_label("Your question")
        for question in (ASKED, MOON_ASKED):
            box.fill(question)
            box.press("Enter")
        answers = page.locator(".turn .answer")
        expect(answers).to_have_count(2)
        link = answers.first.get_by_role("link", name="Read the full explainer")
        expect(link).to_have_attribute("href", URL)
        expect(answers.first.locator(".source time")).to_have_text("1 March 2024")  # as the server writes it
        expect(answers.first.locator(".source time")).to_have_attribute("datetime", "2024-03-01")
        expect(answers.nth(1).get_by_role("link", name="Read the full explainer")).to_have_count(0)
        # In the widget on the rates story, no link to the page being read; over all explainers, one in a new tab.
        for scope, expected in (("rates", 0), ("", 1)):
            page.goto(base + "/widget/frame" + (f"?explainer={scope}" if scope else ""))
            box = page.get_by_label("Your question")
            box.fill(ASKED)
            box.press("Enter")
            expect(page.locator(".turn .answer")).to_have_count(1)
            found = page.locator(".turn .answer").get_by_role("link", name="Read the full explainer")
            expect(found).to_have_count(expected)
            if expected:
                expect(found).to_have_attribute("target", "_blank")


@pytest.mark.parametrize(("value", "shown"), [
    ("2024-03-01", "1 March 2024"), ("2025-07-15", "15 July 2025"), ("2024-12", "December 2024"),
    ("", ""), ("2024-13-01", "2024-13-01"), ("soon", "soon"),
])
def test_dates_read_as_readers_write_them(value, shown):
    assert long_date(value) == shown


def test_an_answer_says_when_its_explainer_was_updated(linked):
    client = linked.test_client()
    answer = client.post("/api/ask", json={"question": ASKED}).get_json()
    assert answer["explainer_date"] == "2024-03-01"
    page = client.get("/", query_string={"q": ASKED}).get_data(as_text=True)
    assert '<time datetime="2024-03-01">1 March 2024</time>' in page
    # The explainer list and an explainer's own page say it the same way.
    assert '<time datetime="2024-05-20">20 May 2024</time>' in client.get("/explainers/rates").get_data(as_text=True)
