"""Where the book's outputs go.

The repository root is found by walking up from the working directory to the folder that holds
``_toc.yml``; the build folder is ``<root>/_build`` unless the environment variable
``CRANISOTROPY_BUILD`` names another one (the test suite uses this to run a chapter in isolation).
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_BUILD = "CRANISOTROPY_BUILD"


def repo_root(start: Path | None = None) -> Path:
    """The folder holding ``_toc.yml`` above ``start`` (default: the working directory)."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_toc.yml").is_file() and (folder / "lib" / "cranisotropy").is_dir():
            return folder
    # Fallback: the checkout this (editable) package lives in.
    pkg_root = Path(__file__).resolve().parents[3]
    if (pkg_root / "_toc.yml").is_file():
        return pkg_root
    raise FileNotFoundError(f"no book repository (a folder with _toc.yml) above {here}")


def build_dir() -> Path:
    """``$CRANISOTROPY_BUILD`` or ``<root>/_build``."""
    env = os.environ.get(ENV_BUILD)
    return Path(env).resolve() if env else repo_root() / "_build"


def figures_dir() -> Path:
    return build_dir() / "figures"


def results_dir() -> Path:
    return build_dir() / "results"


def cache_dir() -> Path:
    """Cache for long computations, keyed by their parameters (survives ``make clean-build``)."""
    env = os.environ.get("CRANISOTROPY_CACHE")
    return Path(env).resolve() if env else repo_root() / ".cache"


def data_dir() -> Path:
    return repo_root() / "data"
