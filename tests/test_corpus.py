"""Tests for the corpus parser (bot/corpus.py): the explainer text dump, the JSON form,
FAQ JSONL, labelled questions, and every CorpusError a corpus editor can meet."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.corpus import (
    CorpusError,
    check_questions,
    default_questions,
    explainer_from_json,
    load_corpus,
    load_explainer,
    load_faq,
    load_questions,
    parse_explainer_json,
    parse_explainer_text,
)

REPO = Path(__file__).resolve().parents[1]
SHARED_EXPLAINERS = Path(__file__).resolve().parents[2] / "shared" / "explainers"
SEED = SHARED_EXPLAINERS / "000_5360d7e2acb77506.txt"
SEED_ID = "000_5360d7e2acb77506"


# ---------------------------------------------------------------- fixtures and helpers

@pytest.fixture(scope="module")
def seed():
    if not SEED.is_file():
        pytest.skip("needs ../shared/explainers (not present in a fresh clone)")
    return load_explainer(SEED)


@pytest.fixture
def write(tmp_path):
    """Write a small corpus file under tmp_path and return its path (str content as UTF-8, bytes as is)."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write


def parse(text: str, explainer_id: str = "x"):
    return parse_explainer_text(textwrap.dedent(text).lstrip("\n"), explainer_id, "page.txt")


def ids(explainer) -> list[str]:
    return [p.id for p in explainer.passages]


def by_id(explainer) -> dict:
    return {p.id: p for p in explainer.passages}


# A tiny page in the text format, reused by the id, round-trip and corpus tests.
TINY_PAGE = """\
What's happened
Ruritania raised its main interest rate to 4.5% as of 3 March 2024.
What's behind the headline?
Why the bank acted now
Food prices in Ruritania climbed for a sixth month running.
What the papers say
The Ruritanian Times says the bank had little choice.
How we got here
Ruritania's central bank began raising rates in 2022.
Go deeper
- What will the rise mean for mortgages?
Common questions
-
Why is Ruritania raising rates?
The Ruritanian central bank raised rates again. Below, we explore why.
More on these topics
-
Anna Kovac is a Ruritanian economist and the governor of the central bank.
"""
TINY_IDS = ["r:summary:1", "r:analysis:1", "r:papers:1", "r:background:1", "r:common:1", "r:entity:1"]


# ---------------------------------------------------------------- 1. the seed page

def test_seed_sections(seed):
    # Seven headers; the curly "What’s happening with…" common-question title is not an eighth.
    assert seed.sections == [
        "What's happened", "What's behind the headline?", "What the papers say", "How we got here",
        "Go deeper", "Common question", "More on these topics",
    ]


def test_seed_body_paragraphs(seed):
    # 13 body paragraphs: summary 1 + analysis 5 + papers 6 + background 1, numbered per kind.
    body = [p.id for p in seed.passages if p.kind in ("summary", "analysis", "papers", "background")]
    assert body == (
        [f"{SEED_ID}:summary:1"]
        + [f"{SEED_ID}:analysis:{n}" for n in range(1, 6)]
        + [f"{SEED_ID}:papers:{n}" for n in range(1, 7)]
        + [f"{SEED_ID}:background:1"]
    )
    assert by_id(seed)[f"{SEED_ID}:papers:2"].text.startswith("The New York Post cites")


def test_seed_analysis_subheadings(seed):
    # Each analysis paragraph carries the short line above it as its heading.
    headings = [p.heading for p in seed.passages if p.kind == "analysis"]
    assert headings == [
        "Strategic Alliance Strengthening", "Regional and Global Implications",
        "Political Messaging and Propaganda", "Forecast and Consequences", "Impact on Readers",
    ]


def test_seed_go_deeper_questions_are_suggestions_not_passages(seed):
    assert seed.suggested_questions == [
        "How many troops has North Korea sent to support Russia in Ukraine?",
        "What military aid is North Korea providing to Russia?",
        "What are the regional security implications of the Russia-North Korea alliance?",
    ]
    assert not [p for p in seed.passages if p.kind == "go_deeper"]


def test_seed_common_questions(seed):
    common = seed.common_questions
    assert [p.id for p in common] == [f"{SEED_ID}:common:{n}" for n in range(1, 16)]
    # The title line is the question the teaser answers.
    assert common[0].heading == "What is the Military Cooperation Between North Korea and Russia?"
    assert common[0].questions == (common[0].heading,)


def test_seed_curly_title_is_not_a_header(seed):
    # "What’s happening with regional security…" starts like "What's happened" but is a common question.
    last = seed.common_questions[-1]
    assert last.heading == "What's happening with regional security and military buildup in Asia?"
    assert last.text.startswith("Recent developments in Asia")
    assert sum(p.kind == "summary" for p in seed.passages) == 1


def test_seed_entities(seed):
    assert [e.name for e in seed.entities] == [
        "North Korea", "Russia", "Ukraine", "Sergey Viktorovich Lavrov", "Kim Jong-un", "South Korea",
        "Vladimir Vladimirovich Putin", "Sergei Kuzhugetovich Shoigu", "Olga Borisovna Lyubimova", "Japan",
        "The United States of America", 'John Daniel "Raizin" Caine',
    ]
    assert [e.passage_id for e in seed.entities] == [f"{SEED_ID}:entity:{n}" for n in range(1, 13)]
    # "officially the ..." becomes an alias.
    assert "Democratic People's Republic of Korea" in seed.entities[0].aliases
    # 13 + 15 + 12 passages worth indexing, as the format notes count.
    assert len(seed.passages) == 40


def test_seed_last_papers_paragraph_is_flagged_truncated(seed):
    papers = [p for p in seed.passages if p.kind == "papers"]
    assert [p.truncated for p in papers] == [False] * 5 + [True]
    # The cut is the 2,048-character limit, mid-word.
    assert papers[-1].text.endswith("underscored by high-level dip")
    # NOTE: display_text is NOT asserted to end with "." here: this paragraph holds no whole sentence
    # and trim_to_sentence documents that it then returns the text unchanged (see the report).


@pytest.mark.parametrize(
    ("passage", "display_ends"),
    [
        ("entity:2", "located in Eastern Europe and Northern Asia."),  # Russia
        ("entity:9", "She was appointed on 21 January 2020."),  # Lyubimova (Cyrillic: fewer chars in 255 bytes)
        ("entity:12", "chairman of the Joint Chiefs of Staff since 2025."),  # Caine
    ],
)
def test_seed_cut_entity_blurbs_show_whole_sentences(seed, passage, display_ends):
    p = by_id(seed)[f"{SEED_ID}:{passage}"]
    assert p.truncated
    assert not p.text.endswith(".")
    assert p.display_text.endswith(display_ends)
    assert p.text.startswith(p.display_text)


def test_seed_only_three_entity_blurbs_are_truncated(seed):
    cut = [p.heading for p in seed.passages if p.kind == "entity" and p.truncated]
    assert cut == ["Russia", "Olga Borisovna Lyubimova", 'John Daniel "Raizin" Caine']


def test_seed_off_topic_teasers_do_not_answer(seed):
    # Floods in China, Brazil, the FIFA Club World Cup and "biggest news stories" are teasers for other pages.
    off = [p.heading for p in seed.common_questions if not p.answerable]
    assert off == [
        "What Caused the Severe Flooding in Southern China?",
        "Why is Brazil Shifting from Asbestos to Rare Earth Minerals?",
        "How Do Sports Events Like the FIFA Club World Cup Intersect with Global Politics?",
        "What Are the Biggest News Stories Today?",
    ]
    assert sum(p.answerable for p in seed.common_questions) == 11


