"""Variation operators of NSGA-II over genome arrays.

Pure functions of arrays and a ``numpy.random.Generator``: binary tournament,
simulated binary crossover (SBX) and polynomial mutation in the bounded forms
of Deb's reference NSGA-II code, and a uniform crossover and resampling
mutation for categorical genes.
"""

from __future__ import annotations

import numpy as np


def binary_tournament(
    ranks: np.ndarray, crowding: np.ndarray, n_parents: int, rng: np.random.Generator
) -> np.ndarray:
    """Return the indices of ``n_parents`` winners of binary tournaments.

    Each tournament compares two members drawn from shuffled copies of the
    population, so every member takes part about equally often. The lower rank
    wins, then the larger crowding distance, then a fair coin.
    """
    n_members = len(ranks)
    if n_parents == 0:
        return np.zeros(0, dtype=np.intp)
    n_copies = -(-2 * n_parents // n_members)
    pool = np.concatenate([rng.permutation(n_members) for _ in range(n_copies)])
    first, second = pool[: 2 * n_parents].reshape(2, n_parents)
    first_wins = (ranks[first] < ranks[second]) | (
        (ranks[first] == ranks[second]) & (crowding[first] > crowding[second])
    )
    second_wins = (ranks[second] < ranks[first]) | (
        (ranks[first] == ranks[second]) & (crowding[second] > crowding[first])
    )
    coin = rng.random(n_parents) < 0.5
    return np.where(first_wins | (~second_wins & coin), first, second)


def sbx_crossover(
    first: np.ndarray,
    second: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    *,
    eta: float,
    probability: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Return two children per pair of parents by bounded SBX.

    A pair crosses with ``probability``; within a crossing pair each gene
    crosses with probability 0.5, and the two children's genes are swapped
    with probability 0.5. The spread factor of each child is drawn from the
    polynomial distribution of index ``eta``, truncated so that both children
    stay inside ``[lower, upper]``.
    """
    n_pairs = len(first)
    child_a, child_b = first.copy(), second.copy()
    low = np.minimum(first, second)
    high = np.maximum(first, second)
    crosses = (rng.random((n_pairs, 1)) < probability) & (rng.random(first.shape) < 0.5)
    crosses &= (high - low) > 1e-14
    u = rng.random(first.shape)
    swap = rng.random(first.shape) < 0.5
    if not crosses.any():
        return child_a, child_b
    low, high, u, swap = low[crosses], high[crosses], u[crosses], swap[crosses]
    bound_low = np.broadcast_to(lower, first.shape)[crosses]
    bound_high = np.broadcast_to(upper, first.shape)[crosses]
    spread = high - low
    near = 0.5 * (
        low + high - _spread_factor(1 + 2 * (low - bound_low) / spread, u, eta) * spread
    )
    far = 0.5 * (
        low
        + high
        + _spread_factor(1 + 2 * (bound_high - high) / spread, u, eta) * spread
    )
    near = np.clip(near, bound_low, bound_high)
    far = np.clip(far, bound_low, bound_high)
    child_a[crosses] = np.where(swap, far, near)
    child_b[crosses] = np.where(swap, near, far)
    return child_a, child_b


def _spread_factor(beta: np.ndarray, u: np.ndarray, eta: float) -> np.ndarray:
    alpha = 2.0 - beta ** -(eta + 1.0)
    inner = u <= 1.0 / alpha
    base = np.where(inner, u * alpha, 1.0 / np.where(inner, 1.0, 2.0 - u * alpha))
    return base ** (1.0 / (eta + 1.0))


def polynomial_mutation(
    genomes: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    *,
    eta: float,
    probability: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Return a copy of ``genomes`` with bounded polynomial mutation applied.

    Each gene mutates with ``probability``. The perturbation follows the
    polynomial distribution of index ``eta``, scaled so it never leaves
    ``[lower, upper]``.
    """
    result = genomes.copy()
    mutates = rng.random(genomes.shape) < probability
    u = rng.random(genomes.shape)
    if not mutates.any():
        return result
    value = genomes[mutates]
    low = np.broadcast_to(lower, genomes.shape)[mutates]
    high = np.broadcast_to(upper, genomes.shape)[mutates]
    u = u[mutates]
    width = high - low
    exponent = 1.0 / (eta + 1.0)
    downward = u <= 0.5
    room_below = 1.0 - (value - low) / width
    room_above = 1.0 - (high - value) / width
    down = (2 * u + (1 - 2 * u) * room_below ** (eta + 1)) ** exponent - 1
    up = 1 - (2 * (1 - u) + 2 * (u - 0.5) * room_above ** (eta + 1)) ** exponent
    shift = np.where(downward, down, up)
    result[mutates] = np.clip(value + shift * width, low, high)
    return result


def categorical_crossover(
    first: np.ndarray, second: np.ndarray, probability: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Return children that swap each categorical gene with probability 0.5.

    Only pairs that cross (with ``probability``) swap anything.
    """
    swap = (rng.random((len(first), 1)) < probability) & (rng.random(first.shape) < 0.5)
    return np.where(swap, second, first), np.where(swap, first, second)


def categorical_mutation(
    indices: np.ndarray,
    n_choices: np.ndarray,
    probability: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Return a copy where each gene, with ``probability``, takes another choice.

    The new choice is drawn uniformly from the other choices; a categorical
    with one choice never changes.
    """
    mutates = (rng.random(indices.shape) < probability) & (n_choices > 1)
    offset = np.floor(rng.random(indices.shape) * (n_choices - 1)) + 1
    return np.where(mutates, (indices + offset) % n_choices, indices)
