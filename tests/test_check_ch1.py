"""Checks of chapter 1 (gradient descent): right answers pass, every kind of wrong answer gets a ✘
with a sentence that helps, and no check raises."""

import numpy as np
import pytest

import optlib as ol
from optlib import check
from optlib.check import ch1_gradient_descent as ch1

SECOND_DIFFERENCE = np.array([[2.0, -1.0, 0.0], [-1.0, 2.0, -1.0], [0.0, -1.0, 2.0]])


def reference_gd(grad, x0, lr, steps):
    """The method under test, written with optlib (not a copy of the exercise's solution)."""
    class Grad:
        def value(self, x):
            return 0.0

        def grad(self, x):
            return grad(x)

    return ol.run(ol.SGD(lr=lr), Grad(), x0, steps).xs


def test_stored_iterates_agree_with_optlib():
    one, two = ch1._GD_1D, ch1._GD_2D
    assert one["lr"] != two["lr"]  # so that a function which ignores lr fails one of the cases
    assert np.allclose(reference_gd(lambda x: 2 * x, one["x0"], one["lr"], one["steps"]), one["iterates"],
                       rtol=1e-12)
    A = np.array(two["A"])
    assert np.allclose(reference_gd(lambda x: A @ x, two["x0"], two["lr"], two["steps"]), two["iterates"],
                       rtol=1e-12)


def test_stored_rates_agree_with_the_eigenvalues_and_with_runs():
    f = ol.Quadratic(SECOND_DIFFERENCE)
    lam = f.eigenvalues
    assert np.allclose(lam, [2 - np.sqrt(2), 2, 2 + np.sqrt(2)])
    assert check.stable_lr(2 / lam[-1]).correct
    assert check.best_lr(2 / (lam[0] + lam[-1])).correct
    # From an eigenvector of λmin (a worst start) the distance first falls to 1e-6 at step 40 ...
    start = np.linalg.eigh(SECOND_DIFFERENCE)[1][:, 0]
    distances = ol.run(ol.SGD(lr=ch1._BEST_LR), f, start, 45).distances(np.zeros(3))
    assert np.flatnonzero(distances <= 1e-6)[0] == ch1._STEPS_NEEDED
    assert ch1.steps_needed(ch1._STEPS_NEEDED).correct
    # ... and no random start takes longer.
    for x0 in np.random.default_rng(0).standard_normal((50, 3)):
        relative = ol.run(ol.SGD(lr=ch1._BEST_LR), f, x0, 45).distances(np.zeros(3)) / np.linalg.norm(x0)
        assert np.flatnonzero(relative <= 1e-6)[0] <= ch1._STEPS_NEEDED
    # The stored values of the common mistakes are what those mistakes give.
    assert np.isclose(ch1._TRACE_STEP, 2 / np.trace(SECOND_DIFFERENCE))
    assert np.isclose(ch1._SAFE_STEP, 1 / lam[-1])
    tilted = ol.Quadratic([[1.0, 1.0], [1.0, 4.0]]).eigenvalues
    assert np.isclose(ch1._TILTED_STABLE, 2 / tilted[-1]) and np.isclose(ch1._TILTED_BEST, 0.4)


def test_gradient_descent_check_accepts_a_correct_function(lenient):
    feedback = check.gradient_descent(reference_gd)
    assert feedback.correct and "relative tolerance of 1e-09" in feedback.message

    def as_lists(grad, x0, lr, steps):  # lists, and a flat list of numbers in 1-D
        xs = reference_gd(grad, x0, lr, steps).tolist()
        return [x[0] for x in xs] if np.size(x0) == 1 else xs

    assert check.gradient_descent(as_lists).correct


def test_gradient_descent_check_rejects_wrong_functions(lenient):
    def stub(grad, x0, lr, steps):
        raise NotImplementedError

    def ascent(grad, x0, lr, steps):
        return reference_gd(lambda x: -grad(x), x0, lr, steps)

    def in_place(grad, x0, lr, steps):
        xs = [x0.copy()]
        for _ in range(steps):
            x0 -= lr * grad(x0)
            xs.append(x0.copy())
        return xs

    def crashes(grad, x0, lr, steps):
        return x0 @ np.ones(5)

    def ignores_lr(grad, x0, lr, steps):
        return reference_gd(grad, x0, 0.2, steps)

    def aliased(grad, x0, lr, steps):  # one array, updated in place and appended every step
        x = np.array(x0, dtype=float)
        xs = [x]
        for _ in range(steps):
            x -= lr * grad(x)
            xs.append(x)
        return xs

    def single(grad, x0, lr, steps):
        return reference_gd(grad, x0, lr, steps).astype(np.float32)

    def single_as_float64(grad, x0, lr, steps):
        return single(grad, x0, lr, steps).astype(float)

    wrong = {
        "not implemented": stub,
        "should be": ascent,
        "in place": in_place,
        "raised ValueError": crashes,
        "returned None": lambda grad, x0, lr, steps: None,
        "shape (1,)": lambda grad, x0, lr, steps: reference_gd(grad, x0, lr, steps)[-1],
        "shape (5, 1)": lambda grad, x0, lr, steps: reference_gd(grad, x0, lr, steps + 1),
        "shape (3, 1)": lambda grad, x0, lr, steps: reference_gd(grad, x0, lr, steps)[1:],
        "expected an array": lambda grad, x0, lr, steps: {"x": x0},
        "not all finite": lambda grad, x0, lr, steps: reference_gd(grad, x0, lr, steps) * np.nan,
        "lr = 0.3": ignores_lr,
        "same array object": aliased,
        "all rows are the same array": lambda grad, x0, lr, steps: np.array(aliased(grad, x0, lr, steps)),
        "they are float32": single,
        "single-precision": single_as_float64,
    }
    for expected, func in wrong.items():
        feedback = check.gradient_descent(func)
        assert not feedback.correct and expected in feedback.message, (expected, feedback.message)


