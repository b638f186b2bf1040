"""Momentum, Nesterov and the adaptive methods: hand-worked steps, equivalences, conventions."""

import numpy as np
import pytest

import optlib as ol
from optlib.optimizers import AMSGrad, RAdam

X_SQUARED = ol.Quadratic([[2.0]])  # f = x², g = 2x
ROTATED = ol.Quadratic([[1.0, 1.0], [1.0, 4.0]])
ALL = [ol.SGD(lr=0.05), ol.Momentum(lr=0.05, beta=0.9), ol.Nesterov(lr=0.05, beta=0.9),
       ol.AdaGrad(lr=0.5), ol.RMSProp(lr=0.1), ol.RMSPropNesterov(lr=0.01), ol.Adam(lr=0.05),
       ol.AdaDelta(), AMSGrad(lr=0.05), RAdam(lr=0.05)]


def two_steps(opt, x0=1.0):
    """x1, x2 of the method on f = x² from x0 (the gradient taken where the method asks)."""
    traj = ol.run(opt, X_SQUARED, x0, steps=2)
    return traj.xs[1, 0], traj.xs[2, 0]


def test_momentum_by_hand():
    # v = −0.1·2 = −0.2, x = 0.8; g = 1.6, v = 0.9·(−0.2) − 0.16 = −0.34, x = 0.46
    assert two_steps(ol.Momentum(lr=0.1, beta=0.9)) == pytest.approx((0.8, 0.46))


def test_nesterov_by_hand():
    # step 1 as momentum (v = 0); step 2: look-ahead 0.8 + 0.9·(−0.2) = 0.62, g = 1.24,
    # v = −0.18 − 0.124 = −0.304, x = 0.496
    assert two_steps(ol.Nesterov(lr=0.1, beta=0.9)) == pytest.approx((0.8, 0.496))


def test_adagrad_by_hand():
    # r = 4, x = 1 − 0.1·2/(1e-7 + 2); g = 2·x1, r = 4 + g², x2 = x1 − 0.1·g/(1e-7 + √r)
    x1 = 1 - 0.1 * 2 / (1e-7 + 2)
    x2 = x1 - 0.1 * 2 * x1 / (1e-7 + np.sqrt(4 + (2 * x1) ** 2))
    assert two_steps(ol.AdaGrad(lr=0.1, eps=1e-7)) == pytest.approx((x1, x2), rel=1e-12)
    assert x1 == pytest.approx(0.9) and x2 == pytest.approx(0.833104, abs=1e-6)


def test_rmsprop_by_hand():
    r1 = 0.1 * 4                                   # (1 − ρ) g², ρ = 0.9
    x1 = 1 - 0.1 * 2 / np.sqrt(1e-6 + r1)          # δ inside the square root (DLB Alg. 8.5)
    r2 = 0.9 * r1 + 0.1 * (2 * x1) ** 2
    x2 = x1 - 0.1 * 2 * x1 / np.sqrt(1e-6 + r2)
    assert two_steps(ol.RMSProp(lr=0.1, beta=0.9, eps=1e-6)) == pytest.approx((x1, x2), rel=1e-12)
    assert x1 == pytest.approx(0.683772, abs=1e-6)


def test_rmsprop_nesterov_by_hand():
    r1 = 0.1 * 4
    v1 = -0.1 * 2 / np.sqrt(1e-6 + r1)
    x1 = 1 + v1
    g2 = 2 * (x1 + 0.9 * v1)                       # gradient at the look-ahead point
    r2 = 0.9 * r1 + 0.1 * g2**2
    x2 = x1 + 0.9 * v1 - 0.1 * g2 / np.sqrt(1e-6 + r2)
    opt = ol.RMSPropNesterov(lr=0.1, beta=0.9, momentum=0.9, eps=1e-6)
    assert two_steps(opt) == pytest.approx((x1, x2), rel=1e-12)


