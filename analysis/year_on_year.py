"""Year on year: two evaluations (analysis/score.py `Evaluation`, one per year) side by side.

- Firms: joined on the normalised credit code; class transitions (A/B/C/D, "unscored" for a firm present but
  without a class, "absent" for a firm missing from one year — entering and leaving firms counted apart) as a
  matrix with counts and per-cell lists; each firm indicator before, after, change and relative change.
- Units and the district: every indicator by year (a long table, any number of years) and the change between two
  years with its direction ("up" / "down" / "flat") and whether that direction is the good one for the indicator.
- Half-year 效益报表: firm rows carrying `half` (1 = 上半年, 2 = 下半年) summed per unit and district, per 亩 on the
  firms' land by analysis/members.py `per_mu_output`, against the same half of the previous year.

Missing is never zero: a value absent in either year gives a null change, direction and assessment.
Flat: a change is "flat" when |change| ≤ flat_tolerance × |before| (amounts, per-mu values, counts) or, for
ratio indicators (fractions such as supply_ratio), when |change| ≤ flat_points (in fraction units: 0.005 = 0.5
percentage point); both are settings ([year_on_year] flat_tolerance / flat_points in landpark.toml).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import i18n.yoy_text  # noqa: F401  (registers the yoy_ texts)
from analysis.members import per_mu_output
from i18n import t
from i18n.numbers import MISSING, column_kind, format_count, format_mu, format_per_mu, format_ratio, format_value
from layers.textsets import text_isin

# Defaults of the settings [year_on_year] flat_tolerance and flat_points (see the module docstring).
DEFAULT_FLAT_TOLERANCE = 0.01
DEFAULT_FLAT_POINTS = 0.005
# Layout: firms moved down that the CLI text lists by name before "… and n more".
LISTED_FIRMS = 20
EPS = 1e-12  # float noise allowed at the flat threshold

CLASSES = ("A", "B", "C", "D")  # best first: A → B is a move down
UNSCORED, ABSENT = "unscored", "absent"

# The direction in which an indicator is better; None: neither (e.g. a unit's area). A composite spec's own
# benefit/cost directions override these for its indicators (better_directions).
BETTER: dict[str, str | None] = {
    **{k: "up" for k in (
        "tax_per_mu", "value_added_per_mu", "output_per_mu", "revenue_per_mu", "labour_productivity", "profit_margin",
        "value_added_per_energy", "value_added_per_emission", "rd_ratio", "tax_per_kwh",
        "above_scale_tax_per_mu", "above_scale_value_added_per_mu", "above_scale_labour_productivity",
        "above_scale_profit_margin", "supply_ratio", "built_ratio", "industrial_share", "far_industrial",
        "building_coverage", "score", "class_A", "rolling_supply_ratio", "tax_10k_yuan", "output_10k_yuan",
        "revenue_10k_yuan", "value_added_10k_yuan")},
    **{k: "down" for k in (
        "idle_ratio", "idle_mu", "idle_by_date_mu", "idle_by_date_count", "unsupplied_mu", "low_far_mu",
        "low_efficiency_mu", "encroachment_mu", "encroachment_count", "class_D", "rank")},
    **{k: None for k in (
        "area_mu", "parcels_mu", "industrial_land_mu", "supplied_mu", "approved_mu", "built_mu", "member_count",
        "above_scale_n_firms", "m0_share", "land_mu", "firm_count", "class_B", "class_C")},
}

# Indicators compared by default (those present in either table are used, in this order).
UNIT_INDICATORS = (
    "tax_per_mu", "value_added_per_mu", "output_per_mu", "labour_productivity", "profit_margin",
    "above_scale_tax_per_mu", "above_scale_value_added_per_mu", "above_scale_labour_productivity",
    "above_scale_profit_margin", "above_scale_n_firms", "member_count", "class_A", "class_B", "class_C", "class_D",
    "area_mu", "industrial_land_mu", "industrial_share", "m0_share", "approved_mu", "supplied_mu", "unsupplied_mu",
    "built_mu", "supply_ratio", "built_ratio", "idle_mu", "idle_ratio", "idle_by_date_mu", "idle_by_date_count",
    "far_industrial", "building_coverage", "low_far_mu", "low_efficiency_mu", "encroachment_mu", "encroachment_count",
    "score", "rank")
DISTRICT_INDICATORS = (
    "tax_per_mu", "value_added_per_mu", "output_per_mu", "labour_productivity", "profit_margin",
    "above_scale_tax_per_mu", "above_scale_value_added_per_mu", "above_scale_labour_productivity",
    "above_scale_profit_margin", "above_scale_n_firms", "parcels_mu", "industrial_land_mu", "industrial_share",
    "approved_mu", "supplied_mu", "unsupplied_mu", "supply_ratio", "built_ratio", "idle_ratio", "far_industrial",
    "idle_by_date_count", "low_far_mu", "rolling_supply_ratio")
FIRM_INDICATORS = (
    "score", "tax_per_mu", "value_added_per_mu", "output_per_mu", "revenue_per_mu", "labour_productivity",
    "profit_margin", "value_added_per_energy", "rd_ratio", "tax_per_kwh", "land_mu")
# Firm indicators the JSON document carries by default (the firm_changes table has every one the tables hold).
JSON_FIRM_INDICATORS = ("score", "tax_per_mu", "value_added_per_mu", "output_per_mu", "labour_productivity",
                        "profit_margin", "land_mu")
FIRM_CHANGE_KEYS = ("before", "after", "change", "relative_change")
# The CLI text's unit table (the JSON carries every indicator).
TEXT_UNIT_INDICATORS = ("tax_per_mu", "value_added_per_mu", "supply_ratio", "idle_ratio", "score")

# Half-year 效益报表: sums of these firm columns, and per-mu figures on the firms' land (per_mu_output).
HALF_SUMS = ("tax_10k_yuan", "value_added_10k_yuan", "output_10k_yuan", "revenue_10k_yuan")
HALF_PER_MU = ("tax_per_mu", "value_added_per_mu", "output_per_mu", "revenue_per_mu")
HALF_FIGURES = ("firm_count", *HALF_SUMS, "land_mu", *HALF_PER_MU)
DISTRICT = "district"  # scope of the district rows in the half-year table (unit_id null)

CHANGE_COLUMNS = ["before", "after", "change", "relative_change", "direction", "better", "assessment"]


# ----------------------------------------------------------------------------------------------- the change kernel

def better_directions(spec: Any = None) -> dict[str, str | None]:
    """Indicator → better direction ("up"/"down"/None): `BETTER`, with a composite spec's benefit/cost directions
    (analysis.composite.CompositeSpec: `indicators`, `directions`) taking precedence, so the bureau's setting rules."""
    out = dict(BETTER)
    if spec is not None:
        for key, way in zip(getattr(spec, "indicators", ()), getattr(spec, "directions", ())):
            out[key] = "up" if way == "benefit" else "down" if way == "cost" else out.get(key)
    return out


