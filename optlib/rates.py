"""How fast heavy ball and Nesterov converge on a quadratic, eigen-direction by eigen-direction.

On f(x) = ½ (x − x*)ᵀ A (x − x*) every eigen-direction of A evolves on its own. For the component c of
x − x* along an eigenvector with eigenvalue λ, with η = ``lr`` and β = ``beta``, both methods are
two-term linear recurrences, (c_{k+1}, c_k) = T(λ) (c_k, c_{k−1}):

    heavy ball   c_{k+1} = (1 + β − ηλ) c_k − β c_{k−1}
    Nesterov     c_{k+1} = (1 + β)(1 − ηλ) c_k − β (1 − ηλ) c_{k−1}

T(λ) = [[τ, −δ], [1, 0]] has the eigenvalues z that solve z² − τz + δ = 0. A mode shrinks like
ρ(λ)^k with ρ(λ) = max |z| (like k ρ(λ)^k when the root is double), and over curvatures in [μ, L]
the slowest mode sets the rate. β = 0 is gradient descent, z = 1 − ηλ.

Every function accepts numbers or numpy arrays, broadcast against each other, so that a rate map
over a grid of (η, β) is one call: ``rate(lrs[None, :], betas[:, None], mu, L)``.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_count, check_range

METHODS = ("heavy_ball", "nesterov")


def _array(owner: str, name: str, value, **bounds) -> np.ndarray:
    """``value`` as a float array, every entry checked by ``check_range`` (same error messages)."""
    try:
        values = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        check_range(owner, name, value, **bounds)  # raises: not a real number
        raise
    for v in np.unique(values):  # a grid has few distinct values
        check_range(owner, name, float(v), **bounds)
    return values


def _inputs(owner: str, lr, beta, lam, method: str):
    if method not in METHODS:
        raise ValueError(f"{owner}: method must be one of {', '.join(map(repr, METHODS))}, "
                         f"got method={method!r}")
    return (_array(owner, "lr", lr, low=0.0, low_open=True),
            _array(owner, "beta", beta, low=0.0, high=1.0, high_open=True),
            _array(owner, "lam", lam))


def _trace_det(lr, beta, lam, method):
    """τ and δ of z² − τz + δ, the characteristic polynomial of T(λ)."""
    if method == "heavy_ball":
        trace = 1 + beta - lr * lam
        return trace, beta + 0 * trace
    shrink = 1 - lr * lam  # Nesterov: the gradient step acts on the look-ahead point
    return (1 + beta) * shrink, beta * shrink


def iteration_matrix(lr: float, beta: float, lam: float, method: str = "heavy_ball") -> np.ndarray:
    """T(λ), the 2 × 2 matrix that maps (c_k, c_{k−1}) to (c_{k+1}, c_k) for one eigenvalue λ."""
    lr, beta, lam = (float(a) for a in _inputs("iteration_matrix", lr, beta, lam, method))
    trace, det = _trace_det(lr, beta, lam, method)
    return np.array([[trace, -det], [1.0, 0.0]])


def roots(lr, beta, lam, method: str = "heavy_ball") -> np.ndarray:
    """The two eigenvalues of T(λ), complex, stacked on a last axis of length 2 (larger |z| first)."""
    trace, det = _trace_det(*_inputs("roots", lr, beta, lam, method), method)
    root = np.sqrt((trace**2 - 4 * det).astype(complex))
    # Add the root of the discriminant with the sign of τ: the larger root without cancellation.
    sign = np.where(np.real(trace) < 0, -1.0, 1.0)
    big = (trace + sign * root) / 2
    small = np.divide(det, big, out=np.zeros_like(big), where=big != 0)  # product of the roots is δ
    return np.stack([big, small], axis=-1)


def spectral_radius(lr, beta, lam, method: str = "heavy_ball") -> np.ndarray:
    """ρ(λ) = max |z| over the eigenvalues z of T(λ): the mode's per-step factor."""
    trace, det = _trace_det(*_inputs("spectral_radius", lr, beta, lam, method), method)
    disc = trace**2 - 4 * det
    real = (np.abs(trace) + np.sqrt(np.maximum(disc, 0.0))) / 2
    return np.where(disc >= 0, real, np.sqrt(np.abs(det)))  # complex pair: |z|² = δ


