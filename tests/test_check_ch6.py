"""Checks of chapter 6 (adaptive methods)."""

import numpy as np

import optlib as ol
from optlib import check


def test_adam_numbers_agree_with_optlib():
    opt, x = ol.Adam(lr=0.1), np.array([1.0])
    for case in check.ch6_adaptive_methods._ADAM:
        assert np.isclose(2 * x[0], case["g"], rtol=1e-8)
        x = opt.step(x, 2 * x)
        assert np.allclose([x[0], opt.state.m[0], opt.state.v[0]], [case["x"], case["m"], case["v"]],
                           rtol=1e-8)
    assert check.uncorrected_factor((1 - 0.9) / np.sqrt(1 - 0.99)).correct


def test_adam_check_rejects_an_uncorrected_update(lenient):
    def no_correction(x, g, m, v, t, lr, beta1, beta2, eps):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        return x - lr * m / (np.sqrt(v) + eps), m, v

    assert not check.adam_update(no_correction).correct
