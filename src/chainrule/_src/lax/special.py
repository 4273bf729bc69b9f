"""Special-function primitives computed by ``scipy.special`` (``cupyx.scipy.special`` on CuPy).

Each is a primitive rather than a composition of elementwise operations because the library
routines are accurate to a few ulps over the whole domain (asymptotic expansions, continued
fractions, reflection formulas) where a composition of ``exp``/``log``/series would lose
digits or overflow.  Their derivatives are written with these same primitives, so every
order is exact: ``gammaln' = digamma``, ``digamma' = polygamma(1, .)``,
``polygamma(n, .)' = polygamma(n + 1, .)``, ``I_v' = (I_(v-1) + I_(v+1)) / 2``, ...

The derivatives of ``gammainc``/``betainc`` in their parameters and of ``kv`` in its order
have no closed form; primitives of their own compute them numerically to any order
(``_incomplete_gamma.py``, ``_incomplete_beta.py``, ``_bessel_k_order.py``).  An argument
with no derivative formula (the integer order of ``polygamma``, ``yn``, ``expn``; the
order ``v`` of ``iv``/``jv``/``yv``; the parameters of the hypergeometric functions; the
exponent of ``zeta``) raises an error naming it when a derivative with respect to it is
asked for: never a silent zero.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import Zero, get_aval
from ._rules import defjvp, defnondiff, elementwise, over, times
from .elementwise import (special_functions, add, div, eq, exp, isinf, le, log, log1p,
                          logical_and, logical_or, lt, maximum, mul, neg, pow, select, sign, sin,
                          sub)
from ._bessel_k_order import kve_order_derivative
from ._incomplete_gamma import gammainc_a_derivative
from ._incomplete_beta import betainc_derivative

_SQRT_PI = math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2 * math.pi)


def _special_impl(name, sp_name=None, post=None):
    """The impl of primitive ``name``: ``scipy.special.<sp_name>`` for ``xp``'s arrays."""
    sp_name = sp_name or name
    fn = None

    def impl(xp, *args, **params):
        nonlocal fn
        if xp is np:
            if fn is None:
                import scipy.special

                fn = getattr(scipy.special, sp_name)
            out = fn(*args, **params)
        elif xp.__name__.startswith("dask"):  # blockwise SciPy keeps the graph lazy
            import dask.array
            import scipy.special

            f = getattr(scipy.special, sp_name)
            out = dask.array.core.elemwise(lambda *a: f(*a, **params), *args)
        else:
            special = special_functions(xp, name)
            f = getattr(special, sp_name, None)
            if f is None:
                raise NotImplementedError(
                    f"primitive {name!r}: {special.__name__} has no {sp_name}; convert the "
                    "input to NumPy arrays first")
            out = f(*args, **params)
        return out if post is None else post(xp, out)
    return impl


def _prim(name, *rules, sp_name=None, post=None):
    prim = elementwise(name, impl=_special_impl(name, sp_name, post))
    if rules:
        defjvp(prim, *rules)
    else:
        defnondiff(prim)
    return prim, prim.bind


def _no_derivative(fn, arg, why, error=TypeError):
    """A jvp rule for argument ``arg`` of ``fn`` that has no derivative: an error, not a zero."""
    def rule(t, ans, *primals, **params):
        raise error(
            f"{fn}: the derivative with respect to its argument {arg!r} is not available "
            f"({why}). Pass {arg} as a constant (a plain array or number, or "
            "chainrule.stop_gradient(...)) and differentiate with respect to the other "
            "arguments only.")
    return rule


def _integer_order(fn, arg="n"):
    return _no_derivative(fn, arg, f"{arg} is an integer order, so there is no derivative "
                          "in it")


def _order_not_implemented(fn, arg="v"):
    return _no_derivative(fn, arg, "no accurate formula for the derivative with respect to "
                          "the order is implemented", NotImplementedError)


def _parameter_not_implemented(fn, arg):
    return _no_derivative(fn, arg, "it has no closed form (it needs hypergeometric "
                          "functions), so chainrule does not provide it", NotImplementedError)


