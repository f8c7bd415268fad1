"""Execute the book's chapters with papermill and render the HTML from the executed notebooks.

Usage (through the Makefile, from the repository root)::

    python tools/book.py execute [--chapter NAME ...] [-p NAME VALUE ...]
    python tools/book.py html
    python tools/book.py list

``execute`` runs each chapter of ``_toc.yml`` (a MyST-markdown notebook, read with jupytext)
exactly once with papermill, into ``_build/staging/``; a parameter ``-p NAME VALUE`` goes to every
chapter whose ``parameters`` cell declares NAME (and is an error if none does).  Each run writes
``_build/status/<chapter>.json`` (outcome, run time, parameters, hashes of the inputs).
``html`` copies the non-notebook pages next to the executed notebooks and runs a strict
Jupyter Book build (``-W -n --keep-going --all``: any Sphinx warning fails it) into
``_build/html``.  It refuses to render a chapter whose executed notebook is missing, failed, or
stale (its source, ``lib/`` or ``data/`` changed after it ran).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import pages  # noqa: E402  (generated pages: figures, status, claims ledger)

BUILD = Path(os.environ.get("CRANISOTROPY_BUILD", ROOT / "_build")).resolve()


class ChapterFailed(RuntimeError):
    """A chapter raised while papermill executed it; the message names the chapter."""


# -- the table of contents ---------------------------------------------------------------------
def toc_files(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Every ``file:``/``root:`` entry of the toc, in reading order (no suffix)."""
    files = []
    for line in toc_path.read_text().splitlines():
        m = re.match(r"^\s*(?:-\s*)?(root|file):\s*(\S+)\s*$", line)
        if m:
            files.append(m.group(2))
    return files


def source_of(entry: str) -> Path | None:
    """The source file of a toc entry, or None for a generated page."""
    for suffix in (".md", ".ipynb"):
        p = ROOT / f"{entry}{suffix}"
        if p.is_file():
            return p
    return None


def is_notebook(path: Path) -> bool:
    """A MyST chapter is a notebook when its front matter has a ``jupytext:`` block."""
    text = path.read_text()
    if not text.startswith("---"):
        return False
    front = text.split("---", 2)[1]
    return re.search(r"^jupytext:", front, flags=re.M) is not None


def chapters() -> dict[str, Path]:
    """name -> source of every notebook chapter of the toc."""
    out = {}
    for entry in toc_files():
        src = source_of(entry)
        if src is not None and src.suffix == ".md" and is_notebook(src):
            out[src.stem] = src
    return out


# -- parameters --------------------------------------------------------------------------------
def declared_parameters(src: Path) -> dict[str, str]:
    """Names assigned in the chapter's cell tagged ``parameters`` -> their source text."""
    import jupytext

    nb = jupytext.read(src)
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            tree = ast.parse(cell.source)
            found = {}
            for node in tree.body:
                if isinstance(node, ast.Assign):
                    for t in node.targets:
                        if isinstance(t, ast.Name):
                            found[t.id] = ast.get_source_segment(cell.source, node.value)
            return found
    return {}


