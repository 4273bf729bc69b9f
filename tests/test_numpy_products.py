"""Products, diagonals and triangles in chainrule.numpy."""

import numpy as np
import pytest
from numpy_testing import check, rand

import chainrule as cr
import chainrule.numpy as cnp


def r(*shape, seed=0):
    return rand(shape, seed=seed)


def case(name, *args, **kwargs):
    return pytest.param(name, args, kwargs,
                        id=f"{name}{[np.shape(a) for a in args]}{kwargs or ''}")


CASES = [
    case("matmul", r(2, 3), r(3, 4, seed=1)), case("matmul", r(3), r(3, 2, seed=1)),
    case("matmul", r(2, 3), r(3, seed=1)), case("matmul", r(3), r(3, seed=1)),
    case("matmul", r(5, 2, 3), r(3, 2, seed=1)), case("matmul", r(1, 2, 3), r(4, 3, 2, seed=1)),
    case("matmul", r(0, 3), r(3, 2, seed=1)), case("matmul", r(2, 0), r(0, 2, seed=1)),
    case("dot", r(2, 3), r(3, 4, seed=1)), case("dot", r(3), r(3, seed=1)),
    case("dot", r(2, 3, 4), r(4, seed=1)), case("dot", r(2, 3, 4), r(5, 4, 2, seed=1)),
    case("dot", r(3), r(2, 3, 4, seed=1)), case("dot", 2.0, r(3, seed=1)),
    case("dot", r(2, 2), np.float64(1.5)),
    case("vdot", r(2, 3), r(3, 2, seed=1)), case("vdot", r(4), r(4, seed=1)),
    case("inner", r(3), r(3, seed=1)), case("inner", r(2, 3), r(4, 3, seed=1)),
    case("inner", r(2, 3), 1.5), case("inner", r(2, 2, 3), r(3, seed=1)),
    case("outer", r(3), r(4, seed=1)), case("outer", r(2, 2), r(3, seed=1)),
    case("outer", 2.0, r(2, seed=1)),
    case("tensordot", r(2, 3, 4), r(3, 4, 5, seed=1)), case("tensordot", r(2, 3), r(3, 2), 1),
    case("tensordot", r(2, 3), r(4, 5, seed=1), 0),
    case("tensordot", r(2, 3, 4), r(4, 3, seed=1), ([1, 2], [1, 0])),
    case("tensordot", r(3, 4), r(4, 3, seed=1), (-1, 0)),
    case("tensordot", r(2, 0), r(0, 3, seed=1), 1),
    case("kron", r(2, 2), r(2, 3, seed=1)), case("kron", r(3), r(2, seed=1)),
    case("kron", r(2), r(2, 3, seed=1)), case("kron", r(2, 1, 2), r(3, 2, seed=1)),
    case("cross", r(3), r(3, seed=1)), case("cross", r(4, 3), r(3, seed=1)),
    case("cross", r(2), r(2, seed=1)), case("cross", r(5, 2), r(5, 3, seed=1)),
    case("cross", r(3, 4), r(4, 3, seed=1), axisa=0, axisb=1),
    case("cross", r(3, 2), r(3, 2, seed=1), axis=0),
    case("cross", r(2, 3), r(2, 3, seed=1), axisc=0),
    case("diagonal", r(3, 3)), case("diagonal", r(3, 4), 1), case("diagonal", r(3, 4), -2),
    case("diagonal", r(2, 3, 4), 0, 1, 2), case("diagonal", r(2, 3, 4), 1, -1, 0),
    case("diagonal", r(2, 3), 5),
    case("trace", r(3, 3)), case("trace", r(3, 4), 1), case("trace", r(2, 3, 4), 0, 2, 1),
    case("trace", np.arange(9).reshape(3, 3)),
    case("diag", r(3)), case("diag", r(3), 1), case("diag", r(3), -2), case("diag", r(3, 4)),
    case("diag", r(3, 4), -1), case("diag", np.arange(3)), case("diagflat", r(2, 2)),
    case("diagflat", r(3), -1),
    case("tril", r(3, 3)), case("tril", r(3, 4), 1), case("tril", r(2, 3, 3), -1),
    case("tril", r(3)), case("tril", np.arange(6).reshape(2, 3)),
    case("triu", r(3, 3)), case("triu", r(4, 3), -1), case("triu", r(2, 3, 3), 1),
    case("vecdot", r(2, 3), r(3, seed=1)), case("vecdot", r(3, 2), r(3, 1, seed=1), axis=0),
    case("matvec", r(2, 3), r(3, seed=1)), case("matvec", r(4, 2, 3), r(3, seed=1)),
    case("vecmat", r(3), r(3, 2, seed=1)), case("vecmat", r(4, 3), r(3, 2, seed=1)),
]


