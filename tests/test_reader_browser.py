"""The reader's pages in a real browser (Playwright driving Debian's chromium): their light and dark themes (the
chat pages follow the reader's system setting, the widget its embed's data-theme; each text is measured against
its background for WCAG AA contrast), where the focus goes after an answer, on a touch screen and without, and
what a screen reader is told of a conversation drawn again after a reload, and the words a reader gets when a
request fails.

Screenshots go to test-artifacts/screenshots/ (not committed).
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from browser_support import SHOTS, require_chromium, serving_app

require_chromium()

from flask import request  # noqa: E402
from markupsafe import escape  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

SHELLS = "how many shells has north korea sent"
HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>An article</title></head>
<body><h1>An article</h1><p>The story the widget is about.</p>
<script src="/widget.js" data-explainer="nk-russia" data-accent="{accent}" {theme} data-open="true" async></script>
</body></html>"""


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The app on the bundled corpus, with a host page at /test-host?accent=...&theme=... that embeds the widget
    open (without a data-theme attribute when no theme is given)."""
    def host_page(app):
        app.add_url_rule("/test-host", "test_host", lambda: HOST_PAGE.format(
            accent=escape(request.args.get("accent", "#b3122e")),
            theme=f'data-theme="{escape(request.args["theme"])}"' if "theme" in request.args else ""))

    with serving_app(tmp_path_factory.mktemp("reader"), prepare=host_page, RATE_LIMIT_ASK="off",
                     RATE_LIMIT_FEEDBACK="off") as live:
        yield live


def open_chat(page, base: str, where: str):
    """The nk-russia chat, on its own page or in the widget open on a host page: what to look for it in."""
    if where == "widget":
        page.goto(f"{base}/test-host")
        return page.frame_locator("iframe")
    page.goto(base + "/explainers/nk-russia")
    return page


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def luminance(css_colour: str) -> float:
    """WCAG relative luminance of a computed `rgb(r, g, b)` colour."""
    red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", css_colour)[:3])
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# An element's colour (or outline colour) and the first opaque background behind it, up its ancestors.
COLOURS = """(e, property) => {
  let node = e, background = null;
  while (node && node.nodeType === 1) {
    background = getComputedStyle(node).backgroundColor;
    if (!/rgba\\(.*, 0\\)$/.test(background) && background !== "transparent") break;
    node = node.parentElement; background = null;
  }
  return [getComputedStyle(e)[property], background || "rgb(255, 255, 255)"];
}"""

# Every confidence cue and badge an answer can carry, drawn in the answer's meta line to be measured.
BADGES = ["cue cue--confident", "cue cue--fairly-sure", "cue cue--not-sure", "badge badge--fallback"]


def text_contrasts(chat, selectors: dict[str, str]) -> dict[str, float]:
    """The contrast ratio of each named element's text with its background, and of every cue and badge."""
    ratios = {}
    for name, selector in selectors.items():
        colour, background = chat.locator(selector).first.evaluate(COLOURS, "color")
        ratios[name] = round(contrast(colour, background), 2)
    meta = chat.locator(".answer .answer-meta").first
    for badge in BADGES:
        colour, background = meta.evaluate(
            "(meta, [cls, colours]) => { const span = document.createElement('span'); span.className = cls;"
            " span.textContent = 'Confident'; meta.appendChild(span);"
            " const found = (new Function('return ' + colours))()(span, 'color'); span.remove(); return found; }",
            [badge, COLOURS])
        ratios[badge] = round(contrast(colour, background), 2)
    return ratios


