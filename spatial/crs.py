"""Detect and name the coordinate reference system of incoming data.

Covers the systems Chinese bureau data arrives in: CGCS2000, Xian 1980, Beijing 1954 and
New Beijing, geographic or Gauss-Krüger (3-degree or 6-degree, with or without the zone
prefix on the easting), and the web-map datums GCJ-02 and BD-09 (a pseudo-CRS: CGCS2000
longitude/latitude with a `datum_shift` the reader undoes with spatial.gcj02). Every
detection says how it was made; coordinate-only detections are flagged as guesses, and
ambiguous cases are refused with a message naming the fix.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pyproj
from pyproj.exceptions import CRSError as _PyprojCRSError

from spatial.errors import InputError
from spatial.gcj02 import WEB_DATUMS

__all__ = ["CRSError", "CRSDetection", "detect_crs", "gk_epsg", "DATUMS", "web_datum", "web_datum_detection",
           "WEB_DATUM_ACCURACY"]


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


METHODS = ("user", "embedded", "prj_epsg", "prj_esri_name", "prj_parameters", "coordinate_guess", "column_name")

# How close the GCJ-02 / BD-09 inverses land to the true position (measured in tests/test_datums.py).
WEB_DATUM_ACCURACY = "inverse < 1 m"

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


def web_datum_detection(key: str, method: str, how: str) -> CRSDetection:
    """The pseudo-CRS of a web datum: CGCS2000 lon/lat (EPSG:4490) reached by undoing `key`'s offset."""
    label, size = WEB_DATUMS[key]
    note = (f"{how}: {label} (converted to CGCS2000, {WEB_DATUM_ACCURACY}); {label} is offset from "
            f"WGS 84/CGCS2000 by {size}; points outside China are not shifted")
    return CRSDetection(_epsg_crs(4490), 4490, method, note, datum_shift=key)

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
        raise CRSError(f"unknown datum {name!r}; use one of {', '.join(DATUMS)}")
    return DATUMS[key]


def gk_epsg(zone_or_cm: int, *, datum: str = "cgcs2000", width: int = 3, prefixed: bool = True) -> int:
    """EPSG code of a Gauss-Krüger CRS from a zone number (≤ 60) or central meridian (°E, ≥ 70).

    `prefixed` selects the form whose false easting carries the zone (n·10⁶ + 500000) or the
    truncated form (500000, named by central meridian); e.g. gk_epsg(40) = 4528, gk_epsg(120,
    prefixed=False) = 4549.
    """
    if width not in _ZONES:
        raise CRSError(f"Gauss-Krüger zone width must be 3 or 6 degrees, got {width}")
    d = _datum(datum)
    value = int(zone_or_cm)
    if value != zone_or_cm:
        raise CRSError(f"zone or central meridian must be a whole number, got {zone_or_cm}")
    if value <= 60:
        zone = value
        cm = 3 * zone if width == 3 else 6 * zone - 3
    elif value >= 70:
        cm = value
        if (cm - 75) % width:
            raise CRSError(f"{cm}E is not a {width}-degree Gauss-Krüger central meridian")
        zone = cm // 3 if width == 3 else (cm + 3) // 6
    else:
        raise CRSError(f"{value} is neither a zone number nor a central meridian in China")
    if zone not in _ZONES[width] or not 75 <= cm <= 135:
        raise CRSError(
            f"{width}-degree Gauss-Krüger zone {zone} (CM {cm}E) is outside China "
            f"(zones {_ZONES[width][0]}-{_ZONES[width][-1]}, CM 75E-135E)"
        )
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
                    "from; state the CRS, e.g. EPSG:4549 (CGCS2000 3-degree GK CM 120E)"
                )
            return _guess_from_bounds(bounds)
    if bounds is not None:
        _check_bounds(found, bounds)
    return found


# ----------------------------------------------------------------------------------------
# user / embedded / .prj


def _from_user(value: str | int | pyproj.CRS) -> CRSDetection:
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and (key := web_datum(text)) is not None:
        return web_datum_detection(key, "user", f"given by the user ({text})")
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
            "use an EPSG code such as EPSG:4549, or GCJ-02 / BD-09 for web-map (高德/百度) coordinates"
        ) from None
    epsg = crs.to_epsg()
    return CRSDetection(crs, epsg, "user", f"given by the user: {_describe(crs, epsg)}")


