"""Two stored versions of the protection lines compared (analysis.line_versions on layers.versions).

Chooses the versions (default: the two latest), reads each with the land of its own day — the parcels in force
on the earlier version's date, the current ones for the later — and names them for the reader.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd

import i18n.versions_text  # noqa: F401  (registers the version labels)
from analysis.inputs import prepare_parcels, stack_units
from analysis.line_versions import LineComparison, compare_lines
from i18n import t
from layers.problems import InputError
from layers.project import Project

__all__ = ["choose_versions", "compare_versions", "industrial_categories", "version_label"]

LINES = "protection_lines"


def choose_versions(versions: pd.DataFrame, from_version: int | None, to_version: int | None) -> tuple[int, int]:
    """(earlier, later) version numbers of the protection lines: as asked, else the current one and the one before
    it. InputError when the layer is missing, has one version only, or a number is not held."""
    rows = versions[versions["layer"] == LINES].sort_values("version")
    numbers = [int(v) for v in rows["version"]]
    if not numbers:
        raise InputError("the project has no protection_lines layer to compare",
                         zh="项目中没有工业用地保护线图层，无法比较版本")
    held = ", ".join(map(str, numbers))
    for asked in (from_version, to_version):
        if asked is not None and asked not in numbers:
            raise InputError(f"protection_lines has no version {asked} (versions: {held})",
                             zh=f"工业用地保护线没有第 {asked} 版（现有版本：{held.replace(', ', '、')}）")
    later = to_version if to_version is not None else int(rows.loc[rows["current"], "version"].iloc[-1])
    earlier = from_version if from_version is not None else max((n for n in numbers if n < later), default=None)
    if earlier is None:
        raise InputError(f"protection_lines has only version {later} before or at it: import a later version "
                         "(landpark import … --kind protection_lines --mode replace --valid-from DATE) to compare",
                         zh=f"工业用地保护线在第 {later} 版之前没有其他版本：请导入新版本"
                            "（landpark import … --kind protection_lines --mode replace --valid-from 日期）后再比较")
    if earlier == later:
        raise InputError(f"--from and --to are the same version ({later})", zh=f"比较的两个版本相同（第 {later} 版）")
    return earlier, later


def version_label(row: pd.Series, lang: str) -> str:
    """"第 2 版（2024-06-30 起）" / "version 2 (from 2024-06-30)"."""
    start = row["valid_from"] if isinstance(row["valid_from"], str) and row["valid_from"] else None
    text = t("versions_label_dated", lang) if start else t("versions_label_undated", lang)
    return text.format(version=int(row["version"]), date=start or "")


def industrial_categories(project: Project) -> tuple[str, ...]:
    """The land-use categories counted industrial ([land_use]; warehouse when the project includes it)."""
    cfg = project.config.land_use
    return (*cfg.industrial_categories, *(("warehouse",) if cfg.include_warehouse else ()))


def compare_versions(project: Project, from_version: int | None = None, to_version: int | None = None, *,
                     lang: str = "zh") -> LineComparison:
    """Compare two versions of the project's protection lines, each with the parcels in force on its date."""
    versions = project.versions()
    earlier, later = choose_versions(versions, from_version, to_version)
    rows = versions[versions["layer"] == LINES].set_index("version", drop=False)
    config = project.config
    names = set(project.layer_names())

    def parcels_on(row: pd.Series):
        if "parcels" not in names:
            return None
        start = row["valid_from"]
        when = dt.date.fromisoformat(start) if isinstance(start, str) and start else None
        frame = project.read_layer("parcels", as_of=when) if when is not None else project.read_layer("parcels")
        return prepare_parcels(frame, config)

    later_row, earlier_row = rows.loc[later], rows.loc[earlier]
    parcels_after = parcels_on(later_row) if not bool(later_row["current"]) else (
        prepare_parcels(project.read_layer("parcels"), config) if "parcels" in names else None)
    others: dict[str, gpd.GeoDataFrame] = {
        kind: project.read_layer(kind) for kind in ("parks", "micro_parks", "future_communities") if kind in names}
    stacked = stack_units(others, project.crs) if others else None
    return compare_lines(project.read_layer(LINES, version=earlier), project.read_layer(LINES, version=later),
                         parcels=parcels_after, parcels_before=parcels_on(earlier_row), units=stacked,
                         settings=config.lines, industrial_categories=industrial_categories(project),
                         encroachment_categories=config.units.encroachment_categories,
                         before_label=version_label(earlier_row, lang), after_label=version_label(later_row, lang),
                         constraints=project.read_layer("constraints") if "constraints" in names else None)
