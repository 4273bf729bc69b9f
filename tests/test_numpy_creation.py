"""Array creation, dtypes, constants and pass-through helpers in chainrule.numpy."""

import numpy as np
import pytest
from numpy_testing import assert_like_numpy, assert_same_as_numpy, check, rand, traced_value

import chainrule as cr
import chainrule.numpy as cnp


@pytest.mark.parametrize("call", [
    ("zeros", (3,), {}), ("zeros", ((2, 3),), {"dtype": np.float32}), ("ones", (0,), {}),
    ("ones", ((2,),), {"dtype": int}), ("full", ((2, 2), 1.5), {}),
    ("full", (3, 2), {"dtype": np.float32}), ("eye", (3,), {}), ("eye", (2, 3), {"k": 1}),
    ("identity", (2,), {}), ("arange", (5,), {}), ("arange", (1.0, 2.0, 0.25), {}),
    ("linspace", (0.0, 1.0, 5), {}), ("linspace", (0.0, 1.0, 4), {"endpoint": False}),
    ("logspace", (0.0, 2.0, 3), {}), ("geomspace", (1.0, 8.0, 4), {}), ("tri", (3,), {}),
    ("zeros_like", (np.ones((2, 3), np.float32),), {}), ("ones_like", ([1, 2],), {}),
    ("full_like", (np.ones(2, int), 7.9), {}), ("copy", ([1.0, 2.0],), {}),
    ("array", ([[1, 2], [3, 4]],), {}), ("array", ([1.0, 2.0],), {"dtype": np.float32}),
    ("array", (2.0,), {"ndmin": 2}), ("asarray", ([1, 2],), {"dtype": float}),
    ("asarray", (np.float32(2.0),), {}), ("asanyarray", ([1.0],), {}),
    ("ascontiguousarray", (np.ones((2, 2)).T,), {}),
], ids=lambda c: f"{c[0]}{c[1]}{c[2] or ''}")
def test_creation_matches_numpy(call):
    name, args, kwargs = call
    assert_like_numpy(getattr(cnp, name)(*args, **kwargs), getattr(np, name)(*args, **kwargs))


def test_empty_and_empty_like_are_zeros_of_numpys_shape_and_dtype():
    for ours, theirs in [(cnp.empty((2, 3)), np.empty((2, 3))),
                         (cnp.empty(2, dtype=int), np.empty(2, dtype=int)),
                         (cnp.empty_like(np.ones((2, 1), np.float32)),
                          np.empty_like(np.ones((2, 1), np.float32)))]:
        assert type(ours) is np.ndarray and ours.shape == theirs.shape
        assert ours.dtype == theirs.dtype and not ours.any()


def test_array_and_asarray_accept_tracers_in_lists():
    def f(x, y):
        return cnp.array([[x, 2.0 * y], [y ** 2, 1.0]])
    check(f, lambda x, y: np.array([[x, 2.0 * y], [y ** 2, 1.0]]), (0.5, 1.5))
    check(lambda x: cnp.asarray([x, x[::-1]]), lambda x: np.asarray([x, x[::-1]]),
          (rand((3,)),))
    check(lambda x: cnp.array((x, 3), dtype=np.float32),
          lambda x: np.array((x, 3), dtype=np.float32), (2.0,), rtol=1e-6, grads=False)
    check(lambda x: cnp.array([x], ndmin=3), lambda x: np.array([x], ndmin=3), (rand((2,)),))
    check(lambda x: cnp.asarray(x), lambda x: np.asarray(x), (rand((2,)),))
    with pytest.raises(ValueError, match="inhomogeneous"):
        cr.grad(lambda x: cnp.sum(cnp.array([x, [x, x]])))(1.0)


