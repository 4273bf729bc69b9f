"""Backend conformance: every registered primitive on ``array_api_strict`` arrays.

``array_api_strict`` implements the Python array API standard and nothing more, so it stands
in for a non-NumPy backend (CuPy, a GPU library) on a machine without one: an impl, JVP,
transpose or batching rule that calls NumPy on the operands, uses a method only NumPy arrays
have, or builds a NumPy constant fails here.  For one representative registry case of each
primitive (``tests/cases_*.py``) the operands are converted to ``array_api_strict`` arrays
and the value, both AD modes, ``vmap`` and ``jit`` are compared with the NumPy backend.

A primitive that cannot run on such arrays must refuse with an error naming itself and the
backend; those are listed in :data:`REFUSED` (and in ``docs/backends.md``), and the test
checks that they do refuse with that error, so the list cannot go stale silently.
"""

import array_api_strict
import numpy as np
import pytest

import chainrule as cr
import chainrule._src.lax  # noqa: F401 - registers the primitives
from chainrule._src.core import primitives
from test_primitives import CASES, INDIRECT

xps = array_api_strict
StrictArray = type(xps.asarray(0.0))

# Primitives that refuse ``array_api_strict`` operands: primitive -> (the primitive its
# NotImplementedError names, which may be one its rules apply (or one per check), the checks
# that refuse).  The reasons are in docs/backends.md.
REFUSED: dict = {
    "adjugate": ("adjugate_jvp", "jvp vjp"),
    "adjugate_jvp": ("adjugate_jvp", "value jvp vjp vmap jit"),
    "bessel_i": ("bessel_i", "value jvp vjp vmap jit"),
    "beta": ("beta", "value jvp vjp vmap jit"),
    "betainc": ("betainc", "value jvp vjp vmap jit"),
    "betainc_d": ("betainc_d", "value jvp vjp vmap jit"),
    "betaincc": ("betaincc", "value jvp vjp vmap jit"),
    "betainccinv": ("betainccinv", "value jvp vjp vmap jit"),
    "betaincinv": ("betaincinv", "value jvp vjp vmap jit"),
    "betaln": ("betaln", "value jvp vjp vmap jit"),
    "bitwise_count": ("bitwise_count", "value vmap jit"),
    "cbrt": ("cbrt", "value jvp vjp vmap jit"),
    "cholesky": ("triangular_solve", "jvp vjp"),
    "cosdg": ("cosdg", "value jvp vjp vmap jit"),
    "cosm1": ("cosm1", "value jvp vjp vmap jit"),
    "cotdg": ("cotdg", "value jvp vjp vmap jit"),
    "dawsn": ("dawsn", "value jvp vjp vmap jit"),
    "det": ("einsum", "jvp vjp"),
    "digamma": ("digamma", "value jvp vjp vmap jit"),
    "discrete_lyapunov": ("discrete_lyapunov", "value jvp vjp vmap jit"),
    "eig": ("eig", "value jvp vjp vmap jit"),
    "eigh": ("einsum", "jvp vjp"),
    "einsum": ("einsum", "value jvp vjp vmap jit"),
    "entr": ("entr", "value jvp vjp vmap jit"),
    "erf": ("erf", "value jvp vjp vmap jit"),
    "erfc": ("erfc", "value jvp vjp vmap jit"),
    "erfcinv": ("erfcinv", "value jvp vjp vmap jit"),
    "erfcx": ("erfcx", "value jvp vjp vmap jit"),
    "erfi": ("erfi", "value jvp vjp vmap jit"),
    "erfinv": ("erfinv", "value jvp vjp vmap jit"),
    "exp1": ("exp1", "value jvp vjp vmap jit"),
    "exp10": ("exp10", "value jvp vjp vmap jit"),
    "expit": ("expit", "value jvp vjp vmap jit"),
    "expn": ("expn", "value jvp vjp vmap jit"),
    "fmod": ("fmod", "value jvp vjp vmap jit"),
    "frexp_exponent": ("frexp_exponent", "value vmap jit"),
    "funm_sym": ("funm_sym", "value jvp vjp vmap jit"),
    "funm_sym_d1": ("funm_sym_d1", "value jvp vjp vmap jit"),
    "funm_sym_d2": ("funm_sym_d2", "value jvp vjp vmap jit"),
    "gamma": ("gamma", "value jvp vjp vmap jit"),
    "gammainc": ("gammainc", "value jvp vjp vmap jit"),
    "gammainc_da": ("gammainc_da", "value jvp vjp vmap jit"),
    "gammaincc": ("gammaincc", "value jvp vjp vmap jit"),
    "gammainccinv": ("gammainccinv", "value jvp vjp vmap jit"),
    "gammaincinv": ("gammaincinv", "value jvp vjp vmap jit"),
    "gammaln": ("gammaln", "value jvp vjp vmap jit"),
    "gammasgn": ("gammasgn", "value vmap jit"),
    "gcd": ("gcd", "value vmap jit"),
    "getitem": ({'vjp': 'scatter_add', 'vmap': 'getitem'}, "vjp vmap"),
    "hyp1f1": ("hyp1f1", "value jvp vjp vmap jit"),
    "hyp2f1": ("hyp2f1", "value jvp vjp vmap jit"),
    "hyperu": ("hyperu", "value jvp vjp vmap jit"),
    "i0": ("i0", "value jvp vjp vmap jit"),
    "i0e": ("i0e", "value jvp vjp vmap jit"),
    "i1": ("i1", "value jvp vjp vmap jit"),
    "i1e": ("i1e", "value jvp vjp vmap jit"),
    "iv": ("iv", "value jvp vjp vmap jit"),
    "ive": ("ive", "value jvp vjp vmap jit"),
    "j0": ("j0", "value jvp vjp vmap jit"),
    "j1": ("j1", "value jvp vjp vmap jit"),
    "jv": ("jv", "value jvp vjp vmap jit"),
    "k0": ("k0", "value jvp vjp vmap jit"),
    "k0e": ("k0e", "value jvp vjp vmap jit"),
    "k1": ("k1", "value jvp vjp vmap jit"),
    "k1e": ("k1e", "value jvp vjp vmap jit"),
    "kl_div": ("kl_div", "value jvp vjp vmap jit"),
    "kn": ("kn", "value jvp vjp vmap jit"),
    "kv": ("kv", "value jvp vjp vmap jit"),
    "kve": ("kve", "value jvp vjp vmap jit"),
    "kve_dv": ("kve_dv", "value jvp vjp vmap jit"),
    "lambertw": ("lambertw", "value jvp vjp vmap jit"),
    "lcm": ("lcm", "value vmap jit"),
    "ldexp": ("ldexp", "value jvp vjp vmap jit"),
    "log_expit": ("log_expit", "value jvp vjp vmap jit"),
    "log_ndtr": ("log_ndtr", "value jvp vjp vmap jit"),
    "logaddexp2": ("logaddexp2", "value jvp vjp vmap jit"),
    "loggamma": ("loggamma", "value jvp vjp vmap jit"),
    "logit": ("logit", "value jvp vjp vmap jit"),
    "lu": ("lu", "value jvp vjp vmap jit"),
    "lu_pivots_to_permutation": ("lu_pivots_to_permutation", "value vmap jit"),
    "matfun": ("expm", "value jvp vjp vmap jit"),
    "matfun_frechet": ("matfun_frechet", "value jvp vjp vmap jit"),
    "ndtr": ("ndtr", "value jvp vjp vmap jit"),
    "ndtri": ("ndtri", "value jvp vjp vmap jit"),
    "ndtri_exp": ("ndtri_exp", "value jvp vjp vmap jit"),
    "owens_t": ("owens_t", "value jvp vjp vmap jit"),
    "poch": ("poch", "value jvp vjp vmap jit"),
    "polygamma": ("polygamma", "value jvp vjp vmap jit"),
    "powm1": ("powm1", "value jvp vjp vmap jit"),
    "pure_callback": ("pure_callback", "value vmap jit"),
    "qr": ("triangular_solve", "jvp vjp"),
    "random_binomial_quantile": ("random_binomial_quantile", "value vmap jit"),
    "random_poisson_quantile": ("random_poisson_quantile", "value vmap jit"),
    "rel_entr": ("rel_entr", "value jvp vjp vmap jit"),
    "rgamma": ("rgamma", "value jvp vjp vmap jit"),
    "riemann_zeta": ("riemann_zeta", "value vmap jit"),
    "scatter_add": ("scatter_add", "value jvp vjp vmap jit"),
    "scatter_add_along_axis": ("scatter_add_along_axis", "value jvp vjp vmap jit"),
    "scatter_set": ("scatter_set", "value jvp vjp vmap jit"),
    "schur": ("schur", "value jvp vjp vmap jit"),
    "scipy_eigh": ("scipy_eigh", "value jvp vjp vmap jit"),
    "sindg": ("sindg", "value jvp vjp vmap jit"),
    "slogdet": ("einsum", "jvp vjp"),
    "sort": ("scatter_add_along_axis", "vjp"),
    "spacing": ("spacing", "value vmap jit"),
    "spherical_in": ("spherical_in", "value jvp vjp vmap jit"),
    "spherical_jn": ("spherical_jn", "value jvp vjp vmap jit"),
    "spherical_kn": ("spherical_kn", "value jvp vjp vmap jit"),
    "spherical_yn": ("spherical_yn", "value jvp vjp vmap jit"),
    "svd": ("einsum", "jvp vjp"),
    "sylvester": ("sylvester", "value jvp vjp vmap jit"),
    "take_along_axis": ("scatter_add_along_axis", "vjp"),
    "tandg": ("tandg", "value jvp vjp vmap jit"),
    "threefry2x32": ("threefry2x32", "value vmap jit"),
    "triangular_solve": ("triangular_solve", "value jvp vjp vmap jit"),
    "well_conditioned": ("well_conditioned", "value jvp vjp vmap jit"),
    "y0": ("y0", "value jvp vjp vmap jit"),
    "y1": ("y1", "value jvp vjp vmap jit"),
    "yn": ("yn", "value jvp vjp vmap jit"),
    "yv": ("yv", "value jvp vjp vmap jit"),
    "zeta": ("zeta", "value jvp vjp vmap jit"),
}



