"""Primitives, abstract values, traces and tracers: the engine every transform shares.

A *primitive* is a named operation with rules (``impl``, ``abstract_eval``, ``jvp``,
``transpose``, ``batch``).  ``Primitive.bind`` hands the operation to the *current trace*,
held in a context variable.  The bottom of every stack is the eval trace, which runs
``impl`` on concrete arrays; a transform pushes a trace with a unique tag whose parent is
the trace that was current when it started.  A tracer is unwrapped only by the trace
whose tag it carries; to every other trace it is an ordinary constant.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from contextvars import ContextVar
from functools import lru_cache
from typing import Any, Callable

import numpy as np

# ---------------------------------------------------------------------------------------
# Array namespaces
# ---------------------------------------------------------------------------------------

# Plain values: NumPy arrays, NumPy scalars and Python numbers, recognised by one exact type
# test (no subclass, no tracer).  ``chainrule.numpy``'s fast path calls NumPy directly on them.
PLAIN_TYPES = frozenset({np.ndarray, float, int, bool, complex, np.float64, np.float32,
                         np.float16, np.int64, np.int32, np.int16, np.int8, np.uint8,
                         np.uint16, np.uint32, np.uint64, np.bool_, np.complex128,
                         np.complex64})
# Values whose namespace is NumPy without asking ``array_api_compat``.
_NUMPY_TYPES = PLAIN_TYPES | {np.longdouble}


# Array libraries other than NumPy: the NumPy spellings impl rules use, on a standard
# array API namespace.
#
# Impl rules are written ``xp.<numpy name>(...)``.  NumPy, CuPy and Dask spell their functions
# like NumPy; a library that follows only the Python array API standard (``array_api_strict``,
# a GPU library's standard namespace) names some of them differently (``atan`` for
# ``arctan``), takes dtypes by keyword only, and has no methods beyond the standard's.
# :class:`ArrayAPINamespace` puts NumPy's names on such a namespace; a name neither provides
# raises :class:`NotImplementedError` naming the function and the library, so that the
# primitive that needed it refuses with a clear error instead of computing with NumPy.

# NumPy spelling -> array API spelling, where only the name differs.
_RENAMED = {
    "arccos": "acos", "arccosh": "acosh", "arcsin": "asin", "arcsinh": "asinh",
    "arctan": "atan", "arctanh": "atanh", "arctan2": "atan2", "power": "pow",
    "absolute": "abs", "true_divide": "divide", "conjugate": "conj", "concatenate": "concat",
    "left_shift": "bitwise_left_shift", "right_shift": "bitwise_right_shift",
    "invert": "bitwise_invert", "bool_": "bool",
}


def _dtype(xp, dtype):
    if dtype is None:
        return None
    if not isinstance(dtype, (np.dtype, type, str)):
        return dtype  # already the library's own dtype object
    name = np.dtype(dtype).name
    return getattr(xp, name)


class MissingFunction(NotImplementedError, AttributeError):
    """A NumPy function the library lacks (an ``AttributeError`` too, so that ``hasattr``
    and ``getattr(xp, name, default)`` answer as for any missing attribute)."""


class ArrayAPINamespace:
    """NumPy's names over the standard array API namespace ``xp``."""

    def __init__(self, xp):
        self._xp = xp
        self.__name__ = xp.__name__

    def __getattr__(self, name):
        xp = self._xp
        target = _RENAMED.get(name, name)
        try:
            fn = getattr(xp, target)
        except AttributeError:
            raise MissingFunction(
                f"{xp.__name__} has no function {name!r} (it follows the array API standard, "
                "which does not include it)") from None
        if not callable(fn):
            return fn
        asarray = self.asarray

        def call(*args, **kwargs):
            # Constants the rules build with NumPy join the operands' library.
            args = [asarray(a) if isinstance(a, (np.ndarray, np.generic)) else a for a in args]
            if kwargs.get("dtype") is not None:
                kwargs["dtype"] = _dtype(xp, kwargs["dtype"])
            return fn(*args, **kwargs)
        call.__name__ = target
        return call

    def __repr__(self):
        return f"<NumPy names over {self.__name__}>"

    # Functions whose signature differs from NumPy's.
    def asarray(self, a, dtype=None, copy=None):
        xp = self._xp
        if isinstance(a, (np.ndarray, np.generic)):
            # NumPy's arrays enter the library through DLPack, the standard's exchange.
            out = xp.from_dlpack(np.asarray(a))
            return out if dtype is None else xp.astype(out, _dtype(xp, dtype))
        return xp.asarray(a, dtype=_dtype(xp, dtype), copy=copy)

    def astype(self, x, dtype, copy=True):
        return self._xp.astype(x, _dtype(self._xp, dtype), copy=copy)

    def zeros(self, shape, dtype=None):
        return self._xp.zeros(shape, dtype=_dtype(self._xp, dtype or np.float64))

    def ones(self, shape, dtype=None):
        return self._xp.ones(shape, dtype=_dtype(self._xp, dtype or np.float64))

    def empty(self, shape, dtype=None):
        return self._xp.empty(shape, dtype=_dtype(self._xp, dtype or np.float64))

    def full(self, shape, fill_value, dtype=None):
        return self._xp.full(shape, fill_value, dtype=_dtype(self._xp, dtype))

    def zeros_like(self, x, dtype=None):
        return self._xp.zeros_like(x, dtype=_dtype(self._xp, dtype))

    def ones_like(self, x, dtype=None):
        return self._xp.ones_like(x, dtype=_dtype(self._xp, dtype))

    def where(self, condition, x, y):
        if not hasattr(x, "shape") and not hasattr(y, "shape"):
            x = self._xp.asarray(x)  # the standard takes at most one Python scalar
        return self._xp.where(*(self.asarray(a) if isinstance(a, np.ndarray) else a
                                for a in (condition, x, y)))

    def concatenate(self, arrays, axis=0):
        return self._xp.concat([self.asarray(a) if isinstance(a, (np.ndarray, np.generic))
                                else a for a in arrays], axis=axis)

    def stack(self, arrays, axis=0):
        return self._xp.stack([self.asarray(a) if isinstance(a, (np.ndarray, np.generic))
                               else a for a in arrays], axis=axis)

    def _bool(self, x):
        return x if str(x.dtype).endswith("bool") else self._xp.astype(x, self._xp.bool)

    def logical_and(self, a, b):
        return self._xp.logical_and(self._bool(a), self._bool(b))

    def logical_or(self, a, b):
        return self._xp.logical_or(self._bool(a), self._bool(b))

    def logical_xor(self, a, b):
        return self._xp.logical_xor(self._bool(a), self._bool(b))

    def logical_not(self, a):
        return self._xp.logical_not(self._bool(a))

    def round(self, x, decimals=0):
        if decimals == 0:
            return self._xp.round(x)
        scale = 10.0 ** decimals  # NumPy's own method: scale, round half to even, unscale
        return self._xp.round(x * scale) / scale

    # NumPy functions outside the standard, from standard ones where that is exact.
    def exp2(self, x):
        return self._xp.pow(2.0, x)

    def rint(self, x):
        return self._xp.round(x)  # both round half to even

    def isposinf(self, x):
        return x == float("inf")

    def isneginf(self, x):
        return x == -float("inf")

    def heaviside(self, x, h):
        xp = self._xp
        return xp.where(x < 0, 0.0, xp.where(x > 0, 1.0, xp.where(xp.isnan(x), x, h)))

    def imag(self, x):
        if "complex" in str(x.dtype):
            return self._xp.imag(x)
        return self._xp.zeros_like(x)  # NumPy: a real array's imaginary part is zero

    def real(self, x):
        return self._xp.real(x) if "complex" in str(x.dtype) else x

    @property
    def linalg(self):
        return _StandardLinalg(self)

    @property
    def fft(self):
        return _StandardFFT(self)

    def transpose(self, x, axes=None):
        axes = tuple(reversed(range(x.ndim))) if axes is None else tuple(axes)
        return self._xp.permute_dims(x, axes)

    def swapaxes(self, x, a, b):
        axes = list(range(x.ndim))
        axes[a], axes[b] = axes[b], axes[a]
        return self._xp.permute_dims(x, tuple(axes))

    def cumsum(self, x, axis=None, dtype=None):
        return self._xp.cumulative_sum(x, axis=axis, dtype=_dtype(self._xp, dtype))

    def cumprod(self, x, axis=None, dtype=None):
        return self._xp.cumulative_prod(x, axis=axis, dtype=_dtype(self._xp, dtype))

    def sum(self, x, axis=None, dtype=None, keepdims=False):
        axis = tuple(axis) if isinstance(axis, list) else axis
        return self._xp.sum(x, axis=axis, dtype=_dtype(self._xp, dtype), keepdims=keepdims)

    def prod(self, x, axis=None, dtype=None, keepdims=False):
        axis = tuple(axis) if isinstance(axis, list) else axis
        return self._xp.prod(x, axis=axis, dtype=_dtype(self._xp, dtype), keepdims=keepdims)


