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
    """Return column indices for objectives given by index or by name."""
    indices = []
    for objective in objectives:
        if isinstance(objective, str):
            if objective not in names:
                raise ValueError(
                    f"unknown objective {objective!r}; choose from {list(names)}"
                )
            indices.append(list(names).index(objective))
        else:
            indices.append(objective)
    return indices


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
        ``x`` the generation index, covering every trial of that generation
        and of the earlier ones.

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
) -> ParallelCoordinates:
    """Normalize each chosen parameter and objective of the complete trials.

    Parameters take their bounds and scale from ``result.space``: a log-scale
    Float or Int is spaced by the log of its value, an Int is ticked on its
    grid, and a Categorical puts its choices at even steps. Without a space,
    parameters whose values are all numbers span their observed range
    linearly and the others are categorical in order of appearance. An
    objective spans its observed range with its best value at 1.
    """
    if not isinstance(result, Result):
        raise TypeError(f"result must be a moopt Result, got {type(result).__name__}")
    trials = [trial for trial in result.trials if trial.state == "complete"]
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
        position, tick, labels = _objective_axis(objective_values[:, column], maximize)
        titles.append(f"{names[column]} ({'max' if maximize else 'min'})")
        positions.append(position)
        ticks.append(tick)
        tick_labels.append(labels)
    return ParallelCoordinates(
        titles=titles,
        positions=np.column_stack(positions).reshape(len(trials), len(titles)),
        highlighted=_highlight_mask(result, trials, highlight),
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
        chosen = {trial.number for trial in highlight}
    return np.array([trial.number in chosen for trial in trials], dtype=bool)


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
            [_format(low, step is not None)],
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
        [_format(t, step is not None) for t in ticks],
    )


def _log_axis(
    values: np.ndarray, low: float, high: float, integer: bool
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Place values on [low, high] by their log, with ticks at powers of ten."""
    from matplotlib.ticker import LogLocator

    if high == low:
        return np.full(len(values), 0.5), np.array([0.5]), [_format(low, integer)]
    span = math.log(high) - math.log(low)
    decades = np.asarray(LogLocator(base=10).tick_values(low, high))
    ticks = _with_bounds(decades, (np.log(decades) - math.log(low)) / span, low, high)
    if len(ticks) == 2:
        middle = math.sqrt(low * high)
        ticks = np.array([low, round(middle) if integer else middle, high])
    return (
        (np.log(values) - math.log(low)) / span,
        (np.log(ticks) - math.log(low)) / span,
        [_format(t, integer) for t in ticks],
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
    values: np.ndarray, maximize: bool
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Place objective values on their observed range, the best value at 1."""
    low, high = (values.min(), values.max()) if len(values) else (0.0, 1.0)
    positions, ticks, labels = _linear_axis(values, low, high, None)
    if maximize or high == low:
        return positions, ticks, labels
    return 1.0 - positions, 1.0 - ticks, labels


def _with_bounds(
    ticks: np.ndarray, positions: np.ndarray, low: float, high: float
) -> np.ndarray:
    """Return ``low``, the ticks not crowding either bound, and ``high``."""
    inner = ticks[(positions > 0.08) & (positions < 0.92)]
    return np.concatenate([[low], inner, [high]])


def _format(value: float, integer: bool) -> str:
    return str(round(value)) if integer else f"{value:.3g}"


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
    if isinstance(fronts, Result | np.ndarray | Mapping | str) or not isinstance(
        fronts, Sequence
    ):
        raise TypeError(
            "fronts must be a sequence of Results or arrays, one per run, got "
            f"{type(fronts).__name__}"
        )
    if len(fronts) == 0:
        raise ValueError("fronts is empty; pass one Result or array per run")
    results = [front for front in fronts if isinstance(front, Result)]
    _, shared = _shared_objectives(results)
    if shared is not None and directions is not None and list(directions) != shared:
        raise ValueError(
            f"directions {list(directions)} differ from the Results' {shared}; "
            "drop the directions argument"
        )
    arrays = []
    for front in fronts:
        if isinstance(front, Result):
            values = front.pareto_front if front.feasible else front.values(())
        else:
            values = check_values(front, "fronts")
        if values.shape[1] != 2:
            raise ValueError(
                f"attainment surfaces need exactly 2 objectives, got {values.shape[1]}"
            )
        if not np.isfinite(values).all():
            raise ValueError("fronts must be finite to compute attainment surfaces")
        arrays.append(values)
    signs = check_directions(shared or directions, 2)
    return [values * signs for values in arrays], signs


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
