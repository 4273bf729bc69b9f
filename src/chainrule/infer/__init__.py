"""Bayesian inference and forecasting on log-densities written with ``chainrule.numpy``.

A model is a log-density over a pytree of parameters, ``logdensity(params) -> scalar``.
"""

# Information, Laplace approximation, constrained parameters, forecast plots.
from ._fisher import (combine, cramer_rao, fisher_information, fix,  # noqa: F401
                      marginalize, observed_information)
from ._laplace import LaplaceResult, laplace  # noqa: F401
from ._plots import corner_plot, fisher_ellipse  # noqa: F401
from ._ravel import param_labels, ravel_params  # noqa: F401
from ._transforms import (Affine, Bijector, ConstrainedLogDensity, CorrCholesky,  # noqa: F401
                          Exp, Identity, Interval, Softplus, StickBreaking, constrain,
                          transforms)

__all__ = [
    # information, Laplace, transforms, plots
    "Affine", "Bijector", "ConstrainedLogDensity", "CorrCholesky", "Exp", "Identity",
    "Interval", "LaplaceResult", "Softplus", "StickBreaking", "combine", "constrain",
    "corner_plot", "cramer_rao", "fisher_ellipse", "fisher_information", "fix", "laplace",
    "marginalize", "observed_information", "param_labels", "ravel_params", "transforms",
]
