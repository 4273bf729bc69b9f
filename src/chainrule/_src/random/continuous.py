"""Samplers of continuous distributions.

Each sample is a deterministic function of the key and of the parameters.  The uniform
variates from the key carry no derivative; the transformation that turns them into a
sample is ordinary chainrule code, so samples are differentiable in their parameters
(*reparameterized*): ``loc + scale * z`` for the location-scale families, the inverse CDF
for the truncated normal, and the inverse CDF with implicit differentiation for the gamma
family (``gammaincinv``, whose derivative in the shape is exact to any order).
"""

from __future__ import annotations

import numpy as np

from chainrule._src.numpy import base as cnp
from chainrule._src.numpy import linalg as _np_linalg
from chainrule._src.core import get_aval, is_tracer

from chainrule._src.lax.special import gammaincinv, ndtr, ndtri

from . import keys as _keys


def _dtype(dtype, name):
    dt = np.dtype(np.float64 if dtype is None else dtype)
    if dt not in (np.float64, np.float32):
        raise TypeError(f"chainrule.random.{name}: `dtype` must be float64 or float32, got {dt}")
    return dt


def _pshape(x):
    return x.aval.shape if is_tracer(x) else np.shape(x)


def out_shape(shape, name, *params):
    """``shape`` if given (the parameters must broadcast to it), else theirs."""
    shape = _keys.as_shape(shape, name)
    pshape = np.broadcast_shapes(*[_pshape(p) for p in params]) if params else ()
    if shape is None:
        return pshape
    if np.broadcast_shapes(shape, pshape) != shape:
        raise ValueError(f"chainrule.random.{name}: the parameters of shape {pshape} do not "
                         f"broadcast to the requested shape {shape}")
    return shape


def _is(x, v):
    return isinstance(x, (int, float)) and x == v


def _affine(z, loc, scale, dtype):
    # Skip the work for the defaults: a standard draw costs no extra passes.
    if not _is(scale, 1):
        z = z * scale
    if not _is(loc, 0):
        z = z + loc
    return z if get_aval(z).dtype == dtype else z.astype(dtype)


def uniform(key, shape=(), dtype=None, minval=0.0, maxval=1.0):
    """Uniform samples on ``[minval, maxval)``, differentiable in ``minval`` and ``maxval``.

    Parameters
    ----------
    key : key
        From :func:`key`, :func:`split` or :func:`fold_in`.
    shape : tuple of int, default ()
        Output shape; ``minval`` and ``maxval`` broadcast to it.
    dtype : float64 (default) or float32
    minval, maxval : array_like
        Bounds.

    Returns
    -------
    ndarray
        ``minval + (maxval - minval) * u`` with ``u = k / 2**53`` for 53 random bits ``k``
        (24 bits for float32).

    Examples
    --------
    >>> import chainrule.random as random
    >>> u = random.uniform(random.key(0), (1000,), minval=2.0, maxval=3.0)
    >>> bool(((2.0 <= u) & (u < 3.0)).all())
    True
    """
    dtype = _dtype(dtype, "uniform")
    shape = out_shape(shape, "uniform", minval, maxval)
    u = cnp.reshape(_keys.unit(key, shape, dtype, "uniform"), shape)
    if _is(minval, 0) and _is(maxval, 1):
        return u
    out = minval + (maxval - minval) * u
    # Rounding can reach maxval; keep the interval half-open.
    return cnp.minimum(out, cnp.nextafter(maxval, minval)).astype(dtype)


def _standard_normal(key, shape, dtype, name):
    """Standard normals by inversion: ``ndtri(u)`` of a uniform ``u`` in (0, 1), one draw
    each (no pairs; faster than Box-Muller here, where NumPy's sine and cosine dominate)."""
    u = _keys.unit(key, shape, np.float64, name, open_low=True)
    return cnp.reshape(ndtri(u), shape).astype(dtype)


def normal(key, shape=(), dtype=None, *, loc=0.0, scale=1.0):
    """Normal samples ``loc + scale * z``, differentiable in ``loc`` and ``scale``.

    Parameters
    ----------
    key : key
    shape : tuple of int, default ()
    dtype : float64 (default) or float32
    loc, scale : array_like, keyword-only
        Mean and standard deviation (JAX's ``normal`` has neither: it is the standard
        normal, which the defaults give).

    Returns
    -------
    ndarray
        ``loc + scale * ndtri(u)``: the normal quantile of a uniform ``u = (k + 1/2) / 2**53``
        (so ``|z| < 8.3``), shifted and scaled.

    Examples
    --------
    >>> import chainrule as cr, chainrule.random as random
    >>> k = random.key(0)
    >>> z = random.normal(k, (100_000,))
    >>> bool(abs(z.mean()) < 0.02 and abs(z.std() - 1) < 0.02)
    True
    >>> float(cr.grad(lambda s: random.normal(k, scale=s))(2.0)) == float(random.normal(k))
    True
    """
    dtype = _dtype(dtype, "normal")
    shape = out_shape(shape, "normal", loc, scale)
    return _affine(_standard_normal(key, shape, dtype, "normal"), loc, scale, dtype)


