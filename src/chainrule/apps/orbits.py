"""Keplerian orbits: Kepler's equation, radial-velocity and astrometric models.

Public functions
----------------
solve_kepler(M, e)
    Eccentric anomaly ``E`` with ``E - e sin E = M``; broadcasting, differentiable in
    both arguments through the implicit function theorem (``custom_jvp``).
true_anomaly(E, e)
    True anomaly from the eccentric anomaly.
radial_velocity(t, P, K, e, omega, tp, gamma=0.0)
    Line-of-sight velocity of a star on a Keplerian orbit.
astrometric_position(t, P, a, e, omega, Omega, inc, tp)
    Sky-plane offsets ``(x, y)`` of the companion (Thiele–Innes form).
fit_radial_velocity(t, rv, sigma, p0)
    Least-squares fit of ``radial_velocity`` with an exact Jacobian (``curve_fit``).
forecast_radial_velocity(t, params, sigma)
    Fisher matrix of the six radial-velocity parameters for an observing schedule.

Parameters are ``P`` period, ``K`` semi-amplitude, ``e`` eccentricity, ``omega``
argument of periastron, ``tp`` time of periastron, ``gamma`` systemic velocity,
``a`` angular semi-major axis, ``Omega`` position angle of the node, ``inc``
inclination (angles in radians).
"""

import numpy as np

import chainrule as cr
import chainrule.numpy as cnp
from chainrule.infer import fisher_information
from chainrule.optimize import curve_fit

__all__ = ["astrometric_position", "fit_radial_velocity", "forecast_radial_velocity",
           "radial_velocity", "solve_kepler", "true_anomaly"]

RV_PARAMS = ("P", "K", "e", "omega", "tp", "gamma")

# Halley's method from Danby's starting point converges for every e < 1; six steps
# reach float64 round-off even at e = 0.99 near periastron (checked against mpmath in
# the tests), so the count is fixed and the solver traces to a straight-line program.
_HALLEY_STEPS = 6


@cr.custom_jvp
def solve_kepler(M, e):
    """Eccentric anomaly ``E`` solving Kepler's equation ``E - e sin E = M``.

    Parameters
    ----------
    M : array_like
        Mean anomaly (radians, any value; ``E - M`` is periodic in ``M``).
    e : array_like
        Eccentricity, ``0 <= e < 1`` (accurate to round-off up to ``e = 0.99``).
        Broadcast against ``M``.  Outside ``[0, 1)`` the result is NaN (there is no
        elliptic orbit), and so are its derivatives.

    Returns
    -------
    E : array
        The eccentric anomaly, continuous in ``M``.  Its derivatives come from the
        implicit function theorem, ``dE = (dM + sin E de) / (1 - e cos E)``, not from
        the iterations.

    Examples
    --------
    >>> import chainrule as cr
    >>> from chainrule.apps.orbits import solve_kepler
    >>> E = solve_kepler(1.0, 0.5)
    >>> round(float(E - 0.5 * cr.numpy.sin(E)), 12)
    1.0
    >>> round(float(cr.grad(solve_kepler)(1.0, 0.5)), 10)     # 1 / (1 - e cos E)
    1.0373620219
    """
    M, e = _array(M), _array(e)
    # Broadcast by arithmetic, which keeps CuPy and Dask arrays in their library.
    M, e = M + 0.0 * e, e + 0.0 * M
    # Solve on [-pi, pi] and add the whole turns back: E - M has period 2 pi.
    turns = 2 * np.pi * cnp.round(M / (2 * np.pi))
    m = M - turns
    E = m + 0.85 * e * cnp.sign(cnp.sin(m))
    for _ in range(_HALLEY_STEPS):
        s, c = cnp.sin(E), cnp.cos(E)
        f = E - e * s - m
        f1 = 1 - e * c
        f2 = e * s
        E = E - 2 * f * f1 / (2 * f1 * f1 - f * f2)
    # NaN rather than a plausible-looking number for hyperbolic or negative e; a value
    # check would not work under jit or stay lazy on Dask arrays.
    return cnp.where((e >= 0) & (e < 1), E + turns, np.nan)


@solve_kepler.defjvp
def _solve_kepler_jvp(primals, tangents):
    M, e = primals
    dM, de = tangents
    E = solve_kepler(M, e)
    return E, (dM + cnp.sin(E) * de) / (1 - e * cnp.cos(E))


def true_anomaly(E, e):
    """True anomaly ``nu`` of a point with eccentric anomaly ``E``.

    Examples
    --------
    >>> from chainrule.apps.orbits import true_anomaly
    >>> float(true_anomaly(0.0, 0.3)), round(float(true_anomaly(1.0, 0.0)), 12)
    (0.0, 1.0)
    """
    half = E / 2
    return 2 * cnp.arctan2(cnp.sqrt(1 + e) * cnp.sin(half), cnp.sqrt(1 - e) * cnp.cos(half))


def _array(a):
    """Lists and tuples to NumPy arrays, as NumPy functions accept them; arrays of every
    library, traced values and Python numbers as they are."""
    return cnp.asarray(a, dtype=float) if isinstance(a, (list, tuple)) else a


def _anomalies(t, P, e, tp):
    t, e = _array(t), _array(e)
    M = 2 * np.pi * (t - tp) / P
    return solve_kepler(M, e)


