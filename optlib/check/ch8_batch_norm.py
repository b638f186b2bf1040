"""Checks for chapter 8, batch normalization.

Every check validates what it receives and answers in one sentence, never with a traceback; it states
its tolerance, and a correct answer's message does not repeat the numbers. Expected values are stored
as numbers next to the values that the mistakes the chapter warns about give
(``tests/test_check_ch8.py`` recomputes every one of them with optlib).
"""

from __future__ import annotations

import numpy as np

from ._core import Feedback, _one_number_problem, _short, _signature_problem, _verdict

# Exercise bn-ex-forward: bn_forward(z, gamma, beta, running_mean, running_var, train, p) with ε = 1e-5,
# returning (y, new running_mean, new running_var). Three cases: training mode at p = 0.9, evaluation mode,
# training mode at p = 0.5 (so that a function that ignores p fails). Each case stores the right result
# and what the mistakes the chapter warns about give: the unbiased variance inside the normalization, the
# biased one in the running average, no ε, p and 1 − p swapped, a running average of σ instead of σ²
# (Lee's notes), no update, no γ and β, ε outside the square root (√σ² + ε); in evaluation mode the batch's
# statistics, or updating the averages.
_FORWARD_CASES = (
    dict(
        z=[[1.0, 2.0], [3.0, -1.0], [0.0, 4.0], [2.0, 1.0]],
        gamma=[2.0, 0.5],
        beta=[0.1, -1.0],
        running_mean=[0.5, -0.5],
        running_var=[2.0, 0.5],
        train=True,
        p=0.9,
        expected=(
            [
                [-0.794423613312618, -0.8613251642894297],
                [2.783270839937854, -1.6933741785528515],
                [-2.5832708399378537, -0.30662582144714845],
                [0.994423613312618, -1.1386748357105703],
            ],
            [0.6, -0.30000000000000004],
            [1.9666666666666668, 0.8833333333333332],
        ),
        mistakes={
            "unbiased_in_norm": (
                [
                    [-0.6745943454619326, -0.8799040232183856],
                    [2.4237830363857977, -1.600479883908072],
                    [-2.2237830363857976, -0.39952011609192795],
                    [0.8745943454619326, -1.1200959767816143],
                ],
                [0.6, -0.30000000000000004],
                [1.9666666666666668, 0.8833333333333332],
            ),
            "biased_running": (
                [
                    [-0.794423613312618, -0.8613251642894297],
                    [2.783270839937854, -1.6933741785528515],
                    [-2.5832708399378537, -0.30662582144714845],
                    [0.994423613312618, -1.1386748357105703],
                ],
                [0.6, -0.30000000000000004],
                [1.925, 0.7749999999999999],
            ),
            "no_eps": (
                [
                    [-0.7944271909999159, -0.8613249509436927],
                    [2.7832815729997478, -1.6933752452815365],
                    [-2.5832815729997476, -0.3066247547184635],
                    [0.9944271909999158, -1.1386750490563073],
                ],
                [0.6, -0.30000000000000004],
                [1.9666666666666668, 0.8833333333333332],
            ),
            "swapped_p": (
                [
                    [-0.794423613312618, -0.8613251642894297],
                    [2.783270839937854, -1.6933741785528515],
                    [-2.5832708399378537, -0.30662582144714845],
                    [0.994423613312618, -1.1386748357105703],
                ],
                [1.4000000000000001, 1.3],
                [1.7, 3.9499999999999997],
            ),
            "sigma_average": (
                [
                    [-0.794423613312618, -0.8613251642894297],
                    [2.783270839937854, -1.6933741785528515],
                    [-2.5832708399378537, -0.30662582144714845],
                    [0.994423613312618, -1.1386748357105703],
                ],
                [0.6, -0.30000000000000004],
                [1.9290994448735805, 0.6581665999466132],
            ),
            "no_update": (
                [
                    [-0.794423613312618, -0.8613251642894297],
                    [2.783270839937854, -1.6933741785528515],
                    [-2.5832708399378537, -0.30662582144714845],
                    [0.994423613312618, -1.1386748357105703],
                ],
                [0.5, -0.5],
                [2.0, 0.5],
            ),
            "eps_outside": (
                [
                    [-0.7944191910714693, -0.861325720170195],
                    [2.7832575732144083, -1.693371399149025],
                    [-2.583257573214408, -0.3066286008509752],
                    [0.9944191910714693, -1.138674279829805],
                ],
                [0.6, -0.30000000000000004],
                [1.9666666666666668, 0.8833333333333333],
            ),
            "no_affine": (
                [
                    [-0.447211806656309, 0.2773496714211406],
                    [1.3416354199689269, -1.386748357105703],
                    [-1.3416354199689269, 1.386748357105703],
                    [0.447211806656309, -0.2773496714211406],
                ],
                [0.6, -0.30000000000000004],
                [1.9666666666666668, 0.8833333333333332],
            ),
        },
    ),
    dict(
        z=[[1.0, 2.0], [3.0, -1.0], [0.0, 4.0], [2.0, 1.0]],
        gamma=[2.0, 0.5],
        beta=[0.1, -1.0],
        running_mean=[1.5, 1.0],
        running_var=[1.25, 4.0],
        train=False,
        p=0.9,
        expected=(
            [
                [-0.794423613312618, -0.7500003124994141],
                [2.783270839937854, -1.4999993750011718],
                [-2.5832708399378537, -0.25000093749824226],
                [0.994423613312618, -1.0],
            ],
            [1.5, 1.0],
            [1.25, 4.0],
        ),
        mistakes={
            "eval_with_batch": (
                [
                    [-0.794423613312618, -0.8613251642894297],
                    [2.783270839937854, -1.6933741785528515],
                    [-2.5832708399378537, -0.30662582144714845],
                    [0.994423613312618, -1.1386748357105703],
                ],
                [1.5, 1.0],
                [1.25, 4.0],
            ),
            "eval_updates": (
                [
                    [-0.794423613312618, -0.7500003124994141],
                    [2.783270839937854, -1.4999993750011718],
                    [-2.5832708399378537, -0.25000093749824226],
                    [0.994423613312618, -1.0],
                ],
                [1.5, 1.05],
                [1.2916666666666665, 4.033333333333333],
            ),
            "eps_outside": (
                [
                    [-0.7944191910714693, -0.7500012499937501],
                    [2.7832575732144083, -1.4999975000124999],
                    [-2.583257573214408, -0.2500037499812501],
                    [0.9944191910714693, -1.0],
                ],
                [1.5, 1.0],
                [1.25, 4.0],
            ),
            "no_affine": (
                [
                    [-0.447211806656309, 0.49999937500117186],
                    [1.3416354199689269, -0.9999987500023437],
                    [-1.3416354199689269, 1.4999981250035155],
                    [0.447211806656309, 0.0],
                ],
                [1.5, 1.0],
                [1.25, 4.0],
            ),
        },
    ),
    dict(
        z=[[0.5, -1.0], [2.5, 0.0], [-1.0, 3.0]],
        gamma=[1.0, -2.0],
        beta=[0.0, 0.5],
        running_mean=[0.2, 0.1],
        running_var=[0.8, 1.5],
        train=True,
        p=0.5,
        expected=(
            [
                [-0.11624735598032429, 2.4611579570729285],
                [1.2787209157835675, 1.2844631828291715],
                [-1.162473559803243, -2.2456211399021004],
            ],
            [0.43333333333333335, 0.3833333333333333],
            [1.9416666666666664, 2.916666666666667],
        ),
        mistakes={},
    ),
)
_FORWARD_RTOL = 1e-9  # ε = 1e-5 changes y by about 1e-6: a looser tolerance would miss it

