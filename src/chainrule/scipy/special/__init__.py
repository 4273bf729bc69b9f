"""``scipy.special`` with derivatives: the same names and signatures, differentiable.

SciPy's ufuncs (``gammaln``, ``erf``, ``iv``, ...) are exported as SciPy's own objects, so
calls on plain arrays are exactly SciPy's; on traced values they are differentiated.  See
``docs/scipy-special.md`` for which arguments of each function have derivatives.
"""

from chainrule._src.scipy.special import (  # noqa: F401
    bdtr, bdtrc, beta, betainc, betaincc, betainccinv, betaincinv, betaln, cbrt, chdtr, chdtrc,
    chdtri, cosdg, cosm1, cotdg, dawsn, digamma, entr, erf, erfc, erfcinv, erfcx, erfi, erfinv,
    exp1, exp10, exp2, expit, expm1, expn, fdtr, fdtrc, gamma, gammainc, gammaincc,
    gammainccinv, gammaincinv, gammaln, gammasgn, gdtr, gdtrc, hyp1f1, hyp2f1, hyperu, i0, i0e,
    i1, i1e, iv, ive, j0, j1, jn, jv, k0, k0e, k1, k1e, kl_div, kn, kv, kve, lambertw, log1p,
    log_expit, log_ndtr, log_softmax, loggamma, logit, logsumexp, multigammaln, ndtr, ndtri,
    ndtri_exp, owens_t, pdtr, pdtrc, poch, polygamma, powm1, psi, rel_entr, rgamma, sinc,
    sindg, softmax, softplus, spherical_in, spherical_jn, spherical_kn, spherical_yn, tandg,
    xlog1py, xlogy, y0, y1, yn, yv, zeta,
)

__all__ = [
    "bdtr", "bdtrc", "beta", "betainc", "betaincc", "betainccinv", "betaincinv", "betaln",
    "cbrt", "chdtr", "chdtrc", "chdtri", "cosdg", "cosm1", "cotdg", "dawsn", "digamma", "entr",
    "erf", "erfc", "erfcinv", "erfcx", "erfi", "erfinv", "exp1", "exp10", "exp2", "expit",
    "expm1", "expn", "fdtr", "fdtrc", "gamma", "gammainc", "gammaincc", "gammainccinv",
    "gammaincinv", "gammaln", "gammasgn", "gdtr", "gdtrc", "hyp1f1", "hyp2f1", "hyperu", "i0",
    "i0e", "i1", "i1e", "iv", "ive", "j0", "j1", "jn", "jv", "k0", "k0e", "k1", "k1e",
    "kl_div", "kn", "kv", "kve", "lambertw", "log1p", "log_expit", "log_ndtr", "log_softmax",
    "loggamma", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "ndtri_exp", "owens_t",
    "pdtr", "pdtrc", "poch", "polygamma", "powm1", "psi", "rel_entr", "rgamma", "sinc",
    "sindg", "softmax", "softplus", "spherical_in", "spherical_jn", "spherical_kn",
    "spherical_yn", "tandg", "xlog1py", "xlogy", "y0", "y1", "yn", "yv", "zeta",
]
