"""Sorting, searching and gathering along one axis with index arrays that are themselves
computed (traced) values.

These are primitives, rather than compositions, because their results need the values of
their inputs (a permutation, an insertion point) while their *shapes* do not: as primitives
they stage under ``jit`` (abstract evaluation is by shape alone) and batch under ``vmap``
(one more leading axis), where computing the indices eagerly in NumPy could do neither.

- ``sort(x, axis)``: sorted values.  Its derivative follows each value to its sorted
  position: the tangent is gathered with the ``argsort`` permutation.
- ``argsort(x, axis)`` and ``searchsorted(a, v, side)``: integer results, no derivative.
  ``searchsorted`` accepts leading batch axes on the sorted array (``a.shape = B + (n,)``
  with ``v.shape = B + ...``), which is what its batch rule needs.
- ``take_along_axis(x, idx, axis)``: a gather, linear in ``x``; its transpose is
  ``scatter_add_along_axis``, which is linear too and transposes back to the gather.
"""

from __future__ import annotations

import numpy as np

from ..core import Primitive, ShapedArray, Zero, get_aval
from ._rules import deflinear, defnondiff, move_to_front
from .indexing import foreign_scatter_add

_INDEX = np.dtype(np.intp)


def _stable_kind(xp):
    # A stable sort makes argsort and sort agree on ties and gives the same permutation
    # on every backend that supports it.
    return {"kind": "stable"} if xp is np else {}


def _is_dask(xp):
    return xp.__name__.startswith("dask")


def _whole_axis(x, axis):
    """A Dask array with ``axis`` in one chunk: sorting and searching along it then run
    blockwise, lazily, with NumPy's functions."""
    return x.rechunk({axis: -1})


def _sort_impl(name):
    def impl(xp, x, axis):
        if _is_dask(xp):
            dtype = x.dtype if name == "sort" else _INDEX
            return _whole_axis(x, axis).map_blocks(
                getattr(np, name), axis=axis, kind="stable", dtype=dtype)
        return getattr(xp, name)(x, axis=axis, **_stable_kind(xp))
    return impl


# --- sort / argsort ---------------------------------------------------------------------
argsort_p = Primitive("argsort")
argsort_p.impl = _sort_impl("argsort")
argsort_p.abstract_eval = lambda a, axis: ShapedArray(a.shape, _INDEX)
defnondiff(argsort_p)
argsort_p.batch = lambda size, vals, dims, axis: (argsort_p.bind(vals[0], axis=axis + 1), 0)

sort_p = Primitive("sort")
sort_p.impl = _sort_impl("sort")
sort_p.abstract_eval = lambda a, axis: a
sort_p.batch = lambda size, vals, dims, axis: (sort_p.bind(vals[0], axis=axis + 1), 0)


def _sort_jvp(primals, tangents, axis):
    (x,), (t,) = primals, tangents
    ans = sort_p.bind(x, axis=axis)
    if type(t) is Zero:
        return ans, Zero(get_aval(ans))
    perm = argsort_p.bind(x, axis=axis)
    return ans, take_along_axis_p.bind(t, perm, axis=axis)


sort_p.jvp = _sort_jvp


def sort(x, axis):
    """``x`` sorted along ``axis`` (NaNs last, as in NumPy)."""
    return sort_p.bind(x, axis=axis)


def argsort(x, axis):
    """The stable permutation that sorts ``x`` along ``axis``."""
    return argsort_p.bind(x, axis=axis)


# --- searchsorted -----------------------------------------------------------------------
def _searchsorted_impl(xp, a, v, side):
    if _is_dask(xp):
        return _dask_searchsorted(a, v, side)
    if a.ndim == 1:
        return xp.searchsorted(a, v, side=side)
    if xp is np:
        return _rows_searchsorted(a, v, side)
    # Leading batch axes: one search per sorted row (NumPy's searchsorted takes 1-D ``a``).
    lead = a.shape[:-1]
    out = xp.empty(v.shape, _INDEX)
    for k in np.ndindex(lead):
        out[k + (Ellipsis,)] = xp.searchsorted(a[k + (Ellipsis,)], v[k + (Ellipsis,)], side=side)
    return out


def _rows_searchsorted(a, v, side):
    """searchsorted of each row of ``v`` in the matching sorted row of ``a``, with one NumPy
    search: the values are replaced by their ranks among all values (ties share a rank,
    NaN last, as in the search), and row ``r`` is offset by ``r`` times the number of ranks,
    which keeps the rows of ``a`` sorted one after the other."""
    n = a.shape[-1]
    rows = int(np.prod(a.shape[:-1]))
    if n == 0 or v.size == 0:
        return np.zeros(v.shape, _INDEX)
    A, V = a.reshape(rows, n), v.reshape(rows, -1)
    _, rank = np.unique(np.concatenate([A.ravel(), V.ravel()]), return_inverse=True)
    rank = rank.ravel().astype(np.int64)
    offset = np.arange(rows, dtype=np.int64)[:, None] * (int(rank.max()) + 1)
    keys_a = (rank[:A.size].reshape(A.shape) + offset).ravel()
    keys_v = rank[A.size:].reshape(V.shape) + offset
    out = np.searchsorted(keys_a, keys_v, side=side) - np.arange(rows)[:, None] * n
    return out.astype(_INDEX).reshape(v.shape)


def _dask_searchsorted(a, v, side):
    import dask.array as da

    a, v = da.asarray(a), da.asarray(v)
    nb = a.ndim - 1  # leading batch axes, shared with v
    a = a.rechunk({nb: -1, **{i: v.chunks[i] for i in range(nb)}})
    vi = "".join(chr(ord("a") + i) for i in range(v.ndim))
    return da.blockwise(
        lambda vb, ab: _searchsorted_impl(np, np.asarray(ab), vb, side), vi, v, vi,
        a, vi[:nb] + "z", concatenate=True, dtype=_INDEX)


