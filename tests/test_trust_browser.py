"""No script runs where it should not (issue 7), in a real browser: an explainer whose text, title and
suggested questions hold `<img src=x onerror=...>` and `<script>`, and questions holding them, execute
nothing in the chat page, the widget (on a host page of another origin) or the editor console. The
widget frame is embeddable only by the allowed origin, and the loader obeys only its own frame.

Detection: the payloads set `window.__pwned`; dialogs and console errors are collected too.
"""

from __future__ import annotations

import threading

import pytest
from browser_support import require_chromium

require_chromium()

from playwright.sync_api import expect  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from bot import bundle  # noqa: E402
from bot.confidence import ConfidenceModel  # noqa: E402
from bot.corpus import load_corpus  # noqa: E402
from web import create_app  # noqa: E402

IMG = '<img src=x onerror="window.__pwned=(window.__pwned||0)+1;alert(1)">'
SCRIPT = "<script>window.__pwned=(window.__pwned||0)+100;alert(2)</script>"
# Named nk-russia so that /demo (which embeds that explainer) shows it.
HOSTILE = f"""Title: Shells for Russia {IMG}
Date: 2024-06-01
What's happened
North Korea has sent 12 million artillery shells to Russia {IMG} according to officials.
What the papers say
The Daily Ledger said the shells {SCRIPT} were carried by train.
Go deeper
- How many shells were sent? {IMG}
More on these topics
-
Kim Jong Un {IMG} is the leader of North Korea.
"""
QUESTION = "how many artillery shells has north korea sent to russia"
# Host pages on other origins than the bot's: the newsroom that may embed the widget and a site that
# may not, both served by a second local server under two names (Chromium keeps pages that are not
# on loopback from loading anything off 127.0.0.1, so the host pages are local too).
HOST = "http://127.0.0.1:{port}"
EVIL = "http://localhost:{port}"
TOKEN = "a-long-editor-token-for-the-browser-test"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "corpus").mkdir()
    (folder / "corpus" / "nk-russia.txt").write_text(HOSTILE, encoding="utf-8")
    corpus = load_corpus(folder / "corpus")
    bundle.save(bundle.build(corpus, model=ConfidenceModel.default()), folder / "index", corpus.fingerprint())
    app = create_app({"TESTING": True, "INDEX_DIR": str(folder / "index"),
                      "DATABASE_URL": f"sqlite:///{folder / 'bot.sqlite3'}", "EDITOR_TOKEN": TOKEN,
                      "CORPUS_DIR": str(folder / "corpus"), "RATE_LIMIT_ASK": "off", "RATE_LIMIT_FEEDBACK": "off"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    widget = f'<script src="{base}/widget.js" data-explainer="nk-russia" async></script>'
    article = f"<!doctype html><title>Article</title><h1>News</h1><p>Story.</p>{widget}".encode()

    def newsroom(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(article)))])
        return [article]

    host_server = make_server("127.0.0.1", 0, newsroom, threaded=True)
    app.config["ALLOWED_ORIGINS"] = [HOST.format(port=host_server.server_port)]  # read on every request
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (server, host_server)]
    for thread in threads:
        thread.start()
    try:
        yield app, base, host_server.server_port
    finally:
        for each, thread in zip((server, host_server), threads):
            each.shutdown()
            thread.join(timeout=10)
            each.server_close()
        app.extensions["store"].close()


class Watched:
    """A page whose dialogs, page errors and console errors are recorded."""

    def __init__(self, browser, host_port: int) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.events: list[str] = []
        self.page.on("dialog", lambda dialog: (self.events.append(f"dialog: {dialog.message}"), dialog.dismiss()))
        self.page.on("pageerror", lambda error: self.events.append(f"pageerror: {error}"))
        self.page.on("console", lambda m: self.events.append(f"console: {m.text}") if m.type == "error" else None)
        self.host, self.evil = HOST.format(port=host_port), EVIL.format(port=host_port)

    def pwned(self, frame=None) -> object:
        return (frame or self.page).evaluate("window.__pwned === undefined ? null : window.__pwned")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(live, browser):
    watched = Watched(browser, live[2])
    yield watched
    watched.close()


def ask(target, question: str) -> None:
    target.locator("#question").fill(question)
    target.get_by_role("button", name="Ask", exact=True).click()


