"""A small neural-network library with hand-written backpropagation, written to be read.

    net = nn.MLP([2, 64, 64, 1], activation="tanh", loss="mse", init="glorot", rng=rng)
    loss, grads = net.loss_and_grad(net.params, X, y)     # grads has the keys and shapes of params

Each layer is a pair of functions, forward and backward, side by side. A backward function takes
∂L/∂(its output) and returns ∂L/∂(its input) and, for a layer with parameters, their gradients.
Rows of X are examples; a linear layer computes z = x W + b with W of shape (fan_in, fan_out).
Parameters are a dict of named arrays ("layer1.W", "layer1.b", ...), the form every optimizer steps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from . import initializers
from ._threads import single_threaded
from ._validate import check_count


class Linear:
    """z = x W + b.   Backward: ∂L/∂W = xᵀ δ, ∂L/∂b = Σ over rows of δ, ∂L/∂x = δ Wᵀ, with δ = ∂L/∂z."""

    @staticmethod
    def forward(x, W, b):
        return x @ W + b

    @staticmethod
    def backward(delta, x, W):
        return x.T @ delta, delta.sum(axis=0), delta @ W.T


class ReLU:
    """h = max(z, 0).   Backward: ∂L/∂z = ∂L/∂h ⊙ [z > 0] (0 at the kink z = 0)."""

    @staticmethod
    def forward(z):
        return np.maximum(z, 0.0)

    @staticmethod
    def backward(dh, z, h):
        return dh * (z > 0)


class Tanh:
    """h = tanh z.   Backward: ∂L/∂z = ∂L/∂h ⊙ (1 − h²)."""

    @staticmethod
    def forward(z):
        return np.tanh(z)

    @staticmethod
    def backward(dh, z, h):
        return dh * (1.0 - h * h)


class MSE:
    """L = ½ · (1/N) Σᵢ ‖outᵢ − yᵢ‖², y of shape (N, outputs).   Backward: ∂L/∂out = (out − y)/N."""

    @staticmethod
    def forward(out, y):
        return 0.5 * float(np.mean(np.sum((out - y) ** 2, axis=1)))

    @staticmethod
    def backward(out, y):
        return (out - y) / len(out)


class CrossEntropy:
    """Softmax cross-entropy with integer labels y ∈ {0, …, K−1}: L = (1/N) Σᵢ [log Σₖ e^{zᵢₖ} − zᵢ,yᵢ].

    Backward: ∂L/∂z = (softmax(z) − onehot(y))/N. The log-sum-exp subtracts each row's maximum first,
    so large logits do not overflow.
    """

    @staticmethod
    def forward(z, y):
        shifted = z - z.max(axis=1, keepdims=True)
        log_sum = np.log(np.exp(shifted).sum(axis=1))
        return float(np.mean(log_sum - shifted[np.arange(len(z)), y]))

    @staticmethod
    def backward(z, y):
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(z)), y] -= 1.0
        return p / len(z)


ACTIVATIONS = {"relu": ReLU, "tanh": Tanh}
LOSSES = {"mse": MSE, "cross_entropy": CrossEntropy}


class Forward(NamedTuple):
    """A forward pass: the output, each layer's pre-activation z (the last is the output) and each hidden
    layer's activation h = act(z), for statistics (``post[l - 1]`` is hidden layer l)."""
    output: np.ndarray
    pre: list
    post: list


