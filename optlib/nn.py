"""A small neural-network library with hand-written backpropagation, written to be read.

    net = nn.MLP([2, 64, 64, 1], activation="tanh", loss="mse", init="glorot", rng=rng)
    loss, grads = net.loss_and_grad(net.params, X, y)     # grads has the keys and shapes of params
    bn_net = nn.MLP([2, 64, 64, 1], batch_norm=True, rng=rng)   # [linear → BN → ReLU] per hidden layer
    bn_net.loss(bn_net.params, X, y, train=False)               # evaluation: BN's running statistics

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
from ._validate import check_count, check_range


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


def _check_flag(where, name, value):
    """A switch must be True or False: 1, "no" or an array would silently pick a mode."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{where}: {name} must be True or False, got {name}={value!r}")


class BatchNorm:
    """Batch normalization of d features (Ioffe & Szegedy 2015, Algorithm 1 and 2).

    Training mode, over the m rows of a batch z (m ≥ 2), for each feature:
        μ_B = (1/m) Σᵢ zᵢ,   σ²_B = (1/m) Σᵢ (zᵢ − μ_B)²   (the biased variance),
        ẑᵢ = (zᵢ − μ_B)/√(σ²_B + ε),   yᵢ = γ ẑᵢ + β,
    and the running statistics follow the batches (they start at μ̄ = 0, σ̄² = 1):
        μ̄ ← p μ̄ + (1 − p) μ_B,   σ̄² ← p σ̄² + (1 − p) · m/(m − 1) · σ²_B   (the unbiased estimate).
    Evaluation mode (``train=False``) uses them instead: y = γ (z − μ̄)/√(σ̄² + ε) + β, the same affine
    map for every row, so an example's output no longer depends on the rest of its batch.

    Backward, with g = ∂L/∂y, ĝ = γ ⊙ g and means over the rows of the batch:
        ∂L/∂γ = Σᵢ gᵢ ⊙ ẑᵢ,   ∂L/∂β = Σᵢ gᵢ,
        ∂L/∂zᵢ = (ĝᵢ − mean(ĝ) − ẑᵢ ⊙ mean(ĝ ⊙ ẑ)) / √(σ²_B + ε).
    The two subtracted terms are what μ_B and σ²_B contribute: both depend on every row. After an
    evaluation-mode forward the map is affine and ∂L/∂zᵢ = ĝᵢ/√(σ̄² + ε).

    Symbols → arguments: d features, ε = eps (added to the variance), p = p (the running averages'
    decay; PyTorch's ``momentum`` is 1 − p); γ, β are passed to ``forward``, not kept by the layer.
    State: ``running_mean``, ``running_var``, and ``batch_mean``, ``batch_var`` (μ_B and σ²_B of the last
    training-mode batch, None before one).
    """

    def __init__(self, d, eps=1e-5, p=0.9):
        check_count("BatchNorm", "d", d, low=1)
        check_range("BatchNorm", "eps", eps, low=0.0, low_open=True)
        check_range("BatchNorm", "p", p, low=0.0, high=1.0, high_open=True)
        self.d, self.eps, self.p = int(d), float(eps), float(p)
        self.reset()

    def __repr__(self):
        return f"BatchNorm({self.d}, eps={self.eps:g}, p={self.p:g})"

    def reset(self):
        """Running statistics back to μ̄ = 0, σ̄² = 1; forget the last forward pass."""
        self.running_mean, self.running_var = np.zeros(self.d), np.ones(self.d)
        self.batch_mean = self.batch_var = None   # μ_B and the biased σ²_B of the last training batch
        self._cache = None

    def forward(self, z, gamma, beta, train=True, update=True):
        """y = γ ẑ + β for the rows of z (shape (m, d)); ``update=False`` leaves the running statistics."""
        _check_flag("BatchNorm.forward", "train", train)
        _check_flag("BatchNorm.forward", "update", update)
        z, gamma, beta = self._checked(z, gamma, beta, train)
        if train:
            m = len(z)
            mean = z.mean(axis=0)
            centered = z - mean
            var = np.mean(centered * centered, axis=0)
            inv_std = 1.0 / np.sqrt(var + self.eps)
            z_hat = centered * inv_std
            self.batch_mean, self.batch_var = mean, var
            if update:  # new arrays, so that a caller's copy of the old statistics stays as it was
                self.running_mean = self.p * self.running_mean + (1 - self.p) * mean
                self.running_var = self.p * self.running_var + (1 - self.p) * var * m / (m - 1)
        else:
            inv_std = 1.0 / np.sqrt(self.running_var + self.eps)
            z_hat = (z - self.running_mean) * inv_std
        self._cache = (z_hat, inv_std, gamma, train)
        return gamma * z_hat + beta

    def backward(self, dy):
        """(∂L/∂z, ∂L/∂γ, ∂L/∂β) from ∂L/∂y, for the batch of the last forward pass."""
        if self._cache is None:
            raise ValueError("BatchNorm.backward: call forward first (backward uses that batch)")
        z_hat, inv_std, gamma, train = self._cache
        dy = np.asarray(dy, dtype=float)
        if dy.shape != z_hat.shape:
            raise ValueError(f"BatchNorm.backward: dy must have the shape {z_hat.shape} of the last forward "
                             f"pass, got shape {dy.shape}")
        dgamma, dbeta = np.sum(dy * z_hat, axis=0), dy.sum(axis=0)
        g = dy * gamma
        if train:
            dz = inv_std * (g - g.mean(axis=0) - z_hat * np.mean(g * z_hat, axis=0))
        else:
            dz = inv_std * g
        return dz, dgamma, dbeta

    def _checked(self, z, gamma, beta, train):
        z = np.asarray(z, dtype=float)
        if z.ndim != 2 or z.shape[1] != self.d:
            raise ValueError(f"BatchNorm: z must have shape (m, {self.d}) (one row per example, {self.d} "
                             f"features), got shape {z.shape}")
        if train and len(z) < 2:
            raise ValueError(f"BatchNorm: a training-mode batch needs m >= 2 rows (one row has variance 0 "
                             f"and ẑ = 0), got m={len(z)}; use train=False to evaluate single examples")
        gamma, beta = np.asarray(gamma, dtype=float), np.asarray(beta, dtype=float)
        for name, value in (("gamma", gamma), ("beta", beta)):
            if value.shape != (self.d,):
                raise ValueError(f"BatchNorm: {name} must have shape ({self.d},), got shape {value.shape}")
        return z, gamma, beta


