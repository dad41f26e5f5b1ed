"""Everything siting reads from a project (SitingData), loaded once, with per-parcel measures cached."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.inputs import EvaluationInputs, load_inputs
from analysis.siting.available import ParcelGraph, availability, parcel_graph
from analysis.siting.constraints import Zones, zone_measures
from analysis.units import overlay_units
from layers.config import Config
from layers.problems import InputError
from layers.project import Project
from spatial.area import MU_M2
from spatial.overlay import nearest_distance
from spatial.raster import Grid, read_grid, slope_grid, zonal_stats

__all__ = ["SitingData", "reduce_sites"]


@dataclass
class SitingData:
    """Everything siting reads from a project, loaded once; per-parcel results are cached here."""

    parcels: gpd.GeoDataFrame  # prepared: area_mu, _scale, is_industrial
    units: gpd.GeoDataFrame  # stacked units with their evaluated indicators (tax_per_mu, supply_ratio …)
    config: Config | dict[str, Any]  # a loaded Config, or a partial dict read over the shipped defaults
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
    # chains (chain_fit) and 标准地: the firms (uscc, name, industry_code, industry; points when located), each
    # unit's member firms (unit_pos, uscc: analysis.members), the chain_leaders layer, and settings that override
    # the config's [clusters] / [standard_land] / [siting.chain] when given (tests, callers holding them already)
    firms: pd.DataFrame | None = None
    members: pd.DataFrame | None = None
    chain_leaders: pd.DataFrame | None = None
    clusters: Any = None
    standard_land: Any = None
    chain: Any = None
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_inputs(cls, inputs: EvaluationInputs, evaluation: Any = None, *, constraints: gpd.GeoDataFrame | None = None,
                    roads: gpd.GeoDataFrame | None = None, dem: Grid | None = None, source: str = "",
                    chain_leaders: pd.DataFrame | None = None) -> SitingData:
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
                   district=dict(ev.district), source=source, firms=inputs.enterprises,
                   members=ev.members[["unit_pos", "uscc"]] if len(ev.members) else None, chain_leaders=chain_leaders)

    @classmethod
    def from_project(cls, project: Project, *, prepare: bool = True,
                     progress: Callable[[str], None] | None = None, inputs: EvaluationInputs | None = None,
                     evaluation: Any = None) -> SitingData:
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
        leaders = project.read_layer("chain_leaders") if "chain_leaders" in names else None
        dem_path = project.raster_path("dem")
        dem = None
        if dem_path.exists():
            try:
                dem = read_grid(dem_path)
            except ValueError as exc:
                raise InputError(f"{dem_path}: {exc}") from None
        say("evaluating units (亩均, 供地率)…" if evaluation is None else "using the evaluation given…")
        data = cls.from_inputs(inputs, evaluation, constraints=constraints, roads=roads, dem=dem, source=str(project.root),
                              chain_leaders=leaders)
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


def reduce_sites(values: np.ndarray, offsets: np.ndarray, how: str) -> np.ndarray:
    """Per-site sum / min / max of member values laid out site by site (`offsets` as in Sites)."""
    starts = offsets[:-1]
    if len(starts) == 0:
        return np.zeros(0)
    if how == "sum":
        return np.add.reduceat(values, starts)
    filled = np.where(np.isnan(values), np.inf if how == "min" else -np.inf, values)
    out = (np.minimum if how == "min" else np.maximum).reduceat(filled, starts)
    return np.where(np.isfinite(out), out, np.nan)
