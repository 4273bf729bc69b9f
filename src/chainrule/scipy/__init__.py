"""SciPy-compatible namespaces: ``chainrule.scipy.optimize`` mirrors ``scipy.optimize``."""

from chainrule.scipy import linalg, optimize  # noqa: F401
