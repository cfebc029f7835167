"""Defects a reader met in the widget and the chat pages, each held by a test in a real browser (Playwright
driving Debian's chromium): in the widget, a retired explainer, a light accent, a short screen, opening it again,
a long title, a conversation kept across a reload, a page that loads it with CORS, its header as the conversation
grows and an empty question; on the pages, the skip link where there is no question box, feedback by keyboard, what
"I don't know" and the waiting line say, and an answer's source on its explainer's own page; and on both,
right-to-left questions, forced colours, a question the network fails or leaves hanging, one pasted past the limit,
one asked while an answer is coming, a conversation begun by a link with ?q=, Escape in a field with text, and a
conversation copied and pasted.

The host page is served by the app under test (a local page on the bot's origin, which frame-ancestors
'self' lets frame the widget), so each test can set the embed's data attributes; the test of a page that loads
the widget with CORS serves its own page from another origin.
"""

from __future__ import annotations

import re
import sqlite3
from urllib.parse import urlencode

import pytest
from browser_support import SHOTS, require_chromium, serving, serving_app

require_chromium()

from flask import request  # noqa: E402
from markupsafe import escape  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from bot.store import sqlite_path  # noqa: E402

SHELLS = "how many shells has north korea sent"
HOST_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>An article</title></head>
<body><h1>An article</h1><p>The story the widget is about.</p>
<script src="/widget.js" data-explainer="{explainer}" data-accent="{accent}" data-title="{title}" data-open="true" async>
</script>
</body></html>"""


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The app on the bundled corpus, with a host page at /test-host?explainer=...&accent=...&title=...&lang=...
    that embeds the widget open."""
    def host_page(app):
        app.add_url_rule("/test-host", "test_host", lambda: HOST_PAGE.format(
            explainer=escape(request.args.get("explainer", "nk-russia")),
            accent=escape(request.args.get("accent", "#b3122e")),
            title=escape(request.args.get("title", "Ask about this story")),
            lang=escape(request.args.get("lang", "en"))))

    with serving_app(tmp_path_factory.mktemp("widget-fixes"), prepare=host_page, RATE_LIMIT_ASK="off",
                     RATE_LIMIT_FEEDBACK="off") as live:
        yield live


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def host(base: str, **embed: str) -> str:
    return f"{base}/test-host?{urlencode(embed)}"


def open_chat(page, base: str, where: str):
    """The nk-russia chat "in the widget" (on a host page) or "on the chat page": (where it is, its question box)."""
    if where == "widget":
        page.goto(host(base))
        chat = page.frame_locator("iframe")
    else:
        page.goto(base + "/explainers/nk-russia")
        chat = page
    return chat, chat.get_by_label("Your question about this story")


def shells_answered(page, base: str, where: str):
    """`open_chat`, with SHELLS asked and answered: (where it is, its question box, the answer)."""
    chat, question = open_chat(page, base, where)
    question.fill(SHELLS)
    question.press("Enter")
    expect(chat.locator(".turn .answer")).to_have_count(1)
    return chat, question, chat.locator(".turn .answer").first


def test_a_retired_explainer_still_gets_a_working_chat_in_the_widget(live, page, console):
    # Defect: data-explainer="nk-russia-old" showed the site's "Page not found" page inside the widget, with no
    # close button, and its "Back to the questions" link loaded "/", which the frame policy refuses to show.
    _, base = live
    with page.expect_response(lambda r: "/widget/frame" in r.url) as frame_response:
        page.goto(host(base, explainer="nk-russia-old"))
    assert frame_response.value.status == 200  # a frame that works: no error in the publisher's console
    frame = page.frame_locator("iframe")
    expect(frame.locator(".frame-notice")).to_contain_text("This story is no longer available")
    expect(frame.locator(".frame-notice")).to_contain_text("answers now come from all our explainers")
    launcher = page.get_by_role("button", name="Ask about this story")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    with page.expect_request(lambda r: r.url.endswith("/api/ask")) as request_info:
        frame.get_by_label("Your question").fill(SHELLS)
        frame.get_by_role("button", name="Ask", exact=True).click()
    assert "explainer" not in request_info.value.post_data_json  # asked of every explainer
    expect(frame.locator(".answer mark")).to_contain_text("12 million artillery shells")
    # No link leads the frame to a page it may not show: each stays on the frame or opens a new tab.
    links = frame.locator("a[href]").evaluate_all("links => links.map(a => [a.pathname, a.target])")
    assert links and all(path == "/widget/frame" or target == "_blank" for path, target in links), links
    frame.get_by_role("button", name="Close the chat").click()
    expect(launcher).to_have_attribute("aria-expanded", "false")


@pytest.mark.parametrize("path", ["/nothing-here", "/feedback/why?answer_id=an-answer"])
def test_the_skip_link_on_a_page_without_a_question_box_leads_into_the_page(live, page, console, path):
    # Defect: "Skip to the question box" pointed to #question on the error, 429, /feedback/why and thanks
    # pages, which have no question box: the link went nowhere.
    _, base = live
    page.goto(base + path)
    console[:] = [line for line in console if "404" not in line]  # /nothing-here is a 404, as it should be
    missing = page.locator("a[href^='#']").evaluate_all(
        "links => links.map(a => a.hash.slice(1)).filter(id => !document.getElementById(id))")
    assert missing == []
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # from the skip link's target, past the header
    assert page.evaluate("document.activeElement.closest('main') !== null")


def luminance(css_colour: str) -> float:
    """WCAG relative luminance of a computed `rgb(r, g, b)` colour."""
    red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", css_colour)[:3])
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def colours_on_the_accent(page) -> dict[str, str]:
    """The colour of each text that sits on the accent in the open widget, and of the close button's focus ring."""
    frame = page.frame_locator("iframe")
    question = frame.get_by_label("Your question about this story")
    question.click()  # opened with the page, the panel leaves the focus on the article
    expect(question).to_be_focused()
    page.keyboard.press("Shift+Tab")  # from the question box back to the close button, by keyboard
    close = frame.get_by_role("button", name="Close the chat")
    expect(close).to_be_focused()
    colours = {"close button's focus ring": close.evaluate("e => getComputedStyle(e).outlineColor")}
    question.fill(SHELLS)
    frame.get_by_role("button", name="Ask", exact=True).click()
    expect(frame.locator(".answer")).to_be_visible()
    colours.update((name, frame.locator(selector).first.evaluate("e => getComputedStyle(e).color")) for name, selector
                   in [("title", ".frame-title"), ("question bubble", ".you-asked"), ("Ask button", ".ask-button"),
                       ("close button", ".close")])
    colours["launcher"] = page.get_by_role("button", name="Ask about this story").evaluate(
        "e => getComputedStyle(e).color")
    return colours


