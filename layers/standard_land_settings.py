"""The `[standard_land]` section of `landpark.toml`: 标准地 control indicators per industry, and the review tolerance.

A new industrial parcel sold as 标准地 carries control indicators set per industry (Zhejiang: 固定资产投资强度,
容积率, 亩均税收, 单位能耗增加值, 单位排放增加值, R&D 投入; set from 《浙江省制造业行业新增项目产出效益规范指南
(2020年版)》 and DB33/T 2172-2018 — ../shared/domain.md §1.6 [C-2nd]). Entries are matched by GB/T 4754-2017
code prefix ("C36", "36", "C367") or by cluster name; `default` covers the industries not listed. With no entry
and no default the section is off. Types and ranges are checked as read (layers.settings.Reader); the lookup and
the 达产复核 live in analysis/standard_land.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from layers.settings import Reader

__all__ = ["INDICATORS", "UNITS", "TERMS", "SECTIONS", "StandardLandEntry", "StandardLandSettings", "normalise_code",
           "section_of", "OFF", "DEFAULT_TOML", "DEMO_TOML"]

# The control indicators, in the order the issue names them (keys of `landpark site --json` → standard_land).
INDICATORS = ("investment_intensity", "far_min", "far_max", "tax_per_mu", "value_added_per_energy",
              "value_added_per_emission", "rd_ratio")
# Units as written in the settings and in the JSON ("" = a pure ratio; rd_ratio is a fraction 0–1).
UNITS: Mapping[str, str] = MappingProxyType({
    "investment_intensity": "万元/亩", "far_min": "", "far_max": "", "tax_per_mu": "万元/亩",
    "value_added_per_energy": "万元/吨标煤", "value_added_per_emission": "万元/吨", "rd_ratio": "",
})
# The terms of the 达产复核: each committed parcel field (layers/schema.py parcels) and the indicator it checks.
# far_max has no committed field (a ceiling is checked at planning approval, not at 达产), so it is not reviewed.
TERMS: Mapping[str, str] = MappingProxyType({
    "investment_intensity": "committed_investment_intensity", "far_min": "committed_far_min",
    "tax_per_mu": "committed_tax_per_mu", "value_added_per_energy": "committed_value_added_per_energy",
    "value_added_per_emission": "committed_value_added_per_emission", "rd_ratio": "committed_rd_ratio",
})
# Upper bounds of each value as read (a typo such as a percent written as 3 for 3 % is refused): rd_ratio is a
# fraction; the others only need to be positive.
_HIGH = {"rd_ratio": 1.0}
# GB/T 4754-2017 codes: an optional 门类 letter (A–T) followed by 2–4 digits (大类 / 中类 / 小类), or a 门类 letter alone.
_CODE = re.compile(r"^([A-T])?(\d{2,4})?$")
DEFAULT_TOLERANCE = 0.0  # [U] no rule on a tolerance was found in the sources read: the committed value itself
# GB/T 4754-2017 门类 and the 大类 (two-digit) codes each holds, first and last: C 制造业 = 13–43 [U: transcribed from
# memory of the standard's structure; layers.industry_codes (the shipped code table) is the reference once present].
SECTIONS: tuple[tuple[str, int, int], ...] = (
    ("A", 1, 5), ("B", 6, 12), ("C", 13, 43), ("D", 44, 46), ("E", 47, 50), ("F", 51, 52), ("G", 53, 60), ("H", 61, 62),
    ("I", 63, 65), ("J", 66, 69), ("K", 70, 70), ("L", 71, 72), ("M", 73, 75), ("N", 76, 79), ("O", 80, 82),
    ("P", 83, 83), ("Q", 84, 85), ("R", 86, 90), ("S", 91, 96), ("T", 97, 97),
)


def section_of(digits: str) -> str | None:
    """The 门类 letter of a code's digits ("36" → "C"), None when the 大类 is in no 门类."""
    if len(digits) < 2:
        return None
    major = int(digits[:2])
    return next((letter for letter, low, high in SECTIONS if low <= major <= high), None)


