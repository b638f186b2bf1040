import math

import numpy as np
import pytest

import optlib as ol
from optlib import clipping, schedules

TAU = 50


@pytest.mark.parametrize(
    "schedule, closed_form",
    [
        (schedules.Constant(0.1), lambda k: 0.1),
        (schedules.StepDecay(0.1, factor=0.5, every=TAU), lambda k: 0.1 * 0.5 ** (k // TAU)),
        (schedules.Exponential(0.1, gamma=0.9), lambda k: 0.1 * 0.9**k),
        (schedules.LinearDecay(0.1, 0.001, tau=TAU),
         lambda k: (1 - min(k, TAU) / TAU) * 0.1 + min(k, TAU) / TAU * 0.001),
        (schedules.Cosine(0.1, total=TAU),
         lambda k: 0.5 * 0.1 * (1 + math.cos(math.pi * min(k, TAU) / TAU))),
        (schedules.Warmup(schedules.Constant(0.1), steps=TAU), lambda k: 0.1 * min(1, (k + 1) / TAU)),
        (schedules.InverseTime(0.1, k0=TAU), lambda k: 0.1 / (1 + k / TAU)),
        (schedules.InverseTime(0.1, k0=TAU, power=0.5), lambda k: 0.1 / math.sqrt(1 + k / TAU)),
    ],
    ids=lambda s: type(s).__name__ if isinstance(s, schedules.Schedule) else "",
)
def test_schedules_match_their_closed_forms(schedule, closed_form):
    for k in (0, 1, TAU, TAU + 5):
        assert schedule(k) == pytest.approx(closed_form(k), rel=1e-12, abs=1e-15)


def test_key_values_of_the_schedules():
    assert schedules.LinearDecay(0.1, 0.001, tau=TAU)(TAU + 5) == pytest.approx(0.001)  # constant after τ
    assert schedules.Cosine(0.1, total=TAU)(TAU) == pytest.approx(0.0, abs=1e-15)
    assert schedules.Cosine(0.1, total=TAU, hold=20)(19) == 0.1
    assert schedules.Warmup(schedules.Constant(0.1), steps=TAU)(TAU - 1) == pytest.approx(0.1)


def test_inverse_time_decays_like_one_over_k():
    one_over_k = schedules.InverseTime(0.2, k0=10)
    assert one_over_k(0) == 0.2 and one_over_k(10) == pytest.approx(0.1)        # halved after k₀ steps
    for k in (10**4, 10**6):
        assert one_over_k(k) * k == pytest.approx(0.2 * 10, rel=2e-3)          # α_k → α₀k₀/k
    # Robbins–Monro for p = 1: partial sums of α grow by about α₀k₀·ln 10 per decade, those of α² stop
    a = np.array([one_over_k(k) for k in range(10**5)])
    assert np.sum(a[10**4:]) == pytest.approx(0.2 * 10 * math.log(10), rel=0.01)
    assert np.sum(a[10**4:] ** 2) < 1e-3 * np.sum(a**2)


def test_warmup_shares_every_later_learning_rate_with_the_run_without_it():
    base = schedules.Cosine(0.1, total=1000, hold=500)
    warm = schedules.Warmup(base, steps=100)
    assert [warm(k) for k in range(99, 1001)] == [base(k) for k in range(99, 1001)]
    assert warm(0) == pytest.approx(0.001) and max(warm(k) for k in range(1001)) == 0.1


def test_every_optimizer_accepts_a_schedule():
    sched = schedules.LinearDecay(0.1, 0.01, tau=10)
    opt = ol.Momentum(lr=sched, beta=0.5)
    x = opt.step(np.array([1.0]), np.array([1.0]))
    assert x == pytest.approx([0.9]) and opt.lr_at(10) == pytest.approx(0.01)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: schedules.StepDecay(0.1, factor=1.5), r"StepDecay: factor must satisfy 0 < factor <= 1"),
        (lambda: schedules.LinearDecay(0.1, 0.01, tau=0),
         r"LinearDecay: tau must be an integer >= 1, got tau=0"),
        (lambda: schedules.Cosine(-0.1, total=10), r"Cosine: lr0 must satisfy lr0 > 0, got lr0=-0.1"),
        (lambda: schedules.Cosine(0.1, total=10, hold=10), r"Cosine: hold must satisfy 0 <= hold < 10"),
        (lambda: schedules.Warmup(0.1, steps=10), r"Warmup: after must be a schedule"),
        (lambda: schedules.InverseTime(0.1, k0=0), r"InverseTime: k0 must satisfy k0 > 0, got k0=0"),
        (lambda: schedules.InverseTime(0.1, power=-1),
         r"InverseTime: power must satisfy power > 0, got power=-1"),
        (lambda: schedules.InverseTime(0.0), r"InverseTime: lr0 must satisfy lr0 > 0, got lr0=0.0"),
    ],
)
def test_bad_schedules_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_clip_by_norm_keeps_the_direction_and_bounds_the_length():
    g = np.array([30.0, -40.0])
    clipped = clipping.clip_by_norm(g, 5.0)
    assert clipped == pytest.approx([3.0, -4.0])
    assert clipping.clip_by_norm(np.array([0.3, 0.4]), 5.0) == pytest.approx([0.3, 0.4])


def test_clip_by_value_changes_the_direction():
    assert clipping.clip_by_value(np.array([30.0, -0.5]), 1.0) == pytest.approx([1.0, -0.5])


def test_global_norm_clipping_scales_every_array_alike():
    grads = {"W": np.array([[3.0, 0.0], [0.0, 0.0]]), "b": np.array([4.0])}
    assert clipping.global_norm(grads) == pytest.approx(5.0)
    clipped = clipping.clip_by_global_norm(grads, 1.0)
    assert clipping.global_norm(clipped) == pytest.approx(1.0)
    assert clipped["W"][0, 0] == pytest.approx(0.6) and clipped["b"] == pytest.approx([0.8])
    per_array = clipping.clip_by_norm(grads, 1.0)
    assert per_array["W"][0, 0] == pytest.approx(1.0)  # per-array clipping changes the direction
    assert grads["W"][0, 0] == 3.0                      # inputs untouched


@pytest.mark.parametrize("fn", [clipping.clip_by_value, clipping.clip_by_norm, clipping.clip_by_global_norm])
def test_clipping_thresholds_must_be_positive(fn):
    with pytest.raises(ValueError, match=rf"{fn.__name__}: \w+ must satisfy \w+ > 0, got \w+=0"):
        fn(np.ones(2), 0)


def test_rosenbrock_derivatives():
    f = ol.Rosenbrock()
    for x in np.random.default_rng(0).uniform(-2, 2, (5, 2)):
        assert ol.testing.check_grad(f, x) < 1e-7
        assert ol.testing.check_hess(f, x) < 1e-6
    assert f.value(f.minimizer) == 0 and np.allclose(f.grad(f.minimizer), 0)
