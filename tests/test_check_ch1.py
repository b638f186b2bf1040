"""Checks of chapter 1 (gradient descent): right answers pass, every kind of wrong answer gets a ✘
with a sentence that helps and states the tolerance, no message shows the expected value, and no
check raises. The expected values and the values of the common mistakes, stored as numbers in the
check module, are recomputed here from the exercises' problems."""

import re

import numpy as np
import pytest

import optlib as ol
from optlib import check
from optlib.check import ch1_gradient_descent as ch1
from optlib.widgets import Param

EXERCISE_MATRIX = np.array([[6.0, -1.0, -2.0], [-1.0, 6.0, -2.0], [-2.0, -2.0, 7.0]])
TILTED = ol.Quadratic([[1.0, 1.0], [1.0, 4.0]])
X0_2D = np.array([8.7, -7.9])
GRID = Param("lr", "learning rate α", 0.02, 0.5, 0.02, value=0.2).grid()  # the chapter's 2-D slider


def reference_gd(grad, x0, lr, steps):
    """The method under test, written with optlib (not a copy of the exercise's solution)."""
    class Grad:
        def value(self, x):
            return 0.0

        def grad(self, x):
            return grad(x)

    return ol.run(ol.SGD(lr=lr), Grad(), x0, steps).xs


def steps_to(lr, what="f", tol=1e-8):
    """The first k at which gradient descent on the tilted bowl from X0_2D has `what` below tol (within
    120 steps, enough for every count these tests compare; inf if later)."""
    traj = ol.run(ol.SGD(lr=lr), TILTED, X0_2D, 120)
    series = {"f": traj.values, "distance": traj.distances([0, 0]), "relative": traj.values / traj.values[0]}
    below = np.flatnonzero(series[what] < tol)
    return int(below[0]) if below.size else np.inf


def numbers_in(text):
    return [float(n) for n in re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?:e-?\d+)?", text)]


def hint_of(message):
    """The message without the echo of the answer given (the part that could hold the expected value)."""
    for echo_ends in ("of the expected value. ", "is not right (", "does not need fewer steps than α* ("):
        if echo_ends in message:
            return message.split(echo_ends, 1)[1]
    return message.split(": ", 1)[1]


def shows(message, expected):
    return any(np.isclose(n, e, rtol=1e-3) for n in numbers_in(hint_of(message)) for e in np.ravel(expected))


# -- the stored numbers ------------------------------------------------------------------------------------

def test_stored_iterates_agree_with_optlib():
    one, two = ch1._GD_1D, ch1._GD_2D
    assert one["lr"] != two["lr"]  # so that a function which ignores lr fails one of the cases
    assert np.allclose(reference_gd(lambda x: 2 * x, one["x0"], one["lr"], one["steps"]), one["iterates"],
                       rtol=1e-12)
    A = np.array(two["A"])
    assert np.allclose(reference_gd(lambda x: A @ x, two["x0"], two["lr"], two["steps"]), two["iterates"],
                       rtol=1e-12)


def test_stored_rates_agree_with_the_eigenvalues_and_with_runs():
    f = ol.Quadratic(EXERCISE_MATRIX)
    lam = f.eigenvalues
    directions = np.array([[1, 1, 1], [1, -1, 0], [1, 1, -2]]).T
    assert np.allclose(lam, [3, 7, 9]) and np.allclose(EXERCISE_MATRIX @ directions, directions * lam)
    assert np.isclose(ch1._STABLE_LR, 2 / lam[-1]) and np.isclose(ch1._BEST_LR, 2 / (lam[0] + lam[-1]))
    rates = [np.max(np.abs(1 - a * lam)) for a in np.linspace(0.01, 0.3, 2901)]
    assert abs(np.linspace(0.01, 0.3, 2901)[np.argmin(rates)] - ch1._BEST_LR) < 1e-4   # ρ is smallest there
    assert not ol.run(ol.SGD(lr=0.99 * ch1._STABLE_LR), f, directions[:, 2], 3000).diverged
    assert ol.run(ol.SGD(lr=1.01 * ch1._STABLE_LR), f, directions[:, 2], 3000).diverged
    # From an eigenvector of λmin (a worst start) the distance first falls to 1e-6 at the stored step ...
    start = directions[:, 0] / np.sqrt(3)
    distances = ol.run(ol.SGD(lr=ch1._BEST_LR), f, start, 30).distances(np.zeros(3))
    assert np.flatnonzero(distances <= 1e-6)[0] == ch1._STEPS_NEEDED
    # ... and no random start takes longer.
    for x0 in np.random.default_rng(0).standard_normal((50, 3)):
        relative = ol.run(ol.SGD(lr=ch1._BEST_LR), f, x0, 30).distances(np.zeros(3)) / np.linalg.norm(x0)
        assert np.flatnonzero(relative <= 1e-6)[0] <= ch1._STEPS_NEEDED


