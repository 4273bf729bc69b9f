"""Random numbers for code under transforms: functional keys and samplers.

A key (``key(seed)``) is a small array; :func:`split` and :func:`fold_in` derive new keys,
and every sampler is a pure function of its key, so the same key gives the same numbers in
every run, process and platform, and under ``jit`` and ``vmap``.  Samplers with continuous
parameters are differentiable in them.  See ``docs/random.md``.
"""

from chainrule._src.random.continuous import (beta, cauchy, dirichlet, exponential,  # noqa: F401
                                              gamma, laplace, multivariate_normal, normal,
                                              orthogonal, t, truncated_normal, uniform)
from chainrule._src.random.discrete import (bernoulli, binomial, categorical, choice,  # noqa: F401
                                            permutation, poisson, randint)
from chainrule._src.random.keys import (PRNGKey, bits, fold_in, key, key_from_rng,  # noqa: F401
                                        split)

__all__ = ["PRNGKey", "bernoulli", "beta", "binomial", "bits", "categorical", "cauchy",
           "choice", "dirichlet", "exponential", "fold_in", "gamma", "key", "key_from_rng",
           "laplace", "multivariate_normal", "normal", "orthogonal", "permutation", "poisson",
           "randint", "split", "t", "truncated_normal", "uniform"]
