"""Tests for WorkerPool on real worker processes, executors and a Dask cluster."""

from __future__ import annotations

import ctypes
import logging
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest

from moopt._evaluation import Outcome, WorkerPool

PARAMS = [
    {"x": x, "rate": 10.0**-x, "kernel": kernel, "layers": [x, x + 1]}
    for x, kernel in zip(range(6), ["rbf", "linear", None] * 2, strict=True)
]
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def describe_params(params: dict) -> dict:
    """Return outputs that depend on every param, and the params received."""
    score = params["x"] ** 2 + math.log10(params["rate"]) + sum(params["layers"])
    return {"score": score, "kernel": str(params["kernel"]), "received": params}


def sleep_for_x(params: dict) -> float:
    time.sleep(params["x"])
    return params["x"]


def reject_large_x(params: dict) -> int:
    if params["x"] >= 3:
        raise ValueError(f"x must be below 3, got {params['x']}")
    return params["x"]


def exit_worker_on_zero(params: dict) -> int:
    time.sleep(0.2)
    if params["x"] == 0:
        os._exit(1)
    time.sleep(0.3)
    return params["x"]


def crash_worker(params: dict) -> object:
    if "how" not in params:
        return params["x"]
    if params["how"] == "segfault":
        ctypes.string_at(0)
    os.kill(os.getpid(), signal.SIGTERM)


def report_thread_limits(params: dict) -> dict:
    import numpy  # noqa: F401  # loads its BLAS library, which threadpoolctl reports

    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        threads = None
    else:
        threads = [library["num_threads"] for library in threadpool_info()]
    environment = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    return {"environment": environment, "threads": threads}


def return_lock_when_flagged(params: dict) -> object:
    return threading.Lock() if params["lock"] else params["x"]


def fail_to_load() -> None:
    raise RuntimeError("the objective's module is missing on this worker")


class LoadsOnlyInCaller:
    """A callable whose unpickling raises, as when a module is missing."""

    def __call__(self, params: dict) -> int:
        return params["x"]

    def __reduce__(self) -> tuple:
        return fail_to_load, ()


N_LOADS = 0  # times a CountsLoads objective was unpickled in this process


def load_counting_objective() -> CountsLoads:
    global N_LOADS
    N_LOADS += 1
    return CountsLoads()


class CountsLoads:
    """A callable that counts how often it is unpickled in each process."""

    def __call__(self, params: dict) -> tuple[int, int]:
        return os.getpid(), N_LOADS

    def __reduce__(self) -> tuple:
        return load_counting_objective, ()


def evaluate_all(pool: WorkerPool, params_list: list[dict]) -> dict[int, Outcome]:
    """Submit every params dict, numbered from 0, and wait for all outcomes."""
    for number, params in enumerate(params_list):
        pool.submit(number, params)
    outcomes: dict[int, Outcome] = {}
    while pool.n_running:
        for outcome in pool.wait():
            assert outcome.number not in outcomes
            outcomes[outcome.number] = outcome
    return outcomes


def outputs_by_number(outcomes: dict[int, Outcome]) -> dict[int, object]:
    for outcome in outcomes.values():
        assert outcome.error is None, outcome
    return {number: outcome.outputs for number, outcome in outcomes.items()}


def serial_outputs(objective, params_list: list[dict]) -> dict[int, object]:
    with WorkerPool(objective) as pool:
        return outputs_by_number(evaluate_all(pool, params_list))


def test_process_pool_matches_serial():
    with WorkerPool(describe_params, n_workers=2) as pool:
        assert pool.capacity == 2
        parallel = outputs_by_number(evaluate_all(pool, PARAMS))

    serial = serial_outputs(describe_params, PARAMS)
    assert parallel == serial
    assert sorted(parallel) == list(range(len(PARAMS)))
    for number, outputs in parallel.items():
        assert outputs["received"] == PARAMS[number]


@pytest.mark.parametrize("use_executor", [False, True])
def test_workers_unpickle_objective_once(use_executor):
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as executor:
        options = {"executor": executor} if use_executor else {"n_workers": 2}
        with WorkerPool(CountsLoads(), **options) as pool:
            outputs = outputs_by_number(evaluate_all(pool, [{}] * 8))

    assert len(outputs) == 8
    for pid, n_loads in outputs.values():
        assert pid != os.getpid()
        assert n_loads == 1


