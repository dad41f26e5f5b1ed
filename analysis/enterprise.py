"""Enterprise 亩均效益 evaluation: land area per firm, weighted benchmark score, rank and class.

score = Σ (indicator / 基准值) × weight per group (规上/规下), as in 黄岩 2022 (docs/methods.md §2.2);
every weight, benchmark, cut-off and rule comes from the `[enterprise]` section of landpark.toml.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.indicators import INDICATORS, compute_indicators
from layers.config import enterprise_settings
from layers.problems import InputError, Problem
from layers.settings import EnterpriseClasses, EnterpriseSettings

GROUPS: dict[str, str] = {"above": "above_scale", "below": "below_scale"}  # group → config section
GROUP_LABELS = {"above": "规上", "below": "规下"}
LAYER = "enterprises"
CONFIG_SOURCE = "landpark.toml"
# Canonical input columns copied into the result table (every indicator's numerator and denominator).
_INPUT_COLUMNS = list(dict.fromkeys(c for d in INDICATORS.values() for c in (d.numerator, d.denominator) if c != "land_mu"))
# Scores equal to this many decimals are ties (sums of identical parts may differ in the last bit).
_TIE_DECIMALS = 9


@dataclass(frozen=True)
class GroupConfig:
    """Indicators, weights, fixed benchmarks and missing-data rules of one group."""

    group: str
    indicators: tuple[str, ...]
    weights: tuple[float, ...]
    benchmarks: tuple[float, ...] | None  # the fixed 基准值 per indicator; None: taken from the data (mean / k_mean)
    missing: dict[str, str]
    missing_default: str

    def rule(self, indicator: str) -> str:
        return self.missing.get(indicator, self.missing_default)


@dataclass
class EnterpriseEvaluation:
    """Result of `evaluate_enterprises`: per-firm table, benchmarks used and warnings."""

    table: pd.DataFrame
    benchmarks: dict[str, dict[str, float]]
    warnings: list[Problem] = field(default_factory=list)


# --------------------------------------------------------------------------- config


def _config_error(section: str, key: str, message: str) -> InputError:
    """A config problem found only with the data (e.g. a group's section absent while its firms are present)."""
    where = f"{section}.{key}" if key != section.rsplit(".", 1)[-1] else section
    problem = Problem("error", "invalid_config", message, source=CONFIG_SOURCE, layer=f"[{section}]", field=key)
    return InputError(f"{CONFIG_SOURCE}: {where}: {message}", [problem])


def _group_config(settings: EnterpriseSettings, group: str) -> GroupConfig | None:
    """One group's validated settings as the evaluation uses them; None when the section is absent."""
    typed = settings.group(GROUPS[group])
    if typed is None:
        return None
    fixed = settings.benchmark_mode == "fixed"
    if fixed and typed.benchmarks is None:  # EnterpriseGroup.read requires them; only a hand-built settings object lacks them
        raise _config_error(f"enterprise.{GROUPS[group]}", "benchmarks",
                            'benchmark_mode = "fixed" needs one 基准值 per indicator')
    return GroupConfig(group, typed.indicators, typed.weights, typed.benchmarks if fixed else None, dict(typed.missing),
                       typed.missing_default)


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


def enterprise_land_mu(enterprises: pd.DataFrame, parcel_owner_mu: pd.Series | None) -> tuple[pd.Series, pd.Series]:
    """Land area (mu) per firm and where it came from: the table's land_area_mu when > 0,
    else owned parcel area (`parcel_owner_mu`, indexed by uscc: parcels linked to the firm by analysis/land_links.py —
    link table, credit code or owner name) + leased_in_mu − leased_out_mu.

    Sources: "table", "parcels", "parcels+leases", "leases" (no owned parcel) or "none" (NaN area).
    """
    index = enterprises.index
    table = _numeric(enterprises, "land_area_mu")
    has_table = table > 0
    owned = pd.Series(0.0, index=index)
    if parcel_owner_mu is not None and len(parcel_owner_mu) and "uscc" in enterprises.columns:
        per_owner = pd.to_numeric(parcel_owner_mu, errors="coerce").groupby(
            _normalise_uscc(pd.Series(parcel_owner_mu.index, index=parcel_owner_mu.index))).sum()
        owned = _normalise_uscc(enterprises["uscc"]).map(per_owner).astype("float64").fillna(0.0)
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
    rows = pd.Series([f"row {i + 1}" for i in range(len(frame))], index=frame.index, dtype="string")
    return codes.fillna(rows).astype(object)


def _missing_input_fields(indicator: str, frame: pd.DataFrame) -> pd.Series:
    """Per firm, the input column to blame when an indicator is missing: its numerator when that
    is missing, else its denominator (missing, zero or negative)."""
    d = INDICATORS[indicator]
    blame = np.where(_numeric(frame, d.numerator).isna(), d.numerator, d.denominator)
    return pd.Series(blame, index=frame.index, dtype=object)


def _classify(score: pd.Series, rank: pd.Series, n: int, classes: EnterpriseClasses) -> pd.Series:
    """A/B/C/D for scored firms of one group, by rank percentile or by score thresholds (validated cut-offs)."""
    if classes.method == "percentile":
        cuts = classes.percentile_cuts
        position = rank.to_numpy(dtype="float64") / n
        labels = np.select([position <= cuts[0], position <= cuts[1], position <= cuts[2]], ["A", "B", "C"], "D")
    else:
        limits = classes.score_thresholds
        s = score.to_numpy(dtype="float64")
        labels = np.select([s >= limits[0], s >= limits[1], s >= limits[2]], ["A", "B", "C"], "D")
    return pd.Series(labels, index=score.index, dtype=object)


def _new_firms(frame: pd.DataFrame, evaluation_date: str | None, years: float) -> pd.Series | None:
    """True where production started less than `years` before `evaluation_date` (None: no date)."""
    if evaluation_date is None:
        return None
    start = pd.to_datetime(frame.get("production_start_date", pd.Series(pd.NaT, index=frame.index)), errors="coerce")
    cutoff = pd.Timestamp(evaluation_date) - pd.DateOffset(months=round(years * 12))
    return (start > cutoff).fillna(False).astype(bool)


def _warn(warnings: list[Problem], code: str, ids: pd.Series, mask: pd.Series, message: str,
          field_name: str | pd.Series, values: pd.Series | None = None) -> None:
    """One warning per flagged firm; `field_name` may vary per firm (a Series)."""
    for i in mask[mask].index:
        value = None if values is None or pd.isna(values[i]) else float(values[i])
        name = field_name if isinstance(field_name, str) else str(field_name[i])
        warnings.append(Problem("warning", code, message.format(id=ids[i]), layer=LAYER, feature=str(ids[i]),
                                field=name, value=value))


def _append_text(text: pd.Series, mask: pd.Series, item: str, sep: str) -> pd.Series:
    """`text` with `item` appended (separated by `sep`) where `mask` holds."""
    return text.where(~mask, text + np.where(text == "", "", sep) + item)


@dataclass(frozen=True)
class _Settings:
    """The `[enterprise]` config, parsed and checked once."""

    mode: str
    k: float
    cap_multiple: float
    groups: dict[str, GroupConfig | None]
    classes: EnterpriseClasses
    new_firm_years: float
    listed_as_t: bool


def _settings(config: EnterpriseSettings | Mapping[str, Any]) -> _Settings:
    """The evaluation's view of `[enterprise]`: typed settings as given, or a dict section validated as it stands."""
    typed = enterprise_settings(config)
    return _Settings(
        mode=typed.benchmark_mode,
        k=typed.k if typed.benchmark_mode == "k_mean" else 1.0,
        cap_multiple=typed.cap_multiple,
        groups={g: _group_config(typed, g) for g in GROUPS},
        classes=typed.classes,
        new_firm_years=typed.classes.new_firm_years,
        listed_as_t=typed.classes.listed_as_t,
    )


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


def _group_of(frame: pd.DataFrame, settings: _Settings) -> pd.Series:
    """"above"/"below" per firm from above_scale, None where unknown."""
    above = _boolean(frame, "above_scale")
    group = pd.Series(np.where(above.fillna(False), "above", "below"), index=frame.index, dtype=object)
    group = group.where(above.notna(), None)
    for g, gc in settings.groups.items():
        if gc is None and (group == g).any():
            raise _config_error(f"enterprise.{GROUPS[g]}", GROUPS[g],
                                f"section missing but {GROUP_LABELS[g]} firms are present")
    return group


def _unscored_reasons(frame: pd.DataFrame, ids: pd.Series, group: pd.Series, land: pd.Series,
                      values: pd.DataFrame, settings: _Settings, warnings: list[Problem]) -> pd.Series:
    """Per firm, why it cannot be scored ("" when it can); one warning per firm and reason."""
    reasons: list[tuple[pd.Series, str, str | pd.Series, pd.Series | None]] = [
        (group.isna(), "规上/规下未知 (above_scale missing)", "above_scale", None),
        (~(land > 0), "用地面积为零或缺失 (land area zero or missing)", "land_mu", land),
        (_numeric(frame, "tax_10k_yuan").isna(), "实缴税金缺失 (tax missing)", "tax_10k_yuan", None),
    ]
    for g, gc in settings.groups.items():
        if gc is None:
            continue
        for ind in gc.indicators:
            if gc.rule(ind) == "exclude":
                reasons.append(((group == g) & values[ind].isna(),
                                f"{INDICATORS[ind].label_zh}缺失 ({ind} missing, rule exclude)",
                                _missing_input_fields(ind, frame), None))
    text = pd.Series("", index=frame.index, dtype=object)
    for mask, reason, field_name, vals in reasons:
        text = _append_text(text, mask, reason, "; ")
        _warn(warnings, "enterprise_not_scored", ids, mask, f"企业 {{id}} 未评价: {reason}", field_name, vals)
    return text


def _benchmark(values: pd.Series, fixed: float | None, settings: _Settings) -> float:
    """The 基准值 used: the fixed one (given exactly in mode "fixed"), or (k ×) the mean over the given firms' values."""
    if fixed is not None:
        return float(fixed)
    return settings.k * float(values.mean()) if len(values) else float("nan")


def _score_group(g: str, gc: GroupConfig, rows: pd.Series, values: pd.DataFrame, frame: pd.DataFrame,
                 ids: pd.Series, settings: _Settings, table: pd.DataFrame, warnings: list[Problem]) -> dict[str, float]:
    """Fill benchmark, weight and score-part columns of group `g` (scored firms = `rows`) into
    `table`, substituting missing values by the group's rule; return the benchmarks used."""
    in_group = table["group"] == g
    used: dict[str, float] = {}
    for j, (ind, weight) in enumerate(zip(gc.indicators, gc.weights)):
        label = f"{GROUP_LABELS[g]} {INDICATORS[ind].label_zh}"
        v = values[ind]
        have = rows & v.notna()
        lacking = rows & v.isna()
        bench = _benchmark(v[have], gc.benchmarks[j] if gc.benchmarks is not None else None, settings)
        used[ind] = bench
        table.loc[in_group, f"{ind}_benchmark"] = bench
        table.loc[in_group, f"{ind}_weight"] = weight
        if not bench > 0:
            warnings.append(Problem("warning", "benchmark_unavailable",
                                    f"{label}: {settings.mode} 基准值 is {bench}; the indicator scores 0 for the group",
                                    layer=LAYER, field=ind, value=None if np.isnan(bench) else bench))
            table.loc[rows, f"{ind}_part"] = 0.0
            continue
        part = v / bench * weight
        if settings.cap_multiple > 0:
            part = part.clip(upper=settings.cap_multiple * weight)
        rule = gc.rule(ind)
        fill = 0.0
        if rule == "group_mean_score" and lacking.any():
            fill = float(part[have].mean()) if have.any() else 0.0
            if not have.any():
                warnings.append(Problem("warning", "group_mean_unavailable",
                                        f"{label}: no scored firm has a value, so missing values score 0",
                                        layer=LAYER, field=ind))
        table.loc[rows, f"{ind}_part"] = part.where(~lacking, fill)[rows]
        if lacking.any():
            how = "组内平均得分" if rule == "group_mean_score" else "0分"
            _warn(warnings, "missing_indicator_substituted", ids, lacking,
                  f"企业 {{id}} {INDICATORS[ind].label_zh}缺失 ({ind}): 按{how} {fill:.4g} 计 (rule {rule})",
                  _missing_input_fields(ind, frame))
            table["substituted"] = _append_text(table["substituted"], lacking, ind, ",")
    table.loc[rows, "score"] = table.loc[rows, [f"{i}_part" for i in gc.indicators]].sum(axis=1)
    return used


def _class_group(rows: pd.Series, settings: _Settings, is_new: pd.Series | None, listed: pd.Series,
                 table: pd.DataFrame) -> None:
    """Rank the scored firms `rows` of one group (ties share the better rank) and set their class."""
    n = int(rows.sum())
    if n == 0:
        return
    score = table.loc[rows, "score"].astype("float64")
    rank = score.round(_TIE_DECIMALS).rank(method="min", ascending=False).astype("int64")
    labels = _classify(score, rank, n, settings.classes)
    override = pd.Series(None, index=labels.index, dtype=object)
    if is_new is not None:
        lifted = (labels == "D") & is_new[rows]
        labels = labels.mask(lifted, "C")
        override = override.mask(lifted, "new firm: D→C")
    if settings.listed_as_t:
        as_t = listed[rows]
        labels = labels.mask(as_t, "T")
        override = override.mask(as_t, "listed: T")
    table.loc[rows, "rank"] = rank
    table.loc[rows, "class"] = labels
    table.loc[rows, "class_override"] = override


def evaluate_enterprises(enterprises: pd.DataFrame, config: EnterpriseSettings | Mapping[str, Any], *,
                         parcel_owner_mu: pd.Series | None = None,
                         evaluation_date: str | None = None) -> EnterpriseEvaluation:
    """Score, rank and class every firm per group (规上/规下) with the `[enterprise]` config.

    Firms without usable land area, tax or group, or missing an indicator whose rule is
    "exclude", are kept in the table unscored and named in the warnings; so is every
    missing-data substitution.
    """
    settings = _settings(config)
    frame, ids = _checked_frame(enterprises)
    warnings: list[Problem] = []
    land, land_source = enterprise_land_mu(frame, parcel_owner_mu)
    values = compute_indicators(frame.assign(land_mu=land))
    group = _group_of(frame, settings)
    reasons = _unscored_reasons(frame, ids, group, land, values, settings, warnings)
    scored = reasons == ""

    name = frame["name"] if "name" in frame.columns else pd.Series(None, index=frame.index, dtype=object)
    inputs = pd.DataFrame({c: _numeric(frame, c) for c in _INPUT_COLUMNS})  # raw inputs, for tracing and unit sums
    table = pd.concat([pd.DataFrame({"uscc": ids, "name": name, "group": group, "land_mu": land,
                                     "land_source": land_source}), inputs, values], axis=1)
    configured = list(dict.fromkeys(i for gc in settings.groups.values() if gc for i in gc.indicators))
    for ind in configured:
        for suffix in ("benchmark", "weight", "part"):
            table[f"{ind}_{suffix}"] = np.nan
    table["score"] = np.nan
    table["rank"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    table["class"] = None
    table["class_override"] = None
    table["substituted"] = pd.Series("", index=frame.index, dtype=object)

    is_new = _new_firms(frame, evaluation_date, settings.new_firm_years)
    if is_new is None and "production_start_date" in frame.columns and frame["production_start_date"].notna().any():
        warnings.append(Problem("warning", "new_firm_rule_skipped",
                                "no evaluation date given: the new-firm rule (never D) was not applied",
                                layer=LAYER, field="production_start_date"))
    listed = _boolean(frame, "listed").fillna(False).astype(bool)

    benchmarks: dict[str, dict[str, float]] = {}
    for g, gc in settings.groups.items():
        if gc is None:
            continue
        rows = scored & (group == g)
        benchmarks[g] = _score_group(g, gc, rows, values, frame, ids, settings, table, warnings)
        _class_group(rows, settings, is_new, listed, table)

    table["scored"] = scored.astype(bool)
    table["reason_not_scored"] = reasons.where(~scored, None)
    table["substituted"] = table["substituted"].where(table["substituted"] != "", None)
    for column in ("group", "class", "class_override"):  # None, not NaN, for "no value" in text columns
        table[column] = table[column].astype(object).where(table[column].notna(), None)
    return EnterpriseEvaluation(table=table, benchmarks=benchmarks, warnings=warnings)
