"""Objective functions: what the optimizers minimize.

Every objective offers ``value(x)``, ``grad(x)`` and ``hess(x)`` for a point ``x`` of shape ``(d,)``.
``value`` and ``grad`` also accept a stack of points of shape ``(..., d)`` so that contour plots can
evaluate a whole grid in one call.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from ._threads import single_threaded
from ._validate import check_count, check_range


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

    @single_threaded  # students call these in their own loops too (see optlib/_threads.py)
    def value(self, x):
        x = np.asarray(x, dtype=float)
        return 0.5 * np.einsum("...i,ij,...j->...", x, self.A, x) + x @ self.b + self.c

    @single_threaded
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

    dim = 2

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
    dim = 2
    minimizer = None  # a whole curve of minima, w₁w₂ = 1

    def value(self, w):
        w = np.asarray(w, dtype=float)
        return (1 - w[..., 0] * w[..., 1]) ** 2

    def grad(self, w):
        w = np.asarray(w, dtype=float)
        r = 1 - w[..., 0] * w[..., 1]
        return -2 * r[..., None] * w[..., ::-1]            # (−2r w₂, −2r w₁)

    def hess(self, w):
        w1, w2 = np.asarray(w, dtype=float)
        off = -2 + 4 * w1 * w2
        return np.array([[2 * w2**2, off], [off, 2 * w1**2]])


def nesterov_worst_case(L: float, mu: float = 0.0, dim: int = 200, label: str | None = None) -> Quadratic:
    """Nesterov's worst function for first-order methods on ``dim`` coordinates (Nesterov 2004, §2.1).

    f(x) = (L − μ)/8 · [x₁² + Σᵢ (xᵢ − xᵢ₊₁)² + x_d² − 2x₁] + μ/2 ‖x‖², a quadratic with curvatures in
    (μ, L). From x0 = 0 a gradient reaches one new coordinate per step, so any method whose iterates
    stay in x0 + span{∇f(x0), …, ∇f(x_{k−1})} has x_k zero beyond coordinate k: its error is at
    least that of the best point with that support. With μ = 0, xᵢ* = 1 − i/(d + 1); with μ > 0 and
    d → ∞, xᵢ* = qⁱ with q = (√κ − 1)/(√κ + 1).
    """
    check_range("nesterov_worst_case", "L", L, low=0.0, low_open=True)
    check_range("nesterov_worst_case", "mu", mu, low=0.0, high=float(L), high_open=True)
    check_count("nesterov_worst_case", "dim", dim, low=2)
    # x₁² + Σ (xᵢ − xᵢ₊₁)² + x_d² = xᵀMx with M tridiagonal (2 on the diagonal, −1 beside it).
    M = 2 * np.eye(dim) - np.eye(dim, k=1) - np.eye(dim, k=-1)
    b = np.zeros(dim)
    b[0] = -(L - mu) / 4
    kind = "strongly convex" if mu > 0 else "convex"
    return Quadratic((L - mu) / 4 * M + mu * np.eye(dim), b=b,
                     label=label or f"Nesterov's worst {kind} quadratic (d = {dim})")


class LessardCounterexample:
    """A one-dimensional function on which heavy ball with Polyak's parameters does not converge.

    Lessard, Recht & Packard (2016): f is piecewise quadratic with curvature 25 for x < 1,
    1 on [1, 2) and 25 for x ≥ 2, so it is 1-strongly convex and 25-smooth (κ = 25), with f(0) = 0
    the minimum:

        ∇f(x) = 25x (x < 1),   x + 24 (1 ≤ x < 2),   25x − 24 (x ≥ 2),

    written here as ∇f(x) = 25x − 24c with c = clip(x − 1, 0, 1), so f(x) = 25x²/2 − 24(c(x − 1) − c²/2).
    Heavy ball with η = 4/(√L + √μ)² = 1/9 and β = ((√κ − 1)/(√κ + 1))² = 4/9, the parameters that are
    optimal on quadratics with the same μ and L, falls into a cycle from starts such as x0 = 3.3.
    Every entry of x is treated on its own, so one array can hold many independent runs.
    """

    label = "Lessard, Recht & Packard's function (μ = 1, L = 25)"
    mu, lipschitz = 1.0, 25.0
    minimizer = np.zeros(1)

    def value(self, x):
        x = np.asarray(x, dtype=float)[..., 0]
        c = np.clip(x - 1, 0, 1)
        return 12.5 * x**2 - 24 * (c * (x - 1) - c**2 / 2)

    def grad(self, x):
        x = np.asarray(x, dtype=float)
        return 25 * x - 24 * np.clip(x - 1, 0, 1)

    def hess(self, x):
        x = float(np.asarray(x, dtype=float).reshape(-1)[0])
        return np.array([[1.0 if 1 <= x < 2 else 25.0]])


class NoisyGradient:
    """``objective`` with seeded Gaussian noise added to its gradient: ∇f(x) + σξ, ξ ~ N(0, I).

    A model of stochastic gradients with a constant noise level. ``value`` and ``hess`` are the
    wrapped objective's, exact, so that a run records the true f. Every call of ``grad`` draws
    fresh noise from ``rng``: the same seed gives the same run.
    """

    def __init__(self, objective, sigma: float, rng: np.random.Generator):
        check_range("NoisyGradient", "sigma", sigma, low=0.0)
        if not isinstance(rng, np.random.Generator):
            raise ValueError(f"NoisyGradient: rng must be a numpy Generator "
                             f"(np.random.default_rng(seed)), got rng={rng!r}")
        self.objective, self.sigma, self.rng = objective, float(sigma), rng
        self.label = f"{getattr(objective, 'label', 'an objective')} with gradient noise σ = {sigma:g}"

    @property
    def minimizer(self):
        return self.objective.minimizer

    @property
    def dim(self):
        return getattr(self.objective, "dim", None)

    def value(self, x):
        return self.objective.value(x)

    def grad(self, x):
        g = self.objective.grad(x)
        return g + self.sigma * self.rng.standard_normal(np.shape(g))

    def hess(self, x):
        return self.objective.hess(x)


class Cliff:
    """A gentle slope that ends in a steep wall (DLB fig. 8.3, Pascanu et al. 2013), in the plane.

    With n = (cos θ, sin θ) the wall's normal, t = (−sin θ, cos θ) along the wall, u = nᵀx and
    v = tᵀx, the slope s descends towards the wall, which rises with slope c − s beyond u = 0 over a
    width w (a softplus), and a gentle valley of curvature a keeps v near 0:

        f(x) = −s·u + c·w·log(1 + e^{u/w}) + ½·a·v²
        ∇f(x) = (−s + c·σ(u/w))·n + a·v·t,           σ(z) = 1/(1 + e^{−z})
        ∇²f(x) = (c/w)·σ(u/w)(1 − σ(u/w))·n nᵀ + a·t tᵀ

    The minimum sits at the foot of the wall, u* = w·ln(s/(c − s)), v* = 0, where the curvature
    across the wall is (s/w)(1 − s/c). Far from the wall the gradient is s along −n; on the wall it
    is nearly c − s along n, so a step that lands high on the wall is thrown back (c − s)/s times
    farther than a step on the slope moves.

    Symbols → arguments: s → ``slope``, c → ``wall``, w → ``width``, θ → ``angle`` (radians),
    a → ``valley``.
    """

    dim = 2

    def __init__(self, slope: float = 1.0, wall: float = 100.0, width: float = 0.005,
                 angle: float = np.pi / 12, valley: float = 1.0, label: str | None = None):
        check_range("Cliff", "slope", slope, low=0.0, low_open=True)
        check_range("Cliff", "wall", wall, low=float(slope), low_open=True)
        check_range("Cliff", "width", width, low=0.0, low_open=True)
        check_range("Cliff", "angle", angle)
        check_range("Cliff", "valley", valley, low=0.0, low_open=True)
        self.slope, self.wall, self.width = float(slope), float(wall), float(width)
        self.angle, self.valley = float(angle), float(valley)
        self.normal = np.array([np.cos(self.angle), np.sin(self.angle)])
        self.tangent = np.array([-np.sin(self.angle), np.cos(self.angle)])
        self.label = label or f"a cliff (slope {slope:g}, wall {wall:g}, width {width:g})"

    @property
    def minimizer(self) -> np.ndarray:
        """The foot of the wall: u* = w·ln(s/(c − s)) across it, v* = 0 along it."""
        return self.width * np.log(self.slope / (self.wall - self.slope)) * self.normal

    def _uv(self, x):
        x = np.asarray(x, dtype=float)
        return x @ self.normal, x @ self.tangent

    def value(self, x):
        u, v = self._uv(x)
        return (-self.slope * u + self.wall * self.width * np.logaddexp(0.0, u / self.width)
                + 0.5 * self.valley * v**2)

    def grad(self, x):
        u, v = self._uv(x)
        across = -self.slope + self.wall * _sigmoid(u / self.width)
        return across[..., None] * self.normal + (self.valley * v)[..., None] * self.tangent

    def hess(self, x):
        u, _ = self._uv(x)
        z = np.tanh(0.5 * float(u) / self.width)
        curvature = self.wall / self.width * 0.25 * (1.0 - z * z)      # (c/w)·σ(1 − σ)
        return curvature * np.outer(self.normal, self.normal) + self.valley * np.outer(self.tangent,
                                                                                       self.tangent)

    def __repr__(self):
        return (f"Cliff(slope={self.slope:g}, wall={self.wall:g}, width={self.width:g}, "
                f"angle={self.angle:g}, valley={self.valley:g})")


def _sigmoid(z):
    """σ(z) = 1/(1 + e^{−z}) without overflow, written with tanh."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))
