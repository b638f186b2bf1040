"""Second-order and quasi-Newton methods, linear and nonlinear conjugate gradients.

Every method here is driven by ``run`` like the first-order optimizers and yields the same
``Trajectory``. What a method needs beyond the gradient it declares in ``requires``, and ``run``
passes it to ``step`` by keyword (``optlib.loops.SUPPLIES``):

    Newton(damping=0.0)            requires ("hess",), with a line search ("hess", "objective")
    SaddleFreeNewton(floor=0.1)    requires ("hess", "objective")
    NewtonCG()                     requires ("hvp", "objective"): Hessian-vector products only
    BFGS(), LBFGS(memory=10)       requires ("objective",): a strong-Wolfe line search
    NonlinearCG(variant="FR"/"PR") requires ("objective",)
    SteepestDescent()              requires ("objective",): the baseline, d = −g

With ``line_search="exact"`` BFGS, L-BFGS and nonlinear CG take the exact step of the quadratic model
(``line_search.exact_step``) and require ("hess",) instead: on a quadratic that is exact line search.
A method that cannot take a step (a singular Hessian, no acceptable step) raises ``StopRun``; ``run``
ends there and records why in ``Trajectory.stop_reason``. These methods work on one flat vector x;
a network's parameters become one through ``MLP.objective(X, y)``.

``conjugate_gradient(A, b)`` solves Ax = b for a symmetric positive-definite A and returns the
residual norms and the search directions with the solution.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np

from ._validate import check_count, check_range
from .line_search import LineSearchError, backtracking, exact_step, strong_wolfe
from .loops import StopRun

LINE_SEARCHES = ("wolfe", "exact")


class SingularHessianError(StopRun, ValueError):
    """Newton's system H d = −g has no unique solution: H is singular (to working precision)."""


def newton_direction(g, H) -> np.ndarray:
    """The Newton step d that solves H d = −g (by a linear solve, never by forming H⁻¹).

    d is the step to the critical point of the quadratic model f(x) + gᵀd + ½ dᵀHd: its minimum when H is
    positive definite, and its saddle or maximum otherwise. ValueError (a :class:`SingularHessianError`,
    which ``run`` reports as the stop reason) if H is singular.
    """
    g = np.asarray(g, dtype=float)
    H = np.asarray(H, dtype=float)
    if H.shape != (g.size, g.size) or g.ndim != 1:
        raise ValueError(f"newton_direction: g must be a vector and H a square matrix of its size, got "
                         f"shapes {g.shape} and {H.shape}")
    try:
        with np.errstate(all="ignore"):
            d = np.linalg.solve(H, -g)
    except np.linalg.LinAlgError:
        raise SingularHessianError("newton_direction: the Hessian is singular, so H d = −g has no unique "
                                   "solution") from None
    if not np.all(np.isfinite(d)) or np.linalg.cond(H) * np.finfo(float).eps > 1:
        raise SingularHessianError("newton_direction: the Hessian is singular to working precision "
                                   f"(condition number {np.linalg.cond(H):.3g})")
    return d