def test_hostile_corpus_text_and_questions_run_nothing_in_the_chat_page(live, watched):
    _, base, _ = live
    page = watched.page
    page.goto(base + "/explainers/nk-russia")
    expect(page.locator("h1")).to_contain_text("<img src=x")  # the title, as text
    expect(page.locator(".starters .choice").first).to_contain_text("<img src=x")
    ask(page, QUESTION)
    answer = page.locator(".turn .answer").last
    expect(answer.locator(".passage")).to_contain_text("onerror=")
    ask(page, f"{SCRIPT}{IMG} who is kim jong un")
    expect(page.locator(".turn")).to_have_count(2)
    expect(page.locator(".turn .you-asked").last).to_contain_text("<script>")
    expect(page.locator(".turn .answer").last).to_be_visible()
    # The no-JavaScript path renders the same text on the server.
    page.goto(base + "/", wait_until="load")
    page.goto(f"{base}/?q={QUESTION.replace(' ', '+')}")
    expect(page.locator(".passage")).to_contain_text("<img src=x")
    assert page.locator("img").count() == 0 and page.locator("main script").count() == 0
    assert watched.pwned() is None
    assert not watched.events, watched.events


def test_hostile_text_runs_nothing_in_the_widget_on_an_allowed_host_page(live, watched):
    _, base, _ = live
    page = watched.page
    page.goto(f"{watched.host}/article")
    launcher = page.get_by_role("button", name="Ask about this story")
    launcher.click()
    frame = page.frame_locator("iframe")
    expect(frame.locator(".starters .choice").first).to_contain_text("<img src=x")
    ask(frame, f"{SCRIPT} {QUESTION}")
    expect(frame.locator(".answer .passage")).to_contain_text("onerror=")
    expect(frame.locator(".you-asked")).to_contain_text("<script>")
    inner = next(f for f in page.frames if f.url.startswith(base + "/widget/frame"))
    assert watched.pwned() is None and watched.pwned(inner) is None
    assert inner.locator("img").count() == 0
    assert not watched.events, watched.events


def test_the_widget_obeys_only_messages_from_its_own_frame(live, watched):
    _, base, _ = live
    page = watched.page
    page.goto(f"{watched.host}/article")
    launcher = page.get_by_role("button", name="Ask about this story")
    launcher.click()
    expect(page.frame_locator("iframe").locator("#question")).to_be_visible()
    # The host page itself, and a frame of another origin, ask the panel to close: it stays open.
    page.evaluate("window.postMessage({type: 'explainer-bot:close'}, '*')")
    page.evaluate("""() => new Promise(done => {
        const other = document.createElement('iframe');
        other.srcdoc = "<script>parent.postMessage({type: 'explainer-bot:close'}, '*')<\\/script>";
        other.onload = () => setTimeout(done, 300);
        document.body.appendChild(other);
    })""")
    page.wait_for_timeout(300)
    expect(launcher).to_have_attribute("aria-expanded", "true")
    # Its own frame's close button does close it.
    page.frame_locator("iframe[title='Ask about this story']").get_by_role("button", name="Close the chat").click()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    assert watched.pwned() is None


def test_the_widget_frame_is_not_shown_on_a_site_that_is_not_allowed(live, watched):
    _, base, _ = live
    page = watched.page
    page.goto(f"{watched.evil}/article")
    page.get_by_role("button", name="Ask about this story").click()
    page.wait_for_timeout(1000)
    inner = [f for f in page.frames if f.parent_frame is not None]
    assert inner, "the loader made no frame"
    # Blocked by frame-ancestors: the frame holds Chrome's error page, not the chat.
    assert all(f.locator("#question").count() == 0 for f in inner)
    assert any("frame-ancestors" in event for event in watched.events), watched.events


def test_hostile_text_runs_nothing_in_the_editor_console(live, watched):
    app, base, _ = live
    if not any(rule.rule == "/editor" for rule in app.url_map.iter_rules()):
        pytest.skip("editor console not present")
    page = watched.page
    page.goto(base + "/editor/login")
    page.locator("#name").fill(f"Ed {IMG}")
    page.locator("#token").fill(TOKEN)
    page.locator("#token").press("Enter")
    page.wait_for_url(base + "/editor")
    watched.events.remove("console: Failed to load resource: the server responded with a status of 401 (UNAUTHORIZED)")
    expect(page.locator("body")).to_contain_text("Ed <img src=x")  # the editor's name, as text
    page.locator("#test-question").fill(f"{SCRIPT} {QUESTION}")
    with page.expect_response(lambda r: r.url.endswith("/editor/api/test")):
        page.locator("#test-question").press("Enter")
    page.wait_for_timeout(500)
    expect(page.locator("body")).to_contain_text("onerror=")  # the passage, as text
    assert watched.pwned() is None
    assert page.locator("main img, body > img").count() == 0
    assert not watched.events, watched.events
