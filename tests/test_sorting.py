"""Tests of non-dominated ranking, Pareto masks and crowding distance.

Each kernel is checked against a brute-force O(n^2) oracle written here in plain
Python, and ranking also against pymoo's own fast non-dominated sort (its
``Dominator`` path, which does not go through moocore) and against moocore's
handling of maximized objectives.
"""

from __future__ import annotations

import math
import warnings

import moocore
import numpy as np
import pytest
from conftest import objective_arrays, run_in_child_process, values_and_directions
from hypothesis import given, settings
from hypothesis import strategies as st
from pymoo.util.dominator import Dominator
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

from moopt import crowding_distance, nondominated_rank, pareto_mask
from moopt._sorting import front_crowding, survival_order

FAST = settings(max_examples=150, deadline=None)

# moocore 0.3.2 ends the interpreter with a segmentation fault on -inf in three
# or more objectives (pareto_rank, is_nondominated), so the kernels must keep
# infinities away from it. In-process tests draw -inf for at most two
# objectives, and larger inputs with -inf run in a child process in
# test_rank_infinite_values_many_objectives. A regression then fails one test
# instead of stopping the whole session.
WITH_INFINITIES = {"max_objectives": 2}
FINITE = {"infinities": ()}


# Brute-force oracles ---------------------------------------------------------


def to_minimized(values: np.ndarray, directions: list[str] | None) -> np.ndarray:
    if directions is None:
        return np.asarray(values, dtype=float)
    signs = [1.0 if d == "minimize" else -1.0 for d in directions]
    return np.asarray(values, dtype=float) * signs


def dominates(a: list[float], b: list[float]) -> bool:
    no_worse = all(x <= y for x, y in zip(a, b, strict=True))
    better = any(x < y for x, y in zip(a, b, strict=True))
    return no_worse and better


def constrained_dominates(
    a: list[float], b: list[float], violation_a: float, violation_b: float
) -> bool:
    if violation_a == 0 and violation_b > 0:
        return True
    if violation_a > 0 and violation_b > 0:
        return violation_a < violation_b
    if violation_a > 0 and violation_b == 0:
        return False
    return dominates(a, b)


def peel_fronts(n_points: int, beats) -> list[int]:
    """Rank by removing, front after front, the points nothing left beats."""
    ranks = [-1] * n_points
    remaining = set(range(n_points))
    rank = 0
    while remaining:
        front = {
            i for i in remaining if not any(beats(j, i) for j in remaining if j != i)
        }
        for i in front:
            ranks[i] = rank
        remaining -= front
        rank += 1
    return ranks


def brute_ranks(minimized: np.ndarray) -> list[int]:
    points = minimized.tolist()
    return peel_fronts(len(points), lambda j, i: dominates(points[j], points[i]))


def brute_constrained_ranks(minimized: np.ndarray, violations: np.ndarray) -> list[int]:
    points = minimized.tolist()
    amounts = violations.tolist()

    def beats(j: int, i: int) -> bool:
        return constrained_dominates(points[j], points[i], amounts[j], amounts[i])

    return peel_fronts(len(points), beats)


def brute_crowding(values: np.ndarray) -> list[float]:
    """Deb's sum form: per objective, the gap between the nearest distinct values.

    Points holding an objective's minimum or maximum get inf, an objective whose
    range is zero or not finite adds nothing, and fronts of at most two points
    are all infinite.
    """
    points = np.asarray(values, dtype=float).tolist()
    n_points = len(points)
    if n_points <= 2:
        return [math.inf] * n_points
    distances = [0.0] * n_points
    for column in zip(*points, strict=True):
        lowest, highest = min(column), max(column)
        span = highest - lowest
        if not (math.isfinite(span) and span > 0):
            continue
        for i, value in enumerate(column):
            if value in (lowest, highest):
                distances[i] = math.inf
                continue
            below = max(c for c in column if c < value)
            above = min(c for c in column if c > value)
            distances[i] += (above - below) / span
    return distances


class ConstrainedDominator:
    """Relation matrix for pymoo's fast non-dominated sort under constraints.

    pymoo's own constrained relation lets Pareto dominance split infeasible
    points of equal violation, so only the feasible pairs use its
    ``Dominator.get_relation`` here.
    """

    def __init__(self, violations: np.ndarray) -> None:
        self.violations = violations

    def calc_domination_matrix(self, values: np.ndarray) -> np.ndarray:
        n_points = len(values)
        relation = np.zeros((n_points, n_points))
        for i in range(n_points):
            for j in range(n_points):
                first, second = self.violations[i], self.violations[j]
                if first == 0 and second == 0:
                    relation[i, j] = Dominator.get_relation(values[i], values[j])
                else:
                    relation[i, j] = np.sign(second - first)
        return relation


