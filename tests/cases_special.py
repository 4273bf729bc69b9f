"""Test cases for the special-function primitives (chainrule._src.lax.special).

Arguments with no derivative (integer orders, the order ``v`` of ``iv``/``jv``/``yv``, the
parameters of the hypergeometric functions, the exponent of ``zeta``) are left out of ``diff``;
``tests/test_scipy_special.py`` checks that differentiating them raises.
"""

import numpy as np
from primitive_cases import BINARY_SHAPES, Case, rng, unary_cases, uniform

CASES = []
add = CASES.extend

UNARY = {
    "gammaln": (0.5, 4.0), "gamma": (0.5, 3.0), "rgamma": (0.5, 3.0), "digamma": (0.5, 3.0),
    "erf": (-1.5, 1.5), "erfc": (-1.5, 1.5), "erfinv": (-0.9, 0.9), "erfcinv": (0.1, 1.9),
    "erfcx": (-1.0, 2.0), "ndtr": (-2.0, 2.0), "log_ndtr": (-3.0, 3.0), "ndtri": (0.1, 0.9),
    "expit": (-3.0, 3.0), "log_expit": (-3.0, 3.0), "logit": (0.1, 0.9), "entr": (0.2, 2.0),
    "i0": (0.3, 3.0), "i1": (0.3, 3.0), "i0e": (0.3, 3.0), "i1e": (0.3, 3.0),
    "k0": (0.5, 3.0), "k1": (0.5, 3.0), "k0e": (0.5, 3.0), "k1e": (0.5, 3.0),
    "j0": (0.5, 4.0), "j1": (0.5, 4.0), "y0": (0.5, 4.0), "y1": (0.5, 4.0),
    "exp1": (0.3, 3.0),
}
for name, (lo, hi) in UNARY.items():
    add(unary_cases(name, lo, hi))
# exp(-|x|) scaling: the other side of 0 too.
for name in ("i0e", "i1e"):
    add([Case(name, (uniform((3,), -3.0, -0.3),), note="negative")])
add([Case("gamma", (np.array([-1.5, -0.5, -2.7]),), note="negative"),
     Case("gammaln", (np.array([-1.5, -0.5, -2.7]),), note="negative"),
     Case("digamma", (np.array([-1.5, -0.5, -2.7]),), note="negative")])
add(unary_cases("gammasgn", -3.0, 3.0, differentiable=False))
# zeta(x) has no derivative in x (it raises): checked on integer input only here.
add([Case("riemann_zeta", (np.array([2, 3, 4, 0]),), differentiable=False)])


def ints(shape, values, seed=0):
    return np.asarray(rng(seed).choice(values, size=shape))


def binary(name, first, second, diff, **kw):
    """Cases over the shared shape pairs; ``first``/``second``: ``(lo, hi)`` for float
    operands or a list of integers."""
    out = []
    for i, shapes in enumerate(BINARY_SHAPES):
        args = []
        for j, (spec, shape) in enumerate(zip((first, second), shapes)):
            if isinstance(spec, list):
                args.append(ints(shape, spec, seed=i + 10 * j))
            else:
                args.append(uniform(shape, spec[0], spec[1], seed=i + 100 * j))
        out.append(Case(name, tuple(args), diff=diff, **kw))
    return out


add(binary("polygamma", [0, 1, 2], (0.5, 3.0), diff=(1,)))
add(binary("beta", (0.5, 3.0), (0.5, 3.0), diff=None))
add(binary("betaln", (0.5, 3.0), (0.5, 3.0), diff=None))
add(binary("gammainc", (0.5, 3.0), (0.3, 3.0), diff=None))
add(binary("gammaincc", (0.5, 3.0), (0.3, 3.0), diff=None))
# Both regions of the evaluation: x < a + 1 (series) and x >= a + 1 (continued fraction).
for order in (1, 2):
    add([Case("gammainc_da", c.args, {"order": order}, note=f"order{order}")
         for c in binary("gammainc_da", (0.5, 3.0), (0.3, 6.0), diff=None)])
add([Case("gammainc_da", (np.array([20.0, 0.7, 50.0]), np.array([25.0, 0.2, 40.0])),
          {"order": 1}, note="large")])
add(binary("rel_entr", (0.3, 2.0), (0.3, 2.0), diff=None))
add(binary("kl_div", (0.3, 2.0), (0.3, 2.0), diff=None))
add(binary("owens_t", (-2.0, 2.0), (-2.0, 2.0), diff=None))
add(binary("zeta", (2.0, 4.0), (0.5, 3.0), diff=(1,)))
for name in ("iv", "ive", "jv", "yv"):
    add(binary(name, (0.2, 2.5), (0.5, 3.0), diff=(1,)))
for name in ("kv", "kve"):
    add(binary(name, (-1.0, 2.5), (0.5, 3.0), diff=None))
for order in (1, 2):
    add([Case("kve_dv", c.args, {"order": order}, note=f"order{order}")
         for c in binary("kve_dv", (-2.0, 3.0), (0.3, 4.0), diff=None)])
