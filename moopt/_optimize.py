"""``optimize``: the run loop over ``NSGA2`` for callables and pymoo problems."""

from __future__ import annotations

import inspect
import logging
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from contextlib import ExitStack
from typing import Any

import numpy as np
from pymoo.core.problem import Problem

from moopt._evaluation import WorkerPool
from moopt._nsga2 import NSGA2
from moopt._objectives import Constraint
from moopt._progress import ProgressBar
from moopt._pruners import Pruner
from moopt._reevaluation import check_reevaluation
from moopt._run import Run
from moopt._space import Dimension, Float
from moopt._trial import Result
from moopt._validation import check_positive_int, is_real

Callback = Callable[[Result], Any]

_logger = logging.getLogger("moopt")


def optimize(
    objective: Callable[[dict[str, Any]], Mapping[str, Any]] | Problem,
    space: Mapping[str, Dimension] | None = None,
    objectives: Mapping[str, str] | None = None,
    *,
    n_trials: int | None = None,
    n_generations: int | None = None,
    timeout: float | None = None,
    population_size: int = 100,
    constraints: Sequence[Constraint] = (),
    initial_params: Sequence[Mapping[str, Any]] = (),
    seed: int | None = None,
    callbacks: Sequence[Callback] = (),
    storage: str | os.PathLike[str] | None = None,
    study_name: str = "default",
    n_workers: int | None = None,
    executor: Executor | None = None,
    trial_timeout: float | None = None,
    limit_worker_threads: bool = True,
    progress: bool = False,
    mode: str = "generational",
    pruner: Pruner | None = None,
    random_offspring: float | None = None,
    reevaluation: str | int = "none",
    reevaluation_share: float = 0.2,
    final_reevaluations: float = 0.0,
) -> Result:
    """Find the Pareto set of ``objective`` with NSGA-II.

    Parameters
    ----------
    objective : callable or pymoo Problem
        ``objective(params) -> {name: value}``, called once per trial with a
        dict of params. Exceptions, NaN or infinite values and missing outputs
        make a failed trial; the run goes on. An objective with a second
        positional parameter, ``objective(params, trial)``, gets a trial
        handle: ``trial.report(step, {name: value})`` records intermediate
        values, ``trial.should_prune()`` asks the pruner, and ``trial.seed``
        seeds the objective's own randomness so that configurations are
        compared under the same randomness. Raising ``moopt.TrialPruned``
        ends the trial in state "pruned". A pymoo ``Problem`` instance is
        evaluated a whole generation per call instead: its bounds become float
        parameters ``x1..xN``, its objectives ``f1..fM`` (minimized), and its
        constraints ``g1..`` (``<= 0``) and ``h1..`` (``== 0``).
    space : dict of {str: Float | Int | Categorical}
        Required for a callable, not allowed for a Problem.
    objectives : dict of {str: "minimize" | "maximize"}
        Required for a callable, not allowed for a Problem.
    n_trials, n_generations : int
        The budget; give exactly one. A generation is ``population_size``
        trials and the initial population counts as the first one.
    timeout : float, optional
        Seconds after which no new trial starts.
    population_size : int, default 100
    constraints : sequence of Constraint
    initial_params : sequence of dict
        Known configurations evaluated first (warm start).
    seed : int, optional
        The same seed, space and deterministic objective repeat the run.
    callbacks : sequence of callable
        Each is called with the ``Result`` so far after every generation; a
        truthy return value stops the run.
    storage : str or PathLike, optional
        SQLite file that keeps the study, each trial committed as it
        finishes. Calling ``optimize`` again with the same storage and
        ``study_name`` resumes the study: budgets count the whole study, no
        finished trial runs again, and a deterministic objective ends with the
        trials of an uninterrupted run.
    study_name : str, default "default"
    n_workers : int, optional
        Evaluate up to this many trials at once in local worker processes.
        The objective is sent to them with cloudpickle, so closures and
        functions defined in a notebook work. Each worker limits BLAS and
        OpenMP to one thread.
    executor : concurrent.futures.Executor, optional
        Evaluate trials on this executor instead, for example a Dask
        ``Client(...).get_executor(pure=False)``. The pickled objective goes
        with every task, so keep large data out of its closure and load it
        in the objective. With either option, a deterministic objective gives
        the same trials as a serial run.
    trial_timeout : float, optional
        Seconds after which a running trial fails with a timeout error. A
        local worker that hangs is replaced; a task on a user's executor is
        abandoned. On a user's executor the clock starts when the task is
        submitted, so time spent queued on a busy cluster counts.
    limit_worker_threads : bool, default True
        Limit BLAS and OpenMP to one thread in each local worker, so that
        ``n_workers`` workers do not compete for the cores. Pass False when
        the objective should use its libraries' own thread settings.
    progress : bool, default False
        Show a progress bar (needs tqdm) with trials done, failures and the
        size of the Pareto front.
    mode : {"generational", "async"}, default "generational"
        "async" runs steady-state NSGA-II for workers of uneven speed: a new
        trial is proposed from the current population whenever a worker is
        free, and survival runs as each result arrives. Its trials depend on
        the order in which results arrive. Callbacks then run after every
        ``population_size`` results.
    pruner : SuccessiveHalvingPruner or MedianPruner, optional
        Stops trials whose intermediate values fall behind; needs an
        objective that takes a trial handle. A pruned trial ranks below
        complete ones, by the step it reached, and never enters the Pareto
        set. Decisions read only trials told before the trial was asked, so a
        parallel run prunes as a serial one does.
    random_offspring, reevaluation, reevaluation_share
        As for ``NSGA2``. With re-evaluation, ``n_trials`` counts evaluations,
        re-evaluations included. ``n_generations`` counts generations of
        ``population_size`` new configurations times ``reevaluation`` when it
        is an int, and of ``population_size`` evaluations otherwise.
    final_reevaluations : float, default 0.0
        Share of the budget kept for the end of the run to evaluate the
        Pareto set's configurations again, in small rounds, so the returned
        means are more reliable. Each round takes the members whose place is
        uncertain, the fewest evaluated and then the largest hypervolume
        contributions first. Once no member's place is uncertain, as with a
        noise-free objective, the rest goes back to the search. A study
        resumed with a larger budget keeps a final share again at its new
        end.

    Returns
    -------
    Result
    """
    budget = _check_budget(n_trials, n_generations, population_size)
    setting = check_reevaluation(reevaluation)
    if n_generations is not None and isinstance(setting, int):
        # Every configuration of a generation is evaluated ``setting`` times.
        budget *= setting
    final_budget = _check_final_reevaluations(
        final_reevaluations, budget, population_size
    )
    _check_timeout(timeout)
    callbacks = _check_callbacks(callbacks)
    space, objectives, constraints, evaluate = _resolve_objective(
        objective, space, objectives, constraints
    )
    deadline = math.inf if timeout is None else time.monotonic() + timeout
    if evaluate is not None and mode == "async":
        raise ValueError(
            "mode='async' applies to callable objectives; a pymoo Problem evaluates "
            "a whole generation per call"
        )
    if evaluate is not None and (n_workers, executor, trial_timeout) != (None,) * 3:
        raise ValueError(
            "n_workers, executor and trial_timeout apply to callable objectives; a "
            "pymoo Problem evaluates a whole generation per call"
        )
    if evaluate is not None and (reevaluation != "none" or final_budget):
        raise ValueError(
            "reevaluation and final_reevaluations apply to callable objectives; a "
            "pymoo Problem has no noise for them to average"
        )
    with_handle = evaluate is None and takes_trial(objective)
    if pruner is not None and evaluate is not None:
        raise ValueError(
            "a pruner applies to callable objectives that report intermediate "
            "values; a pymoo Problem evaluates a whole generation per call"
        )
    if pruner is not None and not with_handle:
        raise ValueError(
            "a pruner needs intermediate values: give the objective a second "
            "parameter without a default, objective(params, trial), and call "
            "trial.report(step, values) and trial.should_prune() in it"
        )
    pool = None
    if evaluate is None:
        pool = WorkerPool(
            objective,
            n_workers=n_workers,
            executor=executor,
            trial_timeout=trial_timeout,
            limit_threads=limit_worker_threads,
        )
    with (
        ExitStack() as cleanup,
        NSGA2(
            space,
            objectives,
            population_size=population_size,
            constraints=constraints,
            initial_params=initial_params,
            seed=seed,
            storage=storage,
            study_name=study_name,
            mode=mode,
            pruner=pruner,
            random_offspring=random_offspring,
            reevaluation=reevaluation,
            reevaluation_share=reevaluation_share,
        ) as optimizer,
    ):
        if pool is not None:
            cleanup.enter_context(pool)
        bar = None
        if progress:
            bar = ProgressBar(
                total=budget, done=optimizer.n_trials - optimizer._pending
            )
            cleanup.callback(bar.close)
        run = Run(
            optimizer,
            budget,
            deadline,
            callbacks,
            pool,
            evaluate,
            bar,
            with_handle=with_handle,
            final_budget=final_budget,
        )
        try:
            run.execute()
        except KeyboardInterrupt:
            _logger.warning(
                "interrupted: returning the finished trials; the running ones are "
                "marked cancelled and run again when the study resumes"
            )
        result = optimizer.result()
    _logger.info(
        "finished after %d trials (%d failed) in %d generations; %d trials on the "
        "Pareto front",
        len(result.trials),
        result.n_failed,
        optimizer.generation,
        len(result.pareto_set),
    )
    return result


