import functools

import numpy as np
import pytest

import optlib as ol
from optlib import initializers, nn
from optlib.testing import central_difference


def problem(activation="tanh", loss="mse", seed=0, sizes=(3, 5, 4, 2), n=16):
    rng = np.random.default_rng(seed)
    net = nn.MLP(list(sizes), activation=activation, loss=loss, rng=rng)
    # Non-zero biases: with zero biases a ReLU input of exactly 0 sits on the kink, where central
    # differences see half a slope.
    params = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in net.params.items()}
    X = rng.standard_normal((n, sizes[0]))
    y = rng.integers(0, sizes[-1], n) if loss == "cross_entropy" else rng.standard_normal((n, sizes[-1]))
    return net, params, X, y


@pytest.mark.parametrize("layer", [nn.ReLU, nn.Tanh])
def test_activation_backward_matches_finite_differences(layer):
    rng = np.random.default_rng(1)
    z, dh = rng.standard_normal((6, 4)), rng.standard_normal((6, 4))
    dz = layer.backward(dh, z, layer.forward(z))
    assert np.allclose(dz, central_difference(lambda: np.sum(dh * layer.forward(z)), z), atol=1e-8)


def test_linear_backward_matches_finite_differences():
    rng = np.random.default_rng(2)
    x, W, b, delta = (rng.standard_normal(s) for s in ((6, 3), (3, 4), (4,), (6, 4)))
    dW, db, dx = nn.Linear.backward(delta, x, W)
    for arg, analytic in ((W, dW), (b, db), (x, dx)):
        numeric = central_difference(lambda: np.sum(delta * nn.Linear.forward(x, W, b)), arg)
        assert np.allclose(analytic, numeric, atol=1e-8)


@pytest.mark.parametrize("loss, y", [("mse", np.array([[0.5, -1.0], [2.0, 0.0], [0.0, 1.0]])),
                                     ("cross_entropy", np.array([1, 0, 1]))])
def test_loss_backward_matches_finite_differences(loss, y):
    fn = nn.LOSSES[loss]
    out = np.random.default_rng(3).standard_normal((3, 2))
    assert np.allclose(fn.backward(out, y), central_difference(lambda: fn.forward(out, y), out), atol=1e-8)