def test_like_functions_on_tracers_are_constants():
    x = rand((2, 3))
    for name in ("zeros_like", "ones_like", "empty_like"):
        check(lambda x: getattr(cnp, name)(x) + x, lambda x: getattr(np, name)(x) * 0
              + (name == "ones_like") + x, (x,))
    check(lambda x: cnp.full_like(x, 2.5) * x, lambda x: np.full_like(x, 2.5) * x, (x,))
    check(lambda x, v: cnp.full_like(x, v), lambda x, v: np.full_like(x, v), (x, 0.5))
    check(lambda v: cnp.full((2, 3), v), lambda v: np.full((2, 3), v), (1.5,))
    check(lambda v: cnp.full(3, v, dtype=np.float32), lambda v: np.full(3, v, np.float32),
          (1.5,), rtol=1e-6, grads=False)
    check(lambda v: cnp.full((2, 3), v), lambda v: np.full((2, 3), v), (rand((3,)),))
    check(lambda x: cnp.zeros_like(x, shape=(4,)) + 1, lambda x: np.zeros_like(x, shape=(4,))
          + 1, (x,))


@pytest.mark.parametrize("kwargs", [{}, {"num": 1}, {"num": 0}, {"endpoint": False},
                                    {"retstep": True}, {"axis": 1}, {"axis": -1},
                                    {"dtype": np.float32}], ids=str)
def test_linspace(kwargs):
    start, stop = rand((2,), seed=1), rand((2,), seed=2)
    kw = {"num": 5, **kwargs}
    grads = "dtype" not in kw
    if "axis" not in kw:
        check(cnp.linspace, np.linspace, (0.5, 2.0), kw, grads=grads, rtol=1e-6)
    check(cnp.linspace, np.linspace, (start, stop), kw, grads=grads, rtol=1e-6)
    check(cnp.linspace, np.linspace, (start, 3.0), kw, grads=grads, rtol=1e-6)


@pytest.mark.parametrize("kwargs", [{}, {"base": 2.0}, {"endpoint": False}, {"num": 1}],
                         ids=str)
def test_logspace_geomspace(kwargs):
    kw = {"num": 4, **kwargs}
    check(cnp.logspace, np.logspace, (0.5, 2.0), kw, rtol=1e-12)
    check(cnp.logspace, np.logspace, (rand((2,)), 2.0), kw, rtol=1e-12)
    check(lambda a, b, base: cnp.logspace(a, b, 4, base=base),
          lambda a, b, base: np.logspace(a, b, 4, base=base), (0.5, 2.0, 3.0))
    if "base" not in kwargs:
        check(cnp.geomspace, np.geomspace, (0.5, 20.0), kw, rtol=1e-12)
        check(cnp.geomspace, np.geomspace, (rand((2,), 1, 2), 20.0), kw, rtol=1e-12)


@pytest.mark.parametrize("kwargs", [{}, {"indexing": "ij"}, {"sparse": True},
                                    {"sparse": True, "indexing": "ij"}], ids=str)
def test_meshgrid(kwargs):
    x, y, z = rand((3,)), rand((2,), seed=1), rand((4,), seed=2)
    check(lambda a, b: cnp.meshgrid(a, b, **kwargs), lambda a, b: np.meshgrid(a, b, **kwargs),
          (x, y))
    check(lambda a, b, c: cnp.meshgrid(a, b, c, **kwargs),
          lambda a, b, c: np.meshgrid(a, b, c, **kwargs), (x, y, z))
    check(lambda a: cnp.meshgrid(a, **kwargs), lambda a: np.meshgrid(a, **kwargs), (x,))


def test_dtypes_and_constants():
    for name in ("pi", "e", "inf", "newaxis", "euler_gamma", "ndarray", "generic",
                 "number", "inexact", "complexfloating", "signedinteger", "unsignedinteger",
                 "iinfo", "can_cast", "promote_types", "errstate"):
        assert getattr(cnp, name) is getattr(np, name), name
    # The numeric scalar types stand for NumPy's (they also cast traced values).
    for name in ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
                 "uint16", "uint32", "uint64", "int_", "intp", "uintp", "complex64",
                 "complex128", "bool_", "bool", "half", "single", "double", "csingle",
                 "cdouble", "longdouble", "clongdouble"):
        ours, theirs = getattr(cnp, name), getattr(np, name)
        assert np.dtype(ours) is np.dtype(theirs) and issubclass(ours, theirs), name
        assert np.dtype(name) == ours and isinstance(theirs(), ours), name
    assert cnp.AxisError is np.exceptions.AxisError and cnp.row_stack is cnp.vstack
    assert np.isnan(cnp.nan)
    assert cnp.dtype("float32") == np.float32 and cnp.finfo(cnp.float32).eps > 0
    assert cnp.zeros((2,), cnp.complex64).dtype == np.complex64


