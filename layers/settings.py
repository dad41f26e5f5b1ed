"""The typed sections of `landpark.toml`: one frozen dataclass per section, each read by a small checker.

`Reader` walks one table of the merged toml; every value is checked for type and range as it is
read, and keys nobody read are refused, so a typo cannot silently fall back to a default. Every
error is an `InputError` naming the file, the dotted key, the value and what was expected.
The numbers themselves live in `landpark.default.toml`; here are only their types and ranges.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any, TypeVar

from layers.problems import InputError, Problem

__all__ = ["Reader", "ProjectSettings", "ImportSettings", "LandUseSettings", "UnitsSettings", "SupplySettings",
           "SupplyFloor", "SupplyMixSettings", "FLOOR_BASES", "ALL_SUPPLY_TYPES",
           "IntensitySettings", "EnterpriseGroup", "EnterpriseClasses", "EnterpriseSettings", "CompositeSettings",
           "SitingIndustry", "SitingAhp", "SitingSettings", "AppScores", "AppEnterprises", "AppData", "AppMap",
           "AppSupply", "AppSiting", "AppSettings", "COMPOSITE_INDICATORS"]

# Unit indicators a composite score or a siting criterion may use (columns of the unit table that are
# "higher or lower is better" figures; see analysis.score.UNIT_KEYS).
COMPOSITE_INDICATORS = ("industrial_share", "m0_share", "supply_ratio", "built_ratio", "idle_ratio", "far_industrial",
                        "building_coverage", "tax_per_mu", "value_added_per_mu", "output_per_mu")
BENCHMARK_MODES = ("fixed", "mean", "k_mean")
MISSING_RULES = ("group_mean_score", "zero", "exclude")
CLASS_METHODS = ("percentile", "score")
DIRECTIONS = ("benefit", "cost")
NORMALISATIONS = ("benchmark", "ratio", "minmax")
SITING_METHODS = ("wsum", "topsis")
MAP_SCHEMES = ("quantiles", "natural_breaks", "equal_interval")
THRESHOLD_COUNT = 3  # A/B/C cut-offs: the fourth class (D) is everything below the last


_T = TypeVar("_T")

def _show(value: Any) -> str:
    """A value as the user wrote it (strings quoted, dates ISO)."""
    return value.isoformat() if isinstance(value, dt.date) else repr(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _range_text(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f" {'>' if low_open else '≥'} {low:g}"
    if high is not None:
        return f" {'<' if high_open else '≤'} {high:g}"
    return ""


# What a setting should be (the `expected` of Reader.fail), in Chinese: the phrases the Reader uses.
_EXPECTED_ZH = (
    (r"a table of name = number", "“名称 = 数值”的表"),
    (r"a table of indicator = rule", "“指标 = 规则”的表"),
    (r"a table", "表（table）"),
    (r"a whole number(.*)", "整数{0}"),
    (r"a number(.*)", "数值{0}"),
    (r"true or false", "true 或 false"),
    (r"one of (.*)", "以下之一：{0}"),
    (r"a text", "文本"),
    (r'a date written "YYYY-MM-DD" \(e\.g\. "2025-12-31"\)', "“YYYY-MM-DD”格式的日期（如 \"2025-12-31\"）"),
    (r'a projected CRS in metres such as "EPSG:4549" \(this is (.*)\)', "以米为单位的投影坐标系，如 \"EPSG:4549\"（当前：{0}）"),
    (r"a non-empty list", "非空列表"),
    (r"a list of lists of names", "名称列表的列表"),
    (r"a list of names", "名称列表"),
    (r"a list of (\d*) ?(.*)", "{0} 个{1}组成的列表"),
    (r"(\d+) numbers falling \(A ≥ B ≥ C\)", "{0} 个从大到小的数值（A ≥ B ≥ C）"),
    (r"(\d+) numbers rising", "{0} 个从小到大的数值"),
    (r"weights ≥ 0 with a positive sum", "均 ≥ 0 且总和大于 0 的权重"),
    (r"a rule for one of this group's indicators \((.*)\)", "本组某一指标（{0}）的规则"),
    (r"a (\d+)×(\d+) list of rows \(one per criterion\)", "{0}×{1} 的矩阵（每个指标一行）"),
)
_RANGE_ZH = ((r" in ([\[(].*[\])])", "，范围 {0}"), (r" ([≥>≤<] .*)", " {0}"))
_WORDS_ZH = {"numbers": "数值", "texts": "文本", "numbers (the A, B and C cut-offs)": "数值（A、B、C 等级分界）"}


def _expected_zh(expected: str) -> str:
    """`expected` in Chinese when it is one of the Reader's phrases; as given otherwise."""
    for pattern, zh in _EXPECTED_ZH:
        m = re.fullmatch(pattern, expected)
        if m is None:
            continue
        parts = [g or "" for g in m.groups()]
        if pattern.startswith("a whole number") or pattern.startswith("a number"):
            tail = parts[0]
            for rpattern, rzh in _RANGE_ZH:
                r = re.fullmatch(rpattern, tail)
                if r:
                    tail = rzh.format(*r.groups())
                    break
            parts = [tail]
        if pattern.startswith("a list of ("):
            count, what = parts[0], parts[1].strip()
            per = re.fullmatch(r"numbers \(one per indicator: (.*)\)", what)
            what = f"数值（每个指标一个：{per.group(1)}）" if per else _WORDS_ZH.get(what, what)
            return f"{count} 个{what}组成的列表" if count else f"{what}列表"
        return zh.format(*parts)
    return expected


