"""Quality indicators of a set of objective vectors, all direction-aware.

The exact computations are moocore's; this module adds input checks and the
translation of directions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import moocore
import numpy as np

from moopt._trial import Result
from moopt._validation import check_directions, check_point, check_values


def hypervolume(
    values: np.ndarray | Result,
    reference_point: Sequence[float],
    directions: Sequence[str] | None = None,
) -> float:
    """Return the hypervolume dominated by ``values`` and bounded by the reference.

    Parameters
    ----------
    values : array of shape (n_points, n_objectives), or Result
        Objective values in user units; a ``Result`` stands for its
        ``pareto_front`` and ``directions``, and one with no feasible trial
        scores 0.0. Dominated points, duplicates and points that do not
        strictly dominate the reference point add nothing. A point that
        dominates it with an infinite value makes the result ``inf``.
    reference_point : sequence of n_objectives finite floats
        In user units: for a maximized objective it is a lower bound.
    directions : sequence of {"minimize", "maximize"}, optional
        ``None`` minimizes every objective.

    Returns
    -------
    float
        0.0 for an empty set or a set with no point better than the reference.
    """
    minimized, reference, inside_mask = _against_reference(
        values, reference_point, directions
    )
    # Such a point with an infinite value adds infinite volume. Infinite values
    # never reach moocore, because moocore 0.3 crashes on -inf with 3
    # objectives.
    inside = minimized[inside_mask]
    if len(inside) == 0:
        return 0.0
    if np.isinf(inside).any():
        return math.inf
    return float(moocore.hypervolume(inside, ref=reference))


def hypervolume_contributions(
    values: np.ndarray | Result,
    reference_point: Sequence[float],
    directions: Sequence[str] | None = None,
) -> np.ndarray:
    """Return the hypervolume each point adds that no other point covers.

    The contribution of a point is the hypervolume of all points minus the
    hypervolume without it, so dominated points, points beyond the reference
    point and each copy of a duplicated point contribute 0.

    Parameters
    ----------
    values : array of shape (n_points, n_objectives), or Result
        Objective values in user units. A ``Result`` stands for its
        ``pareto_front`` and ``directions``, and its members contribute 0
        when it has no feasible trial.
    reference_point : sequence of n_objectives finite floats
        In user units: for a maximized objective it is a lower bound.
    directions : sequence of {"minimize", "maximize"}, optional
        ``None`` minimizes every objective.

    Returns
    -------
    contributions : float64 array of shape (n_points,)
        In the order of ``values`` (of ``pareto_set`` for a Result); sort it
        to rank the points.
    """
    minimized, reference, inside = _against_reference(
        values, reference_point, directions
    )
    if not np.isfinite(minimized).all():
        raise ValueError("values must be finite for hypervolume contributions")
    contributions = np.zeros(len(minimized))
    if inside.any():
        contributions[inside] = moocore.hv_contributions(
            minimized[inside], ref=reference
        )
    return contributions


def _against_reference(
    values: object, reference_point: object, directions: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (minimized values, minimized reference, mask of points inside).

    Only points strictly better than the reference in every objective are
    inside, and only they add hypervolume. A Result with no feasible trial has
    no point inside, since its Pareto set contains the least infeasible trials.
    """
    infeasible = isinstance(values, Result) and not values.feasible
    values, directions = _unpack_result(values, directions)
    array = check_values(values)
    reference = check_point(reference_point, array.shape[1], "reference_point")
    if not np.isfinite(reference).all():
        raise ValueError(f"reference_point must be finite, got {reference.tolist()}")
    signs = check_directions(directions, array.shape[1])
    minimized = array * signs
    reference = reference * signs
    inside = (minimized < reference).all(axis=1) & (not infeasible)
    return minimized, reference, inside


def igd(
    values: np.ndarray | Result,
    reference_front: np.ndarray,
    directions: Sequence[str] | None = None,
) -> float:
    """Return the inverted generational distance of ``values``.

    The mean, over the points of ``reference_front``, of the Euclidean
    distance to the nearest point of ``values``. Lower is better. A ``Result``
    stands for its ``pareto_front`` and ``directions``; one with no feasible
    trial raises ``ValueError``.
    """
    array, front, signs = _check_pair(values, reference_front, directions)
    return float(moocore.igd(array * signs, ref=front * signs))


def igd_plus(
    values: np.ndarray | Result,
    reference_front: np.ndarray,
    directions: Sequence[str] | None = None,
) -> float:
    """Return IGD+ (Ishibuchi et al., 2015), the Pareto-compliant form of IGD.

    Like IGD, but only the amount by which a point is worse than a reference
    point counts towards their distance. Lower is better.
    """
    array, front, signs = _check_pair(values, reference_front, directions)
    return float(moocore.igd_plus(array * signs, ref=front * signs))


def _unpack_result(values: object, directions: object) -> tuple[object, object]:
    """Return (values, directions), taking both from a ``Result``."""
    if not isinstance(values, Result):
        return values, directions
    if directions is not None and list(directions) != list(values.directions):
        raise ValueError(
            f"directions {list(directions)} differ from the Result's "
            f"{list(values.directions)}; drop the directions argument"
        )
    return values.pareto_front, values.directions


def _check_pair(
    values: object, reference_front: object, directions: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if isinstance(values, Result) and not values.feasible:
        raise ValueError(
            "the Result has no feasible trial, so it has no front to measure; "
            "relax the constraints or run longer"
        )
    values, directions = _unpack_result(values, directions)
    array = check_values(values)
    front = check_values(reference_front, "reference_front")
    if front.shape[1] != array.shape[1]:
        raise ValueError(
            f"reference_front has {front.shape[1]} objectives but values has "
            f"{array.shape[1]}; pass a front with one column per objective"
        )
    if len(array) == 0 or len(front) == 0:
        raise ValueError(
            f"values ({len(array)} points) and reference_front ({len(front)} points) "
            "must both hold at least one point"
        )
    for name, data in (("values", array), ("reference_front", front)):
        if not np.isfinite(data).all():
            raise ValueError(f"{name} must be finite for a distance indicator")
    return array, front, check_directions(directions, array.shape[1])
