"""Evaluation of trials in the calling process, in local worker processes, or on
a user's ``concurrent.futures.Executor`` such as a Dask cluster.

``WorkerPool.submit(number, params)`` queues a trial and ``WorkerPool.wait()``
returns an ``Outcome`` for each trial as it finishes, in completion order, so
callers key outcomes by trial number. An objective that raises, crashes its
worker or runs past ``trial_timeout`` gives a failed outcome; the pool goes on
with the other trials.

Local workers are started with the "spawn" method, which behaves the same on
every platform: each worker is a fresh interpreter that inherits the current
environment variables and ``sys.path``. Unlike a plain spawned process, a worker
does not import the user's main script again, so a script needs no
``if __name__ == "__main__":`` guard: the objective reaches workers
cloudpickled, by value.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import logging
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

import cloudpickle

from moopt._pruning import TrialContext, TrialHandle, TrialPruned
from moopt._validation import is_finite_real, is_integer, is_real

_logger = logging.getLogger("moopt")

# OpenMP, OpenBLAS, MKL, BLIS, Apple Accelerate and numexpr read these variables
# when they load. threadpoolctl limits the libraries that are already loaded.
_THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
# Seconds between checks for a local trial whose worker has not yet reported
# that the objective started, because its timeout clock starts then.
_START_POLL_INTERVAL = 0.05
# A trial that was running or queued in this many local pools that broke
# without a known cause fails instead of being submitted again.
_MAX_UNEXPLAINED_BREAKS = 3
# How often a worker checks that the process that started it is still alive.
PARENT_CHECK_SECONDS = 1.0
# Objectives kept loaded in each worker of a user's executor.
_LOADED_OBJECTIVES_SIZE = 4

# Result of one evaluation as a worker returns it: (outputs, error, duration,
# intermediate values by step, pruned).
_Evaluation = tuple[Any, BaseException | str | None, float, dict, bool]


@dataclass(frozen=True)
class Outcome:
    """The result of one trial's evaluation.

    Attributes
    ----------
    number : int
        The trial number given to ``WorkerPool.submit``.
    outputs : object or None
        What the objective returned, None when the trial failed.
    error : BaseException, str or None
        The exception the objective raised when it can be passed back from
        the worker, otherwise a text ``"TypeName: message"``. A text also
        describes a timeout, a crashed worker or a transport failure.
    duration : float
        Wall time of the evaluation in seconds, measured in the worker. For a
        timeout or a crashed worker, the calling process measures it from the
        start of the trial.
    reports : dict of {int: dict of {str: float}}
        The intermediate values the objective reported, by step; empty for
        an objective without a trial handle or a worker that died.
    pruned : bool
        True when the pruner stopped the trial or the objective raised
        ``TrialPruned``.
    """

    number: int
    outputs: object | None
    error: BaseException | str | None
    duration: float
    reports: dict = field(default_factory=dict)
    pruned: bool = False


# Worker side. A local worker loads the objective once, in the initializer of
# its process, and reports the start of each trial on ``_started_queue``.
_worker_objective: Callable | None = None
_worker_load_error: str | None = None
_started_queue: Any = None

# Objectives loaded in the workers of a user's executor, keyed by the SHA-256 of
# their cloudpickle bytes, oldest first.
_loaded_objectives: OrderedDict[str, Callable] = OrderedDict()


def _load_objective(payload: bytes, limit_threads: bool) -> Callable:
    """Unpickle the objective, limiting BLAS and OpenMP to one thread first."""
    if limit_threads:
        for name in _THREAD_VARIABLES:
            os.environ[name] = "1"
    objective = cloudpickle.loads(payload)
    if limit_threads:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            pass
        else:
            # Without a ``with`` block the limit stays for the life of the process.
            threadpool_limits(limits=1)
    return objective


def _portable_error(exc: Exception) -> Exception | str:
    """Return ``exc`` if it survives pickling, else its text ``"Type: message"``."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return _error_text(exc)
    return exc


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _call_objective(
    objective: Callable,
    params: dict,
    context: TrialContext | None,
    portable: bool = True,
) -> _Evaluation:
    """Call the objective and return (outputs, error, duration, reports, pruned).

    With a ``context`` the objective gets a trial handle as its second
    argument, and the reports it made come back even when it raised.
    """
    start = time.perf_counter()
    handle = None if context is None else TrialHandle(context)
    pruned = False
    try:
        if handle is None:
            outputs = objective(params)
        else:
            outputs = objective(params, handle)
    except TrialPruned:
        outputs, error, pruned = None, None, True
    except Exception as exc:
        outputs, error = None, _portable_error(exc) if portable else exc
    else:
        error = None
    if handle is None:
        return outputs, error, time.perf_counter() - start, {}, False
    # An objective that returned after should_prune() returned True was
    # pruned, unless it returned every objective and so finished training.
    if handle.pruned and error is None and not pruned:
        pruned = not _has_every_objective(outputs, context.names)  # type: ignore[union-attr]
    reports = handle.intermediate_values
    return outputs, error, time.perf_counter() - start, reports, pruned


