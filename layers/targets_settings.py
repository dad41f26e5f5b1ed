"""The `[targets]` section of `landpark.toml`: the one place for every plan target and the checks the plans bring.

Three lists and one switch, all empty or on by default (a target is a plan's, so a new project has none):
- `[[targets.items]]`: an indicator of the evaluation (亩均税收, 全员劳动生产率 …) for a scope (the district, a unit
  kind, one unit, a cluster) by a year, with its direction, its firm base (all firms or 规上 only), an optional
  base year and value (for the on-track path) and its source (the plan and its sentence);
- `[[targets.sizes]]`: a unit kind's size rule and count (小微产业创新园 50–300 亩, 20 or more; 未来工业社区 about
  1 km² each, 6) — one table type for both, since both are "each unit of this kind within a size, and so many";
- `[[targets.line_totals]]`: the protection lines' total area by level (西海岸 141.6 km² of 红线 and 蓝线);
- `supply_floors`: whether the [supply_mix] floors (the yearly industrial share of supplied land) are reported
  among the targets — read from [supply_mix], never written twice.
Types and ranges are checked as read (layers.settings.Reader); the meaning lives in analysis/targets.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from layers.settings import Reader

__all__ = [
    "BASES",
    "CLUSTER_INDICATORS",
    "DEFAULT_TOML",
    "DEMO_TOML",
    "DIRECTIONS",
    "FIRM_INDICATORS",
    "LAND_INDICATORS",
    "LINE_TOTAL_LEVELS",
    "TARGET_INDICATORS",
    "LineTotal",
    "SizeCheck",
    "TargetItem",
    "TargetsSettings",
]

# Indicators a target may name, as the evaluation computes them (analysis/score.py UNIT_KEYS and district figures).
# Firm figures are pooled over the firms of the scope (analysis/members.py formulas) and may be 规上-only;
# land figures are ratios of the units' land sums (or the district's own figure).
FIRM_INDICATORS = ("tax_per_mu", "value_added_per_mu", "output_per_mu", "labour_productivity", "profit_margin")
LAND_INDICATORS = ("industrial_share", "supply_ratio", "built_ratio", "idle_ratio")
# Cluster figures (scope "cluster:<name>" only; analysis/clusters.py): output, revenue and tax summed over the
# cluster's firms in 亿元 (as the plans write 550 亿), and the number of its firms.
CLUSTER_INDICATORS = ("output", "revenue", "tax", "firms")
TARGET_INDICATORS = FIRM_INDICATORS + LAND_INDICATORS
DIRECTIONS = (">=", "<=")
# The firm base of a target: every firm, or the firms whose enterprise-layer flag above_scale is true (规上).
BASES = ("all", "above_scale")
BASE_ALIASES = {"all": "all", "全部": "all", "above_scale": "above_scale", "规上": "above_scale"}
# "About 1 km²": ± 10 % unless the project says otherwise [U: the plans give no tolerance; a project's choice].
DEFAULT_TOLERANCE = 0.1
SCOPE_PREFIXES = ("kind:", "unit:", "cluster:")
LINE_TOTAL_LEVELS = ("all", "red", "blue")  # red = 一级 / 保护红线, blue = 二级 / 保护蓝线 (layers.schema.LINE_LEVELS)


def _optional_int(r: Reader, name: str, low: int, high: int) -> int | None:
    """An optional whole number (None when the key is absent)."""
    return r.integer(name, low, high) if r.has(name) else None


def _optional_number(r: Reader, name: str, low: float | None = None, **kw) -> float | None:
    """An optional number (None when the key is absent)."""
    return r.number(name, low, **kw) if r.has(name) else None


def _scope(r: Reader) -> str:
    """`scope`: "district", or "kind:<unit kind>", "unit:<unit id>", "cluster:<name>" with a non-empty tail."""
    from layers.schema import EVALUATION_UNIT_KINDS

    value = r.text("scope")
    if value == "district":
        return value
    prefix = next((p for p in SCOPE_PREFIXES if value.startswith(p)), None)
    tail = value[len(prefix):].strip() if prefix else ""
    if not tail or (prefix == "kind:" and tail not in EVALUATION_UNIT_KINDS):
        kinds = ", ".join(EVALUATION_UNIT_KINDS)
        raise r.fail("scope", value, f'"district", "kind:<{kinds}>", "unit:<unit id>" or "cluster:<name>"')
    return f"{prefix}{tail}"


@dataclass(frozen=True)
class TargetItem:
    """One indicator target: `indicator` of `scope` should be `direction` `value` by `year` (over `base` firms)."""

    name: str
    indicator: str            # one of TARGET_INDICATORS
    scope: str                # "district" | "kind:<unit kind>" | "unit:<unit id>" | "cluster:<name>"
    year: int                 # the target year
    value: float
    direction: str            # ">=" (at least) or "<=" (at most)
    base: str                 # "all" or "above_scale" (规上): which firms a firm figure is pooled over
    base_year: int | None     # the plan's starting point, for the straight-line path of a future target
    base_value: float | None
    source: str

    @classmethod
    def read(cls, r: Reader) -> TargetItem:
        indicator = r.text("indicator", TARGET_INDICATORS + CLUSTER_INDICATORS)
        scope = _scope(r)
        if indicator in CLUSTER_INDICATORS and not scope.startswith("cluster:"):
            raise r.fail("indicator", indicator, f"one of {', '.join(TARGET_INDICATORS)} "
                                                 f"({', '.join(CLUSTER_INDICATORS)} need a cluster scope)")
        base_text = r.text("base", tuple(BASE_ALIASES)) if r.has("base") else "all"
        base = BASE_ALIASES[base_text]
        if base == "above_scale" and indicator not in FIRM_INDICATORS + CLUSTER_INDICATORS:
            raise r.fail("base", base_text, f'"all" (a 规上 base applies to the firm figures {", ".join(FIRM_INDICATORS)})')
        year = r.integer("year", 1900, 2200)
        base_year, base_value = _optional_int(r, "base_year", 1900, 2200), _optional_number(r, "base_value")
        if (base_year is None) != (base_value is None):
            missing = "base_value" if base_value is None else "base_year"
            raise r.fail(missing, None, "a number given together with base_year and base_value")
        if base_year is not None and base_year >= year:
            raise r.fail("base_year", base_year, f"a whole number < {year} (the target year)")
        direction = r.text("direction", DIRECTIONS) if r.has("direction") else ">="
        return cls(r.text("name"), indicator, scope, year, r.number("value"), direction, base, base_year,
                   base_value, r.text("source"))


@dataclass(frozen=True)
class SizeCheck:
    """Each unit of `kind` within a size (a range in 亩, and/or about `target_km2` ± `tolerance`), and a count."""

    name: str
    kind: str                   # a unit layer kind (micro_parks, future_communities …)
    min_mu: float | None        # each unit at least this many 亩
    max_mu: float | None        # … and at most
    target_km2: float | None    # each unit about this area (1 km² = 1,500 亩) …
    tolerance: float | None     # … within ± this fraction of it (0.1 = 0.9–1.1 km²)
    min_count: int | None       # at least this many units of the kind
    year: int                   # the plan's target year (for the count: before it the count may still grow)
    source: str

    @classmethod
    def read(cls, r: Reader) -> SizeCheck:
        from layers.schema import EVALUATION_UNIT_KINDS

        kind = r.text("kind", tuple(EVALUATION_UNIT_KINDS))
        low, high = _optional_number(r, "min_mu", 0), _optional_number(r, "max_mu", 0, low_open=True)
        if low is not None and high is not None and low > high:
            raise r.fail("max_mu", high, f"a number ≥ {low:g} (min_mu)")
        target = _optional_number(r, "target_km2", 0, low_open=True)
        tolerance = r.number("tolerance", 0, 1) if r.has("tolerance") else (DEFAULT_TOLERANCE if target is not None else None)
        if tolerance is not None and target is None:
            raise r.fail("target_km2", None, "a number > 0 (tolerance is a fraction of it)")
        count = _optional_int(r, "min_count", 0, 100000)
        if low is None and high is None and target is None and count is None:
            raise r.fail("min_mu", None, "at least one of min_mu, max_mu, target_km2, min_count")
        return cls(r.text("name"), kind, low, high, target, tolerance, count, r.integer("year", 1900, 2200),
                   r.text("source"))


@dataclass(frozen=True)
class LineTotal:
    """The protection lines' total area of `level` ("all", "red", "blue") against `target_km2` by `year`."""

    name: str
    level: str
    target_km2: float
    direction: str
    year: int
    source: str

    @classmethod
    def read(cls, r: Reader) -> LineTotal:
        level = r.text("level", LINE_TOTAL_LEVELS) if r.has("level") else "all"
        direction = r.text("direction", DIRECTIONS) if r.has("direction") else ">="
        return cls(r.text("name"), level, r.number("target_km2", 0, low_open=True), direction,
                   r.integer("year", 1900, 2200), r.text("source"))




