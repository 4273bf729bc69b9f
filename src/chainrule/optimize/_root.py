"""Root finding with exact derivatives: ``root``, ``root_scalar``, ``newton``."""

from __future__ import annotations

import numpy as np
import scipy.optimize as sopt

import chainrule as cr
import chainrule.numpy as cnp

from ._common import Flattener, check_method, is_tracer, scalar_value, small_problem_blas
from ._implicit import ImplicitSolution, needs_implicit
from ._minimize import ravel_any

__all__ = ["root", "root_scalar", "newton"]

ROOT_METHODS = ("hybr", "lm", "broyden1", "broyden2", "anderson", "linearmixing",
                "diagbroyden", "excitingmixing", "krylov", "df-sane")
ROOT_SCALAR_METHODS = ("bisect", "brentq", "brenth", "ridder", "toms748", "newton", "secant",
                       "halley")


def root(fun, x0, args=(), method="hybr", jac=None, tol=None, callback=None, options=None, *,
         implicit_diff="dense"):
    """Find a root of a vector function (:func:`scipy.optimize.root`) with an exact Jacobian.

    Without ``jac``, the methods that use a Jacobian (``"hybr"``, ``"lm"``) get the exact
    one from automatic differentiation.  ``x0`` may be a pytree; ``fun`` may return a
    pytree with as many elements in total.  When ``args`` hold values being differentiated
    by an enclosing transform, ``result.x`` is differentiable with respect to them by the
    implicit function theorem (``dx = -J_x^{-1} J_args dargs``).

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> residuals``.
    x0 : array_like or pytree
    args : tuple
    method : str
        ``"hybr"`` (default), ``"lm"``, ``"broyden1"``, ``"broyden2"``, ``"anderson"``,
        ``"linearmixing"``, ``"diagbroyden"``, ``"excitingmixing"``, ``"krylov"``,
        ``"df-sane"``.
    jac : callable or bool, optional
        ``None``: exact Jacobian by AD.  A callable or ``True`` as in SciPy; ``False`` to
        let SciPy estimate it.
    tol, callback, options
        As in SciPy.
    implicit_diff : {"dense", "cg"}
        Rule for derivatives of the solution (``"cg"`` uses GMRES, matrix-free).

    Returns
    -------
    scipy.optimize.OptimizeResult
        ``x`` with x0's structure; ``fun`` (flat residuals), ``success``, ``message``...

    Examples
    --------
    >>> import numpy as np, chainrule.numpy as cnp
    >>> from chainrule.optimize import root
    >>> sol = root(lambda x: cnp.stack([x[0] + 0.5 * (x[0] - x[1]) ** 3 - 1.0,
    ...                                 0.5 * (x[1] - x[0]) ** 3 + x[1]]), [0.0, 0.0])
    >>> sol.success, sol.x.round(6)
    (True, array([0.841164, 0.158836]))
    """
    if not isinstance(args, tuple):
        args = (args,)
    check_method(method, ROOT_METHODS, "root")
    flat = Flattener(x0, "root")
    meth = method.lower() if isinstance(method, str) else "_custom"

    @small_problem_blas(flat.size)
    def solve(x0_vec, a):
        def F(v):
            return np.asarray(ravel_any(fun(flat.unravel(np.asarray(v, float)), *a)), float)
        r0 = F(x0_vec)
        if not np.all(np.isfinite(r0)):
            raise ValueError("root: the residuals are not finite at x0; move x0 inside the "
                             "function's domain")
        if meth == "hybr" and r0.size != flat.size:
            raise ValueError(f"root: fun returns {r0.size} residuals for {flat.size} unknowns; "
                             "method='hybr' needs a square system (use method='lm' or "
                             "chainrule.optimize.least_squares for an over-determined one)")
        if jac is None and meth in ("hybr", "lm"):
            j = lambda v: np.asarray(cr.jacobian(
                lambda w: ravel_any(fun(flat.unravel(w), *a)), mode="auto")(
                    np.asarray(v, float)), float).reshape(-1, flat.size)
        elif jac is True:
            def both(v):
                out, jj = fun(flat.unravel(np.asarray(v, float)), *a)
                return (np.asarray(ravel_any(out), float),
                        np.asarray(jj, float).reshape(-1, flat.size))
            res = sopt.root(both, x0_vec, method=method, jac=True, tol=tol, callback=callback,
                            options=options)
            return res.x, res, None
        elif callable(jac):
            j = lambda v: np.asarray(jac(flat.unravel(np.asarray(v, float)), *a),
                                     float).reshape(-1, flat.size)
        else:
            j = None
        res = sopt.root(F, x0_vec, method=method, jac=j, tol=tol, callback=callback,
                        options=options)
        return res.x, res, None

    if not needs_implicit(x0, args):
        res = solve(flat.ravel(x0), args)[1]
        res.x = flat.unravel(np.asarray(res.x, float))
        return res

    def condition(v, a):
        return ravel_any(fun(flat.unravel(v), *a))

    implicit = ImplicitSolution(solve, condition, args, "root", implicit_diff, symmetric=False)
    x_flat, info = implicit(flat.ravel_traced(x0) if needs_implicit(x0, ()) else flat.ravel(x0))
    res = sopt.OptimizeResult(info)
    res.x = flat.unravel(x_flat)
    return res


