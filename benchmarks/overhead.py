"""Loop overhead per generation of moopt and pymoo on a free objective.

The objective returns the first two variables, so nearly all the time goes
to the optimizer itself: selection, variation, duplicate checks, sorting,
survival, and for moopt the trial records of its result. Both libraries run
the same pymoo problem with the same operator settings.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from pymoo.core.problem import Problem
from pymoo.optimize import minimize
from threadpoolctl import threadpool_limits

import moopt
from benchmarks.runners import check_front, make_pymoo_nsga2


class FreeProblem(Problem):
    """A problem of thirty variables in [0, 1] whose objectives are the first two."""

    def __init__(self) -> None:
        super().__init__(n_var=30, n_obj=2, xl=0.0, xu=1.0)

    def _evaluate(self, x: np.ndarray, out: dict[str, Any], *args, **kwargs) -> None:
        out["F"] = x[:, :2].copy()


def measure_overhead(
    population_size: int, n_generations: int, repeats: int
) -> dict[str, Any]:
    """Time both libraries for ``n_generations`` and return the best per generation.

    The runs of the two libraries alternate, ``repeats`` times each, and the
    fastest run of each gives its time per generation. ``ratio`` is moopt's
    time divided by pymoo's. Call this outside any process pool, on an
    otherwise idle machine.
    """
    problem = FreeProblem()
    seconds: dict[str, list[float]] = {"moopt": [], "pymoo": []}
    with threadpool_limits(limits=1):
        # A short run of each first, so imports and caches do not count.
        _time_moopt(problem, population_size, 2, seed=0)
        _time_pymoo(problem, population_size, 2, seed=0)
        for repeat in range(repeats):
            seconds["moopt"].append(
                _time_moopt(problem, population_size, n_generations, seed=repeat)
            )
            seconds["pymoo"].append(
                _time_pymoo(problem, population_size, n_generations, seed=repeat)
            )
    moopt_ms = 1e3 * min(seconds["moopt"]) / n_generations
    pymoo_ms = 1e3 * min(seconds["pymoo"]) / n_generations
    return {
        "population_size": population_size,
        "n_generations": n_generations,
        "repeats": repeats,
        "moopt_ms_per_generation": moopt_ms,
        "pymoo_ms_per_generation": pymoo_ms,
        "ratio": moopt_ms / pymoo_ms,
    }


def _time_moopt(
    problem: Problem, population_size: int, n_generations: int, seed: int
) -> float:
    start = time.perf_counter()
    result = moopt.optimize(
        problem, n_generations=n_generations, population_size=population_size, seed=seed
    )
    seconds = time.perf_counter() - start
    check_front(
        result.values(result.population), 2, "overhead moopt", n_rows=population_size
    )
    return seconds


def _time_pymoo(
    problem: Problem, population_size: int, n_generations: int, seed: int
) -> float:
    algorithm = make_pymoo_nsga2("pymoo_same_operators", problem.n_var, population_size)
    start = time.perf_counter()
    result = minimize(
        problem, algorithm, ("n_gen", n_generations), seed=seed, verbose=False
    )
    seconds = time.perf_counter() - start
    population = np.asarray(result.pop.get("F"), dtype=float)
    check_front(population, 2, "overhead pymoo", n_rows=population_size)
    return seconds
