"""The tuning suite: a real ``--quick`` run against Optuna, its tasks and helpers."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import optuna
import pytest

import moopt
from benchmarks.__main__ import parse_args
from benchmarks.peers import (
    METHODS,
    TuningRun,
    constraint_value,
    default_sampler_class,
    hypervolume_history,
    make_sampler,
    run_tuning_run,
    suggest_params,
)
from benchmarks.sklearn_tasks import DIABETES_BOOSTING, DIGITS_FOREST, TASKS
from benchmarks.tuning_report import evaluate_tuning_targets

# The benchmarks package lives at the repository root and is not installed;
# pytest's pythonpath setting puts the root on sys.path.
ROOT = Path(__file__).resolve().parent.parent
QUICK_TRIALS = 30
PNG_HEADER = b"\x89PNG\r\n\x1a\n"
INSTALL_HINT = 'pip install -e ".[optuna]"'


@pytest.fixture(scope="module")
def quick_tuning_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess, Path]:
    output = tmp_path_factory.mktemp("quick_tuning")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--suite",
            "tuning",
            "--quick",
            "--output",
            str(output),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return completed, output


@pytest.fixture(scope="module")
def quick_results(quick_tuning_run) -> tuple[dict, dict]:
    completed, output = quick_tuning_run
    assert completed.returncode == 0, completed.stderr
    summary = json.loads((output / "tuning" / "summary.json").read_text())
    runs = json.loads((output / "tuning" / "runs.json").read_text())
    return summary, runs


def test_quick_tuning_run_exits_with_zero(quick_tuning_run):
    completed, _ = quick_tuning_run
    assert completed.returncode == 0, completed.stderr
    assert "## Targets" in completed.stdout
    # 2 tasks x 4 methods x 1 seed.
    assert "[8/8]" in completed.stderr


def test_quick_tuning_writes_into_tuning_folder(quick_tuning_run):
    _, output = quick_tuning_run
    folder = output / "tuning"
    for name in ("summary.json", "summary.md", "runs.json"):
        assert (folder / name).is_file(), name
    for name in TASKS:
        assert (folder / f"{name}.png").read_bytes()[:8] == PNG_HEADER, name
    # The default suites did not run, so nothing lands beside the folder.
    assert sorted(path.name for path in output.iterdir()) == ["tuning"]


def test_quick_summary_lists_methods_and_peers(quick_results):
    summary, _ = quick_results
    assert summary["settings"]["suites"] == ["tuning"]
    assert summary["peers"]["optuna"] == optuna.__version__
    assert summary["peers"]["moopt"] == moopt.__version__
    assert "scikit-learn" in summary["peers"]
    assert sorted(summary["tasks"]) == sorted(TASKS)
    expected_samplers = {
        "moopt": "moopt.NSGA2",
        "optuna_nsga2": "NSGAIISampler",
        "optuna_default": default_sampler_class(["maximize", "minimize"]).__name__,
        "random_search": "RandomSampler",
    }
    for name, task in summary["tasks"].items():
        assert list(task["methods"]) == list(METHODS), name
        assert task["reference_point"] == list(TASKS[name].reference_point)
        for method, stats in task["methods"].items():
            assert stats["sampler"] == expected_samplers[method], (name, method)
            assert len(stats["per_seed"]) == 1, (name, method)
            assert math.isfinite(stats["hypervolume"]["median"]), (name, method)
            assert stats["hypervolume"]["median"] >= 0.0, (name, method)


def test_quick_runs_have_full_budget(quick_results):
    _, runs = quick_results
    assert sorted(runs["tasks"]) == sorted(TASKS)
    assert len(runs["runs"]) == len(TASKS) * len(METHODS)
    for run in runs["runs"]:
        label = (run["task"], run["method"])
        assert run["n_trials"] == QUICK_TRIALS, label
        assert [trial["number"] for trial in run["trials"]] == list(
            range(QUICK_TRIALS)
        ), label
        assert len(run["hypervolume"]) == QUICK_TRIALS, label
        assert all(np.diff(run["hypervolume"]) >= 0.0), label


def test_quick_trials_keep_space_and_outputs(quick_results):
    _, runs = quick_results
    for run in runs["runs"]:
        task = TASKS[run["task"]]
        for trial in run["trials"]:
            _check_in_space(trial["params"], task.space)
            for name in (*task.objectives, task.constraint.name):
                assert math.isfinite(trial["values"][name]), (run["method"], name)


def test_quick_feasibility_follows_constraint(quick_results):
    _, runs = quick_results
    for run in runs["runs"]:
        constraint = TASKS[run["task"]].constraint
        for trial in run["trials"]:
            excess = trial["values"][constraint.name] - constraint.bound
            assert trial["violation"] == pytest.approx(max(excess, 0.0))
            assert trial["feasible"] == (excess <= 0.0)


def test_runs_hypervolume_matches_summary(quick_results):
    summary, runs = quick_results
    for run in runs["runs"]:
        task = TASKS[run["task"]]
        feasible = [trial for trial in run["trials"] if trial["feasible"]]
        values = np.array(
            [[trial["values"][name] for name in task.objectives] for trial in feasible]
        ).reshape(-1, len(task.objectives))
        expected = moopt.hypervolume(values, task.reference_point, task.directions)
        reported = summary["tasks"][run["task"]]["methods"][run["method"]]
        assert reported["per_seed"][0]["hypervolume"] == pytest.approx(expected)
        assert reported["hypervolume"]["median"] == pytest.approx(expected)
        assert run["hypervolume"][-1] == pytest.approx(expected)


def test_quick_targets_reported_not_raised(quick_tuning_run, quick_results):
    _, output = quick_tuning_run
    summary, _ = quick_results
    targets = summary["targets"]
    # One HV target per task and the optimizer overhead.
    assert len(targets) == len(TASKS) + 1
    for target in targets:
        assert isinstance(target["passed"], bool)
        assert math.isfinite(target["value"])
    markdown = (output / "tuning" / "summary.md").read_text()
    assert markdown.count("\n- PASS ") + markdown.count("\n- FAIL ") == len(targets)
    overhead = summary["overhead"]
    assert overhead["n_trials"] == 300
    assert overhead["ratio"] == pytest.approx(
        overhead["moopt_us_per_trial"] / overhead["optuna_us_per_trial"]
    )


def _check_in_space(params: dict, space: dict) -> None:
    assert list(params) == list(space)
    for name, dimension in space.items():
        value = params[name]
        if isinstance(dimension, moopt.Categorical):
            assert value in dimension.choices, name
            continue
        if isinstance(dimension, moopt.Int):
            assert isinstance(value, int), name
            assert (value - dimension.low) % dimension.step == 0, name
        assert dimension.low <= value <= dimension.high, name
        if dimension.log:
            assert value > 0, name


@pytest.mark.parametrize("task", TASKS.values(), ids=list(TASKS))
def test_optuna_space_matches_moopt_space(task):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        directions=task.directions, sampler=optuna.samplers.RandomSampler(seed=0)
    )
    for _ in range(20):
        trial = study.ask()
        _check_in_space(suggest_params(trial, task.space), task.space)
        for name, dimension in task.space.items():
            distribution = trial.distributions[name]
            if isinstance(dimension, moopt.Float):
                expected = optuna.distributions.FloatDistribution(
                    dimension.low, dimension.high, log=dimension.log
                )
            elif isinstance(dimension, moopt.Int):
                expected = optuna.distributions.IntDistribution(
                    dimension.low,
                    dimension.high,
                    log=dimension.log,
                    step=dimension.step,
                )
            else:
                expected = optuna.distributions.CategoricalDistribution(
                    dimension.choices
                )
            assert distribution == expected, name


@pytest.mark.parametrize("task", TASKS.values(), ids=list(TASKS))
def test_moopt_samples_stay_in_space(task):
    optimizer = moopt.NSGA2(task.space, task.objectives, population_size=20, seed=0)
    for trial in optimizer.ask():
        _check_in_space(trial.params, task.space)


def test_tasks_mix_parameter_kinds():
    for name, task in TASKS.items():
        dimensions = list(task.space.values())
        assert any(isinstance(d, moopt.Float) and d.log for d in dimensions), name
        assert any(isinstance(d, moopt.Int) for d in dimensions), name
        assert any(isinstance(d, moopt.Categorical) for d in dimensions), name
        assert sorted(task.directions) == ["maximize", "minimize"], name


# Per task: a configuration that overfits beyond the gap bound, and one
# that stays within it.
VIOLATING = {
    "digits_forest": {
        "n_estimators": 1,
        "max_depth": 20,
        "max_samples": 1.0,
        "max_features": "sqrt",
        "criterion": "gini",
    },
    "diabetes_boosting": {
        "n_estimators": 150,
        "learning_rate": 1.0,
        "max_depth": 5,
        "subsample": 1.0,
        "max_features": None,
    },
}
FEASIBLE = {
    "digits_forest": {
        "n_estimators": 8,
        "max_depth": 4,
        "max_samples": 0.25,
        "max_features": 0.25,
        "criterion": "entropy",
    },
    "diabetes_boosting": {
        "n_estimators": 20,
        "learning_rate": 0.05,
        "max_depth": 2,
        "subsample": 0.8,
        "max_features": 0.5,
    },
}


@pytest.mark.parametrize("task", TASKS.values(), ids=list(TASKS))
def test_task_objective_repeats_exactly(task):
    first = task.evaluate(dict(FEASIBLE[task.name]))
    second = task.evaluate(dict(FEASIBLE[task.name]))
    assert first == second
    assert sorted(first) == sorted([*task.objectives, task.constraint.name])


@pytest.mark.parametrize("task", TASKS.values(), ids=list(TASKS))
def test_task_constraint_binds_somewhere(task):
    violating = task.evaluate(VIOLATING[task.name])
    feasible = task.evaluate(FEASIBLE[task.name])
    assert violating[task.constraint.name] > task.constraint.bound
    assert task.violation(violating) > 0.0
    assert feasible[task.constraint.name] <= task.constraint.bound
    assert task.violation(feasible) == 0.0


def test_reference_points_cover_largest_models():
    # The largest digits forest: most trees, all samples, and the
    # max_features and criterion that grow the most nodes.
    largest_forest = {
        "n_estimators": 32,
        "max_depth": 20,
        "max_samples": 1.0,
        "max_features": "log2",
        "criterion": "gini",
    }
    outputs = DIGITS_FOREST.evaluate(largest_forest)
    assert outputs["n_nodes"] < DIGITS_FOREST.reference_point[1]
    assert outputs["accuracy"] > DIGITS_FOREST.reference_point[0]
    # 150 trees of depth at most 5 have at most 150 x 63 nodes.
    outputs = DIABETES_BOOSTING.evaluate(VIOLATING["diabetes_boosting"])
    assert outputs["n_nodes"] <= 150 * 63 < DIABETES_BOOSTING.reference_point[1]


@pytest.mark.parametrize("method", METHODS)
def test_same_seed_repeats_run_trials(method):
    run = TuningRun("digits_forest", method, seed=3, n_trials=4, population_size=2)
    first = run_tuning_run(run)
    second = run_tuning_run(run)
    assert [t["params"] for t in first["trials"]] == [
        t["params"] for t in second["trials"]
    ]
    assert first["hypervolume"] == second["hypervolume"]


@pytest.mark.parametrize("operator", ["<=", ">=", "=="])
def test_constraint_value_agrees_with_moopt(operator):
    constraint = moopt.Constraint("gap", operator, 1.0, tolerance=0.1)
    for value in (0.5, 0.85, 0.95, 1.0, 1.05, 1.15, 1.5):
        optuna_feasible = constraint_value(constraint, value) <= 0.0
        moopt_feasible = constraint.violation(np.array(value)) == 0.0
        assert optuna_feasible == moopt_feasible, value


def test_constraint_value_signs_excess():
    assert constraint_value(
        moopt.Constraint("gap", "<=", 0.05, tolerance=0.0), 0.08
    ) == pytest.approx(0.03)
    assert constraint_value(
        moopt.Constraint("gap", ">=", 0.05, tolerance=0.0), 0.08
    ) == pytest.approx(-0.03)


def test_hypervolume_history_skips_infeasible():
    values = np.array([[0.5, 100.0], [0.9, 50.0], [0.8, 200.0]])
    feasible = np.array([True, False, True])
    history = hypervolume_history(
        values, feasible, (0.0, 1000.0), ["maximize", "minimize"]
    )
    # The first point covers 0.5 x 900, and the infeasible one adds nothing.
    # The third covers 0.8 x 800, plus the strip 0.5 x (200 - 100) of the first.
    assert history == pytest.approx([450.0, 450.0, 690.0])


def test_hypervolume_history_zero_until_feasible():
    values = np.array([[0.9, 10.0], [0.4, 500.0]])
    history = hypervolume_history(
        values, np.array([False, True]), (0.0, 1000.0), ["maximize", "minimize"]
    )
    assert history == pytest.approx([0.0, 200.0])


def test_default_sampler_gets_seed():
    directions = ["maximize", "minimize"]
    sampler = make_sampler("optuna_default", 7, 20, directions)
    assert type(sampler) is default_sampler_class(directions)


def test_unknown_sampler_method_rejected():
    with pytest.raises(ValueError, match="unknown Optuna method 'grid'"):
        make_sampler("grid", 0, 20, ["minimize"])


def test_tuning_targets_compare_medians():
    def task(moopt_median: float, nsga2_median: float) -> dict:
        return {
            "methods": {
                "moopt": {"hypervolume": {"median": moopt_median}},
                "optuna_nsga2": {"hypervolume": {"median": nsga2_median}},
            }
        }

    tasks = {"a": task(10.0, 9.0), "b": task(4.0, 4.5)}
    overhead = {"n_trials": 2000, "population_size": 50, "ratio": 0.04}
    targets = evaluate_tuning_targets(tasks, overhead)
    # 10 >= 9 passes; 4 < 4.5 fails; ratio 0.04 <= 0.05 passes.
    assert [target["passed"] for target in targets] == [True, False, True]
    assert targets[2]["threshold"] == pytest.approx(0.05)


def test_suite_option_accepts_tuning():
    assert parse_args([]).suite == "default"
    assert parse_args(["--suite", "tuning"]).suite == "tuning"
    assert parse_args(["--suite", "all"]).suite == "all"


@pytest.fixture
def hidden_optuna(tmp_path: Path) -> dict[str, str]:
    """Return an environment in which ``import optuna`` raises ImportError."""
    folder = tmp_path / "hide"
    folder.mkdir()
    (folder / "optuna.py").write_text(
        "raise ImportError(\"No module named 'optuna' (hidden by a test)\")\n"
    )
    path = os.pathsep.join([str(folder), str(ROOT)])
    return {**os.environ, "PYTHONPATH": path}


def test_tuning_suite_without_optuna_prints_hint(hidden_optuna, tmp_path):
    output = tmp_path / "out"
    command = ["-m", "benchmarks", "--suite", "tuning", "--quick"]
    completed = subprocess.run(
        [sys.executable, *command, "--output", str(output)],
        cwd=ROOT,
        env=hidden_optuna,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 1
    assert INSTALL_HINT in completed.stderr
    assert "Traceback" not in completed.stderr
    assert not output.exists()


def test_benchmarks_import_without_optuna(hidden_optuna):
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import benchmarks.__main__, benchmarks.peers, benchmarks.tuning_report",
        ],
        cwd=ROOT,
        env=hidden_optuna,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
