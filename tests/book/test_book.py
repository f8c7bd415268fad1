"""The book end to end: every chapter of _toc.yml executed by papermill (one test per chapter,
named after it), then the strict HTML build from those executed notebooks.

The tests run in file order: the chapters first, then the HTML build, which refuses stale or
failed chapters.
"""

import json

import pytest

import book

CHAPTERS = list(book.chapters())


@pytest.fixture(scope="module", autouse=True)
def clean_build():
    book.clean_outputs()
    yield


@pytest.mark.chapter
@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter(name):
    status = book.execute_chapter(name)
    assert status["ok"]
    res = json.loads((book.BUILD / "results" / f"{name}.json").read_text())
    failed = [k for k, v in res["checks"].items() if not v["passed"]]
    assert not failed, f"chapter {name}: failed checks {failed}"


def test_every_chapter_wrote_results():
    for name in CHAPTERS:
        path = book.BUILD / "results" / f"{name}.json"
        assert path.is_file(), f"chapter {name} wrote no results file"
        data = json.loads(path.read_text())
        assert data["chapter"] == name
        assert data["checks"], f"chapter {name} asserts nothing"


def test_figure_manifest():
    from cranisotropy.book.figures import PAPER_FIGURES, load_manifest

    manifest = load_manifest()
    missing = [fid for fid in PAPER_FIGURES if fid not in manifest]
    assert not missing, f"figures of the papers not regenerated: {missing}"
    for fid, entry in manifest.items():
        assert entry["chapter"] in CHAPTERS, f"{fid}: unknown chapter {entry['chapter']}"
        for key in ("png", "pdf"):
            path = book.BUILD / entry[key]
            assert path.is_file() and path.stat().st_size > 1000, f"{fid}: {key} missing or empty"


def test_claims_ledger():
    from cranisotropy.book import ledger

    records = ledger.collect(book.BUILD / "results")
    problems = ledger.problems(records)
    assert not problems, "claims ledger:\n" + "\n".join(problems)


def test_html_build():
    book.html()
    assert (book.BUILD / "html" / "index.html").is_file()
    for name, src in book.chapters().items():
        page = book.BUILD / "html" / book._rel(src).with_suffix(".html")
        assert page.is_file(), f"no page for chapter {name}"