def test_text_on_a_light_accent_is_dark(live, page):
    # Defect: with data-accent="#ffd200" the frame's title, the reader's question bubbles, the Ask button and
    # the close button's focus ring were white on yellow (1.4:1); only the launcher picked dark text.
    _, base = live
    page.goto(host(base, accent="#ffd200"))
    colours = colours_on_the_accent(page)
    assert all(luminance(colour) < 0.05 for colour in colours.values()), colours
    # The accent is too light to be text on white: links and suggested questions use the ink instead.
    frame = page.frame_locator("iframe")
    for selector in (".answer .source a", ".choice"):
        colour = frame.locator(selector).first.evaluate("e => getComputedStyle(e).color")
        assert luminance(colour) < 0.05, (selector, colour)


def test_text_on_a_dark_accent_stays_white(live, page):
    _, base = live
    page.goto(host(base, accent="#b3122e"))
    colours = colours_on_the_accent(page)
    assert all(colour == "rgb(255, 255, 255)" for colour in colours.values()), colours
    link = page.frame_locator("iframe").locator(".answer .source a").first
    assert link.evaluate("e => getComputedStyle(e).color") == "rgb(179, 18, 46)"  # the accent itself


def test_the_widget_fits_a_phone_on_its_side(live, browser):
    # Defect: at 740x360 (a phone in landscape) the conversation in the widget was 24px tall: the panel lost
    # 110px of the height, the Ask button wrapped under the question box and the frame kept a page's padding.
    _, base = live
    context = browser.new_context(viewport={"width": 740, "height": 360}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(host(base))
        frame = page.frame_locator("iframe")
        question = frame.get_by_label("Your question about this story")
        ask = frame.get_by_role("button", name="Ask", exact=True)

        def fits(locator) -> bool:
            box = locator.bounding_box()  # in the page's coordinates
            return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 360 and box["x"] + box["width"] <= 740

        starters = frame.locator(".starters")
        expect(starters.locator(".choice").first).to_be_attached()
        assert starters.bounding_box()["height"] >= 120
        # Taller than the room it has, the list of suggestions scrolls, from the welcome to the last question.
        assert starters.evaluate("e => e.scrollHeight > e.clientHeight && e.firstElementChild.offsetTop >= 0")
        question.fill(SHELLS)
        ask.click()
        expect(frame.locator(".answer mark")).to_contain_text("12 million artillery shells")
        assert frame.locator("#log").bounding_box()["height"] >= 120
        assert fits(question) and fits(ask)
        assert ask.bounding_box()["y"] < question.bounding_box()["y"] + question.bounding_box()["height"]  # side by side
        assert fits(frame.get_by_role("button", name="Close the chat"))
    finally:
        context.close()


def tab_to(page, aria_label: str) -> None:
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == aria_label:
            return
    raise AssertionError(f"Tab never reached the button {aria_label!r}")


def test_feedback_by_keyboard_keeps_the_readers_place(live, page):
    # Defect: Tab to "Yes" and Enter sent the feedback but disabled the focused button, so the focus fell to
    # <body> and a keyboard reader started again from the top of the page.
    _, base = live
    page.goto(base + "/explainers/nk-russia")
    page.get_by_label("Your question about this story").fill(SHELLS)
    page.keyboard.press("Enter")
    answer = page.locator(".turn .answer").first
    expect(answer.locator("mark")).to_be_visible()
    tab_to(page, "Yes, this helped")
    page.keyboard.press("Enter")
    expect(answer.locator(".feedback-status")).to_have_text("Thanks! Glad it helped.")
    assert page.evaluate("document.activeElement !== document.body")
    expect(answer.locator(".feedback-status")).to_be_focused()
    shot(page, "feedback-by-keyboard")
    # "No", then "Send" from the box that asks what was wrong: the same.
    page.get_by_label("Your question about this story").fill("who is kim jong un")
    page.keyboard.press("Enter")
    second = page.locator(".turn .answer").nth(1)
    expect(second.locator(".passage, .idk").first).to_be_visible()
    tab_to(page, "No, this did not help")
    page.keyboard.press("Enter")
    expect(second.get_by_label("What was wrong or missing?")).to_be_focused()
    page.keyboard.type("It does not say when he took power")
    page.keyboard.press("Tab")
    expect(second.get_by_role("button", name="Send")).to_be_focused()
    page.keyboard.press("Enter")
    expect(second.locator(".feedback-status")).to_contain_text("Thanks for telling us")
    assert page.evaluate("document.activeElement !== document.body")
    expect(second.locator(".feedback-status")).to_be_focused()


@pytest.mark.parametrize(("where", "says"), [
    ("/explainers/nk-russia", "This explainer doesn't answer that."),
    ("/", "The explainers don't answer that."),
    ("widget on its story", "This explainer doesn't answer that."),
])
def test_i_dont_know_names_what_was_asked(live, page, where, says):
    # Defect: asked of one explainer, "I don't know" still said "The explainers don't answer that."
    _, base = live
    if where.startswith("/"):
        page.goto(base + where)
        chat = page
    else:
        page.goto(host(base, explainer="nk-russia"))
        chat = page.frame_locator("iframe")
    chat.locator("#question").fill("who won the world cup in 1966")
    chat.get_by_role("button", name="Ask", exact=True).click()
    expect(chat.locator(".answer--abstained .idk")).to_have_text("I don't know. " + says)


def test_the_widget_opened_again_waits_in_the_question_box(live, page):
    # Defect: the first opening put the cursor in the question box, but after closing the panel (Escape, or the
    # close button) and opening it again the focus was on the frame's body: typed keys went nowhere, and a
    # keyboard reader had to find the question box again.
    _, base = live
    page.goto(host(base))
    frame = page.frame_locator("iframe")
    question = frame.get_by_label("Your question about this story")
    launcher = page.get_by_role("button", name="Ask about this story")
    question.click()
    expect(question).to_be_focused()
    page.keyboard.press("Escape")
    expect(launcher).to_be_focused()
    page.keyboard.press("Enter")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(question).to_be_focused()
    page.keyboard.type("how many")
    expect(question).to_have_value("how many")
    frame.get_by_role("button", name="Close the chat").click()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.click()
    expect(question).to_be_focused()
    page.keyboard.type(" shells")
    expect(question).to_have_value("how many shells")


def test_a_widget_open_on_load_leaves_the_focus_on_the_article(live, page):
    # Defect: data-open="true" put the cursor in the chat as the article loaded: a screen reader began in the
    # chat instead of the story, and keys typed for the page (its search box, space to scroll) went to the widget.
    _, base = live
    page.goto(host(base))
    question = page.frame_locator("iframe").get_by_label("Your question about this story")
    expect(question).to_be_visible()
    expect(page.get_by_role("button", name="Ask about this story")).to_have_attribute("aria-expanded", "true")
    page.wait_for_timeout(1500)  # past the chat's ready message and the frame's load
    expect(question).not_to_be_focused()
    assert page.evaluate("document.activeElement === document.body")
    page.keyboard.type("xyz")
    expect(question).to_have_value("")
    # The reader who wants the chat goes to it by Tab, as to anything else on the page.
    for _ in range(12):
        page.keyboard.press("Tab")
        if question.evaluate("e => e === document.activeElement"):
            break
    expect(question).to_be_focused()


LONG_WORD_TITLE = "Fragen zur Bundestagswahlrechtsreformkommissionsempfehlung"  # 58 characters, within the 60 allowed


@pytest.mark.parametrize(("width", "height"), [(320, 640), (1280, 800)])
def test_a_long_title_keeps_the_close_button_and_the_question_box_in_view(live, browser, width, height):
    # Defect: a title of one long compound word pushed the frame's close button out of the panel (out of reach)
    # and, on a phone, ran the launcher off the left edge of the screen.
    _, base = live
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=width < 480,
                                  has_touch=width < 480)
    page = context.new_page()
    try:
        page.goto(host(base, title=LONG_WORD_TITLE))
        launcher = page.get_by_role("button", name=LONG_WORD_TITLE)  # the whole title is still its name
        frame = page.frame_locator("iframe")
        expect(frame.locator(".frame-title")).to_have_text(LONG_WORD_TITLE)
        panel = page.locator("iframe").bounding_box()
        close = frame.get_by_role("button", name="Close the chat").bounding_box()
        assert panel["x"] <= close["x"] and close["x"] + close["width"] <= panel["x"] + panel["width"], (panel, close)
        assert frame.locator("html").evaluate("e => e.scrollWidth <= e.clientWidth")
        button = launcher.bounding_box()
        assert 0 <= button["x"] and button["x"] + button["width"] <= width, button
        question = frame.get_by_label("Your question about this story").bounding_box()
        assert question["y"] + question["height"] <= button["y"], (question, button)  # not covered by the launcher
        shot(page, f"widget-long-title-{width}")
    finally:
        context.close()