def _derivatives(f, args, order):
    """``x -> (f, f')`` or ``(f, f', f'')`` by forward mode, in one call."""
    g = lambda s: f(s, *args)
    if order == 1:
        def d1(x):
            v, dv = cr.jvp(g, (np.float64(x),), (1.0,))
            return scalar_value(v, "root_scalar"), float(dv)
        return d1

    def d2(x):
        (v, dv), (_, ddv) = cr.jvp(lambda s: cr.jvp(g, (s,), (1.0,)), (np.float64(x),), (1.0,))
        return scalar_value(v, "root_scalar"), float(dv), float(ddv)
    return d2


def root_scalar(f, args=(), method=None, bracket=None, fprime=None, fprime2=None, x0=None,
                x1=None, xtol=None, rtol=None, maxiter=None, options=None):
    """Find a root of a scalar function (:func:`scipy.optimize.root_scalar`).

    Derivatives are exact and free: with ``x0`` and no bracket the default method is
    Newton's, with the derivative from forward-mode AD (the value and the derivative come
    from one evaluation); ``method="halley"`` gets the second derivative the same way.
    With ``bracket`` the default is ``"brentq"``, as in SciPy.  When ``args`` hold values
    being differentiated, ``result.root`` is differentiable with respect to them
    (``dx = -(df/dargs) / f'(x)``).

    Parameters
    ----------
    f : callable
        ``f(x, *args) -> float``.
    args, method, bracket, x0, x1, xtol, rtol, maxiter, options
        As in SciPy.
    fprime, fprime2 : callable or bool, optional
        ``None``: by AD when the method uses them.

    Returns
    -------
    scipy.optimize.RootResults
        ``root``, ``converged``, ``flag``, ``iterations``, ``function_calls``.

    Examples
    --------
    >>> from chainrule.optimize import root_scalar
    >>> sol = root_scalar(lambda x: x ** 3 - 2.0, x0=1.0)
    >>> sol.method, round(float(sol.root), 12)
    ('newton', 1.259921049895)
    """
    if not isinstance(args, tuple):
        args = (args,)
    check_method(method, ROOT_SCALAR_METHODS, "root_scalar")
    if method is None:
        if bracket is not None:
            method = "brentq"
        elif x0 is not None:
            method = "halley" if fprime2 not in (None, False) else "newton"
        else:
            raise ValueError("root_scalar: give a bracket=(a, b) where f changes sign, or a "
                             "starting point x0")
    meth = method.lower()

    def solve(_, a):
        kw = dict(method=method, bracket=bracket, x0=x0, x1=x1, xtol=xtol, rtol=rtol,
                  maxiter=maxiter, options=options)
        func = lambda x: scalar_value(f(x, *a), "root_scalar")
        if meth in ("newton", "halley") and fprime is None and fprime2 is None:
            order = 2 if meth == "halley" else 1
            func = _derivatives(f, a, order)
            kw.update(fprime=True, fprime2=True if order == 2 else None)
        else:
            kw.update(fprime=fprime, fprime2=fprime2)
            if fprime is True:
                func = lambda x: f(x, *a)
        sol = sopt.root_scalar(func, **{k: v for k, v in kw.items() if v is not None})
        info = {"success": sol.converged, "message": sol.flag, "sol": sol}
        return np.array([float(sol.root)]), info, None

    if not needs_implicit(x0, args):
        return solve(None, args)[1]["sol"]

    def condition(v, a):
        return cnp.reshape(f(v[0], *a), (1,))

    implicit = ImplicitSolution(solve, condition, args, "root_scalar")
    x_flat, info = implicit(np.zeros(1))
    sol = info["sol"]
    sol.root = x_flat[0]
    return sol


