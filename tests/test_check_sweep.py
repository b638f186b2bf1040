"""Every check of every chapter answers every kind of wrong input with a ✘ and a hint, never a crash.

The chapter tests hold each check's catalogue of plausible mistakes; this sweep throws the same
generic wrong inputs at all of them, so a check added later is covered too.
"""

import inspect

import numpy as np
import pytest

from optlib import check

CHECKS = sorted(name for name, f in inspect.getmembers(check, inspect.isfunction)
                if f.__module__.startswith("optlib.check.ch"))
FUNCTION_CHECKS = [name for name in CHECKS if "func" in inspect.signature(getattr(check, name)).parameters]


def _raises(*args, **kwargs):
    raise RuntimeError("a student's bug")


def _exits(*args, **kwargs):
    raise SystemExit(3)


def _interrupts(*args, **kwargs):
    raise KeyboardInterrupt


WRONG = {
    "the stub ...": ..., "None": None, "a bool": True, "a string": "0.5", "bytes": b"1",
    "an empty list": [], "a list": [0.1, 0.2], "a dict": {"lr": 0.1}, "an object": object(),
    "a complex number": 1j, "nan": float("nan"), "inf": float("inf"), "a negative number": -3,
    "a huge integer": 10**400, "an empty array": np.array([]), "a 3×3 array of nan": np.full((3, 3), np.nan),
    "a function that raises": _raises, "a function that exits": _exits,
    "a function that returns None": lambda *a, **k: None,
    "a function that returns a string": lambda *a, **k: "x",
    "a function that returns its argument": lambda *a, **k: a[0] if a else None,
}


def test_the_sweep_covers_every_chapter_and_each_function_check():
    chapters = {getattr(check, name).__module__ for name in CHECKS}
    assert len(chapters) == 9 and len(FUNCTION_CHECKS) >= 9


@pytest.mark.parametrize("name", CHECKS)
@pytest.mark.parametrize("wrong", list(WRONG), ids=list(WRONG))
def test_a_check_answers_a_wrong_input_with_a_cross_and_a_hint(name, wrong, lenient):
    f = getattr(check, name)
    arity = len(inspect.signature(f).parameters)
    feedback = f(*[WRONG[wrong]] * arity)
    assert isinstance(feedback, check.Feedback)
    assert not feedback.correct, f"{name} accepted {wrong}"
    assert str(feedback).startswith("✘") and len(feedback.message.split()) >= 5, str(feedback)
    assert "Traceback" not in feedback.message


@pytest.mark.parametrize("name", FUNCTION_CHECKS)
def test_an_interrupt_inside_a_function_check_stops_the_check(name, lenient):
    # Interrupting the kernel while a check runs the student's code must stop it, not read as a ✘
    with pytest.raises(KeyboardInterrupt):
        getattr(check, name)(_interrupts)
