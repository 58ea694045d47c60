"""The noise suite: NSGA-II on noisy test problems, with and without re-evaluation.

``python -m benchmarks.noise [--quick] [options]`` runs it alone, and
``python -m benchmarks --suite noise`` runs it from the main entry point.

Problems. ZDT1 and ZDT2 with 5 variables, and DTLZ2 with 3 objectives and
12 variables (10 distance variables). The score should measure how a method
copes with noise, not how fast it converges, so the variables are as many as
noise-free NSGA-II (moopt, population 40) can bring to the front within
2000 evaluations. In a probe of 6 seeds, the median true HV of its 10
returned points at 2000 evaluations was, for ZDT1 and ZDT2:

- 30 variables (pymoo's default): 0.38 and 0.00;
- 10 variables: 0.81 and 0.29, with ZDT2 between 0.10 and 0.47 as its
  front collapsed towards f1 = 0 on half of the seeds;
- 5 variables: 0.82 and 0.49, against 0.82 and 0.49 for 10 points that
  ``select_k`` picks from the true fronts.

Noise. Each objective value gets Gaussian noise of standard deviation
``sigma``, one of 0.05, 0.15 and 0.30, drawn from a generator seeded by the
replicate seed and by a hash of the configuration. Replicate r of every
configuration therefore shares its seed, as ``trial.seed`` promises, while
the noise still differs between configurations instead of shifting them all
by the same amount. Evaluating a configuration again with the same replicate
seed repeats its value. Every method also runs at sigma 0, a noise-free
baseline that no target uses.

Methods, on equal budgets of objective evaluations (600 and 2000):

- ``moopt_none``: ``moopt.optimize`` with ``reevaluation="none"``, so each
  configuration is evaluated once;
- ``moopt_adaptive``: ``reevaluation="adaptive"`` with the default share of
  the budget (0.2) for re-evaluating uncertain first-front members, plus
  ``final_reevaluations=FINAL_REEVALUATION_SHARE`` (0.2) spent on the
  Pareto set at the end. The final share was chosen between 0.1 and 0.2 on
  seeds 100 to 109, which the suite does not use. Summed over ZDT1 at sigma
  0.05, 0.15 and 0.30, ZDT2 at 0.30 and DTLZ2 at 0.15 and 0.30, at 2000
  evaluations, their median true HVs were 2.50 and 2.59, and that of
  ``moopt_none`` 2.22. A larger share shrinks the gap further but leaves
  fewer evaluations for the search;
- ``optuna_nsga2``: Optuna's ``NSGAIISampler`` with the same population size,
  which evaluates each configuration once. Its replicate seed is the run's
  seed.

Score. Each method returns a set of at most ``SET_SIZE`` configurations:
``Result.select_k`` on its observed values (means over evaluations for
moopt), with the problem's fixed reference point. Optuna's ``best_trials``
go into a ``moopt.Result`` so the same greedy code chooses its set. The
score is the hypervolume of the set's noise-free values (true HV). The
observed HV is that of the values the method saw for the same set, and the
gap is observed minus true: how much the returned set overstates itself.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from pymoo.core.problem import Problem
from pymoo.problems.many.dtlz import DTLZ2
from pymoo.problems.multi.zdt import ZDT1, ZDT2
from threadpoolctl import threadpool_limits

import moopt
from benchmarks.execution import environment, progress, run_in_pool
from benchmarks.peers import check_optuna, make_sampler, suggest_params
from benchmarks.problems import reference_point, true_front
from benchmarks.report import (
    _target,
    describe,
    header_lines,
    target_lines,
    write_summary,
)

if TYPE_CHECKING:
    import optuna

RESULTS = Path(__file__).resolve().parent / "results"
PROBLEM_NAMES = ("zdt1", "zdt2", "dtlz2")
ZDT_VARIABLES = 5
# Noise standard deviations. Sigma 0 is the noise-free baseline.
SIGMAS = (0.0, 0.05, 0.15, 0.30)
METHODS = ("moopt_none", "moopt_adaptive", "optuna_nsga2")
SET_SIZE = 10
DEFAULT_SEEDS = 10
# Shares of the budget for moopt_adaptive: re-evaluating uncertain members
# during the run (optimize's default), then the returned set at the end.
REEVALUATION_SHARE = 0.2
FINAL_REEVALUATION_SHARE = 0.2
MOOPT_OPTIONS: dict[str, dict[str, Any]] = {
    "moopt_none": {"reevaluation": "none"},
    "moopt_adaptive": {
        "reevaluation": "adaptive",
        "reevaluation_share": REEVALUATION_SHARE,
        "final_reevaluations": FINAL_REEVALUATION_SHARE,
    },
}

# Budgets count objective evaluations. The targets apply to the largest one.
FULL: dict[str, Any] = {"budgets": (600, 2000), "population_size": 40}
QUICK: dict[str, Any] = {"budgets": (60, 120), "population_size": 10}

# Smallest gain in median true HV of moopt_adaptive over moopt_none, per sigma.
# A negative value is the largest loss allowed.
MIN_HYPERVOLUME_GAIN = {0.05: -0.01, 0.15: 0.05, 0.30: 0.10}
# moopt_adaptive's median |observed HV - true HV| may be at most this share of
# moopt_none's.
MAX_GAP_RATIO = 0.5
MAX_WALL_TIME_S = 1200.0

STYLES = {
    "moopt_none": {"color": "tab:gray", "marker": "o"},
    "moopt_adaptive": {"color": "tab:blue", "marker": "s"},
    "optuna_nsga2": {"color": "tab:orange", "marker": "^"},
}


def make_noise_problem(name: str) -> Problem:
    """Return the pymoo problem ``name`` in the size this suite uses."""
    if name == "zdt1":
        return ZDT1(n_var=ZDT_VARIABLES)
    if name == "zdt2":
        return ZDT2(n_var=ZDT_VARIABLES)
    if name == "dtlz2":
        return DTLZ2(n_var=12, n_obj=3)
    raise ValueError(f"unknown problem {name!r}; choose from {PROBLEM_NAMES}")


def configuration_key(x: np.ndarray) -> int:
    """Return a 64-bit integer hash of a configuration's variables.

    The hash reads the float64 bytes, so it is the same in every process.
    """
    digest = hashlib.blake2b(np.ascontiguousarray(x, dtype=np.float64).tobytes())
    return int.from_bytes(digest.digest()[:8], "little")


class NoisyObjective:
    """A pymoo problem whose objective values carry seeded Gaussian noise.

    Params are ``"x1"`` to ``"xN"`` in [0, 1] and the minimized objectives
    ``"f1"`` to ``"fM"``, as ``moopt.optimize`` names a pymoo problem's.
    Calling the instance as ``objective(params, trial)`` takes the replicate
    seed from ``trial.seed``. ``n_calls`` counts the noisy evaluations.
    """

    def __init__(self, problem: str, sigma: float) -> None:
        self.name = problem
        self.sigma = sigma
        self.problem = make_noise_problem(problem)
        self.variables = [f"x{i + 1}" for i in range(self.problem.n_var)]
        self.objectives = {f"f{j + 1}": "minimize" for j in range(self.problem.n_obj)}
        self.space: dict[str, moopt.Float | moopt.Int | moopt.Categorical] = {
            name: moopt.Float(0.0, 1.0) for name in self.variables
        }
        self.n_calls = 0

    def __call__(self, params: Mapping[str, float], trial: Any) -> dict[str, float]:
        return self.evaluate(params, trial.seed)

    def true_values(self, params: Mapping[str, float]) -> np.ndarray:
        """Return the noise-free objective values of ``params``, shape (M,)."""
        x = np.array([params[name] for name in self.variables], dtype=np.float64)
        return np.asarray(self.problem.evaluate(x), dtype=np.float64).reshape(-1)

    def evaluate(
        self, params: Mapping[str, float], replicate_seed: int
    ) -> dict[str, float]:
        """Return the noisy objective values of ``params`` for one replicate."""
        self.n_calls += 1
        x = np.array([params[name] for name in self.variables], dtype=np.float64)
        values = np.asarray(self.problem.evaluate(x), dtype=np.float64).reshape(-1)
        generator = np.random.default_rng([replicate_seed, configuration_key(x)])
        values = values + self.sigma * generator.standard_normal(len(values))
        return {name: float(v) for name, v in zip(self.objectives, values, strict=True)}


@dataclass(frozen=True)
class NoiseRun:
    """One run of one method on one noisy problem with a budget and a seed."""

    problem: str
    sigma: float
    budget: int
    method: str
    seed: int
    population_size: int

    @property
    def label(self) -> str:
        return (
            f"{self.problem} sigma {self.sigma:g} {self.budget} evaluations "
            f"seed {self.seed} {self.method}"
        )


def make_noise_runs(
    seeds: Sequence[int], budgets: Sequence[int], population_size: int
) -> list[NoiseRun]:
    """Return every (problem, sigma, budget, method, seed) run, longest first.

    Optuna's runs at the largest budget cost the most, so they start first
    and the process pool does not end waiting on one of them.
    """
    runs = [
        NoiseRun(problem, sigma, budget, method, seed, population_size)
        for problem in PROBLEM_NAMES
        for sigma in SIGMAS
        for budget in budgets
        for method in METHODS
        for seed in seeds
    ]
    return sorted(runs, key=lambda run: (run.method != "optuna_nsga2", -run.budget))


def run_noise_run(run: NoiseRun) -> dict[str, Any]:
    """Run ``run`` with one BLAS/OpenMP thread, score it and return its record.

    Besides the run's settings, the record contains:

    - ``time_s``: wall time of the optimization alone;
    - ``n_configurations``: distinct configurations evaluated;
    - ``n_reevaluations``: evaluations beyond each configuration's first;
    - ``n_pareto``: size of the Pareto set that the returned set comes from;
    - ``chosen``: the returned set's params, observed values, true values and
      evaluations per configuration;
    - ``observed_hypervolume``, ``true_hypervolume`` and ``gap``.

    Raises
    ------
    RuntimeError
        When a trial failed or the objective was called a number of times
        other than the budget.
    """
    objective = NoisyObjective(run.problem, run.sigma)
    with threadpool_limits(limits=1):
        start = time.perf_counter()
        if run.method == "optuna_nsga2":
            result = _run_optuna(objective, run)
        else:
            result = _run_moopt(objective, run)
        seconds = time.perf_counter() - start
    if objective.n_calls != run.budget:
        raise RuntimeError(
            f"{run.label}: the objective was called {objective.n_calls} times, "
            f"expected the budget of {run.budget}"
        )
    if result.n_failed:
        raise RuntimeError(f"{run.label}: {result.n_failed} trials failed")
    # Re-evaluations are trials of their own, in state "replicate".
    n_configurations = sum(trial.state == "complete" for trial in result.trials)
    reference = reference_point(run.problem)
    chosen = tuple(result.select_k(SET_SIZE, reference))
    observed = result.values(chosen)
    true = np.array([objective.true_values(trial.params) for trial in chosen])
    true = true.reshape(len(chosen), len(objective.objectives))
    observed_hypervolume = moopt.hypervolume(observed, reference) if chosen else 0.0
    true_hypervolume = moopt.hypervolume(true, reference) if chosen else 0.0
    return {
        "problem": run.problem,
        "sigma": run.sigma,
        "budget": run.budget,
        "method": run.method,
        "seed": run.seed,
        "population_size": run.population_size,
        "time_s": seconds,
        "n_configurations": n_configurations,
        "n_reevaluations": objective.n_calls - n_configurations,
        "n_pareto": len(result.pareto_set),
        "chosen": {
            "params": [trial.params for trial in chosen],
            "observed": observed.tolist(),
            "true": true.tolist(),
            "n_evaluations": [trial.n_evaluations for trial in chosen],
        },
        "observed_hypervolume": observed_hypervolume,
        "true_hypervolume": true_hypervolume,
        "gap": observed_hypervolume - true_hypervolume,
    }


def _run_moopt(objective: NoisyObjective, run: NoiseRun) -> moopt.Result:
    return moopt.optimize(
        objective,
        objective.space,
        objective.objectives,
        n_trials=run.budget,
        population_size=run.population_size,
        seed=run.seed,
        **MOOPT_OPTIONS[run.method],
    )


def _run_optuna(objective: NoisyObjective, run: NoiseRun) -> moopt.Result:
    """Run Optuna's NSGA-II on ``objective`` and return its trials as a Result.

    The Result's Pareto set is Optuna's ``best_trials``, so ``select_k``
    chooses among the trials Optuna itself would return.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    directions = list(objective.objectives.values())
    sampler = make_sampler("optuna_nsga2", run.seed, run.population_size, directions)

    def optuna_objective(trial: optuna.Trial) -> tuple[float, ...]:
        values = objective.evaluate(suggest_params(trial, objective.space), run.seed)
        return tuple(values.values())

    study = optuna.create_study(directions=directions, sampler=sampler)
    study.optimize(optuna_objective, n_trials=run.budget)
    trials = tuple(_moopt_trial(trial, objective) for trial in study.trials)
    best = {trial.number for trial in study.best_trials}
    pareto_set = tuple(trial for trial in trials if trial.number in best)
    names = tuple(objective.objectives)
    return moopt.Result(
        trials=trials,
        population=(),
        pareto_set=pareto_set,
        pareto_front=np.array(
            [[trial.values[name] for name in names] for trial in pareto_set]
        ),
        objective_names=names,
        directions=tuple(directions),
        n_failed=sum(trial.state == "failed" for trial in trials),
        seed=run.seed,
        feasible=bool(pareto_set),
    )


