"""Random programs for the differential fuzz tests (``tests/test_fuzz.py``).

A *program* is a small straight-line IR: a few float64 inputs of broadcast-compatible shapes,
then a list of operations, each reading earlier values (so programs are chains and DAGs) and
producing one new value.  The operations come from ``chainrule.numpy`` (elementwise functions,
broadcasting binary functions, reductions, ``einsum``, indexing) and ``chainrule.lax``
(``cond``, ``switch``, ``scan``, ``while_loop``), over real and complex values.

One program is interpreted by three backends:

``REF``
    plain NumPy with Python control flow: the untransformed reference.  It also records
    every intermediate magnitude and every distance to a branch boundary or a non-smooth
    point, so that a test can tell when finite differences are reliable.
``CR``
    ``chainrule.numpy`` and ``chainrule.lax``: the code under test, run under every
    transform.
``jax_backend()``
    ``jax.numpy`` and ``jax.lax``, when JAX is installed: an optional oracle.

Generation goes through a *chooser* (``DrawChooser`` for hypothesis, ``RngChooser`` for a
fixed seed), so the same generator serves the shrinking property tests and the fixed
per-family regression tests.

Families and ``KNOWN_BUGS``
---------------------------
Every feature that a known, not yet fixed bug breaks is a *family*: a flag the generator can
switch off.  ``KNOWN_BUGS`` lists the families that fail on the current code; the hypothesis
tests never generate them, so the fuzz suite stays green while the fixes are under way.
Each family also has a fixed-seed test (``test_fuzz.py::test_family``) that is
``xfail(strict=True)`` while the family is listed: when a fix lands, that test passes, the
strict xfail turns into a failure, and the family must be deleted from ``KNOWN_BUGS`` (one
line) -- which also puts it back into the hypothesis tests.  The fixed programs depend on
the generator: after changing it, ``pytest tests/test_fuzz.py -k test_family --runxfail``
must still fail for every listed family.
"""

from __future__ import annotations

import dataclasses

import numpy as np

# Families the generator can produce.  The first group is always on; the second group covers
# the features behind the bugs the fuzzer was written to find (see KNOWN_BUGS).
BASE_FAMILIES = frozenset({
    "elementwise", "reductions", "shape_ops", "where", "einsum", "cond", "switch", "scan",
    "while_loop", "complex", "structural", "kinks", "sort", "special", "linalg", "fft", "float32",
    "empty", "at", "custom_jvp", "fori_loop", "complex_inputs",
})
FAMILIES = BASE_FAMILIES | {
    # cond/switch whose branch not taken has a non-finite derivative there (sqrt, log and a
    # fractional power of a negative number): under vmap both branches are evaluated.
    # a jit output is mutated in place, then the function is called again.
    # einsum operands with size-1 dimensions that broadcast against the other operand.
    "einsum_broadcast",
    # programs whose final output is complex (real -> complex Jacobians).
    # inputs that are exactly zero, so squared norms, |x|**2 and variances are taken at 0
    # (or of equal elements), where they are smooth but their square roots are not.
    # jvp with a complex tangent / vjp with a complex cotangent on a real function.
    # sort and median under jit and vmap (off: those programs are checked eagerly only).
    # concatenate/stack of a complex and a real operand, differentiated in the real one.
    "mixed_complex_concat",
    # the program run on Dask arrays (eager and grad), against NumPy.
    "dask",
    # derivatives of prod/cumprod of values with exact zeros under jit and vmap (off: the
    # checks leave out jit and vmap where the reference meets them).
    "prod_at_zero",
}

# Families that fail on the current code, with the bug each one finds.  The generator leaves
# them out; ``test_family`` keeps them as strict xfails.  Delete a line when its fix merges.
KNOWN_BUGS: set[str] = set()

ENABLED = FAMILIES - KNOWN_BUGS


# --------------------------------------------------------------------------------------------
# Choosers

class RngChooser:
    """Choices from a NumPy generator (fixed-seed programs)."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def integer(self, lo, hi):
        return int(self.rng.integers(lo, hi + 1))

    def boolean(self):
        return bool(self.rng.integers(2))

    def choice(self, seq):
        seq = list(seq)
        return seq[self.integer(0, len(seq) - 1)]


class DrawChooser(RngChooser):
    """Choices from a hypothesis ``draw``, so that hypothesis can shrink them."""

    def __init__(self, draw):
        from hypothesis import strategies as st
        self.draw, self.st = draw, st

    def integer(self, lo, hi):
        return self.draw(self.st.integers(lo, hi))

    def boolean(self):
        return self.draw(self.st.booleans())


# --------------------------------------------------------------------------------------------
# Backends

class Backend:
    """An array namespace plus control flow: ``cond``, ``switch``, ``scan``, ``while_loop``."""

    def __init__(self, name, np_, cond, switch, scan, while_loop):
        self.name, self.np = name, np_
        self.cond, self.switch, self.scan, self.while_loop = cond, switch, scan, while_loop


def _py_scan(f, init, xs, reverse=False):
    carry, ys = init, []
    idx = range(len(xs))
    for i in (reversed(idx) if reverse else idx):
        carry, y = f(carry, xs[i])
        ys.append(y)
    if reverse:
        ys.reverse()
    return carry, np.stack(ys)


def _py_while(cond_fun, body_fun, val):
    while bool(cond_fun(val)):
        val = body_fun(val)
    return val


REF = Backend(
    "numpy", np,
    cond=lambda p, t, f, *ops: t(*ops) if bool(p) else f(*ops),
    switch=lambda i, branches, *ops: branches[int(i)](*ops),
    scan=_py_scan, while_loop=_py_while)


def _np_at_set(a, idx, b):
    out = np.array(a, dtype=np.result_type(a, b))
    out[idx] = b
    return out


def _np_at_add(a, idx, b):
    out = np.array(a, dtype=np.result_type(a, b))
    np.add.at(out, idx, b)
    return out


def _softplus(xnp, x):
    return xnp.logaddexp(x, 0.0)


def _softplus_jvp(xnp, primals, tangents):
    (x,), (t,) = primals, tangents
    return _softplus(xnp, x), t / (1 + xnp.exp(-x))


REF.at_set, REF.at_add = _np_at_set, _np_at_add
REF.softplus = lambda x: _softplus(np, x)
REF.fori_loop = None


def _cr_backend():
    import chainrule as cr
    import chainrule.numpy as cnp
    from chainrule import lax
    b = Backend("chainrule", cnp, cond=lax.cond, switch=lax.switch,
                scan=lambda f, init, xs, reverse=False: lax.scan(f, init, xs, reverse=reverse),
                while_loop=lax.while_loop)
    b.at_set = lambda a, idx, v: cnp.at(a)[idx].set(v)
    b.at_add = lambda a, idx, v: cnp.at(a)[idx].add(v)
    softplus = cr.custom_jvp(lambda x: _softplus(cnp, x))
    softplus.defjvp(lambda primals, tangents: _softplus_jvp(cnp, primals, tangents))
    b.softplus = softplus
    b.fori_loop = None
    b.lax_fori_loop = lax.fori_loop
    return b


CR = _cr_backend()


def jax_backend():
    """The JAX oracle, or None when JAX is not installed."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)

    def while_loop(cond_fun, body_fun, init):
        # jax.lax.while_loop cannot be reverse-differentiated; the programs' loops with a
        # fixed trip count are written as fori_loop there (see _while below).
        return jax.lax.while_loop(cond_fun, body_fun, init)

    b = Backend("jax", jnp, cond=jax.lax.cond, switch=jax.lax.switch,
                scan=lambda f, init, xs, reverse=False: jax.lax.scan(f, init, xs,
                                                                     reverse=reverse),
                while_loop=while_loop)
    b.fori_loop = b.lax_fori_loop = jax.lax.fori_loop
    b.at_set = lambda a, idx, v: a.at[idx].set(v)
    b.at_add = lambda a, idx, v: a.at[idx].add(v)
    softplus = jax.custom_jvp(lambda x: _softplus(jnp, x))
    softplus.defjvp(lambda primals, tangents: _softplus_jvp(jnp, primals, tangents))
    b.softplus = softplus
    b.jax = jax
    return b


