"""The yearly supply mix: land supplied per year by category and by 供地方式, the industrial share against the
configured floors ([supply_mix] floors), and flexible-term leases with their expiry.

Definition (docs/methods.md §4.4): a parcel is supplied in year Y when its supply_status is supplied,
built or idle and its supply_date falls in Y; areas are ellipsoidal 亩; a parcel is industrial when its
land_use_category is one of [land_use] industrial_categories (warehouse too when include_warehouse). The share
is industrial 亩 ÷ supplied 亩 with a known category, of the supply types a floor counts (["all"]: every supplied
parcel). A year with no such land has no value (None, never 0); supplied parcels without a supply date are counted
apart (`undated_*`), never dropped silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.units import SUPPLIED_STATUSES
from i18n import t
from layers.config import Config, config_from_dict
from layers.schema import FLEXIBLE_SUPPLY_TYPES, LAND_USE_CATEGORIES, SUPPLY_TYPES
from layers.settings import ALL_SUPPLY_TYPES, FLOOR_BASES

UNKNOWN = "unknown"  # the column of land whose category or 供地方式 is not filled in
FLOOR_STATUSES = ("pass", "fail", "incomplete", "no_data")
LEASE_STATUSES = ("ended", "expiring", "current", "no_end")
DAYS_PER_MONTH = 365.25 / 12  # months left are shown as days ÷ this (one decimal)
# 供地方式 code → its translation key's suffix (the Chinese label is the code itself; English labels in i18n)
SUPPLY_TYPE_KEYS = (("出让", "grant"), ("弹性年期出让", "flexible_grant"), ("先租后让", "lease_then_grant"),
                    ("租赁", "lease"), ("划拨", "allocation"), ("其他", "other"))
LEASE_COLUMNS = ["parcel_id", "supply_type", "land_use_category", "area_mu", "term_years", "start_date", "end_date",
                 "months_left", "status"]


def code_labels(lang: str) -> dict[str, dict[str, str]]:
    """Display labels of the codes this module reports (categories, 供地方式, verdicts, lease statuses, bases),
    so the CLI and the app show no bare code."""
    unknown = {UNKNOWN: t("supply_mix_unknown", lang)}
    return {
        "category": {**{c: t(f"supply_mix_cat_{c}", lang) for c in LAND_USE_CATEGORIES}, **unknown},
        "type": {**{code: t(f"supply_mix_type_{key}", lang) for code, key in SUPPLY_TYPE_KEYS}, **unknown},
        "floor_status": {s: t(f"supply_mix_status_{s}", lang) for s in FLOOR_STATUSES},
        "lease_status": {s: t(f"supply_mix_lease_{s}", lang) for s in LEASE_STATUSES},
        "base": {b: t(f"supply_mix_base_{b}", lang) for b in FLOOR_BASES},
    }


def counts_text(counts: Iterable[str], lang: str) -> str:
    """A floor's counted supply types as a person reads them ("全部供地方式", or "出让、弹性年期出让")."""
    counts = tuple(counts)
    if counts == (ALL_SUPPLY_TYPES,):
        return t("supply_mix_counts_all", lang)
    names = code_labels(lang)["type"]
    return ("、" if lang == "zh" else ", ").join(names.get(c, c) for c in counts)


@dataclass
class SupplyMix:
    """The supply mix of the years shown, the floors' verdicts, flexible-term leases and undated supplied land."""

    years: pd.DataFrame        # per year: year, parcels, supplied_mu, industrial_mu, industrial_share (over land
    #                            with a category), untyped_mu (no 供地方式), uncategorised_mu (no category)
    by_category: pd.DataFrame  # year index × land-use category (亩), "unknown" when some category is missing
    by_type: pd.DataFrame      # year index × 供地方式 (亩), "unknown" when some supply type is missing
    floors: pd.DataFrame       # per floor and year: floor, name, year, target, counted_mu, industrial_mu, missing_mu,
    #                            value, status (FLOOR_STATUSES)
    leases: pd.DataFrame       # LEASE_COLUMNS, soonest end first
    undated_parcels: int       # supplied parcels without a supply date (not in any year)
    undated_mu: float
    as_of: dt.date
    window_months: int


