"""The adaptive explicit Runge-Kutta stepper behind ``solve_ivp``: one step attempt per
iteration of ``lax.while_loop``, SciPy's step-size control, dense output at ``t_eval``."""

from __future__ import annotations

import numpy as np

from chainrule._src.numpy import base as cnp
from chainrule._src.control.checkpoint import checkpoint as _checkpoint
from chainrule._src.control.while_loop import while_loop
from chainrule._src.core import concrete_value
from chainrule._src.control.custom import stop_gradient
from chainrule._src.tree_util import register_pytree_node


# Internal status codes of the loop.
RUNNING, DONE, TOO_SMALL, MAX_STEPS = 1, 0, -1, -2
EVENT, TOO_MANY_EVENTS = 2, -3  # a terminal event; more events than max_events
BAD_Y0 = -4  # a non-finite y0 found under jit (eagerly it is an error)

SAFETY, MIN_FACTOR, MAX_FACTOR = 0.9, 0.2, 10.0
TINY = 1e-300  # stands for a zero error norm: SAFETY * TINY**expo > MAX_FACTOR

_MESSAGES = {
    DONE: "The solver successfully reached the end of the integration interval.",
    TOO_SMALL: "Required step size is less than spacing between numbers.",
    MAX_STEPS: "The solver did not reach the end of the integration interval within "
               "max_steps={} step attempts; raise max_steps or loosen rtol/atol.",
    EVENT: "A termination event occurred.",
    TOO_MANY_EVENTS: "An event occurred more than max_events times; raise max_events.",
    BAD_Y0: "All components of the initial state `y0` must be finite.",
}


def concrete_or_none(x):
    """The NumPy value of ``x`` if it is known now (not traced by jit), else None."""
    try:
        v = concrete_value(x)
    except Exception:  # noqa: BLE001 - anything that is not a concrete array
        v = None
    if v is None and not hasattr(x, "_trace"):
        v = x
    return None if v is None else np.asarray(v)


class OdeResult:
    """The result of :func:`solve_ivp`, with SciPy's fields.

    Attributes
    ----------
    t : array, shape (n_points,)
        Time points: ``t_eval``, or ``[t0, t_final]`` when ``t_eval`` is None.
    y : array, shape (n, n_points)
        Values of the solution at ``t`` (SciPy's layout: one column per time).
    nfev : int
        Number of evaluations of the right-hand side.
    njev : int
        Number of Jacobians of ``fun`` (by AD) the implicit methods took; 0 otherwise.
    nlu : int
        Always 0 (linear systems are solved without keeping factorizations).
    nsteps : int
        Number of step attempts (accepted and rejected).
    status : int
        0: the end of the interval was reached; 1: a terminal event occurred; -1:
        integration failed (step size too small, ``max_steps`` attempts exhausted, or
        more events than ``max_events``).
    message : str
        Why the solver stopped.
    success : bool
        ``status >= 0``.
    t_events, y_events : list of arrays or None
        With ``events``: for each event function, the times at which it occurred and the
        states there (shape ``(count, n)``); see ``solve_ivp``.
    sol : OdeSolution or None
        With ``dense_output=True``: the solution as a callable of ``t``.
    """

    _fields = ("t", "y", "nfev", "nsteps", "status", "_code")
    _optional = ("njev", "t_events", "y_events", "sol")

    def __init__(self, t, y, nfev, nsteps, status, code, max_steps, njev=0, t_events=None,
                 y_events=None, sol=None):
        self.t, self.y, self.nfev, self.nsteps, self.status = t, y, nfev, nsteps, status
        self._code, self._max_steps = code, max_steps
        self.njev, self.nlu = njev, 0
        self.t_events, self.y_events, self.sol = t_events, y_events, sol

    @property
    def success(self):
        return self.status >= 0

    @property
    def message(self):
        code = concrete_or_none(self._code)
        if code is None:
            return "(not known while traced: read .status)"
        return _MESSAGES[int(code)].format(self._max_steps)

    def __getitem__(self, key):
        return getattr(self, key)

    def keys(self):
        return ["t", "y", "sol", "t_events", "y_events", "nfev", "njev", "nlu", "status",
                "message", "success"]

    def __repr__(self):
        return "\n".join(f"{k:>9}: {getattr(self, k)!r}" for k in self.keys())


