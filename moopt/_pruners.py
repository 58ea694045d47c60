"""Pruners: rules that stop unpromising trials from their intermediate values.

A trial reports its values per step (an epoch, say). At the steps where a
pruner decides, the optimizer compares the trial's values with those of other
recent trials at the same step, and stops the trial when the pruner returns
True.
Both pruners here are multi-objective: they order trials by Pareto rank, and
successive halving also by crowding distance, never by a single value.

The optimizer calls three methods. ``check_objectives`` runs once, before the
first evaluation. ``decision_steps`` returns the steps at which to decide, and
``prune_minimized`` takes the values at one such step, with every objective
already turned into a minimization. ``decide`` makes the same decision in user
units and directions. A pruner holds only its settings, so it pickles and
travels to worker processes and Dask workers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from moopt._sorting import front_crowding, nondominated_rank
from moopt._validation import DIRECTIONS, is_integer, is_real


class Pruner:
    """Base class of the pruners: the settings and input handling they share.

    Parameters
    ----------
    window : int or None, default None
        How many of the most recent trials at a step a decision compares with.
        None leaves the choice to the optimizer (two populations of trials).
    objectives : sequence of str or None, default None
        Names of the objectives to prune on. None prunes on all of them.
    min_rank_correlation : float or None, default 0.8
        Decide at a step only while values there rank the recent complete
        trials as their final values do: a Spearman rank correlation of at
        least this much for every objective pruned on whose values vary.
        Where learning curves cross, early values favour fast starters that
        finish worse, and this check turns such steps off. The optimizer
        applies it, from the trials told before a trial was asked, once at
        least 5 complete trials reached the step; ``decide`` does not. None
        always decides.

    Notes
    -----
    A subclass implements ``decision_steps`` and ``_prune_complete``. The base
    class picks the columns of ``objectives``, leaves out values that are not
    reported yet, and converts user units for ``decide``.
    """

    def __init__(
        self,
        *,
        window: int | None = None,
        objectives: Sequence[str] | None = None,
        min_rank_correlation: float | None = 0.8,
    ) -> None:
        self._window = _check_window(window, type(self).__name__)
        self._objectives = _check_objective_subset(objectives, type(self).__name__)
        self._min_rank_correlation = _check_correlation(
            min_rank_correlation, type(self).__name__
        )

    @property
    def window(self) -> int | None:
        """Number of recent trials a decision compares with, or None to let the
        optimizer choose."""
        return self._window

    @property
    def objectives(self) -> tuple[str, ...] | None:
        """Names of the objectives pruned on, or None for all of them."""
        return self._objectives

    @property
    def min_rank_correlation(self) -> float | None:
        """Rank correlation with final values a step needs for decisions there."""
        return self._min_rank_correlation

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._settings_text()})"

    def _settings_text(self) -> str:
        objectives = None if self._objectives is None else list(self._objectives)
        return (
            f"window={self._window!r}, objectives={objectives!r}, "
            f"min_rank_correlation={self._min_rank_correlation!r}"
        )

    def decision_steps(self, after: int, upto: int) -> list[int]:
        """Return the steps ``s`` with ``after < s <= upto`` at which the pruner
        decides, in ascending order."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement decision_steps"
        )

    def _prune_complete(self, own: np.ndarray, others: np.ndarray) -> bool:
        """Return True to stop the trial, given minimized values without NaN.

        ``own`` has shape (m,) and ``others`` shape (n, m), with m >= 1 and
        n >= 0.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement _prune_complete"
        )

    def objective_mask(self, names: Sequence[str]) -> np.ndarray:
        """Return a bool mask of the objectives in ``names`` pruned on."""
        return self._columns(names)

    def check_objectives(self, names: Sequence[str]) -> None:
        """Raise ValueError unless every objective pruned on is in ``names``.

        ``names`` are the objective names of the run, distinct strings.
        """
        self._columns(names)

    def prune_minimized(
        self, own: np.ndarray, others: np.ndarray, names: Sequence[str]
    ) -> bool:
        """Return True when the trial should stop, from minimized values at a step.

        Parameters
        ----------
        own : array of shape (n_objectives,)
            The trial's values, NaN for an objective it has not reported yet.
        others : array of shape (n_others, n_objectives)
            The other trials' values at the same step, NaN where not reported.
        names : sequence of str
            The objective name of each column.

        Notes
        -----
        Only the columns named in ``objectives`` count, and of those only the
        ones the trial reported. Rows of ``others`` with NaN in a remaining
        column are left out. With no column left, the trial continues. The
        inputs are not modified.
        """
        columns = self._columns(names)
        own_array, others_array = _check_minimized(own, others, len(columns))
        selected = np.flatnonzero(columns)
        selected = selected[~np.isnan(own_array[selected])]
        if len(selected) == 0:
            return False
        own_values = own_array[selected]
        other_values = others_array[:, selected]
        complete = ~np.isnan(other_values).any(axis=1)
        return bool(self._prune_complete(own_values, other_values[complete]))

    def decide(
        self,
        step: int,
        values: Mapping[str, float],
        table: Sequence[Mapping[str, float]],
        directions: Mapping[str, str],
    ) -> bool:
        """Return True when a trial with ``values`` at ``step`` should stop.

        The same decision as ``prune_minimized``, in user units and directions.

        Parameters
        ----------
        step : int
            The step of the values. At a step that is not a decision step
            (see ``decision_steps``), ``decide`` returns False.
        values : mapping of str to float
            The trial's values at ``step``. An objective that is missing, or
            NaN, counts as not reported yet.
        table : sequence of mappings of str to float
            The other trials' values at ``step``, one mapping per trial, with
            missing or NaN values read the same way.
        directions : mapping of str to {"minimize", "maximize"}
            Every objective of the run and its direction.
        """
        if not is_integer(step):
            raise TypeError(f"step must be an int, got {step!r}")
        names, signs = _check_direction_map(directions)
        self.check_objectives(names)
        own = _value_row(values, names, "values")
        if isinstance(table, str | Mapping) or not isinstance(table, Sequence):
            raise TypeError(
                "table must be a list of mappings {objective name: value}, one per "
                f"other trial, got {type(table).__name__}"
            )
        others = np.full((len(table), len(names)), np.nan)
        for index, row in enumerate(table):
            others[index] = _value_row(row, names, f"table[{index}]")
        if int(step) not in self.decision_steps(int(step) - 1, int(step)):
            return False
        return self.prune_minimized(own * signs, others * signs, names)

    def _columns(self, names: Sequence[str]) -> np.ndarray:
        """Return a boolean mask over ``names`` of the objectives pruned on."""
        if isinstance(names, str) or not isinstance(names, Sequence):
            raise TypeError(f"objective names must be a list of strings, got {names!r}")
        if not all(isinstance(name, str) for name in names):
            raise TypeError(f"objective names must be strings, got {list(names)!r}")
        if len(set(names)) != len(names):
            raise ValueError(f"objective names must be distinct, got {list(names)!r}")
        if self._objectives is None:
            return np.ones(len(names), dtype=bool)
        unknown = [name for name in self._objectives if name not in names]
        if unknown:
            raise ValueError(
                f"{type(self).__name__} objectives {unknown!r} are not objectives of "
                f"the run, which are {list(names)!r}; pass names from those or "
                "objectives=None"
            )
        return np.array([name in self._objectives for name in names], dtype=bool)


class SuccessiveHalvingPruner(Pruner):
    """Successive halving on Pareto rank and crowding distance.

    Rungs are the steps ``min_step * reduction_factor**k`` for k = 0, 1, ....
    At a rung, the trial and the other trials with values at that rung are
    ordered by Pareto rank, then by crowding distance within a front (larger
    first). The trial's position is the number of other trials strictly ahead
    of it, so ties go in its favour. It continues when its position is below
    ``max(1, (n_others + 1) // reduction_factor)``: the top
    ``1 / reduction_factor``, and always the best trial. A trial that is the
    first at its rung continues.

    Parameters
    ----------
    min_step : int, default 1
        The first rung, at least 1.
    reduction_factor : int, default 3
        At least 2. Each rung keeps about ``1 / reduction_factor`` of the trials
        and rungs are ``reduction_factor`` times apart.
    window, objectives, min_rank_correlation
        As in ``Pruner``.
    """

    def __init__(
        self,
        min_step: int = 1,
        reduction_factor: int = 3,
        *,
        window: int | None = None,
        objectives: Sequence[str] | None = None,
        min_rank_correlation: float | None = 0.8,
    ) -> None:
        super().__init__(
            window=window,
            objectives=objectives,
            min_rank_correlation=min_rank_correlation,
        )
        self._min_step = _check_int(
            self,
            min_step,
            "min_step",
            1,
            "the first rung, such as the first reported step",
        )
        self._reduction_factor = _check_int(
            self,
            reduction_factor,
            "reduction_factor",
            2,
            "2 keeps the best half at each rung, 3 the best third",
        )

    @property
    def min_step(self) -> int:
        """The first rung."""
        return self._min_step

    @property
    def reduction_factor(self) -> int:
        """The inverse of the share of trials kept at each rung."""
        return self._reduction_factor

    def _settings_text(self) -> str:
        return (
            f"min_step={self._min_step}, reduction_factor={self._reduction_factor}, "
            + super()._settings_text()
        )

    def decision_steps(self, after: int, upto: int) -> list[int]:
        """Return the rungs ``s`` with ``after < s <= upto``, ascending."""
        after, upto = _check_step_range(after, upto)
        steps = []
        rung = self._min_step
        while rung <= upto:
            if rung > after:
                steps.append(rung)
            rung *= self._reduction_factor
        return steps

    def _prune_complete(self, own: np.ndarray, others: np.ndarray) -> bool:
        points = np.vstack((own[None, :], others))
        ranks = nondominated_rank(points)
        crowding = front_crowding(points, ranks)
        ahead = (ranks[1:] < ranks[0]) | (
            (ranks[1:] == ranks[0]) & (crowding[1:] > crowding[0])
        )
        n_kept = max(1, len(points) // self._reduction_factor)
        return int(np.count_nonzero(ahead)) >= n_kept


class MedianPruner(Pruner):
    """The median rule on Pareto ranks.

    At a decision step, the trial and the other trials with values at that
    step are ranked together by non-dominated sorting. The trial stops when
    its rank is greater than the median of the other trials' ranks (the mean
    of the two middle ranks for an even count). With fewer than
    ``min_trials`` other trials it continues.

    Decision steps are ``warmup_steps + k * interval_steps`` for k = 1, 2, ...:
    no decision at or before ``warmup_steps``, then one every
    ``interval_steps`` steps.

    Parameters
    ----------
    warmup_steps : int, default 0
        Steps at the start without any decision, at least 0.
    interval_steps : int, default 1
        Steps between decisions, at least 1.
    min_trials : int, default 5
        Minimum number of other trials at a step for a decision, at least 1.
    window, objectives, min_rank_correlation
        As in ``Pruner``.
    """

    def __init__(
        self,
        *,
        warmup_steps: int = 0,
        interval_steps: int = 1,
        min_trials: int = 5,
        window: int | None = None,
        objectives: Sequence[str] | None = None,
        min_rank_correlation: float | None = 0.8,
    ) -> None:
        super().__init__(
            window=window,
            objectives=objectives,
            min_rank_correlation=min_rank_correlation,
        )
        self._warmup_steps = _check_int(
            self, warmup_steps, "warmup_steps", 0, "0 allows a decision from step 1"
        )
        self._interval_steps = _check_int(
            self, interval_steps, "interval_steps", 1, "1 decides at every step"
        )
        self._min_trials = _check_int(
            self, min_trials, "min_trials", 1, "1 decides once one other trial is there"
        )

    @property
    def warmup_steps(self) -> int:
        """Steps at the start without any decision."""
        return self._warmup_steps

    @property
    def interval_steps(self) -> int:
        """Steps between decisions."""
        return self._interval_steps

    @property
    def min_trials(self) -> int:
        """Minimum number of other trials at a step for a decision."""
        return self._min_trials

    def _settings_text(self) -> str:
        return (
            f"warmup_steps={self._warmup_steps}, "
            f"interval_steps={self._interval_steps}, "
            f"min_trials={self._min_trials}, " + super()._settings_text()
        )

    def decision_steps(self, after: int, upto: int) -> list[int]:
        """Return the decision steps ``s`` with ``after < s <= upto``, ascending."""
        after, upto = _check_step_range(after, upto)
        # Smallest k >= 1 with warmup_steps + k * interval_steps > after.
        first_k = max(1, (after - self._warmup_steps) // self._interval_steps + 1)
        first = self._warmup_steps + first_k * self._interval_steps
        return list(range(first, upto + 1, self._interval_steps))

    def _prune_complete(self, own: np.ndarray, others: np.ndarray) -> bool:
        if len(others) < self._min_trials:
            return False
        ranks = nondominated_rank(np.vstack((own[None, :], others)))
        return bool(ranks[0] > np.median(ranks[1:]))


def _check_int(owner: Pruner, value: object, name: str, minimum: int, hint: str) -> int:
    label = f"{type(owner).__name__} {name}"
    if not is_integer(value):
        raise TypeError(f"{label} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{label} must be at least {minimum}, got {value} ({hint})")
    return int(value)


def _check_window(window: object, owner: str) -> int | None:
    if window is None:
        return None
    if not is_integer(window):
        raise TypeError(
            f"{owner} window must be an int or None, got {window!r}; None lets the "
            "optimizer choose"
        )
    if window < 1:
        raise ValueError(
            f"{owner} window must be at least 1 trial, got {window}; pass None to "
            "let the optimizer choose"
        )
    return int(window)


def _check_objective_subset(objectives: object, owner: str) -> tuple[str, ...] | None:
    if objectives is None:
        return None
    if isinstance(objectives, str):
        raise TypeError(
            f"{owner} objectives must be a list of names, got the string "
            f"{objectives!r}; pass [{objectives!r}]"
        )
    if not isinstance(objectives, Sequence):
        raise TypeError(
            f"{owner} objectives must be a list of names or None, got {objectives!r}"
        )
    if len(objectives) == 0:
        raise ValueError(
            f"{owner} objectives is empty; name at least one objective or pass None "
            "to prune on all of them"
        )
    for name in objectives:
        if not isinstance(name, str):
            raise TypeError(
                f"{owner} objectives must be names (strings), got {name!r} in "
                f"{list(objectives)!r}"
            )
    if len(set(objectives)) != len(objectives):
        raise ValueError(
            f"{owner} objectives lists a name twice: {list(objectives)!r}; list each "
            "objective once"
        )
    return tuple(objectives)


def _check_step_range(after: int, upto: int) -> tuple[int, int]:
    for name, value in (("after", after), ("upto", upto)):
        if not is_integer(value):
            raise TypeError(f"decision_steps {name} must be an int, got {value!r}")
    return int(after), int(upto)


def _check_minimized(
    own: object, others: object, n_objectives: int
) -> tuple[np.ndarray, np.ndarray]:
    own_array = np.asarray(own, dtype=np.float64)
    others_array = np.asarray(others, dtype=np.float64)
    if own_array.shape != (n_objectives,):
        raise ValueError(
            f"own must have shape ({n_objectives},), one value per objective name, "
            f"got {own_array.shape}"
        )
    if others_array.ndim != 2 or others_array.shape[1] != n_objectives:
        raise ValueError(
            f"others must have shape (n_others, {n_objectives}), one row per other "
            f"trial, got {others_array.shape}; pass np.empty((0, {n_objectives})) "
            "for none"
        )
    return own_array, others_array


def _check_direction_map(directions: object) -> tuple[list[str], np.ndarray]:
    """Return (names, sign vector) from ``{name: direction}``."""
    if not isinstance(directions, Mapping):
        raise TypeError(
            "directions must be a dict {objective name: 'minimize' | 'maximize'}, "
            f"got {directions!r}"
        )
    if not directions:
        raise ValueError("directions is empty; give every objective a direction")
    for name, direction in directions.items():
        if direction not in DIRECTIONS:
            raise ValueError(
                f"directions[{name!r}] is {direction!r}; use 'minimize' or 'maximize'"
            )
    names = list(directions)
    signs = np.array([1.0 if directions[n] == "minimize" else -1.0 for n in names])
    return names, signs


def _value_row(row: object, names: list[str], label: str) -> np.ndarray:
    """Return ``row`` as values in the order of ``names``, NaN where missing."""
    if not isinstance(row, Mapping):
        raise TypeError(
            f"{label} must be a mapping {{objective name: value}}, got {row!r}"
        )
    unknown = [name for name in row if name not in names]
    if unknown:
        raise ValueError(
            f"{label} has values for {unknown!r}, which are not objectives; the "
            f"objectives are {names!r}"
        )
    array = np.full(len(names), np.nan)
    for index, name in enumerate(names):
        if name in row:
            value = row[name]
            if not is_real(value):
                raise TypeError(f"{label}[{name!r}] must be a number, got {value!r}")
            array[index] = float(value)
    return array


def _check_correlation(value: object, owner: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not is_real(value):
        raise TypeError(
            f"{owner} min_rank_correlation must be a number in [-1, 1] or None, "
            f"got {value!r}"
        )
    if not -1.0 <= value <= 1.0:
        raise ValueError(
            f"{owner} min_rank_correlation must be in [-1, 1], got {value!r}; "
            "None turns the check off"
        )
    return float(value)
