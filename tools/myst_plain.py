"""MyST that only Jupyter Book understands, rewritten as Markdown that any Jupyter renders.

Colab, VS Code and the classic Notebook show ``{glue:text}`, ``{cite}`` or ``{eq}`` as raw text.
The student version of a chapter therefore resolves them the way the website does:

* glued values become the numbers the website shows (from the site build's ``<chapter>.glue.json``);
* citations become "(Goodfellow et al., 2016)", with the labels of the bibliography page;
* equation, algorithm, theorem and exercise references become their numbers, "(5.2)", "Algorithm 6.1",
  section references the section's title;
* ``{literalinclude}`` becomes the included code; ``{prf:…}`` boxes and admonitions plain Markdown.

Anything left in MyST form afterwards is an error (``Plainer.check``), so a new role cannot slip
through unresolved.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
from bib_labels import author_year  # noqa: E402

ROLE = re.compile(r"\{(?P<name>[a-z]+(?::[a-z]*)?)\}`(?P<body>[^`]*)`")
# A fenced directive: ```{name} argument / :option: value lines / body / closing fence.
DIRECTIVE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[a-z:-]+)\}[ \t]*(?P<arg>[^\n]*)\n"
    r"(?P<options>(?:[ \t]*:[\w-]+:[^\n]*\n)*)"
    r"(?P<body>.*?)\n?^(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
# A display equation, from its opening $$ line to the first closing one, with its label if it has one.
DISPLAY_MATH = re.compile(r"^\$\$\n(?P<tex>.*?)\n\$\$[ \t]*(?:\((?P<label>[\w:-]+)\))?[ \t]*$",
                          re.MULTILINE | re.DOTALL)
ADMONITIONS = {"note", "warning", "important", "tip", "caution", "attention", "hint", "seealso"}


def options_of(text: str) -> dict[str, str]:
    return dict(re.findall(r"^[ \t]*:([\w-]+):[ \t]*(.*?)[ \t]*$", text, re.MULTILINE))


def chapter_numbers(toc_path: Path = ROOT / "_toc.yml") -> dict[str, int]:
    """{'gradient_descent': 1, …} for the numbered part of the table of contents."""
    import yaml

    toc = yaml.safe_load(toc_path.read_text())
    numbers = {}
    for part in toc.get("parts", []):
        if part.get("numbered"):
            for chapter in part["chapters"]:
                numbers[Path(chapter["file"]).name] = len(numbers) + 1
    return numbers


def page_titles(book: Path = ROOT / "book") -> dict[str, str]:
    """{'notation': 'Notation', …}: the first heading of every page, for {doc} references."""
    titles = {}
    for page in book.glob("*.md"):
        titles[page.stem] = page.read_text().split("\n", 1)[0].lstrip("# ").strip()
    for page in book.glob("*.ipynb"):
        first = json.loads(page.read_text())["cells"][0]["source"]
        titles[page.stem] = "".join(first).split("\n", 1)[0].lstrip("# ").strip()
    return titles


def glue_text(data: dict, spec: str) -> str:
    """A glued value as the website shows it (myst-nb's own formatting of text/plain)."""
    from myst_nb.core.variables import format_plain_text

    return format_plain_text(data["text/plain"], spec) if spec else data["text/plain"]


def python_object(path: Path, name: str) -> str:
    """The source of the class or function ``name`` in ``path``, decorators included."""
    text = path.read_text()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and node.name == name:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            return "\n".join(text.splitlines()[start - 1:node.end_lineno])
    raise KeyError(f"{name} not found in {path}")


def included(path: Path, options: dict) -> str:
    """The code a {literalinclude} shows: the :pyobject:, then :start-at:/:end-before: and :prepend:."""
    code = python_object(path.resolve(), options["pyobject"]) if "pyobject" in options \
        else path.resolve().read_text()
    lines = code.splitlines()
    if "lines" in options:  # "3-7" or "1,4-6", 1-based as in Sphinx
        keep = []
        for part in options["lines"].split(","):
            first, _, last = part.strip().partition("-")
            keep += range(int(first) - 1, int(last or first))
        lines = [lines[i] for i in keep if i < len(lines)]
    if "start-at" in options:
        start = next(i for i, line in enumerate(lines) if options["start-at"].strip('"') in line)
        lines = lines[start:]
    if "end-before" in options:
        end = next(i for i, line in enumerate(lines) if options["end-before"].strip('"') in line)
        lines = lines[:end]
    if "prepend" in options:
        lines = [options["prepend"].strip('"')] + lines
    return "\n".join(lines)


@dataclass
class Plainer:
    """Rewrites the Markdown cells of one chapter; numbering follows the website's (chapter.n)."""

    chapter: int | None
    glue: dict
    bib: dict
    folder: Path = ROOT / "book"
    titles: dict = field(default_factory=page_titles)
    equations: dict = field(default_factory=dict)
    proofs: dict = field(default_factory=dict)  # label → "Algorithm 6.1", "Theorem 1.1", …
    exercises: dict = field(default_factory=dict)
    sections: dict = field(default_factory=dict)  # (label)= targets → their heading

    def number(self, n: int) -> str:
        return f"{self.chapter}.{n}" if self.chapter else str(n)

    def scan(self, markdowns: list[str]) -> None:
        """Number labelled equations, algorithms and exercises in document order, as Sphinx does."""
        for text in markdowns:
            for m in DISPLAY_MATH.finditer(text):
                if m["label"]:
                    self.equations[m["label"]] = self.number(len(self.equations) + 1)
            for m in DIRECTIVE.finditer(text):
                label = options_of(m["options"]).get("label")
                kind = m["name"].removeprefix("prf:")
                if m["name"] == "exercise":
                    self.exercises[label or f"#{len(self.exercises)}"] = self.number(len(self.exercises) + 1)
                elif m["name"].startswith("prf:") and kind != "proof":
                    title = kind.capitalize()
                    count = sum(name.startswith(title + " ") for name in self.proofs.values())
                    self.proofs[label or f"#{len(self.proofs)}"] = f"{title} {self.number(count + 1)}"
            for m in re.finditer(r"^\(([\w:-]+)\)=\s*\n#+\s*(.+)$", text, re.MULTILINE):
                self.sections[m[1]] = m[2].strip()

    # --- roles ----------------------------------------------------------------------------------

    def role(self, m: re.Match) -> str:
        name, body = m["name"], m["body"].strip()
        if name.startswith("glue"):
            key, _, spec = body.partition(":")
            return glue_text(self.glue[key], spec)
        if name.startswith("cite"):
            labels = [author_year(self.bib[key.strip()]) for key in body.split(",")]
            if name == "cite:t":
                return "; ".join(re.sub(r", (\S+)$", r" (\1)", label) for label in labels)
            return "(" + "; ".join(labels) + ")"
        if name == "eq":
            return f"({self.equations[body]})"
        if name == "prf:ref":
            return self.proofs[body]
        if name in ("numref", "ref") and body in self.exercises:
            return f"Exercise {self.exercises[body]}"
        if name == "ref":
            explicit = re.fullmatch(r"(.*?)\s*<(.+)>", body)
            return f"*{explicit[1]}*" if explicit else f"*{self.sections[body]}*"
        if name == "doc":
            explicit = re.fullmatch(r"(.*?)\s*<(.+)>", body)
            return f"*{explicit[1]}*" if explicit else f"*{self.titles.get(body, body)}*"
        return m[0]  # left for check() to report

    # --- directives -----------------------------------------------------------------------------

    def directive(self, m: re.Match) -> str:
        name, arg, body = m["name"], m["arg"].strip(), self.rewrite(m["body"].strip())
        options = options_of(m["options"])
        if name == "exercise":
            number = self.exercises[options.get("label", "")] if "label" in options else ""
            heading = f"**Exercise {number}**" + (f" ({arg})" if arg else "")
            return f"{heading}\n\n{body}"
        if name == "prf:proof":
            return f"*Proof.* {body} ∎"
        if name.startswith("prf:"):
            numbered = self.proofs.get(options.get("label", ""), name.removeprefix("prf:").capitalize())
            return f"**{numbered}**" + (f" ({arg})" if arg else "") + f"\n\n{body}"
        if name == "literalinclude":
            return f"```python\n{included(self.folder / arg, options)}\n```"
        if name in ADMONITIONS or name == "admonition":
            title = arg if name == "admonition" else name.capitalize()
            return "\n".join(f"> {line}".rstrip() for line in [f"**{title}.**", "", *body.splitlines()])
        return m[0]

    def equation(self, m: re.Match) -> str:
        """A labelled display equation carries its number as a \\tag, which every Jupyter's MathJax shows."""
        if not m["label"]:
            return m[0]
        return f"$$\n{m['tex']}\n\\tag{{{self.equations[m['label']]}}}\n$$"

    def rewrite(self, text: str) -> str:
        text = DIRECTIVE.sub(self.directive, text)
        text = DISPLAY_MATH.sub(self.equation, text)
        text = re.sub(r"^\([\w:-]+\)=[ \t]*\n", "", text, flags=re.MULTILINE)  # section targets
        return ROLE.sub(self.role, text)

    @staticmethod
    def check(text: str) -> list[str]:
        """What is still MyST (roles and directive fences) in ``text``: should be nothing."""
        return ([m[0] for m in ROLE.finditer(text)]
                + [m[0].split("\n")[0] for m in DIRECTIVE.finditer(text)])
