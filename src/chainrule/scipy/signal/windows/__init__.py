"""Window functions: SciPy's own coefficients (constants, no derivative)."""

from chainrule._src.scipy.signal.spectral import get_window  # noqa: F401
from chainrule._src.scipy.signal.windows import (  # noqa: F401
    barthann, bartlett, blackman, blackmanharris, bohman, boxcar, chebwin, cosine, dpss,
    exponential, flattop, gaussian, general_cosine, general_gaussian, general_hamming, hamming,
    hann, kaiser, kaiser_bessel_derived, lanczos, nuttall, parzen, taylor, triang, tukey,
)

__all__ = [
    "barthann", "bartlett", "blackman", "blackmanharris", "bohman", "boxcar", "chebwin",
    "cosine", "dpss", "exponential", "flattop", "gaussian", "general_cosine",
    "general_gaussian", "general_hamming", "get_window", "hamming", "hann", "kaiser",
    "kaiser_bessel_derived", "lanczos", "nuttall", "parzen", "taylor", "triang", "tukey",
]
