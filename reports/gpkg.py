"""GeoPackage of an evaluation for QGIS: one layer per unit kind with every indicator, enterprises, parcels and the
data issues, each with field aliases and a default style (QML and SLD) in QGIS's `layer_styles` table.

Field names stay English snake_case (≤ 63 characters); the table names are Chinese in the Chinese edition. Aliases
go into the GeoPackage schema extension (`gpkg_data_columns.name`, which GDAL ≥ 3.7 reads as the field's alternative
name) and into each layer's QML (QGIS builds on older GDAL, such as Debian 12's 3.22 on GDAL 3.6, read only those).
The styles themselves are described in reports/qgis_styles.py.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from analysis.inputs import EvaluationInputs
from analysis.land_links import owner_key
from analysis.score import Evaluation
from i18n import TEXT, layer_label, t
from layers.schema import LAND_USE_CATEGORIES, LINE_LEVELS, SUPPLY_STATUSES
from maps.webmap import SUPPLY_COLOURS
from reports import GRADE_COLOURS, NO_GRADE_COLOUR, column_label, firm_points, report_order, select_units, unit_reason
from reports.qgis_styles import (
    KIND_LINES,
    Category,
    Labels,
    LayerStyle,
    Marker,
    build_qml,
    build_sld,
    fill_categories,
    firm_categories,
    unit_categories,
)
from reports.scope import REVIEW_ORDER, VERDICT_COLOURS
from reports.text import gpkg as _text  # noqa: F401  (registers the section's text)
from spatial.errors import UsageError

MAX_FIELD = 63  # longest field name kept intact by the common clients (PostgreSQL NAMEDATALEN − 1)
PARCEL_FIELDS = ["parcel_id", "land_use", "land_use_category", "supply_status", "approval_id", "supply_date",
                 "agreed_start_date", "floor_area_m2", "footprint_m2", "owner_uscc", "area_mu"]
FIRM_FIELDS = ["uscc", "name", "group", "units", "point_source", "land_mu", "land_source", "tax_10k_yuan",
               "value_added_10k_yuan", "output_10k_yuan", "tax_per_mu", "value_added_per_mu", "score", "rank", "class",
               "scored", "reason_not_scored"]
# the 标准地复核 layer's own fields before the four per term (committed, actual, gap, met)
REVIEW_FIELDS = ["parcel_id", "verdict", "verdict_text", "firm_name", "firm_uscc", "supply_date", "due_date", "data_year",
                 "failed_text", "reason_text", "missing_text"]
ISSUE_FIELDS = ["severity", "layer", "feature", "field", "code", "message", "value", "source"]
# one layer per unit kind, largest kind first (lines hold parks, parks hold micro parks); the kinds of KIND_LINES
UNIT_KINDS = ("protection_lines", "parks", "micro_parks", "future_communities")
LAND_SOURCES = ("table", "parcels", "parcels+leases", "leases", "none")
SEVERITIES = ("error", "warning", "info")


@dataclass
class _Layer:
    """One table to write: its key (unit kind, enterprises, parcels, data_issues), name and title in the file, rows."""

    key: str
    name: str
    title: str
    frame: pd.DataFrame


def _layer(key: str, frame: pd.DataFrame, lang: str) -> _Layer:
    """A table named and titled for the `lang` edition."""
    return _Layer(key, layer_name(key, lang), t(f"gpkg_title_{key}", lang), frame)


def layer_name(key: str, lang: str = "zh") -> str:
    """The table name of a layer in the `lang` edition (工业用地保护线评价 / protection_line_scores …)."""
    return t(f"gpkg_layer_{key}", lang)


def export_gpkg(ev: Evaluation, inputs: EvaluationInputs, path: Path, *, lang: str = "zh",
                unit_ids: list[str] | None = None, progress: Callable[[str], None] | None = None) -> Path:
    """Write one layer per unit kind, enterprises, parcels and data issues to one GeoPackage, with aliases and a
    default QML + SLD style per layer; atomically (a temp file beside `path`, then a rename)."""
    say = progress or (lambda _m: None)
    path = Path(path)
    layers = _layers(ev, inputs, lang, unit_ids)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp.gpkg", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # GDAL creates the file itself; the name is reserved by being unique in this folder
    try:
        for i, layer in enumerate(layers):
            _check_field_names(layer.name, layer.frame.columns)
            options = {"IDENTIFIER": layer.title, "DESCRIPTION": layer.title}
            pyogrio.write_dataframe(layer.frame, tmp, layer=layer.name, driver="GPKG", use_arrow=True,
                                    dataset_options={"VERSION": "1.2"} if i == 0 else None, layer_options=options)
        styles = [_style(layer, lang) for layer in layers]
        write_styles(tmp, styles, lang, [_style_description(style, lang) for style in styles])
        _write_aliases(tmp, {s.layer: s.aliases for s in styles})
        os.replace(tmp, path)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-journal"), tmp.with_name(tmp.name + "-wal"),
                         tmp.with_name(tmp.name + "-shm")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    say(f"gpkg: {', '.join(f'{layer.name} {len(layer.frame)}' for layer in layers)}")
    return path


def _layers(ev: Evaluation, inputs: EvaluationInputs, lang: str, unit_ids: list[str] | None) -> list[_Layer]:
    """The tables, bottom of the map first: parcels, unit kinds (largest first), firms, then the issue table. Units
    are in the one report order (kind, rank, id) so each attribute table opens sorted by rank."""
    units = _units_layer(ev, inputs).iloc[select_units(ev.units, unit_ids)].reset_index(drop=True)
    # a float rank: report_order cannot fill the NA of an Int64 rank (an unscored unit)
    ranks = pd.to_numeric(units["rank"], errors="coerce").astype(float) if "rank" in units else None
    units = units.iloc[report_order(units if ranks is None else units.assign(rank=ranks))].copy()
    # grade stays NULL where there is no score (the style labels it 未评价); the reason is in the export language
    units["reason_not_scored"] = pd.Series([unit_reason(r, lang) for r in units.to_dict("records")], index=units.index,
                                           dtype=object)
    out: list[_Layer] = []
    if len(inputs.parcels):
        out.append(_layer("parcels", _parcels_layer(ev, inputs), lang))
    kinds = units["unit_kind"].astype(str)
    for kind in UNIT_KINDS:
        part = units[kinds == kind]
        if len(part):
            out.append(_layer(kind, part.reset_index(drop=True), lang))
    review = _review_layer(ev, lang)
    if review is not None:
        out.append(review)
    firms = _firms_layer(ev, inputs)
    if len(firms):
        out.append(_layer("enterprises", firms, lang))
    issues = pd.DataFrame(ev.warnings)
    if lang == "zh" and "message_zh" in issues and "message" in issues:  # the Chinese text where the issue has one
        zh = issues["message_zh"]
        issues["message"] = zh.where(zh.notna() & zh.astype(str).str.strip().ne(""), issues["message"])
    issues = issues.reindex(columns=ISSUE_FIELDS).astype(object)
    out.append(_layer("data_issues", issues.where(issues.notna(), None), lang))
    return out


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
    """Parcels with their supply status and their owner's class and score (not in an aggregates-only export)."""
    from reports.scope import firm_level_allowed

    parcels = inputs.parcels
    cols = [c for c in PARCEL_FIELDS if c in parcels.columns]
    out = gpd.GeoDataFrame(parcels[cols].copy(), geometry=parcels.geometry.to_numpy(), crs=parcels.crs)
    if not firm_level_allowed(ev):  # aggregates only: no owner, and nothing of the owner's evaluation
        return out
    owner = pd.Series(owner_key(parcels), index=out.index, dtype="string")  # the linked firm (code, name or table)
    out["owner_class"] = owner.map(ev.firms["class"]).astype(object)
    out["owner_score"] = owner.map(ev.firms["score"]).astype(float)
    out["owner_class"] = out["owner_class"].where(out["owner_class"].notna(), None)
    return out


