"""How much code the chapters hold, and whether they define anything (issue 13: chapters narrate
and call; the computations live in the library).

    python tools/chapter_code.py        # lines of code per chapter and in all

A chapter's code is every line inside its ```{code-cell} blocks, without the cell's option
header (the ``:tags:`` lines or the ``---`` YAML block of cell metadata).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)


def code_cells(src: Path) -> list[str]:
    """The code of each code cell of a MyST chapter, without the cell's option header."""
    out = []
    for m in CELL.finditer(src.read_text(encoding="utf-8")):
        lines = m.group(1).splitlines()
        if lines and lines[0].strip() == "---":
            end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), 0)
            lines = lines[end + 1:]
        lines = [ln for ln in lines if not ln.startswith(":")]
        out.append("\n".join(lines))
    return out


def code_lines(src: Path) -> int:
    """Lines of code (blank lines included) in a chapter's code cells."""
    return sum(len(c.splitlines()) for c in code_cells(src))


def definitions(src: Path) -> list[str]:
    """Functions, classes and lambdas bound to names that a chapter defines (there should be none)."""
    found = []
    for code in code_cells(src):
        tree = ast.parse("\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in code.splitlines()))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.append(f"{type(node).__name__} {node.name}")
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
                found.append(f"lambda bound to {ast.unparse(node.targets[0])}")
    return found


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import book

    total = 0
    for name, src in book.chapters().items():
        n = code_lines(src)
        total += n
        print(f"{name:18s} {n:5d}  {', '.join(definitions(src))}")
    print(f"{'total':18s} {total:5d}")
