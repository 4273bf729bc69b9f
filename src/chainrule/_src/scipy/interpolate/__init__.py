"""``scipy.interpolate`` with derivatives (implementations)."""

from ._ppoly import PPoly
from ._interp1d import interp1d
from ._rgi import RegularGridInterpolator, interpn
from ._cubic import (Akima1DInterpolator, CubicHermiteSpline, CubicSpline, PchipInterpolator,
                     pchip_interpolate)

__all__ = ["Akima1DInterpolator", "CubicHermiteSpline", "CubicSpline", "PPoly",
           "PchipInterpolator", "RegularGridInterpolator", "interp1d", "interpn",
           "pchip_interpolate"]
