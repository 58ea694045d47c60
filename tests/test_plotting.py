"""Tests of the plots and of the data each plot draws.

Data checks compare the helpers with brute-force recomputations: dominance
loops, hypervolume of each prefix of trials, and hand-worked positions.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import dataclasses
import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import LineCollection, PolyCollection
from pymoo.problems import get_problem

import moopt
from moopt import Categorical, Constraint, Float, Int, plot_pareto_front
from moopt._plot_attainment import staircase
from moopt._plot_history import history_band
from moopt._plot_parallel import format_ticks, parallel_coordinates
from moopt.plotting import attainment_surfaces


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


def test_front_of_infeasible_run_says_none_feasible():
    result = moopt.optimize(
        lambda params: {"f": params["x"], "g": 1 - params["x"], "c": 5.0},
        {"x": Float(0.0, 1.0)},
        {"f": "minimize", "g": "minimize"},
        constraints=[moopt.Constraint("c", "<=", 0.0)],
        population_size=6,
        n_generations=2,
        seed=0,
    )

    ax = plot_pareto_front(result)
    both = plot_pareto_front({"a": result, "b": result})

    _, labels = ax.get_legend_handles_labels()
    assert "least infeasible trials (none feasible)" in labels
    _, labels = both.get_legend_handles_labels()
    assert labels == ["a (none feasible)", "b (none feasible)"]


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
        ValueError, match="3 objectives need an Axes made with projection='3d'"
    ):
        plot_pareto_front(three_objective_result, ax=ax)

    assert len(ax.collections) == 0


def test_plot_chosen_objectives_of_three(three_objective_result):
    result = three_objective_result

    ax = plot_pareto_front(result, objectives=(2, 0))

    np.testing.assert_array_equal(front_offsets(ax), result.pareto_front[:, [2, 0]])
    assert ax.get_xlabel() == "f3 (minimize)"
    assert ax.get_ylabel() == "f1 (minimize)"


@pytest.mark.parametrize("objectives", [(0,), (0, 3), (-1, 0)])
def test_invalid_objective_indices_raise(three_objective_result, objectives):
    with pytest.raises(
        ValueError, match="objectives must be 2 or 3 column indices below 3"
    ):
        plot_pareto_front(three_objective_result, objectives=objectives)


def test_four_chosen_objectives_raise(four_objective_result):
    with pytest.raises(
        ValueError, match="objectives must be 2 or 3 column indices below 4"
    ):
        plot_pareto_front(four_objective_result, objectives=[0, 1, 2, 3])


@pytest.mark.parametrize(
    ("objectives", "repeated"),
    [(["acc", "acc"], "'acc'"), (["cost", 1], "'cost'"), ([0, 1, 0], "'acc'")],
)
def test_duplicate_objectives_raise(two_objective_result, objectives, repeated):
    with pytest.raises(ValueError, match=f"choose objective {repeated} twice"):
        plot_pareto_front(two_objective_result, objectives=objectives)


def test_objectives_as_one_string_raise(two_objective_result):
    with pytest.raises(TypeError, match="objectives must be a sequence of int or str"):
        plot_pareto_front(two_objective_result, objectives="acc")


def test_custom_labels_name_axes(two_objective_result, three_objective_result):
    flat = plot_pareto_front(two_objective_result, labels=["accuracy", "cost ($)"])
    deep = plot_pareto_front(three_objective_result, labels=("a", "b", "c"))

    assert flat.get_xlabel() == "accuracy"
    assert flat.get_ylabel() == "cost ($)"
    assert deep.get_zlabel() == "c"


@pytest.mark.parametrize(
    ("labels", "expected"),
    [(["a"], "expected 2, got 1"), (["a", "b", "c"], "expected 2, got 3")],
)
def test_labels_wrong_count_raise(two_objective_result, labels, expected):
    _, ax = plt.subplots()

    with pytest.raises(ValueError, match=expected):
        plot_pareto_front(two_objective_result, ax=ax, labels=labels)

    assert len(ax.collections) == 0


def test_labels_of_chosen_objectives_counted(three_objective_result):
    with pytest.raises(ValueError, match="expected 2, got 3"):
        plot_pareto_front(
            three_objective_result, objectives=[0, 2], labels=["a", "b", "c"]
        )


@pytest.mark.parametrize("labels", ["ab", ["a", 2]])
def test_labels_not_strings_raise(two_objective_result, labels):
    with pytest.raises(TypeError, match="labels must be a sequence of str"):
        plot_pareto_front(two_objective_result, labels=labels)


def test_four_objectives_need_a_choice(four_objective_result):
    values = four_objective_result.values()

    for data in (four_objective_result, values):
        with pytest.raises(
            ValueError,
            match=r"there are 4; pass objectives=\[i, j\] or \[i, j, k\].*"
            "plot_pairwise",
        ):
            plot_pareto_front(data)


def test_four_objectives_draw_chosen_ones(four_objective_result):
    result = four_objective_result

    flat = plot_pareto_front(result, objectives=[3, 1])
    deep = plot_pareto_front(result, objectives=["f1", "f2", "f4"])

    np.testing.assert_array_equal(front_offsets(flat), result.pareto_front[:, [3, 1]])
    assert flat.get_xlabel() == "f4 (minimize)"
    assert deep.name == "3d"
    np.testing.assert_array_equal(
        front_offsets_3d(deep), result.pareto_front[:, [0, 1, 3]]
    )


def test_two_objectives_on_3d_axes_raise(two_objective_result, three_objective_result):
    ax = plt.figure().add_subplot(projection="3d")

    with pytest.raises(ValueError, match="2 objectives need a 2-D Axes"):
        plot_pareto_front(two_objective_result, ax=ax)
    with pytest.raises(ValueError, match="2 objectives need a 2-D Axes"):
        plot_pareto_front(three_objective_result, ax=ax, objectives=[0, 1])

    assert len(ax.collections) == 0


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


# ---------------------------------------------------------------- fixtures


def mixed_objective(params):
    # Fails for part of the space, so the run has failed trials.
    if params["kind"] == "unstable" and params["x"] > 0.5:
        raise RuntimeError("diverged")
    error = (params["x"] - 0.3) ** 2 + 0.01 * params["layers"]
    return {"error": error, "accuracy": 1.0 - error + math.log10(params["lr"]) / 10}


MIXED_SPACE = {
    "x": Float(0.0, 1.0),
    "lr": Float(1e-4, 1e-1, log=True),
    "layers": Int(1, 8),
    "kind": Categorical(["plain", "unstable"]),
}


@pytest.fixture(scope="module")
def failing_result():
    result = moopt.optimize(
        mixed_objective,
        MIXED_SPACE,
        {"error": "minimize", "accuracy": "maximize"},
        population_size=12,
        n_generations=4,
        seed=3,
    )
    assert result.n_failed > 0
    return result


@pytest.fixture(scope="module")
def constrained_result():
    return moopt.optimize(
        mixed_objective,
        MIXED_SPACE,
        {"error": "minimize", "accuracy": "maximize"},
        constraints=[Constraint("error", "<=", 0.05)],
        population_size=10,
        n_generations=4,
        seed=5,
    )


@pytest.fixture(scope="module")
def zdt_runs():
    return [
        moopt.optimize(get_problem("zdt1"), population_size=12, n_generations=4, seed=s)
        for s in range(3)
    ]


@pytest.fixture(scope="module")
def four_objective_result():
    return moopt.optimize(
        get_problem("dtlz2", n_obj=4), population_size=12, n_generations=2, seed=0
    )


@pytest.fixture(params=["two", "three", "failing"])
def any_result(request, two_objective_result, three_objective_result, failing_result):
    return {
        "two": two_objective_result,
        "three": three_objective_result,
        "failing": failing_result,
    }[request.param]


def worse_reference(result):
    """Return a point worse than every complete trial by 1 in each objective."""
    values = result.values()
    signs = np.array([1.0 if d == "minimize" else -1.0 for d in result.directions])
    return ((values * signs).max(axis=0) + 1.0) * signs


def weakly_dominates(a, b):
    return bool(np.all(a <= b))


def brute_force_nondominated(points):
    """Return the distinct points that no other point dominates, minimizing all."""
    points = np.unique(np.asarray(points, dtype=float), axis=0)
    keep = []
    for i, p in enumerate(points):
        dominated = any(
            np.all(q <= p) and np.any(q < p) for j, q in enumerate(points) if j != i
        )
        if not dominated:
            keep.append(p)
    return np.array(keep).reshape(-1, points.shape[1])


# ------------------------------------------------- every plot renders each result


def test_pareto_front_renders_every_result(any_result):
    ax = plot_pareto_front(any_result)

    drawn = sum(len(c.get_offsets()) for c in ax.collections)
    assert drawn == len(any_result.values())
    assert ax.figure is not None


def test_parallel_coordinates_renders_every_result(any_result):
    _, ax = plt.subplots()

    returned = moopt.plot_parallel_coordinates(any_result, ax=ax)

    assert returned is ax
    collections = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert sum(len(c.get_segments()) for c in collections) == len(any_result.values())


def test_hypervolume_history_renders_every_result(any_result):
    _, ax = plt.subplots()

    returned = moopt.plot_hypervolume_history(
        any_result, worse_reference(any_result), ax=ax
    )

    assert returned is ax
    np.testing.assert_array_equal(
        ax.lines[0].get_xdata(), np.arange(1, len(any_result.trials) + 1)
    )


def test_pairwise_renders_every_result(any_result):
    fig = plt.figure()

    returned = moopt.plot_pairwise(any_result, fig=fig)

    n = len(any_result.objective_names)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert returned is fig
    assert len(visible) == n * (n - 1) // 2


@pytest.mark.parametrize("name", ["two", "failing"])
def test_attainment_renders_two_objective_results(
    name, two_objective_result, failing_result
):
    result = {"two": two_objective_result, "failing": failing_result}[name]
    _, ax = plt.subplots()

    returned = moopt.plot_attainment([result, result], ax=ax)

    assert returned is ax
    assert [line.get_label() for line in ax.lines] == ["best", "median", "worst"]
    assert ax.get_xlabel() == f"{result.objective_names[0]} ({result.directions[0]})"


def test_plots_leave_rcparams_unchanged(failing_result, zdt_runs):
    before = dict(matplotlib.rcParams)

    moopt.plot_parallel_coordinates(failing_result)
    moopt.plot_hypervolume_history(zdt_runs, [11.0, 11.0])
    moopt.plot_attainment(zdt_runs)
    moopt.plot_pairwise(failing_result)
    plot_pareto_front(zdt_runs, true_front=get_problem("zdt1").pareto_front())

    assert dict(matplotlib.rcParams) == before


# --------------------------------------------------- Pareto front comparisons


def test_several_runs_get_distinct_labels(zdt_runs):
    ax = plot_pareto_front({"seed 0": zdt_runs[0], "seed 1": zdt_runs[1]})
    unnamed = plot_pareto_front(zdt_runs)

    _, labels = ax.get_legend_handles_labels()
    _, default_labels = unnamed.get_legend_handles_labels()
    assert labels == ["seed 0", "seed 1"]
    assert default_labels == ["run 1", "run 2", "run 3"]
    np.testing.assert_array_equal(
        ax.collections[0].get_offsets(), zdt_runs[0].pareto_front
    )
    np.testing.assert_array_equal(
        ax.collections[1].get_offsets(), zdt_runs[1].pareto_front
    )
    colors = [tuple(c.get_facecolors()[0]) for c in unnamed.collections]
    assert len(set(colors)) == 3


def test_comparison_hides_dominated_unless_asked(zdt_runs):
    default = plot_pareto_front(zdt_runs[:2])
    with_faded = plot_pareto_front(zdt_runs[:2], show_dominated=True)

    assert len(default.collections) == 2
    members = {t.number for t in zdt_runs[0].pareto_set}
    others = tuple(t for t in zdt_runs[0].trials if t.number not in members)
    assert len(with_faded.collections) == 4
    np.testing.assert_array_equal(
        with_faded.collections[0].get_offsets(), zdt_runs[0].values(others)
    )
    np.testing.assert_allclose(
        with_faded.collections[0].get_facecolors()[0][:3],
        with_faded.collections[2].get_facecolors()[0][:3],
    )


def test_comparison_mixes_result_and_array(two_objective_result):
    # Maximizing acc and minimizing cost, (0.9, 0.2) dominates (0.5, 0.5).
    array = np.array([[0.9, 0.2], [0.5, 0.5]])

    ax = plot_pareto_front({"moopt": two_objective_result, "other": array})

    np.testing.assert_array_equal(ax.collections[-1].get_offsets(), [[0.9, 0.2]])
    assert ax.get_xlabel() == "acc (maximize)"


def test_true_front_drawn_as_sorted_line(zdt_runs):
    true_front = get_problem("zdt1").pareto_front()[::-1]

    ax = plot_pareto_front(zdt_runs[0], true_front=true_front)
    swapped = plot_pareto_front(zdt_runs[0], true_front=true_front, objectives=(1, 0))

    line = ax.lines[0]
    assert line.get_label() == "true front"
    np.testing.assert_array_equal(line.get_xdata(), np.sort(true_front[:, 0]))
    order = np.argsort(true_front[:, 0])
    np.testing.assert_array_equal(line.get_ydata(), true_front[order, 1])
    np.testing.assert_array_equal(
        swapped.lines[0].get_xdata(), np.sort(true_front[:, 1])
    )
    np.testing.assert_array_equal(front_offsets(ax), zdt_runs[0].pareto_front)


def test_true_front_three_objectives_faint_points(three_objective_result):
    true_front = get_problem("dtlz2").pareto_front()

    ax = plot_pareto_front(three_objective_result, true_front=true_front)

    faint = np.column_stack([np.asarray(c) for c in ax.collections[0]._offsets3d])
    assert ax.collections[0].get_label() == "true front"
    np.testing.assert_array_equal(sorted_rows(faint), sorted_rows(true_front))
    np.testing.assert_array_equal(
        front_offsets_3d(ax), three_objective_result.pareto_front
    )


def test_failed_trials_never_drawn(failing_result):
    ax = plot_pareto_front(failing_result)

    drawn = np.concatenate([c.get_offsets() for c in ax.collections])
    complete = failing_result.values()
    assert len(drawn) == len(complete)
    assert len(failing_result.trials) - failing_result.n_failed == len(complete)
    assert np.isfinite(drawn).all()


def test_three_objective_runs_compared_in_3d(three_objective_result):
    ax = plot_pareto_front(
        {"a": three_objective_result, "b": three_objective_result.pareto_front * 2}
    )

    _, labels = ax.get_legend_handles_labels()
    assert ax.name == "3d"
    assert labels == ["a", "b"]
    np.testing.assert_array_equal(
        front_offsets_3d(ax), three_objective_result.pareto_front * 2
    )


def test_true_front_wrong_columns_raises(two_objective_result):
    with pytest.raises(
        ValueError, match="true_front has 3 columns but the runs have 2"
    ):
        plot_pareto_front(two_objective_result, true_front=np.ones((4, 3)))


def test_runs_with_different_objectives_raise(two_objective_result, zdt_runs):
    with pytest.raises(ValueError, match="results optimize different objectives"):
        plot_pareto_front([two_objective_result, zdt_runs[0]])


# ------------------------------------------------------ parallel coordinates


@pytest.fixture(scope="module")
def hand_result():
    configs = [
        {"lr": 0.01, "dropout": 0.1, "layers": 4, "kind": "b"},
        {"lr": 0.001, "dropout": 0.2, "layers": 2, "kind": "a"},
        {"lr": 10.0, "dropout": 0.3, "layers": 10, "kind": "c"},
        {"lr": 0.1, "dropout": 0.4, "layers": 6, "kind": "a"},
    ]
    outputs = {
        (0.01, 4): {"accuracy": 0.4, "size": 2.0},
        (0.001, 2): {"accuracy": 0.2, "size": 1.0},
        (10.0, 10): {"accuracy": 1.0, "size": 5.0},
        (0.1, 6): {"accuracy": 0.6, "size": 3.0},
    }

    def objective(params):
        return outputs[(params["lr"], params["layers"])]

    return moopt.optimize(
        objective,
        {
            "lr": Float(1e-3, 1e1, log=True),
            "dropout": Float(0.0, 0.5),
            "layers": Int(2, 10, step=2),
            "kind": Categorical(["a", "b", "c"]),
        },
        {"accuracy": "maximize", "size": "minimize"},
        initial_params=configs,
        population_size=4,
        n_trials=4,
        seed=0,
    )


def test_parallel_positions_match_hand_values(hand_result):
    data = parallel_coordinates(hand_result, None, None, "pareto_set")

    # lr spans 4 decades, so 0.01 sits 1/4 of the way up. dropout spans its
    # bounds [0, 0.5], not the observed 0.1..0.4. layers 4 on [2, 10] is at
    # (4 - 2) / 8, and "b" is the middle of three choices. accuracy is
    # maximized, at (v - 0.2) / 0.8, and size is minimized, at (5 - v) / 4,
    # so the better end of each objective is at 1.
    expected = [
        [0.25, 0.2, 0.25, 0.5, 0.25, 0.75],
        [0.0, 0.4, 0.0, 0.0, 0.0, 1.0],
        [1.0, 0.6, 1.0, 1.0, 1.0, 0.0],
        [0.5, 0.8, 0.5, 0.0, 0.5, 0.5],
    ]
    assert data.titles == [
        "lr",
        "dropout",
        "layers",
        "kind",
        "accuracy (max)",
        "size (min)",
    ]
    np.testing.assert_allclose(data.positions, expected, atol=1e-12)


def test_parallel_ticks_in_user_units(hand_result):
    data = parallel_coordinates(hand_result, None, None, "pareto_set")

    np.testing.assert_allclose(data.ticks[0], [0.0, 0.25, 0.5, 0.75, 1.0], atol=1e-12)
    assert data.tick_labels[0] == ["0.001", "0.01", "0.1", "1", "10"]
    dropout_labels = [float(label) for label in data.tick_labels[1]]
    np.testing.assert_allclose(data.ticks[1], np.array(dropout_labels) / 0.5)
    assert dropout_labels[0] == 0.0
    assert dropout_labels[-1] == 0.5
    layer_labels = [int(label) for label in data.tick_labels[2]]
    assert all(value % 2 == 0 and 2 <= value <= 10 for value in layer_labels)
    np.testing.assert_allclose(
        data.ticks[2], [(v - 2) / 8 for v in layer_labels], atol=1e-12
    )
    np.testing.assert_allclose(data.ticks[3], [0.0, 0.5, 1.0])
    assert data.tick_labels[3] == ["a", "b", "c"]
    size_ticks = {
        label: tick
        for tick, label in zip(data.ticks[5], data.tick_labels[5], strict=True)
    }
    assert size_ticks["1"] == pytest.approx(1.0)
    assert size_ticks["5"] == pytest.approx(0.0)


def test_parallel_highlights_pareto_set(hand_result, failing_result):
    data = parallel_coordinates(hand_result, None, None, "pareto_set")
    chosen = parallel_coordinates(
        failing_result, ["x"], ["error"], [failing_result.pareto_set[0]]
    )

    # Each trial with more accuracy costs more size, so all four are optimal.
    assert data.highlighted.tolist() == [True, True, True, True]
    assert chosen.highlighted.sum() == 1
    assert chosen.positions.shape == (len(failing_result.values()), 2)
    assert chosen.titles == ["x", "error (min)"]


def test_parallel_without_space_infers_axes(hand_result):
    bare = dataclasses.replace(hand_result, space=None)

    data = parallel_coordinates(bare, None, None, None)

    # Numbers span their observed ranges linearly: lr 0.001..10, dropout
    # 0.1..0.4 and layers 2..10. Kinds are in order of first appearance.
    lr = np.array([0.01, 0.001, 10.0, 0.1])
    np.testing.assert_allclose(data.positions[:, 0], (lr - 0.001) / (10 - 0.001))
    np.testing.assert_allclose(data.positions[:, 1], [0.0, 1 / 3, 2 / 3, 1.0])
    np.testing.assert_allclose(data.positions[:, 2], [0.25, 0.0, 1.0, 0.5])
    np.testing.assert_allclose(data.positions[:, 3], [0.0, 0.5, 1.0, 0.5])
    assert data.tick_labels[3] == ["b", "a", "c"]
    assert not data.highlighted.any()


def test_loaded_study_keeps_space(tmp_path):
    path = tmp_path / "study.db"
    result = moopt.optimize(
        mixed_objective,
        MIXED_SPACE,
        {"error": "minimize", "accuracy": "maximize"},
        population_size=6,
        n_generations=2,
        seed=1,
        storage=path,
    )

    loaded = moopt.load_study(path)

    assert result.space == MIXED_SPACE
    assert loaded.space == MIXED_SPACE
    np.testing.assert_array_equal(
        parallel_coordinates(loaded, None, None, None).positions,
        parallel_coordinates(result, None, None, None).positions,
    )


def test_parallel_draws_titles_and_ticks(hand_result):
    ax = moopt.plot_parallel_coordinates(hand_result)

    titles = [label.get_text() for label in ax.get_xticklabels()]
    texts = {text.get_text() for text in ax.texts}
    assert titles[0] == "lr"
    assert titles[-2:] == ["accuracy\n(max)", "size\n(min)"]
    assert {"0.001", "10", "a", "b", "c"} <= texts
    _, labels = ax.get_legend_handles_labels()
    assert labels == ["trials", "Pareto set"]


def test_parallel_unknown_parameter_raises(hand_result):
    with pytest.raises(ValueError, match="unknown parameter 'depth'"):
        moopt.plot_parallel_coordinates(hand_result, params=["depth"])


def test_parallel_figure_widens_with_axes(hand_result):
    narrow = moopt.plot_parallel_coordinates(
        hand_result, params=["lr"], objectives=["size"]
    )
    wide = moopt.plot_parallel_coordinates(hand_result)

    # Two axes keep the 6-inch minimum, and six axes take 1.1 inches each.
    assert narrow.figure.get_size_inches()[0] == pytest.approx(6.0)
    assert wide.figure.get_size_inches()[0] == pytest.approx(6.6)


@pytest.mark.parametrize(
    ("values", "integer", "expected"),
    [
        ([9.0, 1500.0, 4083.7], False, ["9", "1500", "4084"]),
        ([0.0, 0.1, 0.25, 0.5], False, ["0", "0.1", "0.25", "0.5"]),
        ([0.012345, 0.5], False, ["0.0123", "0.5"]),
        ([0.0, 15000.0, 40830.0], False, ["0", "1.5e4", "4.08e4"]),
        ([9.0, 1500.0, 40830.0], False, ["9e0", "1.5e3", "4.08e4"]),
        ([1e-5, 1e-4, 0.1], False, ["1e-5", "1e-4", "1e-1"]),
        ([1000.2, 1000.4, 1000.6], False, ["1000.2", "1000.4", "1000.6"]),
        ([-2.5, 0.0, 2.5], False, ["-2.5", "0", "2.5"]),
        ([2.0, 4.0, 10.0], True, ["2", "4", "10"]),
        ([10.0, 100.0, 20000.0], True, ["1e1", "1e2", "2e4"]),
    ],
)
def test_tick_labels_share_one_notation(values, integer, expected):
    assert format_ticks(values, integer) == expected


def test_parallel_ticks_never_mix_notations(failing_result, two_objective_result):
    for result in (failing_result, two_objective_result):
        data = parallel_coordinates(result, None, None, "pareto_set")

        for title, labels in zip(data.titles, data.tick_labels, strict=True):
            if title == "kind":
                continue
            scientific = ["e" in label for label in labels]
            assert len(set(scientific)) == 1, (title, labels)


def test_parallel_highlighted_range_spans_chosen(hand_result):
    # Trials 0 and 3 have accuracy 0.4 and 0.6 and size 2 and 3. Trial 1
    # (accuracy 0.2, size 1) and trial 2 (accuracy 1.0, size 5) lie outside
    # both spans, so they stop at the axis ends, and size is minimized, so
    # its smaller values are at the top.
    chosen = [hand_result.trials[0], hand_result.trials[3]]

    data = parallel_coordinates(hand_result, [], None, chosen, "highlighted")

    np.testing.assert_allclose(data.positions[:, 0], [0.0, 0.0, 1.0, 1.0])
    np.testing.assert_allclose(data.positions[:, 1], [1.0, 1.0, 0.0, 0.0])
    assert data.tick_labels[0][0] == "0.4"
    assert data.tick_labels[0][-1] == "0.6"
    assert data.highlighted.tolist() == [True, False, False, True]


def test_parallel_highlighted_single_trial_centred(hand_result):
    data = parallel_coordinates(
        hand_result, [], None, [hand_result.trials[0]], "highlighted"
    )

    # Trial 0 is at the middle. The others sit at the end they lie toward,
    # with better values at the top.
    np.testing.assert_allclose(data.positions[:, 0], [0.5, 0.0, 1.0, 1.0])
    np.testing.assert_allclose(data.positions[:, 1], [0.5, 1.0, 0.0, 0.0])
    assert data.tick_labels == [["0.4"], ["2"]]


def test_parallel_highlighted_range_draws_clipped(failing_result):
    everything = parallel_coordinates(failing_result, ["x"], None, "pareto_set")

    ax = moopt.plot_parallel_coordinates(
        failing_result, params=["x"], objective_range="highlighted"
    )

    # Spanning every trial, the Pareto set stays above the bottom of each
    # objective axis. Spanning the Pareto set only, its best and worst
    # members reach both ends, and every other line stays within [0, 1].
    assert everything.positions[everything.highlighted, 1:].min() > 0.0
    (pareto_lines,) = [c for c in ax.collections if c.get_label() == "Pareto set"]
    heights = np.array([segment[:, 1] for segment in pareto_lines.get_segments()])
    for axis in (1, 2):
        assert heights[:, axis].min() == pytest.approx(0.0)
        assert heights[:, axis].max() == pytest.approx(1.0)
    faded = next(c for c in ax.collections if c.get_label() == "trials")
    for segment in faded.get_segments():
        assert (segment[:, 1] >= 0.0).all()
        assert (segment[:, 1] <= 1.0).all()


def test_parallel_objective_range_checked(hand_result):
    with pytest.raises(ValueError, match="objective_range must be 'all' or"):
        parallel_coordinates(hand_result, None, None, "pareto_set", "pareto")
    with pytest.raises(ValueError, match="objective_range='highlighted' needs"):
        parallel_coordinates(hand_result, None, None, None, "highlighted")


def test_parallel_foreign_trial_raises(hand_result, two_objective_result):
    # hand_result has trials 0 to 3, and its trial 0 has other params than
    # trial 0 of two_objective_result.
    for trial in (two_objective_result.trials[5], two_objective_result.trials[0]):
        with pytest.raises(
            ValueError,
            match=f"highlighted trial {trial.number} is not a trial of this result",
        ):
            moopt.plot_parallel_coordinates(hand_result, highlight=[trial])


def test_parallel_single_trial_highlight_raises(hand_result):
    with pytest.raises(TypeError, match="got the single trial 2; wrap it in a list"):
        moopt.plot_parallel_coordinates(hand_result, highlight=hand_result.trials[2])


def test_parallel_on_3d_axes_raises(hand_result):
    ax = plt.figure().add_subplot(projection="3d")

    with pytest.raises(ValueError, match="parallel coordinates need a 2-D Axes"):
        moopt.plot_parallel_coordinates(hand_result, ax=ax)


# ------------------------------------------------------- hypervolume history


def brute_force_history(result, reference, trials):
    """Return the hypervolume of the feasible trials of each prefix of ``trials``."""
    values = []
    for end in range(1, len(trials) + 1):
        feasible = tuple(t for t in trials[:end] if t.feasible)
        values.append(
            moopt.hypervolume(result.values(feasible), reference, result.directions)
        )
    return np.array(values)


def test_history_last_value_equals_hypervolume(zdt_runs, failing_result):
    for result, reference in ((zdt_runs[0], [11.0, 11.0]), (failing_result, [1, 0])):
        _, hv = moopt.hypervolume_history(result, reference)

        assert hv[-1] == pytest.approx(moopt.hypervolume(result, reference))


def test_history_matches_prefix_recomputation(failing_result):
    reference = worse_reference(failing_result)
    trials = sorted(failing_result.trials, key=lambda t: t.number)

    x, hv = moopt.hypervolume_history(failing_result, reference)

    np.testing.assert_array_equal(x, np.arange(1, len(trials) + 1))
    np.testing.assert_allclose(
        hv, brute_force_history(failing_result, reference, trials), rtol=1e-12
    )
    assert np.all(np.diff(hv) >= 0)


def test_history_skips_infeasible_trials(constrained_result):
    result = constrained_result
    reference = worse_reference(result)
    trials = sorted(result.trials, key=lambda t: t.number)

    _, hv = moopt.hypervolume_history(result, reference)

    assert any(t.state == "complete" and not t.feasible for t in trials)
    np.testing.assert_allclose(hv, brute_force_history(result, reference, trials))


def test_history_by_generation_matches_recomputation(failing_result):
    reference = worse_reference(failing_result)

    x, hv = moopt.hypervolume_history(failing_result, reference, by="generation")

    generations = sorted({t.generation for t in failing_result.trials})
    assert x.tolist() == generations
    for generation, value in zip(generations, hv, strict=True):
        finished = tuple(t for t in failing_result.trials if t.generation <= generation)
        feasible = tuple(t for t in finished if t.feasible)
        expected = moopt.hypervolume(
            failing_result.values(feasible), reference, failing_result.directions
        )
        assert value == pytest.approx(expected)


def test_history_reference_wrong_length_raises(two_objective_result):
    with pytest.raises(ValueError, match=r"reference_point must have one entry per"):
        moopt.hypervolume_history(two_objective_result, [1.0, 2.0, 3.0])


def test_history_unknown_by_raises(two_objective_result):
    with pytest.raises(ValueError, match="by must be 'trial' or 'generation'"):
        moopt.hypervolume_history(two_objective_result, [0.0, 2.0], by="time")


def test_history_band_on_common_grid():
    first = (np.array([1, 2, 3, 4]), np.array([0.0, 1.0, 2.0, 3.0]))
    second = (np.array([1, 3]), np.array([0.5, 4.0]))

    band = history_band([first, second], (0, 100))

    # The grid stops where the shorter run ends, and the second run keeps its
    # value 0.5 at x = 2.
    np.testing.assert_array_equal(band.x, [1, 2, 3])
    np.testing.assert_allclose(band.median, [0.25, 0.75, 3.0])
    np.testing.assert_allclose(band.low, [0.0, 0.5, 2.0])
    np.testing.assert_allclose(band.high, [0.5, 1.0, 4.0])


def test_history_band_disjoint_runs_raise():
    early = (np.array([1, 2]), np.array([0.0, 1.0]))
    late = (np.array([5, 6]), np.array([0.0, 1.0]))

    with pytest.raises(ValueError, match="the histories share no x range"):
        history_band([early, late], (25, 75))


def test_history_plot_draws_median_and_band(zdt_runs):
    reference = [11.0, 11.0]
    histories = [moopt.hypervolume_history(r, reference) for r in zdt_runs]

    ax = moopt.plot_hypervolume_history(zdt_runs, reference, band=(0, 100))

    stacked = np.array([hv for _, hv in histories])
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), histories[0][0])
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.median(stacked, axis=0))
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 1
    vertices = bands[0].get_paths()[0].vertices
    assert vertices[:, 1].max() == pytest.approx(stacked.max())


def test_history_plot_compares_stored_pairs(zdt_runs):
    x, hv = moopt.hypervolume_history(zdt_runs[0], [11.0, 11.0], by="generation")

    ax = moopt.plot_hypervolume_history(
        {"moopt": zdt_runs, "stored": [(x, hv), (x, hv * 0.5)]},
        [11.0, 11.0],
        by="generation",
    )

    _, labels = ax.get_legend_handles_labels()
    assert labels == ["moopt", "stored"]
    np.testing.assert_allclose(ax.lines[1].get_ydata(), hv * 0.75)
    assert ax.get_xlabel() == "generation (0 = initial population)"


def test_history_generations_marked_from_zero(zdt_runs):
    x, hv = moopt.hypervolume_history(zdt_runs[0], [11.0, 11.0], by="generation")

    by_generation = moopt.plot_hypervolume_history(
        zdt_runs[0], [11.0, 11.0], by="generation"
    )
    by_trial = moopt.plot_hypervolume_history(zdt_runs[0], [11.0, 11.0])

    # 4 generations of 12 trials, counted from 0 for the initial population.
    line = by_generation.lines[0]
    np.testing.assert_array_equal(x, [0, 1, 2, 3])
    np.testing.assert_array_equal(line.get_xdata(), x)
    np.testing.assert_allclose(line.get_ydata(), hv)
    assert line.get_marker() == "o"
    assert by_generation.get_xlabel() == "generation (0 = initial population)"
    assert by_trial.lines[0].get_marker() == "None"


@pytest.mark.parametrize("runs", [{}, [], ()])
def test_history_no_runs_raise(runs):
    with pytest.raises(ValueError, match="no runs to draw; pass a Result"):
        moopt.plot_hypervolume_history(runs, [1.0, 1.0])


def test_history_empty_method_named(zdt_runs):
    with pytest.raises(ValueError, match="no runs to draw for 'b'"):
        moopt.plot_hypervolume_history({"a": zdt_runs, "b": []}, [11.0, 11.0])


def test_history_on_3d_axes_raises(zdt_runs):
    ax = plt.figure().add_subplot(projection="3d")

    with pytest.raises(ValueError, match="hypervolume histories need a 2-D Axes"):
        moopt.plot_hypervolume_history(zdt_runs, [11.0, 11.0], ax=ax)


def test_history_plot_result_needs_reference(two_objective_result):
    with pytest.raises(ValueError, match="reference_point is needed"):
        moopt.plot_hypervolume_history(two_objective_result)


# ------------------------------------------------------ attainment surfaces


def test_attainment_hand_worked_two_runs():
    first = np.array([[1.0, 3.0], [3.0, 1.0]])
    second = np.array([[2.0, 2.0]])

    surfaces = attainment_surfaces([first, second])

    # Both runs attain a point only when it is at least (2, 2) and either
    # x >= 3 or y >= 3. With 2 runs the median needs 1 run, like the best.
    np.testing.assert_array_equal(surfaces["best"], [[1, 3], [2, 2], [3, 1]])
    np.testing.assert_array_equal(surfaces["median"], surfaces["best"])
    np.testing.assert_array_equal(surfaces["worst"], [[2, 3], [3, 2]])


def test_attainment_maximized_objective_negated_back():
    first = np.array([[1.0, -3.0], [3.0, -1.0]])
    second = np.array([[2.0, -2.0]])

    surfaces = attainment_surfaces(
        [first, second], directions=["minimize", "maximize"], levels=["worst"]
    )

    np.testing.assert_array_equal(surfaces["worst"], [[2, -3], [3, -2]])


def test_attainment_best_is_nondominated_union(zdt_runs):
    surfaces = attainment_surfaces(zdt_runs)

    union = np.concatenate([r.pareto_front for r in zdt_runs])
    expected = brute_force_nondominated(union)
    np.testing.assert_allclose(
        np.unique(surfaces["best"], axis=0), expected, rtol=0, atol=0
    )


def test_attainment_levels_attained_by_enough_runs(zdt_runs):
    surfaces = attainment_surfaces(zdt_runs, levels=["median", "worst", 3])

    fronts = [r.pareto_front for r in zdt_runs]
    for level, needed in (("median", 2), ("worst", 3)):
        assert len(surfaces[level]) > 0
        for point in surfaces[level]:
            attained = sum(
                any(weakly_dominates(q, point) for q in front) for front in fronts
            )
            assert attained >= needed, (level, point)
    np.testing.assert_array_equal(surfaces[3], surfaces["worst"])


def test_attainment_empty_front_attains_nothing():
    first = np.array([[1.0, 3.0], [3.0, 1.0]])
    empty = np.zeros((0, 2))

    surfaces = attainment_surfaces([first, empty])

    np.testing.assert_array_equal(surfaces["best"], first)
    assert surfaces["worst"].shape == (0, 2)


def test_attainment_staircase_vertices():
    surface = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]])

    vertices = staircase(surface, np.ones(2), np.array([4.0, 5.0]))

    expected = [[1, 5], [1, 3], [2, 3], [2, 2], [3, 2], [3, 1], [4, 1]]
    np.testing.assert_array_equal(vertices, expected)


def test_attainment_plot_compares_methods(zdt_runs):
    ax = moopt.plot_attainment(
        {"a": zdt_runs, "b": zdt_runs[:2]}, levels=["best", "worst"]
    )

    labels = [line.get_label() for line in ax.lines]
    assert labels == ["a best", "a worst", "b best", "b worst"]
    assert ax.lines[0].get_linestyle() == ":"
    assert ax.lines[1].get_linestyle() == "--"
    assert ax.lines[0].get_color() != ax.lines[2].get_color()


def test_attainment_arrays_take_result_directions(two_objective_result):
    # acc is maximized and cost minimized, so (0.9, 0.2) dominates (0.5, 0.5).
    stored = np.array([[0.9, 0.2], [0.5, 0.5], [1.0, 0.6]])

    ax = moopt.plot_attainment(
        {"moopt": [two_objective_result], "stored": [stored]}, levels=["best"]
    )

    line = ax.lines[1]
    assert line.get_label() == "stored best"
    corners = np.column_stack([line.get_xdata(), line.get_ydata()])[1:-1:2]
    np.testing.assert_array_equal(corners, [[1.0, 0.6], [0.9, 0.2]])
    assert ax.get_xlabel() == "acc (maximize)"


def test_attainment_three_objectives_raise(three_objective_result):
    with pytest.raises(ValueError, match="need exactly 2 objectives, got 3"):
        moopt.plot_attainment([three_objective_result, three_objective_result])


def test_attainment_objective_counts_named(zdt_runs, three_objective_result):
    with pytest.raises(
        ValueError, match="need exactly 2 objectives, got 3 in run 2 of 'b'"
    ) as error:
        moopt.plot_attainment(
            {"a": zdt_runs, "b": [zdt_runs[0], three_objective_result]}
        )

    assert "directions" not in str(error.value)


def test_attainment_result_directions_named(two_objective_result, zdt_runs):
    with pytest.raises(
        ValueError,
        match=r"run 1 of 'b' optimizes \['f1', 'f2'\] with directions "
        r"\['minimize', 'minimize'\], but run 1 of 'a' optimizes "
        r"\['acc', 'cost'\] with directions \['maximize', 'minimize'\]",
    ) as error:
        moopt.plot_attainment({"a": [two_objective_result], "b": zdt_runs})

    assert "directions argument" not in str(error.value)


def test_attainment_directions_argument_mismatch(two_objective_result):
    with pytest.raises(ValueError, match="drop the directions argument"):
        moopt.plot_attainment(
            [two_objective_result], directions=["minimize", "minimize"]
        )


def test_attainment_empty_method_raises(zdt_runs):
    with pytest.raises(ValueError, match=r"fronts\['b'\] is empty"):
        moopt.plot_attainment({"a": zdt_runs, "b": []})
    with pytest.raises(ValueError, match="no runs to draw"):
        moopt.plot_attainment({})


def test_attainment_on_3d_axes_raises(zdt_runs):
    ax = plt.figure().add_subplot(projection="3d")

    with pytest.raises(ValueError, match="attainment surfaces need a 2-D Axes"):
        moopt.plot_attainment(zdt_runs, ax=ax)

    assert len(ax.lines) == 0


def test_attainment_unknown_level_raises(zdt_runs):
    with pytest.raises(ValueError, match="levels must be 'best', 'median', 'worst'"):
        attainment_surfaces(zdt_runs, levels=[4])


# ------------------------------------------------------------------ pairwise


def test_pairwise_grid_of_four_objectives(four_objective_result):
    result = four_objective_result

    fig = moopt.plot_pairwise(result)

    grid = np.array(fig.axes).reshape(3, 3)
    for row in range(3):
        for col in range(3):
            ax = grid[row, col]
            assert ax.get_visible() == (col <= row)
            if col <= row:
                np.testing.assert_array_equal(
                    ax.collections[-1].get_offsets(),
                    result.pareto_front[:, [col, row + 1]],
                )
    assert grid[2, 0].get_xlabel() == "f1 (minimize)"
    assert grid[2, 0].get_ylabel() == "f4 (minimize)"


def test_pairwise_chosen_objectives_by_name(four_objective_result):
    fig = moopt.plot_pairwise(four_objective_result, objectives=["f3", "f1"])

    (ax,) = fig.axes
    np.testing.assert_array_equal(
        ax.collections[-1].get_offsets(), four_objective_result.pareto_front[:, [2, 0]]
    )


def test_pairwise_used_figure_raises(two_objective_result):
    fig, _ = plt.subplots()

    with pytest.raises(ValueError, match="fig already contains Axes"):
        moopt.plot_pairwise(two_objective_result, fig=fig)
