"""Tests of ``plot_pareto_front`` on results and raw arrays, in 2-D and 3-D."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from pymoo.problems import get_problem

import moopt
from moopt import Float, plot_pareto_front


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def two_objective_result():
    def objective(params):
        x = params["x"]
        return {"acc": 1.0 - (x - 0.3) ** 2, "cost": x}

    return moopt.optimize(
        objective,
        {"x": Float(0.0, 1.0)},
        {"acc": "maximize", "cost": "minimize"},
        population_size=12,
        n_generations=3,
        seed=0,
    )


@pytest.fixture(scope="module")
def three_objective_result():
    return moopt.optimize(
        get_problem("dtlz2"), population_size=16, n_generations=4, seed=0
    )


def front_offsets(ax):
    """Return the points of the last scatter drawn on a 2-D Axes."""
    return np.asarray(ax.collections[-1].get_offsets())


def front_offsets_3d(ax):
    # Axes3D keeps the data coordinates of a scatter only in the private
    # _offsets3d, because get_offsets() returns projected coordinates.
    xs, ys, zs = ax.collections[-1]._offsets3d
    return np.column_stack([np.asarray(xs), np.asarray(ys), np.asarray(zs)])


def sorted_rows(array):
    array = np.asarray(array, dtype=float)
    return array[np.lexsort(array.T[::-1])]


def test_two_objective_result_plots_front(two_objective_result):
    result = two_objective_result

    ax = plot_pareto_front(result)

    assert isinstance(ax, matplotlib.axes.Axes)
    np.testing.assert_array_equal(front_offsets(ax), result.pareto_front)
    assert ax.get_xlabel() == "acc (maximize)"
    assert ax.get_ylabel() == "cost (minimize)"


def test_result_dominated_points_drawn_faded(two_objective_result):
    result = two_objective_result

    ax = plot_pareto_front(result)
    without = plot_pareto_front(result, show_dominated=False)

    members = {trial.number for trial in result.pareto_set}
    others = tuple(t for t in result.trials if t.number not in members)
    assert len(ax.collections) == 2
    np.testing.assert_array_equal(
        ax.collections[0].get_offsets(), result.values(others)
    )
    assert len(without.collections) == 1
    np.testing.assert_array_equal(front_offsets(without), result.pareto_front)


def test_three_objective_result_plots_front(three_objective_result):
    result = three_objective_result

    ax = plot_pareto_front(result)

    assert ax.name == "3d"
    assert result.pareto_front.shape[1] == 3
    np.testing.assert_array_equal(front_offsets_3d(ax), result.pareto_front)
    assert ax.get_zlabel() == "f3 (minimize)"


def test_raw_array_plots_nondominated_points():
    values = np.array([[1.0, 5.0], [2.0, 4.0], [3.0, 1.0], [2.5, 3.0], [0.5, 0.5]])

    minimized = plot_pareto_front(values)
    maximized = plot_pareto_front(values, directions=["maximize", "minimize"])

    # Minimizing both, (0.5, 0.5) dominates every other point. Maximizing the
    # first objective, (3, 1) dominates all but (0.5, 0.5).
    np.testing.assert_array_equal(front_offsets(minimized), [[0.5, 0.5]])
    np.testing.assert_array_equal(
        sorted_rows(front_offsets(maximized)), [[0.5, 0.5], [3.0, 1.0]]
    )
    assert maximized.get_xlabel() == "f1 (maximize)"


def test_plot_draws_on_given_axes(two_objective_result):
    _, (left, right) = plt.subplots(1, 2)
    figures_before = plt.get_fignums()

    ax = plot_pareto_front(two_objective_result, ax=right, color="red")

    assert ax is right
    assert len(left.collections) == 0
    assert plt.get_fignums() == figures_before
    colors = ax.collections[-1].get_facecolors()
    np.testing.assert_allclose(colors[0], matplotlib.colors.to_rgba("red"))


def test_three_objectives_on_2d_axes_raises(three_objective_result):
    _, ax = plt.subplots()

    with pytest.raises(
        ValueError, match="three objectives need an Axes made with projection='3d'"
    ):
        plot_pareto_front(three_objective_result, ax=ax)

    assert len(ax.collections) == 0


def test_plot_chosen_objectives_of_three(three_objective_result):
    result = three_objective_result

    ax = plot_pareto_front(result, objectives=(2, 0))

    np.testing.assert_array_equal(front_offsets(ax), result.pareto_front[:, [2, 0]])
    assert ax.get_xlabel() == "f3 (minimize)"
    assert ax.get_ylabel() == "f1 (minimize)"


@pytest.mark.parametrize("objectives", [(0,), (0, 1, 2, 0), (0, 3)])
def test_invalid_objective_indices_raise(three_objective_result, objectives):
    with pytest.raises(
        ValueError, match="objectives must be 2 or 3 column indices below 3"
    ):
        plot_pareto_front(three_objective_result, objectives=objectives)


def test_plot_changes_no_global_state(two_objective_result, three_objective_result):
    before = dict(matplotlib.rcParams)

    plot_pareto_front(two_objective_result)
    plot_pareto_front(three_objective_result)
    _, ax = plt.subplots()
    plot_pareto_front(np.array([[1.0, 2.0], [2.0, 1.0]]), ax=ax, marker="x", s=50)

    assert dict(matplotlib.rcParams) == before


def test_single_objective_array_rejected():
    with pytest.raises(ValueError, match="needs at least 2 objectives, got 1"):
        plot_pareto_front(np.array([[1.0], [2.0]]))
