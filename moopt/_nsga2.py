"""NSGA-II as an ask/tell state machine over genome arrays."""

from __future__ import annotations

import bisect
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from moopt._duplicates import SeenGenomes
from moopt._generation import (
    CANCELLED,
    COMPLETE,
    FAILED,
    PRUNED,
    RANKED,
    REPLICATE,
    RUNNING,
    RUNNING_NAME,
    STATE_NAMES,
    Generation,
    summarize,
)
from moopt._indicators import hypervolume_contributions
from moopt._objectives import (
    Constraint,
    InvalidOutput,
    check_constraints,
    check_objectives,
    read_outputs,
)
from moopt._persistence import StudyPersistence
from moopt._pruners import Pruner
from moopt._pruning import (
    ReportHistory,
    TrialContext,
    TrialHandle,
    last_values,
    replicate_seed,
)
from moopt._reevaluation import (
    check_reevaluation,
    reevaluation_requests,
    uncertain_members,
)
from moopt._selection import default_reference
from moopt._sorting import leveled_survival_order, pareto_set_indices
from moopt._space import Dimension, Space
from moopt._storage import Storage
from moopt._trial import Result, Trial
from moopt._validation import (
    check_directions,
    check_distribution_index,
    check_positive_int,
    check_probability,
    check_seed,
    is_finite_real,
)
from moopt._variation import Variation

_logger = logging.getLogger("moopt")


class _NotGiven:
    """Marks ``values`` as not passed to ``tell``, since None is a bad output."""

    def __repr__(self) -> str:
        return "<not given>"


_NOT_GIVEN: Any = _NotGiven()
MODES = ("generational", "async")


