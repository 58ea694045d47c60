"""Hypothesis strategies and a child-process runner shared by the kernel tests."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

DIRECTION = st.sampled_from(["minimize", "maximize"])


def _elements(infinities: Sequence[float]) -> st.SearchStrategy[float]:
    # Small integers make ties between points likely, wide floats cover the rest.
    choices = [
        st.integers(-3, 3).map(float),
        st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False),
    ]
    if infinities:
        choices.append(st.sampled_from(infinities))
    return st.one_of(choices)


@st.composite
def objective_arrays(
    draw: st.DrawFn,
    *,
    min_points: int = 0,
    max_points: int = 12,
    min_objectives: int = 1,
    max_objectives: int = 4,
    infinities: Sequence[float] = (np.inf, -np.inf),
) -> np.ndarray:
    """Draw a float array of objective values with ties, duplicates and constants.

    Rows are picked with replacement from a smaller set of distinct rows, so
    duplicate points are common, and a column is sometimes set to one value.
    Entries are sometimes one of ``infinities``; pass ``()`` for finite values.
    """
    n_objectives = draw(st.integers(min_objectives, max_objectives))
    n_points = draw(st.integers(min_points, max_points))
    if n_points == 0:
        return np.zeros((0, n_objectives))
    n_distinct = draw(st.integers(1, n_points))
    element = _elements(infinities)
    distinct = draw(arrays(np.float64, (n_distinct, n_objectives), elements=element))
    rows = draw(
        st.lists(st.integers(0, n_distinct - 1), min_size=n_points, max_size=n_points)
    )
    values = distinct[rows]
    for column in range(n_objectives):
        if draw(st.integers(0, 5)) == 0:
            values[:, column] = draw(element)
    return values


@st.composite
def values_and_directions(
    draw: st.DrawFn, **array_options: object
) -> tuple[np.ndarray, list[str]]:
    """Draw an objective array and one direction per column."""
    values = draw(objective_arrays(**array_options))
    n_objectives = values.shape[1]
    directions = draw(st.lists(DIRECTION, min_size=n_objectives, max_size=n_objectives))
    return values, directions


def run_in_child_process(script: str, cases: list[dict], name: str) -> list:
    """Run ``script`` in a fresh interpreter, one JSON-encoded case per input line.

    ``script`` reads the cases from stdin and prints one JSON line for each, and
    the decoded lines are returned in order. A crash of the child, such as a
    segmentation fault in a compiled extension, fails the calling test instead
    of ending the whole session, and the failure message names the operation
    ``name`` and the case the child stopped on.
    """
    lines = [json.dumps(case) for case in cases]
    completed = subprocess.run(
        [sys.executable, "-c", script],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    outputs = [json.loads(line) for line in completed.stdout.splitlines()]
    if completed.returncode != 0:
        stopped_on = cases[len(outputs)]
        arguments = ", ".join(f"{key}={value}" for key, value in stopped_on.items())
        pytest.fail(
            f"{name} exited with code {completed.returncode} on {arguments}; "
            f"stderr: {completed.stderr[-500:]}"
        )
    return outputs


@contextlib.contextmanager
def local_dask_executor() -> Iterator[Any]:
    """Yield the executor of a Dask cluster of 2 local worker processes.

    Skips the test when Dask's distributed package is not installed.
    """
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client.get_executor(pure=False)