# --- helpers (compositions) used by the rules below and by chainrule.scipy.special ---------
def xlogy(x, y):
    """``x * log(y)``, 0 where ``x == 0`` (unless ``y`` is NaN), with exact derivatives.

    Where ``x == 0`` and ``log(y)`` is not finite, ``y`` is replaced by 1, so the value is
    0 and the derivative in ``x`` stays finite; elsewhere (``y > 0``) the derivative in
    ``x`` is ``log(y)`` even at ``x == 0``.
    """
    bad = logical_and(_eq0(x), logical_or(le(y, 0), isinf(y)))
    return mul(x, log(select(bad, 1.0, y)))


def xlog1py(x, y):
    """``x * log1p(y)``, 0 where ``x == 0`` (unless ``y`` is NaN), with exact derivatives."""
    bad = logical_and(_eq0(x), logical_or(le(y, -1), isinf(y)))
    return mul(x, log1p(select(bad, 0.0, y)))


def _eq0(x):
    return eq(x, 0)


# The identity on an argument that has no derivative: differentiating through it raises
# (for compositions, where no primitive of their own carries the argument).
integer_argument_p = elementwise("integer_argument", impl=lambda xp, x, fn, arg: x)


def _integer_argument_jvp(primals, tangents, fn, arg):
    (x,), (t,) = primals, tangents
    if type(t) is not Zero:
        _no_derivative(fn, arg, f"{arg} is an integer, so there is no derivative in it")(t, x)
    return x, Zero(get_aval(x))


integer_argument_p.jvp = _integer_argument_jvp


def integer_argument(x, fn, arg):
    """``x`` unchanged; asking for a derivative with respect to it raises, naming ``arg`` of
    ``fn``."""
    return integer_argument_p.bind(x, fn=fn, arg=arg)


# --- gamma family --------------------------------------------------------------------------
gammaln_p, gammaln = _prim("gammaln", times(lambda ans, x: digamma(x)))
gamma_p, gamma = _prim("gamma", times(lambda ans, x: mul(ans, digamma(x))))
rgamma_p, rgamma = _prim("rgamma", times(lambda ans, x: neg(mul(ans, digamma(x)))))
gammasgn_p, gammasgn = _prim("gammasgn")  # piecewise constant: derivative zero
digamma_p, digamma = _prim("digamma", times(lambda ans, x: polygamma(1, x)))
polygamma_p, polygamma = _prim(
    "polygamma", _integer_order("polygamma"),
    times(lambda ans, n, x: polygamma(add(n, 1), x)))


def _beta_coefficient(a, b):
    return sub(digamma(a), digamma(add(a, b)))


betaln_p, betaln = _prim("betaln", times(lambda ans, a, b: _beta_coefficient(a, b)),
                         times(lambda ans, a, b: _beta_coefficient(b, a)))
beta_p, beta = _prim("beta", times(lambda ans, a, b: mul(ans, _beta_coefficient(a, b))),
                     times(lambda ans, a, b: mul(ans, _beta_coefficient(b, a))))


def _gammainc_density(a, x):
    """``x**(a-1) exp(-x) / Gamma(a)``, the derivative of ``gammainc`` in ``x``."""
    return exp(sub(sub(xlogy(sub(a, 1), x), x), gammaln(a)))


def _density_a_derivative(a, x, order):
    """``d^order/da^order`` of ``x**(a-1) exp(-x) / Gamma(a)``, in chainrule operations:
    ``f = exp(h)`` with ``h' = log x - digamma(a)``, ``h^(m) = -polygamma(m-1, a)``, and
    ``f^(k) = sum_j C(k-1, j) h^(j+1) f^(k-1-j)``."""
    f = [_gammainc_density(a, x)]
    # log x where x = 0 is replaced by 0: f is 0 there (a > 1) and the products stay 0.
    logx = log(select(_eq0(x), 1.0, x))
    h = [None, sub(logx, digamma(a))] + [neg(polygamma(m - 1, a))
                                         for m in range(2, order + 1)]
    for k in range(1, order + 1):
        terms = [mul(float(math.comb(k - 1, j)), mul(h[j + 1], f[k - 1 - j]))
                 for j in range(k)]
        total = terms[0]
        for term in terms[1:]:
            total = add(total, term)
        f.append(total)
    return f[order]


def _gammainc_da_impl(xp, a, x, order):
    if xp is np:
        return _gammainc_da_numpy(a, x, order)
    if xp.__name__.startswith("dask"):
        import dask.array

        return dask.array.core.elemwise(
            lambda a, x: _gammainc_da_numpy(a, x, order), a, x)
    raise NotImplementedError(f"primitive 'gammainc_da' (the derivative of gammainc in a) "
                              f"is computed with NumPy only; convert {xp.__name__} arrays "
                              "to NumPy first")


