"""标准地: the control indicators a parcel is sold with (lookup for siting) and the 达产复核 of parcels sold so.

`conditions_for` answers "which conditions would a new parcel for this industry carry": the entry of the
[standard_land] settings whose GB/T 4754 code prefix is the most specific match, else the entry of the cluster,
else the default. `review` checks each 标准地 parcel past its agreed 达产 date: the linked firm's actual figures
against the parcel's committed ones, term by term (a term is met when actual ≥ committed × (1 − tolerance)).
Actual figures (firm: the parcel's linked firm, parcels["firm_uscc"] from analysis/land_links.py):
  investment_intensity     = fixed_investment_10k_yuan ÷ the firm's land (万元/亩)
  far_min                  = the parcel's floor_area_m2 ÷ its area in m² (its 容积率, against the committed minimum)
  tax_per_mu               = tax_10k_yuan ÷ the firm's land (万元/亩)
  value_added_per_energy   = value_added_10k_yuan ÷ energy_tce (万元/吨标煤)
  value_added_per_emission = value_added_10k_yuan ÷ emissions (万元/吨)
  rd_ratio                 = rd_10k_yuan ÷ revenue_10k_yuan
The firm's land is its 用地面积 of the 亩均 evaluation (analysis/enterprise.py `enterprise_land_mu`: declared
land_area_mu, else its linked parcels ± leases). A missing figure (or a zero denominator) is null, never 0, and a
parcel is never graded on a figure it lacks: no failing term and some term without data → 无法判定.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import i18n.standard_land_text  # noqa: F401  (registers the stdland_ text)
from i18n import t
from i18n.numbers import MISSING, format_count, format_far, format_money, format_per_mu, format_ratio, is_missing
from layers.standard_land_settings import INDICATORS, OFF, TERMS, UNITS, StandardLandEntry, StandardLandSettings, normalise_code
from layers.textsets import text_isin
from spatial.area import MU_M2

__all__ = ["VERDICTS", "Review", "conditions_for", "match_entry", "actual_figures", "review", "to_json", "settings_of",
           "project_review", "format_review", "matched_text", "verdict_label", "unit_text", "format_term_value",
           "format_term_gap", "term_label"]

VERDICTS = ("met", "not_met", "not_due", "undetermined")
# Why a parcel past its date cannot be judged (codes of `reason`, text stdland_reason_<code>).
REASONS = ("no_due_date", "no_firm", "no_firm_data", "data_before_due", "no_commitments", "missing_actuals")
# How a request's conditions were found (conditions_for → matched.by; text stdland_matched_<by>).
MATCHED_BY = ("code", "cluster", "default")
# The units as printed: the unit written in the settings → its text key ("" = a ratio, printed without unit).
UNIT_KEYS = (("万元/亩", "stdland_unit_per_mu"), ("万元/吨标煤", "stdland_unit_per_tce"), ("万元/吨", "stdland_unit_per_t"))
FIRM_COLUMN = "firm_uscc"
_EPS = 1e-9  # relative: a figure equal to its threshold up to float rounding (20 × 0.9) counts as reaching it


# --------------------------------------------------------------------------- lookup


def match_entry(industry_code: str | None, cluster: str | None,
                settings: StandardLandSettings | None) -> tuple[StandardLandEntry | None, str | None, str | None]:
    """The entry a request matches and how: (entry, "code" | "cluster" | "default", the code matched), or Nones.

    Codes match by prefix of the request's code (the 门类 letter alone matches its whole 门类); the longest prefix wins,
    then an entry naming `cluster`, then the default."""
    if settings is None or not settings.configured:
        return None, None, None
    wanted = normalise_code(industry_code) if industry_code else None
    if wanted is not None:
        best: tuple[int, StandardLandEntry, str] | None = None
        for entry in settings.items:
            for code in entry.codes:
                key = normalise_code(code)
                if key is None or key[0] != wanted[0] or not wanted[1].startswith(key[1]):
                    continue
                if best is None or len(key[1]) > best[0]:
                    best = (len(key[1]), entry, code)
        if best is not None:
            return best[1], "code", best[2]
    if cluster:
        named = next((e for e in settings.items if e.cluster == cluster), None)
        if named is not None:
            return named, "cluster", None
    if settings.default is not None:
        return settings.default, "default", None
    return None, None, None


def conditions_for(industry_code: str | None, cluster: str | None, settings: StandardLandSettings | None) -> dict[str, Any]:
    """The control indicators a new parcel for this industry would be sold with (the issue's keys, numbers or None),
    with `units` and `sources` keyed the same and `matched` (by, entry, code); all None when nothing matches."""
    entry, by, code = match_entry(industry_code, cluster, settings)
    out: dict[str, Any] = {key: (entry.values[key] if entry else None) for key in INDICATORS}
    out["units"] = {key: UNITS[key] for key in INDICATORS}
    out["sources"] = {key: (entry.sources[key] if entry else None) for key in INDICATORS}
    out["matched"] = {"by": by, "entry": entry.name if entry else None, "code": code}
    return out


def matched_text(conditions: dict[str, Any], lang: str = "zh") -> str:
    """How a candidate's conditions were found, as printed beside them (by code, by cluster, the default, none)."""
    matched = conditions.get("matched") or {}
    by = matched.get("by")
    if by is None:
        return t("stdland_matched_none", lang)
    text = next((t(f"stdland_matched_{m}", lang) for m in MATCHED_BY if m == by), str(by))
    return text.format(code=matched.get("code") or "", entry=matched.get("entry") or "")


def settings_of(config: Any) -> StandardLandSettings:
    """The project's [standard_land] settings (off until the section is wired into the config)."""
    settings = getattr(config, "standard_land", None)
    return settings if isinstance(settings, StandardLandSettings) else OFF


# --------------------------------------------------------------------------- review


@dataclass
class Review:
    """The 达产复核 of one project: one row per 标准地 parcel (verdict, reason, each term's committed, actual, gap, met)."""

    table: pd.DataFrame     # parcel_id, firm_uscc, firm_name, supply_date, due_date, data_year, verdict, reason,
                            # missing (list), and <term>_committed / _actual / _gap / _met per TERMS key
    as_of: dt.date
    tolerance: float

    def counts(self) -> dict[str, int]:
        """How many parcels of each verdict."""
        return {v: int((self.table["verdict"] == v).sum()) for v in VERDICTS}


def _numeric(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column as float (absent or unreadable → NaN)."""
    if name not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[name], errors="coerce").astype("float64")


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator ÷ denominator, NaN where either is missing or the denominator is not > 0."""
    return numerator.div(denominator.where(denominator > 0))


def _parcel_area_mu(parcels: pd.DataFrame) -> pd.Series:
    """Each parcel's area in 亩: its `area_mu` (analysis.inputs.prepare_parcels) or the ellipsoidal area of its geometry."""
    if "area_mu" in parcels.columns:
        return _numeric(parcels, "area_mu")
    from spatial.area import ellipsoidal_area_m2

    return pd.Series(ellipsoidal_area_m2(parcels.geometry.to_numpy(), parcels.crs) / MU_M2, index=parcels.index)


def _firm_key(values: pd.Series) -> pd.Series:
    """Credit codes compared as the links compare them (trimmed, upper case; blank → NA)."""
    out = values.astype("string").str.strip().str.upper()
    return out.mask(out == "")


def actual_figures(parcels: pd.DataFrame, firms: pd.DataFrame) -> pd.DataFrame:
    """Per firm (index: credit code) the review's actual figures and its land: land_mu and one column per TERMS key
    except far_min (a parcel figure); NaN where a figure is missing."""
    from analysis.enterprise import enterprise_land_mu

    firms = firms.loc[_firm_key(firms["uscc"]).notna()] if "uscc" in firms.columns else firms.iloc[0:0]
    keys = _firm_key(firms["uscc"]) if len(firms) else pd.Series([], dtype="string")
    firms = firms.loc[~keys.duplicated().to_numpy()]
    keys = keys.loc[firms.index]
    owner_mu = None
    if FIRM_COLUMN in parcels.columns and len(parcels):
        area = _parcel_area_mu(parcels)
        owner_mu = area.groupby(_firm_key(parcels[FIRM_COLUMN])).sum()
    land, _source = enterprise_land_mu(firms.assign(uscc=keys), owner_mu)
    value_added = _numeric(firms, "value_added_10k_yuan")
    out = pd.DataFrame({
        "land_mu": land,
        "investment_intensity": _ratio(_numeric(firms, "fixed_investment_10k_yuan"), land),
        "tax_per_mu": _ratio(_numeric(firms, "tax_10k_yuan"), land),
        "value_added_per_energy": _ratio(value_added, _numeric(firms, "energy_tce")),
        "value_added_per_emission": _ratio(value_added, _numeric(firms, "emissions")),
        "rd_ratio": _ratio(_numeric(firms, "rd_10k_yuan"), _numeric(firms, "revenue_10k_yuan")),
        "firm_name": firms["name"].astype(object) if "name" in firms.columns else None,
        "data_year": _numeric(firms, "year"),
    })
    out.index = pd.Index(keys.to_numpy(), name="uscc")
    return out


def _flags(frame: pd.DataFrame, name: str) -> pd.Series:
    """A yes/no column as booleans (absent or missing → False)."""
    if name not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame[name].astype("boolean").fillna(False).astype(bool)


def _dates(frame: pd.DataFrame, name: str) -> pd.Series:
    """A date column as datetime64 (absent or unreadable → NaT)."""
    if name not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return pd.to_datetime(frame[name], errors="coerce")


def review(parcels: pd.DataFrame, firms: pd.DataFrame, settings: StandardLandSettings | None, as_of: dt.date) -> Review:
    """The 达产复核 on `as_of` of every parcel with standard_land true: not due (达产 date after `as_of`), met, not met
    (some term below committed × (1 − tolerance)), or undetermined with its reason (no date, no linked firm, no firm
    data, data of a year before the due date, no commitment, or a committed term without its actual figure)."""
    tolerance = (settings or OFF).tolerance
    chosen = parcels.loc[_flags(parcels, "standard_land").to_numpy()]
    firm_key = _firm_key(chosen[FIRM_COLUMN]) if FIRM_COLUMN in chosen.columns else pd.Series(pd.NA, index=chosen.index,
                                                                                              dtype="string")
    actual = actual_figures(parcels, firms)
    known = pd.Series(text_isin(firm_key, actual.index), index=firm_key.index)
    per_firm = actual.reindex(firm_key.fillna("").to_numpy())
    per_firm.index = chosen.index
    due = _dates(chosen, "production_due_date")
    table = pd.DataFrame({
        "parcel_id": chosen["parcel_id"].astype(str) if "parcel_id" in chosen.columns else chosen.index.astype(str),
        "firm_uscc": firm_key.astype(object).where(firm_key.notna(), None),
        "firm_name": per_firm["firm_name"].where(per_firm["firm_name"].notna(), None),
        "supply_date": _dates(chosen, "supply_date"),
        "due_date": due,
        "data_year": per_firm["data_year"],
    }, index=chosen.index)
    far = _ratio(_numeric(chosen, "floor_area_m2"), _parcel_area_mu(chosen) * MU_M2)
    missing = pd.Series([[] for _ in range(len(chosen))], index=chosen.index, dtype=object)
    any_fail = pd.Series(False, index=chosen.index)
    any_committed = pd.Series(False, index=chosen.index)
    for key, field in TERMS.items():
        committed = _numeric(chosen, field)
        value = far if key == "far_min" else per_firm[key]
        threshold = committed * (1 - tolerance)
        met = (value >= threshold - _EPS * threshold.abs()).astype("boolean").mask(committed.isna() | value.isna())
        table[f"{key}_committed"], table[f"{key}_actual"] = committed, value
        table[f"{key}_gap"], table[f"{key}_met"] = value - committed, met
        any_fail |= met.eq(False).fillna(False).astype(bool)
        any_committed |= committed.notna()
        lacking = committed.notna() & value.isna()
        missing = missing.where(~lacking, missing.map(lambda items, k=key: [*items, k]))
    when = pd.Timestamp(as_of)
    is_due = due.notna() & (due <= when)
    data_year = table["data_year"]
    conditions = [due.isna(), ~is_due, firm_key.isna(), ~known, data_year.notna() & (data_year < due.dt.year),
                  ~any_committed, any_fail, missing.map(len) > 0]
    verdicts = ["undetermined", "not_due", "undetermined", "undetermined", "undetermined", "undetermined", "not_met",
                "undetermined"]
    reasons = ["no_due_date", None, "no_firm", "no_firm_data", "data_before_due", "no_commitments", None, "missing_actuals"]
    table["verdict"] = np.select([c.to_numpy() for c in conditions], verdicts, default="met")
    table["reason"] = pd.Series(np.select([c.to_numpy() for c in conditions], [r or "" for r in reasons], default=""),
                                index=chosen.index).replace("", None)
    table["missing"] = missing
    for key in TERMS:  # a parcel not yet due is not graded: its terms show progress only
        table[f"{key}_met"] = table[f"{key}_met"].mask(table["verdict"] == "not_due")
    if "geometry" in chosen.columns:
        import geopandas as gpd

        table = gpd.GeoDataFrame(table, geometry=chosen.geometry, crs=getattr(chosen, "crs", None))
    return Review(table.reset_index(drop=True), as_of, tolerance)


def _json_value(value: Any) -> Any:
    """A cell as JSON: missing → None, numpy scalars → Python, dates → ISO text."""
    if isinstance(value, list):
        return value
    if is_missing(value):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date().isoformat()
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value)
    return value


def to_json(result: Review) -> list[dict[str, Any]]:
    """The review as the `landpark review --json` list: per 标准地 parcel its firm, dates, verdict code (met / not_met /
    not_due / undetermined) and Chinese label, reason, the terms without data, and per term committed, actual, gap, met, unit."""
    rows = pd.DataFrame(result.table.drop(columns="geometry", errors="ignore")).to_dict("records")
    out = []
    for row in rows:
        year = _json_value(row["data_year"])
        out.append({
            "parcel_id": row["parcel_id"], "firm": _json_value(row["firm_uscc"]), "firm_name": _json_value(row["firm_name"]),
            "supply_date": _json_value(row["supply_date"]), "due_date": _json_value(row["due_date"]),
            "data_year": None if year is None else int(year), "as_of": result.as_of.isoformat(),
            "verdict": row["verdict"], "verdict_zh": verdict_label(row["verdict"], "zh"),
            "reason": _json_value(row["reason"]), "missing": list(row["missing"]), "tolerance": result.tolerance,
            "terms": {key: {"committed": _json_value(row[f"{key}_committed"]), "actual": _json_value(row[f"{key}_actual"]),
                            "gap": _json_value(row[f"{key}_gap"]), "met": _json_value(row[f"{key}_met"]), "unit": UNITS[key]}
                      for key in TERMS},
        })
    return out


def project_review(project: Any, *, as_of: dt.date | None = None, year: int | None = None) -> Review:
    """The 达产复核 of a project: one year's firm data (default: the project's) and the layers as of `as_of` (default:
    the project's evaluation date), parcels linked to firms as the evaluation links them."""
    from analysis.inputs import load_inputs

    inputs = load_inputs(project, year=year, as_of=as_of)
    when = as_of or inputs.config.project.evaluation_date
    firms = pd.DataFrame(inputs.enterprises.drop(columns="geometry", errors="ignore"))
    return review(inputs.parcels, firms, settings_of(inputs.config), when)


# --------------------------------------------------------------------------- text


def verdict_label(code: str, lang: str = "zh") -> str:
    """达标 / 不达标 / 未到期 / 无法判定 (or the English)."""
    return next((t(f"stdland_verdict_{v}", lang) for v in VERDICTS if v == code), code)


def term_label(key: str, lang: str = "zh") -> str:
    """The name of a control indicator (固定资产投资强度 …)."""
    return next((t(f"stdland_term_{k}", lang) for k in INDICATORS if k == key), key)


def unit_text(key: str, lang: str = "zh") -> str:
    """The unit of an indicator as printed ("" for ratios)."""
    unit = UNITS[key]
    return next((t(text_key, lang) for written, text_key in UNIT_KEYS if written == unit), unit)


def format_term_value(key: str, value: Any) -> str:
    """A committed or actual value as printed: ratios in percent, FAR two decimals, per-mu two, per-tonne one."""
    if key == "rd_ratio":
        return format_ratio(value, 2)
    if key in ("far_min", "far_max"):
        return format_far(value)
    if key == "value_added_per_emission":
        return format_money(value)
    return format_per_mu(value)


def format_term_gap(key: str, value: Any, lang: str = "zh") -> str:
    """A gap (actual − committed) with its sign: R&D share in percentage points, others in the indicator's unit."""
    if is_missing(value):
        return MISSING
    if key == "rd_ratio":
        points = float(value) * 100
        return t("stdland_pp", lang).format(value=("+" if points >= 0 else "−") + f"{abs(points):.2f}")
    text = format_term_value(key, abs(float(value)))
    return ("+" if float(value) >= 0 else "−") + text


def _reason_text(item: dict[str, Any], lang: str) -> str:
    """Why a parcel is undetermined, naming the terms without data."""
    reason = item.get("reason")
    if not reason:
        return ""
    text = next((t(f"stdland_reason_{r}", lang) for r in REASONS if r == reason), reason)
    if reason == "missing_actuals":
        sep = "、" if lang == "zh" else ", "
        text = text.format(terms=sep.join(term_label(k, lang) for k in item["missing"]))
    elif reason == "data_before_due":
        text = text.format(year=item.get("data_year"), due=item.get("due_date"))
    return text


def _term_text(key: str, term: dict[str, Any], lang: str) -> str:
    """One term of a parcel: name, committed, actual and gap (its unit after it)."""
    unit = unit_text(key, lang)
    return t("stdland_term_text", lang).format(
        term=term_label(key, lang), committed=format_term_value(key, term["committed"]),
        actual=format_term_value(key, term["actual"]), gap=format_term_gap(key, term["gap"], lang),
        unit=f" {unit}" if unit and term["gap"] is not None else "")


def _detail(item: dict[str, Any], lang: str) -> str:
    """What follows a parcel's line: the terms it missed (not met), or why it cannot be judged (undetermined)."""
    sep = "；" if lang == "zh" else "; "
    if item["verdict"] == "not_met":
        failed = [_term_text(k, term, lang) for k, term in item["terms"].items() if term["met"] is False]
        text = t("stdland_failed", lang).format(terms=sep.join(failed))
        if item["missing"]:
            text += sep + _reason_text({**item, "reason": "missing_actuals"}, lang)
        return text
    return _reason_text(item, lang) if item["verdict"] == "undetermined" else ""


def format_review(doc: Sequence[dict[str, Any]], lang: str = "zh") -> str:
    """`landpark review` as text: counts by verdict, then the parcels not met (with every committed term), the ones
    undetermined (with the reason), the ones met, and the next parcels to fall due."""
    if not doc:
        return t("stdland_none", lang)
    counts = {v: sum(1 for item in doc if item["verdict"] == v) for v in VERDICTS}
    lines = [t("stdland_header", lang).format(as_of=doc[0]["as_of"], n=format_count(len(doc))),
             t("stdland_summary", lang).format(**{k: format_count(v) for k, v in counts.items()})]
    tolerance = doc[0].get("tolerance") or 0
    if tolerance:
        lines.append(t("stdland_tolerance", lang).format(tolerance=format_ratio(tolerance)))
    for verdict in ("not_met", "undetermined", "met"):
        items = [item for item in doc if item["verdict"] == verdict]
        if not items:
            continue
        lines += ["", t("stdland_group", lang).format(verdict=verdict_label(verdict, lang), n=format_count(len(items)))]
        for item in items:
            firm = item["firm_name"] or item["firm"] or t("stdland_no_firm", lang)
            line = t("stdland_parcel_line", lang).format(parcel=item["parcel_id"], firm=firm, due=item["due_date"] or MISSING)
            detail = _detail(item, lang)
            lines.append("  " + line + (("　" if lang == "zh" else ": ") + detail if detail else ""))
    upcoming = sorted((item for item in doc if item["verdict"] == "not_due" and item["due_date"]), key=lambda i: i["due_date"])
    if upcoming:
        lines += ["", t("stdland_not_due_line", lang).format(n=format_count(len(upcoming)), first=upcoming[0]["due_date"],
                                                             last=upcoming[-1]["due_date"])]
    return "\n".join(lines)
