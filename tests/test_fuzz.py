"""Differential fuzzing of every transform on random programs.

Random programs (``fuzz_programs.py``: chains and DAGs of ``chainrule.numpy`` functions with
broadcasting, reductions, ``einsum``, linear algebra, FFTs, ``cond``/``switch``/``scan``/
``while_loop``/``fori_loop`` and complex values) are checked against the untransformed
program and against finite differences (docs/testing.md has the full list):

- eager and ``jit`` against a plain NumPy interpreter with Python control flow; a ``jit``
  output mutated in place does not change a later call;
- ``grad``, ``jvp`` and ``vjp`` against central differences (``<vjp(u), v> = <u, jvp(v)>``);
- ``jacfwd``, ``jacrev``, ``jacobian`` against each other and finite differences, ``hessian``
  against ``jacfwd(jacrev)`` and second differences;
- ``vmap(f)``, ``vmap(grad)``, ``jit(vmap(grad))``, ``jacrev(vmap)`` and ``grad(jit)``
  against loops of the unbatched results;
- nested transforms (``jvp(grad)``, ``grad(grad)``, mixed partials through closures,
  ``jit(hessian)``, ``vmap(hessian)``, ``vmap(vmap)``...) against the plain ones;
- float32 inputs keep NumPy's dtypes, gradients their input's dtype;
- on Dask arrays, NumPy's values and gradients, inputs left unchanged;
- a complex tangent or cotangent on a real function raises or is used in full;
- JAX's results, when JAX is installed (that comparison only is left out otherwise).

Finite differences judge only points where they can: every intermediate finite and moderate,
and every branch boundary or non-smooth point well away (``_tame``).

Profiles
--------
The quick profile (derandomized, 40 to 150 examples per test, about ten seconds) runs with
the default ``pytest``.  The long profile is opt-in::

    pytest -m fuzz tests/test_fuzz.py                      # 2000 examples per test
    CHAINRULE_FUZZ_EXAMPLES=20000 pytest -m fuzz tests/test_fuzz.py

Known bugs
----------
Families of programs that fail on the current code are listed in
``fuzz_programs.KNOWN_BUGS``; the hypothesis tests do not generate them.  ``test_family``
runs fixed programs of every family and is a strict xfail for the listed ones: once a fix
makes them pass, it fails and asks for the family's line in ``KNOWN_BUGS`` to be deleted.
"""

import os

import numpy as np
import pytest
from fuzz_programs import (CR, ENABLED, FAMILIES, KNOWN_BUGS, DrawChooser, RngChooser,
                           evaluate, generate, jax_backend, reference)
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import chainrule as cr
import chainrule.numpy as cnp

# Untaken branches, kinks and overflow in rejected points warn; the checks judge the values.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning",
                                        "ignore::numpy.exceptions.ComplexWarning")

JAX = jax_backend()
LONG = int(os.environ.get("CHAINRULE_FUZZ_EXAMPLES", "2000"))
BIG = 20.0        # largest intermediate magnitude finite differences are trusted with
MARGIN = 1e-3     # closest distance to a branch boundary or a kink


class Rejected(Exception):
    """The point is not one where the check can judge (see ``_tame``)."""


# --------------------------------------------------------------------------------------------
# helpers

def _tame(prog, xs, events=None):
    """The reference output, when finite differences can judge the point; ``events``
    collects the features the point meets (``Recorder.events``)."""
    try:
        out, rec = reference(prog, xs)
    except (ValueError, IndexError, np.linalg.LinAlgError):
        raise Rejected from None  # NumPy itself refuses (say, max of an empty array)
    if not (rec.finite and rec.biggest < BIG and rec.margin > MARGIN):
        raise Rejected
    if events is not None:
        events.update(rec.events)
    return out


def _skips(prog, events, family):
    """Whether a check is left out: the point meets a known bug (``family``, still in
    ``KNOWN_BUGS``) that the program was not generated to show."""
    return family in events and family in KNOWN_BUGS and family not in prog.families