def _initialize_local_worker(
    payload: bytes, limit_threads: bool, started_queue: Any
) -> None:
    global _worker_objective, _worker_load_error, _started_queue
    # Ctrl-C reaches every process of the terminal's process group. The calling
    # process handles it and stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    _started_queue = started_queue
    try:
        _worker_objective = _load_objective(payload, limit_threads)
    except Exception as exc:
        _worker_load_error = (
            f"loading the objective in worker process {os.getpid()} failed: "
            f"{_error_text(exc)}"
        )


def _exit_with_parent() -> None:
    """End this worker soon after the process that started it dies.

    A killed parent cannot stop its workers, and an orphan would go on
    computing a trial that the resumed study runs again.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="moopt-parent-watch", daemon=True).start()


def _has_every_objective(outputs: object, names: tuple[str, ...]) -> bool:
    """Return whether ``outputs`` maps every objective name to a finite number."""
    if not isinstance(outputs, Mapping):
        return False
    for name in names:
        value = outputs.get(name)
        if not is_finite_real(value):
            return False
    return True


def _run_local_trial(
    number: int, params: dict, context: TrialContext | None
) -> _Evaluation:
    _started_queue.put((number, os.getpid()))
    if _worker_objective is None:
        return None, _worker_load_error, 0.0, {}, False
    return _call_objective(_worker_objective, params, context)


def _run_remote_trial(
    key: str,
    payload: bytes,
    params: dict,
    context: TrialContext | None,
    limit_threads: bool,
    caller_pid: int,
) -> _Evaluation:
    """Evaluate one trial in a worker of a user's executor.

    Thread limits apply only in a process other than the caller's, so an
    executor that runs tasks in the calling process leaves its settings alone.
    """
    objective = _loaded_objectives.get(key)
    if objective is None:
        try:
            objective = _load_objective(
                payload, limit_threads and os.getpid() != caller_pid
            )
        except Exception as exc:
            error = f"loading the objective in the worker failed: {_error_text(exc)}"
            return None, error, 0.0, {}, False
        _loaded_objectives[key] = objective
        while len(_loaded_objectives) > _LOADED_OBJECTIVES_SIZE:
            _loaded_objectives.popitem(last=False)
    return _call_objective(objective, params, context)


# Calling side.


@dataclass(eq=False)
class _Trial:
    number: int
    params: dict
    context: TrialContext | None = None
    dispatched: float = 0.0
    # When the objective started, on this process's monotonic clock; None until
    # a local worker reports it. The timeout clock starts here.
    started: float | None = None
    n_unexplained_breaks: int = 0


@contextlib.contextmanager
def _main_script_hidden() -> Iterator[None]:
    """Hide the main script from processes spawned in this block.

    A spawned process runs the parent's main script again unless the main
    module has neither ``__spec__`` nor ``__file__``, and running it again
    would start the user's unguarded ``optimize`` call in every worker.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved = {
        name: main.__dict__[name]
        for name in ("__file__", "__spec__")
        if name in main.__dict__
    }
    main.__dict__.pop("__file__", None)
    main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