def _from_embedded(crs: pyproj.CRS) -> CRSDetection | None:
    crs = pyproj.CRS.from_user_input(crs)
    found = _identify(crs, crs.to_wkt() or "")
    if found is None:
        return None
    result, how = found
    return CRSDetection(result.crs, result.epsg, "embedded", f"CRS stored in the data: {how}")


def _from_wkt(text: str) -> CRSDetection:
    raw = text.lstrip("\ufeff").strip()
    if not raw:
        raise CRSError("the .prj file is empty; state the CRS, e.g. EPSG:4549")
    try:
        parsed: pyproj.CRS | None = pyproj.CRS.from_wkt(raw)
    except _PyprojCRSError:
        parsed = None
    found = _identify(parsed, raw)
    if found is None:
        shown = raw if len(raw) <= 200 else raw[:200] + "…"
        problem = "cannot be parsed" if parsed is None else "describes no usable coordinate system"
        raise CRSError(
            f"the .prj text {problem}: {shown!r}; state the CRS, e.g. EPSG:4549 "
            "(CGCS2000 3-degree GK CM 120E) or EPSG:4490 (CGCS2000 longitude/latitude)"
        )
    result, how = found
    return CRSDetection(result.crs, result.epsg, result.method, f".prj: {how}")


@dataclass(frozen=True)
class _Found:
    crs: pyproj.CRS
    epsg: int | None
    method: str


def _identify(parsed: pyproj.CRS | None, raw: str) -> tuple[_Found, str] | None:
    """Name a CRS from its WKT: explicit EPSG id, ESRI name, parameters, then pyproj match."""
    if parsed is not None:
        ident = parsed.to_json_dict().get("id") or {}
        if str(ident.get("authority", "")).upper() == "EPSG":
            code = int(ident["code"])
            return _Found(_epsg_crs(code), code, "prj_epsg"), f"EPSG:{code} recorded in the definition ({parsed.name})"

    name = _top_name(raw) or (parsed.name if parsed is not None else "")
    by_name = _epsg_from_esri_name(name)
    if by_name is not None:
        code, reading = by_name
        if parsed is not None:
            by_params = _epsg_from_parameters(parsed)
            if by_params is not None and by_params[0] is not None and not _same_crs(by_params[0], code):
                raise CRSError(
                    f"the .prj name {name!r} means EPSG:{code} but its parameters mean "
                    f"EPSG:{by_params[0]} ({by_params[1]}); state the CRS to say which is right"
                )
        return _Found(_epsg_crs(code), code, "prj_esri_name"), f"ESRI name {name!r} read as {reading} → EPSG:{code}"

    if parsed is None:
        return None
    by_params = _epsg_from_parameters(parsed)
    if by_params is not None:
        param_code, reading = by_params
        if param_code is not None:
            return (_Found(_epsg_crs(param_code), param_code, "prj_parameters"),
                    f"no EPSG code in the text; derived from its parameters: {reading} → EPSG:{param_code}")

    matched = parsed.to_epsg(min_confidence=90)
    if matched is not None:
        return _Found(_epsg_crs(matched), matched, "prj_epsg"), f"matched by pyproj to EPSG:{matched} ({parsed.name})"

    if _usable(parsed):
        reading = by_params[1] if by_params is not None else parsed.name
        return _Found(parsed, None, "prj_parameters"), f"no EPSG equivalent; using the definition as written: {reading}"
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


def _epsg_from_esri_name(name: str) -> tuple[int, str] | None:
    key = name.strip()
    if key.lower() in _ESRI_GEOGRAPHIC:
        code = _ESRI_GEOGRAPHIC[key.lower()]
        return code, "geographic longitude/latitude"
    m = _ESRI_GK.match(key)
    if m is None:
        return None
    datum = _datum(m.group("datum"))
    width = 3 if m.group("three") else 6
    if m.group("zone"):
        value, prefixed, text = int(m.group("zone")), True, f"zone {m.group('zone')}"
    else:
        value, prefixed, text = int(m.group("cm")), False, f"CM {m.group('cm')}E"
    try:
        code = gk_epsg(value, datum=datum.key, width=width, prefixed=prefixed)
    except CRSError as exc:
        raise CRSError(f"the .prj name {name!r} is not a valid Gauss-Krüger system: {exc}") from None
    return code, f"{datum.label} {width}-degree Gauss-Krüger {text}"


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


