"""Public transforms: jvp, linearize, vjp, grad, Jacobians and Hessians."""

from __future__ import annotations

import functools
import os
import sys
import warnings

import numpy as np

from ..core import (PLAIN_TYPES, Zero, current_trace, get_aval, is_float_dtype, is_tracer,
                    namespace_of, new_trace)
from ..interpreters.jvp import JVPTrace, JVPTracer, tangent_mismatch
from ..interpreters.linearize import backward_pass, linearize_flat
from ..ir import eval_program
from ..tree_util import tree_flatten, tree_map, tree_unflatten


def _zeros_for(x, aval=None):
    """Zeros of ``aval`` (default: ``x``'s) in the array library of ``x``."""
    a = get_aval(x) if aval is None else aval
    xp = np if type(x) in PLAIN_TYPES or is_tracer(x) else namespace_of([x])
    return xp.zeros(a.shape, a.dtype)


def _to_output(x):
    return np.zeros(x.aval.shape, x.aval.dtype) if type(x) is Zero else x


def _leaf_names(args, what):
    """A name for each leaf of the tuple ``args``: 'argument 1', 'argument 0, leaf 2'..."""
    names = []
    for i, a in enumerate(args):
        leaves, tree = tree_flatten(a)
        if len(leaves) == 1 and tree == tree_flatten(leaves[0])[1]:  # ``a`` is a leaf
            names.append(f"{what} {i}")
        else:
            names += [f"{what} {i}, leaf {j}" for j in range(len(leaves))]
    return names


def _check_tangents(name, primal_avals, tangents, leaf_names, kind="tangent",
                    owner="its primal"):
    """Raise if a tangent (cotangent) does not fit its primal: see ``tangent_mismatch``.
    ``leaf_names()`` names the leaves (only called to write the error)."""
    for k, (aval, t) in enumerate(zip(primal_avals, tangents)):
        bad = tangent_mismatch(aval, t, kind, owner)
        if bad is not None:
            exc, msg = bad
            raise exc(f"{name}: the {kind} for {leaf_names()[k]} {msg}")


# --- NumPy's floating-point warnings point at the user's line ---------------------------
# While a transform runs, NumPy's floating-point warnings (a division by zero in a derivative
# rule, say) would be reported at the line of chainrule that called NumPy. Where NumPy is
# set to warn, a transform routes them through ``_warn_at_user_line`` instead, which reports
# them at the first frame outside chainrule and NumPy. Other settings (ignore, raise, a
# callback of the user's) are left untouched.
_INTERNAL_DIRS = tuple(os.path.dirname(os.path.abspath(m.__file__)) + os.sep
                       for m in (sys.modules["chainrule"], np))


def _warn_at_user_line(err, flag):
    frame, level = sys._getframe(1), 2  # the frame that called NumPy
    while frame is not None and frame.f_code.co_filename.startswith(_INTERNAL_DIRS):
        frame, level = frame.f_back, level + 1
    warnings.warn(f"{err} encountered while differentiating", RuntimeWarning,
                  stacklevel=level)


def _switched_modes():
    """NumPy's error modes for a transform to run under ("warn" becomes our callback), or
    None to keep the active ones (no "warn"; a callback of the user's, or ours already)."""
    if np.geterrcall() is _warn_at_user_line:
        return None
    modes = np.geterr()
    if "warn" not in modes.values() or "call" in modes.values():
        return None
    return {k: "call" if v == "warn" else v for k, v in modes.items()}


def _errstate_for(current):
    """The error state a transform uses while ``current`` (NumPy's active one) holds."""
    modes = _switched_modes()
    if modes is None:
        return current
    with np.errstate(call=_warn_at_user_line, **modes):
        return _extobj_var.get()


try:  # NumPy keeps its error state in a context variable; switching it directly is cheap
    from numpy._core.umath import _extobj_contextvar as _extobj_var
except ImportError:  # pragma: no cover - other NumPy versions: the public errstate
    _extobj_var = None
_ERRSTATES: dict = {}  # active error state -> the one transforms use (a few entries)


class user_warnings:
    """Context manager: NumPy floating-point warnings raised inside point at user code."""

    __slots__ = ("token", "state")

    def __enter__(self):
        self.token = self.state = None
        if _extobj_var is None:  # pragma: no cover
            modes = _switched_modes()
            if modes is not None:
                self.state = np.errstate(call=_warn_at_user_line, **modes)
                self.state.__enter__()
            return self
        current = _extobj_var.get()
        new = _ERRSTATES.get(current)
        if new is None:
            new = _errstate_for(current)
            if len(_ERRSTATES) < 64:
                _ERRSTATES[current] = new
        if new is not current:
            self.token = _extobj_var.set(new)
        return self

    def __exit__(self, *exc):
        if self.token is not None:
            _extobj_var.reset(self.token)
        elif self.state is not None:  # pragma: no cover
            self.state.__exit__(*exc)


