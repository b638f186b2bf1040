"""Checks for chapter 5, momentum and Nesterov."""

from __future__ import annotations

import numpy as np

from ._core import Feedback, _number, _verdict

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
