"""chainrule.scipy.special: values against SciPy (fast path and traced path, hard regions
included), derivatives against finite differences (both modes, second order) for every
function and every differentiable argument from one table, jit and vmap against SciPy, and
an error naming the argument wherever a derivative is not available."""

import warnings

import numpy as np
import pytest
import scipy.special as sp

import chainrule as cr
import chainrule.numpy as cnp
import chainrule.scipy.special as cs


def grid(lo, hi, n=5, seed=0):
    return np.random.default_rng(seed).uniform(lo, hi, size=n)


N3 = np.array([0, 1, 3])  # integer orders
# name, function of (module, *args) (the module is scipy.special or chainrule's), the
# arguments, and the positions of the arguments differentiated.
TABLE = [
    ("gammaln", lambda m, x: m.gammaln(x), (grid(0.3, 6.0),), (0,)),
    ("gammaln-negative", lambda m, x: m.gammaln(x), (np.array([-0.5, -1.3, -2.7]),), (0,)),
    ("gamma", lambda m, x: m.gamma(x), (np.array([0.7, 1.5, 3.2, -0.5, -1.5]),), (0,)),
    ("rgamma", lambda m, x: m.rgamma(x), (np.array([0.7, 1.5, 3.2, -0.5, -1.5]),), (0,)),
    ("digamma", lambda m, x: m.digamma(x), (grid(0.3, 5.0),), (0,)),
    ("psi", lambda m, x: m.psi(x), (np.array([-0.5, 0.4, 2.0]),), (0,)),
    ("polygamma", lambda m, n, x: m.polygamma(n, x), (N3, grid(0.5, 3.0, 3)), (1,)),
    ("multigammaln", lambda m, a: m.multigammaln(a, 3), (grid(1.5, 5.0),), (0,)),
    ("beta", lambda m, a, b: m.beta(a, b), (grid(0.5, 3.0), grid(0.5, 3.0, seed=1)), (0, 1)),
    ("betaln", lambda m, a, b: m.betaln(a, b), (grid(0.5, 30.0), grid(0.5, 3.0, seed=1)),
     (0, 1)),
    ("betainc", lambda m, a, b, x: m.betainc(a, b, x),
     (grid(0.5, 3.0), grid(0.5, 3.0, seed=1), grid(0.05, 0.95, seed=2)), (0, 1, 2)),
    ("betainc-large", lambda m, a, b, x: m.betainc(a, b, x),
     (np.array([40.0, 20.0, 2.0]), np.array([60.0, 30.0, 20.0]), np.array([0.4, 0.6, 0.08])),
     (0, 1, 2)),
    ("gammainc", lambda m, a, x: m.gammainc(a, x), (grid(0.5, 5.0), grid(0.1, 6.0, seed=1)),
     (0, 1)),
    ("gammaincc", lambda m, a, x: m.gammaincc(a, x), (grid(0.5, 5.0), grid(0.1, 6.0, seed=1)),
     (0, 1)),
    ("gammainc-large", lambda m, a, x: m.gammainc(a, x),
     (np.array([50.0, 200.0, 1000.0]), np.array([45.0, 230.0, 1001.0])), (0, 1)),
    ("erf", lambda m, x: m.erf(x), (grid(-2.5, 2.5),), (0,)),
    ("erfc", lambda m, x: m.erfc(x), (grid(-2.5, 2.5),), (0,)),
    ("erfinv", lambda m, x: m.erfinv(x), (grid(-0.95, 0.95),), (0,)),
    ("erfcinv", lambda m, x: m.erfcinv(x), (grid(0.05, 1.95),), (0,)),
    ("erfcx", lambda m, x: m.erfcx(x), (grid(-1.5, 5.0),), (0,)),
    ("expit", lambda m, x: m.expit(x), (grid(-5.0, 5.0),), (0,)),
    ("logit", lambda m, x: m.logit(x), (grid(0.05, 0.95),), (0,)),
    ("log_expit", lambda m, x: m.log_expit(x), (grid(-5.0, 5.0),), (0,)),
    ("ndtr", lambda m, x: m.ndtr(x), (grid(-3.0, 3.0),), (0,)),
    ("log_ndtr", lambda m, x: m.log_ndtr(x), (grid(-8.0, 4.0),), (0,)),
    ("ndtri", lambda m, x: m.ndtri(x), (grid(0.05, 0.95),), (0,)),
    ("xlogy", lambda m, x, y: m.xlogy(x, y), (grid(-2.0, 2.0), grid(0.3, 3.0, seed=1)), (0, 1)),
    ("xlog1py", lambda m, x, y: m.xlog1py(x, y), (grid(-2.0, 2.0), grid(-0.7, 3.0, seed=1)),
     (0, 1)),
    ("entr", lambda m, x: m.entr(x), (grid(0.1, 3.0),), (0,)),
    ("rel_entr", lambda m, x, y: m.rel_entr(x, y), (grid(0.1, 3.0), grid(0.1, 3.0, seed=1)),
     (0, 1)),
    ("kl_div", lambda m, x, y: m.kl_div(x, y), (grid(0.1, 3.0), grid(0.1, 3.0, seed=1)),
     (0, 1)),
    ("i0", lambda m, x: m.i0(x), (grid(-4.0, 4.0),), (0,)),
    ("i0e", lambda m, x: m.i0e(x), (grid(-4.0, 4.0),), (0,)),
    ("i1", lambda m, x: m.i1(x), (grid(-4.0, 4.0),), (0,)),
    ("i1e", lambda m, x: m.i1e(x), (grid(-4.0, 4.0),), (0,)),
    ("k0", lambda m, x: m.k0(x), (grid(0.2, 4.0),), (0,)),
    ("k0e", lambda m, x: m.k0e(x), (grid(0.2, 4.0),), (0,)),
    ("k1", lambda m, x: m.k1(x), (grid(0.2, 4.0),), (0,)),
    ("k1e", lambda m, x: m.k1e(x), (grid(0.2, 4.0),), (0,)),
    ("iv", lambda m, v, x: m.iv(v, x), (grid(0.0, 3.0), grid(0.2, 5.0, seed=1)), (1,)),
    ("ive", lambda m, v, x: m.ive(v, x), (np.array([0.0, 1.0, 2.5]), np.array([-3.0, 0.5, 4.0])),
     (1,)),
    ("kv", lambda m, v, x: m.kv(v, x), (grid(-2.0, 3.0), grid(0.2, 5.0, seed=1)), (0, 1)),
    ("kve", lambda m, v, x: m.kve(v, x), (grid(-2.0, 3.0), grid(0.2, 5.0, seed=1)), (0, 1)),
    ("kn", lambda m, n, x: m.kn(n, x), (N3, grid(0.3, 4.0, 3)), (1,)),
    ("j0", lambda m, x: m.j0(x), (grid(-6.0, 6.0),), (0,)),
    ("j1", lambda m, x: m.j1(x), (grid(-6.0, 6.0),), (0,)),
    ("jv", lambda m, v, x: m.jv(v, x), (grid(0.0, 4.0), grid(0.2, 8.0, seed=1)), (1,)),
    ("jn", lambda m, n, x: m.jn(n, x), (N3, grid(-5.0, 5.0, 3)), (1,)),
    ("y0", lambda m, x: m.y0(x), (grid(0.3, 6.0),), (0,)),
    ("y1", lambda m, x: m.y1(x), (grid(0.3, 6.0),), (0,)),
    ("yv", lambda m, v, x: m.yv(v, x), (grid(0.0, 4.0), grid(0.5, 8.0, seed=1)), (1,)),
    ("yn", lambda m, n, x: m.yn(n, x), (N3, grid(0.5, 5.0, 3)), (1,)),
    ("spherical_jn", lambda m, n, x: m.spherical_jn(n, x), (N3, grid(-4.0, 4.0, 3)), (1,)),
    ("spherical_jn-derivative", lambda m, n, x: m.spherical_jn(n, x, True),
     (N3, grid(0.3, 4.0, 3)), (1,)),
    ("spherical_yn", lambda m, n, x: m.spherical_yn(n, x), (N3, grid(0.5, 4.0, 3)), (1,)),
    ("spherical_yn-derivative", lambda m, n, x: m.spherical_yn(n, x, True),
     (N3, grid(0.5, 4.0, 3)), (1,)),
    ("zeta", lambda m, x: m.zeta(x), (np.array([2, 3, 5]),), ()),
    ("zeta-hurwitz", lambda m, x, q: m.zeta(x, q), (grid(1.5, 5.0), grid(0.3, 4.0, seed=1)),
     (1,)),
    ("sinc", lambda m, x: m.sinc(x), (np.array([0.0, 0.3, -1.7, 2.5]),), (0,)),
    ("exp1", lambda m, x: m.exp1(x), (grid(0.1, 5.0),), (0,)),
    ("expn", lambda m, n, x: m.expn(n, x), (N3, grid(0.3, 4.0, 3)), (1,)),
    ("owens_t", lambda m, h, a: m.owens_t(h, a), (grid(-3.0, 3.0), grid(-2.0, 2.0, seed=1)),
     (0, 1)),
    ("lambertw", lambda m, z: m.lambertw(z).real, (grid(-0.3, 5.0),), (0,)),
    ("lambertw-branch-1", lambda m, z: m.lambertw(z, -1, 1e-15).real, (grid(-0.25, -0.1),), (0,)),
    ("exp10", lambda m, x: m.exp10(x), (grid(-2.0, 2.0),), (0,)),
    ("exp2", lambda m, x: m.exp2(x), (grid(-2.0, 2.0),), (0,)),
    ("expm1", lambda m, x: m.expm1(x), (np.array([-1e-10, 1e-5, 0.7, -2.0]),), (0,)),
    ("log1p", lambda m, x: m.log1p(x), (np.array([-1e-10, 1e-5, 0.7, -0.5]),), (0,)),
    ("cbrt", lambda m, x: m.cbrt(x), (grid(0.3, 3.0),), (0,)),
    ("cosm1", lambda m, x: m.cosm1(x), (np.array([1e-9, -0.3, 2.0]),), (0,)),
    ("sindg", lambda m, x: m.sindg(x), (grid(-300.0, 300.0),), (0,)),
    ("cosdg", lambda m, x: m.cosdg(x), (grid(-300.0, 300.0),), (0,)),
    ("tandg", lambda m, x: m.tandg(x), (grid(-70.0, 70.0),), (0,)),
    ("cotdg", lambda m, x: m.cotdg(x), (grid(20.0, 160.0),), (0,)),
    ("powm1", lambda m, x, y: m.powm1(x, y), (grid(0.3, 3.0), grid(-1.5, 1.5, seed=1)), (0, 1)),
    ("erfi", lambda m, x: m.erfi(x), (grid(-2.0, 2.0),), (0,)),
    ("dawsn", lambda m, x: m.dawsn(x), (grid(-4.0, 4.0),), (0,)),
    ("ndtri_exp", lambda m, y: m.ndtri_exp(y), (np.array([-30.0, -5.0, -1.0, -0.3]),),
     (0,)),
    ("loggamma", lambda m, x: m.loggamma(x), (grid(0.3, 6.0),), (0,)),
    ("poch", lambda m, z, k: m.poch(z, k), (grid(0.5, 3.0), grid(-0.4, 2.5, seed=1)), (0, 1)),
    ("gammaincinv", lambda m, a, y: m.gammaincinv(a, y),
     (grid(0.5, 4.0), grid(0.05, 0.95, seed=1)), (0, 1)),
    ("gammainccinv", lambda m, a, y: m.gammainccinv(a, y),
     (grid(0.5, 4.0), grid(0.05, 0.95, seed=1)), (0, 1)),
    ("betaincinv", lambda m, a, b, y: m.betaincinv(a, b, y),
     (grid(0.8, 3.0), grid(0.8, 3.0, seed=1), grid(0.1, 0.9, seed=2)), (0, 1, 2)),
    ("hyp1f1", lambda m, a, b, x: m.hyp1f1(a, b, x),
     (grid(-1.5, 2.0), grid(0.5, 3.0, seed=1), grid(-3.0, 3.0, seed=2)), (2,)),
    ("hyp2f1", lambda m, a, b, c, z: m.hyp2f1(a, b, c, z),
     (grid(0.2, 1.5), grid(0.2, 1.5, seed=1), grid(1.5, 3.0, seed=2), grid(-0.8, 0.7, seed=3)),
     (3,)),
    ("hyperu", lambda m, a, b, x: m.hyperu(a, b, x),
     (grid(0.5, 2.0), grid(0.5, 2.5, seed=1), grid(0.5, 3.0, seed=2)), (2,)),
    ("spherical_in", lambda m, n, x: m.spherical_in(n, x), (N3, grid(-3.0, 3.0, 3)), (1,)),
    ("spherical_in-derivative", lambda m, n, x: m.spherical_in(n, x, True),
     (N3, grid(0.3, 3.0, 3)), (1,)),
    ("spherical_kn", lambda m, n, x: m.spherical_kn(n, x), (N3, grid(0.5, 3.0, 3)), (1,)),
    ("spherical_kn-derivative", lambda m, n, x: m.spherical_kn(n, x, True),
     (N3, grid(0.5, 3.0, 3)), (1,)),
    ("softplus", lambda m, x: m.softplus(x), (np.array([-800.0, -3.0, 0.0, 2.0, 800.0]),),
     (0,)),
    ("chdtr", lambda m, v, x: m.chdtr(v, x), (grid(0.5, 8.0), grid(0.2, 10.0, seed=1)), (0, 1)),
    ("chdtrc", lambda m, v, x: m.chdtrc(v, x), (grid(0.5, 8.0), grid(0.2, 10.0, seed=1)),
     (0, 1)),
    ("gdtr", lambda m, a, b, x: m.gdtr(a, b, x),
     (grid(0.2, 3.0), grid(0.5, 4.0, seed=1), grid(0.2, 5.0, seed=2)), (0, 1, 2)),
    ("gdtrc", lambda m, a, b, x: m.gdtrc(a, b, x),
     (grid(0.2, 3.0), grid(0.5, 4.0, seed=1), grid(0.2, 5.0, seed=2)), (0, 1, 2)),
    ("pdtr", lambda m, k, x: m.pdtr(k, x), (np.array([0.0, 2.0, 5.7, -1.0]),
                                            grid(0.2, 6.0, 4)), (1,)),
    ("pdtrc", lambda m, k, x: m.pdtrc(k, x), (np.array([0.0, 2.0, 5.7, 3.0]),
                                              grid(0.2, 6.0, 4)), (1,)),
    ("bdtr", lambda m, k, n, p: m.bdtr(k, n, p),
     (np.array([0.0, 2.0, 2.5, 5.0]), np.array([5, 5, 7, 9]), grid(0.1, 0.9, 4)), (2,)),
    ("bdtrc", lambda m, k, n, p: m.bdtrc(k, n, p),
     (np.array([0.0, 2.0, 2.5, 5.0]), np.array([5, 5, 7, 9]), grid(0.1, 0.9, 4)), (2,)),
    ("fdtr", lambda m, d1, d2, x: m.fdtr(d1, d2, x),
     (grid(0.5, 8.0), grid(0.5, 8.0, seed=1), grid(0.1, 4.0, seed=2)), (0, 1, 2)),
    ("fdtrc", lambda m, d1, d2, x: m.fdtrc(d1, d2, x),
     (grid(0.5, 8.0), grid(0.5, 8.0, seed=1), grid(0.1, 4.0, seed=2)), (0, 1, 2)),
    ("betaincc", lambda m, a, b, x: m.betaincc(a, b, x),
     (grid(0.5, 3.0), grid(0.5, 3.0, seed=1), grid(0.05, 0.95, seed=2)), (0, 1, 2)),
    ("betainccinv", lambda m, a, b, y: m.betainccinv(a, b, y),
     (grid(0.8, 3.0), grid(0.8, 3.0, seed=1), grid(0.1, 0.9, seed=2)), (0, 1, 2)),
    ("chdtri", lambda m, v, p: m.chdtri(v, p), (grid(0.5, 8.0), grid(0.05, 0.95, seed=1)),
     (0, 1)),
    ("gammasgn", lambda m, x: m.gammasgn(x), (np.array([0.5, -0.5, -1.5, 2.0]),), ()),
    ("logsumexp", lambda m, a: m.logsumexp(a), (grid(-3.0, 3.0),), (0,)),
    ("logsumexp-axis", lambda m, a: m.logsumexp(a, axis=1),
     (grid(-3.0, 3.0, 6).reshape(2, 3),), (0,)),
    ("logsumexp-keepdims", lambda m, a: m.logsumexp(a, axis=(0, 2), keepdims=True),
     (grid(-3.0, 3.0, 12).reshape(2, 3, 2),), (0,)),
    ("logsumexp-b", lambda m, a, b: m.logsumexp(a, axis=0, b=b),
     (grid(-3.0, 3.0, 6).reshape(3, 2), grid(0.2, 2.0, 6, seed=1).reshape(3, 2)), (0, 1)),
    ("logsumexp-sign", lambda m, a, b: m.logsumexp(a, b=b, axis=-1, return_sign=True),
     (grid(-3.0, 3.0, 6).reshape(2, 3), np.array([[1.0, -2.0, 0.5], [-1.0, -0.5, 1.3]])),
     (0, 1)),
    ("logsumexp-ties", lambda m, a, b: m.logsumexp(a, b=b),
     (np.array([1.0, 1.0, 0.5]), np.array([0.3, 2.0, 1.0])), (0, 1)),
    ("softmax", lambda m, x: m.softmax(x), (grid(-3.0, 3.0),), (0,)),
    ("softmax-axis", lambda m, x: m.softmax(x, axis=0), (grid(-3.0, 3.0, 6).reshape(3, 2),),
     (0,)),
    ("log_softmax", lambda m, x: m.log_softmax(x, axis=1),
     (grid(-3.0, 3.0, 6).reshape(2, 3),), (0,)),
]
IDS = [row[0] for row in TABLE]


