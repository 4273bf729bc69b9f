"""``scipy.integrate`` with derivatives: integration of samples (``trapezoid``,
``simpson``, ``cumulative_trapezoid``, ``cumulative_simpson``, ``romb``), of functions
(``fixed_quad``, ``quad``, ``dblquad``) and of ODEs (``solve_ivp``, ``odeint``, also in
``chainrule.ode``), differentiable under ``jit`` and ``vmap``.  On plain inputs the
quadrature results are SciPy's own.  See ``docs/scipy-integrate.md`` and ``docs/ode.md``."""

from chainrule._src.scipy.integrate import (  # noqa: F401
    cumulative_simpson, cumulative_trapezoid, dblquad, fixed_quad, quad, romb, simpson,
    trapezoid,
)
from chainrule._src.scipy.ode.dense import OdeSolution  # noqa: F401
from chainrule._src.scipy.ode.odeint import odeint  # noqa: F401
from chainrule._src.scipy.ode.solve_ivp import OdeResult, solve_ivp  # noqa: F401

__all__ = ["OdeResult", "OdeSolution", "cumulative_simpson", "cumulative_trapezoid", "dblquad",
           "fixed_quad", "odeint", "quad", "romb", "simpson", "solve_ivp", "trapezoid"]
