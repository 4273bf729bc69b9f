"""``Module``: an immutable dataclass that is also a pytree, and the helpers that go with it.

A field holding an array (or a container or sub-Module holding arrays, or ``None``) is a
child of the pytree; every other field (sizes, activation functions, flags) is static: part
of the tree's structure, never a leaf.  Transforms (``grad``, ``jit``, ``vmap``) and the
optimizers of ``chainrule.optim`` therefore see a Module exactly as a dict of its arrays.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any, Callable

import numpy as np

from chainrule.core import is_tracer
from chainrule.tree_util import (register_pytree_node, tree_flatten, tree_leaves,
                                 tree_unflatten)

__all__ = ["Module", "field", "is_array", "is_inexact_array", "partition", "combine",
           "tree_at", "named_leaves", "count_parameters", "summary", "FrozenModuleError"]

_FROZEN = "_Module__frozen"
# A frozen Module's structure (``_flatten_module``'s aux), kept once no change of its fields'
# contents can change which of them are children (see ``_fixed_child``).
_FLAT = "_Module__flat"


class FrozenModuleError(AttributeError):
    """A field of a Module was assigned after construction (Modules are immutable)."""


def field(*, static=False, **kwargs):
    """A dataclass field of a :class:`Module`; ``static=True`` keeps it out of the leaves
    even when it holds an array.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> class Scaled(nn.Module):
    ...     w: np.ndarray
    ...     table: np.ndarray = nn.field(static=True, default=None)
    >>> len(nn.Module.parameters(Scaled(np.ones(2), np.arange(3))))
    1
    """
    metadata = dict(kwargs.pop("metadata", None) or {})
    metadata["static"] = static
    return dataclasses.field(metadata=metadata, **kwargs)


def is_array(x) -> bool:
    """True for arrays: NumPy arrays and scalars, traced values, other array libraries'
    arrays (anything with ``shape`` and ``dtype`` that is not a Module).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> nn.is_array(np.zeros(2)), nn.is_array(1.0), nn.is_array("a")
    (True, False, False)
    """
    return (not isinstance(x, Module)) and hasattr(x, "shape") and hasattr(x, "dtype")


def is_inexact_array(x) -> bool:
    """True for floating-point or complex arrays (the ones that can be trained).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> nn.is_inexact_array(np.zeros(2)), nn.is_inexact_array(np.arange(2))
    (True, False)
    """
    return is_array(x) and np.dtype(x.dtype).kind in "fc"


class _Marker:
    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index

    def __repr__(self):
        return f"<leaf {self.index}>"


def _holds_arrays(v) -> bool:
    """Whether a field value is a pytree child: None, an array, a Module, or a container
    holding any of them.  (None counts so that a partitioned Module keeps its structure.)"""
    if v is None or isinstance(v, (Module, _Marker)) or is_array(v):
        return True
    if isinstance(v, (str, bytes, int, float, complex)) or callable(v):
        return False
    leaves = tree_leaves(v, is_leaf=lambda x: x is None or isinstance(x, Module))
    return any(x is None or isinstance(x, (Module, _Marker)) or is_array(x) for x in leaves)


class _Static:
    """A static field value inside a tree structure: compared by value when that is a
    plain yes/no, by identity otherwise (arrays, objects without equality)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        if not isinstance(other, _Static):
            return NotImplemented
        a, b = self.value, other.value
        if a is b:
            return True
        if type(a) is not type(b):
            return False
        try:
            return bool(a == b)
        except Exception:
            return False

    def __hash__(self):
        try:
            return hash(self.value)
        except TypeError:
            return hash(type(self.value))

    def __repr__(self):
        return repr(self.value)


def _fixed_child(v) -> bool:
    """Whether ``_holds_arrays(v)`` is True and stays so whatever happens to the contents
    of containers: an array, None, a Module, or a tuple with one of them."""
    if type(v) is np.ndarray or v is None or isinstance(v, (Module, _Marker)) or is_tracer(v):
        return True
    if type(v) is tuple:
        return any(type(c) is np.ndarray or c is None or isinstance(c, Module) for c in v)
    return is_array(v)


