"""The data of attainment-surface plots: surfaces per level, as step lines."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import moocore
import numpy as np

from moopt._plot_data import agreed_objectives
from moopt._trial import Result
from moopt._validation import (
    check_directions,
    check_values,
)

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
    names, shared = agreed_objectives(results)
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
