"""The input–output Jacobian against central differences, for both activations; its singular values;
bad inputs named."""

import numpy as np
import pytest

from optlib import initializers, jacobian, nn


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_jacobian_matches_central_differences(activation):
    rng = np.random.default_rng(0)
    net = nn.MLP([4, 6, 5, 3], activation=activation, rng=rng)
    params = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in net.params.items()}  # off ReLU's kink
    x = rng.standard_normal(4)
    J = jacobian.input_output(net, params, x)
    h = 1e-6
    numeric = np.empty((3, 4))
    for j in range(4):
        step = np.zeros(4)
        step[j] = h
        up, down = (net.forward(params, (x + s)[None, :]).output[0] for s in (step, -step))
        numeric[:, j] = (up - down) / (2 * h)
    assert J.shape == (3, 4) and np.allclose(J, numeric, atol=1e-8)


def test_a_linear_orthogonal_chain_is_an_isometry():
    # tanh near 0 is the identity to first order: at x = 0 the Jacobian is the product of the weights
    rng = np.random.default_rng(1)
    net = nn.MLP([16] * 6, activation="tanh", init=initializers.orthogonal, rng=rng)
    s = jacobian.singular_values(net, net.params, np.zeros(16))
    assert np.allclose(s, 1.0) and np.all(np.diff(s) <= 1e-12)


def test_one_layer_is_its_weights():
    net = nn.MLP([3, 2], rng=np.random.default_rng(2))
    assert np.allclose(jacobian.input_output(net, net.params, np.ones(3)), net.params["layer1.W"].T)


@pytest.mark.parametrize("x", [np.zeros(3), np.zeros((1, 4)), np.zeros(5)])
def test_bad_inputs_are_named(x):
    net = nn.MLP([4, 3, 2], rng=np.random.default_rng(3))
    with pytest.raises(ValueError, match=r"jacobian.input_output: x must be one input of shape \(4,\)"):
        jacobian.input_output(net, net.params, x)
