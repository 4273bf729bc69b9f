"""Pytree utilities: flatten, unflatten and map nested containers of arrays."""

from chainrule._src.tree_util import (PyTreeDef, all_leaves, register_dataclass,  # noqa: F401
                                      register_pytree_node, register_pytree_node_class,
                                      tree_flatten, tree_leaves, tree_map, tree_structure,
                                      tree_unflatten)
