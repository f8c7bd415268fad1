"""The papers' figures carry the papers' own numbers; the book's own figures are numbered apart,
without gaps (book/_ext/book_offline.py)."""

import sys
from pathlib import Path
from types import SimpleNamespace

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import book_offline  # noqa: E402


def test_paper_figures_leave_the_numbering_and_the_gaps_close():
    env = SimpleNamespace(toc_fignumbers={
        "a": {"figure": {"f1": (1,), "paper": (2,), "f3": (3,)}},
        "b": {"figure": {"f4": (4,), "f5": (5,)}, "table": {"t1": (1,)}},
    })
    app = SimpleNamespace(config=SimpleNamespace(book_paper_figures={"paper": "Ahlers (2014), Fig. 1"}))
    book_offline._renumber_figures(app, env)
    assert env.toc_fignumbers["a"]["figure"] == {"f1": (1,), "f3": (2,)}
    assert env.toc_fignumbers["b"]["figure"] == {"f4": (3,), "f5": (4,)}
    assert env.toc_fignumbers["b"]["table"] == {"t1": (1,)}


def test_the_caption_gets_the_papers_label():
    from docutils import nodes

    fig = nodes.figure(ids=["paper"])
    fig += nodes.caption("", "", nodes.Text("regenerated"))
    doc = nodes.document(None, None)
    doc += fig
    app = SimpleNamespace(config=SimpleNamespace(book_paper_figures={"paper": "Ahlers (2014), Fig. 1"}))
    book_offline._label_paper_figures(app, doc, "x")
    book_offline._label_paper_figures(app, doc, "x")           # idempotent
    assert fig.children[0].astext() == "Ahlers (2014), Fig. 1. regenerated"


def test_every_paper_figure_is_labelled_in_the_config():
    from cranisotropy.book.figures import PAPER_FIGURES

    labels = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]["book_paper_figures"]
    assert sorted(labels.values()) == sorted(PAPER_FIGURES.values())
    sources = "".join(p.read_text() for p in (ROOT / "book").glob("*.md"))
    for label in labels:
        assert f"name: {label}\n" in sources, f"no figure named {label} in the chapters"
        assert f"{{numref}}`{label}`" not in sources, f"{label} has no book number: refer to it with {{ref}}"
