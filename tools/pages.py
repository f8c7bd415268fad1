"""Pages generated at build time from what the chapters recorded (never written by hand).

``generate(stage, build)`` writes, into the staging folder, every generated page that the staged
``_toc.yml`` lists (see ``GENERATED``: toc entry -> function returning the page's MyST text):

* ``book/figures``: every figure of both papers (what the original showed, the regenerated
  figure, its chapter and parameters, what differs), then every other figure of the book, all
  from ``_build/figures/manifest.json``;
* ``book/claims``: the claims ledger, from the ``verdicts`` of ``_build/results/*.json`` and the
  registry ``book/claims/``;
* ``book/status``: each chapter's outcome and run time in the build that made the pages, from
  ``_build/status/*.json``.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
from importlib import metadata
from pathlib import Path

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
def _made_by(fid: str, entry: dict) -> str:
    """A link to the cell that made figure ``fid`` (its labelled figure in the chapter)."""
    from cranisotropy.book.figures import figure_cells

    src = ROOT / "book" / f"{entry['chapter']}.md"
    cell = figure_cells(src).get(fid, {}) if src.is_file() else {}
    if cell.get("name"):
        return f"{{ref}}`the cell in {_title(entry['chapter'])} <{cell['name']}>`"
    return _doc(entry["chapter"])


def _files(fid: str, entry: dict) -> str:
    return (f"{{download}}`PNG <_generated/{fid}.png>`, {{download}}`PDF <_generated/{fid}.pdf>`")


def figures_page(build: Path, stage: Path) -> str:
    manifest_path = build / "figures" / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    img_dir = stage / "book" / "_generated"
    img_dir.mkdir(parents=True, exist_ok=True)
    for fid, entry in manifest.items():
        shutil.copy2(build / entry["png"], img_dir / f"{fid}.png")
        shutil.copy2(build / entry["pdf"], img_dir / f"{fid}.pdf")

    out = [WIDE, "(figures-page)=", "# Figures", "",
           "Every figure of the book, generated from the figure manifest when the book is built. Each "
           "was drawn by the cell linked with it, in the same build, from numbers that chapter "
           "computed; each is offered as PNG and PDF.", "", "## The papers' figures", ""]
    for fid, name in PAPER_FIGURES.items():
        out += [f"### {name}", ""]
        entry = manifest.get(fid)
        if entry is None:
            out += [f"```{{warning}}\n`{fid}` was not regenerated in this build.\n```", ""]
            continue
        out += [f"**What the original showed.** {entry.get('original', '–')}", "",
                f"```{{image}} _generated/{fid}.png", f":alt: {fid}", ":width: 85%", "```", "",
                f"**The book's figure.** {entry['caption']}", "",
                f"- **Made by:** {_made_by(fid, entry)}",
                f"- **Parameters:** {_params(entry.get('parameters', {}))}",
                f"- **Files:** {_files(fid, entry)}",
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
            out += [f"```{{image}} _generated/{fid}.png", f":alt: {fid}", ":width: 65%", "```", "",
                    f"{entry['caption']} ({_made_by(fid, entry)}; {_files(fid, entry)})", ""]
    return "\n".join(out) + "\n"


# -- the claims ledger -----------------------------------------------------------------------
# verdict -> (heading, admonition class); identities last and apart: they are no reproductions
VERDICT_SECTIONS = {"reproduced": ("Reproduced", "tip"), "differs": ("Differs", "warning"),
                    "not testable": ("Not testable", "note"),
                    "identity": ("Identities: checks of this book's own derivations", "seealso")}


def _collect_verdicts(results: Path) -> list[dict]:
    """Every ``verdicts`` record of ``results/*.json``, in file order."""
    records = []
    for path in sorted(results.glob("*.json")):
        records.extend(json.loads(path.read_text()).get("verdicts", []))
    return records


def _tex_num(x) -> str:
    """A number for the page: plain below 1e4 and above 1e-3, else m × 10^e in maths."""
    if x is None:
        return "–"
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    if x == 0 or 1e-3 <= abs(x) < 1e4:
        return f"{x:.4g}" if isinstance(x, float) else str(x)
    m, e = f"{x:.3e}".split("e")
    return f"${float(m):.3g}\\times10^{{{int(e)}}}$"


def _quote_block(quote: str) -> list[str]:
    """The quote as a block quote, display maths ($$...$$, with a trailing "(n)" made its tag)
    on lines of their own, so that MyST typesets them (it reads $$ only at the start of a block)."""
    import re

    out, pos = [], 0
    text = " ".join(quote.split())
    for m in re.finditer(r"\$\$(.+?)\$\$(\s*\((\d+)\))?", text):
        before = text[pos:m.start()].strip()
        if before:
            out += [f"> {before}", ">"]
        body = m.group(1).strip()
        if m.group(3):                                    # "$$ ... $$ (20)": the number as the tag
            body += f" \\tag{{{m.group(3)}}}"
        out += [f"> $${body}$$", ">"]
        pos = m.end()
    rest = text[pos:].strip()
    if rest:
        out += [f"> {rest}"]
    while out and out[-1] == ">":
        out.pop()
    return out


def _statistic(rec: dict) -> str:
    st = rec.get("statistic") or {}
    if st.get("value") is None and rec.get("p_value") is None:
        return ""
    text = f"**{_tex_num(st.get('value'))}**" if st.get("value") is not None else ""
    if st.get("uncertainty") is not None:
        text += f" ± {_tex_num(st['uncertainty'])}"
    if st.get("description"):
        text += (": " if text else "") + st["description"]
    return text


def _calibration(rec: dict) -> list[str]:
    out = []
    if rec.get("p_value") is not None:
        vals = rec.get("values") or {}
        err = (f" ± {_tex_num(vals['p_value_mc_error'])} (binomial error, {vals['n_reference']} mocks of the null)"
               if vals.get("p_value_mc_error") is not None and vals.get("n_reference") else "")
        out += ["p-value", f": {_tex_num(rec['p_value'])}{err}", ""]
    fr = rec.get("false_rejection")
    if fr:
        out += ["False-rejection rate", f": {_tex_num(fr.get('rate'))} on {fr.get('n_mocks')} mocks of the claim "
                f"itself (nominal {_tex_num(fr.get('nominal'))})", ""]
    pw = rec.get("power")
    if pw:
        text = (f"none: {pw['none']}" if "none" in pw else
                f"{_tex_num(pw.get('rate'))} on {pw.get('n_mocks')} mocks of the alternative: {pw.get('alternative', '')}")
        out += ["Power", f": {text}", ""]
    return out


def _claim_block(rec: dict, claim, linked: bool) -> list[str]:
    """One claim as an admonition: quote, test, rule, statistic, verdict, link to the cell."""
    cid, verdict = claim.id, rec.get("verdict") if rec else None
    cls = VERDICT_SECTIONS.get(verdict, ("", "error"))[1]
    where = f"{claim.where} · `{cid}`"
    chapter = (f"{_doc(claim.chapter)}, {{ref}}`the cell that judges it <claim-{cid}>`" if linked
               else f"chapter `{claim.chapter}` (not in this build)")
    out = [f":::{{admonition}} {where}", f":class: {cls}", ""]
    out += _quote_block(claim.quote) + [""]
    out += ["Test", f": {' '.join(claim.test.split())}" if claim.rule != "not_testable" else ": –", "",
            "Rule", f": {claim.describe()}", ""]
    stat = _statistic(rec) if rec else ""
    if stat:
        out += ["Statistic", f": {stat}", ""]
    if rec:
        out += _calibration(rec)
    if (rec or {}).get("power_rule"):
        out += ["Power", f": {rec['power_rule']}", ""]
    pre = (rec or {}).get("precondition")
    if pre:
        out += ["Precondition", f": {'met' if pre['met'] else 'not met'}"
                + (f": {' '.join(str(pre.get('reason', '')).split())}" if pre.get("reason") else ""), ""]
    if claim.note:
        out += ["Note", f": {' '.join(claim.note.split())}", ""]
    out += ["Verdict", f": **{verdict or 'not judged in this build'}** ({chapter}; kind: {claim.kind})", "", ":::", ""]
    return out


def claims_page(build: Path, stage: Path) -> str:
    from cranisotropy.book import claims

    registry = claims.load()
    records = _collect_verdicts(build / "results")
    by_id = {r["id"]: r for r in records}
    problems = claims.ledger_problems(records, registry)
    summary = claims.summary(records)
    chapters_built = {p.stem for p in (build / "results").glob("*.json")}
    out = [WIDE, "(claims-ledger)=", "# Claims ledger", "",
           "Every statement of the two papers that this book tests, and how it fares. Each claim is "
           "registered in `book/claims/<paper>.yml` with the paper's words, where they stand, what the "
           "book computes and the rule that decides it; the registry was committed before the "
           "computations that judge it (`git log -p book/claims/`), and where a rule changed afterwards its "
           "entry says when and why. Two rules apply to the whole ledger: a rule with a precondition (a "
           "stationary spectrum, say) gives *not testable* when the precondition fails, and a data test "
           "whose power against its stated alternative is no larger than its false-rejection rate "
           "reproduces nothing (*not testable*). A chapter computes the statistic and "
           "the registered rule gives the verdict: **reproduced** (the statement holds by the rule), "
           "**differs** (it does not), **not testable** (the reason is given). **Identities** are "
           "statements true by construction, checks of this book's own derivations: they are shown apart "
           "and never counted as reproductions. Claims about measured spectra are decided with the "
           "forward-modelled likelihood and state how often their rule rejects a true claim "
           "(false-rejection rate) and a false one (power). This page is generated from the results "
           "of the same build.", ""]
    if problems:
        out += ["```{error}", "The ledger has problems:", ""] + [f"- {p}" for p in problems] + ["```", ""]
    header = ["paper", "reproduced", "differs", "not testable", "identities (apart)", "not judged"]
    rows = []
    for paper, title in claims.PAPERS.items():
        n = summary[paper]
        unjudged = sum(1 for cid, c in registry.items() if c.paper == paper and cid not in by_id)
        rows.append([f"[{title.split(',')[0]}](#claims-{paper})", str(n["reproduced"]), str(n["differs"]),
                     str(n["not testable"]), str(n["identity"]), str(unjudged)])
    out += [_list_table(header, rows, widths=[28, 15, 12, 15, 16, 14]), "",
            "Reproduced, differs and not testable count the paper's claims; the identities are this "
            "book's own checks; *not judged* are registered claims that no chapter of this build judged.", ""]
    for paper, title in claims.PAPERS.items():
        out += [f"(claims-{paper})=", f"## {title}", ""]
        mine = [c for c in registry.values() if c.paper == paper]
        if not mine:
            out += ["No claims registered.", ""]
            continue
        for verdict, (heading, _) in VERDICT_SECTIONS.items():
            group = [c for c in mine if c.id in by_id and by_id[c.id]["verdict"] == verdict]
            if not group:
                continue
            out += [f"### {heading} ({len(group)})", ""]
            for c in group:
                out += _claim_block(by_id[c.id], c, linked=c.chapter in chapters_built)
        missing = [c for c in mine if c.id not in by_id]
        if missing:
            out += [f"### Registered, not judged in this build ({len(missing)})", ""]
            for c in missing:
                out += _claim_block({}, c, linked=False)
    return "\n".join(out) + "\n"


# -- the execution-status page ---------------------------------------------------------------
KEY_PACKAGES = ("numpy", "scipy", "sympy", "matplotlib", "healpy", "numba", "papermill", "jupytext", "jupyter-book")


def _nobreak(text: str) -> str:
    return str(text).replace("-", "\u2011").replace(" ", "\u00a0")


def _when(iso: str | None) -> str:
    if not iso:
        return "–"
    return _nobreak(iso.replace("T", " ")[:16])


def notebook_status(nb_path: Path) -> dict:
    """A chapter's execution as papermill recorded it in the executed notebook's metadata
    (``metadata.papermill``: start, duration, exception; per-cell durations) plus what the book's
    runner added (``metadata.cranisotropy``: whether it came from the cache, its inputs key)."""
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    pm = nb.metadata.get("papermill", {})
    ours = nb.metadata.get("cranisotropy", {})
    cells = [(c.metadata.get("papermill", {}).get("duration") or 0.0, i) for i, c in enumerate(nb.cells)
             if c.cell_type == "code"]
    slowest = max(cells) if cells else (0.0, None)
    return {"ok": not pm.get("exception") and ours.get("ok", True), "duration": pm.get("duration"),
            "start": pm.get("start_time"), "parameters": pm.get("parameters") or {},
            "cached": bool(ours.get("cached")), "key": ours.get("key", ""), "error": ours.get("error"),
            "slowest_cell": slowest[0], "n_cells": len(cells)}


def status_page(build: Path, stage: Path) -> str:
    order = [e.split("/")[-1] for e in _toc_entries(stage)]
    rows, keys, total, n_cached = [], [], 0.0, 0
    for name in order:
        nb_path = stage / "book" / f"{name}.ipynb"
        if not nb_path.is_file():
            continue
        st = notebook_status(nb_path)
        total += st["duration"] or 0
        n_cached += st["cached"]
        rows.append([_doc(name), "ok" if st["ok"] else f"**failed**: {st['error']}",
                     f"{st['duration'] or 0:.1f}\u00a0s ({st['slowest_cell']:.1f}\u00a0s)",
                     "from the cache" if st["cached"] else "executed", _when(st["start"]),
                     _params(st["parameters"]) if st["parameters"] else "defaults"])
        keys.append(f"{name}\u00a0`{st['key'][:10]}`")
    ex_path = build / "execution.json"
    ex = json.loads(ex_path.read_text()) if ex_path.is_file() else {}
    versions = []
    for pkg in KEY_PACKAGES:
        try:
            versions.append(f"{pkg} {metadata.version(pkg)}")
        except metadata.PackageNotFoundError:
            pass
    out = [WIDE, "(status-page)=", "# Execution status", "",
           "Generated when the book was built, from the metadata that papermill wrote into each "
           "executed notebook (start, duration, per-cell durations, parameters) and from the book's "
           "runner (`tools/book.py`), which keys every execution by the chapter's inputs: its source, "
           "the library modules it imports, the data they read, its parameters and the pinned "
           "environment. A chapter whose inputs are unchanged since an earlier execution is taken "
           "from that execution (*from the cache*; its date is the date it ran). A chapter that "
           "failed, or whose inputs changed after it ran, is never rendered: the build stops instead.", "",
           _list_table(["chapter", "outcome", "run time (slowest cell)", "this build", "executed (UTC)",
                        "parameters"], rows, widths=[30, 8, 16, 12, 18, 16]), "",
           f"Chapter run time in all: {total:.0f} s ({n_cached} of {len(rows)} chapters from the cache)."]
    if ex:
        out.append(f"The execution phase of this build took {ex.get('wall_seconds', 0):.0f} s of wall time, "
                   f"{ex.get('jobs', 1)} kernels side by side with {ex.get('threads_per_kernel', 1)} thread(s) each, "
                   f"on {platform.machine()} ({platform.python_implementation()} {platform.python_version()}, "
                   f"{os.cpu_count()} cores).")
    out += ["", "Inputs keys (the cache entry of each execution, `.cache/executions/<chapter>/<key>`): "
            + ", ".join(keys) + ".", "",
            "Environment: " + ", ".join(versions) + " (all versions pinned in `requirements.txt`).", ""]
    return "\n".join(out) + "\n"


def _toc_entries(stage: Path) -> list[str]:
    import yaml

    toc = yaml.safe_load((stage / "_toc.yml").read_text())

    def walk(items):
        out = []
        for item in items or []:
            if "file" in item:
                out.append(item["file"])
            out.extend(walk(item.get("sections")))
        return out

    files = [toc["root"]] if toc.get("root") else []
    for part in toc.get("parts", []):
        files.extend(walk(part.get("chapters")))
    return files + walk(toc.get("chapters"))


# -- the model explorer ----------------------------------------------------------------------
def explorer_page(build: Path, stage: Path) -> str:
    """The interactive explorer: the forward-folded models of the ``icecube_models`` chapter
    against the data, from the grids that chapter wrote (``_build/products/explorer.json``); drawn
    by ``book/_static/explorer.js``, which the book ships (no other script, nothing from the web)."""
    path = build / "products" / "explorer.json"
    out = [WIDE, "(explorer-page)=", "# Model explorer", ""]
    if not path.is_file():
        return "\n".join(out + ["```{warning}", "The explorer's grids were not computed in this build "
                                "(the chapter `icecube_models` writes them).", "```", ""])
    data = path.read_text().strip().replace("</", "<\\/")
    out += ["Choose an energy bin and a model, move its shape parameter ($\\nu T$ for Ahlers' Eq. 20, "
            "$\\gamma$ for Zhang & Liu's convection model) and its amplitude, and see what IceCube's "
            "12-year analysis would report: the model's full-sky spectrum folded through the field of view "
            "($\\delta<-20°$), with each declination ring's mean removed and the white noise of the bin "
            "added, exactly as in {doc}`icecube_models`. The line is the folded mean, the bands hold 68 % and "
            "95 % of the skies the model makes (lognormal with the exact mean and variance). *best fit* sets "
            "the amplitude that fits the bin best for the chosen shape. The black points are the digitised "
            "data with their statistical error bars; the grey bands are the digitised 1σ and 2σ noise bands.",
            "", "```{raw} html",
            '<div id="explorer" class="explorer"></div>',
            f'<script type="application/json" id="explorer-data">{data}</script>',
            '<script src="../_static/explorer.js"></script>', "```", "",
            "```{raw} latex", "\\emph{(The explorer is interactive in the HTML version of the book.)}", "```", ""]
    return "\n".join(out) + "\n"


GENERATED = {
    "book/explorer": explorer_page,
    "book/figures": figures_page,
    "book/claims": claims_page,
    "book/status": status_page,
}


def generate(stage: Path, build: Path, entries: list[str] | None = None) -> list[Path]:
    """Write the generated pages that the staged toc lists; return their paths."""
    entries = entries if entries is not None else _toc_entries(stage)
    written = []
    for entry, make in GENERATED.items():
        if entry in entries:
            path = stage / f"{entry}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(make(build, stage))
            written.append(path)
    return written
