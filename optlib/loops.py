"""Driving a method on an objective, and what a run leaves behind."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._threads import single_threaded
from ._validate import check_count, check_range


@dataclass(frozen=True)
class Trajectory:
    """The record of one run.

    xs:          iterates x_0, x_1, ..., shape (steps + 1, d), fewer rows when the run diverged
    values:      f(x_k) for each row of xs
    grad_norms:  ‖∇f(x_k)‖ for each row of xs
    diverged:    True when the run was stopped because f or x became non-finite or exploded
    method:      repr of the optimizer that made the run
    stop_reason: why the run ended before ``steps`` steps other than by diverging ("" if it did not):
                 a gradient below ``gtol``, or a method that could not go on (a singular Hessian in
                 Newton's method, a failed line search), in a sentence
    notes:       what the method reported about the run (e.g. Newton: how often H was indefinite)
    """

    xs: np.ndarray
    values: np.ndarray
    grad_norms: np.ndarray
    diverged: bool
    method: str
    stop_reason: str = ""
    notes: tuple = ()

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


class StopRun(Exception):  # noqa: N818 (a signal to stop, raised by a method's step, not a failure of run)
    """Raised by a method's ``step`` when it cannot take the step (a singular Hessian, no acceptable step
    along its direction). ``run`` catches it, keeps the iterates so far and records the message as the
    trajectory's ``stop_reason``; outside ``run`` it is an ordinary exception with that message."""


# What a method may declare in ``requires``, and what ``run`` then passes to ``method.step`` by keyword:
#   "hess"       hess=∇²f(x), the Hessian matrix at the current point
#   "hvp"        hvp=function v ↦ ∇²f(x) v (Hessian-vector products by differences of gradients)
#   "objective"  objective=the objective itself (for line searches: values and gradients elsewhere)
SUPPLIES = ("hess", "hvp", "objective")


def _requirements(owner: str, method, batch_size, clip) -> tuple:
    """The method's ``requires``, checked: known names only, and no minibatches or clipping with them."""
    needs = tuple(getattr(method, "requires", ()))
    unknown = [n for n in needs if n not in SUPPLIES]
    if unknown:
        raise ValueError(f"{owner}: {type(method).__name__}.requires may hold {', '.join(SUPPLIES)}, "
                         f"got {unknown}")
    if needs and (batch_size is not None or clip is not None):
        used = "batch_size" if batch_size is not None else "clip"
        raise ValueError(f"{owner}: {type(method).__name__} needs {' and '.join(needs)} of the full "
                         f"objective (exact Hessians or line searches), which a minibatch or clipped "
                         f"gradient does not match; run it without {used}, got {used}="
                         f"{batch_size if batch_size is not None else clip!r}")
    return needs


def _extras(needs: tuple, objective, x) -> dict:
    """The keyword arguments of ``method.step`` that ``needs`` asks for, at the point x."""
    extras = {}
    if "hess" in needs:
        extras["hess"] = np.asarray(objective.hess(x), dtype=float)
    if "hvp" in needs:
        from .curvature import hvp

        extras["hvp"] = lambda v: hvp(objective.grad, x, v)
    if "objective" in needs:
        extras["objective"] = objective
    return extras


