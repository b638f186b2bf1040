import numpy as np
import pytest

import optlib as ol
from optlib import objectives
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


# Objectives of chapter 5: Nesterov's worst case, Lessard–Recht–Packard's counterexample, noisy gradients.

def test_nesterov_worst_case_curvatures_and_minimizer():
    f = objectives.nesterov_worst_case(100.0, 1.0, dim=300)
    lam = f.eigenvalues
    assert 1.0 < lam[0] < 1.01 and 99.9 < lam[-1] < 100.0
    q = (10 - 1) / (10 + 1)
    assert np.allclose(f.minimizer[:50], q ** np.arange(1, 51), rtol=1e-10)   # xᵢ* = qⁱ far from the end
    convex = objectives.nesterov_worst_case(1.0, 0.0, dim=9)
    assert np.allclose(convex.minimizer, 1 - np.arange(1, 10) / 10)            # xᵢ* = 1 − i/(d + 1)
    assert check_grad(convex, np.random.default_rng(0).standard_normal(9)) < 1e-7


def test_a_gradient_method_reaches_one_new_coordinate_per_step():
    f = objectives.nesterov_worst_case(10.0, 0.5, dim=40)
    for method in (ol.SGD(lr=0.1), ol.Momentum(lr=0.1, beta=0.5), ol.Nesterov(lr=0.1, beta=0.5)):
        xs = ol.run(method, f, np.zeros(40), 20).xs
        for k, x in enumerate(xs):
            assert np.all(x[k:] == 0)           # nothing beyond coordinate k yet
            assert k == 0 or x[k - 1] != 0      # and coordinate k has been reached


def test_bad_worst_case_arguments():
    with pytest.raises(ValueError, match=r"nesterov_worst_case: mu must satisfy 0 <= mu < 1, got mu=1.0"):
        objectives.nesterov_worst_case(1.0, 1.0)
    with pytest.raises(ValueError, match=r"nesterov_worst_case: dim must be an integer >= 2, got dim=1"):
        objectives.nesterov_worst_case(1.0, dim=1)


def test_lessard_counterexample_pieces():
    f = objectives.LessardCounterexample()
    x = np.array([-1.0, 0.5, 1.0, 1.5, 2.0, 3.0])[:, None]
    assert np.allclose(f.grad(x)[:, 0], [-25, 12.5, 25, 25.5, 26, 51])   # 25x, x + 24, 25x − 24
    assert np.allclose(f.value(x), [12.5, 3.125, 12.5, 0.5 * 1.5**2 + 24 * 1.5 - 12, 38, 76.5])
    for point in (-2.0, 0.3, 1.4, 1.9, 2.5, 7.0):
        assert check_grad(f, np.array([point])) < 1e-7
    assert [f.hess(np.array([p]))[0, 0] for p in (0.5, 1.5, 2.5)] == [25, 1, 25]
    # strongly convex and smooth: the gradient's slopes between any two points lie in [1, 25]
    grid = np.linspace(-3, 5, 801)[:, None]
    slopes = np.diff(f.grad(grid)[:, 0]) / np.diff(grid[:, 0])
    assert slopes.min() >= 1 - 1e-9 and slopes.max() <= 25 + 1e-9


def test_heavy_ball_cycles_on_the_counterexample_and_nesterov_converges():
    f = objectives.LessardCounterexample()
    hb = ol.run(ol.Momentum(lr=1 / 9, beta=4 / 9), f, 3.3, 300).xs[:, 0]
    assert np.allclose(hb[-3:], hb[-6:-3], atol=1e-9) and np.abs(hb[-3:]).min() > 0.5   # a 3-cycle
    nag = ol.run(ol.Nesterov(lr=1 / 25, beta=2 / 3), f, 3.3, 300).xs[:, 0]
    assert abs(nag[-1]) < 1e-10
    quadratic = ol.run(ol.Momentum(lr=1 / 9, beta=4 / 9), ol.Quadratic([[25.0]]), 3.3, 300).xs[:, 0]
    assert abs(quadratic[-1]) < 1e-10                                   # same parameters, a quadratic


def test_noisy_gradient_is_seeded_and_unbiased():
    f = ol.Quadratic([[2.0, 0.0], [0.0, 1.0]])
    x = np.array([1.0, -1.0])
    a = objectives.NoisyGradient(f, 0.5, np.random.default_rng(3))
    b = objectives.NoisyGradient(f, 0.5, np.random.default_rng(3))
    draws = np.array([a.grad(x) for _ in range(4000)])
    assert np.allclose(draws[:5], [b.grad(x) for _ in range(5)])        # same seed, same noise
    assert np.allclose(draws.mean(axis=0), f.grad(x), atol=0.05)
    assert np.allclose(draws.std(axis=0), 0.5, rtol=0.05)
    assert a.value(x) == f.value(x) and np.array_equal(a.hess(x), f.hess(x))
    assert np.array_equal(objectives.NoisyGradient(f, 0.0, np.random.default_rng(0)).grad(x), f.grad(x))


def test_noisy_gradient_refuses_bad_arguments():
    f = ol.Quadratic([[1.0]])
    with pytest.raises(ValueError, match=r"NoisyGradient: sigma must satisfy sigma >= 0, got sigma=-1"):
        objectives.NoisyGradient(f, -1, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"NoisyGradient: rng must be a numpy Generator"):
        objectives.NoisyGradient(f, 0.1, 0)
