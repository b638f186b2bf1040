"""Checks of chapter 4 (saddle points): the stored numbers are what optlib computes, right answers pass
without showing the answer, and every kind of wrong answer gets a ✘ with a sentence that helps, never
an exception."""

import numpy as np
import pytest

import optlib as ol
from optlib import check, landscape
from optlib.check import ch4_saddle_points as ch4


def _plain(message):
    assert "Traceback" not in message and "\n" not in message, message


# ---------------------------------------------------------------------------------------------------
# The stored numbers


def test_stored_kinds_are_optlibs():
    for H, kind, mistakes in ch4._CASES:
        H = np.array(H)
        assert np.allclose(H, H.T)
        assert landscape.classify_critical_point(H) == kind
        assert kind not in mistakes and set(mistakes) <= set(ch4.KINDS)
        # every case lies far from the tolerance: a tenfold smaller or larger tol gives the same kind
        assert landscape.classify_critical_point(H, tol=1e-9) == kind
        assert landscape.classify_critical_point(H, tol=1e-7) == kind


def test_stored_hessians_and_curvatures_are_optlibs():
    neuron = ol.OneNeuron()
    assert np.allclose(neuron.hess(ch4._W), ch4._HESSIAN)
    assert ch4._VALLEY == pytest.approx(np.linalg.eigvalsh(neuron.hess([2.0, 0.5]))[-1])
    assert np.linalg.eigvalsh(neuron.hess([2.0, 0.5]))[0] == pytest.approx(0.0, abs=1e-12)
    assert ch4._VALLEY_MISTAKES.keys() >= {np.linalg.eigvalsh(neuron.hess([1.0, 1.0]))[-1]}   # 4, flattest
    w1, w2 = ch4._W
    half = 0.5 * neuron.hess(ch4._W)                              # the Hessian of ½L
    assert any(np.allclose(half, wrong) for wrong in ch4._HESSIAN_MISTAKES)
    assert any(np.allclose(wrong, [[2 * w1**2, 4 * w1 * w2 - 2], [4 * w1 * w2 - 2, 2 * w2**2]])
               for wrong in ch4._HESSIAN_MISTAKES)                # swapped diagonal
    assert any(np.allclose(wrong, [[2 * w2**2, -2], [-2, 2 * w1**2]]) for wrong in ch4._HESSIAN_MISTAKES)


def test_stored_noise_prediction_matches_perturbed_gd():
    assert ch4._STEPS_100 == pytest.approx(np.log(100) / np.log(1 + 2 * 0.1))
    neuron = ol.OneNeuron()
    medians = []
    for sigma in (1e-8, 1e-6, 1e-4, 1e-2):
        steps = []
        for seed in range(10):
            traj = ol.run(ol.PerturbedGD(lr=0.1, sigma=sigma, seed=seed), neuron, np.zeros(2), 200)
            steps.append(int(np.argmax(traj.values < 0.5)))
        medians.append(np.median(steps))
    assert abs((medians[0] - medians[-1]) / 3 / ch4._STEPS_100 - 1) < 0.1


# ---------------------------------------------------------------------------------------------------
# classify


def _right(H):
    return landscape.classify_critical_point(H)


def _with_loop(H):                                               # a typical student solution
    lam = np.linalg.eigvalsh(H)
    zero = 1e-8 * max(1.0, np.abs(lam).max())
    pos, neg = (lam > zero).sum(), (lam < -zero).sum()
    if pos and neg:
        return "saddle"
    if pos == len(lam):
        return "minimum"
    if neg == len(lam):
        return "maximum"
    return "inconclusive"


def test_classify_accepts_right_functions(lenient):
    for func in (_right, _with_loop, lambda H: _right(H.tolist())):
        feedback = check.classify(func)
        assert feedback.correct and "1e-8" in feedback.message, feedback.message
        _plain(feedback.message)


def _no_tolerance(H):
    lam = np.linalg.eigvalsh(H)
    if np.any(lam > 0) and np.any(lam < 0):
        return "saddle"
    if np.all(lam > 0):
        return "minimum"
    if np.all(lam < 0):
        return "maximum"
    return "inconclusive"


def _diagonal(H):
    return _right(np.diag(np.diag(H)))


def _determinant(H):
    det = np.linalg.det(H)
    if abs(det) < 1e-8:
        return "inconclusive"
    return "minimum" if det > 0 else "saddle"


def _zero_means_inconclusive(H):
    lam = np.linalg.eigvalsh(H)
    if np.any(np.abs(lam) <= 1e-8 * max(1.0, np.abs(lam).max())):
        return "inconclusive"
    return _right(H)


def _semidefinite_is_minimum(H):
    lam = np.linalg.eigvalsh(H)
    zero = 1e-8 * max(1.0, np.abs(lam).max())
    if np.all(lam >= -zero) and not np.all(lam <= zero):
        return "minimum"
    return _right(H)


def _loose_tolerance(H):
    return landscape.classify_critical_point(H, tol=1e-5) if np.abs(H).max() > 1e5 else _right(H)


def _in_place(H):
    H += 0.0 * H
    H[0, 0] += 1.0
    return _right(H - np.eye(len(H)) * 0)


def _raises(error):
    def func(H):
        raise error("something went wrong in the student's code")
    return func


def _stub(H):
    raise NotImplementedError


