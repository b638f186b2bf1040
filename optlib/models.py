"""Objectives over a training set: the empirical risk of least squares and of logistic regression.

Each is J(w) = (1/n) Σᵢ ℓ(w; xᵢ, yᵢ) over the rows xᵢ of X, an Objective (``value``, ``grad``, ``hess``)
that also knows its data: ``n`` examples, ``dim`` parameters, ``per_sample_grads(w)`` (row i is ∇ℓᵢ(w)) and
``minibatch_grad(w, idx)``, the mean gradient over the examples ``idx``, so that
``run(method, objective, w0, steps, batch_size=b, rng=rng)`` steps any optimizer with stochastic gradients.
There is no separate bias: append a column of ones to X for one. ``StreamingLeastSquares`` is the
same model on an endless stream of fresh examples, whose ``value`` is the risk itself.
"""

from __future__ import annotations

import numpy as np

from ._threads import single_threaded
from ._validate import check_count, check_range


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


class StreamingLeastSquares:
    """Least squares on an endless stream of fresh examples: SGD on the risk itself, not on a sample.

    Law: x ~ N(0, H) with H = diag(``curvatures``), y = xᵀw* + σξ, ξ ~ N(0, 1). Then
    ``value`` is the risk J(w) = ½((w − w*)ᵀH(w − w*) + σ²) exactly, and every call of ``grad``
    draws ``batch_size`` new examples from ``rng`` and returns their mean gradient
    (1/b) Σᵢ xᵢ(xᵢᵀw − yᵢ), an unbiased estimate of ∇J(w) = H(w − w*). No example is seen twice.
    ``w`` may be a stack of shape (chains, d): each row then gets its own examples, so many
    independent runs of one optimizer advance together.
    """

    def __init__(self, curvatures, w_star, noise: float, rng: np.random.Generator, batch_size: int = 1,
                 label: str = "streaming least squares"):
        curvatures = np.asarray(curvatures, dtype=float)
        if curvatures.ndim != 1 or curvatures.size == 0 or not np.all(curvatures > 0):
            raise ValueError(f"StreamingLeastSquares: curvatures must be a non-empty 1-d array of positive "
                             f"numbers, got {curvatures!r}")
        self.w_star = np.asarray(w_star, dtype=float)
        if self.w_star.shape != curvatures.shape:
            raise ValueError(f"StreamingLeastSquares: w_star must have shape {curvatures.shape}, "
                             f"got shape {self.w_star.shape}")
        check_range("StreamingLeastSquares", "noise", noise, low=0.0)
        check_count("StreamingLeastSquares", "batch_size", batch_size, low=1)
        if not isinstance(rng, np.random.Generator):
            raise ValueError(f"StreamingLeastSquares: rng must be a numpy Generator "
                             f"(np.random.default_rng(seed)), got rng={rng!r}")
        self.curvatures, self.noise, self.rng = curvatures, float(noise), rng
        self.batch_size, self.label, self.dim = int(batch_size), label, curvatures.size

    @property
    def minimizer(self) -> np.ndarray:
        return self.w_star

    def excess(self, w):
        """J(w) − J(w*) = ½(w − w*)ᵀH(w − w*); w may be a stack of shape (..., d)."""
        e = np.asarray(w, dtype=float) - self.w_star
        return 0.5 * np.sum(self.curvatures * e * e, axis=-1)

    def value(self, w):
        return self.excess(w) + 0.5 * self.noise ** 2

    def grad(self, w) -> np.ndarray:
        """The mean gradient over ``batch_size`` fresh examples (one set per row of a stack)."""
        e = np.asarray(w, dtype=float) - self.w_star
        shape = (*e.shape[:-1], self.batch_size, self.dim)
        X = self.rng.standard_normal(shape) * np.sqrt(self.curvatures)
        residual = np.einsum("...bd,...d->...b", X, e) - self.noise * self.rng.standard_normal(shape[:-1])
        return np.einsum("...b,...bd->...d", residual, X) / self.batch_size

    def hess(self, w) -> np.ndarray:
        return np.diag(self.curvatures)


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


class OneNeuronRegression:
    """Lee's one neuron on data: J(w) = (1/n) Σᵢ (yᵢ − w₁w₂xᵢ)², a scalar input xᵢ and target yᵢ per example.

    With every xᵢ = yᵢ = 1 it is ``objectives.OneNeuron``, (1 − w₁w₂)². With m₂ = mean(x²) and
    m₁ = mean(xy): J(w) = mean(y²) − 2m₁w₁w₂ + m₂w₁²w₂², minimal on the hyperbola w₁w₂ = m₁/m₂, and with a
    saddle at the origin, H(0) = [[0, −2m₁], [−2m₁, 0]]. Every per-example gradient
    ∇ℓᵢ(w) = −2(yᵢ − w₁w₂xᵢ)xᵢ (w₂, w₁) vanishes at the origin, so minibatch SGD started there never moves.
    ``per_sample_grads`` and ``minibatch_grad`` let ``run(..., batch_size=b, rng=rng)`` drive any optimizer.
    """

    dim = 2
    minimizer = None  # a curve of minima

    def __init__(self, x, y, label: str = "one neuron on data"):
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        if x.ndim != 1 or x.size == 0 or y.shape != x.shape:
            raise ValueError(f"OneNeuronRegression: x and y must be non-empty 1-d arrays of one shape, got "
                             f"shapes {x.shape} and {y.shape}")
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
            raise ValueError("OneNeuronRegression: x and y must be finite")
        self.x, self.y, self.label, self.n = x, y, label, x.size

    def value(self, w):
        """J(w); w may be a stack of points of shape (..., 2)."""
        w = np.asarray(w, dtype=float)
        residual = self.y - (w[..., 0] * w[..., 1])[..., None] * self.x
        return np.mean(residual ** 2, axis=-1)

    def per_sample_grads(self, w, idx=None) -> np.ndarray:
        """Row i is ∇ℓᵢ(w) = −2(yᵢ − w₁w₂xᵢ)xᵢ (w₂, w₁), for the examples ``idx`` (default all)."""
        w = np.asarray(w, dtype=float)
        x, y = (self.x, self.y) if idx is None else (self.x[idx], self.y[idx])
        coef = -2 * (y - w[0] * w[1] * x) * x
        return coef[:, None] * np.array([w[1], w[0]])

    def grad(self, w) -> np.ndarray:
        w = np.asarray(w, dtype=float)
        if w.ndim > 1:
            residual = self.y - (w[..., 0] * w[..., 1])[..., None] * self.x
            coef = np.mean(-2 * residual * self.x, axis=-1)
            return np.stack([coef * w[..., 1], coef * w[..., 0]], axis=-1)
        return self.per_sample_grads(w).mean(axis=0)

    def minibatch_grad(self, w, idx) -> np.ndarray:
        """(1/|B|) Σ_{i∈B} ∇ℓᵢ(w) for the examples B = ``idx``."""
        idx = np.asarray(idx)
        if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer):
            raise ValueError(f"OneNeuronRegression: idx must be a non-empty 1-d array of row indices, "
                             f"got {idx!r}")
        return self.per_sample_grads(w, idx).mean(axis=0)

    def hess(self, w) -> np.ndarray:
        w1, w2 = np.asarray(w, dtype=float)
        m1, m2 = float(np.mean(self.x * self.y)), float(np.mean(self.x ** 2))
        off = -2 * m1 + 4 * m2 * w1 * w2
        return np.array([[2 * m2 * w2 ** 2, off], [off, 2 * m2 * w1 ** 2]])
