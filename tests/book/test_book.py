"""The book end to end, built once into a temporary folder (the ``built_book`` fixture of
``tests/conftest.py``): every chapter of _toc.yml executed by papermill (or taken from the
execution cache when its inputs are unchanged), then the strict HTML build.  The tests do not
depend on their order: each reads what the one build produced.
"""

import json
import re

import nbformat
import pytest

import book

pytestmark = pytest.mark.book
CHAPTERS = list(book.chapters())
GLUE = re.compile(r"\{glue(?::\w+)?\}`([^`]+)`")


def _record(built_book, name):
    assert built_book.records, f"the book was not executed: {built_book.error}"
    return built_book.records[name]


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_executes_and_its_checks_hold(built_book, name):
    rec = _record(built_book, name)
    assert rec["ok"], f"chapter {name} failed: {rec.get('error')} (log: {rec['entry']}/log.txt)"
    nb = nbformat.read(book.staged_notebook(built_book.build, name), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.get("execution_count") for c in code), f"{name}: a code cell did not run"
    errors = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"{name}: error outputs {[e.get('ename') for e in errors]}"
    assert not nb.metadata["papermill"].get("exception"), f"{name}: papermill recorded an exception"
    res = json.loads((built_book.build / "results" / f"{name}.json").read_text())
    assert res["chapter"] == name
    assert res["checks"], f"chapter {name} asserts nothing"
    failed = [k for k, v in res["checks"].items() if not v["passed"]]
    assert not failed, f"chapter {name}: failed checks {failed}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_glued_number_of_the_text_was_computed(built_book, name):
    """Each {glue} reference in the chapter's prose has a glued output in the executed notebook
    and a value in the chapter's results file."""
    rec = _record(built_book, name)
    if not rec["ok"]:
        pytest.fail(f"chapter {name} failed: {rec.get('error')}")
    src = book.chapters()[name].read_text()
    used = set(GLUE.findall(src))
    nb = nbformat.read(book.staged_notebook(built_book.build, name), as_version=4)
    glued = {o.get("metadata", {}).get("scrapbook", {}).get("name")
             for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])}
    missing = sorted(used - glued)
    assert not missing, f"{name}: the text uses glue keys that the notebook never glued: {missing}"
    res = json.loads((built_book.build / "results" / f"{name}.json").read_text())
    values, judged = res["values"], {f"verdict-{v['id']}" for v in res.get("verdicts", [])}
    unrecorded = sorted(k for k in used if k not in values and k not in judged and not k.startswith(("fig-", "tab-")))
    assert not unrecorded, f"{name}: glued numbers missing from the results file: {unrecorded}"


def test_figure_manifest(built_book):
    from cranisotropy.book.figures import PAPER_FIGURES

    manifest = json.loads((built_book.build / "figures" / "manifest.json").read_text())
    missing = [fid for fid in PAPER_FIGURES if fid not in manifest]
    assert not missing, f"figures of the papers not regenerated: {missing}"
    for fid, entry in manifest.items():
        assert entry["chapter"] in CHAPTERS, f"{fid}: unknown chapter {entry['chapter']}"
        for key in ("png", "pdf"):
            path = built_book.build / entry[key]
            assert path.is_file() and path.stat().st_size > 1000, f"{fid}: {key} missing or empty"


def test_claims_ledger(built_book):
    """Every registered claim judged exactly once, each verdict following from its statistic and
    its registered rule, data verdicts with their calibration and power (claims.ledger_problems)."""
    from cranisotropy.book import claims

    records = [v for p in sorted((built_book.build / "results").glob("*.json"))
               for v in json.loads(p.read_text()).get("verdicts", [])]
    registry = claims.load()
    assert len(registry) >= 40 and records, "too few claims registered or judged"
    problems = claims.ledger_problems(records, registry)
    assert not problems, "claims ledger:\n" + "\n".join(problems)
    counted = claims.summary(records)
    assert all(sum(v.values()) for v in counted.values()), counted


def test_html_build(built_book):
    assert built_book.html_ok, f"the HTML build failed: {built_book.error}"
    html = built_book.build / "html"
    assert (html / "index.html").is_file()
    for name, src in book.chapters().items():
        page = html / book._rel(src).with_suffix(".html")
        assert page.is_file(), f"no page for chapter {name}"
        text = page.read_text()
        assert "Traceback" not in text, f"{name}: a traceback is shown on the page"


def test_status_page_reports_every_chapter(built_book):
    assert built_book.html_ok, f"the HTML build failed: {built_book.error}"
    text = (built_book.build / "html" / "book" / "status.html").read_text()
    for name in CHAPTERS:
        rec = built_book.records[name]
        assert rec["key"][:10] in text, f"status page lacks chapter {name} (key {rec['key'][:10]})"
    ex = json.loads((built_book.build / "execution.json").read_text())
    assert set(ex["executed"]) | set(ex["cached"]) == set(CHAPTERS)
    # one table cell per chapter says how it got there, and the counts match the build's record
    cells = re.findall(r"<td[^>]*><p>(executed|from the cache)</p></td>", text)
    assert cells.count("executed") == len(ex["executed"]) and cells.count("from the cache") == len(ex["cached"]), \
        f"status page: {cells} against executed={ex['executed']} cached={ex['cached']}"


def _stray_outputs(nb) -> list[str]:
    """Outputs a reader would see as noise: a cell's value shown only as its plain-text repr (e.g.
    ``np.float64(1.02)``, ``[<matplotlib.lines.Line2D ...>]``). Rich outputs (figures, LaTeX,
    HTML, markdown tables), glue and printed text meant for the reader are not stray."""
    stray = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code":
            continue
        tags = set(c.get("metadata", {}).get("tags", []))
        if tags & {"remove-output", "remove-cell"}:
            continue
        for o in c.get("outputs", []):
            if o.get("output_type") == "execute_result" and set(o.get("data", {})) == {"text/plain"}:
                stray.append(f"cell {i}: {o['data']['text/plain'][:60]!r}")
    return stray


@pytest.mark.parametrize("name", CHAPTERS)
def test_no_stray_outputs(built_book, name):
    """No cell shows a bare text repr above a figure or between paragraphs (issue 17)."""
    rec = _record(built_book, name)
    if not rec["ok"]:
        pytest.fail(f"chapter {name} failed: {rec.get('error')}")
    nb = nbformat.read(book.staged_notebook(built_book.build, name), as_version=4)
    stray = _stray_outputs(nb)
    assert not stray, f"{name}: stray outputs {stray}"