@dataclass
class SecondOrderMethod:
    """Base class: ``step(x, g, **supplied)``, ``reset()``, ``grad_point(x)`` as for the optimizers.

    ``state.evaluations`` counts the evaluations of (f, ∇f) the method made itself (line searches);
    ``run`` computes one more gradient per step. ``state.cost[k]`` holds (evaluations, Hessian-vector
    products) after step k, for comparisons at equal work.
    """

    k: int = field(default=0, init=False, repr=False, compare=False)
    state: object = field(default=None, init=False, repr=False, compare=False)

    requires = ()

    def __post_init__(self):
        self.validate()
        self.reset()

    def validate(self) -> None:
        """Check the hyperparameters (ValueError naming the class, argument, range and value)."""

    def reset(self) -> None:
        """Forget everything learned while stepping: the next step is step k = 0."""
        self.k = 0
        self.state = SimpleNamespace(evaluations=0, cost=[], **self._fresh_state())

    def _fresh_state(self) -> dict:
        return {}

    def grad_point(self, x):
        return x

    def notes(self) -> tuple:
        """Sentences on the run so far (``run`` stores them in ``Trajectory.notes``)."""
        return ()

    def step(self, x, g, **supplied):
        """Take one step from x with gradient g (and what ``requires`` lists, by keyword); return the new
        point. Appends the running count of evaluations (and Hessian-vector products) to ``state.cost``."""
        new = self._step(x, g, **supplied)
        self.state.cost.append((self.state.evaluations, getattr(self.state, "hvps", 0)))
        return new

    def _step(self, x, g, **supplied):
        raise NotImplementedError

    # helpers ------------------------------------------------------------------------------------
    def _vectors(self, x, g):
        owner = type(self).__name__
        if isinstance(x, dict):
            raise ValueError(f"{owner}: works on one flat parameter vector; for a network use "
                             f"MLP.objective(X, y), got a dict of {len(x)} arrays")
        x, g = np.asarray(x, dtype=float), np.asarray(g, dtype=float)
        if x.ndim != 1 or g.shape != x.shape:
            raise ValueError(f"{owner}: x must be a vector and g of its shape, got shapes {x.shape} and "
                             f"{g.shape}")
        return x, g

    def _supplied(self, name: str, value):
        if value is None:
            raise ValueError(f"{type(self).__name__}: step needs {name}= (run supplies it, as the method "
                             f"requires {self.requires}); got none")
        return value

    def _hessian(self, hess, x) -> np.ndarray:
        H = np.asarray(self._supplied("hess", hess), dtype=float)
        if H.shape != (x.size, x.size):
            raise ValueError(f"{type(self).__name__}: hess must be a {x.size}×{x.size} matrix, got shape "
                             f"{H.shape}")
        return H


def _check_choice(owner: str, name: str, value, options) -> None:
    if value not in options:
        raise ValueError(f"{owner}: {name} must be one of {', '.join(map(repr, options))}, "
                         f"got {name}={value!r}")


def _check_flag(owner: str, name: str, value) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{owner}: {name} must be True or False, got {name}={value!r}")


@dataclass
class Newton(SecondOrderMethod):
    """Newton's method, damped (regularized) if asked (DLB §8.6.1).

    Update:       solve (H + αI) d = −g, then x ← x + η d   (or x ← x + t d with a backtracking t)
    Symbols → arguments: H = ∇²f(x) (supplied by ``run``); α → ``damping`` (≥ 0; 0 is plain Newton);
                  η → ``lr`` (default 1, the full step; the sliders' step size);
                  t from 1, ½, ¼, … until f(x + td) ≤ f(x) + c₁ t gᵀd → ``line_search=True``, c₁ → ``c1``.
    Convention:   a linear solve, never H⁻¹. On a quadratic with positive-definite H one undamped step
                  lands on the minimizer. Where H + αI is indefinite the step goes to the critical point
                  of the quadratic model, a saddle or a maximum as readily as a minimum: ``notes()``
                  counts those steps. A singular H + αI stops the run (``Trajectory.stop_reason``).
    """

    damping: float = 0.0
    lr: float = 1.0
    line_search: bool = False
    c1: float = 1e-4

    @property
    def requires(self):
        return ("hess", "objective") if self.line_search else ("hess",)

    def validate(self):
        check_range("Newton", "damping", self.damping, low=0.0)
        self.damping = float(self.damping)
        check_range("Newton", "lr", self.lr, low=0.0, low_open=True)
        self.lr = float(self.lr)
        _check_flag("Newton", "line_search", self.line_search)
        check_range("Newton", "c1", self.c1, low=0.0, high=1.0, low_open=True, high_open=True)

    def _fresh_state(self):
        return dict(indefinite=0, first_indefinite=None, steps=[])

    def _step(self, x, g, hess=None, objective=None):
        x, g = self._vectors(x, g)
        H = self._hessian(hess, x) + self.damping * np.eye(x.size)
        if np.linalg.eigvalsh(H)[0] < 0:
            self.state.indefinite += 1
            if self.state.first_indefinite is None:
                self.state.first_indefinite = self.k
        if not np.any(g):                 # a critical point: the step is 0 whatever H is
            d = np.zeros_like(x)
        else:
            try:
                d = newton_direction(g, H)
            except SingularHessianError as error:
                raise SingularHessianError(f"Newton: stopped at step {self.k}: H + αI is singular "
                                           f"({str(error).split(': ', 1)[1]})") from None
        if self.line_search and np.any(d):
            found = backtracking(self._supplied("objective", objective), x, self.lr * d, g0=g, c1=self.c1,
                                 owner="Newton")
            self.state.evaluations += found.evaluations
            new = found.x
        else:
            new = x + self.lr * d
        self.state.steps.append(float(np.linalg.norm(new - x)))
        self.k += 1
        return new

    def notes(self):
        if not self.state.indefinite:
            return ()
        return (f"Newton: H + αI was indefinite at {self.state.indefinite} of {self.k} steps (first at step "
                f"{self.state.first_indefinite}): there the step heads for a saddle or maximum of the "
                "quadratic model as readily as for a minimum",)


