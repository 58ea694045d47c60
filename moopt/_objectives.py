"""Named objectives with directions, constraints, and reading objective outputs."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from moopt._validation import DIRECTIONS, is_real

OPERATORS = ("<=", ">=", "==")


@dataclass(frozen=True)
class Constraint:
    """A bound on one output of the objective.

    ``Constraint("latency_ms", "<=", 5.0)`` requires ``latency_ms <= 5``. The
    violation of an output is 0 while it lies within ``tolerance`` of the
    allowed side of ``bound``, and otherwise the full amount by which it
    misses the bound. The tolerance matters most for ``"=="``, where rounding
    makes an exact test fail: ``0.1 + 0.2 == 0.3`` is false in floating point.
    """

    name: str
    operator: str
    bound: float
    tolerance: float = 1e-6

    def __init__(
        self, name: str, operator: str, bound: float, *, tolerance: float = 1e-6
    ) -> None:
        if not isinstance(name, str):
            raise TypeError(f"Constraint name must be a string, got {name!r}")
        if operator not in OPERATORS:
            raise ValueError(
                f"Constraint operator must be '<=', '>=' or '==', got {operator!r}"
            )
        if not is_real(bound) or not math.isfinite(bound):
            raise ValueError(f"Constraint bound must be a finite number, got {bound!r}")
        if not is_real(tolerance) or not tolerance >= 0 or math.isinf(tolerance):
            raise ValueError(
                f"Constraint tolerance must be a finite number >= 0, got {tolerance!r}"
            )
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "operator", operator)
        object.__setattr__(self, "bound", float(bound))
        object.__setattr__(self, "tolerance", float(tolerance))

    def violation(self, values: np.ndarray) -> np.ndarray:
        """Return the violation of each output value (0 where satisfied)."""
        with np.errstate(over="ignore"):  # a gap beyond the float range is inf
            if self.operator == "<=":
                excess = values - self.bound
            elif self.operator == ">=":
                excess = self.bound - values
            else:
                excess = np.abs(values - self.bound)
        return np.where(excess > self.tolerance, excess, 0.0)


def check_objectives(objectives: object) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return (names, directions) from a ``{name: direction}`` mapping."""
    if not isinstance(objectives, Mapping):
        raise TypeError(
            "objectives must be a dict {name: 'minimize' | 'maximize'}, got "
            f"{objectives!r}"
        )
    if not objectives:
        raise ValueError("objectives is empty; name at least one objective")
    for name, direction in objectives.items():
        if not isinstance(name, str):
            raise TypeError(f"objective names must be strings, got {name!r}")
        if direction not in DIRECTIONS:
            raise ValueError(
                f"objectives[{name!r}] has unknown direction {direction!r}; use "
                "'minimize' or 'maximize'"
            )
    return tuple(objectives), tuple(objectives.values())


def check_constraints(constraints: object) -> tuple[Constraint, ...]:
    """Return the constraints as a tuple, checking each is a ``Constraint``."""
    if isinstance(constraints, Constraint):
        return (constraints,)
    if not isinstance(constraints, Sequence):
        raise TypeError(
            f"constraints must be a sequence of moopt.Constraint, got {constraints!r}"
        )
    for constraint in constraints:
        if not isinstance(constraint, Constraint):
            raise TypeError(
                f"constraints must hold moopt.Constraint objects, got {constraint!r}"
            )
    return tuple(constraints)


class InvalidOutput(Exception):
    """An objective returned something that cannot be ranked."""


def _read_number(name: str, value: Any) -> int | float:
    """Return an output as a Python number, raising ``InvalidOutput`` if it is
    not a finite real number.

    numpy scalars and 0-d arrays become Python numbers. Booleans and strings
    are rejected, because they are almost always a mistake as an objective.
    """
    # A Python float or int, the usual output, needs no conversion. The test
    # is on the exact type because bool is a subclass of int.
    if type(value) is not float and type(value) is not int:
        value = _as_real(name, value)
    try:
        finite = math.isfinite(value)
    except OverflowError:
        raise InvalidOutput(
            f"output {name!r} is an int of {len(str(abs(value)))} digits, too large "
            "for a float"
        ) from None
    if not finite:
        raise InvalidOutput(f"output {name!r} is {value}, not a finite number")
    return value


def _as_real(name: str, value: object) -> Any:
    """Return a numpy scalar or 0-d array as a Python number, raising
    ``InvalidOutput`` unless the result is a real number other than a bool."""
    if (isinstance(value, np.ndarray) and value.ndim == 0) or isinstance(
        value, np.generic
    ):
        value = value.item()
    if not is_real(value):
        raise InvalidOutput(f"output {name!r} is not a number: {value!r}")
    return value


def read_outputs(
    outputs: object, names: Sequence[str], constraints: Sequence[Constraint]
) -> tuple[dict[str, Any], np.ndarray, float]:
    """Return (values, objective row, violation) from one objective output.

    Raises ``InvalidOutput`` naming the problem when the output is not a
    mapping, lacks an objective or constraint output, or contains a value that is
    not a finite number.
    """
    if not isinstance(outputs, Mapping):
        raise InvalidOutput(
            f"objective returned {type(outputs).__name__} {outputs!r}; return a dict "
            f"{{name: value}} with the names {list(names)}"
        )
    values = dict(outputs)
    needed = names
    if constraints:
        needed = [*names, *(c.name for c in constraints if c.name not in names)]
    for name in needed:
        if name not in values:
            raise InvalidOutput(f"objective output is missing {name!r}")
        values[name] = _read_number(name, values[name])
    row = np.array([values[name] for name in names], dtype=np.float64)
    violation = 0.0
    for constraint in constraints:
        value = np.array(values[constraint.name], dtype=np.float64)
        violation += float(constraint.violation(value))
    return values, row, violation
