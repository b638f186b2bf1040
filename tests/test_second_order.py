"""Second-order and line-search methods (optlib.second_order, optlib.line_search.strong_wolfe) and the
way ``run`` drives them."""

import warnings

import numpy as np
import pytest

import optlib as ol
from optlib import line_search, second_order
from optlib.testing import check_hess, numerical_grad

ROSENBROCK, START = ol.Rosenbrock(), np.array([-1.2, 1.0])
NEURON = ol.OneNeuron()


@pytest.fixture(autouse=True)
def warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def spd(n, kappa, seed):
    rng = np.random.default_rng(seed)
    return ol.Quadratic.with_condition_number(kappa, dim=n, rotation=ol.random_rotation(n, rng)), rng


def shifted(f, rng):
    """f with a random linear term, so that the minimizer is not the origin."""
    return ol.Quadratic(f.A, b=rng.standard_normal(f.dim))


# ---------------------------------------------------------------------------------------------------
# Newton


def test_newton_by_hand_on_a_2d_quadratic():
    # f = ½xᵀAx + bᵀx, A = [[4, 1], [1, 3]], b = (−1, −2): from x0 = (2, 1), g = Ax0 + b = (8, 3);
    # H d = −g gives d = −(1/11)(3·8 − 1·3, −1·8 + 4·3) = (−21/11, −4/11): x1 = (1/11, 7/11) = A⁻¹(−b).
    f = ol.Quadratic([[4.0, 1.0], [1.0, 3.0]], b=[-1.0, -2.0])
    traj = ol.run(ol.Newton(), f, [2.0, 1.0], 1)
    assert traj.xs[1] == pytest.approx([1 / 11, 7 / 11], abs=1e-15)
    assert second_order.newton_direction([8.0, 3.0], f.A) == pytest.approx([-21 / 11, -4 / 11])


@pytest.mark.parametrize("kappa", [1.0, 10.0, 1e4])
def test_newton_one_step_to_the_minimizer_of_a_positive_definite_quadratic(kappa):
    f, rng = spd(6, kappa, 1)
    f = shifted(f, rng)
    traj = ol.run(ol.Newton(), f, rng.standard_normal(6), 3)
    assert np.linalg.norm(traj.xs[1] - f.minimizer) < 1e-9 * max(1, np.linalg.norm(f.minimizer)) * kappa
    assert traj.stop_reason == "" and traj.notes == ()


def test_newton_converges_quadratically_on_a_convex_function():
    # f(x) = Σ log cosh(xᵢ − i) + ‖x‖²/10 is strictly convex; the error is squared each step near x*.
    class LogCosh:
        def value(self, x):
            return float(np.sum(np.log(np.cosh(x - np.arange(3)))) + 0.05 * x @ x)

        def grad(self, x):
            return np.tanh(x - np.arange(3)) + 0.1 * x

        def hess(self, x):
            return np.diag(1 / np.cosh(x - np.arange(3)) ** 2 + 0.1)

    f = LogCosh()
    assert check_hess(f, np.array([0.3, -0.2, 1.1])) < 1e-7
    traj = ol.run(ol.Newton(), f, np.array([0.5, 0.5, 1.5]), 8)
    errors = traj.distances(traj.x)[:5]
    ratios = errors[1:4] / errors[:3] ** 2        # bounded: quadratic convergence
    assert np.all(ratios < 2) and errors[4] < 1e-12


def test_newton_lands_on_the_saddle_of_the_one_neuron_and_saddle_free_newton_escapes():
    rng = np.random.default_rng(0)
    for _ in range(10):
        x0 = 0.3 * rng.uniform(0.2, 1) * (v := rng.standard_normal(2)) / np.linalg.norm(v)
        plain = ol.run(ol.Newton(), NEURON, x0, 6)
        assert np.linalg.norm(plain.x) < 1e-10 and plain.value == pytest.approx(1.0)
        assert plain.notes and "indefinite" in plain.notes[0]
        free = ol.run(ol.SaddleFreeNewton(floor=0.1), NEURON, x0, 30, gtol=1e-8)
        assert free.value < 1e-10 and free.steps <= 20
        assert np.all(np.diff(free.values) <= 0)


