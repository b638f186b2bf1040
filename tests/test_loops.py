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


class _Mean:
    """f(x) = ½ mean_i ‖x − a_i‖²: the smallest objective over data (n points a_i)."""

    def __init__(self, a):
        self.a, self.n, self.dim = np.asarray(a, dtype=float), len(a), np.shape(a)[1]

    def value(self, x):
        return 0.5 * float(np.mean(np.sum((x - self.a) ** 2, axis=1)))

    def grad(self, x):
        return x - self.a.mean(axis=0)

    def minibatch_grad(self, x, idx):
        return x - self.a[idx].mean(axis=0)


def test_a_stochastic_run_steps_with_each_minibatch_in_turn():
    f = _Mean(np.random.default_rng(0).standard_normal((12, 2)))
    traj = ol.run(ol.SGD(lr=0.5), f, np.zeros(2), steps=6, batch_size=4, rng=np.random.default_rng(1))
    x, batches = np.zeros(2), ol.minibatches(12, 4, np.random.default_rng(1))
    for k in range(6):
        x = x - 0.5 * f.minibatch_grad(x, next(batches))
        assert traj.xs[k + 1] == pytest.approx(x)
    assert traj.grad_norms[3] == pytest.approx(np.linalg.norm(f.grad(traj.xs[3])))   # the full gradient
    again = ol.run(ol.SGD(lr=0.5), f, np.zeros(2), steps=6, batch_size=4, rng=np.random.default_rng(1))
    assert np.array_equal(traj.xs, again.xs)


def test_a_full_batch_of_a_stochastic_objective_is_gradient_descent():
    f = _Mean(np.random.default_rng(0).standard_normal((5, 3)))
    full = ol.run(ol.Momentum(lr=0.3, beta=0.5), f, np.ones(3), steps=8)
    batch = ol.run(ol.Momentum(lr=0.3, beta=0.5), f, np.ones(3), steps=8, batch_size=5,
                   rng=np.random.default_rng(2))
    assert batch.xs == pytest.approx(full.xs)


def test_clipping_inside_a_run_bounds_every_step():
    steep = ol.Quadratic([[1e4]])
    clipped = ol.run(ol.SGD(lr=1.0), steep, [1.0], steps=5, clip=lambda g: ol.clipping.clip_by_norm(g, 0.1))
    assert np.all(np.abs(np.diff(clipped.xs[:, 0])) <= 0.1 + 1e-12)
    assert not clipped.diverged and ol.run(ol.SGD(lr=1.0), steep, [1.0], steps=5).diverged
    assert clipped.grad_norms[0] == pytest.approx(1e4)   # the record keeps the unclipped ‖∇f‖


def test_a_clipped_run_computes_one_gradient_per_step():
    class Counted(ol.Quadratic):
        calls = 0

        def grad(self, x):
            Counted.calls += 1
            return super().grad(x)

    traj = ol.run(ol.SGD(lr=1.0), Counted([[1e4]]), [1.0], steps=5,
                  clip=lambda g: ol.clipping.clip_by_norm(g, 0.1))
    assert Counted.calls == traj.steps + 1            # one per step, and ‖∇f‖ at the last iterate


def test_clipping_inside_training_bounds_every_update():
    X, y = np.ones((4, 1)), np.full((4, 1), 100.0)

    def loss_and_grad(params, X, y):
        r = params["w"] * X - y
        return 0.5 * float(np.mean(r ** 2)), {"w": np.array([[np.mean(r * X)]])}

    log = ol.train(ol.SGD(lr=1.0), loss_and_grad, {"w": np.zeros((1, 1))}, X, y, steps=3, batch_size=2,
                   rng=np.random.default_rng(0), clip=lambda g: ol.clipping.clip_by_global_norm(g, 2.0))
    assert log.params["w"][0, 0] == pytest.approx(6.0)


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_size": 2}, r"batch_size needs a seeded rng"),
    ({"rng": np.random.default_rng(0)}, r"rng is only used with batch_size"),
    ({"batch_size": 0, "rng": np.random.default_rng(0)}, r"batch_size must be"),
    ({"batch_size": 13, "rng": np.random.default_rng(0)}, r"batch_size must be <= n = 12, got batch_size=13"),
    ({"clip": 1.0}, r"clip must be a function of the gradient"),
])
def test_bad_stochastic_run_arguments_are_named(kwargs, message):
    f = _Mean(np.zeros((12, 2)))
    with pytest.raises(ValueError, match=message):
        ol.run(ol.SGD(lr=0.1), f, np.zeros(2), steps=3, **kwargs)


def test_minibatches_need_an_objective_over_data():
    with pytest.raises(ValueError, match=r"batch_size needs an objective over data .* got Quadratic"):
        ol.run(ol.SGD(lr=0.1), X_SQUARED, 1.0, steps=3, batch_size=1, rng=np.random.default_rng(0))
