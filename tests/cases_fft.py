"""Test cases for the FFT primitives (chainrule._src.lax.fft): real and complex input,
one and several axes, every normalization, odd and even lengths."""

from primitive_cases import Case, uniform

CASES = []
add = CASES.extend

NORMS = ("backward", "ortho", "forward")


def cplx(shape, seed=0):
    return uniform(shape, seed=seed) + 1j * uniform(shape, seed=seed + 50)


for i, norm in enumerate(NORMS):
    for inverse in (False, True):
        add([Case("fft", (uniform((8,), seed=i),), {"axes": (0,), "inverse": inverse,
                                                     "norm": norm}),
             Case("fft", (cplx((3, 5), seed=i),), {"axes": (0, 1), "inverse": inverse,
                                                    "norm": norm})])
    add([Case("rfft", (uniform((7,), seed=i),), {"axes": (0,), "norm": norm}),
         Case("rfft", (uniform((2, 3, 4), seed=i),), {"axes": (0, 2), "norm": norm}),
         Case("irfft", (cplx((3, 3), seed=i),), {"axes": (1,), "n": 5, "norm": norm}),
         Case("irfft", (cplx((2, 4, 3), seed=i),), {"axes": (1, 2), "n": 4, "norm": norm})])
    # irfft of real input (the imaginary parts are zero).
    add([Case("irfft", (uniform((2, 4), seed=i),), {"axes": (1,), "n": 6, "norm": norm}),
         Case("irfft", (uniform((3, 3), seed=i),), {"axes": (0, 1), "n": 5, "norm": norm})])
add([Case("fft", (uniform((2, 3, 4)),), {"axes": (2,), "inverse": False, "norm": "backward"}),
     Case("fft", (uniform((1,)),), {"axes": (0,), "inverse": True, "norm": "ortho"})])
