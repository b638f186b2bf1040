"""Checks for chapter 6, adaptive methods.

Every check validates what it receives and answers in one sentence, never with a traceback; it says
the tolerance it uses, and a correct answer's message does not repeat the answer. The common mistakes
are recognised by the values they give, stored below as numbers next to the expected values (the
update rules that produce them are in tests/test_check_ch6.py, which recomputes every number).
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np

from ._core import Feedback, _not_a_number, _short, _verdict, _whole_number

# Exercise ada-ex-adam: one call of adam_update(x, g, m, v, t, lr, beta1, beta2, eps) per case. Every
# mistake the chapter warns about changes the result of some case by far more than the tolerance:
# the first step at t = 1 shows a missing or partial bias correction; tiny gradients (|g| near 1e-6)
# with the default ε show where ε goes; a vector at t = 3 with other hyperparameters shows values
# hard-coded instead of taken from the arguments. "mistakes" holds, for the first case where a mistake
# shows, the arrays that it gets wrong (m and v are the state returned, not m̂ and v̂).
_ADAM_RTOL = 1e-6
_ADAM_CASES = [
    dict(what="the first step (t = 1) with lr = 0.1 and the default betas and eps",
         args=dict(x=[1.0], g=[2.0], m=[0.0], v=[0.0], t=1, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8),
         expected=dict(x=[0.9000000005], m=[0.19999999999999996], v=[0.0040000000000000036]),
         mistakes={
             "no correction": dict(x=[0.6837722839831544]),
             "m only corrected": dict(x=[-2.1622771601684576]),
             "v only corrected": dict(x=[0.99000000005]),
             "t + 1": dict(x=[0.9255863181693544]),
             "lr fixed": dict(x=[0.999000000005]),
             "no sqrt": dict(x=[0.950000000125]),
             "ascent": dict(x=[1.0999999995]),
             "betas swapped": dict(m=[0.0020000000000000018], v=[0.3999999999999999]),
             "hats returned": dict(m=[2.0], v=[4.0]),
             "no 1 - beta": dict(x=[4.99999974756804e-09], m=[2.0]),
             "v of g": dict(x=[0.8585786447626905], v=[0.0020000000000000018])}),
    dict(what="tiny gradients (|g| near 1e-6) at t = 40 with the default eps",
         args=dict(x=[0.004, -0.003], g=[1e-6, -2e-6], m=[6e-7, -1.5e-6], v=[1e-12, 3e-12], t=40, lr=0.002,
                   beta1=0.9, beta2=0.999, eps=1e-8),
         expected=dict(x=[0.003743181803468273, -0.0026406583221221824], m=[6.4e-07, -1.55e-06],
                       v=[1e-12, 3.0010000000000002e-12]),
         mistakes={
             "eps inside": dict(x=[0.0039870244935678745, -0.00296865458296306]),
             "no eps": dict(x=[0.0037426731362153157, -0.0026402474727939525]),
             "efficient form": dict(x=[0.003745220926945857, -0.00264231223994033]),
             "gradient step": dict(x=[0.003604652817450686, -0.0025431867218049975])}),
    dict(what="a vector x at t = 3 with lr = 0.05, beta1 = 0.8, beta2 = 0.99 and eps = 0.01",
         args=dict(x=[0.5, -1.5, 2.0], g=[0.3, -2.0, 0.05], m=[0.1, -0.5, 0.02], v=[0.02, 0.6, 0.001], t=3,
                   lr=0.05, beta1=0.8, beta2=0.99, eps=1e-2),
         expected=dict(x=[0.48302118720432274, -1.4822971945010626, 1.9863291181997906],
                       m=[0.14, -0.7999999999999999, 0.026], v=[0.020700000000000003, 0.634, 0.001015]),
         mistakes={
             "betas fixed": dict(m=[0.12, -0.6499999999999999, 0.023],
                                 v=[0.02007, 0.6033999999999999, 0.0010015]),
             "eps fixed": dict(x=[0.4828178076723426, -1.4822588782888866, 1.9855896004789193])}),
]
_ADAM_HINTS = {
    "no correction": "Neither moment is bias-corrected: both start at zero, so each must be corrected with "
                     "the step number t before the step is formed.",
    "m only corrected": "m is bias-corrected but v is not: the step needs both corrected moments.",
    "v only corrected": "v is bias-corrected but m is not: the step needs both corrected moments.",
    "t + 1": "The bias corrections look one step off: use the step number t as it is given (counting "
             "from 1).",
    "lr fixed": "Your step does not follow the lr argument: use lr, not a fixed learning rate.",
    "no sqrt": "The step divides by the square root of v̂, not by v̂ itself.",
    "ascent": "Your x moved up the gradient: the step is subtracted from x.",
    "betas swapped": "β₁ belongs to the first moment m and β₂ to the second moment v; yours look swapped.",
    "hats returned": "Return the moments m and v themselves (the state for the next step), not the "
                     "corrected m̂ and v̂.",
    "no 1 - beta": "Each moment is an exponential moving average: the new gradient term is weighted by "
                   "1 − β, not added whole.",
    "v of g": "v averages the squared gradients, element by element, not the gradients.",
    "eps inside": "ε goes outside the square root, as in Adam's Algorithm 1; inside it (as on Park's "
                  "slides) it changes the step, most of all for tiny gradients like these.",
    "no eps": "Your step leaves out ε: for gradients this small it matters. Add eps to the square root of "
              "v̂.",
    "efficient form": "That is the paper's reordered form, which adds ε to √v instead of √v̂; Algorithm 1 "
                      "adds it to √v̂, and for tiny gradients the two differ.",
    "gradient step": "The step uses the corrected first moment m̂, not the current gradient.",
    "betas fixed": "Your moments do not follow the beta1 and beta2 arguments: use them, not the default "
                   "values.",
    "eps fixed": "Your step does not follow the eps argument: use eps, not a fixed value.",
}
_OUTPUTS = ("x", "m", "v")
_KINDS = {"b": "holds truth values", "U": "holds text", "S": "holds text",   # by numpy dtype kind
          "c": "holds complex numbers"}


def adam_update(func) -> Feedback:
    """Check ``func(x, g, m, v, t, lr, beta1, beta2, eps) -> (x, m, v)``, one step of Adam's Algorithm 1."""
    name = "adam_update"
    if not callable(func):
        return _verdict(False, f"{name}: expected a function adam_update(x, g, m, v, t, lr, beta1, beta2, "
                               f"eps), got {_short(func)} ({type(func).__name__}): pass the function "
                               "itself, check.adam_update(adam_update).")
    for case in _ADAM_CASES:
        problem = _adam_case(func, case)
        if problem:
            return _verdict(False, f"{name}: {problem}")
    return _verdict(True, f"{name}: correct on three steps (the first step; tiny gradients, where ε "
                          f"matters; a vector with other hyperparameters), each array compared to a "
                          f"relative tolerance of {_ADAM_RTOL:g}, and no argument changed in place.")


