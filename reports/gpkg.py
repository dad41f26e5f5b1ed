"""GeoPackage of an evaluation for QGIS: units with every indicator, enterprises, parcels, data issues.

Field names stay English snake_case (≤ 63 characters); Chinese aliases go into the GeoPackage
schema extension (`gpkg_data_columns.name`, which GDAL reads as the field's alternative name)
and into the default QML style of each layer, stored in QGIS's `layer_styles` table so the
units open coloured by grade.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import pandas as pd
import pyogrio

from analysis.inputs import EvaluationInputs
from analysis.land_links import owner_key
from analysis.score import Evaluation
from i18n import t
from maps.webmap import SUPPLY_COLOURS
from reports import GRADE_COLOURS, NO_GRADE_COLOUR, column_label, firm_points, select_units, unit_reason
from spatial.errors import UsageError

MAX_FIELD = 63  # longest field name kept intact by the common clients (PostgreSQL NAMEDATALEN − 1)
PARCEL_FIELDS = ["parcel_id", "land_use", "land_use_category", "supply_status", "approval_id", "supply_date",
                 "agreed_start_date", "floor_area_m2", "footprint_m2", "owner_uscc", "area_mu"]
FIRM_FIELDS = ["uscc", "name", "group", "units", "point_source", "land_mu", "land_source", "tax_10k_yuan",
               "value_added_10k_yuan", "output_10k_yuan", "tax_per_mu", "value_added_per_mu", "score", "rank", "class",
               "scored", "reason_not_scored"]
ISSUE_FIELDS = ["severity", "layer", "feature", "field", "code", "message", "value", "source"]
QGIS_VERSION = "3.28.0"


def export_gpkg(ev: Evaluation, inputs: EvaluationInputs, path: Path, *, lang: str = "zh",
                unit_ids: list[str] | None = None, progress: Callable[[str], None] | None = None) -> Path:
    """Write units, enterprises, parcels and data issues to one GeoPackage with aliases and default styles."""
    say = progress or (lambda _m: None)
    positions = select_units(ev.units, unit_ids)
    units = _units_layer(ev, inputs).iloc[positions].copy()
    # grade stays NULL where there is no score (the style labels it 未评价); the reason is in the export language
    units["reason_not_scored"] = pd.Series([unit_reason(r, lang) for r in units.to_dict("records")], index=units.index,
                                           dtype=object)
    layers: dict[str, pd.DataFrame] = {"units": units}
    firms = _firms_layer(ev, inputs)
    if len(firms):
        layers["enterprises"] = firms
    if len(inputs.parcels):
        layers["parcels"] = _parcels_layer(ev, inputs)
    issues = pd.DataFrame(ev.warnings).reindex(columns=ISSUE_FIELDS).astype(object)
    layers["data_issues"] = issues.where(issues.notna(), None)
    first = True
    for name, frame in layers.items():
        _check_field_names(name, frame.columns)
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", use_arrow=True,
                                dataset_options={"VERSION": "1.2"} if first else None)
        first = False
    say(f"gpkg: {', '.join(f'{k} {len(v)}' for k, v in layers.items())}")
    aliases = {name: {c: column_label(c, lang) if c != "units" else t("exp_units_in", lang) for c in frame.columns
                      if not isinstance(frame, gpd.GeoDataFrame) or c != frame.geometry.name} for name, frame in layers.items()}
    geom_columns = _geometry_columns(path)
    styles = []
    if "units" in geom_columns:
        styles.append(("units", _categorized_qml("grade", "fill", [(g, g, c) for g, c in GRADE_COLOURS.items()],
                                                 aliases["units"], t("col_grade", lang), t("grade_not_scored", lang))))
    if "parcels" in geom_columns:
        statuses = [(s, t(s, lang), c) for s, c in SUPPLY_COLOURS.items()]
        styles.append(("parcels", _categorized_qml("supply_status", "fill", statuses,
                                                   aliases["parcels"], t("col_supply_status", lang))))
    if "enterprises" in geom_columns:
        styles.append(("enterprises", _categorized_qml("class", "marker", [(g, g, c) for g, c in GRADE_COLOURS.items()],
                                                       aliases["enterprises"], t("col_class", lang))))
    _write_styles(path, [(name, geom_columns[name], qml) for name, qml in styles])
    _write_aliases(path, aliases)
    return path


def _units_layer(ev: Evaluation, inputs: EvaluationInputs) -> gpd.GeoDataFrame:
    """Every column of the unit table, with the unit geometry (same order as the evaluation)."""
    table = ev.units.reset_index(drop=True)
    return gpd.GeoDataFrame(table, geometry=inputs.units.geometry.reset_index(drop=True).to_numpy(), crs=inputs.units.crs)


def _firms_layer(ev: Evaluation, inputs: EvaluationInputs) -> gpd.GeoDataFrame:
    """Firms located by their own point or, lacking one, a point on their first owned parcel."""
    points, source = firm_points(inputs.enterprises, inputs.parcels)
    firms = ev.firms.reset_index()
    firms["uscc"] = firms["uscc"].astype(str)
    firms = firms[firms["uscc"].isin(points.index)].copy()
    ids = ev.units["unit_id"].astype(str).to_numpy()
    members = ev.members.assign(unit=ids[ev.members["unit_pos"].to_numpy()]) if len(ev.members) else None
    firms["units"] = firms["uscc"].map(members.groupby("uscc")["unit"].agg(lambda s: ",".join(sorted(set(s))))) \
        if members is not None else None
    firms["point_source"] = firms["uscc"].map(source)
    cols = [c for c in FIRM_FIELDS if c in firms.columns]
    return gpd.GeoDataFrame(firms[cols].reset_index(drop=True), geometry=points.loc[firms["uscc"]].to_numpy(),
                            crs=inputs.units.crs)


def _parcels_layer(ev: Evaluation, inputs: EvaluationInputs) -> gpd.GeoDataFrame:
    """Parcels with their supply status and their owner's class and score."""
    parcels = inputs.parcels
    cols = [c for c in PARCEL_FIELDS if c in parcels.columns]
    out = gpd.GeoDataFrame(parcels[cols].copy(), geometry=parcels.geometry.to_numpy(), crs=parcels.crs)
    owner = pd.Series(owner_key(parcels), index=out.index, dtype="string")  # the linked firm (code, name or table)
    out["owner_class"] = owner.map(ev.firms["class"]).astype(object)
    out["owner_score"] = owner.map(ev.firms["score"]).astype(float)
    out["owner_class"] = out["owner_class"].where(out["owner_class"].notna(), None)
    return out


