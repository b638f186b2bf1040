"""Objective functions: what the optimizers minimize.

Every objective offers ``value(x)``, ``grad(x)`` and ``hess(x)`` for a point ``x`` of shape ``(d,)``.
``value`` and ``grad`` also accept a stack of points of shape ``(..., d)`` so that contour plots can
evaluate a whole grid in one call.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from ._validate import check_range


@runtime_checkable
class Objective(Protocol):
    """What an optimizer needs from a function f: R^d → R."""

    def value(self, x: np.ndarray) -> float | np.ndarray: ...

    def grad(self, x: np.ndarray) -> np.ndarray: ...

    def hess(self, x: np.ndarray) -> np.ndarray: ...


class Quadratic:
    """f(x) = ½ xᵀAx + bᵀx + c, with A symmetric.

    ∇f(x) = Ax + b,  ∇²f(x) = A.  ``Quadratic([[2.0]])`` is f(x) = x².

    Symbols → arguments: A → ``A``, b → ``b`` (default 0), c → ``c``.
    """

    def __init__(self, A, b=None, c: float = 0.0, label: str | None = None):
        A = np.atleast_2d(np.asarray(A, dtype=float))
        if A.ndim != 2 or A.shape[0] != A.shape[1]:
            raise ValueError(f"Quadratic: A must be a square matrix, got shape {A.shape}")
        if not np.allclose(A, A.T):
            raise ValueError("Quadratic: A must be symmetric, got A != A.T")
        d = A.shape[0]
        b = np.zeros(d) if b is None else np.asarray(b, dtype=float).reshape(-1)
        if b.shape != (d,):
            raise ValueError(f"Quadratic: b must have shape ({d},) to match A, got {b.shape}")
        self.A, self.b, self.c = A, b, float(c)
        self.label = label or "a quadratic"

    @classmethod
    def from_eigenvalues(cls, eigenvalues, rotation=None, label=None) -> Quadratic:
        """A = Q diag(λ) Qᵀ: the curvature is λ_i along the i-th column of Q.

        ``rotation`` is an orthogonal matrix Q, or for d = 2 an angle in radians;
        ``None`` keeps the axes (Q = I).
        """
        lam = np.asarray(eigenvalues, dtype=float).reshape(-1)
        Q = _orthogonal(rotation, lam.size)
        return cls((Q * lam) @ Q.T, label=label)

    @classmethod
    def with_condition_number(cls, kappa, dim=2, mu=1.0, rotation=None, label=None) -> Quadratic:
        """Eigenvalues spread geometrically from μ to κμ, so that λmax/λmin = κ."""
        check_range("Quadratic", "kappa", kappa, low=1.0)
        check_range("Quadratic", "mu", mu, low=0.0, low_open=True)
        lam = mu * np.geomspace(1.0, kappa, int(dim))
        return cls.from_eigenvalues(lam, rotation=rotation, label=label)

    @property
    def dim(self) -> int:
        return self.A.shape[0]

    @property
    def eigenvalues(self) -> np.ndarray:
        """Eigenvalues of the Hessian A, in increasing order."""
        return np.linalg.eigvalsh(self.A)

    @property
    def lipschitz(self) -> float:
        """L = λmax(A): the gradient's Lipschitz constant when A is positive semidefinite."""
        return float(self.eigenvalues[-1])

    @property
    def condition_number(self) -> float:
        """κ = λmax/λmin (infinite when A is singular or indefinite)."""
        lam = self.eigenvalues
        return float(lam[-1] / lam[0]) if lam[0] > 0 else np.inf

    @property
    def minimizer(self) -> np.ndarray:
        """x* = −A⁻¹b, the unique minimizer when A is positive definite."""
        if self.eigenvalues[0] <= 0:
            raise ValueError("Quadratic: minimizer needs a positive definite A")
        return np.linalg.solve(self.A, -self.b)

    def value(self, x):
        x = np.asarray(x, dtype=float)
        return 0.5 * np.einsum("...i,ij,...j->...", x, self.A, x) + x @ self.b + self.c

    def grad(self, x):
        return np.asarray(x, dtype=float) @ self.A + self.b  # A is symmetric: x A = (A x)ᵀ

    def hess(self, x):
        return self.A.copy()

    def __repr__(self):
        return f"Quadratic(A={self.A.tolist()}, b={self.b.tolist()}, c={self.c})"


def _orthogonal(rotation, d: int) -> np.ndarray:
    if rotation is None:
        return np.eye(d)
    if np.ndim(rotation) == 0:
        if d != 2:
            raise ValueError(f"Quadratic: an angle as rotation needs dim 2, got dim {d}")
        t = float(rotation)
        return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    Q = np.asarray(rotation, dtype=float)
    if Q.shape != (d, d) or not np.allclose(Q.T @ Q, np.eye(d)):
        raise ValueError(f"Quadratic: rotation must be an orthogonal {d}×{d} matrix")
    return Q


def random_rotation(d: int, rng: np.random.Generator) -> np.ndarray:
    """A random orthogonal d×d matrix (QR of a Gaussian matrix, signs fixed so it is uniform)."""
    Q, R = np.linalg.qr(rng.standard_normal((d, d)))
    return Q * np.sign(np.diag(R))


class Rosenbrock:
    """f(x, y) = (a − x)² + b (y − x²)²: a curved valley, minimum f = 0 at (a, a²).

    The classic test of how a method follows a bending, ill-conditioned valley (b = 100).
    """

    def __init__(self, a: float = 1.0, b: float = 100.0):
        check_range("Rosenbrock", "b", b, low=0.0, low_open=True)
        self.a, self.b = float(a), float(b)
        self.label = f"Rosenbrock (a = {a:g}, b = {b:g})"

    @property
    def minimizer(self) -> np.ndarray:
        return np.array([self.a, self.a**2])

    def value(self, x):
        x = np.asarray(x, dtype=float)
        return (self.a - x[..., 0]) ** 2 + self.b * (x[..., 1] - x[..., 0] ** 2) ** 2

    def grad(self, x):
        x = np.asarray(x, dtype=float)
        u, w = x[..., 0], x[..., 1]
        inner = w - u**2
        return np.stack([-2 * (self.a - u) - 4 * self.b * u * inner, 2 * self.b * inner], axis=-1)

    def hess(self, x):
        u, w = np.asarray(x, dtype=float)
        return np.array([[2 - 4 * self.b * (w - 3 * u**2), -4 * self.b * u],
                         [-4 * self.b * u, 2 * self.b]])


class OneNeuron:
    """Lee's one-neuron network: L(w₁, w₂) = (1 − w₁w₂)² (input x = 1, target ŷ = 1).

    Critical points: the origin, a saddle with H = [[0, −2], [−2, 0]], and the hyperbola w₁w₂ = 1,
    all global minima.
    """

    label = "L(w) = (1 − w₁w₂)²"
    minimizer = None  # a whole curve of minima, w₁w₂ = 1

    def value(self, w):
        w = np.asarray(w, dtype=float)
        return (1 - w[..., 0] * w[..., 1]) ** 2

    def grad(self, w):
        w = np.asarray(w, dtype=float)
        r = 1 - w[..., 0] * w[..., 1]
        return np.stack([-2 * r * w[..., 1], -2 * r * w[..., 0]], axis=-1)

    def hess(self, w):
        w1, w2 = np.asarray(w, dtype=float)
        off = -2 + 4 * w1 * w2
        return np.array([[2 * w2**2, off], [off, 2 * w1**2]])
