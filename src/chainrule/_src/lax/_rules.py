"""Small helpers for the common shapes of primitive rule, so most rules take one line."""

from __future__ import annotations

import numpy as np

from ..core import (Primitive, ShapedArray, Zero, broadcast_shapes, dtype_of,
                    elementwise_result_dtype, get_aval, instantiate, is_float_dtype, shape_of)
from ..ir import Var

# ---------------------------------------------------------------------------------------
# Elementwise primitives
# ---------------------------------------------------------------------------------------


def elementwise_abstract_eval(prim):
    cache: dict = {}  # recording tangents asks the same question many times
    # Most avals are shared objects (see core.get_aval), so a pair is first looked up by
    # identity; the entry holds the avals themselves, so their ids cannot be reused while
    # it exists.
    pairs: dict = {}

    def abstract_eval(*avals, **params):
        if len(avals) == 2 and not params:
            a, b = avals
            hit = pairs.get((id(a), id(b)))
            if hit is not None and hit[0] is a and hit[1] is b:
                return hit[2]
            out = abstract_eval_general(*avals)
            if len(pairs) < 4096:
                pairs[(id(a), id(b))] = (a, b, out)
            return out
        return abstract_eval_general(*avals, **params)

    def abstract_eval_general(*avals, **params):
        key = (*[(a.shape, a.dtype, a.weak_type) for a in avals], *params.items())
        try:
            return cache[key]
        except KeyError:
            pass
        shape = broadcast_shapes(*[a.shape for a in avals])
        dtype, weak = elementwise_result_dtype(prim, avals, params)
        out = ShapedArray(shape, dtype, weak)
        if len(cache) < 4096:
            cache[key] = out
        return out
    return abstract_eval


def elementwise(name: str, np_name: str | None = None, impl=None) -> Primitive:
    """An elementwise (broadcasting) primitive computed by ``xp.<np_name>``."""
    prim = Primitive(name)
    fn_name = np_name or name
    if impl is None:
        prim.np_name = fn_name  # code generation calls xp.<np_name> directly
        np_fn = getattr(np, fn_name, None)

        def impl(xp, *args, **params):
            if xp is np:
                for a in args:
                    if type(a) is np.ndarray and 0 in a.strides and a.size > 1:
                        return _on_broadcast_cores(np_fn, args, params)
                return np_fn(*args, **params)
            return getattr(xp, fn_name)(*args, **params)
    prim.impl = impl
    prim.abstract_eval = elementwise_abstract_eval(prim)
    defbroadcasting_batch(prim)
    return prim


def _on_broadcast_cores(fn, args, params):
    # A broadcast view (a seed or constant spread over the data's shape) stays one: the
    # function runs on the distinct values and its result is broadcast back, so no
    # full-size array appears (one would be embedded whole in a Dask graph it meets).
    shape = np.broadcast_shapes(*[np.shape(a) for a in args])
    cores = [a[tuple(slice(0, 1) if s == 0 else slice(None) for s in a.strides)]
             if type(a) is np.ndarray and a.ndim else a for a in args]
    out = fn(*cores, **params)
    spread = lambda o: o if np.shape(o) == shape else np.broadcast_to(o, shape)  # noqa: E731
    return tuple(map(spread, out)) if type(out) is tuple else spread(out)


def match_tangent(t, aval):
    """Broadcast and cast a tangent contribution to the output's shape and dtype."""
    taval = get_aval(t)
    if taval is aval:
        return t
    if taval.shape != aval.shape:
        t = _shape.broadcast_to(t, aval.shape)
    if taval.dtype != aval.dtype and is_float_dtype(aval.dtype) and not taval.weak_type:
        t = _elementwise.convert_element_type(t, aval.dtype)
    return t


# Most elementwise derivatives multiply (or divide) each argument's tangent by a coefficient
# computed from the primal values alone. Declared that way (``SAME``, ``NEGATED``,
# ``times``, ``over``) rather than as a function of the tangent, one rule serves twice:
# ``defjvp`` builds the forward rule from it, and eager reverse mode reads it from
# ``prim.scaling`` to record the operation as (input, coefficient) on a flat tape instead
# of staging an equation (``interpreters/linearize.py``, ``docs/design/eager-reverse.md``).
SAME = ("same", None)  # the tangent itself (``add``)
NEGATED = ("neg", None)  # its negative (``sub``'s second argument)


def times(coefficient):
    """The derivative rule ``t * coefficient(ans, *primals, **params)`` (for ``defjvp``)."""
    return ("mul", coefficient)


def over(divisor):
    """The derivative rule ``t / divisor(ans, *primals, **params)`` (for ``defjvp``)."""
    return ("div", divisor)


