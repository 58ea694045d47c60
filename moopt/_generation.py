"""The record of one generation's trials, as arrays, and building its Trials."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from moopt._space import Space
from moopt._trial import Trial

RUNNING, COMPLETE, FAILED, CANCELLED, PRUNED, REPLICATE = 0, 1, 2, 3, 4, 5
STATE_NAMES = ("running", "complete", "failed", "cancelled", "pruned", "replicate")
RUNNING_NAME = STATE_NAMES[RUNNING]
# States whose trials take part in survival: complete ones, and pruned ones
# ranked below them by the step they reached.
RANKED = (COMPLETE, PRUNED)


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
    # Intermediate values by row, {step: {objective: value}}; rows that
    # reported nothing are missing.
    reports: dict[int, dict[int, dict[str, float]]] = field(default_factory=dict)
    # The trial number each row re-evaluates, -1 for a new configuration, and
    # the replicate index of each row (0 for a first evaluation).
    replicate_of: np.ndarray | None = None
    replicate_index: np.ndarray | None = None
    # Values of other trials at each step where the pruner decides, as the
    # generation's trials were asked: {step: (n, n_objectives) minimized}.
    tables: dict[int, np.ndarray] = field(default_factory=dict)
    final_step: int | None = None
    # The last reported step of each row, 0 where none was reported.
    last_steps: np.ndarray | None = None
    # For rows evaluated more than once: the outputs of every evaluation.
    evaluations: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.genomes)
        if self.replicate_of is None:
            self.replicate_of = np.full(n, -1, dtype=np.int64)
        if self.replicate_index is None:
            self.replicate_index = np.zeros(n, dtype=np.int64)
        if self.last_steps is None:
            self.last_steps = np.zeros(n)

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
            "replicate_of",
            "replicate_index",
            "last_steps",
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
        for row in [row for row in self.reports if row >= n_keep]:
            del self.reports[row]

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
        values = outputs if state in (COMPLETE, PRUNED, REPLICATE) else None
        n_evaluations = int(state in (COMPLETE, REPLICATE))
        standard_errors = None
        replicates: tuple[dict[str, Any], ...] = () if not n_evaluations else (values,)  # type: ignore[assignment]
        if row in self.evaluations and state == COMPLETE:
            replicates = tuple(self.evaluations[row])
            n_evaluations = len(replicates)
            values, standard_errors = summarize(replicates)
        replicate_of = int(self.replicate_of[row])  # type: ignore[index]
        return Trial(
            number=self.first_number + row,
            generation=self.index,
            params=params,
            values=values,
            state=STATE_NAMES[state],  # type: ignore[arg-type]
            error=self.errors[row],
            violation=float(self.violations[row]),
            duration=float(self.durations[row]),
            intermediate_values=self.reports.get(row, {}),
            n_evaluations=n_evaluations,
            standard_errors=standard_errors,
            replicates=replicates,
            replicate_of=None if replicate_of < 0 else replicate_of,
        )


def summarize(
    evaluations: tuple[dict[str, Any], ...] | list[dict[str, Any]],
) -> tuple[dict[str, Any], dict[str, float]]:
    """Return the mean and the standard error of each output over evaluations.

    Numeric outputs present in every evaluation are averaged; any other
    output keeps its first value and gets no standard error.
    """
    means = dict(evaluations[0])
    errors = {}
    n = len(evaluations)
    for name, first in evaluations[0].items():
        if isinstance(first, bool) or not isinstance(first, int | float):
            continue
        column = [e.get(name) for e in evaluations]
        if not all(isinstance(v, int | float) for v in column):
            continue
        array = np.array(column, dtype=np.float64)
        means[name] = float(array.mean())
        errors[name] = float(array.std(ddof=1) / np.sqrt(n))
    return means, errors
