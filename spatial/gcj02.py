"""GCJ-02 ("Mars coordinates") and BD-09 (Baidu) web datums, vectorised over numpy arrays.

GCJ-02 is an obfuscated offset of WGS 84 (CGCS2000 agrees with WGS 84 to under a metre) used
by AMap/高德, Tencent and Aliyun DataV; BD-09 is GCJ-02 with Baidu's further offset. The
offset is 20–710 m (GCJ-02, about 500 m in eastern China) and 0.7–1.5 km (BD-09, about 1.1 km). Use the
forward transforms only to draw over such tiles; data arriving in these datums is brought
back with the inverses (iterated to < 1 mm, far below the 1 m asked for) before analysis.
Constants are those of the published algorithm (Krasovsky ellipsoid, offset polynomials
centred at 105°E, 35°N; Baidu's 0.0065°/0.006° shift with its 3000·π/180 wobble — see
docs/methods.md); points outside the China box are left unchanged, as AMap does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from spatial.validity import as_geometry_array

__all__ = ["wgs84_to_gcj02", "gcj02_to_wgs84", "geometries_to_gcj02", "geometries_from_gcj02", "in_china",
           "gcj02_to_bd09", "bd09_to_gcj02", "wgs84_to_bd09", "bd09_to_wgs84", "geometries_from_datum",
           "geometries_to_datum", "WEB_DATUMS", "WEB_DATUMS_ZH"]

# Web datums this module converts, by key: (label, typical offset from WGS 84 in China).
WEB_DATUMS = {"gcj02": ("GCJ-02", "20–710 m, about 500 m in eastern China"),
              "bd09": ("BD-09", "0.7–1.5 km, about 1.1 km in eastern China")}
# The same in Chinese: (label, typical offset) for notes shown in the zh app and CLI.
WEB_DATUMS_ZH = {"gcj02": ("GCJ-02（高德/火星坐标）", "20–710 米，华东约 500 米"),
                 "bd09": ("BD-09（百度坐标）", "0.7–1.5 千米，华东约 1.1 千米")}

_A = 6378245.0  # Krasovsky 1940 semi-major axis (m)
_EE = 0.00669342162296594323  # Krasovsky first eccentricity squared
# Box inside which the offset applies (degrees), from the reference implementation.
_LON_RANGE = (72.004, 137.8347)
_LAT_RANGE = (0.8293, 55.8271)
# Stop iterating the exact inverse once a step is below this (degrees, ~1 mm).
_INVERSE_TOLERANCE_DEG = 1e-8
_INVERSE_MAX_ITERATIONS = 30
# Baidu's BD-09 offset on top of GCJ-02 (degrees) and the angular factor of its wobble.
_BD_DLON, _BD_DLAT = 0.0065, 0.006
_BD_X_PI = np.pi * 3000.0 / 180.0


def in_china(lon: Any, lat: Any) -> np.ndarray:
    """True where the GCJ-02 offset applies (inside the algorithm's China box)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return (lon >= _LON_RANGE[0]) & (lon <= _LON_RANGE[1]) & (lat >= _LAT_RANGE[0]) & (lat <= _LAT_RANGE[1])


def _offset_poly(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Raw offset polynomials (in metres-like units) of the algorithm, for x = lon-105, y = lat-35."""
    pi = np.pi
    wave = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    root = np.sqrt(np.abs(x))
    d_lat = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * root + wave
        + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    )
    d_lon = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * root + wave
        + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    )
    return d_lon, d_lat


def _delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS 84 in degrees at WGS 84 position (lon, lat)."""
    d_lon, d_lat = _offset_poly(lon - 105.0, lat - 35.0)
    phi = np.radians(lat)
    w = 1.0 - _EE * np.sin(phi) ** 2
    sqrt_w = np.sqrt(w)
    d_lat = d_lat * 180.0 / ((_A * (1.0 - _EE)) / (w * sqrt_w) * np.pi)
    d_lon = d_lon * 180.0 / (_A / sqrt_w * np.cos(phi) * np.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """WGS 84 / CGCS2000 longitude, latitude (degrees) → GCJ-02; outside China unchanged."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    d_lon, d_lat = _delta(lon, lat)
    inside = in_china(lon, lat)
    return np.where(inside, lon + d_lon, lon), np.where(inside, lat + d_lat, lat)


def gcj02_to_wgs84(lon: Any, lat: Any, *, exact: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 longitude, latitude → WGS 84 / CGCS2000; outside China unchanged.

    exact=True iterates the forward transform to convergence (error ≪ 0.5 m); exact=False takes
    a single step (error of a metre or two).
    """
    g_lon, g_lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    d_lon, d_lat = _delta(g_lon, g_lat)
    w_lon, w_lat = g_lon - d_lon, g_lat - d_lat
    if exact:
        for _ in range(_INVERSE_MAX_ITERATIONS):
            f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
            step_lon, step_lat = g_lon - f_lon, g_lat - f_lat
            w_lon, w_lat = w_lon + step_lon, w_lat + step_lat
            if np.nanmax(np.abs(step_lon), initial=0.0) < _INVERSE_TOLERANCE_DEG and np.nanmax(
                np.abs(step_lat), initial=0.0
            ) < _INVERSE_TOLERANCE_DEG:
                break
    inside = in_china(g_lon, g_lat)
    return np.where(inside, w_lon, g_lon), np.where(inside, w_lat, g_lat)


def _apply(geoms: Any, func: Any) -> np.ndarray:
    arr = as_geometry_array(geoms)

    def _coords(xy: np.ndarray) -> np.ndarray:
        x, y = func(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(arr, _coords)


def geometries_to_gcj02(geoms: Any) -> np.ndarray:
    """Shift lon/lat geometries (WGS 84 / CGCS2000) to GCJ-02, for drawing over AMap tiles."""
    return _apply(geoms, wgs84_to_gcj02)


def geometries_from_gcj02(geoms: Any, *, exact: bool = True) -> np.ndarray:
    """Shift GCJ-02 geometries (e.g. drawn over AMap tiles) back to WGS 84 / CGCS2000 lon/lat."""
    return _apply(geoms, lambda x, y: gcj02_to_wgs84(x, y, exact=exact))


def _gcj_to_bd_raw(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _BD_X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _BD_X_PI)
    return z * np.cos(theta) + _BD_DLON, z * np.sin(theta) + _BD_DLAT


def gcj02_to_bd09(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → BD-09 (Baidu's published formula); outside China unchanged."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    b_lon, b_lat = _gcj_to_bd_raw(lon, lat)
    inside = in_china(lon, lat)
    return np.where(inside, b_lon, lon), np.where(inside, b_lat, lat)


def bd09_to_gcj02(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → GCJ-02: the published closed-form inverse, refined by iterating the forward
    formula (the closed form alone is off by up to 0.2 m); outside China unchanged."""
    b_lon, b_lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    x, y = b_lon - _BD_DLON, b_lat - _BD_DLAT
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_X_PI)
    g_lon, g_lat = z * np.cos(theta), z * np.sin(theta)
    for _ in range(_INVERSE_MAX_ITERATIONS):
        f_lon, f_lat = _gcj_to_bd_raw(g_lon, g_lat)
        step_lon, step_lat = b_lon - f_lon, b_lat - f_lat
        g_lon, g_lat = g_lon + step_lon, g_lat + step_lat
        if max(np.nanmax(np.abs(step_lon), initial=0.0), np.nanmax(np.abs(step_lat), initial=0.0)) < _INVERSE_TOLERANCE_DEG:
            break
    inside = in_china(b_lon, b_lat)
    return np.where(inside, g_lon, b_lon), np.where(inside, g_lat, b_lat)


def wgs84_to_bd09(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """WGS 84 / CGCS2000 → BD-09 (GCJ-02, then Baidu's offset); outside China unchanged."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → WGS 84 / CGCS2000 (both inverses iterated); outside China unchanged."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_FROM = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
_TO = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}


def _datum_key(datum: str) -> str:
    key = datum.lower().replace("-", "").replace("_", "")
    if key not in _FROM:
        raise ValueError(f"unknown web datum {datum!r}; use gcj02 or bd09")
    return key


def geometries_from_datum(geoms: Any, datum: str) -> np.ndarray:
    """Lon/lat geometries in `datum` ("gcj02" or "bd09") → WGS 84 / CGCS2000 lon/lat."""
    return _apply(geoms, _FROM[_datum_key(datum)])


def geometries_to_datum(geoms: Any, datum: str) -> np.ndarray:
    """WGS 84 / CGCS2000 lon/lat geometries → `datum` ("gcj02" or "bd09")."""
    return _apply(geoms, _TO[_datum_key(datum)])
