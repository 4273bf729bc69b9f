"""Gravitational N-body dynamics with softening, symplectic integrators and their derivatives.

Public functions
----------------
accelerations(positions, masses, softening=0.0, G=1.0)
    Pairwise (Plummer-softened) gravitational accelerations.
energy(positions, velocities, masses, softening=0.0, G=1.0)
    Total (kinetic + potential) energy.
angular_momentum(positions, velocities, masses)
    Total angular momentum vector.
simulate(positions, velocities, masses, dt, n_steps, method="leapfrog", ...)
    Integrate with leapfrog (2nd order) or Yoshida (4th order); the final state or,
    with ``trajectory=True``, the state after every step.
lyapunov_estimate(positions, velocities, masses, dt, n_steps, ...)
    Growth rate of the largest singular value of the Jacobian of the flow.

Arrays: ``positions`` and ``velocities`` have shape ``(N, 3)`` (any number of space
dimensions works except in ``angular_momentum``), ``masses`` shape ``(N,)``.  Time loops
are ``chainrule.lax.fori_loop``/``scan``, so every function runs eagerly, under
``chainrule.jit`` (compiled once) and under ``grad``/``jacfwd``.
"""

import numpy as np

import chainrule as cr
import chainrule.numpy as cnp
from chainrule import lax

__all__ = ["accelerations", "angular_momentum", "energy", "lyapunov_estimate", "simulate"]

# Yoshida's 4th-order composition of three leapfrog steps.
_CBRT2 = 2.0 ** (1.0 / 3.0)
_W1 = 1.0 / (2.0 - _CBRT2)
_W0 = -_CBRT2 / (2.0 - _CBRT2)
_YOSHIDA = (_W1, _W0, _W1)


def _array(a):
    """Arrays (NumPy, CuPy, Dask, traced values) as they are; lists and scalars to NumPy."""
    return a if hasattr(a, "shape") else cnp.asarray(a, dtype=float)


def _check_steps(who, name, steps):
    """A loop count known now must be a whole number >= 0: a negative one would run no
    step and return the initial state as if it were the result."""
    if isinstance(steps, (int, float, np.integer, np.floating)) and (
            steps < 0 or int(steps) != steps):
        raise ValueError(f"{who}: {name} must be a non-negative integer, got {steps!r}")


def _check_bodies(who, positions, masses, velocities=None):
    """Shapes of the state, checked before any arithmetic so that a mismatch names the
    arguments instead of failing as a broadcast deep inside."""
    x, m = np.shape(positions), np.shape(masses)
    if len(x) != 2:
        raise ValueError(f"{who}: positions must have shape (N, d), one row per body, got "
                         f"shape {x}")
    if m not in ((), (x[0],)):
        raise ValueError(f"{who}: masses must have shape ({x[0]},), one per body (row of "
                         f"positions, shape {x}), got shape {m}")
    if velocities is not None and np.shape(velocities) != x:
        raise ValueError(f"{who}: velocities must have the shape of positions {x}, got "
                         f"shape {np.shape(velocities)}")


def _separations(positions, softening):
    """``d[i, j] = x_j - x_i`` and ``r2[i, j] = |d|^2 + softening^2``, with 1 on the
    diagonal so that the self-interaction is a finite 0 / 1 (a NaN there would poison
    the derivatives even if masked)."""
    x = _array(positions)
    n = x.shape[0]
    d = cnp.expand_dims(x, 0) - cnp.expand_dims(x, 1)
    r2 = cnp.sum(d * d, axis=-1) + softening ** 2 + np.eye(n)
    return d, r2


def accelerations(positions, masses, softening=0.0, G=1.0):
    """Gravitational accelerations ``a_i = G sum_j m_j (x_j - x_i) / (|x_j - x_i|^2 + eps^2)^1.5``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.apps.nbody import accelerations
    >>> accelerations(np.array([[0.0, 0, 0], [2.0, 0, 0]]), np.array([1.0, 4.0]))
    array([[ 1.  ,  0.  ,  0.  ],
           [-0.25,  0.  ,  0.  ]])
    """
    _check_bodies("accelerations", positions, masses)
    d, r2 = _separations(positions, softening)
    w = G * cnp.expand_dims(_array(masses), 0) / (r2 * cnp.sqrt(r2))
    return cnp.sum(cnp.expand_dims(w, -1) * d, axis=1)


def energy(positions, velocities, masses, softening=0.0, G=1.0):
    """Total energy ``sum m v^2 / 2 - G sum_{i<j} m_i m_j / sqrt(r_ij^2 + eps^2)``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.apps.nbody import energy
    >>> x = np.array([[0.0, 0, 0], [2.0, 0, 0]])
    >>> v = np.array([[0.0, 1, 0], [0.0, 0, 0]])
    >>> float(energy(x, v, np.array([1.0, 4.0])))       # 1/2 - 4/2
    -1.5
    """
    _check_bodies("energy", positions, masses, velocities)
    m = _array(masses)
    v = _array(velocities)
    kinetic = 0.5 * cnp.sum(m * cnp.sum(v * v, axis=-1))
    _, r2 = _separations(positions, softening)
    upper = np.triu(np.ones(r2.shape), k=1)
    potential = -G * cnp.sum(upper * cnp.outer(m, m) / cnp.sqrt(r2))
    return kinetic + potential


