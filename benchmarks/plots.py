"""One PNG per problem: the fronts found by moopt and pymoo over the true front.

Figures are drawn on the Agg canvas directly, without pyplot, so no global
matplotlib state changes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from benchmarks.problems import true_front

# Drawing order and style of each series; later series are drawn on top.
# moopt's Pareto set comes from every trial, so it can contain thousands of
# points. Small dots on top keep the pymoo markers visible.
STYLES = {
    "pymoo_default": {"marker": "x", "s": 24, "color": "tab:orange"},
    "pymoo_same_operators": {"marker": "+", "s": 30, "color": "tab:green"},
    "moopt_pareto_set": {"marker": ".", "s": 6, "color": "tab:blue"},
}


def plot_front(name: str, fronts: dict[str, np.ndarray], seed: int, path: Path) -> None:
    """Save a scatter of ``fronts`` over the true front of problem ``name``.

    ``fronts`` maps a result row (see ``STYLES``) to its objective values.
    Three-objective problems get a 3-D scatter.
    """
    reference = true_front(name)
    three_d = reference.shape[1] == 3
    figure = Figure(figsize=(6.4, 5.2))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(projection="3d" if three_d else None)
    axes.scatter(
        *reference.T,
        s=1,
        color="0.6",
        alpha=0.4 if three_d else 1.0,
        label="true front",
    )
    for row, style in STYLES.items():
        if row in fronts:
            axes.scatter(*fronts[row].T, label=row, **style)
    axes.set_xlabel("f1")
    axes.set_ylabel("f2")
    if three_d:
        axes.set_zlabel("f3")
        axes.view_init(elev=25, azim=45)
    axes.set_title(f"{name}, seed {seed}: final fronts")
    axes.legend(loc="upper right", fontsize="small", markerscale=2)
    figure.savefig(path, dpi=100)
