"""Cell-value parsers for bureau tables: numbers, dates, booleans and coded choices.

Each parser returns the normalised Series (same index) and a list of
`ValueIssue(row, code, message)` so callers can report every bad row at once. Blank
cells become missing silently (callers decide whether a blank is allowed); placeholder
text such as "—" or "无" becomes missing with a warning; text that cannot be read is
an error naming the value.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from layers.problems import Severity
from layers.schema import APPROVAL_LEVELS, CONSTRAINT_KINDS, HALVES, LINE_LEVELS, PARK_KINDS, SUPPLY_STATUSES, SUPPLY_TYPES

MISSING_TOKENS = {"", "—", "–", "-", "/", "无", "N/A", "NA", "null", "None", "nan", "#N/A", "——"}
_MISSING_KEYS = {unicodedata.normalize("NFKC", t).casefold() for t in MISSING_TOKENS} | {"--", "---", "#n/a", "n.a."}

# Issue code → severity; every code a parser emits is listed here.
ISSUE_SEVERITY: dict[str, Severity] = {
    "placeholder_missing": "warning",
    "not_a_number": "error",
    "not_a_date": "error",
    "not_a_bool": "error",
    "unknown_value": "error",
    "ratio_as_percent": "warning",
    "ratio_out_of_range": "error",
    "unsupported_value": "warning",
}

# Plausible Excel serial dates: 18264 = 1950-01-01, 73051 = 2100-01-01 (Excel 1900 date system).
EXCEL_SERIAL_RANGE = (18264, 73051)
_EXCEL_EPOCH = dt.date(1899, 12, 30)


class ValueIssue(NamedTuple):
    """One cell that was read as missing or could not be read."""

    row: Hashable  # index label of the cell
    code: str  # key of ISSUE_SEVERITY
    message: str  # names the value
    message_zh: str = ""  # the same in Chinese

    @property
    def severity(self) -> Severity:
        return ISSUE_SEVERITY[self.code]


class _Msg(str):
    """An issue message (English) that carries its Chinese text through the parsers' result tuples."""

    zh: str

    def __new__(cls, en: str, zh: str) -> _Msg:
        obj = super().__new__(cls, en)
        obj.zh = zh
        return obj

    def __reduce__(self):  # keep the Chinese text when pickled
        return (_Msg, (str(self), self.zh))


def _issue(row: Hashable, code: str, message: str) -> ValueIssue:
    return ValueIssue(row, code, str(message), getattr(message, "zh", ""))


_Result = tuple[Any, str | None, str | None]  # (value, issue code, message: a _Msg)


def _as_series(s: Any) -> pd.Series:
    return s if isinstance(s, pd.Series) else pd.Series(list(s) if not isinstance(s, (str, bytes)) else [s], dtype=object)


def _text(v: Any) -> str:
    """Cell text with full-width forms folded and outer spaces removed."""
    return unicodedata.normalize("NFKC", str(v)).replace("\u2212", "-").strip()


def _placeholder(v: Any) -> bool:
    return isinstance(v, str) and _text(v).casefold() in _MISSING_KEYS


def _missing_result(v: Any) -> _Result:
    return None, "placeholder_missing", _Msg(f"{v!r} read as missing", f"{v!r} 按空值读取")


_SCALAR_KINDS = {"string", "empty", "integer", "floating", "mixed-integer-float", "boolean", "decimal", "date",
                 "datetime", "datetime64", "time", "timedelta", "period", "bytes", "categorical"}


def structured_mask(s: pd.Series) -> np.ndarray:
    """True where a cell holds a list, array or mapping (GeoJSON list/object properties), not a single value."""
    if s.dtype != object or pd.api.types.infer_dtype(s, skipna=True) in _SCALAR_KINDS:
        return np.zeros(len(s), dtype=bool)
    return np.fromiter((isinstance(v, (list, tuple, set, dict, np.ndarray)) for v in s.to_numpy(dtype=object)),
                       dtype=bool, count=len(s))


