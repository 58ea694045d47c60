"""Tests of the ``NSGA2`` ask/tell loop and the ``Result`` it builds.

Each test passes objective values straight to ``tell``, so every scenario is
exact. Survival and the Pareto set are checked against constrained domination,
non-dominated sorting and crowding distance written here in plain Python.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from pymoo.problems import get_problem

import moopt
from moopt import NSGA2, Constraint, Float, Int

TWO_MINIMIZED = {"f1": "minimize", "f2": "minimize"}


def float_space(n: int = 3) -> dict:
    return {f"x{i}": Float(0.0, 1.0) for i in range(n)}


# Brute-force references ------------------------------------------------------


def constrained_dominates(a, b, violation_a, violation_b):
    if violation_a <= 0.0 < violation_b:
        return True
    if violation_a > 0.0 or violation_b > 0.0:
        return 0.0 < violation_a < violation_b
    no_worse = all(x <= y for x, y in zip(a, b, strict=True))
    return no_worse and any(x < y for x, y in zip(a, b, strict=True))


def brute_force_fronts(rows, violations):
    """Return lists of indices, one per front, by repeatedly peeling off the best."""
    remaining = list(range(len(rows)))
    fronts = []
    while remaining:
        front = [
            i
            for i in remaining
            if not any(
                constrained_dominates(rows[j], rows[i], violations[j], violations[i])
                for j in remaining
            )
        ]
        fronts.append(front)
        remaining = [i for i in remaining if i not in front]
    return fronts


def brute_force_crowding(rows):
    """Return Deb's crowding distance of one front of distinct values."""
    n = len(rows)
    if n <= 2:
        return [math.inf] * n
    distances = [0.0] * n
    for column in range(len(rows[0])):
        order = sorted(range(n), key=lambda i: rows[i][column])
        low, high = rows[order[0]][column], rows[order[-1]][column]
        distances[order[0]] = distances[order[-1]] = math.inf
        for k in range(1, n - 1):
            gap = rows[order[k + 1]][column] - rows[order[k - 1]][column]
            distances[order[k]] += gap / (high - low)
    return distances


def tell_all(optimizer, trials, rows, extra=None):
    told = []
    for index, (trial, row) in enumerate(zip(trials, rows, strict=True)):
        values = {"f1": row[0], "f2": row[1]}
        if extra is not None:
            values.update(extra[index])
        told.append(optimizer.tell(trial, values))
    return told


# Ask and tell ----------------------------------------------------------------


def test_ask_returns_running_generation():
    optimizer = NSGA2(float_space(), TWO_MINIMIZED, population_size=6, seed=0)

    trials = optimizer.ask()

    assert len(trials) == 6
    assert [trial.number for trial in trials] == list(range(6))
    for trial in trials:
        assert trial.generation == 0
        assert trial.state == "running"
        assert trial.values is None
        assert trial.error is None
        assert set(trial.params) == {"x0", "x1", "x2"}
    assert optimizer.generation == 1
    assert optimizer.n_trials == 6


def test_tell_returns_completed_trial():
    optimizer = NSGA2(float_space(), TWO_MINIMIZED, population_size=4, seed=0)
    trial = optimizer.ask()[0]

    told = optimizer.tell(trial, {"f1": 1.5, "f2": -2.0, "note": "x"}, duration=2.5)

    assert told.number == trial.number
    assert told.params == trial.params
    assert told.state == "complete"
    assert told.values == {"f1": 1.5, "f2": -2.0, "note": "x"}
    assert told.error is None
    assert told.duration == 2.5
    assert told.violation == 0.0
    assert trial.state == "running"


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (ValueError("diverged at step 3"), "ValueError: diverged at step 3"),
        ("out of memory", "out of memory"),
    ],
)
def test_tell_error_marks_trial_failed(error, text):
    optimizer = NSGA2(float_space(), TWO_MINIMIZED, population_size=4, seed=0)
    trial = optimizer.ask()[1]

    told = optimizer.tell(trial, error=error)

    assert told.state == "failed"
    assert told.values is None
    assert told.error == text


def test_generations_numbered_in_ask_order():
    optimizer = NSGA2(float_space(), TWO_MINIMIZED, population_size=5, seed=1)
    rng = np.random.default_rng(0)

    for generation in range(4):
        trials = optimizer.ask()
        assert [t.generation for t in trials] == [generation] * 5
        assert [t.number for t in trials] == list(
            range(5 * generation, 5 * generation + 5)
        )
        tell_all(optimizer, trials, rng.random((5, 2)).tolist())

    result = optimizer.result()
    assert [t.number for t in result.trials] == list(range(20))
    assert all(t.state == "complete" for t in result.trials)


