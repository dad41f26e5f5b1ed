"""Evaluation years in the firm data: which years a table holds, and the rows of one year.

The enterprise layer keeps one row per firm, year and period: `year` is the statistics year, `half` "1"
(上半年) or "2" (下半年) marks a half-year 效益报表 row, and no `half` is the whole year — the annual data
the 亩均 evaluation scores. Analysis reads one year at a time through `rows_of_year`.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from layers.problems import InputError

__all__ = ["evaluation_date_of", "firm_years", "half_years", "resolve_firm_year", "rows_of_year", "year_column"]


def year_column(frame: pd.DataFrame) -> pd.Series:
    """The rows' years as nullable integers (all null when the table has no year column)."""
    if "year" not in frame.columns:
        return pd.Series(pd.array([None] * len(frame), dtype="Int64"), index=frame.index)
    return pd.to_numeric(frame["year"], errors="coerce").round().astype("Int64")


def _half_column(frame: pd.DataFrame) -> pd.Series:
    """The rows' half-year as nullable integers 1 / 2 (null: the whole year)."""
    if "half" not in frame.columns:
        return pd.Series(pd.array([None] * len(frame), dtype="Int64"), index=frame.index)
    return pd.to_numeric(frame["half"].astype("string"), errors="coerce").round().astype("Int64")


def firm_years(frame: pd.DataFrame) -> list[int]:
    """The years of whole-year rows present in the table, ascending."""
    years = year_column(frame)[_half_column(frame).isna()]
    return sorted(int(y) for y in years.dropna().unique())


def half_years(frame: pd.DataFrame) -> list[tuple[int, int]]:
    """The (year, half) periods of half-year rows present, in time order."""
    years, halves = year_column(frame), _half_column(frame)
    both = pd.DataFrame({"year": years, "half": halves}).dropna().drop_duplicates()
    return sorted((int(y), int(h)) for y, h in both.itertuples(index=False))


def rows_of_year(frame: pd.DataFrame, year: int | None, half: int | None = None) -> pd.DataFrame:
    """The rows of one year: whole-year rows (`half` None) or those of one half-year.

    Rows without a year belong to no year and are left out whenever the table holds years; a table with
    no year at all (or `year` None) is returned whole, its half-year rows excepted."""
    halves = _half_column(frame)
    period = halves.isna() if half is None else (halves == half).fillna(False)
    if year is None or year_column(frame).isna().all():
        return frame[period.to_numpy()]
    same = (year_column(frame) == year).fillna(False)
    return frame[(same & period).to_numpy()]


def resolve_firm_year(frame: pd.DataFrame, requested: int | None, project_year: int) -> tuple[int | None, str]:
    """The year whose firm rows an evaluation uses, and a note ("" when nothing needs saying).

    An explicit year must be present (else InputError listing the years held). Without one: a table of a
    single year (or none) is used whole, as before years were kept; several years → the project's year if
    held, else the latest, with a note."""
    years = firm_years(frame)
    if requested is not None:
        if years and requested not in years:
            held = ", ".join(map(str, years))
            raise InputError(f"enterprises: no firm data for {requested} (the layer holds {held})",
                             zh=f"企业图层：没有 {requested} 年的企业数据（现有年度：{'、'.join(map(str, years))}）")
        return requested, ""
    if len(years) <= 1:
        return (years[0] if years else None), ""
    if project_year in years:
        return project_year, ""
    latest = years[-1]
    return latest, (f"the firm data hold no rows for the project year {project_year}: the latest year, {latest}, "
                    "is evaluated")


def evaluation_date_of(base: dt.date, base_year: int, year: int) -> dt.date:
    """The evaluation date of `year`: the project's evaluation date `base` (that of `base_year`) moved by the
    same number of years — 2025 evaluated on 2026-03-31 gives 2024 evaluated on 2025-03-31 (29 February
    becomes 28 February in a common year)."""
    target = base.year + (year - base_year)
    try:
        return base.replace(year=target)
    except ValueError:
        return base.replace(year=target, day=28)
