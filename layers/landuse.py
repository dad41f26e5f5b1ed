"""Land-use codes of three Chinese standards → Landpark land-use categories.

The same code means different things across standards (0601 is 工业用地 in GB/T 21010
but 乡村道路用地 in the 2023 用地用海 classification, docs/methods.md §7), so the standard
is detected from code shapes and DLMC names with an explanation the user sees, and
left undecided when the data cannot tell.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import pandas as pd

from spatial.errors import UsageError

STANDARDS = ("gbt21010", "ydyh2023", "gb50137")
STANDARD_LABELS = {
    "gbt21010": "GB/T 21010-2017 土地利用现状分类 (三调工作分类)",
    "ydyh2023": "国土空间调查、规划、用途管制用地用海分类 (自然资发〔2023〕234号)",
    "gb50137": "GB 50137-2011 城市用地分类",
}

# Second-level classes per first-level class. GB/T 21010-2017 and the 三调 working
# classes (05H1, 08H1, 08H2, 0508; A/K suffixes) from memory [U], docs/methods.md §7 [C-2nd];
# 用地用海 2023 levels 01–12 from memory [U]; 13–24 are checked loosely.
_GBT21010_CLASSES: dict[str, set[str]] = {
    "01": {"01", "02", "03"}, "02": {"01", "02", "03", "04"}, "03": {f"{i:02d}" for i in range(1, 8)},
    "04": {"01", "02", "03", "04"}, "05": {f"{i:02d}" for i in range(1, 9)} | {"H1"},
    "06": {"01", "02", "03", "04"}, "07": {"01", "02"}, "08": {f"{i:02d}" for i in range(1, 11)} | {"H1", "H2"},
    "09": set(), "10": {f"{i:02d}" for i in range(1, 10)}, "11": {f"{i:02d}" for i in range(1, 11)},
    "12": {f"{i:02d}" for i in range(1, 8)},
}
_YDYH_COUNTS = {"01": 3, "02": 4, "03": 4, "04": 3, "05": 7, "06": 4, "07": 4, "08": 7, "09": 4, "10": 3, "11": 2, "12": 9}
_YDYH_LOOSE_MAX = 15  # first-level classes 13–24: any second level 01–15 is accepted

# What an ambiguous code means in each standard, for explanations.
_MEANING = {
    "gbt21010": {"0601": "工业用地", "0602": "采矿用地", "0604": "仓储用地", "1001": "铁路用地", "1002": "轨道交通用地",
                 "1101": "河流水面", "1102": "湖泊水面", "0501": "零售商业用地", "0505": "商务金融用地", "09": "特殊用地"},
    "ydyh2023": {"0601": "乡村道路用地", "0602": "种植设施建设用地", "0604": "水产养殖设施建设用地", "1001": "工业用地",
                 "1002": "采矿用地", "1101": "物流仓储用地", "1102": "储备库用地", "0501": "森林沼泽", "0505": "沿海滩涂",
                 "09": "商业服务业用地"},
}

# Name keywords → category, first hit wins (新型产业 before 工业, 工矿仓储 before 仓储).
_NAME_RULES: tuple[tuple[str | None, tuple[str, ...]], ...] = (
    (None, ("工矿仓储", "工矿用地", "商住", "公用设施")),  # mixed or standard-dependent: no opinion
    ("m0", ("新型产业", "新型工业", "m0")),
    ("warehouse", ("仓储", "储备库", "物流")),
    ("industrial", ("工业",)),
    ("residential", ("住宅", "居住", "宅基地")),
    ("commercial", ("商业", "商服", "商务", "零售", "批发", "餐饮", "旅馆", "娱乐", "金融")),
    ("public", ("机关", "团体", "科研", "教育", "医疗", "卫生", "文化", "体育", "社会福利", "公共管理", "公共服务",
                "科教", "新闻出版")),
    ("other", ("道路", "铁路", "公路", "机场", "港口", "码头", "管道", "耕地", "水田", "旱地", "水浇地", "园地", "林地",
               "草地", "湿地", "沼泽", "滩涂", "河流", "湖泊", "水库", "坑塘", "沟渠", "水面", "采矿", "盐田", "特殊",
               "军事", "空闲", "田坎", "裸", "沙地", "盐碱", "绿地", "公园", "广场", "设施农用地", "交通", "留白")),
)

_NUMERIC = re.compile(r"(\d{2})(\d{2}|H\d)?([AK])?")
_NUMERIC6 = re.compile(r"(\d{2})(\d{2})(\d{2})")
_LETTER = re.compile(r"([RABMWSUHEG])(\d{0,2}|X)")


def _clean_one(v: object) -> str | None:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    t = "".join(unicodedata.normalize("NFKC", str(v)).split()).upper()
    t = re.sub(r"^(\d+)\.0+$", r"\1", t)
    return t or None


def clean_codes(codes: pd.Series) -> tuple[pd.Series, list[tuple[object, str, str]]]:
    """Fold width/case/spaces and restore leading zeros lost in spreadsheets (601 → 0601).

    Returns the cleaned codes (None for missing) and (row, before, after) for every padded code.
    """
    uniq = {u: _clean_one(u) for u in pd.unique(codes.dropna())}
    out = _nullable(codes.map(uniq))
    pad = {k: v for k, v in uniq.items() if v and v.isdigit() and len(v) in (1, 3, 5)}
    padded = {k: "0" + v for k, v in pad.items()}
    if padded:
        hit = codes.isin(list(padded))
        out = out.where(~hit, codes.map(padded))
        changes = [(i, str(c), padded[c]) for i, c in codes[hit].items()]
    else:
        changes = []
    return _nullable(out), changes


def _gbt21010(code: str) -> str | None:
    m = _NUMERIC.fullmatch(code)
    if not m or m.group(1) not in _GBT21010_CLASSES:
        return None
    major, minor = m.group(1), m.group(2)
    if minor is not None and minor not in _GBT21010_CLASSES[major]:
        return None
    full = major + (minor or "")
    if full == "0601":
        return "industrial"
    if full in ("0508", "0604"):
        return "warehouse"
    if full == "0810":  # 公园与绿地 (0810A 广场): open space, not a public-service facility
        return "other"
    return {"05": "commercial", "07": "residential", "08": "public"}.get(major, "other")


def _ydyh2023(code: str) -> str | None:
    m6 = _NUMERIC6.fullmatch(code)
    if m6:
        code4 = code[:4]
        if _ydyh2023(code4) is None or m6.group(3) == "00":
            return None
        return _ydyh2023(code4)
    m = re.fullmatch(r"(\d{2})(\d{2})?", code)
    if not m or not 1 <= int(m.group(1)) <= 24:
        return None
    major, minor = m.group(1), m.group(2)
    if minor is not None:
        n = _YDYH_COUNTS.get(major, _YDYH_LOOSE_MAX)
        if not 1 <= int(minor) <= n:
            return None
    full = major + (minor or "")
    if full == "1001":
        return "industrial"
    if major == "11":
        return "warehouse"
    return {"07": "residential", "08": "public", "09": "commercial"}.get(major, "other")


def _gb50137(code: str) -> str | None:
    m = _LETTER.fullmatch(code)
    if not m:
        return None
    letter, rest = m.group(1), m.group(2)
    if letter == "M":
        return "m0" if rest == "0" else "industrial"
    return {"W": "warehouse", "R": "residential", "B": "commercial", "A": "public"}.get(letter, "other")


_BY_STANDARD = {"gbt21010": _gbt21010, "ydyh2023": _ydyh2023, "gb50137": _gb50137}


def _nullable(s: pd.Series) -> pd.Series:
    """Object Series with None (not NaN) for missing entries."""
    cells = s.to_numpy(dtype=object, copy=True)
    cells[s.isna().to_numpy()] = None
    return pd.Series(cells, index=s.index, dtype=object)


def _name_category_one(name: object) -> str | None:
    if name is None or (isinstance(name, float) and name != name) or name is pd.NA:
        return None
    t = "".join(unicodedata.normalize("NFKC", str(name)).split()).casefold()
    for category, words in _NAME_RULES:
        if any(w in t for w in words):
            return category
    return None


def name_category(names: pd.Series) -> pd.Series:
    """Category read from land-use names (工业用地 → industrial, 新型产业用地 → m0); None when unknown."""
    uniq = {u: _name_category_one(u) for u in pd.unique(names.dropna())}
    return _nullable(names.map(uniq))


def code_category(codes: pd.Series, standard: str) -> pd.Series:
    """Category of each code under `standard` (codes cleaned first); None for missing or unknown codes."""
    if standard not in _BY_STANDARD:
        raise UsageError(f"unknown land-use standard {standard!r}; valid: {', '.join(STANDARDS)}")
    cleaned, _ = clean_codes(codes)
    fn = _BY_STANDARD[standard]
    uniq = {u: fn(u) for u in pd.unique(cleaned.dropna())}
    return _nullable(cleaned.map(uniq))


def categorize(codes: pd.Series | None, standard: str | None, names: pd.Series | None = None) -> pd.Series:
    """Land-use category per row: from the code under `standard`, else from the name.

    A name saying 新型产业用地 turns an industrial code into m0 (cities file M0 under the
    industrial code). With `standard=None` or no codes, names alone decide.
    """
    if codes is not None:
        index = codes.index
    elif names is not None:
        index = names.index
    else:
        raise UsageError("categorize needs codes or names")
    if codes is not None and standard is not None:
        by_code = code_category(codes, standard)
    else:
        by_code = pd.Series([None] * len(index), index=index, dtype=object)
    if names is None:
        return by_code
    by_name = name_category(names)
    out = by_code.where(~((by_code == "industrial") & (by_name == "m0")), "m0")
    return _nullable(out.where(out.notna(), by_name))


def _examples(codes: Iterable[str], counts: pd.Series, k: int = 3) -> str:
    codes = sorted(codes, key=lambda c: (-int(counts.get(c, 0)), c))
    return ", ".join(f"{c} ({int(counts.get(c, 0))}×)" for c in codes[:k]) + (" …" if len(codes) > k else "")


# Landpark's land-use categories in Chinese, for notes and tables in the zh app.
CATEGORY_LABELS_ZH = {"industrial": "工业用地", "m0": "新型产业用地（M0）", "warehouse": "仓储用地",
                      "residential": "居住用地", "commercial": "商业服务业用地", "public": "公共管理与公共服务用地",
                      "other": "其他用地"}
STANDARD_SHORT_ZH = {"gbt21010": "GB/T 21010", "ydyh2023": "用地用海 2023", "gb50137": "GB 50137"}


def category_label(category: object, lang: str = "zh") -> str:
    """A land-use category as a person reads it: Chinese for zh, the code otherwise."""
    text = "" if category is None or (isinstance(category, float) and category != category) else str(category)
    return CATEGORY_LABELS_ZH.get(text, text) if lang == "zh" else text


def _describe(code: str, standard: str) -> str:
    meaning = _MEANING.get(standard, {}).get(code) or _BY_STANDARD[standard](code) or "unknown"
    return f"{meaning} in {standard}"


def _describe_zh(code: str, standard: str) -> str:
    found = _BY_STANDARD[standard](code)
    meaning = _MEANING.get(standard, {}).get(code) or CATEGORY_LABELS_ZH.get(found or "", found) or "未知"
    return f"在 {STANDARD_SHORT_ZH[standard]} 中为{meaning}"


def detect_standard(codes: Iterable[str], names: Iterable[str] | None = None, *,
                    lang: str = "en") -> tuple[str | None, str]:
    """Guess the land-use standard of `codes`: (standard or None when undecidable, explanation in `lang`).

    Letter codes (M1, W2) mean GB 50137; numeric codes are told apart by codes that exist
    in only one standard (0508, 05H1, 1004 → GB/T 21010; 100101, 0703, 13xx → 用地用海),
    then by DLMC names (0601 + 工业用地 → GB/T 21010). When the codes it sees mean the same
    in both numeric standards the choice does not matter and GB/T 21010 is named.
    """
    std, why = detect_standard_texts(codes, names)
    return std, why["zh" if lang == "zh" else "en"]


def _name_votes(cleaned: pd.Series, names: pd.Series | None, differ: list[str], in21: dict, inyd: dict) -> tuple[int, int]:
    """Rows whose name agrees with GB/T 21010's, and with 用地用海 2023's, category of a code the two standards
    class differently (names vote on those codes only)."""
    if names is None:
        return 0, 0
    frame = pd.DataFrame({"code": cleaned, "name": name_category(names)}).dropna()
    frame = frame[frame["code"].isin(differ)]
    return int((frame["name"] == frame["code"].map(in21)).sum()), int((frame["name"] == frame["code"].map(inyd)).sum())


def detect_standard_texts(codes: Iterable[str], names: Iterable[str] | None = None) -> tuple[str | None, dict[str, str]]:
    """`detect_standard` with the explanation in both languages: (standard or None, {"en": …, "zh": …})."""
    code_s = pd.Series(list(codes), dtype=object)
    name_s = pd.Series(list(names), dtype=object) if names is not None else None
    if name_s is not None and len(name_s) != len(code_s):
        raise UsageError("codes and names must have the same length")
    cleaned, _ = clean_codes(code_s)
    present = cleaned.dropna()
    if present.empty:
        return None, {"en": "no land-use codes given" + ("; categories come from the names" if name_s is not None else ""),
                      "zh": "未提供地类编码" + ("；按地类名称分类" if name_s is not None else "")}
    counts = present.value_counts()
    uniq = list(counts.index)
    letters = [c for c in uniq if _LETTER.fullmatch(c)]
    numeric = [c for c in uniq if _NUMERIC.fullmatch(c) or _NUMERIC6.fullmatch(c)]
    unknown = [c for c in uniq if c not in letters and c not in numeric]
    tail = f"; {len(unknown)} code(s) fit no standard: {_examples(unknown, counts)}" if unknown else ""
    tail_zh = f"；{len(unknown)} 个编码不属于任何标准：{_examples(unknown, counts)}" if unknown else ""

    def said(en: str, zh: str) -> dict[str, str]:
        return {"en": en + tail, "zh": zh + tail_zh}

    if letters and not numeric:
        return "gb50137", said(f"all codes are GB 50137 letter codes, e.g. {_examples(letters, counts)}",
                               f"编码均为 GB 50137 字母编码，如 {_examples(letters, counts)}")
    if letters and numeric:
        return None, said(f"codes mix GB 50137 letter codes ({_examples(letters, counts)}) with numeric codes "
                          f"({_examples(numeric, counts)}); say which standard the layer uses",
                          f"编码中既有 GB 50137 字母编码（{_examples(letters, counts)}），又有数字编码"
                          f"（{_examples(numeric, counts)}）；请指定该图层使用的分类标准")
    if not numeric:
        return None, {"en": f"no code fits a known standard: {_examples(unknown, counts)}",
                      "zh": f"没有编码属于已知的分类标准：{_examples(unknown, counts)}"}
    in21 = {c: _gbt21010(c) for c in numeric}
    inyd = {c: _ydyh2023(c) for c in numeric}
    only21 = [c for c in numeric if in21[c] is not None and inyd[c] is None]
    onlyyd = [c for c in numeric if inyd[c] is not None and in21[c] is None]
    differ = [c for c in numeric if in21[c] is not None and inyd[c] is not None and in21[c] != inyd[c]]
    vote21, voteyd = _name_votes(cleaned, name_s, differ, in21, inyd)
    names_say = names_say_zh = ""
    if vote21 or voteyd:
        names_say = f"; names agree with GB/T 21010 on {vote21} row(s) and with 用地用海 2023 on {voteyd}"
        names_say_zh = f"；地类名称与 GB/T 21010 相符 {vote21} 行，与用地用海 2023 相符 {voteyd} 行"
    if only21 and onlyyd:
        return None, said(f"codes conflict: {_examples(only21, counts)} exist only in GB/T 21010 but "
                          f"{_examples(onlyyd, counts)} only in 用地用海 2023{names_say}",
                          f"编码相互矛盾：{_examples(only21, counts)} 只见于 GB/T 21010，而 {_examples(onlyyd, counts)} "
                          f"只见于用地用海 2023{names_say_zh}")
    if only21 or onlyyd:
        std, marks, against = ("gbt21010", only21, voteyd) if only21 else ("ydyh2023", onlyyd, vote21)
        label = "GB/T 21010" if std == "gbt21010" else "用地用海 2023"
        if against:
            return None, said(f"codes {_examples(marks, counts)} exist only in {label}, but names disagree{names_say}",
                              f"编码 {_examples(marks, counts)} 只见于 {label}，但地类名称与之不符{names_say_zh}")
        return std, said(f"codes {_examples(marks, counts)} exist only in {label}{names_say}",
                         f"编码 {_examples(marks, counts)} 只见于 {label}{names_say_zh}")
    if vote21 and not voteyd:
        return "gbt21010", said(f"DLMC names match GB/T 21010 meanings of the codes{names_say}",
                                f"地类名称（DLMC）与编码在 GB/T 21010 中的含义相符{names_say_zh}")
    if voteyd and not vote21:
        return "ydyh2023", said(f"DLMC names match 用地用海 2023 meanings of the codes{names_say}",
                                f"地类名称（DLMC）与编码在用地用海 2023 中的含义相符{names_say_zh}")
    if vote21 and voteyd:
        return None, said(f"DLMC names contradict each other{names_say}", f"地类名称（DLMC）相互矛盾{names_say_zh}")
    if differ:
        c = differ[0]
        return None, said(f"codes such as {c} mean {_describe(c, 'gbt21010')} but {_describe(c, 'ydyh2023')}, and no "
                          f"names tell which; say which standard the layer uses (ambiguous: {_examples(differ, counts)})",
                          f"编码如 {c} {_describe_zh(c, 'gbt21010')}，{_describe_zh(c, 'ydyh2023')}，且没有地类名称可以判断；"
                          f"请指定该图层使用的分类标准（有歧义的编码：{_examples(differ, counts)}）")
    return "gbt21010", said(f"codes {_examples(numeric, counts)} give the same categories in GB/T 21010 and "
                            f"用地用海 2023; GB/T 21010 assumed, the categories do not depend on it",
                            f"编码 {_examples(numeric, counts)} 在 GB/T 21010 和用地用海 2023 中分类相同；"
                            f"按 GB/T 21010 处理，分类结果不受影响")
