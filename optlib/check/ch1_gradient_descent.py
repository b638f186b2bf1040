"""Checks for chapter 1, gradient descent.

Every check validates what it receives (type, shape, finiteness) and answers in one sentence, never
with a traceback; every message, right or wrong, says the tolerance it uses, and none repeats the
expected value, so a check cell shows no answer on the website. Hints name the common mistakes by
the values they give, which are stored below with the expected values (numbers, not code; the
tests recompute each one).
"""

from __future__ import annotations

import numpy as np

from ._core import Feedback, _not_a_number, _number_with_mistakes, _short, _verdict, _whole_number

# Two cases with different learning rates, so that a function which ignores `lr` fails.
# f(x) = x², f'(x) = 2x, x0 = 8.7, α = 0.3: x_{k+1} = 0.4 x_k.
_GD_1D = dict(x0=[8.7], lr=0.3, steps=3, iterates=[[8.7], [3.48], [1.392], [0.5568]])
# f = ½ xᵀAx with A = [[1, 1], [1, 4]], x0 = [8.7, −7.9], α = 0.15 (worked by hand:
# g0 = (0.8, −22.9), g1 = (4.115, −9.28)).
_GD_2D = dict(A=[[1.0, 1.0], [1.0, 4.0]], x0=[8.7, -7.9], lr=0.15, steps=2,
              iterates=[[8.7, -7.9], [8.58, -4.465], [7.96275, -3.073]])
_GD_RTOL = 1e-9        # iterates: relative tolerance (double precision)
_SINGLE_RTOL = 1e-5    # agreement to about this much only: single-precision arithmetic

_RTOL = 1e-4           # every learning rate
_CLOSE = 1e-2          # a wrong number this close (relative) is a rounding problem, not a wrong idea

# Exercise gd-ex-rates: f = ½ xᵀAx with A = [[6, −1, −2], [−1, 6, −2], [−2, −2, 7]], eigenvalues
# 3, 7, 9 along (1, 1, 1), (1, −1, 0), (1, 1, −2). The middle eigenvalue is off the midpoint of the
# other two, so no guess built from it (1/λ_mid, 3/tr A = 1/mean λ) equals 2/(λmin + λmax).
_STABLE_LR = 2 / 9                 # 2/λmax
_BEST_LR = 1 / 6                   # 2/(λmin + λmax)
_STEPS_NEEDED = 20                 # first k with ρ*^k ≤ 1e-6, ρ* = (κ − 1)/(κ + 1) = 1/2
_TILTED_STABLE, _TILTED_BEST = 0.4648162415, 0.4   # the chapter's 2-D bowl, not this matrix
_SAFE_STEP = 1 / 9                 # 1/L: safe, not fastest, not the limit
_TRACE_STEP = 2 / 19               # 2/tr A: α* in 2-D, not in 3-D
_MEAN_STEP = 3 / 19                # 3/tr A = 1/(mean eigenvalue)
_MIDDLE_STEP = 1 / 7               # 1/λ_mid: the middle factor vanishes
_MIDDLE_LIMIT = 2 / 7              # 2/λ_mid, also 2/(largest diagonal entry)
_SMALLEST_LIMIT = 2 / 3            # 2/λmin: the slowest mode's limit
_DIAGONAL_BEST = 2 / 13            # 2/(smallest + largest diagonal entry)
_PAIR_STEPS = (2 / 10, 2 / 16)     # 2/(λmin + λ_mid), 2/(λ_mid + λmax)
_STEPS_FOR_F = 10                  # counts f's factor ρ*² instead of the distance's
_STEPS_MIDDLE = 8                  # counts the middle mode's factor |1 − λ_mid best_lr|
_STEPS_SAFE_RATE = 35              # counts ρ(1/L) = 1 − μ/L instead of ρ(best_lr)
_STEPS_SAFE_BOUND = 69             # the theorem's bound (1 − μ/L)^k on the squared distance
_STEPS_TILTED = 43                 # counts the tilted bowl's ρ*

