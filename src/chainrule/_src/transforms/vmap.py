"""``vmap``: vectorize a function over a batch axis of its inputs."""

from __future__ import annotations

import functools

from .. import lax
from .api import writable, writable_outputs
from ..core import current_trace, get_aval, is_tracer, new_trace
from ..interpreters.batching import BatchTrace, BatchTracer
from ..tree_util import tree_flatten, tree_leaves, tree_unflatten


def _prefix_leaves(prefix, tree, what):
    """Expand an axis specification that is a pytree prefix of ``tree`` to one per leaf."""
    if prefix is None or isinstance(prefix, int):
        return [prefix] * len(tree_leaves(tree))
    if isinstance(prefix, (tuple, list)) and isinstance(tree, (tuple, list)):
        if len(prefix) != len(tree):
            raise ValueError(f"vmap: {what} has {len(prefix)} entries but there are "
                             f"{len(tree)} values to match")
        return [a for p, t in zip(prefix, tree) for a in _prefix_leaves(p, t, what)]
    if isinstance(prefix, dict) and isinstance(tree, dict):
        if set(prefix) != set(tree):
            raise ValueError(f"vmap: {what} has keys {sorted(prefix)} but the value has "
                             f"keys {sorted(tree)}")
        return [a for k in sorted(tree) for a in _prefix_leaves(prefix[k], tree[k], what)]
    raise ValueError(f"vmap: {what}={prefix!r} must be an int, None, or a tuple/list/dict "
                     "matching the structure of the values")


def _normalize_axis(axis, ndim, what):
    if axis is None:
        return None
    if not -ndim <= axis < ndim:
        raise ValueError(f"vmap: {what} {axis} is out of range for a value with {ndim} "
                         "dimension(s)")
    return axis % ndim


def vmap(fun, in_axes=0, out_axes=0, axis_size=None, chunk_size=None):
    """Vectorize ``fun`` over an axis of its inputs.

    Parameters
    ----------
    fun : callable
        Function written for one example.
    in_axes : int, None or pytree prefix of the positional arguments
        Which axis of each input is the batch axis (None: not batched).  Keyword arguments
        are always batched along their leading axis (axis 0), as in JAX; pass a value that
        is the same for every example positionally with ``in_axes=None``, or close over it.
    out_axes : int, None or pytree prefix of the outputs
        Where the batch axis goes in each output.
    axis_size : int, optional
        Batch size, needed only when no input is batched.
    chunk_size : int, optional
        Process at most this many examples at a time (bounds memory; same result).

    Examples
    --------
    >>> import numpy as np, chainrule as cr, chainrule.numpy as cnp
    >>> cr.vmap(lambda x, y: cnp.dot(x, y), in_axes=(0, None))(np.eye(3), np.arange(3.0))
    array([0., 1., 2.])
    >>> cr.vmap(lambda x, *, scale: x * scale)(np.ones(2), scale=np.array([2.0, 3.0]))
    array([2., 3.])
    """
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)

    @functools.wraps(fun)
    def vmapped(*args, **kwargs):
        # Keyword arguments are batched along their leading axis (as in JAX): ``in_axes``
        # describes the positional arguments only.
        leaves, in_tree = tree_flatten((args, kwargs))
        n_args = len(tree_leaves(args)) if kwargs else len(leaves)
        for name, value in kwargs.items():
            if any(get_aval(x).ndim == 0 for x in tree_leaves(value)):
                raise ValueError(
                    f"vmap: keyword arguments are batched along their leading axis, but "
                    f"{name}= holds a 0-d value. Pass it positionally with in_axes=None "
                    "(or close over it) if it is the same for every example.")
        axes = ([in_axes] * n_args if in_axes is None or isinstance(in_axes, int) else
                _prefix_leaves(in_axes, args, "in_axes")) + [0] * (len(leaves) - n_args)
        axes = [_normalize_axis(a, get_aval(x).ndim, "in_axes") for a, x in zip(axes, leaves)]
        sizes = {get_aval(x).shape[a] for a, x in zip(axes, leaves) if a is not None}
        if len(sizes) > 1:
            raise ValueError(f"vmap: the batched inputs have different sizes along their batch "
                             f"axes: {sorted(sizes)}")
        size = sizes.pop() if sizes else axis_size
        if size is None:
            raise ValueError("vmap: no input is batched (all in_axes are None); pass axis_size")
        if axis_size is not None and axis_size != size:
            raise ValueError(f"vmap: axis_size={axis_size} but the inputs have batch size {size}")
        if chunk_size is not None and size > chunk_size:
            return writable_outputs(
                _chunked(fun, leaves, in_tree, axes, size, chunk_size, out_axes))
        return _vmap_call(fun, leaves, in_tree, axes, size, out_axes, for_user=True)

    return vmapped


def _vmap_call(fun, leaves, in_tree, axes, size, out_axes, for_user=False):
    trace = BatchTrace(current_trace(), size)
    ins = [x if a is None else BatchTracer(trace, x if a == 0 else lax.moveaxis(x, [a], [0]), 0)
           for x, a in zip(leaves, axes)]
    with new_trace(trace):
        args, kwargs = tree_unflatten(in_tree, ins)
        out = fun(*args, **kwargs)
        flat_out, out_tree = tree_flatten(out)
        oaxes = ([out_axes] * len(flat_out) if out_axes is None or isinstance(out_axes, int)
                 else _prefix_leaves(out_axes, out, "out_axes"))
        results = [_place_output(x, a, trace, size) for x, a in zip(flat_out, oaxes)]
    if for_user:  # what writable_outputs does, on the leaves at hand
        results = [writable(x) for x in results]
    return tree_unflatten(out_tree, results)


def _place_output(x, axis, trace, size):
    if trace.owns(x):
        if axis is None:
            raise ValueError("vmap: an output varies over the batch but its out_axes is None")
        val = trace.unpack(x)[0]
        if axis == 0:  # where the batch axis already is
            return val
        return lax.moveaxis(val, [0], [_normalize_axis(axis, get_aval(val).ndim,
                                                         "out_axes")])
    if is_tracer(x):
        x.check_usable()
    if axis is None:
        return x
    shape = get_aval(x).shape
    axis = _normalize_axis(axis, len(shape) + 1, "out_axes")
    expanded = lax.broadcast_to(lax.reshape(x, (1,) + shape), (size,) + shape)
    return lax.moveaxis(expanded, [0], [axis])


def _chunked(fun, leaves, in_tree, axes, size, chunk_size, out_axes):
    pieces = []
    for start in range(0, size, chunk_size):
        stop = min(start + chunk_size, size)
        chunk = [x if a is None else lax.slice_axis(x, a, start, stop)
                 for x, a in zip(leaves, axes)]
        pieces.append(_vmap_call(fun, chunk, in_tree, axes, stop - start, out_axes))
    flat = [tree_flatten(p)[0] for p in pieces]
    out_tree = tree_flatten(pieces[0])[1]
    oaxes = _prefix_leaves(out_axes, pieces[0], "out_axes")
    joined = []
    for k, a in enumerate(oaxes):
        if a is None:
            joined.append(flat[0][k])
        else:
            nd = get_aval(flat[0][k]).ndim
            joined.append(lax.concatenate([f[k] for f in flat], a % nd))
    return tree_unflatten(out_tree, joined)
