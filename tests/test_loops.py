import warnings

import numpy as np
import pytest

import optlib as ol

X_SQUARED = ol.Quadratic([[2.0]])


@pytest.fixture(autouse=True)
def warnings_are_errors():
    """An overflow warning from numpy fails the test (pyproject also sets this for the suite)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_trajectory_shapes():
    traj = ol.run(ol.SGD(lr=0.1), ol.Quadratic(np.eye(3)), np.ones(3), steps=10)
    assert traj.xs.shape == (11, 3)
    assert traj.values.shape == traj.grad_norms.shape == (11,)
    assert not traj.diverged and traj.steps == 10
    assert traj.grad_norms[0] == pytest.approx(np.sqrt(3))


@pytest.mark.parametrize("lr", [0.2, 0.5, 0.9, 0.99])
def test_gd_on_x_squared_converges_below_one(lr):
    traj = ol.run(ol.SGD(lr=lr), X_SQUARED, 8.7, steps=2000)
    # x_{k+1} = (1 − 2α) x_k exactly, up to rounding.
    assert traj.xs[1:6, 0] == pytest.approx(8.7 * (1 - 2 * lr) ** np.arange(1, 6))
    assert abs(traj.x[0]) < 1e-6 and not traj.diverged


def test_gd_on_x_squared_at_the_threshold_neither_converges_nor_diverges():
    traj = ol.run(ol.SGD(lr=1.0), X_SQUARED, 8.7, steps=100)
    assert np.allclose(np.abs(traj.xs[:, 0]), 8.7) and not traj.diverged


@pytest.mark.parametrize("lr", [1.05, 1.5, 50.0])
def test_divergence_is_reported_without_warnings(lr):
    traj = ol.run(ol.SGD(lr=lr), X_SQUARED, 8.7, steps=100_000)
    assert traj.diverged
    assert traj.steps < 1000
    assert np.all(np.isfinite(traj.xs)) and np.all(np.isfinite(traj.values))


def test_overflowing_objective_is_stopped_without_warnings():
    # f = x⁴ overflows float64 quickly when GD runs away.
    class Quartic:
        label = "x⁴"

        def value(self, x):
            return float(np.sum(np.asarray(x) ** 4))

        def grad(self, x):
            return 4 * np.asarray(x) ** 3

        def hess(self, x):
            return np.diag(12 * np.asarray(x) ** 2)

    with np.errstate(all="warn"):  # run() itself must keep numpy quiet
        traj = ol.run(ol.SGD(lr=1.0), Quartic(), 3.0, steps=50)
    assert traj.diverged


def test_run_resets_the_method():
    opt = ol.SGD(lr=0.1)
    ol.run(opt, X_SQUARED, 1.0, steps=5)
    assert opt.k == 5
    second = ol.run(opt, X_SQUARED, 1.0, steps=5)
    assert opt.k == 5 and second.xs[1, 0] == pytest.approx(0.8)


def test_distances_to_the_optimum():
    traj = ol.run(ol.SGD(lr=0.25), X_SQUARED, -4.0, steps=3)
    assert traj.distances([0.0]) == pytest.approx([4.0, 2.0, 1.0, 0.5])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(steps=-1), r"run: steps must be an integer >= 0, got steps=-1"),
        (dict(steps=2.5), r"run: steps must be an integer >= 0, got steps=2.5"),
        (dict(steps=3, blowup=0.5), r"run: blowup must satisfy blowup >= 1, got blowup=0.5"),
    ],
)
def test_bad_run_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ol.run(ol.SGD(lr=0.1), X_SQUARED, 1.0, **kwargs)


class _WrongGradient:
    """f(x) = ½‖x‖² whose gradient has one coordinate too many: a student's typical slip."""

    def value(self, x):
        return 0.5 * float(np.sum(x * x))

    def grad(self, x):
        return np.append(x, 0.0)


@pytest.mark.parametrize("loop", [lambda f, x0: ol.run(ol.SGD(lr=0.1), f, x0, 5),
                                  lambda f, x0: ol.steps_to_tolerance(ol.SGD(lr=0.1), f, x0, 1e-3, 5)])
def test_bad_starts_and_gradients_are_named(loop):
    f = ol.Quadratic([[1.0, 0.0], [0.0, 2.0]])
    with pytest.raises(ValueError, match=r"x0 must be finite, got x0=\[nan, 1.0\]"):
        loop(f, [np.nan, 1.0])
    with pytest.raises(ValueError, match="x0 must be an array of numbers"):
        loop(f, "far away")
    with pytest.raises(ValueError, match=r"gradient has shape \(3,\) but x has shape \(2,\)"):
        loop(_WrongGradient(), [1.0, 1.0])
    with pytest.raises(ValueError, match="x0 has 3 coordinates .* but the objective expects 2"):
        loop(f, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="x0 has 3 coordinates .* but the objective expects 2"):
        loop(ol.Rosenbrock(), [1.0, 2.0, 3.0])


def test_a_step_count_may_be_a_numpy_integer_but_not_a_bool():
    assert ol.run(ol.SGD(lr=0.1), X_SQUARED, 1.0, np.int64(3)).steps == 3
    with pytest.raises(ValueError, match="steps must be an integer >= 0, got steps=True"):
        ol.run(ol.SGD(lr=0.1), X_SQUARED, 1.0, True)


def test_optlibs_loops_run_with_one_blas_thread_and_restore_the_callers_setting():
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads():
        return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}

    class Probe:
        seen = set()

        def value(self, x):
            return 0.0

        def grad(self, x):
            Probe.seen |= blas_threads()
            return np.zeros_like(x)

    with threadpool_limits(2, user_api="blas"):  # as in a student's kernel, whatever make sets
        ol.run(ol.SGD(lr=0.1), Probe(), [1.0], 3)
        assert Probe.seen == {1} and blas_threads() == {2}
