"""The checks that every case of a SciPy-compatibility table runs.

A table maps a case name to ``(f, ref, args, order)``: chainrule's function, SciPy's, the
arguments, and the order to which ``f`` is smooth.  :func:`table_tests` returns the five
tests (values plain and under ``jit``; ``check_grads`` in both modes, to ``order``; under
``jit``; ``vmap`` values; ``check_grads`` under ``vmap``), which a test module binds to
module-level ``test_*`` names so that pytest collects them.
"""

import numpy as np
import pytest

import chainrule as cr


def assert_close(got, want, scale_atol=True):
    """Equal to 1e-12, relative, with an absolute floor of 1e-12 (times the largest
    magnitude of ``want`` when it exceeds 1, with ``scale_atol``)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape
    scale = max(1.0, float(np.max(np.abs(want)))) if scale_atol else 1.0
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * scale)


def table_tests(cases, *, perturb, seed, scale_atol=True, adjust=None):
    """The five tests of ``cases``; a batch for ``vmap`` is each argument and a copy moved by
    ``perturb`` times a standard normal draw (from ``seed``: the same batch whatever order
    the tests run in), passed through ``adjust(name, batched)`` when given."""
    names = sorted(cases)

    def close(got, want):
        assert_close(got, want, scale_atol)

    def batched(name, args):
        rng = np.random.default_rng(seed)
        out = [np.stack([a, a + perturb * rng.normal(size=np.shape(a))]) for a in args]
        return adjust(name, out) if adjust is not None else out

    @pytest.mark.parametrize("name", names)
    def test_values_plain_and_traced(name):
        f, ref, args, _ = cases[name]
        want = ref(*args)
        close(f(*args), want)
        close(cr.jit(f)(*args), want)

    @pytest.mark.parametrize("name", names)
    def test_derivatives(name):
        f, _, args, order = cases[name]
        cr.check_grads(f, args, order=order, modes=("fwd", "rev"))

    @pytest.mark.parametrize("name", names)
    def test_derivatives_under_jit(name):
        f, _, args, _ = cases[name]
        cr.check_grads(cr.jit(f), args, order=1, modes=("fwd", "rev"))

    @pytest.mark.parametrize("name", names)
    def test_vmap(name):
        f, ref, args, _ = cases[name]
        b = batched(name, args)
        got = cr.vmap(f)(*b)
        for i in range(2):
            close(got[i], ref(*(x[i] for x in b)))

    @pytest.mark.parametrize("name", names)
    def test_derivatives_under_vmap(name):
        f, _, args, _ = cases[name]
        cr.check_grads(cr.vmap(f), batched(name, args), order=1, modes=("fwd", "rev"))

    return (test_values_plain_and_traced, test_derivatives, test_derivatives_under_jit,
            test_vmap, test_derivatives_under_vmap)
