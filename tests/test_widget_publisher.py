"""The widget as a publisher's web developer meets it on a news site, in a real browser (Playwright driving
Debian's chromium): under the strict Content-Security-Policy the README gives, on a page with its own cookie
banner, printed, with the bot's server gone, on a page with its own CSS zoom or root font size, and for a reader
who set a larger default font size.

The article pages are served by a newsroom server of the test's own, on another origin than the bot's
(localhost against 127.0.0.1, both on loopback), which the bot's ALLOWED_ORIGINS lists.
"""

from __future__ import annotations

import json
import re

import pytest
from browser_support import ARGS, CHROMIUM, require_chromium, serving, serving_app

require_chromium()

from playwright.sync_api import expect  # noqa: E402

SHELLS = "how many shells has north korea sent"
ARTICLE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>An article</title>{head}</head>
<body><h1>An article</h1><p>The story the widget is about.</p>{body}
<script src="{bot}/widget.js" data-explainer="nk-russia" {nonce}async></script>
</body></html>"""


@pytest.fixture(scope="module")
def newsroom():
    """A newsroom's server on a free port: `pages[path] = (html, headers)` are its articles. Yields (pages, origin)."""
    pages: dict[str, tuple[str, list[tuple[str, str]]]] = {}

    def serve(environ, start_response):
        if environ["PATH_INFO"] not in pages:  # the browser's /favicon.ico: a newsroom without one
            start_response("204 No Content", [])
            return [b""]
        html, headers = pages[environ["PATH_INFO"]]
        body = html.encode()
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                  ("Content-Length", str(len(body))), *headers])
        return [body]

    with serving(serve) as base:
        yield pages, base.replace("127.0.0.1", "localhost")  # another origin than the bot's


@pytest.fixture(scope="module")
def bot(tmp_path_factory, newsroom):
    """The bot on the bundled corpus, letting the newsroom's origin embed the widget: yields its base URL."""
    _, origin = newsroom
    with serving_app(tmp_path_factory.mktemp("widget-publisher"), ALLOWED_ORIGINS=origin, RATE_LIMIT_ASK="off",
                     RATE_LIMIT_FEEDBACK="off") as (_, base):
        yield base


def article(newsroom, bot_base: str, path: str, head: str = "", body: str = "", headers=(), nonce: str = "") -> str:
    """Put an article embedding the widget at `path` on the newsroom's server; returns its URL."""
    pages, origin = newsroom
    pages[path] = (ARTICLE.format(head=head, body=body, bot=bot_base, nonce=f'nonce="{nonce}" ' if nonce else ""),
                   list(headers))
    return origin + path


def test_the_widget_works_under_the_strict_policy_the_readme_gives(newsroom, bot, page, console):
    # The README's embed section tells a publisher which Content-Security-Policy lines the widget needs: its
    # script by nonce or by the bot's host, the bot's host as a frame source, and no 'unsafe-inline' or eval.
    policy = (f"default-src 'none'; script-src 'nonce-r4nd0m' {bot}; frame-src {bot}; style-src 'self'; "
              "img-src 'self'; base-uri 'none'; object-src 'none'")
    page.goto(article(newsroom, bot, "/strict", nonce="r4nd0m", headers=[("Content-Security-Policy", policy)]))
    launcher = page.get_by_role("button", name="Ask about this story")
    launcher.click()
    frame = page.frame_locator("iframe")
    frame.get_by_label("Your question about this story").fill(SHELLS)
    frame.get_by_role("button", name="Ask", exact=True).click()
    expect(frame.locator(".answer mark")).to_contain_text("12 million artillery shells")
    # Nothing is kept on the publisher's origin, and nothing but the one documented global is added.
    assert page.evaluate("[document.cookie, localStorage.length, sessionStorage.length]") == ["", 0, 0]
    assert page.context.cookies() == []
    added = page.evaluate("Object.keys(window).filter(name => /explainer/i.test(name))")
    assert added == ["ExplainerBotWidget"]
    assert console == []  # no policy violation reported


def test_the_launcher_and_the_panel_do_not_print(newsroom, bot, page):
    # Defect: printing an article (or saving it as PDF) printed the launcher, and an open panel with the chat,
    # over the article's text.
    page.goto(article(newsroom, bot, "/print"))
    launcher = page.get_by_role("button", name="Ask about this story")
    launcher.click()
    expect(page.frame_locator("iframe").get_by_label("Your question about this story")).to_be_visible()
    page.emulate_media(media="print")
    expect(launcher).to_be_hidden()
    expect(page.locator("iframe")).to_be_hidden()
    expect(page.get_by_role("heading", name="An article")).to_be_visible()
    page.emulate_media(media="screen")
    expect(launcher).to_be_visible()


