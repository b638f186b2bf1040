"""Checks of chapter 7 (initialization): the stored numbers are what optlib and the maths give, right
answers pass without showing the answer, and every kind of wrong answer gets a ✘ with a sentence that
helps, never an exception."""

import numpy as np
import pytest

from optlib import check, initializers, nn
from optlib.check import ch7_initialization as ch7

pytestmark = pytest.mark.usefixtures("lenient")   # a ✘ is a value here, not the strict mode's error

NODES, WEIGHTS = np.polynomial.hermite_e.hermegauss(200)
WEIGHTS = WEIGHTS / WEIGHTS.sum()


def gaussian_mean(f, q):
    """E f(u) for u ~ N(0, q), by Gauss–Hermite quadrature (exact enough for piecewise polynomials here
    only with many nodes; the tolerance below allows for the kink at 0)."""
    return float(WEIGHTS @ f(np.sqrt(q) * NODES))


def leaky(u):
    return np.maximum(u, ch7._SLOPE * u)


# ---------------------------------------------------------------------------------------------------
# The stored numbers


def test_stored_leaky_relu_moments():
    q, a = ch7._Q, ch7._SLOPE
    assert np.isclose(gaussian_mean(lambda u: leaky(u) ** 2, q), ch7._SECOND_MOMENT, rtol=1e-3)
    assert np.isclose(gaussian_mean(leaky, q), ch7._MEAN_H, rtol=1e-2)
    rng = np.random.default_rng(0)
    h = leaky(rng.normal(0, np.sqrt(q), 400_000))
    assert np.isclose(np.mean(h**2), ch7._SECOND_MOMENT, rtol=0.01)
    assert np.isclose(h.var(), ch7._VAR_H, rtol=0.01)
    assert np.isclose(ch7._SECOND_MOMENT, q * (1 + a**2) / 2)


def test_stored_preactivation_variance_by_sampling_he_uniform():
    m, rng = 128, np.random.default_rng(1)
    W = initializers.he_uniform(m, 40_000, rng)                         # 40 000 independent columns
    h = leaky(rng.normal(0, np.sqrt(ch7._Q), (40_000, m)))
    z = np.sum(h * W.T, axis=1)
    assert np.isclose(z.var(), ch7._VAR_Z, rtol=0.05)                  # 1 % standard error
    assert np.isclose(W.var() * m, 2.0, rtol=0.01)                      # He's uniform: Var W = 2/m
    # the gain that keeps the variance: m Var W · E[h²] = q
    assert np.isclose(ch7._KEEP * ch7._SECOND_MOMENT, ch7._Q)


def test_stored_mistakes_of_the_derivation_are_what_they_say():
    q, a = ch7._Q, ch7._SLOPE
    relu_second = gaussian_mean(lambda u: np.maximum(u, 0) ** 2, q)
    assert np.isclose(relu_second, q / 2, rtol=1e-3)                   # ReLU keeps half
    assert np.isclose(2 * relu_second, 2 * q / 2, rtol=1e-3)           # ReLU's Var z under He
    assert np.isclose(6 * ch7._SECOND_MOMENT, 128 * (6 / 128) * ch7._SECOND_MOMENT)   # a² taken as Var
    for wrong in (*ch7._SECOND_MOMENT_MISTAKES, *ch7._VAR_Z_MISTAKES, *ch7._KEEP_MISTAKES):
        assert wrong > 0
    assert not any(np.isclose(w, ch7._SECOND_MOMENT, rtol=1e-3) for w in ch7._SECOND_MOMENT_MISTAKES)
    assert not any(np.isclose(w, ch7._VAR_Z, rtol=1e-3) for w in ch7._VAR_Z_MISTAKES)
    assert not any(np.isclose(w, ch7._KEEP, rtol=1e-3) for w in ch7._KEEP_MISTAKES)
    assert np.isclose(2 / (1 + a**2), ch7._KEEP)


