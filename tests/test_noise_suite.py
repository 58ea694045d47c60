"""The noise suite: its noisy objective, single runs, and a real ``--quick`` run."""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pymoo.problems.many.dtlz import DTLZ2
from pymoo.problems.multi.zdt import ZDT1, ZDT2

import moopt
from benchmarks.noise import (
    METHODS,
    MIN_HYPERVOLUME_GAIN,
    PROBLEM_NAMES,
    QUICK,
    SET_SIZE,
    SIGMAS,
    NoiseRun,
    NoisyObjective,
    parse_args,
    run_noise_run,
)

# The benchmarks package lives at the repository root and is not installed;
# pytest's pythonpath setting puts the root on sys.path.
ROOT = Path(__file__).resolve().parent.parent
PNG_HEADER = b"\x89PNG\r\n\x1a\n"
QUICK_BUDGETS = QUICK["budgets"]
QUICK_POPULATION = QUICK["population_size"]
# A gain target and a gap target per problem and noisy sigma, and the wall time.
N_TARGETS = len(PROBLEM_NAMES) * 2 * len(MIN_HYPERVOLUME_GAIN) + 1


def zeros(objective: NoisyObjective) -> dict[str, float]:
    return dict.fromkeys(objective.variables, 0.0)


def noise_of(objective: NoisyObjective, params: dict, seed: int) -> np.ndarray:
    observed = np.array(list(objective.evaluate(params, seed).values()))
    return observed - objective.true_values(params)


def test_noise_repeats_for_same_replicate():
    objective = NoisyObjective("zdt1", 0.15)
    params = {name: 0.3 for name in objective.variables}
    first = objective.evaluate(params, 7)
    second = objective.evaluate(params, 7)
    assert first == second
    assert objective.n_calls == 2


def test_noise_differs_between_replicate_seeds():
    objective = NoisyObjective("zdt1", 0.15)
    params = {name: 0.3 for name in objective.variables}
    assert not np.allclose(
        noise_of(objective, params, 0), noise_of(objective, params, 1)
    )


def test_noise_differs_between_configurations():
    # The same replicate seed must not shift every configuration alike.
    objective = NoisyObjective("dtlz2", 0.15)
    first = {name: 0.3 for name in objective.variables}
    second = {**first, "x1": 0.6}
    assert not np.allclose(
        noise_of(objective, first, 0), noise_of(objective, second, 0)
    )


def test_noise_has_requested_standard_deviation():
    objective = NoisyObjective("zdt2", 0.15)
    generator = np.random.default_rng(0)
    noise = np.array(
        [
            noise_of(objective, dict(zip(objective.variables, x, strict=True)), 3)
            for x in generator.random((2000, len(objective.variables)))
        ]
    )
    # 4000 draws: the sample standard deviation has a relative standard error
    # of about 1 / sqrt(2 * 4000) = 1.1 %, and the mean a standard error of
    # 0.15 / sqrt(4000) = 0.0024.
    assert noise.std() == pytest.approx(0.15, rel=0.05)
    assert abs(noise.mean()) < 4 * 0.15 / math.sqrt(noise.size)


def test_true_values_match_closed_forms():
    zdt1 = NoisyObjective("zdt1", 0.3)
    zdt2 = NoisyObjective("zdt2", 0.3)
    dtlz2 = NoisyObjective("dtlz2", 0.3)
    # ZDT with x2..xn = 0: g = 1, so f2 = 1 - sqrt(f1) (ZDT1) or 1 - f1^2 (ZDT2).
    assert zdt1.true_values({**zeros(zdt1), "x1": 0.25}) == pytest.approx([0.25, 0.5])
    assert zdt2.true_values({**zeros(zdt2), "x1": 0.5}) == pytest.approx([0.5, 0.75])
    # DTLZ2 with distance variables at 0.5: g = 0, so f lies on the unit sphere.
    centred = {name: 0.5 for name in dtlz2.variables}
    assert dtlz2.true_values({**centred, "x1": 0.0, "x2": 0.0}) == pytest.approx(
        [1.0, 0.0, 0.0], abs=1e-12
    )
    assert dtlz2.true_values({**centred, "x1": 0.0, "x2": 1.0}) == pytest.approx(
        [0.0, 1.0, 0.0], abs=1e-12
    )
    # Distance variables at 1: g = 10 * 0.25 = 2.5, so the radius is 3.5.
    assert dtlz2.true_values(
        {**zeros(dtlz2), **dict.fromkeys(dtlz2.variables[2:], 1.0)}
    ) == pytest.approx([3.5, 0.0, 0.0], abs=1e-12)


def pymoo_values(problem: str, params: list[dict]) -> np.ndarray:
    """Evaluate ``params`` with a pymoo problem built here, not by the suite."""
    pymoo_problem = {
        "zdt1": ZDT1(n_var=5),
        "zdt2": ZDT2(n_var=5),
        "dtlz2": DTLZ2(n_var=12, n_obj=3),
    }[problem]
    x = np.array([[p[f"x{i + 1}"] for i in range(pymoo_problem.n_var)] for p in params])
    return pymoo_problem.evaluate(x)


