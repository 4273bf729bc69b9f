"""Differentiable NumPy: ``import chainrule.numpy as np`` and keep writing NumPy.

Outside every transform each function returns what NumPy (or the array library of its
inputs) returns; under ``grad``, ``jvp`` and the other transforms it is differentiated.
Traced values behave like ``numpy.ndarray`` (operators, methods, and plain NumPy functions
called on them); see ``chainrule._src.numpy.tracer_methods``.
"""

from chainrule._src.numpy import tracer_methods as _tracer_methods  # noqa: F401
from chainrule._src.numpy.creation import *  # noqa: F401,F403
from chainrule._src.numpy.indexing import *  # noqa: F401,F403
from chainrule._src.numpy.manipulation import *  # noqa: F401,F403
from chainrule._src.numpy.passthrough import *  # noqa: F401,F403
from chainrule._src.numpy.products import *  # noqa: F401,F403
from chainrule._src.numpy.reductions import *  # noqa: F401,F403
from chainrule._src.numpy.ufuncs import *  # noqa: F401,F403
from chainrule._src.numpy import (creation as _creation, indexing as _indexing,  # noqa: E402
                                  manipulation as _manipulation, passthrough as _passthrough,
                                  products as _products, reductions as _reductions,
                                  ufuncs as _ufuncs)

__all__ = sorted({name for m in (_creation, _indexing, _manipulation, _passthrough, _products,
                                 _reductions, _ufuncs) for name in m.__all__})
del _creation, _indexing, _manipulation, _passthrough, _products, _reductions, _ufuncs
from chainrule.numpy import linalg, fft  # noqa: F401,E402
from chainrule._src.numpy.statistics import *  # noqa: F401,F403,E402
from chainrule._src.numpy import statistics as _statistics  # noqa: E402

__all__ = sorted(set(__all__) | set(_statistics.__all__))
del _statistics
from chainrule._src.numpy.polynomial import *  # noqa: F401,F403,E402
from chainrule._src.numpy import polynomial as _polynomial  # noqa: E402

__all__ = sorted(set(__all__) | set(_polynomial.__all__))
del _polynomial
from chainrule._src.numpy.editing import *  # noqa: F401,F403,E402
from chainrule._src.numpy.functional import *  # noqa: F401,F403,E402
from chainrule._src.numpy.setops import *  # noqa: F401,F403,E402
from chainrule._src.numpy.windows import *  # noqa: F401,F403,E402
from chainrule._src.numpy import editing as _editing, functional as _functional, \
    setops as _setops, windows as _windows  # noqa: E402

__all__ = sorted(set(__all__) | set(_editing.__all__) | set(_functional.__all__)
                 | set(_setops.__all__) | set(_windows.__all__))
del _editing, _functional, _setops, _windows