def test_passthrough_helpers_on_plain_values_and_tracers():
    x = rand((2, 3))

    def f(t):
        assert cnp.shape(t) == (2, 3) and cnp.ndim(t) == 2 and cnp.size(t) == 6
        assert cnp.size(t, 1) == 3 and np.shape(t) == (2, 3) and np.ndim(t) == 2
        assert cnp.allclose(t, x) and np.allclose(t, x) and cnp.array_equal(t, x)
        assert cnp.array_equiv(t, x[:1] * 0 + x[:1]) is False and cnp.array_equiv(t, x)
        assert cnp.isclose(t, x).all() and cnp.count_nonzero(t) == 6
        assert cnp.result_type(t, 1.0) == np.float64 and cnp.isrealobj(t)
        assert not cnp.iscomplexobj(t) and cnp.issubdtype(t.dtype, cnp.floating)
        np.testing.assert_array_equal(cnp.argwhere(t > 0), np.argwhere(x > 0))
        np.testing.assert_array_equal(cnp.flatnonzero(t > 0), np.flatnonzero(x > 0))
        np.testing.assert_array_equal(cnp.nonzero(t > 0)[1], np.nonzero(x > 0)[1])
        return cnp.sum(t)
    cr.grad(f)(x)
    assert cnp.shape([[1, 2]]) == (1, 2) and cnp.ndim(1.0) == 0 and cnp.size([1, 2]) == 2
    assert cnp.isscalar(1.0) and cnp.iterable([1])
    assert cnp.result_type(np.ones(2, np.float32), 1.0) == np.float32
    assert cnp.result_type(cnp.float32, cnp.int64) == np.float64


def test_traced_dtype_of_creation_results():
    out = traced_value(lambda x: cnp.linspace(x, 2 * x, 3, dtype=np.float32), (1.0,))
    assert out.dtype == np.float32


# --- the fast path: plain inputs get exactly NumPy's result ----------------------------------
PX = np.array([0.0, 1.5, -2.0])
PM = rand((2, 3), seed=7)
PI = np.array([0, 2, 1])