class _LocalPool:
    """A process pool of spawned workers, with the queue on which each worker
    reports the trial number and its pid when it starts a trial."""

    def __init__(self, n_workers: int, payload: bytes, limit_threads: bool) -> None:
        context = multiprocessing.get_context("spawn")
        self.started_queue = context.SimpleQueue()
        self.executor = ProcessPoolExecutor(
            max_workers=n_workers,
            mp_context=context,
            initializer=_initialize_local_worker,
            initargs=(payload, limit_threads, self.started_queue),
        )
        # NOTE: ``_processes`` (pid -> Process) is private. Before Python 3.14,
        # ProcessPoolExecutor has no public way to kill its workers, and no
        # version exposes their exit codes, which identify a crashed worker.
        self.processes: dict[int, multiprocessing.Process] = self.executor._processes
        self.worker_pids: dict[int, int] = {}  # trial number -> pid

    def submit(self, trial: _Trial) -> Future:
        # The executor starts a worker, when it needs one, inside submit.
        with _main_script_hidden():
            return self.executor.submit(
                _run_local_trial, trial.number, trial.params, trial.context
            )

    def read_started(self) -> list[int]:
        """Return the trial numbers that workers reported started since the last
        call. Reading also keeps the queue's pipe from filling up."""
        numbers = []
        while not self.started_queue.empty():
            number, pid = self.started_queue.get()
            self.worker_pids[number] = pid
            numbers.append(number)
        return numbers

    def shut_down(self, *, kill: bool) -> dict[int, int | None]:
        """Stop the workers, killing them first if ``kill``, and return their exit
        codes by pid."""
        if kill:
            for process in list(self.processes.values()):
                process.kill()
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.read_started()
        self.started_queue.close()
        return {pid: process.exitcode for pid, process in self.processes.items()}


