"""``dense_output=True``: the solution of ``solve_ivp`` as a callable of time.

SciPy keeps every step's interpolant in an ``OdeSolution``.  A solve under ``jit`` or
``vmap`` cannot grow a list of steps whose length is unknown, so ``OdeSolution`` here
keeps the problem instead: calling it solves again with the query times as ``t_eval``.
The steps depend only on the problem (never on ``t_eval``), so the values are exactly
those of the first solve's interpolants, at the cost of one solve per call; derivatives
with respect to the query times, ``y0``, ``t_span`` and ``args`` come from the solver's.
"""

from __future__ import annotations

import numpy as np

from chainrule._src.numpy import base as cnp
from chainrule._src.tree_util import register_pytree_node

from .stepper import concrete_or_none


class OdeSolution:
    """The continuous solution of :func:`solve_ivp` (``sol.sol`` with
    ``dense_output=True``), evaluated by the method's dense output.

    ``sol(t)`` returns shape ``(n,)`` for a scalar ``t`` and ``(n, len(t))`` for a 1-D
    one, in any order, as SciPy's ``OdeSolution``; ``t`` must lie in ``[t_min, t_max]``
    (SciPy extrapolates outside; this is an error here when ``t`` is known).  Each call
    integrates the problem again (with ``t`` as output times): the same steps, so the
    same values as the stored interpolants would give.

    Attributes
    ----------
    t_min, t_max : float
        The interval covered: from ``t0`` to the end of the solve (``t1``, or the time
        of a terminal event).

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.ode import solve_ivp
    >>> sol = solve_ivp(lambda t, y: -y, (0.0, 2.0), [1.0], dense_output=True,
    ...                 rtol=1e-10, atol=1e-12)
    >>> sol.sol(1.0).round(8), sol.sol([0.5, 1.5]).shape
    (array([0.36787944]), (1, 2))
    """

    def __init__(self, solve, t_span, t_end, y0, args, options):
        self._solve, self._options = solve, options
        self._t_span, self._t_end, self._y0, self._args = t_span, t_end, y0, args

    @property
    def t_min(self):
        return cnp.minimum(self._t_span[0], self._t_end)

    @property
    def t_max(self):
        return cnp.maximum(self._t_span[0], self._t_end)

    def __call__(self, t):
        t = cnp.asarray(t) * 1.0
        if t.ndim > 1:
            raise ValueError("`t` must be a float or a 1-D array.")
        tq = cnp.reshape(t, (-1,))
        t0 = self._t_span[0]
        d = cnp.sign(self._t_span[1] - t0)
        known = concrete_or_none(tq)
        lo, hi = concrete_or_none(self.t_min), concrete_or_none(self.t_max)
        if known is not None and lo is not None and hi is not None:
            if np.any(known < lo) or np.any(known > hi):
                raise ValueError(
                    f"OdeSolution: t must lie in [t_min, t_max] = [{float(lo)}, {float(hi)}] "
                    "(the interval solved; SciPy would extrapolate the first or last step)")
        dk = concrete_or_none(d)
        if known is not None and dk is not None:
            # Sorted distinct times (t_eval must be strictly monotonic), then back.
            key = float(dk if dk != 0 else 1.0) * known
            uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
            ys = self._solve(self._t_span, self._y0, self._args, tq[first])
            out = ys[:, np.reshape(inverse, (-1,))]
        else:
            # (``take``: ``tq`` may be a plain array and ``order`` traced.)
            order = cnp.argsort(cnp.where(d == 0, 1.0, d) * tq)
            ys = self._solve(self._t_span, self._y0, self._args, cnp.take(tq, order))
            out = cnp.take(ys, cnp.argsort(order), axis=1)
        return out[:, 0] if t.ndim == 0 else out

    def __repr__(self):
        return f"OdeSolution(t_min={self.t_min!r}, t_max={self.t_max!r})"


register_pytree_node(
    OdeSolution,
    lambda s: ((s._t_span, s._t_end, s._y0, s._args), (s._solve, s._options)),
    lambda aux, ch: OdeSolution(aux[0], ch[0], ch[1], ch[2], ch[3], aux[1]))
