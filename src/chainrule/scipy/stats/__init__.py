"""``scipy.stats`` with derivatives: SciPy's call style and frozen distributions.

``stats.norm.logpdf(x, loc=0, scale=1)``, ``stats.poisson.logpmf(k, mu)``,
``stats.norm(loc, scale).logpdf(x)``: on plain arrays the result is SciPy's own; on traced
values the same formulas are differentiated in the data and in every real parameter.
See ``docs/scipy-stats.md`` for the coverage table.
"""

from chainrule._src.scipy.stats.continuous import (  # noqa: F401
    beta, cauchy, chi2, expon, gamma, gennorm, halfcauchy, halfnorm, invgamma, laplace,
    logistic, lognorm, norm, pareto, skewnorm, t, truncnorm, uniform, vonmises, weibull_min,
)
from chainrule._src.scipy.stats.discrete import (  # noqa: F401
    bernoulli, betabinom, binom, geom, nbinom, poisson, randint,
)
from chainrule._src.scipy.stats.descriptive import describe, pearsonr, zscore  # noqa: F401
from chainrule._src.scipy.stats.kde import gaussian_kde  # noqa: F401
from chainrule._src.scipy.stats.multivariate import (  # noqa: F401
    dirichlet, multinomial, multivariate_normal, multivariate_t, wishart,
)

__all__ = [
    "bernoulli", "beta", "betabinom", "binom", "cauchy", "chi2", "describe", "dirichlet",
    "expon", "gamma", "gaussian_kde", "gennorm", "geom", "halfcauchy", "halfnorm", "invgamma",
    "laplace", "logistic", "lognorm", "multinomial", "multivariate_normal", "multivariate_t",
    "nbinom", "norm", "pareto", "pearsonr", "poisson", "randint", "skewnorm", "t",
    "truncnorm", "uniform", "vonmises", "weibull_min", "wishart", "zscore",
]
