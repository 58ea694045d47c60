"""Summary, targets, markdown, figures and trial records of the tuning suite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import moopt
from benchmarks.peers import METHODS
from benchmarks.report import (
    _target,
    describe,
    header_lines,
    target_lines,
)
from benchmarks.sklearn_tasks import TASKS, TuningTask

# moopt's optimizer time per trial may be at most this share of Optuna
# NSGA-II's on the free objective.
MAX_OPTIMIZER_OVERHEAD_RATIO = 1 / 20

STYLES = {
    "moopt": {"color": "tab:blue"},
    "optuna_nsga2": {"color": "tab:orange"},
    "optuna_default": {"color": "tab:green"},
    "random_search": {"color": "tab:gray"},
}


def describe_task(task: TuningTask) -> dict[str, Any]:
    """Return a JSON-ready description of a task's space, objectives and constraint."""
    space = {}
    for name, dimension in task.space.items():
        if isinstance(dimension, moopt.Categorical):
            space[name] = {"type": "Categorical", "choices": list(dimension.choices)}
        else:
            space[name] = {
                "type": type(dimension).__name__,
                "low": dimension.low,
                "high": dimension.high,
                "log": dimension.log,
            }
            if isinstance(dimension, moopt.Int):
                space[name]["step"] = dimension.step
    constraint = task.constraint
    return {
        "description": task.description,
        "space": space,
        "objectives": task.objectives,
        "constraint": {
            "name": constraint.name,
            "operator": constraint.operator,
            "bound": constraint.bound,
        },
        "reference_point": list(task.reference_point),
    }


