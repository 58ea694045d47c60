"""Durable studies in a real SQLite file: commit, resume, errors and locking."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from pymoo.problems import get_problem

import moopt
from moopt import Categorical, Constraint, Float, Int

OBJECTIVES = {"acc": "maximize", "size": "minimize"}

# A study script run in a child process. It kills itself with SIGKILL when
# KILL_AT evaluations have started, sleeps SLEEP seconds per trial, and prints
# a JSON digest of the result when it finishes.
STUDY_SCRIPT = textwrap.dedent(
    """
    import json, math, os, signal, sys, time
    import moopt

    KILL_AT = int(os.environ.get("KILL_AT", "0"))
    SLEEP = float(os.environ.get("SLEEP", "0"))
    started = 0

    def objective(params):
        global started
        started += 1
        if started == KILL_AT:
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(SLEEP)
        if params["lr"] > 0.09:
            raise RuntimeError("diverged")
        accuracy = 1 - abs(math.log10(params["lr"]) + 2.5) / 3
        accuracy += 0.01 * (params["act"] is None) - 0.01 * params["layers"]
        return {"acc": accuracy, "size": 10 * params["layers"]}

    space = {
        "lr": moopt.Float(1e-4, 1e-1, log=True),
        "layers": moopt.Int(1, 5),
        "act": moopt.Categorical(["relu", None, [64, 64]]),
    }
    result = moopt.optimize(
        objective, space, {"acc": "maximize", "size": "minimize"},
        n_trials=int(sys.argv[2]), population_size=8, seed=4,
        constraints=[moopt.Constraint("size", "<=", 40)],
        storage=sys.argv[1], study_name="study",
    )
    print(json.dumps({
        "evaluated": started,
        "trials": [[t.number, t.state, t.params, t.values] for t in result.trials],
        "pareto": [t.number for t in result.pareto_set],
    }))
    """
)


def run_study(tmp_path: Path, path: Path, n_trials: int, **env: str):
    script = tmp_path / "study_script.py"
    script.write_text(STUDY_SCRIPT)
    return subprocess.run(
        [sys.executable, str(script), str(path), str(n_trials)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
        check=False,
    )


def sphere(params):
    x = params["x"]
    return {"f1": x**2, "f2": (x - 2.0) ** 2}


def optimize_sphere(path, objective=sphere, **options):
    settings = {"n_trials": 30, "population_size": 10, "seed": 0}
    settings.update(options)
    return moopt.optimize(
        objective,
        {"x": Float(-5.0, 5.0)},
        {"f1": "minimize", "f2": "minimize"},
        storage=path,
        study_name="sphere",
        **settings,
    )


def test_killed_run_resumes_to_same_result(tmp_path):
    full = run_study(tmp_path, tmp_path / "full.db", 45)
    killed = run_study(tmp_path, tmp_path / "part.db", 45, KILL_AT="20")
    resumed = run_study(tmp_path, tmp_path / "part.db", 45)

    assert full.returncode == 0, full.stderr
    assert killed.returncode == -signal.SIGKILL
    assert resumed.returncode == 0, resumed.stderr
    uninterrupted = json.loads(full.stdout)
    after_resume = json.loads(resumed.stdout)
    # 19 trials finished before the kill; only the 26 others run again.
    assert after_resume["evaluated"] == 45 - 19
    assert after_resume["trials"] == uninterrupted["trials"]
    assert after_resume["pareto"] == uninterrupted["pareto"]


def test_finished_study_evaluates_nothing_again(tmp_path):
    path = tmp_path / "study.db"
    first = optimize_sphere(path)
    calls = []

    def counting(params):
        calls.append(params)
        return sphere(params)

    again = optimize_sphere(path, counting)

    assert calls == []
    assert [t.params for t in again.trials] == [t.params for t in first.trials]
    assert [t.values for t in again.trials] == [t.values for t in first.trials]


def test_budget_counts_whole_study(tmp_path):
    path = tmp_path / "study.db"
    optimize_sphere(path, n_trials=20)
    extended = optimize_sphere(path, n_trials=50)
    straight = optimize_sphere(tmp_path / "straight.db", n_trials=50)

    assert len(extended.trials) == 50
    assert [t.params for t in extended.trials] == [t.params for t in straight.trials]


def test_interrupt_marks_cancelled_and_resumes(tmp_path):
    path = tmp_path / "study.db"
    started = []

    def interrupted(params):
        started.append(params)
        if len(started) == 13:
            raise KeyboardInterrupt
        return sphere(params)

    partial = optimize_sphere(path, interrupted)
    stored = moopt.load_study(path, "sphere")
    resumed = optimize_sphere(path)
    straight = optimize_sphere(tmp_path / "straight.db")

    assert [t.state for t in partial.trials] == ["complete"] * 12 + ["cancelled"]
    assert [t.state for t in stored.trials] == ["complete"] * 12 + ["cancelled"]
    assert resumed.trials[12].params == partial.trials[12].params
    assert resumed.trials[12].state == "complete"
    assert [t.params for t in resumed.trials] == [t.params for t in straight.trials]


def test_load_study_matches_run_result(tmp_path):
    path = tmp_path / "study.db"
    space = {
        "lr": Float(1e-4, 1e-1, log=True),
        "units": Int(8, 64, step=8),
        "act": Categorical(["relu", None, [64, 64]]),
    }

    def objective(params):
        return {"acc": -abs(params["lr"] - 0.01), "size": params["units"]}

    result = moopt.optimize(
        objective,
        space,
        OBJECTIVES,
        n_trials=24,
        population_size=8,
        seed=1,
        constraints=[Constraint("size", "<=", 48)],
        storage=path,
        study_name="s",
    )
    loaded = moopt.load_study(path, "s")

    assert loaded.trials == result.trials
    assert loaded.population == result.population
    assert loaded.pareto_set == result.pareto_set
    assert (loaded.pareto_front == result.pareto_front).all()
    assert loaded.seed == 1
    assert loaded.directions == ("maximize", "minimize")


def test_file_holds_no_pickles(tmp_path):
    path = tmp_path / "study.db"
    optimize_sphere(path)
    connection = sqlite3.connect(path)
    tables = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        )
    ]

    for table in tables:
        for row in connection.execute(f"SELECT * FROM {table}"):
            for value in row:
                assert not isinstance(value, bytes), (table, row)
    connection.close()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"space": {"x": Float(-4.0, 5.0)}},
            r"space\.x\.low: stored -5\.0, given -4\.0",
        ),
        (
            {"objectives": {"f1": "maximize", "f2": "minimize"}},
            r"objectives\.f1: stored 'minimize', given 'maximize'",
        ),
        (
            {"objectives": {"f2": "minimize", "f1": "minimize"}},
            r"objectives: order stored \['f1', 'f2'\], given \['f2', 'f1'\]",
        ),
        ({"population_size": 12}, "population_size: stored 10, given 12"),
        ({"seed": 3}, "created with seed=0, got seed=3"),
    ],
)
def test_mismatched_call_names_difference(tmp_path, change, message):
    path = tmp_path / "study.db"
    optimize_sphere(path)
    arguments = {
        "space": {"x": Float(-5.0, 5.0)},
        "objectives": {"f1": "minimize", "f2": "minimize"},
        "population_size": 10,
        "seed": 0,
    }
    arguments.update(change)

    with pytest.raises(ValueError, match=message):
        moopt.optimize(
            sphere,
            arguments.pop("space"),
            arguments.pop("objectives"),
            n_trials=30,
            storage=path,
            study_name="sphere",
            **arguments,
        )


def test_constraint_mismatch_rejected(tmp_path):
    path = tmp_path / "study.db"
    optimize_sphere(path)

    with pytest.raises(ValueError, match="constraints: stored"):
        optimize_sphere(path, constraints=[Constraint("f1", "<=", 1.0)])


def test_corrupt_file_rejected(tmp_path):
    path = tmp_path / "study.db"
    path.write_bytes(b"this is not a database, only some bytes " * 100)

    with pytest.raises(ValueError, match="is not a moopt study: SQLite cannot read it"):
        optimize_sphere(path)


def test_foreign_sqlite_file_rejected(tmp_path):
    path = tmp_path / "other.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE songs (title TEXT)")
    connection.commit()
    connection.close()

    with pytest.raises(ValueError, match="is an SQLite file but not a moopt study"):
        optimize_sphere(path)
    with pytest.raises(ValueError, match="not a moopt study"):
        moopt.load_study(path, "sphere")


def test_newer_schema_rejected(tmp_path):
    path = tmp_path / "study.db"
    optimize_sphere(path)
    connection = sqlite3.connect(path)
    connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    connection.commit()
    connection.close()

    with pytest.raises(ValueError, match="schema version 99, newer than the 2"):
        moopt.load_study(path, "sphere")


def test_unknown_study_name_lists_stored(tmp_path):
    path = tmp_path / "study.db"
    optimize_sphere(path)

    with pytest.raises(
        ValueError, match=r"no study named 'other' .* contains \['sphere'\]"
    ):
        moopt.load_study(path, "other")


def test_second_process_rejected_while_running(tmp_path):
    path = tmp_path / "study.db"
    script = tmp_path / "study_script.py"
    script.write_text(STUDY_SCRIPT)
    running = subprocess.Popen(
        [sys.executable, str(script), str(path), "400"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "SLEEP": "0.05"},
    )
    try:
        deadline = time.monotonic() + 60
        while not (path.exists() and _locked(path)):
            if time.monotonic() > deadline:
                pytest.fail("the child process never took the study's lock")
            time.sleep(0.05)
        time.sleep(0.3)

        snapshot = moopt.load_study(path, "study")
        with pytest.raises(
            moopt.StudyLockedError, match=rf"'study' .* by process {running.pid}"
        ):
            _run_same_study(path)
    finally:
        running.kill()
        running.wait()

    # A lock left by a process that died is taken over.
    resumed = _run_same_study(path)
    assert 0 < len(snapshot.trials) < 400
    assert len(resumed.trials) == 16


def _locked(path: Path) -> bool:
    try:
        connection = sqlite3.connect(path, timeout=1.0)
        try:
            return connection.execute("SELECT COUNT(*) FROM locks").fetchone()[0] > 0
        finally:
            connection.close()
    except sqlite3.OperationalError:
        return False


def _run_same_study(path: Path):
    """Run the child script's study in this process, with a budget of 16."""
    import math

    def objective(params):
        accuracy = 1 - abs(math.log10(params["lr"]) + 2.5) / 3
        accuracy += 0.01 * (params["act"] is None) - 0.01 * params["layers"]
        return {"acc": accuracy, "size": 10 * params["layers"]}

    return moopt.optimize(
        objective,
        {
            "lr": Float(1e-4, 1e-1, log=True),
            "layers": Int(1, 5),
            "act": Categorical(["relu", None, [64, 64]]),
        },
        OBJECTIVES,
        n_trials=16,
        population_size=8,
        seed=4,
        constraints=[Constraint("size", "<=", 40)],
        storage=path,
        study_name="study",
    )


