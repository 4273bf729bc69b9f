"""Shape manipulation in chainrule.numpy: values against NumPy, derivatives in both modes."""

import numpy as np
import pytest
from numpy_testing import assert_like_numpy, assert_same_as_numpy, check, rand

import chainrule as cr
import chainrule.numpy as cnp

A = rand((2, 3, 4))
M = rand((3, 4), seed=1)
V = rand((5,), seed=2)
S = np.float64(0.7)


def same(name, *args, **kwargs):
    """A case calling ``name`` in both libraries with the same arguments."""
    return pytest.param(getattr(cnp, name), getattr(np, name), args, kwargs,
                        id=f"{name}{[np.shape(a) for a in args]}{kwargs or ''}")


def listed(name, arrays, **kwargs):
    """A case for a function taking a list of arrays (each array differentiated)."""
    c = lambda *xs: getattr(cnp, name)(list(xs), **kwargs)
    n = lambda *xs: getattr(np, name)(list(xs), **kwargs)
    return pytest.param(c, n, tuple(arrays), {},
                        id=f"{name}{[np.shape(a) for a in arrays]}{kwargs or ''}")


CASES = [
    same("reshape", A, (4, 6)), same("reshape", A, (-1,)), same("reshape", A, (3, -1, 2)),
    same("reshape", S, (1, 1)), same("reshape", V, 5), same("reshape", np.ones((0, 3)), (3, 0)),
    same("ravel", A), same("ravel", S),
    same("transpose", A), same("transpose", A, (1, 0, 2)), same("transpose", A, (-1, 0, 1)),
    same("transpose", V), same("permute_dims", A, (2, 1, 0)), same("matrix_transpose", A),
    same("swapaxes", A, 0, 2), same("swapaxes", M, -1, 0), same("swapaxes", A, 1, 1),
    same("moveaxis", A, 0, -1), same("moveaxis", A, [0, 1], [2, 0]), same("rollaxis", A, 2),
    same("rollaxis", A, 1, 3),
    same("squeeze", rand((1, 3, 1))), same("squeeze", rand((1, 3, 1)), 0),
    same("squeeze", rand((1, 3, 1)), (0, -1)), same("squeeze", rand((1, 1))),
    same("expand_dims", V, 0), same("expand_dims", V, -1), same("expand_dims", M, (0, 3)),
    same("expand_dims", S, 0),
    same("broadcast_to", V, (3, 5)), same("broadcast_to", rand((3, 1)), (2, 3, 4)),
    same("broadcast_to", S, (2,)), same("broadcast_to", V, 5),
    same("atleast_1d", S), same("atleast_1d", V), same("atleast_2d", S), same("atleast_2d", V),
    same("atleast_2d", A), same("atleast_3d", S), same("atleast_3d", V), same("atleast_3d", M),
    same("atleast_3d", A), same("atleast_1d", V, S),
    listed("concatenate", [M, rand((2, 4), seed=3)]),
    listed("concatenate", [M, rand((3, 2), seed=3), M], axis=1),
    listed("concatenate", [M, V], axis=None), listed("concatenate", [V]),
    listed("concatenate", [A, A], axis=-1), listed("concat", [V, V]),
    listed("concatenate", [np.ones((0, 4)), M]),
    listed("stack", [V, V]), listed("stack", [M, M, M], axis=1),
    listed("stack", [M, M], axis=-1), listed("stack", [S, S]),
    listed("hstack", [V, V]), listed("hstack", [M, rand((3, 1), seed=4)]),
    listed("hstack", [S, V]), listed("vstack", [V, V]), listed("vstack", [M, rand((4,))]),
    listed("vstack", [S, S]),
    listed("dstack", [V, V]), listed("dstack", [M, M]), listed("dstack", [A, A]),
    listed("column_stack", [V, V]), listed("column_stack", [M, rand((3,), seed=5)]),
    same("tile", V, 2), same("tile", V, (2, 1)), same("tile", M, (1, 3)),
    same("tile", A, 2), same("tile", S, (2, 2)), same("tile", V, 0),
    same("repeat", V, 2), same("repeat", M, [1, 0, 2], 0), same("repeat", M, 3, -1),
    same("repeat", S, 3), same("repeat", A, 2, 1),
    same("flip", A), same("flip", A, 1), same("flip", A, (0, 2)), same("flip", S),
    same("fliplr", M), same("flipud", M), same("flipud", V),
    same("roll", V, 2), same("roll", V, -7), same("roll", M, 1, 0), same("roll", M, 5),
    same("roll", A, (1, -1), (0, 2)), same("roll", A, 1, (1, 2)), same("roll", np.ones(0), 2),
    same("rot90", M), same("rot90", M, 2), same("rot90", M, 3), same("rot90", M, -1),
    same("rot90", A, 1, (2, 0)), same("rot90", M, 4),
    same("diff", V), same("diff", V, 2), same("diff", M, 1, 0), same("diff", A, 3, -1),
    same("diff", V, 0), same("diff", V, prepend=0.5), same("diff", M, append=M[:, :1]),
    same("diff", M, 1, 0, M[:1], 2.0), same("diff", V, 7),
    same("append", V, M), same("append", M, M, 0), same("append", M, rand((3, 2)), axis=1),
    same("append", S, S),
]


