"""Grade submitted chapter notebooks: one CSV row per submission, one feedback file each.

    python tools/grade.py submissions/*.ipynb --out grades.csv [--timeout 600] [--cases FILE]

For each submission the grader starts a fresh kernel of its own (a scratch working directory, a memory
limit, a time limit for the whole notebook), runs every code cell in order, going on after a cell that
raises, and then grades each auto-graded exercise of the chapter. Which exercises there are, and
which check grades which names, is read from the book's own notebook (``--book``), never from the
submission. The checks run here, in the grader's process, on what the student's kernel produced:
numbers and arrays are sent over as plain data, and a function is called remotely, its arguments sent
to the kernel and its results sent back. So nothing a submission does in its kernel (printing "✔",
editing or redefining a check, patching optlib or numpy) reaches the check that grades it.

This limits accidents; it is not a sandbox: student code runs with the grader's user rights. For a
class whose code you do not trust, run the grader inside a container or a virtual machine.

Instructor-only cases (``--cases``): a Python file defining ``CASES = {label: [case, ...]}``, where each
case is called with the exercise's answers and returns (passed, message). Each exercise is worth one
point, shared equally between its checks and its instructor cases.
"""

from __future__ import annotations

import argparse
import ast
import base64
import builtins
import csv
import importlib.util
import inspect
import json
import os
import queue
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CHECK_CALL = re.compile(r"^\s*(?:ol\.)?check\.(\w+)\((.*)\)\s*$")
CALL_TIMEOUT = 20.0          # seconds for one call of a submitted function by a check
KERNEL_START = ("import resource, sys; m = int(sys.argv.pop(1)); "      # the memory limit, then the kernel
                "resource.setrlimit(resource.RLIMIT_AS, (m, m)); "
                "from ipykernel import kernelapp; kernelapp.launch_new_instance()")


# ---------------------------------------------------------------- which exercises a chapter has

@dataclass
class Exercise:
    label: str
    checks: list = field(default_factory=list)      # (check name, [argument names])


def exercises_of(book_notebook: Path) -> list[Exercise]:
    """The auto-graded exercises of a chapter: each {exercise} label and the check calls after it."""
    cells = json.loads(book_notebook.read_text())["cells"]
    exercises, current = [], None
    for cell in cells:
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            label = re.search(r"```\{exercise\}[^`]*?:label:\s*(\S+)", text, re.S)
            if label:
                current = Exercise(label.group(1))
                exercises.append(current)
            continue
        if current is None or "solution" in cell.get("metadata", {}).get("tags", []):
            continue
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("print(") and line.endswith(")"):   # print(ol.check.name(answer))
                line = line[len("print("):-1]
            call = CHECK_CALL.match(line)
            if call:
                args = ast.parse(f"f({call.group(2)})", mode="eval").body.args
                current.checks.append((call.group(1), [a.id for a in args if isinstance(a, ast.Name)]))
    return [e for e in exercises if e.checks]


def chapter_of(nb: dict, path: Path, chapters: list[str]) -> str | None:
    """The chapter a submission belongs to: its metadata (set by make_student), else its file name."""
    named = nb.get("metadata", {}).get("optlib", {}).get("chapter")
    if named in chapters:
        return named
    matches = [c for c in chapters if c in path.stem]
    return max(matches, key=len) if matches else None


# ---------------------------------------------------------------- the student's kernel

