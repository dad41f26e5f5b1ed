"""GB/T 4754-2017《国民经济行业分类》: the code table Landpark ships, code normalisation, and coding of firms.

Edition: GB/T 4754-2017 (issued 2017-06-30, in force 2017-10-01); the 2019 第1号修改单 is not applied.
Complete levels in `layers/data/gbt4754_2017.csv`: all 20 门类 (A–T) and all 97 大类 (01–97); for 门类 C 制造业
all 179 中类 and all 609 小类. Every other 门类 stops at 大类: a finer code under one of its 大类 (e.g. 6520) is
accepted as given and described by its known prefix; a C code the table does not list is invalid.
Transcription: 门类, 大类 and the C 中类 were written from the standard and agree with an independent third-party
copy; the C 小类 were taken with that copy (1380 小类 in all, the standard's count), one of its defects corrected
(3741 飞机制造 filed there as a 中类) and 100 of them checked by hand.

Canonical codes: a 门类 by its letter ("C"), every other level by its digits as the standard prints them ("36",
"367", "3670"), the form the demo's `industry_code` uses. Input may carry the 门类 letter ("C36", "C-3670"),
full-width digits, separators, or the code's own name after it ("3670汽车零部件及配件制造").
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

import i18n.industry_text  # noqa: F401  (registers the industry_ keys wherever this module is used)
from i18n import t

LEVELS = ("section", "division", "group", "class")  # 门类, 大类, 中类, 小类
REASONS = ("no_text", "no_match", "ambiguous", "invalid_code", "coarse")  # why a firm is not coded (report)
COMPLETE_SECTIONS = frozenset({"C"})  # 门类 transcribed down to 小类: a code of theirs the table lacks is invalid
EDITION = "GB/T 4754-2017"
DATA_FILE = "gbt4754_2017.csv"
SEPARATOR = " › "
AMBIGUOUS = ""  # a keyword that names no single 大类 (e.g. 新材料 spans 26, 28, 30, 32 …)

# Keywords of industry texts as firms write them, and the code each names: the project's own choice (documented
# here, editable), consulted before the table's names. Longer keywords win over the shorter ones they contain
# ("汽车零部件" over "汽车"); "" marks a text that spans several 大类 and so is not coded. Section letters ("F")
# say the text names only a 门类, which is too coarse to code a firm.
KEYWORDS: dict[str, str] = {
    # 36 汽车制造业
    "汽车": "36", "汽车零部件": "367", "汽车配件": "367", "汽配": "367", "整车": "361", "新能源汽车": "3612",
    "新能源车": "3612",
    # 34 通用设备 / 35 专用设备
    "通用设备": "34", "专用设备": "35", "模具": "3525", "机床": "342", "数控机床": "342", "轴承": "345", "齿轮": "3453",
    "减速机": "3453", "紧固件": "3482", "弹簧": "3483", "阀门": "3443", "液压": "3444", "气动": "3446",
    "机械零部件": "3484", "工业机器人": "3491", "服务机器人": "3964", "农业机械": "357", "农机": "357",
    "纺织机械": "355", "包装机械": "3467", "环保设备": "3591", "医疗器械": "358", "医疗设备": "358",
    "智能装备": AMBIGUOUS, "高端装备": AMBIGUOUS, "装备制造": AMBIGUOUS, "机械": AMBIGUOUS, "新材料": AMBIGUOUS,
    # 37 运输设备
    "船舶": "373", "造船": "373", "海洋工程": "3737", "海工装备": "3737", "航空航天": "374", "摩托车": "375",
    "自行车": "376", "电动自行车": "377", "轨道交通设备": "372", "无人机": "3963",
    # 38 电气机械
    "电气": "38", "电器": "38", "家用电器": "385", "家电": "385", "小家电": "385", "照明": "387", "灯具": "3872",
    "电机": "381", "电线电缆": "383", "电缆": "383", "光缆": "383", "电池": "384", "锂电池": "3841", "锂电": "3841",
    "光伏": "3825", "输配电": "382", "变压器": "3821", "开关": "382",
    # 39 电子 / 40 仪器仪表
    "电子": "39", "电子信息": "39", "电子元件": "398", "电子元器件": "39", "半导体": "397", "芯片": "3973",
    "集成电路": "3973", "集成电路设计": "6520", "显示器件": "3974", "光电子": "3976", "光电": "39",
    "传感器": "3983", "线路板": "3982", "电路板": "3982", "PCB": "3982", "通信设备": "392", "计算机": "391",
    "可穿戴": "3961", "仪器仪表": "40", "仪表": "40", "钟表": "403",
    # 13–33 其他制造业
    "食品": AMBIGUOUS, "饲料": "132", "水产品": "136", "饮料": "152", "白酒": "1512", "啤酒": "1513",
    "纺织": "17", "纺织服装": "18", "服装": "18", "服饰": "183", "制鞋": "195", "鞋业": "195", "皮革": "19",
    "家具": "21", "造纸": "222", "纸制品": "223", "印刷": "231", "文具": "2411", "玩具": "245", "体育用品": "244",
    "工艺品": "243", "炼油": "2511", "化工": "26", "化学": "26", "涂料": "264", "油墨": "264", "农药": "263",
    "化肥": "262", "肥料": "262", "日化": "268", "化妆品": "2682", "医药": "27", "生物医药": "27", "制药": "27",
    "化学药品": "27", "生物药品": "276", "食品制造": "14", "电子商务": AMBIGUOUS,
    "化纤": "28", "化学纤维": "28", "橡胶制品": "291", "塑料制品": "292", "塑胶": "292", "水泥": "3011",
    "玻璃制品": "305", "陶瓷": "307", "建筑材料": "30", "钢铁": "31", "钢材": "313", "有色金属": "32",
    "铜材": "3251", "铝材": "3252", "铝型材": "3252", "金属制品": "33", "五金": "33", "铸造": "339", "锻造": "3393",
    "热处理": "336", "表面处理": "336", "电镀": "336",
    # outside manufacturing
    "电力": "44", "发电": "441", "燃气": "45", "供水": "46", "自来水": "46", "污水处理": "4620", "建筑": "E",
    "批发": "51", "零售": "52", "贸易": "F", "销售": "F", "物流": "G", "仓储": "59", "住宿": "61", "酒店": "61",
    "餐饮": "62", "互联网": "64", "软件": "65", "软件开发": "651", "信息技术服务": "65", "房地产": "70",
    "研发": "73", "检测": "745", "检验": "745",
}
_STEM_SUFFIXES = ("制造业", "制造", "加工业", "加工", "业")
_SEPARATORS = re.compile(r"[\s\-_./·—–]+")
_CODE = re.compile(r"([A-T]?)(\d{1,4})?")
_LEADING = re.compile(r"([A-T]?)[\s\-_./·]*(\d{2,4})(\D.*)")


@dataclass(frozen=True)
class _Index:
    """The code table as look-ups: name, level and parent of each code, and the 门类 of each 大类."""

    name: dict[str, str]
    level: dict[str, str]
    parent: dict[str, str]
    section: dict[str, str]


@functools.cache
def _table() -> pd.DataFrame:
    """The shipped CSV, read once (codes stay text: "01" keeps its zero)."""
    with resources.files("layers.data").joinpath(DATA_FILE).open(encoding="utf-8") as f:
        table = pd.read_csv(f, dtype=str, comment="#", keep_default_na=False)
    table["parent"] = table["parent"].replace("", None)
    return table


@functools.cache
def _index() -> _Index:
    """Dictionaries over the table, for per-code look-ups on the few distinct codes of a layer."""
    table = _table()
    divisions = table[table["level"] == "division"]
    return _Index(name=dict(zip(table["code"], table["name"])), level=dict(zip(table["code"], table["level"])),
                  parent=dict(zip(table["code"], table["parent"])), section=dict(zip(divisions["code"], divisions["parent"])))


def code_table() -> pd.DataFrame:
    """The GB/T 4754-2017 table (code, level section/division/group/class, name, parent): a copy callers may edit."""
    return _table().copy()


def _as_text(value: object) -> str | None:
    """A code cell as text: numbers lose a float's ".0" (3670.0 → "3670"); blanks and NaN are None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else str(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text or None


