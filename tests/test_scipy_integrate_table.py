"""chainrule.scipy.integrate, every quadrature rule in one table: values against SciPy's
(plain and under jit), derivatives in the samples, the spacing, the limits and the
integrand's parameters against finite differences in both modes, and the same under jit and
under vmap."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate as sint

import chainrule as cr
import chainrule.numpy as cnp
import chainrule.scipy.integrate as ci
from scipy_table import assert_close, table_tests

RNG = np.random.default_rng(2)
Y = RNG.normal(size=(2, 7))
XS = np.linspace(0.0, 3.0, 7) + np.linspace(-0.3, 0.3, 7) ** 2 / 7     # uneven, increasing


def _sampled(name, **kw):
    return (lambda y, x: getattr(ci, name)(y, x=x, **kw),
            lambda y, x: getattr(sint, name)(y, x=x, **kw))


def _g(x, p, q):
    return cnp.exp(-p * x) * cnp.cos(q * x)


def _g_np(x, p, q):
    return np.exp(-p * x) * np.cos(q * x)


def _h(x, p, q):
    return cnp.exp(-p * x) / (1 + q * x * x)


def _h_np(x, p, q):
    return np.exp(-p * x) / (1 + q * x * x)


def _quad(a, b, f=_g, f_np=_g_np):
    """quad of a two-parameter integrand, the parameters passed through ``args``."""
    return (lambda p, q: ci.quad(f, a, b, args=(p, q))[0],
            lambda p, q: sint.quad(f_np, a, b, args=(p, q))[0])


# name: (chainrule function, SciPy function, arguments, derivative order)
CASES = {
    **{f"{n}": (*_sampled(n), (Y, XS), 2)
       for n in ["trapezoid", "simpson", "cumulative_trapezoid", "cumulative_simpson"]},
    "trapezoid dx axis 0": (lambda y, d: ci.trapezoid(y, dx=d, axis=0),
                            lambda y, d: sint.trapezoid(y, dx=d, axis=0), (Y, np.array(0.3)),
                            2),
    "simpson dx": (lambda y, d: ci.simpson(y, dx=d), lambda y, d: sint.simpson(y, dx=d),
                   (Y[:, :6], np.array(0.3)), 2),
    "cumulative_trapezoid initial": (
        lambda y, x: ci.cumulative_trapezoid(y, x=x, initial=0),
        lambda y, x: sint.cumulative_trapezoid(y, x=x, initial=0), (Y, XS), 2),
    "cumulative_simpson initial": (
        lambda y, x: ci.cumulative_simpson(y, x=x, initial=0.5),
        lambda y, x: sint.cumulative_simpson(y, x=x, initial=0.5), (Y, XS), 2),
    "romb": (lambda y, d: ci.romb(y, dx=d), lambda y, d: sint.romb(y, dx=d),
             (RNG.normal(size=(2, 9)), np.array(0.2)), 2),
    "fixed_quad": (lambda p, a, b: ci.fixed_quad(lambda x: cnp.exp(-p * x) * cnp.sin(x), a, b,
                                                 n=6)[0],
                   lambda p, a, b: sint.fixed_quad(lambda x: np.exp(-p * x) * np.sin(x), a, b,
                                                   n=6)[0],
                   (np.array(0.7), np.array(0.2), np.array(2.5)), 2),
    "quad finite": (*_quad(0.0, 2.0), (np.array(0.8), np.array(3.0)), 2),
    # (SciPy integrates infinite ranges with QAGI's 15-point rule and extrapolation; the
    # traced rule is QAG's 21-point one: they agree to 1e-12 where few subdivisions suffice)
    "quad [a, inf)": (*_quad(0.5, np.inf, _h, _h_np), (np.array(0.8), np.array(1.0)), 2),
    "quad (-inf, inf)": (lambda p, q: ci.quad(lambda x, p, q: cnp.exp(-p * x * x)
                                              * cnp.cos(q * x), -np.inf, np.inf,
                                              args=(p, q))[0],
                         lambda p, q: sint.quad(lambda x, p, q: np.exp(-p * x * x)
                                                * np.cos(q * x), -np.inf, np.inf,
                                                args=(p, q))[0],
                         (np.array(0.8), np.array(1.5)), 2),
    "quad in the limits": (lambda a, b: ci.quad(_g, a, b, args=(0.8, 3.0))[0],
                           lambda a, b: sint.quad(_g_np, a, b, args=(0.8, 3.0))[0],
                           (np.array(0.3), np.array(2.1)), 2),
    "quad finite limit of [a, inf)": (lambda a: ci.quad(_h, a, np.inf, args=(0.8, 3.0))[0],
                                      lambda a: sint.quad(_h_np, a, np.inf, args=(0.8, 3.0))[0],
                                      (np.array(0.3),), 2),
    "quad finite limit of (-inf, b]": (
        lambda b: ci.quad(lambda x: cnp.exp(x) / (1 + x * x), -np.inf, b)[0],
        lambda b: sint.quad(lambda x: np.exp(x) / (1 + x * x), -np.inf, b)[0],
        (np.array(0.4),), 2),
    "dblquad": (lambda p, c, a, b: ci.dblquad(lambda y, x: cnp.exp(-p * x * y), a, b,
                                              lambda x: 0.1 * x, lambda x: 1 + c * x)[0],
                lambda p, c, a, b: sint.dblquad(lambda y, x: np.exp(-p * x * y), a, b,
                                                lambda x: 0.1 * x, lambda x: 1 + c * x)[0],
                (np.array(0.8), np.array(0.5), np.array(0.1), np.array(1.2)), 1),
}
(test_values_plain_and_traced, test_derivatives, test_derivatives_under_jit, test_vmap,
 test_derivatives_under_vmap) = table_tests(CASES, perturb=0.05, seed=3)


def test_quad_infinite_limit_known_only_when_run_is_an_error_not_nan():
    # quad chooses its substitution for an infinite range while tracing; a limit traced by
    # jit (or batched by vmap) whose value turns out infinite must not be integrated as a
    # finite one (that gave NaN where SciPy gives the integral)
    def f(x):
        return cnp.exp(-x)
    with pytest.raises(ValueError, match="infinite limit"):
        cr.jit(lambda a, b: ci.quad(f, a, b)[0])(0.0, np.inf)
    with pytest.raises(ValueError, match="infinite limit"):
        cr.vmap(lambda b: ci.quad(f, 0.0, b)[0])(np.array([np.inf, 1.0]))
    # closed over, the same limit is SciPy's integral, under jit and vmap
    assert_close(cr.jit(lambda a: ci.quad(f, a, np.inf)[0])(0.0), 1.0)
    assert_close(cr.vmap(lambda a: ci.quad(f, a, np.inf)[0])(np.array([0.0, 1.0])),
                  [sint.quad(np.exp, -np.inf, -a)[0] for a in (0.0, 1.0)])
