"""The command line: ``python -m moopt summary`` and ``python -m moopt export``.

Both commands only read the study file, so they work while another process is
still running the study.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from moopt._storage import Storage, study_names
from moopt._study import load_study
from moopt._trial import Result, Trial

PROG = "python -m moopt"
STATES = ("complete", "failed", "cancelled", "running")

EXPORT_EPILOG = """\
CSV columns, in this order: number, state, the objectives in the order the
study defines them, the params in the order of the space, the outputs named
by constraints that are not objectives, then violation and feasible, then
generation, duration (seconds) and error (why a trial failed, else empty).
A trial column whose name is also an objective, param or constraint output
name is written with the prefix trial_, such as trial_error.

Cells:
  - Rows follow trial number. Failed, cancelled and running trials have empty
    objective, constraint output and violation cells; their feasible cell is
    False. A pruned trial shows its last reported values, a re-evaluation
    (state replicate) its own outputs, and a re-evaluated trial its means.
  - Floats are written with repr, so float(cell) returns the stored value
    exactly; infinity is written inf and -inf.
  - Int params are written as integers, such as 2.
  - Categorical cells hold the choice, never its index: strings as they are,
    the choice None as the text None (an empty cell means no value), True and
    False as those words, numbers as above, and lists as JSON text such as
    [64, 64]. A choice that the study file could only store as a description
    is written as that description.
  - feasible is True or False.
"""


class CommandError(Exception):
    """A problem with the command's input or output, reported in one line."""


