"""Differentiable NumPy: ``import chainrule.numpy as np`` and keep writing NumPy.

Outside every transform each function returns what NumPy (or the array library of its
inputs) returns; under ``grad``, ``jvp`` and the other transforms it is differentiated.
"""

from chainrule._src.numpy.creation import *  # noqa: F401,F403
from chainrule._src.numpy.creation import copy  # noqa: F401
from chainrule._src.numpy.indexing import at, getitem, take  # noqa: F401
from chainrule._src.numpy.manipulation import *  # noqa: F401,F403
from chainrule._src.numpy.passthrough import *  # noqa: F401,F403
from chainrule._src.numpy.products import *  # noqa: F401,F403
from chainrule._src.numpy.reductions import *  # noqa: F401,F403
from chainrule._src.numpy.ufuncs import *  # noqa: F401,F403
from chainrule._src.numpy.ufuncs import round  # noqa: F401
import chainrule._src.numpy.tracer_methods  # noqa: F401,E402
