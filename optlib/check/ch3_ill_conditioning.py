"""Checks for chapter 3, ill-conditioning, cliffs and exploding gradients.

Every check validates what it receives (type, shape, finiteness) and answers in one sentence, never
with a traceback; it says the tolerance it uses, and a correct answer's message does not repeat the
answer. The mistakes the chapter warns about are recognised by the values they give, stored below as
numbers next to the expected values (``tests/test_check_ch3.py`` recomputes every one with optlib).
"""

from __future__ import annotations

import numpy as np

from ._core import (
    Feedback,
    _frame_answer,
    _not_a_number,
    _number,
    _one_number_problem,
    _short,
    _signature_problem,
    _verdict,
    _whole_number,
)

# Exercise ill-ex-best-step: best_step(grad, x) -> η* = gᵀg / gᵀHg from gradients alone. Two cases: a
# quadratic ½xᵀAx with a non-diagonal A (there central differences are exact for every h), and the
# Rosenbrock function with b = 10 at a point where H is indefinite but gᵀHg > 0 (there the difference
# step matters). Next to each expected η*, the values of the mistakes: the ratio upside down, the
# step 2η* at which f is back at f(x), and ‖g‖ where gᵀg belongs.
_QUAD_A = [[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]]
_BEST_STEP_CASES = (
    dict(what="on ½ xᵀAx with A = [[3, 1, 0], [1, 2, 0.5], [0, 0.5, 1]] at x = (1, −2, 0.5)",
         kind="quadratic", x=[1.0, -2.0, 0.5], expected=0.618421052631579,
         inverted=1.6170212765957446, doubled=1.236842105263158, unsquared=0.2083217910006652),
    dict(what="on the Rosenbrock function (a = 1, b = 10) at x = (−0.5, 0.8)",
         kind="rosenbrock", x=[-0.5, 0.8], expected=0.031144781144781145,
         inverted=32.108108108108105, doubled=0.06228956228956229, unsquared=0.0022898098499554618),
)
_STEP_RTOL = 1e-5      # finite differences of a smooth function with a sensible h get well within this
_MISTAKE_RTOL = 1e-3   # a result this close to a stored mistake is that mistake

# Exercise ill-ex-nonnormal: W = [[λ, a], [0, λ]] with λ = 0.92, a = 1; the top-right entry of W^t is
# t λ^(t−1) a, largest at the whole t = 12 (it grows while λ(t + 1)/t > 1, i.e. t < λ/(1 − λ) = 11.5).
_PEAK_T = 12
_PEAK_VALUE = 4.795648534628901            # 12 · 0.92^11
_PEAK_T_TIMES_LAMBDA = 4.411996651858589   # 12 · 0.92^12: the exponent t instead of t − 1
_PEAK_AT_11 = 4.778272996459956            # 11 · 0.92^10
_PEAK_AT_13 = 4.779663039513471            # 13 · 0.92^12
# The maximum over real t (at t = −1/ln λ ≈ 11.99) is within 2e-7 of the whole-t one and passes: harmless.
_VALUE_RTOL = 1e-6     # the value of the entry: compute it, do not type a rounded decimal
_CLOSE = 1e-2

# Exercise ill-ex-clip: the cliff explorer (η = 0.1, 200 steps from u = −3, clipping by norm) over its
# thresholds; f(x_200) − f* per frame, and the largest gradient norm met by the plain run (98.9971…),
# which the frame 100 exceeds, so that only there clipping never acts.
_TAU_FRAMES = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
_BEST_TAU = 0.3
_UNCLIPPED_TAU = 100.0
_FRAME_TOL = 1e-9


def best_step(func) -> Feedback:
    """Check ``func(grad, x)``, which must return η* = gᵀg / gᵀHg at x using only ``grad``."""
    name = "best_step"
    if not callable(func):
        return _verdict(False, f"{name}: expected a function best_step(grad, x), got {_short(func)} "
                               f"({type(func).__name__}): pass the function itself, "
                               "check.best_step(best_step), without calling it.")
    problem = _signature_problem(func, "best_step(grad, x)", None, None)
    for number, case in enumerate(_BEST_STEP_CASES):
        problem = problem or _best_step_case(func, case, later=number > 0)
    if problem:
        return _verdict(False, f"{name}: {problem}")
    return _verdict(True, f"{name}: correct on a quadratic and on the Rosenbrock function (relative "
                          f"tolerance {_STEP_RTOL:g}), and x is left unchanged.")


def _objective(kind: str):
    if kind == "quadratic":
        A = np.array(_QUAD_A)
        return lambda x: A @ np.asarray(x, dtype=float)

    def rosenbrock_grad(x):
        u, w = np.asarray(x, dtype=float)
        return np.array([-2 * (1 - u) - 40 * u * (w - u**2), 20 * (w - u**2)])

    return rosenbrock_grad


