"""The trial handle an objective gets, and the rung tables its pruner reads.

An objective ``objective(params, trial)`` reports intermediate values with
``trial.report(step, {name: value})`` and asks ``trial.should_prune()``. The
handle decides on its own, in whichever process runs the objective, against
``tables``: for each step at which the pruner decides, the values that recent
trials had at that step. The optimizer builds these tables when it asks the
trial, from the trials told before, so every decision reads one fixed
snapshot. A parallel run therefore prunes exactly as a serial one, and
workers never wait for one another.

A trial's value at step s is, for each objective, its latest report at a step
at or before s; a trial reached s when it reported at step s or later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from moopt._validation import is_finite_real, is_integer

if TYPE_CHECKING:
    from moopt._pruners import Pruner

# Complete trials needed before a step's rank correlation is checked.
MIN_CHECKED_TRIALS = 5


class TrialPruned(Exception):
    """Raise in an objective to stop a trial that ``should_prune()`` condemned.

    The trial ends in state "pruned" with its last reported values. Raising it
    without a pruner's decision prunes the trial too.
    """


def replicate_seed(run_seed: int, replicate: int) -> int:
    """Return the seed of evaluation ``replicate`` (0 for the first) in a run.

    Every configuration gets the same seed for the same replicate, so two
    configurations evaluated with the same seed are compared under the same
    randomness.
    """
    state = np.random.SeedSequence([run_seed, replicate]).generate_state(1)
    return int(state[0])


@dataclass(frozen=True)
class TrialContext:
    """The data a trial handle needs, sent with the trial to where it runs."""

    number: int
    seed: int
    replicate: int
    names: tuple[str, ...]
    signs: np.ndarray
    pruner: Pruner | None = None
    # Decision step -> (n, n_objectives) minimized values of other trials.
    tables: Mapping[int, np.ndarray] = field(default_factory=dict)
    # The last step of the longest complete trial told before, if any. A
    # trial that got this far has finished training, so it is not pruned.
    final_step: int | None = None


class TrialHandle:
    """The second argument of an objective ``objective(params, trial)``.

    Attributes
    ----------
    number : int
        The trial's number in the run.
    seed : int
        Seed for the objective's own randomness in this evaluation. Every
        configuration's first evaluation gets the same seed, its second
        evaluation (a re-evaluation) the same second seed, and so on, so
        configurations are compared under the same randomness.
    replicate : int
        0 for a trial's first evaluation, 1 and up for re-evaluations.
    intermediate_values : dict of {int: dict of {str: float}}
        The values reported so far, by step.
    """

    def __init__(self, context: TrialContext) -> None:
        self._context = context
        self.number = context.number
        self.seed = context.seed
        self.replicate = context.replicate
        self.intermediate_values: dict[int, dict[str, float]] = {}
        self._decided_upto = 0
        self._pruned = False

    def __repr__(self) -> str:
        return (
            f"TrialHandle(number={self.number}, replicate={self.replicate}, "
            f"last step={self.last_step})"
        )

    @property
    def last_step(self) -> int | None:
        """The highest step reported so far, or None."""
        return max(self.intermediate_values, default=None)

    @property
    def pruned(self) -> bool:
        """True once ``should_prune()`` returned True."""
        return self._pruned

    def report(self, step: int, values: Mapping[str, float]) -> None:
        """Record the values of some or all objectives after ``step``.

        Parameters
        ----------
        step : int
            A training step such as an epoch, at least 0. Steps must not
            decrease, and reporting a step again adds to its values.
        values : dict of {str: float}
            Finite values of objectives, in user units. An objective known
            from the start, such as model size, may be reported once.
        """
        if not is_integer(step) or isinstance(step, bool):
            raise TypeError(
                f"report step must be an int, got {step!r}; call "
                "trial.report(step, {objective: value})"
            )
        if step < 0:
            raise ValueError(f"report step must be an int >= 0, got {step!r}")
        last = self.last_step
        if last is not None and step < last:
            raise ValueError(
                f"report step {step} comes after step {last}; report steps in "
                "increasing order"
            )
        if not isinstance(values, Mapping):
            raise TypeError(
                f"report values must be a dict {{objective: value}}, got {values!r}"
            )
        checked = {}
        for name, value in values.items():
            if name not in self._context.names:
                raise ValueError(
                    f"report got {name!r}, which is not an objective; report "
                    f"objectives among {list(self._context.names)}"
                )
            if not is_finite_real(value):
                raise ValueError(
                    f"report value of {name!r} at step {step} must be a finite "
                    f"number, got {value!r}"
                )
            checked[name] = float(value)
        self.intermediate_values.setdefault(int(step), {}).update(checked)

    def should_prune(self) -> bool:
        """Return whether the pruner stops this trial at the last reported step.

        Without a pruner, or before any report, it returns False. It also
        returns False from the last step that a complete trial reached on,
        since training is over there. Once it returns True it keeps returning
        True. The objective should then raise ``moopt.TrialPruned``, or return
        early. A return that still has every objective counts as a complete
        trial, since it trained to the end anyway.
        """
        pruner = self._context.pruner
        last = self.last_step
        if self._pruned or pruner is None or last is None:
            return self._pruned
        context = self._context
        steps, rows = report_matrix(
            self.intermediate_values, context.names, context.signs
        )
        final = context.final_step
        for step in pruner.decision_steps(self._decided_upto, last):
            if final is not None and step >= final:
                break
            own = values_at(steps, rows, step)
            others = self._context.tables.get(step)
            if others is None:
                others = np.zeros((0, len(self._context.names)))
            if pruner.prune_minimized(own, others, self._context.names):
                self._pruned = True
                break
        self._decided_upto = last
        return self._pruned


def report_matrix(
    reports: Mapping[int, Mapping[str, float]],
    names: Sequence[str],
    signs: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Return a trial's reported steps and its minimized values at each.

    Row i contains each objective's latest report at or before ``steps[i]``,
    NaN where the objective was not reported yet.
    """
    steps = np.array(sorted(reports), dtype=np.int64)
    rows = np.full((len(steps), len(names)), np.nan)
    for i, step in enumerate(steps.tolist()):
        for column, name in enumerate(names):
            if name in reports[step]:
                rows[i, column] = reports[step][name]
    # Carry each objective's last report forward to later steps.
    reported = ~np.isnan(rows)
    latest = np.where(reported, np.arange(len(steps))[:, None], -1)
    latest = np.maximum.accumulate(latest, axis=0)
    carried = np.take_along_axis(rows, np.maximum(latest, 0), axis=0)
    carried[latest < 0] = np.nan
    return steps, carried * signs


