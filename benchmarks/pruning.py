"""The pruning suite: hypervolume of the returned set against the epochs spent.

Two problems, each trained one epoch (step) at a time:

- ``synthetic``: the multi-fidelity problem of ``benchmarks.multifidelity``.
  The objective reports the cost at step 1 and the error at each step 1 to
  27, and calls ``should_prune()`` after each step before the last.
- ``mlp_digits``: the MLP on scikit-learn's digits of ``benchmarks.mlp_task``,
  trained with ``partial_fit`` one epoch per step, at most 27 epochs.

Methods, all with ``moopt.optimize``, the same population size and the same
``SuccessiveHalvingPruner(min_step=1, reduction_factor=3)``, rungs at 1, 3, 9
and 27 epochs:

- ``nsga2``: NSGA-II without a pruner, so every trial trains 27 epochs;
- ``nsga2_pruned``: NSGA-II pruning on both objectives;
- ``nsga2_pruned_error``: NSGA-II pruning on the error alone
  (``objectives=["error"]``), synthetic problem only;
- ``random_pruned``: random search with the same pruner
  (``random_offspring=1.0``: every offspring is drawn uniformly), synthetic
  problem only.

Epochs are counted from what each objective ran: a trial spent as many
epochs as the highest step it reported. A run stops after the first
generation at which its trials have spent ``run_epochs`` in total. Its score
at a budget of E epochs is the hypervolume of the set that the run would have
returned had it stopped at the last trial, in trial order, that ends within E
epochs: the non-dominated complete trials among those trials, since a pruned
trial never enters the returned set. The points are the true final values of
those configurations. On the synthetic problem these are the noise-free
values of ``multifidelity.final_values``. On the MLP, training is
deterministic, so they are the values the complete trials returned. The
MLP's test error of the same set is reported beside it. Each trial's pruning
decisions read only trials told before it was asked, so a shorter run would
have asked and pruned the same trials. At the end of every run the suite
checks that this set, at the run's full length, is ``Result.pareto_set``.

NOTE: Syne Tune's MOASHA is not compared, though Syne Tune 0.16.0 installs
with pip (with xgboost and nvidia-nccl-cu12, about 700 MB of dependencies).
Two problems of that version rule it out. First, its default
``NonDominatedPriority`` returns the indices of the results in sorted order
where ``Bracket.on_result`` expects one priority per result, so a trial is
ranked by the position of another one. Called directly, a bracket with
rungs at 1, 3, 9 and 27 stopped a fourth result at rung 1 that dominated the
three before it. Second, each decision sorts every result ever recorded at
the rung in pure Python. On the synthetic problem one run took 144 s on the
suite's 2-core machine to spend 2160 epochs, and kept 11 of 1652 trials to
the last step, with the time per trial still growing.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from threadpoolctl import threadpool_limits

import moopt
from benchmarks import mlp_task, multifidelity, report
from benchmarks.execution import environment, progress, run_in_pool
from benchmarks.report import _target, describe, header_lines, target_lines

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_SEEDS = 10
# NSGA-II pruning on both objectives must reach this multiple of the median
# HV of unpruned NSGA-II at the target budget of the synthetic problem.
MIN_PRUNED_RATIO = 2.0


def synthetic_objective(params: dict[str, float], trial: Any) -> dict[str, float]:
    """Train one configuration of the synthetic problem step by step; moopt objective.

    Reports the cost at step 1 and the error at every step, and raises
    ``moopt.TrialPruned`` when ``trial.should_prune()`` is True before the
    last step.
    """
    curve = multifidelity.learning_curve(params)
    cost = float(params["x0"])
    for step in range(1, multifidelity.MAX_STEPS + 1):
        values = {"error": float(curve[step - 1])}
        if step == 1:
            values["cost"] = cost
        trial.report(step, values)
        if step < multifidelity.MAX_STEPS and trial.should_prune():
            raise moopt.TrialPruned()
    return {"cost": cost, "error": float(curve[-1])}


def _synthetic_true_values(trial: moopt.Trial) -> list[float]:
    final = multifidelity.final_values(trial.params)
    return [final["cost"], final["error"]]


def _mlp_true_values(trial: moopt.Trial) -> list[float]:
    values = trial.values or {}
    return [values["error"], values["n_weights"]]


def _mlp_test_values(trial: moopt.Trial) -> list[float]:
    values = trial.values or {}
    return [values["test_error"], values["n_weights"]]


@dataclass(frozen=True)
class PruningProblem:
    """A problem of the suite: its objective, scores and the methods run on it.

    ``true_values(trial)`` returns the true final objective values of a
    complete trial, in the order of ``objectives``. ``test_values``, when
    given, returns values on held-out data, scored the same way.
    """

    name: str
    description: str
    space: dict[str, Any]
    objectives: dict[str, str]
    objective: Callable[[dict[str, Any], Any], dict[str, float]]
    reference_point: tuple[float, ...]
    methods: tuple[str, ...]
    true_values: Callable[[moopt.Trial], list[float]]
    test_values: Callable[[moopt.Trial], list[float]] | None = None
    # The hypervolume of the true Pareto front, when it is known.
    best_hypervolume: float | None = None

    @property
    def directions(self) -> list[str]:
        return list(self.objectives.values())


PROBLEMS = {
    "synthetic": PruningProblem(
        name="synthetic",
        description="the multi-fidelity problem of benchmarks/multifidelity.py: "
        f"{multifidelity.N_VARIABLES} variables, ZDT1's front reached by learning "
        f"curves that cross, {multifidelity.MAX_STEPS} steps",
        space=multifidelity.space(),
        objectives=multifidelity.OBJECTIVES,
        objective=synthetic_objective,
        reference_point=multifidelity.REFERENCE_POINT,
        methods=("nsga2", "nsga2_pruned", "nsga2_pruned_error", "random_pruned"),
        true_values=_synthetic_true_values,
        best_hypervolume=multifidelity.TRUE_FRONT_HYPERVOLUME,
    ),
    "mlp_digits": PruningProblem(
        name="mlp_digits",
        description="MLPClassifier on load_digits (60 % training, 20 % validation, "
        "20 % test data), trained with partial_fit for at most "
        f"{mlp_task.MAX_EPOCHS} epochs; error is the validation error",
        space=mlp_task.SPACE,
        objectives=mlp_task.OBJECTIVES,
        objective=mlp_task.train_mlp,
        reference_point=mlp_task.REFERENCE_POINT,
        methods=("nsga2", "nsga2_pruned"),
        true_values=_mlp_true_values,
        test_values=_mlp_test_values,
    ),
}

# Budgets in epochs. A run stops once it has spent "run_epochs", and the
# target compares the methods at "target_epochs". Unpruned NSGA-II with
# population 20 reaches a median HV of about 0.32 of the synthetic front's
# 0.877 after 500 full trainings (13 500 epochs), measured over 10 seeds, so
# twice that is reachable but far from free there.
BUDGETS = {
    False: {
        "synthetic": {
            "population_size": 20,
            "target_epochs": 500 * multifidelity.MAX_STEPS,
            "run_epochs": 1000 * multifidelity.MAX_STEPS,
        },
        "mlp_digits": {
            "population_size": 10,
            "target_epochs": 50 * mlp_task.MAX_EPOCHS,
            "run_epochs": 100 * mlp_task.MAX_EPOCHS,
        },
    },
    True: {
        "synthetic": {
            "population_size": 10,
            "target_epochs": 120 * multifidelity.MAX_STEPS,
            "run_epochs": 240 * multifidelity.MAX_STEPS,
        },
        "mlp_digits": {
            "population_size": 4,
            "target_epochs": 2 * mlp_task.MAX_EPOCHS,
            "run_epochs": 4 * mlp_task.MAX_EPOCHS,
        },
    },
}


@dataclass(frozen=True)
class PruningRun:
    """One run: a method on a problem with one seed, population and epoch budget."""

    problem: str
    method: str
    seed: int
    population_size: int
    target_epochs: int
    run_epochs: int

    @property
    def label(self) -> str:
        return f"pruning {self.problem} seed {self.seed} {self.method}"


def make_pruning_runs(seeds: list[int], quick: bool) -> list[PruningRun]:
    """Return a run of every method of every problem for each seed.

    The MLP runs come first because they take longest.
    """
    runs = []
    for name in ("mlp_digits", "synthetic"):
        budget = BUDGETS[quick][name]
        for seed in seeds:
            for method in PROBLEMS[name].methods:
                runs.append(
                    PruningRun(
                        name,
                        method,
                        seed,
                        budget["population_size"],
                        budget["target_epochs"],
                        budget["run_epochs"],
                    )
                )
    return runs


def method_options(method: str) -> dict[str, Any]:
    """Return the keyword arguments of ``moopt.optimize`` that define a method."""
    pruner = moopt.SuccessiveHalvingPruner(min_step=1, reduction_factor=3)
    if method == "nsga2":
        return {}
    if method == "nsga2_pruned":
        return {"pruner": pruner}
    if method == "nsga2_pruned_error":
        return {
            "pruner": moopt.SuccessiveHalvingPruner(
                min_step=1, reduction_factor=3, objectives=["error"]
            )
        }
    if method == "random_pruned":
        return {"pruner": pruner, "random_offspring": 1.0}
    raise ValueError(f"unknown method {method!r}")


class StopAfterEpochs:
    """A callback that stops a run once its finished trials spent ``epochs``.

    Trials are counted in order of their numbers, each as it finishes.
    """

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs
        self.spent = 0
        self._counted = 0

    def __call__(self, result: moopt.Result) -> bool:
        trials = result.trials
        while self._counted < len(trials) and trials[self._counted].state not in (
            "running",
            "cancelled",
        ):
            self.spent += trial_epochs(trials[self._counted])
            self._counted += 1
        return self.spent >= self.epochs


def trial_epochs(trial: moopt.Trial) -> int:
    """Return the epochs a trial ran: the highest step it reported, 0 if none."""
    return max(trial.intermediate_values, default=0)


def run_pruning_run(run: PruningRun) -> dict[str, Any]:
    """Run ``run`` with one BLAS/OpenMP thread and return its record.

    The record has the run's settings, ``time_s`` (wall time of
    ``optimize``), trial counts, the epochs spent and how many trials stopped
    after each number of epochs. ``history`` is the hypervolume of the
    returned set against epochs, and ``test_history`` the same on test data
    for a problem that has it. A history lists the points where the
    hypervolume changes, from (0, 0.0) to ``run_epochs``. ``front_at_target``
    contains the true final values of the set returned at ``target_epochs``.

    Raises
    ------
    RuntimeError
        When a trial failed, the run spent fewer epochs than ``run_epochs``,
        or the reconstructed set at the end differs from ``Result.pareto_set``.
    """
    problem = PROBLEMS[run.problem]
    stop = StopAfterEpochs(run.run_epochs)
    with threadpool_limits(limits=1):
        start = time.perf_counter()
        result = moopt.optimize(
            problem.objective,
            problem.space,
            problem.objectives,
            n_trials=run.run_epochs,
            population_size=run.population_size,
            seed=run.seed,
            callbacks=[stop],
            **method_options(run.method),
        )
        seconds = time.perf_counter() - start
    trials = sorted(result.trials, key=lambda trial: trial.number)
    _check_run(run, result, trials)

    epochs = np.array([trial_epochs(trial) for trial in trials])
    complete = np.array([trial.state == "complete" for trial in trials])
    observed = np.full((len(trials), len(problem.objectives)), np.nan)
    true = np.full_like(observed, np.nan)
    test = np.full_like(observed, np.nan)
    for row, trial in enumerate(trials):
        if complete[row]:
            observed[row] = [trial.values[name] for name in problem.objectives]
            true[row] = problem.true_values(trial)
            if problem.test_values is not None:
                test[row] = problem.test_values(trial)
    cumulative = np.cumsum(epochs)
    history, archive = returned_set_history(
        cumulative, observed, true, problem.reference_point, problem.directions
    )
    returned = sorted(trial.number for trial in result.pareto_set)
    if sorted(trials[row].number for row in archive) != returned:
        raise RuntimeError(
            f"{run.label}: the non-dominated complete trials are "
            f"{sorted(trials[row].number for row in archive)}, but "
            f"Result.pareto_set has trials {returned}"
        )
    within_target = int(np.searchsorted(cumulative, run.target_epochs, side="right"))
    _, target_archive = returned_set_history(
        cumulative[:within_target],
        observed[:within_target],
        true[:within_target],
        problem.reference_point,
        problem.directions,
    )
    stopped_after = np.unique(epochs, return_counts=True)
    record = {
        "problem": run.problem,
        "method": run.method,
        "seed": run.seed,
        "population_size": run.population_size,
        "target_epochs": run.target_epochs,
        "run_epochs": run.run_epochs,
        "time_s": seconds,
        "n_trials": len(trials),
        "n_complete": int(complete.sum()),
        "n_pruned": sum(trial.state == "pruned" for trial in trials),
        "epochs": int(cumulative[-1]),
        "trials_by_epochs": {
            str(step): int(count) for step, count in zip(*stopped_after, strict=True)
        },
        "history": _cut_history(history, run.run_epochs),
        "front_at_target": true[target_archive].tolist(),
    }
    if problem.test_values is not None:
        test_history, _ = returned_set_history(
            cumulative, observed, test, problem.reference_point, problem.directions
        )
        record["test_history"] = _cut_history(test_history, run.run_epochs)
    return record


def _check_run(
    run: PruningRun, result: moopt.Result, trials: list[moopt.Trial]
) -> None:
    unfinished = [t for t in trials if t.state not in ("complete", "pruned")]
    if unfinished:
        first = unfinished[0]
        raise RuntimeError(
            f"{run.label}: {len(unfinished)} trials ended neither complete nor "
            f"pruned; trial {first.number} is {first.state}: {first.error}"
        )
    spent = sum(trial_epochs(trial) for trial in trials)
    if spent < run.run_epochs:
        raise RuntimeError(
            f"{run.label}: the run spent {spent} epochs in {len(result.trials)} "
            f"trials, fewer than its budget of {run.run_epochs}"
        )


def returned_set_history(
    cumulative_epochs: np.ndarray,
    observed: np.ndarray,
    true: np.ndarray,
    reference_point: Sequence[float],
    directions: Sequence[str],
) -> tuple[list[tuple[int, float]], list[int]]:
    """Return the HV of the returned set after each trial, and the final set.

    Row i of ``observed`` contains trial i's returned values and row i of
    ``true`` its true final values, in user units, NaN for a trial that is
    not complete. After each trial the returned set is the non-dominated
    complete trials so far by their observed values, and its score is the
    hypervolume of their true values. Equal observed values all stay in the
    set, as in ``moopt.pareto_mask``.

    Returns
    -------
    history : list of (epochs, hypervolume)
        (0, 0.0), then each point where the hypervolume changes.
    archive : list of int
        The rows of the set after the last trial.
    """
    signs = np.array([1.0 if d == "minimize" else -1.0 for d in directions])
    minimized = observed * signs
    archive: list[int] = []
    history = [(0, 0.0)]
    for row in np.flatnonzero(~np.isnan(observed).any(axis=1)):
        point = minimized[row]
        members = minimized[archive]
        no_worse = (members <= point).all(axis=1)
        if (no_worse & (members < point).any(axis=1)).any():
            continue
        beaten = (point <= members).all(axis=1) & (point < members).any(axis=1)
        archive = [
            member for member, out in zip(archive, beaten, strict=True) if not out
        ]
        archive.append(int(row))
        volume = moopt.hypervolume(true[archive], reference_point, directions)
        if volume != history[-1][1]:
            history.append((int(cumulative_epochs[row]), volume))
    return history, archive


def _cut_history(history: list[tuple[int, float]], epochs: int) -> dict[str, list]:
    """Return a history's points up to ``epochs``, with a last point at ``epochs``."""
    within = [(x, volume) for x, volume in history if x <= epochs]
    within.append((epochs, within[-1][1]))
    return {
        "epochs": [x for x, _ in within],
        "hypervolume": [volume for _, volume in within],
    }