def test_closure_and_lambda_run_in_workers():
    offset = 100

    def add_offset(params):
        return params["x"] + offset

    params_list = [{"x": x} for x in range(4)]
    with WorkerPool(add_offset, n_workers=2) as pool:
        closure = outputs_by_number(evaluate_all(pool, params_list))
    with WorkerPool(lambda params: params["x"] * 3, n_workers=2) as pool:
        tripled = outputs_by_number(evaluate_all(pool, params_list))

    assert closure == {0: 100, 1: 101, 2: 102, 3: 103}
    assert tripled == {0: 0, 1: 3, 2: 6, 3: 9}


@pytest.mark.parametrize("make_executor", [None, ThreadPoolExecutor])
def test_objective_gets_params_copy(make_executor):
    def overwrite_params(params):
        params["x"] = -1
        params["extra"] = True
        return sorted(params)

    executor = None if make_executor is None else make_executor(max_workers=2)
    submitted = {"x": 5, "kernel": "rbf"}
    try:
        with WorkerPool(overwrite_params, executor=executor) as pool:
            outcomes = evaluate_all(pool, [submitted, submitted])
    finally:
        if executor is not None:
            executor.shutdown()

    assert submitted == {"x": 5, "kernel": "rbf"}
    assert outputs_by_number(outcomes) == {
        0: ["extra", "kernel", "x"],
        1: ["extra", "kernel", "x"],
    }


@pytest.mark.parametrize("n_workers", [None, 2])
def test_objective_error_keeps_type_message(n_workers):
    with WorkerPool(reject_large_x, n_workers=n_workers) as pool:
        outcomes = evaluate_all(pool, [{"x": 2}, {"x": 5}])

    assert outcomes[0].outputs == 2
    assert outcomes[0].error is None
    assert outcomes[1].outputs is None
    assert isinstance(outcomes[1].error, ValueError)
    assert str(outcomes[1].error) == "x must be below 3, got 5"


def test_unpicklable_error_becomes_text():
    def raise_local_error(params):
        class LocalError(Exception):
            pass

        raise LocalError(f"no luck with {params['x']}")

    with WorkerPool(raise_local_error, n_workers=2) as pool:
        outcomes = evaluate_all(pool, [{"x": 7}])

    assert outcomes[0].error == "LocalError: no luck with 7"


def test_worker_exit_fails_only_its_trial(caplog):
    with WorkerPool(exit_worker_on_zero, n_workers=2) as pool:
        with caplog.at_level(logging.WARNING, logger="moopt"):
            outcomes = evaluate_all(pool, [{"x": 0}, {"x": 1}])
        later = evaluate_all(pool, [{"x": 2}])

    assert outcomes[0].outputs is None
    assert isinstance(outcomes[0].error, str)
    assert outcomes[0].error.startswith("BrokenProcessPool: worker process")
    assert "running trial 0 exited with code 1" in outcomes[0].error
    assert outcomes[1].error is None
    assert outcomes[1].outputs == 1
    assert later[0].outputs == 2
    assert any("trial 0" in record.getMessage() for record in caplog.records)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_worker_segfault_fails_its_trial():
    with WorkerPool(crash_worker, n_workers=2) as pool:
        outcomes = evaluate_all(pool, [{"how": "segfault"}])
        later = evaluate_all(pool, [{"x": 1}] * 2)

    assert outcomes[0].error.endswith("running trial 0 was killed by SIGSEGV")
    assert outputs_by_number(later) == {0: 1, 1: 1}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_unexplained_pool_break_stops_retrying(caplog):
    # A worker that ends itself with SIGTERM looks like one the pool stopped,
    # so the crash cannot be traced to a trial and the trial is run again.
    with WorkerPool(crash_worker, n_workers=2) as pool:
        with caplog.at_level(logging.WARNING, logger="moopt"):
            outcomes = evaluate_all(pool, [{"how": "terminate"}])
        later = evaluate_all(pool, [{"x": 2}])

    assert outcomes[0].error.startswith(
        "BrokenProcessPool: the worker pool broke 3 times while trial 0 was "
        "waiting or running"
    )
    resubmissions = [r for r in caplog.records if "again" in r.getMessage()]
    assert len(resubmissions) == 2
    assert later[0].outputs == 2


