"""Checks of chapter 3 (ill-conditioning, cliffs): the stored numbers are what optlib computes, right
answers pass without showing the answer, and every kind of wrong answer gets a ✘ with a sentence that
helps, never an exception."""

import numpy as np
import pytest

import optlib as ol
from optlib import check, clipping, curvature
from optlib.check import ch3_ill_conditioning as ch3


def exact_case(case):
    """g and H of a stored case, from optlib's objectives and their exact Hessians."""
    f = ol.Quadratic(ch3._QUAD_A) if case["kind"] == "quadratic" else ol.Rosenbrock(1.0, 10.0)
    x = np.array(case["x"])
    return f, f.grad(x), f.hess(x)


# ---------------------------------------------------------------------------------------------------
# The stored numbers


def test_stored_best_steps_and_their_mistakes_are_optlibs():
    for case in ch3._BEST_STEP_CASES:
        f, g, H = exact_case(case)
        gg, gHg = g @ g, g @ H @ g
        assert case["expected"] == pytest.approx(gg / gHg, rel=1e-13)
        assert case["expected"] == pytest.approx(ol.line_search.exact_step(g, -g, H), rel=1e-13)
        assert case["inverted"] == pytest.approx(gHg / gg, rel=1e-13)
        assert case["doubled"] == pytest.approx(2 * gg / gHg, rel=1e-13)
        assert case["unsquared"] == pytest.approx(np.sqrt(gg) / gHg, rel=1e-13)
        x = np.array(case["x"])
        if case["kind"] == "quadratic":                      # 2η* is where f is back at f(x)
            before, after = (x - r * case["doubled"] * g for r in (0.99, 1.01))
            assert f.value(before) < f.value(x) < f.value(after)
    A = np.array(ch3._QUAD_A)
    assert not np.allclose(A, np.diag(np.diag(A)))
    _, _, H = exact_case(ch3._BEST_STEP_CASES[1])
    assert np.linalg.eigvalsh(H)[0] < 0                      # indefinite, and yet gᵀHg > 0


def test_the_check_uses_the_same_gradients_as_optlib():
    for case in ch3._BEST_STEP_CASES:
        f, g, _ = exact_case(case)
        x = np.array(case["x"])
        assert np.allclose(ch3._objective(case["kind"])(x), g, rtol=1e-14)


def test_stored_peak_of_the_non_normal_power_is_the_matrix_power():
    W = np.array([[0.92, 1.0], [0.0, 0.92]])
    entries = [np.linalg.matrix_power(W, t)[0, 1] for t in range(0, 40)]
    assert entries[0] == 0 and np.allclose(entries, [t * 0.92 ** (t - 1) if t else 0 for t in range(40)])
    assert int(np.argmax(entries)) == ch3._PEAK_T
    assert max(entries) == pytest.approx(ch3._PEAK_VALUE, rel=1e-13)
    assert entries[11] == pytest.approx(ch3._PEAK_AT_11, rel=1e-13)
    assert entries[13] == pytest.approx(ch3._PEAK_AT_13, rel=1e-13)
    assert 12 * 0.92**12 == pytest.approx(ch3._PEAK_T_TIMES_LAMBDA, rel=1e-13)
    t_real = -1 / np.log(0.92)                               # the real maximum passes the tolerance
    assert abs(t_real * 0.92 ** (t_real - 1) / ch3._PEAK_VALUE - 1) < ch3._VALUE_RTOL


def cliff_runs():
    cliff = ol.Cliff()
    x0 = -3 * cliff.normal + cliff.tangent
    plain = ol.run(ol.SGD(lr=0.1), cliff, x0, 200)
    clipped = {tau: ol.run(ol.SGD(lr=0.1), cliff, x0, 200, clip=lambda g, t=tau: clipping.clip_by_norm(g, t))
               for tau in ch3._TAU_FRAMES}
    return cliff, plain, clipped