def test_damping_large_alpha_is_small_step_gradient_descent():
    # (H + αI)⁻¹ g = g/α + O(1/α²): the damped step approaches gradient descent with lr = 1/α.
    x0 = np.array([0.2, -0.1])
    damped = ol.run(ol.Newton(damping=1e4), NEURON, x0, 3).xs
    gd = ol.run(ol.SGD(lr=1e-4), NEURON, x0, 3).xs
    assert np.allclose(damped, gd, atol=1e-7)


def test_a_singular_hessian_is_reported_not_raised():
    f = ol.Quadratic([[1.0, 0.0], [0.0, 0.0]], b=[0.0, 1.0])       # f = x₁²/2 + x₂: no minimum
    with np.errstate(all="raise"):
        traj = ol.run(ol.Newton(), f, [1.0, 1.0], 5)
    assert traj.steps == 0 and not traj.diverged and "singular" in traj.stop_reason
    with pytest.raises(ValueError, match="singular"):
        second_order.newton_direction([0.0, 1.0], f.A)
    with pytest.raises(ValueError, match="singular"):
        ol.Newton().step(np.ones(2), np.array([1.0, 1.0]), hess=f.A)
    # the damped system is regular
    assert ol.run(ol.Newton(damping=0.5), f, [1.0, 1.0], 5).steps == 5


def test_newton_with_backtracking_decreases_f_on_rosenbrock():
    traj = ol.run(ol.Newton(line_search=True), ROSENBROCK, START, 100, gtol=1e-8)
    assert np.all(np.diff(traj.values) <= 0) and traj.stop_reason.startswith("converged")
    assert np.allclose(traj.x, [1, 1], atol=1e-7)


# ---------------------------------------------------------------------------------------------------
# Line searches


def test_strong_wolfe_conditions_hold_at_every_accepted_step():
    for method in (ol.BFGS(), ol.LBFGS(memory=3), ol.NonlinearCG(variant="FR"), ol.NonlinearCG(variant="PR"),
                   ol.SteepestDescent()):
        traj = ol.run(method, ROSENBROCK, START, 200, gtol=1e-6)
        if isinstance(method, ol.SteepestDescent):       # thousands of steps: check the first 200
            assert traj.steps == 200 and traj.stop_reason == ""
        else:
            assert traj.stop_reason.startswith("converged")
        alphas = method.state.alphas
        assert len(alphas) == traj.steps
        for k, alpha in enumerate(alphas):
            x, x_new = traj.xs[k], traj.xs[k + 1]
            d = (x_new - x) / alpha
            slope0, slope = ROSENBROCK.grad(x) @ d, ROSENBROCK.grad(x_new) @ d
            decrease, curvature = line_search.wolfe_conditions(
                ROSENBROCK.value(x), slope0, ROSENBROCK.value(x_new), slope, alpha, method.c1, method.c2)
            assert slope0 < 0 and decrease and curvature, (type(method).__name__, k)


def test_strong_wolfe_on_random_quadratics_and_by_hand():
    # φ(α) = f(x − αg) for f = x²: x = 1, d = −2 gives φ(α) = (1 − 2α)², minimum at α = ½.
    f = ol.Quadratic([[2.0]])
    step = line_search.strong_wolfe(f, np.array([1.0]), np.array([-2.0]), alpha0=1.0, c2=0.1)
    assert step.alpha == pytest.approx(0.5)          # the cubic through the two ends is exact here
    assert step.f == pytest.approx(0.0, abs=1e-20) and step.evaluations <= 3
    f, rng = spd(5, 100, 3)
    for _ in range(20):
        x, d = rng.standard_normal(5), -rng.standard_normal(5)
        if f.grad(x) @ d >= 0:
            d = -d
        found = line_search.strong_wolfe(f, x, d, c2=0.1)
        ok = line_search.wolfe_conditions(f.value(x), f.grad(x) @ d, found.f, found.g @ d, found.alpha,
                                          1e-4, 0.1)
        assert all(ok) and np.allclose(found.g, f.grad(found.x))


