"""A project's layers prepared for the overview web map (compact, lon/lat, display only).

`read_map_frames` reads only the columns the map shows; `prepare_map_layers` turns them into
`CompactLayer`s (see `maps.codec`) plus an index of the evaluation units (key, name,
display bounds) for search and zoom. Units carry the property `uk` = "kind|id", the key the app
reads back from a click. Parcels beyond `parcel_limit` are merged per supply status so the page
stays light on very large districts (the caption says so).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.land_links import link_parcels_frame
from layers.schema import LAYERS
from layers.years import resolve_firm_year, rows_of_year
from maps.codec import DEFAULT_PRECISION, CompactLayer, encode_layer
from maps.webmap import DRAW_ORDER, STYLE_FIELD, TOOLTIP_FIELDS, UNIT_KINDS, display_geometries

UNIT_EXTRA = ("name", "level", "kind", "leading_industries")


@dataclass
class MapLayers:
    """Everything the overview map draws, ready to embed."""

    layers: dict[str, CompactLayer]
    bounds: tuple[float, float, float, float] | None
    counts: dict[str, int]                      # features per layer in the project
    units: pd.DataFrame                         # uk, unit_kind, unit_id, name, minx, miny, maxx, maxy (display lon/lat)
    firm_order: list[str] = field(default_factory=list)   # uscc of each drawn enterprise, in payload order
    parcels_merged: bool = False
    gcj02: bool = False

    @property
    def nbytes(self) -> int:
        """Bytes of all layer payloads (the bulk of the page)."""
        return sum(layer.nbytes for layer in self.layers.values())


def unit_key(kind: str, unit_id: object) -> str:
    """The key of an evaluation unit on the map and in the app's session: "kind|id"."""
    return f"{kind}|{unit_id}"


def read_map_frames(project) -> dict[str, gpd.GeoDataFrame]:
    """The project's map layers, each with only the columns the map shows (faster to read)."""
    names = set(project.layer_names())
    frames = {}
    for kind in DRAW_ORDER:
        if kind not in names:
            continue
        spec = LAYERS[kind]
        wanted = set(TOOLTIP_FIELDS.get(kind, [])) | {STYLE_FIELD.get(kind)} | ({spec.id_field} if spec.id_field else set())
        if kind in UNIT_KINDS:
            wanted |= set(UNIT_EXTRA)
        if kind == "enterprises":
            wanted |= {"uscc", "name", "industry", "year", "half"}
        if kind == "parcels" and "enterprises" in names:
            wanted |= {"owner_uscc", "owner_name"}  # firms without their own point are drawn on their first parcel
        columns = [f.name for f in spec.fields if f.name in wanted]
        frames[kind] = project.read_layer(kind, columns=columns)
    if "enterprises" in frames:  # one point per firm: the rows of the year the evaluation takes by default
        firms = frames["enterprises"]
        year, _note = resolve_firm_year(firms, None, project.config.project.year)
        frames["enterprises"] = rows_of_year(firms, year).drop(columns=["year", "half"], errors="ignore")
    if "parcels" in frames and "enterprises" in frames:  # the same firm ↔ parcel links the evaluation uses
        links = pd.DataFrame(project.read_layer("land_links")) if "land_links" in names else None
        frames["parcels"], _report = link_parcels_frame(frames["parcels"], frames["enterprises"], links)
    return frames


