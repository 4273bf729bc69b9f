"""Interpolation on a regular (rectilinear) grid: ``RegularGridInterpolator`` and
``interpn``, linear and nearest-neighbour, differentiable in the values, the grid
coordinates and the query points."""

from __future__ import annotations

import functools
import itertools

import numpy as np
import scipy.interpolate as _si

from chainrule._src.numpy import base as cnp
from chainrule._src.numpy import linalg as _np_linalg

from ._bspline import bspline_basis, collocation_matrix, not_a_knot
from ._ppoly import checked_when_run, known, traced

_METHODS = ("linear", "nearest", "slinear", "cubic", "quintic")
_SPLINE_DEGREE = {"cubic": 3, "quintic": 5}


def _ascending(i, pv):
    if np.all(np.diff(pv) > 0):
        return None
    if pv.size > 1 and np.all(np.diff(pv) < 0):
        return (f"The points in dimension {i} must be strictly ascending when traced by jit "
                "(descending ones are flipped, as SciPy does, where their values are known: "
                "outside jit or under grad/jvp)")
    return f"The points in dimension {i} must be strictly ascending or descending"


def _out_of_bounds(ends, xv):
    """SciPy's message for points ``xv`` (P, d) outside the grid's ``ends``, or None."""
    for i, (lo, hi) in enumerate(ends):
        if not np.logical_and(np.all(lo <= xv[:, i]), np.all(xv[:, i] <= hi)):
            return f"One of the requested xi is out of bounds in dimension {i}"
    return None


def _tensor_spline(grid, values, xi, k):
    """Values at the points ``xi`` (P, d) of the tensor-product not-a-knot spline of degree
    ``k`` through ``values`` on ``grid``: one 1-D interpolation per dimension, as SciPy's
    ``RegularGridInterpolator`` does for its spline methods."""
    arr = values
    for j, g in enumerate(grid):
        n = g.shape[0]
        t = not_a_knot(g, k)
        a = collocation_matrix(t, k, g)
        if j:  # (P, n_j, ...) -> (n_j, P, ...)
            arr = cnp.moveaxis(arr, 1, 0)
        c = cnp.reshape(_np_linalg.solve(a, cnp.reshape(arr, (n, -1))), arr.shape)
        i, b = bspline_basis(t, k, xi[:, j], True)
        out = 0
        for r in range(k + 1):
            if j == 0:
                term = cnp.take(c, i - k + r, axis=0)            # (P, rest...)
            else:
                idx = cnp.reshape(i - k + r, (1, -1) + (1,) * (c.ndim - 2))
                term = cnp.take_along_axis(c, cnp.broadcast_to(idx, (1,) + tuple(c.shape[1:])),
                                           axis=0)[0]
            out = out + term * cnp.reshape(b[r], (-1,) + (1,) * (term.ndim - 1))
        arr = out
    return arr


