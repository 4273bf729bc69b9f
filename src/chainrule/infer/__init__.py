"""Bayesian inference and forecasting on log-densities written with ``chainrule.numpy``.

A model is a log-density over a pytree of parameters, ``logdensity(params) -> scalar``.

Sampling: :func:`nuts` and :func:`hmc` (gradient-based, warm-up adapts the step size and mass
matrix), :func:`metropolis` and :func:`ensemble` (gradient-free baselines).  Diagnostics:
:func:`rhat`, :func:`ess`, :func:`mcse`, :func:`hdi`, :func:`bfmi` and the :func:`summary`
table, on draws shaped ``(chains, draws, ...)``.  Information: :func:`fisher_information`,
:func:`observed_information`, :func:`cramer_rao`; :func:`laplace` and :func:`advi`;
:func:`constrain` for constrained parameters.  Output: :func:`to_inference_data` (ArviZ),
:func:`plot_trace`, :func:`plot_corner`.  See ``docs/infer-sampling.md`` and
``docs/infer-information.md``.
"""

# Sampling and diagnostics.
from ._hmc import SampleResult, hmc  # noqa: F401
from ._nuts import nuts  # noqa: F401
from ._metropolis import metropolis  # noqa: F401
from ._ensemble import ensemble  # noqa: F401
from ._diagnostics import bfmi, ess, hdi, mcse, rhat, split_chains  # noqa: F401
from ._summary import Summary, summary  # noqa: F401
from ._arviz import to_inference_data  # noqa: F401
# Information, Laplace approximation, ADVI, constrained parameters, plots.
from ._fisher import (combine, cramer_rao, fisher_information, fix,  # noqa: F401
                      marginalize, observed_information)
from ._laplace import LaplaceResult, laplace  # noqa: F401
from ._advi import ADVIResult, advi  # noqa: F401
from ._plots import corner_plot, fisher_ellipse, plot_corner, plot_trace  # noqa: F401
from ._ravel import param_labels, ravel_params  # noqa: F401
from ._transforms import (Affine, Bijector, ConstrainedLogDensity, CorrCholesky,  # noqa: F401
                          Exp, Identity, Interval, Softplus, StickBreaking, constrain,
                          transforms)

__all__ = [
    # sampling and diagnostics
    "SampleResult", "Summary", "bfmi", "ensemble", "ess", "hdi", "hmc", "mcse", "metropolis",
    "nuts", "rhat", "split_chains", "summary", "to_inference_data",
    # information, Laplace, ADVI, transforms, plots
    "ADVIResult", "advi",
    "Affine", "Bijector", "ConstrainedLogDensity", "CorrCholesky", "Exp", "Identity",
    "Interval", "LaplaceResult", "Softplus", "StickBreaking", "combine", "constrain",
    "corner_plot", "cramer_rao", "fisher_ellipse", "fisher_information", "fix", "laplace",
    "marginalize", "observed_information", "param_labels", "plot_corner", "plot_trace",
    "ravel_params", "transforms",
]
