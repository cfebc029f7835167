"""Benchmark scripts (not part of the product): synthetic corpus, retrieval, build and quality.

Each script writes one JSON record per run to bench/results/; see bench/README.md.
"""
