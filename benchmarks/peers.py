"""Runs of moopt and its Optuna peers on the tuning tasks, and their overhead.

Four methods tune each task with the same space, budget and seed:

- ``moopt``: ``moopt.optimize`` with the task's constraint;
- ``optuna_nsga2``: Optuna's ``NSGAIISampler`` with the same population size;
- ``optuna_default``: the sampler that ``optuna.create_study(directions=...)``
  picks for several objectives, seeded (``TPESampler`` in Optuna 5.1);
- ``random_search``: Optuna's ``RandomSampler``, which samples log-scale
  parameters log-uniformly.

The Optuna samplers learn the constraint from ``Trial.set_constraint``, which
Optuna 5 reads in every sampler that handles constraints (``RandomSampler``
ignores it). Every run is scored the same way afterwards, from its trials:
the hypervolume of the feasible trials among the first k, for each k.

Optuna is optional. This module imports it only inside the functions that run
it, so the other suites work without it.
"""

from __future__ import annotations

import importlib.metadata
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from threadpoolctl import threadpool_limits

import moopt
from benchmarks.sklearn_tasks import TASKS, TuningTask

if TYPE_CHECKING:
    import optuna

METHODS = ("moopt", "optuna_nsga2", "optuna_default", "random_search")
INSTALL_HINT = (
    'the tuning suite needs Optuna; install it with: pip install -e ".[optuna]"'
)
# Trial.set_constraint is new in Optuna 5.0, whose release notes deprecate
# the samplers' constraints_func argument in its favour.
MIN_OPTUNA_MAJOR = 5


def check_optuna() -> str:
    """Check that Optuna 5.0 or later can be imported and return its version.

    Raises
    ------
    ImportError
        When Optuna cannot be imported or is older than 5.0, with the command
        that installs a suitable version in the message.
    """
    try:
        import optuna
    except ImportError as error:
        raise ImportError(f"{INSTALL_HINT} ({error})") from None
    if int(optuna.__version__.split(".")[0]) < MIN_OPTUNA_MAJOR:
        raise ImportError(
            "the tuning suite needs Optuna 5.0 or later for Trial.set_constraint, "
            f"but Optuna {optuna.__version__} is installed; upgrade it with: "
            'pip install -U "optuna>=5.0"'
        )
    return optuna.__version__


@dataclass(frozen=True)
class TuningRun:
    """One run of one method on one task: a seed and a budget of trials."""

    task: str
    method: str
    seed: int
    n_trials: int
    population_size: int

    @property
    def label(self) -> str:
        return f"{self.task} seed {self.seed} {self.method}"


def make_tuning_runs(
    tasks: list[str], seeds: list[int], n_trials: int, population_size: int
) -> list[TuningRun]:
    """Return a run of every method for each task and seed, on equal budgets."""
    return [
        TuningRun(task, method, seed, n_trials, population_size)
        for task in tasks
        for seed in seeds
        for method in METHODS
    ]


def run_tuning_run(run: TuningRun) -> dict[str, Any]:
    """Run ``run`` with one BLAS/OpenMP thread and return its record.

    The record contains the run's settings, ``sampler`` (the class that
    proposed the trials), ``time_s`` (wall time of the whole run),
    ``objective_time_s`` (time spent in the objective), ``trials`` (one dict
    per trial in the order they were asked, with params, every output of the
    objective, violation, feasibility and duration) and ``hypervolume`` (of
    the feasible trials among the first k, for k = 1 to ``n_trials``). The
    hypervolume is computed after the timer has stopped.

    Raises
    ------
    RuntimeError
        When a trial failed or the run evaluated a number of trials other
        than its budget.
    """
    task = TASKS[run.task]
    with threadpool_limits(limits=1):
        if run.method == "moopt":
            sampler = "moopt.NSGA2"
            seconds, trials = _run_moopt(task, run)
        else:
            sampler, seconds, trials = _run_optuna(task, run)
    if len(trials) != run.n_trials:
        raise RuntimeError(
            f"{run.label}: expected {run.n_trials} complete trials, got {len(trials)}"
        )
    values = np.array(
        [[trial["values"][name] for name in task.objectives] for trial in trials]
    )
    feasible = np.array([trial["feasible"] for trial in trials])
    return {
        "task": run.task,
        "method": run.method,
        "seed": run.seed,
        "n_trials": run.n_trials,
        "population_size": run.population_size,
        "sampler": sampler,
        "time_s": seconds,
        "objective_time_s": float(sum(trial["duration_s"] for trial in trials)),
        "trials": trials,
        "hypervolume": hypervolume_history(
            values, feasible, task.reference_point, task.directions
        ),
    }