def test_stored_mistakes_are_what_those_mistakes_give():
    lam, diagonal = np.linalg.eigvalsh(EXERCISE_MATRIX), np.diag(EXERCISE_MATRIX)
    low, mid, high = lam
    assert np.allclose([ch1._SAFE_STEP, ch1._TRACE_STEP, ch1._MEAN_STEP, ch1._MIDDLE_STEP],
                       [1 / high, 2 / lam.sum(), 3 / lam.sum(), 1 / mid])
    assert np.allclose([ch1._MIDDLE_LIMIT, ch1._SMALLEST_LIMIT], [2 / mid, 2 / low])
    assert np.isclose(ch1._MIDDLE_LIMIT, 2 / diagonal.max())
    assert np.isclose(ch1._DIAGONAL_BEST, 2 / (diagonal.min() + diagonal.max()))
    assert np.allclose(ch1._PAIR_STEPS, [2 / (low + mid), 2 / (mid + high)])
    tilted = TILTED.eigenvalues
    assert np.isclose(ch1._TILTED_STABLE, 2 / tilted[-1]) and np.isclose(ch1._TILTED_BEST, 2 / tilted.sum())

    def count(factor, tol=1e-6):
        return int(np.ceil(np.log(tol) / np.log(factor)))

    rho = (high - low) / (high + low)
    assert count(rho) == ch1._STEPS_NEEDED and count(rho**2) == ch1._STEPS_FOR_F
    assert count(abs(1 - mid * ch1._BEST_LR)) == ch1._STEPS_MIDDLE
    safe = 1 - low / high                                             # ρ(1/L)
    assert count(safe) == ch1._STEPS_SAFE_RATE and count(safe, 1e-12) == ch1._STEPS_SAFE_BOUND
    assert count((tilted[1] - tilted[0]) / tilted.sum()) == ch1._STEPS_TILTED


def test_every_plausible_guess_is_far_from_the_right_answers():
    """No guess built from the wrong eigenvalues (or the diagonal) lands within 100 tolerances, or
    within the 'close: a rounding problem' band, of stable_lr or best_lr."""
    lam, diagonal = np.linalg.eigvalsh(EXERCISE_MATRIX), np.diag(EXERCISE_MATRIX)
    low, mid, high = lam
    guesses = [1 / mid, 3 / lam.sum(), 2 / lam.sum(), 1 / high, 2 / low, 1 / np.mean(lam), 2 / mid, 1 / low,
               2 / (low + mid), 2 / (mid + high), 2 / diagonal.max(), 2 / (diagonal.min() + diagonal.max()),
               1 / diagonal.max(), 2 / np.abs(EXERCISE_MATRIX).sum(axis=1).max(), ch1._TILTED_STABLE,
               ch1._TILTED_BEST]
    for right in (ch1._STABLE_LR, ch1._BEST_LR):
        gaps = np.abs(np.array(guesses) / right - 1)
        assert gaps.min() > max(100 * ch1._RTOL, 2 * ch1._CLOSE), (right, gaps.min())
    assert abs(ch1._STABLE_LR / ch1._BEST_LR - 1) > 0.1
    steps = [ch1._STEPS_FOR_F, ch1._STEPS_MIDDLE, ch1._STEPS_SAFE_RATE, ch1._STEPS_SAFE_BOUND,
             ch1._STEPS_TILTED]
    assert ch1._STEPS_NEEDED not in steps and len(set(steps)) == len(steps)


