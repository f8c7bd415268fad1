"""The parameters a reader may change: read from each chapter's cell tagged ``parameters``,
validated before anything runs.

A parameters cell is plain assignments, one per line (``a, b = 1, 2`` declares two), each with a
comment that says what the value means::

    Omega = 2.0       # [> 0] gyro-frequency of the regular field, in units of nu
    nsigma = 3        # [1..3] noise band that defines "above noise"
    method = "quad"   # [quad|series] how the integral is evaluated

The default's type is the parameter's type (an ``int`` default takes integers, a ``float``
default takes any real number, a list takes a list of the same element type).  A comment that
*starts* with a bracketed constraint restricts the value (each element of a list):
``[> 0]``, ``[>= 1]``, ``[< 90]``, ``[<= 1]`` (several joined by ``,``), ``[a..b]`` (inclusive
range), ``[x|y|z]`` (one of these words).  Values given on the command line are Python literals
or arithmetic on them (``1/3``, ``-20``, ``[0, 0.5, 2**3]``).
"""

from __future__ import annotations

import ast
import io
import operator
import re
import tokenize
from dataclasses import dataclass, field

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow, ast.FloorDiv: operator.floordiv,
           ast.Mod: operator.mod}


class ParameterError(ValueError):
    """A parameter that a chapter does not declare, or a value of the wrong type or range."""


def evaluate(node: ast.AST):
    """Value of a literal or of arithmetic on literals (no names, no calls)."""
    if isinstance(node, ast.Expression):
        return evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool, type(None))):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [evaluate(e) for e in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict):
        return {evaluate(k): evaluate(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = evaluate(node.operand)
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            raise ValueError("a sign applies only to a number")
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        a, b = evaluate(node.left), evaluate(node.right)
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b)):
            raise ValueError("arithmetic applies only to numbers")
        return _BINOPS[type(node.op)](a, b)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("list", "range") \
            and not node.keywords:
        args = [evaluate(a) for a in node.args]
        if node.func.id == "range" and all(isinstance(a, int) for a in args):
            return range(*args)
        if node.func.id == "list" and len(args) == 1 and isinstance(args[0], (range, list, tuple)):
            return list(args[0])
    raise ValueError(f"not a literal value: {ast.unparse(node)!r}")


def parse_value(text: str):
    """A value given on the command line: a Python literal or arithmetic on literals.

    A bare word that is not a literal is an error unless it is meant as a string: the caller
    decides (see :meth:`Parameter.coerce`), so here it comes back as ``str``.
    """
    try:
        return evaluate(ast.parse(text.strip(), mode="eval"))
    except (SyntaxError, ValueError):
        return text


# -- constraints -------------------------------------------------------------------------------
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_CMP = re.compile(rf"^\s*(>=|<=|>|<)\s*({_NUM})\s*$")
_RANGE = re.compile(rf"^\s*({_NUM})\s*\.\.\s*({_NUM})\s*$")
_WORDS = re.compile(r"^\s*[A-Za-z_][\w.-]*(\s*\|\s*[A-Za-z_][\w.-]*)+\s*$")
_OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


@dataclass(frozen=True)
class Constraint:
    text: str

    def problems(self, value) -> list[str]:
        items = value if isinstance(value, (list, tuple)) else [value]
        out = []
        for v in items:
            for part in [p for p in self.text.split(",")] if not _WORDS.match(self.text) else [self.text]:
                m = _CMP.match(part)
                if m:
                    if not isinstance(v, (int, float)) or isinstance(v, bool) or not _OPS[m.group(1)](v, float(m.group(2))):
                        out.append(f"{v!r} is not {m.group(1)} {m.group(2)}")
                    continue
                m = _RANGE.match(part)
                if m:
                    lo, hi = float(m.group(1)), float(m.group(2))
                    if not isinstance(v, (int, float)) or isinstance(v, bool) or not lo <= v <= hi:
                        out.append(f"{v!r} is not in {m.group(1)}..{m.group(2)}")
                    continue
                words = [w.strip() for w in part.split("|")]
                if v not in words:
                    out.append(f"{v!r} is not one of {words}")
        return out

    @staticmethod
    def from_comment(comment: str) -> "Constraint | None":
        m = re.match(r"^\s*\[([^\]]+)\]", comment)
        if not m:
            return None
        body = m.group(1)
        parts = body.split(",") if not _WORDS.match(body) else [body]
        if all(_CMP.match(p) or _RANGE.match(p) for p in parts) or _WORDS.match(body):
            return Constraint(body.strip())
        return None   # a bracket that is not a constraint (a unit, say)


