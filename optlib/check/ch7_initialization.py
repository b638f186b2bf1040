"""Checks for chapter 7, parameter initialization.

Every check validates what it receives (type, shape, finiteness) and answers in one sentence, never
with a traceback; it states its tolerance, and a correct answer's message does not repeat the number.
Hints name the mistakes the chapter warns about by the values they give, stored below next to the
expected values (numbers, not reference code; ``tests/test_check_ch7.py`` recomputes every one).
"""

from __future__ import annotations

import numpy as np

from .. import initializers
from ._core import (
    Feedback,
    _calls,
    _frame_answer,
    _number_with_mistakes,
    _short,
    _signature_problem,
    _verdict,
)

# Exercise init-ex-glorot: Glorot & Bengio's normalized initialization, the uniform law U(−a, a) with
# Var W = 2/(m + n); the student derives a (a²/3 = 2/(m + n)). Two shapes with fan_in ≠ fan_out, so that
# a formula with one fan in place of the other, or the fans swapped, gives a different variance.
_GLOROT_CASES = ((300, 200), (50, 400))
_SEEDS = (2016, 7)               # two generators: the function must use the one it is given
# Sampling noise at these sizes (N = 60 000 and 20 000 weights): the sample variance of U(−a, a) has a
# relative standard error 0.894/√N, 0.37 % and 0.63 %; 2.5 % is 4 standard errors at the smaller size.
_GLOROT_VAR_RTOL = 0.025
_MAX_RTOL = 1e-3                 # max |w| ≥ (1 − 1e-3)·a: the chance that N uniform draws miss is e^(−N/1000)
_KS_SCALE = 3.5                  # Kolmogorov–Smirnov distance from U(−a, a) below 3.5/√N (p ≈ 5e-11)
_UNIFORM_KURTOSIS, _GAUSSIAN_KURTOSIS = 1.8, 3.0   # E[w⁴]/E[w²]²
_KURTOSIS_BAND = (1.7, 1.9)      # a uniform sample's kurtosis; its standard error is below 0.01 here
_KURTOSIS_SPLIT = 2.4            # above: Gaussian-like tails
_MISTAKE_BAND = 0.08             # a uniform sample within 8 % of a mistake's variance is that mistake
_VARIANCE_RATIOS = {   # mistake: (ratio for case 1, ratio for case 2), variance given / 2/(m + n)
    "std_as_limit": (1 / 3, 1 / 3),           # a = √(2/(m + n)): the std used as the limit
    "he_uniform": (500 / 300, 450 / 50),      # a = √(6/m): He's uniform, for ReLU layers
    "fan_in_only": (500 / 600, 450 / 100),    # a = √(3/m): Var W = 1/m, the forward condition alone
    "fan_out_only": (500 / 400, 450 / 800),   # a = √(3/n): Var W = 1/n, the backward condition alone
}   # and a = 6/(m + n), the square root forgotten: far too small (variance ratio below 0.2)


def glorot_uniform(func) -> Feedback:
    """Check ``func(fan_in, fan_out, rng)``, which must draw Glorot & Bengio's normalized initialization."""
    name = "glorot_uniform"
    if not callable(func):
        return _verdict(False, f"{name}: expected a function glorot_uniform(fan_in, fan_out, rng), got "
                               f"{_short(func)} ({type(func).__name__}): pass the function itself, "
                               f"check.glorot_uniform(glorot_uniform), without calling it.")
    if _calls(func, initializers.glorot_uniform, *_GLOROT_CASES[0], np.random.default_rng(0)):
        return _verdict(False, f"{name}: that is optlib's own initializers.glorot_uniform (or calls it); the "
                               "exercise asks you to write the function yourself, without optlib.")
    problem = _signature_problem(func, "glorot_uniform(fan_in, fan_out, rng)", 1, 1, None)
    for number, (m, n) in enumerate(_GLOROT_CASES):
        problem = problem or _glorot_case(func, m, n, number)
    if problem:
        return _verdict(False, f"{name}: {problem}")
    return _verdict(True, f"{name}: correct on the shapes (300, 200) and (50, 400): uniform on (−a, a) "
                          f"(Kolmogorov–Smirnov distance below {_KS_SCALE:g}/√N, kurtosis within "
                          f"{_KURTOSIS_BAND[0]:g}–{_KURTOSIS_BAND[1]:g}, largest |w| within "
                          f"{_MAX_RTOL:g} of a), with a sample variance within {100 * _GLOROT_VAR_RTOL:g} % "
                          f"of 2/(m + n), drawn from the generator it is given.")