# Exercise gd-ex-explore, part 1: f(x) = x², the gap's line at α = 0.2.
_SAME_LINE_LR = 0.8
# Part 2: the tilted bowl from (8.7, −7.9), steps until f(x_k) < 1e-8, on the slider's grid
# 0.02, 0.04, …, 0.5 and off it; α* = 0.4 needs 36 steps.
_GRID = (0.02, 0.5, 0.02)                       # first, last, spacing
_FEWEST_STEPS = 36
_FASTEST_LRS = (0.38, 0.4)
_ALPHA_STAR = 0.4                                     # 2/(λmin + λmax) of the tilted bowl
_FEWER_THAN_STAR = (0.388232112267, 0.399628504455)   # 35 steps: fewer than α*
_AS_MANY_AS_STAR = (0.378964097060, 0.402091854692)   # at most 36 steps; outside it, 37 or more
_EDGE = 1e-9                                          # the ends of those ranges are known to this
_FEWEST_OFF_GRID = 35
_FEWEST_BY_DISTANCE = 64          # counts ‖x_k − x*‖ < 1e-8 instead of f(x_k)
_FEWEST_RELATIVE = 29             # counts f(x_k)/f(x_0) < 1e-8


def gradient_descent(func) -> Feedback:
    """Check ``func(grad, x0, lr, steps)``, which must return the iterates x_0 … x_steps."""
    name = "gradient_descent"
    tolerance = f"(Iterates are compared to a relative tolerance of {_GD_RTOL:g}.)"
    if not callable(func):
        return _verdict(False, f"{name}: expected a function gradient_descent(grad, x0, lr, steps), got "
                               f"{_short(func)} ({type(func).__name__}): pass the function itself, "
                               f"check.gradient_descent(gradient_descent). {tolerance}")
    A = np.array(_GD_2D["A"])
    for grad, case in [(lambda x: 2 * x, _GD_1D), (lambda x: A @ x, _GD_2D)]:
        problem = _gd_case(func, grad, case)
        if problem:
            return _verdict(False, f"{name}: {problem}" + ("" if "tolerance" in problem else f" {tolerance}"))
    return _verdict(True, f"{name}: correct on two test problems (relative tolerance of {_GD_RTOL:g}).")


def _gd_case(func, grad, case) -> str | None:
    """What is wrong with ``func`` on one case, in a sentence, or None."""
    x0 = np.array(case["x0"], dtype=float)
    start = x0.copy()
    expected = np.array(case["iterates"])
    setting = f"from x0 = {case['x0']} with lr = {case['lr']} and steps = {case['steps']}"
    at = f"{setting}:"
    try:
        xs = func(grad, x0, case["lr"], case["steps"])
    except NotImplementedError:
        return "not implemented yet."
    except (Exception, SystemExit) as error:  # the student's code failed, even by exit(): say how
        return f"your function raised {type(error).__name__}: {error} ({setting})."
    if not np.array_equal(x0, start):
        return "your function changed x0 in place; work on a copy."
    if xs is None:
        return "your function returned None: is the `return` missing?"
    if isinstance(xs, (list, tuple)) and any(a is b for a, b in zip(xs, xs[1:])
                                             if isinstance(a, np.ndarray)):
        return (f"{at} some rows of your result are the same array object, so they all show its "
                "last value: an in-place update (x -= …) followed by append(x) stores one array many "
                "times. Append a copy, or write x = x - … to make a new array each step.")
    result = xs
    try:
        xs = np.asarray(result)
        single = xs.dtype == np.float32
        if xs.dtype.kind not in "iufO":
            raise TypeError
        xs = xs.astype(float)
    except (TypeError, ValueError):
        shown = result.tolist() if isinstance(result, np.ndarray) else result
        return (f"expected an array of numbers, the iterates, one row per iterate, got "
                f"{type(result).__name__} {_short(shown)}.")
    if xs.shape in {(len(expected),), (len(expected), 1)} and expected.shape[1] == 1:
        xs = xs.reshape(expected.shape)
    if xs.shape != expected.shape:
        return (f"{at} expected {len(expected)} iterates x_0 … x_{case['steps']} as an array of "
                f"shape {expected.shape}, got shape {xs.shape}. Include x0 and one row per step.")
    if not np.all(np.isfinite(xs)):
        return f"{at} your iterates are not all finite numbers: {_short(xs.tolist())}."
    if np.allclose(xs, expected, rtol=_GD_RTOL, atol=1e-12):
        return None
    if np.allclose(xs, expected, rtol=_SINGLE_RTOL, atol=1e-6):
        return (f"{at} your iterates agree with the expected ones only to about 7 significant "
                f"digits, not to the relative tolerance of {_GD_RTOL:g}"
                + (": they are float32 numbers." if single else ": single-precision arithmetic?")
                + " Compute in float64 (np.asarray(x0, dtype=float)).")
    if np.all(xs == xs[0]) and np.allclose(xs[0], expected[-1], rtol=_GD_RTOL, atol=1e-12):
        return (f"{at} every row of your result is the last iterate: all rows are the same "
                "array, updated in place (x -= …). Append a copy, or write x = x - ….")
    return f"{at} {_first_wrong_step(xs, expected, grad, case['lr'])}"


