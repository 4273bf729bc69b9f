"""Global optimization: SciPy's ``dual_annealing`` and ``basinhopping`` with AD-gradient local
searches, and a plain, documented ``simulated_annealing``."""

from __future__ import annotations

import numpy as np
import scipy.optimize as sopt

from ._common import Flattener, ScalarObjective, small_problem_blas
from ._minimize import finish, minimize_flat, prepare_bounds

__all__ = ["dual_annealing", "basinhopping", "simulated_annealing"]


def _rng_kwargs(rng, seed, name):
    if rng is not None and seed is not None:
        raise ValueError(f"{name}: give rng or seed, not both (rng is the modern name)")
    if seed is not None:
        return {"seed": seed}
    return {"rng": rng} if rng is not None else {}


def _local_kwargs(minimizer_kwargs, obj, default_method):
    """Local-search options: AD gradient unless the caller set ``jac``."""
    kw = dict(minimizer_kwargs or {})
    if kw.pop("args", ()):
        raise ValueError("pass extra arguments of the objective through args=..., not "
                         "minimizer_kwargs['args']")
    kw.setdefault("method", default_method)
    meth = kw["method"].lower() if isinstance(kw["method"], str) else ""
    if "jac" not in kw and meth not in ("nelder-mead", "powell", "cobyla", "cobyqa"):
        kw["jac"] = obj.grad
    if meth in ("newton-cg", "trust-ncg", "trust-krylov") and "hessp" not in kw \
            and "hess" not in kw:
        kw["hessp"] = obj.hessp
    return kw


def dual_annealing(func, bounds, args=(), maxiter=1000, minimizer_kwargs=None,
                   initial_temp=5230.0, restart_temp_ratio=2e-05, visit=2.62, accept=-5.0,
                   maxfun=1e7, rng=None, no_local_search=False, callback=None, x0=None, *,
                   seed=None):
    """Dual annealing (:func:`scipy.optimize.dual_annealing`) whose local searches use AD.

    The annealing itself is SciPy's (generalized simulated annealing with a visiting
    distribution); each local search is L-BFGS-B with the exact gradient from
    automatic differentiation instead of finite differences.

    Parameters
    ----------
    func : callable
        ``func(x, *args) -> float``.
    bounds : sequence of (min, max), Bounds, or (lower, upper) pytrees
        Finite bounds on every variable (they define the search space).  With a pytree
        ``x0``, give ``(lower, upper)`` with x0's structure.
    x0 : array_like or pytree, optional
        Starting point; needed to give the structure when ``x`` is a pytree.
    rng : int or numpy.random.Generator, optional
        SPEC 7 random state (``seed`` is accepted too, as in SciPy).
    args, maxiter, minimizer_kwargs, initial_temp, restart_temp_ratio, visit, accept,
    maxfun, no_local_search, callback
        As in SciPy; ``minimizer_kwargs`` may set ``method`` or ``jac`` of the local search.

    Returns
    -------
    scipy.optimize.OptimizeResult
        ``x`` (x0's structure if given), ``fun``, ``nfev``, ``nit``, ``message``...

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.optimize import dual_annealing
    >>> def rastrigin(x):
    ...     return 10 * x.size + cnp.sum(x ** 2 - 10 * cnp.cos(2 * cnp.pi * x))
    >>> res = dual_annealing(rastrigin, [(-5.12, 5.12)] * 2, rng=0, maxiter=200)
    >>> bool(res.fun < 1e-8)
    True
    """
    if not isinstance(args, tuple):
        args = (args,)
    if x0 is None:
        try:
            n = len(bounds.lb) if isinstance(bounds, sopt.Bounds) else len(bounds)
        except TypeError:
            raise ValueError("dual_annealing: bounds must be a sequence of (min, max) pairs or "
                             "Bounds; pass x0 to use pytree bounds") from None
        flat = Flattener(np.zeros(n), "dual_annealing")
        x0_vec = None
    else:
        flat = Flattener(x0, "dual_annealing")
        x0_vec = flat.ravel(x0)
    b = prepare_bounds(bounds, flat, "dual_annealing")
    if not (np.all(np.isfinite(b.lb)) and np.all(np.isfinite(b.ub))):
        raise ValueError("dual_annealing: every variable needs finite bounds (they define the "
                         "search space)")
    obj = ScalarObjective(func, flat, args, "dual_annealing")
    obj.value(x0_vec if x0_vec is not None else 0.5 * (b.lb + b.ub))
    kw = _local_kwargs(minimizer_kwargs, obj, "L-BFGS-B")
    cb = None
    if callback is not None:
        cb = lambda x, f, context: callback(flat.unravel(np.asarray(x, float)), f, context)
    with small_problem_blas(flat.size):
        res = sopt.dual_annealing(obj.value, list(zip(b.lb, b.ub)), maxiter=maxiter,
                                  minimizer_kwargs=kw, initial_temp=initial_temp,
                                  restart_temp_ratio=restart_temp_ratio, visit=visit,
                                  accept=accept, maxfun=maxfun,
                                  no_local_search=no_local_search, callback=cb, x0=x0_vec,
                                  **_rng_kwargs(rng, seed, "dual_annealing"))
    return finish(res, flat)


