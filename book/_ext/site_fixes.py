"""Fixes to the theme's HTML, applied when the site is built (a local Sphinx extension).

Each fix answers a finding of the site tests (tests/test_site.py), not a matter of taste:

* Inline scripts (sphinx-thebe's configuration, sphinx-togglebutton's selector) are added twice,
  and the second copy of thebe's throws "Identifier 'THEBE_JS_URL' has already been declared" in
  the console: keep one copy of each.
* The theme loads FontAwesome twice, as a webfont from its CSS and as a 1.5 MB script that swaps
  icons for SVGs. The webfont alone draws every icon; dropping the script halves the page weight.
* Code: pygments wraps every name, punctuation mark and space of a code cell in its own
  ``<span>``, though the theme gives those three token kinds exactly the text colour of the code
  block in both colour modes; unwrapping them changes no pixel and takes a fifth off a chapter page.
* Figures: matplotlib's PNGs are full colour, but a plot has few colours; a 128-colour palette
  looks the same and weighs a third as much (every page stays under 3 MB).
* Accessibility (axe-core): the search buttons' aria-label "Search" hides their visible text
  "Search Ctrl+K"; the icons inside the colour-mode button are decorative; bibliography entries
  use the deprecated role "doc-biblioentry" inside a role="list" that needs "listitem" children.
* The download button serves the student version of each chapter (tools/make_student.py): a reader
  who downloads and runs it meets starter code, not the solutions, and plain Markdown that any
  Jupyter renders, with the numbers this build computed.
* MathJax: sphinx-mathjax-offline points every page at the combined ``tex-chtml.js`` (1.16 MB, of
  which 426 kB is the contextual menu). ``startup.js`` with the components that ``mathjax3_config``
  lists in ``_config.yml`` typesets the same maths and keeps the assistive MathML, 0.4 MB lighter.
* Verdicts under exercises: the site runs each folded solution, so a check cell below a stub prints
  "✔"; a line before that output says it is the verdict on the solution, not on the stub.
* Alt text from the run: ``optlib.plotting.show(fig, alt)`` puts a figure's description in the
  output's metadata, which myst-nb ignores (it reads alt text only from cell metadata, where it
  would be typed by hand): the image renderer is wrapped to copy it onto the ``<img>``.
"""

import functools
import io
import re
import sys
from pathlib import Path

from docutils import nodes
from myst_nb.core.render import NbElementRenderer
from PIL import Image

from optlib.plotting import palette_png

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import make_student  # noqa: E402

FONTAWESOME_JS = re.compile(r'[ \t]*<(?:script defer src|link rel="preload" as="script" href)='
                            r'"[^"]*scripts/fontawesome\.js[^"]*"[^>]*>(?:</script>)?\n?')
SEARCH_BUTTON_LABEL = re.compile(
    r'(<button class="[^"]*search-button__button[^"]*"[^>]*?) aria-label="[^"]*"')
DECORATIVE_ICON = re.compile(r'<i class="(theme-switch fa-[^"]*)"')
# Token kinds the theme's pygments styles colour like plain code text: names, punctuation, spaces.
PLAIN_TOKEN = re.compile(r'<span class="[npw]">([^<]*)</span>')
CHECK_CALL = re.compile(r"^\s*(?:ol\.)?check\.\w+\(")
VERDICT_NOTE = "The check, run on the folded solution when this page was built:"


def polish(page: str) -> str:
    """The HTML of one page with the fixes above applied."""
    page = FONTAWESOME_JS.sub("", page)
    page = SEARCH_BUTTON_LABEL.sub(r"\1", page)
    page = DECORATIVE_ICON.sub(r'<i aria-hidden="true" class="\1"', page)
    page = PLAIN_TOKEN.sub(r"\1", page)
    return page.replace('role="doc-biblioentry"', 'role="listitem"')


def _unique_scripts(app, pagename, templatename, context, doctree):
    seen, kept = set(), []
    for script in context.get("script_files", []):
        # Inline scripts arrive twice, once with filename None and once with "": same script.
        key = (getattr(script, "filename", script) or "",
               tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


def _polish_pages(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        fixed = polish(text)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")
    glue = out.parent / "jupyter_execute" / "book"
    for download in (out / "_sources" / "book").glob("*.ipynb"):
        make_student.write_student(Path(app.srcdir) / "book" / download.name, download, glue)
    for leftover in (out / "_static" / "scripts").glob("fontawesome.js*"):
        leftover.unlink()
    for figure in (out / "_images").glob("*.png"):
        smaller = palette_png(Image.open(io.BytesIO(figure.read_bytes())), 128, optimize=True)
        if len(smaller) < figure.stat().st_size:
            figure.write_bytes(smaller)


def alt_from_output(render_image):
    """Wrap myst-nb's image renderer so that an output's own ``alt`` metadata reaches the page."""

    @functools.wraps(render_image)
    def render(self, data):
        image_nodes = render_image(self, data)
        alt = data.output_metadata.get(data.mime_type, {}).get("alt")
        if alt:
            for node in image_nodes:
                node["alt"] = str(alt)
        return image_nodes

    render.wraps_alt = True
    return render


def label_verdicts(app, doctree) -> None:
    """Put VERDICT_NOTE before the ✔ output of every check cell (the solution above it ran)."""
    for cell in doctree.findall(nodes.container):
        if cell.get("nb_element") != "cell_code":
            continue
        parts = {child.get("nb_element"): child for child in cell.children}
        source, output = parts.get("cell_code_source"), parts.get("cell_code_output")
        if source and output and CHECK_CALL.match(source.astext()) and "✔" in output.astext():
            output.insert(0, nodes.paragraph(text=VERDICT_NOTE, classes=["optlib-verdict-note"]))


def _mathjax_components(app, config):
    """After every extension's setup (sphinx-mathjax-offline sets the combined file in its own)."""
    config.mathjax_path = "mathjax/startup.js"


def setup(app):
    app.connect("config-inited", _mathjax_components)
    app.connect("doctree-read", label_verdicts)
    if not getattr(NbElementRenderer.render_image, "wraps_alt", False):
        NbElementRenderer.render_image = alt_from_output(NbElementRenderer.render_image)
    app.connect("html-page-context", _unique_scripts, priority=900)  # after sphinx-thebe adds its copy
    app.connect("build-finished", _polish_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
