"""The editor console in a real browser (Playwright driving Debian's chromium), issue 4: an editor logs
in with the token, runs the batch test, sees the metrics and the charts, opens a failure, labels a
reader's question from the review queue, rebuilds, and sees the question answered.

Runs on a copy of the bundled corpus (the export and rebuild never touch corpus/). Screenshots go to
test-artifacts/screenshots/editor-*.png (not committed).
"""

from __future__ import annotations

import json
import re
import shutil
import urllib.request

import pytest
from browser_support import SHOTS, chromium, require_chromium, serving

require_chromium()

from playwright.sync_api import expect  # noqa: E402

from bot import bundle  # noqa: E402
from bot.cli import default_corpus_dir  # noqa: E402
from bot.confidence import ConfidenceModel  # noqa: E402
from bot.corpus import load_corpus  # noqa: E402
from bot.review import corpus_for_build  # noqa: E402
from web import create_app  # noqa: E402

TOKEN = "browser-editor-token-51c2"
# A reader's question the bundled index does not answer with confidence; the passage that does.
READER_QUESTION = "what does pyongyang get back for the shells"
ANSWER = "nk-russia:analysis:3"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    folder = tmp_path_factory.mktemp("editor-browser")
    corpus_dir = folder / "corpus"
    shutil.copytree(default_corpus_dir(), corpus_dir, ignore=shutil.ignore_patterns("README.md"))
    corpus = load_corpus(corpus_dir)
    answerer = bundle.build(corpus_for_build(corpus_dir, []), model=ConfidenceModel.default())
    bundle.save(answerer, folder / "index", corpus.fingerprint())
    app = create_app({"TESTING": True, "INDEX_DIR": str(folder / "index"), "CORPUS_DIR": str(corpus_dir),
                      "DATABASE_URL": f"sqlite:///{folder / 'bot.sqlite3'}", "EDITOR_TOKEN": TOKEN})
    try:
        with serving(app) as base:
            yield app, base
    finally:
        app.extensions["store"].close()


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1360, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # The login page is served with 401 on purpose; the browser reports that status as a console error.
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "401" not in message.text else None)
    yield page
    context.close()
    assert not errors, f"errors in the browser console: {errors}"


def shot(page, name: str, full_page: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"editor-{name}.png"), full_page=full_page)


def post_json(base: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def ask_as_reader(base: str, question: str, **fields) -> dict:
    return post_json(base, "/api/ask", {"question": question, **fields})


def thumbs_down(base: str, answer: dict, comment: str) -> None:
    post_json(base, "/api/feedback", {"answer_id": answer["answer_id"], "helpful": False, "comment": comment})


def sign_in(page, base: str, name: str = "Ann Editor") -> None:
    page.goto(base + "/editor")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Editor token").fill(TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#editor-name")).to_have_text(name)


