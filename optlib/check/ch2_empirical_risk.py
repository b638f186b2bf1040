"""Checks for chapter 2, empirical risk minimization and stochastic gradients.

Every check validates what it receives and answers in one sentence, never with a traceback; it states
its tolerance, and a correct answer's message does not repeat the number. Expected values are stored
as numbers next to the values that the mistakes the chapter warns about give
(``tests/test_check_ch2.py`` recomputes every one of them with optlib).
"""

from __future__ import annotations

import numpy as np

from ._core import (
    WHOLE,
    Feedback,
    _not_a_number,
    _number_with_mistakes,
    _one_number_problem,
    _short,
    _signature_problem,
    _verdict,
    _whole_number,
)

# Exercise er-ex-epoch: one epoch of minibatch SGD on the least squares J(w) = (1/2n)‖Xw − y‖² over
# these six examples, visiting the batches order[0:b], order[b:2b], … Two settings, so that a function
# that ignores one argument fails. Next to the right end point, what four mistakes give: the full
# gradient at every step, one full-gradient step for the whole epoch, batches in index order instead
# of `order`, and steps uphill (w + η ĝ).
_X = [[1.0, 2.0], [0.5, -1.0], [-1.5, 0.5], [2.0, 1.0], [0.0, -2.0], [-1.0, -0.5]]
_Y = [1.0, -2.0, 0.5, 3.0, -1.0, 0.0]
_EPOCH_CASES = (
    dict(w=[0.5, -0.5], order=[3, 0, 5, 1, 4, 2], lr=0.1, batch_size=2,
         end=[0.600390625, 0.052265625],
         full_gradient=[0.582473560474537, 0.03193601707175925],
         one_step=[0.54375, -0.28541666666666665],
         index_order=[0.5943457031249999, 0.030571289062500034],
         uphill=[0.334609375, -1.2410156250000002]),
    dict(w=[-1.0, 1.0], order=[2, 4, 0, 5, 3, 1], lr=0.25, batch_size=3,
         end=[-0.16883680555555558, 1.1783854166666667],
         full_gradient=[-0.2912326388888889, 1.0709635416666667],
         one_step=[-0.5625, 1.0833333333333333],
         index_order=[-0.19010416666666674, 1.1410590277777777],
         uphill=[-1.9188368055555554, 0.8450520833333335]),
    # six examples in batches of 4: one step, and the incomplete last batch of two is left out
    dict(w=[0.25, 0.75], order=[5, 2, 0, 3, 1, 4], lr=0.2, batch_size=4,
         end=[0.31875, 0.759375],
         full_gradient=[0.2729166666666667, 0.76875],
         one_step=[0.2729166666666667, 0.76875],
         index_order=[0.315625, 0.84375],
         uphill=[0.18125, 0.740625],
         with_last_batch=[0.24874999999999997, 0.795625]),
)
_W_RTOL = 1e-9

# Exercise er-ex-variance: N = 50 examples whose per-example gradients (numbers) have population
# variance v = 2 (the mean of squared deviations); a batch of n = 10 drawn without replacement.
_VARIANCE = 2 / 10 * 40 / 49          # (v/n)(N − n)/(N − 1)
_VAR_WITH_REPLACEMENT = 0.2           # v/n
_VAR_WRONG_DENOMINATOR = 0.16         # (v/n)(N − n)/N
_SE_NOT_VARIANCE = 0.40406101782088427   # the square root: a standard error
_VAR_NO_N = 2 * 40 / 49               # the factor 1/n left out
_VAR_UNBIASED = 2 / 10 * 50 / 49      # v N/(N − 1) / n: the sample-variance correction instead
_RTOL = 1e-4

# Exercise er-ex-explore: the smallest frame batch size whose learning-rate ceiling exceeds η = 0.64
# (ceilings 0.259, 0.472, 0.799, 1.21, … at b = 1, 2, 4, 8, …: tests/test_check_ch2.py recomputes them).
_SETTLING_LR = 0.64
_SETTLING_BATCH = 4
_FRAMES_B = (1, 2, 4, 8, 16, 64)


def sgd_epoch(func) -> Feedback:
    """Check ``func(minibatch_grad, w, order, lr, batch_size)``, which must return w after one epoch."""
    name = "sgd_epoch"
    if not callable(func):
        return _verdict(False, f"{name}: expected a function sgd_epoch(minibatch_grad, w, order, lr, "
                               f"batch_size), got {_short(func)} ({type(func).__name__}): pass the function "
                               f"itself, check.sgd_epoch(sgd_epoch), without calling it.")
    problem = _signature_problem(func, "sgd_epoch(minibatch_grad, w, order, lr, batch_size)", *[None] * 5)
    for case in _EPOCH_CASES:
        problem = problem or _epoch_case(func, case)
    if problem:
        return _verdict(False, f"{name}: {problem}")
    return _verdict(True, f"{name}: correct on least squares over six examples in three settings of order, "
                          f"lr and batch_size, one with an incomplete last batch (compared to a relative "
                          f"tolerance of {_W_RTOL:g}), and w is left unchanged.")


def _minibatch_grad(w, idx):
    """The exercise's minibatch gradient (1/|B|) Σ_{i∈B} xᵢ(xᵢᵀw − yᵢ), refusing what is not a batch."""
    idx = np.asarray(idx)
    if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(f"minibatch_grad needs a non-empty 1-d array of example indices, got {_short(idx)}")
    X, y = np.array(_X)[idx], np.array(_Y)[idx]
    return (X @ np.asarray(w, dtype=float) - y) @ X / idx.size