ACTIVATIONS = {"relu": ReLU, "tanh": Tanh}
LOSSES = {"mse": MSE, "cross_entropy": CrossEntropy}


class Forward(NamedTuple):
    """A forward pass: the output, each linear layer's output z (the last is the output) and each hidden
    layer's activation h, for statistics (``post[l - 1]`` is hidden layer l). Without batch norm
    h = act(z); with it h = act(y), y = BN(z) listed in ``normed`` (empty without batch norm)."""
    output: np.ndarray
    pre: list
    post: list
    normed: list | tuple = ()


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
    batch_norm False, or True for [linear → BN → activation] in each hidden layer: the hidden linear
               layers lose their bias (β takes its place), params gain "bn1.gamma" (1 at the start) and
               "bn1.beta" (0), and ``net.bn_layers[l - 1]``, a :class:`BatchNorm` with ``eps`` and ``p``,
               keeps hidden layer l's running statistics. The same rng draws the same weights as without.

    ``forward``, ``loss`` and ``loss_and_grad`` take ``train=True`` (batch statistics, and each call
    updates the running statistics unless ``update_stats=False``) or ``train=False`` (evaluation with the
    running statistics). Without batch norm both modes are the same network.
    """

    def __init__(self, sizes, activation="relu", loss="mse", init="he", rng=None, batch_norm=False,
                 eps=1e-5, p=0.9):
        self.sizes = [int(n) for n in _checked_sizes(sizes)]
        self.activation = _choice("activation", activation, ACTIVATIONS)
        self.loss_fn = _choice("loss", loss, LOSSES)
        self.depth = len(self.sizes) - 1
        _check_flag("MLP", "batch_norm", batch_norm)
        self.batch_norm = bool(batch_norm)
        self.bn_layers = [BatchNorm(n, eps=eps, p=p) for n in self.sizes[1:-1]] if batch_norm else []
        self.params = self.init_params(init, rng)

    def __repr__(self):
        bn = ", batch_norm=True" if self.batch_norm else ""
        return (f"MLP({self.sizes}, activation={self.activation.__name__.lower()!r}, "
                f"loss={self.loss_fn.__name__!r}{bn})")

    def init_params(self, init="he", rng=None) -> dict:
        """Fresh parameters: weights from ``init`` (see the class docstring), zero biases, γ = 1, β = 0."""
        draw = _initializer(init)
        if isinstance(init, str) and not isinstance(rng, np.random.Generator):  # a function may need none
            raise ValueError(f"MLP: rng must be a numpy Generator (np.random.default_rng(seed)) to draw the "
                             f"initial weights, got rng={rng!r}")
        params = {}
        for i, (fan_in, fan_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:]), start=1):
            output_layer = i == self.depth
            if init == "he" and output_layer:
                params[f"layer{i}.W"] = initializers.he_normal(fan_in, fan_out, rng, gain=1.0)
            else:
                params[f"layer{i}.W"] = _drawn_weights(draw, fan_in, fan_out, rng, i)
            if self.batch_norm and not output_layer:
                params[f"bn{i}.gamma"], params[f"bn{i}.beta"] = np.ones(fan_out), np.zeros(fan_out)
            else:
                params[f"layer{i}.b"] = np.zeros(fan_out)
        return params

    def reset_statistics(self):
        """Every batch-norm layer's running statistics back to μ̄ = 0, σ̄² = 1."""
        for bn in self.bn_layers:
            bn.reset()

    @single_threaded
    def forward(self, params: dict, X, *, train=True, update_stats=True) -> Forward:
        """The network's output on the rows of X, with every pre-activation and hidden activation."""
        X = self._checked_input(params, X)
        h, pre, post, normed = X, [], [], []
        for i in range(1, self.depth + 1):
            hidden = i < self.depth
            if self.batch_norm and hidden:
                z = h @ params[f"layer{i}.W"]                      # no bias: β takes its place
                y = self.bn_layers[i - 1].forward(z, params[f"bn{i}.gamma"], params[f"bn{i}.beta"],
                                                  train=train, update=update_stats)
                normed.append(y)
            else:
                z = y = Linear.forward(h, params[f"layer{i}.W"], params[f"layer{i}.b"])
            pre.append(z)
            if hidden:
                h = self.activation.forward(y)
                post.append(h)
        return Forward(pre[-1], pre, post, normed)

    def loss(self, params: dict, X, y, *, train=True, update_stats=True) -> float:
        """The mean loss over the rows of X."""
        out = self.forward(params, X, train=train, update_stats=update_stats).output
        return self.loss_fn.forward(out, self._checked_targets(y, len(out)))

    @single_threaded
    def loss_and_grad(self, params: dict, X, y, *, train=True, update_stats=True):
        """The mean loss over the rows of X and its gradient, a dict with the keys and shapes of params."""
        fwd = self.forward(params, X, train=train, update_stats=update_stats)
        y = self._checked_targets(y, len(fwd.output))
        inputs = [np.asarray(X, dtype=float), *fwd.post]      # the input of each linear layer
        act_inputs = fwd.normed if self.batch_norm else fwd.pre  # the input of each activation
        delta, grads = self.loss_fn.backward(fwd.output, y), {}
        for i in range(self.depth, 0, -1):
            grads[f"layer{i}.W"], db, dx = Linear.backward(delta, inputs[i - 1], params[f"layer{i}.W"])
            if f"layer{i}.b" in params:
                grads[f"layer{i}.b"] = db
            if i > 1:
                delta = self.activation.backward(dx, act_inputs[i - 2], fwd.post[i - 2])
                if self.batch_norm:  # through BN of hidden layer i − 1, whose cache holds this batch
                    delta, grads[f"bn{i - 1}.gamma"], grads[f"bn{i - 1}.beta"] = \
                        self.bn_layers[i - 2].backward(delta)
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
        missing = [name for name in self._param_names() if name not in params]
        if missing:
            raise ValueError(f"MLP: params has no {', '.join(missing)}; it has keys {sorted(params)}")
        return X

    def _param_names(self):
        for i in range(1, self.depth + 1):
            yield f"layer{i}.W"
            if self.batch_norm and i < self.depth:
                yield from (f"bn{i}.gamma", f"bn{i}.beta")
            else:
                yield f"layer{i}.b"

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


def _drawn_weights(draw, fan_in, fan_out, rng, layer) -> np.ndarray:
    """``draw(fan_in, fan_out, rng)``, refused unless it is a finite float array of that shape (a
    transposed matrix would only fail later, inside a matrix product)."""
    W = draw(fan_in, fan_out, rng)
    if not isinstance(W, np.ndarray):
        got = f"a {type(W).__name__}"
    elif W.shape != (fan_in, fan_out) or W.dtype.kind not in "iuf":
        got = f"shape {W.shape}, dtype {W.dtype}"
    elif not np.all(np.isfinite(W)):
        got = f"shape {W.shape}, dtype {W.dtype}, with non-finite values"
    else:
        return W.astype(float)
    raise ValueError(f"MLP: init must return a finite array of shape (fan_in, fan_out) = "
                     f"({fan_in}, {fan_out}) for layer {layer}, got {got}")


def _initializer(init) -> Callable:
    if callable(init):
        return init
    named = {"he": initializers.he_normal, "glorot": initializers.glorot_uniform}
    if init not in named:
        raise ValueError(f"MLP: init must be 'he', 'glorot' or a function (fan_in, fan_out, rng) -> array, "
                         f"got init={init!r}")
    return named[init]