def _review_layer(ev: Evaluation, lang: str) -> _Layer | None:
    """The 标准地复核 layer when the evaluation carries the 达产复核: each 标准地 parcel's polygon with its verdict (code,
    and as text), firm, dates, the terms missed and why undetermined, and per term committed, actual, gap and met."""
    import reports.text.standard_land  # noqa: F401  (registers the stdpage_ text)
    from analysis.standard_land import TERMS
    from reports.scope import review_rows

    result = getattr(ev, "standard_land_review", None)
    if result is None or not isinstance(result.table, gpd.GeoDataFrame):
        return None
    rows = review_rows(result, lang)
    columns = [*REVIEW_FIELDS, *(f"{key}_{what}" for key in TERMS for what in ("committed", "actual", "gap", "met"))]
    frame = gpd.GeoDataFrame(rows[columns].copy(), geometry=rows.geometry.to_numpy(), crs=result.table.crs)
    frame["data_year"] = pd.to_numeric(frame["data_year"], errors="coerce").astype("Int64")
    for column in ("supply_date", "due_date"):  # a GeoPackage DATE (a day, no time of day)
        days = pd.to_datetime(frame[column], errors="coerce")
        frame[column] = pd.Series(days.dt.date, index=frame.index, dtype=object).where(days.notna(), None)
    for column in ("firm_uscc", "firm_name"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return _Layer("standard_land", t("stdpage_layer", lang), t("stdpage_layer_title", lang), frame)


def _review_alias(column: str, lang: str) -> str:
    """The alias of a column of the 标准地复核 layer (a term's columns: 亩均税收（万元/亩）·承诺值 …)."""
    from analysis.standard_land import TERMS, term_label, unit_text

    own = {"verdict": "verdict", "verdict_text": "verdict", "failed_text": "failed", "reason_text": "reason",
           "missing_text": "missing", "due_date": "due", "firm_name": "firm", "firm_uscc": "uscc", "parcel_id": "parcel",
           "supply_date": "supply_date", "data_year": "data_year"}
    if column in own:
        return t(f"stdpage_col_{own[column]}", lang)
    key, _, what = column.rpartition("_")
    if key in TERMS:
        unit = unit_text(key, lang)
        term = term_label(key, lang) + ((f"（{unit}）" if lang == "zh" else f" ({unit})") if unit else "")
        return t("stdpage_term_col", lang).format(term=term, what=t(f"stdpage_col_{what}", lang))
    return column_label(column, lang)


def _aliases(layer: _Layer, lang: str) -> dict[str, str]:
    """Field → alias of one table: the shared column labels, with this file's own where a layer needs its own."""
    frame = layer.frame
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    return {column: _alias(layer.key, column, lang) for column in frame.columns if column != geometry}


def _alias(key: str, column: str, lang: str) -> str:
    """The alias of one column of table `key`: this file's own where the shared column label would mislead."""
    if key == "standard_land":
        return _review_alias(column, lang)
    if key == "parcels" and column == "area_mu":
        return t("gpkg_col_parcel_area_mu", lang)  # the shared label is the unit's area (单元面积)
    if key == "enterprises" and column == "units":
        return t("exp_units_in", lang)
    if column == "point_source":
        return t("gpkg_col_point_source", lang)
    if column == "not_scored_codes":
        return t("gpkg_col_not_scored_codes", lang)
    return column_label(column, lang)


def _value_maps(layer: _Layer, lang: str) -> dict[str, list[tuple[str, str]]]:
    """Coded fields of a table and the text QGIS shows for each code (value maps)."""
    classes = [(c, t("gpkg_firm_class", lang).format(cls=c)) for c in GRADE_COLOURS]
    maps: dict[str, list[tuple[str, str]]] = {
        "supply_status": [(s, t(s, lang)) for s in SUPPLY_STATUSES],
        "land_use_category": [(c, t(f"gpkg_land_use_{c}", lang)) for c in LAND_USE_CATEGORIES],
        "land_source": [(s, t(f"gpkg_land_source_{s}", lang)) for s in LAND_SOURCES],
        "point_source": [(s, t(f"gpkg_point_{s}", lang)) for s in ("point", "parcel")],
        "group": [(g, t(f"exp_group_{g}", lang)) for g in ("above", "below")],
        "level": [(v, t(v, lang)) for v in LINE_LEVELS],
        "unit_kind": [(k, t(f"gpkg_title_{k}", lang).split("：")[0].split(":")[0]) for k in UNIT_KINDS],
        "severity": [(s, t(f"gpkg_severity_{s}", lang)) for s in SEVERITIES],
        "owner_class": classes,
    }
    if layer.key == "enterprises":
        maps["class"] = classes
    if layer.key == "data_issues":
        maps.update(_issue_value_maps(layer.frame, lang))
    if layer.key == "standard_land":
        from analysis.standard_land import verdict_label

        maps["verdict"] = [(v, verdict_label(v, lang)) for v in REVIEW_ORDER]
    yes_no = [("true", t("gpkg_bool_true", lang)), ("false", t("gpkg_bool_false", lang))]
    maps.update({c: yes_no for c in _bool_columns(layer.frame)})  # QGIS compares a Boolean field's value as true/false
    return {name: pairs for name, pairs in maps.items() if name in layer.frame.columns}


def _bool_columns(frame: pd.DataFrame) -> list[str]:
    """Columns written as GeoPackage booleans: bool dtype, or objects holding only True/False beside nulls."""
    out = []
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_bool_dtype(values):
            out.append(column)
        elif values.dtype == object and values.notna().any() and values.dropna().map(type).eq(bool).all():
            out.append(column)
    return out


def _issue_value_maps(issues: pd.DataFrame, lang: str) -> dict[str, list[tuple[str, str]]]:
    """Labels of the codes the data-issue table holds: layers, fields and problem codes (those with a translation)."""
    def present(column: str) -> list[str]:
        return sorted({str(v) for v in issues[column].dropna()}) if column in issues else []

    codes = []  # other sections' labels of problem codes, where one exists (a code without stays as it is)
    for code in present("code"):
        entry = TEXT.get(f"data_code_{code}") or TEXT.get(f"xlsx_code_{code}")
        if entry:
            codes.append((code, entry.get(lang) or entry["en"]))
    return {"layer": [(v, layer_label(v, lang)) for v in present("layer")],
            "field": [(v, column_label(v, lang)) for v in present("field")], "code": codes}


def _style(layer: _Layer, lang: str) -> LayerStyle:
    """The default style of one table (see reports/qgis_styles.py for the design)."""
    common = {"layer": layer.name, "aliases": _aliases(layer, lang), "value_maps": _value_maps(layer, lang),
              "title": layer.title}
    if layer.key in KIND_LINES:
        not_scored = t("grade_not_scored", lang)
        return LayerStyle(geometry="polygon", field="grade", **common,
                          categories=unit_categories(layer.key, GRADE_COLOURS, NO_GRADE_COLOUR, t("gpkg_grade", lang),
                                                     not_scored),
                          labels=Labels(t("gpkg_unit_label", lang), not_scored, KIND_LINES[layer.key][0]))
    if layer.key == "enterprises":
        return LayerStyle(geometry="point", field="class", **common,
                          categories=firm_categories(t("gpkg_firm_class", lang), t("gpkg_firm_unclassified", lang)))
    if layer.key == "standard_land":
        from analysis.standard_land import verdict_label

        verdicts = [(v, verdict_label(v, lang), VERDICT_COLOURS[v]) for v in REVIEW_ORDER]
        return LayerStyle(geometry="polygon", field="verdict", **common,
                          categories=fill_categories(verdicts, t("exp_none", lang), NO_GRADE_COLOUR))
    if layer.key == "parcels":
        statuses = [(s, t(s, lang), SUPPLY_COLOURS[s]) for s in SUPPLY_STATUSES]
        return LayerStyle(geometry="polygon", field="supply_status", **common,
                          categories=fill_categories(statuses, t("exp_none", lang), NO_GRADE_COLOUR))
    return LayerStyle(geometry=None, **common)


def _style_description(style: LayerStyle, lang: str) -> str:
    """What the style shows, for QGIS's style manager."""
    if style.field == "supply_status":
        return t("gpkg_style_parcels", lang)
    if style.field == "verdict":
        return t("stdpage_style", lang)
    if style.geometry == "polygon":
        return t("gpkg_style_units", lang)
    return t("gpkg_style_firms", lang) if style.geometry == "point" else t("gpkg_style_issues", lang)


def _check_field_names(layer: str, columns) -> None:
    """Refuse field names the common clients would truncate."""
    long = [c for c in columns if len(str(c)) > MAX_FIELD]
    if long:
        raise UsageError(f"GeoPackage layer {layer}: field names longer than {MAX_FIELD} characters: {long}")


def _geometry_columns(path: Path) -> dict[str, str]:
    """Table → geometry column, as GDAL registered them."""
    with contextlib.closing(sqlite3.connect(path)) as con:
        return dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())


