"""The benchmark suite: one service written several ways, and the harness that times them.

Run it with ``make bench`` (``.venv-bench/bin/python benchmarks/run.py``); see
``benchmarks/README.md``.
"""