def _best_step_case(func, case, later: bool) -> str | None:
    """What is wrong with ``func`` on one case, in a sentence, or None."""
    x = np.array(case["x"])
    start = x.copy()
    what = case["what"]
    try:
        result = func(_objective(case["kind"]), x)
    except NotImplementedError:
        return "not implemented yet."
    except Exception as error:  # the student's code failed: say how, without a traceback
        text = str(error)
        short = text if len(text) <= 60 else text[:57] + "..."
        return f"your function raised {type(error).__name__} ({short}) {what}."
    if not np.array_equal(x, start):
        return ("your function changed the caller's x (an in-place update such as x += h * v); build the "
                "shifted points as new arrays, x + h * v.")
    if isinstance(result, np.ndarray) and result.size > 1:
        return (f"your function returned an array of shape {result.shape} {what}; η* is one number, a ratio "
                "of two inner products (gᵀg and gᵀHg are numbers, not elementwise products).")
    problem = _not_a_number(result)
    if problem:
        if result is None:
            return "your function returned None: is the `return` missing?"
        return f"your function's result: {problem}"
    value = float(np.asarray(result, dtype=float).item())
    if np.isclose(value, case["expected"], rtol=_STEP_RTOL, atol=0):
        return None
    tolerance = f"(relative tolerance {_STEP_RTOL:g})"
    if np.isclose(value, case["inverted"], rtol=_MISTAKE_RTOL):
        return (f"your value is the ratio upside down {what} {tolerance}: the best step is the decrease per "
                "unit step divided by the curvature along −g, and the second-order model is minimized "
                "where its derivative in η vanishes.")
    if np.isclose(value, case["doubled"], rtol=_MISTAKE_RTOL):
        return (f"your value is twice the best step {what} {tolerance}: that is where the model is back at "
                "f(x), the first step that no longer lowers f, not where it is lowest.")
    if np.isclose(value, case["unsquared"], rtol=_MISTAKE_RTOL):
        return (f"your numerator is the norm ‖g‖ {what} {tolerance}; the first-order term of the model is "
                "η gᵀg, the squared norm.")
    if value < 0 and np.isclose(-value, case["expected"], rtol=_MISTAKE_RTOL):
        return f"your value has the wrong sign {what} {tolerance}: a step along −g is a positive η."
    if later:
        return (f"your value {value:.6g} is not the best step {what} {tolerance}, although the quadratic "
                "case passed: on a quadratic the gradient is affine and any difference step is exact, "
                "elsewhere it is not. Use central differences of grad along g with a small step (a "
                "distance of about 1e-5 along the unit vector g/‖g‖).")
    return (f"your value {value:.6g} is not the best step {what} {tolerance}: compute g = grad(x), then Hg "
            "by central differences of grad along g, and divide gᵀg by gᵀ(Hg). Mind the factor 2h of the "
            "central difference.")


def peak_t(answer) -> Feedback:
    """The whole t ≥ 1 at which the top-right entry of W^t, W = [[0.92, 1], [0, 0.92]], is largest."""
    off = ("Compare consecutive entries: the entry at t + 1 divided by the entry at t is λ(t + 1)/t; the "
           "entry grows while that ratio exceeds 1. Check on which side of the boundary your t lies.")
    return _whole_number("peak_t", answer, _PEAK_T, "the whole power t at which the entry is largest",
                         {_PEAK_T - 1: off, _PEAK_T + 1: off,
                          0: "At t = 0 the product is the identity, whose top-right entry is 0."},
                         "Write the top-right entry of W^t as a function of t (prove the form by induction), "
                         "then find the whole t at which it stops growing.", lowest=1,
                         why_not=_one_number_problem)


def peak_value(answer) -> Feedback:
    """The largest top-right entry of W^t over whole t, for W = [[0.92, 1], [0, 0.92]]."""
    name = "peak_value"
    problem = _one_number_problem(answer)
    if problem:
        return _verdict(False, f"{name}: {problem}")
    value = float(np.asarray(answer, dtype=float).item())
    mistakes = {
        _PEAK_T_TIMES_LAMBDA: "That is t λ^t; check the exponent of λ in the top-right entry of W^t for "
                              "small t (W² has the entry 2λa).",
        _PEAK_AT_11: "That is the entry at a t one below the best one.",
        _PEAK_AT_13: "That is the entry at a t one above the best one."}
    named = [text for wrong, text in mistakes.items() if np.isclose(value, wrong, rtol=_VALUE_RTOL, atol=0)]
    if named:
        hint = named[0]
    elif np.isclose(value, _PEAK_VALUE, rtol=_CLOSE, atol=0):
        hint = ("Close, but outside the tolerance: assign the computed expression rather than a typed "
                "decimal.")
    else:
        hint = ("Evaluate the top-right entry of W^t at the t where it is largest (the first part of the "
                "exercise).")
    return _number(name, value, _PEAK_VALUE, _VALUE_RTOL, hint)


def best_threshold(answer) -> Feedback:
    """The explorer's threshold frame with the lowest f(x_200) − f* under clipping by norm."""
    return _frame_answer("best_threshold", answer, _BEST_TAU, _TAU_FRAMES, "τ", {
        0.1: "With the smallest threshold every step on the slope is clipped too: look at where that run is "
             "after 200 steps.",
        1.0: "Close, but another frame ends lower: compare the values of f − f* in the caption.",
        100.0: "At that threshold clipping never acts: it is the plain run."},
        "Compare f − f* at the end of the norm-clipped run, in the caption, for every frame.")


def unclipped_threshold(answer) -> Feedback:
    """The smallest threshold frame at which clipping by norm leaves the run unchanged."""
    return _frame_answer("unclipped_threshold", answer, _UNCLIPPED_TAU, _TAU_FRAMES, "τ", {
        30.0: "At that threshold the run is still clipped on the wall: compare its longest step with the "
              "plain "
              "run's."},
        "Clipping acts only on gradients longer than τ: compare τ with the largest gradient norm the plain "
        "run "
        "meets, or the clipped run's longest step with the plain run's.")