def test_stored_exploration_answers_agree_with_runs():
    x2 = ol.Quadratic([[2.0]])
    gap = {lr: ol.run(ol.SGD(lr=lr), x2, 8.7, 25).values for lr in np.round(np.arange(0.05, 1.0, 0.05), 2)}
    same = [lr for lr in gap if lr != 0.2 and np.allclose(gap[lr], gap[0.2])]
    assert np.allclose(same, [ch1._SAME_LINE_LR])
    first, last, spacing = ch1._GRID
    assert np.allclose(GRID, np.arange(first, last + spacing / 2, spacing))
    counts = np.array([steps_to(lr) for lr in GRID])
    assert np.all(counts[GRID < 0.3] > 40)   # so the fine grid below can start at 0.3
    assert counts.min() == ch1._FEWEST_STEPS and np.allclose(GRID[counts == counts.min()], ch1._FASTEST_LRS)
    assert steps_to(ch1._ALPHA_STAR) == ch1._FEWEST_STEPS and np.isclose(ch1._ALPHA_STAR, ch1._TILTED_BEST)
    assert min(steps_to(lr, "distance") for lr in GRID) == ch1._FEWEST_BY_DISTANCE
    assert min(steps_to(lr, "relative") for lr in GRID) == ch1._FEWEST_RELATIVE
    # The stored ranges: fewer steps than α* (35) inside the first, 36 at most inside the second ...
    for (low, high), inside in [(ch1._FEWER_THAN_STAR, ch1._FEWEST_OFF_GRID), (ch1._AS_MANY_AS_STAR, 36)]:
        edge = ch1._EDGE
        for lr in [low + edge, (low + high) / 2, high - edge]:
            assert steps_to(lr) <= inside, lr
        assert steps_to(low - edge) > inside and steps_to(high + edge) > inside
    # ... and, off them, more: nothing on a fine grid beats the first range or ties α* outside the second.
    fine = np.linspace(0.3, 0.46, 801)
    fine_counts = np.array([steps_to(lr) for lr in fine])
    assert fine_counts.min() == ch1._FEWEST_OFF_GRID == ch1._FEWEST_STEPS - 1
    outside = (fine < ch1._AS_MANY_AS_STAR[0]) | (fine > ch1._AS_MANY_AS_STAR[1])
    assert np.all(fine_counts[outside] > ch1._FEWEST_STEPS)


# -- gradient_descent ---------------------------------------------------------------------------------------

def test_gradient_descent_check_accepts_a_correct_function(lenient):
    feedback = check.gradient_descent(reference_gd)
    assert feedback.correct and "relative tolerance of 1e-09" in feedback.message
    assert len(repr(feedback)) < 80  # fits the page's code column at 1280 px

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

    def fixed_lr(grad, x0, lr, steps):
        return reference_gd(grad, x0, 0.2, steps)

    def no_lr(grad, x0, lr, steps):
        return reference_gd(grad, x0, 1.0, steps)

    def stale_gradient(grad, x0, lr, steps):
        x0 = np.array(x0, dtype=float)
        return np.array([x0 - k * lr * grad(x0) for k in range(steps + 1)])

    def wrong_start(grad, x0, lr, steps):
        return reference_gd(grad, x0, lr, steps) + 1.0

    def squared_lr(grad, x0, lr, steps):
        return reference_gd(grad, x0, lr**2, steps)

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

    def noisy(grad, x0, lr, steps):  # right for one step, then off in a way no named mistake explains
        xs = reference_gd(grad, x0, lr, steps)
        xs[2:] *= 1.01
        return xs

    wrong = {
        "not implemented": stub,
        "goes uphill": ascent,
        "in place": in_place,
        "raised ValueError": crashes,
        "returned None": lambda grad, x0, lr, steps: None,
        "shape (1,)": lambda grad, x0, lr, steps: reference_gd(grad, x0, lr, steps)[-1],
        "shape (5, 1)": lambda grad, x0, lr, steps: reference_gd(grad, x0, lr, steps + 1),
        "shape (3, 1)": lambda grad, x0, lr, steps: reference_gd(grad, x0, lr, steps)[1:],
        "expected an array": lambda grad, x0, lr, steps: {"x": x0},
        "array of numbers": lambda grad, x0, lr, steps: np.full((steps + 1, np.size(x0)), "x"),
        "not all finite": lambda grad, x0, lr, steps: reference_gd(grad, x0, lr, steps) * np.nan,
        "wrong length": fixed_lr,
        "ignores the learning rate": no_lr,
        "gradient at x0": stale_gradient,
        "must be x0 itself": wrong_start,
        "how does lr enter": squared_lr,
        "compare each step": noisy,
        "same array object": aliased,
        "all rows are the same array": lambda grad, x0, lr, steps: np.array(aliased(grad, x0, lr, steps)),
        "they are float32": single,
        "single-precision": single_as_float64,
    }
    iterates = [v for case in (ch1._GD_1D, ch1._GD_2D) for x in case["iterates"][1:] for v in x]
    for expected, func in wrong.items():
        feedback = check.gradient_descent(func)
        message = feedback.message
        assert not feedback.correct and expected in message, (expected, message)
        assert "relative tolerance of 1e-09" in message, message
        assert not any(np.isclose(n, x, rtol=1e-6) for n in numbers_in(message) for x in iterates
                       if abs(x) > 1), message  # no expected iterate (the small ones match the echo too)


