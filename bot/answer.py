"""From a reader's question to an `Answer`: the passage, the sentence, a confidence it has earned,
follow-ups, and "I don't know" when the explainer does not say.

The answerer reads no files and knows no HTTP: it gets a built `Index`, the explainers it was
built from, and a `ConfidenceModel`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from typing import Any

import numpy as np

from . import acronyms, figures
from . import text as textlib
from .confidence import FEATURES, ConfidenceModel
from .corpus_model import Explainer, Passage, faq_only
from .index import Index
from .questions import (
    ASKING_STEMS,
    AUXILIARIES,
    CUE_KINDS,
    NOW_WORDS,
    asked_name,
    asks_for_more,
    asks_how_many,
    asks_of_the_page,
    asks_of_the_reader,
    asks_only,
    asks_what_next,
    asks_what_was_said,
    asks_who_now,
    held_formerly,
    is_follow_up,
    name_forms,
    name_key,
    names_a_person,
    names_nothing,
    number_subject,
    one_word_synonyms,
    question_cues,
    refers_back,
    role_of_other,
    small_talk,
    speaker_named,
    successor_asked,
    wh_word,
)
from .sentences import (
    best_sentence,
    counted_after_figures,
    dated_after,
    has_date,
    looks_ahead,
    outlets_in,
    source_of,
    speaks_ahead,
)
from .spelling import english_words, respell

_PUNCTUATION = "?!.,;:\"'()[]"
_NOW_STEMS = frozenset(map(textlib.stem, NOW_WORDS))
_SAYING_STEMS = frozenset(map(textlib.stem, textlib.SAYING))
_AUXILIARY_STEMS = frozenset(map(textlib.stem, AUXILIARIES))
# Words a question asks of any event with: when or where it was "held", "took place", "ended".
_ASKED_OF_ANY_EVENT = ASKING_STEMS | _AUXILIARY_STEMS | frozenset(map(textlib.stem, textlib.words(
    "held hold take took place occur end ended finish over")))
# What names a successor: "was succeeded by", "his successor", "replaced him".
_SUCCESSION = re.compile(r"\b(succeed(?:s|ed)?|successor|replac(?:e|ed|es|ing))\b", re.I)
# Words that ask for a story as a whole: "uk election results 2024".
_ASKED_OF_THE_STORY = ASKING_STEMS | _AUXILIARY_STEMS | frozenset(map(textlib.stem, textlib.words("result results outcome")))
# Words that give someone's words, as said, written or promised ("NASA's announcement", "Kim Jong Un promised").
_GIVING_WORDS = frozenset(map(textlib.stem, textlib.words(
    "say says said announce announced remarks statement warned promised pledged told argued claimed described "
    "reported insisted vowed according commented stated")))
NO_WORDS = "the question has no words to look up"
NO_SUBJECT = "the question names no subject, and there is no earlier question or explainer it could be about"
# A turn that asks nothing of the explainers (`questions.small_talk`): why no passage answers it.
SMALL_TALK = {
    "thanks": "a thank-you, not a question: no passage answers it",
    "greeting": "a greeting, not a question: no passage answers it",
    "goodbye": "a goodbye, not a question: no passage answers it",
    "acknowledgement": "an acknowledgement (\"ok\", \"yes\", \"wow\"), not a question: no passage answers it",
    "help": "a question about the bot itself, which the bot answers, not the explainers",
}


# Cues that ask for a section of a story by name ("what did the papers say?", "what's the background?", "what's
# the latest?"); "why?" asks for a reason, which other sections give too.
SECTION_CUES = frozenset({"papers", "background", "summary"})


@dataclass
class Reading:
    """How the answerer reads a question: the text it retrieves with, the earlier turn it borrowed, the answer
    types asked for, the passages that may answer (None: every one), and the passage just given, which "tell me
    more" must not get again."""
    query: str
    previous: str | None
    cues: set[str]
    among: list[str] | None = None
    subjectless: bool = False  # names no subject: "tell me more", "what did the papers say?"
    shown: str | None = None
    # Asked on an explainer's page of the page itself: "tell me more", or a section any passage of which
    # answers ("what did the papers say?"): answered from there, whatever the confidence.
    of_the_page: bool = False
    # Asked on an explainer's page with no earlier turn, short or with a pronoun ("who won?", "how much did it
    # cost?"): about the page's story, read with its title, and never answered from another story.
    on_the_page: bool = False


@dataclass
class Hit:
    passage_id: str
    score: float
    text: str = ""
    section: str = ""
    explainer_id: str = ""
    explainer_title: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"passage_id": self.passage_id, "score": round(self.score, 4), "text": self.text,
                "section": self.section, "explainer_id": self.explainer_id, "explainer_title": self.explainer_title}


@dataclass
class Answer:
    question: str
    abstained: bool
    confidence: float
    threshold: float
    passage_id: str | None = None
    passage_text: str = ""
    answer_sentence: str = ""
    heading: str = ""
    section: str = ""
    explainer_id: str | None = None
    explainer_title: str = ""
    explainer_url: str = ""  # the explainer on the publisher's site, when the corpus gives it
    explainer_date: str = ""  # when the explainer was last updated (YYYY-MM-DD or YYYY-MM), when known
    truncated: bool = False
    alternatives: list[Hit] = field(default_factory=list)
    did_you_mean: list[Hit] = field(default_factory=list)
    followups: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    disagreement: list[dict[str, Any]] = field(default_factory=list)
    fallback: bool = False
    context_used: str | None = None
    read_as: dict[str, str] = field(default_factory=dict)  # misspelt words read as corpus words, acronyms as names
    reason: str = ""
    features: dict[str, float] = field(default_factory=dict)
    ranking: list[str] = field(default_factory=list)
    scoped: bool = field(default=False, repr=False)  # asked on one explainer's page (or its widget)
    small_talk: str = ""  # "thanks", "greeting", "goodbye", "acknowledgement" or "help": asks nothing of the explainers

    @property
    def text(self) -> str:
        if self.small_talk:
            return self._reply()
        if self.abstained and self.reason == NO_SUBJECT:
            return ("Which story do you mean? Ask about one of the explainers"
                    + (", or try a question below." if self.suggestions else "."))
        if self.abstained:
            return ("I don't know: this explainer does not answer that." if self.scoped
                    else "I don't know: the explainers do not answer that.")
        return self.answer_sentence or self.passage_text

    def _reply(self) -> str:
        """What the bot says to small talk: the reader is owed a reply in kind, and a way on."""
        story = "this story" if self.scoped else "the news"
        source = "this explainer" if self.scoped else "the explainers on this site"
        more = " Try one of the questions below." if self.suggestions else ""
        return {
            "thanks": "You're welcome." + (" Ask another question, or try one below." if self.suggestions else ""),
            "greeting": f"Hello! Ask me a question about {story}, and I'll answer from {source}.{more}",
            "goodbye": "Goodbye, and thanks for reading.",
            "acknowledgement": f"Ask me another question about {story}" + (", or try one below." if self.suggestions else "."),
            "help": (f"I answer questions about {story} from {source}, showing the passage each answer comes from, "
                     f"and I say so when {'it does' if self.scoped else 'they do'} not answer something.{more}"),
        }[self.small_talk]

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question, "abstained": self.abstained, "text": self.text,
            "confidence": round(self.confidence, 4), "threshold": round(self.threshold, 4),
            "passage_id": self.passage_id, "passage_text": self.passage_text, "answer_sentence": self.answer_sentence,
            "heading": self.heading, "section": self.section, "explainer_id": self.explainer_id,
            "explainer_title": self.explainer_title, "explainer_url": self.explainer_url,
            "explainer_date": self.explainer_date, "truncated": self.truncated,
            "alternatives": [h.passage_id for h in self.alternatives],
            "alternative_hits": [h.to_json() for h in self.alternatives],
            "did_you_mean": [h.to_json() for h in self.did_you_mean],
            "followups": self.followups, "suggestions": self.suggestions, "disagreement": self.disagreement,
            "fallback": self.fallback, "context_used": self.context_used, "read_as": self.read_as, "reason": self.reason,
            "needs_subject": self.abstained and self.reason == NO_SUBJECT, "small_talk": self.small_talk or None,
            "features": {k: round(v, 4) for k, v in self.features.items()}, "ranking": self.ranking,
        }


