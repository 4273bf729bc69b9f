"""Order statistics, NaN-aware reductions, correlations and histograms ("Statistics" in
NumPy's docs), with sorting helpers (``unique``, ``partition``).

Order statistics (``median``, ``quantile``...) sort the data with the differentiable
:func:`chainrule.numpy.sort` and interpolate between the selected order statistics, so the
derivative flows into the values that were selected.  The NaN-ignoring functions replace the
NaN entries before reducing: a NaN entry contributes a zero derivative.
"""

from __future__ import annotations

import numpy as np

import chainrule.numpy as cnp

from ..core import Tracer
from ._util import NoValue, asarray_any, concrete, dtype_of, given, no_out, normalize_axes, \
    shape_of
from .fastpath import numpy_fast_path
from .indexing import getitem

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
    return cnp.reshape(a, rest + (-1,)), rest, axes


def _quantile(a, q, axis, method, keepdims, name, ignore_nan, scale=1.0):
    a = asarray_any(a)
    if method not in _METHODS:
        raise ValueError(f"{method!r} is not a valid method. Use one of: "
                         f"{tuple(_METHODS)}")
    q_traced = q if isinstance(q, Tracer) else None
    qa = np.true_divide(np.asarray(concrete(asarray_any(q), name)), scale)
    if qa.ndim > 1 and name != "median":
        raise ValueError("q must be a scalar or 1d")
    if not (np.all(qa >= 0) and np.all(qa <= 1)):
        what = "Percentiles must be in the range [0, 100]" if scale == 100 else \
            "Quantiles must be in the range [0, 1]"
        raise ValueError(what)
    shape = shape_of(a)
    dt = dtype_of(a)
    probe = np.zeros(1, dt) if dt.kind != "b" else np.zeros(1, np.int8)
    q_probe = q
    if isinstance(q, Tracer):  # a traced scalar stands for a Python number (weakly typed)
        q_probe = float(qa * scale) if qa.ndim == 0 else qa * scale
    probe_fn = np.percentile if scale == 100 else np.quantile
    out_dtype = np.asarray(probe_fn(probe, q_probe, method=method)).dtype
    s, rest, axes = _reduced_last(a, axis)
    s = cnp.sort(s, axis=-1)
    N = shape_of(s)[-1]
    qn = qa.reshape(qa.shape + (1,) * len(rest))
    values = np.asarray(concrete(s, name))
    if ignore_nan and dt.kind in "fc":
        n = np.sum(~np.isnan(values), axis=-1)
        bad = n == 0
    else:
        n = np.full(rest, N)
        bad = np.isnan(values[..., -1]) if dt.kind in "fc" and N else np.zeros(rest, bool)
    get_index, fix_gamma, ab = _METHODS[method]
    with np.errstate(invalid="ignore"):
        vi = np.asarray(get_index(n, qn))
    grids = tuple(np.arange(k).reshape((k,) + (1,) * (len(rest) - i - 1))
                  for i, k in enumerate(rest))
    last = np.maximum(n - 1, 0)
    if fix_gamma is None:
        idx = np.minimum(vi, last)
        result = getitem(s, grids + (np.broadcast_to(idx, qa.shape + rest),))
    else:
        prev = np.floor(vi)
        gamma = fix_gamma(vi - prev, vi)
        above, below = vi >= n - 1, vi < 0
        prev = np.where(above, last, np.where(below, 0, prev)).astype(np.intp)
        nxt = np.where(above | below, prev, prev + 1).astype(np.intp)
        full = qa.shape + rest
        lo = getitem(s, grids + (np.broadcast_to(prev, full),))
        hi = getitem(s, grids + (np.broadcast_to(nxt, full),))
        gdt = out_dtype if out_dtype.kind == "f" else np.dtype(np.float64)
        if q_traced is not None and ab is not None:
            alpha, beta = ab
            qt = cnp.reshape(cnp.asarray(q_traced) / scale, qn.shape)
            g = qt * (n + 1 - alpha - beta) + (alpha - 1 - prev)
            g = cnp.astype(g, gdt)
        else:
            g = np.asarray(gamma, gdt)
        if dtype_of(lo) != gdt:
            lo, hi = cnp.astype(lo, gdt), cnp.astype(hi, gdt)
        diff = hi - lo
        result = cnp.where(np.asarray(gamma) >= 0.5, hi - diff * (1 - g), lo + diff * g)
    if dtype_of(result) != out_dtype:
        result = cnp.astype(result, out_dtype)
    if np.any(bad):
        result = cnp.where(np.broadcast_to(bad, qa.shape + rest), np.nan, result)
    if keepdims:
        result = cnp.reshape(result, qa.shape + tuple(1 if i in axes else k
                                                      for i, k in enumerate(shape)))
    return result


