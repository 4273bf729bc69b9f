"""``summary``: the table of posterior means, spreads, intervals and diagnostics."""

from __future__ import annotations

import numpy as np

from chainrule.tree_util import tree_flatten

from ._diagnostics import as_chains, ess, hdi, mcse, rhat

__all__ = ["Summary", "summary"]

_COLUMNS = ("mean", "sd", "hdi_lo", "hdi_hi", "mcse_mean", "mcse_sd", "ess_bulk", "ess_tail",
            "r_hat")


class Summary:
    """A table with one row per scalar parameter; ``table[column]`` is a NumPy array.

    Attributes
    ----------
    names : list of str
        Row labels, such as ``"theta[2]"``.
    columns : dict of str to numpy.ndarray
        ``mean``, ``sd``, ``hdi_lo``, ``hdi_hi`` (the bounds of the ``hdi_prob`` interval),
        ``mcse_mean``, ``mcse_sd``, ``ess_bulk``, ``ess_tail``, ``r_hat``.
    """

    def __init__(self, names, columns, hdi_prob):
        self.names, self.columns, self.hdi_prob = names, columns, hdi_prob

    def __getitem__(self, column):
        return self.columns[column]

    def row(self, name):
        """The row of parameter ``name`` as a dict."""
        if name not in self.names:
            raise ValueError(f"Summary.row: no parameter {name!r}; the rows are {self.names}")
        i = self.names.index(name)
        return {c: float(v[i]) for c, v in self.columns.items()}

    def __repr__(self):
        lo = f"hdi_{100 * (1 - self.hdi_prob) / 2:g}%"
        hi = f"hdi_{100 * (1 + self.hdi_prob) / 2:g}%"
        heads = ["mean", "sd", lo, hi, "mcse_mean", "mcse_sd", "ess_bulk", "ess_tail", "r_hat"]
        width = max([len(n) for n in self.names] + [4])
        lines = [" " * width + "".join(f"{h:>11}" for h in heads)]
        for i, name in enumerate(self.names):
            cells = []
            for c in _COLUMNS:
                v = self.columns[c][i]
                cells.append(f"{v:>11.0f}" if c.startswith("ess") else f"{v:>11.3f}")
            lines.append(f"{name:<{width}}" + "".join(cells))
        return "\n".join(lines)


def _leaf_names(samples):
    if isinstance(samples, dict):
        return [str(k) for k in samples.keys()], list(samples.values())
    leaves, _ = tree_flatten(samples)
    if len(leaves) == 1 and not isinstance(samples, (list, tuple)):
        return ["x"], leaves
    return [f"x{i}" for i in range(len(leaves))], leaves


def summary(samples, *, hdi_prob=0.94):
    """Posterior summary of draws: mean, sd, HDI, MCSE, bulk/tail ESS and rank R-hat.

    Parameters
    ----------
    samples : array or pytree of arrays
        Each leaf shaped ``(chains, draws, ...)``; a dict names its rows by its keys
        (``result.samples`` of a sampler).
    hdi_prob : float
        Probability mass of the highest-density interval (ArviZ's default, 0.94).

    Returns
    -------
    Summary
        Prints as a table; ``table["ess_bulk"]`` etc. are arrays, ``table.names`` the rows.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import infer
    >>> draws = {"mu": np.random.default_rng(0).normal(2.0, 1.0, size=(4, 500))}
    >>> table = infer.summary(draws)
    >>> table.names
    ['mu']
    >>> bool(abs(table.row("mu")["mean"] - 2) < 0.1 and table.row("mu")["r_hat"] < 1.01)
    True
    """
    names, leaves = _leaf_names(samples)
    rows, cols = [], {c: [] for c in _COLUMNS}
    for name, leaf in zip(names, leaves):
        x = as_chains(leaf, "summary")
        flat = x.reshape(x.shape[0], x.shape[1], -1)
        for j, idx in enumerate(np.ndindex(*x.shape[2:]) if x.ndim > 2 else [()]):
            c = flat[:, :, j]
            rows.append(name + ("[" + ",".join(map(str, idx)) + "]" if idx else ""))
            lo, hi = hdi(c, hdi_prob)
            cols["mean"].append(c.mean())
            cols["sd"].append(c.std(ddof=1))
            cols["hdi_lo"].append(lo)
            cols["hdi_hi"].append(hi)
            cols["mcse_mean"].append(mcse(c, method="mean"))
            cols["mcse_sd"].append(mcse(c, method="sd"))
            cols["ess_bulk"].append(ess(c, method="bulk"))
            cols["ess_tail"].append(ess(c, method="tail"))
            cols["r_hat"].append(rhat(c))
    return Summary(rows, {k: np.array(v, dtype=float) for k, v in cols.items()}, hdi_prob)