def _without_structured(s: pd.Series) -> tuple[pd.Series, list[ValueIssue]]:
    """`s` with list/object cells set to missing, and an unsupported_value issue for each."""
    mask = structured_mask(s)
    if not mask.any():
        return s, []
    issues = [ValueIssue(i, "unsupported_value", f"{_shown(v)} is a {'mapping' if isinstance(v, dict) else 'list'}, "
                         "not a single value; read as missing",
                         f"{_shown(v)} 是{'对象' if isinstance(v, dict) else '列表'}，不是单个取值；按空值读取")
              for i, v in s[mask].items()]
    cells = s.to_numpy(dtype=object, copy=True)
    cells[mask] = None
    return pd.Series(cells, index=s.index, dtype=object), issues


def _shown(v: Any) -> str:
    if isinstance(v, np.ndarray):
        v = v.tolist()
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _apply(s: Any, parse: Callable[[Any], _Result], dtype: str | None) -> tuple[pd.Series, list[ValueIssue]]:
    """Parse each distinct non-null value once, map results back, and list issues in row order.

    Lists and mappings (unhashable) are reported as unsupported_value and read as missing."""
    s, structured = _without_structured(_as_series(s))
    out, issues = _apply_scalars(s, parse, dtype)
    return out, structured + issues


def _apply_scalars(s: pd.Series, parse: Callable[[Any], _Result], dtype: str | None) -> tuple[pd.Series, list[ValueIssue]]:
    na = s.isna()
    results: dict[Any, _Result] = {}
    for u in pd.unique(s[~na]):
        if isinstance(u, str) and not u.strip():
            results[u] = (None, None, None)
        elif _placeholder(u):
            results[u] = _missing_result(u)
        else:
            results[u] = parse(u)
    present = s[~na]
    values = present.map({k: r[0] for k, r in results.items()})
    cells = np.full(len(s), None, dtype=object)
    if len(values):
        cells[(~na).to_numpy()] = values.astype(object).where(values.notna(), None).to_numpy(dtype=object)
    out = pd.Series(cells, index=s.index, dtype=object)
    if dtype is not None:
        out = out.astype(dtype) if dtype != "object" else out
    codes = present.map({k: r[1] for k, r in results.items()})
    bad = codes.notna()
    issues = [_issue(i, c, results[v][2] or "") for i, c, v in zip(present.index[bad], codes[bad], present[bad])]
    return out, issues


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")


def _number(v: Any, units: tuple[str, ...], percent: bool) -> tuple[float | None, str | None, str | None, bool]:
    """(value, issue code, message, had_percent_sign) for one cell."""
    if isinstance(v, (bool, np.bool_)):
        return None, "not_a_number", _Msg(f"{v!r} is a yes/no value, not a number", f"{v!r} 是“是/否”值，不是数字"), False
    if isinstance(v, (int, float, np.integer, np.floating)):
        f = float(v)
        return (f, None, None, False) if np.isfinite(f) else (
            None, "not_a_number", _Msg(f"{v!r} is not a finite number", f"{v!r} 不是有限数值"), False)
    t = _text(v)
    had_percent = False
    for unit in sorted(units, key=len, reverse=True):
        if t.casefold().endswith(unit.casefold()) and len(t) > len(unit):
            t = t[: -len(unit)].strip()
            break
    if t.endswith("%"):
        if not percent:
            return None, "not_a_number", _Msg(f"{v!r} is a percentage in a column that is not a share",
                                              f"{v!r} 是百分数，但该列不是比例"), False
        t, had_percent = t[:-1].strip(), True
    if "," in t:
        if not _GROUPED.fullmatch(t):
            return (None, "not_a_number",
                    _Msg(f"{v!r}: the comma is neither a thousands separator nor allowed as a decimal point",
                         f"{v!r}：逗号既不是千位分隔符，也不能作小数点"), False)
        t = t.replace(",", "")
    if _NUMBER.fullmatch(t):
        f = float(t)
        return (f / 100 if had_percent else f), None, None, had_percent
    if re.fullmatch(r"[+-]?[\d.]+\s*(万|亿|千)\S*", t):
        return None, "not_a_number", _Msg(f"{v!r} carries a multiplier or unit; give plain numbers in the column's unit",
                                          f"{v!r} 带有数量级或单位；请按该列的单位填写纯数字"), False
    return None, "not_a_number", _Msg(f"{v!r} is not a number", f"{v!r} 不是数字"), False