def test_timeout_fails_trial_pool_recovers(caplog):
    with WorkerPool(sleep_for_x, n_workers=2, trial_timeout=0.5) as pool:
        with caplog.at_level(logging.WARNING, logger="moopt"):
            outcomes = evaluate_all(pool, [{"x": 5}, {"x": 0.1}])
        later = evaluate_all(pool, [{"x": 0.1}, {"x": 0}])

    assert outcomes[0].outputs is None
    assert outcomes[0].error == (
        "TimeoutError: trial 0 ran longer than trial_timeout=0.5 s"
    )
    assert outcomes[1].error is None
    assert outcomes[1].outputs == 0.1
    assert outputs_by_number(later) == {0: 0.1, 1: 0}
    timeout_records = [r for r in caplog.records if "TimeoutError" in r.getMessage()]
    assert len(timeout_records) == 1
    assert "trial 0" in timeout_records[0].getMessage()


def test_timeout_resubmits_interrupted_trial(tmp_path):
    marker = tmp_path / "first-run-started"

    def objective(params):
        if params["role"] == "hang":
            time.sleep(60)
        if params["role"] == "short":
            time.sleep(0.75)
            return "short"
        # The first run leaves a marker and hangs until its pool is killed for
        # the other trial's timeout, so only a second run can return.
        if marker.exists():
            return "second run"
        marker.touch()
        time.sleep(60)

    with WorkerPool(objective, n_workers=2, trial_timeout=1.5) as pool:
        pool.submit(0, {"role": "hang"})
        pool.submit(1, {"role": "short"})
        outcomes = {outcome.number: outcome for outcome in pool.wait()}
        assert list(outcomes) == [1]
        pool.submit(2, {"role": "interrupted"})
        while pool.n_running:
            outcomes.update((outcome.number, outcome) for outcome in pool.wait())

    assert outcomes[0].error == (
        "TimeoutError: trial 0 ran longer than trial_timeout=1.5 s"
    )
    assert outcomes[1].outputs == "short"
    assert outcomes[2].error is None
    assert outcomes[2].outputs == "second run"


def test_serial_timeout_fails_slow_trial():
    with WorkerPool(sleep_for_x, trial_timeout=0.2) as pool:
        outcomes = evaluate_all(pool, [{"x": 0.3}, {"x": 0}])

    assert outcomes[0].error == (
        "TimeoutError: trial 0 ran longer than trial_timeout=0.2 s"
    )
    assert outcomes[1].error is None
    assert outcomes[1].outputs == 0


@pytest.mark.parametrize("n_workers", [None, 2])
def test_duration_covers_objective_run(n_workers):
    with WorkerPool(sleep_for_x, n_workers=n_workers) as pool:
        outcomes = evaluate_all(pool, [{"x": 0.2}])

    assert outcomes[0].duration >= 0.15


