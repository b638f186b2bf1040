"""Learning-rate schedules: callables of the step index k = 0, 1, 2, ... that return the learning rate.

Every optimizer's ``lr`` accepts one: ``SGD(lr=LinearDecay(0.1, 0.001, tau=500))``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._validate import check_count, check_range


class Schedule:
    """Base class: a schedule is called with k and checks its arguments on construction."""

    def __post_init__(self):
        owner = type(self).__name__
        for name in ("lr0", "lr_min", "lr_tau"):
            if hasattr(self, name):
                check_range(owner, name, getattr(self, name), low=0.0, low_open=name == "lr0")
        for name in ("every", "tau", "total", "steps"):
            if hasattr(self, name):
                check_count(owner, name, getattr(self, name), low=1)
        for name in ("factor", "gamma"):
            if hasattr(self, name):
                check_range(owner, name, getattr(self, name), low=0.0, high=1.0, low_open=True)

    def __call__(self, k: int) -> float:
        raise NotImplementedError


@dataclass
class Constant(Schedule):
    """ε_k = ε₀."""

    lr0: float

    def __call__(self, k):
        return self.lr0


@dataclass
class StepDecay(Schedule):
    """ε_k = ε₀ · factor^⌊k / every⌋: multiply by ``factor`` every ``every`` steps."""

    lr0: float
    factor: float = 0.1
    every: int = 100

    def __call__(self, k):
        return self.lr0 * self.factor ** (k // self.every)


@dataclass
class Exponential(Schedule):
    """ε_k = ε₀ · γ^k."""

    lr0: float
    gamma: float = 0.99

    def __call__(self, k):
        return self.lr0 * self.gamma**k


@dataclass
class LinearDecay(Schedule):
    """DLB §8.3.1: ε_k = (1 − k/τ) ε₀ + (k/τ) ε_τ for k ≤ τ, and ε_τ after."""

    lr0: float
    lr_tau: float
    tau: int

    def __call__(self, k):
        a = min(k / self.tau, 1.0)
        return (1 - a) * self.lr0 + a * self.lr_tau



@dataclass
class InverseTime(Schedule):
    """ε_k = ε₀ / (1 + k/k₀)^p: the decay of stochastic approximation, ε_k ∝ 1/k for p = 1.

    Unlike the schedules that end after a budget of steps, it satisfies Robbins & Monro's conditions
    Σ ε_k = ∞ and Σ ε_k² < ∞ whenever ½ < p ≤ 1; p = ½ gives the 1/√k of online convex optimization.
    """

    lr0: float
    k0: float = 1.0
    power: float = 1.0

    def __post_init__(self):
        super().__post_init__()
        check_range("InverseTime", "k0", self.k0, low=0.0, low_open=True)
        check_range("InverseTime", "power", self.power, low=0.0, low_open=True)

    def __call__(self, k):
        return self.lr0 / (1 + k / self.k0) ** self.power

@dataclass
class Cosine(Schedule):
    """Cosine decay from ε₀ to ε_min, after holding ε₀ for ``hold`` steps.

    ε_k = ε₀ for k < hold, ε_min + ½(ε₀ − ε_min)(1 + cos(π (k − hold)/(total − hold))) until total,
    and ε_min after (Loshchilov & Hutter 2017, without restarts).
    """

    lr0: float
    total: int
    lr_min: float = 0.0
    hold: int = 0

    def __post_init__(self):
        super().__post_init__()
        check_range("Cosine", "hold", self.hold, low=0, high=self.total, high_open=True)

    def __call__(self, k):
        if k < self.hold:
            return self.lr0
        progress = min((k - self.hold) / (self.total - self.hold), 1.0)
        return self.lr_min + 0.5 * (self.lr0 - self.lr_min) * (1 + math.cos(math.pi * progress))


@dataclass
class Warmup(Schedule):
    """Linear warm-up: ε_k = after(k) · min(1, (k + 1)/steps).

    The first ``steps`` learning rates ramp up to the wrapped schedule's values, and from step
    ``steps − 1`` on they are the wrapped schedule's own, so a run with warm-up and one without share
    every later learning rate. Wrap a schedule that is flat while the ramp lasts (``Constant``, or
    ``Cosine`` with ``hold`` ≥ ``steps``), or the peak is never reached.
    """

    after: object
    steps: int

    def __post_init__(self):
        super().__post_init__()
        if not callable(self.after):
            raise ValueError(f"Warmup: after must be a schedule (a callable of k), got after={self.after!r}")

    def __call__(self, k):
        return self.after(k) * min(1.0, (k + 1) / self.steps)
