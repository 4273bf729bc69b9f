"""``minimize`` and ``minimize_scalar`` with exact derivatives from automatic differentiation."""

from __future__ import annotations

import numpy as np
import scipy.optimize as sopt

import chainrule as cr
import chainrule.numpy as cnp
from chainrule.tree_util import tree_flatten

from ._common import (Flattener, ScalarObjective, check_method, scalar_value,
                      small_problem_blas, wrap_callback)
from ._implicit import ImplicitSolution, needs_implicit

__all__ = ["minimize", "minimize_scalar", "argmin"]

MINIMIZE_METHODS = ("nelder-mead", "powell", "cg", "bfgs", "newton-cg", "l-bfgs-b", "tnc",
                    "cobyla", "cobyqa", "slsqp", "trust-constr", "dogleg", "trust-ncg",
                    "trust-exact", "trust-krylov")
_GRADIENT_FREE = ("nelder-mead", "powell", "cobyla", "cobyqa")
_HESSP = ("newton-cg", "trust-ncg", "trust-krylov", "trust-constr")
_HESS = ("dogleg", "trust-exact")
_BOUNDED = ("nelder-mead", "powell", "l-bfgs-b", "tnc", "slsqp", "trust-constr", "cobyla",
            "cobyqa")
_CONSTRAINED = ("cobyla", "cobyqa", "slsqp", "trust-constr")


def ravel_any(tree):
    """Differentiable concatenation of the leaves of any pytree into one vector."""
    leaves = tree_flatten(tree)[0]
    parts = [cnp.reshape(cnp.asarray(leaf), (-1,)) for leaf in leaves]
    if not parts:
        return cnp.zeros(0)
    return cnp.concatenate(parts) if len(parts) > 1 else parts[0]


def default_method(method, bounds, constraints):
    if method is not None:
        return method
    if constraints:
        return "SLSQP"
    if bounds is not None:
        return "L-BFGS-B"
    return "BFGS"


# --- bounds ---------------------------------------------------------------------------------
def prepare_bounds(bounds, flat, name):
    """Normalize every accepted form of ``bounds`` into ``scipy.optimize.Bounds`` (flat)."""
    if bounds is None:
        return None
    if isinstance(bounds, sopt.Bounds):
        lb, ub = bounds.lb, bounds.ub
        if isinstance(lb, np.ndarray) and lb.size == 1 and (lb.dtype == object or flat.is_tree):
            lb = lb.item()  # Bounds stores a pytree or a number as a 1-element array
        if isinstance(ub, np.ndarray) and ub.size == 1 and (ub.dtype == object or flat.is_tree):
            ub = ub.item()
        lb = flat.broadcast_tree(lb, "bounds.lb", -np.inf)
        ub = flat.broadcast_tree(ub, "bounds.ub", np.inf)
    elif flat.is_tree:
        if not (isinstance(bounds, (tuple, list)) and len(bounds) == 2):
            raise ValueError(
                f"{name}: with a pytree x0, give bounds as (lower, upper) or "
                "scipy.optimize.Bounds(lower, upper), where lower and upper are numbers, None "
                "or pytrees with x0's structure.")
        lb = flat.broadcast_tree(bounds[0], "the lower bounds", -np.inf)
        ub = flat.broadcast_tree(bounds[1], "the upper bounds", np.inf)
    else:
        try:
            pairs = list(bounds)
        except TypeError:
            raise ValueError(f"{name}: bounds must be a sequence of (min, max) pairs or a "
                             "scipy.optimize.Bounds object") from None
        if len(pairs) != flat.size:
            raise ValueError(
                f"{name}: bounds has {len(pairs)} (min, max) pairs but x0 has {flat.size} "
                f"element(s); give one pair per element, or use scipy.optimize.Bounds(lb, ub) "
                "with arrays or numbers.")
        lb, ub = np.empty(flat.size), np.empty(flat.size)
        for i, pair in enumerate(pairs):
            try:
                lo, hi = pair
            except (TypeError, ValueError):
                raise ValueError(f"{name}: bounds[{i}] = {pair!r} is not a (min, max) "
                                 "pair") from None
            lb[i] = -np.inf if lo is None else float(lo)
            ub[i] = np.inf if hi is None else float(hi)
    if np.any(lb > ub):
        i = int(np.flatnonzero(lb > ub)[0])
        raise ValueError(f"{name}: a lower bound exceeds its upper bound (flat component {i}: "
                         f"{lb[i]} > {ub[i]})")
    keep = getattr(bounds, "keep_feasible", False)
    return sopt.Bounds(lb, ub, keep_feasible=keep)


