"""select and hypervolume_contributions on fronts with hand-worked values."""

from __future__ import annotations

import itertools

import moocore
import numpy as np
import pytest

import moopt
from moopt import Int


def result_of(rows, directions, extra=None):
    """Return a Result whose trial i has the objective values rows[i]."""
    names = [f"f{j + 1}" for j in range(len(directions))]
    optimizer = moopt.NSGA2(
        {"i": Int(0, len(rows) - 1)},
        dict(zip(names, directions, strict=True)),
        population_size=len(rows),
        initial_params=[{"i": i} for i in range(len(rows))],
        seed=0,
    )
    for trial in optimizer.ask():
        i = trial.params["i"]
        values = dict(zip(names, rows[i], strict=True))
        values.update((extra or {}).get(i, {}))
        optimizer.tell(trial, values)
    return optimizer.result()


# A convex front, both minimized. Normalized, the extremes are (0, 1) and
# (1, 0), so the knee maximizes 1 - x - y: trial 2 at (0.2, 0.2) in user units
# (1, 1) scores 0.6, more than any other.
CONVEX = [(0.0, 5.0), (0.5, 2.0), (1.0, 1.0), (2.0, 0.5), (5.0, 0.0)]


def test_knee_of_convex_front():
    result = result_of(CONVEX, ["minimize", "minimize"])

    assert moopt.select(result).number == 2


def test_knee_with_maximized_objective():
    # The same front with f2 negated and maximized: the same knee.
    rows = [(a, -b) for a, b in CONVEX]
    result = result_of(rows, ["minimize", "maximize"])

    assert moopt.select(result).number == 2


def test_best_objective_within_bounds():
    result = result_of(CONVEX, ["minimize", "minimize"])

    chosen = moopt.select(result, objective="f1", bounds={"f2": (None, 1.5)})

    # f2 <= 1.5 leaves trials 2, 3 and 4; the lowest f1 among them is trial 2.
    assert chosen.number == 2


def test_bounds_on_extra_output():
    extra = {i: {"latency": float(10 - 2 * i)} for i in range(5)}
    result = result_of(CONVEX, ["minimize", "minimize"], extra)

    chosen = moopt.select(result, objective="f2", bounds={"latency": (7.0, None)})

    # latency >= 7 keeps trials 0 (10) and 1 (8); f2 is lower for trial 1.
    assert chosen.number == 1


def test_weighted_sum_of_normalized_objectives():
    result = result_of(CONVEX, ["minimize", "minimize"])

    # Normalized rows: (0, 1), (0.1, 0.4), (0.2, 0.2), (0.4, 0.1), (1, 0).
    # With weights 3:1 the sums are 1.0, 0.7, 0.8, 1.3, 3.0: trial 1 wins.
    assert moopt.select(result, weights={"f1": 3.0, "f2": 1.0}).number == 1
    # Weight on f2 alone picks its best, trial 4.
    assert moopt.select(result, weights={"f2": 1.0}).number == 4


def test_no_trial_within_bounds_raises():
    result = result_of(CONVEX, ["minimize", "minimize"])

    with pytest.raises(
        ValueError, match=r"no feasible complete trial meets the bounds"
    ):
        moopt.select(result, objective="f1", bounds={"f2": (None, -1.0)})
    with pytest.raises(
        ValueError, match=r"no trial of the Pareto set meets the bounds"
    ):
        moopt.select(result, bounds={"f1": (10.0, None)})


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"objective": "f9"}, ValueError, "objective 'f9' is not one of"),
        (
            {"weights": {"f9": 1.0}},
            ValueError,
            r"weights name unknown objectives \['f9'\]",
        ),
        ({"weights": {"f1": -1.0}}, ValueError, "weights must be finite, >= 0"),
        ({"objective": "f1", "weights": {"f1": 1.0}}, ValueError, "not both"),
        ({"bounds": {"f1": 3}}, ValueError, r"bounds\['f1'\] must be a pair"),
        ({"bounds": {"nope": (0, 1)}}, ValueError, "no trial has"),
        ({"bounds": [("f1", 0, 1)]}, TypeError, "bounds must be a dict"),
        ({"bounds": {"f1": (2, 1)}}, ValueError, r"low 2 above high 1"),
    ],
)
def test_select_bad_arguments(arguments, error, message):
    result = result_of(CONVEX, ["minimize", "minimize"])

    with pytest.raises(error, match=message):
        moopt.select(result, **arguments)


def test_contributions_hand_worked():
    points = [(1.0, 3.0), (2.0, 2.0), (3.0, 1.0), (2.0, 2.0), (3.0, 3.0), (5.0, 0.0)]

    contributions = moopt.hypervolume_contributions(points, [4.0, 4.0])

    # (1, 3) and (3, 1) each add the unit box only they cover. The duplicated
    # (2, 2) is covered by its copy, (3, 3) is dominated, and (5, 0) lies
    # beyond the reference point.
    np.testing.assert_array_equal(contributions, [1.0, 0.0, 1.0, 0.0, 0.0, 0.0])


def test_contributions_match_leave_one_out():
    rng = np.random.default_rng(3)
    points = rng.random((30, 3))
    points = points[moopt.pareto_mask(points)]
    reference = [1.1, 1.1, 1.1]
    total = moocore.hypervolume(points, ref=reference)

    contributions = moopt.hypervolume_contributions(points, reference)

    for i in range(len(points)):
        rest = np.delete(points, i, axis=0)
        expected = total - moocore.hypervolume(rest, ref=reference)
        assert contributions[i] == pytest.approx(expected, abs=1e-12)


