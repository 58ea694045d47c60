"""Finding genomes that repeat an earlier one, vectorized over 64-bit hashes."""

from __future__ import annotations

import numpy as np

# Odd 64-bit multipliers, one per gene position, for row_hashes.
_MULTIPLIERS = np.random.default_rng(0x5EED).integers(
    0, 2**63, size=4096, dtype=np.uint64
) * np.uint64(2) + np.uint64(1)


def row_hashes(genomes: np.ndarray) -> np.ndarray:
    """Return a 64-bit hash of each genome row from the bits of its genes.

    Each gene's bits are mixed (multiply, xor-shift) with a multiplier of its
    own position, and the mixed genes are summed modulo 2^64.
    """
    bits = np.ascontiguousarray(genomes, dtype=np.float64).view(np.uint64)
    multipliers = _MULTIPLIERS[np.arange(bits.shape[1]) % len(_MULTIPLIERS)]
    mixed = bits * multipliers
    mixed ^= mixed >> np.uint64(31)
    mixed *= np.uint64(0x9E3779B97F4A7C15)
    mixed ^= mixed >> np.uint64(29)
    return mixed.sum(axis=1, dtype=np.uint64)


class SeenGenomes:
    """The hashes of every genome proposed so far, kept sorted.

    Genomes must be canonical (see ``Space.canonical``), so that equal params
    give equal bits. Two distinct genomes share a hash with odds of about
    n^2 / 2^64, and then one of them is redrawn needlessly.
    """

    def __init__(self) -> None:
        self._hashes = np.zeros(0, dtype=np.uint64)

    def repeated(self, genomes: np.ndarray) -> np.ndarray:
        """Mark rows seen before or equal to an earlier row of ``genomes``."""
        hashes = row_hashes(genomes)
        position = np.searchsorted(self._hashes, hashes)
        if len(self._hashes):
            found = self._hashes[np.minimum(position, len(self._hashes) - 1)]
            seen = found == hashes
        else:
            seen = np.zeros(len(hashes), dtype=bool)
        _, first = np.unique(hashes, return_index=True)
        repeated_in_batch = np.ones(len(hashes), dtype=bool)
        repeated_in_batch[first] = False
        return seen | repeated_in_batch

    def add(self, genomes: np.ndarray) -> None:
        """Remember the rows of ``genomes``."""
        new = np.unique(row_hashes(genomes))
        self._hashes = np.insert(self._hashes, np.searchsorted(self._hashes, new), new)
