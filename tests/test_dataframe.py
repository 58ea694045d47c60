"""Result.to_dataframe: one row per trial with ranks and crowding distances."""

from __future__ import annotations

import math

import numpy as np
import pytest

import moopt
from moopt import Categorical, Constraint, Float

pandas = pytest.importorskip("pandas")


def objective(params):
    if params["x"] > 0.6:
        raise RuntimeError("boom")
    return {"a": params["x"], "b": (params["x"] - 0.5) ** 2, "g": params["x"] - 0.3}


@pytest.fixture(scope="module")
def result():
    return moopt.optimize(
        objective,
        {"x": Float(0.0, 1.0), "act": Categorical(["relu", "tanh"])},
        {"a": "minimize", "b": "maximize"},
        constraints=[Constraint("g", "<=", 0.0)],
        n_trials=40,
        population_size=10,
        seed=0,
    )


def test_dataframe_rows_and_columns(result):
    frame = result.to_dataframe()

    assert list(frame["number"]) == list(range(40))
    assert list(frame.columns[:5]) == ["number", "generation", "state", "x", "act"]
    assert list(frame.columns[5:8]) == ["a", "b", "g"]
    assert list(frame.columns[8:]) == [
        "violation",
        "feasible",
        "rank",
        "crowding_distance",
        "duration",
        "error",
    ]
    for trial, row in zip(result.trials, frame.itertuples(), strict=True):
        assert row.state == trial.state
        assert row.x == trial.params["x"]
        assert row.feasible == trial.feasible


def test_dataframe_ranks_match_kernel(result):
    frame = result.to_dataframe()
    complete = [t for t in result.trials if t.state == "complete"]
    values = result.values(tuple(complete))
    violations = np.array([t.violation for t in complete])

    expected = moopt.nondominated_rank(values, result.directions, violations=violations)
    ranks = frame.loc[frame["state"] == "complete", "rank"].to_numpy()

    np.testing.assert_array_equal(ranks, expected)
    first = expected == 0
    np.testing.assert_array_equal(
        frame.loc[frame["state"] == "complete", "crowding_distance"].to_numpy()[first],
        moopt.crowding_distance(values[first]),
    )


def test_dataframe_failed_rows_have_no_rank(result):
    frame = result.to_dataframe()
    failed = frame[frame["state"] == "failed"]

    assert len(failed) == result.n_failed
    assert len(failed) > 0
    assert failed["rank"].isna().all()
    assert failed["a"].isna().all()
    assert all(error == "RuntimeError: boom" for error in failed["error"])
    assert not math.isnan(frame.loc[0, "duration"])