class Answerer:
    """Answers questions over one built index and the explainers it was built from."""

    def __init__(self, index: Index, explainers: Sequence[Explainer], model: ConfidenceModel | None = None,
                 cue_weight: float = 0.06, teaser_penalty: float = 0.05, entity_penalty: float = 0.05,
                 papers_penalty: float = 0.0, explainer_weight: float = 0.0, candidates: int = 30,
                 spelling: bool = True) -> None:
        self.index = index
        self.explainers = {e.id: e for e in explainers}
        self.passages = {p.id: p for e in explainers for p in e.passages}
        self.model = model or ConfidenceModel.default(faq=faq_only(explainers))
        self.cue_weight = cue_weight
        self.teaser_penalty = teaser_penalty
        self.entity_penalty = entity_penalty
        self.papers_penalty = papers_penalty
        self.explainer_weight = explainer_weight
        self.candidates = candidates
        self.spelling = spelling
        self._scopes = {e.id: [p.id for p in e.passages] for e in explainers}
        self._pools: dict[str, list[tuple[str, str]]] = {}
        self._sentence_cache: dict[str, list[tuple[str, frozenset[str]]]] = {}
        self._coverage_cache: dict[tuple[str, str], tuple[float, float, frozenset[str]]] = {}
        self._words_of: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        self._outlets: dict[str, tuple[frozenset[str], list[tuple[frozenset[str], str]]]] = {}  # `_outlet_words`
        self._heading_words: dict[str, tuple[str, frozenset[str]]] = {}  # `_heading_asks`
        self._dated: dict[tuple[str, bool], tuple[bool, frozenset[str]]] = {}  # `_dates_what_is_asked`
        self._ahead_terms: dict[str, frozenset[str]] = {}  # `_tells_what_is_to_come`
        self._speakers: dict[str, tuple[tuple[frozenset[str], tuple[str, ...], frozenset[str]], ...]] = {}  # `_speaking`
        self._cited: dict[str, frozenset[str]] = {}  # `_cited_in`
        self._gives: dict[tuple[str, frozenset[str]], bool] = {}  # `_gives_words_of`
        self._acronyms: dict[str, str] | None = None  # `_acronyms_spelt`
        self._read_cache: dict[str, tuple[str, dict[str, str]]] = {}  # `readings`
        self._synonyms = one_word_synonyms(index.glossary or {})
        self._name_forms = name_forms(index.glossary or {})
        # Each entity's name and aliases (`name_key`) -> its blurbs; with the glossary's other names for it, which
        # the blurb need not use ("what is the DPRK?" and a blurb of "North Korea, officially the Democratic
        # People's Republic of Korea").
        groups: dict[str, tuple[str, ...]] = {}
        for canonical, aliases in (index.glossary or {}).items():
            group = tuple(dict.fromkeys(name_key(name) for name in (canonical, *aliases)))
            for key in group:
                groups[key] = groups.get(key, ()) + group
        self._named: dict[str, set[str]] = {}
        for entity in (entity for e in self.explainers.values() for entity in e.entities):
            for key in dict.fromkeys(name_key(name) for name in (entity.name, *entity.aliases)):
                for other in (key, *groups.get(key, ())):
                    self._named.setdefault(other, set()).add(entity.passage_id)
        self._name_words = [frozenset(name.split()) for name in self._named]  # `cues_of`
        self._title_terms: dict[str, frozenset[str]] = {}  # each explainer title's terms, glossary names with them
        # Each story's lead, and its title's own words (as stems, no glossary names: "pandemic" is one for COVID-19,
        # yet "when did covid become a pandemic?" asks of another event than "COVID-19 is no longer an emergency").
        self._leads = {e.id: next((p.id for p in e.passages if p.kind == "summary"), None) for e in self.explainers.values()}
        self._title_stems = {e.id: frozenset(map(textlib.stem, textlib.content_words(e.title))) for e in self.explainers.values()}
        self._stories = sum(e.kind != "faq" for e in self.explainers.values())  # (a FAQ's "what's the latest?" is its own question)
        # A corpus of one explainer is that explainer's page wherever it is asked: "what did the papers say?" is
        # about its story, as on its page.
        self._only_story = (next(iter(self.explainers)) if len(self.explainers) == 1 and self._stories == 1 else None)

    # "Who is the prime minister?" is not answered by the blurb of one who "was prime minister from 2022 to
    # 2024", nor "who is the president of France?" by one who "is the president of Russia": a who-is blurb
    # that names what is asked only as held formerly, or leaves out a word of it, falls below one that holds
    # it all now. (As large as the score a short blurb gains over a long one on the same words; the labelled
    # questions have too few such questions to tune it on.)
    OTHER_HOLDER_PENALTY = 0.2
    # "When was the UK election?": the story's lead says when its own event was, in a long passage that scores
    # below a short one dating something else (twice a cue: it is the time asked, of the event asked).
    LEAD_BONUS = 0.12
    # "What is the EU?" is answered by the blurb of the entity of that name or alias, not by the European
    # Parliament's, which says "EU" twice in fewer words: the other blurbs fall (the same size, for the same
    # reason). Nothing else moves, so an editor's "out of scope" for the question still comes first.
    OTHER_NAME_PENALTY = 0.2

    @property
    def threshold(self) -> float:
        return self.model.threshold

    # ------------------------------------------------------------ ranking
    def query_for(self, question: str, history: Sequence[str]) -> tuple[str, str | None, set[str]]:
        """The text to retrieve with: a follow-up borrows the previous turn, weighted below its own words; one
        that only asks for a kind of answer ("what did the papers say?") takes that turn's words with its own cues."""
        question = self.spelled(question)
        cues = self.cues_of(question)
        earlier = [h for h in history if isinstance(h, str) and h.strip()]
        if earlier and is_follow_up(question):
            # The last turn that stands on its own: after "how many seats did labour win", "why?", the
            # question "and the tories?" is about seats, not about "why?"; after "who is Powell?", "what did he
            # say?" is about Powell, not about the turn before him.
            # Failing one, the last that points at nothing before it: "why were Hollywood actors on strike?" (short
            # and opening with "why", it reads as a follow-up) before "how long did it last?" and "what did they win?".
            previous = self.spelled(next((h for h in reversed(earlier) if self._stands_alone(h, question)), None)
                                    or next((h for h in reversed(earlier) if not refers_back(h)), earlier[-1]))
            carried = self.cues_of(previous)
            says = asks_what_was_said(question)
            if says:  # "what did he say?" after "who is Lavrov?" asks for his words, not his profile
                carried.discard("entity")
            if asks_only(question):  # "what did the papers say?": the earlier turn's subject, this turn's cues
                return (f"{question} {previous}" if says and not cues else previous), previous, cues or carried
            return f"{question} {question} {previous}", previous, cues or carried
        return question, None, cues

    def cues_of(self, text: str) -> set[str]:
        """`questions.question_cues`, but a "what is ...?" question asks for a profile only when what it names could
        be one: an entity's name or alias, or words of one ("the AI Office" of "the European AI Office"), or a
        word no English dictionary holds ("FOMC", "LICIACube"). "What are the fines?" asks about fines, and the
        profiles that mention them are no likelier to answer than in any other question."""
        cues = question_cues(text)
        if "entity" in cues and wh_word(text) == "what":
            asked = [word for word in asked_name(text).split() if word not in textlib.STOP_WORDS]
            english = english_words()
            if asked and english and all(word in english for word in asked) and not any(
                    set(asked) <= words for words in self._name_words):
                cues.discard("entity")
        return cues

    def spelled(self, text: str) -> str:
        """`text` with its misspelt words read as the corpus words they nearly are (`Index.spell`), and its
        acronyms as the phrases they stand for (`_acronyms_spelt`)."""
        return self._read(text)[0] if self.spelling else text

    def readings(self, text: str) -> tuple[str, dict[str, str]]:
        """`spelled(text)`, and each word of `text` it reads as another ({"resdiuals": "residuals", "pheic":
        "public health emergency of international concern"})."""
        if not self.spelling:
            return text, {}
        read, found = self._read(text)
        return read, dict(found)

    def _read(self, text: str) -> tuple[str, dict[str, str]]:
        """`readings(text)` as kept for the text (its dict shared: not to be changed)."""
        cached = self._read_cache.get(text)
        if cached is None:
            read, found = self.index.spell(text)
            # (Not one the glossary knows: "DPRK" is North Korea, whatever "Democratic People's Republic of Korea" adds.)
            unknown = [w for w in textlib.words(read) if acronyms.OUTLET_MIN_LETTERS <= len(w) <= acronyms.MAX_LETTERS
                       and w not in self.index.tokens_ and w not in textlib.STOP_WORDS and w not in english_words()
                       and not self.index.read_as(w)]
            spelt = {w: phrase for w in unknown if (phrase := self._acronyms_spelt().get(w))}
            cached = (respell(read, spelt), {**found, **spelt}) if spelt else (read, found)
            if len(self._read_cache) >= 10_000:
                self._read_cache.clear()
            self._read_cache[text] = cached
        return cached

    # A larger corpus reads acronyms from its explainers' titles only: reading its passages (some 60 µs each) would
    # hold up the first question that needs them for more than a third of a second.
    ACRONYMS_FROM_PASSAGES_UP_TO = 5_000

    def _acronyms_spelt(self) -> dict[str, str]:
        """`acronyms.find_acronyms` of the corpus, worked out at the first unknown word that could be one: the
        explainers' titles, and the passages' headings and text, and the papers their lines cite."""
        if self._acronyms is None:
            passages = [p for p in self.passages.values() if p.kind != "out_of_scope"]
            if len(passages) > self.ACRONYMS_FROM_PASSAGES_UP_TO:
                passages = []
            titles = [e.title for e in self.explainers.values()] + [p.heading for p in passages if p.heading]
            outlets = [name for p in passages if p.kind == "papers" for name, _ in outlets_in(p.text)[0]]
            self._acronyms = acronyms.find_acronyms(titles, [p.text for p in passages], outlets)
        return self._acronyms

    def rank(self, queries: Sequence[str], cues: Sequence[set[str]], among: Iterable[str] | None = None,
             hits: list[list[tuple[str, float, float, float]]] | None = None) -> list[list[tuple[str, float, float]]]:
        """Candidates per query as (passage id, prior-adjusted score, question-field score), best first.

        `hits` lets a caller that tries several priors reuse one retrieval.
        """
        if hits is None:
            hits = self.index.retrieve_fields(list(queries), k=self.candidates,
                                              among=list(among) if among is not None else None)
        ranked = []
        for query, question_hits, question_cues_ in zip(queries, hits, cues):
            about = self._asked_about(query, question_cues_)
            held_now = self._held(query) if "entity" in question_cues_ and asks_who_now(query) else frozenset()
            named = self._named.get(asked_name(query), ())  # (the entity cue stops at two words: this need not)
            wh = wh_word(query)
            stems = frozenset(map(textlib.stem, textlib.content_words(query))) if wh or not question_cues_ else frozenset()
            says = asks_what_was_said(query)
            # What "when was the UK election?" or "where was COP28 held?" asks the time or place of ("when is the
            # next COP?" asks of a later one: the "ahead" and "what next" cues), and the story a question of nothing
            # but its title's words names ("crowdstrike outage", "uk election results 2024"): its lead tells it.
            if wh in ("when", "where") and question_cues_.isdisjoint(("ahead", "analysis")):
                event = stems - _ASKED_OF_ANY_EVENT
            else:
                event = stems - _ASKED_OF_THE_STORY if not wh and not question_cues_ else frozenset()
            rows = []
            topic = self._explainer_scores(question_hits) if self.explainer_weight else {}
            for passage_id, score, _, asked in question_hits:
                passage = self.passages.get(passage_id)
                if passage is None:
                    continue
                bonus = self._prior(passage, question_cues_, about, asks_who=wh == "who")
                if wh and self._heading_asks(passage, wh, stems):
                    bonus += self.cue_weight
                if event and self._tells_the_event(passage, wh, event, about):
                    bonus += self.LEAD_BONUS
                bonus += self.explainer_weight * topic.get(passage.explainer_id, 0.0)
                if held_now and passage.kind == "entity" and self._holds_other(query, passage, held_now):
                    bonus -= self.OTHER_HOLDER_PENALTY
                if named and passage.kind == "entity" and passage_id not in named:
                    bonus -= self.OTHER_NAME_PENALTY
                if says and passage.kind == "entity":
                    bonus -= self.OTHER_HOLDER_PENALTY  # "what did Lavrov say?": a profile says who he is, not what he said
                rows.append((passage_id, score + bonus, asked))
            rows.sort(key=lambda row: (-row[1], row[0]))
            ranked.append(rows)
        return ranked

    def _heading_asks(self, passage: Passage, wh: str, stems: frozenset[str]) -> bool:
        """Whether a passage's subheading asks what the question asks: it opens with the question's own question
        word and shares one of its words ("What each side gets out of it" for "what does North Korea get from
        Russia?", "Why the Fed acted" for "why did the Fed ..."). An answer-type cue that the editor wrote:
        a subheading, not a teaser's question or a profile's name."""
        if passage.kind == "out_of_scope" or not passage.subheading:
            return False
        found = self._heading_words.get(passage.id)
        if found is None:
            found = self._heading_words[passage.id] = (
                wh_word(passage.subheading), frozenset(map(textlib.stem, textlib.content_words(passage.subheading))))
        return found[0] == wh and not found[1].isdisjoint(stems)

    def _held(self, question: str) -> frozenset[str]:
        """The stems of what a "who is" question asks who holds, with the glossary's names for them ("PM" is
        also prime, minist)."""
        return frozenset(self.index.analyze_words(question)) - textlib.STOP_STEMS

    def _holds_other(self, query: str, passage: Passage, held_now: frozenset[str]) -> bool:
        """Whether a who-is blurb is of someone other than the one asked about: it names what is asked only as
        held formerly, or as held of something else ("president of SAG-AFTRA" for "who is the US president?"),
        or leaves out one of the question's words (`_unheld`)."""
        return (bool(self._unheld(query, passage.id)) or held_formerly(passage.text, held_now)
                or bool(self._role_of_other(passage, held_now)))

    def _role_of_other(self, passage: Passage, held_now: frozenset[str]) -> str:
        """`questions.role_of_other` of a blurb, the names in it read with the glossary as the question is."""
        return role_of_other(passage.text, held_now, self.index.analyze_words)

    def _names_other(self, query: str, top: Passage, cues: set[str]) -> list[str]:
        """For a question asking who holds something now, answered by a who-is blurb, the words of the question
        the blurb leaves out that the corpus uses elsewhere (the blurb is then of someone else: "France" in
        "who is the president of France?" against "Vladimir Putin is the president of Russia"). A word no
        passage uses says nothing of who is meant ("who is the guy ..."); the confidence weighs it."""
        if top.kind != "entity" or "entity" not in cues or not asks_who_now(query):
            return []
        vocabulary = self.index.vocabulary_["word"]
        missing = {t for t in self._unheld(query, top.id) if t in vocabulary}
        # Each as the reader wrote it ("defence", not the folded "defense").
        written = (token.strip(_PUNCTUATION) for token in query.split())
        return list(dict.fromkeys(token for token in written for word in textlib.words(token)[:1]
                                  if textlib.stem(word) in missing))

    def _kind_other(self, query: str, top: Passage, cues: set[str]) -> list[str]:
        """For a "what is" question answered by a blurb, the words that qualify what it asks about ("long" of "what is
        long covid?"; all of its words but the last) that the blurb holds under no name and the corpus uses elsewhere:
        the blurb is then of something else, the thing without them (COVID-19 itself)."""
        if top.kind != "entity" or "entity" not in cues or wh_word(query) != "what":
            return []
        qualifiers = [word for word in asked_name(query).split()[:-1] if word not in textlib.STOP_WORDS]
        if not qualifiers:
            return []
        vocabulary = self.index.vocabulary_["word"]
        unheld = self._unheld(query, top.id)
        return [word for word in qualifiers if (stem := textlib.stem(word)) in unheld and stem in vocabulary]

    def _of_the_one_succeeded(self, question: str, top: Passage) -> bool:
        """Whether a question asks who will follow someone (`successor_asked`) and the passage is that one's own
        profile, which names no successor."""
        succeeded = successor_asked(question)
        return (bool(succeeded) and top.kind == "entity" and not _SUCCESSION.search(top.text)
                and {textlib.stem(word) for word in succeeded} <= {textlib.stem(word) for word in textlib.words(top.heading)})

    def _names_missing(self, query: str, top: Passage) -> list[str]:
        """The proper names of the glossary a question names ("China", "the UK") that the passage holds under none
        of their names and its story's title does not name either: "is China involved?" is not answered by a line
        on troop figures that says "involving". (A name of the title is the page's own subject, which a passage
        may leave unsaid: "the central bank" for "the Fed".)"""
        found = self.index.proper_names_in(query)
        if not found:
            return []
        unheld = self._unheld(query, top.id)
        title = self._title_terms.get(top.explainer_id)
        if title is None:
            title = self._title_terms[top.explainer_id] = frozenset(
                self.index.analyze_words(self.explainers[top.explainer_id].title))
        missing = []
        for name in found:
            stems = {textlib.stem(word) for word in name if word not in textlib.STOP_WORDS}
            # The title names it in the reader's words or in the glossary's name for them, all of its words: "GB" is
            # the United Kingdom, which a title naming the United States does not name for sharing "united".
            named = stems <= title or bool(read := self.index.read_as(" ".join(name))) and read <= title
            if stems and stems <= unheld and not named:
                missing.append(" ".join(name))
        return missing

    def _tells_the_event(self, passage: Passage, wh: str, event: frozenset[str], about: dict[str, frozenset[str]]) -> bool:
        """Whether a passage is the lead of the story whose title names all of `event` (what a "when" or "where"
        question asks the time or place of, or the story a question names with nothing else), and for "when", dates
        it: the story's own event, whose lead says what happened, when and where ("... the general election held on
        4 July 2024")."""
        return (passage.id == self._leads[passage.explainer_id] and event <= self._title_stems[passage.explainer_id]
                and (wh != "when" or self._dates_what_is_asked(passage, False, about.get("date", frozenset()))))

    def _role_elsewhere(self, query: str, top: Passage, cues: set[str]) -> str:
        """For a question asking who holds something now, answered by a who-is blurb that holds it only of
        something the question does not name, that role ("president of SAG-AFTRA"); else ""."""
        if top.kind != "entity" or "entity" not in cues or not asks_who_now(query):
            return ""
        return self._role_of_other(top, self._held(query))

    def _explainer_scores(self, hits: Sequence[tuple[str, float, float, float]], depth: int = 3) -> dict[str, float]:
        """How well each explainer as a whole matches: the mean of its best `depth` passage scores.
        A passage of the page that the question is about gains over a stray match elsewhere."""
        found: dict[str, list[float]] = {}
        for passage_id, score, _, _ in hits:
            passage = self.passages.get(passage_id)
            if passage is not None:
                scores = found.setdefault(passage.explainer_id, [])
                if len(scores) < depth:
                    scores.append(score)
        return {eid: sum(scores) / depth for eid, scores in found.items()}

    def _prior(self, passage: Passage, cues: set[str], about: dict[str, frozenset[str]], asks_who: bool = False) -> float:
        bonus = 0.0
        if self._cue_match(passage, cues, about):
            bonus += self.cue_weight
        elif "number" in cues and not counted_after_figures(passage.text):
            # "How many North Korean troops are in Russia?" is not answered by a passage that gives no figure at all
            # ("... first reported North Korean soldiers arriving in Russia in October 2024", .70).
            bonus -= self.cue_weight
        if passage.kind == "common":
            bonus -= self.teaser_penalty
        elif passage.kind == "entity" and "entity" not in cues and not asks_who:
            # A who-is blurb rarely answers anything but a "who" question: "who is", and also "who founded
            # CrowdStrike?", "who negotiates for the studios?", whose answer is a person or a body.
            bonus -= self.entity_penalty
        elif passage.kind == "papers" and "papers" not in cues:
            bonus -= self.papers_penalty  # a paper's account restates the story; the page's own text answers first
        return bonus

    def _asked_about(self, query: str, cues: set[str]) -> dict[str, frozenset[str]]:
        """What a question's cues ask about, by cue: what a "how many" counts, what a "when" dates, whose words
        a "what did X say?" asks for (each as stems)."""
        about = {}
        if "number" in cues:
            about["number"] = self._counted(query)
        if "date" in cues:
            about["date"] = self._date_topic(query)
        if "said" in cues:
            about["said"] = self._speaker(query)
        if "ahead" in cues and "date" not in cues:
            about["ahead"] = self._date_topic(query)
        return about

    def _cue_match(self, passage: Passage, cues: set[str], about: dict[str, frozenset[str]]) -> bool:
        for cue in cues:
            if cue == "number" and self._figure_about(passage, about.get("number", frozenset())):
                return True
            if cue == "date" and self._dates_what_is_asked(passage, "ahead" in cues, about.get("date", frozenset())):
                return True
            if cue == "said" and self._gives_words_of(passage, about.get("said", frozenset())):
                return True
            if cue == "ahead" and "date" not in cues and self._tells_what_is_to_come(passage, about.get("ahead", frozenset())):
                return True
            if passage.kind in CUE_KINDS.get(cue, ()):
                return True
        return False

    def _tells_what_is_to_come(self, passage: Passage, topic: frozenset[str]) -> bool:
        """Whether a passage says what is to come (`looks_ahead`) of what a question asks about: a sentence of it that
        looks ahead holds one of the `topic` stems. "What will the Hera probe do?" is answered by "Hera will map the
        crater ...", and "will inflation come down?" not by "The Paralympic Games will be held ..."."""
        if not looks_ahead(passage.text):
            return False
        found = self._ahead_terms.get(passage.id)
        if found is None:
            found = self._ahead_terms[passage.id] = frozenset().union(
                *(terms for sentence, terms in self._sentences(passage) if speaks_ahead(sentence)))
        return not topic or not found.isdisjoint(topic)

    def _speaker(self, query: str) -> frozenset[str]:
        """The stems of whom a question asks the words of (`speaker_named`), with the glossary's names for them."""
        return frozenset(self.index.analyze_words(" ".join(speaker_named(query)))) - textlib.STOP_STEMS

    def _gives_words_of(self, passage: Passage, speaker: frozenset[str]) -> bool:
        """Whether a passage gives the words of `speaker` (stems): a sentence that names it in full ("Kim Jong Un",
        not "AI" for "Biden's executive order on AI") and is a papers line that cites it ("Reuters reported ...",
        "... the Financial Times and Carbon Brief described"), or names it at most three words
        before or two after a word of saying ("Tedros said", "NASA's announcement", "Kim Jong Un promised",
        "according to NASA"; not "criticism from scientists, and he later said"). "What did the Fed say about
        inflation?" is not answered by "The BBC reported that ... inflation reached 9.1%"."""
        if not speaker:
            return False
        key = (passage.id, speaker)
        found = self._gives.get(key)
        if found is None:
            if len(self._gives) >= 50_000:
                self._gives.clear()
            found = self._gives[key] = any(speaker <= terms and (not cited.isdisjoint(speaker) or any(
                stem in speaker and not _GIVING_WORDS.isdisjoint(stems[max(0, i - 2):i + 4])
                for i, stem in enumerate(stems))) for cited, stems, terms in self._speaking(passage))
        return found

    def _speaking(self, passage: Passage) -> tuple[tuple[frozenset[str], tuple[str, ...], frozenset[str]], ...]:
        """Each sentence's cited sources (for a papers line: the outlets it opens with or names), its own words'
        stems in order, and its analysed terms (with the glossary's names), worked out once per passage."""
        found = self._speakers.get(passage.id)
        if found is None:
            rows = []
            for sentence, terms in self._sentences(passage):
                cited: set[str] = set()
                if passage.kind == "papers":
                    source = source_of(passage, sentence)
                    names = [name for name, _ in outlets_in(sentence)[0]] + ([source] if source != passage.section else [])
                    cited.update(self.index.analyze_words(" ".join(names)))
                rows.append((frozenset(cited) - textlib.STOP_STEMS, tuple(map(textlib.stem, textlib.words(sentence))), terms))
            found = self._speakers[passage.id] = tuple(rows)
        return found

    def _cited_in(self, explainer_id: str) -> frozenset[str]:
        """The stems of the sources an explainer's papers lines cite ("reuter", "guardian", "financi", "time")."""
        found = self._cited.get(explainer_id)
        if found is None:
            found = self._cited[explainer_id] = frozenset().union(*(
                cited for passage in self.explainers[explainer_id].passages if passage.kind == "papers"
                for cited, _, _ in self._speaking(passage)))
        return found

    def _counted(self, query: str) -> frozenset[str]:
        """What a "how many" question counts (`number_subject`), with the glossary's one-word synonyms of
        it: "how many troops" is answered by "10,000 soldiers"."""
        subject = number_subject(query)
        return subject.union(*(self._synonyms.get(term, ()) for term in subject))

    def _figure_about(self, passage: Passage, subject: frozenset[str]) -> bool:
        """Whether the passage gives a figure for what is asked: a number a few words before one of
        the question's content words ("12 million artillery shells" for "how many shells")."""
        counted = counted_after_figures(passage.text)
        return not counted.isdisjoint(subject) if subject else bool(counted)

    def _date_topic(self, query: str) -> frozenset[str]:
        """What a "when" question asks the date of: its stems (with the glossary's names for them), but those
        that only ask ("when did it start?" asks of nothing)."""
        return self._held(query) - ASKING_STEMS - _AUXILIARY_STEMS

    def _dates_what_is_asked(self, passage: Passage, ahead: bool, topic: frozenset[str]) -> bool:
        """Whether a passage dates what a "when" question asks about: one of its sentences names a date (for
        "when will ...?", one after its story's own, `dated_after`) beside one of the `topic` stems. "When did Sunak
        call the election?" is answered by "Sunak ... announced on 22 May 2024 ... the election", not by "the 365
        seats they won under Boris Johnson in 2019". A question of no topic takes any date."""
        key = (passage.id, ahead)
        found = self._dated.get(key)
        if found is None:
            since = self._date_of(passage)
            # The sentence's own words: the glossary's other names for them ("vote" is also "election") would
            # date "the 365 seats they won in 2019" as the election asked about.
            dated = [frozenset(stems) for (sentence, _), (_, stems, _) in zip(self._sentences(passage), self._speaking(passage))
                     if (dated_after(sentence, since) if ahead else has_date(sentence))]
            found = self._dated[key] = (bool(dated), frozenset().union(*dated))
        return found[0] and (not topic or not found[1].isdisjoint(topic))

    def _coverage(self, query: str, passage_id: str) -> tuple[float, float]:
        """Share of the question's content words the passage holds, and the index knows."""
        return self._holding(query, passage_id)[:2]

    def _unheld(self, query: str, passage_id: str) -> frozenset[str]:
        """The stems of the question's content words the passage holds under no name, but for words that only
        say "now" (`NOW_WORDS`: a profile of the new prime minister does not say "new")."""
        return self._holding(query, passage_id)[2] - _NOW_STEMS

    def _holding(self, query: str, passage_id: str) -> tuple[float, float, frozenset[str]]:
        key = (query, passage_id)
        cached = self._coverage_cache.get(key)
        if cached is None:
            matched = self.index.matched_terms(query, passage_id)
            words = {textlib.stem(w): w for w in textlib.asked_words(query)}
            content = set(words)
            held = set(matched["body"]) | set(matched["questions"])
            if self.passages[passage_id].kind == "papers":
                # "What about New York?" is not answered by a line citing the New York Post, unless it asks what
                # that paper said (names its masthead: "what did the Post say?", "what did Business Insider say?").
                only, outlets = self._outlet_words(passage_id)
                held -= only.difference(*(outlet for outlet, masthead in outlets if masthead in words))
            # A papers line is what its sources say; "what did the Fed say?" asks for a line that gives the Fed's
            # words, as "NASA's announcement" or "Tedros said" does.
            speaker = self._speaker(query) if asks_what_was_said(query) else frozenset()
            if (not speaker and self.passages[passage_id].kind == "papers") or (
                    speaker and self._gives_words_of(self.passages[passage_id], speaker)):
                held |= _SAYING_STEMS
            # A word the passage holds under another name counts ("tories" in a passage on "the Conservatives").
            held |= {stem for stem, word in words.items() if stem not in held and self._named_otherwise(stem, word, held)}
            # So does the one who does what is asked: "who leads North Korea?" and its "supreme leader", "who founded
            # it?" and its "founder".
            if content - held:
                terms = frozenset().union(*(stems for _, stems in self._sentences(self.passages[passage_id])))
                held |= {stem for stem in content - held if not terms.isdisjoint((stem + "er", stem + "or", stem + "r"))}
            # Rare words count for more: missing "euro" matters more than missing "win".
            vocabulary, idf = self.index.vocabulary_["word"], self.index.idf_["word"]
            unknown_weight = float(idf.max()) if len(idf) else 1.0
            weight = {t: float(idf[vocabulary[t]]) if t in vocabulary else unknown_weight for t in content}
            total = sum(weight.values())
            coverage = sum(weight[t] for t in content & held) / total if total else 0.0
            cached = (coverage, self.index.known_fraction(query), frozenset(content - held))
            if len(self._coverage_cache) > 50_000:
                self._coverage_cache.clear()
            self._coverage_cache[key] = cached
        return cached

    def _outlet_words(self, passage_id: str) -> tuple[frozenset[str], list[tuple[frozenset[str], str]]]:
        """The stems a papers passage holds only in the names of the outlets it cites, and each outlet's stems with
        its masthead's."""
        found = self._outlets.get(passage_id)
        if found is None:
            names, rest = outlets_in(self.passages[passage_id].text)
            outlets = [(frozenset(self.index.analyze_words(name)) - textlib.STOP_STEMS, textlib.stem(textlib.fold(masthead)))
                       for name, masthead in names]
            only = frozenset().union(*(stems for stems, _ in outlets)) - frozenset(self.index.analyze_words(rest))
            found = self._outlets[passage_id] = (only, outlets)
        return found

    def _named_otherwise(self, stem: str, word: str, held: set[str]) -> bool:
        """Whether `held` has the word under a name of its glossary group: a one-word synonym, or every word
        of the name the glossary reads it as ("pyongyang" as north, korea)."""
        if not self._synonyms.get(stem, frozenset()).isdisjoint(held):
            return True
        other = self.index.read_as(word)
        return bool(other) and other <= held

    def features(self, query: str, question: str, ranked: list[tuple[str, float, float]], cues: set[str]) -> list[float]:
        if not ranked:
            return [0.0] * len(FEATURES)
        top_id, top_score, _ = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        top = self.passages[top_id]
        coverage, known = self._coverage(query, top_id)
        # A teaser's title matching says little (the teaser flag covers it); a phrasing matching says a lot.
        question_score = ranked[0][2] if top.kind != "common" else 0.0
        values = {
            "top_score": top_score, "margin": top_score - second, "coverage": coverage,
            "known": known, "teaser": float(top.kind == "common"),
            "cue_match": float(self._cue_match(top, cues, self._asked_about(query, cues))),
            "question_match": question_score,
            "short": float(len(textlib.content_words(question)) <= 2),
        }
        return [values[name] for name in FEATURES]

    # ------------------------------------------------------------ answering
    def answer(self, question: str, explainer: str | None = None, history: Sequence[str] = ()) -> Answer:
        return self.answer_batch([question], explainer=explainer, histories=[history])[0]

    def answer_batch(self, questions: Sequence[str], explainer: str | None = None,
                     histories: Sequence[Sequence[str]] | None = None) -> list[Answer]:
        """Answer many questions at once (retrieval is batched); `histories` holds each one's earlier turns."""
        if explainer is not None and explainer not in self.explainers:
            raise KeyError(f"unknown explainer {explainer!r}")
        histories = histories or [()] * len(questions)
        if explainer is None and self._only_story is not None:
            answers = self.answer_batch(questions, self._only_story, histories)
            for answer in answers:
                answer.scoped = False  # still the site's words: "the explainers on this site"
            return answers
        # Small talk ("thanks" after an answer) is replied to in kind, and never looked up: no passage that
        # says "thanks to ..." answers it.
        kinds = [small_talk(question) for question in questions]
        asking = [i for i, kind in enumerate(kinds) if not kind]
        answered = iter(self._answer_questions([questions[i] for i in asking], explainer, [histories[i] for i in asking]))
        return [self._small_talk(question, kind, explainer, history) if kind else next(answered)
                for question, kind, history in zip(questions, kinds, histories)]

    def _answer_questions(self, questions: Sequence[str], explainer: str | None,
                          histories: Sequence[Sequence[str]]) -> list[Answer]:
        readings = self.read(questions, histories, explainer)
        scope = self._scope(explainer)
        ranked = self.rank([r.query for r in readings], [r.cues for r in readings], among=scope)
        for i, reading in enumerate(readings):
            if reading.among is not scope:  # a section of the page: ranked on its own
                ranked[i] = self.rank([reading.query], [reading.cues], among=reading.among)[0]
        answers = []
        # Each question read with words not its own (an earlier turn's, its page's title), ranked on its own too.
        alone = self._standalone([q for q, r in zip(questions, readings) if r.previous is not None or r.on_the_page],
                                 scope)
        for question, history, reading, rows in zip(questions, histories, readings, ranked):
            query, previous, cues = reading.query, reading.previous, reading.cues
            rows = [row for row in rows if row[0] != reading.shown]
            if reading.on_the_page:  # (read with the page's title: no teaser, as above)
                rows = [row for row in self._holding_own_words(question, rows) if self.passages[row[0]].kind != "common"]
            result = self._decide(question, query, previous, cues, rows, explainer, reading.of_the_page)
            if (reading.subjectless and reading.of_the_page and previous is None and result.passage_id
                    and not asks_what_next(question)):
                # "Summarise this", "what did the papers say?": the section's passage that best fits the page's title,
                # from its opening sentence (the lead's first, the first paper named), not the one nearest the title.
                result.answer_sentence = self._sentences(self.passages[result.passage_id])[0][0]
            if previous is not None and not refers_back(question):
                # Read with its earlier turn only when that helps: "Who is Keir Starmer?" or "What caused the
                # global IT outage?" look like follow-ups (short, a wh-word, "it") but stand on their own.
                own = self._own_reading(question, alone[question], explainer)
                if not own.abstained and (result.abstained or own.confidence >= result.confidence):
                    result = own
            elif (previous is not None and explainer and result.abstained and not names_a_person(question)
                  and (textlib.content_words(question) or names_nothing(previous))):
                # On an explainer's page "it" may be the page's story as well as the earlier turn's subject: "was it
                # a cyberattack?" after four questions on the outage, declined when read with them, is answered on
                # its own words, or as if it came first on the page (a vague one is read with the page's title:
                # "how long did it last?"), whichever is surer. So is "why?" after a turn that named nothing
                # ("what did the papers say?"). "He" or "she" is no story: "what did he say?" after "who is Lavrov?",
                # declined, is not answered with the page's "Ukraine says ...".
                readings = [self._own_reading(question, alone[question], explainer),
                            self._answer_questions([question], explainer, [()])[0]]
                result = max((r for r in readings if not r.abstained), key=lambda r: r.confidence, default=result)
            if reading.on_the_page:
                # The page's title chose the passage; when the question's own words choose it too, their
                # confidence stands ("who built it?" and the lander's blurb, which the title does not describe).
                own = self._own_reading(question, alone[question], explainer)
                if not own.abstained and result.ranking[:1] == [own.passage_id] and own.confidence > result.confidence:
                    result = own
                elif not result.abstained and result.passage_id and textlib.content_words(question):
                    # The title chose the passage, the question's own words its sentence: "what is the rate now?" on
                    # the Fed's page had been answered with the sentence holding the title's "near zero" and
                    # "inflation", not the one with the rate.
                    result.answer_sentence = self.answer_sentence(self.spelled(question), self.passages[result.passage_id],
                                                                  self.cues_of(question))
            if (explainer and result.abstained and result.reason != NO_WORDS and not reading.subjectless
                    and not reading.on_the_page):
                wider = self._decide(question, query, previous, cues, self.rank([query], [cues])[0], explainer)
                if not wider.abstained and wider.explainer_id != explainer:
                    wider.fallback = True
                    wider.reason = f"not covered by this explainer; answered from {wider.explainer_title!r}"
                    result = wider
            result.scoped = explainer is not None
            result.read_as = self.readings(question)[1]
            if history and result.suggestions:  # nor a question the reader has already asked here
                asked = {question_key(h) for h in history if isinstance(h, str)}
                result.suggestions = [q for q in result.suggestions if question_key(q) not in asked]
            answers.append(result)
        return answers

    def _small_talk(self, question: str, kind: str, explainer: str | None, history: Sequence[str]) -> Answer:
        """The reply to a turn that asks nothing of the explainers (`questions.small_talk`), with questions
        to ask next that the reader has not asked."""
        asked = {question_key(h) for h in history if isinstance(h, str)}
        # After an answer, questions on what the reader was asking about ("thanks" after a question on the
        # strikes is offered more on the strikes, not the first story on the site).
        earlier = [h for h in history if isinstance(h, str) and h.strip() and not small_talk(h)]
        rows, story = [], explainer
        if earlier and kind != "goodbye":
            previous = self.spelled(earlier[-1])
            rows = self.rank([previous], [self.cues_of(previous)], among=self._scope(explainer))[0]
            story = explainer or (self.passages[rows[0][0]].explainer_id if rows else None)
        offered = [] if kind == "goodbye" else self._suggestions(rows, story, question, limit=3 + len(asked))
        if kind != "goodbye" and story != explainer:  # a story with few questions to offer: the site's after them
            offered += self._suggestions([], explainer, question, limit=3 + len(asked))
        suggestions = [q for q in dict.fromkeys(offered) if question_key(q) not in asked][:3]
        return Answer(question=question, abstained=True, confidence=0.0, threshold=self.threshold,
                      reason=SMALL_TALK[kind], small_talk=kind, suggestions=suggestions, scoped=explainer is not None)

    def read(self, questions: Sequence[str], histories: Sequence[Sequence[str]], explainer: str | None = None
             ) -> list[Reading]:
        """How each question is read (`Reading`): `query_for`, and for a question that names no subject, its
        subject from elsewhere. On an explainer's page with no earlier turn, "what did the papers say?" is about
        the page's story (its title) and answered from the section a cue names; after an answer, "tell me more"
        is about the earlier question, and not answered with the passage that answered it."""
        scope = self._scope(explainer)
        readings = []
        for question, history in zip(questions, histories):
            query, previous, cues = self.query_for(question, history)
            reading = Reading(query, previous, cues, among=scope, subjectless=names_nothing(question))
            ahead = asks_what_next(question)
            if explainer and (reading.subjectless or ahead) and previous is None:
                reading.query = self.explainers[explainer].title
                # ("Tell me more", asked first, asks for the story: its lead.)
                kinds = set().union(*(CUE_KINDS.get(cue, ()) for cue in cues)) or (
                    {"summary"} if asks_for_more(question) else set())
                section = [pid for pid in self._scopes[explainer] if self.passages[pid].kind in kinds]
                # "What happens next?": the passages that look ahead (of the section, or else of the page), any of
                # which answers it, when the page has them.
                looking = self._looking_ahead(explainer, section) if ahead else []
                # (Not a teaser: read with the page's title, a teaser whose title repeats it comes first.)
                reading.among = looking or section or [pid for pid in scope if self.passages[pid].kind != "common"]
                reading.of_the_page = bool(looking) or (asks_of_the_page(question) and (bool(section) or not kinds))
            elif (explainer and previous is None and textlib.words(query) and refers_back(question)
                  and not self._names_in(query, explainer)):
                # ("What about the Seine?" names its own subject, and "how much will payments rise?" another story's.)
                reading.query = f"{query} {query} {query} {self.explainers[explainer].title}"
                reading.on_the_page = True
            elif previous is not None and (asks_only(question) or ahead):
                # "What did the papers say?" after an answer: that section of the earlier answer's story.
                kinds = set().union(*(CUE_KINDS.get(cue, ()) for cue in self.cues_of(question) if cue in SECTION_CUES))
                # (On an explainer's page, its story: the earlier question may have been declined.)
                story = (explainer or self._story_of(previous, explainer)) if kinds or ahead else None
                section = [pid for pid in self._scopes[story] if self.passages[pid].kind in kinds] if story else []
                if story and ahead:  # "what happens next?": the story's passages that look ahead, when it has any
                    section = self._looking_ahead(story, section) or section
                if section:  # (with the story's title, so that some passage of the section shares a word)
                    reading.query = f"{previous} {self.explainers[story].title}"
                    reading.among, reading.of_the_page = section, True
            if previous is not None and asks_for_more(question):
                shown = self.rank([previous], [self.cues_of(previous)], among=scope)[0]
                reading.shown = shown[0][0] if shown else None
            readings.append(reading)
        return readings

    def _looking_ahead(self, story: str, section: list[str]) -> list[str]:
        """The passages of `section`, or else of the story, that say what is to come (`sentences.looks_ahead`), not
        teasers: what answers "what happens next?"."""
        passages = (self.passages[pid] for pid in section or self._scopes[story])
        return [p.id for p in passages if p.kind not in ("common", "out_of_scope") and looks_ahead(p.text)]

    def _holding_own_words(self, question: str, rows: list[tuple[str, float, float]]) -> list[tuple[str, float, float]]:
        """Of the candidates for a question read with its page's title (`Reading.on_the_page`), those that hold a
        word of the question's own, in the same order: the title's words alone put the page's summary first
        for "who hosted it?", and made "how much did it cost?" look answered by it."""
        read = self.spelled(question)
        # (Not an auxiliary: "did" had kept every passage whose labelled phrasings say it for "how much did it cost?")
        own = {textlib.stem(word) for word in textlib.content_words(read) if word not in AUXILIARIES}
        if not own:  # "how many?", "why?": the page's story is all they name
            return rows
        return [row for row in rows if not own <= self._holding(read, row[0])[2]]

    def _names_no_story(self, question: str, rows: Sequence[tuple[str, float, float]]) -> bool:
        """Whether a question points back at a subject (`refers_back`: a pronoun, a word or two) and names none
        that tells apart the stories its words meet (those of its first ten candidates): of its words, at most
        two, none is a name one of them writes with a capital, a name or alias of the glossary, or a word only
        one of them uses. Asked first on the front page, "how much did it cost?", "who won?" or "is it over?"
        could be about any of them. (Only the stories a question meets are read, so an archive of thousands
        costs a question no more than ten stories' words.)"""
        if not refers_back(question) or self.index.names_in(question):
            return False
        own = [word for word in textlib.content_words(question) if word not in AUXILIARIES]
        stories = list(dict.fromkeys(self.passages[row[0]].explainer_id for row in rows[:10]))
        if len(own) > 2 or len(stories) < 2:
            return False
        words = [self._story_words(story) for story in stories]
        names = frozenset().union(*(story_names for story_names, _ in words))
        return not any(word in names or sum(textlib.stem(word) in used for _, used in words) < 2 for word in own)

    def _asks_a_source_only(self, question: str, rows: Sequence[tuple[str, float, float]]) -> bool:
        """Whether a question asks only what someone said ("what did Reuters say?", "what did the FT say?") whom
        the papers lines of two or more of the stories its words meet cite: asked first on the front page, it
        could be about any of them."""
        speaker = speaker_named(question)
        if not speaker or any(word not in speaker and word not in textlib.SAYING and word not in AUXILIARIES
                              for word in textlib.content_words(question)):
            return False
        stems = self._speaker(question)
        stories = dict.fromkeys(self.passages[row[0]].explainer_id for row in rows[:10])
        return sum(not self._cited_in(story).isdisjoint(stems) for story in stories) >= 2

    def _names_in(self, question: str, explainer_id: str) -> bool:
        """Whether a question holds a name the explainer writes ("the Seine", "Reform"), or one the glossary reads as
        a name it writes ("the DPRK" on a page that says "North Korea"): then it names its subject."""
        names, used = self._story_words(explainer_id)
        return any(word in names or (read := self.index.read_as(word)) and read <= used
                   for word in textlib.content_words(question))

    def _story_of(self, question: str, explainer: str | None) -> str | None:
        """The explainer that answers `question` (an earlier turn), or None when it would get "I don't know"."""
        cues = self.cues_of(question)
        rows = self.rank([question], [cues], among=self._scope(explainer))[0]
        earlier = self._decide(question, question, None, cues, rows, explainer)
        return None if earlier.abstained else earlier.explainer_id

    def _standalone(self, borrowed: Sequence[str], scope: list[str] | None) -> dict[str, list[tuple[str, float, float]]]:
        """The candidates of each question that was read with words not its own, ranked on its own words alone."""
        borrowed = list(dict.fromkeys(borrowed))
        if not borrowed:
            return {}
        read = [self.spelled(q) for q in borrowed]
        return dict(zip(borrowed, self.rank(read, [self.cues_of(q) for q in read], among=scope)))

    def _own_reading(self, question: str, rows: list[tuple[str, float, float]], explainer: str | None) -> Answer:
        """The answer to a question read on its own words alone, from its `_standalone` candidates."""
        read = self.spelled(question)
        return self._decide(question, read, None, self.cues_of(read), rows, explainer)

    def _stands_alone(self, turn: str, question: str) -> bool:
        """Whether an earlier turn names its own subject, for `question` to lean on: one that is no follow-up, or,
        for a question about a person ("what did he say?"), a "who is" question naming an entity of the corpus
        ("who is Powell?"; not "who is he?" or "who won?")."""
        return not is_follow_up(turn) or (names_a_person(question) and bool(self._named.get(asked_name(self.spelled(turn)))))

    def _scope(self, explainer: str | None) -> list[str] | None:
        """The passages a question asked on `explainer`'s page may be answered from (None: every one)."""
        return self._scopes[explainer] if explainer else None

    def _decide(self, question: str, query: str, previous: str | None, cues: set[str],
                rows: list[tuple[str, float, float]], scope: str | None = None, of_the_page: bool = False) -> Answer:
        """The answer, or an "I don't know" with questions to try instead (from `scope`, the explainer the
        reader is on, when it has them). A question `of_the_page` (`Reading`) is answered below the threshold."""
        base = Answer(question=question, abstained=True, confidence=0.0, threshold=self.threshold,
                      context_used=previous)
        if not textlib.content_words(query) and not textlib.words(query):
            base.reason = NO_WORDS
            base.suggestions = self._suggestions([], scope, question)
            return base
        if previous is None and scope is None and self._stories > 1 and (
                names_nothing(question) or self._names_no_story(question, rows)
                or self._asks_a_source_only(query, rows)):
            # "Tell me more" or "what did the papers say?" as a first question on the front page: "tell" met
            # "told" in one explainer, and a confident answer came from a story the reader never named. So did
            # "how much did it cost?" (the IT outage's losses) and "who won?" (a swimmer's golds), and "what did
            # the Guardian say?" (the line of whichever story came first).
            base.reason = NO_SUBJECT
            base.suggestions = self._suggestions([], None, question)
            return base
        if not rows:
            base.reason = "no passage shares a word with the question"
            base.suggestions = self._suggestions([], scope, question)
            return base
        base.ranking = [pid for pid, _, _ in rows[:10]]
        feature_values = self.features(query, question, rows, cues)
        confidence = self.model.predict(feature_values)
        top = self.passages[rows[0][0]]
        alternatives = [self._hit(pid, score) for pid, score, _ in rows[1:6] if self.passages[pid].answerable]
        base.features = dict(zip(FEATURES, feature_values))
        base.alternatives = alternatives
        if not top.answerable:
            base.confidence = min(confidence, 0.05)
            if top.kind == "out_of_scope":  # an editor's "the explainers do not answer this", filed under one
                base.reason = "an editor marked this question as one the explainers do not answer"
                base.suggestions = self._suggestions(rows, scope, question)
            else:
                base.reason = "the closest match is a teaser for another story, which this explainer does not cover"
                base.suggestions = self._suggestions(rows, top.explainer_id, question)
            return base
        if asks_of_the_reader(question):
            base.confidence = min(confidence, 0.05)
            base.reason = "the question asks about the reader's own (who or where), which no explainer knows"
            base.suggestions = self._suggestions(rows, scope, question)
            return base
        other = self._names_other(query, top, cues) or self._kind_other(query, top, cues)
        role = self._role_elsewhere(query, top, cues) if not other else ""
        if other or role:
            # "Who is the president of France?" and the nearest blurb is of "the president of Russia"; "who is
            # the US president?" and the nearest is of the "president of SAG-AFTRA"; "what is long covid?" and the
            # nearest is of COVID-19.
            return self._not_the_nearest(
                base, confidence, question, rows,
                f"the nearest profile ({top.heading or top.id}) does not mention "
                f"{', '.join(repr(w) for w in other)}, so it is of "
                f"{'someone' if wh_word(query) == 'who' else 'something'} else" if other else
                f"the nearest profile ({top.heading or top.id}) is of the {role}, which the question does not ask about")
        if self._of_the_one_succeeded(question, top):
            # "Who will replace Powell as Fed chair?" and the nearest passage is Powell's profile (.54).
            return self._not_the_nearest(base, confidence, question, rows, f"the nearest profile ({top.heading}) is of "
                                         "the one whose successor the question asks about, and it names none")
        # Only the names the reader wrote: a name carried from the turn before ("what about Moscow, what does it
        # gain?" after "... helping Putin") is not one the answer must hold.
        missing = self._names_missing(self.spelled(question) if previous else query, top) if not of_the_page else []
        if missing:
            # "Is China involved?" and the nearest passage never names China.
            return self._not_the_nearest(base, confidence, question, rows, f"the nearest passage ({top.heading or top.section}) "
                                         f"does not mention {', '.join(map(repr, missing))}")
        base.confidence = confidence
        if confidence < self.threshold and not of_the_page:
            base.reason = f"confidence {confidence:.2f} is below the threshold {self.threshold:.2f}"
            base.suggestions = self._suggestions(rows, top.explainer_id, question)
            base.did_you_mean = [self._hit(pid, score) for pid, score, _ in rows[:3] if self.passages[pid].answerable][:2]
            return base
        explainer = self.explainers[top.explainer_id]
        answer = Answer(
            question=question, abstained=False, confidence=confidence, threshold=self.threshold,
            passage_id=top.id, passage_text=top.display_text, heading=top.heading, section=top.section,
            explainer_id=explainer.id, explainer_title=explainer.title, explainer_url=explainer.url,
            explainer_date=explainer.date, truncated=top.truncated,
            answer_sentence=self.answer_sentence(query, top, cues, own=question if previous else None),
            alternatives=alternatives,
            context_used=previous, features=base.features, ranking=base.ranking,
        )
        if confidence < self.threshold:  # `of_the_page`
            story = "the earlier question's story" if previous is not None else "this page's own story"
            answer.reason = f"asked of {story}, and answered from its section {top.section!r}"
        if len(rows) > 1:
            runner = rows[1]
            if self.passages[runner[0]].answerable and runner[1] >= 0.92 * rows[0][1]:
                answer.did_you_mean = [self._hit(top.id, rows[0][1]), self._hit(runner[0], runner[1])]
        if "number" in cues:
            answer.disagreement = self._figures(query, rows, explainer.id)
        answer.followups = self._followups(question, answer.passage_id, explainer.id, rows)
        return answer

    def _not_the_nearest(self, base: Answer, confidence: float, question: str, rows: list[tuple[str, float, float]],
                         reason: str) -> Answer:
        """"I don't know" for a question whose nearest passage cannot answer it (`reason` says why): its confidence held
        at .05 at most, questions from that passage's story to try instead, and the passage itself to look at."""
        top = self.passages[rows[0][0]]
        base.confidence = min(confidence, 0.05)
        base.reason = reason
        base.suggestions = self._suggestions(rows, top.explainer_id, question)
        base.did_you_mean = [self._hit(top.id, rows[0][1])]
        return base

    def _hit(self, passage_id: str, score: float) -> Hit:
        passage = self.passages[passage_id]
        return Hit(passage_id=passage_id, score=score, text=passage.display_text, section=passage.section,
                   explainer_id=passage.explainer_id, explainer_title=self.explainers[passage.explainer_id].title)

    # ------------------------------------------------------------ the sentence
    def answer_sentence(self, query: str, passage: Passage, cues: set[str], own: str | None = None) -> str:
        """The sentence of `passage` that best answers `query` (`sentences.best_sentence`)."""
        about = passage.heading if passage.kind == "entity" else ""
        counted = self._counted(query) if "number" in cues and asks_how_many(query) else frozenset()
        return (best_sentence(self.index, self._sentences(passage), query, cues, own, about, counted,
                              self._date_of(passage)) or passage.display_text)

    def _date_of(self, passage: Passage) -> str:
        """The date of a passage's explainer ("" when it has none): what "when will ...?" asks after."""
        explainer = self.explainers.get(passage.explainer_id)
        return (explainer.date or "") if explainer is not None else ""

    def _sentences(self, passage: Passage) -> list[tuple[str, frozenset[str]]]:
        """A passage's sentences with their analysed terms, worked out once per passage."""
        found = self._sentence_cache.get(passage.id)
        if found is None:
            found = self._sentence_cache[passage.id] = [
                (sentence, frozenset(self.index.analyze_words(sentence)))
                for sentence in textlib.split_sentences(passage.display_text)]
        return found

    def _figures(self, query: str, rows: list[tuple[str, float, float]], explainer_id: str) -> list[dict[str, Any]]:
        """When sources give different figures for what a "how many" question counts, each one (`figures`)."""
        if not rows or not asks_how_many(query):
            return []
        counted = set(self._counted(query))
        names = figures.names_asked(query, counted, *self._story_words(explainer_id), self._name_forms)
        floor = 0.2 * rows[0][1]
        candidates = [self.passages[pid] for pid, score, _ in rows[:8] if score >= floor]
        candidates = [p for p in candidates if p.explainer_id == explainer_id and p.answerable]
        return figures.by_source(candidates, self._sentences, counted, names)

    def _story_words(self, explainer_id: str) -> tuple[frozenset[str], frozenset[str]]:
        """`figures.story_words` of an explainer, worked out once."""
        found = self._words_of.get(explainer_id)
        if found is None:
            found = self._words_of[explainer_id] = figures.story_words(self.explainers[explainer_id].passages,
                                                                       self._sentences)
        return found

    # ------------------------------------------------------------ follow-ups and suggestions
    def question_pool(self, explainer_id: str) -> list[tuple[str, str]]:
        """(question, passage id that answers it) for the explainer's Go deeper and common questions that
        the bot answers from this explainer, asked on its page and on the front page alike: a question
        offered to a reader (a follow-up, a "Try asking") must not get "I don't know".  Computed once per
        explainer, suggested questions first."""
        if explainer_id not in self._pools:
            explainer = self.explainers[explainer_id]
            asked = list(dict.fromkeys(
                explainer.suggested_questions + [p.heading for p in explainer.common_questions if p.answerable]
            ))
            pool: list[tuple[str, str]] = []
            if asked and explainer.kind != "faq":
                cue_sets = [self.cues_of(q) for q in asked]
                here = self.rank(asked, cue_sets, among=self._scopes[explainer_id])
                anywhere = self.rank(asked, cue_sets)
                for question, cues, scoped, unscoped in zip(asked, cue_sets, here, anywhere):
                    if (self._answers(question, cues, scoped) and self._answers(question, cues, unscoped)
                            and self.passages[unscoped[0][0]].explainer_id == explainer_id):
                        pool.append((question, scoped[0][0]))
            self._pools[explainer_id] = pool
        return self._pools[explainer_id]

    def answerable_questions(self, explainer_id: str) -> list[str]:
        """The explainer's questions the bot answers (`question_pool`), for a page to offer readers."""
        return [question for question, _ in self.question_pool(explainer_id)]

    def _answers(self, question: str, cues: set[str], rows: list[tuple[str, float, float]]) -> bool:
        """Whether `_decide` answers a question with no earlier turn from these candidates."""
        if not rows or not self.passages[rows[0][0]].answerable:
            return False
        return self.model.predict(self.features(question, question, rows, cues)) >= self.threshold

    def _followups(self, question: str, passage_id: str, explainer_id: str, rows: list[tuple[str, float, float]],
                   limit: int = 3) -> list[str]:
        asked = question_key(question)
        rank = {pid: position for position, (pid, _, _) in enumerate(rows)}
        options = [(q, pid) for q, pid in self.question_pool(explainer_id)
                   if pid != passage_id and question_key(q) != asked]
        options.sort(key=lambda item: rank.get(item[1], len(rank)))
        chosen, seen = [], {passage_id}
        for question_text, pid in options:
            if pid not in seen:
                chosen.append(question_text)
                seen.add(pid)
            if len(chosen) == limit:
                break
        return chosen

    def _suggestions(self, rows: list[tuple[str, float, float]], explainer_id: str | None, asked: str = "",
                     limit: int = 3) -> list[str]:
        """The closest questions the bot can answer, for an "I don't know" (never the question `asked`)."""
        asked = question_key(asked)
        rank = {pid: position for position, (pid, _, _) in enumerate(rows)}
        options: list[tuple[int, str]] = []
        explainer_ids = [explainer_id] if explainer_id else list(self.explainers)
        for eid in explainer_ids:
            if self.explainers[eid].kind == "faq":
                continue
            options.extend((rank.get(pid, len(rank)), q) for q, pid in self.question_pool(eid))
        for pid, _, _ in rows[:10]:
            passage = self.passages[pid]
            if passage.kind == "faq" and passage.questions:
                options.append((rank[pid], passage.questions[0]))
        options.sort(key=lambda item: item[0])
        return list(islice((q for q in dict.fromkeys(q for _, q in options) if question_key(q) != asked), limit))




