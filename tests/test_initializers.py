"""LSUV (Mishkin & Matas 2016): unit output variance layer by layer on the batch, exact in one rescaling
for ReLU, a few for tanh, no change to the caller's arrays, named errors."""

import numpy as np
import pytest

from optlib import initializers, nn


def deep(activation, scale=1.0, seed=0, sizes=(8, 32, 32, 32, 32, 3)):
    rng = np.random.default_rng(seed)
    net = nn.MLP(list(sizes), activation=activation, init=initializers.orthogonal, rng=rng)
    params = {k: scale * v for k, v in net.params.items()}
    return net, params, rng.standard_normal((64, sizes[0]))


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("scale", [0.1, 1.0, 5.0])
def test_every_layer_ends_with_unit_variance_on_the_batch(activation, scale):
    net, params, X = deep(activation, scale)
    before = {k: v.copy() for k, v in params.items()}
    result = initializers.lsuv(net, params, X, tol=0.01)
    fwd = net.forward(result.params, X)
    variances = [float(np.var(z)) for z in fwd.pre]
    assert np.allclose(variances, 1.0, atol=0.01) and np.allclose(result.variances, variances)
    assert all(np.array_equal(params[k], before[k]) for k in params)      # the caller's arrays unchanged
    for layer in range(1, net.depth + 1):                                 # only weights are rescaled …
        ratio = result.params[f"layer{layer}.W"] / params[f"layer{layer}.W"]
        assert np.allclose(ratio, ratio.flat[0])                          # … each by one factor
        assert np.array_equal(result.params[f"layer{layer}.b"], params[f"layer{layer}.b"])


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_zero_biases_need_one_rescaling_per_layer_and_a_second_call_none(activation):
    net, params, X = deep(activation, 3.0)
    result = initializers.lsuv(net, params, X, tol=1e-9)
    assert result.iterations == [1] * net.depth
    assert initializers.lsuv(net, result.params, X, tol=1e-9).iterations == [0] * net.depth


def test_first_layer_by_hand():
    # one linear layer: Var(x W) over the batch is scaled to 1 by W · √(1/v)
    net = nn.MLP([2, 1], rng=np.random.default_rng(0))
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0]])
    params = {"layer1.W": np.array([[1.0], [1.0]]), "layer1.b": np.zeros(1)}   # z = ±1, ±2: Var = 2.5
    result = initializers.lsuv(net, params, X)
    assert result.iterations == [1]
    assert np.allclose(result.params["layer1.W"], np.sqrt(1 / 2.5))


def test_biases_need_several_passes_and_max_iter_and_the_output_choice_are_respected():
    net, params, X = deep("tanh", 0.1)
    rng = np.random.default_rng(5)
    params = {k: v + (0.3 * rng.standard_normal(v.shape) if k.endswith(".b") else 0)
              for k, v in params.items()}
    full = initializers.lsuv(net, params, X, tol=1e-3)
    assert max(full.iterations) > 1 and np.allclose(full.variances, 1.0, atol=1e-3)
    capped = initializers.lsuv(net, params, X, tol=1e-12, max_iter=2)
    assert max(capped.iterations) == 2
    hidden = initializers.lsuv(net, params, X, include_output=False)
    assert len(hidden.iterations) == net.depth - 1
    last = f"layer{net.depth}.W"
    assert np.array_equal(hidden.params[last], params[last])


def test_target_variance():
    net, params, X = deep("relu")
    result = initializers.lsuv(net, params, X, target=4.0, tol=1e-6)
    assert np.allclose([np.var(z) for z in net.forward(result.params, X).pre], 4.0)


@pytest.mark.parametrize("kwargs, message", [
    (dict(tol=0), "lsuv: tol must satisfy tol > 0, got tol=0"),
    (dict(target=-1.0), "lsuv: target must satisfy target > 0"),
    (dict(max_iter=0), "lsuv: max_iter must be an integer >= 1, got max_iter=0"),
    (dict(max_iter=2.5), "max_iter must be an integer"),
])
def test_bad_arguments_are_named(kwargs, message):
    net, params, X = deep("relu")
    with pytest.raises(ValueError, match=message):
        initializers.lsuv(net, params, X, **kwargs)