def test_workers_limit_threads_to_one(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    with WorkerPool(report_thread_limits, n_workers=2) as pool:
        outputs = outputs_by_number(evaluate_all(pool, [{}, {}]))

    for report in outputs.values():
        assert report["environment"] == dict.fromkeys(THREAD_VARIABLES, "1")
        if report["threads"] is not None:
            assert report["threads"] == [1] * len(report["threads"])


def test_limit_threads_false_keeps_environment(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    with WorkerPool(report_thread_limits, n_workers=2, limit_threads=False) as pool:
        outputs = outputs_by_number(evaluate_all(pool, [{}]))

    assert outputs[0]["environment"]["OMP_NUM_THREADS"] == "3"
    assert outputs[0]["environment"]["OPENBLAS_NUM_THREADS"] is None


def test_unpicklable_outputs_fail_trial():
    with WorkerPool(return_lock_when_flagged, n_workers=2) as pool:
        outcomes = evaluate_all(pool, [{"lock": True, "x": 1}])
        later = evaluate_all(pool, [{"lock": False, "x": 3}])

    assert outcomes[0].outputs is None
    assert outcomes[0].error.startswith("evaluating trial 0 failed: ")
    assert "pickle" in outcomes[0].error
    assert later[0].outputs == 3


def test_objective_load_failure_fails_trials():
    with WorkerPool(LoadsOnlyInCaller(), n_workers=2) as pool:
        outcomes = evaluate_all(pool, [{"x": 1}, {"x": 2}])

    for outcome in outcomes.values():
        assert outcome.outputs is None
        assert "loading the objective in worker process" in outcome.error
        assert outcome.error.endswith(
            "RuntimeError: the objective's module is missing on this worker"
        )


def test_thread_pool_executor_matches_serial():
    with ThreadPoolExecutor(max_workers=3) as executor:
        with WorkerPool(describe_params, executor=executor) as pool:
            assert pool.capacity == 3
            threaded = outputs_by_number(evaluate_all(pool, PARAMS))
        # The pool leaves the executor running.
        assert executor.submit(abs, -4).result() == 4

    assert threaded == serial_outputs(describe_params, PARAMS)


def test_process_pool_executor_matches_serial():
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as executor:
        with WorkerPool(describe_params, executor=executor) as pool:
            assert pool.capacity == 2
            parallel = outputs_by_number(evaluate_all(pool, PARAMS))
        with WorkerPool(report_thread_limits, executor=executor) as pool:
            limits = outputs_by_number(evaluate_all(pool, [{}]))

    assert parallel == serial_outputs(describe_params, PARAMS)
    assert limits[0]["environment"]["OMP_NUM_THREADS"] == "1"


def test_executor_timeout_abandons_task():
    with ThreadPoolExecutor(max_workers=2) as executor:
        with WorkerPool(sleep_for_x, executor=executor, trial_timeout=0.3) as pool:
            outcomes = evaluate_all(pool, [{"x": 1.0}, {"x": 0}])
            later = evaluate_all(pool, [{"x": 0}])

    assert outcomes[0].error == (
        "TimeoutError: trial 0 ran longer than trial_timeout=0.3 s"
    )
    assert outcomes[1].outputs == 0
    assert later[0].outputs == 0


def test_dask_cluster_matches_serial():
    distributed = pytest.importorskip("distributed")
    offset = 0.5

    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
            # Without a dashboard the scheduler still serves its health and
            # metrics routes over HTTP, by default on port 8787 of every
            # interface, and warns when that port is taken. A free loopback
            # port avoids both.
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        executor = client.get_executor(pure=False)
        with WorkerPool(describe_params, executor=executor) as pool:
            assert pool.capacity == 2
            by_reference = outputs_by_number(evaluate_all(pool, PARAMS))
        with WorkerPool(lambda params: params["x"] + offset, executor=executor) as pool:
            by_value = outputs_by_number(evaluate_all(pool, PARAMS))
        with WorkerPool(reject_large_x, executor=executor) as pool:
            failed = evaluate_all(pool, [{"x": 4}])

    assert by_reference == serial_outputs(describe_params, PARAMS)
    assert by_value == {number: number + 0.5 for number in range(len(PARAMS))}
    assert isinstance(failed[0].error, ValueError)
    assert str(failed[0].error) == "x must be below 3, got 4"


def test_cancel_returns_running_numbers(tmp_path):
    def write_pid_then_hang(params):
        if params["hang"]:
            (tmp_path / f"{os.getpid()}.pid").touch()
            time.sleep(60)
        return os.getpid()

    pool = WorkerPool(write_pid_then_hang, n_workers=2)
    for number in range(3):
        pool.submit(number, {"hang": True})
    pids = wait_for_pid_files(tmp_path, count=2)
    assert pool.n_running == 3

    assert sorted(pool.cancel()) == [0, 1, 2]
    assert pool.n_running == 0
    assert pool.wait() == []
    later = evaluate_all(pool, [{"hang": False}])
    pids.add(later[0].outputs)
    pool.close()

    alive = {process.pid for process in multiprocessing.active_children()}
    assert pids.isdisjoint(alive)


def wait_for_pid_files(directory: Path, count: int) -> set[int]:
    for _ in range(600):
        pids = {int(path.stem) for path in directory.glob("*.pid")}
        if len(pids) >= count:
            return pids
        time.sleep(0.05)
    pytest.fail(f"only {len(pids)} of {count} workers started a trial")


def test_wait_without_trials_returns_empty():
    with (
        WorkerPool(describe_params) as serial,
        WorkerPool(sleep_for_x, n_workers=2) as pool,
    ):
        assert serial.wait() == []
        assert pool.wait() == []
        assert pool.n_running == 0


def test_serial_interrupt_keeps_trial_queued():
    def interrupt(params):
        raise KeyboardInterrupt

    with WorkerPool(interrupt) as pool:
        pool.submit(4, {"x": 1})
        with pytest.raises(KeyboardInterrupt):
            pool.wait()
        assert pool.n_running == 1
        assert pool.cancel() == [4]


def test_evaluate_matches_submit_and_wait():
    with WorkerPool(describe_params) as pool:
        evaluated = {
            number: pool.evaluate(number, params)
            for number, params in enumerate(PARAMS)
        }
        assert pool.n_running == 0

    assert outputs_by_number(evaluated) == serial_outputs(describe_params, PARAMS)
    assert all(outcome.number == number for number, outcome in evaluated.items())
    for params, outcome in zip(PARAMS, evaluated.values(), strict=True):
        assert outcome.outputs["received"] is not params


def test_evaluate_gives_objective_copy():
    def overwrite_params(params):
        params["x"] = -1
        return params["x"]

    submitted = {"x": 5}
    with WorkerPool(overwrite_params) as pool:
        outcome = pool.evaluate(0, submitted)

    assert outcome.outputs == -1
    assert submitted == {"x": 5}


def test_evaluate_timeout_fails_slow_trial():
    with WorkerPool(sleep_for_x, trial_timeout=0.2) as pool:
        slow = pool.evaluate(3, {"x": 0.3})
        fast = pool.evaluate(4, {"x": 0})

    assert slow.outputs is None
    assert slow.error == "TimeoutError: trial 3 ran longer than trial_timeout=0.2 s"
    assert slow.duration >= 0.3
    assert fast.error is None
    assert fast.outputs == 0


def test_evaluate_interrupt_leaves_nothing_queued():
    def interrupt(params):
        raise KeyboardInterrupt

    with WorkerPool(interrupt) as pool:
        with pytest.raises(KeyboardInterrupt):
            pool.evaluate(4, {"x": 1})
        assert pool.n_running == 0
        assert pool.cancel() == []


def test_evaluate_rejects_pool_with_workers():
    with WorkerPool(describe_params, n_workers=2) as pool:
        assert not pool.serial
        with pytest.raises(RuntimeError, match="this pool has worker processes"):
            pool.evaluate(0, PARAMS[0])
    with ThreadPoolExecutor(max_workers=1) as executor:
        with WorkerPool(describe_params, executor=executor) as pool:
            with pytest.raises(RuntimeError, match="use submit\\(\\) and wait"):
                pool.evaluate(0, PARAMS[0])
    serial = WorkerPool(describe_params)
    assert serial.serial
    serial.close()
    with pytest.raises(RuntimeError, match="evaluate\\(\\) was called on a closed"):
        serial.evaluate(0, PARAMS[0])


def test_submit_rejects_duplicate_number():
    with WorkerPool(describe_params) as pool:
        pool.submit(0, PARAMS[0])
        with pytest.raises(ValueError, match="trial 0 is already submitted"):
            pool.submit(0, PARAMS[1])
        with pytest.raises(TypeError, match="number must be an int, got '1'"):
            pool.submit("1", PARAMS[1])
        with pytest.raises(TypeError, match=r"params must be a dict, got \[1\]"):
            pool.submit(1, [1])


def test_closed_pool_rejects_calls():
    pool = WorkerPool(describe_params, n_workers=2)
    pool.close()
    pool.close()
    with pytest.raises(RuntimeError, match="submit\\(\\) was called on a closed"):
        pool.submit(0, PARAMS[0])
    with pytest.raises(RuntimeError, match="wait\\(\\) was called on a closed"):
        pool.wait()


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"n_workers": 0}, ValueError, "n_workers must be at least 1, got 0"),
        ({"n_workers": -2}, ValueError, "n_workers must be at least 1, got -2"),
        ({"n_workers": 2.5}, TypeError, "n_workers must be an int or None, got 2.5"),
        ({"n_workers": True}, TypeError, "n_workers must be an int or None, got True"),
        ({"executor": "dask"}, TypeError, "executor must be a concurrent.futures"),
        ({"trial_timeout": 0}, ValueError, "positive number of seconds, got 0"),
        ({"trial_timeout": -1.5}, ValueError, "positive number of seconds, got -1.5"),
        (
            {"trial_timeout": math.nan},
            ValueError,
            "positive number of seconds, got nan",
        ),
        ({"trial_timeout": "10"}, TypeError, "trial_timeout must be a number"),
        ({"limit_threads": "yes"}, TypeError, "limit_threads must be True or False"),
    ],
)
def test_bad_arguments_raise(options, error, match):
    with pytest.raises(error, match=match):
        WorkerPool(describe_params, **options)


def test_workers_and_executor_together_raise():
    with ThreadPoolExecutor(max_workers=1) as executor:
        with pytest.raises(ValueError, match="either n_workers or executor, not both"):
            WorkerPool(describe_params, n_workers=2, executor=executor)


def test_bad_objective_raises():
    lock = threading.Lock()

    with pytest.raises(TypeError, match="objective must be callable, got 3"):
        WorkerPool(3)
    with pytest.raises(TypeError, match="could not be serialized with cloudpickle"):
        WorkerPool(lambda params: lock.locked(), n_workers=2)
