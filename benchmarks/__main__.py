"""Run the benchmark suite: ``python -m benchmarks [--quick] [options]``.

Two suites run by default. The durability suite runs first, alone, in a child
process (see ``benchmarks.durability``). In the problem suite the
loop-overhead timings run serially, then every (problem, seed, algorithm) run
and every tuning run goes to a process pool. The report goes to stdout and to
``summary.md``, ``summary.json``, one PNG per problem and ``runs.json``
(each run's final values and archive hypervolume per generation) in the
output directory. Progress lines go to stderr. Missed targets are reported, not
errors. Failed runs and invalid results exit with status 1.

``--suite tuning`` runs the tuning suite instead (``--suite all`` runs it
after the default suites): scikit-learn tasks tuned by moopt and by Optuna's
samplers (see ``benchmarks.peers``), after a serial timing of both
optimizers. It writes into the ``tuning`` folder of the output directory, and
needs Optuna.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import durability, noise, pruning, report, tuning_report
from benchmarks.execution import environment, progress, run_in_pool
from benchmarks.overhead import measure_overhead
from benchmarks.peers import (
    check_optuna,
    make_tuning_runs,
    measure_optimizer_overhead,
    peer_versions,
    run_tuning_run,
)
from benchmarks.plots import plot_front
from benchmarks.problems import PROBLEMS
from benchmarks.runners import (
    ALGORITHMS,
    POPULATION_SIZE,
    ProblemJob,
    run_problem_job,
    runs_record,
)
from benchmarks.sklearn_tasks import TASKS
from benchmarks.tuning import REFERENCE_POINT, make_tuning_jobs, run_tuning_job

RESULTS = Path(__file__).resolve().parent / "results"
# "default" runs the suites of DEFAULT_SUITES, "all" runs them and then the
# tuning suite.
SUITE_CHOICES = (
    "default",
    "problems",
    "durability",
    "tuning",
    "pruning",
    "noise",
    "all",
)
# Suites that run alone, each into its own folder of the output directory.
SEPARATE_SUITES = ("tuning", "pruning", "noise")
DEFAULT_SUITES = ("problems", "durability")

# Budgets of the default suite and of --quick. "overhead" lists
# (population size, generations, repeats) per timing.
FULL = {
    "seeds": 5,
    "problems": list(PROBLEMS),
    "n_generations": None,
    "tuning_seeds": 3,
    "tuning_population": 20,
    "tuning_generations": 10,
    "overhead": [(100, 50, 3), (1000, 50, 3)],
    "output": RESULTS,
    # The tuning suite. "overhead" is (trials, population size, repeats).
    "tuning_suite": {
        "seeds": 3,
        "n_trials": 200,
        "population_size": 20,
        "overhead": (2000, 50, 3),
    },
}
QUICK = {
    "seeds": 1,
    "problems": ["zdt1", "dtlz2"],
    "n_generations": 40,
    "tuning_seeds": 1,
    "tuning_population": 6,
    "tuning_generations": 3,
    "overhead": [(100, 10, 1), (1000, 5, 1)],
    "output": RESULTS / "quick",
    "tuning_suite": {
        "seeds": 1,
        "n_trials": 30,
        "population_size": 10,
        "overhead": (300, 50, 1),
    },
}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Compare moopt with pymoo's NSGA2 on ZDT1-4, ZDT6 and DTLZ2, "
        "time the loop overhead of both, run a scikit-learn tuning task, and "
        "measure SQLite storage overhead, parallel speed-up and worker "
        "utilization. The tuning suite compares moopt with Optuna's samplers on "
        "scikit-learn tuning tasks.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small budgets for tests: zdt1 and dtlz2, 1 seed, 40 generations, "
        "a tiny tuning task, short durability runs, and 30 trials per tuning "
        "run; writes to benchmarks/results/quick by default",
    )
    parser.add_argument(
        "--suite",
        choices=SUITE_CHOICES,
        default="default",
        help="'default' runs the durability suite (SQLite, speed-up, "
        "utilization) and the problem suite (test problems, loop overhead, "
        "tuning task); 'problems' and 'durability' run one of them; 'tuning' "
        "runs the tuning suite against Optuna into OUTPUT/tuning, 'pruning' "
        "the pruning suite into OUTPUT/pruning and 'noise' the noise suite "
        "against Optuna into OUTPUT/noise, 10 seeds each unless --seeds; "
        "'all' runs the default suites and then these three (default: default)",
    )
    parser.add_argument(
        "--problems",
        type=_problem_list,
        help=f"comma-separated problems to run, from {','.join(PROBLEMS)} "
        "(default: all, or zdt1,dtlz2 with --quick)",
    )
    parser.add_argument(
        "--seeds",
        type=_positive_int,
        help="number of seeds per problem and algorithm, seeds 0 to N-1 "
        "(default: 5, or 1 with --quick; in the tuning suite 3, or 1 with "
        "--quick)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="directory for summary.json, summary.md and the PNGs "
        "(default: benchmarks/results, or benchmarks/results/quick with --quick)",
    )
    parser.add_argument(
        "--workers",
        type=_positive_int,
        default=2,
        help="worker processes for the runs of the problem and tuning suites "
        "(default: 2)",
    )
    return parser.parse_args(argv)


def _problem_list(text: str) -> list[str]:
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in PROBLEMS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown problems {unknown or [text]}; choose from {', '.join(PROBLEMS)}"
        )
    return names


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    budget = QUICK if args.quick else FULL
    output = args.output or budget["output"]
    suites = SEPARATE_SUITES if args.suite == "all" else (args.suite,)
    if {"tuning", "noise"} & set(suites):
        try:
            check_optuna()
        except ImportError as error:
            print(f"python -m benchmarks: {error}", file=sys.stderr)
            return 1
    if args.suite not in SEPARATE_SUITES:
        run_default_suites(args, argv, budget, output)
    if "tuning" in suites:
        run_tuning_suite(args, argv, budget, output / "tuning")
    command = " ".join(["python -m benchmarks", *argv])
    if "pruning" in suites:
        pruning.run_pruning_suite(
            output / "pruning",
            seeds=args.seeds or (1 if args.quick else pruning.DEFAULT_SEEDS),
            quick=args.quick,
            n_workers=args.workers,
            command=command,
        )
    if "noise" in suites:
        noise.run_noise_suite(
            output / "noise",
            seeds=args.seeds or (1 if args.quick else noise.DEFAULT_SEEDS),
            quick=args.quick,
            n_workers=args.workers,
        )
    return 0


def run_default_suites(
    args: argparse.Namespace,
    argv: list[str],
    budget: dict[str, Any],
    output: Path,
) -> None:
    """Run the durability and problem suites, or the one that ``--suite`` names.

    Writes the report to stdout and to ``summary.md`` and ``summary.json`` in
    ``output``.
    """
    suites = DEFAULT_SUITES if args.suite in ("default", "all") else (args.suite,)
    start = time.perf_counter()

    summary: dict[str, Any] = {
        "settings": {
            "command": " ".join(["python -m benchmarks", *argv]),
            "quick": args.quick,
            "suites": list(suites),
        },
        "environment": environment(),
    }
    targets = []
    # The durability suite measures wall times, so it runs while nothing else
    # of the benchmark does.
    if "durability" in suites:
        summary["durability"] = durability.run_in_child(args.quick)
        targets += report.evaluate_durability_targets(summary["durability"])
    if "problems" in suites:
        targets = run_problem_suite(args, budget, output, summary) + targets
    summary["targets"] = targets
    summary["finished_at"] = datetime.datetime.now(datetime.UTC).isoformat(
        timespec="seconds"
    )
    summary["wall_time_s"] = time.perf_counter() - start
    markdown = report.render_markdown(summary)
    report.write_summary(summary, markdown, output)
    print(markdown, end="")
    progress(f"results written to {output}")


def run_problem_suite(
    args: argparse.Namespace,
    budget: dict[str, Any],
    output: Path,
    summary: dict[str, Any],
) -> list[dict[str, Any]]:
    """Run the test problems, the loop overhead and the tuning task.

    Adds their settings and results to ``summary``, draws one PNG per problem
    into ``output``, and returns their targets.
    """
    problems = args.problems or budget["problems"]
    seeds = list(range(args.seeds or budget["seeds"]))
    overhead = []
    for population_size, n_generations, repeats in budget["overhead"]:
        entry = measure_overhead(population_size, n_generations, repeats)
        overhead.append(entry)
        progress(f"overhead population {population_size}: ratio {entry['ratio']:.3f}")

    tuning_jobs = make_tuning_jobs(
        list(range(budget["tuning_seeds"])),
        budget["tuning_population"],
        budget["tuning_generations"],
    )
    problem_jobs = [
        ProblemJob(name, algorithm, seed, _generations(name, budget))
        for name in problems
        for seed in seeds
        for algorithm in ALGORITHMS
    ]
    # The tuning runs are the longest, so they start first.
    records = run_in_pool(
        [(run_tuning_job, job) for job in tuning_jobs]
        + [(run_problem_job, job) for job in problem_jobs],
        args.workers,
    )
    tuning_records = records[: len(tuning_jobs)]
    problem_records = records[len(tuning_jobs) :]

    output.mkdir(parents=True, exist_ok=True)
    for name in problems:
        first_runs = [
            r for r in problem_records if r["problem"] == name and r["seed"] == seeds[0]
        ]
        fronts = {
            row: data["values"]
            for run in first_runs
            for row, data in run["rows"].items()
        }
        plot_front(name, fronts, seeds[0], output / f"{name}.png")
    runs_file = output / "runs.json"
    runs_file.write_text(json.dumps(runs_record(problem_records)) + "\n")

    summary["settings"].update(_settings(args, budget, problems, seeds, tuning_jobs))
    summary["problems"] = report.summarize_problems(problem_records, problems)
    summary["overhead"] = overhead
    summary["tuning"] = report.summarize_tuning(tuning_records)
    summary["comparisons"] = report.compare_like_for_like(summary["problems"])
    return report.evaluate_targets(summary["problems"], overhead)


def run_tuning_suite(
    args: argparse.Namespace,
    argv: list[str],
    budget: dict[str, Any],
    output: Path,
) -> None:
    """Run the tuning suite and write its results into ``output``.

    The optimizer overhead is timed first, serially. Then every (task, seed,
    method) run goes to the process pool. ``output`` receives
    ``summary.json``, ``summary.md``, ``runs.json`` and one PNG per task.
    """
    start = time.perf_counter()
    settings = budget["tuning_suite"]
    seeds = list(range(args.seeds or settings["seeds"]))
    overhead = measure_optimizer_overhead(*settings["overhead"])
    progress(
        f"optimizer overhead: moopt {overhead['moopt_us_per_trial']:.0f} us/trial, "
        f"Optuna {overhead['optuna_us_per_trial']:.0f} us/trial"
    )
    runs = make_tuning_runs(
        list(TASKS), seeds, settings["n_trials"], settings["population_size"]
    )
    records = run_in_pool([(run_tuning_run, run) for run in runs], args.workers)

    output.mkdir(parents=True, exist_ok=True)
    for name in TASKS:
        task_records = [record for record in records if record["task"] == name]
        tuning_report.plot_hypervolume_histories(
            name, task_records, output / f"{name}.png"
        )
    tuning_report.write_runs(records, output / "runs.json")
    tasks = tuning_report.summarize_tuning_suite(records)
    summary = {
        "settings": {
            "command": " ".join(["python -m benchmarks", *argv]),
            "quick": args.quick,
            "suites": ["tuning"],
            "tasks": list(TASKS),
            "seeds": seeds,
            "n_trials": settings["n_trials"],
            "population_size": settings["population_size"],
            "workers": args.workers,
        },
        "environment": environment(),
        "peers": peer_versions(),
        "tasks": tasks,
        "overhead": overhead,
        "targets": tuning_report.evaluate_tuning_targets(tasks, overhead),
        "finished_at": datetime.datetime.now(datetime.UTC).isoformat(
            timespec="seconds"
        ),
        "wall_time_s": time.perf_counter() - start,
    }
    markdown = tuning_report.render_tuning_markdown(summary)
    report.write_summary(summary, markdown, output)
    print(markdown, end="")
    progress(f"tuning results written to {output}")


def _generations(name: str, budget: dict[str, Any]) -> int:
    return budget["n_generations"] or PROBLEMS[name].n_generations


def _settings(
    args: argparse.Namespace,
    budget: dict[str, Any],
    problems: list[str],
    seeds: list[int],
    tuning_jobs: list[Any],
) -> dict[str, Any]:
    budgets = {
        job.method: f"{job.population_size} x {job.n_generations}"
        for job in tuning_jobs
    }
    return {
        "problems": problems,
        "seeds": seeds,
        "population_size": POPULATION_SIZE,
        "n_generations": {name: _generations(name, budget) for name in problems},
        "workers": args.workers,
        "overhead": [
            {"population_size": size, "n_generations": generations, "repeats": repeats}
            for size, generations, repeats in budget["overhead"]
        ],
        "tuning": {
            "model": "ExtraTreesClassifier",
            "data": "load_digits",
            "cv": "3-fold StratifiedKFold",
            "seeds": sorted({job.seed for job in tuning_jobs}),
            "budgets": budgets,
            "reference_point": list(REFERENCE_POINT),
        },
    }


if __name__ == "__main__":
    sys.exit(main())
