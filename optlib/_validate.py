"""One place for argument checks, so every error message has the same shape:

    Momentum: beta must satisfy 0 <= beta < 1, got beta=1.0
"""

from __future__ import annotations

import math

import numpy as np


def check_range(owner: str, name: str, value, low=None, high=None,
                low_open: bool = False, high_open: bool = False) -> None:
    """Raise ValueError unless ``value`` is a finite real number within the bounds given."""
    rule = _describe(name, low, high, low_open, high_open)
    try:
        if isinstance(value, (str, bytes, bool, np.bool_)):  # float() would take "0.1" and True
            raise TypeError
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: {name} must be a real number with {rule}, "
                         f"got {name}={value!r}") from None
    below = low is not None and (number <= low if low_open else number < low)
    above = high is not None and (number >= high if high_open else number > high)
    if not math.isfinite(number) or below or above:
        raise ValueError(f"{owner}: {name} must satisfy {rule}, got {name}={value!r}")


def check_count(owner: str, name: str, value, low: int = 0) -> None:
    """Raise ValueError unless ``value`` is an integer >= low (numpy integers included, bools not)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{owner}: {name} must be an integer >= {low}, got {name}={value!r}")


def _describe(name, low, high, low_open, high_open) -> str:
    if low is None and high is None:
        return f"{name} finite"
    if high is None:
        return f"{name} {'>' if low_open else '>='} {low:g}"
    left = "" if low is None else f"{low:g} {'<' if low_open else '<='} "
    return f"{left}{name} {'<' if high_open else '<='} {high:g}"
