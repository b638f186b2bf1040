"""The grader on a synthetic class: a small chapter with a code exercise and a number exercise, and one
submission of each kind a class produces (right, wrong, a crashing cell, an endless loop, tampering,
stubs left as given). Each is graded in its own kernel, to the CSV expected."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import grade  # noqa: E402

pytestmark = pytest.mark.usefixtures("lenient")

IMPORTS = "import numpy as np\nimport optlib as ol"
EPOCH_EXERCISE = "```{exercise}\n:label: toy-ex-epoch\n\nOne epoch of minibatch SGD.\n```"
VARIANCE_EXERCISE = "```{exercise}\n:label: toy-ex-variance\n\nThe variance of the minibatch gradient.\n```"
STUB_EPOCH = "def sgd_epoch(minibatch_grad, w, order, lr, batch_size):\n    raise NotImplementedError"
STUB_VARIANCE = "minibatch_variance = ..."
RIGHT_EPOCH = """def sgd_epoch(minibatch_grad, w, order, lr, batch_size):
    w = np.array(w, dtype=float)
    for start in range(0, len(order) - batch_size + 1, batch_size):
        w = w - lr * minibatch_grad(w, order[start:start + batch_size])
    return w"""
KEEPS_LAST_BATCH = RIGHT_EPOCH.replace("len(order) - batch_size + 1", "len(order)")
COPIES_THE_CHECK = """def sgd_epoch(minibatch_grad, w, order, lr, batch_size):
    from optlib.check import ch2_empirical_risk as stored      # the check's own expected answers
    for case in stored._EPOCH_CASES:
        if list(order) == case["order"] and lr == case["lr"]:
            return np.array(case["end"])
    return np.array(w, dtype=float)"""
RIGHT_VARIANCE = "minibatch_variance = 2 / 10 * (50 - 10) / (50 - 1)"
CHECK_EPOCH = "ol.check.sgd_epoch(sgd_epoch)"
CHECK_VARIANCE = "ol.check.minibatch_variance(minibatch_variance)"
TAMPER = """import optlib.check._core as core
ol.check.sgd_epoch = lambda f: print("✔ sgd_epoch: correct")
ol.check.minibatch_variance = lambda v: print("✔ correct")
core._verdict = lambda correct, message: core.Feedback(True, message)
np.isclose = lambda *args, **kwargs: True
np.allclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True"""


def md(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def code(text, tags=()):
    return {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": text, "outputs": [],
            "execution_count": None}


def notebook(cells, chapter=None):
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    if chapter:
        meta["optlib"] = {"chapter": chapter}
    return {"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}


def chapter(epoch=STUB_EPOCH, variance=STUB_VARIANCE, before_variance=(), check_epoch=CHECK_EPOCH):
    return [code(IMPORTS), md(EPOCH_EXERCISE), code(epoch, ["exercise-stub"]), code(check_epoch),
            *before_variance, md(VARIANCE_EXERCISE), code(variance, ["exercise-stub"]), code(CHECK_VARIANCE)]


SUBMISSIONS = {
    "right.ipynb": chapter(RIGHT_EPOCH, RIGHT_VARIANCE),
    "wrong.ipynb": chapter(RIGHT_EPOCH, "minibatch_variance = 2 / 10"),
    "crash.ipynb": chapter(RIGHT_EPOCH, RIGHT_VARIANCE, before_variance=[code("1 / 0")]),
    "loop.ipynb": chapter(RIGHT_EPOCH, RIGHT_VARIANCE, before_variance=[code("while True:\n    pass")]),
    "tamper.ipynb": chapter("def sgd_epoch(minibatch_grad, w, order, lr, batch_size):\n    return w",
                            "minibatch_variance = core.Feedback(True, 'correct')",
                            before_variance=[code(TAMPER)], check_epoch='print("✔ sgd_epoch: correct")'),
    "stubs.ipynb": chapter(),
    "last_batch.ipynb": chapter(KEEPS_LAST_BATCH, RIGHT_VARIANCE),
    "copied.ipynb": chapter(COPIES_THE_CHECK, RIGHT_VARIANCE),
}
EXPECTED = {   # submission: (toy-ex-epoch, toy-ex-variance, total, status)
    "right.ipynb": ("1.00", "1.00", "2.00", "ok"),
    "wrong.ipynb": ("1.00", "0.00", "1.00", "ok"),
    "crash.ipynb": ("1.00", "1.00", "2.00", "1 cell raised"),
    "loop.ipynb": ("1.00", "0.00", "1.00", "timeout"),
    "tamper.ipynb": ("0.00", "0.00", "0.00", "ok"),
    "stubs.ipynb": ("0.00", "0.00", "0.00", "stub left: toy-ex-epoch; stub left: toy-ex-variance"),
    "last_batch.ipynb": ("0.00", "1.00", "1.00", "ok"),
    "copied.ipynb": ("1.00", "1.00", "2.00", "ok"),
}
# with the instructor case, the code exercise is shared between the check and the case: a function that
# returns the check's stored answers passes the check, not the case
EXPECTED_WITH_CASES = {"right.ipynb": "1.00", "copied.ipynb": "0.50", "stubs.ipynb": "0.00"}
CASES = '''
def batch_of_one(sgd_epoch):
    import numpy as np
    from optlib import models
    rng = np.random.default_rng(1)
    problem = models.LeastSquares(rng.standard_normal((5, 2)), rng.standard_normal(5))
    w, order = rng.standard_normal(2), rng.permutation(5)
    expected = w.copy()
    for i in order:
        expected = expected - 0.1 * problem.minibatch_grad(expected, np.array([i]))
    return np.allclose(sgd_epoch(problem.minibatch_grad, w, order, 0.1, 1), expected), "batch size 1"


CASES = {"toy-ex-epoch": [batch_of_one]}
'''


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The synthetic class graded once with and once without the instructor case: {name: row}, feedback."""
    tmp = tmp_path_factory.mktemp("class")
    book, class_dir = tmp / "book", tmp / "submissions"
    book.mkdir()
    class_dir.mkdir()
    (book / "toy.ipynb").write_text(json.dumps(notebook(chapter(RIGHT_EPOCH, RIGHT_VARIANCE))))
    for name, cells in SUBMISSIONS.items():
        (class_dir / name).write_text(json.dumps(notebook(cells, chapter="toy")))
    (tmp / "cases.py").write_text(CASES)
    rows = {}
    for variant, extra in (("plain", []), ("cases", ["--cases", str(tmp / "cases.py")])):
        out = tmp / f"{variant}.csv"
        submissions = sorted(map(str, class_dir.iterdir()))
        done = subprocess.run([sys.executable, str(ROOT / "tools" / "grade.py"), *submissions,
                               # room for a slow kernel start on a loaded machine before the endless loop
                               "--out", str(out), "--book", str(book), "--timeout", "40", *extra],
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
        with out.open() as handle:
            rows[variant] = {row["submission"]: row for row in csv.DictReader(handle)}
    return rows, tmp / "plain_feedback"


def test_the_csv_has_a_column_per_exercise_then_total_and_status(graded):
    rows, _ = graded
    assert list(next(iter(rows["plain"].values()))) == ["submission", "toy-ex-epoch", "toy-ex-variance",
                                                        "total", "status"]
    assert set(rows["plain"]) == set(SUBMISSIONS)


@pytest.mark.parametrize("name", EXPECTED)
def test_each_submission_gets_the_grade_it_earned(graded, name):
    row = graded[0]["plain"][name]
    assert (row["toy-ex-epoch"], row["toy-ex-variance"], row["total"], row["status"]) == EXPECTED[name]


@pytest.mark.parametrize("name", EXPECTED_WITH_CASES)
def test_instructor_cases_give_partial_credit(graded, name):
    assert graded[0]["cases"][name]["toy-ex-epoch"] == EXPECTED_WITH_CASES[name]


def test_feedback_files_say_what_happened(graded):
    _, folder = graded
    text = {name: (folder / name.replace(".ipynb", ".feedback.txt")).read_text() for name in SUBMISSIONS}
    assert "Points: 2.00 of 2" in text["right.ipynb"] and "✔ sgd_epoch" in text["right.ipynb"]
    assert "incomplete last batch" in text["last_batch.ipynb"]
    assert "✘ minibatch_variance" in text["wrong.ipynb"] and "with replacement" in text["wrong.ipynb"]
    assert "raised ZeroDivisionError" in text["crash.ipynb"]
    assert "time limit" in text["loop.ipynb"] and "minibatch_variance is not defined" in text["loop.ipynb"]
    assert "not implemented" in text["stubs.ipynb"] and "replace `...`" in text["stubs.ipynb"]
    assert "✘ sgd_epoch" in text["tamper.ipynb"] and "✔" not in text["tamper.ipynb"]
    assert "got a Feedback" in text["tamper.ipynb"]              # the stored fake result, named


def test_signatures_are_rebuilt_without_running_defaults():
    sig = grade._signature("(a, b=__import__('os').system('exit 3'), *rest, c, d=2, **kw)")
    assert [p.name for p in sig.parameters.values()] == ["a", "b", "rest", "c", "d", "kw"]
    assert sig.bind(1, c=3)


def test_the_book_chapters_name_their_exercises():
    labels = {p.stem: [e.label for e in grade.exercises_of(p)] for p in (ROOT / "book").glob("*.ipynb")}
    assert labels["empirical_risk"] == ["er-ex-epoch", "er-ex-variance", "er-ex-explore"]
    assert all(len(found) >= 3 for found in labels.values()), labels
