"""The built book in a real browser (headless Chromium): every page opens without a console
error, every image loads, every equation is typeset by MathJax, internal links resolve, nothing is
loaded from outside the book. A screenshot of each page goes to _build/screenshots/.

Runs after tests/book/test_book.py has built _build/html. A second test proves that the check
fails on a broken page.
"""

import re
import shutil

import pytest

import book
import browser_check

pytestmark = pytest.mark.browser


def test_every_page_in_chromium():
    html = book.BUILD / "html"
    assert (html / "index.html").is_file(), "no built book: the HTML build test must run first"
    report = browser_check.check_site(html, book.BUILD / "screenshots")
    pages = browser_check.pages_of(html)
    assert len(report) == len(pages) > 3
    bad = {p: v for p, v in report.items() if v}
    assert not bad, "pages with problems:\n" + "\n".join(f"{p}: {v}" for p, v in bad.items())
    for page in pages:
        shot = book.BUILD / "screenshots" / (page.replace("/", "__").removesuffix(".html") + ".png")
        assert shot.is_file() and shot.stat().st_size > 10_000, f"no screenshot of {page}"


def test_check_fails_on_a_broken_page(tmp_path):
    html = book.BUILD / "html"
    site = tmp_path / "html"
    shutil.copytree(html, site)
    page = site / "book" / "intro.html"
    text = page.read_text()
    broken = re.sub(r"(<h1[^>]*>)", r'\1<img src="no-such-figure.png" alt="x">'
                    r'<span class="math notranslate nohighlight">\\(\\frac{1}{\\)</span>'
                    r'<a href="no-such-page.html">x</a><p>| a | $|x|$ | |---|---| | 1 | 2 |</p>', text, count=1)
    assert broken != text
    page.write_text(broken)
    report = browser_check.check_site(site, pages=["book/intro.html"])
    problems = " ".join(report["book/intro.html"])
    assert "image not loaded" in problems
    assert "MathJax error" in problems or "not typeset" in problems
    assert "broken link" in problems
    assert "unrendered markdown table" in problems
