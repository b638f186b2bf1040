import numpy as np
import pytest

import optlib as ol
from optlib.testing import check_grad, check_hess


def quadratics():
    rng = np.random.default_rng(0)
    M = rng.standard_normal((4, 4))
    yield ol.Quadratic([[2.0]])
    yield ol.Quadratic([[1.0, 1.0], [1.0, 4.0]], b=[1.0, -2.0], c=3.0)
    yield ol.Quadratic(M + M.T, b=rng.standard_normal(4))  # indefinite
    yield ol.Quadratic.with_condition_number(50, dim=5, rotation=ol.random_rotation(5, rng))


@pytest.mark.parametrize("f", list(quadratics()), ids=lambda f: f"d={f.dim}")
def test_gradient_and_hessian_match_finite_differences(f):
    rng = np.random.default_rng(1)
    for _ in range(5):
        x = rng.standard_normal(f.dim) * 3
        assert check_grad(f, x) < 1e-7
        assert check_hess(f, x) < 1e-7


def test_x_squared():
    f = ol.Quadratic([[2.0]])
    assert f.value(np.array([3.0])) == pytest.approx(9.0)
    assert f.grad(np.array([3.0])) == pytest.approx([6.0])


def test_value_and_grad_accept_stacks_of_points():
    f = ol.Quadratic([[1.0, 1.0], [1.0, 4.0]], b=[1.0, -2.0], c=3.0)
    grid = np.random.default_rng(2).standard_normal((7, 5, 2))
    values = f.value(grid)
    assert values.shape == (7, 5)
    assert values[3, 4] == pytest.approx(f.value(grid[3, 4]))
    assert np.allclose(f.grad(grid)[3, 4], f.grad(grid[3, 4]))


def test_rotated_quadratic_of_chapter_1():
    f = ol.Quadratic([[1.0, 1.0], [1.0, 4.0]])
    assert f.eigenvalues == pytest.approx([(5 - np.sqrt(13)) / 2, (5 + np.sqrt(13)) / 2])
    assert f.condition_number == pytest.approx(6.1713, abs=1e-4)
    x = np.array([8.7, -7.9])
    assert f.value(x) == pytest.approx(0.5 * 8.7**2 + 2 * 7.9**2 - 8.7 * 7.9)


def test_condition_number_constructor():
    Q = ol.random_rotation(6, np.random.default_rng(3))
    f = ol.Quadratic.with_condition_number(1e3, dim=6, mu=0.5, rotation=Q)
    assert f.condition_number == pytest.approx(1e3)
    assert f.eigenvalues[0] == pytest.approx(0.5)
    assert np.allclose(Q.T @ Q, np.eye(6))


def test_from_eigenvalues_puts_curvature_along_the_rotated_axes():
    f = ol.Quadratic.from_eigenvalues([1.0, 9.0], rotation=np.pi / 4)
    u = np.array([-1.0, 1.0]) / np.sqrt(2)  # second column of the rotation
    assert f.A @ u == pytest.approx(9.0 * u)


def test_minimizer_solves_the_gradient_equation():
    f = ol.Quadratic([[1.0, 1.0], [1.0, 4.0]], b=[1.0, -2.0])
    assert np.allclose(f.grad(f.minimizer), 0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(A=[[1.0, 2.0], [0.0, 1.0]]), r"Quadratic: A must be symmetric"),
        (dict(A=[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]),
         r"Quadratic: A must be a square matrix, got shape \(2, 3\)"),
        (dict(A=[[1.0]], b=[1.0, 2.0]), r"Quadratic: b must have shape \(1,\) to match A, got \(2,\)"),
    ],
)
def test_bad_quadratics_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ol.Quadratic(**kwargs)


def test_bad_condition_number_is_refused():
    with pytest.raises(ValueError, match=r"Quadratic: kappa must satisfy kappa >= 1, got kappa=0.5"):
        ol.Quadratic.with_condition_number(0.5)


def test_minimizer_of_an_indefinite_quadratic_is_refused():
    with pytest.raises(ValueError, match="positive definite"):
        _ = ol.Quadratic([[1.0, 0.0], [0.0, -1.0]]).minimizer