def _check_field_names(layer: str, columns) -> None:
    long = [c for c in columns if len(str(c)) > MAX_FIELD]
    if long:
        raise UsageError(f"GeoPackage layer {layer}: field names longer than {MAX_FIELD} characters: {long}")


def _geometry_columns(path: Path) -> dict[str, str]:
    """Table → geometry column, as GDAL registered them."""
    with sqlite3.connect(path) as con:
        return dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())


def _categorized_qml(field: str, symbol: str, categories: list[tuple[str, str, str]], aliases: dict[str, str],
                     title: str, other: str | None = None) -> str:
    """A QGIS style: a categorized renderer on `field` (value, label, colour) plus the field aliases; every other
    value (NULL included) falls in a grey class labelled `other` (default 无)."""
    cats, syms = [], []
    entries = categories + [("", other or t("exp_none"), NO_GRADE_COLOUR)]
    for i, (value, label, colour) in enumerate(entries):
        cats.append(f'<category symbol="{i}" value={quoteattr(value)} label={quoteattr(label)} render="true"/>')
        syms.append(_symbol(i, symbol, colour))
    alias_xml = "".join(f"<alias field={quoteattr(k)} name={quoteattr(v)}/>" for k, v in aliases.items())
    return (f"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            f'<qgis version="{QGIS_VERSION}" styleCategories="Symbology|Fields">\n'
            f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(field)} symbollevels="0" enableorderby="0" forceraster="0">'
            f"<categories>{''.join(cats)}</categories><symbols>{''.join(syms)}</symbols>"
            f'<source-symbol>{_symbol(0, symbol, NO_GRADE_COLOUR)}</source-symbol></renderer-v2>\n'
            f"<aliases>{alias_xml}</aliases>\n"
            f"<layerGeometryType>{2 if symbol == 'fill' else 0}</layerGeometryType>\n</qgis>\n")


