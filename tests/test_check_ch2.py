"""Checks of chapter 2 (empirical risk, stochastic gradients): the stored numbers are what optlib
computes, right answers pass without showing the answer, and every kind of wrong answer gets a ✘ with a
sentence that helps, never an exception."""

import itertools

import numpy as np
import pytest

import optlib as ol
from optlib import check, models
from optlib.check import ch2_empirical_risk as ch2

PROBLEM = models.LeastSquares(ch2._X, ch2._Y)
pytestmark = pytest.mark.usefixtures("lenient")   # a ✘ is a value here, not the strict mode's error


def _epoch_by_optlib(case, grad=None, order=None, uphill=False):
    """One epoch stepped by optlib.SGD, with the minibatch gradient (or ``grad``) of the model."""
    opt, w, b = ol.SGD(lr=case["lr"]), np.array(case["w"]), case["batch_size"]
    order = np.array(case["order"] if order is None else order)
    for start in range(0, len(order) - b + 1, b):            # an incomplete last batch is left out
        g = PROBLEM.minibatch_grad(w, order[start:start + b]) if grad is None else grad(w)
        w = opt.step(w, -g if uphill else g)
    return w


def good(minibatch_grad, w, order, lr, batch_size):
    w = np.array(w, dtype=float)
    for start in range(0, len(order) - batch_size + 1, batch_size):
        w = w - lr * minibatch_grad(w, order[start:start + batch_size])
    return w


def test_stored_epochs_are_optlibs():
    for case in ch2._EPOCH_CASES:
        assert np.allclose(case["end"], _epoch_by_optlib(case), rtol=1e-13)
        assert np.allclose(case["full_gradient"], _epoch_by_optlib(case, grad=PROBLEM.grad), rtol=1e-13)
        in_index_order = _epoch_by_optlib(case, order=np.arange(PROBLEM.n))
        assert np.allclose(case["index_order"], in_index_order, rtol=1e-13)
        assert np.allclose(case["uphill"], _epoch_by_optlib(case, uphill=True), rtol=1e-13)
        one = ol.SGD(lr=case["lr"]).step(np.array(case["w"]), PROBLEM.grad(np.array(case["w"])))
        assert np.allclose(case["one_step"], one, rtol=1e-13)
    settings = [(c["lr"], c["batch_size"], tuple(c["order"])) for c in ch2._EPOCH_CASES]
    assert all(len(set(column)) == 3 for column in zip(*settings))
    incomplete = [c for c in ch2._EPOCH_CASES if PROBLEM.n % c["batch_size"]]
    assert len(incomplete) == 1 and "with_last_batch" in incomplete[0]
    case = incomplete[0]
    w, order, b = np.array(case["w"]), np.array(case["order"]), case["batch_size"]
    kept = w - case["lr"] * PROBLEM.minibatch_grad(w, order[:b])
    kept = kept - case["lr"] * PROBLEM.minibatch_grad(kept, order[b:])    # the incomplete batch too
    assert np.allclose(case["with_last_batch"], kept, rtol=1e-13)


def test_stored_variances():
    N, n, v = 50, 10, 2.0
    assert np.isclose(ch2._VARIANCE, v / n * (N - n) / (N - 1))
    values = np.arange(7.0)                                    # exact enumeration on a small set
    for size in (2, 3):
        means = [np.mean(s) for s in itertools.combinations(values, size)]
        assert np.isclose(np.var(means), values.var() / size * (7 - size) / (7 - 1))
    assert np.isclose(ch2._SE_NOT_VARIANCE, np.sqrt(ch2._VARIANCE))


def test_stored_batch_is_the_first_whose_ceiling_exceeds_the_rate():
    curvatures = np.linspace(0.25, 1.0, 10)

    def stable(lr, b):   # a(η) < 1 with every denominator positive: a finite floor
        d = 2 - lr * curvatures * (1 + 1 / b)
        return bool(np.all(d > 0) and lr / b * np.sum(curvatures / d) < 1)

    settles = [b for b in ch2._FRAMES_B if stable(ch2._SETTLING_LR, b)]
    assert settles[0] == ch2._SETTLING_BATCH and settles == [b for b in ch2._FRAMES_B if b >= settles[0]]
    # away from the boundary: the rate is below 0.85 of the ceiling there, above 1.3 of it one frame lower
    assert stable(ch2._SETTLING_LR / 0.85, ch2._SETTLING_BATCH) and not stable(ch2._SETTLING_LR / 1.3, 2)


def test_right_answers_pass_without_showing_them():
    assert check.sgd_epoch(good).correct
    feedback = check.minibatch_variance(ch2._VARIANCE)
    assert feedback.correct and "0.163" not in feedback.message
    assert check.minibatch_variance(np.float32(ch2._VARIANCE)).correct
    assert check.settling_batch(4).correct and check.settling_batch(4.0).correct
    assert check.settling_batch(np.int64(4)).correct and check.settling_batch(4 + 1e-12).correct


def _copying(body):
    def func(minibatch_grad, w, order, lr, batch_size):
        return body(minibatch_grad, np.array(w, dtype=float), order, lr, batch_size)
    return func


def _in_place(minibatch_grad, w, order, lr, batch_size):
    for start in range(0, len(order), batch_size):
        w -= lr * minibatch_grad(w, order[start:start + batch_size])
    return w