def parse_value(text: str):
    """A command-line parameter value: a Python literal if it is one, else the string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


# -- hashing the inputs of a chapter -----------------------------------------------------------
def _hash_tree(*folders: Path) -> str:
    h = hashlib.sha256()
    for folder in folders:
        if not folder.exists():
            continue
        for p in sorted(folder.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(".pyc"):
                h.update(str(p.relative_to(ROOT)).encode())
                h.update(p.read_bytes())
    return h.hexdigest()


def inputs_hash(src: Path) -> dict[str, str]:
    return {
        "source": hashlib.sha256(src.read_bytes()).hexdigest(),
        "lib_and_data": _hash_tree(ROOT / "lib" / "cranisotropy", ROOT / "data"),
    }


# -- execution ---------------------------------------------------------------------------------
def _rel(src: Path) -> Path:
    """``src`` relative to the repository (a chapter copied elsewhere counts as ``book/<name>``)."""
    try:
        return src.resolve().relative_to(ROOT)
    except ValueError:
        return Path("book") / src.name


def staging_dir() -> Path:
    return BUILD / "staging"


def status_path(name: str) -> Path:
    return BUILD / "status" / f"{name}.json"


def execute_chapter(name: str, parameters: dict | None = None, *, src: Path | None = None,
                    log_output: bool = False) -> dict:
    """Execute one chapter with papermill into ``_build/staging/book/<name>.ipynb``.

    Raises :class:`ChapterFailed` (naming the chapter, the cell and the error) when a cell fails.
    """
    import jupytext
    import papermill as pm

    src = src or chapters().get(name)
    if src is None:
        raise KeyError(f"no chapter named '{name}' in _toc.yml (chapters: {sorted(chapters())})")
    parameters = dict(parameters or {})
    declared = declared_parameters(src)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ValueError(f"chapter '{name}' has no parameter(s) {unknown}; it declares {sorted(declared)}")
    out = staging_dir() / _rel(src).with_suffix(".ipynb")
    out.parent.mkdir(parents=True, exist_ok=True)
    status = {"chapter": name, "source": str(_rel(src)), "parameters": parameters,
              "executed_at": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
              "inputs": inputs_hash(src), "ok": False, "seconds": None, "error": None}
    status_path(name).parent.mkdir(parents=True, exist_ok=True)
    env_before = os.environ.get("CRANISOTROPY_BUILD")
    os.environ["CRANISOTROPY_BUILD"] = str(BUILD)  # the kernel inherits it
    t0 = time.perf_counter()
    try:
        nb = jupytext.read(src)
        pm.execute_notebook(nb, str(out), parameters=parameters, cwd=str(src.parent),
                            kernel_name="python3", progress_bar=False, log_output=log_output,
                            request_save_on_cell_execute=False)
        status["ok"] = True
    except pm.PapermillExecutionError as exc:
        status["error"] = f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
        raise ChapterFailed(f"chapter '{name}' ({_rel(src)}) failed in cell "
                            f"{exc.exec_count}: {exc.ename}: {exc.evalue}") from None
    except Exception as exc:  # kernel death, bad notebook, ...
        status["error"] = f"{type(exc).__name__}: {exc}"
        raise ChapterFailed(f"chapter '{name}' ({_rel(src)}) could not be executed: "
                            f"{type(exc).__name__}: {exc}") from exc
    finally:
        status["seconds"] = round(time.perf_counter() - t0, 2)
        status_path(name).write_text(json.dumps(status, indent=1) + "\n")
        if env_before is None:
            os.environ.pop("CRANISOTROPY_BUILD", None)
        else:
            os.environ["CRANISOTROPY_BUILD"] = env_before
    return status


def clean_outputs() -> None:
    """Remove every executed notebook, figure, result and status record (a full run starts clean)."""
    for sub in ("staging", "status", "figures", "results"):
        shutil.rmtree(BUILD / sub, ignore_errors=True)


def split_parameters(pairs: list[list[str]], names: list[str]) -> dict[str, dict]:
    """Distribute ``-p NAME VALUE`` pairs to the chapters that declare NAME."""
    per = {n: {} for n in names}
    srcs = chapters()
    for key, raw in pairs:
        takers = [n for n in names if key in declared_parameters(srcs[n])]
        if not takers:
            raise SystemExit(f"error: no chapter in {names} declares a parameter '{key}'")
        for n in takers:
            per[n][key] = parse_value(raw)
    return per


# -- rendering ---------------------------------------------------------------------------------
def stale_chapters(only: list[str] | None = None) -> list[str]:
    """Chapters whose executed notebook is missing, failed, or older than their inputs."""
    problems = []
    for name, src in chapters().items():
        if only and name not in only:
            continue
        sp = status_path(name)
        nb = staging_dir() / _rel(src).with_suffix(".ipynb")
        if not sp.is_file() or not nb.is_file():
            problems.append(f"{name}: not executed")
            continue
        st = json.loads(sp.read_text())
        if not st.get("ok"):
            problems.append(f"{name}: its last execution failed ({st.get('error')})")
        elif st.get("inputs") != inputs_hash(src):
            problems.append(f"{name}: stale (its source, lib/ or data/ changed since it ran)")
    return problems


def reduced_toc(only: list[str], generated: bool = False) -> str:
    """The toc with only the chapters ``only`` and the written pages (``generated``: also the
    generated pages): for a quick check of a few chapters."""
    keep = []
    for line in (ROOT / "_toc.yml").read_text().splitlines():
        m = re.match(r"^\s*-\s*file:\s*(\S+)\s*$", line)
        if m:
            src = source_of(m.group(1))
            if src is not None and is_notebook(src) and src.stem not in only:
                continue
            if src is None and not (generated and m.group(1) in pages.GENERATED):
                continue  # a generated page (unless asked for), or a chapter not written yet
        keep.append(line)
    # drop parts left without chapters
    out, i = [], 0
    while i < len(keep):
        if re.match(r"^\s*-\s*caption:", keep[i]):
            j = i + 1
            while j < len(keep) and not re.match(r"^\s*-\s*caption:", keep[j]):
                j += 1
            if any(re.match(r"^\s*-\s*file:", ln) for ln in keep[i:j]):
                out.extend(keep[i:j])
            i = j
        else:
            out.append(keep[i])
            i += 1
    return "\n".join(out) + "\n"


def stage_pages(only: list[str] | None = None, generated: bool = False) -> None:
    """Copy config and non-notebook pages next to the executed notebooks; generate pages."""
    stage = staging_dir()
    stage.mkdir(parents=True, exist_ok=True)
    config = (ROOT / "_config.yml").read_text()
    if only:
        # a partial book: links to chapters left out cannot resolve; the full build stays strict
        config = config.replace("suppress_warnings: []", 'suppress_warnings: ["myst.xref_missing", "ref.doc", "ref.ref"]')
    (stage / "_config.yml").write_text(config)
    if only:
        (stage / "_toc.yml").write_text(reduced_toc(only, generated))
    else:
        shutil.copy2(ROOT / "_toc.yml", stage / "_toc.yml")
    for p in (ROOT / "book").rglob("*"):
        if p.is_dir() or "__pycache__" in p.parts or p.name.startswith("."):
            continue
        if p.suffix == ".md" and is_notebook(p):
            continue
        dest = stage / p.relative_to(ROOT)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(p, dest)
    pages.generate(stage, BUILD)


def html(only: list[str] | None = None, generated: bool = False) -> None:
    """Strict render of the executed chapters (``only``: a partial book of these chapters)."""
    problems = stale_chapters(only)
    if problems and os.environ.get("CRANISOTROPY_ALLOW_STALE") == "1":  # development only, never in make
        print("warning: rendering despite:\n  " + "\n  ".join(problems), file=sys.stderr)
        problems = [p for p in problems if "stale" not in p]
    if problems:
        raise SystemExit("error: cannot render the book from these chapters:\n  "
                         + "\n  ".join(problems) + "\nrun `make figures` (or `make book`) first")
    stage_pages(only, generated)
    for sub in ("html", ".doctrees", "jupyter_execute"):
        shutil.rmtree(BUILD / sub, ignore_errors=True)
    cmd = [sys.executable, "-m", "jupyter_book", "build", str(staging_dir()),
           "--path-output", str(BUILD.parent) if BUILD.name == "_build" else str(BUILD),
           "--all", "-W", "-n", "--keep-going"]
    jb = shutil.which("jupyter-book", path=str(Path(sys.executable).parent))
    if jb:
        cmd = [jb] + cmd[3:]
    print("+", " ".join(cmd), flush=True)
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)
    res = subprocess.run(cmd, env=env)
    if res.returncode != 0:
        raise SystemExit(f"error: strict HTML build failed (exit {res.returncode})")
    print(f"book: {BUILD / 'html' / 'index.html'}")


# -- command line ------------------------------------------------------------------------------
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    ex = sub.add_parser("execute", help="execute chapters with papermill")
    ex.add_argument("--chapter", action="append", default=[], help="chapter name (repeatable); default: all")
    ex.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    hp = sub.add_parser("html", help="strict HTML build from the executed notebooks")
    hp.add_argument("--chapter", action="append", default=[],
                    help="render a partial book with only these chapters (a quick check)")
    hp.add_argument("--with-generated", action="store_true",
                    help="with --chapter: include the generated pages (figures, claims, status)")
    sub.add_parser("list", help="list the chapters and their parameters")
    args = ap.parse_args(argv)

    if args.cmd == "list":
        for name, src in chapters().items():
            print(f"{name:28s} {_rel(src)}")
            for k, v in declared_parameters(src).items():
                print(f"    -p {k} {v}")
        return 0
    if args.cmd == "html":
        html(args.chapter or None, args.with_generated)
        return 0

    names = args.chapter or list(chapters())
    missing = [n for n in names if n not in chapters()]
    if missing:
        raise SystemExit(f"error: unknown chapter(s) {missing}; chapters: {list(chapters())}")
    params = split_parameters(args.parameter, names)
    if not args.chapter:
        clean_outputs()
    failed = []
    for name in names:
        print(f"[execute] {name} {params[name] or ''}", flush=True)
        try:
            st = execute_chapter(name, params[name])
            print(f"[ok] {name} in {st['seconds']:.1f} s", flush=True)
        except ChapterFailed as exc:
            print(f"[FAILED] {exc}", flush=True)
            failed.append(name)
    if failed:
        print(f"error: {len(failed)} chapter(s) failed: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