def _first_wrong_step(xs, expected, grad, lr) -> str:
    """Which iterate is wrong first, and what its step did instead, without the expected values."""
    close = np.all(np.isclose(xs, expected, rtol=_GD_RTOL, atol=1e-12), axis=1)
    k = int(np.argmin(close))
    if k == 0:
        return "the first row must be x0 itself."
    step, g = xs[k] - xs[k - 1], grad(xs[k - 1])
    said = f"x_{k} is the first wrong iterate (got {np.round(xs[k], 6).tolist()})"

    def along(direction):
        return np.allclose(step, direction, rtol=1e-6, atol=1e-12)

    if along(lr * g):
        return f"{said}: that step goes uphill, along the gradient; gradient descent steps against it."
    if along(-g):
        return f"{said}: that step ignores the learning rate lr."
    if along(-lr * grad(xs[0])):
        return f"{said}: that step uses the gradient at x0; evaluate it at the current iterate."
    scale = (step @ -g) / (g @ g) if g @ g > 0 else 0.0
    if k == 1 and scale > 0 and along(-scale * g):   # wrong from the first step on: lr misused
        return f"{said}: the step points the right way but has the wrong length; how does lr enter it?"
    return f"{said}: compare each step with the update rule of the chapter's algorithm."


def stable_lr(answer) -> Feedback:
    """The largest learning rate for which GD converges on ½xᵀAx, A the exercise's 3×3 matrix."""
    return _number_check("stable_lr", answer, _STABLE_LR, {
        _TILTED_STABLE: "That is the tilted bowl's bound; this exercise is about the 3×3 matrix A.",
        _SAFE_STEP: "That is 1/L, the step with the largest guaranteed decrease in the descent lemma; "
                    "gradient descent still converges with longer steps. How far can α grow before a "
                    "factor |1 − αλ| reaches 1?",
        _BEST_LR: "That is the best step, the one where ρ(α) is smallest; longer steps still converge, "
                  "only more slowly. The limit is where ρ(α) reaches 1.",
        _MIDDLE_LIMIT: "That is where the middle eigenvalue's factor reaches −1 (and what the largest "
                       "diagonal entry would give, but the diagonal of a non-diagonal A does not hold "
                       "its eigenvalues); another eigenvalue's factor leaves (−1, 1) earlier.",
        _SMALLEST_LIMIT: "That keeps only the smallest eigenvalue's factor inside (−1, 1); the "
                         "factors of the larger eigenvalues leave it much earlier.",
        _TRACE_STEP: "That is a safe step, since tr A exceeds every eigenvalue, but not the limit: "
                     "longer steps still converge."},
        "Every mode's factor 1 − αλ must stay inside (−1, 1): which eigenvalue of A is the first to "
        "push its factor out as α grows?")


def best_lr(answer) -> Feedback:
    """The fixed learning rate that minimizes ρ(α) on ½xᵀAx, A the exercise's 3×3 matrix."""
    pair = ("That balances the factor of the middle eigenvalue against one of the others, but ρ(α) is "
            "the largest of all three factors: which two decide it?")
    return _number_check("best_lr", answer, _BEST_LR, {
        _TILTED_BEST: "That is the tilted bowl's best step; this exercise is about the 3×3 matrix A.",
        _TRACE_STEP: "2/tr A is a 2-D shortcut: in 3-D the trace also counts the middle eigenvalue. "
                     "Which eigenvalues decide ρ(α)?",
        _MEAN_STEP: "That is one over the mean eigenvalue, which weighs all three eigenvalues alike. "
                    "Which eigenvalues decide ρ(α)?",
        _MIDDLE_STEP: "That step removes the middle component in one step, but ρ(α) is the largest "
                      "factor over all eigenvalues: how large are the other two factors there?",
        _DIAGONAL_BEST: "That uses diagonal entries of A as if they were its eigenvalues; A is not "
                        "diagonal, so compute its eigenvalues.",
        _PAIR_STEPS[0]: pair,
        _PAIR_STEPS[1]: pair,
        _SAFE_STEP: "1/L is a safe step, not the fastest one: ρ(α) is still falling there.",
        _STABLE_LR: "That is the stability limit: ρ(α) = 1 there, so the top mode does not shrink at "
                    "all. The best step is where ρ(α) is smallest."},
        "ρ(α) is the larger of a factor that falls with α and one that rises with α: look where they "
        "meet.")


