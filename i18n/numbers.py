"""Number formatting for every front door (exports, CLI, app pages), written once.

Rules, as the scorecard exports print them: a missing value (None, NA, NaN, ±inf) is an em
dash; ratios are fractions shown as percent with one decimal; areas (亩) and money (万元) have
one decimal and thousands separators; per-mu values (万元/亩) two decimals and separators; FAR
two decimals; scores one decimal; ranks and counts are integers (counts with separators).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

MISSING = "—"

# Number kind of a column: how it is formatted in every export and table.
_KINDS = {
    "score": "score", "rank": "int", "rank_best": "int", "rank_worst": "int", "far_industrial": "far",
    "building_coverage": "ratio", "member_tax_10k_yuan": "money", "parcel_count": "int", "member_count": "int",
    "idle_by_date_count": "int", "encroachment_count": "int", "land_mu": "mu",
    # output figures beside the per-mu ones, and their 规上-only twins (analysis/members.py)
    "labour_productivity": "per_mu", "above_scale_labour_productivity": "per_mu",  # 万元/人, two decimals
    "profit_margin": "ratio", "above_scale_profit_margin": "ratio", "above_scale_n_firms": "int",
}

# printf-style formats of each numeric kind, for table widgets that format numbers themselves
# (Streamlit's NumberColumn); "percent" is Streamlit's own percent format.
PRINTF_FORMATS = {"ratio": "percent", "mu": "%.1f", "money": "%.1f", "per_mu": "%.2f", "far": "%.2f",
                  "score": "%.1f", "int": "%d"}


def is_missing(value: Any) -> bool:
    """True for None, NA and non-finite floats: values shown as an em dash."""
    if value is None or value is pd.NA:
        return True
    if isinstance(value, (float, np.floating)):
        return not math.isfinite(float(value))
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_ratio(value: Any, digits: int = 1) -> str:
    """A fraction as percent (0.567 → "56.7%"), so ratios read the same everywhere."""
    return MISSING if is_missing(value) else f"{float(value):.{digits}%}"


def format_mu(value: Any, digits: int = 1) -> str:
    """An area in 亩 with thousands separators (1234.56 → "1,234.6")."""
    return MISSING if is_missing(value) else f"{float(value):,.{digits}f}"


def format_money(value: Any) -> str:
    """An amount in 万元 with one decimal and thousands separators."""
    return format_mu(value, 1)


def format_per_mu(value: Any) -> str:
    """A per-mu value (万元/亩) with two decimals and thousands separators."""
    return MISSING if is_missing(value) else f"{float(value):,.2f}"


def format_far(value: Any) -> str:
    """A floor-area ratio, weight or normalised value with two decimals."""
    return MISSING if is_missing(value) else f"{float(value):.2f}"


def format_score(value: Any) -> str:
    """A composite or enterprise score with one decimal."""
    return MISSING if is_missing(value) else f"{float(value):.1f}"


def format_int(value: Any) -> str:
    """A rank or small integer without separators, as the exports print it."""
    return MISSING if is_missing(value) else f"{int(value):d}"


def format_count(value: Any) -> str:
    """A count of features, rows or sites with thousands separators (20259 → "20,259")."""
    return MISSING if is_missing(value) else f"{int(value):,}"


def format_length(value: Any, digits: int = 0) -> str:
    """A distance (m) or area (m²) with thousands separators."""
    return MISSING if is_missing(value) else f"{float(value):,.{digits}f}"


def format_general(value: Any) -> str:
    """A number of unknown kind with three significant digits."""
    return MISSING if is_missing(value) else f"{float(value):.3g}"


def format_bool(value: Any, lang: str = "zh") -> str:
    """Yes or no in the session language."""
    from i18n import t

    return MISSING if is_missing(value) else t("exp_yes" if bool(value) else "exp_no", lang)


_BY_KIND = {"ratio": format_ratio, "mu": format_mu, "money": format_money, "per_mu": format_per_mu,
            "far": format_far, "score": format_score, "int": format_int, "count": format_count}


def format_value(value: Any, kind: str, lang: str = "zh") -> str:
    """A value of number kind `kind` (see `column_kind`) as text; missing values show as an em dash."""
    if is_missing(value):
        return MISSING
    if kind == "bool":
        return format_bool(value, lang)
    formatter = _BY_KIND.get(kind)
    return formatter(value) if formatter is not None else str(value)


def column_kind(name: str) -> str:
    """Number kind of a column: ratio, mu, per_mu, money, far, int, score, bool or text."""
    if name in _KINDS:
        return _KINDS[name]
    if name.startswith("class_") and len(name) == 7:
        return "int"
    if name.endswith(("_ratio", "_share")):
        return "ratio"
    if name.endswith("_per_mu"):
        return "per_mu"
    if name.endswith("_mu"):
        return "mu"
    if name.endswith("_10k_yuan"):
        return "money"
    if name.endswith("_ok") or name in ("scored", "above_scale", "listed"):
        return "bool"
    return "text"


__all__ = ["MISSING", "PRINTF_FORMATS", "column_kind", "format_bool", "format_count", "format_far", "format_general",
           "format_int", "format_length", "format_money", "format_mu", "format_per_mu", "format_ratio", "format_score",
           "format_value", "is_missing"]