def ours(fn):
    return lambda *args: fn(cs, *args)


def scipy_value(fn, args):
    return fn(sp, *args)


def assert_close(got, want, rtol=1e-12):
    for g, w in zip(got if isinstance(want, tuple) else (got,),
                    want if isinstance(want, tuple) else (want,)):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=rtol, atol=0)


@pytest.mark.parametrize("name,fn,args,diff", TABLE, ids=IDS)
def test_fast_path_is_scipy(name, fn, args, diff):
    got, want = ours(fn)(*args), scipy_value(fn, args)
    for g, w in zip(got if isinstance(want, tuple) else (got,),
                    want if isinstance(want, tuple) else (want,)):
        assert type(g) is type(w)
        assert np.asarray(g).dtype == np.asarray(w).dtype
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("name,fn,args,diff", TABLE, ids=IDS)
def test_traced_values_match_scipy(name, fn, args, diff):
    want = scipy_value(fn, args)
    assert_close(cr.jit(ours(fn))(*args), want)
    # The primal computed under a derivative transform.
    tangents = tuple(np.ones_like(a) if i in diff else np.zeros_like(a, dtype=float)
                     for i, a in enumerate(args))
    if diff:
        def g(*d):
            full = list(args)
            for i, v in zip(diff, d):
                full[i] = v
            return ours(fn)(*full)
        primal, _ = cr.jvp(g, tuple(args[i] for i in diff), tuple(tangents[i] for i in diff))
        assert_close(primal, want)