@dataclass(frozen=True)
class Study:
    """A stored study as the commands need it: its name, settings and result."""

    name: str
    path: Path
    config: dict[str, Any]
    result: Result

    @property
    def param_names(self) -> list[str]:
        return list(self.config["space"])

    @property
    def constraint_outputs(self) -> list[str]:
        """Outputs named by constraints that are not objectives, first use first."""
        names = [c["name"] for c in self.config["constraints"]]
        objectives = self.config["objectives"]
        return [name for name in dict.fromkeys(names) if name not in objectives]


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``python -m moopt``."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Inspect moopt studies stored in SQLite files.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    summary = commands.add_parser(
        "summary",
        help="print a study's trial counts and its Pareto set",
        description=(
            "Print a study's objectives, its trials by state, and its Pareto set "
            "as a table in user units."
        ),
    )
    _add_study_arguments(summary)
    export = commands.add_parser(
        "export",
        help="write every trial of a study as CSV",
        description="Write every trial of a study as CSV, one row per trial.",
        epilog=EXPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_study_arguments(export)
    export.add_argument(
        "--format",
        choices=["csv"],
        default="csv",
        help="output format (default: csv, the only one so far)",
    )
    export.add_argument(
        "--output",
        metavar="FILE",
        type=Path,
        help="file to write, replaced if it exists (default: standard output)",
    )
    unlock = commands.add_parser(
        "unlock",
        help="remove a study's run lock left by a process that is gone",
        description=(
            "Remove the run lock of a study. Use it only when the process named "
            "in the lock error no longer runs, for example after its container or "
            "machine stopped; removing the lock of a live run lets two runs write "
            "the same study."
        ),
    )
    _add_study_arguments(unlock)
    return parser


def _add_study_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="STUDY.db", help="the SQLite study file")
    parser.add_argument(
        "--study",
        metavar="NAME",
        help="name of the study in the file; needed when the file has several",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status.

    Errors in the input file or the output path print one line on stderr and
    return 2. A reader that closes standard output early gives 1.
    """
    arguments = build_parser().parse_args(argv)
    try:
        if arguments.command == "unlock":
            print(unlock_study(Path(arguments.path), arguments.study))
            return 0
        study = open_study(Path(arguments.path), arguments.study)
        if arguments.command == "summary":
            sys.stdout.write(format_summary(study))
        elif arguments.output is None:
            write_csv(study, sys.stdout)
        else:
            with _open_output(arguments.output) as stream:
                write_csv(study, stream)
    except CommandError as exc:
        message = " ".join(str(exc).split())
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader, such as `head`, closed the pipe early. Point stdout at
        # devnull so that the interpreter's final flush does not fail as well.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return 0


def _open_output(path: Path) -> TextIO:
    try:
        return path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise CommandError(f"cannot write {str(path)!r}: {exc.strerror}") from None


def unlock_study(path: Path, name: str | None) -> str:
    """Remove a study's run lock and return a line saying whose it was."""
    if not path.exists():
        raise CommandError(f"no study file at {str(path)!r}")
    try:
        if name is None:
            name = _only_study_name(path)
        storage = Storage(path, name)
        try:
            holder = storage.break_lock()
        finally:
            storage.close()
    except (ValueError, OSError) as exc:
        raise CommandError(str(exc)) from None
    if holder is None:
        return f"study {name!r} was not locked"
    return (
        f"removed the lock of study {name!r} held by process {holder[0]} on {holder[1]}"
    )


# ------------------------------------------------------------------ loading
def open_study(path: Path, name: str | None) -> Study:
    """Read a study from ``path``, choosing it by name or as the file's only one.

    Raises ``CommandError`` when the file is missing or not a moopt study, or
    when the name is missing, unknown or needed to choose among several.
    """
    if not path.exists():
        raise CommandError(f"no study file at {str(path)!r}")
    if path.is_dir():
        raise CommandError(f"{str(path)!r} is a directory, not a study file")
    try:
        if name is None:
            name = _only_study_name(path)
        storage = Storage(path, name)
        try:
            config = storage.config
        finally:
            storage.close()
        result = load_study(path, name)
    except (ValueError, sqlite3.Error) as exc:
        raise CommandError(str(exc)) from None
    return Study(name=name, path=path, config=config, result=result)


def _only_study_name(path: Path) -> str:
    names = study_names(path)
    if len(names) == 1:
        return names[0]
    if not names:
        raise CommandError(f"{str(path)!r} is a moopt study file with no studies")
    listed = ", ".join(repr(name) for name in names)
    raise CommandError(
        f"{str(path)!r} contains {len(names)} studies: {listed}; choose one with "
        "--study NAME"
    )


# ------------------------------------------------------------------ summary
def format_summary(study: Study) -> str:
    """Return the text of ``summary``: settings, trial counts and Pareto set."""
    config, result = study.config, study.result
    objectives = ", ".join(
        f"{name} ({direction})" for name, direction in config["objectives"].items()
    )
    counts = {state: 0 for state in STATES}
    for trial in result.trials:
        counts[trial.state] = counts.get(trial.state, 0) + 1
    lines = [
        f"study: {study.name}",
        f"file: {study.path}",
        f"objectives: {objectives}",
        f"constraints: {_constraints_text(config['constraints'])}",
        f"population size: {config['population_size']}, seed: {config['seed']}",
        f"trials: {len(result.trials)}",
        *(f"  {state}: {count}" for state, count in counts.items()),
        f"feasible complete trials: {sum(t.feasible for t in result.trials)}",
        "",
        *_pareto_lines(study),
    ]
    return "\n".join(lines) + "\n"


def _constraints_text(constraints: list[dict[str, Any]]) -> str:
    if not constraints:
        return "none"
    parts = []
    for constraint in constraints:
        text = (
            f"{constraint['name']} {constraint['operator']} "
            f"{_short_number(constraint['bound'])}"
        )
        if constraint["operator"] == "==":
            text += f" (tolerance {_short_number(constraint['tolerance'])})"
        parts.append(text)
    return ", ".join(parts)


def _pareto_lines(study: Study) -> list[str]:
    result = study.result
    if not result.pareto_set:
        return ["Pareto set: empty, because no trial is complete"]
    size = len(result.pareto_set)
    heading = f"Pareto set: {size} trial{'' if size == 1 else 's'}"
    show_violation = not result.feasible
    if show_violation:
        heading += (
            ". No complete trial is feasible, so these are the non-dominated "
            "trials with the smallest violation."
        )
    header = ["number", *result.objective_names, *study.param_names]
    if show_violation:
        header.append("violation")
    rows = [_pareto_row(study, trial, show_violation) for trial in result.pareto_set]
    return [heading, *_table(header, rows)]


def _pareto_row(study: Study, trial: Trial, show_violation: bool) -> list[Any]:
    assert trial.values is not None
    row: list[Any] = [trial.number]
    row += [trial.values[name] for name in study.result.objective_names]
    row += [trial.params[name] for name in study.param_names]
    if show_violation:
        row.append(trial.violation)
    return row


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    """Return aligned text lines: numbers to the right, other text to the left."""
    cells = [[_short_cell(value) for value in row] for row in rows]
    numeric = [
        all(_is_number(row[column]) for row in rows) for column in range(len(header))
    ]
    widths = [
        max(len(header[column]), *(len(row[column]) for row in cells))
        for column in range(len(header))
    ]
    lines = []
    for row in [header, *cells]:
        padded = [
            text.rjust(width) if right else text.ljust(width)
            for text, width, right in zip(row, widths, numeric, strict=True)
        ]
        lines.append("  ".join(padded).rstrip())
    return lines


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _short_number(value: int | float) -> str:
    """Format a number for reading: ints in full, floats to 6 significant digits."""
    if isinstance(value, int):
        return str(value)
    return f"{value:.6g}"


def _short_cell(value: Any) -> str:
    if _is_number(value):
        return _short_number(value)
    return choice_cell(value)


# ------------------------------------------------------------------- export
def write_csv(study: Study, stream: TextIO) -> None:
    """Write every trial of ``study`` to ``stream`` as CSV, in trial order."""
    named = [*study.result.objective_names, *study.param_names]
    named += study.constraint_outputs
    # A trial column named like a param or output gets the prefix "trial_".
    taken = set(named)

    def column(name: str) -> str:
        return f"trial_{name}" if name in taken else name

    header = [column("number"), column("state"), *study.result.objective_names]
    header += [*study.param_names, *study.constraint_outputs]
    header += [column(name) for name in ("violation", "feasible")]
    header += [column(name) for name in ("generation", "duration", "error")]
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(header)
    for trial in study.result.trials:
        writer.writerow(_csv_row(study, trial))


def _csv_row(study: Study, trial: Trial) -> list[str]:
    # Only complete, pruned and replicate trials have outputs and a known
    # violation.
    complete = trial.values is not None
    values = trial.values if complete else {}
    row = [str(trial.number), trial.state]
    row += [number_cell(values.get(name)) for name in study.result.objective_names]
    row += [_param_cell(study, name, trial.params[name]) for name in study.param_names]
    row += [number_cell(values.get(name)) for name in study.constraint_outputs]
    row.append(number_cell(trial.violation) if complete else "")
    row.append(str(trial.feasible))
    row += [str(trial.generation), repr(trial.duration), trial.error or ""]
    return row


def _param_cell(study: Study, name: str, value: Any) -> str:
    kind = study.config["space"][name]["type"]
    if kind == "float":
        return repr(float(value))
    if kind == "int":
        return str(int(value))
    return choice_cell(value)


def number_cell(value: int | float | None) -> str:
    """Return a CSV cell that ``float`` or ``int`` reads back exactly.

    ``repr`` of a float gives the shortest text that parses to the same
    float, and ``inf``, ``-inf`` and ``nan`` for the special values. None,
    for a value that does not exist, gives an empty cell.
    """
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def choice_cell(value: Any) -> str:
    """Return the CSV cell of a categorical value, as the export help describes."""
    if value is None:
        return "None"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return number_cell(value)
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, allow_nan=True)
    return str(value)
