"""Order statistics, NaN-aware reductions, correlations and histograms ("Statistics" in
NumPy's docs), with sorting helpers (``unique``, ``partition``).

Order statistics (``median``, ``quantile``...) sort the data with the differentiable
:func:`chainrule.numpy.sort` and interpolate between the selected order statistics, so the
derivative flows into the values that were selected.  The NaN-ignoring functions replace the
NaN entries before reducing: a NaN entry contributes a zero derivative.
"""

from __future__ import annotations

import builtins

import numpy as np

from . import base as cnp

from .. import lax
from ..core import concrete_value, get_aval, is_tracer
from ._util import NoValue, asarray_any, concrete, dtype_of, given, no_out, normalize_axes, \
    shape_of
from .fastpath import numpy_fast_path
from .indexing import getitem

builtins_range = builtins.range  # ``range`` is a parameter name below, as in NumPy

# --- quantiles --------------------------------------------------------------------------
# NumPy's methods (Hyndman & Fan): method -> (virtual index from (n, q), gamma fix or None
# for methods that pick one order statistic, (alpha, beta) for continuous methods).


def _boundaries(index, cond):
    prev = np.floor(index)
    res = np.where(cond(index - prev, index), prev, prev + 1).astype(np.intp)
    return np.maximum(res, 0)


def _hf(alpha, beta):
    return lambda n, q: n * q + (alpha + q * (1 - alpha - beta)) - 1


def _same(gamma, _):
    return gamma


_METHODS = {
    "inverted_cdf": (lambda n, q: _boundaries(n * q - 1, lambda g, _: g == 0), None, None),
    "averaged_inverted_cdf": (lambda n, q: n * q - 1,
                              lambda g, _: np.where(g == 0, 0.5, 1.0), None),
    "closest_observation": (lambda n, q: _boundaries(
        n * q - 1.5, lambda g, i: (g == 0) & (np.floor(i) % 2 == 1)), None, None),
    "interpolated_inverted_cdf": (_hf(0, 1), _same, (0, 1)),
    "hazen": (_hf(0.5, 0.5), _same, (0.5, 0.5)),
    "weibull": (_hf(0, 0), _same, (0, 0)),
    "linear": (lambda n, q: (n - 1) * q, _same, (1, 1)),
    "median_unbiased": (_hf(1 / 3.0, 1 / 3.0), _same, (1 / 3.0, 1 / 3.0)),
    "normal_unbiased": (_hf(3 / 8.0, 3 / 8.0), _same, (3 / 8.0, 3 / 8.0)),
    "lower": (lambda n, q: np.floor((n - 1) * q).astype(np.intp), None, None),
    "higher": (lambda n, q: np.ceil((n - 1) * q).astype(np.intp), None, None),
    "midpoint": (lambda n, q: 0.5 * (np.floor((n - 1) * q) + np.ceil((n - 1) * q)),
                 lambda g, i: np.where(i % 1 == 0, 0.0, 0.5), None),
    "nearest": (lambda n, q: np.around((n - 1) * q).astype(np.intp), None, None),
}


def _reduced_last(a, axis):
    """``a`` with the reduced axes merged into one last axis; the kept shape; the axes."""
    shape = shape_of(a)
    axes = normalize_axes(axis, len(shape))
    kept = [i for i in range(len(shape)) if i not in axes]
    a = cnp.transpose(a, kept + list(axes))
    rest = tuple(shape[i] for i in kept)
    # The merged length spelled out: -1 is ambiguous when a kept axis has length 0.
    return cnp.reshape(a, rest + (int(np.prod([shape[i] for i in axes])),)), rest, axes


def _along_last(s, idx, qshape, rest):
    """``s[..., idx]`` for ``s`` of shape ``rest + (N,)`` and ``idx`` (plain or traced) of
    shape ``qshape + rest``: the result has shape ``qshape + rest``."""
    nq = len(qshape)
    idx = cnp.broadcast_to(idx, qshape + rest)
    idx = cnp.reshape(cnp.moveaxis(idx, tuple(range(nq)), tuple(range(-nq, 0))) if nq
                      else idx, rest + (int(np.prod(qshape)),))  # not -1: rest may hold a 0
    out = cnp.take_along_axis(s, idx, axis=-1)
    out = cnp.reshape(out, rest + qshape)
    return cnp.moveaxis(out, tuple(range(len(rest), len(rest) + nq)), tuple(range(nq))) \
        if nq else out