def test_gradient_descent_check_asks_for_a_function(lenient):
    for answer in [None, ..., "0.4", True, [0.4, 0.5], np.zeros(3)]:
        feedback = check.gradient_descent(answer)
        assert not feedback.correct and "expected a function" in feedback.message, (answer, feedback.message)


NOT_NUMBERS = {
    "replace `...`": [..., None],
    "truth value": [True, False, np.bool_(True), [True], np.array([False])],
    "string": ["0.5", "big"],
    "bytes": [b"0.5", bytearray(b"1")],
    "got text": [["0.5"], np.array(["40"]), np.array([b"0.5"])],
    "complex": [np.complex128(0.5), np.array([40 + 0j])],
    "far too large": [10**400, [10**400]],
    "one number": [[0.5, 0.5], np.array([0.5, 0.5])],
    "got a dict": [{"lr": 0.5}],
    "got a function": [print],
    "finite": [np.inf, np.nan],
}


@pytest.mark.parametrize("name", ["stable_lr", "best_lr", "steps_needed"])
def test_number_checks_reject_what_is_not_a_number(lenient, name):
    checker = getattr(ch1, name)
    for expected, answers in NOT_NUMBERS.items():
        for answer in answers:
            feedback = checker(answer)
            assert not feedback.correct and expected in feedback.message, (answer, feedback.message)


def test_number_checks_accept_numpy_scalars_and_hide_the_answer():
    for feedback in [check.stable_lr(np.float64(2 - np.sqrt(2))), check.best_lr(np.array(0.5)),
                     ch1.steps_needed(np.int64(40)), ch1.steps_needed(40.0)]:
        assert feedback.correct and ("tolerance" in feedback.message or "exactly" in feedback.message)
        assert not any(number in feedback.message for number in ("0.5", "0.58", "40"))


def test_wrong_numbers_name_the_mistake_and_the_tolerance(lenient):
    cases = {
        check.stable_lr: {0.4648: "tilted bowl", 1.0: "middle eigenvalue", 2 / (2 - np.sqrt(2)): "smallest",
                          1 / (2 + np.sqrt(2)): "1/L", 0.5: "the best step", 0.7: "which eigenvalue",
                          0.586: "Close", 0.5857: "Close", 0.58: "Close"},
        check.best_lr: {0.4: "tilted bowl", 1 / 3: "2/tr A", 1 / (2 + np.sqrt(2)): "1/L",
                        2 - np.sqrt(2): "ρ(α) = 1", 0.55: "where they meet", 0.502: "Close"},
    }
    for checker, answers in cases.items():
        for answer, hint in answers.items():
            message = checker(answer).message
            assert hint in message and "relative tolerance of 0.0001" in message, message
            hint_part = message.split("of the expected value. ")[1]  # after the echo of the answer given
            assert "0.5857" not in hint_part and "0.5 " not in hint_part  # no hint gives the answer
    steps = {20: "square of the distance", 39: "One step short", 100: "count the steps", -3: "negative",
             39.5: "39.5 is not a whole number", 39 + 1e-6: "39.000001 is not a whole",
             1e300: "count the steps"}
    for answer, hint in steps.items():
        message = ch1.steps_needed(answer).message
        assert hint in message and "40" not in message and "whole number" in message, message


def test_steps_needed_accepts_rounding_noise():
    for answer in [40 + 1e-12, 40 - 1e-10, np.float32(40.0)]:
        feedback = ch1.steps_needed(answer)
        assert feedback.correct and "tolerance of 1e-09" in feedback.message, feedback.message


def test_strict_mode_raises_on_wrong_answers(monkeypatch):
    monkeypatch.setenv(check.STRICT_ENV, "1")
    for checker, answer in [(check.stable_lr, 0.4), (check.best_lr, True), (ch1.steps_needed, 41)]:
        with pytest.raises(AssertionError):
            checker(answer)
