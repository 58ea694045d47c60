"""Plots of fronts, parameters, hypervolume histories and attainment surfaces.

Every function draws on the Axes (or Figure) it is given, or on a new one,
returns it, and changes no global matplotlib state. The arrays each plot
draws come from helpers in the ``moopt._plot_*`` modules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from moopt._plot_attainment import (
    attainment_groups,
    attainment_surfaces,
    staircase,
    surfaces_of_minimized,
)
from moopt._plot_data import (
    axis_labels,
    front_columns,
    front_runs,
    objective_indices,
    true_front_line,
)
from moopt._plot_history import history_bands, hypervolume_history
from moopt._plot_parallel import parallel_coordinates
from moopt._trial import Result, Trial

__all__ = [
    "attainment_surfaces",
    "hypervolume_history",
    "plot_attainment",
    "plot_hypervolume_history",
    "plot_pairwise",
    "plot_parallel_coordinates",
    "plot_pareto_front",
]

_FADED = {"color": "0.6", "alpha": 0.3, "s": 8}
_LEVEL_STYLES = {"best": ":", "median": "-", "worst": "--"}


def plot_pareto_front(
    runs: Any,
    *,
    ax: Any = None,
    objectives: Sequence[int | str] | None = None,
    directions: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    show_dominated: bool | None = None,
    true_front: np.ndarray | None = None,
    **scatter_kwargs: Any,
) -> Any:
    """Scatter Pareto fronts in 2-D or 3-D and return the Axes.

    Parameters
    ----------
    runs : Result, array, sequence of them, or dict {label: Result or array}
        One run draws its front over its other points, faded. Several runs
        are compared on one Axes, each front in its own colour with the
        run's label ("run 1", ... for a sequence). A ``Result`` draws its
        Pareto front; its other feasible complete trials are the faded dots
        and its infeasible ones the faded crosses. Failed trials have no
        values and are never drawn. An array of shape (n_points, n_objectives) draws its
        non-dominated points, and its dominated points are the faded ones.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when None. Three objectives need
        an Axes with ``projection="3d"`` and two need one without it.
    objectives : sequence of 2 or 3 distinct int or str, optional
        Columns to draw, by index or name. By default every objective of a
        2- or 3-objective problem. With more objectives, choose 2 or 3 here,
        or draw every pair with :func:`plot_pairwise`.
    directions : sequence of str, optional
        Only for arrays; Results carry their own, and arrays drawn beside a
        Result take the Result's.
    labels : sequence of str, optional
        Axis labels, one per drawn objective; by default the objective names
        and directions.
    show_dominated : bool, optional
        Whether to draw the faded points. None, the default, draws them in
        grey for a single run and leaves them out when several runs are
        compared. True draws each run's faded points in its own colour.
    true_front : array of shape (n_points, n_objectives), optional
        A known Pareto front in the user's directions, drawn as a grey line
        sorted by the first drawn objective in 2-D, or as faint points in 3-D.
    **scatter_kwargs
        Passed to ``Axes.scatter`` for each front. With several runs each
        front's label is the run's.
    """
    data = front_runs(runs, directions)
    n_objectives = data.runs[0].front.shape[1]
    columns = front_columns(objectives, data.names, n_objectives)
    titles = axis_labels(labels, data, columns)
    ax = _axes_for(ax, len(columns), f"{len(columns)} objectives")
    if true_front is not None:
        _draw_true_front(ax, true_front_line(true_front, columns, n_objectives))
    if show_dominated is None:
        show_dominated = data.single
    for index, run in enumerate(data.runs):
        if not show_dominated:
            continue
        faded = (
            _FADED if data.single else {**_FADED, "color": f"C{index}", "alpha": 0.15}
        )
        if len(run.others):
            label = "other trials" if data.single else None
            ax.scatter(*run.others[:, columns].T, **faded, label=label)
        if len(run.infeasible):
            label = "infeasible trials" if data.single else None
            ax.scatter(*run.infeasible[:, columns].T, **faded, marker="x", label=label)
    for index, run in enumerate(data.runs):
        kwargs = {"zorder": 2, **scatter_kwargs}
        if data.single:
            kwargs.setdefault("label", run.label)
        else:
            kwargs = {"color": f"C{index}", **kwargs, "label": run.label}
        ax.scatter(*run.front[:, columns].T, **kwargs)
    ax.set_xlabel(titles[0])
    ax.set_ylabel(titles[1])
    if len(columns) == 3:
        ax.set_zlabel(titles[2])
    ax.legend()
    return ax


def _axes_for(
    ax: Any, n_columns: int, drawing: str, figsize: tuple[float, float] | None = None
) -> Any:
    """Return ``ax``, or a new Axes (3-D for three columns) when it is None.

    ``drawing`` names what is drawn, for the error on an Axes of the wrong
    projection.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        projection = "3d" if n_columns == 3 else None
        _, ax = plt.subplots(figsize=figsize, subplot_kw={"projection": projection})
        return ax
    is_3d = getattr(ax, "name", "") == "3d"
    if n_columns == 3 and not is_3d:
        raise ValueError(f"{drawing} need an Axes made with projection='3d'")
    if n_columns == 2 and is_3d:
        raise ValueError(
            f"{drawing} need a 2-D Axes, but ax was made with projection='3d'; "
            "pass an Axes made without a projection"
        )
    return ax


