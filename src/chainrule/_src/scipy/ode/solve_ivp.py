"""``solve_ivp``: adaptive explicit Runge-Kutta integration, differentiable and traceable.

The solver is SciPy's: the same tableaus, error norm, step-size controller and initial
step selection, so that on the same problem it takes the same steps.  One iteration of a
``chainrule.lax.while_loop`` is one step attempt (accepted or rejected), which makes the
whole solve work eagerly, under ``jit`` and under ``vmap`` (each example keeps its own
step size: finished examples stay put while the others go on), and reverse-differentiable
through the loop (``adjoint="direct"``).  The step-size controller is not differentiated
(``stop_gradient``): derivatives are those of the solution computed with the chosen steps,
the usual "discretize then differentiate" convention.
"""

from __future__ import annotations

import math

import numpy as np

from chainrule._src.numpy import base as cnp

from .adjoint import backsolve
from .stepper import DONE, OdeResult, call_rhs, concrete_or_none, integrate
from .tableaus import TABLEAUS


def _as_args(args):
    if args is None:
        return ()
    return tuple(args) if isinstance(args, (tuple, list)) else (args,)


def _check_inputs(t_span, y0, t_eval):
    try:
        t0, t1 = t_span
    except (TypeError, ValueError):
        raise ValueError("solve_ivp: t_span must be a pair (t0, t1), got "
                         f"{t_span!r}") from None
    y0 = cnp.asarray(y0)
    if y0.ndim != 1:
        raise ValueError(f"solve_ivp: `y0` must be 1-dimensional, got shape {y0.shape}")
    if np.issubdtype(y0.dtype, np.complexfloating):
        raise TypeError("solve_ivp: complex y0 is not supported; split it into real and "
                        "imaginary parts")
    if y0.dtype != np.float64:
        # As SciPy: the solve runs in float64 whatever the input's precision.
        y0 = cnp.asarray(y0, dtype=np.float64)
    y0v = concrete_or_none(y0)
    if y0v is not None and not np.all(np.isfinite(y0v)):
        raise ValueError("All components of the initial state `y0` must be finite.")
    t0 = cnp.asarray(t0, dtype=y0.dtype) * 1.0
    t1 = cnp.asarray(t1, dtype=y0.dtype) * 1.0
    if t_eval is not None:
        t_eval = cnp.asarray(t_eval, dtype=y0.dtype)
        if t_eval.ndim != 1:
            raise ValueError("`t_eval` must be 1-dimensional.")
        te, a, b = concrete_or_none(t_eval), concrete_or_none(t0), concrete_or_none(t1)
        if te is not None and a is not None and b is not None:
            lo, hi = min(a, b), max(a, b)
            if np.any(te < lo) | np.any(te > hi):
                raise ValueError("Values in `t_eval` are not within `t_span`.")
            dd = np.diff(te)
            if (b >= a and np.any(dd <= 0)) or (b < a and np.any(dd >= 0)):
                raise ValueError("Values in `t_eval` are not properly sorted.")
    return t0, t1, y0, t_eval


