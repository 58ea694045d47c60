"""Non-dominated sorting, Pareto masks and crowding distance.

All functions take float arrays of shape ``(n_points, n_objectives)``, never
modify their inputs, and hold no state. Directions are applied once, as a sign
vector, so the internal helpers always minimize.
"""

from __future__ import annotations

from collections.abc import Sequence

import moocore
import numpy as np

from moopt._validation import check_directions, check_values, check_violations


def nondominated_rank(
    values: np.ndarray,
    directions: Sequence[str] | None = None,
    *,
    violations: np.ndarray | None = None,
) -> np.ndarray:
    """Return the non-domination rank of every point, 0 for the first front.

    Parameters
    ----------
    values : array of shape (n_points, n_objectives)
        Objective values in user units. ``+-inf`` is allowed, NaN is not.
    directions : sequence of {"minimize", "maximize"}, optional
        One per objective; ``None`` minimizes every objective.
    violations : array of shape (n_points,), optional
        Total constraint violation per point, 0 when feasible. With it, ranking
        uses constrained domination: every feasible point ranks before every
        infeasible one, and infeasible points are ranked by violation alone
        (equal violations share a rank).

    Returns
    -------
    ranks : int64 array of shape (n_points,)

    Notes
    -----
    Pareto ranks come from ``moocore.pareto_rank``, which runs in
    O(n log n) for two objectives. Equal vectors do not dominate each other, so
    duplicates share a rank.
    """
    array = check_values(values)
    signs = check_directions(directions, array.shape[1])
    if violations is None:
        return _pareto_rank(array * signs)
    return _constrained_rank(array * signs, check_violations(violations, len(array)))


def pareto_mask(
    values: np.ndarray, directions: Sequence[str] | None = None
) -> np.ndarray:
    """Return a boolean mask of the points that no other point dominates.

    Duplicates of a non-dominated point are all kept.
    """
    array = check_values(values)
    signs = check_directions(directions, array.shape[1])
    return nondominated_mask(array * signs)


def pareto_set_indices(
    minimized: np.ndarray, violations: np.ndarray
) -> tuple[np.ndarray, bool]:
    """Return (indices of the Pareto set, whether any point is feasible).

    The Pareto set is the non-dominated feasible points; with no feasible
    point, the non-dominated points among those of the smallest violation.
    """
    feasible = violations <= 0.0
    if feasible.any():
        candidates = np.flatnonzero(feasible)
    elif len(violations):
        candidates = np.flatnonzero(violations == violations.min())
    else:
        return np.zeros(0, dtype=np.intp), False
    front = nondominated_mask(minimized[candidates])
    return candidates[front], bool(feasible.any())


def nondominated_mask(minimized: np.ndarray) -> np.ndarray:
    """Return the mask of non-dominated rows of an all-minimize array."""
    if len(minimized) == 0:
        return np.zeros(0, dtype=bool)
    front = moocore.is_nondominated(_finite_ranks(minimized), keep_weakly=True)
    return np.asarray(front, dtype=bool)


def crowding_distance(values: np.ndarray) -> np.ndarray:
    """Return the crowding distance of each point of one front (Deb et al., 2002).

    The distance of a point is the sum over objectives of the gap between its
    two neighbours, divided by that objective's range on the front.

    Parameters
    ----------
    values : array of shape (n_points, n_objectives)
        The points of one front. The result does not depend on directions.

    Returns
    -------
    distances : float64 array of shape (n_points,)
        Fronts of one or two points are all infinite. Otherwise every point that
        has an objective's minimum or maximum gets ``inf``. An objective whose
        range is zero or not finite adds nothing. Tied values share their
        neighbours (the nearest distinct values below and above), so permuting
        the input permutes the output. The result never contains NaN.
    """
    array = check_values(values)
    return front_crowding(array, np.zeros(len(array), dtype=np.int64))


def _pareto_rank(minimized: np.ndarray) -> np.ndarray:
    if len(minimized) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(moocore.pareto_rank(_finite_ranks(minimized)), dtype=np.int64)


def _finite_ranks(minimized: np.ndarray) -> np.ndarray:
    """Return ``minimized``, with each column replaced by its value ranks if any
    value is infinite.

    Dominance depends only on the order within each column, which the ranks
    keep, ties included. moocore 0.3 crashes the process on -inf with three or
    more objectives, so infinite values never reach it.
    """
    if np.isfinite(minimized).all():
        return minimized
    ranks = np.empty_like(minimized)
    for column in range(minimized.shape[1]):
        _, inverse = np.unique(minimized[:, column], return_inverse=True)
        ranks[:, column] = inverse
    return ranks


