"""Generic building blocks: thresholded one-to-one assignment and P/R/F-beta conventions."""

import numpy as np
import pytest

from sciextract.scoring.assignment import assign
from sciextract.scoring.fbeta import fbeta, precision_recall, prf


def test_assignment_is_optimal_not_greedy():
    # greedy would take (0,0)=0.9 and leave row 1 unmatched; the optimum pairs (0,1)+(1,0) = 1.7
    scores = np.array([[0.9, 0.85], [0.85, 0.0]])
    assert sorted(assign(scores, 0.8)) == [(0, 1, 0.85), (1, 0, 0.85)]


def test_assignment_threshold_is_inclusive():
    assert assign(np.array([[0.8]]), 0.8) == [(0, 0, 0.8)]
    assert assign(np.array([[0.79]]), 0.8) == []


def test_assignment_drops_forced_pairs_below_threshold():
    # 2x2: the solver must pair row 1 with something, but 0.3 < 0.5 is not kept
    assert assign(np.array([[0.9, 0.2], [0.3, 0.1]]), 0.5) == [(0, 0, 0.9)]


def test_assignment_rectangular_and_empty():
    assert assign(np.array([[0.1, 0.95, 0.9]]), 0.8) == [(0, 1, 0.95)]
    assert assign(np.zeros((0, 3)), 0.8) == []
    assert assign(np.zeros((2, 0)), 0.8) == []


def test_prf_hand_computed():
    # matched 1, gold 3, pred 2: P = 1/2, R = 1/3
    # F1 = 2·(1/6)/(5/6) = 2/5; F0.5 = 1.25·(1/6)/(0.125 + 1/3) = 5/11; F1.5 = 3.25·(1/6)/(1.125 + 1/3) = 13/35
    scores = prf(1, 3, 2)
    assert scores == pytest.approx({"precision": 0.5, "recall": 1 / 3, "f1": 0.4, "f0_5": 5 / 11, "f1_5": 13 / 35})
    assert fbeta(1, 3, 2, 0.5) == pytest.approx(5 / 11)


def test_zero_division_conventions():
    assert precision_recall(0, 0, 0) == (1.0, 1.0)  # nothing expected, nothing predicted: perfect
    assert fbeta(0, 0, 0, 0.5) == 1.0
    assert precision_recall(0, 2, 0) == (0.0, 0.0)  # pred == 0 -> P = 0; R = 0/2
    assert precision_recall(0, 0, 3) == (0.0, 0.0)  # gold == 0 -> R = 0; P = 0/3
    assert prf(0, 2, 3)["f1"] == 0.0  # P + R == 0 -> F = 0


def test_fractional_counts():
    # soft credit: matched 1.5 of gold 2, pred 2 -> P = R = 0.75
    assert fbeta(1.5, 2, 2, 0.5) == pytest.approx(0.75)
