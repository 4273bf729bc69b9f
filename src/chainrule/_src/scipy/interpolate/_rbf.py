"""Radial basis function interpolation: ``RBFInterpolator`` (all of SciPy's kernels, the
polynomial tail, smoothing), differentiable in the data values, the data sites, the
smoothing, ``epsilon`` and the query points.  The system is solved densely, as SciPy does
without ``neighbors``."""

from __future__ import annotations

import itertools

import numpy as np
import scipy.interpolate as _si

from chainrule._src.numpy import base as cnp
from chainrule._src.numpy import linalg as _np_linalg

from ._ppoly import known, traced

_SCALE_INVARIANT = {"linear", "thin_plate_spline", "cubic", "quintic"}
_MIN_DEGREE = {"multiquadric": 0, "linear": 0, "thin_plate_spline": 1, "cubic": 1,
               "quintic": 2}


def _safe_sqrt(r2):
    """``sqrt(r2)`` with a finite derivative at 0 (where the distance of a site to itself
    is identically 0 and must carry no derivative)."""
    pos = r2 > 0
    return cnp.where(pos, cnp.sqrt(cnp.where(pos, r2, 1.0)), 0.0)


def _kernel(name, r2):
    """The kernel at the scaled distance ``sqrt(r2)``, with SciPy's formulas (the same
    rounding: these systems are often ill-conditioned)."""
    r = _safe_sqrt(r2)
    if name == "gaussian":
        return cnp.exp(-r ** 2)
    if name == "inverse_quadratic":
        return 1.0 / (r ** 2 + 1.0)
    if name == "inverse_multiquadric":
        return 1.0 / cnp.sqrt(r ** 2 + 1.0)
    if name == "multiquadric":
        return -cnp.sqrt(r ** 2 + 1)
    if name == "thin_plate_spline":
        pos = r2 > 0
        return cnp.where(pos, r ** 2 * cnp.log(cnp.where(pos, r, 1.0)), 0.0)
    if name == "linear":
        return -r
    if name == "cubic":
        return r ** 3
    if name == "quintic":
        return -(r ** 5)
    raise ValueError(f"`kernel` must be one of {sorted(_KERNELS)}.")


_KERNELS = set(_MIN_DEGREE) | {"gaussian", "inverse_multiquadric", "inverse_quadratic"}


def _sqdist(a, b):
    diff = a[:, None, :] - b[None, :, :]
    return cnp.sum(diff * diff, axis=-1)


def _powers(ndim, degree):
    out = [p for deg in range(degree + 1)
           for p in itertools.combinations_with_replacement(range(ndim), deg)]
    table = np.zeros((len(out), ndim), dtype=np.int64)
    for row, combo in enumerate(out):
        for var in combo:
            table[row, var] += 1
    return table


def _poly(x, powers):
    if powers.shape[0] == 0:
        return cnp.zeros((x.shape[0], 0))
    return cnp.prod(x[:, None, :] ** cnp.asarray(powers.astype(np.float64)), axis=-1)