class WorkerPool:
    """Evaluate trials serially, in local worker processes, or on an executor.

    Parameters
    ----------
    objective : callable
        ``objective(params)``, called with a copy of each trial's params dict.
        For worker processes and executors it is serialized once with
        cloudpickle, so closures and functions defined in a notebook work.
    n_workers : int, optional
        Number of local worker processes, 1 included, which lets
        ``trial_timeout`` stop a hanging trial. None evaluates each trial in
        the calling process, inside ``wait()``.
    executor : concurrent.futures.Executor, optional
        Run trials on this executor instead, for example
        ``distributed.Client(...).get_executor(pure=False)``. The pool never
        shuts it down. A ``ThreadPoolExecutor`` gets the objective itself;
        any other executor gets its cloudpickle bytes.
    trial_timeout : float, optional
        Seconds a trial may run. A longer trial fails with a timeout error.
        In local workers the clock starts when the objective starts, and the
        worker is stopped as described in ``wait``. On an executor the clock
        starts when the pool submits the task, and a late task is cancelled
        if it has not started and otherwise abandoned. An abandoned task keeps
        its executor slot until it returns, so a trial queued behind it counts
        that wait toward its own timeout. In the calling process a trial
        cannot be stopped, so it fails once it returns too late.
    limit_threads : bool, default True
        Set BLAS and OpenMP to one thread in each worker process, through the
        usual environment variables and threadpoolctl when it is installed,
        so that parallel trials do not compete for cores.

    Use the pool as a context manager, or call ``close()``, so that its
    worker processes stop.
    """

    def __init__(
        self,
        objective: Callable[[dict[str, Any]], Any],
        *,
        n_workers: int | None = None,
        executor: Executor | None = None,
        trial_timeout: float | None = None,
        limit_threads: bool = True,
    ) -> None:
        if not callable(objective):
            raise TypeError(f"objective must be callable, got {objective!r}")
        _check_workers(n_workers, executor)
        self._trial_timeout = _check_trial_timeout(trial_timeout)
        if not isinstance(limit_threads, bool):
            raise TypeError(
                f"limit_threads must be True or False, got {limit_threads!r}"
            )
        self._objective = objective
        self._executor = executor
        self._limit_threads = limit_threads
        self._serial = executor is None and n_workers is None
        self._payload = b""
        self._key = ""
        if not self._serial and not isinstance(executor, ThreadPoolExecutor):
            self._payload = _serialize(objective)
            self._key = hashlib.sha256(self._payload).hexdigest()
        if self._serial:
            self._capacity = 1
        elif executor is None:
            self._capacity = int(n_workers)  # type: ignore[arg-type]
        else:
            self._capacity = _executor_capacity(executor)
        self._local: _LocalPool | None = None
        self._queued: deque[_Trial] = deque()
        self._running: dict[Future, _Trial] = {}
        self._ready: list[Outcome] = []  # collected, not yet returned by wait()
        self._closed = False

    @property
    def capacity(self) -> int:
        """Number of trials that may run at once.

        1 in the calling process and ``n_workers`` for local workers. For an
        executor it is its ``max_workers`` when it has one, the total threads
        of a Dask cluster when the pool started, or else twice the CPU count.
        """
        return self._capacity

    @property
    def serial(self) -> bool:
        """True when the pool evaluates trials in the calling process."""
        return self._serial

    @property
    def n_running(self) -> int:
        """Number of trials submitted and not yet returned by ``wait``."""
        return len(self._queued) + len(self._running) + len(self._ready)

    def submit(
        self,
        number: int,
        params: Mapping[str, Any],
        context: TrialContext | None = None,
    ) -> None:
        """Queue a trial; it starts as soon as fewer than ``capacity`` run.

        With a ``context`` the objective is called with a trial handle built
        from it as its second argument.
        """
        if self._closed:
            raise RuntimeError("submit() was called on a closed WorkerPool")
        if not is_integer(number):
            raise TypeError(f"number must be an int, got {number!r}")
        if not isinstance(params, Mapping):
            raise TypeError(f"params must be a dict, got {params!r}")
        if number in self._numbers():
            raise ValueError(f"trial {number} is already submitted and not finished")
        self._queued.append(_Trial(int(number), dict(params), context))
        if not self._serial:
            self._dispatch()

    def wait(self) -> list[Outcome]:
        """Return the outcomes of the trials that finished, blocking for one.

        Returns an empty list at once when no trial is submitted. In the
        calling process it evaluates the oldest queued trial and returns its
        outcome; ``KeyboardInterrupt`` propagates and leaves the trial queued.

        When a local trial times out or its worker process dies, the pool's
        processes are killed and a new pool starts. The other trials that
        were running in the old pool are submitted again with the same number
        and params, so they start over.

        An error raised by a user's executor in ``submit``, for example after
        it was shut down, propagates. The next call then returns the outcomes
        that were already collected.
        """
        if self._closed:
            raise RuntimeError("wait() was called on a closed WorkerPool")
        if self._serial:
            return self._evaluate_oldest()
        self._dispatch()
        while self._running and not self._ready:
            self._note_started()
            done, _ = concurrent.futures.wait(
                list(self._running),
                timeout=self._time_to_next_check(),
                return_when=concurrent.futures.FIRST_COMPLETED,
            )
            self._ready.extend(self._collect(done))
            self._ready.extend(self._fail_overdue_trials())
            self._dispatch()
        ready, self._ready = self._ready, []
        return ready

    def cancel(self) -> list[int]:
        """Stop waiting for every submitted trial and return their numbers.

        Local workers that are running a trial are killed. Tasks on a user's
        executor are cancelled if they have not started, else abandoned.
        """
        numbers = [outcome.number for outcome in self._ready]
        numbers.extend(trial.number for trial in self._running.values())
        numbers.extend(trial.number for trial in self._queued)
        if self._local is not None and self._running:
            self._local.shut_down(kill=True)
            self._local = None
        for future in self._running:
            future.cancel()
        self._running.clear()
        self._queued.clear()
        self._ready.clear()
        return numbers

    def close(self) -> None:
        """Cancel every submitted trial and stop the local worker processes."""
        if self._closed:
            return
        self.cancel()
        if self._local is not None:
            self._local.shut_down(kill=False)
            self._local = None
        self._closed = True

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _numbers(self) -> set[int]:
        numbers = {trial.number for trial in self._queued}
        numbers.update(trial.number for trial in self._running.values())
        numbers.update(outcome.number for outcome in self._ready)
        return numbers

    def evaluate(
        self,
        number: int,
        params: dict[str, Any],
        context: TrialContext | None = None,
    ) -> Outcome:
        """Evaluate one trial in the calling process and return its outcome.

        Only a pool without workers or executor evaluates this way, as
        ``submit`` and ``wait`` do but without the queue. The objective gets a
        copy of ``params``. A trial that returns after ``trial_timeout`` fails.
        ``KeyboardInterrupt`` propagates and leaves nothing queued.
        """
        if self._closed:
            raise RuntimeError("evaluate() was called on a closed WorkerPool")
        if not self._serial:
            raise RuntimeError(
                "evaluate() runs a trial in the calling process, but this pool has "
                "worker processes or an executor; use submit() and wait()"
            )
        outputs, error, duration, reports, pruned = _call_objective(
            self._objective, dict(params), context, portable=False
        )
        timeout = self._trial_timeout
        if error is None and timeout is not None and duration > timeout:
            outputs, error = None, self._timeout_text(number)
            _logger.warning("%s; it ran in the calling process", error)
        return Outcome(number, outputs, error, duration, reports, pruned)

    def _evaluate_oldest(self) -> list[Outcome]:
        if not self._queued:
            return []
        trial = self._queued[0]
        outcome = self.evaluate(trial.number, trial.params, trial.context)
        self._queued.popleft()
        return [outcome]

    def _dispatch(self) -> None:
        """Start queued trials while fewer than ``capacity`` run."""
        while self._queued and len(self._running) < self._capacity:
            trial = self._queued[0]
            future = self._start(trial)
            self._queued.popleft()
            trial.dispatched = time.monotonic()
            trial.started = None if self._executor is None else trial.dispatched
            self._running[future] = trial

    def _start(self, trial: _Trial) -> Future:
        if self._executor is None:
            if self._local is None:
                self._local = _LocalPool(
                    self._capacity, self._payload, self._limit_threads
                )
                _logger.debug("started a pool of %d worker processes", self._capacity)
            return self._local.submit(trial)
        if isinstance(self._executor, ThreadPoolExecutor):
            return self._executor.submit(
                _call_objective,
                self._objective,
                dict(trial.params),
                trial.context,
                False,
            )
        # NOTE: the objective's bytes travel with every task, so an objective
        # that captures a large data set should load it inside the call instead.
        return self._executor.submit(
            _run_remote_trial,
            self._key,
            self._payload,
            dict(trial.params),
            trial.context,
            self._limit_threads,
            os.getpid(),
        )

    def _note_started(self) -> None:
        if self._local is None:
            return
        numbers = set(self._local.read_started())
        now = time.monotonic()
        for trial in self._running.values():
            if trial.number in numbers and trial.started is None:
                trial.started = now

    def _time_to_next_check(self) -> float | None:
        """Seconds until the next trial may time out, None without a timeout."""
        if self._trial_timeout is None:
            return None
        now = time.monotonic()
        waits = []
        for trial in self._running.values():
            if trial.started is None:
                # NOTE: a trial whose worker hangs before it reports the start,
                # for example while loading the objective, never times out.
                waits.append(_START_POLL_INTERVAL)
            else:
                waits.append(trial.started + self._trial_timeout - now)
        return max(0.0, min(waits))

    def _collect(self, done: set[Future]) -> list[Outcome]:
        """Return the outcomes of finished futures and drop them from the running
        ones. A broken local pool is replaced."""
        outcomes = []
        broken = False
        for future in done:
            if self._executor is None and _is_broken(future):
                broken = True
                continue
            outcomes.append(self._outcome_of(future, self._running.pop(future)))
        if broken:
            outcomes.extend(self._replace_broken_pool())
        return outcomes

    def _outcome_of(self, future: Future, trial: _Trial) -> Outcome:
        """Return the outcome of a finished future."""
        if future.cancelled():
            error = f"CancelledError: the executor cancelled trial {trial.number}"
            return Outcome(trial.number, None, error, 0.0)
        exc = future.exception()
        if exc is None:
            return Outcome(trial.number, *future.result())
        # The objective's own exceptions come back inside the result, so this is
        # a failure to run the task or to send its result back.
        error = f"evaluating trial {trial.number} failed: {_error_text(exc)}"
        return Outcome(trial.number, None, error, _elapsed(trial))

    def _fail_overdue_trials(self) -> list[Outcome]:
        """Fail the trials that ran past the timeout, replacing a local pool."""
        if self._trial_timeout is None:
            return []
        now = time.monotonic()
        outcomes = []
        for future, trial in list(self._running.items()):
            if trial.started is None or future.done():
                continue
            if now - trial.started < self._trial_timeout:
                continue
            del self._running[future]
            future.cancel()
            error = self._timeout_text(trial.number)
            outcomes.append(Outcome(trial.number, None, error, now - trial.started))
            if self._executor is None:
                _logger.warning("%s; its worker is stopped", error)
            else:
                _logger.warning("%s; its executor task is abandoned", error)
        if outcomes and self._executor is None:
            # A worker process cannot be stopped alone, so the whole pool goes.
            pool = self._local
            assert pool is not None
            pool.shut_down(kill=True)
            finished, unfinished = self._take_back_running()
            outcomes.extend(finished)
            self._requeue(unfinished)
        return outcomes

    def _take_back_running(self) -> tuple[list[Outcome], list[_Trial]]:
        """Clear the running trials of a stopped local pool.

        Returns the outcomes of those that finished before the pool stopped
        and the unfinished trials.
        """
        self._local = None
        outcomes, unfinished = [], []
        for future, trial in self._running.items():
            if future.done() and not future.cancelled() and not _is_broken(future):
                outcomes.append(self._outcome_of(future, trial))
            else:
                unfinished.append(trial)
        self._running.clear()
        return outcomes, unfinished

    def _replace_broken_pool(self) -> list[Outcome]:
        """Fail the trials whose worker died and submit the others again."""
        pool = self._local
        assert pool is not None
        exit_codes = pool.shut_down(kill=False)
        outcomes, unfinished = self._take_back_running()
        crashed = _crashed_workers(exit_codes)
        explained = any(pool.worker_pids.get(t.number) in crashed for t in unfinished)

        requeued = []
        for trial in unfinished:
            error = _crash_error(trial, pool.worker_pids, exit_codes, explained)
            if error is None:
                requeued.append(trial)
                continue
            outcomes.append(Outcome(trial.number, None, error, _elapsed(trial)))
            _logger.warning("%s; restarting the worker pool", error)
        self._requeue(requeued)
        return outcomes

    def _requeue(self, trials: list[_Trial]) -> None:
        """Put unfinished trials back at the front of the queue, in order."""
        if trials:
            _logger.warning(
                "submitting trials %s again in a new worker pool",
                [trial.number for trial in trials],
            )
        for trial in reversed(trials):
            trial.started = None
            self._queued.appendleft(trial)

    def _timeout_text(self, number: int) -> str:
        seconds = self._trial_timeout
        assert seconds is not None
        limit = int(seconds) if seconds.is_integer() else seconds
        return f"TimeoutError: trial {number} ran longer than trial_timeout={limit} s"