def normalise_code(value: Any) -> tuple[str, str] | None:
    """A GB/T 4754 code as (门类 letter, digits): "C36" and "36" → ("C", "36"), "C" → ("C", ""); None if not a code
    (not the pattern, a 大类 in no 门类, or a letter that contradicts the digits such as "A36")."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = re.sub(r"[\s.]", "", str(value)).upper()
    m = _CODE.fullmatch(text)
    if not text or m is None:
        return None
    letter, digits = m.group(1), m.group(2) or ""
    derived = section_of(digits) if digits else letter
    if derived is None or (letter is not None and letter != derived):
        return None
    return derived, digits


@dataclass(frozen=True)
class StandardLandEntry:
    """One row of control indicators: for `codes` (GB/T 4754 prefixes) and/or a `cluster`, or the default."""

    name: str
    codes: tuple[str, ...]          # as written ("C36", "367"); matched by prefix after normalise_code
    cluster: str | None
    values: Mapping[str, float | None]  # INDICATORS → number or None (not set by this entry)
    sources: Mapping[str, str | None]   # INDICATORS → the source of each value set (None where unset)

    @classmethod
    def read(cls, r: Reader, *, default: bool = False) -> StandardLandEntry:
        """One entry, checked: numbers in range, far_min ≤ far_max, every value set has a source."""
        name = r.text("name") if r.has("name") else ("default" if default else "")
        codes: tuple[str, ...] = ()
        cluster = None
        if not default:
            codes = r.texts("codes") if r.has("codes") else ()
            for i, code in enumerate(codes):
                if normalise_code(code) is None:
                    raise r.fail(f"codes[{i}]", code, 'one of "C36", "36", "367", "3670" or "C" (a GB/T 4754-2017 code)')
            cluster = r.text("cluster") if r.has("cluster") else None
            if not codes and not cluster:
                raise r.fail("codes", None, "a list of GB/T 4754 codes, or a cluster name, or both")
            if not name:
                name = cluster or ", ".join(codes)
        values: dict[str, float | None] = {}
        for key in INDICATORS:
            low_open = key != "rd_ratio"  # a zero R&D share may be a real condition; other zero values mean "unset"
            values[key] = r.number(key, 0, _HIGH.get(key), low_open=low_open) if r.has(key) else None
        if values["far_min"] is not None and values["far_max"] is not None and values["far_max"] < values["far_min"]:
            raise r.fail("far_max", values["far_max"], f"a number ≥ {values['far_min']:g} (far_min)")
        if not any(v is not None for v in values.values()):
            raise r.fail("investment_intensity", None, "at least one control indicator (" + ", ".join(INDICATORS) + ")")
        return cls(name, codes, cluster, MappingProxyType(values), MappingProxyType(_sources(r, values)))


def _sources(r: Reader, values: Mapping[str, float | None]) -> dict[str, str | None]:
    """Each set value's source: `sources.<key>` where given, else the entry's `source`; a set value without one is refused."""
    common = r.text("source") if r.has("source") else None
    own: dict[str, str] = {}
    if r.has("sources"):
        table = r.sub("sources")
        for key in INDICATORS:
            if table.has(key):
                if values[key] is None:
                    raise table.fail(key, table.value(key), f"no source: {key} is not set in this entry")
                own[key] = table.text(key)
        table.finish()
    out: dict[str, str | None] = {}
    for key in INDICATORS:
        if values[key] is None:
            out[key] = None
            continue
        source = own.get(key, common)
        if not source:
            raise r.fail("source", None, f"a text naming where {key} comes from (or sources.{key})")
        out[key] = source
    return out


@dataclass(frozen=True)
class StandardLandSettings:
    """[standard_land]: the entries (by code or cluster), the default entry, and the 达产复核 tolerance."""

    items: tuple[StandardLandEntry, ...]
    default: StandardLandEntry | None
    tolerance: float          # a committed value is met when actual ≥ committed × (1 − tolerance)
    tolerance_source: str     # where the tolerance comes from ("" for the shipped 0)

    @classmethod
    def read(cls, r: Reader) -> StandardLandSettings:
        """The [standard_land] table, checked (the caller calls `r.finish()`); a code or cluster listed twice is refused."""
        raw = r.value("items") if r.has("items") else []
        if not isinstance(raw, list):
            raise r.fail("items", raw, "a list of tables")
        items: list[StandardLandEntry] = []
        seen: dict[Any, str] = {}
        for i, table in enumerate(raw):
            sub = Reader(table, r.dotted(f"items[{i}]"), r.source)
            entry = StandardLandEntry.read(sub)
            sub.finish()
            keys: list[tuple[str, Any, str]] = [("codes", normalise_code(c), c) for c in entry.codes]
            if entry.cluster:
                keys.append(("cluster", ("cluster", entry.cluster), entry.cluster))
            for field_name, key, shown in keys:
                if key in seen:
                    raise r.fail(f"items[{i}].{field_name}", shown,
                                 f"a code or cluster not already listed (it is in {seen[key]})")
                seen[key] = entry.name
            items.append(entry)
        default = None
        if r.has("default"):
            sub = r.sub("default")
            default = StandardLandEntry.read(sub, default=True)
            sub.finish()
        tolerance = r.number("tolerance", 0, 1, high_open=True) if r.has("tolerance") else DEFAULT_TOLERANCE
        source = r.text("tolerance_source") if r.has("tolerance_source") else ""
        return cls(tuple(items), default, tolerance, source)

    @property
    def configured(self) -> bool:
        """Whether any condition is set (no entry and no default: the section is off)."""
        return bool(self.items) or self.default is not None


OFF = StandardLandSettings((), None, DEFAULT_TOLERANCE, "")

# The section for layers/landpark.default.toml: no entry (conditions are a county's), commented examples.
DEFAULT_TOML = """
[standard_land]
# 标准地: the control indicators a new industrial parcel is sold with, per industry, and the 达产复核 that checks
# the linked firm's actual figures against the parcel's commitments (`landpark review`; `landpark site` shows the
# conditions a candidate would carry). Off until a county adds its own conditions, each with its source (浙江:
# 《浙江省制造业行业新增项目产出效益规范指南(2020年版)》 and DB33/T 2172-2018 as adopted locally).
#
# [[standard_land.items]]                 # one industry: GB/T 4754-2017 codes (any level, matched by prefix;
# name = "汽车制造业"                      # "C36" and "36" are the same 大类) and/or a cluster name of [clusters]
# codes = ["C36"]                         # the most specific code wins, then the cluster, then the default
# # cluster = "汽车及零部件"
# investment_intensity = 300.0            # 固定资产投资强度, 万元/亩 (at least)
# far_min = 1.2                           # 容积率 range
# far_max = 3.0
# tax_per_mu = 30.0                       # 亩均税收, 万元/亩 (at least, once in full production)
# value_added_per_energy = 3.0            # 单位能耗工业增加值, 万元/吨标煤
# value_added_per_emission = 500.0        # 单位排放工业增加值, 万元/吨
# rd_ratio = 0.02                         # R&D 经费支出占主营业务收入 (a fraction: 0.02 = 2 %)
# source = "……县（市、区）标准地控制指标（……年）"   # the source of every value set here …
# # [standard_land.items.sources]         # … or per indicator:
# # tax_per_mu = "……"
#
# [standard_land.default]                 # the industries not listed (same keys; no codes or cluster)
# investment_intensity = 250.0
# source = "……"
#
# A committed value is met when the actual figure ≥ committed × (1 − tolerance). No rule on a tolerance was found
# in the sources read [U], so the default is 0 (the committed value itself).
tolerance = 0.0
"""

# The demo's conditions. domain.md §1.6 names the indicators and their sources but gives no figures, so every number
# below is the demo's own choice [U: demo], picked so that some demo parcels meet their commitments and some do not.
_DEMO_SOURCE = "示范数据自拟（虚构区县，非任何文件的数值）[U: demo]"


def _demo_item(name: str, code: str, values: tuple[float, float, float, float, float, float, float]) -> str:
    """One [[standard_land.items]] block of the demo's conditions (values in INDICATORS order)."""
    lines = ["[[standard_land.items]]", f'name = "{name}"', f'codes = ["{code}"]']
    lines += [f"{key} = {value!r}" for key, value in zip(INDICATORS, values)]
    lines.append(f'source = "{_DEMO_SOURCE}"')
    return "\n".join(lines)