CHAT_TEXTS = {
    "passage": ".answer .passage p", "highlighted sentence": ".answer mark", "source line": ".answer .source",
    "follow-up": ".answer .choice", "question bubble": ".you-asked",
    "Ask button": ".ask-button", "hint": "#ask-hint", "feedback label": ".feedback-label",
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_chat_page_follows_the_readers_system_theme_and_every_text_reads(live, new_page, scheme):
    # The chat pages had a light theme only: a reader whose system is dark got a white page.
    _, base = live
    page = new_page(color_scheme=scheme)
    page.goto(base + "/explainers/nk-russia")
    page.get_by_label("Your question about this story").fill(SHELLS)
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.locator(".answer mark")).to_contain_text("12 million artillery shells")
    page_background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (luminance(page_background) < 0.02) == (scheme == "dark"), page_background
    assert page.evaluate("getComputedStyle(document.documentElement).colorScheme") == scheme  # form controls too
    ratios = text_contrasts(page, {**CHAT_TEXTS, "kicker": ".kicker", "list of explainers": ".explainers a",
                                   "dates": ".explainers time"})
    assert all(ratio >= 4.5 for ratio in ratios.values()), ratios
    # The highlighted sentence has a background of its own (its text was measured on it above).
    mark, answer = (page.locator(selector).first.evaluate("e => getComputedStyle(e).backgroundColor")
                    for selector in (".answer mark", ".answer"))
    assert mark != answer, (mark, answer)
    # A focus ring, by keyboard, reads on its background (3:1 for what is not text).
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Your question about this story")).to_be_focused()
    ring, behind = page.get_by_label("Your question about this story").evaluate(
        "e => [getComputedStyle(e).outlineColor, getComputedStyle(e.closest('.ask')).backgroundColor]")
    assert contrast(ring, behind) >= 3, (ring, behind)
    shot(page, f"chat-page-{scheme}")
    # Printed, the page is dark text on white paper in either theme.
    page.emulate_media(media="print")
    assert luminance(page.locator(".answer .passage p").evaluate("e => getComputedStyle(e).color")) < 0.05


def test_forced_colours_still_win_over_the_dark_theme(live, new_page):
    # Forced colours (Windows High Contrast) replace the dark palette as they do the light one: the frame takes the
    # system's colours, and the Ask button, shaped by its background alone, keeps its border.
    _, base = live
    page = new_page(color_scheme="dark", forced_colors="active")
    page.goto(f"{base}/test-host?theme=dark")
    frame = page.frame_locator("iframe")
    canvas = frame.locator("body").evaluate(
        "e => { const probe = document.createElement('div'); probe.style.background = 'Canvas';"
        " e.appendChild(probe); const colour = getComputedStyle(probe).backgroundColor; probe.remove(); return colour; }")
    assert frame.locator("body").evaluate("e => getComputedStyle(e).backgroundColor") == canvas
    style, width = frame.get_by_role("button", name="Ask", exact=True).evaluate(
        "e => [getComputedStyle(e).borderTopStyle, parseFloat(getComputedStyle(e).borderTopWidth)]")
    assert style == "solid" and width >= 1


@pytest.mark.parametrize(("data_theme", "system", "accent", "shown"), [
    ("light", "dark", "#b3122e", "light"),   # the publisher's light page on a reader's dark system
    ("dark", "light", "#b3122e", "dark"),    # a dark red reads on white, not on the dark grey: links use the ink
    ("dark", "light", "#ffd200", "dark"),    # a yellow reads on the dark grey: links are the accent
    ("auto", "dark", "#0b5cad", "dark"),
    ("auto", "light", "#0b5cad", "light"),
    (None, "dark", "#b3122e", "light"),      # no data-theme: light, whatever the reader's system
])
def test_the_widget_takes_its_theme_from_the_embed_and_every_text_reads(live, new_page, data_theme, system, accent,
                                                                          shown):
    _, base = live
    page = new_page(color_scheme=system)
    embed = {"accent": accent, **({"theme": data_theme} if data_theme else {})}
    page.goto(f"{base}/test-host?{urlencode(embed)}")
    frame_url = page.locator("iframe").get_attribute("src")
    assert parse_qs(urlsplit(frame_url).query)["theme"] == [data_theme or "light"]
    frame = page.frame_locator("iframe")
    expect(frame.locator("html")).to_have_attribute("data-theme", data_theme or "light")
    question = frame.get_by_label("Your question about this story")
    question.fill(SHELLS)
    frame.get_by_role("button", name="Ask", exact=True).click()
    expect(frame.locator(".answer mark")).to_contain_text("12 million artillery shells")
    # The frame and the launcher's panel agree on the theme.
    frame_background = frame.locator("body").evaluate("e => getComputedStyle(e).backgroundColor")
    panel_background = page.locator("explainer-bot-widget").evaluate(
        "host => getComputedStyle(host.shadowRoot.querySelector('.panel')).backgroundColor")
    assert frame_background == panel_background, (frame_background, panel_background)
    assert (luminance(frame_background) < 0.02) == (shown == "dark"), frame_background
    # On the explainer's own chat page its title in the source line is no link; in the widget it is.
    ratios = text_contrasts(frame, {**CHAT_TEXTS, "source link": ".answer .source a", "title": ".frame-title",
                                    "close button": ".close"})
    launcher = page.get_by_role("button", name="Ask about this story")
    ratios["launcher"] = round(contrast(*launcher.evaluate(COLOURS, "color")), 2)
    assert all(ratio >= 4.5 for ratio in ratios.values()), ratios
    if accent == "#ffd200":
        assert frame.locator(".answer .source a").evaluate("e => getComputedStyle(e).color") == "rgb(255, 210, 0)"
    # The question box's focus ring, back by keyboard from the Ask button.
    frame.get_by_role("button", name="Ask", exact=True).focus()
    page.keyboard.press("Shift+Tab")
    expect(question).to_be_focused()
    ring, behind = question.evaluate(
        "e => [getComputedStyle(e).outlineColor, getComputedStyle(e.closest('.ask')).backgroundColor]")
    assert contrast(ring, behind) >= 3, (ring, behind)
    shot(page, f"widget-theme-{data_theme or 'default'}-on-{system}-{accent[1:]}")


