"""Checks for chapter 6, adaptive methods."""

from __future__ import annotations

import numpy as np

from ._core import Feedback, _not_a_number, _number, _verdict

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


# Exercise ada-ex-bias: without bias correction the step on a constant gradient is α·(1 − β₁ᵗ)/√(1 − β₂ᵗ).
# Its largest value over t = 1, 2, … for β₁ = 0.9, β₂ = 0.99 (reached at t = 13), and the values that
# common mistakes give, so that the hint can name the mistake without giving the answer.
_BIAS_RTOL = 1e-3
_UNCORRECTED_PEAK = 2.131078349376523
_FIRST_STEP = 1.0                       # the factor at t = 1 only
_DEFAULT_PEAK = 6.56852025246924        # the peak for the default β₂ = 0.999, measured in the chapter
_PEAK_STEPS = (12, 13)                  # where the two peaks occur: a step, not a factor
_UPSIDE_DOWN = 1 / _UNCORRECTED_PEAK    # √v over m instead of m over √v


def uncorrected_factor(answer) -> Feedback:
    """Largest factor step/α of Adam without bias correction on a constant gradient, β₁ = 0.9, β₂ = 0.99."""
    name = "uncorrected_factor"
    problem = _not_a_number(answer)
    if problem:
        return _verdict(False, f"{name}: {problem}")
    value = float(np.asarray(answer, dtype=float).item())
    hint = "Write m_t and v_t for a constant gradient as functions of t (no correction), form the step, " \
           "and look at the step where it is largest."
    for wrong, why in ((_FIRST_STEP, "That is the factor of the first step; it changes with t."),
                       (_DEFAULT_PEAK, "That is the peak for the default β₂ = 0.999; this exercise uses "
                                       "β₂ = 0.99."),
                       (_UPSIDE_DOWN, "Your ratio is upside down: the step is the first moment divided by "
                                      "the root of the second."),
                       *((float(t), "That looks like the step at which the factor peaks; enter the factor "
                                    "itself.") for t in _PEAK_STEPS)):
        if np.isclose(value, wrong, rtol=_BIAS_RTOL, atol=0):
            hint = why
    return _number(name, value, _UNCORRECTED_PEAK, _BIAS_RTOL, hint)
