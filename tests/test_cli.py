"""The command line, run as a child process on real SQLite study files."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import moopt
from moopt import Categorical, Constraint, Float, Int

HEADER = [
    "number",
    "state",
    "latency",
    "acc",
    "lr",
    "layers",
    "act",
    "g",
    "violation",
    "feasible",
    "generation",
    "duration",
    "error",
]

# One generation of five trials with chosen params and outputs. Trial 0 and 3
# are feasible and non-dominated, trial 4 is feasible but dominated by trial 0
# (slower and less accurate), trial 2 breaks g <= 0 by 0.3, and trial 1 fails.
PARAMS = [
    {"lr": 0.01, "layers": 2, "act": "relu"},
    {"lr": 0.001, "layers": 4, "act": None},
    {"lr": 0.1, "layers": 1, "act": "tanh"},
    {"lr": 0.003, "layers": 3, "act": None},
    {"lr": 0.0002, "layers": 6, "act": "relu"},
]
OUTPUTS = [
    {"latency": 3.5, "acc": 0.9, "g": -1.0},
    None,
    {"latency": 1.25, "acc": 0.7, "g": 0.3},
    {"latency": 0.1 + 0.2, "acc": 0.85, "g": -0.5},
    {"latency": 4.0, "acc": 0.6, "g": -2.0},
]


def run_cli(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "moopt", *map(str, arguments)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def tuning_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A study file with one study, "tuning", built from PARAMS and OUTPUTS."""
    path = tmp_path_factory.mktemp("tuning") / "tuning.db"
    optimizer = moopt.NSGA2(
        {
            "lr": Float(1e-4, 1e-1, log=True),
            "layers": Int(1, 8),
            "act": Categorical(["relu", None, "tanh"]),
        },
        {"latency": "minimize", "acc": "maximize"},
        population_size=5,
        constraints=[Constraint("g", "<=", 0.0)],
        initial_params=PARAMS,
        seed=1,
        storage=path,
        study_name="tuning",
    )
    for trial, outputs in zip(optimizer.ask(), OUTPUTS, strict=True):
        if outputs is None:
            optimizer.tell(trial, error=RuntimeError("boom"))
        else:
            optimizer.tell(trial, outputs)
    optimizer.close()
    return path


