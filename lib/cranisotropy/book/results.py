"""The machine-readable record of a chapter: numbers, checks, and claims of the papers.

Each chapter creates one :class:`ChapterResults` and writes through it; the file
``_build/results/<chapter>.json`` is rewritten after every call, so it is complete even when a
later cell fails.  Three kinds of entry:

* ``values``: every number the prose quotes (use :meth:`ChapterResults.glue`, which also hands the
  formatted number to myst-nb's ``glue`` so the text shows exactly what was computed);
* ``checks``: named assertions (:meth:`ChapterResults.check` raises when the check fails, so a
  broken identity fails the chapter, and records the outcome when it passes);
* ``verdicts``: the papers' registered claims (``book/claims/``) judged by their registered rules
  (:meth:`ChapterResults.judge`), the raw material of the claims ledger.
"""

from __future__ import annotations

import json
import math
import numbers
from pathlib import Path

import numpy as np

from . import paths

class CheckFailed(AssertionError):
    """A named check of a chapter did not hold."""


def _jsonable(value):
    """Convert numpy / sympy scalars and containers to plain JSON types."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        v = float(value)
        return v if math.isfinite(v) else repr(v)
    if isinstance(value, (str, type(None))):
        return value
    try:  # sympy numbers and similar
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def _registry():
    from . import claims

    path = claims.registry_path()
    files = sorted(path.glob("*.yml")) if path.is_dir() else [path]
    stamp = tuple((str(f), f.stat().st_mtime_ns) for f in files if f.is_file())
    if _REGISTRY.get("stamp") != stamp or "claims" not in _REGISTRY:
        _REGISTRY.update(stamp=stamp, claims=claims.load(path))
    return _REGISTRY["claims"]


_REGISTRY: dict = {}


def parameter_names(chapter: str) -> list[str]:
    """Names assigned at the top level of the cell tagged ``parameters`` of ``book/<chapter>.md``,
    in order.

    Raises
    ------
    FileNotFoundError, ValueError
        No such chapter, or it has no parameters cell.
    """
    import ast
    import re

    src = paths.repo_root() / "book" / f"{chapter}.md"
    if not src.is_file():
        raise FileNotFoundError(f"no chapter source {src}")
    for m in re.finditer(r"^```\{code-cell\}[^\n]*\n(.*?)^```[ \t]*$", src.read_text(encoding="utf-8"), re.M | re.S):
        lines = m.group(1).splitlines()
        header = [ln for ln in lines[:8] if ln.startswith(":tags:") or ln.strip().startswith("tags:")]
        if not any("parameters" in ln for ln in header):
            continue
        body = [ln for ln in lines if not ln.startswith(":")]
        if body and body[0].strip() == "---":
            end = next(i for i in range(1, len(body)) if body[i].strip() == "---")
            body = body[end + 1:]
        names = []
        for node in ast.parse("\n".join(body)).body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name) and n.id not in names:
                        names.append(n.id)
        return names
    raise ValueError(f"chapter {chapter} has no cell tagged 'parameters'")


class ChapterResults:
    """Collects and writes ``_build/results/<chapter>.json``.

    Parameters
    ----------
    chapter : str
        The chapter's file name without suffix (e.g. ``"diffusion"``).
    parameters : dict, optional
        The values of the chapter's ``parameters`` cell, recorded for provenance.
    """

    def __init__(self, chapter: str, parameters: dict | None = None, *, namespace: dict | None = None):
        """``parameters``: the values the chapter ran with; or ``namespace=globals()``, from which
        the names assigned in the chapter's ``parameters`` cell are taken (:func:`parameter_names`)."""
        if not chapter or not isinstance(chapter, str):
            raise ValueError(f"chapter must be a non-empty string, got {chapter!r}")
        if namespace is not None:
            if parameters is not None:
                raise ValueError("give parameters or namespace, not both")
            names = parameter_names(chapter)
            missing = [n for n in names if n not in namespace]
            if missing:
                raise ValueError(f"chapter {chapter}: parameters {missing} are not defined in the namespace")
            parameters = {n: namespace[n] for n in names}
        self.chapter = chapter
        self.data = {
            "chapter": chapter,
            "parameters": _jsonable(parameters or {}),
            "values": {},
            "checks": {},
        }
        self.path: Path = paths.results_dir() / f"{chapter}.json"
        self.write()

    # -- writing ---------------------------------------------------------------------------
    def write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=False) + "\n")
        tmp.replace(self.path)

    # -- values ----------------------------------------------------------------------------
    def record(self, key: str, value, *, unit: str | None = None, note: str | None = None):
        """Store ``value`` under ``key`` (with optional unit and note); returns nothing, so that a
        cell may end with it without printing anything."""
        entry = {"value": _jsonable(value)}
        if unit:
            entry["unit"] = unit
        if note:
            entry["note"] = note
        self.data["values"][key] = entry
        self.write()

    def glue(self, key: str, value, fmt: str = ".3g", *, unit: str | None = None, note: str | None = None):
        """Record ``value`` and glue it, formatted with ``fmt``, for ``{glue:text}`key``` in prose;
        returns nothing (a cell may end with it without printing anything)."""
        self.record(key, value, unit=unit, note=note)
        text = format(value, fmt) if fmt else str(value)
        try:
            from myst_nb import glue as _glue
        except ImportError:  # a reader's plain Jupyter without myst-nb: nothing to glue into
            return
        _glue(key, text, display=False)  # {glue:text} strips the quotes of the str repr

    def glue_many(self, values: dict, fmt: str = ".3g") -> None:
        """:meth:`glue` each ``key: value`` of ``values``; a value may be a ``(value, fmt)`` pair,
        otherwise ``fmt`` applies. Returns nothing."""
        for key, val in values.items():
            v, f = val if isinstance(val, tuple) and len(val) == 2 and isinstance(val[1], str) else (val, fmt)
            self.glue(key, v, f)

    # -- data products -------------------------------------------------------------------
    def product(self, name: str, data) -> Path:
        """Write ``data`` (JSON-ready) to ``_build/products/<name>.json``: a data product of the
        chapter that a generated page uses (the explorer's grids, for instance)."""
        if not name or not all(ch.isalnum() or ch in "-_" for ch in name):
            raise ValueError(f"product name must be letters, digits, '-' or '_', got {name!r}")
        path = paths.build_dir() / "products" / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(_jsonable(data), separators=(",", ":")) + "\n")
        tmp.replace(path)
        self.data.setdefault("products", [])
        if name not in self.data["products"]:
            self.data["products"].append(name)
        self.write()
        return path

    # -- checks ----------------------------------------------------------------------------
    def check(self, key: str, condition, detail: str = "", **numbers) -> None:
        """Assert ``condition``; record the outcome (and any ``numbers``) under ``key``.

        Raises :class:`CheckFailed` naming the check when the condition is false, so that the
        chapter (and the papermill test that runs it) fails.
        """
        ok = bool(condition)
        self.data["checks"][key] = {"passed": ok, "detail": detail, **_jsonable(numbers)}
        self.write()
        if not ok:
            raise CheckFailed(f"[{self.chapter}] check '{key}' failed: {detail} {numbers}")
        # returns nothing, so that a check as a cell's last line prints nothing on the page

    # -- claims ----------------------------------------------------------------------------
    def judge(self, cid: str, *, statistic=None, uncertainty=None, description: str = "", p_value=None,
               false_rejection: dict | None = None, power: dict | None = None, values: dict | None = None,
               figure: str | None = None, precondition: bool | None = None, reason: str = "") -> None:
        """Judge the registered claim ``cid`` (``book/claims/``) by its registered rule.

        ``statistic`` (with its ``uncertainty`` and a ``description`` of what it is) is the number the
        rule decides on; a ``p_value`` rule also needs ``p_value``, ``false_rejection`` (``{"rate",
        "n_mocks", "nominal"}``, measured on mocks of the claim itself) and ``power`` (``{"alternative":
        text, "rate": r, "n_mocks": n}`` or ``{"none": reason}``), which every data-based claim
        states.  ``values`` are further numbers worth keeping with the verdict.  A rule registered
        with a precondition needs ``precondition`` (measured: True or False) and, when it fails, a
        ``reason`` in words (the verdict is then "not testable").  The record (the
        registry entry, the statistic and the verdict) goes into the results file; nothing is returned
        (a cell may end with it without printing anything).
        """
        from . import claims

        registry = _registry()
        if cid not in registry:
            raise KeyError(f"claim {cid!r} is not in the registry book/claims/")
        claim = registry[cid]
        if claim.chapter != self.chapter:
            raise ValueError(f"claim {cid} is registered for chapter {claim.chapter!r}, not {self.chapter!r}")
        rule_verdict = claims.decide(claim, statistic, uncertainty, p_value, precondition)
        verdict = claims.final_verdict(claim, rule_verdict, power, false_rejection)
        rec = {"id": cid, "paper": claim.paper, "where": claim.where, "quote": claim.quote, "test": claim.test,
               "kind": claim.kind, "criterion": claim.describe(), "rule": _jsonable(claim.criterion),
               "statistic": {"value": _jsonable(statistic), "uncertainty": _jsonable(uncertainty),
                             "description": description},
               "verdict": verdict, "chapter": self.chapter, "section": claim.section}
        if verdict != rule_verdict:
            rec["power_rule"] = ("the rule alone says reproduced, but the test's power against its alternative "
                                 f"({_jsonable(power)['rate']:.3g}) is no larger than its false-rejection rate: "
                                 "it cannot tell the claim from the alternative (claims.powerless)")
        if claim.criterion.get("precondition"):
            if not precondition and not reason:
                raise ValueError(f"claim {cid}: its precondition failed: say why (reason=...)")
            rec["precondition"] = {"text": claim.criterion["precondition"], "met": bool(precondition),
                                   "reason": reason}
        for key, val in (("p_value", p_value), ("false_rejection", false_rejection), ("power", power),
                         ("values", values), ("figure", figure), ("note", claim.note or None)):
            if val is not None:
                rec[key] = _jsonable(val)
        problems = claims.record_problems(rec, registry)
        if problems:
            raise ValueError("; ".join(problems))
        self.data.setdefault("verdicts", [])
        self.data["verdicts"] = [v for v in self.data["verdicts"] if v["id"] != cid] + [rec]
        self.write()
        try:                      # the verdict for the prose: {glue:text}`verdict-<id>`
            from myst_nb import glue as _glue
        except ImportError:
            return
        _glue(f"verdict-{cid}", verdict, display=False)

    def verdict_table(self, *, p_value: bool | None = None):
        """The verdicts this chapter recorded, as a table (claim, where, statistic[, p], verdict)."""
        from .tables import table

        recs = self.data.get("verdicts", [])
        if p_value is None:
            p_value = any(v.get("p_value") is not None for v in recs)
        header = ["claim", "where", "statistic"] + (["p"] if p_value else []) + ["verdict"]
        rows = [[f"`{v['id']}`", v["where"], v["statistic"]["value"]]
                + ([v.get("p_value")] if p_value else []) + [f"**{v['verdict']}**"] for v in recs]
        return table(header, rows, formats=[None, None, ".3g"] + ([".3g"] if p_value else []) + [None])





def load(chapter: str) -> dict:
    """Read ``_build/results/<chapter>.json``."""
    path = paths.results_dir() / f"{chapter}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no results for chapter '{chapter}' at {path}: execute the chapter first")
    return json.loads(path.read_text())
