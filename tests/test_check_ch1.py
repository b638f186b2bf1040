"""Checks of chapter 1 (gradient descent)."""

import numpy as np

import optlib as ol
from optlib import check


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
