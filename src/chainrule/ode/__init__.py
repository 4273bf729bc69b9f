"""Differentiable ODE solvers with SciPy's interface: ``solve_ivp`` and ``odeint``.

Explicit adaptive Runge-Kutta methods (``"RK45"``, ``"DOP853"``, ``"Tsit5"``, ``"RK23"``) and
implicit ones for stiff problems (``"Radau"``, ``"BDF"``; ``"LSODA"`` runs BDF), usable under
``grad``/``jvp``, ``jit`` and ``vmap``; see ``docs/ode.md``.
"""

from chainrule._src.scipy.ode.dense import OdeSolution
from chainrule._src.scipy.ode.odeint import odeint
from chainrule._src.scipy.ode.solve_ivp import OdeResult, solve_ivp

__all__ = ["OdeResult", "OdeSolution", "odeint", "solve_ivp"]
