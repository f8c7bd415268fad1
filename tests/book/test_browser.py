"""The built book in a real browser (headless Chromium): every page opens without a console
error, every image loads, every equation is typeset by MathJax, internal links resolve, nothing is
loaded from outside the book. A screenshot of each page goes next to the test build.

Needs Debian's chromium and chromedriver: ``make test`` starts installing them in the background
when they are missing (root + apt); where that is impossible the tests are skipped, with the
reason and the command that installs them. A second test proves that the check fails on a
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
        pytest.skip(f"browser tests skipped: {why}")
    return True


@pytest.fixture(scope="module")
def site(built_book, browser):
    assert built_book.html_ok, f"no built book: {built_book.error}"
    return built_book.build / "html"


def test_every_page_in_chromium(site, built_book):
    shots = built_book.build / "screenshots"
    report = browser_check.check_site(site, shots)
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