def _moopt_trial(
    trial: optuna.trial.FrozenTrial, objective: NoisyObjective
) -> moopt.Trial:
    import optuna

    complete = trial.state == optuna.trial.TrialState.COMPLETE
    return moopt.Trial(
        number=trial.number,
        generation=trial.system_attrs.get("NSGAIISampler:generation", 0),
        params=dict(trial.params),
        values=dict(zip(objective.objectives, trial.values, strict=True))
        if complete
        else None,
        state="complete" if complete else "failed",
        n_evaluations=1 if complete else 0,
    )


def summarize_noise_suite(
    records: list[dict[str, Any]], seeds: Sequence[int], budgets: Sequence[int]
) -> dict[str, Any]:
    """Return per-problem statistics over seeds, one cell per (budget, sigma).

    Each method in a cell has the median, min and max over seeds of these
    figures: true HV, observed HV, gap, absolute gap, share of the budget
    spent on re-evaluation, distinct configurations and wall time. Its
    per-seed figures follow in seed order. Each problem also has
    ``best_set_hypervolume``: the HV of ``SET_SIZE`` points that ``select_k``
    chooses from the sampled true front, an estimate of the best score a
    method can reach.
    """
    problems = {}
    for name in PROBLEM_NAMES:
        cells = []
        for budget in budgets:
            for sigma in SIGMAS:
                methods = {}
                for method in METHODS:
                    runs = sorted(
                        (
                            r
                            for r in records
                            if (r["problem"], r["sigma"], r["budget"], r["method"])
                            == (name, sigma, budget, method)
                        ),
                        key=lambda r: r["seed"],
                    )
                    methods[method] = _method_statistics(runs)
                cells.append({"budget": budget, "sigma": sigma, "methods": methods})
        problems[name] = {
            "n_variables": make_noise_problem(name).n_var,
            "n_objectives": make_noise_problem(name).n_obj,
            "reference_point": reference_point(name),
            "best_set_hypervolume": best_set_hypervolume(name),
            "cells": cells,
        }
    return problems


