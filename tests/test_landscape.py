"""The landscape module: critical points and their kind, Newton's step, the random field, the GOE
probabilities, the max-margin direction; perturbed gradient descent and the one neuron on data."""

import math

import numpy as np
import pytest

import optlib as ol
from optlib import landscape as L  # noqa: N812
from optlib import models
from optlib.optimizers import PerturbedGD
from optlib.testing import check_grad, check_hess, numerical_grad

ONE = ol.OneNeuron()


# --- classification -------------------------------------------------------------------------------

@pytest.mark.parametrize("H, kind", [
    (np.diag([1.0, 2.0]), "minimum"),
    (np.diag([-1.0, -3.0]), "maximum"),
    ([[0.0, -2.0], [-2.0, 0.0]], "saddle"),              # the one neuron's origin
    (np.diag([1.0, 0.0, -1.0]), "saddle"),              # a zero eigenvalue does not undo a sign change
    (np.diag([2.0, 0.0]), "inconclusive"),              # x² + y⁴ or x² − y⁴: the test cannot tell
    (np.diag([-2.0, 0.0]), "inconclusive"),
    (np.zeros((1, 1)), "inconclusive"),                 # x³ at 0
    (np.diag([1.0, 1e-12]), "inconclusive"),            # below the relative tolerance: a zero
])
def test_classification_by_eigenvalues(H, kind):
    assert L.classify_critical_point(H) == kind


def test_the_tolerance_is_relative_to_the_largest_curvature():
    H = np.diag([1e6, 0.1])
    assert L.classify_critical_point(H) == "minimum"                 # 0.1 > 1e-8·1e6
    assert L.classify_critical_point(H, tol=1e-6) == "inconclusive"  # 0.1 ≤ 1e-6·1e6
    assert L.classify_critical_point(np.diag([1e-9, 1e-9])) == "inconclusive"  # absolute floor 1e-8
    assert L.classify_critical_point(np.diag([1e-9, 1e-9]), tol=0) == "minimum"


def test_one_neuron_critical_points():
    H0 = ONE.hess(np.zeros(2))
    assert np.array_equal(H0, [[0.0, -2.0], [-2.0, 0.0]])
    assert np.allclose(np.linalg.eigvalsh(H0), [-2.0, 2.0])
    lam, u = L.escape_direction(H0)
    assert lam == pytest.approx(-2.0) and np.allclose(u, np.array([1.0, 1.0]) / np.sqrt(2))
    for eps in (1e-3, -1e-3, 0.5):
        assert ONE.value(eps * u) < ONE.value(np.zeros(2))
    for w1 in (0.5, 1.0, 3.0):                           # the valley w₁w₂ = 1
        w = np.array([w1, 1 / w1])
        assert np.linalg.norm(ONE.grad(w)) < 1e-14
        lam = np.linalg.eigvalsh(ONE.hess(w))
        assert lam == pytest.approx([0.0, 2 * (w @ w)], abs=1e-12)
        assert L.classify_critical_point(ONE.hess(w)) == "inconclusive"
        tangent = np.array([w1, -1 / w1])                 # d/dt (w₁e^t, e^{−t}/w₁)
        assert np.allclose(ONE.hess(w) @ tangent, 0, atol=1e-12)


def test_escape_direction_refuses_a_minimum_and_fixes_the_sign():
    with pytest.raises(ValueError, match="escape_direction: H has no negative eigenvalue"):
        L.escape_direction(np.diag([1.0, 0.0]))
    _, u = L.escape_direction(np.diag([3.0, -1.0]))
    assert np.array_equal(u, [0.0, 1.0])


def test_index_is_the_fraction_of_negative_eigenvalues():
    assert L.index(np.diag([-1.0, 2.0, -3.0, 0.0])) == 0.5
    assert L.index(np.eye(3)) == 0.0 and L.index(-np.eye(3)) == 1.0


