"""chainrule: automatic differentiation for scientific Python.

Write NumPy code with ``import chainrule.numpy as np``; differentiate it with
:func:`grad`, :func:`jvp`, :func:`vjp`, :func:`jacobian`, :func:`hessian` and friends, to
any order, in forward or reverse mode.
"""

from chainrule import numpy, tree_util  # noqa: F401
from chainrule._src.api import (elementwise_grad, grad, jvp, linearize,  # noqa: F401
                                value_and_grad, vjp)
from chainrule._src.jacobians import hessian, jacfwd, jacobian, jacrev  # noqa: F401
from chainrule._src.check import check_grads  # noqa: F401
from chainrule._src.core import LeakedTracerError  # noqa: F401
from chainrule._src.custom import custom_jvp, custom_vjp, stop_gradient  # noqa: F401
from chainrule._src.vmap import vmap  # noqa: F401
from chainrule._src import config  # noqa: F401
from chainrule._src.jit import jit, make_ir  # noqa: F401

__version__ = "0.1.0"
__all__ = ["check_grads", "custom_jvp", "custom_vjp", "elementwise_grad", "grad", "hessian",
           "jacfwd", "jacobian", "jacrev", "jvp", "linearize", "stop_gradient",
           "value_and_grad", "vjp", "vmap", "jit", "make_ir", "config", "numpy", "tree_util", "LeakedTracerError"]
