"""Precision, recall and F-beta from match counts, with explicit conventions for empty sides.

P = matched / pred and R = matched / gold, except: nothing expected and nothing predicted is perfect
(P = R = 1.0); otherwise an empty side scores 0.0 (pred == 0 gives P = 0.0, gold == 0 gives R = 0.0).
F-beta = (1 + b²)·P·R / (b²·P + R), and 0.0 when P + R == 0. Counts may be fractional (soft credit).
"""

from __future__ import annotations

from dataclasses import dataclass

BETAS = {"f1": 1.0, "f0_5": 0.5, "f1_5": 1.5}


def precision_recall(matched: float, gold: float, pred: float) -> tuple[float, float]:
    """(precision, recall) under the module's zero-division conventions."""
    if gold == 0 and pred == 0:
        return 1.0, 1.0
    precision = matched / pred if pred else 0.0
    recall = matched / gold if gold else 0.0
    return precision, recall


def _fbeta_from(precision: float, recall: float, beta: float) -> float:
    if precision + recall == 0:
        return 0.0
    beta_squared = beta * beta
    return (1 + beta_squared) * precision * recall / (beta_squared * precision + recall)


def fbeta(matched: float, gold: float, pred: float, beta: float) -> float:
    """F-beta of the counts; beta < 1 favours precision."""
    return _fbeta_from(*precision_recall(matched, gold, pred), beta)


def prf(matched: float, gold: float, pred: float) -> dict[str, float]:
    """precision, recall, f1, f0_5 and f1_5 of the counts."""
    precision, recall = precision_recall(matched, gold, pred)
    scores = {"precision": precision, "recall": recall}
    scores.update({name: _fbeta_from(precision, recall, beta) for name, beta in BETAS.items()})
    return scores


@dataclass
class Counts:
    """Gold items, predicted items and matches at one level; `matched` may be fractional (soft credit)."""

    gold: int = 0
    pred: int = 0
    matched: float = 0

    def add(self, other: Counts) -> None:
        self.gold += other.gold
        self.pred += other.pred
        self.matched += other.matched

    def as_dict(self) -> dict[str, float]:
        return {"gold": self.gold, "pred": self.pred, "matched": self.matched}

    def scores(self) -> dict[str, float]:
        """`prf` of the counts followed by the counts themselves: one level of a metrics report."""
        return {**prf(self.matched, self.gold, self.pred), **self.as_dict()}
