"""Detect and name the coordinate reference system of incoming data.

Covers the systems Chinese bureau data arrives in: CGCS2000, Xian 1980, Beijing 1954 and
New Beijing, geographic or Gauss-Krüger (3-degree or 6-degree, with or without the zone
prefix on the easting), and the web-map datums GCJ-02 and BD-09 (a pseudo-CRS: CGCS2000
longitude/latitude with a `datum_shift` the reader undoes with spatial.gcj02). Every
detection says how it was made; coordinate-only detections are flagged as guesses, and
ambiguous cases are refused with a message naming the fix. Notes and refusals are written in
English and in Chinese (`note_zh`, `CRSError.message_zh`); `crs_name_zh` names a CRS in Chinese.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pyproj
from pyproj.exceptions import CRSError as _PyprojCRSError

from spatial.errors import InputError
from spatial.gcj02 import WEB_DATUMS, WEB_DATUMS_ZH

__all__ = ["CRSError", "CRSDetection", "detect_crs", "gk_epsg", "DATUMS", "web_datum", "web_datum_detection",
           "WEB_DATUM_ACCURACY", "crs_name_zh", "CRS_METHODS_ZH"]


class CRSError(InputError):
    """The CRS cannot be determined or contradicts the data; the message says how to fix it."""


@dataclass(frozen=True)
class CRSDetection:
    """A detected CRS, with how it was found and whether it is only a guess."""

    crs: pyproj.CRS
    epsg: int | None
    method: str
    note: str
    is_guess: bool = False
    # "gcj02" / "bd09": the coordinates are in that web datum and must be converted to `crs`
    # (CGCS2000 lon/lat) with spatial.gcj02 before use; None for an ordinary CRS.
    datum_shift: str | None = None
    note_zh: str = ""  # `note` in Chinese

    def note_in(self, lang: str = "zh") -> str:
        """The note in `lang` (Chinese for zh when there is one)."""
        return self.note_zh if lang == "zh" and self.note_zh else self.note

    def name(self, lang: str = "zh") -> str:
        """The CRS's name: Chinese for zh (`crs_name_zh`), pyproj's otherwise."""
        return crs_name_zh(self.crs, self.epsg) if lang == "zh" else self.crs.name


METHODS = ("user", "embedded", "prj_epsg", "prj_esri_name", "prj_parameters", "coordinate_guess", "column_name")
# How each METHOD decided the CRS, in Chinese (notes and problems in the zh app and CLI).
CRS_METHODS_ZH = {"user": "用户指定", "embedded": "文件内嵌坐标系", "prj_epsg": ".prj 中的 EPSG 代码",
                  "prj_esri_name": ".prj 中的 ESRI 坐标系名称", "prj_parameters": ".prj 中的投影参数",
                  "coordinate_guess": "根据坐标数值推测", "column_name": "坐标列名注明"}

# How close the GCJ-02 / BD-09 inverses land to the true position (measured in tests/test_datums.py).
WEB_DATUM_ACCURACY = "inverse < 1 m"
WEB_DATUM_ACCURACY_ZH = "反算误差小于 1 米"

# Spellings of the web datums (lower case, only a-z0-9 kept; Chinese names as written).
_WEB_DATUM_SPELLINGS = {
    "gcj02": "gcj02", "gcj": "gcj02", "gcj02ll": "gcj02", "mars": "gcj02", "amap": "gcj02", "autonavi": "gcj02",
    "bd09": "bd09", "bd09ll": "bd09", "baidu": "bd09",
}
_WEB_DATUM_CHINESE = {"高德": "gcj02", "火星": "gcj02", "国测局": "gcj02", "腾讯": "gcj02", "百度": "bd09"}


def web_datum(text: str) -> str | None:
    """"gcj02" / "bd09" when `text` names a web-map datum (GCJ-02, gcj02, gcj-02, BD09, 百度 …), else None."""
    raw = text.strip()
    for word, key in _WEB_DATUM_CHINESE.items():
        if raw.startswith(word):
            return key
    return _WEB_DATUM_SPELLINGS.get(re.sub(r"[^a-z0-9]", "", raw.lower()))


def web_datum_detection(key: str, method: str, how: str, how_zh: str = "") -> CRSDetection:
    """The pseudo-CRS of a web datum: CGCS2000 lon/lat (EPSG:4490) reached by undoing `key`'s offset."""
    label, size = WEB_DATUMS[key]
    label_zh, size_zh = WEB_DATUMS_ZH[key]
    note = (f"{how}: {label} (converted to CGCS2000, {WEB_DATUM_ACCURACY}); {label} is offset from "
            f"WGS 84/CGCS2000 by {size}; points outside China are not shifted")
    note_zh = (f"{how_zh or how}：{label_zh}（已转换为 CGCS2000，{WEB_DATUM_ACCURACY_ZH}）；{label} 与 WGS 84/CGCS2000 "
               f"相差 {size_zh}；中国境外的点不偏移")
    return CRSDetection(_epsg_crs(4490), 4490, method, note, datum_shift=key, note_zh=note_zh)

