"""Write the student version of chapter notebooks.

    python tools/make_student.py book/*.ipynb --out student

For each notebook: cells tagged ``solution`` are removed, starter code (``exercise-stub``) is kept,
MyST ``{exercise}`` fences become plain Markdown that Jupyter renders, and outputs are cleared. The
script fails, writing nothing for that notebook, if any trace of a solution survives.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

SOLUTION_TAG = "solution"
# A fenced exercise: ```{exercise} Optional title / :option: lines / body / closing fence.
EXERCISE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{exercise\}[ \t]*(?P<title>[^\n]*)\n"
    r"(?P<options>(?:[ \t]*:[\w-]+:[^\n]*\n)*)"
    r"(?P<body>.*?)\n?^(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
SOLUTION_TRACES = ("{solution", "solution-start", "solution-end")


class SolutionLeakError(Exception):
    pass


def source(cell) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def plain_exercises(text: str, counter: list[int]) -> str:
    """Rewrite each {exercise} fence as '**Exercise n** (title)' followed by its body."""

    def rewrite(match):
        counter[0] += 1
        title = match["title"].strip()
        heading = f"**Exercise {counter[0]}**" + (f" ({title})" if title else "")
        return f"{heading}\n\n{match['body'].strip()}"

    return EXERCISE.sub(rewrite, text)


def student_version(nb: dict) -> dict:
    """The notebook without solutions or outputs; raises SolutionLeakError if a solution survives."""
    cells, counter = [], [0]
    for cell in nb["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if SOLUTION_TAG in tags:
            continue
        cell = json.loads(json.dumps(cell))  # a deep copy: the book's notebook is left as it is
        if cell["cell_type"] == "markdown":
            cell["source"] = plain_exercises(source(cell), counter)
        elif cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
    for i, cell in enumerate(cells):
        leaked = [t for t in SOLUTION_TRACES if t in source(cell)]
        if leaked or "{exercise}" in source(cell):
            raise SolutionLeakError(f"cell {i} still contains {leaked or ['{exercise}']}: tag it "
                               f"'{SOLUTION_TAG}' or fix the fence:\n{source(cell)[:200]}")
    return {**nb, "cells": cells}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("student"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for path in args.notebooks:
        try:
            nb = student_version(json.loads(path.read_text()))
        except SolutionLeakError as leak:
            print(f"{path}: {leak}", file=sys.stderr)
            failed += 1
            continue
        target = args.out / path.name
        target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        print(f"{path} -> {target}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
