"""chainrule: automatic differentiation for scientific Python.

Write NumPy code with ``import chainrule.numpy as np``; differentiate it with
:func:`grad`, :func:`jvp`, :func:`vjp`, :func:`jacobian`, :func:`hessian` and friends, to
any order, in forward or reverse mode.
"""

from chainrule import checkpoint_policies, lax, numpy, random, tree_util  # noqa: F401
from chainrule._src.control.checkpoint import checkpoint, remat  # noqa: F401
from chainrule._src.transforms.api import (elementwise_grad, grad, jvp, linearize,  # noqa: F401
                                value_and_grad, vjp)
from chainrule._src.transforms.jacobians import hessian, jacfwd, jacobian, jacrev  # noqa: F401
from chainrule._src.transforms.check import check_grads  # noqa: F401
from chainrule._src.core import ConcretizationTypeError, LeakedTracerError  # noqa: F401
from chainrule._src.control.custom import custom_jvp, custom_vjp, stop_gradient  # noqa: F401
from chainrule._src.transforms.vmap import vmap  # noqa: F401
from chainrule._src.control.pure_callback import ShapeDtypeStruct, pure_callback  # noqa: F401
from chainrule._src import config  # noqa: F401
from chainrule._src.compiler.jit import jit, make_ir  # noqa: F401
from chainrule import nn  # noqa: F401  (last: nn is written on the API above)

__version__ = "0.1.0"
__all__ = ["ConcretizationTypeError", "LeakedTracerError", "ShapeDtypeStruct", "check_grads",
           "checkpoint", "checkpoint_policies", "config", "custom_jvp", "custom_vjp",
           "elementwise_grad", "grad", "hessian", "jacfwd", "jacobian", "jacrev", "jit", "jvp",
           "lax", "linearize", "make_ir", "nn", "numpy", "pure_callback", "random", "remat",
           "stop_gradient", "tree_util", "value_and_grad", "vjp", "vmap"]