class _Submodule:
    """NumPy's signatures over a standard extension module (``linalg``, ``fft``)."""

    def __init__(self, ns, name):
        self._ns, self._mod, self._name = ns, getattr(ns._xp, name, None), name

    def __getattr__(self, name):
        fn = getattr(self._mod, name, None)
        if fn is None:
            raise MissingFunction(
                f"{self._ns.__name__} has no function {self._name}.{name!r} (it follows the "
                "array API standard, which does not include it)")
        return fn


class _StandardLinalg(_Submodule):
    def __init__(self, ns):
        super().__init__(ns, "linalg")

    def svd(self, a, full_matrices=True, compute_uv=True):
        if not compute_uv:
            return self.__getattr__("svdvals")(a)
        return self.__getattr__("svd")(a, full_matrices=full_matrices)

    def eigh(self, a, UPLO="L"):
        # The standard reads the lower triangle; NumPy's UPLO="U" reads the upper one, which
        # is the lower triangle of the conjugate transpose.
        xp = self._ns._xp
        if UPLO == "U":
            a = xp.matrix_transpose(a)
            a = xp.conj(a) if "complex" in str(a.dtype) else a
        return self.__getattr__("eigh")(a)

    def pinv(self, a, rcond=None):
        return self.__getattr__("pinv")(a, rtol=rcond)


