"""``fit``: the training loop everybody writes, once."""

from __future__ import annotations

import collections.abc
import warnings

import numpy as np

import chainrule as cr
from chainrule._src.progress import progress_bar
from chainrule._src.training import as_scalars, compile_hint, step_function

from ._base import GradientTransformation

__all__ = ["fit", "FitResult"]


class FitResult:
    """Outcome of :func:`fit`; unpacks as ``params, history = fit(...)``.

    Attributes
    ----------
    params : pytree
        The final parameters.
    history : numpy.ndarray
        The loss before each step (one entry per step taken).
    state : pytree
        The final optimizer state (pass it back to ``fit(..., state=...)`` to resume).
    """

    def __init__(self, params, history, state):
        self.params, self.history, self.state = params, history, state

    def __iter__(self):
        return iter((self.params, self.history))

    def __len__(self):
        return 2

    def __getitem__(self, i):
        # indexes like the pair it unpacks to: result[0] is params, result[-1] history
        return (self.params, self.history)[i]

    def __repr__(self):
        last = f"{self.history[-1]:.6g}" if len(self.history) else "n/a"
        return f"FitResult(steps={len(self.history)}, final_loss={last})"


def _batches(data):
    """Yield batches forever from a re-iterable (epoch after epoch) or until an iterator
    is exhausted."""
    if isinstance(data, collections.abc.Iterator):
        yield from data
        return
    if not isinstance(data, collections.abc.Iterable):
        raise TypeError(f"fit: data must be an iterable of batches (a list, a tuple, a "
                        f"generator...), got {type(data).__name__}")
    while True:
        empty = True
        for batch in data:
            empty = False
            yield batch
        if empty:
            raise ValueError("fit: data is empty")


def fit(loss_fn, params, optimizer, steps, data=None, progress=None, *, state=None,
        jit=True):
    """Minimize ``loss_fn`` with ``optimizer`` for ``steps`` steps.

    Each step computes the loss and its gradient in one reverse-mode pass, asks the
    optimizer for updates and applies them.  With ``jit=True`` (the default) that whole
    step (loss, gradient, optimizer update and ``apply_updates``) is one function
    compiled by :func:`chainrule.jit`, traced on the first step and again only when the
    shapes or dtypes of the parameters, state or batch change (say, a smaller last
    batch, or after the first step when a parameter starts as a Python number).  The
    Python loop, the data iterator, the NaN check and the history stay in Python.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(params) -> float``, or ``loss_fn(params, batch)`` when ``data`` is given.
    params : pytree
        Initial parameters.
    optimizer : GradientTransformation
        For example ``optim.adam(1e-3)``.
    steps : int
        Number of steps.
    data : iterable, optional
        Batches.  A list, tuple or other re-iterable is cycled epoch after epoch; a
        one-shot iterator (a generator) is consumed, and the loop stops early if it runs
        out.
    progress : bool, optional
        Show a tqdm progress bar with the current loss.  Needs ``tqdm`` (an optional
        dependency: ``pip install tqdm``); silently off when stdout is not a terminal.
    state : pytree, optional
        Optimizer state to resume from (default: ``optimizer.init(params)``).
    jit : bool
        Compile the step (default).  ``jit=False`` runs it eagerly, one operation at a
        time: slower, but a debugger or ``print`` inside ``loss_fn`` sees concrete
        arrays, and a loss with Python control flow on array values works.  Both give
        the same result to rounding.

    Returns
    -------
    FitResult
        Unpacks as ``(params, history)``; ``history`` holds the loss before each step.
        ``.state`` is the final optimizer state.

    Raises
    ------
    FloatingPointError
        When the loss becomes NaN or infinite (the step that did it is named).

    Examples
    --------
    >>> import numpy as np, chainrule.numpy as cnp
    >>> from chainrule import optim
    >>> loss = lambda p: cnp.sum((p["w"] - 2.0) ** 2) + (p["b"] + 1.0) ** 2
    >>> params, history = optim.fit(loss, {"w": np.zeros(3), "b": 0.0}, optim.adam(0.1), 300)
    >>> params["w"].round(3), round(float(params["b"]), 3), bool(history[-1] < 1e-6)
    (array([2., 2., 2.]), -1.0, True)
    """
    if not isinstance(optimizer, GradientTransformation):
        raise TypeError(f"fit: optimizer must be a GradientTransformation (e.g. "
                        f"optim.adam(1e-3)), got {type(optimizer).__name__}")
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        if isinstance(steps, (list, tuple)) or hasattr(steps, "__next__"):
            # fit(loss, params, opt, batches): the batches went where the count goes.
            raise TypeError(f"fit: steps (the 4th argument) must be a non-negative integer, "
                            f"got a {type(steps).__name__}; pass the batches as data=, e.g. "
                            "optim.fit(loss, params, opt, 100, data=batches)")
        raise ValueError(f"fit: steps must be a non-negative integer, got {steps!r}")
    step_fn = step_function(loss_fn, optimizer)
    if jit:
        step_fn = cr.jit(step_fn)
    compiled_once = False
    state = optimizer.init(params) if state is None else state
    if jit:
        params, state = as_scalars(params), as_scalars(state)
    batches = None if data is None else _batches(data)
    bar = progress_bar(progress, steps, "fit", unit="step")
    history = []
    try:
        for step in range(int(steps)):
            if batches is None:
                batch = ()
            else:
                try:
                    batch = (next(batches),)
                except StopIteration:
                    warnings.warn(f"fit: data ran out after {step} steps (of {steps})",
                                  RuntimeWarning, stacklevel=2)
                    break
            try:
                loss, new_params, new_state = step_fn(params, state, *batch)
            except TypeError as err:
                hint = compile_hint(err) if jit and not compiled_once else None
                if hint is None:
                    raise
                raise hint from err
            compiled_once = True
            loss = float(loss)
            if not np.isfinite(loss):
                raise FloatingPointError(
                    f"fit: the loss is {loss} at step {step}. Lower the learning rate, clip "
                    "the gradients (optim.clip_by_global_norm) or check the data.")
            history.append(loss)
            params, state = new_params, new_state
            if bar is not None:
                bar.update(1)
                if step % 10 == 0 or step == steps - 1:
                    bar.set_postfix(loss=f"{loss:.4g}")
    finally:
        if bar is not None:
            bar.close()
    return FitResult(params, np.asarray(history, dtype=float), state)
