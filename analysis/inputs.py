"""The layers an evaluation needs, read once from a project and prepared (areas in mu).

Units of the four evaluation-unit kinds are stacked into one frame with `unit_id`,
`unit_kind` and `name`, so every indicator is computed once for all of them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.land_links import FIRM_COLUMN, METHOD_COLUMN, LinkReport, link_parcels, link_parcels_frame
from layers import project_cache
from layers.config import Config, config_from_dict
from layers.problems import Problem
from layers.project import Project
from layers.schema import EVALUATION_UNIT_KINDS, LAYERS
from layers.years import evaluation_date_of, resolve_firm_year, rows_of_year
from spatial.area import MU_M2, ellipsoidal_area_m2


@dataclass
class EvaluationInputs:
    """Everything `score` reads: units, parcels, enterprises, approvals, config and data issues."""

    units: gpd.GeoDataFrame
    parcels: gpd.GeoDataFrame
    enterprises: pd.DataFrame
    approvals: gpd.GeoDataFrame | None
    config: Config  # validated landpark.toml (typed sections: `config.supply.floor_ratio` …)
    data_issues: pd.DataFrame = field(default_factory=pd.DataFrame)
    crs: Any = None
    land_links: pd.DataFrame | None = None  # the imported link table (uscc ↔ parcel_id), if any
    links: LinkReport | None = None  # set with parcels["firm_uscc"] by `link_inputs` (analysis/land_links.py)
    events: pd.DataFrame | None = None  # enterprise events (安全生产事故, 高新技术企业 …) for the method's adjustments
    tenancy: pd.DataFrame | None = None  # tenant ↔ landlord / parcel rows for leases and tenancy rules
    root: Any = None  # the project folder (method files named with a relative path are read from it)
    year: int | None = None  # the year whose firm rows these are (None: a table without years)
    as_of: Any = None  # the date the layers were taken as of (None: their current versions)
    versions: dict[str, int] = field(default_factory=dict)  # layer → version read, when read as of a date
    notes: list[Problem] = field(default_factory=list)  # what choosing the year and versions had to assume


# The attributes stack_units keeps of an evaluation-unit layer, beside its id field (the rest is never used).
UNIT_ATTRIBUTES = ("name", "level", "leading_industries", "min_industrial_share")
# Parcel fields only the front doors' extra analyses read from `inputs.parcels` (标准地 review, supply mix), never
# `evaluate`: left out by EVALUATE_COLUMNS.
PARCEL_FIELDS_NOT_EVALUATED = ("standard_land", "committed_investment_intensity", "committed_far_min",
                               "committed_tax_per_mu", "committed_value_added_per_energy",
                               "committed_value_added_per_emission", "committed_rd_ratio", "production_due_date",
                               "supply_type", "lease_term_years", "lease_start_date", "lease_end_date")

ColumnSpec = Mapping[str, Sequence[str] | None]  # layer kind → the attributes to read (None: all); absent kinds: all


def _unit_columns() -> dict[str, list[str]]:
    """Per evaluation-unit kind, its id field and the attributes stack_units keeps."""
    return {kind: list(dict.fromkeys([str(LAYERS[kind].id_field), *UNIT_ATTRIBUTES])) for kind in EVALUATION_UNIT_KINDS}


# What load_inputs reads by default: unit layers narrowed to what stack_units keeps; every other layer whole, since
# the exports, the 标准地 review, the supply mix and method files (which may name any enterprise field) read
# `inputs` after the evaluation.
INPUT_COLUMNS: dict[str, list[str] | None] = {**_unit_columns()}
# Everything: what load_inputs read before columns were chosen (for comparisons and callers that want it all).
ALL_COLUMNS: dict[str, list[str] | None] = {}
# Enough for `evaluate` alone (a caller that keeps only the Evaluation, e.g. the year before in a comparison).
EVALUATE_COLUMNS: dict[str, list[str] | None] = {
    **INPUT_COLUMNS,
    "parcels": [f.name for f in LAYERS["parcels"].fields if f.name not in PARCEL_FIELDS_NOT_EVALUATED],
}


def stack_units(layers: dict[str, gpd.GeoDataFrame], crs) -> gpd.GeoDataFrame:
    """One frame of all evaluation units: unit_id, unit_kind, name, level, leading_industries, geometry, area_mu."""
    parts = []
    for kind in EVALUATION_UNIT_KINDS:
        frame = layers.get(kind)
        if frame is None or len(frame) == 0:
            continue
        id_field = LAYERS[kind].id_field
        part = pd.DataFrame({
            "unit_id": frame[id_field].astype(str).to_numpy(),
            "unit_kind": kind,
            "name": frame["name"].astype(str).to_numpy() if "name" in frame else frame[id_field].astype(str).to_numpy(),
            "level": frame["level"].to_numpy() if "level" in frame else None,
            "leading_industries": frame["leading_industries"].to_numpy() if "leading_industries" in frame else None,
            "min_industrial_share": frame["min_industrial_share"].to_numpy() if "min_industrial_share" in frame else np.nan,
        })
        part["geometry"] = frame.geometry.to_numpy()
        parts.append(part)
    if not parts:
        return gpd.GeoDataFrame({"unit_id": [], "unit_kind": [], "name": [], "area_mu": []}, geometry=[], crs=crs)
    units = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=crs)
    units["area_mu"] = ellipsoidal_area_m2(units.geometry.to_numpy(), crs) / MU_M2
    return units


def prepare_parcels(parcels: gpd.GeoDataFrame, config: Config | Mapping[str, Any], *,
                    ellipsoidal_m2: np.ndarray | None = None) -> gpd.GeoDataFrame:
    """Add area_mu (ellipsoidal), planar-to-ellipsoidal scale, and the industrial flag from the toml.

    `ellipsoidal_m2`: the parcels' ellipsoidal areas when already known (the project cache), else computed."""
    parcels = parcels.copy()
    geoms = parcels.geometry.to_numpy()
    ell = ellipsoidal_area_m2(geoms, parcels.crs) if ellipsoidal_m2 is None else np.asarray(ellipsoidal_m2, dtype=float)
    planar = shapely.area(geoms)
    parcels["area_mu"] = ell / MU_M2
    # Ellipsoidal ÷ planar area is constant to ~1e-9 across one parcel, so a clipped piece's
    # ellipsoidal area is its planar area times its parcel's scale.
    parcels["_scale"] = np.divide(ell, planar, out=np.ones_like(ell), where=planar > 0)
    land = config_from_dict(config).land_use
    categories = set(land.industrial_categories)
    if land.include_warehouse:
        categories.add("warehouse")
    cat = parcels.get("land_use_category", pd.Series(index=parcels.index, dtype=object))
    parcels["is_industrial"] = cat.isin(categories).to_numpy()
    parcels["is_m0"] = (cat == "m0").to_numpy()
    return parcels


