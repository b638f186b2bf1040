"""Checks of chapter 5 (momentum): the stored numbers are what optlib computes, right answers pass
without showing the answer, and every kind of wrong answer gets a ✘ with a sentence that helps,
never an exception."""

import math

import numpy as np
import pytest

import optlib as ol
from optlib import check, rates
from optlib.check import ch5_momentum as ch5

A = np.array(ch5._A)


def reference_ema(grad, x0, alpha, beta, steps):
    """The moving-average form, run through optlib (heavy ball with lr = α(1 − β)), not a copy of the
    exercise's solution."""
    return _run(ol.Momentum(lr=alpha * (1 - beta), beta=beta), grad, x0, steps)


def _run(method, grad, x0, steps):
    class Objective:
        def value(self, x):
            return 0.0

        def grad(self, x):
            return grad(x)

    return ol.run(method, Objective(), x0, steps).xs


def first_k_below(rate, tol=1e-6):
    return next(k for k in range(1, 10**5) if rate**k < tol)


# ---------------------------------------------------------------------------------------------------
# The stored numbers


def test_stored_iterates_are_optlibs():
    assert not np.allclose(A, np.diag(np.diag(A)))          # coordinates coupled
    settings = [(c["alpha"], c["beta"], c["steps"]) for c in ch5._EMA_CASES]
    assert len(set(settings)) == 2 and all(len(set(column)) == 2 for column in zip(*settings))
    f = ol.Quadratic(A)
    for case in ch5._EMA_CASES:
        alpha, beta, steps = case["alpha"], case["beta"], case["steps"]
        ema = ol.run(ol.Momentum(lr=alpha * (1 - beta), beta=beta), f, case["x0"], steps).xs
        assert np.allclose(ema, case["iterates"], rtol=1e-13, atol=1e-15)
        sum_form = ol.run(ol.Momentum(lr=alpha, beta=beta), f, case["x0"], steps).xs
        assert np.allclose(sum_form, case["sum_form"], rtol=1e-13, atol=1e-15)
        x, v, corrected = np.array(case["x0"]), np.zeros(2), [np.array(case["x0"])]
        for t in range(1, steps + 1):                        # Adam's correction, wrongly carried over
            v = beta * v + (1 - beta) * (A @ x)
            x = x - alpha * v / (1 - beta**t)
            corrected.append(x)
        assert np.allclose(corrected, case["bias_corrected"], rtol=1e-12, atol=1e-14)


def test_stored_numbers_agree_with_rates_and_with_counting():
    lr, beta, rho = rates.polyak_optimal(1.0, 144.0)
    assert (ch5._BETA_STAR, ch5._RHO_STAR, ch5._LR_STAR) == pytest.approx((beta, rho, lr), rel=1e-14)
    assert ch5._BETA_WITH_KAPPA == pytest.approx((143 / 145) ** 2) and ch5._RHO_GD == pytest.approx(143 / 145)
    assert first_k_below(rho) == ch5._STEPS_MOMENTUM
    assert first_k_below(143 / 145) == ch5._STEPS_GD
    assert first_k_below(rho**2) == ch5._STEPS_MOMENTUM_F
    assert first_k_below((143 / 145) ** 2) == ch5._STEPS_GD_F
    assert first_k_below(1 - 1 / 144) == ch5._STEPS_GD_SAFE
    # the moving-average form with α = 0.5, β = 0.9 is heavy ball with the stored lr
    x0 = np.array([1.0, -2.0])
    ema = reference_ema(lambda x: A @ x, x0, 0.5, 0.9, 20)
    assert np.allclose(ema, _run(ol.Momentum(lr=ch5._EQUIVALENT_LR, beta=0.9), lambda x: A @ x, x0, 20))
    assert ch5._LR_INVERTED == pytest.approx(0.5 / (1 - 0.9)) and ch5._LR_SUM_FORM == 0.5


# ---------------------------------------------------------------------------------------------------
# momentum_ema