def _call(func, m, n, seed):
    """(array, None) or (None, what went wrong)."""
    setting = f"with fan_in = {m}, fan_out = {n}"
    try:
        W = func(m, n, np.random.default_rng(seed))
    except NotImplementedError:
        return None, "not implemented yet."
    except (Exception, SystemExit) as error:  # the student's code failed, even by exit(): say how
        return None, f"your function raised {type(error).__name__} ({str(error)[:80]}) {setting}."
    if W is None:
        return None, "your function returned None: is the `return` missing?"
    if not isinstance(W, np.ndarray) or W.dtype.kind not in "iuf":
        return None, (f"expected a numpy array of floats, got {_short(W)} ({type(W).__name__}) {setting}: "
                      "rng.uniform(low, high, size) returns one.")
    if W.shape == (n, m) and m != n:
        return None, (f"your array has shape {W.shape}, that is (fan_out, fan_in) {setting}: in optlib a "
                      "layer computes z = x W, so W has shape (fan_in, fan_out).")
    if W.shape != (m, n):
        return None, f"expected an array of shape (fan_in, fan_out) = ({m}, {n}), got shape {W.shape}."
    if not np.all(np.isfinite(W)):
        return None, f"your weights are not all finite numbers (nan or inf) {setting}."
    return np.asarray(W, dtype=float), None


def _ks_uniform(W, limit) -> float:
    """Kolmogorov–Smirnov distance between the sample W and U(−limit, limit)."""
    w = np.sort(W.ravel())
    cdf = np.clip((w + limit) / (2 * limit), 0.0, 1.0)
    k = np.arange(1, w.size + 1) / w.size
    return float(max(np.max(k - cdf), np.max(cdf - (k - 1 / w.size))))


def _glorot_case(func, m, n, number) -> str | None:
    W, problem = _call(func, m, n, _SEEDS[0])
    if problem:
        return problem
    setting = f"with fan_in = {m}, fan_out = {n}"
    again, problem = _call(func, m, n, _SEEDS[0])
    if problem:
        return problem
    other, problem = _call(func, m, n, _SEEDS[1])
    if problem:
        return problem
    if np.ptp(W) == 0:
        return (f"every weight is the same number {setting}: a constant start keeps the hidden units "
                "identical (the symmetry of the chapter's first section); draw random weights.")
    if not np.array_equal(W, again):
        return ("two calls with generators seeded alike gave different weights: draw from the rng argument "
                "(rng.uniform(...)), not from np.random's global state.")
    if np.array_equal(W, other):
        return ("generators with different seeds gave the same weights: your function ignores its rng "
                "argument; draw with rng.uniform(...).")
    if np.ptp(W, axis=1).max() == 0 or np.ptp(W, axis=0).max() == 0:
        which = "unit (column)" if np.ptp(W, axis=1).max() == 0 else "input (row)"
        return (f"every {which} of your matrix has the same weights {setting}: units with equal weights "
                "stay copies of each other (the symmetry of the chapter's first section); draw every weight "
                "independently, with one call that fills the whole (fan_in, fan_out) array.")
    limit = np.sqrt(6.0 / (m + n))
    variance, expected = float(np.mean(W ** 2)), 2.0 / (m + n)
    ratio, largest = variance / expected, float(np.max(np.abs(W)))
    if abs(float(np.mean(W))) > 0.1 * limit:
        return (f"your weights have mean {np.mean(W):.3g}, not 0 {setting}: the interval must be "
                "symmetric, (−a, a).")
    kurtosis = float(np.mean(W ** 4)) / variance ** 2
    right_spread = abs(ratio - 1) < _GLOROT_VAR_RTOL
    if kurtosis > _KURTOSIS_SPLIT:
        return (f"your weights look Gaussian, not uniform (E[w⁴]/E[w²]² = {kurtosis:.2f}; a uniform "
                f"law has {_UNIFORM_KURTOSIS:g}, a Gaussian {_GAUSSIAN_KURTOSIS:g}) {setting}, and their "
                f"variance is {'right' if right_spread else 'wrong'}: Glorot & Bengio's normalized "
                "initialization is a uniform law, although the notes on Deep Learning call it 'normal'.")
    bound = _KS_SCALE / np.sqrt(W.size)
    uniform_shape = (_KURTOSIS_BAND[0] < kurtosis < _KURTOSIS_BAND[1]
                     and _ks_uniform(W, largest) < bound)           # uniform on (−max|w|, max|w|)
    if not uniform_shape:
        values = np.unique(W).size
        few = f"they take only {values} distinct values; " if values < 0.01 * W.size else ""
        return (f"your weights are not uniformly distributed {setting}: {few}their kurtosis "
                f"E[w⁴]/E[w²]² is {kurtosis:.2f}, where a uniform law has {_UNIFORM_KURTOSIS:g}. Draw every "
                "weight from one uniform law on a symmetric interval (−a, a).")
    if (right_spread and (1 - _MAX_RTOL) * limit <= largest <= limit * (1 + 1e-12)
            and _ks_uniform(W, limit) < bound):
        return None
    for mistake, ratios in _VARIANCE_RATIOS.items():
        if abs(ratio / ratios[number] - 1) < _MISTAKE_BAND:
            return (_MISTAKE_HINTS[mistake]
                    + f" ({setting}: the sample variance is {ratio:.3g} times 2/(m + n).)")
    if ratio < 0.2:
        return (f"your weights are far too small {setting}: their variance is {ratio:.3g} times 2/(m + n). "
                "The limit a is measured in the units of a standard deviation, and a variance is the square "
                "of one.")
    direction = "too wide" if ratio > 1 else "too narrow"
    return (f"your interval is {direction} {setting}: the sample variance is {ratio:.3g} times 2/(m + n), "
            f"outside the tolerance of {100 * _GLOROT_VAR_RTOL:g} %. Compute the variance of U(−a, a) as a "
            "function of a, and choose a so that it equals 2/(m + n).")


