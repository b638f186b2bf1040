"""Checks of chapter 9 (second-order methods): the stored numbers are what optlib computes, right answers
pass without showing the answer, and every kind of wrong answer gets a ✘ with a sentence that helps, never
an exception."""

import functools

import numpy as np
import pytest

import optlib as ol
from optlib import check, second_order
from optlib import second_order as so_alias
from optlib.check import ch9_second_order as ch9
from optlib.second_order import bfgs_update as optlib_update

pytestmark = pytest.mark.usefixtures("lenient")   # a ✘ is a value here, not the strict mode's error


# ---------------------------------------------------------------------------------------------------
# The stored numbers


def _mistakes(M, s, y):
    """The matrices of the chapter's mistakes, from their textbook formulas."""
    rho = 1.0 / (s @ y)
    V = np.eye(len(s)) - rho * np.outer(s, y)
    return {"dfp": M + rho * np.outer(s, s) - np.outer(M @ y, M @ y) / (y @ M @ y),
            "direct": M + rho * np.outer(y, y) - np.outer(M @ s, M @ s) / (s @ M @ s),
            "no_ss": V @ M @ V.T,
            "swapped": V.T @ M @ V + rho * np.outer(s, s)}


def test_stored_updates_are_optlibs_and_the_mistakes_differ():
    for case in ch9._BFGS_CASES:
        M, s, y = (np.array(case[k]) for k in ("M", "s", "y"))
        expected = second_order.bfgs_update(M, s, y)
        assert np.allclose(case["expected"], expected, rtol=1e-13, atol=1e-15)
        assert np.allclose(expected @ y, s)                           # the secant condition
        for key, matrix in _mistakes(M, s, y).items():
            assert np.allclose(case[key], matrix, rtol=1e-13, atol=1e-15), key
            assert not np.allclose(matrix, expected, rtol=1e-3), key  # every mistake is told apart
    assert not np.allclose(ch9._BFGS_CASES[1]["M"], np.diag(np.diag(ch9._BFGS_CASES[1]["M"])))


def test_stored_secant_numbers():
    s, y = 0.5 - 1.0, 4 * 0.5**3 - 4 * 1.0**3
    assert ch9._SECANT == pytest.approx(y / s)
    grid = np.linspace(0.5, 1.0, 20_001)
    assert ch9._SECANT == pytest.approx(np.trapezoid(12 * grid**2, grid) / 0.5, rel=1e-9)
    for wrong in (12.0, 3.0, 7.5, 1 / 7, -7.0, -3.5, -0.5, 1.75):
        assert wrong in ch9._SECANT_MISTAKES
    assert 1.75 == pytest.approx((0.5**3 - 1.0) / s)                 # f'(x) = x³ instead of 4x³


def test_stored_damping_frame_is_what_the_chapter_runs():
    neuron, w0 = ol.OneNeuron(), np.array([0.2, 0.05])
    reaches, monotone = {}, {}
    for a in ch9._DAMPING_FRAMES:
        traj = ol.run(ol.Newton(damping=a, lr=1.0), neuron, w0, 40)
        reaches[a] = traj.value < 1e-10
        monotone[a] = bool(np.all(np.diff(traj.values) <= 1e-15))
    assert min(a for a in ch9._DAMPING_FRAMES if reaches[a] and monotone[a]) == ch9._SMALLEST_MONOTONE
    assert not reaches[0.0] and not reaches[0.5]
    assert reaches[1.0] and reaches[1.5] and not monotone[1.0] and not monotone[1.5]
    assert set(ch9._DAMPING_HINTS) == set(ch9._DAMPING_FRAMES) - {ch9._SMALLEST_MONOTONE}


# ---------------------------------------------------------------------------------------------------
# Right answers


def good_update(M, s, y):
    M, s, y = (np.asarray(a, dtype=float) for a in (M, s, y))
    rho = 1.0 / (y @ s)
    V = np.eye(len(s)) - rho * np.outer(s, y)
    return V @ M @ V.T + rho * np.outer(s, s)


def test_right_answers_pass_without_showing_them():
    assert check.bfgs_update(good_update).correct
    assert check.bfgs_update(lambda M, s, y: good_update(M, s, y).tolist()).correct
    feedback = check.secant_curvature(7.0)
    assert feedback.correct and "7" not in feedback.message.replace("0.0001", "")
    assert check.secant_curvature(np.float64(7)).correct and check.secant_curvature(7).correct
    feedback = check.smallest_monotone_damping(2.5)
    assert feedback.correct and "2.5" not in feedback.message
    assert check.smallest_monotone_damping(np.float32(2.5)).correct


# ---------------------------------------------------------------------------------------------------
# Wrong answers


def _in_place(M, s, y):
    rho = 1.0 / (y @ s)
    M -= rho * (np.outer(s, M @ y) + np.outer(M @ y, s))
    return M


def _raises(M, s, y):
    raise KeyError("oops")


def _stub(M, s, y):
    raise NotImplementedError


def _drops_m(M, s, y):
    return good_update(np.eye(len(s)), s, y)


def _from_mistake(key):
    return lambda M, s, y: _mistakes(np.asarray(M), np.asarray(s), np.asarray(y))[key]


def _scaled(M, s, y):
    return 2 * good_update(M, s, y)


