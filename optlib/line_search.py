"""Exact line search on a quadratic model: the step that minimizes f along a direction.

Along a direction d from x, the second-order model of f is

    f(x + εd) ≈ f(x) + ε gᵀd + ½ ε² dᵀHd,     g = ∇f(x),  H = ∇²f(x),

and when dᵀHd > 0 its minimizer is ε* = −gᵀd / dᵀHd. For a quadratic f the model is exact, so ε*
is the exact line-search step; for d = −g it reads ε* = gᵀg / gᵀHg (Deep Learning §4.3).
Chapter 1 uses it for steepest descent, chapter 3 for the best step along −g, chapter 9 for
conjugate directions.

``run`` drives methods that see only gradients, so steepest descent with this step is a function
of its own here; it returns the same ``Trajectory`` as ``run``.
"""

from __future__ import annotations

import numpy as np

from ._threads import single_threaded
from ._validate import check_count, check_range
from .loops import Trajectory


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