def _merge_parcels(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Parcels merged per supply status (one multipolygon each), with the parcel count."""
    status = frame["supply_status"].astype(object).where(frame["supply_status"].notna(), None) \
        if "supply_status" in frame else pd.Series([None] * len(frame), index=frame.index)
    codes, values = pd.factorize(status, use_na_sentinel=False)
    merged = [shapely.union_all(frame.geometry.to_numpy()[codes == i]) for i in range(len(values))]  # ≤ 5 groups
    return gpd.GeoDataFrame({"supply_status": list(values), "parcel_count": np.bincount(codes).tolist()},
                            geometry=merged, crs=frame.crs)


def prepare_map_layers(frames: dict[str, gpd.GeoDataFrame], *, gcj02: bool = False,
                       precision: float = DEFAULT_PRECISION, simplify_m: float = 1.0,
                       parcel_limit: int = 60_000, merged_simplify_m: float = 5.0) -> MapLayers:
    """Encode every layer for the map; units get `uk`; enterprises get a point (own, else on an owned parcel)."""
    layers: dict[str, CompactLayer] = {}
    counts: dict[str, int] = {}
    unit_rows = []
    bounds = None
    firm_order: list[str] = []
    merged = False
    for kind in DRAW_ORDER:
        frame = frames.get(kind)
        if frame is None:
            continue
        counts[kind] = len(frame)
        spec = LAYERS[kind]
        if kind == "enterprises":
            layer, firm_order = _enterprise_layer(frame, frames.get("parcels"), gcj02, precision)
            if layer is not None:
                layers[kind] = layer
            continue
        if not isinstance(frame, gpd.GeoDataFrame) or len(frame) == 0:
            continue
        if kind == "parcels" and len(frame) > parcel_limit:
            frame, merged = _merge_parcels(frame), True
            geoms = display_geometries(frame, simplify_m=merged_simplify_m, gcj02=gcj02)
        else:
            geoms = display_geometries(frame, simplify_m=simplify_m, gcj02=gcj02)
        columns = [c for c in dict.fromkeys([*TOOLTIP_FIELDS.get(kind, []), STYLE_FIELD.get(kind)])
                   if c and c in frame.columns]
        props = pd.DataFrame({c: frame[c].to_numpy() for c in columns})
        if kind in UNIT_KINDS:
            ids = frame[spec.id_field].astype(str).to_numpy() if spec.id_field in frame else np.arange(len(frame)).astype(str)
            props.insert(0, "uk", [unit_key(kind, i) for i in ids])
            names = frame["name"].astype(str).to_numpy() if "name" in frame else ids
            props["name"] = names
            b = shapely.bounds(geoms)
            unit_rows.append(pd.DataFrame({"uk": props["uk"].to_numpy(), "unit_kind": kind, "unit_id": ids, "name": names,
                                           "minx": b[:, 0], "miny": b[:, 1], "maxx": b[:, 2], "maxy": b[:, 3]}))
        layers[kind] = encode_layer(kind, geoms, props, precision=precision)
        if kind in ("parcels", "constraints") or bounds is None:
            ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
            if ok.any():
                bounds = tuple(float(v) for v in shapely.total_bounds(geoms[ok]))
    units = pd.concat(unit_rows, ignore_index=True) if unit_rows else \
        pd.DataFrame(columns=["uk", "unit_kind", "unit_id", "name", "minx", "miny", "maxx", "maxy"])
    return MapLayers(layers, bounds, counts, units, firm_order, merged, gcj02)


def _enterprise_layer(frame: pd.DataFrame, parcels: gpd.GeoDataFrame | None, gcj02: bool,
                      precision: float) -> tuple[CompactLayer | None, list[str]]:
    from reports import firm_points  # noqa: PLC0415

    if "uscc" not in frame or len(frame) == 0:
        return None, []
    owner_parcels = parcels if parcels is not None else pd.DataFrame()
    points, _source = firm_points(frame, owner_parcels)
    if len(points) == 0:
        return None, []
    table = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    table["uscc"] = table["uscc"].astype(str)
    table = table.drop_duplicates("uscc").set_index("uscc").reindex(points.index)
    crs = getattr(frame, "crs", None) or getattr(parcels, "crs", None)
    pts = gpd.GeoDataFrame(geometry=points.to_numpy(), crs=crs)
    geoms = display_geometries(pts, simplify_m=0, gcj02=gcj02)
    props = pd.DataFrame({c: table[c].to_numpy() for c in ("name", "industry") if c in table.columns})
    props["class"] = None
    layer = encode_layer("enterprises", geoms, props, precision=precision, family="point")
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    return layer, [str(u) for u in points.index.to_numpy()[ok]]


def firm_class_string(firm_order: list[str], classes: pd.Series) -> str:
    """One character per drawn enterprise: its class A–D, "-" when it has none (not scored or unknown)."""
    if not firm_order:
        return ""
    values = pd.Series(classes).astype(object)
    values.index = values.index.astype(str)
    values = values[~values.index.duplicated()]
    picked = values.reindex(firm_order).to_numpy(dtype=object)
    known = pd.Series(picked).isin(["A", "B", "C", "D"]).to_numpy()
    return "".join(np.where(known, picked, "-").tolist())


__all__ = ["MapLayers", "firm_class_string", "prepare_map_layers", "read_map_frames", "unit_key"]