def _representative(cases):
    """One case per primitive: the first with every array operand non-empty."""
    chosen = {}
    for c in cases:
        arrays = [a for a in c.args if isinstance(a, np.ndarray)]
        good = all(a.size > 0 for a in arrays)
        if c.prim not in chosen or (good and not chosen[c.prim][1]):
            chosen[c.prim] = (c, good)
    return [c for c, _ in chosen.values()]


REPR = _representative(CASES)


def _strict(a):
    return xps.asarray(a) if isinstance(a, np.ndarray) else a


def _numpy(a):
    if isinstance(a, StrictArray):
        return np.from_dlpack(a)
    return np.asarray(a)


def _diff_positions(case):
    if case.diff is not None:
        return case.diff
    return tuple(i for i, a in enumerate(case.args)
                 if isinstance(a, np.ndarray) and a.dtype.kind in "fc")


def _fun(case, args):
    prim = primitives[case.prim]
    diff = _diff_positions(case)

    def f(*dargs):
        full = list(args)
        for i, a in zip(diff, dargs):
            full[i] = a
        return prim.bind(*full, **case.params)
    return f, tuple(args[i] for i in diff)


def _leaves(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _assert_close(got, expected, what):
    got, expected = _leaves(got), _leaves(expected)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert not isinstance(g, np.ndarray), (
            f"{what}: returned a NumPy array for array_api_strict operands")
        np.testing.assert_allclose(_numpy(g), _numpy(e), rtol=1e-10, atol=1e-12,
                                   err_msg=what)


def _run(case, check, run):
    """``run()``; for a check listed in REFUSED, the error it must raise instead."""
    named, checks = REFUSED.get(case.prim, (None, ""))
    if check not in checks.split():
        return run()
    named = named if isinstance(named, str) else named[check]
    with pytest.raises(NotImplementedError, match=rf"primitive '{named}'[\s\S]*array_api_strict"):
        run()
    return None


def _ids(cases):
    return [c.id for c in cases]


def test_every_primitive_is_covered():
    covered = {c.prim for c in REPR}
    assert set(primitives) - set(INDIRECT) <= covered
    assert set(REFUSED) <= covered


@pytest.mark.parametrize("case", REPR, ids=_ids(REPR))
def test_value_matches_numpy(case):
    prim = primitives[case.prim]
    args = [_strict(a) for a in case.args]
    got = _run(case, "value", lambda: prim.bind(*args, **case.params))
    if got is not None:
        _assert_close(got, prim.bind(*case.args, **case.params), case.prim)


def _tangent(a, k):
    return np.asarray(np.cos(np.arange(a.size) + k).reshape(a.shape), a.dtype)


AD = [c for c in REPR if c.differentiable and _diff_positions(c)]


@pytest.mark.parametrize("case", AD, ids=_ids(AD))
def test_jvp_matches_numpy(case):
    f_np, primals_np = _fun(case, case.args)
    f_x, primals_x = _fun(case, [_strict(a) for a in case.args])
    tangents_np = tuple(_tangent(p, k) for k, p in enumerate(primals_np))
    tangents_x = tuple(xps.asarray(t) for t in tangents_np)
    got = _run(case, "jvp", lambda: cr.jvp(f_x, primals_x, tangents_x))
    if got is None:
        return
    out_x, tan_x = got
    out_np, tan_np = cr.jvp(f_np, primals_np, tangents_np)
    _assert_close(out_x, out_np, f"{case.prim} jvp primal")
    _assert_close(tan_x, tan_np, f"{case.prim} jvp tangent")


@pytest.mark.parametrize("case", AD, ids=_ids(AD))
def test_vjp_matches_numpy(case):
    f_np, primals_np = _fun(case, case.args)
    f_x, primals_x = _fun(case, [_strict(a) for a in case.args])
    out_np, back_np = cr.vjp(f_np, *primals_np)
    cts_np = [_tangent(np.asarray(o), 7 + k) for k, o in enumerate(_leaves(out_np))]
    ct_np = cts_np if isinstance(out_np, (list, tuple)) else cts_np[0]
    ct_x = ([xps.asarray(c) for c in cts_np] if isinstance(out_np, (list, tuple))
            else xps.asarray(cts_np[0]))

    def run():
        out_x, back_x = cr.vjp(f_x, *primals_x)
        return out_x, back_x(ct_x)
    got = _run(case, "vjp", run)
    if got is not None:
        _assert_close(got[0], out_np, f"{case.prim} vjp primal")
        _assert_close(got[1], back_np(ct_np), f"{case.prim} vjp cotangent")


def _batched_positions(case):
    return tuple(i for i, a in enumerate(case.args) if isinstance(a, np.ndarray))


VMAP = [c for c in REPR if _batched_positions(c)]


@pytest.mark.filterwarnings("ignore:vmap. primitive")
@pytest.mark.parametrize("case", VMAP, ids=_ids(VMAP))
def test_vmap_matches_numpy(case):
    prim = primitives[case.prim]
    batched = _batched_positions(case)
    stacked = [np.stack([a, a]) if i in batched else a for i, a in enumerate(case.args)]
    in_axes = tuple(0 if i in batched else None for i in range(len(case.args)))
    fn = cr.vmap(lambda *a: prim.bind(*a, **case.params), in_axes=in_axes)
    args = [_strict(a) for a in stacked]
    got = _run(case, "vmap", lambda: fn(*args))
    if got is not None:
        _assert_close(got, fn(*stacked), f"{case.prim} vmap")


@pytest.mark.parametrize("case", REPR, ids=_ids(REPR))
def test_jit_matches_numpy(case):
    prim = primitives[case.prim]
    fn = cr.jit(lambda *a: prim.bind(*a, **case.params))
    args = [_strict(a) for a in case.args]
    got = _run(case, "jit", lambda: fn(*args))
    if got is not None:
        _assert_close(got, fn(*case.args), f"{case.prim} jit")