def test_teaser_on_the_page_topic_is_on_topic_without_naming_an_entity():
    # "How big is Labour's majority?" names none of the page's entity blurbs, but its words are the page's:
    # it is this story's teaser, not another story's (an off-topic flag would tell readers the page does
    # not cover what it does).  The other story's teaser shares almost no words with the page.
    from bot.corpus import load_corpus

    corpus = load_corpus(Path(__file__).resolve().parents[1] / "corpus" / "explainers" / "uk-election-2024.txt")
    flags = {p.heading: p.answerable for p in corpus.explainers["uk-election-2024"].common_questions}
    assert flags == {"How big is Labour's majority?": True, "Why did the Conservatives lose so badly?": True,
                     "Who is Keir Starmer?": True, "What Is Causing Record Heat in the Mediterranean?": False}


def test_seed_date_from_as_of(seed):
    # No Date: line; the only date is "As of July 2025" in the summary.
    assert seed.date == "2025-07"
    assert seed.url == ""


# ---------------------------------------------------------------- 2. format variants

@pytest.mark.parametrize(
    ("header", "body", "expected"),
    [
        ("What’s happened", "A thing happened.", ["x:summary:1"]),  # curly apostrophe
        ("What's happened   ", "A thing happened.", ["x:summary:1"]),  # trailing space
        ("  WHAT'S HAPPENED", "A thing happened.", ["x:summary:1"]),  # case and leading space
        ("What's behind the headline", "A point.", ["x:analysis:1"]),  # without "?"
        ("What’s Behind The Headline?", "A point.", ["x:analysis:1"]),
        ("what the papers say", "The Times says so.", ["x:papers:1"]),
        ("How We Got Here", "It began in 2022.", ["x:background:1"]),
        ("Common question", "-\nWhy now?\nA teaser.", ["x:common:1"]),
        ("Common questions", "-\nWhy now?\nA teaser.", ["x:common:1"]),
        ("More On These Topics", "-\nAnna Kovac is an economist.", ["x:entity:1"]),
    ],
)
def test_header_spelling_variants(header, body, expected):
    explainer = parse_explainer_text(f"{header}\n{body}\n", "x")
    assert ids(explainer) == expected


def test_header_is_never_matched_by_prefix():
    # A line that merely starts like a header stays a paragraph of its section.
    explainer = parse("""
        How we got here
        What's happening with regional security is a long story.
        What's happened before matters.
    """)
    assert ids(explainer) == ["x:background:1", "x:background:2"]
    assert explainer.sections == ["How we got here"]


def test_utf8_bom_before_first_header(write):
    # Windows editors save a BOM; it must not hide the first header.
    explainer = load_explainer(write("bom.txt", "\ufeffWhat's happened\nA.\n".encode()))
    assert ids(explainer) == ["bom:summary:1"]


def test_two_dumps_joined_each_with_its_bom_keep_the_later_version(write):
    # `cat old.txt new.txt` of two dumps a Windows editor saved: the second BOM hid the second "What's happened",
    # and the file was refused ("section 'How we got here' appears twice") instead of keeping the later version.
    dump = "\ufeffWhat's happened\n{}\nHow we got here\nThe bank acted.\n"
    explainer = load_explainer(write("twice.txt", (dump.format("Rates rose.") + dump.format("Rates rose again.")).encode()))
    assert ids(explainer) == ["twice:summary:1", "twice:background:1"]
    assert explainer.passages[0].text == "Rates rose again." and explainer.passages[0].line == 6


def test_faq_files_joined_each_with_its_bom_load(write):
    # The second file's BOM made its first line "invalid JSON: Unexpected UTF-8 BOM (decode using utf-8-sig)".
    joined = "\ufeff" + '{"id": "a", "title": "A?", "text": "A."}\n' + "\ufeff" + '{"id": "b", "title": "B?", "text": "B."}\n'
    assert ids(load_faq(write("faq.jsonl", joined.encode()))) == ["a", "b"]


def test_why_it_matters_bullets():
    explainer = parse("""
        What's happened
        Rates rose.
        Why it matters
        - Mortgages get dearer.
        - Savers earn more.
    """)
    analysis = [p for p in explainer.passages if p.kind == "analysis"]
    assert [(p.id, p.text, p.heading) for p in analysis] == [
        ("x:analysis:1", "Mortgages get dearer.", ""),
        ("x:analysis:2", "Savers earn more.", ""),
    ]
    assert explainer.sections == ["What's happened", "Why it matters"]


def test_key_insights_label_bullets():
    # "- Label: text": the label is the heading, the rest the text.
    explainer = parse("""
        Key Insights
        - Trade: Tariffs rose on steel.
        - Jobs: Factory jobs fell.
    """)
    assert [(p.id, p.heading, p.text) for p in explainer.passages] == [
        ("x:analysis:1", "Trade", "Tariffs rose on steel."),
        ("x:analysis:2", "Jobs", "Factory jobs fell."),
    ]


def test_nested_bullets_are_flattened_into_their_parent():
    explainer = parse("""
        Why it matters
        - Mortgages get dearer.
          - Fixed deals end this year.
            - Some in March.
        - Savers earn more.
    """)
    assert [(p.id, p.text) for p in explainer.passages] == [
        ("x:analysis:1", "Mortgages get dearer. Fixed deals end this year. Some in March."),
        ("x:analysis:2", "Savers earn more."),
    ]


def test_nested_bullet_joins_a_labelled_bullet():
    explainer = parse("""
        Key Insights
        - Trade: Tariffs rose.
            - Steel most of all.
    """)
    [passage] = explainer.passages
    assert (passage.heading, passage.text) == ("Trade", "Tariffs rose. Steel most of all.")


@pytest.mark.parametrize("empty_body", ["", "-\n"], ids=["nothing", "only-a-separator"])
def test_header_with_nothing_under_it(empty_body):
    explainer = parse_explainer_text(
        f"What's happened\nRates rose.\nHow we got here\n{empty_body}Go deeper\n- Why?\n", "x"
    )
    # The empty section is listed but yields no passage; the next header still works.
    assert explainer.sections == ["What's happened", "How we got here", "Go deeper"]
    assert ids(explainer) == ["x:summary:1"]
    assert explainer.suggested_questions == ["Why?"]


@pytest.mark.parametrize(("content", "line", "meant"), [
    ("What's happened\nRates rose.\nWhat the Papers Said\nThe Ledger says rates rose.\n", 3, "What the papers say"),
    ("What's happened\nRates rose.\nWhats behind the headline\nWhy now\nPrices climbed.\n", 3, "What's behind the headline"),
    ("What's happened\nRates rose.\nHow we got her\nThe bank cut rates in 2020.\n", 3, "How we got here"),
    ("What's happened?\nRates rose.\n", 1, "What's happened"),
])
def test_a_misspelt_section_header_is_named_not_read_as_a_paragraph(content, line, meant):
    # "What the Papers Said" became a summary passage, and the papers' paragraphs summary passages, silently.
    with pytest.raises(CorpusError, match=re.escape(f"rates.txt, line {line}: ") + ".*" + re.escape(f"did you mean {meant!r}")):
        parse_explainer_text(content, "rates", "corpus/explainers/rates.txt")


