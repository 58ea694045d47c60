"""The arrays each plot draws, computed without matplotlib drawing anything.

Every plotting function in ``moopt.plotting`` calls a helper of this module
or of ``_plot_history``, ``_plot_parallel`` and ``_plot_attainment``, and
only renders what it returns, so the data can be tested on its own. This
module contains the front plots' data and the checks of objective choices that
every plot shares.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from moopt._sorting import pareto_mask
from moopt._trial import Result
from moopt._validation import (
    check_directions,
    check_values,
    is_integer,
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
    return not isinstance(first, Result) and array_ndim(first) < 2


def array_ndim(data: object) -> int:
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
    results = [(label, run) for label, run in items if isinstance(run, Result)]
    if results and directions is not None:
        raise ValueError("directions come from the Result; drop the argument")
    names, run_directions = agreed_objectives(results)
    runs = []
    for label, run in items:
        if isinstance(run, Result):
            if not run.feasible:
                # Its Pareto set contains the least infeasible trials instead.
                label = (
                    "least infeasible trials (none feasible)"
                    if single
                    else f"{label} (none feasible)"
                )
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


def agreed_objectives(
    results: list[tuple[str, Result]],
) -> tuple[list[str] | None, list[str] | None]:
    """Return the objective names and directions of labelled Results.

    Raises ValueError, naming the two runs, unless every Result has the same
    objectives in the same directions.
    """
    if not results:
        return None, None
    first_where, first = results[0]
    names = list(first.objective_names)
    directions = list(first.directions)
    for where, result in results[1:]:
        if (
            list(result.objective_names) != names
            or list(result.directions) != directions
        ):
            raise ValueError(
                f"results optimize different objectives: {where} optimizes "
                f"{list(result.objective_names)} with directions "
                f"{list(result.directions)}, but {first_where} optimizes {names} "
                f"with directions {directions}; compare runs of the same problem"
            )
    return names, directions


def objective_indices(
    objectives: Sequence[int | str], names: Sequence[str]
) -> list[int]:
    """Return column indices for distinct objectives given by index or by name.

    Callers check the indices against the number of objectives, because each
    plot states its own limit in its error message.
    """
    if isinstance(objectives, str) or not isinstance(objectives, Sequence | np.ndarray):
        raise TypeError(
            "objectives must be a sequence of int or str such as [0, 1] or "
            f"{list(names[:2])!r}, got {objectives!r}"
        )
    indices = []
    for objective in objectives:
        if isinstance(objective, str):
            if objective not in names:
                raise ValueError(
                    f"unknown objective {objective!r}; choose from {list(names)}"
                )
            index = list(names).index(objective)
        elif is_integer(objective):
            index = int(objective)
        else:
            raise TypeError(
                f"objectives must be int or str, got {objective!r} in {objectives!r}"
            )
        if index in indices:
            repeated = names[index] if 0 <= index < len(names) else index
            raise ValueError(
                f"objectives {list(objectives)!r} choose objective {repeated!r} twice; "
                "choose distinct objectives"
            )
        indices.append(index)
    return indices


def front_columns(
    objectives: Sequence[int | str] | None, names: list[str], n_objectives: int
) -> list[int]:
    """Return the 2 or 3 columns a front plot draws.

    Without ``objectives``, a problem of 2 or 3 objectives is drawn whole. A
    problem of more needs a choice, because in a projection on the first two
    objectives many front points look dominated.
    """
    if n_objectives < 2:
        raise ValueError(
            f"plot_pareto_front needs at least 2 objectives, got {n_objectives}"
        )
    if objectives is None:
        if n_objectives > 3:
            raise ValueError(
                f"plot_pareto_front draws 2 or 3 objectives, but there are "
                f"{n_objectives}; pass objectives=[i, j] or [i, j, k] to choose "
                "them, or draw every pair with plot_pairwise"
            )
        return list(range(n_objectives))
    columns = objective_indices(objectives, names)
    if len(columns) not in (2, 3) or not all(0 <= j < n_objectives for j in columns):
        raise ValueError(
            f"objectives must be 2 or 3 column indices below {n_objectives}, got "
            f"{list(objectives)!r}"
        )
    return columns


def axis_labels(
    labels: Sequence[str] | None, data: FrontRuns, columns: Sequence[int]
) -> list[str]:
    """Return one axis label per drawn column, by default "name (direction)"."""
    if labels is None:
        return [f"{data.names[j]} ({data.directions[j]})" for j in columns]
    if (
        isinstance(labels, str)
        or not isinstance(labels, Sequence)
        or not all(isinstance(label, str) for label in labels)
    ):
        raise TypeError(
            f"labels must be a sequence of str, one per drawn objective, got {labels!r}"
        )
    if len(labels) != len(columns):
        raise ValueError(
            f"labels must have one entry per drawn objective: expected "
            f"{len(columns)}, got {len(labels)} ({list(labels)!r})"
        )
    return list(labels)


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
