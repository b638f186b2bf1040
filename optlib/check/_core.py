"""The feedback machinery every chapter's checks share.

Each check takes the student's answer and returns a :class:`Feedback` whose repr is the message, so
the last line of a cell prints it. Expected values are stored here as numbers, never as reference
code. With ``OPTLIB_CHECK_STRICT=1`` (as in ``make test``) a wrong answer raises AssertionError, so the
book's own solutions are tested.

Strict mode in a notebook: a cell may hold several checks, and the student should see every verdict,
not only the first. In an IPython kernel the failures are therefore collected while the cell runs
and raised together when it ends (an AST transformer appends that step to every cell); elsewhere a
failure raises at once.
"""

from __future__ import annotations

import ast
import inspect
import os
import sys
from dataclasses import dataclass

import numpy as np

STRICT_ENV = "OPTLIB_CHECK_STRICT"


@dataclass(frozen=True)
class Feedback:
    correct: bool
    message: str

    def __repr__(self) -> str:
        return ("✔ " if self.correct else "✘ ") + self.message


_pending: list[str] = []  # strict-mode failures of the running cell, raised when it ends


def _verdict(correct: bool, message: str) -> Feedback:
    if not correct and os.environ.get(STRICT_ENV) == "1":
        if not _collecting_in_cells():
            raise AssertionError(message)
        _pending.append(message)
    return Feedback(correct, message)


def finish_cell(value=None):
    """Raise every strict-mode failure of the cell that just ran, together; else pass ``value`` on."""
    if _pending:
        messages = "\n".join(f"✘ {m}" for m in _pending)
        _pending.clear()
        raise AssertionError(f"{messages}")
    return value


class _FinishCell(ast.NodeTransformer):
    """Wrap a cell's last expression as finish_cell(expr), keeping its display, or append finish_cell()."""

    def visit_Module(self, module):
        call = "__import__('optlib.check._core', fromlist=['_']).finish_cell"
        finish = ast.parse(call, mode="eval").body
        if module.body and isinstance(module.body[-1], ast.Expr):
            last = module.body[-1]
            last.value = ast.Call(func=finish, args=[last.value], keywords=[])
        else:
            module.body.append(ast.Expr(ast.Call(func=finish, args=[], keywords=[])))
        return ast.fix_missing_locations(module)


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _collecting_in_cells() -> bool:
    """True when the running IPython shell ends every cell with finish_cell()."""
    shell = _shell()
    return shell is not None and any(isinstance(t, _FinishCell) for t in shell.ast_transformers)


def install_cell_hook() -> None:
    """In a strict-mode IPython kernel, make every later cell end with finish_cell()."""
    shell = _shell()
    if shell is not None and os.environ.get(STRICT_ENV) == "1" and not _collecting_in_cells():
        shell.ast_transformers.append(_FinishCell())


def _not_a_number(answer) -> str | None:
    """Why ``answer`` is not one finite real number, in a sentence for the student, or None."""
    if answer is Ellipsis or answer is None:
        return "replace `...` with your answer."
    if isinstance(answer, (bool, np.bool_)):
        return f"expected a number, got the truth value {answer}."
    if isinstance(answer, (str, bytes, bytearray, memoryview)):
        kind = "string" if isinstance(answer, str) else "bytes"
        return f"expected a number, got the {kind} {_short(answer)}: write the number without quotes."
    if callable(answer):
        return "expected a number, got a function: call it, or assign its result."
    try:
        kind = np.asarray(answer).dtype.kind
    except (TypeError, ValueError, OverflowError):
        kind = "O"
    if kind in "SUV":
        return f"expected a number, got text {_short(answer)}: write the number without quotes."
    if kind == "b":
        return f"expected a number, got the truth value {_short(answer)}."
    if kind == "c":
        return f"expected a real number, got the complex value {_short(answer)}."
    try:
        array = np.asarray(answer, dtype=float)
    except OverflowError:
        return "expected a number that fits a float, got one far too large (it overflows)."
    except (TypeError, ValueError):
        return f"expected a number, got a {type(answer).__name__}."
    if array.size != 1:
        return f"expected one number, got {array.size} values (shape {array.shape})."
    if not np.isfinite(array).all():
        return f"expected a finite number, got {array.item()}."
    return None


def _signature_problem(func, call: str, *args, **kwargs) -> str | None:
    """What is wrong with func's signature for the check's call, written out as `call`; None if it fits."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):  # builtins and C functions: let the call itself tell
        return None
    try:
        signature.bind(*args, **kwargs)
    except TypeError:
        return f"the check calls your function as {call}, but its signature is {signature}."
    return None


def _calls(func, reference, *args) -> bool:
    """True for ``reference`` itself or any function that calls it when run once on ``args`` (an alias, a
    lambda, a wrapper, functools.partial): a profiler watches for the reference's code."""
    code = reference.__code__
    if getattr(func, "__code__", None) is code:
        return True
    seen = []

    def watch(frame, event, arg):
        if event == "call" and frame.f_code is code:
            seen.append(True)

    previous = sys.getprofile()
    sys.setprofile(watch)
    try:
        func(*args)
    except (Exception, SystemExit):  # the student's code may fail, even by exit(): the check says how
        pass
    finally:
        sys.setprofile(previous)
    return bool(seen)