def active_mask(x, bounds):
    """Components of ``x`` held at a bound (boolean), or None without bounds."""
    if bounds is None:
        return None
    lb, ub = np.asarray(bounds.lb, float), np.asarray(bounds.ub, float)
    tol = 1e-10 * (1.0 + np.abs(x))
    at = ((np.isfinite(lb) & (x - lb <= tol)) | (np.isfinite(ub) & (ub - x <= tol)))
    return ~at


# --- constraints ----------------------------------------------------------------------------
def _constraint_jac(cfun, flat):
    def jac(v, *cargs):
        f = lambda w: ravel_any(cfun(flat.unravel(w), *cargs))
        j = cr.jacobian(f, mode="auto")(np.asarray(v, dtype=float))
        return np.asarray(j, dtype=float).reshape(-1, flat.size)
    return jac


def prepare_constraints(constraints, flat, name):
    """Let constraint functions see ``x`` with x0's structure; supply AD Jacobians."""
    if constraints is None:
        return ()
    single = isinstance(constraints, (dict, sopt.NonlinearConstraint, sopt.LinearConstraint))
    items = [constraints] if single else list(constraints)
    out = []
    for c in items:
        if isinstance(c, dict):
            if "fun" not in c or "type" not in c:
                raise ValueError(f"{name}: a constraint dict needs 'type' ('eq' or 'ineq') and "
                                 "'fun' entries")
            cfun = c["fun"]
            new = dict(c)
            new["fun"] = (lambda cf: lambda v, *a: np.asarray(
                ravel_any(cf(flat.unravel(np.asarray(v, float)), *a)), float))(cfun)
            if c.get("jac") is None:
                new["jac"] = _constraint_jac(cfun, flat)
            elif callable(c["jac"]) and flat.is_tree:
                new["jac"] = (lambda cj: lambda v, *a: np.asarray(
                    cj(flat.unravel(np.asarray(v, float)), *a), float).reshape(-1, flat.size))(
                        c["jac"])
            out.append(new)
        elif isinstance(c, sopt.NonlinearConstraint):
            cfun = c.fun
            jac = c.jac
            if not callable(jac):
                jac = _constraint_jac(cfun, flat)
            elif flat.is_tree:
                jac = (lambda cj: lambda v: np.asarray(cj(flat.unravel(v)), float).reshape(
                    -1, flat.size))(jac)
            out.append(sopt.NonlinearConstraint(
                lambda v, cf=cfun: np.asarray(ravel_any(cf(flat.unravel(v))), float),
                c.lb, c.ub, jac=jac, hess=c.hess, keep_feasible=c.keep_feasible))
        else:
            out.append(c)  # LinearConstraint: acts on the flat vector
    return out


# --- minimize ------------------------------------------------------------------------------
def _wrap_user_jac(jac, flat, args, fun):
    if jac is True:
        def fun_and_grad(x):
            out = fun(flat.unravel(np.asarray(x, float)), *args)
            if not isinstance(out, (tuple, list)) or len(out) != 2:
                raise TypeError("minimize: jac=True means fun returns the pair (value, "
                                "gradient), but it returned "
                                f"{type(out).__name__} {np.shape(out)}; leave jac out to "
                                "get the gradient by automatic differentiation")
            f, g = out
            return scalar_value(f, "minimize"), flat.ravel(g, "the gradient")
        return fun_and_grad, True
    if callable(jac):
        return None, lambda x: flat.ravel(jac(flat.unravel(np.asarray(x, float)), *args),
                                          "the gradient")
    return None, jac


def minimize_flat(fun, flat, x0_vec, args, method, jac, hess, hessp, bounds, constraints,
                   tol, callback, options, name="minimize"):
    """Run scipy.optimize.minimize on the flat problem; returns SciPy's result (flat x)."""
    with small_problem_blas(flat.size):
        return _minimize_flat_scipy(fun, flat, x0_vec, args, method, jac, hess, hessp, bounds,
                                    constraints, tol, callback, options, name)