def _resolve_objective(
    objective: object,
    space: Mapping[str, Dimension] | None,
    objectives: Mapping[str, str] | None,
    constraints: Sequence[Constraint],
) -> tuple[Mapping, Mapping, Sequence[Constraint], Callable | None]:
    """Return (space, objectives, constraints, vectorized evaluate or None)."""
    if isinstance(objective, Problem):
        if space is not None or objectives is not None:
            raise TypeError(
                "optimize(problem) takes the space and objectives from the pymoo "
                "Problem; drop the space and objectives arguments"
            )
        return _adapt_problem(objective, constraints)
    if isinstance(objective, type) and issubclass(objective, Problem):
        raise TypeError(
            f"optimize got the pymoo Problem class {objective.__name__}; pass an "
            f"instance, for example optimize({objective.__name__}(), ...)"
        )
    if not callable(objective):
        raise TypeError(
            f"objective must be a callable or a pymoo Problem, got {objective!r}"
        )
    if space is None or objectives is None:
        raise TypeError(
            "optimize(objective, space, objectives) needs a space dict and an "
            "objectives dict for a callable objective"
        )
    return space, objectives, constraints, None


def _adapt_problem(
    problem: Problem, constraints: Sequence[Constraint]
) -> tuple[dict, dict, list[Constraint], Callable]:
    if constraints:
        raise TypeError(
            "optimize(problem) takes the constraints from the pymoo Problem; drop the "
            "constraints argument"
        )
    if problem.xl is None or problem.xu is None:
        raise ValueError(f"pymoo problem {problem!r} has no bounds xl and xu")
    lower = np.broadcast_to(problem.xl, (problem.n_var,))
    upper = np.broadcast_to(problem.xu, (problem.n_var,))
    space = {
        f"x{i + 1}": Float(float(low), float(high))
        for i, (low, high) in enumerate(zip(lower, upper, strict=True))
    }
    objectives = {f"f{j + 1}": "minimize" for j in range(problem.n_obj)}
    inequalities = [f"g{k + 1}" for k in range(problem.n_ieq_constr)]
    equalities = [f"h{k + 1}" for k in range(problem.n_eq_constr)]
    constraint_list = [Constraint(name, "<=", 0.0) for name in inequalities]
    constraint_list += [Constraint(name, "==", 0.0) for name in equalities]
    names = list(objectives) + inequalities + equalities

    def evaluate(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
        out = problem.evaluate(values, return_as_dictionary=True)
        columns = [np.asarray(out["F"], dtype=np.float64).reshape(len(values), -1)]
        for key, count in (("G", len(inequalities)), ("H", len(equalities))):
            if count:
                columns.append(
                    np.asarray(out[key], dtype=np.float64).reshape(len(values), -1)
                )
        return np.concatenate(columns, axis=1), names

    return space, objectives, constraint_list, evaluate


def _check_budget(
    n_trials: object, n_generations: object, population_size: object
) -> int:
    if (n_trials is None) == (n_generations is None):
        raise ValueError(
            "give exactly one budget: n_trials or n_generations, got "
            f"n_trials={n_trials!r}, n_generations={n_generations!r}; timeout only "
            "stops a run earlier"
        )
    size = check_positive_int(population_size, "population_size", 2)
    if n_trials is not None:
        return check_positive_int(n_trials, "n_trials")
    return check_positive_int(n_generations, "n_generations") * size


def takes_trial(objective: Callable) -> bool:
    """Return whether ``objective`` takes a trial handle as second argument.

    It does when its second positional parameter has no default or is named
    ``trial``, so ``f(params, steps=None)`` keeps being called as ``f(params)``.
    """
    try:
        parameters = inspect.signature(objective).parameters.values()
    except (TypeError, ValueError):  # builtins without a signature
        return False
    positional = [
        p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if len(positional) < 2:
        return False
    second = positional[1]
    return second.default is second.empty or second.name == "trial"


def _check_final_reevaluations(share: object, budget: int, population_size: int) -> int:
    """Return the trials of the budget kept for final re-evaluations."""
    if not is_real(share) or isinstance(share, bool):
        raise TypeError(f"final_reevaluations must be a float, got {share!r}")
    if not 0.0 <= share < 1.0:
        raise ValueError(
            f"final_reevaluations must be a share of n_trials in [0, 1), got {share!r}"
        )
    final = round(share * budget)
    if final and budget - final < population_size:
        raise ValueError(
            f"final_reevaluations={share!r} leaves {budget - final} of {budget} "
            f"trials for the search, less than one generation of "
            f"{population_size}; lower final_reevaluations or raise the budget"
        )
    return final


def _check_timeout(timeout: object) -> None:
    if timeout is None:
        return
    if not is_real(timeout):
        raise TypeError(f"timeout must be a number of seconds, got {timeout!r}")
    if not timeout > 0:
        raise ValueError(
            f"timeout must be a positive number of seconds, got {timeout!r}"
        )


def _check_callbacks(callbacks: object) -> tuple[Callback, ...]:
    if callable(callbacks) or not isinstance(callbacks, Sequence):
        raise TypeError(
            f"callbacks must be a list of callables, got {callbacks!r}; wrap a single "
            "callback in a list"
        )
    for callback in callbacks:
        if not callable(callback):
            raise TypeError(f"callbacks must hold callables, got {callback!r}")
    return tuple(callbacks)