def _close(actual, expected, what, prog, rtol=1e-8, atol=1e-9):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, (
        f"{what}: shape {actual.shape}, expected {expected.shape}\n{prog}")
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    ok = np.allclose(actual, expected, rtol=rtol, atol=atol * scale)
    assert ok, f"{what}:\n got {actual!r}\n expected {expected!r}\n{prog}"


def _weights(shape, complex_out):
    rng = np.random.default_rng(12345)
    w = rng.uniform(0.5, 1.5, shape)
    return (w, rng.uniform(-1.5, -0.5, shape)) if complex_out else (w, None)


def _loss_fn(prog, shape, complex_out, B=CR):
    """A real scalar of the program's output, with fixed weights."""
    w, w_im = _weights(shape, complex_out)
    xnp = B.np

    def loss(*xs):
        out = evaluate(prog, xs, B)
        if w_im is None:
            return xnp.sum(w * out)
        return xnp.sum(w * xnp.real(out)) + xnp.sum(w_im * xnp.imag(out))
    return loss


def _ref_loss(prog, shape, complex_out):
    w, w_im = _weights(shape, complex_out)

    def loss(*xs):
        out = reference(prog, xs)[0]
        return np.sum(w * out.real) + (0 if w_im is None else np.sum(w_im * out.imag))
    return loss


def _fd_agrees(exact, fd_at, what, prog, tol=1e-5):
    """``exact`` against central differences ``fd_at(h)``; a smaller step is tried before
    judging (the truncation error of a wrong derivative does not go away)."""
    exact = np.asarray(exact)
    errors = []
    for h in (1e-5, 1e-4, 1e-6, 1e-3):
        approx = np.asarray(fd_at(h))
        scale = max(1.0, float(np.max(np.abs(approx), initial=0.0)))
        err = float(np.max(np.abs(exact - approx), initial=0.0))
        if err <= tol * scale:
            return
        errors.append((h, err, approx))
    h, err, approx = min(errors, key=lambda e: e[1])
    raise AssertionError(f"{what} disagrees with finite differences (best step {h}, "
                         f"error {err:.3g}):\n exact {exact!r}\n fd    {approx!r}\n{prog}")


def _flat(prog):
    """The program as a function of one flat vector (for Jacobians and Hessians)."""
    shapes = [s for s, _ in prog.inputs]
    sizes = [int(np.prod(s)) for s in shapes]
    offsets = np.cumsum([0] + sizes)

    def unpack(x):
        return [cnp.reshape(x[offsets[i]:offsets[i + 1]], s) for i, s in enumerate(shapes)]
    return unpack, int(offsets[-1])


def _stageable(prog, events=()):
    """Whether the program can be checked under ``jit`` and ``vmap``: not while those raise
    for ``sort`` (``sort_under_jit_vmap``) or give NaN for the derivatives of ``prod`` and
    ``cumprod`` at exact zeros (``prod_at_zero``), unless the program was generated for it."""
    return (("sort" not in prog.families or "sort_under_jit_vmap" in prog.families)
            and not _skips(prog, events, "prod_at_zero"))


def _inner(a, b):
    return np.sum(np.asarray(a) * np.asarray(b))


# --------------------------------------------------------------------------------------------
# checks (each raises AssertionError with the program listing, or Rejected)

def check_eager_and_jit(prog, seed):
    xs = prog.sample(np.random.default_rng(seed))
    events = set()
    expected = _tame(prog, xs, events)
    _close(evaluate(prog, xs, CR), expected, "eager", prog)
    if not _stageable(prog, events):
        return
    f = cr.jit(lambda *a: evaluate(prog, a, CR))
    out = f(*xs)
    _close(out, expected, "jit", prog)
    _oracle_values(prog, xs, expected)
    if "jit_output_alias" not in prog.families:
        return
    loss = _loss_fn(prog, expected.shape, np.iscomplexobj(expected))
    step = cr.jit(cr.grad(loss, argnums=tuple(range(len(xs)))))
    grads = [np.array(g) for g in step(*xs)]
    # Mutate what the previous calls returned, as an optimizer step would (``g *= lr``).
    # The calls get copies: an output may be a view of an input, as it is without jit.
    for o in (f(*[x.copy() for x in xs]), *step(*[x.copy() for x in xs])):
        if isinstance(o, np.ndarray) and o.flags.writeable:
            o *= 0.5
            o += 1.0
    _close(f(*xs), expected, "jit after its previous output was mutated", prog)
    for g, g0 in zip(step(*xs), grads):
        _close(g, g0, "jit(grad) after its previous output was mutated", prog)


