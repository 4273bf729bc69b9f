"""What the training loops (``optim.fit`` and ``nn.fit``) share: the step, the update that
applies an optimizer's output, and the helpers of the compiled step.

Written against ``_src`` only, so that both libraries may import it.
"""

from __future__ import annotations

import numpy as np

from .core import ConcretizationTypeError
from .numpy.manipulation import astype
from .transforms.api import value_and_grad
from .tree_util import tree_map

__all__ = ["apply_updates", "as_scalars", "compile_hint", "step_function"]


def apply_updates(params, updates):
    """``params + updates`` leaf by leaf, keeping each parameter's dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.optim import apply_updates
    >>> apply_updates((np.float32(1.0), np.array([1.0])), (0.5, np.array([-1.0])))
    (np.float32(1.5), array([0.]))
    """
    def add(p, u):
        if u is None:
            return p
        out = p + u
        dtype = getattr(p, "dtype", None)
        if dtype is not None and getattr(out, "dtype", dtype) != dtype:
            out = astype(out, dtype)
        return out
    return tree_map(add, params, updates)


def step_function(loss_fn, optimizer, *, has_aux=False):
    """One training step ``step(params, opt_state, *args) -> (value, params, opt_state)``:
    loss and gradient in one reverse pass, the optimizer's update, applied.  With
    ``has_aux=True``, ``loss_fn`` returns ``(loss, aux)`` and so does ``value``."""
    vg = value_and_grad(loss_fn, has_aux=has_aux)

    def step(params, state, *args):
        value, grads = vg(params, *args)
        updates, state = optimizer.update(grads, state, params)
        return value, apply_updates(params, updates), state
    return step


def as_scalars(tree):
    """0-d NumPy arrays -> NumPy scalars, as the compiled step returns them: jit's cache
    tells the two apart, and the step would be compiled a second time after the first."""
    return tree_map(lambda x: x[()] if isinstance(x, np.ndarray) and x.ndim == 0 else x, tree)


def compile_hint(err, name="fit"):
    """The error with a hint for a loss that cannot be compiled (None: no hint fits)."""
    if not isinstance(err, ConcretizationTypeError):
        return None
    return TypeError(f"{err}\n\n{name}(jit=True) compiles the whole step (loss, gradient, "
                     "optimizer update) with chainrule.jit. If the loss needs Python values "
                     f"of its arrays, pass {name}(..., jit=False) to run it eagerly.")
