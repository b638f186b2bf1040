"""Checks for chapter 9, second-order methods.

Every check validates what it receives (type, shape, finiteness) and answers in one sentence, never with a
traceback; it says the tolerance it uses, and a correct answer's message does not repeat the number. Hints
name the mistakes the chapter warns about by the values they give, stored below next to the expected values
(numbers, not reference code; ``tests/test_check_ch9.py`` recomputes every one of them with optlib).
"""

from __future__ import annotations

import inspect

import numpy as np

from ._core import (
    Feedback,
    _calls,
    _frame_answer,
    _number_with_mistakes,
    _one_number_problem,
    _short,
    _verdict,
)

# Exercise so-ex-bfgs: two cases. The first is worked by hand in the chapter's tests: M = I, s = (1, 0),
# y = (2, 1) give ρ = ½, V = [[0, −½], [0, 1]] and M⁺ = V Vᵀ + ½ s sᵀ = [[¾, −½], [−½, 1]]. The second has a
# non-diagonal M (a function that drops M, or transposes the wrong factor, fails it), with yᵀs = 0.475.
# Next to each expected matrix, those that the chapter's mistakes give: the DFP update, the BFGS update of
# the Hessian estimate B instead of its inverse, the update without its ρ s sᵀ term, and V and Vᵀ swapped.
_BFGS_CASES = (
    dict(M=[[1.0, 0.0], [0.0, 1.0]], s=[1.0, 0.0], y=[2.0, 1.0],
         expected=[[0.75, -0.5], [-0.5, 1.0]],
         dfp=[[0.7, -0.4], [-0.4, 0.8]],
         direct=[[2.0, 1.0], [1.0, 1.5]],
         no_ss=[[0.25, -0.5], [-0.5, 1.0]],
         swapped=[[0.5, 0.0], [0.0, 1.25]]),
    dict(M=[[2.0, 0.5, 0.0], [0.5, 1.0, 0.25], [0.0, 0.25, 0.5]], s=[0.3, -0.4, 0.5], y=[0.7, -0.1, 0.45],
         expected=[[0.8826038781163436, 0.6240720221606646, -0.567590027700831],
                   [0.6240720221606646, 2.6556232686980605, -1.2695290858725758],
                   [-0.567590027700831, -1.2695290858725758, 1.7119113573407199]],
         dfp=[[0.3646927079902511, -0.24261906330281274, 0.04545155128120676],
              [-0.24261906330281274, 1.2052713918714184, -0.24364337000197614],
              [0.04545155128120676, -0.24364337000197614, 0.9862657268954613]],
         direct=[[2.378517722878625, 0.5567132116004296, 0.41825993555316865],
                 [0.5567132116004296, 0.9572771213748658, 0.23179377013963479],
                 [0.41825993555316865, 0.23179377013963479, 0.8344790547798067]],
         no_ss=[[0.6931301939058171, 0.8767036011080331, -0.8833795013850416],
                [0.8767036011080331, 2.318781163434903, -0.8484764542936287],
                [-0.8833795013850415, -0.8484764542936287, 1.185595567867036]],
         swapped=[[1.5426038781163431, 0.4397783933518005, 0.05783933518005535],
                  [0.4397783933518005, 1.2950692520775622, -0.06991689750692515],
                  [0.05783933518005541, -0.06991689750692515, 0.9619944598337951]]),
)
_MATRIX_RTOL = 1e-9    # matrices: relative tolerance (double precision)
_MISTAKE_RTOL = 1e-6   # a result this close to a stored mistake is that mistake
_SINGLE_RTOL = 1e-5    # a result this close, but not within _MATRIX_RTOL, was computed in single precision

# Exercise so-ex-secant: f(x) = x⁴, x0 = 1, x1 = 0.5: s = −0.5, y = f'(x1) − f'(x0) = 0.5 − 4 = −3.5.
_RTOL = 1e-4
_SECANT = 7.0
_SECANT_MISTAKES = {
    12.0: "That is f''(x0) = 12x0², the curvature at the start only; the secant pair sees the whole step.",
    3.0: "That is f''(x1), the curvature at the end only; the secant pair sees the whole step.",
    7.5: "That is the mean of f'' at the two ends; the secant estimate is the mean of f'' *along* the step, "
         "which for f'' = 12x² is not the same.",
    1 / 7: "That is s/y, the estimate of the inverse curvature (BFGS's M); the exercise asks for B = y/s.",
    -7.0: "Check the signs: s and y are both negative here, so their ratio is positive.",
    -3.5: "That is y itself; divide it by the step s.",
    -0.5: "That is the step s itself; the curvature estimate is y/s.",
    1.75: "Did you use f'(x) = x³ instead of 4x³?",
    3.5: "That is the size of y alone; divide y by the step s (both with their signs).",
    0.5: "That is the size of the step s alone; the curvature estimate is y/s.",
}

