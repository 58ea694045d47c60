"""The benchmark suite: a real ``--quick`` run, and the analytic true fronts."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pymoo.optimize import minimize

import moopt
from benchmarks.__main__ import parse_args
from benchmarks.durability import LognormalSleepObjective, measure_sqlite_overhead
from benchmarks.problems import (
    ZDT6_F1_MIN,
    dtlz2_front,
    make_problem,
    simplex_lattice,
    true_front,
    zdt3_front,
)
from benchmarks.report import (
    compare_like_for_like,
    evaluate_durability_targets,
    evaluate_targets,
    format_target,
)
from benchmarks.runners import (
    ALGORITHMS,
    ProblemJob,
    RecordingEvaluator,
    archive_history,
    check_front,
    make_pymoo_nsga2,
    run_problem_job,
    runs_record,
)

# The benchmarks package lives at the repository root and is not installed;
# pytest's pythonpath setting puts the root on sys.path.
ROOT = Path(__file__).resolve().parent.parent

QUICK_PROBLEMS = ("zdt1", "dtlz2")
POPULATION_ROWS = ("moopt_population", "pymoo_default", "pymoo_same_operators")
ARCHIVE_ROWS = (
    "moopt_pareto_set",
    "pymoo_default_archive",
    "pymoo_same_operators_archive",
)
QUICK_ROWS = POPULATION_ROWS + ARCHIVE_ROWS
PYMOO_VARIANTS = ("pymoo_default", "pymoo_same_operators")
# SQLite cost, its growth, the speed-up and the async utilization.
DURABILITY_TARGETS = 4


@pytest.fixture(scope="module")
def quick_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess, Path]:
    output = tmp_path_factory.mktemp("quick")
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return completed, output


@pytest.fixture(scope="module")
def quick_summary(quick_run: tuple[subprocess.CompletedProcess, Path]) -> dict:
    completed, output = quick_run
    assert completed.returncode == 0, completed.stderr
    return json.loads((output / "summary.json").read_text())


def test_quick_run_exits_with_zero(quick_run):
    completed, _ = quick_run
    assert completed.returncode == 0, completed.stderr
    assert "## Targets" in completed.stdout


def test_quick_run_prints_progress_per_run(quick_run):
    completed, _ = quick_run
    # 2 problems x 1 seed x 3 algorithms, plus 2 tuning runs.
    assert "[8/8]" in completed.stderr


def test_quick_summary_has_every_row(quick_summary):
    assert sorted(quick_summary["problems"]) == sorted(QUICK_PROBLEMS)
    for name in QUICK_PROBLEMS:
        rows = quick_summary["problems"][name]["rows"]
        assert list(rows) == list(QUICK_ROWS), name
        for row in QUICK_ROWS:
            hypervolume = rows[row]["hypervolume"]["median"]
            igd = rows[row]["igd"]["median"]
            assert math.isfinite(hypervolume), (name, row)
            assert hypervolume >= 0.0, (name, row)
            assert math.isfinite(igd), (name, row)
            assert len(rows[row]["per_seed"]) == 1, (name, row)


def test_quick_summary_labels_population_and_archive(quick_summary):
    for name in QUICK_PROBLEMS:
        rows = quick_summary["problems"][name]["rows"]
        for row in POPULATION_ROWS:
            assert rows[row]["set"] == "population", (name, row)
            assert rows[row]["n_points"]["median"] == 100, (name, row)
        for row in ARCHIVE_ROWS:
            assert rows[row]["set"] == "archive", (name, row)
            assert rows[row]["n_points"]["median"] >= 1, (name, row)


def test_pymoo_archive_hypervolume_covers_population(quick_summary):
    # The final population is part of the run's evaluations, so the
    # non-dominated subset of all evaluations dominates at least as much.
    for name in QUICK_PROBLEMS:
        rows = quick_summary["problems"][name]["rows"]
        for variant in PYMOO_VARIANTS:
            population = rows[variant]["per_seed"]
            archive = rows[f"{variant}_archive"]["per_seed"]
            assert len(archive) == len(population) == 1
            for pop_seed, archive_seed in zip(population, archive, strict=True):
                assert archive_seed["seed"] == pop_seed["seed"]
                assert archive_seed["hypervolume"] >= pop_seed["hypervolume"], (
                    name,
                    variant,
                )


def test_quick_summary_compares_like_for_like(quick_summary):
    comparisons = quick_summary["comparisons"]
    # A population and an archive comparison per pymoo variant and problem.
    assert len(comparisons) == 2 * 2 * len(QUICK_PROBLEMS)
    for comparison in comparisons:
        rows = quick_summary["problems"][comparison["problem"]]["rows"]
        assert "passed" not in comparison
        assert rows[comparison["moopt_row"]]["set"] == comparison["set"]
        assert rows[comparison["pymoo_row"]]["set"] == comparison["set"]
        expected = (
            rows[comparison["moopt_row"]]["hypervolume"]["median"]
            - rows[comparison["pymoo_row"]]["hypervolume"]["median"]
        )
        assert comparison["difference"] == pytest.approx(expected, abs=1e-12)


def test_quick_summary_reports_overhead_and_tuning(quick_summary):
    sizes = [entry["population_size"] for entry in quick_summary["overhead"]]
    assert sizes == [100, 1000]
    for entry in quick_summary["overhead"]:
        assert entry["ratio"] > 0.0
    methods = quick_summary["tuning"]["methods"]
    assert sorted(methods) == ["moopt", "random_search"]
    for method in methods.values():
        assert math.isfinite(method["hypervolume"]["median"])
        assert method["per_seed"][0]["n_evaluations"] == 18


def test_quick_summary_records_targets(quick_summary):
    targets = quick_summary["targets"]
    # Two comparisons per pymoo variant and problem, two overhead ratios, and
    # the durability suite's targets.
    assert len(targets) == 2 * 2 * len(QUICK_PROBLEMS) + 2 + DURABILITY_TARGETS
    for target in targets:
        assert isinstance(target["passed"], bool)
        assert math.isfinite(target["value"])


def test_quick_markdown_lists_every_row(quick_run):
    _, output = quick_run
    markdown = (output / "summary.md").read_text()
    for name in QUICK_PROBLEMS:
        for row in QUICK_ROWS:
            assert f"| {name} | 4000 | {row} |" in markdown
    n_targets = markdown.count("\n- PASS ") + markdown.count("\n- FAIL ")
    assert n_targets == 10 + DURABILITY_TARGETS
    assert markdown.count("\n- comparison ") == 8
    assert "## Like-for-like comparisons" in markdown


def test_quick_run_draws_png_per_problem(quick_run):
    _, output = quick_run
    for name in QUICK_PROBLEMS:
        header = (output / f"{name}.png").read_bytes()[:8]
        assert header == b"\x89PNG\r\n\x1a\n", name


def test_quick_runs_file_matches_summary(quick_run, quick_summary):
    _, output = quick_run
    runs = json.loads((output / "runs.json").read_text())
    keys = {(run["problem"], run["algorithm"], run["seed"]) for run in runs}
    assert keys == {(p, a, 0) for p in QUICK_PROBLEMS for a in ALGORITHMS}
    for run in runs:
        problem = quick_summary["problems"][run["problem"]]
        history = run["history"]
        assert history["evaluations"][-1] == problem["n_evaluations"]
        archive = ARCHIVE_ROWS[ALGORITHMS.index(run["algorithm"])]
        reported = problem["rows"][archive]["per_seed"][0]["hypervolume"]
        assert history["hypervolume"][-1] == pytest.approx(reported)
        # Archives of 3-objective problems are left out of the file.
        assert (archive in run["values"]) == (problem["n_objectives"] == 2)


SQLITE_FIGURES = (
    "memory_us_per_trial",
    "sqlite_us_per_trial",
    "memory_first_window_us_per_trial",
    "memory_last_window_us_per_trial",
    "sqlite_first_window_us_per_trial",
    "sqlite_last_window_us_per_trial",
)
UTILIZATION_FIGURES = (
    "wall_s",
    "busy_s",
    "first_start_s",
    "all_workers_started_s",
    "utilization",
    "utilization_after_startup",
)


@pytest.fixture(scope="module")
def durability_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess, Path]:
    output = tmp_path_factory.mktemp("durability")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--quick",
            "--suite",
            "durability",
            "--output",
            str(output),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return completed, output


def test_quick_summary_reports_sqlite_overhead(quick_summary):
    sqlite = quick_summary["durability"]["sqlite"]
    assert sqlite["n_trials"] == 2000
    for key in SQLITE_FIGURES:
        assert math.isfinite(sqlite[key]), key
        assert sqlite[key] > 0.0, key
    for part in ("", "first_window_", "last_window_"):
        added = sqlite[f"added_{part}us_per_trial"]
        difference = (
            sqlite[f"sqlite_{part}us_per_trial"] - sqlite[f"memory_{part}us_per_trial"]
        )
        assert added == pytest.approx(difference), part
    if sqlite["growth_ratio"] is not None:
        assert math.isfinite(sqlite["growth_ratio"])


def test_quick_summary_reports_speedup(quick_summary):
    speedup = quick_summary["durability"]["speedup"]
    assert speedup["n_workers"] == 2
    for key in ("serial_s", "parallel_s", "parallel_startup_s", "speedup"):
        assert math.isfinite(speedup[key]), key
        assert speedup[key] > 0.0, key
    assert speedup["speedup"] == pytest.approx(
        speedup["serial_s"] / speedup["parallel_s"]
    )


def test_quick_summary_reports_utilization_per_mode(quick_summary):
    utilization = quick_summary["durability"]["utilization"]
    assert utilization["n_workers"] == 8
    assert list(utilization["modes"]) == ["generational", "async"]
    for mode, stats in utilization["modes"].items():
        for key in UTILIZATION_FIGURES:
            assert math.isfinite(stats[key]), (mode, key)
        # Every trial runs inside the call of optimize on one of the workers,
        # so the busy time cannot exceed workers x wall time.
        assert 0.0 < stats["utilization"] <= 1.0, mode
        assert stats["first_start_s"] <= stats["all_workers_started_s"], mode
        assert stats["utilization_after_startup"] >= stats["utilization"], mode


def test_quick_markdown_has_durability_tables(quick_run):
    _, output = quick_run
    markdown = (output / "summary.md").read_text()
    assert "## Durability and parallelism" in markdown
    for row in ("| memory |", "| SQLite |", "| added by SQLite |"):
        assert row in markdown, row
    assert "| 1 (serial, in the calling process) |" in markdown
    assert "| generational |" in markdown
    assert "| async |" in markdown
    assert "utilization of 8 workers in async mode >= 0.9" in markdown
    # The durability section follows the sections of the problem suite.
    assert markdown.index("## Tuning task") < markdown.index("## Durability")


def test_durability_suite_runs_alone(durability_run):
    completed, output = durability_run
    assert completed.returncode == 0, completed.stderr
    summary = json.loads((output / "summary.json").read_text())
    assert summary["settings"]["suites"] == ["durability"]
    assert "problems" not in summary
    assert "tuning" not in summary
    assert sorted(summary["durability"]) == [
        "speedup",
        "sqlite",
        "time_s",
        "utilization",
    ]
    assert len(summary["targets"]) == DURABILITY_TARGETS
    for target in summary["targets"]:
        assert isinstance(target["passed"], bool)
    assert not list(output.glob("*.png"))
    assert "## Test problems" not in completed.stdout
    assert "## Durability and parallelism" in completed.stdout


def test_suite_option_defaults_to_default_suites():
    assert parse_args([]).suite == "default"
    assert parse_args(["--suite", "all"]).suite == "all"
    assert parse_args(["--suite", "problems"]).suite == "problems"
    assert parse_args(["--suite", "durability"]).suite == "durability"


def test_unknown_suite_rejected(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--suite", "storage"])
    assert "invalid choice: 'storage'" in capsys.readouterr().err


def test_lognormal_sleep_repeats_per_params():
    objective = LognormalSleepObjective(0.05, 1.0)
    params = {"x": 0.25, "n": 3, "kind": "b"}
    assert objective.sleep_time(params) == objective.sleep_time(dict(params))
    assert objective.sleep_time(params) != objective.sleep_time({**params, "n": 4})


def test_lognormal_sleep_has_median_and_sigma():
    objective = LognormalSleepObjective(0.05, 1.0)
    times = np.array(
        [
            objective.sleep_time({"x": x, "n": 1, "kind": "a"})
            for x in np.linspace(0.0, 1.0, 4000)
        ]
    )
    logs = np.log(times)
    # The standard errors are about 0.02 for the median of the logs and
    # 0.011 for their standard deviation, so these bounds are 5 of them.
    assert np.median(logs) == pytest.approx(np.log(0.05), abs=0.1)
    assert logs.std() == pytest.approx(1.0, abs=0.06)


def test_sqlite_windows_need_whole_generations():
    with pytest.raises(ValueError, match="must be multiples of population_size=100"):
        measure_sqlite_overhead(1000, 100, 150, 1)


def test_durability_targets_compare_thresholds():
    durability = {
        "sqlite": {
            "n_trials": 10_000,
            "window": 1000,
            "added_us_per_trial": 42.0,
            "growth_ratio": 1.6,
        },
        "speedup": {"n_workers": 2, "sleep_s": 0.2, "speedup": 1.75},
        "utilization": {
            "n_workers": 8,
            "modes": {
                "generational": {"utilization": 0.45},
                "async": {"utilization": 0.85},
            },
        },
    }
    targets = evaluate_durability_targets(durability)
    # 42 us <= 50 passes; growth 1.6 > 1.5 fails; speed-up 1.75 >= 1.7
    # passes; async utilization 0.85 < 0.9 fails.
    assert [target["passed"] for target in targets] == [True, False, True, False]
    assert "generational mode in the same run: 0.450" in targets[3]["target"]


def test_undefined_growth_ratio_fails_target():
    durability = {
        "sqlite": {
            "n_trials": 2000,
            "window": 200,
            "added_us_per_trial": 30.0,
            "growth_ratio": None,
        },
        "speedup": {"n_workers": 2, "sleep_s": 0.2, "speedup": 1.9},
        "utilization": {
            "n_workers": 8,
            "modes": {
                "generational": {"utilization": 0.45},
                "async": {"utilization": 0.95},
            },
        },
    }
    growth = evaluate_durability_targets(durability)[1]
    assert growth["passed"] is False
    assert "(measured n/a, threshold 1.5)" in format_target(growth)


def test_unknown_problem_name_rejected(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--problems", "zdt1,zdt9"])
    assert "unknown problems ['zdt9']" in capsys.readouterr().err


def test_check_front_rejects_nan_values():
    values = np.array([[0.0, 1.0], [np.nan, 0.5]])
    with pytest.raises(RuntimeError, match="contain NaN or inf"):
        check_front(values, 2, "zdt1 seed 0 moopt")


def test_check_front_rejects_wrong_population_size():
    with pytest.raises(RuntimeError, match="expected 100 points, got 2"):
        check_front(np.zeros((2, 2)), 2, "zdt1 seed 0 moopt", n_rows=100)


def test_targets_compare_median_and_worst_seed():
    def row(median: float, worst: float) -> dict:
        return {"hypervolume": {"median": median, "min": worst, "max": median}}

    problems = {
        "zdt1": {
            "rows": {
                "moopt_pareto_set": row(0.80, 0.79),
                "moopt_population": row(0.75, 0.74),
                "pymoo_default": row(0.78, 0.76),
                "pymoo_same_operators": row(0.82, 0.70),
            }
        }
    }
    overhead = [
        {"population_size": 100, "ratio": 0.4},
        {"population_size": 1000, "ratio": 0.6},
    ]
    outcomes = [target["passed"] for target in evaluate_targets(problems, overhead)]
    # pareto_set 0.80 >= 0.78 passes; population 0.75 < worst 0.76 fails;
    # pareto_set 0.80 < 0.82 fails; population 0.75 >= worst 0.70 passes.
    assert outcomes == [True, False, False, True, True, False]


def test_like_for_like_pairs_same_sets():
    def row(median: float) -> dict:
        return {"hypervolume": {"median": median, "min": median, "max": median}}

    problems = {
        "zdt1": {
            "rows": {
                "moopt_population": row(0.70),
                "pymoo_default": row(0.80),
                "pymoo_same_operators": row(0.50),
                "moopt_pareto_set": row(0.90),
                "pymoo_default_archive": row(0.60),
                "pymoo_same_operators_archive": row(0.75),
            }
        }
    }
    pairs = [
        (c["set"], c["moopt_row"], c["pymoo_row"], c["difference"])
        for c in compare_like_for_like(problems)
    ]
    assert pairs == [
        ("population", "moopt_population", "pymoo_default", pytest.approx(-0.10)),
        ("archive", "moopt_pareto_set", "pymoo_default_archive", pytest.approx(0.30)),
        ("population", "moopt_population", "pymoo_same_operators", pytest.approx(0.20)),
        (
            "archive",
            "moopt_pareto_set",
            "pymoo_same_operators_archive",
            pytest.approx(0.15),
        ),
    ]


@pytest.mark.parametrize("variant", PYMOO_VARIANTS)
def test_recording_evaluator_keeps_pymoo_run(variant):
    problem = make_problem("zdt1")
    n_generations = 15
    plain = minimize(
        problem,
        make_pymoo_nsga2(variant, problem.n_var),
        ("n_gen", n_generations),
        seed=3,
    )
    recorded = minimize(
        problem,
        make_pymoo_nsga2(variant, problem.n_var, evaluator=RecordingEvaluator()),
        ("n_gen", n_generations),
        seed=3,
    )
    population = recorded.pop.get("F")
    np.testing.assert_array_equal(population, plain.pop.get("F"))
    evaluated = np.concatenate(recorded.algorithm.evaluator.values)
    assert evaluated.shape == (100 * n_generations, 2)
    assert recorded.algorithm.evaluator.n_eval == 100 * n_generations
    # Every point of the final population is one of the recorded evaluations.
    matches = (population[:, None, :] == evaluated[None, :, :]).all(axis=2)
    assert matches.any(axis=1).all()


def test_archive_history_matches_prefix_hypervolumes():
    rng = np.random.default_rng(4)
    batches = [rng.random((5, 2)) for _ in range(4)]
    reference = np.array([1.1, 1.1])
    history = archive_history(batches, reference)
    assert history["evaluations"] == [5, 10, 15, 20]
    for k, volume in enumerate(history["hypervolume"]):
        # The hypervolume of every point so far, dominated ones included,
        # equals that of their non-dominated subset.
        prefix = np.concatenate(batches[: k + 1])
        assert volume == pytest.approx(moopt.hypervolume(prefix, reference))
    assert np.all(np.diff(history["hypervolume"]) >= 0)


@pytest.mark.parametrize("algorithm", ["moopt", "pymoo_default"])
def test_run_history_ends_at_archive_hypervolume(algorithm):
    record = run_problem_job(ProblemJob("zdt1", algorithm, 0, 6))
    history = record["history"]
    assert history["evaluations"] == [100 * (g + 1) for g in range(6)]
    archive = "moopt_pareto_set" if algorithm == "moopt" else "pymoo_default_archive"
    assert history["hypervolume"][-1] == pytest.approx(
        record["rows"][archive]["hypervolume"]
    )
    entry = runs_record([record])[0]
    assert entry["history"] == history
    assert len(entry["values"][archive]) == len(record["rows"][archive]["values"])


def test_zdt1_front_hypervolume_matches_integral():
    # Area dominated up to (1.1, 1.1): 1.21 minus the area under 1 - sqrt(f1).
    assert moopt.hypervolume(true_front("zdt1"), [1.1, 1.1]) == pytest.approx(
        1.21 - 1 / 3, abs=1e-3
    )


def test_zdt2_front_hypervolume_matches_integral():
    assert moopt.hypervolume(true_front("zdt2"), [1.1, 1.1]) == pytest.approx(
        1.21 - 2 / 3, abs=1e-3
    )


def test_zdt6_front_hypervolume_matches_integral():
    low = ZDT6_F1_MIN
    # Between f1 = low and 1 the front rises 0.1 + f1^2 below the reference;
    # beyond f1 = 1 the whole 1.1 column is dominated.
    expected = 0.1 * (1 - low) + (1 - low**3) / 3 + 0.1 * 1.1
    assert moopt.hypervolume(true_front("zdt6"), [1.1, 1.1]) == pytest.approx(
        expected, abs=1e-3
    )


def test_zdt6_front_starts_at_smallest_f1():
    x1 = np.linspace(0.0, 1.0, 1_000_001)
    f1 = 1 - np.exp(-4 * x1) * np.sin(6 * np.pi * x1) ** 6
    assert true_front("zdt6")[:, 0].min() == pytest.approx(f1.min(), abs=1e-6)


def test_zdt3_front_points_lie_on_curve():
    front = zdt3_front()
    f1, f2 = front.T
    expected = 1 - np.sqrt(f1) - f1 * np.sin(10 * np.pi * f1)
    np.testing.assert_allclose(f2, expected, rtol=0, atol=1e-12)


def test_zdt3_front_mutually_nondominated():
    front = zdt3_front(4000)
    no_worse = (front[:, None, :] <= front[None, :, :]).all(axis=2)
    better = (front[:, None, :] < front[None, :, :]).any(axis=2)
    dominates = no_worse & better
    assert not dominates.any()


def test_zdt3_front_has_five_pieces():
    f1 = zdt3_front()[:, 0]
    breaks = np.flatnonzero(np.diff(f1) > 0.01)
    starts = np.concatenate([[f1[0]], f1[breaks + 1]])
    ends = np.concatenate([f1[breaks], [f1[-1]]])
    # The f1 ranges of the five pieces, to 10 decimals, as ZDT3 implementations
    # commonly list them.
    expected = [
        (0.0, 0.0830015349),
        (0.1822287280, 0.2577623634),
        (0.4093136748, 0.4538821041),
        (0.6183967944, 0.6525117038),
        (0.8233317983, 0.8518328654),
    ]
    assert len(starts) == 5
    np.testing.assert_allclose(starts, [low for low, _ in expected], atol=1e-4)
    np.testing.assert_allclose(ends, [high for _, high in expected], atol=1e-4)


def test_zdt3_front_hypervolume_matches_integral():
    # Integrate the region dominated by the whole curve on a grid ten times
    # finer than the sampled front: below each f1, the front's lowest f2 so far.
    x = np.linspace(0.0, 1.0, 200_001)
    envelope = np.minimum.accumulate(1 - np.sqrt(x) - x * np.sin(10 * np.pi * x))
    area = np.trapezoid(1.1 - envelope, x) + 0.1 * (1.1 - envelope[-1])
    assert moopt.hypervolume(true_front("zdt3"), [1.1, 1.1]) == pytest.approx(
        area, abs=1e-3
    )


def test_dtlz2_front_points_have_unit_norm():
    front = dtlz2_front()
    np.testing.assert_allclose(np.linalg.norm(front, axis=1), 1.0, atol=1e-12)
    assert (front >= 0).all()
    assert len(front) > 2000


def test_dtlz2_front_hypervolume_below_sphere_value():
    # The octant of the unit ball has volume pi / 6, so the exact front
    # dominates 1.1^3 - pi / 6; a finite sample dominates slightly less.
    exact = 1.1**3 - math.pi / 6
    hypervolume = moopt.hypervolume(true_front("dtlz2"), [1.1, 1.1, 1.1])
    assert hypervolume <= exact
    assert hypervolume > exact - 0.015


def test_simplex_lattice_counts_and_sums():
    lattice = simplex_lattice(3, 12)
    assert lattice.shape == (math.comb(12 + 2, 2), 3)
    np.testing.assert_allclose(lattice.sum(axis=1), 1.0)
    assert len(np.unique(lattice, axis=0)) == len(lattice)