def _empty_layer(kind: str, crs) -> gpd.GeoDataFrame:
    """A layer with no features but every schema column, so the evaluation runs on a partial project."""
    from layers.schema import LAYERS

    columns = {f.name: pd.Series([], dtype=object) for f in LAYERS[kind].fields}
    return gpd.GeoDataFrame(columns, geometry=[], crs=crs)


def _area_code() -> list[str]:
    """What the parcels' ellipsoidal areas depend on besides the geometry: the source of the code computing them
    and the PROJ and GEOS versions (a cached area is never reused across either)."""
    import pyproj  # noqa: PLC0415

    from spatial import area  # noqa: PLC0415

    return [inspect.getsource(area), inspect.getsource(prepare_parcels), pyproj.proj_version_str, shapely.geos_version_string]


def _parcel_areas(project: Any, table: str | None, parcels: gpd.GeoDataFrame, state: str | None) -> np.ndarray:
    """The parcels' ellipsoidal areas (m²): from the project's cache when it holds those of this table at project
    state `state` (the content hash taken before the parcels were read), else computed (and kept there). Used or
    kept only when the project is still in that state, so the parcels read are the ones the areas belong to."""
    compute = lambda: ellipsoidal_area_m2(parcels.geometry.to_numpy(), parcels.crs)  # noqa: E731
    if not isinstance(project, Project) or table is None or state is None or not len(parcels):
        return compute()
    return project_cache.cached_column(project.root, state, table, "ellipsoidal_m2", len(parcels), compute,
                                       depends_on=[*_area_code(), str(parcels.crs)],
                                       unchanged=lambda: project.content_hash() == state)