def pymoo_ranks(minimized: np.ndarray, dominator: object) -> np.ndarray:
    _, ranks = NonDominatedSorting(dominator=dominator).do(minimized, return_rank=True)
    return ranks


@st.composite
def values_and_violations(
    draw: st.DrawFn, **array_options: object
) -> tuple[np.ndarray, np.ndarray]:
    values = draw(objective_arrays(min_points=1, **array_options))
    # Few distinct violation levels, so feasible points and equal violations occur.
    levels = st.sampled_from([0.0, 0.0, 0.5, 1.0, 2.5])
    violations = draw(
        st.lists(levels, min_size=len(values), max_size=len(values)).map(np.array)
    )
    return values, violations


# Non-dominated rank ------------------------------------------------------------


@FAST
@given(values_and_directions(**FINITE))
def test_rank_matches_brute_force_peeling(case):
    values, directions = case
    ranks = nondominated_rank(values, directions)
    expected = brute_ranks(to_minimized(values, directions))
    assert ranks.dtype == np.int64
    assert ranks.tolist() == expected


@FAST
@given(values_and_directions(**WITH_INFINITIES))
def test_rank_infinite_values_match_brute_force(case):
    values, directions = case
    ranks = nondominated_rank(values, directions)
    assert ranks.tolist() == brute_ranks(to_minimized(values, directions))


@FAST
@given(objective_arrays(min_objectives=3, infinities=(np.inf,)))
def test_rank_positive_infinity_many_objectives(values):
    # +inf alone is safe to pass to moocore in any number of objectives.
    assert nondominated_rank(values).tolist() == brute_ranks(values)
    expected_mask = [rank == 0 for rank in brute_ranks(values)]
    assert pareto_mask(values).tolist() == expected_mask


@FAST
@given(values_and_directions(min_points=1, infinities=()))
def test_rank_matches_pymoo_fast_sort(case):
    values, directions = case
    ranks = nondominated_rank(values, directions)
    expected = pymoo_ranks(to_minimized(values, directions), Dominator())
    np.testing.assert_array_equal(ranks, expected)


@FAST
@given(values_and_directions(min_points=1, **FINITE))
def test_rank_matches_moocore_maximise(case):
    values, directions = case
    # A numpy array, because moocore 0.3.2 reads the one-element list [False]
    # as "maximize everything".
    maximise = np.array([d == "maximize" for d in directions])
    expected = moocore.pareto_rank(values, maximise=maximise)
    np.testing.assert_array_equal(nondominated_rank(values, directions), expected)


@FAST
@given(objective_arrays(min_points=1, **FINITE), st.randoms(use_true_random=False))
def test_rank_permutation_permutes_output(values, random):
    permutation = np.array(random.sample(range(len(values)), len(values)))
    ranks = nondominated_rank(values)
    np.testing.assert_array_equal(
        nondominated_rank(values[permutation]), ranks[permutation]
    )


def test_rank_duplicate_points_share_front():
    values = np.array([[1.0, 2.0], [1.0, 2.0], [2.0, 1.0], [3.0, 3.0], [3.0, 3.0]])
    assert nondominated_rank(values).tolist() == [0, 0, 0, 1, 1]


def test_rank_maximize_reverses_order():
    values = np.array([[1.0], [2.0], [3.0]])
    assert nondominated_rank(values, ["minimize"]).tolist() == [0, 1, 2]
    assert nondominated_rank(values, ["maximize"]).tolist() == [2, 1, 0]


def test_rank_mixed_directions_chain():
    # Under (minimize, maximize) each point dominates the next one.
    values = np.array([[0.0, 3.0], [1.0, 2.0], [2.0, 1.0]])
    assert nondominated_rank(values, ["minimize", "maximize"]).tolist() == [0, 1, 2]
    assert nondominated_rank(values).tolist() == [0, 0, 0]


def test_rank_infinite_values_ordered():
    values = np.array([[-np.inf, 1.0], [np.inf, -np.inf], [np.inf, np.inf], [0.0, 0.0]])
    assert nondominated_rank(values).tolist() == brute_ranks(values)
    assert nondominated_rank(values).tolist() == [0, 0, 1, 0]


def test_rank_integer_input_matches_float():
    values = np.array([[3, 1], [2, 2], [1, 3], [3, 3], [2, 2]], dtype=np.int64)
    expected = nondominated_rank(values.astype(np.float64))
    np.testing.assert_array_equal(nondominated_rank(values), expected)
    assert nondominated_rank(values).tolist() == [0, 0, 0, 1, 0]


