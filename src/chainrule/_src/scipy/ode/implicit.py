"""Implicit solvers for stiff problems: ``method="Radau"`` and ``method="BDF"``.

Both follow SciPy's algorithms (Hairer and Wanner's Radau IIA of order 5 with its
simplified Newton iterations and step-size predictor; Shampine and Reichelt's variable
order 1-5 NDF/BDF in a quasi-constant step size, difference-array form), with the same
tolerances, Newton tolerance, error estimates and order/step selection.  As in the
explicit stepper, one iteration of a ``while_loop`` is one attempt (a Newton solve that
either converges, asks for a fresh Jacobian, or fails), so the whole solve works eagerly,
under ``jit`` and under ``vmap``.

The Jacobian of ``fun`` comes from forward-mode AD (``jacfwd``), never from finite
differences.  The Newton iterations run on values without derivatives; after they
converge, two exact Newton steps (the Jacobian evaluated at the stage values) are taken
on the differentiable values.  Started from the converged root, ``k`` Newton steps give
its derivatives correctly to order ``k`` (the implicit function theorem), so first and
second derivatives of the solution are those of the discrete scheme, whatever the number
of (non-differentiated) iterations it took to converge.
"""

from __future__ import annotations

import numpy as np

from chainrule._src.numpy import base as cnp
from chainrule._src.numpy import linalg as cla
from chainrule._src.control.checkpoint import checkpoint as _checkpoint
from chainrule._src.control.custom import stop_gradient as sg
from chainrule._src.control.while_loop import while_loop
from chainrule._src.transforms.jacobians import jacfwd
from chainrule._src.transforms.vmap import vmap

from .stepper import DONE, MAX_STEPS, RUNNING, TOO_SMALL, initial_step
from .stepper import integrate as integrate_explicit

EPS = np.finfo(float).eps
MIN_FACTOR, MAX_FACTOR = 0.2, 10.0
N_CORRECTIONS = 2  # exact Newton steps on the differentiable values (derivative order)

# --- Radau IIA, order 5 (Hairer & Wanner, Solving ODEs II, Sec. IV.8; radau5.f) -------------
S6 = 6 ** 0.5
RADAU_C = np.array([(4 - S6) / 10, (4 + S6) / 10, 1.0])
RADAU_A = np.array([
    [(88 - 7 * S6) / 360, (296 - 169 * S6) / 1800, (-2 + 3 * S6) / 225],
    [(296 + 169 * S6) / 1800, (88 + 7 * S6) / 360, (-2 - 3 * S6) / 225],
    [(16 - S6) / 36, (16 + S6) / 36, 1 / 9]])
RADAU_E = np.array([-13 - 7 * S6, -13 + 7 * S6, -1.0]) / 3
# The eigenvalues of A^-1: one real, one complex pair (mu_r + i mu_i and its conjugate).
MU_REAL = 3 + 3 ** (2 / 3) - 3 ** (1 / 3)
MU_RE = 3 + 0.5 * (3 ** (1 / 3) - 3 ** (2 / 3))
MU_IM = -0.5 * (3 ** (5 / 6) + 3 ** (7 / 6))
# A = T diag(1/mu) T^-1, in Hairer's real normalisation.
RADAU_T = np.array([
    [0.09443876248897524, -0.14125529502095421, 0.03002919410514742],
    [0.25021312296533332, 0.20412935229379994, -0.38294211275726192],
    [1.0, 1.0, 0.0]])
RADAU_TI = np.array([
    [4.17871859155190428, 0.32768282076106237, 0.52337644549944951],
    [-4.17871859155190428, -0.32768282076106237, 0.47662355450055044],
    [0.50287263494578682, -2.57192694985560522, 0.59603920482822492]])
