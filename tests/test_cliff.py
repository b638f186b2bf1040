"""The cliff of chapter 3: derivatives against finite differences, its minimum, the catapult, clipping."""

import numpy as np
import pytest

import optlib as ol
from optlib import clipping
from optlib.testing import check_grad, check_hess, numerical_grad


def cliffs():
    yield ol.Cliff()
    yield ol.Cliff(slope=0.5, wall=40.0, width=0.1, angle=1.0, valley=3.0)
    yield ol.Cliff(width=0.02, angle=-0.4, valley=0.2)


def points(f, rng):
    """Points on the slope, at the foot, on the face of the wall and far up it."""
    for u in (-3.0, -0.5, f.minimizer @ f.normal, 0.0, f.width, 3 * f.width, 1.0):
        yield u * f.normal + rng.normal() * f.tangent


@pytest.mark.parametrize("f", list(cliffs()), ids=repr)
def test_gradient_and_hessian_match_finite_differences(f):
    rng = np.random.default_rng(0)
    for x in points(f, rng):
        h = 1e-4 * f.width                                  # much finer than the wall's width
        assert check_grad(f, x, h=h) < 1e-7, x
        assert check_hess(f, x, h=h) < 1e-6, x


def test_the_minimum_sits_at_the_foot_of_the_wall():
    f = ol.Cliff(slope=1.0, wall=100.0, width=0.005)
    x_star = f.minimizer
    assert np.allclose(f.grad(x_star), 0, atol=1e-12)
    assert x_star @ f.normal == pytest.approx(0.005 * np.log(1 / 99))       # u* = w ln(s/(H − s))
    assert x_star @ f.tangent == pytest.approx(0, abs=1e-15)
    across = f.normal @ f.hess(x_star) @ f.normal
    assert across == pytest.approx((1.0 / 0.005) * (1 - 1 / 100))            # (s/w)(1 − s/H)
    assert np.linalg.eigvalsh(f.hess(x_star)) == pytest.approx(sorted([1.0, across]))
    rng = np.random.default_rng(1)
    others = x_star + rng.normal(scale=0.3, size=(200, 2))
    assert np.all(f.value(others) > f.value(x_star))                        # convex: the only minimum


def test_gentle_on_the_slope_steep_on_the_wall():
    f = ol.Cliff(slope=1.0, wall=100.0, width=0.005, valley=1.0)
    on_slope, on_wall = -2.0 * f.normal, 0.5 * f.normal
    assert f.grad(on_slope) == pytest.approx(-1.0 * f.normal, abs=1e-12)    # slope s towards the wall
    assert f.grad(on_wall) == pytest.approx(99.0 * f.normal, abs=1e-9)      # c − s back
    assert f.value(on_slope) == pytest.approx(2.0, abs=1e-12)               # −s·u, the softplus ≈ 0
    assert f.value(on_wall) == pytest.approx(-0.5 + 100 * 0.5, abs=1e-9)    # −s·u + c·u


def test_value_and_grad_accept_stacks_of_points():
    f = ol.Cliff(angle=0.3)
    grid = np.random.default_rng(2).standard_normal((6, 4, 2))
    assert f.value(grid).shape == (6, 4) and f.grad(grid).shape == (6, 4, 2)
    assert f.value(grid)[2, 3] == pytest.approx(f.value(grid[2, 3]))
    assert np.allclose(f.grad(grid)[2, 3], f.grad(grid[2, 3]))
    assert np.allclose(f.grad(grid[2, 3]), numerical_grad(f.value, grid[2, 3], h=1e-6), atol=1e-5)


def test_no_overflow_far_up_the_wall_or_far_down_the_slope():
    f = ol.Cliff()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for u in (-1e4, 1e4):
            x = u * f.normal
            assert np.isfinite(f.value(x)) and np.all(np.isfinite(f.grad(x)))
            assert np.all(np.isfinite(f.hess(x)))


def test_a_plain_step_onto_the_wall_is_thrown_back_and_clipping_bounds_it():
    """Worked by hand: one step of lr 0.1 from u = 4w, high on the face of the wall (σ(4) ≈ 0.982)."""
    f = ol.Cliff(slope=1.0, wall=100.0, width=0.005, angle=0.0, valley=1.0)   # n = e₁
    x = np.array([0.02, 0.0])                                                 # u = 4w: high on the face
    g = f.grad(x)
    sigma = 1 / (1 + np.exp(-4.0))
    assert g == pytest.approx([-1 + 100 * sigma, 0.0])
    plain = ol.SGD(lr=0.1).step(x, g)
    assert plain[0] == pytest.approx(0.02 - 0.1 * (100 * sigma - 1))           # thrown back ≈ 9.7
    by_norm = ol.SGD(lr=0.1).step(x, clipping.clip_by_norm(g, 1.0))
    assert by_norm == pytest.approx([0.02 - 0.1, 0.0])                        # bounded, same direction


def test_clipping_by_value_turns_the_step_on_an_oblique_wall():
    f = ol.Cliff(angle=np.pi / 12)                                            # wall normal at 15°
    g = f.grad(0.5 * f.normal)                                                # nearly 99·n
    by_value, by_norm = clipping.clip_by_value(g, 1.0), clipping.clip_by_norm(g, 1.0)
    angle = np.degrees(np.arctan2(by_value[1], by_value[0]))
    assert angle == pytest.approx(45.0) and np.linalg.norm(by_norm) == pytest.approx(1.0)
    assert by_norm == pytest.approx(f.normal, abs=1e-12)


def test_plain_gradient_descent_is_catapulted_and_clipped_runs_stay_at_the_foot():
    f = ol.Cliff()
    x0 = -3 * f.normal + f.tangent
    plain = ol.run(ol.SGD(lr=0.1), f, x0, 200)
    clipped = ol.run(ol.SGD(lr=0.1), f, x0, 200, clip=lambda g: clipping.clip_by_norm(g, 1.0))
    jumps = np.linalg.norm(np.diff(plain.xs, axis=0), axis=1)
    assert jumps.max() > 50 * 0.1                                # many gentle steps' worth at once
    assert np.linalg.norm(np.diff(clipped.xs, axis=0), axis=1).max() <= 0.1 + 1e-12
    assert clipped.value - f.value(f.minimizer) < 0.1 < plain.value - f.value(f.minimizer)


@pytest.mark.parametrize("kwargs, message", [
    (dict(slope=0.0), r"Cliff: slope must satisfy slope > 0, got slope=0.0"),
    (dict(slope=2.0, wall=1.0), r"Cliff: wall must satisfy wall > 2, got wall=1.0"),
    (dict(width=-1.0), r"Cliff: width must satisfy width > 0, got width=-1.0"),
    (dict(valley=0), r"Cliff: valley must satisfy valley > 0, got valley=0"),
    (dict(angle="flat"), r"Cliff: angle must be a real number with angle finite, got angle='flat'"),
])
def test_bad_cliffs_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ol.Cliff(**kwargs)