def test_the_page_s_cookie_banner_stays_above_the_launcher(newsroom, bot, page):
    # Defect: the launcher sat in the browser's top layer, above everything the page could put there: a consent
    # banner across the foot of the page (z-index 2147483647, as consent tools set) had its "Accept all" button
    # under the launcher, which took the reader's click.
    banner = ('<div class="consent" role="dialog" aria-label="Cookies"><p>We use cookies.</p>'
              '<button type="button" id="accept">Accept all</button></div>')
    styles = ("<style>.consent { position: fixed; left: 0; right: 0; bottom: 0; height: 140px; background: #eee; "
              "z-index: 2147483647 } #accept { position: absolute; right: 10px; bottom: 10px; width: 320px; "
              "height: 90px }</style>")
    page.goto(article(newsroom, bot, "/consent", head=styles, body=banner))
    launcher = page.get_by_role("button", name="Ask about this story")
    expect(launcher).to_be_visible()
    accept = page.get_by_role("button", name="Accept all")
    accept.click(trial=True)  # fails if another element (the launcher) would take the click
    page.evaluate("document.querySelector('.consent').remove()")
    launcher.click()
    expect(launcher).to_have_attribute("aria-expanded", "true")


UNREACHABLE = "The chat cannot be reached just now. Please try again later."


def test_a_bot_that_cannot_be_reached_is_said_in_words_and_tried_again(newsroom, bot, page):
    # Defect: when the bot's server was down (or the network failed) as a reader opened the widget, the panel
    # showed the browser's grey error page with a sad-face icon and no words, and stayed so until the page was
    # reloaded.
    refused = []
    page.route("**/widget/frame?*", lambda route: (refused.append(route.request.url), route.abort("connectionrefused")))
    page.goto(article(newsroom, bot, "/down"))
    launcher = page.get_by_role("button", name="Ask about this story")
    launcher.click()
    panel = page.get_by_role("dialog", name="Ask about this story")
    expect(panel.get_by_role("status")).to_have_text(UNREACHABLE)
    expect(page.locator("iframe")).to_be_hidden()  # not the browser's error page
    assert len(refused) == 1
    expect(launcher).to_be_focused()
    # The bot is back: opening the widget again loads the chat.
    page.unroute("**/widget/frame?*")
    launcher.click()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.click()
    question = page.frame_locator("iframe").get_by_label("Your question about this story")
    expect(question).to_be_focused()
    expect(page.locator("iframe")).to_be_visible()
    expect(page.get_by_text(UNREACHABLE)).to_have_count(0)


def test_a_page_whose_origin_is_not_allowed_is_told_so_in_words(newsroom, bot, page, console):
    # Defect: on a page whose origin is not in the bot's ALLOWED_ORIGINS (a new domain, a staging site), the
    # browser refuses to show the chat in the frame, and the reader saw its grey error page; now the panel says
    # the chat cannot be reached, and the browser's console (for the publisher's developer) says why.
    url = article(newsroom, bot, "/staging").replace("localhost", "127.0.0.1")  # another origin than the allowed
    page.goto(url)
    page.get_by_role("button", name="Ask about this story").click()
    expect(page.get_by_role("dialog", name="Ask about this story").get_by_role("status")).to_have_text(UNREACHABLE)
    expect(page.locator("iframe")).to_be_hidden()
    refusals = [line for line in console if "frame-ancestors" in line]
    assert refusals, console
    console[:] = [line for line in console if line not in refusals]


