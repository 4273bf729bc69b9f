"""SciPy-compatible namespaces: ``chainrule.scipy.optimize``, ``.special`` and ``.linalg``
mirror ``scipy.optimize``, ``scipy.special`` and ``scipy.linalg``."""

from chainrule.scipy import linalg, optimize, special  # noqa: F401