def _method_statistics(runs: list[dict[str, Any]]) -> dict[str, Any]:
    per_seed = [
        {
            "seed": run["seed"],
            "true_hypervolume": run["true_hypervolume"],
            "observed_hypervolume": run["observed_hypervolume"],
            "gap": run["gap"],
            "absolute_gap": abs(run["gap"]),
            "reevaluated_share": run["n_reevaluations"] / run["budget"],
            "n_configurations": run["n_configurations"],
            "time_s": run["time_s"],
        }
        for run in runs
    ]
    statistics: dict[str, Any] = {
        key: describe([entry[key] for entry in per_seed])
        for key in per_seed[0]
        if key != "seed"
    }
    statistics["per_seed"] = per_seed
    return statistics


def best_set_hypervolume(name: str) -> float:
    """Return the HV of the ``SET_SIZE`` true-front points ``select_k`` picks.

    Greedy selection reaches at least 1 - 1/e of the best HV of that many
    points, so this is a reference level, not an upper bound.
    """
    front = true_front(name)
    names = tuple(f"f{j + 1}" for j in range(front.shape[1]))
    trials = tuple(
        moopt.Trial(
            number=i,
            generation=0,
            params={},
            values=dict(zip(names, map(float, point), strict=True)),
            state="complete",
            n_evaluations=1,
        )
        for i, point in enumerate(front)
    )
    result = moopt.Result(
        trials=trials,
        population=(),
        pareto_set=trials,
        pareto_front=np.array(front),
        objective_names=names,
        directions=("minimize",) * len(names),
        n_failed=0,
        seed=0,
        feasible=True,
    )
    chosen = tuple(result.select_k(SET_SIZE, reference_point(name)))
    return moopt.hypervolume(result.values(chosen), reference_point(name))