def write_styles(path: Path, styles: list[LayerStyle], lang: str = "zh", descriptions: list[str] | None = None) -> None:
    """Store `styles` as each table's default style (QML and, for map layers, SLD) in QGIS's `layer_styles` table."""
    geom_columns = _geometry_columns(path)
    descriptions = descriptions or [style.title for style in styles]
    _store_styles(path, [(s.layer, geom_columns.get(s.layer, ""), build_qml(s), build_sld(s), d)
                         for s, d in zip(styles, descriptions, strict=True)], t("gpkg_style_name", lang))


def _write_styles(path: Path, styles: list[tuple[str, str, str]]) -> None:
    """Rows of (table, geometry column, QML) as default styles without SLD (kept for reports.selection)."""
    _store_styles(path, [(name, geom, qml, "", "Landpark") for name, geom, qml in styles], None)


def _categorized_qml(field: str, symbol: str, categories: list[tuple[str, str, str]], aliases: dict[str, str],
                     title: str, other: str | None = None) -> str:
    """A categorized QML on `field` from (value, label, colour) — half-transparent fills or round markers; every other
    value (NULL included) a grey class labelled `other` (default 无). Kept for reports.selection."""
    other = other or t("exp_none")
    if symbol == "fill":
        cats = fill_categories(categories, other, NO_GRADE_COLOUR)
    else:
        cats = [Category(v, label, (Marker(c, "circle", 2.4),)) for v, label, c in categories]
        cats.append(Category(None, other, (Marker(NO_GRADE_COLOUR, "circle", 2.4),)))
    return build_qml(LayerStyle(layer="", geometry="polygon" if symbol == "fill" else "point", field=field,
                                categories=cats, aliases=aliases, title=title))


