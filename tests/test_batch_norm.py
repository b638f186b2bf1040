"""optlib.nn.BatchNorm and MLP(..., batch_norm=True): the backward pass against central differences,
training and evaluation modes, running averages worked by hand, scale invariance, named errors."""

import numpy as np
import pytest

import optlib as ol
from optlib import nn
from optlib.testing import central_difference, relative_error


def worst_elementwise(analytic, numeric, floor=1e-10):
    """max |a − n| / max(|a|, |n|) over the entries, entries below ``floor`` in both counted as equal."""
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), floor)
    return float(np.max(np.abs(analytic - numeric) / scale))


def layer_problem(batch, d=5, seed=0):
    rng = np.random.default_rng(seed)
    z = 3.0 * rng.standard_normal((batch, d)) + 1.0          # features far from mean 0, variance 1
    gamma, beta, dy = rng.standard_normal(d), rng.standard_normal(d), rng.standard_normal((batch, d))
    return z, gamma, beta, dy


def layer_gradients(batch, seed=0, train=True):
    """(analytic, numeric) pairs for ∂/∂z, ∂/∂γ, ∂/∂β of L = Σ dy ⊙ BN(z)."""
    z, gamma, beta, dy = layer_problem(batch, seed=seed)
    bn = nn.BatchNorm(z.shape[1])
    if not train:
        bn.running_mean, bn.running_var = np.full(5, 0.5), np.full(5, 4.0)
    bn.forward(z, gamma, beta, train=train)
    analytic = bn.backward(dy)

    def loss():
        return np.sum(dy * bn.forward(z, gamma, beta, train=train, update=False))

    numeric = [central_difference(loss, arg) for arg in (z, gamma, beta)]
    return list(zip(analytic, numeric))


@pytest.mark.parametrize("batch", [8, 64])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_backward_matches_central_differences_elementwise(batch, seed):
    for analytic, numeric in layer_gradients(batch, seed):
        assert worst_elementwise(analytic, numeric) < 1e-4


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_backward_at_batch_two_matches_norm_wise(seed):
    # With two rows ẑ = ±√(σ²/(σ² + ε)) ≈ ±1 whatever z is: ∂L/∂z is of order ε/σ², so tiny that the
    # rounding error of the differences dominates some entries. Compare norms, and absolute errors.
    (dz, dz_num), (dgamma, dgamma_num), (dbeta, dbeta_num) = layer_gradients(2, seed)
    assert np.abs(dz).max() < 1e-3
    assert relative_error(dz, dz_num) < 1e-4 and np.abs(dz - dz_num).max() < 1e-8
    assert relative_error(dgamma, dgamma_num) < 1e-6 and relative_error(dbeta, dbeta_num) < 1e-6


def test_backward_in_evaluation_mode_is_the_affine_map():
    for analytic, numeric in layer_gradients(8, train=False):
        assert worst_elementwise(analytic, numeric) < 1e-4


def test_gradient_with_respect_to_z_is_orthogonal_to_the_batch_directions():
    # ∂L/∂z of each feature sums to 0 over the batch, and is orthogonal to ẑ but for a term of order ε:
    # BN's output does not change when z is shifted, nor (up to ε) when it is scaled.
    z, gamma, beta, dy = layer_problem(16)
    bn = nn.BatchNorm(5)
    z_hat = (bn.forward(z, gamma, beta) - beta) / gamma
    dz = bn.backward(dy)[0]
    var = z.var(axis=0)
    along_z_hat = np.sum(gamma * dy * z_hat, axis=0) / np.sqrt(var + 1e-5) * 1e-5 / (var + 1e-5)
    assert np.allclose(dz.sum(axis=0), 0, atol=1e-12)
    assert np.allclose(np.sum(dz * z_hat, axis=0), along_z_hat, rtol=1e-6, atol=1e-14)


def test_training_forward_by_hand():
    bn = nn.BatchNorm(2, eps=1e-5)
    z = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 10.0]])   # feature 2 has variance 0
    y = bn.forward(z, gamma=np.array([2.0, 3.0]), beta=np.array([0.5, -1.0]))
    var = 8 / 3                                                # biased: ((−2)² + 0 + 2²)/3
    assert np.allclose(y[:, 0], 2.0 * np.array([-2.0, 0.0, 2.0]) / np.sqrt(var + 1e-5) + 0.5)
    assert np.allclose(y[:, 1], -1.0)                         # ẑ = 0/√ε = 0: y = β, no division by 0


