"""``adjoint="backsolve"``: reverse mode by the continuous adjoint method.

The backward pass integrates, from the last output time back to ``t0``, the augmented
system (state ``y``, adjoint ``a = dL/dy``, parameter gradient ``g``)::

    y' = f(t, y, p),   a' = -a^T df/dy,   g' = -a^T df/dp

with the same solver, adding each output's cotangent to ``a`` at its time (each interval
between output times continues with the step size the previous one ended with; the step
size is controlled by the error in ``y`` and ``a`` only).  Nothing of
the forward steps is stored, so memory does not grow with the number of steps; the price
is a second solve (backwards in time, which is unstable for problems that contract
strongly forwards) and derivatives accurate only to the solver tolerance.
"""

from __future__ import annotations

import numpy as np

from chainrule._src.numpy import base as cnp
from chainrule._src.transforms.api import jvp, vjp
from chainrule._src.control.scan import scan
from chainrule._src.core import is_tracer
from chainrule._src.control.custom import custom_vjp
from chainrule._src.tree_util import tree_flatten, tree_unflatten
from chainrule._src.transforms.vmap import vmap

from .implicit import integrate_any as integrate
from .stepper import DONE


FORWARD_JACOBIAN_MAX = 1024
"""Largest Jacobian of the right-hand side, (n + number of parameters) x n elements, that
the adjoint forms by forward mode (all its columns in one batched ``jvp``) rather than by a
reverse pass.  On small systems every staged operation costs about the same whatever the
size of its arrays, and the reverse pass costs more operations: it scatters the cotangent
of each component of ``y`` that the right-hand side indexes (measured on Lotka-Volterra:
the backward solve 1.5 times faster)."""


def _closes_over_tracers(fn):
    values = list(getattr(fn, "__defaults__", None) or ())
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            values.append(cell.cell_contents)
        except ValueError:
            pass
    return any(is_tracer(leaf) for v in values for leaf in tree_flatten(v)[0])


def _flat(leaves):
    if not leaves:
        return cnp.zeros((0,))
    return cnp.concatenate([cnp.ravel(_float(x)) for x in leaves])


def _float(x):
    """``x`` as a floating-point array (integers and booleans converted)."""
    x = cnp.asarray(x)
    return x if cnp.issubdtype(x.dtype, cnp.inexact) else x * 1.0


def _unflat(vec, like):
    out, i = [], 0
    for x in like:
        shape = np.shape(x)
        size = int(np.prod(shape))
        out.append(cnp.reshape(vec[i:i + size], shape))
        i += size
    return out