def _in_range(value: float, low: float | None, high: float | None, low_open: bool, high_open: bool) -> bool:
    above = low is None or (value > low if low_open else value >= low)
    below = high is None or (value < high if high_open else value <= high)
    return above and below


@lru_cache(maxsize=32)
def _crs_problem(text: str) -> str | None:
    """Why `text` is not a projected CRS in metres (None when it is one)."""
    import pyproj

    try:
        crs = pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError:
        return "not a CRS pyproj knows"
    if not crs.is_projected:
        return "a geographic (degree) CRS"
    units = {axis.unit_name for axis in crs.axis_info}
    if not units <= {"metre", "meter"}:
        return f"a CRS in {', '.join(sorted(units))}"
    return None


class Reader:
    """One table of the toml being read: typed getters that check as they read, then `finish` refuses leftovers."""

    def __init__(self, table: Any, key: str, source: str):
        self.key, self.source = key, source
        if not isinstance(table, Mapping):
            raise self._error(key, table, "a table")
        self.table = table
        self.used: set[str] = set()

    def _error(self, dotted: str, value: Any, expected: str) -> InputError:
        zh = f"{dotted} = {_show(value)}：应为{_expected_zh(expected)}"
        problem = Problem("error", "invalid_config", f"{dotted} = {_show(value)}: expected {expected}",
                          source=self.source, field=dotted, value=_show(value), message_zh=zh)
        return InputError(f"{self.source}: {dotted} = {_show(value)}: expected {expected}", [problem],
                          zh=f"{self.source}：{zh}")

    def dotted(self, name: str) -> str:
        return f"{self.key}.{name}" if self.key else name

    def fail(self, name: str, value: Any, expected: str) -> InputError:
        """The error for key `name` of this table holding `value` where `expected` was needed."""
        return self._error(self.dotted(name), value, expected)

    def has(self, name: str) -> bool:
        return name in self.table

    def value(self, name: str) -> Any:
        """The raw value of a required key."""
        self.used.add(name)
        if name not in self.table:
            problem = Problem("error", "invalid_config", f"{self.dotted(name)} is missing", source=self.source,
                              field=self.dotted(name), message_zh=f"缺少 {self.dotted(name)}")
            raise InputError(f"{self.source}: {self.dotted(name)} is missing", [problem],
                             zh=f"{self.source}：缺少 {self.dotted(name)}")
        return self.table[name]

    def tables(self, name: str, read: Callable[[Reader], _T]) -> tuple[_T, ...]:
        """Each table of the optional array of tables `name` ([[name]]; absent = none), read by `read` and finished
        (unknown keys refused)."""
        raw = self.value(name) if self.has(name) else []
        if not isinstance(raw, list):
            raise self.fail(name, raw, "a list of tables")
        out = []
        for i, table in enumerate(raw):
            item = Reader(table, self.dotted(f"{name}[{i}]"), self.source)
            out.append(read(item))
            item.finish()
        return tuple(out)

    def sub(self, name: str) -> Reader:
        """A reader for the nested table `name`."""
        return Reader(self.value(name), self.dotted(name), self.source)

    def finish(self) -> None:
        """Refuse keys no getter read (typos would otherwise silently use the default)."""
        unknown = [k for k in self.table if k not in self.used]
        if unknown:
            dotted = self.dotted(str(unknown[0]))
            known = ", ".join(sorted(self.used))
            problem = Problem("error", "unknown_config_key", f"unknown key {dotted}", source=self.source, field=dotted,
                              message_zh=f"未知的设置项 {dotted}")
            raise InputError(f"{self.source}: unknown key {dotted} (a typo?); known keys here: {known}", [problem],
                             zh=f"{self.source}：未知的设置项 {dotted}（是否拼写有误？）；此处可用的设置项：{known}")

    # ---- scalars ------------------------------------------------------------------------
    def check_number(self, dotted: str, value: Any, low: float | None = None, high: float | None = None,
                     low_open: bool = False, high_open: bool = False) -> float:
        if not (_is_number(value) and _in_range(float(value), low, high, low_open, high_open)):
            raise self._error(dotted, value, "a number" + _range_text(low, high, low_open, high_open))
        return float(value)

    def number(self, name: str, low: float | None = None, high: float | None = None, *, low_open: bool = False,
               high_open: bool = False) -> float:
        return self.check_number(self.dotted(name), self.value(name), low, high, low_open, high_open)

    def integer(self, name: str, low: int | None = None, high: int | None = None) -> int:
        value = self.value(name)
        if not (isinstance(value, int) and not isinstance(value, bool) and _in_range(value, low, high, False, False)):
            raise self.fail(name, value, "a whole number" + _range_text(low, high, False, False))
        return int(value)

    def boolean(self, name: str) -> bool:
        value = self.value(name)
        if not isinstance(value, bool):
            raise self.fail(name, value, "true or false")
        return value

    def check_text(self, dotted: str, value: Any, choices: tuple[str, ...] | None = None) -> str:
        if not isinstance(value, str) or (choices is not None and value not in choices):
            raise self._error(dotted, value, "one of " + ", ".join(map(repr, choices)) if choices else "a text")
        return value

    def text(self, name: str, choices: tuple[str, ...] | None = None) -> str:
        return self.check_text(self.dotted(name), self.value(name), choices)

    def date(self, name: str) -> dt.date:
        value = self.value(name)
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        try:
            return dt.date.fromisoformat(value) if isinstance(value, str) else _raise()
        except ValueError:
            raise self.fail(name, value, 'a date written "YYYY-MM-DD" (e.g. "2025-12-31")') from None

    def crs(self, name: str) -> str:
        value = self.value(name)
        why = _crs_problem(value) if isinstance(value, str) else "not a text"
        if why:
            raise self.fail(name, value, f"a projected CRS in metres such as \"EPSG:4549\" (this is {why})")
        return value

    # ---- lists and tables ---------------------------------------------------------------
    def _list(self, name: str, length: int | None, what: str) -> list:
        value = self.value(name)
        if not isinstance(value, list) or (length is not None and len(value) != length):
            raise self.fail(name, value, f"a list of {length if length is not None else ''} {what}".replace("  ", " "))
        return value

    def numbers(self, name: str, low: float | None = None, high: float | None = None, *, low_open: bool = False,
                length: int | None = None, labels: tuple[str, ...] | None = None) -> tuple[float, ...]:
        """A list of numbers; with `labels` each entry is named `name.label` (its indicator)."""
        if labels is not None:
            length = len(labels)
        values = self._list(name, length, "numbers" + (f" (one per indicator: {', '.join(labels)})" if labels else ""))
        return tuple(self.check_number(self.dotted(f"{name}.{labels[i]}" if labels else f"{name}[{i}]"), v, low, high,
                                       low_open) for i, v in enumerate(values))

    def texts(self, name: str, choices: tuple[str, ...] | None = None, *, length: int | None = None,
              nonempty: bool = False) -> tuple[str, ...]:
        values = self._list(name, length, "texts")
        if nonempty and not values:
            raise self.fail(name, values, "a non-empty list")
        return tuple(self.check_text(self.dotted(f"{name}[{i}]"), v, choices) for i, v in enumerate(values))

    def ordered(self, name: str, low: float, high: float | None, *, falling: bool, low_open: bool = False) -> tuple[float, ...]:
        """The A/B/C cut-offs: exactly THRESHOLD_COUNT numbers within [low, high], falling or rising."""
        values = self._list(name, THRESHOLD_COUNT, "numbers (the A, B and C cut-offs)")
        out = tuple(self.check_number(self.dotted(f"{name}[{i}]"), v, low, high, low_open) for i, v in enumerate(values))
        pairs = list(zip(out, out[1:]))
        if not all(a >= b for a, b in pairs) if falling else not all(a <= b for a, b in pairs):
            raise self.fail(name, values, f"{THRESHOLD_COUNT} numbers {'falling (A ≥ B ≥ C)' if falling else 'rising'}")
        return out

    def number_table(self, name: str, low: float | None = None, *, low_open: bool = False) -> Mapping[str, float]:
        """A table of free keys to numbers (e.g. road class → factor)."""
        table = self.value(name)
        if not isinstance(table, Mapping):
            raise self.fail(name, table, "a table of name = number")
        return MappingProxyType({str(k): self.check_number(self.dotted(f"{name}.{k}"), v, low, None, low_open)
                                 for k, v in table.items()})


