"""Pages generated at build time from what the chapters recorded (never written by hand).

``generate(stage, build)`` writes, into the staging folder, every generated page that the staged
``_toc.yml`` lists (see ``GENERATED``: toc entry -> function returning the page's MyST text):

* ``book/figures``: every figure of both papers (what the original showed, the regenerated
  figure, its chapter and parameters, what differs), then every other figure of the book, all
  from ``_build/figures/manifest.json``;
* ``book/claims``: the claims ledger, from the ``claims`` of ``_build/results/*.json``;
* ``book/status``: each chapter's outcome and run time in the build that made the pages, from
  ``_build/status/*.json``.
"""

from __future__ import annotations

import json
import platform
import re
import shutil
from importlib import metadata
from pathlib import Path

from cranisotropy.book import ledger
from cranisotropy.book.figures import PAPER_FIGURES

ROOT = Path(__file__).resolve().parents[1]


# -- helpers ---------------------------------------------------------------------------------
# front matter that gives a generated page the full width (no right-hand "Contents" sidebar)
WIDE = "---\nhtml_theme.sidebar_secondary.remove: true\n---\n"

def _title(chapter: str) -> str:
    """The first '# ' heading of book/<chapter>.md."""
    src = ROOT / "book" / f"{chapter}.md"
    if src.is_file():
        for line in src.read_text().splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return chapter


def _doc(chapter: str) -> str:
    return f"{{doc}}`{_title(chapter)} <{chapter}>`"


def _cell(text) -> str:
    """Text safe inside a list-table cell (one line)."""
    s = str(text).replace("\n", " ").strip()
    return s if s else "–"


def _params(params: dict) -> str:
    if not params:
        return "defaults of the chapter"
    return ", ".join(f"`{k} = {v!r}`" for k, v in params.items())


def _list_table(header: list[str], rows: list[list[str]], widths: list[int] | None = None) -> str:
    lines = ["```{list-table}", ":header-rows: 1"]
    if widths:
        lines.append(":widths: " + " ".join(str(w) for w in widths))
    lines.append("")
    for row in [header] + rows:
        lines.append(f"* - {_cell(row[0])}")
        lines.extend(f"  - {_cell(c)}" for c in row[1:])
    lines.append("```")
    return "\n".join(lines)


# -- the figures page ------------------------------------------------------------------------
def figures_page(build: Path, stage: Path) -> str:
    manifest_path = build / "figures" / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    img_dir = stage / "book" / "_generated"
    img_dir.mkdir(parents=True, exist_ok=True)
    for fid, entry in manifest.items():
        shutil.copy2(build / entry["png"], img_dir / f"{fid}.png")

    out = [WIDE, "(figures-page)=", "# Figures", "",
           "This page is generated from the figure manifest `_build/figures/manifest.json` when the "
           "book is built. Every figure below was drawn by the chapter named with it, in the same "
           "build, from numbers that chapter computed; the PNG and PDF files are in `_build/figures/`.",
           "", "## The papers' figures", ""]
    for fid, name in PAPER_FIGURES.items():
        out += [f"### {name}", ""]
        entry = manifest.get(fid)
        if entry is None:
            out += [f"```{{warning}}\n`{fid}` was not regenerated in this build.\n```", ""]
            continue
        out += [f"**What the original showed.** {entry.get('original', '–')}", "",
                f"```{{image}} _generated/{fid}.png", f":alt: {entry['caption']}", ":width: 85%", "```", "",
                f"*Regenerated:* {entry['caption']}", "",
                f"- **Chapter:** {_doc(entry['chapter'])}",
                f"- **Parameters:** {_params(entry.get('parameters', {}))}",
                f"- **Files:** `_build/{entry['png']}`, `_build/{entry['pdf']}`",
                f"- **What differs:** {entry.get('differences', '–')}", ""]
    others = {k: v for k, v in manifest.items() if k not in PAPER_FIGURES}
    out += ["## Figures new in this book", ""]
    if not others:
        out.append("None in this build.")
    by_chapter: dict[str, list] = {}
    for fid, entry in sorted(others.items()):
        by_chapter.setdefault(entry["chapter"], []).append((fid, entry))
    for chapter, items in by_chapter.items():
        out += [f"### {_title(chapter)}", ""]
        for fid, entry in items:
            out += [f"```{{image}} _generated/{fid}.png", f":alt: {entry['caption']}", ":width: 65%", "```", "",
                    f"`{fid}`: {entry['caption']} ({_doc(chapter)}; parameters: {_params(entry.get('parameters', {}))})",
                    ""]
    return "\n".join(out) + "\n"


# -- the claims ledger -----------------------------------------------------------------------
PAPER_TITLES = {"ahlers2014": "Ahlers (2014), PRL 112, 021101", "zhang-liu2024": "Zhang & Liu (2024), arXiv:2402.16554"}


