"""``scipy.interpolate`` with derivatives: the same classes and signatures, differentiable
in the data values (and knots) and in the query points, under ``jit`` and ``vmap`` too.  On
plain arrays the results are SciPy's own.  See ``docs/scipy-interpolate.md``."""

from chainrule._src.scipy.interpolate import (  # noqa: F401
    Akima1DInterpolator, BSpline, CubicHermiteSpline, CubicSpline, PchipInterpolator, PPoly,
    RBFInterpolator, RectBivariateSpline, RegularGridInterpolator, interp1d, interpn,
    make_interp_spline, pchip_interpolate, splev, splrep,
)

__all__ = ["Akima1DInterpolator", "BSpline", "CubicHermiteSpline", "CubicSpline", "PPoly",
           "PchipInterpolator", "RBFInterpolator", "RectBivariateSpline",
           "RegularGridInterpolator", "interp1d", "interpn", "make_interp_spline",
           "pchip_interpolate", "splev", "splrep"]
