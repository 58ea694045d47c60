"""A progress bar for ``optimize(..., progress=True)``, drawn with tqdm."""

from __future__ import annotations

from typing import Any


class ProgressBar:
    """Trials done out of the budget, with failures and the front size.

    tqdm is an optional dependency, imported only when a bar is requested.
    """

    def __init__(self, total: int, done: int) -> None:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            raise ImportError(
                "progress=True needs tqdm; install it with: "
                "pip install 'moopt[progress]'"
            ) from None
        self._bar: Any = tqdm(total=total, initial=done, unit="trial", desc="moopt")

    def advance(self, n_trials: int) -> None:
        """Count ``n_trials`` more finished trials."""
        self._bar.update(n_trials)

    def show(self, n_failed: int, front_size: int) -> None:
        """Show the failure count and the Pareto front size."""
        self._bar.set_postfix(failed=n_failed, front=front_size)

    def close(self) -> None:
        """Close the bar."""
        self._bar.close()
