"""Error messages: what went wrong and what to do, never a silent zero gradient."""

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp


def test_grad_of_vector_output_points_to_jacobian():
    with pytest.raises(TypeError, match="scalar output.*jacrev"):
        cr.grad(lambda x: x * 2)(np.ones(3))


def test_grad_of_complex_output_points_to_holomorphic():
    with pytest.raises(TypeError, match="real-valued output.*holomorphic=True"):
        cr.grad(lambda x: x * 1j)(1.0)


def test_grad_of_boolean_output():
    with pytest.raises(TypeError, match="floating-point output"):
        cr.grad(lambda x: x > 0)(1.0)


def test_grad_with_integer_input():
    with pytest.raises(TypeError, match="floating-point inputs.*2.0 instead of 2"):
        cr.grad(lambda x: x * 2.0)(2)


def test_argnums_out_of_range():
    with pytest.raises(ValueError, match="argnums"):
        cr.grad(lambda x: x, argnums=3)(1.0)


def test_has_aux_needs_a_pair():
    with pytest.raises(TypeError, match="has_aux=True"):
        cr.grad(lambda x: x, has_aux=True)(1.0)


def test_leaked_tracer_names_its_transform():
    leaked = []

    def f(x):
        leaked.append(x)
        return x * 2
    cr.grad(f)(1.0)
    with pytest.raises(cr.LeakedTracerError, match="`grad`.*leaked tracer"):
        cnp.sin(leaked[0])
    with pytest.raises(cr.LeakedTracerError, match="`grad`"):
        np.sin(leaked[0])
    cr.jvp(f, (1.0,), (1.0,))
    with pytest.raises(cr.LeakedTracerError, match="`jvp`"):
        leaked[-1] + 1.0


def test_setitem_points_to_at():
    def f(x):
        x[0] = 1.0
        return cnp.sum(x)
    with pytest.raises(TypeError, match=r"\.at\[idx\]\.set"):
        cr.grad(f)(np.ones(3))


def test_at_update_is_differentiable():
    def f(x):
        y = x.at[1].set(x[0] * 3.0)
        return cnp.sum(cnp.at(y)[np.array([0, 2])].add(x[2] ** 2))
    g = cr.grad(f)(np.array([1.0, 2.0, 3.0]))
    # y = [x0, 3 x0, x2]; sum + 2 * x2**2  ->  d/dx0 = 1 + 3, d/dx1 = 0, d/dx2 = 1 + 4 x2
    np.testing.assert_allclose(g, [4.0, 0.0, 13.0])


def test_asarray_of_tracer_raises():
    with pytest.raises(TypeError, match="cannot be converted to a NumPy array"):
        cr.grad(lambda x: np.asarray(x).sum())(np.ones(2))


def test_float_of_tracer_raises_instead_of_dropping_derivative():
    with pytest.raises(TypeError, match="drop its derivative"):
        cr.grad(lambda x: float(x) * x)(2.0)
    assert cr.grad(lambda x: float(cr.stop_gradient(x)) * x)(2.0) == 2.0


def test_unsupported_numpy_function_on_tracer():
    def fill(x):
        np.fill_diagonal(x, 0.0)  # in place: no differentiable version can exist
        return cnp.sum(x)
    with pytest.raises(TypeError, match="not supported on traced values"):
        cr.grad(fill)(np.ones((3, 3)))


def test_ufunc_out_argument_on_tracer():
    with pytest.raises(TypeError, match="out="):
        cr.grad(lambda x: np.sin(x, out=np.empty(())))(1.0)


def test_jvp_tangent_shape_mismatch():
    with pytest.raises(ValueError, match="tangent for argument 0 has shape"):
        cr.jvp(cnp.sin, (np.ones(3),), (np.ones(2),))


def test_vjp_cotangent_structure_mismatch():
    _, f_vjp = cr.vjp(lambda x: (x, x), 1.0)
    with pytest.raises(ValueError, match="structure"):
        f_vjp(1.0)


def test_broadcast_error_names_shapes():
    with pytest.raises(ValueError, match=r"\(3,\) \(2,\)"):
        cr.grad(lambda x: cnp.sum(x + np.ones(2)))(np.ones(3))


def test_non_array_input():
    with pytest.raises(TypeError, match="not an array or number"):
        cr.grad(lambda s: 1.0)("text")


def test_value_dependent_functions_say_which_transform_hides_the_values():
    with pytest.raises(TypeError, match="under vmap.*Loop over the examples"):
        cr.vmap(lambda x: cnp.sum(cnp.unique(x)))(np.ones((2, 3)))
    with pytest.raises(TypeError, match=r"under jit.*static_argnums"):
        cr.jit(lambda x: cnp.sum(cnp.unique(x)))(np.ones(3))
