"""Partial differential equations: the viscous Burgers equation, pseudo-spectrally.

Public functions
----------------
grid(n, length=2*pi)
    The ``n`` equispaced points ``x_j = j length / n`` of the periodic grid.
burgers(u0, nu, dt, steps, *, length=2*pi)
    Solution at ``t = steps dt`` of ``u_t + u u_x = nu u_xx`` on a periodic grid:
    Fourier derivatives with 2/3 dealiasing, classical Runge–Kutta (RK4) in time, the
    time loop a ``chainrule.lax.fori_loop`` (``jit`` traces one step, whatever ``steps``).
cole_hopf_solution(x, t, nu, c)
    An exact solution on ``[0, 2 pi)``, ``u = 2 nu c e^{-nu t} sin x / (1 + c e^{-nu t} cos x)``,
    from the Cole–Hopf transform of ``phi = 1 + c e^{-nu t} cos x``.
fit_viscosity(u0, snapshot, dt, steps, nu0, *, length=2*pi)
    The viscosity ``nu`` that makes ``burgers(u0, nu, dt, steps)`` match a snapshot
    (L-BFGS-B on the squared misfit, gradient by reverse mode through the solver).

Everything is differentiable in ``u0`` and ``nu`` in both modes and to any order.
"""

import numpy as np

import chainrule as cr
import chainrule.numpy as cnp
from chainrule import lax
from chainrule.optimize import minimize

__all__ = ["burgers", "cole_hopf_solution", "fit_viscosity", "grid"]


def grid(n, length=2 * np.pi):
    """The ``n`` points ``x_j = j length / n``, ``j = 0, ..., n - 1``, of the periodic grid.

    Examples
    --------
    >>> from chainrule.apps.pde import grid
    >>> grid(4, length=1.0)
    array([0.  , 0.25, 0.5 , 0.75])
    """
    return np.arange(n) * (length / n)