def basinhopping(func, x0, niter=100, T=1.0, stepsize=0.5, minimizer_kwargs=None,
                 take_step=None, accept_test=None, callback=None, interval=50, disp=False,
                 niter_success=None, rng=None, *, target_accept_rate=0.5, stepwise_factor=0.9,
                 seed=None, args=()):
    """Basin hopping (:func:`scipy.optimize.basinhopping`) with AD-gradient local searches.

    Each local minimization is :func:`chainrule.optimize.minimize` (L-BFGS-B by default,
    or ``minimizer_kwargs["method"]``) with the value and exact gradient from one
    reverse-mode pass.  ``x0`` may be a pytree; ``take_step`` and ``accept_test`` then
    act on the flattened vector, while ``callback`` sees x0's structure.

    Parameters
    ----------
    func : callable
        ``func(x, *args) -> float``.
    x0 : array_like or pytree
    rng : int or numpy.random.Generator, optional
        SPEC 7 random state (``seed`` is accepted too).
    args : tuple
        Extra arguments of ``func`` (SciPy puts them in ``minimizer_kwargs["args"]``;
        both work).
    niter, T, stepsize, minimizer_kwargs, take_step, accept_test, callback, interval,
    disp, niter_success, target_accept_rate, stepwise_factor
        As in SciPy.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.optimize import basinhopping
    >>> f = lambda x: cnp.cos(14.5 * x[0] - 0.3) + (x[0] + 0.2) * x[0]
    >>> res = basinhopping(f, [1.0], niter=50, rng=1)
    >>> round(float(res.x[0]), 4), round(float(res.fun), 4)
    (-0.1951, -1.0009)
    """
    mk = dict(minimizer_kwargs or {})
    if "args" in mk:
        extra = mk.pop("args")
        args = tuple(extra) if isinstance(extra, (tuple, list)) else (extra,)
    if not isinstance(args, tuple):
        args = (args,)
    flat = Flattener(x0, "basinhopping")
    x0_vec = flat.ravel(x0)
    obj = ScalarObjective(func, flat, args, "basinhopping")
    method = mk.pop("method", "L-BFGS-B")
    bounds = prepare_bounds(mk.pop("bounds", None), flat, "basinhopping")
    local_jac, hess, hessp = mk.pop("jac", None), mk.pop("hess", None), mk.pop("hessp", None)
    tol, options = mk.pop("tol", None), mk.pop("options", None)
    constraints = mk.pop("constraints", ())
    if mk:
        raise ValueError(f"basinhopping: unsupported minimizer_kwargs {sorted(mk)}")

    def local(fun_unused, x, **_):
        res, _obj = minimize_flat(func, flat, np.asarray(x, float), args, method, local_jac,
                                   hess, hessp, bounds, constraints, tol, None, options,
                                   name="basinhopping")
        return res

    cb = None
    if callback is not None:
        cb = lambda x, f, accept: callback(flat.unravel(np.asarray(x, float)), f, accept)
    with small_problem_blas(flat.size):
        obj.value_and_grad(x0_vec)  # clear errors at x0 before the search starts
        res = sopt.basinhopping(obj.value, x0_vec, niter=niter, T=T, stepsize=stepsize,
                                minimizer_kwargs={"method": local}, take_step=take_step,
                                accept_test=accept_test, callback=cb, interval=interval,
                                disp=disp, niter_success=niter_success,
                                target_accept_rate=target_accept_rate,
                                stepwise_factor=stepwise_factor,
                                **_rng_kwargs(rng, seed, "basinhopping"))
    res.x = flat.unravel(np.asarray(res.x, float))
    if "lowest_optimization_result" in res:
        finish(res.lowest_optimization_result, flat)
    return res