def _canonical(letter: str, digits: str) -> str | None:
    """The canonical code for a parsed letter and digits, or None when the table rules it out."""
    index = _index()
    if not digits:
        return letter if index.level.get(letter) == "section" else None
    if len(digits) == 1:
        digits = "0" + digits  # a number that lost its zero: 5 → 05
    section = index.section.get(digits[:2])
    if section is None or (letter and letter != section):
        return None
    if digits in index.level:
        return digits
    return None if section in COMPLETE_SECTIONS else digits  # finer than the table knows: kept as given


def normalise_code(text: object) -> str | None:
    """Canonical form of a GB/T 4754-2017 code written any usual way ("C36", "C-3670", "３６", 3670.0, "3670汽车零部件
    及配件制造"), or None when it is not a code of the table."""
    raw = _as_text(text)
    if raw is None:
        return None
    upper = raw.upper()
    if re.fullmatch(r"\d+\.0+", upper):
        upper = upper.split(".")[0]
    compact = _SEPARATORS.sub("", upper)
    if m := _CODE.fullmatch(compact):
        return _canonical(m.group(1), m.group(2) or "") if compact else None
    if m := _LEADING.fullmatch(upper):  # a code followed by (the start of) its own name
        code = _canonical(m.group(1), m.group(2))
        rest = _SEPARATORS.sub("", m.group(3))
        name = _index().name.get(code or "", "")
        return code if rest and name.startswith(rest) else None
    return None


