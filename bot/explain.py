"""Why the bot answered what it did: the editor console's test pane.

Everything here goes through the answerer's and the index's public calls (`read`,
`retrieve_fields`, `rank`, `matched_words`), so what it shows is what a reader gets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .answer import Answerer


def explain(answerer: Answerer, question: str, explainer: str | None = None, history: Sequence[str] = (),
            k: int = 8) -> dict[str, Any]:
    """The reader's answer and, for the top `k` passages: the ranking score (with the answer-type and
    teaser priors), the body and question-field scores, and the question's terms each field holds."""
    answer = answerer.answer(question, explainer=explainer, history=list(history))
    # The passages are ranked as the answer read the question: a question that looks like a follow-up but
    # stands on its own is answered without its earlier turn when that does as well, and an "I don't know"
    # in the explainer may be answered from another one. Ranking it otherwise would list passages (and
    # say "follow-up") for a reading the reader never got, without the passage they did get.
    reading = answerer.read([question], [list(history) if answer.context_used else []], explainer)[0]
    query, previous, cues = reading.query, reading.previous, reading.cues
    scope = reading.among if explainer and not answer.fallback else None
    raw = answerer.index.retrieve_fields([query], k=answerer.candidates, among=scope)
    ranked = [row for row in answerer.rank([query], [cues], among=scope, hits=raw)[0] if row[0] != reading.shown]
    fields = {passage_id: (score, body, asked) for passage_id, score, body, asked in raw[0]}
    passages = []
    for position, (passage_id, score, _) in enumerate(ranked[:k], start=1):
        passage = answerer.passages[passage_id]
        retrieval, body, asked = fields.get(passage_id, (0.0, 0.0, 0.0))
        passages.append({
            "rank": position, "passage_id": passage_id, "score": round(score, 4),
            "retrieval_score": round(retrieval, 4), "prior": round(score - retrieval, 4),
            "body_score": round(body, 4), "question_score": round(asked, 4),
            "matched": answerer.index.matched_words(query, passage_id),
            "explainer_id": passage.explainer_id, "explainer_title": answerer.explainers[passage.explainer_id].title,
            "section": passage.section, "heading": passage.heading, "kind": passage.kind,
            "answerable": passage.answerable, "text": passage.display_text,
            "chosen": passage_id == answer.passage_id,
        })
    result = answer.to_json()
    result.update({
        "query": query, "context_used": previous, "cues": sorted(cues), "passages": passages,
        "explanation": (f"Replied in kind: {answer.reason}. The reader reads: \u201c{answer.text}\u201d"
                        if answer.small_talk else
                        _why(answer.abstained, answer.reason, answer.fallback, answer.confidence, answer.threshold)),
    })
    return result


def _why(abstained: bool, reason: str, fallback: bool, confidence: float, threshold: float) -> str:
    if abstained:
        return f"Abstained: {reason}." if reason else "Abstained."
    if fallback:
        return f"Answered from another explainer: {reason}."
    if confidence < threshold:
        return f"Answered below the threshold {threshold:.2f} (confidence {confidence:.2f}): {reason}."
    return f"Answered: confidence {confidence:.2f} is at or above the threshold {threshold:.2f}."
