"""Checks of chapter 6 (adaptive methods)."""

import numpy as np
import pytest

import optlib as ol
from optlib import check


def test_adam_numbers_agree_with_optlib():
    opt, x = ol.Adam(lr=0.1), np.array([1.0])
    for case in check.ch6_adaptive_methods._ADAM:
        assert np.isclose(2 * x[0], case["g"], rtol=1e-8)
        x = opt.step(x, 2 * x)
        assert np.allclose([x[0], opt.state.m[0], opt.state.v[0]], [case["x"], case["m"], case["v"]],
                           rtol=1e-8)
    t = np.arange(1, 10_001)
    assert check.uncorrected_factor(np.max((1 - 0.9**t) / np.sqrt(1 - 0.99**t))).correct


def test_adam_check_rejects_an_uncorrected_update(lenient):
    def no_correction(x, g, m, v, t, lr, beta1, beta2, eps):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        return x - lr * m / (np.sqrt(v) + eps), m, v

    assert not check.adam_update(no_correction).correct


def test_uncorrected_factor_peaks_at_step_13_and_the_default_peak_is_the_chapters():
    t = np.arange(1, 10_001)
    factor = (1 - 0.9**t) / np.sqrt(1 - 0.99**t)
    assert np.isclose(factor.max(), check.ch6_adaptive_methods._UNCORRECTED_PEAK, rtol=1e-12)
    assert t[np.argmax(factor)] == 13
    default = (1 - 0.9**t) / np.sqrt(1 - 0.999**t)
    assert np.isclose(default.max(), check.ch6_adaptive_methods._DEFAULT_PEAK, rtol=1e-12)


@pytest.mark.parametrize("answer, says", [
    (None, "replace `...`"), (..., "replace `...`"), (True, "truth value"), ("2", "string"),
    ([2.13, 1.0], "one number"), (float("nan"), "finite"), (lambda: 2.13, "function"),
    (1.0, "first step"), (6.5685, "β₂ = 0.999"), (13, "step at which"), (1 / 2.131, "upside down"),
    (3.0, "constant gradient"),
])
def test_uncorrected_factor_explains_each_wrong_answer(lenient, answer, says):
    feedback = check.uncorrected_factor(answer)
    assert not feedback.correct and says in repr(feedback)
    assert "2.13" not in repr(feedback)                       # the answer is never given away


def test_a_correct_factor_is_not_echoed():
    message = repr(check.uncorrected_factor(2.1311))
    assert message.startswith("✔") and "2.13" not in message and "0.001" in message
