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