def _area_mu(parcels: pd.DataFrame, config: Config) -> np.ndarray:
    """Each parcel's area in 亩: the `area_mu` column when present (prepared parcels), else the ellipsoidal area."""
    if "area_mu" in parcels:
        return pd.to_numeric(parcels["area_mu"], errors="coerce").to_numpy(dtype=float)
    from analysis.inputs import prepare_parcels

    return prepare_parcels(parcels, config)["area_mu"].to_numpy(dtype=float)


def industrial_mask(categories: pd.Series, config: Config) -> np.ndarray:
    """True where the land-use category counts as industrial under [land_use] (as analysis.inputs.prepare_parcels)."""
    wanted = set(config.land_use.industrial_categories) | ({"warehouse"} if config.land_use.include_warehouse else set())
    return categories.isin(wanted).to_numpy()


def _column(parcels: pd.DataFrame, name: str) -> pd.Series:
    """A column of `parcels` as objects, all missing when the layer does not have it (optional fields)."""
    if name in parcels:
        return parcels[name].astype(object).where(parcels[name].notna(), None).reset_index(drop=True)
    return pd.Series([None] * len(parcels), dtype=object)


def _dates(parcels: pd.DataFrame, name: str) -> pd.Series:
    """A date column as Timestamps (NaT when missing or unreadable)."""
    return pd.to_datetime(_column(parcels, name), errors="coerce")


def shown_years(config: Config, year: int | None = None) -> list[int]:
    """The years of the table: `year` alone, else the last [supply_mix] years_shown ending at the evaluation year."""
    if year is not None:
        return [int(year)]
    last = config.project.year
    return list(range(last - config.supply_mix.years_shown + 1, last + 1))


def _add_years(start: pd.Series, years: pd.Series) -> pd.Series:
    """The last day of a term of `years` (rounded to whole months) from `start`: 3 years from 2023-03-15 → 2026-03-14."""
    months = np.where(np.isfinite(years.to_numpy(dtype=float)), np.round(years.to_numpy(dtype=float) * 12), 0).astype(int)
    base = start.dt.to_period("M")
    ok = start.notna() & np.isfinite(years.to_numpy(dtype=float))
    out = pd.Series(pd.NaT, index=start.index, dtype="datetime64[ns]")
    if ok.any():
        shifted = (base[ok] + months[ok.to_numpy()]).dt.to_timestamp()
        day = start[ok] - base[ok].dt.to_timestamp()
        out[ok] = shifted + day - pd.Timedelta(days=1)
    return out


def flexible_leases(parcels: pd.DataFrame, area_mu: np.ndarray, as_of: dt.date, window_months: int) -> pd.DataFrame:
    """Parcels on flexible terms (供地方式 弹性年期出让/先租后让/租赁, or none given but a lease end or term) with
    term, start, end, months left and status: ended, expiring (within the window), current, or no_end."""
    kind = _column(parcels, "supply_type")
    start = _dates(parcels, "lease_start_date")
    end = _dates(parcels, "lease_end_date")
    term = pd.to_numeric(_column(parcels, "lease_term_years"), errors="coerce").astype(float)
    leased = kind.isin(FLEXIBLE_SUPPLY_TYPES) | (kind.isna() & (end.notna() | term.notna()))
    start = start.fillna(_dates(parcels, "supply_date"))  # the term runs from the supply date when no start is given
    end = end.fillna(_add_years(start, term))
    derived = ((end + pd.Timedelta(days=1) - start).dt.days / 365.25).round(2)
    term = term.fillna(derived)
    when = pd.Timestamp(as_of)
    limit = when + pd.DateOffset(months=window_months)
    status = np.select([end.isna(), end < when, end <= limit], ["no_end", "ended", "expiring"], "current")
    frame = pd.DataFrame({
        "parcel_id": _column(parcels, "parcel_id").astype(str),
        "supply_type": kind,
        "land_use_category": _column(parcels, "land_use_category"),
        "area_mu": area_mu,
        "term_years": term,
        "start_date": start.dt.strftime("%Y-%m-%d").where(start.notna(), None),
        "end_date": end.dt.strftime("%Y-%m-%d").where(end.notna(), None),
        "months_left": ((end - when).dt.days / DAYS_PER_MONTH).round(1),
        "status": status,
    })[leased.to_numpy()]
    return frame.sort_values(["end_date", "parcel_id"], na_position="last", kind="stable").reset_index(drop=True)