# --------------------------------------------------------------------------------------------
# Operations

class Recorder:
    """Magnitudes and margins seen by the reference interpreter."""

    def __init__(self):
        self.biggest = 0.0
        self.margin = np.inf
        self.finite = True
        self.events = set()  # program features met at this point (e.g. "prod_at_zero")

    def value(self, v):
        a = np.abs(np.asarray(v))
        if a.size:
            if not np.all(np.isfinite(a)):
                self.finite = False
            else:
                self.biggest = max(self.biggest, float(np.max(a)))
        return v

    def near(self, distance):
        """Distance to a non-smooth point or a branch boundary."""
        d = np.abs(np.asarray(distance))
        if d.size:
            self.margin = min(self.margin, float(np.min(d)))


class _NoRecorder:
    events = set()

    def value(self, v):
        return v

    def near(self, distance):
        pass


# name: (function(xnp, x), accepts complex, linear)
UNARY = {
    "sin": (lambda xnp, x: xnp.sin(x), True),
    "cos": (lambda xnp, x: xnp.cos(x), True),
    "tanh": (lambda xnp, x: xnp.tanh(x), False),
    "exp_half": (lambda xnp, x: xnp.exp(0.5 * x), True),
    "log1p_sq": (lambda xnp, x: xnp.log1p(x * x), False),
    "sqrt1p_sq": (lambda xnp, x: xnp.sqrt(1 + x * x), False),
    "arctan": (lambda xnp, x: xnp.arctan(x), False),
    "cube": (lambda xnp, x: x * x * x, True),
    "square": (lambda xnp, x: xnp.square(x), True),
    "scale": (lambda xnp, x: 2.5 * x, True),
    "neg": (lambda xnp, x: -x, True),
    "recip1p_sq": (lambda xnp, x: 1 / (1 + x * x), False),
    "sigmoid": (lambda xnp, x: 1 / (1 + xnp.exp(-x)), False),
    "conj": (lambda xnp, x: xnp.conj(x), True),
}
BOUNDED = ["sin", "cos", "tanh", "arctan", "sigmoid"]

# name: (function(xnp, a, b), accepts complex, margin(numpy a, b) or None)
BINARY = {
    "add": (lambda xnp, a, b: a + b, True, None),
    "sub": (lambda xnp, a, b: a - b, True, None),
    "mul": (lambda xnp, a, b: a * b, True, None),
    "div_safe": (lambda xnp, a, b: a / (1 + b * b), False, None),
    "hypot": (lambda xnp, a, b: xnp.hypot(a, b), False, lambda a, b: np.hypot(a, b)),
    "logaddexp": (lambda xnp, a, b: xnp.logaddexp(a, b), False, None),
    "arctan2_safe": (lambda xnp, a, b: xnp.arctan2(a, 1 + b * b), False, None),
    "maximum": (lambda xnp, a, b: xnp.maximum(a, b), False, lambda a, b: a - b),
}

REDUCE = {
    "sum": (lambda xnp, x, axis, kd: xnp.sum(x, axis=axis, keepdims=kd), True),
    "mean": (lambda xnp, x, axis, kd: xnp.mean(x, axis=axis, keepdims=kd), True),
    "prod": (lambda xnp, x, axis, kd: xnp.prod(x, axis=axis, keepdims=kd), True),
    "var": (lambda xnp, x, axis, kd: xnp.var(x, axis=axis, keepdims=kd), False),
}

# Functions that are smooth everywhere, built from ones that are not smooth at 0.
SQUARED = {
    "norm_sq": (lambda xnp, x, axis: xnp.linalg.norm(x, axis=axis) ** 2, True),
    "abs_sq": (lambda xnp, x, axis: xnp.sum(xnp.abs(x) ** 2, axis=axis), True),
    "std_sq": (lambda xnp, x, axis: xnp.std(x, axis=axis) ** 2, False),
    "hypot_sq": (lambda xnp, x, axis: xnp.sum(xnp.hypot(x, 0.5 * x) ** 2, axis=axis), False),
}

