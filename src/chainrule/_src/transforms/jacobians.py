"""Jacobians and Hessians: ``vmap`` of a JVP over the input basis, or of a VJP over the
output basis, in chunks of ``chunk_size`` basis directions to bound memory."""

from __future__ import annotations

import functools

import numpy as np

from .. import lax
from .api import (Linearized, argnums_tuple, check_differentiable_inputs, partial_fun,
                  jvp, writable_outputs)
from ..core import get_aval
from ..tree_util import tree_flatten, tree_unflatten
from .vmap import vmap


def _setup(fun, args, kwargs, argnums, name, holomorphic):
    pick, nums = argnums_tuple(argnums, len(args), name)
    check_differentiable_inputs(args, nums, name, holomorphic)
    dyn = tuple(args[i] for i in nums)
    in_leaves, in_tree = tree_flatten(dyn)
    return pick, partial_fun(fun, args, kwargs, nums), dyn, in_leaves, in_tree


def _sizes(leaves):
    return [get_aval(x).size for x in leaves]


def _basis_chunk(leaves, start, stop, scales=None):
    """Rows ``start:stop`` of the identity over all elements of ``leaves``, split into one
    batched array per leaf (shape ``(stop - start,) + leaf.shape``).  ``scales[k]``, when
    given, multiplies leaf ``k``'s part of the identity (0 leaves it out)."""
    n = sum(_sizes(leaves))
    rows = np.arange(start, stop)
    out, offset = [], 0
    for k, x in enumerate(leaves):
        a = get_aval(x)
        block = np.zeros((stop - start, a.size), a.dtype)
        scale = 1 if scales is None else scales[k]
        if scale:
            hit = (rows >= offset) & (rows < offset + a.size)
            block[np.nonzero(hit)[0], rows[hit] - offset] = scale
        out.append(block.reshape((stop - start,) + a.shape))
        offset += a.size
    assert offset == n
    return out


def _push_basis(fn, leaves, chunk_size, out_axes=0, scales=None):
    """``vmap(fn)`` over the standard basis of ``leaves``, ``chunk_size`` rows at a time;
    returns the flat list of batched outputs (and the unbatched extras)."""
    n = sum(_sizes(leaves))
    step = n if not chunk_size else chunk_size
    pieces = [vmap(fn, out_axes=out_axes)(*_basis_chunk(leaves, s, min(s + step, n), scales))
              for s in range(0, n, step)]
    return pieces


# --- complex values ----------------------------------------------------------------------
# Without holomorphic=True, every mode computes the same Jacobian:
#   real inputs: d out / d x, complex where the outputs are complex (reverse mode takes two
#     real VJPs per output row: J = vjp(e) + 1j * vjp(-1j e));
#   complex inputs, real outputs: the convention of grad, d out / d re - 1j d out / d im
#     (forward mode takes two JVPs per input column: J = jvp(e) - 1j * jvp(1j e));
#   complex inputs and complex outputs: the derivative is not one complex matrix unless the
#     function is holomorphic, so this raises.
def _is_complex(x):
    return get_aval(x).dtype.kind == "c"


def _imaginary_scales(leaves, unit):
    return [unit if _is_complex(x) else 0 for x in leaves]


def _check_complex_pair(in_leaves, out_leaves, name):
    if any(map(_is_complex, in_leaves)) and any(map(_is_complex, out_leaves)):
        raise TypeError(
            f"{name}: the function has complex inputs and complex outputs, so its derivative "
            "is a complex matrix only if the function is holomorphic. Pass holomorphic=True "
            "if it is. Otherwise differentiate with respect to the real and imaginary parts "
            f"separately, for example {name}(lambda x, y: f(x + 1j * y), argnums=(0, 1)) at "
            "(z.real, z.imag), or use jvp/vjp directly.")


def _combine(table, table_i, select, factor):
    """table[o][k] + factor * table_i[o][k] for the blocks where ``select(o, k)``."""
    return [[lax.add(b, lax.mul(factor, table_i[o][k])) if select(o, k) else b
             for k, b in enumerate(row)] for o, row in enumerate(table)]


def _concat_rows(pieces):
    leaves = [tree_flatten(p)[0] for p in pieces]
    return [lax.concatenate([p[k] for p in leaves], 0) for k in range(len(leaves[0]))]