def _per_year(values: np.ndarray, years: np.ndarray, shown: list[int]) -> np.ndarray:
    """Σ `values` per year of `shown` (0 where a year has none): one bincount over the year offsets."""
    return np.bincount(years - shown[0], weights=values, minlength=len(shown))[:len(shown)] if len(shown) else np.zeros(0)


def supply_mix(parcels: pd.DataFrame, config: Config | Mapping[str, Any], years: Iterable[int] | None = None) -> SupplyMix:
    """The supply mix of `parcels` (raw layer or prepared with area_mu) for `years` (default: shown_years)."""
    cfg = config_from_dict(config)
    shown = sorted({int(y) for y in years}) if years is not None else shown_years(cfg)
    shown = list(range(shown[0], shown[-1] + 1)) if shown else []  # gap years stay in the table, with no share
    parcels = parcels.reset_index(drop=True)
    area = _area_mu(parcels, cfg)
    supplied = _column(parcels, "supply_status").isin(SUPPLIED_STATUSES).to_numpy()
    when = _dates(parcels, "supply_date")
    undated = supplied & when.isna().to_numpy()
    year = when.dt.year.to_numpy(dtype=float)
    inside = supplied & np.isin(year, shown)
    category = _column(parcels, "land_use_category")
    kind = _column(parcels, "supply_type")
    industrial = industrial_mask(category, cfg)
    y = year[inside].astype(int) if inside.any() else np.zeros(0, int)
    mu = area[inside]
    ind = industrial[inside]
    supplied_mu = _per_year(mu, y, shown)
    industrial_mu = _per_year(np.where(ind, mu, 0.0), y, shown)
    untyped = kind[inside].isna().to_numpy()
    uncategorised = category[inside].isna().to_numpy()
    uncategorised_mu = _per_year(np.where(uncategorised, mu, 0.0), y, shown)
    known_mu = supplied_mu - uncategorised_mu  # the share is over land whose category is known (missing is not 0)
    table = pd.DataFrame({
        "year": shown,
        "parcels": _per_year(np.ones(len(y)), y, shown).astype(int),
        "supplied_mu": supplied_mu,
        "industrial_mu": industrial_mu,
        "industrial_share": np.divide(industrial_mu, known_mu, out=np.full(len(shown), np.nan), where=known_mu > 1e-9),
        "untyped_mu": _per_year(np.where(untyped, mu, 0.0), y, shown),
        "uncategorised_mu": uncategorised_mu,
    })
    return SupplyMix(
        years=table,
        by_category=_crosstab(y, category[inside], mu, shown, LAND_USE_CATEGORIES),
        by_type=_crosstab(y, kind[inside], mu, shown, SUPPLY_TYPES),
        floors=_floors(cfg, y, kind[inside], ind, mu, shown, untyped, uncategorised),
        leases=flexible_leases(parcels, area, cfg.project.evaluation_date, cfg.supply_mix.expiry_window_months),
        undated_parcels=int(undated.sum()),
        undated_mu=float(area[undated].sum()),
        as_of=cfg.project.evaluation_date,
        window_months=cfg.supply_mix.expiry_window_months,
    )


def _crosstab(years: np.ndarray, labels: pd.Series, mu: np.ndarray, shown: list[int], order: tuple[str, ...]) -> pd.DataFrame:
    """亩 per year (rows, every shown year) and label (columns: the known labels present, in `order`, then
    others, then "unknown" for missing labels)."""
    keys = labels.fillna(UNKNOWN).astype(str).to_numpy()
    table = pd.DataFrame({"year": years, "key": keys, "mu": mu}).pivot_table(
        index="year", columns="key", values="mu", aggfunc="sum", fill_value=0.0)
    present = list(table.columns)
    columns = [k for k in order if k in present] + sorted(k for k in present if k not in order and k != UNKNOWN) \
        + ([UNKNOWN] if UNKNOWN in present else [])
    out = table.reindex(index=shown, columns=columns, fill_value=0.0)
    out.index.name, out.columns.name = "year", None
    return out