def is_ratio(indicator: str) -> bool:
    """True for fraction indicators (supply_ratio, industrial_share, profit_margin …), whose flat band is in points."""
    return column_kind(indicator) == "ratio"


def compare_values(before: Any, after: Any, indicator: str, *, better: Mapping[str, str | None] | None = None,
                   flat_tolerance: float = DEFAULT_FLAT_TOLERANCE, flat_points: float = DEFAULT_FLAT_POINTS) -> pd.DataFrame:
    """Vectorised change of one indicator: columns before, after, change, relative_change, direction, better,
    assessment (improved / worsened / flat / null), aligned on the inputs' positions; null in → null out."""
    b = pd.to_numeric(pd.Series(np.asarray(before, dtype=object)), errors="coerce").to_numpy(dtype=float)
    a = pd.to_numeric(pd.Series(np.asarray(after, dtype=object)), errors="coerce").to_numpy(dtype=float)
    change = a - b  # NaN when either is missing
    known = np.isfinite(change)
    relative = np.divide(change, np.abs(b), out=np.full(len(b), np.nan), where=known & (b != 0))
    band = np.full(len(b), float(flat_points)) if is_ratio(indicator) else float(flat_tolerance) * np.abs(b)
    flat = known & (np.abs(change) <= band + EPS)
    direction = np.full(len(b), None, dtype=object)
    direction[known] = np.where(change[known] > 0, "up", "down")
    direction[flat] = "flat"
    good = (better or BETTER).get(indicator)
    assessment = np.full(len(b), None, dtype=object)
    if good is not None:  # without a better direction a move is neither better nor worse
        moved = known & ~flat
        assessment[moved] = np.where(direction[moved] == good, "improved", "worsened")
    assessment[flat] = "flat"
    return pd.DataFrame({"before": b, "after": a, "change": np.where(known, change, np.nan), "relative_change": relative,
                         "direction": pd.Series(direction, dtype=object), "better": pd.Series([good] * len(b), dtype=object),
                         "assessment": pd.Series(assessment, dtype=object)})


def _present(indicators: Iterable[str], *tables: Iterable[str]) -> list[str]:
    """The indicators found in at least one of the column sets, in the given order."""
    found = set().union(*(set(c) for c in tables))
    return [k for k in indicators if k in found]


def _long_changes(joined: pd.DataFrame, ids: list[str], indicators: list[str], **kw) -> pd.DataFrame:
    """Stack `<ind>_before` / `<ind>_after` columns of `joined` into one long change table keyed by `ids`."""
    parts = []
    for key in indicators:  # a loop over indicators (a few dozen), each vectorised over every row
        before = joined[f"{key}_before"] if f"{key}_before" in joined else np.full(len(joined), np.nan)
        after = joined[f"{key}_after"] if f"{key}_after" in joined else np.full(len(joined), np.nan)
        part = compare_values(before, after, key, **kw)
        part.insert(0, "indicator", key)
        for i, name in enumerate(ids):
            part.insert(i, name, joined[name].to_numpy())
        parts.append(part)
    columns = [*ids, "indicator", *CHANGE_COLUMNS]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


# ------------------------------------------------------------------------------------------------------------ firms

def normalise_uscc(values: Any) -> pd.Series:
    """Credit codes as join keys: NFKC-folded (full-width → ASCII), spaces removed, upper case (as layers.uscc
    clean_uscc, vectorised); empty → null."""
    s = pd.Series(values, dtype="string")
    s = s.str.normalize("NFKC").str.replace(r"\s+", "", regex=True).str.upper()
    return s.mask(s == "")


def _firm_frame(firms: pd.DataFrame) -> pd.DataFrame:
    """A firm table (evaluation `firms`, indexed by uscc, or any frame with a `uscc` column) with a normalised `key`."""
    frame = firms.reset_index() if "uscc" not in firms.columns else firms.reset_index(drop=True)
    frame = frame.rename(columns={"index": "uscc"}) if "uscc" not in frame.columns else frame
    frame = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    frame["key"] = normalise_uscc(frame["uscc"]).to_numpy()
    return frame[frame["key"].notna()].drop_duplicates("key")


def _states(frame: pd.DataFrame, present: pd.Series) -> pd.Series:
    """Each joined firm's class in one year: the class, "unscored" (present, no class) or "absent"."""
    cls = frame.get("class", pd.Series(None, index=frame.index, dtype=object)).astype(object)
    cls = cls.where(cls.notna() & (cls.astype(str) != ""), None)
    state = cls.where(present, ABSENT)
    return state.where(state.notna(), UNSCORED).astype(str)