def load_inputs(project: Project, *, year: int | None = None, as_of: dt.date | None = None,
                columns: ColumnSpec | None = None, cache: bool = True) -> EvaluationInputs:
    """Read the project's layers needed by the evaluation.

    `year`: the year whose firm rows are scored (default: the project's year when the firm data hold several,
    layers.years.resolve_firm_year). Given a year, the layers are those in force on that year's evaluation
    date (the project's evaluation date moved into it) or on `as_of`, which also becomes the evaluation date;
    without either, the current versions are read and the project's dates stand.
    `columns`: the attributes read per layer kind (default INPUT_COLUMNS; EVALUATE_COLUMNS is enough for
    `evaluate` alone, ALL_COLUMNS reads everything). `cache`: use the project folder's columnar cache
    (layers/project_cache.py) for big tables; the inputs are the same either way."""
    # A project opened with its integrity check running beside the reads (Project.open(check_in_background=True))
    # is waited for before anything read is returned; a damaged file explains a failed read better than GDAL does.
    wait = getattr(project, "wait_until_checked", lambda: None)
    try:
        inputs = _read_inputs(project, year=year, as_of=as_of, columns=columns, cache=cache)
    except BaseException:
        wait()
        raise
    wait()
    return inputs


def _read_inputs(project: Project, *, year: int | None, as_of: dt.date | None, columns: ColumnSpec | None,
                 cache: bool) -> EvaluationInputs:
    """`load_inputs` without the wait for a background integrity check. A big table read from project.gpkg is
    kept in the columnar cache on a thread of its own (GDAL and Parquet, which release the GIL) while the other
    layers are read and the parcels linked; the cache holds it before this returns."""
    with ThreadPoolExecutor(1, thread_name_prefix="landpark-cache-write") as keeper:
        return _read_all(project, year=year, as_of=as_of, columns=columns, cache=cache, keeper=keeper)