def _floors(cfg: Config, years: np.ndarray, kinds: pd.Series, industrial: np.ndarray, mu: np.ndarray,
            shown: list[int], untyped: np.ndarray, uncategorised: np.ndarray) -> pd.DataFrame:
    """Each floor's value and verdict per year over the counted land whose category is known: pass / fail;
    incomplete when some land of the year may count but cannot be placed (no 供地方式 under a floor counting only
    some types, or no category); no_data when no land of the counted types has a category."""
    rows = []
    for i, floor in enumerate(cfg.supply_mix.floors):
        every = floor.counts == (ALL_SUPPLY_TYPES,)
        typed = np.ones(len(mu), bool) if every else kinds.isin(floor.counts).to_numpy()
        counted = typed & ~uncategorised
        counted_mu = _per_year(np.where(counted, mu, 0.0), years, shown)
        industrial_mu = _per_year(np.where(counted & industrial, mu, 0.0), years, shown)
        value = np.divide(industrial_mu, counted_mu, out=np.full(len(shown), np.nan), where=counted_mu > 1e-9)
        unplaced = (typed & uncategorised) | (untyped if not every else np.zeros(len(mu), bool))
        gap = _per_year(np.where(unplaced, mu, 0.0), years, shown)
        status = np.select([~np.isfinite(value), gap > 0, value >= floor.share - 1e-12], ["no_data", "incomplete", "pass"],
                           "fail")
        rows.append(pd.DataFrame({"floor": i, "name": floor.name, "year": shown, "target": floor.share,
                                  "counted_mu": counted_mu, "industrial_mu": industrial_mu, "missing_mu": gap,
                                  "value": value, "status": status}))
    columns = ["floor", "name", "year", "target", "counted_mu", "industrial_mu", "missing_mu", "value", "status"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)


def _num(value: Any) -> float | None:
    """A float for JSON: None for NaN/NA (missing is null, never 0 or NaN)."""
    if value is None or value is pd.NA or (isinstance(value, float) and not np.isfinite(value)):
        return None
    return float(value)


def _lease_rows(leases: pd.DataFrame) -> list[dict[str, Any]]:
    """Lease rows as JSON objects (numbers as floats, missing as null)."""
    return [{"parcel_id": r.parcel_id, "supply_type": r.supply_type, "land_use_category": r.land_use_category,
             "area_mu": _num(r.area_mu), "term_years": _num(r.term_years), "start_date": r.start_date,
             "end_date": r.end_date, "months_left": _num(r.months_left), "status": r.status}
            for r in leases.itertuples(index=False)]


def mix_json(mix: SupplyMix, config: Config | Mapping[str, Any]) -> dict[str, Any]:
    """The `landpark supply --json` document: years (with categories, 供地方式 and floor verdicts), floors,
    undated supplied land and the leases ended or expiring within the window."""
    cfg = config_from_dict(config)
    floors_by_year = {year: part for year, part in mix.floors.groupby("year")} if len(mix.floors) else {}
    years = []
    for row in mix.years.itertuples(index=False):
        part = floors_by_year.get(row.year)
        years.append({
            "year": int(row.year), "parcels": int(row.parcels), "supplied_mu": float(row.supplied_mu),
            "industrial_mu": float(row.industrial_mu), "industrial_share": _num(row.industrial_share),
            "untyped_mu": float(row.untyped_mu), "uncategorised_mu": float(row.uncategorised_mu),
            "by_category": {k: float(v) for k, v in mix.by_category.loc[row.year].items()},
            "by_supply_type": {k: float(v) for k, v in mix.by_type.loc[row.year].items()},
            "floors": [] if part is None else [
                {"name": f.name, "target": float(f.target), "value": _num(f.value), "counted_mu": float(f.counted_mu),
                 "industrial_mu": float(f.industrial_mu), "missing_mu": float(f.missing_mu), "status": f.status}
                for f in part.itertuples(index=False)],
        })
    leases = mix.leases
    listed = leases[leases["status"].isin(["ended", "expiring"])]
    return {
        "ok": True,
        "as_of": mix.as_of.isoformat(),
        "area_unit": "mu",
        "industrial_categories": sorted(set(cfg.land_use.industrial_categories)
                                        | ({"warehouse"} if cfg.land_use.include_warehouse else set())),
        "years": years,
        "floors": [{"name": f.name, "share": f.share, "counts": list(f.counts), "base": f.base, "source": f.source}
                   for f in cfg.supply_mix.floors],
        "undated": {"parcels": mix.undated_parcels, "area_mu": mix.undated_mu},
        "leases": {"window_months": mix.window_months, "count": int(len(leases)),
                   "by_status": {s: int((leases["status"] == s).sum()) for s in LEASE_STATUSES},
                   "listed": _lease_rows(listed)},
    }