@dataclass
class SaddleFreeNewton(SecondOrderMethod):
    """Saddle-free Newton (Dauphin et al. 2014): Newton's step with |H| in place of H.

    Update:       H = Q Λ Qᵀ,  |H|_δ = Q max(|Λ|, δ) Qᵀ,  d = −|H|_δ⁻¹ g,  x ← x + t d
    Symbols → arguments: δ → ``floor`` (> 0); t from 1, ½, ¼, … by backtracking (``line_search=True``,
                  the default) with c₁ → ``c1``.
    Convention:   the full eigen-decomposition of the supplied Hessian, for small problems; Dauphin et al.
                  approximate |H| in a Krylov subspace for large ones. Negative curvature is turned into
                  positive curvature of the same size, so the step moves *away* from a saddle along its
                  escape directions instead of towards it. The floor δ, which keeps flat directions from
                  giving huge steps, is optlib's choice (an eigenvalue modification as in N&W §3.4):
                  Dauphin et al. instead add a damping λI to |H|, with λ chosen to give the lowest f.
                  The direction is always a descent direction.
    """

    floor: float = 0.1
    line_search: bool = True
    c1: float = 1e-4

    @property
    def requires(self):
        return ("hess", "objective") if self.line_search else ("hess",)

    def validate(self):
        check_range("SaddleFreeNewton", "floor", self.floor, low=0.0, low_open=True)
        self.floor = float(self.floor)
        _check_flag("SaddleFreeNewton", "line_search", self.line_search)
        check_range("SaddleFreeNewton", "c1", self.c1, low=0.0, high=1.0, low_open=True, high_open=True)

    def direction(self, g, H) -> np.ndarray:
        """d = −|H|_δ⁻¹ g from the eigen-decomposition of H."""
        lam, Q = np.linalg.eigh(0.5 * (H + H.T))
        return -Q @ ((Q.T @ g) / np.maximum(np.abs(lam), self.floor))

    def _step(self, x, g, hess=None, objective=None):
        x, g = self._vectors(x, g)
        d = self.direction(g, self._hessian(hess, x))
        if self.line_search and np.any(d):
            found = backtracking(self._supplied("objective", objective), x, d, g0=g, c1=self.c1,
                                 owner="SaddleFreeNewton")
            self.state.evaluations += found.evaluations
            new = found.x
        else:
            new = x + d
        self.k += 1
        return new


