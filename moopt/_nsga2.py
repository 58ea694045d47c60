"""NSGA-II as an ask/tell state machine over genome arrays."""

from __future__ import annotations

import bisect
import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from moopt import _operators as ops
from moopt._objectives import (
    Constraint,
    InvalidOutput,
    check_constraints,
    check_objectives,
    read_outputs,
)
from moopt._sorting import nondominated_mask, survival_order
from moopt._space import CATEGORICAL, Dimension, Space
from moopt._trial import Result, Trial
from moopt._validation import check_positive_int, is_integer, is_real

_logger = logging.getLogger("moopt")

RUNNING, COMPLETE, FAILED = 0, 1, 2
_NOT_GIVEN: Any = object()
STATE_NAMES = ("running", "complete", "failed")
RUNNING_NAME = STATE_NAMES[RUNNING]


@dataclass
class _Generation:
    """Everything known about the trials of one generation, as arrays."""

    index: int
    first_number: int
    genomes: np.ndarray
    minimized: np.ndarray
    violations: np.ndarray
    states: np.ndarray
    durations: np.ndarray
    asked_at: float
    # Outputs per trial. A generation recorded as one array keeps that array
    # and its column names instead, and builds dicts only when trials are built.
    outputs: list[dict[str, Any] | None]
    errors: list[str | None]
    trials: list[Trial | None] = field(default_factory=list)
    # Params as the user gave them in initial_params, which a log-scale
    # round trip through the genome would change in the last digit.
    given_params: list[dict[str, Any]] = field(default_factory=list)
    output_rows: np.ndarray | None = None
    output_names: list[str] = field(default_factory=list)

    def output(self, row: int) -> dict[str, Any] | None:
        """Return the outputs of one trial as a dict, or None."""
        if self.output_rows is None or self.states[row] != COMPLETE:
            return self.outputs[row]
        return dict(zip(self.output_names, self.output_rows[row].tolist(), strict=True))

    def __len__(self) -> int:
        return len(self.genomes)


