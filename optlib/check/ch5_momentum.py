"""Checks for chapter 5, momentum and Nesterov.

Every check validates what it receives (type, shape, finiteness) and answers in one sentence, never
with a traceback; it says the tolerance it uses, and a correct answer's message does not repeat the
number, so a check cell shows no answer on the website. Hints name the mistakes the chapter warns
about by the values they give, which are stored below next to the expected values (numbers, not
reference code; ``tests/test_check_ch5.py`` recomputes every one of them with optlib).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import numpy as np

from ._core import (
    Feedback,
    _number_with_mistakes,
    _one_number_problem,
    _short,
    _verdict,
    _whole_number,
)

# Exercise mom-ex-park, part 1: the moving-average form v ← βv + (1 − β)∇f(x), x ← x − αv from v = 0,
# on f(x) = ½ xᵀAx with a non-diagonal A (a function that mixes the coordinates fails), in two settings
# with different x0, α, β and steps (a function that ignores one of them fails the second). Worked by
# hand for the first: g0 = A x0 = (0, −5), v1 = (0, −0.5), x1 = x0 − 0.5 v1 = (1, −1.75).
# Next to the right iterates, those of two mistakes: the sum form (no factor 1 − β) and Adam's bias
# correction v/(1 − βᵗ) carried over into the moving average.
_A = [[2.0, 1.0], [1.0, 3.0]]
_EMA_CASES = (
    dict(x0=[1.0, -2.0], alpha=0.5, beta=0.9, steps=3,
         iterates=[[1.0, -2.0], [1.0, -1.75], [0.9875, -1.3125], [0.943125, -0.77125]],
         sum_form=[[1.0, -2.0], [1.0, 0.5], [-0.25, 1.5], [-1.875, 0.275]],
         bias_corrected=[[1.0, -2.0], [1.0, 0.5], [0.342105263157895, 1.026315789473684],
                         [-0.388619149349388, 0.727228588075354]]),
    dict(x0=[-1.5, 0.5], alpha=0.4, beta=0.6, steps=5,
         iterates=[[-1.5, 0.5], [-1.1, 0.5], [-0.588, 0.436], [-0.1624, 0.2824], [0.099744, 0.080672],
                   [0.2122048, -0.0950464]],
         sum_form=[[-1.5, 0.5], [-0.5, 0.5], [0.3, 0.1], [0.5, -0.38], [0.372, -0.412], [0.1624, -0.0856]],
         bias_corrected=[[-1.5, 0.5], [-0.5, 0.5], [0.0, 0.25], [0.193877551020408, -0.025510204081633],
                         [0.232067827130852, -0.195978391356543], [0.207171192557523, -0.230770344223741]]),
)
_ITERATES_RTOL = 1e-9  # iterates: relative tolerance (double precision)
_SINGLE_RTOL = 1e-5    # agreement to about this much only: single-precision arithmetic
_MISTAKE_RTOL = 1e-6   # a result this close to a stored mistake is that mistake

# Exercise mom-ex-park, part 2: optlib's lr for α = 0.5, β = 0.9, and the values that mistakes give.
_EQUIVALENT_LR = 0.05
_LR_INVERTED = 5.0        # α/(1 − β): the conversion the wrong way round
_LR_SUM_FORM = 0.5        # α: the sum form's answer
_LR_TIMES_BETA = 0.45     # αβ

# Exercise mom-ex-optimal: curvatures in [μ, L] = [1, 144], κ = 144, ρ* = 11/13, GD's best rate 143/145.
_RTOL = 1e-4           # real-number answers: relative tolerance (accepts 4 significant digits)
_CLOSE = 1e-2          # a wrong number this close (relative) is a rounding problem, not a wrong idea
_BETA_STAR = 0.7159763313609467       # ((√κ − 1)/(√κ + 1))²
_RHO_STAR = 11 / 13                   # ρ*, the rate, not the momentum
_BETA_WITH_KAPPA = 0.9726040428061831  # ((κ − 1)/(κ + 1))²: κ where √κ belongs
_RHO_GD = 143 / 145                   # gradient descent's best rate
_LR_STAR = 4 / 169                    # η* = 4/(√L + √μ)²: the learning rate, not the momentum
_STEPS_MOMENTUM = 83                  # first k with ρ*^k < 1e-6
_STEPS_GD = 995                       # first k with (143/145)^k < 1e-6
_STEPS_MOMENTUM_F = 42                # first k with ρ*^(2k) = β*^k < 1e-6: the factor of f
_STEPS_GD_F = 498                     # first k with (143/145)^(2k) < 1e-6
_STEPS_GD_SAFE = 1983                 # first k with (1 − 1/κ)^k < 1e-6: the step 1/L, not the best step


def momentum_ema(func) -> Feedback:
    """Check ``func(grad, x0, alpha, beta, steps)``, which must return the iterates x_0 … x_steps."""
    name = "momentum_ema"
    if not callable(func):
        return _verdict(False, f"{name}: expected a function momentum_ema(grad, x0, alpha, beta, steps), got "
                               f"{_short(func)} ({type(func).__name__}): pass the function itself, "
                               f"check.momentum_ema(momentum_ema), without calling it.")
    problem = _signature_problem(func)
    for number, case in enumerate(_EMA_CASES):
        problem = problem or _ema_case(func, case, later=number > 0)
    if problem:
        return _verdict(False, f"{name}: {problem}")
    return _verdict(True, f"{name}: correct on a 2-D quadratic in two settings of alpha, beta and steps "
                          f"(iterates compared to a relative tolerance of {_ITERATES_RTOL:g}), and x0 is "
                          f"left unchanged.")


def _signature_problem(func) -> str | None:
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):  # some built-in callables have none: just call them
        return None
    try:
        signature.bind(None, None, None, None, None)
    except TypeError:
        return (f"the check calls your function with five arguments, momentum_ema(grad, x0, alpha, beta, "
                f"steps), but its signature is {signature}.")
    return None


def _ema_case(func, case, later: bool) -> str | None:
    """What is wrong with ``func`` on one setting, in a sentence, or None."""
    A = np.array(_A)
    x0 = np.array(case["x0"])
    start = x0.copy()
    steps = case["steps"]
    setting = (f"on ½ xᵀAx with A = {_A} from x0 = {case['x0']}, alpha = {case['alpha']}, "
               f"beta = {case['beta']}, steps = {steps}")
    try:
        xs = func(lambda x: A @ np.asarray(x, dtype=float), x0, case["alpha"], case["beta"], steps)
    except NotImplementedError:
        return "not implemented yet."
    except (Exception, SystemExit) as error:  # the student's code failed, even by exit(): say how
        return f"your function raised {type(error).__name__} ({_clip(str(error))}) {setting}."
    if not np.array_equal(x0, start):
        return ("your function changed the caller's x0 (an in-place update such as x -= … on the array "
                "it was given); start from a copy, x = np.array(x0, dtype=float).")
    shape_problem = _container_problem(xs, steps)
    if shape_problem:
        return shape_problem
    single = np.asarray(xs).dtype == np.float32
    xs = np.asarray(xs, dtype=float)
    expected = np.array(case["iterates"])
    if xs.shape != expected.shape:
        return _shape_problem(xs, expected, steps, setting)
    if not np.all(np.isfinite(xs)):
        return f"your iterates are not all finite numbers (nan or inf) {setting}."
    tolerance = f"(iterates compared to a relative tolerance of {_ITERATES_RTOL:g})"
    if np.allclose(xs, expected, rtol=_ITERATES_RTOL, atol=1e-12):
        return None
    if np.allclose(xs, expected, rtol=_SINGLE_RTOL, atol=1e-6):
        return (f"your iterates agree with the expected ones only to about 7 significant digits {setting}, "
                f"not to the relative tolerance of {_ITERATES_RTOL:g}"
                + (": they are float32 numbers." if single else ": single-precision arithmetic?")
                + " Compute in float64 (np.array(x0, dtype=float)).")
    if _close(xs, case["sum_form"]):
        return (f"these are the iterates of the sum form v ← βv + ∇f(x) (Park's update slide, PyTorch) "
                f"{setting}: its v adds each gradient whole, while the moving average scales each new "
                "gradient by (1 − β).")
    if _close(xs, case["bias_corrected"]):
        return (f"your result divides v by 1 − βᵗ {setting}: that is Adam's bias correction, which the "
                "moving-average form does not have.")
    if steps >= 2 and np.all(xs[1:] == xs[-1]) and _close(xs[-1], expected[-1]):
        return (f"every row after x0 is the last iterate {setting}: one array was updated in place "
                "(x -= …) and stored at every step. Store a copy, or write x = x - … to make a new array.")
    wrong = ~np.all(np.isclose(xs, expected, rtol=_ITERATES_RTOL, atol=1e-12), axis=1)
    first = int(np.argmax(wrong))
    passed = " The first setting passed: does your function use the alpha, beta and steps it is given?"
    if first == 0:
        return f"the first row must be x0 itself, unchanged {setting} {tolerance}."
    step, right_step = xs[1] - xs[0], expected[1] - expected[0]
    if first == 1 and np.isclose(step[0], step[1]) and not np.isclose(right_step[0], right_step[1]):
        return (f"your first step moves both coordinates by the same amount {setting}: use the gradient "
                f"vector grad(x) as it is, one component per coordinate, not its sum or norm {tolerance}.")
    if first == 1:
        return (f"the first step x_1 is already off {setting} {tolerance}: from v = 0, check the factor "
                "(1 − β) on the gradient and the sign of the step x ← x − αv." + (passed if later else ""))
    right = "x_1 is" if first == 2 else f"x_1 … x_{first - 1} are"
    return (f"{right} right but x_{first} is not {setting} {tolerance}: v must carry over "
            "from one step to the next (v ← βv + …), and each gradient is taken at the current x."
            + (passed if later else ""))


def _container_problem(xs, steps: int) -> str | None:
    """Why ``xs`` is not an array-like of numbers at all, or None."""
    if xs is None:
        return "your function returned None: is the `return` missing?"
    if isinstance(xs, (str, bytes, dict, set)) or isinstance(xs, Iterator):
        kind = "a generator" if inspect.isgenerator(xs) else f"a {type(xs).__name__}"
        return (f"your function returned {kind}; return the iterates x_0 … x_{steps} as an array (or a list "
                "of arrays), one row per iterate.")
    if isinstance(xs, (list, tuple)) and any(a is b for a, b in zip(xs, xs[1:]) if isinstance(a, np.ndarray)):
        return ("some rows of your result are the same array object, so they all show its last value: an "
                "in-place update (x -= …) followed by append(x) stores one array many times. Append a copy, "
                "or write x = x - … to make a new array each step.")
    try:
        kind = np.asarray(xs).dtype.kind
    except (TypeError, ValueError):  # ragged rows
        kind = "O"
    if kind not in "iuf":
        return (f"expected an array of numbers, one row per iterate, got {_short(xs)}: return the points "
                "x_k themselves (float arrays), with rows of equal length.")
    return None


def _shape_problem(xs, expected, steps: int, setting: str) -> str:
    rows = len(expected)
    want = f"{rows} iterates x_0 … x_{steps} (x0 and one row per step), an array of shape {expected.shape}"
    if xs.shape == expected.shape[1:]:
        return f"your function returned one point {setting}; expected {want}."
    if xs.ndim == 2 and xs.shape[1] == expected.shape[1]:
        if xs.shape[0] == rows - 1:
            head = "x0 is missing" if _close(xs, expected[1:]) else "one row is missing"
            return f"{head} {setting}: expected {want}, got {xs.shape[0]} rows."
        if xs.shape[0] == rows + 1:
            return f"one row too many {setting}: steps = {steps} means {steps} updates, so expected {want}."
        return f"expected {want} {setting}, got {xs.shape[0]} rows: does your loop run `steps` times?"
    return f"expected {want} {setting}, got shape {xs.shape}: each row must be a whole point x_k."


def _close(a, b) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and np.allclose(a, b, rtol=_MISTAKE_RTOL, atol=1e-12)


def equivalent_lr(answer) -> Feedback:
    """optlib.Momentum's lr that reproduces the moving-average form with α = 0.5, β = 0.9."""
    return _real_check("equivalent_lr", answer, _EQUIVALENT_LR, {
        _LR_INVERTED: "That rescales α the wrong way: in the moving average each new gradient enters v "
                      "already multiplied by (1 − β), so optlib needs a learning rate smaller than α, "
                      "not larger.",
        _LR_SUM_FORM: "That is the answer for the sum form (Park's update slide, PyTorch), whose v adds each "
                      "gradient whole; the moving average's factor changes the learning rate.",
        _LR_TIMES_BETA: "That multiplies α by β; look at which factor multiplies each new gradient in the "
                        "moving-average form."},
        "Write optlib's velocity (the step x_{k+1} − x_k) in terms of the moving-average v, and read off "
        "the learning rate that multiplies each new gradient.")


