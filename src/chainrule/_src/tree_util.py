"""Pytrees: nested containers of arrays that every transform accepts and returns.

Containers are tuples, lists, dicts (flattened in sorted-key order), ``None`` (no leaves),
namedtuples, and any type registered with :func:`register_pytree_node` or
:func:`register_dataclass`.  Everything else is a leaf.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, NamedTuple

from numpy import ndarray


class _NodeType(NamedTuple):
    flatten: Callable  # node -> (children, aux_data)
    unflatten: Callable  # (aux_data, children) -> node
    cache: Callable | None = None  # node -> dict or None (see register_pytree_node)
    nodetype: type | None = None

    def __reduce__(self):
        # Copied or unpickled (a structure kept in a node's cache travels with the node),
        # it is the registered entry itself: structures compare by their node types.
        return _registered, (self.nodetype,)


def _registered(nodetype):
    return _registry[nodetype]


_registry: dict[type, _NodeType] = {}
# The key of a node's flattened form (structure and leaves) in its ``cache`` dict.
_CACHED = "_tree_util__flat"


def register_pytree_node(nodetype: type, flatten_func: Callable, unflatten_func: Callable,
                         *, cache: Callable | None = None):
    """Register ``nodetype`` as a container.

    Parameters
    ----------
    nodetype : type
    flatten_func : callable
        ``node -> (children, aux_data)``; ``aux_data`` must be hashable and comparable.
    unflatten_func : callable
        ``(aux_data, children) -> node``.
    cache : callable, optional
        For immutable nodes: ``cache(node)`` returns a dict private to ``node`` (say its
        ``__dict__``) in which the flattened form of the node may be kept and reused, or
        None when the node can still change.  It is kept only when nothing below the node
        can change either (tuples, immutable nodes and leaves; no lists or dicts), so a
        node flattened or rebuilt once is then flattened in constant time.  Only for
        objects whose children never change after ``cache`` first returns a dict.

    Examples
    --------
    >>> class Pair:
    ...     def __init__(self, a, b): self.a, self.b = a, b
    >>> register_pytree_node(Pair, lambda p: ((p.a, p.b), None), lambda _, c: Pair(*c))
    >>> tree_leaves(Pair(1.0, (2.0, 3.0)))
    [1.0, 2.0, 3.0]
    """
    if nodetype in _registry:
        raise ValueError(f"{nodetype.__name__} is already registered as a pytree node")
    _registry[nodetype] = _NodeType(flatten_func, unflatten_func, cache, nodetype)


def register_pytree_node_class(cls):
    """Class decorator: register ``cls`` using its ``tree_flatten``/``tree_unflatten``."""
    register_pytree_node(cls, lambda x: x.tree_flatten(), cls.tree_unflatten)
    return cls


def register_dataclass(cls=None, *, data_fields=None, meta_fields=None):
    """Register a dataclass as a pytree node (usable as a decorator).

    Fields listed in ``meta_fields`` (or marked ``field(metadata={"static": True})``) are
    static: part of the structure, not leaves.  All other fields are children.

    Examples
    --------
    >>> import dataclasses
    >>> @register_dataclass
    ... @dataclasses.dataclass
    ... class Params:
    ...     w: float
    ...     name: str = dataclasses.field(default="p", metadata={"static": True})
    >>> tree_leaves(Params(2.0))
    [2.0]
    """
    if cls is None:
        return lambda c: register_dataclass(c, data_fields=data_fields, meta_fields=meta_fields)
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"register_dataclass expects a dataclass, got {cls!r}")
    fields = [f for f in dataclasses.fields(cls) if f.init]
    if meta_fields is None:
        meta_fields = [f.name for f in fields if f.metadata.get("static", False)]
    if data_fields is None:
        data_fields = [f.name for f in fields if f.name not in meta_fields]
    data_fields, meta_fields = tuple(data_fields), tuple(meta_fields)

    def flatten(x):
        return ([getattr(x, n) for n in data_fields],
                tuple(getattr(x, n) for n in meta_fields))

    def unflatten(meta, children):
        return cls(**dict(zip(data_fields, children)), **dict(zip(meta_fields, meta)))

    register_pytree_node(cls, flatten, unflatten)
    return cls


def _node_type(x):
    t = type(x)
    if t in _registry:
        return _registry[t]
    if t is tuple or t is list or t is dict or x is None:
        return t
    if isinstance(x, tuple) and hasattr(t, "_fields"):
        return "namedtuple"
    return None


class PyTreeDef:
    """The structure of a pytree: everything but its leaves."""

    # ``fixed``: no node of the structure can change once built (no list, dict or node
    # type without ``cache``), so a cached flattened form stays right.
    __slots__ = ("kind", "aux", "children", "num_leaves", "fixed", "_hash")

    def __init__(self, kind, aux, children):
        self.kind = kind
        self.aux = aux
        self.children = children
        self._hash = None
        if kind is None:
            self.num_leaves = 1
            self.fixed = True
        else:  # a loop: flattening builds one of these per node, in every transform call
            n = 0
            fixed = kind is tuple or kind == "namedtuple" or kind is type(None) or (
                type(kind) is _NodeType and kind.cache is not None)
            for c in children:
                n += c.num_leaves
                fixed = fixed and c.fixed
            self.num_leaves = n
            self.fixed = fixed

    def __eq__(self, other):
        if self is other:  # a cached structure is the same object every time
            return True
        return (isinstance(other, PyTreeDef) and self.kind == other.kind
                and self.aux == other.aux and self.children == other.children)

    def __reduce__(self):
        # Copies and pickles rebuild the hash: a node type's hash is not the same in
        # another process.
        return _treedef, (self.kind, self.aux, self.children, self.fixed)

    def __hash__(self):
        # Kept: jit hashes the structure of its arguments at every call, and a cached
        # structure (see ``register_pytree_node``) is the same object every time.
        h = self._hash
        if h is None:
            h = self._hash = hash((self.kind, _hashable(self.aux), tuple(self.children)))
        return h

    def __repr__(self):
        if self.kind is None:
            return "*"
        inner = ", ".join(map(repr, self.children))
        if self.kind is tuple:
            return f"({inner}{',' if len(self.children) == 1 else ''})"
        if self.kind is list:
            return f"[{inner}]"
        if self.kind is dict:
            return "{" + ", ".join(f"{k!r}: {c!r}" for k, c in zip(self.aux, self.children)) + "}"
        if self.kind is type(None):
            return "None"
        name = self.aux.__name__ if self.kind == "namedtuple" else self.kind_name()
        return f"{name}({inner})"

    def kind_name(self):
        for t, n in _registry.items():
            if n is self.kind:
                return t.__name__
        return "node"

    def unflatten(self, leaves):
        return tree_unflatten(self, leaves)


def _treedef(kind, aux, children, fixed):
    td = PyTreeDef(kind, aux, children)
    td.fixed = fixed
    return td


def _hashable(aux):
    try:
        hash(aux)
        return aux
    except TypeError:
        return repr(aux)


_LEAF = PyTreeDef(None, None, ())


def _flatten(x, leaves, is_leaf):
    if is_leaf is not None and is_leaf(x):
        leaves.append(x)
        return _LEAF
    kind = _node_type(x)
    if kind is None:
        leaves.append(x)
        return _LEAF
    # (List comprehensions: they build the children's tuple faster than a generator.)
    if kind is tuple or kind is list:
        return PyTreeDef(kind, None, tuple([_flatten(c, leaves, is_leaf) for c in x]))
    if kind is dict:
        keys = sorted(x)
        return PyTreeDef(dict, tuple(keys),
                         tuple([_flatten(x[k], leaves, is_leaf) for k in keys]))
    if kind is type(None):
        return PyTreeDef(kind, None, ())
    if kind == "namedtuple":
        return PyTreeDef(kind, type(x), tuple([_flatten(c, leaves, is_leaf) for c in x]))
    cache = kind.cache
    if cache is None or is_leaf is not None:
        children, aux = kind.flatten(x)
        return PyTreeDef(kind, aux, tuple([_flatten(c, leaves, is_leaf) for c in children]))
    d = cache(x)
    if d is not None:
        hit = d.get(_CACHED)
        if hit is not None:
            leaves += hit[1]
            return hit[0]
    start = len(leaves)
    children, aux = kind.flatten(x)
    td = PyTreeDef(kind, aux, tuple([_flatten(c, leaves, None) for c in children]))
    d = cache(x)  # asked again: flattening may have found the node's structure final
    if d is None:
        td.fixed = False  # nor can a node above keep its flattened form
    elif td.fixed:
        d[_CACHED] = (td, leaves[start:])
    return td


def tree_flatten(tree, is_leaf: Callable[[Any], bool] | None = None):
    """Flatten ``tree`` into a list of leaves and its structure.

    Examples
    --------
    >>> leaves, treedef = tree_flatten({"b": (1, 2), "a": 3})
    >>> leaves
    [3, 1, 2]
    >>> tree_unflatten(treedef, [10, 20, 30])
    {'a': 10, 'b': (20, 30)}
    """
    leaves: list = []
    treedef = _flatten(tree, leaves, is_leaf)
    return leaves, treedef


def tree_unflatten(treedef: PyTreeDef, leaves):
    """Rebuild a pytree of structure ``treedef`` from ``leaves`` (see :func:`tree_flatten`)."""
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(f"tree structure {treedef} has {treedef.num_leaves} leaves, "
                         f"but {len(leaves)} were given")
    if treedef.fixed and treedef.kind is not None:
        return _build(treedef, leaves, 0)[0]
    it = iter(leaves)
    return _unflatten(treedef, it)


def _build(td, leaves, i):
    """Rebuild the fixed structure ``td`` from ``leaves[i:]``.  Returns the tree, the index
    after its leaves and whether the tree flattens back to ``td`` and these leaves: then
    each node whose type has a ``cache`` keeps its flattened form (see
    ``register_pytree_node``).  Not when a leaf would flatten otherwise (None, a list...)
    or a node below did not keep its own (a Module whose new leaves are static values)."""
    kind = td.kind
    if kind is None:
        x = leaves[i]
        return x, i + 1, type(x) is ndarray or _node_type(x) is None
    start = i
    children = []
    keep = True
    for c in td.children:
        if c.kind is None:  # a leaf, without a call (this runs at every optimizer step)
            x = leaves[i]
            i += 1
            if keep and type(x) is not ndarray and _node_type(x) is not None:
                keep = False
        else:
            x, i, ok = _build(c, leaves, i)
            keep = keep and ok
        children.append(x)
    if kind is tuple:
        return tuple(children), i, keep
    if kind is type(None):
        return None, i, keep
    if kind == "namedtuple":
        return td.aux(*children), i, keep
    node = kind.unflatten(td.aux, children)
    if keep:
        d = kind.cache(node)
        if d is None:
            return node, i, False
        d[_CACHED] = (td, leaves[start:i])
    return node, i, keep


def _unflatten(td, it):
    kind = td.kind
    if kind is None:
        return next(it)
    if td.fixed and type(kind) is _NodeType:  # a node with a cache, in a list or dict
        return _build(td, [next(it) for _ in range(td.num_leaves)], 0)[0]
    children = [_unflatten(c, it) for c in td.children]
    if kind is tuple:
        return tuple(children)
    if kind is list:
        return children
    if kind is dict:
        return dict(zip(td.aux, children))
    if kind is type(None):
        return None
    if kind == "namedtuple":
        return td.aux(*children)
    return kind.unflatten(td.aux, children)


def tree_leaves(tree, is_leaf=None) -> list:
    """The leaves of ``tree`` in flattening order."""
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree, is_leaf=None) -> PyTreeDef:
    """The structure of ``tree`` (see :func:`tree_flatten`)."""
    return tree_flatten(tree, is_leaf)[1]


def tree_map(f: Callable, tree, *rest, is_leaf=None):
    """Apply ``f`` leaf by leaf to ``tree`` and the trees in ``rest`` (same structure).

    Examples
    --------
    >>> tree_map(lambda a, b: a + b, {"x": 1, "y": (2, 3)}, {"x": 10, "y": (20, 30)})
    {'x': 11, 'y': (22, 33)}
    """
    leaves, treedef = tree_flatten(tree, is_leaf)
    others = []
    for r in rest:
        rl, rd = tree_flatten(r, is_leaf)
        if rd != treedef:
            raise ValueError(f"tree_map: structures differ: {treedef} and {rd}")
        others.append(rl)
    return tree_unflatten(treedef, [f(*xs) for xs in zip(leaves, *others)])


def all_leaves(iterable) -> bool:
    return all(_node_type(x) is None for x in iterable)


__all__ = ["PyTreeDef", "register_dataclass", "register_pytree_node",
           "register_pytree_node_class", "tree_flatten", "tree_leaves", "tree_map",
           "tree_structure", "tree_unflatten", "all_leaves"]
