"""Differentiable solutions by the implicit function theorem.

A solver returns ``x*(theta)`` defined by an optimality condition ``G(x*, theta) = 0``
(``G`` is the gradient of the objective for a minimizer, the residual itself for a root).
Differentiating the condition gives

    J_x dx + J_theta dtheta = 0   =>   dx = -J_x^{-1} (J_theta dtheta),

with ``J_x`` the Hessian (forward-over-reverse, one Hessian-vector product per column) or
the Jacobian of the residual, and ``J_theta dtheta`` one forward-mode product.  The
iterations of the solver are never unrolled.

Two rules are available:

- ``"dense"`` (default): a ``custom_jvp`` rule.  ``J_x`` is formed with ``n`` products and
  inverted; reverse mode is derived from the rule by transposition, and the rule is
  itself differentiable, so ``hessian`` of a function of the solution works too.
- ``"cg"``: a ``custom_vjp`` rule that never forms ``J_x``: the adjoint system
  ``J_x^T w = xbar`` is solved by conjugate gradients (GMRES for non-symmetric ``J_x``)
  with Hessian-vector products.  First-order reverse mode only (``grad``, ``vjp``).

Components of a bound-constrained minimizer that sit on an active bound have zero
derivative; the linear system is solved on the free components only.
"""

from __future__ import annotations

import warnings

import numpy as np

import chainrule as cr
import chainrule.numpy as cnp
from chainrule.tree_util import tree_flatten, tree_unflatten

from ._common import any_tracer, is_tracer


@cr.custom_jvp
def _inv(a):
    """Matrix inverse with the rule d(A^-1) = -A^-1 dA A^-1 (differentiable at any order)."""
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise np.linalg.LinAlgError(
            "the Jacobian of the optimality condition is singular at the solution, so the "
            "solution is not a differentiable function of the parameters (the minimizer or "
            "root is not locally unique). Regularize the problem, or fix the redundant "
            "parameters.") from None


@_inv.defjvp
def _inv_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    ai = _inv(a)
    return ai, -cnp.matmul(ai, cnp.matmul(da, ai))


def _concrete(x, what):
    if is_tracer(x):
        raise TypeError(
            f"implicit_diff='cg' supports first-order reverse mode (grad, vjp) only, but {what} "
            "is being differentiated by an enclosing transform too. Use implicit_diff='dense' "
            "for higher derivatives or forward mode.")
    return np.asarray(x, dtype=float)