def test_constant_or_dead_layers_and_non_networks_are_refused():
    net, params, X = deep("relu")
    zero = {k: np.zeros_like(v) for k, v in params.items()}
    with pytest.raises(ValueError, match="lsuv: the output of layer 1 has variance 0.0"):
        initializers.lsuv(net, zero, X)
    with pytest.raises(ValueError, match="lsuv: net must be an optlib.nn.MLP"):
        initializers.lsuv("net", params, X)
    with pytest.raises(ValueError, match=r"lsuv: X must be a batch of shape \(N, 8\) with N >= 2"):
        initializers.lsuv(net, params, X[:, :3])
    with pytest.raises(ValueError, match="lsuv: params has no layer2.b"):
        initializers.lsuv(net, {k: v for k, v in params.items() if k != "layer2.b"}, X)
    with pytest.raises(ValueError, match="got shape"):
        initializers.lsuv(net, params, X[:1])


# ---------------------------------------------------------------------------------------------------
# gain multiplies the standard deviation in every initializer that takes it (PyTorch's convention)


@pytest.mark.parametrize("init", [initializers.he_normal, initializers.he_uniform, initializers.orthogonal])
def test_gain_multiplies_the_standard_deviation(init):
    m, n = 400, 300
    base = init(m, n, np.random.default_rng(0), gain=1.0)
    scaled = init(m, n, np.random.default_rng(0), gain=3.0)
    assert np.allclose(scaled, 3.0 * base)                       # same draw, std × 3


def test_he_defaults_are_hes_variance_and_gain_one_is_lecuns():
    rng = np.random.default_rng(1)
    for init in (initializers.he_normal, initializers.he_uniform):
        assert np.isclose(init(500, 4000, rng).var() * 500, 2.0, rtol=0.02)            # Var W = 2/m
        assert np.isclose(init(500, 4000, rng, gain=1.0).var() * 500, 1.0, rtol=0.02)  # LeCun's 1/m
    limit = np.sqrt(6 / 50)
    W = initializers.he_uniform(50, 4000, rng)
    assert np.abs(W).max() <= limit and np.abs(W).max() > 0.999 * limit                 # U(−√(6/m), √(6/m))


@pytest.mark.parametrize("init", [initializers.he_normal, initializers.he_uniform, initializers.orthogonal])
@pytest.mark.parametrize("gain", ["2", True, None, [2.0], np.inf, np.nan, 0, -1.0])
def test_bad_gains_are_named(init, gain):
    with pytest.raises(ValueError, match=rf"{init.__name__}: gain must .*> 0, got gain="):
        init(3, 3, np.random.default_rng(0), gain=gain)


@pytest.mark.parametrize("kwargs, message", [
    (dict(tol=np.inf), "lsuv: tol must be a finite real number > 0, got tol=inf"),
    (dict(tol="0.1"), "lsuv: tol must be a finite real number > 0, got tol='0.1'"),
    (dict(target=True), "lsuv: target must be a finite real number > 0, got target=True"),
    (dict(include_output="no"), "lsuv: include_output must be True or False, got include_output='no'"),
    (dict(include_output=0), "lsuv: include_output must be True or False, got include_output=0"),
])
def test_more_bad_lsuv_arguments_are_named(kwargs, message):
    net, params, X = deep("relu")
    with pytest.raises(ValueError, match=message):
        initializers.lsuv(net, params, X, **kwargs)


def test_lsuv_refuses_batch_norm_networks_by_name():
    net = nn.MLP([8, 16, 16, 3], batch_norm=True, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="lsuv: LSUV does not support batch_norm networks"):
        initializers.lsuv(net, net.params, np.random.default_rng(1).standard_normal((32, 8)))