_FORWARD_HINTS = {
    "unbiased_in_norm": "you normalized with the unbiased variance m/(m − 1)·σ²_B. The layer normalizes with "
    "the batch's own (biased) variance, (1/m) Σ (z − μ_B)²; only the running average "
    "gets the factor m/(m − 1).",
    "biased_running": "y is right, but the running variance averages the biased σ²_B; Ioffe and Szegedy's "
    "Algorithm 2 (and optlib) average the unbiased estimate m/(m − 1)·σ²_B.",
    "no_eps": "ε is missing: divide by √(σ²_B + ε), with ε = eps.",
    "eps_outside": "ε is outside the square root: the layer divides by √(σ² + ε), not by √σ² + ε.",
    "swapped_p": "y is right, but p and 1 − p are swapped in the running averages: p multiplies the old "
    "average, 1 − p the new batch statistic.",
    "sigma_average": "y is right, but the running average is of the standard deviation. Lee's notes "
    "average σ; the layer keeps a running average of the variance σ² (made unbiased).",
    "no_update": "y is right, but in training mode the running statistics must be updated with the batch's.",
    "no_affine": "γ and β are missing: the output is y = γ ẑ + β, not ẑ.",
    "eval_with_batch": "in evaluation mode you normalized with the batch's statistics; evaluation mode uses "
    "the running averages, so that an example's output does not depend on its batch.",
    "eval_updates": "y is right, but evaluation mode must leave the running statistics unchanged.",
}