def test_stored_glorot_mistake_ratios():
    for (m, n), number in zip(ch7._GLOROT_CASES, range(2)):
        right = 2 / (m + n)
        formulas = {"std_as_limit": 2 / (m + n) / 3, "he_uniform": 2 / m, "fan_in_only": 1 / m,
                    "fan_out_only": 1 / n}
        for mistake, variance in formulas.items():
            assert np.isclose(ch7._VARIANCE_RATIOS[mistake][number], variance / right)
        ratios = sorted(r[number] for r in ch7._VARIANCE_RATIOS.values())
        assert all(abs(r - 1) > 2 * ch7._MISTAKE_BAND for r in ratios)   # no mistake looks right
        assert all(b / a > 1 + 2 * ch7._MISTAKE_BAND for a, b in zip(ratios, ratios[1:]))


def _tanh_profile(gain, depth=40, width=64, seed=0):
    """The chapter's explorer: W ~ N(0, gain²/n), tanh, a batch of 64 standard-normal inputs."""
    rng = np.random.default_rng(seed)
    init = lambda m, n, r: initializers.he_normal(m, n, r, gain=gain)  # noqa: E731
    net = nn.MLP([width] * (depth + 1) + [1], activation="tanh", init=init, rng=rng)
    post = net.forward(net.params, rng.standard_normal((64, width))).post
    return post[-1].std() / post[0].std()


def test_stored_half_std_gain_is_the_explorers():
    frames = (0.5, 0.75, 1.0, 1.25, np.sqrt(2), 2.0, 2 * np.sqrt(2))
    assert np.allclose(frames, ch7._GAIN_FRAMES, atol=1e-3)
    ratios = {g: _tanh_profile(g) for g in frames}
    keeping = [g for g in frames if ratios[g] >= 0.5]
    assert min(keeping) == ch7._HALF_STD_GAIN
    assert ratios[1.0] < 0.3 and ratios[1.25] > 0.6                  # far from the threshold


# ---------------------------------------------------------------------------------------------------
# Right answers


def good_glorot(fan_in, fan_out, rng):
    limit = np.sqrt(6 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out))


def test_right_answers_pass_without_showing_them():
    assert check.glorot_uniform(good_glorot).correct
    wrapped = check.glorot_uniform(lambda m, n, r: initializers.glorot_uniform(m, n, r))
    assert not wrapped.correct and "optlib's own" in wrapped.message   # optlib's, merely wrapped
    assert check.glorot_uniform(lambda m, n, r: good_glorot(m, n, r).astype(np.float32)).correct
    for checker, value, shown in ((check.leaky_second_moment, 1.56, "1.56"),
                                  (check.he_preactivation_variance, 3.12, "3.12"),
                                  (check.leaky_gain, 2 / 1.04, "1.92"), (check.half_std_gain, 1.25, "1.25")):
        feedback = checker(value)
        assert feedback.correct and shown not in feedback.message and repr(feedback).startswith("✔")
        assert checker(np.float64(value)).correct and checker(np.array(value)).correct


# ---------------------------------------------------------------------------------------------------
# Wrong answers


def _uniform(limit):
    return lambda m, n, r: r.uniform(-limit(m, n), limit(m, n), (m, n))


def glorot_std(m, n):
    return np.sqrt(2 / (m + n))


def _mixture(m, n, r):
    """Half the weights ±a/√3, half uniform on (−a, a): the right variance and support, the wrong law."""
    a = np.sqrt(3) * glorot_std(m, n)
    signs = r.choice([-1.0, 1.0], (m, n)) * a / np.sqrt(3)
    return np.where(r.random((m, n)) < 0.5, r.uniform(-a, a, (m, n)), signs)


def _raises(*args):
    raise KeyError("oops")


def _not_implemented(*args):
    raise NotImplementedError


def _global_rng(m, n, r):
    limit = np.sqrt(6 / (m + n))
    return np.random.uniform(-limit, limit, (m, n))


def _ignores_rng(m, n, r):
    limit = np.sqrt(6 / (m + n))
    return np.random.default_rng(0).uniform(-limit, limit, (m, n))


