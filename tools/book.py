"""Execute the book's chapters with papermill (in parallel, each execution cached by its inputs)
and render the HTML from the executed notebooks.

Usage (through the Makefile, from the repository root)::

    python tools/book.py execute [--chapter NAME ...] [-p NAME VALUE ...] [--jobs N] [--fresh]
    python tools/book.py html [--chapter NAME ...]
    python tools/book.py list
    python tools/book.py inputs [NAME]

``execute`` runs each chapter of ``_toc.yml`` (a MyST-markdown notebook, read with jupytext) with
papermill, ``--jobs`` kernels side by side (default 2).  Each execution is stored under
``.cache/executions/<chapter>/<key>/`` (the executed notebook, its results file, its figures, its
log), where the key hashes everything the chapter depends on (``tools/inputs.py``: its source, the
library modules it imports, the data they read, its parameters, the pinned environment).  A
chapter whose key is already there is not executed again (``--fresh`` forces it).  The executions
are then installed into the build folder (``_build``, or ``$CRANISOTROPY_BUILD``): ``staging/``
(the notebooks), ``results/``, ``figures/`` (with ``manifest.json``).  Parameters
``-p NAME VALUE`` go to every chapter that declares NAME and are checked against its declaration
(``tools/parameters.py``) before anything runs.

``html`` renders the installed notebooks and the generated pages with a strict Jupyter Book build
(``-W -n --keep-going``: any Sphinx warning fails it).  It refuses a chapter that is missing, whose
execution failed, or whose inputs changed since it ran.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import inputs as chapter_inputs  # noqa: E402
import parameters as params_mod  # noqa: E402

BUILD = Path(os.environ.get("CRANISOTROPY_BUILD", ROOT / "_build")).resolve()
CACHE = Path(os.environ.get("CRANISOTROPY_EXECUTION_CACHE", ROOT / ".cache" / "executions")).resolve()
KEEP_PER_CHAPTER = 3          # cached executions kept per chapter (older ones are removed)
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


class ChapterFailed(RuntimeError):
    """A chapter raised while papermill executed it; the message names the chapter."""


OUTPUT = None                 # where progress goes (None: stdout); the test suite sends it to a file
_INSTALL_LOCK = threading.Lock()


def _say(msg: str) -> None:
    print(msg, file=OUTPUT or sys.stdout, flush=True)


# -- the table of contents (YAML) ------------------------------------------------------------
def load_toc(path: Path = ROOT / "_toc.yml") -> dict:
    import yaml

    return yaml.safe_load(path.read_text())


def _entries(items) -> list[str]:
    out = []
    for item in items or []:
        if "file" in item:
            out.append(item["file"])
        out.extend(_entries(item.get("sections")))
    return out


def toc_files(toc: dict | None = None) -> list[str]:
    """Every ``root``/``file`` entry of the toc, in reading order (no suffix)."""
    toc = toc if toc is not None else load_toc()
    files = [toc["root"]] if toc.get("root") else []
    for part in toc.get("parts", []):
        files.extend(_entries(part.get("chapters")))
    files.extend(_entries(toc.get("chapters")))
    return files


def source_of(entry: str, root: Path = ROOT) -> Path | None:
    """The source file of a toc entry, or None for a generated page."""
    for suffix in (".md", ".ipynb"):
        p = root / f"{entry}{suffix}"
        if p.is_file():
            return p
    return None


def is_notebook(path: Path) -> bool:
    """A MyST chapter is a notebook when its front matter has a ``jupytext:`` block."""
    import yaml

    text = path.read_text()
    if not text.startswith("---"):
        return False
    front = yaml.safe_load(text.split("---", 2)[1]) or {}
    return "jupytext" in front


def chapters() -> dict[str, Path]:
    """name -> source of every notebook chapter of the toc, in toc (execution) order."""
    out = {}
    for entry in toc_files():
        src = source_of(entry)
        if src is not None and src.suffix == ".md" and is_notebook(src):
            out[src.stem] = src
    return out


def _rel(src: Path) -> Path:
    """``src`` relative to the repository (a chapter copied elsewhere counts as ``book/<name>``)."""
    try:
        return src.resolve().relative_to(ROOT)
    except ValueError:
        return Path("book") / src.name


# -- parameters ------------------------------------------------------------------------------
def parameter_cell(src: Path):
    import jupytext

    nb = jupytext.read(src)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            return nb, i
    return nb, None


def declared_parameters(src: Path) -> dict[str, params_mod.Parameter]:
    """The chapter's parameters (name -> :class:`parameters.Parameter`), in order."""
    nb, i = parameter_cell(src)
    return {} if i is None else params_mod.declared(nb.cells[i].source)