def _fixed_static(v) -> bool:
    """Whether ``_holds_arrays(v)`` is False and stays so: strings, numbers, callables."""
    return isinstance(v, (str, bytes, int, float, complex)) or callable(v)


def _structure_is_fixed(cls, children, static) -> bool:
    for c in children:
        if type(c) is not np.ndarray and not _fixed_child(c):
            return False
    classified = cls._cr_classified
    if classified:
        for n, s in static:
            if n in classified and not _fixed_static(s.value):
                return False
    return True


def _flatten_module(m):
    # Flattening is the inner loop of every optimizer step and transform call, so a frozen
    # Module keeps its structure once it cannot change: the fields that are children then
    # stay children (a list field, whose contents may change, is classified afresh).
    d = m.__dict__
    aux = d.get(_FLAT)
    if aux is not None:
        return [d[n] for n in aux[0]], aux
    children, names, static = [], [], []
    cls = type(m)
    for name, always_static in cls._cr_fields:
        v = d[name]
        if not always_static and _holds_arrays(v):
            names.append(name)
            children.append(v)
        else:
            static.append((name, _Static(v)))
    aux = (tuple(names), tuple(static))
    if d.get(_FROZEN, False) and _structure_is_fixed(cls, children, static):
        d[_FLAT] = aux
    return children, aux


def _unflatten_module(cls, aux, children):
    names, static = aux
    obj = object.__new__(cls)
    d = obj.__dict__
    for n, c in zip(names, children):
        d[n] = c
    for n, s in static:
        d[n] = s.value
    d[_FROZEN] = True
    if _structure_is_fixed(cls, children, static):
        d[_FLAT] = aux
    return obj


def _flat_cache(m):
    # Where tree_util may keep a Module's flattened form: once its own structure is final
    # (``_FLAT``), a frozen Module's fields never change.
    d = m.__dict__
    return d if _FLAT in d else None


class Module:
    """Base class of models and layers: a dataclass that is a pytree.

    Declare fields as class annotations (as in a dataclass).  Either let the dataclass
    write ``__init__`` or write your own that assigns every field once; after ``__init__``
    returns the Module is immutable.  Fields holding arrays (NumPy arrays, traced values,
    sub-Modules, lists of them, ``None``) are the leaves seen by ``grad``, ``jit``, ``vmap``
    and the optimizers; all other fields (sizes, functions, flags) are static structure.
    Python floats are static too: store a trainable scalar as ``np.asarray(1.0)``.
    ``__call__`` is the forward pass.

    Examples
    --------
    >>> import numpy as np, chainrule as cr, chainrule.numpy as cnp
    >>> from chainrule import nn
    >>> class Affine(nn.Module):
    ...     w: np.ndarray
    ...     b: np.ndarray
    ...     name: str = "affine"
    ...     def __call__(self, x):
    ...         return self.w * x + self.b
    >>> m = Affine(np.array([2.0]), np.array([1.0]))
    >>> m(np.array([3.0]))
    array([7.])
    >>> g = cr.grad(lambda m, x: cnp.sum(m(x)))(m, np.array([3.0]))
    >>> g.w, g.b, g.name
    (array([3.]), array([1.]), 'affine')
    >>> m.w = np.zeros(1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    chainrule.nn._module.FrozenModuleError: Affine is immutable: cannot set field 'w' ...
    """

    _cr_fields: tuple = ()
    _cr_classified: frozenset = frozenset()
    _cr_custom_init: bool = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        own_init = "__init__" in cls.__dict__
        custom = own_init or any(getattr(b, "_cr_custom_init", False) for b in cls.__mro__[1:])
        cls._cr_custom_init = custom
        dataclasses.dataclass(cls, init=not custom, repr=False, eq=False)
        cls._cr_fields = tuple((f.name, bool(f.metadata.get("static", False)))
                               for f in dataclasses.fields(cls))
        # The fields whose values decide whether they are children or static.
        cls._cr_classified = frozenset(n for n, always in cls._cr_fields if not always)
        if own_init or not custom:
            inner = cls.__dict__["__init__"]

            @functools.wraps(inner)
            def __init__(self, *args, **kw):
                inner(self, *args, **kw)
                # Only the outermost __init__ (the one type(self) uses) freezes; an __init__
                # reached through super() leaves that to its caller.
                if type(self).__init__ is __init__:
                    missing = [n for n, _ in type(self)._cr_fields if n not in self.__dict__]
                    if missing:
                        raise TypeError(f"{type(self).__name__}.__init__ did not set the "
                                        f"field(s) {', '.join(missing)}; assign every field "
                                        "(self.name = value) in __init__")
                    self.__dict__[_FROZEN] = True

            cls.__init__ = __init__
        register_pytree_node(cls, _flatten_module, functools.partial(_unflatten_module, cls),
                             cache=_flat_cache)

    def __setattr__(self, name, value):
        if self.__dict__.get(_FROZEN, False):
            raise FrozenModuleError(
                f"{type(self).__name__} is immutable: cannot set field {name!r} after "
                f"construction. Build a modified copy instead: `new = nn.tree_at(lambda m: "
                f"m.{name}, model, new_value)`.")
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        raise FrozenModuleError(f"{type(self).__name__} is immutable: cannot delete field "
                                f"{name!r}")

    # -- inspection ---------------------------------------------------------------------
    def named_parameters(self):
        """``(path, array)`` for every array leaf, in flattening order; paths are dotted as
        in PyTorch (``"layers.0.weight"``)."""
        return [(p, x) for p, x in named_leaves(self) if is_array(x)]

    def parameters(self):
        """Every array leaf, in flattening order (the arrays an optimizer trains)."""
        return [x for _, x in self.named_parameters()]

    def __repr__(self):
        return _repr(self, 0)


