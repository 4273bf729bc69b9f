"""Global settings (``chainrule.config``).

Examples
--------
>>> import chainrule as cr
>>> cr.config.update("log_compiles", True)
>>> cr.config.log_compiles
True
>>> cr.config.update("log_compiles", False)
"""

from __future__ import annotations

log_compiles = False
"""Log each jit compilation and the reason for the cache miss (logger ``chainrule.jit``)."""

fusion = "auto"
"""Elementwise fusion under jit: ``"auto"`` (numexpr where it pays, when installed),
``"off"``, or ``"numexpr"`` (every supported elementwise group, at any size; needs numexpr).
See ``docs/guide.md`` (Compiling: jit)."""

fusion_threshold = 65536
"""Smallest result (in elements) that ``fusion="auto"`` evaluates with numexpr: below it
numexpr's threads do not start and no tree was faster than NumPy in the measurements of
``docs/design/transforms.md``."""

optimize_blas_threads_max_size = 500
"""``chainrule.optimize`` runs its solvers with a single BLAS thread (through threadpoolctl)
on problems with at most this many variables: their dense work is too small to share, and
BLAS threads waiting on a busy machine made L-BFGS-B 20 times slower.  0 turns it off.
See ``docs/optimize.md`` (BLAS threads)."""

jit_cache_size = 256
"""Most input signatures each jitted function keeps compiled; beyond it the least recently
used one is dropped (``log_compiles`` reports it) and compiled again if it comes back."""

_NAMES = ("log_compiles", "fusion", "fusion_threshold", "optimize_blas_threads_max_size",
          "jit_cache_size")

_checks = {}
"""Checks of an option's new value by the module that the option configures (``fusion``:
``compiler/fusion.py``, which registers its check when imported), so that this module,
which they all read, imports none of them."""


def update(name, value):
    """Set the option ``name`` to ``value``."""
    if name not in _NAMES:
        raise ValueError(f"unknown chainrule option {name!r}; options are {list(_NAMES)}")
    if name in _checks:
        _checks[name](value)
    elif name in ("fusion_threshold", "optimize_blas_threads_max_size") and (
            not isinstance(value, int) or value < 0):
        raise ValueError(f"chainrule.config.{name} must be a non-negative int, "
                         f"got {value!r}")
    elif name == "jit_cache_size" and (not isinstance(value, int) or isinstance(value, bool)
                                       or value < 1):
        raise ValueError(f"chainrule.config.jit_cache_size must be a positive int, "
                         f"got {value!r}")
    globals()[name] = value
