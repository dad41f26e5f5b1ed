"""Enterprise 亩均效益 evaluation: the land area of each firm and the entry point of the evaluation.

The scoring itself follows a method file (analysis/methods, docs/method-format.md); without one, the
project's inline `[enterprise]` section of landpark.toml (黄岩 2022 by default, docs/methods.md §2.2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from layers.config import enterprise_settings
from layers.problems import InputError, Problem
from layers.settings import EnterpriseSettings

GROUPS: dict[str, str] = {"above": "above_scale", "below": "below_scale"}  # group → config section
GROUP_LABELS = {"above": "规上", "below": "规下"}
LAYER = "enterprises"
CONFIG_SOURCE = "landpark.toml"


@dataclass
class EnterpriseEvaluation:
    """Result of `evaluate_enterprises`: per-firm table, benchmarks used and warnings."""

    table: pd.DataFrame
    benchmarks: dict[str, dict[str, float]]
    warnings: list[Problem] = field(default_factory=list)


# --------------------------------------------------------------------------- inputs


def _numeric(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[name], errors="coerce").astype("float64")


def _normalise_uscc(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip().str.upper()


def _boolean(frame: pd.DataFrame, name: str) -> pd.Series:
    """Column as nullable boolean (absent → all missing); raise naming the column if not boolean."""
    if name not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="boolean")
    try:
        return frame[name].astype("boolean")
    except (TypeError, ValueError):
        bad = frame[name].dropna().unique()[:5].tolist()
        problem = Problem("error", "invalid_value", f"{name} must be true/false, got e.g. {bad}", layer=LAYER, field=name)
        raise InputError(f"{LAYER}: column {name} is not boolean (e.g. {bad})", [problem]) from None


def owned_parcel_mu(enterprises: pd.DataFrame, parcel_owner_mu: pd.Series | None) -> pd.Series:
    """Per firm, the area (mu) of the parcels linked to it (`parcel_owner_mu`, indexed by uscc); NaN without any."""
    if parcel_owner_mu is None or not len(parcel_owner_mu) or "uscc" not in enterprises.columns:
        return pd.Series(np.nan, index=enterprises.index, dtype="float64")
    per_owner = pd.to_numeric(parcel_owner_mu, errors="coerce").groupby(
        _normalise_uscc(pd.Series(parcel_owner_mu.index, index=parcel_owner_mu.index))).sum()
    return _normalise_uscc(enterprises["uscc"]).map(per_owner).astype("float64")


def enterprise_land_mu(enterprises: pd.DataFrame, parcel_owner_mu: pd.Series | None, *,
                       owned_mu: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """Land area (mu) per firm and where it came from: the table's land_area_mu when > 0,
    else owned parcel area (`parcel_owner_mu`, indexed by uscc: parcels linked to the firm by analysis/land_links.py —
    link table, credit code or owner name) + leased_in_mu − leased_out_mu. `owned_mu`: `owned_parcel_mu` of the
    same arguments when the caller has it already.

    Sources: "table", "parcels", "parcels+leases", "leases" (no owned parcel) or "none" (NaN area).
    """
    index = enterprises.index
    table = _numeric(enterprises, "land_area_mu")
    has_table = table > 0
    owned = (owned_parcel_mu(enterprises, parcel_owner_mu) if owned_mu is None else owned_mu).fillna(0.0)
    leased_in = _numeric(enterprises, "leased_in_mu").fillna(0.0)
    leased_out = _numeric(enterprises, "leased_out_mu").fillna(0.0)
    has_parcels = owned > 0
    has_leases = (leased_in != 0) | (leased_out != 0)
    derived = owned + leased_in - leased_out
    land = table.where(has_table, derived.where(has_parcels | has_leases))
    source = np.select(
        [has_table.to_numpy(), (has_parcels & has_leases).to_numpy(), has_parcels.to_numpy(), has_leases.to_numpy()],
        ["table", "parcels+leases", "parcels", "leases"],
        default="none",
    )
    return land.rename("land_mu"), pd.Series(source, index=index, name="land_source", dtype=object)


# --------------------------------------------------------------------------- evaluation


def _firm_ids(frame: pd.DataFrame) -> pd.Series:
    """Credit code per row, or "row N" (1-based) where it is missing, for warnings."""
    codes = _normalise_uscc(frame["uscc"])
    missing = np.flatnonzero(codes.isna().to_numpy())
    rows = pd.Series([f"row {i + 1}" for i in missing], index=frame.index[missing], dtype="string")
    return codes.fillna(rows).astype(object)


def _warn(warnings: list[Problem], code: str, ids: pd.Series, mask: pd.Series, message: str,
          field_name: str | pd.Series, values: pd.Series | None = None, zh: str = "") -> None:
    """One warning per flagged firm; `field_name` may vary per firm (a Series); `zh` the Chinese text ({id} filled).

    The flagged rows are picked once, as plain lists: item by item lookups in the Series cost ~20 µs each, which
    counted with ten thousand warnings."""
    at = mask[mask].index
    if not len(at):
        return
    firm_ids = [str(v) for v in ids.loc[at].tolist()]
    numbers: list[float | None] = [None] * len(at)
    if values is not None:
        picked = pd.to_numeric(values.loc[at], errors="coerce").astype(float).to_numpy()
        numbers = [None if np.isnan(v) else float(v) for v in picked]
    names = [field_name] * len(at) if isinstance(field_name, str) else [str(v) for v in field_name.loc[at].tolist()]
    warnings.extend(Problem("warning", code, message.format(id=firm), layer=LAYER, feature=firm, field=name, value=value,
                            message_zh=zh.format(id=firm) if zh else "")
                    for firm, name, value in zip(firm_ids, names, numbers, strict=True))


def _append_text(text: pd.Series, mask: pd.Series, item: str, sep: str) -> pd.Series:
    """`text` with `item` appended (separated by `sep`) where `mask` holds."""
    return text.where(~mask, text + np.where(text == "", "", sep) + item)


def _checked_frame(enterprises: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The table with a fresh RangeIndex and its firm ids; raise on no uscc column or duplicate codes."""
    if "uscc" not in enterprises.columns:
        problem = Problem("error", "missing_field", "no uscc (统一社会信用代码) column", layer=LAYER, field="uscc")
        raise InputError(f"{LAYER}: no uscc column", [problem])
    frame = enterprises.reset_index(drop=True)
    ids = _firm_ids(frame)
    dup = ids.duplicated(keep=False)
    if dup.any():
        codes = sorted(set(ids[dup]))
        problems = [Problem("error", "duplicate_id", f"duplicate credit code {c}", layer=LAYER, feature=c, field="uscc")
                    for c in codes]
        raise InputError(f"{LAYER}: duplicate credit codes {codes} (one row per firm and year expected)", problems)
    return frame, ids


def evaluate_enterprises(enterprises: pd.DataFrame, config: EnterpriseSettings | Mapping[str, Any], *,
                         parcel_owner_mu: pd.Series | None = None, evaluation_date: str | None = None,
                         method: Any = None, **context: Any) -> EnterpriseEvaluation:
    """Score, rank and class every firm with `method` (analysis.methods), by default the project's inline
    `[enterprise]` section of landpark.toml read as a method (two lists: 规上, 规下).

    Firms without usable land area, tax or list, excluded, or missing an indicator whose rule is "exclude",
    are kept in the table unscored with the reason; so is every missing-data substitution. `context`
    passes events, tenancy, owned_parcels, previous and year on to analysis.methods.engine.evaluate_firms.
    """
    from analysis.methods import method_from_settings
    from analysis.methods.engine import evaluate_firms

    if method is None:
        method = method_from_settings(enterprise_settings(config))
    return evaluate_firms(enterprises, method, evaluation_date=evaluation_date, parcel_owner_mu=parcel_owner_mu, **context)
