"""Checks of chapter 6 (adaptive methods): the stored numbers are what optlib and each named mistake
give, right answers pass without being echoed, and every kind of wrong answer gets a ✘ with a
sentence that helps, never an exception."""

from types import SimpleNamespace

import numpy as np
import pytest

import optlib as ol
from optlib import check
from optlib.check import ch6_adaptive_methods as ch6


def adam_variant(x, g, m, v, t, lr, beta1, beta2, eps, mistake=None):
    """One step of Adam's Algorithm 1, or of it with one named mistake (the keys of ch6._ADAM_HINTS)."""
    if mistake == "lr fixed":
        lr = 0.001
    if mistake == "betas fixed":
        beta1, beta2 = 0.9, 0.999
    if mistake == "eps fixed":
        eps = 1e-8
    if mistake == "betas swapped":
        beta1, beta2 = beta2, beta1
    m = beta1 * m + (g if mistake == "no 1 - beta" else (1 - beta1) * g)
    v = beta2 * v + (1 - beta2) * (g if mistake == "v of g" else g * g)
    s = {"t + 1": t + 1, "t - 1": t - 1}.get(mistake, t)
    m_hat = m if mistake in ("no correction", "v only corrected") else m / (1 - beta1**s)
    v_hat = v if mistake in ("no correction", "m only corrected") else v / (1 - beta2**s)
    if mistake == "efficient form":   # Kingma & Ba's reordering, with ε added to √v
        step = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t) * m / (np.sqrt(v) + eps)
    else:
        denominator = {"eps inside": np.sqrt(v_hat + eps), "no eps": np.sqrt(v_hat),
                       "no sqrt": v_hat + eps}.get(mistake, np.sqrt(v_hat) + eps)
        step = lr * (g if mistake == "gradient step" else m_hat) / denominator
    x = x + step if mistake == "ascent" else x - step
    return (x, m_hat, v_hat) if mistake == "hats returned" else (x, m, v)


def with_mistake(mistake):
    def adam_update(x, g, m, v, t, lr, beta1, beta2, eps):
        with np.errstate(all="ignore"):
            return adam_variant(x, g, m, v, t, lr, beta1, beta2, eps, mistake)
    return adam_update


def arrays(case):
    return {k: np.array(v, dtype=float) if isinstance(v, list) else v for k, v in case["args"].items()}


def test_expected_steps_agree_with_optlib():
    for case in ch6._ADAM_CASES:
        a = arrays(case)
        opt = ol.Adam(lr=a["lr"], beta1=a["beta1"], beta2=a["beta2"], eps=a["eps"])
        opt.k, opt.state = a["t"] - 1, SimpleNamespace(m=a["m"].copy(), v=a["v"].copy())   # at step t
        x = opt.step(a["x"], a["g"])
        for key, got in zip("xmv", (x, opt.state.m, opt.state.v)):
            assert np.allclose(got, case["expected"][key], rtol=1e-14, atol=0)


def test_each_stored_mistake_is_what_that_mistake_gives_and_is_far_from_the_answer():
    stored = [mistake for case in ch6._ADAM_CASES for mistake in case["mistakes"]]
    assert sorted(stored) == sorted(ch6._ADAM_HINTS) and len(stored) == len(set(stored))
    for case in ch6._ADAM_CASES:
        for mistake, values in case["mistakes"].items():
            got = dict(zip("xmv", adam_variant(*arrays(case).values(), mistake=mistake)))
            for key, value in values.items():
                assert np.allclose(got[key], value, rtol=1e-14, atol=0), (mistake, key)
                assert np.max(np.abs(np.array(value) / case["expected"][key] - 1)) > 100 * ch6._ADAM_RTOL


def test_every_case_has_its_own_lr_and_the_defaults_are_not_the_only_hyperparameters():
    settings = [(c["args"]["lr"], c["args"]["beta1"], c["args"]["beta2"], c["args"]["eps"])
                for c in ch6._ADAM_CASES]
    assert len({s[0] for s in settings}) == len(settings) and 0.001 not in {s[0] for s in settings}
    assert any(s[1:] != (0.9, 0.999, 1e-8) for s in settings)
    assert any(np.max(np.abs(c["args"]["g"])) < 1e-5 for c in ch6._ADAM_CASES)      # ε matters there
    assert any(len(c["args"]["x"]) > 2 for c in ch6._ADAM_CASES)


