"""``scipy.optimize``'s API with exact derivatives: see :mod:`chainrule.optimize`."""

from chainrule.optimize import *  # noqa: F401,F403
from chainrule.optimize import __all__  # noqa: F401