def _tangent_rule(entry):
    """The rule ``rule(t, ans, *primals, **params)`` that a scaling entry stands for."""
    op, fn = entry
    if op == "same":
        return lambda t, ans, *primals, **params: t
    if op == "neg":
        return lambda t, ans, *primals, **params: _elementwise.neg(t)
    if op == "mul":
        return lambda t, ans, *primals, **params: _elementwise.mul(t, fn(ans, *primals,
                                                                         **params))
    if op == "div":
        return lambda t, ans, *primals, **params: _elementwise.div(t, fn(ans, *primals,
                                                                         **params))
    raise ValueError(f"unknown scaling {op!r}")


def defjvp(prim: Primitive, *rules):
    """Set ``prim.jvp`` from one rule per argument: ``rule(t, ans, *primals, **params)``.

    A rule of ``None`` marks an argument with no derivative.  Contributions of nonzero
    tangents are added; each is broadcast to the output's shape.  A rule may also be a
    scaling (``SAME``, ``NEGATED``, ``times(c)``, ``over(d)``); when every rule is one (or
    None), ``prim.scaling`` records them for eager reverse mode.
    """
    if any(type(r) is tuple for r in rules) and all(r is None or type(r) is tuple
                                                     for r in rules):
        prim.scaling = rules
    rules = tuple(_tangent_rule(r) if type(r) is tuple else r for r in rules)

    def jvp(primals, tangents, **params):
        ans = prim.bind(*primals, **params)
        out = None
        for rule, t in zip(rules, tangents):
            if rule is None or type(t) is Zero:
                continue
            c = rule(t, ans, *primals, **params)
            out = c if out is None else _elementwise.add(out, c)
        if out is None or dtype_of(ans).kind not in "fc":
            return ans, Zero(get_aval(ans))
        return ans, match_tangent(out, get_aval(ans))

    prim.jvp = jvp
    return prim


def defjvp_scaled(prim: Primitive, *coefficients):
    """Set ``prim.jvp`` for a derivative that scales each tangent: ``t_i * c_i``.

    ``coefficients[i](ans, *primals, **params)`` gives ``c_i`` (``None``: no derivative in
    argument ``i``).  Compared with :func:`defjvp`, several nonzero tangents are combined
    by one ``scaled_sum`` instead of products and sums, so reverse mode records and
    transposes one linear operation per primitive.
    """
    def jvp(primals, tangents, **params):
        ans = prim.bind(*primals, **params)
        terms = []
        for coefficient, t in zip(coefficients, tangents):
            if coefficient is not None and type(t) is not Zero:
                c = coefficient(ans, *primals, **params)
                for k in range(0, len(terms), 2):
                    if terms[k] is t:  # x * x: one product t * (c0 + c1), not two
                        terms[k + 1] = _elementwise.add(terms[k + 1], c)
                        break
                else:
                    terms += (t, c)
        if not terms or dtype_of(ans).kind not in "fc":
            return ans, Zero(get_aval(ans))
        out = _elementwise.scaled_sum(*terms)
        return ans, match_tangent(out, get_aval(ans))

    prim.jvp = jvp
    prim.scaling = tuple(None if c is None else times(c) for c in coefficients)
    return prim


def multilinear_tangent(prim: Primitive, primals, tangents, params):
    """The tangent of a primitive linear in each argument separately (a product):
    ``sum_i prim(..., t_i, ...)`` over the nonzero tangents, or None if all are zero."""
    out = None
    for i, t in enumerate(tangents):
        if type(t) is Zero:
            continue
        ops = list(primals)
        ops[i] = t
        term = prim.bind(*ops, **params)
        out = term if out is None else _elementwise.add(out, term)
    return out


def defnondiff(prim: Primitive):
    """``prim`` has a zero derivative everywhere (integer outputs, rounding, comparisons)."""
    def jvp(primals, tangents, **params):
        ans = prim.bind(*primals, **params)
        if prim.multiple_results:
            return ans, [Zero(get_aval(a)) for a in ans]
        return ans, Zero(get_aval(ans))
    prim.jvp = jvp
    return prim


def deflinear(prim: Primitive, linear_argnums=None, transpose=None):
    """``prim`` is linear in the arguments ``linear_argnums`` (all when None).

    Its JVP applies ``prim`` itself to the tangents of the linear arguments (other
    arguments are passed as their primal values) and the zero tangent is skipped.
    """
    def jvp(primals, tangents, **params):
        ans = prim.bind(*primals, **params)
        idx = range(len(primals)) if linear_argnums is None else linear_argnums
        if all(type(tangents[i]) is Zero for i in idx):
            return ans, (Zero(get_aval(ans)) if not prim.multiple_results
                         else [Zero(get_aval(a)) for a in ans])
        args = list(primals)
        for i in idx:
            args[i] = instantiate(tangents[i])
        return ans, prim.bind(*args, **params)

    prim.jvp = jvp
    if transpose is not None:
        prim.transpose = transpose
    return prim


