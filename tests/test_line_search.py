"""Exact line search on a quadratic model (optlib.line_search)."""

import numpy as np
import pytest

import optlib as ol
from optlib import line_search

TILTED = ol.Quadratic([[1.0, 1.0], [1.0, 4.0]])


def test_exact_step_by_hand():
    # f = x₁² + 2x₂² at x = (1, 1): g = (2, 4), H = diag(2, 4); along −g: gᵀg = 20, gᵀHg = 72.
    g, H = np.array([2.0, 4.0]), np.diag([2.0, 4.0])
    assert line_search.exact_step(g, -g, H) == pytest.approx(20 / 72)
    # along −e₁: ε* = g₁/H₁₁ = 1, the minimizer of f along that line
    assert line_search.exact_step(g, [-1.0, 0.0], H) == pytest.approx(1.0)


def test_exact_step_minimizes_f_along_the_line():
    rng = np.random.default_rng(0)
    f = ol.Quadratic.with_condition_number(50, dim=5, rotation=ol.random_rotation(5, rng))
    for _ in range(10):
        x, d = rng.standard_normal(5), rng.standard_normal(5)
        eps = line_search.exact_step(f.grad(x), d, f.hess(x))
        grid = eps + np.linspace(-1, 1, 201) * max(abs(eps), 1e-3)
        values = f.value(x + grid[:, None] * d)
        assert np.argmin(values) == 100  # the middle of the grid is ε*
        assert abs(f.grad(x + eps * d) @ d) < 1e-10 * np.linalg.norm(f.grad(x)) * np.linalg.norm(d)


def test_exact_step_rejects_bad_input():
    with pytest.raises(ValueError, match=r"curvature dᵀHd must be > 0.*got dᵀHd=0.0"):
        line_search.exact_step([1.0, 0.0], [0.0, 1.0], np.diag([1.0, 0.0]))
    with pytest.raises(ValueError, match=r"curvature dᵀHd must be > 0.*-2.0"):
        line_search.exact_step([1.0, 0.0], [1.0, 0.0], np.diag([-2.0, 1.0]))
    with pytest.raises(ValueError, match=r"exact_step: g and d must be vectors.*got g \(2,\), d \(3,\)"):
        line_search.exact_step([1.0, 0.0], [1.0, 0.0, 0.0], np.eye(2))
    with pytest.raises(ValueError, match=r"H \(3, 3\)"):
        line_search.exact_step([1.0, 0.0], [1.0, 0.0], np.eye(3))


def test_steepest_descent_gives_orthogonal_gradients_and_the_kantorovich_rate():
    run = line_search.steepest_descent(TILTED, [8.7, -7.9], 30)
    grads = TILTED.grad(run.xs)
    cosines = np.einsum("ij,ij->i", grads[1:], grads[:-1]) / (
        np.linalg.norm(grads[1:], axis=1) * np.linalg.norm(grads[:-1], axis=1))
    assert np.all(np.abs(cosines) < 1e-12)
    kappa = TILTED.condition_number
    ratios = run.values[1:] / run.values[:-1]
    assert np.all(ratios <= ((kappa - 1) / (kappa + 1)) ** 2 + 1e-12)
    assert np.allclose(run.grad_norms, np.linalg.norm(grads, axis=1))
    assert run.method == "steepest_descent(step=exact)" and not run.diverged


def test_steepest_descent_matches_its_step_rule_and_leaves_x0_alone():
    x0 = np.array([3.0, -1.0])
    run = line_search.steepest_descent(TILTED, x0, 3)
    assert np.array_equal(x0, [3.0, -1.0])
    for x, x_next in zip(run.xs[:-1], run.xs[1:]):
        g = TILTED.grad(x)
        assert np.allclose(x_next, x - (g @ g) / (g @ TILTED.A @ g) * g)


def test_one_step_on_a_round_bowl_and_early_stop():
    bowl = ol.Quadratic(2 * np.eye(3))  # −g points at the minimizer: one step lands on it
    run = line_search.steepest_descent(bowl, [1.0, -2.0, 0.5], 10)
    assert run.steps == 1 and np.allclose(run.x, 0) and run.grad_norms[-1] == 0
    assert line_search.steepest_descent(bowl, [0.0, 0.0, 0.0], 10).steps == 0
    assert line_search.steepest_descent(TILTED, [8.7, -7.9], 100, gtol=1e-3).grad_norms[-1] <= 1e-3


def test_steepest_descent_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"steepest_descent: steps must be an integer >= 0, got steps=2.5"):
        line_search.steepest_descent(TILTED, [1.0, 1.0], 2.5)
    with pytest.raises(ValueError, match=r"gtol must satisfy gtol >= 0, got gtol=-1"):
        line_search.steepest_descent(TILTED, [1.0, 1.0], 2, gtol=-1)
    saddle = ol.Quadratic(np.diag([1.0, -1.0]))
    with pytest.raises(ValueError, match="curvature"):
        line_search.steepest_descent(saddle, [0.0, 1.0], 2)
