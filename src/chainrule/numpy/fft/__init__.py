"""Differentiable ``numpy.fft``: ``import chainrule.numpy as np; np.fft.rfft(x)``."""

from chainrule._src.numpy.fft import *  # noqa: F401,F403
from chainrule._src.numpy.fft import __all__  # noqa: F401