def evaluate_noise_targets(
    problems: dict[str, Any], budget: int, wall_time_s: float, n_workers: int | None
) -> list[dict[str, Any]]:
    """Return the noise targets at ``budget`` with their measured values.

    Per problem and noisy sigma: the gain in median true HV of
    moopt_adaptive over moopt_none, then moopt_adaptive's median absolute
    gap against a threshold of ``MAX_GAP_RATIO`` times moopt_none's. Then
    the wall time of the whole suite.
    """
    targets = []
    for name, problem in problems.items():
        cells = {c["sigma"]: c for c in problem["cells"] if c["budget"] == budget}
        for sigma, minimum in MIN_HYPERVOLUME_GAIN.items():
            methods = cells[sigma]["methods"]
            gain = (
                methods["moopt_adaptive"]["true_hypervolume"]["median"]
                - methods["moopt_none"]["true_hypervolume"]["median"]
            )
            wording = "gain" if minimum > 0 else "change"
            targets.append(
                _target(
                    f"{name}, sigma {sigma:g}, {budget} evaluations: {wording} in "
                    "median true HV of moopt_adaptive over moopt_none "
                    f">= {minimum:+g}",
                    gain,
                    minimum,
                    higher_is_better=True,
                )
            )
        # The gap targets, like the gain targets, leave out the noise-free
        # baseline, where both gaps are 0.
        for sigma in MIN_HYPERVOLUME_GAIN:
            methods = cells[sigma]["methods"]
            targets.append(
                _target(
                    f"{name}, sigma {sigma:g}, {budget} evaluations: median "
                    "|observed HV - true HV| of moopt_adaptive <= "
                    f"{MAX_GAP_RATIO:g} x that of moopt_none",
                    methods["moopt_adaptive"]["absolute_gap"]["median"],
                    MAX_GAP_RATIO * methods["moopt_none"]["absolute_gap"]["median"],
                    higher_is_better=False,
                )
            )
    workers = "one process per CPU" if n_workers is None else f"{n_workers} workers"
    targets.append(
        _target(
            f"wall time of the whole noise suite on {workers} <= {MAX_WALL_TIME_S:g} s",
            wall_time_s,
            MAX_WALL_TIME_S,
            higher_is_better=False,
        )
    )
    return targets