# Dense output: y(t + x h) = y + Q [x, x^2, x^3], Q = Z^T P (the collocation polynomial).
RADAU_P = np.array([
    [13 / 3 + 7 * S6 / 3, -23 / 3 - 22 * S6 / 3, 10 / 3 + 5 * S6],
    [13 / 3 - 7 * S6 / 3, -23 / 3 + 22 * S6 / 3, 10 / 3 - 5 * S6],
    [1 / 3, -8 / 3, 10 / 3]])
RADAU_NEWTON_MAXITER = 6

# --- NDF/BDF (Shampine & Reichelt, "The MATLAB ODE suite", 1997) ----------------------------
MAX_ORDER = 5
BDF_NEWTON_MAXITER = 4
_KAPPA = np.array([0, -0.1850, -1 / 9, -0.0823, -0.0415, 0])
BDF_GAMMA = np.hstack((0, np.cumsum(1 / np.arange(1, MAX_ORDER + 1))))
BDF_ALPHA = (1 - _KAPPA) * BDF_GAMMA
BDF_ERROR_CONST = _KAPPA * BDF_GAMMA + 1 / np.arange(1, MAX_ORDER + 2)

#: ``method`` names of the implicit solvers; LSODA's automatic choice maps to BDF.
IMPLICIT_METHODS = {"Radau": "Radau", "BDF": "BDF", "LSODA": "BDF"}


def _rms(x):
    return cnp.sqrt(cnp.mean(x * x))


def _newton_tol(rtol):
    rt = sg(cnp.asarray(rtol) * 1.0)
    return cnp.maximum(10 * EPS / rt, cnp.minimum(0.03, rt ** 0.5))


def _jac(fun, t, y):
    """The Jacobian d fun / d y by forward-mode AD, on values without derivatives."""
    return sg(jacfwd(lambda yy: fun(t, yy))(y))


def _safe_pow(x, p):
    """x ** p for x >= 0, with 0 ** (negative) = inf and no warning."""
    pos = x > 0
    return cnp.where(pos, cnp.where(pos, x, 1.0) ** p, np.inf)


def _pick(table, i):
    """``table[i]`` along the first axis for a traced integer ``i`` (zero out of range)."""
    hit = np.arange(np.shape(table)[0]) == i
    hit = cnp.reshape(hit, (-1,) + (1,) * (cnp.ndim(table) - 1))
    return cnp.sum(cnp.where(hit, table, 0.0), axis=0)


def _select(pred, new, old):
    return {k: cnp.where(pred, new[k], old[k]) if k in new else old[k] for k in old}


# --- Radau ----------------------------------------------------------------------------------
def _radau_newton(fun, t, y, h, Z0, J, scale, tol):
    """SciPy's ``solve_collocation_system`` (simplified Newton in the eigenbasis of A)."""
    n = y.shape[0]
    eye = cnp.eye(n)
    mr, ma, mb = MU_REAL / h, MU_RE / h, MU_IM / h
    m_real = mr * eye - J
    m_cplx = cnp.concatenate([cnp.concatenate([ma * eye - J, -mb * eye], axis=1),
                              cnp.concatenate([mb * eye, ma * eye - J], axis=1)], axis=0)
    stage_t = t + RADAU_C * h

    def body(s):
        k, W, Z, dn_old, rate, _, _, nf = s
        F = vmap(fun)(stage_t, y + Z)
        finite = cnp.all(cnp.isfinite(F))
        F = cnp.where(finite, F, 0.0)
        fr = F.T @ RADAU_TI[0] - mr * W[0]
        fcr = F.T @ RADAU_TI[1] - (ma * W[1] - mb * W[2])
        fci = F.T @ RADAU_TI[2] - (ma * W[2] + mb * W[1])
        dwr = cla.solve(m_real, fr)
        dwc = cla.solve(m_cplx, cnp.concatenate([fcr, fci]))
        dW = cnp.stack([dwr, dwc[:n], dwc[n:]])
        dn = _rms(dW / scale)
        has_old = k > 0
        r = dn / cnp.where(has_old & (dn_old > 0), dn_old, 1.0)
        ok = r < 1
        om = cnp.where(ok, 1 - r, 1.0)
        bail = ~finite | (has_old & (~ok | (r ** (RADAU_NEWTON_MAXITER - k) / om * dn > tol)))
        W2 = W + dW
        conv = ~bail & ((dn == 0) | (has_old & (r / om * dn < tol)))
        return (k + 1, cnp.where(bail, W, W2), cnp.where(bail, Z, RADAU_T @ W2), dn,
                cnp.where(has_old & finite, r, rate), conv, bail | conv, nf + 3)

    s0 = (cnp.asarray(0), RADAU_TI @ Z0, Z0, cnp.asarray(1.0), cnp.asarray(np.nan),
          cnp.asarray(False), cnp.asarray(False), cnp.asarray(0))
    k, _, Z, _, rate, conv, _, nf = while_loop(
        lambda s: ~s[6] & (s[0] < RADAU_NEWTON_MAXITER), body, s0)
    return conv, k, Z, rate, nf


