"""The book's plumbing, apart from the physics: where outputs go (:mod:`.paths`), what a chapter
records (:mod:`.results`), its figures and their manifest (:mod:`.figures`), the claims registry
and its rules (:mod:`.claims`) and tables (:mod:`.tables`).  Chapters and ``tools/`` import from here; no physics module of
:mod:`cranisotropy` does.
"""
