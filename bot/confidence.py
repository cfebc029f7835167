"""The confidence model: the probability that an answer is right, from retrieval features.

A logistic regression on a handful of features that mean the same thing on any
corpus (scores are cosines in [0, 1]):

    p(right) = 1 / (1 + exp(-(w . x + c)))

`train.py` fits it by cross-validation on labelled questions and picks the
threshold that reaches an editor's target precision.  It is stored as JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FEATURES = (
    "top_score",       # the best passage's score
    "margin",          # its lead over the best other passage
    "coverage",        # share of the question's content words the passage holds
    "known",           # share of the question's content words the index knows at all
    "teaser",          # 1 when the best passage is a common-question teaser
    "cue_match",       # 1 when the passage is of the kind the question asks for (why -> analysis, ...)
    "question_match",  # the best passage's question-field score
    "short",           # 1 for questions of one or two content words
)

DEFAULT_PATH = Path(__file__).with_name("calibration.json")
# A corpus of FAQ files only: its entries' own questions are the question field, and a reader's question that
# matches one says much more than a news explainer's teaser title does.
FAQ_DEFAULT_PATH = Path(__file__).with_name("calibration_faq.json")


def default_path(faq: bool) -> Path:
    """Where the bundled model for corpora without labelled questions is kept: FAQ files only, or explainers."""
    return FAQ_DEFAULT_PATH if faq else DEFAULT_PATH


@dataclass
class ConfidenceModel:
    coef: list[float] = field(default_factory=lambda: [6.0, 8.0, 3.0, 2.0, -1.0, 0.5, 1.0, -0.5])
    intercept: float = -6.0
    threshold: float = 0.5
    target_precision: float = 0.9
    fitted_on: str = "hand-set defaults"
    reliability: list[dict[str, float]] = field(default_factory=list)

    def predict(self, features: Sequence[float]) -> float:
        z = float(np.dot(self.coef, features)) + self.intercept
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def predict_many(self, rows: np.ndarray) -> np.ndarray:
        z = rows @ np.asarray(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    @classmethod
    def fit(cls, rows: np.ndarray, correct: np.ndarray, target_precision: float = 0.9,
            fitted_on: str = "") -> ConfidenceModel:
        """Fit the weights on (features, was the answer right) pairs, then choose the threshold."""
        from sklearn.linear_model import LogisticRegression

        rows = np.asarray(rows, dtype=float)
        correct = np.asarray(correct, dtype=int)
        if len(set(correct.tolist())) < 2:
            model = cls(fitted_on=fitted_on or "defaults: labels all of one class")
        else:
            regression = LogisticRegression(C=1.0, max_iter=1000).fit(rows, correct)
            model = cls(coef=[float(c) for c in regression.coef_[0]], intercept=float(regression.intercept_[0]),
                        fitted_on=fitted_on)
        model.target_precision = target_precision
        model.threshold = choose_threshold(model.predict_many(rows), correct, target_precision)
        return model

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES), "coef": self.coef, "intercept": self.intercept, "threshold": self.threshold,
            "target_precision": self.target_precision, "fitted_on": self.fitted_on, "reliability": self.reliability,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConfidenceModel:
        if list(data.get("features", [])) != list(FEATURES) or len(data.get("coef", [])) != len(FEATURES):
            raise ValueError("the confidence model was fitted on other features; rebuild with `python train.py`")
        return cls(coef=[float(c) for c in data["coef"]], intercept=float(data["intercept"]),
                   threshold=float(data["threshold"]), target_precision=float(data.get("target_precision", 0.9)),
                   fitted_on=str(data.get("fitted_on", "")), reliability=list(data.get("reliability", [])))

    @classmethod
    def default(cls, faq: bool = False) -> ConfidenceModel:
        """The bundled model for corpora without labels: for explainers, fitted on the shipped explainers' labelled
        questions; for a corpus of FAQ files only, on a public FAQ set's (README, "Quality")."""
        path = default_path(faq)
        if not path.is_file():
            path = DEFAULT_PATH
        if path.is_file():
            return cls.from_json(json.loads(path.read_text(encoding="utf-8")))
        return cls()


def choose_threshold(confidence: np.ndarray, correct: np.ndarray, target_precision: float,
                     min_coverage: float = 0.5) -> float:
    """The lowest threshold whose answered questions reach `target_precision` (answer the most while
    staying that precise).

    When that precision is out of reach, or reachable only by answering fewer than `min_coverage`
    of the questions the bot gets right, the threshold instead maximises right decisions: right
    answers given plus wrong answers withheld. That count is jagged over a few hundred questions, and
    thresholds far apart come within a decision or two of its best; the middle of those (within 1% of
    the questions) is the choice one question more or less moves least.
    """
    if len(confidence) == 0:
        return 0.5
    order = np.argsort(-confidence, kind="stable")
    ranked_confidence = confidence[order]
    hits = np.cumsum(correct[order])
    answered = np.arange(1, len(order) + 1)
    precision = hits / answered
    meets = np.flatnonzero(precision >= target_precision)
    total_right = max(int(correct.sum()), 1)
    if meets.size and hits[meets[-1]] / total_right >= min_coverage:
        return float(ranked_confidence[meets[-1]])
    withheld_wrong = (len(order) - total_right) - (answered - hits)
    decisions = hits + withheld_wrong
    best = int(np.argmax(decisions))
    if decisions[best] <= len(order) - total_right:  # answering nothing is at least as good
        return float(ranked_confidence[0]) + 1e-6
    near = np.flatnonzero(decisions >= decisions[best] - max(1, round(0.01 * len(order))))
    return float(ranked_confidence[near[len(near) // 2]])


def reliability_table(confidence: np.ndarray, correct: np.ndarray, bins: int = 5) -> list[dict[str, float]]:
    """Predicted against observed accuracy in equal-width bins: how honest the confidence is."""
    table = []
    edges = np.linspace(0.0, 1.0, bins + 1)
    for low, high in zip(edges[:-1], edges[1:]):
        inside = (confidence >= low) & ((confidence < high) | (high == 1.0))
        if inside.any():
            table.append({"low": float(low), "high": float(high), "n": int(inside.sum()),
                          "predicted": float(confidence[inside].mean()), "observed": float(correct[inside].mean())})
    return table