# Rough extent of China, for telling lon/lat coordinates apart from others (degrees).
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)
# Northings (m) of Gauss-Krüger coordinates inside China (about 2.7°N to 55°N).
CHINA_NORTHING = (3.0e5, 6.1e6)
# Easting (m) within one zone once any zone prefix is removed: ±3° of longitude at 18°N
# is about ±320 km around the false easting of 500 km.
LOCAL_EASTING = (1.6e5, 8.4e5)


@dataclass(frozen=True)
class _Datum:
    """EPSG numbering of one Chinese datum's geographic and Gauss-Krüger CRSs."""

    key: str
    label: str
    geographic: int
    zoned3: int  # EPSG = zoned3 + zone (zones 25-45)
    cm3: int  # EPSG = cm3 + (CM - 75) / 3 (CM 75E-135E)
    zoned6: int  # EPSG = zoned6 + zone (zones 13-23)
    cm6: int  # EPSG = cm6 + (CM - 75) / 6
    ellipsoid: tuple[float, float]  # (semi-major axis m, inverse flattening)
    overrides: dict[tuple[int, bool, int], int] = field(default_factory=dict)
    # (width, prefixed, zone-or-CM) -> EPSG where the numbering breaks its own pattern


_KRASSOWSKY = (6378245.0, 298.3)

DATUMS: dict[str, _Datum] = {
    d.key: d
    for d in (
        _Datum("cgcs2000", "CGCS2000", 4490, 4488, 4534, 4478, 4502, (6378137.0, 298.257222101)),
        _Datum("xian1980", "Xian 1980", 4610, 2324, 2370, 2314, 2338, (6378140.0, 298.257)),
        _Datum("beijing1954", "Beijing 1954", 4214, 2376, 2422, 21400, 21453, _KRASSOWSKY),
        _Datum(
            "newbeijing", "New Beijing", 4555, 4736, 4782, 4555, 4579, _KRASSOWSKY,
            overrides={
                **{(3, True, zone): 4627 + zone for zone in range(25, 30)},
                (3, False, 132): 4812,
                (3, False, 135): 4822,
            },
        ),
    )
}

# Chinese names of the datums, for notes and CRS names in the zh app.
DATUM_ZH = {"cgcs2000": "CGCS2000", "xian1980": "西安1980", "beijing1954": "北京1954", "newbeijing": "新北京1954"}

_DATUM_ALIASES = {
    "cgcs2000": "cgcs2000", "cgcs": "cgcs2000", "china2000": "cgcs2000", "2000": "cgcs2000",
    "xian1980": "xian1980", "xian80": "xian1980", "1980": "xian1980",
    "beijing1954": "beijing1954", "beijing54": "beijing1954", "1954": "beijing1954",
    "newbeijing": "newbeijing",
}

_ZONES = {3: range(25, 46), 6: range(13, 24)}


def _datum(name: str) -> _Datum:
    key = _DATUM_ALIASES.get(re.sub(r"[^a-z0-9]", "", name.lower()))
    if key is None:
        raise CRSError(f"unknown datum {name!r}; use one of {', '.join(DATUMS)}",
                       zh=f"未知的大地基准 {name!r}；可用：{'、'.join(DATUMS)}")
    return DATUMS[key]