def check_derivatives(prog, seed):
    rng = np.random.default_rng(seed)
    xs = prog.sample(rng)
    events = set()
    out = _tame(prog, xs, events)
    complex_out = np.iscomplexobj(out)
    argnums = tuple(range(len(xs)))
    loss, ref_loss = _loss_fn(prog, out.shape, complex_out), _ref_loss(prog, out.shape,
                                                                      complex_out)
    v = [rng.standard_normal(np.shape(x)) + (1j * rng.standard_normal(np.shape(x))
                                             if np.iscomplexobj(x) else 0) for x in xs]

    def moved(h):
        return [x + h * d for x, d in zip(xs, v)]

    def fd_loss(h):
        return (ref_loss(*moved(h)) - ref_loss(*moved(-h))) / (2 * h)

    def fd_out(h):
        return (reference(prog, moved(h))[0] - reference(prog, moved(-h))[0]) / (2 * h)

    # grad (reverse mode) and jvp (forward mode) against finite differences.
    g = cr.grad(loss, argnums=argnums)(*xs)
    for gi, x in zip(g, xs):
        _close(np.shape(gi), np.shape(x), "grad shape", prog)
        assert np.asarray(gi).dtype == x.dtype, (
            f"grad dtype {np.asarray(gi).dtype} for a {x.dtype} input\n{prog}")
    # A real function of complex z has grad df/dx - i df/dy (JAX's convention), so the
    # derivative along v is Re(grad . v).
    _fd_agrees(np.real(sum(_inner(gi, d) for gi, d in zip(g, v))), fd_loss, "<grad, v>",
               prog)
    primal, tangent = cr.jvp(lambda *a: evaluate(prog, a, CR), tuple(xs), tuple(v))
    _close(primal, out, "jvp primal", prog)
    _fd_agrees(tangent, fd_out, "jvp", prog)
    # <vjp(u), v> = Re <u, jvp(v)> (cotangents are not conjugated).
    u = rng.standard_normal(out.shape)
    if complex_out:
        u = u + 1j * rng.standard_normal(out.shape)
    primal, f_vjp = cr.vjp(lambda *a: evaluate(prog, a, CR), *xs)
    ct = f_vjp(u)
    lhs = np.real(sum(_inner(c, d) for c, d in zip(ct, v)))
    _close(lhs, np.real(_inner(u, tangent)), "<vjp(u), v> vs <u, jvp(v)>", prog)
    _oracle_grad(prog, xs, out, g)
    # grad through jit and jit of grad.
    if not _stageable(prog, events):
        return
    for name, fn in (("grad(jit)", cr.grad(cr.jit(loss), argnums=argnums)),
                     ("jit(grad)", cr.jit(cr.grad(loss, argnums=argnums)))):
        for gi, g0 in zip(fn(*xs), g):
            _close(gi, g0, name, prog)


def _real_inputs(prog):
    """Jacobians of complex inputs need ``holomorphic=True``; those checks take real ones."""
    if any(kind == "complex" for _, kind in prog.inputs):
        raise Rejected