class NSGA2(StudyPersistence):
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
        Seed of the random generator; ``None`` draws one from the OS, or
        takes the stored one when resuming a study.
    storage : str or PathLike, optional
        SQLite file that keeps the study. Each trial is committed as it
        finishes. When the study exists, the optimizer resumes it: stored
        results are replayed without evaluation, and the first ``ask()``
        returns the trials that had not finished. Call ``close()`` when done.
    study_name : str, default "default"
        Name of the study within ``storage``.
    mode : {"generational", "async"}, default "generational"
        "generational" asks a whole generation and selects survivors once all
        of it is told. "async" is steady-state NSGA-II for workers of uneven
        speed: ``ask()`` returns one trial, proposed from the current
        population, and every tell runs survival at once. Its trials depend on
        the order of tells, so parallel async runs are not reproducible.
    pruner : SuccessiveHalvingPruner or MedianPruner, optional
        Decides from reported intermediate values whether a trial stops early
        (see ``report`` and ``should_prune``). Its decisions read the values
        of trials told before the trial was asked, never of trials running
        beside it, so they do not depend on timing.
    random_offspring : float, optional
        Share of offspring drawn uniformly from the space instead of bred
        from parents; 1.0 makes random search. Defaults to 0.15 with a
        pruner, because pruning favours fast starters and would otherwise
        narrow the search, and to 0 without one.
    reevaluation : {"none", "adaptive"} or int, default "none"
        "adaptive" evaluates again, each generation, the first-front members
        whose dominance is uncertain: an interval of two standard errors
        around a member's mean overlaps the region dominated by another
        member's interval. Members with fewer evaluations go first. An int
        evaluates every new configuration that many times. Re-evaluations are
        trials in state "replicate", and ranking uses each configuration's
        means. In async mode a free worker gets a re-evaluation in place
        of a new trial whenever one is due.
    reevaluation_share : float, default 0.2
        Largest share of all evaluations that "adaptive" spends on
        re-evaluations.

    Notes
    -----
    ``ask()`` returns a whole generation. Once every trial of it has a
    result, parents and offspring are merged, ranked by constrained domination and
    truncated by crowding distance.

    With re-evaluation, ``ask()`` also returns trials with ``replicate_of``
    set: evaluate them with ``handle(trial).seed`` and tell them like the
    others. For pruning, call ``report`` and ``should_prune`` while a trial
    trains and end it with ``tell(trial, pruned=True)``.
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
        storage: str | os.PathLike[str] | None = None,
        study_name: str = "default",
        mode: str = "generational",
        pruner: Pruner | None = None,
        random_offspring: float | None = None,
        reevaluation: str | int = "none",
        reevaluation_share: float = 0.2,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be 'generational' or 'async', got {mode!r}")
        self.mode = mode
        self._space = Space(space)
        self.objective_names, self.directions = check_objectives(objectives)
        self._signs = check_directions(self.directions, len(self.directions))
        self._constraints = check_constraints(constraints)
        self.population_size = check_positive_int(population_size, "population_size", 2)
        self.pruner = _check_pruner(pruner, self.objective_names)
        if random_offspring is None:
            random_offspring = 0.15 if pruner is not None else 0.0
        self._random_offspring = check_probability(random_offspring, "random_offspring")
        self.reevaluation = check_reevaluation(reevaluation)
        if pruner is not None and isinstance(self.reevaluation, int):
            raise ValueError(
                f"reevaluation={self.reevaluation} asks every re-evaluation with its "
                "trial, before the pruner may stop that trial, so pruned trials "
                "would waste them; use reevaluation='adaptive' with a pruner, which "
                "re-evaluates complete trials only"
            )
        self._reevaluation_share = check_probability(
            reevaluation_share, "reevaluation_share"
        )
        # Final re-evaluations go in small rounds, so each one reads the means
        # the last one changed. The size does not depend on the workers, so
        # parallel and resumed runs ask the same rounds.
        self._final_round_size = max(self.population_size // 4, 1)
        self._window = 2 * self.population_size
        if pruner is not None and pruner.window is not None:
            self._window = pruner.window
        self._history = ReportHistory(self.objective_names, self._signs)
        self._handles: dict[int, TrialHandle] = {}
        # Re-evaluations asked so far, in all and by trial number.
        # Trials whose means changed since the last survival.
        # In async mode with a fixed number of evaluations, the trials that
        # still need one.
        self._n_replicates = 0
        self._replicates_asked: dict[int, int] = {}
        self._changed_means: set[int] = set()
        self._owed: deque[int] = deque()
        if mutation_probability is None:
            mutation_probability = 1.0 / len(self._space)
        self._variation = Variation(
            self._space,
            crossover_probability=check_probability(
                crossover_probability, "crossover_probability"
            ),
            crossover_eta=check_distribution_index(crossover_eta, "crossover_eta"),
            mutation_probability=check_probability(
                mutation_probability, "mutation_probability"
            ),
            mutation_eta=check_distribution_index(mutation_eta, "mutation_eta"),
        )
        self._max_redraws = check_positive_int(max_redraws, "max_redraws", 0)
        self._initial = self._encode_initial(initial_params)
        self._initial_params = [
            self._space.decode(genome, exact=params)
            for genome, params in zip(self._initial, initial_params, strict=True)
        ]
        self.seed = check_seed(seed)
        self._storage: Storage | None = None
        self._replaying = False
        self._unclaimed: list[int] = []
        if storage is not None:
            self._open_storage(storage, study_name, seed)
        self._rng = np.random.default_rng(self.seed)

        self._generations: list[Generation] = []
        self._starts: list[int] = []
        self._seen = SeenGenomes()
        self._pending = 0
        self._n_told = 0
        self._survived: Generation | None = None
        self._population = np.zeros(0, dtype=np.int64)
        self._population_genomes = np.zeros((0, len(self._space)))
        self._population_minimized = np.zeros((0, len(self._signs)))
        self._population_violations = np.zeros(0)
        self._population_levels = np.zeros(0)
        self._ranks = np.zeros(0, dtype=np.int64)
        self._crowding = np.zeros(0)
        if self._storage is not None:
            self._replay()

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
        if self._unclaimed:
            numbers, self._unclaimed = self._unclaimed, []
            return [self._trial(*self._position(number)) for number in numbers]
        if self.mode == "async":
            return [self._trial(self._ask_one(), 0)]
        generation = self._ask_genomes()
        return [self._trial(generation, i) for i in range(len(generation))]

    def _ask_genomes(self) -> Generation:
        """Propose the next generation and record its trials as running."""
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
        first = not self._generations
        fixed = len(self._initial) if first else 0
        propose = self._sample if first else self._offspring
        genomes = np.concatenate(
            [self._initial[:fixed], propose(self.population_size - fixed)]
        )
        genomes = self._unique(genomes, propose, fixed)
        given = list(self._initial_params) if first else []
        originals = self._reevaluation_requests(len(genomes))
        return self._add_generation(len(self._generations), genomes, given, originals)

    def _reevaluation_requests(self, n_new: int) -> np.ndarray:
        """Return the trial numbers the next generation evaluates again.

        New configurations come first in a generation, numbered from
        ``n_trials``, and the re-evaluations after them.
        """
        if self.reevaluation == "none":
            return np.zeros(0, dtype=np.int64)
        if isinstance(self.reevaluation, int):
            new = self.n_trials + np.arange(n_new)
            return np.repeat(new, self.reevaluation - 1)
        return self._uncertain_members(self._affordable_reevaluations(n_new))

    def _uncertain_members(self, limit: int) -> np.ndarray:
        """Return up to ``limit`` first-front members to evaluate again."""
        return reevaluation_requests(
            self._population,
            self._population_minimized,
            self._ranks,
            self._evaluation_counts(self._population),
            self._pooled_deviation(),
            limit,
        )

    def _async_requests(self, take: bool = True) -> np.ndarray:
        """Return the trial to evaluate again instead of a new one in async mode.

        Empty when a new trial should be asked. With ``take=False`` a trial
        owed an evaluation stays owed, so a replay can look ahead.
        """
        if isinstance(self.reevaluation, int):
            if not self._owed:
                return np.zeros(0, dtype=np.int64)
            owed = self._owed[0]
            if take:
                self._owed.popleft()
            return np.array([owed])
        if (
            self.reevaluation == "none"
            or self.n_trials < self.population_size
            or len(self._population) == 0
        ):
            return np.zeros(0, dtype=np.int64)
        return self._uncertain_members(min(1, self._affordable_reevaluations(0)))

    def ask_reevaluations(self, n: int) -> list[Trial]:
        """Return up to ``n`` re-evaluations of the Pareto set's configurations.

        Only members whose place in the set is uncertain are candidates, so
        with a noise-free objective the list may be empty once some trial
        was evaluated twice. Members with the fewest evaluations come first,
        then those that add the most hypervolume to the set. Each returned
        trial is in state "running" with ``replicate_of`` set. Tell it like
        any trial, and its outputs join the means of the trial it
        re-evaluates. ``optimize`` calls this at
        the end of a run for ``final_reevaluations``.

        Raises
        ------
        RuntimeError
            When trials of the last generation are still running.
        """
        check_positive_int(n, "n")
        if self._pending:
            raise RuntimeError(
                f"{self._pending} trials are still running; tell each of them before "
                "asking for re-evaluations"
            )
        if self._generations:
            self._end_generation()
        generation = self._ask_final(n)
        return [self._trial(generation, i) for i in range(len(generation))]

    def _ask_final(self, n: int) -> Generation:
        """Record a generation of only re-evaluations of Pareto-set members.

        Only members whose place is uncertain, as ``reevaluation="adaptive"``
        judges it within the set, are candidates. Before any trial was
        evaluated twice the noise is unknown, so every member is one. Members
        with the fewest evaluations go first, and among those the ones that
        add the most hypervolume, because ``select_k`` and the front's
        extremes rest on them and a lucky evaluation shows there. The
        generation is empty when no member is uncertain.
        """
        states = self._all_states()
        members, _ = self._pareto_numbers(states)
        counts = self._evaluation_counts(members)
        minimized, _ = self._columns(members)
        deviation = self._pooled_deviation()
        if deviation is not None and len(members):
            errors = deviation[None, :] / np.sqrt(np.maximum(counts, 1))[:, None]
            uncertain = uncertain_members(
                minimized, errors, np.ones(len(members), dtype=bool)
            )
            members, counts = members[uncertain], counts[uncertain]
            minimized = minimized[uncertain]
        contributions = np.zeros(len(members))
        # One objective has one member, or ties, which contribute alike.
        if len(members) and minimized.shape[1] > 1:
            contributions = hypervolume_contributions(
                minimized, default_reference(minimized)
            )
        order = np.lexsort((members, -contributions, counts))
        chosen = members[order[: min(n, len(members))]]
        index = len(self._generations)
        if self.mode == "async":
            index = self.n_trials // self.population_size
        return self._add_generation(index, np.zeros((0, len(self._space))), [], chosen)

    def _ask_one(self) -> Generation:
        """Propose one trial in async mode, as a generation of its own."""
        number = self.n_trials
        index = number // self.population_size
        originals = self._async_requests()
        if len(originals):
            return self._add_generation(
                index, np.zeros((0, len(self._space))), [], originals
            )
        if number < len(self._initial):
            genomes = self._initial[number : number + 1]
            given = [self._initial_params[number]]
        else:
            random = number < self.population_size or len(self._population) == 0
            propose = self._sample if random else self._offspring
            genomes = self._unique(propose(1), propose, 0)
            given = []
        if isinstance(self.reevaluation, int):
            self._owed.extend([number] * (self.reevaluation - 1))
        return self._add_generation(index, genomes, given)

    def _add_generation(
        self,
        index: int,
        genomes: np.ndarray,
        given: list[dict[str, Any]],
        originals: np.ndarray | None = None,
    ) -> Generation:
        replicate_of = np.full(len(genomes), -1, dtype=np.int64)
        replicate_index = np.zeros(len(genomes), dtype=np.int64)
        if originals is not None and len(originals):
            genomes = np.concatenate([genomes, self._genomes_of(originals, genomes)])
            replicate_of = np.concatenate([replicate_of, originals])
            # The r-th re-evaluation asked of a trial is its replicate r.
            indices = []
            for original in originals.tolist():
                asked = self._replicates_asked.get(original, 0) + 1
                self._replicates_asked[original] = asked
                indices.append(asked)
            self._n_replicates += len(originals)
            replicate_index = np.concatenate([replicate_index, indices])
        n = len(genomes)
        generation = Generation(
            index=index,
            first_number=self.n_trials,
            genomes=genomes,
            minimized=np.full((n, len(self._signs)), np.nan),
            violations=np.zeros(n),
            states=np.full(n, RUNNING, dtype=np.int8),
            durations=np.zeros(n),
            asked_at=time.perf_counter(),
            asked_after=np.full(n, self._n_told),
            told_order=np.full(n, -1),
            outputs=[None] * n,
            errors=[None] * n,
            trials=[None] * n,
            given_params=given,
            replicate_of=replicate_of,
            replicate_index=replicate_index,
        )
        if self.pruner is not None:
            generation.tables = self._history.tables(self.pruner, self._window)
            generation.final_step = self._history.final_step
        self._starts.append(generation.first_number)
        self._generations.append(generation)
        self._pending += n
        if self._storage is not None and not self._replaying:
            generation.all_trials(self._space)
            self._save(generation, range(n))
        return generation

    def _unique(
        self, genomes: np.ndarray, propose: Callable[[int], np.ndarray], fixed: int
    ) -> np.ndarray:
        """Return ``genomes`` with rows that repeat an earlier genome redrawn.

        The first ``fixed`` rows, initial params, are kept as given. A repeat
        is redrawn up to ``max_redraws`` times: the first half of the attempts
        call ``propose`` again, and the rest resample a growing number of the
        repeat's genes uniformly, because a converged population keeps
        proposing the same children.
        """
        for attempt in range(self._max_redraws + 1):
            repeated = self._seen.repeated(genomes)
            repeated[:fixed] = False
            if not repeated.any() or attempt == self._max_redraws:
                break
            if attempt < self._max_redraws // 2:
                genomes[repeated] = propose(int(repeated.sum()))
            else:
                n_genes = attempt - self._max_redraws // 2 + 1
                genomes[repeated] = self._variation.resample_genes(
                    genomes[repeated], n_genes, self._rng
                )
        if repeated.any():
            _logger.info(
                "generation %d evaluates %d configurations again: no new one was "
                "found in %d redraws",
                len(self._generations),
                int(repeated.sum()),
                self._max_redraws,
            )
        self._seen.add(genomes)
        return genomes

    def _sample(self, n: int) -> np.ndarray:
        return self._space.sample(n, self._rng)

    def _offspring(self, n: int) -> np.ndarray:
        children = self._variation.offspring(
            self._population_genomes, self._ranks, self._crowding, n, self._rng
        )
        if self._random_offspring > 0:
            drawn = self._rng.random(n) < self._random_offspring
            if drawn.any():
                children[drawn] = self._sample(int(drawn.sum()))
        return children

    # ------------------------------------------------------- re-evaluation
    def _genomes_of(self, numbers: np.ndarray, new: np.ndarray) -> np.ndarray:
        """Return the genomes of trial numbers, counting ``new`` as the next ones."""
        rows = np.empty((len(numbers), len(self._space)))
        for i, number in enumerate(numbers.tolist()):
            if number >= self.n_trials:
                rows[i] = new[number - self.n_trials]
            else:
                generation, row = self._position(number)
                rows[i] = generation.genomes[row]
        return rows

    def _evaluation_counts(self, numbers: np.ndarray) -> np.ndarray:
        """Return the evaluations asked of each complete trial, 0 for the others.

        Re-evaluations still running count, so async mode does not ask for the
        same member again while its re-evaluation runs.
        """
        counts = np.zeros(len(numbers), dtype=np.int64)
        for i, number in enumerate(numbers.tolist()):
            if number >= self.n_trials:
                continue
            generation, row = self._position(number)
            if generation.states[row] == COMPLETE:
                counts[i] = 1 + self._replicates_asked.get(number, 0)
        return counts

    def _pooled_deviation(self) -> np.ndarray | None:
        """Return the pooled standard deviation of each minimized objective over
        trials evaluated more than once, or None before any was."""
        squares = np.zeros(len(self._signs))
        freedom = 0
        for generation in self._generations:
            for evaluations in generation.evaluations.values():
                values = np.array(
                    [[e[name] for name in self.objective_names] for e in evaluations]
                )
                squares += ((values - values.mean(axis=0)) ** 2).sum(axis=0)
                freedom += len(values) - 1
        if freedom == 0:
            return None
        return np.sqrt(squares / freedom)

    def _affordable_reevaluations(self, n_new: int) -> int:
        """Return how many re-evaluations may join ``n_new`` new trials so that
        re-evaluations stay within ``reevaluation_share`` of all evaluations."""
        share = self._reevaluation_share
        if share >= 1.0:
            return self.population_size
        total = self.n_trials + n_new
        return max(0, int((share * total - self._n_replicates) / (1.0 - share)))

    def _add_evaluation(self, number: int, outputs: dict[str, Any]) -> None:
        """Add the outputs of a complete re-evaluation to trial ``number``."""
        generation, row = self._position(number)
        if generation.states[row] != COMPLETE:
            return
        evaluations = generation.evaluations.setdefault(
            row,
            [generation.output(row)],  # type: ignore[list-item]
        )
        evaluations.append(outputs)
        means, _ = summarize(evaluations)
        _, minimized, violation = read_outputs(
            means, self.objective_names, self._constraints
        )
        generation.minimized[row] = minimized * self._signs
        generation.violations[row] = violation
        generation.invalidate_trial(row)
        self._changed_means.add(number)
        # The stored outputs stay those of the first evaluation; the violation
        # becomes that of the means, which load_study reports.
        self._save_told(generation, row)

    # ---------------------------------------------------------------- tell
    def tell(
        self,
        trial: Trial,
        values: Mapping[str, Any] | None = _NOT_GIVEN,
        *,
        error: BaseException | str | None = None,
        duration: float | None = None,
        pruned: bool = False,
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
        pruned : bool, default False
            Marks the trial pruned: its values are the last ones passed to
            ``report``, with ``values``, when given, filling in objectives
            never reported.

        Values passed to ``report`` for the trial are stored with it.
        """
        generation, row = self._locate(trial)
        if not isinstance(pruned, bool):
            raise TypeError(f"pruned must be True or False, got {pruned!r}")
        if pruned and error is not None:
            raise ValueError(
                f"tell trial {trial.number} either pruned=True or an error, not both"
            )
        if (values is _NOT_GIVEN) == (error is None) and not pruned:
            raise ValueError(
                f"tell trial {trial.number} either values or error, not both or neither"
            )
        handle = self._handles.pop(trial.number, None)
        reports = {} if handle is None else handle.intermediate_values
        if values is _NOT_GIVEN:
            values = None
        self._tell_row(generation, row, values, error, duration, reports, pruned)
        return self._trial(generation, row)

    def handle(self, trial: Trial) -> TrialHandle:
        """Return the handle of a running trial, as ``optimize`` passes it to an
        objective ``objective(params, trial)``.

        It gives the trial's replicate ``seed``, and its ``report`` and
        ``should_prune`` are those of this optimizer's ``report`` and
        ``should_prune``. The same trial always gets the same handle.
        """
        generation, row = self._locate(trial)
        number = generation.first_number + row
        if number not in self._handles:
            self._handles[number] = TrialHandle(self._context(generation, row))
        return self._handles[number]

    def report(self, trial: Trial, step: int, values: Mapping[str, float]) -> None:
        """Record intermediate values of a running trial after ``step``.

        See ``TrialHandle.report``; ``tell`` stores them with the trial.
        """
        self.handle(trial).report(step, values)

    def should_prune(self, trial: Trial) -> bool:
        """Return whether the pruner stops a running trial at its last report.

        Always False without a pruner. When True, stop the evaluation and
        call ``tell(trial, pruned=True)``.
        """
        return self.handle(trial).should_prune()

    def _context(self, generation: Generation, row: int) -> TrialContext:
        """Return what a trial handle for one row needs."""
        replicate = int(generation.replicate_index[row])  # type: ignore[index]
        return TrialContext(
            number=generation.first_number + row,
            seed=replicate_seed(self.seed, replicate),
            replicate=replicate,
            names=self.objective_names,
            signs=self._signs,
            pruner=self.pruner if replicate == 0 else None,
            tables=generation.tables,
            final_step=generation.final_step,
        )

    def _tell_number(
        self,
        number: int,
        values: object,
        error: BaseException | str | None,
        duration: float,
        reports: Mapping[int, Mapping[str, float]] | None = None,
        pruned: bool = False,
    ) -> None:
        """Record the outcome of a running trial given by its number.

        The run loop and the replay of a stored study call this in place of
        ``tell``. Their numbers come from this optimizer's own ``ask``, so no
        Trial is built and ``tell``'s checks of the caller's Trial are skipped.
        """
        generation, row = self._position(number)
        self._tell_row(generation, row, values, error, duration, reports, pruned)

    def _tell_row(
        self,
        generation: Generation,
        row: int,
        values: object,
        error: BaseException | str | None,
        duration: float | None,
        reports: Mapping[int, Mapping[str, float]] | None = None,
        pruned: bool = False,
    ) -> None:
        """Record the outputs, or the failure when ``error`` is set, of one row.

        Every tell ends here. It checks the outputs, stores the trial, and
        runs survival once every trial of the generation has a result, or
        after each trial in async mode.
        """
        if duration is None:
            duration = time.perf_counter() - generation.asked_at
        generation.durations[row] = duration
        number = generation.first_number + row
        if reports:
            reports = {int(step): dict(v) for step, v in reports.items()}
            generation.reports[row] = reports  # type: ignore[assignment]
            generation.last_steps[row] = max(reports)  # type: ignore[index]
        if pruned and error is None:
            self._tell_pruned(generation, row, values, reports or {})
        elif error is None:
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
                original = int(generation.replicate_of[row])  # type: ignore[index]
                if original >= 0:
                    generation.states[row] = REPLICATE
                    self._add_evaluation(original, outputs)
        if error is not None:
            generation.errors[row] = _error_text(error)
            generation.states[row] = FAILED
            _logger.warning(
                "trial %d failed: %s",
                generation.first_number + row,
                generation.errors[row],
                exc_info=error if isinstance(error, BaseException) else None,
            )
        # Re-evaluations repeat configurations, so they stay out of rung tables.
        if reports and generation.replicate_of[row] < 0:  # type: ignore[index]
            complete = generation.states[row] == COMPLETE
            self._history.add(number, reports, complete)  # type: ignore[arg-type]
        generation.told_order[row] = self._n_told
        self._n_told += 1
        self._pending -= 1
        generation.invalidate_trial(row)
        self._save_told(generation, row)
        if self.mode == "async" or self._pending == 0:
            self._survive(generation)

    def _tell_pruned(
        self,
        generation: Generation,
        row: int,
        values: object,
        reports: Mapping[int, Mapping[str, float]],
    ) -> None:
        """Record a pruned trial at its last reported values.

        ``values``, a mapping when the objective returned one, fills in the
        objectives never reported. An objective with no value at all counts
        as the worst possible, so the trial ranks below those that have one.
        """
        outputs = dict(values) if isinstance(values, Mapping) else {}
        # Returned objective values count only when they are finite numbers.
        for name in self.objective_names:
            value = outputs.get(name)
            if not is_finite_real(value):
                outputs.pop(name, None)
        outputs.update(last_values(reports, self.objective_names))
        minimized = np.array(
            [
                float(outputs.get(name, np.inf * sign))
                for name, sign in zip(self.objective_names, self._signs, strict=True)
            ],
            dtype=np.float64,
        )
        generation.outputs[row] = outputs
        generation.minimized[row] = minimized * self._signs
        generation.states[row] = PRUNED
        try:
            _, _, violation = read_outputs(outputs, (), self._constraints)
        except InvalidOutput:
            violation = 0.0
        generation.violations[row] = violation

    def _tell_arrays(
        self,
        generation: Generation,
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
        generation.told_order[:] = np.arange(self._n_told, self._n_told + n)
        self._n_told += n
        generation.trials = [None] * n
        self._save(generation, range(n))
        self._survive(generation)

    def _keep_first(self, generation: Generation, n_keep: int) -> None:
        # Dropped re-evaluations were never run, so their replicate seeds go to
        # the next re-evaluations of the same trials.
        for original in generation.replicate_of[n_keep:].tolist():  # type: ignore[index]
            if original >= 0:
                self._replicates_asked[original] -= 1
                self._n_replicates -= 1
        generation.keep_first(n_keep)
        self._pending = int((generation.states == RUNNING).sum())
        if self._storage is not None and not self._replaying:
            self._storage.delete_trials_from(generation.first_number + n_keep)
        if n_keep == 0:
            self._generations.pop()
            self._starts.pop()

    def _cancel(self, numbers: Sequence[int]) -> None:
        """Mark the trials ``numbers`` cancelled after an interrupt.

        In generational mode, running trials after the last started one are
        dropped, because they never started, and the generation gets no
        survival. A resumed study then runs its cancelled and dropped trials
        as if nothing had happened.
        """
        if not self._generations or not self._pending:
            return
        for number in numbers:
            generation, row = self._position(number)
            generation.states[row] = CANCELLED
            generation.invalidate_trial(row)
            self._save(generation, [row])
        self._unclaimed = []
        if self.mode == "async":
            self._pending -= len(numbers)
            return
        generation = self._generations[-1]
        started = np.flatnonzero(generation.states != RUNNING)
        self._keep_first(generation, int(started[-1]) + 1 if len(started) else 0)
        self._pending = 0

    def _close_generation(self) -> None:
        """End the last generation after a budget or timeout stopped it early.

        Untold trials at its end never started: they are dropped, here and
        in a stored study. Untold trials followed by told ones, possible in a
        resumed generation, are cancelled instead. The partial generation gets
        no survival, so resuming the study completes it as if the run had
        never stopped.
        """
        if not self._pending:
            return
        generation = self._generations[-1]
        running = generation.states == RUNNING
        first_untold = int(np.argmax(running))
        if running[first_untold:].all():
            self._keep_first(generation, first_untold)
            self._pending = 0
        else:
            self._cancel((generation.first_number + np.flatnonzero(running)).tolist())

    def _end_generation(self) -> None:
        """Close the last generation after its told trials, running survival.

        Its untold trials, at its end, are dropped. The final re-evaluations
        call this, since they need the population of every trial told.
        """
        generation = self._generations[-1]
        if generation is self._survived:
            return
        self._close_generation()
        if self._pending:
            raise RuntimeError(
                f"{self._pending} trials of generation {generation.index} are still "
                "running; tell them before asking for re-evaluations"
            )
        self._survive(generation)

    def _survive(self, generation: Generation) -> None:
        (
            self._population,
            self._population_genomes,
            self._population_minimized,
            self._population_violations,
            self._population_levels,
            self._ranks,
            self._crowding,
        ) = self._selection(generation)
        self._survived = generation
        if self._storage is not None:
            self._storage.save_generation(
                generation.index,
                self._population.tolist(),
                self._rng.bit_generator.state,
            )

    def _selection(self, generation: Generation) -> tuple[np.ndarray, ...]:
        """Return the survivors of the population and a generation's complete
        and pruned trials: numbers, genomes, minimized values, violations,
        levels, ranks and crowding distances, best first.

        Re-evaluations bring no new member; they change the means of members,
        so the population's values are read again first.
        """
        done = np.isin(generation.states, RANKED)
        rows = np.flatnonzero(done)
        population_minimized = self._population_minimized
        population_violations = self._population_violations
        if self._changed_means:
            changed = np.flatnonzero(
                np.isin(self._population, list(self._changed_means))
            )
            population_minimized = population_minimized.copy()
            population_violations = population_violations.copy()
            means, violations = self._columns(self._population[changed])
            population_minimized[changed] = means
            population_violations[changed] = violations
            self._changed_means.clear()
        numbers = np.concatenate([self._population, generation.first_number + rows])
        minimized = np.concatenate([population_minimized, generation.minimized[done]])
        violations = np.concatenate(
            [population_violations, generation.violations[done]]
        )
        genomes = np.concatenate([self._population_genomes, generation.genomes[done]])
        # How far each trial got: infinite when complete, else its last step.
        new_levels = np.where(
            generation.states[rows] == COMPLETE,
            np.inf,
            generation.last_steps[rows],  # type: ignore[index]
        )
        levels = np.concatenate([self._population_levels, new_levels])
        ranks, crowding, order = leveled_survival_order(minimized, violations, levels)
        keep = order[: self.population_size]
        return (
            numbers[keep],
            genomes[keep],
            minimized[keep],
            violations[keep],
            levels[keep],
            ranks[keep],
            crowding[keep],
        )

    # -------------------------------------------------------------- result
    def result(self) -> Result:
        """Return a snapshot of the run: trials, population and Pareto set."""
        trials = tuple(
            trial
            for generation in self._generations
            for trial in generation.all_trials(self._space)
        )
        states = self._all_states()
        members, feasible = self._pareto_numbers(states)
        minimized, _ = self._columns(members)
        return Result(
            trials=trials,
            population=tuple(trials[n] for n in self._result_population()),
            pareto_set=tuple(trials[n] for n in members),
            pareto_front=minimized * self._signs,
            objective_names=self.objective_names,
            directions=self.directions,
            n_failed=int((states == FAILED).sum()),
            seed=self.seed,
            feasible=feasible,
            space=dict(self._space.dimensions),
        )

    def _all_states(self) -> np.ndarray:
        if not self._generations:
            return np.zeros(0, dtype=np.int8)
        return np.concatenate([g.states for g in self._generations])

    def _result_population(self) -> np.ndarray:
        """Return the population to report.

        A generation that a budget, timeout or interrupt cut short gets no
        survival, so that a stored study can complete it. The result still
        shows the population its finished trials would give.
        """
        if self.mode == "generational" and self._generations:
            last = self._generations[-1]
            if last is not self._survived:
                return self._selection(last)[0]
        return self._population

    def _pareto_numbers(self, states: np.ndarray) -> tuple[np.ndarray, bool]:
        complete = np.flatnonzero(states == COMPLETE)
        indices, feasible = pareto_set_indices(*self._columns(complete))
        return complete[indices], feasible

    def _columns(self, numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the minimized objective rows and violations of trial numbers."""
        if not self._generations:
            return np.zeros((0, len(self._signs))), np.zeros(0)
        minimized = np.concatenate([g.minimized for g in self._generations])
        violations = np.concatenate([g.violations for g in self._generations])
        return minimized[numbers], violations[numbers]

    def _locate(self, trial: Trial) -> tuple[Generation, int]:
        if not isinstance(trial, Trial):
            raise TypeError(f"tell expects a Trial from ask(), got {trial!r}")
        if not 0 <= trial.number < self.n_trials:
            raise ValueError(f"trial {trial.number} was not asked by this optimizer")
        generation, row = self._position(trial.number)
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

    def _trial(self, generation: Generation, row: int) -> Trial:
        return generation.trial(row, self._space)

    def _position(self, number: int) -> tuple[Generation, int]:
        """Return the generation of a trial number and its row there."""
        generation = self._generations[bisect.bisect_right(self._starts, number) - 1]
        return generation, number - generation.first_number

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


def _check_pruner(pruner: object, names: tuple[str, ...]) -> Pruner | None:
    if pruner is None:
        return None
    if not isinstance(pruner, Pruner):
        raise TypeError(
            "pruner must be a moopt.SuccessiveHalvingPruner or moopt.MedianPruner, "
            f"got {pruner!r}"
        )
    pruner.check_objectives(names)
    return pruner


def _error_text(error: BaseException | str) -> str:
    if isinstance(error, BaseException):
        return f"{type(error).__name__}: {error}"
    return str(error)
