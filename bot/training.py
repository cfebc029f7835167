"""Tuning and calibration by cross-validation, for `train.py`.

Settings (field and channel weights, answer-type and teaser priors) and the
confidence model are chosen on some folds of the labelled questions and scored
on the fold they never saw; every question is reported on exactly once.  The
model that is saved is then fitted on all of them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import bundle
from .answer import Answer, Answerer, feature_matrix, retrieval_for
from .confidence import FEATURES, ConfidenceModel, choose_threshold, reliability_table
from .corpus import Corpus, LabelledQuestion, check_questions, label_phrasings, with_phrasings
from .evaluate import _grouped, first_relevant_rank, judge, metrics

# Down-weighting stop words (0.3) was never chosen over keeping them (1.0) on the shipped questions
# or the public FAQ sets, so it is no longer searched.
INDEX_GRID: tuple[dict[str, Any], ...] = tuple(
    {"char_weight": c, "question_weight": q} for c, q in itertools.product((0.2, 0.35, 0.5), (0.2, 0.35, 0.5))
)
ANSWER_GRID: tuple[dict[str, Any], ...] = tuple(
    {"cue_weight": c, "teaser_penalty": t, "entity_penalty": e, "papers_penalty": p, "explainer_weight": x}
    for c, t, e, p, x in itertools.product((0.04, 0.08), (0.0, 0.06), (0.0, 0.06, 0.12), (0.0, 0.04), (0.0, 0.3))
)


@dataclass
class Candidate:
    index_params: dict[str, Any]
    answer_params: dict[str, Any]
    features: np.ndarray
    rankings: list[list[str]]
    answerable_top: np.ndarray   # the top passage may answer (not an off-topic teaser)
    reciprocal: np.ndarray       # 1 / the rank of the first relevant passage in the first ten (0: none there)

    @property
    def top_right(self) -> np.ndarray:
        """Whether the top passage is a relevant one."""
        return self.reciprocal == 1.0


def _candidates(corpus: Corpus, questions: Sequence[LabelledQuestion], index_grid: Sequence[dict[str, Any]],
                answer_grid: Sequence[dict[str, Any]], folds: list[np.ndarray], learn: bool,
                progress: Callable[[str, int, int], None] | None) -> list[Candidate]:
    """Every setting's features and rankings for every question, each question retrieved by an index
    that holds the other folds' labelled questions as phrasings (when `learn`), never its own."""
    n = len(questions)
    texts, histories = [q.question for q in questions], [q.context for q in questions]
    found = []
    total = len(index_grid) * len(answer_grid)
    for i, index_params in enumerate(index_grid):
        rows = [np.zeros((n, len(FEATURES))) for _ in answer_grid]
        rankings: list[list[list[str]]] = [[[] for _ in range(n)] for _ in answer_grid]
        answerable_top = [np.zeros(n, dtype=bool) for _ in answer_grid]
        for test in folds if learn else [np.arange(n)]:
            fold_corpus = _fold_corpus(corpus, questions, test, learn)
            base = bundle.build(fold_corpus, index_params)
            fold_texts, fold_histories = [texts[r] for r in test], [histories[r] for r in test]
            hits = retrieval_for(base, fold_texts, fold_histories)
            for j, answer_params in enumerate(answer_grid):
                answerer = Answerer(base.index, list(fold_corpus.explainers.values()), model=ConfidenceModel(),
                                    **answer_params)
                features, ranked = feature_matrix(answerer, fold_texts, fold_histories, hits=hits)
                rows[j][test] = features
                for row, ranking in zip(test, ranked):
                    rankings[j][row] = [pid for pid, _, _ in ranking]
                    answerable_top[j][row] = bool(ranking) and answerer.passages[ranking[0][0]].answerable
        for j, answer_params in enumerate(answer_grid):
            reciprocal = np.array([1.0 / rank if (rank := first_relevant_rank(q.relevant, r)) else 0.0
                                   for r, q in zip(rankings[j], questions)])
            found.append(Candidate(index_params, answer_params, rows[j], rankings[j], answerable_top[j], reciprocal))
        if progress:
            progress("tuning", (i + 1) * len(answer_grid), total)
    return found


def _fold_corpus(corpus: Corpus, questions: Sequence[LabelledQuestion], test: np.ndarray, learn: bool) -> Corpus:
    """The corpus that answers the questions at `test`: with the other folds' labelled questions as phrasings of
    their passages (when `learn`), never their own."""
    if not learn:
        return corpus
    return with_phrasings(corpus, label_phrasings(questions[r] for r in np.setdiff1d(np.arange(len(questions)), test)))


def _answer_fold(corpus: Corpus, questions: Sequence[LabelledQuestion], test: np.ndarray, candidate: Candidate,
                 model: ConfidenceModel, learn: bool) -> list[Answer]:
    """The questions at `test` answered as a reader's are (`Answerer.answer_batch`: the reading of follow-ups and of
    a page's questions, and the checks that decline what no passage answers), by the settings and model chosen on
    the other folds."""
    answerer = bundle.build(_fold_corpus(corpus, questions, test, learn), candidate.index_params,
                            candidate.answer_params, model=model)
    return answerer.answer_batch([questions[r].question for r in test], histories=[questions[r].context for r in test])


def _select(candidates: Sequence[Candidate], rows: np.ndarray) -> Candidate:
    """The setting with the best acc@1 plus MRR@10 on `rows` (ties: the earlier, simpler one). Of hundreds of
    settings, many tie on right first answers over a few hundred questions, and which of them came first had
    decided; where each ranks the right passage when it misses tells them apart."""
    return max(candidates, key=lambda c: float(c.top_right[rows].mean() + c.reciprocal[rows].mean()) if len(rows) else 0.0)


