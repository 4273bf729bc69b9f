"""Make tracers behave like ``numpy.ndarray``: operators, methods and NumPy's protocols.

Plain NumPy calls on a tracer (``numpy.sin(t)``, ``numpy.sum(t)``, ``np.ones(3) * t``)
arrive through ``__array_ufunc__`` / ``__array_function__`` and are routed to
``chainrule.numpy``; where that is impossible (``numpy.asarray(t)``, ``float(t)`` on a value
that carries a derivative) the error says so instead of silently dropping the derivative.
"""

from __future__ import annotations

import sys

from ..core import ConcretizationTypeError, Tracer, innermost_value, is_tracer
from ..interpreters.staging import TracerBoolConversionError
from .indexing import IndexUpdateHelper
from .ufuncs import TRACED_UFUNCS

_AT_HELP = ("Write `x = chainrule.numpy.at(x)[idx].set(v)` (or `x = x.at[idx].set(v)`; also "
            ".add, .multiply, .min, .max), which returns the updated array.")


def _cnp():
    return sys.modules["chainrule.numpy"]  # imported by then; avoids an import per operator


# --- operators -------------------------------------------------------------------------
def _binary(name, reflected=False):
    fn = None

    def op(self, other):
        nonlocal fn
        if fn is None:
            fn = getattr(_cnp(), name)
            fn = TRACED_UFUNCS.get(fn, fn)  # NumPy's ufunc: skip its dispatch back to us
        return fn(other, self) if reflected else fn(self, other)
    op.__name__ = f"__{'r' if reflected else ''}{name}__"
    return op


_OPERATORS = {
    "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "divide",
    "floordiv": "floor_divide", "mod": "remainder", "pow": "power", "matmul": "matmul",
    "and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor",
    "lshift": "left_shift", "rshift": "right_shift", "divmod": "divmod",
}
for _op, _fn in _OPERATORS.items():
    setattr(Tracer, f"__{_op}__", _binary(_fn))
    setattr(Tracer, f"__r{_op}__", _binary(_fn, reflected=True))
for _op, _fn in {"lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal",
                 "eq": "equal", "ne": "not_equal"}.items():
    setattr(Tracer, f"__{_op}__", _binary(_fn))
Tracer.__hash__ = None
Tracer.__neg__ = lambda self: _cnp().negative(self)
Tracer.__pos__ = lambda self: self
Tracer.__abs__ = lambda self: _cnp().abs(self)
Tracer.__invert__ = lambda self: _cnp().invert(self)
Tracer.__round__ = lambda self, ndigits=None: _cnp().round(self, ndigits or 0)


def _getitem(self, index):
    return _cnp().getitem(self, index)


def _setitem(self, index, value):
    raise TypeError(
        "chainrule arrays are immutable inside a transform: `x[idx] = v` would silently break "
        f"the derivative. {_AT_HELP}")


def _iter(self):
    if not self.shape:
        raise TypeError("iteration over a 0-d array")
    return (self[i] for i in range(self.shape[0]))


def _abstract_base(tracer):
    """The innermost tracer behind ``tracer`` whose numbers Python cannot see (a value that
    jit only knows by shape and dtype, or a batch under vmap), or None when the numbers
    are known and only a derivative rides on them (grad, jvp)."""
    base = innermost_value(tracer)
    return base if is_tracer(base) else None


_ABSTRACT_HELP = (
    "Under jit a value has a shape and a dtype but no numbers yet; under vmap it stands for "
    "a whole batch of values. Use chainrule.numpy operations; for a loop that stops on a "
    "value use chainrule.lax.while_loop (or lax.cond / fori_loop / scan); to run outside "
    "NumPy/SciPy code on the value, call it through chainrule.pure_callback (inside "
    "custom_jvp to give it a derivative).")


def _abstract_what(base):
    return (f"a value that `{base.trace_name}` only knows abstractly (shape "
            f"{base.aval.shape}, dtype {base.aval.dtype})")