def _epsg_from_parameters(crs: pyproj.CRS) -> tuple[int | None, str] | None:
    """(EPSG, explanation) derived from datum, central meridian and false easting."""
    d = _datum_of(crs)
    if crs.is_geographic:
        ell = crs.ellipsoid
        if d is not None:
            return d.geographic, f"{d.label} longitude/latitude (by its ellipsoid)"
        if ell is not None and abs(ell.semi_major_metre - _WGS84_ELLIPSOID[0]) < 0.01 and abs(
            ell.inverse_flattening - _WGS84_ELLIPSOID[1]
        ) < 1e-6:
            return 4326, "WGS 84 longitude/latitude (by its ellipsoid)"
        return None
    tm = _tm_parameters(crs)
    if tm is None:
        return None
    cm, fe = tm["cm"], tm["fe"]
    label = d.label if d is not None else f"ellipsoid {crs.ellipsoid.name if crs.ellipsoid else '?'}"
    reading = f"Transverse Mercator on {label}, central meridian {cm:g}E, false easting {fe:.0f}"
    standard = (
        abs(tm.get("lat0", 0.0)) < 1e-9 and abs(tm.get("k", 1.0) - 1.0) < 1e-12 and abs(tm.get("fn", 0.0)) < 1e-6
    )
    if d is None or not standard or cm != round(cm):
        return None, reading
    cm_int = int(round(cm))
    zone_part, rest = divmod(fe, 1e6)
    if abs(fe - 500000.0) < 1e-6:
        if (cm_int - 75) % 3 == 0 and 75 <= cm_int <= 135:
            return gk_epsg(cm_int, datum=d.key, width=3, prefixed=False), f"{reading} (500000: no zone prefix, CM {cm_int}E)"
        return None, reading
    if abs(rest - 500000.0) < 1e-6:
        zone = int(zone_part)
        for width in (3, 6):
            expected_cm = 3 * zone if width == 3 else 6 * zone - 3
            if zone in _ZONES[width] and expected_cm == cm_int:
                return (
                    gk_epsg(zone, datum=d.key, width=width, prefixed=True),
                    f"{reading} (zone {zone} from false easting {fe:.0f}, {width}-degree)",
                )
    return None, reading


def _describe(crs: pyproj.CRS, epsg: int | None) -> str:
    return f"EPSG:{epsg} ({crs.name})" if epsg is not None else crs.name


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


def _web_datum_caveat() -> str:
    gcj, bd = WEB_DATUMS["gcj02"], WEB_DATUMS["bd09"]
    return (
        f"Coordinates taken from web maps are not CGCS2000 either: {gcj[0]} (AMap/高德, Tencent, Aliyun "
        f"DataV) is offset by {gcj[1]}, {bd[0]} (Baidu/百度) by {bd[1]}; state the CRS as GCJ-02 or BD-09 "
        "if the data comes from such a source."
    )