def split_parameters(pairs: list[list[str]], names: list[str], srcs: dict[str, Path]) -> dict[str, dict]:
    """Distribute ``-p NAME VALUE`` pairs to the chapters that declare NAME, validated."""
    per = {n: {} for n in names}
    declared = {n: declared_parameters(srcs[n]) for n in names}
    for key, raw in pairs:
        takers = [n for n in names if key in declared[n]]
        if not takers:
            known = sorted({p for d in declared.values() for p in d})
            raise params_mod.ParameterError(f"no chapter in {names} declares a parameter '{key}'; "
                                            f"the parameters are: {', '.join(known)}")
        for n in takers:
            per[n][key] = params_mod.parse_value(raw)
    return {n: params_mod.validate(per[n], declared[n], n) for n in names}


# -- executing one chapter (in a child process) -----------------------------------------------
def _execute_here(name: str, src: Path, out_dir: Path, parameters: dict) -> int:
    """Run papermill on ``src`` with ``CRANISOTROPY_BUILD=out_dir``; write ``run.json``."""
    import jupytext
    import papermill as pm

    out_dir.mkdir(parents=True, exist_ok=True)
    os.environ["CRANISOTROPY_BUILD"] = str(out_dir)
    os.environ.pop("MPLBACKEND", None)        # figures must reach the notebook (jupyter-book-notes)
    record = {"chapter": name, "ok": False, "error": None, "seconds": None,
              "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "host": socket.gethostname(),
              "threads": {v: os.environ.get(v) for v in THREAD_VARS}}
    t0 = time.perf_counter()
    try:
        nb = jupytext.read(src)
        pm.execute_notebook(nb, str(out_dir / "notebook.ipynb"), parameters=parameters, cwd=str(src.parent),
                            kernel_name="python3", progress_bar=False, log_output=False,
                            request_save_on_cell_execute=False)
        record["ok"] = True
    except pm.PapermillExecutionError as exc:
        record["error"] = f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
    except Exception as exc:  # kernel death, bad notebook, ...
        record["error"] = f"{type(exc).__name__}: {exc}"
    record["seconds"] = round(time.perf_counter() - t0, 2)
    (out_dir / "run.json").write_text(json.dumps(record, indent=1) + "\n")
    return 0 if record["ok"] else 1


def _entry_dir(name: str, key: str) -> Path:
    return CACHE / name / key


def _expected_seconds(name: str) -> float:
    times = CACHE / "times.json"
    try:
        return float(json.loads(times.read_text())[name])
    except (OSError, KeyError, ValueError):
        return -1.0


def _remember_seconds(name: str, seconds: float, lock=threading.Lock()) -> None:
    with lock:
        path = CACHE / "times.json"
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            data = {}
        data[name] = seconds
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def _prune(name: str, keep: str) -> None:
    folder = CACHE / name
    entries = sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for p in entries[KEEP_PER_CHAPTER:]:
        if p.name != keep:
            shutil.rmtree(p, ignore_errors=True)


