"""Window functions (``chainrule.scipy.signal.windows``): SciPy's own coefficients.

A window is a constant of the computation it shapes: its parameters are plain numbers and
its values carry no derivative. A traced parameter raises a ``TypeError`` rather than
being silently treated as a constant."""

from __future__ import annotations

from .common import any_traced, scipy_signal

# Arguments for each window's example (those with required shape parameters).
_EXAMPLE_ARGS = {
    "kaiser": "4, 2.0", "kaiser_bessel_derived": "4, 2.0", "gaussian": "4, 1.0",
    "general_gaussian": "4, 1.5, 1.0", "general_cosine": "4, [0.5, 0.5]",
    "general_hamming": "4, 0.54", "chebwin": "4, 60", "dpss": "4, 1.5",
}


def _window(name):
    def window(*args, **kwargs):
        if any_traced(*args, *kwargs.values()):
            raise TypeError(f"windows.{name}: window parameters must be plain numbers (a "
                            "window is a constant and has no derivative)")
        return getattr(scipy_signal.windows, name)(*args, **kwargs)

    window.__name__ = window.__qualname__ = name
    window.__doc__ = (
        f"SciPy's ``scipy.signal.windows.{name}`` (same arguments); a constant.\n\n"
        "    Examples\n    --------\n"
        "    >>> from chainrule.scipy.signal import windows\n"
        f"    >>> windows.{name}({_EXAMPLE_ARGS.get(name, '4')}).shape\n    (4,)\n")
    return window


barthann = _window("barthann")
bartlett = _window("bartlett")
blackman = _window("blackman")
blackmanharris = _window("blackmanharris")
bohman = _window("bohman")
boxcar = _window("boxcar")
chebwin = _window("chebwin")
cosine = _window("cosine")
dpss = _window("dpss")
exponential = _window("exponential")
flattop = _window("flattop")
gaussian = _window("gaussian")
general_cosine = _window("general_cosine")
general_gaussian = _window("general_gaussian")
general_hamming = _window("general_hamming")
hamming = _window("hamming")
hann = _window("hann")
kaiser = _window("kaiser")
kaiser_bessel_derived = _window("kaiser_bessel_derived")
lanczos = _window("lanczos")
nuttall = _window("nuttall")
parzen = _window("parzen")
taylor = _window("taylor")
triang = _window("triang")
tukey = _window("tukey")
