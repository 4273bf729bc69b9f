"""Structured control flow and low-level operations, under the names JAX users expect."""

from chainrule._src.control.cond import (checkpoint, cond, fori_loop, map,  # noqa: F401,A004
                                         remat, scan, switch, while_loop)
from chainrule._src.control.custom import stop_gradient  # noqa: F401

__all__ = ["checkpoint", "cond", "fori_loop", "map", "remat", "scan", "stop_gradient", "switch",
           "while_loop"]