def _gammainc_da_numpy(a, x, order):
    dtype = np.result_type(a, x)
    if dtype.kind != "f":
        dtype = np.dtype(np.float64)
    with np.errstate(all="ignore"):
        out = gammainc_a_derivative(a, x, order)
    return out.astype(dtype, copy=False)


# d^k/da^k of the regularized lower incomplete gamma function: a series (x < a + 1) or a
# continued fraction for the upper function (x >= a + 1), evaluated in truncated Taylor
# arithmetic in a (see _incomplete_gamma.py).  Its derivative in a is the next order; in x
# it is the k-th a-derivative of the density x**(a-1) exp(-x) / Gamma(a).
gammainc_da_p = elementwise("gammainc_da", impl=_gammainc_da_impl)
defjvp(gammainc_da_p,
       times(lambda ans, a, x, order: gammainc_da(a, x, order + 1)),
       times(lambda ans, a, x, order: _density_a_derivative(a, x, order)))


def gammainc_da(a, x, order=1):
    """``d^order/da^order gammainc(a, x)``."""
    return gammainc_da_p.bind(a, x, order=int(order))


gammainc_p, gammainc = _prim(
    "gammainc", times(lambda ans, a, x: gammainc_da(a, x, 1)),
    times(lambda ans, a, x: _gammainc_density(a, x)))
gammaincc_p, gammaincc = _prim(
    "gammaincc", times(lambda ans, a, x: neg(gammainc_da(a, x, 1))),
    times(lambda ans, a, x: neg(_gammainc_density(a, x))))


def _betainc_density(a, b, x):
    """``x**(a-1) (1-x)**(b-1) / B(a, b)``, the derivative of ``betainc`` in ``x``."""
    return exp(sub(add(xlogy(sub(a, 1), x), xlog1py(sub(b, 1), neg(x))), betaln(a, b)))


def _betainc_density_derivative(a, b, x, da, db):
    """``d^da/da^da d^db/db^db`` of ``x**(a-1) (1-x)**(b-1) / B(a, b)``, in chainrule
    operations: ``f = exp(h)``, Leibniz's rule on ``f_a = h_a f`` (or ``f_b = h_b f``)."""
    f0 = _betainc_density(a, b, x)
    # Where x is 0 or 1, f is 0 (a, b > 1): finite logs keep the products 0.
    logx = log(select(_eq0(x), 1.0, x))
    log1mx = log1p(select(eq(x, 1), 0.0, neg(x)))
    psi_ab = {}

    def h(p, q):  # d^p/da^p d^q/db^q of log f
        if (p, q) == (1, 0):
            return add(sub(logx, digamma(a)), digamma(add(a, b)))
        if (p, q) == (0, 1):
            return add(sub(log1mx, digamma(b)), digamma(add(a, b)))
        if p + q not in psi_ab:
            psi_ab[p + q] = polygamma(p + q - 1, add(a, b))
        out = psi_ab[p + q]
        if q == 0:
            out = sub(out, polygamma(p - 1, a))
        if p == 0:
            out = sub(out, polygamma(q - 1, b))
        return out

    memo = {(0, 0): f0}

    def d(i, j):
        if (i, j) not in memo:
            terms = []
            if i > 0:
                for p in range(i):
                    for q in range(j + 1):
                        c = math.comb(i - 1, p) * math.comb(j, q)
                        terms.append(mul(float(c), mul(h(p + 1, q), d(i - 1 - p, j - q))))
            else:
                for q in range(j):
                    c = math.comb(j - 1, q)
                    terms.append(mul(float(c), mul(h(0, q + 1), d(0, j - 1 - q))))
            total = terms[0]
            for term in terms[1:]:
                total = add(total, term)
            memo[(i, j)] = total
        return memo[(i, j)]
    return d(da, db)


