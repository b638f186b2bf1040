import numpy as np
import pytest

import optlib as ol
from optlib import nn


def small_problem(seed=0):
    rng = np.random.default_rng(seed)
    params = nn.init_mlp([3, 5, 4, 2], rng)
    X, y = rng.standard_normal((16, 3)), rng.standard_normal((16, 2))
    return params, X, y


def test_backprop_matches_finite_differences():
    params, X, y = small_problem()
    # Non-zero biases: with zero biases an input that switches off a whole layer puts the next layer's
    # pre-activations exactly on the ReLU kink, where central differences see half a slope.
    rng = np.random.default_rng(5)
    params = {k: v + 0.1 * rng.standard_normal(v.shape) if k.startswith("b") else v
              for k, v in params.items()}
    f = nn.MLPObjective(params, X, y)
    theta = f.flatten(params)
    assert ol.testing.check_grad(f, theta, h=1e-6) < 1e-6


def test_loss_and_grad_agree_with_loss():
    params, X, y = small_problem(1)
    value, grads = nn.loss_and_grad(params, X, y)
    assert value == pytest.approx(nn.loss(params, X, y))
    assert set(grads) == set(params) and all(grads[k].shape == params[k].shape for k in params)


def test_init_scales():
    params = nn.init_mlp([400, 300, 1], np.random.default_rng(0))
    assert params["W1"].std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)   # He for the hidden layer
    assert params["W2"].std() == pytest.approx(np.sqrt(1 / 300), rel=0.1)    # 1/fan-in for the output
    assert not params["b1"].any()


def test_flatten_round_trip():
    params, X, y = small_problem()
    f = nn.MLPObjective(params, X, y)
    back = f.unflatten(f.flatten(params))
    assert all(np.array_equal(back[k], params[k]) for k in params)


def test_minibatches_cover_every_example_once_per_epoch():
    batches = ol.minibatches(10, 5, np.random.default_rng(0))
    epoch = np.concatenate([next(batches), next(batches)])
    assert sorted(epoch) == list(range(10))


def test_train_lowers_the_loss_and_records_where_asked():
    params, X, y = small_problem()
    log = ol.train(ol.Adam(lr=0.01), nn.loss_and_grad, params, X, y, steps=200, batch_size=8,
                   rng=np.random.default_rng(0), record=range(0, 201, 50))
    assert list(log.steps) == [0, 50, 100, 150, 200]
    assert log.losses[-1] < 0.5 * log.losses[0] and not log.diverged


def test_train_reports_divergence_without_warnings():
    params, X, y = small_problem()
    log = ol.train(ol.SGD(lr=50.0), nn.loss_and_grad, params, X, y, steps=500, batch_size=16,
                   rng=np.random.default_rng(0))
    assert log.diverged


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match=r"minibatches: batch_size must be <= n = 4, got batch_size=5"):
        next(ol.minibatches(4, 5, np.random.default_rng(0)))
    with pytest.raises(ValueError, match=r"init_mlp: sizes must list at least"):
        nn.init_mlp([3], np.random.default_rng(0))


def test_one_neuron_critical_points():
    f = ol.OneNeuron()
    assert np.allclose(f.hess([0.0, 0.0]), [[0, -2], [-2, 0]])
    assert np.allclose(f.grad([2.0, 0.5]), 0) and f.value([2.0, 0.5]) == 0
    for w in np.random.default_rng(0).uniform(-2, 2, (5, 2)):
        assert ol.testing.check_grad(f, w) < 1e-7 and ol.testing.check_hess(f, w) < 1e-6
