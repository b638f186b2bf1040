"""Weight initializers: each returns a (fan_in, fan_out) array for the weights of one linear layer.

    W = he_normal(fan_in=256, fan_out=256, rng=np.random.default_rng(0))

fan_in (m) is the number of inputs of the layer and fan_out (n) the number of its outputs, as in
z = x W + b with x a row of m features. Every initializer takes (fan_in, fan_out, rng), so any of them,
or a function of your own with that signature, can be passed to ``nn.MLP(init=...)``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._threads import single_threaded
from ._validate import check_count, check_range

SQRT2 = float(np.sqrt(2.0))     # He's gain for ReLU layers


def glorot_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """Glorot & Bengio's normalized initialization: W ~ U(−√(6/(m+n)), √(6/(m+n))), Var W = 2/(m+n)."""
    _check("glorot_uniform", fan_in, fan_out, rng)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out))


def glorot_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """W ~ N(0, 2/(m+n)): the variance of Glorot & Bengio's normalized initialization, Gaussian."""
    _check("glorot_normal", fan_in, fan_out, rng)
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / (fan_in + fan_out))


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = SQRT2) -> np.ndarray:
    """He et al.'s initialization for ReLU layers: W ~ N(0, gain²/m), std gain/√m, gain = √2 (Var W = 2/m).

    ``gain`` multiplies the standard deviation, as in PyTorch's ``kaiming_normal_`` and in ``orthogonal``:
    gain = 1 gives LeCun's N(0, 1/m), for a layer followed by no ReLU (a linear output layer), and
    gain = s·√2 scales He's standard deviation by s.
    """
    _check("he_normal", fan_in, fan_out, rng)
    _check_positive("he_normal", "gain", gain)
    return rng.standard_normal((fan_in, fan_out)) * (gain / np.sqrt(fan_in))


def he_uniform(fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = SQRT2) -> np.ndarray:
    """W ~ U(−gain·√(3/m), gain·√(3/m)): std gain/√m as he_normal; gain = √2 gives U(−√(6/m), √(6/m)).

    He et al. drew Gaussian weights; this uniform law of the same variance is the frameworks' variant
    (PyTorch's ``kaiming_uniform_``). ``gain`` multiplies the standard deviation.
    """
    _check("he_uniform", fan_in, fan_out, rng)
    _check_positive("he_uniform", "gain", gain)
    limit = gain * np.sqrt(3.0 / fan_in)
    return rng.uniform(-limit, limit, (fan_in, fan_out))


