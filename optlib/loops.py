"""Driving a method on an objective, and what a run leaves behind."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import check_count, check_range


@dataclass(frozen=True)
class Trajectory:
    """The record of one run.

    xs:          iterates x_0, x_1, ..., shape (steps + 1, d), fewer rows when the run diverged
    values:      f(x_k) for each row of xs
    grad_norms:  ‖∇f(x_k)‖ for each row of xs
    diverged:    True when the run was stopped because f or x became non-finite or exploded
    method:      repr of the optimizer that made the run
    """

    xs: np.ndarray
    values: np.ndarray
    grad_norms: np.ndarray
    diverged: bool
    method: str

    @property
    def steps(self) -> int:
        """Number of steps actually taken."""
        return len(self.xs) - 1

    @property
    def x(self) -> np.ndarray:
        """The last iterate."""
        return self.xs[-1]

    @property
    def value(self) -> float:
        """f at the last iterate."""
        return float(self.values[-1])

    def distances(self, x_star) -> np.ndarray:
        """‖x_k − x*‖ for every iterate."""
        return np.linalg.norm(self.xs - np.asarray(x_star, dtype=float), axis=1)


def run(method, objective, x0, steps: int, blowup: float = 1e8) -> Trajectory:
    """Run ``steps`` steps of ``method`` on ``objective`` from ``x0`` (the method is reset first).

    The run stops early, with ``diverged=True``, as soon as x or f(x) is not finite or
    |f(x) − f(x0)| exceeds ``blowup`` × max(1, |f(x0)|): numbers that large only mean the
    method is running away, and stopping there keeps numpy's overflow warnings away.
    """
    check_count("run", "steps", steps)
    check_range("run", "blowup", blowup, low=1.0)
    method.reset()
    x = np.atleast_1d(np.asarray(x0, dtype=float)).copy()
    f0 = float(objective.value(x))
    limit = blowup * max(1.0, abs(f0))
    xs, values, grad_norms = [x], [f0], []
    diverged = False
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            p = method.grad_point(x)
            g = objective.grad(p)
            grad_norms.append(np.linalg.norm(g if p is x else objective.grad(x)))
            x = method.step(x, g)
            f = float(objective.value(x))
            if not (np.all(np.isfinite(x)) and abs(f - f0) <= limit):
                diverged = True
                break
            xs.append(x)
            values.append(f)
        if len(grad_norms) < len(xs):
            grad_norms.append(np.linalg.norm(objective.grad(x)))
    return Trajectory(np.array(xs), np.array(values), np.array(grad_norms), diverged, repr(method))
