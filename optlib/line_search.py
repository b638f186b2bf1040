"""Exact line search on a quadratic model: the step that minimizes f along a direction.

Along a direction d from x, the second-order model of f is

    f(x + εd) ≈ f(x) + ε gᵀd + ½ ε² dᵀHd,     g = ∇f(x),  H = ∇²f(x),

and when dᵀHd > 0 its minimizer is ε* = −gᵀd / dᵀHd. For a quadratic f the model is exact, so ε*
is the exact line-search step; for d = −g it reads ε* = gᵀg / gᵀHg (Deep Learning §4.3).
Chapter 1 uses it for steepest descent, chapter 3 for the best step along −g, chapter 9 for
conjugate directions.

``run`` drives methods that see only gradients, so steepest descent with this step is a function
of its own here; it returns the same ``Trajectory`` as ``run``.

For functions that are not quadratic, :func:`strong_wolfe` finds a step that satisfies the strong
Wolfe conditions (Nocedal & Wright, Algorithms 3.5 and 3.6), the line search of BFGS, L-BFGS and
nonlinear conjugate gradients (``optlib.second_order``), and :func:`backtracking` one that satisfies
the sufficient-decrease (Armijo) condition alone, for Newton's method.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._threads import single_threaded
from ._validate import check_count, check_range
from .loops import StopRun, Trajectory


def exact_step(g, d, H) -> float:
    """ε* = −gᵀd / dᵀHd, the minimizer over ε of the quadratic model f(x) + ε gᵀd + ½ ε² dᵀHd.

    Symbols → arguments: g → ``g`` (the gradient at x), d → ``d`` (the direction), H → ``H``
    (the Hessian at x, or any symmetric matrix defining the model).
    Raises ValueError unless the shapes agree and the curvature dᵀHd is positive: with dᵀHd ≤ 0 the
    model has no minimum along d.
    """
    g, d, H = (np.asarray(a, dtype=float) for a in (g, d, H))
    if g.ndim != 1 or d.shape != g.shape or H.shape != (g.size, g.size):
        raise ValueError(f"exact_step: g and d must be vectors of one length n and H an n×n matrix, "
                         f"got g {g.shape}, d {d.shape}, H {H.shape}")
    curvature = float(d @ H @ d)
    if not curvature > 0:
        raise ValueError(f"exact_step: the curvature dᵀHd must be > 0 for the model to have a minimum "
                         f"along d, got dᵀHd={curvature!r}")
    return -float(g @ d) / curvature


@single_threaded
def steepest_descent(objective, x0, steps: int, gtol: float = 0.0) -> Trajectory:
    """Steepest descent with the exact step of the local quadratic model:

        g_k = ∇f(x_k),  ε_k = g_kᵀg_k / g_kᵀ H_k g_k,  x_{k+1} = x_k − ε_k g_k,   H_k = ∇²f(x_k).

    On a quadratic this is exact line search along −g, and successive gradients are orthogonal,
    g_{k+1}ᵀg_k = 0. ``objective`` must provide ``value``, ``grad`` and ``hess``. The run stops early
    (``diverged=False``) once ‖g_k‖ ≤ ``gtol`` or gᵀg underflows to 0: the minimizer is reached.
    Raises ValueError (from :func:`exact_step`) where the curvature along −g is not positive.
    """
    check_count("steepest_descent", "steps", steps)
    check_range("steepest_descent", "gtol", gtol, low=0.0)
    x = np.atleast_1d(np.asarray(x0, dtype=float)).copy()
    xs, values, grad_norms = [x], [float(objective.value(x))], []
    for _ in range(steps):
        g = np.asarray(objective.grad(x), dtype=float)
        grad_norms.append(np.linalg.norm(g))
        if grad_norms[-1] <= gtol or g @ g == 0:
            break
        eps = exact_step(g, -g, objective.hess(x))
        x = x - eps * g
        xs.append(x)
        values.append(float(objective.value(x)))
    if len(grad_norms) < len(xs):
        grad_norms.append(np.linalg.norm(objective.grad(x)))
    return Trajectory(np.array(xs), np.array(values), np.array(grad_norms), False,
                      "steepest_descent(step=exact)")


class LineSearchError(StopRun):
    """No acceptable step was found along d (d is not a descent direction, or the search ran out of
    trials); ``run`` stops and records the message as the trajectory's ``stop_reason``."""