def test_adam_by_hand():
    # t = 1: m = 0.2, v = 0.004, m̂ = 2, v̂ = 4, x = 1 − 0.1·2/(2 + 1e-8) ≈ 0.9
    x1 = 1 - 0.1 * 2 / (2 + 1e-8)
    g = 2 * x1
    m, v = 0.9 * 0.2 + 0.1 * g, 0.999 * 0.004 + 0.001 * g**2
    x2 = x1 - 0.1 * (m / (1 - 0.9**2)) / (np.sqrt(v / (1 - 0.999**2)) + 1e-8)
    assert two_steps(ol.Adam(lr=0.1)) == pytest.approx((x1, x2), rel=1e-12)
    assert x2 == pytest.approx(0.800412, abs=1e-6)


def test_adadelta_by_hand():
    eg2 = 0.05 * 4
    dx1 = -np.sqrt(1e-6) / np.sqrt(eg2 + 1e-6) * 2
    x1 = 1 + dx1
    edx2 = 0.05 * dx1**2
    g = 2 * x1
    eg2 = 0.95 * eg2 + 0.05 * g**2
    x2 = x1 - np.sqrt(edx2 + 1e-6) / np.sqrt(eg2 + 1e-6) * g
    assert two_steps(ol.AdaDelta(rho=0.95, eps=1e-6)) == pytest.approx((x1, x2), rel=1e-12)


def test_momentum_with_beta_zero_is_sgd():
    a = ol.run(ol.Momentum(lr=0.1, beta=0.0), ROTATED, [8.7, -7.9], 50)
    b = ol.run(ol.SGD(lr=0.1), ROTATED, [8.7, -7.9], 50)
    assert np.array_equal(a.xs, b.xs)


def heavy_ball_ema(grad, x0, alpha, beta, steps):
    """The moving-average form: v ← βv + (1 − β)∇L, θ ← θ − αv."""
    x, v, xs = np.array(x0, float), 0.0, [np.array(x0, float)]
    for _ in range(steps):
        v = beta * v + (1 - beta) * grad(x)
        x = x - alpha * v
        xs.append(x)
    return np.array(xs)


def heavy_ball_sum(grad, x0, lr, beta, steps):
    """The sum form of Park's update slide and torch.optim.SGD(momentum=β): v ← βv + g, θ ← θ − lr·v."""
    x, v, xs = np.array(x0, float), 0.0, [np.array(x0, float)]
    for _ in range(steps):
        v = beta * v + grad(x)
        x = x - lr * v
        xs.append(x)
    return np.array(xs)


def test_three_heavy_ball_notations_are_one_method():
    x0, beta = [8.7, -7.9], 0.8
    dlb = ol.run(ol.Momentum(lr=0.05, beta=beta), ROTATED, x0, 60).xs  # DLB / Lee: v ← βv − ηg
    ema = heavy_ball_ema(ROTATED.grad, x0, alpha=0.05 / (1 - beta), beta=beta, steps=60)
    sum_form = heavy_ball_sum(ROTATED.grad, x0, lr=0.05, beta=beta, steps=60)  # Park, PyTorch
    assert np.allclose(dlb, ema, rtol=1e-10, atol=1e-12)
    assert np.allclose(dlb, sum_form, rtol=1e-10, atol=1e-12)
    # with the same number for the learning rate, the EMA form is a different (slower) method
    assert not np.allclose(dlb, heavy_ball_ema(ROTATED.grad, x0, 0.05, beta, 60))


def test_nesterov_look_ahead_equals_the_reformulated_form():
    # p = x + βv evolves as p ← p − η∇f(p) + βv_new with v_new = βv − η∇f(p): gradient at the current p.
    lr, beta, x0 = 0.05, 0.9, np.array([8.7, -7.9])
    look_ahead = ol.run(ol.Nesterov(lr=lr, beta=beta), ROTATED, x0, 80)
    p, v, ps = x0.copy(), np.zeros(2), [x0.copy()]
    for _ in range(80):
        g = ROTATED.grad(p)
        v = beta * v - lr * g
        p = p - lr * g + beta * v
        ps.append(p)
    # x_k = p_k − βv_k; both start with v = 0 so x_0 = p_0, and p_k is the look-ahead point of x_k
    v_hist = np.diff(look_ahead.xs, axis=0)
    assert np.allclose(look_ahead.xs[1:] + beta * v_hist, np.array(ps)[1:], rtol=1e-10, atol=1e-12)


