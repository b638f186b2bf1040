"""The feedback machinery shared by every chapter's checks."""

import numpy as np
import pytest

from optlib import check
from optlib.check._core import _number


def test_strict_mode_raises(monkeypatch):
    monkeypatch.setenv(check.STRICT_ENV, "1")
    with pytest.raises(AssertionError, match="x: 0.3 is not within"):
        number(0.3)
    assert number(0.4).correct


def number(answer):
    return _number("x", answer, expected=0.4, rtol=1e-4, hint="Think again.")


@pytest.mark.parametrize("answer, says", [
    (..., "replace `...`"), (None, "replace `...`"), (True, "truth value True"),
    ("0.4", "the string '0.4'"), (print, "got a function"), ([0.4, 0.5], "one number, got 2 values"),
    (float("nan"), "finite number"), ({"lr": 0.4}, "got a dict"), (b"0.4", "the bytes b'0.4'"),
    (["0.4"], "got text"), ([True], "truth value"), (np.complex128(0.4), "complex value"),
    (10**400, "overflows"),
])
def test_a_number_check_explains_every_kind_of_non_number(answer, says, lenient):
    feedback = number(answer)
    assert not feedback.correct and says in feedback.message


def test_a_number_check_states_its_tolerance_and_keeps_the_answer_off_the_page(lenient):
    right, wrong = number(0.4), number(0.41)
    assert right.correct and "0.4" not in right.message and "tolerance" in right.message
    assert not wrong.correct and "relative tolerance of 0.0001" in wrong.message
    assert number(np.array([0.4])).correct  # a one-element array is a number


def test_strict_mode_in_a_kernel_reports_every_failing_check_of_a_cell(monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    from optlib.check import _core

    monkeypatch.setenv(check.STRICT_ENV, "1")
    shell = InteractiveShell.instance()
    monkeypatch.setattr(shell, "ast_transformers", [])
    monkeypatch.setattr(_core, "_shell", lambda: shell)
    _core.install_cell_hook()
    cell = ("from optlib.check._core import _number\n"
            "_number('a', 1.0, 2.0, 1e-6, 'hint a')\n"
            "_number('b', 3.0, 4.0, 1e-6, 'hint b')\n")
    result = shell.run_cell(cell)
    assert isinstance(result.error_in_exec, AssertionError)
    assert "✘ a:" in str(result.error_in_exec) and "✘ b:" in str(result.error_in_exec)
    assert shell.run_cell("_number('c', 1.0, 1.0, 1e-6, 'fine')").result.correct  # display kept


def test_every_chapters_checks_are_importable_from_optlib_check():
    import importlib
    import inspect
    import pkgutil

    for module in pkgutil.iter_modules(check.__path__):
        if module.name.startswith("ch"):
            chapter = importlib.import_module(f"optlib.check.{module.name}")
            public = [name for name, f in inspect.getmembers(chapter, inspect.isfunction)
                      if not name.startswith("_") and f.__module__ == chapter.__name__]
            missing = [name for name in public if getattr(check, name, None) is not getattr(chapter, name)]
            assert not missing, f"optlib.check does not export {missing} from {module.name}"