def newton(func, x0, fprime=None, args=(), tol=1.48e-08, maxiter=50, fprime2=None, x1=None,
           rtol=0.0, full_output=False, disp=True):
    """Newton's method (:func:`scipy.optimize.newton`) with the derivative by AD.

    Without ``fprime`` (and without ``x1``), the derivative is exact, from forward mode,
    instead of SciPy's fall-back to the secant method; ``fprime2=True`` asks for Halley's
    method with the second derivative by AD as well.  An array ``x0`` solves many
    independent scalar equations at once (``func`` must act elementwise).  When ``args``
    hold values being differentiated, the root is differentiable with respect to them.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.optimize import newton
    >>> round(float(newton(lambda x: cnp.cos(x) - x, 1.0)), 12)
    0.739085133215
    """
    if not isinstance(args, tuple):
        args = (args,)
    shape = tuple(cnp.shape(x0))

    def solve(x0_vec, a):
        start = x0_vec.reshape(shape) if shape else float(x0_vec[0])
        g = lambda x: func(x, *a)
        fp, fp2 = fprime, fprime2
        if fprime is None and x1 is None:
            fp = lambda x: np.asarray(cr.jvp(g, (np.asarray(x, float),),
                                             (np.ones_like(np.asarray(x, float)),))[1])
        if fprime2 is True:
            d1 = lambda s: cr.jvp(g, (s,), (cnp.ones_like(s),))[1]
            fp2 = lambda x: np.asarray(cr.jvp(d1, (np.asarray(x, float),),
                                              (np.ones_like(np.asarray(x, float)),))[1])
        out = sopt.newton(lambda x, *_: g(x), start, fprime=None if fp is None else
                          (lambda x, *_: fp(x)), tol=tol, maxiter=maxiter,
                          fprime2=None if fp2 is None else (lambda x, *_: fp2(x)), x1=x1,
                          rtol=rtol, full_output=full_output, disp=disp)
        r = out[0] if full_output else out
        return np.atleast_1d(np.asarray(r, float)).ravel(), out, None

    if not (is_tracer(x0) or needs_implicit((), args)):
        return solve(np.atleast_1d(np.asarray(x0, float)).ravel(), args)[1]

    def condition(v, a):
        return cnp.reshape(func(cnp.reshape(v, shape), *a), (-1,))

    implicit = ImplicitSolution(solve, condition, args, "newton", symmetric=False)
    x0_vec = (cnp.reshape(x0, (-1,)) if is_tracer(x0)
              else np.atleast_1d(np.asarray(x0, float)).ravel())
    x_flat, info = implicit(x0_vec)
    r = cnp.reshape(x_flat, shape)
    if full_output:
        return (r,) + tuple(info[1:])
    return r
