"""The enterprise (亩均) evaluation as a browsable table: firms with their industry, filtered by
group, class, industry, name and scored state, counted by class, and binned by score.

Everything here reads `Evaluation.firms` (indexed by credit code) and the enterprise layer;
nothing re-evaluates a firm.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from spatial.errors import UsageError

CLASSES = ("A", "B", "C", "D", "T")
GROUP_ORDER = ("above", "below")
UNSCORED = "unscored"  # the class column of `class_counts` for firms not scored
UNKNOWN_GROUP = "unknown"


def firm_table(firms: pd.DataFrame, enterprises: pd.DataFrame | None = None) -> pd.DataFrame:
    """`firms` with the credit code as a column and the `industry` of the enterprise layer beside it
    (matched on the credit code, stripped and upper-cased as the evaluation does; None where absent)."""
    table = firms.reset_index()
    if "uscc" not in table.columns:
        table = table.rename(columns={table.columns[0]: "uscc"})
    table["uscc"] = table["uscc"].astype(str)
    industry = pd.Series(None, index=table.index, dtype=object)
    if enterprises is not None and {"uscc", "industry"} <= set(enterprises.columns):
        raw = pd.DataFrame({"uscc": enterprises["uscc"].astype("string").str.strip().str.upper(),
                            "industry": enterprises["industry"]}).dropna(subset=["uscc"]).drop_duplicates("uscc")
        industry = table["uscc"].map(raw.set_index("uscc")["industry"])
    table["industry"] = industry.astype(object).where(industry.notna(), None)
    return table


def filter_firms(table: pd.DataFrame, *, groups: Iterable[str] | None = None, classes: Iterable[str] | None = None,
                 industries: Iterable[str] | None = None, text: str | None = None,
                 unscored_only: bool = False) -> pd.DataFrame:
    """The rows of `firm_table` matching every given filter (an empty or None filter keeps all).

    groups: "above"/"below"; classes: "A"…"D"/"T"; industries: exact industry names; text: a
    case-insensitive substring of the name or the credit code; unscored_only: firms not scored.
    """
    keep = pd.Series(True, index=table.index)
    groups, classes, industries = (list(x) if x else [] for x in (groups, classes, industries))
    if groups:
        keep &= table["group"].isin(groups)
    if classes:
        keep &= table["class"].isin(classes)
    if industries:
        keep &= table["industry"].isin(industries)
    needle = (text or "").strip()
    if needle:
        name = table["name"].astype("string").fillna("")
        code = table["uscc"].astype("string").fillna("")
        keep &= (name.str.contains(needle, case=False, regex=False) |
                 code.str.contains(needle, case=False, regex=False)).astype(bool)
    if unscored_only:
        keep &= ~table["scored"].astype(bool)
    return table[keep.to_numpy()]


def class_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Firms per group (rows: above, below, and unknown when some firm has no group) and class
    (columns A–D, T when any firm is T, unscored, total)."""
    group = table["group"].astype(object).where(table["group"].notna(), UNKNOWN_GROUP)
    cls = table["class"].astype(object).where(table["scored"].astype(bool) & table["class"].notna(), UNSCORED)
    counts = pd.crosstab(group, cls)
    columns = [c for c in CLASSES if c != "T" or "T" in counts.columns] + [UNSCORED]
    rows = [g for g in GROUP_ORDER] + ([UNKNOWN_GROUP] if UNKNOWN_GROUP in counts.index else [])
    counts = counts.reindex(index=rows, columns=columns, fill_value=0).astype(int)
    counts["total"] = counts.sum(axis=1)
    counts.index.name, counts.columns.name = "group", None
    return counts


def score_histogram(table: pd.DataFrame, bins: int = 30, clip_quantile: float = 1.0) -> pd.DataFrame:
    """Scored firms per score bin, per group: columns group, start, end, count, clipped.

    Each group gets `bins` equal bins from 0 (or its lowest score, if negative) to the
    `clip_quantile` quantile of its scores; scores above that fall in the last bin, and `clipped`
    says how many did (the same number on every row of the group).
    """
    if bins < 1:
        raise UsageError("bins must be ≥ 1")
    rows = []
    scored = table[table["scored"].astype(bool)]
    for g in [x for x in GROUP_ORDER if (scored["group"] == x).any()]:
        s = pd.to_numeric(scored.loc[scored["group"] == g, "score"], errors="coerce").dropna().to_numpy(dtype=float)
        if not len(s):
            continue
        lo = min(0.0, float(s.min()))
        hi = float(np.quantile(s, clip_quantile)) if clip_quantile < 1 else float(s.max())
        if hi <= lo:
            hi = lo + 1.0
        edges = np.linspace(lo, hi, bins + 1)
        clipped = int((s > hi).sum())
        count, _ = np.histogram(np.minimum(s, hi), bins=edges)
        rows.append(pd.DataFrame({"group": g, "start": edges[:-1], "end": edges[1:], "count": count.astype(int),
                                  "clipped": clipped}))
    if not rows:
        return pd.DataFrame(columns=["group", "start", "end", "count", "clipped"])
    return pd.concat(rows, ignore_index=True)


def class_floors(table: pd.DataFrame) -> pd.DataFrame:
    """Lowest score of each class A–D in each group (columns group, class, score): where the class
    boundaries fall on the score axis, whatever the class rule (percentile or score)."""
    scored = table[table["scored"].astype(bool) & table["class"].isin(CLASSES[:4]) & table["group"].notna()]
    floors = pd.to_numeric(scored["score"], errors="coerce").groupby([scored["group"], scored["class"]]).min()
    return floors.rename("score").reset_index()


__all__ = ["CLASSES", "UNSCORED", "class_counts", "class_floors", "filter_firms", "firm_table", "score_histogram"]
