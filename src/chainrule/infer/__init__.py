"""Bayesian inference: MCMC samplers and their diagnostics.

Sampling: :func:`nuts` and :func:`hmc` (gradient-based, warm-up adapts the step size and mass
matrix), :func:`metropolis` and :func:`ensemble` (gradient-free baselines).  Diagnostics:
:func:`rhat`, :func:`ess`, :func:`mcse`, :func:`hdi`, :func:`bfmi` and the :func:`summary`
table, on draws shaped ``(chains, draws, ...)``.  See ``docs/infer-sampling.md``.
"""

# Sampling and diagnostics.
from ._hmc import SampleResult, hmc  # noqa: F401
from ._nuts import nuts  # noqa: F401
from ._metropolis import metropolis  # noqa: F401
from ._ensemble import ensemble  # noqa: F401
from ._diagnostics import bfmi, ess, hdi, mcse, rhat, split_chains  # noqa: F401
from ._summary import Summary, summary  # noqa: F401

__all__ = ["SampleResult", "Summary", "bfmi", "ensemble", "ess", "hdi", "hmc", "mcse",
           "metropolis", "nuts", "rhat", "split_chains", "summary"]