ARABIC = "كم عدد الجنود الذين أرسلتهم كوريا الشمالية?"  # "how many soldiers has North Korea sent?"


def direction(locator) -> str:
    return locator.evaluate("e => getComputedStyle(e).direction")


@pytest.mark.parametrize("where", ["chat page", "widget"])
def test_a_right_to_left_question_reads_right_to_left(live, page, where):
    # Defect: an Arabic or Hebrew question was laid out in the page's left-to-right direction: its question mark
    # stood at its start (to the right of the Arabic words), and a second line of the bubble started on the left.
    # The same in the question box while typing it, and in the title of a widget given one in Arabic.
    _, base = live
    if where == "widget":
        page.goto(host(base, title="اسأل عن هذه القصة"))
        chat = page.frame_locator("iframe")
        assert direction(chat.locator(".frame-title")) == "rtl"
        assert direction(page.get_by_role("button", name="اسأل عن هذه القصة").locator(".label")) == "rtl"
    else:
        page.goto(base + "/explainers/nk-russia")
        chat = page
    question = chat.locator("#question")
    question.fill(ARABIC)
    assert direction(question) == "rtl"
    chat.get_by_role("button", name="Ask", exact=True).click()
    asked = chat.locator(".turn .you-asked")
    expect(asked).to_have_text("You asked: " + ARABIC)
    assert direction(asked) == "rtl"
    expect(chat.locator(".turn .answer")).to_be_visible()
    question.fill("why?")
    chat.get_by_role("button", name="Ask", exact=True).click()
    expect(chat.locator(".turn .answer")).to_have_count(2)
    # The earlier question sits in the English line as a run of its own direction.
    context = chat.locator(".turn").last.locator(".context-used")
    expect(context).to_have_text(f"Following on from “{ARABIC}”")
    expect(context.locator("bdi")).to_have_text(ARABIC)
    page.reload()  # the conversation kept for the tab is drawn again the same way
    if where == "widget":
        chat = page.frame_locator("iframe")
    expect(chat.locator(".turn .you-asked").first).to_have_text("You asked: " + ARABIC)
    assert direction(chat.locator(".turn .you-asked").first) == "rtl"


def test_a_right_to_left_question_reads_right_to_left_without_javascript(live, browser):
    _, base = live
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{base}/explainers/nk-russia?{urlencode({'q': ARABIC})}")
        asked = page.locator(".you-asked")
        expect(asked).to_have_text("You asked: " + ARABIC)
        assert direction(asked) == "rtl"
        assert direction(page.locator(".skip-link")) == "ltr"  # the page itself stays left to right
    finally:
        context.close()