# Defined in the student's kernel after its cells ran: turns answers into plain data (JSON) and calls
# a submitted function on arguments sent by the grader.
KERNEL_HELPERS = r'''
def _grader_encode(obj, depth=0):
    import base64, inspect, numpy
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return {"t": "json", "v": obj}
    if isinstance(obj, int):
        return {"t": "int", "v": str(obj)}
    if isinstance(obj, float):
        return {"t": "float", "v": repr(obj)}
    if obj is Ellipsis:
        return {"t": "ellipsis"}
    if isinstance(obj, (numpy.ndarray, numpy.generic)) and obj.dtype.kind in "biufcSU":
        a = numpy.ascontiguousarray(obj)
        return {"t": "array", "scalar": isinstance(obj, numpy.generic), "dtype": a.dtype.str,
                "shape": list(a.shape), "data": base64.b64encode(a.tobytes()).decode()}
    if isinstance(obj, (list, tuple)) and depth < 4 and len(obj) <= 100_000:
        return {"t": type(obj).__name__, "v": [_grader_encode(x, depth + 1) for x in obj]}
    if isinstance(obj, dict) and depth < 4 and all(isinstance(k, str) for k in obj):
        return {"t": "dict", "v": {k: _grader_encode(v, depth + 1) for k, v in obj.items()}}
    if isinstance(obj, (bytes, bytearray)):
        return {"t": type(obj).__name__, "v": base64.b64encode(bytes(obj)).decode()}
    if callable(obj):
        try:
            signature = str(inspect.signature(obj))
        except (TypeError, ValueError):
            signature = None
        return {"t": "function", "signature": signature}
    return {"t": "object", "cls": type(obj).__name__, "repr": repr(obj)[:200]}


def _grader_call(name, payload):
    import base64, json, cloudpickle, numpy
    args = cloudpickle.loads(base64.b64decode(payload))
    try:
        result = globals()[name](*args)
    except BaseException as error:
        return json.dumps({"ok": False, "ename": type(error).__name__, "evalue": str(error)[:300]})
    after = [_grader_encode(a) if isinstance(a, numpy.ndarray) else None for a in args]
    return json.dumps({"ok": True, "result": _grader_encode(result), "args": after})
'''


class KernelDiedError(Exception):
    pass