def _betainc_d_impl(xp, a, b, x, da, db):
    def numpy_impl(a, b, x):
        dtype = np.result_type(a, b, x)
        if dtype.kind != "f":
            dtype = np.dtype(np.float64)
        with np.errstate(all="ignore"):
            return betainc_derivative(a, b, x, da, db).astype(dtype, copy=False)
    if xp is np:
        return numpy_impl(a, b, x)
    if xp.__name__.startswith("dask"):
        import dask.array

        return dask.array.core.elemwise(numpy_impl, a, b, x)
    raise NotImplementedError(f"primitive 'betainc_d' (derivatives of betainc in a and b) "
                              f"is computed with NumPy only; convert {xp.__name__} arrays "
                              "to NumPy first")


# d^da/da^da d^db/db^db of the regularized incomplete beta function (da + db >= 1): its
# continued fraction in truncated Taylor arithmetic (see _incomplete_beta.py).  Its
# derivatives in a and b are the next orders; in x, those of the density.
betainc_d_p = elementwise("betainc_d", impl=_betainc_d_impl)
defjvp(betainc_d_p,
       times(lambda ans, a, b, x, da, db: betainc_d(a, b, x, da + 1, db)),
       times(lambda ans, a, b, x, da, db: betainc_d(a, b, x, da, db + 1)),
       times(lambda ans, a, b, x, da, db: _betainc_density_derivative(a, b, x, da, db)))


def betainc_d(a, b, x, da, db):
    """``d^da/da^da d^db/db^db betainc(a, b, x)`` (``da + db >= 1``)."""
    return betainc_d_p.bind(a, b, x, da=int(da), db=int(db))


betainc_p, betainc = _prim(
    "betainc", times(lambda ans, a, b, x: betainc_d(a, b, x, 1, 0)),
    times(lambda ans, a, b, x: betainc_d(a, b, x, 0, 1)),
    times(lambda ans, a, b, x: _betainc_density(a, b, x)))

# 1 - betainc, computed directly (accurate where betainc is close to 1).
betaincc_p, betaincc = _prim(
    "betaincc", times(lambda ans, a, b, x: neg(betainc_d(a, b, x, 1, 0))),
    times(lambda ans, a, b, x: neg(betainc_d(a, b, x, 0, 1))),
    times(lambda ans, a, b, x: neg(_betainc_density(a, b, x))))

# --- error function and normal distribution ------------------------------------------------


def _gauss(x):
    return exp(neg(mul(x, x)))


erf_p, erf = _prim("erf", times(lambda ans, x: mul(2 / _SQRT_PI, _gauss(x))))
erfc_p, erfc = _prim("erfc", times(lambda ans, x: mul(-2 / _SQRT_PI, _gauss(x))))
erfinv_p, erfinv = _prim("erfinv", times(lambda ans, x: mul(_SQRT_PI / 2,
                                                            exp(mul(ans, ans)))))
erfcinv_p, erfcinv = _prim("erfcinv", times(lambda ans, x: mul(-_SQRT_PI / 2,
                                                               exp(mul(ans, ans)))))
erfcx_p, erfcx = _prim("erfcx", times(lambda ans, x: sub(mul(mul(2.0, x), ans),
                                                         2 / _SQRT_PI)))
ndtr_p, ndtr = _prim("ndtr", times(lambda ans, x: div(exp(mul(-0.5, mul(x, x))),
                                                      _SQRT_2PI)))
# d log ndtr(x) = phi(x) / ndtr(x) = sqrt(2/pi) / erfcx(-x/sqrt 2): no cancellation in the
# far left tail (x = -40 and below), and 0 (not NaN) where erfcx overflows on the right.
log_ndtr_p, log_ndtr = _prim(
    "log_ndtr", times(lambda ans, x: div(math.sqrt(2 / math.pi),
                                         erfcx(mul(-1 / math.sqrt(2), x)))))
ndtri_p, ndtri = _prim("ndtri", times(lambda ans, x: mul(_SQRT_2PI,
                                                         exp(mul(0.5, mul(ans, ans))))))

# --- logistic function ------------------------------------------------------------------
# expit' = expit(x) expit(-x): accurate in both tails, where 1 - expit(x) would cancel.
expit_p, expit = _prim("expit", times(lambda ans, x: mul(ans, expit(neg(x)))))
log_expit_p, log_expit = _prim("log_expit", times(lambda ans, x: expit(neg(x))))
logit_p, logit = _prim("logit", over(lambda ans, x: mul(x, sub(1.0, x))))

