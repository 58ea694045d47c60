"""The test problems of the suite and their analytic Pareto fronts.

pymoo ships reference fronts for these problems, but its ZDT3 front contains
dominated points, so every front here is computed from its closed form.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from pymoo.core.problem import Problem
from pymoo.problems.many.dtlz import DTLZ2
from pymoo.problems.multi.zdt import ZDT1, ZDT2, ZDT3, ZDT4, ZDT6

# Smallest f1 of ZDT6: f1 = 1 - exp(-4 x1) sin(6 pi x1)^6 over x1 in [0, 1].
ZDT6_F1_MIN = 0.2807753191

# Points on the sampled fronts: a 2-objective front is a curve, so 2000 points
# space it finely. The DTLZ2 lattice with 75 partitions has 2926 points.
N_FRONT_POINTS_2D = 2000
N_DENSE_ZDT3 = 20_000
DTLZ2_PARTITIONS = 75

# Each objective's coordinate of the hypervolume reference point.
REFERENCE_COORDINATE = 1.1


@dataclass(frozen=True)
class BenchmarkProblem:
    """A test problem and its budget.

    ``n_generations`` counts the initial population, as pymoo's ``n_gen`` and
    moopt's ``n_generations`` both do.
    """

    name: str
    n_objectives: int
    n_generations: int


PROBLEMS = {
    problem.name: problem
    for problem in (
        BenchmarkProblem("zdt1", 2, 250),
        BenchmarkProblem("zdt2", 2, 250),
        BenchmarkProblem("zdt3", 2, 250),
        BenchmarkProblem("zdt4", 2, 250),
        BenchmarkProblem("zdt6", 2, 250),
        BenchmarkProblem("dtlz2", 3, 300),
    )
}


def make_problem(name: str) -> Problem:
    """Return the pymoo problem ``name`` in its standard size.

    ZDT1-3 have 30 variables and ZDT4 and ZDT6 have 10. DTLZ2 gets
    3 objectives and 12 variables (k = 10 distance variables).
    """
    constructors = {
        "zdt1": ZDT1,
        "zdt2": ZDT2,
        "zdt3": ZDT3,
        "zdt4": ZDT4,
        "zdt6": ZDT6,
    }
    if name == "dtlz2":
        return DTLZ2(n_var=12, n_obj=3)
    return constructors[name]()


def reference_point(name: str) -> list[float]:
    """Return the hypervolume reference point of problem ``name``."""
    return [REFERENCE_COORDINATE] * PROBLEMS[name].n_objectives


@functools.cache
def true_front(name: str) -> np.ndarray:
    """Return points on the Pareto front of problem ``name``.

    The array is read-only and shared between calls.
    """
    builders = {
        "zdt1": zdt1_front,
        "zdt2": zdt2_front,
        "zdt3": zdt3_front,
        "zdt4": zdt1_front,
        "zdt6": zdt6_front,
        "dtlz2": dtlz2_front,
    }
    front = builders[name]()
    front.flags.writeable = False
    return front


def zdt1_front(n_points: int = N_FRONT_POINTS_2D) -> np.ndarray:
    """Return the front of ZDT1 and ZDT4: f2 = 1 - sqrt(f1), f1 in [0, 1]."""
    f1 = np.linspace(0.0, 1.0, n_points)
    return np.column_stack([f1, 1.0 - np.sqrt(f1)])


def zdt2_front(n_points: int = N_FRONT_POINTS_2D) -> np.ndarray:
    """Return the front of ZDT2: f2 = 1 - f1^2, f1 in [0, 1]."""
    f1 = np.linspace(0.0, 1.0, n_points)
    return np.column_stack([f1, 1.0 - f1**2])


def zdt3_front(n_dense: int = N_DENSE_ZDT3) -> np.ndarray:
    """Return the front of ZDT3, the non-dominated part of its curve.

    The curve f2 = 1 - sqrt(f1) - f1 sin(10 pi f1) over f1 in [0, 1] is
    sampled at ``n_dense`` points and only the points that no other sample
    dominates are kept: five disconnected pieces.
    """
    f1 = np.linspace(0.0, 1.0, n_dense)
    f2 = 1.0 - np.sqrt(f1) - f1 * np.sin(10.0 * np.pi * f1)
    # f1 increases along the samples, so a sample is dominated exactly when an
    # earlier sample has an f2 at most as large.
    best_before = np.minimum.accumulate(f2)
    keep = np.ones(n_dense, dtype=bool)
    keep[1:] = f2[1:] < best_before[:-1]
    return np.column_stack([f1[keep], f2[keep]])


def zdt6_front(n_points: int = N_FRONT_POINTS_2D) -> np.ndarray:
    """Return the front of ZDT6: f2 = 1 - f1^2, f1 in [0.2807753191, 1]."""
    f1 = np.linspace(ZDT6_F1_MIN, 1.0, n_points)
    return np.column_stack([f1, 1.0 - f1**2])


def dtlz2_front(n_partitions: int = DTLZ2_PARTITIONS) -> np.ndarray:
    """Return points of the DTLZ2 front, the unit sphere in the positive octant.

    The directions are the 3-objective simplex lattice with ``n_partitions``
    steps per axis, scaled to unit length.
    """
    directions = simplex_lattice(3, n_partitions)
    return directions / np.linalg.norm(directions, axis=1, keepdims=True)


def simplex_lattice(n_objectives: int, n_partitions: int) -> np.ndarray:
    """Return every point with coordinates in {0, 1/p, ..., 1} summing to 1.

    ``p`` is ``n_partitions``. There are C(p + m - 1, m - 1) points for ``m``
    objectives.
    """
    # Each row counts partitions per coordinate. The first m - 1 counts run over
    # every split that fits, and the last coordinate takes what is left.
    rows: list[list[int]] = [[]]
    for _ in range(n_objectives - 1):
        rows = [[*row, k] for row in rows for k in range(n_partitions - sum(row) + 1)]
    counts = np.array([[*row, n_partitions - sum(row)] for row in rows], dtype=float)
    return counts / n_partitions
