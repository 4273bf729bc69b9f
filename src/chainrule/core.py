"""The engine's public entry points for libraries built on chainrule.

``is_tracer`` tells a value being traced or differentiated by a chainrule transform from a
concrete array or number (which a library may inspect, convert or print).
"""

from chainrule._src.core import is_tracer  # noqa: F401

__all__ = ["is_tracer"]
