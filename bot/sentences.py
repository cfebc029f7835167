"""Sentences of a passage: the one that answers a question, and the figures a sentence gives for what
a "how many" question counts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from . import text as textlib

if TYPE_CHECKING:
    from .corpus_model import Passage
    from .index import Index

_NUMBER = re.compile(r"\b(?!(?:1[89]|20)\d\d\b)\d[\d,.]*\b(?:\s*(?:%|per ?cent|million|billion|thousand|trillion))?", re.I)
DATE = re.compile(r"\b(1[89]\d\d|20\d\d)\b|\b(" + "|".join(textlib.MONTHS) + r")\b", re.I)
_TEASER = re.compile(r"^(below|here are|here's what|curious|keep reading|stay updated|read on|this page|find out|learn more)\b|\bwe (explore|answer|look at)\b", re.I)
_SOURCE = re.compile(r"^((?:The\s+)?[A-Z][\w.&-]*(?:\s+(?:of\s+|and\s+)?[A-Z][\w.&-]*)*)")
# A news outlet's name as a papers section writes it: capitalised words ending in a masthead's word ("The Japan
# Times", "South China Morning Post", "Business Insider UK", "Sky News").
_OUTLET = re.compile(r"\b(?:[A-Z][\w'.&-]*\s+){0,3}(Times|Post|Press|Herald|Journal|News|Tribune|Guardian|Telegraph|Independent"
                     r"|Mail|Express|Chronicle|Gazette|Observer|Monitor|Insider|Standard|Economist)(?:\s+(?:UK|US))?\b")
# Words that put a figure after what it counts: "the number of soldiers ... at about 15,000".
_FIGURE_LINKS = frozenset({"at", "to", "reached", "totalled", "totaled", "numbered", "numbering", "was", "were", "is", "are"})
_APPROXIMATELY = frozenset({"about", "around", "some", "nearly", "almost", "roughly", "approximately", "over",
                            "more", "than", "up", "least", "estimated", "an"})


@lru_cache(maxsize=16_384)
def has_date(text: str) -> bool:
    """Whether a text names a year or a month, but for a dateline that opens it ("As of October 2024, ..."
    says when it was written, not when what it tells happened): a sentence that can answer "when".  Kept per
    text, since every answerer of an index asks it of the same passages (training builds thousands); for the
    passages questions reach, not a whole archive, so that a server reloading its index pins few old texts."""
    return bool(DATE.search(_DATELINE.sub("", text, count=1)))


# An explainer's lead opens "As of <month year>, ...": the time of writing.
_DATELINE = re.compile(r"^\W*as of [^,.;]{1,40},", re.I)


# A month with or without its year, or a year alone (a month in capitals: "may" is no month).
_DATED = re.compile(r"\b(?:(" + "|".join(textlib.MONTHS) + r")(?:\s+(1[89]\d\d|20\d\d))?|(1[89]\d\d|20\d\d))\b")


@lru_cache(maxsize=16_384)
def dated_after(text: str, since: str) -> bool:
    """Whether a text names a year after `since` (an explainer's date, "2023-12-15"), or a later month of its
    year ("December 2023", or "December" alone, which news writes for this year's, after "2023-11"): a passage
    that can answer "when will ...?" asked on that date.  A `since` that is no date leaves any date to count
    (`has_date`)."""
    match = re.match(r"(\d{4})(?:-(\d{2}))?", since or "")
    if not match:
        return has_date(text)
    year, month = int(match.group(1)), int(match.group(2) or 12)
    for found in _DATED.finditer(text):
        named = int(found.group(2) or found.group(3) or year)
        later_month = found.group(1) is not None and textlib.MONTHS.index(found.group(1)) + 1 > month
        if named > year or (named == year and later_month):
            return True
    return False


# What a passage says of what is to come: "will", "next year", "is expected to", "plans to", "is due to".
_AHEAD_WORDS = re.compile(r"\b(will|next|expected to|due to|plans? to|upcoming|from now|in the coming|is set to|are set to"
                          r"|scheduled|later this year|next year)\b", re.I)


@lru_cache(maxsize=16_384)
def looks_ahead(text: str) -> bool:
    """Whether a text looks ahead: it says twice or more what is to come (one "will" is as often what someone
    said they would do).  Of a page's passages, those that answer "what happens next?"."""
    return len(_AHEAD_WORDS.findall(text)) >= 2


def speaks_ahead(sentence: str) -> bool:
    """Whether a sentence says something of what is to come ("Hera will map the crater ...")."""
    return bool(_AHEAD_WORDS.search(sentence))


@lru_cache(maxsize=16_384)
def counted_after_figures(text: str) -> frozenset[str]:
    """The stems of the few words after each figure of a text (not a year): what it gives numbers of
    ("12 million artillery shells" -> million, artilleri, shell)."""
    tokens = textlib.words(text)
    return frozenset(textlib.stem(following) for position, token in enumerate(tokens)
                     if token[0].isdigit() and not DATE.fullmatch(token)
                     for following in tokens[position + 1:position + 5])


def best_sentence(index: Index, analysed: Sequence[tuple[str, frozenset[str]]], query: str, cues: set[str],
                  own: str | None = None, about: str = "", counted: frozenset[str] = frozenset(),
                  since: str = "") -> str | None:
    """Of a passage's `analysed` sentences (each with its analysed terms), the one that best answers `query`
    (None for a passage of no sentence): most of the question's rare words,
    a figure for what a "how many" counts (`counted`) above any other, a date for "when"; never a teaser's "Below, we explore...".

    For a follow-up, `own` is what the reader typed ("and the tories?"): its words count double those
    borrowed from the earlier turn, so the sentence is about the Tories' seats, not Labour's.

    `about` names what every sentence is about (a who-is blurb's subject, there as "its" or "he" after the
    first sentence): the question's words beyond it choose the sentence, so "who is the leader of Reform
    UK?" is answered "Nigel Farage became its leader", not by the sentence that names the party.

    `since` is the explainer's date: a question asking ahead ("when will ...?", the "ahead" cue) is answered by a
    sentence with a date after it when the passage has one (`dated_after`)."""
    if not analysed:
        return None
    sentences = [sentence for sentence, _ in analysed]
    terms = set(index.analyze_words(query)) - textlib.STOP_STEMS
    beyond = terms - set(index.analyze_words(about)) if about else terms
    terms = beyond or terms
    vocabulary, idf = index.vocabulary_["word"], index.idf_["word"]
    weight = {t: float(idf[vocabulary[t]]) if t in vocabulary else 1.0 for t in terms}
    for term in (set(index.analyze_words(own)) & terms) if own else ():
        weight[term] *= 2.0
    # "How much is in the fund?" is answered by a sentence with a figure, and "when?" by one with a date, when
    # the passage has one: not by one that only repeats the question's words.
    figure = "number" in cues and any(_NUMBER.search(sentence) for sentence in sentences)
    is_dated = ((lambda sentence: dated_after(sentence, since)) if "ahead" in cues and since
                else has_date)
    dated = "date" in cues and any(map(is_dated, sentences))
    best, best_score = 0, float("-inf")
    for position, (sentence, stems) in enumerate(analysed):
        if sentence.endswith("?") or _TEASER.search(sentence):
            continue
        score = sum(weight[t] for t in terms & stems)
        if figure:
            # A figure for what is counted ("7 million deaths" for "how many died") above any figure.
            score += (6.0 if counted and figures_in(sentence, counted) else 2.0) if _NUMBER.search(sentence) else -100.0
        if dated:
            score += 2.0 if is_dated(sentence) else -100.0
        score -= 0.01 * position  # earlier sentences carry the news
        if score > best_score:
            best, best_score = position, score
    chosen = sentences[best]
    if best > 0 and re.match(r"^(This|That|It|They|These|Those|He|She|Its|Their)\b", chosen):
        chosen = f"{sentences[best - 1]} {chosen}"
    return chosen


def figures_in(sentence: str, subject: frozenset[str]) -> list[str]:
    """The figures of `sentence` given for what is counted: a number a few words before one of the
    subject's words ("10,000 soldiers"), not any number near it ("6,000 personnel", "1,000 deminers")."""
    tokens = textlib.words(sentence)
    stems = [textlib.stem(word) for word in tokens]
    attached = set()
    for position, token in enumerate(tokens):
        if not token[0].isdigit() or DATE.fullmatch(token):
            continue
        if subject & set(stems[position + 1:position + 5]):  # "10,000 soldiers"
            attached.add(token)
            continue
        before = position - 1
        while before >= 0 and tokens[before] in _APPROXIMATELY:
            before -= 1
        # "put the number of soldiers sent to Kursk at about 15,000"
        if before >= 0 and tokens[before] in _FIGURE_LINKS and subject & set(stems[max(0, before - 8):before]):
            attached.add(token)
    figures = (match.group().strip() for match in _NUMBER.finditer(sentence))
    return [figure for figure in figures
            if not DATE.fullmatch(figure) and re.sub(r"[^\d.]", "", figure.split()[0]).strip(".") in attached]


def outlets_in(text: str) -> tuple[list[tuple[str, str]], str]:
    """The outlets a text names (`_OUTLET`), each as (its name, its masthead's word: "South China Morning Post",
    "Post"), and the text without them: the places in their names ("Japan", "China") say who wrote, not what about."""
    return [(match.group(0), match.group(1)) for match in _OUTLET.finditer(text)], _OUTLET.sub(" ", text)


def source_of(passage: Passage, sentence: str) -> str:
    """Who gives a figure: the paper a "What the papers say" sentence names first, else the section."""
    if passage.kind == "papers":
        match = _SOURCE.match(sentence)
        if match:
            return re.sub(r"'s$", "", match.group(1).strip())
    return passage.section