@pytest.mark.parametrize("name,args,kwargs", [
    ("shape", (PM,), {}), ("shape", (2.0,), {}), ("shape", ([[1, 2]],), {}),
    ("ndim", (PM,), {}), ("ndim", (np.float32(1.0),), {}), ("size", (PM,), {}),
    ("size", (PM, 1), {}), ("size", (PM,), {"axis": -2}), ("size", ([1, 2],), {}),
    ("size", (3.0,), {}), ("iscomplexobj", (PM,), {}), ("iscomplexobj", (PM * 1j,), {}),
    ("iscomplexobj", (1j,), {}), ("isrealobj", (PM,), {}), ("result_type", (PM,), {}),
    ("result_type", (PM.astype(np.float32), 1.0), {}), ("result_type", (PI, PX), {}),
    ("result_type", (np.float32, np.int64), {}), ("count_nonzero", (PX,), {}),
    ("count_nonzero", (PM,), {"axis": 1, "keepdims": True}),
    ("count_nonzero", (PM, (0, 1)), {}), ("nonzero", (PX,), {}), ("flatnonzero", (PM,), {}),
    ("argwhere", (PM > 0,), {}), ("allclose", (PX, PX + 1e-9), {}),
    ("isclose", (PX, PX[::-1]), {"rtol": 0.0, "equal_nan": True}),
    ("array_equal", (PX, PX), {}), ("array_equiv", (PX, 0.0), {}), ("ix_", (PI, PI[:2]), {}),
    ("lexsort", (PM,), {}), ("lexsort", ((PX, PI),), {}), ("lexsort", ([PX, PI],), {"axis": 0}),
    ("unravel_index", (PI, (2, 2)), {}), ("tril_indices", (3,), {"k": 1}),
    ("array", (PX,), {}), ("array", (PM, np.float32), {}), ("array", (PX,), {"ndmin": 3}),
    ("array", (PM,), {"order": "F"}), ("array", (2.5,), {}), ("array", (PX,), {"copy": False}),
    ("asarray", (PX,), {}), ("asarray", (PX, np.float32), {}), ("asarray", (1.0,), {}),
    ("asanyarray", (PM,), {}), ("ascontiguousarray", (PM.T,), {}), ("asarray", (2.0,), {}),
    ("asarray", (3,), {"dtype": np.float32}), ("asarray", ([1, 2.0],), {}),
    ("asarray", ((1, 2),), {"copy": True}), ("asarray", (PX,), {"dtype": PX.dtype, "copy": True}),
    ("asarray", (PM, None, "F"), {}), ("ascontiguousarray", (3,), {}),
    ("empty_like", (2.0,), {}), ("empty_like", (np.int8(3),), {"dtype": float}),
    ("empty_like", (True,), {}), ("empty_like", (1j,), {"shape": (2,)}),
    ("ascontiguousarray", (PX, int), {}), ("ascontiguousarray", (2.0,), {}),
    ("empty_like", (PX,), {}), ("empty_like", (PM.T,), {}), ("empty_like", (PM, np.int32), {}),
    ("empty_like", (PM,), {"shape": (4,)}), ("empty_like", (PM,), {"order": "F"}),
    ("zeros_like", (PM.T,), {}), ("ones_like", (PX, int), {}), ("zeros_like", (2.0,), {}),
    ("full_like", (PX, 2.5), {}), ("full_like", (PI, 7.9), {}), ("full_like", (PM, PX), {}),
    ("full_like", (PM, 1.0), {"dtype": np.float32, "order": "F"}),
], ids=lambda v: v if isinstance(v, str) else "")
def test_plain_inputs_give_numpys_result(name, args, kwargs):
    ours = getattr(cnp, name)(*args, **kwargs)
    theirs = getattr(np, name)(*args, **kwargs)
    if name == "empty_like":  # zeros here, NumPy's memory as it was there
        theirs = np.zeros_like(*args, **kwargs)
    assert_same_as_numpy(ours, theirs)
    if args and isinstance(theirs, np.ndarray):  # returns its input exactly when NumPy does
        assert (ours is args[0]) == (theirs is args[0])


def test_size_of_traced_values_along_axes():
    def f(t):
        assert cnp.size(t) == 24 and cnp.size(t, 1) == 3 and cnp.size(t, (0, -1)) == 8
        with pytest.raises(np.exceptions.AxisError):
            cnp.size(t, 3)
        return cnp.sum(t)
    cr.grad(f)(rand((2, 3, 4)))


@pytest.mark.parametrize("fn,args", [
    ("linspace", (np.float32(0.5), np.float32(2.0))),
    ("linspace", (np.float32(0.5), 2.0)),
    ("linspace", (np.arange(2, dtype=np.float32), np.float32(3.0))),
    ("linspace", (0, 7)),
    ("logspace", (np.float32(0.5), np.float32(2.0))),
    ("geomspace", (np.float32(0.5), np.float32(2.0))),
    ("geomspace", (np.float32(0.5), 2.0)),
], ids=str)
def test_spaced_values_keep_numpys_dtype_when_traced(fn, args):
    # float32 end points stay float32 (float64 for geomspace, as NumPy), also traced.
    want = getattr(np, fn)(*args, 6)
    transforms = [cr.jit, lambda f: lambda *a: cr.vmap(f, axis_size=2, in_axes=None)(*a)[0]]
    if np.asarray(args[0]).dtype.kind == "f":
        transforms.append(lambda f: lambda a, b: cr.jvp(lambda s: f(s, b), (a,),
                                                        (np.ones_like(a),))[0])
    for transform in transforms:
        got = transform(lambda a, b: getattr(cnp, fn)(a, b, 6))(*args)
        assert got.dtype == want.dtype, f"{fn}{args}: {got.dtype}, NumPy gives {want.dtype}"
        rtol = 1e-6 if want.dtype == np.float32 or fn == "geomspace" else 1e-15
        np.testing.assert_allclose(got, want, rtol=rtol)
    # linspace reproduces NumPy's points to the last bit (histogram edges rely on it).
    if fn == "linspace":
        np.testing.assert_array_equal(cr.jit(lambda a, b: cnp.linspace(a, b, 6))(*args), want)
    got = cr.jit(lambda a: cnp.linspace(a, 7.5, 6, dtype=int))(-1.0)
    np.testing.assert_array_equal(got, np.linspace(-1.0, 7.5, 6, dtype=int))


