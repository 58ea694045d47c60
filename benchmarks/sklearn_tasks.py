"""Tuning tasks of the tuning suite: scikit-learn models on bundled data sets.

Each task has a mixed search space, two objectives with opposite directions
and one constraint. The objectives are deterministic: the model, the folds and
the data are fixed, so the same configuration always scores the same. Model
size counts tree nodes, not bytes or fit time, for the same reason.

The constraint of both tasks bounds the overfitting gap, the mean training
score minus the mean cross-validated score. Deep trees and large learning
rates fit the training folds far better than the held-out ones, so the gap
rules out part of the space, including some of the most accurate models.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.datasets import load_diabetes, load_digits
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier
from sklearn.model_selection import KFold, StratifiedKFold, cross_validate

import moopt


@dataclass(frozen=True)
class TuningTask:
    """A model to tune: its space, objectives, constraint and HV reference point.

    ``evaluate(params)`` returns every objective and the constrained output.
    ``reference_point`` is in user units, in the order of ``objectives``.
    """

    name: str
    description: str
    space: dict[str, moopt.Float | moopt.Int | moopt.Categorical]
    objectives: dict[str, str]
    constraint: moopt.Constraint
    reference_point: tuple[float, ...]
    evaluate: Callable[[dict[str, Any]], dict[str, float]]

    @property
    def directions(self) -> list[str]:
        return list(self.objectives.values())

    def violation(self, outputs: dict[str, float]) -> float:
        """Return the constraint violation of one evaluation (0.0 when feasible)."""
        value = np.array(outputs[self.constraint.name], dtype=np.float64)
        return float(self.constraint.violation(value))


@functools.cache
def _digits() -> tuple[np.ndarray, np.ndarray]:
    return load_digits(return_X_y=True)


@functools.cache
def _diabetes() -> tuple[np.ndarray, np.ndarray]:
    return load_diabetes(return_X_y=True)


def _cross_validate(
    model: Any, data: tuple[np.ndarray, np.ndarray], folds: Any
) -> tuple[float, float, float]:
    """Return (mean CV score, mean train score - mean CV score, mean node count).

    The node count is the total number of tree nodes of a fitted model,
    averaged over the folds.
    """
    features, targets = data
    scores = cross_validate(
        model,
        features,
        targets,
        cv=folds,
        return_train_score=True,
        return_estimator=True,
        n_jobs=1,
    )
    node_counts = [
        sum(tree.tree_.node_count for tree in np.ravel(fitted.estimators_))
        for fitted in scores["estimator"]
    ]
    test_score = float(np.mean(scores["test_score"]))
    gap = float(np.mean(scores["train_score"])) - test_score
    return test_score, gap, float(np.mean(node_counts))


def evaluate_digits_forest(params: dict[str, Any]) -> dict[str, float]:
    """Score a random forest on the digits data by 3-fold stratified CV.

    Returns the mean accuracy, the mean total node count and the gap between
    mean training and CV accuracy.
    """
    model = RandomForestClassifier(**params, random_state=0, n_jobs=1)
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    accuracy, gap, n_nodes = _cross_validate(model, _digits(), folds)
    return {"accuracy": accuracy, "n_nodes": n_nodes, "train_cv_gap": gap}


def evaluate_diabetes_boosting(params: dict[str, Any]) -> dict[str, float]:
    """Score gradient-boosted trees on the diabetes data by 5-fold CV.

    Returns the mean R^2, the mean total node count and the gap between mean
    training and CV R^2.
    """
    model = GradientBoostingRegressor(**params, random_state=0)
    folds = KFold(n_splits=5, shuffle=True, random_state=0)
    r2, gap, n_nodes = _cross_validate(model, _diabetes(), folds)
    return {"r2": r2, "n_nodes": n_nodes, "train_cv_gap": gap}


# One evaluation took 0.05 s on average over 100 configurations drawn
# uniformly from this space, on one thread of the 2-core benchmark machine,
# and 0.3 to 0.5 s for the largest forests.
DIGITS_FOREST = TuningTask(
    name="digits_forest",
    description="RandomForestClassifier on load_digits (1797 images, 10 classes), "
    "3-fold stratified CV",
    space={
        "n_estimators": moopt.Int(1, 32, log=True),
        "max_depth": moopt.Int(2, 20),
        "max_samples": moopt.Float(0.05, 1.0, log=True),
        "max_features": moopt.Categorical(["sqrt", "log2", 0.25]),
        "criterion": moopt.Categorical(["gini", "entropy"]),
    },
    objectives={"accuracy": "maximize", "n_nodes": "minimize"},
    constraint=moopt.Constraint("train_cv_gap", "<=", 0.05, tolerance=0.0),
    # Accuracy 0.1 is chance level for the 10 balanced classes. The largest
    # forests of the space, 32 trees grown on all samples, have 7247 to
    # 10 931 nodes on average over the folds, depending on max_features and
    # criterion, the same counts as with a depth limit of 24.
    reference_point=(0.1, 12_000.0),
    evaluate=evaluate_digits_forest,
)

# One evaluation took 0.13 s on average over 100 configurations drawn
# uniformly from this space, on one thread, and at most 0.6 s.
DIABETES_BOOSTING = TuningTask(
    name="diabetes_boosting",
    description="GradientBoostingRegressor on load_diabetes (442 patients, "
    "10 features), 5-fold CV",
    space={
        "n_estimators": moopt.Int(5, 150, log=True),
        "learning_rate": moopt.Float(0.01, 1.0, log=True),
        "max_depth": moopt.Int(1, 5),
        "subsample": moopt.Float(0.3, 1.0),
        "max_features": moopt.Categorical([None, 0.5, "sqrt"]),
    },
    objectives={"r2": "maximize", "n_nodes": "minimize"},
    constraint=moopt.Constraint("train_cv_gap", "<=", 0.15, tolerance=0.0),
    # R^2 0 is the score of predicting the mean target. A tree of depth 5 has
    # at most 63 nodes, so no model of the space exceeds 150 x 63 = 9450 nodes.
    reference_point=(0.0, 10_000.0),
    evaluate=evaluate_diabetes_boosting,
)

TASKS = {task.name: task for task in (DIGITS_FOREST, DIABETES_BOOSTING)}
