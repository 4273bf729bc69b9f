"""chainrule.random: fixed bits, independent streams, jit/vmap agreement, gradients."""

import warnings

import numpy as np
import pytest
import scipy.special as sp
import scipy.stats as st

import chainrule as cr
from chainrule import random
from chainrule._src.random import _prims
from chainrule._src.random._prims import threefry2x32

U32 = np.uint32


# --- the generators: known answers and pinned values -----------------------------------
@pytest.mark.parametrize("key,ctr,expected", [
    ((0, 0), (0, 0), (0x6B200159, 0x99BA4EFE)),
    ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF), (0x1CB996FC, 0xBB002BE7)),
    ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0)),
])
def test_threefry_known_answers(key, ctr, expected):
    # Random123's known-answer vectors for threefry2x32_20.
    y = threefry2x32(*[np.asarray(v, U32) for v in key + ctr])
    assert [int(v) for v in y] == list(expected)
    jitted = cr.jit(threefry2x32)(*[np.asarray(v, U32) for v in key + ctr])
    assert [int(v) for v in jitted] == list(expected)


def test_threefry_vector_path_matches_known_answers():
    # Small inputs are hashed on Python integers, larger ones with in-place NumPy
    # operations: both must give the published answers.
    key = np.array([[0, 0], [0xFFFFFFFF] * 2, [0x13198A2E, 0x03707344]] * 4, U32)
    ctr = np.array([[0, 0], [0xFFFFFFFF] * 2, [0x243F6A88, 0x85A308D3]] * 4, U32)
    y0, y1 = threefry2x32(key[:, 0], key[:, 1], ctr[:, 0], ctr[:, 1])
    np.testing.assert_array_equal(y0, [0x6B200159, 0x1CB996FC, 0xC4923A9C] * 4)
    np.testing.assert_array_equal(y1, [0x99BA4EFE, 0xBB002BE7, 0x483DF7A0] * 4)
    np.testing.assert_array_equal(random.split(random.key(9), 20)[:3], random.split(
        random.key(9), 3))


def test_philox_stream_is_random123_philox4x64_10():
    # The draws come from numpy.random.Philox; its block of counter 0 (reached by wrapping
    # the counter) is Random123's known answer for philox4x64_10 with a zero key.
    m = 2 ** 64 - 1
    words = np.random.Philox(key=0, counter=[m, m, m, m]).random_raw(4)
    assert [int(w) for w in words] == [0x16554D9ECA36314C, 0xDB20FE9D672D0FDC,
                                       0xD7E772CEE186176B, 0x7E68B68AEC7BA23B]
    k = random.key(2 ** 40 + 5)
    expected = np.random.Philox(key=[(256 << 32) | 5, 0]).random_raw(3)
    np.testing.assert_array_equal(random.bits(k, (3,), np.uint64), expected)


@pytest.mark.parametrize("n", [1, 3, 4, 5, 17])
def test_philox_over_many_keys_equals_numpy_philox(n):
    # The ufunc rounds over a batch of keys and the loop over keys give NumPy's streams.
    keys = np.random.default_rng(n).integers(0, 2 ** 64, size=40, dtype=np.uint64)
    keys[:3] = [0, 2 ** 64 - 1, 2 ** 63]
    expected = np.stack([np.random.Philox(key=np.array([k, 0], np.uint64)).random_raw(n)
                         for k in keys])
    np.testing.assert_array_equal(_prims.philox_vectorized(keys, n), expected)
    np.testing.assert_array_equal(_prims.philox_per_key(keys, n), expected)