def firm_transitions(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """One row per firm of either year (joined on the normalised credit code): uscc, name, class_before, class_after
    (a class, "unscored" or "absent") and movement (up / down / same between A–D, entered, left, other)."""
    b, a = _firm_frame(before), _firm_frame(after)
    keep = ["key", "uscc", "name", "class"]
    joined = b.reindex(columns=keep).merge(a.reindex(columns=keep), on="key", how="outer", suffixes=("_b", "_a"),
                                           indicator=True)
    in_b, in_a = joined["_merge"].isin(["both", "left_only"]), joined["_merge"].isin(["both", "right_only"])
    out = pd.DataFrame({
        "uscc": joined["uscc_a"].where(in_a, joined["uscc_b"]).astype(str).to_numpy(),
        "name": joined["name_a"].where(in_a & joined["name_a"].notna(), joined["name_b"]).to_numpy(),
        "class_before": _states(joined.rename(columns={"class_b": "class"}), in_b).to_numpy(),
        "class_after": _states(joined.rename(columns={"class_a": "class"}), in_a).to_numpy(),
    })
    order = {c: i for i, c in enumerate(CLASSES)}
    rb = out["class_before"].map(order).to_numpy(dtype=float)
    ra = out["class_after"].map(order).to_numpy(dtype=float)
    movement = np.select([out["class_before"].eq(ABSENT).to_numpy(), out["class_after"].eq(ABSENT).to_numpy(),
                          ~(np.isfinite(rb) & np.isfinite(ra)), ra > rb, ra < rb],
                         ["entered", "left", "other", "down", "up"], default="same")
    out["movement"] = movement
    return out.sort_values("uscc", kind="stable").reset_index(drop=True)


def class_states(transitions: pd.DataFrame) -> list[str]:
    """The matrix's rows and columns: A–D, any other class a method gives (sorted), "unscored", "absent"."""
    seen = set(transitions["class_before"]) | set(transitions["class_after"])
    others = sorted(seen - set(CLASSES) - {UNSCORED, ABSENT})
    return [*CLASSES, *others, UNSCORED, ABSENT]


def transition_matrix(transitions: pd.DataFrame) -> pd.DataFrame:
    """Counts of firms by class before (rows) and after (columns), every state in both, zeros included."""
    states = class_states(transitions)
    frm = pd.Categorical(transitions["class_before"], categories=states)
    to = pd.Categorical(transitions["class_after"], categories=states)
    matrix = pd.crosstab(frm, to, dropna=False).reindex(index=states, columns=states, fill_value=0)
    matrix.index.name, matrix.columns.name = "from", "to"
    return matrix.astype(int)


def transition_lists(transitions: pd.DataFrame) -> dict[str, dict[str, list[str]]]:
    """Per non-empty cell of the matrix, the credit codes of its firms (sorted): {from: {to: [uscc, …]}}."""
    out: dict[str, dict[str, list[str]]] = {}
    for (frm, to), codes in transitions.groupby(["class_before", "class_after"], sort=True)["uscc"]:
        out.setdefault(str(frm), {})[str(to)] = sorted(codes.astype(str))
    return out


def firm_changes(before: pd.DataFrame, after: pd.DataFrame, indicators: Sequence[str] | None = None, *,
                 better: Mapping[str, str | None] | None = None, flat_tolerance: float = DEFAULT_FLAT_TOLERANCE,
                 flat_points: float = DEFAULT_FLAT_POINTS) -> pd.DataFrame:
    """Per firm of either year and indicator (default: `FIRM_INDICATORS` the tables carry): uscc, indicator, before,
    after, change, relative_change, direction, better, assessment (long table)."""
    b, a = _firm_frame(before), _firm_frame(after)
    inds = list(indicators) if indicators is not None else _present(FIRM_INDICATORS, b.columns, a.columns)
    left = b.reindex(columns=["key", "uscc", *inds]).rename(columns={k: f"{k}_before" for k in inds})
    right = a.reindex(columns=["key", "uscc", *inds]).rename(columns={k: f"{k}_after" for k in inds})
    joined = left.merge(right, on="key", how="outer", suffixes=("_b", "_a"))
    joined["uscc"] = joined["uscc_a"].where(joined["uscc_a"].notna(), joined["uscc_b"]).astype(str)
    joined = joined.sort_values("uscc", kind="stable")
    return _long_changes(joined, ["uscc"], inds, better=better, flat_tolerance=flat_tolerance, flat_points=flat_points)


# ---------------------------------------------------------------------------------------------- units and district

def indicators_by_year(tables: Mapping[int, pd.DataFrame], indicators: Sequence[str] | None = None) -> pd.DataFrame:
    """Unit indicators of any number of years as a long table: unit_id, year, indicator, value (null kept)."""
    parts = []
    for year, units in sorted(tables.items()):
        inds = list(indicators) if indicators is not None else _present(UNIT_INDICATORS, units.columns)
        frame = pd.DataFrame(units).reindex(columns=["unit_id", *inds])
        frame["unit_id"] = frame["unit_id"].astype(str)
        long = frame.melt(id_vars="unit_id", var_name="indicator", value_name="value")
        long.insert(1, "year", int(year))
        parts.append(long)
    if not parts:
        return pd.DataFrame(columns=["unit_id", "year", "indicator", "value"])
    out = pd.concat(parts, ignore_index=True)
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype(float)
    return out


def district_by_year(districts: Mapping[int, Mapping[str, Any]], indicators: Sequence[str] | None = None) -> pd.DataFrame:
    """District figures of any number of years as a long table: year, indicator, value (null kept)."""
    rows = []
    for year, figures in sorted(districts.items()):
        inds = list(indicators) if indicators is not None else _present(DISTRICT_INDICATORS, figures.keys())
        rows.append(pd.DataFrame({"year": int(year), "indicator": inds, "value": [figures.get(k) for k in inds]}))
    if not rows:
        return pd.DataFrame(columns=["year", "indicator", "value"])
    out = pd.concat(rows, ignore_index=True)
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype(float)
    return out


def by_year(evaluations: Mapping[int, Any], indicators: Sequence[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(units, district) long tables of any number of evaluations keyed by year: indicators_by_year over their
    `units`, district_by_year over their `district`."""
    return (indicators_by_year({y: ev.units for y, ev in evaluations.items()}, indicators),
            district_by_year({y: ev.district for y, ev in evaluations.items()}, indicators))


def by_year_json(units: pd.DataFrame, district: pd.DataFrame, *, digits: int | None = None) -> dict[str, Any]:
    """The by-year tables as JSON: {"years": [...], "units": [{"unit_id", "indicators": {key: {"2024": v, …}}}],
    "district": {key: {"2024": v, …}}}; years as text keys, null kept."""
    years = sorted({int(y) for y in [*units["year"], *district["year"]]})
    out_units: dict[str, dict[str, Any]] = {}
    for r in units.to_dict("records"):
        entry = out_units.setdefault(str(r["unit_id"]), {"unit_id": str(r["unit_id"]), "indicators": {}})
        entry["indicators"].setdefault(r["indicator"], {})[str(int(r["year"]))] = _num(r["value"], digits)
    out_district: dict[str, dict[str, Any]] = {}
    for r in district.to_dict("records"):
        out_district.setdefault(r["indicator"], {})[str(int(r["year"]))] = _num(r["value"], digits)
    return {"years": years, "units": list(out_units.values()), "district": out_district}


def unit_changes(before_units: pd.DataFrame, after_units: pd.DataFrame, indicators: Sequence[str] | None = None, *,
                 better: Mapping[str, str | None] | None = None, flat_tolerance: float = DEFAULT_FLAT_TOLERANCE,
                 flat_points: float = DEFAULT_FLAT_POINTS) -> pd.DataFrame:
    """Per unit of either year (joined on unit_id) and indicator: unit_id, unit_kind, name, indicator and the change
    columns; a unit present in one year only has null changes."""
    inds = (list(indicators) if indicators is not None
            else _present(UNIT_INDICATORS, before_units.columns, after_units.columns))
    keys = ["unit_id", "unit_kind", "name"]

    def side(units: pd.DataFrame, tag: str) -> pd.DataFrame:
        """One year's units, one row per id, their columns suffixed with `tag`."""
        frame = pd.DataFrame(units.drop(columns="geometry", errors="ignore")).reindex(columns=[*keys, *inds])
        frame["unit_id"] = frame["unit_id"].astype(str)
        return frame.drop_duplicates("unit_id").rename(columns={k: f"{k}_{tag}" for k in [*inds, "unit_kind", "name"]})

    joined = side(before_units, "before").merge(side(after_units, "after"), on="unit_id", how="outer", indicator=True)
    for k in ("unit_kind", "name"):
        joined[k] = joined[f"{k}_after"].where(joined[f"{k}_after"].notna(), joined[f"{k}_before"])
    joined["present"] = joined["_merge"].map({"both": "both", "left_only": "before", "right_only": "after"}).astype(str)
    order = {u: i for i, u in enumerate(pd.concat([after_units["unit_id"], before_units["unit_id"]]).astype(str).unique())}
    joined = joined.assign(_o=joined["unit_id"].map(order)).sort_values("_o", kind="stable")
    out = _long_changes(joined, ["unit_id", "unit_kind", "name", "present"], inds, better=better,
                        flat_tolerance=flat_tolerance, flat_points=flat_points)
    return out


def district_changes(before: Mapping[str, Any], after: Mapping[str, Any], indicators: Sequence[str] | None = None, *,
                     better: Mapping[str, str | None] | None = None, flat_tolerance: float = DEFAULT_FLAT_TOLERANCE,
                     flat_points: float = DEFAULT_FLAT_POINTS) -> pd.DataFrame:
    """The district figures' changes: indicator and the change columns, one row per indicator."""
    inds = list(indicators) if indicators is not None else _present(DISTRICT_INDICATORS, before.keys(), after.keys())
    parts = [compare_values([before.get(k)], [after.get(k)], k, better=better, flat_tolerance=flat_tolerance,
                            flat_points=flat_points).assign(indicator=k) for k in inds]
    if not parts:
        return pd.DataFrame(columns=["indicator", *CHANGE_COLUMNS])
    return pd.concat(parts, ignore_index=True)[["indicator", *CHANGE_COLUMNS]]


def unit_change_columns(before_units: pd.DataFrame, after_units: pd.DataFrame, indicator: str, *,
                        better: Mapping[str, str | None] | None = None, flat_tolerance: float = DEFAULT_FLAT_TOLERANCE,
                        flat_points: float = DEFAULT_FLAT_POINTS) -> pd.DataFrame:
    """For a map's "change" colouring of one indicator: unit_id, before, after, change, relative_change, direction,
    better, assessment — one row per unit of the later year (units gone since are left out; new ones have nulls)."""
    table = unit_changes(before_units, after_units, [indicator], better=better, flat_tolerance=flat_tolerance,
                         flat_points=flat_points)
    table = table[table["present"] != "before"]
    return table[["unit_id", *CHANGE_COLUMNS]].reset_index(drop=True)


# ------------------------------------------------------------------------------------------------ half-year report

def _half_frame(rows: pd.DataFrame, land: pd.Series | None) -> pd.DataFrame:
    """One half's firm rows as per_mu_output wants them: indexed by normalised uscc, with land_mu (the firm's
    evaluation land when given, else the row's own land_area_mu) and the money columns."""
    frame = pd.DataFrame(rows.drop(columns="geometry", errors="ignore")).copy()
    frame["uscc"] = normalise_uscc(frame["uscc"]).to_numpy()
    frame = frame[frame["uscc"].notna()].drop_duplicates("uscc").set_index("uscc")
    own = (pd.to_numeric(frame["land_area_mu"], errors="coerce") if "land_area_mu" in frame
           else pd.Series(np.nan, index=frame.index))
    given = frame.index.to_series().map(land) if land is not None else pd.Series(np.nan, index=frame.index)
    frame["land_mu"] = pd.to_numeric(given, errors="coerce").where(lambda s: s.notna(), own).astype(float)
    return frame.reindex(columns=["land_mu", *HALF_SUMS])


def _half_figures(frame: pd.DataFrame, members: pd.DataFrame, n: int) -> pd.DataFrame:
    """Per group of `members` (unit_pos, uscc), the half's firm count, sums and per-mu figures; per mu by
    analysis/members.py per_mu_output (Σ value ÷ Σ land over the firms that have both)."""
    mem = members[text_isin(members["uscc"], frame.index)]
    out = pd.DataFrame({"firm_count": np.bincount(mem["unit_pos"].to_numpy(dtype=np.int64), minlength=n)})
    joined = mem.join(frame, on="uscc")
    for col in HALF_SUMS:
        out[col] = joined.groupby("unit_pos")[col].sum(min_count=1).reindex(range(n)).to_numpy(dtype=float)
    per_mu = per_mu_output(mem, frame, n)
    out["land_mu"] = per_mu["member_land_mu"].to_numpy(dtype=float)
    for key in ("tax_per_mu", "value_added_per_mu", "output_per_mu"):
        out[key] = per_mu[key].to_numpy(dtype=float)
    # revenue per mu by the same function: revenue put in the output column it pools
    revenue = frame.drop(columns="output_10k_yuan").rename(columns={"revenue_10k_yuan": "output_10k_yuan"})
    out["revenue_per_mu"] = per_mu_output(mem, revenue, n)["output_per_mu"].to_numpy(dtype=float)
    return out


def half_year_figures(rows: pd.DataFrame, members: pd.DataFrame, units: pd.DataFrame, *,
                      firm_land: pd.Series | Mapping[int, pd.Series] | None = None) -> pd.DataFrame:
    """Half-year figures (`HALF_FIGURES`) of every (year, half) the rows hold, per unit and for the district:
    columns scope ("unit"/"district"), unit_id, name, year, half and the figures. Full-year rows (half null) are
    ignored. `members`: (unit_pos, uscc) as Evaluation.members, positions into `units`; `firm_land`: uscc → 亩
    (Evaluation.firms["land_mu"]), or one such Series per year; a firm without it uses its row's land_area_mu."""
    columns = ["scope", "unit_id", "name", "year", "half", *HALF_FIGURES]
    if rows is None or "half" not in rows or not len(rows):
        return pd.DataFrame(columns=columns)
    rows = pd.DataFrame(rows.drop(columns="geometry", errors="ignore")).reset_index(drop=True)  # any index, even repeated
    rows["half"] = pd.to_numeric(rows["half"], errors="coerce")
    rows["year"] = pd.to_numeric(rows["year"], errors="coerce")
    rows = rows[rows["half"].isin([1, 2]) & rows["year"].notna()]
    n = len(units)
    mem = pd.DataFrame({"unit_pos": members["unit_pos"].to_numpy(dtype=np.int64),
                        "uscc": normalise_uscc(members["uscc"]).to_numpy()}).dropna().drop_duplicates()
    ids = units["unit_id"].astype(str).to_numpy()
    names = units["name"].to_numpy() if "name" in units else np.full(n, None)
    parts = []
    for (year, h), group in rows.groupby(["year", "half"], sort=True):  # one pass per half-year (a few)
        land = firm_land.get(int(year)) if isinstance(firm_land, Mapping) else firm_land
        if land is not None:
            land = pd.Series(land.to_numpy(), index=normalise_uscc(pd.Series(land.index)).to_numpy())
            land = land[land.index.notna() & ~land.index.duplicated()]
        frame = _half_frame(group, land)
        unit_part = _half_figures(frame, mem, n).assign(scope="unit", unit_id=ids, name=names)
        everyone = pd.DataFrame({"unit_pos": np.zeros(len(frame), dtype=np.int64), "uscc": frame.index.to_numpy()})
        district = _half_figures(frame, everyone, 1).assign(scope=DISTRICT, unit_id=None, name=None)
        parts.append(pd.concat([district, unit_part], ignore_index=True).assign(year=int(year), half=int(h)))
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def half_year_report(rows: pd.DataFrame, members: pd.DataFrame, units: pd.DataFrame, *,
                     firm_land: pd.Series | Mapping[int, pd.Series] | None = None,
                     flat_tolerance: float = DEFAULT_FLAT_TOLERANCE, flat_points: float = DEFAULT_FLAT_POINTS
                     ) -> pd.DataFrame:
    """The half-year 效益报表 as a long table: scope, unit_id, name, year, half, figure, value, previous (the same
    half of the year before, null when absent), change, relative_change, direction, better, assessment."""
    wide = half_year_figures(rows, members, units, firm_land=firm_land)
    keys = ["scope", "unit_id", "name", "year", "half"]
    if not len(wide):
        return pd.DataFrame(columns=[*keys, "figure", "value", "previous", *CHANGE_COLUMNS[2:]])
    wide = wide.assign(_uid=wide["unit_id"].fillna(""))
    prev = wide.drop(columns=["unit_id", "name"]).assign(year=wide["year"] + 1)
    joined = wide.merge(prev, on=["scope", "_uid", "year", "half"], how="left", suffixes=("_after", "_before"))
    out = _long_changes(joined, keys, list(HALF_FIGURES), flat_tolerance=flat_tolerance, flat_points=flat_points)
    return (out.rename(columns={"indicator": "figure", "after": "value", "before": "previous"})
            [[*keys, "figure", "value", "previous", "change", "relative_change", "direction", "better", "assessment"]])


# ------------------------------------------------------------------------------------------------ both evaluations

@dataclass
class YearOnYear:
    """Two evaluations compared: firm transitions and changes, unit and district changes, the half-year report."""

    year_from: int
    year_to: int
    firms: pd.DataFrame  # firm_transitions
    matrix: pd.DataFrame  # transition_matrix
    firm_changes: pd.DataFrame
    units: pd.DataFrame  # unit_changes
    district: pd.DataFrame  # district_changes
    half_year: pd.DataFrame | None = None  # half_year_report (null: no half-year rows)
    flat_tolerance: float = DEFAULT_FLAT_TOLERANCE
    flat_points: float = DEFAULT_FLAT_POINTS
    better: dict[str, str | None] = field(default_factory=dict)


def flat_settings(config: Any) -> tuple[float, float]:
    """(flat_tolerance, flat_points) from a config's `year_on_year` section (landpark.toml [year_on_year]) when it
    has one, else the defaults — so the settings take effect as soon as the config model carries them."""
    section = getattr(config, "year_on_year", None)
    if isinstance(config, Mapping):
        section = config.get("year_on_year")
    if isinstance(section, Mapping):
        return (float(section.get("flat_tolerance", DEFAULT_FLAT_TOLERANCE)),
                float(section.get("flat_points", DEFAULT_FLAT_POINTS)))
    return (float(getattr(section, "flat_tolerance", DEFAULT_FLAT_TOLERANCE)),
            float(getattr(section, "flat_points", DEFAULT_FLAT_POINTS)))


def year_on_year(before: Any, after: Any, *, half_rows: pd.DataFrame | None = None,
                 flat_tolerance: float | None = None, flat_points: float | None = None,
                 year_from: int | None = None, year_to: int | None = None) -> YearOnYear:
    """Compare two evaluations (analysis.score.Evaluation: `firms`, `units`, `district`, `members`, `spec`,
    `config`); `half_rows`: enterprise rows of both years with `half`, for the half-year report (members of the
    later year, each year's firm land). Flat band: the arguments, else the later evaluation's config (flat_settings)."""
    tolerance, points = flat_settings(getattr(after, "config", None))
    flat_tolerance = tolerance if flat_tolerance is None else flat_tolerance
    flat_points = points if flat_points is None else flat_points
    y_from = int(year_from if year_from is not None else before.config.project.year)
    y_to = int(year_to if year_to is not None else after.config.project.year)
    better = better_directions(getattr(after, "spec", None))
    kw: dict[str, Any] = {"better": better, "flat_tolerance": flat_tolerance, "flat_points": flat_points}
    transitions = firm_transitions(before.firms, after.firms)
    half = None
    if half_rows is not None and "half" in half_rows and pd.to_numeric(half_rows["half"], errors="coerce").isin([1, 2]).any():
        years = pd.to_numeric(half_rows["year"], errors="coerce").to_numpy()
        lands = {y_from: before.firms["land_mu"], y_to: after.firms["land_mu"]}
        half = half_year_report(half_rows[np.isin(years, [y_from, y_to])], after.members, after.units, firm_land=lands,
                                flat_tolerance=flat_tolerance, flat_points=flat_points)
    return YearOnYear(y_from, y_to, transitions, transition_matrix(transitions), firm_changes(before.firms, after.firms, **kw),
                      unit_changes(before.units, after.units, **kw), district_changes(before.district, after.district, **kw),
                      half, flat_tolerance, flat_points, better)


# ------------------------------------------------------------------------------------------------------------ JSON

def _num(v: Any, digits: int | None) -> Any:
    """A JSON-safe number: NaN/NA → None, numpy → Python, floats rounded to `digits` when given."""
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            return None
        return round(float(v), digits) if digits is not None else float(v)
    return None if pd.isna(v) else v


def _num_column(column: pd.Series, digits: int | None) -> list[Any]:
    """`_num` of every value of a column; a numpy float column without rounding is converted whole (rounding stays
    per value: Python's round is exact in decimal, numpy's is not)."""
    values = column.to_numpy()
    if digits is None and values.dtype.kind == "f":
        out = values.astype(object)
        out[~np.isfinite(values)] = None
        return out.tolist()
    return [_num(v, digits) for v in values]


def _change_dict(r: Mapping[str, Any], digits: int | None) -> dict[str, Any]:
    """One indicator's change as the JSON object {before, after, change, relative_change, direction, better, assessment}."""
    return {k: (_num(r[k], digits) if k in ("before", "after", "change", "relative_change") else r[k]) for k in CHANGE_COLUMNS}


def _grouped(table: pd.DataFrame, keys: list[str], digits: int | None) -> list[dict[str, Any]]:
    """Rows of a long change table grouped by `keys` (order kept): [{**keys, "indicators": {indicator: change}}]."""
    out: dict[tuple, dict[str, Any]] = {}
    for r in table.to_dict("records"):
        k = tuple(r[c] for c in keys)
        entry = out.setdefault(k, {**{c: _num(r[c], None) if not isinstance(r[c], str) else r[c] for c in keys},
                                   "indicators": {}})
        entry["indicators"][r["indicator"]] = _change_dict(r, digits)
    return list(out.values())


def _half_json(table: pd.DataFrame, year: int, digits: int | None) -> dict[str, Any] | None:
    """The half-year report of `year` as {year, previous_year, district: [...], units: [...]}, each entry per half."""
    part = table[table["year"] == year]
    if not len(part):
        return None

    def entries(rows: pd.DataFrame, keys: list[str]) -> list[dict[str, Any]]:
        """The long rows grouped by `keys`: [{**keys, "figures": {figure: {value, previous, change …}}}]."""
        out: dict[tuple, dict[str, Any]] = {}
        for r in rows.to_dict("records"):
            entry = out.setdefault(tuple(r[c] for c in keys), {**{c: _num(r[c], None) if c == "half" else r[c] for c in keys},
                                                               "figures": {}})
            entry["figures"][r["figure"]] = {"value": _num(r["value"], digits), "previous": _num(r["previous"], digits),
                                             "change": _num(r["change"], digits),
                                             "relative_change": _num(r["relative_change"], digits),
                                             "direction": r["direction"], "assessment": r["assessment"]}
        return list(out.values())

    return {"year": int(year), "previous_year": int(year) - 1,
            "district": entries(part[part["scope"] == DISTRICT], ["half"]),
            "units": entries(part[part["scope"] == "unit"], ["unit_id", "name", "half"])}


def to_json(yoy: YearOnYear, *, digits: int | None = None,
            firm_indicators: Sequence[str] = JSON_FIRM_INDICATORS) -> dict[str, Any]:
    """The year-on-year document (`landpark compare --json`, `score --year Y`'s `year_on_year` block): from, to,
    settings (flat band, each indicator's better direction), transitions {states, matrix, entered, left, summary,
    lists}, firms (classes, movement, `firm_indicators` before/after/change/relative_change), units, district,
    half_year (null without half-year rows). `digits` rounds the change figures (exports); None keeps them whole."""
    m = yoy.matrix
    tr = yoy.firms
    moved = tr["movement"].value_counts()
    firms_changes: dict[str, dict[str, Any]] = {}
    chosen = yoy.firm_changes[yoy.firm_changes["indicator"].isin(list(firm_indicators))]
    figures = [_num_column(chosen[k], digits) for k in FIRM_CHANGE_KEYS]
    for code, indicator, *values in zip(chosen["uscc"].to_numpy(), chosen["indicator"].to_numpy(), *figures):
        firms_changes.setdefault(code, {})[indicator] = dict(zip(FIRM_CHANGE_KEYS, values))
    firms = [{"uscc": r["uscc"], "name": _num(r["name"], None) if not isinstance(r["name"], str) else r["name"],
              "class_before": r["class_before"], "class_after": r["class_after"], "movement": r["movement"],
              "indicators": firms_changes.get(r["uscc"], {})} for r in tr.to_dict("records")]
    return {
        "from": yoy.year_from,
        "to": yoy.year_to,
        "settings": {"flat_tolerance": yoy.flat_tolerance, "flat_points": yoy.flat_points,
                     "better": {k: yoy.better.get(k) for k in dict.fromkeys([*yoy.units["indicator"], *yoy.district["indicator"],
                                                                             *chosen["indicator"]])}},
        "transitions": {
            "states": list(m.index),
            "matrix": {str(f): {str(c): int(m.at[f, c]) for c in m.columns} for f in m.index},
            "entered": int(m.loc[ABSENT].sum()),  # absent before: entering firms
            "left": int(m[ABSENT].sum()),  # absent after: leaving firms
            "summary": {k: int(moved.get(k, 0)) for k in ("up", "down", "same", "other", "entered", "left")},
            "lists": transition_lists(tr),
        },
        "firms": firms,
        "units": _grouped(yoy.units, ["unit_id", "unit_kind", "name", "present"], digits),
        "district": {"indicators": {r["indicator"]: _change_dict(r, digits) for r in yoy.district.to_dict("records")}},
        "half_year": _half_json(yoy.half_year, yoy.year_to, digits) if yoy.half_year is not None else None,
    }


# ------------------------------------------------------------------------------------------------------- CLI text

def _width(text: str) -> int:
    """Terminal cells of `text` (a CJK character takes two)."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _table(head: list[str], body: list[list[str]], left: int = 1) -> list[str]:
    """Aligned rows: the first `left` columns left-aligned, the others right-aligned (widths in terminal cells)."""
    widths = [max(_width(r[i]) for r in [head, *body]) for i in range(len(head))]

    def row(cells: list[str]) -> str:
        """One line of the table, each cell padded to its column."""
        return " ".join(c + " " * (w - _width(c)) if i < left else " " * (w - _width(c)) + c
                        for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return [row(head), *(row(r) for r in body)]


def indicator_label(key: str, lang: str = "zh") -> str:
    """An indicator's short label: this module's own (yoy_ind_…), else the scorecards' column label without its unit."""
    from i18n import TEXT
    from reports import short_label

    own = TEXT.get(f"yoy_ind_{key}")  # labels of i18n/yoy_text.py, both languages
    return own[lang] if own else short_label(key, lang)


def value_text(key: str, value: Any, lang: str) -> str:
    """A value as the exports print it (ratios as %, areas and money with one decimal …)."""
    kind = column_kind(key)
    if kind == "int" and not key.startswith("rank"):  # counts of firms or parcels: with thousands separators
        kind = "count"
    return format_value(value, kind if kind != "text" else "per_mu", lang)


def change_text(key: str, change: Any, lang: str) -> str:
    """A signed change: percentage points for ratios, else the value's own format."""
    if change is None or (isinstance(change, float) and not np.isfinite(change)):
        return MISSING
    text = f"{abs(change) * 100:.1f}{t('yoy_points', lang)}" if is_ratio(key) else value_text(key, abs(change), lang)
    return _signed(text, change)


def _signed(text: str, value: float) -> str:
    """`text` (an absolute value formatted) with the sign of `value`, none when it prints as zero (no "-0.00")."""
    if not any(ch in "123456789" for ch in text):
        return text
    return ("+" if value > 0 else "-") + text


def relative_text(value: Any) -> str:
    """A relative change as a signed percent ("+5.8%", "-1.4%"), an em dash when unknown."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return MISSING
    return _signed(format_ratio(abs(value)), value)


def trend_text(c: Mapping[str, Any], lang: str = "zh") -> str:
    """Arrow and verdict of one change: "↑ 向好", "↓ 变差", "持平", "↑" (no better direction), "—" (unknown)."""
    direction = c.get("direction")
    if direction is None:
        return MISSING
    if direction == "flat":
        return t("yoy_dir_flat", lang)
    arrow = "↑" if direction == "up" else "↓"
    assessment = c.get("assessment")
    if assessment not in ("improved", "worsened"):
        return arrow
    return f"{arrow} {t('yoy_assess_improved' if assessment == 'improved' else 'yoy_assess_worsened', lang)}"


def direction_label(direction: str | None, lang: str = "zh") -> str:
    """A direction in words (上升 / 下降 / 持平), an em dash when unknown: for export columns."""
    if direction is None:
        return MISSING
    return t("yoy_dir_up" if direction == "up" else "yoy_dir_down" if direction == "down" else "yoy_dir_flat", lang)


def state_label(state: str, lang: str, column: bool) -> str:
    """A matrix heading: A类 …, 未评价, 上年无 (row) / 本年无 (column)."""
    if state == ABSENT:
        return t("yoy_state_absent_to" if column else "yoy_state_absent_from", lang)
    if state == UNSCORED:
        return t("yoy_state_unscored", lang)
    return t("yoy_class", lang).format(c=state)


def _transition_lines(doc: Mapping[str, Any], lang: str) -> list[str]:
    """The transition matrix with row and column totals, the summary and the firms moved down."""
    tr = doc["transitions"]
    states = tr["states"]
    total = t("yoy_total", lang)
    head = ["", *(state_label(s, lang, True) for s in states), total]
    body = [[state_label(f, lang, False), *(format_count(tr["matrix"][f][c]) for c in states),
             format_count(sum(tr["matrix"][f].values()))] for f in states]
    body.append([total, *(format_count(sum(tr["matrix"][f][c] for f in states)) for c in states),
                 format_count(sum(sum(r.values()) for r in tr["matrix"].values()))])
    s = tr["summary"]
    lines = ["", t("yoy_transitions", lang).format(before=doc["from"], after=doc["to"]), *_table(head, body),
             t("yoy_summary", lang).format(both=format_count(s["up"] + s["down"] + s["same"]), up=format_count(s["up"]),
                                           down=format_count(s["down"]), same=format_count(s["same"]),
                                           entered=format_count(tr["entered"]), left=format_count(tr["left"]))]
    down = [f for f in doc["firms"] if f["movement"] == "down"]
    lines += ["", f"{t('yoy_downgraded', lang)}（{format_count(len(down))}）" if lang == "zh"
              else f"{t('yoy_downgraded', lang)} ({format_count(len(down))})"]
    if not down:
        return [*lines, "  " + t("yoy_none", lang)]
    head = [t("yoy_col_uscc", lang), t("yoy_col_firm", lang), t("yoy_col_classes", lang), indicator_label("tax_per_mu", lang),
            t("yoy_col_change", lang)]
    rows = [[f["uscc"], f["name"] or MISSING, f"{f['class_before']} → {f['class_after']}",
             value_text("tax_per_mu", (f["indicators"].get("tax_per_mu") or {}).get("after"), lang),
             change_text("tax_per_mu", (f["indicators"].get("tax_per_mu") or {}).get("change"), lang)]
            for f in down[:LISTED_FIRMS]]
    lines += ["  " + x for x in _table(head, rows, left=3)]
    if len(down) > LISTED_FIRMS:
        lines.append("  " + t("yoy_more", lang).format(n=format_count(len(down) - LISTED_FIRMS)))
    return lines


def _district_lines(doc: Mapping[str, Any], lang: str) -> list[str]:
    """The district's indicators: before, after, change, relative change and trend."""
    inds = doc["district"]["indicators"]
    if not inds:
        return []
    year = t("yoy_year", lang)
    head = [t("yoy_col_indicator", lang), year.format(year=doc["from"]), year.format(year=doc["to"]),
            t("yoy_col_change", lang), t("yoy_col_relative", lang), t("yoy_col_trend", lang)]
    body = [[indicator_label(k, lang), value_text(k, c["before"], lang), value_text(k, c["after"], lang),
             change_text(k, c["change"], lang), relative_text(c["relative_change"]), trend_text(c, lang)]
            for k, c in inds.items()]
    return ["", t("yoy_district", lang), *_table(head, body)]


def _unit_lines(doc: Mapping[str, Any], lang: str) -> list[str]:
    """Per unit, the change and trend of the headline indicators (`TEXT_UNIT_INDICATORS`)."""
    units = doc["units"]
    lines = ["", t("yoy_units", lang).format(before=doc["from"], after=doc["to"])]
    if not units:
        return [*lines, t("yoy_no_units", lang)]
    keys = [k for k in TEXT_UNIT_INDICATORS if any(k in u["indicators"] for u in units)]
    head = [t("yoy_col_unit", lang), t("yoy_col_name", lang)]
    for k in keys:
        head += [indicator_label(k, lang), t("yoy_col_trend", lang)]
    body = []
    for u in units:
        note = {"after": t("yoy_unit_new", lang), "before": t("yoy_unit_gone", lang)}.get(u.get("present"), "")
        row = [str(u["unit_id"]), (u["name"] or MISSING) + note.format(after=doc["to"])]
        for k in keys:
            c = u["indicators"].get(k) or {}
            row += [change_text(k, c.get("change"), lang), trend_text(c, lang)]
        body.append(row)
    return [*lines, *_table(head, body, left=2)]


def _half_lines(doc: Mapping[str, Any], lang: str) -> list[str]:
    """The half-year 效益报表: per half, the district then each unit, figures with their year-on-year change."""
    half = doc.get("half_year")
    if not half:
        return []
    figures = [("firm_count", t("yoy_col_firms", lang), format_count), ("tax_10k_yuan", t("yoy_col_tax", lang), format_mu),
               ("output_10k_yuan", t("yoy_col_output", lang), format_mu),
               ("revenue_10k_yuan", t("yoy_col_revenue", lang), format_mu),
               ("tax_per_mu", t("yoy_col_tax_per_mu", lang), format_per_mu),
               ("output_per_mu", t("yoy_col_output_per_mu", lang), format_per_mu)]
    head = [t("yoy_col_unit", lang), t("yoy_col_half", lang)]
    for _key, label, _f in figures:
        head += [label, t("yoy_col_yoy", lang)]
    body = []
    for entry in [*half["district"], *half["units"]]:
        name = entry.get("unit_id") or t("yoy_district", lang)
        row = [str(name), t("yoy_half_1" if entry["half"] == 1 else "yoy_half_2", lang)]
        for key, _label_key, fmt in figures:
            f = entry["figures"].get(key) or {}
            row += [fmt(f.get("value")), relative_text(f.get("relative_change"))]
        body.append(row)
    lines = ["", t("yoy_half_title", lang).format(year=half["year"], previous=half["previous_year"]),
             *_table(head, body, left=2)]
    if not any(f.get("previous") is not None for e in [*half["district"], *half["units"]] for f in e["figures"].values()):
        lines.append(t("yoy_half_no_previous", lang).format(previous=half["previous_year"]))
    return lines


def format_year_on_year(doc: Mapping[str, Any], lang: str = "zh") -> str:
    """The year-on-year document (to_json) as CLI text: transitions, district, units and the half-year report,
    columns aligned in terminal cells, Chinese by default."""
    lines = [t("yoy_title", lang).format(before=doc["from"], after=doc["to"]),
             t("yoy_tolerance", lang).format(relative=format_ratio(doc["settings"]["flat_tolerance"]),
                                             points=f"{doc['settings']['flat_points'] * 100:.1f}")]
    lines += _transition_lines(doc, lang)
    lines += _district_lines(doc, lang)
    lines += _unit_lines(doc, lang)
    lines += _half_lines(doc, lang)
    return "\n".join(lines)


__all__ = ["BETTER", "DEFAULT_FLAT_POINTS", "DEFAULT_FLAT_TOLERANCE", "YearOnYear", "better_directions", "by_year",
           "by_year_json", "class_states",
           "compare_values", "direction_label", "district_by_year", "district_changes", "firm_changes", "firm_transitions",
           "flat_settings", "format_year_on_year", "half_year_figures", "half_year_report", "indicator_label",
           "indicators_by_year", "normalise_uscc", "to_json", "transition_lists", "transition_matrix", "trend_text",
           "unit_change_columns", "unit_changes", "year_on_year"]
