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


def _not_a_number(answer) -> str | None:
    """Why ``answer`` is not one finite real number, in a sentence for the student, or None."""
    if answer is Ellipsis or answer is None:
        return "replace `...` with your answer."
    if isinstance(answer, (bool, np.bool_)):
        return f"expected a number, got the truth value {answer}."
    if isinstance(answer, str):
        return f"expected a number, got the string {answer!r}: write the number without quotes."
    if callable(answer):
        return "expected a number, got a function: call it, or assign its result."
    try:
        array = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return f"expected a number, got a {type(answer).__name__}."
    if array.size != 1:
        return f"expected one number, got {array.size} values (shape {array.shape})."
    if not np.isfinite(array).all():
        return f"expected a finite number, got {array.item()}."
    return None


def _number(name: str, answer, expected: float, rtol: float, hint: str) -> Feedback:
    """Compare one number with ``expected`` to a relative tolerance, which the message states."""
    problem = _not_a_number(answer)
    if problem:
        return _verdict(False, f"{name}: {problem}")
    value = float(np.asarray(answer, dtype=float).item())
    if np.isclose(value, expected, rtol=rtol, atol=0):
        return _verdict(True, f"{name}: correct (to a relative tolerance of {rtol:g}).")
    return _verdict(False, f"{name}: {value:.6g} is not within a relative tolerance of {rtol:g} of the "
                           f"expected value. {hint}")