_MISTAKE_HINTS = {
    "std_as_limit": "Your limit equals the standard deviation √(2/(m + n)) that you want, but the standard "
                    "deviation of U(−a, a) is smaller than a: compute the variance of U(−a, a) as a "
                    "function of a.",
    "he_uniform": "That is He's uniform initialization, Var W = 2/m, for ReLU layers; Glorot and Bengio's "
                  "uses both fans.",
    "fan_in_only": "That is Var W = 1/fan_in, the forward condition alone (LeCun's); Glorot and Bengio "
                   "balance it against the backward condition, with both fans.",
    "fan_out_only": "That is Var W = 1/fan_out, the backward condition alone; Glorot and Bengio's "
                    "initialization uses both fans.",
}


# Exercise init-ex-he: u ~ N(0, q) with q = 3, h = leaky ReLU max(u, a·u) with slope a = 0.2, and
# z = Σ_{i ≤ m} h_i W_i with W ~ he_uniform (U(−√(6/m), √(6/m)), Var W = 2/m), m = 128, independent of h.
# Then the m · Var W that would keep Var z = Var u (He et al. 2015 derive it for PReLU).
_Q, _SLOPE = 3.0, 0.2
_SECOND_MOMENT = _Q * (1 + _SLOPE**2) / 2               # E[h²] = q(1 + a²)/2
_MEAN_H = (1 - _SLOPE) * np.sqrt(_Q / (2 * np.pi))      # E h = E[u⁺] − a E[u⁻]
_VAR_H = _SECOND_MOMENT - _MEAN_H**2                    # Var h: not what the sum needs
_VAR_Z = 2 * _SECOND_MOMENT                             # m · (2/m) · E[h²]
_KEEP = 2 / (1 + _SLOPE**2)                             # m · Var W with m Var W E[h²] = q
_RTOL = 1e-4
_SECOND_MOMENT_MISTAKES = {
    _Q / 2: "That is ReLU's E[h²] = q/2: the leaky ReLU keeps a·u on the negative half, which adds a² q/2.",
    _Q * (1 + _SLOPE) / 2: "That uses the slope a where its square belongs: on the negative half h = a·u, "
                           "so h² = a² u².",
    _Q * (1 + _SLOPE**2): "That forgets that each half of the symmetric u carries half of E[u²] = q.",
    _VAR_H: "That is Var h = E[h²] − (E h)²; the question asks for the second moment E[h²].",
    _Q: "That is E[u²], before the activation.",
}
_VAR_Z_MISTAKES = {
    2 * _Q / 2: "That is the ReLU's answer, m · (2/m) · q/2 = q: the leaky ReLU's negative half adds to "
                "E[h²].",
    4 * _SECOND_MOMENT: "That forgets that each half of the symmetric u carries half of E[u²].",
    6 * _SECOND_MOMENT: "That takes a² for the variance of U(−a, a); compute it as the mean of w² over "
                        "the interval, ∫ w² dw / (2a).",
    _SECOND_MOMENT: "That is E[h²] itself, as if m · Var W were 1 (LeCun's Var W = 1/m); compute the "
                    "variance of He's uniform law U(−√(6/m), √(6/m)).",
    _Q * (1 + _SLOPE): "That uses the slope a where its square belongs in E[h²]: on the negative half "
                       "h = a·u, so h² = a² u².",
    2 * _VAR_H: "That uses Var h where the sum needs E[h²]: with zero-mean weights "
                "Var(hᵢWᵢ) = E[hᵢ²] Var Wᵢ, and the mean of h does not cancel.",
    1.0: "He's initialization does not normalize every pre-activation to variance 1; compute "
         "m · Var W · E[h²].",
}
_KEEP_MISTAKES = {
    2.0: "That is He's factor for the ReLU, whose E[h²] is q/2; the leaky ReLU's E[h²] is larger.",
    2 / (1 + _SLOPE): "That uses the slope a where its square belongs.",
    2 * (1 + _SLOPE**2): "That is upside down: the larger E[h²] is, the smaller the weights must be.",
    1 / (1 + _SLOPE**2): "That forgets the half: each half of the symmetric u carries half of E[u²].",
}