def test_the_widget_kept_across_a_reload_opens_on_the_latest_turn_and_keeps_the_feedback_given(live, page):
    # Defect: after a reload the widget drew the kept conversation scrolled to its first turn, the latest one out of
    # sight below; and an answer the reader had already rated offered Yes and No again (a second press stored a
    # second row).
    app, base = live
    page.goto(host(base))
    frame = page.frame_locator("iframe")
    questions = [SHELLS, "who is kim jong un", "how many troops did north korea send"]
    for count, question in enumerate(questions, start=1):
        frame.get_by_label("Your question about this story").fill(question)
        frame.get_by_role("button", name="Ask", exact=True).click()
        expect(frame.locator(".turn .answer")).to_have_count(count)
    first = frame.locator(".turn .answer").first
    answer_id = first.get_attribute("data-answer-id")
    first.get_by_role("button", name="Yes, this helped").click()
    expect(first.locator(".feedback-status")).to_have_text("Thanks! Glad it helped.")
    page.reload()
    frame = page.frame_locator("iframe")
    turns = frame.locator(".turn")
    expect(turns).to_have_count(3)
    log = frame.locator("#log")
    assert log.evaluate("e => e.scrollHeight > e.clientHeight")  # more than fits: where it opens matters
    top, bottom = (lambda box: (box["y"], box["y"] + box["height"]))(log.bounding_box())
    latest = turns.last.locator(".you-asked").bounding_box()
    assert top - 1 <= latest["y"] and latest["y"] + latest["height"] <= bottom + 1, (top, bottom, latest)
    rated = turns.first.locator(".feedback")
    expect(rated.get_by_role("button", name="Yes, this helped")).to_have_attribute("aria-pressed", "true")
    expect(rated.get_by_role("button", name="Yes, this helped")).to_be_disabled()
    expect(rated.get_by_role("button", name="No, this did not help")).to_be_disabled()
    expect(rated.locator(".feedback-status")).to_have_text("Thanks! Glad it helped.")
    expect(turns.last.get_by_role("button", name="Yes, this helped")).to_be_enabled()  # not rated yet
    assert [row["helpful"] for row in app.extensions["store"].feedback(answer_id)] == [1]


def test_the_widget_loads_on_a_page_that_fetches_it_with_cors(live, page):
    # Defect: with crossorigin="anonymous" on the script tag (as Subresource Integrity requires, and as some
    # frameworks and tag managers add), the browser refused to run widget.js from the bot's origin: no launcher.
    _, base = live
    # (No icon to fetch: the browser's request for /favicon.ico, in flight as the newsroom's server stopped, was
    # reset, and the console's error failed the test now and then.)
    article = (f'<!doctype html><html lang="en"><title>An article</title><link rel="icon" href="data:,">'
               f'<h1>An article</h1>'
               f'<script src="{base}/widget.js" crossorigin="anonymous" data-explainer="nk-russia" async></script>'
               ).encode()

    def newsroom(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(article)))])
        return [article]

    with serving(newsroom) as newsroom_base:
        origin = newsroom_base.replace("127.0.0.1", "localhost")  # another origin than the bot's, on loopback
        with page.expect_response(f"{base}/widget.js") as loader:
            page.goto(origin + "/article")
        assert loader.value.request.headers.get("origin") == origin  # fetched with CORS
        expect(page.get_by_role("button", name="Ask about this story")).to_be_visible()


def test_in_forced_colours_the_buttons_and_the_readers_question_keep_their_shape(live, browser):
    # Defect: in forced colours (Windows High Contrast) backgrounds are dropped, and the launcher, the Ask button,
    # the reader's question bubble and the widget's header, shaped by their accent background alone, became bare
    # text; a pressed thumb looked like one not pressed.
    _, base = live
    context = browser.new_context(viewport={"width": 1280, "height": 900}, forced_colors="active")
    page = context.new_page()
    try:
        page.goto(host(base))
        frame = page.frame_locator("iframe")
        frame.get_by_label("Your question about this story").fill(SHELLS)
        frame.get_by_role("button", name="Ask", exact=True).click()
        expect(frame.locator(".answer mark")).to_be_visible()
        frame.get_by_role("button", name="Yes, this helped").click()
        expect(frame.locator(".feedback-status")).to_have_text("Thanks! Glad it helped.")
        border = "(e, side) => { const s = getComputedStyle(e); return [s[`border${side}Style`], " \
                 "parseFloat(s[`border${side}Width`]), s[`border${side}Color`]]; }"
        for name, locator, side in [
                ("launcher", page.get_by_role("button", name="Ask about this story"), "Top"),
                ("Ask button", frame.get_by_role("button", name="Ask", exact=True), "Top"),
                ("question bubble", frame.locator(".you-asked"), "Top"),
                ("frame header", frame.locator(".frame-header"), "Bottom")]:
            style, width, colour = locator.evaluate(border, side)
            assert style == "solid" and width >= 1 and colour != "rgba(0, 0, 0, 0)", (name, style, width, colour)
        background = "e => getComputedStyle(e).backgroundColor"
        pressed = frame.get_by_role("button", name="Yes, this helped").evaluate(background)
        assert pressed != frame.get_by_role("button", name="No, this did not help").evaluate(background)
        shot(page, "widget-forced-colours")
    finally:
        context.close()


@pytest.mark.parametrize(("path", "says"), [("/", "Looking in the explainers…"),
                                            ("/explainers/nk-russia", "Looking in the explainer…")])
def test_while_it_looks_it_says_where(live, page, path, says):
    # Defect: on the front page, which answers from every explainer, the line shown while waiting for an answer
    # said "Looking in the explainer…", as on a page about one.
    _, base = live
    held = []
    page.route("**/api/ask", lambda route: held.append(route))  # the question waits until the test lets it go
    page.goto(base + path)
    page.locator("#question").fill(SHELLS)
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.locator(".turn .pending")).to_have_text(says)
    held[0].continue_()
    expect(page.locator(".turn .answer")).to_be_visible()
    expect(page.locator(".turn .pending")).to_have_count(0)


@pytest.mark.parametrize("page_css", ["body { transform: translateZ(0); }", "body { filter: saturate(1); }"])
def test_the_widget_stays_on_screen_when_the_page_transforms_its_body(live, browser, page_css):
    # Defect: a transform or filter on the host page's <body> (a GPU hint, a page transition) made the widget's
    # position:fixed follow the page: on a long article the launcher sat at the foot of the page, out of sight.
    _, base = live
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)  # the page's own <style>
    page = context.new_page()
    try:
        page.goto(host(base))
        page.add_style_tag(content=page_css + " body { min-height: 4000px; }")
        page.mouse.wheel(0, 1000)
        page.wait_for_function("scrollY > 0")
        launcher = page.get_by_role("button", name="Ask about this story")
        expect(launcher).to_be_visible()
        box = launcher.bounding_box()  # in the viewport's coordinates
        assert box["y"] + box["height"] == pytest.approx(800 - 20, abs=1) and box["x"] + box["width"] == pytest.approx(
            1280 - 20, abs=1), box
        panel = page.locator("iframe").bounding_box()
        assert panel["y"] >= 0 and panel["y"] + panel["height"] <= box["y"], (panel, box)
        expect(page.frame_locator("iframe").get_by_label("Your question about this story")).to_be_visible()
    finally:
        context.close()


