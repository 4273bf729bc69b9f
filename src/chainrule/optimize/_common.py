"""Shared plumbing: pytree <-> flat vector, AD-backed objectives, input checks.

Everything here is written against the public API (``chainrule``, ``chainrule.numpy``,
``chainrule.tree_util``), exactly as user code would be.
"""

from __future__ import annotations

import contextlib
import contextvars
import inspect
import numbers

import numpy as np

import chainrule as cr
import chainrule.numpy as cnp
from chainrule._src.compiler.jit import JittedFunction
from chainrule.core import is_tracer
from chainrule.tree_util import tree_flatten, tree_unflatten


_BLAS_LIMITED = contextvars.ContextVar("chainrule_optimize_blas_limited", default=False)


@contextlib.contextmanager
def small_problem_blas(size):
    """Run the enclosed solver with one BLAS thread when the problem is small.

    On a few hundred variables the solvers' dense work (vector updates, small
    factorizations) is far too small to share between threads, and on a busy machine
    OpenBLAS threads spinning for a free core made L-BFGS-B on 100 variables about 20
    times slower.  Limits through threadpoolctl (a dependency; skipped if it is missing)
    below ``chainrule.config.optimize_blas_threads_max_size`` variables, and only once
    when solvers nest.
    """
    limit = cr.config.optimize_blas_threads_max_size
    if _BLAS_LIMITED.get() or not limit or size > limit:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a dependency; an old environment may lack it
        yield
        return
    token = _BLAS_LIMITED.set(True)
    try:
        with threadpool_limits(1, user_api="blas"):
            yield
    finally:
        _BLAS_LIMITED.reset(token)


def any_tracer(tree) -> bool:
    return any(is_tracer(leaf) for leaf in tree_flatten(tree)[0])


def _is_number(x):
    return isinstance(x, (numbers.Number, np.generic)) and not isinstance(x, bool)


def _is_array_like(x0):
    """SciPy-style ``x0``: an array, a number, or (nested) lists/tuples of plain numbers."""
    if isinstance(x0, (np.ndarray, numbers.Number, np.generic)):
        return True
    if isinstance(x0, (list, tuple)) and type(x0) in (list, tuple):
        leaves = tree_flatten(x0)[0]
        return len(leaves) > 0 and all(_is_number(v) for v in leaves)
    return False


class Flattener:
    """Maps ``x0`` (an array or a pytree of arrays) to one float64 vector and back.

    An array-like ``x0`` (NumPy array, number, list of numbers) behaves exactly as in
    SciPy: the solver sees ``x0.ravel()`` and ``x`` comes back with ``x0``'s shape
    (at least 1-d).  Any other pytree (dict, tuple of arrays, namedtuple...) is flattened
    leaf by leaf in ``chainrule.tree_util`` order and rebuilt with the same structure.
    """

    def __init__(self, x0, name="minimize"):
        self.name = name
        self.is_tree = not (_is_array_like(x0) or is_tracer(x0))
        if self.is_tree:
            leaves, self.treedef = tree_flatten(x0)
            if not leaves:
                raise ValueError(f"{name}: x0 has no array leaves; pass the starting point as an "
                                 "array or a pytree (dict, tuple, list) of arrays")
        else:
            leaves, self.treedef = [x0], None
        self.shapes = []
        for leaf in leaves:
            try:
                shape = tuple(cnp.shape(leaf))
            except Exception:
                raise TypeError(f"{name}: x0 contains a {type(leaf).__name__}, which is not an "
                                "array or a number") from None
            self.shapes.append(shape)
        if not self.is_tree and self.shapes[0] == ():
            self.shapes = [(1,)]  # as SciPy: x is at least 1-d
        self.sizes = [int(np.prod(s, dtype=np.int64)) for s in self.shapes]
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)]).astype(int)
        self.size = int(self.offsets[-1])

    def ravel(self, tree, what="x0"):
        """Concrete pytree (or array) -> float64 vector, checking the structure."""
        if self.is_tree:
            leaves, td = tree_flatten(tree)
            if td != self.treedef:
                raise ValueError(f"{self.name}: {what} has structure {td} but x0 has "
                                 f"{self.treedef}; they must match")
        else:
            leaves = [tree]
        parts = []
        for leaf, shape in zip(leaves, self.shapes):
            a = np.asarray(leaf, dtype=float)
            if a.size != int(np.prod(shape, dtype=np.int64)):
                raise ValueError(f"{self.name}: {what} has a leaf of shape {a.shape} where x0 has "
                                 f"shape {shape}")
            parts.append(a.ravel())
        return np.concatenate(parts) if len(parts) > 1 else parts[0].copy()

    def ravel_traced(self, tree):
        """Differentiable version of :meth:`ravel` (leaves may be tracers)."""
        leaves = tree_flatten(tree)[0] if self.is_tree else [tree]
        parts = [cnp.reshape(cnp.asarray(leaf), (-1,)) for leaf in leaves]
        return cnp.concatenate(parts) if len(parts) > 1 else parts[0]

    def unravel(self, vec):
        """Vector -> pytree shaped like ``x0`` (differentiable: ``vec`` may be a tracer)."""
        if not self.is_tree:
            return cnp.reshape(vec, self.shapes[0])
        leaves = []
        for shape, a, b in zip(self.shapes, self.offsets[:-1], self.offsets[1:]):
            leaves.append(cnp.reshape(vec[int(a):int(b)], shape))
        return tree_unflatten(self.treedef, leaves)

    def broadcast_tree(self, tree, what, fill):
        """A scalar, ``None`` or an x0-shaped pytree of (broadcastable) values -> vector."""
        if tree is None:
            return np.full(self.size, fill, dtype=float)
        if _is_number(tree) or (isinstance(tree, np.ndarray) and tree.ndim == 0):
            return np.full(self.size, float(tree))
        if not self.is_tree:
            a = np.asarray(tree, dtype=float)
            try:
                return np.broadcast_to(a, self.shapes[0]).ravel().astype(float)
            except ValueError:
                raise ValueError(f"{self.name}: {what} has shape {a.shape}, which does not match "
                                 f"x0's shape {self.shapes[0]}") from None
        leaves, td = tree_flatten(tree, is_leaf=lambda v: v is None)
        if td != tree_flatten(tree_unflatten(self.treedef, [0] * len(self.shapes)),
                              is_leaf=lambda v: v is None)[1]:
            raise ValueError(
                f"{self.name}: {what} has structure {tree_flatten(tree)[1]} but x0 has "
                f"{self.treedef}. Give {what} as one number for all parameters, or as a pytree "
                "with x0's structure whose leaves are numbers, None or arrays of the leaf's shape.")
        parts = []
        for leaf, shape in zip(leaves, self.shapes):
            if leaf is None:
                parts.append(np.full(int(np.prod(shape, dtype=np.int64)), fill))
                continue
            a = np.asarray(leaf, dtype=float)
            try:
                parts.append(np.broadcast_to(a, shape).ravel())
            except ValueError:
                raise ValueError(f"{self.name}: a leaf of {what} has shape {a.shape}, which does "
                                 f"not match the corresponding leaf of x0, shape {shape}") from None
        return np.concatenate(parts).astype(float)