def hypervolume_at(history: dict[str, list], epochs: int) -> float:
    """Return a history's hypervolume after the trials that end within ``epochs``."""
    index = int(np.searchsorted(history["epochs"], epochs, side="right")) - 1
    return float(history["hypervolume"][index])


def checkpoints(budget: dict[str, int]) -> list[int]:
    """Return the budgets the summary reports: half the target, the target, the run."""
    target = budget["target_epochs"]
    return [target // 2, target, budget["run_epochs"]]


def summarize_pruning_suite(
    records: list[dict[str, Any]], quick: bool
) -> dict[str, Any]:
    """Return per-problem, per-method statistics over seeds of the pruning runs.

    Each method has the median, min and max over seeds of its hypervolume at
    each checkpoint (and of its test hypervolume for a problem with test
    data), trial counts, epochs and wall time, then the per-seed figures.
    ``ratio_to_nsga2`` divides each method's median HV at the target budget
    by that of ``nsga2``; it is None when that median is 0.
    """
    problems: dict[str, Any] = {}
    for name in dict.fromkeys(record["problem"] for record in records):
        problem = PROBLEMS[name]
        budget = BUDGETS[quick][name]
        marks = checkpoints(budget)
        methods = {}
        for method in problem.methods:
            runs = sorted(
                (r for r in records if r["problem"] == name and r["method"] == method),
                key=lambda r: r["seed"],
            )
            per_seed = [_seed_figures(run, marks) for run in runs]
            methods[method] = {
                key: _describe_figure([entry[key] for entry in per_seed])
                for key in per_seed[0]
                if key != "seed"
            }
            methods[method]["per_seed"] = per_seed
        target = str(budget["target_epochs"])
        baseline = methods["nsga2"]["hypervolume"][target]["median"]
        for stats in methods.values():
            median = stats["hypervolume"][target]["median"]
            stats["ratio_to_nsga2"] = median / baseline if baseline > 0 else None
        problems[name] = {
            "description": problem.description,
            "objectives": problem.objectives,
            "reference_point": list(problem.reference_point),
            "best_hypervolume": problem.best_hypervolume,
            **budget,
            "checkpoints": marks,
            "methods": methods,
        }
    return problems


def _seed_figures(run: dict[str, Any], marks: list[int]) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "seed": run["seed"],
        "hypervolume": {str(m): hypervolume_at(run["history"], m) for m in marks},
    }
    if "test_history" in run:
        figures["test_hypervolume"] = {
            str(m): hypervolume_at(run["test_history"], m) for m in marks
        }
    for key in ("n_trials", "n_complete", "n_pruned", "epochs", "time_s"):
        figures[key] = run[key]
    figures["epochs_per_trial"] = run["epochs"] / run["n_trials"]
    return figures