def test_stored_threshold_frames_are_what_the_explorer_shows():
    cliff, plain, clipped = cliff_runs()
    f_star = cliff.value(cliff.minimizer)
    gaps = {tau: traj.value - f_star for tau, traj in clipped.items()}
    assert min(gaps, key=gaps.get) == ch3._BEST_TAU
    unchanged = [tau for tau, traj in clipped.items() if np.array_equal(traj.xs, plain.xs)]
    assert min(unchanged) == ch3._UNCLIPPED_TAU
    assert 30 < np.linalg.norm(cliff.grad(plain.xs), axis=1).max() < ch3._UNCLIPPED_TAU


# ---------------------------------------------------------------------------------------------------
# best_step


def reference_best_step(grad, x):
    g = grad(x)
    return float(g @ g / curvature.curvature_along(grad, x, g))


def student_best_step(grad, x):                 # a typical solution with its own difference
    g = grad(x)
    h = 1e-5
    u = g / np.linalg.norm(g)
    Hg = (grad(x + h * u) - grad(x - h * u)) / (2 * h) * np.linalg.norm(g)
    return g @ g / (g @ Hg)


def test_best_step_accepts_right_functions_and_hides_the_answer(lenient):
    for func in (reference_best_step, student_best_step,
                 lambda grad, x: np.float32(reference_best_step(grad, x)),
                 lambda grad, x: np.array([reference_best_step(grad, x)])):
        feedback = check.best_step(func)
        assert feedback.correct and "relative tolerance 1e-05" in feedback.message, feedback.message
        assert not any(s in feedback.message for s in ("0.618", "0.0311"))


def _scaled(factor):
    return lambda grad, x: factor(reference_best_step(grad, x), grad, x)


def _in_place(grad, x):
    g = grad(x)
    x += 1e-5 * g
    return reference_best_step(grad, x - 1e-5 * g)


def _forward_big_h(grad, x):                    # exact on the quadratic only
    g = grad(x)
    Hg = (grad(x + 0.1 * g) - grad(x)) / 0.1
    return g @ g / (g @ Hg)


def _elementwise(grad, x):
    g = grad(x)
    Hg = (grad(x + 1e-5 * g) - grad(x - 1e-5 * g)) / 2e-5
    return g * g / (g * Hg)


def _no_two(grad, x):                           # central difference without the factor 2
    g = grad(x)
    Hg = (grad(x + 1e-5 * g) - grad(x - 1e-5 * g)) / 1e-5
    return g @ g / (g @ Hg)


def _stub(grad, x):
    raise NotImplementedError


WRONG_FUNCTIONS = {
    "not implemented": _stub,
    "raised ValueError": lambda grad, x: (_ for _ in ()).throw(ValueError("bad")),
    "raised ZeroDivisionError": lambda grad, x: 1 / 0,
    "raised TypeError": lambda grad, x: grad(x, 2),
    "as best_step(grad, x)": lambda grad: 1.0,
    "returned None": lambda grad, x: None,
    "string": lambda grad, x: "0.6",
    "truth value": lambda grad, x: True,
    "array of shape": _elementwise,
    "changed the caller's x": _in_place,
    "upside down": _scaled(lambda e, grad, x: 1 / e),
    "twice the best step": _scaled(lambda e, grad, x: 2 * e),
    "the norm ‖g‖": lambda grad, x: reference_best_step(grad, x) / np.linalg.norm(grad(x)),
    "wrong sign": _scaled(lambda e, grad, x: -e),
    "although the quadratic case passed": _forward_big_h,
    "factor 2h": _no_two,
    "finite number": lambda grad, x: float("nan"),
}


@pytest.mark.parametrize("expected", WRONG_FUNCTIONS)
def test_best_step_rejects_wrong_functions_with_a_sentence(lenient, expected):
    feedback = check.best_step(WRONG_FUNCTIONS[expected])
    assert not feedback.correct and expected in feedback.message, feedback.message
    assert "Traceback" not in feedback.message and "\n" not in feedback.message
    assert not any(s in feedback.message for s in ("0.618", "0.0311"))


@pytest.mark.parametrize("answer", [None, ..., 0.618, "best_step", [reference_best_step], np.zeros(3)])
def test_best_step_refuses_what_is_not_a_function(lenient, answer):
    feedback = check.best_step(answer)
    assert not feedback.correct and "expected a function best_step(grad, x)" in feedback.message


