"""Benchmark suite of moopt against pymoo; run it with ``python -m benchmarks``."""