def _draw_true_front(ax: Any, line: np.ndarray) -> None:
    if line.shape[1] == 2:
        ax.plot(*line.T, color="0.3", linewidth=1.0, label="true front", zorder=1)
    else:
        ax.scatter(*line.T, color="0.3", alpha=0.15, s=4, label="true front")


def plot_parallel_coordinates(
    result: Result,
    *,
    ax: Any = None,
    params: Sequence[str] | None = None,
    objectives: Sequence[int | str] | None = None,
    highlight: str | Sequence[Trial] | None = "pareto_set",
    objective_range: str = "all",
) -> Any:
    """Draw each complete trial as a line across parameter and objective axes.

    One vertical axis per chosen parameter, then one per chosen objective.
    Every complete trial is a faint grey line and the highlighted trials are
    drawn over them in colour. Failed trials are not drawn.

    Each axis is normalized to [0, 1] for drawing and labelled in user units.
    A parameter spans its bounds in ``result.space``. Log-scale Float and Int
    axes are spaced by the log of the value, and Int axes have integer ticks
    on the grid. A Categorical axis has one tick per choice at even steps,
    labelled with ``str(choice)``. Without ``result.space``, numeric
    parameters span their observed range linearly and others are categorical
    in order of first appearance. An objective spans the range chosen by
    ``objective_range`` with the better end at the top, so a minimized
    objective has its minimum at the top, and its title gives the direction,
    as in "error (min)". The tick labels of one axis share one notation:
    plain numbers with 3 significant digits, or scientific notation for
    every tick when the magnitude of some tick is 1e4 or more, or nonzero
    and below 1e-3.

    Parameters
    ----------
    result : Result
    ax : matplotlib Axes, optional
        A 2-D Axes to draw on. When None, a new figure is made, 1.1 inches
        wide per axis and at least 6 inches wide.
    params : sequence of str, optional
        Parameter names, by default every parameter of the space.
    objectives : sequence of distinct int or str, optional
        Objectives by index or name, by default all.
    highlight : "pareto_set", sequence of Trial, or None
        The trials of ``result`` to draw in colour: the Pareto set, the given
        trials (for example one chosen with ``moopt.select``), or none.
    objective_range : {"all", "highlighted"}, default "all"
        The values each objective axis spans. "all" spans every complete
        trial. "highlighted" spans the highlighted trials only, so that a
        Pareto set crowded in one corner of the range spreads over the whole
        axis, and the lines of other trials beyond that span stop at the
        axis end. When no trial is highlighted, as for a Pareto set left
        empty because no trial is feasible, "highlighted" spans every trial.
    """
    data = parallel_coordinates(result, params, objectives, highlight, objective_range)
    from matplotlib.collections import LineCollection

    n_axes = len(data.titles)
    figsize = (max(6.0, 1.1 * n_axes), 4.5)
    ax = _axes_for(ax, 2, "parallel coordinates", figsize)
    x = np.arange(n_axes, dtype=np.float64)
    lines = [np.column_stack([x, row]) for row in data.positions]
    others = [line for line, on in zip(lines, data.highlighted, strict=True) if not on]
    chosen = [line for line, on in zip(lines, data.highlighted, strict=True) if on]
    ax.add_collection(
        LineCollection(others, colors="0.6", alpha=0.3, linewidths=0.8, label="trials")
    )
    if chosen:
        label = "Pareto set" if highlight == "pareto_set" else "highlighted"
        ax.add_collection(
            LineCollection(chosen, colors="C0", linewidths=1.5, label=label, zorder=3)
        )
    for i, (ticks, tick_labels) in enumerate(
        zip(data.ticks, data.tick_labels, strict=True)
    ):
        ax.axvline(i, color="0.2", linewidth=0.8, zorder=1)
        for position, text in zip(ticks, tick_labels, strict=True):
            ax.plot([i - 0.04, i], [position, position], color="0.2", linewidth=0.8)
            ax.text(i - 0.06, position, text, ha="right", va="center", fontsize=7)
    ax.set_xlim(-0.5, n_axes - 0.5)
    ax.set_ylim(-0.05, 1.05)
    # Objective titles break before the direction so neighbours do not overlap.
    ax.set_xticks(x, [title.replace(" (", "\n(") for title in data.titles])
    ax.xaxis.tick_top()
    ax.set_yticks([])
    for side in ("left", "right", "bottom", "top"):
        ax.spines[side].set_visible(False)
    if chosen:
        ax.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            ncol=2,
            fontsize=8,
            frameon=False,
        )
    return ax


