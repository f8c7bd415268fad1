"""Saving the book's figures and keeping the figure manifest.

:func:`save` writes a figure as ``_build/figures/<id>.png`` and ``.pdf`` (byte-reproducible: no
creation date in the PDF) and records it in ``_build/figures/manifest.json`` with the chapter
that made it, the parameters it was made with and, for figures of the two papers, what the
original showed and what differs.  :func:`style` is the one plotting style of the book.
"""

from __future__ import annotations

import fcntl
import json
import re
from contextlib import contextmanager

import matplotlib as mpl

from . import paths
from .results import _jsonable

PAPER_FIGURES = {
    "ahlers2014-fig1": "Ahlers (2014), Fig. 1",
    "zhang-liu2024-fig1": "Zhang & Liu (2024), Fig. 1",
    "zhang-liu2024-fig2": "Zhang & Liu (2024), Fig. 2",
    "zhang-liu2024-fig3": "Zhang & Liu (2024), Fig. 3",
    "zhang-liu2024-fig4": "Zhang & Liu (2024), Fig. 4",
}

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def style() -> None:
    """The book's matplotlib style (call once per chapter, before plotting)."""
    mpl.rcParams.update(
        {
            "figure.figsize": (6.4, 4.2),
            "figure.dpi": 110,
            "savefig.dpi": 150,
            "savefig.bbox": "tight",
            "font.size": 10.5,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "pdf.fonttype": 42,
            "svg.hashsalt": "cranisotropy",
        }
    )


@contextmanager
def _locked_manifest():
    folder = paths.figures_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "manifest.json"
    with open(folder / ".manifest.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        manifest = json.loads(path.read_text()) if path.is_file() else {}
        yield manifest
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        tmp.replace(path)


def save(
    fig,
    fig_id: str,
    *,
    chapter: str,
    caption: str,
    parameters: dict | None = None,
    original: str | None = None,
    differences: str | None = None,
) -> dict:
    """Write ``fig`` as PNG and PDF under ``_build/figures/`` and enter it in the manifest.

    ``fig_id`` is a stable lower-case id; the ids of the papers' figures are the keys of
    :data:`PAPER_FIGURES`, and for those ``original`` (what the paper's figure showed) and
    ``differences`` (what differs in the regenerated one) are required.
    """
    if not isinstance(fig_id, str) or not _ID.match(fig_id):
        raise ValueError(f"figure id must be lower-case letters, digits and '-', got {fig_id!r}")
    if not caption:
        raise ValueError(f"figure {fig_id}: a caption is required")
    if fig_id in PAPER_FIGURES and not (original and differences):
        raise ValueError(f"figure {fig_id} regenerates {PAPER_FIGURES[fig_id]}: give 'original' and 'differences'")
    folder = paths.figures_dir()
    folder.mkdir(parents=True, exist_ok=True)
    png, pdf = folder / f"{fig_id}.png", folder / f"{fig_id}.pdf"
    fig.savefig(png)
    fig.savefig(pdf, metadata={"CreationDate": None, "ModDate": None})
    entry = {
        "png": str(png.relative_to(paths.build_dir())),
        "pdf": str(pdf.relative_to(paths.build_dir())),
        "chapter": chapter,
        "caption": caption,
        "parameters": _jsonable(parameters or {}),
        "paper_figure": PAPER_FIGURES.get(fig_id),
    }
    if original:
        entry["original"] = original
    if differences:
        entry["differences"] = differences
    with _locked_manifest() as manifest:
        manifest[fig_id] = entry
    return entry


def load_manifest() -> dict:
    path = paths.figures_dir() / "manifest.json"
    return json.loads(path.read_text()) if path.is_file() else {}