class RegularGridInterpolator:
    """``scipy.interpolate.RegularGridInterpolator`` with derivatives, under ``jit`` and
    ``vmap`` too.  Methods ``"linear"`` (= ``"slinear"``), ``"nearest"``, ``"cubic"`` and
    ``"quintic"`` (tensor-product not-a-knot splines) on traced inputs; ``"pchip"`` on plain
    arrays only.

    Examples
    --------
    >>> import numpy as np, chainrule as cr
    >>> from chainrule.scipy.interpolate import RegularGridInterpolator
    >>> g = (np.array([0.0, 1.0]), np.array([0.0, 1.0, 2.0]))
    >>> values = np.add.outer(g[0], 10 * g[1])
    >>> f = RegularGridInterpolator(g, values)
    >>> f(np.array([[0.5, 1.5]]))
    array([15.5])
    >>> [float(v) for v in cr.grad(lambda p: f(p)[0])(np.array([0.5, 1.5]))]
    [1.0, 10.0]
    """

    def __init__(self, points, values, method="linear", bounds_error=True,
                 fill_value=np.nan, *, solver=None, solver_args=None):
        points = tuple(points)
        self.method, self.bounds_error, self.fill_value = method, bounds_error, fill_value
        if not traced(values, fill_value, *points):
            if solver is None and method in _SPLINE_DEGREE:
                # SciPy's default solver is iterative and stops near 1e-6; a direct solve
                # gives the spline itself, the function that traced inputs differentiate.
                import scipy.sparse.linalg
                solver = scipy.sparse.linalg.spsolve
            self._ref = _si.RegularGridInterpolator(points, values, method=method,
                                                    bounds_error=bounds_error,
                                                    fill_value=fill_value, solver=solver,
                                                    solver_args=solver_args)
        else:
            self._ref = None
        if method not in _METHODS + ("cubic", "quintic", "pchip", "slinear"):
            raise ValueError(f"Method '{method}' is not defined")
        values = cnp.asarray(values)
        if len(points) > values.ndim:
            raise ValueError(f"There are {len(points)} point arrays, but values has "
                             f"{values.ndim} dimensions")
        grid = []
        for i, p in enumerate(points):
            p = cnp.astype(cnp.asarray(p), np.float64)
            if p.ndim != 1:
                raise ValueError(f"The points in dimension {i} must be 1-dimensional")
            if p.shape[0] != values.shape[i]:
                raise ValueError(f"There are {p.shape[0]} points and {values.shape[i]} "
                                 f"values in dimension {i}")
            pv = known(p)
            if pv is not None and pv.size > 1 and np.all(np.diff(pv) < 0):
                # SciPy's way with a descending grid: the same interpolant on the flipped axis
                p, values, pv = cnp.flip(p), cnp.flip(values, axis=i), pv[::-1]
            if pv is not None and not np.all(np.diff(pv) > 0):
                raise ValueError(f"The points in dimension {i} must be strictly ascending "
                                 "or descending")
            if pv is None:   # under jit: checked when the compiled function runs
                p = checked_when_run(p, functools.partial(_ascending, i))
            grid.append(p)
        vv = known(values)
        if fill_value is not None and not traced(fill_value) and \
                np.asarray(fill_value).dtype.kind == "c" and values.dtype.kind != "c":
            raise ValueError("fill_value must be either 'None' or of a type compatible with "
                             "values")
        del vv
        self.grid, self.values = tuple(grid), values

    def __call__(self, xi, method=None, *, nu=None):
        """Values at ``xi`` of shape ``(..., ndim)``."""
        method = self.method if method is None else method
        shape_xi = None if isinstance(xi, tuple) else np.shape(xi)
        if shape_xi is not None and len(shape_xi) == 1 and shape_xi[0] % len(self.grid):
            # SciPy reads a flat xi as points of ndim coordinates; a length that is not a
            # multiple of ndim fails inside its Cython reshape.
            raise ValueError(f"The requested sample point xi has {shape_xi[0]} coordinates "
                             f"but this RegularGridInterpolator has dimension "
                             f"{len(self.grid)}; pass points of shape (..., {len(self.grid)})")
        if self._ref is not None and not traced(xi):
            return self._ref(xi, method=method, nu=nu)
        if method not in _METHODS:
            raise NotImplementedError(
                f"RegularGridInterpolator(method={method!r}) on traced inputs is not "
                "available; use 'linear', 'nearest', 'cubic' or 'quintic'")
        if method in _SPLINE_DEGREE:
            k = _SPLINE_DEGREE[method]
            for i, g in enumerate(self.grid):
                if g.shape[0] <= k:
                    raise ValueError(f"There are {g.shape[0]} points in dimension {i}, but "
                                     f"method {method} requires at least {k + 1} points per "
                                     "dimension.")
        if nu is not None and any(nu):
            raise NotImplementedError("nu on traced inputs: differentiate with chainrule "
                                      "instead (grad or jacobian of the interpolant)")
        ndim = len(self.grid)
        xi = cnp.astype(cnp.asarray(xi), np.float64)
        if xi.ndim == 1 and ndim > 1:  # one point, as SciPy reads it
            xi = xi[None]
        if xi.ndim == 0 or xi.shape[-1] != ndim:
            raise ValueError(f"The requested sample points xi have dimension "
                             f"{xi.shape[-1]} but this RegularGridInterpolator has "
                             f"dimension {ndim}")
        shape = xi.shape[:-1]
        xi = cnp.reshape(xi, (-1, ndim))
        if self.bounds_error:
            xv, gvs = known(xi), [known(g) for g in self.grid]
            if xv is not None and all(gv is not None for gv in gvs):
                message = _out_of_bounds([(gv[0], gv[-1]) for gv in gvs], xv)
                if message is not None:
                    raise ValueError(message)
            else:
                # under jit: the bounds are checked when the compiled function runs
                ends = cnp.stack([cnp.stack([g[0], g[-1]]) for g in self.grid])
                m = 2 * ndim
                both = checked_when_run(
                    cnp.concatenate([cnp.ravel(ends), cnp.ravel(xi)]),
                    lambda v: _out_of_bounds(v[:m].reshape(ndim, 2), v[m:].reshape(-1, ndim)))
                xi = cnp.reshape(both[m:], xi.shape)
        idx, wts, outside = [], [], None
        for i, g in enumerate(self.grid):
            t = xi[:, i]
            j = cnp.clip(cnp.searchsorted(g, t) - 1, 0, g.shape[0] - 2)
            w = (t - cnp.take(g, j)) / (cnp.take(g, j + 1) - cnp.take(g, j))
            idx.append(j)
            wts.append(w)
            out_i = (t < g[0]) | (t > g[-1])
            outside = out_i if outside is None else outside | out_i
        trail = tuple(self.values.shape[ndim:])
        flat = cnp.reshape(self.values, (-1,) + trail)
        strides = np.cumprod((1,) + tuple(self.values.shape[:ndim][::-1]))[:ndim][::-1]
        tail = (1,) * len(trail)
        if method in _SPLINE_DEGREE:
            out = _tensor_spline(self.grid, self.values, xi, _SPLINE_DEGREE[method])
        elif method == "nearest":
            pos = sum(cnp.where(w <= 0.5, j, j + 1) * int(s)
                      for j, w, s in zip(idx, wts, strides))
            out = cnp.take(flat, pos, axis=0)
        else:
            out = 0
            for corner in itertools.product((0, 1), repeat=ndim):
                pos = sum((j + c) * int(s) for j, c, s in zip(idx, corner, strides))
                weight = 1
                for w, c in zip(wts, corner):
                    weight = weight * (w if c else 1 - w)
                out = out + cnp.take(flat, pos, axis=0) * cnp.reshape(weight, (-1,) + tail)
        if self.fill_value is not None:
            out = cnp.where(cnp.reshape(outside, (-1,) + tail), self.fill_value, out)
        return cnp.reshape(out, shape + trail)


def interpn(points, values, xi, method="linear", bounds_error=True, fill_value=np.nan):
    """``scipy.interpolate.interpn``: ``RegularGridInterpolator(points, values, ...)(xi)``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.scipy.interpolate import interpn
    >>> float(interpn((np.array([0.0, 2.0]),), np.array([1.0, 5.0]), np.array([[0.5]]))[0])
    2.0
    """
    if not traced(values, xi, fill_value, *points) and method not in _SPLINE_DEGREE:
        return _si.interpn(points, values, xi, method=method, bounds_error=bounds_error,
                           fill_value=fill_value)
    xi = cnp.asarray(xi)
    ndim = len(tuple(points))
    if xi.ndim == 1 and ndim > 1 and xi.shape[0] == ndim:
        xi = xi[None]
    return RegularGridInterpolator(points, values, method=method, bounds_error=bounds_error,
                                   fill_value=fill_value)(xi)