def angular_momentum(positions, velocities, masses):
    """Total angular momentum ``sum_i m_i x_i × v_i`` (3 space dimensions).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.apps.nbody import angular_momentum
    >>> angular_momentum(np.array([[1.0, 0, 0]]), np.array([[0.0, 2, 0]]), np.array([3.0]))
    array([0., 0., 6.])
    """
    _check_bodies("angular_momentum", positions, masses, velocities)
    if np.shape(positions)[1] != 3:
        raise ValueError(f"angular_momentum: needs 3 space dimensions, positions of shape "
                         f"(N, 3); got shape {np.shape(positions)}")
    x, v = _array(positions), _array(velocities)
    m = cnp.expand_dims(_array(masses), -1)
    return cnp.sum(m * cnp.cross(x, v), axis=0)


def _kick_drift_kick(x, v, masses, h, softening, G):
    v = v + 0.5 * h * accelerations(x, masses, softening, G)
    x = x + h * v
    v = v + 0.5 * h * accelerations(x, masses, softening, G)
    return x, v


def _step(method):
    if method == "leapfrog":
        weights = (1.0,)
    elif method == "yoshida":
        weights = _YOSHIDA
    else:
        raise ValueError(f"simulate: unknown method {method!r}; use 'leapfrog' (2nd order) "
                         "or 'yoshida' (4th order)")

    def step(x, v, masses, dt, softening, G):
        for w in weights:
            x, v = _kick_drift_kick(x, v, masses, w * dt, softening, G)
        return x, v
    return step


def simulate(positions, velocities, masses, dt, n_steps, method="leapfrog", softening=0.0,
             G=1.0, trajectory=False):
    """Integrate the N-body system for ``n_steps`` steps of size ``dt``.

    Parameters
    ----------
    positions, velocities : array_like, shape (N, d)
    masses : array_like, shape (N,)
    dt : float
        Step size (may be differentiated).
    n_steps : int
        Number of steps (a Python int: the loop is traced once).
    method : {"leapfrog", "yoshida"}
        Kick-drift-kick leapfrog (energy error O(dt^2)) or Yoshida's symmetric
        composition of three leapfrog steps (O(dt^4)).  Both are symplectic and
        time-reversible: the energy error stays bounded instead of drifting.
    softening : float
        Plummer softening length.
    G : float
        Gravitational constant.
    trajectory : bool
        If True, return the states after every step, shapes ``(n_steps, N, d)``.

    Returns
    -------
    positions, velocities : arrays
        The final state (or the trajectory).

    Examples
    --------
    Two equal masses on a circular orbit come back after one period:

    >>> import numpy as np
    >>> from chainrule.apps.nbody import simulate
    >>> x = np.array([[-0.5, 0, 0], [0.5, 0, 0]])
    >>> v = np.array([[0, -0.5, 0], [0, 0.5, 0]]) * np.sqrt(2.0)
    >>> xf, vf = simulate(x, v, np.ones(2), dt=np.sqrt(2) * np.pi / 100, n_steps=100,
    ...                   method="yoshida")
    >>> bool(np.allclose(xf, x, atol=1e-4))
    True
    """
    step = _step(method)
    _check_bodies("simulate", positions, masses, velocities)
    _check_steps("simulate", "n_steps", n_steps)
    x0, v0 = _array(positions), _array(velocities)

    if trajectory:
        def body(state, _):
            state = step(*state, masses, dt, softening, G)
            return state, state
        _, (xs, vs) = lax.scan(body, (x0, v0), None, length=n_steps)
        return xs, vs

    def body(i, state):
        return step(*state, masses, dt, softening, G)
    return lax.fori_loop(0, n_steps, body, (x0, v0))


def lyapunov_estimate(positions, velocities, masses, dt, n_steps, method="yoshida",
                      softening=0.0, G=1.0):
    """Finite-time Lyapunov exponent ``log(s_max) / T`` of the flow over ``T = n_steps dt``.

    ``s_max`` is the largest singular value of the exact Jacobian of the final state
    with respect to the initial state (forward mode through the integrator); its
    inverse, ``1 / exponent``, estimates the Lyapunov time.

    Examples
    --------
    A circular binary is not chaotic: perturbations grow only linearly (shear), so the
    finite-time exponent decays like ``log(T) / T`` instead of settling:

    >>> import numpy as np
    >>> from chainrule.apps.nbody import lyapunov_estimate
    >>> x = np.array([[-0.5, 0, 0], [0.5, 0, 0]])
    >>> v = np.array([[0, -0.5, 0], [0, 0.5, 0]]) * np.sqrt(2.0)
    >>> short, long = (lyapunov_estimate(x, v, np.ones(2), 0.1, n) for n in (50, 200))
    >>> bool(long < 0.5 * short)
    True
    """
    x0, v0 = np.asarray(positions, dtype=float), np.asarray(velocities, dtype=float)
    shape = x0.shape

    def flow(z):
        xf, vf = simulate(z[0].reshape(shape), z[1].reshape(shape), masses, dt, n_steps,
                          method, softening, G)
        return cnp.stack([xf.reshape(-1), vf.reshape(-1)])

    J = np.asarray(cr.jacfwd(flow)(np.stack([x0.reshape(-1), v0.reshape(-1)])))
    n = 2 * x0.size
    s_max = np.linalg.svd(J.reshape(n, n), compute_uv=False)[0]
    return float(np.log(s_max) / (n_steps * dt))