@pytest.mark.filterwarnings("ignore:Arrays of 2-dimensional vectors:DeprecationWarning")
@pytest.mark.parametrize("name,args,kwargs", CASES)
def test_products(name, args, kwargs):
    check(getattr(cnp, name), getattr(np, name), args, kwargs, rtol=1e-10, atol=1e-12)


EINSUM = [
    ("ij,jk->ik", (3, 4), (4, 2)), ("ij,jk", (3, 4), (4, 2)), ("i,i", (3,), (3,)),
    ("i,j->ij", (3,), (2,)), ("ii->i", (3, 3)), ("ii", (3, 3)), ("ij->ji", (2, 3)),
    ("ij->", (2, 3)), ("...ij,...jk->...ik", (5, 2, 3), (5, 3, 4)),
    ("bij,jk->bik", (2, 3, 4), (4, 5)), ("ij,j,i->", (2, 3), (3,), (2,)),
    ("i...->...", (3, 2, 2)), ("iij->j", (2, 2, 3)), ("ij,ij->i", (2, 3), (2, 3)),
]


@pytest.mark.parametrize("spec", EINSUM, ids=lambda s: s[0])
def test_einsum(spec):
    subscripts, *shapes = spec
    args = tuple(rand(s, seed=i) for i, s in enumerate(shapes))
    check(lambda *a: cnp.einsum(subscripts, *a), lambda *a: np.einsum(subscripts, *a), args,
          rtol=1e-10)


def test_einsum_options_and_errors():
    a = rand((2, 3))
    check(lambda x: cnp.einsum("ij->i", x, optimize=True), lambda x: np.einsum("ij->i", x),
          (a,))
    with pytest.raises(ValueError, match="sublist"):
        cnp.einsum(a, [0, -1])
    with pytest.raises(TypeError, match="interleaved form"):
        cnp.einsum(a)
    with pytest.raises(ValueError, match="operands"):
        cr.grad(lambda x: cnp.einsum("ij,jk->", x).sum())(a)


@pytest.mark.parametrize("sublists", [
    ([0, 1], [1, 2], [0, 2]),                 # matrix product
    ([0, 1], [1, 2]),                         # implicit output
    ([0, 1], [0, 1], []),                     # full contraction
    ([Ellipsis, 1], [1, 2], [Ellipsis, 2]),   # ellipsis
    ([30, 1], [1, 51], [51, 30]),             # upper-case letters, transposed output
])
def test_einsum_interleaved_sublist_form(sublists):
    a, b = rand((2, 3), seed=1), rand((3, 4) if sublists[1] != [0, 1] else (2, 3), seed=2)

    def interleave(fn):
        def call(x, y):
            args = [x, sublists[0], y, sublists[1]] + list(sublists[2:])
            return fn(*args)
        return call
    check(interleave(cnp.einsum), interleave(np.einsum), (a, b), rtol=1e-10)
    # The same contraction as a subscripts string, under jit and vmap too.
    f = interleave(cnp.einsum)
    np.testing.assert_allclose(cr.jit(f)(a, b), interleave(np.einsum)(a, b), rtol=1e-12)
    np.testing.assert_allclose(cr.vmap(f, in_axes=(None, 0))(a, np.stack([b, 2 * b])),
                               np.stack([interleave(np.einsum)(a, c) for c in (b, 2 * b)]),
                               rtol=1e-12)