def parse_numbers(s: Any, *, units: Iterable[str] = (), percent: bool = False) -> tuple[pd.Series, list[ValueIssue]]:
    """Read numbers: '1,234.5', '1，234.5', ' 12 ', full-width digits → float64.

    `units`: spellings of the column's own unit that may trail a value ('35亩' in an 亩
    column); any other unit or multiplier ('12.5万') is an error, since it is ambiguous
    against the column unit. `percent`: accept '85%' as 0.85.
    """
    s = _as_series(s)
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        f = s.astype("float64")
        bad = ~np.isfinite(f) & f.notna()
        issues = [ValueIssue(i, "not_a_number", f"{v!r} is not a finite number", f"{v!r} 不是有限数值")
                  for i, v in f[bad].items()]
        return f.where(~bad), issues
    units = tuple(units)
    out, issues = _apply(s, lambda v: _number(v, units, percent)[:3], None)
    return out.astype("float64"), issues


def parse_ratios(s: Any, *, percent_column: bool = False) -> tuple[pd.Series, list[ValueIssue]]:
    """Read shares as fractions 0–1: '85%' → 0.85; a bare 85 → 0.85 with a warning.

    `percent_column`: the header says (%), so every bare number is a percentage.
    Values that stay outside 0–1 are errors.
    """
    s = _as_series(s)

    def one(v: Any) -> _Result:
        f, code, msg, had = _number(v, (), True)
        if code or f is None:  # f is None exactly when there is an issue code
            return f, code, msg
        if percent_column and not had:
            f = f / 100
        if 0 <= f <= 1:
            return f, None, None
        if not had and not percent_column and 1 < f <= 100:
            return f / 100, "ratio_as_percent", _Msg(f"{v!r} read as {f:g} % = {f / 100:g}",
                                                     f"{v!r} 按 {f:g}% = {f / 100:g} 读取")
        return None, "ratio_out_of_range", _Msg(f"{v!r} is not a share between 0 and 1 (0–100 %)",
                                                f"{v!r} 不是 0 到 1（0–100%）之间的比例")

    out, issues = _apply(s, one, None)
    return out.astype("float64"), issues


_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)


def _date_from_number(v: float, shown: Any) -> _Result:
    if not float(v).is_integer() and not (EXCEL_SERIAL_RANGE[0] <= v < EXCEL_SERIAL_RANGE[1]):
        return None, "not_a_date", _Msg(f"{shown!r} is not a date", f"{shown!r} 不是日期")
    n = int(v)
    if 19000101 <= n <= 21001231:
        y, m, d = n // 10000, n // 100 % 100, n % 100
        try:
            return dt.date(y, m, d).isoformat(), None, None
        except ValueError:
            return None, "not_a_date", _Msg(f"{shown!r} looks like YYYYMMDD but is not a calendar date",
                                            f"{shown!r} 形如 YYYYMMDD，但不是有效日期")
    if EXCEL_SERIAL_RANGE[0] <= v < EXCEL_SERIAL_RANGE[1]:
        return (_EXCEL_EPOCH + dt.timedelta(days=int(v))).isoformat(), None, None
    if 1900 <= n <= 2100:
        return None, "not_a_date", _Msg(f"{shown!r} is a year, not a date", f"{shown!r} 是年份，不是日期")
    return None, "not_a_date", _Msg(f"{shown!r} is neither an Excel date serial (1950–2100) nor YYYYMMDD",
                                    f"{shown!r} 既不是 Excel 日期序号（1950–2100），也不是 YYYYMMDD")


