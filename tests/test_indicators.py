"""Tests of hypervolume, IGD and IGD+ against oracles written from their definitions.

Hypervolume is checked against a 2-D sweep and an exact grid count written here,
and against moocore's own handling of maximized objectives. IGD and IGD+ are
checked against their definitions as means of nearest distances.
"""

from __future__ import annotations

import itertools
import math

import moocore
import numpy as np
import pytest
from conftest import (
    DIRECTION,
    objective_arrays,
    run_in_child_process,
    values_and_directions,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from moopt import hypervolume, igd, igd_plus

FAST = settings(max_examples=150, deadline=None)

# moocore 0.3.2 ends the interpreter with a segmentation fault when a point has
# -inf in three or more objectives, so hypervolume must keep infinities away
# from it. In-process tests draw -inf for at most two objectives, and larger
# inputs with -inf run in a child process in
# test_hypervolume_infinite_values_many_objectives. A regression then fails one
# test instead of stopping the whole session.
WITH_INFINITIES = {"max_objectives": 2}
FINITE = {"infinities": ()}


# Oracles -----------------------------------------------------------------------


def signs_of(directions: list[str] | None, n_objectives: int) -> np.ndarray:
    if directions is None:
        return np.ones(n_objectives)
    return np.array([1.0 if d == "minimize" else -1.0 for d in directions])


def inside_reference(minimized: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Return the points that strictly dominate the reference point."""
    return minimized[(minimized < reference).all(axis=1)]


def sweep_hypervolume_2d(minimized: np.ndarray, reference: np.ndarray) -> float:
    """Add, left to right, the slab each point adds below the best level so far."""
    points = sorted(inside_reference(minimized, reference).tolist())
    area = 0.0
    best_level = reference[1]
    for x, y in points:
        if y < best_level:
            area += (reference[0] - x) * (best_level - y)
            best_level = y
    return area


def grid_hypervolume(minimized: np.ndarray, reference: np.ndarray) -> float:
    """Sum the cells of the grid spanned by all coordinates that some point covers."""
    points = inside_reference(minimized, reference)
    if len(points) == 0:
        return 0.0
    if np.isneginf(points).any():
        return math.inf
    edges = [
        np.unique(np.append(points[:, k], reference[k])) for k in range(len(reference))
    ]
    volume = 0.0
    for cell in itertools.product(*(range(len(e) - 1) for e in edges)):
        corner = np.array([edges[k][i] for k, i in enumerate(cell)])
        if (points <= corner).all(axis=1).any():
            widths = [edges[k][i + 1] - edges[k][i] for k, i in enumerate(cell)]
            volume += math.prod(widths)
    return volume


def grid_hypervolume_with_directions(
    values: np.ndarray, reference: np.ndarray, directions: list[str]
) -> float:
    """Count the grid hypervolume after negating the maximized objectives."""
    signs = signs_of(directions, values.shape[1])
    return grid_hypervolume(values * signs, reference * signs)


def definition_igd(minimized: np.ndarray, front: np.ndarray) -> float:
    distances = [
        min(math.dist(point, target) for point in minimized.tolist())
        for target in front.tolist()
    ]
    return sum(distances) / len(distances)


def definition_igd_plus(minimized: np.ndarray, front: np.ndarray) -> float:
    """IGD+ counts only the amount by which a point is worse than the target."""

    def worse_by(point: list[float], target: list[float]) -> float:
        return math.sqrt(
            sum(max(p - t, 0.0) ** 2 for p, t in zip(point, target, strict=True))
        )

    distances = [
        min(worse_by(point, target) for point in minimized.tolist())
        for target in front.tolist()
    ]
    return sum(distances) / len(distances)


def assert_volume_equal(actual: float, expected: float) -> None:
    assert isinstance(actual, float)
    if math.isinf(expected):
        assert actual == expected
    else:
        assert actual == pytest.approx(expected, rel=1e-9, abs=1e-9)


@st.composite
def hypervolume_cases(draw: st.DrawFn, **array_options: object):
    values, directions = draw(values_and_directions(**array_options))
    reference = draw(
        st.lists(
            st.one_of(st.integers(-2, 4).map(float), st.floats(-1e3, 1e3)),
            min_size=values.shape[1],
            max_size=values.shape[1],
        )
    )
    return values, np.array(reference), directions


@st.composite
def distance_cases(draw: st.DrawFn):
    options = {"min_points": 1, "max_points": 8, "infinities": ()}
    values = draw(objective_arrays(**options))
    n_objectives = values.shape[1]
    options.update(min_objectives=n_objectives, max_objectives=n_objectives)
    front = draw(objective_arrays(**options))
    directions = draw(st.lists(DIRECTION, min_size=n_objectives, max_size=n_objectives))
    return values, front, directions


# Hypervolume -------------------------------------------------------------------


@FAST
@given(hypervolume_cases(min_objectives=2, max_objectives=2))
def test_hypervolume_2d_matches_sweep(case):
    values, reference, directions = case
    signs = signs_of(directions, 2)
    expected = sweep_hypervolume_2d(values * signs, reference * signs)
    assert_volume_equal(hypervolume(values, reference, directions), expected)


@settings(max_examples=100, deadline=None)
@given(hypervolume_cases(max_points=7, max_objectives=4, **FINITE))
def test_hypervolume_matches_grid_count(case):
    values, reference, directions = case
    expected = grid_hypervolume_with_directions(values, reference, directions)
    assert_volume_equal(hypervolume(values, reference, directions), expected)


@FAST
@given(hypervolume_cases(max_points=7, **WITH_INFINITIES))
def test_hypervolume_infinite_values_match_grid(case):
    values, reference, directions = case
    expected = grid_hypervolume_with_directions(values, reference, directions)
    assert_volume_equal(hypervolume(values, reference, directions), expected)


@FAST
@given(hypervolume_cases(max_points=7, min_objectives=3, infinities=(np.inf,)))
def test_hypervolume_positive_infinity_many_objectives(case):
    values, reference, _ = case
    # Minimize only, so +inf stays +inf: such a point lies beyond the reference.
    expected = grid_hypervolume(values, reference)
    assert_volume_equal(hypervolume(values, reference), expected)


@FAST
@given(hypervolume_cases(min_points=1, min_objectives=2, **FINITE))
def test_hypervolume_matches_moocore_maximise(case):
    values, reference, directions = case
    maximise = np.array([d == "maximize" for d in directions])
    expected = moocore.hypervolume(values, ref=reference, maximise=maximise)
    assert_volume_equal(hypervolume(values, reference, directions), expected)


@FAST
@given(hypervolume_cases(min_points=1, **FINITE), st.randoms(use_true_random=False))
def test_hypervolume_permutation_invariant(case, random):
    values, reference, directions = case
    permutation = random.sample(range(len(values)), len(values))
    expected = hypervolume(values, reference, directions)
    assert_volume_equal(
        hypervolume(values[permutation], reference, directions), expected
    )


@FAST
@given(hypervolume_cases(min_points=1, **FINITE), st.data())
def test_hypervolume_dominated_point_adds_nothing(case, data):
    values, reference, directions = case
    signs = signs_of(directions, values.shape[1])
    # A point no better than an existing one in any objective is weakly dominated.
    source = values[data.draw(st.integers(0, len(values) - 1))]
    worsening = np.array(
        data.draw(
            st.lists(
                st.sampled_from([0.0, 0.5, 3.0]),
                min_size=len(source),
                max_size=len(source),
            )
        )
    )
    dominated = source + worsening * signs
    extended = np.vstack([values, dominated])
    expected = hypervolume(values, reference, directions)
    assert_volume_equal(hypervolume(extended, reference, directions), expected)


def test_hypervolume_single_box():
    assert hypervolume([[1.0, 2.0, 3.0]], [2.0, 4.0, 6.0]) == 6.0


def test_hypervolume_mixed_directions_box():
    # Minimize the first objective, maximize the second: the box spans x in
    # [1, 4] and y in [0, 5].
    value = hypervolume([[1.0, 5.0]], [4.0, 0.0], ["minimize", "maximize"])
    assert value == 15.0


def test_hypervolume_single_objective_interval():
    assert hypervolume([[3.0], [1.0], [2.0]], [5.0]) == 4.0
    assert hypervolume([[3.0], [1.0], [2.0]], [0.0], ["maximize"]) == 3.0


# Hypervolumes computed in a child process, one JSON line per case, so that a
# crash inside a compiled extension fails the test that caused it.
ISOLATED_HYPERVOLUME = """
import json, sys
import moopt
for line in sys.stdin:
    case = json.loads(line)
    print(json.dumps(moopt.hypervolume(**case)), flush=True)
"""


def hypervolume_isolated(cases: list[tuple[np.ndarray, np.ndarray, list[str]]]) -> list:
    payloads = [
        {
            "values": values.tolist(),
            "reference_point": reference.tolist(),
            "directions": directions,
        }
        for values, reference, directions in cases
    ]
    return run_in_child_process(ISOLATED_HYPERVOLUME, payloads, "hypervolume")


def test_hypervolume_negative_infinity_three_objectives():
    values = np.array([[-np.inf, 1.0, 2.0]])
    [volume] = hypervolume_isolated(
        [(values, np.array([3.0, 3.0, 3.0]), ["minimize"] * 3)]
    )
    assert volume == math.inf


def test_hypervolume_infinite_values_many_objectives():
    rng = np.random.default_rng(8)
    levels = np.array([-np.inf, np.inf, -1.0, 0.0, 0.5, 1.0, 2.0])
    cases = []
    for _ in range(200):
        shape = (rng.integers(1, 7), rng.integers(3, 5))
        directions = rng.choice(["minimize", "maximize"], size=shape[1]).tolist()
        reference = rng.choice([-0.5, 1.5, 3.0], size=shape[1])
        cases.append((rng.choice(levels, size=shape), reference, directions))
    outputs = hypervolume_isolated(cases)
    for (values, reference, directions), volume in zip(cases, outputs, strict=True):
        expected = grid_hypervolume_with_directions(values, reference, directions)
        assert volume == pytest.approx(expected, rel=1e-9, abs=1e-9), (
            f"values={values.tolist()}, reference={reference.tolist()}, {directions}"
        )


@FAST
@given(hypervolume_cases(**FINITE))
def test_hypervolume_leaves_inputs_unchanged(case):
    values, reference, directions = case
    values_before, reference_before = values.copy(), reference.copy()
    hypervolume(values, reference, directions)
    np.testing.assert_array_equal(values, values_before)
    np.testing.assert_array_equal(reference, reference_before)


def test_hypervolume_accepts_read_only_arrays():
    values = np.array([[1.0, 3.0], [2.0, 2.0]])
    reference = np.array([4.0, 4.0])
    values.setflags(write=False)
    reference.setflags(write=False)
    assert hypervolume(values, reference) == 5.0


def test_hypervolume_accepts_list_input():
    assert hypervolume([[1, 3], [2, 2]], (4, 4)) == 5.0


# IGD and IGD+ ------------------------------------------------------------------


@FAST
@given(distance_cases())
def test_igd_matches_definition(case):
    values, front, directions = case
    signs = signs_of(directions, values.shape[1])
    expected = definition_igd(values * signs, front * signs)
    assert igd(values, front, directions) == pytest.approx(
        expected, rel=1e-9, abs=1e-12
    )


@FAST
@given(distance_cases())
def test_igd_plus_matches_definition(case):
    values, front, directions = case
    signs = signs_of(directions, values.shape[1])
    expected = definition_igd_plus(values * signs, front * signs)
    actual = igd_plus(values, front, directions)
    assert actual == pytest.approx(expected, rel=1e-9, abs=1e-12)


@FAST
@given(distance_cases())
def test_distance_indicators_match_moocore_maximise(case):
    values, front, directions = case
    maximise = np.array([d == "maximize" for d in directions])
    expected_igd = moocore.igd(values, ref=front, maximise=maximise)
    expected_plus = moocore.igd_plus(values, ref=front, maximise=maximise)
    assert igd(values, front, directions) == pytest.approx(expected_igd, rel=1e-12)
    assert igd_plus(values, front, directions) == pytest.approx(
        expected_plus, rel=1e-12
    )


@FAST
@given(distance_cases())
def test_igd_plus_never_exceeds_igd(case):
    values, front, directions = case
    assert igd_plus(values, front, directions) <= igd(values, front, directions) + 1e-12


@FAST
@given(objective_arrays(min_points=1, **FINITE))
def test_igd_of_front_itself_zero(front):
    assert igd(front, front) == 0.0
    assert igd_plus(front, front) == 0.0


def test_igd_plus_zero_when_dominating():
    front = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]])
    better = front - 0.5
    assert igd_plus(better, front) == 0.0
    # Plain IGD still counts the distance of 0.5 * sqrt(2) per point.
    assert igd(better, front) == pytest.approx(0.5 * math.sqrt(2.0))


def test_igd_plus_maximize_direction():
    front = np.array([[1.0, 3.0], [3.0, 1.0]])
    # Larger is better for both, so these points are better than the front.
    assert igd_plus(front + 1.0, front, ["maximize", "maximize"]) == 0.0
    assert igd_plus(front + 1.0, front) == pytest.approx(math.sqrt(2.0))


def test_igd_hand_computed_value():
    values = np.array([[0.0, 0.0]])
    front = np.array([[3.0, 4.0], [0.0, 1.0]])
    assert igd(values, front) == pytest.approx((5.0 + 1.0) / 2)


def test_distance_indicators_leave_inputs_unchanged():
    values = np.array([[1.0, 2.0], [2.0, 1.0]])
    front = np.array([[0.0, 2.0], [2.0, 0.0]])
    before = values.copy(), front.copy()
    igd(values, front, ["minimize", "maximize"])
    igd_plus(values, front, ["maximize", "minimize"])
    np.testing.assert_array_equal(values, before[0])
    np.testing.assert_array_equal(front, before[1])


# Bad input ---------------------------------------------------------------------


@pytest.mark.parametrize("reference", [[4.0], [4.0, 4.0, 4.0], [[4.0, 4.0]]])
def test_hypervolume_rejects_reference_wrong_length(reference):
    with pytest.raises(
        ValueError, match=r"reference_point must have one entry per objective \(2\)"
    ):
        hypervolume([[1.0, 2.0]], reference)


@pytest.mark.parametrize("infinity", [np.inf, -np.inf])
def test_hypervolume_rejects_infinite_reference(infinity):
    with pytest.raises(
        ValueError, match=r"reference_point must be finite, got \[1\.0, "
    ):
        hypervolume([[0.0, 0.0]], [1.0, infinity])


def test_hypervolume_rejects_nan_reference():
    with pytest.raises(ValueError, match="reference_point contains NaN"):
        hypervolume([[1.0, 2.0]], [np.nan, 3.0])


def test_hypervolume_rejects_text_reference():
    with pytest.raises(
        TypeError, match="reference_point must be a sequence of numbers"
    ):
        hypervolume([[1.0, 2.0]], ["a", "b"])


def test_hypervolume_rejects_nan_values():
    with pytest.raises(ValueError, match=r"values contains NaN in rows \[0\]"):
        hypervolume([[np.nan, 2.0], [1.0, 1.0]], [3.0, 3.0])


@pytest.mark.parametrize("shape", [(3,), (2, 2, 2)])
def test_hypervolume_rejects_wrong_dimensions(shape):
    with pytest.raises(ValueError, match=r"values must be 2-D .* got shape"):
        hypervolume(np.zeros(shape), [1.0, 1.0])


def test_hypervolume_rejects_unknown_direction():
    with pytest.raises(ValueError, match="unknown direction 'minimise'"):
        hypervolume([[1.0, 2.0]], [3.0, 3.0], ["minimise", "minimize"])


def test_hypervolume_rejects_directions_wrong_length():
    with pytest.raises(ValueError, match="directions has 3 entries but there are 2"):
        hypervolume([[1.0, 2.0]], [3.0, 3.0], ["minimize"] * 3)


@pytest.mark.parametrize("indicator", [igd, igd_plus])
def test_distance_rejects_column_mismatch(indicator):
    with pytest.raises(
        ValueError, match="reference_front has 3 objectives but values has 2"
    ):
        indicator(np.zeros((2, 2)), np.zeros((2, 3)))


@pytest.mark.parametrize("indicator", [igd, igd_plus])
@pytest.mark.parametrize(("n_values", "n_front"), [(0, 2), (2, 0)])
def test_distance_rejects_empty_sets(indicator, n_values, n_front):
    with pytest.raises(ValueError, match="must both hold at least one point"):
        indicator(np.zeros((n_values, 2)), np.zeros((n_front, 2)))


@pytest.mark.parametrize("indicator", [igd, igd_plus])
@pytest.mark.parametrize("infinity", [np.inf, -np.inf])
def test_distance_rejects_infinite_values(indicator, infinity):
    with pytest.raises(ValueError, match="values must be finite"):
        indicator([[infinity, 0.0]], [[0.0, 0.0]])
    with pytest.raises(ValueError, match="reference_front must be finite"):
        indicator([[0.0, 0.0]], [[0.0, infinity]])


@pytest.mark.parametrize("indicator", [igd, igd_plus])
def test_distance_rejects_nan_front(indicator):
    with pytest.raises(ValueError, match=r"reference_front contains NaN in rows \[1\]"):
        indicator([[0.0, 0.0]], [[0.0, 1.0], [np.nan, 0.0]])


@pytest.mark.parametrize("indicator", [igd, igd_plus])
def test_distance_rejects_unknown_direction(indicator):
    with pytest.raises(ValueError, match="unknown direction 'up'"):
        indicator([[0.0, 0.0]], [[1.0, 1.0]], ["up", "minimize"])


@pytest.mark.parametrize("indicator", [igd, igd_plus])
def test_distance_rejects_one_dimensional_front(indicator):
    with pytest.raises(ValueError, match=r"reference_front must be 2-D"):
        indicator([[0.0, 0.0]], [1.0, 1.0])