def check_jacobians(prog, seed):
    _real_inputs(prog)
    rng = np.random.default_rng(seed)
    xs = prog.sample(rng)
    out = _tame(prog, xs)
    complex_out = np.iscomplexobj(out)
    unpack, n = _flat(prog)
    x = np.concatenate([np.ravel(a) for a in xs])

    def f(x):
        return cnp.ravel(evaluate(prog, unpack(x), CR))

    jf = cr.jacfwd(f)(x)
    m = out.size
    assert np.shape(jf) == (m, n), (np.shape(jf), prog)

    def fd_col(h):
        cols = []
        for j in range(n):
            e = np.zeros(n)
            e[j] = h
            plus = reference(prog, _split(prog, x + e))[0].ravel()
            minus = reference(prog, _split(prog, x - e))[0].ravel()
            cols.append((plus - minus) / (2 * h))
        return np.stack(cols, axis=-1) if cols else np.zeros((m, 0))

    _fd_agrees(jf, fd_col, "jacfwd", prog)
    _close(cr.jacrev(f)(x), jf, "jacrev vs jacfwd", prog)
    _close(cr.jacobian(f)(x), jf, "jacobian vs jacfwd", prog)
    _close(cr.jacfwd(f, chunk_size=2)(x), jf, "jacfwd(chunk_size=2)", prog)
    _close(cr.jacrev(f, chunk_size=3)(x), jf, "jacrev(chunk_size=3) vs jacfwd", prog)

    w, w_im = _weights(out.shape, complex_out)

    def loss(x):
        o = evaluate(prog, unpack(x), CR)
        if w_im is None:
            return cnp.sum(w * o)
        return cnp.sum(w * cnp.real(o)) + cnp.sum(w_im * cnp.imag(o))

    def ref_loss(x):
        o = reference(prog, _split(prog, x))[0]
        return np.sum(w * o.real) + (0 if w_im is None else np.sum(w_im * o.imag))

    hess = cr.hessian(loss)(x)
    _close(hess, cr.jacfwd(cr.jacrev(loss))(x), "hessian vs jacfwd(jacrev)", prog)
    _close(hess, np.swapaxes(hess, 0, 1), "hessian symmetry", prog, rtol=1e-7, atol=1e-7)
    v = rng.standard_normal(n)
    grad = cr.grad(loss)

    def fd_hv(h):
        return (np.asarray(grad(x + h * v)) - np.asarray(grad(x - h * v))) / (2 * h)

    def fd2(h):
        h = 100 * h  # second differences need a larger step
        return (ref_loss(x + h * v) - 2 * ref_loss(x) + ref_loss(x - h * v)) / h ** 2

    _fd_agrees(hess @ v, fd_hv, "hessian @ v vs differences of grad", prog)
    _fd_agrees(v @ hess @ v, fd2, "v . hessian . v vs second differences", prog, tol=1e-4)
    _oracle_jacobian(prog, x, jf)


def _split(prog, x):
    out, i = [], 0
    for shape, _ in prog.inputs:
        k = int(np.prod(shape))
        out.append(np.reshape(x[i:i + k], shape))
        i += k
    return out


def check_vmap(prog, seed, mapped):
    if not _stageable(prog):
        raise Rejected
    rng = np.random.default_rng(seed)
    batch = 3
    mapped = [bool(m) for m in mapped[:prog.n_inputs]] + [True] * prog.n_inputs
    mapped = mapped[:prog.n_inputs]
    if not any(mapped):
        mapped[0] = True
    single = prog.sample(rng)
    batched = prog.sample(rng, batch=batch)
    xs = [b if m else s for b, s, m in zip(batched, single, mapped)]
    per = [[x[b] if m else x for x, m in zip(xs, mapped)] for b in range(batch)]
    events = set()
    outs = [_tame(prog, p, events) for p in per]
    if not _stageable(prog, events):
        raise Rejected
    complex_out = np.iscomplexobj(outs[0])
    in_axes = tuple(0 if m else None for m in mapped)
    argnums = tuple(range(len(xs)))

    def f(*a):
        return evaluate(prog, a, CR)

    _close(cr.vmap(f, in_axes=in_axes)(*xs), np.stack(outs), "vmap", prog)
    _close(cr.vmap(f, in_axes=in_axes, chunk_size=2)(*xs), np.stack(outs),
           "vmap(chunk_size=2)", prog)
    loss = _loss_fn(prog, outs[0].shape, complex_out)
    grads = [cr.grad(loss, argnums=argnums)(*p) for p in per]
    expected = [np.stack([g[i] for g in grads]) for i in range(len(xs))]
    for name, fn in (("vmap(grad)", cr.vmap(cr.grad(loss, argnums=argnums), in_axes=in_axes)),
                     ("jit(vmap(grad))", cr.jit(cr.vmap(cr.grad(loss, argnums=argnums),
                                                        in_axes=in_axes)))):
        got = fn(*xs)
        for i in range(len(xs)):
            # the gradient of an unmapped argument comes back per example (out_axes=0).
            _close(got[i], expected[i], f"{name}, argument {i}", prog)
    # jacrev(vmap(f)) in the first mapped argument: block diagonal, one jacfwd per example.
    k = mapped.index(True)
    if np.iscomplexobj(xs[k]):
        return  # complex inputs need holomorphic=True

    def fk(xk):
        return cr.vmap(lambda *a: f(*a), in_axes=in_axes)(*xs[:k], xk, *xs[k + 1:])

    jac = cr.jacrev(fk)(xs[k])
    for b in range(batch):
        jb = cr.jacfwd(lambda xk: f(*per[b][:k], xk, *per[b][k + 1:]))(per[b][k])
        for b2 in range(batch):
            block = np.asarray(jac)[(b,) + (slice(None),) * outs[0].ndim + (b2,)]
            _close(block, jb if b == b2 else np.zeros_like(jb),
                   f"jacrev(vmap) block ({b}, {b2})", prog)