def _radau_correct(fun, t, y, h, Z):
    """Exact Newton steps on Z = h A F(t + c h, y + Z), differentiable in t, y, h and what
    ``fun`` depends on; Z starts from the (non-differentiated) converged value."""
    n = y.shape[0]
    jac = vmap(jacfwd(fun, argnums=1))
    for _ in range(N_CORRECTIONS):
        st, Y = t + RADAU_C * h, y + Z
        F = vmap(fun)(st, Y)
        Js = jac(st, Y)  # (3, n, n)
        R = Z - h * (RADAU_A @ F)
        # M[i, a, j, b] = delta_ij delta_ab - h A_ij J_j[a, b]
        M = cnp.eye(3 * n) - h * cnp.reshape(
            cnp.transpose(RADAU_A[:, :, None, None] * Js[None], (0, 2, 1, 3)),
            (3 * n, 3 * n))
        Z = Z - cnp.reshape(cla.solve(M, cnp.reshape(R, (3 * n,))), (3, n))
    return Z


def _predict_factor(h_abs, h_abs_old, err, err_old):
    """SciPy's ``predict_factor`` (Gustafsson's predictive controller); NaN stands for
    'no previous step'."""
    known = ~cnp.isnan(h_abs_old) & ~cnp.isnan(err_old) & (err > 0)
    ratio = h_abs / cnp.where(known, h_abs_old, 1.0) * (
        cnp.where(known, err_old, 1.0) / cnp.where(known, err, 1.0)) ** 0.25
    mult = cnp.where(known, ratio, 1.0)
    return cnp.minimum(1.0, mult) * _safe_pow(err, -0.25)


def _working_step(s, ts, d, max_step):
    """``(min_step, start, clip, hw)`` of an attempt: at the start of a step (``start``)
    the proposed ``s["H"]`` clipped into ``[min_step, max_step]`` (``clip`` says whether
    it was), during a step the step in progress ``s["hw"]`` (SciPy's solvers)."""
    min_step = 10 * cnp.abs(cnp.nextafter(ts, ts + d) - ts)
    start = ~s["in_step"]
    hi = start & (s["H"] > max_step)
    lo = start & ~hi & (s["H"] < min_step)
    hw = cnp.where(start, cnp.where(hi, max_step, cnp.where(lo, min_step, s["H"])), s["hw"])
    return min_step, start, hi | lo, hw


def _start(fun, t0, t1, y0, d, order, rtol, atol, max_step, first_step):
    """``f(t0, y0)``, the first step (SciPy's choice for a method of ``order`` unless
    given) and the evaluations that took."""
    f0 = fun(t0, y0)
    if first_step is not None:
        return f0, cnp.asarray(float(first_step)), 1
    return f0, initial_step(fun, t0, y0, f0, t1, d, order, rtol, atol, max_step), 2