def steps_needed(answer) -> Feedback:
    """Steps of GD with best_lr after which ‖x_k − x*‖ ≤ 1e-6 ‖x_0 − x*‖ holds from every x0."""
    return _whole_number("steps_needed", answer, _STEPS_NEEDED, "the first whole k at which "
                               "the distance condition holds", {
        _STEPS_FOR_F: "That counts the factor of f(x_k) − f*, which is the square of the distance's; "
                      "the question asks about ‖x_k − x*‖.",
        _STEPS_MIDDLE: "That counts the middle eigenvector's factor; the worst start lies along "
                       "another eigenvector.",
        _STEPS_SAFE_RATE: "That counts with the rate of the step 1/L; the question is about best_lr.",
        _STEPS_SAFE_BOUND: "That counts with the theorem's bound for the step 1/L; the question is "
                           "about best_lr, whose factor per step is exact on a quadratic.",
        _STEPS_TILTED: "That counts with the tilted bowl's rate; this exercise is about the 3×3 matrix.",
        _STEPS_NEEDED - 1: "One step short: from the worst x0 the distance is still above 1e-6 there.",
        _STEPS_NEEDED + 1: "One step too many: the condition already holds one step earlier (x_0 is "
                           "step 0)."},
        "From the worst x0 each step multiplies the distance by ρ(best_lr): count the steps until the "
        "product is at most 1e-6.")


def same_line_lr(answer) -> Feedback:
    """The learning rate other than 0.2 whose gap f(x_k) on x² draws the same line as α = 0.2."""
    def hint(value):
        if value <= 0 or value >= 1:
            return ("With that learning rate the run does not converge: its line on the right is flat or "
                    "rises, while α = 0.2's falls.")
        return ("Each step multiplies the gap f(x_k) = x_k² by the square of x_k's factor: which other "
                "learning rate gives the same square?")

    return _number_check("same_line_lr", answer, _SAME_LINE_LR, {
        0.2: "That is α = 0.2 itself; the question asks for another learning rate."}, hint)


def fewest_steps(answer) -> Feedback:
    """The fewest steps to f(x_k) < 1e-8 on the tilted bowl over the slider's grid of learning rates."""
    return _whole_number("fewest_steps", answer, _FEWEST_STEPS, "the fewest steps over the "
                               "slider's grid", {
        _FEWEST_OFF_GRID: "No learning rate on the slider's grid needs so few steps: count with the "
                          "learning rates of lr_2d.grid(), from step 0 (x_0).",
        _FEWEST_STEPS + 1: "One step too many: count steps, the first k with f(x_k) < 1e-8 (x_0 is "
                           "step 0), not iterates.",
        _FEWEST_BY_DISTANCE: "That counts until the distance ‖x_k‖ is below 1e-8; the exercise asks "
                             "about f(x_k).",
        _FEWEST_RELATIVE: "That counts until f(x_k)/f(x_0) is below 1e-8; the exercise asks about "
                          "f(x_k) itself."},
        "For each learning rate of lr_2d.grid(), find the first k with f(x_k) < 1e-8 on a run from "
        "x0_2d (ol.run(...).values), then take the smallest count.")


