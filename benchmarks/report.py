"""Summaries of the benchmark runs: statistics, targets, markdown and JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

import moopt
from benchmarks.problems import PROBLEMS, reference_point, true_front
from benchmarks.runners import ARCHIVE_ROWS, POPULATION_ROWS, ROWS

PYMOO_ROWS = ("pymoo_default", "pymoo_same_operators")
MAX_OVERHEAD_RATIO = 0.5
# Targets of the durability suite. The growth is the cost that SQLite adds per
# trial over the last window of trials divided by that over the first window.
MAX_SQLITE_US_PER_TRIAL = 50.0
MAX_SQLITE_GROWTH = 1.5
MIN_SPEEDUP = 1.7
MIN_ASYNC_UTILIZATION = 0.9


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

    Each row has the median, min and max of its hypervolume, IGD, number of
    points and run time, and the per-seed values. Its ``set`` is
    ``"population"`` for a final population and ``"archive"`` for the
    non-dominated points among all evaluations. The two rows of a run share
    its time. Population rows come first, then archive rows.
    """
    summary = {}
    for name in problems:
        problem_records = [r for r in records if r["problem"] == name]
        front = true_front(name)
        rows: dict[str, dict[str, Any]] = {}
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
                rows[row] = {"set": "archive" if row in ARCHIVE_ROWS else "population"}
                for key in ("hypervolume", "igd", "n_points", "time_s"):
                    rows[row][key] = describe([entry[key] for entry in per_seed])
                rows[row]["per_seed"] = per_seed
        rows = {row: rows[row] for row in POPULATION_ROWS + ARCHIVE_ROWS}
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


def compare_like_for_like(problems: dict[str, Any]) -> list[dict[str, Any]]:
    """Return like-for-like comparisons of moopt's median HV with pymoo's.

    For each problem and pymoo variant there are two comparisons: moopt's
    final population with pymoo's final population, and moopt's Pareto set
    with pymoo's archive. Each entry has the HV median, min and max of both
    rows and the difference of the medians, moopt minus pymoo. These are
    reported for information and pass or fail nothing.
    """
    comparisons = []
    for name, problem in problems.items():
        rows = problem["rows"]
        for pymoo_row in PYMOO_ROWS:
            pairs = (
                ("population", "moopt_population", pymoo_row),
                ("archive", "moopt_pareto_set", f"{pymoo_row}_archive"),
            )
            for kind, moopt_row, other_row in pairs:
                moopt_hv = rows[moopt_row]["hypervolume"]
                pymoo_hv = rows[other_row]["hypervolume"]
                difference = moopt_hv["median"] - pymoo_hv["median"]
                comparisons.append(
                    {
                        "comparison": f"{name}, {kind}: median HV of {moopt_row} "
                        f"vs {other_row}",
                        "problem": name,
                        "set": kind,
                        "moopt_row": moopt_row,
                        "pymoo_row": other_row,
                        "moopt_hypervolume": moopt_hv,
                        "pymoo_hypervolume": pymoo_hv,
                        "difference": difference,
                        "relative_difference": difference / pymoo_hv["median"],
                    }
                )
    return comparisons


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