def _symbol(name: int, kind: str, colour: str) -> str:
    """One QGIS symbol, with properties both as <prop> (QGIS ≤ 3.24) and <Option> (later)."""
    rgb = ",".join(str(int(colour[i:i + 2], 16)) for i in (1, 3, 5)) + ",255"
    if kind == "fill":
        props = {"color": rgb, "outline_color": "60,60,60,255", "outline_width": "0.3", "outline_width_unit": "MM",
                 "style": "solid", "outline_style": "solid", "joinstyle": "bevel"}
        layer_class, sym_type = "SimpleFill", "fill"
    else:
        props = {"color": rgb, "outline_color": "35,35,35,255", "outline_width": "0.2", "name": "circle", "size": "2.4",
                 "size_unit": "MM", "outline_style": "solid"}
        layer_class, sym_type = "SimpleMarker", "marker"
    old = "".join(f'<prop k="{k}" v="{v}"/>' for k, v in props.items())
    new = "".join(f'<Option type="QString" name="{k}" value="{v}"/>' for k, v in props.items())
    return (f'<symbol type="{sym_type}" name="{name}" alpha="0.85" clip_to_extent="1" force_rhr="0">'
            f'<layer class="{layer_class}" enabled="1" locked="0" pass="0">'
            f'<Option type="Map">{new}</Option>{old}</layer></symbol>')


def _write_styles(path: Path, styles: list[tuple[str, str, str]]) -> None:
    """QGIS's `layer_styles` table (as QGIS itself creates it, FID column `id`), one default style per layer."""
    if not styles:
        return
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    frame = pd.DataFrame({
        "f_table_catalog": "", "f_table_schema": "", "f_table_name": [s[0] for s in styles],
        "f_geometry_column": [s[1] for s in styles], "styleName": [s[0] for s in styles],
        "styleQML": [s[2] for s in styles], "styleSLD": "", "useAsDefault": True,
        "description": "Landpark", "owner": "", "ui": "", "update_time": pd.Timestamp(now),
    })
    pyogrio.write_dataframe(frame, path, layer="layer_styles", driver="GPKG", layer_options={"FID": "id"})


def _write_aliases(path: Path, aliases: dict[str, dict[str, str]]) -> None:
    """Chinese aliases in `gpkg_data_columns` (GeoPackage schema extension; GDAL ≥ 3.7 reads `name` as the alias)."""
    rows = []
    for table, mapping in aliases.items():
        seen: set[str] = set()
        for column, label in mapping.items():
            name = label if label not in seen else f"{label} ({column})"
            seen.add(name)
            rows.append((table, column, name, label))
    with sqlite3.connect(path) as con:
        con.execute("""CREATE TABLE IF NOT EXISTS gpkg_data_columns (
            table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT, title TEXT, description TEXT,
            mime_type TEXT, constraint_name TEXT, CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),
            CONSTRAINT gdc_tn UNIQUE (table_name, name))""")
        con.execute("""CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT,
            extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL,
            CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))""")
        con.execute("""INSERT OR IGNORE INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope)
            VALUES ('gpkg_data_columns', NULL, 'gpkg_schema', 'http://www.geopackage.org/spec/#extension_schema',
                    'read-write')""")
        con.executemany("INSERT OR REPLACE INTO gpkg_data_columns (table_name, column_name, name, title) "
                        "VALUES (?, ?, ?, ?)", rows)


def read_aliases(path: Path, layer: str) -> dict[str, str]:
    """Field → alternative name as GDAL reads it (for checks and tools)."""
    _meta, table = pyogrio.raw.read_arrow(path, layer=layer, max_features=0)
    return {f.name: f.metadata[b"GDAL:OGR:alternative_name"].decode("utf-8") for f in table.schema
            if f.metadata and b"GDAL:OGR:alternative_name" in f.metadata}


__all__ = ["export_gpkg", "read_aliases"]
