"""Feedback on exercises.

Each check takes the student's answer and returns a :class:`Feedback` whose repr is the message, so
the last line of a cell prints it. Expected values are stored here as numbers, never as reference
code. With ``OPTLIB_CHECK_STRICT=1`` (as in ``make test``) a wrong answer raises AssertionError, so the
book's own solutions are tested.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

STRICT_ENV = "OPTLIB_CHECK_STRICT"


@dataclass(frozen=True)
class Feedback:
    correct: bool
    message: str

    def __repr__(self) -> str:
        return ("✔ " if self.correct else "✘ ") + self.message


def _verdict(correct: bool, message: str) -> Feedback:
    if not correct and os.environ.get(STRICT_ENV) == "1":
        raise AssertionError(message)
    return Feedback(correct, message)


def _number(name: str, answer, expected: float, rtol: float, hint: str) -> Feedback:
    if answer is Ellipsis or answer is None:
        return _verdict(False, f"{name}: replace `...` with your answer.")
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return _verdict(False, f"{name}: expected a number, got {answer!r}.")
    if np.isclose(value, expected, rtol=rtol, atol=0):
        return _verdict(True, f"{name}: correct, {value:.6g}.")
    return _verdict(False, f"{name}: {value:.6g} is not right. {hint}")


# --- Chapter 1: gradient descent --------------------------------------------------------------

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


# --- Chapter 5: momentum ----------------------------------------------------------------------

# Park's EMA form on f = x² from 1 with α = 0.1, β = 0.9: v = 0.2, 0.376, 0.52688.
_EMA = dict(x0=1.0, alpha=0.1, beta=0.9, steps=3, iterates=[[1.0], [0.98], [0.9424], [0.889712]])


def momentum_ema(func) -> Feedback:
    """Check ``func(grad, x0, alpha, beta, steps)`` implementing v ← βv + (1 − β)∇f, x ← x − αv."""
    name = "momentum_ema"
    try:
        xs = func(lambda x: 2 * x, np.array([_EMA["x0"]]), _EMA["alpha"], _EMA["beta"], _EMA["steps"])
    except NotImplementedError:
        return _verdict(False, f"{name}: not implemented yet.")
    xs = np.asarray(xs, dtype=float).reshape(-1, 1)
    if xs.shape == (4, 1) and np.allclose(xs, _EMA["iterates"], rtol=1e-9):
        return _verdict(True, f"{name}: correct on x² from 1 with α = 0.1, β = 0.9.")
    return _verdict(False, f"{name}: on x² from 1 with α = 0.1, β = 0.9 the iterates should be "
                           f"{np.ravel(_EMA['iterates']).tolist()}, got {xs.ravel().tolist()}.")


def equivalent_lr(answer) -> Feedback:
    """optlib.Momentum's lr equal to Park's α = 0.5 with β = 0.9."""
    return _number("equivalent_lr", answer, 0.05, 1e-6,
                   "Write Park's v as a multiple of DLB's v and compare the updates of x.")


def optimal_beta(answer) -> Feedback:
    """Polyak's optimal momentum for κ = 100."""
    return _number("optimal_beta", answer, 0.6694214876, 1e-6,
                   "β* = ((√κ − 1)/(√κ + 1))² with κ = L/μ.")


def steps_momentum(answer) -> Feedback:
    """Smallest k with ρ*^k < 1e-6 for κ = 100."""
    return _number("steps_momentum", answer, 69, 1e-9, "Solve (9/11)^k < 1e-6 for the smallest integer k.")


def steps_gd(answer) -> Feedback:
    """Smallest k with ((κ − 1)/(κ + 1))^k < 1e-6 for κ = 100."""
    return _number("steps_gd", answer, 691, 1e-9, "Solve (99/101)^k < 1e-6 for the smallest integer k.")


# --- Chapter 6: adaptive methods --------------------------------------------------------------

# Adam on f = x² from x = 1 with lr 0.1 and default betas: two steps (t = 1, 2), g = 2x.
_ADAM = [dict(t=1, g=2.0, x=0.9000000005, m=0.2, v=0.004),
         dict(t=2, g=1.800000001, x=0.8004122287, m=0.3600000001, v=0.007236000004)]


def adam_update(func) -> Feedback:
    """Check ``func(x, g, m, v, t, lr, beta1, beta2, eps) -> (x, m, v)`` against two worked steps."""
    name = "adam_update"
    x, m, v = np.array([1.0]), np.zeros(1), np.zeros(1)
    for case in _ADAM:
        try:
            x, m, v = func(x, 2 * x, m, v, case["t"], 0.1, 0.9, 0.999, 1e-8)
        except NotImplementedError:
            return _verdict(False, f"{name}: not implemented yet.")
        got = np.array([np.ravel(x)[0], np.ravel(m)[0], np.ravel(v)[0]], dtype=float)
        want = np.array([case["x"], case["m"], case["v"]])
        if not np.allclose(got, want, rtol=1e-6):
            return _verdict(False, f"{name}: at t = {case['t']} on x² from 1 (lr 0.1) expected "
                                   f"(x, m, v) ≈ {want.round(6).tolist()}, got {got.round(6).tolist()}. "
                                   "Did you correct both moments with the step number t?")
    return _verdict(True, f"{name}: correct on two steps of x² from 1.")


def uncorrected_factor(answer) -> Feedback:
    """First-step factor of Adam without bias correction for β₁ = 0.9, β₂ = 0.99."""
    return _number("uncorrected_factor", answer, 1.0, 1e-6,
                   "Write m₁ and v₁ for a constant gradient and divide.")