class WolfeStep(NamedTuple):
    """An accepted step α along d, with what the search computed there (so the caller need not).

    alpha: the step α;  x: x + αd;  f: f(x + αd);  g: ∇f(x + αd);  evaluations: calls of (f, ∇f) made.
    """

    alpha: float
    x: np.ndarray
    f: float
    g: np.ndarray
    evaluations: int


def wolfe_conditions(f0: float, slope0: float, f: float, slope: float, alpha: float,
                     c1: float = 1e-4, c2: float = 0.9) -> tuple[bool, bool]:
    """(sufficient decrease, strong curvature) for φ(α) = f(x + αd) with φ(0) = f0, φ'(0) = slope0:

        φ(α) ≤ φ(0) + c₁ α φ'(0)        and        |φ'(α)| ≤ c₂ |φ'(0)|        (N&W (3.7)).
    """
    return f <= f0 + c1 * alpha * slope0, abs(slope) <= c2 * abs(slope0)


@single_threaded
def strong_wolfe(objective, x, d, f0: float | None = None, g0=None, alpha0: float = 1.0,
                 c1: float = 1e-4, c2: float = 0.9, alpha_max: float = 1e10, max_evaluations: int = 60,
                 owner: str = "strong_wolfe") -> WolfeStep:
    """A step α along d that satisfies the strong Wolfe conditions (Nocedal & Wright, Alg. 3.5 and 3.6).

    Symbols → arguments: φ(α) = f(x + αd) with f → ``objective`` (``value`` and ``grad``), x → ``x``,
    d → ``d``; φ(0), ∇f(x) → ``f0``, ``g0`` (computed when not given); α₁ → ``alpha0``; c₁, c₂ →
    ``c1``, ``c2`` with 0 < c₁ < c₂ < 1 (c₂ = 0.9 for quasi-Newton methods, 0.1 for nonlinear CG).
    Algorithm 3.5 doubles the trial step until it brackets an acceptable one; Algorithm 3.6 ("zoom")
    shrinks the bracket by safeguarded cubic interpolation (bisection when the cubic's minimizer falls
    too near an end). Raises :class:`LineSearchError` (which ``run`` reports) if d is not a descent
    direction, φ'(0) ≥ 0, or no step is found within ``max_evaluations`` (≥ 1) evaluations of f and ∇f;
    ValueError for an ``alpha_max`` below ``alpha0``.
    """
    check_range(owner, "c1", c1, low=0.0, high=1.0, low_open=True, high_open=True)
    check_range(owner, "c2", c2, low=float(c1), high=1.0, low_open=True, high_open=True)
    check_range(owner, "alpha0", alpha0, low=0.0, low_open=True)
    check_range(owner, "alpha_max", alpha_max, low=float(alpha0))
    check_count(owner, "max_evaluations", max_evaluations, low=1)
    x, d = np.asarray(x, dtype=float), np.asarray(d, dtype=float)
    f0 = float(objective.value(x)) if f0 is None else float(f0)
    g0 = np.asarray(objective.grad(x) if g0 is None else g0, dtype=float)
    slope0 = float(g0 @ d)
    if not slope0 < 0:
        raise LineSearchError(f"{owner}: d is not a descent direction at x (∇f(x)ᵀd = {slope0:.3g} >= 0)")
    count = 0

    def phi(alpha):
        nonlocal count
        count += 1
        point = x + alpha * d
        f, g = float(objective.value(point)), np.asarray(objective.grad(point), dtype=float)
        return point, f, g, float(g @ d)

    def accept(alpha, point, f, g):
        return WolfeStep(float(alpha), point, f, g, count)

    def zoom(lo, hi):          # lo = (α, φ, φ') with φ(lo) the lowest so far satisfying sufficient decrease
        while count < max_evaluations:
            alpha = _cubic_in_bracket(lo, hi)
            point, f, g, slope = phi(alpha)
            if f > f0 + c1 * alpha * slope0 or f >= lo[1]:
                hi = (alpha, f, slope)
            else:
                if abs(slope) <= -c2 * slope0:
                    return accept(alpha, point, f, g)
                if slope * (hi[0] - lo[0]) >= 0:
                    hi = lo
                lo = (alpha, f, slope)
        raise LineSearchError(f"{owner}: no step satisfying the strong Wolfe conditions within "
                              f"{max_evaluations} evaluations (bracket [{lo[0]:.3g}, {hi[0]:.3g}])")

    previous = (0.0, f0, slope0)
    alpha = float(alpha0)
    with np.errstate(over="ignore", invalid="ignore"):
        while count < max_evaluations:
            point, f, g, slope = phi(alpha)
            if not np.isfinite(f) or f > f0 + c1 * alpha * slope0 or (count > 1 and f >= previous[1]):
                if not np.isfinite(f):           # overshot into overflow: bracket with a finite stand-in
                    f, slope = np.inf, np.inf
                return zoom(previous, (alpha, f, slope))
            if abs(slope) <= -c2 * slope0:
                return accept(alpha, point, f, g)
            if slope >= 0:
                return zoom((alpha, f, slope), previous)
            if alpha >= alpha_max:            # φ still falls steeply at the largest step allowed
                raise LineSearchError(f"{owner}: no step satisfying the strong Wolfe conditions up to "
                                      f"alpha_max = {alpha_max:.3g} (φ still decreasing there)")
            previous = (alpha, f, slope)
            alpha = min(2.0 * alpha, alpha_max)
    raise LineSearchError(f"{owner}: no step satisfying the strong Wolfe conditions within "
                          f"{max_evaluations} evaluations (last trial α = {alpha:.3g})")