# Exercise so-ex-damping: the explorer's frames at η = 1 from w0 = (0.2, 0.05), 40 iterations. The
# chapter's cell asserts: α = 0 and 0.5 end on the saddle; α = 1 and 1.5 reach L < 1e-10 but L rises on
# the way; α = 2.5 and 5 descend monotonically to L < 1e-10.
_DAMPING_FRAMES = (0.0, 0.5, 1.0, 1.5, 2.5, 5.0)
_SMALLEST_MONOTONE = 2.5
_FRAME_TOL = 1e-9
_DAMPING_HINTS = {
    0.0: "At α = 0 (plain Newton) the run ends on the saddle, where L = 1: it never reaches the valley.",
    0.5: "At α = 0.5 the run still ends on the saddle: H + 0.5I is indefinite there.",
    1.0: "At α = 1 the run does reach the valley, but look at the loss curve: L rises on some iterations.",
    1.5: "At α = 1.5 the run reaches the valley, but L rises on some iterations on the way.",
    5.0: "At α = 5 L does fall monotonically to the valley; is it the smallest frame that does?",
}


_MISTAKE_HINTS = {
    "dfp": "that is the DFP update, the other classic quasi-Newton formula; BFGS applies (I − ρ s yᵀ) on "
           "both sides of M and adds ρ s sᵀ.",
    "direct": "that is the BFGS update of the Hessian estimate B (for which B⁺s = y), not of its inverse M "
              "(for which M⁺y = s).",
    "no_ss": "the term ρ s sᵀ is missing; without it the secant condition M⁺y = s fails.",
    "swapped": "the two factors are swapped: the left one is I − ρ s yᵀ and the right one its transpose "
               "I − ρ y sᵀ.",
}


def bfgs_update(func) -> Feedback:
    """Check ``func(M, s, y)``, which must return the BFGS update of the inverse-Hessian estimate M."""
    name = "bfgs_update"
    if not callable(func):
        return _verdict(False, f"{name}: expected a function bfgs_update(M, s, y), got {_short(func)} "
                               f"({type(func).__name__}): pass the function itself, without calling it.")
    if _is_optlibs(func):
        return _verdict(False, f"{name}: that is optlib's own second_order.bfgs_update; write the update "
                               "yourself, from the formula in the chapter, with numpy.")
    try:
        signature = inspect.signature(func)
        signature.bind(None, None, None)
    except ValueError:
        pass
    except TypeError:
        return _verdict(False, f"{name}: the check calls your function with three arguments, "
                               f"bfgs_update(M, s, y), but its signature is {inspect.signature(func)}.")
    for number, case in enumerate(_BFGS_CASES):
        problem = _bfgs_case(func, case, later=number > 0)
        if problem:
            return _verdict(False, f"{name}: {problem}")
    return _verdict(True, f"{name}: correct on two cases, one with a non-diagonal M (matrices compared to a "
                          f"relative tolerance of {_MATRIX_RTOL:g}), and M, s, y are left unchanged.")


