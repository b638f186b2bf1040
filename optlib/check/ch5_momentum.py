"""Checks for chapter 5, momentum and Nesterov."""

from __future__ import annotations

import numpy as np

from ._core import Feedback, _number, _verdict

# The moving-average (EMA) form on f = x² from 1 with α = 0.1, β = 0.9: v = 0.2, 0.376, 0.52688.
_EMA = dict(x0=1.0, alpha=0.1, beta=0.9, steps=3, iterates=[[1.0], [0.98], [0.9424], [0.889712]])


def momentum_ema(func) -> Feedback:
    """Check ``func(grad, x0, alpha, beta, steps)``: the EMA form v ← βv + (1 − β)∇f, x ← x − αv."""
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
    """optlib.Momentum's lr that reproduces the moving-average form with α = 0.5, β = 0.9."""
    return _number("equivalent_lr", answer, 0.05, 1e-6,
                   "Write the moving-average velocity as a multiple of optlib's v, then compare the "
                   "updates of x.")


# Exercise mom-ex-optimal: curvatures in [μ, L] = [1, 144], κ = 144, ρ* = 11/13, GD's rate 143/145.
_OPTIMAL = dict(beta=0.7159763313609467, rho=11 / 13, steps_momentum=83, steps_gd=995)


def _as_float(answer):
    try:
        return float(answer)
    except (TypeError, ValueError):
        return None


def optimal_beta(answer) -> Feedback:
    """Polyak's optimal momentum for curvatures in [1, 144]."""
    hint = "β* is the square of the per-step rate ρ* of the optimal heavy ball, with κ = L/μ."
    if _as_float(answer) is not None and np.isclose(_as_float(answer), _OPTIMAL["rho"], rtol=1e-6):
        hint = "That is ρ*, the per-step rate; the optimal momentum is its square."
    return _number("optimal_beta", answer, _OPTIMAL["beta"], 1e-6, hint)


def _steps_hint(answer, expected: int, factor: str) -> str:
    hint = (f"Take logarithms of ({factor})^k < 10⁻⁶; dividing by a negative logarithm flips the "
            "inequality, and k is the first integer that satisfies it.")
    if _as_float(answer) == expected - 1:
        hint = f"At that k the factor ({factor})^k is still above 10⁻⁶: one more step is needed."
    return hint


def steps_momentum(answer) -> Feedback:
    """Smallest k with ρ*^k < 1e-6 for κ = 144."""
    expected = _OPTIMAL["steps_momentum"]
    return _number("steps_momentum", answer, expected, 1e-9, _steps_hint(answer, expected, "ρ*"))


def steps_gd(answer) -> Feedback:
    """Smallest k with ((κ − 1)/(κ + 1))^k < 1e-6 for κ = 144."""
    expected = _OPTIMAL["steps_gd"]
    return _number("steps_gd", answer, expected, 1e-9,
                   _steps_hint(answer, expected, "gradient descent's best rate"))
