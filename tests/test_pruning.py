"""Intermediate values, pruned trials and pruners inside optimize and NSGA2."""

from __future__ import annotations

import csv
import io
import sqlite3
import subprocess
import sys

import numpy as np
import pytest
from conftest import local_dask_executor

import moopt
from benchmarks import multifidelity
from moopt import Float

OBJECTIVES = multifidelity.OBJECTIVES


def learning_objective(params, trial):
    """Report the cost once and the error after every step of training."""
    curve = multifidelity.learning_curve(params)
    trial.report(1, {"cost": params["x0"]})
    for step, error in enumerate(curve.tolist(), start=1):
        trial.report(step, {"error": error})
        if trial.should_prune():
            raise moopt.TrialPruned()
    return {"cost": params["x0"], "error": curve[-1]}


def run(**options):
    settings = {
        "n_trials": 60,
        "population_size": 12,
        "seed": 4,
        "pruner": moopt.SuccessiveHalvingPruner(),
    }
    settings.update(options)
    objective = settings.pop("objective", learning_objective)
    return moopt.optimize(objective, multifidelity.space(4), OBJECTIVES, **settings)


def records(result):
    return [
        (t.number, t.state, t.values, t.intermediate_values, t.params)
        for t in result.trials
    ]


def test_pruned_trials_keep_last_reported_values():
    result = run()
    pruned = [t for t in result.trials if t.state == "pruned"]

    assert pruned, "successive halving should stop some trials"
    for trial in pruned:
        last = max(trial.intermediate_values)
        curve = multifidelity.learning_curve(trial.params)
        assert last < multifidelity.MAX_STEPS
        assert trial.values == {"cost": trial.params["x0"], "error": curve[last - 1]}
        assert sorted(trial.intermediate_values) == list(range(1, last + 1))


def test_pruned_trials_never_in_pareto_set():
    result = run()

    assert result.pareto_set
    assert all(t.state == "complete" for t in result.pareto_set)


def test_first_generation_is_never_pruned():
    # Its trials were asked before any trial was told, so every one of them
    # is the first at each rung.
    result = run()

    assert all(t.state == "complete" for t in result.trials if t.generation == 0)


def test_workers_prune_like_serial_run():
    assert records(run(n_workers=2)) == records(run())


def test_dask_cluster_prunes_like_serial_run():
    with local_dask_executor() as executor:
        on_dask = run(executor=executor)

    assert records(on_dask) == records(run())


def test_async_mode_prunes_with_workers():
    result = run(mode="async", n_workers=2, n_trials=40)

    states = {t.state for t in result.trials}
    assert states <= {"complete", "pruned"}
    assert len(result.trials) == 40
    assert all(t.state == "complete" for t in result.pareto_set)


def test_resumed_study_prunes_as_uninterrupted(tmp_path):
    path = tmp_path / "study.db"
    run(storage=path, n_trials=30)
    resumed = run(storage=path, n_trials=60)

    assert records(resumed) == records(run())
    assert records(moopt.load_study(path)) == records(resumed)


def test_study_of_older_schema_gets_new_columns(tmp_path):
    path = tmp_path / "study.db"
    run(storage=path, n_trials=24, pruner=None)
    connection = sqlite3.connect(path)
    connection.execute("ALTER TABLE trials DROP COLUMN intermediate")
    connection.execute("ALTER TABLE trials DROP COLUMN replicate_of")
    connection.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    connection.commit()
    connection.close()

    assert len(moopt.load_study(path).trials) == 24
    resumed = run(storage=path, n_trials=48, pruner=None)

    # The old file never held the first 24 trials' intermediate values.
    uninterrupted = run(n_trials=48, pruner=None)
    assert [t.values for t in resumed.trials] == [
        t.values for t in uninterrupted.trials
    ]
    assert records(resumed)[24:] == records(uninterrupted)[24:]
    assert resumed.trials[0].intermediate_values == {}


