"""The plain-array fast path of ``chainrule.numpy``.

A plain NumPy array or Python number is a constant to every transform, so when all the
array arguments of a ``chainrule.numpy`` function are plain, the result is exactly what
NumPy computes: the function calls NumPy directly and costs one type check per array
argument.  Lists and tuples of plain values are plain too (NumPy converts them), at the
cost of a scan.  Anything else (tracers, CuPy or Dask arrays, lists holding them) takes the
general path through the primitives.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np

from ..core import PLAIN_TYPES

PLAIN_OR_NONE = PLAIN_TYPES | {type(None), type(np._NoValue)}
SEQUENCE_TYPES = frozenset({list, tuple})


def numpy_fast_path(np_fn, arrays=1, optional=()):
    """Decorate a ``chainrule.numpy`` function with the plain-array fast path.

    Parameters
    ----------
    np_fn : callable or None
        The NumPy function with the same signature and semantics (None: no fast path,
        for functions newer than the installed NumPy).
    arrays : int or tuple of str
        Names of the array arguments to check (an int ``k``: the first ``k`` parameters).
    optional : tuple of str
        Names of further array arguments that may also be None or NumPy's ``<no value>``.

    The wrapper is generated with the decorated function's own signature, so the check
    costs no argument packing.
    """
    def decorate(fn):
        if np_fn is None:  # a function this NumPy version does not have
            return fn
        sig = inspect.signature(fn)
        names = list(sig.parameters)
        checked = names[:arrays] if isinstance(arrays, int) else list(arrays)
        call = []
        has_varargs = any(p.kind is p.VAR_POSITIONAL for p in sig.parameters.values())
        for name, p in sig.parameters.items():
            if p.kind is p.VAR_POSITIONAL:
                call.append(f"*{name}")
            elif p.kind is p.VAR_KEYWORD:
                call.append(f"**{name}")
            elif p.kind is p.POSITIONAL_ONLY or (
                    has_varargs and p.kind is p.POSITIONAL_OR_KEYWORD):
                call.append(name)  # before *args, a keyword would collide with them
            else:
                call.append(f"{name}={name}")
        # NumPy gets positionally what it takes positionally under the same name at the same
        # place: keywords cost NumPy's Python functions up to 300 ns of argument handling.
        np_call = list(call)
        theirs = _parameters(np_fn)
        if theirs is not None and not has_varargs:
            for i, (name, p) in enumerate(sig.parameters.items()):
                if p.kind is p.POSITIONAL_ONLY:
                    continue
                if (p.kind is not p.POSITIONAL_OR_KEYWORD or i >= len(theirs)
                        or theirs[i].name != name or theirs[i].kind
                        not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)):
                    break
                np_call[i] = name
        # Trailing parameters at NumPy's own defaults are left out when they have them
        # (<no value> costs NumPy's dispatcher a look-up for __array_function__ each).
        omit = []
        if theirs is not None and not has_varargs:
            ours_by_name = dict(sig.parameters)
            theirs_by_name = {q.name: q for q in theirs}
            for name in reversed(list(sig.parameters)):
                p, q = ours_by_name[name], theirs_by_name.get(name)
                if (name in checked or p.default is p.empty or q is None
                        or q.default is not p.default or p.kind is p.VAR_KEYWORD):
                    break
                omit.insert(0, name)
        defaults = {f"_d_{n}": p.default for n, p in sig.parameters.items()
                    if p.default is not p.empty}
        params = []
        for name, p in sig.parameters.items():
            text = {p.VAR_POSITIONAL: f"*{name}", p.VAR_KEYWORD: f"**{name}"}.get(p.kind, name)
            if p.default is not p.empty:
                text += f"=_d_{name}"
            params.append(text)
        # Re-insert the markers for positional-only and keyword-only parameters.
        kinds = [p.kind for p in sig.parameters.values()]
        if inspect.Parameter.POSITIONAL_ONLY in kinds:
            last = max(i for i, k in enumerate(kinds) if k is inspect.Parameter.POSITIONAL_ONLY)
            params.insert(last + 1, "/")
        if (inspect.Parameter.KEYWORD_ONLY in kinds
                and inspect.Parameter.VAR_POSITIONAL not in kinds):
            first = kinds.index(inspect.Parameter.KEYWORD_ONLY)
            params.insert(first + (1 if "/" in params[:first + 1] else 0), "*")
        # An identity test for ndarray first: a set lookup costs about 20 ns more.  Lists
        # and tuples are scanned last, so that arrays pay nothing for them.
        cond = " and ".join(
            [f"(type({n}) is _nd or type({n}) in _PLAIN or type({n}) in _SEQ and _seq({n}))"
             for n in checked]
            + [f"(type({n}) in _PLAIN_OR_NONE or type({n}) in _SEQ and _seq({n}))"
               for n in optional])
        # Nested from the last parameter: the call leaves out the longest run at defaults.
        body, indent, kept = [], "        ", list(np_call)
        for name in reversed(omit):
            kept = kept[:-1]
            body.append(f"{indent}if {name} is _d_{name}:")
            indent += "    "
        for depth in range(len(omit), -1, -1):
            body.append(f"{'    ' * (2 + depth)}return _numpy("
                        f"{', '.join(np_call[:len(np_call) - depth])})")
        src = (f"def {fn.__name__}({', '.join(params)}):\n"
               f"    if {cond}:\n"
               + "".join(line + "\n" for line in body)
               + f"    return _general({', '.join(call)})\n")
        namespace = {"_PLAIN": PLAIN_TYPES, "_PLAIN_OR_NONE": PLAIN_OR_NONE, "_numpy": np_fn,
                     "_nd": np.ndarray, "_seq": plain_sequence,
                     "_SEQ": SEQUENCE_TYPES,
                     "_general": fn, **defaults}
        exec(compile(src, f"<chainrule fast path for {fn.__name__}>", "exec"), namespace)
        wrapper = functools.update_wrapper(namespace[fn.__name__], fn)
        wrapper.__wrapped__ = fn
        return wrapper
    return decorate


def _parameters(np_fn):
    """The parameters of ``np_fn`` in order, or None where its signature is not known."""
    try:
        return list(inspect.signature(np_fn).parameters.values())
    except (TypeError, ValueError):
        return None


def plain_sequence(x) -> bool:
    """Whether ``x`` is a list or tuple of plain arrays and numbers (or of such lists,
    nested): nothing in it can be traced, so NumPy may convert it."""
    if type(x) is not list and type(x) is not tuple:
        return False
    for v in x:
        if type(v) is not np.ndarray and type(v) not in PLAIN_TYPES and not plain_sequence(v):
            return False
    return True


def all_plain(arrays) -> bool:
    """Whether every element of the sequence ``arrays`` is a plain array or number, or a
    list or tuple of them."""
    for a in arrays:
        if type(a) is not np.ndarray and type(a) not in PLAIN_TYPES and not plain_sequence(a):
            return False
    return True