def _radau(fun, fun_nd, t0, t1, y0, t_eval, d, rtol, atol, max_step, first_step):
    n = y0.shape[0]
    f0, h0, nfev0 = _start(fun, t0, t1, y0, d, 3, rtol, atol, max_step, first_step)
    tol = _newton_tol(rtol)
    nan = cnp.asarray(np.nan)
    state = dict(t=t0 * 1.0, y=y0, f=f0, H=h0 * 1.0, H_old=nan, E_old=nan,
                 J=_jac(fun_nd, sg(t0), sg(y0)), cur_jac=cnp.asarray(True),
                 in_step=cnp.asarray(False), hw=h0 * 1.0, hw_old=nan, ew_old=nan,
                 rejected=cnp.asarray(False), Q=cnp.zeros((n, 3)), t_old=t0 * 1.0, y_old=y0,
                 have_sol=cnp.asarray(False), nfev=cnp.asarray(nfev0), njev=cnp.asarray(1),
                 nlu=cnp.asarray(0))

    def attempt(s):
        t, y = s["t"], s["y"]
        ts, ys, fs = sg(t), sg(y), sg(s["f"])
        min_step, start, clip, hw = _working_step(s, ts, d, max_step)
        hw_old = cnp.where(start, cnp.where(clip, np.nan, s["H_old"]), s["hw_old"])
        ew_old = cnp.where(start, cnp.where(clip, np.nan, s["E_old"]), s["ew_old"])
        rejected = s["rejected"] & ~start
        too_small = hw < min_step
        t_new = t + hw * d
        t_new = cnp.where(d * sg(t_new - t1) > 0, t1, t_new)
        h = t_new - t
        hs = sg(h)
        hw = cnp.abs(hs)
        # A finished example under vmap keeps running with h = 0: keep its values finite.
        hs = cnp.where(hs == 0, 1.0, hs)
        # Predictor: the previous step's collocation polynomial, extrapolated.
        x = (ts + hs * RADAU_C - sg(s["t_old"])) / cnp.where(s["have_sol"],
                                                              ts - sg(s["t_old"]), 1.0)
        Z0 = (sg(s["Q"]) @ cnp.stack([x, x * x, x * x * x]) + sg(s["y_old"])[:, None]
              - ys[:, None]).T
        Z0 = cnp.where(s["have_sol"], Z0, 0.0)
        scale = atol + cnp.abs(ys) * rtol
        J = sg(s["J"])  # a float carry: a linearized loop gives it a tangent
        # The iterations are not differentiated (``fun`` may depend on traced parameters).
        conv, n_iter, Z, rate, nf = sg(_radau_newton(fun_nd, ts, ys, hs, Z0, J, scale, tol))
        nfev = s["nfev"] + nf
        need_jac = ~conv & ~s["cur_jac"]
        fail = ~conv & s["cur_jac"]
        # (Computed in every attempt and selected: a ``cond`` here could not be
        # differentiated under ``jit``.)
        J = cnp.where(need_jac, _jac(fun_nd, ts, ys), J)
        # Error estimate (SciPy's, with its second evaluation after a rejection).
        y_new_s = ys + Z[-1]
        ZE = Z.T @ RADAU_E / hs
        m_real = MU_REAL / hs * cnp.eye(n) - sg(s["J"])
        error = cla.solve(m_real, fs + ZE)
        scale2 = atol + cnp.maximum(cnp.abs(ys), cnp.abs(y_new_s)) * rtol
        err = _rms(error / scale2)
        safety = 0.9 * (2 * RADAU_NEWTON_MAXITER + 1) / (2 * RADAU_NEWTON_MAXITER + n_iter)
        redo = conv & rejected & (err > 1)
        err = cnp.where(redo, _rms(cla.solve(m_real, fun_nd(ts, ys + error) + ZE) / scale2),
                        err)
        nfev = nfev + cnp.where(redo, 1, 0)
        reject = conv & (err > 1)
        accept = conv & ~reject & ~too_small
        hw_next = cnp.where(fail, 0.5 * hw, cnp.where(
            reject, hw * cnp.maximum(MIN_FACTOR, safety * _predict_factor(hw, hw_old, err, ew_old)),
            hw))

        # An accepted step: the differentiable stage values, the new state, dense output.
        recompute = (n_iter > 2) & (rate > 1e-3)
        factor = cnp.minimum(MAX_FACTOR, safety * _predict_factor(hw, hw_old, err, ew_old))
        factor = cnp.where(~recompute & (factor < 1.2), 1.0, factor)
        Zc = _radau_correct(fun, t, y, h, cnp.where(accept, Z, 0.0))
        y_new = y + Zc[-1]
        f_new = fun(t_new, y_new)
        J_acc = cnp.where(recompute, _jac(fun_nd, sg(t_new), sg(y_new)), J)
        Q = Zc.T @ RADAU_P

        def interp(tq):
            xq = (tq - t) / cnp.where(h == 0, 1.0, h)
            return y[:, None] + Q @ cnp.stack([xq, xq * xq, xq * xq * xq])

        retry = dict(J=J, cur_jac=s["cur_jac"] | need_jac, in_step=cnp.asarray(True),
                     hw=hw_next, hw_old=hw_old, ew_old=ew_old, rejected=rejected | reject,
                     nfev=nfev, njev=s["njev"] + cnp.where(need_jac, 1, 0))
        acc = dict(t=t_new, y=y_new, f=f_new, H=hw * factor, H_old=s["H"], E_old=err,
                   J=J_acc, cur_jac=recompute, in_step=cnp.asarray(False), t_old=t, y_old=y,
                   Q=Q, have_sol=cnp.asarray(True), nfev=nfev + 1,
                   njev=s["njev"] + cnp.where(recompute, 1, 0))
        new_s = _select(accept, acc, _select(~accept, retry, s))
        finished = accept & (d * sg(t_new - t1) >= 0)
        return new_s, accept, t, t_new, y, y_new, interp, too_small, finished

    return state, attempt


