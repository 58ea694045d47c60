"""Input checks shared by the kernels and the optimizer.

Every check raises ``TypeError`` or ``ValueError`` with the parameter name, the
offending value and what to pass instead, before any evaluation is spent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np

DIRECTIONS = ("minimize", "maximize")


def check_values(values: object, name: str = "values") -> np.ndarray:
    """Return ``values`` as a new 2-D float64 array, rejecting NaN and bad shapes."""
    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be a numeric array of shape (n_points, n_objectives); "
            f"converting it to float failed: {exc}"
        ) from None
    if array.ndim != 2:
        hint = (
            f"; reshape a single point with {name}[None, :]" if array.ndim == 1 else ""
        )
        raise ValueError(
            f"{name} must be 2-D with shape (n_points, n_objectives), got shape "
            f"{array.shape}{hint}"
        )
    if array.shape[1] == 0:
        raise ValueError(
            f"{name} has shape {array.shape}; it needs at least one objective"
        )
    if np.isnan(array).any():
        rows = np.flatnonzero(np.isnan(array).any(axis=1))
        raise ValueError(
            f"{name} contains NaN in rows {rows[:10].tolist()}; remove failed points "
            "before calling this function"
        )
    return array


def check_point(point: object, n_objectives: int, name: str) -> np.ndarray:
    """Return a 1-D float64 array of length ``n_objectives`` without NaN."""
    try:
        array = np.array(point, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a sequence of numbers: {exc}") from None
    if array.ndim != 1 or array.shape[0] != n_objectives:
        raise ValueError(
            f"{name} must have one entry per objective ({n_objectives}), got shape "
            f"{array.shape}"
        )
    if np.isnan(array).any():
        raise ValueError(f"{name} contains NaN: {array.tolist()}")
    return array


def check_directions(directions: object, n_objectives: int) -> np.ndarray:
    """Return the sign vector (+1 minimize, -1 maximize) for ``directions``.

    ``None`` means every objective is minimized.
    """
    if directions is None:
        return np.ones(n_objectives)
    if isinstance(directions, str) or not isinstance(directions, Sequence):
        raise TypeError(
            "directions must be a sequence of 'minimize'/'maximize', one per "
            f"objective, got {directions!r}"
        )
    if len(directions) != n_objectives:
        raise ValueError(
            f"directions has {len(directions)} entries but there are {n_objectives} "
            f"objectives: {list(directions)!r}"
        )
    for direction in directions:
        if direction not in DIRECTIONS:
            raise ValueError(
                f"unknown direction {direction!r}; use 'minimize' or 'maximize'"
            )
    return np.array([1.0 if d == "minimize" else -1.0 for d in directions])


def check_violations(violations: object, n_points: int) -> np.ndarray:
    """Return violations as a 1-D float64 array of non-negative numbers."""
    array = np.array(violations, dtype=np.float64)
    if array.shape != (n_points,):
        raise ValueError(
            f"violations must have shape ({n_points},), one per point, got "
            f"{array.shape}"
        )
    if np.isnan(array).any() or (array < 0).any():
        raise ValueError(
            "violations must be non-negative numbers (0 for a feasible point), got "
            f"{array[np.isnan(array) | (array < 0)][:5].tolist()}"
        )
    return array


def is_real(value: object) -> bool:
    """True for real numbers, excluding ``bool``."""
    return isinstance(value, Real) and not isinstance(value, bool)


def is_finite_real(value: object) -> bool:
    """True for finite real numbers, excluding ``bool``, NaN and infinities."""
    return is_real(value) and math.isfinite(value)  # type: ignore[arg-type]


def is_integer(value: object) -> bool:
    """True for integers (Python or numpy), excluding ``bool``."""
    return isinstance(value, Integral) and not isinstance(value, bool)


def check_positive_int(value: object, name: str, minimum: int = 1) -> int:
    """Return ``value`` as int, requiring an integer of at least ``minimum``."""
    if not is_integer(value):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def check_probability(value: object, name: str) -> float:
    """Return ``value`` as float, requiring a number in [0, 1]."""
    if not is_real(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {value!r}")
    return float(value)


def check_distribution_index(value: object, name: str) -> float:
    """Return ``value`` as float, requiring a finite number >= 0."""
    if not is_real(value) or not 0.0 <= value < math.inf:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def check_seed(seed: object) -> int:
    """Return the seed to use: ``seed`` itself, or one drawn from the OS for None."""
    if seed is None:
        return int(np.random.SeedSequence().entropy)
    if not is_integer(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
    return int(seed)