def _cubic_in_bracket(lo, hi) -> float:
    """The minimizer of the cubic through (α, φ, φ') at both ends (N&W (3.59)), kept at least a tenth of
    the bracket away from either end; the midpoint when the cubic gives nothing usable."""
    (a, fa, da), (b, fb, db) = lo, hi
    width = b - a
    mid = a + 0.5 * width
    if not np.all(np.isfinite([fa, fb, da, db])):
        return mid
    d1 = da + db - 3 * (fa - fb) / (a - b)
    radicand = d1 * d1 - da * db
    if radicand < 0:
        return mid
    d2 = np.copysign(np.sqrt(radicand), b - a)
    denominator = db - da + 2 * d2
    if denominator == 0:
        return mid
    alpha = b - (b - a) * (db + d2 - d1) / denominator
    left, right = min(a, b), max(a, b)
    margin = 0.1 * abs(width)
    if not (np.isfinite(alpha) and left + margin <= alpha <= right - margin):
        return mid
    return float(alpha)


@single_threaded
def backtracking(objective, x, d, f0: float | None = None, g0=None, c1: float = 1e-4, shrink: float = 0.5,
                 max_halvings: int = 60, owner: str = "backtracking") -> WolfeStep:
    """The first α in 1, ρ, ρ², … with f(x + αd) ≤ f(x) + c₁ α ∇f(x)ᵀd (N&W Alg. 3.1; ρ → ``shrink``).

    The unit step comes first, so near a minimum Newton's full step is kept. Raises
    :class:`LineSearchError` if d is not a descent direction or no α ≥ ρ^max_halvings decreases f enough.
    """
    check_range(owner, "c1", c1, low=0.0, high=1.0, low_open=True, high_open=True)
    check_range(owner, "shrink", shrink, low=0.0, high=1.0, low_open=True, high_open=True)
    check_count(owner, "max_halvings", max_halvings)
    x, d = np.asarray(x, dtype=float), np.asarray(d, dtype=float)
    f0 = float(objective.value(x)) if f0 is None else float(f0)
    g0 = np.asarray(objective.grad(x) if g0 is None else g0, dtype=float)
    slope0 = float(g0 @ d)
    if not slope0 < 0:
        raise LineSearchError(f"{owner}: d is not a descent direction at x (∇f(x)ᵀd = {slope0:.3g} >= 0)")
    alpha = 1.0
    with np.errstate(over="ignore", invalid="ignore"):
        for count in range(1, max_halvings + 2):
            point = x + alpha * d
            f = float(objective.value(point))
            if np.isfinite(f) and f <= f0 + c1 * alpha * slope0:
                return WolfeStep(alpha, point, f, np.asarray(objective.grad(point), dtype=float), count)
            alpha *= shrink
    raise LineSearchError(f"{owner}: no step along d decreased f enough in {max_halvings} halvings")
