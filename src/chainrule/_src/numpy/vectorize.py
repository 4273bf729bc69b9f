"""``vectorize``: NumPy's generalised-ufunc wrapper, differentiable.

A scalar (or core-shaped, with ``signature=``) function is applied over the broadcast loop
axes of its arguments.  The function is first run once on the whole batch under
:func:`chainrule.vmap`, which is fast and differentiable; when it uses Python control flow on
values (``if x > 0:``, ``float(x)``), which a batched trace cannot answer, it is called once
per element instead, as NumPy does, and the results are stacked differentiably.
"""

from __future__ import annotations

import re

import numpy as np

from . import base as cnp

from ..core import ConcretizationTypeError, is_tracer
from ..transforms.vmap import vmap
from ._util import asarray_any, shape_of

_DIM = r"\w+"
_CORE = rf"\((?:{_DIM}(?:,{_DIM})*)?\)"
_ARGS = rf"{_CORE}(?:,{_CORE})*"
_SIGNATURE = re.compile(rf"^{_ARGS}->{_ARGS}$")


def _parse_signature(signature):
    """``"(m,n),(n)->(m)"`` -> ([("m", "n"), ("n",)], [("m",)])."""
    sig = signature.replace(" ", "")
    if not _SIGNATURE.match(sig):
        raise ValueError(f"not a valid gufunc signature: {signature!r}")
    ins, outs = sig.split("->")
    parse = lambda s: [tuple(d for d in core.split(",") if d)
                       for core in re.findall(r"\(([^)]*)\)", s)]
    return parse(ins), parse(outs)