def _minimize_flat_scipy(fun, flat, x0_vec, args, method, jac, hess, hessp, bounds,
                         constraints, tol, callback, options, name):
    obj = ScalarObjective(fun, flat, args, name)
    meth = method.lower() if isinstance(method, str) else "_custom"
    kw = dict(method=method, bounds=bounds, tol=tol, options=options,
              callback=wrap_callback(callback, flat))
    if constraints:
        kw["constraints"] = constraints
    if meth in _GRADIENT_FREE and jac is None:
        obj.value(x0_vec)  # clear errors at x0 before the solver starts
        res = sopt.minimize(obj.value, x0_vec, **kw)
        return res, obj
    if jac is None:
        obj.value_and_grad(x0_vec)
        f, j = obj.value_and_grad, True
    elif jac is False:
        obj.value(x0_vec)
        f, j = obj.value, None
    else:
        ff, j = _wrap_user_jac(jac, flat, args, fun)
        f = ff if ff is not None else obj.value
    if meth in _HESSP + ("_custom",) and hess is None and hessp is None:
        kw["hessp"] = obj.hessp
    elif meth in _HESS and hess is None:
        kw["hess"] = obj.hess
    else:
        if callable(hess):
            def user_hess(x, *a):
                h = np.asarray(hess(flat.unravel(np.asarray(x, float)), *args), float)
                if h.size != flat.size ** 2:
                    raise ValueError(f"{name}: hess returned an array of shape {h.shape}, "
                                     f"but x0 has {flat.size} element(s): the Hessian must "
                                     f"be ({flat.size}, {flat.size})")
                return h.reshape(flat.size, flat.size)
            kw["hess"] = user_hess
        elif hess is not None:
            kw["hess"] = hess
        if callable(hessp):
            kw["hessp"] = lambda x, p, *a: flat.ravel(
                hessp(flat.unravel(np.asarray(x, float)), flat.unravel(np.asarray(p, float)),
                      *args), "hessp's result")
    return sopt.minimize(f, x0_vec, jac=j, **kw), obj


def finish(res, flat):
    res.x = flat.unravel(np.asarray(res.x, float))
    if "jac" in res and res.jac is not None and np.size(res.jac) == flat.size:
        res.jac = flat.unravel(np.asarray(res.jac, float))
    return res