WRONG_INITIALIZERS = {
    "none": (None, "expected a function"),
    "string": ("glorot_uniform", "expected a function"),
    "called": (np.zeros((3, 2)), "pass the function itself"),
    "arguments": (lambda m, n: np.zeros((m, n)), "as glorot_uniform(fan_in, fan_out, rng)"),
    "stub": (_not_implemented, "not implemented"),
    "raises": (_raises, "raised KeyError"),
    "returns none": (lambda *a: None, "returned None"),
    "returns a list": (lambda m, n, r: good_glorot(m, n, r).tolist(), "numpy array of floats"),
    "returns text": (lambda *a: "W", "numpy array"),
    "transposed": (lambda m, n, r: good_glorot(n, m, r), "(fan_out, fan_in)"),
    "flat": (lambda m, n, r: good_glorot(m, n, r).ravel(), "shape (fan_in, fan_out)"),
    "nan": (lambda m, n, r: np.full((m, n), np.nan), "not all finite"),
    "constant": (lambda m, n, r: np.full((m, n), 0.01), "every weight is the same"),
    "zeros": (lambda m, n, r: np.zeros((m, n)), "every weight is the same"),
    "global rng": (_global_rng, "global state"),
    "ignores rng": (_ignores_rng, "ignores its rng"),
    "gaussian (the notes' 'normal')": (initializers.glorot_normal, "look Gaussian"),
    "gaussian with the std as limit": (lambda m, n, r: r.standard_normal((m, n)) * np.sqrt(6 / (m + n)),
                                       "look Gaussian"),
    "std as limit": (_uniform(lambda m, n: np.sqrt(2 / (m + n))), "standard deviation"),
    "he uniform": (initializers.he_uniform, "He's uniform"),
    "fan in only": (_uniform(lambda m, n: np.sqrt(3 / m)), "forward condition alone"),
    "fan out only": (_uniform(lambda m, n: np.sqrt(3 / n)), "backward condition alone"),
    "no square root": (_uniform(lambda m, n: 6 / (m + n)), "far too small"),
    "not centred": (lambda m, n, r: r.uniform(0, 2 * np.sqrt(6 / (m + n)), (m, n)), "not 0"),
    "too wide": (_uniform(lambda m, n: 2 * np.sqrt(6 / (m + n))), "too wide"),
    "slightly off": (_uniform(lambda m, n: 1.05 * np.sqrt(6 / (m + n))), "too wide"),
    "2 % too narrow": (_uniform(lambda m, n: 0.98 * np.sqrt(6 / (m + n))), "too narrow"),
    "optlib's own": (initializers.glorot_uniform, "optlib's own"),
    "rademacher": (lambda m, n, r: r.choice([-1.0, 1.0], (m, n)) * np.sqrt(2 / (m + n)), "only 2 distinct"),
    "half ±c, half uniform": (_mixture, "not uniformly distributed"),
    "clipped normal": (lambda m, n, r: np.clip(1.2 * glorot_std(m, n) * r.standard_normal((m, n)),
                                               -np.sqrt(3) * glorot_std(m, n), np.sqrt(3) * glorot_std(m, n)),
                       "not uniformly distributed"),
    "sum of two uniforms": (lambda m, n, r: (good_glorot(m, n, r) + good_glorot(m, n, r)) / np.sqrt(2),
                            "not uniformly distributed"),
    "one column for every unit": (lambda m, n, r: np.repeat(good_glorot(m, n, r)[:, :1], n, axis=1),
                                  "every unit (column)"),
    "one row for every input": (lambda m, n, r: np.repeat(good_glorot(m, n, r)[:1], m, axis=0),
                                "every input (row)"),
}


@pytest.mark.parametrize("answer, message", WRONG_INITIALIZERS.values(), ids=WRONG_INITIALIZERS)
def test_wrong_initializers_get_a_helpful_cross(answer, message):
    feedback = check.glorot_uniform(answer)
    assert not feedback.correct and message in feedback.message and repr(feedback).startswith("✘")
    for m, n in ch7._GLOROT_CASES:                                   # no hint gives the limit away
        assert "6/(m + n)" not in feedback.message and f"{np.sqrt(6 / (m + n)):.3g}" not in feedback.message


@pytest.mark.parametrize("draw", [
    good_glorot,
    lambda m, n, r: np.sqrt(6 / (m + n)) * (2 * r.random((n, m)) - 1).T,
    lambda m, n, r: r.uniform(-np.sqrt(6 / (m + n)), np.sqrt(6 / (m + n)), m * n).reshape(m, n)],
    ids=["uniform", "transposed draw", "flat draw"])
def test_right_answers_pass_for_other_seeds_too(monkeypatch, draw):
    # the tolerances are set by the sampling noise, not by the two seeds the check happens to use
    for offset in range(20):
        monkeypatch.setattr(ch7, "_SEEDS", (1000 + offset, 2000 + offset))
        assert check.glorot_uniform(draw).correct