def _quantile(a, q, axis, method, keepdims, name, ignore_nan, scale=1.0):
    a = asarray_any(a)
    if method not in _METHODS:
        raise ValueError(f"{method!r} is not a valid method. Use one of: "
                         f"{tuple(_METHODS)}")
    q = asarray_any(q)
    q_traced = is_tracer(q)
    qv = concrete_value(q)  # None when q is staged (jit) or batched (vmap)
    qshape = shape_of(q)
    if len(qshape) > 1 and name != "median":
        raise ValueError("q must be a scalar or 1d")
    if qv is not None:
        qa = np.true_divide(np.asarray(qv), scale)
        if not (np.all(qa >= 0) and np.all(qa <= 1)):
            what = "Percentiles must be in the range [0, 100]" if scale == 100 else \
                "Quantiles must be in the range [0, 1]"
            raise ValueError(what)
    shape = shape_of(a)
    dt = dtype_of(a)
    probe = np.zeros(1, dt)  # NumPy raises for booleans with interpolating methods
    if not q_traced:
        q_probe = q
    elif not qshape:  # a traced scalar stands for a Python number (weakly typed)
        q_probe = 0.5 * scale
    else:
        q_probe = np.full(qshape, 0.5 * scale, dtype_of(q))
    probe_fn = np.percentile if scale == 100 else np.quantile
    out_dtype = np.asarray(probe_fn(probe, q_probe, method=method)).dtype
    s, rest, axes = _reduced_last(a, axis)
    s = cnp.sort(s, axis=-1)
    N = shape_of(s)[-1]
    if N == 0:  # nothing to select: NumPy's medians are NaN, its quantiles raise
        if name not in ("median", "nanmedian", "nanquantile", "nanpercentile"):
            raise IndexError("index -1 is out of bounds for axis 0 with size 0")
        out_shape = qshape + (tuple(1 if i in axes else k for i, k in enumerate(shape))
                              if keepdims else rest)
        return cnp.full(out_shape, np.nan, out_dtype)
    # The quantile positions: plain NumPy arrays when q and the counts are known, traced
    # values otherwise (q traced, or NaNs to skip in traced data); the shapes never change.
    qn = cnp.reshape(cnp.true_divide(q, scale) if q_traced else np.true_divide(q, scale),
                     qshape + (1,) * len(rest))
    if ignore_nan and dt.kind in "fc":
        n = cnp.sum(cnp.logical_not(cnp.isnan(s)), axis=-1)
        bad = n == 0
    else:
        n = np.full(rest, N)
        bad = cnp.isnan(s[..., -1]) if dt.kind in "fc" and N else False
    get_index, fix_gamma, ab = _METHODS[method]
    with np.errstate(invalid="ignore"):
        vi = get_index(n, qn)
    last = cnp.maximum(n - 1, 0)
    full = qshape + rest
    if fix_gamma is None:
        result = _along_last(s, cnp.minimum(vi, last), qshape, rest)
    else:
        prev = cnp.floor(vi)
        gamma = fix_gamma(vi - prev, vi)
        above, below = vi >= n - 1, vi < 0
        prev = cnp.astype(cnp.where(above, last, cnp.where(below, 0, prev)), np.intp)
        nxt = cnp.astype(cnp.where(above | below, prev, prev + 1), np.intp)
        lo = _along_last(s, prev, qshape, rest)
        hi = _along_last(s, nxt, qshape, rest)
        gdt = out_dtype if out_dtype.kind == "f" else np.dtype(np.float64)
        if q_traced and ab is not None:
            alpha, beta = ab
            g = qn * (n + 1 - alpha - beta) + (alpha - 1 - prev)
        else:
            g = gamma
        g = cnp.astype(g, gdt)
        if dtype_of(lo) != gdt:
            lo, hi = cnp.astype(lo, gdt), cnp.astype(hi, gdt)
        diff = hi - lo
        result = cnp.where(cnp.broadcast_to(gamma, full) >= 0.5, hi - diff * (1 - g),
                           lo + diff * g)
    if dtype_of(result) != out_dtype:
        result = cnp.astype(result, out_dtype)
    if is_tracer(bad) or np.any(bad):
        result = cnp.where(cnp.broadcast_to(bad, full), np.nan, result)
    if qv is None:  # q could not be checked: a quantile outside [0, 1] is NaN, not a guess
        result = cnp.where(cnp.broadcast_to((qn < 0) | (qn > 1), full), np.nan, result)
    if keepdims:
        result = cnp.reshape(result, qshape + tuple(1 if i in axes else k
                                                    for i, k in enumerate(shape)))
    return result


def _weighted_quantile(a, q, axis, method, keepdims, name, scale, weights, ignore_nan=False):
    """NumPy's weighted quantile (``method="inverted_cdf"``): the value of ``a`` at which
    the weighted empirical distribution first reaches ``q``.

    The result is one element of ``a`` per slice, so the derivative flows into the selected
    element.  The weights only choose which element that is: the result is piecewise
    constant in them, with derivative zero wherever it is differentiable.
    """
    a, q, weights = asarray_any(a), asarray_any(q), asarray_any(weights)
    if not _all_concrete(a, q, weights):
        return _weighted_quantile_staged(a, q, axis, method, keepdims, scale, weights,
                                         ignore_nan)
    ac = np.asarray(_value(a))
    qc = np.asarray(_value(q))
    wc = np.asarray(_value(weights))
    # NumPy on the current values validates every argument (method, shapes, negative or
    # all-zero weights) with its own messages, and gives the result's dtype and shape.
    fn = {(False, 1.0): np.quantile, (False, 100.0): np.percentile,
          (True, 1.0): np.nanquantile, (True, 100.0): np.nanpercentile}[ignore_nan, scale]
    expected = np.asarray(fn(ac, qc, axis=axis, method=method, keepdims=keepdims,
                             weights=wc))
    shape = shape_of(a)
    axes = normalize_axes(axis, len(shape))
    if wc.shape != shape:  # 1-d weights along the one reduced axis
        wc = np.broadcast_to(wc.reshape([-1 if i in axes else 1 for i in range(len(shape))]),
                             shape)
    s, rest, _ = _reduced_last(a, axis)
    kept = [i for i in range(len(shape)) if i not in axes]
    values = np.transpose(ac, kept + list(axes)).reshape(rest + (-1,))
    w = np.transpose(wc, kept + list(axes)).reshape(rest + (-1,))
    nan = np.isnan(values) if values.dtype.kind in "fc" else np.zeros(values.shape, bool)
    if ignore_nan:  # a NaN entry (sorted last) with weight 0 is never selected
        w = np.where(nan, 0, w)
    order = np.argsort(values, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):  # all-NaN slices: NaN below
        cdf = np.cumsum(np.take_along_axis(w, order, axis=-1), axis=-1, dtype=np.float64)
        cdf /= cdf[..., -1:]
    qa = np.true_divide(qc, scale)
    if qa.dtype.kind == "f":
        cdf = cdf.astype(qa.dtype)  # compare in q's precision, as NumPy does
    cdf[cdf == 0] = -1  # leading zero weights are never selected
    n = shape_of(s)[-1]
    pos = np.empty(qa.shape + rest, np.intp)
    for kk in np.ndindex(rest):
        row = np.minimum(np.searchsorted(cdf[kk], qa, side="left"), n - 1)
        if nan[kk].all() if ignore_nan else nan[kk].any():
            row = np.full(qa.shape, n - 1)  # NaN, as NumPy returns for such a slice
        pos[(...,) + kk] = order[kk][row]
    grids = tuple(np.arange(k).reshape((k,) + (1,) * (len(rest) - i - 1))
                  for i, k in enumerate(rest))
    result = getitem(s, grids + (pos,))
    if dtype_of(result) != expected.dtype:
        result = cnp.astype(result, expected.dtype)
    return cnp.reshape(result, expected.shape)


