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
        # every case lies at least a factor 2 from the tolerance: half or twice tol gives the same kind
        assert landscape.classify_critical_point(H, tol=5e-9) == kind
        assert landscape.classify_critical_point(H, tol=2e-8) == kind


def test_each_wrong_tolerance_is_caught_by_a_case_of_its_own():
    # the case meant for each wrong tolerance gives the wrong kind with it, and the cases before it do not
    def first_wrong(func):
        for position, (H, kind, mistakes) in enumerate(ch4._CASES):
            answer = func(np.array(H))
            if answer != kind:
                return position, answer, mistakes
        return None
    expected = {"smaller than the exercise's": _tight_tolerance, "scale the tolerance": _absolute_tolerance,
                "max(1, ·)": _no_floor, "on the negative side too": _one_sided,
                "larger than the exercise's": _tolerance_1e_2, "exact comparison": _no_tolerance}
    positions = set()
    for text, func in expected.items():
        found = first_wrong(func)
        assert found is not None, text
        position, answer, mistakes = found
        assert answer in mistakes and text in mistakes[answer], (text, position, answer)
        positions.add(position)
    assert len(positions) == len(expected)
    # the one-sided case has a negative eigenvalue inside the band, as meant
    lam = np.linalg.eigvalsh(np.array(ch4._CASES[-2][0]))
    assert lam[0] < 0 < lam[1] and abs(lam[0]) <= 1e-8 * max(1.0, abs(lam).max()) / 2
    lam = np.linalg.eigvalsh(np.array(ch4._CASES[-1][0]))
    assert -1e-11 < lam[0] < 0 < lam[1]


def _one_example():
    # (y − w₁w₂x)² with x = 2, y = 1: OneNeuronRegression on one example
    return ol.models.OneNeuronRegression(np.array([ch4._X]), np.array([ch4._Y]))


def test_stored_hessians_and_curvatures_are_optlibs():
    loss = _one_example()
    assert ol.testing.check_hess(loss, np.array(ch4._W)) < 1e-6
    H = loss.hess(np.array(ch4._W))
    assert np.allclose(H, ch4._HESSIAN)
    assert loss.value(np.array(ch4._W_MIN)) == 0 and np.linalg.norm(loss.grad(np.array(ch4._W_MIN))) == 0
    lam = np.linalg.eigvalsh(loss.hess(np.array(ch4._W_MIN)))
    assert ch4._VALLEY == pytest.approx(lam[-1]) and lam[0] == pytest.approx(0.0, abs=1e-12)
    x = ch4._X
    w1, w2 = ch4._W
    gradient_r = -x * np.array([w2, w1])                          # ∇ of the residual r = y − w₁w₂x
    mistakes = [np.array(wrong) for wrong in ch4._HESSIAN_MISTAKES]

    def stored(matrix):
        return any(np.allclose(matrix, wrong) for wrong in mistakes)

    assert stored(2 * np.outer(gradient_r, gradient_r))           # Gauss–Newton
    assert stored(0.5 * H)                                        # ½L
    assert stored(loss.hess(np.zeros(2)))                         # H(0) of the data loss
    assert stored(ol.OneNeuron().hess(np.zeros(2)))               # H(0) of the lecture's neuron
    assert stored(ol.OneNeuron().hess(np.array(ch4._W)))          # the chapter's x = 1
    assert stored(H[::-1, ::-1])                                  # swapped diagonal
    assert stored(H - 2 * np.outer(gradient_r, gradient_r) * (1 - np.eye(2)))   # the residual's term only
    assert stored(H * np.array([[1, -1], [-1, 1]])) and stored(np.diag(np.diag(H)))
    assert all(not np.allclose(wrong, H) for wrong in mistakes)
    w1, w2 = ch4._W_MIN
    for wrong in (2 * (w1**2 + w2**2), 2 * x * (w1**2 + w2**2), w1**2 + w2**2,
                  2 * ch4._VALLEY, np.linalg.eigvalsh(ol.OneNeuron().hess(np.ones(2)))[-1], lam[0]):
        assert any(np.isclose(wrong, key, atol=1e-9) for key in ch4._VALLEY_MISTAKES), wrong


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


def test_stored_frame_readings_are_the_explorers():
    # the explorer's frames use seed 0 and 1,200 steps; each stored reading is what its frames give
    neuron = ol.OneNeuron()

    def frames(lr):
        steps = []
        for sigma in (1e-8, 1e-6, 1e-4, 1e-2):
            traj = ol.run(ol.PerturbedGD(lr=lr, sigma=sigma, seed=0), neuron, np.zeros(2), 1200)
            steps.append(int(np.argmax(traj.values < 0.5)))
        return steps

    at_01 = frames(0.1)
    assert abs((at_01[0] - at_01[-1]) / 3 - ch4._STEPS_100) <= ch4._STEPS_100_ATOL / 4
    readings = {value: width for value, width, _ in ch4._STEPS_100_MISTAKES}
    assert any(abs(at_01[0] - at_01[-1] - v) <= w for v, w in readings.items())           # the total
    for lr in (0.01, 0.03, 0.3):
        f = frames(lr)
        assert any(abs((f[0] - f[-1]) / 3 - v) <= w / 4 for v, w in readings.items()), lr
    assert any(abs(np.log(100) / 0.2 - v) < 1e-9 for v in readings)
    windows = sorted((v - w, v + w) for v, w in readings.items())     # the windows do not overlap, nor
    assert all(a[1] < b[0] for a, b in zip(windows, windows[1:]))      # the accepted one
    assert all(hi < ch4._STEPS_100 - ch4._STEPS_100_ATOL or lo > ch4._STEPS_100 + ch4._STEPS_100_ATOL
               for lo, hi in windows)


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