@dataclass
class NewtonCG(SecondOrderMethod):
    """Line-search Newton–CG (Nocedal & Wright Alg. 7.1), the core of "Hessian-free" Newton.

    Update:       solve H d = −g approximately by linear CG with products v ↦ Hv only, stopping once
                  ‖Hd + g‖ ≤ min(½, √‖g‖)·‖g‖ or when a CG direction p has pᵀHp ≤ 0 (then the CG
                  iterate so far, or −g on the first CG step); x ← x + t d with backtracking t.
    Symbols → arguments: Hv → ``hvp`` (supplied by ``run``: differences of gradients); the CG iterations
                  per step are at most ``max_cg`` (default: the dimension); c₁ → ``c1``.
    Convention:   the Hessian is never formed: each CG iteration costs one Hessian-vector product, about
                  two gradients. ``state.hvps`` counts them. Martens' (2010) Hessian-free optimization uses
                  the same inner CG, but with the Gauss–Newton matrix, Levenberg–Marquardt damping and a
                  relative-progress test on the quadratic model to stop CG; ``max_cg`` is a crude stand-in
                  for that truncation.
    """

    max_cg: int | None = None
    c1: float = 1e-4

    requires = ("hvp", "objective")

    def validate(self):
        if self.max_cg is not None:
            check_count("NewtonCG", "max_cg", self.max_cg, low=1)
        check_range("NewtonCG", "c1", self.c1, low=0.0, high=1.0, low_open=True, high_open=True)

    def _fresh_state(self):
        return dict(hvps=0)

    def direction(self, g, hvp) -> np.ndarray:
        norm = float(np.linalg.norm(g))
        target = min(0.5, np.sqrt(norm)) * norm
        z, r = np.zeros_like(g), g.copy()
        p = -r
        for j in range(self.max_cg or g.size):
            Hp = np.asarray(hvp(p), dtype=float)
            self.state.hvps += 1
            curvature = float(p @ Hp)
            if curvature <= 0:
                return -g if j == 0 else z
            alpha = float(r @ r) / curvature
            z = z + alpha * p
            r_new = r + alpha * Hp
            if np.linalg.norm(r_new) <= target:
                return z
            p = -r_new + float(r_new @ r_new) / float(r @ r) * p
            r = r_new
        return z

    def _step(self, x, g, hvp=None, objective=None):
        x, g = self._vectors(x, g)
        if not np.any(g):
            self.k += 1
            return x.copy()
        d = self.direction(g, self._supplied("hvp", hvp))
        found = backtracking(self._supplied("objective", objective), x, d, g0=g, c1=self.c1, owner="NewtonCG")
        self.state.evaluations += found.evaluations
        self.k += 1
        return found.x


@dataclass
class _LineSearchMethod(SecondOrderMethod):
    """Shared by BFGS, L-BFGS and nonlinear CG: the step along d by a strong-Wolfe or an exact line search."""

    line_search: str = "wolfe"
    c1: float = 1e-4
    c2: float = 0.9

    @property
    def requires(self):
        return ("hess",) if self.line_search == "exact" else ("objective",)

    def validate(self):
        owner = type(self).__name__
        _check_choice(owner, "line_search", self.line_search, LINE_SEARCHES)
        check_range(owner, "c1", self.c1, low=0.0, high=1.0, low_open=True, high_open=True)
        check_range(owner, "c2", self.c2, low=float(self.c1), high=1.0, low_open=True, high_open=True)

    def _fresh_state(self):
        return dict(x_prev=None, g_prev=None, last=None, alphas=[])

    def _search(self, x, g, d, hess, objective, alpha0: float = 1.0) -> np.ndarray:
        """x + αd with α from the chosen line search; records α."""
        owner = type(self).__name__
        if self.line_search == "exact":
            H = self._hessian(hess, x)
            try:
                alpha = exact_step(g, d, H)
            except ValueError as error:
                raise LineSearchError(f"{owner}: no exact step ({error})") from None
            new = x + alpha * d
        else:
            objective = self._supplied("objective", objective)
            last = self.state.last                    # f at x, if the previous search ended there
            f0 = last.f if last is not None and np.array_equal(last.x, x) else None
            if f0 is None:
                self.state.evaluations += 1
            found = strong_wolfe(objective, x, d, f0=f0, g0=g, alpha0=alpha0, c1=self.c1, c2=self.c2,
                                 owner=owner)
            self.state.evaluations += found.evaluations
            self.state.last = found
            alpha, new = found.alpha, found.x
        self.state.alphas.append(float(alpha))
        return new