# ---------------------------------------------------------------------------------------
# Cotangent helpers
# ---------------------------------------------------------------------------------------


def unbroadcast(ct, aval: ShapedArray):
    """Sum ``ct`` down to ``aval``'s shape: the transpose of NumPy broadcasting."""
    shape = aval.shape
    if type(ct) is np.ndarray:  # the common case, without the generic helpers
        cshape = ct.shape
        if cshape == shape and ct.dtype == aval.dtype:
            return ct
    else:
        cshape = shape_of(ct)
        if cshape == shape and dtype_of(ct) == aval.dtype:
            return ct
    if cshape != shape:
        lead = len(cshape) - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(shape) if n == 1 and cshape[lead + i] != 1)
        if axes:
            ct = _reductions.reduce_sum(ct, axes=axes)
        if get_aval(ct).shape != shape:
            ct = _shape.reshape(ct, shape)
    cdtype = get_aval(ct).dtype
    if cdtype != aval.dtype and is_float_dtype(aval.dtype):
        if cdtype.kind == "c" and aval.dtype.kind != "c":
            ct = _elementwise.real(ct)
        if get_aval(ct).dtype != aval.dtype:
            ct = _elementwise.convert_element_type(ct, aval.dtype)
    return ct


def transpose_each(*rules):
    """Transpose rule from one function per argument: ``rule(ct, *args, **params)``.

    Each rule is called only when its argument is the undefined (linear) one.
    """
    def transpose(ct, *args, **params):
        out = []
        for rule, a in zip(rules, args):
            if type(a) is Var and rule is not None and type(ct) is not Zero:  # undefined
                out.append(unbroadcast(rule(ct, *args, **params), a.aval))
            else:
                out.append(None)
        return out
    return transpose


# ---------------------------------------------------------------------------------------
# Batch (vmap) rules.  Batched operands carry their batch axis first.
# ---------------------------------------------------------------------------------------


def logical_ndim(x, d):
    return len(shape_of(x)) - (d is not None)


def align_batched(x, d, rank):
    """Give a batched operand ``rank`` logical axes by inserting length-1 axes after the
    batch axis, so NumPy broadcasting lines it up with the other operands."""
    if d is None:
        return x
    shape = shape_of(x)
    missing = rank - (len(shape) - 1)
    if missing > 0:
        x = _shape.reshape(x, shape[:1] + (1,) * missing + shape[1:])
    return x


def move_to_front(x, d, size):
    """``x`` with its batch axis first; an unbatched ``x`` is broadcast along a new one."""
    if d is None:
        shape = shape_of(x)
        return _shape.broadcast_to(_shape.reshape(x, (1,) + shape), (size,) + shape)
    return x


def defbroadcasting_batch(prim):
    """Batch rule for elementwise (broadcasting) primitives."""
    def batch(size, vals, dims, **params):
        if len(vals) == 1:  # one operand, batched: nothing to line up
            return prim.bind(*vals, **params), 0
        # A plain loop: this rule runs for every elementwise operation under vmap.
        shapes = [shape_of(v) for v in vals]
        rank = 0
        for shape, d in zip(shapes, dims):
            n = len(shape) - (d is not None)
            if n > rank:
                rank = n
        args = []
        for v, shape, d in zip(vals, shapes, dims):
            if d is not None and len(shape) - 1 < rank:
                v = _shape.reshape(v, shape[:1] + (1,) * (rank - len(shape) + 1) + shape[1:])
            args.append(v)
        return prim.bind(*args, **params), 0
    prim.batch = batch
    return prim


def defstack_batch(prim):
    """Batch rule for primitives on stacks of matrices (linear algebra): the batch axis,
    first, is one more leading stack axis."""
    def batch(size, vals, dims, **params):
        out = prim.bind(*vals, **params)
        return out, ([0] * len(out) if prim.multiple_results else 0)
    prim.batch = batch
    return prim


def defaxes_batch(prim, name="axes"):
    """Batch rule for single-operand primitives whose ``name`` param holds axis numbers."""
    def batch(size, vals, dims, **params):
        axes = params[name]
        if isinstance(axes, tuple):
            params[name] = tuple(a + 1 for a in axes)
        elif axes is not None:
            params[name] = axes + 1
        return prim.bind(*vals, **params), 0
    prim.batch = batch
    return prim


# The rule helpers above call primitives from modules that import this one; the package's
# __init__ binds these once every module is loaded.
_elementwise = _reductions = _shape = None
