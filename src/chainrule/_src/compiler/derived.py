"""The programs derived from a compiled program, kept on it.

``grad``, ``jvp`` and ``vmap`` of a jitted function outside ``jit`` stage a derived program
(a derivative, a transpose, a vectorized version) once per key and reuse it; every compiled
program, whatever compiled it, keeps its own.
"""

from __future__ import annotations


class DerivedPrograms:
    """Mixin: ``derived(key, build)`` compiles ``build()`` once per ``key``."""

    def derived(self, key, build):
        """The program derived from this one that ``build()`` compiles (a derivative, a
        transpose, a vectorized version), compiled once per ``key`` and kept here."""
        cache = self.__dict__.setdefault("_derived", {})
        if key not in cache:  # None is a result too: the program cannot be derived
            cache[key] = build()
        return cache[key]