def run_chapter(name: str, src: Path, parameters: dict, *, threads: int, fresh: bool = False,
                src_override: bool = False) -> dict:
    """Execute one chapter in a child process (or take it from the cache); returns its record
    with ``key``, ``inputs``, ``cached`` and the path ``entry`` of the cached execution."""
    rec_inputs = chapter_inputs.inputs(src, parameters)
    key = chapter_inputs.inputs_key(rec_inputs)
    entry = _entry_dir(name, key)
    if not fresh and not src_override and (entry / "run.json").is_file():
        rec = json.loads((entry / "run.json").read_text())
        if rec.get("ok"):
            return {**rec, "key": key, "inputs": rec_inputs, "cached": True, "entry": str(entry)}
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".run-{name}-", dir=CACHE))
    env = dict(os.environ)
    for var in THREAD_VARS:
        env[var] = str(threads)
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env.pop("PYTHONDONTWRITEBYTECODE", None)      # kernels reuse compiled bytecode (see the Makefile)
    env["PYTHONWARNINGS"] = env.get("PYTHONWARNINGS", "ignore::DeprecationWarning")
    with open(tmp / "log.txt", "w") as log:
        res = subprocess.run([sys.executable, str(Path(__file__).resolve()), "_run", name, str(src),
                              str(tmp), json.dumps(parameters)], env=env, stdout=log, stderr=subprocess.STDOUT)
    run_path = tmp / "run.json"
    rec = json.loads(run_path.read_text()) if run_path.is_file() else {
        "chapter": name, "ok": False, "error": f"the runner exited with {res.returncode} (see log)", "seconds": None}
    rec.update(key=key, cached=False)
    (tmp / "inputs.json").write_text(json.dumps(rec_inputs, indent=1, sort_keys=True) + "\n")
    if rec["ok"] and not src_override:
        entry.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(entry, ignore_errors=True)
        tmp.rename(entry)
        _prune(name, key)
        _remember_seconds(name, rec["seconds"])
    else:                    # installed (so that the build shows the failure) but never reused
        entry = CACHE / name / (".failed" if not src_override else ".override")
        entry.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(entry, ignore_errors=True)
        tmp.rename(entry)
    return {**rec, "inputs": rec_inputs, "entry": str(entry)}


# -- installing an execution into a build folder ----------------------------------------------
def staged_notebook(build: Path, name: str) -> Path:
    return build / "staging" / "book" / f"{name}.ipynb"


def _mark_parameters(nb, src: Path, parameters: dict) -> None:
    """Show non-default parameters where a reader sees them: a note at the top of the page and
    the values used in the parameters cell (papermill's injected cell is hidden)."""
    import nbformat

    if not parameters:
        return
    declared = declared_parameters(src)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            cell.metadata["tags"] = tags + ["remove-cell"]
        if cell.cell_type == "code" and "parameters" in tags:
            lines = cell.source.splitlines()
            for k, v in parameters.items():
                p = declared[k]
                lines.append(f"{k} = {v!r}   # this run; default: {p.source}")
            cell.source = "\n".join(lines)
    used = ", ".join(f"`{k} = {v!r}` (default `{declared[k].source}`)" for k, v in parameters.items())
    note = nbformat.v4.new_markdown_cell(
        ":::{important}\nThis page was executed with **non-default parameters**: " + used
        + ". Its numbers, figures and verdicts are those of this run, not of the book's defaults.\n:::")
    first_code = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))
    nb.cells.insert(first_code, note)


def install(name: str, src: Path, run: dict, build: Path, parameters: dict) -> None:
    """Copy an execution (cached or fresh) into ``build``: notebook, results, figures, manifest."""
    with _INSTALL_LOCK:      # chapters finish in parallel threads; the manifest is shared
        _install(name, src, run, build, parameters)


