"""Hand-worked edge cases for the kernels, each with its expected value.

The expected values were computed by hand from the definitions: hypervolume as
the area of a union of boxes, crowding distance as Deb's sum of normalized
neighbour gaps.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DIRECTION, objective_arrays
from hypothesis import given, settings
from hypothesis import strategies as st

from moopt import crowding_distance, hypervolume, nondominated_rank
from moopt._operators import binary_tournament
from moopt._sorting import front_crowding, survival_order

INF = np.inf


# Hypervolume and dominated points ----------------------------------------------

DOMINATED_EXAMPLE = np.array(
    [[6.0, 6.5], [5.0, 7.0], [4.0, 6.5], [3.0, 7.5], [2.0, 7.5]]
)


def test_hypervolume_ignores_dominated_points():
    reference = [7.0, 8.5]
    directions = ["minimize", "minimize"]
    assert hypervolume(DOMINATED_EXAMPLE, reference, directions) == pytest.approx(8.0)
    # Summing every point's own box would give 20.
    non_dominated = DOMINATED_EXAMPLE[[2, 4]]
    assert hypervolume(non_dominated, reference, directions) == pytest.approx(8.0)


def test_rank_dominated_example_fronts():
    ranks = nondominated_rank(DOMINATED_EXAMPLE, ["minimize", "minimize"])
    assert ranks.tolist() == [1, 1, 0, 1, 0]


# Crowding distance ---------------------------------------------------------------


def test_crowding_constant_objective_adds_nothing():
    values = np.array([[2.0, 2.0, 7.0], [1.0, 3.0, 7.0], [3.0, 1.0, 7.0]])
    np.testing.assert_allclose(crowding_distance(values), [2.0, INF, INF])


def test_crowding_constant_objective_permuted():
    values = np.array([[1.0, 3.0, 7.0], [2.0, 2.0, 7.0], [3.0, 1.0, 7.0]])
    np.testing.assert_allclose(crowding_distance(values), [INF, 2.0, INF])


@pytest.mark.parametrize(
    "values",
    [
        [[1.0, 2.0]],
        [[1.0, 2.0], [2.0, 1.0]],
        [[1.0, 2.0], [1.0, 2.0]],
    ],
)
def test_crowding_small_fronts_infinite(values):
    distances = crowding_distance(np.array(values))
    assert distances.shape == (len(values),)
    assert np.isposinf(distances).all()


def test_crowding_infinite_column_adds_nothing():
    values = np.array([[2.0, 2.0, INF], [1.0, 3.0, INF], [3.0, 1.0, INF]])
    np.testing.assert_allclose(crowding_distance(values), [2.0, INF, INF])


@st.composite
def fronts_with_infinity(draw: st.DrawFn) -> np.ndarray:
    values = draw(objective_arrays(min_points=1))
    row = draw(st.integers(0, len(values) - 1))
    column = draw(st.integers(0, values.shape[1] - 1))
    values[row, column] = draw(st.sampled_from([INF, -INF]))
    return values


@settings(max_examples=200, deadline=None)
@given(fronts_with_infinity())
def test_crowding_infinite_values_never_nan(values):
    distances = crowding_distance(values)
    assert distances.shape == (len(values),)
    assert not np.isnan(distances).any()


@settings(max_examples=100, deadline=None)
@given(fronts_with_infinity(), st.data())
def test_front_crowding_infinite_values_never_nan(values, data):
    fronts = np.array(
        data.draw(
            st.lists(st.integers(0, 2), min_size=len(values), max_size=len(values))
        )
    )
    assert not np.isnan(front_crowding(values, fronts)).any()


def test_crowding_close_points_hand_values():
    values = np.array([[0.0, 4.0], [1.0, 3.0], [1.1, 2.9], [3.0, 1.0], [4.0, 0.0]])
    np.testing.assert_allclose(
        crowding_distance(values), [INF, 0.55, 1.0, 1.45, INF], rtol=1e-12
    )


# Survival ----------------------------------------------------------------------


def test_survival_truncation_keeps_largest_distances():
    values = np.array([[0.0, 4.0], [1.0, 3.0], [1.1, 2.9], [3.0, 1.0], [4.0, 0.0]])
    _, _, order = survival_order(values, np.zeros(len(values)))
    assert set(order[:3].tolist()) == {0, 3, 4}


def test_survival_keeps_one_of_second_front():
    # Front 0 is {1, 3, 4} and front 1 is {0, 2}. Both members of front 1 have
    # infinite crowding distance, so the lower index survives.
    values = np.array([[2.0, 3.0], [0.0, 2.0], [3.0, 2.0], [2.0, 0.0], [1.0, 1.0]])
    ranks, crowding, order = survival_order(values, np.zeros(len(values)))
    assert ranks.tolist() == [1, 0, 1, 0, 0]
    assert np.isposinf(crowding[[0, 2]]).all()
    assert set(order[:4].tolist()) == {0, 1, 3, 4}


def test_survival_single_point_second_front():
    values = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])
    ranks, crowding, order = survival_order(values, np.zeros(3))
    assert ranks.tolist() == [0, 0, 1]
    assert np.isposinf(crowding).all()
    assert order.tolist() == [0, 1, 2]


# Hypervolume beyond the reference point and of empty sets ----------------------


def test_hypervolume_points_beyond_reference_add_nothing():
    points = [[1.0, 3.0], [2.0, 2.0], [5.0, 0.0], [3.0, 4.0]]
    assert hypervolume(points, [4.0, 4.0]) == pytest.approx(5.0)


def test_hypervolume_no_point_inside_reference_zero():
    points = [[5.0, 0.0], [4.5, 4.5], [0.0, 4.0]]
    assert hypervolume(points, [4.0, 4.0]) == 0.0


def test_hypervolume_empty_set_zero():
    value = hypervolume(np.zeros((0, 2)), [4.0, 4.0])
    assert isinstance(value, float)
    assert value == 0.0


# Hypervolume with duplicates, maximization and integers ------------------------

STAIRCASE = [[1.0, 3.0], [1.0, 3.0], [2.0, 2.0], [3.0, 1.0]]


def test_hypervolume_duplicates_counted_once():
    assert hypervolume(STAIRCASE, [4.0, 4.0]) == pytest.approx(6.0)


def test_hypervolume_maximize_both_objectives():
    points = [[3.0, 1.0], [3.0, 1.0], [2.0, 2.0], [1.0, 3.0]]
    value = hypervolume(points, [0.0, 0.0], ["maximize", "maximize"])
    assert value == pytest.approx(6.0)


def test_hypervolume_integer_input_exact():
    points = np.array(STAIRCASE, dtype=np.int64)
    reference = np.array([5, 5], dtype=np.int64)
    assert hypervolume(points, reference) == pytest.approx(13.0)
    extended = np.vstack([points, np.array([[0, 4]], dtype=np.int64)])
    assert hypervolume(extended, reference) == pytest.approx(14.0)
    as_float = hypervolume(extended.astype(np.float64), reference.astype(np.float64))
    assert hypervolume(extended, reference) == as_float


def test_hypervolume_added_point_increases():
    assert hypervolume([*STAIRCASE, [1.5, 2.5]], [4.0, 4.0]) == pytest.approx(6.25)


@st.composite
def set_reference_and_extra_point(draw: st.DrawFn):
    # -inf only in up to two objectives, because moocore 0.3.2 crashes on -inf in
    # three or more (see test_hypervolume_infinite_values_many_objectives).
    values = draw(
        st.one_of(
            objective_arrays(infinities=()),
            objective_arrays(max_objectives=2),
        )
    )
    n_objectives = values.shape[1]
    coordinate = st.one_of(st.integers(-3, 4).map(float), st.floats(-1e3, 1e3))
    vector = st.lists(coordinate, min_size=n_objectives, max_size=n_objectives)
    reference = np.array(draw(vector))
    extra = np.array([draw(vector)])
    directions = draw(st.lists(DIRECTION, min_size=n_objectives, max_size=n_objectives))
    return values, reference, extra, directions


@settings(max_examples=200, deadline=None)
@given(set_reference_and_extra_point())
def test_hypervolume_adding_point_never_lowers(case):
    values, reference, extra, directions = case
    before = hypervolume(values, reference, directions)
    after = hypervolume(np.vstack([values, extra]), reference, directions)
    assert after >= before * (1 - 1e-12)


# Parent selection --------------------------------------------------------------


def test_tournament_nine_parents_from_ten():
    rng = np.random.default_rng(0)
    ranks = np.array([0, 1, 0, 2, 1, 0, 3, 1, 2, 0])
    crowding = np.array([INF, 1.0, 0.5, INF, 0.2, 0.7, INF, 0.1, 0.3, INF])
    parents = binary_tournament(ranks, crowding, 9, rng)
    assert parents.shape == (9,)
    assert ((parents >= 0) & (parents < 10)).all()