def test_adam_with_a_constant_gradient_moves_every_coordinate_by_lr():
    g = np.array([3.0, -0.01, 250.0])
    opt, x = ol.Adam(lr=0.01), np.zeros(3)
    for t in range(1, 6):
        x_new = opt.step(x, g)
        assert np.allclose(opt.state.m / (1 - opt.beta1**t), g)     # m̂ = g exactly: bias corrected
        assert opt.state.m == pytest.approx((1 - opt.beta1**t) * g)  # m_t = (1 − β₁ᵗ) g
        assert np.allclose(x_new - x, -0.01 * np.sign(g), rtol=1e-5)
        x = x_new


@pytest.mark.parametrize("opt", ALL, ids=lambda o: type(o).__name__)
def test_dict_of_arrays_equals_separate_runs(opt):
    rng = np.random.default_rng(0)
    params = {"W": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    quad = {name: ol.Quadratic(np.diag(rng.uniform(0.5, 2, v.size))) for name, v in params.items()}
    joint, single = params, {name: v.ravel() for name, v in params.items()}
    separate = {name: type(opt)(**_hyper(opt)) for name in params}
    for _ in range(5):
        grads = {n: quad[n].grad(point.ravel()).reshape(joint[n].shape)
                 for n, point in opt.grad_point(joint).items()}
        joint = opt.step(joint, grads)
        for name in params:
            point = separate[name].grad_point(single[name])
            single[name] = separate[name].step(single[name], quad[name].grad(point))
    for name in params:
        assert np.allclose(joint[name].ravel(), single[name], rtol=1e-12)


def _hyper(opt):
    """The hyperparameters of opt, to build a fresh copy."""
    return {k: v for k, v in vars(opt).items() if k not in ("k", "state")}


@pytest.mark.parametrize("opt", ALL, ids=lambda o: type(o).__name__)
def test_every_method_lowers_the_loss_on_the_rotated_quadratic(opt):
    # 2000 steps: AdaDelta starts with steps of about √ε = 1e-3 and needs ~1000 steps to speed up
    traj = ol.run(opt, ROTATED, [8.7, -7.9], 2000)
    assert not traj.diverged and traj.value < 0.01 * traj.values[0]


ROSENBROCK_BUDGETS = [  # (method, steps): each ends within 1e-2 of (1, 1) from (−1.2, 1)
    (ol.SGD(lr=1e-3), 20_000),
    (ol.Momentum(lr=1e-3, beta=0.9), 5_000),
    (ol.Nesterov(lr=1e-3, beta=0.9), 5_000),
    (ol.AdaGrad(lr=0.5), 20_000),
    (ol.RMSProp(lr=1e-3), 10_000),
    (ol.RMSPropNesterov(lr=1e-3), 10_000),
    (ol.Adam(lr=0.02), 5_000),
]


@pytest.mark.parametrize("opt, steps", ROSENBROCK_BUDGETS, ids=lambda o: type(o).__name__)
def test_convergence_on_rosenbrock_within_budget(opt, steps):
    f = ol.Rosenbrock()
    traj = ol.run(opt, f, [-1.2, 1.0], steps)
    assert np.linalg.norm(traj.x - f.minimizer) < 1e-2


def test_adadelta_on_rosenbrock_lowers_the_loss_but_does_not_converge():
    # AdaDelta's steps start at √ε and are rescaled by past steps, not by a learning rate: on this
    # curved valley it makes progress but stalls far from (1, 1) within 20 000 steps.
    f = ol.Rosenbrock()
    traj = ol.run(ol.AdaDelta(), f, [-1.2, 1.0], 20_000)
    assert traj.value < 0.2 * traj.values[0]
    assert np.linalg.norm(traj.x - f.minimizer) > 0.1


def test_reset_clears_the_state():
    opt = ol.Adam(lr=0.1)
    opt.step(np.ones(2), np.ones(2))
    assert opt.k == 1 and opt.state.m.any()
    opt.reset()
    assert opt.k == 0 and opt.state is None


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: ol.Momentum(lr=0.1, beta=1.0), r"Momentum: beta must satisfy 0 <= beta < 1, got beta=1.0"),
        (lambda: ol.Nesterov(lr=0.1, beta=-0.1), r"Nesterov: beta must satisfy 0 <= beta < 1, got beta=-0.1"),
        (lambda: ol.AdaGrad(lr=0.1, eps=0), r"AdaGrad: eps must satisfy eps > 0, got eps=0"),
        (lambda: ol.RMSProp(beta=1.5), r"RMSProp: beta must satisfy 0 <= beta < 1, got beta=1.5"),
        (lambda: ol.RMSPropNesterov(momentum=1), r"RMSPropNesterov: momentum must satisfy 0 <= momentum < 1"),
        (lambda: ol.Adam(beta2=1.0), r"Adam: beta2 must satisfy 0 <= beta2 < 1, got beta2=1.0"),
        (lambda: ol.Adam(lr=-1e-3), r"Adam: lr must satisfy lr > 0, got lr=-0.001"),
        (lambda: ol.AdaDelta(rho=1.0), r"AdaDelta: rho must satisfy 0 <= rho < 1, got rho=1.0"),
    ],
)
def test_bad_hyperparameters_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_docstrings_teach_the_update_rule():
    for cls in (ol.Momentum, ol.Nesterov, ol.AdaGrad, ol.RMSProp, ol.RMSPropNesterov, ol.Adam, ol.AdaDelta):
        doc = cls.__doc__
        assert "Update:" in doc and "Symbols → arguments:" in doc and "Convention:" in doc