def check_nested(prog, seed):
    """Nested and composed transforms against the plain ones (which the other checks hold
    to finite differences)."""
    _real_inputs(prog)
    rng = np.random.default_rng(seed)
    xs = prog.sample(rng)
    events = set()
    out = _tame(prog, xs, events)
    complex_out = np.iscomplexobj(out)
    unpack, n = _flat(prog)
    x = np.concatenate([np.ravel(a) for a in xs])
    w, w_im = _weights(out.shape, complex_out)

    def f(x):
        return cnp.ravel(evaluate(prog, unpack(x), CR))

    def loss(x):
        o = evaluate(prog, unpack(x), CR)
        if w_im is None:
            return cnp.sum(w * o)
        return cnp.sum(w * cnp.real(o)) + cnp.sum(w_im * cnp.imag(o))

    v = rng.standard_normal(n)
    hess = np.asarray(cr.hessian(loss)(x))
    g = np.asarray(cr.grad(loss)(x))
    _close(cr.jvp(cr.grad(loss), (x,), (v,))[1], hess @ v, "jvp(grad)", prog)
    _close(cr.grad(lambda x: cnp.sum(cr.grad(loss)(x) * v))(x), hess @ v, "grad(grad)", prog)
    value, g2 = cr.value_and_grad(loss)(x)
    _close(value, reference_loss(prog, w, w_im, xs), "value_and_grad value", prog)
    _close(g2, g, "value_and_grad", prog)
    _close(cr.grad(cr.checkpoint(loss))(x), g, "grad(checkpoint)", prog)
    lin_out, f_lin = cr.linearize(f, x)
    _close(f_lin(v), cr.jvp(f, (x,), (v,))[1], "linearize", prog)
    # Mixed partials through closures: the inner derivative closes over the outer variable.
    k = int(np.prod(prog.inputs[0][0]))
    if 0 < k < n:
        def loss2(x1, x2):
            return loss(cnp.concatenate([x1, x2]))

        x1, x2, w1 = x[:k], x[k:], rng.standard_normal(k)
        inner = cr.grad(loss2, argnums=0)
        _close(cr.grad(lambda x2: cnp.sum(inner(x1, x2) * w1))(x2), hess[k:, :k] @ w1,
               "grad(closure over grad) (mixed partial)", prog)
        _close(cr.jvp(lambda x2: inner(x1, x2), (x2,), (v[k:],))[1], hess[:k, k:] @ v[k:],
               "jvp(closure over grad) (mixed partial)", prog)
    batch = 3
    X = np.stack([x + 0.05 * rng.standard_normal(n) for _ in range(batch)])
    per = [_split(prog, xb) for xb in X]
    for p_ in per:
        _tame(prog, p_, events)
    if not _stageable(prog, events):
        return
    if "while_loop" not in prog.families:
        # jit(hessian) of a while_loop raises by design (reverse mode of while_loop under
        # jit is first order); hessian(jit) is checked through grad(jit) and vmap below.
        _close(cr.jit(cr.hessian(loss))(x), hess, "jit(hessian)", prog)
    _close(cr.vmap(cr.hessian(loss))(X), np.stack([cr.hessian(loss)(xb) for xb in X]),
           "vmap(hessian)", prog)
    jf = np.stack([cr.jacfwd(f)(xb) for xb in X])
    _close(cr.vmap(cr.jacfwd(f))(X), jf, "vmap(jacfwd)", prog)
    _close(cr.vmap(cr.jacrev(f))(X), jf, "vmap(jacrev)", prog)
    fx = np.stack([np.ravel(reference(prog, p_)[0]) for p_ in per])
    _close(cr.vmap(f, in_axes=1, out_axes=1)(X.T), fx.T, "vmap(in_axes=1, out_axes=1)", prog)
    _close(cr.vmap(cr.vmap(f))(X[None]), fx[None], "vmap(vmap)", prog)
    u = rng.standard_normal(m := out.size) + (1j * rng.standard_normal(m) if complex_out else 0)
    _close(cr.jit(lambda x, u: cr.vjp(f, x)[1](u)[0])(x, u), cr.vjp(f, x)[1](u)[0],
           "jit(vjp)", prog)
    gs = np.stack([cr.grad(loss)(xb) for xb in X])
    _close(cr.grad(lambda X: cnp.sum(cr.jit(cr.vmap(loss))(X)))(X), gs, "grad(jit(vmap))",
           prog)