# -- repr and summary -------------------------------------------------------------------

def _short(x):
    if is_array(x):
        dt = np.dtype(x.dtype)
        code = {"f": "f", "c": "c", "i": "i", "u": "u", "b": "bool"}.get(dt.kind, dt.kind)
        bits = "" if code == "bool" else str(dt.itemsize * 8)
        return f"{code}{bits}[{','.join(map(str, x.shape))}]"
    if callable(x) and hasattr(x, "__name__"):
        return x.__name__
    return None


def _repr(x, indent):
    pad = "  " * (indent + 1)
    if isinstance(x, Module):
        parts = [f"{n}={_repr(x.__dict__[n], indent + 1)}" for n, _ in type(x)._cr_fields
                 if n in x.__dict__]
        body = ", ".join(parts)
        if len(body) + len(type(x).__name__) < 80 and "\n" not in body:
            return f"{type(x).__name__}({body})"
        return f"{type(x).__name__}(\n" + ",\n".join(pad + p for p in parts) + \
            "\n" + "  " * indent + ")"
    if isinstance(x, (list, tuple)) and any(isinstance(c, Module) for c in x):
        open_, close = ("[", "]") if isinstance(x, list) else ("(", ")")
        return open_ + "\n" + ",\n".join(pad + _repr(c, indent + 1) for c in x) + \
            ",\n" + "  " * indent + close
    s = _short(x)
    return s if s is not None else repr(x)


def count_parameters(tree, filter_spec=is_inexact_array) -> int:
    """The number of scalars in the leaves of ``tree`` selected by ``filter_spec`` (by
    default the floating-point arrays).

    Examples
    --------
    >>> from chainrule import nn
    >>> nn.count_parameters(nn.Linear(3, 2, key=0))
    8
    """
    return sum(int(math.prod(np.shape(x))) for x in tree_leaves(tree)
               if is_array(x) and filter_spec(x))


