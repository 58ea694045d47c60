"""Tests of the NSGA-II variation operators and parent selection.

SBX and polynomial mutation are compared by distribution with per-gene Python
implementations of Deb's bounded formulas written here, and with pymoo's
``cross_sbx`` and ``mut_pm``. Every random draw uses a fixed seed, so each
statistical check gives the same result on every run.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from pymoo.operators.crossover.sbx import cross_sbx
from pymoo.operators.mutation.pm import mut_pm
from scipy import stats

from moopt._operators import (
    binary_tournament,
    categorical_crossover,
    categorical_mutation,
    polynomial_mutation,
    sbx_crossover,
)

N_DRAWS = 4000
# Smallest p-value that a statistical check (KS, binomial, chi-square) accepts.
P_THRESHOLD = 1e-3


# Per-gene references from Deb's published formulas -----------------------------


def reference_sbx_gene(
    x1: float, x2: float, low: float, high: float, eta: float, draw: random.Random
) -> tuple[float, float]:
    """Cross one gene by bounded SBX, returning the two children in random order."""
    if abs(x1 - x2) <= 1e-14:
        return x1, x2
    y1, y2 = min(x1, x2), max(x1, x2)
    u = draw.random()

    def spread_factor(beta: float) -> float:
        alpha = 2.0 - beta ** (-(eta + 1.0))
        if u <= 1.0 / alpha:
            return (u * alpha) ** (1.0 / (eta + 1.0))
        return (1.0 / (2.0 - u * alpha)) ** (1.0 / (eta + 1.0))

    spread = y2 - y1
    near = 0.5 * (y1 + y2 - spread_factor(1.0 + 2.0 * (y1 - low) / spread) * spread)
    far = 0.5 * (y1 + y2 + spread_factor(1.0 + 2.0 * (high - y2) / spread) * spread)
    near = min(max(near, low), high)
    far = min(max(far, low), high)
    if draw.random() < 0.5:
        return far, near
    return near, far


def reference_sbx(
    x1: float, x2: float, low: float, high: float, eta: float, n_draws: int, seed: int
) -> np.ndarray:
    """Draw ``n_draws`` pairs of children, crossing the gene with probability 0.5."""
    draw = random.Random(seed)
    children = []
    for _ in range(n_draws):
        if draw.random() < 0.5:
            children.append(reference_sbx_gene(x1, x2, low, high, eta, draw))
        else:
            children.append((x1, x2))
    return np.array(children)


def reference_mutation(
    value: float, low: float, high: float, eta: float, n_draws: int, seed: int
) -> np.ndarray:
    """Draw ``n_draws`` mutants of one gene by bounded polynomial mutation."""
    draw = random.Random(seed)
    width = high - low
    exponent = 1.0 / (eta + 1.0)
    mutants = []
    for _ in range(n_draws):
        u = draw.random()
        if u <= 0.5:
            base = 1.0 - (value - low) / width
            level = 2.0 * u + (1.0 - 2.0 * u) * base ** (eta + 1.0)
            shift = level**exponent - 1.0
        else:
            base = 1.0 - (high - value) / width
            level = 2.0 * (1.0 - u) + 2.0 * (u - 0.5) * base ** (eta + 1.0)
            shift = 1.0 - level**exponent
        mutants.append(min(max(value + shift * width, low), high))
    return np.array(mutants)


def moopt_sbx(
    x1: float, x2: float, low: float, high: float, eta: float, n_draws: int, seed: int
) -> np.ndarray:
    first = np.full((n_draws, 1), x1)
    second = np.full((n_draws, 1), x2)
    child_a, child_b = sbx_crossover(
        first,
        second,
        np.array([low]),
        np.array([high]),
        eta=eta,
        probability=1.0,
        rng=np.random.default_rng(seed),
    )
    return np.column_stack([child_a[:, 0], child_b[:, 0]])


def pymoo_sbx(
    x1: float, x2: float, low: float, high: float, eta: float, n_draws: int, seed: int
) -> np.ndarray:
    parents = np.empty((2, n_draws, 1))
    parents[0], parents[1] = x1, x2
    per_pair = np.full((n_draws, 1), 1.0)
    children = cross_sbx(
        parents,
        np.array([low]),
        np.array([high]),
        eta * per_pair,
        0.5 * per_pair,
        0.5 * per_pair,
        random_state=np.random.default_rng(seed),
    )
    return np.column_stack([children[0, :, 0], children[1, :, 0]])


def assert_same_distribution(sample: np.ndarray, reference: np.ndarray) -> None:
    result = stats.ks_2samp(sample, reference)
    assert result.pvalue > P_THRESHOLD, (
        f"KS statistic {result.statistic:.4f}, p-value {result.pvalue:.2e}; "
        f"means {sample.mean():.5f} and {reference.mean():.5f}"
    )


def changed_genes(children: np.ndarray, x1: float, x2: float) -> np.ndarray:
    """Return the genes of the first child in draws where crossover moved it."""
    moved = (children[:, 0] != x1) | (children[:, 1] != x2)
    return children[moved, 0]


def random_bounds(
    n_genes: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Draw per-gene bounds: lower in [-100, 100], width log-uniform in [1e-3, 1e3]."""
    lower = rng.uniform(-100.0, 100.0, n_genes)
    upper = lower + 10.0 ** rng.uniform(-3.0, 3.0, n_genes)
    return lower, upper


