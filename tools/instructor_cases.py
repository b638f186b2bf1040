"""Instructor-only cases for ``tools/grade.py --cases``: extra tests of the code exercises.

The student version of the book (``make student``) ships notebooks only, never this file. The copy in
the repository is an example: a class's real cases belong in a private file of the same form, passed
with ``--cases``, so that students cannot tune their code to them.

    CASES = {exercise label: [case, ...]}

Each case is called with the exercise's answers, in the order its checks take them (a submitted
function is called in the student's kernel, its results compared here), and returns
(passed, message); the message is handed back to the student, so it should say what was tried, not
the expected result.
"""

from __future__ import annotations

import numpy as np

from optlib import models

_RTOL = 1e-9


def epoch_drops_the_incomplete_batch(sgd_epoch):
    """Six examples, batch size 4: one step on the first four indices; the last two are left out."""
    rng = np.random.default_rng(2026)
    problem = models.LeastSquares(rng.standard_normal((6, 3)), rng.standard_normal(6))
    w, order = rng.standard_normal(3), np.array([4, 1, 5, 0, 2, 3])
    expected = w - 0.1 * problem.minibatch_grad(w, order[:4])
    got = sgd_epoch(problem.minibatch_grad, w.copy(), order, 0.1, 4)
    ok = np.shape(got) == expected.shape and np.allclose(got, expected, rtol=_RTOL, atol=1e-12)
    return ok, "an epoch of six examples with batch size 4 (an incomplete last batch)"


def epoch_with_batch_of_one(sgd_epoch):
    """Batch size 1 on five examples: five single-example steps in the given order."""
    rng = np.random.default_rng(7)
    problem = models.LeastSquares(rng.standard_normal((5, 2)), rng.standard_normal(5))
    w, order = rng.standard_normal(2), rng.permutation(5)
    expected = w.copy()
    for i in order:
        expected = expected - 0.05 * problem.minibatch_grad(expected, np.array([i]))
    got = sgd_epoch(problem.minibatch_grad, w.copy(), order, 0.05, 1)
    ok = np.shape(got) == expected.shape and np.allclose(got, expected, rtol=_RTOL, atol=1e-12)
    return ok, "an epoch of five examples with batch size 1"


CASES = {
    "er-ex-epoch": [epoch_drops_the_incomplete_batch, epoch_with_batch_of_one],
}
