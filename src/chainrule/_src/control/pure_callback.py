"""``pure_callback``: call outside Python code (plain NumPy, SciPy, a C extension) on the
numbers of traced values, from inside ``jit`` and ``vmap``.

The call is one higher-order primitive, ``pure_callback``, whose only parameters are the
callback and the declared shapes and dtypes of its results: ``jit`` stages it like any
other operation (the compiled function calls the callback with concrete arrays), ``vmap``
either loops over the batch or hands the whole batch to a vectorized callback.  chainrule
cannot see inside the callback, so differentiating it raises an error that says to give it
a derivative with :class:`~chainrule.custom_jvp`.
"""

from __future__ import annotations

import numpy as np

from ..core import Primitive, ShapedArray, get_aval
from ..tree_util import tree_flatten, tree_unflatten
from ..lax import expand_dims


class ShapeDtypeStruct:
    """The shape and dtype of an array, without its data: what :func:`pure_callback`
    declares its callback returns.

    Parameters
    ----------
    shape : tuple of int
    dtype : dtype-like

    Examples
    --------
    >>> import chainrule as cr, numpy as np
    >>> cr.ShapeDtypeStruct((3,), np.float32)
    ShapeDtypeStruct(shape=(3,), dtype=float32)
    """

    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        self.shape = tuple(int(d) for d in shape)
        self.dtype = np.dtype(dtype)

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape, dtype=np.int64))

    def __repr__(self):
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name})"

    def __eq__(self, other):
        return (isinstance(other, ShapeDtypeStruct) and self.shape == other.shape
                and self.dtype == other.dtype)

    def __hash__(self):
        return hash((self.shape, self.dtype))


def _declared_aval(x):
    try:
        return ShapedArray(tuple(x.shape), np.dtype(x.dtype))
    except (AttributeError, TypeError):
        raise TypeError(
            "pure_callback: result_shape_dtypes must be a pytree of chainrule.ShapeDtypeStruct "
            f"(or of arrays, whose shape and dtype are used); got a leaf of type "
            f"{type(x).__name__}") from None


def _name(fn):
    return getattr(fn, "__name__", type(fn).__name__)


def _check_results(out, out_tree, avals, name, batch=None):
    """The callback's results as a flat list of arrays, checked against the declaration."""
    leaves, tree = tree_flatten(out)
    where = "" if batch is None else f" (batch element {batch})"
    if tree != out_tree:
        raise TypeError(f"pure_callback: the callback {name!r} returned a result with "
                        f"structure {tree}{where}, but result_shape_dtypes declares {out_tree}")
    arrays = []
    for k, (r, a) in enumerate(zip(leaves, avals)):
        r = np.asarray(r)
        if r.shape != a.shape or r.dtype != a.dtype:
            raise TypeError(
                f"pure_callback: result {k} of the callback {name!r}{where} has shape "
                f"{r.shape} and dtype {r.dtype}, but result_shape_dtypes declares shape "
                f"{a.shape} and dtype {a.dtype}. Fix the declaration, or convert the result "
                "in the callback (for example np.asarray(y, dtype=...)).")
        arrays.append(r)
    return arrays


class _Callback:
    """The user's callback called on flat arguments; ``looped`` over a batch for vmap.

    Hashed by identity, like the callback itself: two call sites of one function with the
    same declaration may share a compiled equation."""

    def __init__(self, fn, in_tree, out_tree, name, mapped=None):
        self.fn, self.in_tree, self.out_tree, self.name = fn, in_tree, out_tree, name
        self.mapped = mapped  # per argument: True if it carries a leading batch axis

    def __repr__(self):
        return self.name if self.mapped is None else f"looped({self.name})"

    def __call__(self, args, avals):
        if self.mapped is None:
            out = self.fn(*tree_unflatten(self.in_tree, list(args)))
            return _check_results(out, self.out_tree, avals, self.name)
        # One call per batch element, results stacked along a new leading axis.
        size = avals[0].shape[0] if avals else next(
            a.shape[0] for a, m in zip(args, self.mapped) if m)
        inner = [ShapedArray(a.shape[1:], a.dtype) for a in avals]
        rows = [self.fn([a[i, ...] if m else a for a, m in zip(args, self.mapped)], inner)
                for i in range(size)]
        if not rows:
            return [np.zeros(a.shape, a.dtype) for a in avals]
        return [np.stack([r[k] for r in rows]) for k in range(len(avals))]


pure_callback_p = Primitive("pure_callback", multiple_results=True)


