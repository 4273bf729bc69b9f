"""Explicit Runge-Kutta ODE solvers: ``solve_ivp`` and ``odeint``, differentiable."""
