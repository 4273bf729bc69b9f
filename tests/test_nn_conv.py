"""chainrule.nn.Conv1d / Conv2d against a direct NumPy loop over PyTorch's formula."""

import itertools
import math

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from chainrule import nn

rng = np.random.default_rng(3)


def conv_ref(x, w, b, stride, pads, dilation, groups):
    """out[o, i] = b[o] + sum_{c, k} w[o, c, k] * xpad[g(o) * C/G + c, i * s + k * d]."""
    n = x.ndim - 1
    xp = np.pad(x, [(0, 0)] + list(pads))
    cout, cin_g = w.shape[:2]
    ks = w.shape[2:]
    out_shape = tuple((xp.shape[1 + a] - dilation[a] * (ks[a] - 1) - 1) // stride[a] + 1
                      for a in range(n))
    y = np.zeros((cout,) + out_shape)
    per_group = cout // groups
    for o in range(cout):
        g = o // per_group
        for pos in itertools.product(*(range(m) for m in out_shape)):
            acc = 0.0 if b is None else b[o]
            for c in range(cin_g):
                for k in itertools.product(*(range(kk) for kk in ks)):
                    src = tuple(pos[a] * stride[a] + k[a] * dilation[a] for a in range(n))
                    acc += w[(o, c) + k] * xp[(g * cin_g + c,) + src]
            y[(o,) + pos] = acc
    return y


CASES = [
    # (cls, cin, cout, kernel, stride, padding, dilation, groups, spatial)
    (nn.Conv1d, 2, 3, 3, 1, 0, 1, 1, (9,)),
    (nn.Conv1d, 4, 6, 2, 2, 1, 1, 2, (9,)),
    (nn.Conv1d, 2, 2, 3, 1, "same", 2, 1, (8,)),
    (nn.Conv1d, 2, 2, 4, 1, "same", 1, 2, (7,)),   # odd total padding: extra zero at the end
    (nn.Conv2d, 2, 3, (2, 3), (2, 1), (1, 0), 1, 1, (6, 5)),
    (nn.Conv2d, 4, 4, 3, 1, "same", (1, 2), 4, (5, 6)),  # depthwise
    (nn.Conv2d, 2, 2, 2, 1, ((1, 0), (0, 2)), 1, 1, (4, 4)),
    (nn.Conv2d, 3, 2, 3, 2, "valid", 1, 1, (7, 7)),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_conv_forward_matches_the_formula(case):
    cls, cin, cout, k, s, p, d, g, spatial = CASES[case]
    conv = cls(cin, cout, k, stride=s, padding=p, dilation=d, groups=g, key=case)
    x = rng.standard_normal((cin,) + spatial)
    n = len(spatial)
    y = conv(x)
    ref = conv_ref(x, conv.weight, conv.bias, conv.stride, conv.padding, conv.dilation, g)
    np.testing.assert_allclose(y, ref, rtol=1e-12, atol=1e-14)
    if p == "same":
        assert y.shape[1:] == spatial
    assert conv.weight.shape == (cout, cin // g) + conv.kernel_size
    assert len(conv.kernel_size) == n
    bound = 1 / math.sqrt(cin // g * math.prod(conv.kernel_size))
    assert np.abs(conv.weight).max() <= bound and np.abs(conv.bias).max() <= bound


def test_conv_grads_wrt_parameters_and_input():
    conv = nn.Conv2d(2, 2, 2, stride=(1, 2), padding=1, dilation=1, groups=2, key=0)
    x = rng.standard_normal((2, 3, 4))
    cr.check_grads(lambda m, x: cnp.sum(cnp.sin(m(x))), (conv, x), order=2,
                   modes=("fwd", "rev"))
    c1 = nn.Conv1d(2, 3, 3, padding="same", dilation=2, bias=False, key=1)
    cr.check_grads(lambda m, x: cnp.sum(cnp.sin(m(x))), (c1, rng.standard_normal((2, 6))),
                   order=2, modes=("fwd", "rev"))


def test_conv_batches_with_vmap_and_jit():
    conv = nn.Conv2d(2, 3, 3, padding=1, key=0)
    xs = rng.standard_normal((4, 2, 5, 5))
    want = np.stack([conv(x) for x in xs])
    np.testing.assert_allclose(cr.vmap(conv)(xs), want, rtol=1e-12)
    np.testing.assert_allclose(cr.jit(lambda m, x: cr.vmap(m)(x))(conv, xs), want, rtol=1e-12)


def test_conv_errors():
    conv = nn.Conv2d(3, 4, 3, key=0)
    with pytest.raises(ValueError, match=r"Conv2d\(in_channels=3, out_channels=4, "
                       r"kernel_size=\(3, 3\)\) expects an input of shape \(3, \.\.\., \.\.\.\), "
                       r"got shape \(8, 3, 5, 5\).*vmap"):
        conv(np.ones((8, 3, 5, 5)))
    with pytest.raises(ValueError, match=r"got shape \(2, 5, 5\)"):
        conv(np.ones((2, 5, 5)))
    with pytest.raises(ValueError, match="smaller than the dilated kernel"):
        conv(np.ones((3, 2, 5)))
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv1d(3, 4, 3, groups=2, key=0)
    with pytest.raises(ValueError, match="'same' needs stride 1"):
        nn.Conv1d(2, 2, 3, stride=2, padding="same", key=0)
    with pytest.raises(ValueError, match="kernel_size needs 2"):
        nn.Conv2d(2, 2, (3, 3, 3), key=0)