def check_method(method, valid, name):
    if method is None or callable(method):
        return method
    if not isinstance(method, str) or method.lower() not in valid:
        raise ValueError(f"{name}: unknown method {method!r}. Valid methods are: "
                         + ", ".join(sorted(valid)) + ".")
    return method


def _leaf_float(value, name, where):
    """Validate a scalar objective value and return it as a Python float."""
    if is_tracer(value):
        raise TypeError(
            f"{name}: the objective returned a traced value: it uses a variable that an "
            "enclosing transform (grad, jvp, ...) is differentiating, captured from outside "
            "(a closure or global). Pass that variable through args=(...) instead; "
            "chainrule then differentiates the solution by the implicit function theorem. "
            "(Solvers cannot run under vmap or jit at all: they need concrete numbers.)")
    try:
        a = np.asarray(value)
    except Exception:
        raise TypeError(f"{name}: the objective returned {type(value).__name__}; it must return "
                        "a real scalar") from None
    if a.dtype == object or a.dtype.kind not in "biuf":
        raise TypeError(f"{name}: the objective returned a value of dtype {a.dtype}; it must "
                        "return a real scalar")
    if a.size != 1:
        raise ValueError(
            f"{name}: the objective must return a scalar, but it returned an array of shape "
            f"{a.shape}{where}. Reduce it to one number (for example cnp.sum(r ** 2)); to fit "
            "residuals use chainrule.optimize.least_squares, which takes the vector directly.")
    return float(a.reshape(()))


