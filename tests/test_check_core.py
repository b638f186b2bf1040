"""The feedback machinery shared by every chapter's checks."""

import numpy as np
import pytest

from optlib import check
from optlib.check._core import _number


def test_strict_mode_raises(monkeypatch):
    monkeypatch.setenv(check.STRICT_ENV, "1")
    with pytest.raises(AssertionError, match="best_lr"):
        check.best_lr(0.3)
    assert check.best_lr(0.4).correct


def number(answer):
    return _number("x", answer, expected=0.4, rtol=1e-4, hint="Think again.")


@pytest.mark.parametrize("answer, says", [
    (..., "replace `...`"), (None, "replace `...`"), (True, "truth value True"),
    ("0.4", "the string '0.4'"), (print, "got a function"), ([0.4, 0.5], "one number, got 2 values"),
    (float("nan"), "finite number"), ({"lr": 0.4}, "got a dict"),
])
def test_a_number_check_explains_every_kind_of_non_number(answer, says, lenient):
    feedback = number(answer)
    assert not feedback.correct and says in feedback.message


def test_a_number_check_states_its_tolerance_and_keeps_the_answer_off_the_page(lenient):
    right, wrong = number(0.4), number(0.41)
    assert right.correct and "0.4" not in right.message and "tolerance" in right.message
    assert not wrong.correct and "relative tolerance of 0.0001" in wrong.message
    assert number(np.array([0.4])).correct  # a one-element array is a number
