"""A real tuning task: an extra-trees classifier on scikit-learn's digits data.

Each configuration is scored by 3-fold stratified cross-validation. Accuracy
is maximized and model size, the total number of tree nodes, is minimized.
Both are deterministic because the model, the folds and the data are fixed,
unlike fit time. moopt's NSGA-II is compared with random search on the same
space and budget. Random search is moopt with a single generation, whose
initial population is sampled uniformly from the space (log-uniformly for a
log-scale dimension).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.datasets import load_digits
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.model_selection import StratifiedKFold, cross_validate
from threadpoolctl import threadpool_limits

import moopt

SPACE = {
    "n_estimators": moopt.Int(1, 20),
    "ccp_alpha": moopt.Float(1e-4, 1e-1, log=True),
    "max_features": moopt.Categorical(["sqrt", "log2", None]),
}
OBJECTIVES = {"accuracy": "maximize", "n_nodes": "minimize"}
DIRECTIONS = list(OBJECTIVES.values())

# Hypervolume reference in user units: models below 50 % accuracy or above
# 15 000 nodes add nothing. The largest model of the space (20 trees,
# ccp_alpha 1e-4, max_features "log2") has 14 349 nodes.
REFERENCE_POINT = (0.5, 15_000.0)

METHODS = ("moopt", "random_search")


@dataclass(frozen=True)
class TuningJob:
    """One tuning run: a method, a seed and a budget of generations."""

    method: str
    seed: int
    population_size: int
    n_generations: int

    @property
    def label(self) -> str:
        return f"tuning seed {self.seed} {self.method}"


def make_tuning_jobs(
    seeds: list[int], population_size: int, n_generations: int
) -> list[TuningJob]:
    """Return moopt and random-search jobs for each seed, on equal budgets.

    Random search spends the whole budget on one uniformly sampled generation
    of ``population_size * n_generations`` configurations.
    """
    jobs = []
    for seed in seeds:
        jobs.append(TuningJob("moopt", seed, population_size, n_generations))
        jobs.append(
            TuningJob("random_search", seed, population_size * n_generations, 1)
        )
    return jobs


@functools.cache
def _digits() -> tuple[np.ndarray, np.ndarray]:
    return load_digits(return_X_y=True)


def evaluate_extra_trees(params: dict[str, Any]) -> dict[str, float]:
    """Return the cross-validated accuracy and mean node count of one model.

    ``n_nodes`` is the total node count of all trees of a fitted model,
    averaged over the three folds.
    """
    features, labels = _digits()
    model = ExtraTreesClassifier(**params, random_state=0, n_jobs=1)
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    scores = cross_validate(
        model, features, labels, cv=folds, return_estimator=True, n_jobs=1
    )
    node_counts = [
        sum(tree.tree_.node_count for tree in fitted.estimators_)
        for fitted in scores["estimator"]
    ]
    return {
        "accuracy": float(np.mean(scores["test_score"])),
        "n_nodes": float(np.mean(node_counts)),
    }


def run_tuning_job(job: TuningJob) -> dict[str, Any]:
    """Run one tuning job with one BLAS/OpenMP thread and return its summary.

    Raises
    ------
    RuntimeError
        When a trial failed or the run evaluated fewer configurations than its
        budget.
    """
    with threadpool_limits(limits=1):
        start = time.perf_counter()
        result = moopt.optimize(
            evaluate_extra_trees,
            SPACE,
            OBJECTIVES,
            population_size=job.population_size,
            n_generations=job.n_generations,
            seed=job.seed,
        )
        seconds = time.perf_counter() - start

    budget = job.population_size * job.n_generations
    if len(result.trials) != budget or result.n_failed:
        raise RuntimeError(
            f"{job.label}: expected {budget} complete trials, got "
            f"{len(result.trials)} with {result.n_failed} failed; first error: "
            f"{next((t.error for t in result.trials if t.error), None)}"
        )
    front = np.asarray(result.pareto_front, dtype=float)
    return {
        "method": job.method,
        "seed": job.seed,
        "time_s": seconds,
        "n_evaluations": len(result.trials),
        "hypervolume": moopt.hypervolume(front, REFERENCE_POINT, DIRECTIONS),
        "n_pareto": len(front),
        "best_accuracy": float(front[:, 0].max()),
        "pareto_front": front.tolist(),
    }
