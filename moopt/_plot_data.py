"""The arrays each plot draws, computed without matplotlib drawing anything.

Every plotting function in ``moopt.plotting`` calls one of these helpers and
only renders what it returns, so the data can be tested on its own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import moocore
import numpy as np

from moopt._sorting import pareto_mask
from moopt._space import Categorical, Float, Int, same_choice
from moopt._trial import Result, Trial
from moopt._validation import (
    check_directions,
    check_point,
    check_values,
    is_integer,
    is_real,
)

# ------------------------------------------------------------- Pareto fronts


@dataclass(frozen=True)
class FrontRun:
    """One run to draw on a front plot, in the user's units and directions."""

    label: str
    front: np.ndarray
    others: np.ndarray
    infeasible: np.ndarray


@dataclass(frozen=True)
class FrontRuns:
    """The runs of a front plot and the objectives they share."""

    runs: list[FrontRun]
    names: list[str]
    directions: list[str]
    single: bool


def is_one_point_set(data: object) -> bool:
    """Return True for one Result or one array, False for a sequence of them."""
    if isinstance(data, Result | np.ndarray):
        return True
    if isinstance(data, Mapping) or not isinstance(data, Sequence) or not data:
        return False
    first = data[0]
    return not isinstance(first, Result) and _ndim(first) < 2


def _ndim(data: object) -> int:
    """Return the number of array dimensions of ``data``, -1 for ragged data."""
    try:
        return int(np.ndim(data))
    except ValueError:
        return -1


def front_runs(data: object, directions: Sequence[str] | None) -> FrontRuns:
    """Split each run into its Pareto front and its other complete points.

    ``data`` is a Result, an array, a sequence of them or a mapping
    ``{label: Result or array}``. For a Result the other points are its
    complete trials outside the Pareto set, dominated or infeasible. For an
    array they are its dominated points under ``directions``, which default to
    the Results' directions, or to minimizing every objective.
    """
    single = is_one_point_set(data)
    if single:
        items = [("Pareto front", data)]
    elif isinstance(data, Mapping):
        items = [(str(label), run) for label, run in data.items()]
    elif isinstance(data, Sequence) and not isinstance(data, str | bytes):
        items = [(f"run {i + 1}", run) for i, run in enumerate(data)]
    else:
        raise TypeError(
            "expected a Result, an array, a sequence of them or a dict "
            f"{{label: Result or array}}, got {type(data).__name__}"
        )
    if not items:
        raise ValueError("no runs to draw; pass at least one Result or array")
    results = [run for _, run in items if isinstance(run, Result)]
    if results and directions is not None:
        raise ValueError("directions come from the Result; drop the argument")
    names, run_directions = _shared_objectives(results)
    runs = []
    for label, run in items:
        if isinstance(run, Result):
            if not run.feasible:
                # Its Pareto set holds the least infeasible trials instead.
                label = (
                    "least infeasible trials (none feasible)"
                    if single
                    else f"{label} (none feasible)"
                )
            members = {trial.number for trial in run.pareto_set}
            outside = [t for t in run.trials if t.number not in members]
            others = tuple(t for t in outside if t.feasible)
            infeasible = tuple(t for t in outside if not t.feasible)
            runs.append(
                FrontRun(
                    label,
                    run.pareto_front,
                    run.values(others),
                    run.values(infeasible),
                )
            )
            continue
        values = check_values(run)
        if run_directions is None:
            run_directions = list(directions or ["minimize"] * values.shape[1])
        on_front = pareto_mask(values, run_directions)
        no_points = np.empty((0, values.shape[1]))
        runs.append(FrontRun(label, values[on_front], values[~on_front], no_points))
    n_objectives = {run.front.shape[1] for run in runs}
    if len(n_objectives) > 1:
        raise ValueError(
            f"the runs have different numbers of objectives {sorted(n_objectives)}; "
            "compare runs of the same problem"
        )
    n = n_objectives.pop()
    assert run_directions is not None
    if names is None:
        names = [f"f{j + 1}" for j in range(n)]
    check_directions(run_directions, n)
    return FrontRuns(runs, names, list(run_directions), single)


