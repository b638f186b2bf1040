"""One BLAS thread inside optlib's loops, whatever the environment.

optlib's problems are small and dense: a BLAS call on a 100 × 100 matrix finishes before a second
thread has started. A student's Jupyter does not set OMP_NUM_THREADS, and with another CPU-bound
process on a 2-core machine the default threads then fight over the cores (chapter 6 ran 4.4×
slower). ``single_threaded`` limits BLAS to one thread for the duration of a call and restores
the caller's setting afterwards; the limit costs a few microseconds per call. It wraps optlib's
loops (``run``, ``steps_to_tolerance``, ``train``) and the functions a notebook calls in loops of its
own (the network's forward and backward passes, a quadratic's value and gradient).
"""

from __future__ import annotations

import functools

from threadpoolctl import ThreadpoolController

# Made once, after numpy has loaded its BLAS: finding the libraries is the slow part (~0.2 ms).
_CONTROLLER = ThreadpoolController()


_depth = 0  # > 0 while a single-threaded call runs: nested calls skip the (microseconds) limit


def single_threaded(func):
    """Decorator: run ``func`` with one BLAS thread."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        global _depth
        if _depth:
            return func(*args, **kwargs)
        _depth += 1
        try:
            with _CONTROLLER.limit(limits=1, user_api="blas"):
                return func(*args, **kwargs)
        finally:
            _depth -= 1

    return wrapper