def solve_ivp(fun, t_span, y0, method="RK45", t_eval=None, dense_output=False, events=None,
              vectorized=False, args=None, *, rtol=1e-3, atol=1e-6, max_step=np.inf,
              first_step=None, max_steps=100_000, adjoint="direct", checkpoint=None):
    """Solve an initial value problem ``dy/dt = fun(t, y, *args)``, ``y(t0) = y0``.

    SciPy's ``scipy.integrate.solve_ivp`` for the explicit Runge-Kutta methods, with the
    same steps, differentiable (forward and reverse mode) with respect to ``y0``,
    ``t_span``, ``t_eval`` and ``args``, and usable under ``jit`` and ``vmap``.

    Parameters
    ----------
    fun : callable
        ``fun(t, y, *args) -> dy/dt``, written with ``chainrule.numpy``; ``y`` has shape
        ``(n,)`` and so must the result.
    t_span : pair of float
        ``(t0, t1)``; ``t1 < t0`` integrates backwards in time.
    y0 : array_like, shape (n,)
        Initial state (real).
    method : {"RK45", "DOP853", "Tsit5", "RK23"}
        Dormand-Prince 5(4) (SciPy's default), Dormand-Prince 8(5,3), Tsitouras 5(4),
        Bogacki-Shampine 3(2).
    t_eval : array_like, optional
        Times at which to return the solution (sorted in the direction of integration,
        inside ``t_span``), from each method's dense-output interpolant.  Without it the
        result holds only ``t0`` and the final time (SciPy returns every step; their
        number is not known before the solve, which ``jit`` and ``vmap`` need).
    dense_output, events : not supported
        Passing ``dense_output=True`` or ``events`` raises ``NotImplementedError``.
    vectorized : bool
        Accepted for compatibility; ``fun`` is always called with a 1-D ``y``.
    args : tuple, optional
        Extra arguments of ``fun``; differentiable.
    rtol, atol : float or array
        Relative and absolute tolerances (SciPy's defaults 1e-3, 1e-6).
    max_step : float
        Largest allowed step size.
    first_step : float, optional
        Initial step size; by default chosen as SciPy does.
    max_steps : int
        Largest number of step attempts (accepted or rejected); when they run out the
        result has ``status=-1``, ``success=False`` and says so in ``message``.
    adjoint : {"direct", "backsolve"}
        How reverse mode differentiates the solve.  ``"direct"`` (default)
        differentiates through the steps: exact derivatives of the computed solution,
        memory proportional to the number of steps (reduce it with ``checkpoint``);
        forward mode works too.  ``"backsolve"`` solves the continuous adjoint equations
        backwards in time: memory independent of the number of steps, derivatives
        accurate to the solver tolerance, reverse mode only.  See ``docs/ode.md``.
    checkpoint : int or True, optional
        With ``adjoint="direct"``: group the step attempts in blocks of at most this
        many, each recomputed in the backward pass, so that memory grows like
        ``steps / checkpoint + checkpoint`` instead of ``steps`` (about ``sqrt(steps)``
        for ``checkpoint`` near ``sqrt(steps)``); ``True`` picks
        ``ceil(sqrt(max_steps))``, so set ``max_steps`` near the expected count.

    Returns
    -------
    OdeResult
        ``t``, ``y`` (shape ``(n, len(t))``), ``nfev``, ``status``, ``message``,
        ``success`` as in SciPy.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> from chainrule.ode import solve_ivp
    >>> sol = solve_ivp(lambda t, y, k: -k * y, (0.0, 1.0), [1.0], args=(2.0,),
    ...                 t_eval=[1.0], rtol=1e-10, atol=1e-12)
    >>> round(float(sol.y[0, -1]), 8), round(float(cnp.exp(-2.0)), 8), sol.success
    (0.13533528, 0.13533528, True)
    >>> g = cr.grad(lambda k: solve_ivp(lambda t, y, k: -k * y, (0.0, 1.0), [1.0],
    ...             args=(k,), t_eval=[1.0], rtol=1e-10, atol=1e-12).y[0, -1])(2.0)
    >>> round(float(g), 7)  # d/dk exp(-k) = -exp(-k)
    -0.1353353
    """
    if events is not None:
        raise NotImplementedError("solve_ivp: events are not supported yet; integrate to "
                                  "a fixed time and locate the event with t_eval")
    if dense_output:
        raise NotImplementedError("solve_ivp: dense_output is not supported yet; pass the "
                                  "times you need as t_eval")
    if method not in TABLEAUS:
        raise ValueError(f"solve_ivp: unknown method {method!r}; chainrule has the explicit "
                         f"methods {sorted(TABLEAUS)} (stiff methods Radau, BDF and LSODA "
                         "are not available)")
    if adjoint not in ("direct", "backsolve"):
        raise ValueError(f"solve_ivp: adjoint must be 'direct' or 'backsolve', got {adjoint!r}")
    max_steps = int(max_steps)
    if max_steps < 1:
        raise ValueError("solve_ivp: max_steps must be at least 1")
    tab = TABLEAUS[method]
    args = _as_args(args)
    t0, t1, y0, t_eval = _check_inputs(t_span, y0, t_eval)
    n = y0.shape[0]
    rtol_c = concrete_or_none(rtol)
    if rtol_c is not None and np.any(rtol_c < 100 * np.finfo(float).eps):
        rtol = cnp.maximum(rtol, 100 * np.finfo(float).eps)
    if concrete_or_none(max_step) is not None and np.any(concrete_or_none(max_step) <= 0):
        raise ValueError("`max_step` must be positive.")
    segment = None
    if checkpoint is not None and checkpoint is not False:
        segment = math.isqrt(max_steps - 1) + 1 if checkpoint is True else int(checkpoint)
    opts = dict(tab=tab, rtol=rtol, atol=atol, max_step=max_step, first_step=first_step,
                max_steps=max_steps)
    times = t_eval if t_eval is not None else cnp.stack([t0, t1])

    def rhs(t, y, *a):
        return call_rhs(fun, t, y, a, n)

    if adjoint == "direct":
        out, t_fin, y_fin, nfev, nsteps, code = integrate(
            lambda t, y: rhs(t, y, *args), t0, t1, y0,
            # Without t_eval no output time: no dense output (as SciPy, no extra DOP853 stages).
            times if t_eval is not None else cnp.zeros((0,), dtype=y0.dtype), segment=segment,
            **opts)
        if t_eval is None:
            out = cnp.stack([y0, y_fin], axis=1)
            times = cnp.stack([t0, t_fin])
    else:

        out, nfev, nsteps, code = backsolve(rhs, fun, y0, t0, t1, times, args, opts)
        if t_eval is None:
            # The solution at t0 is y0 itself (a path the adjoint need not know).
            out = cnp.stack([y0, out[:, 1]], axis=1)
    status = cnp.where(code == DONE, 0, -1)
    return OdeResult(times, out, _int(nfev), _int(nsteps), _int(status), _int(code), max_steps)


def _int(v):
    """A Python int when the value is known (as SciPy returns), else the traced value."""
    c = concrete_or_none(v)
    return int(c) if c is not None and np.ndim(c) == 0 else v