def optimal_beta(answer) -> Feedback:
    """Polyak's optimal momentum for curvatures in [1, 144]."""
    return _real_check("optimal_beta", answer, _BETA_STAR, {
        _RHO_STAR: "That is the per-step rate ρ*, not the momentum: compare the lines for β* and ρ* in "
                   "the chapter's formula for Polyak's optimal parameters.",
        _BETA_WITH_KAPPA: "That uses κ where Polyak's formula for β* has √κ.",
        _RHO_GD: "That is gradient descent's per-step rate with its best step, not a momentum; Polyak's "
                 "formula for β* is written with √κ.",
        _LR_STAR: "That is the learning rate η*, not the momentum β*."},
        "Use the chapter's formula for Polyak's optimal parameters with the κ = L/μ of this problem.")


def steps_momentum(answer) -> Feedback:
    """Smallest k with ρ*^k < 1e-6 for κ = 144."""
    return _steps("steps_momentum", answer, _STEPS_MOMENTUM, {
        _STEPS_GD: "That is the count for gradient descent's rate; the heavy ball contracts by ρ* per step.",
        _STEPS_MOMENTUM_F: "That counts the factor β*^k = (ρ*²)^k, the factor of f(x_k) − f*; the exercise "
                           "asks for ρ*^k."},
        "Take logarithms of ρ*^k < 10⁻⁶; dividing by the negative ln ρ* flips the inequality, and k is the "
        "first whole number that satisfies it.")