def _guess_from_bounds(bounds: tuple[float, float, float, float]) -> CRSDetection:
    minx, miny, maxx, maxy = bounds
    span = f"x {minx:.6g}…{maxx:.6g}, y {miny:.6g}…{maxy:.6g}"
    if _in(minx, maxx, CHINA_LAT) and _in(miny, maxy, CHINA_LON) and maxy > 90:
        raise CRSError(
            f"coordinates ({span}) look like latitude/longitude with the axes swapped "
            "(x holds latitude, y longitude); swap the columns so x is longitude, or state the CRS"
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
            return CRSDetection(_epsg_crs(4490), 4490, "coordinate_guess", note, True)
        raise CRSError(
            f"coordinates ({span}) look like longitude/latitude but lie outside China; "
            "state the CRS, e.g. EPSG:4490"
        )
    for width, rng in ((3, (2.5e7, 4.6e7)), (6, (1.3e7, 2.4e7))):
        if _in(miny, maxy, rng) and _in(minx, maxx, CHINA_NORTHING):
            zone = int(miny // 1e6)
            raise CRSError(
                f"coordinates ({span}): x looks like a northing and y like a zone-prefixed "
                f"easting (zone {zone}): the axes are swapped (Chinese survey convention writes "
                "X = northing). Swap the X/Y columns so x is the easting, then retry"
            )
        if _in(minx, maxx, rng) and _in(miny, maxy, CHINA_NORTHING):
            zone = int(minx // 1e6)
            if int(maxx // 1e6) != zone:
                raise CRSError(
                    f"coordinates ({span}) carry different zone prefixes ({zone} and "
                    f"{int(maxx // 1e6)}); one layer must use one Gauss-Krüger zone"
                )
            local = (minx - zone * 1e6, maxx - zone * 1e6)
            if zone in _ZONES[width] and _in(*local, LOCAL_EASTING):
                code = gk_epsg(zone, width=width)
                alternatives = (
                    f"state the CRS as EPSG:{gk_epsg(zone, datum='xian1980', width=width)} for Xian 1980 "
                    f"or EPSG:{gk_epsg(zone, datum='beijing1954', width=width)} for Beijing 1954."
                )
                note = (
                    f"guessed CGCS2000 {width}-degree Gauss-Krüger zone {zone} (EPSG:{code}) from "
                    f"the zone prefix of easting {minx:.0f} ({span}). " + _datum_caveat(alternatives)
                )
                return CRSDetection(_epsg_crs(code), code, "coordinate_guess", note, True)
    if _in(miny, maxy, LOCAL_EASTING) and _in(minx, maxx, (LOCAL_EASTING[1], CHINA_NORTHING[1])):
        raise CRSError(
            f"coordinates ({span}): x looks like a northing and y like an easting: the axes are "
            "swapped (Chinese survey convention writes X = northing). Swap the X/Y columns, then "
            "state the CRS with its central meridian, e.g. EPSG:4549 for CM 120E"
        )
    if _in(minx, maxx, LOCAL_EASTING) and _in(miny, maxy, CHINA_NORTHING):
        raise CRSError(
            f"coordinates ({span}) are Gauss-Krüger without zone prefix: the central meridian "
            "cannot be known from them; state the CRS as EPSG:4534..4554, e.g. EPSG:4549 for CM 120E "
            "(CGCS2000 3-degree GK CM nE = EPSG 4534 + (n - 75) / 3)"
        )
    raise CRSError(
        f"cannot tell the CRS from coordinates ({span}): neither longitude/latitude in China nor "
        "Gauss-Krüger metres; state the CRS, e.g. EPSG:4549"
    )


def _check_bounds(found: CRSDetection, bounds: tuple[float, float, float, float]) -> None:
    """Refuse a CRS that the coordinates definitely contradict."""
    minx, miny, maxx, maxy = bounds
    crs = found.crs
    span = f"x {minx:.6g}…{maxx:.6g}, y {miny:.6g}…{maxy:.6g}"
    where = f"{found.method} CRS {_describe(crs, found.epsg)}"
    if crs.is_geographic:
        if not (-180 <= minx and maxx <= 360 and -90 <= miny and maxy <= 90):
            raise CRSError(
                f"the {where} is longitude/latitude but the coordinates ({span}) are not degrees"
                f"{_suggestion(bounds)}"
            )
        return
    if -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90:
        raise CRSError(
            f"the {where} is in metres but the coordinates ({span}) look like degrees"
            f"{_suggestion(bounds)}"
        )
    tm = _tm_parameters(crs)
    if tm is None:
        return
    zone_part, rest = divmod(tm["fe"], 1e6)
    if abs(rest - 500000.0) < 1e-6 and zone_part >= 1:
        zone = int(zone_part)
        if not (int(minx // 1e6) == zone == int(maxx // 1e6)):
            raise CRSError(
                f"the {where} expects eastings with zone prefix {zone} ({zone}xxxxxx m) but the "
                f"coordinates are {span}{_suggestion(bounds)}"
            )
    elif abs(tm["fe"] - 500000.0) < 1e-6 and maxx >= 1e7:
        raise CRSError(
            f"the {where} has no zone prefix but the eastings ({minx:.0f}…{maxx:.0f}) carry one "
            f"(zone {int(minx // 1e6)}){_suggestion(bounds)}"
        )


def _suggestion(bounds: tuple[float, float, float, float]) -> str:
    try:
        guess = _guess_from_bounds(bounds)
    except CRSError as exc:
        return f"; {exc}"
    return f"; they look like EPSG:{guess.epsg} ({guess.crs.name}): state the CRS as EPSG:{guess.epsg} if that is right"
