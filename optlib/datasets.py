"""Seeded synthetic data sets; every function takes an explicit ``rng`` and states its generating law."""

from __future__ import annotations

import numpy as np

from ._validate import check_count, check_range


def linear_teacher(m: int, dim: int, rng: np.random.Generator, *, noise: float = 0.5, w_star=None):
    """Linear teacher with Gaussian noise.

    Law: x ~ N(0, I_d), y = xᵀw* + σ ξ, ξ ~ N(0, 1) independent of x; w* ~ N(0, I_d) unless given.
    Under squared error ½(y − xᵀw)² the risk is known in closed form (see ``linear_teacher_risk``):
    J(w) = ½(‖w − w*‖² + σ²).  Returns (X of shape (m, d), y of shape (m,), w*).
    """
    check_count("linear_teacher", "m", m, low=1)
    check_count("linear_teacher", "dim", dim, low=1)
    check_range("linear_teacher", "noise", noise, low=0)
    w_star = rng.standard_normal(dim) if w_star is None else np.asarray(w_star, dtype=float)
    if w_star.shape != (dim,):
        raise ValueError(f"linear_teacher: w_star must have shape ({dim},), got shape {w_star.shape}")
    X = rng.standard_normal((m, dim))
    y = X @ w_star + noise * rng.standard_normal(m)
    return X, y, w_star


def linear_teacher_risk(w, w_star, noise: float) -> float:
    """Risk J(w) = E ½(y − xᵀw)² = ½(‖w − w*‖² + σ²) for the law of ``linear_teacher``."""
    d = np.asarray(w, dtype=float) - np.asarray(w_star, dtype=float)
    return 0.5 * (float(d @ d) + noise ** 2)


def two_gaussians(m: int, rng: np.random.Generator, *, separation: float = 2.0, dim: int = 2):
    """Two classes, overlapping or not.

    Law: y ~ Bernoulli(½); x = (2y − 1)(s/2) e₁ + ξ with ξ ~ N(0, I_d). The Bayes error is Φ(−s/2).
    Returns (X of shape (m, d), y in {0, 1} of shape (m,)).  For separable data see ``separable``.
    """
    check_count("two_gaussians", "m", m, low=1)
    check_count("two_gaussians", "dim", dim, low=1)
    check_range("two_gaussians", "separation", separation, low=0)
    y = rng.integers(0, 2, size=m)
    X = rng.standard_normal((m, dim))
    X[:, 0] += (2 * y - 1) * separation / 2
    return X, y.astype(float)


def separable(m: int, rng: np.random.Generator, *, margin: float = 0.5, dim: int = 2):
    """Linearly separable two-class data with a margin.

    Law: z uniform on [−1, 1]^d, then z₁ mapped to sign(z₁)(margin + (1 − margin)|z₁|), y = 1[z₁ > 0];
    x = R z for a random orthogonal R drawn from ``rng``, so u = R e₁ (returned) separates the classes
    with margin ``margin``: (2y − 1) uᵀx ≥ margin.
    Returns (X of shape (m, d), y in {0, 1}, u).
    """
    check_count("separable", "m", m, low=1)
    check_count("separable", "dim", dim, low=1)
    check_range("separable", "margin", margin, low=0, high=1, high_open=True)
    X = rng.uniform(-1, 1, size=(m, dim))
    width = 1 - margin
    X[:, 0] = np.sign(X[:, 0]) * (margin + width * np.abs(X[:, 0]))
    y = (X[:, 0] > 0).astype(float)
    R, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    return X @ R.T, y, R[:, 0]


