"""Benchmarks of chainrule against hand-written NumPy, PyTorch, JAX and autograd.

Run ``python -m bench --help`` from the repository root; see ``bench/README.md``.
Importing this package imports nothing else, so that ``python -m bench`` can set the
thread environment before NumPy loads.
"""