def _describe_figure(samples: list[Any]) -> Any:
    """Return ``describe`` of numbers, or of each checkpoint's numbers."""
    if isinstance(samples[0], dict):
        return {key: describe([s[key] for s in samples]) for key in samples[0]}
    return describe(samples)


def evaluate_pruning_targets(problems: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the pruning targets with their measured values and outcomes.

    When both medians are 0 the comparison shows nothing, so the measured
    value is None and the target fails.
    """
    synthetic = problems.get("synthetic")
    if synthetic is None:
        return []
    target = str(synthetic["target_epochs"])
    hypervolume = {
        method: stats["hypervolume"][target]["median"]
        for method, stats in synthetic["methods"].items()
    }
    pruned = hypervolume["nsga2_pruned"]
    unpruned = hypervolume["nsga2"]
    return [
        _target(
            f"synthetic: median HV of nsga2_pruned at {target} epochs >= "
            f"{MIN_PRUNED_RATIO:g} x median HV of nsga2",
            None if pruned == unpruned == 0.0 else pruned,
            MIN_PRUNED_RATIO * unpruned,
            higher_is_better=True,
        )
    ]


def render_pruning_markdown(summary: dict[str, Any]) -> str:
    """Return the pruning suite's report as a markdown document."""
    settings = summary["settings"]
    versions = summary["environment"]["versions"]
    lines = header_lines("moopt pruning benchmark results", summary, versions)
    lines += [
        "",
        f"Seeds {settings['seeds']}; {settings['workers']} runs at a time. Every "
        "pruned method uses SuccessiveHalvingPruner(min_step=1, "
        "reduction_factor=3), rungs at 1, 3, 9 and 27 epochs. HV is the "
        "hypervolume of the true final values of the set a run returns once its "
        "trials have spent the given number of epochs (higher is better); a "
        "pruned trial never enters that set. Median [min, max] over seeds. "
        "Epochs are the highest step each trial reported, summed. Time is the "
        "wall time of one run.",
    ]
    for name, problem in summary["problems"].items():
        lines += _problem_lines(name, problem)
    lines += target_lines(summary["targets"])
    return "\n".join(lines) + "\n"


def _problem_lines(name: str, problem: dict[str, Any]) -> list[str]:
    half, target, whole = (str(mark) for mark in problem["checkpoints"])
    objectives = ", ".join(
        f"{objective} ({direction})"
        for objective, direction in problem["objectives"].items()
    )
    best = problem["best_hypervolume"]
    best_text = "" if best is None else f" The true front's HV is {best:.4f}."
    lines = [
        "",
        f"## {name}",
        "",
        f"{problem['description']}. Objectives: {objectives}. Reference point "
        f"{problem['reference_point']}. Population {problem['population_size']}; "
        f"each run stops once it has spent {whole} epochs, and the methods are "
        f"compared at {target}.{best_text}",
        "",
        f"| method | HV at {half} | HV at {target} | HV at {target} [min, max] "
        f"| / nsga2 at {target} | HV at {whole} | trials | complete | pruned "
        "| epochs per trial | time (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for method, stats in problem["methods"].items():
        hv = stats["hypervolume"]
        ratio = stats["ratio_to_nsga2"]
        ratio_text = "n/a" if ratio is None else f"{ratio:.2f}"
        lines.append(
            f"| {method} | {hv[half]['median']:.4g} | {hv[target]['median']:.4g} "
            f"| [{hv[target]['min']:.4g}, {hv[target]['max']:.4g}] | {ratio_text} "
            f"| {hv[whole]['median']:.4g} | {stats['n_trials']['median']:.0f} "
            f"| {stats['n_complete']['median']:.0f} "
            f"| {stats['n_pruned']['median']:.0f} "
            f"| {stats['epochs_per_trial']['median']:.2f} "
            f"| {stats['time_s']['median']:.1f} |"
        )
    if "test_hypervolume" in next(iter(problem["methods"].values())):
        lines += [
            "",
            "The same sets scored on the test data, which no method uses:",
            "",
            f"| method | test HV at {half} | test HV at {target} "
            f"| test HV at {target} [min, max] | test HV at {whole} |",
            "|---|---:|---:|---:|---:|",
        ]
        for method, stats in problem["methods"].items():
            hv = stats["test_hypervolume"]
            lines.append(
                f"| {method} | {hv[half]['median']:.4g} "
                f"| {hv[target]['median']:.4g} "
                f"| [{hv[target]['min']:.4g}, {hv[target]['max']:.4g}] "
                f"| {hv[whole]['median']:.4g} |"
            )
    return lines


def plot_pruning_problem(
    name: str, records: list[dict[str, Any]], quick: bool, path: Path
) -> None:
    """Save the HV of each method against epochs, median and quartile band.

    The right panel shows the test HV of the same sets when the problem has
    test data, and otherwise the returned sets of the first seed at the
    target budget, drawn in their true final values.
    """
    problem = PROBLEMS[name]
    budget = BUDGETS[quick][name]
    figure = Figure(figsize=(11, 4.5))
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2)
    _draw_histories(left, problem, records, "history", budget)
    left.set_title(f"{name}: HV of the returned set")
    if problem.test_values is not None:
        _draw_histories(right, problem, records, "test_history", budget)
        right.set_title(f"{name}: HV of the same sets on test data")
    else:
        _draw_target_fronts(right, problem, records, budget)
    n_seeds = len({r["seed"] for r in records})
    figure.suptitle(
        f"Median over {n_seeds} seeds, band from the 25th to the 75th percentile; "
        "dotted line: the target budget",
        fontsize="medium",
    )
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def _draw_histories(
    axes: Any,
    problem: PruningProblem,
    records: list[dict[str, Any]],
    key: str,
    budget: dict[str, int],
) -> None:
    histories = {
        method: [
            (r[key]["epochs"], r[key]["hypervolume"])
            for r in records
            if r["method"] == method
        ]
        for method in problem.methods
    }
    moopt.plot_hypervolume_history(histories, ax=axes, band=(25, 75))
    axes.axvline(budget["target_epochs"], color="black", linestyle=":", linewidth=1)
    if problem.best_hypervolume is not None and key == "history":
        axes.axhline(problem.best_hypervolume, color="gray", linestyle="--")
    axes.set_xlabel("epochs spent")
    axes.grid(alpha=0.3)


def _draw_target_fronts(
    axes: Any,
    problem: PruningProblem,
    records: list[dict[str, Any]],
    budget: dict[str, int],
) -> None:
    seed = min(r["seed"] for r in records)
    line = multifidelity.true_front()
    axes.plot(line[:, 0], line[:, 1], color="gray", linestyle="--", label="true front")
    for index, method in enumerate(problem.methods):
        run = next(r for r in records if r["method"] == method and r["seed"] == seed)
        front = np.array(run["front_at_target"]).reshape(-1, 2)
        axes.scatter(front[:, 0], front[:, 1], s=12, color=f"C{index}", label=method)
    names = list(problem.objectives)
    axes.set_xlabel(f"{names[0]} (true final value)")
    axes.set_ylabel(f"{names[1]} (true final value)")
    axes.set_xlim(0.0, problem.reference_point[0])
    axes.set_ylim(0.0, problem.reference_point[1])
    axes.set_title(
        f"returned sets of seed {seed} after {budget['target_epochs']} epochs"
    )
    axes.legend(fontsize="small")
    axes.grid(alpha=0.3)


def write_pruning_runs(records: list[dict[str, Any]], path: Path) -> None:
    """Write every run's record, and the problems they ran on, to ``path``."""
    names = dict.fromkeys(record["problem"] for record in records)
    document = {
        "problems": {
            name: {
                "description": PROBLEMS[name].description,
                "objectives": PROBLEMS[name].objectives,
                "reference_point": list(PROBLEMS[name].reference_point),
            }
            for name in names
        },
        "runs": records,
    }
    path.write_text(json.dumps(document, allow_nan=False) + "\n")


def run_pruning_suite(
    output: Path,
    *,
    seeds: int,
    quick: bool,
    n_workers: int | None,
    command: str | None = None,
) -> list[dict[str, Any]]:
    """Run the pruning suite, write its results into ``output``, return its targets.

    Runs every method on both problems with seeds 0 to ``seeds - 1``, in
    ``n_workers`` processes, or one after the other in this process when
    ``n_workers`` is None. ``output`` receives ``summary.json``,
    ``summary.md``, ``runs.json`` and one PNG per problem, and the report is
    printed. ``command`` is the command line the report shows.
    """
    start = time.perf_counter()
    runs = make_pruning_runs(list(range(seeds)), quick)
    if n_workers is None:
        records = []
        for count, run in enumerate(runs, start=1):
            records.append(run_pruning_run(run))
            progress(f"[{count}/{len(runs)}] {run.label} {records[-1]['time_s']:.1f} s")
    else:
        records = run_in_pool([(run_pruning_run, run) for run in runs], n_workers)

    output.mkdir(parents=True, exist_ok=True)
    for name in dict.fromkeys(run.problem for run in runs):
        problem_records = [r for r in records if r["problem"] == name]
        plot_pruning_problem(name, problem_records, quick, output / f"{name}.png")
    write_pruning_runs(records, output / "runs.json")
    problems = summarize_pruning_suite(records, quick)
    targets = evaluate_pruning_targets(problems)
    if command is None:
        command = _suite_command(seeds, quick, n_workers)
    summary = {
        "settings": {
            "command": command,
            "quick": quick,
            "suites": ["pruning"],
            "seeds": list(range(seeds)),
            "workers": n_workers or 1,
        },
        "environment": environment(),
        "problems": problems,
        "targets": targets,
        "finished_at": datetime.datetime.now(datetime.UTC).isoformat(
            timespec="seconds"
        ),
        "wall_time_s": time.perf_counter() - start,
    }
    markdown = render_pruning_markdown(summary)
    report.write_summary(summary, markdown, output)
    print(markdown, end="")
    progress(f"pruning results written to {output}")
    return targets


def _suite_command(seeds: int, quick: bool, n_workers: int | None) -> str:
    parts = ["python -m benchmarks --suite pruning", f"--seeds {seeds}"]
    if quick:
        parts.append("--quick")
    if n_workers is not None:
        parts.append(f"--workers {n_workers}")
    return " ".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the pruning suite from the command line; return the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.pruning",
        description="Compare NSGA-II with and without successive-halving pruning, "
        "and random search with pruning, by the hypervolume of the returned set "
        "against the epochs spent, on a synthetic multi-fidelity problem and an "
        "MLP trained on scikit-learn's digits.",
    )

    parser.add_argument(
        "--quick",
        action="store_true",
        help="small budgets for tests; writes to benchmarks/results/quick/pruning "
        "by default",
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=DEFAULT_SEEDS,
        help=f"number of seeds, 0 to N-1 (default: {DEFAULT_SEEDS})",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="worker processes, each running one run at a time (default: 2)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="directory for summary.json, summary.md, runs.json and the PNGs "
        "(default: benchmarks/results/pruning, or benchmarks/results/quick/"
        "pruning with --quick)",
    )
    args = parser.parse_args(argv)

    for option in ("seeds", "workers"):
        if getattr(args, option) < 1:
            parser.error(f"--{option} must be at least 1, got {getattr(args, option)}")
    default = RESULTS / "quick" / "pruning" if args.quick else RESULTS / "pruning"

    run_pruning_suite(
        args.output or default,
        seeds=args.seeds,
        quick=args.quick,
        n_workers=args.workers,
        command=" ".join(["python -m benchmarks.pruning", *argv]),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
