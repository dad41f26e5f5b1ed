"""The protection-line comparison as files: `lines.gpkg` (the changed pieces, both versions of the lines and the
ledger, for QGIS) and `lines.json` (the `landpark lines --json` document), written together or not at all."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from analysis.line_versions import LineComparison, code_labels

__all__ = ["write_lines_export"]

# Layer names in the GeoPackage (Chinese, as the bureau's QGIS project shows them).
CHANGES_LAYER = "保护线调出调入图斑"
BEFORE_LAYER = "保护线_原版"
AFTER_LAYER = "保护线_现版"
LEDGER_TABLE = "占补平衡"


def _changes_frame(cmp: LineComparison, lang: str) -> gpd.GeoDataFrame:
    """The removed and added pieces with their kind and level in words, 亩 and the ids they touch as text."""
    labels = code_labels(lang)
    frame = cmp.changes.copy()
    for column in [c for c in frame.columns if c != frame.geometry.name]:
        if frame[column].map(lambda v: isinstance(v, (list, tuple, dict))).any():
            frame[column] = frame[column].map(lambda v: "、".join(map(str, v)) if isinstance(v, (list, tuple))
                                              else json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v)
    if "kind" in frame:
        frame["kind_label"] = frame["kind"].map(lambda k: labels["kind"].get(k, k))
    if "level" in frame:
        frame["level_label"] = frame["level"].map(lambda k: labels["level"].get(k, k))
    return frame


def write_lines_export(cmp: LineComparison, document: dict[str, Any], before: gpd.GeoDataFrame,
                       after: gpd.GeoDataFrame, out_dir: Path, *, lang: str = "zh") -> dict[str, Path]:
    """Write `lines.gpkg` and `lines.json` into `out_dir` (created if missing); both are made in a staging folder
    beside it and moved in only when both succeeded."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".lines-", dir=out_dir))
    try:
        gpkg = staging / "lines.gpkg"
        changes = _changes_frame(cmp, lang)
        if len(changes):
            pyogrio.write_dataframe(changes, gpkg, layer=CHANGES_LAYER, driver="GPKG")
        for name, frame in ((BEFORE_LAYER, before), (AFTER_LAYER, after)):
            pyogrio.write_dataframe(frame.to_crs(changes.crs) if changes.crs is not None and frame.crs is not None
                                    else frame, gpkg, layer=name, driver="GPKG")
        ledger = pd.DataFrame(cmp.levels.drop(columns=[c for c in cmp.levels.columns
                                                       if cmp.levels[c].map(lambda v: isinstance(v, (list, dict))).any()]))
        labels = code_labels(lang)
        ledger["level_label"] = ledger["level"].map(lambda k: labels["level"].get(k, k))
        ledger["verdict_label"] = ledger["verdict"].map(lambda k: labels["verdict"].get(k, k))
        pyogrio.write_dataframe(ledger, gpkg, layer=LEDGER_TABLE, driver="GPKG")
        (staging / "lines.json").write_text(json.dumps(document, ensure_ascii=False, indent=2, default=str),
                                            encoding="utf-8")
        written = {}
        for name in ("lines.gpkg", "lines.json"):
            os.replace(staging / name, out_dir / name)
            written[name.split(".")[1]] = out_dir / name
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