def test_gradient_descent_check_asks_for_a_function(lenient):
    for answer in [None, ..., "0.4", True, [0.4, 0.5], np.zeros(3)]:
        feedback = check.gradient_descent(answer)
        assert not feedback.correct and "expected a function" in feedback.message, (answer, feedback.message)
        assert "tolerance" in feedback.message


# -- the number checks ---------------------------------------------------------------------------------------

NOT_NUMBERS = {
    "replace `...`": [..., None],
    "truth value": [True, False, np.bool_(True), [True], np.array([False])],
    "string": ["0.5", "big"],
    "bytes": [b"0.5", bytearray(b"1")],
    "got text": [["0.5"], np.array(["40"]), np.array([b"0.5"])],
    "complex": [np.complex128(0.5), np.array([40 + 0j])],
    "far too large": [10**400, [10**400]],
    "one number": [[0.5, 0.5], np.array([0.5, 0.5]), np.zeros((2, 3))],
    "got a dict": [{"lr": 0.5}],
    "got a function": [print],
    "finite": [np.inf, np.nan],
}
NUMBER_CHECKS = ["stable_lr", "best_lr", "steps_needed", "same_line_lr", "fewest_steps", "faster_lr"]
REAL_CHECKS = {"stable_lr", "best_lr", "same_line_lr"}   # one real number: brackets are refused first
RIGHT = {"stable_lr": ch1._STABLE_LR, "best_lr": ch1._BEST_LR, "steps_needed": ch1._STEPS_NEEDED,
         "same_line_lr": ch1._SAME_LINE_LR, "fewest_steps": ch1._FEWEST_STEPS,
         "faster_lr": np.mean(ch1._FEWER_THAN_STAR), "fastest_lrs": ch1._FASTEST_LRS}


@pytest.mark.parametrize("name", NUMBER_CHECKS)
def test_number_checks_reject_what_is_not_a_number(lenient, name):
    checker = getattr(ch1, name)
    for expected, answers in NOT_NUMBERS.items():
        for answer in answers:
            feedback = checker(answer)
            if name in REAL_CHECKS and isinstance(answer, list):
                expected_here = "without brackets"
            else:
                expected_here = expected
            assert not feedback.correct and expected_here in feedback.message, (answer, feedback.message)
            assert "tolerance" in feedback.message, feedback.message


@pytest.mark.parametrize("name", NUMBER_CHECKS)
def test_number_checks_accept_numpy_forms_and_hide_the_answer(name):
    right = RIGHT[name]
    for answer in [right, np.float64(right), np.array(right), np.array([right]), float(right)]:
        feedback = getattr(ch1, name)(answer)
        assert feedback.correct and "tolerance" in feedback.message, feedback.message
        assert not shows(feedback.message, right), feedback.message
        assert len(repr(feedback)) < 80  # fits the page's code column at 1280 px


def test_steps_checks_accept_rounding_noise():
    for name in ["steps_needed", "fewest_steps"]:
        right = RIGHT[name]
        for answer in [right + 1e-12, right - 1e-10, np.float32(right), np.int64(right)]:
            feedback = getattr(ch1, name)(answer)
            assert feedback.correct and "tolerance of 1e-09" in feedback.message, feedback.message


