"""First-order optimizers.

Every optimizer is a small dataclass whose fields are its hyperparameters, named as in the book.

    x_new = opt.step(x, g)     # a new array (or dict of arrays); the caller's x is never changed
    p = opt.grad_point(x)      # where to evaluate the gradient for the next step
    opt.reset()                # forget the state (the step counter k, and for later methods v, r, ...)

``x`` is one ndarray or a dict of named arrays (``{"layer1.W": ..., "layer1.b": ...}``); each array is
updated with its own gradient and its own state. ``lr`` is a positive float or a schedule, a callable
of the step index k = 0, 1, 2, ... that returns the learning rate for step k.

Speed: an update works with numpy's ``out=`` and in-place operators, one line per operation of the
rule (the rule is in each class's docstring and beside each line). The optimizer's own state arrays
(``state.v``, ``state.m``, ...) are updated in place; x and g are only read; each step allocates the
array it returns and at most one scratch array (Adam's family: none), so a step at 10⁷ parameters
costs about what a hand-written in-place loop costs (``make bench`` measures the ratio).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

from ._validate import check_count, check_range


@dataclass
class Optimizer:
    """Base class: subclasses set hyperparameter fields and implement ``_update``."""

    k: int = field(default=0, init=False, repr=False, compare=False)
    state: object = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        self.validate()
        self.reset()

    # Hyperparameters that must lie in [0, 1) and those that must be > 0, checked by validate().
    fractions = ()
    positives = ()

    def validate(self) -> None:
        """Check the hyperparameters: ValueError naming the class, the argument, the range and the value."""
        owner = type(self).__name__
        if not callable(self.lr):
            check_range(owner, "lr", self.lr, low=0.0, low_open=True)
            self.lr = float(self.lr)  # so that repr shows 0.2, not np.float64(0.2)
        for name in self.fractions:
            check_range(owner, name, getattr(self, name), low=0.0, high=1.0, high_open=True)
        for name in self.positives:
            check_range(owner, name, getattr(self, name), low=0.0, low_open=True)

    def reset(self) -> None:
        """Forget everything learned while stepping: the next step is step k = 0."""
        self.k = 0
        self.state = None

    def lr_at(self, k: int) -> float:
        """The learning rate of step k (the schedule's value, or the constant)."""
        if not callable(self.lr):
            return float(self.lr)
        lr = float(self.lr(k))
        if not (np.isfinite(lr) and lr >= 0):  # a negative rate would climb the loss without a word
            raise ValueError(f"{type(self).__name__}: the schedule gave lr={lr!r} at step k={k}; "
                             "a learning rate must be finite and >= 0")
        return lr

    def grad_point(self, x):
        """Where the next gradient is evaluated: x itself for every method but the look-ahead ones."""
        return x

    def step(self, x, g):
        """Take one step from x with gradient g; return the new point."""
        lr = self.lr_at(self.k)
        if isinstance(x, dict):
            self._check_keys(x, g)
            pairs = {name: self._pair(x[name], g[name], name) for name in x}
            if self.state is None:
                self.state = {name: self._init_state(xi) for name, (xi, _) in pairs.items()}
            new = {name: _unwrap(self._update(*pairs[name], self.state[name], lr), x[name]) for name in x}
        else:
            pair = self._pair(x, g)
            if self.state is None:
                self.state = self._init_state(pair[0])
            new = _unwrap(self._update(*pair, self.state, lr), x)
        self.k += 1
        return new

    def _check_keys(self, x: dict, g) -> None:
        if not isinstance(g, dict) or set(g) != set(x):
            got = sorted(g) if isinstance(g, dict) else f"a {type(g).__name__}"
            raise ValueError(f"{type(self).__name__}: the gradient must be a dict with the parameters' keys "
                             f"{sorted(x)}, got {got}")

    def _pair(self, x, g, name: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """x and g as float arrays of the same shape (a mismatch would broadcast silently); a scalar as
        a 1-element array, since numpy's arithmetic on 0-d arrays gives scalars, which take no out=."""
        x, g = _as_float(x), _as_float(g)
        if x.shape != g.shape:
            what = f"the gradient of {name!r}" if name else "the gradient"
            raise ValueError(f"{type(self).__name__}: {what} has shape {g.shape} but the parameter has "
                             f"shape {x.shape}")
        return (x.reshape(1), g.reshape(1)) if x.ndim == 0 else (x, g)

    def _init_state(self, x: np.ndarray):
        """The state kept per array (None for methods without memory)."""
        return None

    def _update(self, x: np.ndarray, g: np.ndarray, state, lr: float) -> np.ndarray:
        raise NotImplementedError


def _as_float(a) -> np.ndarray:
    return np.asarray(a, dtype=float)


def _unwrap(new: np.ndarray, like):
    """The updated parameter in the caller's form: a scalar parameter gives a scalar back."""
    return new[0] if np.ndim(like) == 0 else new


@dataclass
class SGD(Optimizer):
    """(Stochastic) gradient descent.

    Update:       x ← x − η g
    Symbols → arguments: η (DLB ε, Park α, Lee η) → ``lr``; g is the (minibatch) gradient at x.
    Convention:   plain gradient descent when g is the full gradient (DLB Alg. 8.1 with a minibatch).
    """

    lr: float = 0.1

    def _update(self, x, g, state, lr):
        step = np.multiply(g, lr)                      # η g
        return np.subtract(x, step, out=step)          # x − η g


def _zeros_like(x: np.ndarray, *names: str) -> SimpleNamespace:
    return SimpleNamespace(**{name: np.zeros_like(x) for name in names})


def _average_square(average, g, decay, work=None) -> np.ndarray:
    """average ← decay · average + (1 − decay) g ⊙ g, in place; returns the scratch array (``work``)."""
    work = np.multiply(g, 1 - decay, out=work)         # (1 − decay) g
    work *= g                                          # (1 − decay) g ⊙ g
    average *= decay                                   # decay · average
    average += work
    return work


def _scaled_step(x, g, lr, denominator) -> np.ndarray:
    """x − η / denominator ⊙ g, computed in ``denominator`` (a scratch array) and returned."""
    np.divide(lr, denominator, out=denominator)        # η / denominator
    denominator *= g                                   # η / denominator ⊙ g
    return np.subtract(x, denominator, out=denominator)


def _look_ahead(x, state, coef):
    """x + coef·v for every array: where the Nesterov family evaluates the gradient (v = 0 at first)."""
    if state is None:
        return x
    if isinstance(x, dict):
        return {name: x[name] + coef * state[name].v.reshape(np.shape(x[name])) for name in x}
    return x + coef * state.v.reshape(np.shape(x))  # a scalar's state is a 1-element array


@dataclass
class Momentum(Optimizer):
    """Heavy-ball momentum (Polyak 1964; DLB Alg. 8.2).

    Update:       v ← β v − η g,   x ← x + v
    Symbols → arguments: η (DLB ε, Lee η, Park α) → ``lr``; β (DLB α, Lee λ, Park β) → ``beta``;
                  v → ``state.v``.
    Convention:   v is the step itself (DLB, Lee). The sum form v ← βv + g, x ← x − αv (Park's update
                  slide, PyTorch) is this method with lr = α while the rate is constant (under a
                  schedule the sum form rescales the whole velocity by the current rate). The
                  moving-average form v ← βv + (1 − β)g, x ← x − αv (Park's generic EMA slide applied
                  to gradients) is it with a rescaled lr (chapter 5 derives the factor).
    """

    lr: float = 0.01
    beta: float = 0.9

    fractions = ("beta",)

    def _init_state(self, x):
        return _zeros_like(x, "v")

    def _update(self, x, g, state, lr):
        work = np.multiply(g, lr)                      # η g
        state.v *= self.beta                           # β v
        state.v -= work                                # v ← β v − η g
        return np.add(x, state.v, out=work)            # x + v


@dataclass
class Nesterov(Momentum):
    """Nesterov momentum in the look-ahead form of DLB Alg. 8.3 (Sutskever et al. 2013).

    Update:       g = ∇f(x + β v)  (see ``grad_point``),   v ← β v − η g,   x ← x + v
    Symbols → arguments: η (DLB ε) → ``lr``; β (DLB α) → ``beta``; v → ``state.v``.
    Convention:   the gradient is taken at the look-ahead point x + βv. With p = x + βv the same method
                  reads p ← p − ηg(p) + βv_new (PyTorch's nesterov=True form, gradient at the current point).
    """

    def grad_point(self, x):
        return _look_ahead(x, self.state, self.beta)


@dataclass
class AdaGrad(Optimizer):
    """AdaGrad (Duchi et al. 2011; DLB Alg. 8.4).

    Update:       r ← r + g ⊙ g,   x ← x − η / (δ + √r) ⊙ g
    Symbols → arguments: η (DLB ε) → ``lr``; δ → ``eps``; r → ``state.r``.
    Convention:   δ is added outside the square root, as in DLB Alg. 8.4 (the notes write √(δ + r)).
    """

    lr: float = 0.01
    eps: float = 1e-7

    positives = ("eps",)

    def _init_state(self, x):
        return _zeros_like(x, "r")

    def _update(self, x, g, state, lr):
        work = np.multiply(g, g)                       # g ⊙ g
        state.r += work                                # r ← r + g ⊙ g
        return _scaled_step(x, g, lr, np.add(np.sqrt(state.r, out=work), self.eps, out=work))


@dataclass
class RMSProp(Optimizer):
    """RMSProp (Tieleman & Hinton 2012; DLB Alg. 8.5).

    Update:       r ← ρ r + (1 − ρ) g ⊙ g,   x ← x − η / √(δ + r) ⊙ g
    Symbols → arguments: η (DLB ε) → ``lr``; ρ (Park β, Lee α) → ``beta``; δ → ``eps``; r → ``state.r``.
    Convention:   δ inside the square root, as DLB Alg. 8.5 writes it (PyTorch adds eps outside: √r + eps).
    """

    lr: float = 0.001
    beta: float = 0.9
    eps: float = 1e-6

    fractions = ("beta",)
    positives = ("eps",)

    def _init_state(self, x):
        return _zeros_like(x, "r")

    def _update(self, x, g, state, lr):
        work = _average_square(state.r, g, self.beta)  # r ← ρ r + (1 − ρ) g ⊙ g
        np.add(state.r, self.eps, out=work)            # δ + r
        return _scaled_step(x, g, lr, np.sqrt(work, out=work))


@dataclass
class RMSPropNesterov(Optimizer):
    """RMSProp with Nesterov momentum (DLB Alg. 8.6).

    Update:       g = ∇f(x + α v),   r ← ρ r + (1 − ρ) g ⊙ g,   v ← α v − η / √(δ + r) ⊙ g,   x ← x + v
    Symbols → arguments: η (DLB ε) → ``lr``; ρ → ``beta``; α → ``momentum``; δ → ``eps``.
    Convention:   look-ahead gradient as in ``Nesterov``; DLB's Alg. 8.6 has no δ, we add it inside the
                  square root (as in RMSProp) so that a zero gradient gives a zero step, not 0/0.
    """

    lr: float = 0.001
    beta: float = 0.9
    momentum: float = 0.9
    eps: float = 1e-6

    fractions = ("beta", "momentum")
    positives = ("eps",)

    def grad_point(self, x):
        return _look_ahead(x, self.state, self.momentum)

    def _init_state(self, x):
        return _zeros_like(x, "r", "v")

    def _update(self, x, g, state, lr):
        work = _average_square(state.r, g, self.beta)  # r ← ρ r + (1 − ρ) g ⊙ g
        np.add(state.r, self.eps, out=work)            # δ + r
        np.sqrt(work, out=work)                        # √(δ + r)
        np.divide(lr, work, out=work)                  # η / √(δ + r)
        work *= g                                      # η / √(δ + r) ⊙ g
        state.v *= self.momentum                       # α v
        state.v -= work                                # v ← α v − η / √(δ + r) ⊙ g
        return np.add(x, state.v, out=work)            # x + v


@dataclass
class Adam(Optimizer):
    """Adam (Kingma & Ba 2015, Algorithm 1; DLB Alg. 8.7).

    Update:       m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g ⊙ g,   with t = k + 1:
                  m̂ = m / (1 − β₁ᵗ),   v̂ = v / (1 − β₂ᵗ),   x ← x − η m̂ / (√v̂ + ε)
    Symbols → arguments: α (paper), ε (DLB) → ``lr``; β₁ (DLB ρ₁) → ``beta1``; β₂ (DLB ρ₂) → ``beta2``;
                         ε (paper), δ (DLB) → ``eps``; m, v (DLB s, r) → ``state.m``, ``state.v``.
    Convention:   ε outside the square root, as in the paper and PyTorch (Park's slides put it inside).
    """

    lr: float = 0.001
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8

    fractions = ("beta1", "beta2")
    positives = ("eps",)

    def _init_state(self, x):
        return _zeros_like(x, "m", "v")

    def _update(self, x, g, state, lr):
        work = self._moments(g, state)
        return self._adaptive_step(x, state.m, state.v, lr, work)

    def _moments(self, g, state) -> np.ndarray:
        """m ← β₁ m + (1 − β₁) g and v ← β₂ v + (1 − β₂) g ⊙ g in place; returns the scratch array used."""
        work = np.multiply(g, 1 - self.beta1)          # (1 − β₁) g
        state.m *= self.beta1                          # β₁ m
        state.m += work                                # m ← β₁ m + (1 − β₁) g
        _average_square(state.v, g, self.beta2, work)  # v ← β₂ v + (1 − β₂) g ⊙ g
        return work

    def _adaptive_step(self, x, m, v, lr, work) -> np.ndarray:
        """x − η m̂ / (√v̂ + ε), with t = k + 1, m̂ = m / (1 − β₁ᵗ) and v̂ = v / (1 − β₂ᵗ), computed in
        ``work`` (the array returned: the whole step allocates nothing else)."""
        t = self.k + 1
        np.divide(v, 1 - self.beta2**t, out=work)      # v̂ = v / (1 − β₂ᵗ)
        np.sqrt(work, out=work)                        # √v̂
        work += self.eps                               # √v̂ + ε
        np.divide(m, work, out=work)                   # m / (√v̂ + ε)
        work *= lr / (1 - self.beta1**t)               # η m̂ / (√v̂ + ε)
        return np.subtract(x, work, out=work)          # x − η m̂ / (√v̂ + ε)


@dataclass
class AMSGrad(Adam):
    """AMSGrad (Reddi et al. 2018, Algorithm 2): Adam whose second moment never decreases.

    Update:       m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g ⊙ g,   v_max ← max(v_max, v),
                  with t = k + 1:   m̂ = m / (1 − β₁ᵗ),   v̂ = v_max / (1 − β₂ᵗ),   x ← x − η m̂ / (√v̂ + ε)
    Symbols → arguments: as in ``Adam``; the paper's v̂ (the running maximum) → ``state.v_max``.
    Convention:   the maximum is kept of the uncorrected v and both moments are bias-corrected, as in
                  PyTorch's ``Adam(amsgrad=True)``; Reddi et al.'s Algorithm 2 has no bias correction and
                  no ε (x ← x − η m / √v_max), and lets β₁ and η depend on t (pass a schedule as ``lr``).
    """

    def _init_state(self, x):
        return _zeros_like(x, "m", "v", "v_max")

    def _update(self, x, g, state, lr):
        work = self._moments(g, state)
        np.maximum(state.v_max, state.v, out=state.v_max)   # v_max ← max(v_max, v)
        return self._adaptive_step(x, state.m, state.v_max, lr, work)


@dataclass
class RAdam(Adam):
    """Rectified Adam (Liu et al. 2020, Algorithm 2).

    Update:       m, v, m̂, v̂ as in ``Adam``; with t = k + 1, ρ∞ = 2/(1 − β₂) − 1 and
                  ρ_t = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ) (the length of the simple moving average that v̂ approximates):
                  if ρ_t > 4:   r_t = √((ρ_t − 4)(ρ_t − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρ_t)),
                                x ← x − η r_t m̂/(√v̂ + ε)
                  otherwise:    x ← x − η m̂   (momentum SGD: the adaptive rate's variance is not finite yet)
    Symbols → arguments: as in ``Adam``; ρ_t → ``sma_length(t)``, r_t → ``rectification(t)``.
    Convention:   the paper's threshold ρ_t > 4 (PyTorch's RAdam uses 5); ε is added to √v̂ as in ``Adam``
                  (the paper's Algorithm 2 has no ε). When β₂ ≤ 0.6, ρ∞ ≤ 4 and every step is momentum SGD.
    """

    def sma_length(self, t: int) -> float:
        """ρ_t, the length of the simple moving average that the bias-corrected v̂_t approximates."""
        rho_inf = 2 / (1 - self.beta2) - 1
        return rho_inf - 2 * t * self.beta2**t / (1 - self.beta2**t)

    def rectification(self, t: int) -> float:
        """r_t (1 in the limit t → ∞), or 0 for the steps where ρ_t ≤ 4 and RAdam takes a momentum step."""
        rho_inf, rho_t = 2 / (1 - self.beta2) - 1, self.sma_length(t)
        if rho_t <= 4:
            return 0.0
        return float(np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)))

    def _update(self, x, g, state, lr):
        t = self.k + 1
        work = self._moments(g, state)
        if self.sma_length(t) > 4:                     # x − η r_t m̂ / (√v̂ + ε)
            return self._adaptive_step(x, state.m, state.v, lr * self.rectification(t), work)
        np.divide(state.m, 1 - self.beta1**t, out=work)   # m̂ = m / (1 − β₁ᵗ)
        work *= lr                                     # η m̂
        return np.subtract(x, work, out=work)          # x − η m̂