def steps_gd(answer) -> Feedback:
    """Smallest k with ((κ − 1)/(κ + 1))^k < 1e-6 for κ = 144."""
    return _steps("steps_gd", answer, _STEPS_GD, {
        _STEPS_MOMENTUM: "That is the heavy ball's count; gradient descent with its best fixed step "
                         "contracts more slowly.",
        _STEPS_GD_F: "That counts the factor of f(x_k) − f*, the square of the error's; the exercise asks "
                     "for the error factor.",
        _STEPS_GD_SAFE: "That uses the rate of the step 1/L; the exercise asks for gradient descent's best "
                        "fixed step, whose rate the chapter gives next to Polyak's optimal parameters."},
        "Gradient descent with its best fixed step multiplies the error by its own rate at every step: "
        "take logarithms of rate^k < 10⁻⁶ and find the first whole k.")


# The explorer's frames on the ravine (μ = 0.5, L = 10) and the one with the lowest f(x_60):
# f = 8.6e-17 there, against 1.1e-10 for the runner-up (0.15, 0.5).
_FRAMES_LR = (0.01, 0.02, 0.05, 0.1, 0.15, 0.19)
_FRAMES_BETA = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95)
_BEST_FRAME = (0.19, 0.5)
_POLYAK_RAVINE = (0.2668, 0.4026)  # η*, β* for κ = 20: not a frame of the sliders
_FRAME_TOL = 1e-9