def _install(name: str, src: Path, run: dict, build: Path, parameters: dict) -> None:
    import nbformat

    entry = Path(run["entry"])
    nb_path = entry / "notebook.ipynb"
    out = staged_notebook(build, name)
    out.parent.mkdir(parents=True, exist_ok=True)
    if nb_path.is_file():
        nb = nbformat.read(nb_path, as_version=4)
        _mark_parameters(nb, src, parameters)
        nb.metadata["cranisotropy"] = {"key": run["key"], "cached": run["cached"], "ok": run["ok"],
                                       "error": run.get("error"), "seconds": run.get("seconds"),
                                       "started": run.get("started"), "host": run.get("host"),
                                       "parameters": parameters, "source": str(_rel(src)),
                                       "log": str(entry / "log.txt")}
        nbformat.write(nb, out)
    else:
        out.unlink(missing_ok=True)
    products = entry / "products"
    if products.is_dir():
        (build / "products").mkdir(parents=True, exist_ok=True)
        for f in products.glob("*.json"):
            shutil.copy2(f, build / "products" / f.name)
    res = entry / "results" / f"{name}.json"
    (build / "results").mkdir(parents=True, exist_ok=True)
    if res.is_file():
        shutil.copy2(res, build / "results" / f"{name}.json")
    figs = entry / "figures"
    dest = build / "figures"
    dest.mkdir(parents=True, exist_ok=True)
    manifest_path = dest / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    manifest = {k: v for k, v in manifest.items() if v.get("chapter") != name}
    if (figs / "manifest.json").is_file():
        manifest.update(json.loads((figs / "manifest.json").read_text()))
        for f in figs.iterdir():
            if f.suffix in (".png", ".pdf", ".svg"):
                shutil.copy2(f, dest / f.name)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    status = {k: run.get(k) for k in ("chapter", "ok", "error", "seconds", "started", "host", "key", "cached")}
    status.update(parameters=parameters, source=str(_rel(src)), inputs=run["inputs"], log=str(entry / "log.txt"))
    (build / "status").mkdir(parents=True, exist_ok=True)
    (build / "status" / f"{name}.json").write_text(json.dumps(status, indent=1) + "\n")


def clean_outputs(build: Path | None = None) -> None:
    """Remove every installed notebook, figure, result and status record of a build folder."""
    build = build or BUILD
    for sub in ("staging", "status", "figures", "results", "products", "execution.json"):
        p = build / sub
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        elif p.exists():
            p.unlink()