class NSGA2:
    """The NSGA-II population loop (Deb et al., 2002) as ask and tell.

    Parameters
    ----------
    space : dict of {str: Float | Int | Categorical}
        The parameters to search.
    objectives : dict of {str: "minimize" | "maximize"}
        The outputs to optimize and their directions.
    population_size : int, default 100
        Survivors per generation and new trials per generation; at least 2.
    constraints : sequence of Constraint
        Bounds on outputs; ranking uses constrained domination.
    initial_params : sequence of dict
        Configurations evaluated first, in the initial population.
    crossover_probability, crossover_eta : float, default 0.9 and 20
        Probability that a pair of parents crosses, and the SBX index.
    mutation_probability : float, optional
        Per-gene mutation probability; defaults to ``1 / n_params``.
    mutation_eta : float, default 20
        Index of polynomial mutation.
    max_redraws : int, default 20
        Rounds of redrawing offspring that repeat an evaluated configuration;
        a duplicate left after them is evaluated anyway.
    seed : int, optional
        Seed of the random generator; ``None`` draws one from the OS.

    Notes
    -----
    ``ask()`` returns a whole generation. Once every trial of it has a
    result, parents and offspring are merged, ranked by constrained domination and
    truncated by crowding distance.
    """

    def __init__(
        self,
        space: Mapping[str, Dimension],
        objectives: Mapping[str, str],
        *,
        population_size: int = 100,
        constraints: Sequence[Constraint] = (),
        initial_params: Sequence[Mapping[str, Any]] = (),
        crossover_probability: float = 0.9,
        crossover_eta: float = 20.0,
        mutation_probability: float | None = None,
        mutation_eta: float = 20.0,
        max_redraws: int = 20,
        seed: int | None = None,
    ) -> None:
        self._space = Space(space)
        self.objective_names, self.directions = check_objectives(objectives)
        self._signs = np.array(
            [1.0 if d == "minimize" else -1.0 for d in self.directions]
        )
        self._constraints = check_constraints(constraints)
        self.population_size = check_positive_int(population_size, "population_size", 2)
        self._crossover_probability = _probability(
            crossover_probability, "crossover_probability"
        )
        if mutation_probability is None:
            mutation_probability = 1.0 / len(self._space)
        self._mutation_probability = _probability(
            mutation_probability, "mutation_probability"
        )
        self._crossover_eta = _distribution_index(crossover_eta, "crossover_eta")
        self._mutation_eta = _distribution_index(mutation_eta, "mutation_eta")
        self._max_redraws = check_positive_int(max_redraws, "max_redraws", 0)
        self._initial = self._encode_initial(initial_params)
        self._initial_params = [
            self._space.decode(genome, exact=params)
            for genome, params in zip(self._initial, initial_params, strict=True)
        ]
        self.seed = _check_seed(seed)
        self._rng = np.random.default_rng(self.seed)

        self._generations: list[_Generation] = []
        self._starts: list[int] = []
        self._seen = np.zeros(0, dtype=np.uint64)
        self._pending = 0
        self._population = np.zeros(0, dtype=np.int64)
        self._population_genomes = np.zeros((0, len(self._space)))
        self._population_minimized = np.zeros((0, len(self._signs)))
        self._population_violations = np.zeros(0)
        self._ranks = np.zeros(0, dtype=np.int64)
        self._crowding = np.zeros(0)

    # ----------------------------------------------------------------- ask
    @property
    def generation(self) -> int:
        """Number of generations asked so far."""
        return len(self._generations)

    @property
    def n_trials(self) -> int:
        """Number of trials asked so far."""
        if not self._generations:
            return 0
        last = self._generations[-1]
        return last.first_number + len(last)

    def ask(self) -> list[Trial]:
        """Return the trials of the next generation, all in state "running".

        Raises
        ------
        RuntimeError
            When trials of the previous generation are still running, or when
            every trial of the first generation failed.
        """
        generation = self._ask_genomes()
        return [self._trial(generation, i) for i in range(len(generation))]

    def _ask_genomes(self, limit: int | None = None) -> _Generation:
        """Propose the next generation, keeping only its first ``limit`` trials."""
        if self._pending:
            raise RuntimeError(
                f"{self._pending} trials of generation {self.generation - 1} are still "
                "running; tell the result of each before asking for the next generation"
            )
        if self._generations and len(self._population) == 0:
            raise RuntimeError(
                "every trial of the first generation failed, so there are no parents; "
                f"first error: {self._first_error()}"
            )
        genomes = self._unique_genomes()[:limit]
        generation = _Generation(
            index=len(self._generations),
            first_number=self.n_trials,
            genomes=genomes,
            minimized=np.full((len(genomes), len(self._signs)), np.nan),
            violations=np.zeros(len(genomes)),
            states=np.full(len(genomes), RUNNING, dtype=np.int8),
            durations=np.zeros(len(genomes)),
            asked_at=time.perf_counter(),
            outputs=[None] * len(genomes),
            errors=[None] * len(genomes),
            trials=[None] * len(genomes),
            given_params=list(self._initial_params) if not self._generations else [],
        )
        self._starts.append(generation.first_number)
        self._generations.append(generation)
        self._pending = len(genomes)
        return generation

    def _unique_genomes(self) -> np.ndarray:
        """Propose one generation of genomes that repeat no earlier one.

        Duplicates are found on 64-bit hashes of canonical genomes, with a
        vectorized membership test against the sorted hashes of every
        genome asked so far. Two distinct genomes share a hash with odds of
        about n^2 / 2^64, where one would be redrawn needlessly.
        """
        size = self.population_size
        first = not self._generations
        fixed = len(self._initial) if first else 0
        propose = self._sample if first else self._offspring
        genomes = (
            np.concatenate([self._initial, propose(size - fixed)])
            if first
            else propose(size)
        )
        for attempt in range(self._max_redraws):
            repeated = _repeated(_row_hashes(genomes), self._seen)
            repeated[:fixed] = False
            if not repeated.any():
                break
            if attempt < self._max_redraws // 2:
                genomes[repeated] = propose(int(repeated.sum()))
            else:
                # A converged population keeps proposing the same children, so
                # later attempts resample a growing number of genes uniformly.
                n_genes = attempt - self._max_redraws // 2 + 1
                genomes[repeated] = self._resample_genes(genomes[repeated], n_genes)
        else:
            repeated = _repeated(_row_hashes(genomes), self._seen)
            repeated[:fixed] = False
            if repeated.any():
                _logger.info(
                    "generation %d evaluates %d configurations again: no new one "
                    "was found in %d redraws",
                    len(self._generations),
                    int(repeated.sum()),
                    self._max_redraws,
                )
        new = np.unique(_row_hashes(genomes))
        self._seen = np.insert(self._seen, np.searchsorted(self._seen, new), new)
        return genomes

    def _resample_genes(self, genomes: np.ndarray, n_genes: int) -> np.ndarray:
        """Return copies with ``n_genes`` random genes of each row drawn uniformly."""
        n_rows, n_columns = genomes.shape
        ranks = np.argsort(self._rng.random((n_rows, n_columns)), axis=1)
        chosen = ranks < min(n_genes, n_columns)
        fresh = self._space.sample(n_rows, self._rng)
        return np.where(chosen, fresh, genomes)

    def _sample(self, n: int) -> np.ndarray:
        return self._space.sample(n, self._rng)

    def _offspring(self, n: int) -> np.ndarray:
        """Return ``n`` children of tournament-selected parents, canonical."""
        n_pairs = -(-n // 2)
        parents = ops.binary_tournament(
            self._ranks, self._crowding, 2 * n_pairs, self._rng
        )
        first = self._population_genomes[parents[:n_pairs]]
        second = self._population_genomes[parents[n_pairs:]]
        children = np.concatenate(self._crossover(first, second))[:n]
        return self._space.canonical(self._mutate(children))

    def _crossover(
        self, first: np.ndarray, second: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        numeric = self._space.kinds != CATEGORICAL
        child_a, child_b = first.copy(), second.copy()
        if numeric.any():
            child_a[:, numeric], child_b[:, numeric] = ops.sbx_crossover(
                first[:, numeric],
                second[:, numeric],
                self._space.lower[numeric],
                self._space.upper[numeric],
                eta=self._crossover_eta,
                probability=self._crossover_probability,
                rng=self._rng,
            )
        if not numeric.all():
            child_a[:, ~numeric], child_b[:, ~numeric] = ops.categorical_crossover(
                first[:, ~numeric],
                second[:, ~numeric],
                self._crossover_probability,
                self._rng,
            )
        return child_a, child_b

    def _mutate(self, children: np.ndarray) -> np.ndarray:
        numeric = self._space.kinds != CATEGORICAL
        lower, upper = self._space.lower, self._space.upper
        if numeric.any():
            children[:, numeric] = ops.polynomial_mutation(
                children[:, numeric],
                lower[numeric],
                upper[numeric],
                eta=self._mutation_eta,
                probability=self._mutation_probability,
                rng=self._rng,
            )
        if not numeric.all():
            # Categorical genes span [-0.5, n_choices - 0.5], so upper + 0.5 is
            # the number of choices.
            children[:, ~numeric] = ops.categorical_mutation(
                children[:, ~numeric],
                upper[~numeric] + 0.5,
                self._mutation_probability,
                self._rng,
            )
        return children

    # ---------------------------------------------------------------- tell
    def tell(
        self,
        trial: Trial,
        values: Mapping[str, Any] | None = _NOT_GIVEN,
        *,
        error: BaseException | str | None = None,
        duration: float | None = None,
    ) -> Trial:
        """Record the outputs of a trial, or its failure, and return it updated.

        Parameters
        ----------
        trial : Trial
            A running trial from ``ask()``.
        values : mapping of {str: value}
            The objective's outputs. Each objective and each constrained output
            must be a finite number, or the trial fails. ``None``, from an
            objective that forgot to return, fails the trial too.
        error : exception or str
            Marks the trial failed with this error instead.
        duration : float, optional
            Seconds the evaluation took; defaults to the time since ``ask``.
        """
        generation, row = self._locate(trial)
        if (values is _NOT_GIVEN) == (error is None):
            raise ValueError(
                f"tell trial {trial.number} either values or error, not both or neither"
            )
        if duration is None:
            duration = time.perf_counter() - generation.asked_at
        generation.durations[row] = duration
        if error is None:
            try:
                outputs, minimized, violation = read_outputs(
                    values, self.objective_names, self._constraints
                )
            except InvalidOutput as exc:
                error = str(exc)
            else:
                generation.outputs[row] = outputs
                generation.minimized[row] = minimized * self._signs
                generation.violations[row] = violation
                generation.states[row] = COMPLETE
        if error is not None:
            generation.errors[row] = _error_text(error)
            generation.states[row] = FAILED
            _logger.warning(
                "trial %d failed: %s",
                trial.number,
                generation.errors[row],
                exc_info=error if isinstance(error, BaseException) else None,
            )
        generation.trials[row] = None
        self._pending -= 1
        if self._pending == 0:
            self._survive(generation)
        return self._trial(generation, row)

    def _tell_arrays(
        self,
        generation: _Generation,
        outputs: np.ndarray,
        output_names: Sequence[str],
        duration: float,
        error: str | None = None,
    ) -> None:
        """Record a whole generation at once from an (n, n_outputs) array.

        Rows with a non-finite objective or constraint output fail.
        """
        n = len(generation)
        generation.durations[:] = duration
        if error is not None:
            generation.states[:] = FAILED
            generation.errors[:] = [error] * n
            _logger.warning(
                "all %d trials of generation %d failed: %s", n, generation.index, error
            )
        else:
            names = list(output_names)
            constrained = [c.name for c in self._constraints]
            checked = [
                names.index(name)
                for name in dict.fromkeys([*self.objective_names, *constrained])
            ]
            invalid = ~np.isfinite(outputs[:, checked])
            finite = ~invalid.any(axis=1)
            minimized = outputs[:, checked[: len(self._signs)]] * self._signs
            violations = np.zeros(n)
            for constraint in self._constraints:
                violations += constraint.violation(
                    outputs[:, names.index(constraint.name)]
                )
            generation.minimized[finite] = minimized[finite]
            generation.violations[finite] = violations[finite]
            generation.states[:] = np.where(finite, COMPLETE, FAILED)
            generation.output_rows = outputs
            generation.output_names = names
            for row in np.flatnonzero(~finite):
                column = checked[int(np.argmax(invalid[row]))]
                generation.errors[row] = (
                    f"output {names[column]!r} is {outputs[row, column]}, not a finite "
                    "number"
                )
            if not finite.all():
                _logger.warning(
                    "%d trials of generation %d failed: an objective or constraint "
                    "output is not finite",
                    int((~finite).sum()),
                    generation.index,
                )
        self._pending = 0
        self._survive(generation)

    def _truncate(self, n_keep: int) -> None:
        """Drop the untold trials after the first ``n_keep`` of the last generation.

        Used when a budget, a timeout or an interrupt ends a run within a
        generation.
        """
        generation = self._generations[-1]
        if n_keep == len(generation):
            return
        if (generation.states[:n_keep] == RUNNING).any():
            raise RuntimeError(
                "only untold trials at the end of a generation can be dropped"
            )
        for name in (
            "genomes",
            "minimized",
            "violations",
            "states",
            "durations",
            "outputs",
            "errors",
            "trials",
        ):
            setattr(generation, name, getattr(generation, name)[:n_keep])
        self._pending = 0
        if n_keep == 0:
            self._generations.pop()
            self._starts.pop()
        else:
            self._survive(generation)

    def _drop_running(self) -> None:
        """Drop the running trials of the last generation, after an interrupt.

        The trials told so far must be a prefix of the generation, as they
        are in ``optimize``.
        """
        if self._pending and self._generations:
            states = self._generations[-1].states
            self._truncate(int(np.argmax(states == RUNNING)))

    def _survive(self, generation: _Generation) -> None:
        done = generation.states == COMPLETE
        numbers = np.concatenate(
            [self._population, generation.first_number + np.flatnonzero(done)]
        )
        minimized = np.concatenate(
            [self._population_minimized, generation.minimized[done]]
        )
        violations = np.concatenate(
            [self._population_violations, generation.violations[done]]
        )
        genomes = np.concatenate([self._population_genomes, generation.genomes[done]])
        ranks, crowding, order = survival_order(minimized, violations)
        keep = order[: self.population_size]
        self._population = numbers[keep]
        self._population_genomes = genomes[keep]
        self._population_minimized = minimized[keep]
        self._population_violations = violations[keep]
        self._ranks = ranks[keep]
        self._crowding = crowding[keep]

    # -------------------------------------------------------------- result
    def result(self) -> Result:
        """Return a snapshot of the run: trials, population and Pareto set."""
        trials = tuple(
            trial
            for generation in self._generations
            for trial in self._trials(generation)
        )
        states = (
            np.concatenate([g.states for g in self._generations])
            if self._generations
            else np.zeros(0, dtype=np.int8)
        )
        members, feasible = self._pareto_numbers(states)
        minimized, _ = self._columns(members)
        return Result(
            trials=trials,
            population=tuple(trials[n] for n in self._population),
            pareto_set=tuple(trials[n] for n in members),
            pareto_front=minimized * self._signs,
            objective_names=self.objective_names,
            directions=self.directions,
            n_failed=int((states == FAILED).sum()),
            seed=self.seed,
            feasible=feasible,
        )

    def _pareto_numbers(self, states: np.ndarray) -> tuple[np.ndarray, bool]:
        complete = np.flatnonzero(states == COMPLETE)
        _, violations = self._columns(complete)
        feasible = violations <= 0.0
        if feasible.any():
            candidates = complete[feasible]
        elif len(complete):
            candidates = complete[violations == violations.min()]
        else:
            return complete, False
        front = nondominated_mask(self._columns(candidates)[0])
        return candidates[front], bool(feasible.any())

    def _columns(self, numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the minimized objective rows and violations of trial numbers."""
        if not self._generations:
            return np.zeros((0, len(self._signs))), np.zeros(0)
        minimized = np.concatenate([g.minimized for g in self._generations])
        violations = np.concatenate([g.violations for g in self._generations])
        return minimized[numbers], violations[numbers]

    def _locate(self, trial: Trial) -> tuple[_Generation, int]:
        if not isinstance(trial, Trial):
            raise TypeError(f"tell expects a Trial from ask(), got {trial!r}")
        index = bisect.bisect_right(self._starts, trial.number) - 1
        if index < 0 or trial.number >= self.n_trials:
            raise ValueError(f"trial {trial.number} was not asked by this optimizer")
        generation = self._generations[index]
        row = trial.number - generation.first_number
        asked = generation.trials[row]
        if asked is not None and asked.state == RUNNING_NAME and asked != trial:
            raise ValueError(
                f"trial {trial.number} does not match the trial this optimizer asked "
                f"with that number ({asked.params}); tell trials to the optimizer "
                "that asked them"
            )
        if generation.states[row] != RUNNING:
            state = STATE_NAMES[generation.states[row]]
            raise ValueError(
                f"trial {trial.number} is already {state}; tell each trial once"
            )
        return generation, row

    def _trial(self, generation: _Generation, row: int) -> Trial:
        cached = generation.trials[row]
        if cached is None:
            cached = self._make_trial(
                generation,
                row,
                self._params(generation, [row])[0],
                generation.output(row),
            )
            generation.trials[row] = cached
        return cached

    def _trials(self, generation: _Generation) -> list[Trial]:
        """Return every trial of a generation, decoding missing ones together."""
        missing = [row for row, trial in enumerate(generation.trials) if trial is None]
        if missing:
            params = self._params(generation, missing)
            outputs = generation.outputs
            if generation.output_rows is not None:
                names = generation.output_names
                outputs = [
                    dict(zip(names, row, strict=True))
                    for row in generation.output_rows.tolist()
                ]
            for row, row_params in zip(missing, params, strict=True):
                generation.trials[row] = self._make_trial(
                    generation, row, row_params, outputs[row]
                )
        return generation.trials  # type: ignore[return-value]

    def _params(self, generation: _Generation, rows: list[int]) -> list[dict[str, Any]]:
        decoded = self._space.decode_many(generation.genomes[rows])
        given = generation.given_params
        return [
            dict(given[row]) if row < len(given) else params
            for row, params in zip(rows, decoded, strict=True)
        ]

    def _make_trial(
        self,
        generation: _Generation,
        row: int,
        params: dict[str, Any],
        outputs: dict[str, Any] | None,
    ) -> Trial:
        state = int(generation.states[row])
        return Trial(
            number=generation.first_number + row,
            generation=generation.index,
            params=params,
            values=outputs if state == COMPLETE else None,
            state=STATE_NAMES[state],  # type: ignore[arg-type]
            error=generation.errors[row],
            violation=float(generation.violations[row]),
            duration=float(generation.durations[row]),
        )

    def _first_error(self) -> str | None:
        for generation in self._generations:
            for message in generation.errors:
                if message is not None:
                    return message
        return None

    def _encode_initial(self, initial_params: object) -> np.ndarray:
        if isinstance(initial_params, Mapping) or not isinstance(
            initial_params, Sequence
        ):
            raise TypeError(
                "initial_params must be a list of dicts {name: value}, got "
                f"{initial_params!r}"
            )
        if len(initial_params) > self.population_size:
            raise ValueError(
                f"initial_params has {len(initial_params)} configurations but "
                f"population_size is {self.population_size}; pass at most "
                "population_size or raise it"
            )
        rows = [
            self._space.encode(params, f"initial_params[{i}]")
            for i, params in enumerate(initial_params)
        ]
        return np.array(rows).reshape(len(rows), len(self._space))


# Odd 64-bit multipliers, one per gene position, for _row_hashes.
_HASH_MULTIPLIERS = np.random.default_rng(0x5EED).integers(
    0, 2**63, size=4096, dtype=np.uint64
) * np.uint64(2) + np.uint64(1)


def _row_hashes(genomes: np.ndarray) -> np.ndarray:
    """Return a 64-bit hash of each genome row from the bits of its genes.

    Each gene's bits are mixed (multiply, xor-shift) with a multiplier of its
    own position, and the mixed genes are summed modulo 2^64.
    """
    bits = np.ascontiguousarray(genomes, dtype=np.float64).view(np.uint64)
    multipliers = _HASH_MULTIPLIERS[np.arange(bits.shape[1]) % len(_HASH_MULTIPLIERS)]
    mixed = bits * multipliers
    mixed ^= mixed >> np.uint64(31)
    mixed *= np.uint64(0x9E3779B97F4A7C15)
    mixed ^= mixed >> np.uint64(29)
    return mixed.sum(axis=1, dtype=np.uint64)


def _repeated(hashes: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """Mark hashes already in sorted ``seen`` or earlier in ``hashes``."""
    position = np.searchsorted(seen, hashes)
    in_seen = (
        seen[np.minimum(position, len(seen) - 1)] == hashes
        if len(seen)
        else np.zeros(len(hashes), dtype=bool)
    )
    _, first = np.unique(hashes, return_index=True)
    repeated_in_batch = np.ones(len(hashes), dtype=bool)
    repeated_in_batch[first] = False
    return in_seen | repeated_in_batch


def _error_text(error: BaseException | str) -> str:
    if isinstance(error, BaseException):
        return f"{type(error).__name__}: {error}"
    return str(error)


def _probability(value: object, name: str) -> float:
    if not is_real(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {value!r}")
    return float(value)


def _distribution_index(value: object, name: str) -> float:
    if not is_real(value) or not value >= 0 or math.isinf(value):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def _check_seed(seed: object) -> int:
    if seed is None:
        return int(np.random.SeedSequence().entropy)
    if not is_integer(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
    return int(seed)
