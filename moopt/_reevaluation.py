"""Choosing which first-front members of a noisy run to evaluate again."""

from __future__ import annotations

import numpy as np

from moopt._validation import is_integer

# Half-width of a member's interval around its mean, in standard errors.
INTERVAL_ERRORS = 2.0


def check_reevaluation(reevaluation: object) -> str | int:
    """Return a valid ``reevaluation`` setting or raise naming the fix."""
    if is_integer(reevaluation) and not isinstance(reevaluation, bool):
        if reevaluation < 1:
            raise ValueError(
                f"reevaluation must be 'none', 'adaptive' or an int >= 1 (evaluations "
                f"per configuration), got {reevaluation!r}"
            )
        setting: str | int = "none" if reevaluation == 1 else int(reevaluation)
    elif reevaluation in ("none", "adaptive"):
        setting = str(reevaluation)
    else:
        raise ValueError(
            "reevaluation must be 'none', 'adaptive' or an int >= 1 (evaluations per "
            f"configuration), got {reevaluation!r}"
        )
    return setting


def uncertain_members(
    means: np.ndarray,
    standard_errors: np.ndarray,
    candidates: np.ndarray,
) -> np.ndarray:
    """Return a mask of the candidates whose place on the first front is uncertain.

    Parameters
    ----------
    means : array of shape (n, n_objectives)
        Minimized means of every member.
    standard_errors : array of shape (n, n_objectives)
        Standard errors of those means.
    candidates : bool array of shape (n,)
        The first-front members.

    Member i is uncertain when some other member j might dominate it: the
    lower end of j's interval is at or below the upper end of i's in every
    objective. Intervals are ``INTERVAL_ERRORS`` standard errors wide on each
    side, so with no noise a member is uncertain only when another has its
    exact values.
    """
    lower = means - INTERVAL_ERRORS * standard_errors
    upper = means + INTERVAL_ERRORS * standard_errors
    may_dominate = (lower[:, None, :] <= upper[None, :, :]).all(axis=2)
    np.fill_diagonal(may_dominate, False)
    return candidates & may_dominate.any(axis=0)


def reevaluation_requests(
    population: np.ndarray,
    minimized: np.ndarray,
    ranks: np.ndarray,
    counts: np.ndarray,
    deviation: np.ndarray | None,
    limit: int,
) -> np.ndarray:
    """Return the trial numbers to evaluate again, at most ``limit`` of them.

    Parameters
    ----------
    population : int array of shape (n,)
        Trial numbers of the population.
    minimized : array of shape (n, n_objectives)
        Their minimized means.
    ranks : int array of shape (n,)
        Their ranks; 0 is the first front.
    counts : int array of shape (n,)
        Complete evaluations of each member; 0 for a pruned member.
    deviation : array of shape (n_objectives,) or None
        Pooled standard deviation of one evaluation, None while no trial
        has been evaluated twice. Then every first-front member is uncertain.
    limit : int
        Maximum number of requests to return.

    Uncertain members with the fewest evaluations come first, then those
    with the lower trial number.
    """
    candidates = (ranks == 0) & (counts >= 1)
    if limit <= 0 or not candidates.any():
        return np.zeros(0, dtype=np.int64)
    if deviation is None:
        uncertain = candidates
    else:
        errors = deviation[None, :] / np.sqrt(np.maximum(counts, 1))[:, None]
        uncertain = uncertain_members(minimized, errors, candidates)
    chosen = np.flatnonzero(uncertain)
    order = np.lexsort((population[chosen], counts[chosen]))
    return population[chosen[order[:limit]]].astype(np.int64)