@pytest.mark.parametrize("num_keys", [3, 400])
def test_batched_draws_equal_per_key_draws(num_keys):
    # 3 keys run the loop over keys, 400 the vectorized rounds: both equal one key at a time.
    assert _prims._philox_vectorize(400, 2) and not _prims._philox_vectorize(3, 2)
    keys = random.split(random.key(11), num_keys)
    batched = cr.vmap(lambda k: random.bits(k, (2,), np.uint64))(keys)
    one_by_one = np.stack([random.bits(k, (2,), np.uint64) for k in keys])
    np.testing.assert_array_equal(batched, one_by_one)
    normal = cr.jit(cr.vmap(lambda k: random.normal(k, (3,))))(keys)
    np.testing.assert_array_equal(normal, np.stack([random.normal(k, (3,)) for k in keys]))
    # the two key words combine into one 64-bit Philox key
    k = keys[num_keys // 2]
    word = (int(k[0]) << 32) | int(k[1])
    expected = np.random.Philox(key=np.array([word, 0], np.uint64)).random_raw(2)
    np.testing.assert_array_equal(batched[num_keys // 2], expected)


def test_pinned_values():
    k = random.key(0)
    np.testing.assert_array_equal(k, np.array([0, 0], U32))
    np.testing.assert_array_equal(random.key(2 ** 40 + 5), np.array([256, 5], U32))
    np.testing.assert_array_equal(random.key(-1), np.array([2 ** 32 - 1] * 2, U32))
    np.testing.assert_array_equal(random.split(k), np.array(
        [[1351547692, 3235790642], [2473972575, 935721516]], U32))
    np.testing.assert_array_equal(random.fold_in(k, 7), np.array([1836460763, 1191019179], U32))
    np.testing.assert_array_equal(random.bits(k, (4,)), np.array(
        [49592932, 1037445899, 478570405, 2424142341], U32))
    np.testing.assert_array_equal(random.bits(random.key(2 ** 40 + 5), (2,), np.uint64),
                                  np.array([12122781541212637046, 18176099656766672024],
                                           np.uint64))
    # Floats are exact functions of the bits (uniform) or within rounding of libm (normal).
    np.testing.assert_array_equal(random.uniform(k, (3,)), np.array(
        [0.011546754286331562, 0.24154919656271812, 0.11142585551493822]))
    np.testing.assert_allclose(random.normal(k, (3,)), np.array(
        [-2.271884148324594, -0.701327920628698, -1.218980191079758]), rtol=1e-13)


def test_same_key_same_bits_different_keys_differ():
    k = random.key(123)
    np.testing.assert_array_equal(random.normal(k, (5,)), random.normal(random.key(123), (5,)))
    assert not np.any(random.normal(k, (5,)) == random.normal(random.key(124), (5,)))
    k1, k2 = random.split(k)
    assert not np.any(random.uniform(k1, (5,)) == random.uniform(k2, (5,)))


# --- independence of streams: 10^6 draws --------------------------------------------------
N = 10 ** 6
SE = 1 / np.sqrt(N)


def _check_standard(x):
    assert abs(x.mean()) < 5 * SE
    assert abs(x.var() - 1) < 5 * np.sqrt(2) * SE
    assert abs(st.skew(x)) < 5 * np.sqrt(6) * SE
    assert abs(st.kurtosis(x)) < 5 * np.sqrt(24) * SE


def test_split_streams_are_independent():
    parent = random.key(2024)
    k1, k2 = random.split(parent)
    streams = [random.normal(k, (N,)) for k in (k1, k2, random.fold_in(parent, 0),
                                                  random.fold_in(parent, 1), parent)]
    for x in streams:
        _check_standard(x)
    corr = np.corrcoef(np.stack(streams))
    off = corr[~np.eye(len(streams), dtype=bool)]
    assert np.abs(off).max() < 5 * SE
    # Lagged correlation within one stream.
    x = streams[0]
    assert abs(np.corrcoef(x[1:], x[:-1])[0, 1]) < 5 * SE


def test_uniform_moments_and_range():
    u = random.uniform(random.key(5), (N,))
    assert u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 5 * SE / np.sqrt(12)
    assert abs(u.var() - 1 / 12) < 5 * SE * np.sqrt(1 / 180)
    counts = np.histogram(u, bins=64, range=(0, 1))[0]
    assert st.chisquare(counts).pvalue > 1e-4
    u32 = random.uniform(random.key(5), (N,), np.float32)
    assert u32.dtype == np.float32 and u32.min() >= 0 and u32.max() < 1


# --- distributions against SciPy ----------------------------------------------------------
M = 20_000
CONTINUOUS = [
    ("uniform", lambda k: random.uniform(k, (M,), minval=-1.0, maxval=3.0),
     st.uniform(-1, 4).cdf),
    ("normal", lambda k: random.normal(k, (M,), loc=1.0, scale=2.0), st.norm(1, 2).cdf),
    ("truncated_normal", lambda k: random.truncated_normal(k, -0.5, 1.5, (M,)),
     st.truncnorm(-0.5, 1.5).cdf),
    ("truncated_normal_tail", lambda k: random.truncated_normal(k, 6.0, 7.0, (M,)),
     st.truncnorm(6.0, 7.0).cdf),
    ("exponential", lambda k: random.exponential(k, (M,), scale=2.0), st.expon(0, 2).cdf),
    ("laplace", lambda k: random.laplace(k, (M,), loc=1.0, scale=0.5), st.laplace(1, 0.5).cdf),
    ("cauchy", lambda k: random.cauchy(k, (M,)), st.cauchy.cdf),
    ("t", lambda k: random.t(k, 3.5, (M,)), st.t(3.5).cdf),
    ("gamma", lambda k: random.gamma(k, 2.5, (M,)), st.gamma(2.5).cdf),
    ("gamma_small", lambda k: random.gamma(k, 0.1, (M,)), st.gamma(0.1).cdf),
    ("beta", lambda k: random.beta(k, 0.7, 2.0, (M,)), st.beta(0.7, 2.0).cdf),
    ("dirichlet_marginal", lambda k: random.dirichlet(k, np.array([1.0, 2.0, 3.0]), (M,))[:, 1],
     st.beta(2.0, 4.0).cdf),
    ("mvn_marginal", lambda k: random.multivariate_normal(
        k, np.array([1.0, -1.0]), np.array([[2.0, 0.6], [0.6, 1.0]]), (M,))[:, 0],
     st.norm(1, np.sqrt(2)).cdf),
]


@pytest.mark.parametrize("name,draw,cdf", CONTINUOUS, ids=[c[0] for c in CONTINUOUS])
def test_continuous_distributions(name, draw, cdf):
    x = draw(random.key(11))
    assert st.kstest(x, cdf).pvalue > 1e-4


DISCRETE = [
    ("poisson", lambda k: random.poisson(k, 3.5, (M,)), st.poisson(3.5).pmf, 20),
    ("poisson_large", lambda k: random.poisson(k, 400.0, (M,)) - 400,
     lambda v: st.poisson(400).pmf(v + 400), None),
    ("binomial", lambda k: random.binomial(k, 12, 0.3, (M,)), st.binom(12, 0.3).pmf, 13),
    ("bernoulli", lambda k: random.bernoulli(k, 0.3, (M,)).astype(int),
     st.bernoulli(0.3).pmf, 2),
    ("randint", lambda k: random.randint(k, (M,), -3, 4), lambda v: np.where(
        (v >= -3) & (v < 4), 1 / 7, 0.0), None),
    ("categorical", lambda k: random.categorical(k, np.log([0.1, 0.2, 0.3, 0.4]), shape=(M,)),
     lambda v: np.array([0.1, 0.2, 0.3, 0.4])[v], 4),
    ("choice_p", lambda k: random.choice(k, 4, (M,), p=np.array([0.4, 0.3, 0.2, 0.1])),
     lambda v: np.array([0.4, 0.3, 0.2, 0.1])[v], 4),
]


@pytest.mark.parametrize("name,draw,pmf,_", DISCRETE, ids=[c[0] for c in DISCRETE])
def test_discrete_distributions(name, draw, pmf, _):
    x = np.asarray(draw(random.key(12)))
    assert x.dtype.kind == "i"
    values, counts = np.unique(x, return_counts=True)
    expected = pmf(values) * M
    assert np.all(expected > 0), "a value of probability zero was drawn"
    keep = expected >= 20  # chi-square on the well-populated cells
    stat = ((counts[keep] - expected[keep]) ** 2 / expected[keep]).sum()
    assert st.chi2(keep.sum()).sf(stat) > 1e-4


def test_permutation_and_choice_without_replacement():
    k = random.key(3)
    p = np.asarray(random.permutation(k, 50))
    np.testing.assert_array_equal(np.sort(p), np.arange(50))
    x = np.arange(12.0).reshape(3, 4)
    rows = np.asarray(random.permutation(k, x, axis=1, independent=True))
    np.testing.assert_array_equal(np.sort(rows, axis=1), x)
    assert len({tuple(np.argsort(r)) for r in rows}) > 1
    cols = np.asarray(random.permutation(k, x, axis=1))
    np.testing.assert_array_equal(np.sort(cols, axis=1), x)
    c = np.asarray(random.choice(k, np.arange(10.0) * 2, (7,), replace=False))
    assert len(set(c.tolist())) == 7 and set(c.tolist()) <= set(np.arange(10.0) * 2)
    # Weighted without replacement: the heaviest element comes first most often.
    firsts = [int(random.choice(random.fold_in(k, i), 3, (2,), replace=False,
                                p=np.array([0.8, 0.1, 0.1]))[0]) for i in range(200)]
    assert 0.7 < firsts.count(0) / 200 < 0.9
    with pytest.raises(ValueError, match="without replacement"):
        random.choice(k, 3, (4,), replace=False)


def test_orthogonal():
    q = np.asarray(random.orthogonal(random.key(0), 4, (5,)))
    np.testing.assert_allclose(q @ np.swapaxes(q, -1, -2), np.broadcast_to(np.eye(4), q.shape),
                               atol=1e-12)
    # Haar: the mean of the (0, 0) entry is 0, its variance 1/n.
    e = np.asarray(random.orthogonal(random.key(1), 3, (20_000,)))[:, 0, 0]
    assert abs(e.mean()) < 0.02 and abs(e.var() - 1 / 3) < 0.02


# --- jit and vmap agree with eager --------------------------------------------------------
SAMPLERS = {
    "bits": lambda k: random.bits(k, (3,), np.uint64),
    "uniform": lambda k: random.uniform(k, (4,), minval=1.0, maxval=3.0),
    "normal": lambda k: random.normal(k, (5,), loc=1.0, scale=2.0),
    "normal32": lambda k: random.normal(k, (5,), np.float32),
    "truncated_normal": lambda k: random.truncated_normal(k, -1.0, 2.0, (4,)),
    "multivariate_normal": lambda k: random.multivariate_normal(
        k, np.zeros(2), np.eye(2) + 0.5, (3,)),
    "gamma": lambda k: random.gamma(k, np.array([0.5, 2.0, 10.0])),
    "beta": lambda k: random.beta(k, 2.0, 3.0, (3,)),
    "dirichlet": lambda k: random.dirichlet(k, np.array([1.0, 2.0])),
    "exponential": lambda k: random.exponential(k, (3,)),
    "laplace": lambda k: random.laplace(k, (3,)),
    "cauchy": lambda k: random.cauchy(k, (3,)),
    "t": lambda k: random.t(k, 4.0, (3,)),
    "poisson": lambda k: random.poisson(k, np.array([0.5, 3.0, 100.0])),
    "binomial": lambda k: random.binomial(k, 10, np.array([0.1, 0.5])),
    "bernoulli": lambda k: random.bernoulli(k, 0.3, (4,)),
    "categorical": lambda k: random.categorical(k, np.log(np.array([[0.2, 0.8], [0.5, 0.5]]))),
    "choice": lambda k: random.choice(k, np.arange(10.0), (3,), replace=False),
    "choice_p": lambda k: random.choice(k, 5, (3,), p=np.array([0.1, 0.2, 0.3, 0.2, 0.2])),
    "permutation": lambda k: random.permutation(k, np.arange(6)),
    "permutation_independent": lambda k: random.permutation(
        k, np.arange(6).reshape(2, 3), axis=1, independent=True),
    "randint": lambda k: random.randint(k, (4,), 0, 10),
    "orthogonal": lambda k: random.orthogonal(k, 3),
    "split": lambda k: random.split(k, 3),
    "fold_in": lambda k: random.fold_in(k, 5),
}


BATCHED_PRODUCTS = {"multivariate_normal"}


@pytest.mark.filterwarnings("ignore:vmap. primitive")
@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_jit_and_vmap_agree_with_eager(name):
    f = SAMPLERS[name]
    k = random.key(7)
    eager = np.asarray(f(k))
    jitted = np.asarray(cr.jit(f)(k))
    np.testing.assert_array_equal(jitted, eager)
    assert jitted.dtype == eager.dtype
    keys = random.split(k, 4)
    batched = np.asarray(cr.vmap(f)(keys))
    loop = np.stack([np.asarray(f(kk)) for kk in keys])
    # The same draws; where a shared matrix multiplies each example (the Cholesky factor of
    # multivariate_normal), vmap makes one matrix product of the batch, whose sums BLAS may
    # round differently from one product per example: equal to the last bits only.
    same = (np.testing.assert_array_equal if name not in BATCHED_PRODUCTS else
            lambda a, b: np.testing.assert_allclose(a, b, rtol=4 * np.finfo(float).eps))
    same(batched, loop)
    assert batched.dtype == loop.dtype
    same(np.asarray(cr.jit(cr.vmap(f))(keys)), loop)


def test_vmap_over_seeds_and_fold_in_data():
    seeds = np.arange(5)
    np.testing.assert_array_equal(cr.vmap(random.key)(seeds),
                                  np.stack([random.key(int(s)) for s in seeds]))
    np.testing.assert_array_equal(cr.jit(random.key)(np.int64(-1)), random.key(-1))
    k = random.key(0)
    np.testing.assert_array_equal(cr.vmap(random.fold_in, in_axes=(None, 0))(k, seeds),
                                  np.stack([random.fold_in(k, int(s)) for s in seeds]))


def test_vmap_over_parameters():
    k = random.key(0)
    locs = np.array([0.0, 1.0, 5.0])
    out = cr.vmap(lambda m: random.normal(k, (2,), loc=m))(locs)
    np.testing.assert_array_equal(out, np.stack([random.normal(k, (2,), loc=m) for m in locs]))
    lams = np.array([1.0, 10.0])
    out = cr.vmap(lambda lam: random.poisson(k, lam, (3,)))(lams)
    np.testing.assert_array_equal(out, np.stack([random.poisson(k, lam, (3,)) for lam in lams]))


# --- gradients of reparameterized samples against finite differences -------------------
K = random.key(42)


def test_normal_uniform_exponential_laplace_cauchy_gradients():
    cr.check_grads(lambda m, s: random.normal(K, (4,), loc=m, scale=s), (0.3, 1.7), order=2,
                   modes=("fwd", "rev"))
    cr.check_grads(lambda a, b: random.uniform(K, (4,), minval=a, maxval=b), (-1.0, 2.0),
                   order=2, modes=("fwd", "rev"))
    cr.check_grads(lambda s: random.exponential(K, (4,), scale=s), (0.8,), order=2,
                   modes=("fwd", "rev"))
    cr.check_grads(lambda m, s: random.laplace(K, (4,), loc=m, scale=s), (0.3, 1.2), order=2,
                   modes=("fwd", "rev"))
    cr.check_grads(lambda m, s: random.cauchy(K, (4,), loc=m, scale=s), (0.3, 1.2), order=2,
                   modes=("fwd", "rev"))
    # The derivative in scale is the standard draw itself.
    np.testing.assert_allclose(cr.jacobian(lambda s: random.normal(K, (4,), scale=s))(2.0),
                               random.normal(K, (4,)))


def test_truncated_normal_gradients():
    cr.check_grads(lambda a, b: random.truncated_normal(K, a, b, (4,)), (-0.5, 1.5), order=2,
                   modes=("fwd", "rev"))
    cr.check_grads(lambda a, b: random.truncated_normal(K, a, b, (4,)), (1.0, 2.5), order=1,
                   modes=("fwd", "rev"))


def test_multivariate_normal_gradients():
    def sample(mean, a):
        cov = a @ a.T + np.eye(3)
        return random.multivariate_normal(K, mean, cov, (2,))
    a = np.array([[1.0, 0.2, 0.0], [0.3, 0.8, 0.1], [0.0, -0.4, 0.6]])
    cr.check_grads(sample, (np.array([0.5, -1.0, 2.0]), a), order=2, modes=("fwd", "rev"))
    cr.check_grads(lambda a: random.multivariate_normal(K, np.zeros(3), a @ a.T + np.eye(3),
                                                        method="eigh"),
                   (a,), order=1, modes=("fwd", "rev"))


@pytest.mark.parametrize("a", [0.3, 1.0, 4.0, 60.0])
def test_gamma_implicit_gradient(a):
    cr.check_grads(lambda a: random.gamma(K, a, (5,)), (a,), order=1, modes=("fwd", "rev"),
                   rtol=1e-5, atol=1e-7)
    # Against the exact implicit derivative at the same u: -dP/da / pdf, with dP/da from a
    # high-order finite difference of scipy's regularized incomplete gamma function.
    z = np.asarray(random.gamma(K, a, (5,)))
    h = 1e-3 * a
    P = [st.gamma(a + j * h).cdf(z) for j in (-2, -1, 1, 2)]
    dP = (P[0] - 8 * P[1] + 8 * P[2] - P[3]) / (12 * h)
    np.testing.assert_allclose(cr.jacobian(lambda a: random.gamma(K, a, (5,)))(a),
                               -dP / st.gamma(a).pdf(z), rtol=1e-6)


def test_gamma_family_gradients():
    cr.check_grads(lambda a, b: random.beta(K, a, b, (3,)), (1.5, 2.5), order=1,
                   modes=("fwd", "rev"), rtol=1e-5, atol=1e-7)
    cr.check_grads(lambda al: random.dirichlet(K, al), (np.array([0.5, 2.0, 3.0]),), order=1,
                   modes=("fwd", "rev"), rtol=1e-5, atol=1e-7)
    cr.check_grads(lambda df: random.t(K, df, (3,)), (3.0,), order=1, modes=("fwd", "rev"),
                   rtol=1e-5, atol=1e-7)
    # The mean of Gamma(a) is a: the pathwise gradient of the sample mean is close to 1.
    g = cr.grad(lambda a: random.gamma(K, a, (100_000,)).mean())(3.0)
    assert abs(g - 1.0) < 0.01


@pytest.mark.parametrize("a", [0.3, 1.0, 4.0, 60.0])
def test_gamma_second_derivative(a):
    # The implicit gradient -P_a / p uses the exact dP/da (gammainc_da), which has
    # derivatives of its own: second derivatives match finite differences in both modes.
    cr.check_grads(lambda a: random.gamma(K, a, (5,)), (a,), order=2, modes=("fwd", "rev"),
                   rtol=1e-4, atol=1e-7)
    # And against the five-point second difference of the samples themselves, which uses
    # no derivative rule at all.
    d2 = cr.jacobian(cr.jacobian(lambda a: random.gamma(K, a, (5,))))(a)
    h = 1e-3 * a
    z = [np.asarray(random.gamma(K, a + j * h, (5,))) for j in (-2, -1, 0, 1, 2)]
    fd = (-z[0] + 16 * z[1] - 30 * z[2] + 16 * z[3] - z[4]) / (12 * h * h)
    np.testing.assert_allclose(d2, fd, rtol=1e-5, atol=1e-8)


def test_gamma_gradients_at_small_shapes():
    # Shapes near 0 give samples far below 1, some subnormal or 0: first and second
    # derivatives stay finite, without warnings, and match x (digamma(a+1) - log x) / a,
    # the derivative of x = (u Gamma(a+1))**(1/a) that holds there.
    a = 0.01
    x = np.asarray(random.gamma(K, a, (20_000,)))
    f = lambda a: random.gamma(K, a, (20_000,))  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d1 = np.asarray(cr.jvp(f, (a,), (1.0,))[1])
        d2 = np.asarray(cr.jvp(lambda a: cr.jvp(f, (a,), (1.0,))[1], (a,), (1.0,))[1])
    assert (x == 0).any() and (x[x > 0] < 1e-300).any()
    assert np.isfinite(d1).all() and np.isfinite(d2).all()
    small = (x > 0) & (x < 1e-100)
    np.testing.assert_allclose(d1[small], x[small] * (sp.digamma(a + 1) - np.log(x[small])) / a,
                               rtol=1e-12, atol=1e-315)
    assert (d1[x == 0] == 0).all() and (d2[x == 0] == 0).all()


def test_gamma_family_second_derivatives():
    cr.check_grads(lambda a, b: random.beta(K, a, b, (3,)), (1.5, 2.5), order=2,
                   modes=("fwd", "rev"), rtol=1e-4, atol=1e-7)
    cr.check_grads(lambda al: random.dirichlet(K, al), (np.array([0.5, 2.0, 3.0]),), order=2,
                   modes=("fwd", "rev"), rtol=1e-4, atol=1e-7)
    cr.check_grads(lambda df: random.t(K, df, (3,)), (3.0,), order=2, modes=("fwd", "rev"),
                   rtol=1e-4, atol=1e-7)
    # The mean of Gamma(a) is linear in a: the pathwise second derivative of the sample
    # mean is close to 0.
    h = cr.grad(cr.grad(lambda a: random.gamma(K, a, (100_000,)).mean()))(3.0)
    assert abs(h) < 0.01


def test_gradients_under_jit_and_vmap():
    g = cr.grad(lambda s: random.normal(K, (3,), scale=s).sum())
    np.testing.assert_allclose(cr.jit(g)(2.0), g(2.0))
    ga = cr.grad(lambda a: random.gamma(K, a, (3,)).sum())
    np.testing.assert_allclose(cr.jit(ga)(2.0), ga(2.0))
    keys = random.split(K, 3)
    per_key = cr.vmap(cr.grad(lambda a, k: random.gamma(k, a, (3,)).sum()),
                      in_axes=(None, 0))(2.0, keys)
    loop = [cr.grad(lambda a, kk=kk: random.gamma(kk, a, (3,)).sum())(2.0) for kk in keys]
    np.testing.assert_allclose(per_key, loop)


def test_integer_samples_carry_no_derivative():
    # The value does not depend smoothly on the rate: its derivative is zero, as for any
    # integer result.
    y, t = cr.jvp(lambda lam: random.poisson(K, lam, (3,)), (4.0,), (1.0,))
    assert np.asarray(y).dtype == np.int64
    np.testing.assert_array_equal(np.asarray(t), 0)


# --- errors --------------------------------------------------------------------------------
@pytest.mark.parametrize("bad,match", [
    (0, "got int 0"),
    (np.zeros(2), "dtype float64"),
    (np.zeros(3, U32), r"shape \(3,\)"),
    (np.zeros(2, np.int32), "dtype int32"),
    (np.zeros((4, 2), U32), "batch of keys"),
    ([0, 0], "got list"),
])
def test_malformed_key_raises(bad, match):
    with pytest.raises(TypeError, match=match):
        random.normal(bad, (3,))
    with pytest.raises(TypeError, match="key"):
        random.split(bad)


def test_bad_arguments_raise():
    k = random.key(0)
    with pytest.raises(TypeError, match="seed"):
        random.key(1.5)
    with pytest.raises(TypeError, match="seed"):
        random.key(np.arange(3))
    with pytest.raises(TypeError, match="num"):
        cr.jit(lambda n: random.split(k, n))(3)
    with pytest.raises(ValueError, match="broadcast"):
        random.normal(k, (3,), loc=np.zeros(4))
    with pytest.raises(TypeError, match="dtype"):
        random.normal(k, (3,), np.int32)
    with pytest.raises(TypeError, match="shape"):
        cr.jit(lambda n: random.normal(k, (n,)))(3)


def test_key_from_rng_follows_spec7():
    np.testing.assert_array_equal(random.key_from_rng(5), random.key_from_rng(5))
    g = np.random.default_rng(5)
    k1, k2 = random.key_from_rng(g), random.key_from_rng(g)
    assert not np.array_equal(k1, k2)  # a Generator is used and advanced
    np.testing.assert_array_equal(k1, random.key_from_rng(5))
    assert random.key_from_rng(None).shape == (2,)
    with pytest.raises(TypeError, match="RandomState"):
        random.key_from_rng(np.random.RandomState(0))