def test_the_widget_leaves_the_reader_s_focus_in_the_article(newsroom, bot, page):
    # Defect: a reader who opened the widget on a slow connection and went back to the article's search box while
    # the chat loaded had the focus taken into the chat's question box as it came, and the rest of their typing
    # with it; and a page closing the panel itself, or moving it to another article (a single-page site), took the
    # reader's focus from wherever it was on the page to the launcher or into the chat.
    held = []
    page.route("**/widget/frame?*", lambda route: held.append(route))  # the bot's answer held up: a slow connection
    page.goto(article(newsroom, bot, "/slow", body='<input id="search" aria-label="Search the site">'))
    launcher = page.get_by_role("button", name="Ask about this story")
    launcher.click()
    panel = page.get_by_role("dialog", name="Ask about this story")
    expect(panel.get_by_role("status")).to_have_text("Loading the chat…")
    search = page.get_by_label("Search the site")
    search.click()
    page.keyboard.type("sanctions")
    while not held:
        page.wait_for_timeout(50)
    held[0].continue_()
    page.unroute("**/widget/frame?*")
    expect(page.locator("explainer-bot-widget .panel.ready")).to_have_count(1)  # the chat's script has run
    page.keyboard.type(" and oil")
    expect(search).to_have_value("sanctions and oil")
    expect(search).to_be_focused()
    question = page.frame_locator("iframe").get_by_label("Your question about this story")
    expect(question).to_have_value("")
    page.evaluate("window.ExplainerBotWidget.close()")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(search).to_be_focused()
    # The reader opens it again: the cursor is in the question box.
    launcher.click()
    expect(question).to_be_focused()
    # Back in the article, the panel open, the page moves to another article: its chat comes, the focus stays.
    search.click()
    search.press("End")
    page.evaluate("window.ExplainerBotWidget.setExplainer('cop28')")
    expect(page.locator("explainer-bot-widget .panel.ready")).to_have_count(1)
    expect(page.locator("iframe")).to_have_attribute("src", re.compile(r"explainer=cop28"))
    page.keyboard.type(" prices")
    expect(search).to_have_value("sanctions and oil prices")
    expect(question).to_have_value("")
    question.click()
    page.keyboard.press("Escape")  # closed from inside the widget, the focus goes back to the launcher
    expect(launcher).to_be_focused()


def test_the_widget_s_own_words_read_as_english_on_a_right_to_left_page(newsroom, bot, page):
    # Defect: on an Arabic article (<html lang="ar" dir="rtl">) the panel's "The chat cannot be reached just now.
    # Please try again later." was laid out right to left, its full stop at the start of the line, and a screen
    # reader read the widget's English words (that line, "Loading the chat…", the launcher's default title) with
    # the page's Arabic voice.
    pages, origin = newsroom
    html = ARTICLE.replace('<html lang="en">', '<html lang="ar" dir="rtl">')
    pages["/rtl"] = (html.format(head="", body="", bot=bot, nonce=""), [])
    page.route("**/widget/frame?*", lambda route: route.abort("connectionrefused"))
    page.goto(origin + "/rtl")
    launcher = page.get_by_role("button", name="Ask about this story")
    assert launcher.locator(".label").evaluate("label => label.matches(':lang(en)')")
    launcher.click()
    status = page.get_by_role("dialog", name="Ask about this story").get_by_role("status")
    expect(status).to_have_text(UNREACHABLE)
    assert status.evaluate("line => line.matches(':lang(en)')")
    # Left to right: the full stop is right of the last sentence's first letter.
    first, stop = status.evaluate("""line => {
        const text = line.firstChild, range = document.createRange();
        const x = i => { range.setStart(text, i); range.setEnd(text, i + 1); return range.getBoundingClientRect().x; };
        return [x(text.data.lastIndexOf("Please")), x(text.data.length - 1)];
    }""")
    assert first < stop, (first, stop)


VIEWPORT_META = '<meta name="viewport" content="width=device-width, initial-scale=1">'  # as news sites have


def on_screen(page, box) -> bool:
    """Whether a bounding box (in the page's coordinates) lies wholly inside the window."""
    viewport = page.viewport_size
    return (box is not None and box["x"] >= -0.5 and box["y"] >= -0.5
            and box["x"] + box["width"] <= viewport["width"] + 0.5
            and box["y"] + box["height"] <= viewport["height"] + 0.5)


def assert_the_open_panel_fits(page) -> None:
    """The open panel and the launcher inside the window, the panel above the launcher, and the frame's title,
    close button and question box wholly in view. Those three are measured by the browser (to_be_in_viewport, which
    waits for the frame's layout after a zoom changes): Playwright's boxes of a frame's elements leave the page's
    zoom out."""
    frame = page.frame_locator("iframe")
    close = frame.get_by_role("button", name="Close the chat")
    question = frame.get_by_label("Your question about this story")
    for part in (close, frame.locator(".frame-title"), question):
        expect(part).to_be_in_viewport(ratio=1)
    launcher = page.get_by_role("button", name="Ask about this story").bounding_box()
    panel = page.locator("iframe").bounding_box()
    assert on_screen(page, panel) and on_screen(page, launcher), (panel, launcher)
    assert panel["y"] + panel["height"] <= launcher["y"] + 0.5, (panel, launcher)  # not covered by the launcher