def test_a_single_page_site_moves_the_widget_to_the_next_articles_explainer(live, page):
    # Missing: on a site that changes article without loading a page, the widget kept the first article's
    # explainer for good (a second tag was ignored, and the page had no way to say which story it now shows).
    _, base = live
    page.goto(host(base, explainer="nk-russia"))  # opens on load
    frame = page.frame_locator("iframe")
    expect(frame.get_by_label("Your question about this story")).to_be_visible()
    assert "explainer=nk-russia" in page.locator("iframe").get_attribute("src")

    # The page calls the widget: the open panel shows the new explainer's chat at once.
    page.evaluate("window.ExplainerBotWidget.setExplainer('cop28')")
    expect(page.locator("iframe")).to_have_count(1)
    expect(page.locator("iframe")).to_have_attribute("src", re.compile(r"explainer=cop28"))
    with page.expect_request(lambda r: r.url.endswith("/api/ask")) as asked:
        frame.get_by_label("Your question about this story").fill("where was the summit held")
        frame.get_by_role("button", name="Ask", exact=True).click()
    assert asked.value.post_data_json["explainer"] == "cop28"

    # The site adds the tag again for the next article, as a single-page app does: the widget follows it.
    page.get_by_role("button", name="Ask about this story").click()  # closed, then the tag comes
    page.evaluate("""() => { const tag = document.createElement('script');
        tag.src = '/widget.js'; tag.dataset.explainer = 'fed-rates'; document.body.appendChild(tag); }""")
    expect(page.locator("iframe")).to_have_count(0)  # the old frame is gone; nothing loads until it is opened
    page.get_by_role("button", name="Ask about this story").click()
    expect(page.locator("iframe")).to_have_attribute("src", re.compile(r"explainer=fed-rates"))
    expect(page.get_by_role("button", name="Ask about this story")).to_have_count(1)  # still one widget


def test_a_second_tag_says_which_of_its_settings_are_not_taken(live, page):
    # Defect: a page with two widget tags (a site template's and an article's) got the first tag's title and
    # position and the second tag's explainer, and nothing told its developer why the second tag's title was lost.
    _, base = live
    warnings = []
    page.on("console", lambda message: warnings.append(message.text) if message.type == "warning" else None)
    page.goto(host(base, explainer="nk-russia", title="Ask about this story"))
    expect(page.get_by_role("button", name="Ask about this story")).to_be_visible()
    page.evaluate("""() => { const tag = document.createElement('script');
        tag.src = '/widget.js'; Object.assign(tag.dataset, {explainer: 'cop28', title: 'Ask about COP28',
        position: 'left', accent: '#B3122E', open: 'true'}); document.body.appendChild(tag); }""")
    expect(page.locator("iframe")).to_have_attribute("src", re.compile(r"explainer=cop28"))  # it moves
    expect(page.get_by_role("button", name="Ask about this story")).to_have_count(1)  # and keeps its title
    assert [w for w in warnings if "one widget per page" in w] == [
        "Explainer bot widget: one widget per page; this tag's data-position, data-title are ignored (the first "
        "tag's are kept; only data-explainer moves the widget)"]  # the same accent in capitals, or open, is no change
    page.evaluate("""() => { const tag = document.createElement('script');
        tag.src = '/widget.js'; tag.dataset.explainer = 'fed-rates'; document.body.appendChild(tag); }""")
    expect(page.locator("iframe")).to_have_attribute("src", re.compile(r"explainer=fed-rates"))
    assert len([w for w in warnings if "one widget per page" in w]) == 1  # a tag of the explainer alone: nothing to say


def test_the_widget_keeps_its_header_in_view_as_the_conversation_grows(live, new_page):
    # Defect: after a few questions, a short answer (an "I don't know") scrolled the whole frame up: its header,
    # with the title and the close button, went out of view, and a blank strip showed under the question box. Each
    # question's hidden "You asked:" sat at its place in the conversation's unscrolled height and stretched the
    # frame's page, which the scroll to the new answer then moved.
    _, base = live
    page = new_page(reduced_motion="reduce")  # the scroll to each answer is instant
    page.goto(host(base))
    frame = page.frame_locator("iframe")
    question = frame.get_by_label("Your question about this story")
    for count, asked in enumerate([SHELLS, "who is kim jong un", "what is the weather on mars"], start=1):
        question.fill(asked)
        question.press("Enter")
        expect(frame.locator(".turn .answer")).to_have_count(count)
    expect(frame.locator(".turn").last.locator(".idk")).to_contain_text("I don't know.")
    assert frame.locator("#log").evaluate("e => e.scrollHeight > e.clientHeight")  # the conversation scrolls...
    # ...and the frame's page does not.
    assert frame.locator("html").evaluate("e => e.scrollHeight <= e.clientHeight && e.scrollTop === 0")
    expect(frame.get_by_role("button", name="Close the chat")).to_be_in_viewport(ratio=1)
    expect(frame.locator(".frame-title")).to_be_in_viewport(ratio=1)


@pytest.mark.parametrize("where", ["chat page", "widget"])
def test_a_question_that_could_not_be_sent_is_kept_to_send_again(live, page, console, where):
    # Defect: when the network failed, the chat said "Check your connection and try again" but had emptied the
    # question box: the reader had to type the question again to try again.
    _, base = live
    chat, question = open_chat(page, base, where)
    page.route("**/api/ask", lambda route: route.abort())
    question.fill(SHELLS)
    question.press("Enter")
    expect(chat.locator(".turn .answer--error")).to_have_text(
        "We could not reach the server. Check your connection and try again.")
    expect(question).to_have_value(SHELLS)
    console[:] = [line for line in console if "net::ERR_FAILED" not in line]  # the failure asked for

    page.unroute("**/api/ask")
    question.press("Enter")  # the connection is back: Enter sends it again
    expect(chat.locator(".turn").last.locator(".answer mark")).to_contain_text("12 million artillery shells")
    expect(question).to_have_value("")