def _with_band(band, negative_band=None):
    # the chapter's rule with another zero band (a function of the eigenvalues), or another one below 0
    def func(H):
        lam = np.linalg.eigvalsh(H)
        zero = band(lam)
        below = zero if negative_band is None else negative_band(lam)
        pos, neg = np.any(lam > zero), np.any(lam < -below)
        if pos and neg:
            return "saddle"
        if np.all(lam > zero):
            return "minimum"
        if np.all(lam < -below):
            return "maximum"
        return "inconclusive"
    return func


_absolute_tolerance = _with_band(lambda lam: 1e-8)
_no_floor = _with_band(lambda lam: 1e-8 * np.abs(lam).max())
_tolerance_1e_2 = _with_band(lambda lam: 1e-2 * max(1.0, np.abs(lam).max()))
_tight_tolerance = _with_band(lambda lam: 1e-10 * max(1.0, np.abs(lam).max()))
_one_sided = _with_band(lambda lam: 1e-8 * max(1.0, np.abs(lam).max()), negative_band=lambda lam: 0.0)
_one_sided_tiny = _with_band(lambda lam: 1e-8 * max(1.0, np.abs(lam).max()), negative_band=lambda lam: 1e-14)


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
    "larger than the exercise's?": _tolerance_1e_2,
    "smaller than the exercise's": _tight_tolerance,
    "scale the tolerance by the largest": _absolute_tolerance,
    "leave out the max(1, ·)": _no_floor,
    "on the negative side too": _one_sided,
    "not only λ ≤ tolerance": _one_sided_tiny,
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
    for answer in (np.array(ch4._HESSIAN), [[72, 20], [20, 2]], ((72.0, 20.0), (20.0, 2.0)),
                   _one_example().hess(np.array([0.5, 3.0]))):
        feedback = check.hessian_at(answer)
        assert feedback.correct and "72" not in feedback.message, feedback.message


WRONG_MATRICES = {
    "replace `...`": ...,
    "replace `...` with": None,
    "got the string": "[[72, 20], [20, 2]]",
    "got a function": lambda: ch4._HESSIAN,
    "got shape (4,)": [72, 20, 20, 2],
    "got shape (2, 3)": np.zeros((2, 3)),
    "finite numbers": [[np.nan, 20], [20, 2]],
    "array of numbers": [[True, False], [False, True]],
    "diagonal is swapped": [[2, 20], [20, 72]],
    "Gauss–Newton part": [[72, 12], [12, 2]],
    "only the term of the residual": [[72, 8], [8, 2]],
    "Hessian at the origin, H(0)": [[0, -4], [-4, 0]],
    "of (1 − w₁w₂)² at the origin": [[0, -2], [-2, 0]],
    "the one of the origin": [[72, -4], [-4, 2]],
    "the chapter's x = 1": [[18, 4], [4, 0.5]],
    "half the answer": [[36, 10], [10, 1]],
    "sign of the off-diagonal": [[72, -20], [-20, 2]],
    "couples w₁ and w₂": [[72, 0], [0, 2]],
    "a Hessian is symmetric": [[72, 20], [12, 2]],
    "differentiate": [[1, 2], [2, 1]],
}


@pytest.mark.parametrize("expected", WRONG_MATRICES)
def test_hessian_at_rejects_wrong_answers(lenient, expected):
    feedback = check.hessian_at(WRONG_MATRICES[expected])
    assert not feedback.correct and expected in feedback.message, feedback.message
    _plain(feedback.message)
    if not isinstance(WRONG_MATRICES[expected], str):              # a string answer is echoed, nothing else
        assert "[[72" not in feedback.message and "20]" not in feedback.message


def test_valley_curvature(lenient):
    assert check.valley_curvature(10.0).correct and "10" not in check.valley_curvature(10.0).message
    assert check.valley_curvature(np.float64(10.0)).correct and check.valley_curvature(10).correct
    wrong = [(2.5, "the chapter's curvature for x = 1"), (5.0, "power of x"), (1.25, "w₁² + w₂²"),
             (20.0, "twice the answer"), (4.0, "flattest"), (0.0, "smallest eigenvalue"),
             (3.0, "multiple of vvᵀ"), (None, "replace"), ("10", "string"), (True, "truth value"),
             ((10.0,), "without brackets"), (np.inf, "finite"), (np.zeros(2), "one number"),
             (10.1, "multiple of vvᵀ"), (8.5, "multiple of vvᵀ")]
    for answer, expected in wrong:
        feedback = check.valley_curvature(answer)
        assert not feedback.correct and expected in feedback.message, (answer, feedback.message)
        _plain(feedback.message)
        assert "value. t" not in feedback.message and "value. o" not in feedback.message   # capitalised


# ---------------------------------------------------------------------------------------------------
# steps_per_factor_100


def test_steps_per_factor_100_accepts_the_window(lenient):
    for answer in (25.26, 25, 25.33, 24.0, 26.5, np.float64(24.0)):
        feedback = check.steps_per_factor_100(answer)
        assert feedback.correct and "25.2" not in feedback.message, feedback.message


@pytest.mark.parametrize("answer, expected", [
    (48.3, "ln(1 + η)"), (5.48, "per factor e"), (12.6, "per factor 10"), (-25.0, "positive number"),
    (23.0, "ln(1 + 2η) is not 2η"), (23.03, "ln(1 + 2η) is not 2η"), (76, "divide by their number"),
    (75.8, "divide by their number"), (79.33, "η = 0.03"), (79, "η = 0.03"), (9.67, "η = 0.3"),
    (231.3, "η = 0.01"), (21, "average the three differences"), (29.5, "average the three differences"),
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
        check.valley_curvature(2.5)
    assert check.valley_curvature(10.0).correct