def _weighted_quantile_staged(a, q, axis, method, keepdims, scale, weights, ignore_nan):
    """:func:`_weighted_quantile` for values known only abstractly (jit, vmap): the same
    selection, with sorting, a cumulative sum and a row-wise search as primitives.  Checks
    of values cannot raise: a slice whose weights sum to zero gives NaN."""
    fn = {(False, 1.0): np.quantile, (False, 100.0): np.percentile,
          (True, 1.0): np.nanquantile, (True, 100.0): np.nanpercentile}[ignore_nan, scale]
    qshape, shape = shape_of(q), shape_of(a)
    q_probe = np.full(qshape, 0.5 * scale, dtype_of(q)) if qshape or not \
        get_aval(q).weak_type else 0.5 * scale
    # NumPy on stand-ins of the same shapes checks the arguments and gives the result type
    # (on the weights themselves when they are known: negative or all-zero ones raise).
    w_probe = _value(weights)
    if w_probe is None:
        w_probe = np.ones(shape_of(weights), dtype_of(weights))
    with np.errstate(invalid="ignore"):
        expected = np.asarray(fn(np.zeros(shape, dtype_of(a)), q_probe, axis=axis,
                                 method=method, keepdims=keepdims, weights=w_probe))
    axes = normalize_axes(axis, len(shape))
    w = weights
    if shape_of(w) != shape:  # 1-d weights along the one reduced axis
        w = cnp.broadcast_to(cnp.reshape(w, [-1 if i in axes else 1
                                             for i in range(len(shape))]), shape)
    s, rest, _ = _reduced_last(a, axis)
    w, _, _ = _reduced_last(w, axis)
    n = shape_of(s)[-1]
    nan = cnp.isnan(s) if dtype_of(s).kind in "fc" else None
    if ignore_nan and nan is not None:  # a NaN entry (sorted last) with weight 0
        w = cnp.where(nan, 0, w)
    order = cnp.argsort(s, axis=-1)
    sv = cnp.take_along_axis(s, order, axis=-1)
    cdf = cnp.cumsum(cnp.astype(cnp.take_along_axis(w, order, axis=-1), np.float64), axis=-1)
    total = cdf[..., -1:]
    cdf = cdf / cnp.where(total > 0, total, 1.0)  # a zero total gives NaN below
    qa = cnp.true_divide(q, scale)
    qdt = np.result_type(get_aval(q).dummy(), 1.0 / scale)
    if qdt.kind == "f":
        cdf = cnp.astype(cdf, qdt)  # compare in q's precision, as NumPy does
    cdf = cnp.where(cdf == 0, -1, cdf)  # leading zero weights are never selected
    nq = int(np.prod(qshape))
    qv = cnp.broadcast_to(cnp.reshape(cnp.astype(qa, dtype_of(cdf)), (1,) * len(rest) + (nq,)),
                          rest + (nq,))
    row = cnp.minimum(lax.searchsorted(cdf, qv, "left"), n - 1)
    bad = total[..., 0] <= 0
    if nan is not None:
        bad = bad | (cnp.all(nan, axis=-1) if ignore_nan else cnp.any(nan, axis=-1))
    result = cnp.take_along_axis(sv, row, axis=-1)
    result = cnp.where(bad[..., None], np.nan, result) if dtype_of(result).kind in "fc" \
        else result
    result = cnp.reshape(result, rest + qshape)
    result = cnp.moveaxis(result, tuple(range(len(rest), len(rest) + len(qshape))),
                          tuple(range(len(qshape))))
    if dtype_of(result) != expected.dtype:
        result = cnp.astype(result, expected.dtype)
    return cnp.reshape(result, expected.shape)


@numpy_fast_path(np.quantile, ("a", "q"), optional=("weights",))
def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None):
    """The ``q``-th quantiles of ``a`` along ``axis``, with all of NumPy's ``method`` values.

    The derivative flows into the order statistics that were selected (interpolated
    between for the continuous methods), and, for the continuous methods, into ``q``.

    ``weights=`` (NumPy allows it with ``method="inverted_cdf"`` only) gives the value at
    which the weighted empirical distribution first reaches ``q``: one element of ``a`` per
    slice, which receives the derivative.  The result is piecewise constant in ``weights``
    and ``q``, so their derivative is zero (exact wherever the selected element does not
    change).  Under ``jit`` and ``vmap`` the values cannot be checked: weights that sum to
    zero give NaN instead of an error.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> x = cnp.array([3.0, 1.0, 4.0, 2.0])
    >>> float(cnp.quantile(x, 0.5))
    2.5
    >>> cr.grad(lambda x: cnp.quantile(x, 0.5))(x)
    array([0.5, 0. , 0. , 0.5])
    >>> w = cnp.array([1.0, 1.0, 5.0, 1.0])
    >>> cr.grad(lambda x: cnp.quantile(x, 0.5, method="inverted_cdf", weights=w))(x)
    array([0., 0., 1., 0.])
    """
    no_out(out, "quantile")
    if weights is not None:
        return _weighted_quantile(a, q, axis, method, keepdims, "quantile", 1.0, weights)
    return _quantile(a, q, axis, method, keepdims, "quantile", False)


