import re
from types import SimpleNamespace

import numpy as np
import pytest

import optlib as ol


def test_sgd_steps_worked_by_hand():
    # x ← x − η g with η = 0.2: from 8.7 with g = 2x = 17.4 → 8.7 − 3.48 = 5.22.
    opt = ol.SGD(lr=0.2)
    x1 = opt.step(np.array([8.7]), np.array([17.4]))
    assert x1 == pytest.approx([5.22])
    x2 = opt.step(x1, 2 * x1)
    assert x2 == pytest.approx([3.132])
    assert opt.k == 2


FIRST_ORDER = [ol.SGD, ol.Momentum, ol.Nesterov, ol.AdaGrad, ol.RMSProp, ol.RMSPropNesterov, ol.Adam,
               ol.AMSGrad, ol.RAdam, ol.AdaDelta, ol.PerturbedGD]


@pytest.mark.parametrize("method", FIRST_ORDER)
def test_step_leaves_its_inputs_untouched(method):
    """The updates work in place on the optimizer's own state only: x and g are read, never written."""
    opt, x, g = method(), np.array([1.0, -2.0]), np.array([0.5, 0.5])
    x_copy, g_copy = x.copy(), g.copy()
    for _ in range(3):
        new = opt.step(x, g)
        assert np.array_equal(x, x_copy) and np.array_equal(g, g_copy)
        assert new is not x and not any(new is a for a in vars(opt.state or SimpleNamespace()).values())


@pytest.mark.parametrize("method", FIRST_ORDER)
def test_a_scalar_parameter_steps_like_a_one_element_array(method):
    scalar, array = method(), method()
    x, xs = 1.0, np.array([1.0])
    for _ in range(3):
        x, xs = scalar.step(x, 2 * scalar.grad_point(x)), array.step(xs, 2 * array.grad_point(xs))
        assert np.ndim(x) == 0 and x == xs[0]


def test_dict_of_arrays_equals_separate_arrays():
    rng = np.random.default_rng(0)
    params = {"layer1.W": rng.standard_normal((3, 2)), "layer1.b": rng.standard_normal(2)}
    grads = {name: rng.standard_normal(v.shape) for name, v in params.items()}
    before = {name: v.copy() for name, v in params.items()}
    new = ol.SGD(lr=0.3).step(params, grads)
    for name in params:
        assert np.allclose(new[name], ol.SGD(lr=0.3).step(params[name], grads[name]))
        assert np.array_equal(params[name], before[name])


def test_schedule_is_called_with_the_step_index():
    opt = ol.SGD(lr=lambda k: 1.0 / (k + 1))
    x = np.array([1.0])
    for _ in range(3):
        x = opt.step(x, np.array([1.0]))
    assert x == pytest.approx([1.0 - 1.0 - 0.5 - 1.0 / 3])
    opt.reset()
    assert opt.k == 0 and opt.lr_at(opt.k) == 1.0


def test_grad_point_of_sgd_is_the_point_itself():
    x = np.array([1.0, 2.0])
    assert ol.SGD(lr=0.1).grad_point(x) is x


def test_repr_shows_hyperparameters():
    assert repr(ol.SGD(lr=np.float64(0.25))) == "SGD(lr=0.25)"


@pytest.mark.parametrize("lr", [0.0, -0.1, np.inf, np.nan])
def test_bad_learning_rates_are_refused(lr):
    with pytest.raises(ValueError, match=rf"SGD: lr must satisfy lr > 0, got lr={lr!r}"):
        ol.SGD(lr=lr)


@pytest.mark.parametrize("lr", ["fast", "0.1", b"0.1", True, np.True_])
def test_non_numbers_are_refused(lr):
    # a numeric string or a bool converts with float() but is not a learning rate
    message = rf"SGD: lr must be a real number with lr > 0, got lr={re.escape(repr(lr))}"
    with pytest.raises(ValueError, match=message):
        ol.SGD(lr=lr)


def test_gradients_that_do_not_match_the_parameters_are_named():
    opt = ol.Adam(lr=0.1)
    params = {"layer1.W": np.zeros((2, 3)), "layer1.b": np.zeros(3)}
    with pytest.raises(ValueError, match=r"keys \['layer1.W', 'layer1.b'\], got \['layer1.W'\]"):
        opt.step(params, {"layer1.W": np.zeros((2, 3))})
    with pytest.raises(ValueError, match=r"gradient of 'layer1.b' has shape \(2,\) but the parameter has "
                                         r"shape \(3,\)"):
        opt.step(params, {"layer1.W": np.zeros((2, 3)), "layer1.b": np.zeros(2)})
    with pytest.raises(ValueError, match=r"gradient has shape \(3,\) but the parameter has shape \(2,\)"):
        ol.SGD(lr=0.1).step(np.zeros(2), np.zeros(3))


def test_a_schedule_that_goes_negative_is_stopped():
    opt, x = ol.Momentum(lr=lambda k: 0.1 * (1 - k / 2)), np.ones(1)
    for _ in range(3):  # k = 0, 1, 2: lr = 0.1, 0.05, 0 (a zero rate is allowed: no step)
        x = opt.step(x, np.ones(1))
    with pytest.raises(ValueError, match=r"Momentum: the schedule gave lr=-0.05 at step k=3"):
        opt.step(x, np.ones(1))
