"""The record of one generation's trials, as arrays, and building its Trials."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from moopt._space import Space
from moopt._trial import Trial

RUNNING, COMPLETE, FAILED, CANCELLED = 0, 1, 2, 3
STATE_NAMES = ("running", "complete", "failed", "cancelled")
RUNNING_NAME = STATE_NAMES[RUNNING]


@dataclass
class Generation:
    """Everything known about the trials of one generation, as arrays."""

    index: int
    first_number: int
    genomes: np.ndarray
    minimized: np.ndarray
    violations: np.ndarray
    states: np.ndarray
    durations: np.ndarray
    asked_at: float
    # Trials told before each trial was asked, and each trial's place in the
    # order of tells (-1 until told); stored so a resumed run replays both.
    asked_after: np.ndarray
    told_order: np.ndarray
    # Outputs per trial. A generation recorded as one array keeps that array
    # and its column names instead, and builds dicts only when trials are built.
    outputs: list[dict[str, Any] | None]
    errors: list[str | None]
    # Trials built so far, None where a row has none or its state changed.
    trials: list[Trial | None] = field(default_factory=list)
    # Params as the user gave them in initial_params, which a log-scale
    # round trip through the genome would change in the last digit.
    given_params: list[dict[str, Any]] = field(default_factory=list)
    # Params of every trial, decoded together on the first request.
    params: list[dict[str, Any]] | None = None
    output_rows: np.ndarray | None = None
    output_names: list[str] = field(default_factory=list)

    def output(self, row: int) -> dict[str, Any] | None:
        """Return the outputs of one trial as a dict, or None."""
        if self.output_rows is None or self.states[row] != COMPLETE:
            return self.outputs[row]
        return dict(zip(self.output_names, self.output_rows[row].tolist(), strict=True))

    def __len__(self) -> int:
        return len(self.genomes)

    def keep_first(self, n_keep: int) -> None:
        """Drop every trial after the first ``n_keep``."""
        for name in (
            "asked_after",
            "told_order",
            "genomes",
            "minimized",
            "violations",
            "states",
            "durations",
            "outputs",
            "errors",
            "trials",
        ):
            setattr(self, name, getattr(self, name)[:n_keep])
        if self.params is not None:
            self.params = self.params[:n_keep]

    def all_params(self, space: Space) -> list[dict[str, Any]]:
        """Return the params of every trial, decoding the generation at once.

        Decoding all rows costs about as much as decoding one, so the first
        request decodes them all. Every Trial of a row shares its dict, and
        the objective gets a copy.
        """
        if self.params is None:
            params = space.decode_many(self.genomes)
            for row, user_params in enumerate(self.given_params):
                params[row] = dict(user_params)
            self.params = params
        return self.params

    def trial(self, row: int, space: Space) -> Trial:
        """Return the Trial of one row, built once per state and then cached."""
        cached = self.trials[row]
        if cached is None:
            params = self.all_params(space)[row]
            cached = self._make_trial(row, params, self.output(row))
            self.trials[row] = cached
        return cached

    def invalidate_trial(self, row: int) -> None:
        """Drop the cached Trial of a row after its state changed, so that the
        next request builds it from the arrays."""
        self.trials[row] = None

    def all_trials(self, space: Space) -> list[Trial]:
        """Return every Trial of the generation, building the missing ones."""
        missing = [row for row, trial in enumerate(self.trials) if trial is None]
        if missing:
            params = self.all_params(space)
            outputs = self.outputs
            if self.output_rows is not None:
                outputs = [
                    dict(zip(self.output_names, row, strict=True))
                    for row in self.output_rows.tolist()
                ]
            for row in missing:
                self.trials[row] = self._make_trial(row, params[row], outputs[row])
        return self.trials  # type: ignore[return-value]

    def _make_trial(
        self, row: int, params: dict[str, Any], outputs: dict[str, Any] | None
    ) -> Trial:
        state = int(self.states[row])
        return Trial(
            number=self.first_number + row,
            generation=self.index,
            params=params,
            values=outputs if state == COMPLETE else None,
            state=STATE_NAMES[state],  # type: ignore[arg-type]
            error=self.errors[row],
            violation=float(self.violations[row]),
            duration=float(self.durations[row]),
        )