def plot_hypervolume_history(
    runs: Any,
    reference_point: Sequence[float] | None = None,
    *,
    by: str = "trial",
    ax: Any = None,
    band: Sequence[float] | None = (25, 75),
    label: str | None = None,
) -> Any:
    """Draw the hypervolume of the archive against trials or generations.

    Each run's history is a step line (see :func:`hypervolume_history`).
    With ``by="generation"`` the x axis is ``Trial.generation``, which counts
    from 0 for the initial population, and a marker shows the value of each
    generation, so the last generation is visible at the right edge too.
    Several runs of one method are drawn as their median with a shaded band
    between the ``band`` percentiles across runs, by default the 25th and
    75th. The runs share an x grid, the union of their x values from the
    largest first x to the smallest last x, so runs of unequal length are
    cut to the shortest. Between its own x values, each run keeps its last
    value.

    Parameters
    ----------
    runs : Result, (x, hv) pair, sequence of them, or dict {label: any of these}
        A dict compares methods, one colour each. An ``(x, hv)`` pair of 1-D
        arrays is a precomputed history, such as a stored benchmark run of
        another library, with x in the unit ``by`` names.
    reference_point : sequence of float, optional
        In user units and directions, as in :func:`moopt.hypervolume`;
        needed for Results, unused for pairs.
    by : {"trial", "generation"}
        The x unit: the number of trials run, from 1, or the 0-based
        generation.
    ax : matplotlib Axes, optional
    band : (low, high) percentiles, or None for no band
    label : str, optional
        Legend label when ``runs`` is not a dict.
    """
    bands = history_bands(runs, reference_point, by, band, label)
    ax = _axes_for(ax, 2, "hypervolume histories")
    markers = {"marker": "o", "markersize": 3} if by == "generation" else {}
    for index, (name, data) in enumerate(bands):
        color = f"C{index}"
        ax.plot(
            data.x,
            data.median,
            drawstyle="steps-post",
            color=color,
            label=name,
            **markers,
        )
        if band is not None and data.n_runs > 1:
            ax.fill_between(
                data.x, data.low, data.high, step="post", color=color, alpha=0.2
            )
    if by == "generation":
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("generation (0 = initial population)")
    else:
        ax.set_xlabel("trials")
    ax.set_ylabel("hypervolume")
    if any(name is not None for name, _ in bands):
        ax.legend()
    return ax


