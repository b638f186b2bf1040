"""Checks for chapter 1, gradient descent.

Every check validates what it receives (type, shape, finiteness) and answers in one sentence, never
with a traceback; it says the tolerance it uses, and a correct answer's message does not repeat the
number, so a check cell shows no answer on the website. Hints name the common mistakes by the
values they give, which are stored below with the expected values.
"""

from __future__ import annotations

import numpy as np

from ._core import Feedback, _not_a_number, _number, _verdict

# f(x) = x², f'(x) = 2x, x0 = 8.7, α = 0.2: x_{k+1} = 0.6 x_k.
_GD_1D = dict(x0=[8.7], lr=0.2, steps=3, iterates=[[8.7], [5.22], [3.132], [1.8792]])
# f = ½ xᵀAx with A = [[1, 1], [1, 4]], x0 = [8.7, −7.9], α = 0.2.
_GD_2D = dict(A=[[1.0, 1.0], [1.0, 4.0]], x0=[8.7, -7.9], lr=0.2, steps=2,
              iterates=[[8.7, -7.9], [8.54, -3.32], [7.496, -2.372]])

# Exercise gd-ex-rates: f = ½ xᵀAx with the second-difference matrix A = [[2, −1, 0], [−1, 2, −1],
# [0, −1, 2]], eigenvalues 2 − √2, 2, 2 + √2. Expected values as numbers, with the values that
# common mistakes give, so that the hint can name the mistake.
_RTOL = 1e-4
_STABLE_LR = 0.5857864376269050          # 2/λmax
_BEST_LR = 0.5                           # 2/(λmin + λmax)
_STEPS_NEEDED = 40                       # first k with ρ*^k ≤ 1e-6, ρ* = (κ − 1)/(κ + 1) = 1/√2
_TILTED_STABLE, _TILTED_BEST = 0.4648162415, 0.4   # the chapter's 2-D bowl, not this matrix
_TRACE_STEP = 1 / 3                      # 2/tr A: the 2-D shortcut, wrong in 3-D
_SAFE_STEP = 0.2928932188134524          # 1/L: safe, not fastest
_STEPS_FOR_F = 20                        # counts f's factor ρ*² instead of the distance's


def gradient_descent(func) -> Feedback:
    """Check ``func(grad, x0, lr, steps)``, which must return the iterates x_0 … x_steps."""
    name = "gradient_descent"
    A = np.array(_GD_2D["A"])
    cases = [(lambda x: 2 * x, _GD_1D), (lambda x: A @ x, _GD_2D)]
    for grad, case in cases:
        x0 = np.array(case["x0"], dtype=float)
        start = x0.copy()
        expected = np.array(case["iterates"])
        setting = f"from x0 = {case['x0']} with lr = {case['lr']} and steps = {case['steps']}"
        try:
            xs = func(grad, x0, case["lr"], case["steps"])
        except NotImplementedError:
            return _verdict(False, f"{name}: not implemented yet.")
        except Exception as error:  # the student's code failed: say how, without a traceback
            return _verdict(False, f"{name}: your function raised {type(error).__name__}: {error} "
                                   f"({setting}).")
        if not np.array_equal(x0, start):
            return _verdict(False, f"{name}: your function changed x0 in place; work on a copy.")
        if xs is None:
            return _verdict(False, f"{name}: your function returned None: "
                                   "is the `return` missing?")
        try:
            xs = np.asarray(xs, dtype=float)
        except (TypeError, ValueError):
            return _verdict(False, f"{name}: expected an array of iterates, one row per iterate, got "
                                   f"{type(xs).__name__} {_short(xs)}.")
        if xs.shape in {(len(expected),), (len(expected), 1)} and expected.shape[1] == 1:
            xs = xs.reshape(expected.shape)
        if xs.shape != expected.shape:
            return _verdict(False, f"{name}: {setting} expected {len(expected)} iterates x_0 … "
                                   f"x_{case['steps']} as an array of shape {expected.shape}, got shape "
                                   f"{xs.shape}. Include x0 and one row per step.")
        if not np.allclose(xs, expected, rtol=1e-9, atol=1e-12):
            return _verdict(False, f"{name}: {setting} the iterates should be {case['iterates']}, got "
                                   f"{np.round(xs, 6).tolist()} (compared to a relative tolerance of "
                                   f"1e-9).")
    return _verdict(True, f"{name}: correct on x² and on the tilted bowl.")


def stable_lr(answer) -> Feedback:
    """The largest learning rate for which GD converges on ½xᵀAx, A the 3×3 second-difference matrix."""
    hint = _named_mistake(answer, {
        _TILTED_STABLE: "That is the tilted bowl's bound; this exercise is about the 3×3 matrix A."},
        "Every mode's factor 1 − αλ must stay inside (−1, 1): which eigenvalue of A is the first to "
        "push its factor out as α grows?")
    return _number("stable_lr", answer, _STABLE_LR, _RTOL, hint)


def best_lr(answer) -> Feedback:
    """The fixed learning rate that minimizes ρ(α) on ½xᵀAx, A the 3×3 second-difference matrix."""
    hint = _named_mistake(answer, {
        _TILTED_BEST: "That is the tilted bowl's best step; this exercise is about the 3×3 matrix A.",
        _TRACE_STEP: "2/tr A is a 2-D shortcut: in 3-D the trace also counts the middle eigenvalue. "
                     "Which eigenvalues decide ρ(α)?",
        _SAFE_STEP: "1/L is a safe step, not the fastest one: ρ(α) is still falling there."},
        "ρ(α) is the larger of a factor that falls with α and one that rises with α: look where they "
        "meet.")
    return _number("best_lr", answer, _BEST_LR, _RTOL, hint)


def steps_needed(answer) -> Feedback:
    """Steps of GD with best_lr after which ‖x_k − x*‖ ≤ 1e-6 ‖x_0 − x*‖ holds from every x0."""
    name = "steps_needed"
    problem = _not_a_number(answer)
    if problem:
        return _verdict(False, f"{name}: {problem}")
    value = float(np.asarray(answer, dtype=float).item())
    if not value.is_integer():
        return _verdict(False, f"{name}: {value:.6g} is not a whole number of steps; the answer is the "
                               f"first whole k that meets the tolerance.")
    k = int(value)
    if k == _STEPS_NEEDED:
        return _verdict(True, f"{name}: correct (a whole number, checked exactly).")
    if k == _STEPS_FOR_F:
        hint = ("That counts the factor of f(x_k) − f*, which is the square of the distance's; the "
                "question asks about ‖x_k − x*‖.")
    elif k == _STEPS_NEEDED - 1:
        hint = "One step short: from the worst x0 the distance is still above 1e-6 there."
    else:
        hint = ("From the worst x0 each step multiplies the distance by ρ(best_lr): count the steps "
                "until the product is at most 1e-6.")
    return _verdict(False, f"{name}: {k} is not right (a whole number, checked exactly). {hint}")


def _named_mistake(answer, mistakes: dict, default: str) -> str:
    """The hint for a known wrong value (a number that a common mistake gives), else ``default``."""
    if _not_a_number(answer) is None:
        value = float(np.asarray(answer, dtype=float).item())
        for wrong, hint in mistakes.items():
            if np.isclose(value, wrong, rtol=_RTOL, atol=0):
                return hint
    return default


def _short(obj) -> str:
    text = repr(obj)
    return text if len(text) <= 60 else text[:57] + "..."