def plot_hypervolume_against_sigma(
    name: str, problem: dict[str, Any], budgets: Sequence[int], path: Path
) -> None:
    """Save true HV (top row) and seen HV (bottom row) against sigma, per budget.

    Lines join the median over seeds of each method, with a band from the
    minimum to the maximum. The seen HV is that of the values the method
    observed for its returned set, so its distance above the true HV is the
    set's gap. It gets its own row because it can exceed the true HV several
    times over.
    """
    figure = Figure(figsize=(5.2 * len(budgets), 8.0))
    FigureCanvasAgg(figure)
    grid = figure.subplots(2, len(budgets), sharey="row", squeeze=False)
    for column, budget in enumerate(budgets):
        cells = [c for c in problem["cells"] if c["budget"] == budget]
        sigmas = [cell["sigma"] for cell in cells]
        for row, key in enumerate(("true_hypervolume", "observed_hypervolume")):
            axes = grid[row, column]
            for method in METHODS:
                stats = [cell["methods"][method][key] for cell in cells]
                style = STYLES[method]
                axes.plot(sigmas, [s["median"] for s in stats], label=method, **style)
                axes.fill_between(
                    sigmas,
                    [s["min"] for s in stats],
                    [s["max"] for s in stats],
                    color=style["color"],
                    alpha=0.15,
                )
            axes.axhline(
                problem["best_set_hypervolume"],
                color="black",
                linestyle=":",
                label=f"{SET_SIZE} points of the true front",
            )
            axes.set_xticks(sigmas)
            axes.grid(alpha=0.3)
        grid[0, column].set_title(f"{name}, {budget} evaluations")
        grid[1, column].set_xlabel("noise sigma")
    grid[0, 0].set_ylabel(f"true HV of the {SET_SIZE} returned")
    grid[1, 0].set_ylabel(f"seen HV of the {SET_SIZE} returned")
    grid[0, 0].legend(loc="lower left", fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def render_noise_markdown(summary: dict[str, Any]) -> str:
    """Return the noise suite's report as a markdown document."""
    settings = summary["settings"]
    lines = header_lines(
        "moopt noise benchmark results", summary, summary["environment"]["versions"]
    )
    lines += [
        "",
        f"Seeds {settings['seeds']}, population {settings['population_size']} "
        f"for moopt and Optuna's NSGA-II, budgets {settings['budgets']} objective "
        "evaluations (re-evaluations included). Each run returns "
        f"{settings['set_size']} configurations chosen by `select_k` from the "
        "values it observed. True HV: hypervolume of their noise-free values; "
        "seen HV: of the values the method observed for them (means over "
        "evaluations); |gap|: the absolute difference of the two. "
        "moopt_adaptive re-evaluates uncertain first-front members within "
        f"{settings['reevaluation_share']:g} of the budget and spends "
        f"{settings['final_reevaluations']:g} of it on the returned set at the "
        "end. Re-evaluated is the share of the budget spent on evaluations "
        "beyond each configuration's first. Median [min, max] over seeds; time "
        f"is the wall time of one run with {settings['workers']} runs in "
        "parallel.",
    ]
    for name, problem in summary["problems"].items():
        lines += _problem_lines(name, problem)
    lines += target_lines(summary["targets"])
    return "\n".join(lines) + "\n"


def _problem_lines(name: str, problem: dict[str, Any]) -> list[str]:
    lines = [
        "",
        f"## {name}",
        "",
        f"{problem['n_variables']} variables, {problem['n_objectives']} "
        f"objectives, reference point {problem['reference_point']}. "
        f"{SET_SIZE} points that `select_k` picks from the sampled true front "
        f"reach HV {problem['best_set_hypervolume']:.4f}.",
        "",
        "| evaluations | sigma | method | true HV median | true HV [min, max] "
        "| seen HV median | \\|gap\\| median | re-evaluated | configurations "
        "| time (s) |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for cell in problem["cells"]:
        for method, stats in cell["methods"].items():
            true = stats["true_hypervolume"]
            lines.append(
                f"| {cell['budget']} | {cell['sigma']:g} | {method} "
                f"| {true['median']:.4f} | [{true['min']:.4f}, {true['max']:.4f}] "
                f"| {stats['observed_hypervolume']['median']:.4f} "
                f"| {stats['absolute_gap']['median']:.4f} "
                f"| {stats['reevaluated_share']['median']:.3f} "
                f"| {stats['n_configurations']['median']:.0f} "
                f"| {stats['time_s']['median']:.2f} |"
            )
    return lines


def run_noise_suite(
    output: Path, *, seeds: int, quick: bool, n_workers: int | None
) -> list[dict[str, Any]]:
    """Run the noise suite, write its results into ``output`` and return its targets.

    Every (problem, sigma, budget, method, seed) run goes to a process pool of
    ``n_workers`` processes (one per CPU for None), seeds 0 to ``seeds - 1``.
    ``quick`` selects tiny budgets for tests. ``output`` receives
    ``summary.json``, ``summary.md``, ``runs.json`` (one record per run) and
    one PNG per problem, and the report also goes to stdout.
    """

    start = time.perf_counter()
    settings = QUICK if quick else FULL
    budgets = settings["budgets"]
    seed_list = list(range(seeds))
    runs = make_noise_runs(seed_list, budgets, settings["population_size"])
    records = run_in_pool([(run_noise_run, run) for run in runs], n_workers)
    problems = summarize_noise_suite(records, seed_list, budgets)

    output.mkdir(parents=True, exist_ok=True)
    for name, problem in problems.items():
        plot_hypervolume_against_sigma(name, problem, budgets, output / f"{name}.png")
    records.sort(
        key=lambda r: (
            PROBLEM_NAMES.index(r["problem"]),
            r["budget"],
            r["sigma"],
            METHODS.index(r["method"]),
            r["seed"],
        )
    )
    (output / "runs.json").write_text(json.dumps(records, allow_nan=False) + "\n")

    machine = environment()
    machine["versions"]["optuna"] = check_optuna()
    wall_time_s = time.perf_counter() - start
    quick_flag = " --quick" if quick else ""
    summary: dict[str, Any] = {
        "settings": {
            "command": f"python -m benchmarks --suite noise --seeds {seeds} "
            f"--workers {n_workers}{quick_flag}",
            "quick": quick,
            "problems": list(PROBLEM_NAMES),
            "sigmas": list(SIGMAS),
            "budgets": list(budgets),
            "methods": list(METHODS),
            "seeds": seed_list,
            "population_size": settings["population_size"],
            "set_size": SET_SIZE,
            "reevaluation_share": REEVALUATION_SHARE,
            "final_reevaluations": FINAL_REEVALUATION_SHARE,
            "workers": n_workers,
        },
        "environment": machine,
        "problems": problems,
        "targets": evaluate_noise_targets(
            problems, max(budgets), wall_time_s, n_workers
        ),
        "finished_at": datetime.datetime.now(datetime.UTC).isoformat(
            timespec="seconds"
        ),
        "wall_time_s": wall_time_s,
    }
    markdown = render_noise_markdown(summary)
    write_summary(summary, markdown, output)
    print(markdown, end="")
    progress(f"noise results written to {output}")
    return summary["targets"]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.noise",
        description="Run NSGA-II on ZDT1, ZDT2 and DTLZ2 with Gaussian noise on "
        "the objectives, with and without moopt's re-evaluation and with "
        "Optuna's NSGAIISampler, and score the true hypervolume of the "
        f"{SET_SIZE} configurations each run returns. Needs Optuna.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"tiny budgets for tests: {QUICK['budgets']} evaluations, "
        f"population {QUICK['population_size']}; writes to "
        "benchmarks/results/quick/noise by default",
    )
    parser.add_argument(
        "--seeds",
        type=int,
        help="number of seeds per problem, sigma, budget and method, seeds 0 to "
        "N-1 (default: 10, or 1 with --quick)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="directory for summary.json, summary.md, runs.json and the PNGs "
        "(default: benchmarks/results/noise)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="worker processes for the runs (default: 2)",
    )
    args = parser.parse_args(argv)
    for option in ("seeds", "workers"):
        value = getattr(args, option)
        if value is not None and value < 1:
            parser.error(f"--{option} must be a positive integer, got {value}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        check_optuna()
    except ImportError as error:
        print(f"python -m benchmarks.noise: {error}", file=sys.stderr)
        return 1
    default_output = RESULTS / "quick" / "noise" if args.quick else RESULTS / "noise"
    run_noise_suite(
        args.output or default_output,
        seeds=args.seeds or (1 if args.quick else DEFAULT_SEEDS),
        quick=args.quick,
        n_workers=args.workers,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
