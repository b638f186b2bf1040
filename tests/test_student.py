"""The student version of every chapter: no solution survives, and it still runs top to bottom."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import make_student  # noqa: E402

CHAPTERS = sorted((ROOT / "book").glob("*.ipynb"))


def text_of(nb):
    return "\n".join(make_student.source(c) for c in nb["cells"])


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_student_version_keeps_stubs_and_drops_solutions(chapter):
    book = json.loads(chapter.read_text())
    student = make_student.student_version(book)
    text = text_of(student)
    solutions = [make_student.source(c) for c in book["cells"]
                 if "solution" in c["metadata"].get("tags", [])]
    stubs = [make_student.source(c) for c in book["cells"]
             if "exercise-stub" in c["metadata"].get("tags", [])]
    assert solutions and stubs, "every chapter has exercises with stubs and solutions"
    for solution in solutions:
        assert solution not in text
    for stub in stubs:
        assert stub in text
    assert "{exercise}" not in text and "{solution" not in text
    assert text.count("**Exercise ") == text_of(book).count("{exercise}")
    assert all(c.get("outputs", []) == [] for c in student["cells"] if c["cell_type"] == "code")


def test_an_untagged_solution_is_refused():
    nb = {"cells": [{"cell_type": "markdown", "metadata": {},
                     "source": "```{solution-start} ex\n:class: dropdown\n```"}]}
    with pytest.raises(make_student.SolutionLeakError, match="solution-start"):
        make_student.student_version(nb)


def test_cli_fails_on_a_leak_and_writes_nothing(tmp_path):
    leaky = tmp_path / "leaky.ipynb"
    leaky.write_text(json.dumps({"cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "```{solution} ex\nanswer\n```"}]}))
    assert make_student.main([str(leaky), "--out", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out" / "leaky.ipynb").exists()


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_student_version_runs_under_nbval(chapter, tmp_path):
    assert make_student.main([str(chapter), "--out", str(tmp_path)]) == 0
    env = {k: v for k, v in os.environ.items() if k != "OPTLIB_CHECK_STRICT"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q",
         "--rootdir", str(tmp_path), str(tmp_path / chapter.name)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