class _StandardFFT(_Submodule):
    def __init__(self, ns):
        super().__init__(ns, "fft")

    def _complex(self, x):
        if "complex" in str(x.dtype):
            return x
        xp = self._ns._xp
        return xp.astype(x, xp.complex64 if str(x.dtype).endswith("float32") else xp.complex128)

    def fftn(self, x, s=None, axes=None, norm=None):
        return self.__getattr__("fftn")(self._complex(x), s=s, axes=axes, norm=norm or "backward")

    def ifftn(self, x, s=None, axes=None, norm=None):
        return self.__getattr__("ifftn")(self._complex(x), s=s, axes=axes,
                                         norm=norm or "backward")


_WRAPPED: dict = {}


def wrap_namespace(xp):
    """``xp`` itself when it spells functions like NumPy, else its :class:`ArrayAPINamespace`
    (one per library, so that namespaces compare with ``is``)."""
    name = xp.__name__
    if name.startswith(("numpy", "cupy", "dask")):
        return xp
    try:
        return _WRAPPED[name]
    except KeyError:
        return _WRAPPED.setdefault(name, ArrayAPINamespace(xp))


def astype(xp, x, dtype, copy=True):
    """``x`` cast to ``dtype``: the method where the array has one (NumPy, CuPy, Dask), else
    the standard's ``xp.astype``."""
    if hasattr(x, "astype"):
        return x.astype(dtype, copy=copy)
    return xp.astype(x, dtype, copy=copy)


def require_numpy(xp, prim, reason):
    """Refuse, naming primitive ``prim`` and the library, an impl that computes with NumPy
    (``reason``: what it needs) on arrays other than NumPy's (Dask's convert lazily)."""
    if xp is np or xp.__name__.startswith("dask"):
        return
    raise NotImplementedError(
        f"primitive {prim!r} {reason} and does not support {xp.__name__} arrays; convert "
        "the operands to NumPy arrays (numpy.from_dlpack) to use it")


def namespace_of(args) -> Any:
    """Array namespace (``numpy``, ``cupy``, ``dask.array``...) of concrete ``args``.

    NumPy arrays and Python scalars cost one type check each; anything else goes through
    ``array_api_compat``, which also rejects mixed namespaces.
    """
    for a in args:
        if type(a) not in _NUMPY_TYPES:
            return _foreign_namespace(args)
    return np


def _foreign_namespace(args):
    import array_api_compat

    arrays = [a for a in args if type(a) not in _NUMPY_TYPES
              and not isinstance(a, (np.generic, list, tuple))]
    for a in arrays:
        if isinstance(a, Tracer):
            raise escaped_tracer_error(a)
    if not arrays:
        return np
    try:
        xp = array_api_compat.array_namespace(*arrays)
    except TypeError as e:
        raise TypeError(
            "chainrule cannot combine arrays of types "
            f"{sorted({type(a).__name__ for a in arrays})}: "
            f"{e}. Convert them to one array library (for example with numpy.asarray) first."
        ) from None
    name = xp.__name__
    # Prefer the library's own module: chainrule calls NumPy-style functions on it.
    if "numpy" in name:
        return np
    if "cupy" in name:
        import cupy

        return cupy
    if "dask" in name:
        import dask.array

        return dask.array
    return wrap_namespace(xp)


