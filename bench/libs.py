"""The libraries compared, how they are loaded, and adapters over their API differences.

Every workload is written once per *library key* (see :data:`LIBRARIES`). The adapters in
:class:`Libraries` give each key its array namespace, its array conversion, its
``value_and_grad``, its ``jit`` and the call that waits for a result, so a workload can often
write one function body for chainrule, JAX, autograd and PyTorch.

A library that cannot be imported is not dropped: :meth:`Libraries.skip_reason` says why it
is missing and the report lists it as skipped.
"""

from __future__ import annotations

import importlib
import importlib.metadata

import numpy as np

#: Library keys, in the order they appear in every table.
LIBRARIES = ("numpy", "chainrule", "chainrule jit", "chainrule jit+fusion",
             "chainrule jit+numba", "torch", "jax", "jax jit", "autograd")

#: Human-readable names used in the report.
LABELS = {
    "numpy": "NumPy (hand-written, reference)",
    "chainrule": "chainrule eager",
    "chainrule jit": "chainrule jit",
    "chainrule jit+fusion": "chainrule jit, numexpr fusion",
    "chainrule jit+numba": "chainrule jit, Numba backend",
    "torch": "PyTorch eager",
    "jax": "JAX eager",
    "jax jit": "JAX jit",
    "autograd": "autograd",
}

#: Rows that appear only in the workloads that implement them (no "skipped" row elsewhere).
OPT_IN = ("chainrule jit+fusion", "chainrule jit+numba")

#: The reference implementation: timed and shown, never ranked.
REFERENCE = "numpy"

#: The libraries chainrule is compared with.
PEERS = ("torch", "jax", "jax jit", "autograd")

#: Peers that run op by op from Python, like chainrule eager.
EAGER_PEERS = ("torch", "jax", "autograd")

SMOKE_SKIP = "not run in --smoke mode (NumPy and chainrule only)"


def _version(dist):
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _why(exc):
    return f"not installed ({type(exc).__name__}: {exc})"