def _adam_case(func, case) -> str | None:
    """What is wrong with ``func`` on one case, in a sentence, or None."""
    args = {k: np.array(v, dtype=float) if isinstance(v, list) else v for k, v in case["args"].items()}
    copies = {k: v.copy() for k, v in args.items() if isinstance(v, np.ndarray)}
    on = f"on {case['what']}"
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = func(*args.values())
    except NotImplementedError:
        return "not implemented yet."
    except (Exception, SystemExit) as error:  # the student's code failed, even by exit(): say how
        text = str(error) if len(str(error)) <= 80 else str(error)[:77] + "..."
        return f"your function raised {type(error).__name__}{': ' + text if text else ''} ({on})."
    changed = [k for k, v in copies.items() if not np.array_equal(args[k], v)]
    got, problem = _three_arrays(result, {k: len(v) for k, v in case["expected"].items()}, on)
    if problem:
        return problem
    expected = {k: np.array(v) for k, v in case["expected"].items()}
    right = {k: np.allclose(got[k], expected[k], rtol=_ADAM_RTOL, atol=0) for k in _OUTPUTS}
    if all(right.values()):
        if changed:
            return (f"the results are right, but your function changed its argument {changed[0]} in "
                    f"place ({on}): compute new arrays (m = beta1 * m + …) instead of updating the "
                    "caller's (m *= …, m += …).")
        return None
    if any(not np.all(np.isfinite(got[k])) for k in _OUTPUTS):
        return (f"your results contain inf or nan {on}: is something divided by zero? The step number t "
                "counts from 1.")
    also = f" (Your function also changes its argument {changed[0]} in place.)" if changed else ""
    return (f"your {_which_wrong(right)} {on} (relative tolerance {_ADAM_RTOL:g}). "
            f"{_adam_hint(case, got, right)}{also}")


