"""Durable studies in an SQLite file: trials, generations and a run lock.

Everything is stored as JSON text and numbers, never pickles, so opening a
study never runs code. The file uses WAL mode, so another process can read a
study while its run writes to it.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import time
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 2
# Columns each schema version added to the trials table, to bring older files
# up to date when a run opens them.
_ADDED_COLUMNS = {2: ("intermediate TEXT", "replicate_of INTEGER")}
# SQLite header field that marks a file as a moopt study ("moop" in ASCII).
APPLICATION_ID = 0x6D6F6F70
# Configuration keys that must match between a stored study and a new call.
COMPARED_KEYS = (
    "space",
    "objectives",
    "constraints",
    "population_size",
    "mode",
    "reevaluation",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS studies (
    id INTEGER PRIMARY KEY,
    name TEXT UNIQUE NOT NULL,
    config TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS trials (
    study_id INTEGER NOT NULL REFERENCES studies(id),
    number INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    state TEXT NOT NULL,
    genome TEXT NOT NULL,
    params TEXT NOT NULL,
    outputs TEXT,
    error TEXT,
    violation REAL NOT NULL,
    duration REAL NOT NULL,
    finished REAL,
    asked_after INTEGER NOT NULL,
    told_order INTEGER,
    intermediate TEXT,
    replicate_of INTEGER,
    PRIMARY KEY (study_id, number)
);
CREATE TABLE IF NOT EXISTS generations (
    study_id INTEGER NOT NULL REFERENCES studies(id),
    generation INTEGER NOT NULL,
    population TEXT NOT NULL,
    rng_state TEXT NOT NULL,
    PRIMARY KEY (study_id, generation)
);
CREATE TABLE IF NOT EXISTS locks (
    study_id INTEGER PRIMARY KEY REFERENCES studies(id),
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    acquired REAL NOT NULL
);
"""


# The Storage objects that hold a run lock in this process, by (file, study),
# because the lock row names only the process. A collected holder no longer
# counts, so a study left open by a discarded optimizer can be run again.
_HOLDERS: dict[tuple[str, str], weakref.ref[Storage]] = {}


_UPDATE_OUTCOME = (
    "UPDATE trials SET state = ?, outputs = ?, error = ?, violation = ?, "
    "duration = ?, finished = ?, told_order = ?, intermediate = ? "
    "WHERE study_id = ? AND number = ?"
)


class StudyLockedError(RuntimeError):
    """Another live process is running the study."""


@dataclass(frozen=True)
class TrialRow:
    """One stored trial, with categorical values in ``params`` by index."""

    number: int
    generation: int
    state: str
    genome: list[float]
    params: dict[str, Any]
    outputs: dict[str, Any] | None
    error: str | None
    violation: float
    duration: float
    # Number of trials told before this one was asked, and this trial's place
    # in the order of tells (None until told). Resuming replays both orders.
    asked_after: int = 0
    told_order: int | None = None
    # Intermediate values by step, and the trial a re-evaluation repeats.
    intermediate: dict[int, dict[str, float]] | None = None
    replicate_of: int | None = None


@dataclass(frozen=True)
class TrialOutcome:
    """The columns of a stored trial that change when the trial is told."""

    number: int
    state: str
    outputs: dict[str, Any] | None
    error: str | None
    violation: float
    duration: float
    told_order: int | None
    intermediate: dict[int, dict[str, float]] | None = None


