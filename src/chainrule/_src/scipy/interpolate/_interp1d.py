"""``interp1d``: SciPy's legacy 1-D interpolation class, on the interpolators of this
package (linear, nearest, previous, next as piecewise-constant or -linear pieces; quadratic
and cubic as the interpolating splines of that degree, as SciPy builds them)."""

from __future__ import annotations

import numpy as np
import scipy.interpolate as _si

from chainrule._src.numpy import base as cnp

from ._bspline import make_interp_spline
from ._ppoly import checked_when_run, known, traced


class interp1d:
    """``scipy.interpolate.interp1d`` with derivatives in ``y`` (and ``x``) and the query
    points; works under ``jit`` and ``vmap``.

    ``kind`` is ``"linear"``, ``"nearest"``, ``"nearest-up"``, ``"previous"``, ``"next"``,
    ``"zero"``, ``"slinear"``, ``"quadratic"``, ``"cubic"`` or an integer spline degree
    (the splines of ``make_interp_spline``).  ``fill_value`` may be a value, a pair
    ``(below, above)`` or ``"extrapolate"``; ``bounds_error`` raises SciPy's error whenever
    the query values are known (outside ``jit``).

    Examples
    --------
    >>> import numpy as np, chainrule as cr
    >>> from chainrule.scipy.interpolate import interp1d
    >>> f = interp1d(np.array([0.0, 1.0, 2.0]), np.array([0.0, 2.0, 6.0]))
    >>> float(f(1.5)), float(cr.grad(f)(1.5))
    (4.0, 4.0)
    """

    def __init__(self, x, y, kind="linear", axis=-1, copy=True, bounds_error=None,
                 fill_value=np.nan, assume_sorted=False):
        if not traced(x, y, fill_value if not isinstance(fill_value, str) else None):
            self._ref = _si.interp1d(x, y, kind=kind, axis=axis, copy=copy,
                                     bounds_error=bounds_error, fill_value=fill_value,
                                     assume_sorted=assume_sorted)
        else:
            self._ref = None
        x, y = cnp.asarray(x), cnp.asarray(y)
        if isinstance(kind, (int, np.integer)) and not isinstance(kind, bool):
            kind = {0: "zero", 1: "slinear", 2: "quadratic", 3: "cubic"}.get(int(kind), int(kind))
        spline_kind = kind in ("zero", "slinear")
        if spline_kind:
            kind = {"zero": "previous", "slinear": "linear"}[kind]
        self._degree = {"quadratic": 2, "cubic": 3}.get(kind, kind if isinstance(kind, int)
                                                          else None)
        if kind not in ("linear", "nearest", "nearest-up", "previous", "next") and \
                self._degree is None:
            if self._ref is not None:
                self.kind = kind
                return
            raise NotImplementedError(
                f"interp1d(kind={kind!r}) on traced data is not available; use "
                "make_interp_spline or CubicSpline for splines of other degrees")
        if x.ndim != 1:
            raise ValueError("the x array must have exactly one dimension.")
        if y.ndim == 0:
            raise ValueError("the y array must have at least one dimension.")
        axis = axis % y.ndim
        y = cnp.moveaxis(y, axis, 0)
        if x.shape[0] != y.shape[0]:
            raise ValueError("x and y arrays must be equal in length along interpolation "
                             "axis.")
        if not assume_sorted:
            xv = known(x)
            if xv is None:
                raise ValueError("interp1d on traced knots under jit needs assume_sorted=True "
                                 "(the sorting order is not known while staging)")
            order = np.argsort(xv, kind="mergesort")
            x, y = cnp.take(x, order), cnp.take(y, order, axis=0)
        self.x, self.y, self.kind, self.axis = cnp.astype(x, np.float64), y, kind, axis
        self.bounds_error = (fill_value != "extrapolate") if bounds_error is None and \
            isinstance(fill_value, str) else bool(bounds_error) if bounds_error is not None \
            else True
        if isinstance(fill_value, str):
            if fill_value != "extrapolate":
                raise ValueError(f"fill_value={fill_value!r} is not a value or 'extrapolate'")
            if bounds_error:
                raise ValueError("Cannot extrapolate and raise at the same time.")
            self.bounds_error = False
            # SciPy's choice: no value before the first knot for "previous", none after
            # the last for "next".
            self._fill = None if spline_kind or kind not in ("previous", "next") else \
                (np.nan, y[-1]) if kind == "previous" else (y[0], np.nan)
        else:
            self.bounds_error = bool(bounds_error) if bounds_error is not None else True
            if isinstance(fill_value, tuple) and len(fill_value) == 2:
                self._fill = (fill_value[0], fill_value[1])
            else:
                self._fill = (fill_value, fill_value)
        self.fill_value = fill_value
        if self._degree is not None:
            self._spline = make_interp_spline(self.x, y, k=self._degree)

    def _values(self, t):
        x, y, n = self.x, self.y, self.x.shape[0]
        if self._degree is not None:
            return self._spline(t)
        tail = (1,) * (y.ndim - 1)
        if self.kind == "linear":
            i = cnp.clip(cnp.searchsorted(x, t, side="left"), 1, n - 1)
            x0, x1 = cnp.take(x, i - 1), cnp.take(x, i)
            y0, y1 = cnp.take(y, i - 1, axis=0), cnp.take(y, i, axis=0)
            slope = (y1 - y0) / cnp.reshape(x1 - x0, t.shape + tail)
            return slope * cnp.reshape(t - x0, t.shape + tail) + y0
        if self.kind in ("nearest", "nearest-up"):
            mid = x[1:] / 2 + x[:-1] / 2
            side = "left" if self.kind == "nearest" else "right"
            i = cnp.searchsorted(mid, t, side=side)
        elif self.kind == "previous":
            i = cnp.clip(cnp.searchsorted(x, t, side="right") - 1, 0, n - 1)
        else:  # next
            i = cnp.clip(cnp.searchsorted(x, t, side="left"), 0, n - 1)
        return cnp.take(y, i, axis=0)

    def __call__(self, x_new):
        """Interpolated values at ``x_new``: its shape in place of ``axis`` of ``y``."""
        if self._ref is not None and not traced(x_new):
            return self._ref(x_new)
        if not hasattr(self, "x"):
            raise NotImplementedError(f"interp1d(kind={self.kind!r}) at traced points is not "
                                      "available; use make_interp_spline or CubicSpline")
        t = cnp.asarray(x_new, dtype=np.float64)
        if self.bounds_error:
            tv, xv = known(t), known(self.x)
            if tv is not None and xv is not None:
                message = _out_of_range(xv, np.ravel(tv))
                if message is not None:
                    raise ValueError(message)
            else:
                # under jit: the range is checked when the compiled function runs
                n = self.x.shape[0]
                both = checked_when_run(cnp.concatenate([self.x, cnp.ravel(t)]),
                                        lambda v: _out_of_range(v[:n], v[n:]))
                t = cnp.reshape(both[n:], t.shape)
        out = self._values(t)
        tail = (1,) * (self.y.ndim - 1)
        lo, hi = self.x[0], self.x[-1]
        below, above = t < lo, t > hi
        if self._fill is not None:
            out = cnp.where(cnp.reshape(below, t.shape + tail), self._fill[0], out)
            out = cnp.where(cnp.reshape(above, t.shape + tail), self._fill[1], out)
        return cnp.moveaxis(out, tuple(range(t.ndim)),
                            tuple(range(self.axis, self.axis + t.ndim))) if t.ndim else out


def _out_of_range(xv, tv):
    """SciPy's message for query points ``tv`` outside the knots ``xv``, or None."""
    if np.any(tv < xv[0]):
        bad = tv[np.argmax(tv < xv[0])]
        return (f"A value ({bad}) in x_new is below the interpolation range's minimum value "
                f"({xv[0]}).")
    if np.any(tv > xv[-1]):
        bad = tv[np.argmax(tv > xv[-1])]
        return (f"A value ({bad}) in x_new is above the interpolation range's maximum value "
                f"({xv[-1]}).")
    return None