def execute(names: list[str] | None = None, parameters: dict[str, dict] | None = None, *,
            build: Path | None = None, jobs: int = 2, fresh: bool = False, clean: bool = False,
            srcs: dict[str, Path] | None = None, quiet: bool = False) -> dict[str, dict]:
    """Execute (or take from the cache) and install chapters; returns name -> record.

    ``srcs`` may replace the sources of some chapters (a test's broken copy); such runs are
    never cached.  Chapters run ``jobs`` at a time, the longest (as last measured) first.
    """
    build = (build or BUILD).resolve()
    all_srcs = chapters()
    names = list(names or all_srcs)
    unknown = [n for n in names if n not in all_srcs and n not in (srcs or {})]
    if unknown:
        raise KeyError(f"no chapter named {unknown} in _toc.yml (chapters: {list(all_srcs)})")
    parameters = parameters or {}
    CACHE.mkdir(parents=True, exist_ok=True)
    if clean:
        clean_outputs(build)
    jobs = max(1, int(jobs))
    threads = max(1, (os.cpu_count() or 1) // jobs)
    order = sorted(names, key=lambda n: -_expected_seconds(n) if _expected_seconds(n) >= 0
                   else -(all_srcs.get(n) or srcs[n]).stat().st_size / 1000)
    t0 = time.perf_counter()
    records: dict[str, dict] = {}

    def one(name):
        src = (srcs or {}).get(name) or all_srcs[name]
        rec = run_chapter(name, src, parameters.get(name, {}), threads=threads, fresh=fresh,
                          src_override=bool(srcs and name in srcs))
        install(name, src, rec, build, parameters.get(name, {}))
        if not quiet:
            if rec["ok"]:
                how = (f"cached (ran {rec['seconds']:.1f} s on {rec.get('started', '?')[:10]})" if rec["cached"]
                       else f"{rec['seconds']:.1f} s")
                _say(f"[{'cached' if rec['cached'] else 'ok'}] {name}: {how}")
            else:
                _say(f"[FAILED] {name}: {rec.get('error')}\n         log: {Path(rec['entry']) / 'log.txt'}")
                log = Path(rec["entry"]) / "log.txt"
                if log.is_file():
                    tail = log.read_text(errors="replace").strip().splitlines()[-15:]
                    _say("\n".join("         | " + ln for ln in tail))
        return name, rec

    if not quiet:
        _say(f"[execute] {len(names)} chapter(s), {jobs} at a time, {threads} thread(s) each")
    with cf.ThreadPoolExecutor(max_workers=jobs) as pool:
        for name, rec in pool.map(one, order):
            records[name] = rec
    wall = time.perf_counter() - t0
    ran = [r for r in records.values() if not r["cached"]]
    summary = {"wall_seconds": round(wall, 1), "jobs": jobs, "threads_per_kernel": threads,
               "executed": sorted(n for n, r in records.items() if not r["cached"]),
               "cached": sorted(n for n, r in records.items() if r["cached"]),
               "cpu_seconds_of_executed": round(sum(r["seconds"] or 0 for r in ran), 1),
               "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    (build / "execution.json").write_text(json.dumps(summary, indent=1) + "\n")
    if not quiet:
        _say(f"[execute] done in {wall:.1f} s: {len(ran)} executed "
             f"({summary['cpu_seconds_of_executed']:.0f} s of chapter time), {len(records) - len(ran)} from the cache")
    return {n: records[n] for n in names}


def execute_chapter(name: str, parameters: dict | None = None, *, src: Path | None = None,
                    build: Path | None = None) -> dict:
    """Execute one chapter and install it; raise :class:`ChapterFailed` naming the chapter, the
    cell and the error when a cell fails."""
    srcs = {name: src} if src is not None else None
    all_srcs = chapters()
    declared = declared_parameters(src or all_srcs[name])
    params = params_mod.validate(dict(parameters or {}), declared, name)
    rec = execute([name], {name: params}, build=build, jobs=1, srcs=srcs, quiet=True)[name]
    if not rec["ok"]:
        raise ChapterFailed(f"chapter '{name}' ({_rel(src or all_srcs[name])}) failed in {rec.get('error')}")
    return rec


# -- staleness -------------------------------------------------------------------------------
def stale_chapters(only: list[str] | None = None, build: Path | None = None) -> list[str]:
    """Chapters whose executed notebook is missing, failed, or was made from other inputs."""
    build = build or BUILD
    problems = []
    chapter_inputs.clear_cache()
    for name, src in chapters().items():
        if only and name not in only:
            continue
        sp = build / "status" / f"{name}.json"
        if not sp.is_file() or not staged_notebook(build, name).is_file():
            problems.append(f"{name}: not executed")
            continue
        st = json.loads(sp.read_text())
        if not st.get("ok"):
            problems.append(f"{name}: its last execution failed ({st.get('error')})")
            continue
        now = chapter_inputs.inputs(src, st.get("parameters") or {})
        if chapter_inputs.inputs_key(now) != st.get("key"):
            old = st.get("inputs", {})
            changed = [f for f in set(now["files"]) | set(old.get("files", {}))
                       if now["files"].get(f) != old.get("files", {}).get(f)]
            if now["source"] != old.get("source"):
                changed.insert(0, str(_rel(src)))
            if now["environment"] != old.get("environment"):
                changed.append("the environment (requirements.txt / Python)")
            problems.append(f"{name}: stale (changed since it ran: {', '.join(sorted(changed)) or 'its inputs'})")
    return problems


# -- rendering -------------------------------------------------------------------------------
def _prune_toc(toc: dict, keep) -> dict:
    """A copy of the toc with only the entries for which ``keep(entry)`` holds (empty parts dropped)."""
    import copy

    toc = copy.deepcopy(toc)

    def walk(items):
        out = []
        for item in items or []:
            if "file" in item and not keep(item["file"]):
                continue
            if item.get("sections"):
                item["sections"] = walk(item["sections"])
                if not item["sections"]:
                    del item["sections"]
            out.append(item)
        return out

    if "parts" in toc:
        parts = []
        for part in toc["parts"]:
            part["chapters"] = walk(part.get("chapters"))
            if part["chapters"]:
                parts.append(part)
        toc["parts"] = parts
    if "chapters" in toc:
        toc["chapters"] = walk(toc["chapters"])
    return toc


DOWNLOADS_TAG = "cranisotropy-downloads"
SHOWN = {"parameters", "show-input", "remove-cell", "remove-input", "hide-input", "hide-cell"}


def fold_code(build: Path, name: str, *, remove: bool = False) -> None:
    """Pages read as physics: every code cell of the staged notebook is folded (``hide-input``:
    one click shows it) or, for the PDF, left out (``remove-input``), except the parameters cell
    and cells a chapter tags ``show-input`` (or hides or removes itself)."""
    import nbformat

    nb_path = staged_notebook(build, name)
    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        added = cell.metadata.pop("cranisotropy_folded", None)      # undo an earlier staging
        tags = [t for t in cell.metadata.get("tags", []) if t != added]
        if not SHOWN & set(tags):
            added = "remove-input" if remove else "hide-input"
            tags.append(added)
            cell.metadata["cranisotropy_folded"] = added
        cell.metadata["tags"] = tags
    nbformat.write(nb, nb_path)


def add_downloads(build: Path, name: str) -> None:
    """Offer a chapter's executed notebook, results file and figures (PNG, PDF) on its page: copy
    them to ``staging/book/_downloads/<name>/`` and put a note with ``{download}`` links after the
    chapter's opening paragraph (replacing an earlier one)."""
    import nbformat

    nb_path = staged_notebook(build, name)
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells = [c for c in nb.cells if c.metadata.get("tags") != [DOWNLOADS_TAG]]
    folder = build / "staging" / "book" / "_downloads" / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    clean = nbformat.from_dict(json.loads(json.dumps(nb)))
    clean.metadata.pop("cranisotropy", None)
    nbformat.write(clean, folder / f"{name}.ipynb")
    links = [f"{{download}}`executed notebook <_downloads/{name}/{name}.ipynb>`"]
    res = build / "results" / f"{name}.json"
    if res.is_file():
        shutil.copy2(res, folder / f"{name}.json")
        links.append(f"{{download}}`results (JSON) <_downloads/{name}/{name}.json>`")
    manifest_path = build / "figures" / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    figs = []
    for fid, entry in sorted(manifest.items()):
        if entry.get("chapter") != name:
            continue
        parts = []
        for kind in ("png", "pdf"):
            src = build / entry[kind]
            if src.is_file():
                shutil.copy2(src, folder / src.name)
                parts.append(f"{{download}}`{kind.upper()} <_downloads/{name}/{src.name}>`")
        figs.append(f"`{fid}` ({', '.join(parts)})")
    text = ":::{admonition} Downloads\n:class: dropdown\n\n" + " · ".join(links)
    if figs:
        text += "\n\nFigures: " + "; ".join(figs) + "."
    text += "\n:::"
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["tags"] = [DOWNLOADS_TAG]
    first_code = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))
    nb.cells.insert(first_code, cell)
    nbformat.write(nb, nb_path)


