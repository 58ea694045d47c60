"""The data of hypervolume-history plots: one curve per run, bands over runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import moocore
import numpy as np

from moopt._plot_data import array_ndim
from moopt._trial import Result
from moopt._validation import (
    check_directions,
    check_point,
    is_real,
)

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
        not isinstance(part, Result) and array_ndim(part) == 1 for part in run
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