_COMMON = "What's happened\nRates rose.\nCommon questions\n-\nWhy now?\nPrices rose.\n-\nWho decides?\nThe board.\n"


@pytest.mark.parametrize(("content", "line", "meant"), [
    # After the last common question: the entity blurbs ran into it, or became common questions of their own.
    (_COMMON + "More on thse topics\n-\nThe board is the bank's rate setters.\n", 10, "More on these topics"),
    (_COMMON + "-\nMore on these topic\n-\nThe board is the bank's rate setters.\n", 11, "More on these topics"),
    # Among the blurbs: the common questions after it became part of the last blurb.
    ("What's happened\nRates rose.\nMore on these topics\n-\nThe board sets rates.\nComon questions\n-\nWhy?\nPrices.\n",
     6, "Common questions"),
])
def test_a_misspelt_header_among_common_questions_or_blurbs_is_named(content, line, meant):
    with pytest.raises(CorpusError, match=re.escape(f"rates.txt, line {line}: ") + ".*" + re.escape(f"did you mean {meant!r}")):
        parse_explainer_text(content, "rates", "corpus/explainers/rates.txt")


def test_common_questions_without_separator_lines_are_still_apart():
    # A dump that lost the "-" lines gave one item: the first title, and every later question and answer its blurb.
    explainer = parse_explainer_text("What's happened\nRates rose.\nCommon questions\n-\nWhy now?\nPrices rose.\n"
                                     "Who decides?\nThe board, which meets monthly.\nWill rates fall?\nNot this year. "
                                     "Or will they?\n-\nWhat next?\nA pause.\n", "x")
    common = [(p.heading, p.text) for p in explainer.passages if p.kind == "common"]
    assert common == [("Why now?", "Prices rose."), ("Who decides?", "The board, which meets monthly."),
                      ("Will rates fall?", "Not this year. Or will they?"), ("What next?", "A pause.")]
    assert [p.id for p in explainer.passages if p.kind == "common"] == [f"x:common:{n}" for n in range(1, 5)]


def test_a_common_question_that_reads_like_a_header_is_still_a_question():
    # "What's happened?" is a question a reader asks; among common questions it is a title, not a misspelt header.
    explainer = parse_explainer_text(_COMMON + "-\nWhat's happened?\nThe bank raised rates by half a point.\n", "x")
    assert [p.heading for p in explainer.passages if p.kind == "common"] == ["Why now?", "Who decides?", "What's happened?"]


def test_a_short_paragraph_unlike_any_header_is_kept():
    explainer = parse_explainer_text("What's happened\nRates rose.\nWhat happens next\nHow we got here\nA cut.\n", "x")
    assert [p.text for p in explainer.passages] == ["Rates rose.", "What happens next", "A cut."]


@pytest.mark.parametrize("content", ["What's happened\n", "What's happened\n\nHow we got here\n-\n",
                                     "Go deeper\n- Why did the bank act?\n"])
def test_an_explainer_with_no_passages_is_refused(content):
    # Only headers, or only Go deeper questions, loaded as an explainer that the API listed and that answered
    # nothing; the JSON form already refused one without passages.
    with pytest.raises(CorpusError, match="rates.txt: the explainer has no passages"):
        parse_explainer_text(content, "rates", "corpus/explainers/rates.txt")


@pytest.mark.parametrize(
    ("summary", "date"),
    [
        ("This story is current as of 3 March 2024.", "2024-03-03"),
        ("The story is current as of 15 november 2023.", "2023-11-15"),
        ("As of July 2025, troops were deployed.", "2025-07"),
        ("Troops were deployed last summer.", ""),
        ("As of 31 June 2025, troops were deployed.", "2025-06"),  # no such day: the month still holds
        ("As of June 3, 2025, troops were deployed.", "2025-06-03"),  # the American order
        ("This story is current as of March 14 2024.", "2024-03-14"),
        ("As of June 2025 3 brigades were deployed.", "2025-06"),  # a figure after the year is no day
    ],
)
def test_date_from_summary(summary, date):
    assert parse_explainer_text(f"What's happened\n{summary}\n", "x").date == date


@pytest.mark.parametrize(
    ("garbled", "repaired"),
    [
        ("cafÃ©", "café"),
        ("war â€” peace", "war - peace"),  # em dash, then made a plain hyphen
        # PARSER BUG: clean() runs NFKC before fix_mojibake, and NFKC turns the "™" of "â€™" into "TM",
        # so the commonest mojibake of all (the apostrophe) is left as "Donâ€TMt".
        ("Donâ€™t", "Don't"),
    ],
)
def test_mojibake_in_a_blurb_is_repaired(garbled, repaired):
    explainer = parse(f"""
        More on these topics
        -
        Anna Kovac is an economist. {garbled} is in her notes.
    """)
    assert explainer.passages[0].text == f"Anna Kovac is an economist. {repaired} is in her notes."


def test_page_dumped_twice_keeps_the_later_version():
    once = "What's happened\nOld summary.\nHow we got here\nOld background.\n"
    twice = once + "What's happened\nNew summary.\nHow we got here\nNew background.\n"
    explainer = parse_explainer_text(twice, "x")
    # Not doubled, and not "section appears twice".
    assert ids(explainer) == ["x:summary:1", "x:background:1"]
    assert [p.text for p in explainer.passages] == ["New summary.", "New background."]
    assert explainer.passages[0].line == 6  # the second dump's paragraph, line numbers of the whole file
    assert explainer.sections == ["What's happened", "How we got here"]


def test_a_section_before_the_summary_is_kept():
    # Only a second "What's happened" starts a second dump of the page: the first one, after the papers,
    # dropped the papers without a word.
    explainer = parse("""
        What the papers say
        The Ruritanian Times says the bank had little choice.
        What's happened
        Rates rose.
    """)
    assert [(p.id, p.line) for p in explainer.passages] == [("x:papers:1", 2), ("x:summary:1", 4)]
    assert explainer.sections == ["What the papers say", "What's happened"]


def test_multi_line_entity_blurb_is_joined():
    explainer = parse("""
        More on these topics
        -
        Anna Kovac is a Ruritanian economist
        who has led the central bank since 2020.
        -
        Ruritania is a country.
    """)
    assert [(p.id, p.heading, p.text, p.line) for p in explainer.passages] == [
        ("x:entity:1", "Anna Kovac",
         "Anna Kovac is a Ruritanian economist who has led the central bank since 2020.", 3),
        ("x:entity:2", "Ruritania", "Ruritania is a country.", 6),
    ]
    # A person's surname becomes an alias.
    assert explainer.entities[0].aliases == ("Kovac",)


def test_multi_line_common_question_blurb_is_joined():
    explainer = parse("""
        Common questions
        -
        Why is Ruritania raising rates?
        Ruritania's bank acted.
        Below, we explore why.
    """)
    [passage] = explainer.passages
    assert (passage.heading, passage.text) == ("Why is Ruritania raising rates?",
                                               "Ruritania's bank acted. Below, we explore why.")