class Libraries:
    """Load the libraries once and adapt their APIs.

    Parameters
    ----------
    smoke : bool
        Load only NumPy and chainrule; every other library is reported as skipped.
    only : str, optional
        Load just this library key (and NumPy): used by the memory measurements, which run
        each library in a fresh process.
    numexpr_threads : int
        Threads for numexpr (chainrule's optional fusion backend); 1 like every library.

    Attributes
    ----------
    np, cr, cnp, torch, jax, jnp, ag, anp : module or None
        The loaded modules (None when missing).
    """

    def __init__(self, smoke=False, only=None, numexpr_threads=1):
        self.numexpr_threads = numexpr_threads
        self.np = np
        self.cr = self.cnp = self.torch = self.jax = self.jnp = self.ag = self.anp = None
        self._skip = {}
        family = None if only is None else only.split()[0]
        if family in (None, "chainrule"):
            self._load_chainrule()
        if smoke:
            for lib in ("torch", "jax", "jax jit", "autograd", "chainrule jit+numba"):
                self._skip[lib] = SMOKE_SKIP
            return
        loaders = {"torch": self._load_torch, "jax": self._load_jax,
                   "autograd": self._load_autograd}
        for name, load in loaders.items():
            if family in (None, name):
                load()

    # --- loading -------------------------------------------------------------------------
    def _load_chainrule(self):
        try:
            self.cr = importlib.import_module("chainrule")
            self.cnp = importlib.import_module("chainrule.numpy")
        except Exception as exc:  # a broken chainrule is reported, not hidden
            self._skip["chainrule"] = self._skip["chainrule jit"] = _why(exc)
            self._skip["chainrule jit+numba"] = _why(exc)
            return
        try:
            importlib.import_module("numba")
        except ImportError as exc:
            self._skip["chainrule jit+numba"] = _why(exc) + "; pip install 'chainrule[numba]'"
        if not hasattr(self.cr, "jit"):
            self._skip["chainrule jit"] = "jit not implemented yet"
        try:
            numexpr = importlib.import_module("numexpr")
        except ImportError as exc:
            self._skip["chainrule jit+fusion"] = (
                _why(exc) + "; pip install 'chainrule[fusion]'")
        else:
            numexpr.set_num_threads(self.numexpr_threads)

    def _load_torch(self):
        try:
            torch = importlib.import_module("torch")
        except Exception as exc:
            self._skip["torch"] = _why(exc)
            return
        torch.set_num_threads(1)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:  # already set once in this process
            pass
        torch.set_default_dtype(torch.float64)
        self.torch = torch

    def _load_jax(self):
        try:
            jax = importlib.import_module("jax")
            jax.config.update("jax_enable_x64", True)
            jnp = importlib.import_module("jax.numpy")
        except Exception as exc:
            self._skip["jax"] = self._skip["jax jit"] = _why(exc)
            return
        if jnp.zeros(1).dtype != np.float64:
            self._skip["jax"] = self._skip["jax jit"] = "jax_enable_x64 could not be set"
            return
        self.jax, self.jnp = jax, jnp

    def _load_autograd(self):
        try:
            self.ag = importlib.import_module("autograd")
            self.anp = importlib.import_module("autograd.numpy")
        except Exception as exc:
            self._skip["autograd"] = _why(exc)

    # --- queries -------------------------------------------------------------------------
    def skip_reason(self, lib):
        """Why ``lib`` cannot run here, or None when it can."""
        return self._skip.get(lib)

    def versions(self):
        """Installed versions of every library taking part."""
        names = ["numpy", "scipy", "chainrule", "numexpr", "torch", "jax", "jaxlib",
                 "autograd", "matplotlib", "array-api-compat"]
        return {name: _version(name) for name in names}

    # --- adapters ------------------------------------------------------------------------
    def xp(self, lib):
        """The NumPy-like namespace of ``lib``."""
        return {"numpy": np, "chainrule": self.cnp, "chainrule jit": self.cnp,
                "chainrule jit+fusion": self.cnp, "chainrule jit+numba": self.cnp,
                "torch": self.torch, "jax": self.jnp, "jax jit": self.jnp,
                "autograd": self.anp}[lib]

    def asarray(self, lib, a):
        """Convert a NumPy array (or a list/tuple of them) to ``lib``'s arrays."""
        if isinstance(a, (list, tuple)):
            return type(a)(self.asarray(lib, x) for x in a)
        if lib in ("torch",):
            return self.torch.from_numpy(np.ascontiguousarray(a))
        if lib in ("jax", "jax jit"):
            return self.jax.device_put(a)
        return a

    def jit(self, lib, fun):
        """``fun`` compiled for the jit variants, ``fun`` itself for eager ones."""
        if lib == "jax jit":
            return self.jax.jit(fun)
        if lib in ("chainrule jit", "chainrule jit+fusion"):
            return self.cr.jit(fun)
        if lib == "chainrule jit+numba":
            return self.cr.jit(fun, backend="numba")
        return fun

    def value_and_grad(self, lib, fun):
        """``(value, gradient)`` of scalar ``fun`` with respect to its one argument.

        The argument may be an array or a list of arrays (the gradient then has the same
        structure). For PyTorch this is ``torch.autograd.grad`` on a fresh leaf tensor.
        """
        if lib in ("chainrule", "chainrule jit", "chainrule jit+fusion", "chainrule jit+numba"):
            return self.jit(lib, self.cr.value_and_grad(fun))
        if lib in ("jax", "jax jit"):
            return self.jit(lib, self.jax.value_and_grad(fun))
        if lib == "autograd":
            return self.ag.value_and_grad(fun)
        if lib == "torch":
            return self._torch_value_and_grad(fun)
        raise ValueError(f"no value_and_grad for {lib!r}")

    def _torch_value_and_grad(self, fun):
        torch = self.torch

        def vg(x):
            many = isinstance(x, (list, tuple))
            leaves = [t.detach().requires_grad_(True) for t in (x if many else [x])]
            value = fun(type(x)(leaves) if many else leaves[0])
            grads = torch.autograd.grad(value, leaves)
            return value.detach(), (list(grads) if many else grads[0])
        return vg

    def sync(self, lib):
        """A function that waits until a result of ``lib`` is computed, then returns it."""
        if lib in ("jax", "jax jit"):
            return self.jax.block_until_ready
        return None

    def to_numpy(self, x):
        """Convert a result (any library, any nesting of lists/tuples/dicts) to NumPy."""
        if isinstance(x, dict):
            return {k: self.to_numpy(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [self.to_numpy(v) for v in x]
        if self.torch is not None and isinstance(x, self.torch.Tensor):
            return x.detach().cpu().numpy()
        return np.asarray(x)