# Exercise bn-ex-backward: one unit, batch z = (1, 2, 6), γ = 2, β = −1, ε = 1e-5 and L = Σ cᵢ yᵢ with
# c = (1, 0, 2). Next to the right ∂L/∂γ, ∂L/∂β, ∂L/∂z: Σ c z instead of Σ c ẑ, the mean of c instead of
# the sum, ∂L/∂z without the two batch terms, without the variance term, without the mean term, without
# γ, and everything with the unbiased variance.
_DGAMMA = 1.8516382156480775
_DBETA = 3.0
_DZ = [0.5290383565315439, -0.6612999295582668, 0.13226157302672292]
_DGAMMA_RAW_Z = 13.0
_DBETA_MEAN = 1.0
_DZ_FIXED = [0.9258191078240388, 0.0, 1.8516382156480775]
_DZ_NO_VARIANCE_TERM = [0.0, -0.9258191078240388, 0.9258191078240388]
_DZ_NO_MEAN_TERM = [1.4548574643555827, 0.2645191782657719, 1.0580806808507617]
_DZ_NO_GAMMA = [0.2645191782657719, -0.3306499647791334, 0.06613078651336146]
_DGAMMA_UNBIASED = 1.511856812139572
_DZ_UNBIASED = [0.2879723147328022, -0.6119422487033848, 0.3239699339705826]
_BACKWARD_RTOL = 1e-4
_ROUNDED_RTOL = 1e-2  # within this but outside the tolerance: a typed, rounded decimal
_ROUNDED = ("close, but outside the tolerance: keep at least 5 significant digits, or better, assign the "
            "computed expression instead of a typed decimal.")

# Exercise bn-ex-explore: the largest frame learning rate of the feature-scales explorer at which 100 steps
# of gradient descent converge, on the raw and on the standardized features (2/λmax is 0.0189 and 1.878).
_FRAMES_LR = (0.002, 0.005, 0.01, 0.018, 0.025, 0.1, 0.5, 1.0, 1.8, 2.0)
_LARGEST_RAW, _LARGEST_STANDARDIZED = 0.018, 1.8


def bn_forward(func) -> Feedback:
    """Check ``func(z, gamma, beta, running_mean, running_var, train, p=0.9, eps=1e-5)``."""
    name = "bn_forward"
    if not callable(func):
        return _verdict(
            False,
            f"{name}: expected a function bn_forward(z, gamma, beta, running_mean, "
            f"running_var, train, p=0.9, eps=1e-5), got {_short(func)} "
            f"({type(func).__name__}): pass the function itself, without calling it.",
        )
    problem = _signature_problem(func, "bn_forward(z, gamma, beta, running_mean, running_var, train, p=...)",
                                 *[None] * 6, p=0.9)
    for case in _FORWARD_CASES:
        problem = problem or _forward_case(func, case)
    if problem:
        return _verdict(False, f"{name}: {problem}")
    return _verdict(
        True,
        f"{name}: correct in training mode (p = 0.9 and p = 0.5) and in evaluation mode "
        f"(y and the running statistics compared to a relative tolerance of "
        f"{_FORWARD_RTOL:g}), and the inputs are left unchanged.",
    )


