"""Running benchmark jobs in a process pool, and describing the machine."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sys
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import Any


def run_in_pool(
    tasks: list[tuple[Callable[[Any], dict[str, Any]], Any]], workers: int | None
) -> list[dict[str, Any]]:
    """Run each ``function(job)`` in a process pool and return results in order.

    ``workers`` None uses one process per CPU. Each job has a ``label`` and
    each result a ``time_s``, which the progress lines show. The first failed
    task cancels the tasks not yet started and its error is raised.
    """
    results: list[dict[str, Any] | None] = [None] * len(tasks)
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        futures: dict[Future, int] = {
            pool.submit(function, job): index
            for index, (function, job) in enumerate(tasks)
        }
        for count, future in enumerate(as_completed(futures), start=1):
            index = futures[future]
            results[index] = future.result()
            progress(
                f"[{count}/{len(tasks)}] {tasks[index][1].label} "
                f"{results[index]['time_s']:.1f} s"
            )
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return results  # type: ignore[return-value]


def progress(message: str) -> None:
    """Print a progress line to stderr, so stdout keeps only the report."""
    print(message, file=sys.stderr, flush=True)


def environment() -> dict[str, Any]:
    """Return the Python version, platform, CPU and package versions of a run."""
    packages = ("moopt", "pymoo", "moocore", "numpy", "scikit-learn")
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "versions": {name: importlib.metadata.version(name) for name in packages},
    }


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
