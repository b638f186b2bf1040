"""Screenshots of built pages at a desktop and a phone width, in viewport-sized tiles, for looking at.

    .venv/bin/python tools/screenshots.py book/momentum.html --out /tmp/shots

Serves _build/html on a loopback port, opens each page in Debian's chromium at 1280 and 390 px and
writes <stem>-<width>-<n>.png; prints every display equation wider than its box.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_site import CHROMIUM, CHROMIUM_ARGS, EQUATION_PROBLEMS, serve  # noqa: E402

WIDTHS = {1280: 900, 390: 844}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", help="paths under _build/html, e.g. book/momentum.html")
    parser.add_argument("--out", type=Path, default=Path("/tmp/shots"))
    parser.add_argument("--tiles", type=int, default=40, help="at most this many tiles per page and width")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with serve() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for page_path in args.pages:
            for width, height in WIDTHS.items():
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(f"{url}/{page_path}", wait_until="networkidle")
                page.wait_for_timeout(1500)                      # MathJax typesetting
                total = page.evaluate("document.documentElement.scrollHeight")
                stem = Path(page_path).stem
                for n, top in enumerate(range(0, total, height)[:args.tiles]):
                    page.evaluate(f"window.scrollTo(0, {top})")
                    page.wait_for_timeout(100)
                    page.screenshot(path=str(args.out / f"{stem}-{width}-{n:02d}.png"))
                for problem in page.evaluate(EQUATION_PROBLEMS):
                    print(f"{page_path} @ {width}px: {problem}")
                tiles = min(total // height + 1, args.tiles)
                print(f"{page_path} @ {width}px: {total} px tall, {tiles} tiles")
                page.close()
        browser.close()


if __name__ == "__main__":
    main()