def _fit(candidate: Candidate, rows: np.ndarray, target_precision: float, folds: int, seed: int) -> ConfidenceModel:
    """Fit the confidence model on `rows`; its threshold comes from out-of-fold predictions."""
    labels = candidate.top_right[rows].astype(int)
    model = ConfidenceModel.fit(candidate.features[rows], labels, target_precision)
    inner = _folds(len(rows), min(folds, max(2, len(rows) // 10)), seed + 1)
    predictions = np.zeros(len(rows))
    for part in inner:
        rest = np.setdiff1d(np.arange(len(rows)), part)
        fitted = ConfidenceModel.fit(candidate.features[rows][rest], labels[rest], target_precision)
        predictions[part] = fitted.predict_many(candidate.features[rows][part])
    usable = candidate.answerable_top[rows]
    model.threshold = choose_threshold(np.where(usable, predictions, 0.0), labels, target_precision)
    return model


def _folds(n: int, k: int, seed: int) -> list[np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    return [np.sort(part) for part in np.array_split(order, k) if len(part)]


def check_folds(folds: int, questions: int) -> None:
    """Cross-validation needs at least 2 folds, and at least 2 labelled questions in each."""
    if not isinstance(folds, int) or folds < 2:
        raise ValueError(f"--folds must be at least 2 (cross-validation scores each fold on settings chosen on "
                         f"the others), got {folds}")
    if questions < 4:  # then no --folds will do: "use --folds 2 or fewer" was no way out
        raise ValueError(f"cross-validation needs at least 4 labelled questions (2 folds of 2); there are {questions}: "
                         "add labelled questions, or build without them (with no --queries and no eval/*.jsonl "
                         "beside the corpus, the default settings and confidence model are used)")
    if questions < 2 * folds:
        raise ValueError(f"--folds {folds} needs at least {2 * folds} labelled questions, 2 per fold; there are "
                         f"{questions}: use --folds {max(2, questions // 2)} or fewer")


def train(corpus: Corpus, questions: Sequence[LabelledQuestion], folds: int = 5, target_precision: float = 0.9,
          seed: int = 0, index_grid: Sequence[dict[str, Any]] = INDEX_GRID,
          answer_grid: Sequence[dict[str, Any]] = ANSWER_GRID, learn: bool = True,
          progress: Callable[[str, int, int], None] | None = None) -> tuple[Answerer, dict[str, Any] | None]:
    """Build the answerer for `corpus`, tuned and calibrated on `questions` when there are any.

    With `learn`, labelled questions also join the index as phrasings of the passages that answer
    them (each fold's questions scored by an index built without them).  The settings are tuned on the
    ranking and confidence of every setting; the report scores each held-out question by the answer a
    reader would get from the settings and model chosen on the other folds (`_answer_fold`).
    Returns the answerer and the cross-validated report (None without labelled questions).
    """
    if not 0.0 < target_precision < 1.0:
        raise ValueError(f"target precision must be between 0 and 1, got {target_precision}")
    if not questions:
        return bundle.build(corpus), None  # the Answerer takes the bundled model for its kind of corpus
    check_folds(folds, len(questions))  # never labels silently dropped for want of questions per fold
    check_questions(list(questions), corpus)
    n = len(questions)
    outer = _folds(n, folds, seed)
    candidates = _candidates(corpus, questions, index_grid, answer_grid, outer, learn, progress)
    confidence = np.zeros(n)
    outcomes: list[dict[str, Any]] = [{}] * n
    chosen = []
    for k, test in enumerate(outer):
        train_rows = np.setdiff1d(np.arange(n), test)
        candidate = _select(candidates, train_rows)
        model = _fit(candidate, train_rows, target_precision, folds, seed)
        chosen.append({**candidate.index_params, **candidate.answer_params, "threshold": round(model.threshold, 4)})
        for row, answer in zip(test, _answer_fold(corpus, questions, test, candidate, model, learn)):
            confidence[row] = answer.confidence
            outcomes[row] = judge(questions[row], answer.ranking, answer.abstained, answer.confidence)
        if progress:
            progress("cross-validation", k + 1, folds)
    top_right = np.array([o["rank"] == 1 for o in outcomes], dtype=int)
    report = metrics(outcomes)
    report["per_question"] = outcomes
    final = _select(candidates, np.arange(n))
    model = _fit(final, np.arange(n), target_precision, folds, seed)
    model.reliability = reliability_table(confidence, top_right, bins=5)
    model.fitted_on = f"{n} labelled questions, {folds}-fold cross-validation{'' if learn else ', none of them in the index'}"
    final_corpus = with_phrasings(corpus, label_phrasings(questions)) if learn else corpus
    answerer = bundle.build(final_corpus, final.index_params, final.answer_params, model=model, processes=0)
    report.update({
        "method": f"{folds}-fold cross-validation: settings, confidence model and threshold chosen on the other folds",
        "folds": chosen, "chosen": {**final.index_params, **final.answer_params},
        "threshold": round(model.threshold, 4), "target_precision": target_precision,
        "reliability": model.reliability, "features": list(FEATURES), "labels_as_phrasings": learn,
    })
    report["per_explainer"] = _grouped(outcomes, lambda o: _explainer_of(o, answerer))
    return answerer, report


def _explainer_of(outcome: dict[str, Any], answerer: Answerer) -> str:
    passage = answerer.passages.get(outcome["relevant"][0]) if outcome["relevant"] else None
    return passage.explainer_id if passage else "(unanswerable)"