@dataclass
class SteepestDescent(_LineSearchMethod):
    """Steepest descent with a line search: d = −g, x ← x + α d (N&W §3.1), the baseline of chapter 9.

    Symbols → arguments: c₁, c₂ → ``c1``, ``c2``; ``line_search="exact"`` for the exact step on a
                  quadratic (``line_search.steepest_descent`` is the same method outside ``run``).
    Convention:   the first trial step is 1/‖g₀‖, then N&W (3.60) as in nonlinear CG.
    """

    def _fresh_state(self):
        return dict(super()._fresh_state(), slope=None)

    def _step(self, x, g, hess=None, objective=None):
        x, g = self._vectors(x, g)
        self.k += 1
        if not np.any(g):
            return x.copy()
        slope = -float(g @ g)
        alpha0 = 1.0 / np.sqrt(-slope) if self.state.slope is None else (
            self.state.alphas[-1] * self.state.slope / slope)
        new = self._search(x, g, -g, hess, objective, alpha0=min(max(alpha0, 1e-10), 1e10))
        self.state.slope = slope
        return new


def bfgs_update(M, s, y) -> np.ndarray:
    """The BFGS update of an inverse-Hessian estimate M from a step s and the gradient change y:

        M⁺ = (I − ρ s yᵀ) M (I − ρ y sᵀ) + ρ s sᵀ,   ρ = 1/(yᵀs)        (N&W (6.17)).

    M⁺ is the symmetric matrix closest to M (in a weighted norm) that satisfies the secant condition
    M⁺ y = s; it stays positive definite when M is and yᵀs > 0. ValueError if yᵀs ≤ 0.
    """
    M, s, y = (np.asarray(a, dtype=float) for a in (M, s, y))
    if s.ndim != 1 or y.shape != s.shape or M.shape != (s.size, s.size):
        raise ValueError(f"bfgs_update: s and y must be vectors of one length n and M an n×n matrix, got "
                         f"M {M.shape}, s {s.shape}, y {y.shape}")
    sy = float(s @ y)
    if not sy > 0:
        raise ValueError(f"bfgs_update: the curvature condition yᵀs > 0 must hold, got yᵀs={sy!r}")
    # the same matrix for a symmetric M, expanded so that it costs O(n²):
    # M⁺ = M − ρ(s uᵀ + u sᵀ) + (ρ² yᵀu + ρ) s sᵀ, u = My
    rho, u = 1.0 / sy, M @ y
    return M - rho * (np.outer(s, u) + np.outer(u, s)) + rho * (1.0 + rho * float(y @ u)) * np.outer(s, s)