class MLP:
    """A multilayer perceptron: [linear → activation] for each hidden layer, then a linear output layer.

    sizes      [inputs, hidden…, outputs], e.g. [2, 64, 64, 1]
    activation "relu" or "tanh"
    loss       "mse" (½·mean squared error, y of shape (N, outputs)) or "cross_entropy" (softmax,
               integer labels y of shape (N,), one output per class)
    init       "he": he_normal for hidden layers (std √(2/fan_in)) and LeCun's √(1/fan_in) for the linear
               output layer; "glorot": glorot_uniform for every layer; or a function (fan_in, fan_out,
               rng) -> array, used for every layer. Biases start at 0.
    rng        numpy Generator that draws the initial weights into ``net.params``.
    """

    def __init__(self, sizes, activation="relu", loss="mse", init="he", rng=None):
        self.sizes = [int(n) for n in _checked_sizes(sizes)]
        self.activation = _choice("activation", activation, ACTIVATIONS)
        self.loss_fn = _choice("loss", loss, LOSSES)
        self.depth = len(self.sizes) - 1
        self.params = self.init_params(init, rng)

    def __repr__(self):
        return (f"MLP({self.sizes}, activation={self.activation.__name__.lower()!r}, "
                f"loss={self.loss_fn.__name__!r})")

    def init_params(self, init="he", rng=None) -> dict:
        """Fresh parameters: weights from ``init`` (see the class docstring), zero biases."""
        draw = _initializer(init)
        params = {}
        for i, (fan_in, fan_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:]), start=1):
            output_layer = i == self.depth
            if init == "he" and output_layer:
                params[f"layer{i}.W"] = initializers.he_normal(fan_in, fan_out, rng, gain=1.0)
            else:
                params[f"layer{i}.W"] = draw(fan_in, fan_out, rng)
            params[f"layer{i}.b"] = np.zeros(fan_out)
        return params

    @single_threaded
    def forward(self, params: dict, X) -> Forward:
        """The network's output on the rows of X, with every pre-activation and hidden activation."""
        X = self._checked_input(params, X)
        h, pre, post = X, [], []
        for i in range(1, self.depth + 1):
            z = Linear.forward(h, params[f"layer{i}.W"], params[f"layer{i}.b"])
            pre.append(z)
            if i < self.depth:
                h = self.activation.forward(z)
                post.append(h)
        return Forward(pre[-1], pre, post)

    def loss(self, params: dict, X, y) -> float:
        """The mean loss over the rows of X."""
        out = self.forward(params, X).output
        return self.loss_fn.forward(out, self._checked_targets(y, len(out)))

    @single_threaded
    def loss_and_grad(self, params: dict, X, y):
        """The mean loss over the rows of X and its gradient, a dict with the keys and shapes of params."""
        fwd = self.forward(params, X)
        y = self._checked_targets(y, len(fwd.output))
        inputs = [np.asarray(X, dtype=float), *fwd.post]      # the input of each linear layer
        delta, grads = self.loss_fn.backward(fwd.output, y), {}
        for i in range(self.depth, 0, -1):
            grads[f"layer{i}.W"], grads[f"layer{i}.b"], dx = Linear.backward(
                delta, inputs[i - 1], params[f"layer{i}.W"])
            if i > 1:
                delta = self.activation.backward(dx, fwd.pre[i - 2], fwd.post[i - 2])
        return self.loss_fn.forward(fwd.output, y), {name: grads[name] for name in params}

    def dead_fraction(self, params: dict, X, layer: int) -> float:
        """Fraction of the units of hidden layer ``layer`` (1-based) that are zero on every row of X."""
        check_count("MLP.dead_fraction", "layer", layer, low=1)
        if layer >= self.depth:
            raise ValueError(f"MLP.dead_fraction: layer must be a hidden layer, 1 <= layer <= "
                             f"{self.depth - 1}, got layer={layer}")
        return float(np.mean(np.all(self.forward(params, X).post[layer - 1] == 0, axis=0)))

    def objective(self, X, y, label="a small network") -> MLPObjective:
        """The training loss on (X, y) as an Objective over one flat parameter vector (for ``run``)."""
        return MLPObjective(self, X, y, label)

    def _checked_input(self, params, X):
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(f"MLP: X must have shape (N, {self.sizes[0]}) (one row per example), "
                             f"got shape {X.shape}")
        missing = [f"layer{i}.{p}" for i in range(1, self.depth + 1) for p in "Wb"
                   if f"layer{i}.{p}" not in params]
        if missing:
            raise ValueError(f"MLP: params has no {', '.join(missing)}; it has keys {sorted(params)}")
        return X

    def _checked_targets(self, y, n):
        y = np.asarray(y)
        if self.loss_fn is MSE:
            if y.shape != (n, self.sizes[-1]):
                raise ValueError(f"MLP: with loss 'mse', y must have shape ({n}, {self.sizes[-1]}) "
                                 f"(one row per row of X), got shape {y.shape}")
            return y.astype(float)
        classes = self.sizes[-1]
        integer = np.issubdtype(y.dtype, np.integer)
        if y.shape != (n,) or not integer or np.any((y < 0) | (y >= classes)):
            seen = f" with values {y.min()} … {y.max()}" if integer and y.size else ""
            raise ValueError(f"MLP: with loss 'cross_entropy', y must be {n} integer labels in "
                             f"0 … {classes - 1} (one per row of X), got {y.dtype} of shape {y.shape}{seen}")
        return y


