"""The editor console in a real browser (Playwright driving Debian's chromium), issue 4: an editor logs
in with the token, runs the batch test, sees the metrics and the charts, opens a failure, labels a
reader's question from the review queue, rebuilds, and sees the question answered.

Runs on a copy of the bundled corpus (the export and rebuild never touch corpus/). Screenshots go to
test-artifacts/screenshots/editor-*.png (not committed).
"""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.request
from pathlib import Path

import pytest
from browser_support import SHOTS, require_chromium, serving_console

require_chromium()

from playwright.sync_api import expect  # noqa: E402

TOKEN = "browser-editor-token-51c2"
# A reader's question the bundled index does not answer with confidence; the passage that does.
READER_QUESTION = "what does pyongyang get back for the shells"
ANSWER = "nk-russia:analysis:3"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with serving_console(tmp_path_factory.mktemp("editor-browser"), TOKEN) as served:
        yield served


@pytest.fixture
def console_ignores():
    # The login page is served with 401 on purpose; the browser reports that status as a console error.
    return lambda text: "401" in text


@pytest.fixture
def page(new_page):
    return new_page(viewport={"width": 1360, "height": 1000})


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
    # The console's script is deferred: the name shows as soon as the page is parsed, and a tab clicked
    # before the script has run does nothing (the batch pane stayed hidden, the queue never loaded).
    page.wait_for_load_state("load")


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
    page.wait_for_load_state("load")  # the console's deferred script has run: its tabs work

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
    # What the reader was given is shown beside what they said of it.
    expect(item.locator(".queue-answer .quote")).to_have_text(answer["text"])
    if not answer["abstained"]:
        expect(item.locator(".queue-answer code")).to_have_text(answer["passage_id"])
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


def test_the_test_pane_shows_what_a_reader_gets_instead_of_an_answer(live, page):
    # Defects: for an "I don't know" the pane showed only "Abstains" and the reason, not the reply and the
    # questions the reader is offered; and a question of spaces passed the field's check and did nothing.
    _, base = live
    question = "what is the best recipe for onion soup"
    reader = ask_as_reader(base, question, explainer="nk-russia")
    assert reader["abstained"] and reader["suggestions"]
    sign_in(page, base)
    page.get_by_label("Question", exact=True).fill("   ")
    page.get_by_role("button", name="Test", exact=True).click()
    expect(page.locator("#test-result")).to_have_text("Type a question first.")
    expect(page.get_by_label("Question", exact=True)).to_be_focused()
    page.get_by_label("Question", exact=True).fill(question)
    page.get_by_label("Scope").select_option("nk-russia")
    page.get_by_role("button", name="Test", exact=True).click()
    verdict = page.locator(".verdict")
    expect(verdict.locator(".quote")).to_have_text(reader["text"])
    expect(verdict.get_by_role("list", name="Questions offered").locator("li")).to_have_text(reader["suggestions"])