def test_line_searches_refuse_ascent_directions():
    f = ol.Quadratic(np.eye(2))
    for search in (line_search.strong_wolfe, line_search.backtracking):
        with pytest.raises(line_search.LineSearchError, match="descent direction"):
            search(f, np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="c2"):
        line_search.strong_wolfe(f, np.ones(2), -np.ones(2), c1=0.5, c2=0.4)
    with pytest.raises(ValueError, match=r"strong_wolfe: alpha_max must.*>= 1.*got alpha_max=-1"):
        line_search.strong_wolfe(f, np.ones(2), -np.ones(2), alpha_max=-1)
    with pytest.raises(ValueError, match=r"alpha_max >= 2.*got alpha_max=1"):
        line_search.strong_wolfe(f, np.ones(2), -np.ones(2), alpha0=2.0, alpha_max=1.0)
    with pytest.raises(ValueError, match=r"max_evaluations must be an integer >= 1, got max_evaluations=0"):
        line_search.strong_wolfe(f, np.ones(2), -np.ones(2), max_evaluations=0)
    with pytest.raises(ValueError, match=r"backtracking: max_halvings must be.*>= 0, got max_halvings=-1"):
        line_search.backtracking(f, np.ones(2), -np.ones(2), max_halvings=-1)


def test_strong_wolfe_stops_at_alpha_max():
    # along d = −x/100 the minimum of |x|²/2 is at α = 100; with alpha_max = 4 the search stops at 4
    f = ol.Quadratic(np.eye(2))
    with pytest.raises(line_search.LineSearchError, match="alpha_max = 4"):
        line_search.strong_wolfe(f, np.ones(2), -np.ones(2) / 100, alpha_max=4.0, c2=0.1)


# ---------------------------------------------------------------------------------------------------
# BFGS and L-BFGS


def test_bfgs_update_by_hand_and_the_secant_condition():
    # M = I, s = (1, 0), y = (2, 1): ρ = ½, V = I − ½ s yᵀ = [[0, −½], [0, 1]],
    # V Vᵀ = [[¼, −½], [−½, 1]], plus ½ s sᵀ: M⁺ = [[¾, −½], [−½, 1]]; M⁺ y = (1, 0) = s.
    M = second_order.bfgs_update(np.eye(2), np.array([1.0, 0.0]), np.array([2.0, 1.0]))
    assert M == pytest.approx(np.array([[0.75, -0.5], [-0.5, 1.0]]))
    rng = np.random.default_rng(4)
    for _ in range(5):
        s, y = rng.standard_normal(4), rng.standard_normal(4)
        if s @ y < 0:
            y = -y
        M = second_order.bfgs_update(np.eye(4), s, y)
        assert np.allclose(M @ y, s) and np.allclose(M, M.T) and np.linalg.eigvalsh(M)[0] > 0
    with pytest.raises(ValueError, match="yᵀs > 0"):
        second_order.bfgs_update(np.eye(2), np.array([1.0, 0.0]), np.array([-1.0, 0.0]))


@pytest.mark.parametrize("scale", [True, False])
def test_bfgs_with_exact_line_search_finishes_in_n_steps_and_learns_the_inverse_hessian(scale):
    n = 6
    f, rng = spd(n, 20, 5)
    f = shifted(f, rng)
    method = ol.BFGS(line_search="exact", scale_initial=scale)
    traj = ol.run(method, f, rng.standard_normal(n), n)
    assert np.linalg.norm(traj.x - f.minimizer) < 1e-9
    # the estimate after n − 1 updates, completed by the last pair, is A⁻¹
    s, y = traj.xs[-1] - traj.xs[-2], f.grad(traj.xs[-1]) - f.grad(traj.xs[-2])
    M = second_order.bfgs_update(method.state.M, s, y)
    assert np.allclose(M, np.linalg.inv(f.A), rtol=1e-6, atol=1e-8)
    # and the error shrinks as it learns
    errors = []
    method.reset()
    x = traj.xs[0]
    for _ in range(n):
        x = method.step(x, f.grad(x), hess=f.A)
        errors.append(np.linalg.norm(method.state.M - np.linalg.inv(f.A)))
    assert errors[-1] < errors[1]


