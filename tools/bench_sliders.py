"""Time every slider demo of the chapters, and each chapter's code.

    python tools/bench_sliders.py book/*.ipynb

Runs each notebook's code in this process (no kernel), with ``optlib.widgets.show`` replaced by a
recorder, then moves every recorded demo's sliders across their grid and times one live update each
(recompute the run, redraw, encode the PNG that the slider displays). Exits 1 when a median update
takes longer than --max-update-ms or a chapter's code longer than --max-notebook-s.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

import optlib  # noqa: E402
from optlib.widgets import LiveDemo  # noqa: E402


def run_notebook(path: Path) -> tuple[float, list]:
    """Execute the notebook's code cells; return the seconds taken and the demos shown."""
    demos = []

    def record(setup, *params, name, **kwargs):
        demos.append((name, setup, params, kwargs))

    cells = json.loads(path.read_text())["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    namespace = {"__name__": "__main__"}
    real_show, optlib.widgets.show = optlib.widgets.show, record
    cwd = os.getcwd()
    try:
        os.chdir(path.parent)  # notebooks run from book/, as in the site build
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            for source in code:
                exec(compile(source, str(path), "exec"), namespace)
        elapsed = time.perf_counter() - start
    finally:
        optlib.widgets.show = real_show
        os.chdir(cwd)
    return elapsed, demos


def time_updates(setup, params, kwargs) -> list[float]:
    """Milliseconds of one live update at every point of the sliders' grid (at most 200 points)."""
    live = LiveDemo(setup, params, **kwargs)
    grid = list(itertools.product(*(p.grid() for p in params)))
    stride = max(1, len(grid) // 200)
    times = []
    for combo in grid[::stride]:
        values = {p.name: float(v) for p, v in zip(params, combo)}
        start = time.perf_counter()
        live.update(**values)
        times.append(1000 * (time.perf_counter() - start))
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--max-update-ms", type=float, default=100.0)
    parser.add_argument("--max-notebook-s", type=float, default=30.0)
    args = parser.parse_args(argv)
    slow = 0
    for path in args.notebooks:
        seconds, demos = run_notebook(path)
        verdict = "ok" if seconds < args.max_notebook_s else "TOO SLOW"
        slow += verdict != "ok"
        print(f"{path}: code runs in {seconds:.1f} s ({verdict})")
        for name, setup, params, kwargs in demos:
            times = time_updates(setup, params, kwargs)
            median = statistics.median(times)
            p90 = statistics.quantiles(times, n=10)[-1] if len(times) > 1 else median
            verdict = "ok" if median < args.max_update_ms else "TOO SLOW"
            slow += verdict != "ok"
            print(f"  slider demo {name!r}: {len(times)} updates, median {median:.1f} ms, "
                  f"90th percentile {p90:.1f} ms ({verdict})")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
