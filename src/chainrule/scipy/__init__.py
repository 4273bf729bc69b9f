"""SciPy-compatible namespaces: ``chainrule.scipy.optimize`` mirrors ``scipy.optimize``."""

from chainrule.scipy import optimize  # noqa: F401
