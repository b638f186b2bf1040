"""The landscape of a non-convex function: critical points, their kind, and how many there are.

* ``classify_critical_point(H)`` reads the kind of a critical point off the eigenvalues of its Hessian,
  ``escape_direction(H)`` gives the direction of negative curvature a saddle can be left along, and
  ``index(H)`` the fraction of negative eigenvalues (the index of Bray & Dean 2007 and Dauphin et al.
  2014).
* ``newton_step`` takes the step of ``second_order.newton_direction(g, H)``, which solves H d = −g:
  Newton's method seeks zeros of the gradient, whatever their kind, so it finds saddles as readily as
  minima (chapter 9 builds the full method, ``optlib.Newton``, on the same function).
  ``find_critical_point`` damps it (Levenberg–Marquardt) to find critical points from far away
  (``find_critical_points`` from many starts at once), and
  ``distinct_points`` removes the duplicates among many such searches; ``rank_correlation`` is
  Spearman's correlation (of index and value).
* ``RandomField`` is a smooth random function on Rⁿ with many critical points of every index.
* ``goe_positive_probability(n)`` is the exact probability that an n × n GOE matrix is positive
  definite (de Bruijn's Pfaffian, in 60+ digit decimal arithmetic), ``sample_goe`` draws GOE matrices.
* ``max_margin_direction(X, s)`` is the hard-margin direction of separable data (no bias), the limit
  direction of gradient descent on logistic regression (Soudry et al. 2018).
"""

from __future__ import annotations

import decimal
import itertools
import math

import numpy as np

from ._threads import single_threaded
from ._validate import check_count, check_range
from .second_order import newton_direction  # one Newton solve for the book (chapter 9 builds on it)

DEFAULT_TOL = 1e-8