def test_every_numpy_scalar_type_name_is_provided():
    names = [n for n in dir(np) if not n.startswith("_") and isinstance(getattr(np, n), type)
             and issubclass(getattr(np, n), np.generic)]
    assert {"longdouble", "clongdouble", "float64", "str_", "datetime64"} <= set(names)
    for name in names:
        ours, theirs = getattr(cnp, name), getattr(np, name)
        assert np.dtype(ours) == np.dtype(theirs) and issubclass(ours, theirs) if name not in (
            "generic", "number", "integer", "inexact", "floating", "complexfloating",
            "signedinteger", "unsignedinteger", "flexible", "character") else ours is theirs
    # Aliases stay aliases, as in NumPy.
    assert cnp.double is cnp.float64 and cnp.int_ is cnp.int64 and cnp.bool is cnp.bool_


def test_scalar_types_on_plain_values_behave_as_numpy():
    assert_same_as_numpy(cnp.float64(1.5), np.float64(1.5))
    assert_same_as_numpy(cnp.float32([1, 2]), np.float32([1, 2]))
    assert_same_as_numpy(cnp.int64("7"), np.int64("7"))
    assert_same_as_numpy(cnp.longdouble(2), np.longdouble(2))
    assert_same_as_numpy(cnp.clongdouble(1j), np.clongdouble(1j))
    assert_same_as_numpy(cnp.bool_(0), np.bool_(0))
    assert_same_as_numpy(cnp.float64(), np.float64())
    assert isinstance(np.float32(1), cnp.float32) and not isinstance(np.float64(1), cnp.float32)
    assert isinstance(cnp.float32(1), cnp.floating) and isinstance(np.int8(1), cnp.integer)
    assert issubclass(np.float64, cnp.float64) and issubclass(cnp.float64, np.floating)
    assert cnp.issubdtype(cnp.float32, cnp.floating) and np.issubdtype(cnp.int16, np.integer)
    assert cnp.zeros(2, dtype=cnp.float32).dtype == np.float32
    assert np.ones(2).astype(cnp.int8).dtype == np.int8
    assert cnp.array([1, 2], dtype=cnp.complex64).dtype == np.complex64
    assert cnp.finfo(cnp.longdouble).eps == np.finfo(np.longdouble).eps
    assert np.dtype("float64") == cnp.float64 and cnp.dtype(cnp.float64).type is np.float64


def test_scalar_types_cast_traced_values_like_astype():
    x = np.array([1.7, -2.2])
    out, t = cr.jvp(cnp.float32, (x,), (np.ones(2),))
    assert out.dtype == np.float32 and t.dtype == np.float32
    np.testing.assert_allclose(out, x.astype(np.float32))
    np.testing.assert_allclose(t, 1.0)
    # Integer results carry no derivative (only the other factor's).
    np.testing.assert_allclose(cr.grad(lambda v: v * cnp.int64(v))(2.7), 2.0)
    np.testing.assert_allclose(cr.grad(lambda v: cnp.float64(v) ** 2)(3.0), 6.0)
    np.testing.assert_array_equal(cr.jit(cnp.int32)(x), np.int32(x))
    assert cr.jit(cnp.int32)(x).dtype == np.int32
    np.testing.assert_array_equal(cr.vmap(cnp.int8)(x), x.astype(np.int8))
    np.testing.assert_array_equal(cr.jit(lambda v: cnp.bool_(v))(np.array([0.0, 2.0])),
                                  [False, True])
    # Lists holding traced values are built into an array first, as cnp.array does.
    np.testing.assert_allclose(cr.grad(lambda v: cnp.sum(cnp.float32([v, 2 * v])))(1.0), 3.0)