# --- information theory -----------------------------------------------------------------
entr_p, entr = _prim("entr", times(lambda ans, x: neg(add(log(x), 1.0))))
rel_entr_p, rel_entr = _prim("rel_entr",
                             times(lambda ans, x, y: add(log(div(x, y)), 1.0)),
                             times(lambda ans, x, y: neg(div(x, y))))
kl_div_p, kl_div = _prim("kl_div", times(lambda ans, x, y: log(div(x, y))),
                         times(lambda ans, x, y: sub(1.0, div(x, y))))

# --- Bessel functions ---------------------------------------------------------------------
# Integer orders 0 and 1 have their own (faster, more accurate) routines; order 2 in the
# derivatives comes from the general-order function.
iv_p, iv = _prim("iv", _order_not_implemented("iv"),
                 times(lambda ans, v, x: mul(0.5, add(iv(sub(v, 1), x), iv(add(v, 1), x)))))
def _ive_rule(t, ans, v, x):
    # ive = iv exp(-|Re z|) is not holomorphic in complex z: no complex derivative.
    if get_aval(x).dtype.kind == "c":
        raise NotImplementedError("ive: the derivative with respect to a complex z is not "
                                  "provided (exp(-|Re z|) is not holomorphic); use iv")
    return mul(t, sub(mul(0.5, add(ive(sub(v, 1), x), ive(add(v, 1), x))), mul(sign(x), ans)))


ive_p, ive = _prim("ive", _order_not_implemented("ive"), _ive_rule)
def _kve_dv_impl(xp, v, x, order):
    def numpy_impl(v, x):
        dtype = np.result_type(v, x)
        if dtype.kind != "f":
            dtype = np.dtype(np.float64)
        with np.errstate(all="ignore"):
            return kve_order_derivative(v, x, order).astype(dtype, copy=False)
    if xp is np:
        return numpy_impl(v, x)
    if xp.__name__.startswith("dask"):
        import dask.array

        return dask.array.core.elemwise(numpy_impl, v, x)
    raise NotImplementedError(f"primitive 'kve_dv' (derivatives of kv in the order) is "
                              f"computed with NumPy only; convert {xp.__name__} arrays to "
                              "NumPy first")


# d^k/dv^k of exp(x) K_v(x) (real x > 0), by the trapezoidal rule on its integral
# representation (see _bessel_k_order.py).  In v: the next order; in x, from
# K_v' = -(K_(v-1) + K_(v+1)) / 2, which commutes with d/dv.
kve_dv_p = elementwise("kve_dv", impl=_kve_dv_impl)
defjvp(kve_dv_p,
       times(lambda ans, v, x, order: kve_dv(v, x, order + 1)),
       times(lambda ans, v, x, order: sub(ans, mul(0.5, add(
       kve_dv(sub(v, 1), x, order), kve_dv(add(v, 1), x, order))))))


def kve_dv(v, x, order=1):
    """``d^order/dv^order kve(v, x)`` for real ``x > 0``."""
    return kve_dv_p.bind(v, x, order=int(order))


def _k_order_rule(scaled):
    def rule(t, ans, v, x):
        if get_aval(x).dtype.kind == "c":
            raise NotImplementedError(
                f"{'kve' if scaled else 'kv'}: the derivative with respect to the order 'v' "
                "is provided for real arguments only")
        d = kve_dv(v, x, 1)
        return mul(t, d if scaled else mul(exp(neg(x)), d))
    return rule


kv_p, kv = _prim("kv", _k_order_rule(False),
                 times(lambda ans, v, x: mul(-0.5, add(kv(sub(v, 1), x),
                                                       kv(add(v, 1), x)))))
kve_p, kve = _prim("kve", _k_order_rule(True),
                   times(lambda ans, v, x: sub(ans, mul(0.5, add(kve(sub(v, 1), x),
                                                                 kve(add(v, 1), x))))))
jv_p, jv = _prim("jv", _order_not_implemented("jv"),
                 times(lambda ans, v, x: mul(0.5, sub(jv(sub(v, 1), x), jv(add(v, 1), x)))))
yv_p, yv = _prim("yv", _order_not_implemented("yv"),
                 times(lambda ans, v, x: mul(0.5, sub(yv(sub(v, 1), x), yv(add(v, 1), x)))))
# Integer orders: y_(-n) = (-1)^n y_n and k_(-n) = k_n, which SciPy's yn and kn follow.
yn_p, yn = _prim("yn", _integer_order("yn"),
                 times(lambda ans, n, x: mul(0.5, sub(yn(sub(n, 1), x), yn(add(n, 1), x)))))
