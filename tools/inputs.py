"""What a chapter's numbers depend on, and one key for all of it.

A chapter's inputs are its source, the library modules it imports (directly or through other
library modules: the import graph of ``lib/cranisotropy`` read with ``ast``, imports inside
functions included), the data those modules read (a module names the folders of ``data/`` it
reads in a module-level ``__data__ = ("icecube12yr",)``, and other files of the repository it
reads in ``__files__ = ("book/claims",)``: files or folders), the parameters it runs with and the
environment (the pinned ``requirements.txt``, the Python version, this runner's format).
:func:`inputs_key` hashes all of them; editing one library module changes the key only of the
chapters that import it.
"""

from __future__ import annotations

import ast
import hashlib
import json
import platform
import sys
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "lib"
PACKAGE = "cranisotropy"
FORMAT = "execution-v1"      # bump when the way chapters are executed changes


def module_path(name: str, lib: Path = LIB) -> Path | None:
    """Source file of the dotted module ``name`` under ``lib`` (a package's ``__init__.py``)."""
    base = lib.joinpath(*name.split("."))
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def _resolve(node: ast.ImportFrom, current: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    parts = current.split(".")
    if not is_package:
        parts = parts[:-1]
    if node.level > 1:
        parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def imported_modules(tree: ast.AST, current: str = "", is_package: bool = False, lib: Path = LIB) -> set[str]:
    """Library modules (``cranisotropy...``) that an ast imports, anywhere in it."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node, current, is_package)
            names = [base] + [f"{base}.{a.name}" for a in node.names if a.name != "*"]
        else:
            continue
        for n in names:
            if n == PACKAGE or n.startswith(PACKAGE + "."):
                # every existing module on the dotted path, packages included
                parts = n.split(".")
                for i in range(1, len(parts) + 1):
                    sub = ".".join(parts[:i])
                    if module_path(sub, lib) is not None:
                        found.add(sub)
    return found


@lru_cache(maxsize=None)
def _module_info(name: str, lib: Path = LIB) -> tuple[frozenset, tuple, tuple]:
    path = module_path(name, lib)
    tree = ast.parse(path.read_text(), filename=str(path))
    deps = imported_modules(tree, name, path.name == "__init__.py", lib)
    declared = {"__data__": (), "__files__": ()}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name) and t.id in declared:
                    declared[t.id] = tuple(ast.literal_eval(node.value))
    return frozenset(deps - {name}), declared["__data__"], declared["__files__"]


def module_closure(direct: set[str], lib: Path = LIB) -> set[str]:
    """``direct`` and every library module they import, transitively."""
    seen, todo = set(), list(direct)
    while todo:
        m = todo.pop()
        if m in seen or module_path(m, lib) is None:
            continue
        seen.add(m)
        todo.extend(_module_info(m, lib)[0] - seen)
    return seen


def chapter_code(src: Path) -> str:
    """The code of a MyST-notebook chapter (its code cells, joined)."""
    import jupytext

    nb = jupytext.read(src)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def _code_tree(code: str) -> ast.AST:
    # IPython magics and shell escapes are not Python: blank them out before parsing
    lines = ["" if ln.lstrip().startswith(("%", "!")) else ln for ln in code.splitlines()]
    return ast.parse("\n".join(lines))


def chapter_modules(src: Path, lib: Path = LIB) -> list[str]:
    """Sorted library modules a chapter depends on (what it imports, transitively)."""
    direct = imported_modules(_code_tree(chapter_code(src)), lib=lib)
    return sorted(module_closure(direct | {PACKAGE}, lib))


def _declared(modules: list[str], root: Path, lib: Path, index: int, what: str) -> list[Path]:
    """Files that ``modules`` declare (``_module_info`` entry ``index``), relative to ``root``;
    a declared folder stands for every file under it."""
    out = set()
    for m in modules:
        for rel in _module_info(m, lib)[index]:
            p = root / rel
            if p.is_dir():
                out.update(q for q in p.rglob("*") if q.is_file())
            elif p.is_file():
                out.add(p)
            else:
                raise FileNotFoundError(f"module {m} declares {what} {rel!r}, which is not under {root}")
    return sorted(out)


def chapter_data(modules: list[str], data_root: Path, lib: Path = LIB) -> list[Path]:
    """Data files read by ``modules`` (their ``__data__`` folders or files under ``data_root``)."""
    return _declared(modules, data_root, lib, 1, "data")


def module_files(modules: list[str], root: Path, lib: Path = LIB) -> list[Path]:
    """Repository files (``__files__``, relative to ``root``) that ``modules`` read."""
    return _declared(modules, root, lib, 2, "the file")


def environment() -> dict:
    req = ROOT / "requirements.txt"
    return {"format": FORMAT, "python": platform.python_version(), "machine": platform.machine(),
            "requirements": hashlib.sha256(req.read_bytes()).hexdigest() if req.is_file() else ""}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def inputs(src: Path, parameters: dict | None = None, *, root: Path = ROOT) -> dict:
    """Everything a chapter's execution depends on, as a JSON-ready dict of hashes."""
    lib = root / "lib"
    modules = chapter_modules(src, lib)
    files = {}
    for m in modules:
        p = module_path(m, lib)
        files[str(p.relative_to(root))] = _sha(p)
    for p in chapter_data(modules, root / "data", lib) + module_files(modules, root, lib):
        files[str(p.relative_to(root))] = _sha(p)
    return {"source": _sha(src), "files": files, "parameters": json.loads(json.dumps(parameters or {}, sort_keys=True)),
            "environment": environment()}


def inputs_key(record: dict) -> str:
    """One hash of an :func:`inputs` record."""
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:24]


def clear_cache() -> None:
    """Forget parsed modules (after the library changed in this process)."""
    _module_info.cache_clear()


if __name__ == "__main__":   # print what each chapter depends on
    sys.path.insert(0, str(ROOT / "tools"))
    import book

    for name, src in book.chapters().items():
        rec = inputs(src)
        print(name, inputs_key(rec))
        for f in rec["files"]:
            print("   ", f)
