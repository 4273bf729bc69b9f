"""Piecewise polynomials in the local power basis: the representation behind every 1-D
interpolator of this package (``scipy.interpolate.PPoly``'s layout).

On interval ``i`` (``x[i] <= t < x[i+1]``) the value is ``sum_j c[j, i] (t - x[i])**(k-1-j)``.
Evaluation finds ``i`` with :func:`chainrule.numpy.searchsorted` (an integer, no derivative)
and evaluates the polynomial by Horner's rule on the gathered coefficients, so the result is
differentiable in the coefficients, the breakpoints and the query points, and has a fixed
shape under ``jit`` and ``vmap``.  Outside every transform the work is SciPy's own.
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.interpolate as _si

from chainrule._src.numpy import base as cnp

from ...core import is_tracer, concrete_value
from ...tree_util import register_pytree_node
from .._checks import checked_when_run


def traced(*xs) -> bool:
    """Whether any of ``xs`` is a traced value (then SciPy cannot do the work)."""
    return any(is_tracer(x) for x in xs)


def known(x):
    """The concrete values behind ``x`` (plain, or under differentiation), else None."""
    return concrete_value(x) if is_tracer(x) else np.asarray(x)


def check_data(x, y, axis=0, complex_ok=True):
    """SciPy's checks (and error messages) for 1-D interpolation data; ``x`` as float64,
    ``y`` with ``axis`` moved first.  Value checks run whenever the values are known."""
    x, y = cnp.asarray(x), cnp.asarray(y)
    if cnp.iscomplexobj(x):
        raise ValueError("`x` must contain real values.")
    x = cnp.astype(x, np.float64)
    y = cnp.astype(y, np.complex128 if cnp.iscomplexobj(y) else np.float64)
    if not complex_ok and cnp.iscomplexobj(y):
        raise ValueError("`y` must contain real values.")
    if y.ndim == 0:
        raise ValueError("`y` must be at least 1-dimensional.")
    axis = axis % y.ndim
    if x.ndim != 1:
        raise ValueError("`x` must be 1-dimensional.")
    if x.shape[0] < 2:
        raise ValueError("`x` must contain at least 2 elements.")
    if x.shape[0] != y.shape[axis]:
        raise ValueError(f"The length of `y` along `axis`={axis} doesn't match the length of `x`")
    xv, yv = known(x), known(y)
    if xv is not None and not np.all(np.isfinite(xv)):
        raise ValueError("`x` must contain only finite values.")
    if yv is not None and not np.all(np.isfinite(yv)):
        raise ValueError("`y` must contain only finite values.")
    if xv is not None and np.any(np.diff(xv) <= 0):
        raise ValueError("`x` must be strictly increasing sequence.")
    if xv is None:
        x = checked_when_run(x, _finite_increasing)
    if yv is None:
        y = checked_when_run(y, _finite_y)
    return x, cnp.moveaxis(y, axis, 0), axis


def _finite_y(yv):
    return None if np.all(np.isfinite(yv)) else "`y` must contain only finite values."


def _finite_increasing(xv):
    if not np.all(np.isfinite(xv)):
        return "`x` must contain only finite values."
    if np.any(np.diff(xv) <= 0):
        return "`x` must be strictly increasing sequence."
    return None


def column(v, ndim):
    """``v`` (1-D) shaped to broadcast against arrays of ``ndim`` dimensions along axis 0."""
    return cnp.reshape(v, (v.shape[0],) + (1,) * (ndim - 1))


def hermite_coefficients(x, y, s):
    """Power-basis coefficients ``(4, n-1, ...)`` of the cubic Hermite interpolant of values
    ``y`` and slopes ``s`` at ``x`` (the same formulas as SciPy's ``CubicHermiteSpline``)."""
    dx = column(cnp.diff(x), y.ndim)
    slope = cnp.diff(y, axis=0) / dx
    t = (s[:-1] + s[1:] - 2 * slope) / dx
    return cnp.stack([t / dx, (slope - s[:-1]) / dx - t, s[:-1], y[:-1]])


def _horner(c, d):
    """``sum_j c[j] d**(k-1-j)`` over the leading axis of ``c``."""
    out = c[0]
    for j in range(1, len(c)):
        out = out * d + c[j]
    return out


def _uniform_step(x):
    """The spacing of breakpoints known to be equally spaced (to rounding), else None."""
    if is_tracer(x):
        return None
    x = np.asarray(x)
    if x.shape[0] < 3:
        return None
    h = (x[-1] - x[0]) / (x.shape[0] - 1)
    d = np.diff(x)
    return float(h) if h > 0 and np.all(np.abs(d - h) <= 1e-12 * h) else None


MAX_BUCKET_STEPS = 3
"""Most comparisons that :func:`interval_index` makes after its bucket table's guess;
breakpoints clustered more tightly than a table resolves are searched by bisection."""


def _bucket(v, x0, width):
    """The bucket of each value: one formula for the breakpoints and the query points (the
    same floating-point operations, so the same monotone function of the value)."""
    return cnp.floor((v - x0) / width)


@functools.lru_cache(maxsize=64)
def _bucket_table(key, n):
    """For breakpoints ``x`` known in advance (``key = x.tobytes()``): ``(lut, width,
    steps)`` where ``lut[b]`` is the last piece whose left breakpoint lies in a bucket
    before ``b`` (equal buckets over ``[x[0], x[-1]]``) and ``steps`` the most breakpoints
    in one bucket; or None where no table of at most 64 buckets per piece keeps ``steps``
    small.  A point in bucket ``b`` lies in piece ``lut[b]`` or in one of the next
    ``steps``: the bucket function is monotone, so every breakpoint of an earlier bucket
    is below the point, and only those of its own bucket can be above it."""
    x = np.frombuffer(key, dtype=np.float64, count=n)
    m = n - 1
    x0, span = float(x[0]), float(x[-1] - x[0])
    if not (np.isfinite(span) and span > 0):
        return None
    for per_piece in (2, 8, 64):
        width = span / (per_piece * m)
        bx = _bucket(x, x0, width).astype(np.int64)
        steps = int(np.max(np.unique(bx, return_counts=True)[1]))
        if steps <= MAX_BUCKET_STEPS:
            lut = np.clip(np.searchsorted(bx, np.arange(bx[-1] + 1), side="left") - 1,
                          0, m - 1)
            return lut, width, steps
    return None


def interval_index(x, t):
    """``clip(searchsorted(x, t, side="right") - 1, 0, len(x) - 2)``: the piece of each
    point.  For breakpoints known in advance it is computed by division and corrected by
    comparisons, which gives the same integers as the binary search (for every point but
    NaN, whose value is NaN in any piece) in a fraction of its time: equally spaced ones
    (``linspace`` grids) need one comparison on each side, others a table of equal buckets
    and a few comparisons upwards."""
    m = x.shape[0] - 1
    h = _uniform_step(x)
    table = None
    if h is None and not is_tracer(x) and x.shape[0] >= 3 and x.dtype == np.float64:
        table = _bucket_table(np.ascontiguousarray(x).tobytes(), x.shape[0])
    if h is None and table is None:
        return cnp.clip(cnp.searchsorted(x, t, side="right") - 1, 0, m - 1)
    if table is not None:
        lut, width, steps = table
        b = _bucket(t, float(x[0]), width)
        b = cnp.astype(cnp.clip(cnp.where(b == b, b, 0), 0, lut.shape[0] - 1), np.int64)
        i = cnp.take(lut, b)
    else:
        guess = cnp.floor((t - float(x[0])) / h)
        i = cnp.astype(cnp.clip(cnp.where(guess == guess, guess, m - 1), 0, m - 1), np.int64)
        # Rounding in the division may put a point one piece too far.
        i = cnp.where((t < cnp.take(x, i)) & (i > 0), i - 1, i)
        steps = 1
    for _ in range(steps):
        i = cnp.where((t >= cnp.take(x, cnp.minimum(i + 1, m))) & (i < m - 1), i + 1, i)
    return i


def evaluate(c, x, xq, extrapolate, descending=False):
    """Values at ``xq`` (any shape) of the piecewise polynomial ``(c, x)``; result shape
    ``xq.shape + c.shape[2:]``.  ``descending``: the breakpoints decrease (SciPy's
    intervals ``x[i+1] < t <= x[i]``)."""
    xq = cnp.asarray(xq)
    shape = xq.shape
    t = cnp.ravel(cnp.astype(xq, np.float64))
    if extrapolate == "periodic":
        t = x[0] + cnp.mod(t - x[0], x[-1] - x[0])
        extrapolate = False
    # The interval index carries no derivative; the offset from its left end carries it.
    # Decreasing breakpoints: x[i+1] < t <= x[i] is -x[i] <= -t < -x[i+1].
    i = interval_index(-x, -t) if descending else interval_index(x, t)
    d = column(t - cnp.take(x, i), c.ndim - 1)
    if c.ndim == 2:
        # One 1-D gather per coefficient: their transposes (the reverse pass) are 1-D
        # scatter-adds, several times faster in NumPy than one along an axis of a matrix.
        out = _horner([cnp.take(c[j], i) for j in range(c.shape[0])], d)
    else:
        out = _horner(cnp.take(c, i, axis=1), d)
    if c.shape[0] == 1:  # constant pieces never touch the offset: NaN points stay NaN
        out = cnp.where(column(t != t, out.ndim), np.nan, out)
    if not extrapolate:
        lo, hi = (x[-1], x[0]) if descending else (x[0], x[-1])
        inside = column((t >= lo) & (t <= hi), out.ndim)
        out = cnp.where(inside, out, np.nan)
    return cnp.reshape(out, shape + tuple(c.shape[2:]))


def derivative_coefficients(c, nu):
    """Coefficients of the ``nu``-th derivative (order drops by ``nu``; at least 1)."""
    k = c.shape[0]
    if nu >= k:
        return cnp.zeros((1,) + tuple(c.shape[1:]), dtype=c.dtype)
    for _ in range(nu):
        k = c.shape[0]
        powers = column(cnp.asarray(np.arange(k - 1, 0, -1, dtype=np.float64)), c.ndim)
        c = c[:-1] * powers
    return c


def antiderivative_coefficients(c, x, nu):
    """Coefficients of the ``nu``-th antiderivative, zero at ``x[0]`` and continuous."""
    for _ in range(nu):
        k = c.shape[0]
        scale = column(cnp.asarray(np.arange(k, 0, -1, dtype=np.float64)), c.ndim)
        lead = c / scale
        h = column(cnp.diff(x), c.ndim - 1)
        # The integral over each whole interval; the constant on interval i is their sum so far.
        whole = _horner(cnp.concatenate([lead, cnp.zeros_like(lead[:1])]), h)
        const = cnp.concatenate([cnp.zeros_like(whole[:1]), cnp.cumsum(whole[:-1], axis=0)])
        c = cnp.concatenate([lead, const[None]])
    return c


def _move_query_axes(out, xq_ndim, axis):
    """Put the query dimensions of ``out`` at ``axis`` of the data dimensions (SciPy's order)."""
    if axis == 0:
        return out
    order = list(range(out.ndim))
    order = order[xq_ndim:xq_ndim + axis] + order[:xq_ndim] + order[xq_ndim + axis:]
    return cnp.transpose(out, order)


class PPoly:
    """Piecewise polynomial in the local power basis, as ``scipy.interpolate.PPoly``.

    ``c`` has shape ``(k, m, ...)`` (order ``k``, ``m`` intervals) and ``x`` holds the
    ``m + 1`` breakpoints, increasing or (as SciPy allows) decreasing.  Both may be traced:
    evaluation is differentiable in ``c``, ``x`` and the query points, under ``jit`` and
    ``vmap`` too.  Which way the breakpoints go must be known when the ``PPoly`` is built:
    breakpoints traced by ``jit`` must increase, which the compiled function checks when it
    runs (a ``ValueError`` otherwise).

    Examples
    --------
    >>> import numpy as np, chainrule as cr
    >>> from chainrule.scipy.interpolate import PPoly
    >>> p = PPoly(np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([0.0, 1.0, 2.0]))
    >>> p(np.array([0.5, 1.5]))
    array([0.5, 2. ])
    >>> float(cr.grad(lambda t: p(t))(1.5))
    2.0
    """

    def __init__(self, c, x, extrapolate=None, axis=0):
        c, x = cnp.asarray(c), cnp.asarray(x)
        if traced(c, x):
            if c.ndim < 2:
                raise ValueError("Coefficients array must be at least 2-dimensional.")
            if x.ndim != 1 or x.shape[0] != c.shape[1] + 1:
                raise ValueError("x and c have incompatible shapes")
            xv = known(x)
            if xv is not None:
                dx = np.diff(xv)
                if not (np.all(dx >= 0) or np.all(dx <= 0)):
                    raise ValueError("`x` must be strictly increasing or decreasing.")
                self.descending = bool(np.any(dx < 0))
            else:
                x = checked_when_run(x, _increasing_under_jit)
            self.axis = axis % (c.ndim - 1)
            if self.axis:  # SciPy's layout: (..., k, m, ...) with k at ``axis``
                c = cnp.moveaxis(cnp.moveaxis(c, self.axis + 1, 0), self.axis + 1, 0)
            self.c = cnp.astype(c, np.result_type(c.dtype, np.float64))
            self.x = cnp.astype(x, np.float64)
        else:
            ref = _si.PPoly(c, x, extrapolate=extrapolate, axis=axis)
            self.c, self.x, self.axis = ref.c, ref.x, ref.axis
        self.extrapolate = True if extrapolate is None else extrapolate

    descending = False
    """Whether the breakpoints decrease (known when the piecewise polynomial is built)."""

    @classmethod
    def construct_fast(cls, c, x, extrapolate=None, axis=0):
        """Build without checks from coefficients ``(k, m, ...)`` and breakpoints."""
        self = object.__new__(cls)
        self.c, self.x = c, x
        self.extrapolate = True if extrapolate is None else extrapolate
        self.axis = axis
        xv = known(x)
        if xv is not None and xv.ndim == 1 and xv.shape[0] > 1 and xv[-1] < xv[0]:
            self.descending = True
        return self

    def _like(self, c, extrapolate):
        """A piecewise polynomial on the same breakpoints, going the same way."""
        out = PPoly.construct_fast(c, self.x, extrapolate, self.axis)
        out.descending = self.descending
        return out

    def _scipy(self):
        return _si.PPoly.construct_fast(np.asarray(self.c), np.asarray(self.x),
                                        self.extrapolate, self.axis)

    def __call__(self, x, nu=0, extrapolate=None):
        """Values (or ``nu``-th derivatives) at ``x``; shape: ``x``'s shape at ``axis``."""
        if extrapolate is None:
            extrapolate = self.extrapolate
        if not traced(self.c, self.x, x):
            return self._scipy()(x, nu, extrapolate)
        if nu < 0:
            return self.antiderivative(-nu)(x, extrapolate=extrapolate)
        c = derivative_coefficients(self.c, nu) if nu else self.c
        xq = cnp.asarray(x)
        out = evaluate(c, self.x, xq, extrapolate, self.descending)
        return _move_query_axes(out, xq.ndim, self.axis)

    def derivative(self, nu=1):
        """The ``nu``-th derivative, as a piecewise polynomial of the same class family."""
        if nu < 0:
            return self.antiderivative(-nu)
        return self._like(derivative_coefficients(self.c, nu) if nu else self.c,
                          self.extrapolate)

    def antiderivative(self, nu=1):
        """The ``nu``-th antiderivative, zero at ``x[0]`` (periodic extrapolation is dropped,
        as in SciPy)."""
        if nu <= 0:
            return self.derivative(-nu)
        extrapolate = False if self.extrapolate == "periodic" else self.extrapolate
        if not traced(self.c, self.x):
            ref = self._scipy().antiderivative(nu)
            return PPoly.construct_fast(ref.c, ref.x, extrapolate, self.axis)
        return self._like(antiderivative_coefficients(self.c, self.x, nu), extrapolate)

    def integrate(self, a, b, extrapolate=None):
        """Definite integral from ``a`` to ``b`` (differentiable in both limits)."""
        if extrapolate is None:
            extrapolate = self.extrapolate
        if not traced(self.c, self.x, a, b):
            return self._scipy().integrate(a, b, extrapolate)
        anti = antiderivative_coefficients(self.c, self.x, 1)
        a, b = cnp.asarray(a, dtype=np.float64), cnp.asarray(b, dtype=np.float64)
        if extrapolate != "periodic":
            fa = evaluate(anti, self.x, a, extrapolate, self.descending)
            fb = evaluate(anti, self.x, b, extrapolate, self.descending)
            out = fb - fa
        elif self.descending:
            raise NotImplementedError(
                "PPoly.integrate: periodic extrapolation with decreasing breakpoints is not "
                "supported on traced input; reverse the breakpoints (and re-expand the "
                "coefficients) or integrate plain arrays (SciPy's own)")
        else:
            xs, xe = self.x[0], self.x[-1]
            period = xe - xs
            sign = cnp.where(b < a, -1.0, 1.0)
            lo, hi = cnp.minimum(a, b), cnp.maximum(a, b)
            n_periods = cnp.floor((hi - lo) / period)
            left = (hi - lo) - n_periods * period
            full = evaluate(anti, self.x, xe, True) - evaluate(anti, self.x, xs, True)
            a0 = xs + cnp.mod(lo - xs, period)
            b0 = a0 + left
            fa0 = evaluate(anti, self.x, a0, True)
            direct = evaluate(anti, self.x, cnp.minimum(b0, xe), True) - fa0
            wrapped = evaluate(anti, self.x, xs + cnp.maximum(b0 - xe, 0.0), True) \
                - evaluate(anti, self.x, xs, True)
            part = cnp.where(b0 <= xe, direct, direct + wrapped)
            out = sign * (n_periods * full + part)
        return out


def _increasing_under_jit(xv):
    if np.any(np.diff(xv) < 0):
        return ("PPoly: breakpoints traced by jit must be increasing (decreasing ones are "
                "supported where their values are known when the PPoly is built: outside "
                "jit, or under grad/jvp)")
    return None


def _register(cls):
    """Make ``cls`` a pytree (so interpolators cross ``jit``/``vmap`` boundaries)."""
    def flatten(p):
        return (p.c, p.x), (type(p), p.extrapolate, p.axis, p.descending)

    def unflatten(aux, children):
        kind, extrapolate, axis, descending = aux
        out = object.__new__(kind)
        out.c, out.x = children
        out.extrapolate, out.axis = extrapolate, axis
        if descending:
            out.descending = True
        return out

    register_pytree_node(cls, flatten, unflatten)
    return cls


_register(PPoly)

register_ppoly = _register
