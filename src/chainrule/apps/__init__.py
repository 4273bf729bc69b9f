"""Applications written against chainrule's public API, as a user would write them.

- :mod:`chainrule.apps.orbits`: Kepler's equation, radial-velocity and astrometric
  models of a binary orbit, fitting and Fisher forecasts.
- :mod:`chainrule.apps.nbody`: gravitational N-body integration (leapfrog, Yoshida),
  conserved quantities, sensitivity of the flow.
"""

from . import nbody, orbits  # noqa: F401

__all__ = ["nbody", "orbits"]
