"""Tests of search-space dimensions: sampling, encoding, decoding and typing.

Sampling is checked against the distribution each dimension promises, which
is uniform on the value scale or uniform in log space. Decoding is checked
against the types the objective must receive: Python floats, Python ints on
the step grid, and the original categorical choice objects.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from moopt import Categorical, Float, Int
from moopt._space import Space

N_SAMPLES = 10_000


def sample_params(space: Space, n: int, seed: int = 0) -> list[dict]:
    genomes = space.sample(n, np.random.default_rng(seed))
    return [space.decode(genome) for genome in genomes]


# Dimensions ------------------------------------------------------------------


def test_dimensions_store_bounds_as_python_numbers():
    real = Float(1, 2)
    integer = Int(np.int64(0), np.int64(10), step=np.int64(2))

    assert type(real.low) is float
    assert type(real.high) is float
    assert type(integer.low) is int
    assert type(integer.high) is int
    assert type(integer.step) is int


def test_dimensions_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Float(0.0, 1.0).low = -1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        Int(0, 5).step = 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        Categorical(["a", "b"]).choices = ("c",)


def test_categorical_index_finds_unhashable_choice():
    dimension = Categorical([[64, 64], [128], {"depth": 3}])

    assert dimension.index([128]) == 1
    assert dimension.index({"depth": 3}) == 2
    assert dimension.index([64]) is None


# Sampling distribution -------------------------------------------------------


def test_log_float_samples_uniform_in_log_space():
    space = Space({"lr": Float(1e-5, 1e-1, log=True)})
    values = np.array([params["lr"] for params in sample_params(space, N_SAMPLES)])

    assert values.min() >= 1e-5
    assert values.max() <= 1e-1
    # 1e-3 is the midpoint of [1e-5, 1e-1] on a log scale.
    assert np.mean(values < 1e-3) == pytest.approx(0.5, abs=0.02)


def test_float_samples_uniform_on_value_scale():
    space = Space({"x": Float(-2.0, 6.0)})
    values = np.array([params["x"] for params in sample_params(space, N_SAMPLES)])

    assert values.min() >= -2.0
    assert values.max() <= 6.0
    assert np.mean(values < 2.0) == pytest.approx(0.5, abs=0.02)
    assert np.mean(values < 0.0) == pytest.approx(0.25, abs=0.02)


def test_int_step_values_equally_likely():
    space = Space({"units": Int(0, 20, step=5)})
    values = [params["units"] for params in sample_params(space, N_SAMPLES)]

    assert set(values) == {0, 5, 10, 15, 20}
    for grid_value in (0, 5, 10, 15, 20):
        assert values.count(grid_value) / N_SAMPLES == pytest.approx(0.2, abs=0.02)


def test_categorical_choices_equally_likely():
    choices = ["relu", "tanh", "gelu"]
    space = Space({"activation": Categorical(choices)})
    values = [params["activation"] for params in sample_params(space, N_SAMPLES)]

    for choice in choices:
        assert values.count(choice) / N_SAMPLES == pytest.approx(1 / 3, abs=0.02)


def test_log_int_samples_spread_over_magnitudes():
    space = Space({"trees": Int(1, 1000, log=True)})
    values = np.array([params["trees"] for params in sample_params(space, N_SAMPLES)])

    assert values.min() == 1
    assert values.max() <= 1000
    # Uniform sampling on the value scale would put about 0.9 of the samples
    # in the top decade. Log-scale sampling puts roughly a third in each.
    for low, high in ((1, 9), (10, 99), (100, 1000)):
        share = np.mean((values >= low) & (values <= high))
        assert 0.25 <= share <= 0.45, (low, high, share)


# Decoded types ---------------------------------------------------------------


ODD_CHOICES = [None, [64, 64], (3, "x"), "plain"]


def mixed_space() -> Space:
    return Space(
        {
            "x": Float(-1.0, 1.0),
            "lr": Float(1e-4, 1.0, log=True),
            "units": Int(8, 64, step=8),
            "trees": Int(2, 500, log=True),
            "block": Categorical(ODD_CHOICES),
        }
    )


def test_decoded_params_typed_and_in_bounds():
    space = mixed_space()
    params_list = sample_params(space, 2000)

    for params in params_list:
        assert list(params) == ["x", "lr", "units", "trees", "block"]
        assert type(params["x"]) is float
        assert -1.0 <= params["x"] <= 1.0
        assert type(params["lr"]) is float
        assert 1e-4 <= params["lr"] <= 1.0
        assert type(params["units"]) is int
        assert 8 <= params["units"] <= 64
        assert params["units"] % 8 == 0
        assert type(params["trees"]) is int
        assert 2 <= params["trees"] <= 500
        assert any(params["block"] is choice for choice in ODD_CHOICES)


def test_decoded_params_cover_every_choice():
    params_list = sample_params(mixed_space(), 2000)

    units = {params["units"] for params in params_list}
    blocks = [params["block"] for params in params_list]
    assert units == set(range(8, 65, 8))
    for choice in ODD_CHOICES:
        assert any(block is choice for block in blocks), choice


def test_encode_decode_round_trip_keeps_params():
    space = mixed_space()
    params = {"x": -0.25, "lr": 0.5, "units": 24, "trees": 37, "block": [64, 64]}

    decoded = space.decode(space.encode(params, "params"))

    assert decoded["x"] == -0.25
    assert decoded["lr"] == pytest.approx(0.5, rel=1e-12)
    assert decoded["units"] == 24
    assert type(decoded["units"]) is int
    assert decoded["trees"] == 37
    assert type(decoded["trees"]) is int
    assert decoded["block"] is ODD_CHOICES[1]


def test_equal_genomes_after_canonical_decode_equal():
    space = Space({"n": Int(0, 4), "c": Categorical(["a", "b", "c"])})
    rng = np.random.default_rng(3)
    raw = rng.uniform(space.lower, space.upper, size=(500, 2))

    canonical = space.canonical(raw)

    # Rounding onto the grid is the whole job: each canonical genome decodes
    # to the params of the raw genome it came from, and equal params give
    # bitwise equal genomes, which duplicate detection relies on.
    by_params: dict[tuple, bytes] = {}
    for raw_row, row in zip(raw, canonical, strict=True):
        params = space.decode(row)
        assert params["n"] == math.floor(raw_row[0] + 0.5)
        key = (params["n"], params["c"])
        assert by_params.setdefault(key, row.tobytes()) == row.tobytes()
    assert len(by_params) == 15