@numpy_fast_path(np.percentile, ("a", "q"), optional=("weights",))
def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None):
    """The ``q``-th percentiles of ``a`` along ``axis`` (``q`` in ``[0, 100]``).

    See :func:`quantile` for the methods, ``weights=`` and the derivative.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> x = cnp.array([[1.0, 5.0, 3.0], [2.0, 2.0, 8.0]])
    >>> cnp.percentile(x, [0, 100], axis=1, method="lower")
    array([[1., 2.],
           [5., 8.]])
    """
    no_out(out, "percentile")
    if weights is not None:
        return _weighted_quantile(a, q, axis, method, keepdims, "percentile", 100.0, weights)
    return _quantile(a, q, axis, method, keepdims, "percentile", False, 100.0)


@numpy_fast_path(np.median)
def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """Median along ``axis``; the derivative is shared by the middle values.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(cnp.median)(cnp.array([5.0, 1.0, 3.0]))
    array([0., 0., 1.])
    """
    no_out(out, "median")
    return _quantile(a, 0.5, axis, "linear", keepdims, "median", False)


def _nan_keepdims(keepdims):
    return bool(keepdims) if given(keepdims) else False


@numpy_fast_path(np.nanquantile, ("a", "q"), optional=("weights",))
def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=NoValue, *, weights=None):
    """:func:`quantile` ignoring NaNs (an all-NaN slice gives NaN); ``weights=`` as there.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> float(cnp.nanquantile(cnp.array([1.0, cnp.nan, 3.0]), 0.5))
    2.0
    """
    no_out(out, "nanquantile")
    if weights is not None:
        return _weighted_quantile(a, q, axis, method, _nan_keepdims(keepdims), "nanquantile",
                                  1.0, weights, True)
    return _quantile(a, q, axis, method, _nan_keepdims(keepdims), "nanquantile", True)


@numpy_fast_path(np.nanpercentile, ("a", "q"), optional=("weights",))
def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=NoValue, *, weights=None):
    """:func:`percentile` ignoring NaNs (an all-NaN slice gives NaN); ``weights=`` as
    in :func:`quantile`.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> float(cnp.nanpercentile(cnp.array([1.0, cnp.nan, 3.0]), 25))
    1.5
    """
    no_out(out, "nanpercentile")
    if weights is not None:
        return _weighted_quantile(a, q, axis, method, _nan_keepdims(keepdims),
                                  "nanpercentile", 100.0, weights, True)
    return _quantile(a, q, axis, method, _nan_keepdims(keepdims), "nanpercentile", True,
                     100.0)


@numpy_fast_path(np.nanmedian)
def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=NoValue):
    """:func:`median` ignoring NaNs (an all-NaN slice gives NaN).

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(cnp.nanmedian)(cnp.array([5.0, cnp.nan, 1.0, 3.0]))
    array([0., 0., 0., 1.])
    """
    no_out(out, "nanmedian")
    return _quantile(a, 0.5, axis, "linear", _nan_keepdims(keepdims), "nanmedian", True)


# --- NaN-ignoring reductions ------------------------------------------------------------
def _nan_replaced(a, fill):
    """``a`` with NaNs replaced by ``fill`` (zero derivative there), and the valid mask."""
    a = asarray_any(a)
    if dtype_of(a).kind not in "fc":
        return a, True
    mask = cnp.isnan(a)
    return cnp.where(mask, fill, a), cnp.logical_not(mask)


def _kw(keepdims=NoValue, initial=NoValue, where=NoValue):
    kw = {}
    if given(keepdims):
        kw["keepdims"] = keepdims
    if given(initial):
        kw["initial"] = initial
    if given(where):
        kw["where"] = where
    return kw


def _and_where(valid, where):
    if not given(where) or where is True:
        return valid
    w = asarray_any(where)
    return cnp.logical_and(valid, w) if valid is not True else w


@numpy_fast_path(np.nansum)
def nansum(a, axis=None, dtype=None, out=None, keepdims=NoValue, initial=NoValue,
           where=NoValue):
    """Sum treating NaNs as zero.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(cnp.nansum)(cnp.array([1.0, cnp.nan, 2.0]))
    array([1., 0., 1.])
    """
    no_out(out, "nansum")
    a, _ = _nan_replaced(a, 0)
    return cnp.sum(a, axis, dtype, **_kw(keepdims, initial, where))


@numpy_fast_path(np.nanprod)
def nanprod(a, axis=None, dtype=None, out=None, keepdims=NoValue, initial=NoValue,
            where=NoValue):
    """Product treating NaNs as one.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(cnp.nanprod)(cnp.array([3.0, cnp.nan, 2.0]))
    array([2., 0., 3.])
    """
    no_out(out, "nanprod")
    a, _ = _nan_replaced(a, 1)
    return cnp.prod(a, axis, dtype, **_kw(keepdims, initial, where))


@numpy_fast_path(np.nancumsum)
def nancumsum(a, axis=None, dtype=None, out=None):
    """Cumulative sum treating NaNs as zero.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.nancumsum(cnp.array([1.0, cnp.nan, 2.0]))
    array([1., 1., 3.])
    """
    no_out(out, "nancumsum")
    a, _ = _nan_replaced(a, 0)
    return cnp.cumsum(a, axis, dtype)


@numpy_fast_path(np.nancumprod)
def nancumprod(a, axis=None, dtype=None, out=None):
    """Cumulative product treating NaNs as one.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.nancumprod(cnp.array([2.0, cnp.nan, 3.0]))
    array([2., 2., 6.])
    """
    no_out(out, "nancumprod")
    a, _ = _nan_replaced(a, 1)
    return cnp.cumprod(a, axis, dtype)


