"""optlib.rates: the per-mode analysis of heavy ball and Nesterov on quadratics."""

import numpy as np
import pytest

import optlib as ol
from optlib import rates

CLASSES = {"heavy_ball": ol.Momentum, "nesterov": ol.Nesterov}


@pytest.mark.parametrize("method", rates.METHODS)
@pytest.mark.parametrize("lr, beta, lam",
                         [(0.1, 0.5, 3.0), (0.3, 0.9, 1.0), (0.05, 0.0, 10.0), (0.15, 0.2, 9.0)])
def test_iteration_matrix_propagates_the_optimizers_runs(method, lr, beta, lam):
    # v0 = 0 means x_{-1} = x_0: the state (x_k, x_{k-1}) starts at (x0, x0).
    traj = ol.run(CLASSES[method](lr=lr, beta=beta), ol.Quadratic([[lam]]), 1.5, 12)
    T = rates.iteration_matrix(lr, beta, lam, method)
    state, xs = np.array([1.5, 1.5]), [1.5]
    for _ in range(12):
        state = T @ state
        xs.append(state[0])
    assert np.allclose(traj.xs[:, 0], xs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("method", rates.METHODS)
def test_roots_and_radius_are_the_eigenvalues_of_the_iteration_matrix(method):
    rng = np.random.default_rng(0)
    samples = zip(rng.uniform(0.01, 0.5, 200), rng.uniform(0, 0.99, 200), rng.uniform(-1, 12, 200))
    for lr, beta, lam in samples:
        z = np.linalg.eigvals(rates.iteration_matrix(lr, beta, lam, method))
        mine = rates.roots(lr, beta, lam, method)
        assert np.allclose(np.sort_complex(mine.round(9)), np.sort_complex(z.round(9)), atol=1e-8)
        assert abs(mine[0]) >= abs(mine[1]) - 1e-12
        assert rates.spectral_radius(lr, beta, lam, method) == pytest.approx(np.abs(z).max(), abs=1e-9)


def test_hand_worked_values():
    # β = 0 is gradient descent: z = 1 − ηλ.
    assert rates.spectral_radius(0.1, 0.0, 15.0) == pytest.approx(0.5)
    # ηλ = 1/4, β = (1 − √(1/4))² = 1/4: heavy ball's double root 1/2 = 1 − √(ηλ).
    assert rates.regime(0.25, 0.25, 1.0) == "critical"
    assert np.allclose(rates.roots(0.25, 0.25, 1.0), [0.5, 0.5])
    assert rates.critical_beta(0.25, 1.0) == pytest.approx(0.25)
    assert rates.regime(0.25, 0.1, 1.0) == "real"
    assert rates.regime(0.25, 0.5, 1.0) == "complex"
    assert rates.spectral_radius(0.25, 0.5, 1.0) == pytest.approx(np.sqrt(0.5))
    # Nesterov at ηλ = 1 lands on the minimizer of the mode in one step: both roots 0.
    assert rates.spectral_radius(0.1, 0.7, 10.0, "nesterov") == pytest.approx(0.0)
    assert rates.iteration_matrix(0.1, 0.7, 10.0, "nesterov") == pytest.approx(np.array([[0, 0], [1, 0]]))


def test_heavy_ball_regimes_follow_the_critical_momentum():
    rng = np.random.default_rng(1)
    samples = zip(rng.uniform(0.01, 0.4, 300), rng.uniform(0, 0.99, 300), rng.uniform(0.1, 20, 300))
    for lr, beta, lam in samples:
        edge = rates.critical_beta(lr, lam)
        if abs(beta - edge) < 1e-3:
            continue
        assert rates.regime(lr, beta, lam) == ("real" if beta < edge else "complex")
        if beta > edge:
            assert rates.spectral_radius(lr, beta, lam) == pytest.approx(np.sqrt(beta))


@pytest.mark.parametrize("method, limit", [("heavy_ball", lambda b: 2 * (1 + b)),
                                           ("nesterov", lambda b: 2 * (1 + b) / (1 + 2 * b))])
def test_stability_ranges(method, limit):
    for beta in (0.0, 0.3, 0.6, 0.9):
        for factor in (0.2, 0.6, 0.98):
            assert rates.spectral_radius(factor * limit(beta), beta, 1.0, method) < 1
        assert rates.spectral_radius(1.02 * limit(beta), beta, 1.0, method) > 1


def test_polyak_optimal_parameters():
    lr, beta, rho = rates.polyak_optimal(1.0, 100.0)
    assert (lr, beta, rho) == pytest.approx((4 / 121, (9 / 11) ** 2, 9 / 11))
    lams = np.linspace(1.0, 100.0, 301)
    assert np.allclose(rates.spectral_radius(lr, beta, lams), rho)      # every mode at the same rate
    assert rates.regime(lr, beta, 1.0) == rates.regime(lr, beta, 100.0) == "critical"
    assert set(rates.regime(lr, beta, lams[5:-5])) == {"complex"}
    grid = rates.rate_map(np.linspace(0.005, 0.06, 60), np.linspace(0, 0.95, 60), 1.0, 100.0)
    assert grid.min() >= rho - 1e-12                                  # nothing on a grid beats it


def test_nesterov_optimal_parameters():
    # κ = 8: √(3κ + 1) = 5, so η = 4/25, β = 3/7, ρ = 3/5 (worked by hand: at λ = 1, τ = 1.2 and
    # δ = 0.36, a double root 0.6; at λ = 8, z² + 0.4z − 0.12 = 0, roots 0.2 and −0.6).
    lr, beta, rho = rates.nesterov_optimal(1.0, 8.0)
    assert (lr, beta, rho) == pytest.approx((4 / 25, 3 / 7, 3 / 5))
    assert rates.regime(lr, beta, 1.0, "nesterov") == "critical"
    assert np.allclose(rates.roots(lr, beta, 8.0, "nesterov"), [-0.6, 0.2])
    for mu, L in [(1.0, 8.0), (0.5, 10.0), (1.0, 1e4)]:
        lr, beta, rho = rates.nesterov_optimal(mu, L)
        # (a double root is computed to about the square root of the round-off: rel 1e-7)
        assert rates.rate(lr, beta, mu, L, "nesterov", interior=500) == pytest.approx(rho, rel=1e-7)
        # a fine grid around it finds nothing better, and it lies between heavy ball's best and
        # Nesterov's standard parameters
        lrs, betas = lr * np.linspace(0.9, 1.1, 81), np.clip(beta + np.linspace(-0.05, 0.05, 81), 0, 0.99)
        assert rates.rate_map(lrs, betas, mu, L, "nesterov").min() >= rho - 1e-12
        root_kappa = np.sqrt(L / mu)
        assert rates.polyak_optimal(mu, L)[2] < rho < 1 - 1 / root_kappa


@pytest.mark.parametrize("method", rates.METHODS)
def test_rate_is_the_worst_mode_and_the_ends_suffice(method):
    rng = np.random.default_rng(2)
    lrs, betas = rng.uniform(0.001, 0.4, 500), rng.uniform(0, 0.99, 500)
    at_ends = rates.rate(lrs, betas, 0.5, 10.0, method)
    dense = rates.rate(lrs, betas, 0.5, 10.0, method, interior=300)
    assert np.allclose(at_ends, dense, rtol=1e-12, atol=1e-12)
    ends = [rates.spectral_radius(lrs[0], betas[0], lam, method) for lam in (0.5, 10.0)]
    assert rates.rate(lrs[0], betas[0], 0.5, 10.0, method) == pytest.approx(max(ends))


def test_rate_map_has_one_row_per_beta():
    lrs, betas = np.array([0.05, 0.1, 0.2]), np.array([0.0, 0.5])
    grid = rates.rate_map(lrs, betas, 0.5, 10.0, "nesterov")
    assert grid.shape == (2, 3)
    assert grid[1, 2] == pytest.approx(float(rates.rate(0.2, 0.5, 0.5, 10.0, "nesterov")))


@pytest.mark.parametrize("call, message", [
    (lambda: rates.spectral_radius(0.0, 0.5, 1.0), "spectral_radius: lr must satisfy lr > 0, got lr=0.0"),
    (lambda: rates.roots(0.1, [0.2, 1.0], 1.0), "roots: beta must satisfy 0 <= beta < 1, got beta=1.0"),
    (lambda: rates.regime(0.1, 0.5, np.nan), "regime: lam must satisfy lam finite, got lam=nan"),
    (lambda: rates.rate(0.1, 0.5, 2.0, 1.0), "rate: L must satisfy L > 2, got L=1.0"),
    (lambda: rates.rate(0.1, 0.5, 1.0, 2.0, interior=-1), "rate: interior must be an integer >= 0"),
    (lambda: rates.iteration_matrix(0.1, 0.5, 1.0, "adam"), "method must be one of 'heavy_ball', 'nesterov'"),
    (lambda: rates.polyak_optimal(0.0, 1.0), "polyak_optimal: mu must satisfy mu > 0, got mu=0.0"),
    (lambda: rates.nesterov_optimal(2.0, 1.0), "nesterov_optimal: L must satisfy L >= 2, got L=1.0"),
    (lambda: rates.critical_beta(0.1, -1.0), "critical_beta: lam must satisfy lam >= 0, got lam=-1.0"),
    (lambda: rates.spectral_radius("fast", 0.5, 1.0), "spectral_radius: lr must be a real number"),
])
def test_bad_input_names_the_argument_range_and_value(call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()