def test_running_averages_after_three_batches_by_hand():
    bn = nn.BatchNorm(1, eps=1e-5, p=0.9)
    assert bn.running_mean.tolist() == [0.0] and bn.running_var.tolist() == [1.0]
    one, zero = np.ones(1), np.zeros(1)
    # batch 1: μ_B = 2, σ²_B = 1, unbiased 2·1/(2 − 1) = 2 → μ̄ = 0.1·2 = 0.2, σ̄² = 0.9 + 0.1·2 = 1.1
    assert bn.batch_mean is None
    bn.forward(np.array([[1.0], [3.0]]), one, zero)
    assert bn.running_mean == pytest.approx([0.2]) and bn.running_var == pytest.approx([1.1])
    assert bn.batch_mean == pytest.approx([2.0]) and bn.batch_var == pytest.approx([1.0])
    # batch 2: μ_B = 4, σ²_B = 32/3, unbiased 16 → μ̄ = 0.18 + 0.4 = 0.58, σ̄² = 0.99 + 1.6 = 2.59
    bn.forward(np.array([[0.0], [4.0], [8.0]]), one, zero)
    assert bn.running_mean == pytest.approx([0.58]) and bn.running_var == pytest.approx([2.59])
    # batch 3: μ_B = 0, σ²_B = 4, unbiased 8 → μ̄ = 0.522, σ̄² = 2.331 + 0.8 = 3.131
    bn.forward(np.array([[-2.0], [2.0]]), one, zero)
    assert bn.running_mean == pytest.approx([0.522]) and bn.running_var == pytest.approx([3.131])
    # evaluation uses them: y = γ (z − μ̄)/√(σ̄² + ε) + β, and changes nothing
    y = bn.forward(np.array([[1.0]]), np.array([2.0]), np.array([0.5]), train=False)
    assert y == pytest.approx(2.0 * (1.0 - 0.522) / np.sqrt(3.131 + 1e-5) + 0.5)
    assert bn.running_mean == pytest.approx([0.522]) and bn.running_var == pytest.approx([3.131])
    bn.forward(np.array([[5.0], [7.0]]), one, zero, update=False)
    assert bn.running_mean == pytest.approx([0.522])
    bn.reset()
    assert bn.running_mean.tolist() == [0.0] and bn.running_var.tolist() == [1.0]


def test_running_statistics_are_new_arrays():
    bn = nn.BatchNorm(1)
    before = bn.running_mean
    bn.forward(np.array([[1.0], [3.0]]), np.ones(1), np.zeros(1))
    assert before.tolist() == [0.0] and bn.running_mean is not before


def test_training_output_depends_on_the_batch_and_evaluation_output_does_not():
    rng = np.random.default_rng(3)
    bn = nn.BatchNorm(4)
    bn.running_mean, bn.running_var = rng.standard_normal(4), rng.uniform(0.5, 2.0, 4)
    gamma, beta = rng.standard_normal(4), rng.standard_normal(4)
    x0 = rng.standard_normal((1, 4))
    batches = [np.vstack([x0, rng.standard_normal((7, 4))]) for _ in range(3)]
    train = [bn.forward(b, gamma, beta, update=False)[0] for b in batches]
    evaluation = [bn.forward(b, gamma, beta, train=False)[0] for b in batches]
    assert not np.allclose(train[0], train[1])
    assert all(np.array_equal(e, evaluation[0]) for e in evaluation)
    assert np.allclose(evaluation[0], bn.forward(x0, gamma, beta, train=False)[0])


# --- inside the network -------------------------------------------------------------------------


def bn_problem(activation="relu", loss="cross_entropy", n=16, seed=0, sizes=(4, 6, 5, 3)):
    rng = np.random.default_rng(seed)
    net = nn.MLP(list(sizes), activation=activation, loss=loss, batch_norm=True, rng=rng)
    # moved away from γ = 1, β = 0 and from ReLU kinks
    params = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in net.params.items()}
    X = rng.standard_normal((n, sizes[0]))
    y = rng.integers(0, sizes[-1], n) if loss == "cross_entropy" else rng.standard_normal((n, sizes[-1]))
    return net, params, X, y


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
@pytest.mark.parametrize("n", [8, 64])
def test_network_gradient_with_batch_norm_matches_central_differences(activation, loss, n):
    net, params, X, y = bn_problem(activation, loss, n=n)
    value, grads = net.loss_and_grad(params, X, y)
    assert value == pytest.approx(net.loss(params, X, y))
    assert list(grads) == list(params)
    for name in params:
        numeric = central_difference(lambda: net.loss(params, X, y, update_stats=False), params[name])
        assert worst_elementwise(grads[name], numeric) < 1e-4, name