@pytest.mark.parametrize("cfn,nfn,args,kwargs", CASES)
def test_manipulation(cfn, nfn, args, kwargs):
    check(cfn, nfn, args, kwargs)


@pytest.mark.parametrize("name,args", [
    ("split", (V, 5)), ("split", (A, 2, 2)), ("split", (A, [1, 3], -1)),
    ("split", (V, [1, -2])), ("split", (V, [3, 1])), ("split", (V, [2, 9])),
    ("array_split", (V, 3)), ("array_split", (A, 3, 2)), ("array_split", (V, [2, 2])),
    ("array_split", (V, 7)), ("hsplit", (M, 2)), ("hsplit", (V, 5)), ("vsplit", (M, 3)),
    ("dsplit", (A, [1])),
], ids=lambda v: v if isinstance(v, str) else str([np.shape(a) if np.ndim(a) else a for a in v]))
def test_split(name, args):
    check(getattr(cnp, name), getattr(np, name), args)


def test_split_errors():
    with pytest.raises(ValueError, match="equal division"):
        cr.jvp(lambda x: cnp.split(x, 2), (V,), (V,))
    with pytest.raises(ValueError, match="larger than 0"):
        cr.jvp(lambda x: cnp.array_split(x, 0), (V,), (V,))
    with pytest.raises(ValueError, match="2 or more"):
        cnp.vsplit(V + 0, 1)


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric", "wrap"])
@pytest.mark.parametrize("width", [1, (2, 1), ((1, 0), (0, 3)), ((0, 0), (5, 4))], ids=str)
def test_pad_modes(mode, width):
    check(cnp.pad, np.pad, (M, width), {"mode": mode})


@pytest.mark.parametrize("values", [1.5, (1.0, -1.0), ((1.0, 2.0), (3.0, 4.0))], ids=str)
def test_pad_constant_values(values):
    check(cnp.pad, np.pad, (M, ((1, 2), (2, 1))), {"constant_values": values})
    check(cnp.pad, np.pad, (np.arange(6).reshape(2, 3), 1), {"constant_values": values})


def test_pad_traced_constant_and_small_axes():
    f = lambda x, c: cnp.pad(x, ((1, 0), (0, 2)), constant_values=c)
    check(f, lambda x, c: np.pad(x, ((1, 0), (0, 2)), constant_values=c), (M, 0.5))
    check(cnp.pad, np.pad, (rand((1, 2)), 3), {"mode": "reflect"})
    check(cnp.pad, np.pad, (S, 2))
    check(cnp.pad, np.pad, (np.ones((0, 2)), 1))
    assert_like_numpy(cnp.pad(M, 1, mode="empty").shape, np.pad(M, 1, mode="empty").shape)
    with pytest.raises(ValueError, match="negative"):
        cr.jvp(lambda x: cnp.pad(x, -1), (V,), (V,))
    with pytest.raises(ValueError, match="not supported"):
        cr.jvp(lambda x: cnp.pad(x, 1, mode="median"), (V,), (V,))