def _all_iterates(minibatch_grad, w, order, lr, batch_size):
    ws = [np.array(w, dtype=float)]
    for start in range(0, len(order), batch_size):
        ws.append(ws[-1] - lr * minibatch_grad(ws[-1], order[start:start + batch_size]))
    return ws


def _in_float32(minibatch_grad, w, order, lr, batch_size):
    w = np.array(w, dtype=np.float32)
    for start in range(0, len(order) - batch_size + 1, batch_size):
        w = w - np.float32(lr) * minibatch_grad(w, order[start:start + batch_size]).astype(np.float32)
    return w


def _keeps_last_batch(minibatch_grad, w, order, lr, batch_size):
    w = np.array(w, dtype=float)
    for start in range(0, len(order), batch_size):
        w = w - lr * minibatch_grad(w, order[start:start + batch_size])
    return w


def _first_batch_only(minibatch_grad, w, order, lr, batch_size):
    for _ in range(0, len(order), batch_size):
        w = w - lr * minibatch_grad(w, order[:batch_size])
    return w


def _raises(*args):
    raise KeyError("oops")


def _not_implemented(*args):
    raise NotImplementedError


WRONG_EPOCHS = {
    "none": (None, "expected a function"),
    "string": ("sgd_epoch", "expected a function"),
    "called": (np.zeros(2), "pass the function itself"),
    "arguments": (lambda g, w: w, "as sgd_epoch(minibatch_grad, w, order, lr, batch_size)"),
    "stub": (_not_implemented, "not implemented"),
    "raises": (_raises, "raised KeyError"),
    "returns none": (lambda *a: None, "returned None"),
    "returns text": (lambda *a: "w", "expected an array"),
    "all iterates": (_all_iterates, "return only the last one"),
    "in place": (_in_place, "changed the caller's w"),
    "nan": (lambda *a: np.array([np.nan, 0.0]), "not finite"),
    "full gradient": (_copying(lambda g, w, o, lr, b: _epoch_full(w, lr, b)), "full-gradient steps"),
    "one step": (_copying(lambda g, w, o, lr, b: w - lr * PROBLEM.grad(w)), "one step for the whole epoch"),
    "index order": (lambda g, w, o, lr, b: good(g, w, np.arange(len(o)), lr, b), "indices 0, 1, 2"),
    "uphill": (lambda g, w, o, lr, b: good(g, w, o, -lr, b), "uphill"),
    "keeps the last batch": (_keeps_last_batch, "incomplete last batch"),
    "float32": (_in_float32, "7 significant digits"),
    "first batch only": (_copying(_first_batch_only), "not right"),
}


def _epoch_full(w, lr, b):
    for _ in range(PROBLEM.n // b):
        w = w - lr * PROBLEM.grad(w)
    return w


@pytest.mark.parametrize("answer, message", WRONG_EPOCHS.values(), ids=WRONG_EPOCHS)
def test_wrong_epochs_get_a_helpful_cross(answer, message):
    feedback = check.sgd_epoch(answer)
    assert not feedback.correct and message in feedback.message and repr(feedback).startswith("✘")


WRONG_VARIANCES = {
    "ellipsis": (..., "replace `...`"), "none": (None, "replace"), "string": ("0.16", "without quotes"),
    "bool": (True, "truth value"), "list": ([0.16], "without brackets"), "array": (np.ones(2), "one number"),
    "nan": (np.nan, "finite"), "with replacement": (0.2, "with replacement"),
    "denominator": (0.16, "denominator"), "standard error": (ch2._SE_NOT_VARIANCE, "standard error"),
    "no n": (ch2._VAR_NO_N, "1/n"), "sample variance": (ch2._VAR_UNBIASED, "sample variance"),
    "rounded": (0.1633, "Close"), "other": (1.0, "Cov"),
}


@pytest.mark.parametrize("answer, message", WRONG_VARIANCES.values(), ids=WRONG_VARIANCES)
def test_wrong_variances_get_a_helpful_cross(answer, message):
    feedback = check.minibatch_variance(answer)
    assert not feedback.correct and message in feedback.message


WRONG_BATCHES = {
    "ellipsis": (..., "replace"), "string": ("4", "without quotes"), "bool": (True, "truth value"),
    "list": ([4], "without brackets"), "array": (np.array([4, 4]), "one number"), "zero": (0, "at least one"),
    "negative": (-4, "at least one"), "fraction": (4.5, "whole number"), "not a frame": (3, "not one of"),
    "one frame short": (2, "no finite floor"), "batch one": (1, "blow up"),
    "a later frame": (16, "already settles at a smaller"), "largest frame": (64, "the first one is asked"),
    "nan": (np.nan, "finite"),
}


@pytest.mark.parametrize("answer, message", WRONG_BATCHES.values(), ids=WRONG_BATCHES)
def test_wrong_batches_get_a_helpful_cross(answer, message):
    feedback = check.settling_batch(answer)
    assert not feedback.correct and message in feedback.message


def test_strict_mode_raises_on_wrong_answers(monkeypatch):
    monkeypatch.setenv(check.STRICT_ENV, "1")
    for checker, answer in [(check.sgd_epoch, None), (check.minibatch_variance, 0.2),
                            (check.settling_batch, 2)]:
        with pytest.raises(AssertionError):
            checker(answer)
