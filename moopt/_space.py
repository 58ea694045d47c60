"""Search-space dimensions and their encoding as float genomes.

Every configuration is a row of floats in internal coordinates, the genome:

- ``Float``: the value, or its natural log when ``log=True``;
- ``Int``: the index of the value on its step grid, or the log of the value
  when ``log=True``; the gene is rounded on decode;
- ``Categorical``: the index of the choice.

Variation works on genomes within per-gene bounds. Integer and categorical genes
are widened by half a step on each side, so that rounding gives every value an
equal share of the interval, and genomes are rounded back onto the grid after
each variation, which keeps them integral.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from moopt._validation import is_integer, is_real


@dataclass(frozen=True)
class Float:
    """A real parameter in ``[low, high]``, searched in log space if ``log``."""

    low: float
    high: float
    log: bool = False

    def __init__(self, low: float, high: float, *, log: bool = False) -> None:
        for name, bound in (("low", low), ("high", high)):
            if not is_real(bound):
                raise TypeError(f"Float {name} must be a real number, got {bound!r}")
            if not math.isfinite(bound):
                raise ValueError(f"Float {name} must be finite, got {bound!r}")
        if low == high:
            raise ValueError(
                f"Float needs low < high, got low = high = {low!r}; use "
                "Categorical([value]) for a constant"
            )
        if low > high:
            raise ValueError(
                f"Float needs low < high, got low={low!r}, high={high!r}; swap them"
            )
        if log and low <= 0:
            raise ValueError(
                f"Float with log=True needs low greater than 0, got low={low!r}; "
                "raise the lower bound or drop log=True"
            )
        object.__setattr__(self, "low", float(low))
        object.__setattr__(self, "high", float(high))
        object.__setattr__(self, "log", bool(log))


@dataclass(frozen=True)
class Int:
    """An integer parameter in ``[low, high]`` on a grid of ``step``.

    Values reach the objective as Python ints. With ``log=True`` the value is
    searched in log space; that needs ``low >= 1`` and ``step == 1``.
    """

    low: int
    high: int
    step: int = 1
    log: bool = False

    def __init__(
        self, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> None:
        for name, value in (("low", low), ("high", high), ("step", step)):
            if not is_integer(value):
                raise TypeError(f"Int {name} must be an int, got {value!r}")
        if low > high:
            raise ValueError(
                f"Int needs low <= high, got low={low!r}, high={high!r}; swap them"
            )
        if step < 1:
            raise ValueError(f"Int step must be at least 1, got step={step!r}")
        if (high - low) % step:
            last = low + (high - low) // step * step
            raise ValueError(
                f"Int range {low}..{high} is not a multiple of step={step}; set high "
                f"to {last} or {last + step}"
            )
        if log and low <= 0:
            raise ValueError(
                f"Int with log=True needs low greater than 0, got low={low!r}; "
                "raise the lower bound or drop log=True"
            )
        if log and step != 1:
            raise ValueError(f"Int with log=True needs step=1, got step={step!r}")
        object.__setattr__(self, "low", int(low))
        object.__setattr__(self, "high", int(high))
        object.__setattr__(self, "step", int(step))
        object.__setattr__(self, "log", bool(log))


@dataclass(frozen=True)
class Categorical:
    """A parameter that takes one of ``choices``, passed to the objective as is.

    Choices may be any objects, unhashable ones included, but no two of them
    may compare equal: ``[1, 1.0, True]`` is rejected, because Python treats
    those as one value.
    """

    choices: tuple[Any, ...]

    def __init__(self, choices: Sequence[Any]) -> None:
        if isinstance(choices, str | bytes) or not isinstance(choices, Sequence):
            raise TypeError(
                "Categorical choices must be a list or tuple (sets have no fixed "
                f"order), got {choices!r}"
            )
        if len(choices) == 0:
            raise ValueError("Categorical needs at least one choice, got []")
        for j, later in enumerate(choices):
            for i in range(j):
                if same_choice(choices[i], later):
                    raise ValueError(
                        f"Categorical choices must be distinct, but choices[{i}]="
                        f"{choices[i]!r} and choices[{j}]={later!r} compare equal; "
                        "remove one of them"
                    )
        object.__setattr__(self, "choices", tuple(choices))

    def index(self, value: Any) -> int | None:
        """Return the position of ``value`` in the choices, or None."""
        for i, choice in enumerate(self.choices):
            if same_choice(choice, value):
                return i
        return None


def same_choice(a: Any, b: Any) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        # Objects such as numpy arrays have no single truth value for ==.
        return False


Dimension = Float | Int | Categorical
FLOAT, INT, CATEGORICAL = 0, 1, 2


class Space:
    """A named set of dimensions with vectorized encode, decode and sampling."""

    def __init__(self, dimensions: Mapping[str, Dimension]) -> None:
        if not isinstance(dimensions, Mapping):
            raise TypeError(
                "space must be a dict {name: Float | Int | Categorical}, got "
                f"{type(dimensions).__name__}"
            )
        if not dimensions:
            raise ValueError("space is empty; give at least one dimension")
        for name, dimension in dimensions.items():
            if not isinstance(name, str):
                raise TypeError(f"space names must be strings, got {name!r}")
            if not isinstance(dimension, Float | Int | Categorical):
                raise TypeError(
                    f"space[{name!r}] must be moopt.Float, moopt.Int or "
                    f"moopt.Categorical, got {dimension!r}"
                )
        self.dimensions = dict(dimensions)
        self.names = list(dimensions)
        kinds, lower, upper = [], [], []
        for dimension in self.dimensions.values():
            kind, low, high = _gene_bounds(dimension)
            kinds.append(kind)
            lower.append(low)
            upper.append(high)
        self.kinds = np.array(kinds)
        self.lower = np.array(lower)
        self.upper = np.array(upper)

    def __len__(self) -> int:
        return len(self.names)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Space) and self.dimensions == other.dimensions

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``n`` genomes uniformly in internal coordinates."""
        raw = rng.uniform(self.lower, self.upper, size=(n, len(self)))
        return self.canonical(raw)

    def canonical(self, genomes: np.ndarray) -> np.ndarray:
        """Return genomes clipped to bounds and rounded onto integer grids.

        Two genomes are equal after this exactly when they decode to equal
        params, so duplicates can be found on the array.
        """
        result = np.clip(genomes, self.lower, self.upper)
        for column, dimension in enumerate(self.dimensions.values()):
            if isinstance(dimension, Float):
                continue
            if isinstance(dimension, Int) and dimension.log:
                values = np.clip(
                    np.rint(np.exp(result[:, column])), dimension.low, dimension.high
                )
                result[:, column] = np.log(values)
            else:
                result[:, column] = np.clip(
                    np.rint(result[:, column]), 0, self.upper[column] - 0.5
                )
        return result + 0.0  # turns -0.0 into 0.0, so equal genes compare bitwise

    def decode(
        self, genome: np.ndarray, exact: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Return the params of one canonical genome, typed for the objective.

        ``exact`` contains user-given params whose float values are kept as given,
        since the log-scale round trip may change their last digit.
        """
        params: dict[str, Any] = {}
        for gene, (name, dimension) in zip(
            genome.tolist(), self.dimensions.items(), strict=True
        ):
            if isinstance(dimension, Float) and exact is not None:
                params[name] = float(exact[name])
            elif isinstance(dimension, Float):
                value = math.exp(gene) if dimension.log else gene
                params[name] = min(max(value, dimension.low), dimension.high)
            elif isinstance(dimension, Int):
                if dimension.log:
                    params[name] = round(math.exp(gene))
                else:
                    params[name] = dimension.low + round(gene) * dimension.step
            else:
                params[name] = dimension.choices[round(gene)]
        return params

    def decode_many(self, genomes: np.ndarray) -> list[dict[str, Any]]:
        """Return the params of each canonical genome row, decoding column-wise."""
        columns = []
        for column, dimension in zip(genomes.T, self.dimensions.values(), strict=True):
            if isinstance(dimension, Float):
                values = np.exp(column) if dimension.log else column
                columns.append(np.clip(values, dimension.low, dimension.high).tolist())
            elif isinstance(dimension, Int):
                values = (
                    np.rint(np.exp(column))
                    if dimension.log
                    else (dimension.low + np.rint(column) * dimension.step)
                )
                columns.append(values.astype(np.int64).tolist())
            else:
                choices = dimension.choices
                columns.append([choices[i] for i in np.rint(column).astype(np.intp)])
        names = self.names
        return [
            dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)
        ]

    def decode_floats(self, genomes: np.ndarray) -> np.ndarray:
        """Return the values of an all-``Float`` space as an (n, n_params) array."""
        values = genomes.copy()
        log = np.array([d.log for d in self.dimensions.values()])
        values[:, log] = np.exp(values[:, log])
        low = np.array([d.low for d in self.dimensions.values()])
        high = np.array([d.high for d in self.dimensions.values()])
        return np.clip(values, low, high)

    def encode(self, params: Mapping[str, Any], label: str) -> np.ndarray:
        """Return the canonical genome of user params, checking every value."""
        if not isinstance(params, Mapping):
            raise TypeError(f"{label} must be a dict {{name: value}}, got {params!r}")
        missing = [name for name in self.names if name not in params]
        unknown = [name for name in params if name not in self.dimensions]
        if missing or unknown:
            raise ValueError(
                f"{label} must set exactly the space's parameters {self.names}; "
                f"missing {missing}, unknown {unknown}"
            )
        genome = np.array(
            [
                _encode_value(dimension, params[name], f"{label}[{name!r}]")
                for name, dimension in self.dimensions.items()
            ]
        )
        return self.canonical(genome[None, :])[0]


def _gene_bounds(dimension: Dimension) -> tuple[int, float, float]:
    if isinstance(dimension, Float):
        if dimension.log:
            return FLOAT, math.log(dimension.low), math.log(dimension.high)
        return FLOAT, dimension.low, dimension.high
    if isinstance(dimension, Int):
        if dimension.log:
            return INT, math.log(dimension.low - 0.5), math.log(dimension.high + 0.5)
        n_values = (dimension.high - dimension.low) // dimension.step + 1
        return INT, -0.5, n_values - 0.5
    return CATEGORICAL, -0.5, len(dimension.choices) - 0.5


def _encode_value(dimension: Dimension, value: Any, label: str) -> float:
    if isinstance(dimension, Categorical):
        index = dimension.index(value)
        if index is None:
            raise ValueError(
                f"{label}={value!r} is not one of the choices {list(dimension.choices)}"
            )
        return float(index)
    if isinstance(dimension, Int) and not is_integer(value):
        raise TypeError(f"{label} must be an int, got {value!r}")
    if not is_real(value):
        raise TypeError(f"{label} must be a number, got {value!r}")
    if not dimension.low <= value <= dimension.high:
        raise ValueError(
            f"{label}={value!r} is outside [{dimension.low}, {dimension.high}]"
        )
    if isinstance(dimension, Float):
        return math.log(value) if dimension.log else float(value)
    if (value - dimension.low) % dimension.step:
        raise ValueError(
            f"{label}={value!r} is not on the grid {dimension.low}, "
            f"{dimension.low + dimension.step}, ... (step={dimension.step})"
        )
    if dimension.log:
        return math.log(value)
    return float((value - dimension.low) // dimension.step)