def lineage(code: str) -> list[str]:
    """A canonical code and its ancestors, 门类 first ("3670" → ["C", "36", "367", "3670"]); prefixes the table
    does not list are included as they stand ("6520" → ["I", "65", "652", "6520"])."""
    if code in _index().level and _index().level[code] == "section":
        return [code]
    chain = [code[:n] for n in (2, 3, 4) if n <= len(code)]
    return [_index().section[code[:2]], *chain]


def code_level(code: str) -> str:
    """Level of a canonical code: section, division, group or class (by its length when the table lacks it)."""
    return "section" if code.isalpha() else LEVELS[len(code) - 1]


def within(codes: pd.Series, ancestor: str) -> pd.Series:
    """Whether each canonical code lies under `ancestor` (any spelling normalise_code accepts: "C", "C36", "367");
    what cluster and chain tables need. Vectorised: a 门类 compares the 大类's section, deeper codes compare prefixes."""
    target = normalise_code(ancestor)
    if target is None:
        return pd.Series(False, index=codes.index)
    text = codes.astype("string")
    if target.isalpha():
        return (text.str[:2].map(_index().section) == target).fillna(False).astype(bool)
    return text.str.startswith(target).fillna(False).astype(bool)


def describe(code: object, lang: str = "zh") -> str:
    """A code with its parents, as a person reads it: "C 制造业 › 36 汽车制造业 › 367 汽车零部件及配件制造"; the
    official names are Chinese in both editions; prefixes the table lacks say so."""
    canonical = normalise_code(code)
    if canonical is None:
        return t("industry_not_a_code", lang).format(code=_as_text(code) or "")
    names = _index().name
    return SEPARATOR.join(f"{c} {names.get(c) or t('industry_unlisted', lang)}" for c in lineage(canonical))


def _stems(table: pd.DataFrame) -> dict[str, str]:
    """Keywords taken from the table: every official name, and each name less its 制造/加工/业 ending when three
    characters or more remain (never a 其他… name); a name two codes share goes to the finer when one contains the
    other, else it is ambiguous."""
    found: dict[str, set[str]] = {}
    for code, name in zip(table["code"], table["name"]):
        words = {name}
        if not name.startswith("其他"):
            for suffix in _STEM_SUFFIXES:
                if name.endswith(suffix) and len(name) - len(suffix) >= 3:
                    words.add(name[: -len(suffix)])
                    break
        for word in words:
            found.setdefault(word, set()).add(code)
    return {word: _resolve(sorted(codes))[0] or AMBIGUOUS for word, codes in found.items()}


@functools.cache
def _keywords() -> tuple[dict[str, str], re.Pattern[str]]:
    """Keyword → code (the table's names, then KEYWORDS over them) and one regex trying longer keywords first."""
    words = _stems(_table()) | {k.upper(): v for k, v in KEYWORDS.items()}
    pattern = re.compile("(?=(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + "))")
    return words, pattern


def _matches(text: str, pattern: re.Pattern[str]) -> list[str]:
    """The keywords found in `text`, overlapping ones included (新能源汽车零部件: 新能源汽车 and 汽车零部件), less
    those lying inside a longer one found (电动自行车 hides 自行车)."""
    spans = [(m.start(), m.start() + len(m.group(1)), m.group(1)) for m in pattern.finditer(text)]
    return [word for start, end, word in spans
            if not any(s <= start and end <= e and (s, e) != (start, end) for s, e, _ in spans)]


def _resolve(codes: list[str]) -> tuple[str | None, str]:
    """One code for a set of matched codes: the finest when they lie on one line of descent, else their deepest
    common ancestor when that is a 大类 or finer; (None, "ambiguous") otherwise."""
    if not codes:
        return None, "no_match"
    lines = [lineage(c) for c in set(codes)]
    deepest = [line for line in lines if not any(line != other and other[: len(line)] == line for other in lines)]
    if len(deepest) == 1:
        return deepest[0][-1], ""
    common = [c for c in deepest[0] if all(c in line for line in deepest[1:])]
    if common and common[-1][:1].isdigit():
        return common[-1], ""
    return None, "ambiguous"


