"""The student version of every chapter: no solution survives, every piece of MyST is resolved into
Markdown that any Jupyter renders, every exercise has a place for the answer, and it runs top to bottom.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import make_student  # noqa: E402
from myst_plain import Plainer, chapter_numbers, glue_text  # noqa: E402

CHAPTERS = sorted((ROOT / "book").glob("*.ipynb"))


def text_of(nb, kind="markdown"):
    return "\n".join(make_student.source(c) for c in nb["cells"] if c["cell_type"] == kind)


@pytest.fixture(scope="module")
def students(tmp_path_factory):
    """{chapter stem: (book notebook, student notebook, glue values)}, each chapter executed once."""
    out, made = tmp_path_factory.mktemp("student"), {}
    for chapter in CHAPTERS:
        glue = make_student.glue_values(chapter)
        book = json.loads(chapter.read_text())
        student = make_student.student_version(book, chapter.stem, glue)
        (out / chapter.name).write_text(json.dumps(student))
        made[chapter.stem] = (book, student, glue)
    return out, made


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_student_version_keeps_stubs_and_drops_solutions(chapter, students):
    book, student, _ = students[1][chapter.stem]
    text = text_of(student) + text_of(student, "code")
    solutions = [make_student.source(c) for c in book["cells"] if "solution" in c["metadata"].get("tags", [])]
    stubs = [make_student.source(c) for c in book["cells"]
             if "exercise-stub" in c["metadata"].get("tags", [])]
    assert solutions and stubs, "every chapter has exercises with stubs and solutions"
    assert all(solution not in text for solution in solutions)
    assert all(stub in text for stub in stubs)
    assert all(c.get("outputs", []) == [] for c in student["cells"] if c["cell_type"] == "code")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_student_version_is_plain_markdown_with_the_sites_numbers(chapter, students):
    book, student, glue = students[1][chapter.stem]
    text = text_of(student)
    assert Plainer.check(text) == []
    number = chapter_numbers()[chapter.stem]
    exercises = re.findall(rf"\*\*Exercise {number}\.(\d+)\*\*", text)
    assert [int(n) for n in exercises] == list(range(1, text_of(book).count("{exercise}") + 1))
    kept = {"cells": [c for c in book["cells"] if "solution" not in c["metadata"].get("tags", [])]}
    for key, spec in re.findall(r"\{glue:text\}`([^`:]+):?([^`]*)`", text_of(kept)):
        assert glue_text(glue[key], spec) in text, key


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_exercise_has_starter_code_or_an_answer_cell(chapter, students):
    cells = students[1][chapter.stem][1]["cells"]
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "markdown" and "**Exercise " in make_student.source(cell):
            tags = cells[i + 1]["metadata"].get("tags", [])
            assert "exercise-stub" in tags or "answer" in tags, make_student.source(cell)[:80]


def test_myst_is_rewritten_as_the_website_shows_it():
    plainer = Plainer(chapter=5, glue={"rate": {"text/plain": "0.8181818"}},
                      bib=make_student.bibliography())
    text = ("$$\nx = 1\n$$ (first)\n\n$$\ny = 2\n$$\n\n$$\nz = 3\n$$ (third)\n\n"
            "See {eq}`third`, a rate of {glue:text}`rate:.3f` {cite}`polyak1964some,goh2017why`, "
            "{cite:t}`nesterov2004introductory` and the {doc}`notation` page.\n\n"
            "```{literalinclude} ../optlib/optimizers.py\n:pyobject: SGD\n```")
    plainer.scan([text])
    plain = plainer.rewrite(text)
    assert "x = 1\n\\tag{5.1}\n$$" in plain and "y = 2\n$$" in plain and "\\tag{5.2}" in plain
    assert "See (5.2), a rate of 0.818 (Polyak, 1964; Goh, 2017), Nesterov (2004)" in plain
    assert "the *Notation* page" in plain and "class SGD(Optimizer):" in plain
    assert Plainer.check(plain) == [] and Plainer.check("{unknown}`x`") == ["{unknown}`x`"]


def test_theorems_proofs_and_section_references_become_plain_markdown():
    plainer = Plainer(chapter=1, glue={}, bib={})
    text = ("(sec-rates)=\n## Rates\n\n```{prf:theorem} Descent\n:label: thm-descent\n\nf falls.\n```\n\n"
            "```{prf:proof}\nBy Taylor.\n```\n\n```{prf:algorithm} GD\n:label: alg-gd\n\nStep.\n```\n\n"
            "See {prf:ref}`thm-descent`, {prf:ref}`alg-gd` and {ref}`sec-rates`.")
    plainer.scan([text])
    plain = plainer.rewrite(text)
    assert "**Theorem 1.1** (Descent)\n\nf falls." in plain and "*Proof.* By Taylor. ∎" in plain
    assert "**Algorithm 1.1** (GD)" in plain and "See Theorem 1.1, Algorithm 1.1 and *Rates*." in plain
    assert "(sec-rates)=" not in plain and Plainer.check(plain) == []


def test_included_code_follows_the_options_as_sphinx_does():
    from myst_plain import included

    optimizers = ROOT / "optlib" / "optimizers.py"
    code = included(optimizers, {"pyobject": "Momentum", "start-at": '"lr: float = 0.01"',
                                 "prepend": '"class Momentum(Optimizer):"'})
    assert code.splitlines()[:2] == ["class Momentum(Optimizer):", "    lr: float = 0.01"]
    assert '"""' not in code and "def _update" in code
    head = included(optimizers, {"pyobject": "SGD", "lines": "1-2"})
    assert head.splitlines()[0] == "@dataclass" and len(head.splitlines()) == 2


def test_an_untagged_solution_is_refused():
    nb = {"cells": [{"cell_type": "markdown", "metadata": {},
                     "source": "```{solution-start} ex\n:class: dropdown\n```"}]}
    with pytest.raises(make_student.SolutionLeakError, match="solution-start"):
        make_student.student_version(nb, "leaky", glue={}, bib={})


def test_cli_fails_on_a_leak_and_writes_nothing(tmp_path):
    leaky = tmp_path / "leaky.ipynb"
    leaky.write_text(json.dumps({"cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "```{solution} ex\nanswer\n```"}]}))
    assert make_student.main([str(leaky), "--out", str(tmp_path / "out"), "--glue", str(tmp_path)]) == 1
    assert not (tmp_path / "out" / "leaky.ipynb").exists()


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_student_version_runs_under_nbval(chapter, students):
    folder = students[0]
    env = {k: v for k, v in os.environ.items() if k != "OPTLIB_CHECK_STRICT"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q",
         "--rootdir", str(folder), str(folder / chapter.name)],
        cwd=folder, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
