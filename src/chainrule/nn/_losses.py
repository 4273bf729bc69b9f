"""Losses and metrics with PyTorch's formulas and reductions.

Every loss takes ``reduction="mean"`` (the default), ``"sum"`` or ``"none"``, as in
``torch.nn.functional``.  Class scores sit on the LAST axis (``(..., C)``): for the usual
``(N, C)`` logits this is PyTorch's layout; for ``(N, C, d1, ...)`` PyTorch puts classes on
axis 1, move them last first (``cnp.moveaxis(logits, 1, -1)``).
"""

from __future__ import annotations

import math

import numpy as np

import chainrule as cr
import chainrule.numpy as cnp

from ._activations import log_softmax

__all__ = ["mse", "mae", "huber", "cross_entropy", "binary_cross_entropy_with_logits",
           "gaussian_nll", "poisson_nll", "kl_divergence", "accuracy"]


def _reduce(loss, reduction, who):
    if reduction == "mean":
        return cnp.mean(loss)
    if reduction == "sum":
        return cnp.sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"{who}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _same_shape(a, b, who, names=("input", "target")):
    """Check that two loss arguments have one shape; return them as arrays (a list or a
    Python number becomes a NumPy array, as NumPy functions accept them)."""
    if tuple(np.shape(a)) != tuple(np.shape(b)):
        raise ValueError(f"{who}: {names[0]} has shape {tuple(np.shape(a))} but {names[1]} "
                         f"has shape {tuple(np.shape(b))}; they must match")
    return tuple(x if hasattr(x, "shape") else np.asarray(x) for x in (a, b))


def mse(input, target, reduction="mean"):
    """Mean squared error, ``(input - target)**2`` reduced (``torch.nn.MSELoss``).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> float(nn.mse(np.array([1.0, 2.0]), np.array([1.0, 4.0])))
    2.0
    """
    input, target = _same_shape(input, target, "mse")
    d = input - target
    return _reduce(d * d, reduction, "mse")


def mae(input, target, reduction="mean"):
    """Mean absolute error, ``|input - target|`` reduced (``torch.nn.L1Loss``).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> float(nn.mae(np.array([1.0, 2.0]), np.array([1.0, 4.0])))
    1.0
    """
    input, target = _same_shape(input, target, "mae")
    return _reduce(cnp.abs(input - target), reduction, "mae")


def huber(input, target, delta=1.0, reduction="mean"):
    """Huber loss (``torch.nn.HuberLoss``): ``0.5 d**2`` where ``|d| < delta``, else
    ``delta * (|d| - 0.5 delta)``, with ``d = input - target``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> nn.huber(np.array([0.5, 3.0]), np.zeros(2), reduction="none")
    array([0.125, 2.5  ])
    """
    input, target = _same_shape(input, target, "huber")
    if isinstance(delta, (int, float, np.number)) and not delta > 0:
        raise ValueError(f"huber: delta must be positive (as in PyTorch), got {delta!r}")
    d = input - target
    a = cnp.abs(d)
    # The quadratic branch sees |d| clipped to delta, so neither branch can overflow.
    small = cnp.minimum(a, delta)
    return _reduce(cnp.where(a < delta, 0.5 * small * small, delta * (a - 0.5 * delta)),
                   reduction, "huber")


