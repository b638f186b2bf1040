"""A small multilayer perceptron with hand-written backpropagation, for the training experiments.

Parameters live in a dict of named arrays ({"W1", "b1", "W2", ...}), the form every optimizer steps.
Hidden layers use ReLU; the output layer is linear and the loss is ½·mean squared error.
"""

from __future__ import annotations

import numpy as np

from ._threads import single_threaded
from ._validate import check_count


def init_mlp(sizes, rng: np.random.Generator) -> dict:
    """He-normal weights for the hidden layers (variance 2/fan-in), 1/fan-in for the output, zero biases."""
    if len(sizes) < 2:
        raise ValueError(f"init_mlp: sizes must list at least an input and an output size, got {sizes!r}")
    for n in sizes:
        check_count("init_mlp", "each layer size", int(n), low=1)
    params, depth = {}, len(sizes) - 1
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        gain = 2.0 if i < depth else 1.0
        params[f"W{i}"] = rng.standard_normal((fan_in, fan_out)) * np.sqrt(gain / fan_in)
        params[f"b{i}"] = np.zeros(fan_out)
    return params


@single_threaded
def forward(params: dict, X: np.ndarray):
    """Network output and the hidden activations (kept for the backward pass)."""
    depth = len(params) // 2
    h, hidden = X, []
    for i in range(1, depth):
        h = np.maximum(h @ params[f"W{i}"] + params[f"b{i}"], 0.0)
        hidden.append(h)
    return h @ params[f"W{depth}"] + params[f"b{depth}"], hidden


@single_threaded
def loss(params: dict, X: np.ndarray, y: np.ndarray) -> float:
    """½ · mean over examples of the squared error."""
    out, _ = forward(params, X)
    return 0.5 * float(np.mean(np.sum((out - y) ** 2, axis=1)))


@single_threaded
def loss_and_grad(params: dict, X: np.ndarray, y: np.ndarray):
    """The loss and its gradient with respect to every parameter (backpropagation)."""
    depth = len(params) // 2
    out, hidden = forward(params, X)
    n = X.shape[0]
    delta = (out - y) / n                                   # ∂loss/∂out
    grads = {}
    inputs = [X, *hidden]
    for i in range(depth, 0, -1):
        grads[f"W{i}"] = inputs[i - 1].T @ delta
        grads[f"b{i}"] = delta.sum(axis=0)
        if i > 1:
            delta = (delta @ params[f"W{i}"].T) * (inputs[i - 1] > 0)   # through the ReLU
    return 0.5 * float(np.mean(np.sum((out - y) ** 2, axis=1))), grads


def dead_fraction(params: dict, X: np.ndarray, layer: int) -> float:
    """Fraction of the units of hidden layer ``layer`` (1-based) that are zero on every input in X."""
    _, hidden = forward(params, X)
    return float(np.mean(np.all(hidden[layer - 1] == 0, axis=0)))


class MLPObjective:
    """Full-batch training loss of an MLP on (X, y) as an Objective over a flat parameter vector.

    Lets ``run`` and the slider demos treat a small network like any other function.
    """

    def __init__(self, params: dict, X, y, label="a small network"):
        self.shapes = {name: v.shape for name, v in params.items()}
        ends = np.cumsum([int(np.prod(shape)) for shape in self.shapes.values()])
        self._slices = {name: (int(end - np.prod(shape)), int(end))  # where each array sits in θ
                        for (name, shape), end in zip(self.shapes.items(), ends)}
        self.dim = int(ends[-1])
        self.X, self.y, self.label = X, y, label

    def unflatten(self, theta) -> dict:
        theta = np.asarray(theta)
        return {name: theta[start:end].reshape(self.shapes[name])
                for name, (start, end) in self._slices.items()}

    def flatten(self, params: dict) -> np.ndarray:
        """One vector of all parameters, in the order of the network's layers."""
        return np.concatenate([params[name].ravel() for name in self.shapes])

    def value(self, theta):
        return loss(self.unflatten(theta), self.X, self.y)

    def grad(self, theta):
        return self.flatten(loss_and_grad(self.unflatten(theta), self.X, self.y)[1])

    def hess(self, theta):
        raise NotImplementedError("MLPObjective: no Hessian; use Hessian-vector products")