def _date(v: Any) -> _Result:
    if isinstance(v, (bool, np.bool_)):
        return None, "not_a_date", _Msg(f"{v!r} is not a date", f"{v!r} 不是日期")
    if isinstance(v, (pd.Timestamp, dt.datetime, dt.date, np.datetime64)):
        return pd.Timestamp(v).date().isoformat(), None, None
    if isinstance(v, (int, float, np.integer, np.floating)):
        return _date_from_number(float(v), v)
    t = _text(v)
    if re.fullmatch(r"\d+(\.\d+)?", t):
        return _date_from_number(float(t), v)
    m = _DATE.fullmatch(t)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat(), None, None
        except ValueError:
            return None, "not_a_date", _Msg(f"{v!r} is not a calendar date", f"{v!r} 不是有效日期")
    if re.fullmatch(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*月?", t):
        return None, "not_a_date", _Msg(f"{v!r} has no day; give a full date", f"{v!r} 缺少日；请填写完整日期")
    if re.fullmatch(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{4}", t):
        return None, "not_a_date", _Msg(f"{v!r}: day/month order is ambiguous; write YYYY-MM-DD",
                                        f"{v!r}：日、月顺序不明确；请写成 YYYY-MM-DD")
    return None, "not_a_date", _Msg(f"{v!r} is not a date", f"{v!r} 不是日期")


def parse_dates(s: Any) -> tuple[pd.Series, list[ValueIssue]]:
    """Read dates (2023-05-01, 2023/5/1, 2023年5月1日, 20230501, Excel serials, datetimes) → 'YYYY-MM-DD' text."""
    s = _as_series(s)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        out = s.dt.strftime("%Y-%m-%d").astype(object)
        return out.where(s.notna(), None), []
    return _apply(s, _date, "object")


_TRUE = {"是", "y", "yes", "true", "t", "1", "√", "✓", "✔", "规上", "规上企业", "规模以上", "规模以上企业", "上市", "已上市"}
_FALSE = {"否", "n", "no", "false", "f", "0", "×", "✗", "✘", "规下", "规下企业", "规模以下", "规模以下企业", "未上市",
          "非上市", "非规上"}


def _bool(v: Any) -> _Result:
    if isinstance(v, (bool, np.bool_)):
        return bool(v), None, None
    if isinstance(v, (int, float, np.integer, np.floating)) and float(v) in (0.0, 1.0):
        return float(v) == 1.0, None, None
    key = "".join(_text(v).split()).casefold()
    if key in _TRUE:
        return True, None, None
    if key in _FALSE:
        return False, None, None
    return None, "not_a_bool", _Msg(f"{v!r} is not a yes/no value (是/否, Y/N, 1/0, 规上/规下)",
                                    f"{v!r} 不是“是/否”值（是/否、Y/N、1/0、规上/规下）")


def parse_bools(s: Any) -> tuple[pd.Series, list[ValueIssue]]:
    """Read yes/no cells (是/否, Y/N, 1/0, true/false, 规上/规下) → pandas nullable boolean."""
    out, issues = _apply(s, _bool, None)
    return out.astype("boolean"), issues


def _choice_key(v: Any) -> str:
    return "".join(_text(v).split()).casefold()


def _choice_parser(table: dict[str, list[str]], choices: tuple[str, ...],
                   what: str, what_zh: str = "") -> Callable[[Any], tuple[pd.Series, list[ValueIssue]]]:
    """Build a parser mapping the spellings in `table` (and the English choices) to `choices`."""
    lookup = {_choice_key(c): c for c in choices}
    for choice, spellings in table.items():
        assert choice in choices, choice
        for sp in spellings:
            assert lookup.get(_choice_key(sp), choice) == choice, sp
            lookup[_choice_key(sp)] = choice
    accepted = " / ".join(f"{c} ({'、'.join(table.get(c, [])[:3])})" for c in choices)
    accepted_zh = "；".join("、".join(table.get(c, [])[:3]) or c for c in choices)

    def one(v: Any) -> _Result:
        hit = lookup.get(_choice_key(v))
        return (hit, None, None) if hit else (
            None, "unknown_value", _Msg(f"{v!r} is not a known {what}; accepted: {accepted}",
                                        f"{v!r} 不是可识别的{what_zh or what}；可填：{accepted_zh}"))

    def parse(s: Any) -> tuple[pd.Series, list[ValueIssue]]:
        return _apply(s, one, "object")

    parse.__doc__ = f"Read {what} values → one of {', '.join(choices)}."
    return parse


SUPPLY_STATUS_SPELLINGS = {
    "unsupplied": ["批而未供", "未供", "未供应", "未供地", "已批未供", "批而未供地"],
    "supplied": ["已供未建", "已供应未建设", "已出让未开工", "已供应", "已供", "已出让", "已划拨", "已供未开工", "已供地"],
    "built": ["已建成", "已建", "建成", "已竣工", "竣工", "已供已建", "已建设"],
    "idle": ["闲置", "闲置土地", "已认定闲置", "闲置地"],
}
LINE_LEVEL_SPELLINGS = {
    "red": ["一级", "一级线", "红线", "保护红线", "I", "1", "一级控制线", "一级保护线", "一级区块线", "工业保护红线"],
    "blue": ["二级", "二级线", "蓝线", "控制线", "II", "2", "二级控制线", "二级保护线", "二级区块线"],
}
CONSTRAINT_KIND_SPELLINGS = {
    "urban_boundary": ["城镇开发边界", "开发边界", "城镇开发边界线", "城镇开发边界范围"],
    "permanent_farmland": ["永久基本农田", "基本农田", "永久基本农田保护区", "永久基本农田保护红线"],
    "ecological_redline": ["生态保护红线", "生态红线", "生态保护红线区"],
}
PARK_KIND_SPELLINGS = {
    "comprehensive": ["综合园区", "综合型", "综合", "综合型园区", "综合性园区"],
    "specialty": ["特色园区", "专业园区", "特色", "专业", "特色型", "专业型", "特色产业园区"],
    "cluster_zone": ["集聚区", "产业集聚区", "产业集聚园区"],
}

parse_supply_status = _choice_parser(SUPPLY_STATUS_SPELLINGS, SUPPLY_STATUSES, "supply status (供地状态)", "供地状态")
parse_line_level = _choice_parser(LINE_LEVEL_SPELLINGS, LINE_LEVELS, "protection-line level (控制线级别)", "控制线级别")
parse_constraint_kind = _choice_parser(CONSTRAINT_KIND_SPELLINGS, CONSTRAINT_KINDS, "三区三线 kind (控制线类型)",
                                       "三区三线类型")
parse_park_kind = _choice_parser(PARK_KIND_SPELLINGS, PARK_KINDS, "park kind (园区类型)", "园区类型")


APPROVAL_LEVEL_SPELLINGS = {
    "国家级": ["国家", "国家级开发区", "国家级园区", "国务院批准", "国务院", "国批", "national"],
    "省级": ["省", "省级开发区", "省级园区", "省政府批准", "省人民政府批准", "省批", "provincial"],
    "市级": ["市", "地市级", "设区市级", "市级开发区", "市级园区", "市政府批准", "市批", "municipal"],
    "县级": ["县", "区级", "县区级", "县(市、区)级", "县(市区)级", "县(市)级", "县级开发区", "县级园区", "县政府批准",
             "county"],
}
_APPROVAL_LEVEL_EXACT = _choice_parser(APPROVAL_LEVEL_SPELLINGS, APPROVAL_LEVELS, "approval level (批准级别)", "批准级别")
_LEVEL_PREFIXES = ("国家级", "省级", "市级", "县级", "区级")


def parse_approval_level(s: Any) -> tuple[pd.Series, list[ValueIssue]]:
    """Read 批准级别 → 国家级 / 省级 / 市级 / 县级: the spellings of APPROVAL_LEVEL_SPELLINGS, and a zone
    type led by its level (国家级经济技术开发区 → 国家级, 省级高新技术产业园区 → 省级, 区级 → 县级)."""
    s = _as_series(s)
    out, issues = _APPROVAL_LEVEL_EXACT(s)
    kept = []
    for issue in issues:
        if issue.code == "unknown_value":
            key = _choice_key(s[issue.row])
            prefix = next((p for p in _LEVEL_PREFIXES if key.startswith(p)), None)
            if prefix is not None:
                out[issue.row] = "县级" if prefix == "区级" else prefix
                continue
        kept.append(issue)
    return out, kept


# Choice sets with their own spelling tables, read by `parse_choices` (the schema names the set, not the parser).
# 供地方式 as registers write it: 招拍挂 and 协议 are ways of 出让; 作价出资 (入股) and 授权经营 are 其他.
SUPPLY_TYPE_SPELLINGS = {
    "出让": ["招拍挂出让", "招拍挂", "招标出让", "拍卖出让", "挂牌出让", "协议出让", "国有建设用地使用权出让", "grant"],
    "弹性年期出让": ["弹性出让", "弹性年期", "弹性年期供应", "弹性年期出让（工业）"],
    "先租后让": ["租让结合", "先租后出让"],
    "租赁": ["出租", "土地租赁", "国有土地租赁", "长期租赁", "lease"],
    "划拨": ["行政划拨", "国有建设用地使用权划拨", "allocation"],
    "其他": ["作价出资", "作价入股", "授权经营", "other"],
}
parse_supply_type = _choice_parser(SUPPLY_TYPE_SPELLINGS, SUPPLY_TYPES, "supply type (供地方式)", "供地方式")

# 效益报表 periods: half-year rows carry "1" (上半年) or "2" (下半年); the whole year's spellings read as no value.
HALF_SPELLINGS = {
    "1": ["上半年", "H1", "1-6月", "1—6月", "1~6月", "一至六月", "上半年度", "半年报", "1.0"],
    "2": ["下半年", "H2", "7-12月", "7—12月", "7~12月", "七至十二月", "下半年度", "2.0"],
}
FULL_YEAR_SPELLINGS = frozenset({"全年", "年度", "全年度", "年报", "1-12月", "1—12月", "1~12月", "fy"})
_HALF_EXACT = _choice_parser(HALF_SPELLINGS, HALVES, "half-year (半年度)", "半年度")


def parse_half(s: Any) -> tuple[pd.Series, list[ValueIssue]]:
    """Read a 效益报表 period → "1" (上半年) / "2" (下半年); 全年 and its spellings are the whole year (no value)."""
    s = _as_series(s)
    out, issues = _HALF_EXACT(s)
    kept = [i for i in issues if not (i.code == "unknown_value" and _choice_key(s[i.row]) in FULL_YEAR_SPELLINGS)]
    return out, kept


_KNOWN_CHOICES: dict[tuple[str, ...], Callable[[Any], tuple[pd.Series, list[ValueIssue]]]] = {
    APPROVAL_LEVELS: parse_approval_level,
    SUPPLY_TYPES: parse_supply_type,
    HALVES: parse_half,
}


def parse_choices(s: Any, choices: tuple[str, ...], what: str = "value") -> tuple[pd.Series, list[ValueIssue]]:
    """Read a column whose values must be one of `choices` (case and width folded); a choice set with a
    spelling table of its own (批准级别) is read through it."""
    known = _KNOWN_CHOICES.get(tuple(choices))
    return known(s) if known else _choice_parser({}, choices, what, "取值")(s)


# Area units a cell or header may give an approved area in, as factors to 亩 (1 亩 = 10000/15 m² exactly:
# 1 公顷 = 15 亩, 1 km² = 1500 亩, 1 m² = 0.0015 亩). Keys as a cell reads after NFKC folding (㎢ → km2, ㎡ → m2).
AREA_UNITS_MU: dict[str, float] = {
    "亩": 1.0, "公顷": 15.0, "ha": 15.0, "hm2": 15.0, "万平方米": 15.0, "平方公里": 1500.0, "平方千米": 1500.0,
    "km2": 1500.0, "平方米": 0.0015, "平米": 0.0015, "m2": 0.0015,
}
AREA_UNIT_LABEL = {1.0: "亩", 15.0: "公顷", 1500.0: "km²", 0.0015: "m²"}


class AreaReading(NamedTuple):
    """An area column read into 亩: values, issues, and how the unit of bare numbers was decided."""

    values: pd.Series  # float64, 亩
    issues: list[ValueIssue]
    unit: str  # label of the unit bare numbers were read in (亩, 公顷, km², m²)
    unit_source: str  # header | values | assumed | none (no bare numbers)


def _area_cell(v: Any) -> tuple[float | None, float | None, str | None, str | None]:
    """(number, unit factor or None when bare, issue code, message) of one cell."""
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)):
        f, code, msg, _ = _number(v, (), False)
        return f, None, code, msg
    t = _text(v)
    key = "".join(t.split()).casefold()
    for unit in sorted(AREA_UNITS_MU, key=len, reverse=True):
        if key.endswith(unit) and len(key) > len(unit):
            f, code, msg, _ = _number(key[: -len(unit)], (), False)
            return (f, AREA_UNITS_MU[unit], None, None) if code is None else (
                None, None, code, _Msg(f"{v!r} is not an area", f"{v!r} 不是面积"))
    f, code, msg, _ = _number(v, (), False)
    return f, None, code, msg


