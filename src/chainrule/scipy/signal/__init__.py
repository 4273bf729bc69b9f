"""``scipy.signal`` with derivatives: convolution, linear filters and spectral estimates.

On plain arrays every function returns SciPy's own result; on traced values the same
quantities are computed with chainrule operations and differentiate in the signals and
the filter coefficients. See ``docs/scipy-signal.md`` for the coverage table.
"""

from chainrule.scipy.signal import windows  # noqa: F401
from chainrule._src.scipy.signal.convolution import (  # noqa: F401
    convolve, convolve2d, correlate, correlate2d, fftconvolve, oaconvolve,
)
from chainrule._src.scipy.signal.filtering import (  # noqa: F401
    filtfilt, lfilter, lfilter_zi, sosfilt, sosfilt_zi, sosfiltfilt,
)
from chainrule._src.scipy.signal.resampling import decimate, resample  # noqa: F401
from chainrule._src.scipy.signal.smoothing import medfilt, savgol_filter  # noqa: F401
from chainrule._src.scipy.signal.spectral import (  # noqa: F401
    csd, detrend, find_peaks, get_window, hilbert, lombscargle, periodogram, welch,
)

__all__ = [
    "convolve", "convolve2d", "correlate", "correlate2d", "csd", "decimate", "detrend",
    "fftconvolve", "filtfilt", "find_peaks", "get_window", "hilbert", "lfilter", "lfilter_zi",
    "lombscargle", "medfilt", "oaconvolve", "periodogram", "resample", "savgol_filter",
    "sosfilt", "sosfilt_zi", "sosfiltfilt", "welch", "windows",
]
