"""Differentiable ``numpy.fft``: ``import chainrule.numpy as np; np.fft.rfft(x)``."""

from chainrule._src.numpy.fft import (fft, fft2, fftfreq, fftn, fftshift, hfft, ifft, ifft2, ifftn,
                                      ifftshift, ihfft, irfft, irfft2, irfftn, rfft, rfft2,
                                      rfftfreq, rfftn)

__all__ = [
    "fft", "fft2", "fftfreq", "fftn", "fftshift", "hfft", "ifft", "ifft2", "ifftn",
    "ifftshift", "ihfft", "irfft", "irfft2", "irfftn", "rfft", "rfft2", "rfftfreq", "rfftn"
]
