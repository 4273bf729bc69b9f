"""``scipy.interpolate`` with derivatives (implementations)."""

from ._ppoly import PPoly
from ._bspline import BSpline, make_interp_spline, splev, splrep
from ._interp1d import interp1d
from ._rbf import RBFInterpolator
from ._bivariate import RectBivariateSpline
from ._rgi import RegularGridInterpolator, interpn
from ._cubic import (Akima1DInterpolator, CubicHermiteSpline, CubicSpline, PchipInterpolator,
                     pchip_interpolate)

__all__ = ["Akima1DInterpolator", "BSpline", "CubicHermiteSpline", "CubicSpline", "PPoly",
           "PchipInterpolator", "RBFInterpolator", "RectBivariateSpline",
           "RegularGridInterpolator", "interp1d", "interpn", "make_interp_spline",
           "pchip_interpolate", "splev", "splrep"]
