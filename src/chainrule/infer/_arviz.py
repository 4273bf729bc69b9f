"""Export of draws to ArviZ's ``InferenceData`` (ArviZ is optional: ``pip install
chainrule[infer]``)."""

from __future__ import annotations

import numpy as np

from chainrule.tree_util import tree_flatten

__all__ = ["to_inference_data"]

# Our statistic names -> ArviZ's conventional ``sample_stats`` names (those its plots and
# ``az.summary`` look for).
_STAT_NAMES = {
    "diverging": "diverging",
    "energy": "energy",
    "tree_depth": "tree_depth",
    "step_size": "step_size",
    "accept_prob": "acceptance_rate",
    "num_steps": "n_steps",
}


def _arviz():
    try:
        import arviz
    except ImportError:
        raise ImportError(
            "to_inference_data needs ArviZ, which is not installed. Install it with "
            "`pip install chainrule[infer]` (or `pip install arviz`); the diagnostics of "
            "chainrule.infer (summary, ess, rhat) work without it.") from None
    return arviz


def _posterior(samples):
    """``{name: array (chain, draw, ...)}`` from a sampler's pytree of draws."""
    if isinstance(samples, dict):
        out = {}
        for key, value in samples.items():
            leaves, _ = tree_flatten(value)
            if len(leaves) == 1:
                out[str(key)] = np.asarray(leaves[0])
            else:  # a nested container: one variable per leaf
                out.update({f"{key}_{i}": np.asarray(leaf) for i, leaf in enumerate(leaves)})
    else:
        leaves, _ = tree_flatten(samples)
        out = ({"x": np.asarray(leaves[0])} if len(leaves) == 1
               else {f"x{i}": np.asarray(leaf) for i, leaf in enumerate(leaves)})
    for name, value in out.items():
        if value.ndim < 2:
            raise ValueError(f"to_inference_data: draws of {name!r} have shape {value.shape}; "
                             "expected leading axes (chains, draws)")
    return out


def to_inference_data(result, *, coords=None, dims=None):
    """An ``arviz.InferenceData`` of a sampler's result.

    Parameters
    ----------
    result : SampleResult or pytree of arrays
        The output of :func:`nuts`, :func:`hmc`, :func:`metropolis` or :func:`ensemble`,
        or draws alone (each leaf shaped ``(chains, draws, ...)``).
    coords, dims : dict, optional
        Passed to ``arviz.from_dict`` to name the trailing axes of the parameters.

    Returns
    -------
    arviz.InferenceData
        A ``posterior`` group (one variable per parameter, dimensions ``chain`` and
        ``draw`` first) and, for a :class:`SampleResult`, a ``sample_stats`` group with
        ArviZ's names: ``diverging``, ``energy``, ``tree_depth`` (NUTS), ``step_size``,
        ``acceptance_rate`` and ``n_steps`` (leapfrog steps).

    Raises
    ------
    ImportError
        When ArviZ is not installed (``pip install chainrule[infer]``).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import infer
    >>> draws = {"mu": np.random.default_rng(0).normal(size=(2, 100))}
    >>> idata = infer.to_inference_data(draws)
    >>> dict(idata.posterior["mu"].sizes)
    {'chain': 2, 'draw': 100}
    """
    az = _arviz()
    samples = getattr(result, "samples", result)
    stats = getattr(result, "stats", None) or {}
    sample_stats = {_STAT_NAMES.get(k, k): np.asarray(v) for k, v in stats.items()}
    if "diverging" in sample_stats:
        sample_stats["diverging"] = sample_stats["diverging"].astype(bool)
    return az.from_dict(posterior=_posterior(samples), sample_stats=sample_stats or None,
                        coords=coords, dims=dims)