def truncated_normal(key, lower, upper, shape=None, dtype=None):
    """Standard normal samples conditioned on ``lower < z < upper``.

    Parameters
    ----------
    key : key
    lower, upper : array_like
        Bounds (may be infinite); differentiable.
    shape : tuple of int, optional
        Defaults to the broadcast shape of the bounds.
    dtype : float64 (default) or float32

    Returns
    -------
    ndarray
        ``ndtri(ndtr(a) + u (ndtr(b) - ndtr(a)))``, computed on the side of zero where the
        CDF differences keep their precision (bounds in the right tail are mirrored).

    Examples
    --------
    >>> import chainrule.random as random
    >>> z = random.truncated_normal(random.key(0), 1.0, 2.0, (1000,))
    >>> bool(((1.0 <= z) & (z <= 2.0)).all())
    True
    """
    dtype = _dtype(dtype, "truncated_normal")
    shape = out_shape(shape, "truncated_normal", lower, upper)
    lower = cnp.asarray(lower, dtype=np.float64)
    upper = cnp.asarray(upper, dtype=np.float64)
    u = cnp.reshape(_keys.unit(key, shape, np.float64, "truncated_normal", open_low=True),
                    shape)
    # Mirror intervals centred right of zero: ndtr(x) for large x loses all its digits
    # to rounding near 1, ndtr(-x) keeps them.
    flip = (lower + upper) > 0
    lo = cnp.where(flip, -upper, lower)
    hi = cnp.where(flip, -lower, upper)
    a, b = ndtr(lo), ndtr(hi)
    z = ndtri(a + u * (b - a))
    z = cnp.where(flip, -z, z)
    return cnp.clip(z, lower, upper).astype(dtype)


def multivariate_normal(key, mean, cov, shape=None, dtype=None, method="cholesky"):
    """Multivariate normal samples ``mean + L z`` with ``L L^T = cov``.

    Parameters
    ----------
    key : key
    mean : array_like, shape (..., d)
    cov : array_like, shape (..., d, d)
        Symmetric positive (semi-)definite; differentiable, as is ``mean``.
    shape : tuple of int, optional
        Batch shape of the samples (the output has shape ``shape + (d,)``); defaults to the
        broadcast batch shape of ``mean`` and ``cov``.
    dtype : float64 (default) or float32
    method : {"cholesky", "eigh", "svd"}
        How ``L`` is computed; ``"eigh"`` and ``"svd"`` accept singular covariances.

    Returns
    -------
    ndarray, shape ``shape + (d,)``

    Examples
    --------
    >>> import numpy as np, chainrule.random as random
    >>> cov = np.array([[2.0, 0.5], [0.5, 1.0]])
    >>> x = random.multivariate_normal(random.key(0), np.zeros(2), cov, (200_000,))
    >>> bool(np.allclose(np.cov(x.T), cov, atol=0.03))
    True
    """
    dtype = _dtype(dtype, "multivariate_normal")
    mean = cnp.asarray(mean, dtype=np.float64)
    cov = cnp.asarray(cov, dtype=np.float64)
    ms, cs = get_aval(mean).shape, get_aval(cov).shape
    if len(ms) < 1 or len(cs) < 2 or cs[-1] != cs[-2] or cs[-1] != ms[-1]:
        raise ValueError(f"chainrule.random.multivariate_normal: `mean` must have shape "
                         f"(..., d) and `cov` shape (..., d, d), got {ms} and {cs}")
    d = ms[-1]
    batch = np.broadcast_shapes(ms[:-1], cs[:-2])
    shape = _keys.as_shape(shape, "multivariate_normal")
    if shape is None:
        shape = batch
    elif np.broadcast_shapes(shape, batch) != shape:
        raise ValueError(f"chainrule.random.multivariate_normal: parameter batch shape "
                         f"{batch} does not broadcast to `shape` {shape}")
    if method == "cholesky":
        factor = _np_linalg.cholesky(cov)
    elif method == "eigh":
        w, v = _np_linalg.eigh(cov)
        factor = v * cnp.sqrt(cnp.maximum(w, 0.0))[..., None, :]
    elif method == "svd":
        u, s, _ = _np_linalg.svd(cov)
        factor = u * cnp.sqrt(s)[..., None, :]
    else:
        raise ValueError(f"chainrule.random.multivariate_normal: `method` must be 'cholesky', "
                         f"'eigh' or 'svd', got {method!r}")
    z = _standard_normal(key, shape + (d,), np.float64, "multivariate_normal")
    return (mean + cnp.matmul(factor, z[..., None])[..., 0]).astype(dtype)


