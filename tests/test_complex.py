"""Complex numbers follow JAX's conventions."""

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp

Z = np.array([1 + 2j, -0.5 + 0.3j, 0.7 - 1.1j])


@pytest.mark.parametrize("f", [cnp.exp, cnp.sin, cnp.log, cnp.sqrt, lambda z: z * z,
                               lambda z: z / (1 + z * z), cnp.conj,
                               lambda z: cnp.abs(z) ** 2 + z.real * z.imag])
def test_check_grads_on_complex_inputs(f):
    cr.check_grads(f, (Z,), order=2)


def test_grad_of_real_function_of_complex_input_is_conjugate_gradient():
    # JAX: grad(|z|^2)(z) = 2 conj(z)
    assert cr.grad(lambda z: cnp.abs(z) ** 2)(1 + 1j) == 2 - 2j
    assert cr.grad(lambda z: z.real)(1 + 1j) == 1
    assert cr.grad(lambda z: z.imag)(1 + 1j) == -1j


def test_holomorphic_grad_and_jacobians():
    z = 0.3 + 0.4j
    assert np.isclose(cr.grad(lambda z: z ** 3, holomorphic=True)(z), 3 * z ** 2)
    J = cr.jacfwd(lambda z: cnp.exp(z), holomorphic=True)(Z)
    np.testing.assert_allclose(J, np.diag(np.exp(Z)))
    np.testing.assert_allclose(cr.jacrev(lambda z: cnp.exp(z), holomorphic=True)(Z), J)
    with pytest.raises(TypeError, match="holomorphic=True"):
        cr.grad(lambda z: z ** 2)(z)
    with pytest.raises(TypeError, match="requires complex inputs"):
        cr.grad(lambda x: x ** 2, holomorphic=True)(1.0)
