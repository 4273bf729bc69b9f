"""``scipy.optimize``'s API with exact derivatives: see :mod:`chainrule.optimize`."""

from chainrule.optimize import (argmin, basinhopping, Bounds, curve_fit, dual_annealing,
                                least_squares, LinearConstraint, minimize, minimize_scalar, newton,
                                NonlinearConstraint, OptimizeResult, root, root_scalar,
                                RootResults, simulated_annealing)

__all__ = [
    "Bounds", "LinearConstraint", "NonlinearConstraint", "OptimizeResult", "RootResults",
    "argmin", "basinhopping", "curve_fit", "dual_annealing", "least_squares", "minimize",
    "minimize_scalar", "newton", "root", "root_scalar", "simulated_annealing"
]
