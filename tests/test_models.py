import numpy as np
import pytest

import optlib as ol
from optlib import datasets, models
from optlib.testing import check_grad, check_hess, numerical_grad, relative_error


def _least_squares(seed=0, n=40, d=3):
    X, y, _ = datasets.linear_teacher(n, d, np.random.default_rng(seed), noise=0.3)
    return models.LeastSquares(X, y)


def _logistic(seed=0, n=40, d=3):
    X, y = datasets.two_gaussians(n, np.random.default_rng(seed), separation=1.0, dim=d)
    return models.LogisticRegression(X, y)


MODELS = {"least squares": _least_squares, "logistic": _logistic}


@pytest.mark.parametrize("make", MODELS.values(), ids=MODELS)
def test_gradient_and_hessian_match_finite_differences(make):
    f = make()
    for w in np.random.default_rng(1).standard_normal((3, f.dim)):
        assert check_grad(f, w) < 1e-7
        assert check_hess(f, w) < 1e-6


@pytest.mark.parametrize("make", MODELS.values(), ids=MODELS)
def test_minibatch_gradients_average_to_the_full_gradient_over_an_epoch(make):
    f, w = make(), np.array([0.3, -1.0, 2.0])
    batches = ol.minibatches(f.n, 8, np.random.default_rng(2))
    epoch = [f.minibatch_grad(w, next(batches)) for _ in range(f.n // 8)]
    assert relative_error(np.mean(epoch, axis=0), f.grad(w)) < 1e-12
    assert relative_error(f.per_sample_grads(w).mean(axis=0), f.grad(w)) < 1e-12
    assert relative_error(f.minibatch_grad(w, np.array([5])), f.per_sample_grads(w)[5]) < 1e-12


@pytest.mark.parametrize("make", MODELS.values(), ids=MODELS)
def test_value_accepts_a_stack_of_points(make):
    f = make()
    W = np.random.default_rng(3).standard_normal((4, 5, f.dim))
    assert f.value(W).shape == (4, 5)
    assert f.value(W)[2, 3] == pytest.approx(f.value(W[2, 3]))


def test_a_stochastic_run_is_determined_by_its_seed():
    f = _least_squares()
    runs = [ol.run(ol.SGD(lr=0.1), f, np.zeros(3), steps=30, batch_size=4, rng=np.random.default_rng(s))
            for s in (7, 7, 8)]
    assert np.array_equal(runs[0].xs, runs[1].xs) and not np.array_equal(runs[0].xs, runs[2].xs)


def test_logistic_loss_is_finite_for_huge_scores_and_tends_to_zero_on_separable_data():
    X, y, u = datasets.separable(30, np.random.default_rng(4))
    f = models.LogisticRegression(X, y)
    assert f.value(1e4 * u) < 1e-100 and np.isfinite(f.value(-1e4 * u))
    assert f.value(10 * u) < f.value(u) < f.value(np.zeros(2)) == pytest.approx(np.log(2))


def test_zero_one_loss_counts_the_wrong_signs():
    assert models.zero_one_loss([2.0, -1.0, 0.5, -3.0], [1, 0, 0, 1]) == 0.5


@pytest.mark.parametrize("call, message", [
    (lambda: models.LeastSquares(np.ones((5, 2)), np.ones(4)), r"one entry per row of X, shape \(5,\)"),
    (lambda: models.LeastSquares(np.ones(5), np.ones(5)), r"X must be a non-empty matrix .* shape \(5,\)"),
    (lambda: models.LogisticRegression(np.ones((3, 2)), [0, 1, 2]), r"labels y must be 0 or 1, got \[2.0\]"),
    (lambda: models.LogisticRegression(np.ones((3, 2)), [0, 1, -1]), r"labels y must be 0 or 1"),
    (lambda: _least_squares().minibatch_grad(np.zeros(3), [0.5]), r"idx must be a non-empty 1-d array"),
    (lambda: models.zero_one_loss([1.0, 2.0], [1]), r"same shape"),
    (lambda: models.zero_one_loss([1.0], [0.5]), r"labels y must be 0 or 1"),
])
def test_bad_data_is_refused_with_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("batch_size, message", [(0, r"batch_size must be"),
                                                 (41, r"batch_size must be <= n = 40")])
def test_a_batch_size_outside_1_to_n_is_refused(batch_size, message):
    with pytest.raises(ValueError, match=message):
        ol.run(ol.SGD(lr=0.1), _least_squares(), np.zeros(3), steps=3, batch_size=batch_size,
               rng=np.random.default_rng(0))


def _stream(seed=0, batch_size=1, noise=0.5):
    return models.StreamingLeastSquares([0.5, 1.0, 2.0], [1.0, -1.0, 0.5], noise, np.random.default_rng(seed),
                                        batch_size=batch_size)


def test_streaming_risk_is_the_mean_loss_of_its_law():
    f, w = _stream(), np.array([0.2, 0.4, -1.0])
    rng = np.random.default_rng(3)
    X = rng.standard_normal((400_000, 3)) * np.sqrt(f.curvatures)
    y = X @ f.w_star + f.noise * rng.standard_normal(len(X))
    assert relative_error(0.5 * np.mean((X @ w - y) ** 2), f.value(w)) < 0.01
    assert f.excess(f.minimizer) == 0 and np.isclose(f.value(f.minimizer), 0.5 * f.noise ** 2)
    exact = ol.Quadratic(f.hess(w), b=-f.hess(w) @ f.w_star)         # ∇J = H(w − w*): a quadratic's
    assert relative_error(numerical_grad(f.value, w), exact.grad(w)) < 1e-7


@pytest.mark.parametrize("batch_size", [1, 8])
def test_streaming_gradients_are_unbiased_with_the_gaussian_covariance(batch_size):
    f, w = _stream(batch_size=batch_size), np.array([0.2, 0.4, -1.0])
    draws = f.grad(np.tile(w, (100_000, 1)))                     # one fresh batch per row
    H, e = f.hess(w), w - f.w_star
    mean_se = np.sqrt(np.diag(np.cov(draws.T)) / len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - H @ e) < 4 * mean_se)
    # Cov = ((eᵀHe + σ²) H + H e eᵀ H) / b for Gaussian x (Isserlis)
    expected = ((e @ H @ e + f.noise ** 2) * H + np.outer(H @ e, H @ e)) / batch_size
    assert relative_error(np.cov(draws.T), expected) < 0.03


def test_streaming_is_seeded_and_never_repeats_an_example():
    w = np.zeros(3)
    a, b = _stream(seed=4), _stream(seed=4)
    first = [a.grad(w) for _ in range(3)]
    assert np.array_equal(first, [b.grad(w) for _ in range(3)])
    assert not np.allclose(first[0], first[1])
    stack = a.grad(np.zeros((2, 3)))
    assert stack.shape == (2, 3) and not np.allclose(stack[0], stack[1])
    traj = ol.run(ol.SGD(lr=0.1), _stream(seed=5), w, 300)
    assert traj.values[-1] < traj.values[0] and not traj.diverged


@pytest.mark.parametrize("kwargs, message", [
    (dict(curvatures=[1.0, -1.0]), "curvatures"), (dict(w_star=[1.0]), "w_star must have shape"),
    (dict(noise=-1.0), "noise"), (dict(batch_size=0), "batch_size"), (dict(rng=3), "rng")])
def test_streaming_bad_arguments_are_named(kwargs, message):
    args = dict(curvatures=[1.0, 2.0], w_star=[0.0, 0.0], noise=0.1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=message):
        models.StreamingLeastSquares(**{**args, **kwargs})
