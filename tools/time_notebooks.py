"""Execution time of each chapter in a fresh Jupyter kernel, as a student's Jupyter would run it.

    python tools/time_notebooks.py book/*.ipynb [--plain] [--busy]

--plain  starts the kernel without OMP_NUM_THREADS / OPENBLAS_NUM_THREADS (a student's Jupyter sets
         neither; `make` sets both to 1).
--busy   keeps one CPU-bound process running beside the kernel (a build, a second notebook), which
         is when default BLAS threads hurt on a 2-core machine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from pathlib import Path

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def spin() -> None:
    while True:
        pass


def execute(path: Path, plain: bool) -> float:
    import nbformat
    from nbclient import NotebookClient

    env = {k: v for k, v in os.environ.items() if not (plain and k in THREAD_VARIABLES)}
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)  # the kernel inherits this environment
    try:
        start = time.perf_counter()
        client.execute()
        return time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(saved)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--plain", action="store_true", help="no thread variables in the kernel")
    parser.add_argument("--busy", action="store_true", help="one CPU-bound process alongside")
    args = parser.parse_args(argv)
    hog = multiprocessing.Process(target=spin, daemon=True) if args.busy else None
    if hog:
        hog.start()
    try:
        for path in args.notebooks:
            seconds = execute(path, args.plain)
            print(f"{path.name}: {seconds:.1f} s ({'plain kernel' if args.plain else 'make environment'}"
                  f"{', one busy process alongside' if args.busy else ''})", flush=True)
    finally:
        if hog:
            hog.terminate()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
