"""Offspring of a population: selection, crossover and mutation by gene kind."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from moopt import _operators as ops
from moopt._space import CATEGORICAL, Space


@dataclass(frozen=True)
class Variation:
    """The variation settings of NSGA-II over one space.

    Float and integer genes take SBX and polynomial mutation within their gene
    bounds; categorical genes take uniform crossover and resampling mutation.
    """

    space: Space
    crossover_probability: float
    crossover_eta: float
    mutation_probability: float
    mutation_eta: float

    def offspring(
        self,
        genomes: np.ndarray,
        ranks: np.ndarray,
        crowding: np.ndarray,
        n: int,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Return ``n`` canonical children of tournament-selected parents."""
        n_pairs = -(-n // 2)
        parents = ops.binary_tournament(ranks, crowding, 2 * n_pairs, rng)
        first = genomes[parents[:n_pairs]]
        second = genomes[parents[n_pairs:]]
        children = np.concatenate(self._crossover(first, second, rng))[:n]
        return self.space.canonical(self._mutate(children, rng))

    def resample_genes(
        self, genomes: np.ndarray, n_genes: int, rng: np.random.Generator
    ) -> np.ndarray:
        """Return copies with ``n_genes`` random genes of each row drawn uniformly."""
        n_rows, n_columns = genomes.shape
        ranks = np.argsort(rng.random((n_rows, n_columns)), axis=1)
        chosen = ranks < min(n_genes, n_columns)
        fresh = self.space.sample(n_rows, rng)
        return np.where(chosen, fresh, genomes)

    def _crossover(
        self, first: np.ndarray, second: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        numeric = self.space.kinds != CATEGORICAL
        child_a, child_b = first.copy(), second.copy()
        if numeric.any():
            child_a[:, numeric], child_b[:, numeric] = ops.sbx_crossover(
                first[:, numeric],
                second[:, numeric],
                self.space.lower[numeric],
                self.space.upper[numeric],
                eta=self.crossover_eta,
                probability=self.crossover_probability,
                rng=rng,
            )
        if not numeric.all():
            child_a[:, ~numeric], child_b[:, ~numeric] = ops.categorical_crossover(
                first[:, ~numeric], second[:, ~numeric], self.crossover_probability, rng
            )
        return child_a, child_b

    def _mutate(self, children: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        numeric = self.space.kinds != CATEGORICAL
        lower, upper = self.space.lower, self.space.upper
        if numeric.any():
            children[:, numeric] = ops.polynomial_mutation(
                children[:, numeric],
                lower[numeric],
                upper[numeric],
                eta=self.mutation_eta,
                probability=self.mutation_probability,
                rng=rng,
            )
        if not numeric.all():
            # Categorical genes span [-0.5, n_choices - 0.5], so upper + 0.5 is
            # the number of choices.
            children[:, ~numeric] = ops.categorical_mutation(
                children[:, ~numeric],
                upper[~numeric] + 0.5,
                self.mutation_probability,
                rng,
            )
        return children