def test_ask_tell_resume_returns_unfinished_trials(tmp_path):
    path = tmp_path / "study.db"
    space = {"x": Float(-5.0, 5.0)}
    objectives = {"f1": "minimize", "f2": "minimize"}
    with moopt.NSGA2(
        space, objectives, population_size=6, seed=2, storage=path
    ) as first:
        trials = first.ask()
        for trial in trials[:4]:
            first.tell(trial, sphere(trial.params))

    with moopt.NSGA2(space, objectives, population_size=6, storage=path) as second:
        remaining = second.ask()
        assert [t.number for t in remaining] == [4, 5]
        assert [t.params for t in remaining] == [t.params for t in trials[4:]]
        for trial in remaining:
            second.tell(trial, sphere(trial.params))
        assert second.seed == 2
        assert [t.number for t in second.ask()] == list(range(6, 12))


def test_pymoo_problem_study_resumes(tmp_path):
    path = tmp_path / "zdt1.db"
    problem = get_problem("zdt1", n_var=6)
    moopt.optimize(
        problem,
        n_generations=3,
        population_size=10,
        seed=5,
        storage=path,
        study_name="zdt1",
    )
    resumed = moopt.optimize(
        problem,
        n_generations=6,
        population_size=10,
        seed=5,
        storage=path,
        study_name="zdt1",
    )
    straight = moopt.optimize(problem, n_generations=6, population_size=10, seed=5)

    assert len(resumed.trials) == 60
    assert [t.params for t in resumed.trials] == [t.params for t in straight.trials]
    assert (resumed.pareto_front == straight.pareto_front).all()


