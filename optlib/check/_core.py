"""The feedback machinery every chapter's checks share.

Each check takes the student's answer and returns a :class:`Feedback` whose repr is the message, so
the last line of a cell prints it. Expected values are stored here as numbers, never as reference
code. With ``OPTLIB_CHECK_STRICT=1`` (as in ``make test``) a wrong answer raises AssertionError, so the
book's own solutions are tested.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

STRICT_ENV = "OPTLIB_CHECK_STRICT"


@dataclass(frozen=True)
class Feedback:
    correct: bool
    message: str

    def __repr__(self) -> str:
        return ("✔ " if self.correct else "✘ ") + self.message


def _verdict(correct: bool, message: str) -> Feedback:
    if not correct and os.environ.get(STRICT_ENV) == "1":
        raise AssertionError(message)
    return Feedback(correct, message)


def _number(name: str, answer, expected: float, rtol: float, hint: str) -> Feedback:
    if answer is Ellipsis or answer is None:
        return _verdict(False, f"{name}: replace `...` with your answer.")
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return _verdict(False, f"{name}: expected a number, got {answer!r}.")
    if np.isclose(value, expected, rtol=rtol, atol=0):
        return _verdict(True, f"{name}: correct, {value:.6g}.")
    return _verdict(False, f"{name}: {value:.6g} is not right. {hint}")
