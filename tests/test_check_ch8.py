"""Checks of chapter 8 (batch normalization): the stored numbers are what optlib computes, right answers
pass without showing the answer, and every kind of wrong answer gets a ✘ with a sentence that helps,
never an exception."""

import numpy as np
import pytest

import optlib as ol
from optlib import check, models, nn
from optlib.check import ch8_batch_norm as ch8

pytestmark = pytest.mark.usefixtures("lenient")   # a ✘ is a value here, not the strict mode's error


def good(z, gamma, beta, running_mean, running_var, train, p=0.9, eps=1e-5):
    z = np.asarray(z, dtype=float)
    if train:
        m = len(z)
        mean, var = z.mean(axis=0), z.var(axis=0)
        z_hat = (z - mean) / np.sqrt(var + eps)
        running_mean = p * running_mean + (1 - p) * mean
        running_var = p * running_var + (1 - p) * var * m / (m - 1)
    else:
        z_hat = (z - running_mean) / np.sqrt(running_var + eps)
    return gamma * z_hat + beta, running_mean, running_var


def variant(*, var_norm="biased", var_run="unbiased", swap=False, sigma=False, eval_batch=False,
            update=True, eval_update=False, affine=True, eps=1e-5, eps_outside=False):
    """A bn_forward with one of the mistakes the chapter warns about (defaults: none)."""
    def forward(z, gamma, beta, running_mean, running_var, train, p=0.9):
        z = np.asarray(z, dtype=float)
        m = len(z)
        mean, var = z.mean(axis=0), z.var(axis=0)
        def scale(v):
            return np.sqrt(v) + eps if eps_outside else np.sqrt(v + eps)

        if train or eval_batch:
            z_hat = (z - mean) / scale(var * m / (m - 1) if var_norm == "unbiased" else var)
        else:
            z_hat = (z - running_mean) / scale(running_var)
        if (train and update) or (not train and eval_update):
            new_var = var * m / (m - 1) if var_run == "unbiased" else var
            new_var = np.sqrt(new_var) if sigma else new_var
            a, c = (1 - p, p) if swap else (p, 1 - p)
            running_mean, running_var = a * running_mean + c * mean, a * running_var + c * new_var
        return (gamma * z_hat + beta if affine else z_hat), running_mean, running_var
    return forward


MISTAKES = {"unbiased_in_norm": dict(var_norm="unbiased"), "biased_running": dict(var_run="biased"),
            "no_eps": dict(eps=0.0), "eps_outside": dict(eps_outside=True),
            "swapped_p": dict(swap=True), "sigma_average": dict(sigma=True),
            "no_update": dict(update=False), "no_affine": dict(affine=False),
            "eval_with_batch": dict(eval_batch=True), "eval_updates": dict(eval_update=True)}


def _call(func, case):
    return func(np.array(case["z"]), np.array(case["gamma"]), np.array(case["beta"]),
                np.array(case["running_mean"]), np.array(case["running_var"]), case["train"], p=case["p"])


def _close(a, b):
    return all(np.allclose(x, y, rtol=1e-12, atol=1e-14) for x, y in zip(a, b))


def test_stored_forward_results_are_optlibs():
    for case in ch8._FORWARD_CASES:
        layer = nn.BatchNorm(len(case["gamma"]), eps=1e-5, p=case["p"])
        layer.running_mean, layer.running_var = np.array(case["running_mean"]), np.array(case["running_var"])
        y = layer.forward(np.array(case["z"]), np.array(case["gamma"]), np.array(case["beta"]),
                          train=case["train"])
        assert _close(case["expected"], (y, layer.running_mean, layer.running_var))
        assert _close(case["expected"], _call(good, case))
        assert _close(case["expected"], _call(variant(), case))
        for mistake, result in case["mistakes"].items():
            assert _close(result, _call(variant(**MISTAKES[mistake]), case)), mistake
            assert not _close(result, case["expected"]), mistake        # every mistake is told apart
    assert {c["train"] for c in ch8._FORWARD_CASES} == {True, False}
    assert len({c["p"] for c in ch8._FORWARD_CASES}) == 2
    assert set(ch8._FORWARD_HINTS) == {m for c in ch8._FORWARD_CASES for m in c["mistakes"]}


def test_no_eps_is_caught_by_the_tolerance():
    case = ch8._FORWARD_CASES[0]
    gap = np.abs(np.array(case["mistakes"]["no_eps"][0]) / np.array(case["expected"][0]) - 1).max()
    assert 100 * ch8._FORWARD_RTOL < gap