def summarize_tuning_suite(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Return per-task, per-method statistics over seeds of the tuning runs.

    Each method has the median, min and max over seeds of these figures: its
    final hypervolume, its hypervolume after half the budget, its best
    feasible value of the first objective and its number of feasible trials.
    The same goes for its wall time and its optimizer time, which is the wall
    time minus the time in the objective. The per-seed figures follow.
    """
    tasks: dict[str, Any] = {}
    for name in dict.fromkeys(record["task"] for record in records):
        task = TASKS[name]
        first = next(iter(task.objectives))
        methods = {}
        for method in METHODS:
            runs = sorted(
                (r for r in records if r["task"] == name and r["method"] == method),
                key=lambda r: r["seed"],
            )
            per_seed = [
                _run_figures(run, first, task.objectives[first]) for run in runs
            ]
            methods[method] = {"sampler": runs[0]["sampler"]}
            for key in per_seed[0]:
                if key != "seed":
                    methods[method][key] = _describe_known(
                        [entry[key] for entry in per_seed]
                    )
            methods[method]["per_seed"] = per_seed
        tasks[name] = {
            **describe_task(task),
            "n_trials": records[0]["n_trials"],
            "population_size": records[0]["population_size"],
            "methods": methods,
        }
    return tasks


def _describe_known(samples: list[float | None]) -> dict[str, float] | None:
    """Return ``describe`` of the samples that are not None, or None if none are."""
    known = [sample for sample in samples if sample is not None]
    return describe(known) if known else None


def _run_figures(run: dict[str, Any], objective: str, direction: str) -> dict:
    history = run["hypervolume"]
    feasible = [t["values"][objective] for t in run["trials"] if t["feasible"]]
    best = max if direction == "maximize" else min
    return {
        "seed": run["seed"],
        "hypervolume": history[-1],
        "hypervolume_half_budget": history[len(history) // 2 - 1],
        "best_feasible_first_objective": best(feasible) if feasible else None,
        "n_feasible": len(feasible),
        "time_s": run["time_s"],
        "optimizer_time_s": run["time_s"] - run["objective_time_s"],
    }


def evaluate_tuning_targets(
    tasks: dict[str, Any], overhead: dict[str, Any]
) -> list[dict[str, Any]]:
    """Return the tuning targets with their measured values and outcomes."""
    targets = [
        _target(
            f"{name}: median final HV of moopt >= median final HV of optuna_nsga2",
            task["methods"]["moopt"]["hypervolume"]["median"],
            task["methods"]["optuna_nsga2"]["hypervolume"]["median"],
            higher_is_better=True,
        )
        for name, task in tasks.items()
    ]
    targets.append(
        _target(
            "optimizer time per trial on a free objective, moopt / Optuna "
            f"NSGAIISampler <= 1/20 ({overhead['n_trials']} trials, population "
            f"{overhead['population_size']})",
            overhead["ratio"],
            MAX_OPTIMIZER_OVERHEAD_RATIO,
            higher_is_better=False,
        )
    )
    return targets


def render_tuning_markdown(summary: dict[str, Any]) -> str:
    """Return the tuning suite's report as a markdown document."""
    settings = summary["settings"]
    lines = header_lines("moopt tuning benchmark results", summary, summary["peers"])
    lines += [
        "",
        f"Each method runs {settings['n_trials']} trials per seed, seeds "
        f"{settings['seeds']}, population {settings['population_size']} for moopt "
        "and Optuna's NSGA-II. HV is the hypervolume of the feasible trials, in "
        "the units of the objectives, against the task's reference point (higher "
        "is better). Median [min, max] over seeds; the per-seed column lists the "
        "seeds in order. Time is the wall time of one run with "
        f"{settings['workers']} runs in parallel. Optimizer time is that minus "
        "the time spent in the objective.",
    ]
    for name, task in summary["tasks"].items():
        lines += _task_lines(name, task)
    lines += _overhead_lines(summary["overhead"])
    lines += target_lines(summary["targets"])
    return "\n".join(lines) + "\n"


def _task_lines(name: str, task: dict[str, Any]) -> list[str]:
    objectives = ", ".join(
        f"{objective} ({direction})"
        for objective, direction in task["objectives"].items()
    )
    first = next(iter(task["objectives"]))
    constraint = task["constraint"]
    half = task["n_trials"] // 2
    lines = [
        "",
        f"## {name}",
        "",
        f"{task['description']}. Objectives: {objectives}. Constraint: "
        f"{constraint['name']} {constraint['operator']} {constraint['bound']:g}. "
        f"Reference point: {task['reference_point']}.",
        "",
        f"| method | sampler | HV median | HV [min, max] | HV per seed "
        f"| HV median at {half} trials | best feasible {first} (median) "
        "| feasible trials (median) | time (s) | optimizer time (s) |",
        "|---|---|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for method, stats in task["methods"].items():
        hv = stats["hypervolume"]
        per_seed = ", ".join(f"{run['hypervolume']:.1f}" for run in stats["per_seed"])
        best = stats["best_feasible_first_objective"]
        best_text = "n/a" if best is None else f"{best['median']:.4f}"
        lines.append(
            f"| {method} | {stats['sampler']} | {hv['median']:.1f} "
            f"| [{hv['min']:.1f}, {hv['max']:.1f}] | {per_seed} "
            f"| {stats['hypervolume_half_budget']['median']:.1f} "
            f"| {best_text} "
            f"| {stats['n_feasible']['median']:.0f} "
            f"| {stats['time_s']['median']:.1f} "
            f"| {stats['optimizer_time_s']['median']:.2f} |"
        )
    return lines


def _overhead_lines(overhead: dict[str, Any]) -> list[str]:
    return [
        "",
        "## Optimizer overhead",
        "",
        f"A free objective (three floats, two objectives of a few arithmetic "
        f"operations), {overhead['n_trials']} trials, population "
        f"{overhead['population_size']}, both libraries in memory in one process, "
        "run serially before the tuning runs. Time per trial is the wall time of "
        f"the whole run divided by the trials, best of {overhead['repeats']} "
        "alternating runs.",
        "",
        "| library | us/trial |",
        "|---|---:|",
        f"| moopt (`optimize`) | {overhead['moopt_us_per_trial']:.1f} |",
        f"| Optuna (`NSGAIISampler`, `study.optimize`) "
        f"| {overhead['optuna_us_per_trial']:.1f} |",
        "",
        f"moopt / Optuna: {overhead['ratio']:.4f}.",
    ]


def plot_hypervolume_histories(
    name: str, records: list[dict[str, Any]], path: Path
) -> None:
    """Save the HV of each method against trials: median line, band from min to max.

    The left panel shows the whole run, the right one the second half of the
    budget with its own vertical scale, where the methods differ by little.
    """
    figure = Figure(figsize=(11, 4.5))
    FigureCanvasAgg(figure)
    whole, late = figure.subplots(1, 2)
    n_trials = records[0]["n_trials"]
    trials = np.arange(1, n_trials + 1)
    half = n_trials // 2
    for method in METHODS:
        histories = np.array(
            [r["hypervolume"] for r in records if r["method"] == method], dtype=float
        )
        if len(histories) == 0:
            continue
        low, median, high = np.percentile(histories, [0, 50, 100], axis=0)
        for axes, start in ((whole, 0), (late, half)):
            axes.plot(trials[start:], median[start:], label=method, **STYLES[method])
            axes.fill_between(
                trials[start:], low[start:], high[start:], alpha=0.2, **STYLES[method]
            )
    n_seeds = len({r["seed"] for r in records})
    seeds_text = "1 seed" if n_seeds == 1 else f"{n_seeds} seeds"
    whole.set_title(f"{name}: median and range over {seeds_text}")
    late.set_title(f"trials {half + 1} to {n_trials}")
    for axes in (whole, late):
        axes.set_xlabel("trials")
        axes.set_ylabel("hypervolume of feasible trials")
        axes.grid(alpha=0.3)
    whole.legend(loc="lower right", fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def write_runs(records: list[dict[str, Any]], path: Path) -> None:
    """Write every trial of every run, and the tasks they ran on, to ``path``.

    The file has ``tasks`` (space, objectives, constraint and reference point
    of each task) and ``runs``: one entry per run with its task, method, seed,
    sampler, times, trials and HV history.
    """
    names = dict.fromkeys(record["task"] for record in records)
    document = {
        "tasks": {name: describe_task(TASKS[name]) for name in names},
        "runs": records,
    }
    path.write_text(json.dumps(document, allow_nan=False) + "\n")