# --- simulated annealing ---------------------------------------------------------------------
def _schedule(schedule, t0, t_final, maxiter):
    """Temperature at iteration ``k`` (0-based) for the named cooling schedules."""
    if callable(schedule):
        return lambda k: float(schedule(k, t0))
    if schedule == "geometric":
        ratio = (t_final / t0) ** (1.0 / max(maxiter - 1, 1))
        return lambda k: t0 * ratio ** k
    if schedule == "linear":
        return lambda k: t0 + (t_final - t0) * k / max(maxiter - 1, 1)
    if schedule == "logarithmic":
        return lambda k: t0 * np.log(2.0) / np.log(k + 2.0)
    if schedule == "fast":
        return lambda k: t0 / (k + 1.0)
    raise ValueError(f"simulated_annealing: unknown schedule {schedule!r}; use 'geometric', "
                     "'linear', 'logarithmic', 'fast', or a callable schedule(k, T0) -> T")


def _reflect(x, lb, ub):
    """Fold ``x`` back into [lb, ub] by reflection at the walls (finite bounds only)."""
    width = ub - lb
    finite = np.isfinite(width) & (width > 0)
    y = x.copy()
    if np.any(finite):
        z = np.mod(x[finite] - lb[finite], 2 * width[finite])
        z = np.where(z > width[finite], 2 * width[finite] - z, z)
        y[finite] = lb[finite] + z
    return np.clip(y, lb, ub)


_TARGET_ACCEPT = 0.3   # proposal-scale adaptation aims at this acceptance rate
_ADAPT_WINDOW = 50     # ... measured over windows of this many moves