def _three_arrays(result, sizes: dict, on: str):
    """(dict of the returned x, m, v as float arrays, None), or (None, why they cannot be compared)."""
    if result is None:
        return None, f"your function returned None {on}: is the `return` missing?"
    if not isinstance(result, (tuple, list)):
        return None, (f"your function returned a single {type(result).__name__} {on}; return the three "
                      "arrays as a tuple: return x, m, v.")
    if len(result) != 3:
        return None, (f"your function returned {len(result)} values {on}; return the three arrays "
                      "(x, m, v).")
    arrays = {}
    for key, value in zip(_OUTPUTS, result):
        try:
            array = np.asarray(value)
            kind = array.dtype.kind
        except (TypeError, ValueError, OverflowError):
            kind = "O"
        if kind not in "iuf":
            return None, (f"the new {key} you return {on} {_KINDS.get(kind, 'does not hold numbers')} "
                          f"({_short(value)}): return an array of real numbers.")
        if array.shape != (sizes[key],):
            return None, (f"the new {key} you return {on} has shape {array.shape}, but {key} has shape "
                          f"({sizes[key]},): return arrays of the same shape as the inputs.")
        arrays[key] = array.astype(float)
    return arrays, None


def _which_wrong(right: dict) -> str:
    wrong = [k for k in _OUTPUTS if not right[k]]
    names = " and ".join(wrong) if len(wrong) < 3 else "x, m and v"
    return f"new {names} {'is' if len(wrong) == 1 else 'are'} not right"


def _adam_hint(case, got: dict, right: dict) -> str:
    """The hint for a wrong result: a named mistake if its values match, else what to look at."""
    expected = [np.array(case["expected"][k]) for k in _OUTPUTS]
    for order in itertools.permutations(range(3)):
        if order != (0, 1, 2) and all(np.shape(got[k]) == np.shape(expected[i])
                                      and np.allclose(got[k], expected[i], rtol=_ADAM_RTOL, atol=0)
                                      for k, i in zip(_OUTPUTS, order)):
            if order == (0, 2, 1):
                return "m and v are swapped in what you return: return x, m, v in that order."
            return "You return the right arrays in the wrong order: return x, m, v in that order."
    for mistake, values in case["mistakes"].items():
        if all(np.allclose(got[k], v, rtol=_ADAM_RTOL, atol=0) for k, v in values.items()):
            return _ADAM_HINTS[mistake]
    if right["m"] and right["v"]:
        return ("m and v are right, so the step built from them is not: look at the bias correction with "
                "the step number t, the learning rate, and where ε goes.")
    if not right["m"]:
        return "m is the exponential moving average of the gradients, with weight β₁ on the previous m."
    return "v is the exponential moving average of the squared gradients, with weight β₂ on the previous v."


# Exercise ada-ex-bias: without bias correction the step on a constant gradient is α times a factor of
# t, β₁ and β₂. Its largest value over t = 1, 2, … for β₁ = 0.9, β₂ = 0.99 (at t = 13; the maximum
# over real t is within 3e-6 of it), and the values that common mistakes give, so that the hint can
# name the mistake without giving the answer. The tolerance separates the neighbouring steps, 12 and
# 14, which are off by about 1e-3.
_BIAS_RTOL = 2e-4
_UNCORRECTED_PEAK = 2.131078349376523
_NEIGHBOURS = (2.1288569145859477, 2.1287688176347417)   # the factor at t = 12 and t = 14
_WITH_CORRECTION = 1.0                  # also the first step's factor here, and the swapped β's limit
_DEFAULT_PEAK = 6.56852025246924        # the peak for the default β₂ = 0.999, measured in the chapter
_NO_ROOT = 10.0                         # m over v instead of m over √v: its largest value, at t = 1
_PEAK_STEPS = (12, 13, 14)              # steps near the peak: a step, not a factor
_UPSIDE_DOWN = 1 / _UNCORRECTED_PEAK    # √v over m instead of m over √v