# code, name, (investment_intensity, far_min, far_max, tax_per_mu, value_added_per_energy, value_added_per_emission,
# rd_ratio): the demo's 大类 (layers/demo/catalogue.py INDUSTRY_CODES).
_DEMO_ROWS = (
    ("C18", "纺织服装、服饰业", (200.0, 0.8, 2.5, 5.0, 1.2, 2000.0, 0.01)),
    ("C26", "化学原料和化学制品制造业", (300.0, 0.8, 2.0, 5.0, 1.2, 2000.0, 0.01)),
    ("C27", "医药制造业", (350.0, 0.8, 2.5, 8.0, 1.2, 2500.0, 0.015)),
    ("C29", "橡胶和塑料制品业", (220.0, 0.8, 2.5, 8.0, 1.2, 2500.0, 0.01)),
    ("C33", "金属制品业", (220.0, 0.8, 2.5, 6.0, 1.2, 2000.0, 0.01)),
    ("C34", "通用设备制造业", (250.0, 0.8, 2.5, 6.0, 1.2, 2000.0, 0.012)),
    ("C35", "专用设备制造业", (250.0, 0.8, 2.5, 8.0, 1.2, 2000.0, 0.012)),
    ("C36", "汽车制造业", (300.0, 0.8, 2.5, 6.0, 1.2, 2000.0, 0.012)),
    ("C38", "电气机械和器材制造业", (250.0, 0.8, 2.5, 6.0, 1.2, 2500.0, 0.012)),
    ("C39", "计算机、通信和其他电子设备制造业", (350.0, 0.8, 3.0, 8.0, 1.2, 2500.0, 0.012)),
)

DEMO_TOML = "\n\n".join([
    "# The demo's 标准地 conditions ([standard_land] above explains the keys). The indicators are Zhejiang's\n"
    "# (domain.md §1.6); every figure is the demo's own choice [U: demo], not a county's published value.",
    *(_demo_item(name, code, values) for code, name, values in _DEMO_ROWS),
    "[standard_land.default]\nname = \"其他行业\"\n"
    + "\n".join(f"{key} = {value!r}" for key, value in zip(INDICATORS, (200.0, 0.8, 2.5, 5.0, 1.2, 2000.0, 0.01)))
    + f'\nsource = "{_DEMO_SOURCE}"',
]) + "\n"