def _raise() -> Any:
    raise ValueError


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


# ---- sections ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectSettings:
    """[project]: district, evaluation year and date, projected CRS, demo flag."""

    region: str
    year: int
    evaluation_date: dt.date
    crs: str
    demo: bool

    @classmethod
    def read(cls, r: Reader) -> ProjectSettings:
        return cls(r.text("region"), r.integer("year", 1900, 2200), r.date("evaluation_date"), r.crs("crs"),
                   r.boolean("demo"))


@dataclass(frozen=True)
class ReportSettings:
    """[report]: what the exported scorecards say about who made them and how they print."""

    organisation: str        # 编制单位 on the cover ("" leaves the line out)
    body_font_pt: float      # body text size of the PDF and Word briefings
    json_digits: int         # significant decimals kept by exported JSON files (score --json keeps all)

    @classmethod
    def read(cls, r: Reader) -> ReportSettings:
        return cls(r.text("organisation"), r.number("body_font_pt", 8, 16), r.integer("json_digits", 0, 15))


@dataclass(frozen=True)
class ImportSettings:
    """[import]: tolerances of the import checks."""

    parcel_overlap_tolerance_m2: float
    outside_extent_buffer_m: float
    min_parcel_area_m2: float
    approved_area_tolerance: float  # |polygon − 核准面积| ÷ 核准面积 above which a park is flagged
    credit_code_share: float  # share of filled cells that must be valid credit codes to read a column as codes

    @classmethod
    def read(cls, r: Reader) -> ImportSettings:
        return cls(r.number("parcel_overlap_tolerance_m2", 0), r.number("outside_extent_buffer_m", 0),
                   r.number("min_parcel_area_m2", 0), r.number("approved_area_tolerance", 0, low_open=True),
                   r.number("credit_code_share", 0, 1, low_open=True))


