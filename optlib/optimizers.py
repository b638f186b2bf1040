"""First-order optimizers.

Every optimizer is a small dataclass whose fields are its hyperparameters, named as in the book.

    x_new = opt.step(x, g)     # a new array (or dict of arrays); the caller's x is never changed
    p = opt.grad_point(x)      # where to evaluate the gradient for the next step
    opt.reset()                # forget the state (the step counter k, and for later methods v, r, ...)

``x`` is one ndarray or a dict of named arrays (``{"layer1.W": ..., "layer1.b": ...}``); each array is
updated with its own gradient and its own state. ``lr`` is a positive float or a schedule, a callable
of the step index k = 0, 1, 2, ... that returns the learning rate for step k.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validate import check_range


@dataclass
class Optimizer:
    """Base class: subclasses set hyperparameter fields and implement ``_update``."""

    k: int = field(default=0, init=False, repr=False, compare=False)
    state: object = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        self.validate()
        self.reset()

    def validate(self) -> None:
        """Check the hyperparameters; subclasses add their own checks."""
        if not callable(self.lr):
            check_range(type(self).__name__, "lr", self.lr, low=0.0, low_open=True)
            self.lr = float(self.lr)  # so that repr shows 0.2, not np.float64(0.2)

    def reset(self) -> None:
        """Forget everything learned while stepping: the next step is step k = 0."""
        self.k = 0
        self.state = None

    def lr_at(self, k: int) -> float:
        """The learning rate of step k (the schedule's value, or the constant)."""
        return float(self.lr(k)) if callable(self.lr) else float(self.lr)

    def grad_point(self, x):
        """Where the next gradient is evaluated: x itself for every method but the look-ahead ones."""
        return x

    def step(self, x, g):
        """Take one step from x with gradient g; return the new point."""
        lr = self.lr_at(self.k)
        if isinstance(x, dict):
            if self.state is None:
                self.state = {name: self._init_state(np.asarray(v)) for name, v in x.items()}
            new = {name: self._update(_as_float(x[name]), _as_float(g[name]), self.state[name], lr)
                   for name in x}
        else:
            x, g = _as_float(x), _as_float(g)
            if self.state is None:
                self.state = self._init_state(x)
            new = self._update(x, g, self.state, lr)
        self.k += 1
        return new

    def _init_state(self, x: np.ndarray):
        """The state kept per array (None for methods without memory)."""
        return None

    def _update(self, x: np.ndarray, g: np.ndarray, state, lr: float) -> np.ndarray:
        raise NotImplementedError


def _as_float(a) -> np.ndarray:
    return np.asarray(a, dtype=float)


@dataclass
class SGD(Optimizer):
    """(Stochastic) gradient descent.

    Update:       x ← x − η g
    Symbols → arguments: η (DLB ε, Park α, Lee η) → ``lr``; g is the (minibatch) gradient at x.
    Convention:   plain gradient descent when g is the full gradient (DLB Alg. 8.1 with a minibatch).
    """

    lr: float = 0.1

    def _update(self, x, g, state, lr):
        return x - lr * g