# --- BDF ------------------------------------------------------------------------------------
_ROWS = np.arange(MAX_ORDER + 3)


def _compute_R(order, factor):
    """SciPy's ``compute_R`` for orders up to MAX_ORDER, zero outside the (order+1)^2
    block; polynomial (so differentiable) in ``factor``."""
    i = np.arange(1, MAX_ORDER + 1)[:, None]
    j = np.arange(1, MAX_ORDER + 1)[None, :]
    inner = (i - 1 - factor * j) / i  # (5, 5)
    rows = [cnp.ones((MAX_ORDER + 1,))]
    for r in range(MAX_ORDER):
        rows.append(rows[-1] * cnp.concatenate([cnp.zeros((1,)), inner[r]]))
    R = cnp.stack(rows)
    keep = (np.arange(MAX_ORDER + 1)[:, None] <= order) & (
        np.arange(MAX_ORDER + 1)[None, :] <= order)
    return cnp.where(keep, R, 0.0)


def _change_D(D, order, factor):
    """SciPy's ``change_D``: rescale the difference array to a step ``factor`` times the
    current one (rows above ``order`` unchanged)."""
    RU = _compute_R(order, factor) @ _compute_R(order, 1.0)
    top = RU.T @ D[:MAX_ORDER + 1]
    new = cnp.concatenate([top, D[MAX_ORDER + 1:]])
    return cnp.where((_ROWS <= order)[:, None], new, D)