def plot_attainment(
    fronts: Any,
    *,
    ax: Any = None,
    directions: Sequence[str] | None = None,
    levels: Sequence[str | int] = ("best", "median", "worst"),
    label: str | None = None,
) -> Any:
    """Draw empirical attainment surfaces of runs on 2 objectives as step lines.

    The surface of a level is the boundary of the region attained by at
    least that many runs (see :func:`attainment_surfaces`): "best" by one
    run, "median" by at least half, "worst" by all. Each surface is a
    staircase through its points, drawn dotted for "best", solid for
    "median" and dashed for "worst" (dash-dot for a level given as a number),
    and extended to the worst value of each objective among all fronts.

    Parameters
    ----------
    fronts : sequence of Result or arrays, or dict {label: sequence}
        The runs of one method, one front each, or several methods to compare,
        one colour each.
    ax : matplotlib Axes, optional
    directions : sequence of str, optional
        For arrays. Results carry their own, and arrays compared with Results
        take theirs, so a value given beside Results must match theirs.
        Default: minimize both.
    levels : sequence of {"best", "median", "worst"} or int
    label : str, optional
        Legend prefix when ``fronts`` is not a dict.
    """
    groups: list[tuple[str | None, Any]]
    if isinstance(fronts, Mapping):
        groups = [(str(name), group) for name, group in fronts.items()]
    else:
        groups = [(label, fronts)]
    if not groups:
        raise ValueError("no runs to draw; pass a sequence or dict of fronts")
    data = attainment_groups(groups, directions)
    every_front = [front for group in data.minimized for front in group]
    points = np.concatenate([*every_front, np.zeros((0, 2))])
    corner = points.max(axis=0) if len(points) else np.zeros(2)
    ax = _axes_for(ax, 2, "attainment surfaces")
    for index, (name, minimized) in enumerate(
        zip(data.labels, data.minimized, strict=True)
    ):
        surfaces = surfaces_of_minimized(minimized, data.signs, levels)
        for level, surface in surfaces.items():
            vertices = staircase(surface, data.signs, corner)
            if len(vertices) == 0:
                continue
            level_label = str(level) if name is None else f"{name} {level}"
            ax.plot(
                *vertices.T,
                color=f"C{index}",
                linestyle=_LEVEL_STYLES.get(str(level), "-."),
                label=level_label,
            )
    ax.set_xlabel(f"{data.names[0]} ({data.directions[0]})")
    ax.set_ylabel(f"{data.names[1]} ({data.directions[1]})")
    if ax.lines:
        ax.legend()
    return ax


def plot_pairwise(
    result: Result | np.ndarray,
    *,
    fig: Any = None,
    objectives: Sequence[int | str] | None = None,
    directions: Sequence[str] | None = None,
) -> Any:
    """Draw every pair of objectives in a lower-triangular grid; return the Figure.

    For k objectives the grid has k - 1 rows and columns: the panel in row i
    and column j, for j <= i, plots objective i + 1 (vertical) against
    objective j, counted among the chosen ones. The Pareto set is drawn in
    colour over the other complete trials, faded, as in
    :func:`plot_pareto_front`. Objective names label the bottom row and the
    left column.

    Parameters
    ----------
    result : Result or array of shape (n_points, n_objectives)
    fig : matplotlib Figure, optional
        An empty figure to draw on; a new one is made when None.
    objectives : sequence of at least 2 int or str, optional
        By index or name, by default all.
    directions : sequence of str, optional
        Only for an array.
    """
    data = front_runs(result, directions)
    if not data.single:
        raise TypeError("plot_pairwise draws one Result or array, not several runs")
    run = data.runs[0]
    n_objectives = run.front.shape[1]
    chosen = objectives if objectives is not None else range(n_objectives)
    columns = objective_indices(list(chosen), data.names)
    if len(columns) < 2 or not all(0 <= j < n_objectives for j in columns):
        raise ValueError(
            f"objectives must be at least 2 column indices below {n_objectives}, "
            f"got {list(chosen)!r}"
        )
    size = len(columns) - 1
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(2.0 + 2.2 * size, 1.5 + 2.2 * size))
    elif fig.axes:
        raise ValueError("fig already contains Axes; pass an empty Figure")
    grid = fig.subplots(size, size, squeeze=False, sharex="col", sharey="row")
    titles = [f"{data.names[j]} ({data.directions[j]})" for j in columns]
    for row in range(size):
        for col in range(size):
            ax = grid[row][col]
            if col > row:
                ax.set_visible(False)
                continue
            x, y = columns[col], columns[row + 1]
            first = row == 0 and col == 0
            if len(run.others):
                faded = {**_FADED, "label": "other trials" if first else None}
                ax.scatter(run.others[:, x], run.others[:, y], **faded)
            ax.scatter(
                run.front[:, x],
                run.front[:, y],
                s=10,
                color="C0",
                zorder=2,
                label="Pareto front" if first else None,
            )
            if row == size - 1:
                ax.set_xlabel(titles[col])
            if col == 0:
                ax.set_ylabel(titles[row + 1])
    fig.legend(*grid[0][0].get_legend_handles_labels(), loc="upper right")
    return fig