def hypervolume_history(
    values: np.ndarray,
    feasible: np.ndarray,
    reference_point: tuple[float, ...],
    directions: list[str],
) -> list[float]:
    """Return the hypervolume of the feasible points among the first k, for each k.

    ``values`` has shape (n_trials, n_objectives) in user units and
    directions, in trial order. Infeasible points add nothing.
    """
    history = []
    volume = 0.0
    for k in range(len(values)):
        if feasible[k]:
            feasible_so_far = values[: k + 1][feasible[: k + 1]]
            volume = moopt.hypervolume(feasible_so_far, reference_point, directions)
        history.append(volume)
    return history


def _trial_record(
    task: TuningTask,
    number: int,
    params: dict[str, Any],
    outputs: dict[str, Any],
    duration: float,
) -> dict[str, Any]:
    violation = task.violation(outputs)
    return {
        "number": number,
        "params": params,
        "values": {name: float(value) for name, value in outputs.items()},
        "violation": violation,
        "feasible": violation == 0.0,
        "duration_s": duration,
    }


def _run_moopt(task: TuningTask, run: TuningRun) -> tuple[float, list[dict]]:
    start = time.perf_counter()
    result = moopt.optimize(
        task.evaluate,
        task.space,
        task.objectives,
        n_trials=run.n_trials,
        population_size=run.population_size,
        constraints=[task.constraint],
        seed=run.seed,
    )
    seconds = time.perf_counter() - start
    if result.n_failed:
        first_error = next(t.error for t in result.trials if t.error)
        raise RuntimeError(
            f"{run.label}: {result.n_failed} trials failed; first error: {first_error}"
        )
    trials = [
        _trial_record(task, t.number, t.params, t.values or {}, t.duration)
        for t in result.trials
    ]
    return seconds, trials


def _run_optuna(task: TuningTask, run: TuningRun) -> tuple[str, float, list[dict]]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = make_sampler(run.method, run.seed, run.population_size, task.directions)

    def objective(trial: optuna.Trial) -> tuple[float, ...]:
        params = suggest_params(trial, task.space)
        start = time.perf_counter()
        outputs = task.evaluate(params)
        trial.set_user_attr("duration_s", time.perf_counter() - start)
        trial.set_user_attr("outputs", outputs)
        trial.set_constraint(
            task.constraint.name,
            constraint_value(task.constraint, outputs[task.constraint.name]),
        )
        return tuple(outputs[name] for name in task.objectives)

    start = time.perf_counter()
    study = optuna.create_study(directions=task.directions, sampler=sampler)
    study.optimize(objective, n_trials=run.n_trials)
    seconds = time.perf_counter() - start
    complete = optuna.trial.TrialState.COMPLETE
    failed = [t.number for t in study.trials if t.state != complete]
    if failed:
        raise RuntimeError(f"{run.label}: trials {failed} did not complete")
    trials = [
        _trial_record(
            task,
            t.number,
            t.params,
            t.user_attrs["outputs"],
            t.user_attrs["duration_s"],
        )
        for t in sorted(study.trials, key=lambda t: t.number)
    ]
    return type(sampler).__name__, seconds, trials


def make_sampler(
    method: str, seed: int, population_size: int, directions: list[str]
) -> optuna.samplers.BaseSampler:
    """Return the seeded Optuna sampler of ``method``.

    For ``optuna_default`` this is a new instance, with ``seed``, of the class
    that ``optuna.create_study(directions=directions)`` picks by itself.
    """
    import optuna

    if method == "optuna_nsga2":
        return optuna.samplers.NSGAIISampler(population_size=population_size, seed=seed)
    if method == "optuna_default":
        return default_sampler_class(directions)(seed=seed)
    if method == "random_search":
        return optuna.samplers.RandomSampler(seed=seed)
    raise ValueError(f"unknown Optuna method {method!r}; choose from {METHODS[1:]}")