register_pytree_node(
    OdeResult,
    lambda r: ([getattr(r, f) for f in OdeResult._fields + OdeResult._optional],
               r._max_steps),
    lambda aux, ch: OdeResult(*ch[:6], aux, *ch[6:]))


def _rms(x):
    """SciPy's error norm: the root mean square."""
    return cnp.sqrt(cnp.mean(x * x))


def call_rhs(fun, t, y, args, n):
    out = cnp.asarray(fun(t, y, *args))
    if out.shape != (n,):
        raise ValueError(
            f"solve_ivp: fun(t, y) returned an array of shape {out.shape}, but y has shape "
            f"({n},): the right-hand side must return one derivative per component of y")
    if np.issubdtype(out.dtype, np.complexfloating):
        raise TypeError(
            f"solve_ivp: fun(t, y) returned complex values ({out.dtype}) for a real y; "
            "complex states are not supported: split the state into real and imaginary "
            "parts (a real y of twice the length)")
    return out


def _initial_step(fun, t0, y0, f0, t1, d, order, rtol, atol, max_step):
    """SciPy's ``select_initial_step`` (Hairer, Norsett, Wanner, Sec. II.4), not
    differentiated."""
    t0, y0, f0, t1 = (stop_gradient(v) for v in (t0, y0, f0, t1))
    length = cnp.abs(t1 - t0)
    scale = atol + cnp.abs(y0) * rtol
    d0, d1 = _rms(y0 / scale), _rms(f0 / scale)
    small = (d0 < 1e-5) | (d1 < 1e-5)
    h0 = cnp.where(small, 1e-6, 0.01 * d0 / cnp.where(small, 1.0, d1))
    h0 = cnp.minimum(h0, length)
    h0s = cnp.where(h0 > 0, h0, 1.0)  # a zero-length interval: any nonzero value
    f1 = stop_gradient(fun(t0 + h0s * d, y0 + h0s * d * f0))
    d2 = _rms((f1 - f0) / scale) / h0s
    dmax = cnp.maximum(d1, d2)
    flat = (d1 <= 1e-15) & (d2 <= 1e-15)
    h1 = cnp.where(flat, cnp.maximum(1e-6, h0 * 1e-3),
                   (0.01 / cnp.where(flat, 1.0, dmax)) ** (1.0 / (order + 1)))
    return cnp.minimum(cnp.minimum(cnp.minimum(100 * h0, h1), length), max_step)


initial_step = _initial_step  # shared with the implicit solvers


def _combine(K, w, stacked=None):
    """sum_j w[j] K[j], skipping zero weights.

    With ``stacked`` (a :class:`_Stages`), seven or more terms are one matrix product
    with the stacked stages (DOP853's long sums): a staged operation on small arrays
    costs about the same whatever their size, but stacking and the product take four
    (measured: shorter sums are faster as a chain of products and sums)."""
    nz = [j for j, wj in enumerate(w[:len(K)]) if wj != 0]
    if stacked is not None and len(nz) >= 7:
        last = nz[-1] + 1
        return cnp.matmul(np.asarray(w[:last], dtype=float), stacked(last))
    out = None
    for j in nz:
        out = K[j] * w[j] if out is None else out + K[j] * w[j]
    return out


class _Stages:
    """The first ``j`` stages of a step as one ``(j, n)`` array, built once per ``j``."""

    def __init__(self, K):
        self.K, self.cache = K, {}

    def __call__(self, j):
        if j not in self.cache:
            n = self.K[0].shape[0]
            self.cache[j] = cnp.reshape(cnp.concatenate(self.K[:j]), (j, n))
        return self.cache[j]


def _dop853_error_norm(K, h, scale, tab, stacked, head):
    """SciPy's (and Hairer's) DOP853 error: the 5th-order estimate, damped by the 3rd."""
    e5 = head(stop_gradient(_combine(K, tab.E, stacked))) / scale
    e3 = head(stop_gradient(_combine(K, tab.E3, stacked))) / scale
    n5, n3 = cnp.sum(e5 * e5), cnp.sum(e3 * e3)
    denom = n5 + 0.01 * n3
    pos = denom > 0
    return cnp.where(pos, cnp.abs(h) * n5 / cnp.sqrt(cnp.where(pos, denom, 1.0) * scale.shape[0]),
                     0.0)


