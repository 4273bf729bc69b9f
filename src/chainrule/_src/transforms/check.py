"""``check_grads``: compare derivatives with finite differences, to any order."""

from __future__ import annotations

import numpy as np

from .api import jvp, vjp
from ..core import get_aval, is_float_dtype
from ..tree_util import tree_flatten, tree_map

_DEFAULT_TOL = {np.dtype(np.float64): 1e-5, np.dtype(np.complex128): 1e-5,
                np.dtype(np.float32): 2e-2, np.dtype(np.complex64): 2e-2,
                np.dtype(np.float16): 1e-1}
_DEFAULT_EPS = {np.dtype(np.float64): 1e-4, np.dtype(np.complex128): 1e-4,
                np.dtype(np.float32): 1e-2, np.dtype(np.complex64): 1e-2,
                np.dtype(np.float16): 1e-1}


def _random_like(x, rng):
    a = get_aval(x)
    if not is_float_dtype(a.dtype):
        return np.zeros(a.shape, a.dtype)
    v = rng.standard_normal(a.shape)
    if a.dtype.kind == "c":
        v = v + 1j * rng.standard_normal(a.shape)
    return np.asarray(v, a.dtype)


def _axpy(alpha, x, y):
    def f(xi, yi):
        if not is_float_dtype(get_aval(yi).dtype):
            return yi
        return np.asarray(yi + alpha * np.asarray(xi), get_aval(yi).dtype)
    return tree_map(f, x, y)


def _inner(xs, ys):
    total = 0.0
    for x, y in zip(tree_flatten(xs)[0], tree_flatten(ys)[0]):
        total = total + np.real(np.vdot(np.asarray(x), np.asarray(y)))
    return total


def _dtype_of(tree):
    dts = [get_aval(x).dtype for x in tree_flatten(tree)[0] if is_float_dtype(get_aval(x).dtype)]
    return np.result_type(*dts) if dts else np.dtype(np.float64)


def _numerical_jvp(f, args, tangents, eps):
    plus = f(*_axpy(eps, tangents, args))
    minus = f(*_axpy(-eps, tangents, args))
    return tree_map(lambda p, m: (np.asarray(p) - np.asarray(m)) / (2 * eps), plus, minus)


def _check_close(actual, expected, atol, rtol, what):
    a_leaves, a_tree = tree_flatten(actual)
    e_leaves, e_tree = tree_flatten(expected)
    if a_tree != e_tree:
        raise AssertionError(f"{what}: structures differ: {a_tree} vs {e_tree}")
    for a, e in zip(a_leaves, e_leaves):
        a, e = np.asarray(a), np.asarray(e)
        if a.shape != e.shape:
            raise AssertionError(f"{what}: shapes differ: {a.shape} vs {e.shape}")
        if not np.allclose(a, e, atol=atol, rtol=rtol, equal_nan=True):
            err = np.max(np.abs(a - e)) if a.size else 0.0
            raise AssertionError(
                f"{what}: derivative does not match finite differences (max abs error {err:.3g}, "
                f"atol={atol}, rtol={rtol})\nautomatic:  {a}\nnumerical:  {e}")


def check_jvp(f, args, atol, rtol, eps, rng, what="forward mode"):
    """One forward-mode check along a random direction."""
    tangents = tree_map(lambda x: _random_like(x, rng), args)
    _, t_auto = jvp(f, args, tangents)
    t_num = _numerical_jvp(f, args, tangents, eps)
    _check_close(t_auto, t_num, atol, rtol, what)


def check_vjp(f, args, atol, rtol, eps, rng, what="reverse mode"):
    """One reverse-mode check: ``<vjp(u), v>`` against ``<u, finite-difference jvp(v)>``."""
    out, f_vjp = vjp(f, *args)
    u = tree_map(lambda y: _random_like(y, rng), out)
    v = tree_map(lambda x: _random_like(x, rng), args)
    # With complex values the VJP follows JAX's convention (the transpose without
    # conjugation), so the identity reads Re<v, conj(vjp(conj(u)))> = Re<J v, u>.
    ct = tree_map(np.conj, f_vjp(tree_map(np.conj, u)))
    lhs = _inner(v, ct)
    rhs = _inner(_numerical_jvp(f, args, v, eps), u)
    _check_close(lhs, rhs, atol, rtol, what)


def check_grads(f, args, order=2, modes=("fwd", "rev"), atol=None, rtol=None, eps=None,
                seed=0):
    """Check ``f``'s derivatives against central finite differences, to ``order``.

    Forward mode compares ``jvp`` along random directions with a finite difference; reverse
    mode checks ``<vjp(u), v> = <u, J v>`` with ``J v`` from finite differences.  For
    ``order > 1`` the same checks run on the derivative functions themselves (the JVP
    along a fixed direction, the VJP along a fixed cotangent), recursively.

    Parameters
    ----------
    f : callable
        Function of the positional ``args`` (pytrees of arrays).
    args : tuple
        Point at which to check.
    order : int
        Highest derivative order to check.
    modes : sequence of {"fwd", "rev"}
    atol, rtol, eps : float, optional
        Tolerances and finite-difference step (defaults depend on the dtype).
    seed : int
        Seed for the random directions.

    Raises
    ------
    AssertionError
        When a derivative disagrees with finite differences.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.check_grads(lambda x: cnp.sin(x) * x ** 2, (cnp.array([0.3, 1.2]),), order=2)
    """
    if not isinstance(args, (tuple, list)):
        raise TypeError("check_grads expects args as a tuple, e.g. check_grads(f, (x,))")
    args = tuple(args)
    for m in modes:
        if m not in ("fwd", "rev"):
            raise ValueError(f"check_grads: unknown mode {m!r}; use 'fwd' and/or 'rev'")
    dtype = _dtype_of(args)
    tol = _DEFAULT_TOL.get(dtype, 1e-5)
    atol = tol if atol is None else atol
    rtol = tol if rtol is None else rtol
    eps = _DEFAULT_EPS.get(dtype, 1e-4) if eps is None else eps
    rng = np.random.default_rng(seed)
    _check(f, args, order, tuple(modes), atol, rtol, eps, rng, 1)


def _check(f, args, order, modes, atol, rtol, eps, rng, level):
    if order < 1:
        return
    if "fwd" in modes:
        check_jvp(f, args, atol, rtol, eps, rng, f"forward mode, order {level}")
        v = tree_map(lambda x: _random_like(x, rng), args)
        _check(lambda *a: jvp(f, a, v)[1], args, order - 1, modes, atol, rtol, eps, rng,
               level + 1)
    if "rev" in modes:
        check_vjp(f, args, atol, rtol, eps, rng, f"reverse mode, order {level}")
        u = tree_map(lambda y: _random_like(y, rng), f(*args))
        _check(lambda *a: vjp(f, *a)[1](tree_map(np.conj, u)), args, order - 1, modes, atol,
               rtol, eps, rng, level + 1)


__all__ = ["check_grads", "check_jvp", "check_vjp"]