def _shared_objectives(
    results: list[Result],
) -> tuple[list[str] | None, list[str] | None]:
    """Return the objective names and directions every Result shares."""
    if not results:
        return None, None
    names = list(results[0].objective_names)
    directions = list(results[0].directions)
    for result in results[1:]:
        if (
            list(result.objective_names) != names
            or list(result.directions) != directions
        ):
            raise ValueError(
                f"results optimize different objectives: {names} {directions} and "
                f"{list(result.objective_names)} {list(result.directions)}"
            )
    return names, directions


def objective_indices(
    objectives: Sequence[int | str], names: Sequence[str]
) -> list[int]:
    """Return column indices for distinct objectives given by index or by name.

    Callers check the indices against the number of objectives, because each
    plot states its own limit in its error message.
    """
    if isinstance(objectives, str) or not isinstance(objectives, Sequence | np.ndarray):
        raise TypeError(
            "objectives must be a sequence of int or str such as [0, 1] or "
            f"{list(names[:2])!r}, got {objectives!r}"
        )
    indices = []
    for objective in objectives:
        if isinstance(objective, str):
            if objective not in names:
                raise ValueError(
                    f"unknown objective {objective!r}; choose from {list(names)}"
                )
            index = list(names).index(objective)
        elif is_integer(objective):
            index = int(objective)
        else:
            raise TypeError(
                f"objectives must be int or str, got {objective!r} in {objectives!r}"
            )
        if index in indices:
            repeated = names[index] if 0 <= index < len(names) else index
            raise ValueError(
                f"objectives {list(objectives)!r} choose objective {repeated!r} twice; "
                "choose distinct objectives"
            )
        indices.append(index)
    return indices


def front_columns(
    objectives: Sequence[int | str] | None, names: list[str], n_objectives: int
) -> list[int]:
    """Return the 2 or 3 columns a front plot draws.

    Without ``objectives``, a problem of 2 or 3 objectives is drawn whole. A
    problem of more needs a choice, because in a projection on the first two
    objectives many front points look dominated.
    """
    if n_objectives < 2:
        raise ValueError(
            f"plot_pareto_front needs at least 2 objectives, got {n_objectives}"
        )
    if objectives is None:
        if n_objectives > 3:
            raise ValueError(
                f"plot_pareto_front draws 2 or 3 objectives, but there are "
                f"{n_objectives}; pass objectives=[i, j] or [i, j, k] to choose "
                "them, or draw every pair with plot_pairwise"
            )
        return list(range(n_objectives))
    columns = objective_indices(objectives, names)
    if len(columns) not in (2, 3) or not all(0 <= j < n_objectives for j in columns):
        raise ValueError(
            f"objectives must be 2 or 3 column indices below {n_objectives}, got "
            f"{list(objectives)!r}"
        )
    return columns


def axis_labels(
    labels: Sequence[str] | None, data: FrontRuns, columns: Sequence[int]
) -> list[str]:
    """Return one axis label per drawn column, by default "name (direction)"."""
    if labels is None:
        return [f"{data.names[j]} ({data.directions[j]})" for j in columns]
    if (
        isinstance(labels, str)
        or not isinstance(labels, Sequence)
        or not all(isinstance(label, str) for label in labels)
    ):
        raise TypeError(
            f"labels must be a sequence of str, one per drawn objective, got {labels!r}"
        )
    if len(labels) != len(columns):
        raise ValueError(
            f"labels must have one entry per drawn objective: expected "
            f"{len(columns)}, got {len(labels)} ({list(labels)!r})"
        )
    return list(labels)


def true_front_line(true_front: object, columns: Sequence[int], n: int) -> np.ndarray:
    """Return the chosen columns of a known front, sorted by the first one."""
    front = check_values(true_front, "true_front")
    if front.shape[1] != n:
        raise ValueError(
            f"true_front has {front.shape[1]} columns but the runs have {n} "
            "objectives; pass one column per objective"
        )
    chosen = front[:, list(columns)]
    return chosen[np.argsort(chosen[:, 0], kind="stable")]


# ------------------------------------------------------- hypervolume history