def test_preamble_title_date_url():
    explainer = parse("""
        Title: Rates: the bank acts again
        date: 2024-05-02
        URL: https://news.example/rates

        What's happened
        Rates rose, as of July 2025.
    """)
    # The Date: line wins over the summary's "as of"; a title may hold a colon.
    assert (explainer.title, explainer.date, explainer.url) == (
        "Rates: the bank acts again", "2024-05-02", "https://news.example/rates")
    assert ids(explainer) == ["x:summary:1"]
    assert explainer.passages[0].line == 6


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "/explainers/rates", "news.example/rates",
    "ftp://news.example/rates", "https://", "https://news.example/two words", "https:///rates",
    "https://news.example:99999/rates", "https://" + "a" * 2000 + ".example",
    "https://news.example/\x7frates", "https://news.example/\x85rates", "https://news.example/\u202etxt.exe",
])
def test_an_explainer_url_that_is_no_web_address_is_refused(url):
    # Readers are sent to an explainer's URL from every answer it gives: only an http(s) address on a site will do.
    with pytest.raises(CorpusError) as text_error:
        parse(f"""
            Title: Rates
            URL: {url}
            What's happened
            Rates rose.
        """)
    assert text_error.value.line == 2 and "https://" in str(text_error.value)
    document = {"id": "rates", "url": url, "sections": [{"kind": "summary", "passages": [{"text": "Rates rose."}]}]}
    with pytest.raises(CorpusError, match="url.*not a web address"):
        parse_explainer_json(json.dumps(document), "rates.json")


@pytest.mark.parametrize("url", ["https://news.example/explainers/rates", "http://news.example/rates?id=3#latest",
                                 "HTTPS://NEWS.EXAMPLE/Rates"])
def test_an_explainer_url_on_a_site_is_kept(url):
    document = {"id": "rates", "url": url, "sections": [{"kind": "summary", "passages": [{"text": "Rates rose."}]}]}
    assert parse_explainer_json(json.dumps(document), "rates.json").url == url


def test_separators_and_dangling_first_separator():
    explainer = parse("""
        What's happened
        Rates rose.
        -
        Prices too.
        Go deeper
        -
        - Why now?
        -
        - What next?
        Common questions
        -
        Why is Ruritania raising rates?
        Ruritania's bank acted.
        -
        What did Ruritania's bank say?
        Ruritania's bank said little.
        More on these topics
        -
        Ruritania is a country.
        -
        Anna Kovac is an economist.
    """)
    # A lone "-" separates; the dangling first one gives no empty item; "- x" is a list item.
    assert ids(explainer) == ["x:summary:1", "x:summary:2", "x:common:1", "x:common:2", "x:entity:1",
                              "x:entity:2"]
    assert explainer.suggested_questions == ["Why now?", "What next?"]
    assert [p.heading for p in explainer.common_questions] == ["Why is Ruritania raising rates?",
                                                               "What did Ruritania's bank say?"]


@pytest.mark.parametrize("dash", ["\u2013", "\u2014", "\uff0d", "---"], ids=["en-dash", "em-dash", "fullwidth", "rule"])
def test_separators_and_bullets_written_with_other_dashes(dash):
    # A word processor's dash on a separator line used to separate nothing: both common questions became one
    # titled "-", both entity blurbs one entity named "- Ruritania", and "– Why now?" a Go deeper question
    # with its dash.
    explainer = parse(f"""
        What's happened
        Rates rose.
        Go deeper
        {dash}
        {dash[0]} Why now?
        Common questions
        {dash}
        Why is Ruritania raising rates?
        Ruritania's bank acted.
        {dash}
        What did Ruritania's bank say?
        Ruritania's bank said little.
        More on these topics
        {dash}
        Ruritania is a country.
        {dash}
        Anna Kovac is an economist.
    """)
    assert ids(explainer) == ["x:summary:1", "x:common:1", "x:common:2", "x:entity:1", "x:entity:2"]
    assert explainer.suggested_questions == ["Why now?"]
    assert [p.heading for p in explainer.common_questions] == ["Why is Ruritania raising rates?",
                                                               "What did Ruritania's bank say?"]
    assert [e.name for e in explainer.entities] == ["Ruritania", "Anna Kovac"]


def test_bullets_after_a_typographic_dash_and_a_negative_figure():
    explainer = parse("""
        Why it matters
        \u2013 Prices rose.
        \u22125% was the fall in wages.
    """)
    assert [p.text for p in explainer.passages] == ["Prices rose.", "-5% was the fall in wages."]


def test_ids_are_stable_and_follow_the_pattern(write):
    path = write("nk-russia.txt", TINY_PAGE)
    first, second = load_explainer(path), load_explainer(path)
    assert ids(first) == ids(second)
    assert ids(first) == [i.replace("r:", "nk-russia:", 1) for i in TINY_IDS]
    pattern = re.compile(r"^nk-russia:(summary|analysis|papers|background|common|entity):[1-9]\d*$")
    assert all(pattern.match(i) for i in ids(first))


def test_ids_count_per_kind_in_file_order():
    explainer = parse("""
        What's happened
        One.
        Two.
        What the papers say
        The Times says one.
        The Post says two.
        The Sun says three.
    """)
    assert ids(explainer) == ["x:summary:1", "x:summary:2", "x:papers:1", "x:papers:2", "x:papers:3"]


def test_truncated_last_paragraph_shows_whole_sentences():
    explainer = parse("""
        What the papers say
        The Times says one.
        The Post says two. It adds that the bank mig
    """)
    first, last = explainer.passages
    assert not first.truncated
    assert last.truncated and last.display_text == "The Post says two."


# ---------------------------------------------------------------- 3. the JSON form

TINY_JSON = {
    "id": "r",
    "title": "Ruritania raises rates",
    "date": "2024-03-03",
    "sections": [
        {"kind": "summary", "passages": [{"text": "Ruritania raised its main interest rate to 4.5% as of 3 March 2024."}]},
        {"kind": "analysis", "passages": [{"heading": "Why the bank acted now",
                                           "text": "Food prices in Ruritania climbed for a sixth month running."}]},
        {"kind": "papers", "passages": [{"text": "The Ruritanian Times says the bank had little choice."}]},
        {"kind": "background", "passages": [{"text": "Ruritania's central bank began raising rates in 2022."}]},
    ],
    "suggested_questions": ["What will the rise mean for mortgages?"],
    "common_questions": [{"question": "Why is Ruritania raising rates?",
                          "blurb": "The Ruritanian central bank raised rates again. Below, we explore why."}],
    "entities": [{"name": "Anna Kovac", "aliases": ["Governor Kovac"],
                  "text": "Anna Kovac is a Ruritanian economist and the governor of the central bank."}],
}


def test_json_and_text_forms_give_the_same_passages():
    from_json = parse_explainer_json(json.dumps(TINY_JSON, indent=2), "r.json")
    from_text = parse_explainer_text(TINY_PAGE, "r", "r.txt")
    assert ids(from_json) == ids(from_text) == TINY_IDS
    assert [p.kind for p in from_json.passages] == [p.kind for p in from_text.passages]
    assert [p.text for p in from_json.passages] == [p.text for p in from_text.passages]
    assert from_json.suggested_questions == from_text.suggested_questions
    assert from_json.passages[1].heading == "Why the bank acted now"


def test_json_explainer_round_trips_through_to_json():
    explainer = parse_explainer_json(json.dumps(TINY_JSON), "r.json")
    again = explainer_from_json(json.loads(json.dumps(explainer.to_json())))
    assert [(p.id, p.kind, p.text) for p in again.passages] == [(p.id, p.kind, p.text) for p in explainer.passages]
    assert (again.title, again.date, again.entities) == (explainer.title, explainer.date, explainer.entities)