def default_sampler_class(directions: list[str]) -> type:
    """Return the class of the sampler Optuna picks for a study of ``directions``."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return type(optuna.create_study(directions=directions).sampler)


def suggest_params(
    trial: optuna.Trial, space: dict[str, moopt.Float | moopt.Int | moopt.Categorical]
) -> dict[str, Any]:
    """Ask ``trial`` for one value of each dimension of a moopt ``space``.

    Each dimension keeps its bounds, log scale, integer step and choices.
    """
    params: dict[str, Any] = {}
    for name, dimension in space.items():
        if isinstance(dimension, moopt.Float):
            params[name] = trial.suggest_float(
                name, dimension.low, dimension.high, log=dimension.log
            )
        elif isinstance(dimension, moopt.Int):
            params[name] = trial.suggest_int(
                name,
                dimension.low,
                dimension.high,
                step=dimension.step,
                log=dimension.log,
            )
        else:
            params[name] = trial.suggest_categorical(name, list(dimension.choices))
    return params


def constraint_value(constraint: moopt.Constraint, value: float) -> float:
    """Return an output as an Optuna constraint value, feasible when <= 0.

    The value is the amount by which ``value`` misses the bound minus the
    constraint's tolerance, so Optuna and moopt call the same outputs feasible.
    """
    if constraint.operator == "<=":
        excess = value - constraint.bound
    elif constraint.operator == ">=":
        excess = constraint.bound - value
    else:
        excess = abs(value - constraint.bound)
    return excess - constraint.tolerance


def peer_versions() -> dict[str, str]:
    """Return the versions of moopt, Optuna and scikit-learn."""
    return {
        name: importlib.metadata.version(name)
        for name in ("moopt", "optuna", "scikit-learn")
    }


# Free objective of the overhead timing: three floats in [0, 1], two
# minimized objectives of a few arithmetic operations each.
FREE_SPACE = {name: moopt.Float(0.0, 1.0) for name in ("x", "y", "z")}
FREE_OBJECTIVES = {"f1": "minimize", "f2": "minimize"}


def _free_objective(params: dict[str, float]) -> dict[str, float]:
    return {"f1": params["x"], "f2": 1.0 - params["x"] + params["y"] * params["z"]}


def measure_optimizer_overhead(
    n_trials: int, population_size: int, repeats: int
) -> dict[str, Any]:
    """Time moopt and Optuna's NSGA-II on a free objective and return the best.

    Both run ``n_trials`` trials of the same objective at the same population
    size, in memory, in this process. The runs alternate, ``repeats`` times
    each. A run's time per trial is the wall time of the whole run divided by
    ``n_trials``, because Optuna's cost per trial grows with the number of
    trials. ``ratio`` is moopt's best time divided by Optuna's best. Call this
    outside any process pool, on an otherwise idle machine.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    seconds: dict[str, list[float]] = {"moopt": [], "optuna": []}
    with threadpool_limits(limits=1):
        # A short run of each first, so imports and caches do not count.
        _time_moopt_free(2 * population_size, population_size, seed=0)
        _time_optuna_free(2 * population_size, population_size, seed=0)
        for repeat in range(repeats):
            seconds["moopt"].append(_time_moopt_free(n_trials, population_size, repeat))
            seconds["optuna"].append(
                _time_optuna_free(n_trials, population_size, repeat)
            )
    moopt_us = 1e6 * min(seconds["moopt"]) / n_trials
    optuna_us = 1e6 * min(seconds["optuna"]) / n_trials
    return {
        "n_trials": n_trials,
        "population_size": population_size,
        "repeats": repeats,
        "moopt_us_per_trial": moopt_us,
        "optuna_us_per_trial": optuna_us,
        "moopt_s": seconds["moopt"],
        "optuna_s": seconds["optuna"],
        "ratio": moopt_us / optuna_us,
    }


def _time_moopt_free(n_trials: int, population_size: int, seed: int) -> float:
    start = time.perf_counter()
    result = moopt.optimize(
        _free_objective,
        FREE_SPACE,
        FREE_OBJECTIVES,
        n_trials=n_trials,
        population_size=population_size,
        seed=seed,
    )
    seconds = time.perf_counter() - start
    if len(result.trials) != n_trials or result.n_failed:
        raise RuntimeError(f"overhead moopt: expected {n_trials} complete trials")
    return seconds


def _time_optuna_free(n_trials: int, population_size: int, seed: int) -> float:
    import optuna

    def objective(trial: optuna.Trial) -> tuple[float, float]:
        values = _free_objective(suggest_params(trial, FREE_SPACE))
        return values["f1"], values["f2"]

    start = time.perf_counter()
    study = optuna.create_study(
        directions=list(FREE_OBJECTIVES.values()),
        sampler=optuna.samplers.NSGAIISampler(
            population_size=population_size, seed=seed
        ),
    )
    study.optimize(objective, n_trials=n_trials)
    seconds = time.perf_counter() - start
    if len(study.trials) != n_trials:
        raise RuntimeError(f"overhead Optuna: expected {n_trials} trials")
    return seconds
