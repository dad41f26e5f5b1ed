"""What an import changed: features added, removed and kept in the layer, and each evaluation unit's
composite score, rank and grade before → after.

Plain functions over frames (no Streamlit): `layer_diff` compares a layer before and after by its id
field (by count when the layer kind has none); `unit_changes` compares two `Evaluation.units` tables.
The app's data page calls them with the evaluation it had cached for the old project content and the
one it computes for the new; the CLI takes a `snapshot` before `import_source` and another after, and
prints `compare(before, after).to_text()` (or puts `.to_dict()` in its JSON).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from layers.project import Project
from layers.schema import layer_spec

__all__ = ["SHOWN_IDS", "UNIT_CHANGE_COLUMNS", "ImportDiff", "Snapshot", "compare", "layer_diff", "layer_ids",
           "snapshot", "unit_changes"]

SHOWN_IDS = 20  # ids listed per side (added, removed); the counts are always complete
UNIT_KEY = ["unit_kind", "unit_id"]  # ids are unique within a unit kind only (a park and a community may share one)
UNIT_CHANGE_COLUMNS = ["unit_id", "unit_kind", "name", "status", "score_before", "score_after", "score_change",
                       "rank_before", "rank_after", "grade_before", "grade_after", "changed"]
SCORE_TOLERANCE = 1e-6  # score points; a smaller difference is rounding, not a change


# ---------------------------------------------------------------------------------------- layers


def _ids(frame: pd.DataFrame, id_field: str) -> pd.Series:
    """The id of each feature as stripped text; missing or blank ids are NA."""
    ids = frame[id_field].astype("string").str.strip()
    return ids.where(ids != "")


def layer_diff(before: pd.DataFrame | None, after: pd.DataFrame, id_field: str | None) -> dict[str, Any]:
    """Features added, removed and kept between two versions of one layer (`before` None: the layer is new).

    By id (`id_field` given and present on both sides): `added` / `removed` / `kept` count DISTINCT ids (an id
    repeated in the layer counts once), with the first SHOWN_IDS of the added and removed ids in layer order;
    features without an id cannot be matched and are counted apart (`without_id_before`, `without_id_after`).
    By count (no id field): `added` / `removed` are the net change and `kept` the smaller of the two counts.
    `before` and `after` are the feature counts. Only ids and row counts are read, so a frame holding just the
    id column (`layer_ids`) is enough.
    """
    n_before = 0 if before is None else len(before)
    n_after = len(after)
    by_id = bool(id_field) and id_field in after.columns and (before is None or id_field in before.columns)
    if not by_id:
        return {"by": "count", "id_field": None, "before": n_before, "after": n_after,
                "added": max(n_after - n_before, 0), "removed": max(n_before - n_after, 0), "kept": min(n_before, n_after),
                "added_ids": [], "removed_ids": [], "without_id_before": 0, "without_id_after": 0}
    assert id_field is not None
    new = _ids(after, id_field)
    old = _ids(before, id_field) if before is not None else pd.Series([], dtype="string")
    new_ids = list(dict.fromkeys(new.dropna().tolist()))
    old_ids = list(dict.fromkeys(old.dropna().tolist()))
    old_set, new_set = set(old_ids), set(new_ids)
    added = [i for i in new_ids if i not in old_set]
    removed = [i for i in old_ids if i not in new_set]
    return {"by": "id", "id_field": id_field, "before": n_before, "after": n_after,
            "added": len(added), "removed": len(removed), "kept": len(new_set & old_set),
            "added_ids": added[:SHOWN_IDS], "removed_ids": removed[:SHOWN_IDS],
            "without_id_before": int(old.isna().sum()), "without_id_after": int(new.isna().sum())}


def layer_ids(project: Project, kind: str) -> pd.DataFrame | None:
    """The layer as `layer_diff` reads it: its id column only (no geometry), or, for a kind without an id
    field, an empty frame of its row count; None when the project has no such layer."""

    if not project.has_layer(kind):
        return None
    id_field = layer_spec(kind).id_field
    if id_field and id_field in [str(f) for f in project.layer_info(kind)["fields"]]:
        frame = pd.DataFrame(project.read_layer(kind, columns=[id_field]).drop(columns="geometry", errors="ignore"))
        return pd.DataFrame({id_field: frame[id_field]})
    return pd.DataFrame(index=pd.RangeIndex(project.feature_count(kind)))


# ---------------------------------------------------------------------------------------- units


def _unit_table(units: pd.DataFrame | None) -> pd.DataFrame:
    """unit_kind, unit_id (text), name, score (float), rank (Int64), grade: one row per unit, first kept."""
    columns = ["unit_kind", "unit_id", "name", "score", "rank", "grade"]
    if units is None or len(units) == 0:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    out = pd.DataFrame({
        "unit_kind": units["unit_kind"].astype(str).to_numpy(),
        "unit_id": units["unit_id"].astype(str).to_numpy(),
        "name": units["name"].to_numpy(dtype=object) if "name" in units else None,
        "score": pd.to_numeric(units["score"], errors="coerce").to_numpy(dtype=float) if "score" in units else np.nan,
        "rank": pd.array(pd.to_numeric(units["rank"], errors="coerce"), dtype="Int64") if "rank" in units else pd.NA,
        "grade": units["grade"].to_numpy(dtype=object) if "grade" in units else None,
    })
    return out.drop_duplicates(UNIT_KEY, keep="first").reset_index(drop=True)


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _differs(a: Any, b: Any, tolerance: float = 0.0) -> bool:
    """Whether two cells differ; two missing values are equal, one missing and one present differ."""
    if _missing(a) or _missing(b):
        return _missing(a) != _missing(b)
    if isinstance(a, (int, float, np.integer, np.floating)) and isinstance(b, (int, float, np.integer, np.floating)):
        return abs(float(a) - float(b)) > tolerance
    return bool(a != b)


def unit_changes(before_units: pd.DataFrame | None, after_units: pd.DataFrame | None, *,
                 tolerance: float = SCORE_TOLERANCE) -> pd.DataFrame:
    """Each evaluation unit's score, rank and grade before → after (`Evaluation.units` of each side).

    Units are matched by (unit_kind, unit_id). `status` is "kept", "added" (only after) or "removed" (only
    before); `changed` is true for added and removed units and for kept units whose score moved by more than
    `tolerance` points or whose rank or grade changed (a unit that lost or gained its score counts too).
    `score_change` = after − before (NaN unless both are scored). Rows follow the units after the import,
    then the removed ones in their old order; columns UNIT_CHANGE_COLUMNS.
    """
    old, new = _unit_table(before_units), _unit_table(after_units)
    old_at = {key: i for i, key in enumerate(zip(old["unit_kind"], old["unit_id"]))}
    new_keys = set(zip(new["unit_kind"], new["unit_id"]))
    rows = []
    for i, key in enumerate(zip(new["unit_kind"], new["unit_id"])):
        j = old_at.get(key)
        rows.append((key, None if j is None else old.iloc[j], new.iloc[i]))
    for key, j in old_at.items():
        if key not in new_keys:
            rows.append((key, old.iloc[j], None))
    records = []
    for (kind, uid), b, a in rows:
        status = "kept" if a is not None and b is not None else "added" if b is None else "removed"
        score_b = float(b["score"]) if b is not None else math.nan
        score_a = float(a["score"]) if a is not None else math.nan
        rank_b = b["rank"] if b is not None else pd.NA
        rank_a = a["rank"] if a is not None else pd.NA
        grade_b = b["grade"] if b is not None and not _missing(b["grade"]) else None
        grade_a = a["grade"] if a is not None and not _missing(a["grade"]) else None
        name = a["name"] if a is not None and not _missing(a["name"]) else (b["name"] if b is not None else None)
        changed = status != "kept" or _differs(score_b, score_a, tolerance) or _differs(rank_b, rank_a) \
            or _differs(grade_b, grade_a)
        records.append({"unit_id": uid, "unit_kind": kind, "name": None if _missing(name) else name, "status": status,
                        "score_before": score_b, "score_after": score_a, "score_change": score_a - score_b,
                        "rank_before": rank_b, "rank_after": rank_a, "grade_before": grade_b, "grade_after": grade_a,
                        "changed": bool(changed)})
    frame = pd.DataFrame(records, columns=UNIT_CHANGE_COLUMNS)
    for column in ("score_before", "score_after", "score_change"):
        frame[column] = frame[column].astype(float)
    for column in ("rank_before", "rank_after"):
        frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
    for column in ("name", "grade_before", "grade_after"):  # text with None where missing (not NaN)
        frame[column] = pd.Series([None if _missing(v) else v for v in frame[column]], index=frame.index, dtype=object)
    frame["changed"] = frame["changed"].astype(bool)
    return frame


# ---------------------------------------------------------------------------------------- one import


@dataclass
class Snapshot:
    """One side of an import: the layer's ids (`layer_ids`; None: no such layer) and the units' evaluation
    (`Evaluation.units`; an empty table when there are none, None when not known)."""

    kind: str
    layer: pd.DataFrame | None
    units: pd.DataFrame | None = None
    note: str = ""  # why `units` is None (the evaluation failed), for the report


def snapshot(project: Project | str | Path | None, kind: str, *, units: pd.DataFrame | None = None,
             evaluate: bool = False) -> Snapshot:
    """The layer `kind` of `project` and its units' scores, as `compare` reads them.

    `units`: an `Evaluation.units` the caller already has (the app's cached evaluation); with `evaluate`
    and none given, the project is evaluated here (`load_inputs`, `evaluate`: the CLI). A folder that is not
    yet a project (an import creates it) has no layer and no units; an evaluation that fails leaves `units`
    None, with the reason in `note`, and `compare` then leaves the units out."""
    if project is not None and not isinstance(project, Project):
        root = Path(project)
        project = Project.open(root) if (root / "landpark.toml").exists() or (root / "project.gpkg").exists() else None
    if project is None:  # nothing yet: no layer, and (when asked) no units
        return Snapshot(kind, None, units if units is not None or not evaluate else _unit_table(None))
    layer = layer_ids(project, kind)
    note = ""
    if units is None and evaluate:
        try:
            from analysis.inputs import load_inputs
            from analysis.score import evaluate as run_evaluation

            units = run_evaluation(load_inputs(project)).units
        except Exception as exc:  # any failure: the layer comparison still stands
            note = f"{type(exc).__name__}: {exc}"
    return Snapshot(kind, layer, units, note)


@dataclass
class ImportDiff:
    """The comparison of two snapshots of one import: `layer_diff` and `unit_changes` (None: not comparable)."""

    kind: str
    layer: dict[str, Any]
    units: pd.DataFrame | None
    note: str = ""

    def unit_counts(self) -> dict[str, int]:
        """Units changed, with a new score, a new rank or a new grade, added and removed (kept units only for moves)."""
        u = self.units
        if u is None or len(u) == 0:
            return {"units": 0, "changed": 0, "score": 0, "rank": 0, "grade": 0, "added": 0, "removed": 0}
        kept = u[u["status"] == "kept"]
        return {"units": len(u), "changed": int(u["changed"].sum()),
                "score": int(sum(_differs(b, a, SCORE_TOLERANCE) for b, a in zip(kept["score_before"], kept["score_after"]))),
                "rank": int(sum(_differs(b, a) for b, a in zip(kept["rank_before"], kept["rank_after"]))),
                "grade": int(sum(_differs(b, a) for b, a in zip(kept["grade_before"], kept["grade_after"]))),
                "added": int((u["status"] == "added").sum()), "removed": int((u["status"] == "removed").sum())}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the layer comparison, the unit counts and the changed units (NaN/NA → null)."""
        units = None
        if self.units is not None:
            changed = self.units[self.units["changed"]].astype(object)
            units = [{k: (None if _missing(v) else v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
                     for row in changed.to_dict("records")]
        return {"kind": self.kind, "layer": self.layer, "unit_counts": self.unit_counts(), "units_changed": units,
                "note": self.note}

    def to_text(self, shown: int = 20, lang: str = "en") -> str:
        """A plain-text summary for the terminal: the layer's change, then up to `shown` changed units (in Chinese
        for lang="zh")."""
        if lang == "zh":
            return self._text_zh(shown)
        d = self.layer
        if d["by"] == "id":
            lines = [f"{self.kind} by {d['id_field']}: {d['added']} added, {d['removed']} removed, {d['kept']} kept "
                     f"({d['before']} → {d['after']} features)"]
            if d["without_id_after"] or d["without_id_before"]:
                lines.append(f"  features without an id (not compared): {d['without_id_before']} → {d['without_id_after']}")
            for what in ("added", "removed"):
                ids = d[f"{what}_ids"]
                if ids:
                    more = f", … ({d[what]} in all)" if d[what] > len(ids) else ""
                    lines.append(f"  {what}: {', '.join(ids)}{more}")
        else:
            lines = [f"{self.kind} (no id field, by count): {d['before']} → {d['after']} features"]
        if self.units is None:
            lines.append("unit scores: not compared" + (f" ({self.note})" if self.note else ""))
            return "\n".join(lines)
        c = self.unit_counts()
        lines.append(f"units: {c['changed']} of {c['units']} changed (score {c['score']}, rank {c['rank']}, "
                     f"grade {c['grade']}, added {c['added']}, removed {c['removed']})")
        changed = self.units[self.units["changed"]]
        for row in changed.head(shown).itertuples(index=False):
            lines.append(f"  {row.unit_kind} {row.unit_id} {row.name or ''}: score {_num(row.score_before)} → "
                         f"{_num(row.score_after)}, rank {_num(row.rank_before)} → {_num(row.rank_after)}, "
                         f"grade {row.grade_before or '—'} → {row.grade_after or '—'} ({row.status})")
        if len(changed) > shown:
            lines.append(f"  … {len(changed) - shown} more")
        return "\n".join(lines)


    def _text_zh(self, shown: int) -> str:
        from i18n import field_label, layer_label

        d = self.layer
        label = layer_label(self.kind, "zh")
        if d["by"] == "id":
            field = field_label(self.kind, d["id_field"], "zh")
            lines = [f"{label}（按{field}比较）：新增 {d['added']} 个、移除 {d['removed']} 个、保留 {d['kept']} 个"
                     f"（要素 {d['before']} → {d['after']} 个）"]
            if d["without_id_after"] or d["without_id_before"]:
                lines.append(f"  无编号的要素（未逐个比较）：{d['without_id_before']} → {d['without_id_after']} 个")
            for what, word in (("added", "新增"), ("removed", "移除")):
                ids = d[f"{what}_ids"]
                if ids:
                    more = f" …（共 {d[what]} 个）" if d[what] > len(ids) else ""
                    lines.append(f"  {word}：{'、'.join(ids)}{more}")
        else:
            lines = [f"{label}（无编号字段，按数量比较）：要素 {d['before']} → {d['after']} 个"]
        if self.units is None:
            lines.append("评价单元得分：未比较" + (f"（{self.note}）" if self.note else ""))
            return "\n".join(lines)
        c = self.unit_counts()
        lines.append(f"评价单元 {c['units']} 个，其中 {c['changed']} 个有变化：得分变化 {c['score']} 个、"
                     f"排名变化 {c['rank']} 个、等级变化 {c['grade']} 个；新增 {c['added']} 个、移除 {c['removed']} 个")
        status = {"kept": "保留", "added": "新增", "removed": "移除"}
        changed = self.units[self.units["changed"]]
        for row in changed.head(shown).itertuples(index=False):
            lines.append(f"  {layer_label(row.unit_kind, 'zh')} {row.unit_id} {row.name or ''}："
                         f"得分 {_num(row.score_before)} → {_num(row.score_after)}，"
                         f"排名 {_num(row.rank_before)} → {_num(row.rank_after)}，"
                         f"等级 {row.grade_before or '—'} → {row.grade_after or '—'}（{status.get(row.status, row.status)}）")
        if len(changed) > shown:
            lines.append(f"  …另有 {len(changed) - shown} 个")
        return "\n".join(lines)


def _num(value: Any) -> str:
    if _missing(value):
        return "—"
    return f"{float(value):.1f}" if isinstance(value, (float, np.floating)) else str(value)


def compare(before: Snapshot, after: Snapshot) -> ImportDiff:
    """The import's change: its layer by id (or count), and the units' scores when both sides were evaluated."""
    layer = after.layer if after.layer is not None else pd.DataFrame()
    diff = layer_diff(before.layer, layer, layer_spec(after.kind).id_field)
    if before.units is None or after.units is None:
        return ImportDiff(after.kind, diff, None, before.note or after.note)
    return ImportDiff(after.kind, diff, unit_changes(before.units, after.units))