def test_rank_empty_input_is_empty():
    ranks = nondominated_rank(np.zeros((0, 3)))
    assert ranks.shape == (0,)
    assert ranks.dtype == np.int64


def test_rank_single_objective_orders_values():
    values = np.array([[2.0], [0.0], [2.0], [1.0]])
    assert nondominated_rank(values).tolist() == [2, 0, 2, 1]


# Ranks and masks computed in a child process, one JSON line per case, so that a
# crash inside a compiled extension fails the test that caused it.
ISOLATED_KERNELS = """
import json, sys
import numpy as np
import moopt
for line in sys.stdin:
    case = json.loads(line)
    values = np.array(case["values"], dtype=float)
    ranks = moopt.nondominated_rank(values, case["directions"])
    mask = moopt.pareto_mask(values, case["directions"])
    print(json.dumps([ranks.tolist(), mask.tolist()]), flush=True)
"""


def run_kernels_isolated(cases: list[tuple[np.ndarray, list[str]]]) -> list:
    payloads = [
        {"values": values.tolist(), "directions": directions}
        for values, directions in cases
    ]
    return run_in_child_process(
        ISOLATED_KERNELS, payloads, "nondominated_rank/pareto_mask"
    )


def test_rank_negative_infinity_three_objectives():
    values = np.array([[0.0, -np.inf, 2.0], [1.0, 0.0, 0.0]])
    [(ranks, mask)] = run_kernels_isolated([(values, ["minimize"] * 3)])
    assert ranks == [0, 0]
    assert mask == [True, True]


def test_rank_infinite_values_many_objectives():
    rng = np.random.default_rng(7)
    levels = np.array([-np.inf, np.inf, -1.0, 0.0, 0.5, 1.0, 2.0])
    cases = []
    for _ in range(300):
        shape = (rng.integers(1, 11), rng.integers(3, 5))
        directions = rng.choice(["minimize", "maximize"], size=shape[1]).tolist()
        cases.append((rng.choice(levels, size=shape), directions))
    outputs = run_kernels_isolated(cases)
    for (values, directions), (ranks, mask) in zip(cases, outputs, strict=True):
        expected = brute_ranks(to_minimized(values, directions))
        assert ranks == expected, f"values={values.tolist()}, {directions}"
        assert mask == [rank == 0 for rank in expected]


# Constrained rank --------------------------------------------------------------


@FAST
@given(
    st.one_of(values_and_violations(**FINITE), values_and_violations(**WITH_INFINITIES))
)
def test_constrained_rank_matches_brute_force(case):
    values, violations = case
    ranks = nondominated_rank(values, violations=violations)
    assert ranks.tolist() == brute_constrained_ranks(values, violations)


@FAST
@given(values_and_violations(**FINITE))
def test_constrained_rank_matches_pymoo_dominator(case):
    values, violations = case
    expected = pymoo_ranks(values, ConstrainedDominator(violations))
    np.testing.assert_array_equal(
        nondominated_rank(values, violations=violations), expected
    )


def test_constrained_rank_feasible_first():
    # The infeasible point would dominate everything without its violation.
    values = np.array([[0.0, 0.0], [1.0, 2.0], [2.0, 1.0], [3.0, 3.0]])
    violations = np.array([0.1, 0.0, 0.0, 0.0])
    assert nondominated_rank(values, violations=violations).tolist() == [2, 0, 0, 1]


def test_constrained_rank_equal_violations_share():
    values = np.array([[0.0, 0.0], [5.0, 5.0], [1.0, 1.0], [2.0, 2.0]])
    violations = np.array([2.0, 0.5, 0.5, 0.0])
    # Infeasible points are ordered by violation alone, whatever their values.
    assert nondominated_rank(values, violations=violations).tolist() == [2, 1, 1, 0]


def test_constrained_rank_all_infeasible():
    values = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    violations = np.array([3.0, 1.0, 2.0])
    assert nondominated_rank(values, violations=violations).tolist() == [2, 0, 1]


def test_constrained_rank_zero_violations_plain():
    values = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0], [4.0, 4.0]])
    plain = nondominated_rank(values)
    constrained = nondominated_rank(values, violations=np.zeros(4))
    np.testing.assert_array_equal(constrained, plain)


# Pareto mask -------------------------------------------------------------------