def reference_loss(prog, w, w_im, xs):
    o = reference(prog, xs)[0]
    return np.sum(w * o.real) + (0 if w_im is None else np.sum(w_im * o.imag))


def check_float32(prog, seed):
    """float32 inputs: results keep NumPy's dtypes (float32 stays float32, Python scalars
    are weak), gradients have their input's dtype, and values agree with float64."""
    if prog.dtype != "float32":
        raise Rejected
    _real_inputs(prog)
    rng = np.random.default_rng(seed)
    xs = prog.sample(rng, dtype=prog.dtype)
    events = set()
    out64 = _tame(prog, xs, events)
    ref32 = reference(prog, xs, dtype=np.float32)[0]

    def f(*a):
        return evaluate(prog, a, CR)

    results = [("eager", f(*xs))]
    if _stageable(prog, events):
        # one jitted function, called with float64 inputs first: the float32 call must not
        # reuse that trace.
        jf = cr.jit(f)
        jf(*[x.astype(float) for x in xs])
        results.append(("jit", jf(*xs)))
    for name, o in results:
        assert np.asarray(o).dtype == ref32.dtype, (
            f"{name} output dtype {np.asarray(o).dtype}, NumPy gives {ref32.dtype}\n{prog}")
        _close(o, out64, f"{name} float32 vs float64", prog, rtol=1e-3, atol=1e-3)
    loss = _loss_fn(prog, out64.shape, np.iscomplexobj(out64))
    argnums = tuple(range(len(xs)))
    g64 = cr.grad(loss, argnums=argnums)(*[x.astype(float) for x in xs])
    for gi, g0, x in zip(cr.grad(loss, argnums=argnums)(*xs), g64, xs):
        assert np.asarray(gi).dtype == x.dtype, (
            f"grad dtype {np.asarray(gi).dtype} for a {x.dtype} input\n{prog}")
        _close(gi, g0, "float32 grad vs float64", prog, rtol=2e-2, atol=2e-3)