kn_p, kn = _prim("kn", _integer_order("kn"),
                 times(lambda ans, n, x: mul(-0.5, add(kn(sub(n, 1), x),
                                                       kn(add(n, 1), x)))))

i0_p, i0 = _prim("i0", times(lambda ans, x: i1(x)))
i1_p, i1 = _prim("i1", times(lambda ans, x: mul(0.5, add(i0(x), iv(2.0, x)))))
i0e_p, i0e = _prim("i0e", times(lambda ans, x: sub(i1e(x), mul(sign(x), ans))))
i1e_p, i1e = _prim("i1e", times(lambda ans, x: sub(mul(0.5, add(i0e(x), ive(2.0, x))),
                                                   mul(sign(x), ans))))
k0_p, k0 = _prim("k0", times(lambda ans, x: neg(k1(x))))
k1_p, k1 = _prim("k1", times(lambda ans, x: mul(-0.5, add(k0(x), kv(2.0, x)))))
k0e_p, k0e = _prim("k0e", times(lambda ans, x: sub(ans, k1e(x))))
k1e_p, k1e = _prim("k1e", times(lambda ans, x: sub(ans, mul(0.5, add(k0e(x),
                                                                     kve(2.0, x))))))
j0_p, j0 = _prim("j0", times(lambda ans, x: neg(j1(x))))
j1_p, j1 = _prim("j1", times(lambda ans, x: mul(0.5, sub(j0(x), jv(2.0, x)))))
y0_p, y0 = _prim("y0", times(lambda ans, x: neg(y1(x))))
y1_p, y1 = _prim("y1", times(lambda ans, x: mul(0.5, sub(y0(x), yv(2.0, x)))))


def _spherical_rule(fn):
    # f_n' = (n f_(n-1) - (n+1) f_(n+1)) / (2n+1), which is -f_1 at n = 0; the order n-1
    # is clamped at 0 there (its weight n is 0), because f_(-1) is NaN in SciPy.
    def rule(t, ans, n, x):
        below = fn(maximum(sub(n, 1), 0), x)
        return mul(t, div(sub(mul(n, below), mul(add(n, 1), fn(add(n, 1), x))),
                          add(mul(2, n), 1)))
    return rule


spherical_jn_p, spherical_jn = _prim("spherical_jn", _integer_order("spherical_jn"),
                                     _spherical_rule(lambda n, x: spherical_jn(n, x)))
spherical_yn_p, spherical_yn = _prim("spherical_yn", _integer_order("spherical_yn"),
                                     _spherical_rule(lambda n, x: spherical_yn(n, x)))

# --- exponential integrals, zeta, Owen's T, Lambert W ---------------------------------------
exp1_p, exp1 = _prim("exp1", times(lambda ans, x: neg(div(exp(neg(x)), x))))


def _expn_rule(t, ans, n, x):
    # E_n' = -E_(n-1), with E_0(x) = exp(-x)/x, whose derivative is -exp(-x)(1+x)/x^2
    # (SciPy's expn has no order -1, so n = 0 is written out and the order clamped).
    lower = neg(expn(maximum(sub(n, 1), 0), x))
    zeroth = neg(div(mul(exp(neg(x)), add(1.0, x)), mul(x, x)))
    return mul(t, select(_eq0(n), zeroth, lower))


expn_p, expn = _prim("expn", _integer_order("expn"), _expn_rule)
zeta_p, zeta = _prim("zeta", _no_derivative(
    "zeta", "x", "the derivative of the Hurwitz zeta function in its exponent has no "
    "closed form in SciPy's functions", NotImplementedError),
    times(lambda ans, x, q: neg(mul(x, zeta(add(x, 1), q)))))
riemann_zeta_p, riemann_zeta = _prim("riemann_zeta", _no_derivative(
    "zeta", "x", "the derivative of the Riemann zeta function has no closed form in "
    "SciPy's functions", NotImplementedError), sp_name="zeta")


def _owens_t_dh(t, ans, h, a):
    phi = div(exp(mul(-0.5, mul(h, h))), _SQRT_2PI)
    return mul(t, mul(-0.5, mul(phi, erf(mul(a, div(h, math.sqrt(2)))))))


