"""A 亩均 method file (TOML, docs/method-format.md) read into typed, validated parts.

Everything is checked before a firm is scored: unknown keys, fields and indicators, units of every
indicator expression, weights against their declared sum, cut-offs and class names. Each error names
the file, the table and the key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis.methods.expressions import Expression, ExpressionError, check_unit, parse_expression
from layers.problems import InputError, Problem
from layers.settings import Reader

CLASSES = ("A", "B", "C", "D")
SCORINGS = ("ratio", "minmax")
BENCHMARK_MODES = ("fixed", "mean", "k_mean", "k_previous_mean")
MISSING_RULES = ("group_mean_score", "zero", "exclude")
CLASS_METHODS = ("percentile", "score")
WITHIN = ("list", "sector")

# Firm fields an expression may use, with their units ("bool" for flags). Schema fields, then derived ones
# (analysis/methods/firm_fields.py computes those).
FIRM_FIELDS: dict[str, str] = {
    "tax_10k_yuan": "万元", "value_added_10k_yuan": "万元", "output_10k_yuan": "万元", "revenue_10k_yuan": "万元",
    "profit_10k_yuan": "万元", "energy_tce": "吨标煤", "emissions": "吨", "electricity_kwh": "kWh",
    "rd_10k_yuan": "万元", "tech_investment_10k_yuan": "万元", "employees": "人", "land_area_mu": "亩",
    "above_scale": "bool", "listed": "bool", "utility": "bool",
    "land_mu": "亩", "own_land_mu": "亩", "leased_in_mu": "亩", "leased_out_mu": "亩", "years_in_production": "年",
    "years_since_supply": "年", "tenants": "家", "is_tenant": "bool",
}

# The built-in indicators (docs/methods.md §2.1): name → (label, expression, unit). A method may redefine them.
BUILTIN_INDICATORS: dict[str, tuple[str, str, str]] = {
    "tax_per_mu": ("亩均税收", "tax_10k_yuan / land_mu", "万元/亩"),
    "value_added_per_mu": ("亩均增加值", "value_added_10k_yuan / land_mu", "万元/亩"),
    "output_per_mu": ("亩均产值", "output_10k_yuan / land_mu", "万元/亩"),
    "revenue_per_mu": ("亩均营业收入", "revenue_10k_yuan / land_mu", "万元/亩"),
    "value_added_per_energy": ("单位能耗增加值", "value_added_10k_yuan / energy_tce", "万元/吨标煤"),
    "value_added_per_emission": ("单位排放增加值", "value_added_10k_yuan / emissions", "万元/吨"),
    "labour_productivity": ("全员劳动生产率", "value_added_10k_yuan / employees", "万元/人"),
    "rd_ratio": ("R&D经费支出占比", "rd_10k_yuan / revenue_10k_yuan", ""),
    "tax_per_kwh": ("单位电耗税收", "tax_10k_yuan * 10000 / electricity_kwh", "元/kWh"),
    "profit_margin": ("利润率", "profit_10k_yuan / revenue_10k_yuan", ""),
}
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Indicator:
    """One indicator: a labelled expression over firm fields with its unit."""

    name: str
    label: str
    expression: Expression
    unit: str


@dataclass(frozen=True)
class ClassRule:
    """How a list's firms get A/B/C/D: rank percentile or score thresholds, over the list or each sector."""

    method: str
    cuts: tuple[float, ...]
    within: str = "list"
    sector_cuts: Mapping[str, tuple[float, ...]] = field(default_factory=dict)

    def cuts_for(self, sector: str | None) -> tuple[float, ...]:
        return tuple(self.sector_cuts.get(sector, self.cuts)) if sector is not None else self.cuts


@dataclass(frozen=True)
class EvaluationList:
    """One evaluation list (规上, 规下 ≥ 3 亩 …): who is in it and how its firms are scored."""

    name: str
    label: str
    when: Expression
    indicators: tuple[str, ...]
    weights: tuple[float, ...]
    scoring: str
    minmax_floor: float
    benchmark: str
    benchmarks: tuple[float, ...] | None
    k: float
    cap: float
    floor: float
    missing: Mapping[str, str]
    missing_default: str
    classes: ClassRule

    def rule(self, indicator: str) -> str:
        return self.missing.get(indicator, self.missing_default)


@dataclass(frozen=True)
class Exclusion:
    """Firms for which `when` holds get no class and no rank (淮安 T类 …)."""

    when: Expression
    reason: str
    label: str | None
    lists: tuple[str, ...] | None