def _blocks(rows, row_leaves, col_leaves, rows_are_inputs):
    """Assemble Jacobian blocks ``out.shape + in.shape`` from batched results.

    ``rows[k]`` has the basis index first, then the shape of ``col_leaves[k]``."""
    sizes = _sizes(row_leaves)
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    table = []
    for k, c in enumerate(col_leaves):
        cshape = get_aval(c).shape
        row = []
        for i, r in enumerate(row_leaves):
            block = lax.slice_axis(rows[k], 0, int(starts[i]), int(starts[i + 1]))
            block = lax.reshape(block, get_aval(r).shape + cshape)
            if rows_are_inputs:  # (in..., out...) -> (out..., in...)
                nr, nc = len(get_aval(r).shape), len(cshape)
                block = lax.transpose(block, tuple(range(nr, nr + nc)) + tuple(range(nr)))
            row.append(block)
        table.append(row)
    return table  # table[col][row]


def _empty_blocks(out_leaves, in_leaves):
    return [[np.zeros(get_aval(o).shape + get_aval(i).shape,
                      np.result_type(get_aval(o).dtype, get_aval(i).dtype))
             for i in in_leaves] for o in out_leaves]


def _finish(table, out_tree, in_tree, pick):
    """table[out][in] -> pytree (outputs) of pytrees (inputs)."""
    per_out = []
    for row in table:
        sub = tree_unflatten(in_tree, writable_outputs(row))
        per_out.append(pick(sub))
    return tree_unflatten(out_tree, per_out)


def _complex_input_columns(table, push_rows, in_leaves, out_leaves, holomorphic, name):
    """Forward mode, non-holomorphic: complete the columns of complex inputs with the
    derivative along their imaginary parts (see the note on complex values above)."""
    complex_in = [_is_complex(x) for x in in_leaves]
    if holomorphic or not any(complex_in):
        return table
    _check_complex_pair(in_leaves, out_leaves, name)
    rows = push_rows(_imaginary_scales(in_leaves, 1j))
    table_i = _blocks(rows, in_leaves, out_leaves, rows_are_inputs=True)
    return _combine(table, table_i, lambda o, k: complex_in[k], -1j)


def _forward_table(push, in_leaves, out_leaves, chunk_size, holomorphic, name):
    if sum(_sizes(in_leaves)) == 0 or not out_leaves:
        return _empty_blocks(out_leaves, in_leaves)

    def push_rows(scales=None):
        return _concat_rows(_push_basis(push, in_leaves, chunk_size, scales=scales))
    by_out = _blocks(push_rows(), in_leaves, out_leaves, rows_are_inputs=True)
    return _complex_input_columns(by_out, push_rows, in_leaves, out_leaves, holomorphic, name)


def _reverse_table(lin, in_leaves, out_leaves, chunk_size, holomorphic, name):
    complex_out = [_is_complex(x) for x in out_leaves]
    two_passes = not holomorphic and any(complex_out)
    if two_passes:
        _check_complex_pair(in_leaves, out_leaves, name)
    if sum(_sizes(out_leaves)) == 0 or not in_leaves:
        return _empty_blocks(out_leaves, in_leaves)

    def table_for(scales=None):
        rows = _concat_rows(_push_basis(lambda *ct: lin.backward(list(ct)), out_leaves,
                                        chunk_size, scales=scales))
        by_in = _blocks(rows, out_leaves, in_leaves, rows_are_inputs=False)
        return [[by_in[i][o] for i in range(len(in_leaves))] for o in range(len(out_leaves))]
    table = table_for()
    if two_passes:  # real inputs, complex outputs: the imaginary parts of the rows
        table_i = table_for(_imaginary_scales(out_leaves, -1j))
        table = _combine(table, table_i, lambda o, k: complex_out[o], 1j)
    return table


