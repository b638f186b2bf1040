"""Build the course site with every solution left out of the HTML (``make book SOLUTIONS=hidden``).

    python tools/hidden_site.py [--out _build/html]

A dropdown only folds a solution: its text is in the page for anyone who opens it or reads the
source. For a class that is graded on the exercises, this builds the same site from a copy of the book
in which every cell tagged ``solution`` is removed (the cells between ``{solution-start}`` and
``{solution-end}``, as tools/make_student.py does for the student notebooks), so the solutions are not
in the HTML at all. The exercises' checks then run on the starter code and show what a student meets
before answering.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_student import ROOT, without_solutions  # noqa: E402

COPIED = ("_config.yml", "_toc.yml", "_static", "book", "tools", "optlib")   # optlib: literalinclude


def copy_without_solutions(target: Path) -> None:
    """The book's sources in ``target``, every notebook without its solution cells."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__", "_build"))
        else:
            shutil.copy2(source, target / name)
    for path in (target / "book").glob("*.ipynb"):
        nb = json.loads(path.read_text())
        nb["cells"] = without_solutions(nb)          # raises if a solution's trace would remain
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    for path in (target / "book").glob("*.md"):
        if re.search(r"^\s*```\{solution", path.read_text(), re.M):
            raise SystemExit(f"{path.name}: a Markdown page has a solution; move it into a notebook cell "
                             "tagged 'solution'")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--work", type=Path, default=ROOT / "_build" / "hidden_src")
    args = parser.parse_args(argv)
    copy_without_solutions(args.work)
    jupyter_book = Path(sys.executable).with_name("jupyter-book")      # the environment's own command
    build = subprocess.run([str(jupyter_book), "build", str(args.work), "-W", "-n", "--keep-going"],
                           cwd=args.work)
    if build.returncode:
        return build.returncode
    if args.out.exists():
        shutil.rmtree(args.out)
    shutil.copytree(args.work / "_build" / "html", args.out)
    print(f"site without solutions in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