def test_select():
    x = rand((6,), seed=6)
    conds = [x < -0.5, x > 0.5]
    c = lambda a, b: cnp.select(conds, [a, b ** 2], default=-1.0)
    n = lambda a, b: np.select(conds, [a, b ** 2], default=-1.0)
    check(c, n, (x, rand((6,), seed=7)))
    check(lambda a: cnp.select([x > 0], [a], default=a[::-1]),
          lambda a: np.select([x > 0], [a], default=a[::-1]), (x,))
    check(lambda a: cnp.select([x[:, None] > 0], [a]), lambda a: np.select([x[:, None] > 0], [a]),
          (rand((6, 3), seed=8),))
    assert_like_numpy(cnp.select([x > 0], [np.arange(6)]), np.select([x > 0], [np.arange(6)]))
    with pytest.raises(ValueError, match="same length"):
        cnp.select([x > 0], [])
    with pytest.raises(ValueError, match="empty condition list"):
        cnp.select([], [])


def test_broadcast_arrays_and_shapes():
    f = lambda a, b: cnp.broadcast_arrays(a, b)
    check(f, lambda a, b: np.broadcast_arrays(a, b), (V, rand((3, 1))), exact_type=False)
    assert cnp.broadcast_shapes((3, 1), (4,)) == (3, 4)


def test_astype():
    check(cnp.astype, np.astype, (M, np.float32), rtol=1e-6, atol=1e-6, grads=False)
    check(cnp.astype, np.astype, (M, np.int32))
    check(cnp.astype, np.astype, (np.arange(3), np.float64))
    cr.check_grads(lambda x: cnp.astype(x, np.complex128).real, (M,))


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="cannot reshape array of size 24 into shape"):
        cr.jvp(lambda x: cnp.reshape(x, (5, -1)), (A,), (A,))
    with pytest.raises(ValueError, match="must match exactly"):
        cr.jvp(lambda x: cnp.concatenate([x, x[:, :2]]), (M,), (M,))
    with pytest.raises(ValueError, match="same number of dimensions"):
        cr.jvp(lambda x: cnp.concatenate([x, V]), (M,), (M,))
    with pytest.raises(ValueError, match="zero-dimensional"):
        cr.jvp(lambda x: cnp.concatenate([x, x]), (S,), (S,))
    with pytest.raises(ValueError, match="same shape"):
        cr.jvp(lambda x: cnp.stack([x, x[:2]]), (V,), (V,))
    with pytest.raises(ValueError, match="size not equal to one"):
        cr.jvp(lambda x: cnp.squeeze(x, 0), (M,), (M,))
    with pytest.raises(ValueError, match="broadcast"):
        cr.jvp(lambda x: cnp.broadcast_to(x, (3,)), (V,), (V,))
    with pytest.raises(np.exceptions.AxisError):
        cr.jvp(lambda x: cnp.swapaxes(x, 0, 3), (A,), (A,))
    with pytest.raises(ValueError, match="repeated axis"):
        cr.jvp(lambda x: cnp.transpose(x, (0, 0, 1)), (A,), (A,))
    with pytest.raises(ValueError, match="Axes must be different"):
        cr.jvp(lambda x: cnp.rot90(x, 1, (1, 1)), (A,), (A,))
    with pytest.raises(ValueError, match="order must be"):
        cr.jvp(lambda x: cnp.reshape(x, -1, order="K"), (M,), (M,))


