"""SciPy-compatible namespaces: ``chainrule.scipy.optimize``, ``.special``, ``.stats``,
``.linalg``, ``.interpolate``, ``.integrate`` and ``.signal`` mirror the SciPy modules of the
same names."""

from chainrule.scipy import (integrate, interpolate, linalg, optimize, signal,  # noqa: F401
                             special, stats)
