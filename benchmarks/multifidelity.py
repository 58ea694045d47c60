"""A multi-fidelity test problem for pruning: ZDT1 values reached by learning curves.

A configuration is a point x in [0, 1]^n, given as params ``"x0"`` to
``"x{n-1}"``. n is at least 2, and 10 by default like the suite's ZDT4 and
ZDT6. Training runs for ``max_steps`` steps (epochs), and after step
t = 1, ..., max_steps it reports two minimized objectives:

    cost     = x0                                   (the same at every step)
    g(x)     = 1 + 9 / (n - 1) * (x1 + ... + x{n-1})
    final(x) = g(x) - sqrt(x0 * g(x))               (ZDT1's f2, g (1 - sqrt(x0 / g)))
    k(x)     = SLOWEST_RATE * (FASTEST_RATE / SLOWEST_RATE) ** x1
    decay(s) = (exp(-k s) - exp(-k)) / (1 - exp(-k)),   s = t / max_steps
    error_t  = final(x) + ERROR_DROP * decay(t / max_steps)

``decay`` falls from 1 at s = 0 to exactly 0 at s = 1, so every curve ends on
its final error at the last step, whatever ``max_steps`` is. The constants are
k in [1, 10] and an error drop of 5. A curve with k = 1 has covered 62 % of
its drop at mid-training, and one with k = 10 covers 92 % in the first quarter.

The decay rate k grows with x1, and so does g, so a fast learner finishes
worse than a slow one that is otherwise equal. Curves therefore cross. With
x0 = 0.5 and every other variable 0, the slow learner ends at error 0.29, while
the same point with x1 = 1 learns fast and ends at 1.0. The fast one has the
lower error until step 21 of 27, so a pruner that ranks by early values keeps
it and stops the configuration that would have finished better.

The Pareto front is ZDT1's: final(x) >= 1 - sqrt(x0) because g >= 1 and final
grows with g, with equality when x1 = ... = x{n-1} = 0. So the front is
error = 1 - sqrt(cost) for cost in [0, 1], and every Pareto-optimal
configuration is a slowest learner (k = 1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

import moopt

N_VARIABLES = 10
# A power of 3, so successive-halving rungs 1, 3, 9 and 27 end on the last step.
MAX_STEPS = 27
SLOWEST_RATE = 1.0
FASTEST_RATE = 10.0
ERROR_DROP = 5.0

OBJECTIVES = {"cost": "minimize", "error": "minimize"}

# The front spans [0, 1] in both objectives, and 10 % beyond it lets the end
# points (0, 1) and (1, 0) add volume, as the suite's ZDT1 reference does. Only
# points with error below 1.1 count, so a configuration adds nothing until g(x)
# falls below 2.76 (at cost 1, and lower at smaller costs).
REFERENCE_POINT = (1.1, 1.1)
# The reference square minus the area under 1 - sqrt(cost) on [0, 1], which
# is 1/3.
TRUE_FRONT_HYPERVOLUME = 1.1 * 1.1 - 1.0 / 3.0


def space(n: int = N_VARIABLES) -> dict[str, moopt.Float]:
    """Return the search space: ``"x0"`` to ``"x{n-1}"``, each a Float in [0, 1]."""
    if not isinstance(n, int) or n < 2:
        raise ValueError(f"n must be an int of at least 2, got {n!r}")
    return {f"x{i}": moopt.Float(0.0, 1.0) for i in range(n)}


def true_front(n_points: int = 2000) -> np.ndarray:
    """Return ``n_points`` points of the Pareto front, columns (cost, error).

    The costs are evenly spaced over [0, 1] and error = 1 - sqrt(cost).
    """
    cost = np.linspace(0.0, 1.0, n_points)
    return np.column_stack([cost, 1.0 - np.sqrt(cost)])


def learning_curves(genomes: np.ndarray, max_steps: int = MAX_STEPS) -> np.ndarray:
    """Return the noise-free error of each configuration at steps 1..max_steps.

    Parameters
    ----------
    genomes : array of shape (n_configs, n)
        One configuration per row, x0 first, every value in [0, 1].
    max_steps : int
        Number of steps of a full training.

    Returns
    -------
    errors : float64 array of shape (n_configs, max_steps)
        Column t - 1 is error_t, so the last column is the final error.
    """
    _check_positive_int(max_steps, "max_steps")
    x = np.asarray(genomes, dtype=float)
    if x.ndim != 2 or x.shape[1] < 2:
        raise ValueError(
            f"genomes must have shape (n_configs, n) with n >= 2, got {x.shape}"
        )
    if ((x < 0.0) | (x > 1.0) | ~np.isfinite(x)).any():
        raise ValueError("genomes must have every value in [0, 1]")
    final = _final_errors(x)
    rate = SLOWEST_RATE * (FASTEST_RATE / SLOWEST_RATE) ** x[:, 1]
    fraction = np.arange(1, max_steps + 1) / max_steps
    end = np.exp(-rate)[:, None]
    decay = (np.exp(-rate[:, None] * fraction) - end) / (1.0 - end)
    return final[:, None] + ERROR_DROP * decay


def learning_curve(
    params: Mapping[str, float],
    max_steps: int = MAX_STEPS,
    *,
    noise: float = 0.0,
    seed: int | None = None,
) -> np.ndarray:
    """Return the error of one configuration at steps 1..max_steps.

    Parameters
    ----------
    params : dict of {str: float}
        ``"x0"`` to ``"x{n-1}"``, each in [0, 1], as drawn from :func:`space`.
    max_steps : int
        Number of steps of a full training.
    noise : float, default 0.0
        Standard deviation of independent Gaussian noise added to the error
        at each step. The cost never carries noise.
    seed : int, optional
        Seed of the noise. The same seed gives the same noise, and the noise
        at step t does not depend on ``max_steps``.

    Returns
    -------
    errors : float64 array of shape (max_steps,)
    """
    if not math.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite float >= 0, got {noise!r}")
    curve = learning_curves(_genome(params)[None, :], max_steps)[0]
    if noise > 0:
        curve += noise * np.random.default_rng(seed).standard_normal(max_steps)
    return curve


def final_values(params: Mapping[str, float]) -> dict[str, float]:
    """Return the noise-free cost and error that a full training reaches."""
    x = _genome(params)
    return {"cost": float(x[0]), "error": float(_final_errors(x[None, :])[0])}


def evaluate(
    params: Mapping[str, float],
    steps: int | None = None,
    *,
    max_steps: int = MAX_STEPS,
    noise: float = 0.0,
    seed: int | None = None,
) -> dict[str, float]:
    """Return the cost and the error after ``steps`` steps of training.

    With the defaults this is the objective of a run without pruning: one
    call is one full training of ``max_steps`` steps. ``steps``, counted from
    1, defaults to ``max_steps``. ``noise`` and ``seed`` are as in
    :func:`learning_curve`, so the error equals that curve at ``steps``.
    """
    if steps is None:
        steps = max_steps
    _check_positive_int(steps, "steps")
    if steps > max_steps:
        raise ValueError(f"steps must be at most max_steps={max_steps}, got {steps}")
    curve = learning_curve(params, max_steps, noise=noise, seed=seed)
    return {"cost": float(params["x0"]), "error": float(curve[steps - 1])}


def _final_errors(x: np.ndarray) -> np.ndarray:
    n = x.shape[1]
    g = 1.0 + 9.0 / (n - 1) * x[:, 1:].sum(axis=1)
    return g - np.sqrt(x[:, 0] * g)


def _genome(params: Mapping[str, Any]) -> np.ndarray:
    """Return params ``"x0"`` to ``"x{n-1}"`` as an array, checking keys and bounds."""
    n = len(params)
    expected = [f"x{i}" for i in range(n)]
    if n < 2 or set(params) != set(expected):
        raise ValueError(
            f"params must have keys 'x0' to 'x{{n-1}}' with n >= 2, got "
            f"{sorted(params)}"
        )
    x = np.array([params[key] for key in expected], dtype=float)
    outside = (x < 0.0) | (x > 1.0) | ~np.isfinite(x)
    if outside.any():
        key = expected[int(np.argmax(outside))]
        raise ValueError(f"{key} must be in [0, 1], got {params[key]!r}")
    return x


def _check_positive_int(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be an int of at least 1, got {value!r}")
