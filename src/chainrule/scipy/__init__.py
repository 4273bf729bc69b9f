"""SciPy-compatible namespaces: ``chainrule.scipy.optimize``, ``.special``, ``.stats``,
``.linalg``, ``.interpolate`` and ``.integrate`` mirror the SciPy modules of the same names."""

from chainrule.scipy import (integrate, interpolate, linalg, optimize, special,  # noqa: F401
                             stats)
