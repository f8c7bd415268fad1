"""Pages generated at build time from what the chapters recorded (never written by hand).

``generate(stage, build)`` writes, into the staging folder, every generated page that ``_toc.yml``
lists: see ``GENERATED`` (toc entry -> function returning the page's MyST text).
"""

from __future__ import annotations

from pathlib import Path

GENERATED: dict = {}


def generate(stage: Path, build: Path) -> list[Path]:
    """Write the generated pages that the staged toc lists; return their paths."""
    toc = (stage / "_toc.yml").read_text()
    written = []
    for entry, make in GENERATED.items():
        if f"file: {entry}" in toc:
            path = stage / f"{entry}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(make(build))
            written.append(path)
    return written
