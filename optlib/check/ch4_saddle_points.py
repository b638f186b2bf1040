"""Checks for chapter 4, saddle points, local minima and the landscape.

Every check validates what it receives (type, shape, finiteness) and answers in one sentence, never
with a traceback; it states its tolerance, and a correct answer's message does not repeat the answer.
Hints name the mistakes the chapter warns about (the diagonal or the determinant instead of the
eigenvalues, a zero eigenvalue read as a minimum or as undoing a sign change, a tolerance that is
missing, unscaled, without its floor, one-sided, too loose or too tight; the Hessian of ½L, the
Gauss–Newton part, a dropped product-rule term, the Hessian at the origin; ln(1 + 2η) read as 2η),
recognised by the values they give, which are stored below as numbers next to the expected ones;
``tests/test_check_ch4.py`` recomputes each of them with optlib.
"""

from __future__ import annotations

import inspect

import numpy as np

from ._core import Feedback, _not_a_number, _number, _short, _verdict

KINDS = ("minimum", "maximum", "saddle", "inconclusive")

# Exercise sad-ex-classify: symmetric Hessians, their kind, and the hint for each wrong answer on them.
# Each case sits at least a factor 2 from the tolerance 1e-8·max(1, max|λ|) on either side; the last five
# are each answered wrongly by one wrong tolerance (too tight, unscaled, without the floor, one-sided).
_CASES = (
    ([[1.0, 0.0], [0.0, 2.0]], "minimum", {}),
    ([[-1.0, 0.0], [0.0, -3.0]], "maximum", {
        "minimum": "both its eigenvalues are negative. If you used the determinant: det H > 0 only says that "
                   "both eigenvalues have the same sign, not which.",
    }),
    ([[0.0, -2.0], [-2.0, 0.0]], "saddle", {
        "inconclusive": "its diagonal is zero, but its eigenvalues are ±2: read the signs of the eigenvalues "
                        "(np.linalg.eigvalsh), not of the diagonal entries.",
        "minimum": "its eigenvalues are ±2; a sign change makes a saddle.",
    }),
    ([[1.0, 2.0], [2.0, 1.0]], "saddle", {
        "minimum": "its diagonal entries are positive, but its eigenvalues are 3 and −1: the diagonal "
                   "does not give the signs of the eigenvalues.",
    }),
    ([[-1.0, 0.5], [0.5, -1.0]], "maximum", {
        "minimum": "its determinant is positive, as at any 2 × 2 maximum: det H > 0 only says that both "
                   "eigenvalues have the same sign, not which.",
    }),
    ([[2.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]], "saddle", {
        "minimum": "its determinant is positive but two of its three eigenvalues are negative: count the "
                   "signs of the eigenvalues, the determinant is not enough.",
        "maximum": "it has one positive and two negative eigenvalues: a sign change.",
    }),
    ([[2.0, 0.0], [0.0, 0.0]], "inconclusive", {
        "minimum": "one eigenvalue is zero: x² + y⁴ and x² − y⁴ both have this Hessian, a minimum and a "
                   "saddle, so the test cannot decide.",
    }),
    ([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, -1.0]], "saddle", {
        "inconclusive": "it has eigenvalues 1, 0 and −1: a zero eigenvalue does not undo a sign change, this "
                        "is a saddle whatever the zero direction does.",
    }),
    ([[3.0, 0.0], [0.0, 1e-13]], "inconclusive", {
        "minimum": "its second eigenvalue is 1e-13, below the tolerance 1e-8·max(1, max|λ|) of the exercise: "
                   "count it as zero (an exact comparison λ > 0 has no tolerance).",
    }),
    ([[1e6, 0.0], [0.0, 0.5]], "minimum", {
        "inconclusive": "its eigenvalues are 1e6 and 0.5, and 0.5 is above the tolerance 1e-8·max(1, max|λ|) "
                        "= 0.01: is your tolerance larger than the exercise's?",
    }),
    # one eigenvalue between the tolerances 1e-10 and 1e-8 (relative to max|λ| = 2): a tighter tolerance
    ([[2.0, 0.0], [0.0, 5e-9]], "inconclusive", {
        "minimum": "its eigenvalues are 2 and 5e-9, and 5e-9 is within the tolerance 1e-8·max(1, max|λ|) = "
                   "2e-8: is your tolerance smaller than the exercise's?",
    }),
    # an absolute tolerance 1e-8, not scaled by the largest eigenvalue
    ([[1e6, 0.0], [0.0, 1e-3]], "inconclusive", {
        "minimum": "its eigenvalues are 1e6 and 1e-3, and the tolerance is 1e-8·max(1, max|λ|) = 0.01, so "
                   "1e-3 counts as zero: scale the tolerance by the largest |λ|, not just 1e-8.",
    }),
    # a relative tolerance 1e-8·max|λ| without the floor max(1, ·)
    ([[0.01, 0.0], [0.0, 1e-9]], "inconclusive", {
        "minimum": "its eigenvalues are 0.01 and 1e-9, and the tolerance is 1e-8·max(1, max|λ|) = 1e-8 "
                   "(the floor 1 applies when every |λ| is below 1), so 1e-9 counts as zero: did you leave "
                   "out the max(1, ·)?",
    }),
    # a tolerance on the positive side only (λ < 0 read as negative, however small)
    ([[5.0, 0.0], [0.0, -2e-8]], "inconclusive", {
        "saddle": "its eigenvalues are 5 and −2e-8, and −2e-8 is within the tolerance 1e-8·max(1, max|λ|) "
                  "= 5e-8: count |λ| within the tolerance as zero on the negative side too, not only "
                  "λ ≤ tolerance on the positive side.",
    }),
    ([[2.0, 0.0], [0.0, -1e-12]], "inconclusive", {
        "saddle": "its eigenvalues are 2 and −1e-12, rounding noise of the size that eigvalsh can return for "
                  "a zero eigenvalue: count |λ| within the tolerance as zero, on both sides of 0.",
    }),
)


