"""Metrics over labelled questions, and the readable report.

For answerable questions (at least one relevant passage):

    acc@1     = share whose first-ranked passage is relevant
    MRR@10    = mean of 1 / rank of the first relevant passage in the top 10 (0 if none)
    recall@5  = mean share of the relevant passages found in the top 5

For abstaining ("I don't know"):

    abstain_precision = unanswerable questions abstained on / all abstentions
    abstain_recall    = unanswerable questions abstained on / all unanswerable questions
    false_abstain     = answerable questions abstained on / all answerable questions
    answered_accuracy = right answers / answers given
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from .answer import Answer, Answerer
from .corpus import LabelledQuestion


def judge(question: LabelledQuestion, ranking: Sequence[str], abstained: bool, confidence: float) -> dict[str, Any]:
    """One question's outcome: where the first relevant passage ranked, and whether the bot was right."""
    relevant = set(question.relevant)
    rank = next((position for position, pid in enumerate(ranking[:10], start=1) if pid in relevant), None)
    top = ranking[0] if ranking else None
    if question.answerable:
        correct = (not abstained) and top in relevant
    else:
        correct = abstained
    return {
        "id": question.id, "question": question.question, "context": list(question.context),
        "relevant": list(question.relevant), "answerable": question.answerable, "top": top,
        "ranking": list(ranking[:10]), "rank": rank, "abstained": abstained,
        "confidence": round(float(confidence), 4), "correct": bool(correct),
        "recall@5": (len(relevant & set(ranking[:5])) / len(relevant)) if relevant else None,
    }


def metrics(outcomes: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The summary figures of a list of `judge` outcomes."""
    answerable = [o for o in outcomes if o["answerable"]]
    unanswerable = [o for o in outcomes if not o["answerable"]]
    abstained = [o for o in outcomes if o["abstained"]]
    answered = [o for o in outcomes if not o["abstained"]]

    def share(count: int, total: int) -> float | None:
        return round(count / total, 4) if total else None

    return {
        "n": len(outcomes),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "acc@1": share(sum(o["rank"] == 1 for o in answerable), len(answerable)),
        "mrr@10": share(sum(1.0 / o["rank"] for o in answerable if o["rank"]), len(answerable)),
        "recall@5": share(sum(o["recall@5"] for o in answerable), len(answerable)),
        "abstain_precision": share(sum(not o["answerable"] for o in abstained), len(abstained)),
        "abstain_recall": share(sum(o["abstained"] for o in unanswerable), len(unanswerable)),
        "false_abstain": share(sum(o["abstained"] for o in answerable), len(answerable)),
        "answered_accuracy": share(sum(o["correct"] for o in answered), len(answered)),
        "coverage": share(len(answered), len(outcomes)),
        "correct": share(sum(o["correct"] for o in outcomes), len(outcomes)),
    }


def evaluate(answerer: Answerer, questions: Sequence[LabelledQuestion], passages_of: dict[str, Any] | None = None
             ) -> dict[str, Any]:
    """Answer every labelled question (retrieval batched) and report overall, per explainer and per section."""
    answers: list[Answer] = answerer.answer_batch([q.question for q in questions],
                                                  histories=[q.context for q in questions])
    outcomes = [judge(q, a.ranking, a.abstained, a.confidence) for q, a in zip(questions, answers)]
    report = metrics(outcomes)
    report["per_explainer"] = _grouped(outcomes, lambda o: _owner(o, answerer, "explainer_id"))
    report["per_section"] = _grouped(outcomes, lambda o: _owner(o, answerer, "section"))
    report["per_question"] = outcomes
    report["threshold"] = round(answerer.threshold, 4)
    return report


def _owner(outcome: dict[str, Any], answerer: Answerer, attribute: str) -> str:
    """Group a question by the passage it expects (unanswerable ones by where the bot looked)."""
    passage_id = outcome["relevant"][0] if outcome["relevant"] else None
    passage = answerer.passages.get(passage_id) if passage_id else None
    if passage is None:
        return "(unanswerable)"
    return getattr(passage, attribute)


def _grouped(outcomes: Iterable[dict[str, Any]], key: Any) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for outcome in outcomes:
        groups[key(outcome)].append(outcome)
    return {name: metrics(items) for name, items in sorted(groups.items())}


_COLUMNS = ("n", "acc@1", "mrr@10", "recall@5", "abstain_precision", "abstain_recall", "false_abstain", "answered_accuracy")


def format_table(report: dict[str, Any], title: str = "") -> str:
    """A plain-text table of a report: overall, then per explainer and per section."""
    def cell(value: Any) -> str:
        if value is None:
            return "-"
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    header = f"{'':28}" + "".join(f"{c:>12}" for c in _COLUMNS)
    lines = [title] if title else []
    lines += [header, f"{'all':28}" + "".join(f"{cell(report.get(c)):>12}" for c in _COLUMNS)]
    for group in ("per_explainer", "per_section"):
        if report.get(group):
            lines.append(group.replace("_", " ") + ":")
            for name, row in report[group].items():
                lines.append(f"  {name[:26]:26}" + "".join(f"{cell(row.get(c)):>12}" for c in _COLUMNS))
    if "threshold" in report:
        lines.append(f"confidence threshold: {report['threshold']:.3f}")
    return "\n".join(lines)