def _searchsorted_abstract_eval(a, v, side):
    lead = a.shape[:-1]
    if v.shape[:len(lead)] != lead:
        raise ValueError(f"searchsorted: the sorted array's leading axes {lead} must match "
                         f"the leading axes of the values, shape {v.shape}")
    return ShapedArray(v.shape, _INDEX)


def _searchsorted_batch(size, vals, dims, side):
    a, v = vals
    if dims[0] is None and get_aval(a).ndim == 1:
        return searchsorted_p.bind(a, v, side=side), 0  # one sorted array: one search
    a, v = (move_to_front(x, d, size) for x, d in zip(vals, dims))
    return searchsorted_p.bind(a, v, side=side), 0


searchsorted_p = Primitive("searchsorted")
searchsorted_p.impl = _searchsorted_impl
searchsorted_p.abstract_eval = _searchsorted_abstract_eval
searchsorted_p.batch = _searchsorted_batch
defnondiff(searchsorted_p)


def searchsorted(a, v, side="left"):
    """Insertion points of ``v`` into the sorted last axis of ``a``."""
    return searchsorted_p.bind(a, v, side=side)


# --- take_along_axis and its transpose --------------------------------------------------
def _along_axis_check(shape, ishape, axis):
    if len(shape) != len(ishape) or any(
            n != m for i, (n, m) in enumerate(zip(shape, ishape)) if i != axis):
        raise ValueError(f"take_along_axis: indices of shape {ishape} must match the array's "
                         f"shape {shape} except along axis {axis}")


def _take_along_abstract_eval(a, idx, axis):
    _along_axis_check(a.shape, idx.shape, axis)
    return ShapedArray(idx.shape, a.dtype, a.weak_type)


def _dask_along_axis(fn, x, idx, axis, out_len):
    """``fn(x_block, idx_block)`` blockwise, with ``axis`` whole in both and the other axes
    chunked alike; the result has length ``out_len`` along ``axis``."""
    import dask.array as da

    x, idx = _whole_axis(da.asarray(x), axis), da.asarray(idx)
    idx = idx.rechunk(tuple(-1 if i == axis else c for i, c in enumerate(x.chunks)))
    chunks = tuple((out_len,) if i == axis else c for i, c in enumerate(x.chunks))
    return da.map_blocks(fn, x, idx, chunks=chunks, dtype=x.dtype)


def _take_along_impl(xp, x, idx, axis):
    if _is_dask(xp):
        return _dask_along_axis(lambda xb, ib: np.take_along_axis(xb, ib, axis), x, idx, axis,
                                idx.shape[axis])
    return xp.take_along_axis(x, idx, axis=axis)


def _scatter_along_impl(xp, u, idx, axis, n):
    if _is_dask(xp):
        return _dask_along_axis(lambda ub, ib: _scatter_along_impl(np, ub, ib, axis, n), u, idx,
                                axis, n)
    shape = u.shape[:axis] + (n,) + u.shape[axis + 1:]
    out = xp.zeros(shape, u.dtype)
    # Open grids of the backend's own arrays (CuPy indexes with device arrays).
    grids = [xp.arange(k).reshape(tuple(-1 if j == i else 1 for j in range(u.ndim)))
             for i, k in enumerate(u.shape)]
    grids[axis] = idx
    if xp is np:
        np.add.at(out, tuple(grids), u)
    else:
        foreign_scatter_add(xp, out, tuple(grids), u)
    return out


def _scatter_along_abstract_eval(u, idx, axis, n):
    if u.shape != idx.shape:
        raise ValueError(f"scatter_add_along_axis: updates of shape {u.shape} and indices of "
                         f"shape {idx.shape} must match")
    shape = u.shape[:axis] + (n,) + u.shape[axis + 1:]
    return ShapedArray(shape, u.dtype, u.weak_type)


take_along_axis_p = Primitive("take_along_axis")
take_along_axis_p.impl = _take_along_impl
take_along_axis_p.abstract_eval = _take_along_abstract_eval
scatter_add_along_axis_p = Primitive("scatter_add_along_axis")
scatter_add_along_axis_p.impl = _scatter_along_impl
scatter_add_along_axis_p.abstract_eval = _scatter_along_abstract_eval

deflinear(take_along_axis_p, linear_argnums=(0,), transpose=lambda ct, x, idx, axis: [
    scatter_add_along_axis_p.bind(ct, idx, axis=axis, n=x.aval.shape[axis]), None])
deflinear(scatter_add_along_axis_p, linear_argnums=(0,), transpose=lambda ct, u, idx, axis, n: [
    take_along_axis_p.bind(ct, idx, axis=axis), None])


def _along_axis_batch(prim):
    def batch(size, vals, dims, axis, **params):
        x, idx = (move_to_front(v, d, size) for v, d in zip(vals, dims))
        return prim.bind(x, idx, axis=axis + 1, **params), 0
    prim.batch = batch


_along_axis_batch(take_along_axis_p)
_along_axis_batch(scatter_add_along_axis_p)


def take_along_axis(x, idx, axis):
    """``x`` gathered along ``axis`` by ``idx`` (same shape as ``x`` except along
    ``axis``), as :func:`numpy.take_along_axis` without broadcasting."""
    return take_along_axis_p.bind(x, idx, axis=axis)


__all__ = ["argsort", "argsort_p", "scatter_add_along_axis_p", "searchsorted",
           "searchsorted_p", "sort", "sort_p", "take_along_axis", "take_along_axis_p"]
