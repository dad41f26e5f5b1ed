"""`landpark site`: candidate sites for a project request, legal, available and ranked with reasons.

`run_siting(project_or_data, request)` finds the available parcels, grows contiguous sites,
applies the hard rules (counting what each removed), scores the survivors on the soft criteria
and returns the top sites, each re-checked on its real (dissolved) geometry, with its score
breakdown and rule checks. Load a project once with `SitingData.from_project` to answer many
requests quickly; `run_siting(Project)` does both.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from analysis.industry_match import DEFAULT_SUFFIXES, IndustryMatcher
from analysis.inputs import EvaluationInputs, load_inputs
from analysis.siting.available import (AVAILABILITY_REASONS, ParcelGraph, Sites, availability, grow_sites,
                                       parcel_graph)
from analysis.siting.constraints import (ADDITIVE_RULES, RULES, RuleCheck, RuleLimits, Zones, check_rules,
                                         first_failure, zone_measures)
from analysis.siting.criteria import (CRITERIA, Criterion, benchmark_ratio, compactness, fraction, line_score,
                                      road_access, size_fit, slope_score)
from analysis.siting.mcda import ahp_weights, normalise_weights, rank_desc, topsis
from analysis.units import overlay_units
from layers.problems import InputError
from layers.project import Project, atomic_path
from spatial.area import MU_M2, ellipsoidal_area_m2
from spatial.errors import LandparkError
from spatial.overlay import nearest_distance
from spatial.raster import Grid, read_grid, slope_grid, zonal_stats

__all__ = ["DEFAULTS", "RequestError", "SiteRequest", "SitingData", "SitingResult", "siting_config",
           "run_siting", "read_search_area", "write_candidates"]

OUTPUT_CRS = "EPSG:4490"
# Most specific unit kind first: a site's "own" unit for 亩均 and 供地率 is the smallest that holds it.
UNIT_PRIORITY = ("future_communities", "micro_parks", "parks", "protection_lines")

# Mirror of `[siting]` in landpark.default.toml (sources and reasons there); fills keys a project's toml lacks.
DEFAULTS: dict[str, Any] = {
    "max_slope_deg": 15.0, "overlap_tolerance_m2": 1.0, "boundary_tolerance_m2": 1.0, "merge_gap_m": 20.0,
    "snap_m": 0.5, "max_area_factor": 1.5, "max_seeds_per_component": 200, "seed_skip_coverage": 2, "unit_min_share": 0.5,
    "unit_list_min_share": 0.01, "top": 10, "method": "wsum", "distinct": True, "road_distance_max_m": 500.0,
    "road_class_factor_default": 2.0,
    "road_class_factors": {"快速路": 1.5, "主干路": 1.0, "次干路": 1.2, "支路": 1.5, "公路": 1.0,
                           "expressway": 1.5, "arterial": 1.0, "secondary": 1.2, "local": 1.5},
    "performance_indicator": "tax_per_mu", "performance_cap": 2.0, "supply_ratio_direction": "cost",
    "compactness_ideal": 0.7853981633974483, "line_level_scores": {"red": 1.0, "blue": 0.5},
    "sensitivity_step": 0.10,
    "weights": {"industry_match": 0.55, "unit_performance": 0.08, "unit_supply": 0.05, "road_access": 0.08,
                "size_fit": 0.08, "compactness": 0.06, "slope": 0.05, "protection_line": 0.05},
    "industry": {
        "min_contain_chars": 2, "suffixes": list(DEFAULT_SUFFIXES),
        "synonyms": [
            ["装备", "高端装备", "智能装备", "先进装备", "机械", "通用设备", "专用设备", "机器人", "自动化"],
            ["汽车零部件", "汽配", "汽车部件", "汽车配件", "汽车", "新能源汽车"],
            ["新材料", "先进材料", "高分子材料", "复合材料", "新型材料"],
            ["化工", "精细化工", "化学原料", "石化", "绿色石化"],
            ["电子信息", "电子", "光电", "信息技术", "新一代信息技术"],
            ["集成电路", "半导体", "芯片", "微电子"],
            ["生物医药", "医药", "生物技术", "医疗器械", "生命健康"],
            ["金属制品", "五金", "紧固件"],
            ["纺织服装", "纺织", "服装", "服饰"],
            ["塑料制品", "塑料", "塑胶", "塑业"],
            ["家用电器", "家电", "电器", "小家电"],
            ["新能源", "光伏", "储能", "锂电", "氢能"],
        ],
    },
    "ahp": {
        "enabled": False, "cr_limit": 0.1, "criteria": list(CRITERIA),
        "matrix": [
            [1.0, 7.0, 9.0, 7.0, 7.0, 9.0, 9.0, 9.0],
            [0.142857, 1.0, 2.0, 1.0, 1.0, 1.0, 2.0, 2.0],
            [0.111111, 0.5, 1.0, 0.5, 0.5, 1.0, 1.0, 1.0],
            [0.142857, 1.0, 2.0, 1.0, 1.0, 1.0, 2.0, 2.0],
            [0.142857, 1.0, 2.0, 1.0, 1.0, 1.0, 2.0, 2.0],
            [0.111111, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
            [0.111111, 0.5, 1.0, 0.5, 0.5, 1.0, 1.0, 1.0],
            [0.111111, 0.5, 1.0, 0.5, 0.5, 1.0, 1.0, 1.0],
        ],
    },
}


class RequestError(LandparkError, ValueError):
    """A request parameter out of range or unknown (a usage error: CLI exit 2)."""


def siting_config(config: dict[str, Any]) -> dict[str, Any]:
    """`[siting]` of a project's config over DEFAULTS (nested tables merged key by key)."""
    out = copy.deepcopy(DEFAULTS)
    for key, value in (config or {}).get("siting", {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = copy.deepcopy(value)
    return out


@dataclass
class SiteRequest:
    """A project's land request and the options of `landpark site` (None = the toml default)."""

    area_mu: float
    max_area_mu: float | None = None
    industry: str | None = None
    top: int | None = None
    method: str | None = None
    include_idle: bool = False
    include_low_efficiency: bool = False
    allow_outside_lines: bool = False
    max_slope_deg: float | None = None
    within: Any = None  # shapely geometry in the project CRS, or a file path (GeoJSON etc.)
    weights: dict[str, float] | None = None
    use_ahp: bool | None = None
    force_ahp: bool = False

    def validate(self) -> None:
        """Refuse impossible parameters with a message naming the option."""
        if not (np.isfinite(self.area_mu) and self.area_mu > 0):
            raise RequestError(f"--area-mu must be a positive number of 亩, got {self.area_mu}")
        if self.max_area_mu is not None and not self.max_area_mu >= self.area_mu:
            raise RequestError(f"--max-area-mu ({self.max_area_mu}) must be ≥ --area-mu ({self.area_mu})")
        if self.top is not None and self.top < 1:
            raise RequestError(f"--top must be ≥ 1, got {self.top}")
        if self.method is not None and self.method not in ("wsum", "topsis"):
            raise RequestError(f"--method must be wsum or topsis, got {self.method!r}")
        if self.max_slope_deg is not None and not (0 < self.max_slope_deg <= 90):
            raise RequestError(f"--max-slope must be in (0, 90] degrees, got {self.max_slope_deg}")
        for name, value in (self.weights or {}).items():
            if name not in CRITERIA:
                raise RequestError(f"unknown criterion {name!r} in --weight; choose from {', '.join(CRITERIA)}")
            if not (np.isfinite(value) and value >= 0):
                raise RequestError(f"--weight {name} must be ≥ 0, got {value}")


@dataclass
class SitingData:
    """Everything siting reads from a project, loaded once; per-parcel results are cached here."""

    parcels: gpd.GeoDataFrame  # prepared: area_mu, _scale, is_industrial
    units: gpd.GeoDataFrame  # stacked units with their evaluated indicators (tax_per_mu, supply_ratio …)
    config: dict[str, Any]
    crs: Any
    constraints: gpd.GeoDataFrame | None = None
    roads: gpd.GeoDataFrame | None = None
    dem: Grid | None = None
    idle_by_date: np.ndarray | None = None
    low_far: np.ndarray | None = None
    d_class_owners: frozenset[str] = frozenset()
    district: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    notices: list[str] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_inputs(cls, inputs: EvaluationInputs, evaluation: Any = None, *, constraints: gpd.GeoDataFrame | None = None,
                    roads: gpd.GeoDataFrame | None = None, dem: Grid | None = None, source: str = "") -> "SitingData":
        """Siting data from evaluation inputs; runs `analysis.score.evaluate` unless an Evaluation is given."""
        from analysis.score import evaluate

        ev = evaluation if evaluation is not None else evaluate(inputs)
        parcels = inputs.parcels.reset_index(drop=True)
        units = inputs.units.reset_index(drop=True).copy()
        table = ev.units.reset_index(drop=True)
        for column in ("tax_per_mu", "value_added_per_mu", "supply_ratio", "score", "grade"):
            if column in table:
                units[column] = table[column].to_numpy()
        flags = ev.parcel_flags.reset_index(drop=True)
        firms = ev.firms
        d_mask = (firms["class"].astype("string") == "D").fillna(False).to_numpy(dtype=bool) if "class" in firms else None
        d_class = frozenset(firms.index[d_mask].astype(str)) if d_mask is not None else frozenset()
        return cls(parcels=parcels, units=units, config=inputs.config, crs=inputs.crs, constraints=constraints,
                   roads=roads, dem=dem, idle_by_date=flags["idle_by_date"].to_numpy(dtype=bool),
                   low_far=flags["low_far"].to_numpy(dtype=bool), d_class_owners=d_class,
                   district=dict(ev.district), source=source)

    @classmethod
    def from_project(cls, project: Project, *, prepare: bool = True,
                     progress: Callable[[str], None] | None = None, inputs: EvaluationInputs | None = None,
                     evaluation: Any = None) -> "SitingData":
        """Read and evaluate a project once: layers, 亩均 evaluation, constraints, roads, DEM.

        A caller that already holds the project's `load_inputs` and `evaluate` results (the app)
        passes them, and the project is not evaluated a second time. With `prepare`, per-parcel
        measures (zones, slope, roads, units) are computed now, so that each request then takes
        well under a second on a district.
        """
        say = progress or (lambda _m: None)
        say("reading layers…")
        inputs = inputs if inputs is not None else load_inputs(project)
        names = set(project.layer_names())
        if "parcels" not in names:
            raise InputError(f"{project.root}: layer 'parcels' is not in the project; siting needs parcels")
        constraints = project.read_layer("constraints") if "constraints" in names else None
        roads = project.read_layer("roads") if "roads" in names else None
        dem_path = project.raster_path("dem")
        dem = None
        if dem_path.exists():
            try:
                dem = read_grid(dem_path)
            except ValueError as exc:
                raise InputError(f"{dem_path}: {exc}") from None
        say("evaluating units (亩均, 供地率)…" if evaluation is None else "using the evaluation given…")
        data = cls.from_inputs(inputs, evaluation, constraints=constraints, roads=roads, dem=dem, source=str(project.root))
        if prepare:
            say("measuring the parcels that can become available…")
            data.prepare()
        return data

    def prepare(self) -> None:
        """Compute the per-parcel values of every parcel any request could make available, once."""
        reason = availability(self.parcels, include_idle=True, include_low_efficiency=True,
                              idle_by_date=self.idle_by_date, low_far=self.low_far, d_class_owners=self.d_class_owners)
        positions = np.flatnonzero(reason != None)  # noqa: E711
        self.parcel_measures(positions)
        self.parcel_slope(positions)
        self.parcel_road_distance(positions)
        self.unit_pieces(positions)

    # ---- cached per-parcel values -----------------------------------------------------
    def zones(self) -> Zones:
        """Dissolved 三区三线 and protection lines (no search area), computed once."""
        if "zones" not in self.cache:
            lines = self.units[self.units["unit_kind"] == "protection_lines"] if len(self.units) else None
            if lines is not None and len(lines) == 0:
                lines = None
            self.cache["zones"] = Zones.from_layers(self.constraints, lines)
        return self.cache["zones"]

    def _cached(self, key: str, positions: np.ndarray, compute: Callable[[np.ndarray], pd.DataFrame]) -> pd.DataFrame:
        """Rows `positions` of a per-parcel table, computing only rows not computed before."""
        table, done = self.cache.get(key, (None, np.zeros(len(self.parcels), dtype=bool)))
        if table is None and len(positions) == 0:
            return compute(positions).reset_index(drop=True)
        todo = positions[~done[positions]]
        if len(todo):
            fresh = compute(todo)
            if table is None:
                table = pd.DataFrame(np.nan, index=np.arange(len(self.parcels)), columns=fresh.columns)
            table.loc[todo, fresh.columns] = fresh.to_numpy()
            done = done.copy()
            done[todo] = True
            self.cache[key] = (table, done)
        return table.loc[positions].reset_index(drop=True)

    def parcel_measures(self, positions: np.ndarray) -> pd.DataFrame:
        """Area of each parcel and its area inside each zone (ellipsoidal m², see constraints.MEASURES)."""
        zones = self.zones()

        def compute(pos: np.ndarray) -> pd.DataFrame:
            p = self.parcels.iloc[pos]
            return zone_measures(p.geometry.to_numpy(), p["area_mu"].to_numpy() * MU_M2, p["_scale"].to_numpy(), zones)
        return self._cached("measures", positions, compute)

    def parcel_slope(self, positions: np.ndarray) -> pd.DataFrame | None:
        """Coverage-weighted slope sum, weight and max under each parcel (degrees); None without a DEM."""
        if self.dem is None:
            return None
        if "slope_grid" not in self.cache:
            self.cache["slope_grid"] = slope_grid(self.dem)
        grid = self.cache["slope_grid"]
        return self._cached("slope", positions, lambda pos: zonal_stats(
            grid, self.parcels.geometry.to_numpy()[pos], self.crs)[["sum", "weight", "max"]])

    def parcel_road_distance(self, positions: np.ndarray) -> pd.DataFrame | None:
        """Distance (CRS units) from each parcel to the nearest road of each class; None without roads."""
        if self.roads is None or len(self.roads) == 0:
            return None
        if "road_segments" not in self.cache:
            klass = self.roads["road_class"].astype("string").fillna("unclassified") if "road_class" in self.roads \
                else pd.Series("unclassified", index=self.roads.index)
            segments, owner = _segments(self.roads.geometry.to_numpy())
            self.cache["road_segments"] = {c: segments[(klass.to_numpy()[owner] == c)] for c in sorted(klass.unique())}
        by_class = self.cache["road_segments"]

        def compute(pos: np.ndarray) -> pd.DataFrame:
            target = self.parcels.geometry.to_numpy()[pos]
            return pd.DataFrame({c: nearest_distance(target, seg) for c, seg in by_class.items()})
        return self._cached("roads", positions, compute)

    def unit_pieces(self, positions: np.ndarray) -> pd.DataFrame:
        """(parcel position, unit position, mu) of every parcel piece inside a unit, for `positions`."""
        pieces, done = self.cache.get("unit_pieces", (pd.DataFrame({"parcel": [], "unit": [], "mu": []}),
                                                      np.zeros(len(self.parcels), dtype=bool)))
        todo = positions[~done[positions]]
        if len(todo) and len(self.units):
            ov = overlay_units(self.parcels.iloc[todo], self.units)
            fresh = pd.DataFrame({"parcel": todo[ov.parcel_pos], "unit": ov.unit_pos, "mu": ov.area_mu})
            pieces = pd.concat([pieces, fresh], ignore_index=True) if len(pieces) else fresh
        done = done.copy()
        done[todo] = True
        self.cache["unit_pieces"] = (pieces, done)
        return pieces[np.isin(pieces["parcel"].to_numpy(), positions)]

    def graph(self, positions: np.ndarray, gap_m: float, snap_m: float) -> ParcelGraph:
        """Adjacency graph of the parcels at `positions` (kept for the last few sets of positions)."""
        key = (hashlib.sha1(np.asarray(positions, dtype=np.int64).tobytes()).hexdigest(), gap_m, snap_m)
        graphs = self.cache.setdefault("graphs", {})
        if key not in graphs:
            if len(graphs) >= 4:
                graphs.pop(next(iter(graphs)))
            graphs[key] = parcel_graph(self.parcels.geometry.to_numpy()[positions], gap_m=gap_m, snap_m=snap_m)
        return graphs[key]


def _segments(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every two-point segment of the lines, and the index of the line each came from.

    A tree of short segments has tight boxes, so nearest-distance queries stay fast on long roads.
    """
    parts, part_owner = shapely.get_parts(lines, return_index=True)
    coords, index = shapely.get_coordinates(parts, return_index=True)
    same = index[1:] == index[:-1]
    starts, ends = coords[:-1][same], coords[1:][same]
    segments = shapely.linestrings(np.stack([starts, ends], axis=1))
    return segments, part_owner[index[:-1][same]]


@dataclass
class SitingResult:
    """Ranked candidates with breakdowns and rule checks, exclusion counts, notices and method."""

    request: dict[str, Any]
    candidates: list[dict[str, Any]]
    excluded: dict[str, int]
    summary: dict[str, Any]
    method: dict[str, Any]
    notices: list[str]
    crs: Any

    def to_json(self) -> dict[str, Any]:
        """The `site --json` document: request, excluded counts, candidates (GeoJSON in EPSG:4490)."""
        to_out = pyproj.Transformer.from_crs(self.crs, OUTPUT_CRS, always_xy=True)
        candidates = []
        for c in self.candidates:
            geom = shapely.transform(c["geometry"], lambda xy: np.column_stack(to_out.transform(xy[:, 0], xy[:, 1])))
            candidates.append({**{k: v for k, v in c.items() if k != "geometry"},
                               "geometry": json.loads(shapely.to_geojson(geom))})
        return {"request": self.request, "excluded": self.excluded, "summary": self.summary, "method": self.method,
                "notices": self.notices, "candidates": candidates}

    def to_text(self) -> str:
        """A plain-text summary for the terminal: ranked sites, exclusions and notices."""
        r = self.request
        lines = [f"request: {r['area_mu']:g}–{r['max_area_mu']:g} 亩" + (f", industry {r['industry']}" if r["industry"] else "")
                 + f", method {r['method']}",
                 f"available parcels: {self.summary.get('available_parcels', 0)}  sites grown: "
                 f"{self.summary.get('sites_generated', 0)}  passed the rules: {self.summary.get('sites_passed', 0)}",
                 "excluded: " + (", ".join(f"{k} {v}" for k, v in self.excluded.items() if v) or "none"), ""]
        lines.append(f"{'rank':>4} {'score':>6} {'area_mu':>8} {'parcels':>7}  site_id       units")
        for c in self.candidates:
            units = ", ".join(f"{u['name']} {u['share']:.0%}" for u in c["units"][:3]) or "—"
            lines.append(f"{c['rank']:>4} {c['score']:>6.1f} {c['area_mu']:>8.1f} {len(c['parcel_ids']):>7}  "
                         f"{c['site_id']:<13} {units}")
            best = sorted(c["criteria"].items(), key=lambda kv: -kv[1]["contribution"])[:3]
            lines.append("       " + "; ".join(f"{k} {v['contribution']:.1f}" + (f" ({v['detail']})" if v.get("detail") else "")
                                              for k, v in best))
        if not self.candidates:
            lines.append("   no site passes every rule")
        lines += [f"notice: {n}" for n in self.notices]
        return "\n".join(lines)

    def to_frame(self) -> gpd.GeoDataFrame:
        """One row per candidate (project CRS): ids, area, score, each criterion and rule flattened."""
        rows = []
        for c in self.candidates:
            row = {"rank": c["rank"], "site_id": c["site_id"], "area_mu": c["area_mu"], "score": c["score"],
                   "parcel_ids": ";".join(c["parcel_ids"]), "unit_ids": ";".join(c["unit_ids"]),
                   "availability": ";".join(f"{k}:{v}" for k, v in c["availability"].items())}
            for name, crit in c["criteria"].items():
                row[f"{name}_raw"] = crit["raw"]
                row[f"{name}_norm"] = crit["normalised"]
                row[f"{name}_points"] = crit["contribution"]
            for name, rule in c["rules"].items():
                row[f"rule_{name}_passed"] = rule["passed"]
                row[f"rule_{name}_value"] = rule["value"]
            rows.append(row)
        frame = pd.DataFrame(rows, columns=["rank", "site_id", "area_mu", "score", "parcel_ids", "unit_ids",
                                            "availability"] if not rows else None)
        return gpd.GeoDataFrame(frame, geometry=[c["geometry"] for c in self.candidates], crs=self.crs)


def read_search_area(path: str | Path, crs: Any) -> shapely.Geometry:
    """The union of the polygons in a drawn search area file (GeoJSON or any OGR format), in `crs`.

    A file without a CRS is read as lon/lat (GeoJSON's rule, RFC 7946).
    """
    import pyogrio

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file (--within)")
    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio raises several error types for unreadable files
        raise InputError(f"{path}: cannot read the search area: {exc}") from None
    if not isinstance(frame, gpd.GeoDataFrame) or len(frame) == 0:
        raise InputError(f"{path}: the search area has no features")
    if frame.crs is None:
        frame = frame.set_crs(OUTPUT_CRS)
    geoms = frame.to_crs(crs).geometry.to_numpy()
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    if not polygonal.any():
        raise InputError(f"{path}: the search area has no polygon (found {', '.join(sorted(set(frame.geom_type)))})")
    return shapely.union_all(shapely.make_valid(geoms[polygonal]))


def write_candidates(result: SitingResult, path: str | Path) -> Path:
    """Write the candidates to .gpkg (project CRS), .geojson (EPSG:4490) or .csv (WKT in EPSG:4490), atomically."""
    import pyogrio

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".gpkg", ".geojson", ".json", ".csv"):
        raise RequestError(f"--out {path}: use a .gpkg, .geojson or .csv file")
    frame = result.to_frame()
    with atomic_path(path) as tmp:
        if suffix == ".gpkg":
            pyogrio.write_dataframe(frame, tmp, layer="siting_candidates", driver="GPKG")
        elif suffix in (".geojson", ".json"):
            pyogrio.write_dataframe(frame.to_crs(OUTPUT_CRS), tmp, driver="GeoJSON")
        else:
            table = pd.DataFrame(frame.drop(columns="geometry"))
            table["wkt_epsg4490"] = shapely.to_wkt(frame.to_crs(OUTPUT_CRS).geometry.to_numpy())
            table.to_csv(tmp, index=False, encoding="utf-8-sig")
    return path


# ---- the run ---------------------------------------------------------------------------


def _as_data(source: Project | SitingData | EvaluationInputs, progress: Callable[[str], None]) -> SitingData:
    if isinstance(source, SitingData):
        return source
    if isinstance(source, Project):
        return SitingData.from_project(source, progress=progress)
    if isinstance(source, EvaluationInputs):
        return SitingData.from_inputs(source)
    raise TypeError(f"run_siting needs a Project, SitingData or EvaluationInputs, got {type(source).__name__}")


def _reduce(values: np.ndarray, offsets: np.ndarray, how: str) -> np.ndarray:
    """Per-site sum / min / max of member values laid out site by site (`offsets` as in Sites)."""
    starts = offsets[:-1]
    if len(starts) == 0:
        return np.zeros(0)
    if how == "sum":
        return np.add.reduceat(values, starts)
    filled = np.where(np.isnan(values), np.inf if how == "min" else -np.inf, values)
    out = (np.minimum if how == "min" else np.maximum).reduceat(filled, starts)
    return np.where(np.isfinite(out), out, np.nan)


def _weights(cfg: dict[str, Any], request: SiteRequest) -> tuple[dict[str, float], dict[str, Any] | None]:
    """Criterion weights: toml, then AHP if enabled, then command-line overrides."""
    weights = {name: float(cfg["weights"].get(name, 0.0)) for name in CRITERIA}
    ahp_info = None
    ahp_cfg = cfg["ahp"]
    use_ahp = ahp_cfg.get("enabled", False) if request.use_ahp is None else request.use_ahp
    if use_ahp:
        names = list(ahp_cfg.get("criteria", []))
        unknown = [n for n in names if n not in CRITERIA]
        if unknown or not names:
            raise InputError(f"landpark.toml [siting.ahp] criteria: {unknown or 'empty'}; choose from {', '.join(CRITERIA)}")
        try:
            result = ahp_weights(ahp_cfg.get("matrix", []), cr_limit=float(ahp_cfg.get("cr_limit", 0.1)))
        except ValueError as exc:
            raise InputError(f"landpark.toml [siting.ahp] matrix: {exc}") from None
        if len(result.weights) != len(names):
            raise InputError(f"landpark.toml [siting.ahp]: matrix is {len(result.weights)}x{len(result.weights)} "
                             f"but {len(names)} criteria are listed")
        ahp_info = {"criteria": names, "weights": [round(float(w), 6) for w in result.weights],
                    "lambda_max": result.lambda_max, "consistency_index": result.consistency_index,
                    "consistency_ratio": result.consistency_ratio, "cr_limit": float(ahp_cfg.get("cr_limit", 0.1)),
                    "acceptable": result.acceptable, "forced": bool(request.force_ahp and not result.acceptable)}
        if not result.acceptable and not request.force_ahp:
            raise InputError(f"landpark.toml [siting.ahp] matrix: consistency ratio CR = {result.consistency_ratio:.3f} "
                             f"exceeds {ahp_info['cr_limit']} (Saaty); revise the pairwise judgements or force it")
        weights = {name: 0.0 for name in CRITERIA}
        weights.update({n: float(w) for n, w in zip(names, result.weights)})
    weights.update({k: float(v) for k, v in (request.weights or {}).items()})
    return weights, ahp_info


@dataclass
class _Pool:
    """Every grown site of one request: members, aggregated measures and rule checks."""

    positions: np.ndarray  # parcel positions of the available parcels (the sites' members index these)
    sites: Sites
    area_mu: np.ndarray
    measures: pd.DataFrame
    slope: np.ndarray | None
    planar: np.ndarray  # per available parcel
    zones: Zones
    checks: dict[str, RuleCheck]


def _grow_pool(data: SitingData, cfg: dict[str, Any], positions: np.ndarray, limits: RuleLimits,
               within: shapely.Geometry | None) -> _Pool:
    """Measure the available parcels, grow contiguous sites from them and check every hard rule."""
    sub = data.parcels.iloc[positions]
    geoms = sub.geometry.to_numpy()
    area_mu = sub["area_mu"].to_numpy(dtype=float)
    zones = data.zones()
    measures = data.parcel_measures(positions)
    if within is not None:
        search = Zones.from_layers(None, None, within)
        measures["search_m2"] = zone_measures(geoms, area_mu * MU_M2, sub["_scale"].to_numpy(dtype=float),
                                              search)["search_m2"].to_numpy()
        zones = copy.copy(zones)
        zones.search, zones.present = search.search, {**zones.present, "search_m2": True}
    # a parcel failing a rule that sums over parcels can only make a site fail: growth skips it
    parcel_checks = check_rules(measures, area_mu, None, limits)
    eligible = np.ones(len(positions), dtype=bool)
    for name in ADDITIVE_RULES:
        if parcel_checks[name].applied:
            eligible &= parcel_checks[name].passed
    planar = shapely.area(geoms)
    sites = grow_sites(data.graph(positions, float(cfg["merge_gap_m"]), float(cfg["snap_m"])), area_mu, planar,
                       shapely.length(geoms), eligible, min_mu=limits.min_mu, max_mu=limits.max_mu,
                       max_seeds_per_component=int(cfg["max_seeds_per_component"]),
                       seed_skip_coverage=int(cfg["seed_skip_coverage"]),
                       order_key=shapely.get_coordinates(shapely.centroid(geoms))[:, 0])
    mem, offsets = sites.members, sites.offsets
    site_mu = _reduce(area_mu[mem], offsets, "sum")
    site_measures = pd.DataFrame({c: _reduce(measures[c].to_numpy(dtype=float)[mem], offsets, "sum")
                                  for c in measures.columns})
    slope = None
    per_parcel = data.parcel_slope(positions)
    if per_parcel is not None:  # coverage-weighted sums compose over disjoint parcels
        total = _reduce(per_parcel["sum"].to_numpy(dtype=float)[mem], offsets, "sum")
        weight = _reduce(per_parcel["weight"].to_numpy(dtype=float)[mem], offsets, "sum")
        slope = np.divide(total, weight, out=np.full(len(total), np.nan), where=weight > 0)
    checks = check_rules(site_measures, site_mu, slope, limits)
    return _Pool(positions, sites, site_mu, site_measures, slope, planar, zones, checks)


def _score_function(method: str) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """Scores 0–100 from a normalised matrix and weights: weighted sum, or TOPSIS closeness × 100."""
    def score(matrix: np.ndarray, weights: np.ndarray) -> np.ndarray:
        if matrix.shape[1] == 0:
            return np.zeros(matrix.shape[0])
        if method == "topsis":
            return 100.0 * topsis(matrix, weights, normalisation="none")
        return 100.0 * (matrix @ normalise_weights(weights))
    return score


def _shortlist(data: SitingData, pool: _Pool, ok: np.ndarray, order: np.ndarray, top: int, distinct: bool,
               limits: RuleLimits) -> tuple[list[tuple], dict[str, int]]:
    """The best `top` sites (sharing no parcel when `distinct`), each passing every rule on its dissolved geometry.

    Sites are checked in batches; after a failure the scan resumes just after it, since sites
    skipped for sharing parcels with the failed one may now qualify.
    """
    sites = pool.sites
    geoms = data.parcels.geometry.to_numpy()[pool.positions]
    chosen: list[tuple] = []
    used = np.zeros(len(pool.positions), dtype=bool)
    rejected = np.zeros(len(order), dtype=bool)
    failures = {name: 0 for name in RULES}
    cursor = 0
    while len(chosen) < top and cursor < len(order):
        batch: list[int] = []
        taken = used.copy()
        while cursor < len(order) and len(batch) < top - len(chosen):
            members = sites.parcels_of(ok[order[cursor]])
            if not rejected[cursor] and not (distinct and taken[members].any()):
                taken[members] = True
                batch.append(cursor)
            cursor += 1
        if not batch:
            break
        picked = [int(ok[order[c]]) for c in batch]
        exact = _exact_check(data, pool.zones, [geoms[sites.parcels_of(k)] for k in picked],
                             None if pool.slope is None else pool.slope[picked], limits)
        for c, k, (geometry, area_mu, rules, failed) in zip(batch, picked, exact):
            if failed:
                failures[failed[0]] += 1
                rejected[c] = True
                cursor = c + 1
                break
            used[sites.parcels_of(k)] = True
            chosen.append((int(order[c]), k, geometry, area_mu, rules))
    return chosen, failures


def run_siting(source: Project | SitingData | EvaluationInputs, request: SiteRequest, *,
               progress: Callable[[str], None] | None = None) -> SitingResult:
    """Candidate sites for `request`, best first, each with score breakdown and rule checks."""
    say = progress or (lambda _m: None)
    request.validate()
    data = _as_data(source, say)
    cfg = siting_config(data.config)
    notices = list(data.notices)
    min_mu = float(request.area_mu)
    max_mu = float(request.max_area_mu) if request.max_area_mu is not None else min_mu * float(cfg["max_area_factor"])
    max_slope = float(request.max_slope_deg if request.max_slope_deg is not None else cfg["max_slope_deg"])
    method = request.method or str(cfg["method"])
    if method not in ("wsum", "topsis"):
        raise InputError(f"landpark.toml [siting] method = {method!r}: use wsum or topsis")
    top = int(request.top or cfg["top"])
    weights, ahp_info = _weights(cfg, request)
    within = request.within
    if isinstance(within, (str, Path)):
        within = read_search_area(within, data.crs)
    limits = RuleLimits(min_mu, max_mu, float(cfg["overlap_tolerance_m2"]), float(cfg["boundary_tolerance_m2"]),
                        max_slope, require_lines=not request.allow_outside_lines)
    resolved = {"area_mu": min_mu, "max_area_mu": max_mu, "industry": request.industry, "top": top, "method": method,
                "include_idle": request.include_idle, "include_low_efficiency": request.include_low_efficiency,
                "allow_outside_lines": request.allow_outside_lines, "max_slope_deg": max_slope,
                "within": str(request.within) if isinstance(request.within, (str, Path)) else within is not None,
                "merge_gap_m": float(cfg["merge_gap_m"]), "overlap_tolerance_m2": limits.overlap_tolerance_m2,
                "boundary_tolerance_m2": limits.boundary_tolerance_m2}

    # 1. available land
    reason = availability(data.parcels, include_idle=request.include_idle,
                          include_low_efficiency=request.include_low_efficiency, idle_by_date=data.idle_by_date,
                          low_far=data.low_far, d_class_owners=data.d_class_owners)
    avail = np.flatnonzero(reason != None)  # noqa: E711
    summary: dict[str, Any] = {"available_parcels": int(len(avail)), "available_by_reason": {
        r: int((reason == r).sum()) for r in AVAILABILITY_REASONS if (reason == r).any()}, "rule_order": list(RULES)}
    if len(avail) == 0:
        notices.append("no available parcels for this request (see --include-idle, --include-low-efficiency)")
        return SitingResult(resolved, [], {r: 0 for r in RULES}, {**summary, "sites_generated": 0, "sites_passed": 0},
                            {"name": method, "weights": {}, "dropped": [], "ahp": ahp_info}, notices, data.crs)

    # 2. sites and hard rules; each removed site counts under the first rule it fails
    say(f"{len(avail)} available parcels; growing contiguous sites…")
    pool = _grow_pool(data, cfg, avail, limits, within)
    first = first_failure(pool.checks)
    ok = np.flatnonzero(first == None)  # noqa: E711
    excluded = {name: int((first == name).sum()) for name in RULES}
    summary["rule_failures"] = {n: int((~c.passed).sum()) if c.applied else 0 for n, c in pool.checks.items()}
    summary.update({"sites_generated": len(pool.sites), "sites_passed": int(len(ok))})
    if pool.slope is None:
        notices.append("no DEM (rasters/dem.tif): the slope rule is not checked and the slope criterion is dropped")
    for name, check in pool.checks.items():
        quiet = name == "search_area" or (name == "slope" and pool.slope is None) or \
            (name == "protection_line" and request.allow_outside_lines)
        if check.note and not quiet:
            notices.append(f"{name} rule: {check.note}")

    # 3. soft criteria and scores of the sites that passed
    site_units = _site_units(data, cfg, pool, ok)
    criteria = _criteria(data, cfg, request, pool, ok, site_units, limits, notices)
    active = [name for name in CRITERIA if name in criteria and weights.get(name, 0.0) > 0]
    if not active and criteria:
        active = [name for name in CRITERIA if name in criteria]
        weights = {name: 1.0 for name in active}
        notices.append("every criterion that could be computed has weight 0: equal weights used")
    w = normalise_weights([weights[n] for n in active]) if active else np.zeros(0)
    matrix = np.column_stack([criteria[n].norm for n in active]) if active else np.zeros((len(ok), 0))
    score_of = _score_function(method)
    scores = score_of(matrix, w)
    order = np.argsort(-scores, kind="stable")

    # 4. shortlist, re-checked on the dissolved geometry
    say("checking the best sites on their dissolved geometry…")
    chosen, failures = _shortlist(data, pool, ok, order, top, bool(cfg["distinct"]), limits)
    for name, count in failures.items():
        excluded[name] += count
    summary["sites_failed_on_dissolved_geometry"] = int(sum(failures.values()))
    summary["returned"] = len(chosen)

    sensitivity = _sensitivity(matrix, w, [c[0] for c in chosen], score_of, float(cfg["sensitivity_step"]))
    ids_all = data.parcels["parcel_id"].astype(str).to_numpy() if "parcel_id" in data.parcels else \
        np.arange(len(data.parcels)).astype(str)
    candidates = []
    for rank, (pos, k, geometry, area_mu, rules) in enumerate(chosen, start=1):
        members = avail[pool.sites.parcels_of(k)]
        ids = ids_all[members]
        breakdown = {name: criteria[name].entry(pos, float(w[j])) for j, name in enumerate(active)}
        reasons = pd.Series(reason[members]).value_counts()
        candidates.append({
            "rank": rank, "site_id": _site_id(ids), "area_mu": round(area_mu, 4), "score": round(float(scores[pos]), 4),
            "parcel_ids": [str(i) for i in ids], "unit_ids": [u["unit_id"] for u in site_units.rows[pos]],
            "units": site_units.rows[pos], "availability": {str(r): int(n) for r, n in reasons.items()},
            "criteria": breakdown, "rules": rules, "sensitivity": sensitivity[rank - 1], "geometry": geometry,
        })
    method_info = {"name": method, "weights": {n: round(float(x), 6) for n, x in zip(active, w)},
                   "dropped": [n for n in CRITERIA if n not in criteria] if len(ok) else [], "ahp": ahp_info,
                   "score": "TOPSIS closeness × 100" if method == "topsis" else "Σ weight × normalised × 100"}
    return SitingResult(resolved, candidates, excluded, summary, method_info, notices, data.crs)


def _site_id(parcel_ids: np.ndarray) -> str:
    """Stable id from the sorted parcel ids, so the same site keeps its id across runs."""
    digest = hashlib.sha1("|".join(sorted(map(str, parcel_ids))).encode()).hexdigest()[:10]
    return f"S-{digest}"


def _exact_check(data: SitingData, zones: Zones, parts: list[np.ndarray], slope_mean: np.ndarray | None,
                 limits: RuleLimits) -> list[tuple[shapely.Geometry, float, dict[str, Any], list[str]]]:
    """Dissolve each site's parcels and check every rule on the real geometry (overlaps count once)."""
    geometry = np.asarray([shapely.union_all(p) for p in parts], dtype=object)
    area_m2 = ellipsoidal_area_m2(geometry, data.crs)
    planar = shapely.area(geometry)
    scale = np.divide(area_m2, planar, out=np.ones(len(planar)), where=planar > 0)
    measures = zone_measures(geometry, area_m2, scale, zones)
    checks = check_rules(measures, area_m2 / MU_M2, slope_mean, limits)
    out = []
    for i in range(len(geometry)):
        failed = [name for name in RULES if checks[name].applied and not checks[name].passed[i]]
        if geometry[i] is None or shapely.is_empty(geometry[i]):
            failed = failed or ["area"]
        out.append((geometry[i], float(area_m2[i] / MU_M2), {name: c.entry(i) for name, c in checks.items()}, failed))
    return out


def _sensitivity(matrix: np.ndarray, w: np.ndarray, picked: list[int], score_of: Callable, step: float) -> list[dict]:
    """Best and worst rank of each returned site among the returned when each weight moves ±step."""
    n = len(picked)
    if n == 0:
        return []
    best, worst = np.arange(1, n + 1), np.arange(1, n + 1)
    if matrix.shape[1] > 1 and step > 0:
        for j in range(matrix.shape[1]):
            for sign in (-1.0, 1.0):
                ws = w.copy()
                ws[j] *= 1.0 + sign * step
                r = rank_desc(score_of(matrix, ws)[picked])
                best, worst = np.minimum(best, r), np.maximum(worst, r)
    return [{"rank_best": int(b), "rank_worst": int(x), "weight_step": step} for b, x in zip(best, worst)]


@dataclass
class _SiteUnits:
    """For the passing sites: the units each lies in (rows for the output), and its own unit."""

    pieces: pd.DataFrame  # pos (index into the passing sites), unit, mu, share, kind
    rows: list[list[dict]]
    own: np.ndarray  # unit position or -1


def _site_units(data: SitingData, cfg: dict[str, Any], pool: _Pool, ok: np.ndarray) -> _SiteUnits:
    """Aggregate the parcels' unit pieces per (passing site, unit): shares, listed units, own unit."""
    n, units = len(ok), data.units
    rows: list[list[dict]] = [[] for _ in range(n)]
    own = np.full(n, -1)
    if len(units) == 0 or n == 0:
        return _SiteUnits(pd.DataFrame(columns=["pos", "unit", "mu", "share", "kind"]), rows, own)
    pieces = data.unit_pieces(pool.positions)
    local = np.full(len(data.parcels), -1)
    local[pool.positions] = np.arange(len(pool.positions))
    pieces = pieces.assign(parcel=local[pieces["parcel"].to_numpy(dtype=int)])
    pos_of = np.full(len(pool.sites), -1)
    pos_of[ok] = np.arange(n)
    members = pd.DataFrame({"pos": pos_of[pool.sites.site_of_member], "parcel": pool.sites.members})
    members = members[members["pos"].to_numpy() >= 0]
    su = members.merge(pieces, on="parcel").groupby(["pos", "unit"], as_index=False)["mu"].sum()
    su["share"] = su["mu"].to_numpy() / pool.area_mu[ok][su["pos"].to_numpy()]
    su["kind"] = units["unit_kind"].to_numpy()[su["unit"].to_numpy()]
    listed = su[su["share"] >= float(cfg["unit_list_min_share"])].sort_values(["pos", "share"], ascending=[True, False])
    uid, uname = units["unit_id"].astype(str).to_numpy(), units["name"].astype(str).to_numpy()
    for pos, unit, kind, share in listed[["pos", "unit", "kind", "share"]].itertuples(index=False):
        rows[pos].append({"unit_id": uid[unit], "unit_kind": kind, "name": uname[unit], "share": round(float(share), 4)})
    held = su[su["share"] >= float(cfg["unit_min_share"])].copy()
    held["priority"] = [UNIT_PRIORITY.index(k) if k in UNIT_PRIORITY else len(UNIT_PRIORITY) for k in held["kind"]]
    held = held.sort_values(["pos", "priority", "share"], ascending=[True, True, False]).drop_duplicates("pos")
    own[held["pos"].to_numpy()] = held["unit"].to_numpy()
    return _SiteUnits(su, rows, own)


def _industry_criterion(cfg: dict[str, Any], request: SiteRequest, units: pd.DataFrame, su: pd.DataFrame, n: int,
                        notices: list[str]) -> Criterion | None:
    """Share of each site inside units whose leading industries match the request (None: dropped)."""
    industry = (request.industry or "").strip()
    if not industry:
        notices.append("no --industry given: the industry_match criterion is dropped")
        return None
    if len(units) == 0 or "leading_industries" not in units:
        notices.append("no evaluation units with leading industries: the industry_match criterion is dropped")
        return None
    ind = cfg["industry"]
    matcher = IndustryMatcher(ind.get("synonyms", []), suffixes=ind.get("suffixes", DEFAULT_SUFFIXES),
                              min_contain_chars=int(ind.get("min_contain_chars", 2)))
    found = matcher.match_many(industry, units["leading_industries"].tolist())
    matched = np.asarray([m.matched for m in found], dtype=bool)
    hits = su[matched[su["unit"].to_numpy()]] if len(su) else su
    raw = np.zeros(n)
    detail = ["no unit with a matching leading industry"] * n
    if len(hits):
        # units of one kind do not overlap, so shares add within a kind; kinds nest, so take the best kind
        by_kind = hits.groupby(["pos", "kind"], as_index=False)["share"].sum()
        best = by_kind.sort_values("share", ascending=False).drop_duplicates("pos")
        raw[best["pos"].to_numpy()] = np.minimum(best["share"].to_numpy(), 1.0)
        names = units["name"].astype(str).to_numpy()
        top_unit = hits.sort_values("share", ascending=False).drop_duplicates("pos")
        for pos, unit in top_unit[["pos", "unit"]].itertuples(index=False):
            detail[pos] = f"{names[unit]}: {found[unit].describe()}"
    return Criterion("industry_match", raw, raw, "share", detail)


def _criteria(data: SitingData, cfg: dict[str, Any], request: SiteRequest, pool: _Pool, ok: np.ndarray,
              site_units: _SiteUnits, limits: RuleLimits, notices: list[str]) -> dict[str, Criterion]:
    """Every criterion that can be computed, for the passing sites `ok`; notices say what was dropped."""
    out: dict[str, Criterion] = {}
    n = len(ok)
    if n == 0:
        return out
    offsets, mem, site_mu = pool.sites.offsets, pool.sites.members, pool.area_mu
    units, own = data.units, site_units.own
    industry = _industry_criterion(cfg, request, units, site_units.pieces, n, notices)
    if industry is not None:
        out["industry_match"] = industry

    has_own = own >= 0
    names = units["name"].astype(str).to_numpy() if len(units) else np.empty(0, dtype=object)
    own_name = [names[u] if u >= 0 else "" for u in own]

    def unit_values(column: str) -> np.ndarray:
        values = np.full(n, np.nan)
        if column in units:
            values[has_own] = pd.to_numeric(units[column], errors="coerce").to_numpy(dtype=float)[own[has_own]]
        return values

    def unit_text(values: np.ndarray, fmt: str) -> list[str]:
        return [format(v, fmt) if np.isfinite(v) else "no data" if nm else "not in a unit"
                for nm, v in zip(own_name, values)]

    indicator = str(cfg["performance_indicator"])
    bench = data.district.get(indicator)
    perf = unit_values(indicator)
    if not np.isfinite(perf).any():
        notices.append(f"no site lies in a unit with {indicator}: the unit_performance criterion is dropped")
    elif not (isinstance(bench, (int, float)) and np.isfinite(bench) and bench > 0):
        notices.append(f"district {indicator} is unavailable: the unit_performance criterion is dropped")
    else:
        text = [f"{nm}: {t} (district {bench:.3g})" if nm else t for nm, t in zip(own_name, unit_text(perf, ".3g"))]
        out["unit_performance"] = Criterion("unit_performance", perf, benchmark_ratio(
            perf, float(bench), float(cfg["performance_cap"])), "10k_yuan_per_mu", text)
    supply = unit_values("supply_ratio")
    if np.isfinite(supply).any():
        text = [f"{nm}: {t}" if nm else t for nm, t in zip(own_name, unit_text(supply, ".1%"))]
        out["unit_supply"] = Criterion("unit_supply", supply, fraction(supply, str(cfg["supply_ratio_direction"])),
                                       "ratio", text)
    else:
        notices.append("no site lies in a unit with a supply ratio: the unit_supply criterion is dropped")

    dist = data.parcel_road_distance(pool.positions)
    if dist is None:
        notices.append("no roads layer: the road_access criterion is dropped")
    else:
        per_class = {c: _reduce(dist[c].to_numpy(dtype=float)[mem], offsets, "min")[ok] for c in dist.columns}
        eff, norm, text = road_access(per_class, cfg["road_class_factors"], float(cfg["road_class_factor_default"]),
                                      float(cfg["road_distance_max_m"]))
        out["road_access"] = Criterion("road_access", eff, norm, "m", text)

    out["size_fit"] = Criterion("size_fit", site_mu[ok], size_fit(site_mu[ok], limits.min_mu, limits.max_mu), "mu")
    site_planar = _reduce(pool.planar[mem], offsets, "sum")
    pp, pp_norm = compactness(site_planar[ok], pool.sites.perimeter[ok], float(cfg["compactness_ideal"]))
    out["compactness"] = Criterion("compactness", pp, pp_norm, "polsby_popper")
    if pool.slope is not None:
        s = pool.slope[ok]
        out["slope"] = Criterion("slope", s, slope_score(s, limits.max_slope_deg), "deg",
                                 ["" if np.isfinite(v) else "not covered by the DEM" for v in s])
    measures = pool.measures
    if measures["lines_m2"].notna().all():
        levels = cfg["line_level_scores"]
        share, score = line_score(measures["area_m2"].to_numpy()[ok], measures["red_m2"].to_numpy()[ok],
                                  measures["lines_m2"].to_numpy()[ok], float(levels.get("red", 1.0)),
                                  float(levels.get("blue", 0.5)))
        out["protection_line"] = Criterion("protection_line", share, score, "share")
    else:
        notices.append("no protection_lines layer: the protection_line criterion is dropped")
    return out
