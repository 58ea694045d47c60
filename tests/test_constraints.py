"""Tests of constraints: violation amounts, tolerance, and constrained runs.

Violations are checked against amounts worked out by hand, and constrained
runs against pymoo's own evaluation of its constraint functions or against
brute force over the trials of the run.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from pymoo.problems import get_problem

import moopt
from moopt import NSGA2, Constraint, Float

# Violation amounts -----------------------------------------------------------


def test_less_equal_violation_is_excess():
    constraint = Constraint("g", "<=", 1.0)

    violation = constraint.violation(np.array([-3.0, 0.5, 1.0, 1.5, 4.0]))

    np.testing.assert_array_equal(violation, [0.0, 0.0, 0.0, 0.5, 3.0])


def test_greater_equal_violation_is_shortfall():
    constraint = Constraint("acc", ">=", 0.9)

    violation = constraint.violation(np.array([0.95, 0.9, 0.8, -0.1]))

    np.testing.assert_allclose(violation, [0.0, 0.0, 0.1, 1.0], rtol=0, atol=1e-15)


def test_equality_violation_is_distance():
    constraint = Constraint("h", "==", 2.0)

    violation = constraint.violation(np.array([2.0, 2.5, 1.25, -2.0]))

    np.testing.assert_array_equal(violation, [0.0, 0.5, 0.75, 4.0])


def test_tolerance_forgives_only_small_excess():
    constraint = Constraint("g", "<=", 0.0, tolerance=0.01)

    violation = constraint.violation(np.array([0.005, 0.01, 0.02, 0.5]))

    # Within the tolerance counts as met; beyond it the whole excess counts,
    # not the excess minus the tolerance.
    np.testing.assert_array_equal(violation, [0.0, 0.0, 0.02, 0.5])


def test_zero_tolerance_makes_bound_exact():
    constraint = Constraint("g", "<=", 0.0, tolerance=0.0)

    violation = constraint.violation(np.array([0.0, 1e-12]))

    np.testing.assert_array_equal(violation, [0.0, 1e-12])


def test_violation_does_not_mutate_input():
    constraint = Constraint("g", ">=", 1.0)
    values = np.array([0.0, 2.0])

    constraint.violation(values)

    np.testing.assert_array_equal(values, [0.0, 2.0])


# Violations on trials --------------------------------------------------------


def test_trial_violation_sums_constraints():
    optimizer = NSGA2(
        {"x": Float(0.0, 1.0)},
        {"f": "minimize"},
        population_size=3,
        constraints=[
            Constraint("memory", "<=", 8.0),
            Constraint("acc", ">=", 0.9),
            Constraint("f", "<=", 10.0),
        ],
        seed=0,
    )
    trials = optimizer.ask()

    both = optimizer.tell(trials[0], {"f": 1.0, "memory": 10.0, "acc": 0.5})
    met = optimizer.tell(trials[1], {"f": 2.0, "memory": 8.0, "acc": 0.9})
    objective_only = optimizer.tell(trials[2], {"f": 12.5, "memory": 1.0, "acc": 1.0})

    assert both.violation == pytest.approx(2.4, abs=1e-12)
    assert both.feasible is False
    assert met.violation == 0.0
    assert met.feasible is True
    # A constraint may bound an objective itself.
    assert objective_only.violation == 2.5
    assert objective_only.feasible is False


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        ({"f": 1.0}, "missing 'g'"),
        ({"f": 1.0, "g": math.nan}, "'g' is nan"),
        ({"f": 1.0, "g": math.inf}, "'g' is inf"),
        ({"f": 1.0, "g": None}, "'g' is not a number"),
    ],
)
def test_invalid_constraint_output_fails_trial(outputs, message):
    optimizer = NSGA2(
        {"x": Float(0.0, 1.0)},
        {"f": "minimize"},
        population_size=2,
        constraints=[Constraint("g", "<=", 0.0)],
        seed=0,
    )
    trial = optimizer.ask()[0]

    told = optimizer.tell(trial, outputs)

    assert told.state == "failed"
    assert message in told.error
    assert told.values is None


def test_failed_trial_is_not_feasible():
    optimizer = NSGA2(
        {"x": Float(0.0, 1.0)}, {"f": "minimize"}, population_size=2, seed=0
    )
    trial = optimizer.ask()[0]

    told = optimizer.tell(trial, error="crashed")

    assert told.violation == 0.0
    assert told.feasible is False


# Constrained runs ------------------------------------------------------------


def budget_objective(params):
    x, y = params["x"], params["y"]
    return {"error": (x - 1.0) ** 2 + y**2, "cost": x + y, "budget": 0.5 - x - y}


def test_optimize_pareto_set_meets_constraint():
    result = moopt.optimize(
        budget_objective,
        {"x": Float(0.0, 1.0), "y": Float(0.0, 1.0)},
        {"error": "minimize", "cost": "minimize"},
        constraints=[Constraint("budget", "<=", 0.0)],
        population_size=20,
        n_generations=10,
        seed=2,
    )

    # "budget <= 0" means x + y >= 0.5, which cuts off the cheapest corner.
    assert result.feasible
    assert any(t.violation > 0.0 for t in result.trials)
    for trial in result.pareto_set:
        assert trial.violation == 0.0
        assert trial.params["x"] + trial.params["y"] >= 0.5 - 1e-6
    for trial in result.trials:
        if trial.state == "complete":
            expected = max(0.5 - trial.params["x"] - trial.params["y"], 0.0)
            assert trial.violation == pytest.approx(expected, abs=1e-6)
    # The constraint binds: the cheapest feasible trade-off sits on x + y = 0.5.
    assert min(t.values["cost"] for t in result.pareto_set) == pytest.approx(
        0.5, abs=0.05
    )


def test_infeasible_optimize_keeps_least_violating():
    def objective(params):
        return {"f1": params["x"], "f2": 1.0 - params["x"], "g": 2.0 + params["x"]}

    result = moopt.optimize(
        objective,
        {"x": Float(0.0, 1.0)},
        {"f1": "minimize", "f2": "minimize"},
        constraints=[Constraint("g", "<=", 0.0)],
        population_size=10,
        n_generations=4,
        seed=0,
    )

    smallest = min(t.violation for t in result.trials)
    least_violating = [t.number for t in result.trials if t.violation == smallest]
    assert result.feasible is False
    assert all(t.violation > 0.0 for t in result.trials)
    # Every trial has a different violation, so one trial is least violating.
    assert [t.number for t in result.pareto_set] == least_violating
    assert len(least_violating) == 1
    assert result.pareto_front.tolist() == [
        [result.pareto_set[0].values["f1"], result.pareto_set[0].values["f2"]]
    ]


def test_pymoo_equality_constraint_violation_matches():
    problem = get_problem("g3")

    result = moopt.optimize(problem, population_size=10, n_generations=2, seed=0)

    names = [f"x{i + 1}" for i in range(problem.n_var)]
    inputs = np.array([[t.params[n] for n in names] for t in result.trials])
    evaluated = problem.evaluate(inputs, return_as_dictionary=True)
    distance = np.abs(evaluated["H"][:, 0])
    expected = np.where(distance > 1e-6, distance, 0.0)
    violations = np.array([t.violation for t in result.trials])
    np.testing.assert_allclose(violations, expected, rtol=1e-12, atol=0)
    assert [t.values["h1"] for t in result.trials] == evaluated["H"][:, 0].tolist()
