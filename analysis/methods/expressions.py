"""Safe expressions over firm fields, with units: the small language of method files (docs/method-format.md).

A text such as `tax_10k_yuan * 10000 / electricity_kwh` is parsed with Python's `ast` (mode="eval") and every
node is checked against an allow-list, so a method file can never run code. Parsing also works out the kind
("number" or "bool") and the unit, so a wrong declared unit is refused before any firm is scored; evaluation
then runs over whole DataFrame columns.

Units carry a scale over base symbols: 万元 = 10000 元, 亿元 = 1e8 元, 公顷 = 15 亩, 万kWh = 10000 kWh; every other
unit word (亩, 吨标煤, kWh, 人, …) is its own base. A numeric constant is a pure number, and multiplying by a
constant c expresses the value in a unit c times smaller (the scale is divided by |c|; dividing by c multiplies
it): `tax_10k_yuan` is 万元, so `tax_10k_yuan * 10000` is 元 and `tax_10k_yuan * 10000 / electricity_kwh` is
元/kWh, while `tax_10k_yuan / electricity_kwh` is 万元/kWh. A sign belongs to the value, never the unit.

Rules: + - min max and comparisons need both sides in the same unit (dimension and scale; no silent
conversion), a constant taking the other side's unit. Comparisons give bool, and/or/not need bool operands.
Chained comparisons are allowed: `0 < x <= 10` means `0 < x and x <= 10`. Division by a missing, zero or
negative value gives NaN, never inf (as analysis/indicators.py); a constant divisor must be positive.
"""

from __future__ import annotations

import ast
import difflib
import itertools
import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn, TypeAlias

import numpy as np
import pandas as pd

from spatial.errors import InputError

__all__ = ["Expression", "ExpressionError", "Unit", "check_unit", "parse_expression", "parse_unit"]

Kind = Literal["number", "bool"]
MAX_LENGTH = 1000  # longer texts are refused: no method needs them, and deep nesting could exhaust the parser

# Unit words that are a multiple of a base symbol: money is counted in 元, land in 亩, electricity in kWh.
_MULTIPLES: dict[str, tuple[float, str]] = {"万元": (1e4, "元"), "亿元": (1e8, "元"), "公顷": (15.0, "亩"),
                                            "万kWh": (1e4, "kWh")}
_REFUSED_OPS = {ast.Pow: "**", ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
                ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^", ast.Invert: "~", ast.UAdd: "unary +",
                ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt,
                                                   ast.GtE: operator.ge, ast.Eq: operator.eq, ast.NotEq: operator.ne}
_DESCRIBE = {ast.Attribute: "attribute access", ast.Subscript: "indexing", ast.Lambda: "a lambda", ast.IfExp: "if/else",
             ast.List: "a list", ast.Tuple: "a tuple", ast.Dict: "a dict", ast.Set: "a set", ast.JoinedStr: "an f-string",
             ast.NamedExpr: "assignment", ast.Starred: "unpacking", ast.ListComp: "a comprehension",
             ast.GeneratorExp: "a generator", ast.Slice: "a slice"}
_ALLOWED = "expressions use numbers, field names, + - * /, comparisons, and/or/not, min(a, b) and max(a, b)"


class ExpressionError(InputError):
    """An expression or unit text a method file may not use; the message names the text and the part at fault."""