def _constrained_rank(minimized: np.ndarray, violations: np.ndarray) -> np.ndarray:
    ranks = np.empty(len(minimized), dtype=np.int64)
    feasible = violations <= 0.0
    ranks[feasible] = _pareto_rank(minimized[feasible])
    first_infeasible = ranks[feasible].max() + 1 if feasible.any() else 0
    _, by_violation = np.unique(violations[~feasible], return_inverse=True)
    ranks[~feasible] = first_infeasible + by_violation
    return ranks


def front_crowding(minimized: np.ndarray, fronts: np.ndarray) -> np.ndarray:
    """Return crowding distances computed within each front of ``fronts``.

    Vectorized over all fronts at once: one lexicographic sort per objective.
    """
    n_points = len(minimized)
    distances = np.zeros(n_points)
    if n_points == 0:
        return distances
    front_sizes = np.bincount(fronts)
    for column in minimized.T:
        order = np.lexsort((column, fronts))
        front = fronts[order]
        value = column[order]
        # Sorted positions of the first and last member of each element's front.
        first = np.searchsorted(front, front, side="left")
        last = np.searchsorted(front, front, side="right") - 1
        with np.errstate(invalid="ignore"):  # inf - inf in an infinite column
            value_range = value[last] - value[first]
            usable = np.isfinite(value_range) & (value_range > 0)
        # Runs of tied values: each member of a run takes the nearest distinct
        # value below the run and above it as its neighbours.
        new_run = np.ones(n_points, dtype=bool)
        new_run[1:] = (front[1:] != front[:-1]) | (value[1:] != value[:-1])
        run_starts = np.flatnonzero(new_run)
        run_ends = np.append(run_starts[1:] - 1, n_points - 1)
        run_index = np.cumsum(new_run) - 1
        below = run_starts[run_index] - 1
        above = run_ends[run_index] + 1
        extreme = (below < first) | (above > last)
        inner = usable & ~extreme
        gap = np.zeros(n_points)
        gap[inner] = (value[above[inner]] - value[below[inner]]) / value_range[inner]
        gap[usable & extreme] = np.inf
        distances[order] += gap
    distances[front_sizes[fronts] <= 2] = np.inf
    return distances


def survival_order(
    minimized: np.ndarray, violations: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rank points, compute crowding per front and order them best first.

    Returns ``(ranks, crowding, order)``. The order puts lower ranks first.
    Within a rank, a point whose objective vector repeats an earlier point's
    comes after the distinct ones. Larger crowding distance, then lower index,
    break the remaining ties. Truncating
    ``order`` is the elitist NSGA-II survival. Demoting repeats keeps a front
    of tied vectors, common with integer objectives, from filling the
    population with copies.
    """
    ranks = _constrained_rank(minimized, violations)
    crowding = front_crowding(minimized, ranks)
    repeated = np.ones(len(minimized), dtype=bool)
    if len(minimized):
        _, first = np.unique(minimized, axis=0, return_index=True)
        repeated[first] = False
    order = np.lexsort((-crowding, repeated, ranks))
    return ranks, crowding, order


def leveled_survival_order(
    minimized: np.ndarray, violations: np.ndarray, levels: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order points by level, higher first, then as ``survival_order`` does.

    A level is how far a trial got: infinite for a complete trial, the last
    reported step for a pruned one. Ranks count on from one level to the
    next, so a lower rank is always better, which binary tournaments rely on.
    """
    if len(levels) == 0 or (levels == levels[0]).all():
        return survival_order(minimized, violations)
    ranks = np.empty(len(levels), dtype=np.int64)
    crowding = np.empty(len(levels))
    orders = []
    offset = 0
    for level in np.unique(levels)[::-1]:
        members = np.flatnonzero(levels == level)
        level_ranks, level_crowding, order = survival_order(
            minimized[members], violations[members]
        )
        ranks[members] = level_ranks + offset
        crowding[members] = level_crowding
        orders.append(members[order])
        offset = int(ranks[members].max()) + 1
    return ranks, crowding, np.concatenate(orders)