def slow_sphere(params):
    time.sleep(0.02)
    return sphere(params)


def test_timeout_stop_resumes_to_same_trials(tmp_path):
    path = tmp_path / "study.db"
    options = {"n_generations": 5, "population_size": 10, "seed": 42}
    space = {"x": Float(-5.0, 5.0)}
    objectives = {"f1": "minimize", "f2": "minimize"}

    stopped = moopt.optimize(
        slow_sphere,
        space,
        objectives,
        timeout=0.45,
        storage=path,
        study_name="t",
        **options,
    )
    resumed = moopt.optimize(
        slow_sphere, space, objectives, storage=path, study_name="t", **options
    )
    straight = moopt.optimize(slow_sphere, space, objectives, **options)

    assert 0 < len(stopped.trials) < 50
    assert [t.params for t in resumed.trials] == [t.params for t in straight.trials]
    assert [t.number for t in resumed.pareto_set] == [
        t.number for t in straight.pareto_set
    ]


def test_budget_inside_generation_extends_exactly(tmp_path):
    path = tmp_path / "study.db"
    first = optimize_sphere(path, n_trials=25)
    extended = optimize_sphere(path, n_trials=60)
    straight = optimize_sphere(tmp_path / "straight.db", n_trials=60)

    assert len(first.trials) == 25
    assert len(first.population) == 10
    assert [t.params for t in extended.trials] == [t.params for t in straight.trials]