def cross_entropy(logits, labels, reduction="mean", label_smoothing=0.0, weight=None,
                  ignore_index=-100):
    """Softmax cross-entropy (``torch.nn.CrossEntropyLoss``) from unnormalised ``logits``
    of shape ``(..., C)``.

    ``labels`` are integer class indices of shape ``logits.shape[:-1]``, or class
    probabilities (e.g. one-hot) of shape ``logits.shape``.

    With class indices, example ``n`` costs ``l_n = -w[y_n] * log_softmax(x_n)[y_n]``;
    examples whose label is ``ignore_index`` cost 0, and ``"mean"`` divides the sum by
    ``sum_n w[y_n]`` over the other examples (their number when ``weight`` is None).  With
    ``label_smoothing=e`` the loss is ``(1 - e) l_n + e / C * sum_c w_c (-log_softmax(x_n)_c)``
    (same normalisation).  With probabilities ``t``, ``l_n = -sum_c w_c t_nc
    log_softmax(x_n)_c`` after smoothing ``t`` to ``(1 - e) t + e / C``, and ``"mean"``
    divides by the number of examples.  These are PyTorch's definitions.

    Parameters
    ----------
    logits : array (..., C)
    labels : int array (...) or float array (..., C)
    reduction : {"mean", "sum", "none"}
    label_smoothing : float in [0, 1]
    weight : array (C,), optional
        A weight per class.
    ignore_index : int
        A label value that is skipped (class indices only).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> logits = np.array([[2.0, 0.0], [0.0, 0.0]])
    >>> loss = nn.cross_entropy(logits, np.array([0, 1]))
    >>> bool(np.isclose(loss, (np.log1p(np.exp(-2.0)) + np.log(2.0)) / 2))
    True
    >>> bool(np.isclose(loss, nn.cross_entropy(logits, np.eye(2))))
    True
    >>> bool(np.isclose(nn.cross_entropy(logits, np.array([0, -100])), np.log1p(np.exp(-2.0))))
    True
    """
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got "
                         f"{label_smoothing}")
    shape = tuple(np.shape(logits))
    if len(shape) < 1:
        raise ValueError("cross_entropy: logits need a class axis (the last one)")
    n_classes = shape[-1]
    if weight is not None and tuple(np.shape(weight)) != (n_classes,):
        raise ValueError(f"cross_entropy: weight must have shape ({n_classes},) (one per "
                         f"class), got {tuple(np.shape(weight))}")
    logp = log_softmax(logits, axis=-1)
    wlogp = logp if weight is None else logp * weight
    ldtype = np.dtype(labels.dtype if hasattr(labels, "dtype") else np.asarray(labels).dtype)
    if ldtype.kind not in "iub":
        if tuple(np.shape(labels)) == shape[:-1]:
            raise ValueError(f"cross_entropy: labels have shape {shape[:-1]} (one per "
                             f"example) but dtype {ldtype}: class indices must be integers "
                             "(pass labels.astype(int)); probability or one-hot targets "
                             f"have the logits' shape {shape}.")
        _, labels = _same_shape(logits, labels, "cross_entropy",
                                ("logits", "probability targets"))
        target = labels
        if label_smoothing:
            target = (1.0 - label_smoothing) * target + label_smoothing / n_classes
        return _reduce(-cnp.sum(target * wlogp, axis=-1), reduction, "cross_entropy")
    if tuple(np.shape(labels)) != shape[:-1]:
        raise ValueError(f"cross_entropy: integer labels must have shape "
                         f"{shape[:-1]} (logits' shape without the class axis), got "
                         f"{tuple(np.shape(labels))}. For one-hot or probability "
                         "targets pass a float array of the logits' shape.")
    if isinstance(labels, (np.ndarray, np.integer, int)):
        lab = np.asarray(labels)
        lab = lab[lab != ignore_index]
        if lab.size and (lab.min() < 0 or lab.max() >= n_classes):
            raise IndexError(f"cross_entropy: labels must lie in [0, {n_classes}) (or be "
                             f"ignore_index={ignore_index}), got values from {lab.min()} "
                             f"to {lab.max()}")
    # A gather of each example's class (memory grows with the number of examples, not of
    # classes; it works on traced labels under jit and vmap).  An ignored label gathers
    # class 0 instead, then costs 0 and weighs 0.
    kept = labels != ignore_index
    safe = cnp.where(kept, labels, cnp.zeros_like(labels))
    picked = cnp.take_along_axis(wlogp, cnp.expand_dims(safe, -1), axis=-1)[..., 0]
    loss = -cnp.where(kept, picked, cnp.zeros_like(picked))
    if label_smoothing:
        smooth = -cnp.sum(wlogp, axis=-1)
        smooth = cnp.where(kept, smooth, cnp.zeros_like(smooth))
        loss = (1.0 - label_smoothing) * loss + label_smoothing / n_classes * smooth
    if reduction != "mean":
        return _reduce(loss, reduction, "cross_entropy")
    if weight is None:
        norm = cnp.sum(cnp.astype(kept, logp.dtype))
    else:
        w = cnp.take(weight, safe, axis=0)
        norm = cnp.sum(cnp.where(kept, w, cnp.zeros_like(w)))
    return cnp.sum(loss) / norm


def binary_cross_entropy_with_logits(logits, targets, reduction="mean", pos_weight=None):
    """Sigmoid cross-entropy (``torch.nn.BCEWithLogitsLoss``):
    ``-(pos_weight * y * log(sigmoid(x)) + (1 - y) * log(1 - sigmoid(x)))``, computed
    stably from the logits ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> float(nn.binary_cross_entropy_with_logits(np.array([0.0]), np.array([1.0])))
    0.6931471805599453
    """
    logits, targets = _same_shape(logits, targets, "binary_cross_entropy_with_logits",
                                  ("logits", "targets"))
    # log(sigmoid(x)) = -softplus(-x); log(1 - sigmoid(x)) = -softplus(x)
    pos = cnp.logaddexp(0.0, -logits)
    neg = cnp.logaddexp(0.0, logits)
    if pos_weight is not None:
        pos = pos_weight * pos
    return _reduce(targets * pos + (1.0 - targets) * neg, reduction,
                   "binary_cross_entropy_with_logits")