def test_amsgrad_by_hand():
    # β₂ = 0.5 so that v falls at step 2: g = 2 then 0.5 (fed directly, from x = 1)
    opt = AMSGrad(lr=0.1, beta2=0.5)
    x1 = opt.step(np.array([1.0]), np.array([2.0]))
    # t = 1: m = 0.2, v = v_max = 2, m̂ = 2, v̂ = 2/0.5 = 4, x = 1 − 0.1·2/(2 + 1e-8)
    assert x1 == pytest.approx([1 - 0.1 * 2 / (2 + 1e-8)], rel=1e-12)
    x2 = opt.step(x1, np.array([0.5]))
    # t = 2: m = 0.23, v = 1.125 < v_max = 2, m̂ = 0.23/0.19, v̂ = v_max/0.75 (Adam would use 1.125/0.75)
    assert opt.state.v == pytest.approx([1.125]) and opt.state.v_max == pytest.approx([2.0])
    assert x2 == pytest.approx(x1 - 0.1 * (0.23 / 0.19) / (np.sqrt(2 / 0.75) + 1e-8), rel=1e-12)
    adam = ol.Adam(lr=0.1, beta2=0.5)
    adam.step(np.array([1.0]), np.array([2.0]))
    assert not np.allclose(adam.step(x1, np.array([0.5])), x2)


def test_amsgrad_equals_adam_while_v_never_falls():
    # on f = x² from 1 the gradients shrink slowly enough that v keeps growing for 20 steps (β₂ = 0.999)
    a = ol.run(AMSGrad(lr=0.01), X_SQUARED, 1.0, 20)
    b = ol.run(ol.Adam(lr=0.01), X_SQUARED, 1.0, 20)
    assert np.array_equal(a.xs, b.xs)