def test_momentum_ema_accepts_right_functions_and_hides_the_iterates(lenient):
    def as_lists(grad, x0, alpha, beta, steps):
        return reference_ema(grad, x0, alpha, beta, steps).tolist()

    def with_own_loop(grad, x0, alpha, beta, steps):   # a typical student solution
        x, v, xs = np.array(x0, dtype=float), 0.0, [np.array(x0, dtype=float)]
        for _ in range(steps):
            v = beta * v + (1 - beta) * grad(x)
            x = x - alpha * v
            xs.append(x)
        return np.array(xs)

    for func in (reference_ema, as_lists, with_own_loop):
        feedback = check.momentum_ema(func)
        assert feedback.correct and "relative tolerance of 1e-09" in feedback.message, feedback.message
        assert not any(str(value) in feedback.message for value in ("0.943125", "1.75", "0.2122048"))


def _in_place(grad, x0, alpha, beta, steps):
    v, xs = 0.0, [x0.copy()]
    for _ in range(steps):
        v = beta * v + (1 - beta) * grad(x0)
        x0 -= alpha * v
        xs.append(x0.copy())
    return np.array(xs)


def _aliased(grad, x0, alpha, beta, steps):       # one array, updated in place and appended every step
    x, v = np.array(x0, dtype=float), 0.0
    xs = [x.copy()]
    for _ in range(steps):
        v = beta * v + (1 - beta) * grad(x)
        x -= alpha * v
        xs.append(x)
    return xs


def _sum_form(grad, x0, alpha, beta, steps):
    return _run(ol.Momentum(lr=alpha, beta=beta), grad, x0, steps)


def _bias_corrected(grad, x0, alpha, beta, steps):
    x, v, xs = np.array(x0, dtype=float), 0.0, [np.array(x0, dtype=float)]
    for t in range(1, steps + 1):
        v = beta * v + (1 - beta) * grad(x)
        x = x - alpha * v / (1 - beta**t)
        xs.append(x)
    return np.array(xs)


def _summed_gradient(grad, x0, alpha, beta, steps):   # mixes the coordinates
    return reference_ema(lambda x: grad(x).sum() * np.ones_like(x), x0, alpha, beta, steps)


def _ascent(grad, x0, alpha, beta, steps):            # x ← x + αv
    return reference_ema(lambda x: -grad(x), x0, alpha, beta, steps)


def _forgets_v(grad, x0, alpha, beta, steps):         # v starts again from 0 every step
    x, xs = np.array(x0, dtype=float), [np.array(x0, dtype=float)]
    for _ in range(steps):
        x = x - alpha * (1 - beta) * grad(x)
        xs.append(x)
    return np.array(xs)


def _raises(error):
    def func(grad, x0, alpha, beta, steps):
        raise error("something went wrong in the student's code")
    return func


def _generator(grad, x0, alpha, beta, steps):
    yield from reference_ema(grad, x0, alpha, beta, steps)


def _stub(grad, x0, alpha, beta, steps):
    raise NotImplementedError


WRONG_FUNCTIONS = {
    "not implemented": _stub,
    "raised ValueError": _raises(ValueError),
    "raised TypeError": _raises(TypeError),
    "raised ZeroDivisionError": lambda grad, x0, alpha, beta, steps: 1 / 0,
    "five arguments": lambda grad, x0, alpha, beta: reference_ema(grad, x0, alpha, beta, 3),
    "returned None": lambda grad, x0, alpha, beta, steps: None,
    "returned a str": lambda grad, x0, alpha, beta, steps: "x_3",
    "returned a dict": lambda *args: {"xs": reference_ema(*args)},
    "returned a generator": _generator,
    "returned one point": lambda *args: reference_ema(*args)[-1],
    "x0 is missing": lambda *args: reference_ema(*args)[1:],
    "one row too many": lambda grad, x0, alpha, beta, steps: reference_ema(grad, x0, alpha, beta, steps + 1),
    "run `steps` times": lambda grad, x0, alpha, beta, steps: reference_ema(grad, x0, alpha, beta, 3),
    "whole point": lambda *args: reference_ema(*args)[:, :1],
    "not all finite": lambda *args: reference_ema(*args) * np.nan,
    "array of numbers": lambda grad, x0, alpha, beta, steps: [[True, False]] * (steps + 1),
    "rows of equal length": lambda grad, x0, alpha, beta, steps: [x0, [1.0]],
    "changed the caller's x0": _in_place,
    "same array object": _aliased,
    "every row after x0 is the last iterate": lambda *args: np.array(_aliased(*args)),
    "sum form": _sum_form,
    "bias correction": _bias_corrected,
    "same amount": _summed_gradient,
    "sign of the step": _ascent,
    "x_1 is right but x_2 is not": _forgets_v,
    "float32": lambda *args: reference_ema(*args).astype(np.float32),
    "first setting passed": lambda grad, x0, alpha, beta, steps: reference_ema(grad, x0, 0.5, 0.9, steps),
}