def test_editor_batch_tests_labels_a_reader_question_rebuilds_and_sees_it_answered(live, page):
    app, base = live
    assert ask_as_reader(base, READER_QUESTION)["abstained"]  # seeds the review queue
    ask_as_reader(base, "what does pyongyang get back for its shells?")  # a similar one, grouped with it

    page.goto(base + "/editor")
    expect(page.get_by_role("heading", name="Sign in to the editor console")).to_be_visible()
    page.get_by_label("Your name").fill("Ann Editor")
    page.get_by_label("Editor token").fill(TOKEN)
    shot(page, "login")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#editor-name")).to_have_text("Ann Editor")

    # Batch test: metrics, both charts, a failure opened beside its expected passage.
    page.get_by_role("tab", name="Batch test").click()
    page.get_by_role("button", name="Run batch test").click()
    expect(page.locator(".run-head h2")).to_contain_text("250 questions")
    acc = page.locator(".metric[data-metric='acc@1'] .metric-value")
    expect(acc).to_have_text(re.compile(r"^0\.\d{3}$|^1\.000$"))
    assert 0.5 < float(acc.inner_text()) <= 1.0
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(2)
    expect(charts.first.locator("circle.current-point")).to_have_count(1)
    expect(charts.first.locator("path.curve")).to_have_count(1)
    assert charts.nth(1).locator("rect.bar").count() > 5
    expect(page.locator(".failures h2")).to_contain_text("Failures")
    shot(page, "batch")
    failure = page.locator("details.failure").first
    failure.locator("summary").click()
    expect(failure.locator(".passage-box-title").first).to_have_text("Expected")
    expect(failure.locator(".pair")).to_be_visible()
    failure.scroll_into_view_if_needed()
    shot(page, "failure")
    page.locator(".charts").scroll_into_view_if_needed()
    shot(page, "charts")

    # Review queue: the reader's question (grouped with its twin), labelled with the passage that answers it.
    page.get_by_role("tab", name="Review queue").click()
    item = page.locator(".queue-item").filter(has_text=READER_QUESTION).first
    expect(item).to_be_visible()
    expect(item.locator(".queue-meta")).to_contain_text("2 similar questions")
    expect(item.locator(".queue-reasons")).to_contain_text("abstained")
    item.get_by_role("button", name="Decide").click()
    expect(item.locator(".candidate").first).to_be_visible()
    candidate = item.locator(f"input[type=radio][value='{ANSWER}']")
    if candidate.count():  # among the closest passages offered
        candidate.check()
    else:
        item.get_by_label("Or any passage id").fill(ANSWER)
    shot(page, "review")
    item.get_by_role("button", name="Label: it answers this question").click()
    expect(page.locator("#status-message")).to_contain_text("Labelled")
    expect(page.locator(".queue-item").filter(has_text=READER_QUESTION)).to_have_count(0)
    expect(page.locator("#decisions")).to_contain_text("Ann Editor")

    # Rebuild, then the test pane shows the question answered from that passage.
    before = page.locator("#status-fingerprint").inner_text()
    page.get_by_role("button", name="Rebuild index").click()
    expect(page.locator("#status-message")).to_contain_text("Rebuilt")
    assert page.locator("#status-fingerprint").inner_text() != before
    page.get_by_role("tab", name="Test a question").click()
    page.get_by_label("Question", exact=True).fill(READER_QUESTION)
    page.get_by_role("button", name="Test", exact=True).click()
    verdict = page.locator(".verdict")
    expect(verdict.locator(".tag").first).to_have_text("Answers")
    expect(verdict.locator(".passage-where code")).to_have_text(ANSWER)
    expect(page.locator(".hit--chosen .tag--term").first).to_be_visible()
    shot(page, "test")

    # And readers get it too.
    answer = ask_as_reader(base, READER_QUESTION)
    assert not answer["abstained"] and answer["passage_id"] == ANSWER


def test_the_queue_shows_what_readers_said_was_wrong_as_text(live, page):
    # Defect: a thumbs-down's comment reached GET /editor/api/review but the queue never showed it.
    # Comments are reader input, so one that looks like HTML must show as those very characters.
    _, base = live
    question = "which units guard the cooling towers of the stadium"
    answer = ask_as_reader(base, question)
    thumbs_down(base, answer, "wrong answer for why")
    thumbs_down(base, answer, "<b>x</b> | and more")
    sign_in(page, base)
    page.get_by_role("tab", name="Review queue").click()
    item = page.locator(".queue-item").filter(has_text=question)
    expect(item).to_have_count(1)
    expect(item.locator(".queue-reasons")).to_contain_text("thumbs down")
    comments = item.locator(".queue-comment")
    expect(comments).to_have_text(["“wrong answer for why”", "“<b>x</b> | and more”"])
    expect(item.locator(".queue-comments b")).to_have_count(0)
    shot(page, "queue-comments")