WRONG_FUNCTIONS = {
    "not implemented": _stub,
    "raised ValueError": _raises(ValueError),
    "raised LinAlgError": _raises(np.linalg.LinAlgError),
    "raised ZeroDivisionError": lambda H: 1 / 0,
    "one argument": lambda H, tol: _right(H),
    "returned None": lambda H: None,
    "return one of the strings": lambda H: 1,
    "lower case, no spaces": lambda H: _right(H).capitalize(),
    "return one of 'minimum'": lambda H: "min",
    "not of the diagonal entries": _diagonal,
    "det H > 0 only says": _determinant,
    "does not undo a sign change": _zero_means_inconclusive,
    "x² + y⁴ and x² − y⁴": _semidefinite_is_minimum,
    "below the tolerance": _no_tolerance,
    "larger than the exercise's": _loose_tolerance,
    "changed the H it was given": _in_place,
    "compare the signs": lambda H: "maximum" if len(H) == 2 and H[0][1] == 0 and H[0][0] > 0 else _right(H),
}


@pytest.mark.parametrize("expected", WRONG_FUNCTIONS)
def test_classify_rejects_wrong_functions_with_a_sentence(lenient, expected):
    feedback = check.classify(WRONG_FUNCTIONS[expected])
    assert not feedback.correct and expected in feedback.message, feedback.message
    _plain(feedback.message)


@pytest.mark.parametrize("answer", [None, ..., "classify", 3, [1, 2]])
def test_classify_refuses_non_functions(lenient, answer):
    feedback = check.classify(answer)
    assert not feedback.correct and "expected a function classify(H)" in feedback.message
    _plain(feedback.message)


# ---------------------------------------------------------------------------------------------------
# hessian_at, valley_curvature


def test_hessian_at_accepts_the_right_matrix_in_any_form(lenient):
    for answer in (np.array(ch4._HESSIAN), [[18, 4], [4, 0.5]], ((18.0, 4.0), (4.0, 0.5)),
                   ol.OneNeuron().hess([0.5, 3.0])):
        feedback = check.hessian_at(answer)
        assert feedback.correct and "18" not in feedback.message, feedback.message


WRONG_MATRICES = {
    "replace `...`": ...,
    "replace `...` with": None,
    "got the string": "[[18, 4], [4, 0.5]]",
    "got a function": lambda: ch4._HESSIAN,
    "got shape (4,)": [18, 4, 4, 0.5],
    "got shape (2, 3)": np.zeros((2, 3)),
    "finite numbers": [[np.nan, 4], [4, 0.5]],
    "array of numbers": [[True, False], [False, True]],
    "diagonal is swapped": [[0.5, 4], [4, 18]],
    "the one of the origin": [[18, -2], [-2, 0.5]],
    "misses part of the product rule": [[18, 1], [1, 0.5]],
    "sign of the off-diagonal": [[18, -4], [-4, 0.5]],
    "no factor ½": [[9, 2], [2, 0.25]],
    "couples w₁ and w₂": [[18, 0], [0, 0.5]],
    "a Hessian is symmetric": [[18, 4], [2, 0.5]],
    "differentiate": [[1, 2], [2, 1]],
}


@pytest.mark.parametrize("expected", WRONG_MATRICES)
def test_hessian_at_rejects_wrong_answers(lenient, expected):
    feedback = check.hessian_at(WRONG_MATRICES[expected])
    assert not feedback.correct and expected in feedback.message, feedback.message
    _plain(feedback.message)
    if not isinstance(WRONG_MATRICES[expected], str):              # a string answer is echoed, nothing else
        assert "[[18" not in feedback.message


def test_valley_curvature(lenient):
    assert check.valley_curvature(8.5).correct and "8.5" not in check.valley_curvature(8.5).message
    assert check.valley_curvature(np.float64(8.5)).correct
    wrong = [(4.25, "w₁² + w₂²"), (12.5, "2(w₁ + w₂)²"), (17.0, "twice the answer"), (4.0, "flattest"),
             (0.0, "smallest eigenvalue"), (3.0, "multiple of vvᵀ"), (None, "replace"), ("8.5", "string"),
             (True, "truth value"), ((8.5,), "without brackets"), (np.inf, "finite"),
             (np.zeros(2), "one number"), (8.6, "multiple of vvᵀ")]
    for answer, expected in wrong:
        feedback = check.valley_curvature(answer)
        assert not feedback.correct and expected in feedback.message, (answer, feedback.message)
        _plain(feedback.message)


# ---------------------------------------------------------------------------------------------------
# steps_per_factor_100


def test_steps_per_factor_100_accepts_the_window(lenient):
    for answer in (25.26, 25, 21, 29.5, np.float64(24.0)):
        feedback = check.steps_per_factor_100(answer)
        assert feedback.correct and "25.2" not in feedback.message, feedback.message


@pytest.mark.parametrize("answer, expected", [
    (48.3, "ln(1 + η)"), (5.48, "per factor e"), (12.6, "per factor 10"), (-25.0, "positive number"),
    (0, "positive number"), (108, "escape step itself"), (40, "average the three differences"),
    (None, "replace"), ("25", "string"), ([25], "without brackets"), (np.nan, "finite"),
    (True, "truth value"), (np.ones(3), "one number"),
])
def test_steps_per_factor_100_rejects_wrong_answers(lenient, answer, expected):
    feedback = check.steps_per_factor_100(answer)
    assert not feedback.correct and expected in feedback.message, feedback.message
    _plain(feedback.message)


def test_strict_mode_raises(monkeypatch):
    monkeypatch.setenv("OPTLIB_CHECK_STRICT", "1")
    with pytest.raises(AssertionError):
        check.valley_curvature(4.25)
    assert check.valley_curvature(8.5).correct
