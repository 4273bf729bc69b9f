"""``scipy.integrate`` with derivatives (implementations)."""

from ._quadpack import dblquad, quad
from ._quadrature import (cumulative_simpson, cumulative_trapezoid, fixed_quad, romb, simpson,
                          trapezoid)

__all__ = ["cumulative_simpson", "cumulative_trapezoid", "dblquad", "fixed_quad", "quad",
           "romb", "simpson", "trapezoid"]