def test_dataframe_shows_intermediate_values():
    pytest.importorskip("pandas")
    result = run()
    frame = result.to_dataframe()

    pruned = frame[frame["state"] == "pruned"]
    assert (pruned["last_step"] < multifidelity.MAX_STEPS).all()
    complete = frame[frame["state"] == "complete"]
    assert (complete["last_step"] == multifidelity.MAX_STEPS).all()
    first = result.trials[0]
    assert frame["intermediate_values"][0] == first.intermediate_values


def test_objective_may_return_after_prune_decision():
    def objective(params, trial):
        curve = multifidelity.learning_curve(params)
        for step, error in enumerate(curve.tolist(), start=1):
            trial.report(step, {"cost": params["x0"], "error": error})
            if trial.should_prune():
                return {"cost": params["x0"]}
        return {"cost": params["x0"], "error": curve[-1]}

    pruned = [t for t in run(objective=objective).trials if t.state == "pruned"]

    assert pruned
    for trial in pruned:
        last = max(trial.intermediate_values)
        assert trial.values == trial.intermediate_values[last]


def test_trial_pruned_without_pruner_prunes():
    def objective(params, trial):
        trial.report(2, {"error": 3.0})
        if params["x0"] > 0.5:
            raise moopt.TrialPruned()
        return {"cost": params["x0"], "error": 1.0}

    result = run(objective=objective, pruner=None)
    pruned = [t for t in result.trials if t.state == "pruned"]

    assert pruned
    assert all(t.params["x0"] > 0.5 for t in pruned)
    # Cost was never reported, so the pruned trial has only its error.
    assert all(t.values == {"error": 3.0} for t in pruned)


@pytest.mark.parametrize(
    ("step", "values", "message"),
    [
        (-1, {"error": 1.0}, "report step must be an int >= 0, got -1"),
        (1.5, {"error": 1.0}, "report step must be an int, got 1.5"),
        (1, {"loss": 1.0}, "'loss', which is not an objective"),
        (1, {"error": float("nan")}, "must be a finite number, got nan"),
        (1, [1.0], "report values must be a dict"),
    ],
)
def test_bad_report_fails_trial_with_message(step, values, message):
    def objective(params, trial):
        if params["x0"] > 0.5:
            trial.report(step, values)
        return {"cost": 0.0, "error": 0.0}

    result = run(objective=objective, n_trials=12, pruner=None)
    failed = [t for t in result.trials if t.state == "failed"]

    assert [t.params["x0"] > 0.5 for t in result.trials] == [
        t.state == "failed" for t in result.trials
    ]
    assert failed
    assert all(message in t.error for t in failed)


def test_report_step_going_back_fails_trial():
    def objective(params, trial):
        trial.report(3, {"error": 1.0})
        trial.report(2, {"error": 1.0})
        return {"cost": 0.0, "error": 0.0}

    with pytest.raises(RuntimeError, match="report step 2 comes after step 3"):
        run(objective=objective, n_trials=12, pruner=None)


def test_pruner_needs_objective_with_trial():
    def objective(params):
        raise AssertionError("no trial may run")

    with pytest.raises(ValueError, match="a pruner needs intermediate values"):
        run(objective=objective)


def test_pruner_of_wrong_type_rejected():
    with pytest.raises(TypeError, match=r"pruner must be a moopt\.SuccessiveHalving"):
        run(pruner="halving")


def test_pruner_on_unknown_objective_rejected():
    with pytest.raises(ValueError, match="loss"):
        run(pruner=moopt.SuccessiveHalvingPruner(objectives=["loss"]))


@pytest.mark.parametrize("share", [-0.1, 1.5])
def test_random_offspring_outside_unit_interval_rejected(share):
    with pytest.raises(ValueError, match="random_offspring"):
        run(random_offspring=share)