def _symmetric(owner: str, H) -> np.ndarray:
    try:
        H = np.asarray(H, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: H must be a square matrix of numbers, got H={H!r}") from None
    if H.ndim != 2 or H.shape[0] != H.shape[1] or H.shape[0] == 0:
        raise ValueError(f"{owner}: H must be a non-empty square matrix, got shape {H.shape}")
    if not np.all(np.isfinite(H)):
        raise ValueError(f"{owner}: H must be finite")
    scale = max(1.0, float(np.max(np.abs(H))))
    if not np.allclose(H, H.T, rtol=0, atol=1e-10 * scale):
        raise ValueError(f"{owner}: H must be symmetric (a Hessian), got H != H.T")
    return 0.5 * (H + H.T)


def _zero_band(owner: str, lam: np.ndarray, tol: float) -> float:
    """Eigenvalues with |λ| ≤ tol · max(1, max|λ|) count as zero."""
    check_range(owner, "tol", tol, low=0.0)
    return tol * max(1.0, float(np.max(np.abs(lam))))


def classify_critical_point(H, tol: float = DEFAULT_TOL) -> str:
    """The kind of a critical point (∇f = 0) with Hessian H: 'minimum', 'maximum', 'saddle' or 'inconclusive'.

    Eigenvalues λ of H with |λ| ≤ tol · max(1, max|λ|) are treated as zero, on both sides of 0 (``tol``
    is relative to the largest curvature, with an absolute floor of ``tol`` for Hessians smaller than 1).
    Then:
    all λ > 0: a strict local minimum; all λ < 0: a strict local maximum; some λ > 0 and some λ < 0: a
    saddle (zero eigenvalues do not change that); otherwise (a zero eigenvalue and no sign change) the
    second-order test is inconclusive, as on the valley of minima w₁w₂ = 1 of ``OneNeuron``, where every
    point is a minimum, or at the origin of f(x) = x³.
    """
    lam = np.linalg.eigvalsh(_symmetric("classify_critical_point", H))
    band = _zero_band("classify_critical_point", lam, tol)
    positive, negative = bool(np.any(lam > band)), bool(np.any(lam < -band))
    if positive and negative:
        return "saddle"
    if np.all(lam > band):
        return "minimum"
    if np.all(lam < -band):
        return "maximum"
    return "inconclusive"


def escape_direction(H, tol: float = DEFAULT_TOL) -> tuple[float, np.ndarray]:
    """(λ_min, u): the most negative eigenvalue of H and its unit eigenvector.

    Along u the second-order model falls: f(x + εu) ≈ f(x) + ½ λ_min ε² < f(x) at a critical point x, for
    ε of either sign. The sign of u is fixed (its largest entry in absolute value is positive) so that the
    answer is reproducible. ValueError if no eigenvalue is below −tol · max(1, max|λ|): then there is no
    direction of negative curvature to escape along.
    """
    lam, Q = np.linalg.eigh(_symmetric("escape_direction", H))
    band = _zero_band("escape_direction", lam, tol)
    if lam[0] >= -band:
        raise ValueError(f"escape_direction: H has no negative eigenvalue (smallest λ = {lam[0]:.3g}, "
                         f"tolerance {band:.3g}); there is no direction of negative curvature")
    u = Q[:, 0]
    u = u if u[np.argmax(np.abs(u))] > 0 else -u
    return float(lam[0]), u


def index(H, tol: float = DEFAULT_TOL) -> float:
    """The fraction of eigenvalues of H below −tol · max(1, max|λ|): 0 at a minimum, 1 at a maximum."""
    lam = np.linalg.eigvalsh(_symmetric("index", H))
    return float(np.mean(lam < -_zero_band("index", lam, tol)))


def newton_step(grad, hess, x) -> np.ndarray:
    """One Newton step x − H(x)⁻¹∇f(x), computed as x + d with H(x) d = −∇f(x).

    ``grad`` and ``hess`` are functions of x (an objective's ``.grad`` and ``.hess``).
    """
    x = np.asarray(x, dtype=float)
    return x + newton_direction(grad(x), hess(x))


@single_threaded
def find_critical_point(objective, x0, tol: float = 1e-10, max_iter: int = 100):
    """A zero of the gradient near x0, by Levenberg–Marquardt on the equations ∇f(x) = 0.

    Each step is d = −(H² + μI)⁻¹H g with H = ∇²f(x), g = ∇f(x) (from one eigendecomposition of H, so
    that trying another μ costs one gradient), and is kept only if ‖∇f‖ falls;
    μ then shrinks tenfold (down to 1e-12), otherwise it grows tenfold and the step is retried. As μ → 0
    the step tends to Newton's, H d = −g, so the last steps converge as fast as Newton's method, while far
    from a critical point the damping keeps ‖∇f‖ decreasing (plain Newton from a random start in Rⁿ
    rarely converges). What it finds is a minimum, a maximum or a saddle, whichever is near.
    Returns (x, converged): converged when ‖∇f(x)‖ ≤ tol within ``max_iter`` accepted steps; not when
    μ exceeds 1e8 (a local minimum of ‖∇f‖ that is not a critical point) or the iteration runs out.
    """
    check_range("find_critical_point", "tol", tol, low=0.0, low_open=True)
    check_count("find_critical_point", "max_iter", max_iter)
    x = np.array(x0, dtype=float)
    g = np.asarray(objective.grad(x), dtype=float)
    norm, mu = float(np.linalg.norm(g)), 1.0
    for _ in range(max_iter):
        if norm <= tol:
            return x, True
        lam, Q = np.linalg.eigh(objective.hess(x))     # (H² + μI)⁻¹H = Q diag(λ/(λ² + μ)) Qᵀ for every μ
        gq = Q.T @ g
        while True:
            trial = x - Q @ (lam / (lam * lam + mu) * gq)
            g_trial = np.asarray(objective.grad(trial), dtype=float)
            norm_trial = float(np.linalg.norm(g_trial))
            if norm_trial < norm:
                x, g, norm, mu = trial, g_trial, norm_trial, max(mu / 10, 1e-12)
                break
            mu *= 10
            if mu > 1e8 or not np.isfinite(norm_trial):
                return x, False
    return x, norm <= tol


@single_threaded
def find_critical_points(objective, starts, tol: float = 1e-10, max_iter: int = 100):
    """``find_critical_point`` from every row of ``starts`` at once: (points, converged), one row each.

    The same iteration, row by row (each start keeps its own damping μ), vectorized over the starts:
    ``objective.grad`` and ``objective.hess`` must accept a stack of points of shape (k, n), as
    ``RandomField``'s do. Rows give the same points as ``find_critical_point`` up to rounding.
    """
    check_range("find_critical_points", "tol", tol, low=0.0, low_open=True)
    check_count("find_critical_points", "max_iter", max_iter)
    X = np.array(starts, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"find_critical_points: starts must have shape (k, n), got shape {X.shape}")
    G = np.asarray(objective.grad(X), dtype=float)
    norms = np.linalg.norm(G, axis=1)
    mu = np.ones(len(X))
    failed = np.zeros(len(X), dtype=bool)
    for _ in range(max_iter):
        rows = np.flatnonzero((norms > tol) & ~failed)
        if rows.size == 0:
            break
        lam, Q = np.linalg.eigh(objective.hess(X[rows]))
        gq = np.einsum("kij,ki->kj", Q, G[rows])
        pending = np.arange(rows.size)          # positions in rows still looking for an accepted step
        while pending.size:
            r = rows[pending]
            scale = lam[pending] / (lam[pending] ** 2 + mu[r, None])
            trial = X[r] - np.einsum("kij,kj->ki", Q[pending], scale * gq[pending])
            g_trial = np.asarray(objective.grad(trial), dtype=float)
            norm_trial = np.linalg.norm(g_trial, axis=1)
            better = norm_trial < norms[r]
            took = r[better]
            X[took], G[took], norms[took] = trial[better], g_trial[better], norm_trial[better]
            mu[took] = np.maximum(mu[took] / 10, 1e-12)
            worse = r[~better]
            mu[worse] *= 10
            gave_up = (mu[worse] > 1e8) | ~np.isfinite(norm_trial[~better])
            failed[worse[gave_up]] = True
            pending = pending[~better][~gave_up]
    return X, norms <= tol


def distinct_points(points, tol: float = 1e-6) -> np.ndarray:
    """The points with duplicates (within distance ``tol`` of an earlier point) removed, in order."""
    check_range("distinct_points", "tol", tol, low=0.0)
    kept: list[np.ndarray] = []
    for p in np.atleast_2d(np.asarray(points, dtype=float)):
        if all(np.linalg.norm(p - q) > tol for q in kept):
            kept.append(p)
    return np.array(kept)


class RandomField:
    """A smooth random function on Rⁿ: f(x) = √(2/m) Σₖ aₖ cos(ωₖᵀx/ℓ + φₖ) + ½ c‖x‖².

    aₖ ~ N(0, 1), ωₖ ~ N(0, I), φₖ ~ U[0, 2π), k = 1 … m, all drawn from ``rng``: random Fourier features,
    so that for many features f is close to a stationary Gaussian field with covariance
    exp(−‖x − y‖²/2ℓ²) (Rahimi & Recht 2007), plus a confining bowl of curvature c (default 0) that
    keeps the critical points in a bounded region. It has critical points of every index: the object of
    the relation between index and value that Bray & Dean 2007 derived for random Gaussian functions and
    Dauphin et al. 2014 observed for neural networks.

        ∇f(x) = −√(2/m)/ℓ Σₖ aₖ sin(θₖ) ωₖ + c x,   ∇²f(x) = −√(2/m)/ℓ² Σₖ aₖ cos(θₖ) ωₖωₖᵀ + c I,
        θₖ = ωₖᵀx/ℓ + φₖ.

    ``value`` and ``grad`` accept a stack of points of shape (..., n).
    """

    def __init__(self, dim: int, rng: np.random.Generator, features: int = 200, lengthscale: float = 1.0,
                 confinement: float = 0.0):
        check_count("RandomField", "dim", dim, low=1)
        check_count("RandomField", "features", features, low=1)
        check_range("RandomField", "lengthscale", lengthscale, low=0.0, low_open=True)
        check_range("RandomField", "confinement", confinement, low=0.0)
        if not isinstance(rng, np.random.Generator):
            raise ValueError(f"RandomField: rng must be a numpy Generator (np.random.default_rng(seed)), "
                             f"got rng={rng!r}")
        self.dim, self.features = int(dim), int(features)
        self.lengthscale, self.confinement = float(lengthscale), float(confinement)
        self.a = rng.standard_normal(self.features) * np.sqrt(2.0 / self.features)
        self.omega = rng.standard_normal((self.features, self.dim)) / self.lengthscale
        self.phi = rng.uniform(0.0, 2 * np.pi, self.features)
        self.label = f"a random field on R^{dim} ({features} features, ℓ = {lengthscale:g})"
        self.minimizer = None

    def _theta(self, x):
        return np.asarray(x, dtype=float) @ self.omega.T + self.phi

    def value(self, x):
        x = np.asarray(x, dtype=float)
        return np.cos(self._theta(x)) @ self.a + 0.5 * self.confinement * np.sum(x * x, axis=-1)

    def grad(self, x):
        x = np.asarray(x, dtype=float)
        return -(np.sin(self._theta(x)) * self.a) @ self.omega + self.confinement * x

    def hess(self, x):
        """∇²f(x); x may be a stack of points of shape (..., n), giving Hessians of shape (..., n, n)."""
        weights = -self.a * np.cos(self._theta(x))
        if weights.ndim == 1:
            return (self.omega.T * weights) @ self.omega + self.confinement * np.eye(self.dim)
        H = (self.omega.T * weights[..., None, :]) @ self.omega      # Σₖ wₖ ωₖωₖᵀ for every point
        return H + self.confinement * np.eye(self.dim)


def sample_goe(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` matrices of the Gaussian orthogonal ensemble, shape (size, n, n): H = (G + Gᵀ)/2, G Gaussian.

    Its density is ∝ exp(−tr H²/2) up to scale: off-diagonal entries N(0, ½), diagonal ones N(0, 1).
    Whether all eigenvalues are positive does not depend on the scale.
    """
    check_count("sample_goe", "n", n, low=1)
    check_count("sample_goe", "size", size, low=1)
    G = rng.standard_normal((size, n, n))
    return 0.5 * (G + np.swapaxes(G, 1, 2))


def goe_positive_probability(n: int) -> float:
    """P(all eigenvalues of an n × n GOE matrix are > 0), exactly (to double precision).

    The joint density of the eigenvalues is ∝ Πᵢ<ⱼ |λⱼ − λᵢ| Πᵢ w(λᵢ), w(λ) = e^{−λ²/2}. De Bruijn's
    identity (1955) writes its integral over ordered λ in an interval I as the Pfaffian of the n × n
    (n even) or (n + 1) × (n + 1) (n odd, bordered by bᵢ = ∫_I λⁱ w) skew matrix

        aᵢⱼ = ∫∫_{x<y, x,y ∈ I} (xⁱ yʲ − xʲ yⁱ) w(x) w(y) dx dy,   i, j = 0 … n − 1,

    so P = Pf(A_{(0,∞)}) / Pf(A_ℝ) = √(det A_{(0,∞)} / det A_ℝ) (P ≥ 0). In polar coordinates the
    double integrals are Γ-functions times integrals of cosⁱθ sinʲθ over θ ∈ (π/4, π/2) or (π/4, 5π/4),
    which a recursion gives exactly; the determinants are taken in decimal arithmetic with enough
    digits for the cancellation (P² is below 1e-38 at n = 12). P decays like exp(−(ln 3/4) n²)
    (Dean & Majumdar 2006): plain Monte Carlo with 10⁵ samples sees no positive definite matrix
    beyond n ≈ 6.
    """
    check_count("goe_positive_probability", "n", n, low=1)
    if n > 40:
        raise ValueError(f"goe_positive_probability: n must be an integer <= 40 (the exact computation "
                         f"grows like n⁴ digits of work), got n={n!r}")
    digits = 40 + n * n // 2
    with decimal.localcontext() as ctx:
        ctx.prec = digits
        half = _de_bruijn_det(n, whole_line=False)
        whole = _de_bruijn_det(n, whole_line=True)
        return float((half / whole).sqrt())


def _pi() -> decimal.Decimal:
    """π to the current precision (Machin's formula)."""
    ctx = decimal.getcontext()
    ctx.prec += 5

    def arctan_inv(k: int) -> decimal.Decimal:
        total, power, j = decimal.Decimal(0), decimal.Decimal(1) / k, 0
        k2 = k * k
        while True:
            term = power / (2 * j + 1)
            if term < decimal.Decimal(10) ** (-(ctx.prec + 2)):
                break
            total += term if j % 2 == 0 else -term
            power /= k2
            j += 1
        return total

    pi = 4 * (4 * arctan_inv(5) - arctan_inv(239))
    ctx.prec -= 5
    return +pi


def _gamma_half(k: int, sqrt_pi: decimal.Decimal) -> decimal.Decimal:
    """Γ(k/2) for a positive integer k, exactly: (k/2 − 1)! or √π (k − 2)!!/2^{(k−1)/2}."""
    D = decimal.Decimal
    if k % 2 == 0:
        return D(math.factorial(k // 2 - 1))
    value = sqrt_pi
    for j in range(1, k // 2 + 1):       # Γ(j + ½) = (j − ½) Γ(j − ½)
        value *= D(2 * j - 1) / 2
    return value


def _angular(imax: int, a: tuple, b: tuple, length: decimal.Decimal):
    """J[i][j] = ∫_a^b cosⁱθ sinʲθ dθ for i, j ≤ imax, given (cos, sin) at both ends and b − a.

    Reduction: (i + j) J[i][j] = [cos^{i+1} sin^{j−1}]… written as the two recursions
    J[i][j] = (−cos^{i+1} sin^{j−1} |_a^b + (j − 1) J[i][j−2]) / (i + j)   (j ≥ 2) and
    J[i][j] = ( cos^{i−1} sin^{j+1} |_a^b + (i − 1) J[i−2][j]) / (i + j)   (i ≥ 2).
    """
    (ca, sa), (cb, sb) = a, b

    def at(end_c, end_s, p, q):   # Decimal refuses 0 ** 0
        return (end_c ** p if p else 1) * (end_s ** q if q else 1)

    def edge(p, q):
        return at(cb, sb, p, q) - at(ca, sa, p, q)

    J = [[None] * (imax + 1) for _ in range(imax + 1)]
    J[0][0] = length
    if imax >= 1:
        J[1][0] = edge(0, 1)                    # ∫ cos = sin
        J[0][1] = -edge(1, 0)                   # ∫ sin = −cos
        J[1][1] = edge(0, 2) / 2                # ∫ cos sin = sin²/2
    for total in range(2, 2 * imax + 1):
        for i in range(max(0, total - imax), min(imax, total) + 1):
            j = total - i
            if J[i][j] is not None:
                continue
            if j >= 2:
                J[i][j] = (-edge(i + 1, j - 1) + (j - 1) * J[i][j - 2]) / total
            else:
                J[i][j] = (edge(i - 1, j + 1) + (i - 1) * J[i - 2][j]) / total
    return J


def _de_bruijn_det(n: int, whole_line: bool) -> decimal.Decimal:
    """det of de Bruijn's skew matrix for w(λ) = e^{−λ²/2} on (0, ∞) or on ℝ (bordered when n is odd)."""
    D = decimal.Decimal
    pi = _pi()
    sqrt_pi = pi.sqrt()
    r = 1 / D(2).sqrt()
    if whole_line:   # the half plane y > x: θ from π/4 to 5π/4
        J = _angular(n - 1, (r, r), (-r, -r), pi)
    else:            # the octant 0 < x < y: θ from π/4 to π/2
        J = _angular(n - 1, (r, r), (D(0), D(1)), pi / 4)

    def radial(k):   # ∫_0^∞ r^{k+1} e^{−r²/2} dr = 2^{k/2} Γ(k/2 + 1)
        return D(2) ** (D(k) / 2) * _gamma_half(k + 2, sqrt_pi)

    size = n + (n % 2)
    A = [[D(0)] * size for _ in range(size)]
    for i in range(n):
        for j in range(i + 1, n):
            A[i][j] = radial(i + j) * (J[i][j] - J[j][i])
            A[j][i] = -A[i][j]
    if n % 2:
        for i in range(n):    # bᵢ = ∫_I xⁱ e^{−x²/2} dx
            if whole_line:
                b = D(0) if i % 2 else D(2).sqrt() * sqrt_pi * D(_double_factorial(i - 1))
            else:
                b = D(2) ** (D(i - 1) / 2) * _gamma_half(i + 1, sqrt_pi)
            A[i][n], A[n][i] = b, -b
    return _det(A)


def _double_factorial(k: int) -> int:
    return math.prod(range(k, 0, -2)) if k > 0 else 1


def _det(A) -> decimal.Decimal:
    """Determinant by Gaussian elimination with partial pivoting, in the current decimal context."""
    A = [row[:] for row in A]
    m, det = len(A), decimal.Decimal(1)
    for c in range(m):
        p = max(range(c, m), key=lambda r_: abs(A[r_][c]))
        if A[p][c] == 0:
            return decimal.Decimal(0)
        if p != c:
            A[c], A[p] = A[p], A[c]
            det = -det
        det *= A[c][c]
        for r_ in range(c + 1, m):
            factor = A[r_][c] / A[c][c]
            if factor:
                for k in range(c, m):
                    A[r_][k] -= factor * A[c][k]
    return det


def max_margin_direction(X, s) -> tuple[np.ndarray, float]:
    """(u, γ): the unit vector that maximizes the smallest margin γ = minᵢ sᵢ xᵢᵀu, labels sᵢ = ±1, no bias.

    The hard-margin problem min ‖w‖² subject to sᵢ xᵢᵀw ≥ 1 is solved exactly by enumeration: its solution
    is the minimum-norm w satisfying sᵢxᵢᵀw = 1 on some set of at most d points (its support vectors), and it
    is the feasible candidate of smallest norm; then u = w/‖w‖ and γ = 1/‖w‖. Meant for small d (the
    candidates are the subsets of at most d points): ValueError beyond 200,000 subsets, or if the data
    are not separable through the origin.
    """
    X, s = np.asarray(X, dtype=float), np.asarray(s, dtype=float)
    if X.ndim != 2 or s.shape != (X.shape[0],) or not np.all(np.abs(s) == 1):
        raise ValueError(f"max_margin_direction: X must have shape (n, d) and s one label ±1 per row, got "
                         f"shapes {X.shape} and {s.shape}")
    n, d = X.shape
    subsets = sum(math.comb(n, k) for k in range(1, d + 1))
    if subsets > 200_000:
        raise ValueError(f"max_margin_direction: {subsets} candidate support sets for n = {n}, d = {d}; "
                         "this exact method is meant for small d (at most 200000)")
    Z = X * s[:, None]
    best = None
    for k in range(1, d + 1):
        for S in itertools.combinations(range(n), k):
            ZS = Z[list(S)]
            gram = ZS @ ZS.T
            if abs(np.linalg.det(gram)) < 1e-12 * max(1.0, float(np.max(np.abs(gram)))) ** k:
                continue
            w = ZS.T @ np.linalg.solve(gram, np.ones(k))
            if np.all(Z @ w >= 1 - 1e-9) and (best is None or w @ w < best @ best):
                best = w
    if best is None:
        raise ValueError("max_margin_direction: the data are not linearly separable through the origin")
    norm = float(np.linalg.norm(best))
    return best / norm, 1.0 / norm


def rank_correlation(a, b) -> float:
    """Spearman's rank correlation of two samples: the Pearson correlation of their ranks, ties averaged.

    1 when b increases with a, −1 when it decreases, near 0 without a monotone relation. Ties (an index
    takes only n + 1 values) get the mean of the ranks they share.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.ndim != 1 or a.shape != b.shape or a.size < 2:
        raise ValueError(f"rank_correlation: a and b must be 1-d arrays of one length >= 2, got shapes "
                         f"{a.shape} and {b.shape}")
    ra, rb = _ranks(a), _ranks(b)
    if np.ptp(ra) == 0 or np.ptp(rb) == 0:
        raise ValueError("rank_correlation: a sample whose values are all equal has no rank correlation")
    return float(np.corrcoef(ra, rb)[0, 1])


def _ranks(a: np.ndarray) -> np.ndarray:
    order = np.argsort(a, kind="stable")
    ranks = np.empty(a.size)
    ranks[order] = np.arange(a.size, dtype=float)
    values, inverse = np.unique(a, return_inverse=True)
    sums = np.bincount(inverse, weights=ranks)
    counts = np.bincount(inverse)
    return (sums / counts)[inverse]
