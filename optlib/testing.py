"""Finite-difference checks of derivatives, used by the tests and by the chapters."""

from __future__ import annotations

import numpy as np


def numerical_grad(f, x, h: float = 1e-6) -> np.ndarray:
    """Central differences: ∂f/∂x_i ≈ (f(x + h e_i) − f(x − h e_i)) / 2h, error O(h²)."""
    x = np.asarray(x, dtype=float)
    steps = h * np.eye(x.size)
    return np.array([(f(x + e) - f(x - e)) / (2 * h) for e in steps])


def central_difference(f, x, h: float = 1e-6) -> np.ndarray:
    """∂f/∂x for f() of no arguments that reads the array x, changed in place entry by entry and restored.

    For gradients with respect to one parameter array of a model, of any shape.
    """
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = f()
        x[i] = old - h
        grad[i] = (up - f()) / (2 * h)
        x[i] = old
    return grad


def numerical_hess(grad, x, h: float = 1e-5) -> np.ndarray:
    """Central differences of the gradient, symmetrized: column j ≈ (∇f(x + h e_j) − ∇f(x − h e_j)) / 2h."""
    x = np.asarray(x, dtype=float)
    steps = h * np.eye(x.size)
    H = np.array([(grad(x + e) - grad(x - e)) / (2 * h) for e in steps]).T
    return 0.5 * (H + H.T)


def relative_error(a, b) -> float:
    """‖a − b‖ / max(‖a‖, ‖b‖, 1e-12): 0 for identical arrays, about 1 for unrelated ones."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), 1e-12))


def check_grad(objective, x, h: float = 1e-6) -> float:
    """Relative error between ``objective.grad(x)`` and central differences of ``objective.value``."""
    return relative_error(objective.grad(x), numerical_grad(objective.value, x, h))


def check_hess(objective, x, h: float = 1e-5) -> float:
    """Relative error between ``objective.hess(x)`` and central differences of ``objective.grad``."""
    return relative_error(objective.hess(x), numerical_hess(objective.grad, x, h))
