"""Objectives over a training set: the empirical risk of least squares and of logistic regression.

Each is J(w) = (1/n) Σᵢ ℓ(w; xᵢ, yᵢ) over the rows xᵢ of X, an Objective (``value``, ``grad``, ``hess``)
that also knows its data: ``n`` examples, ``dim`` parameters, ``per_sample_grads(w)`` (row i is ∇ℓᵢ(w)) and
``minibatch_grad(w, idx)``, the mean gradient over the examples ``idx``, so that
``run(method, objective, w0, steps, batch_size=b, rng=rng)`` steps any optimizer with stochastic gradients.
There is no separate bias: append a column of ones to X for one.
"""

from __future__ import annotations

import numpy as np

from ._threads import single_threaded


class _EmpiricalRisk:
    """What both models share: checked data, and gradients as means of per-example terms."""

    def __init__(self, X, y, label: str):
        owner = type(self).__name__
        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        if X.ndim != 2 or X.shape[0] == 0:
            raise ValueError(f"{owner}: X must be a non-empty matrix of shape (n, d), got shape {X.shape}")
        if y.shape != (X.shape[0],):
            raise ValueError(f"{owner}: y must have one entry per row of X, shape ({X.shape[0]},), "
                             f"got shape {y.shape}")
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
            raise ValueError(f"{owner}: X and y must be finite")
        self.X, self.y, self.label = X, y, label
        self.n, self.dim = X.shape

    def _residual(self, w, X, y) -> np.ndarray:
        """∂ℓᵢ/∂zᵢ at zᵢ = xᵢᵀw for the rows of X: the gradient is Xᵀ(residual)/n."""
        raise NotImplementedError

    @single_threaded
    def grad(self, w) -> np.ndarray:
        return self._residual(w, self.X, self.y) @ self.X / self.n

    @single_threaded
    def minibatch_grad(self, w, idx) -> np.ndarray:
        """(1/|B|) Σ_{i∈B} ∇ℓᵢ(w) for the examples B = ``idx`` (an array of row indices)."""
        idx = np.asarray(idx)
        if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer):
            raise ValueError(f"{type(self).__name__}: idx must be a non-empty 1-d array of row indices, "
                             f"got {idx!r}")
        X = self.X[idx]
        return self._residual(w, X, self.y[idx]) @ X / idx.size

    def per_sample_grads(self, w) -> np.ndarray:
        """Row i is ∇ℓᵢ(w); their mean is ∇J(w)."""
        return self._residual(w, self.X, self.y)[:, None] * self.X


class LeastSquares(_EmpiricalRisk):
    """J(w) = (1/2n) Σᵢ (xᵢᵀw − yᵢ)² = (1/2n)‖Xw − y‖².

    ∇J(w) = Xᵀ(Xw − y)/n,  ∇²J = XᵀX/n (the same everywhere).
    """

    def __init__(self, X, y, label: str = "least squares"):
        super().__init__(X, y, label)

    def _residual(self, w, X, y):
        return np.asarray(w, dtype=float) @ X.T - y

    @single_threaded
    def value(self, w):
        """J(w); w may be a stack of points of shape (..., d)."""
        r = self._residual(w, self.X, self.y)
        return 0.5 * np.mean(r ** 2, axis=-1)

    def hess(self, w) -> np.ndarray:
        return self.X.T @ self.X / self.n


class LogisticRegression(_EmpiricalRisk):
    """J(w) = (1/n) Σᵢ [log(1 + e^{zᵢ}) − yᵢ zᵢ],  zᵢ = xᵢᵀw,  labels yᵢ ∈ {0, 1}.

    This is the cross-entropy of p̂ᵢ = σ(zᵢ) = 1/(1 + e^{−zᵢ}) against yᵢ.
    ∇J(w) = Xᵀ(σ(z) − y)/n,  ∇²J(w) = Xᵀ diag(σ(z)(1 − σ(z))) X / n.
    """

    def __init__(self, X, y, label: str = "logistic regression"):
        super().__init__(X, y, label)
        if not np.all((self.y == 0) | (self.y == 1)):
            bad = np.unique(self.y[(self.y != 0) & (self.y != 1)])
            raise ValueError(f"LogisticRegression: labels y must be 0 or 1, got {bad[:5].tolist()}")

    def _residual(self, w, X, y):
        return sigmoid(np.asarray(w, dtype=float) @ X.T) - y

    @single_threaded
    def value(self, w):
        """J(w), computed without overflow for large |z|; w may be a stack of shape (..., d)."""
        z = np.asarray(w, dtype=float) @ self.X.T
        return np.mean(np.logaddexp(0.0, z) - self.y * z, axis=-1)

    @single_threaded
    def hess(self, w) -> np.ndarray:
        p = sigmoid(self.X @ np.asarray(w, dtype=float))
        return (self.X * (p * (1 - p))[:, None]).T @ self.X / self.n


def sigmoid(z):
    """σ(z) = 1/(1 + e^{−z}), written as ½(1 + tanh(z/2)) so that no exponential overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def zero_one_loss(scores, y) -> float:
    """Fraction of examples misclassified when predicting 1 where the score is > 0 (for example z = Xw).

    Its gradient with respect to w is zero almost everywhere: the reason training minimizes a surrogate.
    """
    scores, y = np.asarray(scores, dtype=float), np.asarray(y, dtype=float)
    if scores.shape != y.shape or scores.ndim != 1:
        raise ValueError(f"zero_one_loss: scores and y must be 1-d arrays of the same shape, "
                         f"got shapes {scores.shape} and {y.shape}")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("zero_one_loss: labels y must be 0 or 1")
    return float(np.mean((scores > 0) != (y == 1)))
