"""Events of ``solve_ivp``: zeros of ``event(t, y, *args)`` located during the solve.

SciPy's semantics: after every accepted step, each event function is evaluated at the new
state; a sign change (in the event's ``direction``: > 0 rising only, < 0 falling only,
0 both) since the previous step means a zero inside the step, located on the step's
dense interpolant.  An event with ``terminal=True`` (or a count ``k``: after ``k``
occurrences) ends the solve at its zero; events later in the same step are dropped.

The zero is found by bisection on values without derivatives, then refined by two Newton
steps on the differentiable event function ``G(tau) = event(tau, interp(tau))``.  From a
converged root, they give the first and second derivatives of the event time by the
implicit function theorem, ``dt*/dp = -(dG/dp) / (dG/dt)``, with ``dG/dp`` including the
dependence of the interpolated state on ``y0``, ``args`` and ``t_span``.

The occurrences are kept in buffers of a static size (``max_events`` per event, padded
with NaN), so that the solve works under ``jit`` and ``vmap``; eagerly they are trimmed
to the occurrences found.  More occurrences than that end the solve with ``status=-1``.
"""

from __future__ import annotations

import numpy as np

from chainrule._src.numpy import base as cnp
from chainrule._src.control.custom import stop_gradient as sg
from chainrule._src.control.scan import fori_loop
from chainrule._src.transforms.api import jvp

from .stepper import EVENT, RUNNING, TOO_MANY_EVENTS, concrete_or_none

_BISECTIONS = 60  # from the step to ~1e-18 of it; two Newton steps follow


def normalize_events(events):
    """The list of event functions, their occurrence limits (0: not terminal) and
    directions, read from SciPy's attributes ``terminal`` and ``direction``."""
    if callable(events):
        events = [events]
    events = list(events)
    for ev in events:
        if not callable(ev):
            raise TypeError(f"solve_ivp: events must be callables event(t, y, *args), got "
                            f"{ev!r}")
    limits, directions = [], []
    for ev in events:
        term = getattr(ev, "terminal", False)
        if isinstance(term, (bool, np.bool_)):
            limits.append(1 if term else 0)
        elif isinstance(term, (int, np.integer)) and term > 0:
            limits.append(int(term))
        else:
            raise ValueError("The `terminal` attribute of each event must be a boolean or "
                             "positive integer.")
        directions.append(float(getattr(ev, "direction", 0.0)))
    return events, np.array(limits), np.array(directions)