def gaussian_nll(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Gaussian negative log-likelihood (``torch.nn.GaussianNLLLoss``):
    ``0.5 * (log(var) + (input - target)**2 / var)``, plus ``0.5 * log(2 pi)`` when
    ``full``.  ``var`` has the shape of ``input``, or that shape with a last axis of 1 or
    without the last axis (one variance per example), as in PyTorch; it is clamped below at
    ``eps`` for the value only: its gradient passes through the clamp, as in PyTorch.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> float(nn.gaussian_nll(np.array([1.0]), np.array([3.0]), np.array([4.0])))
    1.1931471805599454
    """
    input, target = _same_shape(input, target, "gaussian_nll")
    if isinstance(var, np.ndarray) and (var < 0).any():
        raise ValueError("gaussian_nll: var has negative entries")
    s, vs = tuple(np.shape(input)), tuple(np.shape(var))
    if not (vs in ((), s, s[:-1]) or (vs[:-1] == s[:-1] and vs[-1:] == (1,))):
        raise ValueError(f"gaussian_nll: var has shape {vs}; for input of shape {s} it "
                         f"must have shape {s}, {s[:-1] + (1,)} or {s[:-1]} (one variance "
                         "per example), as in PyTorch, or be a number")
    if np.ndim(var) == np.ndim(input) - 1 and np.ndim(input) > 0:
        var = cnp.expand_dims(var, -1)  # one variance per example (PyTorch's convention)
    var = var + cr.stop_gradient(cnp.maximum(var, eps) - var)
    d = input - target
    loss = 0.5 * (cnp.log(var) + d * d / var)
    if full:
        loss = loss + 0.5 * math.log(2.0 * math.pi)
    return _reduce(loss, reduction, "gaussian_nll")


def poisson_nll(input, target, log_input=True, full=False, eps=1e-8, reduction="mean"):
    """Poisson negative log-likelihood (``torch.nn.PoissonNLLLoss``):
    ``exp(input) - target * input`` when ``log_input`` (``input`` is the log-rate), else
    ``input - target * log(input + eps)``; ``full`` adds Stirling's term
    ``target * log(target) - target + 0.5 * log(2 pi target)`` where ``target > 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> float(nn.poisson_nll(np.array([0.0]), np.array([2.0])))
    1.0
    """
    input, target = _same_shape(input, target, "poisson_nll")
    if log_input:
        loss = cnp.exp(input) - target * input
    else:
        loss = input - target * cnp.log(input + eps)
    if full:
        big = target > 1
        t = cnp.where(big, target, cnp.ones_like(target) * 2.0)
        stirling = t * cnp.log(t) - t + 0.5 * cnp.log(2.0 * math.pi * t)
        loss = loss + cnp.where(big, stirling, cnp.zeros_like(stirling))
    return _reduce(loss, reduction, "poisson_nll")


def kl_divergence(input, target, reduction="mean", log_target=False):
    """Kullback-Leibler divergence ``KL(target || model)`` with PyTorch's argument
    convention (``torch.nn.KLDivLoss``): ``input`` holds the model's LOG-probabilities and
    ``target`` probabilities (log-probabilities with ``log_target=True``); pointwise
    ``target * (log(target) - input)``, 0 where ``target == 0``.

    ``reduction="mean"`` averages over every element as PyTorch does; the mathematically
    usual KL per example is ``reduction="batchmean"`` (sum divided by ``input.shape[0]``).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> p, q = np.array([[0.5, 0.5]]), np.array([[0.25, 0.75]])
    >>> kl = nn.kl_divergence(np.log(q), p, reduction="batchmean")
    >>> bool(np.isclose(kl, np.sum(p * np.log(p / q))))
    True
    """
    input, target = _same_shape(input, target, "kl_divergence")
    if log_target:
        loss = cnp.exp(target) * (target - input)
    else:
        pos = target > 0
        safe = cnp.where(pos, target, cnp.ones_like(target))
        loss = cnp.where(pos, target * (cnp.log(safe) - input), cnp.zeros_like(safe))
    if reduction == "batchmean":
        n = np.shape(input)[0] if np.ndim(input) else 1
        return cnp.sum(loss) / n
    return _reduce(loss, reduction, "kl_divergence")


def accuracy(logits, labels):
    """The fraction of examples whose highest score is the true class.

    ``logits`` has shape ``(..., C)``; ``labels`` are class indices of shape
    ``logits.shape[:-1]`` or one-hot/probability rows of ``logits.shape`` (their argmax is
    the class).  Not differentiable (it counts).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> float(nn.accuracy(np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]]), np.array([0, 1, 1])))
    0.6666666666666666
    """
    shape = tuple(np.shape(logits))
    if tuple(np.shape(labels)) == shape and np.dtype(
            getattr(labels, "dtype", np.float64)).kind == "f":
        labels = cnp.argmax(labels, axis=-1)
    if tuple(np.shape(labels)) != shape[:-1]:
        raise ValueError(f"accuracy: labels have shape {tuple(np.shape(labels))}, expected "
                         f"{shape[:-1]} (class indices) or {shape} (one-hot)")
    return cnp.mean(cnp.astype(cnp.argmax(logits, axis=-1) == labels, np.float64))