@dataclass
class AdaDelta(Optimizer):
    """AdaDelta (Zeiler 2012): a step in the units of x; Zeiler's method has no learning rate.

    Update:       E[g²] ← ρ E[g²] + (1 − ρ) g ⊙ g,   Δx = −√(E[Δx²] + ε) / √(E[g²] + ε) ⊙ g,
                  E[Δx²] ← ρ E[Δx²] + (1 − ρ) Δx ⊙ Δx,   x ← x + η Δx
    Symbols → arguments: ρ → ``rho``; ε → ``eps``; η (1 in the paper) → ``lr``;
                         E[g²], E[Δx²] → ``state.Eg2``, ``state.Edx2``.
    Convention:   as in the paper, with PyTorch's optional scale ``lr`` (default 1: the paper's method).
    """

    lr: float = 1.0
    rho: float = 0.95
    eps: float = 1e-6

    fractions = ("rho",)
    positives = ("eps",)

    def _init_state(self, x):
        return _zeros_like(x, "Eg2", "Edx2")

    def _update(self, x, g, state, lr):
        work = _average_square(state.Eg2, g, self.rho)  # E[g²] ← ρ E[g²] + (1 − ρ) g ⊙ g
        dx = np.add(state.Edx2, self.eps)              # E[Δx²] + ε
        np.sqrt(dx, out=dx)                            # √(E[Δx²] + ε)
        np.negative(dx, out=dx)                        # −√(E[Δx²] + ε)
        np.add(state.Eg2, self.eps, out=work)          # E[g²] + ε
        dx /= np.sqrt(work, out=work)                  # −√(E[Δx²] + ε) / √(E[g²] + ε)
        dx *= g                                        # Δx
        _average_square(state.Edx2, dx, self.rho, work)  # E[Δx²] ← ρ E[Δx²] + (1 − ρ) Δx ⊙ Δx
        dx *= lr                                       # η Δx
        return np.add(x, dx, out=dx)                   # x + η Δx


