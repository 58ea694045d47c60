"""Edge cases of the optimizer loop and the search space, one test per behaviour.

Each scenario is small and exact. The file covers equality constraints under
floating-point rounding, NaN values and raising objectives, odd population
sizes and degenerate integer ranges. It also covers log scales with
non-positive bounds, integer steps that do not divide the range, and
categorical choices that are duplicates, unhashable or None.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from pymoo.core.problem import Problem

import moopt
from moopt import NSGA2, Categorical, Constraint, Float, Int

TWO_MINIMIZED = {"f1": "minimize", "f2": "minimize"}


def two_objectives(params):
    x = params["x"]
    return {"f1": x**2, "f2": (x - 2.0) ** 2}


def optimize_unit_interval(objective, **options):
    """Run ``optimize`` over ``x`` in [0, 1], minimizing both ``f1`` and ``f2``."""
    return moopt.optimize(objective, {"x": Float(0.0, 1.0)}, TWO_MINIMIZED, **options)


# Equality constraints need a tolerance ---------------------------------------

# (x1, x2) and the expected violation of x1 + x2 - 0.3 == 0 within 1e-6.
EQUALITY_CASES = [
    ((0.1, 0.2), 0.0),  # h is 5.55e-17 from rounding, which is within tolerance
    ((0.5, 0.2), 0.4),
    ((0.0, 0.1), 0.2),
    ((0.15, 0.15), 0.0),
]


def test_equality_violation_within_tolerance_zero():
    constraint = Constraint("h", "==", 0.0, tolerance=1e-6)
    assert 0.1 + 0.2 - 0.3 == pytest.approx(5.55e-17, rel=1e-2)

    for (x1, x2), expected in EQUALITY_CASES:
        violation = constraint.violation(np.array(x1 + x2 - 0.3))
        assert float(violation) == pytest.approx(expected, abs=1e-15), (x1, x2)


def test_equality_violation_recorded_on_trials():
    optimizer = NSGA2(
        {"x1": Float(0.0, 1.0), "x2": Float(0.0, 1.0)},
        {"f": "minimize"},
        population_size=4,
        constraints=[Constraint("h", "==", 0.0, tolerance=1e-6)],
        initial_params=[{"x1": x1, "x2": x2} for (x1, x2), _ in EQUALITY_CASES],
        seed=0,
    )

    trials = optimizer.ask()
    told = [
        optimizer.tell(
            t, {"f": t.params["x1"], "h": t.params["x1"] + t.params["x2"] - 0.3}
        )
        for t in trials
    ]

    for trial, ((x1, x2), expected) in zip(told, EQUALITY_CASES, strict=True):
        assert trial.params == {"x1": x1, "x2": x2}
        assert trial.violation == pytest.approx(expected, abs=1e-15)
    assert [t.feasible for t in told] == [True, False, False, True]
    assert [t.number for t in optimizer.result().pareto_set] == [0]


# NaN values and failing objectives -------------------------------------------


def test_nan_values_fail_trials_only():
    optimizer = NSGA2({"x": Float(0.0, 1.0)}, TWO_MINIMIZED, population_size=5, seed=0)
    rows = [(1.0, 2.0), (math.nan, 0.0), (2.0, 1.0), (0.0, math.nan), (3.0, 3.0)]

    for trial, (f1, f2) in zip(optimizer.ask(), rows, strict=True):
        optimizer.tell(trial, {"f1": f1, "f2": f2})
    result = optimizer.result()

    assert [t.state for t in result.trials] == [
        "complete",
        "failed",
        "complete",
        "failed",
        "complete",
    ]
    assert "'f1' is nan" in result.trials[1].error
    assert "'f2' is nan" in result.trials[3].error
    assert result.trials[1].values is None
    assert result.n_failed == 2
    # (0, nan) would dominate everything if NaN were read as a number.
    assert {t.number for t in result.pareto_set} == {0, 2}
    assert sorted(t.number for t in result.population) == [0, 2, 4]
    np.testing.assert_array_equal(result.pareto_front, [[1.0, 2.0], [2.0, 1.0]])


def test_raising_objective_fails_trials_run_continues():
    def objective(params):
        if params["x"] > 0.6:
            raise ValueError(f"x={params['x']:.3f} is too large")
        return two_objectives(params)

    result = optimize_unit_interval(
        objective, population_size=10, n_generations=4, seed=1
    )

    failed = [t for t in result.trials if t.state == "failed"]
    assert len(result.trials) == 40
    assert failed
    assert result.n_failed == len(failed)
    for trial in failed:
        assert trial.error == f"ValueError: x={trial.params['x']:.3f} is too large"
        assert trial.values is None
    assert all(t.state == "complete" for t in result.population)
    assert all(t.state == "complete" for t in result.pareto_set)
    assert {t.generation for t in result.trials} == {0, 1, 2, 3}


def test_failed_first_generation_raises_runtime_error():
    calls = []

    def objective(params):
        calls.append(params)
        raise KeyError("weights.bin")

    with pytest.raises(
        RuntimeError,
        match=r"every .*trials? of the first generation failed"
        r".*KeyError: 'weights\.bin'",
    ):
        optimize_unit_interval(objective, population_size=6, n_generations=5, seed=0)

    assert len(calls) == 6


def test_partly_failed_first_generation_continues():
    def objective(params):
        if params["x"] < 0.9:
            return {"f1": math.nan, "f2": 0.0}
        return two_objectives(params)

    result = optimize_unit_interval(
        objective, population_size=10, n_generations=3, seed=0
    )

    first = [t for t in result.trials if t.generation == 0]
    assert any(t.state == "complete" for t in first)
    assert any(t.state == "failed" for t in first)
    assert len(result.trials) == 30


class HalfNanProblem(Problem):
    """Two objectives that are NaN wherever the second variable exceeds 0.5."""

    def __init__(self):
        super().__init__(n_var=2, n_obj=2, xl=0.0, xu=1.0)

    def _evaluate(self, x, out, *args, **kwargs):
        f1 = x[:, 0].copy()
        f1[x[:, 1] > 0.5] = np.nan
        out["F"] = np.column_stack([f1, 1.0 - x[:, 0] + x[:, 1]])


def test_vectorized_problem_nan_rows_fail():
    result = moopt.optimize(
        HalfNanProblem(), population_size=10, n_generations=3, seed=0
    )

    assert len(result.trials) == 30
    for trial in result.trials:
        if trial.params["x2"] > 0.5:
            assert trial.state == "failed"
            assert "is nan, not a finite number" in trial.error
            assert trial.values is None
        else:
            assert trial.state == "complete"
            assert trial.values["f1"] == trial.params["x1"]
    assert result.n_failed == sum(t.params["x2"] > 0.5 for t in result.trials)
    assert all(t.state == "complete" for t in result.population)


# Odd population sizes --------------------------------------------------------


@pytest.mark.parametrize("size", [5, 25, 3, 2])
def test_odd_population_sizes_fill_generations(size):
    result = moopt.optimize(
        two_objectives,
        {"x": Float(-3.0, 5.0)},
        TWO_MINIMIZED,
        population_size=size,
        n_generations=3,
        seed=7,
    )

    assert Counter(t.generation for t in result.trials) == {0: size, 1: size, 2: size}
    assert len(result.population) == size
    assert len({t.number for t in result.population}) == size
    assert all(t.state == "complete" for t in result.trials)


# Integer variables stay integral and in bounds --------------------------------


def test_integer_variables_stay_on_grid():
    calls = []

    def objective(params):
        calls.append(params)
        return {"f1": params["a"] * params["c"], "f2": (params["c"] - params["a"]) ** 2}

    moopt.optimize(
        objective,
        {"a": Int(1, 3), "b": Int(1, 1), "c": Int(1, 5)},
        TWO_MINIMIZED,
        population_size=8,
        n_generations=6,
        seed=0,
    )

    assert len(calls) == 48
    for params in calls:
        assert type(params["a"]) is int
        assert type(params["b"]) is int
        assert type(params["c"]) is int
        assert params["a"] in {1, 2, 3}
        assert params["b"] == 1
        assert params["c"] in {1, 2, 3, 4, 5}


# Log scale needs a positive lower bound --------------------------------------


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: Float(0.0, 1.0, log=True), r"low greater than 0, got low=0\.0"),
        (lambda: Float(-1.0, 1.0, log=True), r"low greater than 0, got low=-1\.0"),
        (lambda: Int(0, 8, log=True), "low greater than 0, got low=0"),
        (lambda: Int(-4, 8, log=True), "low greater than 0, got low=-4"),
    ],
)
def test_log_scale_rejects_nonpositive_low(build, match):
    with pytest.raises(ValueError, match=match):
        build()


# Integer steps that do not divide the range ----------------------------------


def test_int_step_not_dividing_range_raises():
    with pytest.raises(ValueError, match=r"range 0\.\.10 is not a multiple of step=3"):
        Int(0, 10, step=3)


@pytest.mark.parametrize("step", [0, -1, -3])
def test_int_step_below_one_raises(step):
    with pytest.raises(ValueError, match=f"step must be at least 1, got step={step}"):
        Int(1, 10, step=step)


# Categorical duplicates, unhashable choices and None -------------------------


def test_categorical_duplicate_names_choice():
    with pytest.raises(
        ValueError, match=r"choices\[0\]='relu' and choices\[1\]='relu'"
    ):
        Categorical(["relu", "relu", "tanh"])


def test_categorical_equal_numbers_rejected():
    with pytest.raises(
        ValueError, match=r"choices\[0\]=1 and choices\[1\]=1\.0 compare equal"
    ):
        Categorical([1, 1.0, True])


def test_categorical_lists_reach_objective():
    calls = []

    def objective(params):
        calls.append(params["layers"])
        return {"f1": -params["layers"][0], "f2": -len(params["layers"])}

    result = moopt.optimize(
        objective,
        {"layers": Categorical([[64, 64], [128]])},
        TWO_MINIMIZED,
        population_size=4,
        n_generations=2,
        seed=0,
    )

    assert [64, 64] in calls
    assert [128] in calls
    assert all(layers in ([64, 64], [128]) for layers in calls)
    assert {tuple(t.params["layers"]) for t in result.pareto_set} == {(64, 64), (128,)}


def test_single_choice_categorical_is_constant():
    calls = []

    def objective(params):
        calls.append(params["optimizer"])
        return two_objectives(params)

    moopt.optimize(
        objective,
        {"x": Float(-1.0, 3.0), "optimizer": Categorical(["adam"])},
        TWO_MINIMIZED,
        population_size=6,
        n_generations=3,
        seed=0,
    )

    assert calls == ["adam"] * 18


def test_none_choice_reaches_objective():
    calls = []

    def objective(params):
        calls.append(params["scheduler"])
        penalty = 0.0 if params["scheduler"] is None else 0.1
        return {"f1": params["x"] ** 2 + penalty, "f2": (params["x"] - 1.0) ** 2}

    result = moopt.optimize(
        objective,
        {"x": Float(-1.0, 2.0), "scheduler": Categorical([None, "cosine"])},
        TWO_MINIMIZED,
        population_size=8,
        n_generations=4,
        seed=3,
    )

    assert None in calls
    assert "cosine" in calls
    assert set(calls) == {None, "cosine"}
    assert all(t.params["scheduler"] in (None, "cosine") for t in result.trials)