@pytest.mark.parametrize("expected", WRONG_FUNCTIONS)
def test_momentum_ema_rejects_wrong_functions_with_a_sentence(lenient, expected):
    feedback = check.momentum_ema(WRONG_FUNCTIONS[expected])
    assert not feedback.correct and expected in feedback.message, feedback.message
    assert "Traceback" not in feedback.message and "\n" not in feedback.message
    assert not any(value in feedback.message for value in ("0.943125", "-0.77125", "0.2122048"))


@pytest.mark.parametrize("answer", [None, ..., "0.4", True, [0.4, 0.5], 0.05, np.zeros((4, 2))])
def test_momentum_ema_asks_for_a_function(lenient, answer):
    feedback = check.momentum_ema(answer)
    assert not feedback.correct and "expected a function" in feedback.message, feedback.message
    assert "without calling it" in feedback.message


def test_momentum_ema_tolerance_is_stated_on_a_wrong_result(lenient):
    assert "relative tolerance of 1e-09" in check.momentum_ema(_forgets_v).message


# ---------------------------------------------------------------------------------------------------
# The number checks

NUMBER_CHECKS = ["equivalent_lr", "optimal_beta", "steps_momentum", "steps_gd"]
NOT_NUMBERS = {
    "replace `...`": [..., None],
    "truth value": [True, False, np.bool_(True), np.array([False])],
    "string": ["0.05", "83"],
    "bytes": [b"0.05"],
    "got text": [np.array(["83"])],
    "complex": [0.05 + 0j, np.complex128(83), np.array([83 + 0j])],
    "far too large": [10**400],
    "got a list": [[0.05], [[0.05]], [83], []],
    "got a tuple": [(0.05,)],
    "one number": [np.array([0.05, 0.05])],
    "got a dict": [{"lr": 0.05}],
    "got a function": [print, lambda: 0.05],
    "finite": [np.inf, np.nan],
}


@pytest.mark.parametrize("name", NUMBER_CHECKS)
def test_number_checks_reject_what_is_not_one_number(lenient, name):
    checker = getattr(check, name)
    for expected, answers in NOT_NUMBERS.items():
        for answer in answers:
            feedback = checker(answer)
            assert not feedback.correct and expected in feedback.message, (answer, feedback.message)


RIGHT = {"equivalent_lr": [0.05, 0.5 * (1 - 0.9), np.float64(0.05), np.array(0.05), np.array([0.05])],
         "optimal_beta": [(11 / 13) ** 2, 0.716, 0.7160, np.float32((11 / 13) ** 2)],
         "steps_momentum": [83, 83.0, np.int64(83), np.array([83]), 83 + 1e-12],
         "steps_gd": [995, np.int32(995), 995.0 - 1e-10]}


@pytest.mark.parametrize("name", NUMBER_CHECKS)
def test_number_checks_accept_the_answer_state_the_tolerance_and_hide_it(name):
    for answer in RIGHT[name]:
        feedback = getattr(check, name)(answer)
        assert feedback.correct and "tolerance of" in feedback.message, (answer, feedback.message)
        assert not any(value in feedback.message for value in ("0.05", "0.71", "83", "995"))