def test_bfgs_with_exact_line_search_matches_conjugate_gradients_on_a_quadratic():
    n = 5
    f, rng = spd(n, 30, 6)
    f = shifted(f, rng)
    x0 = rng.standard_normal(n)
    bfgs = ol.run(ol.BFGS(line_search="exact", scale_initial=False), f, x0, n).xs
    cg = ol.run(ol.NonlinearCG(variant="FR", line_search="exact"), f, x0, n).xs
    assert np.allclose(bfgs, cg, atol=1e-8)
    _, info = ol.conjugate_gradient(f.A, -f.b, x0=x0, tol=1e-14, max_iter=n)
    residuals = np.linalg.norm(cg @ f.A + f.b, axis=1)
    assert residuals[: n] == pytest.approx(info.residuals[: n], rel=1e-6)


@pytest.mark.parametrize("line", ["exact", "wolfe"])
def test_lbfgs_with_enough_memory_matches_bfgs(line):
    n = 5
    f, rng = spd(n, 30, 7)
    f = shifted(f, rng)
    x0 = rng.standard_normal(n)
    steps = n if line == "exact" else 12
    bfgs = ol.run(ol.BFGS(line_search=line), f, x0, steps).xs
    lbfgs = ol.run(ol.LBFGS(memory=steps, line_search=line), f, x0, steps).xs
    if line == "exact":
        assert np.allclose(bfgs, lbfgs, atol=1e-8)
        assert np.linalg.norm(lbfgs[-1] - f.minimizer) < 1e-8
    else:   # BFGS rescales M₀ once, L-BFGS at every step: the same M for the first two steps only
        assert np.allclose(bfgs[:3], lbfgs[:3], atol=1e-12) and not np.allclose(bfgs[:5], lbfgs[:5])


def test_lbfgs_two_loop_recursion_is_the_bfgs_update_of_gamma_times_identity():
    method = ol.LBFGS(memory=4)
    ol.run(method, ROSENBROCK, START, 9)
    pairs = list(method.state.pairs)
    s, y, _ = pairs[-1]
    M = float(s @ y) / float(y @ y) * np.eye(2)
    for s, y, _ in pairs:
        M = second_order.bfgs_update(M, s, y)
    g = np.array([0.3, -1.7])
    assert np.allclose(method.direction(g), -M @ g)


def test_lbfgs_memory_bounds_the_pairs_and_bfgs_on_rosenbrock():
    method = ol.LBFGS(memory=3)
    ol.run(method, ROSENBROCK, START, 20)
    assert len(method.state.pairs) == 3
    for method, low, high in ((ol.BFGS(), 30, 40), (ol.BFGS(scale_initial=False), 30, 40)):
        traj = ol.run(method, ROSENBROCK, START, 200, gtol=1e-5)
        assert low <= traj.steps <= high and np.allclose(traj.x, [1, 1], atol=1e-4)


def test_nonlinear_cg_and_newton_cg_on_rosenbrock_and_a_network():
    for method in (ol.NonlinearCG(variant="FR"), ol.NonlinearCG(variant="PR"), ol.NewtonCG()):
        traj = ol.run(method, ROSENBROCK, START, 500, gtol=1e-5)
        assert traj.stop_reason.startswith("converged"), repr(method)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 2))
    y = np.sin(X[:, :1]) * X[:, 1:]
    net = ol.nn.MLP([2, 6, 1], activation="tanh", init="glorot", rng=rng)
    f = net.objective(X, y)
    theta0 = f.flatten(net.params)
    assert np.allclose(f.grad(theta0), numerical_grad(f.value, theta0), atol=1e-7)
    newton_cg = ol.NewtonCG()
    traj = ol.run(newton_cg, f, theta0, 20)
    assert traj.value < 0.5 * traj.values[0] and newton_cg.state.hvps > 0
    assert ol.run(ol.LBFGS(), f, theta0, 20).value < 0.5 * traj.values[0]


# ---------------------------------------------------------------------------------------------------
# Linear conjugate gradients


def test_cg_by_hand_on_a_2d_system():
    # A = [[4, 1], [1, 3]], b = (1, 2), x0 = (2, 1): r0 = (−8, −3), α0 = 73/331,
    # x1 = (2, 1) + α0 r0 = (0.2356, 0.3381); the second step ends at A⁻¹b = (1/11, 7/11).
    A, b = np.array([[4.0, 1.0], [1.0, 3.0]]), np.array([1.0, 2.0])
    x, info = ol.conjugate_gradient(A, b, x0=[2.0, 1.0], tol=1e-14)
    assert info.iterations == 2 and info.converged
    assert x == pytest.approx([1 / 11, 7 / 11], abs=1e-15)
    assert info.directions[0] == pytest.approx([-8.0, -3.0])
    assert info.residuals[0] == pytest.approx(np.sqrt(73))
    x1 = np.array([2.0, 1.0]) + 73 / 331 * np.array([-8.0, -3.0])
    assert info.residuals[1] == pytest.approx(np.linalg.norm(b - A @ x1))