def check_dtype_mismatch(prog, seed):
    """A complex tangent (cotangent) on a real input (output) raises, or is used in full:
    never silently dropped."""
    _real_inputs(prog)
    rng = np.random.default_rng(seed)
    xs = prog.sample(rng)
    out = _tame(prog, xs)
    if np.iscomplexobj(out):
        raise Rejected

    def f(*a):
        return evaluate(prog, a, CR)

    re = [rng.standard_normal(np.shape(x)) for x in xs]
    im = [rng.standard_normal(np.shape(x)) for x in xs]
    t_re = cr.jvp(f, tuple(xs), tuple(re))[1]
    t_im = cr.jvp(f, tuple(xs), tuple(im))[1]
    try:
        t = cr.jvp(f, tuple(xs), tuple(a + 1j * b for a, b in zip(re, im)))[1]
    except (TypeError, ValueError):
        pass
    else:
        _close(t, np.asarray(t_re) + 1j * np.asarray(t_im),
               "jvp with a complex tangent on a real input", prog)
    u_re, u_im = rng.standard_normal(out.shape), rng.standard_normal(out.shape)
    _, f_vjp = cr.vjp(f, *xs)
    c_re, c_im = f_vjp(u_re), f_vjp(u_im)
    try:
        c = f_vjp(u_re + 1j * u_im)
    except (TypeError, ValueError):
        return
    for got, a, b in zip(c, c_re, c_im):
        full = np.asarray(a) + 1j * np.asarray(b)
        ok = (np.shape(got) == np.shape(a) and
              (np.allclose(got, a, atol=1e-9) or np.allclose(got, full, atol=1e-9)))
        assert ok, (f"vjp with a complex cotangent on a real output: got {got!r}, expected "
                    f"an error, {a!r} (real part) or {full!r}\n{prog}")


def check_dask(prog, seed):
    """The program on Dask arrays, eagerly and under ``grad``: NumPy's values, the inputs left
    unchanged; an operation Dask lacks may raise (NotImplementedError or a TypeError that
    says so), nothing else."""
    if "dask" not in prog.families:
        raise Rejected
    import dask.array as da

    rng = np.random.default_rng(seed)
    xs = prog.sample(rng)
    out = _tame(prog, xs)
    loss = _loss_fn(prog, out.shape, np.iscomplexobj(out))
    argnums = tuple(range(len(xs)))
    g = cr.grad(loss, argnums=argnums)(*xs)

    def compute(a):
        return np.asarray(a.compute() if hasattr(a, "compute") else a)

    for name, fn, expected in (("eager", lambda *a: evaluate(prog, a, CR), out),
                               ("grad", cr.grad(loss, argnums=argnums), g)):
        dxs = [da.from_array(x.copy()) for x in xs]
        try:
            got = fn(*dxs)
        except NotImplementedError:
            continue
        except TypeError as e:
            if "dask" in str(e):
                continue
            raise
        got = tuple(map(compute, got)) if isinstance(got, tuple) else compute(got)
        expected = expected if isinstance(expected, tuple) else (expected,)
        for i, (a, b) in enumerate(zip(got if isinstance(got, tuple) else (got,), expected)):
            _close(a, b, f"{name} on Dask arrays, output {i}", prog)
        for i, (d, x) in enumerate(zip(dxs, xs)):
            _close(compute(d), x, f"{name} on Dask arrays changed input {i}", prog)


# --------------------------------------------------------------------------------------------
# the JAX oracle (only when JAX is installed)

def _jax_call(fn):
    try:
        out = fn()
    except Exception:  # a program JAX does not support: no oracle for it
        return None
    return tuple(map(np.asarray, out)) if isinstance(out, (tuple, list)) else np.asarray(out)


def _oracle_values(prog, xs, expected):
    if JAX is None:
        return
    got = _jax_call(lambda: evaluate(prog, [JAX.np.asarray(x) for x in xs], JAX))
    if got is not None:
        _close(expected, got, "value vs JAX", prog)


def _oracle_grad(prog, xs, out, g):
    if JAX is None:
        return
    loss = _loss_fn(prog, out.shape, np.iscomplexobj(out), JAX)
    argnums = tuple(range(len(xs)))
    got = _jax_call(lambda: JAX.jax.grad(loss, argnums=argnums)(
        *[JAX.np.asarray(x) for x in xs]))
    if got is not None:
        for gi, ji in zip(g, got):
            _close(gi, ji, "grad vs JAX", prog)


def _oracle_jacobian(prog, x, jf):
    if JAX is None:
        return

    def f(x):
        return JAX.np.ravel(evaluate(prog, _split(prog, x), JAX))

    got = _jax_call(lambda: JAX.jax.jacfwd(f)(JAX.np.asarray(x)))
    if got is not None:
        _close(jf, got, "jacfwd vs JAX", prog)