def minimize(fun, x0, args=(), method=None, jac=None, hess=None, hessp=None, bounds=None,
             constraints=(), tol=None, callback=None, options=None, *, implicit_diff="dense"):
    """Minimize a scalar function, with exact derivatives by automatic differentiation.

    The signature and result are those of :func:`scipy.optimize.minimize`, so
    ``from chainrule.scipy.optimize import minimize`` is a drop-in replacement.  What
    changes:

    - without ``jac``, the gradient is exact: one reverse-mode pass gives the value and
      the gradient together (never finite differences);
    - Newton-CG, trust-ncg, trust-krylov and trust-constr get exact Hessian-vector
      products (forward over reverse); dogleg and trust-exact the exact Hessian;
    - ``x0`` may be a pytree (a dict or tuple of arrays): ``fun``, ``jac``, callbacks and
      the result's ``x`` and ``jac`` use the same structure;
    - when ``args`` holds values being differentiated by an enclosing ``grad``/``jvp``,
      ``result.x`` and ``result.fun`` are differentiable with respect to them by the
      implicit function theorem (see :func:`argmin`).

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float``, written with ``chainrule.numpy`` (or NumPy ufuncs).
    x0 : array_like or pytree
        Starting point.
    args : tuple
        Extra arguments of ``fun`` (and ``jac``, ``hess``, ``hessp``).
    method : str or callable, optional
        Any method of :func:`scipy.optimize.minimize`: ``"BFGS"`` (default without bounds
        or constraints), ``"L-BFGS-B"`` (default with bounds), ``"SLSQP"`` (default with
        constraints), ``"CG"``, ``"Newton-CG"``, ``"trust-ncg"``, ``"trust-krylov"``,
        ``"trust-exact"``, ``"dogleg"``, ``"trust-constr"``, ``"TNC"``, ``"Nelder-Mead"``,
        ``"Powell"``, ``"COBYLA"``, ``"COBYQA"``.
    jac : callable, bool or str, optional
        ``None`` (default): exact gradient by AD.  A callable or ``True`` as in SciPy;
        ``False`` or a finite-difference scheme (``"2-point"``...) to let SciPy estimate it.
    hess, hessp : callable, optional
        As in SciPy; by default supplied by AD for the methods that use them.
    bounds : sequence of (min, max), scipy.optimize.Bounds or (lower, upper), optional
        For array ``x0`` the SciPy forms.  For pytree ``x0``, ``(lower, upper)`` or
        ``Bounds(lower, upper)`` where each side is a number, ``None`` or a pytree with
        x0's structure (leaves: numbers, None or arrays of the leaf's shape).
    constraints : dict, NonlinearConstraint, LinearConstraint or a sequence of them
        As in SciPy; constraint functions see ``x`` with x0's structure and get AD
        Jacobians when they have none.  LinearConstraint acts on the flattened ``x``.
    tol, callback, options
        As in SciPy; callbacks see ``x`` with x0's structure.
    implicit_diff : {"dense", "cg"}
        How derivatives of the solution are computed when ``args`` are differentiated:
        ``"dense"`` forms the Hessian (any order, forward and reverse mode), ``"cg"``
        solves with Hessian-vector products only (first-order reverse mode).

    Returns
    -------
    scipy.optimize.OptimizeResult
        With SciPy's fields: ``x``, ``fun``, ``jac``, ``hess_inv`` (BFGS, L-BFGS-B; in the
        flattened coordinates), ``nit``, ``nfev``, ``njev``, ``nhev``, ``status``,
        ``success``, ``message``.

    Raises
    ------
    ValueError
        Unknown method; an objective that is not scalar or not finite at ``x0``; bounds
        whose shape does not match ``x0``.
    TypeError
        An objective that returns a non-real value, or closes over a traced variable.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.optimize import minimize
    >>> def rosen(x):
    ...     return cnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    >>> res = minimize(rosen, cnp.zeros(5), method="BFGS")
    >>> res.success, cnp.round(res.x, 4)
    (True, array([1., 1., 1., 1., 1.]))

    Pytrees work the same way:

    >>> res = minimize(lambda p: (p["a"] - 1.0) ** 2 + cnp.sum((p["b"] + 2.0) ** 2),
    ...                {"a": 0.0, "b": cnp.zeros(2)})
    >>> float(res.x["a"]), res.x["b"].round(6)
    (1.0, array([-2., -2.]))
    """
    if not isinstance(args, tuple):
        args = (args,)
    valid = MINIMIZE_METHODS
    check_method(method, valid, "minimize")
    method = default_method(method, bounds, constraints)
    flat = Flattener(x0, "minimize")
    bounds_obj = prepare_bounds(bounds, flat, "minimize")
    cons = prepare_constraints(constraints, flat, "minimize")

    if not needs_implicit(x0, args):
        res, _ = minimize_flat(fun, flat, flat.ravel(x0), args, method, jac, hess, hessp,
                                bounds_obj, cons, tol, callback, options)
        return finish(res, flat)

    if cons:
        raise ValueError(
            "minimize: differentiating the solution of a constrained problem (constraints=...) "
            "is not supported; only bounds are. Eliminate the constraints by a change of "
            "variables, or wrap the solve in chainrule.stop_gradient.")

    def solve(x0_vec, concrete_args):
        res, _ = minimize_flat(fun, flat, x0_vec, concrete_args, method, jac, hess, hessp,
                                bounds_obj, cons, tol, callback, options)
        return res.x, res, active_mask(np.asarray(res.x, float), bounds_obj)

    def condition(v, a):
        g = cr.grad(lambda t: fun(t, *a))(flat.unravel(v))
        return flat.ravel_traced(g)

    implicit = ImplicitSolution(solve, condition, args, "minimize", implicit_diff)
    x0_vec = flat.ravel_traced(x0) if needs_implicit(x0, ()) else flat.ravel(x0)
    x_flat, info = implicit(x0_vec)
    res = sopt.OptimizeResult(info)
    if "jac" in res and res.jac is not None:
        res.jac = flat.unravel(np.asarray(res.jac, float)) if flat.is_tree else res.jac
    res.x = flat.unravel(x_flat)
    res.fun = fun(res.x, *args)
    return res