def _epoch_case(func, case) -> str | None:
    w, order = np.array(case["w"]), np.array(case["order"])
    w_before, order_before = w.copy(), order.copy()
    setting = (f"with w = {case['w']}, order = {case['order']}, lr = {case['lr']}, "
               f"batch_size = {case['batch_size']}")
    try:
        out = func(_minibatch_grad, w, order, case["lr"], case["batch_size"])
    except NotImplementedError:
        return "not implemented yet."
    except (Exception, SystemExit) as error:  # the student's code failed, even by exit(): say how
        return f"your function raised {type(error).__name__} ({str(error)[:80]}) {setting}."
    if not np.array_equal(w, w_before):
        return ("your function changed the caller's w (an in-place update such as w -= …); start from a "
                "copy, w = np.array(w, dtype=float).")
    if not np.array_equal(order, order_before):
        return "your function changed the caller's order array in place; read it, don't shuffle it."
    if out is None:
        return "your function returned None: return w after the epoch."
    try:
        out = np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        return f"expected an array of 2 numbers, got {_short(out)}."
    if out.shape != (2,):
        every = out.ndim == 2 and out.shape[-1] == 2
        more = " It looks like every iterate: return only the last one." if every else ""
        return (f"expected an array of shape (2,), the weights after the epoch, got shape {out.shape} "
                f"{setting}.{more}")
    if not np.all(np.isfinite(out)):
        return f"your weights are not finite numbers (nan or inf) {setting}."

    def close(key):
        return np.allclose(out, case[key], rtol=_W_RTOL, atol=1e-12)

    if close("end"):
        return None
    if np.allclose(out, case["end"], rtol=1e-5, atol=1e-7):
        return (f"your weights agree with the expected ones only to about 7 significant digits {setting}, "
                f"not to the relative tolerance of {_W_RTOL:g}: single-precision arithmetic? Compute in "
                "float64, w = np.array(w, dtype=float).")
    if "with_last_batch" in case and close("with_last_batch"):
        return (f"your function also stepped on the incomplete last batch {setting}: the exercise drops "
                "it, so an epoch has n // b steps.")
    if close("full_gradient"):
        return (f"these are the weights of full-gradient steps {setting}: each step must use the gradient of "
                "its own minibatch, minibatch_grad(w, batch).")
    if close("one_step"):
        return (f"your function made one step for the whole epoch {setting}: an epoch of batch size b has "
                "n/b steps.")
    if close("index_order"):
        return (f"your batches follow the indices 0, 1, 2, … {setting}; take them from order: order[0:b], "
                "order[b:2b], …")
    if close("uphill"):
        return f"your steps go uphill {setting}: a gradient step subtracts η times the gradient."
    return (f"the weights after the epoch are not right {setting}. Take the batches order[0:b], "
            "order[b:2b], … in turn and step w ← w − lr·minibatch_grad(w, batch) after each, with the "
            "gradient at the current w.")


def minibatch_variance(answer) -> Feedback:
    """The variance of the mean of n = 10 of N = 50 values (population variance 2), without replacement."""
    return _number_with_mistakes("minibatch_variance", answer, _VARIANCE, _RTOL, {
        _VAR_WITH_REPLACEMENT: "That is v/n, the variance with replacement; without replacement the draws "
                               "are not independent, and their covariances lower it.",
        _VAR_WRONG_DENOMINATOR: "Nearly: check the denominator of the correction. Two distinct draws have "
                                "covariance −v/(N − 1), which is where it comes from.",
        _SE_NOT_VARIANCE: "That is a standard error, the square root of the variance; the variance is asked.",
        _VAR_NO_N: "That leaves out the 1/n of averaging n draws.",
        _VAR_UNBIASED: "That corrects v as a sample variance would; here v is the variance of the whole "
                       "population, and the correction comes from the covariance of draws without "
                       "replacement."},
        "Write the mean's variance as (1/n²) Σᵢ Σⱼ Cov(gᵢ, gⱼ): n variances v and n(n − 1) covariances of "
        "two distinct draws without replacement.")


def settling_batch(answer) -> Feedback:
    """The smallest frame batch size at which SGD with η = 0.64 settles to a finite floor."""
    name = "settling_batch"
    mistakes = {
        2: "At b = 2 the explorer's status line says there is no finite floor: η = 0.64 is still above "
           "the ceiling there. Go one frame further.",
        1: "At b = 1 the runs blow up: the status line says there is no finite floor.",
        **{b: f"SGD settles at b = {b}, but it already settles at a smaller batch size of the explorer: "
              "the first one is asked." for b in _FRAMES_B if b > _SETTLING_BATCH},
    }
    if _not_a_number(answer) is None and not isinstance(answer, (list, tuple)):
        value = float(np.asarray(answer, dtype=float).item())
        if value < 1:
            return _verdict(False, f"{name}: {value:g} is not a batch size: a batch holds at least one "
                                   "example.")
        if abs(value - round(value)) <= WHOLE and round(value) not in _FRAMES_B:
            return _verdict(False, f"{name}: {round(value)} is not one of the explorer's batch sizes "
                                   f"{', '.join(map(str, _FRAMES_B))}.")
    return _whole_number(name, answer, _SETTLING_BATCH, "a batch size of the explorer", mistakes,
                         "Set η = 0.64 and step the batch size up from 1, reading the status line (and the "
                         "exact floor) at each frame.", lowest=1, why_not=_one_number_problem)
