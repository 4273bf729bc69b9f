"""The workloads, one module each, in the order they run and appear in the report."""

from . import (checkpoint, cupy, elementwise, fastpath, fastpath_sweep, fusion, hessian,
               jacobian, jacobian_modes, lbfgs, memory, mlp, nbody, nuts, ode, ode_memory,
               overhead,
               physical, random, signal, spline, stats)

WORKLOADS = [m.WORKLOAD for m in (physical, fastpath, fastpath_sweep, overhead, elementwise,
                                  fusion, mlp, nbody, hessian, jacobian, jacobian_modes, lbfgs,
                                  ode, random, spline, stats, nuts, signal,
                                  memory, checkpoint, ode_memory, cupy)]
BY_NAME = {w.name: w for w in WORKLOADS}