@single_threaded
def run(method, objective, x0, steps: int, blowup: float = 1e8, *, batch_size: int | None = None,
        rng: np.random.Generator | None = None, clip=None, gtol: float = 0.0) -> Trajectory:
    """Run ``steps`` steps of ``method`` on ``objective`` from ``x0`` (the method is reset first).

    Methods that need more than a gradient declare it in ``method.requires`` (see ``SUPPLIES``):
    Newton's method ``("hess",)``, line-search methods ``("objective",)``; ``run`` then calls
    ``method.step(x, g, hess=…, objective=…)``. Such methods refuse ``batch_size`` and ``clip``.
    A method that cannot go on raises :class:`StopRun`: the run ends there and its ``stop_reason``
    says why. With ``gtol`` > 0 the run also ends once ‖∇f(x_k)‖ ≤ gtol.

    Stochastic gradients: with ``batch_size`` (and a seeded ``rng``) each step uses
    ``objective.minibatch_grad(x, idx)`` on the next minibatch from ``minibatches(objective.n, …)``;
    the record still holds the full f and ‖∇f‖. ``clip`` is a function applied to every gradient
    before the step, e.g. ``lambda g: clipping.clip_by_norm(g, 1.0)``.

    The run stops early, with ``diverged=True``, as soon as x or f(x) is not finite or
    |f(x) − f(x0)| exceeds ``blowup`` × max(1, |f(x0)|): numbers that large only mean the
    method is running away, and stopping there keeps numpy's overflow warnings away.
    """
    check_count("run", "steps", steps)
    check_range("run", "blowup", blowup, low=1.0)
    check_range("run", "gtol", gtol, low=0.0)
    needs = _requirements("run", method, batch_size, clip)
    if clip is not None and not callable(clip):
        raise ValueError(f"run: clip must be a function of the gradient (or None), got clip={clip!r}")
    gradient = _gradient_source("run", objective, batch_size, rng)
    method.reset()
    x = _start("run", objective, x0)
    f0 = float(objective.value(x))
    limit = blowup * max(1.0, abs(f0))
    xs, values, grad_norms = [x], [f0], []
    diverged, stop_reason = False, ""
    full = batch_size is None      # then the gradient at p is ∇f(p), before any clipping
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(steps):
            p = method.grad_point(x)
            g = _checked(gradient(p), x)
            grad_norms.append(np.linalg.norm(g if full and p is x else objective.grad(x)))
            if clip is not None:
                g = _checked(clip(g), x)
            if gtol > 0 and grad_norms[-1] <= gtol:
                stop_reason = f"converged: ‖∇f(x)‖ = {grad_norms[-1]:.3g} <= gtol = {gtol:g}"
                break
            try:
                x = method.step(x, g, **_extras(needs, objective, x)) if needs else method.step(x, g)
            except StopRun as stop:
                stop_reason = str(stop)
                break
            f = float(objective.value(x))
            if not (np.isfinite(x).all() and abs(f - f0) <= limit):
                diverged = True
                break
            xs.append(x)
            values.append(f)
        if len(grad_norms) < len(xs):
            grad_norms.append(np.linalg.norm(objective.grad(x)))
    notes = tuple(method.notes()) if hasattr(method, "notes") else ()
    return Trajectory(np.array(xs), np.array(values), np.array(grad_norms), diverged, repr(method),
                      stop_reason, notes)


def _gradient_source(owner: str, objective, batch_size, rng):
    """The function p ↦ gradient that a run steps with (before clipping): full or minibatch."""
    if batch_size is None:
        if rng is not None:
            raise ValueError(f"{owner}: rng is only used with batch_size; got rng without batch_size")
        raw = objective.grad
    else:
        if not (hasattr(objective, "minibatch_grad") and hasattr(objective, "n")):
            raise ValueError(f"{owner}: batch_size needs an objective over data (with n and minibatch_grad), "
                             f"got {type(objective).__name__}")
        if not isinstance(rng, np.random.Generator):
            raise ValueError(f"{owner}: batch_size needs a seeded rng=np.random.default_rng(seed), "
                             f"got rng={rng!r}")
        batches = minibatches(objective.n, batch_size, rng)

        def raw(p):
            return objective.minibatch_grad(p, next(batches))
    return raw


def _start(owner: str, objective, x0) -> np.ndarray:
    """x0 as a new float array, checked: finite, and of the objective's dimension where it declares one."""
    try:
        x = np.atleast_1d(np.asarray(x0, dtype=float)).copy()
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: x0 must be an array of numbers, got x0={x0!r}") from None
    dim = getattr(objective, "dim", None)
    if dim is not None and x.shape != (dim,):
        raise ValueError(f"{owner}: x0 has {x.size} coordinates (shape {x.shape}) but the objective "
                         f"expects {dim}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{owner}: x0 must be finite, got x0={x.tolist()}")
    return x