@dataclass(frozen=True)
class LandUseSettings:
    """[land_use]: which categories count as industrial land."""

    industrial_categories: tuple[str, ...]
    include_warehouse: bool

    @classmethod
    def read(cls, r: Reader) -> LandUseSettings:
        return cls(r.texts("industrial_categories"), r.boolean("include_warehouse"))


@dataclass(frozen=True)
class UnitsSettings:
    """[units]: protection-line shares, membership share, encroaching categories."""

    min_industrial_share: float
    m0_max_share: float
    member_min_share: float
    encroachment_categories: tuple[str, ...]

    @classmethod
    def read(cls, r: Reader) -> UnitsSettings:
        return cls(r.number("min_industrial_share", 0, 1), r.number("m0_max_share", 0, 1),
                   r.number("member_min_share", 0, 1, low_open=True), r.texts("encroachment_categories"))


@dataclass(frozen=True)
class SupplySettings:
    """[supply]: the supply-ratio floor, its rolling window and the idle rule."""

    floor_ratio: float
    window_years: int
    idle_after_days: int

    @classmethod
    def read(cls, r: Reader) -> SupplySettings:
        return cls(r.number("floor_ratio", 0, 1), r.integer("window_years", 1), r.integer("idle_after_days", 0))


# [supply_mix] floors: what the denominator is called (the plans' wording) and the `counts` entry for every type.
FLOOR_BASES = ("new_construction_land", "land_sold")
ALL_SUPPLY_TYPES = "all"