def simulated_annealing(fun, x0, bounds=None, rng=None, schedule="geometric", maxiter=10000,
                        *, args=(), T0=None, T_final=None, stepsize=None, polish=False,
                        callback=None):
    """Minimize ``fun`` by simulated annealing (Metropolis moves with a cooling schedule).

    At iteration ``k`` a candidate ``y = x + a_k * stepsize * z / sqrt(n)`` is drawn, ``z``
    standard normal (Cauchy for the ``"fast"`` schedule) in all ``n`` coordinates, folded
    back into the bounds by reflection.  It is accepted with the Metropolis probability
    ``min(1, exp(-(f(y) - f(x)) / T_k))``.  The ``1 / sqrt(n)`` keeps the length of a
    move near ``stepsize`` whatever the dimension (unscaled, a move in 50 dimensions is
    seven times longer than in one, and almost never accepted).  The factor ``a_k``
    adapts the step to the landscape and the temperature: every 50 moves it grows when
    more than 30% of them were accepted and shrinks when fewer were, so the search moves
    from long exploring jumps while hot to local refinement as it cools.  The best point
    seen is returned.

    Cooling schedules (``k = 0 .. maxiter-1``):

    - ``"geometric"`` (default): ``T_k = T0 * (T_final / T0) ** (k / (maxiter - 1))``,
      the classical ``T_{k+1} = alpha T_k`` with ``alpha`` chosen to end at ``T_final``;
    - ``"linear"``: ``T_k = T0 + (T_final - T0) * k / (maxiter - 1)``;
    - ``"logarithmic"``: ``T_k = T0 * log(2) / log(k + 2)`` (Geman & Geman; very slow);
    - ``"fast"``: ``T_k = T0 / (k + 1)`` with Cauchy-distributed moves (Szu & Hartley's
      fast annealing: the heavy tails keep long jumps possible while the temperature
      drops quickly);
    - a callable ``schedule(k, T0) -> T_k``.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float``.
    x0 : array_like or pytree
    bounds : optional
        As for :func:`minimize`.  With finite bounds, the default step is a tenth of the
        box width.
    rng : int or numpy.random.Generator, optional
        SPEC 7 random state: a seed or a Generator.  No global state is touched.
    schedule : str or callable
    maxiter : int
        Number of Metropolis steps (one function evaluation each).
    T0 : float, optional
        Initial temperature; default: the mean ``|f(y) - f(x0)|`` over 20 trial moves,
        so that a typical uphill move is first accepted with probability ``1/e``.
    T_final : float, optional
        Final temperature for ``"geometric"`` and ``"linear"`` (default ``1e-4 * T0``).
    stepsize : float or array, optional
        Initial length of a move (per coordinate: an array); default 1, or a tenth of
        the bound widths.
    polish : bool
        Finish with L-BFGS-B from the best point, with the exact AD gradient.
    callback : callable, optional
        ``callback(x, f, T)`` at each accepted move; return True to stop.

    Returns
    -------
    scipy.optimize.OptimizeResult
        ``x`` (x0's structure), ``fun``, ``nit``, ``nfev``, ``accept_rate``, ``success``,
        ``message``.  ``success`` is False, and the message says so, when no point better
        than ``x0`` was found: ``x`` is then ``x0`` itself.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.optimize import simulated_annealing
    >>> f = lambda x: cnp.sum(x ** 2) + 2 * cnp.sum(1 - cnp.cos(3 * x))
    >>> res = simulated_annealing(f, [2.0, -2.5], bounds=[(-4, 4), (-4, 4)], rng=0,
    ...                           maxiter=3000, polish=True)
    >>> bool(res.fun < 1e-10)
    True
    """
    if not isinstance(args, tuple):
        args = (args,)
    if not isinstance(maxiter, (int, np.integer)) or maxiter < 1:
        raise ValueError(f"simulated_annealing: maxiter must be a positive integer, got "
                         f"{maxiter!r}")
    rng = np.random.default_rng(rng)
    flat = Flattener(x0, "simulated_annealing")
    x = flat.ravel(x0)
    b = prepare_bounds(bounds, flat, "simulated_annealing")
    lb = np.full(flat.size, -np.inf) if b is None else np.asarray(b.lb, float)
    ub = np.full(flat.size, np.inf) if b is None else np.asarray(b.ub, float)
    x = np.clip(x, lb, ub)
    obj = ScalarObjective(fun, flat, args, "simulated_annealing")
    fx = f_start = obj.value(x)
    nfev = 1
    width = ub - lb
    if stepsize is None:
        step = np.where(np.isfinite(width), 0.1 * width, 1.0)
    else:
        step = np.broadcast_to(np.asarray(stepsize, float), (flat.size,)).copy()
    step = step / np.sqrt(max(flat.size, 1))
    # The adapted factor may grow until a move spans the box (or 1e3 steps), never beyond.
    widest = np.where(np.isfinite(width) & (step > 0), width / np.where(step > 0, step, 1),
                      1e3 * np.sqrt(max(flat.size, 1)))
    a_max = float(np.max(widest)) if widest.size else 1.0
    if T0 is None:
        deltas = []
        for _ in range(20):
            y = _reflect(x + step * rng.standard_normal(flat.size), lb, ub)
            deltas.append(abs(obj.value(y) - fx))
            nfev += 1
        finite = [d for d in deltas if np.isfinite(d)]
        T0 = float(np.mean(finite)) if finite and np.mean(finite) > 0 else 1.0
    if T0 <= 0:
        raise ValueError("simulated_annealing: T0 must be positive")
    T_final = 1e-4 * T0 if T_final is None else float(T_final)
    temperature = _schedule(schedule, float(T0), T_final, int(maxiter))
    draw = (rng.standard_cauchy if isinstance(schedule, str) and schedule == "fast"
            else rng.standard_normal)
    best_x, best_f = x.copy(), fx
    accepted = window_accepted = 0
    a = 1.0
    message = "Maximum number of iterations reached"
    k = 0
    for k in range(int(maxiter)):
        T = max(float(temperature(k)), 1e-300)
        y = _reflect(x + a * step * draw(flat.size), lb, ub)
        fy = obj.value(y)
        nfev += 1
        if np.isfinite(fy) and (fy <= fx or rng.random() < np.exp(-(fy - fx) / T)):
            x, fx = y, fy
            accepted += 1
            window_accepted += 1
            if fx < best_f:
                best_x, best_f = x.copy(), fx
            if callback is not None and callback(flat.unravel(x.copy()), fx, T):
                message = "Stopped by the callback"
                break
        if (k + 1) % _ADAPT_WINDOW == 0:
            rate = window_accepted / _ADAPT_WINDOW
            a = float(np.clip(a * np.exp(2.0 * (rate - _TARGET_ACCEPT)), 1e-12, a_max))
            window_accepted = 0
    success = best_f < f_start
    if not success:
        message = (f"{message}; no point better than x0 was found (f(x0) = {f_start:.6g}). "
                   "Try a smaller stepsize, a lower T0, more iterations, or polish=True")
    res = sopt.OptimizeResult(x=best_x, fun=best_f, nit=k + 1, nfev=nfev,
                              accept_rate=accepted / (k + 1), success=success,
                              message=message,
                              schedule=schedule if isinstance(schedule, str) else "callable",
                              T0=float(T0))
    if polish:
        pol, _ = minimize_flat(fun, flat, best_x, args, "L-BFGS-B", None, None, None, b, (),
                                None, None, None, name="simulated_annealing")
        res.nfev += pol.nfev
        res.njev = pol.njev
        if pol.fun <= best_f:
            res.x, res.fun = np.asarray(pol.x, float), float(pol.fun)
            res.success = bool(res.fun < f_start) or res.success
        res.message += "; polished with L-BFGS-B"
    return finish(res, flat)
