"""A new user's mistakes on the science layers (nn, infer, solve_ivp, optim, apps): each
raises an error that names the argument and says what to do, or gives the right value,
instead of failing deep inside NumPy."""

import numpy as np
import pytest

from chainrule import nn


# --- nn ------------------------------------------------------------------------------------

def test_layers_take_a_list_as_numpy_does():
    lin = nn.Linear(3, 2, key=0)
    np.testing.assert_array_equal(lin([1.0, 2.0, 3.0]), lin(np.array([1.0, 2.0, 3.0])))
    mlp = nn.MLP(2, 1, width_size=4, depth=1, key=0)
    np.testing.assert_array_equal(mlp([0.5, -1.0]), mlp(np.array([0.5, -1.0])))
    with pytest.raises(ValueError, match=r"expects an input of shape \(3,\), got shape \(\)"):
        lin(1.0)
    norm = nn.LayerNorm(3)
    np.testing.assert_allclose(norm([1.0, 2.0, 3.0]), norm(np.array([1.0, 2.0, 3.0])))

def test_losses_take_lists_as_numpy_does():
    assert float(nn.mse([1.0, 2.0], [1.0, 4.0])) == 2.0
    assert float(nn.mae([1.0, 2.0], [1.0, 4.0], reduction="sum")) == 2.0
    logits = np.array([[2.0, 0.0], [0.0, 1.0]])
    expected = nn.cross_entropy(logits, np.array([[1.0, 0.0], [0.0, 1.0]]))
    np.testing.assert_allclose(nn.cross_entropy(logits, [[1.0, 0.0], [0.0, 1.0]]), expected)
    np.testing.assert_allclose(nn.cross_entropy(logits, np.array([0, 1])), expected)

def test_cross_entropy_float_class_indices_say_to_cast():
    logits = np.zeros((5, 3))
    with pytest.raises(ValueError, match=r"class indices must be integers.*astype\(int\)"):
        nn.cross_entropy(logits, np.array([0.0, 1.0, 2.0, 0.0, 1.0]))
