"""The records a run produces: one ``Trial`` per evaluation and the ``Result``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from moopt._space import Categorical, Float, Int

TrialState = Literal[
    "running", "complete", "pruned", "failed", "cancelled", "replicate"
]


@dataclass(frozen=True, eq=True)
class Trial:
    """One evaluation of one configuration.

    Attributes
    ----------
    number : int
        Position in the run, from 0, in the order trials were asked.
    generation : int
        Generation that proposed the trial, from 0 for the initial population.
    params : dict
        The configuration as the objective received it.
    values : dict or None
        Every output the objective returned, objectives and extras alike, in
        user units. For a trial evaluated more than once, each numeric output
        is the mean over its evaluations. For a pruned trial, each objective's
        last reported value. None while running and when the trial failed.
    state : {"running", "complete", "pruned", "failed", "cancelled", "replicate"}
        "pruned" marks a trial its pruner stopped early: its values are
        intermediate, so it never enters the Pareto set. "cancelled" marks a
        trial that was running when the run was interrupted; resuming a stored
        study runs it again. "replicate" marks a re-evaluation of trial
        ``replicate_of``, whose outputs count in that trial's means.
    error : str or None
        Why the trial failed: the exception, or the invalid or missing output.
    violation : float
        Total constraint violation, 0.0 when feasible or not yet known.
    duration : float
        Seconds the evaluation took (0.0 while running).
    intermediate_values : dict of {int: dict of {str: float}}
        The values the objective reported, by step.
    n_evaluations : int
        Complete evaluations that ``values`` summarizes: 0 unless the trial is
        complete or a replicate.
    standard_errors : dict of {str: float} or None
        Standard error of the mean of each numeric output, for a trial
        evaluated more than once; None otherwise.
    replicates : tuple of dict
        The outputs of each complete evaluation, the first one first.
    replicate_of : int or None
        For a re-evaluation, the number of the trial it re-evaluates.
    """

    number: int
    generation: int
    params: dict[str, Any]
    values: dict[str, Any] | None
    state: TrialState
    error: str | None = None
    violation: float = 0.0
    duration: float = 0.0
    intermediate_values: dict[int, dict[str, float]] = field(default_factory=dict)
    n_evaluations: int = 0
    standard_errors: dict[str, float] | None = None
    replicates: tuple[dict[str, Any], ...] = ()
    replicate_of: int | None = None

    __hash__ = None  # type: ignore[assignment]  # params is a dict

    @property
    def feasible(self) -> bool:
        """True when the trial is complete and meets every constraint."""
        return self.state == "complete" and self.violation <= 0.0


@dataclass(frozen=True, repr=False)
class Result:
    """The outcome of a run, in the user's units and directions.

    Attributes
    ----------
    trials : tuple of Trial
        Every trial, in the order they were asked.
    population : tuple of Trial
        The members of the last population, best first (by rank, then
        crowding distance).
    pareto_set : tuple of Trial
        The non-dominated feasible trials among all complete trials ever
        evaluated, by trial number. When no trial is feasible, the
        non-dominated trials among those with the smallest violation.
    pareto_front : ndarray of shape (len(pareto_set), n_objectives)
        The objective values of ``pareto_set``, in user units.
    objective_names : tuple of str
    directions : tuple of {"minimize", "maximize"}
    n_failed : int
        Number of trials in state "failed".
    seed : int
        Seed of the run's random generator; passing it again repeats the run.
    feasible : bool
        False when no complete trial met the constraints.
    space : dict of {str: Float | Int | Categorical} or None
        The search space the run used, or None when it is not known. A
        loaded study's categorical choices that JSON cannot store come back
        as their text description, as its params do.
    """

    trials: tuple[Trial, ...]
    population: tuple[Trial, ...]
    pareto_set: tuple[Trial, ...]
    pareto_front: np.ndarray
    objective_names: tuple[str, ...]
    directions: tuple[str, ...]
    n_failed: int
    seed: int
    feasible: bool
    space: Mapping[str, Float | Int | Categorical] | None = None

    def __repr__(self) -> str:
        objectives = dict(zip(self.objective_names, self.directions, strict=True))
        return (
            f"Result({len(self.trials)} trials, {self.n_failed} failed, "
            f"{len(self.pareto_set)} in the Pareto set, objectives={objectives}, "
            f"feasible={self.feasible}, seed={self.seed})"
        )

    def select_k(
        self, k: int, reference_point: Sequence[float] | None = None
    ) -> list[Trial]:
        """Return at most ``k`` Pareto-set trials that cover the most hypervolume.

        The trials are chosen greedily: each step adds the member that raises the
        hypervolume of the chosen set the most, ties going to the lower trial
        number, and the list is in that order, the most valuable first. A member
        that would add nothing, such as a copy of a chosen objective vector or a
        point beyond the reference point, is never chosen, so fewer than ``k``
        trials may come back. Greedy selection reaches at least 1 - 1/e (about
        63 %) of the best hypervolume any ``k`` members reach, because
        hypervolume is a monotone submodular function of the set.

        Parameters
        ----------
        k : int
            The largest number of trials to return, at least 1.
        reference_point : sequence of float, optional
            In user units and directions, as for ``moopt.hypervolume``. By
            default the worst value of each objective over the Pareto set, moved
            10 % of the set's range further out (1.0 where the range is 0), so
            every distinct member adds some hypervolume.

        Raises
        ------
        ValueError
            When no trial is feasible, ``k`` is below 1 or ``reference_point``
            has the wrong length.
        """
        from moopt._selection import select_k

        return select_k(self, k, reference_point)

    def to_dataframe(self) -> Any:
        """Return a pandas DataFrame with one row per trial, in trial order.

        Columns: number, generation, state, then params, then every output
        (objectives first), then violation, feasible, rank and
        crowding_distance, and duration and error. rank and
        crowding_distance rank the complete trials by constrained domination,
        0 for the first front; they are missing (NaN) for trials that are not
        complete. A run that reported intermediate values adds the columns
        last_step and intermediate_values (the dict of ``Trial``), and one
        that re-evaluated adds n_evaluations, replicate_of and a
        ``"<objective>_standard_error"`` column per objective. A column
        about the trial whose name is also a param or output name, such as
        an objective named "error", is renamed with the prefix "trial_"
        ("trial_error"). Needs pandas
        (``pip install "moopt[dataframe]"``).
        """
        try:
            import pandas
        except ImportError:
            raise ImportError(
                "Result.to_dataframe needs pandas; install it with: "
                "pip install 'moopt[dataframe]'"
            ) from None
        from moopt._sorting import front_crowding, nondominated_rank
        from moopt._validation import check_directions

        ranks = np.full(len(self.trials), np.nan)
        crowding = np.full(len(self.trials), np.nan)
        complete = [i for i, t in enumerate(self.trials) if t.state == "complete"]
        if complete:
            signs = check_directions(self.directions, len(self.directions))
            minimized = self.values(tuple(self.trials[i] for i in complete)) * signs
            violations = np.array([self.trials[i].violation for i in complete])
            fronts = nondominated_rank(minimized, violations=violations)
            ranks[complete] = fronts
            crowding[complete] = front_crowding(minimized, fronts)
        params = list(self.trials[0].params) if self.trials else []
        outputs = dict.fromkeys(self.objective_names)
        for trial in self.trials:
            outputs.update(dict.fromkeys(trial.values or {}))
        # A column about the trial whose name a param or output already has
        # gets the prefix "trial_", so that no value hides another.
        taken = {*params, *outputs}

        def column(name: str) -> str:
            return f"trial_{name}" if name in taken else name

        rows = []
        for index, trial in enumerate(self.trials):
            about = {
                "violation": trial.violation,
                "feasible": trial.feasible,
                "rank": ranks[index],
                "crowding_distance": crowding[index],
                "duration": trial.duration,
                "error": trial.error,
                **_pruning_columns(trial, self.objective_names),
            }
            row: dict[str, Any] = {
                column("number"): trial.number,
                column("generation"): trial.generation,
                column("state"): trial.state,
            }
            row.update(trial.params)
            row.update(trial.values or {})
            row.update({column(name): value for name, value in about.items()})
            rows.append(row)
        names = ["number", "generation", "state"]
        after = ["violation", "feasible", "rank", "crowding_distance"]
        after += ["duration", "error"]
        if any(t.intermediate_values for t in self.trials):
            after += ["last_step", "intermediate_values"]
        if any(t.replicate_of is not None for t in self.trials):
            after += ["n_evaluations", "replicate_of"]
            after += [f"{name}_standard_error" for name in self.objective_names]
        columns = [*map(column, names), *params, *outputs, *map(column, after)]
        return pandas.DataFrame(rows, columns=columns)

    def values(self, trials: tuple[Trial, ...] | None = None) -> np.ndarray:
        """Return the objective values of complete ``trials`` as an array.

        Defaults to every complete trial of the run; rows follow trial order
        and columns follow ``objective_names``.
        """
        chosen = self.trials if trials is None else trials
        rows = [
            [trial.values[name] for name in self.objective_names]
            for trial in chosen
            if trial.state == "complete"
        ]
        return np.array(rows, dtype=np.float64).reshape(-1, len(self.objective_names))


def _pruning_columns(trial: Trial, names: tuple[str, ...]) -> dict[str, Any]:
    """Return a trial's to_dataframe columns about steps and re-evaluations."""
    errors = trial.standard_errors or {}
    columns: dict[str, Any] = {
        "last_step": max(trial.intermediate_values, default=None),
        "intermediate_values": trial.intermediate_values,
        "n_evaluations": trial.n_evaluations,
        "replicate_of": trial.replicate_of,
    }
    for name in names:
        columns[f"{name}_standard_error"] = errors.get(name, np.nan)
    return columns