@FAST
@given(
    st.one_of(values_and_directions(**FINITE), values_and_directions(**WITH_INFINITIES))
)
def test_pareto_mask_matches_brute_force(case):
    values, directions = case
    mask = pareto_mask(values, directions)
    expected = [rank == 0 for rank in brute_ranks(to_minimized(values, directions))]
    assert mask.dtype == bool
    assert mask.tolist() == expected


@FAST
@given(values_and_directions(min_points=1, **FINITE))
def test_pareto_mask_matches_moocore_maximise(case):
    values, directions = case
    maximise = np.array([d == "maximize" for d in directions])
    expected = moocore.is_nondominated(values, maximise=maximise, keep_weakly=True)
    np.testing.assert_array_equal(pareto_mask(values, directions), expected)


def test_pareto_mask_keeps_duplicates():
    values = np.array([[1.0, 2.0], [1.0, 2.0], [2.0, 2.0]])
    assert pareto_mask(values).tolist() == [True, True, False]


def test_pareto_mask_empty_input():
    mask = pareto_mask(np.zeros((0, 2)))
    assert mask.shape == (0,)
    assert mask.dtype == bool


# Crowding distance -------------------------------------------------------------


@FAST
@given(objective_arrays())
def test_crowding_matches_brute_force(values):
    distances = crowding_distance(values)
    assert distances.dtype == np.float64
    np.testing.assert_allclose(distances, brute_crowding(values), rtol=1e-12, atol=0)


@FAST
@given(objective_arrays())
def test_crowding_never_returns_nan(values):
    assert not np.isnan(crowding_distance(values)).any()


@FAST
@given(objective_arrays(min_points=1), st.randoms(use_true_random=False))
def test_crowding_permutation_permutes_output(values, random):
    permutation = np.array(random.sample(range(len(values)), len(values)))
    distances = crowding_distance(values)
    np.testing.assert_allclose(
        crowding_distance(values[permutation]), distances[permutation], rtol=1e-12
    )


@FAST
@given(objective_arrays(min_points=3, infinities=()))
def test_crowding_invariant_under_negation(values):
    # Crowding depends on neighbours only, never on which direction is better.
    np.testing.assert_allclose(
        crowding_distance(-values), crowding_distance(values), rtol=1e-12
    )


@FAST
@given(objective_arrays(min_points=3, infinities=()))
def test_crowding_extremes_are_infinite(values):
    distances = crowding_distance(values)
    for column in values.T:
        if column.max() > column.min():
            holds_extreme = (column == column.min()) | (column == column.max())
            assert np.isinf(distances[holds_extreme]).all()


def test_crowding_interior_point_value():
    values = np.array([[0.0, 4.0], [1.0, 2.0], [4.0, 0.0]])
    # Gaps 4/4 and 4/4 for the middle point.
    np.testing.assert_allclose(crowding_distance(values), [np.inf, 2.0, np.inf])


def test_crowding_tied_values_share_neighbours():
    values = np.array([[0.0, 6.0], [2.0, 3.0], [2.0, 3.0], [6.0, 0.0]])
    # Both copies take 0 and 6 as neighbours in each objective: 6/6 + 6/6.
    np.testing.assert_allclose(crowding_distance(values), [np.inf, 2.0, 2.0, np.inf])


