"""The built book in a real browser (headless Chromium): every page opens without a console
error, every image loads, every equation is typeset by MathJax, internal links resolve, nothing is
loaded from outside the book. A screenshot of each page's first screen goes next to the test build
(``tools/browser_check.py`` takes whole pages).

Needs Debian's chromium and chromedriver: ``make test`` starts installing them in the background
when they are missing (root + apt; a failed install there fails the tests); where that is
impossible (not root, no apt) the tests are skipped, with the reason and the command that
installs them. A second test proves that the check fails on a
broken page.
"""

import re
import shutil

import pytest

import browser_check
import system_deps

pytestmark = [pytest.mark.book, pytest.mark.browser]


@pytest.fixture(scope="module")
def browser():
    ok, why = system_deps.browser_status()
    if not ok:
        installable, _ = system_deps.can_install()
        if installable:   # root and apt: make test's own set-up should have installed it
            pytest.fail(f"the browser could be installed here but is not: {why}")
        pytest.skip(f"browser tests skipped: {why}")
    return True


@pytest.fixture(scope="module")
def site(built_book, browser):
    assert built_book.html_ok, f"no built book: {built_book.error}"
    return built_book.build / "html"


def test_every_page_in_chromium(site, built_book):
    shots = built_book.build / "screenshots"
    report = browser_check.check_site(site, shots, full_page=False)   # full pages: tools/browser_check.py
    pages = browser_check.pages_of(site)
    assert len(report) == len(pages) > 3
    bad = {p: v for p, v in report.items() if v}
    assert not bad, "pages with problems:\n" + "\n".join(f"{p}: {v}" for p, v in bad.items())
    for page in pages:
        shot = shots / (page.replace("/", "__").removesuffix(".html") + ".png")
        assert shot.is_file() and shot.stat().st_size > 10_000, f"no screenshot of {page}"


def test_check_fails_on_a_broken_page(site, tmp_path):
    copy = tmp_path / "html"
    shutil.copytree(site, copy)
    page = copy / "book" / "intro.html"
    text = page.read_text()
    broken = re.sub(r"(<h1[^>]*>)", r'\1<img src="no-such-figure.png" alt="x">'
                    r'<span class="math notranslate nohighlight">\\(\\frac{1}{\\)</span>'
                    r'<a href="no-such-page.html">x</a><p>| a | $|x|$ | |---|---| | 1 | 2 |</p>', text, count=1)
    assert broken != text
    page.write_text(broken)
    report = browser_check.check_site(copy, pages=["book/intro.html"])
    problems = " ".join(report["book/intro.html"])
    assert "image not loaded" in problems
    assert "MathJax error" in problems or "not typeset" in problems
    assert "broken link" in problems
    assert "unrendered markdown table" in problems


def test_explorer_curve_follows_its_controls(site):
    """The explorer (a generated page, its script shipped with the book) draws the folded model and
    redraws it when a control moves; offline: nothing but the book's own files is loaded."""
    import tempfile

    with browser_check.Server(site) as srv, tempfile.TemporaryDirectory() as user_dir:
        driver = browser_check._driver(user_dir)
        try:
            driver.get(srv.url + "book/explorer.html")
            path = "return document.getElementById('explorer-curve').getAttribute('d')"
            first = driver.execute_script(path)
            assert first and first.startswith("M"), "the explorer drew no model curve"
            moves = [
                "const s=document.getElementById('explorer-shape'); s.value=0; s.dispatchEvent(new Event('input'));",
                "const s=document.getElementById('explorer-amplitude'); s.value=900; s.dispatchEvent(new Event('input'));",
                "const e=document.getElementById('explorer-energy'); e.value=8; e.dispatchEvent(new Event('change'));",
                "document.getElementById('explorer-model-zl').click();",
            ]
            seen = [first]
            for js in moves:
                driver.execute_script(js)
                now = driver.execute_script(path)
                assert now and now != seen[-1], f"the curve did not change after: {js}"
                seen.append(now)
            loaded = driver.execute_script("return performance.getEntriesByType('resource').map(r => r.name)")
            assert all(u.startswith(srv.url) or u.startswith(("data:", "blob:")) for u in loaded), loaded
            assert any(u.endswith("_static/explorer.js") for u in loaded)
            # ... and from the file system, as a reader who opens the built book without a server
            driver.get((site / "book" / "explorer.html").resolve().as_uri())
            offline = [driver.execute_script(path) or ""]
            assert offline[0].startswith("M"), "the explorer does not draw from file://"
            for js in moves:
                driver.execute_script(js)
                offline.append(driver.execute_script(path) or "")
                assert offline[-1].startswith("M") and offline[-1] != offline[-2], \
                    f"from file:// the curve did not change after: {js}"
        finally:
            driver.quit()
