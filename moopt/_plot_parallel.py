"""The data of parallel-coordinates plots: positions, ticks and titles."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from moopt._plot_data import objective_indices
from moopt._space import Categorical, Float, Int, same_choice
from moopt._trial import Result, Trial
from moopt._validation import (
    is_integer,
    is_real,
)

# ------------------------------------------------------ parallel coordinates


@dataclass(frozen=True)
class ParallelCoordinates:
    """Lines of a parallel-coordinates plot, one row per complete trial.

    ``positions`` has shape (n_trials, n_axes) with values in [0, 1]. Each
    axis has a title and tick positions with their labels in user units.
    """

    titles: list[str]
    positions: np.ndarray
    highlighted: np.ndarray
    ticks: list[np.ndarray]
    tick_labels: list[list[str]]


def parallel_coordinates(
    result: Result,
    params: Sequence[str] | None,
    objectives: Sequence[int | str] | None,
    highlight: str | Sequence[Trial] | None,
    objective_range: str = "all",
) -> ParallelCoordinates:
    """Normalize each chosen parameter and objective of the complete trials.

    Parameters take their bounds and scale from ``result.space``: a log-scale
    Float or Int is spaced by the log of its value, an Int is ticked on its
    grid, and a Categorical puts its choices at even steps. Without a space,
    parameters whose values are all numbers span their observed range
    linearly and the others are categorical in order of appearance. An
    objective spans the range of all complete trials, or with
    ``objective_range="highlighted"`` that of the highlighted ones, and
    values outside it sit at the nearer end. Its best value is at 1.
    """
    if not isinstance(result, Result):
        raise TypeError(f"result must be a moopt Result, got {type(result).__name__}")
    if objective_range not in ("all", "highlighted"):
        raise ValueError(
            f"objective_range must be 'all' or 'highlighted', got {objective_range!r}"
        )
    if objective_range == "highlighted" and highlight is None:
        raise ValueError(
            "objective_range='highlighted' needs highlighted trials; pass "
            "highlight='pareto_set' or a sequence of trials, or keep "
            "objective_range='all'"
        )
    trials = [trial for trial in result.trials if trial.state == "complete"]
    highlighted = _highlight_mask(result, trials, highlight)
    # With no trial highlighted, for example when the Pareto set is empty
    # because no trial is feasible, the objective axes span every trial.
    if objective_range == "highlighted" and highlighted.any():
        spanned = highlighted
    else:
        spanned = np.ones(len(trials), dtype=bool)
    space = result.space or {}
    param_names = list(params) if params is not None else _param_names(result)
    for name in param_names:
        if not any(name in trial.params for trial in result.trials):
            raise ValueError(
                f"unknown parameter {name!r}; choose from {_param_names(result)}"
            )
    names = list(result.objective_names)
    columns = objective_indices(objectives if objectives is not None else names, names)
    if not param_names and not columns:
        raise ValueError("choose at least one parameter or objective to draw")
    titles, positions, ticks, tick_labels = [], [], [], []
    for name in param_names:
        values = [trial.params[name] for trial in trials]
        position, tick, labels = _param_axis(space.get(name), values)
        titles.append(name)
        positions.append(position)
        ticks.append(tick)
        tick_labels.append(labels)
    objective_values = result.values(tuple(trials))
    for column in columns:
        if not 0 <= column < len(names):
            raise ValueError(f"objective index {column} is not below {len(names)}")
        maximize = result.directions[column] == "maximize"
        column_values = objective_values[:, column]
        position, tick, labels = _objective_axis(
            column_values, column_values[spanned], maximize
        )
        titles.append(f"{names[column]} ({'max' if maximize else 'min'})")
        positions.append(position)
        ticks.append(tick)
        tick_labels.append(labels)
    return ParallelCoordinates(
        titles=titles,
        positions=np.column_stack(positions).reshape(len(trials), len(titles)),
        highlighted=highlighted,
        ticks=ticks,
        tick_labels=tick_labels,
    )


def _param_names(result: Result) -> list[str]:
    if result.space is not None:
        return list(result.space)
    return list(result.trials[0].params) if result.trials else []


def _highlight_mask(
    result: Result, trials: list[Trial], highlight: str | Sequence[Trial] | None
) -> np.ndarray:
    if highlight is None:
        chosen: set[int] = set()
    elif isinstance(highlight, str):
        if highlight != "pareto_set":
            raise ValueError(
                f"highlight must be 'pareto_set', a sequence of trials or None, got "
                f"{highlight!r}"
            )
        chosen = {trial.number for trial in result.pareto_set}
    else:
        chosen = _own_trial_numbers(result, highlight)
    return np.array([trial.number in chosen for trial in trials], dtype=bool)


def _own_trial_numbers(result: Result, highlight: object) -> set[int]:
    """Return the numbers of the given trials, each checked to be in ``result``."""
    if isinstance(highlight, Trial):
        raise TypeError(
            f"highlight must be a sequence of trials, got the single trial "
            f"{highlight.number}; wrap it in a list"
        )
    if not isinstance(highlight, Sequence):
        raise TypeError(
            "highlight must be 'pareto_set', a sequence of trials or None, got "
            f"{type(highlight).__name__}"
        )
    own = {trial.number: trial for trial in result.trials}
    numbers = set()
    for trial in highlight:
        if not isinstance(trial, Trial):
            raise TypeError(f"highlight must contain Trials, got {trial!r}")
        match = own.get(trial.number)
        if (
            match is None
            or match.params != trial.params
            or match.values != trial.values
        ):
            raise ValueError(
                f"highlighted trial {trial.number} is not a trial of this result; "
                "pass trials from result.trials, result.pareto_set or "
                "moopt.select(result)"
            )
        numbers.add(trial.number)
    return numbers


def _param_axis(
    dimension: Float | Int | Categorical | None, values: list[Any]
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Return (positions in [0, 1], tick positions, tick labels) of one parameter."""
    if isinstance(dimension, Categorical):
        return _categorical_axis(list(dimension.choices), values)
    if isinstance(dimension, Float | Int):
        array = np.array(values, dtype=np.float64)
        integer = isinstance(dimension, Int)
        if dimension.log:
            return _log_axis(array, dimension.low, dimension.high, integer)
        step = dimension.step if isinstance(dimension, Int) else None
        return _linear_axis(array, dimension.low, dimension.high, step)
    if all(is_real(value) for value in values):
        array = np.array(values, dtype=np.float64)
        low, high = (array.min(), array.max()) if len(array) else (0.0, 1.0)
        integer = all(is_integer(value) for value in values)
        return _linear_axis(array, low, high, 1 if integer else None)
    choices: list[Any] = []
    for value in values:
        if not any(same_choice(value, choice) for choice in choices):
            choices.append(value)
    return _categorical_axis(choices, values)