def hypervolume_history(
    result: Result, reference_point: Sequence[float], *, by: str = "trial"
) -> tuple[np.ndarray, np.ndarray]:
    """Return the hypervolume of the archive after each trial or generation.

    The archive is the feasible Pareto set of the complete trials finished so
    far. Failed, running and infeasible trials add nothing. The hypervolume
    is 0.0 until a feasible trial beats the reference point.

    Parameters
    ----------
    result : Result
    reference_point : sequence of n_objectives finite floats
        In user units and directions, as for :func:`moopt.hypervolume`.
    by : {"trial", "generation"}
        ``"trial"``: one value after each trial in order of ``trial.number``,
        with ``x = 1..len(result.trials)``. Failed trials count, because they
        spent budget. ``"generation"``: one value per generation, with
        ``x`` the ``Trial.generation`` index, 0 for the initial population,
        covering every trial of that generation and of the earlier ones.

    Returns
    -------
    x : int64 array of shape (n_steps,)
    hypervolume : float64 array of shape (n_steps,)
        Non-decreasing.

    Notes
    -----
    A trial that the archive weakly dominates, or that does not beat the
    reference point in every objective, leaves the hypervolume unchanged.
    Only the other trials trigger a call to moocore, on the archive alone.
    """
    if not isinstance(result, Result):
        raise TypeError(f"result must be a moopt Result, got {type(result).__name__}")
    if by not in ("trial", "generation"):
        raise ValueError(f"by must be 'trial' or 'generation', got {by!r}")
    n_objectives = len(result.objective_names)
    reference = check_point(reference_point, n_objectives, "reference_point")
    if not np.isfinite(reference).all():
        raise ValueError(f"reference_point must be finite, got {reference.tolist()}")
    signs = check_directions(result.directions, n_objectives)
    if by == "trial":
        trials = sorted(result.trials, key=lambda t: t.number)
    else:
        trials = sorted(result.trials, key=lambda t: (t.generation, t.number))
    minimized = np.full((len(trials), n_objectives), np.nan)
    for row, trial in enumerate(trials):
        if trial.feasible:
            outputs = trial.values or {}
            minimized[row] = [outputs[name] for name in result.objective_names]
    running = running_hypervolume(minimized * signs, reference * signs)
    if by == "trial":
        return np.arange(1, len(trials) + 1, dtype=np.int64), running
    generations = np.array([t.generation for t in trials], dtype=np.int64)
    if len(trials) == 0:
        return generations, running
    last = np.flatnonzero(np.append(generations[1:] != generations[:-1], True))
    return generations[last], running[last]


