"""The HTML fixes applied at build time (book/_ext/site_fixes.py)."""

import io
import sys
from pathlib import Path

import numpy as np
from docutils import nodes
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
import site_fixes  # noqa: E402

PAGE = """<head>
    <link rel="preload" as="script" href="../_static/scripts/fontawesome.js?digest=abc" />
    <script defer src="../_static/scripts/fontawesome.js?digest=abc"></script>
    <script src="../_static/scripts/bootstrap.js?digest=abc"></script>
</head>
<button class="btn search-button__button" title="Search" aria-label="Search" x>
<i class="theme-switch fa-solid fa-sun fa-lg" data-mode="light" title="Light"></i>
<div role="list" class="citation-list"><div class="citation" id="a" role="doc-biblioentry">A</div></div>
"""


def test_polish_drops_fontawesome_script_and_fixes_roles_and_labels():
    fixed = site_fixes.polish(PAGE)
    assert "fontawesome.js" not in fixed and "bootstrap.js" in fixed
    assert 'aria-label="Search"' not in fixed and 'title="Search"' in fixed
    assert '<i aria-hidden="true" class="theme-switch fa-solid fa-sun fa-lg"' in fixed
    assert 'role="listitem"' in fixed and "doc-biblioentry" not in fixed


def test_polish_unwraps_code_tokens_coloured_like_plain_text():
    code = ('<pre><span class="n">x</span><span class="w"> </span><span class="o">=</span>'
            '<span class="w"> </span><span class="n">np</span><span class="o">.</span><span class="n">zeros'
            '</span><span class="p">(</span><span class="mi">3</span><span class="p">)</span></pre>')
    assert site_fixes.polish(code) == ('<pre>x <span class="o">=</span> np<span class="o">.</span>zeros('
                                       '<span class="mi">3</span>)</pre>')


def test_polish_leaves_other_pages_alone():
    other = '<p>no theme parts here <a aria-label="Search">x</a></p>'
    assert site_fixes.polish(other) == other


def test_palette_png_keeps_the_picture():
    rng = np.random.default_rng(0)
    pixels = np.full((60, 80, 3), 255, np.uint8)
    pixels[20:40, 10:70] = [0, 114, 178]                    # a blue band, as in a plot
    pixels[rng.integers(0, 60, 200), rng.integers(0, 80, 200)] = [230, 159, 0]
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="png")
    smaller = site_fixes.palette_png(Image.open(buffer), 128)
    back = np.asarray(Image.open(io.BytesIO(smaller)).convert("RGB")).astype(int)
    assert np.abs(back - pixels).max() <= 8


def test_extension_connects_its_fixes():
    class App:
        def __init__(self):
            self.events = []

        def connect(self, event, handler, priority=500):
            self.events.append(event)

    app = App()
    metadata = site_fixes.setup(app)
    assert set(app.events) == {"config-inited", "doctree-read", "html-page-context", "build-finished"}
    assert metadata["parallel_read_safe"]


def _cell(source: str, output: str) -> nodes.container:
    cell = nodes.container(nb_element="cell_code")
    cell += nodes.container("", nodes.literal_block(text=source), nb_element="cell_code_source")
    cell += nodes.container("", nodes.literal_block(text=output), nb_element="cell_code_output")
    return cell


def test_a_checks_tick_on_the_site_says_it_judged_the_solution():
    doctree = nodes.section()
    doctree += _cell("ol.check.sgd_epoch(sgd_epoch)", "✔ sgd_epoch: correct")
    doctree += _cell("ol.check.sgd_epoch(sgd_epoch)", "✘ sgd_epoch: replace `...` with your answer.")
    doctree += _cell("print('✔')", "✔")
    site_fixes.label_verdicts(None, doctree)
    notes = [cell.astext().count(site_fixes.VERDICT_NOTE) for cell in doctree.children]
    assert notes == [1, 0, 0]


def test_alt_text_in_an_outputs_metadata_reaches_the_image():
    class Data:
        mime_type = "image/png"
        output_metadata = {"image/png": {"alt": "A parabola with five iterates on it."}}

    def render_image(self, data):
        return [{"uri": "figure.png"}]

    nodes = site_fixes.alt_from_output(render_image)(None, Data())
    assert nodes == [{"uri": "figure.png", "alt": "A parabola with five iterates on it."}]
    Data.output_metadata = {}
    assert site_fixes.alt_from_output(render_image)(None, Data()) == [{"uri": "figure.png"}]


def test_palette_png_keeps_the_books_colours_even_on_a_few_pixels():
    """A legend swatch covers a few pixels; a plain median cut merged such colours into grey."""
    from optlib.plotting import PALETTE

    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (80, 120, 3)).astype(np.uint8)  # many other colours
    for i, colour in enumerate(PALETTE):
        pixels[2 + 3 * i, 2:5] = [int(colour[j:j + 2], 16) for j in (1, 3, 5)]  # three pixels each
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="png")
    back = np.asarray(Image.open(io.BytesIO(site_fixes.palette_png(Image.open(buffer), 64))).convert("RGB"))
    for i, colour in enumerate(PALETTE):
        assert back[2 + 3 * i, 3].tolist() == [int(colour[j:j + 2], 16) for j in (1, 3, 5)], colour