def exponential(key, shape=(), dtype=None, *, scale=1.0):
    """Exponential samples ``-scale * log(1 - u)``, differentiable in ``scale``.

    Parameters
    ----------
    key : key
    shape : tuple of int, default ()
    dtype : float64 (default) or float32
    scale : array_like, keyword-only
        The mean (``1 / rate``); JAX's ``exponential`` has rate 1, the default here.

    Examples
    --------
    >>> import chainrule.random as random
    >>> x = random.exponential(random.key(0), (100_000,), scale=2.0)
    >>> bool(abs(x.mean() - 2.0) < 0.05)
    True
    """
    dtype = _dtype(dtype, "exponential")
    shape = out_shape(shape, "exponential", scale)
    u = cnp.reshape(_keys.unit(key, shape, dtype, "exponential"), shape)
    return _affine(-cnp.log1p(-u), 0.0, scale, dtype)


def laplace(key, shape=(), dtype=None, *, loc=0.0, scale=1.0):
    """Laplace (double exponential) samples, differentiable in ``loc`` and ``scale``.

    Parameters
    ----------
    key : key
    shape : tuple of int, default ()
    dtype : float64 (default) or float32
    loc, scale : array_like, keyword-only

    Examples
    --------
    >>> import chainrule.random as random
    >>> x = random.laplace(random.key(0), (100_000,))
    >>> bool(abs(x.var() - 2.0) < 0.1)
    True
    """
    dtype = _dtype(dtype, "laplace")
    shape = out_shape(shape, "laplace", loc, scale)
    u = cnp.reshape(_keys.unit(key, shape, dtype, "laplace", open_low=True), shape)
    v = 2.0 * u - 1.0  # in (-1, 1)
    z = -cnp.sign(v) * cnp.log1p(-cnp.abs(v))
    return _affine(z, loc, scale, dtype)


def cauchy(key, shape=(), dtype=None, *, loc=0.0, scale=1.0):
    """Cauchy samples ``loc + scale * tan(pi (u - 1/2))``, differentiable in the parameters.

    Examples
    --------
    >>> import numpy as np, chainrule.random as random
    >>> x = random.cauchy(random.key(0), (100_000,))
    >>> bool(abs(np.median(x)) < 0.02)
    True
    """
    dtype = _dtype(dtype, "cauchy")
    shape = out_shape(shape, "cauchy", loc, scale)
    u = cnp.reshape(_keys.unit(key, shape, dtype, "cauchy", open_low=True), shape)
    return _affine(cnp.tan(np.pi * (u - 0.5)), loc, scale, dtype)


def gamma(key, a, shape=None, dtype=None):
    """Standard gamma samples of shape ``a``, differentiable in ``a``.

    Parameters
    ----------
    key : key
    a : array_like
        Shape parameter, positive.
    shape : tuple of int, optional
        Defaults to ``a``'s shape.
    dtype : float64 (default) or float32

    Returns
    -------
    ndarray
        ``P^{-1}(a, u)``: the inverse of the regularized lower incomplete gamma function
        (``chainrule.scipy.special.gammaincinv``) at a uniform ``u``.  Because the sample
        is the quantile of a fixed ``u``, its derivative in ``a`` is the implicit
        reparameterization gradient ``-(dP/da) / p(x; a)``, with the exact ``dP/da`` of
        ``chainrule.scipy.special.gammainc``; derivatives of every order are available.
        Multiply by a scale (or divide by a rate) for other gamma distributions.

    Examples
    --------
    >>> import chainrule as cr, chainrule.random as random
    >>> k = random.key(0)
    >>> x = random.gamma(k, 3.0, (100_000,))
    >>> bool(abs(x.mean() - 3.0) < 0.05)
    True
    >>> g = cr.grad(lambda a: random.gamma(k, a, (1000,)).mean())(3.0)
    >>> bool(abs(g - 1.0) < 0.1)  # d E[x] / da = 1
    True
    >>> h = cr.grad(cr.grad(lambda a: random.gamma(k, a, (1000,)).mean()))(3.0)
    >>> bool(abs(h) < 0.1)  # d^2 E[x] / da^2 = 0
    True
    """
    dtype = _dtype(dtype, "gamma")
    shape = out_shape(shape, "gamma", a)
    u = cnp.reshape(_keys.unit(key, shape, np.float64, "gamma", open_low=True), shape)
    a = cnp.broadcast_to(cnp.asarray(a, dtype=np.float64), shape)
    return gammaincinv(a, u).astype(dtype)