def test_contributions_follow_directions_and_result():
    result = result_of([(a, -b) for a, b in CONVEX], ["minimize", "maximize"])

    from_result = moopt.hypervolume_contributions(result, [6.0, -6.0])
    flipped = moopt.hypervolume_contributions(CONVEX, [6.0, 6.0])

    np.testing.assert_allclose(from_result, flipped)
    assert (from_result > 0).all()


def test_select_rejects_an_array():
    with pytest.raises(TypeError, match="select takes the Result of a run, got"):
        moopt.select(np.array(CONVEX))


@pytest.fixture(scope="module")
def infeasible_result():
    # Every trial misses the constraint c <= 0 by 5, so the Pareto set contains
    # the least infeasible trials.
    def objective(params):
        return {"f": params["x"], "g": 1 - params["x"], "c": 5.0}

    result = moopt.optimize(
        objective,
        {"x": moopt.Float(0, 1)},
        {"f": "minimize", "g": "minimize"},
        constraints=[moopt.Constraint("c", "<=", 0)],
        n_generations=2,
        population_size=8,
        seed=0,
    )
    assert not result.feasible
    assert len(result.pareto_set) > 0
    return result


@pytest.mark.parametrize(
    "arguments", [{}, {"objective": "f"}, {"weights": {"f": 1.0, "g": 1.0}}]
)
def test_select_without_feasible_trial_raises(infeasible_result, arguments):
    with pytest.raises(ValueError, match="no trial of this run is feasible"):
        moopt.select(infeasible_result, **arguments)


def test_indicators_of_infeasible_result_count_nothing(infeasible_result):
    reference = [2.0, 2.0]
    # The same points given as an array do dominate the reference point.
    assert moopt.hypervolume(infeasible_result.pareto_front, reference) > 0
    assert moopt.hypervolume(infeasible_result, reference) == 0.0
    contributions = moopt.hypervolume_contributions(infeasible_result, reference)
    np.testing.assert_array_equal(
        contributions, np.zeros(len(infeasible_result.pareto_set))
    )
    _, history = moopt.hypervolume_history(infeasible_result, reference)
    assert history[-1] == 0.0
    with pytest.raises(ValueError, match="no feasible trial"):
        moopt.igd(infeasible_result, np.array([[0.0, 1.0], [1.0, 0.0]]))


# ---------------------------------------------------------------- select_k

# Three points against (5, 5): alone they cover 4, 9 and 4. With (2, 2)
# chosen, (1, 4) and (4, 1) each add 1, so the tie goes to trial 0.
STAIRS = [(1.0, 4.0), (2.0, 2.0), (4.0, 1.0)]


def test_select_k_hand_worked_order():
    result = result_of(STAIRS, ["minimize", "minimize"])

    chosen = result.select_k(2, reference_point=[5.0, 5.0])

    assert [trial.values["f1"] for trial in chosen] == [2.0, 1.0]


def test_select_k_follows_directions():
    # The same points with the second objective negated and maximized.
    rows = [(a, -b) for a, b in STAIRS]
    result = result_of(rows, ["minimize", "maximize"])

    chosen = result.select_k(1, reference_point=[5.0, -5.0])

    assert [trial.values["f1"] for trial in chosen] == [2.0]


def test_select_k_skips_copies_and_outside_points():
    rows = [(1.0, 4.0), (1.0, 4.0), (2.0, 2.0), (6.0, 0.5)]
    result = result_of(rows, ["minimize", "minimize"])

    chosen = result.select_k(4, reference_point=[5.0, 5.0])

    assert sorted(trial.number for trial in chosen) == [0, 2]


def test_select_k_default_reference_keeps_every_member():
    result = result_of(STAIRS, ["minimize", "minimize"])

    chosen = result.select_k(10)

    assert len(chosen) == 3
    assert chosen[0].values["f1"] == 2.0


@pytest.mark.parametrize("seed", range(5))
def test_select_k_near_best_subset(seed):
    rng = np.random.default_rng(seed)
    angles = np.sort(rng.uniform(0, np.pi / 2, size=7))
    rows = [(1 - np.sin(a), 1 - np.cos(a)) for a in angles]
    result = result_of(rows, ["minimize", "minimize"])
    reference = [1.1, 1.1]
    front = result.pareto_front
    for k in (1, 2, 3):
        chosen = result.select_k(k, reference_point=reference)
        chosen_front = result.values(tuple(chosen))
        best = max(
            moocore.hypervolume(front[list(subset)], ref=reference)
            for subset in itertools.combinations(range(len(front)), k)
        )
        volume = moopt.hypervolume(chosen_front, reference)
        assert len(chosen) == k
        # Greedy finds the best single point, and a set within its bound.
        if k == 1:
            assert volume == pytest.approx(best)
        assert volume >= (1 - 1 / np.e) * best


@pytest.mark.parametrize(
    ("k", "reference", "error", "message"),
    [
        (0, None, ValueError, "k must be at least 1, got 0"),
        (1.5, None, TypeError, "k must be an int, got 1.5"),
        (True, None, TypeError, "k must be an int, got True"),
        (1, [1.0], ValueError, "reference_point must have one entry per objective"),
    ],
)
def test_select_k_bad_arguments(k, reference, error, message):
    result = result_of(STAIRS, ["minimize", "minimize"])

    with pytest.raises(error, match=message):
        result.select_k(k, reference_point=reference)


def test_select_k_without_feasible_trial_raises(infeasible_result):
    with pytest.raises(ValueError, match="select_k has nothing to choose from"):
        infeasible_result.select_k(2)
