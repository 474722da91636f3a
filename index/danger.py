"""A second reading of acute danger: a logistic regression on the question vector.

The nearest-neighbour vote (`Prototypes.read`: danger against safe) knows a question
only by its three nearest sentences; a danger told in words no prototype uses misses
them. This linear model is fitted on all prototype sentences at once (acute danger
against topics, worrying-but-not-acute and off-topic questions, classes weighted to
balance), so it reads what the danger sentences share. `ranking.is_crisis` uses it
both ways: a question it finds near-certain (`Weights.crisis_sure`) is a crisis even
when the vote misses it, and a vote it finds unlikely (below `Weights.crisis_doubt`)
is no crisis. Fitted when the prototypes are embedded (about a second) and saved
with them.

Chosen on the tuning half of our own set, with its sentences out of the prototypes
and of the fit (C=10, sure 0.93, doubt 0.2; 0.3 since the lexicon extension, see
`Weights.crisis_doubt`): crisis recall 0.976 -> 1.000, false
alarms on everyday questions 0.014 -> 0.014, on alarming-looking ones 0.131 -> 0.161,
on out-of-scope ones 0.029 -> 0.014; dev: crisis 1.00, false alarms 2/107 as before.
Since fitted to convergence (`TOL`, C=20): the same rule gives 0 misses and 26 false
alarms of 448 on the tuning half (27 before), dev unchanged (0 misses, 2 false alarms).
"""

from __future__ import annotations

import numpy as np

#: inverse regularisation; on the tuning half, fitted to convergence, C = 0.3, 1, 3 miss
#: crises at every threshold, 10 to 100 reach recall 1.0 with 25 to 28 false alarms
C = 20.0
#: lbfgs runs to convergence. At scikit-learn's default (1e-4) it stopped after about 34
#: iterations, wherever that happened to be, and leaving out 3 of 13,000 sentences moved
#: P(danger) of a tuning question by up to 0.11; at 1e-8, by at most 0.004
TOL = 1e-8
#: part of the index fingerprint: a saved fit of other settings is fitted again
SETTINGS = f"logistic C={C} tol={TOL}"


def fit(danger: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, float]:
    """Weights and bias of P(acute danger | question vector), deterministic (lbfgs)."""
    from sklearn.linear_model import LogisticRegression

    if not len(danger) or not len(other):
        return np.zeros(danger.shape[1] if danger.ndim == 2 else 0, dtype=np.float32), -30.0
    x = np.vstack([danger, other]).astype(np.float64)
    y = np.r_[np.ones(len(danger)), np.zeros(len(other))]
    model = LogisticRegression(C=C, tol=TOL, max_iter=20000,
                               class_weight="balanced").fit(x, y)
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


def probability(weights: np.ndarray, bias: float, qvec: np.ndarray) -> float:
    z = float(np.dot(weights, qvec)) + bias
    return float(1.0 / (1.0 + np.exp(-np.clip(z, -60.0, 60.0))))