def jacfwd(fun, argnums=0, has_aux=False, holomorphic=False, chunk_size=None):
    """Jacobian of ``fun`` by forward mode: ``vmap`` of ``jvp`` over the input basis.

    The block for an output leaf of shape ``(m...)`` and an input leaf of shape ``(n...)``
    has shape ``(m..., n...)``.  ``chunk_size`` bounds how many basis directions are pushed
    at once (memory), without changing the result.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.jacfwd(lambda x: x ** 2)(cnp.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    @functools.wraps(fun)
    def jac_fun(*args, **kwargs):
        return _jacfwd_call(fun, args, kwargs, argnums, has_aux, holomorphic, chunk_size,
                            "jacfwd")[0]

    return jac_fun


def _jacfwd_call(fun, args, kwargs, argnums, has_aux, holomorphic, chunk_size, name):
    """jacfwd's work; also returns the numbers of input and output elements."""
    pick, f, dyn, in_leaves, in_tree = _setup(fun, args, kwargs, argnums, name, holomorphic)

    def push(*tangent_leaves):
        res = jvp(f, dyn, tree_unflatten(in_tree, list(tangent_leaves)), has_aux=has_aux)
        return res[0], tree_flatten(res[1])[0], (res[2] if has_aux else None)

    if sum(_sizes(in_leaves)) == 0:  # nothing to push: evaluate once for the shapes
        out, _, aux = push(*[np.zeros(get_aval(x).shape, get_aval(x).dtype)
                             for x in in_leaves])
        out_leaves, out_tree = tree_flatten(out)
        table = _empty_blocks(out_leaves, in_leaves)
    else:
        pieces = _push_basis(push, in_leaves, chunk_size, out_axes=(None, 0, None))
        out, _, aux = pieces[0]
        out_leaves, out_tree = tree_flatten(out)
        rows = _concat_rows([p[1] for p in pieces])
        table = _blocks(rows, in_leaves, out_leaves, rows_are_inputs=True)

        def push_rows(scales):
            return _concat_rows([p[1] for p in _push_basis(
                push, in_leaves, chunk_size, out_axes=(None, 0, None), scales=scales)])
        table = _complex_input_columns(table, push_rows, in_leaves, out_leaves,
                                       holomorphic, name)
    result = _finish(table, out_tree, in_tree, pick)
    return ((result, aux) if has_aux else result), sum(_sizes(in_leaves)), sum(
        _sizes(out_leaves))


def jacrev(fun, argnums=0, has_aux=False, holomorphic=False, chunk_size=None):
    """Jacobian of ``fun`` by reverse mode: one linearization, then ``vmap`` of the VJP over
    the output basis (``chunk_size`` rows at a time).

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.jacrev(lambda x: cnp.stack([x[0] * x[1], x[0] + x[1]]))(cnp.array([2.0, 3.0]))
    array([[3., 2.],
           [1., 1.]])
    """
    @functools.wraps(fun)
    def jac_fun(*args, **kwargs):
        return _jacrev_call(fun, args, kwargs, argnums, has_aux, holomorphic, chunk_size,
                            "jacrev")[0]

    return jac_fun


def _jacrev_call(fun, args, kwargs, argnums, has_aux, holomorphic, chunk_size, name,
                 forward_if_fewer_inputs=False):
    """jacrev's work; also returns the numbers of input and output elements.  With
    ``forward_if_fewer_inputs`` the linearization is applied forwards instead when the
    inputs have fewer elements than the outputs."""
    pick, f, dyn, in_leaves, in_tree = _setup(fun, args, kwargs, argnums, name, holomorphic)
    lin = Linearized(f, dyn, has_aux, name)
    out_leaves, out_tree = tree_flatten(lin.out)
    n_in, n_out = sum(_sizes(in_leaves)), sum(_sizes(out_leaves))
    if forward_if_fewer_inputs and n_in < n_out:
        float_in = [v is not None for v in lin.invars]

        def push(*tangent_leaves):
            return lin.forward([t for t, keep in zip(tangent_leaves, float_in) if keep])
        table = _forward_table(push, in_leaves, out_leaves, chunk_size, holomorphic, name)
    else:
        table = _reverse_table(lin, in_leaves, out_leaves, chunk_size, holomorphic, name)
    result = _finish(table, out_tree, in_tree, pick)
    return ((result, lin.aux) if has_aux else result), n_in, n_out