Z, GAMMA, BETA, C = np.array([1.0, 2.0, 6.0]), 2.0, -1.0, np.array([1.0, 0.0, 2.0])


def test_stored_backward_numbers_are_optlibs():
    layer = nn.BatchNorm(1)
    layer.forward(Z[:, None], np.array([GAMMA]), np.array([BETA]))
    dz, dgamma, dbeta = layer.backward(C[:, None])
    assert np.allclose(ch8._DZ, dz[:, 0], rtol=1e-12) and np.isclose(ch8._DGAMMA, dgamma[0], rtol=1e-12)
    assert ch8._DBETA == dbeta[0] and abs(sum(ch8._DZ)) < 1e-12
    s = np.sqrt(Z.var() + 1e-5)
    z_hat, g_hat = (Z - Z.mean()) / s, GAMMA * C
    assert ch8._DGAMMA_RAW_Z == np.sum(C * Z) and ch8._DBETA_MEAN == C.mean()
    assert np.allclose(ch8._DZ_FIXED, g_hat / s)
    assert np.allclose(ch8._DZ_NO_VARIANCE_TERM, (g_hat - g_hat.mean()) / s)
    assert np.allclose(ch8._DZ_NO_MEAN_TERM, (g_hat - z_hat * np.mean(g_hat * z_hat)) / s)
    assert np.allclose(ch8._DZ_NO_GAMMA, np.array(ch8._DZ) / GAMMA)
    su = np.sqrt(Z.var(ddof=1) + 1e-5)
    zu = (Z - Z.mean()) / su
    assert np.isclose(ch8._DGAMMA_UNBIASED, np.sum(C * zu))
    assert np.allclose(ch8._DZ_UNBIASED, (g_hat - g_hat.mean() - zu * np.mean(g_hat * zu)) / su)


def test_stored_frames_match_the_explorer():
    rng = np.random.default_rng(0)          # the chapter's two_scales(0)
    X = np.column_stack([rng.standard_normal(200), 10 * rng.standard_normal(200)])
    y = 2 * X[:, 0] + 0.2 * X[:, 1] + 0.5 * rng.standard_normal(200)
    largest = []
    for A in (X, (X - X.mean(axis=0)) / X.std(axis=0)):
        f = models.LeastSquares(A, y)
        f_star = f.value(np.linalg.lstsq(A, y, rcond=None)[0])
        ok = [lr for lr in ch8._FRAMES_LR if (lambda t: not t.diverged and t.value - f_star < 0.5 * (
            t.values[0] - f_star))(ol.run(ol.SGD(lr=lr), f, np.zeros(2), 100))]
        largest.append(max(ok))
        bigger = [lr for lr in ch8._FRAMES_LR if lr > max(ok)]
        assert bigger and 2 / np.linalg.eigvalsh(f.hess(None))[-1] < bigger[0]
    assert largest == [ch8._LARGEST_RAW, ch8._LARGEST_STANDARDIZED]


def test_right_answers_pass_without_showing_them():
    assert check.bn_forward(good).correct
    feedback = check.bn_backward_numbers(ch8._DGAMMA, 3, np.array(ch8._DZ))
    assert feedback.correct and "1.85" not in feedback.message and "0.529" not in feedback.message
    assert check.bn_backward_numbers(np.float32(ch8._DGAMMA), 3.0, list(ch8._DZ)).correct
    feedback = check.largest_stable_frames(0.018, 1.8)
    assert feedback.correct and "0.018" not in feedback.message
    assert check.largest_stable_frames(np.float64(0.018), 1.8).correct


def test_one_element_arrays_are_accepted():
    """A student's dγ from nn.BatchNorm(1).backward has shape (1,): one number, as in every chapter."""
    layer = nn.BatchNorm(1)
    layer.forward(Z[:, None], np.array([GAMMA]), np.array([BETA]))
    dz, dgamma, dbeta = layer.backward(C[:, None])
    assert dgamma.shape == dbeta.shape == (1,)
    assert check.bn_backward_numbers(dgamma, dbeta, dz[:, 0]).correct
    assert check.bn_backward_numbers(np.array([[ch8._DGAMMA]]), np.array(3.0), RIGHT_DZ).correct
    assert check.largest_stable_frames(np.array([0.018]), np.array([[1.8]])).correct
    assert not check.largest_stable_frames(np.array([0.025]), 1.8).correct


def _not_implemented(*args, **kwargs):
    raise NotImplementedError


