"""The run loop of ``optimize``: generations, evaluation, budget and stopping."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from moopt._evaluation import WorkerPool
from moopt._generation import RUNNING, Generation
from moopt._nsga2 import NSGA2
from moopt._progress import ProgressBar
from moopt._trial import Result

Callback = Callable[[Result], Any]


@dataclass
class Run:
    """One call of ``optimize``: what to evaluate and when to stop.

    ``pool`` evaluates a callable objective trial by trial; ``evaluate``
    evaluates a pymoo problem a whole generation per call. One of them is set.
    """

    optimizer: NSGA2
    budget: int
    deadline: float
    callbacks: tuple[Callback, ...]
    pool: WorkerPool | None = None
    evaluate: Callable | None = None
    progress: ProgressBar | None = None
    started: bool = False

    def _may_start(self) -> bool:
        """Whether a new trial may start: before the deadline, or if none has."""
        return time.monotonic() < self.deadline or not self.started

    def execute(self) -> None:
        """Run generations until the budget, the deadline or a callback stops."""
        optimizer = self.optimizer
        while (
            optimizer._pending or optimizer.n_trials < self.budget
        ) and time.monotonic() < self.deadline:
            generation = self._next_generation()
            if self.pool is not None:
                self._run_generation(generation)
            else:
                self._run_vectorized_generation(generation)
            if len(optimizer._population) == 0 and optimizer.generation == 1:
                raise RuntimeError(
                    f"every one of the {optimizer.n_trials} trials of the first "
                    f"generation failed; first error: {optimizer._first_error()}"
                )
            if self.progress is not None or self.callbacks:
                snapshot = optimizer.result()
                if self.progress is not None:
                    self.progress.show(snapshot.n_failed, len(snapshot.pareto_set))
                if any([bool(callback(snapshot)) for callback in self.callbacks]):
                    return

    def _next_generation(self) -> Generation:
        """Return the generation to evaluate: a resumed one, or a new one.

        A resumed generation keeps only its trials numbered below the budget.
        """
        optimizer = self.optimizer
        if not optimizer._pending:
            return optimizer._ask_genomes(limit=self.budget - optimizer.n_trials)
        generation = optimizer._generations[-1]
        optimizer._unclaimed = []
        n_keep = min(len(generation), self.budget - generation.first_number)
        if n_keep < len(generation) and (generation.states[n_keep:] == RUNNING).all():
            optimizer._keep_first(generation, n_keep)
        return generation

    def _run_generation(self, generation: Generation) -> None:
        """Evaluate the running trials of a generation on the worker pool.

        Trials are submitted in order while workers are free and told as they
        finish. Results are keyed by trial, and survival waits for the whole
        generation, so the outcome does not depend on completion order.
        """
        assert self.pool is not None
        optimizer, pool = self.optimizer, self.pool
        waiting = deque(np.flatnonzero(generation.states == RUNNING).tolist())
        first = generation.first_number
        try:
            while waiting or pool.n_running:
                while waiting and pool.n_running < pool.capacity and self._may_start():
                    row = waiting.popleft()
                    params = dict(optimizer._trial(generation, row).params)
                    pool.submit(first + row, params)
                    self.started = True
                if not pool.n_running:
                    break
                for outcome in pool.wait():
                    trial = optimizer._trial(generation, outcome.number - first)
                    if outcome.error is not None:
                        optimizer.tell(
                            trial, error=outcome.error, duration=outcome.duration
                        )
                    else:
                        optimizer.tell(
                            trial, outcome.outputs, duration=outcome.duration
                        )
                    if self.progress is not None:
                        self.progress.advance(1)
        except KeyboardInterrupt:
            optimizer._cancel([number - first for number in pool.cancel()])
            raise
        optimizer._close_generation()

    def _run_vectorized_generation(self, generation: Generation) -> None:
        """Evaluate the running trials of a generation in one call."""
        assert self.evaluate is not None
        optimizer = self.optimizer
        rows = np.flatnonzero(generation.states == RUNNING)
        values = optimizer._space.decode_floats(generation.genomes[rows])
        start = time.perf_counter()
        try:
            outputs, names = self.evaluate(values)
        except KeyboardInterrupt:
            optimizer._cancel(rows.tolist())
            raise
        except Exception as exc:
            outputs, names = None, f"{type(exc).__name__}: {exc}"
        duration = (time.perf_counter() - start) / len(rows)
        if len(rows) == len(generation):
            if outputs is None:
                optimizer._tell_arrays(
                    generation, np.zeros((len(rows), 0)), [], duration, error=names
                )
            else:
                optimizer._tell_arrays(generation, outputs, names, duration)
        else:
            # A resumed generation: some trials were told from storage already.
            for index, row in enumerate(rows.tolist()):
                trial = optimizer._trial(generation, row)
                if outputs is None:
                    optimizer.tell(trial, error=names, duration=duration)
                else:
                    told = dict(zip(names, outputs[index].tolist(), strict=True))
                    optimizer.tell(trial, told, duration=duration)
        if self.progress is not None:
            self.progress.advance(len(rows))