def parse_area_mu(s: Any, header_factor: float | None = None) -> AreaReading:
    """Read areas into 亩. A cell's own unit ('10公顷', '0.2km²', '300亩') wins; bare numbers take the header's
    unit (`header_factor`, its factor to 亩), else the one unit the other cells of the column carry, else 亩
    (unit_source 'assumed': the caller says so)."""
    s, structured = _without_structured(_as_series(s))
    cells: dict[Any, tuple[float | None, float | None, str | None, str | None]] = {}
    for u in pd.unique(s[s.notna()]):
        if isinstance(u, str) and (not u.strip() or _placeholder(u)):
            continue  # blank or placeholder: missing (placeholders are reported by the generic parse)
        cells[u] = _area_cell(u)
    carried = {unit for _, unit, code, _ in cells.values() if unit is not None and code is None}
    bare = any(unit is None and code is None for _, unit, code, _ in cells.values())
    if header_factor is not None:
        factor, source = header_factor, "header"
    elif len(carried) == 1:
        factor, source = next(iter(carried)), "values"
    else:
        factor, source = 1.0, "assumed"
    if not bare:
        source = "none" if header_factor is None else source
    values = np.full(len(s), np.nan)
    issues: list[ValueIssue] = list(structured)
    for pos, (label, v) in enumerate(s.items()):
        if v is None or (not isinstance(v, str) and pd.isna(v)) or v not in cells:
            continue
        number, unit, code, msg = cells[v]
        if code is not None or number is None:
            issues.append(_issue(label, code or "not_a_number", msg or _Msg(f"{v!r} is not an area", f"{v!r} 不是面积")))
            continue
        values[pos] = number * (unit if unit is not None else factor)
    return AreaReading(pd.Series(values, index=s.index, dtype="float64"), issues,
                       AREA_UNIT_LABEL.get(factor, f"× {factor:g} 亩"), source)