def _raises(*args, **kwargs):
    raise KeyError("oops")


def _in_place(z, gamma, beta, running_mean, running_var, train, p=0.9, eps=1e-5):
    y, mean, var = good(z, gamma, beta, running_mean.copy(), running_var.copy(), train, p, eps)
    running_mean *= 1.0
    running_mean += mean - running_mean
    return y, running_mean, var


def _changes_z(z, gamma, beta, running_mean, running_var, train, p=0.9, eps=1e-5):
    out = good(z, gamma, beta, running_mean, running_var, train, p, eps)
    z -= z.mean(axis=0)
    return out


def _ignores_p(z, gamma, beta, running_mean, running_var, train, p=0.9, eps=1e-5):
    return good(z, gamma, beta, running_mean, running_var, train, 0.9, eps)


WRONG_FORWARDS = {
    "none": (None, "expected a function"),
    "string": ("bn_forward", "expected a function"),
    "called": ((np.zeros((4, 2)), np.zeros(2), np.zeros(2)), "pass the function itself"),
    "arguments": (lambda z, gamma: z, "signature"),
    "stub": (_not_implemented, "not implemented"),
    "raises": (_raises, "raised KeyError"),
    "returns none": (lambda *a, **k: None, "returned None"),
    "returns y only": (lambda *a, **k: good(*a, **k)[0], "tuple of three arrays"),
    "two outputs": (lambda *a, **k: good(*a, **k)[:2], "tuple of three arrays"),
    "text": (lambda *a, **k: ("y", "m", "v"), "array of numbers"),
    "wrong shape": (lambda *a, **k: (good(*a, **k)[0].T, *good(*a, **k)[1:]), "must have shape (4, 2)"),
    "nan": (lambda *a, **k: (good(*a, **k)[0] * np.nan, *good(*a, **k)[1:]), "not finite"),
    "in place": (_in_place, "in place"),
    "ignores p": (_ignores_p, "with p = 0.5"),
    "unbiased in the normalization": (variant(var_norm="unbiased"), "only the running average"),
    "biased running variance": (variant(var_run="biased"), "Algorithm 2"),
    "no eps": (variant(eps=0.0), "ε is missing"),
    "eps outside the root": (variant(eps_outside=True), "outside the square root"),
    "float32": (lambda *a, **k: tuple(np.asarray(v, dtype=np.float32) for v in good(*a, **k)), "float64"),
    "changes z": (_changes_z, "centered = z - mean"),
    "p swapped": (variant(swap=True), "swapped"),
    "average of sigma": (variant(sigma=True), "Lee's notes"),
    "no update": (variant(update=False), "must be updated"),
    "no gamma and beta": (variant(affine=False), "γ and β are missing"),
    "eval with batch statistics": (variant(eval_batch=True), "evaluation mode uses the running averages"),
    "eval updates": (variant(eval_update=True), "must leave the running statistics unchanged"),
}


@pytest.mark.parametrize("answer, message", WRONG_FORWARDS.values(), ids=WRONG_FORWARDS)
def test_wrong_forwards_get_a_helpful_cross(answer, message):
    feedback = check.bn_forward(answer)
    assert not feedback.correct and message in feedback.message and repr(feedback).startswith("✘")


