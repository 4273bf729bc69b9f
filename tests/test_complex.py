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


# --- Jacobians of functions between real and complex values ---------------------------
X = np.array([0.3, -0.7, 1.1])


def _fd_columns(f, x, directions):
    """Central differences of f at x along each direction (complex results allowed)."""
    cols = []
    for d in directions:
        h = 1e-6
        cols.append((np.asarray(f(x + h * d)) - np.asarray(f(x - h * d))) / (2 * h))
    return np.stack(cols, axis=-1)


def _unit(n, k, dtype=float):
    e = np.zeros(n, dtype)
    e[k] = 1
    return e


def _real_to_complex_few(x):  # 3 -> 2: jacobian(mode="auto") goes backwards
    return cnp.exp(1j * x[:2]) * x[2]


def _real_to_complex_many(x):  # 3 -> 6: jacobian(mode="auto") goes forwards
    return cnp.concatenate([cnp.exp(1j * x), x ** 2 * (1 + 2j)])


def _complex_to_real_few(z):  # 3 -> 2
    return cnp.stack([cnp.abs(z[0]) ** 2 * z[1].real, z[2].imag * z[0].real])


def _complex_to_real_many(z):  # 3 -> 4
    return cnp.concatenate([cnp.abs(z) ** 2, z[1:2].real * z[2:].imag])


@pytest.mark.parametrize("jac", [cr.jacfwd, cr.jacrev, cr.jacobian],
                         ids=["jacfwd", "jacrev", "jacobian"])
@pytest.mark.parametrize("f", [_real_to_complex_few, _real_to_complex_many])
def test_jacobian_of_real_to_complex_keeps_imaginary_part(jac, f):
    expected = _fd_columns(f, X, [_unit(3, k) for k in range(3)])
    got = jac(f)(X)
    assert got.dtype == np.complex128
    np.testing.assert_allclose(got, expected, atol=1e-8)
    np.testing.assert_allclose(jac(f, chunk_size=2)(X), expected, atol=1e-8)


@pytest.mark.parametrize("jac", [cr.jacfwd, cr.jacrev, cr.jacobian],
                         ids=["jacfwd", "jacrev", "jacobian"])
@pytest.mark.parametrize("f", [_complex_to_real_few, _complex_to_real_many])
def test_jacobian_of_complex_to_real_follows_grad_convention(jac, f):
    z = Z
    d_re = _fd_columns(f, z, [_unit(3, k, complex) for k in range(3)])
    d_im = _fd_columns(f, z, [1j * _unit(3, k, complex) for k in range(3)])
    expected = d_re - 1j * d_im  # row o is grad(lambda z: f(z)[o])(z)
    np.testing.assert_allclose(jac(f)(z), expected, atol=1e-8)
    np.testing.assert_allclose(jac(f)(z)[0], cr.grad(lambda z: f(z)[0])(z), atol=1e-12)


def test_jacobian_with_mixed_real_and_complex_leaves():
    def f(x, z):
        return {"c": cnp.exp(1j * x) * 2.0, "r": cnp.sum(cnp.abs(z) ** 2) * x}
    for jac in (cr.jacfwd, cr.jacrev, cr.jacobian):
        with pytest.raises(TypeError, match="complex inputs and complex outputs"):
            jac(f, argnums=(0, 1))(X, Z)
        jx = jac(f)(X, Z)
        np.testing.assert_allclose(jx["c"], np.diag(2j * np.exp(1j * X)), atol=1e-12)
        np.testing.assert_allclose(jx["r"], np.sum(np.abs(Z) ** 2) * np.eye(3), atol=1e-12)


@pytest.mark.parametrize("jac", [cr.jacfwd, cr.jacrev, cr.jacobian, cr.hessian],
                         ids=["jacfwd", "jacrev", "jacobian", "hessian"])
def test_non_holomorphic_complex_to_complex_jacobian_raises(jac):
    with pytest.raises(TypeError, match="holomorphic=True"):
        jac(lambda z: z * cnp.conj(z[0]))(Z)