# Functions with a non-finite derivative (or value) below 0, used in the branch taken only
# above 0; the smooth ones stand in when the family is off.
DOMAIN = {
    "sqrt": lambda xnp, s: xnp.sqrt(s),
    "log": lambda xnp, s: xnp.log(s),
    "pow1.5": lambda xnp, s: s ** 1.5,
}
SMOOTH_DOMAIN = {
    "tanh": lambda xnp, s: xnp.tanh(s),
    "sin": lambda xnp, s: xnp.sin(s),
}

TO_REAL = {
    "real": lambda xnp, z: xnp.real(z),
    "imag": lambda xnp, z: xnp.imag(z),
    "abs": lambda xnp, z: xnp.abs(z),
    "abs_sq": lambda xnp, z: xnp.abs(z) ** 2,
}



def _mat(xnp, a):
    """A well-conditioned (nonsymmetric) matrix per row of ``a``: ``2 I + 0.4 t flip(t)^T``
    with ``t = tanh(a)``, so its norm stays below 2 for rows of length up to 3."""
    t = xnp.tanh(a)
    n = np.shape(a)[-1]
    return 2 * xnp.eye(n) + 0.4 * t[..., :, None] * xnp.flip(t, -1)[..., None, :]


def _mT(xnp, m):
    return xnp.swapaxes(m, -1, -2)


def _gaps(x):
    """Smallest gap between values along the last axis (ties are kinks of sort/max)."""
    x = np.sort(np.real(x), axis=-1)
    return np.diff(x, axis=-1) if x.shape[-1] > 1 else np.inf


def _sq(sa):
    return sa if len(sa) >= 1 else None