def test_cross_entropy_by_hand_and_without_overflow():
    # two classes, logits (0, log 3): softmax (1/4, 3/4); label 1 costs log(4/3), label 0 costs log 4
    z = np.array([[0.0, np.log(3.0)], [0.0, np.log(3.0)]])
    assert nn.CrossEntropy.forward(z, np.array([1, 0])) == pytest.approx((np.log(4 / 3) + np.log(4)) / 2)
    huge = np.array([[1000.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):   # underflow to 0 is fine
        assert nn.CrossEntropy.forward(huge, np.array([0])) == pytest.approx(0.0, abs=1e-12)
        assert np.allclose(nn.CrossEntropy.backward(huge, np.array([1])), [[1.0, -1.0]])


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_network_gradient_matches_finite_differences(activation, loss):
    net, params, X, y = problem(activation, loss)
    value, grads = net.loss_and_grad(params, X, y)
    assert value == pytest.approx(net.loss(params, X, y))
    assert list(grads) == list(params) and all(grads[k].shape == params[k].shape for k in params)
    for name in params:
        numeric = central_difference(lambda: net.loss(params, X, y), params[name])
        assert np.allclose(grads[name], numeric, rtol=1e-5, atol=1e-8), name


def test_objective_flattens_and_matches_the_network():
    net, params, X, y = problem("tanh")
    f = net.objective(X, y)
    theta = f.flatten(params)
    assert f.dim == theta.size == sum(v.size for v in params.values())
    back = f.unflatten(theta)
    assert list(back) == list(params) and all(np.array_equal(back[k], params[k]) for k in params)
    assert f.value(theta) == net.loss(params, X, y)
    assert ol.testing.check_grad(f, theta, h=1e-6) < 1e-6
    idx = np.array([0, 3, 5])
    assert np.allclose(f.minibatch_grad(theta, idx), f.flatten(net.loss_and_grad(params, X[idx], y[idx])[1]))


def test_forward_exposes_every_layer():
    net, params, X, _ = problem("relu", sizes=(3, 5, 4, 2))
    fwd = net.forward(params, X)
    assert [z.shape for z in fwd.pre] == [(16, 5), (16, 4), (16, 2)]
    assert [h.shape for h in fwd.post] == [(16, 5), (16, 4)]
    assert np.array_equal(fwd.post[0], np.maximum(fwd.pre[0], 0)) and fwd.output is fwd.pre[-1]
    assert np.allclose(fwd.pre[1], fwd.post[0] @ params["layer2.W"] + params["layer2.b"])


def test_params_keys_shapes_and_he_scales():
    net = nn.MLP([400, 300, 1], rng=np.random.default_rng(0))
    assert list(net.params) == ["layer1.W", "layer1.b", "layer2.W", "layer2.b"]
    assert net.params["layer1.W"].shape == (400, 300) and net.params["layer2.b"].shape == (1,)
    assert net.params["layer1.W"].std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)   # He, hidden
    assert net.params["layer2.W"].std() == pytest.approx(np.sqrt(1 / 300), rel=0.1)    # 1/fan-in, output
    assert not net.params["layer1.b"].any()


def test_seeded_and_custom_initialization():
    a = nn.MLP([4, 8, 2], activation="tanh", init="glorot", rng=np.random.default_rng(5))
    b = nn.MLP([4, 8, 2], activation="tanh", init="glorot", rng=np.random.default_rng(5))
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert np.abs(a.params["layer1.W"]).max() <= np.sqrt(6 / 12)
    c = nn.MLP([4, 8, 2], init=functools.partial(initializers.constant, value=0.5))
    assert np.all(c.params["layer2.W"] == 0.5)


@pytest.mark.parametrize("init, std", [
    (initializers.glorot_uniform, np.sqrt(2 / 500)), (initializers.glorot_normal, np.sqrt(2 / 500)),
    (initializers.he_normal, np.sqrt(2 / 200)), (initializers.he_uniform, np.sqrt(2 / 200))])
def test_initializer_variances(init, std):
    W = init(200, 300, np.random.default_rng(0))
    assert W.shape == (200, 300) and W.std() == pytest.approx(std, rel=0.02) and abs(W.mean()) < 0.01 * std


def test_glorot_uniform_bounds():
    W = initializers.glorot_uniform(3, 5, np.random.default_rng(0))
    assert np.abs(W).max() <= np.sqrt(6 / 8) and np.abs(W).max() > 0.5 * np.sqrt(6 / 8)


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4)])
def test_orthogonal_has_orthonormal_rows_or_columns(shape):
    W = initializers.orthogonal(*shape, np.random.default_rng(0), gain=2.0)
    small = W.T @ W if shape[0] >= shape[1] else W @ W.T
    assert W.shape == shape and np.allclose(small, 4.0 * np.eye(min(shape)))


RNG = np.random.default_rng(0)


@pytest.mark.parametrize("call, message", [
    (lambda: initializers.he_normal(0, 3, RNG), "he_normal: fan_in must be an integer >= 1"),
    (lambda: initializers.glorot_uniform(3, 2.5, np.random.default_rng(0)), "fan_out must be an integer"),
    (lambda: initializers.orthogonal(3, 3, rng=0), "orthogonal: rng must be a numpy Generator"),
    (lambda: initializers.he_normal(3, 3, np.random.default_rng(0), gain=0), "gain must satisfy gain > 0"),
    (lambda: nn.MLP([3]), "sizes must list at least an input and an output size"),
    (lambda: nn.MLP([3, 0, 1], rng=RNG), "each layer size in sizes must be an integer >= 1"),
    (lambda: nn.MLP([3, 1], activation="sigmoid"), "activation must be one of 'relu', 'tanh'"),
    (lambda: nn.MLP([3, 1], loss="hinge"), "loss must be one of 'mse', 'cross_entropy'"),
    (lambda: nn.MLP([3, 1], init="xavier"), "init must be 'he', 'glorot' or a function"),
    (lambda: nn.MLP([3, 1]), "MLP: rng must be a numpy Generator"),
    (lambda: nn.MLP([3, 2], init=lambda m, n, rng: np.zeros((n, m))),
     r"shape \(fan_in, fan_out\) = \(3, 2\) for layer 1, got shape \(2, 3\)"),
    (lambda: nn.MLP([3, 2], init=lambda m, n, rng: [[0.0] * n] * m), "for layer 1, got a list"),
    (lambda: nn.MLP([3, 2], init=lambda m, n, rng: np.full((m, n), np.nan)), "with non-finite values"),
])
def test_bad_arguments_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("loss, X, y, message", [
    ("mse", np.zeros((4, 2)), np.zeros((4, 2)), r"X must have shape \(N, 3\).*got shape \(4, 2\)"),
    ("mse", np.zeros((4, 3)), np.zeros(4), r"y must have shape \(4, 2\).*got shape \(4,\)"),
    ("mse", np.zeros((4, 3)), np.zeros((5, 2)), r"y must have shape \(4, 2\)"),
    ("cross_entropy", np.zeros((4, 3)), np.array([0, 1, 2, 1]), r"labels in 0 … 1 .* values 0 … 2"),
    ("cross_entropy", np.zeros((4, 3)), np.array([0, -1, 1, 1]), r"integer labels in 0 … 1"),
    ("cross_entropy", np.zeros((4, 3)), np.zeros(4), r"integer labels.*got float64"),
    ("cross_entropy", np.zeros((4, 3)), np.array([0, 1, 1]), r"4 integer labels.*shape \(3,\)"),
])
def test_bad_data_is_refused(loss, X, y, message):
    net = nn.MLP([3, 4, 2], loss=loss, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=message):
        net.loss_and_grad(net.params, X, y)