add([Case("ive", (1.5, uniform((3,), -3.0, -0.5)), diff=(1,), note="negative")])
add(binary("yn", [0, 1, 3], (0.5, 3.0), diff=(1,)))
add(binary("kn", [0, 1, 3], (0.5, 3.0), diff=(1,)))
add(binary("expn", [0, 1, 3], (0.5, 3.0), diff=(1,)))
add(binary("spherical_jn", [0, 1, 3], (0.5, 3.0), diff=(1,)))
add(binary("spherical_yn", [0, 1, 3], (0.5, 3.0), diff=(1,)))
add([Case("betainc", (uniform((3,), 0.5, 3.0), uniform((3,), 0.5, 3.0, seed=1),
                      uniform((3,), 0.1, 0.9, seed=2))),
     Case("betainc", (2.5, uniform((2, 1), 0.5, 3.0, seed=1),
                      uniform((1, 3), 0.1, 0.9, seed=2))),
     Case("betainc", (uniform((2,), 1.0, 2.0), 1.5, uniform((0, 2), 0.1, 0.9)))])
# Both sides of x = (a+1)/(a+b+2) (the continued fraction of I_x(a, b) or of I_(1-x)(b, a)).
# (Second-order checks of the higher partials cost seconds each: first order there.)
for da, db, order in ((1, 0, 2), (0, 1, 2), (1, 1, 1), (2, 0, 1)):
    add([Case("betainc_d", (uniform((4,), 0.6, 4.0), uniform((4,), 0.6, 4.0, seed=1),
                            np.array([0.15, 0.4, 0.6, 0.85])), {"da": da, "db": db},
              order=order, note=f"d{da}{db}"),
         Case("betainc_d", (1.5, uniform((2, 1), 0.6, 4.0, seed=1),
                            uniform((1, 3), 0.1, 0.9, seed=2)), {"da": da, "db": db},
              order=order, note=f"d{da}{db}")])
add([Case("lambertw", (uniform(s, 0.0, 3.0, seed=i),), {"k": 0, "tol": 1e-8})
     for i, s in enumerate([(), (3,), (2, 3), (0,)])])
add([Case("lambertw", (uniform((3,), -0.3, -0.1),), {"k": -1, "tol": 1e-8},
          note="branch-1"),
     Case("lambertw", (uniform((3,), -0.3, -0.1),), {"k": 0, "tol": 1e-8},
          note="negative")])

# --- elementary functions, inverses, hypergeometric functions ------------------------------
for name, (lo, hi) in {"exp10": (-1.0, 1.0), "cosm1": (-2.0, 2.0), "sindg": (-200.0, 200.0),
                       "cosdg": (-200.0, 200.0), "tandg": (-60.0, 60.0),
                       "cotdg": (20.0, 160.0), "erfi": (-1.5, 1.5), "dawsn": (-3.0, 3.0),
                       "ndtri_exp": (-5.0, -0.1), "loggamma": (0.5, 4.0)}.items():
    add(unary_cases(name, lo, hi))
add(binary("powm1", (0.3, 2.5), (-1.5, 1.5), diff=None))
add(binary("poch", (0.5, 3.0), (-0.4, 2.0), diff=None))
add(binary("gammaincinv", (0.5, 3.0), (0.1, 0.9), diff=None))
add(binary("gammainccinv", (0.5, 3.0), (0.1, 0.9), diff=None))
add(binary("spherical_in", [0, 1, 3], (0.5, 3.0), diff=(1,)))
add(binary("spherical_kn", [0, 1, 3], (0.5, 3.0), diff=(1,)))
add([Case("betaincinv", (uniform((3,), 0.8, 3.0), uniform((3,), 0.8, 3.0, seed=1),
                         uniform((3,), 0.1, 0.9, seed=2))),
     Case("betaincinv", (1.5, uniform((2, 1), 0.8, 3.0, seed=1),
                         uniform((1, 3), 0.1, 0.9, seed=2))),
     Case("hyp1f1", (uniform((3,), -1.5, 2.0), uniform((3,), 0.5, 3.0, seed=1),
                     uniform((3,), -2.0, 2.0, seed=2)), diff=(2,)),
     Case("hyp1f1", (0.5, uniform((2, 1), 0.5, 3.0, seed=1), uniform((1, 3), -2.0, 2.0,
                                                                    seed=2)), diff=(2,)),
     Case("hyperu", (uniform((3,), 0.5, 2.0), uniform((3,), 0.5, 2.5, seed=1),
                     uniform((3,), 0.5, 3.0, seed=2)), diff=(2,)),
     Case("hyp2f1", (uniform((3,), 0.2, 1.5), uniform((3,), 0.2, 1.5, seed=1),
                     uniform((3,), 1.5, 3.0, seed=2), uniform((3,), -0.8, 0.7, seed=3)),
          diff=(3,)),
     Case("hyp2f1", (0.5, 1.5, uniform((2, 1), 1.5, 3.0, seed=2),
                     uniform((1, 3), -0.8, 0.7, seed=3)), diff=(3,))])
add([Case("integer_argument", (np.array([3, 5]),), {"fn": "bdtr", "arg": "n"},
           differentiable=False)])
add([Case("betaincc", (uniform((3,), 0.5, 3.0), uniform((3,), 0.5, 3.0, seed=1),
                       uniform((3,), 0.1, 0.9, seed=2))),
     Case("betaincc", (2.5, uniform((2, 1), 0.5, 3.0, seed=1),
                       uniform((1, 3), 0.1, 0.9, seed=2))),
     Case("betainccinv", (uniform((3,), 0.8, 3.0), uniform((3,), 0.8, 3.0, seed=1),
                          uniform((3,), 0.1, 0.9, seed=2))),
     Case("betainccinv", (1.5, uniform((2, 1), 0.8, 3.0, seed=1),
                          uniform((1, 3), 0.1, 0.9, seed=2)))])