@lru_cache(maxsize=8_192)  # the pools' questions, compared with every question asked
def question_key(question: str) -> str:
    """A question as compared with another, so that none the reader asked is offered: folded, without the spaces
    and question marks at its ends."""
    return textlib.fold(question).strip(" ?")


def feature_matrix(answerer: Answerer, questions: Sequence[str], histories: Sequence[Sequence[str]],
                   hits: list[list[tuple[str, float, float, float]]] | None = None
                   ) -> tuple[np.ndarray, list[list[tuple[str, float, float]]]]:
    """Features and rankings for many questions at once (used to fit the confidence model).

    Pass `hits` from `retrieval_for` to try several priors on one retrieval."""
    plans = [answerer.query_for(q, h) for q, h in zip(questions, histories)]
    ranked = answerer.rank([p[0] for p in plans], [p[2] for p in plans], hits=hits)
    rows = [answerer.features(p[0], q, r, p[2]) for q, p, r in zip(questions, plans, ranked)]
    return np.asarray(rows, dtype=float).reshape(len(questions), len(FEATURES)), ranked


def retrieval_for(answerer: Answerer, questions: Sequence[str], histories: Sequence[Sequence[str]]
                  ) -> list[list[tuple[str, float, float, float]]]:
    """The raw retrieval `feature_matrix` would do, to share between answerers on one index."""
    plans = [answerer.query_for(q, h) for q, h in zip(questions, histories)]
    return answerer.index.retrieve_fields([p[0] for p in plans], k=answerer.candidates)
