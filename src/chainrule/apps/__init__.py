"""Applications written against chainrule's public API, as a user would write them.

- :mod:`chainrule.apps.orbits`: Kepler's equation, radial-velocity and astrometric
  models of a binary orbit, fitting and Fisher forecasts.
- :mod:`chainrule.apps.nbody`: gravitational N-body integration (leapfrog, Yoshida),
  conserved quantities, sensitivity of the flow.
- :mod:`chainrule.apps.pde`: viscous Burgers equation (pseudo-spectral, RK4), exact
  Cole–Hopf solution, viscosity recovered from a snapshot; 2-D incompressible
  Navier–Stokes in vorticity form (Taylor–Green check, initial field reconstructed with
  checkpointed adjoints); 2-D advection–diffusion by finite volumes.
"""

from . import nbody, orbits, pde  # noqa: F401

__all__ = ["nbody", "orbits", "pde"]