@dataclass(frozen=True)
class SupplyFloor:
    """One floor on the yearly industrial share of supplied land: industrial ÷ land of the counted supply types."""

    name: str
    share: float
    counts: tuple[str, ...]  # 供地方式 codes (layers.schema.SUPPLY_TYPES), or ("all",): every supplied parcel
    base: str                # one of FLOOR_BASES: the plan's denominator, as its text names it
    source: str

    @classmethod
    def read(cls, r: Reader) -> SupplyFloor:
        from layers.schema import SUPPLY_TYPES

        counts = r.texts("counts", (*SUPPLY_TYPES, ALL_SUPPLY_TYPES), nonempty=True)
        if ALL_SUPPLY_TYPES in counts and len(counts) > 1:
            raise r.fail("counts", list(counts), f'either ["{ALL_SUPPLY_TYPES}"] or a list of supply types')
        return cls(r.text("name"), r.number("share", 0, 1), counts, r.text("base", FLOOR_BASES), r.text("source"))


@dataclass(frozen=True)
class SupplyMixSettings:
    """[supply_mix]: floors on the yearly industrial share of supplied land, years shown, lease-expiry window."""

    floors: tuple[SupplyFloor, ...]
    years_shown: int            # the supply-mix table's years end at the evaluation year
    expiry_window_months: int   # flexible-term leases ending within this many months of the evaluation date

    @classmethod
    def read(cls, r: Reader) -> SupplyMixSettings:
        floors = r.value("floors") if r.has("floors") else []
        if not isinstance(floors, list):
            raise r.fail("floors", floors, "a list of tables")
        typed = []
        for i, table in enumerate(floors):
            item = Reader(table, r.dotted(f"floors[{i}]"), r.source)
            typed.append(SupplyFloor.read(item))
            item.finish()
        return cls(tuple(typed), r.integer("years_shown", 1, 100), r.integer("expiry_window_months", 0, 600))


@dataclass(frozen=True)
class YearOnYearSettings:
    """[year_on_year]: the flat band of year-on-year changes."""

    flat_tolerance: float  # relative, for amounts, per-mu values and counts
    flat_points: float     # absolute, in fraction units, for ratios and shares

    @classmethod
    def read(cls, r: Reader) -> YearOnYearSettings:
        return cls(r.number("flat_tolerance", 0), r.number("flat_points", 0))


@dataclass(frozen=True)
class IntensitySettings:
    """[intensity]: the low-efficiency FAR threshold."""

    low_far_threshold: float

    @classmethod
    def read(cls, r: Reader) -> IntensitySettings:
        return cls(r.number("low_far_threshold", 0, low_open=True))


@dataclass(frozen=True)
class EnterpriseGroup:
    """[enterprise.above_scale] / [enterprise.below_scale]: indicators, weights, 基准值, missing-data rules.

    `benchmarks` are the 基准值 the evaluation uses (benchmark_mode = "fixed", else None); `listed_benchmarks`
    are the ones the file lists whatever the mode (shown as the configured 基准值 beside the applied ones).
    """

    indicators: tuple[str, ...]
    weights: tuple[float, ...]
    benchmarks: tuple[float, ...] | None
    missing: Mapping[str, str]
    missing_default: str
    listed_benchmarks: tuple[float, ...] | None = None

    def rule(self, indicator: str) -> str:
        """The missing-data rule of one indicator."""
        return self.missing.get(indicator, self.missing_default)

    @classmethod
    def read(cls, r: Reader, benchmark_mode: str) -> EnterpriseGroup:
        from analysis.indicators import INDICATORS  # the indicator vocabulary is the analysis's

        indicators = r.texts("indicators", tuple(INDICATORS), nonempty=True)
        weights = r.numbers("weights", 0, labels=indicators)
        if sum(weights) <= 0:
            raise r.fail("weights", list(weights), "weights ≥ 0 with a positive sum")
        benchmarks = None
        if benchmark_mode == "fixed" or r.has("benchmarks"):
            benchmarks = r.numbers("benchmarks", 0, low_open=True, labels=indicators)
        missing_table = r.value("missing")
        if not isinstance(missing_table, Mapping):
            raise r.fail("missing", missing_table, "a table of indicator = rule")
        missing = {}
        for name, rule in missing_table.items():
            if name not in indicators:
                raise r.fail(f"missing.{name}", rule, f"a rule for one of this group's indicators ({', '.join(indicators)})")
            missing[name] = r.check_text(r.dotted(f"missing.{name}"), rule, MISSING_RULES)
        group = cls(indicators, weights, benchmarks if benchmark_mode == "fixed" else None, _frozen(missing),
                    r.text("missing_default", MISSING_RULES), benchmarks)
        r.finish()
        return group


