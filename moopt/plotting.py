"""Pareto-front plots with matplotlib. Functions draw on the given Axes and
change no global matplotlib state."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from moopt._sorting import pareto_mask
from moopt._trial import Result
from moopt._validation import check_values


def plot_pareto_front(
    result_or_values: Result | np.ndarray,
    *,
    ax: Any = None,
    objectives: Sequence[int] | None = None,
    directions: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    show_dominated: bool = True,
    **scatter_kwargs: Any,
) -> Any:
    """Scatter the Pareto front in 2-D or 3-D and return the Axes.

    Parameters
    ----------
    result_or_values : Result or array of shape (n_points, n_objectives)
        A ``Result`` draws its Pareto front, with the other complete trials
        (dominated or infeasible) faded when ``show_dominated``. An array draws
        its non-dominated points under ``directions``, with the dominated ones
        faded.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when None. Three objectives need
        an Axes with ``projection="3d"``.
    objectives : sequence of 2 or 3 int, optional
        Column indices to draw; by default the first two, or all three for a
        3-objective problem.
    directions : sequence of str, optional
        Only for an array; a ``Result`` carries its own.
    labels : sequence of str, optional
        Axis labels; a ``Result`` defaults to its objective names.
    **scatter_kwargs
        Passed to ``Axes.scatter`` for the front.
    """
    others, front, names, directions = _front_data(result_or_values, directions)
    n_objectives = front.shape[1]
    if n_objectives < 2:
        raise ValueError(
            f"plot_pareto_front needs at least 2 objectives, got {n_objectives}"
        )
    if objectives is None:
        objectives = (0, 1, 2) if n_objectives == 3 else (0, 1)
    objectives = list(objectives)
    if len(objectives) not in (2, 3) or not all(
        0 <= j < n_objectives for j in objectives
    ):
        raise ValueError(
            f"objectives must be 2 or 3 column indices below {n_objectives}, got "
            f"{objectives!r}"
        )
    if ax is None:
        import matplotlib.pyplot as plt

        projection = "3d" if len(objectives) == 3 else None
        _, ax = plt.subplots(subplot_kw={"projection": projection})
    elif len(objectives) == 3 and getattr(ax, "name", "") != "3d":
        raise ValueError("three objectives need an Axes made with projection='3d'")
    if show_dominated and len(others):
        ax.scatter(
            *others[:, objectives].T, color="0.6", alpha=0.3, s=8, label="other trials"
        )
    scatter_kwargs.setdefault("label", "Pareto front")
    scatter_kwargs.setdefault("zorder", 2)
    ax.scatter(*front[:, objectives].T, **scatter_kwargs)
    axis_labels = (
        labels
        if labels is not None
        else [f"{names[j]} ({directions[j]})" for j in objectives]
    )
    ax.set_xlabel(axis_labels[0])
    ax.set_ylabel(axis_labels[1])
    if len(objectives) == 3:
        ax.set_zlabel(axis_labels[2])
    ax.legend()
    return ax


def _front_data(
    result_or_values: Result | np.ndarray, directions: Sequence[str] | None
) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Return (other points, front points, names, directions) to draw.

    The other points are the complete trials outside the Pareto set, dominated
    or infeasible, or for an array its dominated points.
    """
    if isinstance(result_or_values, Result):
        if directions is not None:
            raise ValueError("directions come from the Result; drop the argument")
        result = result_or_values
        members = {trial.number for trial in result.pareto_set}
        others = [trial for trial in result.trials if trial.number not in members]
        return (
            result.values(tuple(others)),
            result.pareto_front,
            list(result.objective_names),
            list(result.directions),
        )
    values = check_values(result_or_values)
    directions = (
        list(directions) if directions is not None else (["minimize"] * values.shape[1])
    )
    on_front = pareto_mask(values, directions)
    names = [f"f{j + 1}" for j in range(values.shape[1])]
    return values[~on_front], values[on_front], names, directions
