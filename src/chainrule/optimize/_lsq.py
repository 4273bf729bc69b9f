"""Nonlinear least squares and curve fitting with exact (AD) Jacobians."""

from __future__ import annotations

import functools

import numpy as np
import scipy.optimize as sopt

import chainrule as cr
import chainrule.numpy as cnp

from ._common import Flattener, check_method, small_problem_blas
from ._implicit import ImplicitSolution, needs_implicit
from ._minimize import active_mask, ravel_any

__all__ = ["least_squares", "curve_fit"]

_LSQ_METHODS = ("trf", "dogbox", "lm")
_LOSSES = ("linear", "soft_l1", "huber", "cauchy", "arctan")


def _prepare_lsq_bounds(bounds, flat):
    if isinstance(bounds, sopt.Bounds):
        lb, ub = bounds.lb, bounds.ub
    else:
        if not (isinstance(bounds, (tuple, list)) and len(bounds) == 2):
            raise ValueError("least_squares: bounds must be a pair (lower, upper) of numbers or "
                             "arrays (or pytrees with x0's structure), or scipy.optimize.Bounds")
        lb, ub = bounds
    lb = flat.broadcast_tree(lb, "the lower bounds", -np.inf)
    ub = flat.broadcast_tree(ub, "the upper bounds", np.inf)
    if np.any(lb >= ub):
        i = int(np.flatnonzero(lb >= ub)[0])
        raise ValueError(f"least_squares: each lower bound must be strictly less than its upper "
                         f"bound (flat component {i}: {lb[i]} >= {ub[i]})")
    return lb, ub


class _Residuals:
    """``fun(tree, *args, **kwargs) -> pytree of residuals`` as a flat vector function."""

    def __init__(self, fun, flat, args, kwargs, jac_mode, name):
        self.fun, self.flat, self.args, self.kwargs = fun, flat, args, kwargs
        self.jac_mode, self.name = jac_mode, name

    def traced(self, v, args=None):
        args = self.args if args is None else args
        return ravel_any(self.fun(self.flat.unravel(v), *args, **self.kwargs))

    def __call__(self, v):
        r = np.asarray(self.traced(np.asarray(v, float)), dtype=float)
        return r

    def jac(self, v):
        j = cr.jacobian(self.traced, mode=self.jac_mode)(np.asarray(v, float))
        return np.asarray(j, dtype=float).reshape(-1, self.flat.size)

    def check_start(self, x0):
        try:
            r = np.asarray(self.traced(x0))
        except TypeError as e:
            raise TypeError(f"{self.name}: evaluating the residuals at x0 failed: {e}") from e
        if r.dtype.kind not in "biuf":
            raise TypeError(f"{self.name}: the residual function returned dtype {r.dtype}; it "
                            "must return real numbers")
        if not np.all(np.isfinite(r)):
            bad = np.flatnonzero(~np.isfinite(r))[:5].tolist()
            raise ValueError(
                f"{self.name}: the residuals are not finite at x0 (residuals {bad}). Move x0 "
                "inside the model's domain, or check the model and the data for NaN.")
        return r


