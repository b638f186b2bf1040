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
from .ch2_empirical_risk import minibatch_variance, same_floor_batch, sgd_epoch
from .ch5_momentum import best_frame, equivalent_lr, momentum_ema, optimal_beta, steps_gd, steps_momentum
from .ch6_adaptive_methods import adam_update, first_unstable_step, uncorrected_factor
from .ch7_initialization import (
    glorot_uniform,
    half_std_gain,
    he_preactivation_variance,
    leaky_gain,
    leaky_second_moment,
)

__all__ = [
    "Feedback", "STRICT_ENV", "adam_update", "best_frame", "best_lr", "equivalent_lr", "faster_lr",
    "fastest_lrs", "fewest_steps", "first_unstable_step", "glorot_uniform", "gradient_descent",
    "half_std_gain", "he_preactivation_variance", "leaky_gain", "leaky_second_moment",
    "minibatch_variance", "momentum_ema", "optimal_beta", "same_floor_batch", "same_line_lr",
    "sgd_epoch", "stable_lr", "steps_gd", "steps_momentum", "steps_needed", "uncorrected_factor"
]

install_cell_hook()
