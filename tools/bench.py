"""`make bench`: what readers and students wait for, measured in one run and marked against budgets.

    python tools/bench.py [--only sliders,explorers,notebooks,book,pages,maths,optimizers]
                          [--skip-book] [--strict] [--out _build/bench]

Rows (each item is marked ✔ within its budget, ✘ over it, – not measured, · reported without a budget):

sliders     every slider demo of the chapters, live: recompute + redraw + PNG encode, in this process,
            median and 90th percentile over the slider grid (at most 200 points).  Median ≤ 30 ms.
explorers   every explorer of the built site, in headless chromium: an input event handled and the
            layout done (the script's forced reflow), every frame position of every slider.  p90 ≤ 16 ms.
notebooks   every chapter notebook in a fresh kernel, once without OMP_NUM_THREADS/OPENBLAS_NUM_THREADS
            (as a student's Jupyter) and once in make's environment (both set to 1).  ≤ 30 s each.
book        a clean `make book` (it removes _build first; _build/html is then the site measured).  ≤ 5 min.
pages       every page of the site in chromium, fresh cache: bytes of the page and everything it loads,
            and the number of requests.  ≤ 3 MB.
maths       every page: navigation → MathJax.startup.promise resolved (maths typeset), fresh cache,
            served on loopback; a page without client-side maths counts its load event.  ≤ 1 s.
optimizers  one step of each first-order method of optlib at 10⁶ and 10⁷ float64 parameters, as a ratio
            to a reference loop of in-place numpy operations (``out=``).  Adam ≤ 1.5×; the rest reported.

Writes <out>/report.md and <out>/report.json and prints the table (--merge keeps the earlier report's
rows for the parts not measured in this run). The exit status is 0 whatever the
figures (a benchmark reports; the marks say what is over budget); --strict exits 1 on any ✘.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("MPLBACKEND", "Agg")
# make's environment (see the Makefile) when run on its own; set before numpy loads its BLAS.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "JUPYTER_PREFER_ENV_PATH"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tools"))

import optlib as ol  # noqa: E402
from optlib.plotting import DemoFigure  # noqa: E402

# what: (title, how it is judged, budget, unit of the figure compared)
SECTIONS = {
    "sliders": ("live slider update, every demo", "median ≤ 30 ms", 30.0, "ms"),
    "explorers": ("explorer frame switch, every explorer", "p90 ≤ 16 ms", 16.0, "ms"),
    "notebooks": ("each chapter notebook", "≤ 30 s", 30.0, "s"),
    "book": ("the whole book (clean make book)", "≤ 5 min", 300.0, "s"),
    "pages": ("page weight, every page", "≤ 3 MB", 3.0, "MB"),
    "maths": ("maths typeset, every page", "≤ 1 s", 1.0, "s"),
    "optimizers": ("optimizer step vs in-place reference", "Adam ≤ 1.5×", 1.5, "×"),
}
NOTES = """Sliders and explorers: median / 90th percentile. Optimizers: optlib's step over a reference loop
of in-place numpy operations (`out=`), fastest of several steps each; the budget is Adam's (the issue's), the
other methods are reported: every step returns a new array, whose first touch the in-place reference
never pays (it dominates SGD's two passes at 10⁷). Explorers: input event dispatched to layout done."""
MAX_GRID = 200  # slider positions timed per demo or explorer


@dataclass
class Row:
    """One measured item: ``value`` is the figure compared with the section's budget (None: not measured)."""

    what: str
    item: str
    measured: str
    value: float | None
    detail: dict = field(default_factory=dict)
    judged: bool = True  # False: reported only, no budget for this item

    @property
    def budget(self) -> float:
        return SECTIONS[self.what][2]

    @property
    def mark(self) -> str:
        if self.value is None:
            return "–"
        if not self.judged:
            return "·"
        return "✔" if self.value <= self.budget else "✘"


def percentiles(times: list[float]) -> tuple[float, float]:
    """Median and 90th percentile."""
    median = statistics.median(times)
    return median, (statistics.quantiles(times, n=10)[-1] if len(times) > 1 else median)


# --- sliders: live updates in this process ------------------------------------------------------

def run_notebook(path: Path) -> list:
    """Execute the notebook's code cells here, ``optlib.widgets.show`` replaced by a recorder; the demos."""
    import contextlib
    import io

    demos = []

    def record(setup, *params, name, **kwargs):
        demos.append((name, setup, params, kwargs))

    cells = json.loads(path.read_text())["cells"]
    namespace = {"__name__": "__main__"}
    real_show, ol.widgets.show = ol.widgets.show, record
    cwd = os.getcwd()
    try:
        os.chdir(path.parent)  # notebooks run from book/, as in the site build
        with contextlib.redirect_stdout(io.StringIO()):
            for cell in cells:
                if cell["cell_type"] == "code":
                    exec(compile("".join(cell["source"]), str(path), "exec"), namespace)
    finally:
        ol.widgets.show = real_show
        os.chdir(cwd)
    return demos


def time_updates(setup, params, kwargs) -> list[float]:
    """Milliseconds of one live update at every point of the sliders' grid (at most MAX_GRID points)."""
    live = DemoFigure(setup, **kwargs)  # what a live slider redraws through
    grid = list(itertools.product(*(p.grid() for p in params)))
    times = []
    for combo in grid[::max(1, len(grid) // MAX_GRID)]:
        values = {p.name: float(v) for p, v in zip(params, combo)}
        start = time.perf_counter()
        live.update(**values)
        times.append(1000 * (time.perf_counter() - start))
    return times


def bench_sliders(notebooks: list[Path]) -> list[Row]:
    rows = []
    for path in notebooks:
        try:
            demos = run_notebook(path)
        except Exception as error:  # a chapter that does not run is a row, not the end of the benchmark
            rows.append(Row("sliders", path.stem, f"code failed: {type(error).__name__}", float("inf")))
            continue
        for name, setup, params, kwargs in demos:
            times = time_updates(setup, params, kwargs)
            median, p90 = percentiles(times)
            rows.append(Row("sliders", f"{path.stem}: {name}", f"{median:.1f} / {p90:.1f} ms", median,
                            {"median_ms": median, "p90_ms": p90, "updates": len(times)}))
    return rows


# --- notebooks in a kernel ----------------------------------------------------------------------

def bench_notebooks(notebooks: list[Path]) -> list[Row]:
    from time_notebooks import execute

    rows = []
    for path in notebooks:
        for plain, where in ((True, "kernel without OMP_NUM_THREADS"), (False, "make's environment")):
            try:
                seconds = execute(path, plain)
            except Exception as error:
                rows.append(Row("notebooks", f"{path.stem} ({where})", f"failed: {type(error).__name__}",
                                float("inf")))
                continue
            rows.append(Row("notebooks", f"{path.stem} ({where})", f"{seconds:.1f} s", seconds,
                            {"seconds": seconds, "plain": plain}))
    return rows


# --- the book -----------------------------------------------------------------------------------

def bench_book(log: Path) -> list[Row]:
    """A clean `make book`, timed; its output goes to ``log`` after the build (which empties _build)."""
    start = time.perf_counter()
    done = subprocess.run(["make", "--no-print-directory", "book"], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(done.stdout + done.stderr)
    if done.returncode:
        failed = f"failed (exit {done.returncode}) after {seconds:.0f} s; see {log.name}"
        return [Row("book", "make book", failed, float("inf"),
                    {"seconds": seconds, "returncode": done.returncode})]
    return [Row("book", "make book", f"{seconds / 60:.1f} min", seconds, {"seconds": seconds})]


# --- the site in chromium -----------------------------------------------------------------------

# Resolves to the time (ms since navigation) when MathJax has typeset the page, or null without MathJax.
MATHS_READY = """window.__mathsTypeset = new Promise(resolve => {
  (function poll() {
    const startup = window.MathJax && window.MathJax.startup;
    if (startup && startup.promise) { startup.promise.then(() => resolve(performance.now())); return; }
    if (document.readyState === "complete" && !document.querySelector('script[src*="mathjax" i]')) {
      resolve(null); return;
    }
    setTimeout(poll, 2);
  })();
});"""

LOAD_EVENT = "() => performance.getEntriesByType('navigation')[0].loadEventEnd"
FIRST_PAINT = "() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || null"

# Every explorer: each slider moved over its frames (at most MAX_GRID), the time from the input event to
# the layout done (reading offsetHeight forces it), then put back.
FRAME_SWITCHES = """(maxGrid) => [...document.querySelectorAll('.optlib-explorer')].map(root => {
  const times = [];
  for (const input of root.querySelectorAll('input[type="range"]')) {
    const start = input.value, last = Number(input.max), stride = Math.max(1, Math.floor(last / maxGrid));
    for (let v = 0; v <= last; v += stride) {
      const t0 = performance.now();
      input.value = v;
      input.dispatchEvent(new Event("input", {bubbles: true}));
      void document.body.offsetHeight;
      times.push(performance.now() - t0);
    }
    input.value = start;
    input.dispatchEvent(new Event("input", {bubbles: true}));
  }
  return {name: root.id.replace("optlib-explorer-", ""), times};
})"""


def bench_site(sections: set[str]) -> list[Row]:
    """The rows measured in chromium on the built site: explorers, pages, maths."""
    from test_site import CHROMIUM, CHROMIUM_ARGS, SITE, PageVisit, chapter_notebooks, serve, toc_pages

    if not (SITE / "index.html").exists() or not Path(CHROMIUM).exists():
        why = "no built site in _build/html (make book)" if Path(CHROMIUM).exists() else "no chromium"
        return [Row(what, "site", f"not measured: {why}", None) for what in sorted(sections)]
    from playwright.sync_api import sync_playwright

    rows = []
    with serve(SITE) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for page in toc_pages():
            visit = PageVisit(browser, f"{url}/{page}", init_script=MATHS_READY)
            if "pages" in sections:
                weight = visit.bytes_loaded() / 1e6
                rows.append(Row("pages", page, f"{weight:.2f} MB, {len(visit.requests)} requests", weight,
                                {"bytes": int(weight * 1e6), "requests": len(visit.requests)}))
            if "maths" in sections:
                typeset = visit.page.evaluate("() => window.__mathsTypeset")
                paint = visit.page.evaluate(FIRST_PAINT)
                seconds = (typeset if typeset is not None else visit.page.evaluate(LOAD_EVENT)) / 1000
                what = "MathJax typeset" if typeset is not None else "no client-side maths: load event"
                what += f"; first paint {paint / 1000:.2f} s" if paint else ""
                rows.append(Row("maths", page, f"{seconds:.2f} s ({what})", seconds,
                                {"seconds": seconds, "mathjax": typeset is not None,
                                 "first_paint_s": paint / 1000 if paint else None}))
            if "explorers" in sections and page in chapter_notebooks():
                for explorer in visit.page.evaluate(FRAME_SWITCHES, MAX_GRID):
                    median, p90 = percentiles(explorer["times"])
                    rows.append(Row("explorers", f"{Path(page).stem}: {explorer['name']}",
                                    f"{median:.2f} / {p90:.2f} ms", p90,
                                    {"median_ms": median, "p90_ms": p90, "switches": len(explorer["times"])}))
            visit.context.close()
        browser.close()
    return rows


# --- optimizers against in-place references -----------------------------------------------------

def _ema(average, value, decay, work):
    np.multiply(value, 1 - decay, out=work)
    average *= decay
    average += work


def _ema_square(average, value, decay, work):
    np.multiply(value, value, out=work)
    work *= 1 - decay
    average *= decay
    average += work


def _ref_sgd(o, x, g, s, lr, t, w1, w2):
    np.multiply(g, lr, out=w1)
    x -= w1


def _ref_momentum(o, x, g, s, lr, t, w1, w2):
    s.v *= o.beta
    np.multiply(g, lr, out=w1)
    s.v -= w1
    x += s.v


def _ref_adagrad(o, x, g, s, lr, t, w1, w2):
    np.multiply(g, g, out=w1)
    s.r += w1
    np.sqrt(s.r, out=w1)
    w1 += o.eps
    np.divide(g, w1, out=w1)
    w1 *= lr
    x -= w1


def _ref_rmsprop(o, x, g, s, lr, t, w1, w2):
    _ema_square(s.r, g, o.beta, w1)
    np.add(s.r, o.eps, out=w1)
    np.sqrt(w1, out=w1)
    np.divide(g, w1, out=w1)
    w1 *= lr
    x -= w1


def _ref_rmsprop_nesterov(o, x, g, s, lr, t, w1, w2):
    _ema_square(s.r, g, o.beta, w1)
    np.add(s.r, o.eps, out=w1)
    np.sqrt(w1, out=w1)
    np.divide(g, w1, out=w1)
    w1 *= lr
    s.v *= o.momentum
    s.v -= w1
    x += s.v


def _ref_adam(o, x, g, s, lr, t, w1, w2, v=None, rate=1.0):
    _ema(s.m, g, o.beta1, w1)
    _ema_square(s.v, g, o.beta2, w1)
    if v is None:
        v = s.v
    np.multiply(v, 1 / (1 - o.beta2**t), out=w1)
    np.sqrt(w1, out=w1)
    w1 += o.eps
    np.divide(s.m, w1, out=w1)
    w1 *= lr * rate / (1 - o.beta1**t)
    x -= w1


def _ref_amsgrad(o, x, g, s, lr, t, w1, w2):
    _ema(s.m, g, o.beta1, w1)
    _ema_square(s.v, g, o.beta2, w1)
    np.maximum(s.v_max, s.v, out=s.v_max)
    np.multiply(s.v_max, 1 / (1 - o.beta2**t), out=w1)
    np.sqrt(w1, out=w1)
    w1 += o.eps
    np.divide(s.m, w1, out=w1)
    w1 *= lr / (1 - o.beta1**t)
    x -= w1


def _ref_radam(o, x, g, s, lr, t, w1, w2):
    if o.sma_length(t) > 4:
        _ref_adam(o, x, g, s, lr, t, w1, w2, rate=o.rectification(t))
        return
    _ema(s.m, g, o.beta1, w1)
    _ema_square(s.v, g, o.beta2, w1)
    np.multiply(s.m, lr / (1 - o.beta1**t), out=w1)
    x -= w1


def _ref_adadelta(o, x, g, s, lr, t, w1, w2):
    _ema_square(s.Eg2, g, o.rho, w1)
    np.add(s.Edx2, o.eps, out=w1)
    np.add(s.Eg2, o.eps, out=w2)
    np.divide(w1, w2, out=w1)
    np.sqrt(w1, out=w1)
    w1 *= g                      # −Δx
    _ema_square(s.Edx2, w1, o.rho, w2)
    w1 *= lr
    x -= w1


def _ref_perturbed(o, x, g, s, lr, t, w1, w2):
    np.multiply(g, lr, out=w1)
    x -= w1
    o.rng.standard_normal(out=w1)
    w1 *= o.sigma
    x += w1


REFERENCES = {ol.SGD: _ref_sgd, ol.Momentum: _ref_momentum, ol.Nesterov: _ref_momentum,
              ol.AdaGrad: _ref_adagrad, ol.RMSProp: _ref_rmsprop, ol.RMSPropNesterov: _ref_rmsprop_nesterov,
              ol.Adam: _ref_adam, ol.AMSGrad: _ref_amsgrad, ol.RAdam: _ref_radam, ol.AdaDelta: _ref_adadelta,
              ol.PerturbedGD: _ref_perturbed}
STATE = {ol.Momentum: "v", ol.Nesterov: "v", ol.AdaGrad: "r", ol.RMSProp: "r", ol.RMSPropNesterov: "r v",
         ol.Adam: "m v", ol.AMSGrad: "m v v_max", ol.RAdam: "m v", ol.AdaDelta: "Eg2 Edx2"}


def time_step(method, n: int, repeats: int) -> tuple[float, float]:
    """Seconds of optlib's step and of the in-place reference, alternated, from the second step on: the
    fastest of the repeats, the least disturbed by other processes on a shared machine."""
    rng = np.random.default_rng(0)
    x, g = rng.standard_normal(n), 0.1 * rng.standard_normal(n)
    opt, ref = method(), method()
    x_ref = x.copy()
    state = SimpleNamespace(**{name: np.zeros(n) for name in STATE.get(method, "").split()})
    w1, w2 = np.empty(n), np.empty(n)
    ours, theirs = [], []
    for k in range(repeats + 1):
        start = time.perf_counter()
        x = opt.step(x, g)
        middle = time.perf_counter()
        REFERENCES[method](ref, x_ref, g, state, ref.lr_at(k), k + 1, w1, w2)
        end = time.perf_counter()
        if k:  # the first step also allocates the optimizer's state
            ours.append(middle - start)
            theirs.append(end - middle)
    return min(ours), min(theirs)


def bench_optimizers(sizes=(10**6, 10**7), repeats=7) -> list[Row]:
    rows = []
    for n in sizes:
        for method in REFERENCES:
            ours, theirs = time_step(method, n, repeats if n < 10**7 else max(3, repeats // 2))
            ratio = ours / theirs
            rows.append(Row("optimizers", f"{method.__name__}, n = {n:,}",
                            f"{ratio:.2f}× ({1000 * ours:.1f} vs {1000 * theirs:.1f} ms)", ratio,
                            {"n": n, "step_ms": 1000 * ours, "reference_ms": 1000 * theirs, "ratio": ratio},
                            judged=method is ol.Adam))
    return rows


# --- the report ---------------------------------------------------------------------------------

def summary(rows: list[Row]) -> list[list[str]]:
    """One line per section: its worst item, how many items are over budget, and the mark."""
    lines = []
    for what, (title, budget, _, _) in SECTIONS.items():
        mine = [r for r in rows if r.what == what]
        measured = [r for r in mine if r.value is not None and r.judged]
        if not measured:
            text = mine[0].measured if mine else "not run (see --only, --skip-book)"
            lines.append([title, text, budget, "–"])
            continue
        worst = max(measured, key=lambda r: r.value)
        over = sum(r.mark == "✘" for r in measured)
        lines.append([title, f"worst {worst.item}: {worst.measured}; {over} of {len(measured)} over",
                      budget, "✘" if over else "✔"])
    return lines


def table(header: list[str], lines: list[list[str]]) -> str:
    cells = [header, ["---"] * len(header), *lines]
    return "\n".join("| " + " | ".join(c.replace("|", "\\|") for c in line) + " |" for line in cells)


def report(rows: list[Row]) -> str:
    parts = ["# make bench", "", table(["what", "measured", "budget", ""], summary(rows))]
    for what, (title, budget, _, _) in SECTIONS.items():
        mine = [r for r in rows if r.what == what]
        if mine:
            lines = [[r.item, r.measured, budget if r.judged else "— (reported)", r.mark] for r in mine]
            parts += ["", f"## {title} ({budget})", "", table(["item", "measured", "budget", ""], lines)]
    return "\n".join(parts + ["", NOTES, ""])


def write_report(rows: list[Row], out: Path) -> str:
    out.mkdir(parents=True, exist_ok=True)
    text = report(rows)
    (out / "report.md").write_text(text)
    sections = {k: {"title": t, "budget": b, "limit": v, "unit": u} for k, (t, b, v, u) in SECTIONS.items()}
    data = {"sections": sections, "rows": [{**asdict(r), "mark": r.mark} for r in rows]}
    (out / "report.json").write_text(json.dumps(data, indent=1, ensure_ascii=False, default=str))
    return text


def previous_rows(path: Path, measured: set[str]) -> list[Row]:
    """The rows of an earlier report for the parts not measured now (none without a report)."""
    if not path.exists():
        return []
    names = ("what", "item", "measured", "value", "detail", "judged")
    return [Row(**{k: row[k] for k in names}) for row in json.loads(path.read_text())["rows"]
            if row["what"] not in measured]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated rows to measure, of {','.join(SECTIONS)} (default: all)")
    parser.add_argument("--skip-book", action="store_true", help="no `make book`: measure _build/html as is")
    parser.add_argument("--notebooks", nargs="+", type=Path, help="only these chapters (default: all)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when any figure is over its budget")
    parser.add_argument("--sizes", default="1000000,10000000",
                        help="parameters per optimizer step, comma-separated (default: 10⁶ and 10⁷)")
    parser.add_argument("--merge", action="store_true",
                        help="keep the rows of <out>/report.json for the parts this run does not measure")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "bench")
    args = parser.parse_args(argv)
    chosen = {s.strip() for s in args.only.split(",") if s.strip()}
    if chosen - set(SECTIONS):
        parser.error(f"--only: unknown rows {sorted(chosen - set(SECTIONS))}; choose of {','.join(SECTIONS)}")
    if args.skip_book:
        chosen.discard("book")
    from test_site import chapter_notebooks

    notebooks = args.notebooks or [ROOT / page.replace(".html", ".ipynb") for page in chapter_notebooks()]
    rows = previous_rows(args.out / "report.json", chosen) if args.merge else []  # read before make book
    steps = [("book", lambda: bench_book(args.out / "book.log")),  # first: it empties _build
             ("optimizers", lambda: bench_optimizers([int(n) for n in args.sizes.split(",")])),
             ("sliders", lambda: bench_sliders(notebooks)),
             ("notebooks", lambda: bench_notebooks(notebooks)),
             ("site", lambda: bench_site(chosen & {"explorers", "pages", "maths"}))]
    for name, measure in steps:
        if name in chosen or (name == "site" and chosen & {"explorers", "pages", "maths"}):
            start = time.perf_counter()
            print(f"bench: {name} ...", flush=True)
            try:
                rows += measure()
            except Exception as error:  # the other rows are still measured and reported
                what = sorted(chosen & {"explorers", "pages", "maths"}) if name == "site" else [name]
                rows += [Row(w, name, f"failed: {type(error).__name__}: {error}"[:200], float("inf"))
                         for w in what]
            print(f"bench: {name} done in {time.perf_counter() - start:.0f} s", flush=True)
    print(write_report(rows, args.out))
    print(f"written: {args.out / 'report.md'} and report.json")
    return 1 if args.strict and any(r.mark == "✘" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