@pytest.mark.parametrize(("window", "page_css"), [
    ({"viewport": {"width": 1280, "height": 900}}, "html { zoom: 2 }"),
    ({"viewport": {"width": 1280, "height": 900}}, "html { zoom: 0.5 }"),
    ({"viewport": {"width": 800, "height": 600}}, "html { zoom: 1.5 }"),
    ({"viewport": {"width": 320, "height": 480}, "is_mobile": True, "has_touch": True}, ""),  # a small phone
    ({"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2}, ""),  # 1280x900 at 200% browser zoom
])
def test_the_open_panel_fits_the_window_whatever_the_page_s_zoom(newsroom, bot, new_page, window, page_css):
    # Defect: on a page with `html { zoom: 2 }` the open panel was 796x1236 px in a 1280x900 window, its header
    # and close button above the top of the screen: it was sized by vw and vh, which the page's zoom multiplies.
    page = new_page(**window)
    page.goto(article(newsroom, bot, "/zoom", head=f"{VIEWPORT_META}<style>{page_css}</style>"))
    page.get_by_role("button", name="Ask about this story").click()
    expect(page.frame_locator("iframe").get_by_label("Your question about this story")).to_be_focused()
    assert_the_open_panel_fits(page)


@pytest.mark.parametrize("rule", ["will-change: transform", "filter: saturate(1.1)", "contain: paint",
                                  "perspective: 500px", "translate: 0 0", "backdrop-filter: blur(0)",
                                  "container-type: inline-size"])
def test_the_open_panel_fits_whatever_a_page_rule_gives_every_element(newsroom, bot, page, rule):
    # Defect: a page rule giving every element one of these made the widget's element the box its fixed panel was
    # placed and sized in: the open panel was 0 px tall. (Given to the page's root element too, such a rule moves
    # every fixed element of the page, the launcher included, to the foot of the document: not ours to mend.)
    page.goto(article(newsroom, bot, "/every-element", head=f"<style>:not(html) {{ {rule} }}</style>"))
    page.get_by_role("button", name="Ask about this story").click()
    expect(page.frame_locator("iframe").get_by_label("Your question about this story")).to_be_focused()
    assert_the_open_panel_fits(page)


def test_on_a_small_phone_zoomed_to_200_the_header_stays_in_view(newsroom, bot, new_page):
    # Defect: on a 320x480 phone with the page zoomed to 200% (160x240 CSS pixels) the frame's question box and
    # header were taller than the frame: putting the cursor in the question box scrolled the frame's whole page,
    # and its header (title and close button) went out of view, out of reach too (the page does not scroll by
    # hand). Now the conversation and the question box scroll under the header.
    page = new_page(viewport={"width": 160, "height": 240}, device_scale_factor=4)
    page.goto(article(newsroom, bot, "/small-phone-zoomed", head=VIEWPORT_META))
    page.get_by_role("button", name="Ask about this story").click()
    frame = page.frame_locator("iframe")
    question = frame.get_by_label("Your question about this story")
    expect(question).to_be_focused()
    header = (frame.locator(".frame-title"), frame.get_by_role("button", name="Close the chat"))
    for part in (*header, question):
        expect(part).to_be_in_viewport(ratio=1)
    question.fill(SHELLS)
    question.press("Enter")
    expect(frame.locator(".answer mark")).to_contain_text("12 million artillery shells")
    for part in header:
        expect(part).to_be_in_viewport(ratio=1)
    question.scroll_into_view_if_needed()  # as a reader scrolls to it
    for part in (*header, question):
        expect(part).to_be_in_viewport(ratio=1)


def test_the_open_panel_still_fits_when_the_page_changes_its_zoom(newsroom, bot, page):
    page.goto(article(newsroom, bot, "/zoom-later"))
    page.get_by_role("button", name="Ask about this story").click()
    assert_the_open_panel_fits(page)
    for zoom in ("2", "3", "0.75"):  # a page's own zoom control, while the panel is open
        page.evaluate("zoom => { document.documentElement.style.zoom = zoom; }", zoom)
        assert_the_open_panel_fits(page)


@pytest.fixture
def very_large_text(browser, tmp_path, console):
    """A page (1280x900) in a browser whose reader chose "Very large" text in its settings (a default font size
    of 24px, where it is 16px out of the box), its errors going to `console`. The setting lives in the browser's
    profile: a page cannot set it, and Chrome DevTools' Page.setFontSizes does not reach a frame from another site."""
    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    (profile / "Default" / "Preferences").write_text(json.dumps({"webkit": {"webprefs": {"default_font_size": 24}}}))
    context = browser.browser_type.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), args=ARGS, viewport={"width": 1280, "height": 900})
    try:
        page = context.pages[0] if context.pages else context.new_page()
        page.on("pageerror", lambda error: console.append(str(error)))
        page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
        yield page
    finally:
        context.close()


