"""Curvature from gradients alone: Hessian-vector products, the top Hessian eigenvalue; and, for the
long products W^t of chapter 3, spectral radii, matrices with a prescribed one, and ‖Wᵗx‖ over t.

    Hv ≈ (∇f(x + h v̂) − ∇f(x − h v̂)) / 2h · ‖v‖,      v̂ = v / ‖v‖

Central differences of the gradient: the error is O(h²) from the third derivative plus
O(ε_mach ‖∇f‖ / h) from rounding; the two balance near h ≈ ε_mach^{1/3} ≈ 6e-6 in units of x,
so the default step is h = ε_mach^{1/3} · max(1, ‖x‖). For a quadratic the gradient is affine and
the difference is exact up to rounding, whatever h.
"""

from __future__ import annotations

import numpy as np

from ._threads import single_threaded
from ._validate import check_count, check_range

DEFAULT_REL_STEP = float(np.finfo(float).eps) ** (1 / 3)


def _step(x: np.ndarray, h) -> float:
    if h is None:
        return DEFAULT_REL_STEP * max(1.0, float(np.linalg.norm(x)))
    check_range("hvp", "h", h, low=0.0, low_open=True)
    return float(h)


def hvp(grad, x, v, h: float | None = None) -> np.ndarray:
    """Hessian-vector product H(x) v by central differences of ``grad`` along v (see module docstring).

    ``grad`` is a function x ↦ ∇f(x) (an objective's ``.grad``). The step moves x by h along the
    unit vector v̂, so h is a distance in parameter space whatever the length of v.
    """
    x = np.asarray(x, dtype=float)
    v = np.asarray(v, dtype=float)
    if v.shape != x.shape:
        raise ValueError(f"hvp: v must have the shape of x {x.shape}, got shape {v.shape}")
    norm = float(np.linalg.norm(v))
    if norm == 0.0:
        return np.zeros_like(x)
    step = _step(x, h)
    u = v / norm
    return (np.asarray(grad(x + step * u)) - np.asarray(grad(x - step * u))) / (2 * step) * norm


def curvature_along(grad, x, v, h: float | None = None) -> float:
    """vᵀ H(x) v, e.g. gᵀHg in the second-order model f(x − εg) ≈ f(x) − εgᵀg + ½ε²gᵀHg."""
    v = np.asarray(v, dtype=float)
    return float(v @ hvp(grad, x, v, h))


@single_threaded
def top_eigenvalue(grad, x, iters: int = 20, v0=None, rng=None, h: float | None = None):
    """Power iteration on v ↦ H(x) v; returns (λ, v) with λ = vᵀHv the Rayleigh quotient, ‖v‖ = 1.

    Power iteration converges to the eigenvalue of largest *magnitude*: this is λ_max(H) (the
    sharpness) whenever λ_max ≥ |λ_min|, as near a minimum. ``v0`` warm-starts it (pass the vector
    from the previous call when tracking λ along a run); otherwise a Gaussian start from ``rng``.
    """
    check_count("top_eigenvalue", "iters", iters, low=1)
    x = np.asarray(x, dtype=float)
    if v0 is None:
        rng = np.random.default_rng(0) if rng is None else rng
        v = rng.standard_normal(x.shape)
    else:
        v = np.array(v0, dtype=float)
        if v.shape != x.shape or not np.all(np.isfinite(v)) or not np.any(v):
            raise ValueError(f"top_eigenvalue: v0 must be a finite nonzero array of shape {x.shape}, "
                             f"got {v0!r}")
    v /= np.linalg.norm(v)
    lam = 0.0
    for _ in range(iters):
        w = hvp(grad, x, v, h)
        lam = float(v @ w)
        norm = float(np.linalg.norm(w))
        if norm == 0.0 or not np.isfinite(norm):
            break
        v = w / norm
    return lam, v


@single_threaded
def spectral_radius(W) -> float:
    """ρ(W) = max |λᵢ(W)|, the largest modulus of the eigenvalues of a square matrix."""
    W = np.asarray(W, dtype=float)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"spectral_radius: W must be a square matrix, got shape {W.shape}")
    return float(np.max(np.abs(np.linalg.eigvals(W))))


@single_threaded
def power_norms(W, x, steps: int) -> np.ndarray:
    """‖Wᵗx‖ for t = 0, 1, …, steps, by repeated multiplication (never forming Wᵗ).

    The size of a signal, or of a gradient travelling back, after t applications of the same matrix.
    """
    check_count("power_norms", "steps", steps)
    W, x = np.asarray(W, dtype=float), np.asarray(x, dtype=float)
    if W.ndim != 2 or W.shape[0] != W.shape[1] or x.shape != (W.shape[1],):
        raise ValueError(f"power_norms: W must be a square n × n matrix and x a vector of length n, got W "
                         f"{W.shape} and x {x.shape}")
    norms = np.empty(steps + 1)
    norms[0] = np.linalg.norm(x)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            x = W @ x
            norms[t] = np.linalg.norm(x)
    return norms


@single_threaded
def with_spectral_radius(rho: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """W = ρ · G / ρ(G) for a Gaussian n × n matrix G: spectral radius exactly ρ (up to rounding).

    A plain G/√n has a realised radius that varies with the seed by several per cent at n = 100, and
    ‖W^t x‖ ~ ρ(W)^t turns that into orders of magnitude at t = 200 (chapter 3 measures both over
    seeds); fixing ρ removes the lottery.
    """
    check_range("with_spectral_radius", "rho", rho, low=0.0, low_open=True)
    check_count("with_spectral_radius", "n", n, low=1)
    G = rng.standard_normal((n, n))
    return rho * G / spectral_radius(G)
