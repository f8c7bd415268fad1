"""The Zhang & Liu claims registry (book/claims/zhang-liu2024.yml): every entry loads, and every quote
is the paper's text.

The extracted text lost its mathematics and mangled a few characters. The registry's quotes are
verbatim words with [ ] (or [$...$], a reconstruction) where mathematics was lost and "..." where
words are left out; the test strips the bracketed parts, splits at "...", undoes the mangling and
requires every fragment, in order, in the text. The paper's text lives outside the repository
(``../shared/papers`` of the project); the quote test is skipped where it is absent.
"""

import os
import re
from pathlib import Path

import pytest
import yaml

from cranisotropy.book import claims, paths

REGISTRY = paths.repo_root() / "book" / "claims" / "zhang-liu2024.yml"
MANGLED = {"ย": " ", "รถ": "ö", "รฉ": "é"}
PUNCTUATION = "โ–—’‘“”\"'"          # the extraction turned dashes, apostrophes and quotes into 'โ'


def _paper_text() -> Path | None:
    candidates = [Path(os.environ["CRANISOTROPY_SHARED"]) / "papers"] if os.environ.get("CRANISOTROPY_SHARED") else []
    root = paths.repo_root()
    candidates += [root / "shared" / "papers", root.parent / "shared" / "papers", root.parent.parent / "shared" / "papers"]
    return next((c / "zhang-liu2024.txt" for c in candidates if (c / "zhang-liu2024.txt").is_file()), None)


def _normalise(text: str) -> str:
    for bad, good in MANGLED.items():
        text = text.replace(bad, good)
    for c in PUNCTUATION:
        text = text.replace(c, "~")
    return re.sub(r"\s+", " ", text)


def _strip_brackets(quote: str) -> str:
    out, depth = [], 0
    for c in quote:
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth < 0:
                raise ValueError(f"unbalanced ']' in {quote!r}")
        elif depth == 0:
            out.append(c)
    if depth:
        raise ValueError(f"unbalanced '[' in {quote!r}")
    return "".join(out)


def _missing_fragments(quote: str, text: str) -> list[str]:
    """Fragments of ``quote`` (brackets stripped, split at '...') not found, in order, in ``text``."""
    pos, missing = 0, []
    for frag in _normalise(_strip_brackets(quote)).split("..."):
        frag = frag.strip()
        if not frag:
            continue
        i = text.find(frag, pos)
        if i < 0:
            missing.append(frag)
        else:
            pos = i + len(frag)
    return missing


def test_registry_loads_with_complete_entries():
    entries = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))
    reg = claims.load()
    assert set(entries) <= set(reg)
    assert len(entries) >= 40
    for cid in entries:
        c = reg[cid]
        assert c.paper == "zhang-liu2024" and c.chapter.startswith("zl_")
        assert c.describe()
        if c.kind == "data" and c.rule == "p_value":
            assert c.criterion.get("sided") in ("one", "two"), cid


def test_helpers_catch_a_wrong_quote():
    text = _normalise("we have , where the angle brackets denote averaging over all directions.")
    assert _missing_fragments("we have [$\\langle x\\rangle$], where the angle brackets", text) == []
    assert _missing_fragments("we have [ ], where the round brackets", text) == ["we have , where the round brackets"]
    assert _missing_fragments("denote averaging ... we have", text) == ["we have"]      # order matters
    with pytest.raises(ValueError, match="unbalanced"):
        _strip_brackets("a [b")


def test_every_quote_is_in_the_paper():
    path = _paper_text()
    if path is None:
        pytest.skip("the paper's text (shared/papers/zhang-liu2024.txt) is not available here")
    text = _normalise(path.read_text(encoding="utf-8"))
    entries = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))
    bad = {cid: m for cid, e in entries.items() if (m := _missing_fragments(e["quote"], text))}
    assert not bad, bad