def test_json_explainer_id_defaults_to_the_file_name(write):
    data = {k: v for k, v in TINY_JSON.items() if k != "id"}
    explainer = load_explainer(write("rates-2024.json", json.dumps(data)))
    assert explainer.id == "rates-2024"
    assert ids(explainer)[0] == "rates-2024:summary:1"


def test_json_entity_aliases_given_explicitly_are_kept():
    explainer = parse_explainer_json(json.dumps(TINY_JSON), "r.json")
    [entity] = explainer.entities
    assert entity.name == "Anna Kovac"
    assert entity.passage_id == "r:entity:1"
    # The editor's alias first, then the surname found in the blurb.
    assert entity.aliases == ("Governor Kovac", "Kovac")


def test_json_off_topic_flag_is_respected():
    data = dict(TINY_JSON, common_questions=[
        {"question": "Why is Ruritania raising rates?", "blurb": "Below, we explore why.", "off_topic": True},
        # Names nothing of the page, yet the editor says it is on topic: no guessing when the flag is used.
        {"question": "What caused the floods in China?", "blurb": "Below, we explore floods.", "off_topic": False},
    ])
    explainer = parse_explainer_json(json.dumps(data), "r.json")
    assert [(p.id, p.answerable) for p in explainer.common_questions] == [("r:common:1", False), ("r:common:2", True)]


def test_json_passage_questions_and_truncated_are_kept():
    data = dict(TINY_JSON, sections=[{"kind": "papers", "title": "Press", "passages": [
        {"text": "The Times says one. It adds that the bank mig", "truncated": True,
         "questions": ["what do the papers say"]},
    ]}])
    [passage] = [p for p in parse_explainer_json(json.dumps(data), "r.json").passages if p.kind == "papers"]
    assert (passage.section, passage.questions, passage.truncated) == ("Press", ("what do the papers say",), True)
    assert passage.display_text == "The Times says one."


# ---------------------------------------------------------------- 4. FAQ JSONL and labelled questions

def test_faq_jsonl_keeps_its_ids(write):
    path = write("help_desk.jsonl", "\n".join([
        json.dumps({"id": "faq-001", "title": "How do I reset my password?", "text": "Use the reset link."}),
        "",
        json.dumps({"id": "faq-002", "title": "Who runs the site?", "text": "Ruritania News Ltd."}),
    ]))
    faq = load_faq(path)
    assert faq.kind == "faq" and faq.id == "help_desk"
    assert [(p.id, p.kind, p.line) for p in faq.passages] == [("faq-001", "faq", 1), ("faq-002", "faq", 3)]
    # The title is the question the entry answers.
    assert faq.passages[0].questions == ("How do I reset my password?",)
    assert faq.passages[0].heading == "How do I reset my password?"
    assert faq.passages[0].text == "Use the reset link."


def test_faq_ids_are_kept_as_written(write):
    # "faq  12" became "faq 12", so a label copying the id from the file was refused as unknown.
    path = write("help.jsonl", _j({"id": "faq  12", "title": "How do I renew?", "text": "Fill in form P1."},
                                  {"id": " faq-13 ", "title": "How long?", "text": "Three weeks."}))
    assert [p.id for p in load_faq(path).passages] == ["faq  12", "faq-13"]
    corpus = load_corpus(path, default_glossary=False)
    labels = write("eval.jsonl", _j({"id": "q1", "question": "how do i renew", "relevant": ["faq  12"]}))
    assert check_questions(load_questions(labels), corpus) is None


def test_load_questions(write):
    path = write("eval.jsonl", "\n".join([
        json.dumps({"id": "q1", "question": "why did rates rise", "relevant": ["r:summary:1", "r:analysis:1"]}),
        json.dumps({"id": "q2", "question": "and then?", "relevant": ["r:papers:1"], "context": ["why did rates rise"]}),
        json.dumps({"id": "q3", "question": "who won the cup", "relevant": []}),
        json.dumps({"question": "what about the weather"}),
    ]))
    q1, q2, q3, q4 = load_questions(path)
    assert (q1.id, q1.relevant, q1.context, q1.answerable) == ("q1", ("r:summary:1", "r:analysis:1"), (), True)
    assert (q2.context, q2.line) == (("why did rates rise",), 2)
    # An empty (or absent) relevant list: the corpus cannot answer it.
    assert not q3.answerable and not q4.answerable
    # Without an id, the file and line make one.
    assert q4.id == "eval:4"


def test_notes_beside_the_fields_are_ignored(write):
    # A key starting with '_' is an editor's note, in labelled questions and in the JSON form alike.
    [question] = load_questions(write("eval.jsonl", json.dumps(
        {"id": "q1", "question": "why did rates rise", "relevant": ["r:summary:1"], "_note": "from the inbox"})))
    assert question.relevant == ("r:summary:1",)
    explainer = parse_explainer_json(json.dumps({"_todo": "add a date", "sections": [
        {"kind": "summary", "_source": "wire", "passages": [{"text": "Rates rose.", "_checked": True}]}]}), "x.json", "x")
    assert [p.text for p in explainer.passages] == ["Rates rose."]


def test_check_questions_accepts_known_ids(write):
    corpus = load_corpus(write("explainers/r.txt", TINY_PAGE).parent, default_glossary=False)
    questions = load_questions(write("eval.jsonl", json.dumps({"question": "why", "relevant": TINY_IDS[:2]})))
    assert check_questions(questions, corpus) is None


# ---------------------------------------------------------------- 5. every CorpusError

def _j(*records) -> str:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n"


_SUMMARY = '  "sections": [{"kind": "summary", "passages": [{"text": "A."}]}]'

