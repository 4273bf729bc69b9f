"""SciPy-compatible namespaces: ``chainrule.scipy.optimize`` mirrors ``scipy.optimize``,
``chainrule.scipy.special`` mirrors ``scipy.special``."""

from chainrule.scipy import optimize, special, stats  # noqa: F401