def _short(obj) -> str:
    """repr(obj) on one short line for a message (an array's repr spans several)."""
    text = " ".join(repr(obj).split())
    return text if len(text) <= 60 else text[:57] + "..."


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


WHOLE = 1e-9  # a count within this of a whole number is that number (rounding, not a wrong idea)


def _whole_number(name: str, answer, expected: int, what: str, mistakes: dict, hint: str, *,
                  lowest: int = 0, why_not=None) -> Feedback:
    """Compare a count (steps) with ``expected``, exactly up to WHOLE; the message states it.

    ``what`` describes the answer ("the first whole k at which …") for a non-whole value; a wrong
    count listed in ``mistakes`` gets that mistake's hint, one below ``lowest`` a hint about counting,
    any other ``hint``. ``why_not`` replaces the test of a number (a chapter may refuse more).
    """
    tolerance = f"a whole number, to a tolerance of {WHOLE:g} for rounding"
    problem = (why_not or _not_a_number)(answer)
    if problem:
        return _verdict(False, f"{name}: {problem} (A count: {tolerance}.)")
    value = float(np.asarray(answer, dtype=float).item())
    if abs(value - round(value)) > WHOLE:
        return _verdict(False, f"{name}: {value!r} is not a whole number of steps; the answer is {what} "
                               f"({tolerance}).")
    k = round(value)
    if k == expected:
        return _verdict(True, f"{name}: correct ({tolerance}).")
    if k < lowest:
        hint = "A number of steps cannot be negative." if lowest == 0 else f"Steps are counted from {lowest}."
    elif k in mistakes:
        hint = mistakes[k]
    return _verdict(False, f"{name}: {k} is not right ({tolerance}). {hint}")


def _one_number_problem(answer) -> str | None:
    """Why ``answer`` is not one finite real number, or None: ``_not_a_number``, and lists and tuples
    refused even when they hold one number (a numpy array holding one number is accepted)."""
    if isinstance(answer, (list, tuple)):
        return (f"expected one number, got a {type(answer).__name__}: write the number itself, without "
                "brackets.")
    return _not_a_number(answer)


def _frame_answer(name: str, answer, expected: float, frames: tuple, symbol: str, hints: dict, hint,
                  tol: float = 1e-9) -> Feedback:
    """A value read off an explorer: one of its ``frames`` of ``symbol``, compared within ``tol``.

    A wrong value listed in ``hints`` (a frame or not) gets that hint, any other frame ``hint`` (a sentence,
    or a function of the value that returns one), and a value that is no frame the list of frames.
    """
    tolerance = f"compared to a tolerance of {tol:g}"
    problem = _one_number_problem(answer)
    if problem:
        return _verdict(False, f"{name}: {problem} ({tolerance})")
    value = float(np.asarray(answer, dtype=float).item())
    if abs(value - expected) <= tol:
        return _verdict(True, f"{name}: correct ({tolerance}).")
    listed = next((text for wrong, text in hints.items() if abs(value - wrong) <= tol), None)
    if listed:
        hint = listed
    elif not any(abs(value - frame) <= tol for frame in frames):
        listing = ", ".join(f"{frame:g}" for frame in frames)
        hint = f"That is not a frame of the explorer: {symbol} is one of {listing}."
    elif callable(hint):
        hint = hint(value)
    return _verdict(False, f"{name}: {value:g} is not right ({tolerance}). {hint}")


def _number_with_mistakes(name: str, answer, expected: float, rtol: float, mistakes: dict, hint,
                          close: float = 1e-2) -> Feedback:
    """One real number against ``expected`` to ``rtol``, which the message states.

    A wrong value that a listed mistake gives (within ``rtol``) gets that mistake's hint, one within
    ``close`` of the answer a hint about rounding, any other ``hint`` (a sentence, or a function of the
    value that returns one).
    """
    tolerance = f"a relative tolerance of {rtol:g}"
    problem = _one_number_problem(answer)
    if problem:
        return _verdict(False, f"{name}: {problem} (A number, compared to {tolerance}.)")
    value = float(np.asarray(answer, dtype=float).item())
    if np.isclose(value, expected, rtol=rtol, atol=0):
        return _verdict(True, f"{name}: correct (to {tolerance}).")
    named = [text for wrong, text in mistakes.items() if np.isclose(value, wrong, rtol=rtol, atol=0)]
    if named:
        hint = named[0]
    elif np.isclose(value, expected, rtol=close, atol=0):
        digits = round(-np.log10(rtol)) + 1       # 4 digits can be off by 5e-4 relative, not 1e-4
        hint = (f"Close, but outside the tolerance: keep at least {digits} significant digits, or better, "
                "assign the computed expression instead of a typed decimal.")
    elif callable(hint):
        hint = hint(value)
    return _verdict(False, f"{name}: {value:.6g} is not within {tolerance} of the expected value. {hint}")