@dataclass(frozen=True)
class EnterpriseClasses:
    """[enterprise.classes]: A/B/C/D by rank percentile or by score, new-firm and listed-firm rules."""

    method: str
    percentile_cuts: tuple[float, ...]
    score_thresholds: tuple[float, ...]
    new_firm_years: float
    listed_as_t: bool

    @classmethod
    def read(cls, r: Reader) -> EnterpriseClasses:
        out = cls(r.text("method", CLASS_METHODS), r.ordered("percentile_cuts", 0, 1, falling=False, low_open=True),
                  _falling(r, "score_thresholds"),
                  r.number("new_firm_years", 0), r.boolean("listed_as_t") if r.has("listed_as_t") else False)
        r.finish()
        return out


def _falling(r: Reader, name: str, high: float | None = None) -> tuple[float, ...]:
    return r.ordered(name, 0, high, falling=True)


@dataclass(frozen=True)
class EnterpriseSettings:
    """[enterprise]: the 亩均 evaluation (benchmark mode, groups, classes)."""

    source: str
    benchmark_mode: str
    k: float
    cap_multiple: float
    above_scale: EnterpriseGroup | None
    below_scale: EnterpriseGroup | None
    classes: EnterpriseClasses
    method: str | None = None  # a preset name or method file (analysis/methods); None: the inline section above

    def group(self, key: str) -> EnterpriseGroup | None:
        """A group by its section name (above_scale / below_scale)."""
        return {"above_scale": self.above_scale, "below_scale": self.below_scale}[key]

    @classmethod
    def read(cls, r: Reader) -> EnterpriseSettings:
        mode = r.text("benchmark_mode", BENCHMARK_MODES)
        groups = {key: EnterpriseGroup.read(r.sub(key), mode) if r.has(key) else None
                  for key in ("above_scale", "below_scale")}
        out = cls(r.text("source") if r.has("source") else "", mode, r.number("k", 0, low_open=True),
                  r.number("cap_multiple", 0) if r.has("cap_multiple") else 0.0, groups["above_scale"],
                  groups["below_scale"], EnterpriseClasses.read(r.sub("classes")),
                  (r.text("method") or None) if r.has("method") else None)
        r.finish()
        return out


@dataclass(frozen=True)
class CompositeSettings:
    """[composite]: the unit composite score (indicators, weights, directions, normalisations, grades)."""

    indicators: tuple[str, ...]
    weights: tuple[float, ...]
    directions: tuple[str, ...]
    normalisations: tuple[str, ...]
    cap: float
    grade_thresholds: tuple[float, ...]
    step: float  # sensitivity_step in the toml: how far each weight moves for the rank range

    @classmethod
    def read(cls, r: Reader) -> CompositeSettings:
        indicators = r.texts("indicators", COMPOSITE_INDICATORS, nonempty=True)
        weights = r.numbers("weights", 0, labels=indicators)
        if sum(weights) <= 0:
            raise r.fail("weights", list(weights), "weights ≥ 0 with a positive sum")
        return cls(indicators, weights, r.texts("directions", DIRECTIONS, length=len(indicators)),
                   r.texts("normalisations", NORMALISATIONS, length=len(indicators)),
                   r.number("cap", 0, low_open=True), _falling(r, "grade_thresholds", 100.0),
                   r.number("sensitivity_step", 0, 1, high_open=True))


@dataclass(frozen=True)
class SitingIndustry:
    """[siting.industry]: how industry names match (containment length, suffixes, synonym groups)."""

    min_contain_chars: int
    suffixes: tuple[str, ...]
    synonyms: tuple[tuple[str, ...], ...]

    @classmethod
    def read(cls, r: Reader) -> SitingIndustry:
        groups = r.value("synonyms")
        if not isinstance(groups, list):
            raise r.fail("synonyms", groups, "a list of lists of names")
        synonyms = []
        for i, group in enumerate(groups):
            if not isinstance(group, list):
                raise r.fail(f"synonyms[{i}]", group, "a list of names")
            synonyms.append(tuple(r.check_text(r.dotted(f"synonyms[{i}][{j}]"), v) for j, v in enumerate(group)))
        out = cls(r.integer("min_contain_chars", 1), r.texts("suffixes"), tuple(synonyms))
        r.finish()
        return out