def best_frame(answer) -> Feedback:
    """The (η, β) frame of the heavy-ball explorer that ends closest to the minimum after 60 steps."""
    name = "best_frame"
    tolerance = f"each value compared to a tolerance of {_FRAME_TOL:g}"
    if answer is Ellipsis or answer is None:
        return _verdict(False, f"{name}: replace `...` with your answer, a pair (η, β) of the frames.")
    if isinstance(answer, (str, bytes, dict)) or not hasattr(answer, "__len__") or len(answer) != 2:
        return _verdict(False, f"{name}: expected a pair (η, β), for example (0.05, 0.8), got "
                               f"{_short(answer)} ({tolerance}).")
    problems = [p for p in map(_one_number_problem, answer) if p]
    if problems:
        return _verdict(False, f"{name}: in your pair, {problems[0]} ({tolerance})")
    lr, beta = (_value(v) for v in answer)
    if np.allclose((lr, beta), _BEST_FRAME, atol=_FRAME_TOL, rtol=0):
        return _verdict(True, f"{name}: correct ({tolerance}).")
    on_grid = any(np.isclose(lr, _FRAMES_LR, atol=_FRAME_TOL)) and any(np.isclose(beta, _FRAMES_BETA,
                                                                                  atol=_FRAME_TOL))
    if np.allclose((beta, lr), _BEST_FRAME, atol=_FRAME_TOL, rtol=0):
        hint = "The pair is (η, β): learning rate first, then momentum."
    elif np.allclose((lr, beta), _POLYAK_RAVINE, atol=1e-3, rtol=0):
        hint = ("Those are Polyak's η* and β*, which the sliders' frames do not contain: the exercise asks "
                "for the best of the frames.")
    elif not on_grid:
        hint = ("That is not a frame of the explorer: η is one of 0.01, 0.02, 0.05, 0.1, 0.15, 0.19 and "
                "β one of 0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95.")
    else:
        hint = ("Another frame ends closer to the minimum: compare f(x_60) on the right-hand panel (or in "
                "the caption) for every frame, in particular at the larger learning rates.")
    return _verdict(False, f"{name}: ({lr:g}, {beta:g}) is not the best frame ({tolerance}). {hint}")


def _real_check(name: str, answer, expected: float, mistakes: dict, hint: str) -> Feedback:
    return _number_with_mistakes(name, answer, expected, _RTOL, mistakes, hint, close=_CLOSE)


def _steps(name: str, answer, expected: int, mistakes: dict, hint: str) -> Feedback:
    """The first whole k at which a factor falls below 10⁻⁶, with hints for one step off either way."""
    off_by_one = {expected - 1: "One step short: at that k the factor is still above 10⁻⁶.",
                  expected + 1: "One step too many: the factor is already below 10⁻⁶ one step earlier, and "
                                "the first such k is asked."}
    return _whole_number(name, answer, expected, "the first whole k at which the condition holds",
                         {**off_by_one, **mistakes}, hint, why_not=_one_number_problem)


def _value(answer) -> float:
    return float(np.asarray(answer, dtype=float).item())


def _clip(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."