def _owens_t_da(t, ans, h, a):
    one_a2 = add(1.0, mul(a, a))
    return mul(t, div(exp(mul(-0.5, mul(mul(h, h), one_a2))), mul(2 * math.pi, one_a2)))


owens_t_p, owens_t = _prim("owens_t", _owens_t_dh, _owens_t_da)


# --- elementary functions in SciPy's accurate forms ------------------------------------------
_DEG = math.pi / 180
exp10_p, exp10 = _prim("exp10", times(lambda ans, x: mul(math.log(10.0), ans)))
cosm1_p, cosm1 = _prim("cosm1", times(lambda ans, x: neg(sin(x))))
sindg_p, sindg = _prim("sindg", times(lambda ans, x: mul(_DEG, cosdg(x))))
cosdg_p, cosdg = _prim("cosdg", times(lambda ans, x: mul(-_DEG, sindg(x))))
tandg_p, tandg = _prim("tandg", times(lambda ans, x: mul(_DEG, add(1.0, mul(ans, ans)))))
cotdg_p, cotdg = _prim("cotdg", times(lambda ans, x: mul(-_DEG, add(1.0, mul(ans, ans)))))
# x**y - 1: d/dx = y x**(y-1), d/dy = x**y log(x).
powm1_p, powm1 = _prim("powm1", times(lambda ans, x, y: mul(y, pow(x, sub(y, 1)))),
                       times(lambda ans, x, y: mul(add(ans, 1.0), log(x))))
erfi_p, erfi = _prim("erfi", times(lambda ans, x: mul(2 / _SQRT_PI, exp(mul(x, x)))))
dawsn_p, dawsn = _prim("dawsn", times(lambda ans, x: sub(1.0, mul(mul(2.0, x), ans))))
# ndtri(exp(y)), accurate for very negative y: d/dy = exp(y) / phi(ans).
ndtri_exp_p, ndtri_exp = _prim(
    "ndtri_exp", times(lambda ans, y: mul(_SQRT_2PI, exp(add(y, mul(0.5, mul(ans, ans)))))))
loggamma_p, loggamma = _prim("loggamma", times(lambda ans, x: digamma(x)))
poch_p, poch = _prim("poch",
                     times(lambda ans, z, m: mul(ans, sub(digamma(add(z, m)), digamma(z)))),
                     times(lambda ans, z, m: mul(ans, digamma(add(z, m)))))

# --- inverses of the incomplete gamma and beta functions ----------------------------------
# d x / d y = 1 / (d y / d x), the density at the solution.
# In a (implicit function theorem on P(a, x) = y, or Q(a, x) = y): dx/da = -P_a / P_x.
# Below x = 1e-100 (small a), the density P_x overflows and the ratio is lost; there
# P(a, x) = x**a / Gamma(a + 1) to double precision (the next term is O(x)), which gives
# a log x = log P + gammaln(a + 1) at fixed P, so dx/da = x (digamma(a + 1) - log x) / a,
# in terms of (a, x) only: its own derivatives, through x, are exact too.  Each branch sees
# harmless inputs where it is not used, so neither overflows nor leaks NaN into the other.
_TINY_SOLUTION = 1e-100


def _inverse_da(t, ans, a, y):
    tiny = lt(ans, _TINY_SOLUTION)
    x = select(tiny, 1.0, ans)
    general = neg(div(gammainc_da(a, x, 1), _gammainc_density(a, x)))
    xs = select(tiny, select(le(ans, 0), 1.0, ans), 1.0)  # log(0) is never taken
    small = div(mul(select(tiny, ans, 0.0), sub(digamma(add(a, 1)), log(xs))), a)
    return mul(t, select(tiny, small, general))


gammaincinv_p, gammaincinv = _prim(
    "gammaincinv", _inverse_da, over(lambda ans, a, y: _gammainc_density(a, ans)))
gammainccinv_p, gammainccinv = _prim(
    "gammainccinv", _inverse_da,
    over(lambda ans, a, y: neg(_gammainc_density(a, ans))))
betaincinv_p, betaincinv = _prim(
    "betaincinv",
    times(lambda ans, a, b, y: neg(div(betainc_d(a, b, ans, 1, 0),
                                       _betainc_density(a, b, ans)))),
    times(lambda ans, a, b, y: neg(div(betainc_d(a, b, ans, 0, 1),
                                       _betainc_density(a, b, ans)))),
    over(lambda ans, a, b, y: _betainc_density(a, b, ans)))