@pytest.mark.parametrize("H", [None, "H", [[1.0, 2.0]], [[1.0, 2.0], [0.0, 1.0]], [[np.nan]],
                               np.zeros((0, 0))])
def test_bad_hessians_are_named(H):
    with pytest.raises(ValueError, match="classify_critical_point: H must"):
        L.classify_critical_point(H)


def test_bad_tolerance_is_named():
    with pytest.raises(ValueError, match="classify_critical_point: tol must satisfy tol >= 0, got tol=-1"):
        L.classify_critical_point(np.eye(2), tol=-1)


# --- Newton ---------------------------------------------------------------------------------------

def test_newton_direction_solves_by_hand():
    # H = [[2, 1], [1, 3]], g = (1, 2): d = −H⁻¹g = −(1/5)(3·1 − 1·2, −1·1 + 2·2) = (−0.2, −0.6)
    assert np.allclose(L.newton_direction([1.0, 2.0], [[2.0, 1.0], [1.0, 3.0]]), [-0.2, -0.6])


def test_newton_step_on_a_quadratic_lands_on_its_critical_point_whatever_its_kind():
    for lam in ([1.0, 4.0], [-1.0, 4.0], [-2.0, -3.0]):
        f = ol.Quadratic(np.diag(lam), b=[1.0, -2.0])
        x = L.newton_step(f.grad, f.hess, np.array([5.0, 7.0]))
        assert np.linalg.norm(f.grad(x)) < 1e-12


def test_newton_is_attracted_to_the_one_neuron_saddle():
    rng = np.random.default_rng(0)
    for _ in range(20):
        w = rng.uniform(-0.2, 0.2, 2)
        for _ in range(3):
            w = L.newton_step(ONE.grad, ONE.hess, w)
        assert np.linalg.norm(w) < 1e-10


def test_newton_direction_refuses_a_singular_hessian():
    with pytest.raises(ValueError, match="newton_direction: the Hessian is singular"):
        L.newton_direction([1.0, 1.0], [[1.0, 1.0], [1.0, 1.0]])
    with pytest.raises(ValueError, match="newton_direction: g must be a vector"):
        L.newton_direction([1.0, 1.0, 1.0], np.eye(2))


def test_find_critical_point_finds_zeros_of_the_gradient():
    f = L.RandomField(4, np.random.default_rng(3))
    x, ok = L.find_critical_point(f, np.zeros(4))
    assert ok and np.linalg.norm(f.grad(x)) <= 1e-10
    x, ok = L.find_critical_point(ONE, [0.1, 0.05])
    assert ok and np.linalg.norm(ONE.grad(x)) <= 1e-10
    _, ok = L.find_critical_point(f, np.zeros(4), max_iter=0)
    assert not ok


def test_distinct_points():
    pts = [[0.0, 0.0], [1e-9, 0.0], [1.0, 0.0], [0.0, 0.0]]
    assert np.array_equal(L.distinct_points(pts), [[0.0, 0.0], [1.0, 0.0]])


# --- the random field -----------------------------------------------------------------------------

def test_random_field_derivatives_by_finite_differences():
    rng = np.random.default_rng(1)
    for conf in (0.0, 0.5):
        f = L.RandomField(5, np.random.default_rng(2), features=50, lengthscale=0.8, confinement=conf)
        for x in rng.standard_normal((3, 5)):
            assert check_grad(f, x) < 1e-8
            assert check_hess(f, x) < 1e-6


def test_random_field_takes_stacks_and_is_seeded():
    f = L.RandomField(3, np.random.default_rng(5))
    xs = np.random.default_rng(6).standard_normal((4, 2, 3))
    assert f.value(xs).shape == (4, 2) and f.grad(xs).shape == (4, 2, 3)
    assert np.allclose(f.value(xs)[1, 0], f.value(xs[1, 0]))
    g = L.RandomField(3, np.random.default_rng(5))
    assert f.value(xs[0, 0]) == g.value(xs[0, 0])


