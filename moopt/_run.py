"""The run loop of ``optimize``: generations, evaluation, budget and stopping."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from moopt._evaluation import Outcome, WorkerPool
from moopt._generation import FAILED, RANKED, RUNNING, Generation
from moopt._nsga2 import NSGA2
from moopt._progress import ProgressBar
from moopt._pruning import TrialContext
from moopt._trial import Result

Callback = Callable[[Result], Any]


@dataclass
class Run:
    """One call of ``optimize``: what to evaluate and when to stop.

    ``pool`` evaluates a callable objective trial by trial; ``evaluate``
    evaluates a pymoo problem a whole generation per call. One of them is set.
    With ``with_handle`` the objective gets a trial handle. The last
    ``final_budget`` trials of ``budget`` re-evaluate the Pareto set.
    """

    optimizer: NSGA2
    budget: int
    deadline: float
    callbacks: tuple[Callback, ...]
    pool: WorkerPool | None = None
    evaluate: Callable | None = None
    progress: ProgressBar | None = None
    started: bool = False
    with_handle: bool = False
    final_budget: int = 0

    def _may_start(self) -> bool:
        """Return whether a new trial may start: before the deadline, or if none has."""
        return time.monotonic() < self.deadline or not self.started

    def execute(self) -> None:
        """Run generations until the budget, the deadline or a callback stops."""
        if self.optimizer.mode == "async":
            self._execute_async()
            return
        optimizer = self.optimizer
        total, self.budget = self.budget, self.budget - self.final_budget
        # A resumed study that stopped during the final re-evaluations goes
        # on with them.
        last = optimizer._generations[-1] if optimizer._generations else None
        resuming_final = (
            optimizer._pending > 0
            and last is not None
            and bool((last.replicate_of >= 0).all())  # type: ignore[operator]
        )
        if not resuming_final and self._run_generations():
            return
        self.budget = total
        batch = optimizer._final_round_size
        while (
            optimizer._pending or optimizer.n_trials < total
        ) and time.monotonic() < self.deadline:
            if optimizer._pending:
                optimizer._unclaimed = []
                self._run(optimizer._generations[-1])
                continue
            optimizer._end_generation()
            size = min(total - optimizer.n_trials, batch)
            generation = optimizer._ask_final(size)
            if not len(generation):
                # Every member's place is certain: the rest of the budget goes
                # back to the search.
                optimizer._keep_first(generation, 0)
                self._run_generations()
                return
            self._run(generation)

    def _run_generations(self) -> bool:
        """Run generations until the budget or the deadline; True when a callback
        stopped the run."""
        optimizer = self.optimizer
        while (
            optimizer._pending or optimizer.n_trials < self.budget
        ) and time.monotonic() < self.deadline:
            generation = self._next_generation()
            self._run(generation)
            states = optimizer._generations[0].states
            if optimizer.generation == 1 and not np.isin(states, RANKED).any():
                self._raise_if_failed(int((states == FAILED).sum()))
            if self._after_generation():
                return True
        return False

    def _run(self, generation: Generation) -> None:
        """Evaluate the running trials of a generation the way the run evaluates."""
        if self.pool is None:
            self._run_vectorized_generation(generation)
        elif self.pool.serial:
            self._run_serial_generation(generation)
        else:
            self._run_generation(generation)

    def _context(self, number: int) -> TrialContext | None:
        if not self.with_handle:
            return None
        return self.optimizer._context(*self.optimizer._position(number))

    def _raise_if_failed(self, n_failed: int) -> None:
        """Stop the run when the first generation gave only failed trials.

        Without a complete trial there are no parents to vary.
        """
        if n_failed:
            raise RuntimeError(
                f"every one of the {n_failed} trials of the first generation "
                f"failed; first error: {self.optimizer._first_error()}"
            )

    def _after_generation(self) -> bool:
        """Update the progress bar and call the callbacks; True stops the run."""
        optimizer = self.optimizer
        if self.progress is None and not self.callbacks:
            return False
        snapshot = optimizer.result()
        if self.progress is not None:
            self.progress.show(snapshot.n_failed, len(snapshot.pareto_set))
        return any([bool(callback(snapshot)) for callback in self.callbacks])

    def _execute_async(self) -> None:
        """Keep every worker busy: ask one trial whenever a worker is free.

        Survival runs on every tell. A generation, for callbacks and the
        progress bar, is every ``population_size`` tells. Once the budget,
        the deadline or a callback stops the run, no trial starts, and the
        running ones finish. The last ``final_budget`` trials re-evaluate the
        Pareto set as it is when each is asked.
        """
        assert self.pool is not None
        optimizer, pool = self.optimizer, self.pool
        main_budget = self.budget - self.final_budget
        backlog = deque(optimizer.ask() if optimizer._unclaimed else [])
        stopping = False
        try:
            while True:
                while pool.n_running < pool.capacity and not stopping:
                    if not self._may_start():
                        break
                    if backlog:
                        trial = backlog.popleft()
                    elif optimizer.n_trials < main_budget:
                        trial = optimizer.ask()[0]
                    elif optimizer.n_trials < self.budget:
                        generation = optimizer._ask_final(1)
                        if len(generation):
                            trial = optimizer._trial(generation, 0)
                        else:
                            # No member's place is uncertain: search on.
                            optimizer._keep_first(generation, 0)
                            trial = optimizer.ask()[0]
                    else:
                        break
                    pool.submit(trial.number, trial.params, self._context(trial.number))
                    self.started = True
                if not pool.n_running:
                    return
                for outcome in pool.wait():
                    self._tell(outcome)
                    if optimizer._n_told % optimizer.population_size:
                        continue
                    if len(optimizer._population) == 0:
                        self._raise_if_failed(optimizer._n_told)
                    stopping = self._after_generation() or stopping
        except KeyboardInterrupt:
            optimizer._cancel(pool.cancel() + [trial.number for trial in backlog])
            raise

    def _tell(self, outcome: Outcome) -> None:
        self.optimizer._tell_number(
            outcome.number,
            outcome.outputs,
            outcome.error,
            outcome.duration,
            outcome.reports,
            outcome.pruned,
        )
        if self.progress is not None:
            self.progress.advance(1)

    def _next_generation(self) -> Generation:
        """Return the generation to evaluate: a resumed one, or a new one.

        A generation is always asked whole, even when the budget ends inside
        it, so that a resumed study with a larger budget completes it exactly
        as an uninterrupted run would.
        """
        optimizer = self.optimizer
        if not optimizer._pending:
            return optimizer._ask_genomes()
        optimizer._unclaimed = []
        return optimizer._generations[-1]

    def _rows_to_run(self, generation: Generation) -> np.ndarray:
        """Return the rows of running trials numbered below the budget."""
        rows = np.flatnonzero(generation.states == RUNNING)
        return rows[generation.first_number + rows < self.budget]

    def _run_generation(self, generation: Generation) -> None:
        """Evaluate the running trials of a generation on the worker pool.

        Trials are submitted in order while workers are free and told as they
        finish. Results are keyed by trial, and survival waits for the whole
        generation, so the outcome does not depend on completion order.
        """
        assert self.pool is not None
        optimizer, pool = self.optimizer, self.pool
        waiting = deque(self._rows_to_run(generation).tolist())
        first = generation.first_number
        params = generation.all_params(optimizer._space)
        try:
            while waiting or pool.n_running:
                while waiting and pool.n_running < pool.capacity and self._may_start():
                    row = waiting.popleft()
                    pool.submit(first + row, params[row], self._context(first + row))
                    self.started = True
                if not pool.n_running:
                    break
                for outcome in pool.wait():
                    self._tell(outcome)
        except KeyboardInterrupt:
            optimizer._cancel(pool.cancel())
            raise
        optimizer._close_generation()

    def _run_serial_generation(self, generation: Generation) -> None:
        """Evaluate the running trials of a generation one by one, in this process.

        It does what ``_run_generation`` does with a pool of capacity one,
        without the queue: each trial is evaluated and told before the next
        one starts.
        """
        assert self.pool is not None
        optimizer, pool = self.optimizer, self.pool
        first = generation.first_number
        params = generation.all_params(optimizer._space)
        # The trial under evaluation, which an interrupt cancels.
        evaluating: list[int] = []
        try:
            for row in self._rows_to_run(generation).tolist():
                if not self._may_start():
                    break
                self.started = True
                evaluating = [first + row]
                outcome = pool.evaluate(
                    first + row, params[row], self._context(first + row)
                )
                evaluating = []
                self._tell(outcome)
        except KeyboardInterrupt:
            optimizer._cancel(evaluating)
            raise
        optimizer._close_generation()

    def _run_vectorized_generation(self, generation: Generation) -> None:
        """Evaluate the running trials of a generation in one call."""
        assert self.evaluate is not None
        optimizer = self.optimizer
        rows = self._rows_to_run(generation)
        if len(rows) == 0:
            optimizer._close_generation()
            return

        values = optimizer._space.decode_floats(generation.genomes[rows])
        outputs, names, error = None, [], None
        start = time.perf_counter()
        try:
            outputs, names = self.evaluate(values)
        except KeyboardInterrupt:
            optimizer._cancel((generation.first_number + rows).tolist())
            raise
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        duration = (time.perf_counter() - start) / len(rows)

        if len(rows) == len(generation):
            if outputs is None:
                outputs = np.zeros((len(rows), 0))
            optimizer._tell_arrays(generation, outputs, names, duration, error=error)
        else:
            # Part of a generation: the rest was told from storage, or lies
            # beyond the budget.
            for index, row in enumerate(rows.tolist()):
                number = generation.first_number + row
                if outputs is None:
                    optimizer._tell_number(number, None, error, duration)
                else:
                    told = dict(zip(names, outputs[index].tolist(), strict=True))
                    optimizer._tell_number(number, told, None, duration)
        optimizer._close_generation()
        if self.progress is not None:
            self.progress.advance(len(rows))