# --------------------------------------------------------------------------------------------
# hypothesis tests: a quick profile (default) and a long one (-m fuzz)

@st.composite
def programs(draw, families=None):
    return generate(DrawChooser(draw), families)


SEEDS = st.integers(0, 2 ** 16)
MAPPED = st.lists(st.booleans(), min_size=3, max_size=3)


def _run(check, *args):
    try:
        check(*args)
    except Rejected:
        assume(False)
    except Exception as e:
        if not isinstance(e, AssertionError):
            e.add_note(f"while checking\n{args[0]}")
        raise


def _profiles(check, quick, extra=()):
    """A quick derandomized test and a long ``fuzz``-marked one for ``check``."""
    cases = st.tuples(programs(), SEEDS, *extra)
    suppress = [HealthCheck.filter_too_much, HealthCheck.too_slow, HealthCheck.data_too_large]

    @settings(max_examples=quick, derandomize=True, deadline=None, database=None,
              suppress_health_check=suppress)
    @given(cases)
    def quick_test(case):
        _run(check, *case)

    @pytest.mark.fuzz
    @settings(max_examples=LONG, deadline=None, suppress_health_check=suppress)
    @given(cases)
    def long_test(case):
        _run(check, *case)

    return quick_test, long_test


test_eager_and_jit, test_eager_and_jit_long = _profiles(check_eager_and_jit, 150)
test_derivatives, test_derivatives_long = _profiles(check_derivatives, 120)
test_jacobians, test_jacobians_long = _profiles(check_jacobians, 80)
test_vmap, test_vmap_long = _profiles(check_vmap, 80, (MAPPED,))
test_nested, test_nested_long = _profiles(check_nested, 40)
test_float32, test_float32_long = _profiles(check_float32, 60)
test_dask, test_dask_long = _profiles(
    lambda prog, seed: check_dask(prog, seed) if "dask" in prog.families else None, 30)
test_dtype_mismatch, test_dtype_mismatch_long = _profiles(
    lambda prog, seed: check_dtype_mismatch(prog, seed) if "dtype_mismatch" in prog.families
    else None, 60)


# --------------------------------------------------------------------------------------------
# fixed programs of every family; strict xfail while the family is a known bug

CHECKS = {
    "eager_and_jit": check_eager_and_jit,
    "derivatives": check_derivatives,
    "jacobians": check_jacobians,
    "vmap": lambda prog, seed: check_vmap(prog, seed, [True, False, True]),
    "nested": check_nested,
}
FAMILY_CHECKS = {
    "jit_output_alias": ["eager_and_jit"],
    "dtype_mismatch": ["dtype_mismatch"],
    "cond_nonfinite_branch": ["vmap", "derivatives", "nested"],
    "sort_under_jit_vmap": ["eager_and_jit", "vmap"],
    "float32": ["float32"],
    "dask": ["dask"],
    "prod_at_zero": ["derivatives", "vmap", "nested"],
}


def family_programs(family, count=4, tries=400):
    """``count`` fixed tame programs that use ``family`` (and only enabled families)."""
    found = []
    for seed in range(tries):
        prog = generate(RngChooser(seed), ENABLED | {family}, require=family)
        if family not in prog.families:
            continue
        try:
            _tame(prog, prog.sample(np.random.default_rng(seed)))
        except Rejected:
            continue
        found.append((prog, seed))
        if len(found) == count:
            break
    return found


@pytest.mark.parametrize("family", [
    pytest.param(f, marks=pytest.mark.xfail(strict=True, reason="listed in KNOWN_BUGS"))
    if f in KNOWN_BUGS else f for f in sorted(FAMILIES)])
def test_family(family):
    checks = {**CHECKS, "dtype_mismatch": check_dtype_mismatch, "float32": check_float32,
              "dask": check_dask}
    names = FAMILY_CHECKS.get(family, list(CHECKS))
    progs = family_programs(family)
    assert progs, family
    for prog, seed in progs:
        for name in names:
            try:
                checks[name](prog, seed)
            except Rejected:
                pass
