"""Hard siting rules: 三区三线, industrial protection lines, search area, area range, slope.

Each zone layer is dissolved once into disjoint parts, so the area of a polygon inside a zone is
the sum of its overlaps with the parts, and the measures of a site made of disjoint parcels are
the sums of its parcels' measures. Rules compare those measures (ellipsoidal m², 亩, degrees)
with their limits; a site failing any applied rule is excluded and counted under that rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely

from i18n import t
from spatial.errors import InputError
from spatial.overlay import intersection_area_pairs
from spatial.validity import polygonal_parts

__all__ = ["RULES", "ADDITIVE_RULES", "RULE_LABELS_ZH", "MEASURES", "Zones", "zone_measures", "RuleLimits", "RuleCheck",
           "check_rules", "first_failure"]

# In the order sites are screened: a site removed by one rule is counted under the first it fails.
RULES = ("urban_boundary", "permanent_farmland", "ecological_redline", "protection_line", "search_area",
         "slope", "area")
# Rules whose measures add up over a site's parcels: a parcel failing one makes any site holding it fail.
ADDITIVE_RULES = ("urban_boundary", "permanent_farmland", "ecological_redline", "protection_line", "search_area")
# Labels live once in the translation table (`i18n.TEXT["siting_rule_<name>"]`), shared with the CLI and the app.
RULE_LABELS_ZH = {name: t(f"siting_rule_{name}", "zh") for name in RULES}
# Measures (ellipsoidal m²) of a polygon against each zone; NaN when the zone's layer is absent.
MEASURES = ("area_m2", "urban_m2", "farmland_m2", "ecological_m2", "lines_m2", "red_m2", "search_m2")


def _dissolve(geoms: Any) -> np.ndarray | None:
    """Disjoint polygon parts of the union of `geoms` (None when there is nothing)."""
    arr = np.asarray(getattr(geoms, "values", geoms), dtype=object).reshape(-1)
    arr = arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))] if len(arr) else arr
    if len(arr) == 0:
        return None
    merged = polygonal_parts(np.asarray([shapely.union_all(shapely.make_valid(arr))], dtype=object))[0]
    parts = shapely.get_parts(merged)
    parts = parts[shapely.area(parts) > 0]
    return parts if len(parts) else None


@dataclass
class Zones:
    """Dissolved zone polygons in the project CRS; None where the layer is absent from the project."""

    urban: np.ndarray | None = None
    farmland: np.ndarray | None = None
    ecological: np.ndarray | None = None
    lines: np.ndarray | None = None  # all protection lines, either level
    red: np.ndarray | None = None  # red (一级) lines only
    search: np.ndarray | None = None
    present: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def from_layers(cls, constraints: pd.DataFrame | None, lines: pd.DataFrame | None,
                    search: shapely.Geometry | None = None) -> Zones:
        """Zones from the `constraints` layer (column kind), the protection lines (column level) and a search area."""
        zones = cls()
        if constraints is not None and len(constraints):
            kind = constraints["kind"].astype("string").fillna("")
            geoms = constraints.geometry.to_numpy()
            zones.urban = _dissolve(geoms[(kind == "urban_boundary").to_numpy()])
            zones.farmland = _dissolve(geoms[(kind == "permanent_farmland").to_numpy()])
            zones.ecological = _dissolve(geoms[(kind == "ecological_redline").to_numpy()])
        if lines is not None and len(lines):
            zones.lines = _dissolve(lines.geometry.to_numpy())
            level = lines["level"].astype("string").fillna("") if "level" in lines else pd.Series("", index=lines.index)
            zones.red = _dissolve(lines.geometry.to_numpy()[(level == "red").to_numpy()])
            if zones.red is None and zones.lines is not None:
                zones.red = np.empty(0, dtype=object)
        if search is not None:
            zones.search = _dissolve([search])
            if zones.search is None:
                raise InputError("the search area has no polygon with area", zh="选址范围中没有有面积的面要素")
        has_constraints = constraints is not None
        zones.present = {"urban_m2": has_constraints and zones.urban is not None,
                         "farmland_m2": has_constraints, "ecological_m2": has_constraints,
                         "lines_m2": zones.lines is not None, "red_m2": zones.lines is not None,
                         "search_m2": search is not None}
        return zones


def _inside_m2(geoms: np.ndarray, parts: np.ndarray | None, scale: np.ndarray) -> np.ndarray:
    """Ellipsoidal m² of each polygon inside the (disjoint) parts."""
    if parts is None or len(parts) == 0:
        return np.zeros(len(geoms))
    li, _, planar = intersection_area_pairs(geoms, parts)
    return np.bincount(li, weights=planar * scale[li], minlength=len(geoms))


def zone_measures(geoms: Any, area_m2: np.ndarray, scale: np.ndarray, zones: Zones) -> pd.DataFrame:
    """Area of each polygon and its area inside each zone (ellipsoidal m²; NaN where the zone is absent).

    `scale` = ellipsoidal ÷ planar area of each polygon converts planar overlaps to ellipsoidal m².
    """
    arr = np.asarray(getattr(geoms, "values", geoms), dtype=object).reshape(-1)
    scale = np.asarray(scale, dtype=float)
    out = pd.DataFrame({"area_m2": np.asarray(area_m2, dtype=float)})
    sources = {"urban_m2": zones.urban, "farmland_m2": zones.farmland, "ecological_m2": zones.ecological,
               "lines_m2": zones.lines, "red_m2": zones.red, "search_m2": zones.search}
    for column, parts in sources.items():
        out[column] = _inside_m2(arr, parts, scale) if zones.present.get(column) else np.nan
    return out


@dataclass(frozen=True)
class RuleLimits:
    """The limits of one request: area range (亩), tolerances (m²), slope (degrees), which rules apply."""

    min_mu: float
    max_mu: float
    overlap_tolerance_m2: float = 1.0
    boundary_tolerance_m2: float = 1.0
    max_slope_deg: float = 15.0
    require_lines: bool = True


@dataclass
class RuleCheck:
    """One rule over many sites: applied or not (and why), measured values, pass/fail, limit."""

    name: str
    applied: bool
    passed: np.ndarray  # bool; all True when not applied; True where the value could not be measured
    value: np.ndarray
    limit: Any
    unit: str
    comparison: str
    note: str = ""
    measured: np.ndarray | None = None  # False where the value could not be measured

    def entry(self, k: int) -> dict[str, Any]:
        """JSON-ready check of site `k`: passed (None if not applied or not measured), value, limit."""
        measured = True if self.measured is None else bool(self.measured[k])
        value = float(self.value[k]) if np.isfinite(self.value[k]) else None
        passed = bool(self.passed[k]) if (self.applied and measured) else None
        out = {"passed": passed, "applied": self.applied, "value": value, "limit": self.limit, "unit": self.unit,
               "comparison": self.comparison, "label_zh": t(f"siting_rule_{self.name}", "zh")}
        if self.note:
            out["note"] = self.note
        return out


def _absent(name: str, n: int, limit: Any, unit: str, comparison: str, note: str) -> RuleCheck:
    return RuleCheck(name, False, np.ones(n, dtype=bool), np.full(n, np.nan), limit, unit, comparison, note)


def check_rules(measures: pd.DataFrame, area_mu: np.ndarray, slope_mean: np.ndarray | None,
                limits: RuleLimits) -> dict[str, RuleCheck]:
    """Every hard rule for every site (rows of `measures`, aggregated over a site's parcels)."""
    n = len(measures)
    area = measures["area_m2"].to_numpy(dtype=float)
    tol_in, tol_over = limits.boundary_tolerance_m2, limits.overlap_tolerance_m2
    checks: dict[str, RuleCheck] = {}

    def outside(column: str) -> np.ndarray:
        return np.maximum(area - measures[column].to_numpy(dtype=float), 0.0)

    def limit_rule(rule: str, column: str, *, overlap: bool, absent_note: str) -> RuleCheck:
        """A site's area outside (or overlapping) a layer against its tolerance; unchecked when the layer is absent."""
        tol, comparison = (tol_over, "overlap ≤ limit") if overlap else (tol_in, "outside ≤ limit")
        if not (measures[column].notna().all() and n):
            return _absent(rule, n, tol, "m2", comparison, absent_note)
        v = measures[column].to_numpy(dtype=float) if overlap else outside(column)
        return RuleCheck(rule, True, v <= tol, v, tol, "m2", comparison)

    checks["urban_boundary"] = limit_rule("urban_boundary", "urban_m2", overlap=False,
                                          absent_note="no urban_boundary polygons in the constraints layer: not checked")
    for rule, column in (("permanent_farmland", "farmland_m2"), ("ecological_redline", "ecological_m2")):
        checks[rule] = limit_rule(rule, column, overlap=True, absent_note="no constraints layer: not checked")
    if not limits.require_lines:
        v = outside("lines_m2") if measures["lines_m2"].notna().all() else np.full(n, np.nan)
        checks["protection_line"] = RuleCheck("protection_line", False, np.ones(n, dtype=bool), v, tol_in, "m2",
                                              "outside ≤ limit", "allowed outside protection lines by the request")
    else:
        checks["protection_line"] = limit_rule("protection_line", "lines_m2", overlap=False,
                                               absent_note="no protection_lines layer: not checked")
    checks["search_area"] = limit_rule("search_area", "search_m2", overlap=False, absent_note="no search area given")
    a = np.asarray(area_mu, dtype=float)
    checks["area"] = RuleCheck("area", True, (a >= limits.min_mu) & (a <= limits.max_mu), a,
                               [limits.min_mu, limits.max_mu], "mu", "min ≤ area ≤ max")
    if slope_mean is None:
        checks["slope"] = _absent("slope", n, limits.max_slope_deg, "deg", "mean ≤ limit", "no DEM: not checked")
    else:
        s = np.asarray(slope_mean, dtype=float)
        measured = np.isfinite(s)
        passed = ~measured | (s <= limits.max_slope_deg)
        note = "" if measured.all() else "DEM does not cover every site; uncovered sites are not checked"
        checks["slope"] = RuleCheck("slope", True, passed, s, limits.max_slope_deg, "deg", "mean ≤ limit", note, measured)
    return checks


def first_failure(checks: dict[str, RuleCheck]) -> np.ndarray:
    """Per site, the first applied rule (in RULES order) it fails, or None when it passes them all."""
    n = len(next(iter(checks.values())).passed) if checks else 0
    out = np.full(n, None, dtype=object)
    for name in RULES:
        check = checks.get(name)
        if check is not None and check.applied:
            out[(out == None) & ~check.passed] = name  # noqa: E711 (element-wise on an object array)
    return out