def _store_styles(path: Path, rows: list[tuple[str, str, str, str, str]], style_name: str | None) -> None:
    """QGIS's `layer_styles` table (as QGIS itself creates it, FID column `id`) from rows of (table, geometry column,
    QML, SLD, description), each its table's default; `style_name` None names each style after its table."""
    if not rows:
        return
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    frame = pd.DataFrame({
        "f_table_catalog": "", "f_table_schema": "", "f_table_name": [r[0] for r in rows],
        "f_geometry_column": [r[1] for r in rows], "styleName": [style_name or r[0] for r in rows],
        "styleQML": [r[2] for r in rows], "styleSLD": [r[3] for r in rows], "useAsDefault": True,
        "description": [r[4] for r in rows], "owner": "", "ui": "", "update_time": pd.Timestamp(now),
    })
    pyogrio.write_dataframe(frame, path, layer="layer_styles", driver="GPKG", layer_options={"FID": "id"})


def _write_aliases(path: Path, aliases: dict[str, dict[str, str]]) -> None:
    """Aliases in `gpkg_data_columns` (GeoPackage schema extension; GDAL ≥ 3.7 reads `name` as the alias). `name`
    must be unique per table, so a label used twice gets its column name added; `title` keeps the plain label."""
    rows = []
    for table, mapping in aliases.items():
        seen: set[str] = set()
        for column, label in mapping.items():
            name = label if label not in seen else f"{label} ({column})"
            seen.add(name)
            rows.append((table, column, name, label))
    with contextlib.closing(sqlite3.connect(path)) as con, con:
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


__all__ = ["UNIT_KINDS", "export_gpkg", "layer_name", "read_aliases", "write_styles"]