def _forward_case(func, case) -> str | None:
    inputs = {
        k: np.array(case[k], dtype=float) for k in ("z", "gamma", "beta", "running_mean", "running_var")
    }
    copies = {k: v.copy() for k, v in inputs.items()}
    mode = "training" if case["train"] else "evaluation"
    setting = f"in {mode} mode with p = {case['p']}"
    try:
        out = func(
            inputs["z"],
            inputs["gamma"],
            inputs["beta"],
            inputs["running_mean"],
            inputs["running_var"],
            case["train"],
            p=case["p"],
        )
    except NotImplementedError:
        return "not implemented yet."
    except (Exception, SystemExit) as error:  # the student's code failed, even by exit(): say how
        return f"your function raised {type(error).__name__} ({str(error)[:80]}) {setting}."
    changed = [k for k in inputs if not np.array_equal(inputs[k], copies[k])]
    if changed:
        instead = (
            "compute new arrays (e.g. centered = z - mean) instead of z -= …"
            if changed == ["z"]
            else "compute new arrays (running_mean = p * running_mean + …) instead of updating with *= or +="
        )
        return f"your function changed the caller's {', '.join(changed)} in place {setting}; {instead}."
    if out is None:
        return "your function returned None: return (y, running_mean, running_var)."
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        return (
            f"expected a tuple of three arrays (y, running_mean, running_var), got {_short(out)} {setting}."
        )
    shapes = (np.shape(case["z"]), (len(case["gamma"]),), (len(case["gamma"]),))
    parts = []
    for label, value, shape in zip(("y", "running_mean", "running_var"), out, shapes):
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return f"{label} must be an array of numbers, got {_short(value)} {setting}."
        if array.shape != shape:
            return f"{label} must have shape {shape}, got shape {array.shape} {setting}."
        if not np.all(np.isfinite(array)):
            return f"{label} has values that are not finite (nan or inf) {setting}."
        parts.append(array)

    def same(result):
        return all(np.allclose(a, b, rtol=_FORWARD_RTOL, atol=1e-12) for a, b in zip(parts, result))

    if same(case["expected"]):
        return None
    single = any(np.asarray(value).dtype == np.float32 for value in out)
    if single and all(np.allclose(a, b, rtol=1e-5, atol=1e-6) for a, b in zip(parts, case["expected"])):
        return (
            f"right to single precision {setting}, but your result is float32: compute in float64 (the "
            f"tolerance, {_FORWARD_RTOL:g}, is finer than float32's rounding)."
        )
    for mistake, result in case["mistakes"].items():
        if same(result):
            return f"{setting}, {_FORWARD_HINTS[mistake]}"
    y_right = np.allclose(parts[0], case["expected"][0], rtol=_FORWARD_RTOL, atol=1e-12)
    if y_right:
        return (
            f"y is right {setting}, but the running statistics are not: μ̄ ← p μ̄ + (1 − p) μ_B and "
            "σ̄² ← p σ̄² + (1 − p) · m/(m − 1) · σ²_B in training mode; unchanged in evaluation mode."
        )
    return (
        f"y is not right {setting}. In training mode normalize each column with its batch mean and biased "
        "variance, ẑ = (z − μ_B)/√(σ²_B + ε); in evaluation mode with the running statistics; then "
        "y = γ ẑ + β."
    )


