"""Durability and parallelism: SQLite overhead, speed-up and worker utilization.

``python -m benchmarks`` runs this suite in a child process,
``python -m benchmarks.durability [--quick]``, which prints its results as JSON
on stdout and progress lines on stderr. The child imports only moopt and
numpy, so the problem suite's modules (pymoo, matplotlib, scikit-learn) and
its memory do not weigh on these wall times.

Keep the machine otherwise idle while this suite runs: its figures are wall
times.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

import moopt
from benchmarks.execution import progress

ROOT = Path(__file__).resolve().parent.parent

SPACE = {
    "x": moopt.Float(0.0, 1.0),
    "n": moopt.Int(1, 10),
    "kind": moopt.Categorical(["a", "b", "c"]),
}
OBJECTIVES = {"f1": "minimize", "f2": "minimize"}
SEED = 0

# Budgets of the default suite and of --quick.
FULL = {
    "sqlite": {
        "n_trials": 10_000,
        "population_size": 100,
        "window": 1000,
        "repeats": 3,
    },
    "speedup": {
        "n_trials": 40,
        "population_size": 10,
        "sleep_s": 0.2,
        "n_workers": 2,
    },
    "utilization": {
        "n_trials": 1920,
        "population_size": 16,
        "n_workers": 8,
        "median_s": 0.05,
        "sigma": 1.0,
    },
}
QUICK = {
    "sqlite": {"n_trials": 2000, "population_size": 100, "window": 200, "repeats": 1},
    "speedup": {"n_trials": 8, "population_size": 4, "sleep_s": 0.2, "n_workers": 2},
    "utilization": {
        "n_trials": 64,
        "population_size": 16,
        "n_workers": 8,
        "median_s": 0.05,
        "sigma": 1.0,
    },
}


def _values(params: dict[str, Any]) -> dict[str, float]:
    """Return the two objectives, a trivial function of the mixed space."""
    kind = ("a", "b", "c").index(params["kind"])
    return {"f1": params["x"], "f2": 1.0 - params["x"] + params["n"] / 10 + kind}


class TimedObjective:
    """A zero-cost objective that stores the ``perf_counter`` time of each call."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, params: dict[str, Any]) -> dict[str, float]:
        self.calls.append(time.perf_counter())
        return _values(params)


def sleeping_objective(params: dict[str, Any], seconds: float) -> dict[str, float]:
    """Sleep ``seconds``, then return the objectives and ``started``, the wall
    clock time (``time.time()``) at which the call began."""
    started = time.time()
    time.sleep(seconds)
    return {**_values(params), "started": started}


