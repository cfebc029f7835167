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
from .corpus_model import LabelledQuestion


def first_relevant_rank(relevant: Iterable[str], ranking: Sequence[str]) -> int | None:
    """Where the first relevant passage ranks in the first ten (1 is first), or None when none is there."""
    relevant = set(relevant)
    return next((position for position, pid in enumerate(ranking[:10], start=1) if pid in relevant), None)


def judge(question: LabelledQuestion, ranking: Sequence[str], abstained: bool, confidence: float) -> dict[str, Any]:
    """One question's outcome: where the first relevant passage ranked, and whether the bot was right."""
    relevant = set(question.relevant)
    rank = first_relevant_rank(relevant, ranking)
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
    report["threshold_curve"] = threshold_curve(outcomes)
    report["confidence_histogram"] = confidence_histogram(outcomes)
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

    widths = [max(len(c), 6) + 2 for c in _COLUMNS]  # every heading apart from the next

    def cells(row: dict[str, Any]) -> str:
        return "".join(f"{cell(row.get(c)):>{w}}" for c, w in zip(_COLUMNS, widths))

    header = f"{'':28}" + "".join(f"{c:>{w}}" for c, w in zip(_COLUMNS, widths))
    lines = [title] if title else []
    lines += [header, f"{'all':28}" + cells(report)]
    for group in ("per_explainer", "per_section"):
        if report.get(group):
            lines.append(group.replace("_", " ") + ":")
            for name, row in report[group].items():
                lines.append(f"  {name[:26]:26}" + cells(row))
    if "threshold" in report:
        lines.append(f"confidence threshold: {report['threshold']:.3f}")
    return "\n".join(lines)


def threshold_curve(outcomes: Sequence[dict[str, Any]], steps: int = 50) -> list[dict[str, Any]]:
    """What each confidence threshold t in 0, 1/steps, ..., 1 would give on these outcomes.

    A question is answered at t when it has a top passage and confidence >= t (at the index's own
    threshold this is exactly what the bot did: teasers and empty questions carry a confidence below it).

        coverage          = answered / all questions
        answered_accuracy = answered with a relevant top passage / answered
        correct           = (right answers + unanswerable questions left unanswered) / all questions
    """
    points = []
    total = len(outcomes)
    for step in range(steps + 1):
        threshold = step / steps
        answered = [o for o in outcomes if o["top"] is not None and o["confidence"] >= threshold]
        right = sum(o["answerable"] and o["top"] in o["relevant"] for o in answered)
        declined_right = sum(not o["answerable"] for o in outcomes) - sum(not o["answerable"] for o in answered)
        points.append({
            "threshold": round(threshold, 4), "answered": len(answered),
            "coverage": round(len(answered) / total, 4) if total else None,
            "answered_accuracy": round(right / len(answered), 4) if answered else None,
            "correct": round((right + declined_right) / total, 4) if total else None,
        })
    return points


def confidence_histogram(outcomes: Sequence[dict[str, Any]], bins: int = 10) -> dict[str, Any]:
    """Counts of confidence in `bins` equal bins over [0, 1] for three kinds of question:
    `right` (answerable, top passage relevant), `wrong` (answerable, top passage not relevant) and
    `unanswerable`; whether the bot then answered or abstained does not matter here."""
    counts = {"right": [0] * bins, "wrong": [0] * bins, "unanswerable": [0] * bins}
    for outcome in outcomes:
        if not outcome["answerable"]:
            kind = "unanswerable"
        else:
            kind = "right" if outcome["top"] in outcome["relevant"] else "wrong"
        position = min(int(float(outcome["confidence"]) * bins), bins - 1)
        counts[kind][max(position, 0)] += 1
    return {"edges": [round(i / bins, 4) for i in range(bins + 1)], **counts}