class MLPObjective:
    """The training loss of an MLP on (X, y) as an Objective over one flat parameter vector θ.

    Lets ``run``, Hessian-vector products and the slider demos treat a small network like any other
    function; ``minibatch_grad`` lets ``run(..., batch_size=b, rng=rng)`` train it stochastically.
    """

    def __init__(self, net: MLP, X, y, label="a small network"):
        self.net, self.X, self.y, self.label = net, np.asarray(X, dtype=float), np.asarray(y), label
        self.shapes = {name: v.shape for name, v in net.params.items()}
        ends = np.cumsum([int(np.prod(shape)) for shape in self.shapes.values()])
        self._slices = {name: (int(end - np.prod(shape)), int(end))  # where each array sits in θ
                        for (name, shape), end in zip(self.shapes.items(), ends)}
        self.dim, self.n = int(ends[-1]), len(self.X)

    def unflatten(self, theta) -> dict:
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (self.dim,):
            raise ValueError(f"MLPObjective: theta must have shape ({self.dim},), got shape {theta.shape}")
        return {name: theta[start:end].reshape(self.shapes[name])
                for name, (start, end) in self._slices.items()}

    def flatten(self, params: dict) -> np.ndarray:
        """One vector of all parameters, in the order of the network's layers."""
        return np.concatenate([params[name].ravel() for name in self.shapes])

    def value(self, theta):
        return self.net.loss(self.unflatten(theta), self.X, self.y)

    def grad(self, theta):
        return self.flatten(self.net.loss_and_grad(self.unflatten(theta), self.X, self.y)[1])

    def minibatch_grad(self, theta, idx):
        return self.flatten(self.net.loss_and_grad(self.unflatten(theta), self.X[idx], self.y[idx])[1])

    def hess(self, theta):
        raise NotImplementedError("MLPObjective: no Hessian; use curvature.hvp (Hessian-vector products)")


def _checked_sizes(sizes):
    try:
        sizes = list(sizes)
    except TypeError:
        raise ValueError(f"MLP: sizes must be a list of layer sizes, got sizes={sizes!r}") from None
    if len(sizes) < 2:
        raise ValueError(f"MLP: sizes must list at least an input and an output size, got sizes={sizes!r}")
    for n in sizes:
        check_count("MLP", "each layer size in sizes", n, low=1)
    return sizes


def _choice(name, value, options):
    if value not in options:
        raise ValueError(f"MLP: {name} must be one of {', '.join(map(repr, options))}, got {name}={value!r}")
    return options[value]


def _initializer(init) -> Callable:
    if callable(init):
        return init
    named = {"he": initializers.he_normal, "glorot": initializers.glorot_uniform}
    if init not in named:
        raise ValueError(f"MLP: init must be 'he', 'glorot' or a function (fan_in, fan_out, rng) -> array, "
                         f"got init={init!r}")
    return named[init]