def apply_impl(prim, xp, args, params):
    """``prim.impl`` on concrete ``args`` of namespace ``xp``; on a library other than
    NumPy, a function or method the rule needs that the library lacks becomes an error
    naming the primitive and the library."""
    if xp is np:
        return prim.impl(xp, *args, **params)
    try:
        return prim.impl(xp, *args, **params)
    except (AttributeError, TypeError, NotImplementedError) as e:
        if isinstance(e, NotImplementedError) and "primitive '" in str(e):
            # already names the primitive (this one, or one its rule or program applies)
            raise
        raise NotImplementedError(
            f"primitive {prim.name!r} does not support {xp.__name__} arrays: "
            f"{type(e).__name__}: {e}. Convert the operands to NumPy arrays "
            "(numpy.from_dlpack) to use it.") from e


def lazy_broadcasts(xp, args):
    """Replace NumPy broadcast views among Dask ``args`` by lazily broadcast Dask arrays.

    Seeds and constants (the cotangent of a sum, a scalar broadcast to the data's shape) are
    NumPy views with zero strides: Dask would embed them in its graph as full-size arrays,
    so a gradient's graph would grow with the data.  Only the view's distinct values travel;
    each chunk is broadcast where it is computed, with the chunks of the Dask argument.
    """
    ref = None
    for a in args:
        if isinstance(a, xp.Array):
            ref = a if ref is None or a.ndim > ref.ndim else ref
    if ref is None:
        return args
    out = list(args)
    for i, a in enumerate(args):
        if type(a) is np.ndarray and a.ndim and 0 in a.strides and a.size > 1:
            core = a[tuple(slice(0, 1) if s == 0 else slice(None) for s in a.strides)]
            out[i] = _broadcast_like(xp, np.ascontiguousarray(core), a.shape, ref)
    return out


def _broadcast_like(xp, core, shape, ref):
    # Chunks of the result: those of the Dask argument on the axes they share (aligned on
    # the right, as broadcasting is), one chunk elsewhere.
    lead = len(shape) - ref.ndim
    chunks = tuple(ref.chunks[ax - lead] if ax >= lead and ref.shape[ax - lead] == n else (n,)
                   for ax, n in enumerate(shape))
    src = xp.from_array(core, chunks=tuple(c if k > 1 else (1,)
                                           for c, k in zip(chunks, core.shape)))
    return xp.broadcast_to(src, shape, chunks=chunks)


# ---------------------------------------------------------------------------------------
# Abstract values
# ---------------------------------------------------------------------------------------


def numpy_dtype(dtype) -> np.dtype:
    """The NumPy dtype of ``dtype``, which may be another array library's dtype object.

    The engine keeps NumPy dtypes in its abstract values whatever the backend: a library
    whose dtype objects NumPy does not understand (``array_api_strict.float64``,
    ``torch.float64``) is mapped by the dtype's name.
    """
    try:
        return np.dtype(dtype)
    except TypeError:
        name = str(dtype).rsplit(".", 1)[-1]
        try:
            return np.dtype(name)
        except TypeError:
            raise TypeError(f"chainrule does not know the dtype {dtype!r}") from None


def backend_dtype(xp, dtype):
    """The dtype object of namespace ``xp`` for the NumPy dtype ``dtype``."""
    if xp is np or xp.__name__.startswith(("cupy", "dask")):
        return dtype
    name = np.dtype(dtype).name
    return getattr(xp, "bool" if name == "bool" else name)


class ShapedArray:
    """Shape and dtype of a value, without its data.

    ``weak_type`` marks values that came from Python scalars: they take the dtype of the
    arrays they meet, as in NumPy 2 (``x32 * 2.0`` stays float32).
    """

    __slots__ = ("shape", "dtype", "weak_type")

    def __init__(self, shape, dtype, weak_type=False):
        self.shape = shape if type(shape) is tuple else tuple(shape)
        self.dtype = dtype if isinstance(dtype, np.dtype) else numpy_dtype(dtype)
        self.weak_type = weak_type

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return math.prod(self.shape)

    def __eq__(self, other):
        return (isinstance(other, ShapedArray) and self.shape == other.shape
                and self.dtype == other.dtype and self.weak_type == other.weak_type)

    def __hash__(self):
        return hash((self.shape, self.dtype, self.weak_type))

    def __repr__(self):
        dims = ",".join(map(str, self.shape))
        return f"{self.dtype.name}[{dims}]" + ("{weak}" if self.weak_type else "")

    def dummy(self):
        """A 0-d stand-in with this dtype, used to ask NumPy for result dtypes."""
        if self.weak_type:
            return {"f": 0.0, "c": 0j, "b": False}.get(self.dtype.kind, 0)
        return np.zeros((), self.dtype)


