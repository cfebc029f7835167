"""An automated accessibility audit (axe-core, the engine of the browsers' own audit tools) of every page a
reader or an editor meets, in the states they meet it in: the chat before and after an answer and an "I don't
know", the explainer pages, the page a ?q= link renders, the feedback pages, errors; the widget open on a news
page in each theme; the editor console's sign-in, each tab, a test, a batch run and the decision panel.

Each audit runs the WCAG 2.0, 2.1 and 2.2 A and AA rules and axe's best practices, in the reader's light and dark
system settings, and fails on any violation, listing what and where. The widget is audited inside its host
page, as readers meet it, so that its landmarks and headings are judged beside the article's.
"""

from __future__ import annotations

import json
import urllib.request

import pytest
from browser_support import require_chromium, serving_console

require_chromium()
axe = pytest.importorskip("axe_playwright_python.sync_playwright",
                          reason="the accessibility audit needs axe-playwright-python (pip install -e '.[test]')")

from flask import request  # noqa: E402
from markupsafe import escape  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

TOKEN = "accessibility-audit-token-7f3e"
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa",
                                                "best-practice"]}}
ANSWERED = "how many shells has north korea sent"
UNANSWERED = "who won the club world cup"
# A news page as a publisher has it: its own banner, main content and footer, and the widget's tag.
HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>An article</title></head>
<body><header><p>The Daily Example</p></header>
<main><h1>North Korea and Russia</h1><p>The story the widget is about.</p></main>
<footer><p>Contact us</p></footer>
<script src="/widget.js" data-explainer="{explainer}" data-theme="{theme}" data-open="true" async></script>
</body></html>"""


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    def host_page(app):
        app.add_url_rule("/test-host", "test_host", lambda: HOST_PAGE.format(
            explainer=escape(request.args.get("explainer", "nk-russia")),
            theme=escape(request.args.get("theme", "light"))))

    with serving_console(tmp_path_factory.mktemp("accessibility"), TOKEN, prepare=host_page,
                         RATE_LIMIT_ASK="off", RATE_LIMIT_FEEDBACK="off") as (app, base):
        for question in (UNANSWERED, "what does pyongyang get back for the shells"):  # the review queue
            body = json.dumps({"question": question}).encode()
            urllib.request.urlopen(urllib.request.Request(
                base + "/api/ask", data=body, headers={"Content-Type": "application/json"}, method="POST")).read()
        yield app, base


@pytest.fixture
def console_ignores():
    # The editor's sign-in page and the 404 page are served with those statuses on purpose; the browser logs them.
    return lambda text: "401" in text or "404" in text


@pytest.fixture(params=["light", "dark"])
def page(request, new_page):
    """A desktop page in the reader's light or dark system setting."""
    return new_page(viewport={"width": 1280, "height": 900}, color_scheme=request.param)


def audit(page) -> list[str]:
    """axe's violations on the page, its frames included, one line per rule: what, how bad, and where."""
    for frame in page.frames:  # axe reaches into a frame only where it runs too
        frame.evaluate(axe.Axe().axe_script)
    found = page.evaluate("rules => axe.run(document, rules)", RULES)["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:5]]}" for v in found]


def ask(where, question: str, answers: int) -> None:
    box = where.get_by_label("Your question", exact=False).first
    box.fill(question)
    box.press("Enter")
    expect(where.locator(".turn .answer")).to_have_count(answers)


@pytest.mark.parametrize("path", ["/", "/explainers/nk-russia"])
def test_the_chat_pages_pass_the_audit_before_and_after_answers(live, page, path):
    _, base = live
    page.goto(base + path)
    assert audit(page) == []
    ask(page, ANSWERED, 1)
    ask(page, UNANSWERED, 2)  # "I don't know", with what it can answer instead
    ask(page, "why?", 3)      # a follow-up, read with the question before it
    assert audit(page) == []