def test_stated_sampling_noise_of_the_glorot_check():
    sizes = [m * n for m, n in ch7._GLOROT_CASES]
    rng = np.random.default_rng(3)
    for size in sizes:
        w = rng.uniform(-1, 1, (200, size))
        var_se = np.std(np.mean(w**2, axis=1)) / (1 / 3)
        kurtosis = np.mean(w**4, axis=1) / np.mean(w**2, axis=1) ** 2
        assert np.isclose(var_se, 0.894 / np.sqrt(size), rtol=0.2)
        assert ch7._GLOROT_VAR_RTOL > 3.5 * 0.894 / np.sqrt(size)
        assert np.std(kurtosis) < 0.01 and np.isclose(kurtosis.mean(), ch7._UNIFORM_KURTOSIS, atol=0.01)


COMMON = {
    "ellipsis": (..., "replace `...`"), "none": (None, "replace"), "string": ("1.5", "without quotes"),
    "bool": (True, "truth value"), "list": ([1.5], "without brackets"), "array": (np.ones(2), "one number"),
    "nan": (np.nan, "finite"), "function": (np.sqrt, "got a function"), "complex": (1 + 2j, "complex"),
}
WRONG_MOMENTS = {
    **COMMON, "relu": (1.5, "ReLU's E[h²]"), "slope not squared": (1.8, "square belongs"),
    "no half": (3.12, "each half"), "variance": (ch7._VAR_H, "Var h"),
    "before the activation": (3.0, "before"),
    "rounded": (1.559, "Close"), "other": (0.7, "Split E[h²]"),
}
WRONG_VARIANCES = {
    **COMMON, "relu": (3.0, "ReLU's answer"), "no half": (6.24, "each half"),
    "a squared": (9.36, "a² for the variance"), "lecun": (1.56, "LeCun"),
    "slope not squared": (3.6, "square belongs"),
    "var h": (2 * ch7._VAR_H, "Var h"), "one": (1.0, "does not normalize"),
    "rounded": (3.119, "Close"), "other": (5.0, "Work out each factor"),
}
WRONG_GAINS = {
    **COMMON, "he": (2.0, "He's factor"), "slope not squared": (2 / 1.2, "square belongs"),
    "upside down": (2.08, "upside down"), "no half": (1 / 1.04, "half"), "rounded": (1.92, "Close"),
    "other": (3.0, "leaves the variance unchanged"),
}


@pytest.mark.parametrize("checker, catalogue", [
    (check.leaky_second_moment, WRONG_MOMENTS), (check.he_preactivation_variance, WRONG_VARIANCES),
    (check.leaky_gain, WRONG_GAINS)], ids=["second moment", "variance", "gain"])
def test_wrong_numbers_get_a_helpful_cross(checker, catalogue):
    for label, (answer, message) in catalogue.items():
        feedback = checker(answer)
        assert not feedback.correct and message in feedback.message, (label, feedback.message)


WRONG_GAIN_FRAMES = {
    **{k: v for k, v in COMMON.items() if k not in ("list",)}, "list": ([1.25], "without brackets"),
    "glorot": (1.0, "far less than half"), "below": (0.75, "die out"), "he": (1.414, "smaller gain frame"),
    "two": (2.0, "smaller gain frame"), "not a frame": (1.3, "not a frame"),
    "sqrt 2 exactly": (np.sqrt(2), "smaller"),
}


@pytest.mark.parametrize("answer, message", WRONG_GAIN_FRAMES.values(), ids=WRONG_GAIN_FRAMES)
def test_wrong_gain_frames_get_a_helpful_cross(answer, message):
    feedback = check.half_std_gain(answer)
    assert not feedback.correct and message in feedback.message


def test_strict_mode_raises_on_wrong_answers(monkeypatch):
    monkeypatch.setenv(check.STRICT_ENV, "1")
    for checker, answer in [(check.glorot_uniform, initializers.glorot_normal),
                            (check.leaky_second_moment, 1.5), (check.he_preactivation_variance, 3.0),
                            (check.leaky_gain, 2.0), (check.half_std_gain, 1.0)]:
        with pytest.raises(AssertionError):
            checker(answer)