def _evidence(rec: dict) -> str:
    ev = rec.get("evidence", {})
    parts = []
    if ev.get("quantity"):
        parts.append(ev["quantity"] + ":")
    if "measured" in ev:
        rel = " (relative)" if ev.get("relative") else ""
        parts.append(f"measured {_num(ev['measured'])}, expected {_num(ev['expected'])}, "
                     f"tolerance {_num(ev['tolerance'])}{rel}.")
    if rec.get("reason"):
        parts.append(rec["reason"])
    if ev.get("figure"):
        parts.append(f"Figure `{ev['figure']}`.")
    return " ".join(parts)


def _num(v) -> str:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f"{x:.4g}"


def claims_page(build: Path, stage: Path) -> str:
    records = ledger.collect(build / "results")
    problems = ledger.problems(records)
    summary = ledger.summary(records)
    out = [WIDE, "(claims-ledger)=", "# Claims ledger", "",
           "Which statements of the two papers hold, which do not, and how we know. This page is "
           "generated when the book is built from the claims each chapter recorded in its results "
           "file, with the numbers measured in the same build. A verdict is `reproduced` when the "
           "measured number lies within the stated tolerance of the expected one and `differs` "
           "otherwise; `not reproducible` and `open` carry their reason. The test suite fails when "
           "a verdict does not follow from its numbers or when a listed claim has no record.", ""]
    if problems:
        out += ["```{error}", "The ledger has problems:", ""] + [f"- {p}" for p in problems] + ["```", ""]
    header = ["paper"] + list(ledger.VERDICTS) + ["total"]
    rows = [[PAPER_TITLES[p]] + [str(summary[p][v]) for v in ledger.VERDICTS] + [str(sum(summary[p].values()))]
            for p in ledger.PAPERS]
    out += [_list_table(header, rows), ""]
    for paper in ledger.PAPERS:
        recs = [r for r in records if r.get("paper") == paper]
        out += [f"## {PAPER_TITLES[paper]}", ""]
        if not recs:
            out += ["No claims recorded in this build.", ""]
            continue
        rows = []
        for r in recs:
            claim = (f"**{r['where']}**: {r['claim']} "
                     f"({{ref}}`{_title(r['chapter'])} <{r['section']}>`)")
            rows.append([claim, f"**{r['verdict']}**", _evidence(r) + f" Id: `{r['id']}`."])
        out += [_list_table(["claim (where in the paper; the section with the evidence)", "verdict", "evidence"],
                            rows, widths=[42, 12, 46]), ""]
    return "\n".join(out) + "\n"


# -- the execution-status page ---------------------------------------------------------------
KEY_PACKAGES = ("numpy", "scipy", "sympy", "matplotlib", "healpy", "numba", "papermill", "jupytext", "jupyter-book")


def status_page(build: Path, stage: Path) -> str:
    toc = (stage / "_toc.yml").read_text()
    order = [m.group(1).split("/")[-1] for m in re.finditer(r"file:\s*(\S+)", toc)]
    statuses = {}
    for p in (build / "status").glob("*.json"):
        st = json.loads(p.read_text())
        statuses[st["chapter"]] = st
    rows, total = [], 0.0
    for name in [n for n in order if n in statuses] + sorted(set(statuses) - set(order)):
        st = statuses[name]
        total += st.get("seconds") or 0
        rows.append([_doc(name), "ok" if st["ok"] else f"**failed**: {st.get('error')}",
                     f"{st.get('seconds', 0):.1f} s", st.get("executed_at", "–"),
                     _params(st.get("parameters", {})), f"`{st['inputs']['source'][:10]}`"])
    versions = []
    for pkg in KEY_PACKAGES:
        try:
            versions.append(f"{pkg} {metadata.version(pkg)}")
        except metadata.PackageNotFoundError:
            pass
    out = [WIDE, "(status-page)=", "# Execution status", "",
           "Generated when the book was built: each chapter's outcome and run time in the papermill "
           "run whose notebooks these pages were rendered from (`_build/status/<chapter>.json`). A "
           "chapter that failed, or whose source, `lib/` or `data/` changed after it ran, is never "
           "rendered: the build stops instead.", "",
           _list_table(["chapter", "outcome", "run time", "executed (UTC)", "parameters", "source sha256"], rows,
                       widths=[26, 10, 9, 17, 26, 12]), "",
           f"Total execution time: {total:.0f} s on a machine with {platform.machine()} "
           f"({platform.python_implementation()} {platform.python_version()}).", "",
           "Environment: " + ", ".join(versions) + " (all versions pinned in `requirements.txt`).", ""]
    return "\n".join(out) + "\n"


GENERATED = {
    "book/figures": figures_page,
    "book/claims": claims_page,
    "book/status": status_page,
}


def generate(stage: Path, build: Path) -> list[Path]:
    """Write the generated pages that the staged toc lists; return their paths."""
    toc = (stage / "_toc.yml").read_text()
    written = []
    for entry, make in GENERATED.items():
        if re.search(rf"file:\s*{re.escape(entry)}\s*$", toc, flags=re.M):
            path = stage / f"{entry}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(make(build, stage))
            written.append(path)
    return written
