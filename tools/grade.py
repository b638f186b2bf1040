"""Grade submitted chapter notebooks: one CSV row per submission, one feedback file each.

    python tools/grade.py submissions/*.ipynb --out grades.csv [--timeout 600] [--cases FILE]

For each submission the grader starts a fresh kernel of its own (a scratch working directory that is
also its HOME, a memory limit, a limit on the size of the files it writes, a time limit for the whole
notebook), runs every code cell in order, going on after a cell that raises, and then grades each
auto-graded exercise of the chapter. A cell that stops the kernel (a crash, ``os._exit``, a memory
bomb), or that runs on past the time limit and ignores the interrupt, costs a fresh kernel which runs
the cells before it again: the exercises done by then keep their points. Which exercises there are,
and which check grades which names, is read from the book's own notebook (``--book``), never from the
submission. The checks run here, in the grader's process, on what the student's kernel produced:
numbers and arrays are sent over as plain data, read before any submitted function is called, and a
function is called remotely, its arguments sent to the kernel and its results sent back. So nothing a
submission does in its kernel (printing "✔", editing or redefining a check, patching optlib or numpy)
reaches the check that grades it. As the checks refuse optlib's own glorot_uniform and bfgs_update, a
submitted function that runs optlib's function of its own name fails.

This limits accidents; it is not a sandbox: student code runs with the grader's user rights, and can
read every file the grader's user can (the book's solutions, the instructor cases). Everything the
grader reads (the book's chapters, the submissions, the cases, optlib's checks) is read before the first
kernel starts; the files of optlib, of the book's chapters, of the submissions and the cases are
compared after each submission, and any that a submission changed are put back and reported in its
status. For a class whose code you do not trust, run the grader inside a container or a virtual
machine.

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
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CHECK_CALL = re.compile(r"^\s*(?:ol\.)?check\.(\w+)\((.*)\)\s*$")
CALL_TIMEOUT = 20.0          # seconds for one call of a submitted function by a check
READ_TIMEOUT = 30.0          # seconds to read one answer out of the kernel
MAX_RESTARTS = 2             # fresh kernels a submission may cost after crashes, before it is stopped
FILE_LIMIT_MB = 1024         # the largest file a kernel may write
KERNEL_START = ("import resource, sys; m, f, c = (int(sys.argv.pop(1)) for _ in range(3)); "  # limits,
                "resource.setrlimit(resource.RLIMIT_AS, (m, m)); "                        # then the kernel
                "resource.setrlimit(resource.RLIMIT_FSIZE, (f, f)); "
                "resource.setrlimit(resource.RLIMIT_CPU, (c, c)); "
                "from ipykernel import kernelapp; kernelapp.launch_new_instance()")
# what a kernel keeps of the grader's environment (no tokens or credentials it may hold)
KERNEL_ENV = ("PATH", "PYTHONPATH", "VIRTUAL_ENV", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "MPLCONFIGDIR")


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
    meta = nb.get("metadata")
    named = meta.get("optlib") if isinstance(meta, dict) else None
    named = named.get("chapter") if isinstance(named, dict) else None
    if named in chapters:
        return named
    matches = [c for c in chapters if c in path.stem]
    return max(matches, key=len) if matches else None


def code_cells(nb: dict) -> list[tuple[int, str]]:
    """(cell number, source) of every code cell; a malformed cell counts as empty code."""
    cells = nb.get("cells")
    found = []
    for number, cell in enumerate(cells if isinstance(cells, list) else [], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        text = cell.get("source", "")
        if isinstance(text, list):
            text = "".join(t for t in text if isinstance(t, str))
        found.append((number, text if isinstance(text, str) else ""))
    return found


# ---------------------------------------------------------------- the student's kernel

# Defined in the student's kernel after its cells ran: turns answers into plain data (JSON) and calls
# a submitted function on arguments sent by the grader. optlib's own functions are named, not sent.
KERNEL_HELPERS = r'''
def _grader_encode(obj, depth=0):
    # by the type itself (not obj.__class__) and the base types' own methods (np.float64 is a float
    # whose repr is "np.float64(…)", and a subclass may override repr)
    import base64, inspect, numpy
    kind = type(obj)
    if obj is None or obj is Ellipsis:
        return {"t": "json" if obj is None else "ellipsis", "v": None}
    if issubclass(kind, bool):
        return {"t": "json", "v": bool.__bool__(obj)}
    if issubclass(kind, str):
        return {"t": "json", "v": str.__str__(obj)}
    if issubclass(kind, int):
        return {"t": "int", "v": int.__repr__(obj)}
    if issubclass(kind, float):
        return {"t": "float", "v": float.__repr__(obj)}
    if issubclass(kind, (numpy.ndarray, numpy.generic)):
        a = numpy.ascontiguousarray(numpy.ndarray.view(obj, numpy.ndarray) if issubclass(kind, numpy.ndarray)
                                    else numpy.asarray(obj))
        if a.dtype.kind in "biufcSU":
            return {"t": "array", "scalar": isinstance(obj, numpy.generic), "dtype": a.dtype.str,
                    "shape": list(a.shape), "data": base64.b64encode(a.tobytes()).decode()}
    for base in (list, tuple):
        if issubclass(kind, base) and depth < 4 and base.__len__(obj) <= 100_000:
            return {"t": base.__name__, "v": [_grader_encode(x, depth + 1) for x in base.__iter__(obj)]}
    if issubclass(kind, dict) and depth < 4:
        items = list(dict.items(obj))
        if all(type(k) is str for k, _ in items):
            return {"t": "dict", "v": {k: _grader_encode(v, depth + 1) for k, v in items}}
    if kind in (bytes, bytearray):
        return {"t": kind.__name__, "v": base64.b64encode(bytes(obj)).decode()}
    if callable(obj):
        module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
        if isinstance(module, str) and module.split(".")[0] == "optlib" and isinstance(qualname, str):
            return {"t": "optlib", "module": module, "qualname": qualname}
        try:
            signature = str(inspect.signature(obj))
        except (TypeError, ValueError):
            signature = None
        return {"t": "function", "signature": signature}
    return {"t": "object", "cls": kind.__name__, "repr": repr(obj)[:200]}


def _grader_call(name, payload):
    import base64, json, os, sys, cloudpickle, numpy, optlib
    args, kwargs = cloudpickle.loads(base64.b64decode(payload))
    home = os.path.dirname(optlib.__file__)
    entered = set()                          # optlib's functions (outside its checks) the call ran

    def watch(frame, event, arg):
        path = frame.f_code.co_filename
        if event == "call" and path.startswith(home) and not path.startswith(os.path.join(home, "check")):
            entered.add(frame.f_code.co_name)

    previous = sys.getprofile()
    sys.setprofile(watch)
    try:
        result = globals()[name](*args, **kwargs)
    except BaseException as error:
        return json.dumps({"ok": False, "ename": type(error).__name__, "evalue": str(error)[:300]})
    finally:
        sys.setprofile(previous)
    after = [_grader_encode(a) if type(a) is numpy.ndarray else None for a in args]
    return json.dumps({"ok": True, "result": _grader_encode(result), "args": after,
                       "optlib": sorted(entered)})
'''


class KernelDiedError(Exception):
    pass


class BadReplyError(Exception):
    """The kernel answered something that is not what the grader's helpers send."""