ERROR_CASES = [
    # --- text dumps
    pytest.param("page.txt", "", None, "the file is empty", id="txt-empty"),
    pytest.param("page.txt", "\n  \n", None, "the file is empty", id="txt-blank"),
    pytest.param("page.txt", b"What's happened\nGood.\nBad \xff byte.\n", 3, "not valid UTF-8 (byte 0xff)",
                 id="txt-not-utf8"),
    pytest.param("page.txt", "What's happened\nA\x00B.\n", 2, "NUL byte", id="txt-nul"),
    pytest.param("page.txt", "\nBreaking news!\nWhat's happened\nA.\n", 2, "text before the first section header",
                 id="txt-text-before-header"),
    pytest.param("page.txt", "Title: Rates\nSource: BBC\nWhat's happened\nA.\n", 2,
                 "text before the first section header", id="txt-unknown-preamble-key"),
    pytest.param("page.txt", "Title: Rates\nDate: 3 March 2024\nWhat's happened\nA.\n", 2,
                 "'3 March 2024' is not YYYY-MM-DD or YYYY-MM", id="txt-bad-date"),
    pytest.param("page.txt", "Title: Rates\nDate: 2025-13-45\nWhat's happened\nA.\n", 2,
                 "'2025-13-45' is not a day or month that exists", id="txt-impossible-date"),
    pytest.param("page.txt", "Title: Rates\nDate: 2024-02-30\nWhat's happened\nA.\n", 2,
                 "'2024-02-30' is not a day or month that exists", id="txt-february-30"),
    pytest.param("page.txt", "What's happened\nA.\nHow we got here\nB.\nHow we got here\nC.\n", 5,
                 "'How we got here' appears twice (first at line 3)", id="txt-section-twice"),
    pytest.param("page.txt", "What's happened\nA.\nWhat's behind the headline?\nWhy now\nB.\nWhy it matters\n- C.\n", 6,
                 "'Why it matters' is a second analysis section (the first is \"What's behind the headline?\" at "
                 "line 3)", id="txt-two-analysis-headers"),
    pytest.param("page.txt", "What's happened\nA.\nCommon questions\n-\nWhy?\nBlurb.\n-\nWhat next?\n", 8,
                 "common question has a title but no blurb", id="txt-common-without-blurb"),
    pytest.param("page.txt", "Just some notes.\n", 1, "text before the first section header",
                 id="txt-no-header"),
    # --- JSON explainers
    pytest.param("page.json", '{\n  "id": "r",\n  "sections": [\n    {"kind": }\n  ]\n}', 4, "invalid JSON",
                 id="json-invalid"),
    pytest.param("page.json", '[\n  "not an explainer"\n]', 1, "must be a JSON object", id="json-not-object"),
    pytest.param("page.json",
                 '{\n  "id": "r",\n  "sections": [\n    {"kind": "summary", "passages": [\n'
                 '      {"text": "A."},\n      {"heading": "No text here"}\n    ]}\n  ]\n}',
                 6, "sections[0].passages[1].text: is missing or empty", id="json-missing-text"),
    pytest.param("page.json", '{\n  "id": "r",\n  "title": 5,\n' + _SUMMARY + '\n}', 3,
                 "title: must be a string, not int", id="json-wrong-type"),
    pytest.param("page.json", '{\n  "id": "r",\n' + _SUMMARY + ',\n  "suggested_questions": "Why?"\n}', 4,
                 "suggested_questions: must be a list of strings", id="json-not-a-list"),
    pytest.param("page.json", '{\n  "id": "r",\n  "sections": [\n    {"kind": "entity", "passages": []}\n  ]\n}', 4,
                 "'entity' is not one of summary, analysis, papers, background", id="json-unknown-kind"),
    pytest.param("page.json", '{\n  "id": "no spaces please",\n' + _SUMMARY + '\n}', 2,
                 "'no spaces please' is not a usable id", id="json-bad-id"),
    pytest.param("page.json", '{\n  "id": "r",\n  "date": "July 2025",\n' + _SUMMARY + '\n}', 3,
                 "'July 2025' is not YYYY-MM-DD or YYYY-MM", id="json-bad-date"),
    pytest.param("page.json", '{\n  "id": "r",\n  "sections": []\n}', 3, "the explainer has no passages",
                 id="json-no-passages"),
    pytest.param("page.json", '{\n  "id": "r",\n  "date": "2024-02-30",\n' + _SUMMARY + '\n}', 3,
                 "'2024-02-30' is not a day or month that exists", id="json-impossible-date"),
    # A misspelt field was skipped without a word: the entities, or a passage's phrasings, were lost.
    pytest.param("page.json", '{\n  "id": "r",\n' + _SUMMARY + ',\n  "entites": [{"text": "Anna Kovac is."}]\n}', 4,
                 "entites: unknown key 'entites' (did you mean 'entities'?); an explainer takes 'id'",
                 id="json-misspelt-field"),
    pytest.param("page.json", '{\n  "sections": [{"kind": "summary", "passages": [\n'
                              '    {"text": "A.", "question": ["what happened"]}\n  ]}]\n}', 3,
                 "sections[0].passages[0].question: unknown key 'question' (did you mean 'questions'?); "
                 "a passage takes 'text', 'heading', 'questions', 'truncated'", id="json-misspelt-nested-field"),
    # --- FAQ JSONL
    pytest.param("faq.jsonl", _j({"id": "a", "title": "T?", "text": "X."}, '{"id": "b", "title": }'), 2,
                 "invalid JSON", id="faq-invalid-json"),
    pytest.param("faq.jsonl", _j({"id": "a", "title": "T?", "text": "X."}, '["b", "T?", "X."]'), 2,
                 "must be a JSON object, not list", id="faq-not-object"),
    pytest.param("faq.jsonl", _j({"title": "T?", "text": "X."}), 1, "'id' must be a non-empty string",
                 id="faq-missing-id"),
    pytest.param("faq.jsonl", _j({"id": "a", "title": "T?", "text": "X."}, {"id": "b", "text": "X."}), 2,
                 "'title' must be a non-empty string", id="faq-missing-title"),
    pytest.param("faq.jsonl", _j({"id": "a", "title": "T?", "text": "  "}), 1, "'text' must be a non-empty string",
                 id="faq-missing-text"),
    pytest.param("faq.jsonl", _j({"id": "a", "title": "T?", "text": "X."}, {"id": "b", "title": "U?", "text": "Y."},
                                 {"id": "a", "title": "V?", "text": "Z."}), 3,
                 "id 'a' already used on line 1", id="faq-duplicate-id"),
    pytest.param("faq.jsonl", "\n\n", None, "holds no FAQ entries", id="faq-empty"),
    # --- labelled questions
    pytest.param("q.questions", _j({"id": "q1", "question": "why?"}, {"id": "q2", "relevant": []}), 2,
                 "'question' must be a non-empty string", id="questions-missing-question"),
    pytest.param("q.questions", _j({"id": "q1", "question": "why?", "relevant": "r:summary:1"}), 1,
                 "'relevant' must be a list of strings", id="questions-relevant-not-list"),
    pytest.param("q.questions", _j({"id": "q1", "question": "why?"}, {"id": "q2", "question": "so?",
                                                                      "context": ["why?", 3]}), 2,
                 "'context' must be a list of strings", id="questions-context-not-strings"),
    pytest.param("q.questions", _j({"id": "q1", "question": "why?"}, {"id": "q1", "question": "so?"}), 2,
                 "question id 'q1' is used twice", id="questions-duplicate-id"),
    pytest.param("q.questions", b'{"id": "q1", "question": "caf\xe9?"}\n', 1, "not valid UTF-8",
                 id="questions-not-utf8"),
    # A misspelt 'relevant' made the question one the corpus cannot answer, without a word.
    pytest.param("q.questions", _j({"id": "q1", "question": "why?", "relevant": []},
                                   {"id": "q2", "question": "so?", "relevent": ["r:summary:1"]}), 2,
                 "unknown key 'relevent' (did you mean 'relevant'?); a labelled question takes 'id', 'question', "
                 "'relevant', 'context'", id="questions-misspelt-relevant"),
    pytest.param("q.questions", _j({"id": "q1", "question": "why?", "expected": ["r:summary:1"]}), 1,
                 "unknown key 'expected' (did you mean 'relevant'?)", id="questions-batch-column-name"),
    pytest.param("q.questions", _j({"id": True, "question": "why?"}), 1, "'id' must be a string",
                 id="questions-id-not-text"),
]


@pytest.mark.parametrize(("name", "content", "line", "message"), ERROR_CASES)
def test_corpus_errors_name_file_line_and_problem(write, name, content, line, message):
    path = write(name, content)
    loader = load_questions if name.endswith(".questions") else load_explainer
    with pytest.raises(CorpusError) as info:
        loader(path)
    error = info.value
    assert error.path == str(path)
    assert error.line == line
    assert message in error.message
    # The printed error leads with where: "<file>, line N: ..." (or "<file>: ..." for the whole file).
    where = f"{path}, line {line}: " if line else f"{path}: "
    assert str(error).startswith(where)