def test_a_correct_adam_update_passes_without_echoing_the_answer(lenient):
    def as_lists(x, g, m, v, t, lr, beta1, beta2, eps):   # lists are fine too
        return tuple(np.asarray(a).tolist() for a in adam_variant(x, g, m, v, t, lr, beta1, beta2, eps))

    for func in (adam_variant, as_lists):
        feedback = check.adam_update(func)
        assert feedback.correct and "relative tolerance of 1e-06" in feedback.message
        for case in ch6._ADAM_CASES:
            for values in case["expected"].values():
                assert all(f"{value:.4g}" not in feedback.message for value in values)


def raises(error):
    def adam_update(x, g, m, v, t, lr, beta1, beta2, eps):
        raise error
    return adam_update


def returns(value):
    return lambda x, g, m, v, t, lr, beta1, beta2, eps: value


def in_place(x, g, m, v, t, lr, beta1, beta2, eps):
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g * g
    return x - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v


def reordered(order):
    def adam_update(*args):
        out = adam_variant(*args)
        return tuple(out[i] for i in order)
    return adam_update


WRONG_ADAM = [
    (None, "expected a function"), (..., "expected a function"), ("adam_update", "expected a function"),
    (True, "expected a function"), ([1, 2, 3], "expected a function"), (0.9, "expected a function"),
    (raises(NotImplementedError), "not implemented yet"),
    (raises(ValueError("boom")), "raised ValueError: boom"),
    (raises(ZeroDivisionError("division by zero")), "raised ZeroDivisionError"),
    (returns(None), "returned None"), (returns((1.0, 2.0)), "returned 2 values"),
    (lambda x, g, m, v, t, lr, beta1, beta2, eps: x - lr * g, "returned a single ndarray"),
    (returns({"x": 1.0, "m": 0.2, "v": 0.004}), "returned a single dict"),
    (returns(("0.9", "0.2", "0.004")), "holds text"), (returns((0.9, 0.2, 0.004)), "has shape ()"),
    (returns(([0.9, 0.1], [0.2], [0.004])), "has shape (2,)"), (returns((True, True, True)), "truth values"),
    (returns((1j, 0.2, 0.004)), "complex"), (returns((None, 0.2, 0.004)), "does not hold numbers"),
    (lambda *a: tuple(np.ravel(r)[:1] for r in adam_variant(*a)), "has shape (1,), but x has shape (2,)"),
    (in_place, "changed its argument m in place"),
    (reordered((0, 2, 1)), "m and v are swapped"), (reordered((1, 2, 0)), "wrong order"),
    (with_mistake("t - 1"), "t counts from 1"),
    *((with_mistake(mistake), hint) for mistake, hint in ch6._ADAM_HINTS.items()),
]


@pytest.mark.parametrize("answer, says", WRONG_ADAM, ids=lambda a: getattr(a, "__name__", repr(a))[:20])
def test_adam_update_explains_each_wrong_answer(lenient, answer, says):
    feedback = check.adam_update(answer)
    assert not feedback.correct and says in feedback.message, feedback.message
    assert "Traceback" not in feedback.message and "0.9000000005" not in feedback.message


def test_each_conceptual_mistake_gets_its_own_hint(lenient):
    messages = {mistake: check.adam_update(with_mistake(mistake)).message for mistake in ch6._ADAM_HINTS}
    for mistake, message in messages.items():
        assert ch6._ADAM_HINTS[mistake] in message
        assert "not right" in message and "tolerance" in message


def test_adam_update_fails_in_strict_mode(monkeypatch):
    monkeypatch.setenv(check.STRICT_ENV, "1")
    with pytest.raises(AssertionError, match="eps"):
        check.adam_update(with_mistake("eps inside"))


# Exercise ada-ex-bias.
def test_uncorrected_factor_numbers_are_the_formulas():
    t = np.arange(1, 10_001)
    factor = (1 - 0.9**t) / np.sqrt(1 - 0.99**t)
    assert np.isclose(factor.max(), ch6._UNCORRECTED_PEAK, rtol=1e-12) and t[np.argmax(factor)] == 13
    assert np.allclose(ch6._NEIGHBOURS, factor[[11, 13]], rtol=1e-12)
    assert all(abs(n / ch6._UNCORRECTED_PEAK - 1) > 4 * ch6._BIAS_RTOL for n in ch6._NEIGHBOURS)
    fine = np.linspace(5, 20, 200_001)       # the maximum over real t passes too
    assert check.uncorrected_factor(np.max((1 - 0.9**fine) / np.sqrt(1 - 0.99**fine))).correct
    default = (1 - 0.9**t) / np.sqrt(1 - 0.999**t)
    assert np.isclose(default.max(), ch6._DEFAULT_PEAK, rtol=1e-12)
    assert np.isclose(np.max((1 - 0.9**t) / (1 - 0.99**t)), ch6._NO_ROOT, rtol=1e-12)
    assert np.isclose(np.max((1 - 0.99**t) / np.sqrt(1 - 0.9**t)), ch6._WITH_CORRECTION, rtol=1e-9)


