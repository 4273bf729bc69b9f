"""How much of NumPy's API ``chainrule.numpy`` covers.

Every public function of ``numpy``, ``numpy.linalg`` and ``numpy.fft`` is classified as
*differentiable* (provided, with derivatives), *non-differentiable pass-through* (provided;
the result is boolean, integer or describes dtypes, so there is no derivative) or *not
provided*; every name that is not provided needs a reason in ``MISSING`` below.

``python tests/test_numpy_coverage.py`` regenerates ``docs/numpy-coverage.md``; the test
itself writes nothing.
"""

from __future__ import annotations

import pathlib
import types

import numpy as np

import chainrule.numpy as cnp

MODULES = [("numpy", np, cnp), ("numpy.linalg", np.linalg, cnp.linalg),
           ("numpy.fft", np.fft, cnp.fft)]

# Provided functions whose results carry no derivative (booleans, integers, indices,
# dtypes and shapes, constants built from integer arguments).
NON_DIFFERENTIABLE = set("""
all any allclose isclose array_equal array_equiv count_nonzero nonzero flatnonzero argwhere
argmax argmin argsort argpartition nanargmax nanargmin searchsorted digitize bincount
histogram histogram2d histogramdd histogram_bin_edges
equal not_equal less less_equal greater greater_equal logical_and logical_or logical_not
logical_xor isfinite isinf isnan isneginf isposinf isreal iscomplex signbit
bitwise_and bitwise_or bitwise_xor bitwise_not bitwise_invert bitwise_count invert
left_shift right_shift bitwise_left_shift bitwise_right_shift gcd lcm
floor ceil trunc rint fix round around sign floor_divide heaviside spacing nextafter
arange zeros ones empty eye identity tri zeros_like ones_like empty_like
shape ndim size result_type promote_types can_cast issubdtype isscalar iterable
iscomplexobj isrealobj broadcast_shapes
matrix_rank
diag_indices diag_indices_from tril_indices tril_indices_from triu_indices triu_indices_from
mask_indices indices ix_ ravel_multi_index unravel_index lexsort packbits unpackbits isin
bartlett blackman hamming hanning
""".split())

# Every NumPy function chainrule.numpy does not provide, with the reason.
DIFF_TODO = "differentiable: not yet wrapped"
_REASONS = {
    "I/O": "load loadtxt save savetxt savez savez_compressed genfromtxt fromfile fromregex "
           "frombuffer fromstring fromiter",
    "string formatting and printing": "array2string array_repr array_str base_repr "
                                      "binary_repr format_float_positional "
                                      "format_float_scientific typename set_printoptions "
                                      "get_printoptions printoptions",
    "datetime": "busday_count busday_offset datetime_as_string datetime_data is_busday isnat",
    "configuration and introspection": "get_include show_config show_runtime test info "
                                       "getbufsize setbufsize geterr seterr geterrcall "
                                       "seterrcall may_share_memory shares_memory isfortran "
                                       "min_scalar_type mintypecode common_type isdtype "
                                       "einsum_path nested_iters",
    "modifies its argument in place (use chainrule.numpy.at)": "copyto place put putmask "
                                                              "fill_diagonal put_along_axis",
    "numpy.matrix (not supported)": "asmatrix bmat",
    "Python-level ufuncs and callbacks on index grids": "frompyfunc fromfunction",
}
MISSING = {name: reason for reason, names in _REASONS.items() for name in names.split()}
# Categories that still count among NumPy's differentiable functions.
COUNTED = {DIFF_TODO}


def public_functions(module):
    """Public callables of ``module``, without classes (dtypes, exceptions) and modules."""
    # NumPy's own names only: other packages add some when imported (numexpr sets
    # numpy.expm1x).
    listed = set(getattr(module, "__all__", ())) | {"test"}
    names = []
    for name in dir(module):
        if name.startswith("_") or (len(listed) > 1 and name not in listed):
            continue
        obj = getattr(module, name)
        if isinstance(obj, (types.ModuleType, type)) or not callable(obj):
            continue
        names.append(name)
    return names