PHONE = {"viewport": {"width": 390, "height": 700}, "has_touch": True, "is_mobile": True}


@pytest.mark.parametrize("where", ["chat page", "widget"])
@pytest.mark.parametrize("device", ["touch", "keyboard and mouse"])
def test_after_an_answer_the_question_box_has_the_focus_only_without_a_touch_screen(live, new_page, where, device):
    # Defect: after each answer the script put the focus back in the question box; on a phone that opened the
    # on-screen keyboard again, over the answer just given.
    _, base = live
    page = new_page(**PHONE) if device == "touch" else new_page()
    assert page.evaluate("matchMedia('(pointer: coarse)').matches") == (device == "touch")
    chat = open_chat(page, base, where)
    question = chat.get_by_label("Your question about this story")
    for asked in (SHELLS, "who is kim jong un"):
        question.fill(asked)
        question.press("Enter")  # sent from the keyboard (a phone's Go key): the focus was in the box
        expect(chat.locator(".turn").last.locator(".answer")).to_be_visible()
    latest = chat.locator(".turn").last
    if device == "touch":
        expect(question).not_to_be_focused()
        # The latest answer is where the reader looks: its question at the top of the screen, not scrolled away.
        expect(latest.locator(".you-asked")).to_be_in_viewport()
    else:
        expect(question).to_be_focused()


