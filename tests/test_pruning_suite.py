"""The pruning suite: a quick run on tiny budgets, its records and its scoring."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import moopt
from benchmarks import mlp_task, multifidelity
from benchmarks.pruning import (
    BUDGETS,
    MIN_PRUNED_RATIO,
    PROBLEMS,
    checkpoints,
    hypervolume_at,
    main,
    returned_set_history,
    run_pruning_suite,
)

PNG_HEADER = b"\x89PNG\r\n\x1a\n"
SEEDS = 2
RUNGS = {"1", "3", "9", "27"}


@pytest.fixture(scope="module")
def quick_suite(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    output = tmp_path_factory.mktemp("quick_pruning")
    targets = run_pruning_suite(output, seeds=SEEDS, quick=True, n_workers=None)
    summary = json.loads((output / "summary.json").read_text())
    runs = json.loads((output / "runs.json").read_text())["runs"]
    return output, targets, summary, runs


def _runs_of(runs: list[dict], problem: str, method: str) -> list[dict]:
    return [r for r in runs if r["problem"] == problem and r["method"] == method]


def test_quick_suite_writes_reports_and_plots(quick_suite):
    output, _, _, _ = quick_suite
    for name in ("summary.json", "summary.md", "runs.json"):
        assert (output / name).is_file(), name
    for name in PROBLEMS:
        assert (output / f"{name}.png").read_bytes()[:8] == PNG_HEADER, name
    markdown = (output / "summary.md").read_text()
    assert "## synthetic" in markdown
    assert "## mlp_digits" in markdown
    assert "## Targets" in markdown


def test_quick_runs_cover_methods_and_seeds(quick_suite):
    _, _, _, runs = quick_suite
    for name, problem in PROBLEMS.items():
        pairs = sorted((r["method"], r["seed"]) for r in runs if r["problem"] == name)
        expected = sorted((m, s) for m in problem.methods for s in range(SEEDS))
        assert pairs == expected, name


def test_epochs_add_up_over_trials(quick_suite):
    _, _, _, runs = quick_suite
    for run in runs:
        label = (run["problem"], run["method"], run["seed"])
        counts = run["trials_by_epochs"]
        assert sum(counts.values()) == run["n_trials"], label
        spent = sum(int(step) * count for step, count in counts.items())
        assert spent == run["epochs"], label
        assert run["epochs"] >= run["run_epochs"], label
        assert run["n_complete"] + run["n_pruned"] == run["n_trials"], label
        # Only a trial that reached the last step completed.
        assert counts.get("27", 0) == run["n_complete"], label


def test_pruned_trials_stop_at_rungs(quick_suite):
    _, _, _, runs = quick_suite
    for run in runs:
        label = (run["problem"], run["method"], run["seed"])
        if run["method"] == "nsga2":
            assert set(run["trials_by_epochs"]) == {"27"}, label
            assert run["n_pruned"] == 0, label
        else:
            assert set(run["trials_by_epochs"]) <= RUNGS, label
    for method in ("nsga2_pruned", "nsga2_pruned_error", "random_pruned"):
        for run in _runs_of(runs, "synthetic", method):
            assert run["n_pruned"] > 0, (method, run["seed"])


def test_history_spans_zero_to_run_epochs(quick_suite):
    _, _, _, runs = quick_suite
    for run in runs:
        label = (run["problem"], run["method"], run["seed"])
        keys = ["history"] + (
            ["test_history"] if run["problem"] == "mlp_digits" else []
        )
        for key in keys:
            epochs = run[key]["epochs"]
            volumes = run[key]["hypervolume"]
            assert len(epochs) == len(volumes), label
            assert (epochs[0], volumes[0]) == (0, 0.0), label
            assert epochs[-1] == run["run_epochs"], label
            assert all(np.diff(epochs) >= 0), label
            assert all(volume >= 0.0 for volume in volumes), label
    for run in (r for r in runs if r["problem"] == "synthetic"):
        volumes = run["history"]["hypervolume"]
        assert all(np.diff(volumes) >= 0.0), run["method"]
        assert max(volumes) <= multifidelity.TRUE_FRONT_HYPERVOLUME, run["method"]


def test_target_front_scores_its_history(quick_suite):
    _, _, _, runs = quick_suite
    for run in runs:
        problem = PROBLEMS[run["problem"]]
        front = np.array(run["front_at_target"]).reshape(-1, 2)
        expected = moopt.hypervolume(front, problem.reference_point)
        measured = hypervolume_at(run["history"], run["target_epochs"])
        assert measured == pytest.approx(expected, abs=1e-12), run["method"]


def test_synthetic_fronts_hold_true_values(quick_suite):
    _, _, _, runs = quick_suite
    for run in (r for r in runs if r["problem"] == "synthetic"):
        front = np.array(run["front_at_target"]).reshape(-1, 2)
        cost, error = front[:, 0], front[:, 1]
        assert ((cost >= 0.0) & (cost <= 1.0)).all(), run["method"]
        # No configuration ends below ZDT1's front, error = 1 - sqrt(cost).
        assert (error >= 1.0 - np.sqrt(cost) - 1e-12).all(), run["method"]


def test_summary_medians_match_runs(quick_suite):
    _, _, summary, runs = quick_suite
    for name, problem in summary["problems"].items():
        marks = checkpoints(BUDGETS[True][name])
        assert problem["checkpoints"] == marks
        for method, stats in problem["methods"].items():
            method_runs = _runs_of(runs, name, method)
            for mark in marks:
                volumes = [hypervolume_at(r["history"], mark) for r in method_runs]
                median = stats["hypervolume"][str(mark)]["median"]
                assert median == pytest.approx(np.median(volumes)), (name, method)
            trials = [r["n_trials"] for r in method_runs]
            assert stats["n_trials"]["median"] == pytest.approx(np.median(trials))
            assert len(stats["per_seed"]) == SEEDS, (name, method)


def test_target_compares_with_twice_unpruned(quick_suite):
    _, targets, summary, runs = quick_suite
    assert summary["targets"] == targets
    assert len(targets) == 1
    target_epochs = BUDGETS[True]["synthetic"]["target_epochs"]
    medians = {
        method: float(
            np.median(
                [
                    hypervolume_at(r["history"], target_epochs)
                    for r in _runs_of(runs, "synthetic", method)
                ]
            )
        )
        for method in ("nsga2", "nsga2_pruned")
    }
    target = targets[0]
    assert str(target_epochs) in target["target"]
    assert target["threshold"] == pytest.approx(MIN_PRUNED_RATIO * medians["nsga2"])
    if medians["nsga2"] == medians["nsga2_pruned"] == 0.0:
        assert target["value"] is None
        assert target["passed"] is False
    else:
        assert target["value"] == pytest.approx(medians["nsga2_pruned"])
        assert target["passed"] == (target["value"] >= target["threshold"])


def test_returned_set_chosen_by_observed_values():
    nan = math.nan
    cumulative = np.array([1, 28, 55, 82, 109])
    # Trial 0 was pruned. Trial 3 looks dominated by trial 1 but would truly
    # be the best, and trial 4 dominates trials 1 and 2.
    observed = np.array(
        [[nan, nan], [0.2, 0.8], [0.5, 0.5], [0.3, 0.9], [0.1, 0.4]], dtype=float
    )
    true = np.array(
        [[nan, nan], [0.2, 0.6], [0.5, 0.5], [0.1, 0.1], [0.1, 0.4]], dtype=float
    )
    history, archive = returned_set_history(
        cumulative, observed, true, (1.0, 1.0), ["minimize", "minimize"]
    )
    # After trial 1: 0.8 x 0.4. After trial 2: plus 0.5 x (0.6 - 0.5).
    # After trial 4: 0.9 x 0.6 alone.
    assert [x for x, _ in history] == [0, 28, 55, 109]
    assert [volume for _, volume in history] == pytest.approx([0.0, 0.32, 0.37, 0.54])
    assert archive == [4]


def test_returned_set_keeps_equal_points():
    cumulative = np.array([27, 54])
    observed = np.array([[0.2, 0.3], [0.2, 0.3]])
    history, archive = returned_set_history(
        cumulative, observed, observed, (1.0, 1.0), ["minimize", "minimize"]
    )
    assert archive == [0, 1]
    assert history == [(0, 0.0), (27, pytest.approx(0.8 * 0.7))]


def test_returned_set_honours_maximize():
    cumulative = np.array([27, 54])
    observed = np.array([[0.9, 100.0], [0.8, 100.0]])
    history, archive = returned_set_history(
        cumulative, observed, observed, (0.5, 1000.0), ["maximize", "minimize"]
    )
    assert archive == [0]
    assert history == [(0, 0.0), (27, pytest.approx(0.4 * 900.0))]


@pytest.mark.parametrize(
    ("n_layers", "hidden_units"), [(1, 2), (1, 67), (2, 5), (2, 128)]
)
def test_count_weights_matches_fitted_network(n_layers, hidden_units):
    params = {
        "n_layers": n_layers,
        "hidden_units": hidden_units,
        "learning_rate_init": 1e-3,
        "alpha": 1e-4,
        "batch_size": 64,
    }
    train_x, train_y, *_ = mlp_task.digits_split()
    model = mlp_task.make_model(params)
    model.partial_fit(train_x, train_y, classes=np.arange(mlp_task.N_CLASSES))
    fitted = sum(array.size for array in (*model.coefs_, *model.intercepts_))
    assert mlp_task.count_weights(params) == fitted


def test_digits_split_sizes_and_classes():
    train_x, train_y, valid_x, valid_y, test_x, test_y = mlp_task.digits_split()
    assert (len(train_x), len(valid_x), len(test_x)) == (1078, 359, 360)
    for labels in (train_y, valid_y, test_y):
        assert set(labels.tolist()) == set(range(mlp_task.N_CLASSES))
    rows = np.concatenate([train_x, valid_x, test_x])
    assert rows.max() <= 1.0
    assert rows.min() >= 0.0


def test_pruning_main_rejects_zero_seeds(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit):
        main(["--seeds", "0", "--output", str(Path("unused"))])
    assert "--seeds must be at least 1, got 0" in capsys.readouterr().err
