"""Checks for chapter 6, adaptive methods."""

from __future__ import annotations

import numpy as np

from ._core import Feedback, _number, _verdict

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