@dataclass
class BFGS(_LineSearchMethod):
    """BFGS with a strong-Wolfe line search (Nocedal & Wright Alg. 6.1; DLB §8.6.3).

    Update:       d = −M g,  x_new = x + α d (α by the line search),  then with s = x_new − x,
                  y = g_new − g and ρ = 1/(yᵀs):   M ← (I − ρ s yᵀ) M (I − ρ y sᵀ) + ρ s sᵀ
    Symbols → arguments: M (N&W H, the inverse-Hessian estimate) → ``state.M``; c₁, c₂ → ``c1``, ``c2``
                  (0.9 for quasi-Newton methods); ``line_search="exact"`` for the exact step on quadratics.
    Convention:   M₀ = I for the first step; before the first update M is rescaled to (yᵀs/yᵀy) I
                  (N&W (6.20)) when ``scale_initial`` (the default). The new M satisfies the secant
                  condition M y = s. A pair with yᵀs ≤ 0 (impossible after a Wolfe step) or lost to
                  underflow is skipped. O(k²) memory for k parameters.
    """

    scale_initial: bool = True

    def validate(self):
        super().validate()
        _check_flag("BFGS", "scale_initial", self.scale_initial)

    def _fresh_state(self):
        return dict(super()._fresh_state(), M=None, updates=0, skipped=0)

    def _step(self, x, g, hess=None, objective=None):
        x, g = self._vectors(x, g)
        state = self.state
        if state.M is None:
            state.M = np.eye(x.size)
        elif state.x_prev is not None:
            s, y = x - state.x_prev, g - state.g_prev
            sy, yy = float(s @ y), float(y @ y)
            if sy > 0 and yy > 0 and np.isfinite(sy / yy):    # not a pair lost to underflow
                if state.updates == 0 and self.scale_initial:
                    state.M = sy / yy * np.eye(x.size)
                with np.errstate(all="ignore"):
                    updated = bfgs_update(state.M, s, y)
                if np.all(np.isfinite(updated)):
                    state.M = updated
                    state.updates += 1
                else:
                    state.skipped += 1
            else:
                state.skipped += 1
        self.k += 1
        if not np.any(g):
            return x.copy()
        d = -state.M @ g
        new = self._search(x, g, d, hess, objective)
        state.x_prev, state.g_prev = x, g
        return new


@dataclass
class LBFGS(_LineSearchMethod):
    """Limited-memory BFGS (Nocedal & Wright Alg. 7.4–7.5): BFGS's M applied from the last m pairs.

    Update:       d = −M g by the two-loop recursion over the stored pairs (sᵢ, yᵢ), i = k−m … k−1, with
                  M₀ = γ I, γ = sᵀy/yᵀy of the newest pair (N&W (7.20)); x ← x + α d (strong Wolfe).
    Symbols → arguments: m → ``memory`` (≥ 1); c₁, c₂ → ``c1``, ``c2``; ``line_search`` as in BFGS.
    Convention:   O(mk) memory and time per step instead of BFGS's O(k²). M is the BFGS update of γI by
                  the stored pairs; γ changes every step, so even with m ≥ k the iterates differ from
                  BFGS's (which scales M₀ once) except with exact line searches on a quadratic, where
                  both reach the minimizer in n steps along the same path. γ = 1 on the first step.
                  Pairs with yᵀs ≤ 0 are not stored.
    """

    memory: int = 10

    def validate(self):
        super().validate()
        check_count("LBFGS", "memory", self.memory, low=1)

    def _fresh_state(self):
        return dict(super()._fresh_state(), pairs=deque(maxlen=self.memory), skipped=0)

    def direction(self, g) -> np.ndarray:
        """−M g by the two-loop recursion (N&W Alg. 7.4)."""
        q, pairs = g.copy(), self.state.pairs
        alphas = []
        for s, y, rho in reversed(pairs):
            a = rho * float(s @ q)
            alphas.append(a)
            q = q - a * y
        if pairs:
            s, y, _ = pairs[-1]
            q = float(s @ y) / float(y @ y) * q
        for (s, y, rho), a in zip(pairs, reversed(alphas)):
            b = rho * float(y @ q)
            q = q + (a - b) * s
        return -q

    def _step(self, x, g, hess=None, objective=None):
        x, g = self._vectors(x, g)
        state = self.state
        if state.x_prev is not None:
            s, y = x - state.x_prev, g - state.g_prev
            sy, yy = float(s @ y), float(y @ y)
            if sy > 0 and yy > 0 and np.isfinite(sy / yy):
                state.pairs.append((s, y, 1.0 / sy))
            else:
                state.skipped += 1
        self.k += 1
        if not np.any(g):
            return x.copy()
        new = self._search(x, g, self.direction(g), hess, objective)
        state.x_prev, state.g_prev = x, g
        return new