def classify():
    """``[(module, name, status, reason)]`` for every public NumPy function."""
    rows = []
    for modname, module, ours in MODULES:
        for name in public_functions(module):
            if hasattr(ours, name):
                status = ("non-differentiable pass-through" if name in NON_DIFFERENTIABLE
                          else "differentiable")
                rows.append((modname, name, status, ""))
            else:
                key = name if modname == "numpy" else f"{modname}.{name}"
                reason = MISSING.get(key, MISSING.get(name))
                if name == "test":
                    reason = "configuration and introspection"
                rows.append((modname, name, "not provided", reason))
    return rows


def coverage(rows):
    """Provided differentiable functions among NumPy's differentiable ones (a fraction)."""
    diff = sum(r[2] == "differentiable" for r in rows)
    todo = sum(r[2] == "not provided" and r[3] in COUNTED for r in rows)
    return diff / (diff + todo), diff, todo


def test_every_missing_function_has_a_reason():
    rows = classify()
    unexplained = [f"{m}.{n}" for m, n, s, r in rows if s == "not provided" and not r]
    assert not unexplained, f"not provided and no reason in MISSING: {unexplained}"


def test_reasons_are_current():
    rows = classify()
    missing = {n for m, n, s, r in rows if s == "not provided"}
    stale = sorted(set(MISSING) - missing)
    assert not stale, f"provided now (or not in NumPy): remove from MISSING: {stale}"
    provided = {n for m, n, s, r in rows if s != "not provided"}
    assert NON_DIFFERENTIABLE <= provided, sorted(NON_DIFFERENTIABLE - provided)


def test_coverage_of_differentiable_functions():
    frac, _, _ = coverage(classify())
    assert frac >= 0.95, f"coverage fell to {frac:.1%}"


# Type objects of NumPy's namespace (dtypes, scalar types, helper classes) that
# chainrule.numpy does not provide, with the reason; every other one must be there.
MISSING_TYPES = {
    "busdaycalendar": "datetime",
    "flatiter": "iterator over an array's memory (use ravel)",
    "nditer": "iterator over an array's memory (use ravel or vmap)",
    "memmap": "I/O",
    "matrix": "numpy.matrix (not supported)",
    "recarray": "record arrays (not supported)",
    "poly1d": "old polynomial class (use the polynomial functions)",
}


def test_every_numpy_type_object_is_provided_or_explained():
    types_ = {n for n in dir(np) if not n.startswith("_") and isinstance(getattr(np, n), type)}
    missing = {n for n in types_ if not hasattr(cnp, n)}
    assert missing <= set(MISSING_TYPES), sorted(missing - set(MISSING_TYPES))
    assert not set(MISSING_TYPES) - missing, "provided now: remove from MISSING_TYPES"
    # Dtype and scalar-type names all work after swapping the import.
    scalar = [n for n in types_ if issubclass(getattr(np, n), np.generic)]
    assert {"longdouble", "clongdouble", "float64", "bool", "str_"} <= set(scalar)
    for n in scalar:
        assert issubclass(getattr(cnp, n), getattr(np, n)), n


def report():
    rows = classify()
    frac, diff, todo = coverage(rows)
    counts = {s: sum(r[2] == s for r in rows) for s in
              ("differentiable", "non-differentiable pass-through", "not provided")}
    lines = [
        "# NumPy coverage of `chainrule.numpy`",
        "",
        "Generated by `python tests/test_numpy_coverage.py`: every public function of "
        "`numpy`, `numpy.linalg` and `numpy.fft`, as NumPy "
        f"{np.__version__} lists them.",
        "",
        f"**Provided among NumPy's differentiable functions: {frac:.1%}** "
        f"({diff} of {diff + todo}).",
        "",
        f"- differentiable: {counts['differentiable']}",
        f"- non-differentiable pass-through: {counts['non-differentiable pass-through']}",
        f"- not provided: {counts['not provided']}",
        "",
        "| function | status | reason |",
        "| --- | --- | --- |",
    ]
    for modname, name, status, reason in rows:
        lines.append(f"| `{modname}.{name}` | {status} | {reason} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    out = pathlib.Path(__file__).parents[1] / "docs" / "numpy-coverage.md"
    out.write_text(report())
    print(f"wrote {out}: {coverage(classify())[0]:.1%}")