_SCALAR_DTYPES = {float: np.dtype(np.float64), int: np.dtype(np.int64),
                  bool: np.dtype(np.bool_), complex: np.dtype(np.complex128)}
# Python numbers (weakly typed: they take the dtype of the arrays they meet).
PYTHON_SCALARS = frozenset(_SCALAR_DTYPES)


_SCALAR_AVALS = {t: ShapedArray((), d, weak_type=True) for t, d in _SCALAR_DTYPES.items()}
# Abstract values are never mutated, so NumPy arrays of one shape and dtype share one.
_ARRAY_AVALS: dict = {}


def get_aval(x) -> ShapedArray:
    """The abstract value of ``x`` (a tracer, an array or a Python scalar)."""
    t = type(x)
    if t is np.ndarray:
        key = (x.shape, x.dtype)
        try:
            return _ARRAY_AVALS[key]
        except KeyError:
            aval = ShapedArray(*key)
            if len(_ARRAY_AVALS) < 4096:
                _ARRAY_AVALS[key] = aval
            return aval
    if isinstance(x, Tracer):
        return x.aval
    if t in _SCALAR_AVALS:
        return _SCALAR_AVALS[t]
    try:
        return ShapedArray(x.shape, x.dtype)
    except AttributeError:
        raise TypeError(
            f"chainrule got a value of type {t.__name__}, which is not an array or number. "
            "Pass NumPy arrays, Python numbers or pytrees (tuples, lists, dicts) of them."
        ) from None


def dtype_of(x) -> np.dtype:
    """The dtype of ``x`` without building its abstract value (a hot helper)."""
    if isinstance(x, Tracer):
        return x.aval.dtype
    t = type(x)
    if t in _SCALAR_DTYPES:
        return _SCALAR_DTYPES[t]
    dtype = x.dtype
    return dtype if isinstance(dtype, np.dtype) else numpy_dtype(dtype)


def shape_of(x) -> tuple:
    """The shape of ``x`` without building its abstract value (a hot helper)."""
    if isinstance(x, Tracer):
        return x.aval.shape
    return getattr(x, "shape", ())


def real_dtype(dtype) -> np.dtype:
    """The real floating-point dtype of the same precision (float64 for complex128)."""
    return np.finfo(np.dtype(dtype)).dtype


def is_float_dtype(dtype) -> bool:
    """True for dtypes that carry derivatives: real floating point and complex."""
    if not isinstance(dtype, np.dtype):
        dtype = np.dtype(dtype)
    return dtype.kind in "fc"


# ---------------------------------------------------------------------------------------
# Symbolic zeros
# ---------------------------------------------------------------------------------------


class Zero:
    """A tangent or cotangent known to be zero: operations on it are skipped."""

    __slots__ = ("_aval", "_like")

    def __init__(self, aval: ShapedArray):
        self._aval = aval

    @property
    def aval(self) -> ShapedArray:
        if self._aval is None:  # made by ``like``: most are skipped before anyone asks
            self._aval = tangent_aval(get_aval(self._like))
        return self._aval

    def __repr__(self):
        return f"Zero({self.aval})"

    @staticmethod
    def like(x):
        z = Zero(None)
        z._like = x
        return z


def tangent_aval(aval: ShapedArray) -> ShapedArray:
    return ShapedArray(aval.shape, aval.dtype, aval.weak_type)


def instantiate(t):
    """Turn a symbolic zero into an array of zeros; leave anything else as it is."""
    if type(t) is Zero:
        return np.zeros(t.aval.shape, t.aval.dtype)
    return t


# ---------------------------------------------------------------------------------------
# Primitives
# ---------------------------------------------------------------------------------------

primitives: dict[str, Primitive] = {}