# Survival --------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_survivors_follow_rank_then_crowding(seed):
    size = 12
    optimizer = NSGA2(float_space(), TWO_MINIMIZED, population_size=size, seed=seed)
    rng = np.random.default_rng(seed)
    rows = {}
    population = []

    for _ in range(5):
        trials = optimizer.ask()
        values = rng.random((size, 2)).tolist()
        tell_all(optimizer, trials, values)
        rows.update({t.number: row for t, row in zip(trials, values, strict=True)})
        candidates = population + [t.number for t in trials]
        fronts = brute_force_fronts(
            [rows[n] for n in candidates], [0.0] * len(candidates)
        )

        population = [t.number for t in optimizer.result().population]
        assert len(population) == size
        kept = set(population)
        n_whole = 0
        for front in fronts:
            numbers = [candidates[i] for i in front]
            if n_whole == size:
                break
            if n_whole + len(numbers) <= size:
                # Every member of a front that fits whole survives.
                assert set(numbers) <= kept
                n_whole += len(numbers)
                continue
            # The front that does not fit keeps its least crowded members.
            crowding = brute_force_crowding([rows[n] for n in numbers])
            kept_crowding = [
                c for n, c in zip(numbers, crowding, strict=True) if n in kept
            ]
            dropped = [
                c for n, c in zip(numbers, crowding, strict=True) if n not in kept
            ]
            assert len(kept_crowding) == size - n_whole
            assert min(kept_crowding) >= max(dropped)
            break


def test_feasible_trials_survive_before_infeasible():
    optimizer = NSGA2(
        float_space(),
        TWO_MINIMIZED,
        population_size=4,
        constraints=[Constraint("g", "<=", 0.0)],
        seed=0,
    )
    first = optimizer.ask()
    # Infeasible trials with excellent objective values, then feasible ones.
    tell_all(
        optimizer,
        first,
        [[0, 0], [0.1, 0.1], [0.2, 0], [0, 0.2]],
        [{"g": 3.0}, {"g": 1.0}, {"g": 2.0}, {"g": 0.5}],
    )
    second = optimizer.ask()
    tell_all(
        optimizer,
        second,
        [[9, 9], [8, 9], [5, 5], [7, 7]],
        [{"g": 4.0}, {"g": -1.0}, {"g": 0.0}, {"g": 0.2}],
    )

    population = [t.number for t in optimizer.result().population]

    # Feasible trial 6 dominates feasible trial 5. The infeasible trials follow
    # by violation, so 7 (0.2) and 3 (0.5) fill the last places.
    assert population == [6, 5, 7, 3]


# Pareto set and Result -------------------------------------------------------


