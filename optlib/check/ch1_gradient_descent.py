"""Checks for chapter 1, gradient descent."""

from __future__ import annotations

import numpy as np

from ._core import Feedback, _number, _verdict

# f(x) = x², f'(x) = 2x, x0 = 8.7, α = 0.2: x_{k+1} = 0.6 x_k.
_GD_1D = dict(x0=8.7, lr=0.2, steps=3, iterates=[[8.7], [5.22], [3.132], [1.8792]])
# f = ½ xᵀAx with A = [[1, 1], [1, 4]], x0 = [8.7, −7.9], α = 0.2.
_GD_2D = dict(A=[[1.0, 1.0], [1.0, 4.0]], x0=[8.7, -7.9], lr=0.2, steps=2,
              iterates=[[8.7, -7.9], [8.54, -3.32], [7.496, -2.372]])


def gradient_descent(func) -> Feedback:
    """Check ``func(grad, x0, lr, steps)``, which must return the iterates x_0 … x_steps."""
    name = "gradient_descent"
    A = np.array(_GD_2D["A"])
    cases = [(lambda x: 2 * x, _GD_1D), (lambda x: A @ x, _GD_2D)]
    for grad, case in cases:
        x0 = np.array(case["x0"], dtype=float).reshape(-1)
        start = x0.copy()
        try:
            xs = func(grad, x0, case["lr"], case["steps"])
        except NotImplementedError:
            return _verdict(False, f"{name}: not implemented yet.")
        xs = np.asarray(xs, dtype=float).reshape(case["steps"] + 1, -1)
        if not np.array_equal(x0, start):
            return _verdict(False, f"{name}: your function changed x0 in place; work on a copy.")
        expected = np.array(case["iterates"])
        if xs.shape != expected.shape or not np.allclose(xs, expected, rtol=1e-9, atol=1e-12):
            return _verdict(False, f"{name}: from x0 = {case['x0']} with lr = {case['lr']} the "
                                   f"iterates should be {case['iterates']}, got {xs.tolist()}.")
    return _verdict(True, f"{name}: correct on x² and on the rotated quadratic.")


def stable_lr(answer) -> Feedback:
    """The largest learning rate for which GD converges on ½xᵀAx, A = [[1, 1], [1, 4]]."""
    return _number("stable_lr", answer, 0.4648162415, 1e-4,
                   "GD on a quadratic is stable iff α < 2/λmax: find λmax of A first.")


def best_lr(answer) -> Feedback:
    """The fixed learning rate that contracts fastest on ½xᵀAx, A = [[1, 1], [1, 4]]."""
    return _number("best_lr", answer, 0.4, 1e-4,
                   "Balance the slowest and the fastest direction: |1 − αλmin| = |1 − αλmax|.")