def _call_signature(args, kwargs):
    """A hashable summary of the arguments that fixes the output shapes of a function of
    arrays (structure, shapes and dtypes; other leaves by value), or None."""
    if not kwargs and all(type(a) is np.ndarray for a in args):  # the common case, fast
        return tuple((a.shape, a.dtype) for a in args)
    leaves, tree = tree_flatten((args, kwargs))
    sig = [tree]
    for x in leaves:
        if hasattr(x, "shape") and hasattr(x, "dtype"):
            sig.append((tuple(x.shape), str(x.dtype)))
        elif isinstance(x, (float, complex)):  # a number's value seldom sets a shape
            sig.append(type(x))
        else:
            sig.append((type(x), x))
    try:
        hash(tuple(sig))
    except TypeError:
        return None
    return tuple(sig)


def jacobian(fun, argnums=0, has_aux=False, holomorphic=False, mode="auto", chunk_size=None):
    """Jacobian of ``fun``, by forward or reverse mode.

    Parameters
    ----------
    mode : {"auto", "fwd", "rev"}
        ``"auto"`` uses forward mode (as :func:`jacfwd`) when the inputs have fewer
        elements than the outputs, reverse mode (as :func:`jacrev`) otherwise.  The first
        call for given argument shapes linearizes once and applies the linear map in the
        chosen direction; later calls with those shapes run ``jacfwd`` or ``jacrev``.
    chunk_size : int, optional
        At most this many basis directions at a time.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.jacobian(lambda x: cnp.outer(x, x).ravel())(cnp.array([1.0, 2.0])).shape
    (4, 2)
    """
    if mode == "fwd":
        return jacfwd(fun, argnums, has_aux, holomorphic, chunk_size)
    if mode == "rev":
        return jacrev(fun, argnums, has_aux, holomorphic, chunk_size)
    if mode != "auto":
        raise ValueError(f"jacobian: mode must be 'auto', 'fwd' or 'rev', got {mode!r}")

    # Which mode is faster needs the number of output elements, known only once ``fun`` has
    # run.  The first call with a given signature linearizes (as jacrev does) and applies
    # the linear map in the better direction; it remembers the choice, and later calls
    # with that signature run jacfwd or jacrev directly: pushing tangents through the
    # recorded linear program costs more than a plain forward pass (about 1.2-1.8x).
    choices: dict = {}

    @functools.wraps(fun)
    def jac_fun(*args, **kwargs):
        key = _call_signature(args, kwargs)
        call = choices.get(key) if key is not None else None
        if call is None:
            result, n_in, n_out = _jacrev_call(fun, args, kwargs, argnums, has_aux,
                                               holomorphic, chunk_size, "jacobian",
                                               forward_if_fewer_inputs=True)
        else:
            result, n_in, n_out = call(fun, args, kwargs, argnums, has_aux, holomorphic,
                                       chunk_size, "jacobian")
        if key is not None:
            if len(choices) >= 64:
                choices.clear()
            choices[key] = _jacfwd_call if n_in < n_out else _jacrev_call
        return result

    jac_fun.mode_choices = choices
    return jac_fun


def hessian(fun, argnums=0, has_aux=False, holomorphic=False, chunk_size=None):
    """Hessian of scalar-valued ``fun``: forward-over-reverse, ``jacfwd(jacrev(fun))``.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.hessian(lambda x: x[0] ** 2 * x[1])(cnp.array([1.0, 3.0]))
    array([[6., 2.],
           [2., 0.]])
    """
    hess = jacfwd(jacrev(fun, argnums, has_aux, holomorphic, chunk_size), argnums, has_aux,
                  holomorphic, chunk_size)
    if holomorphic:
        return hess

    @functools.wraps(fun)
    def hess_fun(*args, **kwargs):
        _, nums = argnums_tuple(argnums, len(args), "hessian")
        if any(_is_complex(x) for i in nums for x in tree_flatten(args[i])[0]):
            raise TypeError(
                "hessian: the function has complex inputs; its gradient is complex and "
                "not a holomorphic function of them, so the Hessian is not one complex "
                "matrix. Differentiate with respect to the real and imaginary parts, for "
                "example hessian(lambda x, y: f(x + 1j * y), argnums=(0, 1)) at "
                "(z.real, z.imag), or pass holomorphic=True for a holomorphic function.")
        return hess(*args, **kwargs)

    return hess_fun
