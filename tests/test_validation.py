"""Tests that invalid arguments are rejected before any evaluation.

Each case checks the exception type and, with ``match=``, that the message
names the parameter and echoes the invalid value. Calls to ``optimize`` use an
objective that records its calls, and each test asserts it never ran. The
kernels' own input checks are tested with the kernels.
"""

from __future__ import annotations

import math

import pytest
from pymoo.problems import get_problem

import moopt
from moopt import NSGA2, Categorical, Constraint, Float, Int

SPACE = {"x": Float(0.0, 1.0), "n": Int(0, 10, step=2), "c": Categorical(["a", "b"])}
OBJECTIVES = {"f": "minimize"}


class Recorder:
    """An objective that counts its calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self, params):
        self.calls += 1
        return {"f": params["x"]}


def call_optimize(objective, **overrides):
    arguments = {
        "space": SPACE,
        "objectives": OBJECTIVES,
        "n_generations": 2,
        "population_size": 4,
        "seed": 0,
    }
    arguments.update(overrides)
    return moopt.optimize(objective, **arguments)


# Dimensions and constraints --------------------------------------------------


@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (lambda: Float(1.0, 0.0), ValueError, r"low < high, got low=1\.0, high=0\.0"),
        (lambda: Float(2.0, 2.0), ValueError, r"low < high, got low = high = 2\.0"),
        (
            lambda: Float(0.0, math.inf),
            ValueError,
            "Float high must be finite, got inf",
        ),
        (
            lambda: Float(-math.inf, 0.0),
            ValueError,
            "Float low must be finite, got -inf",
        ),
        (lambda: Float(math.nan, 1.0), ValueError, "Float low must be finite, got nan"),
        (
            lambda: Float("0", 1.0),
            TypeError,
            "Float low must be a real number, got '0'",
        ),
        (lambda: Int(5, 1), ValueError, "low <= high, got low=5, high=1"),
        (lambda: Int(0.5, 3), TypeError, "Int low must be an int, got 0.5"),
        (lambda: Int(0, 3.0), TypeError, r"Int high must be an int, got 3\.0"),
        (
            lambda: Int(1, 9, step=2, log=True),
            ValueError,
            "log=True needs step=1, got step=2",
        ),
        (lambda: Categorical([]), ValueError, r"at least one choice, got \[\]"),
        (lambda: Categorical("abc"), TypeError, "must be a list or tuple.*got 'abc'"),
        (lambda: Categorical({"a", "b"}), TypeError, "must be a list or tuple"),
    ],
)
def test_invalid_dimension_raises(build, error, match):
    with pytest.raises(error, match=match):
        build()


@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (lambda: Constraint("g", "<", 0.0), ValueError, "operator must be .* got '<'"),
        (lambda: Constraint("g", "=", 0.0), ValueError, "operator must be .* got '='"),
        (
            lambda: Constraint("g", "<=", math.nan),
            ValueError,
            "bound must be .* got nan",
        ),
        (lambda: Constraint("g", "<=", "0"), ValueError, "bound must be .* got '0'"),
        (
            lambda: Constraint("g", "==", 0.0, tolerance=-1e-3),
            ValueError,
            "tolerance must be .* got -0.001",
        ),
        (lambda: Constraint(3, "<=", 0.0), TypeError, "name must be a string, got 3"),
    ],
)
def test_invalid_constraint_raises(build, error, match):
    with pytest.raises(error, match=match):
        build()


# optimize arguments ----------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "error", "match"),
    [
        (
            {"population_size": 1},
            ValueError,
            "population_size must be at least 2, got 1",
        ),
        (
            {"population_size": 0},
            ValueError,
            "population_size must be at least 2, got 0",
        ),
        (
            {"population_size": 4.0},
            TypeError,
            r"population_size must be an int, got 4\.0",
        ),
        (
            {"n_trials": 10},
            ValueError,
            "exactly one budget.*n_trials=10, n_generations=2",
        ),
        (
            {"n_generations": None},
            ValueError,
            "exactly one budget.*n_trials=None, n_generations=None",
        ),
        (
            {"n_generations": None, "n_trials": 0},
            ValueError,
            "n_trials must be at least 1, got 0",
        ),
        ({"n_generations": 0}, ValueError, "n_generations must be at least 1, got 0"),
        ({"n_generations": True}, TypeError, "n_generations must be an int, got True"),
        ({"timeout": -1}, ValueError, "timeout must be a positive number .* got -1"),
        ({"timeout": 0}, ValueError, "timeout must be a positive number .* got 0"),
        (
            {"timeout": "60"},
            TypeError,
            "timeout must be a number of seconds, got '60'",
        ),
        ({"callbacks": print}, TypeError, "callbacks must be a list of callables"),
        ({"callbacks": [1]}, TypeError, "callbacks must hold callables, got 1"),
        ({"space": [Float(0.0, 1.0)]}, TypeError, "space must be a dict .* got list"),
        (
            {"space": {"x": (0.0, 1.0)}},
            TypeError,
            r"space\['x'\] must be moopt.Float, moopt.Int or moopt.Categorical, "
            r"got \(0.0",
        ),
        ({"space": {}}, ValueError, "space is empty"),
        ({"objectives": {}}, ValueError, "objectives is empty"),
        ({"objectives": ["f"]}, TypeError, r"objectives must be a dict .* got \['f'\]"),
        (
            {"objectives": {"f": "max"}},
            ValueError,
            r"objectives\['f'\] has unknown direction 'max'",
        ),
        (
            {"objectives": {"f": "Minimize"}},
            ValueError,
            r"objectives\['f'\] has unknown direction 'Minimize'",
        ),
        (
            {"constraints": [("g", "<=", 0.0)]},
            TypeError,
            r"constraints must hold moopt.Constraint objects, got \('g'",
        ),
        (
            {"constraints": "g <= 0"},
            TypeError,
            "constraints must hold moopt.Constraint",
        ),
        ({"seed": -1}, ValueError, "seed must be a non-negative int or None, got -1"),
        (
            {"seed": 1.5},
            ValueError,
            r"seed must be a non-negative int or None, got 1\.5",
        ),
        (
            {"initial_params": {"x": 0.5, "n": 2, "c": "a"}},
            TypeError,
            "initial_params must be a list of dicts",
        ),
    ],
)
def test_invalid_optimize_argument_raises(overrides, error, match):
    objective = Recorder()

    with pytest.raises(error, match=match):
        call_optimize(objective, **overrides)

    assert objective.calls == 0


@pytest.mark.parametrize(
    ("initial_params", "error", "match"),
    [
        (
            [{"x": 0.5, "n": 2, "c": "a", "y": 1}],
            ValueError,
            r"initial_params\[0\] must set exactly .* unknown \['y'\]",
        ),
        (
            [{"x": 0.5}],
            ValueError,
            r"initial_params\[0\] must set exactly .* missing \['n', 'c'\]",
        ),
        (
            [{"x": 0.5, "n": 2, "c": "a"}, {"x": 1.5, "n": 2, "c": "a"}],
            ValueError,
            r"initial_params\[1\]\['x'\]=1.5 is outside \[0.0, 1.0\]",
        ),
        (
            [{"x": math.nan, "n": 2, "c": "a"}],
            ValueError,
            r"initial_params\[0\]\['x'\]=nan is outside",
        ),
        (
            [{"x": 0.5, "n": 12, "c": "a"}],
            ValueError,
            r"initial_params\[0\]\['n'\]=12 is outside \[0, 10\]",
        ),
        (
            [{"x": 0.5, "n": 3, "c": "a"}],
            ValueError,
            r"initial_params\[0\]\['n'\]=3 is not on the grid 0, 2, ...",
        ),
        (
            [{"x": 0.5, "n": 2.0, "c": "a"}],
            TypeError,
            r"initial_params\[0\]\['n'\] must be an int, got 2\.0",
        ),
        (
            [{"x": "0.5", "n": 2, "c": "a"}],
            TypeError,
            r"initial_params\[0\]\['x'\] must be a number, got '0.5'",
        ),
        (
            [{"x": 0.5, "n": 2, "c": "elu"}],
            ValueError,
            r"initial_params\[0\]\['c'\]='elu' is not one of the choices \['a', 'b'\]",
        ),
        (
            [{"x": 0.1 * i, "n": 2, "c": "a"} for i in range(5)],
            ValueError,
            "initial_params has 5 configurations but population_size is 4",
        ),
        (["x=0.5"], TypeError, r"initial_params\[0\] must be a dict .* got 'x=0.5'"),
    ],
)
def test_invalid_initial_params_raise_before_evaluation(initial_params, error, match):
    objective = Recorder()

    with pytest.raises(error, match=match):
        call_optimize(objective, initial_params=initial_params)

    assert objective.calls == 0


def test_non_callable_objective_raises():
    with pytest.raises(
        TypeError, match="objective must be a callable or a pymoo Problem, got 3"
    ):
        moopt.optimize(3, SPACE, OBJECTIVES, n_generations=1)


def test_callable_without_space_raises():
    objective = Recorder()

    with pytest.raises(TypeError, match="needs a space dict and an objectives dict"):
        moopt.optimize(objective, SPACE, n_generations=1)

    assert objective.calls == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"space": SPACE},
        {"objectives": OBJECTIVES},
        {"space": SPACE, "objectives": OBJECTIVES},
    ],
    ids=["space", "objectives", "both"],
)
def test_problem_with_space_or_objectives_raises(overrides):
    with pytest.raises(
        TypeError,
        match="takes the space and objectives from the pymoo "
        "Problem; drop the space and objectives arguments",
    ):
        moopt.optimize(get_problem("zdt1"), n_generations=1, **overrides)


def test_problem_with_constraints_raises():
    with pytest.raises(TypeError, match="takes the constraints from the pymoo Problem"):
        moopt.optimize(
            get_problem("tnk"),
            n_generations=1,
            constraints=[Constraint("g1", "<=", 0.0)],
        )


# NSGA2 arguments and ask/tell misuse -----------------------------------------


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"crossover_probability": 1.5}, r"crossover_probability must be .* got 1\.5"),
        ({"mutation_probability": -0.1}, r"mutation_probability must be .* got -0\.1"),
        ({"crossover_eta": -1.0}, r"crossover_eta must be .* got -1\.0"),
        ({"mutation_eta": math.inf}, "mutation_eta must be .* got inf"),
        ({"max_redraws": -1}, "max_redraws must be at least 0, got -1"),
        ({"population_size": 1}, "population_size must be at least 2, got 1"),
    ],
)
def test_invalid_nsga2_option_raises(overrides, match):
    with pytest.raises(ValueError, match=match):
        NSGA2(SPACE, OBJECTIVES, **overrides)


def test_tell_twice_raises():
    optimizer = NSGA2(SPACE, OBJECTIVES, population_size=3, seed=0)
    trial = optimizer.ask()[0]
    optimizer.tell(trial, {"f": 1.0})

    with pytest.raises(
        ValueError, match="trial 0 is already complete; tell each trial once"
    ):
        optimizer.tell(trial, {"f": 2.0})

    assert optimizer.result().trials[0].values == {"f": 1.0}


def test_tell_failed_trial_again_raises():
    optimizer = NSGA2(SPACE, OBJECTIVES, population_size=3, seed=0)
    trial = optimizer.ask()[2]
    optimizer.tell(trial, error="crashed")

    with pytest.raises(ValueError, match="trial 2 is already failed"):
        optimizer.tell(trial, {"f": 2.0})


@pytest.mark.parametrize(
    "arguments",
    [{"values": {"f": 1.0}, "error": "crashed"}, {}],
    ids=["both", "neither"],
)
def test_tell_needs_values_or_error(arguments):
    optimizer = NSGA2(SPACE, OBJECTIVES, population_size=3, seed=0)
    trial = optimizer.ask()[1]

    with pytest.raises(ValueError, match="tell trial 1 either values or error"):
        optimizer.tell(trial, **arguments)

    assert optimizer.result().trials[1].state == "running"


def test_tell_rejects_non_trial():
    optimizer = NSGA2(SPACE, OBJECTIVES, population_size=3, seed=0)
    optimizer.ask()

    with pytest.raises(TypeError, match="tell expects a Trial from ask"):
        optimizer.tell({"number": 0}, {"f": 1.0})


def test_tell_unknown_trial_number_raises():
    optimizer = NSGA2(SPACE, OBJECTIVES, population_size=3, seed=0)
    trial = optimizer.ask()[0]
    stranger = moopt.Trial(
        number=7, generation=2, params=trial.params, values=None, state="running"
    )

    with pytest.raises(ValueError, match="trial 7 was not asked by this optimizer"):
        optimizer.tell(stranger, {"f": 1.0})


def test_ask_while_trials_running_raises():
    optimizer = NSGA2(SPACE, OBJECTIVES, population_size=3, seed=0)
    trials = optimizer.ask()
    optimizer.tell(trials[0], {"f": 1.0})

    with pytest.raises(
        RuntimeError, match="2 trials of generation 0 are still running"
    ):
        optimizer.ask()

    assert optimizer.n_trials == 3