def classify(func) -> Feedback:
    """Check ``func(H)``, which must return the kind of a critical point with Hessian H."""
    name = "classify"
    if not callable(func):
        return _verdict(False, f"{name}: expected a function classify(H), got {_short(func)} "
                               f"({type(func).__name__}): pass the function itself, "
                               "check.classify(classify).")
    tolerance = "eigenvalues with |λ| ≤ 1e-8·max(1, max|λ|) count as zero"
    try:
        inspect.signature(func).bind(None)
    except TypeError:
        return _verdict(False, f"{name}: the check calls your function with one argument, classify(H), but "
                               f"its signature is {inspect.signature(func)}.")
    except ValueError:  # no signature to inspect: just call it
        pass
    for H, kind, mistakes in _CASES:
        matrix = np.array(H)
        original = matrix.copy()
        shown = f"H = {_matrix_text(H)}"
        try:
            answer = func(matrix)
        except NotImplementedError:
            return _verdict(False, f"{name}: not implemented yet.")
        except (Exception, SystemExit) as error:  # the student's code failed, even by exit(): say how
            return _verdict(False, f"{name}: your function raised {type(error).__name__} "
                                   f"({_clip(str(error))}) for {shown}.")
        if not np.array_equal(matrix, original):
            return _verdict(False, f"{name}: your function changed the H it was given (for {shown}); work on "
                                   "its eigenvalues, or on a copy.")
        problem = _kind_problem(answer)
        if problem:
            return _verdict(False, f"{name}: for {shown} {problem}")
        if answer != kind:
            hint = mistakes.get(answer, "compare the signs of its eigenvalues with the chapter's four cases.")
            return _verdict(False, f"{name}: wrong for {shown}: {hint}")
    return _verdict(True, f"{name}: correct on {len(_CASES)} Hessians of sizes 2 and 3, including zero "
                          f"and near-zero eigenvalues ({tolerance}), and H is left unchanged.")


def _kind_problem(answer) -> str | None:
    if answer is None:
        return "your function returned None: is the `return` missing?"
    if not isinstance(answer, str):
        return (f"your function returned {_short(answer)} ({type(answer).__name__}); return one of the "
                f"strings {', '.join(repr(k) for k in KINDS)}.")
    if answer not in KINDS:
        if answer.strip().lower() in KINDS:
            return (f"your function returned {answer!r}; return the string exactly as "
                    f"{answer.strip().lower()!r} (lower case, no spaces).")
        return f"your function returned {_short(answer)}; return one of {', '.join(repr(k) for k in KINDS)}."
    return None


def _matrix_text(H) -> str:
    return "[" + ", ".join("[" + ", ".join(f"{v:g}" for v in row) + "]" for row in H) + "]"