def _bdf_newton(fun, t_new, y_pred, c, psi, J, scale, tol):
    """SciPy's ``solve_bdf_system``."""
    M = cnp.eye(y_pred.shape[0]) - c * J

    def body(s):
        k, y, dsum, dn_old, _, _, nf = s
        f = fun(t_new, y)
        finite = cnp.all(cnp.isfinite(f))
        dy = cla.solve(M, cnp.where(finite, c * f - psi - dsum, 0.0))
        dn = _rms(dy / scale)
        has_old = k > 0
        r = dn / cnp.where(has_old & (dn_old > 0), dn_old, 1.0)
        ok = r < 1
        om = cnp.where(ok, 1 - r, 1.0)
        bail = ~finite | (has_old & (~ok | (r ** (BDF_NEWTON_MAXITER - k) / om * dn > tol)))
        conv = ~bail & ((dn == 0) | (has_old & (r / om * dn < tol)))
        return (k + 1, cnp.where(bail, y, y + dy), cnp.where(bail, dsum, dsum + dy), dn, conv,
                bail | conv, nf + 1)

    s0 = (cnp.asarray(0), y_pred, cnp.zeros_like(y_pred), cnp.asarray(1.0),
          cnp.asarray(False), cnp.asarray(False), cnp.asarray(0))
    k, _, dsum, _, conv, _, nf = while_loop(
        lambda s: ~s[5] & (s[0] < BDF_NEWTON_MAXITER), body, s0)
    return conv, k, dsum, nf


def _bdf_dense(D, order, t, h, t_eval):
    """SciPy's ``BdfDenseOutput`` at ``t_eval``, shape (n, m)."""
    k = np.arange(MAX_ORDER)
    t_shift = t - h * k
    denom = h * (1 + k)
    x = (t_eval[None, :] - t_shift[:, None]) / denom[:, None]  # (5, m)
    p = cnp.cumprod(x, axis=0)
    p = cnp.where((k < order)[:, None], p, 0.0)
    return D[0][:, None] + D[1:MAX_ORDER + 1].T @ p