def test_random_field_has_critical_points_of_many_indices():
    f = L.RandomField(6, np.random.default_rng(0))
    starts = np.random.default_rng(1).uniform(-2, 2, (40, 6))
    found = [x for x, ok in (L.find_critical_point(f, x0) for x0 in starts) if ok]
    points = L.distinct_points(found)
    indices = {L.index(f.hess(p)) for p in points}
    assert len(points) >= 10 and len(indices) >= 4


@pytest.mark.parametrize("kwargs, message", [
    (dict(dim=0), "RandomField: dim must be an integer >= 1, got dim=0"),
    (dict(features=0), "RandomField: features must be an integer >= 1"),
    (dict(lengthscale=0.0), "RandomField: lengthscale must satisfy lengthscale > 0"),
    (dict(confinement=-1.0), "RandomField: confinement must satisfy confinement >= 0"),
    (dict(rng=3), "RandomField: rng must be a numpy Generator"),
])
def test_random_field_errors(kwargs, message):
    args = dict(dim=2, rng=np.random.default_rng(0)) | kwargs
    with pytest.raises(ValueError, match=message):
        L.RandomField(**args)


# --- GOE ------------------------------------------------------------------------------------------

def test_goe_probability_exact_small_cases():
    assert L.goe_positive_probability(1) == pytest.approx(0.5, rel=1e-14)
    assert L.goe_positive_probability(2) == pytest.approx((2 - math.sqrt(2)) / 4, rel=1e-14)


def test_goe_probability_against_monte_carlo():
    rng = np.random.default_rng(0)
    for n in (3, 4):
        H = L.sample_goe(n, 200_000, rng)
        hits = np.mean(np.linalg.eigvalsh(H)[:, 0] > 0)
        p = L.goe_positive_probability(n)
        assert abs(hits - p) < 5 * math.sqrt(p * (1 - p) / 200_000)


def test_goe_probability_decays_like_exp_minus_n_squared():
    logs = np.array([math.log(L.goe_positive_probability(n)) for n in range(4, 13)])
    assert L.goe_positive_probability(12) == pytest.approx(5.89e-20, rel=1e-3)
    quadratic = np.polyfit(np.arange(4, 13), logs, 2)[0]
    assert quadratic == pytest.approx(-math.log(3) / 4, rel=0.03)      # Dean & Majumdar's θ


def test_goe_sampling_law():
    H = L.sample_goe(3, 50_000, np.random.default_rng(1))
    assert np.allclose(H, np.swapaxes(H, 1, 2))
    assert np.var(H[:, 0, 0]) == pytest.approx(1.0, rel=0.03)
    assert np.var(H[:, 0, 1]) == pytest.approx(0.5, rel=0.03)


def test_goe_errors():
    with pytest.raises(ValueError, match="goe_positive_probability: n must be an integer >= 1, got n=0"):
        L.goe_positive_probability(0)
    with pytest.raises(ValueError, match="goe_positive_probability: n must be an integer <= 40"):
        L.goe_positive_probability(41)


# --- max margin -----------------------------------------------------------------------------------

def test_max_margin_by_hand():
    # points (1, 0) label +1 and (0, −1)·(−1)... : s·x = (1, 0) and (0, 1); best u = (1, 1)/√2, γ = 1/√2
    X = np.array([[1.0, 0.0], [0.0, -1.0], [3.0, 3.0]])
    s = np.array([1.0, -1.0, 1.0])
    u, gamma = L.max_margin_direction(X, s)
    assert np.allclose(u, np.array([1.0, 1.0]) / np.sqrt(2)) and gamma == pytest.approx(1 / np.sqrt(2))


