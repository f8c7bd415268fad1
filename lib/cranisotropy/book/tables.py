"""Tables of a chapter, formatted from data: no markdown table is built by hand in a chapter.

:func:`table` turns a header and rows of values into a :class:`Table`, a markdown table that a
notebook displays as such (it is an :class:`IPython.display.Markdown`, so myst-nb renders it as
MyST markdown: ``$math$`` in cells works).  Each column may have a format: a format spec for
numbers (``".2f"``), a callable, or nothing (``str``).  Missing values (``None``, NaN) show as an
en dash.
"""

from __future__ import annotations

import math
import numbers
from typing import Callable, Sequence

from IPython.display import Markdown

__all__ = ["Table", "table", "DASH"]

DASH = "\u2013"


class Table(Markdown):
    """A markdown table for display; ``header`` and ``cells`` keep what it shows (strings)."""

    def __init__(self, header: list[str], cells: list[list[str]], align: list[str]):
        self.header, self.cells, self.align = header, cells, align
        rule = {"left": ":---", "right": "---:", "center": ":---:", None: "---"}
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join(rule[a] for a in align) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in cells]
        super().__init__("\n".join(lines))

    @property
    def markdown(self) -> str:
        """The table as markdown text."""
        return self.data

    def __str__(self) -> str:
        return self.data


def _missing(v) -> bool:
    return v is None or (isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isnan(v))


def _cell(v, fmt, where: str) -> str:
    if _missing(v):
        return DASH
    if callable(fmt):
        text = fmt(v)
    elif isinstance(fmt, str) and fmt:
        text = format(v, fmt)
    elif isinstance(v, bool):
        text = "yes" if v else "no"
    else:
        text = str(v)
    text = " ".join(str(text).split())
    if "|" in text:
        raise ValueError(f"{where}: cell {text!r} contains '|', which would split the markdown row "
                         "(in math, write \\lvert ... \\rvert)")
    return text


def table(header: Sequence[str], rows, *, formats: Sequence[str | Callable | None] | None = None,
          align: Sequence[str | None] | None = None) -> Table:
    """A markdown table from a header and rows of values.

    Parameters
    ----------
    header : sequence of str
        Column titles (MyST markdown: ``$\\ell$`` works).
    rows : iterable of sequences
        One sequence of values per row, as many as columns.
    formats : sequence, optional
        Per column: a format spec applied with :func:`format` (``".2f"``), a callable returning
        the text, or ``None`` (``str``; booleans show as yes/no).  Missing values (``None``,
        NaN) show as an en dash whatever the format.
    align : sequence, optional
        Per column: ``"left"``, ``"right"``, ``"center"`` or ``None``.

    Returns
    -------
    Table
        Displayed as a markdown table by Jupyter and myst-nb; ``str()`` gives its markdown.

    Raises
    ------
    ValueError
        A row with the wrong number of values, a cell containing ``|``, an unknown alignment.

    Examples
    --------
    >>> t = table(["bin", "$n$", "slope"], [["13 TeV", 25, -3.214], ["24 TeV", 3, float("nan")]],
    ...           formats=[None, "d", "+.2f"])
    >>> print(t)
    | bin | $n$ | slope |
    |---|---|---|
    | 13 TeV | 25 | -3.21 |
    | 24 TeV | 3 | – |
    """
    header = [" ".join(str(h).split()) for h in header]
    if not header:
        raise ValueError("header must name at least one column")
    ncol = len(header)
    formats = list(formats) if formats is not None else [None] * ncol
    align = list(align) if align is not None else [None] * ncol
    if len(formats) != ncol:
        raise ValueError(f"formats must have one entry per column ({ncol}), got {len(formats)}")
    if len(align) != ncol:
        raise ValueError(f"align must have one entry per column ({ncol}), got {len(align)}")
    bad = [a for a in align if a not in ("left", "right", "center", None)]
    if bad:
        raise ValueError(f"align entries must be 'left', 'right', 'center' or None, got {bad}")
    for i, h in enumerate(header):
        _cell(h, None, f"header column {i + 1}")
    cells = []
    for r, row in enumerate(rows, start=1):
        row = list(row)
        if len(row) != ncol:
            raise ValueError(f"row {r} has {len(row)} values, the header {ncol} columns")
        cells.append([_cell(v, f, f"row {r}, column {c + 1}") for c, (v, f) in enumerate(zip(row, formats))])
    return Table(header, cells, align)