def _bdf(fun, fun_nd, t0, t1, y0, t_eval, d, rtol, atol, max_step, first_step):
    n = y0.shape[0]
    f0, h0, nfev0 = _start(fun, t0, t1, y0, d, 1, rtol, atol, max_step, first_step)
    tol = _newton_tol(rtol)
    D = cnp.concatenate([y0[None], (f0 * h0 * d)[None], cnp.zeros((MAX_ORDER + 1, n))])
    state = dict(t=t0 * 1.0, D=D, order=cnp.asarray(1), n_eq=cnp.asarray(0), H=h0 * 1.0,
                 J=_jac(fun_nd, sg(t0), sg(y0)), cur_jac=cnp.asarray(False),
                 in_step=cnp.asarray(False), hw=h0 * 1.0, nfev=cnp.asarray(nfev0),
                 njev=cnp.asarray(1), nlu=cnp.asarray(0))

    def attempt(s):
        t, D, order, n_eq = s["t"], s["D"], s["order"], s["n_eq"]
        ts = sg(t)
        min_step, start, clip, hw = _working_step(s, ts, d, max_step)
        D = cnp.where(clip, _change_D(D, order, hw / s["H"]), D)
        n_eq = cnp.where(clip, 0, n_eq)
        cur_jac = s["cur_jac"] & ~start
        too_small = hw < min_step
        t_new = t + hw * d
        over = d * sg(t_new - t1) > 0
        t_new = cnp.where(over, t1, t_new)
        # The last step ends exactly at t1: the factor is differentiable in t1 (and t).
        D = cnp.where(over, _change_D(D, order, d * (t_new - t) / hw), D)
        n_eq = cnp.where(over, 0, n_eq)
        h = t_new - t
        hs = sg(h)
        hw = cnp.abs(hs)
        hw = cnp.where(hw == 0, 1.0, hw)  # a finished example under vmap: stay finite
        rows = (_ROWS <= order)[:, None]
        y_pred = cnp.sum(cnp.where(rows, D, 0.0), axis=0)
        psi = cnp.sum(cnp.where(rows & (_ROWS >= 1)[:, None],
                                np.concatenate([BDF_GAMMA, np.zeros(2)])[:, None] * D, 0.0),
                      axis=0) / _pick(BDF_ALPHA, order)
        c = h / _pick(BDF_ALPHA, order)
        ps, yps, cs = sg(psi), sg(y_pred), sg(c)
        scale = atol + rtol * cnp.abs(yps)
        J = sg(s["J"])  # a float carry: a linearized loop gives it a tangent
        conv, n_iter, d_s, nf = sg(_bdf_newton(fun_nd, sg(t_new), yps, cs, ps, J, scale, tol))
        nfev = s["nfev"] + nf
        need_jac = ~conv & ~cur_jac
        fail = ~conv & cur_jac
        J = cnp.where(need_jac, _jac(fun_nd, sg(t_new), yps), J)
        safety = 0.9 * (2 * BDF_NEWTON_MAXITER + 1) / (2 * BDF_NEWTON_MAXITER + n_iter)
        y_new_s = yps + d_s
        scale2 = atol + rtol * cnp.abs(y_new_s)
        err = _rms(_pick(BDF_ERROR_CONST, order) * d_s / scale2)
        reject = conv & (err > 1)
        accept = conv & ~reject & ~too_small
        rfac = cnp.where(fail, 0.5, cnp.where(reject, cnp.maximum(
            MIN_FACTOR, safety * _safe_pow(err, -1.0 / (order + 1))), 1.0))
        D_retry = cnp.where(fail | reject, _change_D(D, order, rfac), D)

        # Accepted: exact Newton steps on the differentiable values, then SciPy's update
        # of the differences and its choice of the next order and step.
        dd = cnp.where(accept, d_s, 0.0)
        for _ in range(N_CORRECTIONS):
            yy = y_pred + dd
            Jx = jacfwd(lambda v: fun(t_new, v))(yy)
            dd = dd - cla.solve(cnp.eye(n) - c * Jx, dd - c * fun(t_new, yy) + psi)
        Dm = cnp.where((_ROWS == order + 2)[:, None], (dd - _pick(D, order + 1))[None, :], D)
        Dm = cnp.where((_ROWS == order + 1)[:, None], dd[None, :], Dm)
        tail = cnp.cumsum(cnp.where((_ROWS <= order + 1)[:, None], Dm, 0.0)[::-1], axis=0)[::-1]
        D_acc = cnp.where((_ROWS <= order)[:, None], tail, Dm)
        n_eq_acc = n_eq + 1
        Da = sg(D_acc)
        err_m = cnp.where(order > 1, _rms(_pick(BDF_ERROR_CONST, order - 1) * _pick(Da, order)
                                          / scale2), np.inf)
        err_p = cnp.where(order < MAX_ORDER,
                          _rms(_pick(BDF_ERROR_CONST, order + 1) * _pick(Da, order + 2) / scale2),
                          np.inf)
        errs = cnp.stack([err_m, err, err_p])
        expo = -1.0 / (order + cnp.asarray(np.arange(3)))
        facs = cnp.where(cnp.isinf(errs), 0.0, _safe_pow(errs, expo))
        change = n_eq_acc >= order + 1
        order_new = cnp.where(change, order + cnp.argmax(facs) - 1, order)
        factor = cnp.where(change, cnp.minimum(MAX_FACTOR, safety * cnp.max(facs)), 1.0)
        D_acc = cnp.where(change, _change_D(D_acc, order_new, factor), D_acc)
        H_acc = hw * factor

        def interp(tq):
            return _bdf_dense(D_acc, order_new, t_new, H_acc * d, tq)

        retry = dict(D=D_retry, n_eq=cnp.where(fail | reject, 0, n_eq), J=J,
                     cur_jac=cur_jac | need_jac, in_step=cnp.asarray(True),
                     hw=cnp.where(fail | reject, hw * rfac, hw), nfev=nfev,
                     njev=s["njev"] + cnp.where(need_jac, 1, 0))
        acc = dict(t=t_new, D=D_acc, order=order_new, n_eq=cnp.where(change, 0, n_eq_acc),
                   H=H_acc, J=J, cur_jac=cur_jac, in_step=cnp.asarray(False), nfev=nfev)
        new_s = _select(accept, acc, _select(~accept, retry, s))
        finished = accept & (d * sg(t_new - t1) >= 0)
        return new_s, accept, t, t_new, D[0], y_pred + dd, interp, too_small, finished

    return state, attempt


