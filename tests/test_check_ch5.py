"""Checks of chapter 5 (momentum)."""

import numpy as np

import optlib as ol
from optlib import check, rates


def test_momentum_numbers_agree_with_optlib_and_theory():
    # The moving-average form with α = 0.1, β = 0.9 is optlib's Momentum with lr = α(1 − β)
    traj = ol.run(ol.Momentum(lr=0.01, beta=0.9), ol.Quadratic([[2.0]]), 1.0, 3)
    assert np.allclose(traj.xs, check.ch5_momentum._EMA["iterates"])
    assert check.momentum_ema(lambda grad, x0, a, b, n: traj.xs).correct
    assert check.equivalent_lr(0.5 * (1 - 0.9)).correct
    # mom-ex-optimal: curvatures in [1, 144]
    _, beta, rho = rates.polyak_optimal(1.0, 144.0)
    assert check.optimal_beta(beta).correct
    assert rho**82 >= 1e-6 > rho**83
    assert check.steps_momentum(83).correct
    gd = 143 / 145
    assert gd**994 >= 1e-6 > gd**995
    assert check.steps_gd(995).correct


def test_momentum_checks_reject_wrong_answers(lenient):
    assert not check.optimal_beta(11 / 13).correct                           # ρ*, not β*
    assert "its square" in repr(check.optimal_beta(11 / 13))
    assert not check.equivalent_lr(0.5).correct
    assert "one more step" in repr(check.steps_momentum(82))                 # off by one
    assert "one more step" in repr(check.steps_gd(994))
    for check_steps in (check.steps_momentum, check.steps_gd):
        message = repr(check_steps(12))
        assert message.startswith("✘") and "83" not in message and "995" not in message

    def stub(*args):
        raise NotImplementedError

    assert "not implemented" in repr(check.momentum_ema(stub))