@dataclass(frozen=True)
class Unit:
    """A unit as scale × Π symbol^exponent: 万元/亩 is Unit.of(1e4, {"元": 1, "亩": -1})."""

    scale: float = 1.0
    dims: tuple[tuple[str, int], ...] = ()  # (symbol, exponent), sorted, no zero exponents: equal units compare equal

    def __post_init__(self) -> None:
        object.__setattr__(self, "dims", tuple(sorted((s, e) for s, e in self.dims if e != 0)))

    @staticmethod
    def of(scale: float, exponents: Mapping[str, int]) -> Unit:
        """The unit with this scale and symbol → exponent mapping."""
        return Unit(float(scale), tuple(exponents.items()))

    @property
    def exponents(self) -> dict[str, int]:
        """Base symbol → integer exponent."""
        return dict(self.dims)

    def __mul__(self, other: Unit) -> Unit:
        exps = self.exponents
        for s, e in other.dims:
            exps[s] = exps.get(s, 0) + e
        return Unit.of(self.scale * other.scale, exps)

    def __truediv__(self, other: Unit) -> Unit:
        return self * other.power(-1)

    def power(self, n: int) -> Unit:
        """This unit to the integer power n."""
        return Unit.of(self.scale ** n, {s: e * n for s, e in self.dims})

    def same_as(self, other: Unit) -> bool:
        """Same dimension and same scale (relative tolerance 1e-12)."""
        return self.dims == other.dims and math.isclose(self.scale, other.scale, rel_tol=1e-12)

    def text(self) -> str:
        """Canonical text ("万元/亩", "元/kWh", "%", "" for a pure number), the scale folded into 万元, 公顷… where it fits."""
        if not self.dims:
            return "" if _near(self.scale, 1.0) else "%" if _near(self.scale, 0.01) else f"{self.scale:g}"
        options = [[(s, s, 1.0)] + [(w, s, f) for w, (f, base) in _MULTIPLES.items() if base == s] for s, _ in self.dims]
        exps = self.exponents
        best: tuple[int, float, tuple[tuple[str, str, float], ...]] | None = None
        for choice in itertools.product(*options):
            residual = self.scale / math.prod(f ** exps[s] for _, s, f in choice)
            rank = (0 if _near(residual, 1.0) else 1) * 100 + sum(w != s for w, s, _ in choice)
            if best is None or rank < best[0]:
                best = (rank, residual, choice)
        assert best is not None
        _, residual, choice = best
        words = sorted(((w, exps[s]) for w, s, _ in choice), key=lambda we: ("元" not in we[0], we[0]))
        num = ([] if _near(residual, 1.0) else [f"{residual:g}"]) + [_power_text(w, e) for w, e in words if e > 0]
        den = [_power_text(w, -e) for w, e in words if e < 0]
        top = "·".join(num) or "1"
        return f"{top}/{'·'.join(den)}" if den else top


def _near(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12)


def _power_text(word: str, exp: int) -> str:
    return word if exp == 1 else f"{word}^{exp}"


def parse_unit(text: str) -> Unit:
    """The Unit a text names: "万元/亩", "元/kWh", "万元/吨标煤", "%" (0.01), "" or "1" (a pure number).

    At most one "/" (write a/(b·c) as "a/b·c"); "·" or "*" join factors; "^n" raises a factor to a power.
    """
    parts = text.strip().split("/")
    if parts == [""]:
        return Unit()
    if len(parts) > 2:
        raise ExpressionError(f'unit "{text}": more than one "/"; write a/(b·c) as a/b·c')
    units = [_product(part, text) for part in parts]
    return units[0] / units[1] if len(units) == 2 else units[0]


def _product(side: str, text: str) -> Unit:
    """The product of the factors of one side of a unit text."""
    unit = Unit()
    for factor in re.split(r"[·*×]", side):
        word, _, exp = factor.strip().partition("^")
        if not word or re.search(r"[\s()]", word) or (exp and not re.fullmatch(r"-?\d+", exp)):
            what = f"cannot read {factor.strip()!r}" if factor.strip() else "a factor is empty"
            raise ExpressionError(f'unit "{text}": {what}')
        if word == "%":
            base = Unit(0.01)
        elif word in _MULTIPLES:
            base = Unit(_MULTIPLES[word][0], ((_MULTIPLES[word][1], 1),))
        elif re.fullmatch(r"\d+(\.\d*)?([eE][-+]?\d+)?", word) and 0 < float(word) < math.inf:
            base = Unit(float(word))
        else:
            base = Unit(1.0, ((word, 1),))
        unit = unit * base.power(int(exp or 1))
    return unit