def two_moons(m: int, rng: np.random.Generator, *, noise: float = 0.1, flip: float = 0.0,
              extra_dims: int = 0):
    """Two interleaved half circles.

    Law: y ~ Bernoulli(½), t ~ U[0, π]; class 0: (cos t, sin t), class 1: (1 − cos t, ½ − sin t); plus
    N(0, noise² I); then ``extra_dims`` pure N(0, 1) coordinates; then each label flipped with probability
    ``flip``.  Returns (X of shape (m, 2 + extra_dims), y in {0, 1}).
    """
    check_count("two_moons", "m", m, low=1)
    check_count("two_moons", "extra_dims", extra_dims, low=0)
    check_range("two_moons", "noise", noise, low=0)
    check_range("two_moons", "flip", flip, low=0, high=1)
    y = rng.integers(0, 2, size=m)
    t = rng.uniform(0, np.pi, size=m)
    X = np.where(y[:, None] == 0, np.c_[np.cos(t), np.sin(t)], np.c_[1 - np.cos(t), 0.5 - np.sin(t)])
    X = X + noise * rng.standard_normal((m, 2))
    X = np.hstack([X, rng.standard_normal((m, extra_dims))])
    flipped = rng.random(m) < flip
    return X, np.where(flipped, 1 - y, y).astype(float)


def spirals(m: int, rng: np.random.Generator, *, noise: float = 0.05, turns: float = 1.5,
            radius: float = 2.0):
    """Two interleaved spiral arms in the plane, one per class.

    Law: y ~ Bernoulli(½), u ~ U[0, 1], t = 2π·turns·√u (uniform density along the arm), distance from
    the origin r = radius·t/(2π·turns), angle t + π·y; plus N(0, noise² I). Returns (X of shape (m, 2),
    y in {0, 1}). The defaults are chapter 3's set-up: t up to 3π, r = 2t/(3π) up to 2.
    """
    check_count("spirals", "m", m, low=1)
    check_range("spirals", "noise", noise, low=0)
    check_range("spirals", "turns", turns, low=0, low_open=True)
    check_range("spirals", "radius", radius, low=0, low_open=True)
    y = rng.integers(0, 2, size=m)
    t = 2 * np.pi * turns * np.sqrt(rng.uniform(0, 1, size=m))
    r = radius * t / (2 * np.pi * turns)
    angle = t + np.pi * y
    X = np.c_[r * np.cos(angle), r * np.sin(angle)] + noise * rng.standard_normal((m, 2))
    return X, y.astype(float)


def teacher_classes(m: int, dim: int, classes: int, rng: np.random.Generator, *, flip: float = 0.0,
                    teacher=None, hidden: int = 32):
    """Classes assigned by a random tanh network, for classifiers trained with cross-entropy.

    Law: x ~ N(0, I_d), y = argmax_k (tanh(2 x W₁) W₂)_k with W₁ (d × hidden) ~ N(0, 1/d) and
    W₂ (hidden × classes) ~ N(0, 1) unless ``teacher`` = (W₁, W₂) is given; then each label is replaced,
    with probability ``flip``, by a uniformly drawn class (possibly the same). Pass the returned teacher
    back to draw a test set from the same law.  Returns (X of shape (m, d), integer y, (W₁, W₂)).
    """
    check_count("teacher_classes", "m", m, low=1)
    check_count("teacher_classes", "dim", dim, low=1)
    check_count("teacher_classes", "classes", classes, low=2)
    check_count("teacher_classes", "hidden", hidden, low=1)
    check_range("teacher_classes", "flip", flip, low=0, high=1)
    if teacher is None:
        teacher = (rng.standard_normal((dim, hidden)) / np.sqrt(dim), rng.standard_normal((hidden, classes)))
    W1, W2 = (np.asarray(W, dtype=float) for W in teacher)
    if W1.ndim != 2 or W1.shape[0] != dim or W2.shape != (W1.shape[1], classes):
        raise ValueError(f"teacher_classes: teacher must be (W1, W2) of shapes ({dim}, h) and "
                         f"(h, {classes}), got shapes {W1.shape} and {W2.shape}")
    X = rng.standard_normal((m, dim))
    y = np.argmax(np.tanh(2 * X @ W1) @ W2, axis=1)
    flipped = rng.random(m) < flip
    y[flipped] = rng.integers(0, classes, int(flipped.sum()))
    return X, y, (W1, W2)
