"""One run of moopt or of pymoo's NSGA2 on a test problem, with its indicators.

Jobs are plain dataclasses and ``run_problem_job`` is a module-level function,
so both can be sent to worker processes.

Each run reports two sets of points. One is its final population of 100. The
other is an archive, the non-dominated points among every evaluation of the
run: moopt's ``pareto_front``, and for pymoo the objective vectors that a
recording evaluator keeps. Each run also reports the hypervolume of its
archive after each generation, computed after the run's timer has stopped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.core.evaluator import Evaluator
from pymoo.core.population import Population
from pymoo.core.problem import Problem
from pymoo.core.result import Result as PymooResult
from pymoo.operators.crossover.sbx import SBX
from pymoo.operators.mutation.pm import PM
from pymoo.optimize import minimize
from threadpoolctl import threadpool_limits

import moopt
from benchmarks.problems import make_problem, reference_point, true_front

POPULATION_SIZE = 100
ALGORITHMS = ("moopt", "pymoo_default", "pymoo_same_operators")

# The result rows each algorithm reports: for moopt its Pareto set over every
# trial and its final population, for pymoo its final population and the
# non-dominated points among all of its evaluations.
ROWS = {
    "moopt": ("moopt_pareto_set", "moopt_population"),
    "pymoo_default": ("pymoo_default", "pymoo_default_archive"),
    "pymoo_same_operators": ("pymoo_same_operators", "pymoo_same_operators_archive"),
}
POPULATION_ROWS = ("moopt_population", "pymoo_default", "pymoo_same_operators")
ARCHIVE_ROWS = (
    "moopt_pareto_set",
    "pymoo_default_archive",
    "pymoo_same_operators_archive",
)


@dataclass(frozen=True)
class ProblemJob:
    """One run: an algorithm on a problem with one seed and budget."""

    problem: str
    algorithm: str
    seed: int
    n_generations: int

    @property
    def label(self) -> str:
        return f"{self.problem} seed {self.seed} {self.algorithm}"


def run_problem_job(job: ProblemJob) -> dict[str, Any]:
    """Run ``job``, check its output, and return its indicators.

    The return value contains ``time_s`` (wall time of the optimization alone),
    ``n_evaluations``, for each result row its final objective values,
    hypervolume and IGD against the analytic front, and ``history``: the
    evaluation counts at the end of each generation and the hypervolume of the
    archive at each. The archive of a pymoo run is filtered after the timer
    stops.

    Raises
    ------
    RuntimeError
        When the run evaluated a different number of points than its budget,
        or a result row has the wrong shape or a non-finite value.
    """
    problem = make_problem(job.problem)
    with threadpool_limits(limits=1):
        if job.algorithm == "moopt":
            start = time.perf_counter()
            moopt_result = _run_moopt(problem, job)
            seconds = time.perf_counter() - start
            fronts, n_evaluations = _moopt_fronts(moopt_result, job)
            batches = _moopt_generations(moopt_result)
        else:
            start = time.perf_counter()
            pymoo_result = _run_pymoo(problem, job)
            seconds = time.perf_counter() - start
            fronts, n_evaluations = _pymoo_fronts(pymoo_result, job)
            batches = pymoo_result.algorithm.evaluator.values

    budget = job.n_generations * POPULATION_SIZE
    if n_evaluations != budget:
        raise RuntimeError(
            f"{job.label}: evaluated {n_evaluations} points, expected {budget}"
        )
    rows = {}
    for name, values in fronts.items():
        n_rows = POPULATION_SIZE if name in POPULATION_ROWS else None
        check_front(values, problem.n_obj, f"{job.label} {name}", n_rows=n_rows)
        rows[name] = {
            "values": values,
            "hypervolume": moopt.hypervolume(values, reference_point(job.problem)),
            "igd": moopt.igd(values, true_front(job.problem)),
        }
    return {
        "problem": job.problem,
        "algorithm": job.algorithm,
        "seed": job.seed,
        "time_s": seconds,
        "n_evaluations": n_evaluations,
        "rows": rows,
        "history": archive_history(batches, reference_point(job.problem)),
    }


def archive_history(
    batches: list[np.ndarray], reference: np.ndarray
) -> dict[str, list[float]]:
    """Return the hypervolume of the archive after each batch of evaluations.

    ``batches`` contains the objective vectors of each generation, in order. The
    archive after a batch is the non-dominated subset of every vector so far.
    Returns ``{"evaluations": [...], "hypervolume": [...]}`` with one entry per
    batch.
    """
    archive = np.empty((0, batches[0].shape[1]))
    evaluations, volumes = [], []
    n_evaluations = 0
    for batch in batches:
        n_evaluations += len(batch)
        archive = np.concatenate([archive, batch])
        archive = archive[moopt.pareto_mask(archive)]
        evaluations.append(n_evaluations)
        volumes.append(moopt.hypervolume(archive, reference))
    return {"evaluations": evaluations, "hypervolume": volumes}


def check_front(
    values: np.ndarray, n_objectives: int, label: str, *, n_rows: int | None = None
) -> None:
    """Raise RuntimeError unless ``values`` is a finite (n, n_objectives) array.

    ``n`` must be at least 1, and equal to ``n_rows`` when that is given.
    """
    if values.ndim != 2 or values.shape[1] != n_objectives or len(values) == 0:
        raise RuntimeError(
            f"{label}: expected objective values of shape (n, {n_objectives}) with "
            f"n >= 1, got shape {values.shape}"
        )
    if n_rows is not None and len(values) != n_rows:
        raise RuntimeError(f"{label}: expected {n_rows} points, got {len(values)}")
    if not np.isfinite(values).all():
        raise RuntimeError(f"{label}: objective values contain NaN or inf")


class RecordingEvaluator(Evaluator):
    """pymoo's evaluator that also keeps every objective vector it evaluates.

    ``values`` gets one array of shape ``(n, n_obj)`` per evaluated batch,
    copied from the individuals after pymoo has set their values. The
    evaluation itself is pymoo's own, so a run gives the same result with or
    without recording.
    """

    def __init__(self) -> None:
        super().__init__()
        self.values: list[np.ndarray] = []

    def _eval(
        self,
        problem: Problem,
        pop: Population,
        evaluate_values_of: list[str],
        **kwargs: Any,
    ) -> None:
        super()._eval(problem, pop, evaluate_values_of, **kwargs)
        self.values.append(np.array(pop.get("F"), dtype=float))


def make_pymoo_nsga2(
    algorithm: str,
    n_var: int,
    population_size: int = POPULATION_SIZE,
    *,
    evaluator: Evaluator | None = None,
) -> NSGA2:
    """Return pymoo's NSGA2 with its defaults or with moopt's operator settings.

    moopt crosses a pair with probability 0.9 by SBX of index 20, then
    mutates every offspring gene with probability 1 / n_var by polynomial
    mutation of index 20. pymoo's defaults differ in the SBX index (15) and
    in mutating only 90 % of the offspring. ``evaluator`` replaces pymoo's
    default ``Evaluator``.
    """
    if algorithm == "pymoo_default":
        return NSGA2(pop_size=population_size, evaluator=evaluator)
    if algorithm == "pymoo_same_operators":
        return NSGA2(
            pop_size=population_size,
            crossover=SBX(prob=0.9, eta=20),
            mutation=PM(prob=1.0, prob_var=1.0 / n_var, eta=20),
            evaluator=evaluator,
        )
    raise ValueError(f"unknown algorithm {algorithm!r}; use one of {ALGORITHMS}")


def _run_moopt(problem: Problem, job: ProblemJob) -> moopt.Result:
    return moopt.optimize(
        problem,
        n_generations=job.n_generations,
        population_size=POPULATION_SIZE,
        seed=job.seed,
    )


def _moopt_fronts(
    result: moopt.Result, job: ProblemJob
) -> tuple[dict[str, np.ndarray], int]:
    if result.n_failed:
        raise RuntimeError(f"{job.label}: {result.n_failed} trials failed")
    fronts = {
        "moopt_pareto_set": np.asarray(result.pareto_front, dtype=float),
        "moopt_population": result.values(result.population),
    }
    return fronts, len(result.trials)


def _moopt_generations(result: moopt.Result) -> list[np.ndarray]:
    """Return the objective vectors of each generation, in order."""
    values = result.values(result.trials)
    generations = np.array([trial.generation for trial in result.trials])
    return [values[generations == g] for g in np.unique(generations)]


def _run_pymoo(problem: Problem, job: ProblemJob) -> PymooResult:
    algorithm = make_pymoo_nsga2(
        job.algorithm, problem.n_var, evaluator=RecordingEvaluator()
    )
    return minimize(
        problem, algorithm, ("n_gen", job.n_generations), seed=job.seed, verbose=False
    )


def _pymoo_fronts(
    result: PymooResult, job: ProblemJob
) -> tuple[dict[str, np.ndarray], int]:
    # minimize() runs a deep copy of the algorithm, so the evaluator that
    # recorded the run is the copy's.
    evaluator = result.algorithm.evaluator
    n_evaluations = int(evaluator.n_eval)
    evaluated = np.concatenate(evaluator.values)
    if len(evaluated) != n_evaluations:
        raise RuntimeError(
            f"{job.label}: recorded {len(evaluated)} objective vectors, but pymoo "
            f"counted {n_evaluations} evaluations"
        )
    fronts = {
        job.algorithm: np.asarray(result.pop.get("F"), dtype=float),
        f"{job.algorithm}_archive": evaluated[moopt.pareto_mask(evaluated)],
    }
    return fronts, n_evaluations


def runs_record(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the per-run data that ``runs.json`` keeps, for notebooks.

    One entry per run with its problem, algorithm, seed, archive hypervolume
    history and the final values of each result row, to 6 significant
    digits. Archives of problems with more than two objectives hold thousands
    of points, so for those only the final populations are kept.
    """
    entries = []
    for record in records:
        rows = {}
        for name, row in record["rows"].items():
            values = np.asarray(row["values"])
            if name in ARCHIVE_ROWS and values.shape[1] > 2:
                continue
            rows[name] = [[float(f"{x:.6g}") for x in point] for point in values]
        entries.append(
            {
                "problem": record["problem"],
                "algorithm": record["algorithm"],
                "seed": record["seed"],
                "history": record["history"],
                "values": rows,
            }
        )
    return entries