def test_missing_parameters_are_named():
    net = nn.MLP([3, 4, 2], rng=np.random.default_rng(0))
    params = {k: v for k, v in net.params.items() if k != "layer2.b"}
    with pytest.raises(ValueError, match=r"params has no layer2.b"):
        net.forward(params, np.zeros((1, 3)))


def test_dead_fraction_counts_units_off_on_every_input():
    net = nn.MLP([2, 3, 1], rng=np.random.default_rng(0))
    params = dict(net.params, **{"layer1.W": np.array([[1.0, -1.0, 0.0], [0.0, 0.0, 0.0]]),
                                 "layer1.b": np.array([0.0, 0.0, -1.0])})
    X = np.array([[1.0, 0.0], [2.0, 5.0]])       # unit 1 fires, unit 2 is negative, unit 3 is −1
    assert net.dead_fraction(params, X, layer=1) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="layer must be a hidden layer, 1 <= layer <= 1, got layer=2"):
        net.dead_fraction(params, X, layer=2)


def test_train_lowers_the_loss_and_records_where_asked():
    net, params, X, y = problem("relu")
    log = ol.train(ol.Adam(lr=0.01), net.loss_and_grad, params, X, y, steps=200, batch_size=8,
                   rng=np.random.default_rng(0), record=range(0, 201, 50))
    assert list(log.steps) == [0, 50, 100, 150, 200]
    assert log.losses[-1] < 0.5 * log.losses[0] and not log.diverged


def test_train_records_the_same_losses_with_a_loss_alone():
    net, params, X, y = problem("relu", "cross_entropy", n=32)
    logs = [ol.train(ol.SGD(lr=0.5), net.loss_and_grad, params, X, y, steps=30, batch_size=8,
                     rng=np.random.default_rng(0), record=range(0, 31, 10), loss=loss)
            for loss in (None, net.loss)]
    assert np.array_equal(logs[0].losses, logs[1].losses) and np.array_equal(logs[0].steps, logs[1].steps)
    message = r"train: loss must be a function of \(params, X, y\) \(or None\), got loss=1"
    with pytest.raises(ValueError, match=message):
        ol.train(ol.SGD(), net.loss_and_grad, params, X, y, steps=1, batch_size=8,
                 rng=np.random.default_rng(0), loss=1)


def test_train_reports_divergence_without_warnings():
    net, params, X, y = problem("relu")
    log = ol.train(ol.SGD(lr=50.0), net.loss_and_grad, params, X, y, steps=500, batch_size=16,
                   rng=np.random.default_rng(0))
    assert log.diverged


def test_run_trains_the_flat_objective_stochastically():
    net, params, X, y = problem("tanh", "cross_entropy", n=32)
    f = net.objective(X, y)
    traj = ol.run(ol.SGD(lr=0.5), f, f.flatten(params), steps=100, batch_size=8, rng=np.random.default_rng(0))
    assert traj.values[-1] < 0.7 * traj.values[0] and not traj.diverged


def test_minibatches_cover_every_example_once_per_epoch():
    batches = ol.minibatches(10, 5, np.random.default_rng(0))
    epoch = np.concatenate([next(batches), next(batches)])
    assert sorted(epoch) == list(range(10))
    with pytest.raises(ValueError, match=r"minibatches: batch_size must be <= n = 4, got batch_size=5"):
        next(ol.minibatches(4, 5, np.random.default_rng(0)))


def test_one_neuron_critical_points():
    f = ol.OneNeuron()
    assert np.allclose(f.hess([0.0, 0.0]), [[0, -2], [-2, 0]])
    assert np.allclose(f.grad([2.0, 0.5]), 0) and f.value([2.0, 0.5]) == 0
    for w in np.random.default_rng(0).uniform(-2, 2, (5, 2)):
        assert ol.testing.check_grad(f, w) < 1e-7 and ol.testing.check_hess(f, w) < 1e-6