def _checked(g, x, owner: str = "run") -> np.ndarray:
    """g checked to have the shape of x (a mismatch would broadcast silently or fail deep in numpy)."""
    g = np.asarray(g, dtype=float)
    if g.shape != x.shape:
        raise ValueError(f"{owner}: the objective's gradient has shape {g.shape} but x has shape {x.shape}")
    return g


@single_threaded
def steps_to_tolerance(method, objective, x0, tol: float, max_steps: int, f_star: float = 0.0) -> int:
    """Steps until f(x_k) − f* ≤ tol · (f(x0) − f*), without storing the run; max_steps + 1 if never
    (or if the method stops, see :class:`StopRun`). Hessians and the objective are supplied as by ``run``.

    For experiments that need many long runs (iterations against the condition number), where
    ``run``'s full history would cost memory for nothing.
    """
    check_range("steps_to_tolerance", "tol", tol, low=0.0, high=1.0, low_open=True, high_open=True)
    check_count("steps_to_tolerance", "max_steps", max_steps)
    needs = _requirements("steps_to_tolerance", method, None, None)
    method.reset()
    x = _start("steps_to_tolerance", objective, x0)
    target = tol * (float(objective.value(x)) - f_star)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for k in range(1, max_steps + 1):
            g = _checked(objective.grad(method.grad_point(x)), x, "steps_to_tolerance")
            try:
                x = method.step(x, g, **_extras(needs, objective, x)) if needs else method.step(x, g)
            except StopRun:
                break
            gap = float(objective.value(x)) - f_star
            if gap <= target:
                return k
            if not np.isfinite(gap):
                break
    return max_steps + 1


def minibatches(n: int, batch_size: int, rng: np.random.Generator):
    """Index arrays of ``batch_size`` examples, a fresh random order each epoch, forever."""
    check_count("minibatches", "batch_size", batch_size, low=1)
    if batch_size > n:
        raise ValueError(f"minibatches: batch_size must be <= n = {n}, got batch_size={batch_size}")
    while True:
        order = rng.permutation(n)
        for start in range(0, n - batch_size + 1, batch_size):
            yield order[start:start + batch_size]


@dataclass(frozen=True)
class TrainLog:
    """Full-training-set loss recorded during ``train``: ``losses[i]`` after ``steps[i]`` updates."""

    steps: np.ndarray
    losses: np.ndarray
    params: dict
    diverged: bool


@single_threaded
def train(method, loss_and_grad, params: dict, X, y, steps: int, batch_size: int,
          rng: np.random.Generator, record=None, clip=None, loss=None) -> TrainLog:
    """Minibatch training of ``params`` (a dict of arrays) with ``method`` (reset first).

    ``loss_and_grad(params, X, y)`` returns (loss, grads). The loss on the whole of (X, y) is recorded
    after the updates listed in ``record`` (default: every step) and stops the run if not finite.
    ``loss(params, X, y)``, if given, computes that recorded loss alone (e.g. ``net.loss``): without it
    each record also computes a full-set gradient and throws it away.
    ``clip``, a function of the gradient dict (e.g. ``lambda g: clipping.clip_by_global_norm(g, 1.0)``),
    is applied to every minibatch gradient before the step.
    """
    check_count("train", "steps", steps)
    for name, value, of in (("clip", clip, "the gradients"), ("loss", loss, "(params, X, y)")):
        if value is not None and not callable(value):
            raise ValueError(f"train: {name} must be a function of {of} (or None), got {name}={value!r}")
    full_loss = loss if loss is not None else (lambda params, X, y: loss_and_grad(params, X, y)[0])
    record = set(range(steps + 1) if record is None else record)
    method.reset()
    batches = minibatches(len(X), batch_size, rng)
    logged_steps, losses = [0], [full_loss(params, X, y)]
    diverged = False
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, steps + 1):
            idx = next(batches)
            _, grads = loss_and_grad(method.grad_point(params), X[idx], y[idx])
            params = method.step(params, grads if clip is None else clip(grads))
            if k in record:
                full = full_loss(params, X, y)
                logged_steps.append(k)
                losses.append(full)
                if not np.isfinite(full):
                    diverged = True
                    break
    return TrainLog(np.array(logged_steps), np.array(losses), params, diverged)
