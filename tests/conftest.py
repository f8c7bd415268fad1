"""Shared test set-up.

* ``tools/`` is importable (``book``, ``inputs``, ``parameters``, ``pages``, ``system_deps``).
* The book tests (``tests/book``) need the whole book executed and rendered. That build starts in
  a background thread as soon as the tests are collected, into a temporary folder (never the
  reader's ``_build``), so that the chapters execute while the unit tests run; chapter executions
  whose inputs are unchanged are taken from the execution cache (``tools/book.py``). The
  ``built_book`` fixture waits for it.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))


@dataclass
class BuiltBook:
    build: Path
    records: dict = field(default_factory=dict)
    error: str | None = None          # what went wrong in executing or rendering, if anything
    html_ok: bool = False
    done: threading.Event = field(default_factory=threading.Event)


_BOOK: BuiltBook | None = None


def _build(state: BuiltBook) -> None:
    import book

    book.OUTPUT = open(state.build / "build.log", "w")    # not stdout: tests capture it
    try:
        state.records = book.execute(build=state.build, jobs=2)
        failed = [n for n, r in state.records.items() if not r["ok"]]
        if failed:
            state.error = f"chapters failed: {failed}"
            return
        book.html(build=state.build)
        state.html_ok = True
    except BaseException:   # noqa: BLE001 -- reported by the tests that need the book
        state.error = traceback.format_exc()
    finally:
        book.OUTPUT.close()
        book.OUTPUT = None
        state.done.set()


def _start_build() -> None:
    global _BOOK
    if _BOOK is not None:
        return
    build = Path(tempfile.mkdtemp(prefix="cranisotropy-test-build-"))
    _BOOK = BuiltBook(build=build)
    threading.Thread(target=_build, args=(_BOOK,), daemon=True, name="book-build").start()
    # The book build is the longest path: the unit tests (this, the main thread) yield the CPU
    # to it. On Linux the nice value is per thread and a child process inherits its creating
    # thread's, so the chapters' kernels, started from the book-build thread, keep priority 0.
    try:
        os.setpriority(os.PRIO_PROCESS, 0, max(os.getpriority(os.PRIO_PROCESS, 0), 10))
    except (AttributeError, OSError):   # not Linux-like: the tests just compete for the CPU
        pass


def _asks_for_the_book(config) -> bool:
    """Whether the command line names tests/book or a folder above it (or nothing: the testpaths);
    single test files are left to collection."""
    book_dir = ROOT / "tests" / "book"
    args = [a.split("::")[0] for a in config.args] or ["."]
    for a in args:
        p = (Path(config.invocation_params.dir) / a).resolve()
        if book_dir.is_relative_to(p):      # tests/book itself or a folder above it
            return True
    return False


def pytest_sessionstart(session):
    """Start the book build before collection (importing every test module takes seconds) when the
    command line asks for the book tests; collection starts it otherwise if a book test is found."""
    if not session.config.option.collectonly and _asks_for_the_book(session.config):
        _start_build()


def pytest_collection_finish(session):
    if session.config.option.collectonly:
        return
    if any(item.get_closest_marker("book") for item in session.items):
        _start_build()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """The log of the test build: time per chapter (executed or from the cache) and per phase."""
    if _BOOK is not None and (_BOOK.build / "build.log").is_file():
        terminalreporter.section("book build (chapters and HTML)")
        terminalreporter.write(_BOOK.build.joinpath("build.log").read_text())


def pytest_sessionfinish(session, exitstatus):
    if _BOOK is not None:
        _BOOK.done.wait()
        _BOOK.passed = exitstatus == 0


def pytest_unconfigure(config):
    if _BOOK is not None:
        if getattr(_BOOK, "passed", False):
            shutil.rmtree(_BOOK.build, ignore_errors=True)
        else:
            print(f"the test build of the book is kept in {_BOOK.build}")


@pytest.fixture(scope="session")
def built_book() -> BuiltBook:
    """The book executed and rendered into a temporary folder (see the module docstring)."""
    if _BOOK is None:
        pytest.fail("the book build was not started (mark the test with @pytest.mark.book)")
    _BOOK.done.wait()
    return _BOOK