def leaky_second_moment(answer) -> Feedback:
    """E[h²] for h = max(u, 0.2 u), u ~ N(0, 3)."""
    return _number_with_mistakes("leaky_second_moment", answer, _SECOND_MOMENT, _RTOL,
                                 _SECOND_MOMENT_MISTAKES,
                                 "Split E[h²] over the two halves u > 0 and u < 0 of the symmetric u, and "
                                 "use h = u on one and h = a·u on the other.")


def he_preactivation_variance(answer) -> Feedback:
    """Var z for z = Σᵢ hᵢ Wᵢ, m = 128 inputs h = max(u, 0.2 u), u ~ N(0, 3), W ~ he_uniform."""
    return _number_with_mistakes("he_preactivation_variance", answer, _VAR_Z, _RTOL, _VAR_Z_MISTAKES,
                                 "The m terms hᵢWᵢ are independent with mean 0: Var z = m · Var W · E[h²]. "
                                 "Work out each factor.")


def leaky_gain(answer) -> Feedback:
    """The m · Var W that keeps Var z = Var u through a leaky ReLU of slope 0.2."""
    return _number_with_mistakes("leaky_gain", answer, _KEEP, _RTOL, _KEEP_MISTAKES,
                                 "Write Var z for a general m · Var W, with the E[h²] of part 1; which value "
                                 "leaves the variance unchanged from u to z?")


# Exercise init-ex-explore: the gain frames of the depth/gain explorer, and the smallest one at which the
# tanh network's activation std at depth 40 keeps at least half of that at layer 1 (0.68 at 1.25,
# against 0.18 at 1.0 and below 0.01 at 0.75).
_GAIN_FRAMES = (0.5, 0.75, 1.0, 1.25, 1.414, 2.0, 2.828)
_HALF_STD_GAIN = 1.25
_FRAME_ATOL = 0.01


def half_std_gain(answer) -> Feedback:
    """The smallest gain frame at which tanh activations at depth 40 keep half the std of layer 1."""
    def other_frame(gain):
        if gain < 1.0:
            return ("Below gain 1 the tanh activations die out with depth: read the tanh curve at the last "
                    "layer.")
        return ("That frame keeps more than half, but a smaller gain frame already does: the smallest one is "
                "asked.")

    return _frame_answer("half_std_gain", answer, _HALF_STD_GAIN, _GAIN_FRAMES, "the gain", {
        1.0: "At gain 1 (Glorot's variance for square layers) the tanh activations keep far less than half "
             "of their first-layer std at depth 40: read the tanh curve at the last layer."}, other_frame,
        tol=_FRAME_ATOL)
