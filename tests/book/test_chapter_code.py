"""Chapters narrate and call (issue 13): no chapter defines a function, a class or a named lambda,
and the chapters' code cells hold at most 1,500 lines together."""

import pytest

import book
import chapter_code

LIMIT = 1500


@pytest.mark.parametrize("name", list(book.chapters()))
def test_chapter_defines_nothing(name):
    found = chapter_code.definitions(book.chapters()[name])
    assert not found, f"{name} defines {found}: move them into lib/cranisotropy"


def test_chapter_code_within_budget():
    lines = {name: chapter_code.code_lines(src) for name, src in book.chapters().items()}
    total = sum(lines.values())
    worst = sorted(lines.items(), key=lambda kv: -kv[1])[:4]
    assert total <= LIMIT, f"chapter code {total} lines > {LIMIT}; largest: {worst}"


def test_the_counter_sees_definitions_and_lines(tmp_path):
    src = tmp_path / "c.md"
    src.write_text("text\n```{code-cell} ipython3\n---\ntags: [x]\n---\ndef f():\n    pass\ng = lambda x: x\n"
                   "```\n```{code-cell} ipython3\n:tags: [y]\nclass C: pass\n```\n")
    assert chapter_code.definitions(src) == ["FunctionDef f", "lambda bound to g", "ClassDef C"]
    assert chapter_code.code_lines(src) == 4