def _spectral_operators(n, length):
    """Wavenumbers of ``rfft`` and the 2/3-rule mask (kept modes ``|m| < n / 3``)."""
    m = np.arange(n // 2 + 1)
    k = 2 * np.pi / length * m
    # The quadratic term of modes below n/3 aliases only onto modes that are masked
    # out, so the retained modes evolve free of aliasing errors.
    mask = (3 * m < n).astype(float)
    return k, mask


def burgers(u0, nu, dt, steps, *, length=2 * np.pi):
    """Integrate the viscous Burgers equation ``u_t + u u_x = nu u_xx`` (periodic).

    Parameters
    ----------
    u0 : array_like, shape (n,)
        Initial values on :func:`grid` ``(n, length)``; ``n`` even is the usual choice.
    nu : float
        Viscosity (``nu >= 0``); may be traced (differentiated, fitted).
    dt : float
        Time step.  RK4 is explicit: it needs ``dt nu kmax**2 <~ 2.7`` for the diffusion
        with ``kmax = (2 pi / length) n / 3``, and ``dt max|u| kmax <~ 2.8`` for the advection.
        An unstable step grows without bound (NaN or huge values), never silently.
    steps : int
        Number of steps (a Python int: the loop bound of ``lax.fori_loop``).
    length : float, keyword-only
        Period of the domain.

    Returns
    -------
    u : array, shape (n,)
        The solution at ``t = steps dt``, dealiased: the modes ``|m| >= n / 3`` of
        ``u0`` are dropped at the start, so they are zero in the result.

    Notes
    -----
    The state is kept in physical space.  Each right-hand side is
    ``P(-(u^2)_x / 2 + nu u_xx)`` with spectral derivatives and ``P`` the 2/3-rule
    projection (applied to ``u`` before squaring and to the result), so the time error
    is RK4's ``O(dt^4)`` and the space error decays spectrally for smooth solutions.

    Examples
    --------
    Compare with the exact Cole–Hopf solution:

    >>> import numpy as np
    >>> from chainrule.apps.pde import burgers, cole_hopf_solution, grid
    >>> x = grid(64)
    >>> u = burgers(cole_hopf_solution(x, 0.0, 0.5, 0.5), 0.5, 0.01, 100)
    >>> bool(np.max(np.abs(u - cole_hopf_solution(x, 1.0, 0.5, 0.5))) < 1e-9)
    True
    """
    n = np.shape(u0)[-1]
    k, mask = _spectral_operators(n, length)
    ik = 1j * k * mask
    diffusion = -(k * k) * mask

    def rhs(u):
        u_hat = cnp.fft.rfft(u)
        v = cnp.fft.irfft(u_hat * mask, n)
        nonlinear = cnp.fft.rfft(v * v)
        return cnp.fft.irfft(-0.5 * ik * nonlinear + nu * diffusion * u_hat, n)

    def step(_, u):
        k1 = rhs(u)
        k2 = rhs(u + (0.5 * dt) * k1)
        k3 = rhs(u + (0.5 * dt) * k2)
        k4 = rhs(u + dt * k3)
        return u + (dt / 6) * (k1 + 2 * k2 + 2 * k3 + k4)

    u0 = cnp.asarray(u0) + 0.0 * nu       # float, and the dtype of a traced nu
    # Project once: the masked right-hand side never touches the modes |m| >= n / 3,
    # which would otherwise stay frozen at their initial values.
    u0 = cnp.fft.irfft(cnp.fft.rfft(u0) * mask, n)
    return lax.fori_loop(0, steps, step, u0)


def cole_hopf_solution(x, t, nu, c):
    """Exact solution ``u = -2 nu phi_x / phi`` with ``phi = 1 + c exp(-nu t) cos x``.

    ``phi`` solves the heat equation ``phi_t = nu phi_xx``, so by the Cole–Hopf transform
    ``u`` solves the viscous Burgers equation on the ``2 pi``-periodic domain.  Needs
    ``|c| < 1`` (``phi > 0``).

    Examples
    --------
    >>> from chainrule.apps.pde import cole_hopf_solution
    >>> round(float(cole_hopf_solution(0.5 * 3.141592653589793, 0.0, 0.1, 0.5)), 12)
    0.1
    """
    decay = c * cnp.exp(-nu * t)
    return 2 * nu * decay * cnp.sin(x) / (1 + decay * cnp.cos(x))


def fit_viscosity(u0, snapshot, dt, steps, nu0, *, length=2 * np.pi):
    """Recover the viscosity from the initial state and a later snapshot.

    Minimizes ``sum((burgers(u0, nu, dt, steps) - snapshot)**2)`` over ``nu > 0`` with
    L-BFGS-B; the value and its exact gradient come from one jitted
    ``chainrule.value_and_grad`` (reverse mode through the whole time loop).

    Parameters
    ----------
    u0, snapshot : array_like, shape (n,)
        The state at ``t = 0`` and at ``t = steps dt``.
    dt, steps, length
        As in :func:`burgers`.
    nu0 : float
        Starting guess.

    Returns
    -------
    result : OptimizeResult
        ``result.x[0]`` is the fitted viscosity.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.apps.pde import burgers, fit_viscosity, grid
    >>> u0 = np.sin(grid(16))
    >>> snap = burgers(u0, 0.2, 0.02, 20)
    >>> round(float(fit_viscosity(u0, snap, 0.02, 20, 0.5).x[0]), 6)
    0.2
    """
    u0 = np.asarray(u0, dtype=float)
    snapshot = np.asarray(snapshot, dtype=float)

    def misfit(p):
        r = burgers(u0, p[0], dt, steps, length=length) - snapshot
        return cnp.sum(r * r)

    value_and_grad = cr.jit(cr.value_and_grad(misfit))
    return minimize(value_and_grad, np.array([float(nu0)]), jac=True, method="L-BFGS-B",
                    bounds=[(1e-8, None)], options={"ftol": 1e-15, "gtol": 1e-12})
