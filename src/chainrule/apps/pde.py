"""Partial differential equations: Burgers, 2-D Navier–Stokes, advection–diffusion.

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
grid2d(n, length=2*pi)
    Coordinate arrays ``X[i, j] = x_i``, ``Y[i, j] = y_j`` of the periodic box.
velocity(omega, *, length=2*pi)
    The divergence-free velocity ``(u, v)`` of a vorticity field (spectral Poisson solve).
vorticity_rhs(omega, nu, *, length=2*pi)
    The dealiased tendency ``omega_t`` of 2-D incompressible Navier–Stokes.
navier_stokes(omega0, nu, dt, steps, *, length=2*pi, checkpoint_every=None)
    2-D incompressible Navier–Stokes in vorticity form, pseudo-spectral with 2/3
    dealiasing and RK4; ``checkpoint_every`` rematerializes segments of steps in reverse
    mode so that the memory of a gradient stays bounded.
taylor_green_vorticity(x, y, t, nu)
    The exact decaying Taylor–Green vortex.
fit_initial_vorticity(observation, nu, dt, steps, *, ...)
    Reconstruct the initial vorticity field from a later observation (adjoint gradient,
    L-BFGS).
advection_diffusion(c0, velocity, kappa, dt, steps, *, length=2*pi, scheme="minmod", ...)
    2-D advection–diffusion by conservative finite volumes: upwind or minmod-limited
    (MUSCL) fluxes, SSP Runge–Kutta 2 in time.

Everything is differentiable in its array and parameter inputs, in both modes and to any
order (the limiter and upwind switch almost everywhere).
"""

import numpy as np

import chainrule as cr
import chainrule.numpy as cnp
from chainrule import lax
from chainrule.optimize import minimize

__all__ = ["advection_diffusion", "burgers", "cole_hopf_solution", "fit_initial_vorticity",
           "fit_viscosity", "grid", "grid2d", "navier_stokes", "taylor_green_vorticity",
           "velocity", "vorticity_rhs"]


def _check_steps(who, name, steps):
    """A loop count known now must be a whole number >= 0: a negative one would run no
    step and return the initial state as if it were the result."""
    if isinstance(steps, (int, float, np.integer, np.floating)) and (
            steps < 0 or int(steps) != steps):
        raise ValueError(f"{who}: {name} must be a non-negative integer, got {steps!r}")


def grid(n, length=2 * np.pi):
    """The ``n`` points ``x_j = j length / n``, ``j = 0, ..., n - 1``, of the periodic grid.

    Examples
    --------
    >>> from chainrule.apps.pde import grid
    >>> grid(4, length=1.0)
    array([0.  , 0.25, 0.5 , 0.75])
    """
    if n < 1:
        raise ValueError(f"grid: n must be a positive number of points, got {n!r}")
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

    _check_steps("burgers", "steps", steps)
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
    if snapshot.shape != u0.shape:
        raise ValueError(f"fit_viscosity: snapshot must be the state on u0's grid, shape "
                         f"{u0.shape}, got shape {snapshot.shape}")

    def misfit(p):
        r = burgers(u0, p[0], dt, steps, length=length) - snapshot
        return cnp.sum(r * r)

    value_and_grad = cr.jit(cr.value_and_grad(misfit))
    return minimize(value_and_grad, np.array([float(nu0)]), jac=True, method="L-BFGS-B",
                    bounds=[(1e-8, None)], options={"ftol": 1e-15, "gtol": 1e-12})


# --------------------------------------------------------------------------------------
# 2-D incompressible Navier–Stokes in vorticity form, pseudo-spectral on a periodic box
# --------------------------------------------------------------------------------------

def grid2d(n, length=2 * np.pi):
    """The ``(n, n)`` coordinate arrays ``X[i, j] = x_i``, ``Y[i, j] = y_j`` of the periodic box.

    Fields of :func:`navier_stokes` and :func:`advection_diffusion` are indexed the same
    way: ``omega[i, j]`` is the value at ``(x_i, y_j)``, ``x_i = i length / n``.

    Examples
    --------
    >>> from chainrule.apps.pde import grid2d
    >>> X, Y = grid2d(2, length=1.0)
    >>> X.tolist(), Y.tolist()
    ([[0.0, 0.0], [0.5, 0.5]], [[0.0, 0.5], [0.0, 0.5]])
    """
    x = grid(n, length)
    return np.meshgrid(x, x, indexing="ij")