def _check_workers(n_workers: object, executor: object) -> None:
    if n_workers is not None:
        if not is_integer(n_workers):
            raise TypeError(f"n_workers must be an int or None, got {n_workers!r}")
        if n_workers < 1:
            raise ValueError(
                f"n_workers must be at least 1, got {n_workers}; use None to "
                "evaluate in the calling process"
            )
        if executor is not None:
            raise ValueError(
                f"give either n_workers or executor, not both (got n_workers="
                f"{n_workers} and executor={executor!r})"
            )
    if executor is not None and not isinstance(executor, Executor):
        raise TypeError(
            "executor must be a concurrent.futures.Executor, such as a "
            "ProcessPoolExecutor or distributed.Client(...).get_executor(), got "
            f"{executor!r}"
        )


def _check_trial_timeout(trial_timeout: object) -> float | None:
    if trial_timeout is None:
        return None
    if not is_real(trial_timeout):
        raise TypeError(
            f"trial_timeout must be a number of seconds or None, got {trial_timeout!r}"
        )
    if not trial_timeout > 0:
        raise ValueError(
            f"trial_timeout must be a positive number of seconds, got {trial_timeout!r}"
        )
    return float(trial_timeout)


def _serialize(objective: Callable) -> bytes:
    try:
        return cloudpickle.dumps(objective)
    except Exception as exc:
        raise TypeError(
            "objective could not be serialized with cloudpickle to send it to the "
            f"workers: {_error_text(exc)}. Create open files, locks and connections "
            "inside the objective instead of capturing them"
        ) from exc