@dataclass(frozen=True)
class SitingAhp:
    """[siting.ahp]: optional AHP weights from a pairwise matrix (Saaty)."""

    enabled: bool
    cr_limit: float
    criteria: tuple[str, ...]
    matrix: tuple[tuple[float, ...], ...]

    @classmethod
    def read(cls, r: Reader, criteria: tuple[str, ...]) -> SitingAhp:
        names = r.texts("criteria", criteria, nonempty=True)
        rows = r.value("matrix")
        if not (isinstance(rows, list) and len(rows) == len(names) and all(isinstance(x, list) and len(x) == len(names)
                                                                          for x in rows)):
            raise r.fail("matrix", rows, f"a {len(names)}×{len(names)} list of rows (one per criterion)")
        matrix = tuple(tuple(r.check_number(r.dotted(f"matrix[{i}][{j}]"), v, 0, low_open=True) for j, v in enumerate(row))
                       for i, row in enumerate(rows))
        out = cls(r.boolean("enabled"), r.number("cr_limit", 0, low_open=True), names, matrix)
        r.finish()
        return out


@dataclass(frozen=True)
class SitingChain:
    """[siting.chain]: park-status scores, the 链主 distance scale and the leader's share of chain_fit."""

    missing_segment_score: float = 1.0
    cluster_present_score: float = 0.5
    leader_distance_max_m: float = 3000.0
    leader_share: float = 0.4

    @classmethod
    def read(cls, r: Reader) -> SitingChain:
        """The [siting.chain] table, checked (scores and share in [0, 1], the distance > 0)."""
        out = cls(r.number("missing_segment_score", 0, 1), r.number("cluster_present_score", 0, 1),
                  r.number("leader_distance_max_m", 0, low_open=True), r.number("leader_share", 0, 1))
        r.finish()
        return out


@dataclass(frozen=True)
class SitingSettings:
    """[siting]: the rules, criteria, weights and defaults of `landpark site`."""

    max_slope_deg: float
    overlap_tolerance_m2: float
    boundary_tolerance_m2: float
    merge_gap_m: float
    snap_m: float
    max_area_factor: float
    max_seeds_per_component: int
    seed_skip_coverage: int
    unit_min_share: float
    unit_list_min_share: float
    top: int
    method: str
    distinct: bool
    road_distance_max_m: float
    road_class_factor_default: float
    road_class_factors: Mapping[str, float]
    performance_indicator: str
    performance_cap: float
    supply_ratio_direction: str
    compactness_ideal: float
    line_level_scores: Mapping[str, float]
    sensitivity_step: float
    weights: Mapping[str, float]
    industry: SitingIndustry
    ahp: SitingAhp
    chain: SitingChain = SitingChain()

    @classmethod
    def read(cls, r: Reader, criteria: tuple[str, ...]) -> SitingSettings:
        """`criteria` are the criterion names (the keys of the shipped [siting.weights])."""
        w = r.sub("weights")
        weights = _frozen({name: w.number(name, 0) for name in criteria})
        w.finish()
        levels = r.sub("line_level_scores")
        line_levels = _frozen({name: levels.number(name, 0, 1) for name in ("red", "blue")})
        levels.finish()
        out = cls(
            r.number("max_slope_deg", 0, 90, low_open=True), r.number("overlap_tolerance_m2", 0),
            r.number("boundary_tolerance_m2", 0), r.number("merge_gap_m", 0), r.number("snap_m", 0),
            r.number("max_area_factor", 1), r.integer("max_seeds_per_component", 1), r.integer("seed_skip_coverage", 0),
            r.number("unit_min_share", 0, 1, low_open=True), r.number("unit_list_min_share", 0, 1),
            r.integer("top", 1), r.text("method", SITING_METHODS), r.boolean("distinct"),
            r.number("road_distance_max_m", 0, low_open=True), r.number("road_class_factor_default", 0, low_open=True),
            r.number_table("road_class_factors", 0, low_open=True), r.text("performance_indicator", COMPOSITE_INDICATORS),
            r.number("performance_cap", 0, low_open=True), r.text("supply_ratio_direction", DIRECTIONS),
            r.number("compactness_ideal", 0, 1, low_open=True), line_levels,
            r.number("sensitivity_step", 0, 1, high_open=True), weights, SitingIndustry.read(r.sub("industry")),
            SitingAhp.read(r.sub("ahp"), criteria), SitingChain.read(r.sub("chain")))
        r.finish()
        return out


@dataclass(frozen=True)
class AppScores:
    """[app.scores]: the 园区评分 page (comparison size, ranking table height)."""

    compare_max_units: int
    ranking_height: int


@dataclass(frozen=True)
class AppEnterprises:
    """[app.enterprises]: the 亩均评价 page (score histogram, firm table height)."""

    histogram_bins: int
    histogram_clip_quantile: float
    table_height: int