@dataclass
class NonlinearCG(_LineSearchMethod):
    """Nonlinear conjugate gradients (Fletcher–Reeves; Polak–Ribière), N&W Alg. 5.4 and (5.45).

    Update:       d₀ = −g₀;  dₖ = −gₖ + βₖ dₖ₋₁ with
                  FR  βₖ = gₖᵀgₖ / gₖ₋₁ᵀgₖ₋₁,      PR  βₖ = max(0, gₖᵀ(gₖ − gₖ₋₁) / gₖ₋₁ᵀgₖ₋₁)  (PR⁺);
                  x ← x + α d, α by a strong-Wolfe line search with c₂ = 0.1 (< ½, as FR's theory needs).
    Symbols → arguments: FR/PR → ``variant``; c₁, c₂ → ``c1``, ``c2``; ``line_search="exact"`` for
                  the exact step (on a quadratic, then FR and PR are both linear CG).
    Convention:   the first trial step is α₀ = 1/‖g₀‖, then N&W (3.60), α₀ = αₖ₋₁ gₖ₋₁ᵀdₖ₋₁ / gₖᵀdₖ.
                  If dₖ is not a descent direction the method restarts with dₖ = −gₖ (``state.restarts``).
    """

    variant: str = "PR"
    c2: float = 0.1

    def validate(self):
        super().validate()
        _check_choice("NonlinearCG", "variant", self.variant, ("FR", "PR"))
        check_range("NonlinearCG", "c2", self.c2, low=float(self.c1), high=0.5, low_open=True, high_open=True)

    def _fresh_state(self):
        return dict(super()._fresh_state(), d=None, restarts=0, slope=None)

    def _step(self, x, g, hess=None, objective=None):
        x, g = self._vectors(x, g)
        state = self.state
        self.k += 1
        if not np.any(g):
            return x.copy()
        if state.d is None:
            d = -g
            alpha0 = 1.0 / float(np.linalg.norm(g))
        else:
            previous = float(state.g_prev @ state.g_prev)
            if self.variant == "FR":
                beta = float(g @ g) / previous
            else:
                beta = max(0.0, float(g @ (g - state.g_prev)) / previous)
            d = -g + beta * state.d
            if not float(g @ d) < 0:
                d = -g
                state.restarts += 1
            alpha0 = state.alphas[-1] * state.slope / float(g @ d)
        new = self._search(x, g, d, hess, objective, alpha0=min(max(alpha0, 1e-10), 1e10))
        state.x_prev, state.g_prev, state.d, state.slope = x, g, d, float(g @ d)
        return new


class CGInfo(NamedTuple):
    """What ``conjugate_gradient`` did.

    residuals:   ‖r_k‖ = ‖b − A x_k‖ (the recursively updated residual) for k = 0 … iterations
    directions:  the search directions p_0 … p_{iterations−1}, one per row (A-conjugate in exact arithmetic)
    iterations:  the number of steps taken
    converged:   True if ‖r_k‖ ≤ tol · ‖b‖ was reached within max_iter steps
    alphas:      the step lengths α_0 … α_{iterations−1}, so that x_k = x_0 + Σ_{j<k} α_j p_j
    """

    residuals: np.ndarray
    directions: np.ndarray
    iterations: int
    converged: bool
    alphas: np.ndarray


