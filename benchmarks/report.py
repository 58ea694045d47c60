"""Summaries of the benchmark runs: statistics, targets, markdown and JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

import moopt
from benchmarks.problems import PROBLEMS, reference_point, true_front
from benchmarks.runners import ROWS

PYMOO_ROWS = ("pymoo_default", "pymoo_same_operators")
MAX_OVERHEAD_RATIO = 0.5


def describe(samples: list[float]) -> dict[str, float]:
    """Return the median, minimum and maximum of ``samples``."""
    return {
        "median": float(np.median(samples)),
        "min": float(np.min(samples)),
        "max": float(np.max(samples)),
    }


def summarize_problems(
    records: list[dict[str, Any]], problems: list[str]
) -> dict[str, Any]:
    """Return per-problem statistics over seeds of every result row.

    Each row has the median, min and max of its hypervolume, IGD and run
    time, and the per-seed values. The two moopt rows come from one run, so
    they share its time.
    """
    summary = {}
    for name in problems:
        problem_records = [r for r in records if r["problem"] == name]
        front = true_front(name)
        rows = {}
        for algorithm, row_names in ROWS.items():
            runs = sorted(
                (r for r in problem_records if r["algorithm"] == algorithm),
                key=lambda r: r["seed"],
            )
            for row in row_names:
                per_seed = [
                    {
                        "seed": run["seed"],
                        "hypervolume": run["rows"][row]["hypervolume"],
                        "igd": run["rows"][row]["igd"],
                        "n_points": len(run["rows"][row]["values"]),
                        "time_s": run["time_s"],
                    }
                    for run in runs
                ]
                rows[row] = {
                    key: describe([entry[key] for entry in per_seed])
                    for key in ("hypervolume", "igd", "time_s")
                }
                rows[row]["per_seed"] = per_seed
        summary[name] = {
            "n_objectives": PROBLEMS[name].n_objectives,
            "n_evaluations": problem_records[0]["n_evaluations"],
            "reference_point": reference_point(name),
            "true_front_points": len(front),
            "true_front_hypervolume": moopt.hypervolume(front, reference_point(name)),
            "rows": rows,
        }
    return summary


def summarize_tuning(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Return per-method statistics over seeds of the tuning runs."""
    methods = {}
    for method in ("moopt", "random_search"):
        runs = sorted(
            (r for r in records if r["method"] == method), key=lambda r: r["seed"]
        )
        per_seed = [
            {key: run[key] for key in run if key != "pareto_front"} for run in runs
        ]
        methods[method] = {
            "hypervolume": describe([run["hypervolume"] for run in runs]),
            "n_pareto": describe([run["n_pareto"] for run in runs]),
            "best_accuracy": describe([run["best_accuracy"] for run in runs]),
            "time_s": describe([run["time_s"] for run in runs]),
            "per_seed": per_seed,
        }
    return {
        "methods": methods,
        "total_time_s": float(sum(run["time_s"] for run in records)),
    }


