"""The workloads, one module each, in the order they run and appear in the report."""

from . import (burgers, checkpoint, cupy, elementwise, fastpath, fastpath_sweep, fusion, hessian,
               jacobian, jacobian_modes, lbfgs, memory, mlp, nbody, nn_memory, nn_train,
               numba_loops, nuts, ode, overhead, physical, random, signal, spline, stats)

WORKLOADS = [m.WORKLOAD for m in (physical, fastpath, fastpath_sweep, overhead, elementwise,
                                  fusion, mlp, nn_train, nbody, numba_loops, burgers, hessian,
                                  jacobian, jacobian_modes, lbfgs, ode, random, spline, stats,
                                  nuts, signal, memory, nn_memory, checkpoint, cupy)]
BY_NAME = {w.name: w for w in WORKLOADS}