class RBFInterpolator:
    """Radial basis function interpolation in any dimension
    (``scipy.interpolate.RBFInterpolator``), differentiable in ``y``, ``d``, ``smoothing``,
    ``epsilon`` and the query points; under ``jit`` and ``vmap`` too.  ``neighbors`` needs
    plain arrays.

    Examples
    --------
    >>> import numpy as np, chainrule as cr
    >>> from chainrule.scipy.interpolate import RBFInterpolator
    >>> y = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, 0.5]])
    >>> d = y[:, 0] + 2 * y[:, 1]
    >>> f = RBFInterpolator(y, d)           # thin-plate spline with a linear tail
    >>> round(float(f(np.array([[0.3, 0.6]]))[0]), 12)
    1.5
    >>> [round(float(g), 12) for g in cr.grad(lambda p: f(p[None])[0])(np.array([0.3, 0.6]))]
    [1.0, 2.0]
    """

    def __init__(self, y, d, neighbors=None, smoothing=0.0, kernel="thin_plate_spline",
                 epsilon=None, degree=None):
        if not traced(y, d, smoothing, epsilon):
            self._ref = _si.RBFInterpolator(y, d, neighbors=neighbors, smoothing=smoothing,
                                            kernel=kernel, epsilon=epsilon, degree=degree)
        else:
            self._ref = None
            if neighbors is not None:
                raise NotImplementedError("RBFInterpolator(neighbors=...) on traced input: "
                                          "use the global interpolant (neighbors=None)")
        y = cnp.astype(cnp.asarray(y), np.float64)
        d = cnp.asarray(d)
        if y.ndim != 2:
            raise ValueError("`y` must be a 2-dimensional array.")
        ny, ndim = y.shape
        if d.shape[0] != ny:
            raise ValueError(f"Expected the first axis of `d` to have length {ny}.")
        if kernel not in _KERNELS:
            raise ValueError(f"`kernel` must be one of {sorted(_KERNELS)}.")
        if epsilon is None:
            if kernel not in _SCALE_INVARIANT:
                raise ValueError("`epsilon` must be specified if `kernel` is not one of "
                                 f"{_SCALE_INVARIANT}.")
            epsilon = 1.0
        min_degree = _MIN_DEGREE.get(kernel, -1)
        degree = max(min_degree, 0) if degree is None else int(degree)
        if degree < -1:
            raise ValueError("`degree` must be at least -1.")
        self.y, self.kernel, self.epsilon = y, kernel, epsilon
        self.d_shape = tuple(d.shape[1:])
        if self._ref is not None:
            return
        dv = known(d)
        if dv is not None and not np.all(np.isfinite(dv)):
            raise ValueError("`d` must contain only finite values.")
        d2 = cnp.reshape(d, (ny, -1))
        d2 = cnp.astype(d2, np.result_type(d2.dtype, np.float64))
        self.powers = _powers(ndim, degree)
        r = self.powers.shape[0]
        mins, maxs = cnp.min(y, axis=0), cnp.max(y, axis=0)
        self.shift = (maxs + mins) / 2
        scale = (maxs - mins) / 2
        self.scale = cnp.where(scale == 0.0, 1.0, scale)
        yeps = y * epsilon
        kmat = _kernel(kernel, _sqdist(yeps, yeps))
        pmat = _poly((y - self.shift) / self.scale, self.powers)
        smooth = cnp.broadcast_to(cnp.astype(cnp.asarray(smoothing), np.float64), (ny,))
        lhs = cnp.concatenate([
            cnp.concatenate([kmat + cnp.diag(smooth), pmat], axis=1),
            cnp.concatenate([pmat.T, cnp.zeros((r, r))], axis=1)], axis=0)
        rhs = cnp.concatenate([d2, cnp.zeros((r, d2.shape[1]), dtype=d2.dtype)], axis=0)
        self._coeffs = _np_linalg.solve(lhs, rhs)

    def __call__(self, x):
        """Values at the points ``x`` of shape ``(Q, ndim)``."""
        if self._ref is not None and not traced(x):
            return self._ref(x)
        x = cnp.astype(cnp.asarray(x), np.float64)
        if x.ndim != 2:
            raise ValueError("`x` must be a 2-dimensional array.")
        if x.shape[1] != self.y.shape[1]:
            raise ValueError(f"Expected the second axis of `x` to have length "
                             f"{self.y.shape[1]}.")
        if self._ref is not None:   # built by SciPy: its coefficients, as arrays
            ref = self._ref
            if ref.neighbors is not None:
                raise NotImplementedError("RBFInterpolator(neighbors=...) at traced points: "
                                          "use the global interpolant (neighbors=None)")
            coeffs, shift, scale = ref._coeffs, ref._shift, ref._scale
            powers, y = ref.powers, ref.y
        else:
            coeffs, shift, scale, powers, y = (self._coeffs, self.shift, self.scale,
                                               self.powers, self.y)
        vec = cnp.concatenate([_kernel(self.kernel, _sqdist(x * self.epsilon,
                                                            y * self.epsilon)),
                               _poly((x - shift) / scale, np.asarray(powers))], axis=1)
        out = vec @ coeffs
        return cnp.reshape(out, (x.shape[0],) + self.d_shape)