def backsolve(rhs, fun, y0, t0, t1, times, args, opts):
    """The solution at ``times`` (shape (n, m)), differentiated by the continuous adjoint;
    also returns ``(nfev, nsteps, code)`` of the forward solve.  ``rhs`` is ``fun`` with
    its output checked."""
    if _closes_over_tracers(fun):
        # The adjoint only sees what comes in through ``args``: a derivative with respect
        # to a captured value would silently be zero.
        raise TypeError(
            "solve_ivp(adjoint='backsolve'): fun closes over a value being differentiated "
            "(or traced by jit/vmap); pass it through args=(...) instead, so that the "
            "adjoint can differentiate with respect to it, or use adjoint='direct'")
    arg_leaves, arg_tree = tree_flatten(args)

    def solve_ivp_backsolve(y0, t0, t1, times, arg_leaves):
        a = tree_unflatten(arg_tree, list(arg_leaves))
        out, _, _, nfev, nsteps, code = integrate(
            lambda t, y: rhs(t, y, *a), t0, t1, y0, times, **opts)
        stats = cnp.stack([nfev, nsteps, code]) * 1.0
        return out, stats

    solve = custom_vjp(solve_ivp_backsolve)

    def fwd(y0, t0, t1, times, arg_leaves):
        out, stats = solve_ivp_backsolve(y0, t0, t1, times, arg_leaves)
        return (out, stats), (out, y0, t0, times, arg_leaves)

    def bwd(res, cts):
        out, y0, t0, times, leaves = res
        ct = cts[0]
        n, m = out.shape
        p = _flat(leaves)
        n_p = p.shape[0]

        # Differentiated with respect to the arguments themselves: slicing them out of
        # one flat vector would make every use of a parameter a scatter in the adjoint.
        float_leaves = [_float(x) for x in leaves]

        forward = (n + n_p) * n <= FORWARD_JACOBIAN_MAX and all(
            np.issubdtype(x.dtype, np.floating) for x in float_leaves)
        if forward:
            # The tangents of the identity on (y, p), one column each, as the arguments.
            k = n + n_p
            eye, basis, start = np.eye(k), [np.eye(k)[:, :n]], n
            for x in float_leaves:
                size = int(np.prod(x.shape))
                basis.append(eye[:, start:start + size].reshape((k,) + tuple(x.shape))
                             .astype(x.dtype))
                start += size

        def aug(t, z):
            y, a = z[:n], z[n:2 * n]

            def f(yy, *ls):
                return rhs(t, yy, *tree_unflatten(arg_tree, list(ls)))

            if forward:
                fy, jac = vmap(lambda *ts: jvp(f, (y, *float_leaves), ts),
                               out_axes=(None, 0))(*basis)
                return cnp.concatenate([fy, jac @ -a])
            fy, pull = vjp(f, y, *float_leaves)
            ay, *aps = pull(-a)  # the vjp is linear: negate the n values, not its results
            return cnp.concatenate([fy, ay, _flat(aps)])

        atol = cnp.asarray(opts["atol"]) * 1.0
        if atol.ndim:
            atol = cnp.concatenate([atol, atol, cnp.full((n_p,), cnp.min(atol))])
        # The parameter gradient g does not feed back into y or a: controlling the step
        # with the error of (y, a) alone (a "seminorm", Kidger, Chen and Lyons, 2021) takes
        # fewer steps at the same accuracy of g, a quadrature along the accepted steps.
        back = dict(opts, atol=atol, first_step=None, norm_size=2 * n)
        params = tree_unflatten(arg_tree, list(leaves))
        # dL/dT_i = ct_i . f(T_i, y(T_i)), for every output time at once.
        g_times = vmap(lambda t, y, c: cnp.dot(c, rhs(t, y, *params)))(times, out.T, ct.T)

        def segment(t_hi, t_lo, y_hi, a, g, h):
            z = cnp.concatenate([y_hi, a, g])
            # No output times: the state at the end of the interval is the solve's final
            # state, and the steps compute no dense output.  A backward solve that failed
            # (max_steps, step too small) gives NaN, never a silently zero gradient.
            res = integrate(aug, t_hi, t_lo, z, cnp.zeros((0,), dtype=z.dtype),
                            **dict(back, first_step=h), return_step=True)
            zs = cnp.where(res[5] == DONE, res[2], np.nan)
            return zs[n:2 * n], zs[2 * n:], res[-1]

        def between(carry, x):
            # From one output time back to the previous one, where its cotangent joins.
            # Each interval starts with the step size the previous one ended with: choosing
            # a first step again at every output time would double the number of steps.
            t_hi, t_lo, y_hi, ct_lo = x
            a, g, h = segment(t_hi, t_lo, y_hi, *carry)
            return (a + ct_lo, g, h), None

        a, g, h = ct[:, m - 1], cnp.zeros((n_p,)), None
        if m > 1:
            # The last interval chooses the first step; the others continue from it, one
            # loop body for all of them (compiled once under jit).
            a, g, h = segment(times[m - 1], times[m - 2], out[:, m - 1], a, g, None)
            a = a + ct[:, m - 2]
            if m > 2:
                (a, g, h), _ = scan(between, (a, g, h),
                                    (times[1:-1], times[:-2], out[:, 1:-1].T, ct[:, :-2].T),
                                    reverse=True)
        a, g, _ = segment(times[0], t0, out[:, 0], a, g, h)
        g_t0 = -cnp.dot(a, rhs(t0, y0, *tree_unflatten(arg_tree, list(leaves))))
        g_leaves = [cnp.reshape(v, np.shape(x)).astype(cnp.asarray(x).dtype)
                    for v, x in zip(_unflat(g, leaves), leaves)]
        return (a, g_t0, cnp.zeros_like(t0), g_times, g_leaves)

    solve.defvjp(fwd, bwd)
    out, stats = solve(y0, t0, t1, times, arg_leaves)
    return out, stats[0].astype(np.int64), stats[1].astype(np.int64), stats[2].astype(np.int64)