def writable(x):
    # Cotangents of sums and unbatched vmap outputs are broadcast views, which NumPy makes
    # read-only; results handed to users are ordinary arrays they may update in place.
    if type(x) is np.ndarray and not x.flags.writeable:
        return x.copy()
    return x


def writable_outputs(tree):
    """``tree`` with each read-only NumPy array (a broadcast view) replaced by a copy."""
    return tree_map(writable, tree)


def _strip_tracers(tree, trace):
    """Auxiliary outputs are returned without derivatives: unwrap ``trace``'s tracers."""
    def strip(x):
        while trace.owns(x):
            x = trace.unpack(x)[0]
        return x
    return tree_map(strip, tree)


def _split_aux(out, has_aux, name):
    if not has_aux:
        return out, None
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(f"{name}(..., has_aux=True) needs the function to return a pair "
                        f"(output, auxiliary_data); it returned {type(out).__name__}")
    return out[0], out[1]


# --- forward mode -------------------------------------------------------------------------
def jvp(fun, primals, tangents, has_aux=False):
    """Forward mode: evaluate ``fun(*primals)`` and its directional derivative.

    Parameters
    ----------
    fun : callable
        Function of arrays (or pytrees of arrays).
    primals, tangents : tuple or list
        Where to evaluate and in which direction; same structure and shapes.
    has_aux : bool
        ``fun`` returns ``(output, aux)``; ``aux`` is returned undifferentiated.

    Returns
    -------
    (primal_out, tangent_out) or (primal_out, tangent_out, aux)

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.jvp(cnp.sin, (0.0,), (2.0,))
    (np.float64(0.0), np.float64(2.0))
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp expects primals and tangents as tuples, e.g. "
                        "jvp(f, (x,), (v,))")
    flat_p, tree = tree_flatten(tuple(primals))
    flat_t, tree_t = tree_flatten(tuple(tangents))
    if tree != tree_t:
        raise ValueError(f"jvp: primals have structure {tree} but tangents have {tree_t}")
    _check_tangents("jvp", [get_aval(p) for p in flat_p], flat_t,
                    lambda: _leaf_names(tuple(primals), "argument"))
    trace = JVPTrace(current_trace(), "jvp")
    ins = [JVPTracer(trace, p, t) if is_float_dtype(get_aval(p).dtype) else p
           for p, t in zip(flat_p, flat_t)]
    with user_warnings(), new_trace(trace):
        out = fun(*tree_unflatten(tree, ins))
        out, aux = _split_aux(out, has_aux, "jvp")
        flat_out, out_tree = tree_flatten(out)
        primals_out, tangents_out = [], []
        for x in flat_out:
            if trace.owns(x):
                primal, tangent = trace.unpack(x)
                primals_out.append(primal)
                tangents_out.append(_zeros_for(primal, tangent.aval) if type(tangent) is Zero
                                    else tangent)
            else:
                if is_tracer(x):
                    x.check_usable()
                primals_out.append(x)
                tangents_out.append(_zeros_for(x))
        aux = _strip_tracers(aux, trace)
    res = (tree_unflatten(out_tree, primals_out),
           tree_unflatten(out_tree, [writable(t) for t in tangents_out]))
    return res + (aux,) if has_aux else res


# --- linearize and reverse mode -----------------------------------------------------------
class Linearized:
    """Result of tracing ``fun`` once: primal outputs and the linear tangent program."""

    def __init__(self, fun, primals, has_aux, name, tape=False):
        flat_p, self.in_tree = tree_flatten(tuple(primals))
        self.flat_primals = flat_p
        self.out_tree = None
        self.aux = None

        def flat_fun(*flat):
            out = fun(*tree_unflatten(self.in_tree, flat))
            out, self.aux = _split_aux(out, has_aux, name)
            flat_out, self.out_tree = tree_flatten(out)
            return flat_out

        with user_warnings():
            self.primals_out, self.program, self.invars, trace = linearize_flat(
                flat_fun, flat_p, name, tape)
        self.name = name
        if has_aux:
            self.aux = _strip_tracers(self.aux, trace)

    @property
    def out(self):
        return tree_unflatten(self.out_tree, self.primals_out)

    def forward(self, tangents):
        """Apply the linear map to flat input tangents (float inputs only)."""
        with user_warnings():
            outs = eval_program(self.program, tangents)
        return [_to_output(t) if type(t) is Zero else writable(t) for t in outs]

    def backward(self, cotangents):
        """Apply the transposed map to flat output cotangents; one result per input."""
        with user_warnings():
            cts = iter(backward_pass(self.program, cotangents))
        out = []
        for p, v in zip(self.flat_primals, self.invars):
            ct = None if v is None else next(cts)
            out.append(_zeros_for(p) if ct is None else
                       _zeros_for(p, ct.aval) if type(ct) is Zero else writable(ct))
        return out


def linearize(fun, *primals):
    """Evaluate ``fun`` and return its linear approximation as a function of tangents.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> y, f_jvp = cr.linearize(cnp.sin, 0.0)
    >>> f_jvp(3.0)
    np.float64(3.0)
    """
    lin = Linearized(fun, primals, False, "linearize")

    def f_jvp(*tangents):
        flat_t, tree = tree_flatten(tuple(tangents))
        if tree != lin.in_tree:
            raise ValueError(f"linearize: tangents have structure {tree}, expected {lin.in_tree}")
        _check_tangents("linearize", [get_aval(p) for p in lin.flat_primals], flat_t,
                        lambda: _leaf_names(primals, "argument"))
        flat_t = [t for t, v in zip(flat_t, lin.invars) if v is not None]
        return tree_unflatten(lin.out_tree, lin.forward(flat_t))

    return lin.out, f_jvp


def vjp(fun, *primals, has_aux=False):
    """Reverse mode: ``fun(*primals)`` and a function mapping output cotangents to inputs'.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> y, f_vjp = cr.vjp(lambda x: x * x, 3.0)
    >>> f_vjp(1.0)
    (np.float64(6.0),)
    """
    lin = Linearized(fun, primals, has_aux, "vjp", tape=True)
    vjp_fun = functools.partial(_apply_vjp, lin)
    return (lin.out, vjp_fun, lin.aux) if has_aux else (lin.out, vjp_fun)


def _apply_vjp(lin, cotangent):
    flat_ct, tree = tree_flatten(cotangent)
    if tree != lin.out_tree:
        raise ValueError(f"vjp: the cotangent has structure {tree} but the function's output "
                         f"has structure {lin.out_tree}")
    def names():
        return (["the output"] if lin.out_tree == tree_flatten(0.0)[1] else
                [f"output leaf {j}" for j in range(len(flat_ct))])
    _check_tangents("vjp", [get_aval(p) for p in lin.primals_out], flat_ct, names,
                    "cotangent", "that output")
    return tree_unflatten(lin.in_tree, lin.backward(list(flat_ct)))


def _copy_arrays(tree):
    return tree_map(lambda x: x.copy() if type(x) is np.ndarray else x, tree)


def argnums_tuple(argnums, nargs, name):
    """Validate ``argnums``; return ``(pick, nums)``: the distinct argument positions to
    differentiate, and the function that turns their results (a tuple, one per position)
    into what the transform returns (one result per entry of ``argnums``, as in JAX)."""
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    for a in nums:
        if not isinstance(a, int) or not -nargs <= a < nargs:
            raise ValueError(f"{name}: argnums={argnums!r} is out of range for a call with "
                             f"{nargs} positional argument(s)")
    nums = tuple(a % nargs for a in nums)
    unique = tuple(dict.fromkeys(nums))

    def pick(results):
        if single:
            return results[0]
        if unique == nums:
            return results
        # A repeated argument gets the same derivative each time, in arrays of its own.
        out, seen = [], set()
        for a in nums:
            r = results[unique.index(a)]
            out.append(_copy_arrays(r) if a in seen else r)
            seen.add(a)
        return tuple(out)
    return pick, unique


def check_differentiable_inputs(args, argnums, name, holomorphic):
    for i in argnums:
        for leaf in tree_flatten(args[i])[0]:
            if type(leaf) is np.ndarray and leaf.dtype.kind == "f" and not holomorphic:
                continue  # the common case, at once (a training step checks every leaf)
            dtype = get_aval(leaf).dtype
            if not is_float_dtype(dtype):
                raise TypeError(
                    f"{name} requires floating-point inputs, but argument {i} has dtype "
                    f"{dtype}. Pass it as a float (for example 2.0 instead of 2, or "
                    f"x.astype(float)), or leave it out of argnums.")
            if holomorphic and dtype.kind != "c":
                raise TypeError(f"{name}(holomorphic=True) requires complex inputs, but "
                                f"argument {i} has dtype {dtype}")


def partial_fun(fun, args, kwargs, argnums):
    def f(*dyn):
        full = list(args)
        for i, d in zip(argnums, dyn):
            full[i] = d
        return fun(*full, **kwargs)
    return f


def _check_scalar_output(out, name, holomorphic):
    leaves, _ = tree_flatten(out)
    if len(leaves) != 1:
        raise TypeError(f"{name} requires a function with a single scalar output, got a pytree "
                        f"with {len(leaves)} leaves. Use jacrev or vjp instead.")
    aval = get_aval(leaves[0])
    if aval.shape != ():
        raise TypeError(
            f"{name} requires a scalar output, but the function returned shape {aval.shape}. "
            "Use chainrule.jacrev or chainrule.jacobian for a Jacobian, chainrule.vjp for a "
            "vector-Jacobian product, or chainrule.elementwise_grad when the function acts "
            "element by element.")
    if aval.dtype.kind == "c" and not holomorphic:
        raise TypeError(
            f"{name} requires a real-valued output, but the function returned {aval.dtype}. "
            "Differentiate a real quantity (abs, real part, ...), or pass holomorphic=True "
            "for a holomorphic function.")
    if not is_float_dtype(aval.dtype):
        raise TypeError(
            f"{name} requires a floating-point output, but the function returned {aval.dtype}. "
            "Integer and boolean outputs have no derivative.")
    return aval


def value_and_grad(fun, argnums=0, has_aux=False, holomorphic=False):
    """Return a function computing ``fun``'s value and its gradient (reverse mode).

    Parameters
    ----------
    fun : callable
        Scalar-valued function.
    argnums : int or tuple of int
        Which positional arguments to differentiate.
    has_aux : bool
        ``fun`` returns ``(value, aux)``; the result is ``((value, aux), grad)``.
    holomorphic : bool
        ``fun`` is holomorphic in complex inputs.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.value_and_grad(lambda x: cnp.sum(x ** 2))(cnp.array([1.0, 2.0]))
    (np.float64(5.0), array([2., 4.]))
    """
    picks = {}  # argnums_tuple's answer for each number of positional arguments

    @functools.wraps(fun)
    def value_and_grad_fun(*args, **kwargs):
        with user_warnings():
            return _value_and_grad(fun, argnums, has_aux, holomorphic, args, kwargs, picks)

    return value_and_grad_fun


def _value_and_grad(fun, argnums, has_aux, holomorphic, args, kwargs, picks=None):
    got = None if picks is None else picks.get(len(args))
    if got is None:
        got = argnums_tuple(argnums, len(args), "grad")
        if picks is not None:
            picks[len(args)] = got
    pick, nums = got
    check_differentiable_inputs(args, nums, "grad", holomorphic)
    f = partial_fun(fun, args, kwargs, nums)
    lin = Linearized(f, tuple(args[i] for i in nums), has_aux, "grad", tape=True)
    aval = _check_scalar_output(lin.out, "grad", holomorphic)
    g = tree_unflatten(lin.in_tree, lin.backward([np.ones((), aval.dtype)[()]]))
    value = (lin.out, lin.aux) if has_aux else lin.out
    return value, pick(g)


def grad(fun, argnums=0, has_aux=False, holomorphic=False):
    """Return a function computing the gradient of scalar-valued ``fun`` (reverse mode).

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(lambda x: x * cnp.sin(x))(0.0)
    np.float64(0.0)
    >>> cr.grad(cr.grad(lambda x: x ** 3))(2.0)
    np.float64(12.0)
    """
    vg = value_and_grad(fun, argnums, has_aux, holomorphic)

    @functools.wraps(fun)
    def grad_fun(*args, **kwargs):
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return grad_fun


def elementwise_grad(fun, argnums=0):
    """Gradient of ``sum(fun(x))``: the derivative of an elementwise function, elementwise.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.elementwise_grad(cnp.sin)(cnp.array([0.0, cnp.pi]))
    array([ 1., -1.])
    """
    @functools.wraps(fun)
    def egrad(*args, **kwargs):
        pick, nums = argnums_tuple(argnums, len(args), "elementwise_grad")
        check_differentiable_inputs(args, nums, "elementwise_grad", False)
        lin = Linearized(partial_fun(fun, args, kwargs, nums),
                          tuple(args[i] for i in nums), False, "elementwise_grad",
                          tape=True)
        ones = [np.ones(get_aval(p).shape, get_aval(p).dtype) for p in lin.primals_out]
        return pick(tree_unflatten(lin.in_tree, lin.backward(ones)))

    return egrad
