"""``solve_ivp``: adaptive Runge-Kutta (explicit) and Radau/BDF (implicit) integration,
differentiable and traceable (the implicit methods are in ``implicit.py``).

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
from chainrule._src.control.custom import stop_gradient

from .adjoint import backsolve
from .implicit import IMPLICIT_METHODS, integrate_any as integrate
from .dense import OdeSolution
from .events import EventMonitor
from .stepper import BAD_Y0, DONE, EVENT, OdeResult, call_rhs, concrete_or_none
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
              first_step=None, max_steps=100_000, adjoint="direct", checkpoint=None,
              max_events=100):
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
    method : {"RK45", "DOP853", "Tsit5", "RK23", "Radau", "BDF", "LSODA"}
        Explicit: Dormand-Prince 5(4) (SciPy's default), Dormand-Prince 8(5,3),
        Tsitouras 5(4), Bogacki-Shampine 3(2).  Implicit, for stiff problems: Radau IIA
        of order 5 and the variable-order (1 to 5) NDF/BDF, SciPy's algorithms, with the
        Jacobian of ``fun`` by forward-mode AD.  ``"LSODA"`` is not ODEPACK's switching
        solver: it runs ``"BDF"`` (see ``docs/ode.md``).
    t_eval : array_like, optional
        Times at which to return the solution (sorted in the direction of integration,
        inside ``t_span``), from each method's dense-output interpolant.  Without it the
        result holds only ``t0`` and the final time (SciPy returns every step; their
        number is not known before the solve, which ``jit`` and ``vmap`` need).
    dense_output : bool
        Also return the continuous solution as ``sol.sol``, an :class:`OdeSolution`
        (callable of ``t``; each call solves again with ``t`` as output times, giving
        the values of the same interpolants).
    events : callable or list of callables, optional
        ``event(t, y, *args) -> float``, with SciPy's optional attributes ``terminal``
        (bool, or a count of occurrences after which to stop) and ``direction``.  Zeros
        are located on the dense interpolant and recorded in ``t_events`` and
        ``y_events``; their times are differentiable (implicit function theorem).
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
        accurate to the solver tolerance, reverse mode only, explicit methods only.
        See ``docs/ode.md``.
    checkpoint : int or True, optional
        With ``adjoint="direct"``: group the step attempts in blocks of at most this
        many, each recomputed in the backward pass, so that memory grows like
        ``steps / checkpoint + checkpoint`` instead of ``steps`` (about ``sqrt(steps)``
        for ``checkpoint`` near ``sqrt(steps)``); ``True`` picks
        ``ceil(sqrt(max_steps))``, so set ``max_steps`` near the expected count.
    max_events : int
        With ``events``: the most occurrences kept per event (a static size, so that
        the solve works under ``jit`` and ``vmap``, where ``t_events`` and ``y_events``
        are padded with NaN to this length).  More end the solve with ``status=-1``.

    Returns
    -------
    OdeResult
        ``t``, ``y`` (shape ``(n, len(t))``), ``nfev``, ``njev``, ``status``,
        ``message``, ``success``, ``t_events``, ``y_events`` as in SciPy.  Output times
        that the solve did not reach (a terminal event, a failure) are left out, as in
        SciPy; under ``jit`` they hold NaN.

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
    if method not in TABLEAUS and method not in IMPLICIT_METHODS:
        raise ValueError(f"solve_ivp: unknown method {method!r}; chainrule has the explicit "
                         f"methods {sorted(TABLEAUS)} and the implicit (stiff) methods "
                         f"{sorted(IMPLICIT_METHODS)}")
    if adjoint not in ("direct", "backsolve"):
        raise ValueError(f"solve_ivp: adjoint must be 'direct' or 'backsolve', got {adjoint!r}")
    if adjoint == "backsolve" and method in IMPLICIT_METHODS:
        # The backward solve would retrace y backwards in time: the decaying modes that
        # make a problem stiff grow without bound that way, and the adjoint fails.
        raise ValueError(
            f"solve_ivp(method={method!r}): adjoint='backsolve' integrates the state "
            "backwards in time, which is unstable for the stiff problems implicit methods "
            "are for; use adjoint='direct' (with checkpoint=... to bound memory)")
    if events is not None and adjoint != "direct":
        raise ValueError("solve_ivp: events need adjoint='direct' (the event times are "
                         "differentiated through the steps that locate them)")
    max_steps = int(max_steps)
    if max_steps < 1:
        raise ValueError("solve_ivp: max_steps must be at least 1")
    tab = TABLEAUS[method] if method in TABLEAUS else IMPLICIT_METHODS[method]
    args = _as_args(args)
    t0, t1, y0, t_eval = _check_inputs(t_span, y0, t_eval)
    n = y0.shape[0]
    bad_y0 = None
    if concrete_or_none(y0) is None:
        # A non-finite y0 only known at run time (jit): a solve of zero length, then
        # SciPy's message, rather than max_steps attempts on NaN.
        bad_y0 = ~cnp.all(cnp.isfinite(stop_gradient(y0)))
        t1 = cnp.where(bad_y0, t0, t1)
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if np.shape(tol) not in ((), (n,)):
            raise ValueError(f"solve_ivp: `{name}` must be a number or one value per component "
                             f"of y0, shape ({n},), got shape {np.shape(tol)}")
    atol_c = concrete_or_none(atol)
    if atol_c is not None and np.any(atol_c < 0):
        raise ValueError("solve_ivp: `atol` must be positive.")
    step_c = None if first_step is None else concrete_or_none(first_step)
    if step_c is not None and np.any(step_c <= 0):
        raise ValueError("solve_ivp: `first_step` must be positive.")
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

    monitor = None
    if events is not None:
        monitor = EventMonitor(events, args, n, cnp.sign(stop_gradient(t1 - t0)), max_events)
    stats = {"njev": 0}
    if adjoint == "direct":
        extra = {}
        if method in IMPLICIT_METHODS:
            args_nd = stop_gradient(args)
            extra["fun_nd"] = lambda t, y: rhs(t, y, *args_nd)
        # Without t_eval no output time: no dense output (as SciPy, no extra DOP853 stages).
        no_times = (t0[None] if method in IMPLICIT_METHODS
                    else cnp.zeros((0,), dtype=y0.dtype))
        res = integrate(lambda t, y: rhs(t, y, *args), t0, t1, y0,
                        times if t_eval is not None else no_times, segment=segment,
                        monitor=monitor, stats=stats, **opts, **extra)
        out, t_fin, y_fin, nfev, nsteps, code = res[:6]
        if t_eval is None:
            out = cnp.stack([y0, y_fin], axis=1)
            times = cnp.stack([t0, t_fin])
        else:
            # Output times past the end of a solve that stopped early (a terminal event,
            # a failure) were not reached: SciPy leaves them out; under jit, NaN.
            d = cnp.sign(stop_gradient(t1 - t0))
            reached = d * stop_gradient(times) <= d * stop_gradient(t_fin)
            known = concrete_or_none(reached)
            if known is not None:
                if not np.all(known):
                    times, out = times[known], out[:, known]
            else:
                out = cnp.where(reached[None, :], out, np.nan)
    else:
        t_fin = t1
        out, nfev, nsteps, code = backsolve(rhs, fun, y0, t0, t1, times, args, opts)
        if t_eval is None:
            # The solution at t0 is y0 itself (a path the adjoint need not know).
            out = cnp.stack([y0, out[:, 1]], axis=1)
    if bad_y0 is not None:
        code = cnp.where(bad_y0, BAD_Y0, code)
        out = cnp.where(bad_y0, np.nan, out)
    status = cnp.where(code == DONE, 0, cnp.where(code == EVENT, 1, -1))
    t_events = y_events = None
    if monitor is not None:
        counts = concrete_or_none(res[6]["count"])
        t_events, y_events = monitor.results(res[6], None if counts is None else counts)
    sol = None
    if dense_output:
        def resolve(span, y_start, a, te):
            return solve_ivp(fun, span, y_start, method=method, t_eval=te, events=events,
                             args=a, rtol=rtol, atol=atol, max_step=max_step,
                             first_step=first_step, max_steps=max_steps, adjoint=adjoint,
                             checkpoint=checkpoint, max_events=max_events).y
        sol = OdeSolution(resolve, (t0, t1), t_fin, y0, args, None)
    return OdeResult(times, out, _int(nfev), _int(nsteps), _int(status), _int(code), max_steps,
                     njev=_int(stats["njev"]), t_events=t_events, y_events=y_events, sol=sol)


def _int(v):
    """A Python int when the value is known (as SciPy returns), else the traced value."""
    c = concrete_or_none(v)
    return int(c) if c is not None and np.ndim(c) == 0 else v
