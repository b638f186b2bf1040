"""Gradient clipping: bound the step a cliff can cause (DLB §8.2.4, §10.11.1).

Each function takes one gradient array or a dict of named arrays and returns new arrays.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_range


def _apply(g, fn):
    return {name: fn(np.asarray(v, dtype=float)) for name, v in g.items()} if isinstance(g, dict) \
        else fn(np.asarray(g, dtype=float))


def clip_by_value(g, limit: float):
    """Clip every component to [−limit, limit]: cheap, but changes the direction."""
    check_range("clip_by_value", "limit", limit, low=0.0, low_open=True)
    return _apply(g, lambda a: np.clip(a, -limit, limit))


def clip_by_norm(g, max_norm: float):
    """g · min(1, max_norm/‖g‖) for each array: keeps the direction, bounds the length."""
    check_range("clip_by_norm", "max_norm", max_norm, low=0.0, low_open=True)
    return _apply(g, lambda a: a * _shrink(np.linalg.norm(a), max_norm))


def global_norm(grads) -> float:
    """‖(g₁, g₂, …)‖: the norm of all arrays taken together as one vector."""
    arrays = grads.values() if isinstance(grads, dict) else [grads]
    return float(np.sqrt(sum(np.sum(np.asarray(a, dtype=float) ** 2) for a in arrays)))


def clip_by_global_norm(grads, max_norm: float):
    """Scale every array by the same min(1, max_norm/global_norm): the whole update keeps its direction."""
    check_range("clip_by_global_norm", "max_norm", max_norm, low=0.0, low_open=True)
    scale = _shrink(global_norm(grads), max_norm)
    return _apply(grads, lambda a: a * scale)


def _shrink(norm: float, max_norm: float) -> float:
    return 1.0 if norm <= max_norm else max_norm / norm
