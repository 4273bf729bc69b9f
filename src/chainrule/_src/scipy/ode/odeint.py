"""``odeint``: SciPy's older interface, ``func(y, t, *args)``, on top of ``solve_ivp``."""

from __future__ import annotations

import warnings

import numpy as np

from chainrule._src.numpy import base as cnp

from .solve_ivp import solve_ivp
from .stepper import concrete_or_none


def odeint(func, y0, t, args=(), Dfun=None, col_deriv=0, full_output=0, ml=None, mu=None,
           rtol=None, atol=None, tcrit=None, h0=0.0, hmax=0.0, hmin=0.0, ixpr=0, mxstep=0,
           mxhnil=0, mxordn=12, mxords=5, printmessg=0, tfirst=False, *, method="RK45",
           adjoint="direct"):
    """Integrate ``dy/dt = func(y, t, *args)`` and return ``y`` at the times ``t``.

    SciPy's ``scipy.integrate.odeint`` signature (note the argument order ``func(y, t)``,
    or ``func(t, y)`` with ``tfirst=True``), solved by :func:`solve_ivp` with
    Dormand-Prince (``method="RK45"``) by default instead of LSODA, which suits non-stiff
    problems; pass ``method="BDF"`` or ``"Radau"`` for a stiff one.  Differentiable with
    respect to ``y0``, ``t`` and ``args``, in both modes, and usable under ``jit`` and
    ``vmap``.

    Parameters
    ----------
    func : callable
        ``func(y, t, *args)`` (or ``func(t, y, *args)`` with ``tfirst=True``).
    y0 : array_like, shape (n,)
        Initial state at ``t[0]``.
    t : array_like, shape (m,)
        Monotonic times; the first is the initial time.
    args : tuple
        Extra arguments of ``func``.
    rtol, atol : float, optional
        Tolerances; SciPy's odeint defaults, 1.49012e-8, apply when omitted.
    h0, hmax : float
        First step and largest step (0: chosen automatically, as in SciPy).
    mxstep : int
        Largest number of step attempts per interval of ``t`` (default 500, as SciPy).
    full_output : bool
        Also return a dict with ``"nfe"`` (function evaluations), ``"nst"`` (step
        attempts) and ``"message"``.
    method, adjoint : str
        Passed to :func:`solve_ivp`.
    Dfun, col_deriv, ml, mu, tcrit, hmin, ixpr, mxhnil, mxordn, mxords, printmessg
        LSODA settings; accepted and ignored (``Dfun`` and ``tcrit`` must be None).

    Returns
    -------
    y : array, shape (m, n)
        The solution at ``t``, one row per time (SciPy's layout).

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> from chainrule.ode import odeint
    >>> y = odeint(lambda y, t, k: -k * y, [1.0], cnp.linspace(0.0, 1.0, 3), args=(2.0,))
    >>> y.shape, round(float(y[-1, 0]), 6)
    ((3, 1), 0.135335)
    """
    if Dfun is not None or tcrit is not None:
        raise NotImplementedError("odeint: Dfun and tcrit are LSODA options that the explicit "
                                  "Runge-Kutta solver does not use; leave them as None")
    t = cnp.asarray(t)
    if t.ndim != 1 or t.shape[0] < 1:
        raise ValueError("odeint: t must be a 1-D array with at least one time")
    tv = concrete_or_none(t)
    if tv is not None and tv.shape[0] > 1:
        # Otherwise solve_ivp reports it in terms of t_eval and t_span, which odeint's
        # caller never passed.
        dt = np.diff(tv)
        if not (np.all(dt >= 0) or np.all(dt <= 0)):
            raise ValueError("odeint: t must be monotonically increasing or decreasing (the "
                             "first element is the time of y0), as in SciPy; got "
                             f"{np.array2string(tv, threshold=8)}")
    if not isinstance(args, tuple):
        args = (args,)
    fun = func if tfirst else (lambda tt, y, *a: func(y, tt, *a))
    rtol = 1.49012e-8 if rtol is None else rtol
    atol = 1.49012e-8 if atol is None else atol
    per_interval = mxstep if mxstep else 500
    sol = solve_ivp(fun, (t[0], t[-1]), y0, method=method, t_eval=t, args=args, rtol=rtol,
                    atol=atol, max_step=hmax if hmax else float("inf"),
                    first_step=h0 if h0 else None,
                    max_steps=per_interval * max(t.shape[0] - 1, 1), adjoint=adjoint)
    if isinstance(sol.status, int) and sol.status != 0:
        warnings.warn(f"odeint: {sol.message}", RuntimeWarning, stacklevel=2)
    y = cnp.transpose(sol.y)
    if full_output:
        return y, {"nfe": sol.nfev, "nst": sol.nsteps, "message": sol.message}
    return y
