"""The build is strict: a chapter with a broken identity fails its papermill run, the failure names
the chapter, and the HTML build refuses a chapter whose last run failed or is stale."""

import json

import pytest

import book


def _broken_copy(tmp_path):
    src = book.ROOT / "book" / "diffusion.md"
    text = src.read_text()
    good = "expected = {1/(3*nu_),"
    assert text.count(good) == 1, "the chapter's eigenvalue assertion moved: update this test"
    broken = tmp_path / "diffusion.md"
    broken.write_text(text.replace(good, "expected = {1/(2*nu_),"))  # a wrong eigenvalue
    return broken


def test_broken_identity_fails_and_names_chapter(tmp_path, monkeypatch):
    monkeypatch.setattr(book, "BUILD", tmp_path / "_build")
    with pytest.raises(book.ChapterFailed) as exc:
        book.execute_chapter("diffusion", src=_broken_copy(tmp_path))
    msg = str(exc.value)
    assert "chapter 'diffusion'" in msg and "eq5-eigenvalues-z" in msg
    status = json.loads((tmp_path / "_build" / "status" / "diffusion.json").read_text())
    assert status["ok"] is False
    # ... and the HTML build refuses to render it
    assert any(p.startswith("diffusion: its last execution failed") for p in book.stale_chapters())


def test_unknown_parameter_is_an_error():
    with pytest.raises(ValueError, match="no parameter"):
        book.execute_chapter("diffusion", {"no_such_parameter": 1})