def parse_text(s: Any) -> tuple[pd.Series, list[ValueIssue]]:
    """Read free text: trimmed; placeholders ("—", "无") → missing with a warning; integral floats
    from spreadsheets shown without '.0' (123.0 → '123'); lists and mappings → missing with unsupported_value."""
    s, structured = _without_structured(_as_series(s))
    if s.dtype == object:
        is_str = s.map(type).eq(str).to_numpy()
    else:
        is_str = np.full(len(s), pd.api.types.is_string_dtype(s.dtype))
    is_str = is_str & s.notna().to_numpy()
    text = s[is_str].astype(str).str.strip()
    short = text.str.len().le(5)  # placeholders are short; fold width only for those
    token = pd.Series(False, index=text.index)
    token[short] = text[short].str.normalize("NFKC").str.casefold().isin(_MISSING_KEYS) & text[short].ne("")
    cells = np.full(len(s), None, dtype=object)
    keep = text.where(text.ne("") & ~token)
    cells[is_str] = keep.astype(object).where(keep.notna(), None).to_numpy(dtype=object)
    others = ~is_str & s.notna().to_numpy()
    if others.any():
        other_values, _ = _apply(s[others],
                                 lambda v: (str(int(v)) if isinstance(v, (float, np.floating)) and float(v).is_integer()
                                            else str(v).strip(), None, None), "object")
        cells[others] = other_values.to_numpy(dtype=object)
    issues = structured + [ValueIssue(i, "placeholder_missing", f"{v!r} read as missing", f"{v!r} 按空值读取")
                           for i, v in s[is_str][token.to_numpy()].items()]
    return pd.Series(cells, index=s.index, dtype=object), issues