@pytest.mark.parametrize("name,fn,args,diff", [r for r in TABLE if r[3]],
                         ids=[r[0] for r in TABLE if r[3]])
def test_derivatives_match_finite_differences(name, fn, args, diff):
    def g(*d):
        full = list(args)
        for i, v in zip(diff, d):
            full[i] = v
        return ours(fn)(*full)
    cr.check_grads(g, tuple(args[i] for i in diff), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name,fn,args,diff", TABLE, ids=IDS)
def test_vmap_matches_loop(name, fn, args, diff):
    # A batch of three: the differentiated (or first) arguments scaled per example.
    batched = diff or (0,)
    examples = [[a * (1 + 0.01 * k) if i in batched else a for i, a in enumerate(args)]
                for k in range(3)]
    want = [scipy_value(fn, ex) for ex in examples]
    stacked = [np.stack([ex[i] for ex in examples]) if i in batched else a
               for i, a in enumerate(args)]
    in_axes = tuple(0 if i in batched else None for i in range(len(args)))
    got = cr.vmap(ours(fn), in_axes=in_axes)(*stacked)
    if isinstance(want[0], tuple):
        want = tuple(np.stack([w[k] for w in want]) for k in range(len(want[0])))
    else:
        want = np.stack(want)
    assert_close(got, want)


def test_ufuncs_are_scipys_own():
    for name in ("gammaln", "erf", "iv", "jv", "xlogy", "log_ndtr", "owens_t"):
        assert getattr(cs, name) is getattr(sp, name)
    assert cs.psi is sp.digamma and cs.jn is sp.jv


def test_plain_scipy_call_on_a_traced_value_is_differentiated():
    x = np.array([0.5, 2.0])
    np.testing.assert_allclose(cr.grad(lambda x: sp.gammaln(x).sum())(x), sp.digamma(x),
                               rtol=1e-14)
    np.testing.assert_allclose(cr.grad(lambda x: sp.iv(1.5, x).sum())(x),
                               (sp.iv(0.5, x) + sp.iv(2.5, x)) / 2, rtol=1e-14)


def test_plain_scipy_call_works_without_importing_chainrule_scipy():
    import subprocess
    import sys

    code = ("import chainrule as cr, scipy.special as sp, numpy as np\n"
            "print(repr(float(cr.grad(sp.gammaln)(2.5))), repr(float(sp.digamma(2.5))))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[0] == out[1]


# --- derivatives in closed form, higher orders ---------------------------------------------
def test_higher_derivatives_of_the_gamma_family():
    x = 1.7
    d = cr.grad
    assert np.isclose(d(cs.gammaln)(x), sp.digamma(x), rtol=1e-14)
    assert np.isclose(d(d(cs.gammaln))(x), sp.polygamma(1, x), rtol=1e-14)
    assert np.isclose(d(d(d(cs.gammaln)))(x), sp.polygamma(2, x), rtol=1e-14)
    assert np.isclose(d(d(lambda x: cs.polygamma(2, x)))(x), sp.polygamma(4, x), rtol=1e-14)
    assert np.isclose(d(cs.erfinv)(0.3), np.sqrt(np.pi) / 2 * np.exp(sp.erfinv(0.3) ** 2),
                      rtol=1e-14)
    assert np.isclose(d(lambda x: cs.iv(0.5, x))(2.0), (sp.iv(-0.5, 2.0) + sp.iv(1.5, 2.0)) / 2,
                      rtol=1e-14)
    assert np.isclose(d(lambda x: cs.kv(0.5, x))(2.0),
                      -(sp.kv(-0.5, 2.0) + sp.kv(1.5, 2.0)) / 2, rtol=1e-14)


def test_lambertw_second_derivative():
    x = np.array([-0.3, -0.2, -0.1])
    for k in (0, -1):
        w = sp.lambertw(x, k).real
        got = cr.vmap(cr.grad(cr.grad(lambda z: cs.lambertw(z, k).real)))(x)
        np.testing.assert_allclose(got, -w ** 2 * (w + 2) / (x ** 2 * (1 + w) ** 3),
                                   rtol=1e-13)
    assert np.isnan(cr.jit(lambda z: cs.lambertw(z).real)(-1.0))  # complex there


# d/da and d2/da2 of gammainc(a, x), from 40-digit references.
GAMMAINC_A = [
    (0.5, 0.3, -0.77057035137535192, 0.62614765583991265),
    (0.5, 3.0, -0.047240326447973751, -0.085989868973685684),
    (2.0, 2.9, -0.20759858420224204, -0.076052780368737104),
    (2.0, 3.1, -0.18742655023559063, -0.081703884561401453),
    (10.0, 11.5, -0.10699720869213529, -0.014989859249481502),
    (100.0, 95.0, -0.035991134792831112, 0.0018479446137258724),
    (1000.0, 1002.0, -0.012578964534000305, -2.5133850890537293e-5),
    (0.01, 0.5, -0.56554591171525777, -0.56772031689329352),
    (30.0, 5.0, -5.1121523193616428e-14, 9.1843958041818742e-14),
    (5.0, 60.0, -1.3185137804113742e-20, -3.3238563346123963e-20),
]


def test_gammainc_derivatives_in_a_against_references():
    a, x, d1, d2 = (np.array(c) for c in zip(*GAMMAINC_A))
    da = cr.vmap(cr.grad(cs.gammainc))(a, x)
    np.testing.assert_allclose(da, d1, rtol=1e-12)
    np.testing.assert_allclose(cr.vmap(cr.grad(cr.grad(cs.gammainc)))(a, x), d2, rtol=1e-11)
    np.testing.assert_allclose(cr.vmap(cr.grad(cs.gammaincc))(a, x), -d1, rtol=1e-12)
    # The inverse: dx/da = -P_a / P_x at the solution.
    y = sp.gammainc(a[:8], x[:8])
    got = cr.vmap(cr.grad(cs.gammaincinv))(a[:8], y)
    density = np.exp((a[:8] - 1) * np.log(x[:8]) - x[:8] - sp.gammaln(a[:8]))
    np.testing.assert_allclose(got, -d1[:8] / density, rtol=1e-9)
    # Edges: x = 0 and x = inf do not depend on a; invalid a gives NaN, not a number.
    edge = cr.vmap(cr.grad(cs.gammainc))(np.array([2.0, 2.0, -1.0]),
                                         np.array([0.0, np.inf, 1.0]))
    assert edge[0] == 0 and edge[1] == 0 and np.isnan(edge[2])



@pytest.mark.parametrize("fn", ["gammaincinv", "gammainccinv"])
def test_gamma_inverse_a_derivatives_at_tiny_solutions(fn):
    # Small shapes put the solution x far below 1 (down to subnormal numbers and 0), where
    # the density x**(a-1) exp(-x) / Gamma(a) overflows. There x = (P Gamma(a+1))**(1/a)
    # to double precision, so log x = g(a) = (log P + gammaln(a+1)) / a and
    # dx/da = x g', d2x/da2 = x (g'**2 + g''), g' = (digamma(a+1) - g) / a,
    # g'' = (polygamma(1, a+1) - 2 g') / a.
    a = 0.01
    logx = np.array([-100.0, -345.0, -575.0, -705.0, -740.0, -800.0])
    p = np.exp(a * logx - sp.gammaln(a + 1))
    y = p if fn == "gammaincinv" else 1.0 - p
    p = 1.0 - (1.0 - p) if fn == "gammainccinv" else p  # the P that y = Q = 1 - P holds
    x = getattr(sp, fn)(a, y)
    g = (np.log(p) + sp.gammaln(a + 1)) / a
    g1 = (sp.digamma(a + 1) - g) / a
    g2 = (sp.polygamma(1, a + 1) - 2 * g1) / a
    f = getattr(cs, fn)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow on the way
        d1 = cr.vmap(cr.grad(f), in_axes=(None, 0))(a, y)
        d2 = cr.vmap(cr.grad(cr.grad(f)), in_axes=(None, 0))(a, y)
    # (x = 4e-322 is subnormal, with about 7 significant bits: hence the atol.)
    np.testing.assert_allclose(d1, x * g1, rtol=1e-12, atol=1e-315)
    np.testing.assert_allclose(d2, x * (g1 ** 2 + g2), rtol=1e-12, atol=1e-315)
    # Forward mode and jit agree.
    np.testing.assert_allclose(cr.jit(cr.vmap(cr.jacfwd(cr.jacfwd(f)), in_axes=(None, 0)))(
        a, y), d2, rtol=1e-13, atol=1e-320)

# d/da, d/db and d2/dadb of betainc(a, b, x), from 40-digit references.
BETAINC_AB = [
    (0.5, 0.5, 0.3, -0.64281148115728385, 0.46874458391550545, -0.26572975835844433),
    (2.0, 3.0, 0.7, -0.069571251131060503, 0.081872523722080863, 0.051626579445448397),
    (0.8, 5.0, 0.5, -0.044566709215006806, 0.015505479757674231, 0.028784849972153619),
    (10.0, 12.0, 0.45, -0.095481057512751452, 0.078628157350999145, -0.00042415104848742561),
    (100.0, 50.0, 0.7, -0.015262447328577929, 0.033010790416850274, 0.0015573186293478853),
    (0.05, 2.0, 0.01, -3.0527035789335932, 0.026073518358395938, 0.4182765905912099),
    (3.0, 300.0, 0.02, -0.061859398945126061, 0.00085388331426472115, 0.00074768100644450008),
]


def test_betainc_derivatives_in_a_and_b_against_references():
    a, b, x, da, db, dab = (np.array(c) for c in zip(*BETAINC_AB))
    got_a, got_b = cr.vmap(cr.grad(cs.betainc, argnums=(0, 1)))(a, b, x)
    np.testing.assert_allclose(got_a, da, rtol=1e-11)
    np.testing.assert_allclose(got_b, db, rtol=1e-11)
    got_ab = cr.vmap(cr.grad(cr.grad(cs.betainc), argnums=1))(a, b, x)
    np.testing.assert_allclose(got_ab, dab, rtol=1e-10)
    # The inverse: dy/da = -I_a / I_x at the solution.
    y = sp.betainc(a, b, x)
    density = np.exp((a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - sp.betaln(a, b))
    np.testing.assert_allclose(cr.vmap(cr.grad(cs.betaincinv))(a, b, y), -da / density,
                               rtol=1e-9)
    edge = cr.vmap(cr.grad(cs.betainc))(np.array([2.0, 2.0, -1.0]), np.array([3.0, 3.0, 1.0]),
                                        np.array([0.0, 1.0, 0.5]))
    assert edge[0] == 0 and edge[1] == 0 and np.isnan(edge[2])


# d/dv and d2/dv2 of kv(v, x) (of kve for the last two), from 30-digit references.
KV_ORDER = [
    (0.0, 1.0, 0.0, 0.30781104309211269),
    (0.5, 2.0, 0.024748637504434276, 0.054148224722435398),
    (1.5, 0.01, 6685.9779660486496, 36840.146186223172),
    (-2.3, 3.0, -0.046944259773652118, 0.048485815912359005),
    (10.0, 1.0, 532737284.22473574, 1589375707.4126447),
    (50.0, 20.0, 674634923833.5309, 1113161141457.271),
]
KVE_ORDER = [
    (0.3, 700.0, 2.0284984484087206e-5, 6.7625298186305552e-5),
    (5.0, 10000.0, 6.2740160358988629e-6, 1.2579399536928609e-6),
]


def test_kv_derivatives_in_the_order_against_references():
    for fn, table in ((cs.kv, KV_ORDER), (cs.kve, KVE_ORDER)):
        v, x, d1, d2 = (np.array(c) for c in zip(*table))
        np.testing.assert_allclose(cr.vmap(cr.grad(fn))(v, x), d1, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(cr.vmap(cr.grad(cr.grad(fn)))(v, x), d2, rtol=1e-12)
    # The mixed derivative through K_v' = -(K_(v-1) + K_(v+1)) / 2.
    cr.check_grads(lambda v, x: cs.kv(v, x), (np.array([0.4, 2.2]), np.array([1.3, 0.6])),
                   order=2, modes=("fwd", "rev"))
    with pytest.raises(NotImplementedError, match="real arguments"):
        cr.jvp(lambda v: cs.kv(v, 1.0 + 1j), (1.5,), (1.0,))


# --- hard regions ----------------------------------------------------------------------
def test_erfinv_near_plus_minus_one():
    x = np.array([-1 + 1e-12, -0.999999, 0.999999, 1 - 1e-12, 1 - 1e-15])
    assert_close(cr.jit(cs.erfinv)(x), sp.erfinv(x))
    got = cr.vmap(cr.grad(cs.erfinv))(x)
    assert_close(got, np.sqrt(np.pi) / 2 * np.exp(sp.erfinv(x) ** 2), rtol=1e-13)
    assert np.all(np.isfinite(got))


def test_ndtri_exp_far_tail():
    y = np.array([-800.0, -1e4])
    x = cr.jit(cs.ndtri_exp)(y)
    assert_close(x, sp.ndtri_exp(y))
    # dx/dy = exp(y) / phi(x), computed as sqrt(2 pi) exp(y + x^2/2): finite, no underflow.
    got = cr.vmap(cr.grad(cs.ndtri_exp))(y)
    np.testing.assert_allclose(got, np.sqrt(2 * np.pi) * np.exp(y + x ** 2 / 2), rtol=1e-14)
    np.testing.assert_allclose(got, -1 / x, rtol=2e-3)  # the tail asymptote -1/x
    # x'' = x' (1 + x x'), also close to y = 0 where finite differences are poor.
    y = np.array([-800.0, -30.0, -0.01])
    x = sp.ndtri_exp(y)
    d1 = np.sqrt(2 * np.pi) * np.exp(y + x ** 2 / 2)
    np.testing.assert_allclose(cr.vmap(cr.grad(cr.grad(cs.ndtri_exp)))(y), d1 * (1 + x * d1),
                               rtol=1e-13)


def test_log_ndtr_far_tail():
    x = np.array([-40.0, -100.0, -1e4, -5.0, 10.0, 40.0])
    assert_close(cr.jit(cs.log_ndtr)(x), sp.log_ndtr(x))
    # d/dx log ndtr(x) = phi(x) / ndtr(x) ~ -x - 1/x + 2/x^3 in the left tail.
    got = cr.vmap(cr.grad(cs.log_ndtr))(x)
    left = x[:3]
    np.testing.assert_allclose(got[:3], -left - 1 / left + 2 / left ** 3 - 10 / left ** 5,
                               rtol=1e-10)
    phi = np.exp(-x[3:] ** 2 / 2) / np.sqrt(2 * np.pi)
    np.testing.assert_allclose(got[3:], phi / sp.ndtr(x[3:]), rtol=1e-13)


def test_large_bessel_arguments():
    x = np.array([50.0, 300.0, 700.0])
    for name in ("i0e", "i1e", "k0e", "k1e", "j0", "y1"):
        f = getattr(cs, name)
        assert_close(cr.jit(f)(x), f(x))
    assert_close(cr.jit(lambda x: cs.ive(2.5, x))(x), sp.ive(2.5, x))
    # ive' = (ive(v-1) + ive(v+1)) / 2 - ive: finite (no overflow) at x = 700.
    got = cr.vmap(cr.grad(lambda x: cs.ive(2.5, x)))(x)
    want = (sp.ive(1.5, x) + sp.ive(3.5, x)) / 2 - sp.ive(2.5, x)
    np.testing.assert_allclose(got, want, rtol=1e-8)
    assert np.all(np.isfinite(got))


def test_log_expit_tails():
    x = np.array([-800.0, -40.0, -1e-20, 0.0, 40.0, 800.0])
    assert_close(cr.jit(cs.log_expit)(x), sp.log_expit(x))
    got = cr.vmap(cr.grad(cs.log_expit))(x)
    np.testing.assert_allclose(got, sp.expit(-x), rtol=1e-14)
    got = cr.vmap(cr.grad(cs.expit))(x)  # expit(x) expit(-x), no cancellation
    np.testing.assert_allclose(got, sp.expit(x) * sp.expit(-x), rtol=1e-14)
    assert got[-2] > 0  # e^-40, where 1 - expit(40) would be 0


def test_xlogy_at_zero():
    x = np.array([0.0, 0.0, 0.0, 0.0, 2.0])
    y = np.array([0.0, 2.0, np.inf, -1.0, 3.0])
    assert_close(cr.jit(cs.xlogy)(x, y), sp.xlogy(x, y))
    dx, dy = cr.vmap(cr.grad(cs.xlogy, argnums=(0, 1)))(x[1:], y[1:] + 0.0)
    # d/dx x log y = log y, also at x = 0 where y > 0; d/dy = x / y.
    assert dx[0] == np.log(2.0) and dy[0] == 0.0
    assert dx[3] == np.log(3.0) and np.isclose(dy[3], 2 / 3)
    assert np.all(np.isfinite(dx[:3]))
    assert_close(cr.jit(cs.xlog1py)(x, y - 1), sp.xlog1py(x, y - 1))


def test_logsumexp_matches_scipy_in_hard_cases():
    cases = [
        (np.array([0.0, -50.0]), {}),  # result near 0: log1p keeps its digits
        (np.array([1000.0, 1000.0, 999.0]), {}),
        (np.array([-np.inf, -np.inf]), {}),
        (np.array([np.inf, 1.0]), {}),
        (np.array([1.0, 2.0]), {"b": np.array([1.0, -1.0])}),  # negative sum: NaN
        (np.array([1.0, 2.0]), {"b": np.array([1.0, -1.0]), "return_sign": True}),
        (np.array([2.0, 2.0]), {"b": np.array([1.0, -1.0]), "return_sign": True}),  # 0
        (np.array([5.0, 1.0, 3.0]), {"b": np.array([0.0, 1.0, 2.0])}),
        (np.zeros((0, 3)), {"axis": 0}),
        (np.array(2.0), {}),
        (np.array([[1.0, 2.0], [3.0, 4.0]]), {"axis": (0, 1), "keepdims": True}),
    ]
    for a, kw in cases:
        want = sp.logsumexp(a, **kw)
        with np.errstate(all="ignore"):
            got = cr.jit(lambda a: cs.logsumexp(a, **kw))(a)
        for g, w in zip(got if isinstance(want, tuple) else (got,),
                        want if isinstance(want, tuple) else (want,)):
            assert np.shape(g) == np.shape(w)
            np.testing.assert_allclose(np.asarray(g), w, rtol=1e-14, atol=1e-300)


def test_logsumexp_derivative_is_softmax():
    a = np.array([3.0, 3.0, 1.0, -2.0])  # a tie at the maximum
    b = np.array([0.5, 2.0, 1.0, 0.0])  # and a zero weight
    out = sp.logsumexp(a, b=b)
    da, db = cr.grad(lambda a, b: cs.logsumexp(a, b=b), argnums=(0, 1))(a, b)
    np.testing.assert_allclose(da, b * np.exp(a - out), rtol=1e-14)
    np.testing.assert_allclose(db, np.exp(a - out), rtol=1e-14)
    # Negative weights, nearly cancelling: the Hessian against its closed form.
    a, b = np.array([-2.9, 1.88, 2.48]), np.array([-1.0, -0.5, 0.3])
    w = b * np.exp(a)
    s = w.sum()
    hess = cr.hessian(lambda a: cs.logsumexp(a, b=b))(a)
    np.testing.assert_allclose(hess, np.diag(w / s) - np.outer(w, w) / s ** 2, rtol=1e-13)


def test_log_softmax_where_softmax_underflows():
    x = np.array([0.0, 1000.0, -1000.0])
    assert_close(cr.jit(cs.log_softmax)(x), sp.log_softmax(x))
    jac = cr.jacobian(cs.log_softmax)(x)
    p = sp.softmax(x)
    np.testing.assert_allclose(jac, np.eye(3) - p[None, :], atol=1e-300)


# --- numpy.logaddexp.reduce on traced values -------------------------------------------
@pytest.mark.parametrize("ufunc", [np.logaddexp, np.logaddexp2])
def test_logaddexp_reduce_on_traced_values(ufunc):
    a = grid(-3.0, 3.0, 6).reshape(2, 3)
    for kw in ({}, {"axis": 1}, {"axis": None}, {"axis": 1, "keepdims": True},
               {"axis": 0, "initial": 0.5}, {"axis": 1, "where": np.array([True, False, True])}):
        want = ufunc.reduce(a, **kw)
        np.testing.assert_allclose(cr.jit(lambda a: ufunc.reduce(a, **kw))(a), want,
                                   rtol=1e-13)
        cr.check_grads(lambda a: ufunc.reduce(a, **kw), (a,), order=2, modes=("fwd", "rev"))
    # The derivative of log-sum-exp is softmax (base 2: 2**a / sum 2**a).
    base = 2.0 if ufunc is np.logaddexp2 else np.e
    got = cr.grad(lambda a: ufunc.reduce(a))(a[0])
    np.testing.assert_allclose(got, base ** a[0] / np.sum(base ** a[0]), rtol=1e-13)


# --- arguments with no derivative: an error naming them ---------------------------------
NONDIFF = [
    ("polygamma", lambda n: cs.polygamma(n, 2.0), 1.0, "'n'", TypeError),
    ("yn", lambda n: cs.yn(n, 2.0), 1.0, "'n'", TypeError),
    ("kn", lambda n: cs.kn(n, 2.0), 1.0, "'n'", TypeError),
    ("expn", lambda n: cs.expn(n, 2.0), 1.0, "'n'", TypeError),
    ("jv", lambda v: cs.jv(v, 2.0), 1.5, "'v'", NotImplementedError),
    ("jn", lambda v: cs.jn(v, 2.0), 1.0, "'v'", NotImplementedError),
    ("yv", lambda v: cs.yv(v, 2.0), 1.5, "'v'", NotImplementedError),
    ("iv", lambda v: cs.iv(v, 2.0), 1.5, "'v'", NotImplementedError),
    ("ive", lambda v: cs.ive(v, 2.0), 1.5, "'v'", NotImplementedError),
    ("hyp1f1-a", lambda a: cs.hyp1f1(a, 2.0, 0.3), 1.5, "'a'", NotImplementedError),
    ("hyp1f1-b", lambda b: cs.hyp1f1(1.0, b, 0.3), 1.5, "'b'", NotImplementedError),
    ("hyp2f1-c", lambda c: cs.hyp2f1(1.0, 0.5, c, 0.3), 1.5, "'c'", NotImplementedError),
    ("hyperu-a", lambda a: cs.hyperu(a, 2.0, 0.3), 1.5, "'a'", NotImplementedError),
    ("spherical_in", lambda n: cs.spherical_in(n, 2.0), 1.0, "n must be an integer", TypeError),
    ("bdtr", lambda n: cs.bdtr(2.0, n, 0.3), 5.0, "'n'", TypeError),
    ("bdtrc", lambda n: cs.bdtrc(2.0, n, 0.3), 5.0, "'n'", TypeError),
    ("zeta", lambda x: cs.zeta(x), 3.0, "'x'", NotImplementedError),
    ("zeta-hurwitz", lambda x: cs.zeta(x, 2.0), 3.0, "'x'", NotImplementedError),
]


@pytest.mark.parametrize("name,f,x,arg,error", NONDIFF, ids=[r[0] for r in NONDIFF])
@pytest.mark.parametrize("transform", ["grad", "jvp", "jit-grad"])
def test_derivative_in_a_nondifferentiable_argument_raises(name, f, x, arg, error, transform):
    fn = {"grad": cr.grad(f), "jvp": lambda x: cr.jvp(f, (x,), (1.0,)),
          "jit-grad": cr.jit(cr.grad(f))}[transform]
    with pytest.raises(error, match=arg):
        fn(x)


def test_nondifferentiable_argument_as_a_constant_is_fine():
    # The same functions differentiated in their other argument only.
    assert np.isclose(cr.grad(lambda x: cs.betainc(1.5, 2.0, x))(0.3),
                      0.3 ** 0.5 * 0.7 / sp.beta(1.5, 2.0), rtol=1e-14)
    assert np.isclose(cr.grad(lambda x: cs.gammainc(1.5, x))(2.0),
                      2.0 ** 0.5 * np.exp(-2.0) / sp.gamma(1.5), rtol=1e-14)
    assert np.isclose(cr.grad(lambda x: cs.yn(2, x))(2.0), (sp.yn(1, 2.0) - sp.yn(3, 2.0)) / 2,
                      rtol=1e-14)


def test_spherical_bessel_order_must_be_integer():
    with pytest.raises(TypeError, match="order n must be an integer"):
        cr.grad(lambda n: cs.spherical_jn(n, 2.0))(1.0)
    # A constant float order is converted, as SciPy does.
    assert np.isclose(cr.grad(lambda x: cs.spherical_jn(1.0, x))(2.0),
                      sp.spherical_jn(1, 2.0, derivative=True), rtol=1e-14)


def test_gammasgn_has_zero_derivative():
    assert cr.grad(cs.gammasgn)(-1.5) == 0.0


def test_multigammaln_domain():
    with pytest.raises(ValueError, match="0.5"):
        cr.grad(lambda a: cs.multigammaln(a, 4))(1.0)
    assert np.isnan(cr.jit(lambda a: cs.multigammaln(a, 4))(1.0))


def test_float32_stays_float32():
    x = np.array([0.5, 1.5], np.float32)
    for f in (cs.gammaln, cs.erf, cs.i0e, cs.expit):
        got = cr.jit(f)(x)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, f(x), rtol=1e-6)
        assert cr.grad(lambda x: f(x).sum())(x).dtype == np.float32
    assert cr.jit(cs.logsumexp)(x).dtype == np.float32


def test_chainrule_numpy_functions_compose_with_special():
    # A Gaussian-mixture log-likelihood: logsumexp of log_ndtr terms, differentiated twice.
    w = np.array([0.2, -0.3])

    def f(w):
        return cs.logsumexp(cnp.stack([cs.log_ndtr(w[0] * 3), cs.log_ndtr(w[1] - 1)]))
    cr.check_grads(f, (w,), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name,f", [
    ("gamma", lambda z: cs.gamma(z)), ("rgamma", lambda z: cs.rgamma(z)),
    ("erf", lambda z: cs.erf(z)), ("erfcx", lambda z: cs.erfcx(z)),
    ("ndtr", lambda z: cs.ndtr(z)), ("log_ndtr", lambda z: cs.log_ndtr(z)),
    ("iv", lambda z: cs.iv(1.5, z)), ("jv", lambda z: cs.jv(0.5, z)),
    ("kve", lambda z: cs.kve(1.5, z)), ("exp1", lambda z: cs.exp1(z))])
def test_complex_arguments_have_holomorphic_derivatives(name, f):
    z = np.array([1.0 + 0.5j, 0.3 - 1.2j])
    _, t = cr.jvp(f, (z,), (np.ones_like(z),))
    h = 1e-6
    fd = (f(z + h) - f(z - h)) / (2 * h)
    np.testing.assert_allclose(t, fd, rtol=1e-7)
    _, t = cr.jvp(f, (z,), (1j * np.ones_like(z),))  # complex-linear in the direction
    np.testing.assert_allclose(t, 1j * fd, rtol=1e-7)


def test_ive_of_complex_argument_raises():
    z = np.array([1.0 + 0.5j])
    with pytest.raises(NotImplementedError, match="holomorphic"):
        cr.jvp(lambda z: cs.ive(1.5, z), (z,), (np.ones_like(z),))


def test_dask_arrays_stay_lazy_under_transforms():
    da = pytest.importorskip("dask.array")
    x = np.array([0.5, 1.5, 2.5, 3.5])
    dx = da.from_array(x, chunks=2)
    g = cr.grad(lambda x: cs.jv(1.5, x).sum())(dx)
    assert isinstance(g, da.Array)
    np.testing.assert_allclose(np.asarray(g), (sp.jv(0.5, x) - sp.jv(2.5, x)) / 2, rtol=1e-14)
    assert isinstance(cs.gammaln(dx), da.Array)


# --- coverage report -----------------------------------------------------------------------
# Every provided function: its differentiable arguments, and the others with the reason.
INTEGER_ORDER = "an integer order: no derivative"
BESSEL_ORDER = ("not provided: no accurate closed form for the derivative in the order "
                "(raises)")
COVERAGE = {
    "gammaln": ("x", ""), "gamma": ("x", ""),
    "rgamma": ("x", "x at the poles 0, -1, -2, ... of gamma: the derivative there is NaN"),
    "gammasgn": ("", "x: piecewise constant (its derivative is 0 where it exists)"),
    "digamma": ("x", ""), "psi": ("x", ""),
    "polygamma": ("x", f"n: {INTEGER_ORDER}"),
    "multigammaln": ("a", "d: an integer dimension"),
    "beta": ("a, b", ""), "betaln": ("a, b", ""),
    "betainc": ("a, b, x", "- (in a, b: relative accuracy about 1e-12 up to a, b ~ 100)"),
    "gammainc": ("a, x", "- (in a: relative accuracy about 1e-15 for a <= 10, 1e-12 at "
                 "a = 1e4)"),
    "gammaincc": ("a, x", "- (in a: as for gammainc)"),
    "erf": ("x", ""), "erfc": ("x", ""), "erfinv": ("x", ""), "erfcinv": ("x", ""),
    "erfcx": ("x", ""), "expit": ("x", ""), "logit": ("x", ""), "log_expit": ("x", ""),
    "ndtr": ("x", ""), "log_ndtr": ("x", ""), "ndtri": ("x", ""),
    "logsumexp": ("a, b", "real input only on traced values"),
    "softmax": ("x", ""), "log_softmax": ("x", ""),
    "xlogy": ("x, y", ""), "xlog1py": ("x, y", ""), "entr": ("x", ""),
    "rel_entr": ("x, y", ""), "kl_div": ("x, y", ""),
    "i0": ("x", ""), "i0e": ("x", ""), "i1": ("x", ""), "i1e": ("x", ""),
    "k0": ("x", ""), "k0e": ("x", ""), "k1": ("x", ""), "k1e": ("x", ""),
    "j0": ("x", ""), "j1": ("x", ""), "y0": ("x", ""), "y1": ("x", ""),
    "iv": ("z", f"v: {BESSEL_ORDER}"), "ive": ("z", f"v: {BESSEL_ORDER}"),
    "kv": ("v, z", "- (z complex: in z only)"), "kve": ("v, z", "- (z complex: in z only)"),
    "jv": ("z", f"v: {BESSEL_ORDER}"), "jn": ("z", f"v: {BESSEL_ORDER}"),
    "yv": ("z", f"v: {BESSEL_ORDER}"),
    "yn": ("x", f"n: {INTEGER_ORDER}"), "kn": ("x", f"n: {INTEGER_ORDER}"),
    "spherical_jn": ("z", f"n: {INTEGER_ORDER}"), "spherical_yn": ("z", f"n: {INTEGER_ORDER}"),
    "zeta": ("q", "x: no closed form for the derivative in the exponent; not provided "
             "(raises)"),
    "sinc": ("x", ""), "exp1": ("x", ""), "expn": ("x", f"n: {INTEGER_ORDER}"),
    "owens_t": ("h, a", ""),
    "exp10": ("x", ""), "exp2": ("x", ""), "expm1": ("x", ""), "log1p": ("x", ""),
    "cbrt": ("x", ""), "cosm1": ("x", ""), "sindg": ("x", ""), "cosdg": ("x", ""),
    "tandg": ("x", ""), "cotdg": ("x", ""), "powm1": ("x, y", ""), "erfi": ("x", ""),
    "dawsn": ("x", ""), "ndtri_exp": ("y", ""), "loggamma": ("x", ""), "poch": ("z, m", ""),
    "gammaincinv": ("a, y", ""), "gammainccinv": ("a, y", ""),
    "betaincinv": ("a, b, y", ""),
    "hyp1f1": ("x", "a, b: derivatives in the parameters have no closed form; not provided "
               "(raises)"),
    "hyp2f1": ("z", "a, b, c: as for hyp1f1 (raises)"),
    "hyperu": ("x", "a, b: as for hyp1f1 (raises)"),
    "spherical_in": ("z", f"n: {INTEGER_ORDER}"), "spherical_kn": ("z", f"n: {INTEGER_ORDER}"),
    "softplus": ("x", ""),
    "chdtr": ("v, x", ""), "chdtrc": ("v, x", ""), "gdtr": ("a, b, x", ""),
    "gdtrc": ("a, b, x", ""),
    "pdtr": ("m", "k: SciPy floors the count k, a step function (derivative 0)"),
    "pdtrc": ("m", "k: as for pdtr"),
    "bdtr": ("p", "k: floored by SciPy, a step function (derivative 0); n: an integer "
             "count (raises)"),
    "bdtrc": ("p", "k, n: as for bdtr"),
    "fdtr": ("dfn, dfd, x", ""), "fdtrc": ("dfn, dfd, x", ""),
    "betaincc": ("a, b, x", ""), "betainccinv": ("a, b, y", ""), "chdtri": ("v, p", ""),
    "lambertw": ("z", "k: an integer branch; on traced values only the real branches "
                 "(k = 0 and k = -1 of real z; NaN where W is complex)"),
}


def scipy_functions():
    return sorted({n for n in sp.__all__
                   if callable(getattr(sp, n)) and not isinstance(getattr(sp, n), type)})


def report():
    names = scipy_functions()
    provided = [n for n in names if n in COVERAGE]
    lines = [
        "# SciPy coverage of `chainrule.scipy.special`",
        "",
        "Generated by `python tests/test_scipy_special.py`: every public function of "
        f"`scipy.special` as SciPy {__import__('scipy').__version__} lists them.",
        "",
        "SciPy's ufuncs are exported as SciPy's own objects: on plain arrays a call is "
        "exactly SciPy's, and on traced values (inside `grad`, `jvp`, `vmap`, `jit`) it is "
        "differentiated; so is plain `scipy.special.gammaln(x)` on a traced `x`. "
        "Derivatives are exact to any order (each is written with the same functions: "
        "`gammaln' = digamma`, `digamma' = polygamma(1, .)`, "
        "`iv(v, z)' = (iv(v-1, z) + iv(v+1, z)) / 2`, ...). Differentiating with respect to "
        "an argument listed as not differentiable raises an error that names it; it is "
        "never a silent zero. The same holds for `numpy.logaddexp.reduce` and "
        "`numpy.logaddexp2.reduce` on traced values (a log-sum-exp).",
        "",
        f"**Provided: {len(provided)} of {len(names)} functions.** "
        "The others are not provided yet (calling them on traced values raises).",
        "",
        "| function | provided | differentiable in | not differentiable in (why) |",
        "| --- | --- | --- | --- |",
    ]
    for n in provided:
        diff, why = COVERAGE[n]
        lines.append(f"| `{n}` | yes | {diff or '-'} | {why or '-'} |")
    lines += ["", "Not provided yet: " + ", ".join(f"`{n}`" for n in names
                                                  if n not in COVERAGE) + "."]
    return "\n".join(lines) + "\n"


def test_coverage_table_lists_exactly_the_provided_functions():
    provided = {n for n in scipy_functions() if hasattr(cs, n)}
    assert provided == set(COVERAGE), sorted(provided ^ set(COVERAGE))
    assert set(cs.__all__) == set(COVERAGE)


def test_coverage_report_is_current():
    import pathlib

    doc = pathlib.Path(__file__).parents[1] / "docs" / "scipy-special.md"
    assert doc.read_text() == report(), "run python tests/test_scipy_special.py"


if __name__ == "__main__":
    import pathlib

    out = pathlib.Path(__file__).parents[1] / "docs" / "scipy-special.md"
    out.write_text(report())
    print(f"wrote {out}")