def fastest_lrs(answer) -> Feedback:
    """Every learning rate on the slider's grid that needs the fewest steps to f(x_k) < 1e-8."""
    name = "fastest_lrs"
    tolerance = f"each compared to a relative tolerance of {_RTOL:g}"
    values, problem = _learning_rates(answer)
    if problem:
        return _verdict(False, f"{name}: {problem} (A list of learning rates, {tolerance}.)")
    expected = np.array(_FASTEST_LRS)
    matched = np.isclose(values[:, None], expected[None, :], rtol=_RTOL, atol=0)
    extra, missing = values[~matched.any(axis=1)], not matched.any(axis=0).all()
    if extra.size == 0 and not missing:
        return _verdict(True, f"{name}: correct ({tolerance}).")
    off_grid = [float(v) for v in extra if not _on_grid(v)]
    first, last, spacing = _GRID
    if off_grid:
        hint = (f"{off_grid[0]:.6g} is not on the slider's grid: use the learning rates of lr_2d.grid(), "
                f"{first:g} to {last:g} in steps of {spacing:g}.")
    elif extra.size:
        slower = _short([round(float(v), 6) for v in extra])
        hint = f"These need more steps than the fastest on the grid: {slower}. Compare every count."
    elif np.isclose(values, _ALPHA_STAR, rtol=_RTOL, atol=0).all():
        hint = ("Is α* the only one? Compare its count with its neighbours' on the grid (steps until "
                "f(x_k) < 1e-8, not until the distance is that small).")
    else:
        hint = ("Some learning rates of the grid that need as few steps are missing: compare the count "
                "of every grid point.")
    return _verdict(False, f"{name}: not the learning rates of the grid that need the fewest steps "
                           f"({tolerance}). {hint}")


def faster_lr(answer) -> Feedback:
    """A learning rate near α* = 0.4 of the tilted bowl that needs fewer steps than α* to f < 1e-8."""
    name = "faster_lr"
    tolerance = f"checked against stored ranges, to a tolerance of {_EDGE:g}"
    problem = _not_a_number(answer)
    if problem:
        return _verdict(False, f"{name}: {problem} (A learning rate; {tolerance}.)")
    value = _value(answer)
    if _FEWER_THAN_STAR[0] <= value <= _FEWER_THAN_STAR[1]:
        return _verdict(True, f"{name}: correct ({tolerance}).")
    if np.isclose(value, _ALPHA_STAR, rtol=_RTOL, atol=0):
        hint = ("That is α* itself. Count the steps of learning rates between the grid points near α*, "
                "with a finer spacing than the slider's.")
    elif _AS_MANY_AS_STAR[0] <= value <= _AS_MANY_AS_STAR[1]:
        hint = ("That learning rate needs as many steps as α*, not fewer: search more finely near α*, "
                "on both sides.")
    elif value <= 0 or value >= _TILTED_STABLE:
        hint = "With that learning rate the run does not converge at all."
    else:
        hint = "That learning rate needs more steps than α*: search near α*, with a fine spacing."
    return _verdict(False, f"{name}: {value:.6g} does not need fewer steps than α* ({tolerance}). {hint}")


def _on_grid(value: float) -> bool:
    first, last, spacing = _GRID
    n = round((value - first) / spacing)
    return 0 <= n <= round((last - first) / spacing) and np.isclose(value, first + n * spacing, rtol=_RTOL)


def _learning_rates(answer) -> tuple[np.ndarray, str | None]:
    """The answer as a 1-D float array of finite numbers, or why it is not one, in a sentence."""
    if isinstance(answer, (set, frozenset)):
        answer = sorted(answer, key=repr)
    if isinstance(answer, np.ndarray) and answer.ndim > 1:
        return np.empty(0), f"expected a flat list of learning rates, got an array of shape {answer.shape}."
    if isinstance(answer, (list, tuple, np.ndarray)):
        items = list(answer)
    else:
        items = [answer]  # one number is a list of one
    if not items:
        return np.empty(0), "expected at least one learning rate, got an empty list."
    for i, item in enumerate(items):
        problem = _not_a_number(item)
        if problem:
            where = "" if len(items) == 1 and items[0] is answer else f"entry {i}: "
            return np.empty(0), f"{where}{problem}"
    return np.array([_value(item) for item in items]), None


def _number_check(name: str, answer, expected: float, mistakes: dict, hint) -> Feedback:
    return _number_with_mistakes(name, answer, expected, _RTOL, mistakes, hint, close=_CLOSE)


def _value(answer) -> float:
    return float(np.asarray(answer, dtype=float).item())
