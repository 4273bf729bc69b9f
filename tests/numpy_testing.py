"""Shared checks for the ``chainrule.numpy`` tests (``tests/test_numpy_*.py``).

``check(cfn, nfn, args)`` is the standard test of one function on one input:

1. on plain inputs the result equals NumPy's, with NumPy's dtype, shape and type (a plain
   ``numpy.ndarray`` or NumPy scalar: never a class of chainrule's own);
2. the same call under a transform (the traced path) gives the same value and dtype;
3. forward and reverse mode agree with finite differences (``check_grads``), to ``order``.
"""

from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule._src.core import Tracer


def rand(shape, lo=-2.0, hi=2.0, seed=0, dtype=np.float64):
    """Uniform random numbers in ``[lo, hi)`` (a reproducible stream per seed)."""
    return np.asarray(np.random.default_rng(seed).uniform(lo, hi, size=shape), dtype)


def is_float(x):
    """A floating-point array or number (lists are passed as they are, undifferentiated)."""
    return isinstance(x, (float, complex, np.ndarray, np.generic)) and \
        np.asarray(x).dtype.kind in "fc"


def assert_like_numpy(ours, theirs, rtol=1e-12, atol=1e-12, exact_type=True, what="result"):
    """``ours`` equals ``theirs`` in value, dtype, shape and (plain NumPy) type."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)), f"{what}: expected a sequence, got {ours!r}"
        assert len(ours) == len(theirs), f"{what}: {len(ours)} results, NumPy gives {len(theirs)}"
        for i, (o, t) in enumerate(zip(ours, theirs)):
            assert_like_numpy(o, t, rtol, atol, exact_type, f"{what}[{i}]")
        return
    assert not isinstance(ours, Tracer), f"{what}: a tracer escaped: {ours!r}"
    if exact_type:
        assert type(ours) is type(theirs), (
            f"{what}: type {type(ours).__name__}, NumPy gives {type(theirs).__name__}")
    else:
        assert isinstance(ours, (np.ndarray, np.generic, float, int, bool, complex)), (
            f"{what}: type {type(ours).__name__} is not a NumPy type")
    o, t = np.asarray(ours), np.asarray(theirs)
    assert o.dtype == t.dtype, f"{what}: dtype {o.dtype}, NumPy gives {t.dtype}"
    assert o.shape == t.shape, f"{what}: shape {o.shape}, NumPy gives {t.shape}"
    if o.dtype.kind in "fc":
        np.testing.assert_allclose(o, t, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(o, t, err_msg=what)


def assert_same_as_numpy(ours, theirs, what="result"):
    """``ours`` is exactly NumPy's result: the same Python type (tuples and named tuples
    included), dtype, shape, memory order and values (bit for bit, NaNs in place)."""
    assert type(ours) is type(theirs), (
        f"{what}: type {type(ours).__name__}, NumPy gives {type(theirs).__name__}")
    if isinstance(theirs, (tuple, list)):
        assert len(ours) == len(theirs), f"{what}: {len(ours)} items, NumPy gives {len(theirs)}"
        for i, (o, t) in enumerate(zip(ours, theirs)):
            assert_same_as_numpy(o, t, f"{what}[{i}]")
    elif isinstance(theirs, (np.ndarray, np.generic)):
        assert ours.dtype == theirs.dtype, f"{what}: dtype {ours.dtype}, NumPy {theirs.dtype}"
        assert ours.shape == theirs.shape, f"{what}: shape {ours.shape}, NumPy {theirs.shape}"
        if isinstance(theirs, np.ndarray):
            for flag in ("C_CONTIGUOUS", "F_CONTIGUOUS"):
                assert ours.flags[flag] == theirs.flags[flag], f"{what}: {flag} differs"
        np.testing.assert_array_equal(ours, theirs, err_msg=what, strict=True)
    else:
        assert ours == theirs, f"{what}: {ours!r}, NumPy gives {theirs!r}"


def float_positions(args, diff=None):
    if diff is not None:
        return tuple(diff)
    return tuple(i for i, a in enumerate(args) if is_float(a))


def partial_in(fn, args, diff):
    """``fn`` as a function of the arguments at positions ``diff`` only."""
    def f(*dargs):
        full = list(args)
        for i, a in zip(diff, dargs):
            full[i] = a
        return fn(*full)
    return f, tuple(args[i] for i in diff)


def traced_value(fn, args, diff=None):
    """``fn(*args)`` computed under ``jvp`` (through the primitives, not NumPy's fast path)."""
    diff = float_positions(args, diff)
    f, dargs = partial_in(fn, args, diff)
    tangents = tuple(np.ones_like(np.asarray(a)) for a in dargs)
    return cr.jvp(f, dargs, tangents)[0]


def check(cfn, nfn, args, kwargs=None, *, order=2, diff=None, grads=True, rtol=1e-12,
          atol=1e-12, exact_type=True, grad_tol=None):
    """Value against NumPy (plain and traced) and derivatives against finite differences."""
    kwargs = kwargs or {}
    c = lambda *a: cfn(*a, **kwargs)
    expected = nfn(*args, **kwargs)
    assert_like_numpy(c(*args), expected, rtol, atol, exact_type, "plain call")
    assert_like_numpy(traced_value(c, args, diff), expected, rtol, atol, False, "traced call")
    outs = expected if isinstance(expected, (tuple, list)) else [expected]
    if not any(is_float(e) for e in outs):
        zero_tangent(cfn, args, kwargs)
    elif grads and float_positions(args, diff):
        f, dargs = partial_in(c, args, float_positions(args, diff))
        tol = {} if grad_tol is None else {"atol": grad_tol, "rtol": grad_tol}
        cr.check_grads(f, dargs, order=order, modes=("fwd", "rev"), **tol)


def zero_tangent(cfn, args, kwargs=None):
    """``cfn`` has no derivative: under ``jvp`` its tangent output is zero."""
    kwargs = kwargs or {}
    diff = float_positions(args)
    f, dargs = partial_in(lambda *a: cfn(*a, **kwargs), args, diff)
    if not dargs:
        return
    _, t = cr.jvp(f, dargs, tuple(np.ones_like(np.asarray(a)) for a in dargs))
    for leaf in (t if isinstance(t, tuple) else (t,)):
        np.testing.assert_array_equal(np.asarray(leaf), 0)
