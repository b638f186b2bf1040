"""The prose states no number that the notebook does not compute, and every figure describes itself.

A number written after "≈", "\\approx" or "about" is a measured or derived figure: it must come from
a {glue} role (computed and asserted in a cell), not be typed, or it silently goes stale when the
code changes. Fractions and powers written as formulas ("about 1/(1 − ρ)") are not numbers.
"""

import json
import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parents[1] / "book"
GLUE = re.compile(r"\{glue(?::[a-z]+)?\}`[^`]*`")
TYPED = re.compile(r"(≈|\\approx|\babout)\s*\$?\s*[-−]?[0-9][0-9.,]*(e-?[0-9]+)?(?![0-9.,]*\s*[/^(])")


def typed_numbers(markdown: str) -> list[str]:
    """The numbers typed after ≈, \\approx or 'about' in ``markdown``, glue roles left out."""
    return [m.group(0).strip().rstrip(".,") for m in TYPED.finditer(GLUE.sub("", markdown))]


def test_the_pattern_catches_typed_numbers_and_spares_glue_and_formulas():
    assert typed_numbers(r"the rate is $\approx 0.4648$, or ≈ 7.0, about 60 steps") == [
        r"\approx 0.4648", "≈ 7.0", "about 60"]
    assert typed_numbers(r"$\approx$ {glue:text}`lr_max:.4f` and about {glue}`n` steps") == []
    assert typed_numbers(r"within about 1/(1 − ρ) steps, about $2^k$, about the learning rate") == []


@pytest.mark.parametrize("notebook", sorted(BOOK.glob("*.ipynb")), ids=lambda p: p.name)
def test_no_typed_numbers_in_a_chapters_markdown(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    found = [f"cell {i}: {number}" for i, cell in enumerate(cells) if cell["cell_type"] == "markdown"
             for number in typed_numbers("".join(cell["source"]))]
    assert not found, "numbers typed into the prose (glue and assert them): " + "; ".join(found)


@pytest.mark.parametrize("notebook", sorted(BOOK.glob("*.ipynb")), ids=lambda p: p.name)
def test_every_figure_is_shown_with_its_alt_text_from_the_run(notebook):
    """plt.show() and alt text typed into cell metadata skip the checks of ol.plotting.show (alt text
    written from the run's numbers, text large enough to read on the page)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    typed = [i for i, c in enumerate(cells) if "mystnb" in c.get("metadata", {})]
    bare = [i for i, c in enumerate(cells)
            if c["cell_type"] == "code" and "plt.show()" in "".join(c["source"])]
    assert not typed and not bare, f"cells with typed alt text {typed}, cells calling plt.show() {bare}"


@pytest.mark.parametrize("page", sorted(BOOK.glob("*.md")) + sorted(BOOK.glob("*.ipynb")),
                         ids=lambda p: p.name)
def test_no_control_characters_in_the_prose(page):
    """A TeX command written through a non-raw Python string loses its backslash: "\\theta" becomes a
    tab and "heta", "\\rho" a carriage return. The page then shows broken maths without an error."""
    if page.suffix == ".ipynb":
        cells = json.loads(page.read_text(encoding="utf-8"))["cells"]
        text = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    else:
        text = page.read_bytes().decode("utf-8")
    found = sorted({repr(ch) for ch in text if ord(ch) < 32 and ch != "\n"})
    assert not found, f"control characters in {page.name}: {found}"