def radial_velocity(t, P, K, e, omega, tp, gamma=0.0):
    """Radial velocity ``K (cos(nu + omega) + e cos omega) + gamma`` at times ``t``.

    Examples
    --------
    A circular orbit is a sinusoid:

    >>> import numpy as np
    >>> from chainrule.apps.orbits import radial_velocity
    >>> t = np.array([0.0, 0.25, 0.5])
    >>> radial_velocity(t, 1.0, 10.0, 0.0, 0.0, 0.0).round(10) + 0.0
    array([ 10.,   0., -10.])
    """
    nu = true_anomaly(_anomalies(t, P, e, tp), e)
    return K * (cnp.cos(nu + omega) + e * cnp.cos(omega)) + gamma


def astrometric_position(t, P, a, e, omega, Omega, inc, tp):
    """Sky-plane offsets ``(x, y)`` (towards +RA, +Dec) of the companion at times ``t``.

    Uses the Thiele–Innes constants: with ``X = cos E - e`` and
    ``Y = sqrt(1 - e**2) sin E``, ``y = A X + F Y`` and ``x = B X + G Y``.

    Examples
    --------
    A face-on circular orbit is a circle of radius ``a``:

    >>> import numpy as np
    >>> from chainrule.apps.orbits import astrometric_position
    >>> x, y = astrometric_position(np.array([0.0, 0.25]), 1.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    >>> x.round(12) + 0.0, y.round(12) + 0.0
    (array([0., 2.]), array([2., 0.]))
    """
    E = _anomalies(t, P, e, tp)
    X = cnp.cos(E) - e
    Y = cnp.sqrt(1 - e * e) * cnp.sin(E)
    cw, sw, ci = cnp.cos(omega), cnp.sin(omega), cnp.cos(inc)
    cO, sO = cnp.cos(Omega), cnp.sin(Omega)
    A = a * (cw * cO - sw * sO * ci)
    B = a * (cw * sO + sw * cO * ci)
    F = a * (-sw * cO - cw * sO * ci)
    G = a * (-sw * sO + cw * cO * ci)
    return B * X + G * Y, A * X + F * Y


_RV_PARAMS = "(P, K, e, omega, tp, gamma)"


def _rv_params(who, name, p):
    """The six orbital parameters as a float vector, or an error naming the order."""
    if isinstance(p, dict):
        raise TypeError(f"{who}: {name} must be a sequence of six numbers in the order "
                        f"{_RV_PARAMS}, got a dict; pass e.g. "
                        "tuple(p[k] for k in ('P', 'K', 'e', 'omega', 'tp', 'gamma'))")
    v = np.asarray(p, dtype=float)
    if v.shape != (6,):
        raise ValueError(f"{who}: {name} must hold six numbers {_RV_PARAMS}, got shape "
                         f"{v.shape}")
    return v


def _rv_data(who, t, rv=None, sigma=None):
    """Times, velocities and their standard deviations, checked against each other."""
    t = np.asarray(t, dtype=float)
    if t.ndim != 1:
        raise ValueError(f"{who}: t must be a 1-D array of times, got shape {t.shape}")
    if rv is not None:
        rv = np.asarray(rv, dtype=float)
        if rv.shape != t.shape:
            raise ValueError(f"{who}: rv must have one velocity per time, shape {t.shape}, "
                             f"got shape {rv.shape}")
    if sigma is not None and np.shape(sigma) not in ((), t.shape):
        raise ValueError(f"{who}: sigma must be a number or one standard deviation per "
                         f"time, shape {t.shape}, got shape {np.shape(sigma)}")
    return t, rv


def fit_radial_velocity(t, rv, sigma, p0):
    """Fit ``radial_velocity`` to data; returns ``(popt, pcov)`` in the order
    ``(P, K, e, omega, tp, gamma)``.

    ``sigma`` are the absolute standard deviations of ``rv``; the Jacobian is exact
    (automatic differentiation through the Kepler solver), and so is ``pcov``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.apps.orbits import fit_radial_velocity, radial_velocity
    >>> truth = (3.0, 5.0, 0.3, 1.0, 0.4, 0.2)
    >>> t = np.linspace(0.0, 9.0, 40)
    >>> popt, pcov = fit_radial_velocity(t, radial_velocity(t, *truth), 0.1,
    ...                                  (3.02, 4.8, 0.25, 1.1, 0.5, 0.0))
    >>> np.allclose(popt, truth)
    True
    """
    t, rv = _rv_data("fit_radial_velocity", t, rv, sigma)
    p0 = _rv_params("fit_radial_velocity", "p0", p0)
    sigma = np.broadcast_to(np.asarray(sigma, dtype=float), np.shape(rv))
    return curve_fit(radial_velocity, t, rv, p0=p0, sigma=sigma, absolute_sigma=True)


def forecast_radial_velocity(t, params, sigma):
    """Fisher matrix of ``(P, K, e, omega, tp, gamma)`` for velocities measured at
    times ``t`` with standard deviation ``sigma``, around the fiducial ``params``.

    ``sqrt(diag(inv(F)))`` forecasts the uncertainties a fit would give
    (:func:`chainrule.infer.cramer_rao`).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.apps.orbits import forecast_radial_velocity
    >>> F = forecast_radial_velocity(np.linspace(0, 9, 40), (3.0, 5.0, 0.3, 1.0, 0.4, 0.2), 0.1)
    >>> F.shape, bool(np.all(np.linalg.eigvalsh(F) > 0))
    ((6, 6), True)
    """
    t, _ = _rv_data("forecast_radial_velocity", t, sigma=sigma)
    params = _rv_params("forecast_radial_velocity", "params", params)
    return fisher_information(lambda p: radial_velocity(t, *p), params, sigma)