@dataclass
class PerturbedGD(Optimizer):
    """Gradient descent with seeded isotropic noise added to every step (perturbed gradient descent).

    Update:       x ← x − η g + σ ξ,   ξ ~ N(0, I) drawn afresh each step
    Symbols → arguments: η → ``lr``; σ → ``sigma`` (a distance in x, not scaled by η); the seed of
                  the noise → ``seed``; its generator → ``rng`` (remade by ``reset``).
    Convention:   noise on the iterate at every step, as in the noisy gradient descent of Ge et al.
                  (2015), x ← x − η(g + ξ), except that their ξ is uniform on the unit sphere and ours
                  Gaussian with a free scale σ; Jin et al. (2017) add a perturbation from a ball only
                  when the gradient is small. ``reset``
                  restarts the noise from ``seed``, so every ``run`` of one optimizer is the same run.
                  σ = 0 is gradient descent.
    """

    lr: float = 0.1
    sigma: float = 1e-3
    seed: int = 0

    def validate(self) -> None:
        super().validate()
        check_range("PerturbedGD", "sigma", self.sigma, low=0.0)
        self.sigma = float(self.sigma)
        check_count("PerturbedGD", "seed", self.seed, low=0)

    def reset(self) -> None:
        super().reset()
        self.rng = np.random.default_rng(self.seed)

    def _update(self, x, g, state, lr):
        step = np.multiply(g, lr)                      # η g
        np.subtract(x, step, out=step)                 # x − η g
        noise = self.rng.standard_normal(x.shape)      # ξ ~ N(0, I)
        noise *= self.sigma                            # σ ξ
        return np.add(step, noise, out=step)           # x − η g + σ ξ