def test_the_pages_rendered_by_the_server_pass_the_audit(live, page):
    _, base = live
    page.goto(base + "/explainers/nk-russia?q=" + ANSWERED.replace(" ", "+"))  # a shared link, answered by the server
    expect(page.locator(".turn .answer")).to_have_count(1)
    assert audit(page) == []
    page.goto(base + "/nothing-here")
    assert audit(page) == []
    page.goto(base + "/")
    ask(page, ANSWERED, 1)
    answer_id = page.locator(".turn .answer").first.get_attribute("data-answer-id")
    # Without JavaScript, "No" opens a page asking what was wrong, and sending it a page of thanks.
    page.goto(f"{base}/feedback/why?answer_id={answer_id}&next=/")
    expect(page.locator("textarea")).to_have_count(1)
    assert audit(page) == []
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    assert audit(page) == []


@pytest.mark.parametrize("theme", ["light", "dark", "auto"])
def test_the_widget_on_a_news_page_passes_the_audit(live, page, theme):
    _, base = live
    page.goto(f"{base}/test-host?theme={theme}")
    frame = page.frame_locator("iframe")
    expect(frame.get_by_role("heading", name="Ask about this story")).to_be_visible()
    assert audit(page) == []
    ask(frame, ANSWERED, 1)
    ask(frame, UNANSWERED, 2)
    assert audit(page) == []


def test_the_widget_for_a_retired_explainer_passes_the_audit(live, page):
    _, base = live
    page.goto(f"{base}/test-host?explainer=nk-russia-old")
    expect(page.frame_locator("iframe").locator(".frame-notice")).to_contain_text("no longer available")
    assert audit(page) == []


def test_the_editor_console_passes_the_audit_in_every_tab(live, page):
    _, base = live
    page.goto(base + "/editor")
    assert audit(page) == []  # the sign-in page
    page.get_by_label("Your name").fill("Ann Editor")
    page.get_by_label("Editor token").fill(TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#editor-name")).to_have_text("Ann Editor")
    page.wait_for_load_state("load")
    assert audit(page) == []
    page.get_by_label("Question", exact=True).fill(ANSWERED)
    page.get_by_role("button", name="Test", exact=True).click()
    expect(page.locator("#test-result")).not_to_be_empty()
    assert audit(page) == []
    page.get_by_role("tab", name="Batch test").click()
    page.get_by_role("button", name="Run batch test").click()
    expect(page.locator(".run-head h2")).to_contain_text("250 questions")
    page.locator("details.failure").first.locator("summary").click()
    for table in page.locator("details.group-table").all():
        table.locator("summary").click()
    assert audit(page) == []
    page.get_by_role("tab", name="Review queue").click()
    page.get_by_role("button", name="Decide").first.click()
    expect(page.locator(".decide-actions").first).to_be_visible()
    assert audit(page) == []
    page.get_by_role("tab", name="Glossary").click()
    expect(page.locator("#pane-glossary")).to_be_visible()
    assert audit(page) == []
    page.get_by_role("tab", name="Readers").click()
    expect(page.locator("#pane-readers .metric")).not_to_have_count(0)
    assert audit(page) == []


def test_the_demo_article_with_the_widget_open_passes_the_audit(live, page):
    # The sample article the server ships (/demo): a masthead, navigation, the article and a footer, with page
    # styles that restyle every element, and the widget opened on it.
    _, base = live
    page.goto(base + "/demo")
    assert audit(page) == []
    page.get_by_role("button", name="Ask about this story").click()
    frame = page.frame_locator("iframe")
    ask(frame, ANSWERED, 1)
    assert audit(page) == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_chat_and_the_widget_on_a_phone_pass_the_audit(live, new_page, scheme):
    # A phone's narrow layout and touch targets (WCAG 2.2's target size among the rules).
    _, base = live
    phone = new_page(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True, color_scheme=scheme)
    phone.goto(base + "/explainers/nk-russia")
    ask(phone, ANSWERED, 1)
    assert audit(phone) == []
    phone.goto(base + "/demo")
    phone.get_by_role("button", name="Ask about this story").click()
    ask(phone.frame_locator("iframe"), UNANSWERED, 1)
    assert audit(phone) == []