@dataclass(frozen=True)
class TargetsSettings:
    """[targets]: indicator targets, size checks, protection-line totals, and whether the supply floors count."""

    items: tuple[TargetItem, ...]
    sizes: tuple[SizeCheck, ...]
    line_totals: tuple[LineTotal, ...]
    supply_floors: bool   # report the [supply_mix] floors per year among the targets (they are read there)

    @classmethod
    def read(cls, r: Reader) -> TargetsSettings:
        floors = r.boolean("supply_floors") if r.has("supply_floors") else True
        return cls(r.tables("items", TargetItem.read), r.tables("sizes", SizeCheck.read),
                   r.tables("line_totals", LineTotal.read), floors)

    @property
    def configured(self) -> bool:
        """Whether any target or check of this section is set (the [supply_mix] floors are counted by the caller)."""
        return bool(self.items or self.sizes or self.line_totals)


# The default section, pasted into layers/landpark.default.toml: comments only, no target (off until configured).
DEFAULT_TOML = """
[targets]
# Plan targets and progress (`landpark targets`, the 目标进度 page, scorecards). None by default: a target is a
# plan's, so a project adds its own, each with its source (the plan and its sentence). Three lists:
#
# [[targets.items]]                       # an indicator of the evaluation for a scope by a year
# name = "鄞州：规上工业亩均税收 58 万元/亩"
# indicator = "tax_per_mu"                # tax_per_mu, value_added_per_mu, output_per_mu, labour_productivity,
#                                         # profit_margin (firm figures); industrial_share, supply_ratio,
#                                         # built_ratio, idle_ratio (land figures)
# scope = "district"                      # "district", "kind:micro_parks", "unit:XW01", "cluster:汽车" (a cluster of
#                                         # [clusters]; its indicator may also be output, revenue, tax (亿元) or firms)
# year = 2025                             # the target year
# value = 58.0                            # in the indicator's unit (万元/亩, 万元/人; ratios as fractions: 0.08)
# direction = ">="                        # ">=" at least, "<=" at most (default ">=")
# base = "规上"                           # "规上" (above-scale firms only, as the plans count) or "all" (default)
# base_year = 2020                        # optional, both or neither: the plan's starting point; a future target
# base_value = 40.0                       # is on track when the value reaches the straight line from it
# source = "鄞州区“154”千百亿级产业集群行动方案：……亩均税收达到58万元/亩"
#
# [[targets.sizes]]                       # each unit of a kind within a size, and how many there should be
# name = "小微产业创新园：20 个以上，每个 50–300 亩"
# kind = "micro_parks"
# min_mu = 50                             # each unit's area in 亩 (ellipsoidal), at least …
# max_mu = 300                            # … and at most
# # target_km2 = 1.0                      # or: about this area (1 km² = 1,500 亩) …
# # tolerance = 0.1                       # … within ± this fraction (default 0.1)
# min_count = 20                          # at least this many units of the kind
# year = 2025
# source = "……"
#
# [[targets.line_totals]]                 # the protection lines' total area by level
# name = "工业用地保护红线和保护蓝线 141.6 平方公里"
# level = "all"                           # "all", "red" (一级 / 保护红线) or "blue" (二级 / 保护蓝线)
# target_km2 = 141.6
# direction = ">="                        # default ">=" (a line total must not shrink)
# year = 2025
# source = "……"
#
# The yearly industrial share of supplied land is checked against the [supply_mix] floors above (not repeated
# here); supply_floors = false leaves them out of the targets.
"""