def test_the_curve_marks_todays_threshold_with_the_figures_on_the_cards(live, page):
    # Defect: the chart's "current threshold" line took the curve's grid point below the threshold
    # (0.54 for 0.549) and so disagreed with the coverage and answered accuracy cards of the same run.
    _, base = live
    sign_in(page, base)
    page.get_by_role("tab", name="Batch test").click()
    page.get_by_role("button", name="Run batch test").click()
    label = page.locator("svg.chart .current-label").first
    expect(label).to_contain_text("current threshold")
    coverage = float(page.locator(".metric[data-metric='coverage'] .metric-value").inner_text())
    accuracy = float(page.locator(".metric[data-metric='answered_accuracy'] .metric-value").inner_text())
    found = re.search(r"current threshold [\d.]+: ([\d.]+)% answered, ([\d.]+)% right", label.text_content())
    assert found, label.text_content()
    assert float(found.group(1)) / 100 == pytest.approx(coverage, abs=0.0005)
    assert float(found.group(2)) / 100 == pytest.approx(accuracy, abs=0.0005)


def test_a_follow_up_is_decided_with_its_earlier_question_among_its_own_explainers_passages(live, page):
    # Defect: "why?" asked on nk-russia after a question about it was offered CrowdStrike and Fed passages
    # (the Decide panel asked with no explainer and no earlier turn), was grouped with every other "why?",
    # and the queue never showed what it followed.
    _, base = live
    earlier = "why is north korea sending shells to russia"
    thumbs_down(base, ask_as_reader(base, "why?", explainer="nk-russia", history=[earlier]), "wrong answer for why")
    thumbs_down(base, ask_as_reader(base, "why?", history=["why did the fed raise rates"]), "not this")
    sign_in(page, base)
    page.get_by_role("tab", name="Review queue").click()
    items = page.locator(".queue-item").filter(has=page.locator(".queue-q", has_text=re.compile(r"^why\?$")))
    expect(items).to_have_count(2)  # one per explainer and earlier question, not one group of every "why?"
    item = items.filter(has_text=earlier)
    expect(item.locator(".queue-context")).to_have_text(f"after “{earlier}”")
    expect(item.locator(".queue-meta")).to_contain_text("asked on nk-russia")
    expect(item.locator(".queue-meta")).not_to_contain_text("similar")
    item.get_by_role("button", name="Decide").click()
    expect(item.locator(".candidate").first).to_be_visible()
    offered = item.locator(".candidate input[type=radio]").evaluate_all("radios => radios.map(r => r.value)")
    assert offered and all(passage_id.startswith("nk-russia:") for passage_id in offered), offered
    expect(item.locator(".decide-scope")).to_contain_text(earlier)
    expect(item.get_by_role("button", name="Add as a phrasing of it")).to_have_count(0)
    shot(page, "follow-up")
    item.locator(".candidate input[type=radio]").first.check()
    item.get_by_role("button", name="Label: it answers this question").click()
    expect(page.locator("#status-message")).to_contain_text("Labelled: “why?”.")
    expect(page.locator("#decisions tbody tr").first).to_contain_text(f"why? (after “{earlier}”)")
    expect(page.locator(".queue-item").filter(has_text="why did the fed raise rates")).to_have_count(1)


def test_a_decision_is_undone_from_the_decisions_table_and_its_question_returns_to_the_queue(live, page):
    # Defect: a decision could not be undone, so a mistaken one stayed in every later build.
    _, base = live
    question = "what colour are the ticket barriers at the ferry port"
    thumbs_down(base, ask_as_reader(base, question), "nothing to do with it")
    sign_in(page, base)
    page.get_by_role("tab", name="Review queue").click()
    item = page.locator(".queue-item").filter(has_text=question)
    item.get_by_role("button", name="Decide").click()
    item.get_by_role("button", name="Out of scope").click()
    expect(page.locator(".queue-item").filter(has_text=question)).to_have_count(0)
    row = page.locator("#decisions tbody tr").filter(has_text=question)
    expect(row).to_contain_text("out of scope")
    row.get_by_role("button", name="Undo").click()
    expect(page.locator("#status-message")).to_contain_text("Undone")
    expect(page.locator("#decisions tbody tr").filter(has_text=question)).to_have_count(0)
    expect(page.locator(".queue-item").filter(has_text=question)).to_have_count(1)