class SleepObjective:
    """An objective that sleeps a fixed number of seconds."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __call__(self, params: dict[str, Any]) -> dict[str, float]:
        return sleeping_objective(params, self.seconds)


class LognormalSleepObjective:
    """An objective that sleeps a lognormal time drawn from its params.

    The generator is seeded with a hash of the params, so a configuration
    sleeps the same time in every run and every process.
    """

    def __init__(self, median_s: float, sigma: float) -> None:
        self.median_s = median_s
        self.sigma = sigma

    def sleep_time(self, params: dict[str, Any]) -> float:
        """Return the seconds that ``params`` sleeps."""
        text = json.dumps(params, sort_keys=True).encode()
        key = int.from_bytes(hashlib.sha256(text).digest()[:8], "little")
        rng = np.random.default_rng(key)
        return float(rng.lognormal(np.log(self.median_s), self.sigma))

    def __call__(self, params: dict[str, Any]) -> dict[str, float]:
        return sleeping_objective(params, self.sleep_time(params))


def measure_sqlite_overhead(
    n_trials: int, population_size: int, window: int, repeats: int
) -> dict[str, Any]:
    """Time serial runs of a zero-cost objective in memory and in SQLite.

    The two kinds of run alternate, ``repeats`` times each, and every figure
    is the best of its repeats. Each SQLite run writes a new file in a new
    temporary folder. The per-trial time of the whole run is the wall time of
    ``optimize`` divided by ``n_trials``. The per-trial time of a window is
    the time between the calls of the objective for trials ``start`` and
    ``start + window``, divided by ``window``, for the first window
    (start 0) and the last one (start ``n_trials - window - 1``). Each window
    contains ``window`` trial results told and ``window / population_size``
    generations asked. With the same seed, both kinds of run ask the same
    trials, so the SQLite time minus the memory time is the cost of storage.
    """
    if n_trials % population_size or window % population_size:
        raise ValueError(
            f"n_trials={n_trials} and window={window} must be multiples of "
            f"population_size={population_size}, so that the windows hold whole "
            "generations"
        )
    timings: dict[str, dict[str, list[float]]] = {
        kind: {"run": [], "first": [], "last": []} for kind in ("memory", "sqlite")
    }
    for _ in range(repeats):
        for kind in ("memory", "sqlite"):
            run, first, last = _time_serial_run(
                n_trials, population_size, window, kind == "sqlite"
            )
            timings[kind]["run"].append(run)
            timings[kind]["first"].append(first)
            timings[kind]["last"].append(last)

    best = {
        kind: {part: 1e6 * min(values) for part, values in parts.items()}
        for kind, parts in timings.items()
    }
    added = {
        part: best["sqlite"][part] - best["memory"][part] for part in best["sqlite"]
    }
    # The ratio is undefined when the first window shows no added cost, which
    # only noise can cause.
    growth = added["last"] / added["first"] if added["first"] > 0 else None
    return {
        "n_trials": n_trials,
        "population_size": population_size,
        "window": window,
        "repeats": repeats,
        "memory_us_per_trial": best["memory"]["run"],
        "sqlite_us_per_trial": best["sqlite"]["run"],
        "added_us_per_trial": added["run"],
        "memory_first_window_us_per_trial": best["memory"]["first"],
        "memory_last_window_us_per_trial": best["memory"]["last"],
        "sqlite_first_window_us_per_trial": best["sqlite"]["first"],
        "sqlite_last_window_us_per_trial": best["sqlite"]["last"],
        "added_first_window_us_per_trial": added["first"],
        "added_last_window_us_per_trial": added["last"],
        "growth_ratio": growth,
    }


def _time_serial_run(
    n_trials: int, population_size: int, window: int, use_sqlite: bool
) -> tuple[float, float, float]:
    """Return seconds per trial over the whole run, the first and the last window."""
    objective = TimedObjective()
    with tempfile.TemporaryDirectory(prefix="moopt-durability-") as folder:
        storage = os.path.join(folder, "study.db") if use_sqlite else None
        start = time.perf_counter()
        result = moopt.optimize(
            objective,
            SPACE,
            OBJECTIVES,
            n_trials=n_trials,
            population_size=population_size,
            seed=SEED,
            storage=storage,
        )
        seconds = time.perf_counter() - start
    _check_trials(result, n_trials, "SQLite" if use_sqlite else "memory")
    calls = objective.calls
    if len(calls) != n_trials:
        raise RuntimeError(
            f"the objective was called {len(calls)} times in a run of {n_trials} "
            "trials; the window timings need one call per trial"
        )
    last_start = n_trials - window - 1
    first = (calls[window] - calls[0]) / window
    last = (calls[last_start + window] - calls[last_start]) / window
    return seconds / n_trials, first, last


def measure_speedup(
    n_trials: int, population_size: int, sleep_s: float, n_workers: int
) -> dict[str, Any]:
    """Time the same run serially and on ``n_workers`` local worker processes.

    The wall time of the parallel run includes starting its workers.
    ``parallel_startup_s`` is the time from the call of ``optimize`` to the
    start of the first trial of the parallel run.

    Raises
    ------
    RuntimeError
        When the two runs ask different trials.
    """
    objective = SleepObjective(sleep_s)
    serial = _timed_run(objective, n_trials, population_size, None, "generational")
    parallel = _timed_run(
        objective, n_trials, population_size, n_workers, "generational"
    )
    if _params(serial["result"]) != _params(parallel["result"]):
        raise RuntimeError(
            f"the run on {n_workers} workers asked other trials than the serial run "
            "with the same seed"
        )
    return {
        "n_trials": n_trials,
        "population_size": population_size,
        "sleep_s": sleep_s,
        "n_workers": n_workers,
        "serial_s": serial["wall_s"],
        "parallel_s": parallel["wall_s"],
        "parallel_startup_s": parallel["first_start_s"],
        "speedup": serial["wall_s"] / parallel["wall_s"],
    }


def measure_utilization(
    n_trials: int, population_size: int, n_workers: int, median_s: float, sigma: float
) -> dict[str, Any]:
    """Measure worker utilization in generational and async mode.

    Utilization is the busy time, the sum of ``Trial.duration``, divided by
    ``n_workers`` times the wall time of ``optimize``, which includes
    starting the workers. ``utilization_after_startup`` divides by the wall
    time from the start of the first trial instead.
    """
    objective = LognormalSleepObjective(median_s, sigma)
    modes = {}
    for mode in ("generational", "async"):
        run = _timed_run(objective, n_trials, population_size, n_workers, mode)
        busy = sum(trial.duration for trial in run["result"].trials)
        wall = run["wall_s"]
        modes[mode] = {
            "wall_s": wall,
            "busy_s": busy,
            "first_start_s": run["first_start_s"],
            "all_workers_started_s": run["all_workers_started_s"],
            "utilization": busy / (n_workers * wall),
            "utilization_after_startup": busy
            / (n_workers * (wall - run["first_start_s"])),
        }
        progress(
            f"durability: utilization {mode} {modes[mode]['utilization']:.3f} "
            f"({wall:.1f} s)"
        )
    return {
        "n_trials": n_trials,
        "population_size": population_size,
        "n_workers": n_workers,
        "median_s": median_s,
        "sigma": sigma,
        "modes": modes,
    }


def _timed_run(
    objective: Any,
    n_trials: int,
    population_size: int,
    n_workers: int | None,
    mode: str,
) -> dict[str, Any]:
    """Run ``optimize`` in memory and return its wall time and trial start times.

    ``first_start_s`` and ``all_workers_started_s`` are the seconds from the
    call of ``optimize`` to the start of the first trial and of the
    ``n_workers``-th trial to start.
    """
    called = time.time()
    start = time.perf_counter()
    result = moopt.optimize(
        objective,
        SPACE,
        OBJECTIVES,
        n_trials=n_trials,
        population_size=population_size,
        seed=SEED,
        n_workers=n_workers,
        mode=mode,
    )
    wall = time.perf_counter() - start
    label = f"{mode} run on {n_workers or 1} worker(s)"
    _check_trials(result, n_trials, label)
    starts = sorted(trial.values["started"] - called for trial in result.trials)
    return {
        "result": result,
        "wall_s": wall,
        "first_start_s": starts[0],
        "all_workers_started_s": starts[min(n_workers or 1, len(starts)) - 1],
    }


def _check_trials(result: moopt.Result, n_trials: int, label: str) -> None:
    states = [trial.state for trial in result.trials]
    if len(states) != n_trials or any(state != "complete" for state in states):
        failed = [trial for trial in result.trials if trial.state != "complete"]
        detail = f"; first error: {failed[0].error}" if failed else ""
        raise RuntimeError(
            f"{label}: expected {n_trials} complete trials, got "
            f"{states.count('complete')} of {len(states)}{detail}"
        )


def _params(result: moopt.Result) -> list[dict[str, Any]]:
    return [trial.params for trial in result.trials]


def run_suite(quick: bool) -> dict[str, Any]:
    """Run the three measurements and return their results with their budgets."""
    budget = QUICK if quick else FULL
    start = time.perf_counter()
    sqlite = measure_sqlite_overhead(**budget["sqlite"])
    progress(f"durability: SQLite adds {sqlite['added_us_per_trial']:.1f} us per trial")
    speedup = measure_speedup(**budget["speedup"])
    progress(f"durability: speed-up {speedup['speedup']:.2f}")
    utilization = measure_utilization(**budget["utilization"])
    return {
        "sqlite": sqlite,
        "speedup": speedup,
        "utilization": utilization,
        "time_s": time.perf_counter() - start,
    }


def run_in_child(quick: bool) -> dict[str, Any]:
    """Run the suite in a child process with lean imports and return its results.

    Raises
    ------
    RuntimeError
        When the child process fails.
    """
    command = [sys.executable, "-m", "benchmarks.durability"]
    if quick:
        command.append("--quick")
    completed = subprocess.run(
        command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"the durability suite failed with exit status {completed.returncode}; "
            "its error is printed above"
        )
    return json.loads(completed.stdout)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.durability",
        description="Time SQLite storage, the speed-up of 2 workers and the "
        "utilization of 8 workers; print the results as JSON.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small budgets for tests, about 10 s"
    )
    args = parser.parse_args(argv)
    results = run_suite(args.quick)
    print(json.dumps(results, indent=2, allow_nan=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