@dataclass(frozen=True)
class _Info:
    """What parsing learns about a node: kind, unit and, for a numeric constant, its (folded) value."""

    kind: Kind
    unit: Unit = Unit()
    const: float | None = None


class _Checker:
    """Walks the tree once, refusing anything not allowed and computing kinds and units."""

    def __init__(self, text: str, fields: Mapping[str, str]):
        self.text, self.known, self.used = text, fields, set[str]()

    def fail(self, why: str) -> NoReturn:
        raise ExpressionError(f'"{self.text}": {why}')

    def part(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.text, node) or ast.unparse(node)

    def check(self, node: ast.AST) -> _Info:
        match node:
            case ast.Constant(value=bool() as v) | ast.Name(id="true" | "false" as v):
                return _Info("bool")
            case ast.Constant(value=int() | float() as v) if math.isfinite(v):
                return _Info("number", const=float(v))
            case ast.Constant(value=str()):
                self.fail(f"text {self.part(node)} is not allowed; {_ALLOWED}")
            case ast.Constant():
                self.fail(f"the constant {self.part(node)} is not allowed; {_ALLOWED}")
            case ast.Name(id=name):
                return self.name(name)
            case ast.BinOp() | ast.UnaryOp() if type(node.op) in _REFUSED_OPS:
                sym = _REFUSED_OPS[type(node.op)]
                self.fail(f"operator {sym} is not allowed; use " + ("+ - * /" if sym not in "|&^~" else "and, or, not"))
            case ast.BinOp(left=left, op=op, right=right):
                return self.arithmetic(node, self.number(left, node), op, self.number(right, node))
            case ast.UnaryOp(op=ast.USub(), operand=operand):
                info = self.number(operand, node)
                return _Info("number", info.unit, None if info.const is None else -info.const)
            case ast.UnaryOp(op=ast.Not(), operand=operand):
                return self.boolean(operand, node)
            case ast.BoolOp(values=values):
                for value in values:
                    self.boolean(value, node)
                return _Info("bool")
            case ast.Compare():
                return self.compare(node)
            case ast.Call():
                return self.call(node)
        what = _DESCRIBE.get(type(node), type(node).__name__)
        self.fail(f"{self.part(node)} ({what}) is not allowed; {_ALLOWED}")

    def name(self, name: str) -> _Info:
        if name not in self.known:
            close = difflib.get_close_matches(name, list(self.known), n=3)
            hint = f"did you mean {', '.join(close)}?" if close else "no known field is close"
            self.fail(f"unknown field {name}; {hint}")
        self.used.add(name)
        if self.known[name] == "bool":
            return _Info("bool")
        try:
            return _Info("number", parse_unit(self.known[name]))
        except ExpressionError as exc:
            self.fail(f"field {name}: {exc}")

    def number(self, node: ast.AST, parent: ast.AST) -> _Info:
        info = self.check(node)
        if info.kind != "number":
            self.fail(f"{self.part(parent)} needs a number, but {self.part(node)} is true/false")
        return info

    def boolean(self, node: ast.AST, parent: ast.AST) -> _Info:
        info = self.check(node)
        if info.kind != "bool":
            self.fail(f"{self.part(parent)} needs true/false, but {self.part(node)} is a number")
        return info

    def same_unit(self, node: ast.AST, left: _Info, right: _Info) -> Unit:
        """The common unit of two numbers that are added, compared or passed to min/max; a constant adapts."""
        if left.const is not None or right.const is not None:
            return right.unit if left.const is not None else left.unit
        if not left.unit.same_as(right.unit):
            self.fail(f"{self.part(node)} mixes {_shown(left.unit)} and {_shown(right.unit)}; both sides need the same unit")
        return left.unit

    def arithmetic(self, node: ast.AST, left: _Info, op: ast.operator, right: _Info) -> _Info:
        if isinstance(op, ast.Div) and right.const is not None and right.const <= 0:
            self.fail(f"{self.part(node)} divides by {right.const:g}; a constant divisor must be positive")
        if left.const is not None and right.const is not None:
            value = _FOLD[type(op)](left.const, right.const)
            return _Info("number", const=value) if math.isfinite(value) else self.fail(f"{self.part(node)} overflows")
        if isinstance(op, ast.Add | ast.Sub):
            return _Info("number", self.same_unit(node, left, right))
        if 0 in (left.const, right.const):
            self.fail(f"{self.part(node)} has the constant 0 as a factor")
        # A constant c is a pure number: × c expresses the value in a unit c times smaller (万元 × 10000 = 元).
        units = [Unit(1.0 / abs(i.const)) if i.const is not None else i.unit for i in (left, right)]
        return _Info("number", units[0] * units[1] if isinstance(op, ast.Mult) else units[0] / units[1])

    def compare(self, node: ast.Compare) -> _Info:
        left = self.check(node.left)
        for op, right_node in zip(node.ops, node.comparators):
            if type(op) in _REFUSED_OPS:
                self.fail(f"operator {_REFUSED_OPS[type(op)]} is not allowed; use < <= > >= == !=")
            right = self.check(right_node)
            if left.kind == right.kind == "number":
                self.same_unit(node, left, right)
            elif left.kind != right.kind or not isinstance(op, ast.Eq | ast.NotEq):
                self.fail(f"{self.part(node)} compares a number with true/false or orders true/false values; "
                          "true/false compare only with == and != to true/false")
            left = right
        return _Info("bool")

    def call(self, node: ast.Call) -> _Info:
        name = node.func.id if isinstance(node.func, ast.Name) else self.part(node.func)
        if name not in ("min", "max"):
            self.fail(f"calling {name} is not allowed; the only functions are min(a, b) and max(a, b)")
        if len(node.args) != 2 or node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            self.fail(f"{self.part(node)}: {name} takes exactly two arguments, {name}(a, b)")
        left, right = (self.number(a, node) for a in node.args)
        if left.const is not None and right.const is not None:
            return _Info("number", const=(min if name == "min" else max)(left.const, right.const))
        return _Info("number", self.same_unit(node, left, right))