def test_hessian_of_real_to_complex_function():
    h = cr.hessian(lambda x: cnp.sum(cnp.exp(1j * x)))(X)
    np.testing.assert_allclose(h, np.diag(-np.exp(1j * X)), atol=1e-12)


@pytest.mark.parametrize("mode", ["fwd", "rev", "auto"])
def test_holomorphic_jacobian_in_every_mode(mode):
    J = cr.jacobian(lambda z: cnp.exp(z[:2]) * z[2], holomorphic=True, mode=mode)(Z)
    expected = np.zeros((2, 3), complex)
    expected[[0, 1], [0, 1]] = np.exp(Z[:2]) * Z[2]
    expected[:, 2] = np.exp(Z[:2])
    np.testing.assert_allclose(J, expected, atol=1e-12)
    J = cr.jacobian(lambda z: cnp.concatenate([z ** 2, cnp.sin(z)]), holomorphic=True,
                    mode=mode)(Z)
    np.testing.assert_allclose(J, np.concatenate([np.diag(2 * Z), np.diag(np.cos(Z))]),
                               atol=1e-12)


def test_hessian_of_real_function_of_complex_input_raises():
    with pytest.raises(TypeError, match="real and imaginary parts"):
        cr.hessian(lambda z: cnp.sum(cnp.abs(z) ** 2))(Z)
    h = cr.hessian(lambda x, y: cnp.sum(cnp.abs(x + 1j * y) ** 2), argnums=(0, 1))(Z.real,
                                                                                 Z.imag)
    np.testing.assert_allclose(h[0][0], 2 * np.eye(3))
    np.testing.assert_allclose(h[0][1], np.zeros((3, 3)), atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_einsum_cotangent_of_a_real_operand_is_real(dtype):
    # The product of a real and a complex operand: the derivative in the real one is real.
    x = dtype(0.7)
    for f, want in [(lambda x: cnp.real(cnp.einsum(",->", x, cnp.exp(1j * x))),
                     np.cos(0.7) - 0.7 * np.sin(0.7)),
                    (lambda x: cnp.abs(cnp.einsum(",->", x, cnp.exp(1j * x))), 1.0)]:
        for g in (cr.grad(f)(x), cr.jacrev(f)(x), cr.jacfwd(f)(x)):
            assert np.isrealobj(g) and g.dtype == dtype
            np.testing.assert_allclose(g, want, rtol=1e-6 if dtype == np.float32 else 1e-12)


CONCAT_LIKE = {
    "concatenate": lambda c, x: cnp.concatenate([c, x]),
    "concatenate_axis1": lambda c, x: cnp.concatenate([c[:, None], x[:, None]], axis=1),
    "stack": lambda c, x: cnp.stack([c, x]),
    "append": lambda c, x: cnp.append(c, x),
    "hstack": lambda c, x: cnp.hstack([c, x]),
    "vstack": lambda c, x: cnp.vstack([c, x]),
    "column_stack": lambda c, x: cnp.column_stack([c, x]),
    "block": lambda c, x: cnp.block([c, x]),
    "array": lambda c, x: cnp.array([c, x]),
}


@pytest.mark.parametrize("name", sorted(CONCAT_LIKE))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_concatenate_cotangent_of_a_real_operand_is_real(name, dtype):
    # Joining a real operand with a complex one: its cotangent is the real part of the
    # joined cotangent, as for broadcasting elementwise operations.
    join = CONCAT_LIKE[name]
    c, x = np.array([1j, 2 - 1j]), np.array([0.5, -0.25], dtype)

    def f(x):
        y = join(c, x)
        return cnp.sum(cnp.imag(y) * 3.0 + cnp.real(y) * 2.0)

    for g in (cr.grad(f)(x), cr.jit(cr.grad(f))(x), cr.jacrev(f)(x)):
        assert np.isrealobj(g) and g.dtype == dtype
        np.testing.assert_allclose(g, [2.0, 2.0])
    np.testing.assert_allclose(cr.jacfwd(f)(x), [2.0, 2.0])