# The demo's targets: the seed plans' (../shared/domain.md §1.7–1.8), appended to the demo's landpark.toml.
DEMO_TOML = """
# The seed plans' targets (鄞州 "154" 行动方案, 青岛西海岸新区); [targets] above explains the keys. The demo district
# is fictional and 鄞州-like: its figures are compared with 鄞州's, and the 西海岸 line total is an example of the check.
[[targets.items]]
name = "鄞州：亩均税收 58 万元/亩（规上）"
indicator = "tax_per_mu"
scope = "district"
year = 2025
value = 58.0
base = "规上"
source = "鄞州区“154”千百亿级产业集群行动方案（2025 年目标）：亩均税收 58 万元/亩，规上工业口径 [C, seed; domain.md §1.8]"

[[targets.items]]
name = "鄞州：全员劳动生产率 37.8 万元/人（规上）"
indicator = "labour_productivity"
scope = "district"
year = 2025
value = 37.8
base = "规上"
source = "鄞州区“154”千百亿级产业集群行动方案（2025 年目标）：全员劳动生产率 37.8 万元/人，规上工业口径 [C, seed; domain.md §1.8]"

[[targets.items]]
name = "鄞州：规上工业利润率 8%"
indicator = "profit_margin"
scope = "district"
year = 2025
value = 0.08
base = "规上"
source = "鄞州区“154”千百亿级产业集群行动方案（2025 年目标）：规上工业利润率 8% [C, seed; domain.md §1.8]"

# 50–300 亩 is the seed plan's figure; no other source was found for it (domain.md §2.2, [U]).
[[targets.sizes]]
name = "鄞州“6620”：小微产业创新园 20 个，每个 50–300 亩"
kind = "micro_parks"
min_mu = 50
max_mu = 300
min_count = 20
year = 2025
source = "鄞州区“154”千百亿级产业集群行动方案，“6620”空间布局：20 个小微产业创新园，每个 50–300 亩 [C, seed]"

# "About 1 km²" is read as ± 10 % (1,350–1,650 亩): the plan gives no tolerance, so this is the project's choice [U];
# the one community seen in a source (姜山, 342 亩) is far smaller (domain.md §5).
[[targets.sizes]]
name = "鄞州“6620”：未来工业社区 6 个，每个约 1 平方公里"
kind = "future_communities"
target_km2 = 1.0
tolerance = 0.1
min_count = 6
year = 2025
source = "鄞州区“154”千百亿级产业集群行动方案，“6620”空间布局：6 个未来工业社区，每个约 1 平方公里 [C, seed]"

# 西海岸's figure (domain.md §1.8; no published source found for the red/blue split, §4.4 [U]), applied to the demo
# as an example of the check: the demo district is not 西海岸.
[[targets.line_totals]]
name = "西海岸：工业用地保护红线和保护蓝线 141.6 平方公里"
level = "all"
target_km2 = 141.6
year = 2025
source = "青岛西海岸新区八大产业集群规划：工业用地保护红线和保护蓝线共 141.6 平方公里 [C, plan text]（示范区借作示例）"
"""