def test_radam_first_steps_are_momentum_sgd_by_hand():
    # β₂ = 0.999: ρ₁ = 1, ρ₂ ≈ 2 ≤ 4, so x ← x − α m̂. On f = x² from 1 with α = 0.1:
    # x1 = 1 − 0.1·2 = 0.8; g = 1.6, m = 0.9·0.2 + 0.1·1.6 = 0.34, m̂ = 0.34/0.19, x2 = 0.8 − 0.1·m̂
    assert two_steps(RAdam(lr=0.1)) == pytest.approx((0.8, 0.8 - 0.1 * 0.34 / 0.19), rel=1e-12)


def test_radam_sma_length_and_rectification():
    opt = RAdam(beta2=0.9)                              # ρ∞ = 2/(1 − 0.9) − 1 = 19
    rho = [opt.sma_length(t) for t in range(1, 6)]
    assert rho[0] == pytest.approx(1.0)                 # ρ₁ = 1 for every β₂
    assert rho[4] == pytest.approx(19 - 10 * 0.9**5 / (1 - 0.9**5))
    assert all(r <= 4 for r in rho[:4]) and rho[4] > 4  # four momentum steps, then rectified
    r5 = np.sqrt((rho[4] - 4) * (rho[4] - 2) * 19 / (15 * 17 * rho[4]))
    assert opt.rectification(4) == 0.0 and opt.rectification(5) == pytest.approx(r5, rel=1e-12)
    assert opt.rectification(10_000) == pytest.approx(1.0, abs=1e-3)


def test_radam_on_a_constant_gradient_steps_g_then_r_t_times_adams_step():
    opt, x, g = RAdam(lr=0.01, beta2=0.9), np.zeros(2), np.array([3.0, -0.5])
    for t in range(1, 9):
        x_new = opt.step(x, g)
        expected = -0.01 * g if t <= 4 else -0.01 * opt.rectification(t) * np.sign(g)
        assert x_new - x == pytest.approx(expected, rel=1e-6)
        x = x_new


def test_radam_with_a_small_beta2_never_rectifies():
    # β₂ ≤ 0.6 gives ρ∞ ≤ 4: every step is bias-corrected momentum SGD, x ← x − α m̂
    opt, x = RAdam(lr=0.1, beta1=0.5, beta2=0.5), np.array([1.0])
    m = 0.0
    for t in range(1, 6):
        g = 2 * x
        m = 0.5 * m + 0.5 * g
        expected = x - 0.1 * m / (1 - 0.5**t)
        x = opt.step(x, g)
        assert x == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("make, message", [
    (lambda: AMSGrad(beta1=1.0), r"AMSGrad: beta1 must satisfy 0 <= beta1 < 1, got beta1=1.0"),
    (lambda: RAdam(beta2=-0.1), r"RAdam: beta2 must satisfy 0 <= beta2 < 1, got beta2=-0.1"),
    (lambda: RAdam(eps=0), r"RAdam: eps must satisfy eps > 0, got eps=0"),
])
def test_bad_hyperparameters_of_amsgrad_and_radam_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_amsgrad_and_radam_docstrings_teach_the_update_rule():
    for cls in (AMSGrad, RAdam):
        doc = cls.__doc__
        assert "Update:" in doc and "Symbols → arguments:" in doc and "Convention:" in doc


def test_the_sum_form_of_momentum_differs_under_a_schedule():
    # v ← βv + g, x ← x − lr_k·v applies today's rate to the whole velocity; optlib's v ← βv − lr_k·g does
    # not. Equal at a constant rate (test above), different once the rate changes.
    drop = ol.schedules.StepDecay(0.05, factor=0.1, every=10)
    ours = ol.run(ol.Momentum(lr=drop, beta=0.8), ROTATED, [8.7, -7.9], 30).xs
    x, v, theirs = np.array([8.7, -7.9]), 0.0, [np.array([8.7, -7.9])]
    for k in range(30):
        v = 0.8 * v + ROTATED.grad(x)
        x = x - drop(k) * v
        theirs.append(x)
    theirs = np.array(theirs)
    assert np.allclose(ours[:11], theirs[:11], rtol=1e-10, atol=1e-12)   # the same until the rate drops
    assert not np.allclose(ours[11:], theirs[11:], rtol=1e-3)
