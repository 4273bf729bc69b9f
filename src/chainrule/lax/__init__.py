"""Structured control flow and low-level operations, under the names JAX users expect."""

from chainrule._src.control.checkpoint import checkpoint, remat
from chainrule._src.control.cond import cond, switch
from chainrule._src.control.custom import stop_gradient
from chainrule._src.control.map import map  # noqa: A004 - mirrors jax.lax.map
from chainrule._src.control.scan import fori_loop, scan
from chainrule._src.control.while_loop import while_loop

__all__ = ["checkpoint", "cond", "fori_loop", "map", "remat", "scan", "stop_gradient", "switch",
           "while_loop"]