def _scalar_conversion(kind):
    def convert(self):
        self.check_usable()
        base = _abstract_base(self)
        if base is not None:
            raise ConcretizationTypeError(
                f"{kind}() needs the number of {_abstract_what(base)}. {_ABSTRACT_HELP}")
        raise TypeError(
            f"{kind}() of a value that is being differentiated would drop its derivative "
            f"(silently giving a zero gradient). Keep it as an array and use chainrule.numpy "
            f"operations; if you really want a constant, use "
            f"{kind}(chainrule.stop_gradient(x)).")
    convert.__name__ = kind
    return convert


def _bool(self):
    # Truth value of a value known now: the derivative of a branch decision is zero, so
    # Python control flow on values works under grad and jvp.
    self.check_usable()
    base = innermost_value(self)
    if is_tracer(base) and type(base).__bool__ is _bool:
        # A batch (vmap): one truth value per example, which Python's `if` cannot take.
        raise TracerBoolConversionError(
            f"Python control flow (if/while/break/and/or/bool()) depends on "
            f"{_abstract_what(base)}. Use chainrule.numpy.where for elementwise choices. "
            f"{_ABSTRACT_HELP}")
    return bool(base)


def _array(self, dtype=None, copy=None):
    base = _abstract_base(self)
    if base is not None:
        raise ConcretizationTypeError(
            "A chainrule traced value cannot be converted to a NumPy array (numpy.asarray, "
            "numpy.array, or a NumPy function that chainrule does not intercept): it is "
            f"{_abstract_what(base)}. {_ABSTRACT_HELP}")
    raise TypeError(
        "A chainrule traced value cannot be converted to a NumPy array (numpy.asarray, "
        "numpy.array, or a NumPy function that chainrule does not intercept): that would drop "
        "its derivative. Use chainrule.numpy instead (for example chainrule.numpy.array or "
        "chainrule.numpy.stack to build arrays from traced values).")


# --- NumPy's protocols -----------------------------------------------------------------
_UFUNC_METHODS = {
    ("add", "reduce"): "sum", ("multiply", "reduce"): "prod", ("maximum", "reduce"): "max",
    ("minimum", "reduce"): "min", ("logical_and", "reduce"): "all",
    ("logical_or", "reduce"): "any", ("add", "accumulate"): "cumsum",
    ("multiply", "accumulate"): "cumprod",
}


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    if method == "__call__" and not kwargs:  # the common case first: a plain call
        traced = TRACED_UFUNCS.get(ufunc)
        if traced is not None:
            return traced(*inputs)
    for x in inputs:
        if is_tracer(x):
            x.check_usable()
    name = ufunc.__name__
    if method == "at":
        raise TypeError(f"numpy.{name}.at(x, ...) modifies x in place, which a traced value "
                        f"cannot be. {_AT_HELP}")
    out = kwargs.pop("out", None)
    if out is not None and any(o is not None for o in (out if isinstance(out, tuple) else
                                                        (out,))):
        raise TypeError(f"numpy.{name}(..., out=...) cannot write into an array while it is "
                        "being differentiated; drop out= and use the returned value")
    cnp = _cnp()
    if method == "__call__":
        if ufunc not in TRACED_UFUNCS and getattr(
                sys.modules.get("scipy.special"), name, None) is ufunc:
            from ..scipy import special  # noqa: F401 - registers SciPy's ufuncs
        fn = TRACED_UFUNCS.get(ufunc) or getattr(cnp, name, None)
        if fn is None:
            raise TypeError(f"numpy.{name} is not supported on traced values "
                            "(chainrule.numpy has no differentiable version of it)")
        if kwargs:
            raise TypeError(f"numpy.{name}: keyword arguments {sorted(kwargs)} are not "
                            "supported on traced values")
        return fn(*inputs)
    if method == "outer":
        a, b = (cnp.asarray(v) for v in inputs)
        return getattr(cnp, name)(cnp.reshape(a, cnp.shape(a) + (1,) * cnp.ndim(b)), b)
    if name in ("logaddexp", "logaddexp2") and method == "reduce":  # a log-sum-exp
        from ..scipy.special import logaddexp_reduce

        return logaddexp_reduce(*inputs, **kwargs, base2=name == "logaddexp2")
    target = _UFUNC_METHODS.get((name, method))
    if target is None:
        raise TypeError(f"numpy.{name}.{method} is not supported on traced values")
    kwargs.setdefault("axis", 0)
    return getattr(cnp, target)(*inputs, **kwargs)