class ScalarObjective:
    """``fun(tree, *args) -> scalar`` seen by SciPy as a function of a flat vector.

    ``value(x)`` evaluates without derivatives (gradient-free methods); ``value_and_grad``
    uses one reverse-mode pass; ``hessp`` is forward-over-reverse; ``hess`` the dense
    Hessian (forward over reverse, one Hessian-vector product per column).
    """

    def __init__(self, fun, flat, args, name):
        self.fun, self.flat, self.args, self.name = fun, flat, tuple(args), name
        self._checked = False
        self._last_x = None
        self._last_vg = None
        # A jitted objective is traceable by construction, so value-and-gradient and the
        # Hessian-vector product are compiled whole, once, and reused at every evaluation.
        # grad(jit(f)) alone also runs compiled code, but pays the reverse-mode machinery
        # (about 60 µs) at each call, which dominates the thousands of small evaluations
        # of a solver; and forward over reverse of a jitted function runs operation by
        # operation.  A plain function is never jitted here: it may use Python control
        # flow on values.
        self._vg_jit = self._hvp_jit = None
        if isinstance(fun, JittedFunction):
            # The wrapped function itself: inside the new jit it is inlined anyway.
            nums, inner = fun.static_argnums, fun.fun
            self._vg_jit = cr.jit(_value_and_grad_of(inner), static_argnums=nums)
            self._hvp_jit = cr.jit(_hvp_of(inner), static_argnums=tuple(
                i if i < 0 else i + 1 for i in nums))

    def tree_fun(self, tree):
        return self.fun(tree, *self.args)

    def _check_start(self, f, x, g=None):
        if self._checked:
            return
        self._checked = True
        if not np.isfinite(f):
            raise ValueError(
                f"{self.name}: the objective is {f} at the starting point x0. The solver "
                "needs a finite value there: move x0 inside the function's domain (for example "
                "away from log(0) or a division by zero), or check the objective for a bug.")
        if g is not None and not np.all(np.isfinite(g)):
            bad = np.flatnonzero(~np.isfinite(g))[:5].tolist()
            raise ValueError(
                f"{self.name}: the gradient is not finite at x0 (flat components {bad}). "
                "Move x0 away from a point where the objective is not differentiable "
                "(for example sqrt(0) or abs(0)).")

    def value(self, x):
        f = _leaf_float(self.tree_fun(self.flat.unravel(np.asarray(x, dtype=float))),
                        self.name, " (at x0)" if not self._checked else "")
        self._check_start(f, x)
        return f

    def value_and_grad(self, x):
        x = np.asarray(x, dtype=float)
        if self._last_x is not None and np.array_equal(x, self._last_x):
            return self._last_vg
        tree = self.flat.unravel(x)
        if self._vg_jit is not None:
            out, g = self._vg_jit(tree, *self.args)
            f = _leaf_float(out, self.name, " (at x0)" if not self._checked else "")
        else:
            out, pullback = cr.vjp(self.tree_fun, tree)
            f = _leaf_float(out, self.name, " (at x0)" if not self._checked else "")
            ct = np.ones(np.shape(out), dtype=np.result_type(np.asarray(out).dtype, float))
            (g,) = pullback(ct)
        g = self.flat.ravel(g, "the gradient")
        self._check_start(f, x, g)
        self._last_x, self._last_vg = x.copy(), (f, g)
        return f, g

    def grad(self, x):
        return self.value_and_grad(x)[1]

    def hessp(self, x, p):
        x = np.asarray(x, dtype=float)
        tree, tangent = self.flat.unravel(x), self.flat.unravel(np.asarray(p, dtype=float))
        if self._hvp_jit is not None:
            hv = self._hvp_jit(tree, tangent, *self.args)
        else:
            _, hv = cr.jvp(cr.grad(self.tree_fun), (tree,), (tangent,))
        return self.flat.ravel(hv, "the Hessian-vector product")

    def hess(self, x):
        x = np.asarray(x, dtype=float)
        flat_fun = lambda v: self.tree_fun(self.flat.unravel(v))
        return np.asarray(cr.hessian(flat_fun)(x), dtype=float).reshape(x.size, x.size)


def _value_and_grad_of(fun):
    """``(tree, *args) -> (value, gradient)`` by one reverse pass; the cotangent is ones so a
    one-element array output works like a scalar (its shape is checked by the caller)."""
    def vg(tree, *args):
        out, pullback = cr.vjp(lambda t: fun(t, *args), tree)
        (g,) = pullback(cnp.ones_like(out))
        return out, g
    return vg


def _hvp_of(fun):
    """``(tree, tangent, *args) -> Hessian-vector product``, forward over reverse."""
    def hvp(tree, tangent, *args):
        return cr.jvp(cr.grad(lambda t: fun(t, *args)), (tree,), (tangent,))[1]
    return hvp


def wrap_callback(callback, flat):
    """Adapt a user callback so that it sees ``x`` with ``x0``'s structure."""
    if callback is None or not flat.is_tree:
        return callback
    try:
        params = inspect.signature(callback).parameters
    except (TypeError, ValueError):
        params = {}
    if set(params) == {"intermediate_result"}:
        def cb_result(intermediate_result):
            res = type(intermediate_result)(intermediate_result)
            res.x = flat.unravel(np.asarray(intermediate_result.x))
            return callback(intermediate_result=res)
        return cb_result

    def cb(xk, *rest):
        return callback(flat.unravel(np.asarray(xk)), *rest)
    return cb


def scalar_value(out, name):
    """A concrete real scalar from a scalar function's output."""
    return _leaf_float(out, name, "")
