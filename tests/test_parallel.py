"""optimize with worker processes, user executors, timeouts and async mode."""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import local_dask_executor
from pymoo.problems import get_problem

import moopt
from moopt import Categorical, Float, Int

SPACE = {
    "lr": Float(1e-4, 1e-1, log=True),
    "layers": Int(1, 5),
    "act": Categorical(["relu", None, [64, 64]]),
}
OBJECTIVES = {"acc": "maximize", "size": "minimize"}


def make_objective(scale: float, sleep: float = 0.0):
    """Return a closure, so the test also checks that closures reach workers."""

    def objective(params):
        time.sleep(sleep)
        if params["lr"] > 0.09:
            raise RuntimeError("diverged")
        accuracy = 1 - abs(math.log10(params["lr"]) + 2.5) / scale
        return {
            "acc": accuracy - 0.01 * params["layers"],
            "size": 10 * params["layers"],
        }

    return objective


def trial_records(result):
    return [(t.number, t.params, t.values, t.state, t.error) for t in result.trials]


def run(**options):
    settings = {"n_trials": 40, "population_size": 10, "seed": 1}
    settings.update(options)
    objective = settings.pop("objective", make_objective(3.0))
    return moopt.optimize(objective, SPACE, OBJECTIVES, **settings)


def test_workers_give_serial_trials():
    serial = run()
    parallel = run(n_workers=2)

    assert trial_records(parallel) == trial_records(serial)
    assert [t.number for t in parallel.pareto_set] == [
        t.number for t in serial.pareto_set
    ]


def test_thread_executor_gives_serial_trials():
    serial = run()
    with ThreadPoolExecutor(max_workers=3) as executor:
        threaded = run(executor=executor)

    assert trial_records(threaded) == trial_records(serial)


def test_dask_cluster_gives_serial_trials():
    serial = run()
    with local_dask_executor() as executor:
        on_dask = run(executor=executor)

    assert trial_records(on_dask) == trial_records(serial)


def test_hanging_trial_times_out_and_run_goes_on():
    def objective(params):
        if params["layers"] == 5:
            time.sleep(30)
        return make_objective(3.0)(params)

    result = run(objective=objective, n_trials=20, n_workers=2, trial_timeout=1.0)

    hung = [t for t in result.trials if t.params["layers"] == 5]
    assert hung
    assert len(result.trials) == 20
    for trial in hung:
        assert trial.state == "failed"
        assert "ran longer than trial_timeout=1 s" in trial.error
    assert all(t.state == "complete" for t in result.trials if t not in hung)


def test_worker_error_fails_only_its_trial():
    result = run(n_workers=2)

    diverged = [t for t in result.trials if t.params["lr"] > 0.09]
    for trial in result.trials:
        if trial in diverged:
            assert trial.error == "RuntimeError: diverged"
        else:
            assert trial.state == "complete"


def test_stored_study_with_many_workers(tmp_path):
    path = tmp_path / "study.db"
    options = {"population_size": 16, "n_generations": 5, "seed": 2}
    objective = make_objective(3.0, sleep=0.001)

    parallel = run(
        objective=objective,
        n_workers=8,
        storage=path,
        study_name="s",
        n_trials=None,
        **options,
    )
    serial = run(objective=objective, n_trials=None, **options)
    stored = moopt.load_study(path, "s")

    assert [t.number for t in stored.trials] == list(range(80))
    assert sum(t.state == "complete" for t in stored.trials) == sum(
        t.state == "complete" for t in serial.trials
    )
    assert trial_records(stored) == trial_records(serial)
    assert trial_records(parallel) == trial_records(serial)


def fail_in_many_ways(params):
    """Return valid outputs, or fail the trial in one of the ways a user can."""
    layers = params["layers"]
    if params["lr"] > 0.05:
        raise RuntimeError("diverged")
    if layers == 2 and params["act"] is None:
        return {"acc": math.nan, "size": 20}
    if layers == 3 and params["act"] is None:
        return None
    if layers == 4 and params["act"] is None:
        return {"acc": True, "size": 40}
    if layers == 1 and params["act"] is None:
        return {"acc": 0.5}
    return {"acc": -abs(math.log10(params["lr"]) + 2.5), "size": 10 * layers}


