"""Park scorecard exports (PDF, Excel, GeoPackage, HTML, JSON) from one evaluation.

This module holds what every format shares — the key indicators, column labels and number
kinds, unit selection, per-indicator comparisons, the data issues touching each unit and the
CJK font — and exposes the export functions lazily (PEP 562), so importing it does not load
matplotlib, fpdf2 or xlsxwriter until a format needs them.
"""

from __future__ import annotations

import importlib
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.explain import FORMULAS
from analysis.indicators import INDICATORS
from analysis.land_links import owner_key
from analysis.members import ABOVE_SCALE, OUTPUT_FIGURES
from i18n import TEXT, t
from i18n.numbers import MISSING, column_kind, format_value, is_missing
from layers.config import Config
from layers.problems import InputError
from layers.schema import LAYERS
from reports.fonts import CjkFont, MissingFontError, find_cjk_font

FORMATS = ("xlsx", "pdf", "docx", "gpkg", "html", "json")
FILE_STEM = "score"

# The indicators a scorecard shows beside the district median and the unit's rank.
KEY_INDICATORS = ("tax_per_mu", "value_added_per_mu", "supply_ratio", "built_ratio", "idle_ratio",
                  "industrial_share", "far_industrial")
COST_INDICATORS = frozenset({"idle_ratio", "idle_mu", "idle_by_date_mu", "low_efficiency_mu", "encroachment_mu",
                             "low_far_mu", "unsupplied_mu"})

GRADE_COLOURS = {"A": "#1a9850", "B": "#91cf60", "C": "#fdae61", "D": "#d73027"}
NO_GRADE_COLOUR = "#bdbdbd"

def column_label(name: str, lang: str = "zh") -> str:
    """Display label of an evaluation column (unit or enterprise table)."""
    if f"col_{name}" in TEXT:
        return t(f"col_{name}", lang)
    if name in INDICATORS:
        d = INDICATORS[name]
        return d.label_zh + (f"（{d.unit}）" if d.unit else "") if lang == "zh" else name.replace("_", " ")
    for suffix, key in (("_part", "exp_part"), ("_benchmark", "exp_benchmark"), ("_weight", "exp_weight")):
        if name.endswith(suffix) and name[: -len(suffix)] in INDICATORS:
            base = INDICATORS[name[: -len(suffix)]].label_zh if lang == "zh" else name[: -len(suffix)].replace("_", " ")
            return t(key, lang).format(label=base) if key == "exp_part" else f"{base} {t(key, lang)}"
    if name in FORMULAS and lang == "zh":
        return FORMULAS[name][0]
    for kind in ("enterprises", "parcels"):
        spec = LAYERS[kind].get(name)
        if spec is not None and spec.label_zh and lang == "zh":
            return spec.label_zh + (f"（{spec.unit}）" if spec.unit else "")
    return name


def short_label(name: str, lang: str = "zh") -> str:
    """Label without its unit in brackets, for tight table cells."""
    return column_label(name, lang).split("（")[0].split(" (")[0]


def above_scale_twin(name: str) -> str | None:
    """The 规上-only column beside an all-firm output figure (tax_per_mu → above_scale_tax_per_mu); None for others."""
    return f"{ABOVE_SCALE}{name}" if name in OUTPUT_FIGURES else None


def with_above_scale(names, available=None) -> tuple[str, ...]:
    """`names` with each all-firm output figure (tax_per_mu …) followed by its 规上-only twin; a twin missing from
    `available` (a unit table's columns, the district's keys) is left out."""
    out: list[str] = []
    for name in names:
        out.append(name)
        twin = above_scale_twin(name)
        if twin and (available is None or twin in available) and twin not in names:
            out.append(twin)
    return tuple(dict.fromkeys(out))


def base_label(name: str, lang: str = "zh", *, short: bool = False) -> str:
    """The label of a column that names its firm base where the 规上 twin is shown beside it: an all-firm output
    figure reads 亩均税收·全部企业（万元/亩） / "Tax per mu, all firms (10k yuan)", its twin 亩均税收·规上（万元/亩）;
    any other column has its usual label. `short` drops the unit in brackets."""
    label = column_label(name, lang)
    if name in OUTPUT_FIGURES:
        mark = "（" if lang == "zh" else " ("
        head, sep, unit = label.partition(mark)
        label = (f"{head}·{t('base_all_firms', lang)}" if lang == "zh" else f"{head}, {t('base_all_firms', lang)}") + sep + unit
    return label.split("（")[0].split(" (")[0] if short else label