# Operations beyond the core ones, by family.  name: (family, arity, function(xnp, a, b),
# output shape(shape a, shape b) or None when not applicable, accepts complex, output complex
# (True) or as the input (None), margin(numpy a, b) or None).
EXTRA = {
    # structural
    "reshape_flat": ("structural", 1, lambda xnp, a, b: xnp.reshape(a, (-1,)),
                     lambda sa, sb: (int(np.prod(sa)),), True, None, None),
    "reshape_rev": ("structural", 1, lambda xnp, a, b: xnp.reshape(a, np.shape(a)[::-1]),
                    lambda sa, sb: sa[::-1], True, None, None),
    "moveaxis": ("structural", 1, lambda xnp, a, b: xnp.moveaxis(a, 0, -1),
                 lambda sa, sb: sa[1:] + sa[:1] if len(sa) >= 2 else None, True, None, None),
    "roll": ("structural", 1, lambda xnp, a, b: xnp.roll(a, 1, axis=-1),
             lambda sa, sb: _sq(sa), True, None, None),
    "tile": ("structural", 1, lambda xnp, a, b: xnp.tile(a, 2),
             lambda sa, sb: sa[:-1] + (2 * sa[-1],) if sa else (2,), True, None, None),
    "repeat": ("structural", 1, lambda xnp, a, b: xnp.repeat(a, 2, axis=0),
               lambda sa, sb: (2 * sa[0],) + sa[1:] if sa else None, True, None, None),
    "pad": ("structural", 1, lambda xnp, a, b: xnp.pad(a, 1),
            lambda sa, sb: tuple(d + 2 for d in sa) if sa else None, True, None, None),
    "pad_edge": ("structural", 1, lambda xnp, a, b: xnp.pad(a, 1, mode="edge"),
                 lambda sa, sb: tuple(d + 2 for d in sa) if sa else None, True, None, None),
    "diff": ("structural", 1, lambda xnp, a, b: xnp.diff(a, axis=-1),
             lambda sa, sb: sa[:-1] + (sa[-1] - 1,) if sa and sa[-1] >= 2 else None,
             True, None, None),
    "cumsum": ("structural", 1, lambda xnp, a, b: xnp.cumsum(a, axis=-1),
               lambda sa, sb: _sq(sa), True, None, None),
    "cumprod": ("structural", 1, lambda xnp, a, b: xnp.cumprod(a, axis=-1),
                lambda sa, sb: _sq(sa), True, None, None),
    "prod_relu": ("prod_at_zero", 1, lambda xnp, a, b: xnp.prod(xnp.maximum(a, 0), axis=-1),
                  lambda sa, sb: sa[:-1] if sa else None, False, None, lambda a, b: a),
    "cumprod_relu": ("prod_at_zero", 1,
                     lambda xnp, a, b: xnp.cumprod(xnp.maximum(a, 0), axis=-1),
                     lambda sa, sb: _sq(sa), False, None, lambda a, b: a),
    "tril": ("structural", 1, lambda xnp, a, b: xnp.tril(a),
             lambda sa, sb: sa if len(sa) >= 2 else None, True, None, None),
    "expand_squeeze": ("structural", 1,
                       lambda xnp, a, b: xnp.squeeze(xnp.expand_dims(a, 0), axis=0),
                       lambda sa, sb: sa, True, None, None),
    "broadcast_to": ("structural", 1, lambda xnp, a, b: xnp.broadcast_to(a, (2,) + np.shape(a)),
                     lambda sa, sb: (2,) + sa, True, None, None),
    "take": ("structural", 1,
             lambda xnp, a, b: xnp.take(a, np.array([0, np.shape(a)[-1] - 1, 0]), axis=-1),
             lambda sa, sb: sa[:-1] + (3,) if sa else None, True, None, None),
    "concat": ("structural", 2,
               lambda xnp, a, b: xnp.concatenate([a, xnp.broadcast_to(b, np.shape(a))]),
               lambda sa, sb: ((2 * sa[0],) + sa[1:] if sa and _bshape(sa, sb) == sa
                               else None), True, None, None),
    "stack": ("structural", 2,
              lambda xnp, a, b: xnp.stack([a, xnp.broadcast_to(b, np.shape(a))], axis=-1),
              lambda sa, sb: sa + (2,) if _bshape(sa, sb) == sa else None, True, None, None),
    "outer": ("structural", 2, lambda xnp, a, b: xnp.outer(a, b),
              lambda sa, sb: (int(np.prod(sa)), int(np.prod(sb))), True, None, None),
    "matmul": ("structural", 2, lambda xnp, a, b: a @ b,
               lambda sa, sb: (_bshape(sa[:-2], sb[:-2]) + sa[-2:-1] + sb[-1:]
                               if len(sa) >= 2 and len(sb) >= 2 and sa[-1] == sb[-2]
                               and _bshape(sa[:-2], sb[:-2]) is not None else None),
               True, None, None),
    "leaky_relu": ("kinks", 1, lambda xnp, a, b: xnp.where(a > 0, a, 0.5 * a),
                   lambda sa, sb: sa, False, None, lambda a, b: a),
    # non-smooth at some points (the margin says how far the point is from them)
    "abs": ("kinks", 1, lambda xnp, a, b: xnp.abs(a), lambda sa, sb: sa, False, None,
            lambda a, b: a),
    "clip": ("kinks", 1, lambda xnp, a, b: xnp.clip(a, -0.5, 0.5), lambda sa, sb: sa, False,
             None, lambda a, b: np.minimum(np.abs(a - 0.5), np.abs(a + 0.5))),
    "relu": ("kinks", 1, lambda xnp, a, b: xnp.maximum(a, 0), lambda sa, sb: sa, False, None,
             lambda a, b: a),
    "sort": ("sort", 1, lambda xnp, a, b: xnp.sort(a, axis=-1), lambda sa, sb: _sq(sa),
             False, None, lambda a, b: _gaps(a)),
    "max": ("kinks", 1, lambda xnp, a, b: xnp.max(a, axis=-1),
            lambda sa, sb: sa[:-1] if sa else None, False, None, lambda a, b: _gaps(a)),
    "median": ("sort", 1, lambda xnp, a, b: xnp.median(a, axis=-1),
               lambda sa, sb: sa[:-1] if sa else None, False, None, lambda a, b: _gaps(a)),
    # special functions
    "sinc": ("special", 1, lambda xnp, a, b: xnp.sinc(a), lambda sa, sb: sa, False, None, None),
    "expm1": ("special", 1, lambda xnp, a, b: xnp.expm1(a), lambda sa, sb: sa, True, None,
              None),
    "sinh": ("special", 1, lambda xnp, a, b: xnp.sinh(a), lambda sa, sb: sa, True, None, None),
    "arcsinh": ("special", 1, lambda xnp, a, b: xnp.arcsinh(a), lambda sa, sb: sa, False, None,
                None),
    "i0": ("special", 1, lambda xnp, a, b: xnp.i0(a), lambda sa, sb: sa, False, None, None),
    "float_power": ("special", 1, lambda xnp, a, b: xnp.float_power(1 + a * a, 1.3),
                    lambda sa, sb: sa, False, None, None),
    "log2_1p_sq": ("special", 1, lambda xnp, a, b: xnp.log2(1 + a * a), lambda sa, sb: sa,
                   False, None, None),
    "cbrt_1p_sq": ("special", 1, lambda xnp, a, b: xnp.cbrt(1 + a * a), lambda sa, sb: sa,
                   False, None, None),
    "power_ab": ("special", 2, lambda xnp, a, b: xnp.power(1 + a * a, xnp.tanh(b)),
                 lambda sa, sb: _bshape(sa, sb), False, None, None),
    # linear algebra on the matrices _mat builds from the rows of a value
    "solve": ("linalg", 1,
              lambda xnp, a, b: xnp.linalg.solve(_mat(xnp, a), xnp.tanh(a)[..., None])[..., 0],
              lambda sa, sb: _sq(sa), False, None, None),
    "inv": ("linalg", 1, lambda xnp, a, b: xnp.linalg.inv(_mat(xnp, a)),
            lambda sa, sb: sa + sa[-1:] if sa else None, False, None, None),
    "det": ("linalg", 1, lambda xnp, a, b: xnp.linalg.det(_mat(xnp, a)),
            lambda sa, sb: sa[:-1] if sa else None, False, None, None),
    "slogdet": ("linalg", 1, lambda xnp, a, b: xnp.linalg.slogdet(_mat(xnp, a))[1],
                lambda sa, sb: sa[:-1] if sa else None, False, None, None),
    "eigvalsh": ("linalg", 1,
                 lambda xnp, a, b: xnp.linalg.eigvalsh(_mat(xnp, a) + _mT(xnp, _mat(xnp, a))),
                 lambda sa, sb: _sq(sa), False, None,
                 lambda a, b: _gaps(np.linalg.eigvalsh(_mat(np, a) + _mT(np, _mat(np, a))))),
    "svdvals": ("linalg", 1,
                lambda xnp, a, b: xnp.linalg.svd(_mat(xnp, a), compute_uv=False),
                lambda sa, sb: _sq(sa), False, None,
                lambda a, b: _gaps(np.linalg.svd(_mat(np, a), compute_uv=False))),
    "cholesky": ("linalg", 1,
                 lambda xnp, a, b: xnp.linalg.cholesky(_mat(xnp, a) @ _mT(xnp, _mat(xnp, a))),
                 lambda sa, sb: sa + sa[-1:] if sa else None, False, None, None),
    "qr_r": ("linalg", 1, lambda xnp, a, b: xnp.linalg.qr(_mat(xnp, a))[1],
             lambda sa, sb: sa + sa[-1:] if sa else None, False, None, None),
    "matrix_power": ("linalg", 1, lambda xnp, a, b: xnp.linalg.matrix_power(_mat(xnp, a), 3),
                     lambda sa, sb: sa + sa[-1:] if sa else None, False, None, None),
    "pinv": ("linalg", 1, lambda xnp, a, b: xnp.linalg.pinv(_mat(xnp, a)),
             lambda sa, sb: sa + sa[-1:] if sa else None, False, None, None),
    # discrete Fourier transforms (complex results)
    "fft": ("fft", 1, lambda xnp, a, b: xnp.fft.fft(a), lambda sa, sb: _sq(sa), True, True,
            None),
    "ifft": ("fft", 1, lambda xnp, a, b: xnp.fft.ifft(a), lambda sa, sb: _sq(sa), True, True,
             None),
    "rfft": ("fft", 1, lambda xnp, a, b: xnp.fft.rfft(a),
             lambda sa, sb: sa[:-1] + (sa[-1] // 2 + 1,) if sa else None, False, True, None),
    "fft2": ("fft", 1, lambda xnp, a, b: xnp.fft.fft2(a),
             lambda sa, sb: sa if len(sa) >= 2 else None, True, True, None),
}


@dataclasses.dataclass(frozen=True)
class Op:
    kind: str
    args: tuple
    params: tuple = ()

    def p(self, key):
        return dict(self.params)[key]


@dataclasses.dataclass(frozen=True)
class Program:
    """Inputs ``(shape, kind)`` with kind "uniform", "zero" or "complex", then operations; the
    output is the last value."""

    inputs: tuple
    ops: tuple
    families: frozenset
    dtype: str = "float64"

    @property
    def n_inputs(self):
        return len(self.inputs)

    def __repr__(self):
        lines = [f"Program  # families: {sorted(self.families)}"]
        if self.dtype != "float64":
            lines.append("  # float32 in check_float32, float64 elsewhere")
        for i, (shape, kind) in enumerate(self.inputs):
            lines.append(f"  v{i} = input{shape} ({kind})")
        for j, op in enumerate(self.ops):
            args = ", ".join(f"v{a}" for a in op.args)
            params = ", ".join(f"{k}={v!r}" for k, v in op.params)
            lines.append(f"  v{self.n_inputs + j} = {op.kind}({args}{'; ' if params else ''}"
                         f"{params})")
        return "\n".join(lines)

    def sample(self, rng, batch=None, dtype="float64"):
        """Input values: uniform in (-1, 1), or exact zeros; ``batch`` prepends an axis.
        Only ``check_float32`` asks for ``dtype=program.dtype``: the other checks judge
        float64 values at float64 tolerances."""
        out = []
        for shape, kind in self.inputs:
            full = shape if batch is None else (batch,) + shape
            x = np.zeros(full) if kind == "zero" else rng.uniform(-1, 1, full)
            if kind == "complex":
                x = x + 1j * rng.uniform(-1, 1, full)
            out.append(x.astype(np.result_type(dtype, np.complex64) if kind == "complex"
                                else dtype))
        return out


def _sum_all(xnp, x):
    return xnp.sum(x)


def _apply(op, vals, B, rec):
    """Run one operation on backend ``B``."""
    xnp, k = B.np, op.kind
    a = vals[op.args[0]] if op.args else None
    if k == "unary":
        return UNARY[op.p("fn")][0](xnp, a)
    if k == "binary":
        b = vals[op.args[1]]
        fn, _, margin = BINARY[op.p("fn")]
        if margin is not None:
            rec.near(margin(np.asarray(a), np.asarray(b)) if B is REF else 1.0)
        return fn(xnp, a, b)
    if k == "reduce":
        if B is REF and op.p("fn") == "prod" and np.any(np.asarray(a) == 0):
            rec.events.add("prod_at_zero")
        return REDUCE[op.p("fn")][0](xnp, a, op.p("axis"), op.p("keepdims"))
    if k == "squared":
        return SQUARED[op.p("fn")][0](xnp, a, op.p("axis"))
    if k == "flip":
        return a[::-1]
    if k == "transpose":
        return a.T
    if k == "index0":
        return a[0]
    if k == "gather":
        return a[np.array(op.p("idx"))]
    if k == "where":
        p, b = vals[op.args[1]], vals[op.args[2]]
        if B is REF:
            rec.near(p)
        return xnp.where(p > 0, a, b)
    if k == "einsum":
        return xnp.einsum(op.p("spec"), a, vals[op.args[1]])
    if k == "cis":
        return xnp.exp(1j * a)
    if k == "make_complex":
        return a + 1j * vals[op.args[1]]
    if k == "to_real":
        if B is REF and op.p("fn") == "abs":
            rec.near(a)
        return TO_REAL[op.p("fn")](xnp, a)
    if k == "cond":
        return _cond(op, a, vals[op.args[1]], B, rec)
    if k == "switch":
        return _switch(op, a, vals[op.args[1]], B, rec)
    if k == "scan":
        return _scan(op, vals, B, rec)
    if k == "while":
        return _while(op, vals, B, rec)
    if k == "at_set":
        return B.at_set(a, 0, vals[op.args[1]])
    if k == "at_add":
        return B.at_add(a, np.array([0, 0, np.shape(a)[0] - 1]), vals[op.args[1]])
    if k == "custom_jvp":
        return B.softplus(a)
    if k == "fori":
        return _fori(op, vals, B, rec)
    if k == "extra":
        _, arity, fn, _, _, _, margin = EXTRA[op.p("fn")]
        b = vals[op.args[1]] if arity == 2 else None
        if margin is not None and B is REF:
            rec.near(margin(np.asarray(a), None if b is None else np.asarray(b)))
        if B is REF and op.p("fn") in ("cumprod", "prod_relu", "cumprod_relu") and (
                np.any(np.asarray(a) == 0) or op.p("fn") != "cumprod"):
            rec.events.add("prod_at_zero")
        return fn(xnp, a, b)
    raise ValueError(k)


def _dom(op, name, xnp, s):
    return {**DOMAIN, **SMOOTH_DOMAIN}[name](xnp, s)


def _cond(op, p, v, B, rec):
    xnp = B.np
    u1, u2, d = UNARY[op.p("u1")][0], UNARY[op.p("u2")][0], op.p("dom")
    s = _sum_all(xnp, p)
    if B is REF:
        rec.near(s)

    def true_fun(s, v):
        return rec.value(_dom(op, d, xnp, s) * u1(xnp, v))

    def false_fun(s, v):
        return rec.value(u2(xnp, v) * s)

    return B.cond(s > 0, true_fun, false_fun, s, v)


def _switch(op, p, v, B, rec):
    xnp = B.np
    u = [UNARY[n][0] for n in op.p("us")]
    d1, d2 = op.p("doms")
    s = _sum_all(xnp, p)
    if B is REF:
        rec.near(s)
        rec.near(s - 1)
    index = xnp.where(s > 0, 1, 0) + xnp.where(s > 1, 1, 0)
    branches = [
        lambda s, v: rec.value(u[0](xnp, v) * s),
        lambda s, v: rec.value(_dom(op, d1, xnp, s) * u[1](xnp, v)),
        lambda s, v: rec.value(_dom(op, d2, xnp, s - 1) * u[2](xnp, v) + s),
    ]
    return B.switch(index, branches, s, v)


def _scan(op, vals, B, rec):
    xnp = B.np
    xs, c0 = vals[op.args[0]], vals[op.args[1]]
    w = vals[op.args[2]] if len(op.args) > 2 else None
    carry_shape = op.p("carry_shape")
    u, bn, u2 = UNARY[op.p("u")][0], BINARY[op.p("b")][0], UNARY[op.p("u2")][0]
    init = xnp.broadcast_to(c0, carry_shape) if np.shape(c0) != carry_shape else c0

    def body(c, x):
        new = u(xnp, bn(xnp, c, x))
        if w is not None:
            new = new + 0.5 * w
        return rec.value(new), rec.value(u2(xnp, new))

    carry, ys = B.scan(body, init, xs, reverse=op.p("reverse"))
    return carry if op.p("out") == "carry" else ys


def _while(op, vals, B, rec):
    xnp = B.np
    c0, w = vals[op.args[0]], vals[op.args[1]]
    shape = op.p("carry_shape")
    n, thr = op.p("n"), op.p("threshold")
    u, bn = UNARY[op.p("u")][0], BINARY[op.p("b")][0]
    init = xnp.broadcast_to(c0, shape) if np.shape(c0) != shape else c0

    def body(val):
        i, c = val
        return i + 1, rec.value(u(xnp, bn(xnp, c, w)))

    def cond_fun(val):
        i, c = val
        if thr is None:
            return i < n
        m = xnp.mean(c) - thr
        if B is REF and i < n:
            rec.near(m)
        return xnp.logical_and(i < n, m < 0)

    if thr is None and getattr(B, "fori_loop", None) is not None:
        # JAX: a fixed trip count as fori_loop, which JAX can reverse-differentiate.
        return B.fori_loop(0, n, lambda i, c: body((i, c))[1], init)
    return B.while_loop(cond_fun, body, (0, init))[1]


def _fori(op, vals, B, rec):
    xnp = B.np
    c0, w = vals[op.args[0]], vals[op.args[1]]
    shape = op.p("carry_shape")
    u = UNARY[op.p("u")][0]
    init = xnp.broadcast_to(c0, shape) if np.shape(c0) != shape else c0

    def body(i, c):
        return rec.value(u(xnp, c * 0.5 + w * (i + 1) * 0.3))

    if B is REF:
        c = init
        for i in range(op.p("n")):
            c = body(i, c)
        return c
    return B.lax_fori_loop(0, op.p("n"), body, init)


def evaluate(program, inputs, B=CR, rec=None):
    """The program's output on backend ``B``."""
    rec = rec if rec is not None else _NoRecorder()
    vals = [rec.value(x) for x in inputs]
    for op in program.ops:
        vals.append(rec.value(_apply(op, vals, B, rec)))
    return vals[-1]


def reference(program, inputs, dtype=float):
    """``(output, recorder)`` from plain NumPy with Python control flow, on inputs cast to
    ``dtype`` (float64 unless given: the values the others are compared with)."""
    rec = Recorder()
    with np.errstate(all="ignore"):
        out = evaluate(program, [np.asarray(x, dtype=np.result_type(dtype, x))
                                 for x in inputs], REF, rec)
    return np.asarray(out), rec


# --------------------------------------------------------------------------------------------
# Generation

BASE_SHAPES = [(3,), (2, 3), (3, 2), (2, 1, 3)]


def _bshape(*shapes):
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        return None


def _input_shape(ch, base):
    nd = ch.integer(0, len(base))
    tail = base[len(base) - nd:]
    return tuple(d if ch.integer(0, 3) else 1 for d in tail)


def generate(ch, families=None, require=None, max_ops=6):
    """A random program using only ``families`` (default ``ENABLED``); ``require`` names a
    family that must appear."""
    fam = set(ENABLED if families is None else families)
    if require is not None:
        fam.add(require)
    used = set()
    base = ch.choice(BASE_SHAPES)
    if "empty" in fam and ch.integer(0, 5) == 0:
        base = (2, 0)
        used.add("empty")
    n_in = ch.integer(1, 3)
    inputs = []
    for i in range(n_in):
        shape = _input_shape(ch, base)
        zero = "smooth_at_zero" in fam and (ch.integer(0, 2) == 0 or
                                            (require == "smooth_at_zero" and i == 0))
        kind = "zero" if zero else "uniform"
        if not zero and "complex_inputs" in fam and ch.integer(0, 3) == 0:
            kind = "complex"
            used.update({"complex_inputs", "complex"})
        inputs.append((shape, kind))
        if zero:
            used.add("smooth_at_zero")
    if require == "jit_output_alias":
        # An input the output ignores has a constant (zero) gradient: what jit may cache.
        inputs.append((_input_shape(ch, base), "uniform"))
        n_in += 1
    ignored = {n_in - 1} if require == "jit_output_alias" else set()
    shapes = [s for s, _ in inputs]
    cplx = [kind == "complex" for _, kind in inputs]
    ops = []

    def pick(pred=lambda j: True):
        cands = [j for j in range(len(shapes)) if j not in ignored and pred(j)]
        if not cands:
            return None
        # Prefer the newest value (chains), sometimes an older one (DAGs).
        return cands[-1] if ch.integer(0, 2) else ch.choice(cands)

    def add(kind, args, params, shape, is_complex, fams=()):
        ops.append(Op(kind, tuple(args), tuple(params.items())))
        shapes.append(tuple(shape))
        cplx.append(is_complex)
        used.update(fams)

    kinds = ["unary", "binary"]
    kinds += ["reduce", "squared"] if "reductions" in fam else []
    kinds += ["flip", "transpose", "index0", "gather"] if "shape_ops" in fam else []
    kinds += ["where"] if "where" in fam else []
    kinds += ["einsum"] * 2 if "einsum" in fam or "einsum_broadcast" in fam else []
    kinds += ["cis", "make_complex", "to_real"] if "complex" in fam else []
    kinds += ["cond"] * 2 if "cond" in fam or "cond_nonfinite_branch" in fam else []
    kinds += ["switch"] if "switch" in fam or "cond_nonfinite_branch" in fam else []
    kinds += ["scan"] if "scan" in fam else []
    kinds += ["while"] if "while_loop" in fam else []
    kinds += ["at_set", "at_add"] if "at" in fam else []
    kinds += ["custom_jvp"] if "custom_jvp" in fam else []
    kinds += ["fori"] if "fori_loop" in fam else []
    extra = sorted(n for n, e in EXTRA.items() if e[0] in fam)
    kinds += ["extra"] * min(len(extra), 4) if extra else []
    forced = {"einsum_broadcast": "einsum", "cond_nonfinite_branch": "cond",
              "complex_output": "cis",
              "sort_under_jit_vmap": ["extra"],
              "mixed_complex_concat": ["cis", "extra"],
              "dask": ["at_set"],
              "prod_at_zero": ["extra"]}.get(require, [])
    forced = [forced] if isinstance(forced, str) else forced
    if require == "sort_under_jit_vmap":
        extra = ["sort", "median"]
    if require == "mixed_complex_concat":
        extra = ["concat", "stack"]
    if require == "prod_at_zero":
        extra = ["prod_relu", "cumprod_relu"]

    n_ops = max(ch.integer(1, max_ops), len(forced))
    for step in range(n_ops):
        kind = forced[step] if step < len(forced) else ch.choice(kinds)
        _gen_op(ch, kind, fam, shapes, cplx, pick, add, extra)

    # Every operation feeds the output: a dead value would hide its bugs.
    read = {a for op in ops for a in op.args}
    main = len(shapes) - 1
    for j in [j for j in range(n_in, main) if j not in read]:
        add("reduce", [j], {"fn": "sum", "axis": None, "keepdims": False}, (), cplx[j])
        add("binary", [main, len(shapes) - 1], {"fn": "add"}, shapes[main],
            cplx[main] or cplx[j])
        main = len(shapes) - 1
    if cplx[-1] and "complex_output" not in fam:
        add("to_real", [len(shapes) - 1], {"fn": ch.choice(sorted(TO_REAL))}, shapes[-1],
            False)
    if cplx[-1]:
        used.add("complex_output")
    if require == "smooth_at_zero":
        # The output depends on a squared norm of the zero input and on one of the last
        # value (which may start from it too).
        add("squared", [0], {"fn": ch.choice(sorted(SQUARED)), "axis": None}, (), cplx[0])
        first = len(shapes) - 1
        add("squared", [len(shapes) - 2], {"fn": ch.choice(sorted(SQUARED)), "axis": None},
            (), cplx[-2])
        add("binary", [first, len(shapes) - 1], {"fn": "add"}, (), False)
    if any(c for c in cplx):
        used.add("complex")
    for flag in ("jit_output_alias", "dtype_mismatch"):
        if flag in fam:
            used.add(flag)
    if "sort_under_jit_vmap" in fam and "sort" in used:
        used.add("sort_under_jit_vmap")
    if "dask" in fam:
        used.add("dask")
    used.update(f for f in ("elementwise",) if ops)
    dtype = "float64"
    if "float32" in fam and (ch.integer(0, 3) == 0 or require == "float32"):
        dtype = "float32"
        used.add("float32")
    return Program(tuple(inputs), tuple(ops), frozenset(used), dtype)


def _gen_op(ch, kind, fam, shapes, cplx, pick, add, extra=()):
    real = lambda j: not cplx[j]  # noqa: E731
    nd1 = lambda j: len(shapes[j]) >= 1  # noqa: E731
    if kind in ("at_set", "at_add"):
        a = pick(lambda j: nd1(j) and shapes[j][0] > 0)
        if a is None:
            return
        target = shapes[a][1:] if kind == "at_set" else (3,) + shapes[a][1:]
        # a complex update of a real array would be cast (JAX) or refused: keep them apart
        b = pick(lambda j: _bshape(shapes[j], target) == target and (cplx[a] or real(j)))
        if b is None:
            return
        add(kind, [a, b], {}, shapes[a], cplx[a], ["at"])
    elif kind == "custom_jvp":
        a = pick(real)
        if a is None:
            return
        add("custom_jvp", [a], {}, shapes[a], False, ["custom_jvp"])
    elif kind == "fori":
        c0 = pick(real)
        if c0 is None:
            return
        w = pick(lambda j: real(j) and _bshape(shapes[j], shapes[c0]) is not None)
        shape = _bshape(shapes[c0], shapes[w])
        add("fori", [c0, w], {"u": ch.choice(sorted(BOUNDED)), "n": ch.integer(0, 3),
                              "carry_shape": shape}, shape, False, ["fori_loop"])
    elif kind == "extra":
        name = ch.choice(extra)
        family, arity, _, shape_fn, complex_in, complex_out, _ = EXTRA[name]
        a = pick(lambda j: (complex_in or real(j)) and
                 (arity == 2 or shape_fn(shapes[j], None) is not None))
        if a is None:
            return
        args = [a]
        if arity == 2:
            b = pick(lambda j: (complex_in or real(j)) and
                     shape_fn(shapes[a], shapes[j]) is not None)
            if b is None:
                return
            args.append(b)
        shape = shape_fn(*[shapes[j] for j in args], *([None] if arity == 1 else []))
        if shape is None or int(np.prod(shape)) > 64:
            return
        is_complex = True if complex_out else any(cplx[j] for j in args)
        flags = [family]
        if name in ("concat", "stack") and len({cplx[j] for j in args}) == 2:
            if "mixed_complex_concat" not in fam:
                return
            flags.append("mixed_complex_concat")
        add("extra", args, {"fn": name}, shape, is_complex, flags)
    elif kind == "unary":
        a = pick()
        names = [n for n, (_, c) in UNARY.items() if c or not cplx[a]]
        add("unary", [a], {"fn": ch.choice(names)}, shapes[a], cplx[a], ["elementwise"])
    elif kind == "binary":
        a = pick()
        b = pick(lambda j: _bshape(shapes[a], shapes[j]) is not None)
        c = cplx[a] or cplx[b]
        names = [n for n, (_, ok, _) in BINARY.items() if ok or not c]
        add("binary", [a, b], {"fn": ch.choice(names)}, _bshape(shapes[a], shapes[b]), c,
            ["elementwise"])
    elif kind in ("reduce", "squared"):
        a = pick()
        table = REDUCE if kind == "reduce" else SQUARED
        names = [n for n, (_, c) in table.items() if c or not cplx[a]]
        nd = len(shapes[a])
        axis = ch.choice([None] + list(range(nd)))
        kd = kind == "reduce" and ch.boolean()
        shape = (tuple(1 if i == axis or axis is None else d for i, d in enumerate(shapes[a]))
                 if kd else
                 () if axis is None else tuple(d for i, d in enumerate(shapes[a]) if i != axis))
        params = {"fn": ch.choice(names), "axis": axis}
        if kind == "reduce":
            params["keepdims"] = kd
        add(kind, [a], params, shape, cplx[a], ["reductions"])
    elif kind in ("flip", "transpose", "index0", "gather"):
        a = pick(lambda j: nd1(j) and (kind in ("flip", "transpose") or shapes[j][0] > 0))
        if a is None:
            return
        s = shapes[a]
        if kind == "flip":
            add(kind, [a], {}, s, cplx[a], ["shape_ops"])
        elif kind == "transpose":
            add(kind, [a], {}, s[::-1], cplx[a], ["shape_ops"])
        elif kind == "index0":
            add(kind, [a], {}, s[1:], cplx[a], ["shape_ops"])
        else:
            idx = tuple(ch.integer(0, s[0] - 1) for _ in range(ch.integer(1, 4)))
            add(kind, [a], {"idx": idx}, (len(idx),) + s[1:], cplx[a], ["shape_ops"])
    elif kind == "where":
        p = pick(real)
        if p is None:
            return
        a = pick(lambda j: _bshape(shapes[p], shapes[j]) is not None)
        b = pick(lambda j: _bshape(shapes[p], shapes[a], shapes[j]) is not None)
        add("where", [a, p, b], {}, _bshape(shapes[p], shapes[a], shapes[b]),
            cplx[a] or cplx[b], ["where"])
    elif kind == "einsum":
        _gen_einsum(ch, fam, shapes, cplx, pick, add)
    elif kind == "cis":
        a = pick(real)
        if a is not None:
            add("cis", [a], {}, shapes[a], True, ["complex"])
    elif kind == "make_complex":
        a = pick(real)
        if a is None:
            return
        b = pick(lambda j: real(j) and _bshape(shapes[a], shapes[j]) is not None)
        add("make_complex", [a, b], {}, _bshape(shapes[a], shapes[b]), True, ["complex"])
    elif kind == "to_real":
        a = pick(lambda j: cplx[j])
        if a is not None:
            add("to_real", [a], {"fn": ch.choice(sorted(TO_REAL))}, shapes[a], False,
                ["complex"])
    elif kind in ("cond", "switch"):
        p = pick(real)
        v = pick(real)
        if p is None or v is None:
            return
        nonfinite = "cond_nonfinite_branch" in fam
        doms = sorted(DOMAIN) if nonfinite else sorted(SMOOTH_DOMAIN)
        bounded = sorted(BOUNDED)
        if kind == "cond":
            d = ch.choice(doms)
            params = {"u1": ch.choice(bounded), "u2": ch.choice(bounded), "dom": d}
            flags = ["cond"] + (["cond_nonfinite_branch"] if d in DOMAIN else [])
        else:
            ds = (ch.choice(doms), ch.choice(doms))
            params = {"us": tuple(ch.choice(bounded) for _ in range(3)), "doms": ds}
            flags = ["switch"] + (["cond_nonfinite_branch"] if set(ds) & set(DOMAIN) else [])
        add(kind, [p, v], params, shapes[v], False, flags)
    elif kind == "scan":
        xs = pick(lambda j: real(j) and nd1(j))
        if xs is None:
            return
        inner = shapes[xs][1:]
        c0 = pick(lambda j: real(j) and _bshape(shapes[j], inner) is not None)
        carry = _bshape(shapes[c0], inner)
        args = [xs, c0]
        w = pick(lambda j: real(j) and _bshape(shapes[j], carry) == carry)
        if w is not None and ch.boolean():
            args.append(w)
        out = ch.choice(["carry", "ys"])
        bn = ch.choice(["add", "mul", "sub", "div_safe", "arctan2_safe"])
        params = {"u": ch.choice(sorted(BOUNDED)), "b": bn, "u2": ch.choice(sorted(BOUNDED)),
                  "reverse": ch.boolean(), "out": out, "carry_shape": carry}
        add("scan", args, params, carry if out == "carry" else (shapes[xs][0],) + carry,
            False, ["scan"])
    elif kind == "while":
        c0 = pick(real)
        if c0 is None:
            return
        w = pick(lambda j: real(j) and _bshape(shapes[j], shapes[c0]) is not None)
        shape = _bshape(shapes[c0], shapes[w])
        thr = ch.choice([None, None, 0.0, 0.3])
        params = {"u": ch.choice(sorted(BOUNDED)), "b": ch.choice(["add", "mul", "sub"]),
                  "n": ch.integer(0, 3), "threshold": thr, "carry_shape": shape}
        add("while", [c0, w], params, shape, False, ["while_loop"])


def _gen_einsum(ch, fam, shapes, cplx, pick, add):
    """``einsum`` of two values; labels are shared where the sizes agree, or -- with the
    ``einsum_broadcast`` family -- where one of them is 1 (NumPy broadcasts it)."""
    broadcast_ok = "einsum_broadcast" in fam
    a = pick()
    b = pick()
    sa, sb = shapes[a], shapes[b]
    letters = iter("ijklmnopqrstuvwxyz")
    la = [next(letters) for _ in sa]
    size = dict(zip(la, sa))
    lb, broadcast = [], False
    for d in sb:
        cands = [x for x in la if x not in lb and
                 (size[x] == d or (broadcast_ok and 1 in (size[x], d)))]
        if cands and ch.integer(0, 2):
            x = ch.choice(cands)
            if size[x] != d:
                broadcast = True
                size[x] = max(size[x], d)
            lb.append(x)
        else:
            x = next(letters)
            size[x] = d
            lb.append(x)
    labels = list(dict.fromkeys(la + lb))
    out = [x for x in labels if ch.boolean()]
    if ch.boolean():
        out = out[::-1]
    spec = f"{''.join(la)},{''.join(lb)}->{''.join(out)}"
    add("einsum", [a, b], {"spec": spec}, tuple(size[x] for x in out), cplx[a] or cplx[b],
        ["einsum"] + (["einsum_broadcast"] if broadcast else []))
