"""Optimization with exact derivatives: SciPy's ``scipy.optimize`` API, differentiated.

``chainrule.optimize`` (also importable as ``chainrule.scipy.optimize``) keeps SciPy's
signatures and results, so swapping the import is enough.  What chainrule adds:

- exact gradients, Jacobians, Hessian-vector products and Hessians by automatic
  differentiation wherever SciPy would use finite differences or need a hand-written
  derivative;
- pytree parameters: ``x0`` may be a dict or tuple of arrays, and ``x`` comes back with
  the same structure;
- differentiable solutions: when ``args`` hold values being differentiated,
  ``minimize(...).x``, :func:`argmin`, ``root(...).x`` and the other solvers'
  answers are differentiable with respect to them by the implicit function theorem;
- :func:`simulated_annealing`, a plain NumPy annealer with documented cooling schedules.
"""

from scipy.optimize import (Bounds, LinearConstraint, NonlinearConstraint,  # noqa: F401
                            OptimizeResult, RootResults)

from ._global import basinhopping, dual_annealing, simulated_annealing  # noqa: F401
from ._lsq import curve_fit, least_squares  # noqa: F401
from ._minimize import argmin, minimize, minimize_scalar  # noqa: F401
from ._root import newton, root, root_scalar  # noqa: F401

__all__ = ["Bounds", "LinearConstraint", "NonlinearConstraint", "OptimizeResult",
           "RootResults", "argmin", "basinhopping", "curve_fit", "dual_annealing",
           "least_squares", "minimize", "minimize_scalar", "newton", "root", "root_scalar",
           "simulated_annealing"]