@numpy_fast_path(np.nanmean)
def nanmean(a, axis=None, dtype=None, out=None, keepdims=NoValue, *, where=NoValue):
    """Mean of the non-NaN elements (an all-NaN slice gives NaN).

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(cnp.nanmean)(cnp.array([1.0, cnp.nan, 3.0]))
    array([0.5, 0. , 0.5])
    """
    no_out(out, "nanmean")
    a, valid = _nan_replaced(a, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return cnp.mean(a, axis, dtype, keepdims=_nan_keepdims(keepdims),
                        where=_and_where(valid, where))


def _nanvar(a, axis, dtype, ddof, keepdims, where, mean, correction, name):
    a, valid = _nan_replaced(a, 0)
    kw = {}
    if given(mean):
        kw["mean"] = mean
    if given(correction):
        kw["correction"] = correction
    return dict(a=a, axis=axis, dtype=dtype, ddof=ddof, keepdims=_nan_keepdims(keepdims),
                where=_and_where(valid, where), **kw)


@numpy_fast_path(np.nanvar, optional=("mean",))
def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=NoValue, *, where=NoValue,
           mean=NoValue, correction=NoValue):  # noqa: A002 - mirrors numpy.nanvar
    """Variance of the non-NaN elements.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> float(cnp.nanvar(cnp.array([1.0, cnp.nan, 3.0])))
    1.0
    """
    no_out(out, "nanvar")
    with np.errstate(invalid="ignore", divide="ignore"):
        return cnp.var(**_nanvar(a, axis, dtype, ddof, keepdims, where, mean, correction,
                                 "nanvar"))


@numpy_fast_path(np.nanstd, optional=("mean",))
def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=NoValue, *, where=NoValue,
           mean=NoValue, correction=NoValue):  # noqa: A002 - mirrors numpy.nanstd
    """Standard deviation of the non-NaN elements (zero derivative at zero spread).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> float(cnp.nanstd(cnp.array([1.0, cnp.nan, 3.0])))
    1.0
    """
    no_out(out, "nanstd")
    with np.errstate(invalid="ignore", divide="ignore"):
        return cnp.std(**_nanvar(a, axis, dtype, ddof, keepdims, where, mean, correction,
                                 "nanstd"))


def _nan_extremum(fn, a, axis, keepdims, initial, where, fill):
    a0 = asarray_any(a)
    a, valid = _nan_replaced(a0, fill)
    y = fn(a, axis, **_kw(keepdims, initial, where))
    if valid is not True and not given(initial):
        allnan = cnp.logical_not(cnp.any(_and_where(valid, where), axis=axis,
                                         keepdims=_nan_keepdims(keepdims)))
        if is_tracer(allnan) or np.any(allnan):
            y = cnp.where(allnan, np.nan, y)
    return y


@numpy_fast_path(np.nanmax)
def nanmax(a, axis=None, out=None, keepdims=NoValue, initial=NoValue, where=NoValue):
    """Maximum ignoring NaNs (an all-NaN slice gives NaN); ties share the derivative.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(cnp.nanmax)(cnp.array([1.0, cnp.nan, 3.0]))
    array([0., 0., 1.])
    """
    no_out(out, "nanmax")
    return _nan_extremum(cnp.max, a, axis, keepdims, initial, where, -np.inf)


@numpy_fast_path(np.nanmin)
def nanmin(a, axis=None, out=None, keepdims=NoValue, initial=NoValue, where=NoValue):
    """Minimum ignoring NaNs (an all-NaN slice gives NaN); ties share the derivative.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(cnp.nanmin)(cnp.array([1.0, cnp.nan, 3.0]))
    array([1., 0., 0.])
    """
    no_out(out, "nanmin")
    return _nan_extremum(cnp.min, a, axis, keepdims, initial, where, np.inf)


@numpy_fast_path(np.nanargmax)
def nanargmax(a, axis=None, out=None, *, keepdims=NoValue):
    """Index of the maximum ignoring NaNs (an integer result, no derivative).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> int(cnp.nanargmax(cnp.array([1.0, cnp.nan, 3.0])))
    2
    """
    no_out(out, "nanargmax")
    return _nan_arg(cnp.argmax, a, axis, keepdims, -np.inf, "nanargmax")


@numpy_fast_path(np.nanargmin)
def nanargmin(a, axis=None, out=None, *, keepdims=NoValue):
    """Index of the minimum ignoring NaNs (an integer result, no derivative).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> int(cnp.nanargmin(cnp.array([1.0, cnp.nan, 3.0])))
    0
    """
    no_out(out, "nanargmin")
    return _nan_arg(cnp.argmin, a, axis, keepdims, np.inf, "nanargmin")


def _nan_arg(fn, a, axis, keepdims, fill, name):
    a = asarray_any(a)
    value = concrete_value(a)
    if value is not None:  # an integer result: NumPy's own, with its all-NaN check
        return getattr(np, name)(value, axis, **_kw(keepdims))
    if dtype_of(a).kind not in "fc":
        return fn(a, axis, **_kw(keepdims))
    nan = cnp.isnan(a)
    # NaN entries never win; a slice that is all NaN (NumPy raises, which a staged or
    # batched value cannot) gives -1, as JAX does.
    idx = fn(cnp.where(nan, fill, a), axis, **_kw(keepdims))
    return cnp.where(cnp.all(nan, axis=axis, **_kw(keepdims)), -1, idx)