def _single(M, s, y):
    return good_update(*(np.asarray(a, dtype=np.float32) for a in (M, s, y))).astype(np.float32)


def _asymmetric(M, s, y):
    out = good_update(M, s, y)
    out[0, 1] += 0.1
    return out


WRONG_UPDATES = {
    "none": (None, "expected a function"),
    "called": (np.eye(2), "pass the function itself"),
    "string": ("bfgs_update", "expected a function"),
    "arguments": (lambda M, s: M, "three arguments"),
    "stub": (_stub, "not implemented"),
    "raises": (_raises, "raised KeyError"),
    "returns none": (lambda M, s, y: None, "returned None"),
    "returns text": (lambda M, s, y: "M", "returned a str"),
    "number": (lambda M, s, y: float(s @ y), "expected an 2×2 matrix"),
    "vector": (lambda M, s, y: s, "expected an 2×2 matrix"),
    "nan": (lambda M, s, y: np.full_like(M, np.nan), "not finite"),
    "in place": (_in_place, "changed its arguments in place"),
    "dfp": (_from_mistake("dfp"), "DFP"),
    "direct": (_from_mistake("direct"), "Hessian estimate B"),
    "no ss": (_from_mistake("no_ss"), "ρ s sᵀ is missing"),
    "swapped": (_from_mistake("swapped"), "swapped"),
    "identity": (lambda M, s, y: M, "secant condition"),
    "drops M": (_drops_m, "check how M enters"),
    "scaled": (_scaled, "secant condition"),
    "asymmetric": (_asymmetric, "not symmetric"),
    "optlib's": (second_order.bfgs_update, "write the update yourself"),
    "calls optlib's": (lambda M, s, y: second_order.bfgs_update(M, s, y), "write the update yourself"),
    "via ol": (lambda M, s, y: ol.second_order.bfgs_update(M, s, y), "write the update yourself"),
    "partial": (functools.partial(second_order.bfgs_update), "write the update yourself"),
    "alias": (lambda M, s, y: so_alias.bfgs_update(M, s, y), "write the update yourself"),
    "imported name": (lambda M, s, y: optlib_update(M, s, y), "write the update yourself"),
    "float32": (_single, "compute in float64"),
}


@pytest.mark.parametrize("answer, message", WRONG_UPDATES.values(), ids=WRONG_UPDATES)
def test_wrong_updates_get_a_helpful_cross(answer, message):
    feedback = check.bfgs_update(answer)
    assert not feedback.correct and message in feedback.message and repr(feedback).startswith("✘")


WRONG_CURVATURES = {
    "ellipsis": (..., "replace `...`"), "none": (None, "replace"), "string": ("7", "without quotes"),
    "bool": (True, "truth value"), "list": ([7.0], "without brackets"), "array": (np.ones(2), "one number"),
    "nan": (np.nan, "finite"), "function": (lambda: 7, "a function"),
    "start": (12.0, "f''(x0)"), "end": (3.0, "f''(x1)"), "mean of ends": (7.5, "mean of f''"),
    "inverse": (1 / 7, "inverse curvature"), "sign": (-7.0, "signs"), "y": (-3.5, "y itself"),
    "s": (-0.5, "step s itself"), "derivative": (1.75, "4x³"),
    "abs y": (3.5, "size of y"), "abs s": (0.5, "size of the step"), "rounded": (7.01, "Close"),
    "other": (2.0, "f'(x) = 4x³"),
}


@pytest.mark.parametrize("answer, message", WRONG_CURVATURES.values(), ids=WRONG_CURVATURES)
def test_wrong_curvatures_get_a_helpful_cross(answer, message):
    feedback = check.secant_curvature(answer)
    assert not feedback.correct and message in feedback.message


WRONG_DAMPINGS = {
    "ellipsis": (..., "replace"), "string": ("2.5", "without quotes"), "bool": (True, "truth value"),
    "list": ([2.5], "one number"), "tuple": ((1.0, 2.5), "one number"), "array": (np.ones(2), "one number"),
    "nan": (np.nan, "finite"), "plain": (0.0, "ends on the saddle"),
    "half": (0.5, "still ends on the saddle"),
    "one": (1.0, "L rises"), "one and a half": (1.5, "L rises"), "five": (5.0, "smallest frame that does"),
    "near miss": (2.50000001, "2.50000001 is close to the frame α = 2.5 but is not it"),
    "near miss below": (np.float64(1.4999), "1.4999 is close to the frame α = 1.5"),
    "two": (2.0, "not a frame"), "other": (3.0, "not a frame"),
}


@pytest.mark.parametrize("answer, message", WRONG_DAMPINGS.values(), ids=WRONG_DAMPINGS)
def test_wrong_dampings_get_a_helpful_cross(answer, message):
    feedback = check.smallest_monotone_damping(answer)
    assert not feedback.correct and message in feedback.message


def test_strict_mode_raises_on_wrong_answers(monkeypatch):
    monkeypatch.setenv(check.STRICT_ENV, "1")
    for checker, answer in [(check.bfgs_update, None), (check.secant_curvature, 12.0),
                            (check.smallest_monotone_damping, 1.5)]:
        with pytest.raises(AssertionError):
            checker(answer)
