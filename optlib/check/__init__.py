"""Feedback on exercises, one module per chapter over a shared core (``_core``).

Each check takes the student's answer and returns a :class:`Feedback` whose repr is the message, so
the last line of a cell prints it. Expected values are stored as numbers, never as reference code.
With ``OPTLIB_CHECK_STRICT=1`` (as in ``make test``) a wrong answer raises AssertionError, so the
book's own solutions are tested. Every check is importable from here: ``optlib.check.stable_lr``.
"""

from ._core import STRICT_ENV, Feedback, install_cell_hook
from .ch1_gradient_descent import (
    best_lr,
    faster_lr,
    fastest_lrs,
    fewest_steps,
    gradient_descent,
    same_line_lr,
    stable_lr,
    steps_needed,
)
from .ch2_empirical_risk import minibatch_variance, settling_batch, sgd_epoch
from .ch3_ill_conditioning import best_step, best_threshold, peak_t, peak_value, unclipped_threshold
from .ch4_saddle_points import classify, hessian_at, steps_per_factor_100, valley_curvature
from .ch5_momentum import best_frame, equivalent_lr, momentum_ema, optimal_beta, steps_gd, steps_momentum
from .ch6_adaptive_methods import adam_update, first_unstable_step, uncorrected_factor
from .ch7_initialization import (
    glorot_uniform,
    half_std_gain,
    he_preactivation_variance,
    leaky_gain,
    leaky_second_moment,
)
from .ch8_batch_norm import bn_backward_numbers, bn_forward, largest_stable_frames
from .ch9_second_order import bfgs_update, secant_curvature, smallest_monotone_damping

__all__ = [
    "Feedback", "STRICT_ENV", "adam_update", "best_frame", "best_lr", "best_step", "best_threshold",
    "bfgs_update", "bn_backward_numbers", "bn_forward", "classify", "equivalent_lr", "faster_lr",
    "fastest_lrs", "fewest_steps", "first_unstable_step", "glorot_uniform", "gradient_descent",
    "half_std_gain", "he_preactivation_variance", "hessian_at", "largest_stable_frames", "leaky_gain",
    "leaky_second_moment", "minibatch_variance", "momentum_ema", "optimal_beta", "peak_t", "peak_value",
    "same_line_lr", "secant_curvature", "settling_batch", "sgd_epoch", "smallest_monotone_damping",
    "stable_lr", "steps_gd", "steps_momentum", "steps_needed", "steps_per_factor_100",
    "unclipped_threshold", "uncorrected_factor", "valley_curvature"
]

install_cell_hook()