def test_random_offspring_one_makes_random_search():
    # Minimizing x0 pulls bred offspring toward 0; uniform draws stay spread.
    def objective(params):
        return {"cost": params["x0"], "error": params["x0"] + 0.1 * params["x1"]}

    def late_mean(share):
        result = run(
            objective=objective, pruner=None, random_offspring=share, n_trials=240
        )
        return np.mean([t.params["x0"] for t in result.trials if t.generation >= 15])

    assert late_mean(1.0) > 0.35
    assert late_mean(0.0) < 0.1


# ------------------------------------------------------------ ask and tell
def ask_tell_optimizer(**options):
    return moopt.NSGA2(
        {"x": Float(0.0, 1.0)},
        {"loss": "minimize", "size": "maximize"},
        population_size=4,
        seed=0,
        **options,
    )


def test_pruned_trials_rank_below_complete_by_step():
    optimizer = ask_tell_optimizer()
    trials = optimizer.ask()
    # Two complete trials, and two pruned ones whose values are better than
    # any complete trial's: pruned at step 9 and at step 3.
    optimizer.tell(trials[0], {"loss": 5.0, "size": 1.0})
    optimizer.tell(trials[1], {"loss": 6.0, "size": 2.0})
    optimizer.report(trials[2], 3, {"loss": 0.0, "size": 9.0})
    optimizer.tell(trials[2], pruned=True)
    optimizer.report(trials[3], 9, {"loss": 1.0, "size": 8.0})
    optimizer.tell(trials[3], pruned=True)

    result = optimizer.result()

    assert [t.number for t in result.population] == [0, 1, 3, 2]
    assert [t.number for t in result.pareto_set] == [0, 1]
    assert result.trials[2].values == {"loss": 0.0, "size": 9.0}


def test_ask_tell_decision_reads_earlier_trials():
    pruner = moopt.SuccessiveHalvingPruner(min_step=1, reduction_factor=2)
    optimizer = ask_tell_optimizer(pruner=pruner)
    first = optimizer.ask()
    for index, trial in enumerate(first):
        optimizer.report(trial, 1, {"loss": float(index), "size": 0.0})
        # No trial was told before these were asked, so none is pruned.
        assert not optimizer.should_prune(trial)
        optimizer.report(trial, 4, {"loss": index / 2, "size": 0.0})
        optimizer.tell(trial, {"loss": index / 2, "size": 0.0})

    second = optimizer.ask()
    # The rung-1 table contains losses 0..3 at size 0. A loss of 0.5 ranks second
    # of five, within the top 5 // 2 = 2; a loss of 2.5 ranks fourth.
    optimizer.report(second[0], 1, {"loss": 0.5, "size": 0.0})
    optimizer.report(second[1], 1, {"loss": 2.5, "size": 0.0})

    assert not optimizer.should_prune(second[0])
    assert optimizer.should_prune(second[1])
    assert optimizer.should_prune(second[1])
    told = optimizer.tell(second[1], pruned=True)
    assert told.state == "pruned"
    assert told.intermediate_values == {1: {"loss": 2.5, "size": 0.0}}


def test_trial_at_final_step_is_not_pruned():
    # Complete trials trained 2 steps, so a trial at step 2 has finished even
    # when it ranks last at that rung.
    pruner = moopt.SuccessiveHalvingPruner(min_step=1, reduction_factor=2)
    optimizer = ask_tell_optimizer(pruner=pruner)
    for index, trial in enumerate(optimizer.ask()):
        optimizer.report(trial, 2, {"loss": float(index), "size": 0.0})
        optimizer.tell(trial, {"loss": float(index), "size": 0.0})
    late = optimizer.ask()[0]
    optimizer.report(late, 2, {"loss": 9.0, "size": 0.0})

    assert not optimizer.should_prune(late)


def test_tell_pruned_with_error_rejected():
    optimizer = ask_tell_optimizer()
    trial = optimizer.ask()[0]

    with pytest.raises(ValueError, match="either pruned=True or an error"):
        optimizer.tell(trial, error="boom", pruned=True)


