"""Choosing one configuration to ship from a result: ``select``."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from moopt._indicators import hypervolume
from moopt._trial import Result, Trial
from moopt._validation import check_directions, check_point, is_integer, is_real

Bounds = Mapping[str, tuple[float | None, float | None]]


def select(
    result: Result,
    *,
    objective: str | None = None,
    bounds: Bounds | None = None,
    weights: Mapping[str, float] | None = None,
) -> Trial:
    """Return one trial of ``result`` by a stated rule.

    Parameters
    ----------
    result : Result
    objective : str, optional
        Return the best trial in this objective, in its direction, among the
        feasible complete trials within ``bounds``: "the highest accuracy with
        latency under 5 ms" is ``select(result, objective="accuracy",
        bounds={"latency_ms": (None, 5.0)})``.
    bounds : dict of {str: (low, high)}, optional
        Inclusive limits on outputs, in user units; None leaves an end open.
        They apply in every rule.
    weights : dict of {str: float}, optional
        Return the Pareto-set trial with the best weighted sum of normalized
        objectives. Objectives left out weigh 0.

    Notes
    -----
    The weighted sum and the knee use normalized objectives: each objective
    is turned into a minimization and scaled to [0, 1] over the Pareto-set
    trials within ``bounds``, 0 for the best value there. An objective that
    is constant there is 0 for every trial.

    With neither ``objective`` nor ``weights``, the result is the knee of the
    Pareto set: the trial farthest, on the side of the ideal point, from the
    hyperplane through the extreme trials (each one best in one objective).
    Where those do not define a hyperplane, the plane through the unit points
    is used, and the knee is the trial closest to the ideal point in sum.
    Ties go to the lower trial number.

    Raises
    ------
    ValueError
        When no trial meets the rule's conditions, naming the bounds, or
        when an argument names an unknown output.
    """
    _check_feasible_result(result, "select")
    if objective is not None and weights is not None:
        raise ValueError("give objective or weights, not both")
    checked = _check_bounds(bounds, result)
    if objective is not None:
        return _best_in(result, objective, checked)
    members = _within(result.pareto_set, checked)
    if not members:
        raise ValueError(
            f"no trial of the Pareto set meets the bounds {dict(checked)}; widen them"
        )
    normalized = _normalized(result, members)
    if weights is not None:
        scores = normalized @ _weight_vector(result, weights)
    else:
        scores = -_knee_distance(normalized)
    return members[int(np.argmin(scores))]


def select_k(
    result: Result, k: int, reference_point: Sequence[float] | None = None
) -> list[Trial]:
    """Return the trials of ``Result.select_k``, whose docstring gives the rule."""
    _check_feasible_result(result, "select_k")
    if not is_integer(k) or isinstance(k, bool):
        raise TypeError(f"k must be an int, got {k!r}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    signs = check_directions(result.directions, len(result.directions))
    minimized = np.asarray(result.pareto_front, dtype=np.float64) * signs
    if reference_point is None:
        reference = default_reference(minimized)
    else:
        point = check_point(reference_point, len(signs), "reference_point")
        reference = point * signs
    chosen: list[int] = []
    covered = 0.0
    while len(chosen) < k:
        candidates = [i for i in range(len(minimized)) if i not in chosen]
        volumes = [hypervolume(minimized[[*chosen, i]], reference) for i in candidates]
        if not volumes or max(volumes) <= covered:
            break
        best_index = int(np.argmax(volumes))
        chosen.append(candidates[best_index])
        covered = volumes[best_index]
    return [result.pareto_set[i] for i in chosen]


def default_reference(minimized: np.ndarray) -> np.ndarray:
    """Return the worst value of each minimized objective, moved 10 % of the
    range further out (1.0 where the range is 0), so every distinct
    non-dominated point adds some hypervolume."""
    worst, best = minimized.max(axis=0), minimized.min(axis=0)
    return worst + np.where(worst > best, 0.1 * (worst - best), 1.0)


def _check_feasible_result(result: object, name: str) -> None:
    """Raise unless ``result`` is a Result with at least one feasible trial."""
    if not isinstance(result, Result):
        raise TypeError(
            f"{name} takes the Result of a run, got {type(result).__name__}"
        )
    if not result.feasible:
        raise ValueError(
            f"no trial of this run is feasible, so {name} has nothing to choose "
            "from; relax the constraints or run longer"
        )


def _best_in(result: Result, objective: str, bounds: Bounds) -> Trial:
    if objective not in result.objective_names:
        raise ValueError(
            f"objective {objective!r} is not one of {list(result.objective_names)}"
        )
    candidates = _within(
        [t for t in result.trials if t.state == "complete" and t.feasible], bounds
    )
    if not candidates:
        raise ValueError(
            f"no feasible complete trial meets the bounds {dict(bounds)}; widen them"
        )
    sign = (
        1.0
        if result.directions[result.objective_names.index(objective)] == ("minimize")
        else -1.0
    )
    scores = [sign * float(t.values[objective]) for t in candidates]  # type: ignore[index]
    return candidates[int(np.argmin(scores))]


def _check_bounds(bounds: object, result: Result) -> Bounds:
    if bounds is None:
        return {}
    if not isinstance(bounds, Mapping):
        raise TypeError(f"bounds must be a dict {{name: (low, high)}}, got {bounds!r}")
    for name, limits in bounds.items():
        if not isinstance(limits, Sequence) or len(limits) != 2:
            raise ValueError(
                f"bounds[{name!r}] must be a pair (low, high), got {limits!r}"
            )
        for limit in limits:
            if limit is not None and (not is_real(limit) or math.isnan(limit)):
                raise ValueError(
                    f"bounds[{name!r}] limits must be numbers or None, got {limits!r}"
                )
        low, high = limits
        if low is not None and high is not None and low > high:
            raise ValueError(
                f"bounds[{name!r}] has low {low!r} above high {high!r}; "
                "give them as (low, high)"
            )
        outputs = {n for t in result.trials if t.values for n in t.values}
        if outputs and name not in outputs:
            raise ValueError(
                f"bounds name the output {name!r}, which no trial has; outputs are "
                f"{sorted(outputs)}"
            )
    return bounds


def _within(trials: Sequence[Trial], bounds: Bounds) -> list[Trial]:
    def inside(trial: Trial) -> bool:
        for name, (low, high) in bounds.items():
            value = trial.values.get(name) if trial.values else None
            if value is None:
                return False
            if (low is not None and value < low) or (high is not None and value > high):
                return False
        return True

    return sorted((t for t in trials if inside(t)), key=lambda t: t.number)


def _normalized(result: Result, members: list[Trial]) -> np.ndarray:
    signs = check_directions(result.directions, len(result.directions))
    values = result.values(tuple(members)) * signs
    low, high = values.min(axis=0), values.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    return np.where(high > low, (values - low) / span, 0.0)


def _weight_vector(result: Result, weights: Mapping[str, float]) -> np.ndarray:
    if not isinstance(weights, Mapping) or not weights:
        raise ValueError(
            f"weights must be a non-empty dict {{objective: weight}}, got {weights!r}"
        )
    unknown = [n for n in weights if n not in result.objective_names]
    if unknown:
        raise ValueError(
            f"weights name unknown objectives {unknown}; objectives are "
            f"{list(result.objective_names)}"
        )
    vector = np.array([float(weights.get(n, 0.0)) for n in result.objective_names])
    if not np.isfinite(vector).all() or (vector < 0).any() or vector.sum() == 0:
        raise ValueError(
            f"weights must be finite, >= 0 and not all 0, got {dict(weights)}"
        )
    return vector


def _knee_distance(normalized: np.ndarray) -> np.ndarray:
    """Return each point's distance below the hyperplane through the extremes.

    Points lie in [0, 1]^m with 0 best. The plane through the m extreme points
    is ``n . x = 1``; a point on the ideal side has ``n . x < 1``, and its
    distance from the plane is ``(1 - n . x) / |n|``.
    """
    n_objectives = normalized.shape[1]
    extremes = normalized[np.argmin(normalized, axis=0)]
    try:
        normal = np.linalg.solve(extremes, np.ones(n_objectives))
    except np.linalg.LinAlgError:
        normal = np.ones(n_objectives)
    if not np.isfinite(normal).all() or np.linalg.norm(normal) == 0:
        normal = np.ones(n_objectives)
    return (1.0 - normalized @ normal) / np.linalg.norm(normal)