def _linear_axis(
    values: np.ndarray, low: float, high: float, step: int | None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Place values on [low, high] linearly, with ticks on the grid of ``step``."""
    # Imported here so that ``import moopt`` does not load matplotlib.
    from matplotlib.ticker import MaxNLocator

    if high == low:
        return (
            np.full(len(values), 0.5),
            np.array([0.5]),
            format_ticks([low], step is not None),
        )
    if step is None:
        nice = np.asarray(MaxNLocator(nbins=4).tick_values(low, high))
    else:
        n_steps = round((high - low) / step)
        grid = np.asarray(MaxNLocator(nbins=4, integer=True).tick_values(0, n_steps))
        nice = low + np.round(grid) * step
    ticks = _with_bounds(nice, (nice - low) / (high - low), low, high)
    return (
        (values - low) / (high - low),
        (ticks - low) / (high - low),
        format_ticks(ticks, step is not None),
    )


def _log_axis(
    values: np.ndarray, low: float, high: float, integer: bool
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Place values on [low, high] by their log, with ticks at powers of ten."""
    from matplotlib.ticker import LogLocator

    if high == low:
        return np.full(len(values), 0.5), np.array([0.5]), format_ticks([low], integer)
    span = math.log(high) - math.log(low)
    decades = np.asarray(LogLocator(base=10).tick_values(low, high))
    ticks = _with_bounds(decades, (np.log(decades) - math.log(low)) / span, low, high)
    if len(ticks) == 2:
        middle = math.sqrt(low * high)
        ticks = np.array([low, round(middle) if integer else middle, high])
    return (
        (np.log(values) - math.log(low)) / span,
        (np.log(ticks) - math.log(low)) / span,
        format_ticks(ticks, integer),
    )


def _categorical_axis(
    choices: list[Any], values: list[Any]
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Place the choices at even steps on [0, 1], one at 0.5 when alone."""
    steps = max(len(choices) - 1, 1)
    ticks = np.arange(len(choices)) / steps if len(choices) > 1 else np.array([0.5])
    indices = []
    for value in values:
        matches = [i for i, choice in enumerate(choices) if same_choice(choice, value)]
        if not matches:
            raise ValueError(f"value {value!r} is not one of the choices {choices}")
        indices.append(matches[0])
    return ticks[np.array(indices, dtype=np.intp)], ticks, [str(c) for c in choices]


def _objective_axis(
    values: np.ndarray, in_range: np.ndarray, maximize: bool
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Place objective values on the range of ``in_range``, the best value at 1.

    Values outside the range are clipped to its ends. When the range is one
    value, that value sits at 0.5 and the others at the end they lie toward.
    """
    low, high = (in_range.min(), in_range.max()) if len(in_range) else (0.0, 1.0)
    if high == low:
        positions = 0.5 + 0.5 * np.sign(values - low)
        ticks, labels = np.array([0.5]), format_ticks([low], False)
    else:
        positions, ticks, labels = _linear_axis(values, low, high, None)
        positions = np.clip(positions, 0.0, 1.0)
    if maximize:
        return positions, ticks, labels
    return 1.0 - positions, 1.0 - ticks, labels


def _with_bounds(
    ticks: np.ndarray, positions: np.ndarray, low: float, high: float
) -> np.ndarray:
    """Return ``low``, the ticks not crowding either bound, and ``high``."""
    inner = ticks[(positions > 0.08) & (positions < 0.92)]
    return np.concatenate([[low], inner, [high]])


def format_ticks(values: Sequence[float] | np.ndarray, integer: bool) -> list[str]:
    """Format the tick values of one axis in one notation.

    Every tick is a plain number when each nonzero tick lies in [1e-3, 1e4),
    with 3 significant digits but every digit of its integer part, as in
    "0.025", "12.5" and "4084". Otherwise every tick of the axis is in
    scientific notation, as in "2.5e4" or "1e-5". When 3 digits would give
    two different ticks the same label, more digits are used, up to 8.
    """
    array = np.asarray(values, dtype=np.float64)
    magnitudes = np.abs(array[array != 0])
    plain = len(magnitudes) == 0 or (
        magnitudes.min() >= 1e-3 and magnitudes.max() < 1e4
    )
    n_distinct = len(np.unique(array))
    for digits in range(3, 9):
        if plain:
            labels = [_plain_number(v, digits, integer) for v in array]
        else:
            labels = [_scientific_number(v, digits) for v in array]
        if len(set(labels)) == n_distinct:
            break
    return labels


def _plain_number(value: float, digits: int, integer: bool) -> str:
    if integer:
        return str(round(value))
    if value == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return np.format_float_positional(round(value, decimals), trim="-")


def _scientific_number(value: float, digits: int) -> str:
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"