def evaluate_targets(
    problems: dict[str, Any], overhead: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Return every target with its measured value, threshold and outcome."""
    targets = []
    for name, problem in problems.items():
        rows = problem["rows"]
        for pymoo_row in PYMOO_ROWS:
            targets.append(
                _target(
                    f"{name}: median HV of moopt_pareto_set >= median HV of "
                    f"{pymoo_row}",
                    rows["moopt_pareto_set"]["hypervolume"]["median"],
                    rows[pymoo_row]["hypervolume"]["median"],
                    higher_is_better=True,
                )
            )
            targets.append(
                _target(
                    f"{name}: median HV of moopt_population >= worst-seed HV of "
                    f"{pymoo_row}",
                    rows["moopt_population"]["hypervolume"]["median"],
                    rows[pymoo_row]["hypervolume"]["min"],
                    higher_is_better=True,
                )
            )
    for entry in overhead:
        targets.append(
            _target(
                f"loop overhead at population {entry['population_size']}: moopt / "
                f"pymoo time per generation <= {MAX_OVERHEAD_RATIO}",
                entry["ratio"],
                MAX_OVERHEAD_RATIO,
                higher_is_better=False,
            )
        )
    return targets


def _target(
    description: str, value: float, threshold: float, *, higher_is_better: bool
) -> dict[str, Any]:
    passed = value >= threshold if higher_is_better else value <= threshold
    return {
        "target": description,
        "value": value,
        "threshold": threshold,
        "passed": bool(passed),
    }


def format_target(target: dict[str, Any]) -> str:
    """Return one line: PASS or FAIL, the target, and the measured figures."""
    outcome = "PASS" if target["passed"] else "FAIL"
    return (
        f"{outcome} {target['target']} "
        f"(measured {target['value']:.5g}, threshold {target['threshold']:.5g})"
    )


def render_markdown(summary: dict[str, Any]) -> str:
    """Return the whole report as a markdown document."""
    settings = summary["settings"]
    environment = summary["environment"]
    lines = [
        "# moopt benchmark results",
        "",
        f"Command: `{settings['command']}`. Finished {summary['finished_at']} in "
        f"{summary['wall_time_s']:.0f} s.",
        f"Machine: {environment['cpu']}, {environment['cpu_count']} CPUs, "
        f"{environment['platform']}, Python {environment['python']}.",
        "Versions: "
        + ", ".join(
            f"{name} {version}" for name, version in environment["versions"].items()
        )
        + ".",
        "",
        "## Test problems",
        "",
        f"Population {settings['population_size']}, seeds {settings['seeds']}. "
        "HV: hypervolume, reference point 1.1 per objective (higher is better). "
        "IGD: distance to the analytic front (lower is better). Median [min, max] "
        "over seeds; time is the median wall time of one run, with "
        f"{settings['workers']} runs in parallel.",
        "",
        "| problem | evaluations | result | HV median | HV [min, max] "
        "| IGD median | IGD [min, max] | time (s) |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for name, problem in summary["problems"].items():
        lines.append(
            f"| {name} | {problem['n_evaluations']} | true front "
            f"({problem['true_front_points']} points) | "
            f"{problem['true_front_hypervolume']:.5f} | | 0 | | |"
        )
        for row, stats in problem["rows"].items():
            hv, igd = stats["hypervolume"], stats["igd"]
            lines.append(
                f"| {name} | {problem['n_evaluations']} | {row} | {hv['median']:.5f} "
                f"| [{hv['min']:.5f}, {hv['max']:.5f}] | {igd['median']:.3e} "
                f"| [{igd['min']:.3e}, {igd['max']:.3e}] "
                f"| {stats['time_s']['median']:.2f} |"
            )
    lines += _overhead_lines(summary["overhead"])
    lines += _tuning_lines(summary["tuning"], settings["tuning"])
    passed = sum(target["passed"] for target in summary["targets"])
    lines += [
        "",
        "## Targets",
        "",
        f"{passed} of {len(summary['targets'])} targets met.",
        "",
    ]
    lines += [f"- {format_target(target)}" for target in summary["targets"]]
    return "\n".join(lines) + "\n"


def _overhead_lines(overhead: list[dict[str, Any]]) -> list[str]:
    lines = [
        "",
        "## Loop overhead",
        "",
        "Free objective (30 variables, objectives = first two variables), same "
        "operator settings, best of the repeats, run serially.",
        "",
        "| population | generations | repeats | moopt (ms/generation) "
        "| pymoo (ms/generation) | moopt / pymoo |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for entry in overhead:
        lines.append(
            f"| {entry['population_size']} | {entry['n_generations']} "
            f"| {entry['repeats']} | {entry['moopt_ms_per_generation']:.2f} "
            f"| {entry['pymoo_ms_per_generation']:.2f} | {entry['ratio']:.3f} |"
        )
    return lines


def _tuning_lines(tuning: dict[str, Any], settings: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "## Tuning task",
        "",
        f"{settings['model']} on {settings['data']}, {settings['cv']}; maximize "
        "accuracy, minimize total tree nodes. HV reference point "
        f"{settings['reference_point']} (accuracy, nodes); seeds "
        f"{settings['seeds']}. Total run time {tuning['total_time_s']:.0f} s "
        "over all tuning runs.",
        "",
        "| method | budget | HV median | HV [min, max] | Pareto points (median) "
        "| best accuracy (median) | time (s) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for method, stats in tuning["methods"].items():
        hv = stats["hypervolume"]
        lines.append(
            f"| {method} | {settings['budgets'][method]} | {hv['median']:.1f} "
            f"| [{hv['min']:.1f}, {hv['max']:.1f}] | {stats['n_pareto']['median']:.0f} "
            f"| {stats['best_accuracy']['median']:.4f} "
            f"| {stats['time_s']['median']:.1f} |"
        )
    return lines


def write_summary(summary: dict[str, Any], markdown: str, output: Path) -> None:
    """Write ``summary.json`` and ``summary.md`` into ``output``."""
    output.mkdir(parents=True, exist_ok=True)
    (output / "summary.json").write_text(
        json.dumps(summary, indent=2, allow_nan=False) + "\n"
    )
    (output / "summary.md").write_text(markdown)
