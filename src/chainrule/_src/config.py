"""Global settings (``chainrule.config``).

Examples
--------
>>> import chainrule as cr
>>> cr.config.update("log_compiles", True)
>>> cr.config.log_compiles
True
>>> cr.config.update("log_compiles", False)
"""

from __future__ import annotations

log_compiles = False
"""Log each jit compilation and the reason for the cache miss (logger ``chainrule.jit``)."""

_NAMES = ("log_compiles",)


def update(name, value):
    """Set the option ``name`` to ``value``."""
    if name not in _NAMES:
        raise ValueError(f"unknown chainrule option {name!r}; options are {list(_NAMES)}")
    globals()[name] = value