def test_the_widget_says_so_when_asked_an_empty_question(live, page):
    # Defect: in the widget, Ask with nothing typed (or only spaces) did nothing a reader could see but a red
    # border: "Type a question first." was hidden there with the note under the question box, and a screen reader
    # was not told either.
    _, base = live
    page.goto(host(base))
    frame = page.frame_locator("iframe")
    question = frame.get_by_label("Your question about this story")
    frame.get_by_role("button", name="Ask", exact=True).click()
    expect(frame.get_by_role("alert")).to_have_text("Type a question first.")
    expect(frame.get_by_role("alert")).to_be_visible()
    expect(question).to_be_focused()
    question.fill(SHELLS)
    question.press("Enter")
    expect(frame.locator(".turn .answer mark")).to_contain_text("12 million artillery shells")
    expect(frame.get_by_text("Type a question first.")).to_be_hidden()
    expect(frame.locator("#ask-hint")).to_be_hidden()  # the note under the box still gives way to the conversation


def test_a_question_of_exactly_the_limit_is_not_said_to_be_cut(live, page):
    # A question typed or pasted to exactly the limit was told "the rest was left out", though nothing was.
    app, base = live
    limit = app.config["MAX_QUESTION_CHARS"]
    chat, question = open_chat(page, base, "chat page")
    note = chat.get_by_text(f"A question can be up to {limit} characters long: the rest was left out.")
    exact = (SHELLS + " and why ") * (limit // len(SHELLS + " and why ") + 1)
    question.fill(exact[:limit])
    expect(question).to_have_value(exact[:limit])
    expect(note).to_be_hidden()
    question.press("End")
    question.press("x")  # one more character: this one is left out
    expect(note).to_be_visible()
    expect(question).to_have_value(exact[:limit])
    question.press("Backspace")
    expect(note).to_be_hidden()
    question.press("x")  # back to the limit, nothing lost
    expect(note).to_be_hidden()


@pytest.mark.parametrize("where", ["chat page", "widget"])
def test_a_pasted_question_over_the_limit_is_cut_with_a_word_to_the_reader(live, page, where):
    # Defect: a question pasted whole from an article (2,000 characters) was cut at 500 by the question box without
    # a word, and asked cut short.
    app, base = live
    limit = app.config["MAX_QUESTION_CHARS"]
    chat, question = open_chat(page, base, where)
    note = chat.get_by_text(f"A question can be up to {limit} characters long: the rest was left out.")
    expect(note).to_be_hidden()
    pasted = (SHELLS + " and what did russia give in return? ") * 30
    assert len(pasted) > 2000
    question.fill(pasted)
    expect(question).to_have_value(pasted[:limit])
    expect(note).to_be_visible()
    question.fill(SHELLS)  # shortened: the note goes
    expect(note).to_be_hidden()
    question.fill(pasted)
    question.press("Enter")  # asked as it is: the note goes with it
    expect(chat.locator(".turn .answer")).to_have_count(1)
    expect(note).to_be_hidden()


def ask_shells(page, base: str, how: str) -> None:
    """Ask SHELLS on the nk-russia page "in the question box", or "by a link with ?q=" (the page renders the answer)."""
    if how == "by a link with ?q=":
        page.goto(f"{base}/explainers/nk-russia?{urlencode({'q': SHELLS})}")
    else:
        page.goto(base + "/explainers/nk-russia")
        page.get_by_label("Your question about this story").fill(SHELLS)
        page.keyboard.press("Enter")


@pytest.mark.parametrize("how", ["in the question box", "by a link with ?q="])
def test_a_conversation_copied_and_pasted_reads_as_it_was_asked(live, new_page, how):
    # Defect: copied and pasted (into an e-mail, a note), a question read "You asked:how many shells…": the space
    # at the end of the hidden "You asked: " was dropped.
    _, base = live
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    ask_shells(page, base, how)
    turn = page.locator(".turn").first
    expect(turn.locator(".answer mark")).to_contain_text("12 million artillery shells")
    turn.evaluate("e => { const range = document.createRange(); range.selectNodeContents(e);"
                  " getSelection().removeAllRanges(); getSelection().addRange(range); }")
    page.keyboard.press("Control+C")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f"You asked: {SHELLS}\n"), copied[:80]
    assert "12 million artillery shells" in copied


@pytest.mark.parametrize("where", ["chat page", "widget"])
def test_a_question_the_network_leaves_hanging_is_given_up_and_the_chat_takes_the_next(live, page, where):
    # Defect: when the network took a request and never answered, the chat said "Looking in the explainer…" for
    # good and took no other question: Ask did nothing until the page was loaded again. Feedback stayed "Sending…".
    _, base = live
    page.clock.install()  # the test moves the page's clock on instead of waiting
    chat, question = open_chat(page, base, where)
    question.fill(SHELLS)
    question.press("Enter")
    answer = chat.locator(".turn .answer").first
    expect(answer.locator("mark")).to_contain_text("12 million artillery shells")

    page.route("**/api/*", lambda route: None)  # taken, never answered
    answer.get_by_role("button", name="Yes, this helped").click()
    expect(answer.locator(".feedback-status")).to_have_text("Sending…")
    question.fill("who is kim jong un")
    question.press("Enter")
    expect(chat.locator(".turn").last.locator(".pending")).to_be_visible()
    page.clock.run_for("00:30")
    expect(chat.locator(".turn").last.locator(".answer--error")).to_have_text(
        "The server is taking too long to answer. Please try again.")
    expect(answer.locator(".feedback-status")).to_have_text("The server is taking too long to answer. Please try again.")
    expect(answer.get_by_role("button", name="Yes, this helped")).to_be_enabled()

    page.unroute("**/api/*")
    expect(question).to_have_value("who is kim jong un")
    question.press("Enter")  # the next try is taken and answered
    expect(chat.locator(".turn").last.locator(".answer mark")).to_contain_text("Kim Jong Un")
    answer.get_by_role("button", name="Yes, this helped").click()
    expect(answer.locator(".feedback-status")).to_have_text("Thanks! Glad it helped.")


def test_type_a_question_first_goes_once_the_reader_types(live, page):
    # Defect: after Ask with an empty box, "Type a question first." and the box's red border stayed while the
    # reader typed the question, as if what was being typed were wrong too.
    _, base = live
    page.goto(base + "/explainers/nk-russia")
    question = page.get_by_label("Your question about this story")
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("Type a question first.")
    expect(question).to_have_attribute("aria-invalid", "true")
    question.press_sequentially("   ")  # spaces are still no question
    expect(page.get_by_role("alert")).to_have_text("Type a question first.")
    question.press_sequentially("who")
    expect(page.get_by_text("Type a question first.")).to_be_hidden()
    expect(question).not_to_have_attribute("aria-invalid", "true")