def test_second_optimizer_in_process_rejected(tmp_path):
    path = tmp_path / "study.db"
    space = {"x": Float(-5.0, 5.0)}
    objectives = {"f1": "minimize", "f2": "minimize"}

    with moopt.NSGA2(space, objectives, population_size=4, storage=path) as first:
        with pytest.raises(moopt.StudyLockedError, match="another optimizer in this"):
            moopt.NSGA2(space, objectives, population_size=4, storage=path)
        assert len(first.ask()) == 4
    with moopt.NSGA2(space, objectives, population_size=4, storage=path) as again:
        assert len(again.ask()) == 4


def test_unlock_command_frees_foreign_lock(tmp_path):
    path = tmp_path / "study.db"
    optimize_sphere(path)
    connection = sqlite3.connect(path)
    connection.execute("INSERT OR REPLACE INTO locks VALUES (1, 7, 'gone-host', 0)")
    connection.commit()
    connection.close()

    with pytest.raises(moopt.StudyLockedError, match="python -m moopt unlock"):
        optimize_sphere(path, n_trials=40)
    unlocked = subprocess.run(
        [sys.executable, "-m", "moopt", "unlock", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    resumed = optimize_sphere(path, n_trials=40)

    assert unlocked.returncode == 0, unlocked.stderr
    assert "held by process 7 on gone-host" in unlocked.stdout
    assert len(resumed.trials) == 40