def derive_codes(texts: pd.Series) -> pd.DataFrame:
    """Codes derived from industry texts, one row per distinct non-blank text (index): code, reason (no_match /
    ambiguous / coarse, "" when coded) and candidates (the codes or keywords that disagree)."""
    unique = pd.Series(pd.unique(texts.map(_as_text).dropna()), dtype=object)
    norm = unique.map(lambda s: _SEPARATORS.sub("", s.upper()))
    words, pattern = _keywords()
    matches = norm.map(lambda text: _matches(text, pattern))
    direct = unique.map(normalise_code)  # a text that is itself a code
    rows = []
    for text, code, found in zip(unique, direct, matches):
        if code is not None:
            rows.append((text, code, "", ""))
            continue
        codes = [words[w] for w in found]
        if AMBIGUOUS in codes:
            rows.append((text, None, "ambiguous", "、".join(w for w in found if words[w] == AMBIGUOUS)))
            continue
        result, reason = _resolve(codes)
        rows.append((text, result, reason, ";".join(sorted(set(codes))) if reason == "ambiguous" else ""))
    out = pd.DataFrame(rows, columns=["text", "code", "reason", "candidates"]).set_index("text")
    coarse = out["code"].notna() & out["code"].astype("string").str.isalpha().fillna(False)
    out.loc[coarse, "reason"] = "coarse"
    out.loc[coarse, "candidates"] = out.loc[coarse, "code"]
    out.loc[coarse, "code"] = None
    return out


def assign_codes_detail(firms: pd.DataFrame) -> pd.DataFrame:
    """Per firm row: code (canonical, None when uncoded), source ("code" column or industry "text"), reason why
    uncoded (no_text / no_match / ambiguous / invalid_code / coarse) and candidates; distinct values computed once."""
    n = len(firms)
    raw_code = firms["industry_code"] if "industry_code" in firms else pd.Series([None] * n, index=firms.index)
    raw_text = firms["industry"] if "industry" in firms else pd.Series([None] * n, index=firms.index)
    code_text = raw_code.map(_as_text)
    given = code_text.notna()
    from_column = code_text.map({v: normalise_code(v) for v in code_text.dropna().unique()})
    usable = from_column.notna() & ~from_column.astype("string").str.isalpha().fillna(False)
    derived = derive_codes(raw_text[~usable])
    text_key = raw_text.map(_as_text)
    from_text = text_key.map(derived["code"]).where(~usable)
    # a 门类 in the code column takes a finer code from the text only when the text's code lies in that 门类
    section_given = from_column.notna() & ~usable
    text_section = from_text.astype("string").str[:2].map(_index().section)
    clash = section_given & from_text.notna() & (text_section != from_column)
    from_text = from_text.where(~clash)
    code = from_column.where(usable, from_text).astype(object)
    code[code.isna()] = None
    kinds = np.select([usable.to_numpy(bool), code.notna().to_numpy(bool)], ["code", "text"], "").astype(object)
    kinds[kinds == ""] = None
    source = pd.Series(kinds, index=firms.index, dtype=object)
    reason = text_key.map(derived["reason"]).astype(object).fillna("no_text").where(code.isna(), "")
    reason[code.isna() & given & from_column.isna()] = "invalid_code"
    reason[code.isna() & given & from_column.notna() & (reason != "ambiguous")] = "coarse"
    reason[clash] = "ambiguous"
    candidates = text_key.map(derived["candidates"]).astype(object).fillna("").where(code.isna(), "")
    if clash.any():
        candidates[clash] = from_column[clash].astype(str) + ";" + text_key[clash].map(derived["code"]).astype(str)
    return pd.DataFrame({"code": code, "source": source, "reason": reason, "candidates": candidates}, index=firms.index)


def assign_codes(firms: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """The GB/T 4754-2017 code of each firm row (from `industry_code` when valid, else from the `industry` text;
    None when it cannot be coded to at least a 大类), and the report of every firm not coded with the reason."""
    detail = assign_codes_detail(firms)
    keep = [c for c in ("uscc", "name", "industry", "industry_code") if c in firms]
    report = firms.loc[detail["code"].isna(), keep].copy()
    report["reason"] = detail.loc[report.index, "reason"]
    report["candidates"] = detail.loc[report.index, "candidates"]
    report = report.astype(object).where(report.notna(), None)
    report = report.drop_duplicates(subset=keep or None).reset_index(drop=True)
    return detail["code"].rename("industry_code"), report


def reason_label(reason: str, lang: str = "zh") -> str:
    """A report reason (no_text, no_match, ambiguous, invalid_code, coarse) as the reader's language says it."""
    return t(f"industry_reason_{reason}", lang)


def level_label(level: str, lang: str = "zh") -> str:
    """A table level (section/division/group/class) as 门类/大类/中类/小类 or in English."""
    return t(f"industry_level_{level}", lang)


def coverage(codes: pd.Series) -> dict[str, int | float]:
    """How many firm rows carry a code, and at which level (the finest the data gave): figures for reports."""
    coded = codes.dropna().astype(str)
    levels = coded.map(code_level).value_counts()
    total = len(codes)
    return {"firms": total, "coded": len(coded), "share": len(coded) / total if total else 0.0,
            **{level: int(levels.get(level, 0)) for level in LEVELS[1:]}}
