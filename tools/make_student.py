"""Write the student version of chapter notebooks.

    python tools/make_student.py book/*.ipynb --out student [--glue _build/jupyter_execute/book]

For each notebook: cells tagged ``solution`` are removed, starter code (``exercise-stub``) is kept,
an answer cell follows every exercise that has no starter code, outputs are cleared, and the MyST
that only Jupyter Book renders (exercise boxes, glued numbers, citations, equation numbers, included
code) is rewritten as plain Markdown (tools/myst_plain.py), so the notebook reads the same in any
Jupyter. Glued numbers come from the site build (``--glue``); without it the notebook is executed
once to compute them. The script fails, writing nothing for that notebook, if any trace of a
solution or of MyST survives. The website's download button serves these versions (book/_ext).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from myst_plain import ROOT, Plainer, chapter_numbers  # noqa: E402

SOLUTION_TAG = "solution"
STUB_TAG = "exercise-stub"
ANSWER_TAG = "answer"
SOLUTION_TRACES = ("{solution", "solution-start", "solution-end")
ANSWER_CELL = "**Your answer.** Double-click this cell and write your answer here."
GLUE_DIR = ROOT / "_build" / "jupyter_execute" / "book"


class SolutionLeakError(Exception):
    pass


def source(cell) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def glue_values(path: Path, glue_dir: Path | None = GLUE_DIR) -> dict:
    """{name: mime data} of every glued value: from the site build if it ran, else by executing."""
    cached = glue_dir / f"{path.stem}.glue.json" if glue_dir else None
    if cached and cached.exists():
        return {name: output["data"] for name, output in json.loads(cached.read_text()).items()}
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    glued = [output for cell in nb.cells if cell.cell_type == "code" for output in cell.get("outputs", [])
             if "scrapbook" in output.get("metadata", {})]
    # glue(..., display=False) files its data under a prefix, "application/papermill.record/text/plain"
    return {out.metadata.scrapbook.name: {mime.removeprefix(out.metadata.scrapbook.mime_prefix): data
                                          for mime, data in out.data.items()} for out in glued}


def bibliography() -> dict:
    from pybtex.database import parse_file

    return parse_file(str(ROOT / "book" / "references.bib")).entries


def markdown_cell(text: str, tags: list[str]) -> dict:
    return {"cell_type": "markdown", "metadata": {"tags": tags}, "source": text}


def without_solutions(nb: dict) -> list[dict]:
    """Deep copies of the cells not tagged ``solution``; SolutionLeakError if a solution trace remains."""
    kept = [json.loads(json.dumps(c)) for c in nb["cells"]  # copies: the book is left as it is
            if SOLUTION_TAG not in c.get("metadata", {}).get("tags", [])]
    for i, cell in enumerate(kept):
        leaked = [t for t in SOLUTION_TRACES if t in source(cell)]
        if leaked:
            raise SolutionLeakError(f"cell {i} still contains {leaked}: tag it '{SOLUTION_TAG}':\n"
                                    f"{source(cell)[:200]}")
    return kept


def student_version(nb: dict, stem: str, glue: dict, bib: dict | None = None) -> dict:
    """The notebook without solutions or outputs, in plain Markdown; raises SolutionLeakError on a leak."""
    kept = without_solutions(nb)
    plainer = Plainer(chapter_numbers().get(stem), glue, bib if bib is not None else bibliography())
    plainer.scan([source(c) for c in kept if c["cell_type"] == "markdown"])
    cells = []
    for i, cell in enumerate(kept):
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
            cells.append(cell)
            continue
        text = source(cell)
        cell["source"] = plainer.rewrite(text)
        left = Plainer.check(cell["source"])
        if left:
            raise SolutionLeakError(f"cell {i} still contains MyST that Jupyter cannot render: {left}")
        cells.append(cell)
        following = kept[i + 1] if i + 1 < len(kept) else {}
        if "{exercise}" in text and STUB_TAG not in following.get("metadata", {}).get("tags", []):
            cells.append(markdown_cell(ANSWER_CELL, [ANSWER_TAG]))
    # the grader (tools/grade.py) tells a renamed submission's chapter from this
    return {**nb, "metadata": {**nb.get("metadata", {}), "optlib": {"chapter": stem}}, "cells": cells}


def write_student(path: Path, target: Path, glue_dir: Path | None = GLUE_DIR) -> None:
    book = json.loads(path.read_text())
    without_solutions(book)  # refuse a leak before spending time on executing the notebook
    nb = student_version(book, path.stem, glue_values(path, glue_dir))
    target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("student"))
    parser.add_argument("--glue", type=Path, default=GLUE_DIR,
                        help="folder of the site build's <chapter>.glue.json files")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for path in args.notebooks:
        try:
            write_student(path, args.out / path.name, args.glue)
        except SolutionLeakError as leak:
            print(f"{path}: {leak}", file=sys.stderr)
            failed += 1
            continue
        print(f"{path} -> {args.out / path.name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