class Primitive:
    """A named operation and its transformation rules.

    Rules are set right after the primitive is created (see ``_src/lax``):

    - ``impl(xp, *arrays, **params)``: compute on concrete arrays of namespace ``xp``.
    - ``abstract_eval(*avals, **params)``: output ``ShapedArray`` (a list of them when
      ``multiple_results``).
    - ``jvp(primals, tangents, **params) -> (primal_out, tangent_out)``; tangents may be
      ``Zero``.  Written with chainrule operations, so it is itself differentiable.
    - ``transpose(cotangent, *args, **params)``: for linear primitives only; linear
      arguments arrive as ``UndefinedPrimal``.  Returns one cotangent (or None) per arg.
    - ``batch(axis_size, values, batch_dims, **params)``: the vmap rule.

    Facts that passes and code generation read are declared here too, set where the
    primitive is defined (never in tables keyed by name):

    - ``np_name``: the NumPy function that computes it with no params (generated code
      calls ``xp.<np_name>`` directly); ``emit(eqn, atom, callee, namespace)``: source
      lines computing an equation, for primitives that write their own code.
    - ``commutative``: ``op(x, y)`` and ``op(y, x)`` are the same value, in IEEE
      arithmetic too (common-subexpression elimination).
    - ``multilinear``: linear in each operand separately, like a matrix product (a saved
      output's tangent needs no recomputation of the product: ``checkpoint``).
    - ``allocates``: ``impl`` returns a new array, never a view of an operand (generated
      code need not copy its outputs).
    - ``scaling``: for elementwise primitives whose derivative on real floating-point
      values multiplies each argument's tangent elementwise, one entry per argument:
      ``None`` (no derivative) or ``(op, coefficient)`` with ``op`` one of ``"same"``,
      ``"neg"``, ``"mul"``, ``"div"`` and ``coefficient(ans, *primals, **params)`` (for
      ``"mul"``/``"div"``). Set by ``defjvp``/``defjvp_scaled`` (``lax/_rules.py``); eager
      reverse mode records such operations on a flat tape (``docs/design/eager-reverse.md``).
      ``reduce_sum`` declares ``"sum"`` (its coefficient: the operand's shape with the
      summed axes of length 1), transposed by broadcasting.
    - ``tape_linear(primals, **params) -> (ans, ops)`` or None: for primitives linear in
      each argument that are not elementwise (reshape, transpose, matrix product), their
      value on real float NumPy arrays and one ``(op, c)`` per argument, transposed by
      ``backward_pass`` (``op``: ``"reshape"``, ``"transpose"``, ``"matmul_r"`` or
      ``"matmul_l"``); None where the lane does not apply. Eager reverse mode records them
      on the tape too.
    - ``numpy_kernel(eqn)``: a function of the equation's operands computing it on NumPy
      arrays of their avals, specialized once when the code is generated (say the FFT
      gufunc with its scale and output allocation bound), or None where the generic call of
      ``impl`` with the params applies.
    - ``numexpr``: ``(kind, spelling, operand dtypes)`` of the operation in a numexpr
      expression, and ``fusion_cost``: ``{dtype: (NumPy ns per element, numexpr time /
      NumPy time)}``, measured (elementwise fusion under ``jit``).

    Higher-order primitives (an inner program in their params: jit's call, control flow,
    custom rules under jit) set ``higher_order`` and may declare (``docs/design/
    higher-order.md``):

    - ``expand(*args, **params)``: the call as ordinary operations on the current trace
      (its inner program evaluated there), or ``NotImplemented`` when that needs values the
      trace does not know (then ``jvp``/``linearize`` apply; a primitive with no rule for
      abstract values raises a clear error instead).  Differentiation traces try it first.
    - ``linearize(primals, tangents, **params) -> (primal_out, linear)``: reverse mode in
      two phases, run on the parent trace; ``linear()`` is then called on the tangent
      recorder and returns the output tangents.  Without it reverse mode uses ``jvp``.
    """

    def __init__(self, name: str, *, multiple_results: bool = False):
        if name in primitives:
            raise ValueError(f"primitive {name!r} is already registered")
        self.name = name
        self.multiple_results = multiple_results
        self.impl: Callable | None = None
        self.abstract_eval: Callable | None = None
        self.jvp: Callable | None = None
        self.transpose: Callable | None = None
        self.batch: Callable | None = None
        self.np_name: str | None = None
        self.emit: Callable | None = None
        self.numpy_kernel: Callable | None = None
        self.commutative = False
        self.multilinear = False
        self.allocates = False
        self.scaling: tuple | None = None
        self.tape_linear: Callable | None = None
        self.numexpr: tuple | None = None
        self.fusion_cost: dict | None = None
        self.higher_order = False
        self.expand: Callable | None = None
        self.linearize: Callable | None = None
        primitives[name] = self

    def __repr__(self):
        return self.name

    def bind(self, *args, **params):
        for a in args:
            if type(a) not in _NUMPY_TYPES:
                break
        else:
            # NumPy values are constants to every trace: the value is simply computed
            # (namespace_of's NumPy case, inline: derivative rules compute their
            # coefficients this way, so this is the hottest path).
            return self.impl(np, *args, **params)
        trace = trace_context.get()
        if trace is not EVAL:
            for a in args:
                if isinstance(a, Tracer):
                    return trace.process(self, args, params)
            # Constants to every trace: the value is simply computed.
        xp = namespace_of(args)
        if xp is np:  # the common case, without apply_impl's extra call
            return self.impl(xp, *args, **params)
        if xp.__name__ == "dask.array":
            args = lazy_broadcasts(xp, args)
        return apply_impl(self, xp, args, params)