def test_network_gradient_at_batch_two_norm_wise():
    net, params, X, y = bn_problem("tanh", "mse", n=2)
    grads = net.loss_and_grad(params, X, y)[1]
    for name in params:
        numeric = central_difference(lambda: net.loss(params, X, y, update_stats=False), params[name])
        assert relative_error(grads[name], numeric) < 1e-4, name


def test_network_gradient_in_evaluation_mode():
    net, params, X, y = bn_problem("tanh", "cross_entropy")
    for _ in range(3):                                          # some running statistics
        net.forward(params, X)
    f = net.objective(X, y)
    value, grads = net.loss_and_grad(params, X, y, train=False)
    for name in params:
        numeric = central_difference(lambda: net.loss(params, X, y, train=False), params[name])
        assert worst_elementwise(grads[name], numeric) < 1e-4, name
    assert value == net.loss(params, X, y, train=False) and f.dim == sum(v.size for v in params.values())


def test_params_of_a_batch_norm_network():
    net = nn.MLP([3, 5, 4, 2], batch_norm=True, rng=np.random.default_rng(0))
    plain = nn.MLP([3, 5, 4, 2], rng=np.random.default_rng(0))
    assert list(net.params) == ["layer1.W", "bn1.gamma", "bn1.beta", "layer2.W", "bn2.gamma", "bn2.beta",
                                "layer3.W", "layer3.b"]
    assert all(np.array_equal(net.params[f"layer{i}.W"], plain.params[f"layer{i}.W"]) for i in (1, 2, 3))
    assert np.all(net.params["bn1.gamma"] == 1) and not net.params["bn2.beta"].any()
    assert [bn.d for bn in net.bn_layers] == [5, 4] and net.bn_layers[0].p == 0.9
    assert "batch_norm=True" in repr(net) and "batch_norm" not in repr(plain)
    other = nn.MLP([3, 5, 2], batch_norm=True, eps=1e-3, p=0.5, rng=np.random.default_rng(0))
    assert other.bn_layers[0].eps == 1e-3 and other.bn_layers[0].p == 0.5


def test_forward_of_a_batch_norm_network_is_linear_bn_activation():
    net, params, X, _ = bn_problem("relu")
    fwd = net.forward(params, X)
    assert len(fwd.normed) == 2 and fwd.output is fwd.pre[-1]
    z1 = X @ params["layer1.W"]                                # no bias before BN
    assert np.allclose(fwd.pre[0], z1)
    z_hat = (z1 - z1.mean(axis=0)) / np.sqrt(z1.var(axis=0) + 1e-5)
    assert np.allclose(fwd.normed[0], params["bn1.gamma"] * z_hat + params["bn1.beta"])
    assert np.array_equal(fwd.post[0], np.maximum(fwd.normed[0], 0))
    plain = nn.MLP([4, 6, 3], rng=np.random.default_rng(0))
    assert not plain.forward(plain.params, X).normed


def test_network_train_and_evaluation_modes():
    net, params, X, y = bn_problem()
    net.forward(params, X)                                      # one batch: running stats from it
    expected = 0.1 * (X @ params["layer1.W"]).mean(axis=0)
    assert np.allclose(net.bn_layers[0].running_mean, expected)
    before = [bn.running_mean.copy() for bn in net.bn_layers]
    single = net.forward(params, X[:1], train=False).output     # one example is fine in evaluation
    assert np.allclose(single, net.forward(params, X, train=False).output[:1])
    net.loss(params, X, y, update_stats=False)
    assert all(np.array_equal(b, bn.running_mean) for b, bn in zip(before, net.bn_layers))
    assert not np.allclose(net.loss(params, X, y, train=False), net.loss(params, X, y, update_stats=False))
    net.reset_statistics()
    assert all(not bn.running_mean.any() and np.all(bn.running_var == 1) for bn in net.bn_layers)
    plain = nn.MLP([4, 6, 3], loss="cross_entropy", rng=np.random.default_rng(0))
    assert plain.loss(plain.params, X, y, train=False) == plain.loss(plain.params, X, y)


