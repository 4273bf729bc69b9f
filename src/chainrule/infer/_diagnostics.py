"""Convergence diagnostics of Markov chains: split-R-hat, bulk and tail ESS, MCSE, BFMI, HDI.

Every function takes draws shaped ``(chains, draws, ...)`` and works on concrete arrays with
NumPy (diagnostics run after sampling, outside any transform).  The estimators follow Vehtari,
Gelman, Simpson, Carpenter and Buerkner (2021), "Rank-normalization, folding, and localization:
an improved R-hat for assessing convergence of MCMC", the algorithm Stan and ArviZ implement:
chains are split in halves, draws are rank-normalized, and the autocorrelation sum is truncated
with Geyer's initial monotone sequence.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

__all__ = ["bfmi", "ess", "hdi", "mcse", "rhat", "split_chains"]


def as_chains(x, name):
    x = np.asarray(x, dtype=float)
    if x.ndim < 2:
        raise ValueError(f"{name} takes draws shaped (chains, draws, ...); got an array of shape "
                         f"{x.shape}. For a single chain, pass x[None].")
    return x


def _per_scalar(fn, x):
    """Apply ``fn`` (a function of a (chains, draws) array) to every trailing coordinate.

    A coordinate with a NaN draw gets NaN, as in ArviZ: rank normalization would otherwise
    rank the NaN after every number and return a plausible but meaningless R-hat or ESS.
    """
    rest = x.shape[2:]
    flat = x.reshape(x.shape[0], x.shape[1], -1)
    out = np.array([np.nan if np.isnan(flat[:, :, i]).any() else fn(flat[:, :, i])
                    for i in range(flat.shape[2])], dtype=float)
    return out.reshape(rest) if rest else out.reshape(())[()]


def split_chains(x):
    """Split each chain in two halves: ``(chains, draws)`` -> ``(2 * chains, draws // 2)``.

    With an odd number of draws the middle draw is left out, so both halves have equal length.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import infer
    >>> infer.split_chains(np.arange(10.0).reshape(2, 5))
    array([[0., 1.],
           [5., 6.],
           [3., 4.],
           [8., 9.]])
    """
    x = np.asarray(x)
    half = x.shape[1] // 2
    return np.concatenate([x[:, :half], x[:, x.shape[1] - half:]], axis=0)


def _average_ranks(v):
    """Ranks 1..n of a flat array, ties given the average of their ranks."""
    order = np.argsort(v, kind="mergesort")
    sorted_v = v[order]
    # Runs of equal values share the mean of the ranks they span.
    starts = np.r_[True, sorted_v[1:] != sorted_v[:-1]]
    run_id = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    last = np.r_[first[1:], v.size] - 1
    ranks = np.empty(v.size)
    ranks[order] = (first[run_id] + last[run_id]) / 2.0 + 1.0
    return ranks


def _rank_normalize(x):
    """Normal scores of the pooled ranks (Blom's offsets 3/8, as in the paper)."""
    r = _average_ranks(x.ravel()).reshape(x.shape)
    return ndtri((r - 0.375) / (x.size + 0.25))


def _autocovariance(x):
    """Biased autocovariance of each row of ``x`` at every lag, through the FFT."""
    n = x.shape[1]
    centered = x - x.mean(axis=1, keepdims=True)
    size = 2 ** int(np.ceil(np.log2(2 * n)))
    f = np.fft.rfft(centered, n=size, axis=1)
    return np.fft.irfft(f * np.conj(f), n=size, axis=1)[:, :n] / n


def _ess_raw(x):
    """Effective sample size of a (chains, draws) array (no splitting, no normalization)."""
    m, n = x.shape
    if n < 4 or not np.all(np.isfinite(x)):
        return np.nan
    if np.ptp(x) == 0:
        return np.nan
    acov = _autocovariance(x)
    w = acov[:, 0].mean() * n / (n - 1.0)        # mean within-chain variance
    var_plus = w * (n - 1.0) / n
    if m > 1:
        var_plus += np.var(x.mean(axis=1), ddof=1)
    rho = np.zeros(n)
    rho[0] = even = 1.0
    rho[1] = odd = 1.0 - (w - acov[:, 1].mean()) / var_plus
    # Geyer's initial positive sequence: sum pairs of lags while the pair sum stays positive.
    t = 1
    while t < n - 3 and even + odd > 0.0:
        even = 1.0 - (w - acov[:, t + 1].mean()) / var_plus
        odd = 1.0 - (w - acov[:, t + 2].mean()) / var_plus
        if even + odd >= 0.0:
            rho[t + 1], rho[t + 2] = even, odd
        t += 2
    last = t - 2
    if even > 0.0:
        rho[last + 1] = even
    # Geyer's initial monotone sequence: pair sums may not increase.
    t = 1
    while t <= last - 2:
        if rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t]:
            rho[t + 1] = rho[t + 2] = (rho[t - 1] + rho[t]) / 2.0
        t += 2
    total = m * n
    tau = -1.0 + 2.0 * rho[:last + 1].sum() + rho[last + 1:last + 2].sum()
    # The paper's safeguard against antithetic chains estimating more than n log10(n).
    tau = max(tau, 1.0 / np.log10(total))
    return total / tau


def _rhat_raw(x):
    m, n = x.shape
    if not np.all(np.isfinite(x)) or np.ptp(x) == 0:
        return np.nan
    between = n * np.var(x.mean(axis=1), ddof=1)
    within = np.mean(np.var(x, axis=1, ddof=1))
    return np.sqrt((between / within + n - 1) / n)


def _fold(x):
    return np.abs(x - np.median(x))


def _ess_one(x, method, prob):
    if method == "bulk":
        return _ess_raw(_rank_normalize(split_chains(x)))
    if method == "tail":
        lo = _ess_raw(split_chains((x <= np.quantile(x, 0.05)).astype(float)))
        hi = _ess_raw(split_chains((x <= np.quantile(x, 0.95)).astype(float)))
        return min(lo, hi)
    if method == "mean":
        return _ess_raw(split_chains(x))
    if method == "sd":
        return _ess_raw(split_chains((x - x.mean()) ** 2))
    if method == "quantile":
        return _ess_raw(split_chains((x <= np.quantile(x, prob)).astype(float)))
    raise ValueError(f"ess: unknown method {method!r}; use 'bulk', 'tail', 'mean', 'sd' or "
                     "'quantile'.")


def ess(x, *, method="bulk", prob=None):
    """Effective sample size of draws shaped ``(chains, draws, ...)``.

    Parameters
    ----------
    x : array_like
        Draws with chains on axis 0 and draws on axis 1; trailing axes are separate
        quantities, each with its own ESS.
    method : {"bulk", "tail", "mean", "sd", "quantile"}
        ``"bulk"``: ESS of the rank-normalized split chains (reliability of the centre of the
        distribution).  ``"tail"``: the smaller ESS of the 5% and 95% quantile indicators.
        ``"mean"``: ESS of the split chains themselves (the one behind the MCSE of the mean).
        ``"sd"``: ESS of the squared deviations ``(x - mean(x))**2`` (the one behind the
        MCSE of the standard deviation).  ``"quantile"``: ESS of the
        indicator ``x <= quantile(x, prob)``.
    prob : float, optional
        The quantile for ``method="quantile"``.

    Returns
    -------
    float or numpy.ndarray
        One ESS per trailing coordinate.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import infer
    >>> draws = np.random.default_rng(0).normal(size=(4, 1000))
    >>> bool(3000 < infer.ess(draws) < 5000)
    True
    """
    x = as_chains(x, "ess")
    if method == "quantile" and prob is None:
        raise ValueError("ess(method='quantile') needs prob=, the quantile in (0, 1).")
    return _per_scalar(lambda c: _ess_one(c, method, prob), x)


def rhat(x, *, method="rank"):
    """Potential scale reduction R-hat of draws shaped ``(chains, draws, ...)``.

    Parameters
    ----------
    x : array_like
        Draws with chains on axis 0 and draws on axis 1.
    method : {"rank", "split", "folded"}
        ``"rank"`` (default): the larger of the split-R-hat of the rank-normalized draws and
        of the rank-normalized folded draws ``|x - median(x)|`` (Vehtari et al. 2021).
        ``"split"``: the classic split-R-hat of the draws themselves.  ``"folded"``: only the
        folded part.

    Returns
    -------
    float or numpy.ndarray
        Values near 1 (below 1.01) indicate the chains mix; NaN for constant draws.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import infer
    >>> draws = np.random.default_rng(0).normal(size=(4, 1000))
    >>> bool(abs(infer.rhat(draws) - 1) < 0.01)
    True
    """
    x = as_chains(x, "rhat")

    def one(c):
        if method == "split":
            return _rhat_raw(split_chains(c))
        folded = _rhat_raw(_rank_normalize(split_chains(_fold(c))))
        if method == "folded":
            return folded
        if method == "rank":
            return max(_rhat_raw(_rank_normalize(split_chains(c))), folded)
        raise ValueError(f"rhat: unknown method {method!r}; use 'rank', 'split' or 'folded'.")

    return _per_scalar(one, x)


def mcse(x, *, method="mean"):
    """Monte-Carlo standard error of the posterior mean or standard deviation.

    ``method="mean"``: ``sd(x) / sqrt(ess(x, method="mean"))``.  ``method="sd"``: the delta
    method on the variance estimate, with the ESS of the squared centered draws.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import infer
    >>> draws = np.random.default_rng(0).normal(size=(4, 1000))
    >>> bool(0.01 < infer.mcse(draws) < 0.02)
    True
    """
    x = as_chains(x, "mcse")

    def one(c):
        if method == "mean":
            return np.std(c, ddof=1) / np.sqrt(_ess_raw(split_chains(c)))
        if method == "sd":
            sq = (c - c.mean()) ** 2
            var = sq.mean()
            var_of_var = ((sq ** 2).mean() - var ** 2) / _ess_raw(split_chains(sq))
            return np.sqrt(var_of_var / var / 4.0)
        raise ValueError(f"mcse: unknown method {method!r}; use 'mean' or 'sd'.")

    return _per_scalar(one, x)


def hdi(x, prob=0.94):
    """Highest-density interval: the narrowest interval holding ``prob`` of the draws.

    ``x`` is shaped ``(chains, draws, ...)`` (all chains pooled) or 1-D.  Returns an array
    with a trailing axis of size 2 (lower, upper).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import infer
    >>> lo, hi = infer.hdi(np.random.default_rng(0).normal(size=(4, 5000)))
    >>> bool(abs(lo + 1.88) < 0.1 and abs(hi - 1.88) < 0.1)
    True
    """
    if not 0 < prob <= 1:
        raise ValueError(f"hdi: prob must be a probability in (0, 1], got {prob!r} "
                         "(for a 94% interval pass prob=0.94)")
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[None]
    flat = x.reshape(x.shape[0] * x.shape[1], -1)
    n = flat.shape[0]
    if n < 2:
        raise ValueError(f"hdi: needs at least 2 draws, got {n}")
    # prob=1 (or prob * n rounding up to n) is the whole range: the widest gap is n - 1.
    inside = min(int(np.floor(prob * n)), n - 1)
    out = []
    for col in flat.T:
        s = np.sort(col)
        widths = s[inside:] - s[:n - inside]
        i = int(np.argmin(widths))
        out.append((s[i], s[i + inside]))
    return np.array(out).reshape(x.shape[2:] + (2,))


def bfmi(energy):
    """Energy Bayesian fraction of missing information, one value per chain.

    ``energy`` is shaped ``(chains, draws)`` (``result.stats["energy"]``).  Values below 0.3
    suggest the momentum resampling explores the energy poorly (heavy tails, funnels).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import infer
    >>> e = np.random.default_rng(0).normal(size=(2, 2000))
    >>> bool(np.all(np.abs(infer.bfmi(e) - 2) < 0.2))
    True
    """
    e = as_chains(energy, "bfmi")
    # sum of squared differences over sum of squared deviations (Betancourt 2016)
    return np.mean(np.diff(e, axis=1) ** 2, axis=1) / np.var(e, axis=1, ddof=1)
