"""``RectBivariateSpline``: the interpolating tensor-product spline on a rectangular grid
(``s=0``), differentiable in the data, the grid and the query points."""

from __future__ import annotations

import functools

import numpy as np
import scipy.interpolate as _si

from chainrule._src.numpy import base as cnp
from chainrule._src.numpy import linalg as _np_linalg

from ._bspline import bspline_basis, collocation_matrix, bspline_derivative, evaluate, not_a_knot
from ._ppoly import checked_when_run, known, traced


def _increasing(name, v):
    return None if np.all(np.diff(v) > 0) else f"{name} must be strictly increasing"


class RectBivariateSpline:
    """Bivariate spline through data on a rectangular mesh
    (``scipy.interpolate.RectBivariateSpline``).  On traced input: interpolation (``s=0``)
    with FITPACK's knots; evaluation outside the mesh uses the nearest boundary value, as
    FITPACK does.

    Examples
    --------
    >>> import numpy as np, chainrule as cr
    >>> from chainrule.scipy.interpolate import RectBivariateSpline
    >>> x, y = np.linspace(0.0, 1.0, 5), np.linspace(0.0, 2.0, 6)
    >>> z = np.add.outer(x ** 2, y)
    >>> f = RectBivariateSpline(x, y, z)
    >>> round(float(f.ev(0.5, 1.5)), 12)
    1.75
    >>> round(float(cr.grad(lambda p: f.ev(p, 1.5))(0.5)), 12)
    1.0
    """

    def __init__(self, x, y, z, bbox=(None,) * 4, kx=3, ky=3, s=0):
        if not traced(x, y, z):
            ref = _si.RectBivariateSpline(x, y, z, bbox=list(bbox), kx=kx, ky=ky, s=s)
            (tx, ty), c = ref.get_knots(), ref.get_coeffs()
            self.tx, self.ty, self.kx, self.ky = tx, ty, kx, ky
            self.c = np.reshape(c, (len(tx) - kx - 1, len(ty) - ky - 1))
            return
        if s != 0 or any(b is not None for b in bbox):
            raise NotImplementedError("RectBivariateSpline on traced input: interpolation "
                                      "only (s=0, default bbox)")
        x = cnp.astype(cnp.asarray(x), np.float64)
        y = cnp.astype(cnp.asarray(y), np.float64)
        z = cnp.asarray(z)
        for name, v in (("x", x), ("y", y)):
            vv = known(v)
            if vv is not None and not np.all(np.diff(vv) > 0):
                raise ValueError(f"{name} must be strictly increasing")
        # under jit the values are checked when the compiled function runs
        if known(x) is None:
            x = checked_when_run(x, functools.partial(_increasing, "x"))
        if known(y) is None:
            y = checked_when_run(y, functools.partial(_increasing, "y"))
        if z.shape != (x.shape[0], y.shape[0]):
            raise ValueError("x dimension of z must have same number of elements as x"
                             if z.shape[0] != x.shape[0] else
                             "y dimension of z must have same number of elements as y")
        self.kx, self.ky = int(kx), int(ky)
        self.tx, self.ty = not_a_knot(x, self.kx), not_a_knot(y, self.ky)
        c = _np_linalg.solve(collocation_matrix(self.tx, self.kx, x), cnp.astype(z, np.float64))
        self.c = _np_linalg.solve(collocation_matrix(self.ty, self.ky, y), c.T).T

    def get_knots(self):
        return self.tx, self.ty

    def get_coeffs(self):
        return cnp.ravel(self.c)

    def __call__(self, x, y, dx=0, dy=0, grid=True):
        """Values (or partial derivatives of orders ``dx``, ``dy``) on the grid ``x`` by
        ``y`` (``grid=True``, both increasing) or at the points ``(x[i], y[i])``."""
        if not traced(self.c, self.tx, self.ty, x, y):
            return self._plain()(x, y, dx=dx, dy=dy, grid=grid)
        x, y = cnp.asarray(x, dtype=np.float64), cnp.asarray(y, dtype=np.float64)
        tx, c, kx = bspline_derivative(self.tx, self.c, self.kx, dx) if dx else \
            (self.tx, self.c, self.kx)
        ty, ct, ky = bspline_derivative(self.ty, c.T, self.ky, dy) if dy else \
            (self.ty, c.T, self.ky)
        c = ct.T
        nx, ny = self.tx.shape[0] - self.kx - 1, self.ty.shape[0] - self.ky - 1
        # FITPACK evaluates outside the mesh at the nearest point of its boundary.
        x = cnp.clip(x, self.tx[self.kx], self.tx[nx])
        y = cnp.clip(y, self.ty[self.ky], self.ty[ny])
        if grid:
            along_x = evaluate(tx, c, kx, cnp.ravel(x), True)           # (Px, ny')
            out = evaluate(ty, along_x.T, ky, cnp.ravel(y), True).T      # (Px, Py)
            return out
        x, y = cnp.broadcast_arrays(x, y)
        shape = x.shape
        along_x = evaluate(tx, c, kx, cnp.ravel(x), True)               # (P, ny')
        i, b = bspline_basis(ty, ky, cnp.ravel(y), True)
        out = 0
        for r in range(ky + 1):
            col = cnp.take_along_axis(along_x, (i - ky + r)[:, None], axis=1)[:, 0]
            out = out + col * b[r]
        return cnp.reshape(out, shape)

    def ev(self, xi, yi, dx=0, dy=0):
        """Values at the points ``(xi[i], yi[i])``."""
        if not traced(self.c, self.tx, self.ty, xi, yi):
            return self._plain().ev(xi, yi, dx, dy)
        return self(xi, yi, dx, dy, grid=False)

    def _plain(self):
        """SciPy's object for these knots and coefficients."""
        ref = object.__new__(_si.RectBivariateSpline)
        ref.tck = (np.asarray(self.tx), np.asarray(self.ty), np.ravel(np.asarray(self.c)))
        ref.degrees = (self.kx, self.ky)
        return ref