def conjugate_gradient(A, b, x0=None, tol: float = 1e-10, max_iter: int | None = None):
    """Linear conjugate gradients for Ax = b, A symmetric positive definite (Nocedal & Wright Alg. 5.2).

        r₀ = b − Ax₀, p₀ = r₀;  αₖ = rₖᵀrₖ / pₖᵀApₖ,  xₖ₊₁ = xₖ + αₖpₖ,  rₖ₊₁ = rₖ − αₖApₖ,
        βₖ = rₖ₊₁ᵀrₖ₊₁ / rₖᵀrₖ,  pₖ₊₁ = rₖ₊₁ + βₖpₖ,   until ‖rₖ‖ ≤ tol · ‖b‖.

    Symbols → arguments: A → ``A`` (a matrix, or a function v ↦ Av), b → ``b``, x₀ → ``x0`` (default 0);
    the relative tolerance → ``tol`` (as scipy's ``rtol``), the step limit → ``max_iter`` (default 10n).
    Returns ``(x, info)`` with ``info`` a :class:`CGInfo`. In exact arithmetic CG ends in at most n steps
    with A-conjugate directions, pᵢᵀApⱼ = 0; in floating point conjugacy is lost once Ritz values converge
    to large, well-separated eigenvalues, and CG can then take more than n steps. ValueError for a
    non-finite b, a non-symmetric matrix, or once some pᵀAp ≤ 0 (A not positive definite).
    """
    b = np.asarray(b, dtype=float)
    if b.ndim != 1:
        raise ValueError(f"conjugate_gradient: b must be a vector, got shape {b.shape}")
    if not np.all(np.isfinite(b)):
        raise ValueError(f"conjugate_gradient: b must have finite entries, got b with "
                         f"{int(np.sum(~np.isfinite(b)))} nan or inf of {b.size}")
    n = b.size
    if callable(A):
        matvec = A
    else:
        M = np.asarray(A, dtype=float)
        if M.shape != (n, n):
            raise ValueError(f"conjugate_gradient: A must be a {n}×{n} matrix to match b, "
                             f"got shape {M.shape}")
        if not np.allclose(M, M.T, rtol=1e-10, atol=1e-12 * max(1.0, float(np.abs(M).max()))):
            raise ValueError("conjugate_gradient: A must be symmetric, got A != Aᵀ (largest difference "
                             f"{float(np.abs(M - M.T).max()):.3g})")

        def matvec(v):
            return M @ v
    check_range("conjugate_gradient", "tol", tol, low=0.0, low_open=True)
    max_iter = 10 * n if max_iter is None else max_iter
    check_count("conjugate_gradient", "max_iter", max_iter)
    x = np.zeros(n) if x0 is None else np.array(x0, dtype=float)
    if x.shape != (n,):
        raise ValueError(f"conjugate_gradient: x0 must have shape ({n},), got shape {x.shape}")
    r = b - matvec(x)
    p = r.copy()
    rr = float(r @ r)
    residuals, directions, alphas = [np.sqrt(rr)], [], []
    target = tol * float(np.linalg.norm(b))
    k = 0
    while residuals[-1] > target and k < max_iter:
        Ap = np.asarray(matvec(p), dtype=float)
        curvature = float(p @ Ap)
        if not curvature > 0:
            raise ValueError(f"conjugate_gradient: A must be positive definite, but pᵀAp = {curvature:.3g} "
                             f"<= 0 at step {k}")
        alpha = rr / curvature
        x = x + alpha * p
        r = r - alpha * Ap
        directions.append(p)
        alphas.append(alpha)
        rr_new = float(r @ r)
        p = r + rr_new / rr * p
        rr = rr_new
        residuals.append(np.sqrt(rr))
        k += 1
    return x, CGInfo(np.array(residuals), np.array(directions).reshape(k, n), k, residuals[-1] <= target,
                     np.array(alphas))


def cg_bound(kappa, k) -> np.ndarray:
    """2((√κ − 1)/(√κ + 1))ᵏ: the bound on ‖x_k − x*‖_A / ‖x_0 − x*‖_A of linear CG (N&W (5.36))."""
    check_range("cg_bound", "kappa", kappa, low=1.0)
    problem = f"cg_bound: k must be a number of steps >= 0 (or an array of them), got k={k!r}"
    try:
        steps = np.asarray(k, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(problem) from None
    if not np.all(np.isfinite(steps) & (steps >= 0)):
        raise ValueError(problem)
    root = np.sqrt(float(kappa))
    return 2.0 * ((root - 1) / (root + 1)) ** steps