def test_loss_is_invariant_to_scaling_the_weights_before_batch_norm():
    net, params, X, y = bn_problem("relu", n=32)
    loss, grads = net.loss_and_grad(params, X, y, update_stats=False)
    for c in (0.5, 3.0, 10.0):
        scaled = dict(params, **{"layer1.W": c * params["layer1.W"]})
        loss_c, grads_c = net.loss_and_grad(scaled, X, y, update_stats=False)
        assert loss_c == pytest.approx(loss, rel=1e-4)          # exact up to ε = 1e-5 beside σ²
        assert relative_error(grads_c["layer1.W"], grads["layer1.W"] / c) < 1e-4
        assert relative_error(grads_c["layer2.W"], grads["layer2.W"]) < 1e-4
    # and the gradient is orthogonal to each unit's incoming weights (to ε): scaling them cannot change L
    cosines = np.sum(grads["layer1.W"] * params["layer1.W"], axis=0) / (
        np.linalg.norm(grads["layer1.W"], axis=0) * np.linalg.norm(params["layer1.W"], axis=0))
    assert np.abs(cosines).max() < 1e-3


def test_sgd_trains_a_batch_norm_network():
    net, params, X, y = bn_problem("relu", n=64)
    log = ol.train(ol.SGD(lr=0.2), net.loss_and_grad, params, X, y, steps=300, batch_size=16,
                   rng=np.random.default_rng(0), record=(0, 300))
    assert log.losses[-1] < 0.75 * log.losses[0] and set(log.params) == set(params)


BAD = [
    (lambda: nn.BatchNorm(0), "BatchNorm: d must be an integer >= 1, got d=0"),
    (lambda: nn.BatchNorm(3, eps=0.0), r"BatchNorm: eps must satisfy eps > 0, got eps=0.0"),
    (lambda: nn.BatchNorm(3, eps=-1e-5), r"eps must satisfy eps > 0"),
    (lambda: nn.BatchNorm(3, p=1.0), r"BatchNorm: p must satisfy 0 <= p < 1, got p=1.0"),
    (lambda: nn.BatchNorm(3, p=-0.1), r"p must satisfy 0 <= p < 1, got p=-0.1"),
    (lambda: nn.BatchNorm(3).forward(np.zeros((1, 3)), np.ones(3), np.zeros(3)),
     r"training-mode batch needs m >= 2 rows .* got m=1"),
    (lambda: nn.BatchNorm(3).forward(np.zeros((4, 2)), np.ones(3), np.zeros(3)),
     r"z must have shape \(m, 3\) .* got shape \(4, 2\)"),
    (lambda: nn.BatchNorm(3).forward(np.zeros(3), np.ones(3), np.zeros(3), train=False),
     r"z must have shape \(m, 3\)"),
    (lambda: nn.BatchNorm(3).forward(np.zeros((4, 3)), np.ones(2), np.zeros(3)),
     r"gamma must have shape \(3,\), got shape \(2,\)"),
    (lambda: nn.BatchNorm(3).forward(np.zeros((4, 3)), np.ones(3), 0.0), r"beta must have shape \(3,\)"),
    (lambda: nn.BatchNorm(3).backward(np.zeros((4, 3))), "BatchNorm.backward: call forward first"),
    (lambda: nn.MLP([3, 4, 2], batch_norm="yes"), "batch_norm must be True or False, got batch_norm='yes'"),
    (lambda: nn.MLP([3, 4, 2], batch_norm=True, p=1.5, rng=np.random.default_rng(0)), "p must satisfy"),
]


@pytest.mark.parametrize("call, message", BAD)
def test_bad_arguments_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_backward_needs_the_shape_of_the_last_batch():
    bn = nn.BatchNorm(3)
    bn.forward(np.random.default_rng(0).standard_normal((4, 3)), np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"dy must have the shape \(4, 3\) .* got shape \(5, 3\)"):
        bn.backward(np.zeros((5, 3)))


def test_a_network_names_missing_batch_norm_parameters_and_refuses_one_row():
    net, params, X, y = bn_problem()
    with pytest.raises(ValueError, match=r"params has no bn2.gamma"):
        net.forward({k: v for k, v in params.items() if k != "bn2.gamma"}, X)
    with pytest.raises(ValueError, match=r"m >= 2 rows"):
        net.loss_and_grad(params, X[:1], y[:1])