def display_value(name: str, value: Any, lang: str = "zh") -> str:
    """A value of column `name` as text, translating coded values (line level, group)."""
    if name == "level" and isinstance(value, str) and value in ("red", "blue"):
        return t(value, lang)
    if name == "group" and isinstance(value, str) and value in ("above", "below"):
        return t(f"exp_group_{value}", lang)
    return format_value(value, column_kind(name), lang)


def grade_text(row: Any, lang: str = "zh") -> str:
    """The grade of a unit row as shown: A–D, or 未评价 / "not scored" when it has no score (never a grade it has
    no data for)."""
    grade = row.get("grade")
    if isinstance(grade, str) and grade:
        return grade
    return t("grade_not_scored", lang) if is_missing(row.get("score")) else MISSING


def unit_reason(row: Any, lang: str = "zh") -> str | None:
    """Why a unit row has no score, in `lang` (from its `not_scored_codes`); None when it is scored."""
    from analysis.composite import reason_text

    codes = row.get("not_scored_codes")
    if isinstance(codes, str) and codes:
        return reason_text(codes.split(","), lang)
    reason = row.get("reason_not_scored")
    return reason if isinstance(reason, str) and reason else None


def with_display_grades(units: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """A copy of a unit table whose `grade` reads 未评价 where there is no score and whose `reason_not_scored` is in
    `lang`; the code column is dropped (tables for people: exports and the app)."""
    out = units.copy()
    records = out.to_dict("records")
    out["grade"] = [grade_text(r, lang) for r in records]
    out["reason_not_scored"] = pd.Series([unit_reason(r, lang) for r in records], index=out.index, dtype=object)
    return out.drop(columns=["not_scored_codes"], errors="ignore")


# --------------------------------------------------------------------------- units


class UnknownUnitsError(InputError):
    """Unit ids asked for that the evaluation does not have; carries them and the valid ids for the caller to word."""

    def __init__(self, unknown: list[str], valid: list[str]):
        self.unknown = list(unknown)
        self.valid = list(valid)
        shown = ", ".join(self.valid[:20]) + (f" … ({len(self.valid)} in all)" if len(self.valid) > 20 else "")
        super().__init__(f"unknown unit id(s) {', '.join(self.unknown)}; the units are: {shown or 'none'}")


def select_units(units: pd.DataFrame, unit_ids: list[str] | None) -> np.ndarray:
    """Positions of the units to export (all when `unit_ids` is None); unknown ids raise UnknownUnitsError."""
    ids = units["unit_id"].astype(str).to_numpy()
    if not unit_ids:
        return np.arange(len(ids))
    wanted = [str(u) for u in unit_ids]
    known = set(ids)
    unknown = [u for u in wanted if u not in known]
    if unknown:
        raise UnknownUnitsError(unknown, ids.tolist())
    return np.flatnonzero(np.isin(ids, wanted))


def indicator_comparison(units: pd.DataFrame, indicators: tuple[str, ...] = KEY_INDICATORS,
                         directions: dict[str, str] | None = None) -> dict[str, pd.DataFrame]:
    """Per indicator: each unit's value, the median of its kind, its rank in its kind (1 = best) and how many ranked."""
    directions = directions or {}
    kinds = units["unit_kind"]
    out = {}
    for name in indicators:
        if name in units:
            v = pd.to_numeric(units.get(name), errors="coerce").astype(float)
        else:
            v = pd.Series(np.nan, index=units.index)
        cost = directions.get(name, "cost" if name in COST_INDICATORS else "benefit") == "cost"
        out[name] = pd.DataFrame({
            "value": v,
            "median": v.groupby(kinds).transform("median"),
            "rank": v.groupby(kinds).rank(ascending=cost, method="min"),
            "n": v.notna().groupby(kinds).transform("sum"),
        }, index=units.index)
    return out


def composite_directions(spec) -> dict[str, str]:
    """Indicator → benefit/cost, as the composite spec of landpark.toml says."""
    return dict(zip(spec.indicators, spec.directions))


def unit_issues(warnings: list[dict], units: pd.DataFrame, parcels: pd.DataFrame, members: pd.DataFrame) -> list[list[dict]]:
    """The data issues touching each unit: on the unit itself, on a parcel it overlaps, or on a member firm."""
    n = len(units)
    out: list[list[dict]] = [[] for _ in range(n)]
    if not warnings or n == 0:
        return out
    touches = [pd.DataFrame({"unit_pos": np.arange(n), "layer": units["unit_kind"].astype(str).to_numpy(),
                             "feature": units["unit_id"].astype(str).to_numpy()})]
    if len(parcels) and "parcel_id" in parcels:
        tree = shapely.STRtree(parcels.geometry.to_numpy())
        ui, pi = tree.query(units.geometry.to_numpy(), predicate="intersects")
        touches.append(pd.DataFrame({"unit_pos": ui, "layer": "parcels",
                                     "feature": parcels["parcel_id"].astype(str).to_numpy()[pi]}))
    if len(members):
        touches.append(pd.DataFrame({"unit_pos": members["unit_pos"].to_numpy(), "layer": "enterprises",
                                     "feature": members["uscc"].astype(str).to_numpy()}))
    touch = pd.concat(touches, ignore_index=True).drop_duplicates()
    issues = pd.DataFrame(warnings)
    if not {"layer", "feature"} <= set(issues.columns):
        return out
    issues["_i"] = np.arange(len(issues))
    issues["layer"] = issues["layer"].astype(str)
    issues["feature"] = issues["feature"].astype(str)
    hits = touch.merge(issues[["layer", "feature", "_i"]], on=["layer", "feature"]).sort_values(["unit_pos", "_i"])
    for pos, idx in hits.groupby("unit_pos")["_i"]:
        out[int(pos)] = [warnings[i] for i in idx.to_numpy()]
    return out


def firm_points(enterprises: pd.DataFrame, parcels: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Where to draw each firm (uscc → Point): its own point, else a point on its first owned parcel; and which."""
    points = pd.Series(dtype=object)
    if isinstance(enterprises, gpd.GeoDataFrame) and len(enterprises):
        g = enterprises.geometry
        ok = g.notna().to_numpy() & ~g.is_empty.to_numpy()
        points = pd.Series(g.to_numpy()[ok], index=enterprises["uscc"].astype(str).to_numpy()[ok])
        points = points[~points.index.duplicated()]
    source = pd.Series("point", index=points.index, dtype=object)
    owners = owner_key(parcels) if len(parcels) else np.array([], dtype=object)
    if len(parcels) and pd.notna(owners).any():
        owned = parcels[pd.notna(owners)].assign(_owner=owners[pd.notna(owners)])
        on_parcel = pd.Series(shapely.point_on_surface(owned.geometry.to_numpy()),
                              index=owned["_owner"].astype(str).to_numpy())
        on_parcel = on_parcel[~on_parcel.index.duplicated() & ~on_parcel.index.isin(points.index)]
        points = pd.concat([points, on_parcel])
        source = pd.concat([source, pd.Series("parcel", index=on_parcel.index, dtype=object)])
    return points, source


def report_order(units: pd.DataFrame) -> np.ndarray:
    """Positions of `units` in the one order every export uses: by unit kind (as `layers.schema` lists the
    evaluation-unit layers), then rank within the kind (unranked last), then unit id."""
    from layers.schema import EVALUATION_UNIT_KINDS

    kind_pos = {k: i for i, k in enumerate(EVALUATION_UNIT_KINDS)}
    order = pd.DataFrame({
        "kind": units["unit_kind"].astype(str).map(kind_pos).fillna(len(kind_pos)).to_numpy(),
        "rank": pd.to_numeric(units["rank"], errors="coerce").astype(float).fillna(np.inf).to_numpy()
        if "rank" in units else np.inf,
        "id": units["unit_id"].astype(str).to_numpy(),
        "pos": np.arange(len(units)),
    })
    return order.sort_values(["kind", "rank", "id"], kind="stable")["pos"].to_numpy()


def is_demo(config: Config) -> bool:
    """True when landpark.toml marks the project as the generated demo district."""
    return config.project.demo




_LAZY = {"export_all": "bundle", "export_json": "bundle", "parse_formats": "bundle", "export_pdf": "pdf", "export_xlsx": "excel",
         "export_gpkg": "gpkg", "export_html": "html", "export_docx": "docx",
         "unit_map_png": "staticmap"}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = ["FORMATS", "KEY_INDICATORS", "GRADE_COLOURS", "MISSING", "CjkFont", "MissingFontError", "UnknownUnitsError",
           "column_kind", "column_label", "display_value", "find_cjk_font", "format_value", "grade_text",
           "indicator_comparison", "is_missing", "report_order", "select_units", "unit_issues", "unit_reason",
           "with_display_grades", *_LAZY]
