"""``fit``: the training loop for Modules."""

from __future__ import annotations

import inspect
import math
import warnings
import weakref

import numpy as np

import chainrule as cr
from chainrule import optim, random
from chainrule._src.progress import progress_bar
from chainrule._src.training import as_scalars, compile_hint, step_function
from chainrule.tree_util import tree_flatten, tree_leaves, tree_unflatten

from ._callbacks import Callback
from ._module import combine, is_inexact_array, partition

__all__ = ["fit", "FitResult"]


class FitResult(optim.FitResult):
    """Outcome of :func:`fit`; unpacks as ``model, history = fit(...)``.

    Attributes
    ----------
    params : Module
        The trained model (the best one when a callback such as ``BestModel`` says so).
    history : numpy.ndarray
        The loss of every step, before its update.
    train_loss : numpy.ndarray
        One entry per epoch: the mean of the epoch's step losses, each weighted by its
        batch's number of examples.
    val_loss : numpy.ndarray or None
        One entry per epoch: the loss on ``val_data`` after the epoch (the mean over its
        batches weighted by their number of examples); None without ``val_data``.
    state : pytree
        The final optimizer state (pass it back as ``fit(..., state=...)`` to resume).
    stop_reason : str or None
        Why training stopped before ``epochs`` epochs (a callback, or a NaN loss with
        ``on_nan="stop"``); None when it ran them all.
    model_state : pytree or None
        With ``fit(..., model_state=...)``: the model's state (``BatchNorm`` running
        statistics) that goes with ``params``; None otherwise.
    """

    def __init__(self, params, history, state, train_loss, val_loss, stop_reason,
                 model_state=None):
        super().__init__(params, history, state)
        self.train_loss, self.val_loss, self.stop_reason = train_loss, val_loss, stop_reason
        self.model_state = model_state

    def __repr__(self):
        last = f"{self.history[-1]:.6g}" if len(self.history) else "n/a"
        val = "" if self.val_loss is None or not len(self.val_loss) else \
            f", final_val_loss={self.val_loss[-1]:.6g}"
        return (f"FitResult(epochs={len(self.train_loss)}, steps={len(self.history)}, "
                f"final_loss={last}{val})")


def _n_examples(batch):
    """The number of examples of a batch: its first array's leading dimension (1 for a
    batch with no arrays or a scalar first leaf)."""
    if type(batch) is tuple and batch and type(batch[0]) is np.ndarray:  # (x, y): at once
        return int(batch[0].shape[0]) if batch[0].ndim else 1
    for leaf in tree_leaves(batch):
        shape = getattr(leaf, "shape", None)
        if shape is not None:
            return int(shape[0]) if len(shape) else 1
    return 1


def _check_scalar_loss(loss):
    """The loss of a batch is one number: a vector (a loss with reduction="none", or
    squared errors not yet averaged) would otherwise reach grad's general message."""
    shape = tuple(np.shape(loss))
    if shape != ():
        raise TypeError(f"nn.fit: loss_fn must return a scalar (the loss of the batch), but "
                        f"it returned shape {shape}; average it, e.g. nn.mse(pred, y) or "
                        "cnp.mean(...) (a loss with reduction='none' gives one per example)")
    return loss


def _check_batches(data, name):
    """``nn.fit(..., (x, y))`` is a natural guess from other libraries' ``fit(x, y)``; but
    fit iterates over ``data``, so x and then y would each be taken as a batch."""
    if (isinstance(data, tuple) and len(data) >= 2
            and all(hasattr(a, "shape") and len(a.shape) >= 1 for a in data)):
        shapes = ", ".join(str(tuple(a.shape)) for a in data)
        raise TypeError(f"nn.fit: {name} is a tuple of arrays ({shapes}); nn.fit takes one "
                        f"batch per item of {name}, so each array would be a batch of its "
                        f"own. For one batch of all the data pass {name}=[(x, y)]; for "
                        f"minibatches nn.DataLoader((x, y), batch_size=32); to give several "
                        "single-array batches, put them in a list.")