def check_record(record: dict) -> None:
    """Assert the invariants every run record keeps, whatever its method."""
    chosen = record["chosen"]
    n_chosen = len(chosen["params"])
    assert n_chosen <= SET_SIZE
    assert record["n_configurations"] + record["n_reevaluations"] == record["budget"]
    assert len(chosen["observed"]) == len(chosen["true"]) == n_chosen
    if n_chosen == 0:
        # Every Pareto-set member lies beyond the reference point.
        assert record["true_hypervolume"] == record["observed_hypervolume"] == 0.0
        return
    true = pymoo_values(record["problem"], chosen["params"])
    assert np.allclose(chosen["true"], true)
    reference = [1.1] * true.shape[1]
    assert record["true_hypervolume"] == pytest.approx(
        moopt.hypervolume(true, reference)
    )
    assert record["observed_hypervolume"] == pytest.approx(
        moopt.hypervolume(np.array(chosen["observed"]), reference)
    )
    # select_k chooses among the Pareto set of the observed values, so no
    # chosen point dominates another.
    assert moopt.pareto_mask(np.array(chosen["observed"])).all()


def test_optuna_run_scores_noise_free_values():
    record = run_noise_run(NoiseRun("zdt1", 0.15, 80, "optuna_nsga2", 0, 10))
    check_record(record)
    assert record["n_reevaluations"] == 0
    assert record["chosen"]["n_evaluations"] == [1] * len(record["chosen"]["params"])
    assert record["gap"] == pytest.approx(
        record["observed_hypervolume"] - record["true_hypervolume"]
    )


def test_moopt_runs_follow_reevaluation_setting():
    none = run_noise_run(NoiseRun("dtlz2", 0.05, 120, "moopt_none", 1, 10))
    adaptive = run_noise_run(NoiseRun("dtlz2", 0.05, 120, "moopt_adaptive", 1, 10))
    check_record(none)
    check_record(adaptive)
    assert none["n_reevaluations"] == 0
    assert none["chosen"]["n_evaluations"] == [1] * len(none["chosen"]["params"])
    assert adaptive["n_reevaluations"] > 0
    # The final re-evaluations go to the returned set.
    assert adaptive["chosen"]["params"]
    assert max(adaptive["chosen"]["n_evaluations"]) > 1


def test_parse_args_rejects_zero_seeds(capsys):
    with pytest.raises(SystemExit, match="2"):
        parse_args(["--seeds", "0"])
    assert "--seeds must be a positive integer, got 0" in capsys.readouterr().err


@pytest.fixture(scope="module")
def quick_noise_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess, Path]:
    output = tmp_path_factory.mktemp("quick_noise")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.noise",
            "--quick",
            "--seeds",
            "2",
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
def quick_results(quick_noise_run) -> tuple[dict, list[dict]]:
    completed, output = quick_noise_run
    assert completed.returncode == 0, completed.stderr
    summary = json.loads((output / "summary.json").read_text())
    runs = json.loads((output / "runs.json").read_text())
    return summary, runs


def test_quick_noise_suite_exits_with_zero(quick_noise_run):
    completed, _ = quick_noise_run
    assert completed.returncode == 0, completed.stderr
    assert "## Targets" in completed.stdout
    n_runs = len(PROBLEM_NAMES) * len(SIGMAS) * len(QUICK_BUDGETS) * len(METHODS) * 2
    assert f"[{n_runs}/{n_runs}]" in completed.stderr


def test_quick_noise_writes_files_and_plots(quick_noise_run):
    _, output = quick_noise_run
    assert (output / "summary.md").read_text().startswith("# moopt noise benchmark")
    for name in PROBLEM_NAMES:
        assert (output / f"{name}.png").read_bytes().startswith(PNG_HEADER)


def test_quick_noise_runs_cover_every_combination(quick_results):
    _, runs = quick_results
    expected = set(
        itertools.product(PROBLEM_NAMES, SIGMAS, QUICK_BUDGETS, METHODS, (0, 1))
    )
    found = [
        (r["problem"], r["sigma"], r["budget"], r["method"], r["seed"]) for r in runs
    ]
    assert len(found) == len(expected)
    assert set(found) == expected


def test_quick_noise_records_score_true_values(quick_results):
    _, runs = quick_results
    for record in runs:
        check_record(record)
        assert record["population_size"] == QUICK_POPULATION


def test_quick_noise_only_adaptive_reevaluates(quick_results):
    _, runs = quick_results
    for record in runs:
        if record["method"] == "moopt_adaptive":
            assert record["n_reevaluations"] > 0, record["problem"]
        else:
            assert record["n_reevaluations"] == 0, record["method"]


def test_quick_noise_targets_are_computed(quick_results):
    summary, runs = quick_results
    targets = summary["targets"]
    assert len(targets) == N_TARGETS
    for target in targets:
        assert math.isfinite(target["value"]), target["target"]
        assert math.isfinite(target["threshold"]), target["target"]
        assert isinstance(target["passed"], bool)
    # Recompute the first gain target from the run records.
    budget = max(QUICK_BUDGETS)
    sigma = next(iter(MIN_HYPERVOLUME_GAIN))

    def median_true_hypervolume(method: str) -> float:
        return float(
            np.median(
                [
                    r["true_hypervolume"]
                    for r in runs
                    if (r["problem"], r["sigma"], r["budget"], r["method"])
                    == (PROBLEM_NAMES[0], sigma, budget, method)
                ]
            )
        )

    gain = median_true_hypervolume("moopt_adaptive") - median_true_hypervolume(
        "moopt_none"
    )
    first = targets[0]
    assert first["target"].startswith(f"{PROBLEM_NAMES[0]}, sigma {sigma:g}")
    assert first["value"] == pytest.approx(gain)