class EventMonitor:
    """Follows the event functions through the steps of a solve (the ``monitor`` of
    ``stepper.integrate`` and ``implicit.integrate_implicit``)."""

    def __init__(self, events, args, n, d, max_events):
        self.events, self.limits, self.directions = normalize_events(events)
        self.args, self.n, self.d, self.max_events = args, n, d, int(max_events)
        if self.max_events < 1:
            raise ValueError("solve_ivp: max_events must be at least 1")

    def _g(self, i, t, y):
        g = cnp.asarray(self.events[i](t, y, *self.args))
        if g.shape not in ((), (1,)):
            raise ValueError(f"solve_ivp: event {i} returned shape {g.shape}; an event "
                             "function must return a scalar")
        return cnp.reshape(g, ()) * 1.0

    def _all(self, t, y):
        return cnp.stack([self._g(i, t, y) for i in range(len(self.events))])

    def init(self, t0, y0):
        k, m = len(self.events), self.max_events
        return dict(g=sg(self._all(t0, y0)), count=cnp.zeros((k,), dtype=np.int64),
                    t_ev=cnp.full((k, m), np.nan), y_ev=cnp.full((k, m, self.n), np.nan))

    def _bisect(self, lo, hi, glo, ghi, active, interp):
        """Brackets [lo, hi] of each event's zero, halved on values without derivatives
        (a fixed number of times: a ``fori_loop`` composes with every transform) until
        they are a few ulps wide; returns the zero (an endpoint where the event is exactly
        zero)."""
        k = len(self.events)
        lo, hi = cnp.full((k,), 1.0) * lo, cnp.full((k,), 1.0) * hi

        def wide(lo, hi):
            return active & (cnp.abs(hi - lo) > 4 * np.finfo(float).eps *
                             cnp.maximum(cnp.abs(lo), cnp.abs(hi)))

        def body(i, c):
            lo, hi, glo, ghi = c
            mid = 0.5 * (lo + hi)
            Y = sg(interp(mid))  # (n, k): the state at each event's midpoint
            gm = sg(cnp.stack([self._g(j, mid[j], Y[:, j]) for j in range(k)]))
            go = wide(lo, hi) & (glo != 0) & (ghi != 0)
            left = cnp.sign(gm) == cnp.sign(glo)  # the zero is in [mid, hi]
            lo2 = cnp.where(go & (left | (gm == 0)), mid, lo)
            glo2 = cnp.where(go & (left | (gm == 0)), gm, glo)
            hi2 = cnp.where(go & (~left | (gm == 0)), mid, hi)
            ghi2 = cnp.where(go & (~left | (gm == 0)), gm, ghi)
            return lo2, hi2, glo2, ghi2

        lo, hi, glo, ghi = fori_loop(0, _BISECTIONS, body, (lo, hi, glo, ghi))
        return cnp.where(glo == 0, lo, cnp.where(ghi == 0, hi, 0.5 * (lo + hi)))

    def step(self, mon, t, t_new, y, y_new, interp, accept):
        """After a step attempt from ``t`` to ``t_new``: record the events inside it (when
        accepted); returns ``(mon, code, t_end, y_end)``, with ``code`` RUNNING or the one
        that ends the solve at ``t_end``."""
        d, k, m = self.d, len(self.events), self.max_events
        g, count = mon["g"], mon["count"]
        ts, tns = sg(t), sg(t_new)
        g_new = sg(self._all(tns, sg(y_new)))
        up, down = (g <= 0) & (g_new >= 0), (g >= 0) & (g_new <= 0)
        dirs = self.directions
        active = accept & ((up & (dirs > 0)) | (down & (dirs < 0)) | ((up | down) & (dirs == 0)))
        if concrete_or_none(cnp.any(active)) is not None and not cnp.any(active):
            root_s = tns * cnp.ones((k,))  # known now: no zero in this step, no search
        else:
            root_s = self._bisect(ts, tns, g, g_new, active, interp)
        root_s = cnp.where(active, root_s, tns)

        # Two Newton steps on the differentiable event function: from the converged zero,
        # they carry the implicit function theorem's first and second derivatives of each
        # event time.  (A grazing zero, dG/dt = 0, has no finite derivative.)
        roots = []
        for i in range(k):
            def G(tau, i=i):
                return self._g(i, tau, interp(cnp.reshape(tau, (1,)))[:, 0])
            tau = root_s[i]
            for _ in range(2):
                gi, dgi = jvp(G, (tau,), (cnp.ones_like(tau),))
                ok = active[i] & (dgi != 0)
                tau = tau - cnp.where(ok, gi / cnp.where(ok, dgi, 1.0), 0.0)
            roots.append(tau)
        roots = cnp.stack(roots)
        Y = interp(roots)  # (n, k)

        # SciPy's handle_events: in time order, up to the first terminal occurrence.
        after = count + cnp.where(active, 1, 0)
        term = active & (self.limits > 0) & (after >= self.limits)
        key = d * root_s
        stop_key = cnp.min(cnp.where(term, key, np.inf))
        stop = cnp.any(term)
        record = active & (key <= stop_key)
        first = cnp.argmin(cnp.where(term, key, np.inf))
        hit = np.arange(k) == first
        t_stop = cnp.sum(cnp.where(hit, roots, 0.0))
        y_stop = cnp.sum(cnp.where(hit[None, :], Y, 0.0), axis=1)

        slot = (np.arange(m)[None, :] == count[:, None]) & record[:, None]  # (k, m)
        t_ev = cnp.where(slot, roots[:, None], mon["t_ev"])
        y_ev = cnp.where(slot[:, :, None], cnp.transpose(Y)[:, None, :], mon["y_ev"])
        overflow = cnp.any(record & (count >= m))
        mon = dict(g=cnp.where(accept, g_new, g), count=count + cnp.where(record, 1, 0),
                   t_ev=t_ev, y_ev=y_ev)
        code = cnp.where(overflow, TOO_MANY_EVENTS, cnp.where(stop, EVENT, RUNNING))
        return (mon, code, cnp.where(stop, t_stop, t_new),
                cnp.where(stop, y_stop, y_new))

    def results(self, mon, trim):
        """``t_events`` and ``y_events``: lists with one array per event; trimmed to the
        occurrences found when ``trim`` (the counts known), else padded with NaN."""
        k = len(self.events)
        t_events = [mon["t_ev"][i] for i in range(k)]
        y_events = [mon["y_ev"][i] for i in range(k)]
        if trim is not None:
            counts = [min(int(c), self.max_events) for c in trim]
            t_events = [te[:c] for te, c in zip(t_events, counts)]
            y_events = [ye[:c] for ye, c in zip(y_events, counts)]
        return t_events, y_events
