"""B-splines: ``BSpline``, ``make_interp_spline``, ``splrep``/``splev``.

Evaluation finds the knot interval of each point with ``searchsorted`` (no derivative) and
computes the ``k + 1`` nonzero basis functions there by the Cox–de Boor recurrence on
gathered knots, so the value is differentiable in the coefficients, the knots and the
points.  Interpolation solves the collocation system densely (``chainrule.numpy.linalg``):
meant for the hundreds of knots of a typical fit; ``CubicSpline`` is the O(n) choice for
long cubic data.
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.interpolate as _si

from chainrule._src.numpy import base as cnp
from chainrule._src.numpy import linalg as _np_linalg

from ...tree_util import register_pytree_node
from ._ppoly import checked_when_run, known, traced


def bspline_basis(t, k, x, extrapolate):
    """Interval index ``i`` of each point and the values of the ``k + 1`` basis functions
    ``B_{i-k}, ..., B_i`` there (a list of arrays shaped like ``x``)."""
    n = t.shape[0] - k - 1
    i = cnp.clip(cnp.searchsorted(t, x, side="right") - 1, k, n - 1)
    values = [cnp.ones_like(x)]
    left = [None] * (k + 1)
    right = [None] * (k + 1)
    for j in range(1, k + 1):
        left[j] = x - cnp.take(t, i + 1 - j)
        right[j] = cnp.take(t, i + j) - x
        saved = cnp.zeros_like(x)
        new = []
        for r in range(j):
            temp = values[r] / (right[r + 1] + left[j - r])
            new.append(saved + right[r + 1] * temp)
            saved = left[j - r] * temp
        new.append(saved)
        values = new
    return i, values


def evaluate(t, c, k, x, extrapolate):
    """Spline values at ``x`` (any shape): shape ``x.shape + c.shape[1:]``."""
    x = cnp.asarray(x)
    shape = x.shape
    xf = cnp.ravel(cnp.astype(x, np.float64))
    n = t.shape[0] - k - 1
    if extrapolate == "periodic":
        xf = t[k] + cnp.mod(xf - t[k], t[n] - t[k])
        extrapolate = False
    i, b = bspline_basis(t, k, xf, extrapolate)
    tail = (1,) * (c.ndim - 1)
    out = 0
    for r in range(k + 1):
        out = out + cnp.take(c, i - k + r, axis=0) * cnp.reshape(b[r], (-1,) + tail)
    if not extrapolate:
        inside = (xf >= t[k]) & (xf <= t[n])
        out = cnp.where(cnp.reshape(inside, (-1,) + tail), out, np.nan)
    return cnp.reshape(out, shape + tuple(c.shape[1:]))


def bspline_derivative(t, c, k, nu):
    for _ in range(nu):
        n = t.shape[0] - k - 1
        c = c[:n]
        dt = cnp.reshape(t[k + 1:k + n] - t[1:n], (n - 1,) + (1,) * (c.ndim - 1))
        c = (c[1:] - c[:-1]) * k / dt
        t, k = t[1:-1], k - 1
    return t, c, k


class BSpline:
    """Univariate spline in the B-spline basis (``scipy.interpolate.BSpline``),
    differentiable in the knots ``t``, the coefficients ``c`` and the points.

    Examples
    --------
    >>> import numpy as np, chainrule as cr
    >>> from chainrule.scipy.interpolate import BSpline
    >>> b = BSpline(np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0]), np.array([0.0, 1.0, 0.0]), 2)
    >>> float(b(0.5)), float(cr.grad(lambda c: b.construct_fast(b.t, c, 2)(0.5))(b.c)[1])
    (0.5, 0.5)
    """

    def __init__(self, t, c, k, extrapolate=True, axis=0):
        if not traced(t, c):
            ref = _si.BSpline(t, c, k, extrapolate=extrapolate, axis=axis)
            self.t, self.c, self.k = ref.t, ref.c, ref.k
            self.extrapolate, self.axis = ref.extrapolate, ref.axis
            return
        k = int(k)
        t = cnp.astype(cnp.asarray(t), np.float64)
        c = cnp.asarray(c)
        c = cnp.astype(c, np.result_type(c.dtype, np.float64))
        if k < 0:
            raise ValueError("Spline order cannot be negative.")
        if t.ndim != 1:
            raise ValueError("Knot vector must be one-dimensional.")
        n = t.shape[0] - k - 1
        if n < k + 1:
            raise ValueError(f"Need at least {2 * k + 2} knots for degree {k}")
        if c.ndim < 1:
            raise ValueError("Coefficients must be at least 1-dimensional.")
        if c.shape[axis % c.ndim] < n:
            raise ValueError("Knots, coefficients and degree are inconsistent.")
        tv = known(t)
        if tv is not None and np.any(np.diff(tv) < 0):
            raise ValueError("Knots must be in a non-decreasing order.")
        if tv is None:   # under jit: checked when the compiled function runs
            t = checked_when_run(t, _non_decreasing)
        self.axis = axis % c.ndim
        self.t, self.c, self.k = t, cnp.moveaxis(c, self.axis, 0), k
        self.extrapolate = extrapolate

    @classmethod
    def construct_fast(cls, t, c, k, extrapolate=True, axis=0):
        """Build without checks (``c`` with the interpolation axis first)."""
        self = object.__new__(cls)
        self.t, self.c, self.k, self.extrapolate, self.axis = t, c, k, extrapolate, axis
        return self

    @property
    def tck(self):
        return self.t, self.c, self.k

    def _scipy(self):
        return _si.BSpline.construct_fast(np.asarray(self.t), np.asarray(self.c), self.k,
                                          self.extrapolate, self.axis)

    def __call__(self, x, nu=0, extrapolate=None):
        """Values (or ``nu``-th derivatives) at ``x``."""
        if extrapolate is None:
            extrapolate = self.extrapolate
        if not traced(self.t, self.c, x):
            return self._scipy()(x, nu, extrapolate)
        t, c, k = bspline_derivative(self.t, self.c, self.k, nu) if nu else (self.t, self.c, self.k)
        x = cnp.asarray(x)
        out = evaluate(t, c[:t.shape[0] - k - 1], k, x, extrapolate)
        if self.axis:
            order = list(range(out.ndim))
            order = order[x.ndim:x.ndim + self.axis] + order[:x.ndim] + \
                order[x.ndim + self.axis:]
            out = cnp.transpose(out, order)
        return out

    def derivative(self, nu=1):
        """The ``nu``-th derivative, a ``BSpline`` of degree ``k - nu``."""
        if not traced(self.t, self.c):
            ref = self._scipy().derivative(nu)
            return BSpline.construct_fast(ref.t, ref.c, ref.k, ref.extrapolate, ref.axis)
        t, c, k = bspline_derivative(self.t, self.c, self.k, nu)
        return BSpline.construct_fast(t, c, k, self.extrapolate, self.axis)


register_pytree_node(
    BSpline, lambda b: ((b.t, b.c), (b.k, b.extrapolate, b.axis)),
    lambda aux, ch: BSpline.construct_fast(ch[0], ch[1], *aux))


def _non_decreasing(tv):
    return "Knots must be in a non-decreasing order." if np.any(np.diff(tv) < 0) else None


def _finite_data(v):
    return None if np.all(np.isfinite(v)) else "Array must not contain infs or nans."


def _interpolation_sites(check_finite, xv):
    """SciPy's checks (in its order) of ``make_interp_spline``'s ``x``."""
    if check_finite and not np.all(np.isfinite(xv)):
        return "Array must not contain infs or nans."
    if np.any(xv[1:] == xv[:-1]):
        return "Expect x to not have duplicates"
    if np.any(xv[1:] < xv[:-1]):
        return "Expect x to be a 1D strictly increasing sequence."
    return None


def _outside_domain(ends, xv):
    if np.any(xv < ends[0]) or np.any(xv > ends[1]):
        return "Found x value not in the domain"
    return None


def not_a_knot(x, k):
    if k % 2 == 1:
        inner = x[(k + 1) // 2:-((k + 1) // 2)]
    else:
        mid = (x[1:] + x[:-1]) / 2
        inner = mid[k // 2:-(k // 2)]
    return cnp.concatenate([cnp.broadcast_to(x[0], (k + 1,)), inner,
                            cnp.broadcast_to(x[-1], (k + 1,))])


def collocation_matrix(t, k, x):
    """The matrix of basis values ``B_j(x_i)``."""
    n = t.shape[0] - k - 1
    i, b = bspline_basis(t, k, x, True)
    cols = cnp.arange(n)
    out = 0
    for r in range(k + 1):
        out = out + cnp.where((i - k + r)[:, None] == cols[None, :], b[r][:, None], 0.0)
    return out


def make_interp_spline(x, y, k=3, t=None, bc_type=None, axis=0, check_finite=True):
    """Interpolating B-spline of degree ``k`` (``scipy.interpolate.make_interp_spline``),
    differentiable in ``y``, ``x`` and ``t``.  On traced input: ``bc_type`` ``None`` or
    ``"not-a-knot"`` (for derivative conditions use :class:`CubicSpline`), any ``k``.

    Examples
    --------
    >>> import numpy as np, chainrule as cr
    >>> from chainrule.scipy.interpolate import make_interp_spline
    >>> x = np.linspace(0.0, 1.0, 6)
    >>> round(float(make_interp_spline(x, x ** 3)(0.3)), 12)
    0.027
    >>> g = cr.grad(lambda y: make_interp_spline(x, y)(0.3))(x ** 3)
    >>> round(float(g.sum()), 12)
    1.0
    """
    if not traced(x, y, t):
        ref = _si.make_interp_spline(x, y, k=k, t=t, bc_type=bc_type, axis=axis,
                                     check_finite=check_finite)
        return BSpline.construct_fast(ref.t, ref.c, ref.k, ref.extrapolate, ref.axis)
    if bc_type not in (None, "not-a-knot"):
        raise NotImplementedError(
            f"make_interp_spline(bc_type={bc_type!r}) on traced input is not available; "
            "CubicSpline takes every boundary condition")
    x, y = cnp.astype(cnp.asarray(x), np.float64), cnp.asarray(y)
    y = cnp.astype(y, np.result_type(y.dtype, np.float64))
    axis = axis % y.ndim
    y = cnp.moveaxis(y, axis, 0)
    xv, yv = known(x), known(y)
    # SciPy's checks and messages.
    if check_finite and any(v is not None and not np.all(np.isfinite(v)) for v in (xv, yv)):
        raise ValueError("Array must not contain infs or nans.")
    if x.ndim != 1 or x.shape[0] != y.shape[0]:
        raise ValueError(f"Shapes of x {x.shape} and y {y.shape} are incompatible")
    if xv is not None and np.any(xv[1:] == xv[:-1]):
        raise ValueError("Expect x to not have duplicates")
    if xv is not None and np.any(xv[1:] < xv[:-1]):
        raise ValueError("Expect x to be a 1D strictly increasing sequence.")
    # under jit the values are checked when the compiled function runs
    if check_finite and yv is None:
        y = checked_when_run(y, _finite_data)
    if xv is None:
        x = checked_when_run(x, functools.partial(_interpolation_sites, check_finite))
    k = int(k)
    if k == 0:
        t = cnp.concatenate([x, x[-1:]])
        return BSpline.construct_fast(t, y, 0, True, axis)
    if k == 1 and t is None:
        t = cnp.concatenate([x[:1], x, x[-1:]])
        return BSpline.construct_fast(t, y, 1, True, axis)
    t = not_a_knot(x, k) if t is None else cnp.astype(cnp.asarray(t), np.float64)
    n = x.shape[0]
    if t.shape[0] != n + k + 1:
        raise ValueError(f"Got {t.shape[0]} knots, need {n + k + 1}.")
    a = collocation_matrix(t, k, x)
    c = cnp.reshape(_np_linalg.solve(a, cnp.reshape(y, (n, -1))), y.shape)
    return BSpline.construct_fast(t, c, k, True, axis)


def splrep(x, y, w=None, xb=None, xe=None, k=3, task=0, s=None, t=None, full_output=0,
           per=0, quiet=1):
    """B-spline representation ``(t, c, k)`` of data (``scipy.interpolate.splrep``).  On
    traced input: interpolation (``s=0``, or ``s=None`` with no weights), whose knots are
    FITPACK's (the not-a-knot ones); the coefficients carry ``k + 1`` trailing zeros as
    FITPACK's do.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.scipy.interpolate import splev, splrep
    >>> x = np.linspace(0.0, 1.0, 7)
    >>> round(float(splev(0.25, splrep(x, x ** 2, s=0))), 12)
    0.0625
    """
    if not traced(x, y, w, t):
        return _si.splrep(x, y, w=w, xb=xb, xe=xe, k=k, task=task, s=s, t=t,
                          full_output=full_output, per=per, quiet=quiet)
    if (s not in (None, 0)) or w is not None or t is not None or per or task or full_output:
        raise NotImplementedError("splrep on traced input: interpolation only (s=0, no "
                                  "weights, knots, periodicity or full_output)")
    b = make_interp_spline(x, y, k=k)
    return b.t, cnp.concatenate([b.c, cnp.zeros(k + 1, dtype=b.c.dtype)]), k


def splev(x, tck, der=0, ext=0):
    """Values of a B-spline ``tck`` (or a :class:`BSpline`) at ``x``
    (``scipy.interpolate.splev``); ``ext`` 0 (extrapolate), 1 (zero), 2 (raise, when the
    points are known) or 3 (the boundary value).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.scipy.interpolate import splev
    >>> t = np.array([0.0, 0.0, 1.0, 1.0])
    >>> float(splev(0.25, (t, np.array([0.0, 2.0, 0.0, 0.0]), 1)))
    0.5
    """
    if isinstance(tck, BSpline):
        t, c, k = tck.tck
    else:
        t, c, k = tck
    if not traced(t, c, x):
        return _si.splev(x, (t, c, k), der=der, ext=ext)
    t = cnp.asarray(t)
    n = t.shape[0] - k - 1
    spline = BSpline.construct_fast(t, cnp.asarray(c)[:n], k, True, 0)
    x = cnp.asarray(x)
    lo, hi = t[k], t[n]
    if ext == 2:
        xv, lov, hiv = known(x), known(lo), known(hi)
        if xv is not None and lov is not None and hiv is not None:
            message = _outside_domain(np.stack([lov, hiv]), xv)
            if message is not None:
                raise ValueError(message)
        else:
            # under jit: the domain is checked when the compiled function runs
            both = checked_when_run(
                cnp.concatenate([cnp.stack([lo, hi]), cnp.ravel(cnp.astype(x, lo.dtype))]),
                lambda v: _outside_domain(v[:2], v[2:]))
            x = cnp.reshape(both[2:], x.shape)
    if ext == 3:
        x = cnp.clip(x, lo, hi)
    out = spline(x, der)
    if ext == 1:
        out = cnp.where((x < lo) | (x > hi), 0.0, out)
    return out
