"""Tables from data (cranisotropy.book.tables) and captions from the chapter sources (figures.captions)."""

import math

import pytest

from cranisotropy.book import figures, tables


def test_table_formats_and_missing_values():
    t = tables.table(["a", "b", "ok"], [[1.23456, None, True], [2, math.nan, False]], formats=[".2f", ".1f", None])
    assert str(t).splitlines() == ["| a | b | ok |", "|---|---|---|", "| 1.23 | – | yes |", "| 2.00 | – | no |"]
    assert t._repr_markdown_() == t.markdown
    t2 = tables.table(["x"], [["a"]], align=["right"], formats=[lambda v: v.upper()])
    assert "|---:|" in str(t2) and "| A |" in str(t2)


def test_table_errors():
    with pytest.raises(ValueError, match="row 1 has 1 values"):
        tables.table(["a", "b"], [[1]])
    with pytest.raises(ValueError, match=r"contains '\|'"):
        tables.table(["a"], [["x | y"]])
    with pytest.raises(ValueError, match="formats"):
        tables.table(["a"], [[1]], formats=[None, None])
    with pytest.raises(ValueError, match="align"):
        tables.table(["a"], [[1]], align=["middle"])
    with pytest.raises(ValueError, match="header"):
        tables.table([], [])


CHAPTER = '''# A chapter

```{code-cell} ipython3
---
tags: [remove-input]
mystnb:
  figure:
    caption: "First figure, with $\\\\ell$ and
      a second line."
    name: fig-one
---
fig = plots.one()
figures.save(fig, "demo-one", chapter="demo", parameters=dict(a=1))
plt.show()
```

```{code-cell} ipython3
x = 1
```

```{code-cell} ipython3
---
mystnb:
  figure:
    caption: Second
---
figures.save(fig2, 'demo-two', chapter="demo")
```
'''


def test_captions_from_chapter(tmp_path):
    p = tmp_path / "demo.md"
    p.write_text(CHAPTER)
    assert figures.captions(p) == {"demo-one": "First figure, with $\\ell$ and a second line.", "demo-two": "Second"}


def test_captions_errors(tmp_path):
    p = tmp_path / "bad.md"
    p.write_text("```{code-cell} ipython3\nfigures.save(fig, \"x-y\", chapter=\"bad\")\n```\n")
    with pytest.raises(ValueError, match="has no mystnb.figure.caption"):
        figures.captions(p)
    p.write_text(CHAPTER + CHAPTER)
    with pytest.raises(ValueError, match="saved by two cells"):
        figures.captions(p)
    with pytest.raises(FileNotFoundError):
        figures.captions(tmp_path / "missing.md")


def test_every_chapter_caption_is_found():
    from cranisotropy.book import paths
    for md in sorted((paths.repo_root() / "book").glob("*.md")):
        caps = figures.captions(md)
        assert all(caps.values())


def test_save_takes_the_caption_from_the_chapter(tmp_path, monkeypatch):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    monkeypatch.setenv("CRANISOTROPY_BUILD", str(tmp_path))
    fig, ax = plt.subplots()
    figures.save(fig, "diffusion-coefficients", chapter="diffusion")
    entry = figures.load_manifest()["diffusion-coefficients"]
    assert entry["caption"] == figures.captions(figures.paths.repo_root() / "book" / "diffusion.md")["diffusion-coefficients"]
    with pytest.raises(ValueError, match="no caption"):
        figures.save(fig, "not-in-chapter", chapter="diffusion")
    plt.close(fig)