@single_threaded
def orthogonal(fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    """A random matrix with orthonormal rows or columns (whichever are fewer), times ``gain``.

    ``gain`` multiplies every singular value (all 1 before), and so the weights' standard deviation, as
    in he_normal.

    Saxe et al.'s initialization: the QR factors of a Gaussian matrix, with the signs of R's diagonal
    moved into Q so that Q is uniformly (Haar) distributed.
    """
    _check("orthogonal", fan_in, fan_out, rng)
    _check_positive("orthogonal", "gain", gain)
    tall = rng.standard_normal((max(fan_in, fan_out), min(fan_in, fan_out)))
    q, r = np.linalg.qr(tall)
    q *= np.sign(np.diag(r))
    return gain * (q if fan_in >= fan_out else q.T)


def constant(fan_in: int, fan_out: int, rng: np.random.Generator | None = None,
             value: float = 0.0) -> np.ndarray:
    """Every weight equal to ``value`` (rng unused): the symmetric start that chapter 7 warns about."""
    _check("constant", fan_in, fan_out, rng, rng_needed=False)
    check_range("constant", "value", value)
    return np.full((fan_in, fan_out), float(value))


def _output_variance(z, layer) -> float:
    v = float(np.var(z))
    if not np.isfinite(v) or v == 0.0:
        raise ValueError(f"lsuv: the output of layer {layer} has variance {v} on X (constant or dead "
                         "units, or an overflow); LSUV rescales a random pre-initialization, e.g. "
                         "orthogonal weights")
    return v


def _check_positive(owner, name, value):
    """A finite real number > 0; strings and bools refused (float() would accept "2" and True)."""
    try:
        finite = not isinstance(value, (str, bool, np.bool_)) and np.isfinite(float(value))
    except (TypeError, ValueError):
        finite = False
    if not finite:
        raise ValueError(f"{owner}: {name} must be a finite real number > 0, got {name}={value!r}")
    check_range(owner, name, value, low=0, low_open=True)


def _check(owner, fan_in, fan_out, rng, rng_needed=True):
    check_count(owner, "fan_in", fan_in, low=1)
    check_count(owner, "fan_out", fan_out, low=1)
    if rng_needed and not isinstance(rng, np.random.Generator):
        raise ValueError(f"{owner}: rng must be a numpy Generator (np.random.default_rng(seed)), "
                         f"got rng={rng!r}")


class LSUVResult(NamedTuple):
    """What ``lsuv`` returns: the rescaled parameters, and per layer the number of rescalings it
    made and the variance of the layer's output on X that it ended with."""
    params: dict
    iterations: list
    variances: list


@single_threaded
def lsuv(net, params: dict, X, target: float = 1.0, tol: float = 0.1, max_iter: int = 10,
         include_output: bool = True) -> LSUVResult:
    """Mishkin & Matas' layer-sequential unit-variance initialization (LSUV, ICLR 2016, Alg. 1).

    Start from ``params`` (the paper pre-initializes with ``orthogonal``). For each layer l in turn,
    forward the batch X and compute v = Var(z_l), the variance of all entries of the layer's output
    z_l = h_{l−1} W_l + b_l (its pre-activation); then W_l ← W_l · √(target/v), and repeat until
    |v − target| < tol or after ``max_iter`` rescalings. Earlier layers are fixed when a layer is treated, so
    every layer sees the rescaled outputs of the ones before it. Only weights are rescaled.

    With zero biases one rescaling per layer is exact, whatever the activation: the layers before
    are fixed, and z_l is linear in W_l. Non-zero biases add their own spread to Var(z_l) and need a
    few passes. A layer already within ``tol`` is left as it is (0 rescalings).
    ``include_output=False`` leaves the output layer as it was (the paper rescales every layer).
    Returns new arrays; ``params`` is unchanged.
    """
    owner = "lsuv"
    if not (hasattr(net, "forward") and hasattr(net, "depth")):
        raise ValueError(f"{owner}: net must be an optlib.nn.MLP, got net={net!r}")
    if getattr(net, "batch_norm", False):
        raise ValueError(f"{owner}: LSUV does not support batch_norm networks (batch norm already sets "
                         f"each hidden layer's output variance), got net={net!r}")
    _check_positive(owner, "target", target)
    _check_positive(owner, "tol", tol)
    check_count(owner, "max_iter", max_iter, low=1)
    if not isinstance(include_output, (bool, np.bool_)):
        raise ValueError(f"{owner}: include_output must be True or False, "
                         f"got include_output={include_output!r}")
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != net.sizes[0] or len(X) < 2:
        raise ValueError(f"{owner}: X must be a batch of shape (N, {net.sizes[0]}) with N >= 2 (one row per "
                         f"example), got shape {X.shape}")
    names = [f"layer{i}.{p}" for i in range(1, net.depth + 1) for p in "Wb"]
    missing = [name for name in names if name not in params]
    if missing:
        raise ValueError(f"{owner}: params has no {', '.join(missing)}; it has keys {sorted(params)}")
    params = {name: np.array(value, dtype=float) for name, value in params.items()}
    last = net.depth if include_output else net.depth - 1
    iterations, variances, h = [], [], X
    for layer in range(1, last + 1):
        W, b, rescales = params[f"layer{layer}.W"], params[f"layer{layer}.b"], 0
        z = h @ W + b                                   # the layer's output, as nn.Linear computes it
        v = _output_variance(z, layer)
        while abs(v - target) >= tol and rescales < max_iter:
            W = W * np.sqrt(target / v)
            z, rescales = h @ W + b, rescales + 1
            v = _output_variance(z, layer)
        params[f"layer{layer}.W"] = W
        iterations.append(rescales)
        variances.append(v)
        if layer < net.depth:
            h = net.activation.forward(z)               # the next layer's input, from the final W
    return LSUVResult(params, iterations, variances)