def test_max_margin_beats_every_direction_on_a_fine_grid():
    X, y, _ = ol.datasets.separable(30, np.random.default_rng(4), margin=0.3)
    s = 2 * y - 1
    u, gamma = L.max_margin_direction(X, s)
    angles = np.linspace(0, 2 * np.pi, 20_001)
    U = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    margins = np.min((X * s[:, None]) @ U.T, axis=0)
    assert gamma >= margins.max() - 1e-12 and gamma == pytest.approx(margins.max(), abs=1e-6)
    assert np.min(s * (X @ u)) == pytest.approx(gamma)


def test_max_margin_errors():
    with pytest.raises(ValueError, match="not linearly separable"):
        L.max_margin_direction([[1.0, 0.0], [1.0, 0.0]], [1.0, -1.0])
    with pytest.raises(ValueError, match="one label ±1 per row"):
        L.max_margin_direction([[1.0, 0.0]], [0.0])


# --- perturbed gradient descent -------------------------------------------------------------------

def test_perturbed_gd_by_hand_and_reset():
    opt = PerturbedGD(lr=0.1, sigma=0.01, seed=7)
    xi = np.random.default_rng(7).standard_normal((2, 2))
    x1 = opt.step(np.array([1.0, 2.0]), np.array([2.0, 4.0]))
    assert np.allclose(x1, [0.8, 1.6] + 0.01 * xi[0])
    x2 = opt.step(x1, 2 * x1)
    assert np.allclose(x2, x1 - 0.2 * x1 + 0.01 * xi[1])
    opt.reset()
    assert np.array_equal(opt.step(np.array([1.0, 2.0]), np.array([2.0, 4.0])), x1)


def test_perturbed_gd_composes_with_run_and_is_gd_at_sigma_zero():
    a = ol.run(PerturbedGD(lr=0.1, sigma=1e-3, seed=1), ONE, [0.0, 0.0], 50)
    b = ol.run(PerturbedGD(lr=0.1, sigma=1e-3, seed=1), ONE, [0.0, 0.0], 50)
    assert np.array_equal(a.xs, b.xs) and np.any(a.xs != 0)
    c = ol.run(PerturbedGD(lr=0.1, sigma=0.0), ONE, [0.3, 0.2], 30)
    assert np.array_equal(c.xs, ol.run(ol.SGD(lr=0.1), ONE, [0.3, 0.2], 30).xs)


def test_perturbed_gd_escapes_the_exact_saddle_and_gd_does_not():
    stuck = ol.run(ol.SGD(lr=0.1), ONE, [0.0, 0.0], 300)
    assert np.all(stuck.xs == 0)
    for seed in range(10):
        traj = ol.run(PerturbedGD(lr=0.1, sigma=1e-6, seed=seed), ONE, [0.0, 0.0], 300)
        assert traj.value < 1e-6


def test_perturbed_gd_with_dicts_and_repr():
    opt = PerturbedGD(lr=0.5, sigma=0.0)
    out = opt.step({"a": np.ones(2), "b": np.zeros(1)}, {"a": np.ones(2), "b": np.ones(1)})
    assert np.allclose(out["a"], 0.5) and np.allclose(out["b"], -0.5)
    assert repr(PerturbedGD(lr=0.2, sigma=0.01, seed=3)) == "PerturbedGD(lr=0.2, sigma=0.01, seed=3)"


@pytest.mark.parametrize("kwargs, message", [
    (dict(lr=0.0), "PerturbedGD: lr must satisfy lr > 0, got lr=0.0"),
    (dict(sigma=-1.0), "PerturbedGD: sigma must satisfy sigma >= 0, got sigma=-1.0"),
    (dict(sigma="big"), "PerturbedGD: sigma must be a real number"),
    (dict(seed=1.5), "PerturbedGD: seed must be an integer >= 0, got seed=1.5"),
    (dict(seed=-1), "PerturbedGD: seed must be an integer >= 0, got seed=-1"),
])
def test_perturbed_gd_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PerturbedGD(**kwargs)


# --- the one neuron on data -----------------------------------------------------------------------

def _data(seed=0, n=30):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    return models.OneNeuronRegression(x, 0.8 * x + 0.1 * rng.standard_normal(n))