@dataclass(frozen=True)
class AppData:
    """[app.data]: the 数据管理 page (upload limit, stale uploads, recent projects, table height)."""

    max_upload_mb: float
    stale_upload_hours: float
    recent_projects: int
    table_height: int


@dataclass(frozen=True)
class AppMap:
    """[app.map]: the overview map (colour classes and scheme, web geometry, size, first-map wait)."""

    classes: int
    scheme: str
    fill_opacity: float
    precision_deg: float
    simplify_m: float
    parcel_limit: int
    merged_simplify_m: float
    height_px: int
    class_wait_s: float


@dataclass(frozen=True)
class AppSupply:
    """[app.supply]: the 供地分析 page (map size and zoom to the selected parcels)."""

    map_height_px: int
    map_width_px: int
    selection_zoom_max: int
    selection_padding_px: int
    list_page_rows: int


@dataclass(frozen=True)
class AppSiting:
    """[app.siting]: the 选址分析 page (form defaults, map size and zoom, upload limit, weight step)."""

    default_area_mu: float
    map_height_px: int
    map_width_px: int
    candidate_zoom_max: int
    view_padding_px: int
    upload_max_mb: float
    weight_step: float


@dataclass(frozen=True)
class AppServer:
    """[app.server]: what one app server keeps for all its sessions (results kept in memory)."""

    cache_entries: int


@dataclass(frozen=True)
class AppSettings:
    """[app.*]: display settings of the app's pages, one typed section per page (checked, never used by analysis)."""

    scores: AppScores
    enterprises: AppEnterprises
    data: AppData
    map: AppMap
    supply: AppSupply
    siting: AppSiting
    server: AppServer

    @classmethod
    def read(cls, r: Reader) -> AppSettings:
        pages: dict[str, Any] = {}
        for page, spec in _APP_SPEC.items():
            p = r.sub(page)
            values: dict[str, float | str] = {}
            for name, (kind, low, low_open, high) in spec.items():
                if kind is int:
                    values[name] = p.integer(name, None if low is None else int(low), None if high is None else int(high))
                elif kind is str:
                    values[name] = p.text(name, MAP_SCHEMES)
                else:
                    values[name] = p.number(name, low, high, low_open=low_open)
            p.finish()
            pages[page] = _APP_PAGES[page](**values)
        r.finish()
        return cls(**pages)


_APP_PAGES: dict[str, type] = {"scores": AppScores, "enterprises": AppEnterprises, "data": AppData, "map": AppMap,
                               "supply": AppSupply, "siting": AppSiting, "server": AppServer}
# page → key → (type, low, low exclusive, high); str keys are map colour schemes. Every key of a page's
# dataclass is listed here (the dataclass refuses a missing or extra one).
_APP_SPEC: dict[str, dict[str, tuple[type, float | None, bool, float | None]]] = {
    "scores": {"compare_max_units": (int, 1, False, None), "ranking_height": (int, 1, False, None)},
    "enterprises": {"histogram_bins": (int, 1, False, None), "histogram_clip_quantile": (float, 0, True, 1),
                    "table_height": (int, 1, False, None)},
    "data": {"max_upload_mb": (float, 0, True, None), "stale_upload_hours": (float, 0, False, None),
             "recent_projects": (int, 0, False, None), "table_height": (int, 1, False, None)},
    "map": {"classes": (int, 2, False, None), "scheme": (str, None, False, None), "fill_opacity": (float, 0, False, 1),
            "precision_deg": (float, 0, True, 0.01), "simplify_m": (float, 0, False, None),
            "parcel_limit": (int, 0, False, None), "merged_simplify_m": (float, 0, False, None),
            "height_px": (int, 1, False, None), "class_wait_s": (float, 0, False, None)},
    "supply": {"map_height_px": (int, 1, False, None), "map_width_px": (int, 1, False, None),
               "selection_zoom_max": (int, 0, False, None), "selection_padding_px": (int, 0, False, None),
               "list_page_rows": (int, 1, False, None)},
    "siting": {"default_area_mu": (float, 0, True, None), "map_height_px": (int, 1, False, None),
               "map_width_px": (int, 1, False, None), "candidate_zoom_max": (int, 0, False, None),
               "view_padding_px": (int, 0, False, None), "upload_max_mb": (float, 0, True, None),
               "weight_step": (float, 0, True, None)},
    "server": {"cache_entries": (int, 1, False, None)},
}