def test_cg_directions_are_conjugate_and_it_finishes_in_n_steps_when_well_conditioned():
    n = 30
    f, rng = spd(n, 5, 8)
    b = rng.standard_normal(n)
    x, info = ol.conjugate_gradient(f.A, b, tol=1e-12)
    P = info.directions
    G = P @ f.A @ P.T
    off = G - np.diag(np.diag(G))
    scale = np.sqrt(np.outer(np.diag(G), np.diag(G)))
    assert np.max(np.abs(off) / scale) < 1e-6
    assert info.iterations <= n and np.allclose(f.A @ x, b, atol=1e-10)
    # a function v ↦ Av gives the same result
    x2, info2 = ol.conjugate_gradient(lambda v: f.A @ v, b, tol=1e-12)
    assert np.array_equal(x, x2) and info2.iterations == info.iterations


def test_cg_in_floating_point_needs_more_than_n_steps_when_kappa_is_large():
    counts = {}
    for kappa in (10.0, 1e3):
        f, rng = spd(50, kappa, 4)
        _, info = ol.conjugate_gradient(f.A, rng.standard_normal(50), tol=1e-10, max_iter=1000)
        counts[kappa] = info.iterations
        ks = np.arange(info.iterations + 1)
        assert np.all(info.residuals[ks[::5]] <= 2 * np.sqrt(kappa) * info.residuals[0]
                      * second_order.cg_bound(kappa, ks[::5]) * 1.01)
    assert counts[10.0] < 50 < 2 * 50 < counts[1e3]


def test_cg_errors():
    with pytest.raises(ValueError, match="symmetric"):
        ol.conjugate_gradient([[1.0, 2.0], [0.0, 1.0]], [1.0, 1.0])
    with pytest.raises(ValueError, match="positive definite"):
        ol.conjugate_gradient([[1.0, 0.0], [0.0, -1.0]], [1.0, 1.0])
    with pytest.raises(ValueError, match="2×2"):
        ol.conjugate_gradient(np.eye(3), [1.0, 1.0])
    with pytest.raises(ValueError, match="tol"):
        ol.conjugate_gradient(np.eye(2), [1.0, 1.0], tol=0)
    with pytest.raises(ValueError, match="max_iter"):
        ol.conjugate_gradient(np.eye(2), [1.0, 1.0], max_iter=-1)
    with pytest.raises(ValueError, match=r"b must have finite entries.*1 nan or inf of 2"):
        ol.conjugate_gradient(np.eye(2), [np.nan, 1.0])


@pytest.mark.parametrize("k", [-1, "a", [0, -2], np.nan])
def test_cg_bound_refuses_bad_step_counts(k):
    with pytest.raises(ValueError, match=r"cg_bound: k must be a number of steps >= 0.*got k="):
        second_order.cg_bound(10.0, k)


# ---------------------------------------------------------------------------------------------------
# Arguments, run's supply, repr and reset


@pytest.mark.parametrize("make, text", [
    (lambda: ol.Newton(damping=-0.1), "Newton: damping must satisfy damping >= 0, got damping=-0.1"),
    (lambda: ol.Newton(line_search="yes"), "Newton: line_search must be True or False"),
    (lambda: ol.Newton(lr=0), "Newton: lr must satisfy lr > 0, got lr=0"),
    (lambda: ol.SaddleFreeNewton(floor=0.0), "SaddleFreeNewton: floor must satisfy floor > 0, got floor=0.0"),
    (lambda: ol.LBFGS(memory=0), "LBFGS: memory must be an integer >= 1, got memory=0"),
    (lambda: ol.LBFGS(memory=2.5), "LBFGS: memory must be an integer >= 1"),
    (lambda: ol.BFGS(line_search="armijo"), "BFGS: line_search must be one of 'wolfe', 'exact'"),
    (lambda: ol.BFGS(c1=0.5, c2=0.1), "BFGS: c2 must satisfy 0.5 < c2 < 1"),
    (lambda: ol.NonlinearCG(variant="HS"), "NonlinearCG: variant must be one of 'FR', 'PR'"),
    (lambda: ol.NonlinearCG(c2=0.9), "NonlinearCG: c2 must satisfy 0.0001 < c2 < 0.5"),
    (lambda: ol.NewtonCG(max_cg=0), "NewtonCG: max_cg must be an integer >= 1"),
])
def test_bad_hyperparameters_are_named(make, text):
    with pytest.raises(ValueError, match=text.replace("(", r"\(").replace(")", r"\)")):
        make()


