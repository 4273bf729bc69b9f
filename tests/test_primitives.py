"""Registry-driven checks of every primitive: values, abstract evaluation and derivatives.

Each case is checked in forward and reverse mode against finite differences (to second
order unless the case says otherwise), its ``abstract_eval`` against the real output, and
non-differentiable primitives for a zero (absent) tangent.
"""

import glob
import importlib
import os

import numpy as np
import pytest

import chainrule as cr
import chainrule._src.lax  # noqa: F401 - registers the primitives
from chainrule._src.core import get_aval, primitives

# Primitives whose rules are exercised through other public tests rather than directly.
INDIRECT = {
    "custom_vjp_linear": "only recorded by custom_vjp; tested in test_custom.py",
    # An operand or output of these is the loop's tape, an opaque object (not an array the
    # generic checks can perturb, stack or difference); they only arise from the reverse-mode
    # rule of a while loop under jit.
    "while_residuals": "tested through jit(grad(while_loop)) in test_control_flow.py",
    "while_linear": "tested through jit(linearize/jacfwd/grad) in test_control_flow.py",
    "while_linear_transpose": "tested through jit(grad/jacrev(while_loop)) in "
                              "test_control_flow.py",
}


def _all_cases():
    here = os.path.dirname(__file__)
    cases = []
    for path in sorted(glob.glob(os.path.join(here, "cases_*.py"))):
        mod = importlib.import_module(os.path.basename(path)[:-3])
        cases.extend(mod.CASES)
    return cases


CASES = _all_cases()


def test_every_primitive_has_cases():
    covered = {c.prim for c in CASES}
    missing = sorted(set(primitives) - covered - set(INDIRECT))
    assert not missing, f"primitives without test cases (add them to tests/cases_*.py): {missing}"
    unknown = sorted(covered - set(primitives))
    assert not unknown, f"cases for unregistered primitives: {unknown}"


def _fun(case):
    prim = primitives[case.prim]
    diff = case.diff if case.diff is not None else tuple(
        i for i, a in enumerate(case.args) if np.asarray(a).dtype.kind in "fc")

    def f(*dargs):
        full = list(case.args)
        for i, a in zip(diff, dargs):
            full[i] = a
        return prim.bind(*full, **case.params)
    return f, tuple(case.args[i] for i in diff)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_abstract_eval_matches_impl(case):
    prim = primitives[case.prim]
    out = prim.bind(*case.args, **case.params)
    avals = prim.abstract_eval(*[get_aval(a) for a in case.args], **case.params)
    outs, avals = (out, avals) if prim.multiple_results else ([out], [avals])
    for o, a in zip(outs, avals):
        assert np.shape(o) == a.shape, f"{case.prim}: shape {np.shape(o)} vs abstract {a.shape}"
        assert np.asarray(o).dtype == a.dtype, (
            f"{case.prim}: dtype {np.asarray(o).dtype} vs abstract {a.dtype}")


@pytest.mark.parametrize("case", [c for c in CASES if c.differentiable],
                         ids=[c.id for c in CASES if c.differentiable])
def test_derivatives_match_finite_differences(case):
    f, args = _fun(case)
    cr.check_grads(f, args, order=case.order, modes=("fwd", "rev"), atol=case.atol,
                   rtol=case.rtol, eps=case.eps)


def _has_float_operand(case):
    return any(np.asarray(a).dtype.kind == "f" for a in case.args)


NONDIFF = [c for c in CASES if not c.differentiable and _has_float_operand(c)]


@pytest.mark.parametrize("case", NONDIFF, ids=[c.id for c in NONDIFF])
def test_nondifferentiable_has_zero_tangent(case):
    f, args = _fun(case)
    out, tangent = cr.jvp(f, args, tuple(np.ones_like(a) for a in args))
    np.testing.assert_array_equal(np.asarray(tangent), 0)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(f(*args)))


def _perturbed(a, k):
    a = np.asarray(a)
    if a.dtype.kind != "f" or k == 0:
        return a
    return a * (1 + 0.01 * k)


def _batchings(case):
    arrays = [i for i, a in enumerate(case.args) if isinstance(a, np.ndarray)]
    choices = [(i,) for i in arrays]
    if len(arrays) > 1:
        choices.append(tuple(arrays))
    return choices


VMAP_CASES = [(c, b) for c in CASES for b in _batchings(c)]


@pytest.mark.filterwarnings("ignore:vmap. primitive")
@pytest.mark.parametrize("case,batched", VMAP_CASES,
                         ids=[f"{c.id}-batch{''.join(map(str, b))}" for c, b in VMAP_CASES])
def test_vmap_matches_loop(case, batched):
    prim = primitives[case.prim]
    size = 3
    per_example = [[_perturbed(a, k) if i in batched else a for i, a in enumerate(case.args)]
                   for k in range(size)]
    expected = [prim.bind(*args, **case.params) for args in per_example]
    if not prim.multiple_results:
        expected = [np.asarray(e) for e in expected]
    stacked = [np.stack([ex[i] for ex in per_example]) if i in batched else a
               for i, a in enumerate(case.args)]
    in_axes = tuple(0 if i in batched else None for i in range(len(case.args)))
    got = cr.vmap(lambda *a: prim.bind(*a, **case.params), in_axes=in_axes)(*stacked)
    if prim.multiple_results:
        pairs = [(g, np.stack([e[k] for e in expected])) for k, g in enumerate(got)]
    else:
        pairs = [(got, np.stack(expected))]
    for g, e in pairs:
        np.testing.assert_allclose(np.asarray(g), e, rtol=1e-12, atol=1e-12)
        assert np.asarray(g).dtype == e.dtype


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_jit_matches_eager(case):
    prim = primitives[case.prim]
    expected = prim.bind(*case.args, **case.params)
    got = cr.jit(lambda *a: prim.bind(*a, **case.params))(*case.args)
    outs = zip(got, expected) if prim.multiple_results else [(got, expected)]
    for g, e in outs:
        np.testing.assert_array_equal(np.asarray(g), np.asarray(e))
        assert np.asarray(g).dtype == np.asarray(e).dtype
