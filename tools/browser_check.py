"""Open every page of the built book in headless Chromium and check what a reader would meet.

For each page: no console error; every image loaded; every equation typeset by MathJax (each
``.math`` element holds a MathJax container, no MathJax error node, no raw TeX delimiters left);
every internal link (and its #fragment) resolves; no markdown table was left unrendered; nothing
was loaded from outside the book.
A full-page screenshot of each page goes to ``<screenshots>/<page>.png``.

Usage: python tools/browser_check.py [_build/html] [_build/screenshots]
Uses Debian's ``chromium`` and ``chromedriver`` (``.ci/run`` installs them when missing).
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SKIP_DIRS = {"_static", "_sources", "_images", "_sphinx_design_static"}


def pages_of(html_dir: Path) -> list[str]:
    """Every HTML page of the site, relative to its root."""
    out = []
    for p in sorted(html_dir.rglob("*.html")):
        rel = p.relative_to(html_dir)
        if rel.parts[0] in SKIP_DIRS:
            continue
        out.append(rel.as_posix())
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Server:
    """A loopback HTTP server for the built site (context manager)."""

    def __init__(self, root: Path):
        handler = functools.partial(_Quiet, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def _driver(user_dir: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1280,1000",
                f"--user-data-dir={user_dir}"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)


_WAIT_MATHJAX = """
const done = arguments[arguments.length - 1];
function finish() { setTimeout(() => done(true), 50); }
if (document.readyState !== 'complete') { window.addEventListener('load', () => wait(0)); } else { wait(0); }
function wait(n) {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    MathJax.startup.promise.then(finish, finish);
  } else if (document.querySelector('.math') && n < 100) {
    setTimeout(() => wait(n + 1), 100);   // MathJax script still loading
  } else { finish(); }
}
"""

_INSPECT = """
const imgs = Array.from(document.images).map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0}));
const maths = Array.from(document.querySelectorAll('.math'));
const untypeset = maths.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 80));
const errors = Array.from(document.querySelectorAll('mjx-merror, .MathJax_Error')).map(e => e.textContent.slice(0, 80));
const links = Array.from(document.querySelectorAll('a[href]')).map(a => a.href);
const resources = performance.getEntriesByType('resource').map(r => r.name);
const ids = Array.from(document.querySelectorAll('[id]')).map(e => e.id);
return {imgs, nmath: maths.length, untypeset, errors, links, resources, ids,
        height: Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)};
"""


# the article's text without code (a markdown table left as text, e.g. one broken by a '|' inside math)
_PROSE = """
const art = document.querySelector('article, .bd-article, main');
if (!art) { return ''; }
const c = art.cloneNode(true);
c.querySelectorAll('pre, code, .highlight').forEach(e => e.remove());
return c.textContent;
"""


def check_site(html_dir: Path, screenshot_dir: Path | None = None, pages: list[str] | None = None,
               full_page: bool = True) -> dict:
    """Problems per page (a dict page -> list of strings; empty lists mean the page is fine).
    Screenshots of the whole page (``full_page``, up to 16000 px) or of its first 1280 x 1000 px
    (the test suite's, about half the time)."""
    html_dir = Path(html_dir).resolve()
    pages = pages or pages_of(html_dir)
    if screenshot_dir:
        screenshot_dir = Path(screenshot_dir)
        screenshot_dir.mkdir(parents=True, exist_ok=True)
    report: dict[str, list[str]] = {}
    ids_cache: dict[str, set] = {}
    with Server(html_dir) as srv, tempfile.TemporaryDirectory() as user_dir:
        driver = _driver(user_dir)
        driver.set_script_timeout(30)
        driver.set_page_load_timeout(60)
        try:
            for page in pages:
                problems = []
                driver.get(srv.url + page)
                driver.execute_async_script(_WAIT_MATHJAX)
                info = driver.execute_script(_INSPECT)
                ids_cache[page] = set(info["ids"])
                for entry in driver.get_log("browser"):
                    if entry.get("level") == "SEVERE":
                        problems.append(f"console error: {entry.get('message', '')[:200]}")
                problems += [f"image not loaded: {i['src']}" for i in info["imgs"] if not i["ok"]]
                problems += [f"equation not typeset: {t!r}" for t in info["untypeset"]]
                problems += [f"MathJax error: {t!r}" for t in info["errors"]]
                text = driver.execute_script(
                    "return Array.from(document.querySelectorAll('article, .bd-article, main'))"
                    ".map(e => e.innerText).join('\\n')") or ""
                for raw in re.findall(r"\\\(|\\\[|\$\$", text)[:3]:
                    problems.append(f"raw TeX delimiter left in the text: {raw!r}")
                prose = driver.execute_script(_PROSE) or ""
                for raw in re.findall(r"\|\s*:?-{3,}:?\s*\|", prose)[:1]:
                    problems.append(f"unrendered markdown table in the text: {raw!r}")
                problems += [f"loaded from outside the book: {r}" for r in info["resources"]
                             if not (r.startswith(srv.url) or r.startswith(("data:", "blob:")))]
                for link in info["links"]:
                    if not link.startswith(srv.url):
                        continue  # external links are allowed in text (references), not loaded
                    target, frag = urldefrag(link)
                    rel = unquote(urlparse(target).path).lstrip("/")
                    path = html_dir / rel
                    if path.is_dir():
                        path = path / "index.html"
                    if not path.is_file():
                        problems.append(f"broken link: {link}")
                    elif frag and path.suffix == ".html":
                        key = path.relative_to(html_dir).as_posix()
                        if key not in ids_cache:
                            ids_cache[key] = set(re.findall(r'id="([^"]+)"', path.read_text(errors="replace")))
                        if unquote(frag) not in ids_cache[key]:
                            problems.append(f"broken anchor: {link}")
                if screenshot_dir:
                    shot = screenshot_dir / (page.replace("/", "__").removesuffix(".html") + ".png")
                    if full_page:
                        height = min(int(info["height"]) + 40, 16000)
                        driver.set_window_size(1280, max(height, 600))
                    driver.save_screenshot(str(shot))
                    if full_page:
                        driver.set_window_size(1280, 1000)
                report[page] = sorted(set(problems))
        finally:
            driver.quit()
    return report


def main(argv=None) -> int:
    argv = argv if argv is not None else sys.argv[1:]
    html_dir = Path(argv[0]) if argv else Path("_build/html")
    shots = Path(argv[1]) if len(argv) > 1 else html_dir.parent / "screenshots"
    report = check_site(html_dir, shots)
    bad = {p: v for p, v in report.items() if v}
    for page, probs in report.items():
        print(f"{'ok  ' if not probs else 'FAIL'} {page}")
        for pr in probs:
            print(f"       {pr}")
    print(f"{len(report) - len(bad)} passed, {len(bad)} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