def uncorrected_factor(answer) -> Feedback:
    """Largest factor step/α of Adam without bias correction on a constant gradient, β₁ = 0.9, β₂ = 0.99."""
    name = "uncorrected_factor"
    problem = _not_a_number(answer)
    if problem:
        return _verdict(False, f"{name}: {problem}")
    value = float(np.asarray(answer, dtype=float).item())
    tolerance = f"a relative tolerance of {_BIAS_RTOL:g}"
    if np.isclose(value, _UNCORRECTED_PEAK, rtol=_BIAS_RTOL, atol=0):
        return _verdict(True, f"{name}: correct (to {tolerance}).")
    hint = ("Write m_t and v_t for a constant gradient as functions of t (no correction), form the step, "
            "and look at the step where it is largest.")
    mistakes = (
        (_WITH_CORRECTION, "With the bias correction the factor is 1 at every step; here it is 1 without "
                           "the correction only at the first step, and it changes with t. (Check also "
                           "that β₁ goes with the first moment: swapped, the factor only creeps up to 1.)"),
        *((n, "That is the factor at a step next to the peak; look at the steps around it again.")
          for n in _NEIGHBOURS),
        (_DEFAULT_PEAK, "That is the peak for the default β₂ = 0.999; this exercise uses β₂ = 0.99."),
        (_NO_ROOT, "The step divides the first moment by the square root of the second moment."),
        (_UPSIDE_DOWN, "Your ratio is upside down: the step is the first moment divided by the root of the "
                       "second."),
        *((float(t), "That looks like the step at which the factor peaks; enter the factor itself.")
          for t in _PEAK_STEPS))
    for wrong, why in mistakes:
        if np.isclose(value, wrong, rtol=_BIAS_RTOL, atol=0):
            hint = why
    return _verdict(False, f"{name}: {value:.6g} is not within {tolerance} of the expected value. {hint}")


# Exercise ada-ex-explore: RMSProp (α = 0.3, ρ = 0.9, ε = 1e-6) on ½(x₁² + 100x₂²) from (−8, 2). x₂'s
# factor per step is 1 − αλ₂/√(ε + r₂,t), r₂,t the accumulator after step t's gradient; its magnitude
# first exceeds 1 (αλ₂/√(ε + r₂) > 2) at step t = 32. The other values are what common slips give.
_UNSTABLE_STEP = 32
_UNSTABLE_SLIPS = {
    31: "One step early: count the steps from 1 (the first update is step 1).",
    1: "At step 1 the accumulator before the step is still 0: use r₂ after the step's gradient is added.",
    84: "That is the step for ρ = 0.99; this question is about ρ = 0.9.",
    80: "That is x₁'s effective rate (λ₁ = 1); the question is about x₂, with λ₂ = 100.",
    19: "At that step the factor 1 − αλ₂/√(ε + r₂) changes sign (x₂ starts to overshoot), but its "
        "magnitude is still below 1: x₂ still shrinks.",
    56: "That is where the loss is smallest: x₂ has been growing for a while already, but it is still "
        "too small to show in the loss.",
    57: "That is where the loss starts to rise: x₂ has been growing for a while already, but it is "
        "still too small to show in the loss.",
}


def first_unstable_step(answer) -> Feedback:
    """First step t of RMSProp (α = 0.3, ρ = 0.9) on the bowl at which x₂'s factor has magnitude above 1."""
    return _whole_number("first_unstable_step", answer, _UNSTABLE_STEP, "a step number t = 1, 2, …",
                         _UNSTABLE_SLIPS, "Record αλ₂/√(ε + r₂) after every step of the run (or watch "
                         "|x₂| from step to step) and find the first step where x₂'s factor has magnitude "
                         "above 1.",
                         lowest=1)