class Kernel:
    """A fresh kernel in its own scratch directory, with a memory limit; run code with deadlines."""

    def __init__(self, memory_mb: int):
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpecManager

        self.scratch = tempfile.TemporaryDirectory(prefix="grade-")
        spec_dir = Path(self.scratch.name) / "kernels" / "optlib-grader"
        spec_dir.mkdir(parents=True)
        argv = [sys.executable, "-c", KERNEL_START, str(memory_mb * 2**20), "-f", "{connection_file}"]
        (spec_dir / "kernel.json").write_text(json.dumps({"argv": argv, "language": "python",
                                                          "display_name": "grader"}))
        work = Path(self.scratch.name) / "work"
        work.mkdir()
        env = {k: v for k, v in os.environ.items() if k != "OPTLIB_CHECK_STRICT"}
        env.update(MPLBACKEND="Agg", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        specs = KernelSpecManager(kernel_dirs=[str(spec_dir.parent)])
        self.manager = KernelManager(kernel_name="optlib-grader", kernel_spec_manager=specs)
        self.manager.start_kernel(cwd=str(work), env=env)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def run(self, code: str, deadline: float, user_expressions=None) -> dict:
        """Execute ``code``; the reply's content. TimeoutError past the deadline (the kernel is then
        interrupted), KernelDiedError if the kernel process ends."""
        msg_id = self.client.execute(code, store_history=False, allow_stdin=False,
                                     user_expressions=user_expressions or {})
        while True:
            try:
                reply = self.client.get_shell_msg(timeout=0.2)
            except queue.Empty:
                self._drain_iopub()
                if not self.manager.is_alive():
                    raise KernelDiedError() from None
                if time.monotonic() > deadline:
                    self._interrupt(msg_id)
                    raise TimeoutError() from None
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                self._drain_iopub()
                return reply["content"]

    def _interrupt(self, msg_id):
        """Stop the running code (KeyboardInterrupt) and wait for its reply; kill the kernel if it won't."""
        self.manager.interrupt_kernel()
        end = time.monotonic() + 10
        while time.monotonic() < end:
            try:
                if self.client.get_shell_msg(timeout=0.5)["parent_header"].get("msg_id") == msg_id:
                    return
            except queue.Empty:
                pass
        self.manager.shutdown_kernel(now=True)

    def _drain_iopub(self):
        while True:
            try:
                self.client.get_iopub_msg(timeout=0)
            except queue.Empty:
                return

    def alive(self) -> bool:
        return self.manager.is_alive()

    def evaluate(self, expression: str, deadline: float):
        """The JSON value that ``expression`` (a call of a helper returning a JSON string) gives."""
        content = self.run("", deadline, user_expressions={"r": expression})
        result = content.get("user_expressions", {}).get("r", {})
        if result.get("status") != "ok":
            raise RuntimeError(f"{result.get('ename', 'error')}: {result.get('evalue', '')}")
        return json.loads(ast.literal_eval(result["data"]["text/plain"]))

    def close(self):
        try:
            self.client.stop_channels()
            if self.manager.is_alive():
                self.manager.shutdown_kernel(now=True)
        finally:
            self.scratch.cleanup()


# ---------------------------------------------------------------- answers as plain data

class SubmittedObject:
    """Something a submission defined that is not plain data (shown by its type and repr only)."""

    def __init__(self, cls: str, text: str):
        self.cls, self.text = cls, text

    def __repr__(self):
        return self.text


def decode(item, kernel=None, name=None):
    kind = item["t"]
    if kind == "json":
        return item["v"]
    if kind == "int":
        return int(item["v"])
    if kind == "float":
        return float(item["v"])
    if kind == "ellipsis":
        return ...
    if kind == "array":
        raw = base64.b64decode(item["data"])
        a = np.frombuffer(raw, dtype=np.dtype(item["dtype"])).reshape(item["shape"])
        return a[()] if item["scalar"] else a.copy()
    if kind in ("list", "tuple"):
        values = [decode(x) for x in item["v"]]
        return values if kind == "list" else tuple(values)
    if kind == "dict":
        return {k: decode(v) for k, v in item["v"].items()}
    if kind in ("bytes", "bytearray"):
        return getattr(builtins, kind)(base64.b64decode(item["v"]))
    if kind == "function" and kernel is not None:
        return RemoteFunction(kernel, name, item["signature"])
    cls = item.get("cls", "function")
    if not cls.isidentifier():
        cls = "object"
    # an opaque stand-in whose type has the submitted type's name, so that checks can name it
    return type(cls, (SubmittedObject,), {})(cls, item.get("repr", f"<function {name}>"))


class RemoteFunction:
    """Stands for a function the student defined: each call runs it in the student's kernel on the
    arguments given here, and brings back its result, and any change it made to array arguments."""

    def __init__(self, kernel: Kernel, name: str, signature: str | None):
        self.kernel, self.__name__ = kernel, name
        if signature is not None:
            self.__signature__ = _signature(signature)

    def __repr__(self):
        return f"<function {self.__name__}>"

    def __call__(self, *args):
        import cloudpickle

        payload = base64.b64encode(cloudpickle.dumps(args)).decode()
        try:
            reply = self.kernel.evaluate(f"_grader_call({self.__name__!r}, {payload!r})",
                                         time.monotonic() + CALL_TIMEOUT)
        except TimeoutError:
            raise TimeoutError(f"your function did not return within {CALL_TIMEOUT:g} s") from None
        if not reply["ok"]:
            error = getattr(builtins, reply["ename"], None)
            if not (isinstance(error, type) and issubclass(error, Exception)):
                error = RuntimeError
            raise error(reply["evalue"])
        for arg, after in zip(args, reply["args"]):
            if after is not None:
                changed = decode(after)
                if changed.shape == arg.shape and not np.array_equal(changed, arg):
                    np.copyto(arg, changed, casting="unsafe")   # the check sees the change it made
        return decode(reply["result"])


def _signature(text: str) -> inspect.Signature:
    """The signature ``text`` describes, built from its syntax only (defaults are never evaluated)."""
    P = inspect.Parameter
    try:
        spec = ast.parse(f"def f{text}: pass").body[0].args
    except SyntaxError:
        return inspect.Signature([P("args", P.VAR_POSITIONAL)])
    params = [P(a.arg, P.POSITIONAL_ONLY) for a in spec.posonlyargs]
    params += [P(a.arg, P.POSITIONAL_OR_KEYWORD) for a in spec.args]
    first_default = len(params) - len(spec.defaults)
    params = [p.replace(default=None) if i >= first_default else p for i, p in enumerate(params)]
    if spec.vararg:
        params.append(P(spec.vararg.arg, P.VAR_POSITIONAL))
    params += [P(a.arg, P.KEYWORD_ONLY, default=None if d is not None else P.empty)
               for a, d in zip(spec.kwonlyargs, spec.kw_defaults)]
    if spec.kwarg:
        params.append(P(spec.kwarg.arg, P.VAR_KEYWORD))
    return inspect.Signature(params)


# ---------------------------------------------------------------- grading one submission

@dataclass
class Result:
    path: Path
    chapter: str | None
    scores: dict = field(default_factory=dict)      # label -> points in [0, 1]
    status: list = field(default_factory=list)
    feedback: list = field(default_factory=list)


def grade(path: Path, book: Path, timeout: float, memory_mb: int, cases: dict) -> Result:
    nb = json.loads(path.read_text())
    chapters = [p.stem for p in sorted(book.glob("*.ipynb"))]
    result = Result(path, chapter_of(nb, path, chapters))
    if result.chapter is None:
        result.status.append("unknown chapter")
        result.feedback.append(f"Could not tell which chapter this is (known: {', '.join(chapters)}).")
        return result
    exercises = exercises_of(book / f"{result.chapter}.ipynb")
    result.scores = {e.label: 0.0 for e in exercises}
    kernel = Kernel(memory_mb)
    try:
        ran = _run_cells(kernel, nb, time.monotonic() + timeout, result)
        if ran and kernel.alive():
            kernel.run(KERNEL_HELPERS, time.monotonic() + 120)
            for exercise in exercises:
                try:
                    result.scores[exercise.label] = _grade_exercise(kernel, exercise, cases, result)
                except (TimeoutError, RuntimeError) as error:   # the kernel hung or answered garbage
                    result.feedback.append(f"✘ {exercise.label}: could not be graded "
                                           f"({type(error).__name__}: {error}).")
        elif ran:
            result.status.append("kernel died")
    except KernelDiedError:
        result.status.append("kernel died")
        result.feedback.append("The kernel stopped (a crash, or more memory than the limit): the "
                               "exercises after that point could not be graded.")
    finally:
        kernel.close()
    if not result.status:
        result.status.append("ok")
    return result


def _run_cells(kernel: Kernel, nb: dict, deadline: float, result: Result) -> bool:
    """Every code cell in order; False if the notebook ran out of time (the kernel is then stopped)."""
    errors = 0
    for number, cell in enumerate(nb.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        code = "".join(cell.get("source", ""))
        try:
            content = kernel.run(code, deadline)
        except TimeoutError:
            result.status.append("timeout")
            result.feedback.append(f"Cell {number} was still running when the notebook's time limit "
                                   "ran out; it was stopped there, and what was defined by then was graded.")
            return kernel.alive()
        if content.get("status") == "error":
            errors += 1
            result.feedback.append(f"Cell {number} raised {content.get('ename')}: "
                                   f"{str(content.get('evalue', ''))[:200]}")
    if errors:
        result.status.append(f"{errors} cell{'s' if errors > 1 else ''} raised")
    return True


def _grade_exercise(kernel: Kernel, exercise: Exercise, cases: dict, result: Result) -> float:
    from optlib import check

    os.environ.pop(check.STRICT_ENV, None)   # a wrong answer is a verdict to record here, not an error

    verdicts = []
    result.feedback.append(f"\n[{exercise.label}]")
    answers = []
    for check_name, names in exercise.checks:
        args = [_answer(kernel, name) for name in names]
        answers.extend(args)
        missing = [n for n, a in zip(names, args) if a is _MISSING]
        if missing:
            verdicts.append(False)
            result.feedback.append(f"✘ {check_name}: {', '.join(missing)} is not defined: run the "
                                   "exercise's cells, or keep the name the exercise asks for.")
            continue
        feedback = getattr(check, check_name)(*args)
        verdicts.append(feedback.correct)
        result.feedback.append(repr(feedback))
        stub = "not implemented" in feedback.message or "replace `...`" in feedback.message
        if stub and not feedback.correct:
            result.status.append(f"stub left: {exercise.label}")
    for case in cases.get(exercise.label, []):
        passed, message = _run_case(case, answers)
        verdicts.append(passed)
        result.feedback.append(("✔ " if passed else "✘ ") + f"instructor case: {message}")
    return sum(verdicts) / len(verdicts)


_MISSING = object()


def _answer(kernel: Kernel, name: str):
    defined = kernel.evaluate(f"__import__('json').dumps(_grader_encode({name})) "
                              f"if {name!r} in globals() else 'null'", time.monotonic() + 120)
    return _MISSING if defined is None else decode(defined, kernel, name)


def _run_case(case, answers) -> tuple[bool, str]:
    try:
        passed, message = case(*answers)
    except Exception as error:   # the case's own call of a submitted function failed
        return False, f"{getattr(case, '__name__', 'case')}: {type(error).__name__}: {error}"
    return bool(passed), message


# ---------------------------------------------------------------- the class's grades

def load_cases(path: Path | None) -> dict:
    if path is None:
        return {}
    spec = importlib.util.spec_from_file_location("instructor_cases", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.CASES)


def write_csv(results: list[Result], out: Path, book: Path) -> None:
    labels = [e.label for p in sorted(book.glob("*.ipynb")) for e in exercises_of(p)
              if any(r.chapter == p.stem for r in results)]
    with out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["submission", *labels, "total", "status"])
        for r in results:
            cells = [f"{r.scores[label]:.2f}" if label in r.scores else "" for label in labels]
            writer.writerow([r.path.name, *cells, f"{sum(r.scores.values()):.2f}", "; ".join(r.status)])


def write_feedback(result: Result, folder: Path) -> Path:
    target = folder / f"{result.path.stem}.feedback.txt"
    total, most = sum(result.scores.values()), len(result.scores)
    head = [f"Submission: {result.path.name}", f"Chapter: {result.chapter}",
            f"Status: {'; '.join(result.status)}", f"Points: {total:.2f} of {most}"]
    target.write_text("\n".join(head + result.feedback) + "\n")
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("grades.csv"))
    parser.add_argument("--feedback", type=Path,
                        help="folder for the feedback files (default: next to --out)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per notebook (default 600)")
    parser.add_argument("--memory-mb", type=int, default=4096, help="memory limit per kernel (default 4096)")
    parser.add_argument("--cases", type=Path, help="Python file with instructor-only CASES")
    parser.add_argument("--book", type=Path, default=ROOT / "book", help="the book's chapter notebooks")
    args = parser.parse_args(argv)
    feedback = args.feedback or args.out.parent / f"{args.out.stem}_feedback"
    feedback.mkdir(parents=True, exist_ok=True)
    cases = load_cases(args.cases)
    results = []
    for path in args.notebooks:
        try:
            result = grade(path, args.book, args.timeout, args.memory_mb, cases)
        except Exception as error:   # one submission the grader cannot handle must not stop the class
            result = Result(path, None, status=[f"grader error: {type(error).__name__}"],
                            feedback=[f"The grader failed on this notebook ({error}); grade it by hand."])
        write_feedback(result, feedback)
        results.append(result)
        points = sum(result.scores.values())
        print(f"{path.name}: {points:.2f} of {len(result.scores)} ({'; '.join(result.status)})")
    write_csv(results, args.out, args.book)
    print(f"wrote {args.out} and {len(results)} feedback files in {feedback}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