# ---------------------------------------------------------------------------------------
# Traces
# ---------------------------------------------------------------------------------------

_tags = itertools.count()


class Trace:
    """One level of transformation.  Subclasses implement ``process`` and may override
    how they handle functions with custom rules (``process_custom``); the questions below
    are what code outside ``interpreters/`` may ask of a trace."""

    name = "trace"
    # Whether this trace records operations into a program instead of running them.
    stages = False
    # Whether it is jit's staging (not the tangent recorder of reverse mode): calls with
    # custom rules are then kept whole, for a transform of the compiled program.
    stages_calls = False

    def __init__(self, parent: Trace | None):
        self.parent = parent
        self.tag = next(_tags)
        self.alive = True

    def process(self, prim: Primitive, args, params):
        raise NotImplementedError  # pragma: no cover - abstract

    def owns(self, x) -> bool:
        """Whether ``x`` is a tracer of this trace (not of another, not a constant)."""
        return isinstance(x, Tracer) and x._trace is self

    def records_reverse(self) -> bool:
        """Whether reverse mode records what runs on this trace (perhaps through vmaps)."""
        return False

    def process_custom(self, fn, args, nondiff, leaves, in_tree):
        """Apply ``fn`` (a ``custom_jvp``/``custom_vjp`` function) to ``args``, some of
        whose differentiable ``leaves`` (of structure ``in_tree``; the ``nondiff``
        arguments apart) are this trace's values.  By default the function itself runs."""
        return fn.fun(*args)

    def bind_on_parent(self, prim: Primitive, args, params):
        """Run ``prim`` on the parent trace: ``args`` hold nothing for this trace."""
        if self.parent is EVAL:  # impl rules never re-enter bind: skip the trace switch
            xp = namespace_of(args)
            if xp is np:
                return prim.impl(xp, *args, **params)
            return apply_impl(prim, xp, args, params)
        with set_current_trace(self.parent):
            return prim.bind(*args, **params)

    def __repr__(self):
        return f"{type(self).__name__}(tag={self.tag})"


class EvalTrace(Trace):
    """The bottom of every stack: runs a primitive's ``impl`` on concrete values."""

    name = "eval"

    def process(self, prim, args, params):
        xp = namespace_of(args)
        if xp is np:
            return prim.impl(xp, *args, **params)
        return apply_impl(prim, xp, args, params)


EVAL = EvalTrace(None)
trace_context: ContextVar[Trace] = ContextVar("chainrule_trace", default=EVAL)


def current_trace() -> Trace:
    return trace_context.get()


class set_current_trace:
    """Context manager: make ``trace`` the current trace (a plain class: this is hot)."""

    __slots__ = ("trace", "token")

    def __init__(self, trace: Trace):
        self.trace = trace

    def __enter__(self):
        self.token = trace_context.set(self.trace)

    def __exit__(self, *exc):
        trace_context.reset(self.token)


@contextlib.contextmanager
def new_trace(trace: Trace):
    """Make ``trace`` current for the duration of a transform, then invalidate it."""
    token = trace_context.set(trace)
    try:
        yield trace
    finally:
        trace_context.reset(token)
        trace.alive = False


def trace_chain():
    t = trace_context.get()
    while t is not None:
        yield t
        t = t.parent


# ---------------------------------------------------------------------------------------
# Tracers
# ---------------------------------------------------------------------------------------


