"""Translating between a run's objects and stored studies, and ``load_study``."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from moopt._generation import RUNNING, STATE_NAMES, summarize
from moopt._objectives import Constraint
from moopt._sorting import pareto_set_indices
from moopt._space import Categorical, Float, Int, Space
from moopt._storage import Storage, TrialRow, describe
from moopt._trial import Result, Trial
from moopt._validation import check_directions


def study_config(
    space: Space,
    objective_names: Sequence[str],
    directions: Sequence[str],
    constraints: Sequence[Constraint],
    population_size: int,
    seed: int,
    mode: str,
    reevaluation: str | int = "none",
) -> dict[str, Any]:
    """Return the JSON-ready configuration stored with a study.

    ``reevaluation`` is stored only when it is not "none", so that studies
    written before it existed still match.
    """
    config = {
        "space": {
            name: _dimension_config(dimension)
            for name, dimension in space.dimensions.items()
        },
        "objectives": dict(zip(objective_names, directions, strict=True)),
        "constraints": [
            {
                "name": c.name,
                "operator": c.operator,
                "bound": c.bound,
                "tolerance": c.tolerance,
            }
            for c in constraints
        ],
        "population_size": population_size,
        "mode": mode,
        "seed": seed,
        "moopt_version": _version(),
    }
    if reevaluation != "none":
        config["reevaluation"] = reevaluation
    return config


def _dimension_config(dimension: Float | Int | Categorical) -> dict[str, Any]:
    if isinstance(dimension, Float):
        return {
            "type": "float",
            "low": dimension.low,
            "high": dimension.high,
            "log": dimension.log,
        }
    if isinstance(dimension, Int):
        return {
            "type": "int",
            "low": dimension.low,
            "high": dimension.high,
            "step": dimension.step,
            "log": dimension.log,
        }
    return {
        "type": "categorical",
        "choices": [_choice_config(c) for c in dimension.choices],
    }


def _choice_config(choice: Any) -> Any:
    """Return a choice as JSON: itself when JSON can carry it, else a description.

    Stored studies keep categorical values by index, so a choice that JSON
    cannot carry is only described, to compare spaces and to print it.
    """
    if choice is None or isinstance(choice, bool | int | float | str):
        return choice
    if isinstance(choice, list | tuple) and all(
        _choice_config(item) == item for item in choice
    ):
        return list(choice)
    return {"__repr__": describe(choice)}


def space_from_config(config: dict[str, Any]) -> Space:
    """Rebuild a study's space; choices JSON cannot carry come back as text."""
    dimensions: dict[str, Float | Int | Categorical] = {}
    for name, spec in config["space"].items():
        if spec["type"] == "float":
            dimensions[name] = Float(spec["low"], spec["high"], log=spec["log"])
        elif spec["type"] == "int":
            dimensions[name] = Int(
                spec["low"], spec["high"], step=spec["step"], log=spec["log"]
            )
        else:
            choices = [
                choice["__repr__"] if isinstance(choice, dict) else choice
                for choice in spec["choices"]
            ]
            dimensions[name] = Categorical(choices)
    return Space(dimensions)


def trial_row(
    number: int,
    generation: int,
    params: dict[str, Any],
    genome: np.ndarray,
    space: Space,
    asked_after: int,
    replicate_of: int = -1,
) -> TrialRow:
    """Return the stored form of a trial just asked, categorical params by index.

    Its outcome columns are those of a running trial; a tell fills them in.
    """
    stored_params = {
        name: round(gene) if isinstance(dimension, Categorical) else params[name]
        for gene, (name, dimension) in zip(
            genome.tolist(), space.dimensions.items(), strict=True
        )
    }
    return TrialRow(
        number=number,
        generation=generation,
        state=STATE_NAMES[RUNNING],
        genome=genome.tolist(),
        params=stored_params,
        outputs=None,
        error=None,
        violation=0.0,
        duration=0.0,
        asked_after=asked_after,
        told_order=None,
        replicate_of=None if replicate_of < 0 else replicate_of,
    )


def load_study(storage: str | os.PathLike[str], study_name: str = "default") -> Result:
    """Return the ``Result`` of a stored study without running anything.

    Works while another process is still running the study: the result is a
    snapshot of what was committed. Categorical params whose choices JSON
    cannot carry come back as their text description.
    """
    store = Storage(storage, study_name)
    try:
        rows = store.load_trials()
        generations = store.load_generations()
        config = store.config
    finally:
        store.close()
    space = space_from_config(config)
    names = tuple(config["objectives"])
    directions = tuple(config["objectives"].values())
    signs = check_directions(directions, len(directions))
    trials = _with_replicates([_row_trial(row, space) for row in rows])
    by_number = {trial.number: trial for trial in trials}
    population = ()
    if generations:
        members, _ = generations[max(generations)]
        population = tuple(by_number[n] for n in members if n in by_number)
    pareto_set, feasible = _pareto_set(trials, names, signs)
    return Result(
        trials=trials,
        population=population,
        pareto_set=pareto_set,
        pareto_front=np.array(
            [[t.values[n] for n in names] for t in pareto_set], dtype=np.float64
        ).reshape(-1, len(names)),
        objective_names=names,
        directions=directions,
        n_failed=sum(t.state == "failed" for t in trials),
        seed=config["seed"],
        feasible=feasible,
        space=dict(space.dimensions),
    )


def _row_trial(row: TrialRow, space: Space) -> Trial:
    params = dict(row.params)
    for name, dimension in space.dimensions.items():
        if isinstance(dimension, Categorical):
            params[name] = dimension.choices[params[name]]
    valued = row.state in ("complete", "pruned", "replicate")
    values = row.outputs if valued else None
    return Trial(
        number=row.number,
        generation=row.generation,
        params=params,
        values=values,
        state=row.state,  # type: ignore[arg-type]
        error=row.error,
        violation=row.violation,
        duration=row.duration,
        intermediate_values=row.intermediate or {},
        n_evaluations=int(row.state in ("complete", "replicate")),
        replicates=(values,) if row.state in ("complete", "replicate") else (),
        replicate_of=row.replicate_of,
    )


def _with_replicates(trials: list[Trial]) -> tuple[Trial, ...]:
    """Return the trials with each re-evaluated one summarizing its replicates."""
    evaluations: dict[int, list[dict[str, Any]]] = {}
    for trial in trials:
        if trial.state == "replicate" and trial.replicate_of is not None:
            evaluations.setdefault(trial.replicate_of, []).append(trial.values or {})
    position = {trial.number: index for index, trial in enumerate(trials)}
    for number, extra in evaluations.items():
        original = trials[position[number]]
        if original.state != "complete" or original.values is None:
            continue
        replicates = (original.values, *extra)
        means, errors = summarize(replicates)
        trials[position[number]] = dataclasses.replace(
            original,
            values=means,
            n_evaluations=len(replicates),
            standard_errors=errors,
            replicates=replicates,
        )
    return tuple(trials)


def _pareto_set(
    trials: tuple[Trial, ...], names: tuple[str, ...], signs: np.ndarray
) -> tuple[tuple[Trial, ...], bool]:
    complete = [t for t in trials if t.state == "complete"]
    minimized = np.array(
        [[t.values[n] for n in names] for t in complete], dtype=np.float64
    ).reshape(-1, len(names))
    violations = np.array([t.violation for t in complete], dtype=np.float64)
    indices, feasible = pareto_set_indices(minimized * signs, violations)
    return tuple(complete[i] for i in indices), feasible


def _version() -> str:
    from moopt import __version__

    return __version__