def summary(model) -> str:
    """A table of the model's arrays: name, shape, dtype and number of scalars, with the
    total at the bottom.

    Examples
    --------
    >>> from chainrule import nn
    >>> print(nn.summary(nn.MLP(2, 1, width_size=4, depth=1, key=0)))
    parameter        shape   dtype    count
    ---------------  ------  -------  -----
    layers.0.weight  (4, 2)  float64      8
    layers.0.bias    (4,)    float64      4
    layers.1.weight  (1, 4)  float64      4
    layers.1.bias    (1,)    float64      1
    ---------------  ------  -------  -----
    total                                17
    """
    rows = [(p, str(tuple(x.shape)), str(np.dtype(x.dtype)), str(int(math.prod(x.shape))))
            for p, x in named_leaves(model) if is_array(x)]
    total = sum(int(r[3]) for r in rows)
    head = ("parameter", "shape", "dtype", "count")
    widths = [max([len(head[i])] + [len(r[i]) for r in rows]) for i in range(4)]
    widths[0] = max(widths[0], len("total"))
    widths[3] = max(widths[3], len(str(total)))

    def line(cells):
        return "  ".join(c.rjust(w) if i == 3 else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    rule = "  ".join("-" * w for w in widths)
    out = [line(head), rule] + [line(r) for r in rows] + [rule,
                                                          line(("total", "", "", str(total)))]
    return "\n".join(out)


# -- paths, partition, combine, tree_at -----------------------------------------------

def _children_with_keys(node):
    """One level of ``node``: ``[(key, child)]``, or None when ``node`` is a leaf."""
    if isinstance(node, Module):
        children, (names, _) = _flatten_module(node)
        return list(zip(names, children))
    if isinstance(node, dict):
        return [(str(k), node[k]) for k in sorted(node)]
    if isinstance(node, tuple) and hasattr(type(node), "_fields"):
        return list(zip(node._fields, node))
    if isinstance(node, (list, tuple)):
        return [(str(i), c) for i, c in enumerate(node)]
    if node is None:
        return []
    children, td = tree_flatten(node, is_leaf=lambda x: x is not node)
    if td.num_leaves == 1 and len(children) == 1 and children[0] is node:
        return None  # a leaf
    return [(str(i), c) for i, c in enumerate(children)]


def named_leaves(tree, prefix=""):
    """``(path, leaf)`` for every leaf of ``tree`` in flattening order, paths dotted as in
    PyTorch's ``state_dict`` (``"layers.0.weight"``).

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> [p for p, _ in nn.named_leaves({"enc": [np.ones(1), np.ones(2)], "b": np.ones(1)})]
    ['b', 'enc.0', 'enc.1']
    """
    out = []

    def walk(node, path):
        kids = _children_with_keys(node)
        if kids is None:
            out.append((path, node))
            return
        for k, c in kids:
            walk(c, f"{path}.{k}" if path else k)
    walk(tree, prefix)
    return out


def _mask(tree, filter_spec, path):
    leaves, treedef = tree_flatten(tree)
    named = named_leaves(tree)
    if len(named) != len(leaves):  # pragma: no cover - a registered node we cannot walk
        raise TypeError("partition: could not name the leaves of this tree")
    if (filter_spec is None) == (path is None):
        raise TypeError("partition: pass exactly one of filter_spec (a predicate on leaves, "
                        "e.g. nn.is_array) and path (a predicate on dotted parameter names)")
    if path is not None:
        keep = [bool(path(p)) for p, _ in named]
    elif callable(filter_spec):
        keep = [bool(filter_spec(x)) for x in leaves]
    else:
        raise TypeError(f"partition: filter_spec must be a predicate on leaves (e.g. "
                        f"nn.is_inexact_array), got {type(filter_spec).__name__}; to select "
                        "by name use path=")
    return leaves, treedef, keep


def partition(tree, filter_spec=None, *, path=None):
    """Split ``tree`` in two trees of the same structure: the leaves selected by the filter
    (others replaced by ``None``), and the rest.  :func:`combine` puts them back together.

    Train part of a model by differentiating with respect to the first tree only.

    Parameters
    ----------
    tree : pytree (a Module, ...)
    filter_spec : callable, optional
        ``filter_spec(leaf) -> bool``, e.g. :func:`is_inexact_array`.
    path : callable, optional
        ``path(name) -> bool`` on dotted leaf names as listed by :func:`named_leaves`
        (``"layers.0.weight"``).  Give either ``filter_spec`` or ``path``.

    Returns
    -------
    (selected, rest) : two pytrees

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> model = nn.Linear(2, 1, key=0)
    >>> train, frozen = nn.partition(model, path=lambda p: p == "bias")
    >>> train.weight is None, frozen.bias is None
    (True, True)
    >>> nn.combine(train, frozen).weight is model.weight
    True
    """
    leaves, treedef, keep = _mask(tree, filter_spec, path)
    a = tree_unflatten(treedef, [x if k else None for x, k in zip(leaves, keep)])
    b = tree_unflatten(treedef, [None if k else x for x, k in zip(leaves, keep)])
    return a, b


def combine(*trees):
    """Merge trees made by :func:`partition`: at every leaf, the first value that is not
    ``None``.

    Examples
    --------
    >>> from chainrule import nn
    >>> nn.combine({"a": None, "b": 2}, {"a": 1, "b": None})
    {'a': 1, 'b': 2}
    """
    if not trees:
        raise TypeError("combine needs at least one tree")
    is_none = lambda x: x is None  # noqa: E731
    flat = [tree_flatten(t, is_leaf=is_none) for t in trees]
    treedef = flat[0][1]
    for i, (_, td) in enumerate(flat[1:], 1):
        if td != treedef:
            raise ValueError(f"combine: tree {i} has structure {td}, tree 0 has {treedef}; "
                             "combine only trees made by one nn.partition call")
    out = []
    for column in zip(*(f[0] for f in flat)):
        out.append(next((x for x in column if x is not None), None))
    return tree_unflatten(treedef, out)


def tree_at(where: Callable, tree, replace: Any = ..., *, replace_fn: Callable | None = None):
    """A copy of ``tree`` with the nodes selected by ``where`` replaced (nothing is mutated).

    Parameters
    ----------
    where : callable
        ``where(tree)`` returns one node of the tree (a leaf or a subtree, e.g.
        ``lambda m: m.layers[0].weight``) or a tuple of nodes.
    replace : any or tuple
        The new value (a tuple of values when ``where`` selects a tuple of nodes).
    replace_fn : callable, optional
        Instead of ``replace``: ``replace_fn(old) -> new`` for every selected node.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule import nn
    >>> m = nn.Linear(2, 1, key=0)
    >>> m2 = nn.tree_at(lambda m: m.bias, m, np.array([5.0]))
    >>> m2.bias, m.bias is not m2.bias, m2.weight is m.weight
    (array([5.]), True, True)
    >>> nn.tree_at(lambda m: (m.weight, m.bias), m, replace_fn=lambda x: 0 * x).bias
    array([0.])
    """
    if (replace is ...) == (replace_fn is None):
        raise TypeError("tree_at: pass exactly one of replace and replace_fn")
    is_none = lambda x: x is None  # noqa: E731
    leaves, treedef = tree_flatten(tree, is_leaf=is_none)
    markers = [_Marker(i) for i in range(len(leaves))]
    skeleton = tree_unflatten(treedef, markers)
    selected = where(skeleton)
    many = isinstance(selected, tuple) and not isinstance(selected, _Marker)
    nodes = list(selected) if many else [selected]
    if replace is not ...:
        values = list(replace) if many else [replace]
        if len(values) != len(nodes):
            raise ValueError(f"tree_at: where selected {len(nodes)} nodes but replace has "
                             f"{len(values)} values")
    targets = {id(n): i for i, n in enumerate(nodes)}
    found = set()

    def original(node):
        ls, td = tree_flatten(node, is_leaf=lambda x: isinstance(x, _Marker))
        return tree_unflatten(td, [leaves[m.index] for m in ls])

    def rebuild(node):
        if id(node) in targets:
            i = targets[id(node)]
            found.add(i)
            return values[i] if replace_fn is None else replace_fn(original(node))
        if isinstance(node, _Marker):
            return leaves[node.index]
        kids, td = tree_flatten(node, is_leaf=lambda x: x is not node)
        if len(kids) == 1 and kids[0] is node:
            return node
        return tree_unflatten(td, [rebuild(k) for k in kids])

    new = rebuild(skeleton)
    missing = [i for i in range(len(nodes)) if i not in found]
    if missing:
        raise ValueError(
            f"tree_at: `where` selected {len(missing)} value(s) that are not nodes of the tree "
            f"(first: {nodes[missing[0]]!r}). Only array fields, sub-Modules and containers "
            "can be replaced; a static field (an int, a function...) is part of the model's "
            "structure: build a new Module with the constructor instead.")
    return new