def log_liveness(page) -> str | None:
    """What chromium tells a screen reader of the conversation log: "polite" when it announces what is added to
    it, None when it is no live region."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Accessibility.enable")
    logs = [node for node in cdp.send("Accessibility.getFullAXTree")["nodes"]
            if node.get("role", {}).get("value") == "log"]
    cdp.detach()
    assert len(logs) == 1, logs
    return next((p["value"]["value"] for p in logs[0].get("properties", []) if p["name"] == "live"), None)


@pytest.mark.parametrize("where", ["chat page", "widget"])
def test_a_conversation_drawn_again_after_a_reload_is_not_read_out_but_new_answers_are(live, new_page, where):
    # Defect: after a reload the conversation kept for the tab was added into the live region (aria-live="polite"),
    # and a screen reader could read it all out, every answer again, before the reader could do anything.
    _, base = live
    page = new_page()
    chat = open_chat(page, base, where)
    log = chat.locator("#log")
    question = chat.get_by_label("Your question about this story")
    expect(log).to_have_attribute("aria-live", "polite")
    for count, asked in enumerate((SHELLS, "who is kim jong un"), start=1):
        question.fill(asked)
        question.press("Enter")
        expect(log.locator(".turn .answer")).to_have_count(count)
    expect(log).to_have_attribute("aria-live", "polite")
    page.reload()
    page.wait_for_load_state("load")
    chat = page.frame_locator("iframe") if where == "widget" else page
    log = chat.locator("#log")
    expect(log.locator(".turn .answer")).to_have_count(2)  # drawn again...
    expect(log).to_have_attribute("aria-live", "off")  # ...quietly
    if where == "chat page":
        assert log_liveness(page) is None
    question = chat.get_by_label("Your question about this story")
    question.fill("how many troops did north korea send")
    question.press("Enter")
    expect(log.locator(".turn .answer")).to_have_count(3)
    expect(log).to_have_attribute("aria-live", "polite")  # the new answer is announced
    if where == "chat page":
        assert log_liveness(page) == "polite"


def ask_of_a_retired_explainer(route) -> None:
    """The question as the page sends it, but of an explainer that went in a re-index since the page loaded."""
    route.continue_(post_data=json.dumps({**route.request.post_data_json, "explainer": "retired-story"}))


@pytest.mark.parametrize("where", ["chat page", "widget"])
def test_errors_in_the_chat_are_told_to_the_reader_in_plain_words(live, new_page, console, where):
    # Defect: the API's messages, written for developers, showed in the chat and the widget: an explainer gone
    # in a re-index answered "There is no explainer 'nk-russia'; GET /api/explainers lists them.", and feedback
    # on an answer no longer on record "send the answer_id an answer came with".
    _, base = live
    page = new_page()
    chat = open_chat(page, base, where)
    question = chat.get_by_label("Your question about this story")
    question.fill(SHELLS)
    question.press("Enter")
    answer = chat.locator(".turn .answer").first
    expect(answer.locator("mark")).to_be_visible()

    page.route("**/api/ask", ask_of_a_retired_explainer)
    with page.expect_response("**/api/ask") as refused:
        question.fill("who is kim jong un")
        question.press("Enter")
    assert refused.value.status == 404 and "GET /api/explainers" in refused.value.json()["error"]["message"]
    expect(chat.locator(".turn").last.locator(".answer--error")).to_have_text(
        "This story is no longer available. Reload the page to ask about our other explainers.")

    # An error the page has no words for gets general ones, never the API's.
    page.unroute("**/api/ask")
    page.route("**/api/ask", lambda route: route.fulfill(status=400, json={"error": {
        "code": "invalid_history", "message": "history must be a list of earlier questions (strings), oldest first."}}))
    question.fill("why?")
    question.press("Enter")
    expect(chat.locator(".turn").last.locator(".answer--error")).to_have_text(
        "Something went wrong (400). Please try again.")

    page.route("**/api/feedback", lambda route: route.continue_(
        post_data=json.dumps({**route.request.post_data_json, "answer_id": "an-answer-no-longer-on-record"})))
    answer.get_by_role("button", name="Yes, this helped").click()
    expect(answer.locator(".feedback-status")).to_have_text(
        "This answer is no longer on record, so your feedback could not be saved.")
    console[:] = [line for line in console if "status of 40" not in line]  # the 404s and 400 asked for above


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_feedback_that_could_not_be_saved_is_said_in_the_error_colour(live, new_page, console, scheme):
    # Defect: the status line under an answer was the thanks' green whatever it said, so "Your feedback could not be
    # saved right now" read at a glance as feedback saved.
    _, base = live
    page = new_page(color_scheme=scheme)
    page.goto(base + "/explainers/nk-russia")
    question = page.get_by_label("Your question about this story")
    question.fill(SHELLS)
    question.press("Enter")
    answer = page.locator(".turn .answer").first
    expect(answer.locator("mark")).to_be_visible()
    page.route("**/api/feedback", lambda route: route.fulfill(status=503, json={"error": {
        "code": "feedback_unavailable", "message": "Your feedback could not be saved right now; please try again later."}}))
    answer.get_by_role("button", name="Yes, this helped").click()
    status = answer.locator(".feedback-status")
    expect(status).to_have_text("Your feedback could not be saved right now. Please try again later.")
    failed, background = status.evaluate(COLOURS, "color")
    assert failed == page.locator("#ask-empty").evaluate("e => getComputedStyle(e).color")  # the page's error colour
    assert contrast(failed, background) >= 4.5
    page.unroute("**/api/feedback")
    answer.get_by_role("button", name="Yes, this helped").click()  # tried again, and saved: the thanks' colour
    expect(status).to_have_text("Thanks! Glad it helped.")
    saved, _ = status.evaluate(COLOURS, "color")
    assert saved != failed and contrast(saved, background) >= 4.5
    console[:] = [line for line in console if "status of 503" not in line]  # the failure asked for above