def running_hypervolume(minimized: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Return the hypervolume of rows ``0..i`` for each ``i``, skipping NaN rows.

    ``minimized`` and ``reference`` are in all-minimize form.
    """
    n_points = len(minimized)
    with np.errstate(invalid="ignore"):
        inside = (minimized < reference).all(axis=1)
    changed = np.zeros(n_points, dtype=bool)
    hypervolumes = np.zeros(n_points)
    archive = np.zeros((0, minimized.shape[1]))
    for i in np.flatnonzero(inside):
        point = minimized[i]
        if (archive <= point).all(axis=1).any():
            continue
        archive = np.vstack([archive[~(point <= archive).all(axis=1)], point])
        hypervolumes[i] = moocore.hypervolume(archive, ref=reference)
        changed[i] = True
    latest = np.maximum.accumulate(np.where(changed, np.arange(n_points), -1))
    return np.where(latest >= 0, hypervolumes[latest], 0.0)


@dataclass(frozen=True)
class HistoryBand:
    """The median and band of several hypervolume histories on one x grid."""

    x: np.ndarray
    median: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n_runs: int


def history_band(
    histories: Sequence[tuple[np.ndarray, np.ndarray]], band: Sequence[float]
) -> HistoryBand:
    """Return the median and the ``band`` percentiles of histories across runs.

    Each history is a step function: its value at x is the last recorded
    value at or before x. The common grid is the union of the runs' x values
    from the largest first x to the smallest last x, so that every run has a
    value at every grid point. Runs of unequal length are cut to the
    shortest.
    """
    low_percent, high_percent = _check_band(band)
    checked = [_check_history(x, hv, i) for i, (x, hv) in enumerate(histories)]
    start = max(x[0] for x, _ in checked)
    stop = min(x[-1] for x, _ in checked)
    if start > stop:
        raise ValueError(
            f"the histories share no x range: one starts at {start:g} after another "
            f"ends at {stop:g}; compare histories of the same budget"
        )
    grid = np.unique(np.concatenate([x for x, _ in checked]))
    grid = grid[(grid >= start) & (grid <= stop)]
    table = np.array(
        [hv[np.searchsorted(x, grid, side="right") - 1] for x, hv in checked]
    )
    return HistoryBand(
        x=grid,
        median=np.median(table, axis=0),
        low=np.percentile(table, low_percent, axis=0),
        high=np.percentile(table, high_percent, axis=0),
        n_runs=len(checked),
    )


def _check_band(band: Sequence[float]) -> tuple[float, float]:
    if (
        isinstance(band, str)
        or not isinstance(band, Sequence)
        or len(band) != 2
        or not all(is_real(p) and 0 <= p <= 100 for p in band)
        or band[0] > band[1]
    ):
        raise ValueError(
            "band must be two percentiles (low, high) with 0 <= low <= high <= 100, "
            f"got {band!r}"
        )
    return float(band[0]), float(band[1])


def _check_history(x: object, hv: object, index: int) -> tuple[np.ndarray, np.ndarray]:
    x_array = np.asarray(x, dtype=np.float64)
    hv_array = np.asarray(hv, dtype=np.float64)
    if x_array.ndim != 1 or x_array.shape != hv_array.shape or len(x_array) == 0:
        raise ValueError(
            f"history {index} must be a pair (x, hypervolume) of 1-D arrays of equal, "
            f"non-zero length, got shapes {x_array.shape} and {hv_array.shape}"
        )
    if (np.diff(x_array) < 0).any():
        raise ValueError(f"history {index} has decreasing x values; sort it by x")
    return x_array, hv_array


def is_history_pair(run: object) -> bool:
    """True for a precomputed ``(x, hypervolume)`` pair of 1-D sequences."""
    if isinstance(run, Result | Mapping | str) or not isinstance(run, Sequence):
        return False
    return len(run) == 2 and all(
        not isinstance(part, Result) and _ndim(part) == 1 for part in run
    )


def history_bands(
    runs: object,
    reference_point: Sequence[float] | None,
    by: str,
    band: Sequence[float] | None,
    label: str | None,
) -> list[tuple[str | None, HistoryBand]]:
    """Return the legend label and the band of each method of a history plot.

    ``runs`` is a Result, an (x, hv) pair, a sequence of them, or a mapping
    ``{label: any of these}``. Without a ``band``, the band is the median.
    """
    if by not in ("trial", "generation"):
        raise ValueError(f"by must be 'trial' or 'generation', got {by!r}")
    groups: list[tuple[str | None, object]]
    if isinstance(runs, Mapping):
        groups = [(str(name), group) for name, group in runs.items()]
    else:
        groups = [(label, runs)]
    if not groups:
        raise ValueError(_no_histories_message(None))
    bands: list[tuple[str | None, HistoryBand]] = []
    for name, group in groups:
        members = _history_members(group, name)
        histories = [_history_of(run, reference_point, by) for run in members]
        bands.append((name, history_band(histories, band or (50, 50))))
    return bands


def _no_histories_message(name: str | None) -> str:
    where = "" if name is None else f" for {name!r}"
    return (
        f"no runs to draw{where}; pass a Result, an (x, hv) pair of arrays, or a "
        "non-empty sequence or dict of them"
    )


def _history_members(group: object, name: str | None) -> list[Any]:
    if isinstance(group, Result) or is_history_pair(group):
        return [group]
    if isinstance(group, Sequence) and not isinstance(group, str):
        if not group:
            raise ValueError(_no_histories_message(name))
        return list(group)
    raise TypeError(
        "each entry of runs must be a Result, an (x, hv) pair of arrays or a "
        f"non-empty sequence of them, got {group!r}"
    )


def _history_of(
    run: object, reference_point: Sequence[float] | None, by: str
) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(run, Result):
        if reference_point is None:
            raise ValueError(
                "reference_point is needed to compute the hypervolume history of a "
                "Result; pass one value per objective"
            )
        return hypervolume_history(run, reference_point, by=by)
    if is_history_pair(run):
        assert isinstance(run, Sequence)
        return np.asarray(run[0]), np.asarray(run[1])
    raise TypeError(
        f"expected a Result or an (x, hv) pair of 1-D arrays, got {type(run).__name__}"
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


# --------------------------------------------------------- attainment surfaces


def attainment_surfaces(
    fronts: Sequence[Result | np.ndarray],
    *,
    levels: Sequence[str | int] = ("best", "median", "worst"),
    directions: Sequence[str] | None = None,
) -> dict[str | int, np.ndarray]:
    """Return empirical attainment surfaces of several runs of one method.

    A point is attained by a run when some point of the run's front weakly
    dominates it. The surface of level k is the boundary of the points
    attained by at least k of the n runs, computed exactly by ``moocore.eaf``.

    Parameters
    ----------
    fronts : sequence of Result or of arrays of shape (n_points, 2)
        One per run. A Result stands for its feasible Pareto front, which is
        empty when no trial was feasible. An empty front attains nothing.
    levels : sequence of {"best", "median", "worst"} or int
        "best" is k = 1 (attained by at least one run), "median" is
        k = ceil(n / 2) (by at least half), "worst" is k = n (by every run),
        and an int is k itself.
    directions : sequence of {"minimize", "maximize"}, optional
        For arrays; Results carry their own, and a value given beside them
        must match theirs. Default: minimize both.

    Returns
    -------
    dict of {level: array of shape (n_surface_points, 2)}
        The corner points of each surface in user units, ordered from the
        best value of the first objective to its worst. A level that no
        point reaches (more runs than have a front) gives an empty array.
    """
    minimized, signs = minimized_fronts(fronts, directions)
    return surfaces_of_minimized(minimized, signs, levels)


def surfaces_of_minimized(
    minimized: list[np.ndarray], signs: np.ndarray, levels: Sequence[str | int]
) -> dict[str | int, np.ndarray]:
    """Return the attainment surfaces of all-minimize fronts in user units."""
    n_runs = len(minimized)
    counts = {level: _level_count(level, n_runs) for level in levels}
    filled = [front for front in minimized if len(front)]
    surfaces = {level: np.zeros((0, 2)) for level in levels}
    reachable = sorted({k for k in counts.values() if k <= len(filled)})
    if not reachable:
        return surfaces
    points = np.concatenate(filled)
    sets = np.repeat(np.arange(1, len(filled) + 1), [len(f) for f in filled])
    percentiles = [100.0 * k / len(filled) for k in reachable]
    table = moocore.eaf(points, sets, percentiles=percentiles)
    table_counts = np.rint(table[:, 2] * len(filled) / 100.0).astype(int)
    for level, k in counts.items():
        surface = table[table_counts == k, :2]
        surface = surface[np.lexsort((surface[:, 1], surface[:, 0]))]
        surfaces[level] = surface * signs
    return surfaces


def minimized_fronts(
    fronts: object, directions: Sequence[str] | None
) -> tuple[list[np.ndarray], np.ndarray]:
    """Return each run's 2-objective front in all-minimize form, and the signs."""
    data = attainment_groups([(None, fronts)], directions)
    return data.minimized[0], data.signs


@dataclass(frozen=True)
class AttainmentGroups:
    """The runs of each method on an attainment plot, in all-minimize form."""

    labels: list[str | None]
    minimized: list[list[np.ndarray]]
    names: list[str]
    directions: list[str]
    signs: np.ndarray


def attainment_groups(
    groups: Sequence[tuple[str | None, object]], directions: Sequence[str] | None
) -> AttainmentGroups:
    """Check that every run of every method has the same 2 objectives.

    ``groups`` pairs each method's label, None for an unnamed one, with its
    runs. The directions are those of the Results among the runs, which
    must all agree. ``directions`` is for arrays and, when given beside
    Results, must match theirs. Default: minimize both.
    """
    values_by_group = []
    results = []
    for label, fronts in groups:
        values = []
        for index, front in enumerate(_attainment_runs(fronts, label)):
            where = (
                f"run {index + 1}" if label is None else f"run {index + 1} of {label!r}"
            )
            values.append(_attainment_values(front, where))
            if isinstance(front, Result):
                results.append((where, front))
        values_by_group.append(values)
    names, shared = _agreed_objectives(results)
    if shared is not None and directions is not None and list(directions) != shared:
        raise ValueError(
            f"directions {list(directions)} differ from the Results' {shared}; "
            "drop the directions argument"
        )
    if shared is None:
        shared = list(directions) if directions is not None else ["minimize"] * 2
    signs = check_directions(shared, 2)
    return AttainmentGroups(
        labels=[label for label, _ in groups],
        minimized=[[front * signs for front in values] for values in values_by_group],
        names=names if names is not None else ["f1", "f2"],
        directions=shared,
        signs=signs,
    )


def _attainment_runs(fronts: object, label: str | None) -> Sequence[Any]:
    name = "fronts" if label is None else f"fronts[{label!r}]"
    if isinstance(fronts, Result | np.ndarray | Mapping | str) or not isinstance(
        fronts, Sequence
    ):
        raise TypeError(
            f"{name} must be a sequence of Results or arrays, one per run, got "
            f"{type(fronts).__name__}"
        )
    if len(fronts) == 0:
        raise ValueError(f"{name} is empty; pass one Result or array per run")
    return fronts


def _attainment_values(front: object, where: str) -> np.ndarray:
    if isinstance(front, Result):
        values = front.pareto_front if front.feasible else front.values(())
    else:
        values = check_values(front, "fronts")
    if values.shape[1] != 2:
        raise ValueError(
            f"attainment surfaces need exactly 2 objectives, got {values.shape[1]} "
            f"in {where}; pass runs of a 2-objective problem"
        )
    if not np.isfinite(values).all():
        raise ValueError(
            f"{where} has non-finite values; attainment surfaces need finite fronts"
        )
    return values


def _agreed_objectives(
    results: list[tuple[str, Result]],
) -> tuple[list[str] | None, list[str] | None]:
    """Return the objective names and directions of the Results, which must agree."""
    if not results:
        return None, None
    first_where, first = results[0]
    names = list(first.objective_names)
    directions = list(first.directions)
    for where, result in results[1:]:
        if (
            list(result.objective_names) != names
            or list(result.directions) != directions
        ):
            raise ValueError(
                f"{where} optimizes {list(result.objective_names)} with directions "
                f"{list(result.directions)}, but {first_where} optimizes {names} "
                f"with directions {directions}; compare runs of the same problem"
            )
    return names, directions


def _level_count(level: str | int, n_runs: int) -> int:
    named = {"best": 1, "median": math.ceil(n_runs / 2), "worst": n_runs}
    if isinstance(level, str) and level in named:
        return named[level]
    if isinstance(level, int) and not isinstance(level, bool) and 1 <= level <= n_runs:
        return level
    raise ValueError(
        "levels must be 'best', 'median', 'worst' or a number of runs from 1 to "
        f"{n_runs}, got {level!r}"
    )


def staircase(surface: np.ndarray, signs: np.ndarray, corner: np.ndarray) -> np.ndarray:
    """Return the vertices of the step line through an attainment surface.

    ``surface`` is in user units, ordered as ``attainment_surfaces`` returns
    it; ``corner`` is the worst point to extend to, in all-minimize form. The
    line starts at the worst value of the second objective above the first
    point, steps through every point, and ends at the worst value of the
    first objective.
    """
    points = surface * signs
    if len(points) == 0:
        return np.zeros((0, 2))
    vertices = [[points[0, 0], corner[1]]]
    for i, point in enumerate(points):
        if i:
            vertices.append([point[0], points[i - 1, 1]])
        vertices.append(point.tolist())
    vertices.append([corner[0], points[-1, 1]])
    return np.array(vertices) * signs