def _executor_capacity(executor: Executor) -> int:
    # NOTE: ``_max_workers`` (standard executors) and ``_client`` (Dask's
    # ClientExecutor) are private attributes, read here with fallbacks.
    max_workers = getattr(executor, "_max_workers", None)
    if is_integer(max_workers) and max_workers >= 1:
        return int(max_workers)
    nthreads = getattr(getattr(executor, "_client", None), "nthreads", None)
    if callable(nthreads):
        try:
            total = sum(nthreads().values())
        except Exception:  # any failure of this optional query means "unknown"
            total = 0
        if total >= 1:
            return int(total)
    return 2 * (os.cpu_count() or 1)


def _crashed_workers(exit_codes: dict[int, int | None]) -> dict[int, int]:
    """Return the exit codes of the workers that died by themselves, by pid."""
    # Once a worker dies, ProcessPoolExecutor terminates the others, which then
    # exit with -SIGTERM, so any other exit code marks a worker that crashed.
    return {
        pid: code
        for pid, code in exit_codes.items()
        if code is not None and code != -signal.SIGTERM
    }


def _crash_error(
    trial: _Trial,
    worker_pids: dict[int, int],
    exit_codes: dict[int, int | None],
    explained: bool,
) -> str | None:
    """Return why ``trial`` failed when its pool broke, or None to run it again.

    ``explained`` is whether a crashed worker was running one of the trials.
    """
    crashed = _crashed_workers(exit_codes)
    pid = worker_pids.get(trial.number)
    if pid in crashed:
        return (
            f"BrokenProcessPool: worker process {pid} running trial "
            f"{trial.number} {_describe_exit(crashed[pid])}"
        )
    if explained:
        return None

    # Any of the trials may have ended its worker, so each one is counted.
    trial.n_unexplained_breaks += 1
    if trial.n_unexplained_breaks < _MAX_UNEXPLAINED_BREAKS:
        return None
    return (
        f"BrokenProcessPool: the worker pool broke {trial.n_unexplained_breaks} "
        f"times while trial {trial.number} was waiting or running, and no worker "
        f"exit code showed which trial ended it (exit codes by pid: {exit_codes})"
    )


def _is_broken(future: Future) -> bool:
    """True for a done future that failed because its process pool broke."""
    return not future.cancelled() and isinstance(future.exception(), BrokenProcessPool)


def _elapsed(trial: _Trial) -> float:
    start = trial.dispatched if trial.started is None else trial.started
    return time.monotonic() - start


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed by {name}"
    return f"exited with code {code}"