# Exercise sad-ex-hessian: the Hessian of the one-example loss (y − w₁w₂x)² with x = 2, y = 1 at
# w = (0.5, 3), where the residual y − w₁w₂x = −2 is not zero, and the matrices that mistakes give; then
# the largest eigenvalue at the minimum (1, 0.5), on this loss's valley w₁w₂ = y/x = 1/2.
_X, _Y = 2.0, 1.0
_W = (0.5, 3.0)
_HESSIAN = ((72.0, 20.0), (20.0, 2.0))           # [[2x²w₂², 4x²w₁w₂ − 2xy], [4x²w₁w₂ − 2xy, 2x²w₁²]]
_HESSIAN_MISTAKES = {
    ((2.0, 20.0), (20.0, 72.0)): "the diagonal is swapped: ∂²L/∂w₁² involves w₂, since "
                                 "∂L/∂w₁ = −2(y − w₁w₂x)·x·w₂.",
    ((72.0, 12.0), (12.0, 2.0)): "that is the Gauss–Newton part 2∇r∇rᵀ of the residual r = y − w₁w₂x; it "
                                 "leaves out the term with r itself, which is not zero at this point.",
    ((72.0, 8.0), (8.0, 2.0)): "the off-diagonal entry has only the term of the residual: the product rule "
                               "on −2(y − w₁w₂x)·x·w₂ also differentiates the residual with respect to w₂.",
    ((0.0, -4.0), (-4.0, 0.0)): "that is the Hessian at the origin, H(0) of the chapter with m = xy; the "
                                "exercise asks at w = (0.5, 3), where the diagonal is not zero.",
    ((0.0, -2.0), (-2.0, 0.0)): "that is the Hessian of (1 − w₁w₂)² at the origin; the exercise asks for "
                                "(y − w₁w₂x)² with x = 2, y = 1 at w = (0.5, 3).",
    ((72.0, -4.0), (-4.0, 2.0)): "the off-diagonal entry is the one of the origin: the product rule on "
                                 "−2(y − w₁w₂x)·x·w₂ gives a second term that depends on w₁w₂.",
    ((18.0, 4.0), (4.0, 0.5)): "that is the Hessian of (1 − w₁w₂)², the chapter's x = 1; here x = 2, and "
                               "every derivative of the residual y − w₁w₂x brings a factor x.",
    ((36.0, 10.0), (10.0, 1.0)): "that is half the answer: the Hessian of ½(y − w₁w₂x)², or x where the "
                                 "two derivatives of the residual give x².",
    ((72.0, -20.0), (-20.0, 2.0)): "the sign of the off-diagonal entry is wrong.",
    ((72.0, 0.0), (0.0, 2.0)): "the off-diagonal entries are missing: L couples w₁ and w₂.",
}
_HESSIAN_RTOL = 1e-6
_W_MIN = (1.0, 0.5)
_VALLEY = 10.0                                   # 2x²(w₁² + w₂²) at (1, 0.5)
_VALLEY_MISTAKES = {
    2.5: "that is 2(w₁² + w₂²), the chapter's curvature for x = 1; here x = 2: differentiate the residual "
         "y − w₁w₂x again.",
    5.0: "check the power of x: each of the two derivatives of the residual y − w₁w₂x brings one factor x.",
    1.25: "that is w₁² + w₂²: check the factor in front.",
    20.0: "that is twice the answer: check the factor in front of vvᵀ on the valley.",
    4.0: "that is the flattest curvature of the chapter's one neuron (x = 1, at (1, 1)); the exercise asks "
         "for (y − w₁w₂x)² with x = 2, y = 1 at (1, 0.5).",
    0.0: "that is the smallest eigenvalue, along the valley; the exercise asks for the largest.",
}
_VALLEY_RTOL = 1e-6


def hessian_at(answer) -> Feedback:
    """The Hessian of (y − w₁w₂x)² with x = 2, y = 1 at w = (0.5, 3)."""
    name = "hessian_at"
    tolerance = f"each entry to a relative tolerance of {_HESSIAN_RTOL:g}"
    problem = _matrix_problem(answer)
    if problem:
        return _verdict(False, f"{name}: {problem}")
    H = np.asarray(answer, dtype=float)
    if np.allclose(H, _HESSIAN, rtol=_HESSIAN_RTOL, atol=1e-12):
        return _verdict(True, f"{name}: correct ({tolerance}).")
    for wrong, hint in _HESSIAN_MISTAKES.items():
        if np.allclose(H, wrong, rtol=_HESSIAN_RTOL, atol=1e-12):
            return _verdict(False, f"{name}: not right ({tolerance}): {hint}")
    if not np.allclose(H, H.T):
        hint = "a Hessian is symmetric: the two mixed partial derivatives are equal."
    else:
        hint = (f"differentiate ∂L/∂w₁ = −2(y − w₁w₂x)·x·w₂ and ∂L/∂w₂ = −2(y − w₁w₂x)·x·w₁ once more, "
                f"and evaluate at x = 2, y = 1, w = {_W}.")
    return _verdict(False, f"{name}: not right ({tolerance}): {hint}")


