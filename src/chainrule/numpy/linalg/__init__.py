"""Differentiable ``numpy.linalg``: ``import chainrule.numpy as np; np.linalg.solve(a, b)``."""

from chainrule._src.numpy.linalg import *  # noqa: F401,F403
from chainrule._src.numpy.linalg import __all__  # noqa: F401