def gk_epsg(zone_or_cm: int, *, datum: str = "cgcs2000", width: int = 3, prefixed: bool = True) -> int:
    """EPSG code of a Gauss-Krüger CRS from a zone number (≤ 60) or central meridian (°E, ≥ 70).

    `prefixed` selects the form whose false easting carries the zone (n·10⁶ + 500000) or the
    truncated form (500000, named by central meridian); e.g. gk_epsg(40) = 4528, gk_epsg(120,
    prefixed=False) = 4549.
    """
    if width not in _ZONES:
        raise CRSError(f"Gauss-Krüger zone width must be 3 or 6 degrees, got {width}",
                       zh=f"高斯-克吕格投影带宽只能是 3 度或 6 度，收到 {width}")
    d = _datum(datum)
    value = int(zone_or_cm)
    if value != zone_or_cm:
        raise CRSError(f"zone or central meridian must be a whole number, got {zone_or_cm}",
                       zh=f"带号或中央经线须为整数，收到 {zone_or_cm}")
    if value <= 60:
        zone = value
        cm = 3 * zone if width == 3 else 6 * zone - 3
    elif value >= 70:
        cm = value
        if (cm - 75) % width:
            raise CRSError(f"{cm}E is not a {width}-degree Gauss-Krüger central meridian",
                           zh=f"{cm}°E 不是 {width} 度带高斯-克吕格投影的中央经线")
        zone = cm // 3 if width == 3 else (cm + 3) // 6
    else:
        raise CRSError(f"{value} is neither a zone number nor a central meridian in China",
                       zh=f"{value} 既不是带号，也不是中国境内的中央经线")
    if zone not in _ZONES[width] or not 75 <= cm <= 135:
        raise CRSError(
            f"{width}-degree Gauss-Krüger zone {zone} (CM {cm}E) is outside China "
            f"(zones {_ZONES[width][0]}-{_ZONES[width][-1]}, CM 75E-135E)",
            zh=f"{width} 度带高斯-克吕格第 {zone} 带（中央经线 {cm}°E）不在中国境内"
               f"（带号 {_ZONES[width][0]}–{_ZONES[width][-1]}，中央经线 75°E–135°E）")
    if prefixed:
        return d.overrides.get((width, True, zone), (d.zoned3 if width == 3 else d.zoned6) + zone)
    base = d.cm3 if width == 3 else d.cm6
    return d.overrides.get((width, False, cm), base + (cm - 75) // width)


def detect_crs(
    *,
    wkt: str | None = None,
    bounds: tuple[float, float, float, float] | None = None,
    user_crs: str | int | pyproj.CRS | None = None,
    embedded: pyproj.CRS | None = None,
) -> CRSDetection:
    """Decide the CRS of a layer: user choice > embedded CRS > .prj text > guess from bounds.

    `bounds` (minx, miny, maxx, maxy) are also checked against whatever CRS is chosen; a
    definite contradiction (metres labelled as degrees, wrong zone prefix...) raises CRSError.
    """
    bounds = _clean_bounds(bounds)
    found: CRSDetection | None
    if user_crs is not None:
        found = _from_user(user_crs)
    else:
        found = _from_embedded(embedded) if embedded is not None else None
        if found is None and wkt is not None:
            found = _from_wkt(wkt)
        if found is None:
            if bounds is None:
                raise CRSError(
                    "no CRS information (no .prj, no embedded CRS) and no coordinates to guess "
                    "from; state the CRS, e.g. EPSG:4549 (CGCS2000 3-degree GK CM 120E)",
                    zh="没有坐标系信息（无 .prj 文件，数据内也未记录坐标系），也没有可用于推测的坐标；"
                       "请指定坐标系，如 EPSG:4549（CGCS2000 3度带高斯-克吕格，中央经线 120°E）")
            return _guess_from_bounds(bounds)
    if bounds is not None:
        _check_bounds(found, bounds)
    return found


# ----------------------------------------------------------------------------------------
# user / embedded / .prj


def _from_user(value: str | int | pyproj.CRS) -> CRSDetection:
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and (key := web_datum(text)) is not None:
        return web_datum_detection(key, "user", f"given by the user ({text})", f"用户指定（{text}）")
    if isinstance(text, str) and text.isdigit():
        text = f"EPSG:{text}"
    by_name = _epsg_from_esri_name(text) if isinstance(text, str) else None
    if by_name is not None:  # e.g. --crs CGCS2000_3_Degree_GK_CM_120E
        text = f"EPSG:{by_name[0]}"
    try:
        crs = pyproj.CRS.from_user_input(text)
    except (_PyprojCRSError, TypeError, ValueError) as exc:
        raise CRSError(
            f"cannot read the CRS given: {value!r} ({exc}); "
            "use an EPSG code such as EPSG:4549, or GCJ-02 / BD-09 for web-map (高德/百度) coordinates",
            zh=f"无法识别指定的坐标系 {value!r}（{exc}）；请填写 EPSG 代码，如 EPSG:4549；"
               "网络地图（高德/百度）坐标请填 GCJ-02 或 BD-09",
        ) from None
    epsg = crs.to_epsg()
    return CRSDetection(crs, epsg, "user", f"given by the user: {_describe(crs, epsg)}",
                        note_zh=f"用户指定：{_describe_zh(crs, epsg)}")


def _from_embedded(crs: pyproj.CRS) -> CRSDetection | None:
    crs = pyproj.CRS.from_user_input(crs)
    found = _identify(crs, crs.to_wkt() or "")
    if found is None:
        return None
    result, how, how_zh = found
    return CRSDetection(result.crs, result.epsg, "embedded", f"CRS stored in the data: {how}",
                        note_zh=f"数据内记录的坐标系：{how_zh}")


def _from_wkt(text: str) -> CRSDetection:
    raw = text.lstrip("\ufeff").strip()
    if not raw:
        raise CRSError("the .prj file is empty; state the CRS, e.g. EPSG:4549",
                       zh=".prj 文件为空；请指定坐标系，如 EPSG:4549")
    try:
        parsed: pyproj.CRS | None = pyproj.CRS.from_wkt(raw)
    except _PyprojCRSError:
        parsed = None
    found = _identify(parsed, raw)
    if found is None:
        shown = raw if len(raw) <= 200 else raw[:200] + "…"
        problem = "cannot be parsed" if parsed is None else "describes no usable coordinate system"
        problem_zh = "无法解析" if parsed is None else "描述的不是可用的坐标系"
        raise CRSError(
            f"the .prj text {problem}: {shown!r}; state the CRS, e.g. EPSG:4549 "
            "(CGCS2000 3-degree GK CM 120E) or EPSG:4490 (CGCS2000 longitude/latitude)",
            zh=f".prj 文件内容{problem_zh}：{shown!r}；请指定坐标系，如 EPSG:4549（CGCS2000 3度带高斯-克吕格，"
               "中央经线 120°E）或 EPSG:4490（CGCS2000 经纬度）",
        )
    result, how, how_zh = found
    return CRSDetection(result.crs, result.epsg, result.method, f".prj: {how}", note_zh=f".prj 文件：{how_zh}")


@dataclass(frozen=True)
class _Found:
    crs: pyproj.CRS
    epsg: int | None
    method: str


def _identify(parsed: pyproj.CRS | None, raw: str) -> tuple[_Found, str, str] | None:
    """Name a CRS from its WKT: explicit EPSG id, ESRI name, parameters, then pyproj match.
    Returns (what was found, how in English, how in Chinese)."""
    if parsed is not None:
        ident = parsed.to_json_dict().get("id") or {}
        if str(ident.get("authority", "")).upper() == "EPSG":
            code = int(ident["code"])
            return (_Found(_epsg_crs(code), code, "prj_epsg"), f"EPSG:{code} recorded in the definition ({parsed.name})",
                    f"定义中记录的 EPSG:{code}（{crs_name_zh(_epsg_crs(code), code)}）")

    name = _top_name(raw) or (parsed.name if parsed is not None else "")
    by_name = _epsg_from_esri_name(name)
    if by_name is not None:
        code, reading, reading_zh = by_name
        if parsed is not None:
            by_params = _epsg_from_parameters(parsed)
            if by_params is not None and by_params[0] is not None and not _same_crs(by_params[0], code):
                raise CRSError(
                    f"the .prj name {name!r} means EPSG:{code} but its parameters mean "
                    f"EPSG:{by_params[0]} ({by_params[1]}); state the CRS to say which is right",
                    zh=f".prj 中的名称 {name!r} 对应 EPSG:{code}，但其投影参数对应 EPSG:{by_params[0]}"
                       f"（{by_params[2]}）；请指定坐标系，说明哪个正确",
                )
        return (_Found(_epsg_crs(code), code, "prj_esri_name"), f"ESRI name {name!r} read as {reading} → EPSG:{code}",
                f"ESRI 坐标系名称 {name!r} 识别为 {reading_zh} → EPSG:{code}")

    if parsed is None:
        return None
    by_params = _epsg_from_parameters(parsed)
    if by_params is not None:
        param_code, reading, reading_zh = by_params
        if param_code is not None:
            return (_Found(_epsg_crs(param_code), param_code, "prj_parameters"),
                    f"no EPSG code in the text; derived from its parameters: {reading} → EPSG:{param_code}",
                    f"定义中无 EPSG 代码，按投影参数推得：{reading_zh} → EPSG:{param_code}")

    matched = parsed.to_epsg(min_confidence=90)
    if matched is not None:
        return (_Found(_epsg_crs(matched), matched, "prj_epsg"), f"matched by pyproj to EPSG:{matched} ({parsed.name})",
                f"由 pyproj 匹配为 EPSG:{matched}（{crs_name_zh(_epsg_crs(matched), matched)}）")

    if _usable(parsed):
        reading = by_params[1] if by_params is not None else parsed.name
        reading_zh = by_params[2] if by_params is not None else parsed.name
        return (_Found(parsed, None, "prj_parameters"), f"no EPSG equivalent; using the definition as written: {reading}",
                f"无对应的 EPSG 代码，按定义原样使用：{reading_zh}")
    return None


def _epsg_crs(code: int) -> pyproj.CRS:
    return pyproj.CRS.from_epsg(code)


def _same_crs(a: int, b: int) -> bool:
    return a == b or pyproj.CRS.from_epsg(a).equals(pyproj.CRS.from_epsg(b), ignore_axis_order=True)


def _usable(crs: pyproj.CRS) -> bool:
    """A CRS we can compute with: geographic, or projected in metres."""
    if crs.is_geographic:
        return True
    if crs.is_projected:
        units = {a.unit_name.lower() for a in crs.axis_info}
        return units <= {"metre", "meter", "m"}
    return False


_TOP_NAME = re.compile(r'^\s*(?:PROJCS|GEOGCS|PROJCRS|GEOGCRS|GEODCRS|BASEGEOGCRS)\s*\[\s*"([^"]*)"', re.I)
_ESRI_GK = re.compile(
    r"^(?P<datum>CGCS_?2000|Xian_?1980|Beijing_?1954|New_Beijing)_(?P<three>3_Degree_)?"
    r"(?:GK|Gauss_Kruger)_(?:Zone_(?P<zone>\d{1,2})|CM_(?P<cm>\d{2,3})E)$",
    re.I,
)
_ESRI_GEOGRAPHIC = {
    "gcs_china_geodetic_coordinate_system_2000": 4490,
    "gcs_cgcs2000": 4490,
    "gcs_cgcs_2000": 4490,
    "gcs_xian_1980": 4610,
    "gcs_beijing_1954": 4214,
    "gcs_new_beijing": 4555,
    "gcs_wgs_1984": 4326,
}


def _top_name(raw: str) -> str:
    m = _TOP_NAME.match(raw)
    if m:
        return m.group(1)
    return raw if re.fullmatch(r"[A-Za-z0-9_]+", raw) else ""


def _epsg_from_esri_name(name: str) -> tuple[int, str, str] | None:
    """(EPSG, reading in English, reading in Chinese) of an ESRI CRS name, or None."""
    key = name.strip()
    if key.lower() in _ESRI_GEOGRAPHIC:
        code = _ESRI_GEOGRAPHIC[key.lower()]
        return code, "geographic longitude/latitude", "地理坐标（经纬度）"
    m = _ESRI_GK.match(key)
    if m is None:
        return None
    datum = _datum(m.group("datum"))
    width = 3 if m.group("three") else 6
    if m.group("zone"):
        value, prefixed, text = int(m.group("zone")), True, f"zone {m.group('zone')}"
        text_zh = f"第 {m.group('zone')} 带"
    else:
        value, prefixed, text = int(m.group("cm")), False, f"CM {m.group('cm')}E"
        text_zh = f"中央经线 {m.group('cm')}°E"
    try:
        code = gk_epsg(value, datum=datum.key, width=width, prefixed=prefixed)
    except CRSError as exc:
        raise CRSError(f"the .prj name {name!r} is not a valid Gauss-Krüger system: {exc}",
                       zh=f".prj 中的名称 {name!r} 不是有效的高斯-克吕格坐标系：{exc.message_zh or exc}") from None
    return code, f"{datum.label} {width}-degree Gauss-Krüger {text}", f"{DATUM_ZH[datum.key]} {width}度带高斯-克吕格 {text_zh}"


def _datum_of(crs: pyproj.CRS) -> _Datum | None:
    """Recognise a Chinese datum by its ellipsoid (and, for Krassowsky, the datum name)."""
    ell = crs.ellipsoid
    if ell is None:
        return None
    a, rf = ell.semi_major_metre, ell.inverse_flattening
    datum_name = re.sub(r"[^a-z0-9]", "", (crs.datum.name if crs.datum else "").lower())
    for d in DATUMS.values():
        if abs(a - d.ellipsoid[0]) < 0.01 and abs(rf - d.ellipsoid[1]) < 1e-6:
            if d.ellipsoid == _KRASSOWSKY:
                if "pulkovo" in datum_name:
                    return None
                return DATUMS["newbeijing" if "newbeijing" in datum_name else "beijing1954"]
            return d
    return None


_WGS84_ELLIPSOID = (6378137.0, 298.257223563)


def _tm_parameters(crs: pyproj.CRS) -> dict[str, float] | None:
    """Central meridian, false easting etc. of a Transverse Mercator projected CRS, else None."""
    if not crs.is_projected or crs.coordinate_operation is None:
        return None
    op = crs.coordinate_operation
    if "transverse mercator" not in op.method_name.lower() and "gauss" not in op.method_name.lower():
        return None
    codes = {"8801": "lat0", "8802": "cm", "8805": "k", "8806": "fe", "8807": "fn"}
    values = {codes[p.code]: float(p.value) for p in op.params if p.code in codes}
    return values if {"cm", "fe"} <= values.keys() else None


def _epsg_from_parameters(crs: pyproj.CRS) -> tuple[int | None, str, str] | None:
    """(EPSG, explanation, explanation in Chinese) derived from datum, central meridian and false easting."""
    d = _datum_of(crs)
    if crs.is_geographic:
        ell = crs.ellipsoid
        if d is not None:
            return d.geographic, f"{d.label} longitude/latitude (by its ellipsoid)", f"{DATUM_ZH[d.key]} 经纬度（按椭球判断）"
        if ell is not None and abs(ell.semi_major_metre - _WGS84_ELLIPSOID[0]) < 0.01 and abs(
            ell.inverse_flattening - _WGS84_ELLIPSOID[1]
        ) < 1e-6:
            return 4326, "WGS 84 longitude/latitude (by its ellipsoid)", "WGS 84 经纬度（按椭球判断）"
        return None
    tm = _tm_parameters(crs)
    if tm is None:
        return None
    cm, fe = tm["cm"], tm["fe"]
    label = d.label if d is not None else f"ellipsoid {crs.ellipsoid.name if crs.ellipsoid else '?'}"
    label_zh = DATUM_ZH[d.key] if d is not None else f"椭球 {crs.ellipsoid.name if crs.ellipsoid else '?'}"
    reading = f"Transverse Mercator on {label}, central meridian {cm:g}E, false easting {fe:.0f}"
    reading_zh = f"{label_zh} 横轴墨卡托投影，中央经线 {cm:g}°E，东伪偏移 {fe:.0f}"
    standard = (
        abs(tm.get("lat0", 0.0)) < 1e-9 and abs(tm.get("k", 1.0) - 1.0) < 1e-12 and abs(tm.get("fn", 0.0)) < 1e-6
    )
    if d is None or not standard or cm != round(cm):
        return None, reading, reading_zh
    cm_int = int(round(cm))
    zone_part, rest = divmod(fe, 1e6)
    if abs(fe - 500000.0) < 1e-6:
        if (cm_int - 75) % 3 == 0 and 75 <= cm_int <= 135:
            return (gk_epsg(cm_int, datum=d.key, width=3, prefixed=False),
                    f"{reading} (500000: no zone prefix, CM {cm_int}E)",
                    f"{reading_zh}（500000：无带号前缀，中央经线 {cm_int}°E）")
        return None, reading, reading_zh
    if abs(rest - 500000.0) < 1e-6:
        zone = int(zone_part)
        for width in (3, 6):
            expected_cm = 3 * zone if width == 3 else 6 * zone - 3
            if zone in _ZONES[width] and expected_cm == cm_int:
                return (
                    gk_epsg(zone, datum=d.key, width=width, prefixed=True),
                    f"{reading} (zone {zone} from false easting {fe:.0f}, {width}-degree)",
                    f"{reading_zh}（由东伪偏移 {fe:.0f} 得第 {zone} 带，{width} 度带）",
                )
    return None, reading, reading_zh


def _describe(crs: pyproj.CRS, epsg: int | None) -> str:
    return f"EPSG:{epsg} ({crs.name})" if epsg is not None else crs.name


def _describe_zh(crs: pyproj.CRS, epsg: int | None) -> str:
    return f"EPSG:{epsg}（{crs_name_zh(crs, epsg)}）" if epsg is not None else crs_name_zh(crs, epsg)


_NAMES_ZH: dict[int, str] = {}


def _gk_names_zh() -> dict[int, str]:
    """EPSG code → Chinese name of every geographic and Gauss-Krüger CRS of the Chinese datums (built once)."""
    if _NAMES_ZH:
        return _NAMES_ZH
    names = {4326: "WGS 84 经纬度"}
    for d in DATUMS.values():
        label = DATUM_ZH[d.key]
        names[d.geographic] = f"{label} 经纬度"
        for width, zones in _ZONES.items():
            for zone in zones:
                cm = 3 * zone if width == 3 else 6 * zone - 3
                if not 75 <= cm <= 135:
                    continue
                names.setdefault(gk_epsg(zone, datum=d.key, width=width, prefixed=True),
                                 f"{label} {width}度带高斯-克吕格投影 第{zone}带（带号前缀）")
                names.setdefault(gk_epsg(cm, datum=d.key, width=width, prefixed=False),
                                 f"{label} {width}度带高斯-克吕格投影 中央经线{cm}°E")
    _NAMES_ZH.update(names)
    return _NAMES_ZH


def crs_name_zh(crs: pyproj.CRS, epsg: int | None = None) -> str:
    """The CRS's name in Chinese for the Chinese datums' geographic and Gauss-Krüger systems and WGS 84,
    e.g. EPSG:4549 → "CGCS2000 3度带高斯-克吕格投影 中央经线120°E"; pyproj's name for any other."""
    code = epsg if epsg is not None else crs.to_epsg()
    if code is not None:
        try:
            name = _gk_names_zh().get(int(code))
        except CRSError:
            name = None
        if name:
            return name
    return crs.name


# ----------------------------------------------------------------------------------------
# bounds: guess and consistency


def _clean_bounds(bounds: tuple[float, float, float, float] | None) -> tuple[float, float, float, float] | None:
    if bounds is None:
        return None
    values = tuple(float(v) for v in bounds)
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        return None
    return values


def _in(lo: float, hi: float, rng: tuple[float, float]) -> bool:
    return rng[0] <= lo and hi <= rng[1]


def _datum_caveat(alternatives: str) -> str:
    return (
        "This is a guess from coordinates: CGCS2000 cannot be told apart from Xian 1980 or "
        f"Beijing 1954 by coordinates alone (they differ by tens of metres); {alternatives}"
    )


def _datum_caveat_zh(alternatives: str) -> str:
    return f"此为根据坐标数值的推测：仅凭坐标无法区分 CGCS2000 与西安1980、北京1954（相差数十米）；{alternatives}"


def _web_datum_caveat() -> str:
    gcj, bd = WEB_DATUMS["gcj02"], WEB_DATUMS["bd09"]
    return (
        f"Coordinates taken from web maps are not CGCS2000 either: {gcj[0]} (AMap/高德, Tencent, Aliyun "
        f"DataV) is offset by {gcj[1]}, {bd[0]} (Baidu/百度) by {bd[1]}; state the CRS as GCJ-02 or BD-09 "
        "if the data comes from such a source."
    )


def _web_datum_caveat_zh() -> str:
    gcj, bd = WEB_DATUMS_ZH["gcj02"], WEB_DATUMS_ZH["bd09"]
    return (f"取自网络地图的坐标也不是 CGCS2000：GCJ-02（高德、腾讯、阿里云 DataV）偏移 {gcj[1]}，"
            f"BD-09（百度）偏移 {bd[1]}；数据若来自这类来源，请将坐标系指定为 GCJ-02 或 BD-09。")


def _guess_from_bounds(bounds: tuple[float, float, float, float]) -> CRSDetection:
    minx, miny, maxx, maxy = bounds
    span = f"x {minx:.6g}…{maxx:.6g}, y {miny:.6g}…{maxy:.6g}"
    if _in(minx, maxx, CHINA_LAT) and _in(miny, maxy, CHINA_LON) and maxy > 90:
        raise CRSError(
            f"coordinates ({span}) look like latitude/longitude with the axes swapped "
            "(x holds latitude, y longitude); swap the columns so x is longitude, or state the CRS",
            zh=f"坐标（{span}）像是经纬度颠倒（x 为纬度、y 为经度）；请交换两列使 x 为经度，或指定坐标系",
        )
    if -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90:
        if _in(minx, maxx, CHINA_LON) and _in(miny, maxy, CHINA_LAT):
            note = (
                f"guessed CGCS2000 longitude/latitude (EPSG:4490) from coordinates in degrees "
                f"inside China ({span}). "
                + _datum_caveat("state the CRS as EPSG:4610 for Xian 1980 or EPSG:4214 for Beijing 1954 "
                                "(WGS 84 and CGCS2000 differ by under a metre).")
                + " " + _web_datum_caveat()
            )
            note_zh = (
                f"坐标为中国境内的经纬度（{span}），推测为 CGCS2000 经纬度（EPSG:4490）。"
                + _datum_caveat_zh("西安1980 请指定 EPSG:4610，北京1954 请指定 EPSG:4214"
                                   "（WGS 84 与 CGCS2000 相差不到 1 米）。")
                + _web_datum_caveat_zh()
            )
            return CRSDetection(_epsg_crs(4490), 4490, "coordinate_guess", note, True, note_zh=note_zh)
        raise CRSError(
            f"coordinates ({span}) look like longitude/latitude but lie outside China; "
            "state the CRS, e.g. EPSG:4490",
            zh=f"坐标（{span}）像是经纬度，但位于中国境外；请指定坐标系，如 EPSG:4490",
        )
    for width, rng in ((3, (2.5e7, 4.6e7)), (6, (1.3e7, 2.4e7))):
        if _in(miny, maxy, rng) and _in(minx, maxx, CHINA_NORTHING):
            zone = int(miny // 1e6)
            raise CRSError(
                f"coordinates ({span}): x looks like a northing and y like a zone-prefixed "
                f"easting (zone {zone}): the axes are swapped (Chinese survey convention writes "
                "X = northing). Swap the X/Y columns so x is the easting, then retry",
                zh=f"坐标（{span}）：x 像是北坐标，y 像是带号前缀的东坐标（第 {zone} 带），即 X/Y 颠倒"
                   "（测量坐标系中 X 为北坐标）。请交换 X/Y 两列使 x 为东坐标后重试",
            )
        if _in(minx, maxx, rng) and _in(miny, maxy, CHINA_NORTHING):
            zone = int(minx // 1e6)
            if int(maxx // 1e6) != zone:
                raise CRSError(
                    f"coordinates ({span}) carry different zone prefixes ({zone} and "
                    f"{int(maxx // 1e6)}); one layer must use one Gauss-Krüger zone",
                    zh=f"坐标（{span}）的带号前缀不一致（{zone} 和 {int(maxx // 1e6)}）；一个图层只能使用一个高斯-克吕格投影带",
                )
            local = (minx - zone * 1e6, maxx - zone * 1e6)
            if zone in _ZONES[width] and _in(*local, LOCAL_EASTING):
                code = gk_epsg(zone, width=width)
                xian, beijing = gk_epsg(zone, datum='xian1980', width=width), gk_epsg(zone, datum='beijing1954', width=width)
                alternatives = f"state the CRS as EPSG:{xian} for Xian 1980 or EPSG:{beijing} for Beijing 1954."
                note = (
                    f"guessed CGCS2000 {width}-degree Gauss-Krüger zone {zone} (EPSG:{code}) from "
                    f"the zone prefix of easting {minx:.0f} ({span}). " + _datum_caveat(alternatives)
                )
                note_zh = (
                    f"根据东坐标 {minx:.0f} 的带号前缀（{span}），推测为 CGCS2000 {width}度带高斯-克吕格 第 {zone} 带"
                    f"（EPSG:{code}）。" + _datum_caveat_zh(f"西安1980 请指定 EPSG:{xian}，北京1954 请指定 EPSG:{beijing}。")
                )
                return CRSDetection(_epsg_crs(code), code, "coordinate_guess", note, True, note_zh=note_zh)
    if _in(miny, maxy, LOCAL_EASTING) and _in(minx, maxx, (LOCAL_EASTING[1], CHINA_NORTHING[1])):
        raise CRSError(
            f"coordinates ({span}): x looks like a northing and y like an easting: the axes are "
            "swapped (Chinese survey convention writes X = northing). Swap the X/Y columns, then "
            "state the CRS with its central meridian, e.g. EPSG:4549 for CM 120E",
            zh=f"坐标（{span}）：x 像是北坐标，y 像是东坐标，即 X/Y 颠倒（测量坐标系中 X 为北坐标）。"
               "请交换 X/Y 两列，并指定含中央经线的坐标系，如中央经线 120°E 为 EPSG:4549",
        )
    if _in(minx, maxx, LOCAL_EASTING) and _in(miny, maxy, CHINA_NORTHING):
        raise CRSError(
            f"coordinates ({span}) are Gauss-Krüger without zone prefix: the central meridian "
            "cannot be known from them; state the CRS as EPSG:4534..4554, e.g. EPSG:4549 for CM 120E "
            "(CGCS2000 3-degree GK CM nE = EPSG 4534 + (n - 75) / 3)",
            zh=f"坐标（{span}）为不带带号前缀的高斯-克吕格坐标，无法据此确定中央经线；请指定坐标系 EPSG:4534…4554，"
               "如中央经线 120°E 为 EPSG:4549（CGCS2000 3度带中央经线 n°E 对应 EPSG 4534 + (n − 75) / 3）",
        )
    raise CRSError(
        f"cannot tell the CRS from coordinates ({span}): neither longitude/latitude in China nor "
        "Gauss-Krüger metres; state the CRS, e.g. EPSG:4549",
        zh=f"无法根据坐标（{span}）判断坐标系：既不是中国境内的经纬度，也不是高斯-克吕格米制坐标；请指定坐标系，如 EPSG:4549",
    )


def _check_bounds(found: CRSDetection, bounds: tuple[float, float, float, float]) -> None:
    """Refuse a CRS that the coordinates definitely contradict."""
    minx, miny, maxx, maxy = bounds
    crs = found.crs
    span = f"x {minx:.6g}…{maxx:.6g}, y {miny:.6g}…{maxy:.6g}"
    where = f"{found.method} CRS {_describe(crs, found.epsg)}"
    where_zh = f"{_METHOD_ZH.get(found.method, found.method)}的坐标系 {_describe_zh(crs, found.epsg)}"
    if crs.is_geographic:
        if not (-180 <= minx and maxx <= 360 and -90 <= miny and maxy <= 90):
            hint, hint_zh = _suggestion(bounds)
            raise CRSError(
                f"the {where} is longitude/latitude but the coordinates ({span}) are not degrees{hint}",
                zh=f"{where_zh}为经纬度，但坐标（{span}）不是度数{hint_zh}",
            )
        return
    if -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90:
        hint, hint_zh = _suggestion(bounds)
        raise CRSError(
            f"the {where} is in metres but the coordinates ({span}) look like degrees{hint}",
            zh=f"{where_zh}以米为单位，但坐标（{span}）像是度数{hint_zh}",
        )
    tm = _tm_parameters(crs)
    if tm is None:
        return
    zone_part, rest = divmod(tm["fe"], 1e6)
    if abs(rest - 500000.0) < 1e-6 and zone_part >= 1:
        zone = int(zone_part)
        if not (int(minx // 1e6) == zone == int(maxx // 1e6)):
            hint, hint_zh = _suggestion(bounds)
            raise CRSError(
                f"the {where} expects eastings with zone prefix {zone} ({zone}xxxxxx m) but the "
                f"coordinates are {span}{hint}",
                zh=f"{where_zh}要求东坐标带有带号前缀 {zone}（{zone}xxxxxx 米），但坐标为 {span}{hint_zh}",
            )
    elif abs(tm["fe"] - 500000.0) < 1e-6 and maxx >= 1e7:
        hint, hint_zh = _suggestion(bounds)
        raise CRSError(
            f"the {where} has no zone prefix but the eastings ({minx:.0f}…{maxx:.0f}) carry one "
            f"(zone {int(minx // 1e6)}){hint}",
            zh=f"{where_zh}不带带号前缀，但东坐标（{minx:.0f}…{maxx:.0f}）带有带号（第 {int(minx // 1e6)} 带）{hint_zh}",
        )


# How a CRS was decided (CRSDetection.method), in Chinese, for messages.
_METHOD_ZH = {"user": "用户指定", "embedded": "数据内记录", "prj_epsg": ".prj 中", "prj_esri_name": ".prj 中",
              "prj_parameters": ".prj 中", "coordinate_guess": "推测", "column_name": "坐标列名注明"}


def _suggestion(bounds: tuple[float, float, float, float]) -> tuple[str, str]:
    """What the coordinates look like instead, in English and in Chinese (a tail for a refusal)."""
    try:
        guess = _guess_from_bounds(bounds)
    except CRSError as exc:
        return f"; {exc}", f"；{exc.message_zh or exc}"
    return (f"; they look like EPSG:{guess.epsg} ({guess.crs.name}): state the CRS as EPSG:{guess.epsg} if that is right",
            f"；坐标像是 EPSG:{guess.epsg}（{crs_name_zh(guess.crs, guess.epsg)}）：如确是，请指定坐标系 EPSG:{guess.epsg}")
