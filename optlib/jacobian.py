"""The input–output Jacobian of a network at one input, and its singular values.

    J = jacobian.input_output(net, params, x)          # shape (outputs, inputs): J[i, j] = ∂out_i/∂x_j
    s = np.linalg.svd(J, compute_uv=False)

With rows as examples a layer computes z_l = h_{l−1} W_l + b_l and h_l = φ(z_l), so by the chain rule
∂out/∂x = (W_1 D_1 W_2 D_2 ⋯ D_{L−1} W_L)ᵀ with D_l = diag φ′(z_l). Its singular values say how the
network stretches a small change of its input, and, transposed, how it stretches a gradient on the
way back (Saxe et al. 2014; Pennington, Schoenholz & Ganguli 2017).
"""

from __future__ import annotations

import numpy as np

from ._threads import single_threaded


@single_threaded
def input_output(net, params: dict, x) -> np.ndarray:
    """∂ output/∂ x of ``net`` (an optlib.nn.MLP) at the single input ``x``, shape (outputs, inputs)."""
    x = np.asarray(x, dtype=float)
    if x.shape != (net.sizes[0],):
        raise ValueError(f"jacobian.input_output: x must be one input of shape ({net.sizes[0]},), "
                         f"got shape {x.shape}")
    fwd = net.forward(params, x[None, :])
    J = params["layer1.W"]                                         # ∂z_1/∂x, as (inputs, fan_out)
    for layer in range(2, net.depth + 1):
        z, h = fwd.pre[layer - 2][0], fwd.post[layer - 2][0]
        slope = net.activation.backward(np.ones_like(z), z, h)     # φ′(z_{l−1}), from the layer itself
        J = (J * slope) @ params[f"layer{layer}.W"]
    return J.T


@single_threaded
def singular_values(net, params: dict, x) -> np.ndarray:
    """The singular values of the input–output Jacobian at ``x``, largest first."""
    return np.linalg.svd(input_output(net, params, x), compute_uv=False)