# The inverse of betaincc: dx/da = -(d betaincc/da) / (d betaincc/dx), the same in a and b
# as for betaincinv; dx/dy = -1 / density.
betainccinv_p, betainccinv = _prim(
    "betainccinv",
    times(lambda ans, a, b, y: neg(div(betainc_d(a, b, ans, 1, 0),
                                       _betainc_density(a, b, ans)))),
    times(lambda ans, a, b, y: neg(div(betainc_d(a, b, ans, 0, 1),
                                       _betainc_density(a, b, ans)))),
    over(lambda ans, a, b, y: neg(_betainc_density(a, b, ans))))

# --- hypergeometric functions: derivative in the argument ---------------------------------
hyp1f1_p, hyp1f1 = _prim(
    "hyp1f1", _parameter_not_implemented("hyp1f1", "a"),
    _parameter_not_implemented("hyp1f1", "b"),
    times(lambda ans, a, b, x: mul(div(a, b), hyp1f1(add(a, 1), add(b, 1), x))))
hyp2f1_p, hyp2f1 = _prim(
    "hyp2f1", _parameter_not_implemented("hyp2f1", "a"),
    _parameter_not_implemented("hyp2f1", "b"), _parameter_not_implemented("hyp2f1", "c"),
    times(lambda ans, a, b, c, z: mul(div(mul(a, b), c),
                                      hyp2f1(add(a, 1), add(b, 1), add(c, 1), z))))
hyperu_p, hyperu = _prim(
    "hyperu", _parameter_not_implemented("hyperu", "a"),
    _parameter_not_implemented("hyperu", "b"),
    times(lambda ans, a, b, x: mul(neg(a), hyperu(add(a, 1), add(b, 1), x))))


def _modified_spherical_rule(fn, sign_):
    # i_n' = (n i_(n-1) + (n+1) i_(n+1)) / (2n+1), k_n' = -(n k_(n-1) + (n+1) k_(n+1)) / (2n+1)
    def rule(t, ans, n, x):
        below = fn(maximum(sub(n, 1), 0), x)
        return mul(t, mul(sign_, div(add(mul(n, below), mul(add(n, 1), fn(add(n, 1), x))),
                                     add(mul(2, n), 1))))
    return rule


spherical_in_p, spherical_in = _prim("spherical_in", _integer_order("spherical_in"),
                                     _modified_spherical_rule(lambda n, x: spherical_in(n, x),
                                                              1.0))
spherical_kn_p, spherical_kn = _prim("spherical_kn", _integer_order("spherical_kn"),
                                     _modified_spherical_rule(lambda n, x: spherical_kn(n, x),
                                                              -1.0))
_SPHERICAL_RULES = {
    "spherical_jn": _spherical_rule(lambda n, x: spherical_jn(n, x)),
    "spherical_yn": _spherical_rule(lambda n, x: spherical_yn(n, x)),
    "spherical_in": _modified_spherical_rule(lambda n, x: spherical_in(n, x), 1.0),
    "spherical_kn": _modified_spherical_rule(lambda n, x: spherical_kn(n, x), -1.0),
}


def spherical_bessel_derivative(name, n, x):
    """The derivative in ``x`` of the spherical Bessel function ``name`` (``"spherical_jn"``,
    ...) of integer order ``n``, by the recurrence its primitive differentiates with."""
    return _SPHERICAL_RULES[name](1.0, None, n, x)


def _real_branch(xp, w):
    # The real branch only: where W is complex (x < -1/e, or x >= 0 on branch -1) NaN.
    return xp.where(w.imag == 0, w.real, xp.nan)


# W' = exp(-W) / (1 + W) (from W exp(W) = x), finite at x = 0.
lambertw_p = elementwise("lambertw", impl=_special_impl("lambertw", post=_real_branch))
defjvp(lambertw_p, times(lambda ans, x, k, tol: div(exp(neg(ans)), add(1.0, ans))))


def lambertw(x, k=0, tol=1e-8):
    """The real branch ``k`` (0 or -1) of the Lambert W function; NaN where it is complex."""
    return lambertw_p.bind(x, k=int(k), tol=float(tol))


__all__ = [name for name in dir() if name.endswith("_p")]