class Tracer:
    """A value flowing through a transform.  Array methods are attached in ``_src/numpy``."""

    __slots__ = ("_trace",)
    __array_priority__ = 1000

    @property
    def aval(self) -> ShapedArray:
        raise NotImplementedError  # pragma: no cover - abstract

    shape = property(lambda self: self.aval.shape)
    dtype = property(lambda self: self.aval.dtype)
    ndim = property(lambda self: self.aval.ndim)
    size = property(lambda self: self.aval.size)

    @property
    def alive(self) -> bool:
        """Whether the transform this value flows through is still running."""
        return self._trace.alive

    @property
    def trace_name(self) -> str:
        """The name of the transform this value flows through (``jit``, ``vmap``...)."""
        return self._trace.name

    def __len__(self):
        if not self.aval.shape:
            raise TypeError("len() of unsized object (a 0-d traced array)")
        return self.aval.shape[0]

    def __repr__(self):
        return f"{type(self).__name__}<{self.aval}>(from {self._trace.name})"

    def check_usable(self):
        """Raise the right error if this tracer is used outside its transform."""
        if not self._trace.alive:
            raise leaked_tracer_error(self)
        if not any(t is self._trace for t in trace_chain()):
            raise escaped_tracer_error(self)


def is_tracer(x) -> bool:
    """Whether ``x`` is a value flowing through a chainrule transform (a tracer), rather
    than a concrete array or number.

    Libraries built on chainrule use it to tell values being traced or differentiated
    from data they may inspect.

    Examples
    --------
    >>> import chainrule as cr
    >>> from chainrule.core import is_tracer
    >>> is_tracer(1.0), cr.grad(lambda x: float(is_tracer(x)) * x)(2.0)
    (False, np.float64(1.0))
    """
    # Plain arrays and numbers, the common case, cost one exact type test.
    return type(x) not in PLAIN_TYPES and isinstance(x, Tracer)


class LeakedTracerError(RuntimeError):
    """A tracer was used after the transform that created it returned."""


class ConcretizationTypeError(TypeError):
    """Python needed the numbers of a value that a transform only knows abstractly (its
    shape and dtype under ``jit``, a whole batch under ``vmap``): ``float(x)``,
    ``numpy.asarray(x)``, ``if x:``."""


def leaked_tracer_error(tracer):
    return LeakedTracerError(
        f"A traced value of shape {tracer.aval.shape} and dtype {tracer.aval.dtype} created by "
        f"`{tracer._trace.name}` was used after `{tracer._trace.name}` returned (a leaked tracer). "
        "This happens when a function under a transform stores an intermediate value outside "
        "(in a global, a list or an object attribute) and it is used later. Return the value "
        "from the transformed function instead, or store chainrule.stop_gradient(value) only "
        "while the transform runs."
    )


def escaped_tracer_error(tracer):
    if not tracer._trace.alive:
        return leaked_tracer_error(tracer)
    return LeakedTracerError(
        f"A traced value from `{tracer._trace.name}` reached a computation that runs outside "
        "that transform (for example a custom_jvp/custom_vjp rule or a callback that captures "
        "it from a global). Pass the value as an explicit argument instead."
    )


def innermost_value(x):
    """What lies behind the differentiation tracers around ``x``: a concrete value, or the
    tracer of a transform that knows it only abstractly (jit's staging, a vmap batch)."""
    while isinstance(x, Tracer):
        inner = getattr(x, "primal", None)
        if inner is None:
            return x
        x = inner
    return x


def concrete_value(x):
    """The concrete array behind ``x`` (through differentiation tracers), or None if ``x``
    is only known abstractly (staged)."""
    while isinstance(x, Tracer):
        x = getattr(x, "primal", None)
        if x is None:
            return None
    return x


# ---------------------------------------------------------------------------------------
# Helpers shared by rules
# ---------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _result_dtype_cached(fn, key, params):
    dummies = [ShapedArray((), d, w).dummy() for d, w in key]
    with np.errstate(all="ignore"):
        out = fn(np, *dummies, **dict(params))
    return np.result_type(out)


_result_dtypes: dict = {}


def elementwise_result_dtype(prim: Primitive, avals, params) -> tuple[np.dtype, bool]:
    """Dtype NumPy gives for ``prim`` on these avals, and whether the result stays weak."""
    key = (prim, *[(a.dtype, a.weak_type) for a in avals], *params.items())
    try:
        return _result_dtypes[key]
    except KeyError:
        dtypes = tuple((a.dtype, a.weak_type) for a in avals)
        dtype = _result_dtype_cached(prim.impl, dtypes, tuple(sorted(params.items())))
        out = _result_dtypes[key] = (dtype, all(a.weak_type for a in avals))
        return out


def broadcast_shapes(*shapes):
    first = shapes[0]
    if all(s == first for s in shapes):
        return first
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(
            "operands could not be broadcast together with shapes "
            + " ".join(str(s) for s in shapes)
            + ". Check the sizes of your arrays, or insert axes with x[:, None]."
        ) from None