MISTAKES = {
    "equivalent_lr": {5.0: "the wrong way", 0.5: "sum form", 0.45: "multiplies α by β",
                      0.1: "read off the learning rate", 0.0499: "Close"},
    "optimal_beta": {11 / 13: "per-step rate ρ*", 0.8462: "per-step rate ρ*", 0.9726: "uses κ where",
                     (143 / 145) ** 2: "uses κ where", 143 / 145: "gradient descent's per-step rate",
                     4 / 169: "learning rate η*", 0.72: "Close", 0.5: "Use the chapter's formula"},
    "steps_momentum": {82: "One step short", 84: "One step too many", 995: "gradient descent's rate",
                       42: "factor of f", 82.7: "not a whole number", -5: "cannot be negative",
                       12: "Take logarithms"},
    "steps_gd": {994: "One step short", 996: "One step too many", 83: "heavy ball's count",
                 498: "factor of f", 1983: "step 1/L", 994.6: "not a whole number", 100: "take logarithms"},
}


@pytest.mark.parametrize("name", NUMBER_CHECKS)
def test_wrong_numbers_name_the_mistake_and_the_tolerance_without_the_answer(lenient, name):
    for answer, hint in MISTAKES[name].items():
        message = getattr(check, name)(answer).message
        assert hint in message and "tolerance of" in message, (answer, message)
        answers = {"equivalent_lr": ["0.05"], "optimal_beta": ["0.716", "0.7159"],
                   "steps_momentum": ["83"], "steps_gd": ["995"]}[name]
        assert not any(value in message for value in answers), message


def test_strict_mode_raises_on_wrong_answers(monkeypatch):
    monkeypatch.setenv(check.STRICT_ENV, "1")
    for checker, answer in [(check.equivalent_lr, 0.5), (check.optimal_beta, [0.716]),
                            (check.steps_momentum, 82), (check.steps_gd, "995"),
                            (check.momentum_ema, _sum_form)]:
        with pytest.raises(AssertionError):
            checker(answer)


def test_the_exercise_numbers_follow_from_the_formulas():
    """The solution's reasoning, on paper: ⌈6 ln 10 / ln(13/11)⌉ and ⌈6 ln 10 / ln(145/143)⌉."""
    assert math.ceil(6 * math.log(10) / math.log(13 / 11)) == ch5._STEPS_MOMENTUM
    assert math.ceil(6 * math.log(10) / math.log(145 / 143)) == ch5._STEPS_GD


def test_best_frame_is_the_explorers_best_and_every_wrong_answer_gets_a_sentence(lenient):
    from optlib.check import ch5_momentum as ch5

    ravine = ol.Quadratic.from_eigenvalues([0.5, 10.0], rotation=np.pi / 6)
    final = {(lr, b): ol.run(ol.Momentum(lr=lr, beta=b), ravine, np.array([-8.0, -2.0]), 60).value
             for lr in ch5._FRAMES_LR for b in ch5._FRAMES_BETA}
    assert min(final, key=final.get) == ch5._BEST_FRAME
    right = check.best_frame((0.19, 0.5))
    assert right.correct and "0.19" not in right.message and "tolerance" in right.message
    assert check.best_frame(np.array([0.19, 0.5])).correct
    for wrong, says in [(None, "replace `...`"), (..., "replace `...`"), ("0.19, 0.5", "expected a pair"),
                        (0.19, "expected a pair"), ((0.19,), "expected a pair"), ((True, 0.5), "truth value"),
                        (("0.19", 0.5), "string"), ((0.5, 0.19), "learning rate first"),
                        ((0.2668, 0.4026), "Polyak"), ((0.17, 0.5), "not a frame"),
                        ((0.15, 0.5), "Another frame"), ((np.nan, 0.5), "finite")]:
        feedback = check.best_frame(wrong)
        assert not feedback.correct and says in feedback.message, (wrong, feedback.message)
        assert "0.19, 0.5" not in feedback.message.split("got")[0]