@dataclass(frozen=True)
class Adjustment:
    """Points for an event (or a condition), a veto capping the class, or a protection flooring it."""

    event: str | None
    when: Expression | None
    points: float | None
    points_from_event: bool
    max_class: str | None
    min_class: str | None
    lists: tuple[str, ...] | None
    source: str  # where in the file: "adjustments[2]"
    label: str | None = None  # how explanations name it (e.g. "new firm", "安全生产事故一票否决")

    @property
    def kind(self) -> str:
        if self.max_class:
            return "veto"
        if self.min_class:
            return "protection"
        return "points"


@dataclass(frozen=True)
class LandlordDeduction:
    """Points a landlord loses per tenant (温岭 2022): after `free` tenants, points[i] for the i-th, the last repeating."""

    when: Expression
    tenant_when: Expression
    free: int
    points: tuple[float, ...]

    def total(self, tenants: int) -> float:
        counted = max(tenants - self.free, 0)
        return float(sum(self.points[min(i, len(self.points) - 1)] for i in range(counted)))


@dataclass(frozen=True)
class Sector:
    name: str
    keywords: tuple[str, ...]
    codes: tuple[str, ...]


@dataclass(frozen=True)
class Method:
    """A whole 亩均 method as read from its file."""

    name: str
    title: str
    region: str
    year: int
    source: str
    url: str
    open_points: tuple[str, ...]
    fields: Mapping[str, str]
    indicators: Mapping[str, Indicator]
    lists: tuple[EvaluationList, ...]
    sectors: tuple[Sector, ...] = ()
    sector_default: str | None = None
    exclusions: tuple[Exclusion, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    plus_cap: float | None = None
    minus_cap: float | None = None
    tenant_follows_owner: Expression | None = None
    landlord_deductions: tuple[LandlordDeduction, ...] = ()
    path: str = ""

    def summary(self) -> dict[str, Any]:
        """{name, title, region, year, source} as `landpark methods --json` lists it."""
        return {"name": self.name, "title": self.title, "region": self.region, "year": self.year, "source": self.source,
                "url": self.url, "open_points": list(self.open_points)}

    def get_list(self, name: str) -> EvaluationList:
        return next(lst for lst in self.lists if lst.name == name)


# --------------------------------------------------------------------------- reading


def _problem(source: str, where: str, message: str) -> InputError:
    return InputError(f"{source}: {where}: {message}",
                      [Problem("error", "invalid_method", message, source=source, field=where)])


class _MethodReader:
    """Reads one method file; every check raises naming the file and the key."""

    def __init__(self, data: Mapping[str, Any], source: str):
        self.data, self.source = data, source
        self.fields: dict[str, str] = dict(FIRM_FIELDS)

    def expression(self, r: Reader, name: str, kind: str) -> Expression:
        text = r.text(name)
        try:
            expr = parse_expression(text, self.fields)
        except ExpressionError as exc:
            raise _problem(self.source, r.dotted(name), str(exc)) from None
        if expr.kind != kind:
            raise _problem(self.source, r.dotted(name), f"{text!r} is a {expr.kind}, expected a {kind} expression")
        return expr

    def read(self) -> Method:
        top = Reader(self.data, "", self.source)
        head = Reader(top.value("method"), "method", self.source)
        name = head.text("name")
        if not _NAME.fullmatch(name):
            raise head.fail("name", name, "lower-case letters, digits, '.', '-' (e.g. huangyan-2022)")
        meta = (name, head.text("title"), head.text("region"), head.integer("year", 1990, 2200), head.text("source"),
                head.text("url") if head.has("url") else "",
                head.texts("open_points") if head.has("open_points") else ())
        head.finish()
        if top.has("fields"):
            extra = top.value("fields")
            if not isinstance(extra, Mapping):
                raise top.fail("fields", extra, "a table of field name = unit")
            for key, unit in extra.items():
                if not _IDENT.fullmatch(str(key)) or not isinstance(unit, str):
                    raise _problem(self.source, f"fields.{key}", f"expected name = \"unit\", got {unit!r}")
                self.fields[str(key)] = unit
        indicators = self.read_indicators(top)
        sectors, default_sector = self.read_sectors(top)
        sector_names = {s.name for s in sectors} | ({default_sector} if default_sector else set())
        lists = self.read_lists(top, indicators, sector_names)
        list_names = {lst.name for lst in lists}
        exclusions = tuple(self.read_exclusion(Reader(t, f"exclusions[{i + 1}]", self.source), list_names)
                           for i, t in enumerate(self.tables(top, "exclusions")))
        adjustments = tuple(self.read_adjustment(Reader(t, f"adjustments[{i + 1}]", self.source), list_names)
                            for i, t in enumerate(self.tables(top, "adjustments")))
        plus_cap = minus_cap = None
        if top.has("adjustment_caps"):
            caps = top.sub("adjustment_caps")
            plus_cap = caps.number("plus", 0) if caps.has("plus") else None
            minus_cap = caps.number("minus", 0) if caps.has("minus") else None
            caps.finish()
        follows, deductions = self.read_tenancy(top)
        top.finish()
        return Method(*meta, fields=dict(self.fields), indicators=indicators, lists=lists, sectors=sectors,
                      sector_default=default_sector, exclusions=exclusions, adjustments=adjustments, plus_cap=plus_cap,
                      minus_cap=minus_cap, tenant_follows_owner=follows, landlord_deductions=deductions,
                      path=self.source)

    def tables(self, r: Reader, name: str) -> list[Mapping[str, Any]]:
        if not r.has(name):
            return []
        value = r.value(name)
        if not isinstance(value, list) or not all(isinstance(t, Mapping) for t in value):
            raise r.fail(name, value, f"[[{name}]] tables")
        return value

    def read_indicators(self, top: Reader) -> dict[str, Indicator]:
        out: dict[str, Indicator] = {}
        for key, (label, text, unit) in BUILTIN_INDICATORS.items():
            out[key] = Indicator(key, label, parse_expression(text, self.fields), unit)
        if top.has("indicators"):
            table = top.value("indicators")
            if not isinstance(table, Mapping):
                raise top.fail("indicators", table, "[indicators.NAME] tables")
            for key, spec in table.items():
                r = Reader(spec, f"indicators.{key}", self.source)
                if not _IDENT.fullmatch(str(key)):
                    raise _problem(self.source, f"indicators.{key}", "an indicator name is letters, digits and _")
                expr = self.expression(r, "expression", "number")
                unit = r.text("unit")
                try:
                    check_unit(expr, unit)
                except ExpressionError as exc:
                    raise _problem(self.source, r.dotted("unit"), str(exc)) from None
                out[str(key)] = Indicator(str(key), r.text("label"), expr, unit)
                r.finish()
        return out

    def read_sectors(self, top: Reader) -> tuple[tuple[Sector, ...], str | None]:
        sectors = []
        for i, t in enumerate(self.tables(top, "sectors")):
            r = Reader(t, f"sectors[{i + 1}]", self.source)
            keywords = r.texts("keywords") if r.has("keywords") else ()
            codes = r.texts("codes") if r.has("codes") else ()
            if not keywords and not codes:
                raise r.fail("keywords", [], "keywords or codes that say which firms belong to the sector")
            sectors.append(Sector(r.text("name"), keywords, codes))
            r.finish()
        default = None
        if top.has("sector_default"):
            d = top.sub("sector_default")
            default = d.text("name")
            d.finish()
        return tuple(sectors), default

    def read_lists(self, top: Reader, indicators: Mapping[str, Indicator], sectors: set[str]) -> tuple[EvaluationList, ...]:
        tables = self.tables(top, "lists")
        if not tables:
            raise top.fail("lists", None, "at least one [[lists]] table")
        out = []
        for i, t in enumerate(tables):
            label = t.get("label", "") if isinstance(t, Mapping) else ""
            out.append(self.read_list(Reader(t, f"lists[{i + 1}] ({label})", self.source), indicators, sectors))
        names = [lst.name for lst in out]
        if len(set(names)) != len(names):
            raise top.fail("lists", names, "lists with distinct names")
        return tuple(out)

    def read_list(self, r: Reader, indicators: Mapping[str, Indicator], sectors: set[str]) -> EvaluationList:
        names = r.texts("indicators", tuple(indicators), nonempty=True)
        weights = r.numbers("weights", 0, labels=names)
        declared = r.number("weights_sum", 0, low_open=True)
        if abs(sum(weights) - declared) > 1e-9 * max(declared, 1.0):
            raise r.fail("weights", list(weights),
                         f"weights summing to weights_sum = {declared:g} (they sum to {sum(weights):g})")
        scoring = r.text("scoring", SCORINGS)
        floor_points = r.number("minmax_floor", 0, 100) if r.has("minmax_floor") else 0.0
        if scoring == "minmax" and not r.has("minmax_floor"):
            raise r.fail("minmax_floor", None, "the points a minimum value keeps, 0–100 (旌德: 20)")
        mode = r.text("benchmark", BENCHMARK_MODES) if r.has("benchmark") else "fixed"
        benchmarks = r.numbers("benchmarks", 0, low_open=True, labels=names) if r.has("benchmarks") else None
        if scoring == "ratio" and mode in ("fixed", "k_previous_mean") and benchmarks is None:
            raise r.fail("benchmarks", None, f"one 基准值 per indicator ({', '.join(names)}) for benchmark = {mode!r}")
        k = r.number("k", 0, low_open=True) if r.has("k") else 1.0
        missing_table = r.value("missing") if r.has("missing") else {}
        if not isinstance(missing_table, Mapping):
            raise r.fail("missing", missing_table, "a table of indicator = rule")
        missing = {}
        for name, rule in missing_table.items():
            if name not in names:
                raise r.fail(f"missing.{name}", rule, f"a rule for one of this list's indicators ({', '.join(names)})")
            missing[str(name)] = r.check_text(r.dotted(f"missing.{name}"), rule, MISSING_RULES)
        missing_default = r.text("missing_default", MISSING_RULES) if r.has("missing_default") else "zero"
        classes = self.read_classes(Reader(r.value("classes"), r.dotted("classes"), self.source), sectors)
        out = EvaluationList(r.text("name"), r.text("label"), self.expression(r, "when", "bool"), names, weights, scoring,
                             floor_points, mode, benchmarks, k, r.number("cap", 0) if r.has("cap") else 0.0,
                             r.number("floor", 0) if r.has("floor") else 0.0, missing, missing_default, classes)
        r.finish()
        return out

    def read_classes(self, r: Reader, sectors: set[str]) -> ClassRule:
        method = r.text("method", CLASS_METHODS)
        if method == "percentile":
            cuts = r.ordered("cuts", 0, 1, falling=False, low_open=True)
        else:
            cuts = r.ordered("thresholds", 0, None, falling=True)
        within = r.text("within", WITHIN) if r.has("within") else "list"
        sector_cuts: dict[str, tuple[float, ...]] = {}
        if r.has("sector_cuts"):
            table = r.value("sector_cuts")
            if not isinstance(table, Mapping):
                raise r.fail("sector_cuts", table, "a table of sector = [A, B, C]")
            sub = Reader(table, r.dotted("sector_cuts"), self.source)
            for sector in table:
                if sector not in sectors:
                    raise sub.fail(str(sector), table[sector], f"a sector declared in [[sectors]] ({', '.join(sorted(sectors))})")
                sector_cuts[str(sector)] = (sub.ordered(str(sector), 0, 1, falling=False, low_open=True)
                                            if method == "percentile" else sub.ordered(str(sector), 0, None, falling=True))
        if within == "sector" and not sectors:
            raise r.fail("within", within, '"list" (no [[sectors]] are declared)')
        r.finish()
        return ClassRule(method, cuts, within, sector_cuts)

    def read_exclusion(self, r: Reader, lists: set[str]) -> Exclusion:
        out = Exclusion(self.expression(r, "when", "bool"), r.text("reason"), r.text("label") if r.has("label") else None,
                        r.texts("lists", tuple(sorted(lists))) if r.has("lists") else None)
        r.finish()
        return out

    def read_adjustment(self, r: Reader, lists: set[str]) -> Adjustment:
        event = r.text("event") if r.has("event") else None
        when = self.expression(r, "when", "bool") if r.has("when") else None
        if (event is None) == (when is None):
            raise r.fail("event", event, "exactly one of event = \"…\" or when = \"…\"")
        points = r.number("points") if r.has("points") else None
        from_event = r.boolean("points_from_event") if r.has("points_from_event") else False
        max_class = r.text("max_class", CLASSES) if r.has("max_class") else None
        min_class = r.text("min_class", CLASSES) if r.has("min_class") else None
        if sum(x is not None and x is not False for x in (points, max_class, min_class)) + from_event != 1:
            raise r.fail("points", points, "exactly one of points, points_from_event, max_class or min_class")
        out = Adjustment(event, when, points, from_event, max_class, min_class,
                         r.texts("lists", tuple(sorted(lists))) if r.has("lists") else None, r.key,
                         r.text("label") if r.has("label") else None)
        r.finish()
        return out

    def read_tenancy(self, top: Reader) -> tuple[Expression | None, tuple[LandlordDeduction, ...]]:
        if not top.has("tenancy"):
            return None, ()
        r = top.sub("tenancy")
        follows = self.expression(r, "tenant_follows_owner", "bool") if r.has("tenant_follows_owner") else None
        deductions = []
        for i, t in enumerate(self.tables(r, "landlord_deductions")):
            d = Reader(t, f"tenancy.landlord_deductions[{i + 1}]", self.source)
            points = d.numbers("points", 0)
            if not points:
                raise d.fail("points", [], "points per counted tenant (the last repeats)")
            deductions.append(LandlordDeduction(self.expression(d, "when", "bool"), self.expression(d, "tenant_when", "bool"),
                                                d.integer("free", 0), points))
            d.finish()
        r.finish()
        return follows, tuple(deductions)


def read_method(path: str | Path) -> Method:
    """Read and validate the method file at `path`; InputError naming the file and key on any problem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such method file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: a method file must be UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    return method_from_dict(data, str(path))


def method_from_dict(data: Mapping[str, Any], source: str) -> Method:
    """A method from an already-parsed TOML table (`source` names it in errors)."""
    return _MethodReader(data, source).read()
