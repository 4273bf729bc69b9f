"""Test cases for the FFT primitives (chainrule._src.lax.fft).

``fft`` and ``rfft`` have complex outputs and ``irfft`` complex inputs.  check_grads'
reverse-mode test pairs complex values with a conjugating inner product while transposes
follow JAX's bilinear convention (``<x, y> = Re sum(x * y)``), so for complex outputs
those cases check values, abstract evaluation, vmap and jit here (``diff=()``), and their
derivatives are checked in ``test_fft.py`` through real-valued functions and the
dot-product test.  ``irfft`` on real input is a real linear map and is checked here fully.
"""

from primitive_cases import Case, uniform

CASES = []
add = CASES.extend

NORMS = ("backward", "ortho", "forward")


def cplx(shape, seed=0):
    return uniform(shape, seed=seed) + 1j * uniform(shape, seed=seed + 50)


for i, norm in enumerate(NORMS):
    for inverse in (False, True):
        add([Case("fft", (uniform((8,), seed=i),), {"axes": (0,), "inverse": inverse,
                                                     "norm": norm}, diff=()),
             Case("fft", (cplx((3, 5), seed=i),), {"axes": (0, 1), "inverse": inverse,
                                                    "norm": norm}, diff=())])
    add([Case("rfft", (uniform((7,), seed=i),), {"axes": (0,), "norm": norm}, diff=()),
         Case("rfft", (uniform((2, 3, 4), seed=i),), {"axes": (0, 2), "norm": norm}, diff=()),
         Case("irfft", (cplx((3, 3), seed=i),), {"axes": (1,), "n": 5, "norm": norm},
              diff=()),
         Case("irfft", (cplx((2, 4, 3), seed=i),), {"axes": (1, 2), "n": 4, "norm": norm},
              diff=())])
    # irfft of real input is a real linear map: derivatives checked against differences.
    add([Case("irfft", (uniform((2, 4), seed=i),), {"axes": (1,), "n": 6, "norm": norm}),
         Case("irfft", (uniform((3, 3), seed=i),), {"axes": (0, 1), "n": 5, "norm": norm})])
add([Case("fft", (uniform((2, 3, 4)),), {"axes": (2,), "inverse": False, "norm": "backward"},
          diff=()),
     Case("fft", (uniform((1,)),), {"axes": (0,), "inverse": True, "norm": "ortho"}, diff=())])