def _weighted_quantile(a, q, axis, method, keepdims, name, scale, weights, ignore_nan=False):
    """NumPy's weighted quantile (``method="inverted_cdf"``): the value of ``a`` at which
    the weighted empirical distribution first reaches ``q``.

    The result is one element of ``a`` per slice, so the derivative flows into the selected
    element.  The weights only choose which element that is: the result is piecewise
    constant in them, with derivative zero wherever it is differentiable.
    """
    a = asarray_any(a)
    ac = np.asarray(concrete(a, name))
    qc = np.asarray(concrete(asarray_any(q), name))
    wc = np.asarray(concrete(asarray_any(weights), name))
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
    change).  The values of ``a`` and ``weights`` must be concrete (they are under ``grad``
    and ``jvp``, not under ``jit``).

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
    return cnp.where(mask, fill, a), ~np.asarray(concrete(mask, "nan reduction"))


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
    w = np.asarray(concrete(asarray_any(where), "where"))
    return valid & w if valid is not True else w


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
        allnan = ~np.any(_and_where(valid, where), axis=axis,
                         keepdims=_nan_keepdims(keepdims))
        if np.any(allnan):
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
    return np.nanargmax(concrete(asarray_any(a), "nanargmax"), axis, **_kw(keepdims))


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
    return np.nanargmin(concrete(asarray_any(a), "nanargmin"), axis, **_kw(keepdims))


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
        fw = np.asarray(concrete(asarray_any(fweights), "cov"), dtype=float)
        if not np.all(fw == np.around(fw)):
            raise TypeError("fweights must be integer")
        if np.any(fw < 0):
            raise ValueError("fweights cannot be negative")
        w = fw
    if aweights is not None:
        aw = asarray_any(aweights)
        if np.any(np.asarray(concrete(aw, "cov")) < 0):
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


@numpy_fast_path(np.argpartition)
def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    """Indices that partition ``a`` around ``kth`` (an integer result, no derivative).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> x = cnp.array([3.0, 1.0, 2.0])
    >>> float(x[cnp.argpartition(x, 1)[1]])
    2.0
    """
    return np.argpartition(concrete(asarray_any(a), "argpartition"), kth, axis, kind, order)


@numpy_fast_path(np.partition)
def partition(a, kth, axis=-1, kind="introselect", order=None):
    """``a`` partially sorted around ``kth``: the derivative follows each value.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(lambda x: cnp.partition(x, 1)[1])(cnp.array([3.0, 1.0, 2.0]))
    array([0., 0., 1.])
    """
    a = asarray_any(a)
    if axis is None:
        a, axis = cnp.ravel(a), 0
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


def _concrete_only(fn, doc):
    name = fn.__name__

    def wrapper(*args, **kwargs):
        return fn(*[concrete(asarray_any(a), name) if isinstance(a, Tracer) else a
                    for a in args],
                  **{k: concrete(v, name) if isinstance(v, Tracer) else v
                     for k, v in kwargs.items()})
    wrapper.__name__ = wrapper.__qualname__ = name
    wrapper.__doc__ = doc
    return wrapper


digitize = _concrete_only(np.digitize, """Indices of the bins of ``bins`` that the values of
``x`` fall in: :func:`numpy.digitize` on the current values (an integer result, no
derivative).

Examples
--------
>>> import chainrule.numpy as cnp
>>> cnp.digitize(cnp.array([0.5, 1.5]), cnp.array([0.0, 1.0, 2.0]))
array([1, 2])
""")

histogram = _concrete_only(np.histogram, """Histogram of ``a``: :func:`numpy.histogram` on
the current values.  The counts are piecewise constant and the bin edges are returned as
plain arrays: neither has a derivative (use :func:`bincount` with ``weights`` for
differentiable binned sums).

Examples
--------
>>> import chainrule.numpy as cnp
>>> counts, edges = cnp.histogram(cnp.array([0.1, 0.4, 0.9]), bins=2, range=(0, 1))
>>> counts
array([2, 1])
""")

histogram_bin_edges = _concrete_only(np.histogram_bin_edges, """Bin edges of a histogram
of ``a``: :func:`numpy.histogram_bin_edges` on the current values (no derivative).

Examples
--------
>>> import chainrule.numpy as cnp
>>> cnp.histogram_bin_edges(cnp.array([0.0, 1.0]), bins=2)
array([0. , 0.5, 1. ])
""")

histogram2d = _concrete_only(np.histogram2d, """Two-dimensional histogram:
:func:`numpy.histogram2d` on the current values (counts, no derivative).

Examples
--------
>>> import chainrule.numpy as cnp
>>> cnp.histogram2d(cnp.array([0.1, 0.9]), cnp.array([0.1, 0.2]), bins=2)[0]
array([[1., 0.],
       [0., 1.]])
""")

histogramdd = _concrete_only(np.histogramdd, """Multidimensional histogram:
:func:`numpy.histogramdd` on the current values (counts, no derivative).

Examples
--------
>>> import chainrule.numpy as cnp
>>> cnp.histogramdd(cnp.array([[0.1], [0.9]]), bins=2)[0]
array([1., 1.])
""")


__all__ = ["argpartition", "bincount", "corrcoef", "cov", "digitize", "histogram",
           "histogram2d", "histogram_bin_edges", "histogramdd", "median", "nanargmax",
           "nanargmin", "nancumprod", "nancumsum", "nanmax", "nanmean", "nanmedian", "nanmin",
           "nanpercentile", "nanprod", "nanquantile", "nanstd", "nansum", "nanvar",
           "partition", "percentile", "quantile", "unique"]