NOT_NUMBERS = [(None, "replace `...`"), (..., "replace `...`"), (True, "truth value"), ("2.13", "string"),
               ([2.13, 1.0], "one number"), (float("nan"), "finite"), (lambda: 2.13, "function")]


@pytest.mark.parametrize("answer, says", NOT_NUMBERS + [
    (1.0, "1 at every step"), (2.12886, "next to the peak"), (2.12877, "next to the peak"),
    (6.5685, "β₂ = 0.999"), (10.0, "square root"), (13, "step at which"), (12, "step at which"),
    (1 / 2.131, "upside down"), (3.0, "constant gradient"), (2.13, "constant gradient"),
])
def test_uncorrected_factor_explains_each_wrong_answer(lenient, answer, says):
    feedback = check.uncorrected_factor(answer)
    assert not feedback.correct and says in feedback.message, feedback.message
    assert "2.131" not in feedback.message
    if (answer, says) not in NOT_NUMBERS:
        assert "relative tolerance of 0.0002" in feedback.message


def test_a_correct_factor_is_not_echoed():
    message = repr(check.uncorrected_factor(2.13108))
    assert message.startswith("✔") and "2.13" not in message and "0.0002" in message


# Exercise ada-ex-explore.
def unstable_steps(rho=0.9, steps=120):
    """x₁'s and x₂'s effective rates αλ/√(ε + r) after each step t = 1, …, and the loss after it."""
    bowl = ol.Quadratic(np.diag([1.0, 100.0]))
    opt, x = ol.RMSProp(lr=0.3, beta=rho), np.array([-8.0, 2.0])
    rates, losses = [], []
    for _ in range(steps):
        x = opt.step(x, bowl.grad(x))
        rates.append(opt.lr * np.array([1.0, 100.0]) / np.sqrt(opt.eps + opt.state.r))
        losses.append(bowl.value(x))
    return np.array(rates), np.array(losses)


def test_the_unstable_step_and_the_slips_are_what_the_run_gives():
    rates, losses = unstable_steps()
    first = int(np.argmax(rates[:, 1] > 2)) + 1
    assert first == ch6._UNSTABLE_STEP
    assert int(np.argmax(rates[:, 1] > 1)) + 1 == 19 and int(np.argmax(rates[:, 0] > 2)) + 1 == 80
    assert int(np.argmin(losses)) + 1 == 56 and int(np.argmax(np.diff(losses) > 0)) + 2 == 57
    assert int(np.argmax(unstable_steps(rho=0.99)[0][:, 1] > 2)) + 1 == 84
    assert set(ch6._UNSTABLE_SLIPS) == {first - 1, 1, 84, 80, 19, 56, 57}
    assert check.first_unstable_step(first).correct and check.first_unstable_step(32.0).correct


@pytest.mark.parametrize("answer, says", [
    (None, "replace `...`"), (..., "replace `...`"), (True, "truth value"), ("32", "string"),
    ([32, 33], "one number"), (float("inf"), "finite"), (lambda: 32, "function"), (32.5, "whole number"),
    (31, "count the steps from 1"), (1, "after the step's gradient"), (84, "ρ = 0.99"), (80, "x₁"),
    (19, "changes sign"), (56, "loss is smallest"), (57, "loss starts to rise"), (0, "counted from 1"),
    (40, "Record αλ₂"),
])
def test_first_unstable_step_explains_each_wrong_answer(lenient, answer, says):
    feedback = check.first_unstable_step(answer)
    assert not feedback.correct and says in feedback.message, feedback.message
    assert "32" not in feedback.message.replace(repr(answer), "")    # the student's own value aside


def test_a_correct_step_is_not_echoed():
    message = repr(check.first_unstable_step(32))
    assert message.startswith("✔") and "32" not in message and "whole number" in message