# -- declared parameters ---------------------------------------------------------------------
@dataclass(frozen=True)
class Parameter:
    name: str
    default: object
    source: str                # the default as written
    comment: str = ""
    constraint: Constraint | None = field(default=None)

    @property
    def kind(self) -> str:
        d = self.default
        if isinstance(d, bool):
            return "bool"
        if isinstance(d, int):
            return "int"
        if isinstance(d, float):
            return "float"
        if isinstance(d, str):
            return "str"
        if isinstance(d, (list, tuple)):
            return "list"
        if d is None:
            return "None"
        return type(d).__name__

    def coerce(self, value):
        """``value`` checked against the default's type and the constraint; returns the value to
        inject (ints accepted for floats).  Raises :class:`ParameterError` naming the problem."""
        kind, where = self.kind, f"parameter {self.name!r} (default {self.source})"
        if kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ParameterError(f"{where} takes a real number, got {value!r}")
            value = float(value)
        elif kind == "int":
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ParameterError(f"{where} takes an integer, got {value!r}")
        elif kind == "bool":
            if not isinstance(value, bool):
                raise ParameterError(f"{where} takes True or False, got {value!r}")
        elif kind == "str":
            if not isinstance(value, str):
                raise ParameterError(f"{where} takes a string, got {value!r}")
        elif kind == "list":
            if isinstance(value, (range, tuple)):
                value = list(value)
            if not isinstance(value, list):
                raise ParameterError(f"{where} takes a list like {self.source}, got {value!r}")
            d = list(self.default)
            if d and value:
                numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in d)
                if numeric and not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in value):
                    raise ParameterError(f"{where} takes a list of numbers, got {value!r}")
                if all(isinstance(x, int) and not isinstance(x, bool) for x in d) and \
                        not all(isinstance(x, int) and not isinstance(x, bool) for x in value):
                    raise ParameterError(f"{where} takes a list of integers, got {value!r}")
        if self.constraint:
            probs = self.constraint.problems(value)
            if probs:
                raise ParameterError(f"{where} must satisfy [{self.constraint.text}]: " + "; ".join(probs))
        return value


def _comments(source: str) -> dict[int, str]:
    out = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            out[tok.start[0]] = tok.string.lstrip("#").strip()
    return out


def declared(cell_source: str) -> dict[str, Parameter]:
    """name -> :class:`Parameter` of every assignment in a parameters cell (in order)."""
    tree = ast.parse(cell_source)
    comments = _comments(cell_source)
    out: dict[str, Parameter] = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign):
            raise ParameterError(f"a parameters cell holds only assignments, found: {ast.unparse(node)!r}")
        comment = comments.get(node.end_lineno, "")
        constraint = Constraint.from_comment(comment)
        for target in node.targets:
            if isinstance(target, ast.Name):
                pairs = [(target, node.value)]
            elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple) \
                    and len(target.elts) == len(node.value.elts):
                pairs = list(zip(target.elts, node.value.elts))
            else:
                raise ParameterError(f"cannot read the assignment {ast.unparse(node)!r}")
            for t, v in pairs:
                if not isinstance(t, ast.Name):
                    raise ParameterError(f"cannot read the assignment {ast.unparse(node)!r}")
                out[t.id] = Parameter(t.id, evaluate(v), ast.unparse(v), comment, constraint)
    return out


def validate(requested: dict, params: dict[str, Parameter], chapter: str) -> dict:
    """The requested values checked against the declared parameters of ``chapter``."""
    unknown = sorted(set(requested) - set(params))
    if unknown:
        raise ParameterError(f"chapter '{chapter}' has no parameter(s) {unknown}; "
                             f"its parameters are: {', '.join(params)}")
    return {k: params[k].coerce(v) for k, v in requested.items()}