class ImplicitSolution:
    """A solver's answer, differentiable in the traced leaves of ``args``.

    Parameters
    ----------
    solve : callable
        ``solve(x0_flat, args) -> (x_flat, info, free)`` on concrete values; ``free`` is
        a boolean mask of the components not held at a bound (or None: all free).
    condition : callable
        ``condition(x_flat, args) -> flat vector``, zero at the solution, written with
        chainrule operations.
    args : tuple
        The solver's ``args``; leaves that are tracers are differentiated.
    mode : {"dense", "cg"}
    symmetric : bool
        ``J_x`` is symmetric (a Hessian): CG instead of GMRES in ``"cg"`` mode.
    """

    def __init__(self, solve, condition, args, name, mode="dense", symmetric=True):
        if mode not in ("dense", "cg"):
            raise ValueError(f"{name}: implicit_diff must be 'dense' or 'cg', got {mode!r}")
        self.solve, self.condition, self.name = solve, condition, name
        self.symmetric = symmetric
        leaves, self.args_tree = tree_flatten(tuple(args))
        self.dyn_pos = [i for i, v in enumerate(leaves) if is_tracer(v)]
        self.dyn = [leaves[i] for i in self.dyn_pos]
        # The template holds no tracer: the custom rule must not close over traced values.
        self.template = [None if is_tracer(v) else v for v in leaves]
        self.info = None
        self.free = None
        if mode == "dense":
            self.solution = cr.custom_jvp(self._primal)
            self.solution.defjvp(self._jvp_rule)
        else:
            self.solution = cr.custom_vjp(self._primal)
            self.solution.defvjp(self._fwd, self._bwd)
        # named in error messages of the core (e.g. forward mode of a custom_vjp function)
        self.solution.__name__ = f"{name} solution (implicit_diff={mode!r})"

    def args(self, dyn):
        leaves = list(self.template)
        for i, d in zip(self.dyn_pos, dyn):
            leaves[i] = d
        return tree_unflatten(self.args_tree, leaves)

    def __call__(self, x0_flat):
        """The solution vector (a tracer when differentiated) and the solver's info."""
        x = self.solution(x0_flat, *self.dyn)
        return x, self.info

    # -- primal --------------------------------------------------------------------------
    def _primal(self, x0_flat, *dyn):
        if is_tracer(x0_flat) or any(is_tracer(d) for d in dyn):
            raise TypeError(
                f"{self.name} cannot run under vmap or jit: SciPy's solvers need concrete "
                "numbers, and these transforms trace the function with abstract or batched "
                "values. Loop over the batch in Python, or call the solver outside jit. "
                "(grad, jvp, jacobian and hessian through the solver are supported.)")
        args = self.args(dyn)
        x, info, free = self.solve(np.asarray(x0_flat, dtype=float), args)
        if isinstance(info, dict) and not info.get("success", True):
            warnings.warn(
                f"{self.name}: the solver did not converge ({info.get('message', '')}); the "
                "derivative of its solution assumes the optimality condition holds and may be "
                "inaccurate.", RuntimeWarning, stacklevel=4)
        self.info, self.free = info, free
        return np.asarray(x, dtype=float)

    def _embedding(self, n):
        """Constant matrix mapping free components into the full vector (or None)."""
        if self.free is None or bool(np.all(self.free)):
            return None
        return np.eye(n)[:, np.flatnonzero(self.free)]

    # -- dense rule (custom_jvp) ---------------------------------------------------------
    def _jvp_rule(self, primals, tangents):
        x0_flat, *dyn = primals
        dx0, *ddyn = tangents
        x = self.solution(x0_flat, *dyn)
        n = int(cnp.size(x))
        if not dyn:  # only x0 is traced: the solution does not depend on it
            return x, 0.0 * dx0
        jx = cr.jacfwd(lambda v: self.condition(v, self.args(dyn)))(x)
        _, cross = cr.jvp(lambda *d: self.condition(x, self.args(d)), tuple(dyn), tuple(ddyn))
        p = self._embedding(n)
        if p is None:
            dx = -cnp.matmul(_inv(jx), cross)
        elif p.shape[1] == 0:
            dx = cnp.zeros(n) * cnp.sum(cross)  # every component sits on a bound
        else:
            jff = cnp.matmul(p.T, cnp.matmul(jx, p))
            dx = -cnp.matmul(p, cnp.matmul(_inv(jff), cnp.matmul(p.T, cross)))
        return x, dx

    # -- matrix-free rule (custom_vjp) ---------------------------------------------------
    def _fwd(self, x0_flat, *dyn):
        for d in dyn:
            _concrete(d, "a parameter")
        x = self._primal(_concrete(x0_flat, "x0"), *dyn)
        return x, (x, tuple(dyn), np.shape(x0_flat))

    def _bwd(self, res, xbar):
        import scipy.sparse.linalg as spla

        x, dyn, x0_shape = res
        xbar = _concrete(xbar, "the cotangent")
        n = x.size
        args = self.args(dyn)
        cond_x = lambda v: self.condition(v, args)
        p = self._embedding(n)
        free = np.arange(n) if p is None else np.flatnonzero(self.free)

        def full(v):
            out = np.zeros(n)
            out[free] = v
            return out

        def matvec(v):
            _, jv = cr.jvp(cond_x, (x,), (full(np.ravel(v)),))
            return np.asarray(jv, dtype=float)[free]

        def rmatvec(v):
            _, pull = cr.vjp(cond_x, x)
            return np.asarray(pull(full(np.ravel(v)))[0], dtype=float)[free]

        m = len(free)
        w = np.zeros(n)
        if m:
            op = spla.LinearOperator((m, m), matvec=matvec if self.symmetric else rmatvec,
                                     dtype=float)
            solver = spla.cg if self.symmetric else spla.gmres
            sol, info = solver(op, xbar[free], rtol=1e-10, atol=0.0, maxiter=10 * m + 10)
            if info != 0:
                warnings.warn(f"{self.name}: the adjoint linear solve did not converge "
                              f"(info={info}); the gradient may be inaccurate. Try "
                              "implicit_diff='dense'.", RuntimeWarning, stacklevel=3)
            w[free] = sol
        _, pull = cr.vjp(lambda *d: self.condition(x, self.args(d)), *dyn)
        dyn_bar = pull(-w)
        return (np.zeros(x0_shape),) + tuple(dyn_bar)


def needs_implicit(x0, args):
    return any_tracer(x0) or any_tracer(args)