class Storage:
    """One study in an SQLite file.

    Parameters
    ----------
    path : str or PathLike
        The SQLite file; created when missing and ``config`` is given.
    study_name : str
    config : dict, optional
        The study's configuration as JSON-ready values. With it, a missing
        study is created and an existing one must match it on
        ``COMPARED_KEYS``. Without it, the study must exist (read access).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        study_name: str,
        *,
        config: Mapping[str, Any] | None = None,
    ) -> None:
        if not isinstance(study_name, str) or not study_name:
            raise ValueError(
                f"study_name must be a non-empty string, got {study_name!r}"
            )
        self.path = Path(path)
        self.study_name = study_name
        if config is None and not self.path.exists():
            raise FileNotFoundError(f"no study file at {str(self.path)!r}")
        try:
            self._connection = _connect(self.path)
        except sqlite3.OperationalError as exc:
            raise ValueError(
                f"cannot open study file {str(self.path)!r}: {exc}"
            ) from None
        self._locked = False
        try:
            _check_file(self._connection, self.path, create=config is not None)
            # In WAL mode, NORMAL syncs at checkpoints rather than at every
            # commit: a committed trial survives a crash of the process, and
            # only a power loss or an OS crash may lose the last ones.
            self._connection.execute("PRAGMA synchronous=NORMAL")
            row = self._connection.execute(
                "SELECT id, config FROM studies WHERE name = ?", (study_name,)
            ).fetchone()
            if row is None and config is None:
                names = study_names(self.path)
                raise ValueError(
                    f"no study named {study_name!r} in {str(self.path)!r}; the file "
                    f"contains {names}"
                )
            if row is None:
                self._id = self._create(config)
                self.config = json.loads(_dumps(config))
            else:
                self._id = row[0]
                self.config = json.loads(row[1])
                if config is not None:
                    _check_match(self.config, json.loads(_dumps(config)), study_name)
        except BaseException:
            self._connection.close()
            raise

    # ----------------------------------------------------------------- lock
    def acquire(self) -> None:
        """Mark this process as the one running the study.

        Raises ``StudyLockedError`` naming the holder when another live
        process on this host, or any process on another host, holds the lock.
        A lock left by a process on this host that no longer runs is taken
        over.
        """
        host, pid = socket.gethostname(), os.getpid()
        with self._transaction(immediate=True):
            holder = self._connection.execute(
                "SELECT pid, host FROM locks WHERE study_id = ?", (self._id,)
            ).fetchone()
            if holder is not None and (holder[0], holder[1]) != (pid, host):
                holder_pid, holder_host = holder
                if holder_host != host or _process_alive(holder_pid):
                    raise StudyLockedError(
                        f"study {self.study_name!r} in {str(self.path)!r} is being run "
                        f"by process {holder_pid} on {holder_host}; wait for it to "
                        "finish, or open the study with load_study to inspect it. If "
                        "that process is gone, run: python -m moopt unlock "
                        f"{str(self.path)!r} --study {self.study_name!r}"
                    )
            key = self._lock_key()
            other = _HOLDERS.get(key, lambda: None)()
            if other is not None and other is not self and other._locked:
                raise StudyLockedError(
                    f"study {self.study_name!r} in {str(self.path)!r} is being run "
                    "by another optimizer in this process; close() it, or use it "
                    "instead of opening the study again"
                )
            self._connection.execute(
                "INSERT OR REPLACE INTO locks VALUES (?, ?, ?, ?)",
                (self._id, pid, host, time.time()),
            )
        _HOLDERS[key] = weakref.ref(self)
        self._locked = True

    def _lock_key(self) -> tuple[str, str]:
        return (str(self.path.resolve()), self.study_name)

    def break_lock(self) -> tuple[int, str] | None:
        """Remove the run lock, held by any process; return its (pid, host) or None."""
        with self._transaction(immediate=True):
            holder = self._connection.execute(
                "SELECT pid, host FROM locks WHERE study_id = ?", (self._id,)
            ).fetchone()
            self._connection.execute(
                "DELETE FROM locks WHERE study_id = ?", (self._id,)
            )
        return None if holder is None else (holder[0], holder[1])

    def release(self) -> None:
        """Give up the run lock, if this object holds it."""
        if self._locked:
            _HOLDERS.pop(self._lock_key(), None)
            with self._transaction():
                self._connection.execute(
                    "DELETE FROM locks WHERE study_id = ? AND pid = ?",
                    (self._id, os.getpid()),
                )
            self._locked = False

    def close(self) -> None:
        """Release the lock and close the connection."""
        try:
            self.release()
        finally:
            self._connection.close()

    # --------------------------------------------------------------- writes
    def save_trials(self, rows: Iterable[TrialRow]) -> None:
        """Insert or replace trials by number, in one committed transaction."""
        now = time.time()
        records = [
            (
                self._id,
                row.number,
                row.generation,
                row.state,
                _dumps(row.genome),
                _dumps(row.params),
                None if row.outputs is None else _dumps(row.outputs),
                row.error,
                row.violation,
                row.duration,
                None if row.state == "running" else now,
                row.asked_after,
                row.told_order,
                _dumps_intermediate(row.intermediate),
                row.replicate_of,
            )
            for row in rows
        ]
        with self._transaction():
            self._connection.executemany(
                "INSERT OR REPLACE INTO trials "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                records,
            )

    def save_result(self, outcome: TrialOutcome) -> None:
        """Store the outcome of one trial stored before by ``save_trials``.

        Only the columns a tell changes are written, in one statement, which
        autocommit mode commits on its own.
        """
        self._connection.execute(_UPDATE_OUTCOME, self._record(outcome, time.time()))

    def save_results(self, outcomes: list[TrialOutcome]) -> None:
        """Store the outcomes of several trials in one transaction."""
        now = time.time()
        records = [self._record(outcome, now) for outcome in outcomes]
        with self._transaction():
            self._connection.executemany(_UPDATE_OUTCOME, records)

    def _record(self, outcome: TrialOutcome, now: float) -> tuple[Any, ...]:
        """Return the parameters of ``_UPDATE_OUTCOME`` for one outcome."""
        return (
            outcome.state,
            None if outcome.outputs is None else _dumps(outcome.outputs),
            outcome.error,
            outcome.violation,
            outcome.duration,
            now,
            outcome.told_order,
            _dumps_intermediate(outcome.intermediate),
            self._id,
            outcome.number,
        )

    def delete_trials_from(self, number: int) -> None:
        """Delete every trial numbered ``number`` or higher."""
        with self._transaction():
            self._connection.execute(
                "DELETE FROM trials WHERE study_id = ? AND number >= ?",
                (self._id, number),
            )

    def save_generation(
        self, generation: int, population: list[int], rng_state: Mapping[str, Any]
    ) -> None:
        """Store the survivors and the random generator state after a generation."""
        with self._transaction():
            self._connection.execute(
                "INSERT OR REPLACE INTO generations VALUES (?, ?, ?, ?)",
                (self._id, generation, _dumps(population), _dumps(rng_state)),
            )

    # ---------------------------------------------------------------- reads
    def load_trials(self) -> list[TrialRow]:
        """Return every stored trial, by number."""
        cursor = self._connection.execute(
            "SELECT number, generation, state, genome, params, outputs, error, "
            "violation, duration, asked_after, told_order, intermediate, "
            "replicate_of FROM trials "
            "WHERE study_id = ? ORDER BY number",
            (self._id,),
        )
        return [TrialRow(*_decode_row(record)) for record in cursor]

    def load_generations(self) -> dict[int, tuple[list[int], dict[str, Any]]]:
        """Return ``{generation: (population numbers, rng state)}``."""
        cursor = self._connection.execute(
            "SELECT generation, population, rng_state FROM generations "
            "WHERE study_id = ? ORDER BY generation",
            (self._id,),
        )
        return {
            generation: (json.loads(population), json.loads(rng_state))
            for generation, population, rng_state in cursor
        }

    # -------------------------------------------------------------- helpers
    def _create(self, config: Mapping[str, Any]) -> int:
        with self._transaction(immediate=True):
            cursor = self._connection.execute(
                "INSERT INTO studies (name, config, created) VALUES (?, ?, ?)",
                (self.study_name, _dumps(config), time.time()),
            )
        return int(cursor.lastrowid)  # type: ignore[arg-type]

    def _transaction(self, immediate: bool = False) -> _Transaction:
        return _Transaction(self._connection, immediate)


class _Transaction:
    """Context manager for one explicit transaction on an autocommit connection."""

    def __init__(self, connection: sqlite3.Connection, immediate: bool) -> None:
        self._connection = connection
        self._begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    def __enter__(self) -> None:
        self._connection.execute(self._begin)

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self._connection.execute("COMMIT")
        else:
            self._connection.execute("ROLLBACK")


def _decode_row(record: tuple) -> tuple:
    """Return the TrialRow fields of one SELECT record, JSON columns parsed."""
    number, generation, state, genome, params, outputs, error = record[:7]
    violation, duration, asked_after, told_order, intermediate = record[7:12]
    return (
        number,
        generation,
        state,
        json.loads(genome),
        json.loads(params),
        None if outputs is None else json.loads(outputs),
        error,
        violation,
        duration,
        asked_after,
        told_order,
        _loads_intermediate(intermediate),
        record[12],
    )


def _dumps_intermediate(reports: Mapping[int, Any] | None) -> str | None:
    return None if not reports else _dumps({str(k): v for k, v in reports.items()})


def _loads_intermediate(text: str | None) -> dict[int, dict[str, float]] | None:
    """Parse stored intermediate values; JSON keeps their steps as text."""
    if text is None:
        return None
    return {int(step): values for step, values in json.loads(text).items()}


def study_names(path: str | os.PathLike[str]) -> list[str]:
    """Return the names of the studies stored in a moopt SQLite file."""
    if not Path(path).exists():
        raise FileNotFoundError(f"no study file at {str(path)!r}")
    connection = _connect(Path(path))
    try:
        _check_file(connection, Path(path), create=False)
        cursor = connection.execute("SELECT name FROM studies ORDER BY id")
        return [row[0] for row in cursor]
    finally:
        connection.close()


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: transactions are explicit, so each trial is
    # committed exactly when save_trials returns. timeout: seconds to wait for
    # another process's write lock before raising.
    connection = sqlite3.connect(str(path), timeout=30.0, isolation_level=None)
    return connection


def _check_file(connection: sqlite3.Connection, path: Path, create: bool) -> None:
    """Check that the file is a moopt study of a known schema, or make it one."""
    try:
        application_id = connection.execute("PRAGMA application_id").fetchone()[0]
        tables = {
            row[0] for row in connection.execute("SELECT name FROM sqlite_master")
        }
    except sqlite3.DatabaseError as exc:
        raise ValueError(
            f"{str(path)!r} is not a moopt study: SQLite cannot read it ({exc})"
        ) from None
    if not tables and application_id == 0 and create:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(f"PRAGMA application_id={APPLICATION_ID}")
        connection.executescript(_SCHEMA)
        connection.execute(
            "INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )
        return
    if application_id != APPLICATION_ID or "meta" not in tables:
        raise ValueError(
            f"{str(path)!r} is an SQLite file but not a moopt study; choose another "
            "storage path"
        )
    version = int(
        connection.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'"
        ).fetchone()[0]
    )
    if version > SCHEMA_VERSION:
        raise ValueError(
            f"{str(path)!r} has study schema version {version}, newer than the "
            f"{SCHEMA_VERSION} this moopt reads; upgrade moopt"
        )
    if version < SCHEMA_VERSION:
        _upgrade(connection)


def _upgrade(connection: sqlite3.Connection) -> None:
    """Add the columns of later schema versions to a file of an older moopt.

    Its stored trials keep their values and get NULL in the new columns.
    """
    with _Transaction(connection, immediate=True):
        stored = int(
            connection.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'"
            ).fetchone()[0]
        )
        for added in range(stored + 1, SCHEMA_VERSION + 1):
            for column in _ADDED_COLUMNS[added]:
                connection.execute(f"ALTER TABLE trials ADD COLUMN {column}")
        connection.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'",
            (str(SCHEMA_VERSION),),
        )


def _check_match(
    stored: Mapping[str, Any], given: Mapping[str, Any], name: str
) -> None:
    differences: list[str] = []
    for key in COMPARED_KEYS:
        differences += _differences(key, stored.get(key), given.get(key))
    if differences:
        raise ValueError(
            f"study {name!r} was created with other settings; "
            + "; ".join(differences)
            + ". Use a new study_name, or call with the stored settings"
        )


def _differences(path: str, stored: Any, given: Any) -> list[str]:
    """Describe where two JSON values differ, by dotted path.

    Dicts compare in order too, because the order of a space's parameters
    fixes the layout of its genomes.
    """
    if isinstance(stored, dict) and isinstance(given, dict):
        if list(stored) != list(given) and set(stored) == set(given):
            return [f"{path}: order stored {list(stored)}, given {list(given)}"]
        found = []
        for key in dict.fromkeys([*stored, *given]):
            if key not in given:
                found.append(f"{path}.{key}: stored, not given")
            elif key not in stored:
                found.append(f"{path}.{key}: given, not stored")
            else:
                found += _differences(f"{path}.{key}", stored[key], given[key])
        return found
    if stored != given:
        return [f"{path}: stored {stored!r}, given {given!r}"]
    return []


def _dumps(value: Any) -> str:
    return _ENCODER.encode(value)


def _json_default(value: Any) -> Any:
    """Turn numpy values into Python ones, and anything else into a description."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    return {"__repr__": describe(value)}


# One encoder for every value: building one per call costs more than encoding
# a trial's params.
_ENCODER = json.JSONEncoder(default=_json_default, allow_nan=True)


def describe(value: Any) -> str:
    """Return ``repr(value)`` without memory addresses, stable across runs."""
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