def stage_pages(build: Path, only: list[str] | None = None, generated: bool = False,
                downloads: bool = True) -> None:
    """Write config and toc next to the executed notebooks, copy the written pages, generate the
    generated ones; ``downloads``: offer each chapter's files on its page."""
    import yaml

    import pages

    stage = build / "staging"
    stage.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    toc = load_toc()
    if only:
        # a partial book: links to chapters left out cannot resolve; the full build stays strict
        sphinx_cfg = config.setdefault("sphinx", {}).setdefault("config", {})
        sphinx_cfg["suppress_warnings"] = list(sphinx_cfg.get("suppress_warnings") or []) + \
            ["myst.xref_missing", "ref.doc", "ref.ref"]

        def keep(entry):
            src = source_of(entry)
            if src is not None and is_notebook(src):
                return src.stem in only
            return src is not None or (generated and entry in pages.GENERATED)

        toc = _prune_toc(toc, keep)
    (stage / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    (stage / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    for p in (ROOT / "book").rglob("*"):
        if p.is_dir() or "__pycache__" in p.parts or p.name.startswith("."):
            continue
        if p.suffix == ".md" and is_notebook(p):
            continue
        dest = stage / p.relative_to(ROOT)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(p, dest)
    for name in chapters():
        if staged_notebook(build, name).is_file() and (not only or name in only):
            fold_code(build, name, remove=not downloads)
            if downloads:
                add_downloads(build, name)
            else:   # the PDF: no download links
                import nbformat

                nbp = staged_notebook(build, name)
                nb = nbformat.read(nbp, as_version=4)
                nb.cells = [c for c in nb.cells if c.metadata.get("tags") != [DOWNLOADS_TAG]]
                nbformat.write(nb, nbp)
    pages.generate(stage, build, toc_files(toc))


def _jupyter_book(build: Path, out_parent: Path, extra: list[str], log_path: Path):
    """Run ``jupyter-book build`` on the staged book into ``out_parent/_build`` (``extra``: builder
    and strictness options), quietly; write its log to ``log_path``. Returns (result, log text)."""
    jb = shutil.which("jupyter-book", path=str(Path(sys.executable).parent))
    cmd = ([jb] if jb else [sys.executable, "-m", "jupyter_book"]) + [
        "build", str(build / "staging"), "--path-output", str(out_parent), "--all", *extra, "-n",
        "--keep-going", "--quiet"]
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)
    env["PYTHONWARNINGS"] = "ignore"
    res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    log = (res.stdout or "") + (res.stderr or "")
    log_path.write_text(log)
    return res, log


def html(only: list[str] | None = None, generated: bool = False, build: Path | None = None) -> None:
    """Strict render of the executed chapters (``only``: a partial book of these chapters)."""
    build = (build or BUILD).resolve()
    problems = stale_chapters(only, build)
    if problems and os.environ.get("CRANISOTROPY_ALLOW_STALE") == "1":  # development only, never in make
        print("warning: rendering despite:\n  " + "\n  ".join(problems), file=sys.stderr)
        problems = [p for p in problems if "stale" not in p]
    if problems:
        raise SystemExit("error: cannot render the book from these chapters:\n  "
                         + "\n  ".join(problems) + "\nrun `make figures` (or `make book`) first")
    t0 = time.perf_counter()
    stage_pages(build, only, generated)
    for sub in ("html", ".doctrees", "jupyter_execute"):
        shutil.rmtree(build / sub, ignore_errors=True)
    out_parent = build.parent if build.name == "_build" else build
    if build.name != "_build":   # jupyter-book writes to <path-output>/_build: move it into place
        out_parent = Path(tempfile.mkdtemp(prefix="jb-", dir=build))
    _say("[html] strict Jupyter Book build (-W -n --keep-going)")
    res, log = _jupyter_book(build, out_parent, ["-W"], build / "html-build.log")
    shown = [ln for ln in log.splitlines() if ln.strip() and ("WARNING" in ln or "ERROR" in ln or "rror" in ln)]
    if build.name != "_build":
        if (out_parent / "_build" / "html").is_dir():
            shutil.move(str(out_parent / "_build" / "html"), str(build / "html"))
        shutil.rmtree(out_parent, ignore_errors=True)
    if res.returncode != 0:
        _say("\n".join(shown[-40:]) or log[-4000:])
        raise SystemExit(f"error: strict HTML build failed (exit {res.returncode}; log: {build / 'html-build.log'})")
    _say(f"[html] done in {time.perf_counter() - t0:.1f} s: {build / 'html' / 'index.html'}")


def pdf(build: Path | None = None) -> Path:
    """The whole book as one PDF through Jupyter Book's LaTeX builder (xelatex): ``build/book.pdf``."""
    build = (build or BUILD).resolve()
    problems = stale_chapters(None, build)
    if problems:
        raise SystemExit("error: cannot typeset the book from these chapters:\n  " + "\n  ".join(problems)
                         + "\nrun `make figures` (or `make book`) first")
    t0 = time.perf_counter()
    stage_pages(build, downloads=False)
    out_parent = Path(tempfile.mkdtemp(prefix="latex-", dir=build))
    _say("[pdf] Jupyter Book LaTeX build (xelatex)")
    res, log = _jupyter_book(build, out_parent, ["--builder", "pdflatex"], build / "pdf-build.log")
    produced = out_parent / "_build" / "latex" / "book.pdf"
    if res.returncode != 0 or not produced.is_file():
        errors = [ln for ln in log.splitlines() if ln.startswith("!") or "WARNING" in ln or "Error" in ln]
        _say("\n".join(errors[-30:]) or log[-3000:])
        raise SystemExit(f"error: the PDF build failed (exit {res.returncode}; log: {build / 'pdf-build.log'})")
    shutil.rmtree(build / "latex", ignore_errors=True)
    shutil.move(str(out_parent / "_build" / "latex"), str(build / "latex"))
    shutil.rmtree(out_parent, ignore_errors=True)
    target = build / "book.pdf"
    shutil.copy2(build / "latex" / "book.pdf", target)
    _say(f"[pdf] done in {time.perf_counter() - t0:.1f} s: {target}")
    return target


# -- command line ----------------------------------------------------------------------------
def _list() -> None:
    """Every chapter's parameters as they are passed on the command line, with their comments."""
    import shlex

    for name, src in chapters().items():
        print(f"{name}  ({_rel(src)})")
        for p in declared_parameters(src).values():
            arg = f"-p {p.name} {shlex.quote(repr(p.default))}"
            note = p.comment + (f"  (= {p.source})" if repr(p.default) != p.source else "")
            print(f"    {arg:<44s} # {note}")


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "_run":          # internal: one chapter in this process
        _, name, src, out_dir, params = argv
        return _execute_here(name, Path(src), Path(out_dir), json.loads(params))

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    ex = sub.add_parser("execute", help="execute chapters with papermill (cached by their inputs)")
    ex.add_argument("--chapter", action="append", default=[], help="chapter name (repeatable); default: all")
    ex.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    ex.add_argument("--jobs", type=int, default=int(os.environ.get("JOBS", 2)), help="kernels side by side")
    ex.add_argument("--fresh", action="store_true", help="execute even when a cached execution matches")
    hp = sub.add_parser("html", help="strict HTML build from the executed notebooks")
    hp.add_argument("--chapter", action="append", default=[],
                    help="render a partial book with only these chapters (a quick check)")
    hp.add_argument("--with-generated", action="store_true",
                    help="with --chapter: include the generated pages (figures, claims, status)")
    sub.add_parser("pdf", help="the whole book as one PDF (LaTeX builder, needs TeX: make pdf)")
    sub.add_parser("list", help="list the chapters and their parameters")
    ip = sub.add_parser("inputs", help="what each chapter depends on")
    ip.add_argument("chapter", nargs="*")
    args = ap.parse_args(argv)

    if args.cmd == "list":
        _list()
        return 0
    if args.cmd == "inputs":
        for name, src in chapters().items():
            if args.chapter and name not in args.chapter:
                continue
            rec = chapter_inputs.inputs(src)
            print(f"{name}  key {chapter_inputs.inputs_key(rec)}")
            for f in sorted(rec["files"]):
                print(f"    {f}")
        return 0
    if args.cmd == "html":
        html(args.chapter or None, args.with_generated)
        return 0
    if args.cmd == "pdf":
        pdf()
        return 0

    srcs = chapters()
    names = args.chapter or list(srcs)
    missing = [n for n in names if n not in srcs]
    if missing:
        raise SystemExit(f"error: unknown chapter(s) {missing}; chapters: {list(srcs)}")
    try:
        params = split_parameters(args.parameter, names, srcs)
    except params_mod.ParameterError as exc:
        raise SystemExit(f"error: {exc}") from None
    records = execute(names, params, jobs=args.jobs, fresh=args.fresh, clean=not args.chapter)
    failed = [n for n, r in records.items() if not r["ok"]]
    if failed:
        print(f"error: {len(failed)} chapter(s) failed: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