@pytest.mark.parametrize("where", ["chat page", "widget"])
def test_a_question_asked_while_an_answer_is_coming_waits_its_turn_and_is_asked(live, page, where):
    # Defect: Ask (or Enter, or a follow-up button) while an answer was still coming did nothing, without a word:
    # the typed question stayed in the box, unsent, and a follow-up pressed then was lost.
    _, base = live
    chat, question, first = shells_answered(page, base, where)
    expect(first.locator("mark")).to_contain_text("12 million artillery shells")
    follow_up = first.locator(".choices--followups .choice").first
    follow_up_text = follow_up.inner_text()

    held, sent = [], []
    page.route("**/api/ask", lambda route: (sent.append(route.request.post_data_json["question"]),
                                            held.append(route) if len(sent) == 1 else route.continue_()))
    question.fill("who is kim jong un")
    question.press("Enter")
    turns = chat.locator(".turn")
    expect(turns.nth(1).locator(".pending")).to_be_visible()
    follow_up.click()  # while the answer is coming
    question.fill("how many troops did north korea send")
    question.press("Enter")
    expect(turns).to_have_count(4)
    expect(question).to_have_value("")  # taken, not left unsent in the box
    for waiting in (turns.nth(2), turns.nth(3)):
        expect(waiting.locator(".pending")).to_have_text("Waiting for the answer above…")
    expect(turns.nth(2).locator(".you-asked")).to_have_text("You asked: " + follow_up_text)
    expect(chat.locator("#ask-status")).to_have_text(
        "Your question will be asked as soon as the answer before it is in.")
    assert sent == ["who is kim jong un"]  # one at a time: each follow-up is read with the answers before it

    held[0].continue_()
    expect(chat.locator(".turn .answer")).to_have_count(4)
    expect(turns.nth(1).locator(".answer mark")).to_contain_text("Kim Jong Un")
    expect(chat.locator(".pending")).to_have_count(0)
    expect(chat.locator("#ask-status")).to_have_text("")
    assert sent == ["who is kim jong un", follow_up_text, "how many troops did north korea send"]


@pytest.mark.parametrize("where", ["chat page", "widget"])
def test_questions_still_to_be_answered_when_the_page_is_reloaded_are_asked_again(live, page, where):
    # Defect: a reload while an answer was coming lost that question and the ones waiting their turn: the
    # conversation came back without them, and nothing said they had never been answered.
    _, base = live
    chat, question, _ = shells_answered(page, base, where)
    page.route("**/api/ask", lambda route: None)  # held: the answer never comes before the reload
    for asked in ("who is kim jong un", "how many troops did north korea send"):
        question.fill(asked)
        question.press("Enter")
    expect(chat.locator(".turn .pending")).to_have_count(2)
    page.unroute("**/api/ask")
    page.reload()
    chat = page.frame_locator("iframe") if where == "widget" else page
    turns = chat.locator(".turn")
    expect(chat.locator(".turn .answer")).to_have_count(3)
    expect(turns).to_have_count(3)  # asked again once each, after the turn kept, in the order asked
    expect(turns.nth(1).locator(".answer mark")).to_contain_text("Kim Jong Un")
    expect(turns.nth(2).locator(".you-asked")).to_have_text("You asked: how many troops did north korea send")
    page.reload()  # answered now, they are kept as turns and not asked a third time
    chat = page.frame_locator("iframe") if where == "widget" else page
    expect(chat.locator(".turn .answer")).to_have_count(3)
    expect(chat.locator(".turn .pending")).to_have_count(0)

def times_logged(app, question: str) -> int:
    store = app.extensions["store"]
    store.flush()
    with sqlite3.connect(sqlite_path(app.config["DATABASE_URL"])) as connection:
        count = connection.execute("SELECT COUNT(*) FROM questions WHERE question = ?", (question,)).fetchone()[0]
    connection.close()
    return count


@pytest.mark.parametrize(("linked", "path", "kept"), [  # a question of its own each, to count in the log
    ("how many shells has north korea sent to russia", "/explainers/nk-russia", ""),
    ("how many artillery shells has north korea sent", "/widget/frame",
     "explainer=nk-russia&title=Ask+about+this+story&theme=light"),
])
def test_a_conversation_begun_by_a_link_with_q_is_kept_whole_and_asked_once(live, page, linked, path, kept):
    # Defect: a conversation begun by a link with ?q= (the first answer rendered by the server) lost turns: after a
    # follow-up, a reload showed only the first turn and asked (and logged) its question again, and the page
    # visited later showed the follow-up without the question it followed.
    app, base = live
    page.goto(f"{base}{path}?{kept + '&' if kept else ''}{urlencode({'q': linked})}")
    expect(page.locator(".turn .answer mark")).to_contain_text("12 million artillery shells")
    expect(page).to_have_url(f"{base}{path}{'?' + kept if kept else ''}")  # the address asks no more
    page.locator(".turn .answer").first.get_by_role("button", name="Yes, this helped").click()
    expect(page.locator(".turn .feedback-status").first).to_have_text("Thanks! Glad it helped.")
    question = page.get_by_label("Your question about this story")
    question.fill("who is kim jong un")
    question.press("Enter")
    expect(page.locator(".turn .answer")).to_have_count(2)
    asked = ["You asked: " + linked, "You asked: who is kim jong un"]
    page.reload()
    expect(page.locator(".turn .answer")).to_have_count(2)
    expect(page.locator(".turn .you-asked")).to_have_text(asked)
    # The linked answer's feedback is kept with it too: it is not offered again (a second press stored a second row).
    expect(page.locator(".turn .answer").first.get_by_role("button", name="Yes, this helped")).to_be_disabled()
    page.goto(f"{base}{path}{'?' + kept if kept else ''}")  # the page visited again later, in the same tab
    expect(page.locator(".turn .you-asked")).to_have_text(asked)
    assert times_logged(app, linked) == 1
    # The next follow-up is read with the whole conversation.
    with page.expect_request("**/api/ask") as request_info:
        question.fill("why?")
        question.press("Enter")
    assert request_info.value.post_data_json["history"] == [linked, "who is kim jong un"]
    expect(page.locator(".turn .answer")).to_have_count(3)