def _matrix_problem(answer) -> str | None:
    if answer is Ellipsis or answer is None:
        return "replace `...` with your answer."
    if isinstance(answer, (str, bytes)):
        return f"expected a 2 × 2 array of numbers, got the string {_short(answer)}."
    if callable(answer):
        return "expected a 2 × 2 array, got a function: call it, or assign its result."
    try:
        array = np.asarray(answer)
        kind = array.dtype.kind
    except (TypeError, ValueError):
        return f"expected a 2 × 2 array of numbers, got {_short(answer)}."
    if kind not in "iuf":
        return f"expected a 2 × 2 array of numbers, got {_short(answer)}."
    if array.shape != (2, 2):
        return f"expected a 2 × 2 array (one row per ∂/∂wᵢ), got shape {array.shape}."
    if not np.all(np.isfinite(array)):
        return "expected finite numbers, got nan or inf."
    return None


def valley_curvature(answer) -> Feedback:
    """The largest eigenvalue of the Hessian of (y − w₁w₂x)², x = 2, y = 1, at the minimum (1, 0.5)."""
    name = "valley_curvature"
    problem = _one_number(answer)
    if problem:
        return _verdict(False, f"{name}: {problem}")
    value = float(np.asarray(answer, dtype=float).item())
    named = [hint for wrong, hint in _VALLEY_MISTAKES.items()
             if np.isclose(value, wrong, rtol=_VALLEY_RTOL, atol=1e-12)]
    hint = named[0] if named else ("on the valley the residual y − w₁w₂x is zero, so the Hessian simplifies: "
                                   "write it as a multiple of vvᵀ.")
    return _number(name, value, _VALLEY, _VALLEY_RTOL, hint[0].upper() + hint[1:])


# Exercise sad-ex-noise: each factor 100 in σ saves ln 100 / ln(1 + 2η) steps at η = 0.1, 25.26. The
# frames all use the noise of seed 0, and over 200 seeds the answer they give lies in [25.0, 25.33], so the
# check accepts ±1.5 steps. Readings of the frames at the explorer's other learning rates, and the sum of
# the three differences, are stored as the frames give them (tests/test_check_ch4.py recomputes them).
_STEPS_100 = float(np.log(100) / np.log(1.2))
_STEPS_100_ATOL = 1.5
_STEPS_100_MISTAKES = (             # (value, half-width of its window, hint)
    (float(np.log(100) / 0.2), 0.3, "that is ln 100/(2η): ln(1 + 2η) is not 2η at η = 0.1 (it is "
                                    "about 9 % smaller)."),
    (float(np.log(100) / np.log(1.1)), 0.5, "that is ln 100/ln(1 + η): the escape component grows by "
                                            "1 + 2η per step, since the negative eigenvalue is −2."),
    (float(1 / np.log(1.2)), 0.3, "that is the number of steps per factor e in σ; the exercise asks per "
                                  "factor 100."),
    (float(np.log(10) / np.log(1.2)), 0.5, "that is the number of steps per factor 10 in σ; the exercise "
                                           "asks per factor 100."),
    (76.0, 1.0, "that is the total over the three intervals, from σ = 10⁻⁸ to 10⁻²; the exercise asks for "
                "the average per factor 100: divide by their number."),
    (238 / 3, 0.5, "that is what the frames give at η = 0.03; the exercise asks at η = 0.1."),
    (29 / 3, 0.4, "that is what the frames give at η = 0.3; the exercise asks at η = 0.1."),
    (694 / 3, 1.0, "that is what the frames give at η = 0.01; the exercise asks at η = 0.1."),
)


def steps_per_factor_100(answer) -> Feedback:
    """Steps saved per factor 100 in σ by perturbed gradient descent at η = 0.1 (read from the frames)."""
    name = "steps_per_factor_100"
    tolerance = f"accepted within ±{_STEPS_100_ATOL:g} steps of the prediction"
    problem = _one_number(answer)
    if problem:
        return _verdict(False, f"{name}: {problem}")
    value = float(np.asarray(answer, dtype=float).item())
    if abs(value - _STEPS_100) <= _STEPS_100_ATOL:
        return _verdict(True, f"{name}: consistent with the prediction ({tolerance}).")
    for wrong, width, text in _STEPS_100_MISTAKES:
        if abs(value - wrong) <= width:
            return _verdict(False, f"{name}: not right ({tolerance}): {text}")
    if value <= 0:
        hint = ("a larger σ leaves the saddle sooner, so the steps saved per factor 100 are a positive "
                "number.")
    elif value > 3 * _STEPS_100:
        hint = ("that looks like an escape step itself; the exercise asks for the difference between the "
                "escape steps of neighbouring σ frames, averaged.")
    else:
        hint = ("take the escape steps of the four σ frames at η = 0.1, and average the three differences "
                "between neighbours.")
    return _verdict(False, f"{name}: {value:.4g} is not right ({tolerance}): {hint}")


def _one_number(answer) -> str | None:
    if isinstance(answer, (list, tuple)):
        return (f"expected one number, got a {type(answer).__name__}: write the number itself, without "
                "brackets.")
    return _not_a_number(answer)


def _clip(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."