def bn_backward_numbers(dgamma, dbeta, dz) -> Feedback:
    """∂L/∂γ, ∂L/∂β and ∂L/∂z for the batch of exercise bn-ex-backward."""
    name = "bn_backward_numbers"
    tolerance = f"(to a relative tolerance of {_BACKWARD_RTOL:g})"
    for label, value in (("dgamma", dgamma), ("dbeta", dbeta)):
        problem = _one_number_problem(value)
        if problem:
            return _verdict(False, f"{name}: {label}: {problem}")
    problem = _dz_problem(dz)
    if problem:
        return _verdict(False, f"{name}: dz: {problem}")
    dz_array = np.asarray(dz, dtype=float)
    dgamma, dbeta = (float(np.asarray(v, dtype=float).item()) for v in (dgamma, dbeta))

    def close(a, b):
        return np.allclose(a, b, rtol=_BACKWARD_RTOL, atol=1e-9)

    def rounded(a, b):
        return np.allclose(a, b, rtol=_ROUNDED_RTOL, atol=1e-9)

    problems = []
    if not close(dgamma, _DGAMMA):
        problems.append(
            "dgamma: "
            + (
                "that is Σ cᵢ zᵢ; γ multiplies the normalized ẑᵢ, so ∂L/∂γ = Σ cᵢ ẑᵢ."
                if close(dgamma, _DGAMMA_RAW_Z)
                else "that uses the unbiased variance; ẑ uses the batch's biased variance (1/m) Σ (z − μ_B)²."
                if close(dgamma, _DGAMMA_UNBIASED)
                else _ROUNDED
                if rounded(dgamma, _DGAMMA)
                else "not right: y = γ ẑ + β, so ∂L/∂γ sums cᵢ times ∂yᵢ/∂γ."
            )
        )
    if not close(dbeta, _DBETA):
        problems.append(
            "dbeta: "
            + (
                "that is the mean of c; L sums over the batch, so ∂L/∂β is a sum."
                if close(dbeta, _DBETA_MEAN)
                else _ROUNDED
                if rounded(dbeta, _DBETA)
                else "not right: β is added to every yᵢ."
            )
        )
    if not close(dz_array, _DZ):
        known = [
            (
                _DZ_FIXED,
                "this treats μ_B and σ²_B as constants; both depend on every zⱼ, which adds two terms.",
            ),
            (_DZ_NO_VARIANCE_TERM, "the path through σ²_B is missing (the term with ẑⱼ)."),
            (_DZ_NO_MEAN_TERM, "the path through μ_B is missing (the term with the mean of ĝ)."),
            (_DZ_NO_GAMMA, "∂L/∂ẑᵢ is γ cᵢ, not cᵢ: γ is missing."),
            (_DZ_UNBIASED, "that uses the unbiased variance; ẑ uses the batch's biased variance."),
            ([-v for v in _DZ], "the sign is flipped."),
        ]
        hint = next(
            (text for value, text in known if close(dz_array, value)),
            _ROUNDED
            if rounded(dz_array, _DZ)
            else "not right: follow the three paths from zⱼ to L, directly, through μ_B and through σ²_B, "
            "and check that the entries sum to 0.",
        )
        problems.append("dz: " + hint)
    if problems:
        return _verdict(False, f"{name}: " + " ".join(problems) + f" {tolerance}")
    return _verdict(True, f"{name}: all three are correct {tolerance}.")


def _dz_problem(dz) -> str | None:
    """Why ``dz`` is not an array of three finite real numbers, in a sentence, or None."""
    if dz is Ellipsis or dz is None:
        return "replace `...` with your answer, an array of three numbers."
    if callable(dz):
        return "expected an array of three numbers, got a function: call it, or assign its result."
    try:
        kind = np.asarray(dz).dtype.kind
    except (TypeError, ValueError):
        kind = "O"
    if kind not in "iuf":
        what = {"b": "truth values", "c": "complex values", "S": "text", "U": "text"}.get(kind, _short(dz))
        return f"expected an array of three real numbers, got {what}."
    array = np.asarray(dz, dtype=float)
    if array.shape != (3,):
        return f"must have shape (3,), one entry per example, got shape {array.shape}."
    if not np.all(np.isfinite(array)):
        return "has values that are not finite (nan or inf)."
    return None


def largest_stable_frames(raw, standardized) -> Feedback:
    """The largest frame learning rates of the feature-scales explorer at which gradient descent converges."""
    name = "largest_stable_frames"
    values = []
    for label, answer in (("raw", raw), ("standardized", standardized)):
        problem = _one_number_problem(answer)
        if problem:
            return _verdict(False, f"{name}: {label}: {problem}")
        value = float(np.asarray(answer, dtype=float).item())
        if not any(np.isclose(value, f, rtol=1e-9) for f in _FRAMES_LR):
            return _verdict(
                False,
                f"{name}: {label} = {value:g} is not one of the explorer's learning rates "
                f"{', '.join(f'{f:g}' for f in _FRAMES_LR)}.",
            )
        values.append(value)
    raw_v, std_v = values
    if np.isclose(raw_v, _LARGEST_STANDARDIZED) and np.isclose(std_v, _LARGEST_RAW):
        return _verdict(
            False, f"{name}: the two answers are swapped: which features tolerate the larger step?"
        )
    problems = []
    for label, value, right in (("raw", raw_v, _LARGEST_RAW), ("standardized", std_v, _LARGEST_STANDARDIZED)):
        if np.isclose(value, right):
            continue
        if value > right:
            problems.append(
                f"{label}: at η = {value:g} the run does not converge; look at where the loss "
                "ends after 100 steps."
            )
        else:
            problems.append(f"{label}: η = {value:g} converges, but so does a larger frame.")
    if problems:
        return _verdict(False, f"{name}: " + " ".join(problems))
    return _verdict(True, f"{name}: both are correct (frames compared exactly, to rounding).")
