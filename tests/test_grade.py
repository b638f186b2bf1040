"""The grader on a synthetic class: a small chapter with a code exercise and a number exercise, and one
submission of each kind a class produces (right, wrong, a crashing cell, an endless loop, tampering,
stubs left as given, a kernel that dies, answers that lie, a submission that writes over the grader's
files, a file that is not a notebook). Each is graded in its own kernel, to the CSV expected."""

import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
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
# a float that claims to equal anything and shows the right value, an array that equals anything
LIARS = """class Liar(float):
    __hash__ = float.__hash__
    def __eq__(self, other):
        return True
    def __repr__(self):
        return repr(2 / 10 * 40 / 49)
class LiarArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)
    def __array__(self, *args, **kwargs):
        return np.array([0.600390625, 0.052265625])
def sgd_epoch(minibatch_grad, w, order, lr, batch_size):
    return np.array(w, dtype=float).view(LiarArray)
minibatch_variance = Liar(0.2)"""
# goes on looping when interrupted: the grader has to kill the kernel
STUBBORN = """while True:
    try:
        while True:
            pass
    except KeyboardInterrupt:
        pass"""
# finds the grader's files from its command line and writes over them, and over another submission
VANDAL = """import os
argv = open(f"/proc/{os.getppid()}/cmdline", "rb").read().decode().split("\\0")
book, out = argv[argv.index("--book") + 1], argv[argv.index("--out") + 1]
open(os.path.join(book, "toy.ipynb"), "w").write("{}")
open(os.path.join(book, "extra.ipynb"), "w").write("{}")
open(os.path.join(os.path.dirname(out), "submissions", "right.ipynb"), "w").write("{}")
open(out, "w").write("forged")"""
# passes the check's public cases; on an instructor case, puts its input in its error and in an answer
LEAKY = RIGHT_EPOCH.replace("    w = np.array", """    global minibatch_variance
    if len(order) == 5:
        minibatch_variance = f"LEAK {list(order)}"
        raise ValueError(f"LEAK {list(order)}")
    w = np.array""")


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
    "died.ipynb": chapter(RIGHT_EPOCH, RIGHT_VARIANCE, before_variance=[code("import os\nos._exit(3)")]),
    "stubborn.ipynb": chapter(RIGHT_EPOCH, RIGHT_VARIANCE, before_variance=[code(STUBBORN)]),
    "liars.ipynb": chapter(LIARS, "pass"),
    "a_vandal.ipynb": chapter(RIGHT_EPOCH, "minibatch_variance = 0.2", before_variance=[code(VANDAL)]),
    "leaky.ipynb": chapter(LEAKY, RIGHT_VARIANCE),
}
NOT_A_NOTEBOOK = {"broken.ipynb": '{"cells": [ this is not JSON'}
EXPECTED = {   # submission: (toy-ex-epoch, toy-ex-variance, total, status)
    "right.ipynb": ("1.00", "1.00", "2.00", "ok"),
    "wrong.ipynb": ("1.00", "0.00", "1.00", "ok"),
    "crash.ipynb": ("1.00", "1.00", "2.00", "1 cell raised"),
    "loop.ipynb": ("1.00", "0.00", "1.00", "timeout"),
    "tamper.ipynb": ("0.00", "0.00", "0.00", "ok"),
    "stubs.ipynb": ("0.00", "0.00", "0.00", "stub left: toy-ex-epoch; stub left: toy-ex-variance"),
    "last_batch.ipynb": ("0.00", "1.00", "1.00", "ok"),
    "copied.ipynb": ("1.00", "1.00", "2.00", "ok"),
    "died.ipynb": ("1.00", "1.00", "2.00", "kernel died"),
    "stubborn.ipynb": ("1.00", "0.00", "1.00", "timeout"),
    "liars.ipynb": ("0.00", "0.00", "0.00", "ok"),
    "a_vandal.ipynb": ("1.00", "0.00", "1.00", "changed the grader's files"),
    "leaky.ipynb": ("1.00", "1.00", "2.00", "ok"),
    "broken.ipynb": ("", "", "0.00", "not a notebook"),
}
# with the instructor case, the code exercise is shared between the check and the case: a function that
# returns the check's stored answers passes the check, not the case
EXPECTED_WITH_CASES = {"right.ipynb": "1.00", "copied.ipynb": "0.50", "stubs.ipynb": "0.00",
                       "leaky.ipynb": "0.50"}
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
    for name, text in NOT_A_NOTEBOOK.items():
        (class_dir / name).write_text(text)
    inputs = {path: path.read_bytes() for path in [*book.iterdir(), *class_dir.iterdir()]}
    (tmp / "cases.py").write_text(CASES)
    rows = {}
    for variant, names, extra in (("plain", EXPECTED, []),
                                  ("cases", EXPECTED_WITH_CASES, ["--cases", str(tmp / "cases.py")])):
        out = tmp / f"{variant}.csv"
        done = subprocess.run([sys.executable, str(ROOT / "tools" / "grade.py"),
                               *sorted(str(class_dir / name) for name in names),
                               # room for a slow kernel start on a loaded machine before the endless loop
                               "--out", str(out), "--book", str(book), "--timeout", "25", *extra],
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
        with out.open() as handle:
            rows[variant] = {row["submission"]: row for row in csv.DictReader(handle)}
        # the vandal's writes were put back
        assert {path: path.read_bytes() for path in [*book.iterdir(), *class_dir.iterdir()]} == inputs
    return rows, tmp / "plain_feedback", tmp / "cases_feedback"


def test_the_csv_has_a_column_per_exercise_then_total_and_status(graded):
    rows = graded[0]
    assert list(next(iter(rows["plain"].values()))) == ["submission", "toy-ex-epoch", "toy-ex-variance",
                                                        "total", "status"]
    assert set(rows["plain"]) == set(EXPECTED)


@pytest.mark.parametrize("name", EXPECTED)
def test_each_submission_gets_the_grade_it_earned(graded, name):
    row = graded[0]["plain"][name]
    assert (row["toy-ex-epoch"], row["toy-ex-variance"], row["total"], row["status"]) == EXPECTED[name]


@pytest.mark.parametrize("name", EXPECTED_WITH_CASES)
def test_instructor_cases_give_partial_credit(graded, name):
    assert graded[0]["cases"][name]["toy-ex-epoch"] == EXPECTED_WITH_CASES[name]


def test_feedback_files_say_what_happened(graded):
    folder = graded[1]
    text = {name: (folder / name.replace(".ipynb", ".feedback.txt")).read_text() for name in EXPECTED}
    assert "Points: 2.00 of 2" in text["right.ipynb"] and "✔ sgd_epoch" in text["right.ipynb"]
    assert "incomplete last batch" in text["last_batch.ipynb"]
    assert "✘ minibatch_variance" in text["wrong.ipynb"] and "with replacement" in text["wrong.ipynb"]
    assert "raised ZeroDivisionError" in text["crash.ipynb"]
    assert "time limit" in text["loop.ipynb"] and "minibatch_variance is not defined" in text["loop.ipynb"]
    assert "not implemented" in text["stubs.ipynb"] and "replace `...`" in text["stubs.ipynb"]
    assert "✘ sgd_epoch" in text["tamper.ipynb"] and "✔" not in text["tamper.ipynb"]
    assert "got a Feedback" in text["tamper.ipynb"]              # the stored fake result, named
    assert "Cell 5 stopped the kernel" in text["died.ipynb"]
    assert "did not stop when interrupted" in text["stubborn.ipynb"]
    assert "0.2 is not within" in text["liars.ipynb"]           # the float's own value, not its repr
    assert "put back" in text["a_vandal.ipynb"] and "toy.ipynb" in text["a_vandal.ipynb"]
    assert "could not be read as a Jupyter notebook" in text["broken.ipynb"]


def test_instructor_cases_stay_secret(graded):
    """An instructor case that fails is named, not shown: the error a submitted function raised on it is
    left out, and the answers are read before any function runs, so none can carry a case's input."""
    text = (graded[2] / "leaky.feedback.txt").read_text()
    assert "✘ instructor case: batch of one: raised ValueError" in text
    assert "LEAK" not in text and "✔ minibatch_variance" in text


def test_answers_travel_as_plain_data_and_functions_take_keywords():
    """The kernel's helpers and the grader's decoding, in one process: numpy scalars (np.float64 is a float
    whose repr is not a number), subclasses read by their base type's value, keyword arguments."""
    space = {"np": np}
    exec(grade.KERNEL_HELPERS, space)
    exec("class Lie(float):\n    def __repr__(self):\n        return '1.0'\n"
         "def f(a, p=1):\n    return a * p", space)

    class Kernel:
        def evaluate(self, expression, deadline):
            return json.loads(eval(expression, space))

    class Notebook:
        result = grade.Result(Path("x.ipynb"), "toy")

        def ready(self):
            return Kernel()

    def read(expression):
        return grade.decode(json.loads(eval(f"__import__('json').dumps(_grader_encode({expression}))",
                                            space)))

    assert read("np.float64(2.5)") == 2.5 and read("Lie(0.2)") == 0.2
    assert read("[np.int64(3), (True, None, ...)]") == [3, (True, None, ...)]
    assert grade.RemoteFunction(Notebook(), "f", "(a, p=1)")(np.arange(3.0), p=2).tolist() == [0, 2, 4]
    with pytest.raises(grade.BadReplyError):      # an object array is never built from the kernel's bytes
        grade.decode({"t": "array", "dtype": "|O", "shape": [1], "data": "AAAAAAAAAAA=", "scalar": False})


def test_repeated_file_names_get_their_paths():
    paths = [Path("a/x.ipynb"), Path("b/x.ipynb"), Path("c/y.ipynb")]
    assert grade.names_of(paths) == ["a/x.ipynb", "b/x.ipynb", "y.ipynb"]


def test_signatures_are_rebuilt_without_running_defaults():
    sig = grade._signature("(a, b=__import__('os').system('exit 3'), *rest, c, d=2, **kw)")
    assert [p.name for p in sig.parameters.values()] == ["a", "b", "rest", "c", "d", "kw"]
    assert sig.bind(1, c=3)


def test_the_book_chapters_name_their_exercises():
    labels = {p.stem: [e.label for e in grade.exercises_of(p)] for p in (ROOT / "book").glob("*.ipynb")}
    assert labels["empirical_risk"] == ["er-ex-epoch", "er-ex-variance", "er-ex-explore"]
    assert all(len(found) >= 3 for found in labels.values()), labels


def test_a_cell_sent_right_after_one_that_raised_still_runs():
    # A kernel aborts the requests that reach it just after an error unless they opt out; the grader sends
    # the next cell at once, so without the opt-out a few percent of them were lost.
    kernel = grade.Kernel(memory_mb=2048, cpu_seconds=120)
    try:
        statuses = []
        for i in range(100):
            kernel.run("1 / 0", time.monotonic() + 30)
            statuses.append(kernel.run(f"defined = {i}", time.monotonic() + 30).get("status"))
        assert statuses == ["ok"] * 100
    finally:
        kernel.close()