# --- correlations -----------------------------------------------------------------------
@numpy_fast_path(np.cov, ("m",), optional=("y", "fweights", "aweights"))
def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *,
        dtype=None):
    """Covariance matrix of the variables in the rows (``rowvar``) or columns of ``m``.

    Differentiable in ``m``, ``y`` and ``aweights``; ``fweights`` are integer counts.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.cov(cnp.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    if ddof is not None and ddof != int(ddof):
        raise ValueError("ddof must be integer")
    m = asarray_any(m)
    if cnp.ndim(m) > 2:
        raise ValueError("m has more than 2 dimensions")
    if dtype is None:
        dtype = np.result_type(np.zeros((), dtype_of(m)), np.float64) if y is None else \
            np.result_type(np.zeros((), dtype_of(m)), np.zeros((), dtype_of(asarray_any(y))),
                           np.float64)
    X = cnp.astype(cnp.atleast_2d(m), dtype)
    if not rowvar and shape_of(X)[0] != 1:
        X = cnp.transpose(X)
    if shape_of(X)[0] == 0:
        return cnp.reshape(cnp.zeros((0,), dtype), (0, 0))
    if y is not None:
        y = cnp.astype(cnp.atleast_2d(asarray_any(y)), dtype)
        if not rowvar and shape_of(y)[0] != 1:
            y = cnp.transpose(y)
        X = cnp.concatenate((X, y), axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    w = None
    if fweights is not None:
        fw = asarray_any(fweights)
        value = _value(fw)
        if value is not None:  # checks need the values; staged weights are taken as given
            value = np.asarray(value, dtype=float)
            if not np.all(value == np.around(value)):
                raise TypeError("fweights must be integer")
            if np.any(value < 0):
                raise ValueError("fweights cannot be negative")
        w = cnp.astype(fw, float) if is_tracer(fw) else value
    if aweights is not None:
        aw = asarray_any(aweights)
        value = _value(aw)
        if value is not None and np.any(np.asarray(value) < 0):
            raise ValueError("aweights cannot be negative")
        w = aw if w is None else w * aw
    if w is None:
        avg = cnp.mean(X, axis=1)
        w_sum = shape_of(X)[1]
        fact = w_sum - ddof
    else:
        w_sum = cnp.sum(w)
        avg = cnp.sum(X * w, axis=1) / w_sum
        if ddof == 0:
            fact = w_sum
        elif aweights is None:
            fact = w_sum - ddof
        else:
            fact = w_sum - ddof * cnp.sum(w * aweights) / w_sum
    X = X - avg[:, None]
    X_T = cnp.transpose(X) if w is None else cnp.transpose(X * w)
    c = cnp.matmul(X, cnp.conj(X_T))
    with np.errstate(divide="ignore", invalid="ignore"):
        c = c / fact
    return cnp.squeeze(c)


@numpy_fast_path(np.corrcoef, ("x",), optional=("y",))
def corrcoef(x, y=None, rowvar=True, *, dtype=None):
    """Pearson correlation coefficients (clipped to ``[-1, 1]`` as NumPy does).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.corrcoef(cnp.array([1.0, 2.0, 4.0]), cnp.array([2.0, 4.0, 8.0]))
    array([[1., 1.],
           [1., 1.]])
    """
    c = cov(x, y, rowvar, dtype=dtype)
    if cnp.ndim(c) == 0:
        return c / c
    d = cnp.real(cnp.diagonal(c))
    stddev = cnp.sqrt(d)
    c = c / stddev[:, None]
    c = c / stddev[None, :]
    if dtype_of(c).kind == "c":
        return cnp.clip(cnp.real(c), -1, 1) + 1j * cnp.clip(cnp.imag(c), -1, 1)
    return cnp.clip(c, -1, 1)


# --- sorting helpers --------------------------------------------------------------------
@numpy_fast_path(np.unique, ("ar",))
def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True, sorted=True):  # noqa: A002 - mirrors numpy.unique
    """Sorted unique values; the values are differentiable (each is the first occurrence in
    ``ar``), the indices and counts are integers.  Needs concrete values.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cnp.unique(cnp.array([3.0, 1.0, 3.0]))
    array([1., 3.])
    >>> cr.grad(lambda x: cnp.unique(x).sum())(cnp.array([3.0, 1.0, 3.0]))
    array([1., 1., 0.])
    """
    ar = asarray_any(ar)
    res = np.unique(concrete(ar, "unique"), return_index=True, return_inverse=return_inverse,
                    return_counts=return_counts, axis=axis, equal_nan=equal_nan,
                    sorted=sorted)
    index = res[1]
    values = cnp.take(ar, index, axis=axis) if axis is not None else \
        cnp.take(cnp.ravel(ar), index)
    out = [values]
    if return_index:
        out.append(index)
    out.extend(res[2:])
    return out[0] if len(out) == 1 else tuple(out)


def _check_kth(kth, n):
    for k in np.atleast_1d(np.asarray(kth)).ravel():
        if not -n <= int(k) < n:
            raise ValueError(f"kth(={int(k)}) out of bounds ({n})")


@numpy_fast_path(np.argpartition)
def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    """Indices that partition ``a`` around ``kth`` (an integer result, no derivative).

    On values known only abstractly (under ``jit`` or ``vmap``) the result is the full
    stable ``argsort``, which is one of the valid partitions.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> x = cnp.array([3.0, 1.0, 2.0])
    >>> float(x[cnp.argpartition(x, 1)[1]])
    2.0
    """
    a = asarray_any(a)
    value = concrete_value(a)
    if value is not None:
        return np.argpartition(value, kth, axis, kind, order)
    if axis is None:
        a, axis = cnp.ravel(a), -1
    _check_kth(kth, shape_of(a)[axis])
    return cnp.argsort(a, axis, order=order)


@numpy_fast_path(np.partition)
def partition(a, kth, axis=-1, kind="introselect", order=None):
    """``a`` partially sorted around ``kth``: the derivative follows each value.

    On values known only abstractly (under ``jit`` or ``vmap``) the result is fully
    sorted, which is one of the valid partitions.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(lambda x: cnp.partition(x, 1)[1])(cnp.array([3.0, 1.0, 2.0]))
    array([0., 0., 1.])
    """
    a = asarray_any(a)
    if axis is None:
        a, axis = cnp.ravel(a), 0
    if concrete_value(a) is None:
        _check_kth(kth, shape_of(a)[axis])
        return cnp.sort(a, axis, order=order)
    return cnp.take_along_axis(a, argpartition(a, kth, axis, kind, order), axis)


# --- histograms -------------------------------------------------------------------------
@numpy_fast_path(np.bincount, ("x",), optional=("weights",))
def bincount(x, /, weights=None, minlength=0):
    """Number of occurrences of each value in ``x``; with ``weights``, the sum of the
    weights per value (differentiable in ``weights``).

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cnp.bincount(cnp.array([0, 2, 2]), weights=cnp.array([1.0, 2.0, 3.0]))
    array([1., 0., 5.])
    """
    xs = np.asarray(concrete(asarray_any(x), "bincount"))
    counts = np.bincount(xs, minlength=minlength)
    if weights is None:
        return counts
    weights = asarray_any(weights)
    dt = np.result_type(dtype_of(weights), np.float64) if dtype_of(weights).kind != "c" \
        else dtype_of(weights)
    if dt.kind == "c":
        raise TypeError("Cannot cast array data from dtype('complex128') to "
                        "dtype('float64') according to the rule 'safe'")
    w = cnp.astype(cnp.ravel(weights), dt)
    return cnp.at(cnp.zeros(counts.shape, dt))[xs.ravel()].add(w)


def _all_concrete(*xs):
    return all(not is_tracer(x) or concrete_value(x) is not None for x in xs)


def _value(x):
    return concrete_value(x) if is_tracer(x) else x


@numpy_fast_path(np.digitize, ("x", "bins"))
def digitize(x, bins, right=False):
    """Indices of the bins of ``bins`` that the values of ``x`` fall in (an integer result,
    no derivative).

    Works on traced ``x`` and ``bins`` (under ``jit`` and ``vmap`` too): it is a
    :func:`searchsorted`.  With traced ``bins`` the direction (increasing or decreasing)
    is taken from the first and last bin, without NumPy's check that they are monotonic.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.digitize(cnp.array([0.5, 1.5]), cnp.array([0.0, 1.0, 2.0]))
    array([1, 2])
    """
    x, bins = asarray_any(x), asarray_any(bins)
    if dtype_of(x).kind == "c":
        raise TypeError("x may not be complex")
    if cnp.ndim(bins) != 1:
        raise ValueError("object too deep for desired array" if cnp.ndim(bins) > 1 else
                         "object of too small depth for desired array")
    side = "left" if right else "right"
    n = shape_of(bins)[0]
    increasing = cnp.searchsorted(bins, x, side=side)
    decreasing = n - cnp.searchsorted(cnp.flip(bins), x, side=side)
    bv = _value(bins)
    if bv is not None:
        d = np.diff(np.asarray(bv))
        if np.all(d >= 0):
            return increasing
        if np.all(d <= 0):
            return decreasing
        raise ValueError("bins must be monotonically increasing or decreasing")
    if n < 2:
        return increasing
    return cnp.where(bins[0] <= bins[-1], increasing, decreasing)


def _histogram_edges(a, bins, range, weights, name):
    """The bin edges for :func:`histogram` on traced data: a fixed number of bins."""
    if isinstance(bins, str):
        concrete(a, name, f"bins={bins!r} chooses the number of bins from them")
    if np.ndim(bins) == 0 and not is_tracer(bins):
        if int(bins) != bins or bins < 1:
            raise ValueError("`bins` must be positive, when an integer")
        nb = int(bins)
        if range is None:
            if shape_of(a)[0] == 0:
                lo = hi = np.float64(0.0)
            else:
                lo, hi = cnp.min(a), cnp.max(a)
        else:
            lo, hi = (asarray_any(r) for r in range)
            if _all_concrete(lo, hi) and not _value(lo) <= _value(hi):
                raise ValueError("max must be larger than min in range parameter.")
        dt = np.result_type(get_aval(lo).dummy(), get_aval(hi).dummy(), dtype_of(a))
        if dt.kind in "iub":
            dt = np.dtype(np.float64)
        same = lo == hi  # NumPy widens an empty range by one half on each side
        lo = cnp.where(same, lo - 0.5, lo)
        hi = cnp.where(same, hi + 0.5, hi)
        return cnp.linspace(lo, hi, nb + 1, dtype=dt)
    edges = asarray_any(bins)
    if cnp.ndim(edges) != 1:
        raise ValueError("`bins` must be 1d, when an array")
    ev = _value(edges)
    if ev is not None and np.any(np.diff(np.asarray(ev)) < 0):
        raise ValueError("`bins` must increase monotonically, when an array")
    return edges


def histogram(a, bins=10, range=None, density=None, weights=None):  # noqa: A002
    """Histogram of ``a``: counts (or summed ``weights``) per bin, and the bin edges.

    The counts are piecewise constant in ``a`` (zero derivative); with ``weights`` the
    result is differentiable in the weights, and with ``range`` (or computed edges) in the
    edges.  Under ``jit`` and ``vmap`` a fixed number of bins (an integer ``bins``, or an
    array of edges) works on traced data; a string ``bins`` (``"auto"``...) chooses the
    number of bins from the values and needs concrete data.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> counts, edges = cnp.histogram(cnp.array([0.1, 0.4, 0.9]), bins=2, range=(0, 1))
    >>> counts
    array([2, 1])
    """
    others = (bins, weights, *(range or ()))
    if _all_concrete(a) and not any(is_tracer(x) for x in others):
        # Only ``a`` is traced (and its values known): the counts are piecewise constant
        # in it, so NumPy's own histogram of the values is the answer.
        return np.histogram(_value(a), bins, range, density, weights)
    return _histogram_traced(a, bins, range, density, weights)


def _histogram_traced(a, bins, range, density, weights):  # noqa: A002
    a = cnp.ravel(asarray_any(a))
    edges = _histogram_edges(a, bins, range, weights, "histogram")
    order = cnp.argsort(a)
    sa = cnp.take_along_axis(a, order, 0)
    # cum[i]: how many values lie below edge i; the last bin also holds its right edge.
    cum = cnp.concatenate((cnp.searchsorted(sa, edges[:-1], side="left"),
                           cnp.reshape(cnp.searchsorted(sa, edges[-1:], side="right"), (1,))))
    if weights is None:
        counts = cum[1:] - cum[:-1]
    else:
        w = cnp.ravel(asarray_any(weights))
        if shape_of(w) != shape_of(a):
            raise ValueError("weights should have the same shape as a.")
        cw = cnp.concatenate((cnp.zeros((1,), dtype_of(w)),
                              cnp.cumsum(cnp.take_along_axis(w, order, 0))))
        counts = cnp.take_along_axis(cw, cum[1:], 0) - cnp.take_along_axis(cw, cum[:-1], 0)
    if density:
        counts = counts / cnp.diff(edges) / cnp.sum(counts)
    return counts, edges


def _only_data_traced(data, others):
    """True when NumPy's own histogram of the current values is the answer: the data are
    known (plain, or differentiated, where counts are piecewise constant) and nothing else
    (bins, range, weights) is traced."""
    leaves = data if isinstance(data, (list, tuple)) else [data]
    return _all_concrete(*leaves) and not any(_has_tracer(x) for x in others)


def _has_tracer(x):
    if isinstance(x, (list, tuple)):
        return any(_has_tracer(v) for v in x)
    return is_tracer(x)


def _values_of(data):
    if isinstance(data, (list, tuple)):
        return type(data)(_values_of(d) for d in data)
    return _value(data) if is_tracer(data) else data


def histogram_bin_edges(a, bins=10, range=None, weights=None):  # noqa: A002
    """Bin edges of a histogram of ``a``, as :func:`numpy.histogram_bin_edges`.

    A fixed number of bins works on traced data (under ``jit`` and ``vmap``); the edges
    are differentiable in ``range`` (or in the data's extremes when ``range`` is None).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.histogram_bin_edges(cnp.array([0.0, 1.0]), bins=2)
    array([0. , 0.5, 1. ])
    """
    if _only_data_traced(a, (bins, weights, range)):
        return np.histogram_bin_edges(_values_of(a), bins, range, weights)
    return _histogram_edges(cnp.ravel(asarray_any(a)), bins, range, weights,
                            "histogram_bin_edges")


def histogramdd(sample, bins=10, range=None, density=None, weights=None):  # noqa: A002
    """Multidimensional histogram of the ``(N, D)`` points in ``sample`` (or a sequence of
    ``D`` coordinate arrays), as :func:`numpy.histogramdd`: counts as floats, and the edges
    per dimension.

    The counts are piecewise constant in the sample (zero derivative) and differentiable
    in ``weights``.  A fixed number of bins per dimension works on traced data (under
    ``jit`` and ``vmap``).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.histogramdd(cnp.array([[0.1], [0.9]]), bins=2)[0]
    array([1., 1.])
    """
    if _only_data_traced(sample, (weights, bins, range)):
        return np.histogramdd(_values_of(sample), bins, range, density, weights)
    if isinstance(sample, (list, tuple)):
        sample = cnp.stack([cnp.ravel(asarray_any(x)) for x in sample], axis=1)
    sample = asarray_any(sample)
    if cnp.ndim(sample) == 1:
        sample = cnp.reshape(sample, (-1, 1))
    n, d = shape_of(sample)
    if not (isinstance(bins, (list, tuple)) or is_tracer(bins)) and np.ndim(bins) == 0:
        bins = [bins] * d
    if len(bins) != d:
        raise ValueError("The dimension of bins must be equal to the dimension of the "
                         "sample x.")
    ranges = [None] * d if range is None else list(range)
    if len(ranges) != d:
        raise ValueError("range argument must have one entry per dimension")
    edges, index, nbin = [], None, []
    for i in builtins_range(d):
        x = sample[:, i]
        e = _histogram_edges(x, bins[i], ranges[i], None, "histogramdd")
        k = shape_of(e)[0] + 1  # bins with one outlier bin on each side
        # NumPy's rule: searchsorted from the right, a value on the last edge in the last
        # bin; NaNs and values outside fall into the outlier bins.
        j = cnp.searchsorted(e, x, side="right") - cnp.astype(x == e[-1], np.intp)
        index = j if index is None else index * k + j
        edges.append(e)
        nbin.append(k)
    w = cnp.ones((n,)) if weights is None else cnp.astype(cnp.ravel(asarray_any(weights)),
                                                          np.float64)
    total = int(np.prod(nbin))
    hist = lax.scatter_add_along_axis_p.bind(w, cnp.astype(index, np.intp), axis=0, n=total)
    hist = cnp.reshape(hist, tuple(nbin))[(slice(1, -1),) * d]
    if density:
        s = cnp.sum(hist)
        for i in builtins_range(d):
            shape = [1] * d
            shape[i] = nbin[i] - 2
            hist = hist / cnp.reshape(cnp.diff(edges[i]), shape)
        hist = hist / s
    return hist, edges


def histogram2d(x, y, bins=10, range=None, density=None, weights=None):  # noqa: A002
    """Two-dimensional histogram of the points ``(x, y)``, as :func:`numpy.histogram2d`
    (see :func:`histogramdd` for derivatives and staging).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.histogram2d(cnp.array([0.1, 0.9]), cnp.array([0.1, 0.2]), bins=2)[0]
    array([[1., 0.],
           [0., 1.]])
    """
    try:
        nb = len(bins)
    except TypeError:
        nb = 1
    if nb != 1 and nb != 2:
        bins = [bins, bins]
    elif nb == 1 and np.ndim(bins) == 0:
        bins = [bins, bins]
    hist, edges = histogramdd([x, y], bins, range, density, weights)
    return hist, edges[0], edges[1]


__all__ = ["argpartition", "bincount", "corrcoef", "cov", "digitize", "histogram",
           "histogram2d", "histogram_bin_edges", "histogramdd", "median", "nanargmax",
           "nanargmin", "nancumprod", "nancumsum", "nanmax", "nanmean", "nanmedian", "nanmin",
           "nanpercentile", "nanprod", "nanquantile", "nanstd", "nansum", "nanvar",
           "partition", "percentile", "quantile", "unique"]