_SOLVERS = {"Radau": _radau, "BDF": _bdf}


def integrate_implicit(fun, t0, t1, y0, t_eval, tab, rtol, atol, max_step, first_step,
                       max_steps, segment=None, monitor=None, fun_nd=None):
    """The implicit counterpart of ``stepper.integrate`` (same arguments; ``tab`` is the
    method's name): returns ``(y_eval, t_final, y_final, nfev, nsteps, code, njev)``, and
    the monitor's final state after them when there is one.

    ``fun_nd`` is ``fun`` with its parameters under ``stop_gradient``, for the Newton
    iterations and Jacobians, which are not differentiated: their loops then carry no
    derivative (nested loops that would need one are not supported under jit, vmap and
    reverse mode together)."""
    fun_nd = (lambda t, y: sg(fun(t, y))) if fun_nd is None else fun_nd
    n = y0.shape[0]
    m = t_eval.shape[0]
    d = cnp.sign(sg(t1 - t0))
    state, attempt = _SOLVERS[tab](fun, fun_nd, t0, t1, y0, t_eval, d, rtol, atol, max_step,
                                   first_step)
    at_start = t_eval == t0
    out0 = cnp.where(at_start[None, :], y0[:, None], cnp.zeros((n, m), dtype=y0.dtype))
    mon0 = () if monitor is None else monitor.init(t0, y0)
    loop0 = (state, cnp.asarray(0), cnp.where(d == 0, DONE, RUNNING), out0, at_start & (d == 0),
             t0 * 1.0, y0, mon0)

    def body(c):
        s, nsteps, code, out, done, t_fin, y_fin, mon = c
        s, accept, t, t_new, y, y_new, interp, too_small, finished = attempt(s)
        stop, t_end, y_end = RUNNING, t_new, y_new
        if monitor is not None:
            mon, stop, t_end, y_end = monitor.step(mon, t, t_new, y, y_new, interp, accept)
        new = accept & ~done & (d * t_eval <= d * sg(t_end))
        out = cnp.where(new[None, :], interp(t_eval), out)
        done = done | new
        nsteps = nsteps + 1
        code = cnp.where(too_small, TOO_SMALL, cnp.where(
            accept & (stop != RUNNING), stop, cnp.where(
                finished, DONE, cnp.where(nsteps >= max_steps, MAX_STEPS, RUNNING))))
        return (s, nsteps, code, out, done, cnp.where(accept, t_end, t_fin),
                cnp.where(accept, y_end, y_fin), mon)

    if segment is None:
        c = while_loop(lambda c: c[2] == RUNNING, body, loop0)
    else:
        def group(c):
            return while_loop(lambda g: (g[0][2] == RUNNING) & (g[1] < segment),
                              lambda g: (body(g[0]), g[1] + 1), (c, 0))[0]

        c = while_loop(lambda c: c[2] == RUNNING, _checkpoint(group), loop0)
    s, nsteps, code, out, _, t_fin, y_fin, mon = c
    res = (out, t_fin, y_fin, s["nfev"], nsteps, code, s["njev"])
    return res if monitor is None else res + (mon,)


def integrate_any(fun, t0, t1, y0, t_eval, tab, *args, monitor=None, stats=None, **kwargs):
    """``stepper.integrate`` for a Runge-Kutta tableau, ``integrate_implicit`` for the name
    of an implicit method: ``(y_eval, t_final, y_final, nfev, nsteps, code)``, and the
    monitor's final state when there is one; the number of Jacobians goes into the dict
    ``stats`` (``"njev"``) when one is given."""
    if isinstance(tab, str):
        res = integrate_implicit(fun, t0, t1, y0, t_eval, tab, *args, monitor=monitor,
                                 **kwargs)
        if stats is not None:
            stats["njev"] = res[6]
        return res[:6] if monitor is None else res[:6] + res[7:]
    return integrate_explicit(fun, t0, t1, y0, t_eval, tab, *args, monitor=monitor, **kwargs)