def _spectral_operators_2d(n, length):
    """Wavenumbers of ``rfft2`` (axis 0 full, axis 1 halved) and the 2/3-rule mask."""
    mx = np.fft.fftfreq(n, 1.0 / n)[:, None]          # ..., -2, -1 (axis 0)
    my = np.arange(n // 2 + 1)[None, :]                # 0, ..., n/2 (axis 1, rfft)
    scale = 2 * np.pi / length
    kx, ky = scale * mx, scale * my
    mask = ((3 * np.abs(mx) < n) & (3 * my < n)).astype(float)
    k2 = kx * kx + ky * ky
    # psi_hat = omega_hat / |k|^2; the mean mode carries no velocity (set to 0, not 0/0).
    inv_k2 = np.where(k2 > 0, 1.0 / np.where(k2 > 0, k2, 1.0), 0.0)
    return kx, ky, k2, inv_k2, mask


def _check_square(omega, name, what="the vorticity"):
    shape = np.shape(omega)
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"{name}: {what} must be a square (n, n) array on "
                         f"grid2d(n), got shape {shape}")
    return shape[0]


def velocity(omega, *, length=2 * np.pi):
    """Velocity ``(u, v)`` of a periodic vorticity field: ``u = psi_y``, ``v = -psi_x``.

    The stream function solves ``laplacian(psi) = -omega`` spectrally (its mean is set
    to zero; the mean of ``omega`` drives no flow), so the velocity is divergence-free
    and ``v_x - u_y = omega - mean(omega)``.

    Parameters
    ----------
    omega : array_like, shape (n, n)
        Vorticity on :func:`grid2d` ``(n, length)``.
    length : float, keyword-only
        Side of the periodic box.

    Returns
    -------
    u, v : arrays, shape (n, n)

    Examples
    --------
    The Taylor–Green vortex ``omega = 2 sin x sin y`` has ``u = sin x cos y``:

    >>> import numpy as np
    >>> from chainrule.apps.pde import grid2d, velocity
    >>> X, Y = grid2d(16)
    >>> u, v = velocity(2 * np.sin(X) * np.sin(Y))
    >>> bool(np.allclose(u, np.sin(X) * np.cos(Y)) and np.allclose(v, -np.cos(X) * np.sin(Y)))
    True
    """
    n = _check_square(omega, "velocity")
    kx, ky, _, inv_k2, _ = _spectral_operators_2d(n, length)
    psi_hat = cnp.fft.rfft2(omega) * inv_k2
    return (cnp.fft.irfft2(1j * ky * psi_hat, s=(n, n)),
            cnp.fft.irfft2(-1j * kx * psi_hat, s=(n, n)))


def vorticity_rhs(omega, nu, *, length=2 * np.pi):
    """The tendency ``omega_t = -(u omega_x + v omega_y) + nu laplacian(omega)``, dealiased.

    Derivatives are spectral; the velocity and the gradient of ``omega`` are formed from
    its modes inside the 2/3 mask and the product is projected onto the same modes, so the
    tendency of the kept modes is free of aliasing (the Galerkin truncation, which
    conserves energy and enstrophy when ``nu = 0``).

    Examples
    --------
    The Taylor–Green vortex is a steady state of the Euler equations: only viscosity
    changes it, ``omega_t = -2 nu omega``.

    >>> import numpy as np
    >>> from chainrule.apps.pde import grid2d, vorticity_rhs
    >>> X, Y = grid2d(16)
    >>> w = 2 * np.sin(X) * np.sin(Y)
    >>> bool(np.allclose(vorticity_rhs(w, 0.1), -0.2 * w))
    True
    """
    n = _check_square(omega, "vorticity_rhs")
    return _ns_rhs_fn(n, nu, length)(omega)


def _ns_rhs_fn(n, nu, length):
    kx, ky, k2, inv_k2, mask = _spectral_operators_2d(n, length)
    s = (n, n)

    def rhs(w):
        w_hat = cnp.fft.rfft2(w) * mask
        psi_hat = w_hat * inv_k2
        u = cnp.fft.irfft2(1j * ky * psi_hat, s=s)
        v = cnp.fft.irfft2(-1j * kx * psi_hat, s=s)
        w_x = cnp.fft.irfft2(1j * kx * w_hat, s=s)
        w_y = cnp.fft.irfft2(1j * ky * w_hat, s=s)
        advection = cnp.fft.rfft2(u * w_x + v * w_y)
        return cnp.fft.irfft2(-mask * advection - nu * k2 * w_hat, s=s)
    return rhs