def test_crowding_infinite_range_no_warning():
    # The first and last columns have range inf - inf, which is NaN, and the
    # middle one inf - (-inf). None of them may raise a RuntimeWarning.
    values = np.array(
        [[np.inf, 0.0, -np.inf], [np.inf, -np.inf, -np.inf], [np.inf, np.inf, -np.inf]]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        distances = crowding_distance(values)
    np.testing.assert_allclose(distances, brute_crowding(values))


def test_crowding_integer_input_matches_float():
    values = np.array([[0, 4], [1, 3], [3, 1], [4, 0]], dtype=np.int64)
    expected = crowding_distance(values.astype(np.float64))
    np.testing.assert_array_equal(crowding_distance(values), expected)


def test_crowding_empty_front():
    assert crowding_distance(np.zeros((0, 2))).shape == (0,)


# Survival order ----------------------------------------------------------------


@FAST
@given(
    st.one_of(values_and_violations(**FINITE), values_and_violations(**WITH_INFINITIES))
)
def test_survival_order_ranks_then_crowding(case):
    values, violations = case
    ranks, crowding, order = survival_order(values, violations)
    expected_ranks = brute_constrained_ranks(values, violations)
    assert ranks.tolist() == expected_ranks

    expected_crowding = np.zeros(len(values))
    for rank in set(expected_ranks):
        members = np.flatnonzero(ranks == rank)
        expected_crowding[members] = brute_crowding(values[members])
    np.testing.assert_allclose(crowding, expected_crowding, rtol=1e-12, atol=0)

    # Within a rank, a point that repeats the objective vector of any point
    # with a lower index comes after the distinct ones.
    rows = values.tolist()
    repeated = [rows[i] in rows[:i] for i in range(len(rows))]
    assert sorted(order.tolist()) == list(range(len(values)))
    keys = [(ranks[i], repeated[i], -crowding[i], i) for i in order]
    assert keys == sorted(keys)


@FAST
@given(objective_arrays(min_points=1), st.data())
def test_front_crowding_matches_per_front(values, data):
    fronts = np.array(
        data.draw(
            st.lists(st.integers(0, 2), min_size=len(values), max_size=len(values))
        )
    )
    distances = front_crowding(values, fronts)
    for front in np.unique(fronts):
        members = np.flatnonzero(fronts == front)
        np.testing.assert_allclose(
            distances[members], brute_crowding(values[members]), rtol=1e-12, atol=0
        )


# Inputs are never modified -----------------------------------------------------


@FAST
@given(
    st.one_of(values_and_violations(**FINITE), values_and_violations(**WITH_INFINITIES))
)
def test_kernels_leave_inputs_unchanged(case):
    values, violations = case
    values_before, violations_before = values.copy(), violations.copy()
    directions = ["maximize"] * values.shape[1]
    nondominated_rank(values, directions, violations=violations)
    pareto_mask(values, directions)
    crowding_distance(values)
    survival_order(values, violations)
    np.testing.assert_array_equal(values, values_before)
    np.testing.assert_array_equal(violations, violations_before)


def test_kernels_accept_read_only_arrays():
    values = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]])
    values.setflags(write=False)
    assert nondominated_rank(values).tolist() == [0, 0, 1]
    assert pareto_mask(values).tolist() == [True, True, False]
    assert np.isinf(crowding_distance(values)).all()


# Bad input ---------------------------------------------------------------------

KERNELS = [nondominated_rank, pareto_mask, crowding_distance]


@pytest.mark.parametrize("kernel", KERNELS)
def test_kernel_rejects_nan_values(kernel):
    values = np.array([[1.0, 2.0], [np.nan, 0.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match=r"values contains NaN in rows \[1\]"):
        kernel(values)


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("shape", [(4,), (2, 3, 2), ()])
def test_kernel_rejects_wrong_dimensions(kernel, shape):
    with pytest.raises(ValueError, match=r"values must be 2-D .* got shape"):
        kernel(np.zeros(shape))


@pytest.mark.parametrize("kernel", KERNELS)
def test_kernel_rejects_zero_objectives(kernel):
    with pytest.raises(ValueError, match="at least one objective"):
        kernel(np.zeros((3, 0)))


@pytest.mark.parametrize("kernel", KERNELS)
def test_kernel_rejects_non_numeric_values(kernel):
    with pytest.raises(TypeError, match="values must be a numeric array"):
        kernel([["a", "b"], ["c", "d"]])


@pytest.mark.parametrize("kernel", [nondominated_rank, pareto_mask])
def test_kernel_rejects_unknown_direction(kernel):
    with pytest.raises(ValueError, match="unknown direction 'max'"):
        kernel(np.zeros((2, 2)), ["minimize", "max"])


@pytest.mark.parametrize("kernel", [nondominated_rank, pareto_mask])
def test_kernel_rejects_directions_wrong_length(kernel):
    with pytest.raises(ValueError, match="directions has 1 entries but there are 2"):
        kernel(np.zeros((2, 2)), ["minimize"])


@pytest.mark.parametrize("kernel", [nondominated_rank, pareto_mask])
def test_kernel_rejects_direction_string(kernel):
    with pytest.raises(TypeError, match="directions must be a sequence"):
        kernel(np.zeros((2, 1)), "minimize")


def test_rank_rejects_negative_violations():
    with pytest.raises(ValueError, match=r"violations must be non-negative.*-0\.5"):
        nondominated_rank(np.zeros((3, 2)), violations=np.array([0.0, -0.5, 1.0]))


def test_rank_rejects_nan_violations():
    with pytest.raises(ValueError, match="violations must be non-negative"):
        nondominated_rank(np.zeros((2, 2)), violations=np.array([0.0, np.nan]))


@pytest.mark.parametrize("shape", [(2,), (3, 1), (4,), ()])
def test_rank_rejects_violations_wrong_shape(shape):
    with pytest.raises(ValueError, match=r"violations must have shape \(3,\)"):
        nondominated_rank(np.zeros((3, 2)), violations=np.zeros(shape))
