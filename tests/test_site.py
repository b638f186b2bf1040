"""Checks of the built website in a real browser (Debian's chromium driven by Playwright).

Run after `make book` (`make test` does both). Pages are served from _build/html on a loopback port;
the browser has no kernel, so everything interactive must work from the page alone.
"""

import contextlib
import functools
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
import yaml

pytestmark = pytest.mark.site

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
MAX_PAGE_BYTES = 3_000_000  # 3 MB, counted uncompressed
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The flags measured on these machines: no sandbox as root, and no background traffic to Google.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def toc_pages() -> list[str]:
    """Every page of _toc.yml, as a path under the site root (book/intro → book/intro.html)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return [f"{name}.html" for name in files]


def chapter_notebooks() -> list[str]:
    return [page for page in toc_pages() if (ROOT / page.replace(".html", ".ipynb")).exists()]


@contextlib.contextmanager
def serve(directory: Path = SITE):
    """Serve a directory on a loopback port; yields its URL (also used by tools/bench.py, screenshots.py)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def site_url():
    if not (SITE / "index.html").exists():
        pytest.fail("no built site in _build/html: run `make book` first")
    with serve(SITE) as url:
        yield url


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install chromium); .ci/run installs it")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageVisit:
    """A page opened in a fresh context (empty cache), with the console messages and the requests it made.

    ``init_script`` runs in the page before any of its own scripts (tools/bench.py times the maths with it).
    """

    def __init__(self, browser, url, width=1280, init_script=None):
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        if init_script:
            self.context.add_init_script(init_script)
        self.page = self.context.new_page()
        self.console, self.requests, self.responses, self.errors = [], [], [], []
        self.page.on("console", lambda m: self.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("response", lambda r: self.responses.append(r))
        self.page.goto(url, wait_until="networkidle")

    def bytes_loaded(self) -> int:
        """Bytes of every response the page needed: HTML, styles, scripts, fonts, images."""
        return sum(len(r.body()) for r in self.responses if r.status == 200)

    def off_site(self, site_url):
        own = urlparse(site_url).netloc
        return [u for u in self.requests if urlparse(u).scheme in ("http", "https")
                and urlparse(u).netloc != own]


@pytest.fixture
def visit(browser):
    opened = []

    def open_page(url, width=1280):
        opened.append(PageVisit(browser, url, width))
        return opened[-1]

    yield open_page
    for v in opened:
        v.context.close()


@pytest.mark.parametrize("page", toc_pages())
def test_page_loads_offline_with_maths_typeset(visit, site_url, page):
    v = visit(f"{site_url}/{page}")
    assert v.page.title(), f"{page} has no title"
    assert v.off_site(site_url) == [], f"{page} requested other hosts"
    text = v.page.inner_text("article")
    assert "$$" not in text and "\\begin{" not in text, f"raw TeX left on {page}"
    if v.page.locator("article .math").count():
        assert v.page.locator("article mjx-container").count() > 0, f"maths not typeset on {page}"
    assert "Traceback" not in text, f"a cell error was published on {page}"
    errors = [text for kind, text in v.console if kind == "error"] + v.errors
    assert errors == [], f"console errors on {page}"


# Every display equation: its typeset maths inside its box (no hidden scrolling) and clear of its number.
EQUATION_PROBLEMS = """() => [...document.querySelectorAll('article div.math')].flatMap(box => {
  const maths = box.querySelector('mjx-container mjx-math'), number = box.querySelector('.eqno');
  if (!maths) return [];
  const m = maths.getBoundingClientRect(), b = box.getBoundingClientRect(), problems = [];
  const name = (box.id || box.textContent).slice(0, 40);
  if (m.left < b.left - 1 || m.right > b.right + 1) problems.push(`${name}: wider than its box`);
  if (m.right > document.documentElement.clientWidth + 1) problems.push(`${name}: past the screen's edge`);
  if (number) {
    const n = number.getBoundingClientRect();
    const overlap = m.right > n.left + 1 && m.left < n.right && m.bottom > n.top && m.top < n.bottom;
    if (overlap) problems.push(`${name}: runs into its number ${number.textContent.trim()}`);
  }
  return problems;
})"""


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("page", toc_pages())
def test_every_display_equation_fits_its_box(visit, site_url, page, width):
    v = visit(f"{site_url}/{page}", width=width)
    v.page.wait_for_function("() => !window.MathJax || !MathJax.startup || MathJax.startup.promise")
    v.page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
    problems = v.page.evaluate(EQUATION_PROBLEMS)
    assert problems == [], f"display equations on {page} at {width} px:\n" + "\n".join(problems)


@pytest.mark.parametrize("width", [1280, 390])
def test_notation_tables_show_the_optlib_column(visit, site_url, width):
    """The point of the notation page is the mapping onto optlib: that column must be on screen."""
    v = visit(f"{site_url}/book/notation.html", width=width)
    hidden = v.page.evaluate("""(width) => [...document.querySelectorAll('article table')].flatMap(t => {
        const heads = [...t.querySelectorAll('th')];
        const column = heads.findIndex(th => th.textContent.includes('optlib'));
        if (column < 0) return ['a table without an optlib column'];
        const cells = [...t.querySelectorAll('tbody tr')].map(row => row.children[column]);
        const off = cells.filter(c => { const r = c.getBoundingClientRect();
                                         return r.left < 0 || r.right > width + 1; });
        return off.length ? [heads[0].textContent + ': ' + off[0].textContent.slice(0, 40)] : [];
    })""", width)
    assert hidden == [], f"optlib column off screen at {width} px in tables: {hidden}"


@pytest.mark.parametrize("page", toc_pages())
def test_page_weight_is_below_3_mb(visit, site_url, page):
    v = visit(f"{site_url}/{page}")
    weight = v.bytes_loaded()
    print(f"{page}: {weight / 1e6:.2f} MB")
    assert weight < MAX_PAGE_BYTES, f"{page} weighs {weight / 1e6:.2f} MB"


@pytest.mark.parametrize("page", toc_pages())
def test_no_serious_accessibility_violations(visit, site_url, page):
    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm ci); `make test` installs it")
    v = visit(f"{site_url}/{page}")
    v.page.add_script_tag(path=str(AXE))
    violations = v.page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
             .filter(x => x.impact === 'critical' || x.impact === 'serious')
             .map(x => `${x.id} (${x.impact}): ${x.nodes.map(n => n.target.join(' ')).join(', ')}`)""")
    assert violations == [], f"axe on {page}:\n" + "\n".join(violations)


@pytest.mark.parametrize("page", chapter_notebooks())
def test_download_button_gives_the_student_notebook(visit, site_url, page):
    v = visit(f"{site_url}/{page}")
    href = v.page.locator('a[href$=".ipynb"]').first.get_attribute("href")
    notebook = v.page.request.get(urljoin(f"{site_url}/{page}", href))
    assert notebook.ok and notebook.json()["nbformat"] == 4
    cells = notebook.json()["cells"]
    tags = [tag for cell in cells for tag in cell["metadata"].get("tags", [])]
    text = "".join("".join(cell["source"]) for cell in cells)
    assert "exercise-stub" in tags and "solution" not in tags, "the download must be the student version"
    assert "{glue" not in text and "{cite}" not in text and "{exercise}" not in text


@pytest.mark.parametrize("page", chapter_notebooks())
def test_explorers_fit_a_phone_screen(visit, site_url, page):
    v = visit(f"{site_url}/{page}", width=390)
    for image in v.page.locator(".optlib-explorer img").all():
        image.scroll_into_view_if_needed()
        box = image.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, "explorer figure wider than the screen"
        assert box["width"] > 300, "explorer figure shrunk too far to read"
    assert v.page.evaluate("document.scrollingElement.scrollWidth") <= 390 + 1


@pytest.mark.parametrize("page", chapter_notebooks())
def test_no_dead_ipywidgets_on_the_site(visit, site_url, page):
    v = visit(f"{site_url}/{page}")
    html = v.page.content()
    assert "application/vnd.jupyter.widget" not in html
    assert v.page.locator(".jupyter-widgets, .widget-slider").count() == 0


@pytest.mark.parametrize("page", chapter_notebooks())
def test_every_explorer_slider_changes_the_figure(visit, site_url, page):
    v = visit(f"{site_url}/{page}")
    explorers = v.page.locator(".optlib-explorer")
    assert explorers.count() > 0, f"{page} has no slider explorer"
    for i in range(explorers.count()):
        explorer = explorers.nth(i)
        image, caption = explorer.locator("img"), explorer.locator(".optlib-caption")
        drawing = explorer.locator("svg")
        for j in range(explorer.locator('input[type="range"]').count()):
            slider = explorer.locator('input[type="range"]').nth(j)
            label = explorer.locator(f'label[for="{slider.get_attribute("id")}"]')
            assert label.inner_text().strip(), "every slider has a visible label"
            before = (drawing.inner_html(), image.get_attribute("alt"), caption.inner_text())
            slider.focus()
            at_end = slider.get_attribute("value") == slider.get_attribute("max")
            slider.press("Home" if at_end else "End")  # keyboard, as a reader without a mouse would
            after = (drawing.inner_html(), image.get_attribute("alt"), caption.inner_text())
            assert after[0] != before[0], f"slider {j} of explorer {i} did not change the figure"
            assert after[1] and after[1] != before[1] and after[2] == after[1]
            value_text = slider.get_attribute("aria-valuetext")
            output = explorer.locator(f'output[for="{slider.get_attribute("id")}"]').inner_text()
            assert value_text.endswith(f"= {output}")


def test_every_image_has_alt_text(visit, site_url):
    for page in toc_pages():
        v = visit(f"{site_url}/{page}")
        poor = v.page.eval_on_selector_all(
            "article img",
            "imgs => imgs.map(i => (i.alt || '').trim())"
            "  .filter(a => a.length < 30 || /\\.(png|svg|jpe?g)$/i.test(a) || a.startsWith('<'))")
        assert poor == [], f"images without a meaningful alt text on {page}: {poor}"