_FOLD: dict[type, Callable[[Any, Any], Any]] = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
                                                ast.Div: operator.truediv}


def _shown(unit: Unit) -> str:
    return unit.text() or "a pure number"


@dataclass(frozen=True)
class Expression:
    """A checked expression: its text, the fields it reads, its kind and unit; `evaluate` computes it for every firm."""

    text: str
    fields: frozenset[str]
    kind: Kind
    unit: Unit
    tree: ast.Expression = field(repr=False, compare=False)
    bool_fields: frozenset[str] = field(repr=False, compare=False, default=frozenset())

    def unit_text(self) -> str:
        """The canonical unit text ("万元/亩", "元/kWh", "" for a pure number); "bool" for a condition."""
        return "bool" if self.kind == "bool" else self.unit.text()

    def evaluate(self, frame: pd.DataFrame) -> pd.Series:
        """The value for each row: float64 (NaN when missing) or nullable "boolean" (<NA> when unknown).

        A field absent from `frame` counts as all missing: the caller reports missing inputs itself.
        """
        with np.errstate(all="ignore"):
            values = _Evaluator(frame, self.bool_fields).run(self.tree.body)
        return pd.Series(values, index=frame.index, dtype="boolean" if self.kind == "bool" else "float64")


def parse_expression(text: str, fields: Mapping[str, str]) -> Expression:
    """Parse and check `text` against `fields` (name → unit text, "bool" for flags); refuse anything else."""
    body = text.strip()
    if not body:
        raise ExpressionError(f'"{text}": the expression is empty')
    if len(body) > MAX_LENGTH:
        raise ExpressionError(f'"{body[:40]}…": an expression may be at most {MAX_LENGTH} characters long')
    try:
        tree = ast.parse(body, mode="eval")
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset else ""
        raise ExpressionError(f'"{body}": not a valid expression ({exc.msg}{where})') from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError(f'"{body}": not a valid expression') from None
    checker = _Checker(body, fields)
    info = checker.check(tree.body)
    bools = frozenset(n for n in checker.used if fields[n] == "bool")
    return Expression(body, frozenset(checker.used), info.kind, info.unit, tree, bools)


