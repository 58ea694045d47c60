"""The multi-fidelity test problem: final values, learning curves and its front."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from pymoo.problems.multi.zdt import ZDT1

import moopt
from benchmarks.multifidelity import (
    ERROR_DROP,
    MAX_STEPS,
    OBJECTIVES,
    REFERENCE_POINT,
    TRUE_FRONT_HYPERVOLUME,
    evaluate,
    final_values,
    learning_curve,
    learning_curves,
    space,
    true_front,
)


def params_of(genome) -> dict[str, float]:
    return {f"x{i}": float(value) for i, value in enumerate(genome)}


def random_params(n_configs: int, n: int = 10, seed: int = 0) -> list[dict]:
    genomes = np.random.default_rng(seed).random((n_configs, n))
    return [params_of(genome) for genome in genomes]


def test_space_has_unit_float_per_variable():
    dimensions = space(4)
    assert list(dimensions) == ["x0", "x1", "x2", "x3"]
    for dimension in dimensions.values():
        assert isinstance(dimension, moopt.Float)
        assert dimension.low == 0.0
        assert dimension.high == 1.0


def test_final_values_match_pymoo_zdt1():
    genomes = np.random.default_rng(1).random((200, 10))
    expected = ZDT1(n_var=10).evaluate(genomes)
    got = np.array([list(final_values(params_of(g)).values()) for g in genomes])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_final_values_hand_worked_point():
    # g = 1 + 9 / 9 * (9 * 0.5) = 5.5, error = 5.5 - sqrt(0.5 * 5.5).
    values = final_values(params_of([0.5] * 10))
    assert values["cost"] == 0.5
    assert values["error"] == pytest.approx(5.5 - math.sqrt(2.75), abs=1e-12)


def test_true_front_points_mutually_nondominated():
    front = true_front(500)
    assert moopt.pareto_mask(front).all()


def test_true_front_points_lie_on_curve():
    front = true_front(500)
    cost, error = front.T
    np.testing.assert_allclose(error, 1.0 - np.sqrt(cost), rtol=0, atol=1e-12)
    assert cost.min() == 0.0
    assert cost.max() == 1.0


def test_front_configurations_reach_true_front():
    for x0 in (0.0, 0.3, 1.0):
        values = final_values(params_of([x0] + [0.0] * 9))
        assert values["error"] == pytest.approx(1.0 - math.sqrt(x0), abs=1e-12)


def test_random_configurations_not_below_front():
    for params in random_params(500, seed=2):
        values = final_values(params)
        assert values["error"] >= 1.0 - math.sqrt(values["cost"])


def test_true_front_hypervolume_matches_integral():
    # The dominated area is the strip between the front and error 1.1 over
    # cost in [0, 1], plus the full column of height 1.1 over cost in [1, 1.1].
    cost = np.linspace(0.0, 1.0, 100_001)
    strip = np.trapezoid(1.1 - (1.0 - np.sqrt(cost)), cost)
    expected = strip + 0.1 * 1.1
    got = moopt.hypervolume(true_front(2000), REFERENCE_POINT)
    assert got == pytest.approx(expected, abs=1e-3)
    assert TRUE_FRONT_HYPERVOLUME == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("max_steps", [1, 9, 27, 81])
def test_curve_ends_at_final_error(max_steps):
    for params in random_params(20, seed=3):
        curve = learning_curve(params, max_steps)
        assert curve.shape == (max_steps,)
        assert curve[-1] == final_values(params)["error"]


def test_curve_hand_worked_step():
    # x1 = 0 gives the slowest rate k = 1, and step 9 of 27 is at s = 1/3.
    params = params_of([0.5] + [0.0] * 9)
    decay = (math.exp(-1 / 3) - math.exp(-1)) / (1 - math.exp(-1))
    expected = (1.0 - math.sqrt(0.5)) + ERROR_DROP * decay
    assert learning_curve(params, 27)[8] == pytest.approx(expected, abs=1e-12)


def test_curves_never_rise():
    for params in random_params(50, seed=4):
        steps = np.diff(learning_curve(params))
        assert (steps <= 0).all()


def test_grid_curves_cross():
    # x1 sets the decay rate, and x2 shifts g without changing it.
    grid = [
        params_of([0.5, x1, x2] + [0.0] * 7)
        for x1, x2 in itertools.product([0.0, 0.5, 1.0], [0.0, 0.5])
    ]
    curves = learning_curves(np.array([list(p.values()) for p in grid]))
    crossing_pairs = []
    for first, second in itertools.combinations(range(len(grid)), 2):
        difference = np.sign(curves[first] - curves[second])
        if difference.min() < 0 < difference.max():
            crossing_pairs.append((first, second))
    assert crossing_pairs


def test_fast_learner_leads_then_finishes_worse():
    slow = learning_curve(params_of([0.5, 0.0] + [0.0] * 8))
    fast = learning_curve(params_of([0.5, 1.0] + [0.0] * 8))
    assert (fast[:21] < slow[:21]).all()
    assert (fast[21:] > slow[21:]).all()


def test_cost_constant_across_steps():
    for params in random_params(10, seed=5):
        costs = {evaluate(params, steps)["cost"] for steps in range(1, MAX_STEPS + 1)}
        assert costs == {params["x0"]}


def test_evaluate_matches_curve_at_step():
    params = random_params(1, seed=6)[0]
    curve = learning_curve(params)
    for steps in (1, 3, 9, 27):
        assert evaluate(params, steps)["error"] == curve[steps - 1]
    assert evaluate(params) == final_values(params)


def test_noise_repeats_with_seed():
    params = random_params(1, seed=7)[0]
    first = learning_curve(params, noise=0.1, seed=11)
    second = learning_curve(params, noise=0.1, seed=11)
    other = learning_curve(params, noise=0.1, seed=12)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


def test_noise_at_step_ignores_max_steps():
    params = random_params(1, seed=8)[0]
    clean_27 = learning_curve(params, 27)
    clean_81 = learning_curve(params, 81)
    noisy_27 = learning_curve(params, 27, noise=0.2, seed=3)
    noisy_81 = learning_curve(params, 81, noise=0.2, seed=3)
    np.testing.assert_allclose(
        noisy_27 - clean_27, noisy_81[:27] - clean_81[:27], rtol=0, atol=1e-12
    )


def test_noisy_evaluate_matches_noisy_curve():
    params = random_params(1, seed=9)[0]
    curve = learning_curve(params, noise=0.3, seed=4)
    assert evaluate(params, 5, noise=0.3, seed=4)["error"] == curve[4]
    assert evaluate(params, 5, noise=0.3, seed=4)["cost"] == params["x0"]


def test_zero_noise_ignores_seed():
    params = random_params(1, seed=10)[0]
    np.testing.assert_array_equal(
        learning_curve(params, seed=1), learning_curve(params, seed=2)
    )


def test_optimize_front_below_true_front():
    result = moopt.optimize(
        evaluate,
        space(3),
        OBJECTIVES,
        n_trials=300,
        population_size=20,
        seed=0,
    )
    assert list(result.objective_names) == ["cost", "error"]
    found = moopt.hypervolume(result, REFERENCE_POINT)
    best = moopt.hypervolume(true_front(2000), REFERENCE_POINT)
    assert found > 0.0
    assert found < best
    cost, error = result.pareto_front.T
    assert (error >= 1.0 - np.sqrt(cost) - 1e-12).all()


def test_params_with_missing_key_rejected():
    with pytest.raises(ValueError, match=r"keys 'x0' to 'x\{n-1\}'"):
        final_values({"x0": 0.1, "x2": 0.2})


def test_params_with_one_variable_rejected():
    with pytest.raises(ValueError, match="n >= 2"):
        learning_curve({"x0": 0.1})


def test_params_out_of_bounds_rejected():
    with pytest.raises(ValueError, match=r"x1 must be in \[0, 1\], got 1\.5"):
        evaluate({"x0": 0.1, "x1": 1.5})


def test_steps_beyond_max_steps_rejected():
    with pytest.raises(ValueError, match="steps must be at most max_steps=27"):
        evaluate(params_of([0.1, 0.2]), 28)


def test_zero_steps_rejected():
    with pytest.raises(ValueError, match="steps must be an int of at least 1"):
        evaluate(params_of([0.1, 0.2]), 0)


def test_negative_noise_rejected():
    with pytest.raises(ValueError, match="noise must be a finite float >= 0"):
        learning_curve(params_of([0.1, 0.2]), noise=-0.1)


def test_genomes_out_of_bounds_rejected():
    with pytest.raises(ValueError, match=r"every value in \[0, 1\]"):
        learning_curves(np.array([[0.5, -0.1]]))


def test_space_with_one_variable_rejected():
    with pytest.raises(ValueError, match="n must be an int of at least 2"):
        space(1)
