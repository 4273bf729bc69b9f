"""Parameters as one flat vector: the order every matrix in ``chainrule.infer`` uses."""

from __future__ import annotations

import numpy as np

import chainrule.numpy as cnp
from chainrule.tree_util import tree_flatten, tree_unflatten

__all__ = ["FlatGaussian", "param_labels", "ravel_params"]


def check_continuous(init):
    """Refuse an integer or boolean leaf of ``init``: samplers and optimizers move every
    leaf continuously, so a count or a flag kept in ``init`` by mistake would drift
    silently (as JAX's ``grad`` refuses integer inputs)."""
    leaves, _ = tree_flatten(init)
    named = isinstance(init, dict) and len(init) == len(leaves)
    keys = sorted(init) if named else range(len(leaves))  # tree_flatten's order
    for i, (key, leaf) in enumerate(zip(keys, leaves)):
        value = np.asarray(leaf)
        if value.dtype.kind not in "biu":
            continue
        where = f"init[{key!r}]" if named else f"init (leaf {i})"
        what = "a boolean" if value.dtype.kind == "b" else "an integer"
        example = repr(float(value)) if value.ndim == 0 else "an array of floats"
        raise TypeError(f"{where} is {what} ({leaf!r}): parameters are moved continuously. "
                        f"If it is a parameter, give it as a float ({example}); if it is "
                        "data, keep it out of init and close over it in logdensity.")


def ravel_params(params):
    """Flatten a pytree of parameters into one float vector, and say how to undo it.

    The order is that of :func:`chainrule.tree_util.tree_flatten` (dictionaries by sorted
    key), each leaf in C order.  Every matrix that ``chainrule.infer`` returns (Fisher
    matrices, Hessians, covariances) has its rows and columns in this order.

    Parameters
    ----------
    params : pytree of array_like

    Returns
    -------
    flat : ndarray, shape (n,)
    unravel : callable
        ``unravel(vector)`` rebuilds the pytree from a vector of length ``n`` (it works on
        traced vectors too).  ``unravel(samples)`` with ``samples`` of shape ``(k, n)``
        gives the pytree whose leaves have a leading axis of length ``k``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.infer import ravel_params
    >>> flat, unravel = ravel_params({"w": np.array([1.0, 2.0]), "b": 3.0})
    >>> flat
    array([3., 1., 2.])
    >>> unravel(np.array([30.0, 10.0, 20.0]))
    {'b': array(30.), 'w': array([10., 20.])}
    """
    leaves, treedef = tree_flatten(params)
    shapes = [np.shape(leaf) for leaf in leaves]
    for leaf in leaves:
        kind = np.asarray(leaf).dtype.kind
        if kind not in "biuf":
            raise TypeError(f"ravel_params: parameters must be real numbers, got a leaf of "
                            f"dtype kind {kind!r}")
    sizes = [int(np.prod(s)) for s in shapes]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    if leaves:
        flat = np.concatenate([np.asarray(leaf, dtype=float).reshape(-1) for leaf in leaves])
    else:
        flat = np.zeros(0)

    def unravel(vector):
        lead = tuple(np.shape(vector)[:-1])
        if np.shape(vector)[-1:] != (int(offsets[-1]),):
            raise ValueError(f"unravel: expected a vector of length {int(offsets[-1])} (or a "
                             f"stack of them), got shape {np.shape(vector)}")
        parts = [cnp.reshape(vector[..., int(offsets[i]):int(offsets[i + 1])], lead + shapes[i])
                 for i in range(len(shapes))]
        return tree_unflatten(treedef, parts)

    return flat, unravel


def _walk(tree, prefix, out):
    if tree is None:
        return
    if isinstance(tree, dict):
        for key in sorted(tree):
            _walk(tree[key], f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(tree, (list, tuple)) and not hasattr(tree, "_fields"):
        for i, sub in enumerate(tree):
            _walk(sub, f"{prefix}[{i}]" if prefix else f"[{i}]", out)
    else:
        shape = np.shape(tree)
        if shape == ():
            out.append(prefix or "θ")
        else:
            for idx in np.ndindex(*shape):
                out.append(f"{prefix or 'θ'}[{','.join(map(str, idx))}]")


def param_labels(params):
    """A name for each entry of the flat parameter vector, in :func:`ravel_params` order.

    Dictionary keys and sequence positions make the name (``"sigma"``, ``"w[1]"``,
    ``"layer.b[0,2]"``); containers of other kinds fall back to ``"θ[i]"``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.infer import param_labels
    >>> param_labels({"w": np.zeros(2), "b": 0.0})
    ['b', 'w[0]', 'w[1]']
    """
    out = []
    _walk(params, "", out)
    n = ravel_params(params)[0].size
    if len(out) != n:
        out = [f"θ[{i}]" for i in range(n)]
    return out


class FlatGaussian:
    """Mixin of a Gaussian approximation kept as ``mean_flat`` and ``cov`` in the flat
    order, with ``unravel`` back to the parameters' structure."""

    @property
    def mean(self):
        return self.unravel(self.mean_flat)

    @property
    def std(self):
        """Standard deviations, with the structure of the parameters."""
        return self.unravel(np.sqrt(np.diag(self.cov)))