def test_a_link_with_q_that_fails_puts_its_question_in_the_box(live, page):
    # The server's turn said "That question is too long" and the question was gone, where the script's own failed
    # requests leave it in the box to send again; and a reload asked it again.
    app, base = live
    long_question = "how many shells " * 40
    page.goto(f"{base}/explainers/nk-russia?{urlencode({'q': long_question})}")
    expect(page.locator(".turn .answer--error")).to_have_text("That question is too long. Please shorten it and ask again.")
    expect(page).to_have_url(f"{base}/explainers/nk-russia")
    expect(page.get_by_label("Your question about this story")).to_have_value(long_question)


@pytest.mark.parametrize("how", ["in the question box", "by a link with ?q="])
def test_on_an_explainers_page_its_answers_link_only_to_other_pages(live, page, how):
    # Defect: on an explainer's own page, each answer's source linked to that page: a click reloaded the page the
    # reader was on. Its title stays, as text; an answer from another explainer still links to that one.
    _, base = live
    ask_shells(page, base, how)
    own = page.locator(".turn .answer").first
    expect(own.locator("mark")).to_contain_text("12 million artillery shells")
    title = page.locator("h1").inner_text()
    expect(own.locator(".source")).to_contain_text(" · " + title)
    expect(own.locator(".source a")).to_have_count(0)

    page.get_by_label("Your question about this story").fill("where was the cop28 summit held")
    page.keyboard.press("Enter")
    other = page.locator(".turn .answer").nth(1)
    expect(other.locator(".badge--fallback")).to_have_text("From another explainer")
    expect(other.locator(".source a")).to_have_attribute("href", "/explainers/cop28")
    page.reload()  # drawn again from the conversation kept for the tab: the same
    expect(page.locator(".turn .answer")).to_have_count(2)
    expect(page.locator(".turn .answer").first.locator(".source a")).to_have_count(0)
    expect(page.locator(".turn .answer").nth(1).locator(".source a")).to_have_attribute("href", "/explainers/cop28")
    # On the front page the same answer leads to the explainer's page.
    page.goto(f"{base}/?{urlencode({'q': SHELLS})}")
    expect(page.locator(".turn .answer .source a")).to_have_attribute("href", "/explainers/nk-russia")


def test_escape_in_a_field_with_text_empties_it_and_does_not_close_the_widget(live, page):
    # Defect: Escape while typing a comment on an answer (or a question) closed the whole panel.
    _, base = live
    _, question, answer = shells_answered(page, base, "widget")
    launcher = page.get_by_role("button", name="Ask about this story")
    expect(answer.locator("mark")).to_contain_text("12 million artillery shells")
    answer.get_by_role("button", name="No, this did not help").click()
    comment = answer.get_by_label("What was wrong or missing?")
    expect(comment).to_be_focused()
    page.keyboard.type("It does not say when they arrived")
    page.keyboard.press("Escape")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(comment).to_have_value("")
    expect(comment).to_be_focused()
    page.keyboard.press("Control+Z")  # the text comes back
    expect(comment).to_have_value("It does not say when they arrived")

    question.focus()
    page.keyboard.type("who is")
    page.keyboard.press("Escape")
    expect(question).to_have_value("")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")  # in an empty field, Escape closes the panel, as before
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(launcher).to_be_focused()


@pytest.mark.parametrize("where", ["chat page", "widget"])
def test_a_copied_conversation_leaves_out_the_feedback_buttons(live, new_page, where):
    # Defect: copied and pasted, each answer ended "Was this helpful?" and "YesNo" (and, after "No", the comment
    # box's label and "Send"): the feedback controls were copied with the conversation.
    _, base = live
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    chat, _, answer = shells_answered(page, base, where)
    expect(answer.locator("mark")).to_contain_text("12 million artillery shells")
    answer.get_by_role("button", name="No, this did not help").click()
    comment = answer.get_by_label("What was wrong or missing?")
    comment.fill("It does not say when")
    chat.locator("#log").evaluate("e => { const range = document.createRange(); range.selectNodeContents(e);"
                                  " getSelection().removeAllRanges(); getSelection().addRange(range); }")
    page.keyboard.press("Control+C")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f"You asked: {SHELLS}\n"), copied[:80]
    assert "12 million artillery shells" in copied
    lines = [line.strip() for line in copied.splitlines()]
    for control in ("Was this helpful?", "YesNo", "Yes", "No", "Send"):
        assert control not in lines, (control, copied)
    assert "What was wrong or missing?" not in copied
    # The comment box is still for typing in, and its text for selecting.
    comment.click()
    comment.press("Control+A")
    assert comment.evaluate("e => e.value.slice(e.selectionStart, e.selectionEnd)") == "It does not say when"


def test_the_widget_frame_printed_by_itself_prints_the_whole_conversation(live, new_page):
    # Defect: the frame's page is the window's height with the conversation scrolling inside it, so printing it
    # (the frame opened in a tab of its own) printed one screen of the conversation and cut the rest.
    _, base = live
    page = new_page(viewport={"width": 400, "height": 500})
    page.goto(base + "/widget/frame?explainer=nk-russia")
    question = page.get_by_label("Your question about this story")
    for count, asked in enumerate((SHELLS, "who is kim jong un", "how many troops did north korea send"), start=1):
        question.fill(asked)
        question.press("Enter")
        expect(page.locator(".turn .answer")).to_have_count(count)
    log = page.locator("#log")
    assert log.evaluate("e => e.scrollHeight > e.clientHeight + 50")  # on screen, it scrolls
    page.emulate_media(media="print")
    assert log.evaluate("e => e.scrollHeight <= e.clientHeight + 1")  # on paper, nothing is cut
    assert page.evaluate("document.documentElement.scrollHeight") > 500


def test_a_publisher_s_title_is_read_in_the_article_s_language(live, page):
    # Defect: the frame is English (lang="en"), and a German page's title for the chat was read out in English.
    _, base = live
    page.goto(host(base, title="Fragen zum Artikel", lang="de"))
    heading = page.frame_locator("iframe").get_by_role("heading", name="Fragen zum Artikel")
    expect(heading).to_have_attribute("lang", "de")
    expect(page.frame_locator("iframe").get_by_role("button", name="Ask", exact=True)).to_be_visible()
    page.goto(host(base, lang="de"))  # the widget's own English title stays English
    expect(page.frame_locator("iframe").get_by_role("heading", name="Ask about this story")).to_have_attribute("lang", "en")
