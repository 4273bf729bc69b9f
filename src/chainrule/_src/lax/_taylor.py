"""Truncated Taylor arithmetic: a polynomial in ``eps`` is a list of arrays, the
coefficient of each power (``p[k]`` for ``eps**k``), all truncated at the same order.  Used
to carry derivatives through iterative evaluations (series, continued fractions)."""

from __future__ import annotations

import math

import numpy as np


def mul(p, q):
    return [sum(p[i] * q[k - i] for i in range(k + 1)) for k in range(len(p))]


def reciprocal(p):
    r = [1.0 / p[0]]
    for k in range(1, len(p)):
        r.append(-sum(p[i] * r[k - i] for i in range(1, k + 1)) * r[0])
    return r


def exp(p):
    r = [np.exp(p[0])]
    for k in range(1, len(p)):
        r.append(sum(i * p[i] * r[k - i] for i in range(1, k + 1)) / k)
    return r


def log(p):
    r = [np.log(p[0])]
    for k in range(1, len(p)):
        r.append((p[k] - sum(i * r[i] * p[k - i] for i in range(1, k)) / k) / p[0])
    return r


def gammaln(a, s, order):
    """Taylor polynomial of ``gammaln(a + s eps)``."""
    import scipy.special

    return [scipy.special.gammaln(a)] + [
        scipy.special.polygamma(m - 1, a) * s ** m / math.factorial(m)
        for m in range(1, order + 1)]
