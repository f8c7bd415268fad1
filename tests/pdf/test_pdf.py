"""The book as one PDF (``make pdf``): it exists, is long enough to hold the whole book, and
contains every figure of the two papers. Skipped when no PDF was built (``make test`` does not
build it: TeX is a large install and the PDF is not part of the five-minute build)."""

import shutil
import subprocess

import pytest

import book
from cranisotropy.book.figures import PAPER_FIGURES

PDF = book.BUILD / "book.pdf"
pytestmark = pytest.mark.skipif(not PDF.is_file(), reason=f"no PDF at {PDF}: run `make pdf`")


def _run(*cmd):
    if not shutil.which(cmd[0]):
        pytest.fail(f"{cmd[0]} missing (poppler-utils): run `make pdf`, which installs it")
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def test_pdf_has_the_whole_book():
    info = _run("pdfinfo", str(PDF))
    pages = int(next(ln.split()[-1] for ln in info.splitlines() if ln.startswith("Pages:")))
    assert pages >= 40, f"the PDF has only {pages} pages"
    text = _run("pdftotext", "-layout", str(PDF), "-")
    for name, src in book.chapters().items():
        title = next(ln[2:].strip() for ln in src.read_text().splitlines() if ln.startswith("# "))
        words = title.split()[:3]
        assert all(w.upper() in text.upper() for w in words), f"chapter {name} ({title!r}) not found in the PDF"


def test_pdf_has_every_paper_figure():
    text = " ".join(_run("pdftotext", str(PDF), "-").split())
    missing = [label for label in PAPER_FIGURES.values() if label not in text]
    assert not missing, f"paper figures not found in the PDF: {missing}"
    images = _run("pdfimages", "-list", str(PDF)).splitlines()[2:]
    assert len(images) >= len(PAPER_FIGURES), "the PDF holds fewer images than the papers have figures"
