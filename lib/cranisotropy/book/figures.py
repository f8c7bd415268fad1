"""Saving the book's figures and keeping the figure manifest.

:func:`save` writes a figure as ``_build/figures/<id>.png`` and ``.pdf`` (byte-reproducible: no
creation date in the PDF) and records it in ``_build/figures/manifest.json`` with the chapter
that made it, the parameters it was made with and, for figures of the two papers, what the
original showed and what differs.  :func:`style` is the one plotting style of the book.

Captions are written once, in the chapter: the ``mystnb: figure: caption`` metadata of the cell
that calls ``figures.save(fig, "<id>", ...)``.  :func:`captions` reads them from a chapter's
source; :func:`save` takes the caption from there when none is passed.
"""

from __future__ import annotations

import fcntl
import json
import re
from contextlib import contextmanager
from pathlib import Path

import matplotlib as mpl
import yaml

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
_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
_SAVE = re.compile(r"figures\.save\(\s*\w+\s*,\s*([\"'])([a-z0-9][a-z0-9-]*)\1")


def figure_cells(md_path) -> dict:
    r"""``{figure_id: {"caption", "name"}}`` of a chapter: each code cell's ``figures.save(fig, "<id>", ...)``
    call matched to that cell's ``mystnb: figure: caption`` metadata (MyST markdown, whitespace
    collapsed).

    A cell that saves a figure but has no caption, or saves more than one figure, raises
    ``ValueError`` naming the file and the figure; so does an id saved by two cells.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> src = "\n".join(["```{code-cell} ipython3", "---", "mystnb:", "  figure:",
    ...                  '    caption: "A line, $y=x$."', "    name: fig-demo", "---",
    ...                  'figures.save(fig, "demo-line", chapter="demo")', "```", ""])
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "demo.md"
    >>> _ = path.write_text(src)
    >>> figure_cells(path)
    {'demo-line': {'caption': 'A line, $y=x$.', 'name': 'fig-demo'}}
    """
    path = Path(md_path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such chapter source")
    out = {}
    for cell in _CELL.finditer(path.read_text(encoding="utf-8")):
        body = cell.group(1)
        ids = [m.group(2) for m in _SAVE.finditer(body)]
        if not ids:
            continue
        if len(ids) > 1:
            raise ValueError(f"{path}: one cell saves several figures {ids}; give each its own cell and caption")
        meta = {}
        if body.startswith("---\n"):
            meta = yaml.safe_load(body[4:].split("\n---", 1)[0]) or {}
        caption = ((meta.get("mystnb") or {}).get("figure") or {}).get("caption")
        if not caption:
            raise ValueError(f"{path}: the cell that saves figure {ids[0]!r} has no mystnb.figure.caption metadata")
        if ids[0] in out:
            raise ValueError(f"{path}: figure {ids[0]!r} is saved by two cells")
        name = ((meta.get("mystnb") or {}).get("figure") or {}).get("name")
        out[ids[0]] = {"caption": " ".join(str(caption).split()), "name": name}
    return out


def captions(md_path) -> dict:
    """``{figure_id: caption}`` of a chapter (see :func:`figure_cells`)."""
    return {k: v["caption"] for k, v in figure_cells(md_path).items()}

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


#: the smallest legend text a figure may have (issue 17: legends legible at page width)
MIN_LEGEND_PT = 9.0


def legend_text_below(fig, points: float = MIN_LEGEND_PT) -> list[str]:
    """Legend entries of ``fig`` (figure and axes legends) whose text is smaller than ``points``."""
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    return [f"{t.get_text()!r} at {t.get_fontsize():g} pt" for leg in legends for t in leg.get_texts()
            if t.get_fontsize() < points - 1e-9]


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
    caption: str | None = None,
    parameters: dict | None = None,
    original: str | None = None,
    differences: str | None = None,
) -> None:
    """Write ``fig`` as PNG and PDF under ``_build/figures/``, enter it in the manifest, show the
    PNG in the notebook and close the figure (a ``plt.show()`` after it shows nothing more).

    ``fig_id`` is a stable lower-case id; the ids of the papers' figures are the keys of
    :data:`PAPER_FIGURES`, and for those ``original`` (what the paper's figure showed) and
    ``differences`` (what differs in the regenerated one) are required.  ``caption`` is
    optional: by default it is read from the chapter's source ``book/<chapter>.md`` (the cell
    metadata, see :func:`captions`), so that each caption is written once.
    """
    if not isinstance(fig_id, str) or not _ID.match(fig_id):
        raise ValueError(f"figure id must be lower-case letters, digits and '-', got {fig_id!r}")
    if caption is None:
        try:
            caption = captions(paths.repo_root() / "book" / f"{chapter}.md").get(fig_id)
        except FileNotFoundError:
            caption = None
    if not caption:
        raise ValueError(f"figure {fig_id}: no caption (none passed, and no mystnb.figure.caption in the "
                         f"cell of book/{chapter}.md that saves it)")
    if fig_id in PAPER_FIGURES and not (original and differences):
        raise ValueError(f"figure {fig_id} regenerates {PAPER_FIGURES[fig_id]}: give 'original' and 'differences'")
    small = legend_text_below(fig, MIN_LEGEND_PT)
    if small:
        raise ValueError(f"figure {fig_id}: legend text below {MIN_LEGEND_PT} pt, illegible at page width: {small[:3]}")
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
    _show_saved(fig, png)
    # returns nothing, so that a save as a cell's last line prints nothing on the page


def _png_size(png: Path) -> tuple[int, int]:
    head = png.read_bytes()[:24]          # the IHDR chunk: width and height, big-endian
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def _show_saved(fig, png: Path) -> None:
    """In a notebook, show the PNG file just written (the page then shows exactly the file offered
    for download, and the figure is not rendered a third time by the inline backend); close it."""
    import matplotlib.pyplot as plt

    try:
        from IPython import get_ipython
        from IPython.display import Image, display
    except ImportError:      # plain Python: nothing to show
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        width, _ = _png_size(png)
        save_dpi = mpl.rcParams["savefig.dpi"]
        scale = 1.0 if save_dpi == "figure" else mpl.rcParams["figure.dpi"] / float(save_dpi)
        display(Image(data=png.read_bytes(), format="png", width=int(round(width * scale))))
    plt.close(fig)


def load_manifest() -> dict:
    path = paths.figures_dir() / "manifest.json"
    return json.loads(path.read_text()) if path.is_file() else {}