def _array_function(self, func, types, args, kwargs):
    cnp = _cnp()
    module = func.__module__ or "numpy"
    namespace = cnp
    for part in module.split(".")[1:]:
        namespace = getattr(namespace, part, None)
        if namespace is None:
            break
    fn = getattr(namespace, func.__name__, None) if namespace is not None else None
    if fn is None or fn is func:
        raise TypeError(f"{module}.{func.__name__} is not supported on traced values: "
                        f"chainrule.{module} has no differentiable version of it yet")
    return fn(*args, **kwargs)


# --- methods ---------------------------------------------------------------------------
def _method(name):
    def method(self, *args, **kwargs):
        return getattr(_cnp(), name)(self, *args, **kwargs)
    method.__name__ = name
    return method


for _name in ("sum", "mean", "max", "min", "prod", "var", "std", "ravel", "squeeze", "dot",
              "cumsum", "cumprod", "argmax", "argmin", "all", "any", "clip", "conj",
              "conjugate", "round", "swapaxes", "repeat", "diagonal", "trace", "take",
              "nonzero", "argsort", "searchsorted", "astype", "copy"):
    setattr(Tracer, _name, _method(_name))


def _reshape(self, *shape, order="C", copy=None):
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = shape[0]
    return _cnp().reshape(self, shape, order=order)


def _transpose(self, *axes):
    if len(axes) == 1 and not isinstance(axes[0], int):
        axes = axes[0]
    return _cnp().transpose(self, axes or None)


def _sort(self, axis=-1, kind=None, order=None):
    raise TypeError("x.sort() sorts in place, which a traced value cannot do. Write "
                    "`x = chainrule.numpy.sort(x)` instead.")


def _fill(self, value):
    raise TypeError("x.fill() modifies x in place, which a traced value cannot do. "
                    "Write `x = chainrule.numpy.full_like(x, value)` instead.")


Tracer.reshape = _reshape
Tracer.transpose = _transpose
Tracer.sort = _sort
Tracer.fill = _fill
Tracer.flatten = lambda self, order="C": _cnp().ravel(self, order=order)
Tracer.item = _scalar_conversion("item")
Tracer.tolist = _scalar_conversion("tolist")
Tracer.itemsize = property(lambda self: self.dtype.itemsize)
Tracer.nbytes = property(lambda self: self.size * self.dtype.itemsize)
Tracer.T = property(lambda self: _cnp().transpose(self))
Tracer.mT = property(lambda self: _cnp().matrix_transpose(self))
Tracer.real = property(lambda self: _cnp().real(self))
Tracer.imag = property(lambda self: _cnp().imag(self))
Tracer.at = property(IndexUpdateHelper)
Tracer.__getitem__ = _getitem
Tracer.__setitem__ = _setitem
Tracer.__iter__ = _iter
Tracer.__bool__ = _bool
Tracer.__float__ = _scalar_conversion("float")
Tracer.__int__ = _scalar_conversion("int")
Tracer.__complex__ = _scalar_conversion("complex")
Tracer.__index__ = _scalar_conversion("operator.index")
Tracer.__array__ = _array
Tracer.__array_ufunc__ = _array_ufunc
Tracer.__array_function__ = _array_function

__all__ = []