MISTAKES = {
    "stable_lr": {0.4648: "tilted bowl", 2 / 7: "middle eigenvalue", 2 / 3: "smallest", 1 / 9: "1/L",
                  1 / 6: "the best step", 2 / 19: "safe step", 0.3: "which eigenvalue", 0.2223: "Close",
                  0.222: "Close"},
    "best_lr": {0.4: "tilted bowl", 2 / 19: "2/tr A", 3 / 19: "mean eigenvalue", 1 / 7: "middle component",
                2 / 13: "diagonal entries", 0.2: "balances", 0.125: "balances", 1 / 9: "1/L",
                2 / 9: "ρ(α) = 1", 0.18: "where they meet", 0.1668: "Close"},
    "steps_needed": {10: "square of the distance", 8: "middle eigenvector", 35: "step 1/L",
                     69: "theorem's bound", 43: "tilted bowl", 19: "One step short", 21: "One step too many",
                     100: "count the steps", -3: "negative", 19.5: "19.5 is not a whole number",
                     19 + 1e-6: "19.000001 is not a whole", 1e300: "count the steps"},
    "same_line_lr": {0.2: "α = 0.2 itself", 1.8: "does not converge", -0.2: "does not converge",
                     0.3: "same square", 0.801: "Close"},
    "fewest_steps": {35: "No learning rate on the slider's grid", 37: "One step too many",
                     64: "the distance", 29: "f(x_k)/f(x_0)", 74: "take the smallest count",
                     36.5: "not a whole number"},
    "faster_lr": {0.4: "α* itself", 0.385: "as many steps as α*", 0.401: "as many steps as α*",
                  0.41: "more steps than α*", 0.3: "more steps than α*", 0.5: "does not converge",
                  -0.1: "does not converge", 0.38: "as many steps"},
    "fastest_lrs": {(0.4,): "Is α* the only one", (0.38,): "missing", (0.38, 0.4, 0.42): "These need more",
                    (0.39, 0.4): "not on the slider's grid", tuple(np.round(GRID, 2)): "These need more",
                    (0.36, 0.38): "These need more"},
}


@pytest.mark.parametrize("name", list(MISTAKES))
def test_each_mistake_gets_its_hint_the_tolerance_and_not_the_answer(lenient, name):
    for answer, hint in MISTAKES[name].items():
        answer = list(answer) if isinstance(answer, tuple) else answer
        feedback = getattr(ch1, name)(answer)
        assert not feedback.correct and hint in feedback.message, (answer, feedback.message)
        assert "tolerance" in feedback.message, feedback.message
        expected = ch1._FEWER_THAN_STAR if name == "faster_lr" else RIGHT[name]
        assert not shows(feedback.message, expected), feedback.message


def test_fastest_lrs_takes_any_collection_of_the_grid_values():
    grid_values = GRID[np.isin(np.round(GRID, 2), ch1._FASTEST_LRS)]  # as lr_2d.grid() gives them
    for answer in [grid_values, list(grid_values), tuple(reversed(grid_values)), set(grid_values),
                   [0.38, 0.4, 0.4]]:
        feedback = ch1.fastest_lrs(answer)
        assert feedback.correct and "relative tolerance of 0.0001" in feedback.message, feedback.message
        assert not shows(feedback.message, ch1._FASTEST_LRS)


def test_fastest_lrs_explains_what_is_not_a_list_of_numbers(lenient):
    cases = [(None, "replace `...`"), ("0.38", "string"), (True, "truth value"), ([0.38, True], "entry 1"),
             ([0.38, "0.4"], "entry 1"), ([[0.38, 0.4]], "entry 0"), (np.zeros((2, 2)), "shape (2, 2)"),
             ([], "empty list"), ([0.38, np.nan], "finite"), ({"lr": 0.4}, "got a dict"), (print, "function")]
    for answer, says in cases:
        feedback = ch1.fastest_lrs(answer)
        assert not feedback.correct and says in feedback.message, (answer, feedback.message)
        assert "tolerance" in feedback.message


def test_strict_mode_raises_on_wrong_answers(monkeypatch):
    monkeypatch.setenv(check.STRICT_ENV, "1")
    for checker, answer in [(check.stable_lr, 0.4), (check.best_lr, True), (ch1.steps_needed, 41),
                            (ch1.same_line_lr, 0.2), (ch1.fewest_steps, 35), (ch1.fastest_lrs, [0.4]),
                            (ch1.faster_lr, 0.4)]:
        with pytest.raises(AssertionError):
            checker(answer)