def values_at(steps: np.ndarray, rows: np.ndarray, step: int) -> np.ndarray:
    """Return the row of ``report_matrix`` in force at ``step`` (NaN if none)."""
    index = int(np.searchsorted(steps, step, side="right")) - 1
    if index < 0:
        return np.full(rows.shape[1], np.nan)
    return rows[index]


@dataclass
class ReportHistory:
    """The reports of told trials, in the order they were told, for tables."""

    names: tuple[str, ...]
    signs: np.ndarray
    entries: list[tuple[int, np.ndarray, np.ndarray]] = field(default_factory=list)
    final_step: int | None = None
    # Indices into ``entries`` of complete trials.
    complete: list[int] = field(default_factory=list)

    def add(
        self, number: int, reports: Mapping[int, Mapping[str, float]], complete: bool
    ) -> None:
        if not reports:
            return
        steps, rows = report_matrix(reports, self.names, self.signs)
        if complete:
            self.complete.append(len(self.entries))
        self.entries.append((number, steps, rows))
        if complete:
            self.final_step = max(self.final_step or 0, int(steps[-1]))

    def tables(self, pruner: Pruner, window: int) -> dict[int, np.ndarray]:
        """Return {decision step: values of the last ``window`` trials there}."""
        if not self.entries:
            return {}
        highest = max(int(steps[-1]) for _, steps, _ in self.entries)
        tables = {}
        threshold = pruner.min_rank_correlation
        pruned_on = pruner.objective_mask(self.names)
        for step in pruner.decision_steps(0, highest):
            if threshold is not None and not self.predictive(
                step, window, threshold, pruned_on
            ):
                continue
            rows = []
            for _, steps, matrix in reversed(self.entries):
                if steps[-1] >= step:
                    rows.append(values_at(steps, matrix, step))
                    if len(rows) == window:
                        break
            if rows:
                tables[step] = np.array(rows[::-1])
        return tables

    def predictive(
        self, step: int, window: int, threshold: float, columns: np.ndarray
    ) -> bool:
        """Return whether values at ``step`` rank recent complete trials as
        their final values do.

        That is a Spearman rank correlation of at least ``threshold`` for
        every objective of the ``columns`` mask whose values vary, over the
        last ``window`` complete
        trials. With fewer than ``MIN_CHECKED_TRIALS`` of them there is no
        evidence either way, and decisions go ahead.
        """
        recent = self.complete[-window:]
        if len(recent) < MIN_CHECKED_TRIALS:
            return True
        at_step = np.array([values_at(*self.entries[i][1:], step) for i in recent])
        final = np.array([self.entries[i][2][-1] for i in recent])
        for column in np.flatnonzero(columns):
            x, y = at_step[:, column], final[:, column]
            usable = ~(np.isnan(x) | np.isnan(y))
            x, y = x[usable], y[usable]
            if len(x) < MIN_CHECKED_TRIALS or np.ptp(x) == 0 or np.ptp(y) == 0:
                continue
            rx = np.argsort(np.argsort(x)).astype(float)
            ry = np.argsort(np.argsort(y)).astype(float)
            if np.corrcoef(rx, ry)[0, 1] < threshold:
                return False
        return True


def last_values(
    reports: Mapping[int, Mapping[str, float]], names: Sequence[str]
) -> dict[str, Any]:
    """Return each objective's latest reported value, leaving out the unreported."""
    values: dict[str, Any] = {}
    for step in sorted(reports):
        values.update({k: v for k, v in reports[step].items() if k in names})
    return values