def test_a_test_or_a_batch_is_told_in_a_line_not_read_out_whole(live, page):
    # Defect: the test and batch result areas were live regions, so a screen reader read out every passage,
    # matched word, feature, chart and table of a result; and an error in them was told only as part of that.
    _, base = live
    sign_in(page, base)
    for area in ("#test-result", "#batch-result"):
        assert page.locator(area).get_attribute("aria-live") is None
    page.get_by_label("Question", exact=True).fill("   ")
    page.get_by_role("button", name="Test", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("Type a question first.")
    page.get_by_label("Question", exact=True).fill("how many artilery shells has north korea sent")
    page.get_by_role("button", name="Test", exact=True).click()
    expect(page.locator(".verdict .read-as")).to_have_text("Spelling: read “artilery” as “artillery”.")
    expect(page.get_by_role("status")).to_have_text(re.compile(
        r"^(Answers|Abstains|Answers from another explainer), confidence 0\.\d\d against a threshold of 0\.\d\d\.$"))
    page.get_by_role("tab", name="Batch test").click()
    page.get_by_role("button", name="Run batch test").click()
    expect(page.get_by_role("status")).to_have_text(re.compile(
        r"^Run #\d+: \d+ questions, acc@1 0\.\d{3}, MRR@10 0\.\d{3}\. The figures follow the form\.$"), timeout=60_000)


def upload_and_run(page, name: str, questions: list[dict]) -> None:
    page.get_by_label("Questions file").set_input_files({
        "name": name, "mimeType": "application/json",
        "buffer": "".join(json.dumps(q) + "\n" for q in questions).encode()})
    page.get_by_role("button", name="Run batch test").click()
    expect(page.locator(".run-head h2")).to_contain_text(f"{len(questions)} questions")


def test_a_runs_follow_ups_and_the_questions_it_could_not_compare_are_shown(live, page):
    # Defects: a failed follow-up was listed as a bare "why?" without the question it followed; "Open in the
    # test pane" kept whatever scope the pane had, so it tested the question on another explainer than the
    # batch did; and "Since the previous run" counted only the questions both runs asked alike, so new and
    # dropped questions went unmentioned while the cards' changes mixed them in.
    _, base = live
    earlier = "how many troops did north korea send"
    follow_up = {"id": "f1", "question": "why?", "context": [earlier], "relevant": ["fed-rates:summary:1"]}
    sign_in(page, base)
    page.get_by_label("Scope").select_option("paris-olympics")
    page.get_by_role("tab", name="Batch test").click()
    upload_and_run(page, "followups.jsonl", [follow_up, {"id": "k1", "question": "who is jerome powell",
                                                         "relevant": ["fed-rates:entity:1"]}])
    upload_and_run(page, "followups.jsonl", [follow_up, {"id": "k2", "question": "what is the weather on mars",
                                                         "relevant": []}])
    expect(page.locator(".not-compared")).to_have_text(re.compile(
        r"^Not compared: 1 new \(not in run #\d+\): k2; 1 in run #\d+ but not in this one: k1\.$"))
    failure = page.locator("details.failure").filter(has=page.locator(".failure-meta", has_text="f1"))
    expect(failure.locator("summary .failure-context")).to_have_text(f"after “{earlier}”")
    failure.locator("summary").click()
    failure.get_by_role("button", name="Open in the test pane").click()
    expect(page.get_by_label("Scope")).to_have_value("")
    expect(page.get_by_label("Question", exact=True)).to_be_focused()
    expect(page.locator(".verdict")).to_contain_text(f"Follow-up: retrieved with the earlier turn “{earlier}”.")


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


def open_queue_item(page, question):
    page.get_by_role("tab", name="Review queue").click()
    item = page.locator(".queue-item").filter(has=page.locator(".queue-q", has_text=question))
    expect(item).to_have_count(1, timeout=15_000)  # the queue, passages and decisions load together: slow on a busy CI machine
    return item


def flagged_in_queue(page, base, question, comment="no", before=()):
    """A reader's question given a thumbs-down (after the questions `before`, each given one too), then found in
    the queue by a signed-in editor."""
    for asked in (*before, question):
        thumbs_down(base, ask_as_reader(base, asked), comment)
    sign_in(page, base)
    return open_queue_item(page, question)


def test_out_of_scope_ignores_a_passage_id_left_in_the_box(live, page):
    # Defect: stale text in "Or any passage id" blocked Out of scope with "There is no passage 'nope:1'".
    _, base = live
    question = "how tall is the lighthouse on the quay"
    item = flagged_in_queue(page, base, question)
    item.get_by_role("button", name="Decide").click()
    item.get_by_label("Or any passage id").fill("nope:1")
    item.get_by_role("button", name="Out of scope").click()
    expect(page.locator("#status-message")).to_contain_text("Marked out of scope")
    expect(page.locator(".queue-item").filter(has_text=question)).to_have_count(0)


def test_switching_tabs_keeps_an_open_decide_panel_and_its_choice(live, page):
    # Defect: every visit to the queue tab reloaded it, closing Decide panels and losing the passage chosen.
    _, base = live
    question = "how heavy are the bells of the old chapel"
    item = flagged_in_queue(page, base, question)
    item.get_by_role("button", name="Decide").click()
    item.get_by_label("Or any passage id").fill(ANSWER)
    page.get_by_role("tab", name="Test a question").click()
    page.get_by_role("tab", name="Review queue").click()
    expect(item.get_by_label("Or any passage id")).to_have_value(ANSWER)
    expect(item.get_by_role("button", name="Close")).to_have_attribute("aria-expanded", "true")


def test_a_right_to_left_override_in_a_readers_words_stays_inside_them(live, page):
    # Defect: a U+202E in a reader's comment reordered the text after it (the closing quote came out
    # in the middle of the comment).
    _, base = live
    question = "what time does the night ferry leave"
    item = flagged_in_queue(page, base, question, "abc\u202edef")
    comment = item.locator(".queue-comment")
    expect(comment).to_have_text("“abc\u202edef”")
    # The closing quote, the last character written, must be drawn right of every letter of the comment.
    in_order = comment.evaluate("""li => {
        const nodes = [], walker = document.createTreeWalker(li, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) nodes.push(walker.currentNode);
        const box = (node, i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
                                   return r.getBoundingClientRect(); };
        const last = nodes[nodes.length - 1], quote = box(last, last.length - 1);
        let right = 0;
        for (const node of nodes) for (let i = 0; i < node.length; i++)
            if (/[a-z]/.test(node.data[i])) right = Math.max(right, box(node, i).right);
        return quote.left >= right - 0.5;
    }""")
    assert in_order


def test_the_console_has_a_heading_and_each_decide_button_names_its_question(live, page):
    # Defects: the console page had no h1, and its many "Decide" buttons all read the same to a screen reader.
    _, base = live
    question = "who paints the murals in the metro"
    item = flagged_in_queue(page, base, question)
    expect(page.get_by_role("heading", level=1, name="Editor console")).to_have_count(1)
    button = item.get_by_role("button", name="Decide")
    expect(button).to_have_attribute("aria-label", re.compile("^Decide on “.?" + re.escape(question) + ".?”$"))


def test_at_360_pixels_every_tab_is_visible_whole(live, browser):
    # Defect: at 360 px the tab strip cut "Review queue" off at the right edge.
    _, base = live
    context = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        sign_in(page, base)
        boxes = [page.get_by_role("tab", name=name).bounding_box()
                 for name in ("Test a question", "Batch test", "Review queue")]
        assert all(box["x"] >= 0 and box["x"] + box["width"] <= 360 for box in boxes), boxes
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.get_by_role("tab", name="Review queue").click()
        shot(page, "narrow")
    finally:
        context.close()


def test_one_question_of_a_group_is_decided_alone(live, page):
    # Defect: a decision always applied to every question of a group.
    _, base = live
    first, second = "where do the swans of the canal nest", "where do the canal swans nest?"
    item = flagged_in_queue(page, base, second, before=[first])
    expect(item.locator(".queue-meta")).to_contain_text("2 similar questions")
    item.get_by_role("button", name="Decide").click()
    item.locator(".decide-items").get_by_label(first).uncheck()
    item.get_by_role("button", name="Out of scope").click()
    expect(page.locator("#status-message")).to_contain_text(f"Marked out of scope: “{second}”.")
    left = page.locator(".queue-item").filter(has=page.locator(".queue-q", has_text=first))
    expect(left).to_have_count(1)
    expect(left.locator(".queue-meta")).not_to_contain_text("similar")


def test_a_double_click_decides_once_and_the_focus_moves_on_to_the_next_question(live, page):
    # Defects: a double click on a decision's button saved it twice (undoing one left the other deciding
    # the question); and the item, with the button that had the focus, was removed, so a keyboard user
    # was sent back to the top of the page.
    _, base = live
    later, sooner = "what do the divers find under the pier", "who sweeps the steps of the town hall"
    item = flagged_in_queue(page, base, sooner, before=[later])  # newest first: the queue lists `sooner` above `later`
    decisions = []
    page.on("request", lambda request: decisions.append(request) if request.method == "POST"
            and request.url.endswith("/editor/api/review/actions") else None)
    item.get_by_role("button", name="Decide").click()
    item.get_by_role("button", name="Out of scope").dblclick()
    expect(page.locator("#status-message")).to_contain_text("Marked out of scope")
    expect(page.locator(".queue-item").filter(has_text=sooner)).to_have_count(0)
    following = page.locator(".queue-item").filter(has=page.locator(".queue-q", has_text=later))
    expect(following.get_by_role("button", name="Decide")).to_be_focused()
    expect(page.locator("#decisions tbody tr").filter(has_text=sooner)).to_have_count(1)
    assert len(decisions) == 1


def test_times_read_as_dates_and_the_queue_count_meets_the_questions(live, page):
    # Defects: the console showed the server's raw times ("latest 2026-11-27T21:38:09Z"); and the tab counted 7 to
    # review while the note said 8 flagged questions, with nothing to say that similar ones are decided together.
    _, base = live
    question = "how tall is the lighthouse on the breakwater"
    item = flagged_in_queue(page, base, question, before=[question])
    expect(item.locator(".queue-meta")).to_contain_text("2 similar questions · latest ")
    stamp = item.locator(".queue-meta time")
    exact = stamp.get_attribute("datetime")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", exact)
    shown = stamp.inner_text()
    assert "T" not in shown.replace("Oct", "").replace("Sept", "") and "Z" not in shown and exact[:4] in shown
    note, count = page.locator("#queue-note").inner_text(), page.locator("#queue-count").inner_text()
    flagged = int(re.search(r"(\d+) flagged questions", note).group(1))
    assert int(count) < flagged and f"Similar ones are grouped: {count} to decide." in note
    assert page.locator("#queue-count").get_attribute("title") == f"{count} to decide (similar questions decided together)"


def test_a_question_another_editor_decided_meanwhile_leaves_the_queue_with_a_word(live, page, new_page, console):
    # Defect: when a second editor had decided a question first, the first editor's Decide panel said so but the
    # question stayed in the queue, still offered, and the other editor's decision was not listed until Refresh.
    _, base = live
    question = "why are the harbour lights painted green"
    item = flagged_in_queue(page, base, question)
    item.get_by_role("button", name="Decide").click()

    other = new_page(viewport={"width": 1360, "height": 1000})
    sign_in(other, base, name="Bo Editor")
    theirs = open_queue_item(other, question)
    theirs.get_by_role("button", name="Decide").click()
    theirs.get_by_role("button", name="Out of scope").click()
    expect(other.locator("#status-message")).to_contain_text("Marked out of scope")

    item.get_by_role("button", name="Out of scope").click()
    expect(page.locator("#status-message")).to_contain_text("is decided already")
    expect(page.locator("#status-message")).to_contain_text("The queue is brought up to date.")
    expect(page.locator(".queue-item").filter(has_text=question)).to_have_count(0)
    expect(page.locator("#decisions tbody tr").filter(has_text=question)).to_contain_text("Bo Editor")
    console[:] = [line for line in console if "409" not in line]  # the refusal asked for


def test_a_page_whose_sign_in_has_ended_says_to_sign_in_again(live, page, console):
    # Defect: signed out in another tab, the console answered every button with "Send the editor token:
    # Authorization: Bearer <EDITOR_TOKEN>.", words for scripts that left an editor nothing to do.
    _, base = live
    sign_in(page, base)
    other = page.context.new_page()
    other.goto(base + "/editor")
    other.get_by_role("button", name="Sign out").click()
    expect(other.get_by_role("button", name="Sign in")).to_be_visible()
    page.get_by_label("Question", exact=True).fill("how many shells has north korea sent")
    page.get_by_role("button", name="Test", exact=True).click()
    error = page.locator("#test-result .notice--error")
    expect(error).to_contain_text("You are signed out of the editor console")
    expect(error).to_contain_text("Reload the page to sign in again.")
    expect(error).not_to_contain_text("Bearer")

    # Signed in again elsewhere, a page of the earlier sign-in is told to reload, not that it lacks a token.
    sign_in(other, base)
    page.get_by_role("button", name="Test", exact=True).click()
    expect(error).to_have_text("This page is from an earlier sign-in (you signed in again since); reload the page.")
    console.remove(next(text for text in console if "403" in text))  # the refusal just read
    page.reload()
    page.get_by_label("Question", exact=True).fill("how many shells has north korea sent")
    page.get_by_role("button", name="Test", exact=True).click()
    expect(page.locator("#test-result .verdict")).to_contain_text("The reader reads")


# ---------------------------------------------------------------- keyboard and screen readers
def test_the_skip_link_lands_on_the_tab_list(live, page):
    # Defect: "Skip to the console" jumped past the tab list, to the question field: the tabs took Shift+Tab.
    _, base = live
    sign_in(page, base)
    page.keyboard.press("Tab")  # the first stop on a page just loaded
    expect(page.get_by_role("link", name="Skip to the console")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_role("tab", name="Test a question")).to_be_focused()  # the selected tab, as the pattern has it
    page.keyboard.press("Tab")  # and from the tab list into its pane
    expect(page.get_by_label("Question", exact=True)).to_be_focused()


def test_home_and_end_move_to_the_first_and_last_tab(live, page):
    # Defect: the tab list knew Left and Right only (the WAI-ARIA tabs pattern has Home and End too).
    _, base = live
    sign_in(page, base)
    first, last = page.get_by_role("tab", name="Test a question"), page.get_by_role("tab", name="Readers")
    page.get_by_role("tab", name="Batch test").focus()
    page.keyboard.press("End")
    expect(last).to_be_focused()
    expect(last).to_have_attribute("aria-selected", "true")
    expect(page.locator("#pane-readers")).to_be_visible()
    page.keyboard.press("ArrowRight")  # Right from the last wraps round to the first
    expect(first).to_be_focused()
    page.keyboard.press("End")
    page.keyboard.press("Home")
    expect(first).to_be_focused()
    expect(first).to_have_attribute("aria-selected", "true")
    expect(page.locator("#pane-test")).to_be_visible()
    expect(page.locator("#pane-readers")).to_be_hidden()


def test_escape_closes_a_decide_panel_and_gives_the_focus_back_to_its_button(live, page):
    # Defect: Escape did nothing in an open Decide panel.
    _, base = live
    question = "who feeds the ducks at the boating lake"
    item = flagged_in_queue(page, base, question)
    item.get_by_role("button", name="Decide").click()
    field = item.get_by_label("Or any passage id")
    field.fill(ANSWER)
    field.press("Escape")
    expect(item.locator(".decide")).to_be_hidden()
    button = item.get_by_role("button", name="Decide")
    expect(button).to_be_focused()
    expect(button).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")  # opened again, as it was left
    expect(item.get_by_label("Or any passage id")).to_have_value(ANSWER)
    page.keyboard.press("Escape")  # from the Close button itself
    expect(item.locator(".decide")).to_be_hidden()
    expect(item.get_by_role("button", name="Decide")).to_be_focused()


def test_the_review_queue_has_a_heading_and_its_parts_are_named(live, page):
    # Defects: the review pane's only heading was "Decisions", so the queue could not be found by headings;
    # the passages offered in a Decide panel were radio buttons in no named group; and the status bar's name
    # was on a plain div, where screen readers do not read it.
    _, base = live
    question = "when does the clock tower chime at night"
    item = flagged_in_queue(page, base, question)
    heading = page.get_by_role("heading", level=2, name="Readers' questions to review")
    expect(heading).to_be_visible()
    expect(page.get_by_role("list", name="Readers' questions to review").locator(".queue-item")
           .filter(has_text=question)).to_have_count(1)
    item.get_by_role("button", name="Decide").click()
    group = item.get_by_role("radiogroup", name="Which passage answers it?")
    expect(group.get_by_role("radio").first).to_be_visible()
    expect(page.get_by_role("region", name="The index readers are answered from")
           .get_by_role("button", name="Rebuild index")).to_be_visible()


def test_every_pane_opens_with_a_heading_of_its_own(live, page):
    # Defect: only the review pane had a heading; a screen reader moving by headings in the test, batch and
    # glossary panes landed on a result's or a list's heading, or on none.
    _, base = live
    sign_in(page, base)
    for tab, heading in [("Test a question", "Test a question"), ("Batch test", "Batch test"),
                         ("Review queue", "Readers' questions to review"), ("Glossary", "Glossary")]:
        page.get_by_role("tab", name=tab).click()
        pane = page.get_by_role("tabpanel", name=tab)
        expect(pane.get_by_role("heading", level=2).first).to_have_text(heading)


def test_undo_leaves_the_focus_in_the_decisions_table(live, page):
    # Defect: Undo drew the table again without the button pressed, so a keyboard user was sent back to the top.
    _, base = live
    question = "what breed are the dogs of the harbour patrol"
    item = flagged_in_queue(page, base, question)
    item.get_by_role("button", name="Decide").click()
    item.get_by_role("button", name="Out of scope").click()
    row = page.locator("#decisions tbody tr").filter(has_text=question)
    row.get_by_role("button", name="Undo").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#status-message")).to_contain_text("Undone")
    expect(page.locator("#decisions tbody tr").filter(has_text=question)).to_have_count(0)
    # The Undo button of the row now in its place, or, with no decision left to undo, the table's heading.
    expect(page.locator("#decisions tbody tr button:focus, #decisions-title:focus")).to_have_count(1)


def test_a_glossary_change_leaves_the_focus_on_its_group(live, page):
    # Defect: adding or removing an alias drew the glossary again, and the focus went to the top of the page.
    _, base = live
    sign_in(page, base)
    page.get_by_role("tab", name="Glossary").click()
    page.get_by_label("Name the passages use").fill("ferries")
    page.get_by_label("Other names readers use").fill("boats")
    page.get_by_role("button", name="Add group").click()
    field = page.get_by_label("Another name for “\u2068ferries\u2069”")
    field.fill("launches")
    field.press("Enter")
    group = page.locator("#glossary-groups li[data-group='ferries']")
    expect(group.locator(".glossary-alias")).to_have_text(["boats×", "launches×"])
    expect(page.get_by_label("Another name for “\u2068ferries\u2069”")).to_be_focused()
    page.get_by_role("button", name="Remove “\u2068boats\u2069” from “\u2068ferries\u2069”").focus()
    page.keyboard.press("Enter")
    expect(group.locator(".glossary-alias")).to_have_text(["launches×"])
    expect(page.get_by_label("Another name for “\u2068ferries\u2069”")).to_be_focused()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete the group “\u2068ferries\u2069”").focus()
    page.keyboard.press("Enter")
    expect(group).to_have_count(0)
    expect(page.get_by_label("Name the passages use")).to_be_focused()


def test_the_queue_says_it_shows_only_the_newest_flagged_questions_and_shows_more(live, page):
    # Defect: the queue read the newest 300 flagged questions and older ones vanished without notice.
    # (Late in this file: it leaves more than a page of flagged questions in the shared log.)
    app, base = live
    store = app.extensions["store"]
    for n in range(305):
        store.log_question(f"filler{n:04d}", f"filler question number {n} zq{n}", None,
                           {"abstained": True, "confidence": 0.0})
    assert store.flush(timeout=10)
    sign_in(page, base)
    page.get_by_role("tab", name="Review queue").click()
    note = page.locator("#queue-note")
    expect(note).to_contain_text(re.compile(r"Showing the newest 300 of (3\d\d) flagged questions"))
    flagged = re.search(r"of (\d+) flagged", note.inner_text()).group(1)
    page.get_by_role("button", name="Show more").click()
    expect(note).to_contain_text(f"Showing all {flagged} flagged questions")
    expect(page.get_by_role("button", name="Show more")).to_be_hidden()
    expect(page.locator(".queue-item").filter(has_text="filler question number 0 zq0")).to_have_count(1)


def test_show_more_stops_at_the_most_the_server_reads_and_says_so(live, page, monkeypatch):
    # Defect: each "Show more" asked for 300 more, past the server's limit (30,000), and then the queue failed
    # with "limit must be a whole number from 1 to 30000". (After the test above: the log holds over 300 flagged.)
    import web.editor

    monkeypatch.setattr(web.editor, "MAX_QUEUE_ROWS", 302)
    _, base = live
    sign_in(page, base)
    page.get_by_role("tab", name="Review queue").click()
    note = page.locator("#queue-note")
    expect(note).to_contain_text("Showing the newest 300 of")
    failures = []
    page.on("response", lambda r: failures.append(r.url) if "/editor/api/review" in r.url and r.status >= 400 else None)
    page.get_by_role("button", name="Show more").click()
    expect(note).to_contain_text("Showing the newest 302 of")
    expect(note).to_contain_text("The queue shows at most 302 at once: older ones come as you decide these.")
    expect(page.get_by_role("button", name="Show more")).to_be_hidden()
    assert failures == []


def test_deciding_the_last_question_of_a_page_brings_the_older_ones(live, page):
    # Defect: deciding every question of a page left "Nothing to review: every logged question was answered
    # confidently", while the note above said older flagged questions waited. (After the test above: the log holds
    # more than a page. The page is cut to two questions here, rather than three hundred decided one by one.)
    app, base = live
    store = app.extensions["store"]
    for n in range(3):
        store.log_question(f"older{n}", f"older flagged question {n} zz{n}", None, {"abstained": True, "confidence": 0.0})
    assert store.flush(timeout=10)

    def two_at_a_time(route):
        route.continue_(url=re.sub(r"limit=\d+", "limit=2", route.request.url))

    page.route(re.compile(r".*/editor/api/review\?limit=\d+$"), two_at_a_time)
    sign_in(page, base)
    page.get_by_role("tab", name="Review queue").click()
    items = page.locator(".queue-item")
    expect(items).to_have_count(2)
    expect(page.locator("#queue-note")).to_contain_text("Showing the newest 2 of")
    first = [items.nth(0).locator(".queue-q").inner_text(), items.nth(1).locator(".queue-q").inner_text()]
    for question in first:
        item = page.locator(".queue-item").filter(has_text=question)
        item.get_by_role("button", name="Decide").click()
        item.get_by_role("button", name="Out of scope").click()
        expect(page.locator(".queue-item").filter(has_text=question)).to_have_count(0)
    expect(items).to_have_count(2)  # the next two, read as the page emptied
    expect(page.get_by_text("Nothing to review")).to_have_count(0)
    assert not {items.nth(0).locator(".queue-q").inner_text(), items.nth(1).locator(".queue-q").inner_text()} & set(first)
    expect(items.first.get_by_role("button", name="Decide")).to_be_focused()


def test_an_editor_adds_a_glossary_group_and_an_alias_and_sees_them_listed_as_text(live, page):
    app, base = live
    path = app.config["CORPUS_DIR"] + "/glossary.json"
    sign_in(page, base)
    page.get_by_role("tab", name="Glossary").click()
    built_in = page.locator("#glossary-built-in")
    expect(built_in.locator("li[data-group='North Korea']")).to_contain_text("Pyongyang")

    page.get_by_label("Name the passages use").fill("hostages")
    page.get_by_label("Other names readers use").fill("captives")
    page.get_by_role("button", name="Add group").click()
    group = page.locator("#glossary-groups li[data-group='hostages']")
    expect(group.locator(".glossary-alias")).to_have_text(["captives×"])
    expect(page.locator("#glossary-message")).to_contain_text("Rebuild the index")

    # An alias with markup in it is a name like any other: listed as the text typed, never as HTML.
    field = page.get_by_label("Another name for “\u2068hostages\u2069”")
    field.fill("<b>detainees</b>")
    group.get_by_role("button", name="Add alias").click()
    expect(group.locator(".glossary-alias")).to_have_text(["captives×", "<b>detainees</b>×"])
    assert group.locator("b").count() == 0
    with open(path, encoding="utf-8") as handle:
        assert json.load(handle) == {"hostages": ["captives", "<b>detainees</b>"]}

    field.fill("  ")
    group.get_by_role("button", name="Add alias").click()
    expect(page.locator("#glossary-message")).to_have_text("Type the other name first.")
    expect(group.locator(".glossary-alias")).to_have_count(2)
    expect(page.locator("#glossary-changes tbody tr").first).to_contain_text("Ann Editor")
    shot(page, "glossary")

    page.get_by_role("button", name="Remove “\u2068captives\u2069” from “\u2068hostages\u2069”").click()
    expect(group.locator(".glossary-alias")).to_have_text(["<b>detainees</b>×"])
    # Defect: one click deleted the group and all its aliases, with no undo. Now it asks first, naming them.
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Delete the group “\u2068hostages\u2069”").click()
    expect(group.locator(".glossary-alias")).to_have_text(["<b>detainees</b>×"])
    assert asked == ["Delete the group “hostages” and its 1 other name (<b>detainees</b>)? There is no undo: to get "
                     "it back, add it again."]
    with open(path, encoding="utf-8") as handle:
        assert json.load(handle) == {"hostages": ["<b>detainees</b>"]}
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete the group “\u2068hostages\u2069”").click()
    expect(page.locator("#glossary-groups li")).to_have_count(0)
    with open(path, encoding="utf-8") as handle:
        assert json.load(handle) == {}


def test_the_readers_tab_shows_what_readers_asked_and_tests_a_question(live, page):
    _, base = live
    unanswered = "what is the capital of mongolia"
    for question in (unanswered + "?", unanswered, unanswered, "how many shells has north korea sent"):
        ask_as_reader(base, question)
    sign_in(page, base)
    page.get_by_role("tab", name="Readers").click()
    pane = page.locator("#pane-readers")
    expect(pane.get_by_role("heading", name="What readers asked")).to_be_visible()
    expect(page.locator("#readers-note")).to_contain_text("questions since")
    expect(pane.locator(".metric").first.locator(".metric-name")).to_have_text("Questions")
    expect(pane.locator("svg.chart rect.bar")).not_to_have_count(0)
    # The two ways of typing it are one question, asked three times, and not answered; it is shown as most typed.
    missed = pane.locator("section.card", has=page.get_by_role("heading", name="Asked most and not answered"))
    row = missed.locator("tbody tr", has_text=unanswered).first
    expect(row.locator("td").nth(1)).to_have_text("3")
    shot(page, "readers")
    row.get_by_role("button", name=re.compile("^Test ")).click()
    expect(page.get_by_role("tab", name="Test a question")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_label("Question", exact=True)).to_have_value(re.compile("^what is the capital of mongolia"))
    expect(page.locator("#test-result")).to_contain_text("I don't know")
    # The figures download as a spreadsheet, a reader's formula kept as text.
    page.get_by_role("tab", name="Readers").click()
    ask_as_reader(base, '=HYPERLINK("http://evil.example","click")')
    with page.expect_response(lambda r: "insights?period=7" in r.url):
        page.get_by_label("Period").select_option("7")
    expect(page.get_by_role("link", name="Download as CSV")).to_have_attribute("download", "readers-last-7-days.csv")
    with page.expect_download() as downloaded:
        page.get_by_role("link", name="Download as CSV").click()
    assert downloaded.value.suggested_filename == "readers-last-7-days.csv"
    text = Path(downloaded.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["list", "question, explainer, passage or day", "times asked or answered"]
    assert ["asked most and not answered", unanswered, "3"] == [r for r in rows if unanswered in r[1]][-1][:3]
    assert ["asked most", "'=HYPERLINK(\"http://evil.example\",\"click\")"] in [r[:2] for r in rows]
    assert not any(cell.startswith("=") for row in rows for cell in row)
    # Another period is read when picked.
    with page.expect_response(lambda r: "insights?period=all" in r.url):
        page.get_by_label("Period").select_option("all")
    expect(page.locator("#readers-note")).to_contain_text("since the log began")


def test_export_says_what_it_added_not_the_whole_file_again(live, page):
    # Defect: each export said "Exported: N labelled question(s)", N the labels file's whole count, so an export
    # pressed again, adding nothing, read as if every label had been written again.
    # (Last in this file: it exports every decision the tests before it made.)
    _, base = live
    request = urllib.request.Request(
        base + "/editor/api/review/actions", method="POST",
        data=json.dumps({"action": "label", "passage_id": ANSWER,
                         "items": [{"question": "what does russia give for the shells it gets"}]}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    sign_in(page, base)
    status = page.locator("#status-message")
    page.get_by_role("button", name="Export decisions").click()
    expect(status).to_contain_text(re.compile(r"Exported: [1-9]\d* new labelled question\(s\) in .*reader-labels\.jsonl "
                                              r"\(\d+ in all\)"))
    page.get_by_role("button", name="Export decisions").click()
    expect(status).to_contain_text(re.compile(r"Exported: 0 new labelled question\(s\) in .*\(\d+ in all\); "
                                              r"0 new phrasing\(s\)"))


def test_the_second_press_of_a_double_click_lands_on_nothing_once_the_item_is_gone(live, page):
    # Defect: when the decision came back between the two presses of a double click, the item was gone before the
    # second, which landed on what had moved up into its place and took the focus from the next item's Decide
    # button (the double-click test above failed now and then). Here the second press comes as the item goes.
    _, base = live
    later, sooner = "what do the lanterns light along the quay", "who paints the boats in the harbour"
    item = flagged_in_queue(page, base, sooner, before=[later])
    item.get_by_role("button", name="Decide").click()
    button = item.get_by_role("button", name="Out of scope")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()  # where it is pressed: in the viewport, as the click scrolled it
    button.click()
    # The press follows the item's going at once (checked at every frame), as a double click's second would.
    page.wait_for_function("q => ![...document.querySelectorAll('.queue-q')].some(e => e.textContent.includes(q))",
                           arg=sooner)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    following = page.locator(".queue-item").filter(has=page.locator(".queue-q", has_text=later))
    expect(following.get_by_role("button", name="Decide")).to_be_focused()
