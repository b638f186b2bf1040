"""Checks of chapter 5 (momentum)."""

import numpy as np

import optlib as ol
from optlib import check


def test_momentum_numbers_agree_with_optlib_and_theory():
    # Park's form with α = 0.1, β = 0.9 is optlib's Momentum with lr = α(1 − β)
    traj = ol.run(ol.Momentum(lr=0.01, beta=0.9), ol.Quadratic([[2.0]]), 1.0, 3)
    assert np.allclose(traj.xs, check.ch5_momentum._EMA["iterates"])
    assert check.momentum_ema(lambda grad, x0, a, b, n: traj.xs).correct
    rho = 9 / 11
    assert check.optimal_beta(rho**2).correct
    assert check.steps_momentum(int(np.ceil(np.log(1e-6) / np.log(rho)))).correct
    assert rho**68 >= 1e-6 > rho**69
    assert check.steps_gd(int(np.ceil(np.log(1e-6) / np.log(99 / 101)))).correct
    assert check.equivalent_lr(0.5 * (1 - 0.9)).correct


def test_momentum_checks_reject_wrong_answers(lenient):
    assert not check.optimal_beta(9 / 11).correct          # ρ*, not β*
    assert not check.equivalent_lr(0.5).correct

    def stub(*args):
        raise NotImplementedError

    assert "not implemented" in repr(check.momentum_ema(stub))
