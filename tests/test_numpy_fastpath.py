"""The generated plain-array fast path (``numpy_fast_path``): how it calls NumPy."""

import inspect

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from chainrule._src.numpy.fastpath import numpy_fast_path, plain_sequence

NoValue = np._NoValue


def recorder(signature_of):
    """A stand-in for a NumPy function with the signature of ``signature_of`` that returns
    the arguments it was called with."""
    def fn(*args, **kwargs):
        return args, kwargs
    fn.__signature__ = inspect.signature(signature_of)
    return fn


def general(*args, **kwargs):  # pragma: no cover - never reached with plain input
    raise AssertionError("the general path ran on plain input")


def test_numpy_gets_positionally_what_it_takes_positionally():
    def theirs(a, axis=None, out=None, *, keepdims=NoValue):
        pass

    @numpy_fast_path(recorder(theirs))
    def ours(a, axis=None, out=None, *, keepdims=False):
        return general()
    x = np.ones(2)
    # keepdims: a default of its own, passed as a keyword; nothing before it is left out
    assert ours(x) == ((x, None, None), {"keepdims": False})
    assert ours(x, 1, keepdims=True) == ((x, 1, None), {"keepdims": True})
    assert inspect.signature(ours) == inspect.signature(ours.__wrapped__)


def test_trailing_arguments_at_numpys_defaults_are_left_out():
    def theirs(a, n=1, axis=-1, prepend=NoValue, append=NoValue):
        pass

    @numpy_fast_path(recorder(theirs), optional=("prepend", "append"))
    def ours(a, n=1, axis=-1, prepend=NoValue, append=NoValue):
        return general()
    x = np.ones(2)
    assert ours(x) == ((x,), {})
    assert ours(x, 2) == ((x, 2), {})
    assert ours(x, axis=0) == ((x, 1, 0), {})
    assert ours(x, append=x) == ((x, 1, -1, NoValue, x), {})
    assert ours(x, np.int64(1)) == ((x, np.int64(1)), {})  # equal, not the default itself


def test_names_that_differ_from_numpys_are_passed_as_keywords():
    def theirs(a, b=None, c=None):
        pass

    @numpy_fast_path(recorder(theirs))
    def ours(a, c=None, b=None):
        return general()
    x = np.ones(2)
    assert ours(x, 1, 2) == ((x,), {"c": 1, "b": 2})
    assert ours(x) == ((x,), {})


def test_plain_sequences():
    assert plain_sequence([1.0, np.ones(2), (2, [3, np.float32(1.0)])])
    assert plain_sequence(()) and not plain_sequence(np.ones(2)) and not plain_sequence("ab")
    assert not plain_sequence([1.0, object()])

    def f(t):
        assert not plain_sequence([1.0, [t]])
        return t
    cr.grad(f)(1.0)


@pytest.mark.parametrize("call", [
    lambda m, x: m.diff(x, 2), lambda m, x: m.diff(x, axis=0, append=[[1.0, 2.0, 3.0]]),
    lambda m, x: m.diff(x, n=0), lambda m, x: m.take(x, [1, 0], axis=1),
    lambda m, x: m.take(x, 5, mode="wrap"), lambda m, x: m.sum(x, 1, keepdims=True),
    lambda m, x: m.cumsum(x, axis=1, dtype=np.float32), lambda m, x: m.sort(x, axis=None),
    lambda m, x: m.percentile(x, 50, 0, None, False, "lower"),
    lambda m, x: m.linalg.svd(x, compute_uv=False), lambda m, x: m.fft.fft(x, 4, 0, "ortho"),
    lambda m, x: m.copy(x, order="F"), lambda m, x: m.reshape(x, -1, order="F"),
], ids=lambda f: "")
def test_keywords_and_positions_reach_numpy(call):
    x = np.arange(6.0).reshape(2, 3) ** 1.5
    ours, theirs = call(cnp, x), call(np, x)
    assert type(ours) is type(theirs)
    for o, t in zip(ours if isinstance(ours, tuple) else (ours,),
                    theirs if isinstance(theirs, tuple) else (theirs,)):
        assert o.dtype == t.dtype and o.shape == t.shape and o.flags.f_contiguous == \
            t.flags.f_contiguous
        np.testing.assert_array_equal(o, t, strict=True)
