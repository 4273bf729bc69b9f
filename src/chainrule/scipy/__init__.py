"""SciPy-compatible namespaces: ``chainrule.scipy.optimize`` mirrors ``scipy.optimize``,
``chainrule.scipy.special`` mirrors ``scipy.special``, ``chainrule.scipy.interpolate`` and
``chainrule.scipy.integrate`` mirror theirs."""

from chainrule.scipy import optimize, special  # noqa: F401
from chainrule.scipy import integrate, interpolate  # noqa: F401