def regime(lr, beta, lam, method: str = "heavy_ball", rtol: float = 1e-9):
    """'real' (over-damped), 'critical' (a double root) or 'complex' (under-damped: the mode spirals).

    For heavy ball the roots are real iff β ≤ (1 − √(ηλ))² (see ``critical_beta``); equality, to a
    relative tolerance ``rtol`` of the discriminant τ² − 4δ, is critical damping.
    """
    check_range("regime", "rtol", rtol, low=0.0)
    trace, det = _trace_det(*_inputs("regime", lr, beta, lam, method), method)
    disc = trace**2 - 4 * det
    scale = trace**2 + 4 * np.abs(det)
    names = np.where(np.abs(disc) <= rtol * scale, "critical", np.where(disc > 0, "real", "complex"))
    return str(names) if names.ndim == 0 else names


def critical_beta(lr, lam) -> np.ndarray:
    """(1 − √(ηλ))²: the heavy-ball momentum at which the mode λ is critically damped.

    Below it the mode is over-damped (real roots), above it under-damped (|z| = √β).
    """
    lr = _array("critical_beta", "lr", lr, low=0.0, low_open=True)
    lam = _array("critical_beta", "lam", lam, low=0.0)
    return (1 - np.sqrt(lr * lam)) ** 2


def _spectrum(owner: str, mu, L, interior: int) -> np.ndarray:
    check_range(owner, "mu", mu, low=0.0)
    check_range(owner, "L", L, low=float(mu), low_open=True)
    check_count(owner, "interior", interior)
    return np.concatenate([[mu, L], np.linspace(mu, L, interior + 2)[1:-1]])


def rate(lr, beta, mu: float, L: float, method: str = "heavy_ball", interior: int = 0) -> np.ndarray:
    """max ρ(λ) over λ ∈ {μ, L} and ``interior`` evenly spaced curvatures between them.

    The worst-case per-step factor on quadratics with curvatures in [μ, L]. For heavy ball the
    maximum over the whole interval is attained at an end (ρ(λ) falls, stays at √β, then rises).
    """
    lams = _spectrum("rate", mu, L, interior)
    lr, beta = np.asarray(lr, dtype=float), np.asarray(beta, dtype=float)
    return spectral_radius(lr[..., None], beta[..., None], lams, method).max(axis=-1)


def rate_map(lrs, betas, mu: float, L: float, method: str = "heavy_ball", interior: int = 0) -> np.ndarray:
    """``rate`` on the grid of ``lrs`` × ``betas``: an array of shape (len(betas), len(lrs))."""
    lrs, betas = np.ravel(lrs), np.ravel(betas)
    return rate(lrs[None, :], betas[:, None], mu, L, method, interior)


def polyak_optimal(mu: float, L: float) -> tuple[float, float, float]:
    """Polyak's best heavy ball for curvatures in [μ, L]: (η*, β*, ρ*).

    η* = 4/(√L + √μ)², β* = ((√κ − 1)/(√κ + 1))², ρ* = √β* with κ = L/μ; both end modes are then
    critically damped and every mode between them has |z| = √β*.
    """
    check_range("polyak_optimal", "mu", mu, low=0.0, low_open=True)
    check_range("polyak_optimal", "L", L, low=float(mu))
    root_kappa = np.sqrt(L / mu)
    rho = (root_kappa - 1) / (root_kappa + 1)
    return float(4 / (np.sqrt(L) + np.sqrt(mu)) ** 2), float(rho**2), float(rho)


def nesterov_optimal(mu: float, L: float) -> tuple[float, float, float]:
    """The best constant-β Nesterov method for curvatures in [μ, L]: (η, β, ρ).

    η = 4/(3L + μ), β = (√(3κ + 1) − 2)/(√(3κ + 1) + 2), ρ = 1 − 2/√(3κ + 1) with κ = L/μ, the
    tuning for quadratics listed by Lessard, Recht and Packard (2016, Prop. 1). The slow end λ = μ is
    then critically damped (a double root ρ) and the stiff end λ = L has the root −ρ; ρ is worse than
    heavy ball's best, (√κ − 1)/(√κ + 1), and better than Nesterov's standard 1 − 1/√κ.
    """
    check_range("nesterov_optimal", "mu", mu, low=0.0, low_open=True)
    check_range("nesterov_optimal", "L", L, low=float(mu))
    root = np.sqrt(3 * L / mu + 1)
    return float(4 / (3 * L + mu)), float((root - 2) / (root + 2)), float(1 - 2 / root)