def test_a_wrong_answer_raises_in_strict_mode(monkeypatch):
    monkeypatch.setenv(check.STRICT_ENV, "1")
    with pytest.raises(AssertionError, match="upside down"):
        check.best_step(WRONG_FUNCTIONS["upside down"])
    assert check.best_step(reference_best_step).correct


# ---------------------------------------------------------------------------------------------------
# peak_t and peak_value


def test_peak_answers_right(lenient):
    for answer in (12, 12.0, np.int64(12), np.array(12.0)):
        feedback = check.peak_t(answer)
        assert feedback.correct and "12" not in feedback.message, feedback.message
    W = np.array([[0.92, 1.0], [0.0, 0.92]])
    for answer in (np.linalg.matrix_power(W, 12)[0, 1], 12 * 0.92**11, ch3._PEAK_VALUE * (1 + 5e-7)):
        feedback = check.peak_value(answer)
        assert feedback.correct and "4.79" not in feedback.message, feedback.message


@pytest.mark.parametrize("answer, expected", [
    (11, "consecutive entries"), (13, "consecutive entries"), (0, "Steps are counted from 1"),
    (-3, "Steps are counted from 1"), (11.5, "not a whole number"), (11.993, "not a whole number"),
    (20, "induction"), (None, "replace `...`"), (..., "replace `...`"), ("12", "without quotes"),
    (True, "truth value"), ([12], "without brackets"), (np.array([11, 12]), "2 values"),
    (float("inf"), "finite"), (1 + 2j, "complex"),
])
def test_peak_t_rejects_wrong_answers(lenient, answer, expected):
    feedback = check.peak_t(answer)
    assert not feedback.correct and expected in feedback.message, feedback.message
    assert "\n" not in feedback.message


@pytest.mark.parametrize("answer, expected", [
    (ch3._PEAK_T_TIMES_LAMBDA, "t λ^t"), (ch3._PEAK_AT_11, "one below"), (ch3._PEAK_AT_13, "one above"),
    (4.796, "typed decimal"), (4.8, "typed decimal"), (1.0, "Evaluate the top-right entry"),
    (None, "replace `...`"), ("4.79", "without quotes"), ([4.79], "without brackets"), (np.nan, "finite"),
    (lambda: 4.79, "function"),
])
def test_peak_value_rejects_wrong_answers(lenient, answer, expected):
    feedback = check.peak_value(answer)
    assert not feedback.correct and expected in feedback.message, feedback.message
    assert "4.7956" not in feedback.message


# ---------------------------------------------------------------------------------------------------
# best_threshold and unclipped_threshold


def test_threshold_answers_right(lenient):
    assert check.best_threshold(0.3).correct and check.best_threshold(np.float64(0.3)).correct
    assert check.unclipped_threshold(100).correct and check.unclipped_threshold(100.0).correct
    assert "0.3" not in check.best_threshold(0.3).message
    assert "100" not in check.unclipped_threshold(100).message


@pytest.mark.parametrize("check_name, answer, expected", [
    ("best_threshold", 0.1, "every step on the slope is clipped"),
    ("best_threshold", 1.0, "another frame ends lower"),
    ("best_threshold", 100, "plain run"), ("best_threshold", 3.0, "Compare f − f*"),
    ("best_threshold", 0.5, "not a frame"), ("best_threshold", None, "replace `...`"),
    ("best_threshold", "0.3", "without quotes"), ("best_threshold", (0.3,), "without brackets"),
    ("unclipped_threshold", 30, "still clipped on the wall"),
    ("unclipped_threshold", 10, "largest gradient norm"),
    ("unclipped_threshold", 99, "not a frame"), ("unclipped_threshold", np.inf, "finite"),
    ("unclipped_threshold", True, "truth value"),
])
def test_threshold_checks_reject_wrong_answers(lenient, check_name, answer, expected):
    feedback = getattr(check, check_name)(answer)
    assert not feedback.correct and expected in feedback.message, feedback.message
