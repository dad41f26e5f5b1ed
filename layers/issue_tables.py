"""Problems and data issues as tables: one row per problem, filtered and counted.

A validation report's problems and a project's `data_issues` table share the columns of
`layers.project.ISSUE_COLUMNS` (layer, feature, field, severity, code, message, value, source, message_zh),
so one filter and one count serve both the "before import" report and the stored issues.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd

from layers.problems import Problem
from layers.project import ISSUE_COLUMNS
from layers.validation import BLOCKING_CODES

__all__ = ["SEVERITY_ORDER", "problems_frame", "filter_issues", "count_issues", "severity_counts"]

SEVERITY_ORDER = ("error", "warning", "info")


def problems_frame(problems: Iterable[Problem], *, relabel: Callable[[str], str] | None = None) -> pd.DataFrame:
    """Problems as rows of ISSUE_COLUMNS plus `blocking` (an error that stops an import).

    `relabel` rewrites the source and message text (e.g. a temporary upload path → the file's name).
    """
    fix = relabel or (lambda text: text)
    rows = [{"layer": p.layer, "feature": p.feature, "field": p.field, "severity": p.severity, "code": p.code,
             "message": fix(p.message), "value": "" if p.value is None else str(p.value), "source": fix(p.source),
             "message_zh": fix(p.message_zh), "blocking": p.severity == "error" and p.code in BLOCKING_CODES}
            for p in problems]
    return pd.DataFrame(rows, columns=[*ISSUE_COLUMNS, "blocking"])


def filter_issues(frame: pd.DataFrame, *, layers: Iterable[str] | None = None, severities: Iterable[str] | None = None,
                  codes: Iterable[str] | None = None, text: str = "") -> pd.DataFrame:
    """Rows whose layer, severity and code are among the given ones (None or empty = all) and whose
    feature, field, message (English or Chinese) or value contains `text` (case-insensitive)."""
    keep = pd.Series(True, index=frame.index)
    for column, wanted in (("layer", layers), ("severity", severities), ("code", codes)):
        wanted = list(wanted or [])
        if wanted:
            keep &= frame[column].astype(str).isin([str(w) for w in wanted])
    text = text.strip().lower()
    if text:
        hay = pd.Series("", index=frame.index)
        for column in ("feature", "field", "message", "message_zh", "value"):
            if column in frame.columns:
                hay = hay + " " + frame[column].fillna("").astype(str).str.lower()
        keep &= hay.str.contains(text, regex=False)
    return frame[keep]


def count_issues(frame: pd.DataFrame, by: tuple[str, ...] = ("severity", "code")) -> pd.DataFrame:
    """Number of rows per combination of `by`, errors first, then by descending count."""
    if not len(frame):
        return pd.DataFrame(columns=[*by, "count"])
    counts = frame.groupby(list(by), dropna=False).size().rename("count").reset_index()
    if "severity" in by:
        rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
        counts["_rank"] = counts["severity"].map(lambda s: rank.get(s, len(rank)))
        counts = counts.sort_values(["_rank", "count", *by], ascending=[True, False, *[True] * len(by)])
        counts = counts.drop(columns="_rank")
    else:
        counts = counts.sort_values(["count", *by], ascending=[False, *[True] * len(by)])
    return counts.reset_index(drop=True)


def severity_counts(frame: pd.DataFrame) -> dict[str, int]:
    """{"error": n, "warning": n, "info": n} over the rows of `frame` (zeros included)."""
    present = frame["severity"].value_counts() if len(frame) else pd.Series(dtype=int)
    return {s: int(present.get(s, 0)) for s in SEVERITY_ORDER}