def _read_all(project: Project, *, year: int | None, as_of: dt.date | None, columns: ColumnSpec | None,
              cache: bool, keeper: Executor) -> EvaluationInputs:
    """`_read_inputs`, with the cache writes handed to `keeper`."""
    spec = INPUT_COLUMNS if columns is None else columns
    config = project.config
    names = set(project.layer_names())
    notes: list[Problem] = []

    cached = cache and isinstance(project, Project)  # a PostGIS project is read from its database

    def fetch(kind: str, **where: Any) -> gpd.GeoDataFrame:
        wanted = spec.get(kind)
        options: dict[str, Any] = {**where, "cache": True, "keep_in": keeper} if cached else dict(where)
        return project.read_layer(kind, columns=None if wanted is None else list(wanted), **options)

    def fetch_then(kind: str, then: Any, **where: Any) -> gpd.GeoDataFrame:
        """`fetch`, with `then(frame)` called as soon as the frame is read (before the cache keeps it)."""
        if not cached:
            frame = fetch(kind, **where)
            then(frame)
            return frame
        wanted = spec.get(kind)
        return project.read_layer(kind, columns=None if wanted is None else list(wanted), cache=True, then=then,
                                  keep_in=keeper, **where)

    enterprises = fetch("enterprises") if "enterprises" in names else pd.DataFrame({"uscc": []})
    chosen, note = resolve_firm_year(enterprises, year, config.project.year)
    if note:
        notes.append(Problem("warning", "firm_year_fallback", note, layer="enterprises", field="year",
                             message_zh=f"企业数据中没有项目年度 {config.project.year} 年的数据，按最新年度 {chosen} 年评价"))
    enterprises = rows_of_year(enterprises, chosen)
    if year is not None or as_of is not None:
        when = as_of or evaluation_date_of(config.project.evaluation_date, config.project.year, year or config.project.year)
        settings = dataclasses.replace(config.project, year=chosen if chosen is not None else config.project.year,
                                       evaluation_date=when)
        config = dataclasses.replace(config, project=settings)
    taken: dict[str, int] = {}
    tables: dict[str, str] = {}

    def read(kind: str, then: Any = None) -> gpd.GeoDataFrame:
        if as_of is None and year is None:
            tables[kind] = kind
            return fetch(kind) if then is None else fetch_then(kind, then)
        version, why = project.version_note(kind, config.project.evaluation_date)
        taken[kind] = version
        if why:
            notes.append(Problem("warning", "layer_version_fallback", why, layer=kind,
                                 message_zh=f"图层 {kind} 在 {config.project.evaluation_date.isoformat()} 没有生效的版本，"
                                            f"使用最早的第 {version} 版"))
        if isinstance(project, Project):
            tables[kind] = project.layer_table(kind, version=version)
        return fetch(kind, version=version) if then is None else fetch_then(kind, then, version=version)

    layers = {k: read(k) for k in EVALUATION_UNIT_KINDS if k in names}
    crs = project.crs
    units = stack_units(layers, crs)
    raw = _empty_layer("parcels", crs)
    areas: list[Future[np.ndarray | None]] = []
    with ThreadPoolExecutor(1, thread_name_prefix="landpark-areas") as background:
        if "parcels" in names:
            state = project.content_hash() if cached else None

            def start_areas(frame: gpd.GeoDataFrame) -> None:
                # The parcels' ellipsoidal areas (PROJ and numpy, which release the GIL) are computed from the moment
                # the parcels are read, beside the cache write, the other reads and the linking below (Python): a
                # cold read costs about the longest of them, not their sum.
                table = tables.get("parcels")
                areas.append(background.submit(lambda: _parcel_areas(project, table, frame, state) if cached
                                               else ellipsoidal_area_m2(frame.geometry.to_numpy(), frame.crs)))

            raw = read("parcels", then=start_areas)
        else:
            areas.append(background.submit(lambda: None))
        approvals = read("land_approvals") if "land_approvals" in names else None
        land_links = pd.DataFrame(read("land_links")) if "land_links" in names else None
        events = pd.DataFrame(read("enterprise_events")) if "enterprise_events" in names else None
        tenancy = pd.DataFrame(read("tenancy")) if "tenancy" in names else None
        links = link_parcels(raw, enterprises, land_links)
        parcels = prepare_parcels(raw, config, ellipsoidal_m2=areas[0].result())
    parcels[FIRM_COLUMN] = links.firm.to_numpy()  # as link_inputs adds them
    parcels[METHOD_COLUMN] = links.method.to_numpy()
    return EvaluationInputs(units=units, parcels=parcels, enterprises=enterprises, approvals=approvals,
                            config=config, data_issues=project.data_issues(), crs=crs, land_links=land_links,
                            links=links.report, events=events, tenancy=tenancy, root=project.root, year=chosen,
                            as_of=None if year is None and as_of is None else config.project.evaluation_date,
                            versions=taken, notes=notes)


def link_inputs(inputs: EvaluationInputs) -> EvaluationInputs:
    """A copy of `inputs` with parcels linked to firms (link table, code, name): parcels["firm_uscc"] and `links`."""
    parcels, links = link_parcels_frame(inputs.parcels, inputs.enterprises, inputs.land_links)
    return dataclasses.replace(inputs, parcels=parcels, links=links)