def evaluate_durability_targets(durability: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the targets of the durability suite with their measured values.

    The growth ratio is None when the first window showed no added cost, and
    its target then fails.
    """
    sqlite = durability["sqlite"]
    speedup = durability["speedup"]
    utilization = durability["utilization"]
    modes = utilization["modes"]
    window = sqlite["window"]
    return [
        _target(
            f"SQLite storage adds <= {MAX_SQLITE_US_PER_TRIAL:g} us per trial "
            f"({sqlite['n_trials']} trials, zero-cost objective)",
            sqlite["added_us_per_trial"],
            MAX_SQLITE_US_PER_TRIAL,
            higher_is_better=False,
        ),
        _target(
            f"SQLite cost per trial over the last {window} trials / over the first "
            f"{window} <= {MAX_SQLITE_GROWTH:g}",
            sqlite["growth_ratio"],
            MAX_SQLITE_GROWTH,
            higher_is_better=False,
        ),
        _target(
            f"speed-up of {speedup['n_workers']} workers on a {speedup['sleep_s']:g} s "
            f"objective >= {MIN_SPEEDUP:g}, worker start-up included",
            speedup["speedup"],
            MIN_SPEEDUP,
            higher_is_better=True,
        ),
        _target(
            f"utilization of {utilization['n_workers']} workers in async mode >= "
            f"{MIN_ASYNC_UTILIZATION:g}, worker start-up included (generational "
            f"mode in the same run: {modes['generational']['utilization']:.3f})",
            modes["async"]["utilization"],
            MIN_ASYNC_UTILIZATION,
            higher_is_better=True,
        ),
    ]


def _target(
    description: str, value: float | None, threshold: float, *, higher_is_better: bool
) -> dict[str, Any]:
    if value is None:
        passed = False
    elif higher_is_better:
        passed = value >= threshold
    else:
        passed = value <= threshold
    return {
        "target": description,
        "value": value,
        "threshold": threshold,
        "passed": bool(passed),
    }


def format_target(target: dict[str, Any]) -> str:
    """Return one line: PASS or FAIL, the target, and the measured figures."""
    outcome = "PASS" if target["passed"] else "FAIL"
    value = target["value"]
    measured = "n/a" if value is None else f"{value:.5g}"
    return (
        f"{outcome} {target['target']} "
        f"(measured {measured}, threshold {target['threshold']:.5g})"
    )


def format_comparison(comparison: dict[str, Any]) -> str:
    """Return one line: both medians with their seed range, and the difference."""
    moopt_hv = comparison["moopt_hypervolume"]
    pymoo_hv = comparison["pymoo_hypervolume"]
    return (
        f"comparison {comparison['comparison']}: "
        f"{moopt_hv['median']:.5f} [{moopt_hv['min']:.5f}, {moopt_hv['max']:.5f}] "
        f"vs {pymoo_hv['median']:.5f} [{pymoo_hv['min']:.5f}, {pymoo_hv['max']:.5f}], "
        f"difference {comparison['difference']:+.5f} "
        f"({100 * comparison['relative_difference']:+.2f} %)"
    )


def header_lines(
    title: str, summary: dict[str, Any], versions: dict[str, str]
) -> list[str]:
    """Return a report's title, command, finish time, machine and versions."""
    settings = summary["settings"]
    environment = summary["environment"]
    return [
        f"# {title}",
        "",
        f"Command: `{settings['command']}`. Finished {summary['finished_at']} in "
        f"{summary['wall_time_s']:.0f} s.",
        f"Machine: {environment['cpu']}, {environment['cpu_count']} CPUs, "
        f"{environment['platform']}, Python {environment['python']}.",
        "Versions: "
        + ", ".join(f"{name} {version}" for name, version in versions.items())
        + ".",
    ]


def render_markdown(summary: dict[str, Any]) -> str:
    """Return the whole report as a markdown document."""
    settings = summary["settings"]
    versions = summary["environment"]["versions"]
    lines = header_lines("moopt benchmark results", summary, versions)

    if "problems" in summary:
        lines += _problem_lines(summary["problems"], settings)
        lines += _comparison_lines(summary["comparisons"])
        lines += _overhead_lines(summary["overhead"])
        lines += _tuning_lines(
            summary["tuning"], settings["tuning"], settings["workers"]
        )
    if "durability" in summary:
        lines += _durability_lines(summary["durability"])

    lines += target_lines(summary["targets"])
    return "\n".join(lines) + "\n"


def target_lines(targets: list[dict[str, Any]]) -> list[str]:
    """Return a report's Targets section: the count met, then a line each."""
    passed = sum(target["passed"] for target in targets)
    lines = ["", "## Targets", "", f"{passed} of {len(targets)} targets met.", ""]
    return lines + [f"- {format_target(target)}" for target in targets]


def _problem_lines(problems: dict[str, Any], settings: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "## Test problems",
        "",
        f"Population {settings['population_size']}, seeds {settings['seeds']}. "
        "HV: hypervolume, reference point 1.1 per objective (higher is better). "
        "IGD: distance to the analytic front (lower is better). Median [min, max] "
        "over seeds. Set: `population` is the final population of a run, "
        "`archive` is the non-dominated points among all of its evaluations. "
        "Compare rows of the same set. Points is the median number of points in "
        "the set. Time is the median wall time of one run, with "
        f"{settings['workers']} runs in parallel. Both rows of a run share it.",
        "",
        "| problem | evaluations | result | set | points | HV median "
        "| HV [min, max] | IGD median | IGD [min, max] | time (s) |",
        "|---|---:|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, problem in problems.items():
        lines.append(
            f"| {name} | {problem['n_evaluations']} | true front | "
            f"| {problem['true_front_points']} "
            f"| {problem['true_front_hypervolume']:.5f} | | 0 | | |"
        )
        for row, stats in problem["rows"].items():
            hv, igd = stats["hypervolume"], stats["igd"]
            lines.append(
                f"| {name} | {problem['n_evaluations']} | {row} | {stats['set']} "
                f"| {stats['n_points']['median']:.0f} | {hv['median']:.5f} "
                f"| [{hv['min']:.5f}, {hv['max']:.5f}] | {igd['median']:.3e} "
                f"| [{igd['min']:.3e}, {igd['max']:.3e}] "
                f"| {stats['time_s']['median']:.2f} |"
            )
    return lines


def _comparison_lines(comparisons: list[dict[str, Any]]) -> list[str]:
    lines = [
        "",
        "## Like-for-like comparisons",
        "",
        "Median HV of moopt against pymoo on the same kind of set: final "
        "population against final population, and archive against archive. "
        "Each line gives the median [min, max] over seeds of moopt, then of "
        "pymoo, and the difference of the medians (moopt minus pymoo). These "
        "lines are comparisons for information, not targets.",
    ]
    for kind in ("population", "archive"):
        subset = [c for c in comparisons if c["set"] == kind]
        if not subset:
            continue
        differences = [c["relative_difference"] for c in subset]
        n_higher = sum(c["difference"] > 0 for c in subset)
        lines += [
            "",
            f"{kind.capitalize()} against {kind}: moopt's median HV is higher in "
            f"{n_higher} of {len(subset)} comparisons. The differences range from "
            f"{100 * min(differences):+.2f} % to {100 * max(differences):+.2f} % "
            "of pymoo's median.",
            "",
        ]
        lines += [f"- {format_comparison(c)}" for c in subset]
    return lines


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


def _tuning_lines(
    tuning: dict[str, Any], settings: dict[str, Any], workers: int
) -> list[str]:
    lines = [
        "",
        "## Tuning task",
        "",
        f"{settings['model']} on {settings['data']}, {settings['cv']}; maximize "
        "accuracy, minimize total tree nodes. HV reference point "
        f"{settings['reference_point']} (accuracy, nodes); seeds "
        f"{settings['seeds']}, with the HV of each seed in that order. "
        "Non-dominated is the median number of non-dominated configurations, "
        "a count and not a measure of quality. Time is the median wall time of "
        f"one run. The tuning runs took {tuning['total_time_s']:.0f} s summed "
        f"over runs, on {workers} workers.",
        "",
        "| method | budget | HV median | HV [min, max] | HV per seed "
        "| best accuracy (median) | non-dominated | time (s) |",
        "|---|---|---:|---:|---|---:|---:|---:|",
    ]
    for method, stats in tuning["methods"].items():
        hv = stats["hypervolume"]
        per_seed = ", ".join(f"{run['hypervolume']:.1f}" for run in stats["per_seed"])
        lines.append(
            f"| {method} | {settings['budgets'][method]} | {hv['median']:.1f} "
            f"| [{hv['min']:.1f}, {hv['max']:.1f}] | {per_seed} "
            f"| {stats['best_accuracy']['median']:.4f} "
            f"| {stats['n_pareto']['median']:.0f} "
            f"| {stats['time_s']['median']:.1f} |"
        )
    return lines


def _durability_lines(durability: dict[str, Any]) -> list[str]:
    sqlite = durability["sqlite"]
    speedup = durability["speedup"]
    utilization = durability["utilization"]
    window = sqlite["window"]
    growth = sqlite["growth_ratio"]
    growth_text = "n/a" if growth is None else f"{growth:.3f}"
    lines = [
        "",
        "## Durability and parallelism",
        "",
        "This suite runs alone, before the problem suite, in a child process that "
        f"imports only moopt and numpy. It took {durability['time_s']:.0f} s.",
        "",
        "### SQLite storage",
        "",
        f"Serial runs of {sqlite['n_trials']} trials, population "
        f"{sqlite['population_size']}, of an objective that costs nothing (a float, "
        "an int and a categorical parameter), in memory and in a new SQLite file "
        f"in a temporary folder. The two alternate and each figure is the best of "
        f"{sqlite['repeats']} runs. Whole run: wall time of `optimize` per trial. "
        f"A window is {window} trials: the time between the objective calls of "
        f"trials 0 and {window}, and of trials {sqlite['n_trials'] - window - 1} "
        f"and {sqlite['n_trials'] - 1}, per trial. Each window contains {window} "
        f"trials told and {window // sqlite['population_size']} generations asked. "
        "Both runs ask the same trials, so the difference is the cost of storage.",
        "",
        f"| storage | whole run (us/trial) | first {window} trials (us/trial) "
        f"| last {window} trials (us/trial) |",
        "|---|---:|---:|---:|",
    ]
    for label, key in (
        ("memory", "memory"),
        ("SQLite", "sqlite"),
        ("added by SQLite", "added"),
    ):
        lines.append(
            f"| {label} | {sqlite[f'{key}_us_per_trial']:.1f} "
            f"| {sqlite[f'{key}_first_window_us_per_trial']:.1f} "
            f"| {sqlite[f'{key}_last_window_us_per_trial']:.1f} |"
        )
    lines += [
        "",
        f"Cost added by SQLite per trial, last window / first window: {growth_text}.",
        "",
        "### Speed-up",
        "",
        f"An objective that sleeps {speedup['sleep_s']:g} s, {speedup['n_trials']} "
        f"trials, population {speedup['population_size']}: a serial run against "
        f"{speedup['n_workers']} local worker processes, same seed and same trials. "
        "Wall time of `optimize`, which for the parallel run includes starting its "
        "workers. Start-up is the time from the call of `optimize` to the start of "
        "the first trial.",
        "",
        "| workers | wall (s) | start-up (s) |",
        "|---|---:|---:|",
        f"| 1 (serial, in the calling process) | {speedup['serial_s']:.2f} | |",
        f"| {speedup['n_workers']} | {speedup['parallel_s']:.2f} "
        f"| {speedup['parallel_startup_s']:.2f} |",
        "",
        f"Speed-up, serial / parallel wall time: {speedup['speedup']:.2f}.",
        "",
        "### Worker utilization",
        "",
        f"{utilization['n_workers']} local worker processes, population "
        f"{utilization['population_size']}, {utilization['n_trials']} trials in each "
        "mode, an objective that sleeps a lognormal time (median "
        f"{utilization['median_s']:g} s, sigma {utilization['sigma']:g}) drawn from "
        "a generator seeded by the trial's params. Utilization is the busy time "
        "(sum of `Trial.duration`) / (workers x wall time of `optimize`), so worker "
        "start-up counts. The start-up columns give the time from the call of "
        f"`optimize` to the start of the first trial and of the "
        f"{utilization['n_workers']}th. The last column measures the wall time "
        "from the start of the first trial instead, for information.",
        "",
        "| mode | wall (s) | busy (s) | first trial started (s) "
        f"| {utilization['n_workers']} trials started (s) | utilization "
        "| utilization after start-up |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for mode, stats in utilization["modes"].items():
        lines.append(
            f"| {mode} | {stats['wall_s']:.2f} | {stats['busy_s']:.2f} "
            f"| {stats['first_start_s']:.2f} | {stats['all_workers_started_s']:.2f} "
            f"| {stats['utilization']:.3f} "
            f"| {stats['utilization_after_startup']:.3f} |"
        )
    return lines


def write_summary(summary: dict[str, Any], markdown: str, output: Path) -> None:
    """Write ``summary.json`` and ``summary.md`` into ``output``."""
    output.mkdir(parents=True, exist_ok=True)
    (output / "summary.json").write_text(
        json.dumps(summary, indent=2, allow_nan=False) + "\n"
    )
    (output / "summary.md").write_text(markdown)