@pytest.fixture(scope="module")
def several_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A study file with two studies, "overflow" and "interrupted".

    In "overflow", trial 0 misses the bound -1.5e308 by 3e308, which overflows
    to an infinite violation, and trial 1 is still running. In "interrupted",
    the run stops during its third evaluation, so trial 2 is cancelled.
    """
    path = tmp_path_factory.mktemp("several") / "several.db"
    optimizer = moopt.NSGA2(
        {"x": Float(0.0, 1.0)},
        {"loss": "minimize"},
        population_size=2,
        constraints=[Constraint("g", "<=", -1.5e308)],
        seed=2,
        storage=path,
        study_name="overflow",
    )
    first, _ = optimizer.ask()
    with np.errstate(over="ignore"):
        optimizer.tell(first, {"loss": 1.0, "g": 1.5e308})
    optimizer.close()

    calls = []

    def stops_at_third(params):
        calls.append(params)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return {"f": params["x"]}

    moopt.optimize(
        stops_at_third,
        {"x": Float(0.0, 1.0), "shape": Categorical([[64, 64], [128]])},
        {"f": "minimize"},
        n_trials=4,
        population_size=4,
        seed=3,
        storage=path,
        study_name="interrupted",
    )
    return path


@pytest.fixture(scope="module")
def tuning_rows(tuning_path: Path) -> list[dict[str, str]]:
    completed = run_cli("export", tuning_path, "--format", "csv")
    assert completed.returncode == 0, completed.stderr
    return read_csv(completed.stdout)


def test_export_header_follows_definition_order(tuning_path):
    completed = run_cli("export", tuning_path, "--format", "csv")

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines()[0].split(",") == HEADER


def test_export_rows_follow_trial_order(tuning_rows):
    assert [row["number"] for row in tuning_rows] == ["0", "1", "2", "3", "4"]
    states = [row["state"] for row in tuning_rows]
    assert states == ["complete", "failed", "complete", "complete", "complete"]


def test_export_failed_row_has_empty_outputs(tuning_rows):
    failed = tuning_rows[1]

    assert failed["state"] == "failed"
    for column in ("latency", "acc", "g", "violation"):
        assert failed[column] == "", column
    assert failed["feasible"] == "False"
    assert failed["error"] == "RuntimeError: boom"
    assert failed["layers"] == "4"


def test_export_floats_round_trip_exactly(tuning_path, tuning_rows):
    stored = moopt.load_study(tuning_path, "tuning")

    for row, trial in zip(tuning_rows, stored.trials, strict=True):
        assert float(row["lr"]) == trial.params["lr"]
        if trial.state == "complete":
            for name in ("latency", "acc", "g"):
                assert float(row[name]) == trial.values[name], (trial.number, name)
            assert float(row["violation"]) == trial.violation
    assert tuning_rows[3]["latency"] == repr(0.1 + 0.2)
    assert [float(row["lr"]) for row in tuning_rows] == [p["lr"] for p in PARAMS]


def test_export_int_params_read_as_ints(tuning_rows):
    cells = [row["layers"] for row in tuning_rows]

    assert cells == ["2", "4", "1", "3", "6"]
    assert [int(cell) for cell in cells] == [p["layers"] for p in PARAMS]


def test_export_categorical_cells_hold_choices(tuning_rows):
    cells = [row["act"] for row in tuning_rows]

    assert cells == ["relu", "None", "tanh", "None", "relu"]
    assert "" not in cells


def test_export_violation_and_feasible_columns(tuning_rows):
    violations = [row["violation"] for row in tuning_rows]
    feasible = [row["feasible"] for row in tuning_rows]

    assert violations == ["0.0", "", "0.3", "0.0", "0.0"]
    assert feasible == ["True", "False", "False", "True", "True"]


def test_export_output_option_writes_file(tuning_path, tmp_path):
    target = tmp_path / "trials.csv"

    completed = run_cli("export", tuning_path, "--output", target)

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == ""
    from_file = read_csv(target.read_text(encoding="utf-8"))
    from_stdout = read_csv(run_cli("export", tuning_path).stdout)
    assert from_file == from_stdout
    assert len(from_file) == 5


def test_export_infinite_violation_reads_back(several_path):
    completed = run_cli("export", several_path, "--study", "overflow")

    assert completed.returncode == 0, completed.stderr
    rows = read_csv(completed.stdout)
    header = ["number", "state", "loss", "x", "g", "violation", "feasible"]
    header += ["generation", "duration", "error"]
    assert list(rows[0]) == header
    assert rows[0]["violation"] == "inf"
    assert float(rows[0]["violation"]) == math.inf
    assert float(rows[0]["g"]) == 1.5e308
    assert rows[0]["feasible"] == "False"


def test_export_running_and_cancelled_rows_empty(several_path):
    overflow = read_csv(run_cli("export", several_path, "--study", "overflow").stdout)
    interrupted = read_csv(
        run_cli("export", several_path, "--study", "interrupted").stdout
    )

    running = overflow[1]
    assert running["state"] == "running"
    assert [running[c] for c in ("loss", "g", "violation")] == ["", "", ""]
    assert float(running["x"]) >= 0.0
    states = [row["state"] for row in interrupted]
    assert states == ["complete", "complete", "cancelled"]
    assert interrupted[2]["f"] == ""
    assert interrupted[2]["feasible"] == "False"


def test_export_list_choice_as_json(several_path):
    completed = run_cli("export", several_path, "--study", "interrupted")
    stored = moopt.load_study(several_path, "interrupted")

    rows = read_csv(completed.stdout)
    for row, trial in zip(rows, stored.trials, strict=True):
        assert json.loads(row["shape"]) == trial.params["shape"]
    assert {row["shape"] for row in rows} <= {"[64, 64]", "[128]"}


def test_export_help_documents_cells():
    completed = run_cli("export", "--help")

    assert completed.returncode == 0
    assert "the choice None as the text None" in completed.stdout
    assert "--output FILE" in completed.stdout
    assert "--study NAME" in completed.stdout


def test_summary_counts_trials_by_state(tuning_path):
    completed = run_cli("summary", tuning_path)

    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert "study: tuning" in lines
    assert "objectives: latency (minimize), acc (maximize)" in lines
    assert "trials: 5" in lines
    for state, count in [("complete", 4), ("failed", 1), ("cancelled", 0)]:
        assert f"  {state}: {count}" in lines
    assert "  running: 0" in lines
    assert "feasible complete trials: 3" in lines


def test_summary_pareto_table_rows(tuning_path):
    lines = run_cli("summary", tuning_path).stdout.splitlines()

    start = lines.index("Pareto set: 2 trials")
    header, *rows = lines[start + 1 :]
    assert header.split() == ["number", "latency", "acc", "lr", "layers", "act"]
    assert [row.split() for row in rows] == [
        ["0", "3.5", "0.9", "0.01", "2", "relu"],
        ["3", "0.3", "0.85", "0.003", "3", "None"],
    ]
    # Numbers align right under their header, text aligns left.
    header_spans = [match.span() for match in re.finditer(r"\S+", header)]
    for row in rows:
        spans = [match.span() for match in re.finditer(r"\S+", row)]
        assert [end for _, end in spans[:5]] == [end for _, end in header_spans[:5]]
        assert spans[5][0] == header_spans[5][0]


def test_summary_infeasible_study_shows_violation(several_path):
    completed = run_cli("summary", several_path, "--study", "overflow")

    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert "  running: 1" in lines
    assert "feasible complete trials: 0" in lines
    heading = next(line for line in lines if line.startswith("Pareto set:"))
    assert "No complete trial is feasible" in heading
    header, row = lines[lines.index(heading) + 1 :]
    assert header.split() == ["number", "loss", "x", "violation"]
    assert row.split()[0] == "0"
    assert row.split()[-1] == "inf"


def test_summary_several_studies_needs_name(several_path):
    completed = run_cli("summary", several_path)

    assert completed.returncode == 2
    assert completed.stdout == ""
    assert "'overflow'" in completed.stderr
    assert "'interrupted'" in completed.stderr
    assert "--study NAME" in completed.stderr
    assert len(completed.stderr.splitlines()) == 1


def test_unknown_study_name_fails_cleanly(tuning_path):
    completed = run_cli("summary", tuning_path, "--study", "missing")

    assert completed.returncode == 2
    assert completed.stderr.splitlines() == [
        f"python -m moopt: error: no study named 'missing' in '{tuning_path}'; the "
        "file contains ['tuning']"
    ]


@pytest.mark.parametrize("command", ["summary", "export"])
def test_non_study_file_fails_cleanly(tmp_path, command):
    text_file = tmp_path / "notes.db"
    text_file.write_text("not a database\n" * 100)
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")

    for path in (text_file, empty):
        completed = run_cli(command, path)

        assert completed.returncode == 2, path
        assert completed.stdout == ""
        assert len(completed.stderr.splitlines()) == 1, completed.stderr
        assert "not a moopt study" in completed.stderr
        assert "Traceback" not in completed.stderr


@pytest.mark.parametrize("command", ["summary", "export"])
def test_missing_file_fails_cleanly(tmp_path, command):
    path = tmp_path / "absent.db"

    completed = run_cli(command, path)

    assert completed.returncode == 2
    assert completed.stderr == f"python -m moopt: error: no study file at '{path}'\n"
    assert not path.exists()