def _as_callback(cb):
    if isinstance(cb, Callback):
        return cb
    if callable(cb):
        wrapped = Callback()
        wrapped.on_epoch_end = cb
        wrapped.name = getattr(cb, "__name__", "a callback")
        return wrapped
    raise TypeError(f"nn.fit: a callback must be an nn.Callback (nn.EarlyStopping, "
                    f"nn.BestModel...) or a function f(epoch, logs, model), got "
                    f"{type(cb).__name__}")


def _unchanged(leaves, initial):
    """Whether every trained array still equals its initial value (a loss that never reads
    the model it is given trains nothing, silently)."""
    return bool(leaves) and all(np.array_equal(np.asarray(a), np.asarray(b))
                                for a, b in zip(leaves, initial))


def _weak(obj):
    """A weak reference to ``obj``, or a strong one for objects that have none (dicts)."""
    try:
        return weakref.ref(obj)
    except TypeError:
        return lambda: obj


def _accepts_keyword(fn, name):
    """Whether ``fn(..., name=...)`` can be called (True when the signature is unknown)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind is p.VAR_KEYWORD or (p.name == name and p.kind in (
        p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)) for p in params)


def fit(model, loss_fn, data, optimizer, *, epochs=1, jit=True,
        filter_spec=is_inexact_array, state=None, val_data=None, callbacks=(),
        on_nan="raise", progress=None, key=None, model_state=None):
    """Train ``model``: for each epoch, one optimizer step per batch of ``data``.

    The model is split with :func:`partition` into the arrays selected by ``filter_spec``
    (trained) and the rest (kept: static fields, integer arrays, frozen parts), so that
    gradients and optimizer state cover only the trained arrays.  Each step is the step of
    :func:`chainrule.optim.fit`: loss and gradient in one reverse pass, the optimizer's
    update and ``apply_updates``; with ``jit=True`` (the default) all of it is one
    function compiled by ``chainrule.jit``, traced on the first step and again only when a
    shape changes (e.g. a smaller last batch).  The epoch loop, the data, validation,
    callbacks and the NaN check stay in Python.

    Parameters
    ----------
    model : Module (or pytree)
    loss_fn : callable
        ``loss_fn(model, batch) -> scalar``; with ``key=`` given,
        ``loss_fn(model, batch, key=k)``; with ``model_state=`` given,
        ``loss_fn(model, batch, model_state) -> (scalar, new_model_state)``.
    data : iterable of batches
        Iterated once per epoch, e.g. a :class:`DataLoader` or a list of batches.
    optimizer : chainrule.optim.GradientTransformation
        Learning-rate schedules are the optimizer's (``optim.adam(schedule)``).
    epochs : int
    jit : bool
        Compile the step (default).  ``jit=False`` runs it eagerly, one operation at a
        time: slower, but ``print`` or a debugger inside ``loss_fn`` sees concrete arrays
        and Python control flow on array values works.  Both give the same result to
        rounding.
    filter_spec : callable
        ``filter_spec(leaf) -> bool``: which leaves to train (default: every floating-point
        array); see :func:`partition`.
    state : pytree, optional
        Optimizer state to resume from.
    val_data : iterable of batches, optional
        After each epoch, ``loss_fn`` is evaluated on it (compiled too with ``jit=True``)
        and recorded in ``.val_loss`` and in the logs the callbacks see.
    callbacks : sequence
        :class:`Callback` objects (:class:`EarlyStopping`, :class:`BestModel`) or functions
        ``f(epoch, logs, model)``, called after every epoch in order; ``logs`` holds
        ``"loss"`` (the epoch's mean training loss) and ``"val_loss"``.  A callback that
        returns a true value (a string: the reason) stops training.
    on_nan : {"raise", "stop"}
        What a NaN or infinite loss does: raise ``FloatingPointError`` (default), or warn
        and stop, returning the model from before that step (``.stop_reason`` says which
        step).  Either way the message names the epoch and step.
    progress : bool or None
        A tqdm progress bar with the loss: ``None`` (default) draws one when tqdm is
        installed and stdout is a terminal; ``True`` insists on tqdm; ``False`` never.
    key : chainrule.random key or int, optional
        Randomness for training (``Dropout``): step ``t`` (counted over all epochs) calls
        ``loss_fn(model, batch, key=random.fold_in(key, t))``, a traced argument of the
        compiled step, so a new key costs no new trace; validation calls it with
        ``key=None`` (switch dropout off then: ``inference=key is None``).
    model_state : pytree, optional
        State the model carries from step to step besides its trained parameters, e.g.
        the running statistics of ``BatchNorm`` layers (``bn.init_state()``).  Each step
        then calls ``loss_fn(model, batch, model_state)``, which returns ``(loss,
        new_model_state)``; the new state (which carries no gradient) goes to the next
        step, inside the compiled step with ``jit=True``.  Validation calls
        ``loss_fn(model, batch, model_state, inference=True)`` (evaluation mode: running
        statistics) and ignores the state it returns.  The final state is
        ``.model_state`` of the result (with ``BestModel``: the best model's).

    Returns
    -------
    FitResult
        Unpacks as ``(model, history)``, ``history`` holding the loss of every step
        (before the update); ``.train_loss`` and ``.val_loss`` hold one entry per epoch,
        ``.state`` the final optimizer state, ``.stop_reason`` why it stopped early,
        ``.model_state`` the model's state with ``model_state=``.

    Raises
    ------
    FloatingPointError
        When the loss becomes NaN or infinite and ``on_nan="raise"``.

    Examples
    --------
    >>> import numpy as np, chainrule as cr
    >>> from chainrule import nn, optim
    >>> x = np.linspace(-1, 1, 64)[:, None]
    >>> y = 3 * x - 1
    >>> loss = lambda m, b: nn.mse(cr.vmap(m)(b[0]), b[1])
    >>> model, history = nn.fit(nn.Linear(1, 1, key=0), loss, nn.DataLoader((x, y), 16),
    ...                         optim.adam(0.1), epochs=100)
    >>> np.round(model.weight, 2), np.round(model.bias, 2), bool(history[-1] < 1e-6)
    (array([[3.]]), array([-1.]), True)
    >>> res = nn.fit(model, loss, [(x, y)], optim.sgd(0.1), epochs=2, val_data=[(x, y)])
    >>> res.val_loss.shape, bool(res.val_loss[-1] < 1e-6)
    ((2,), True)
    """
    if not isinstance(optimizer, optim.GradientTransformation):
        raise TypeError(f"nn.fit: optimizer must be a GradientTransformation (e.g. "
                        f"optim.adam(1e-3)), got {type(optimizer).__name__}")
    if not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"nn.fit: epochs must be a non-negative integer, got {epochs!r}")
    if on_nan not in ("raise", "stop"):
        raise ValueError(f"nn.fit: on_nan must be 'raise' or 'stop', got {on_nan!r}")
    if isinstance(callbacks, Callback) or callable(callbacks):
        callbacks = [callbacks]  # one callback given without a list
    callbacks = [_as_callback(cb) for cb in callbacks]
    _check_batches(data, "data")
    if val_data is not None:
        _check_batches(val_data, "val_data")
    logs_keys = {"loss"} | ({"val_loss"} if val_data is not None else set())
    for cb in callbacks:
        cb.on_fit_begin(logs_keys)
    params, rest = partition(model, filter_spec)
    state = optimizer.init(params) if state is None else state

    if key is not None:
        key = random.key(key) if isinstance(key, (int, np.integer)) else key

    stateful = model_state is not None
    if stateful and val_data is not None and not _accepts_keyword(loss_fn, "inference"):
        raise TypeError("nn.fit(model_state=..., val_data=...) evaluates the validation "
                        "loss in inference mode, as loss_fn(model, batch, model_state, "
                        "inference=True), but loss_fn takes no `inference` argument: give "
                        "it one (False by default) and pass it to the layers "
                        "(bn(x, state, inference=inference))")

    # With every array trained (the usual case), ``rest`` holds no leaf and the trained
    # tree is the model itself: no combine at every step.
    merge = combine if tree_leaves(rest) else (lambda params, rest: params)

    def call_loss(params, rest, batch, mstate, step_key, **kw):
        model = merge(params, rest)
        if key is not None:
            kw["key"] = step_key
        if stateful:
            out = loss_fn(model, batch, mstate, **kw)
            if not (isinstance(out, tuple) and len(out) == 2):
                raise TypeError(f"nn.fit(model_state=...): loss_fn must return (loss, "
                                f"new_model_state), got {type(out).__name__}")
            _check_scalar_loss(out[0])
            return out
        return _check_scalar_loss(loss_fn(model, batch, **kw))

    def batch_loss(params, rest, batch, mstate, *step_key):
        return call_loss(params, rest, batch, mstate, step_key[0] if step_key else None)

    def val_loss_fn(params, rest, batch, mstate):
        if stateful:
            return call_loss(params, rest, batch, mstate, None, inference=True)[0]
        return call_loss(params, rest, batch, mstate, None)

    if jit:
        params, state = as_scalars(params), as_scalars(state)
        model_state = as_scalars(model_state)
    # Compiled, the parameters, optimizer state and model state are kept as flat lists of
    # arrays between steps: the compiled step then takes and returns lists, which jit's
    # cache looks up at a fraction of the cost of flattening and hashing a Module at every
    # step.  Eagerly the trees themselves go from step to step (``tree_of`` is then the
    # identity): a Module a step rebuilt keeps its flattened form, and rebuilding it from
    # lists would cost more than the lists save.
    p_leaves, p_def = tree_flatten(params)
    s_leaves, s_def = tree_flatten(state)
    m_leaves, m_def = tree_flatten(model_state)
    r_leaves, r_def = tree_flatten(rest)
    step_fn = step_function(batch_loss, optimizer, has_aux=stateful)
    checked = []

    def checked_step(p, s, r, batch, m, *extra):
        value, new_params, new_state = step_fn(p, s, r, batch, m, *extra)
        loss, new_m = value if stateful else (value, None)
        if checked and not jit:  # eagerly the trees go on as they are
            return loss, new_params, new_state, new_m
        out = []
        for tree, treedef, what in ((new_params, p_def, "the parameters"),
                                    (new_state, s_def, "the optimizer state"),
                                    (new_m, m_def, "the model state")):
            leaves, got = tree_flatten(tree)
            if not checked and got != treedef:  # once: comparing structures costs
                raise TypeError(f"nn.fit: a training step changed the structure of {what}, "
                                f"from {treedef} to {got}; the step must return it as it "
                                "received it")
            out.append(leaves if jit else tree)
        checked.append(True)
        return (loss, *out)

    if jit:
        def flat_step(p, s, r, batch, m, *extra):
            return checked_step(tree_unflatten(p_def, p), tree_unflatten(s_def, s),
                                tree_unflatten(r_def, r), batch, tree_unflatten(m_def, m),
                                *extra)

        def flat_val(p, r, batch, m):
            return val_loss_fn(tree_unflatten(p_def, p), tree_unflatten(r_def, r), batch,
                               tree_unflatten(m_def, m))

        step_call, val_call = cr.jit(flat_step), cr.jit(flat_val)
        tree_of = tree_unflatten
    else:
        p_leaves, s_leaves, m_leaves, r_leaves = params, state, model_state, rest
        step_call, val_call = checked_step, val_loss_fn

        def tree_of(treedef, tree):
            return tree

    def model_now():
        return merge(tree_of(p_def, p_leaves), rest)

    # The state that goes with each model the callbacks saw: a callback that keeps a
    # model (BestModel) hands it back at the end, and its state must come with it.  Weak
    # references, so that the models nobody keeps are freed.
    states_seen = {}
    initial = tree_flatten(params)[0]
    compiled_once = False
    total = epochs * len(data) if hasattr(data, "__len__") else None
    bar = progress_bar("auto" if progress is None else progress, total, "fit",
                       unit="step", name="nn.fit")
    history, train_loss, val_loss, stop_reason = [], [], [], None
    step = 0
    try:
        for epoch in range(int(epochs)):
            n, weighted, count = 0, 0.0, 0
            for n, batch in enumerate(data, 1):
                try:
                    extra = () if key is None else (random.fold_in(key, step),)
                    loss, new_p, new_s, new_m = step_call(p_leaves, s_leaves, r_leaves,
                                                          batch, m_leaves, *extra)
                except TypeError as err:
                    hint = compile_hint(err, "nn.fit") if jit and not compiled_once else None
                    if hint is None:
                        raise
                    raise hint from err
                compiled_once = True
                loss = float(loss)
                if not math.isfinite(loss):
                    msg = (f"nn.fit: the loss is {loss} at epoch {epoch}, step {n - 1} "
                           f"(step {step} overall). Lower the learning rate, clip the "
                           "gradients (optim.clip_by_global_norm) or check the data.")
                    if on_nan == "raise":
                        raise FloatingPointError(msg)
                    warnings.warn(msg, RuntimeWarning, stacklevel=2)
                    stop_reason = msg
                    break
                history.append(loss)
                p_leaves, s_leaves, m_leaves = new_p, new_s, new_m
                k = _n_examples(batch)
                weighted, count, step = weighted + k * loss, count + k, step + 1
                if bar is not None:
                    bar.update(1)
                    if n % 10 == 1:
                        bar.set_postfix(loss=f"{loss:.4g}")
            if n == 0:
                raise ValueError("nn.fit: data gave no batches (is it empty, or a one-shot "
                                 "iterator used up by an earlier epoch?)")
            if stop_reason is not None:
                break
            logs = {"loss": weighted / count}
            if val_data is not None:
                vsum, vcount = 0.0, 0
                for vbatch in val_data:
                    k = _n_examples(vbatch)
                    vloss = float(val_call(p_leaves, r_leaves, vbatch, m_leaves))
                    vsum, vcount = vsum + k * vloss, vcount + k
                if vcount == 0:
                    raise ValueError("nn.fit: val_data gave no batches")
                logs["val_loss"] = vsum / vcount
                val_loss.append(logs["val_loss"])
            train_loss.append(logs["loss"])
            if bar is not None:
                bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()})
            current = model_now() if callbacks else None
            if stateful and callbacks:
                states_seen[id(current)] = (_weak(current), tree_of(m_def, m_leaves))
            for cb in callbacks:
                stop = cb.on_epoch_end(epoch, logs, current)
                if stop:
                    stop_reason = stop if isinstance(stop, str) else \
                        f"{getattr(cb, 'name', type(cb).__name__)} stopped training " \
                        f"after epoch {epoch}"
            if stop_reason is not None:
                break
    finally:
        if bar is not None:
            bar.close()
    if step >= 2 and _unchanged(tree_flatten(tree_of(p_def, p_leaves))[0], initial):
        warnings.warn(f"nn.fit: the trained parameters did not change in {step} steps: "
                      "every gradient was zero. Check that loss_fn computes the loss with "
                      "the model it is given as its first argument (not a model from an "
                      "outer scope), and that the trained arrays reach the loss.",
                      RuntimeWarning, stacklevel=2)
    last = final = model_now()
    state, model_state = tree_of(s_def, s_leaves), tree_of(m_def, m_leaves)
    for cb in callbacks:
        replaced = cb.on_fit_end(final)
        if replaced is not None:
            final = replaced
    if stateful and final is not last:
        ref, kept_state = states_seen.get(id(final), (None, None))
        if ref is None or ref() is not final:
            raise ValueError("nn.fit(model_state=...): a callback returned a model that fit "
                             "never passed to the callbacks, so the model state that goes "
                             "with it is unknown; return one of the models given to "
                             "on_epoch_end")
        model_state = kept_state
    return FitResult(final, np.asarray(history, dtype=float), state,
                     np.asarray(train_loss, dtype=float),
                     None if val_data is None else np.asarray(val_loss, dtype=float),
                     stop_reason, model_state if stateful else None)