def test_serial_run_matches_pooled_run():
    """Serial runs skip the pool's queue, and a pool of one thread uses it."""
    options = {
        "objective": fail_in_many_ways,
        "n_trials": 47,
        "constraints": [moopt.Constraint("size", "<=", 35)],
    }
    serial = run(**options)
    with ThreadPoolExecutor(max_workers=1) as executor:
        pooled = run(executor=executor, **options)

    def records(result):
        return [
            (t.number, t.generation, t.params, t.values, t.state, t.error, t.violation)
            for t in result.trials
        ]

    assert records(pooled) == records(serial)
    assert {t.state for t in serial.trials} == {"complete", "failed"}
    assert {t.feasible for t in serial.trials} == {True, False}
    assert [t.number for t in pooled.population] == [
        t.number for t in serial.population
    ]
    assert [t.number for t in pooled.pareto_set] == [
        t.number for t in serial.pareto_set
    ]
    assert (pooled.pareto_front == serial.pareto_front).all()
    assert pooled.n_failed == serial.n_failed


def test_async_serial_run_is_reproducible():
    first = run(mode="async")
    second = run(mode="async")

    assert len(first.trials) == 40
    assert trial_records(first) == trial_records(second)
    assert [t.generation for t in first.trials] == [n // 10 for n in range(40)]


def test_async_workers_of_uneven_speed_finish_budget():
    def uneven(params):
        time.sleep(0.002 * params["layers"] ** 2)
        return make_objective(3.0)(params)

    result = run(objective=uneven, mode="async", n_workers=2, n_trials=30)

    assert [t.number for t in result.trials] == list(range(30))
    assert all(t.state in ("complete", "failed") for t in result.trials)
    assert result.pareto_set


def test_async_interrupt_resumes_to_same_trials(tmp_path):
    path = tmp_path / "async.db"
    started = []

    def interrupted(params):
        started.append(params)
        if len(started) == 25:
            raise KeyboardInterrupt
        return make_objective(3.0)(params)

    partial = run(objective=interrupted, mode="async", storage=path, study_name="a")
    resumed = run(mode="async", storage=path, study_name="a")
    straight = run(mode="async")

    assert partial.trials[-1].state == "cancelled"
    assert trial_records(resumed) == trial_records(straight)


def test_progress_bar_leaves_result_unchanged(capsys):
    pytest.importorskip("tqdm")
    plain = run()
    with_bar = run(progress=True)

    assert trial_records(with_bar) == trial_records(plain)
    assert "40/40" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"mode": "steady"}, "mode must be 'generational' or 'async', got 'steady'"),
        ({"n_workers": 0}, "n_workers"),
        ({"executor": "pool"}, "executor"),
    ],
)
def test_invalid_parallel_option_rejected(options, message):
    calls = []

    def objective(params):
        calls.append(params)
        return make_objective(3.0)(params)

    with pytest.raises((TypeError, ValueError), match=message):
        run(objective=objective, **options)
    assert calls == []


@pytest.mark.parametrize("options", [{"n_workers": 2}, {"mode": "async"}])
def test_problem_rejects_trial_level_options(options):
    with pytest.raises(ValueError, match="pymoo Problem evaluates a whole generation"):
        moopt.optimize(get_problem("zdt1"), n_generations=2, **options)


def thread_setting(params):
    import os

    return {"acc": float(os.environ.get("OMP_NUM_THREADS") == "1"), "size": 1.0}


def test_workers_limit_threads_unless_told_not_to(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    limited = run(objective=thread_setting, n_workers=2, n_trials=4)
    free = run(
        objective=thread_setting, n_workers=2, n_trials=4, limit_worker_threads=False
    )

    assert all(t.values["acc"] == 1.0 for t in limited.trials)
    assert all(t.values["acc"] == 0.0 for t in free.trials)


def test_async_all_failing_first_generation_raises():
    def failing(params):
        raise OSError("disk full")

    with pytest.raises(
        RuntimeError, match=r"every one of the 10 trials .* OSError: disk full"
    ):
        run(objective=failing, mode="async")
