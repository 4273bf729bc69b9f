"""``scipy.integrate`` with derivatives: integration of samples (``trapezoid``,
``simpson``, ``cumulative_trapezoid``, ``cumulative_simpson``, ``romb``) and of functions
(``fixed_quad``, ``quad``, ``dblquad``), differentiable under ``jit`` and ``vmap``.  On plain
inputs the results are SciPy's own.  See ``docs/scipy-integrate.md``."""

from chainrule._src.scipy.integrate import (  # noqa: F401
    cumulative_simpson, cumulative_trapezoid, dblquad, fixed_quad, quad, romb, simpson,
    trapezoid,
)

__all__ = ["cumulative_simpson", "cumulative_trapezoid", "dblquad", "fixed_quad", "quad",
           "romb", "simpson", "trapezoid"]