def _impl(xp, *args, callback, result_avals, vectorized):
    args = [np.asarray(a) if xp is np else a for a in args]
    return callback(args, result_avals)


def _jvp(primals, tangents, *, callback, result_avals, vectorized):
    raise TypeError(
        f"chainrule cannot differentiate the pure_callback of {callback.name!r}: it calls "
        "outside code, whose derivative chainrule does not know (it will not guess zero). "
        "Wrap the function that calls pure_callback in chainrule.custom_jvp and give its "
        "derivative in the rule (the rule may use pure_callback too); see 'Calling NumPy and "
        "SciPy code' in docs/guide.md. If the inputs are really constants, pass "
        "chainrule.stop_gradient(x) to the callback.")


def _batch(axis_size, vals, dims, *, callback, result_avals, vectorized):
    batched = tuple(ShapedArray((axis_size,) + a.shape, a.dtype) for a in result_avals)
    if vectorized:
        # The callback gets the whole batch at once: batched arguments carry it as their
        # leading axis, the others a leading axis of size 1 (NumPy broadcasting).
        args = [v if d is not None else expand_dims(v, (0,)) for v, d in zip(vals, dims)]
        return pure_callback_p.bind(*args, callback=callback, result_avals=batched,
                                    vectorized=True), [0] * len(batched)
    mapped = tuple(d is not None for d in dims)
    looped = _Callback(callback, None, None, callback.name, mapped)
    return pure_callback_p.bind(*vals, callback=looped, result_avals=batched,
                                vectorized=False), [0] * len(batched)


pure_callback_p.impl = _impl
pure_callback_p.abstract_eval = lambda *avals, callback, result_avals, vectorized: list(
    result_avals)
pure_callback_p.jvp = _jvp
pure_callback_p.batch = _batch


def pure_callback(callback, result_shape_dtypes, *args, vectorized=False):
    """Call ``callback(*args)``, plain Python/NumPy/SciPy code, on concrete arrays, also from
    inside ``jit`` and ``vmap``.

    The callback must be pure (its result depends only on its arguments): chainrule may call
    it once per batch element, once per batch, or not at all when its result is unused.

    Parameters
    ----------
    callback : callable
        Called with NumPy arrays in the structure of ``args``; returns arrays (or numbers)
        in the structure of ``result_shape_dtypes``.
    result_shape_dtypes : pytree of ShapeDtypeStruct
        Shape and dtype of each result (arrays may stand in for them).  A result whose shape
        or dtype differs raises a ``TypeError``.
    *args : pytrees of arrays
    vectorized : bool
        Under ``vmap``: if False (default), ``callback`` is called once per batch element;
        if True, once with the whole batch as the leading axis of the batched arguments
        (the others get a leading axis of size 1), and it must return the batched results.

    Returns
    -------
    pytree of arrays
        The callback's results, in the structure of ``result_shape_dtypes``.

    Notes
    -----
    chainrule cannot differentiate through the callback: ``grad`` or ``jvp`` of it raises an
    error.  To differentiate, wrap the function that calls ``pure_callback`` in
    :class:`~chainrule.custom_jvp` and state the derivative in its rule.

    Examples
    --------
    >>> import chainrule as cr, numpy as np, scipy.special
    >>> def gammaln(x):
    ...     return cr.pure_callback(scipy.special.gammaln,
    ...                             cr.ShapeDtypeStruct(x.shape, x.dtype), x)
    >>> cr.jit(gammaln)(np.array([1.0, 5.0]))
    array([0.        , 3.17805383])
    >>> cr.vmap(gammaln)(np.array([[1.0], [5.0]]))
    array([[0.        ],
           [3.17805383]])
    """
    leaves, out_tree, params = pure_callback_params(callback, result_shape_dtypes, args,
                                                    vectorized)
    return tree_unflatten(out_tree, list(pure_callback_p.bind(*leaves, **params)))


def pure_callback_params(callback, result_shape_dtypes, args, vectorized=False):
    """The operands, result tree and parameters of the ``pure_callback`` primitive for
    ``callback(*args)``."""
    leaves, in_tree = tree_flatten(tuple(args))
    decl, out_tree = tree_flatten(result_shape_dtypes)
    avals = tuple(_declared_aval(d) for d in decl)
    for x in leaves:
        get_aval(x)  # a clear error for arguments that are not arrays
    fn = _Callback(callback, in_tree, out_tree, _name(callback))
    return leaves, out_tree, {"callback": fn, "result_avals": avals,
                              "vectorized": bool(vectorized)}
