import numpy as np
import pytest

import optlib as ol
from optlib import check


@pytest.fixture
def lenient(monkeypatch):
    monkeypatch.delenv(check.STRICT_ENV, raising=False)


def reference_gd(grad, x0, lr, steps):
    """The method under test, written with optlib (not a copy of the exercise's solution)."""
    class Grad:
        def value(self, x):
            return 0.0

        def grad(self, x):
            return grad(x)

    return ol.run(ol.SGD(lr=lr), Grad(), x0, steps).xs


def test_stored_iterates_agree_with_optlib():
    assert np.allclose(reference_gd(lambda x: 2 * x, 8.7, 0.2, 3).ravel(), [8.7, 5.22, 3.132, 1.8792])
    A = np.array([[1.0, 1.0], [1.0, 4.0]])
    stored = check.ch1_gradient_descent._GD_2D["iterates"]
    assert np.allclose(reference_gd(lambda x: A @ x, [8.7, -7.9], 0.2, 2), stored)


def test_stored_learning_rates_agree_with_the_eigenvalues():
    f = ol.Quadratic([[1.0, 1.0], [1.0, 4.0]])
    lam = f.eigenvalues
    assert check.stable_lr(2 / lam[-1]).correct
    assert check.best_lr(2 / (lam[0] + lam[-1])).correct


def test_gradient_descent_check_accepts_a_correct_function(lenient):
    assert check.gradient_descent(reference_gd).correct


def test_gradient_descent_check_rejects_wrong_functions(lenient):
    def stub(grad, x0, lr, steps):
        raise NotImplementedError

    def ascent(grad, x0, lr, steps):
        return reference_gd(lambda x: -grad(x), x0, lr, steps)

    def in_place(grad, x0, lr, steps):
        xs = [x0.copy()]
        for _ in range(steps):
            x0 -= lr * grad(x0)
            xs.append(x0.copy())
        return xs

    assert "not implemented" in repr(check.gradient_descent(stub))
    assert repr(check.gradient_descent(ascent)).startswith("✘")
    assert "in place" in repr(check.gradient_descent(in_place))


def test_number_checks_explain_what_is_wrong(lenient):
    assert "replace `...`" in repr(check.stable_lr(...))
    assert "expected a number" in repr(check.stable_lr("big"))
    assert "2/λmax" in repr(check.stable_lr(1.0))


def test_strict_mode_raises(monkeypatch):
    monkeypatch.setenv(check.STRICT_ENV, "1")
    with pytest.raises(AssertionError, match="best_lr"):
        check.best_lr(0.3)
    assert check.best_lr(0.4).correct


def test_momentum_numbers_agree_with_optlib_and_theory():
    # Park's form with α = 0.1, β = 0.9 is optlib's Momentum with lr = α(1 − β)
    traj = ol.run(ol.Momentum(lr=0.01, beta=0.9), ol.Quadratic([[2.0]]), 1.0, 3)
    assert np.allclose(traj.xs, check.ch5_momentum._EMA["iterates"])
    assert check.momentum_ema(lambda grad, x0, a, b, n: traj.xs).correct
    rho = 9 / 11
    assert check.optimal_beta(rho**2).correct
    assert check.steps_momentum(int(np.ceil(np.log(1e-6) / np.log(rho)))).correct
    assert rho**68 >= 1e-6 > rho**69
    assert check.steps_gd(int(np.ceil(np.log(1e-6) / np.log(99 / 101)))).correct
    assert check.equivalent_lr(0.5 * (1 - 0.9)).correct


def test_momentum_checks_reject_wrong_answers(lenient):
    assert not check.optimal_beta(9 / 11).correct          # ρ*, not β*
    assert not check.equivalent_lr(0.5).correct

    def stub(*args):
        raise NotImplementedError

    assert "not implemented" in repr(check.momentum_ema(stub))


def test_adam_numbers_agree_with_optlib():
    opt, x = ol.Adam(lr=0.1), np.array([1.0])
    for case in check.ch6_adaptive_methods._ADAM:
        assert np.isclose(2 * x[0], case["g"], rtol=1e-8)
        x = opt.step(x, 2 * x)
        assert np.allclose([x[0], opt.state.m[0], opt.state.v[0]], [case["x"], case["m"], case["v"]],
                           rtol=1e-8)
    assert check.uncorrected_factor((1 - 0.9) / np.sqrt(1 - 0.99)).correct


def test_adam_check_rejects_an_uncorrected_update(lenient):
    def no_correction(x, g, m, v, t, lr, beta1, beta2, eps):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        return x - lr * m / (np.sqrt(v) + eps), m, v

    assert not check.adam_update(no_correction).correct