def _dop853_dense(fun, t, y, y_new, f, f_new, h, K, x, tab):
    """DOP853's 7th-order interpolant at the fractions ``x`` of the step, shape (n, m)."""
    K = list(K)
    stacked = _Stages(K)
    for a, c in zip(tab.A_extra, tab.C_extra):
        K.append(fun(t + c * h, y + h * _combine(K, a[:len(K)], stacked)))
    dy = y_new - y
    F = [dy, h * f - dy, 2 * dy - h * (f_new + f)]
    F += [h * _combine(K, row, stacked) for row in tab.D]
    out = cnp.zeros((y.shape[0], x.shape[0]), dtype=y.dtype)
    for i, Fi in enumerate(reversed(F)):
        out = (out + Fi[:, None]) * (x if i % 2 == 0 else 1 - x)
    return out + y[:, None]


def integrate(fun, t0, t1, y0, t_eval, tab, rtol, atol, max_step, first_step, max_steps,
              segment=None, return_step=False, norm_size=None, monitor=None):
    """Integrate ``y' = fun(t, y)`` from ``t0`` to ``t1`` (either direction).

    Returns ``(y_eval, t_final, y_final, nfev, nsteps, code)``, with ``y_eval`` of shape
    ``(n, len(t_eval))`` from the method's dense output.  ``segment=k`` groups the step
    attempts k at a time, each group under ``checkpoint``.  ``first_step`` may be a
    traced value; with ``return_step`` the step size the controller proposes next is
    returned too (last), so that a solve continued from the end starts where this one
    stopped instead of choosing its first step again.  ``norm_size=k`` controls the
    step size with the error of the first ``k`` components only (the others must not
    feed back into the solution, as the quadratures of an adjoint).  ``monitor`` (events,
    see ``events.py``) sees every step with its interpolant and may end the solve inside
    it; its final state is then returned after ``code`` (before the step size).
    """
    n = y0.shape[0]
    m = t_eval.shape[0]
    S = tab.n_stages
    A, B, C, E, P = tab.A, tab.B, tab.C, tab.E, tab.P
    expo = -1.0 / (tab.error_estimator_order + 1)
    d = cnp.sign(stop_gradient(t1 - t0))
    # Loop constants, computed once rather than at every attempt.
    toward = cnp.where(d > 0, np.inf, -np.inf)
    d_t1, d_t_eval = d * stop_gradient(t1), d * stop_gradient(t_eval)
    Pcols = None if P is None else [P[:, j:j + 1] for j in range(P.shape[1])]
    if norm_size is None or norm_size >= n:
        def head(v):
            return v
    else:
        def head(v):
            return v[:norm_size]
        if cnp.ndim(atol):
            atol = atol[:norm_size]

    f0 = fun(t0, y0)
    nfev0 = 1
    if first_step is None:
        # SciPy passes the error estimator's order (4 for RK45), not the method's.
        h0 = _initial_step(fun, t0, y0, f0, t1, d, tab.error_estimator_order, rtol, atol,
                           max_step)
        nfev0 = 2
    else:
        h0 = cnp.asarray(first_step, dtype=y0.dtype) * 1.0
    # Output times equal to t0 hold y0 from the start (a zero-length span takes no step);
    # otherwise the first step fills them again (its interpolant gives exactly y0 there),
    # as SciPy does, which matters for DOP853's evaluation count.
    at_start = t_eval == t0
    out0 = cnp.where(at_start[None, :], y0[:, None], cnp.zeros((n, m), dtype=y0.dtype))
    code0 = cnp.where(d == 0, DONE, RUNNING)
    state0 = (t0 * 1.0, y0, f0, h0, cnp.asarray(False), cnp.asarray(nfev0), cnp.asarray(0),
              code0, out0, at_start & (d == 0), () if monitor is None else monitor.init(t0, y0))

    def attempt(state):
        t, y, f, h_abs, rejected, nfev, nsteps, code, out, done, mon = state
        ts = stop_gradient(t)
        min_step = 10 * cnp.abs(cnp.nextafter(ts, toward) - ts)
        h_abs = cnp.where(rejected, h_abs, cnp.clip(h_abs, min_step, max_step))
        too_small = rejected & (h_abs < min_step)
        t_new = t + h_abs * d
        t_new = cnp.where(d * stop_gradient(t_new) > d_t1, t1, t_new)
        h = t_new - t
        K = [f]
        stacked = _Stages(K)
        for s in range(1, S):
            K.append(fun(t + C[s] * h, y + h * _combine(K, A[s, :s], stacked)))
        y_new = y + h * _combine(K, B, stacked)
        f_new = fun(t + h, y_new)
        K.append(f_new)
        scale = atol + cnp.maximum(cnp.abs(stop_gradient(head(y))),
                                   cnp.abs(stop_gradient(head(y_new)))) * rtol
        if tab.E3 is None:
            err_norm = _rms(stop_gradient(h * head(_combine(K, E, stacked))) / scale)
        else:
            err_norm = _dop853_error_norm(K, stop_gradient(h), scale, tab, stacked, head)
        # SciPy's factors: min(MAX_FACTOR, SAFETY err^expo) after an accepted step (at
        # most 1 right after a rejection; MAX_FACTOR for a zero error, which TINY gives),
        # max(MIN_FACTOR, SAFETY err^expo) after a rejected one (MIN_FACTOR for a NaN
        # error, as Python's max(MIN_FACTOR, nan)).  Few operations: each costs the same.
        factor = SAFETY * cnp.where(err_norm == 0, TINY, err_norm) ** expo
        grow = cnp.minimum(cnp.where(rejected, 1.0, MAX_FACTOR), factor)
        shrink = cnp.where(factor > MIN_FACTOR, factor, MIN_FACTOR)
        accept = (err_norm < 1) & ~too_small
        h_abs_s = cnp.abs(stop_gradient(h))
        h_next = h_abs_s * cnp.where(accept, grow, shrink)

        # Dense output at the requested times inside this step (none: no work at all).
        hq = cnp.where(h == 0, 1.0, h)
        if P is not None:
            def interp(tq):
                # y + h K^T P [x, x^2, ...]: the polynomials P[i](x) by Horner's rule on
                # (S + 1, m) arrays (no powers, which cost more than the rest of the step).
                x = (tq - t) / hq
                poly = Pcols[-1] * x
                for col in Pcols[-2::-1]:
                    poly = (poly + col) * x
                return y[:, None] + h * cnp.matmul(cnp.transpose(stacked(S + 1)), poly)
        else:
            def interp(tq):
                return _dop853_dense(fun, t, y, y_new, f, f_new, h, K, (tq - t) / hq, tab)
        stop, t_end, y_end = RUNNING, t_new, y_new
        if monitor is not None:
            mon, stop, t_end, y_end = monitor.step(mon, t, t_new, y, y_new, interp, accept)
        if m:
            new = accept & ~done & (d_t_eval <= d * stop_gradient(t_end))
            y_int = interp(t_eval)
            if P is None:
                # SciPy evaluates the extra stages only for steps with output times in them.
                nfev = nfev + cnp.where(cnp.any(new), 3, 0)
            out = cnp.where(new[None, :], y_int, out)
            done = done | new

        finished = accept & (t_new == t1)  # t_new was clipped to t1
        nsteps = nsteps + 1
        code = cnp.where(too_small, TOO_SMALL,
                         cnp.where(accept & (stop != RUNNING), stop,
                                   cnp.where(finished, DONE,
                                             cnp.where(nsteps >= max_steps, MAX_STEPS,
                                                       RUNNING))))
        return (cnp.where(accept, t_end, t), cnp.where(accept, y_end, y),
                cnp.where(accept, f_new, f), h_next, ~accept, nfev + S, nsteps, code, out,
                done, mon)

    if segment is None:
        state = while_loop(lambda s: s[7] == RUNNING, attempt, state0)
    else:
        # At most ``segment`` attempts per group; a group is recomputed in the backward
        # pass, so only its starting state is kept.  The inner loop stops with the solve,
        # so no attempt is wasted.
        def group(s):
            return while_loop(lambda c: (c[0][7] == RUNNING) & (c[1] < segment),
                              lambda c: (attempt(c[0]), c[1] + 1), (s, 0))[0]

        state = while_loop(lambda s: s[7] == RUNNING, _checkpoint(group), state0)
    t, y, _, h_next, _, nfev, nsteps, code, out, _, mon = state
    res = (out, t, y, nfev, nsteps, code)
    if monitor is not None:
        res += (mon,)
    if return_step:
        res += (h_next,)
    return res
    return out, t, y, nfev, nsteps, code