def check_unit(expr: Expression, declared: str) -> None:
    """Refuse an expression whose computed unit is not the declared one (both dimension and scale)."""
    if expr.kind == "bool":
        if declared.strip() != "bool":
            raise ExpressionError(f'"{expr.text}" is true/false, not a number in {declared!r} as declared')
        return
    if not expr.unit.same_as(parse_unit(declared)):
        wanted = declared.strip() or "a pure number"
        raise ExpressionError(f'"{expr.text}" computes {_shown(expr.unit)}, not {wanted} as declared')


Values: TypeAlias = "np.ndarray | pd.arrays.BooleanArray"  # float64 numbers, or nullable booleans


class _Evaluator:
    """Evaluates a checked tree over whole columns: float64 arrays for numbers, BooleanArray for conditions."""

    def __init__(self, frame: pd.DataFrame, bool_fields: frozenset[str]):
        self.frame, self.bools, self.n = frame, bool_fields, len(frame)

    def run(self, node: ast.AST) -> Values:
        match node:
            case ast.Constant(value=bool() as v) | ast.Name(id="true" | "false" as v):
                return pd.arrays.BooleanArray(np.full(self.n, v in (True, "true")), np.zeros(self.n, dtype=bool))
            case ast.Constant(value=int() | float() as v):
                return np.full(self.n, float(v))
            case ast.Name(id=name):
                return self.column(name)
            case ast.BinOp(left=left, op=ast.Div(), right=right):
                return _divide(self.run(left), self.run(right))
            case ast.BinOp(left=left, op=op, right=right):
                return _FOLD[type(op)](self.run(left), self.run(right))
            case ast.UnaryOp(op=ast.USub(), operand=operand):
                return -self.run(operand)
            case ast.UnaryOp(op=ast.Not(), operand=operand):
                return ~self.run(operand)
            case ast.BoolOp(op=op, values=values):
                combine = operator.and_ if isinstance(op, ast.And) else operator.or_
                result = self.run(values[0])
                for value in values[1:]:
                    result = combine(result, self.run(value))
                return result
            case ast.Compare(left=left, ops=ops, comparators=comparators):
                return self.compare(self.run(left), ops, [self.run(c) for c in comparators])
            case ast.Call(func=ast.Name(id=name), args=[a, b]):
                return (np.minimum if name == "min" else np.maximum)(self.run(a), self.run(b))  # NaN propagates
        raise AssertionError(f"unchecked node {ast.dump(node)}")  # parse_expression refuses everything else

    def column(self, name: str) -> Values:
        if name in self.bools:
            if name not in self.frame.columns:
                return pd.arrays.BooleanArray(np.zeros(self.n, dtype=bool), np.ones(self.n, dtype=bool))
            try:
                return self.frame[name].astype("boolean").array
            except (TypeError, ValueError) as exc:
                raise ExpressionError(f"field {name}: cannot read the values as true/false ({exc})") from None
        if name not in self.frame.columns:
            return np.full(self.n, np.nan)
        return pd.to_numeric(self.frame[name], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)

    def compare(self, left: Values, ops: list[ast.cmpop], rights: list[Values]) -> Values:
        result: Values | None = None
        for op, right in zip(ops, rights):
            if isinstance(left, np.ndarray) and isinstance(right, np.ndarray):
                step = pd.arrays.BooleanArray(_COMPARE[type(op)](left, right), np.isnan(left) | np.isnan(right))
            else:
                step = _COMPARE[type(op)](left, right)
            result = step if result is None else result & step
            left = right
        assert result is not None
        return result


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where the denominator is missing, zero or negative (never inf)."""
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out