def test_pareto_set_keeps_trials_dropped_from_population():
    optimizer = NSGA2(float_space(), TWO_MINIMIZED, population_size=2, seed=0)
    tell_all(optimizer, optimizer.ask(), [[1.0, 1.0], [5.0, 5.0]])
    tell_all(optimizer, optimizer.ask(), [[0.0, 2.0], [2.0, 0.0]])

    result = optimizer.result()

    # Three mutually non-dominated points compete for two places. The middle
    # one has the smallest crowding distance and leaves the population, but
    # it still belongs to the Pareto set of everything evaluated.
    assert {t.number for t in result.population} == {2, 3}
    assert [t.number for t in result.pareto_set] == [0, 2, 3]
    np.testing.assert_array_equal(
        result.pareto_front, [[1.0, 1.0], [0.0, 2.0], [2.0, 0.0]]
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_pareto_set_matches_brute_force(seed):
    optimizer = NSGA2(
        float_space(2),
        {"f1": "minimize", "f2": "maximize"},
        population_size=8,
        constraints=[Constraint("g", "<=", 0.0)],
        seed=seed,
    )
    rng = np.random.default_rng(seed)
    for _ in range(4):
        trials = optimizer.ask()
        for trial in trials:
            if rng.random() < 0.15:
                optimizer.tell(trial, error="crashed")
                continue
            f1, f2, g = rng.random(3).round(2).tolist()
            optimizer.tell(trial, {"f1": f1, "f2": f2, "g": g - 0.6})

    result = optimizer.result()

    complete = [t for t in result.trials if t.state == "complete"]
    feasible = [t for t in complete if t.values["g"] <= 0.0]
    rows = [[t.values["f1"], -t.values["f2"]] for t in feasible]
    front = brute_force_fronts(rows, [0.0] * len(rows))[0]
    assert result.feasible
    assert [t.number for t in result.pareto_set] == sorted(
        feasible[i].number for i in front
    )
    assert result.n_failed == sum(t.state == "failed" for t in result.trials)


def test_infeasible_run_keeps_least_violating():
    optimizer = NSGA2(
        float_space(),
        TWO_MINIMIZED,
        population_size=5,
        constraints=[Constraint("g", "<=", 0.0)],
        seed=0,
    )
    tell_all(
        optimizer,
        optimizer.ask(),
        [[1, 1], [0, 3], [2, 0], [5, 5], [0, 0]],
        [{"g": 0.5}, {"g": 0.5}, {"g": 0.7}, {"g": 0.5}, {"g": 2.0}],
    )

    result = optimizer.result()

    # Trials 0, 1 and 3 share the smallest violation, and 0 dominates 3.
    assert result.feasible is False
    assert [t.number for t in result.pareto_set] == [0, 1]
    assert [t.violation for t in result.pareto_set] == [0.5, 0.5]
    np.testing.assert_array_equal(result.pareto_front, [[1.0, 1.0], [0.0, 3.0]])


def test_pareto_front_rows_match_set_values():
    optimizer = NSGA2(
        float_space(),
        {"score": "maximize", "f1": "minimize", "f2": "maximize"},
        population_size=10,
        seed=3,
    )
    rng = np.random.default_rng(3)
    for _ in range(3):
        for trial in optimizer.ask():
            a, b, c = rng.normal(size=3).tolist()
            optimizer.tell(trial, {"f2": c, "f1": b, "score": a, "extra": 1.0})

    result = optimizer.result()

    assert result.objective_names == ("score", "f1", "f2")
    assert result.pareto_front.shape == (len(result.pareto_set), 3)
    for row, trial in zip(result.pareto_front, result.pareto_set, strict=True):
        assert row.tolist() == [
            trial.values["score"],
            trial.values["f1"],
            trial.values["f2"],
        ]


def test_result_snapshot_unchanged_by_later_tells():
    optimizer = NSGA2(float_space(), TWO_MINIMIZED, population_size=3, seed=0)
    trials = optimizer.ask()
    optimizer.tell(trials[0], {"f1": 1.0, "f2": 1.0})
    snapshot = optimizer.result()

    optimizer.tell(trials[1], {"f1": 0.0, "f2": 0.0})
    optimizer.tell(trials[2], error="lost")

    assert [t.state for t in snapshot.trials] == ["complete", "running", "running"]
    assert [t.number for t in snapshot.pareto_set] == [0]
    assert snapshot.n_failed == 0
    later = optimizer.result()
    assert [t.state for t in later.trials] == ["complete", "complete", "failed"]
    assert [t.number for t in later.pareto_set] == [1]
    with pytest.raises(dataclasses.FrozenInstanceError):
        snapshot.trials = ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        snapshot.trials[0].state = "failed"


def result_shape(result):
    return {
        "fields": [field.name for field in dataclasses.fields(result)],
        "types": {
            name: type(getattr(result, name))
            for name in (
                "trials",
                "population",
                "pareto_set",
                "pareto_front",
                "objective_names",
                "directions",
                "n_failed",
                "seed",
                "feasible",
            )
        },
        "front_dtype": result.pareto_front.dtype,
        "front_ndim": result.pareto_front.ndim,
    }


def test_result_fields_same_across_options():
    def objective(params):
        if params["n"] == 0:
            raise RuntimeError("no units")
        return {
            "f1": params["x"],
            "f2": params["n"] - params["x"],
            "g": params["x"] - 2,
        }

    space = {"x": Float(0.0, 1.0), "n": Int(0, 4)}
    results = [
        moopt.optimize(
            objective, space, TWO_MINIMIZED, n_generations=2, population_size=6, seed=0
        ),
        moopt.optimize(
            objective,
            space,
            {"f1": "maximize", "f2": "minimize"},
            n_trials=9,
            population_size=6,
            seed=0,
            constraints=[Constraint("g", ">=", 0.0)],
        ),
        moopt.optimize(get_problem("tnk"), n_generations=2, population_size=6, seed=0),
        moopt.optimize(
            objective,
            space,
            {"f1": "minimize"},
            n_generations=1,
            population_size=4,
            seed=None,
            timeout=60.0,
            initial_params=[{"x": 0.5, "n": 2}],
            callbacks=[lambda result: None],
        ),
        NSGA2(space, TWO_MINIMIZED, population_size=4, seed=0).result(),
    ]

    reference = result_shape(results[0])
    for result in results:
        assert result_shape(result) == reference
        assert result.pareto_front.shape == (
            len(result.pareto_set),
            len(result.objective_names),
        )
        assert all(type(t) is moopt.Trial for t in result.trials)
    # No trial of the constrained run meets its constraint and the last result
    # has no trials at all, yet both keep the same fields and shapes.
    assert results[1].feasible is False
    assert results[4].trials == ()
    assert results[4].pareto_front.shape == (0, 2)


def test_result_counts_failed_trials():
    optimizer = NSGA2(float_space(), TWO_MINIMIZED, population_size=4, seed=0)
    trials = optimizer.ask()
    optimizer.tell(trials[0], {"f1": 1.0, "f2": 1.0})
    optimizer.tell(trials[1], error="boom")
    optimizer.tell(trials[2], {"f1": math.nan, "f2": 1.0})
    optimizer.tell(trials[3], {"f1": 1.0})

    result = optimizer.result()

    assert result.n_failed == 3
    assert [t.state for t in result.trials] == [
        "complete",
        "failed",
        "failed",
        "failed",
    ]
    assert "boom" in result.trials[1].error
    assert "'f1'" in result.trials[2].error
    assert "missing 'f2'" in result.trials[3].error
    assert [t.number for t in result.population] == [0]


def test_ask_after_failed_first_generation_raises():
    optimizer = NSGA2(float_space(), TWO_MINIMIZED, population_size=3, seed=0)
    for trial in optimizer.ask():
        optimizer.tell(trial, error=OSError("disk full"))

    with pytest.raises(
        RuntimeError,
        match=r"every trial of the first generation failed.*OSError: disk full",
    ):
        optimizer.ask()