def beta(key, a, b, shape=None, dtype=None):
    """Beta samples ``X / (X + Y)`` from gammas ``X ~ Gamma(a)``, ``Y ~ Gamma(b)``.

    Differentiable in ``a`` and ``b`` through the gamma samples, to any order.

    Examples
    --------
    >>> import chainrule.random as random
    >>> x = random.beta(random.key(0), 2.0, 3.0, (100_000,))
    >>> bool(abs(x.mean() - 0.4) < 0.01)
    True
    """
    dtype = _dtype(dtype, "beta")
    shape = out_shape(shape, "beta", a, b)
    ka, kb = _keys.split(key)
    x = gamma(ka, a, shape)
    y = gamma(kb, b, shape)
    return (x / (x + y)).astype(dtype)


def dirichlet(key, alpha, shape=None, dtype=None):
    """Dirichlet samples: independent gammas of shapes ``alpha`` divided by their sum.

    Parameters
    ----------
    key : key
    alpha : array_like, shape (..., k)
        Concentrations, positive; differentiable (to any order).
    shape : tuple of int, optional
        Batch shape; the output has shape ``shape + (k,)``.
    dtype : float64 (default) or float32

    Examples
    --------
    >>> import numpy as np, chainrule.random as random
    >>> x = random.dirichlet(random.key(0), np.array([1.0, 2.0, 3.0]), (50_000,))
    >>> bool(np.allclose(x.sum(-1), 1.0) and np.allclose(x.mean(0), [1/6, 2/6, 3/6], atol=0.01))
    True
    """
    dtype = _dtype(dtype, "dirichlet")
    alpha = cnp.asarray(alpha, dtype=np.float64)
    ashape = get_aval(alpha).shape
    if len(ashape) < 1:
        raise ValueError("chainrule.random.dirichlet: `alpha` must have at least one axis")
    shape = _keys.as_shape(shape, "dirichlet")
    batch = ashape[:-1] if shape is None else shape
    if np.broadcast_shapes(batch, ashape[:-1]) != batch:
        raise ValueError(f"chainrule.random.dirichlet: `alpha`'s batch shape {ashape[:-1]} does "
                         f"not broadcast to `shape` {batch}")
    g = gamma(key, alpha, batch + ashape[-1:])
    return (g / cnp.sum(g, axis=-1, keepdims=True)).astype(dtype)


def t(key, df, shape=(), dtype=None):
    """Student's t samples ``z / sqrt(2 g / df)`` with ``z`` normal, ``g ~ Gamma(df / 2)``.

    Differentiable in ``df`` (to any order).

    Examples
    --------
    >>> import chainrule.random as random
    >>> x = random.t(random.key(0), 5.0, (100_000,))
    >>> bool(abs(x.var() - 5.0 / 3.0) < 0.1)
    True
    """
    dtype = _dtype(dtype, "t")
    shape = out_shape(shape, "t", df)
    kz, kg = _keys.split(key)
    z = _standard_normal(kz, shape, np.float64, "t")
    g = gamma(kg, 0.5 * cnp.asarray(df, dtype=np.float64), shape)
    return (z * cnp.sqrt(0.5 * df / g)).astype(dtype)


def orthogonal(key, n, shape=(), dtype=None):
    """Orthogonal matrices drawn from the Haar (uniform) measure.

    Parameters
    ----------
    key : key
    n : int
        Matrix size.
    shape : tuple of int, default ()
        Batch shape; the output has shape ``shape + (n, n)``.
    dtype : float64 (default) or float32

    Returns
    -------
    ndarray
        ``Q`` of the QR factorization of a standard normal matrix, with the signs of the
        columns fixed by the diagonal of ``R`` (Mezzadri 2007), which makes it Haar.

    Examples
    --------
    >>> import numpy as np, chainrule.random as random
    >>> q = random.orthogonal(random.key(0), 3)
    >>> bool(np.allclose(q @ q.T, np.eye(3)))
    True
    """
    dtype = _dtype(dtype, "orthogonal")
    n = _keys._static_int(n, "n", "orthogonal")
    shape = _keys.as_shape(shape, "orthogonal")
    z = _standard_normal(key, shape + (n, n), np.float64, "orthogonal")
    q, r = _np_linalg.qr(z)
    d = cnp.diagonal(r, axis1=-2, axis2=-1)
    signs = cnp.where(d < 0, -1.0, 1.0)
    return (q * signs[..., None, :]).astype(dtype)