def _bfgs_case(func, case, later: bool) -> str | None:
    M, s, y = (np.array(case[key], dtype=float) for key in ("M", "s", "y"))
    originals = (M.copy(), s.copy(), y.copy())
    setting = f"for M = {case['M']}, s = {case['s']}, y = {case['y']}"
    try:
        result = func(M, s, y)
    except NotImplementedError:
        return "not implemented yet."
    except (Exception, SystemExit) as error:  # the student's code failed, even by exit(): say how
        text = str(error) if len(str(error)) <= 60 else str(error)[:57] + "..."
        return f"your function raised {type(error).__name__} ({text}) {setting}."
    if not all(np.array_equal(a, b) for a, b in zip((M, s, y), originals)):
        return (f"your function changed its arguments in place {setting}; compute the new matrix without "
                "modifying M, s or y (M = M + … makes a new array, M += … does not).")
    if result is None:
        return "your function returned None: is the `return` missing?"
    problem = _not_a_matrix(result)
    if problem:
        return problem
    result = np.asarray(result, dtype=float)
    expected = np.array(case["expected"])
    if result.shape != expected.shape:
        return (f"expected an {len(expected)}×{len(expected)} matrix {setting}, got shape {result.shape}: "
                "the update is a matrix of the size of M (np.outer(s, y) is a matrix, s @ y a number).")
    if not np.all(np.isfinite(result)):
        return f"your matrix has entries that are not finite (nan or inf) {setting}."
    tolerance = f"(compared to a relative tolerance of {_MATRIX_RTOL:g})"
    if np.allclose(result, expected, rtol=_MATRIX_RTOL, atol=1e-12):
        return None
    if np.allclose(result, expected, rtol=_SINGLE_RTOL, atol=1e-6):
        return (f"your matrix is right only to about single precision {setting} {tolerance}: compute in "
                "float64 (np.float32 or float32 inputs keep about 7 digits).")
    for key, hint in _MISTAKE_HINTS.items():
        if np.allclose(result, case[key], rtol=_MISTAKE_RTOL, atol=1e-12):
            return f"{hint} ({setting})"
    if not np.allclose(result, result.T, rtol=1e-9, atol=1e-12):
        return f"your matrix is not symmetric {setting}; the BFGS update of a symmetric M is symmetric."
    if not np.allclose(result @ y, s, rtol=1e-6, atol=1e-9):
        return (f"your matrix does not satisfy the secant condition M⁺y = s {setting} {tolerance}: check ρ = "
                "1/(yᵀs) and the order of s and y in the outer products."
                + (" The first case passed: does your function use the M it is given?" if later else ""))
    return (f"your matrix satisfies the secant condition but is not the BFGS update {setting} {tolerance}."
            + (" The first case (M = I) passed: check how M enters the formula." if later else ""))


def _is_optlibs(func) -> bool:
    """True for optlib's bfgs_update itself or a function that calls it, run on the first case."""
    from .. import second_order

    M, s, y = (np.array(_BFGS_CASES[0][key], dtype=float) for key in ("M", "s", "y"))
    return _calls(func, second_order.bfgs_update, M, s, y)


def _not_a_matrix(result) -> str | None:
    if isinstance(result, (str, bytes, dict, set)) or callable(result):
        return f"your function returned a {type(result).__name__}; return the new matrix as a numpy array."
    try:
        kind = np.asarray(result).dtype.kind
    except (TypeError, ValueError):
        kind = "O"
    if kind not in "iuf":
        return f"expected a matrix of numbers, got {_short(result)}."
    return None


def secant_curvature(answer) -> Feedback:
    """The secant estimate y/s of the curvature of f(x) = x⁴ over the step from 1 to 0.5."""
    return _number_with_mistakes("secant_curvature", answer, _SECANT, _RTOL, _SECANT_MISTAKES,
                                 "Compute s = x1 − x0 and y = f'(x1) − f'(x0) with f'(x) = 4x³, then divide.")


def smallest_monotone_damping(answer) -> Feedback:
    """The smallest damping frame at η = 1 whose run reaches L < 1e-10 with L never rising."""
    off_frame = {2.0: "α = 2 is where H + αI stops being indefinite at the saddle, but it is not a frame of "
                      "the explorer: the exercise asks for the smallest frame."}
    name = "smallest_monotone_damping"
    if not _one_number_problem(answer):      # a near miss of a frame: show the value with all its digits
        value = float(np.asarray(answer, dtype=float).item())
        near = [frame for frame in _DAMPING_FRAMES if _FRAME_TOL < abs(value - frame) <= 1e-3]
        if near:
            return _verdict(False, f"{name}: {value!r} is close to the frame α = {near[0]:g} but is not it "
                                   f"(compared to a tolerance of {_FRAME_TOL:g}): enter a frame's value "
                                   "exactly, as the explorer shows it.")
    return _frame_answer(name, answer, _SMALLEST_MONOTONE, _DAMPING_FRAMES, "α",
                         _DAMPING_HINTS | off_frame, "Read that frame's loss curve in the explorer.",
                         tol=_FRAME_TOL)