def _rk4(rhs, dt):
    def step(w):
        k1 = rhs(w)
        k2 = rhs(w + (0.5 * dt) * k1)
        k3 = rhs(w + (0.5 * dt) * k2)
        k4 = rhs(w + dt * k3)
        return w + (dt / 6) * (k1 + 2 * k2 + 2 * k3 + k4)
    return step


def _time_loop(step, state, steps, checkpoint_every):
    """``steps`` applications of ``step`` by ``fori_loop``; with ``checkpoint_every = k``,
    an outer loop over segments of ``k`` steps, each segment under ``chainrule.checkpoint``.

    Reverse mode then stores one state per segment and recomputes a segment's steps while
    it goes back through it: memory ``~ steps / k + k`` states instead of every
    intermediate of every step (``k ~ sqrt(steps)`` minimizes it) for one extra forward
    pass.
    """
    if checkpoint_every is None:
        return lax.fori_loop(0, steps, lambda _, s: step(s), state)
    k = int(checkpoint_every)
    if k < 1:
        raise ValueError(f"checkpoint_every must be a positive number of steps, got {k}")
    segment = cr.checkpoint(lambda s: lax.fori_loop(0, k, lambda _, t: step(t), s))
    state = lax.fori_loop(0, steps // k, lambda _, s: segment(s), state)
    return lax.fori_loop(0, steps % k, lambda _, s: step(s), state)


def navier_stokes(omega0, nu, dt, steps, *, length=2 * np.pi, checkpoint_every=None):
    """Integrate 2-D incompressible Navier–Stokes in vorticity form on a periodic box.

    Solves ``omega_t + u omega_x + v omega_y = nu laplacian(omega)`` with the velocity
    ``(u, v)`` of :func:`velocity` (``laplacian(psi) = -omega``, ``u = psi_y``,
    ``v = -psi_x``): Fourier derivatives (``chainrule.numpy.fft.rfft2``), the quadratic
    term dealiased by the 2/3 rule, classical Runge–Kutta (RK4) in time, the time loop a
    ``chainrule.lax.fori_loop`` (``jit`` traces one step, whatever ``steps``).

    Parameters
    ----------
    omega0 : array_like, shape (n, n)
        Initial vorticity on :func:`grid2d` ``(n, length)``.
    nu : float
        Kinematic viscosity (``>= 0``); may be traced.
    dt : float
        Time step.  RK4 is explicit: stable for ``dt nu kmax**2 <~ 2.7`` and
        ``dt max(|u|, |v|) kmax <~ 2``, ``kmax = (2 pi / length) n / 3``.
    steps : int
        Number of steps (a Python int).
    length : float, keyword-only
        Side of the box.
    checkpoint_every : int, optional, keyword-only
        Group the steps into segments of this many steps, each rematerialized in reverse
        mode (``chainrule.checkpoint``): the memory of a gradient through the solver falls
        from every step's intermediates to one state per segment plus one segment's
        intermediates.  Values and derivatives are unchanged.

    Returns
    -------
    omega : array, shape (n, n)
        The vorticity at ``t = steps dt``, dealiased (modes outside the 2/3 mask of
        ``omega0`` are dropped at the start).

    Examples
    --------
    The Taylor–Green vortex decays as ``exp(-2 nu t)``:

    >>> import numpy as np
    >>> from chainrule.apps.pde import grid2d, navier_stokes
    >>> X, Y = grid2d(16)
    >>> w0 = 2 * np.sin(X) * np.sin(Y)
    >>> w = navier_stokes(w0, 0.1, 0.05, 20)
    >>> bool(np.max(np.abs(w - w0 * np.exp(-0.2))) < 1e-9)
    True
    """
    n = _check_square(omega0, "navier_stokes")
    *_, mask = _spectral_operators_2d(n, length)
    step = _rk4(_ns_rhs_fn(n, nu, length), dt)
    w0 = cnp.asarray(omega0) + 0.0 * nu
    w0 = cnp.fft.irfft2(cnp.fft.rfft2(w0) * mask, s=(n, n))
    _check_steps("navier_stokes", "steps", steps)
    return _time_loop(step, w0, steps, checkpoint_every)


def taylor_green_vorticity(x, y, t, nu):
    """The Taylor–Green vortex ``omega = 2 sin x sin y exp(-2 nu t)`` on ``[0, 2 pi)^2``.

    An exact solution of :func:`navier_stokes` (its advection term vanishes identically).

    Examples
    --------
    >>> from chainrule.apps.pde import taylor_green_vorticity
    >>> float(taylor_green_vorticity(0.5 * 3.141592653589793, 0.5 * 3.141592653589793, 0.0, 1.0))
    2.0
    """
    return 2 * cnp.sin(x) * cnp.sin(y) * cnp.exp(-2 * nu * t)


def fit_initial_vorticity(observation, nu, dt, steps, *, omega_guess=None, length=2 * np.pi,
                          checkpoint_every=None, options=None):
    """Reconstruct the initial vorticity from the field observed ``steps dt`` later.

    Minimizes ``sum((navier_stokes(omega0, nu, dt, steps) - observation)**2) / 2`` over
    the whole field ``omega0`` with L-BFGS (``chainrule.optimize.minimize``); the gradient
    is the adjoint, one reverse-mode pass through the solver, compiled once with
    ``chainrule.jit``.  ``checkpoint_every`` (see :func:`navier_stokes`) bounds the memory
    of that pass.

    Only the modes inside the 2/3 mask affect the observation, so only they are
    determined: the others stay at ``omega_guess``'s (zero by default).

    Parameters
    ----------
    observation : array_like, shape (n, n)
    nu, dt, steps, length, checkpoint_every
        As in :func:`navier_stokes`.
    omega_guess : array_like, shape (n, n), optional
        Starting point (default: zeros).
    options : dict, optional
        Options of SciPy's L-BFGS-B (default ``{"maxiter": 500, "ftol": 1e-15,
        "gtol": 1e-10}``).

    Returns
    -------
    result : OptimizeResult
        ``result.x`` is the reconstructed field, shape ``(n, n)``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.apps.pde import fit_initial_vorticity, grid2d, navier_stokes
    >>> X, Y = grid2d(8)
    >>> w0 = np.sin(X) * np.cos(2 * Y) + 0.5 * np.cos(X + Y)
    >>> obs = navier_stokes(w0, 0.05, 0.1, 5)
    >>> res = fit_initial_vorticity(obs, 0.05, 0.1, 5, checkpoint_every=2)
    >>> bool(np.max(np.abs(res.x - w0)) < 1e-5)
    True
    """
    observation = np.asarray(observation, dtype=float)
    n = _check_square(observation, "fit_initial_vorticity")
    guess = np.zeros((n, n)) if omega_guess is None else np.asarray(omega_guess, dtype=float)
    if guess.shape != (n, n):
        raise ValueError(f"fit_initial_vorticity: omega_guess must have the observation's "
                         f"shape {(n, n)}, got shape {guess.shape}")

    def misfit(w0):
        r = navier_stokes(w0, nu, dt, steps, length=length,
                          checkpoint_every=checkpoint_every) - observation
        return 0.5 * cnp.sum(r * r)

    opts = {"maxiter": 500, "ftol": 1e-15, "gtol": 1e-10}
    opts.update(options or {})
    res = minimize(cr.jit(cr.value_and_grad(misfit)), guess, jac=True, method="L-BFGS-B",
                   options=opts)
    res.x = np.reshape(res.x, (n, n))
    return res


# --------------------------------------------------------------------------------------
# 2-D advection–diffusion by finite volumes
# --------------------------------------------------------------------------------------

def _minmod(a, b):
    """The smaller slope in magnitude when ``a`` and ``b`` agree in sign, else zero."""
    return 0.5 * (cnp.sign(a) + cnp.sign(b)) * cnp.minimum(cnp.abs(a), cnp.abs(b))


def _face_flux(c, vel, kappa, h, axis, limited):
    """Flux through the face between cells ``i`` and ``i + 1`` along ``axis``."""
    right = cnp.roll(c, -1, axis=axis)               # c_{i+1}
    if limited:
        # MUSCL: piecewise-linear reconstruction with minmod slopes, so that no new
        # extremum appears (TVD) while smooth regions get second-order accuracy.
        slope = _minmod(c - cnp.roll(c, 1, axis=axis), right - c)
        left_state = c + 0.5 * slope
        right_state = right - 0.5 * cnp.roll(slope, -1, axis=axis)
    else:
        left_state, right_state = c, right
    upwind = cnp.maximum(vel, 0.0) * left_state + cnp.minimum(vel, 0.0) * right_state
    return upwind - kappa * (right - c) / h


def advection_diffusion(c0, velocity, kappa, dt, steps, *, length=2 * np.pi,
                        scheme="minmod", checkpoint_every=None):
    """Integrate ``c_t + div(c (u, v)) = kappa laplacian(c)`` by finite volumes (periodic).

    ``c`` holds cell averages on the ``n x n`` cells of side ``h = length / n`` centred at
    :func:`grid2d` ``(n, length)``.  Each cell changes only by the fluxes through its
    faces, and what leaves one cell enters its neighbour, so ``sum(c)`` is conserved to
    rounding whatever the velocity.  The advective flux is upwind, from the cell values
    (``scheme="upwind"``, first order, monotone) or from a piecewise-linear reconstruction
    with minmod-limited slopes (``scheme="minmod"``, second order where the solution is
    smooth, no new extrema); the diffusive flux is the centred difference.  Time stepping
    is the strong-stability-preserving Runge–Kutta scheme of order 2 (Heun), the loop a
    ``chainrule.lax.fori_loop``.

    Parameters
    ----------
    c0 : array_like, shape (n, n)
        Initial cell averages.
    velocity : (u, v)
        Face velocities: ``u[i, j]`` on the face between cells ``(i, j)`` and
        ``(i + 1, j)`` (at ``x_i + h / 2``), ``v[i, j]`` on the face between ``(i, j)`` and
        ``(i, j + 1)``; arrays of shape ``(n, n)`` or scalars (a uniform flow).  May be
        traced.  For ``c = const`` to stay constant the discrete divergence
        ``(u[i] - u[i-1] + v[j] - v[j-1]) / h`` must vanish.
    kappa : float
        Diffusivity (``>= 0``); may be traced.
    dt : float
        Time step.  Each Euler stage keeps the solution free of new extrema (hence
        stable) when ``dt (2 (max|u| + max|v|) / h + 4 kappa / h**2) <= 1`` for
        ``"minmod"``, and ``dt ((max|u| + max|v|) / h + 4 kappa / h**2) <= 1`` for
        ``"upwind"``.
    steps : int
    length : float, keyword-only
    scheme : {"minmod", "upwind"}, keyword-only
    checkpoint_every : int, optional, keyword-only
        As in :func:`navier_stokes`.

    Returns
    -------
    c : array, shape (n, n)

    Notes
    -----
    The limiter and the upwind switch are piecewise smooth: derivatives are exact almost
    everywhere (those of the active branch), as for any ``minimum``/``maximum``.

    Examples
    --------
    A uniform flow carries a blob across the box with its total unchanged:

    >>> import numpy as np
    >>> from chainrule.apps.pde import advection_diffusion, grid2d
    >>> X, Y = grid2d(32)
    >>> c0 = np.exp(-4 * ((X - np.pi) ** 2 + (Y - np.pi) ** 2))
    >>> c = advection_diffusion(c0, (1.0, 0.5), 0.01, 0.05, 40)
    >>> bool(abs(c.sum() - c0.sum()) < 1e-12 * c0.sum())
    True
    """
    if scheme not in ("minmod", "upwind"):
        raise ValueError(f"advection_diffusion: scheme must be 'minmod' or 'upwind', "
                         f"got {scheme!r}")
    n = _check_square(c0, "advection_diffusion", "the concentration c0")
    h = length / n
    if not isinstance(velocity, (tuple, list)) or len(velocity) != 2:
        got = (f"an array of shape {np.shape(velocity)}" if hasattr(velocity, "shape")
               else type(velocity).__name__)
        raise ValueError(f"advection_diffusion: velocity must be the pair (u, v), each a "
                         f"number or an ({n}, {n}) array on the cells of c0; got {got}")
    u, v = velocity
    for name, comp in (("u", u), ("v", v)):
        if np.shape(comp) not in ((), (n, n)):
            raise ValueError(f"advection_diffusion: velocity component {name} must be a "
                             f"number or an ({n}, {n}) array like c0, got shape "
                             f"{np.shape(comp)}")
    limited = scheme == "minmod"

    def rhs(c):
        fx = _face_flux(c, u, kappa, h, 0, limited)
        fy = _face_flux(c, v, kappa, h, 1, limited)
        return -((fx - cnp.roll(fx, 1, axis=0)) + (fy - cnp.roll(fy, 1, axis=1))) / h

    def step(c):
        c1 = c + dt * rhs(c)
        return 0.5 * (c + c1 + dt * rhs(c1))

    c0 = cnp.asarray(c0) + 0.0 * kappa + 0.0 * (cnp.sum(u) + cnp.sum(v))
    _check_steps("advection_diffusion", "steps", steps)
    return _time_loop(step, c0, steps, checkpoint_every)