def test_one_neuron_data_derivatives_and_reduction():
    f = _data()
    for w in np.random.default_rng(1).standard_normal((3, 2)):
        assert check_grad(f, w) < 1e-8 and check_hess(f, w) < 1e-7
        assert np.allclose(f.per_sample_grads(w).mean(axis=0), f.grad(w))
        one = models.OneNeuronRegression(np.ones(5), np.ones(5))
        assert one.value(w) == pytest.approx(ONE.value(w)) and np.allclose(one.grad(w), ONE.grad(w))
        assert np.allclose(one.hess(w), ONE.hess(w))
    stack = np.random.default_rng(2).standard_normal((4, 3, 2))
    assert np.allclose(f.grad(stack)[2, 1], f.grad(stack[2, 1]))
    assert f.value(stack).shape == (4, 3)
    idx = np.array([3, 5, 7])
    assert np.allclose(f.minibatch_grad([0.3, -0.4], idx),
                       numerical_grad(lambda w: np.mean((f.y[idx] - w[0] * w[1] * f.x[idx]) ** 2),
                                      np.array([0.3, -0.4])))


def test_minibatch_sgd_never_leaves_the_data_saddle():
    f = _data()
    assert np.all(f.per_sample_grads(np.zeros(2)) == 0)
    traj = ol.run(ol.SGD(lr=0.1), f, [0.0, 0.0], 200, batch_size=1, rng=np.random.default_rng(0))
    assert np.all(traj.xs == 0)
    m1 = np.mean(f.x * f.y)
    assert np.allclose(f.hess(np.zeros(2)), [[0, -2 * m1], [-2 * m1, 0]])


def test_one_neuron_data_errors():
    with pytest.raises(ValueError, match="OneNeuronRegression: x and y must be non-empty 1-d arrays"):
        models.OneNeuronRegression([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="OneNeuronRegression: idx must be"):
        _data().minibatch_grad([0.0, 0.0], [0.5])


def test_rank_correlation():
    a = np.array([1.0, 2.0, 3.0, 4.0])
    assert L.rank_correlation(a, a ** 3) == pytest.approx(1.0)
    assert L.rank_correlation(a, -a) == pytest.approx(-1.0)
    # ties: ranks of (0, 0, 1, 1) are (0.5, 0.5, 2.5, 2.5); against (0, 1, 2, 3): r = 2/√5
    assert L.rank_correlation([0, 0, 1, 1], a) == pytest.approx(2 / np.sqrt(5))
    with pytest.raises(ValueError, match="rank_correlation: a sample whose values are all equal"):
        L.rank_correlation([1, 1, 1], a[:3])
    with pytest.raises(ValueError, match="rank_correlation: a and b must be 1-d arrays"):
        L.rank_correlation([1.0], [2.0])


def test_batched_search_agrees_with_the_single_one():
    f = L.RandomField(5, np.random.default_rng(8), features=80)
    starts = np.random.default_rng(9).uniform(-2, 2, (25, 5))
    X, ok = L.find_critical_points(f, starts)
    assert ok.sum() >= 10
    for x0, x, converged in zip(starts, X, ok):
        single, single_ok = L.find_critical_point(f, x0)
        assert converged == single_ok
        if converged:
            assert np.allclose(x, single, atol=1e-9) and np.linalg.norm(f.grad(x)) <= 1e-10
    with pytest.raises(ValueError, match=r"find_critical_points: starts must have shape \(k, n\)"):
        L.find_critical_points(f, np.zeros(5))


def test_random_field_hessians_of_a_stack():
    f = L.RandomField(4, np.random.default_rng(0), confinement=0.3)
    xs = np.random.default_rng(1).standard_normal((2, 3, 4))
    H = f.hess(xs)
    assert H.shape == (2, 3, 4, 4) and np.allclose(H[1, 2], f.hess(xs[1, 2]))