def argmin(fun, x0, args=(), method=None, *, bounds=None, tol=None, options=None,
           implicit_diff="dense", **kwargs):
    """The minimizer of ``fun(x, *args)``, differentiable with respect to ``args``.

    The solution is computed by :func:`minimize`; its derivative with respect to any
    array in ``args`` comes from the implicit function theorem applied to the optimality
    condition ``grad_x fun(x*, args) = 0``:
    ``dx* = -H^{-1} (d/dargs grad_x fun) dargs``, with ``H`` the Hessian at ``x*``
    (built from Hessian-vector products).  The solver's iterations are never unrolled, so
    the cost is independent of how many iterations it took.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float`` written with ``chainrule.numpy``.
    x0 : array_like or pytree
        Starting point (its derivative is zero: the minimizer does not depend on it).
    args : tuple
        Parameters; the ones being differentiated by an enclosing transform get
        derivatives.  Pass parameters here rather than capturing them in a closure.
    method, bounds, tol, options, **kwargs
        Passed to :func:`minimize`.  Components held at an active bound have zero
        derivative.
    implicit_diff : {"dense", "cg"}
        ``"dense"``: the rule forms the Hessian (n Hessian-vector products), works in
        forward and reverse mode and to any order.  ``"cg"``: matrix-free conjugate
        gradients with Hessian-vector products, first-order reverse mode only.

    Returns
    -------
    x : array or pytree
        The minimizer, with x0's structure.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> from chainrule.optimize import argmin
    >>> f = lambda x, a: cnp.sum((x - a) ** 2) + 0.5 * cnp.sum(x ** 2)   # x* = 2a/3
    >>> cr.grad(lambda a: cnp.sum(argmin(f, cnp.zeros(2), (a,))))(cnp.array([1.0, 2.0]))
    array([0.66666667, 0.66666667])
    """
    return minimize(fun, x0, args, method=method, bounds=bounds, tol=tol, options=options,
                    implicit_diff=implicit_diff, **kwargs).x


# --- minimize_scalar ------------------------------------------------------------------------
def minimize_scalar(fun, bracket=None, bounds=None, args=(), method=None, tol=None,
                    options=None):
    """Minimize a function of one variable (SciPy's :func:`scipy.optimize.minimize_scalar`).

    The methods (``"brent"``, ``"bounded"``, ``"golden"``) need no derivatives; the
    difference from SciPy is that when ``args`` hold values being differentiated, the
    result's ``x`` and ``fun`` are differentiable with respect to them (implicit function
    theorem on ``fun'(x*) = 0``).

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> from chainrule.optimize import minimize_scalar
    >>> res = minimize_scalar(lambda x: (x - 2.0) ** 2 + 1.0)
    >>> round(float(res.x), 6), round(float(res.fun), 6)
    (2.0, 1.0)
    >>> # x*(a) solves 2 (x - a) + x^3 = 0, so dx*/da = 2 / (2 + 3 x*^2)
    >>> g = lambda a: minimize_scalar(lambda x, a: (x - a) ** 2 + x ** 4 / 4, args=(a,)).x
    >>> x, dx = g(1.0), cr.grad(g)(1.0)
    >>> bool(abs(dx - 2 / (2 + 3 * x ** 2)) < 1e-6)
    True
    """
    if not isinstance(args, tuple):
        args = (args,)
    check_method(method, ("brent", "bounded", "golden"), "minimize_scalar")

    def solve(_, a):
        def f(x):
            return scalar_value(fun(x, *a), "minimize_scalar")
        res = sopt.minimize_scalar(f, bracket=bracket, bounds=bounds, method=method, tol=tol,
                                   options=options)
        return np.array([float(res.x)]), res, None

    if not needs_implicit((), args):
        return solve(None, args)[1]

    def condition(v, a):
        return cnp.reshape(cr.grad(lambda s: fun(s, *a))(v[0]), (1,))

    implicit = ImplicitSolution(solve, condition, args, "minimize_scalar")
    x_flat, info = implicit(np.zeros(1))
    res = sopt.OptimizeResult(info)
    res.x = x_flat[0]
    res.fun = fun(res.x, *args)
    return res
