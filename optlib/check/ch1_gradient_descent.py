"""Checks for chapter 1, gradient descent.

Every check validates what it receives (type, shape, finiteness) and answers in one sentence, never
with a traceback; it says the tolerance it uses, and a correct answer's message does not repeat the
number, so a check cell shows no answer on the website. Hints name the common mistakes by the
values they give, which are stored below with the expected values.
"""

from __future__ import annotations

import numpy as np

from ._core import Feedback, _not_a_number, _short, _verdict

# Two cases with different learning rates, so that a function which ignores `lr` fails.
# f(x) = x², f'(x) = 2x, x0 = 8.7, α = 0.3: x_{k+1} = 0.4 x_k.
_GD_1D = dict(x0=[8.7], lr=0.3, steps=3, iterates=[[8.7], [3.48], [1.392], [0.5568]])
# f = ½ xᵀAx with A = [[1, 1], [1, 4]], x0 = [8.7, −7.9], α = 0.15 (worked by hand:
# g0 = (0.8, −22.9), g1 = (4.115, −9.28)).
_GD_2D = dict(A=[[1.0, 1.0], [1.0, 4.0]], x0=[8.7, -7.9], lr=0.15, steps=2,
              iterates=[[8.7, -7.9], [8.58, -4.465], [7.96275, -3.073]])
_GD_RTOL = 1e-9        # iterates: relative tolerance (double precision)
_SINGLE_RTOL = 1e-5    # agreement to about this much only: single-precision arithmetic

# Exercise gd-ex-rates: f = ½ xᵀAx with the second-difference matrix A = [[2, −1, 0], [−1, 2, −1],
# [0, −1, 2]], eigenvalues 2 − √2, 2, 2 + √2. Expected values as numbers, with the values that
# common mistakes give, so that the hint can name the mistake.
_RTOL = 1e-4
_CLOSE = 1e-2          # a wrong number this close (relative) is a rounding problem, not a wrong idea
_STABLE_LR = 0.5857864376269050          # 2/λmax
_BEST_LR = 0.5                           # 2/(λmin + λmax)
_STEPS_NEEDED = 40                       # first k with ρ*^k ≤ 1e-6, ρ* = (κ − 1)/(κ + 1) = 1/√2
_TILTED_STABLE, _TILTED_BEST = 0.4648162415, 0.4   # the chapter's 2-D bowl, not this matrix
_TRACE_STEP = 1 / 3                      # 2/tr A: the 2-D shortcut, wrong in 3-D
_SAFE_STEP = 0.2928932188134524          # 1/L: safe, not fastest, not the limit
_MIDDLE_LIMIT = 1.0                      # 2/λ_mid: the middle mode's limit, not the first to bind
_SMALLEST_LIMIT = 3.414213562373095      # 2/λmin: the slowest mode's limit
_STEPS_FOR_F = 20                        # counts f's factor ρ*² instead of the distance's
_WHOLE = 1e-9                            # a value this close to a whole number counts as that number


def gradient_descent(func) -> Feedback:
    """Check ``func(grad, x0, lr, steps)``, which must return the iterates x_0 … x_steps."""
    name = "gradient_descent"
    if not callable(func):
        return _verdict(False, f"{name}: expected a function gradient_descent(grad, x0, lr, steps), got "
                               f"{_short(func)} ({type(func).__name__}): pass the function itself, "
                               f"check.gradient_descent(gradient_descent).")
    A = np.array(_GD_2D["A"])
    for grad, case in [(lambda x: 2 * x, _GD_1D), (lambda x: A @ x, _GD_2D)]:
        problem = _gd_case(func, grad, case)
        if problem:
            return _verdict(False, f"{name}: {problem}")
    return _verdict(True, f"{name}: correct on x² and on the tilted bowl, with two learning rates "
                          f"(iterates compared to a relative tolerance of {_GD_RTOL:g}).")


def _gd_case(func, grad, case) -> str | None:
    """What is wrong with ``func`` on one case, in a sentence, or None."""
    x0 = np.array(case["x0"], dtype=float)
    start = x0.copy()
    expected = np.array(case["iterates"])
    setting = f"from x0 = {case['x0']} with lr = {case['lr']} and steps = {case['steps']}"
    try:
        xs = func(grad, x0, case["lr"], case["steps"])
    except NotImplementedError:
        return "not implemented yet."
    except Exception as error:  # the student's code failed: say how, without a traceback
        return f"your function raised {type(error).__name__}: {error} ({setting})."
    if not np.array_equal(x0, start):
        return "your function changed x0 in place; work on a copy."
    if xs is None:
        return "your function returned None: is the `return` missing?"
    if isinstance(xs, (list, tuple)) and any(a is b for a, b in zip(xs, xs[1:])
                                             if isinstance(a, np.ndarray)):
        return (f"{setting} some rows of your result are the same array object, so they all show its "
                "last value: an in-place update (x -= …) followed by append(x) stores one array many "
                "times. Append a copy, or write x = x - … to make a new array each step.")
    try:
        xs = np.asarray(xs)
        single = xs.dtype == np.float32
        xs = xs.astype(float)
    except (TypeError, ValueError):
        return (f"expected an array of iterates, one row per iterate, got {type(xs).__name__} "
                f"{_short(xs)}.")
    if xs.shape in {(len(expected),), (len(expected), 1)} and expected.shape[1] == 1:
        xs = xs.reshape(expected.shape)
    if xs.shape != expected.shape:
        return (f"{setting} expected {len(expected)} iterates x_0 … x_{case['steps']} as an array of "
                f"shape {expected.shape}, got shape {xs.shape}. Include x0 and one row per step.")
    if not np.all(np.isfinite(xs)):
        return f"{setting} your iterates are not all finite numbers: {_short(xs.tolist())}."
    if np.allclose(xs, expected, rtol=_GD_RTOL, atol=1e-12):
        return None
    if np.allclose(xs, expected, rtol=_SINGLE_RTOL, atol=1e-6):
        return (f"{setting} your iterates agree with the expected ones only to about 7 significant "
                f"digits, not to the relative tolerance of {_GD_RTOL:g}"
                + (": they are float32 numbers." if single else ": single-precision arithmetic?")
                + " Compute in float64 (np.asarray(x0, dtype=float)).")
    if np.all(xs == xs[0]) and np.allclose(xs[0], expected[-1], rtol=_GD_RTOL, atol=1e-12):
        return (f"{setting} every row of your result is the last iterate: all rows are the same "
                "array, updated in place (x -= …). Append a copy, or write x = x - ….")
    return (f"{setting} the iterates should be {case['iterates']}, got {np.round(xs, 6).tolist()} "
            f"(compared to a relative tolerance of {_GD_RTOL:g}).")


