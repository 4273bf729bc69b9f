"""``scipy.special`` with derivatives: the same names and signatures, differentiable.

SciPy's ufuncs (``gammaln``, ``erf``, ``iv``, ...) are exported as SciPy's own objects, so
calls on plain arrays are exactly SciPy's; on traced values they are differentiated.  See
``docs/scipy-special.md`` for which arguments of each function have derivatives.
"""

from chainrule._src.scipy.special import (  # noqa: F401
    beta, betainc, betaln, digamma, entr, erf, erfc, erfcinv, erfcx, erfinv, exp1, expit, expn,
    gamma, gammainc, gammaincc, gammaln, gammasgn, i0, i0e, i1, i1e, iv, ive, j0, j1, jn, jv,
    k0, k0e, k1, k1e, kl_div, kn, kv, kve, lambertw, log_expit, log_ndtr, log_softmax, logit,
    logsumexp, multigammaln, ndtr, ndtri, owens_t, polygamma, psi, rel_entr, rgamma, sinc,
    softmax, spherical_jn, spherical_yn, xlog1py, xlogy, y0, y1, yn, yv, zeta,
)

__all__ = [
    "beta", "betainc", "betaln", "digamma", "entr", "erf", "erfc", "erfcinv", "erfcx",
    "erfinv", "exp1", "expit", "expn", "gamma", "gammainc", "gammaincc", "gammaln", "gammasgn",
    "i0", "i0e", "i1", "i1e", "iv", "ive", "j0", "j1", "jn", "jv", "k0", "k0e", "k1", "k1e",
    "kl_div", "kn", "kv", "kve", "lambertw", "log_expit", "log_ndtr", "log_softmax", "logit",
    "logsumexp", "multigammaln", "ndtr", "ndtri", "owens_t", "polygamma", "psi", "rel_entr",
    "rgamma", "sinc", "softmax", "spherical_jn", "spherical_yn", "xlog1py", "xlogy", "y0",
    "y1", "yn", "yv", "zeta",
]