def test_run_refuses_minibatches_and_clipping_for_methods_that_need_more():
    data = ol.models.LeastSquares.random(n=20, d=2, rng=np.random.default_rng(0)) if hasattr(
        ol.models, "LeastSquares") and hasattr(ol.models.LeastSquares, "random") else None
    f = ol.Quadratic(np.eye(2))
    with pytest.raises(ValueError, match="Newton needs hess .*without clip"):
        ol.run(ol.Newton(), f, [1.0, 1.0], 3, clip=lambda g: g)
    with pytest.raises(ValueError, match="BFGS needs objective .*without batch_size"):
        ol.run(ol.BFGS(), data or f, [1.0, 1.0], 3, batch_size=4, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="needs hess"):
        ol.Newton().step(np.ones(2), np.ones(2))


def test_repr_reset_and_the_trajectory_defaults():
    assert repr(ol.LBFGS(memory=5)) == "LBFGS(line_search='wolfe', c1=0.0001, c2=0.9, memory=5)"
    assert repr(ol.Newton(damping=1)) == "Newton(damping=1.0, lr=1.0, line_search=False, c1=0.0001)"
    method = ol.BFGS()
    first = ol.run(method, ROSENBROCK, START, 10)
    second = ol.run(method, ROSENBROCK, START, 10)
    assert np.array_equal(first.xs, second.xs) and method.k == 10
    plain = ol.run(ol.SGD(lr=0.1), ol.Quadratic(np.eye(2)), [1.0, 1.0], 3)
    assert plain.stop_reason == "" and plain.notes == ()
    stopped = ol.run(ol.SGD(lr=1.0), ol.Quadratic(np.eye(2)), [1.0, 1.0], 50, gtol=1e-3)
    assert stopped.steps == 1 and stopped.stop_reason.startswith("converged")
    with pytest.raises(ValueError, match="works on one flat parameter vector"):
        ol.BFGS().step({"w": np.ones(2)}, {"w": np.ones(2)}, objective=None)


def test_steps_to_tolerance_supplies_what_methods_need():
    f, rng = spd(8, 100, 9)
    x0 = rng.standard_normal(8)
    assert ol.steps_to_tolerance(ol.Newton(), f, x0, 1e-10, 10) == 1
    assert ol.steps_to_tolerance(ol.BFGS(line_search="exact"), f, x0, 1e-10, 50) <= 8
    assert ol.steps_to_tolerance(ol.LBFGS(), f, x0, 1e-10, 100) <= 40


def test_steepest_descent_with_exact_steps_is_line_search_steepest_descent():
    f, rng = spd(4, 10, 10)
    x0 = rng.standard_normal(4)
    mine = ol.run(ol.SteepestDescent(line_search="exact"), f, x0, 15).xs
    assert np.allclose(mine, line_search.steepest_descent(f, x0, 15).xs, rtol=1e-12, atol=1e-14)


def test_cg_alphas_rebuild_the_iterates():
    f, rng = spd(10, 50, 11)
    b = rng.standard_normal(10)
    x, info = ol.conjugate_gradient(f.A, b, tol=1e-12)
    assert np.allclose(info.alphas @ info.directions, x, rtol=1e-12, atol=1e-14)


def test_quasi_newton_methods_keep_going_after_converging_to_underflow():
    f, rng = spd(20, 100, 0)
    for method in (ol.BFGS(), ol.LBFGS()):
        traj = ol.run(method, f, np.ones(20), 300)
        assert np.all(np.isfinite(traj.xs)) and traj.value < 1e-30
        assert "nan" not in traj.stop_reason