def move_some_genes_to_bounds(
    genomes: np.ndarray, lower: np.ndarray, upper: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Return a copy in which each gene, with probability 0.25, equals a bound.

    The lower and the upper bound are equally likely.
    """
    on_bound = rng.random(genomes.shape) < 0.25
    return np.where(
        on_bound, np.where(rng.random(genomes.shape) < 0.5, lower, upper), genomes
    )


SBX_CASES = [
    # (parent 1, parent 2, lower bound, upper bound, eta)
    (0.3, 0.6, 0.0, 1.0, 20.0),
    (0.0, 0.4, 0.0, 1.0, 20.0),
    (0.95, 1.0, 0.0, 1.0, 2.0),
    (-3.0, 2.0, -5.0, 5.0, 2.0),
    (0.5, 0.1, 0.0, 1.0, 0.5),
]


# SBX ---------------------------------------------------------------------------


@pytest.mark.parametrize(("x1", "x2", "low", "high", "eta"), SBX_CASES)
def test_sbx_matches_reference_distribution(x1, x2, low, high, eta):
    children = moopt_sbx(x1, x2, low, high, eta, N_DRAWS, seed=1)
    reference = reference_sbx(x1, x2, low, high, eta, N_DRAWS, seed=2)
    moved = changed_genes(children, x1, x2)
    reference_moved = changed_genes(reference, x1, x2)
    # Each gene crosses with probability 0.5.
    assert stats.binomtest(len(moved), N_DRAWS, 0.5).pvalue > P_THRESHOLD
    assert_same_distribution(moved, reference_moved)
    # Both children together: the near and far child pooled.
    assert_same_distribution(children.ravel(), reference.ravel())


@pytest.mark.parametrize(("x1", "x2", "low", "high", "eta"), SBX_CASES)
def test_sbx_matches_pymoo_distribution(x1, x2, low, high, eta):
    children = moopt_sbx(x1, x2, low, high, eta, N_DRAWS, seed=3)
    reference = pymoo_sbx(x1, x2, low, high, eta, N_DRAWS, seed=4)
    assert_same_distribution(children.ravel(), reference.ravel())
    assert_same_distribution(
        changed_genes(children, x1, x2), changed_genes(reference, x1, x2)
    )


def test_sbx_distribution_check_detects_other_eta():
    # The comparison above is sharp enough to tell eta 20 from eta 10.
    children = moopt_sbx(0.3, 0.6, 0.0, 1.0, 20.0, N_DRAWS, seed=5)
    other = reference_sbx(0.3, 0.6, 0.0, 1.0, 10.0, N_DRAWS, seed=6)
    result = stats.ks_2samp(
        changed_genes(children, 0.3, 0.6), changed_genes(other, 0.3, 0.6)
    )
    assert result.pvalue < P_THRESHOLD


@pytest.mark.parametrize("eta", [0.5, 2.0, 20.0, 100.0])
def test_sbx_children_within_bounds(eta):
    rng = np.random.default_rng(11)
    n_pairs, n_genes = 2000, 6
    lower, upper = random_bounds(n_genes, rng)
    first = rng.uniform(lower, upper, (n_pairs, n_genes))
    second = rng.uniform(lower, upper, (n_pairs, n_genes))
    first = move_some_genes_to_bounds(first, lower, upper, rng)
    child_a, child_b = sbx_crossover(
        first, second, lower, upper, eta=eta, probability=1.0, rng=rng
    )
    for child in (child_a, child_b):
        assert child.shape == first.shape
        assert np.isfinite(child).all()
        assert (child >= lower).all()
        assert (child <= upper).all()


def test_sbx_preserves_parent_mean_unclipped():
    # Bounds far from the parents make both spread factors equal, so the
    # children sit symmetrically around the parents' mean and are never clipped.
    rng = np.random.default_rng(12)
    first = rng.uniform(-1.0, 1.0, (500, 4))
    second = rng.uniform(-1.0, 1.0, (500, 4))
    lower, upper = np.full(4, -1e6), np.full(4, 1e6)
    child_a, child_b = sbx_crossover(
        first, second, lower, upper, eta=20.0, probability=1.0, rng=rng
    )
    assert (child_a != first).any()
    np.testing.assert_allclose(child_a + child_b, first + second, rtol=0, atol=1e-12)


def test_sbx_probability_zero_copies_parents():
    rng = np.random.default_rng(13)
    first = rng.random((50, 3))
    second = rng.random((50, 3))
    child_a, child_b = sbx_crossover(
        first, second, np.zeros(3), np.ones(3), eta=20.0, probability=0.0, rng=rng
    )
    np.testing.assert_array_equal(child_a, first)
    np.testing.assert_array_equal(child_b, second)


def test_sbx_identical_parents_give_copies():
    rng = np.random.default_rng(14)
    parents = rng.random((200, 3))
    child_a, child_b = sbx_crossover(
        parents,
        parents.copy(),
        np.zeros(3),
        np.ones(3),
        eta=20.0,
        probability=1.0,
        rng=rng,
    )
    np.testing.assert_array_equal(child_a, parents)
    np.testing.assert_array_equal(child_b, parents)


def test_sbx_pair_probability_respected():
    # With probability 0.3 a pair crosses, then each gene with probability 0.5,
    # so a one-gene pair changes with probability 0.15.
    first = np.full((N_DRAWS, 1), 0.2)
    second = np.full((N_DRAWS, 1), 0.7)
    child_a, _ = sbx_crossover(
        first,
        second,
        np.zeros(1),
        np.ones(1),
        eta=20.0,
        probability=0.3,
        rng=np.random.default_rng(15),
    )
    n_changed = int((child_a != first).sum())
    assert stats.binomtest(n_changed, N_DRAWS, 0.15).pvalue > P_THRESHOLD


def test_sbx_leaves_inputs_unchanged():
    rng = np.random.default_rng(16)
    first, second = rng.random((20, 3)), rng.random((20, 3))
    lower, upper = np.zeros(3), np.ones(3)
    saved = [array.copy() for array in (first, second, lower, upper)]
    sbx_crossover(first, second, lower, upper, eta=20.0, probability=1.0, rng=rng)
    for array, before in zip((first, second, lower, upper), saved, strict=True):
        np.testing.assert_array_equal(array, before)


# Polynomial mutation -----------------------------------------------------------

MUTATION_CASES = [
    # (gene, lower bound, upper bound, eta)
    (0.5, 0.0, 1.0, 20.0),
    (0.0, 0.0, 1.0, 20.0),
    (1.0, 0.0, 1.0, 5.0),
    (0.9, 0.0, 1.0, 2.0),
    (-4.0, -5.0, 5.0, 0.5),
]


def moopt_mutation(value, low, high, eta, n_draws, seed):
    genomes = np.full((n_draws, 1), value)
    mutants = polynomial_mutation(
        genomes,
        np.array([low]),
        np.array([high]),
        eta=eta,
        probability=1.0,
        rng=np.random.default_rng(seed),
    )
    return mutants[:, 0]


@pytest.mark.parametrize(("value", "low", "high", "eta"), MUTATION_CASES)
def test_mutation_matches_reference_distribution(value, low, high, eta):
    mutants = moopt_mutation(value, low, high, eta, N_DRAWS, seed=21)
    reference = reference_mutation(value, low, high, eta, N_DRAWS, seed=22)
    assert_same_distribution(mutants, reference)


@pytest.mark.parametrize(("value", "low", "high", "eta"), MUTATION_CASES)
def test_mutation_matches_pymoo_distribution(value, low, high, eta):
    mutants = moopt_mutation(value, low, high, eta, N_DRAWS, seed=23)
    reference = mut_pm(
        np.full((N_DRAWS, 1), value),
        np.array([low]),
        np.array([high]),
        np.full(N_DRAWS, eta),
        np.ones(N_DRAWS),
        False,
        random_state=np.random.default_rng(24),
    )[:, 0]
    assert_same_distribution(mutants, reference)


def test_mutation_distribution_check_detects_other_eta():
    mutants = moopt_mutation(0.5, 0.0, 1.0, 20.0, N_DRAWS, seed=25)
    other = reference_mutation(0.5, 0.0, 1.0, 10.0, N_DRAWS, seed=26)
    assert stats.ks_2samp(mutants, other).pvalue < P_THRESHOLD


@pytest.mark.parametrize("eta", [0.5, 2.0, 20.0, 100.0])
def test_mutation_stays_within_bounds(eta):
    rng = np.random.default_rng(31)
    n_genomes, n_genes = 2000, 6
    lower, upper = random_bounds(n_genes, rng)
    genomes = rng.uniform(lower, upper, (n_genomes, n_genes))
    genomes = move_some_genes_to_bounds(genomes, lower, upper, rng)
    mutants = polynomial_mutation(
        genomes, lower, upper, eta=eta, probability=1.0, rng=rng
    )
    assert mutants.shape == genomes.shape
    assert np.isfinite(mutants).all()
    assert (mutants >= lower).all()
    assert (mutants <= upper).all()


def test_mutation_probability_zero_copies():
    rng = np.random.default_rng(32)
    genomes = rng.random((50, 4))
    mutants = polynomial_mutation(
        genomes, np.zeros(4), np.ones(4), eta=20.0, probability=0.0, rng=rng
    )
    np.testing.assert_array_equal(mutants, genomes)
    assert mutants is not genomes


def test_mutation_gene_probability_respected():
    genomes = np.full((N_DRAWS, 1), 0.5)
    mutants = polynomial_mutation(
        genomes,
        np.zeros(1),
        np.ones(1),
        eta=20.0,
        probability=0.2,
        rng=np.random.default_rng(33),
    )
    n_changed = int((mutants != genomes).sum())
    assert stats.binomtest(n_changed, N_DRAWS, 0.2).pvalue > P_THRESHOLD


def test_mutation_leaves_inputs_unchanged():
    rng = np.random.default_rng(34)
    genomes = rng.random((20, 3))
    lower, upper = np.zeros(3), np.ones(3)
    saved = [array.copy() for array in (genomes, lower, upper)]
    polynomial_mutation(genomes, lower, upper, eta=20.0, probability=1.0, rng=rng)
    for array, before in zip((genomes, lower, upper), saved, strict=True):
        np.testing.assert_array_equal(array, before)


# Binary tournament -------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_members", "n_parents"), [(10, 9), (2, 1), (3, 7), (5, 100)]
)
def test_tournament_returns_requested_count(n_members, n_parents):
    rng = np.random.default_rng(41)
    ranks = rng.integers(0, 3, n_members)
    crowding = rng.random(n_members)
    parents = binary_tournament(ranks, crowding, n_parents, rng)
    assert parents.shape == (n_parents,)
    assert np.issubdtype(parents.dtype, np.integer)
    assert ((parents >= 0) & (parents < n_members)).all()


def test_tournament_zero_parents_empty():
    parents = binary_tournament(np.zeros(4), np.zeros(4), 0, np.random.default_rng(46))
    assert parents.shape == (0,)


def test_tournament_lower_rank_wins():
    # Rank decides before crowding distance.
    ranks = np.array([1, 0])
    crowding = np.array([np.inf, 0.0])
    for seed in range(50):
        parents = binary_tournament(ranks, crowding, 1, np.random.default_rng(seed))
        assert parents.tolist() == [1]


def test_tournament_larger_crowding_wins():
    ranks = np.array([2, 2])
    crowding = np.array([0.5, 1.5])
    for seed in range(50):
        parents = binary_tournament(ranks, crowding, 1, np.random.default_rng(seed))
        assert parents.tolist() == [1]


def test_tournament_full_tie_fair_coin():
    ranks = np.zeros(2, dtype=np.int64)
    crowding = np.ones(2)
    parents = binary_tournament(ranks, crowding, N_DRAWS, np.random.default_rng(42))
    assert stats.binomtest(int((parents == 0).sum()), N_DRAWS, 0.5).pvalue > P_THRESHOLD


def test_tournament_one_round_each_member_once():
    # Asking for half the population as parents runs one tournament per
    # disjoint pair: the best member wins exactly once, the worst never.
    ranks = np.arange(10)
    crowding = np.zeros(10)
    for seed in range(30):
        parents = binary_tournament(ranks, crowding, 5, np.random.default_rng(seed))
        assert (parents == 0).sum() == 1
        assert (parents == 9).sum() == 0
        assert len(set(parents.tolist())) == 5


def test_tournament_members_take_part_equally():
    # A unique best member wins every tournament it takes part in, so its
    # count of wins is its count of tournaments: at most 2 * 1000 / 10.
    n_members, n_parents = 10, 1000
    expected = 2 * n_parents // n_members
    rng = np.random.default_rng(43)
    for best in range(n_members):
        ranks = np.ones(n_members, dtype=np.int64)
        ranks[best] = 0
        parents = binary_tournament(ranks, np.zeros(n_members), n_parents, rng)
        wins = int((parents == best).sum())
        assert 0.85 * expected <= wins <= expected


def test_tournament_equal_members_chosen_uniformly():
    n_members = 8
    parents = binary_tournament(
        np.zeros(n_members, dtype=np.int64),
        np.ones(n_members),
        N_DRAWS,
        np.random.default_rng(44),
    )
    counts = np.bincount(parents, minlength=n_members)
    assert stats.chisquare(counts).pvalue > P_THRESHOLD


def test_tournament_leaves_inputs_unchanged():
    ranks = np.array([0, 1, 0, 2])
    crowding = np.array([np.inf, 1.0, 0.5, np.inf])
    saved = ranks.copy(), crowding.copy()
    binary_tournament(ranks, crowding, 6, np.random.default_rng(45))
    np.testing.assert_array_equal(ranks, saved[0])
    np.testing.assert_array_equal(crowding, saved[1])


# Categorical operators ---------------------------------------------------------


def test_categorical_mutation_always_changes_choice():
    n_choices = np.array([2.0, 3.0, 7.0])
    rng = np.random.default_rng(51)
    indices = np.floor(rng.random((N_DRAWS, 3)) * n_choices)
    mutants = categorical_mutation(indices, n_choices, 1.0, rng)
    assert (mutants != indices).all()
    assert (mutants >= 0).all()
    assert (mutants < n_choices).all()
    np.testing.assert_array_equal(mutants, np.round(mutants))


def test_categorical_mutation_one_choice_unchanged():
    indices = np.zeros((500, 2))
    n_choices = np.array([1.0, 1.0])
    mutants = categorical_mutation(indices, n_choices, 1.0, np.random.default_rng(52))
    np.testing.assert_array_equal(mutants, indices)


def test_categorical_mutation_uniform_over_others():
    # From choice 2 of 5, each of the four other choices is equally likely.
    indices = np.full((N_DRAWS, 1), 2.0)
    mutants = categorical_mutation(
        indices, np.array([5.0]), 1.0, np.random.default_rng(53)
    )
    counts = np.bincount(mutants[:, 0].astype(int), minlength=5)
    assert counts[2] == 0
    assert stats.chisquare(counts[[0, 1, 3, 4]]).pvalue > P_THRESHOLD


def test_categorical_mutation_probability_respected():
    indices = np.zeros((N_DRAWS, 1))
    n_choices = np.array([4.0])
    unchanged = categorical_mutation(indices, n_choices, 0.0, np.random.default_rng(54))
    np.testing.assert_array_equal(unchanged, indices)
    mutants = categorical_mutation(indices, n_choices, 0.25, np.random.default_rng(55))
    n_changed = int((mutants != indices).sum())
    assert stats.binomtest(n_changed, N_DRAWS, 0.25).pvalue > P_THRESHOLD


def test_categorical_crossover_swaps_genes():
    rng = np.random.default_rng(56)
    first = rng.integers(0, 4, (N_DRAWS, 3)).astype(float)
    second = rng.integers(0, 4, (N_DRAWS, 3)).astype(float)
    child_a, child_b = categorical_crossover(first, second, 1.0, rng)
    # Each gene position keeps both parent values, maybe swapped.
    unswapped = (child_a == first) & (child_b == second)
    swapped = (child_a == second) & (child_b == first)
    assert (unswapped | swapped).all()
    differing = first != second
    n_swapped = int((swapped & differing).sum())
    assert stats.binomtest(n_swapped, int(differing.sum()), 0.5).pvalue > P_THRESHOLD


def test_categorical_crossover_probability_zero():
    rng = np.random.default_rng(57)
    first = rng.integers(0, 4, (100, 3)).astype(float)
    second = rng.integers(0, 4, (100, 3)).astype(float)
    child_a, child_b = categorical_crossover(first, second, 0.0, rng)
    np.testing.assert_array_equal(child_a, first)
    np.testing.assert_array_equal(child_b, second)


def test_categorical_operators_leave_inputs_unchanged():
    rng = np.random.default_rng(58)
    first = rng.integers(0, 3, (30, 2)).astype(float)
    second = rng.integers(0, 3, (30, 2)).astype(float)
    n_choices = np.array([3.0, 3.0])
    saved = [array.copy() for array in (first, second, n_choices)]
    categorical_crossover(first, second, 1.0, rng)
    categorical_mutation(first, n_choices, 1.0, rng)
    for array, before in zip((first, second, n_choices), saved, strict=True):
        np.testing.assert_array_equal(array, before)