def stable_lr(answer) -> Feedback:
    """The largest learning rate for which GD converges on ½xᵀAx, A the 3×3 second-difference matrix."""
    return _number_check("stable_lr", answer, _STABLE_LR, {
        _TILTED_STABLE: "That is the tilted bowl's bound; this exercise is about the 3×3 matrix A.",
        _SAFE_STEP: "That is 1/L, the step with the largest guaranteed decrease in the descent lemma; "
                    "gradient descent still converges with longer steps. How far can α grow before a "
                    "factor |1 − αλ| reaches 1?",
        _BEST_LR: "That is the best step, the one where ρ(α) is smallest; longer steps still converge, "
                  "only more slowly. The limit is where ρ(α) reaches 1.",
        _MIDDLE_LIMIT: "That is where the middle eigenvalue's factor reaches −1, but another "
                       "eigenvalue's factor leaves (−1, 1) earlier.",
        _SMALLEST_LIMIT: "That keeps only the smallest eigenvalue's factor inside (−1, 1); the "
                         "factors of the larger eigenvalues leave it much earlier."},
        "Every mode's factor 1 − αλ must stay inside (−1, 1): which eigenvalue of A is the first to "
        "push its factor out as α grows?")


def best_lr(answer) -> Feedback:
    """The fixed learning rate that minimizes ρ(α) on ½xᵀAx, A the 3×3 second-difference matrix."""
    return _number_check("best_lr", answer, _BEST_LR, {
        _TILTED_BEST: "That is the tilted bowl's best step; this exercise is about the 3×3 matrix A.",
        _TRACE_STEP: "2/tr A is a 2-D shortcut: in 3-D the trace also counts the middle eigenvalue. "
                     "Which eigenvalues decide ρ(α)?",
        _SAFE_STEP: "1/L is a safe step, not the fastest one: ρ(α) is still falling there.",
        _STABLE_LR: "That is the stability limit: ρ(α) = 1 there, so the top mode does not shrink at "
                    "all. The best step is where ρ(α) is smallest."},
        "ρ(α) is the larger of a factor that falls with α and one that rises with α: look where they "
        "meet.")


def steps_needed(answer) -> Feedback:
    """Steps of GD with best_lr after which ‖x_k − x*‖ ≤ 1e-6 ‖x_0 − x*‖ holds from every x0."""
    name = "steps_needed"
    tolerance = f"compared as a whole number, to a tolerance of {_WHOLE:g} for rounding"
    problem = _not_a_number(answer)
    if problem:
        return _verdict(False, f"{name}: {problem}")
    value = _value(answer)
    if abs(value - round(value)) > _WHOLE:
        return _verdict(False, f"{name}: {value!r} is not a whole number of steps; the answer is the "
                               f"first whole k at which the distance condition holds ({tolerance}).")
    k = round(value)
    if k == _STEPS_NEEDED:
        return _verdict(True, f"{name}: correct ({tolerance}).")
    if k == _STEPS_FOR_F:
        hint = ("That counts the factor of f(x_k) − f*, which is the square of the distance's; the "
                "question asks about ‖x_k − x*‖.")
    elif k == _STEPS_NEEDED - 1:
        hint = "One step short: from the worst x0 the distance is still above 1e-6 there."
    elif k < 0:
        hint = "A number of steps cannot be negative."
    else:
        hint = ("From the worst x0 each step multiplies the distance by ρ(best_lr): count the steps "
                "until the product is at most 1e-6.")
    return _verdict(False, f"{name}: {k:.15g} is not right ({tolerance}). {hint}")


def _number_check(name: str, answer, expected: float, mistakes: dict, hint: str) -> Feedback:
    """Compare one number with ``expected`` to the relative tolerance _RTOL, which the message states.

    A wrong value that a common mistake gives gets that mistake's hint; one within _CLOSE of the
    answer gets a hint about rounding; any other gets ``hint``.
    """
    problem = _not_a_number(answer)
    if problem:
        return _verdict(False, f"{name}: {problem}")
    value = _value(answer)
    tolerance = f"a relative tolerance of {_RTOL:g}"
    if np.isclose(value, expected, rtol=_RTOL, atol=0):
        return _verdict(True, f"{name}: correct (to {tolerance}).")
    named = [text for wrong, text in mistakes.items() if np.isclose(value, wrong, rtol=_RTOL, atol=0)]
    if named:
        hint = named[0]
    elif np.isclose(value, expected, rtol=_CLOSE, atol=0):
        hint = ("Close, but outside the tolerance: keep at least 5 significant digits, or better, assign "
                "the computed expression instead of a typed decimal.")
    return _verdict(False, f"{name}: {value:.6g} is not within {tolerance} of the expected value. {hint}")


def _value(answer) -> float:
    return float(np.asarray(answer, dtype=float).item())