def test_json_explainer_without_sections_key_is_an_error_not_a_hang():
    # PARSER BUG: with no "sections" key at all, parse_explainer_json raises fail("sections", ...) and
    # JsonLocator.line_of("sections") loops forever (its re.sub cannot shorten a top-level key that is
    # absent).  corpus/README.md says a passage is required, so this must be a CorpusError.  Run in a
    # child process so the hang cannot stall the suite.
    code = textwrap.dedent("""
        from bot.corpus import CorpusError, parse_explainer_json
        try:
            parse_explainer_json('{\\n  "id": "r",\\n  "title": "No passages"\\n}', "page.json")
        except CorpusError as error:
            print(error.line, error.message)
    """)
    try:
        result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=15)
    except subprocess.TimeoutExpired:
        result = None  # failed below, outside the except, to keep the report short
    if result is None:
        pytest.fail('parse_explainer_json(\'{"id": "r", "title": "No passages"}\') hangs in JsonLocator.line_of')
    assert result.stdout.strip() == "1 sections: the explainer has no passages"


def test_check_questions_names_an_unknown_passage(write):
    corpus = load_corpus(write("explainers/r.txt", TINY_PAGE).parent, default_glossary=False)
    path = write("eval.jsonl", _j({"id": "q1", "question": "why?", "relevant": ["r:summary:1"]},
                                  {"id": "q2", "question": "so?", "relevant": ["r:summary:1", "r:papers:9"]}))
    with pytest.raises(CorpusError) as info:
        check_questions(load_questions(path), corpus)
    assert (info.value.path, info.value.line) == (str(path), 2)
    assert "unknown passage id(s) r:papers:9" in info.value.message
    # A near miss is named; an id like none of them says how ids read and where they are listed.
    assert "did you mean r:papers:1" in info.value.message
    path = write("other.jsonl", _j({"id": "q3", "question": "who?", "relevant": ["nothing-like-it"]}))
    with pytest.raises(CorpusError) as info:
        check_questions(load_questions(path), corpus)
    assert "ids read <explainer>:<kind>:<n> (explainers: r)" in info.value.message


def _missing(tmp: Path) -> Path:
    return tmp / "no-such-corpus"


def _empty_folder(tmp: Path) -> Path:
    (tmp / "corpus" / "explainers").mkdir(parents=True)
    (tmp / "corpus" / "explainers" / "notes.md").write_text("not an explainer", encoding="utf-8")
    return tmp / "corpus"


def _duplicate_ids(tmp: Path) -> Path:
    folder = tmp / "corpus" / "explainers"
    folder.mkdir(parents=True)
    (folder / "r.json").write_text(json.dumps(TINY_JSON), encoding="utf-8")  # id "r"
    (folder / "r.txt").write_text(TINY_PAGE, encoding="utf-8")  # id "r" from its file name
    return tmp / "corpus"


def _duplicate_faq_ids(tmp: Path) -> Path:
    folder = tmp / "corpus"
    folder.mkdir()
    (folder / "a.jsonl").write_text(_j({"id": "faq-1", "title": "T?", "text": "X."}), encoding="utf-8")
    (folder / "b.jsonl").write_text(_j({"id": "faq-2", "title": "T?", "text": "X."},
                                       {"id": "faq-1", "title": "U?", "text": "Y."}), encoding="utf-8")
    return folder


def _with(name: str, content: str):
    def build(tmp: Path) -> Path:
        folder = tmp / "corpus"
        (folder / "explainers").mkdir(parents=True)
        (folder / "explainers" / "r.txt").write_text(TINY_PAGE, encoding="utf-8")
        (folder / name).write_text(content, encoding="utf-8")
        return folder
    return build


@pytest.mark.parametrize(
    ("build", "file", "line", "message"),
    [
        pytest.param(_missing, "no-such-corpus", None, "no such file or folder", id="missing-path"),
        pytest.param(_empty_folder, "corpus", None, "no explainer files", id="empty-folder"),
        pytest.param(_duplicate_ids, "corpus/explainers/r.txt", None, "explainer id 'r' is also used by",
                     id="duplicate-explainer-ids"),
        pytest.param(_duplicate_faq_ids, "corpus/b.jsonl", 2, "passage id 'faq-1' is also used in",
                     id="duplicate-passage-ids"),
        pytest.param(_with("glossary.json", '{\n  "North Korea": ["DPRK",\n}'), "corpus/glossary.json", 3,
                     "invalid JSON", id="glossary-invalid-json"),
        pytest.param(_with("glossary.json", '{\n  "North Korea": ["DPRK"],\n  "troops": "soldiers"\n}'),
                     "corpus/glossary.json", 3, "'troops' must map to a list of strings", id="glossary-not-a-list"),
        pytest.param(_with("glossary.json", '["DPRK"]'), "corpus/glossary.json", 1, "must be an object",
                     id="glossary-not-object"),
        pytest.param(_with("phrasings.jsonl", _j({"passage_id": "r:summary:1", "question": "rate?"},
                                                 {"passage_id": "r:papers:7", "question": "press?"})),
                     "corpus/phrasings.jsonl", 2, "alternate phrasing for unknown passage 'r:papers:7'",
                     id="phrasing-unknown-passage"),
        pytest.param(_with("phrasings.jsonl", _j({"passage_id": "r:summary:1"})), "corpus/phrasings.jsonl", 1,
                     "needs a string 'passage_id' and a non-empty string 'question'", id="phrasing-no-question"),
    ],
)
def test_load_corpus_errors(tmp_path, build, file, line, message):
    root = build(tmp_path)
    with pytest.raises(CorpusError) as info:
        load_corpus(root, default_glossary=False)
    assert info.value.path == str(tmp_path / file)
    assert info.value.line == line
    assert message in info.value.message


def test_load_corpus_reads_glossary_and_phrasings(tmp_path):
    folder = _with("glossary.json", '{"_comment": "ignored", "Ruritania": ["RU"]}')(tmp_path)
    (folder / "phrasings.jsonl").write_text(_j({"passage_id": "r:summary:1", "question": "what is the new rate"}),
                                           encoding="utf-8")
    corpus = load_corpus(folder, default_glossary=False)
    assert corpus.glossary == {"Ruritania": ["RU"]}
    assert corpus.passage("r:summary:1").questions == ("what is the new rate",)
    assert [p.id for p in corpus.passages] == TINY_IDS


# ---------------------------------------------------------------- 6. the shipped corpus

@pytest.fixture(scope="module")
def shipped():
    return load_corpus(REPO / "corpus"), default_questions(REPO / "corpus")


def test_shipped_corpus_explainers_are_dated(shipped):
    corpus, _ = shipped
    assert len(corpus.explainers) >= 9
    undated = [e.id for e in corpus.explainers.values() if not e.date]
    assert undated == []
    assert "nk-russia" in corpus.explainers


def test_shipped_questions(shipped):
    corpus, questions = shipped
    assert len(questions) >= 200
    assert all(Path(q.source).parent == REPO / "corpus" / "eval" for q in questions)
    unanswerable = [q for q in questions if not q.answerable]
    assert len(unanswerable) / len(questions) >= 0.20
    assert len({q.id for q in questions}) == len(questions)
    # Every labelled id exists: a typo would silently count as a miss.
    check_questions(questions, corpus)
    # Follow-ups carry the earlier turns of the conversation.
    assert sum(bool(q.context) for q in questions) >= 10


