"""The site without solutions (make book SOLUTIONS=hidden): no solution's text is in any page, while
the exercises and their starter code still are."""

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.site


def page_text(path: Path) -> str:
    """The visible text of a page: tags dropped, entities decoded, whitespace collapsed."""
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", path.read_text(), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", raw)).split())


def solution_lines(nb: dict) -> list[str]:
    """Distinctive lines of the cells tagged solution: long enough not to occur by chance, and found
    nowhere else (not in the starter code or the text, nor in optlib's sources that pages include)."""
    def lines_of(text):
        return {" ".join(line.split()) for line in text.splitlines() if len(line.strip()) > 30}

    elsewhere = set().union(*(lines_of(p.read_text()) for p in (ROOT / "optlib").rglob("*.py")))
    solution = set()
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if "solution" in cell.get("metadata", {}).get("tags", []):
            solution |= {line for line in lines_of(text) if "{solution" not in line and "{glue" not in line}
        else:
            elsewhere |= lines_of(text)
    return sorted(solution - elsewhere)


@pytest.fixture(scope="module")
def hidden_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("hidden") / "html"
    subprocess.run([sys.executable, str(ROOT / "tools" / "hidden_site.py"), "--out", str(out),
                    "--work", str(out.parent / "src")], check=True, capture_output=True, timeout=3000)
    return out


@pytest.mark.parametrize("chapter", sorted(p.stem for p in (ROOT / "book").glob("*.ipynb")))
def test_no_solution_text_in_the_page(hidden_site, chapter):
    nb = json.loads((ROOT / "book" / f"{chapter}.ipynb").read_text())
    page = (hidden_site / "book" / f"{chapter}.html")
    text, source = page_text(page), page.read_text()
    lines = solution_lines(nb)
    assert lines, "the chapter has solutions to look for"
    leaked = [line for line in lines if line in text]
    assert not leaked, leaked[:3]
    assert 'class="solution' not in source and "solution-content" not in source
    labels = re.findall(r":label: (\S+)", "".join("".join(c["source"]) for c in nb["cells"]
                                                   if "{exercise}" in "".join(c["source"])))
    assert labels and all(f'id="{label}"' in source for label in labels)   # the exercises remain
