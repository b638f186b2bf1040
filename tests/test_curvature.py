import numpy as np
import pytest

import optlib as ol
from optlib import curvature
from optlib.testing import numerical_hess, relative_error


def test_hvp_exact_on_quadratic_for_any_step():
    rng = np.random.default_rng(1)
    f = ol.Quadratic.from_eigenvalues([1.0, 5.0, 40.0], rotation=ol.random_rotation(3, rng))
    x, v = rng.standard_normal(3), rng.standard_normal(3)
    for h in (None, 1e-3, 1.0):
        assert relative_error(curvature.hvp(f.grad, x, v, h), f.A @ v) < 1e-10


def test_hvp_matches_exact_hessian_rosenbrock():
    f = ol.Rosenbrock()
    rng = np.random.default_rng(2)
    for _ in range(5):
        x, v = rng.standard_normal(2), rng.standard_normal(2)
        assert relative_error(curvature.hvp(f.grad, x, v), f.hess(x) @ v) < 1e-7


def test_hvp_matches_numerical_hessian_non_quadratic():
    rng = np.random.default_rng(3)
    # gradient of f(x) = Σ log cosh x_i + (Σ x_i)³ / 3
    g = lambda x: np.tanh(x) + np.sum(x) ** 2  # noqa: E731
    x, v = rng.standard_normal(4), rng.standard_normal(4)
    assert relative_error(curvature.hvp(g, x, v), numerical_hess(g, x) @ v) < 1e-6


def test_curvature_along_and_zero_vector():
    f = ol.Quadratic([[2.0, 0.0], [0.0, 6.0]])
    assert curvature.curvature_along(f.grad, np.ones(2), np.array([0.0, 1.0])) == pytest.approx(6.0)
    assert np.all(curvature.hvp(f.grad, np.ones(2), np.zeros(2)) == 0)


def test_top_eigenvalue_matches_eigh():
    rng = np.random.default_rng(4)
    eig = np.array([0.5, 2.0, 3.0, 10.0])
    f = ol.Quadratic.from_eigenvalues(eig, rotation=ol.random_rotation(4, rng))
    lam, v = curvature.top_eigenvalue(f.grad, np.zeros(4), iters=100, rng=rng)
    assert lam == pytest.approx(10.0, rel=1e-8)
    assert np.linalg.norm(v) == pytest.approx(1.0)
    assert relative_error(f.A @ v, lam * v) < 1e-4
    lam2, _ = curvature.top_eigenvalue(f.grad, np.zeros(4), iters=3, v0=v)
    assert lam2 == pytest.approx(10.0, rel=1e-8)


def test_top_eigenvalue_rosenbrock():
    f = ol.Rosenbrock()
    x = np.array([0.3, -0.2])
    lam, _ = curvature.top_eigenvalue(f.grad, x, iters=60)
    assert lam == pytest.approx(np.linalg.eigvalsh(f.hess(x))[-1], rel=1e-6)


def test_with_spectral_radius():
    for seed in range(5):
        for rho in (0.9, 1.1):
            W = curvature.with_spectral_radius(rho, 50, np.random.default_rng(seed))
            assert np.max(np.abs(np.linalg.eigvals(W))) == pytest.approx(rho, rel=1e-10)


@pytest.mark.parametrize("call", [
    lambda: curvature.hvp(np.sin, np.zeros(2), np.zeros(3)),
    lambda: curvature.hvp(np.sin, np.zeros(2), np.ones(2), h=0.0),
    lambda: curvature.top_eigenvalue(np.sin, np.zeros(2), iters=0),
    lambda: curvature.top_eigenvalue(np.sin, np.zeros(2), v0=np.zeros(2)),
    lambda: curvature.with_spectral_radius(-1.0, 3, np.random.default_rng(0)),
    lambda: curvature.with_spectral_radius(1.0, 0, np.random.default_rng(0)),
])
def test_bad_input(call):
    with pytest.raises(ValueError):
        call()


def test_spectral_radius_and_power_norms_by_hand():
    W = np.array([[0.5, 2.0], [0.0, -0.8]])                       # eigenvalues 0.5 and −0.8
    assert curvature.spectral_radius(W) == pytest.approx(0.8)
    x = np.array([1.0, 1.0])
    norms = curvature.power_norms(W, x, 3)
    expected = [np.linalg.norm(np.linalg.matrix_power(W, t) @ x) for t in range(4)]
    assert norms == pytest.approx(expected, rel=1e-14)
    assert norms[1] == pytest.approx(np.hypot(2.5, -0.8))         # W x = (0.5 + 2, −0.8)
    rotation = np.array([[0.0, -1.1], [1.1, 0.0]])                 # complex pair ±1.1i
    assert curvature.spectral_radius(rotation) == pytest.approx(1.1)
    assert curvature.power_norms(rotation, x, 10) == pytest.approx(np.sqrt(2) * 1.1 ** np.arange(11))


def test_power_norms_of_a_fixed_radius_grow_at_that_rate():
    for rho in (0.9, 1.1):
        W = curvature.with_spectral_radius(rho, 100, np.random.default_rng(3))
        norms = curvature.power_norms(W, np.random.default_rng(4).standard_normal(100), 200)
        assert (norms[200] / norms[100]) ** (1 / 100) == pytest.approx(rho, rel=0.02)


@pytest.mark.parametrize("call, message", [
    (lambda: curvature.spectral_radius(np.ones((2, 3))),
     r"spectral_radius: W must be a square matrix, got shape \(2, 3\)"),
    (lambda: curvature.power_norms(np.eye(2), np.ones(3), 4),
     r"power_norms: W must be a square n × n matrix"),
    (lambda: curvature.power_norms(np.eye(2), np.ones(2), -1), r"power_norms: steps must be an integer >= 0"),
])
def test_bad_powers_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()