def test_fortran_order_reshape_under_transforms():
    x = np.arange(24.0).reshape(2, 3, 4)
    out, t = cr.jvp(lambda v: cnp.reshape(v, (4, -1), order="F"), (x,), (x,))
    np.testing.assert_array_equal(out, np.reshape(x, (4, -1), order="F"))
    np.testing.assert_array_equal(t, np.reshape(x, (4, -1), order="F"))
    cr.check_grads(lambda v: cnp.reshape(v, (6, 4), order="F") ** 2, (x,), order=2)


def test_gradient_of_a_shape_pipeline():
    def f(x):
        y = cnp.concatenate([cnp.flip(x, 0), cnp.roll(x, 1, axis=1)], axis=1)
        y = cnp.pad(cnp.tile(y, (1, 2)), 1, mode="reflect")
        return cnp.sum(cnp.diff(y, axis=0) ** 2) + cnp.sum(cnp.stack(cnp.split(y, 2, 0)) ** 3)
    cr.check_grads(f, (rand((4, 3), seed=9),))


# --- the fast path: plain inputs get exactly NumPy's result ----------------------------------
@pytest.mark.parametrize("name,args,kwargs", [
    ("atleast_1d", (S,), {}), ("atleast_1d", (V, 2.0), {}), ("atleast_1d", (), {}),
    ("atleast_1d", (V,), {}), ("atleast_1d", (np.array(2.0),), {}), ("atleast_2d", (M,), {}),
    ("atleast_2d", (V,), {}), ("atleast_2d", (A, S), {}), ("atleast_3d", (M,), {}),
    ("atleast_3d", (A,), {}), ("atleast_3d", (A[0, 0],), {}), ("atleast_1d", ([1.0, 2.0],), {}),
    ("atleast_2d", (V, (1.0, 2.0)), {}), ("atleast_3d", ([[1]], S), {}),
    ("atleast_3d", (np.float32(1.0),), {}), ("hstack", ([V, V],), {}), ("hstack", (V,), {}),
    ("hstack", ((M, M),), {"dtype": np.float32}), ("hstack", ([V, 1.0],), {}),
    ("vstack", ([V, V],), {}), ("vstack", (M,), {}), ("vstack", ([M, M],), {"casting": "unsafe",
                                                                            "dtype": int}),
    ("dstack", ([M, M],), {}), ("dstack", (V,), {}), ("column_stack", ([V, V],), {}),
    ("column_stack", ((M.T, V[:4]),), {}), ("column_stack", (M,), {}),
    ("concatenate", (M,), {}), ("concatenate", (A,), {"axis": None}),
    ("concatenate", (A, 1), {}), ("concatenate", ([M, M],), {"dtype": np.float32}),
    ("stack", (M,), {}), ("stack", (M, 1), {}), ("stack", ([V, V],), {"axis": -1}),
], ids=lambda v: v if isinstance(v, str) else "")
def test_plain_inputs_give_numpys_result(name, args, kwargs):
    ours, theirs = getattr(cnp, name)(*args, **kwargs), getattr(np, name)(*args, **kwargs)
    assert_same_as_numpy(ours, theirs)
    if args:  # returns its input exactly when NumPy does
        assert (ours is args[0]) == (theirs is args[0])


def test_plain_stacking_errors_are_numpys():
    for name in ("hstack", "vstack"):
        with pytest.raises(TypeError, match="same_kind"):
            getattr(cnp, name)([M, M], dtype=int)
    with pytest.raises(ValueError, match="dimension"):
        cnp.column_stack([V, M])


def test_select_python_number_default_keeps_float32():
    x = rand((5,), seed=3, dtype=np.float32)
    for default in (1, 1.0, True):
        want = np.select([x > 0], [x], default=default)
        got = cr.jit(lambda a: cnp.select([a > 0], [a], default=default))(x)
        assert got.dtype == want.dtype == np.float32
        np.testing.assert_array_equal(got, want)
    # A NumPy float64 default promotes, as in NumPy.
    got = cr.jit(lambda a: cnp.select([a > 0], [a], default=np.float64(1)))(x)
    assert got.dtype == np.select([x > 0], [x], default=np.float64(1)).dtype