def least_squares(fun, x0, jac=None, bounds=(-np.inf, np.inf), method="trf", ftol=1e-8,
                  xtol=1e-8, gtol=1e-8, x_scale=None, loss="linear", f_scale=1.0,
                  diff_step=None, tr_solver=None, tr_options=None, jac_sparsity=None,
                  max_nfev=None, verbose=0, args=(), kwargs=None, callback=None,
                  workers=None, *, jac_mode="auto", implicit_diff="dense"):
    """Solve a nonlinear least-squares problem with an exact Jacobian.

    Minimizes ``0.5 * sum(loss(fun(x) ** 2))`` as :func:`scipy.optimize.least_squares`
    does, but without ``jac`` the Jacobian comes from automatic differentiation:
    forward mode when there are fewer parameters than residuals, reverse mode otherwise
    (``chainrule.jacobian(mode="auto")``).  ``x0`` may be a pytree, and ``fun`` may
    return a pytree of residuals (they are concatenated).

    Parameters
    ----------
    fun : callable
        ``fun(x, *args, **kwargs) -> residuals``.
    x0 : array_like or pytree
    jac : callable or str, optional
        ``None`` (default): exact Jacobian by AD.  A callable or ``"2-point"``,
        ``"3-point"``, ``"cs"`` as in SciPy.
    bounds : (lower, upper) or scipy.optimize.Bounds
        Numbers, arrays, or pytrees with x0's structure.
    method : {"trf", "dogbox", "lm"}
        ``"lm"`` is Levenberg-Marquardt (MINPACK's ``lmder`` with the AD Jacobian): the
        method of choice for small unbounded problems; it supports neither bounds nor
        robust losses.
    loss : {"linear", "soft_l1", "huber", "cauchy", "arctan"} or callable
    f_scale : float
        Soft margin between inlier and outlier residuals (robust losses).
    jac_mode : {"auto", "fwd", "rev"}
        Which AD mode builds the Jacobian.
    implicit_diff : {"dense", "cg"}
        When ``args`` hold differentiated values, the solution is differentiable with
        respect to them (implicit function theorem on the normal equations; ``loss``
        must be ``"linear"``).
    ftol, xtol, gtol, x_scale, diff_step, tr_solver, tr_options, jac_sparsity,
    max_nfev, verbose, kwargs, callback, workers
        As in SciPy.

    Returns
    -------
    scipy.optimize.OptimizeResult
        ``x`` (x0's structure), ``cost``, ``fun`` (flat residuals), ``jac`` (flat, shape
        ``(m, n)``), ``grad`` (x0's structure), ``optimality``, ``active_mask``, ``nfev``,
        ``njev``, ``status``, ``message``, ``success``.

    Examples
    --------
    >>> import numpy as np, chainrule.numpy as cnp
    >>> from chainrule.optimize import least_squares
    >>> t = np.linspace(0, 1, 20)
    >>> y = 3.0 * np.exp(-2.0 * t)
    >>> res = least_squares(lambda p: p[0] * cnp.exp(-p[1] * t) - y, [1.0, 1.0], method="lm")
    >>> res.x.round(6)
    array([3., 2.])
    """
    kwargs = {} if kwargs is None else dict(kwargs)
    if not isinstance(args, tuple):
        args = (args,)
    check_method(method, _LSQ_METHODS, "least_squares")
    if isinstance(loss, str) and loss not in _LOSSES:
        raise ValueError(f"least_squares: unknown loss {loss!r}; valid losses are "
                         + ", ".join(_LOSSES) + " (or a callable)")
    if jac_mode not in ("auto", "fwd", "rev"):
        raise ValueError(f"least_squares: jac_mode must be 'auto', 'fwd' or 'rev', got "
                         f"{jac_mode!r}")
    flat = Flattener(x0, "least_squares")
    lb, ub = _prepare_lsq_bounds(bounds, flat)
    bounded = bool(np.any(np.isfinite(lb)) or np.any(np.isfinite(ub)))
    if method == "lm":
        if bounded:
            raise ValueError("least_squares: method='lm' (Levenberg-Marquardt) does not support "
                             "bounds; use method='trf' or 'dogbox' for a bounded problem")
        if loss != "linear":
            raise ValueError("least_squares: method='lm' supports only loss='linear'; use "
                             "method='trf' for robust losses")

    extra = {}
    if x_scale is not None:
        extra["x_scale"] = x_scale
    if callback is not None:
        extra["callback"] = callback
    if workers is not None:
        extra["workers"] = workers

    @small_problem_blas(flat.size)
    def solve(x0_vec, a):
        resid = _Residuals(fun, flat, a, kwargs, jac_mode, "least_squares")
        r0 = resid.check_start(x0_vec)
        if method == "lm" and r0.size < flat.size:
            raise ValueError(f"least_squares: method='lm' needs at least as many residuals as "
                             f"parameters, but there are {r0.size} residuals and {flat.size} "
                             "parameters; use method='trf'")
        if jac is None:
            j = resid.jac
        elif callable(jac):
            j = lambda v: np.asarray(jac(flat.unravel(np.asarray(v, float)), *a, **kwargs),
                                     float).reshape(-1, flat.size)
        else:
            j = jac
        res = sopt.least_squares(resid, x0_vec, jac=j, bounds=(lb, ub), method=method,
                                 ftol=ftol, xtol=xtol, gtol=gtol, loss=loss, f_scale=f_scale,
                                 diff_step=diff_step, tr_solver=tr_solver,
                                 tr_options={} if tr_options is None else tr_options,
                                 jac_sparsity=jac_sparsity, max_nfev=max_nfev,
                                 verbose=verbose, **extra)
        free = active_mask(res.x, sopt.Bounds(lb, ub)) if bounded else None
        return res.x, res, free

    x0_vec = flat.ravel_traced(x0) if needs_implicit(x0, ()) else None
    if not needs_implicit(x0, args):
        res = solve(flat.ravel(x0), args)[1]
        res.x = flat.unravel(res.x)
        if flat.is_tree:
            res.grad = flat.unravel(np.asarray(res.grad, float))
        return res
    if loss != "linear":
        raise ValueError("least_squares: the solution is differentiable with respect to args "
                         "only for loss='linear'")

    def condition(v, a):
        r = _Residuals(fun, flat, a, kwargs, jac_mode, "least_squares")
        return cr.grad(lambda w: 0.5 * cnp.sum(r.traced(w, a) ** 2))(v)

    implicit = ImplicitSolution(solve, condition, args, "least_squares", implicit_diff)
    x_flat, info = implicit(flat.ravel(x0) if x0_vec is None else x0_vec)
    res = sopt.OptimizeResult(info)
    res.x = flat.unravel(x_flat)
    if flat.is_tree:
        res.grad = flat.unravel(np.asarray(res.grad, float))
    return res


