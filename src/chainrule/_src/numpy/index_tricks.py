"""Index tricks: ``r_``, ``c_`` (concatenation with index syntax, differentiable) and
``s_``, ``index_exp``, ``mgrid``, ``ogrid`` (NumPy's own)."""

from __future__ import annotations

import numpy as np

from .. import lax
from ._util import dtype_of, ndim_of
from .conversion import contains_tracer
from .creation import array
from .manipulation import concatenate, transpose
from .passthrough import result_type

# --- index tricks: r_, c_, s_, index_exp, mgrid, ogrid ---------------------------------
# ``s_``/``index_exp`` build index tuples and ``mgrid``/``ogrid`` constant grids from slices:
# nothing to differentiate, so they are NumPy's own objects.
s_, index_exp, mgrid, ogrid = np.s_, np.index_exp, np.mgrid, np.ogrid


class _Concatenator:
    """``r_[...]`` / ``c_[...]``: NumPy's index-expression concatenation, differentiable in
    the traced pieces; with no traced piece the result is NumPy's own."""

    def __init__(self, numpy_version, axis, ndmin, trans1d):
        self._np = numpy_version
        self.axis, self.ndmin, self.trans1d = axis, ndmin, trans1d

    def __getitem__(self, key):
        items = key if isinstance(key, tuple) else (key,)
        if not any(contains_tracer(k) for k in items):
            return self._np[key]
        return self._concatenate(items)

    def _concatenate(self, items):
        axis, ndmin, trans1d = self.axis, self.ndmin, self.trans1d
        objs, dtypes, scalars = [], [], []
        for k, item in enumerate(items):
            if isinstance(item, str):
                if k != 0:
                    raise ValueError("special directives must be the first entry.")
                if item in ("r", "c"):
                    raise TypeError("r_/c_ with the 'r' or 'c' directive build numpy.matrix, "
                                    "which chainrule does not support")
                try:
                    parts = [int(p) for p in item.split(",")]
                except ValueError:
                    raise ValueError(f"unknown special directive {item!r}") from None
                axis = parts[0]
                if len(parts) > 1:
                    ndmin = parts[1]
                if len(parts) > 2:
                    trans1d = parts[2]
                continue
            if isinstance(item, slice):  # a constant range, as NumPy builds it
                start = 0 if item.start is None else item.start
                step = 1 if item.step is None else item.step
                if isinstance(step, complex):
                    new = np.linspace(start, item.stop, num=int(abs(step)))
                else:
                    new = np.arange(start, item.stop, step)
                if ndmin > 1:
                    new = np.array(new, copy=None, ndmin=ndmin)
                    if trans1d != -1:
                        new = new.swapaxes(-1, trans1d)
                dtypes.append(new.dtype)
            elif type(item) in (int, float, complex, bool):
                new = array(item, ndmin=max(ndmin, 1))
                scalars.append(len(objs))
                dtypes.append(item)
            else:
                item_ndim = ndim_of(item)
                new = array(item, ndmin=ndmin)
                if trans1d != -1 and item_ndim < ndmin:
                    k2, k1 = ndmin - item_ndim, trans1d
                    if k1 < 0:
                        k1 += k2 + 1
                    order = list(range(ndmin))
                    new = transpose(new, order[:k1] + order[k2:] + order[k1:k2])
                dtypes.append(new)
            objs.append(new)
        final = result_type(*dtypes)
        objs = [lax.convert_element_type(o, final) if dtype_of(o) != final else o
                for o in objs]
        return concatenate(objs, axis=axis)

    def __len__(self):
        return 0


class RConcatenator(_Concatenator):
    """``r_[...]``: concatenate along the first axis with index syntax, like
    :data:`numpy.r_` (slices become ranges); traced pieces stay differentiable.

    Examples
    --------
    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cnp.r_[cnp.array([1.0, 2.0]), 0.0, 0:2]
    array([1., 2., 0., 0., 1.])
    >>> cr.grad(lambda x: cnp.sum(cnp.r_[x, 2 * x, 1.0] ** 2))(3.0)
    np.float64(30.0)
    """

    def __init__(self):
        super().__init__(np.r_, 0, 1, -1)


class CConcatenator(_Concatenator):
    """``c_[...]``: stack 1-D pieces as columns (concatenate along the last axis, at least
    2-D), like :data:`numpy.c_`; traced pieces stay differentiable.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> cnp.c_[cnp.array([1.0, 2.0]), cnp.array([3.0, 4.0])]
    array([[1., 3.],
           [2., 4.]])
    """

    def __init__(self):
        super().__init__(np.c_, -1, 2, 0)


r_, c_ = RConcatenator(), CConcatenator()


__all__ = ["c_", "index_exp", "mgrid", "ogrid", "r_", "s_"]
