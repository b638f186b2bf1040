"""Write book/exercises.md, the index of every exercise of the book, from the chapter notebooks.

    python tools/exercise_index.py            # rewrite book/exercises.md
    python tools/exercise_index.py --check    # exit 1 if it is out of date (tests/test_exercise_index.py)

One row per exercise: its chapter, its kind (code: starter code defines a function; exploration: it
uses a slider or explorer; otherwise a derivation or calculation), whether a check grades it, and its
first sentence, which says what it practises; the label links to the exercise.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "book" / "exercises.md"
EXERCISE = re.compile(r"```\{exercise\}\n:label: (\S+)\n\n(.*?)\n```", re.S)
CHECK = re.compile(r"check\.\w+\(")


def chapters() -> list[str]:
    """Chapter notebooks in the order of _toc.yml."""
    toc = (ROOT / "_toc.yml").read_text()
    names = re.findall(r"file: book/(\w+)", toc)
    return [name for name in names if (ROOT / "book" / f"{name}.ipynb").exists()]


def opening(text: str, shortest: int = 100) -> str:
    """The exercise's first sentences, at least ``shortest`` characters, display maths left out."""
    text = " ".join(re.sub(r"\$\$.*?\$\$", "…", text, flags=re.S).split())
    ends = [m.end() for m in re.finditer(r"(?<!\be\.g)(?<!\bi\.e)[.?!](\s|$)", text)]
    return next((text[:end].strip() for end in ends if end >= shortest), text)


def exercises(name: str) -> list[dict]:
    cells = json.loads((ROOT / "book" / f"{name}.ipynb").read_text())["cells"]
    found = []
    for i, cell in enumerate(cells):
        text = "".join(cell["source"])
        if cell["cell_type"] != "markdown":
            continue
        for label, body in EXERCISE.findall(text):
            following = []
            for later in cells[i + 1:]:
                later_text = "".join(later["source"])
                if later["cell_type"] == "markdown" and "{exercise}" in later_text:
                    break
                following.append(later)
            stub = next(("".join(c["source"]) for c in following
                         if "exercise-stub" in c.get("metadata", {}).get("tags", [])), "")
            checked = any(CHECK.search("".join(c["source"])) for c in following if c["cell_type"] == "code"
                          and "solution" not in c.get("metadata", {}).get("tags", []))
            kind = ("exploration" if "explore" in label or "slider" in body or "explorer" in body
                    else "code" if stub.lstrip().startswith("def ") else "derivation")
            found.append(dict(label=label, kind=kind, checked=checked, what=opening(body)))
    return found


def render() -> str:
    lines = ["# Exercises", "",
             "Every exercise of the book, by chapter. *Code* exercises start from a function to write; "
             "*derivations* ask for a result on paper and a number that a check compares; *explorations* use "
             "a chapter's sliders. Each label links to the exercise; the checks answer a wrong attempt with "
             "a hint, and `make grade` grades a class with them (see {doc}`teaching`).", ""]
    for name in chapters():
        found = exercises(name)
        if not found:
            continue
        lines += [f"## {{doc}}`{name}`", "", "| exercise | kind | checked | what it asks |",
                  "|---|---|---|---|"]
        lines += [f"| {{ref}}`{e['label']}` | {e['kind']} | {'yes' if e['checked'] else 'no'} | "
                  f"{e['what'].replace('|', '∣')} |" for e in found]
        lines.append("")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if book/exercises.md is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not TARGET.exists() or TARGET.read_text() != text:
            print("book/exercises.md is out of date: run python tools/exercise_index.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