def curve_fit(f, xdata, ydata, p0=None, sigma=None, absolute_sigma=False, check_finite=None,
              bounds=(-np.inf, np.inf), method=None, jac=None, *, full_output=False,
              nan_policy=None, **kwargs):
    """Fit ``ydata ~ f(xdata, *params)``; :func:`scipy.optimize.curve_fit` with an AD Jacobian.

    Everything (weights, ``absolute_sigma``, bounds, methods, the covariance ``pcov``)
    behaves as in SciPy; the only difference is that, without ``jac``, the Jacobian of
    the model with respect to the parameters is exact (forward mode, one pass per
    parameter) instead of a finite-difference estimate, which also makes ``pcov`` exact.

    Parameters
    ----------
    f : callable
        ``f(xdata, *params) -> model values`` written with ``chainrule.numpy``.
    xdata, ydata : array_like
    p0 : array_like, optional
        Starting parameters (default: ones, their number read from ``f``'s signature).
    sigma, absolute_sigma, check_finite, bounds, method, full_output, nan_policy, **kwargs
        As in SciPy.
    jac : callable or str, optional
        ``None`` (default): exact Jacobian by AD.

    Returns
    -------
    popt : ndarray
    pcov : ndarray
        And SciPy's extra outputs when ``full_output=True``.

    Examples
    --------
    >>> import numpy as np, chainrule.numpy as cnp
    >>> from chainrule.optimize import curve_fit
    >>> x = np.linspace(0, 4, 50)
    >>> y = 2.5 * cnp.exp(-1.3 * x) + 0.5
    >>> popt, pcov = curve_fit(lambda x, a, b, c: a * cnp.exp(-b * x) + c, x, y)
    >>> popt.round(6)
    array([2.5, 1.3, 0.5])
    """
    model = f

    @functools.wraps(model)  # SciPy counts the parameters from the signature without p0
    def f(x, *params):
        # A model giving another number of values than ydata would fail inside SciPy as
        # a broadcast of the residual (or broadcast to a wrong residual, as (n, 1) - (n,)).
        out = model(x, *params)
        if nan_policy == "omit":  # SciPy drops the NaN points of ydata before the fit
            return out
        shape, yshape = np.shape(out), np.shape(ydata)
        try:
            ok = np.broadcast_shapes(shape, yshape) == yshape
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"curve_fit: f(xdata, *params) returned shape {shape}, but "
                             f"ydata has shape {yshape}: the model needs one value per data "
                             f"point (xdata has shape {np.shape(x)})")
        return out

    if jac is None:
        # One row per data point even where the model broadcasts (a constant model):
        # SciPy's residual has ydata's size, and so must its Jacobian.
        yshape = None if nan_policy == "omit" else np.shape(ydata)

        def residual_model(x, *p):
            out = f(x, *p)
            return ravel_any(out if yshape is None else cnp.broadcast_to(out, yshape))

        def jac(x, *params):
            n = len(params)
            j = cr.jacobian(lambda *p: residual_model(x, *p), argnums=tuple(range(n)),
                            mode="auto")(*[float(p) for p in params])
            return np.stack([np.asarray(c, float).reshape(-1) for c in j], axis=1)
    extra = {}
    if nan_policy is not None:
        extra["nan_policy"] = nan_policy
    if full_output:
        extra["full_output"] = True
    if method is not None:
        check_method(method, _LSQ_METHODS, "curve_fit")
    n_params = np.size(p0) if p0 is not None else 0  # without p0: a handful (f's arguments)
    with small_problem_blas(n_params):
        return sopt.curve_fit(f, xdata, ydata, p0=p0, sigma=sigma,
                              absolute_sigma=absolute_sigma, check_finite=check_finite,
                              bounds=bounds, method=method, jac=jac, **extra, **kwargs)