@pytest.mark.parametrize(
    ("direction", "correlation", "pruned"),
    [
        # Final losses in the same order as at step 1: the step predicts.
        (1.0, 0.8, True),
        # Final losses in the reverse order: curves cross, so no decision.
        (-1.0, 0.8, False),
        # The check turned off decides whatever the curves do.
        (-1.0, None, True),
    ],
)
def test_rank_check_skips_steps_curves_cross(direction, correlation, pruned):
    pruner = moopt.SuccessiveHalvingPruner(
        min_step=1, reduction_factor=2, min_rank_correlation=correlation
    )
    optimizer = moopt.NSGA2(
        {"x": Float(0.0, 1.0)},
        {"loss": "minimize"},
        population_size=6,
        seed=0,
        pruner=pruner,
    )
    for index, trial in enumerate(optimizer.ask()):
        optimizer.report(trial, 1, {"loss": float(index)})
        final = 10.0 + direction * index
        optimizer.report(trial, 3, {"loss": final})
        optimizer.tell(trial, {"loss": final})
    late = optimizer.ask()[0]
    # Worse than all six losses at step 1, so last of seven at the rung.
    optimizer.report(late, 1, {"loss": 9.0})

    assert optimizer.should_prune(late) is pruned


def test_cli_counts_and_exports_pruned_trials(tmp_path):
    path = tmp_path / "study.db"
    result = run(storage=path)
    n_pruned = sum(t.state == "pruned" for t in result.trials)

    summary = subprocess.run(
        [sys.executable, "-m", "moopt", "summary", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    exported = subprocess.run(
        [sys.executable, "-m", "moopt", "export", str(path), "--format", "csv"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = list(csv.DictReader(io.StringIO(exported)))

    assert f"  pruned: {n_pruned}" in summary.splitlines()
    pruned_rows = [row for row in rows if row["state"] == "pruned"]
    assert len(pruned_rows) == n_pruned
    first = next(t for t in result.trials if t.state == "pruned")
    assert float(pruned_rows[0]["cost"]) == first.values["cost"]
    # The objective "error" keeps its column; the failure text moves aside.
    assert float(pruned_rows[0]["error"]) == first.values["error"]
    assert pruned_rows[0]["trial_error"] == ""


def test_dataframe_renames_trial_column_named_like_objective():
    pytest.importorskip("pandas")
    frame = run(n_trials=12).to_dataframe()

    assert list(frame.columns).count("error") == 1
    assert frame["error"].notna().all()
    assert frame["trial_error"].isna().all()


def test_objective_finishing_despite_prune_is_complete():
    # The objective asks, ignores a True and trains on to the end.
    def stubborn(params, trial):
        curve = multifidelity.learning_curve(params)
        asked = []
        for step, error in enumerate(curve.tolist(), start=1):
            trial.report(step, {"cost": params["x0"], "error": error})
            asked.append(trial.should_prune())
        return {"cost": params["x0"], "error": curve[-1], "asked": any(asked)}

    result = run(objective=stubborn)

    assert all(t.state == "complete" for t in result.trials)
    assert any(t.values["asked"] for t in result.trials)


def test_pruned_trial_with_text_output_keeps_reports():
    def objective(params, trial):
        curve = multifidelity.learning_curve(params)
        for step, error in enumerate(curve.tolist(), start=1):
            trial.report(step, {"cost": params["x0"], "error": error})
            if trial.should_prune():
                return {"cost": "n/a", "error": None}
        return {"cost": params["x0"], "error": curve[-1]}

    result = run(objective=objective)
    pruned = [t for t in result.trials if t.state == "pruned"]

    assert pruned
    for trial in pruned:
        last = max(trial.intermediate_values)
        assert trial.values == trial.intermediate_values[last]