RIGHT_DZ = np.array(ch8._DZ)
WRONG_BACKWARDS = {
    "ellipsis": ((..., ..., ...), "replace `...`"),
    "none dz": ((ch8._DGAMMA, 3.0, None), "replace `...`"),
    "string": (("1.85", 3.0, RIGHT_DZ), "without quotes"),
    "bool": ((True, 3.0, RIGHT_DZ), "truth value"),
    "list gamma": (([ch8._DGAMMA], 3.0, RIGHT_DZ), "without brackets"),
    "tuple dbeta": ((ch8._DGAMMA, (3.0,), RIGHT_DZ), "without brackets"),
    "array of two": ((np.array([ch8._DGAMMA, 1.0]), 3.0, RIGHT_DZ), "one number"),
    "dz bools": ((ch8._DGAMMA, 3.0, [True, False, True]), "truth values"),
    "dz strings": ((ch8._DGAMMA, 3.0, ["0.5", "-0.7", "0.1"]), "text"),
    "dz complex": ((ch8._DGAMMA, 3.0, RIGHT_DZ + 0j), "complex"),
    "dz ragged": ((ch8._DGAMMA, 3.0, [1.0, [2.0, 3.0]]), "three real numbers"),
    "dz function": ((ch8._DGAMMA, 3.0, lambda: RIGHT_DZ), "call it"),
    "dz rounded": ((ch8._DGAMMA, 3.0, np.round(RIGHT_DZ, 4)), "significant digits"),
    "dgamma rounded": ((1.852, 3.0, RIGHT_DZ), "significant digits"),
    "dz shape": ((ch8._DGAMMA, 3.0, RIGHT_DZ[:2]), "shape (3,)"),
    "dz column": ((ch8._DGAMMA, 3.0, RIGHT_DZ[:, None]), "shape (3,)"),
    "dz text": ((ch8._DGAMMA, 3.0, "dz"), "got text"),
    "dz nan": ((ch8._DGAMMA, 3.0, RIGHT_DZ * np.nan), "not finite"),
    "dgamma with z": ((ch8._DGAMMA_RAW_Z, 3.0, RIGHT_DZ), "Σ cᵢ zᵢ"),
    "dgamma unbiased": ((ch8._DGAMMA_UNBIASED, 3.0, RIGHT_DZ), "unbiased variance"),
    "dgamma other": ((1.0, 3.0, RIGHT_DZ), "∂yᵢ/∂γ"),
    "dbeta mean": ((ch8._DGAMMA, 1.0, RIGHT_DZ), "mean of c"),
    "dbeta other": ((ch8._DGAMMA, 0.0, RIGHT_DZ), "added to every"),
    "dz fixed statistics": ((ch8._DGAMMA, 3.0, ch8._DZ_FIXED), "as constants"),
    "dz no variance term": ((ch8._DGAMMA, 3.0, ch8._DZ_NO_VARIANCE_TERM), "through σ²_B is missing"),
    "dz no mean term": ((ch8._DGAMMA, 3.0, ch8._DZ_NO_MEAN_TERM), "through μ_B is missing"),
    "dz no gamma": ((ch8._DGAMMA, 3.0, ch8._DZ_NO_GAMMA), "γ is missing"),
    "dz unbiased": ((ch8._DGAMMA, 3.0, ch8._DZ_UNBIASED), "unbiased variance"),
    "dz sign": ((ch8._DGAMMA, 3.0, -RIGHT_DZ), "sign is flipped"),
    "dz other": ((ch8._DGAMMA, 3.0, np.ones(3)), "sum to 0"),
    "rounded": ((round(ch8._DGAMMA, 2), 3.0, RIGHT_DZ), "dgamma"),
}


@pytest.mark.parametrize("answer, message", WRONG_BACKWARDS.values(), ids=WRONG_BACKWARDS)
def test_wrong_backward_numbers_get_a_helpful_cross(answer, message):
    feedback = check.bn_backward_numbers(*answer)
    assert not feedback.correct and message in feedback.message


WRONG_FRAMES = {
    "ellipsis": ((..., ...), "replace `...`"),
    "string": (("0.018", 1.8), "without quotes"),
    "list": (([0.018], 1.8), "without brackets"),
    "tuple": ((0.018, (1.8,)), "without brackets"),
    "array of two": ((np.array([0.018, 1.8]), 1.8), "one number"),
    "bool": ((True, 1.8), "truth value"),
    "nan": ((np.nan, 1.8), "finite"),
    "not a frame": ((0.0189, 1.8), "not one of the explorer's"),
    "two over lambda": ((0.018, 1.878), "not one of the explorer's"),
    "swapped": ((1.8, 0.018), "swapped"),
    "raw diverges": ((0.025, 1.8), "does not converge"),
    "standardized diverges": ((0.018, 2.0), "does not converge"),
    "raw too small": ((0.01, 1.8), "so does a larger frame"),
    "standardized too small": ((0.018, 1.0), "so does a larger frame"),
}


@pytest.mark.parametrize("answer, message", WRONG_FRAMES.values(), ids=WRONG_FRAMES)
def test_wrong_frames_get_a_helpful_cross(answer, message):
    feedback = check.largest_stable_frames(*answer)
    assert not feedback.correct and message in feedback.message


def test_strict_mode_raises_on_wrong_answers(monkeypatch):
    monkeypatch.setenv(check.STRICT_ENV, "1")
    for checker, answer in [(check.bn_forward, (None,)), (check.bn_backward_numbers, (1.0, 3.0, RIGHT_DZ)),
                            (check.largest_stable_frames, (0.025, 1.8))]:
        with pytest.raises(AssertionError):
            checker(*answer)