class vectorize:
    """Apply ``pyfunc`` over the broadcast loop axes of its arguments, as ``numpy.vectorize``.

    Parameters
    ----------
    pyfunc : callable, optional
        The function of scalars (or of core-shaped arrays, with ``signature``).  Omit it to
        use ``vectorize(...)`` as a decorator with keywords.
    otypes : str or list of dtypes, optional
        Output dtypes; required for arguments with no elements, as in NumPy.
    doc : str, optional
        Docstring of the wrapper (default: ``pyfunc``'s).
    excluded : set of int or str, optional
        Positions or names of arguments passed to ``pyfunc`` unchanged.
    cache : bool, optional
        Accepted for NumPy compatibility; ``pyfunc`` is never called an extra time here.
    signature : str, optional
        Generalised-ufunc signature such as ``"(n),(n)->()"``.

    Notes
    -----
    ``pyfunc`` runs once on the whole batch under :func:`chainrule.vmap` when it can (fast,
    and differentiable in every mode).  When it branches in Python on a value, it is called
    element by element instead (NumPy's own semantics, slower); the result is the same and
    still differentiable.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> def ramp(x, a):
    ...     return a * x if x > 0 else 0.0
    >>> f = cnp.vectorize(ramp)
    >>> f(cnp.array([-1.0, 2.0, 3.0]), 2.0)
    array([0., 4., 6.])
    >>> cr.grad(lambda a: cnp.sum(f(cnp.array([-1.0, 2.0, 3.0]), a)))(2.0)
    np.float64(5.0)
    >>> dot = cnp.vectorize(lambda u, v: cnp.sum(u * v), signature="(n),(n)->()")
    >>> dot(cnp.ones((2, 3)), cnp.arange(3.0))
    array([3., 3.])
    """

    def __new__(cls, pyfunc=None, **kwargs):
        if pyfunc is None:
            return lambda f: cls(f, **kwargs)
        return super().__new__(cls)

    def __init__(self, pyfunc=None, otypes=None, doc=None, excluded=None, cache=False,
                 signature=None):
        if not callable(pyfunc):
            raise TypeError(f"vectorize needs a callable, got {type(pyfunc).__name__}")
        self.pyfunc = pyfunc
        self.cache = cache
        self.signature = signature
        self.excluded = set(excluded or ())
        if isinstance(otypes, str):
            otypes = list(otypes)
        self.otypes = None if otypes is None else [np.dtype(t) for t in otypes]
        self.__doc__ = pyfunc.__doc__ if doc is None else doc
        self._core = _parse_signature(signature) if signature is not None else None

    def __call__(self, *args, **kwargs):
        fixed_pos = {i: a for i, a in enumerate(args) if i in self.excluded}
        fixed_kw = {k: v for k, v in kwargs.items() if k in self.excluded}
        names = [k for k in kwargs if k not in self.excluded]
        mapped = [asarray_any(a) for i, a in enumerate(args) if i not in self.excluded]
        mapped += [asarray_any(kwargs[k]) for k in names]
        n_pos = len(mapped) - len(names)

        def call(*vals):
            pos, it = [], iter(vals[:n_pos])
            for i in range(len(args)):
                pos.append(fixed_pos[i] if i in fixed_pos else next(it))
            kw = dict(fixed_kw, **dict(zip(names, vals[n_pos:])))
            return self.pyfunc(*pos, **kw)

        in_cores, out_cores = self._cores(len(mapped))
        loop_shape, sizes = self._loop_shape(mapped, in_cores)
        n = int(np.prod(loop_shape, dtype=np.int64))
        flat = []
        for a, core in zip(mapped, in_cores):
            core_shape = shape_of(a)[len(shape_of(a)) - len(core):]
            flat.append(cnp.reshape(cnp.broadcast_to(a, loop_shape + core_shape),
                                    (n,) + core_shape))
        if n == 0:
            return self._empty(loop_shape, out_cores, sizes)
        try:
            outs = vmap(call)(*flat)
        except ConcretizationTypeError:
            outs = self._elementwise(call, flat, n)
        return self._finish(outs, loop_shape, out_cores, sizes)

    def _cores(self, n_args):
        if self._core is None:
            return [()] * n_args, None
        ins, outs = self._core
        if len(ins) != n_args:
            raise TypeError(f"wrong number of positional arguments: signature "
                            f"{self.signature!r} takes {len(ins)}, got {n_args}")
        return ins, outs

    def _loop_shape(self, mapped, in_cores):
        sizes = {}
        loops = []
        for a, core in zip(mapped, in_cores):
            shape = shape_of(a)
            if len(shape) < len(core):
                raise ValueError(f"input with shape {shape} has fewer dimensions than the "
                                 f"core dimensions {core} of signature {self.signature!r}")
            for name, size in zip(core, shape[len(shape) - len(core):]):
                if sizes.setdefault(name, size) != size:
                    raise ValueError(f"inconsistent size for core dimension {name!r}: "
                                     f"{sizes[name]} and {size}")
            loops.append(shape[:len(shape) - len(core)])
        return tuple(np.broadcast_shapes(*loops)) if loops else (), sizes

    def _elementwise(self, call, flat, n):
        results = [call(*(a[i] for a in flat)) for i in range(n)]
        multi = isinstance(results[0], tuple)
        columns = list(zip(*results)) if multi else [results]
        stacked = []
        for col in columns:
            if any(is_tracer(c) for c in col):
                stacked.append(cnp.stack([cnp.asarray(c) for c in col]))
            else:
                stacked.append(np.asarray(col))
        return tuple(stacked) if multi else stacked[0]

    def _finish(self, outs, loop_shape, out_cores, sizes):
        multi = isinstance(outs, tuple)
        outs = list(outs) if multi else [outs]
        if out_cores is not None and len(out_cores) != len(outs):
            raise ValueError(f"wrong number of outputs from pyfunc: signature "
                             f"{self.signature!r} has {len(out_cores)}, got {len(outs)}")
        if self.otypes is not None and len(self.otypes) != len(outs):
            raise ValueError(f"otypes names {len(self.otypes)} outputs, pyfunc returned "
                             f"{len(outs)}")
        done = []
        for k, out in enumerate(outs):
            core = shape_of(out)[1:]
            if out_cores is not None:
                want = out_cores[k]
                if len(core) != len(want) or any(
                        sizes.setdefault(d, s) != s for d, s in zip(want, core)):
                    raise ValueError(f"output {k} has core shape {core}, which does not match "
                                     f"{want} in signature {self.signature!r}")
            out = cnp.reshape(out, loop_shape + core)
            if self.otypes is not None:
                out = cnp.astype(out, self.otypes[k])
            done.append(out)
        return tuple(done) if multi else done[0]

    def _empty(self, loop_shape, out_cores, sizes):
        if self.otypes is None:
            raise ValueError("cannot call `vectorize` on size 0 inputs unless `otypes` is set")
        cores = out_cores or [()] * len(self.otypes)
        try:
            shapes = [loop_shape + tuple(sizes[d] for d in core) for core in cores]
        except KeyError as err:
            raise ValueError(f"cannot call `vectorize` with a signature including new output "
                             f"dimension {err.args[0]!r} on size 0 inputs") from None
        outs = [np.zeros(s, dtype=t) for s, t in zip(shapes, self.otypes)]
        return tuple(outs) if len(outs) > 1 else outs[0]