def compare_reports(previous: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """Question by question (matched on id and question text), what changed between two `evaluate` reports:
    `better` (wrong before, right now), `worse` (right before, wrong now), plus the change of each summary
    figure.  Rows are dicts with an id; anything else in a report is ignored (`ValueError` if none is usable).
    An id whose question text differs (two files both called up1.csv, ids `up1.csv:3`) is not compared:
    it is listed as `changed_question`."""
    rows_before = [o for o in previous.get("per_question", []) if isinstance(o, dict) and "id" in o]
    rows_now = [o for o in current.get("per_question", []) if isinstance(o, dict) and "id" in o]
    if previous.get("per_question") and not rows_before:
        raise ValueError("the earlier report has no per-question rows to compare (is it an `evaluate --json` report?)")
    before = {o["id"]: o for o in rows_before}
    better, worse, same, changed = [], [], 0, []
    for outcome in rows_now:
        old = before.get(outcome["id"])
        if old is None:
            continue
        if old.get("question") != outcome.get("question"):
            changed.append(outcome["id"])
            continue
        row = {"id": outcome["id"], "question": outcome["question"], "context": outcome.get("context", []),
               "relevant": outcome["relevant"],
               "before": {k: old.get(k) for k in ("top", "rank", "abstained", "confidence", "correct")},
               "after": {k: outcome.get(k) for k in ("top", "rank", "abstained", "confidence", "correct")}}
        if outcome["correct"] and not old["correct"]:
            better.append(row)
        elif old["correct"] and not outcome["correct"]:
            worse.append(row)
        else:
            same += 1
    current_ids = {o["id"] for o in rows_now}
    delta = {}
    for name in _COLUMNS[1:] + ("coverage", "correct"):
        if isinstance(previous.get(name), (int, float)) and isinstance(current.get(name), (int, float)):
            delta[name] = round(current[name] - previous[name], 4)
    return {"better": better, "worse": worse, "unchanged": same, "changed_question": changed,
            "new": sorted(current_ids - set(before)), "gone": sorted(set(before) - current_ids), "delta": delta}


def format_curves(report: dict[str, Any], every: int = 5) -> str:
    """The threshold curve (every `every`th point) and the confidence histogram as plain text."""
    lines = ["threshold curve:", f"  {'threshold':>9} {'coverage':>9} {'answered acc':>13} {'correct':>8}"]
    current = report.get("threshold")
    for point in report.get("threshold_curve", [])[::every]:
        marks = [f"{point[k]:.3f}" if point[k] is not None else "-" for k in ("coverage", "answered_accuracy", "correct")]
        lines.append(f"  {point['threshold']:>9.2f} {marks[0]:>9} {marks[1]:>13} {marks[2]:>8}")
    if current is not None:
        lines.append(f"  (current threshold {current:.3f})")
    histogram = report.get("confidence_histogram")
    if histogram:
        lines.append("confidence histogram:")
        lines.append(f"  {'bin':>11} {'right':>6} {'wrong':>6} {'unanswerable':>13}")
        edges = histogram["edges"]
        for i in range(len(edges) - 1):
            lines.append(f"  {edges[i]:.1f}-{edges[i + 1]:.1f}   {histogram['right'][i]:>6} {histogram['wrong'][i]:>6} "
                         f"{histogram['unanswerable'][i]:>13}")
    return "\n".join(lines)


def format_comparison(comparison: dict[str, Any], limit: int = 20) -> str:
    """Better and worse questions of `compare_reports`, as plain text."""
    def verdict(state: dict[str, Any]) -> str:
        return "abstain" if state["abstained"] else str(state["top"])

    lines = [f"compared with the previous run: {len(comparison['better'])} better, {len(comparison['worse'])} worse, "
             f"{comparison['unchanged']} unchanged"]
    new, gone = comparison.get("new", []), comparison.get("gone", [])
    if new or gone:  # then the figures' change is partly the change of questions, not of the bot
        lines.append(f"  not in both runs: {len(new)} question(s) only in this one, {len(gone)} only in the previous"
                     + "".join(f"; {label} {', '.join(ids[:5])}{', ...' if len(ids) > 5 else ''}"
                               for label, ids in (("new:", new), ("gone:", gone)) if ids))
    if comparison["delta"]:
        label = "change over different questions" if new or gone or comparison.get("changed_question") else "change"
        lines.append(f"  {label}: " + ", ".join(f"{k} {v:+.3f}" for k, v in comparison["delta"].items()))
    if comparison.get("changed_question"):
        lines.append(f"  not compared: {len(comparison['changed_question'])} id(s) now name another question "
                     f"({', '.join(comparison['changed_question'][:5])})")
    for name in ("better", "worse"):
        for row in comparison[name][:limit]:
            lines.append(f"  {name:6} {row['id']}: {row['question']!r} {verdict(row['before'])} -> {verdict(row['after'])}")
    return "\n".join(lines)