class Kernel:
    """A fresh kernel in its own scratch directory, with limits; run code with deadlines."""

    def __init__(self, memory_mb: int, cpu_seconds: int):
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpecManager

        self.scratch = tempfile.TemporaryDirectory(prefix="grade-", ignore_cleanup_errors=True)
        self.killed = False             # stopped by the grader, as it would not stop when interrupted
        spec_dir = Path(self.scratch.name) / "kernels" / "optlib-grader"
        spec_dir.mkdir(parents=True)
        limits = [str(memory_mb * 2**20), str(FILE_LIMIT_MB * 2**20), str(int(cpu_seconds))]
        argv = [sys.executable, "-c", KERNEL_START, *limits, "-f", "{connection_file}"]
        (spec_dir / "kernel.json").write_text(json.dumps({"argv": argv, "language": "python",
                                                          "display_name": "grader"}))
        work = Path(self.scratch.name) / "work"
        (work / ".ipython").mkdir(parents=True)
        env = {k: os.environ[k] for k in KERNEL_ENV if k in os.environ}
        # caches (matplotlib's fonts) stay where they are, rather than rebuilt in every kernel
        env.setdefault("XDG_CACHE_HOME", os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache")))
        env.update(HOME=str(work), IPYTHONDIR=str(work / ".ipython"), TMPDIR=str(work), MPLBACKEND="Agg",
                   OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        specs = KernelSpecManager(kernel_dirs=[str(spec_dir.parent)])
        self.manager = KernelManager(kernel_name="optlib-grader", kernel_spec_manager=specs)
        # the kernel's own output goes nowhere: it must not flood or forge the grader's
        self.manager.start_kernel(cwd=str(work), env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        self.pgid = getattr(self.manager.provisioner, "pgid", None)   # the kernel's own session
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=120)

    def run(self, code: str, deadline: float, user_expressions=None) -> dict:
        """Execute ``code``; the reply's content. TimeoutError past the deadline (the kernel is then
        interrupted, or killed if it goes on), KernelDiedError if the kernel process ends."""
        if not self.alive():
            raise KernelDiedError()
        # stop_on_error=False: after a cell that raises, the kernel would otherwise abort the requests
        # that reach it while it sends the error, and the next cell sent at once could be lost
        msg_id = self.client.execute(code, store_history=False, allow_stdin=False, stop_on_error=False,
                                     user_expressions=user_expressions or {})
        while True:
            try:
                reply = self.client.get_shell_msg(timeout=0.2)
            except queue.Empty:
                self._drain_iopub()
                if not self.alive():
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
        while time.monotonic() < end and self.alive():
            try:
                if self.client.get_shell_msg(timeout=0.5)["parent_header"].get("msg_id") == msg_id:
                    return
            except queue.Empty:
                pass
        self.killed = self.alive()
        self._kill()

    def _drain_iopub(self):
        while True:
            try:
                self.client.get_iopub_msg(timeout=0)
            except queue.Empty:
                return

    def alive(self) -> bool:
        return self.manager.has_kernel and self.manager.is_alive()

    def evaluate(self, expression: str, deadline: float):
        """The JSON value that ``expression`` (a call of a helper returning a JSON string) gives."""
        content = self.run("", deadline, user_expressions={"r": expression})
        result = content.get("user_expressions", {}).get("r", {})
        if not isinstance(result, dict) or result.get("status") != "ok":
            error = result if isinstance(result, dict) else {}
            raise BadReplyError(f"{error.get('ename', 'error')}: {str(error.get('evalue', ''))[:200]}")
        try:
            return json.loads(ast.literal_eval(result["data"]["text/plain"]))
        except (KeyError, TypeError, ValueError, SyntaxError, MemoryError, RecursionError):
            raise BadReplyError("the kernel's reply is not the grader's") from None

    def _kill(self):
        """The kernel and every process it started in its session."""
        try:
            if self.manager.has_kernel:
                self.manager.shutdown_kernel(now=True)
        except Exception:   # already gone; its session is killed below
            pass
        if self.pgid:
            try:
                os.killpg(self.pgid, signal.SIGKILL)
            except OSError:   # none left
                pass

    def close(self):
        try:
            self.client.stop_channels()
            self._kill()
        finally:
            self.scratch.cleanup()


class Notebook:
    """A submission's code cells run in a kernel; after a crash, a fresh kernel runs again the cells that
    had finished (at most MAX_RESTARTS times), so the work done before the crash can still be graded."""

    def __init__(self, cells: list[tuple[int, str]], result: Result, memory_mb: int, timeout: float):
        self.cells, self.result, self.memory_mb = cells, result, memory_mb
        self.cpu_seconds = int(timeout) + 600            # the notebook, then the checks' calls
        self.done: list[tuple[str, float]] = []          # (source, seconds) of each cell that finished
        self.restarts, self.kernel, self.helpers = 0, Kernel(memory_mb, self.cpu_seconds), False

    def run(self, timeout: float) -> None:
        """Every code cell in order, going on after a cell that raises or stops the kernel, until the
        notebook's time runs out."""
        deadline = time.monotonic() + timeout
        errors = 0
        for number, code in self.cells:
            started = time.monotonic()
            try:
                content = self.kernel.run(code, deadline)
            except TimeoutError:
                self.result.flag("timeout")
                killed = self.kernel.killed
                self.result.feedback.append(
                    f"Cell {number} was still running when the notebook's time limit ran out; it was "
                    + ("stopped there, and did not stop when interrupted: a fresh kernel ran the cells "
                       "before it again, and " if killed else "stopped there, and ")
                    + "what was defined by then was graded.")
                if killed:
                    self.revive()
                break
            except KernelDiedError:
                self.result.flag("kernel died")
                last = self.restarts >= MAX_RESTARTS
                self.result.feedback.append(
                    f"Cell {number} stopped the kernel (a crash, os._exit, or more memory than the limit "
                    f"of {self.memory_mb} MB): a fresh kernel ran the cells before it again, then "
                    + (f"graded them; after {MAX_RESTARTS + 1} crashes, the cells after it were not run."
                       if last else "went on with the cells after it."))
                spent = time.monotonic()
                if not self.revive(final=last) or last:
                    break
                deadline += time.monotonic() - spent      # running again is not the notebook's time
                continue
            self.done.append((code, time.monotonic() - started))
            if content.get("status") == "error":
                errors += 1
                self.result.feedback.append(f"Cell {number} raised {str(content.get('ename'))[:80]}: "
                                            f"{str(content.get('evalue', ''))[:200]}")
        if errors:
            self.result.flag(f"{errors} cell{'s' if errors > 1 else ''} raised")

    def revive(self, final: bool = False) -> bool:
        """A fresh kernel with the finished cells run again; False (no kernel) if that is not possible.
        ``final``: one more than MAX_RESTARTS, to grade what the cells that finished defined."""
        self.kernel.close()
        self.kernel, self.helpers = None, False
        if self.restarts >= MAX_RESTARTS + final:
            self.result.feedback.append("The kernel stopped too many times: what was left could not be "
                                        "run or graded.")
            return False
        self.restarts += 1
        self.kernel = Kernel(self.memory_mb, self.cpu_seconds)
        deadline = time.monotonic() + 2 * sum(seconds for _, seconds in self.done) + 60
        try:
            for code, _ in self.done:
                self.kernel.run(code, deadline)
        except (TimeoutError, KernelDiedError):
            self.result.feedback.append("A fresh kernel could not run the notebook's cells again in time "
                                        "or without crashing: the rest could not be graded.")
            self.kernel.close()
            self.kernel = None
            return False
        return True

    def ready(self) -> Kernel:
        """The kernel, with the grader's helpers defined; a fresh one if the last one stopped."""
        if self.kernel is None:
            raise KernelDiedError()
        if not self.kernel.alive():
            self.result.flag("call timed out" if self.kernel.killed else "kernel died")
            if not self.revive():
                raise KernelDiedError()
        if not self.helpers:
            content = self.kernel.run(KERNEL_HELPERS, time.monotonic() + 120)
            if content.get("status") != "ok":
                raise BadReplyError(f"the grader's helpers could not be defined in the kernel "
                                    f"({str(content.get('ename'))[:40]}: {str(content.get('evalue'))[:80]})")
            self.helpers = True
        return self.kernel

    def close(self):
        if self.kernel is not None:
            self.kernel.close()


# ---------------------------------------------------------------- answers as plain data

class SubmittedObject:
    """Something a submission defined that is not plain data (shown by its type and repr only)."""

    def __init__(self, cls: str, text: str):
        self.cls, self.text = cls, text

    def __repr__(self):
        return self.text


def decode(item, notebook=None, name=None):
    """The grader's own copy of what the kernel encoded; BadReplyError if it is not well formed."""
    try:
        return _decode(item, notebook, name)
    except BadReplyError:
        raise
    except Exception:   # anything the kernel sent that the grader's helpers would not have
        raise BadReplyError("the kernel's reply is not the grader's") from None


def _decode(item, notebook, name):
    kind = item["t"]
    if kind == "json":
        if not (item["v"] is None or isinstance(item["v"], (bool, str))):
            raise BadReplyError("not plain data")
        return item["v"]
    if kind == "int":
        return int(item["v"])
    if kind == "float":
        return float(item["v"])
    if kind == "ellipsis":
        return ...
    if kind == "array":
        dtype = np.dtype(item["dtype"])
        if dtype.kind not in "biufcSU" or dtype.hasobject or dtype.fields:
            raise BadReplyError("not an array of numbers or text")
        raw = base64.b64decode(item["data"])
        a = np.frombuffer(raw, dtype=dtype).reshape([int(n) for n in item["shape"]])
        return a[()] if item["scalar"] else a.copy()
    if kind in ("list", "tuple"):
        values = [_decode(x, None, None) for x in item["v"]]
        return values if kind == "list" else tuple(values)
    if kind == "dict":
        return {str(k): _decode(v, None, None) for k, v in item["v"].items()}
    if kind in ("bytes", "bytearray"):
        return getattr(builtins, kind)(base64.b64decode(item["v"]))
    if kind == "optlib" and notebook is not None:
        own = _optlib_function(item["module"], item["qualname"])
        if own is not None:
            return own
        kind = "function"
    if kind == "function" and notebook is not None:
        return RemoteFunction(notebook, name, item.get("signature"))
    cls = str(item.get("cls", "function"))
    if not cls.isidentifier():
        cls = "object"
    # an opaque stand-in whose type has the submitted type's name, so that checks can name it
    return type(cls, (SubmittedObject,), {})(cls, str(item.get("repr", f"<function {name}>"))[:200])


def _optlib_function(module: str, qualname: str):
    """optlib's own function the kernel named (as the checks refuse it), imported here; else None."""
    if not (isinstance(module, str) and isinstance(qualname, str)) or module.split(".")[0] != "optlib":
        return None
    obj = sys.modules.get(module)
    for part in qualname.split("."):
        obj = getattr(obj, part, None) if part.isidentifier() else None
    return obj if inspect.isfunction(obj) else None


class RemoteFunction:
    """Stands for a function the student defined: each call runs it in the student's kernel on the
    arguments given here, and brings back its result, and any change it made to array arguments."""

    def __init__(self, notebook: Notebook, name: str, signature: str | None):
        self.notebook, self.__name__ = notebook, name
        self.optlib_calls: set[str] = set()        # names of optlib's functions its calls ran
        if isinstance(signature, str):
            self.__signature__ = _signature(signature)

    def __repr__(self):
        return f"<function {self.__name__}>"

    def __call__(self, *args, **kwargs):
        import cloudpickle

        payload = base64.b64encode(cloudpickle.dumps((args, kwargs))).decode()
        try:
            kernel = self.notebook.ready()
            reply = kernel.evaluate(f"_grader_call({self.__name__!r}, {payload!r})",
                                    time.monotonic() + CALL_TIMEOUT)
        except TimeoutError:
            self.notebook.result.flag("call timed out")
            raise TimeoutError(f"your function did not return within {CALL_TIMEOUT:g} s") from None
        except KernelDiedError:
            self.notebook.result.flag("kernel died")
            raise RuntimeError("the kernel stopped while your function ran (a crash, os._exit, or more "
                               "memory than the limit)") from None
        except BadReplyError:
            raise RuntimeError("your function's result could not be read back from the kernel") from None
        if not isinstance(reply, dict) or not reply.get("ok"):
            reply = reply if isinstance(reply, dict) else {}
            error = getattr(builtins, str(reply.get("ename")), None)
            if not (isinstance(error, type) and issubclass(error, Exception)):
                error = RuntimeError
            raise error(str(reply.get("evalue", ""))[:300])
        entered = reply.get("optlib")
        self.optlib_calls.update(n for n in (entered if isinstance(entered, list) else [])
                                 if isinstance(n, str))
        after = reply.get("args")
        for arg, changed in zip(args, after if isinstance(after, list) else []):
            if changed is not None and isinstance(arg, np.ndarray):
                changed = decode(changed)
                if (isinstance(changed, np.ndarray) and changed.shape == arg.shape
                        and not np.array_equal(changed, arg)):
                    np.copyto(arg, changed, casting="unsafe")   # the check sees the change it made
        return decode(reply.get("result"))


def _signature(text: str) -> inspect.Signature:
    """The signature ``text`` describes, built from its syntax only (defaults are never evaluated)."""
    P = inspect.Parameter
    try:
        spec = ast.parse(f"def f{text}: pass").body[0].args
    except (SyntaxError, ValueError, MemoryError, RecursionError):
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
    name: str = ""                                   # as the CSV names it (the file name)
    scores: dict = field(default_factory=dict)       # label -> points in [0, 1]
    status: list = field(default_factory=list)
    feedback: list = field(default_factory=list)

    def flag(self, status: str) -> None:
        """Add ``status`` (once), in place of "ok"."""
        if status not in self.status:
            self.status = [s for s in self.status if s != "ok"] + [status]


@dataclass
class Submission:
    path: Path
    text: str | None           # read before any kernel runs; None if the file could not be read


def grade(submission: Submission, chapters: dict, timeout: float, memory_mb: int, cases: dict) -> Result:
    """Run one submission in a kernel of its own and grade its chapter's exercises."""
    path = submission.path
    try:
        nb = json.loads(submission.text)
        if not isinstance(nb, dict):
            raise ValueError("not a JSON object")
    except (TypeError, ValueError, RecursionError) as error:
        result = Result(path, None, status=["not a notebook"])
        result.feedback.append(f"This file could not be read as a Jupyter notebook ({str(error)[:200]}).")
        return result
    result = Result(path, chapter_of(nb, path, list(chapters)))
    if result.chapter is None:
        result.status.append("unknown chapter")
        result.feedback.append(f"Could not tell which chapter this is (known: {', '.join(chapters)}).")
        return result
    exercises = chapters[result.chapter]
    result.scores = {e.label: 0.0 for e in exercises}
    notebook = Notebook(code_cells(nb), result, memory_mb, timeout)
    try:
        notebook.run(timeout)
        answers = _read_answers(notebook, exercises)    # plain data, before any function is called
        for exercise in exercises:
            result.scores[exercise.label] = _grade_exercise(exercise, answers, cases, result)
    finally:
        notebook.close()
    if not result.status:
        result.status.append("ok")
    return result


class Unreadable:
    """An answer that could not be read out of the kernel, and why."""

    def __init__(self, why: str):
        self.why = why


def _read_answers(notebook: Notebook, exercises: list[Exercise]) -> dict:
    """{name: answer} of every name the exercises' checks take (_MISSING where undefined)."""
    answers = {}
    for exercise in exercises:
        for _, names in exercise.checks:
            for name in names:
                if name not in answers:
                    answers[name] = _answer(notebook, name)
    return answers


_MISSING = object()


def _answer(notebook: Notebook, name: str):
    try:
        defined = notebook.ready().evaluate(f"__import__('json').dumps(_grader_encode({name})) "
                                            f"if {name!r} in globals() else 'null'",
                                            time.monotonic() + READ_TIMEOUT)
        return _MISSING if defined is None else decode(defined, notebook, name)
    except TimeoutError:
        return Unreadable(f"reading it took more than {READ_TIMEOUT:g} s")
    except KernelDiedError:
        notebook.result.flag("kernel died")
        return Unreadable("the kernel stopped")
    except BadReplyError as error:
        return Unreadable(str(error))


def _grade_exercise(exercise: Exercise, answers: dict, cases: dict, result: Result) -> float:
    from optlib import check

    os.environ.pop(check.STRICT_ENV, None)   # a wrong answer is a verdict to record here, not an error
    verdicts = []
    result.feedback.append(f"\n[{exercise.label}]")
    taken = []
    for check_name, names in exercise.checks:
        args = [answers[name] for name in names]
        taken.extend(args)
        missing = [n for n, a in zip(names, args) if a is _MISSING]
        unreadable = [f"{n} ({a.why})" for n, a in zip(names, args) if isinstance(a, Unreadable)]
        verdicts.append(False)
        if missing:
            result.feedback.append(f"✘ {check_name}: {', '.join(missing)} is not defined: run the "
                                   "exercise's cells, or keep the name the exercise asks for.")
            continue
        if unreadable:
            result.flag(f"not graded: {exercise.label}")
            result.feedback.append(f"✘ {check_name}: could not read {', '.join(unreadable)}.")
            continue
        try:
            feedback = getattr(check, check_name)(*args)
            correct, message = bool(feedback.correct), str(feedback.message)
        except Exception as error:   # a check must never raise; if it does, the answer goes to a person
            result.flag(f"not graded: {exercise.label}")
            result.feedback.append(f"✘ {check_name}: the check itself failed on this answer "
                                   f"({type(error).__name__}); your instructor will look at it.")
            continue
        own = [a.__name__ for a in args if isinstance(a, RemoteFunction) and a.__name__ in a.optlib_calls]
        if correct and own:   # as the checks refuse optlib's own function of the exercise's name
            correct, message = False, (f"{check_name}: your function runs optlib's own {own[0]}; the "
                                       "exercise asks you to write it yourself.")
        verdicts[-1] = correct
        result.feedback.append(("✔ " if correct else "✘ ") + message)
        stub = any(a is Ellipsis for a in args) or "not implemented" in message or "replace `...`" in message
        if stub and not correct:
            result.flag(f"stub left: {exercise.label}")
    for case in cases.get(exercise.label, []):
        passed, message = _run_case(case, taken)
        verdicts.append(passed)
        result.feedback.append(("✔ " if passed else "✘ ") + f"instructor case: {message}")
    return sum(verdicts) / len(verdicts)


def _run_case(case, answers) -> tuple[bool, str]:
    """A case's verdict and message. A case that raises fails with the exception's type only: its text
    may hold the case's own data, or whatever a submitted function put into its error."""
    if any(a is _MISSING or isinstance(a, Unreadable) for a in answers):
        return False, "not run: the exercise's answer is missing"
    try:
        passed, message = case(*answers)
        return bool(passed), str(message)
    except Exception as error:   # the case's own call of a submitted function failed
        return False, f"{_case_name(case)}: raised {type(error).__name__}"


def _case_name(case) -> str:
    return " ".join(getattr(case, "__name__", "case").split("_"))


# ---------------------------------------------------------------- the files a kernel must not change

class Guarded:
    """The contents of the files a submission must not change (the grader's inputs, and optlib's code,
    which the next submission's kernel imports), to put back what a kernel changed."""

    def __init__(self, files: list[Path], folders: list[tuple[Path, str]]):
        self.folders = folders                  # (folder, glob) whose new files are removed
        self.saved = {p.resolve(): p.read_bytes() for p in files if p.is_file()}
        for folder, pattern in folders:
            self.saved.update({p.resolve(): p.read_bytes() for p in folder.glob(pattern) if p.is_file()})

    def restore(self) -> list[str]:
        """Put back every guarded file that changed, remove new ones; the files concerned."""
        touched = []
        for path, data in self.saved.items():
            try:
                if path.is_file() and not path.is_symlink() and path.read_bytes() == data:
                    continue
                touched.append(str(path))
                if path.is_symlink() or path.is_file():
                    path.unlink()
                elif path.is_dir():
                    shutil.rmtree(path)
                path.write_bytes(data)
            except OSError as error:
                touched.append(f"{path} (could not be put back: {error.strerror})")
        for folder, pattern in self.folders:
            for path in folder.glob(pattern):
                if path.resolve() not in self.saved and (path.is_file() or path.is_symlink()):
                    touched.append(f"{path} (new, removed)")
                    path.unlink()
        return touched


# ---------------------------------------------------------------- the class's grades

def load_cases(path: Path | None) -> dict:
    if path is None:
        return {}
    spec = importlib.util.spec_from_file_location("instructor_cases", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.CASES)


def write_csv(results: list[Result], out: Path, chapters: dict) -> None:
    labels = [e.label for stem, exercises in chapters.items() for e in exercises
              if any(r.chapter == stem for r in results)]
    with out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["submission", *labels, "total", "status"])
        for r in results:
            cells = [f"{r.scores[label]:.2f}" if label in r.scores else "" for label in labels]
            writer.writerow([r.name, *cells, f"{sum(r.scores.values()):.2f}", "; ".join(r.status)])


def write_feedback(result: Result, folder: Path) -> Path:
    target = folder / (result.name.removesuffix(".ipynb").replace(os.sep, "_") + ".feedback.txt")
    total, most = sum(result.scores.values()), len(result.scores)
    head = [f"Submission: {result.name}", f"Chapter: {result.chapter}",
            f"Status: {'; '.join(result.status)}", f"Points: {total:.2f} of {most}"]
    target.write_text("\n".join(head + result.feedback) + "\n")
    return target


def names_of(paths: list[Path]) -> list[str]:
    """Each submission's name in the CSV: its file name, or its path as given where names repeat."""
    stems = [p.name for p in paths]
    return [p.name if stems.count(p.name) == 1 else str(p) for p in paths]


def prepare() -> Path:
    """Import now what grading imports, before any student code runs and could change it on disk;
    the folder of the optlib package imported."""
    import cloudpickle  # noqa: F401
    import jupyter_client  # noqa: F401

    import optlib.check
    from optlib import second_order  # noqa: F401   (a check's own import)

    return Path(optlib.check.__file__).parents[1]


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
    if args.timeout <= 0 or args.memory_mb <= 0:
        parser.error(f"--timeout and --memory-mb must be positive, got {args.timeout:g} and {args.memory_mb}")
    feedback = args.feedback or args.out.parent / f"{args.out.stem}_feedback"
    feedback.mkdir(parents=True, exist_ok=True)
    # everything the grader reads, read before the first kernel starts
    package = prepare()
    chapters = {p.stem: exercises_of(p) for p in sorted(args.book.glob("*.ipynb"))}
    cases = load_cases(args.cases)
    paths = list(dict.fromkeys(args.notebooks))          # a file named twice is graded once
    submissions = []
    for path in paths:
        try:
            submissions.append(Submission(path, path.read_text(errors="replace")))
        except OSError:
            submissions.append(Submission(path, None))
    guarded = Guarded([*paths, *([args.cases] if args.cases else [])],
                      [(package, "**/*.py"), (args.book, "*.ipynb")])
    results = []
    for submission, name in zip(submissions, names_of(paths)):
        try:
            result = grade(submission, chapters, args.timeout, args.memory_mb, cases)
        except Exception as error:   # one submission the grader cannot handle must not stop the class
            result = Result(submission.path, None, status=[f"grader error: {type(error).__name__}"],
                            feedback=[f"The grader failed on this notebook ({error}); grade it by hand."])
        result.name = name
        touched = guarded.restore()
        if touched:
            result.flag("changed the grader's files")
            result.feedback.append("\nWhile it ran, this submission changed files outside its scratch "
                                   "directory, which the grader put back: " + ", ".join(touched))
        results.append(result)
        write_feedback(result, feedback)
        write_csv(results, args.out, chapters)       # the rows so far, should grading be stopped
        points = sum(result.scores.values())
        print(f"{name}: {points:.2f} of {len(result.scores)} ({'; '.join(result.status)})", flush=True)
    for result in results:      # again: a later submission may have written over an earlier file
        write_feedback(result, feedback)
    write_csv(results, args.out, chapters)
    print(f"wrote {args.out} and {len(results)} feedback files in {feedback}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