def test_text_explainers_read_as_their_writers_meant(tmp_path):
    # A header with a colon was a paragraph of the section before; "-5%" lost its minus sign as a
    # bullet; "1. " stayed on a Go deeper question; CR-only line endings found no sections; a
    # paragraph ending in a CJK full stop was taken as cut off and hidden.
    content = ("Title: Rates\rDate: 2024-03-01\rWhat's happened\rRates rose.\r-5% is how much the index fell.\r"
               "How we got here:\rThe bank cut rates in 2020.\r利率上升了。\r"
               "Go deeper\r1. What will the rise mean for mortgages?\r2) Why did the bank act?\r")
    path = tmp_path / "rates.txt"
    path.write_text(content, encoding="utf-8")
    explainer = load_explainer(path)
    texts = {p.id: p.text for p in explainer.passages}
    assert texts["rates:summary:2"] == "-5% is how much the index fell."
    assert [p.section for p in explainer.passages if p.kind == "background"] == ["How we got here:"] * 2
    assert not explainer.passages[-1].truncated
    assert explainer.suggested_questions == ["What will the rise mean for mortgages?", "Why did the bank act?"]


def test_a_carriage_return_left_inside_a_line_is_a_space():
    # A file of CRLF lines with one lone CR in a paragraph kept the CR in the passage ("A.\rB."), which the API
    # sent to readers as it was.
    explainer = parse_explainer_text("Title: Rates\r\nWhat's happened\r\nRates rose.\rPrices too.\r\n", "rates")
    assert explainer.passages[0].text == "Rates rose. Prices too."


def test_json_flags_must_be_true_or_false(tmp_path):
    path = tmp_path / "rates.json"
    path.write_text(json.dumps({"title": "Rates", "sections": [{"kind": "summary", "passages": [
        {"text": "Rates rose", "truncated": "no"}]}]}))
    with pytest.raises(CorpusError) as info:
        load_explainer(path)
    assert "truncated: must be true or false, not 'no'" in str(info.value)


def test_editing_a_paragraph_keeps_the_other_passages_ids():
    # Shortening the paragraph under a subheading, or ending the subheading with "?", made the subheading a
    # passage of its own and renumbered every passage after it: labels then named the wrong passages.
    page = ("Title: Rates\nWhat's happened\nRates rose.\nWhat's behind the headline?\nShells, missiles and heavy guns\n"
            "{first}\nTroops on the front\nSoldiers arrived in October, and more came later in the year.\n")
    before = parse_explainer_text(page.format(first="Munitions came first, by rail and by sea, for months on end."), "x")
    for edit in (page.format(first="Munitions came first."),
                 page.replace("heavy guns\n", "heavy guns?\n").format(first="Munitions came first.")):
        after = parse_explainer_text(edit, "x")
        assert [(p.id, p.heading.rstrip("?")) for p in after.passages] == [(p.id, p.heading) for p in before.passages]


def test_a_question_id_used_in_two_files_is_refused(tmp_path):
    # Reports and comparisons match questions by id: the same id in two eval files mixed two questions.
    root = tmp_path / "corpus"
    from tiny_corpus import write_corpus

    write_corpus(root)
    (root / "eval" / "more.jsonl").write_text('{"id": "q1", "question": "who is anna kovac", "relevant": []}\n')
    corpus = load_corpus(root)
    with pytest.raises(CorpusError) as info:
        check_questions(default_questions(root), corpus)
    assert "question id 'q1' is already used in" in str(info.value) and "more.jsonl" in str(info.value)


@pytest.mark.parametrize("module", ["bot.explainer_text", "bot.explainer_json", "bot.explainer_build", "bot.corpus_model"])
def test_each_corpus_module_imports_on_its_own(module):
    # The parsers imported the model from bot.corpus, which imported the parsers: importing a parser first
    # failed with a circular import.  The model now lives apart (bot/corpus_model.py).
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_explainer_files_with_capital_extensions_are_read(tmp_path):
    # "Rates.TXT" and "help.JSONL", as some Windows tools save them, were skipped without a word.
    folder = tmp_path / "explainers"
    folder.mkdir()
    (folder / "Rates.TXT").write_text("What's happened\nThe bank raised rates.\n", encoding="utf-8")
    (folder / "help.JSONL").write_text(_j({"id": "h1", "title": "How do I ask?", "text": "Type a question."}),
                                       encoding="utf-8")
    (folder / "notes.md").write_text("not an explainer", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert sorted(corpus.explainers) == ["Rates", "help"]
    assert corpus.explainers["help"].passages[0].id == "h1"


def test_explainers_filed_in_subfolders_are_read_and_their_ids_stay_unique(tmp_path):
    # A newsroom files explainers by year or desk (explainers/2025/rates.txt): they were skipped without a word.
    folder = tmp_path / "explainers"
    (folder / "2025" / "economy").mkdir(parents=True)
    (folder / ".drafts").mkdir()
    (folder / "top.txt").write_text("What's happened\nAt the top.\n", encoding="utf-8")
    (folder / "2025" / "economy" / "rates.txt").write_text("What's happened\nThe bank raised rates.\n", encoding="utf-8")
    (folder / ".drafts" / "draft.txt").write_text("What's happened\nNot yet published.\n", encoding="utf-8")
    (tmp_path / "eval").mkdir()
    (tmp_path / "eval" / "questions.jsonl").write_text("", encoding="utf-8")
    (folder / "2025" / "loop").symlink_to(folder, target_is_directory=True)  # a link back up is not followed
    corpus = load_corpus(tmp_path)
    assert sorted(corpus.explainers) == ["rates", "top"]
    assert corpus.explainers["rates"].passages[0].text == "The bank raised rates."
    # The id is the file name, so the same name in two folders is refused, naming both files.
    (folder / "2024").mkdir()
    (folder / "2024" / "rates.txt").write_text("What's happened\nLast year's rise.\n", encoding="utf-8")
    with pytest.raises(CorpusError) as raised:
        load_corpus(tmp_path)
    assert "explainer id 'rates' is also used by" in str(raised.value)
    assert "2024" in str(raised.value) and "2025" in str(raised.value)


def test_a_folder_without_explainers_is_read_without_its_subfolders(tmp_path):
    # eval/*.jsonl beside the explainer files are labelled questions, not FAQ files.
    (tmp_path / "rates.txt").write_text("What's happened\nThe bank raised rates.\n", encoding="utf-8")
    (tmp_path / "eval").mkdir()
    (tmp_path / "eval" / "faq.jsonl").write_text(_j({"id": "x1", "title": "A question?", "text": "An answer."}),
                                                 encoding="utf-8")
    assert sorted(load_corpus(tmp_path).explainers) == ["rates"]


def test_a_corpus_path_that_is_neither_file_nor_folder_is_named(tmp_path, monkeypatch):
    # Defect: `python train.py --corpus /dev/null` (or a named pipe) ended in a NotADirectoryError traceback.
    import os

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(CorpusError, match="not a file or a folder"):
        load_corpus(pipe)
    # A folder that cannot be listed is named, with the system's reason.
    (tmp_path / "explainers").mkdir()

    def refuse(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "iterdir", refuse)
    with pytest.raises(CorpusError, match="explainers: cannot read the folder: Permission denied"):
        load_corpus(tmp_path)