# Text in the launcher and the open widget, before and after an answer.
WIDGET_TEXTS = [".frame-title", ".close", ".ask-label", "#question", ".ask-button", ".welcome", ".choices-label",
                ".choice", ".you-asked", ".cue", ".passage", ".source", ".feedback", ".thumb"]


def text_sizes(page) -> dict[str, float]:
    """The font size, in px, of each of WIDGET_TEXTS (the first of each) and of the launcher, once a question is
    answered."""
    launcher = page.get_by_role("button", name="Ask about this story")
    sizes = {"launcher": launcher.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")}
    launcher.click()
    # Measured once the chat says it is ready: its script runs after its stylesheets have loaded, and before
    # then, on a busy machine, an element could be measured unstyled.
    expect(page.locator("explainer-bot-widget .panel.ready")).to_have_count(1)
    frame = page.frame_locator("iframe")
    sizes.update((selector, frame.locator(selector).first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
                 for selector in WIDGET_TEXTS[:8])
    frame.get_by_label("Your question about this story").fill(SHELLS)
    frame.get_by_role("button", name="Ask", exact=True).click()
    expect(frame.locator(".answer mark")).to_contain_text("12 million artillery shells")
    sizes.update((selector, frame.locator(selector).first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
                 for selector in WIDGET_TEXTS[8:])
    return sizes


@pytest.mark.parametrize("page_css", ["", "html { font-size: 10px }", "html { font-size: 62.5% }"])
def test_the_widget_s_text_follows_the_reader_s_default_font_size(newsroom, bot, page, very_large_text, page_css):
    # Defect: a reader with low vision who set "Very large" text in the browser's settings got the widget's
    # launcher and chat at the sizes of the default setting: they were in px. They now follow the reader's setting,
    # whatever the article page sets as its own root font size (10px or 62.5%, a common base for rem).
    url = article(newsroom, bot, "/font-size", head=f"<style>{page_css}</style>")
    page.goto(url)
    default = text_sizes(page)
    assert default["launcher"] == 16 and default[".passage"] == 16, default  # not shrunk by the page's own size
    very_large_text.goto(url)
    large = text_sizes(very_large_text)
    assert large == pytest.approx({text: size * 24 / 16 for text, size in default.items()}), large
    assert_the_open_panel_fits(very_large_text)


def test_the_frame_never_tells_the_bot_the_article_s_full_address(newsroom, bot, page):
    # A page with a loose Referrer-Policy ("unsafe-url", or "no-referrer-when-downgrade" on old sites) sent the
    # article's whole address, query string and all (a subscriber's token), to the bot with the frame's request.
    frame_requests = []
    page.on("request", lambda request: frame_requests.append(request) if "/widget/frame" in request.url else None)
    url = article(newsroom, bot, "/loose-referrer", headers=[("Referrer-Policy", "unsafe-url")]) + "?subscriber=s3cr3t"
    page.goto(url)
    page.get_by_role("button", name="Ask about this story").click()
    expect(page.frame_locator("iframe").get_by_label("Your question about this story")).to_be_visible()
    assert frame_requests
    _, origin = newsroom
    for request in frame_requests:
        assert request.all_headers().get("referer") == origin + "/"
    assert page.locator("iframe").get_attribute("referrerpolicy") == "strict-origin-when-cross-origin"


def test_a_page_can_pin_the_widget_with_subresource_integrity(newsroom, bot, page, console):
    # The README tells a publisher how to pin one release of widget.js with an integrity hash: the hash of the
    # bytes the bot serves loads the widget (its CORS headers allow the check); any other hash stops it.
    import base64
    import hashlib
    import urllib.request

    with urllib.request.urlopen(bot + "/widget.js", timeout=10) as response:
        pinned = "sha384-" + base64.b64encode(hashlib.sha384(response.read()).digest()).decode()
    pages, origin = newsroom
    tag = '<script src="{bot}/widget.js" data-explainer="nk-russia" integrity="{hash}" crossorigin="anonymous" async></script>'
    for path, digest in (("/pinned", pinned), ("/pinned-stale", "sha384-" + "A" * 64)):
        pages[path] = (ARTICLE.split("<script")[0] + tag.format(bot=bot, hash=digest) + "\n</body></html>", [])
    page.goto(origin + "/pinned")
    page.get_by_role("button", name="Ask about this story").click()
    expect(page.frame_locator("iframe").get_by_label("Your question about this story")).to_be_visible()
    assert console == []
    page.goto(origin + "/pinned-stale")
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)
    expect(page.get_by_role("button", name="Ask about this story")).to_have_count(0)
    # The browser says why, for the publisher's developer (the one error this test expects).
    assert len(console) == 1 and "integrity" in console[0] and "blocked" in console[0]
    console.clear()
