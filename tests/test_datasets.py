import math

import numpy as np
import pytest

from optlib import datasets


def _rng(seed=0):
    return np.random.default_rng(seed)


MAKERS = {
    "linear_teacher": lambda rng: datasets.linear_teacher(50, 3, rng),
    "two_gaussians": lambda rng: datasets.two_gaussians(50, rng),
    "separable": lambda rng: datasets.separable(50, rng, dim=3),
    "two_moons": lambda rng: datasets.two_moons(50, rng, flip=0.2, extra_dims=2),
    "spirals": lambda rng: datasets.spirals(50, rng),
    "teacher_classes": lambda rng: datasets.teacher_classes(50, 4, 3, rng, flip=0.1)[:2],
}


@pytest.mark.parametrize("name", MAKERS)
def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(name):
    first, again, other = (MAKERS[name](_rng(seed)) for seed in (1, 1, 2))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[0], other[0])


@pytest.mark.parametrize("name", ["two_gaussians", "separable", "two_moons", "spirals"])
def test_two_class_data_has_one_row_per_label_and_labels_in_0_1(name):
    X, y = MAKERS[name](_rng())[:2]
    assert X.shape[0] == y.shape[0] == 50
    assert set(np.unique(y)) == {0.0, 1.0}


def test_the_linear_teachers_risk_matches_a_monte_carlo_estimate():
    rng = _rng(3)
    X, y, w_star = datasets.linear_teacher(200_000, 4, rng, noise=0.7)
    w = w_star + np.array([0.5, -0.2, 0.0, 0.3])
    empirical = 0.5 * np.mean((y - X @ w) ** 2)
    assert empirical == pytest.approx(datasets.linear_teacher_risk(w, w_star, 0.7), rel=0.01)


def test_the_bayes_rule_errs_at_the_stated_rate_on_two_gaussians():
    X, y = datasets.two_gaussians(200_000, _rng(4), separation=1.0)
    bayes_error = 0.5 * math.erfc(0.5 / math.sqrt(2))            # Φ(−s/2) for s = 1
    assert np.mean((X[:, 0] > 0) != (y == 1)) == pytest.approx(bayes_error, abs=0.005)


def test_separable_data_keeps_its_margin_along_the_returned_direction():
    X, y, u = datasets.separable(500, _rng(5), margin=0.3, dim=4)
    assert np.linalg.norm(u) == pytest.approx(1.0)
    assert np.min((2 * y - 1) * (X @ u)) >= 0.3


def test_label_noise_flips_about_the_requested_fraction():
    clean = datasets.two_moons(20_000, _rng(6))[1]
    noisy = datasets.two_moons(20_000, _rng(6), flip=0.25)[1]
    assert np.mean(clean != noisy) == pytest.approx(0.25, abs=0.015)


def test_teacher_classes_follow_the_teacher_and_flip_the_requested_fraction():
    X, clean, teacher = datasets.teacher_classes(20_000, 5, 4, _rng(3))
    W1, W2 = teacher
    assert np.array_equal(clean, np.argmax(np.tanh(2 * X @ W1) @ W2, axis=1))
    assert set(np.unique(clean)) == {0, 1, 2, 3} and clean.dtype.kind == "i"
    # the same teacher and the same draws of x, then labels replaced by a uniform class w.p. 0.2:
    # a label changes with probability 0.2 · 3/4
    X2, noisy, _ = datasets.teacher_classes(20_000, 5, 4, _rng(4), flip=0.2, teacher=teacher)
    relabelled = np.argmax(np.tanh(2 * X2 @ W1) @ W2, axis=1)
    assert np.mean(noisy != relabelled) == pytest.approx(0.15, abs=0.015)


@pytest.mark.parametrize("call, message", [
    (lambda: datasets.teacher_classes(5, 3, 1, _rng()), r"teacher_classes: classes must be an integer >= 2"),
    (lambda: datasets.teacher_classes(5, 3, 2, _rng(), teacher=(np.ones((2, 4)), np.ones((4, 2)))),
     r"teacher must be \(W1, W2\) of shapes \(3, h\) and \(h, 2\), got shapes \(2, 4\) and \(4, 2\)"),
    (lambda: datasets.linear_teacher(0, 3, _rng()), r"linear_teacher: m"),
    (lambda: datasets.linear_teacher(5, 3, _rng(), w_star=[1.0, 2.0]), r"w_star must have shape \(3,\)"),
    (lambda: datasets.linear_teacher(5, 3, _rng(), noise=-1.0), r"linear_teacher: noise"),
    (lambda: datasets.separable(5, _rng(), margin=1.0), r"separable: margin"),
    (lambda: datasets.two_moons(5, _rng(), flip=1.5), r"two_moons: flip"),
    (lambda: datasets.two_gaussians(5, _rng(), dim=0), r"two_gaussians: dim"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_spiral_arms_follow_their_law_without_noise():
    X, y = datasets.spirals(2000, _rng(7), noise=0.0, turns=1.5, radius=2.0)
    r = np.linalg.norm(X, axis=1)
    assert r.max() <= 2.0 + 1e-12 and np.mean(r > 1.9) > 0.02          # radii fill [0, 2]
    t = 3 * np.pi * r / 2.0                                             # r = 2t/(3π)
    angle = t + np.pi * y
    assert np.allclose(X, np.c_[r * np.cos(angle), r * np.sin(angle)], atol=1e-12)
    assert 0.45 < y.mean() < 0.55
    assert np.mean(r < 1.0) == pytest.approx(0.25, abs=0.03)           # r ∝ √u: P(r < 1) = P(u < ¼)


@pytest.mark.parametrize("kwargs, message", [
    (dict(m=0), r"spirals: m must be an integer >= 1, got m=0"),
    (dict(m=10, noise=-0.1), r"spirals: noise must satisfy noise >= 0, got noise=-0.1"),
    (dict(m=10, turns=0), r"spirals: turns must satisfy turns > 0, got turns=0"),
    (dict(m=10, radius=-1.0), r"spirals: radius must satisfy radius > 0, got radius=-1.0"),
])
def test_bad_spirals_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        datasets.spirals(rng=_rng(), **kwargs)
