"""Weight initializers: each returns a (fan_in, fan_out) array for the weights of one linear layer.

    W = he_normal(fan_in=256, fan_out=256, rng=np.random.default_rng(0))

fan_in (m) is the number of inputs of the layer and fan_out (n) the number of its outputs, as in
z = x W + b with x a row of m features. Every initializer takes (fan_in, fan_out, rng), so any of them,
or a function of your own with that signature, can be passed to ``nn.MLP(init=...)``.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_count, check_range


def glorot_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """Glorot & Bengio's normalized initialization: W ~ U(−√(6/(m+n)), √(6/(m+n))), Var W = 2/(m+n)."""
    _check("glorot_uniform", fan_in, fan_out, rng)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out))


def glorot_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """W ~ N(0, 2/(m+n)): the variance of Glorot & Bengio's normalized initialization, Gaussian."""
    _check("glorot_normal", fan_in, fan_out, rng)
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / (fan_in + fan_out))


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = 2.0) -> np.ndarray:
    """He et al.'s initialization for ReLU layers: W ~ N(0, gain/m), gain = 2 (std √(2/fan_in)).

    gain = 1 gives LeCun's N(0, 1/m), for a layer followed by no ReLU (a linear output layer).
    """
    _check("he_normal", fan_in, fan_out, rng)
    check_range("he_normal", "gain", gain, low=0, low_open=True)
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(gain / fan_in)


def he_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """W ~ U(−√(6/m), √(6/m)): variance 2/m, as he_normal."""
    _check("he_uniform", fan_in, fan_out, rng)
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, (fan_in, fan_out))


def orthogonal(fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    """A random matrix with orthonormal rows or columns (whichever are fewer), times ``gain``.

    Saxe et al.'s initialization: the QR factors of a Gaussian matrix, with the signs of R's diagonal
    moved into Q so that Q is uniformly (Haar) distributed.
    """
    _check("orthogonal", fan_in, fan_out, rng)
    check_range("orthogonal", "gain", gain, low=0, low_open=True)
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


def _check(owner, fan_in, fan_out, rng, rng_needed=True):
    check_count(owner, "fan_in", fan_in, low=1)
    check_count(owner, "fan_out", fan_out, low=1)
    if rng_needed and not isinstance(rng, np.random.Generator):
        raise ValueError(f"{owner}: rng must be a numpy Generator (np.random.default_rng(seed)), "
                         f"got rng={rng!r}")
