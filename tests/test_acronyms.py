"""A reader's acronym read as the phrase an explainer spells out (`bot.acronyms`)."""

from __future__ import annotations

from bot import bundle
from bot.acronyms import find_acronyms
from bot.confidence import ConfidenceModel
from bot.corpus import load_corpus
from bot.sentences import outlets_in


def test_a_title_spells_any_run_of_its_words_and_a_text_only_a_capitalised_name():
    found = find_acronyms(["What is a public health emergency of international concern?"],
                          ["Regulators shut Silicon Valley Bank in March. The Food & Drug Administration agreed.",
                           "the defense intelligence agency said"])  # lower case in a text: no name
    assert found["pheic"] == "public health emergency of international concern"  # "what", "is", "a" end a run
    assert found["svb"] == "silicon valley bank"
    assert found["fda"] == "food & drug administration"
    assert "dia" not in found and "wia" not in found
    assert "svbm" not in found  # "in" links words of a title, not of a name in a text
    assert "bmf" not in found  # nor does a name run across a full stop ("... in March. The Food ...")
    cited = find_acronyms([], ["as the Financial Times and Carbon Brief reported"])
    assert cited["ftcb"] == "financial times and carbon brief" and "ftc" not in cited  # a run takes in the whole name


def test_where_two_phrases_spell_one_acronym_the_one_written_most_often_wins():
    found = find_acronyms([], ["the Central Bank Authority", "the Central Banking Act", "the Central Bank Authority"])
    assert found["cba"] == "central bank authority"
    assert find_acronyms(["Why it matters"], []) == {}  # too few letters


def test_a_paper_cited_is_read_down_to_two_initials_of_its_whole_name():
    # "What did the Guardian and FT say about the result?" was answered with another story's Guardian line: the
    # election's papers line cites "the Financial Times", and two letters were too few to read.
    found = find_acronyms([], [], ["Financial Times", "The New York Times", "South China Morning Post"])
    assert found == {"ft": "financial times", "nyt": "new york times", "scmp": "south china morning post"}
    assert "yt" not in found and "mp" not in found  # only the whole name's initials ("MP" is no Morning Post)
    assert find_acronyms([], ["the Financial Times said"]) == {}  # text alone: three letters at least


def test_a_news_agency_is_a_paper_cited_too():
    # "What did Reuters and AP report about the river?" was declined: "Associated Press" was read as no paper's name,
    # and "AP" as nothing.
    names = [name for name, _ in outlets_in("Reuters and the Associated Press followed the daily water tests.")[0]]
    assert names == ["Associated Press"]
    assert find_acronyms([], [], names) == {"ap": "associated press"}


FISHERIES = """Title: Freedonia joins the Northern Fisheries Protection Organisation
Date: 2024-04-01
What's happened
As of April 2024, Freedonia has joined the Northern Fisheries Protection Organisation, which sets catch limits for cod in the northern seas.
What's behind the headline?
Why it joined
Its trawlers had been fined for fishing without a licence, and the membership lets them land cod in neighbouring ports.
Catches are reported to the Fisheries Oversight Group and checked by the Catch Oversight Desk.
How we got here
The International Monetary Fund lent Freedonia the money for new trawlers in 2019.
"""


def test_an_acronym_the_explainer_never_writes_is_read_as_its_name(tmp_path):
    # "What does PHEIC mean?" had no passage in its first ten: the covid explainer writes "a public health
    # emergency of international concern" and never the initials readers type.
    (tmp_path / "fisheries.txt").write_text(FISHERIES, encoding="utf-8")
    answerer = bundle.build(load_corpus(tmp_path), model=ConfidenceModel.default())
    answer = answerer.answer("When did Freedonia join the NFPO?")
    assert answer.read_as == {"nfpo": "northern fisheries protection organisation"}
    assert not answer.abstained and answer.passage_id == "fisheries:summary:1"
    assert answerer.spelled("what does the nfpo do") == "what does the northern fisheries protection organisation do"
    # A word of the corpus ("cod"), an English word ("fog"), one the glossary knows ("IMF", whose glossary name
    # may be what the passages write), or one no phrase spells is read as it is.
    assert {"cod", "fog", "imf"} <= set(answerer._acronyms_spelt())
    assert answerer.readings("what is the cod limit") == ("what is the cod limit", {})
    assert answerer.readings("what did the imf lend") == ("what did the imf lend", {})
    assert answerer.readings("who funds the fog") == ("who funds the fog", {})
    assert answerer.readings("what is the xqzt") == ("what is the xqzt", {})


PAPERS = """Title: Freedonia votes
Date: 2024-07-05
What's happened
As of July 2024, the Freedonia Party has won the general election with 300 of the 500 seats.
What the papers say
The Financial Times said the result was the party's best since 1997.
The Daily Ledger said turnout was the lowest on record.
"""


def test_a_papers_initials_reach_its_line(tmp_path):
    (tmp_path / "votes.txt").write_text(PAPERS, encoding="utf-8")
    answerer = bundle.build(load_corpus(tmp_path), model=ConfidenceModel.default())
    answer = answerer.answer("what did the ft say about the result?")
    assert answer.read_as == {"ft": "financial times"} and answer.passage_id == "votes:papers:1"


def test_a_large_corpus_reads_acronyms_from_its_explainers_titles_only(tmp_path):
    # Read at the first question that needs them, every passage of a large archive would hold that question up.
    (tmp_path / "fisheries.txt").write_text(FISHERIES, encoding="utf-8")
    answerer = bundle.build(load_corpus(tmp_path), model=ConfidenceModel.default())
    answerer.ACRONYMS_FROM_PASSAGES_UP_TO = 1
    found = answerer._acronyms_spelt()
    assert found["nfpo"] == "northern fisheries protection organisation"  # from the title
    assert "fog" not in found and "imf" not in found  # from passages' text
