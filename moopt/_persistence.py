"""Keeping an NSGA2 run in a stored study: saving trials, and replaying them.

``StudyPersistence`` is a mixin of ``NSGA2``: its methods use the optimizer's
state and its ask and tell.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from moopt._generation import (
    COMPLETE,
    PRUNED,
    REPLICATE,
    RUNNING,
    STATE_NAMES,
    Generation,
)
from moopt._storage import Storage, TrialOutcome, TrialRow
from moopt._study import study_config, trial_row

if TYPE_CHECKING:
    from moopt._nsga2 import NSGA2

# Stored states of trials that were told, and are told again on replay.
FINISHED_NAMES = ("complete", "failed", "pruned", "replicate")


class StudyPersistence:
    """Save an optimizer's trials to a study, and resume from a stored one."""

    _storage: Storage | None
    _replaying: bool

    def close(self) -> None:
        """Release the study's run lock and close its file, if there is one."""
        if self._storage is not None:
            self._storage.close()
            self._storage = None

    def __enter__(self) -> NSGA2:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _open_storage(
        self, path: str | os.PathLike[str], study_name: str, seed: int | None
    ) -> None:
        config = study_config(
            self._space,
            self.objective_names,
            self.directions,
            self._constraints,
            self.population_size,
            self.seed,
            self.mode,
            self.reevaluation,
        )
        storage = Storage(path, study_name, config=config)
        stored_seed = storage.config["seed"]
        try:
            if seed is not None and seed != stored_seed:
                raise ValueError(
                    f"study {study_name!r} was created with seed={stored_seed}, got "
                    f"seed={seed}; pass seed={stored_seed} or None to resume it"
                )
            storage.acquire()
        except BaseException:
            storage.close()
            raise
        self.seed = stored_seed
        self._storage = storage

    def _replay(self) -> None:
        """Rebuild the run from stored trials, evaluating nothing.

        Asking and telling the stored results in order repeats every random
        draw of the original run, so the state afterwards is the state the run
        had, and the run goes on as if it had never stopped.
        """
        assert self._storage is not None
        stored = {row.number: row for row in self._storage.load_trials()}
        closed = self._storage.load_generations()
        self._replaying = True
        try:
            if self.mode == "async":
                self._replay_async(stored)
            while stored and max(stored) >= self.n_trials:
                generation = self._ask_stored_generation(stored)
                if not self._replay_generation(generation, stored, closed):
                    break
        finally:
            self._replaying = False
        for generation in self._generations:
            rows = np.flatnonzero(generation.states == RUNNING)
            self._unclaimed += (generation.first_number + rows).tolist()
            self._save(generation, rows.tolist())

    def _replay_async(self, stored: dict[int, TrialRow]) -> None:
        """Replay an async study: asks and tells in the order they happened."""
        told = sorted(
            (row for row in stored.values() if row.told_order is not None),
            key=lambda row: row.told_order,  # type: ignore[arg-type, return-value]
        )
        n_replayed = 0
        for number in range(max(stored) + 1 if stored else 0):
            while n_replayed < stored[number].asked_after:
                self._tell_stored(told[n_replayed])
                n_replayed += 1
            self._check_stored(self._ask_stored_one(stored[number]), 0, stored[number])
        for entry in told[n_replayed:]:
            self._tell_stored(entry)

    def _ask_stored_one(self, entry: TrialRow) -> Generation:
        """Ask the next async trial as the stored run did.

        A stored re-evaluation that async mode would not ask now came from
        the final re-evaluations. Both ways ask the same trial when they
        agree, so looking ahead settles which one to repeat.
        """
        if entry.replicate_of is None:
            return self._ask_one()
        ahead = self._async_requests(take=False)
        if len(ahead) and int(ahead[0]) == entry.replicate_of:
            return self._ask_one()
        return self._ask_final(1)

    def _ask_stored_generation(self, stored: dict[int, TrialRow]) -> Generation:
        """Ask the next generation as the stored run did.

        A generation that starts with a re-evaluation is a round of final
        re-evaluations. It is asked with one round's size, or with as many
        trials as were stored for it when that is more, because an interrupt
        may have dropped its last trials.
        """
        first = stored.get(self.n_trials)
        if first is None or first.replicate_of is None:
            return self._ask_genomes()
        size = sum(row.generation == first.generation for row in stored.values())
        # NOTE: a stored ask-and-tell study whose ask_reevaluations(n) asked
        # fewer than a round's trials replays a whole round.
        return self._ask_final(max(size, self._final_round_size))

    def _tell_stored(self, entry: TrialRow) -> None:
        reports = entry.intermediate or {}
        if entry.state in ("complete", "replicate", "pruned"):
            pruned = entry.state == "pruned"
            self._tell_number(
                entry.number, entry.outputs, None, entry.duration, reports, pruned
            )
        else:
            self._tell_number(
                entry.number, None, entry.error or "", entry.duration, reports
            )

    def _check_stored(self, generation: Generation, row: int, entry: TrialRow) -> None:
        if entry.genome != generation.genomes[row].tolist():
            raise ValueError(
                f"stored trial {entry.number} does not match what this optimizer "
                "proposes; the study was made with other initial_params or operator "
                "settings, or by another moopt version (stored: "
                f"{self._storage.config.get('moopt_version', 'unknown')})"
            )

    def _replay_generation(
        self, generation: Generation, stored: dict[int, TrialRow], closed: dict
    ) -> bool:
        """Tell one generation its stored results; return whether it was closed."""
        finished = []
        for row in range(len(generation)):
            number = generation.first_number + row
            # Rows past a cut generation's end belong to the next one.
            if number not in stored or stored[number].generation != generation.index:
                continue
            self._check_stored(generation, row, stored[number])
            if stored[number].state in FINISHED_NAMES:
                finished.append(row)
        for row in finished:
            self._tell_stored(stored[generation.first_number + row])
        # A generation is stored as closed once its survival ran: after its
        # last tell, which the tells above repeat, or after a budget cut it
        # short before the final re-evaluations, which ``_end_generation``
        # repeats.
        if generation.index in closed and self._pending:
            self._end_generation()
        return generation.index in closed

    def _save(self, generation: Generation, rows: Sequence[int] | range) -> None:
        """Commit the given trials of a generation to the study, if stored.

        Running trials are stored whole; finished ones update their outcome.
        """
        if self._storage is None or self._replaying:
            return
        states = generation.states[list(rows)]
        if (states == RUNNING).all():
            params = generation.all_params(self._space)
            self._storage.save_trials(
                trial_row(
                    generation.first_number + row,
                    generation.index,
                    params[row],
                    generation.genomes[row],
                    self._space,
                    int(generation.asked_after[row]),
                    int(generation.replicate_of[row]),
                )
                for row in rows
            )
        else:
            self._storage.save_results([self._outcome(generation, row) for row in rows])

    def _save_told(self, generation: Generation, row: int) -> None:
        """Commit the outcome of one told trial: the hot path of a stored run."""
        if self._storage is None or self._replaying:
            return
        self._storage.save_result(self._outcome(generation, row))

    def _outcome(self, generation: Generation, row: int) -> TrialOutcome:
        """Return the stored outcome of a trial, read from the generation's
        arrays: the fields its Trial would carry, without building one."""
        state = int(generation.states[row])
        told_order = int(generation.told_order[row])
        return TrialOutcome(
            number=generation.first_number + row,
            state=STATE_NAMES[state],
            outputs=generation.output(row) if state in _VALUED else None,
            error=generation.errors[row],
            violation=float(generation.violations[row]),
            duration=float(generation.durations[row]),
            told_order=None if told_order < 0 else told_order,
            intermediate=generation.reports.get(row),
        )


_VALUED = (COMPLETE, PRUNED, REPLICATE)