def test_product_errors():
    with pytest.raises(ValueError, match="not have enough dimensions"):
        cr.grad(lambda x: cnp.matmul(x, 2.0))(1.0)
    with pytest.raises(ValueError, match="mismatch|not aligned"):
        cr.grad(lambda x: cnp.matmul(x, np.ones((2, 2))).sum())(np.ones((2, 3)))
    with pytest.raises(ValueError, match="shape-mismatch"):
        cr.grad(lambda x: cnp.tensordot(x, np.ones((2, 2)), 1).sum())(np.ones((2, 3)))
    with pytest.raises(ValueError, match="dimension must be 2 or 3"):
        cr.grad(lambda x: cnp.cross(x, x).sum())(np.ones(4))
    with pytest.raises(ValueError, match="cannot be the same"):
        cr.grad(lambda x: cnp.diagonal(x, 0, 1, 1).sum())(np.ones((2, 2)))


def test_complex_products():
    z1 = rand((3,), seed=1) + 1j * rand((3,), seed=2)
    z2 = rand((3,), seed=3) - 1j * rand((3,), seed=4)
    for name in ("vdot", "dot", "inner", "vecdot", "outer", "kron"):
        check(getattr(cnp, name), getattr(np, name), (z1, z2), grads=False)
    cr.check_grads(lambda a, b: cnp.real(cnp.vdot(a, b)), (z1, z2), order=2, modes=("fwd",))


# A vector, a matrix and a stack for each side of ``a @ b`` (contracted length 3).
_LEFT = {"v": (3,), "M": (2, 3), "S": (4, 2, 3)}
_RIGHT = {"v": (3,), "M": (3, 2), "S": (4, 3, 2)}


@pytest.mark.parametrize("in_axes", [(0, None), (None, 0), (0, 0)])
@pytest.mark.parametrize("left,right", [(a, b) for a in _LEFT for b in _RIGHT
                                        if "v" in (a, b)])
def test_matmul_of_vectors_under_vmap(left, right, in_axes):
    # matmul takes vector operands itself; its batch rule turns a batch of vectors into
    # the rows of one matrix (W @ x on a batch: xs @ W.T) or promotes it as NumPy does.
    # Every combination against a loop of NumPy products, and its derivatives.
    rng = np.random.default_rng(7)
    shapes = [_LEFT[left], _RIGHT[right]]
    args = [rng.normal(size=((5,) + s) if ax == 0 else s) for s, ax in zip(shapes, in_axes)]
    expected = np.stack([np.matmul(*[a[i] if ax == 0 else a for a, ax in zip(args, in_axes)])
                         for i in range(5)])
    f = cr.vmap(cnp.matmul, in_axes=in_axes)
    np.testing.assert_allclose(f(*args), expected, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(cr.jit(f)(*args), expected, rtol=1e-13, atol=1e-14)
    cr.check_grads(lambda *xs: cnp.sum(cnp.sin(f(*xs))), tuple(args), order=2,
                   modes=("fwd", "rev"))


@pytest.mark.parametrize("left,right", [("v", "v"), ("v", "M"), ("M", "v"), ("v", "S"),
                                        ("S", "v")])
def test_matmul_of_vectors_derivatives(left, right):
    rng = np.random.default_rng(8)
    a, b = rng.normal(size=_LEFT[left]), rng.normal(size=_RIGHT[right])
    cr.check_grads(lambda x, y: cnp.sum(cnp.sin(cnp.matmul(x, y))), (a, b), order=2,
                   modes=("fwd", "rev"))
    ga, gb = cr.grad(lambda x, y: cnp.sum(cnp.matmul(x, y)), argnums=(0, 1))(a, b)
    # d/da sum(a @ b) and d/db, written out with NumPy.
    ones = np.ones(np.matmul(a, b).shape)
    a2 = a[None] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    o2 = ones.reshape(np.matmul(a2, b2).shape)
    np.testing.assert_allclose(ga, np.sum(o2 @ np.swapaxes(b2, -1, -2),
                                          axis=tuple(range(o2.ndim - a2.ndim))
                                          ).reshape(a.shape), rtol=1e-14)
    np.testing.assert_allclose(gb, np.sum(np.swapaxes(a2, -1, -2) @ o2,
                                          axis=tuple(range(o2.ndim - b2.ndim))
                                          ).reshape(b.shape), rtol=1e-14)
