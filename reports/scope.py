"""Only what was asked for leaves: the export scope of a unit selection, applied once before any format writer.

`scope_export(ev, inputs, unit_ids)` returns an (Evaluation, EvaluationInputs) pair that holds only the selected
units, their member firms (ev.members, ev.firms, ev.enterprises), the parcels lying in them (a clipped area > 0,
as the overlay counts `parcel_count`), and the warnings, data issues, encroachments and link lists that touch
them (a unit by its id, a parcel by its id, a firm by its credit code; project-wide messages without a feature
stay). Parcel owners that are firms outside the selection are blanked, and any credit code or name of such a
firm left inside a text is replaced by 〔选区外企业〕. District figures (ev.district, supply cohorts and
approval batches) stay as aggregates: they carry no firm identifier (checked, and dropped if they did).

With a project key (`secret`, reports/redact.py) every firm and parcel owner is also replaced by its keyed
pseudonym, in records and inside texts.

`firm_level=False` (a viewer's export, issue 17) goes further: after the cut and the scrub, `aggregates_only` drops
every firm-level table — firms, member lists, firm points, link lists, the 达产复核, parcel owners and the issues about
firms — so every format carries unit and district figures only (`firm_level_allowed` tells the writers).

The 标准地 达产复核 (`ev.standard_land_review`) keeps the rows of the parcels kept, its firms' codes and names replaced
as every firm's are; `review_rows` gives its rows in the exports' order with their texts (reports/excel.py, gpkg.py,
html.py and the app's 标准地复核 page share it).

Per-kind comparisons a scorecard prints (the kind's median, the unit's rank among the kind, how many units of
the kind are scored) are district aggregates too: they are computed on the whole evaluation before it is cut
and kept on the scoped evaluation (`kind_comparison`, `scored_in_kind` read them).
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import reports.text.scope  # noqa: F401  (registers the section's text)
from analysis.inputs import EvaluationInputs
from analysis.land_links import FIRM_COLUMN, METHOD_COLUMN, LinkReport
from analysis.score import Evaluation
from i18n import t
from layers.problems import Problem
from layers.schema import EVALUATION_UNIT_KINDS
from reports import COST_INDICATORS, indicator_comparison, select_units
from reports.redact import CODE_PATTERN, MIN_CODE_LENGTH, SECRET_BYTES, Pseudonyms, TextScrubber
from spatial.overlay import intersection_area_pairs

# Columns holding ids of things that are no firm: never rewritten by the scrubber.
KEEP_COLUMNS = ("unit_id", "unit_kind", "parcel_id", "approval_id", "land_use", "land_use_category", "supply_status",
                "firm_link", "land_source", "group", "list", "class", "basis", "severity", "code", "layer", "field")
FIRM_LAYERS = ("enterprises", "enterprise_events", "tenancy")
PARCEL_LAYERS = ("parcels", "land_links")
IDENTIFIER_COLUMNS = ("uscc", "name", "owner_uscc", "owner_name", FIRM_COLUMN, "tenant_uscc", "landlord_uscc")
OWNER_COLUMNS = ("owner_uscc", FIRM_COLUMN)


@dataclass
class ExportScope:
    """What an export holds: the units asked for (None: all), whether it is pseudonymised, and the per-kind
    aggregates of the whole evaluation (kind → units, kind → scored units, per unit column the kind's median,
    count and ranks of the exported rows)."""

    unit_ids: list[str] | None
    redacted: bool
    kind_units: dict[str, int] = field(default_factory=dict)
    kind_scored: dict[str, int] = field(default_factory=dict)
    stats: dict[str, pd.DataFrame] | None = None
    norm_median: pd.DataFrame | None = None  # the kind's median of every normalised indicator, per exported row
    counts: dict[str, int] = field(default_factory=dict)  # firms / parcels / warnings kept and in all
    firm_level: bool = True  # False: aggregates only (a viewer's export): no firm, member list or parcel owner at all


def scope_of(ev: Evaluation) -> ExportScope | None:
    """The scope an evaluation was cut to by `scope_export` (None for an evaluation as `evaluate` made it)."""
    return getattr(ev, "export_scope", None)


# --------------------------------------------------------------------------- per-kind aggregates


def _kind_stats(units: pd.DataFrame, positions: np.ndarray) -> dict[str, pd.DataFrame]:
    """Per numeric unit column: the kind's median and count, and the unit's rank in its kind both ways, for the
    rows at `positions` (computed over every unit, as `reports.indicator_comparison` does)."""
    kinds = units["unit_kind"]
    out = {}
    for name in units.columns:
        if name in ("unit_id", "unit_kind", "name") or not pd.api.types.is_numeric_dtype(units[name].dtype) \
                or pd.api.types.is_bool_dtype(units[name].dtype):
            continue
        v = pd.to_numeric(units[name], errors="coerce").astype(float)
        grouped = v.groupby(kinds)
        frame = pd.DataFrame({"median": grouped.transform("median"), "n": v.notna().groupby(kinds).transform("sum"),
                              "rank_benefit": grouped.rank(ascending=False, method="min"),
                              "rank_cost": grouped.rank(ascending=True, method="min")})
        out[name] = frame.iloc[positions].reset_index(drop=True)
    return out


def kind_comparison(ev: Evaluation, indicators: Sequence[str], directions: dict[str, str] | None = None
                    ) -> dict[str, pd.DataFrame]:
    """`reports.indicator_comparison` of `ev.units` (value, the kind's median, rank in the kind, count), with the
    median, rank and count taken over the whole district when `ev` is a scoped evaluation."""
    scope = scope_of(ev)
    if scope is None or scope.stats is None:
        return indicator_comparison(ev.units, tuple(indicators), directions)
    directions = directions or {}
    out = {}
    for name in indicators:
        v = (pd.to_numeric(ev.units[name], errors="coerce").astype(float) if name in ev.units
             else pd.Series(np.nan, index=ev.units.index))
        stats = scope.stats.get(name)
        if stats is None:
            stats = pd.DataFrame({"median": np.nan, "n": 0.0, "rank_benefit": np.nan, "rank_cost": np.nan},
                                 index=range(len(ev.units)))
        cost = directions.get(name, "cost" if name in COST_INDICATORS else "benefit") == "cost"
        out[name] = pd.DataFrame({"value": v.to_numpy(), "median": stats["median"].to_numpy(),
                                  "rank": stats["rank_cost" if cost else "rank_benefit"].to_numpy(),
                                  "n": stats["n"].to_numpy()}, index=ev.units.index)
    return out


def kind_norm_median(ev: Evaluation) -> pd.DataFrame:
    """Per unit row of `ev`, the median normalised value of every composite indicator over the unit's kind in the
    whole district (the median unit a diagnosis compares against), aligned with `ev.norm`."""
    scope = scope_of(ev)
    if scope is not None and scope.norm_median is not None:
        return scope.norm_median
    norm = ev.norm.reset_index(drop=True).astype(float)
    return norm.groupby(ev.units["unit_kind"].to_numpy()).transform("median")


def scored_in_kind(ev: Evaluation, kind: str) -> int:
    """How many units of `kind` have a score in the whole district (ranks count scored units only)."""
    scope = scope_of(ev)
    if scope is not None and kind in scope.kind_scored:
        return scope.kind_scored[kind]
    units = ev.units
    return int(((units["unit_kind"] == kind) & pd.to_numeric(units["score"], errors="coerce").notna()).sum())


def units_in_kind(ev: Evaluation, kind: str) -> int:
    """How many units of `kind` the district has (scored or not)."""
    scope = scope_of(ev)
    if scope is not None and kind in scope.kind_units:
        return scope.kind_units[kind]
    return int((ev.units["unit_kind"] == kind).sum())


# --------------------------------------------------------------------------- the cut


def _codes(values: Iterable[Any]) -> set[str]:
    """Credit codes as compared here: text, outer spaces stripped, upper case; missing values left out."""
    return {str(v).strip().upper() for v in values if v is not None and not (isinstance(v, float) and np.isnan(v))
            and v is not pd.NA and str(v).strip()}


def _norm(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip().str.upper()


def _touches(layer: Any, feature: Any, keep: dict[str, set[str]]) -> bool:
    """Whether an issue on (layer, feature) concerns the selection: project-wide issues (no feature) do."""
    feature = "" if feature is None or (isinstance(feature, float) and np.isnan(feature)) else str(feature)
    if not feature:
        return True
    layer = str(layer or "")
    if layer in EVALUATION_UNIT_KINDS:
        return feature in keep["units"]
    if layer in PARCEL_LAYERS:
        return feature in keep["parcels"]
    if layer in FIRM_LAYERS:
        return feature.strip().upper() in keep["firms"]
    if layer == "land_approvals":
        return feature in keep["approvals"]
    return False


def _filter_issues(rows: list[dict], keep: dict[str, set[str]]) -> list[dict]:
    return [r for r in rows if _touches(r.get("layer"), r.get("feature"), keep)]


def _filter_frame(frame: pd.DataFrame | None, column: str, allowed: set[str], *, codes: bool = False) -> pd.DataFrame | None:
    """Rows of `frame` whose `column` is in `allowed` (credit codes compared normalised when `codes`)."""
    if frame is None or column not in frame:
        return frame
    values = _norm(frame[column]) if codes else frame[column].astype("string")
    return frame[values.isin(allowed).fillna(False).to_numpy()].reset_index(drop=True)


def _scoped_links(links: LinkReport, firms: set[str], parcels: set[str], counts: dict[str, int]) -> LinkReport:
    """The link report of the selection: lists restricted to its firms and parcels, counts over them."""
    def by_parcel(rows: list[dict]) -> list[dict]:
        return [r for r in rows if str(r.get("parcel_id")) in parcels]

    return dataclasses.replace(
        links, parcels=counts["parcels"], parcels_with_owner=counts["parcels_with_owner"],
        parcels_linked=counts["parcels_linked"], firms=counts["firms"],
        by_table=[c for c in links.by_table if str(c).strip().upper() in firms],
        by_code=[c for c in links.by_code if str(c).strip().upper() in firms],
        by_name=[c for c in links.by_name if str(c).strip().upper() in firms],
        ambiguous=by_parcel(links.ambiguous), owner_without_firm=by_parcel(links.owner_without_firm),
        declaring_unlinked=[c for c in links.declaring_unlinked if str(c).strip().upper() in firms],
        table_ignored=[r for r in links.table_ignored
                       if str(r.get("parcel_id")) in parcels or str(r.get("uscc", "")).strip().upper() in firms])


def _owner_identities(parcels: pd.DataFrame, firm_codes: set[str], firm_names: set[str]) -> tuple[set[str], set[str]]:
    """Codes and names of parcel owners that are no firm of the enterprise layer."""
    codes: set[str] = set()
    names: set[str] = set()
    if "owner_uscc" in parcels:
        codes = _codes(parcels["owner_uscc"].dropna().unique()) - firm_codes
    if "owner_name" in parcels:
        names = {str(v).strip() for v in parcels["owner_name"].dropna().unique() if str(v).strip()} - firm_names
    return codes, names


def _firm_names(enterprises: pd.DataFrame, firms: pd.DataFrame) -> dict[str, str]:
    """Firm name → its credit code (normalised), from the enterprise layer and the evaluation table."""
    out: dict[str, str] = {}
    for frame, codes in ((enterprises, enterprises.get("uscc")), (firms.reset_index(), firms.index.to_series())):
        if "name" not in frame or codes is None:
            continue
        for name, code in zip(frame["name"].to_numpy(), codes.to_numpy()):
            if isinstance(name, str) and name.strip() and code is not None and str(code).strip():
                out.setdefault(name.strip(), str(code).strip().upper())
    return out


@dataclass
class _Replacements:
    """What each identifier becomes in one export: firms and owners of the selection (`inside_*`; None = every
    firm) keep their identity or get their pseudonym; every other firm or owner becomes the outside placeholder."""

    all_codes: set[str]
    owner_codes: set[str]
    inside_codes: set[str] | None
    inside_owner_codes: set[str]
    inside_owner_names: set[str]
    pseudonyms: Pseudonyms | None
    outside: str

    def firm(self, code: str) -> str | None:
        """A firm's credit code → its replacement (None: kept)."""
        if self.inside_codes is not None and code not in self.inside_codes:
            return self.outside
        return self.pseudonyms.firm(code) if self.pseudonyms is not None else None

    def owner_code(self, code: str) -> str | None:
        """A parcel owner's code (no firm) → its replacement (None: kept)."""
        if self.inside_codes is not None and code not in self.inside_owner_codes:
            return self.outside
        return self.pseudonyms.owner_code(code) if self.pseudonyms is not None else None

    def owner_name(self, name: str) -> str | None:
        """A parcel owner's name (no firm) → its replacement (None: kept)."""
        if self.inside_codes is not None and name not in self.inside_owner_names:
            return self.outside
        return self.pseudonyms.owner_name(name) if self.pseudonyms is not None else None

    def token(self, code: str) -> str | None:
        """A credit-code-shaped token inside a text → its replacement (a code of nobody in the selection: outside)."""
        if code in self.all_codes:
            return self.firm(code)
        if code in self.owner_codes:
            return self.owner_code(code)
        if self.inside_codes is not None:
            return self.outside
        return self.pseudonyms.firm(code) if self.pseudonyms is not None else None


def _build_scrubber(names: dict[str, str], owner_names: set[str], rep: _Replacements) -> TextScrubber | None:
    """The scrubber of one export (None when nothing is to be replaced: the whole district, not pseudonymised)."""
    if rep.pseudonyms is None and rep.inside_codes is None:
        return None
    pairs = [(c, rep.firm(c)) for c in rep.all_codes] + [(n, rep.firm(c)) for n, c in names.items()]
    pairs += [(c, rep.owner_code(c)) for c in rep.owner_codes] + [(n, rep.owner_name(n)) for n in owner_names]
    exact = {k: v for k, v in pairs if v is not None}
    # inside texts: names, and codes that the credit-code pattern would not find (other shapes, 8+ characters)
    inside = {k: v for k, v in exact.items()
              if k in names or k in owner_names or (len(k) >= MIN_CODE_LENGTH and not CODE_PATTERN.fullmatch(k))}
    return TextScrubber(exact, inside, rep.token)


def _scrub_problem(problem: Problem, scrubber: TextScrubber) -> Problem:
    """A Problem with its texts scrubbed."""
    return dataclasses.replace(problem, **{f.name: scrubber.value(getattr(problem, f.name))
                                           for f in dataclasses.fields(problem) if f.name not in KEEP_COLUMNS})


def _scrub_dict(row: dict, scrubber: TextScrubber) -> dict:
    return {k: (v if k in KEEP_COLUMNS else scrubber.value(v)) for k, v in row.items()}


def _safe_aggregates(district: dict[str, Any], scrubber: TextScrubber | None) -> dict[str, Any]:
    """The district figures without any entry that names a firm (none does today: checked, not assumed)."""
    if scrubber is None:
        return dict(district)
    return {k: v for k, v in district.items() if not isinstance(v, str) or scrubber.text(v) == v}


def _safe_table(frame: pd.DataFrame) -> pd.DataFrame:
    """An aggregate table (supply cohorts, approval batches) without identifier columns."""
    return frame.drop(columns=[c for c in IDENTIFIER_COLUMNS if c in frame.columns]) if len(frame.columns) else frame


def scope_export(ev: Evaluation, inputs: EvaluationInputs, unit_ids: Sequence[str] | None = None, *,
                 secret: bytes | None = None, lang: str = "zh", firm_level: bool = True
                 ) -> tuple[Evaluation, EvaluationInputs]:
    """The (Evaluation, EvaluationInputs) an export of `unit_ids` (None: every unit) may carry, pseudonymised with
    the project key `secret` when one is given; `ev` and `inputs` are not modified. `firm_level=False` keeps
    aggregates only (`aggregates_only`): what a viewer may take away."""
    if not firm_level:
        # every text is scrubbed as well: with a throw-away key when none is given, so a firm named inside a message
        # that survives the cut reads as a pseudonym no other export shares
        scoped_ev, scoped_inputs = scope_export(ev, inputs, unit_ids, secret=secret or secrets.token_bytes(SECRET_BYTES),
                                                lang=lang)
        return aggregates_only(scoped_ev, scoped_inputs)
    positions = select_units(ev.units, list(unit_ids) if unit_ids else None)
    units_full = ev.units.reset_index(drop=True)
    enterprises_full = inputs.enterprises
    parcels_full = inputs.parcels.reset_index(drop=True)
    all_codes = _codes(ev.firms.index) | (_codes(enterprises_full["uscc"]) if "uscc" in enterprises_full else set())
    names = _firm_names(enterprises_full, ev.firms)
    owner_codes, owner_names = _owner_identities(parcels_full, all_codes, set(names))
    pseudonyms = None
    if secret is not None:
        owner_keys = [f"uscc:{c}" for c in owner_codes] + [f"name:{n}" for n in owner_names]
        pseudonyms = Pseudonyms(secret, all_codes, lang=lang, owner_keys=owner_keys)

    scope = ExportScope(unit_ids=[str(u) for u in unit_ids] if unit_ids else None, redacted=secret is not None)
    kinds = units_full["unit_kind"].astype(str)
    scope.kind_units = {str(k): int(n) for k, n in kinds.value_counts().items()}
    scored = pd.to_numeric(units_full["score"], errors="coerce").notna() if "score" in units_full else pd.Series(False,
                                                                                                            index=kinds.index)
    scope.kind_scored = {str(k): int(n) for k, n in scored.groupby(kinds).sum().items()}

    if not unit_ids:
        scrubber = _build_scrubber(names, owner_names, _Replacements(all_codes, owner_codes, None, owner_codes, owner_names,
                                                                     pseudonyms, t("scope_outside_firm", lang)))
        scope.counts = {"firms": len(ev.firms), "firms_all": len(ev.firms), "parcels": len(parcels_full),
                        "parcels_all": len(parcels_full), "warnings": len(ev.warnings), "warnings_all": len(ev.warnings)}
        return _finish(ev, inputs, scope, scrubber)

    scope.stats = _kind_stats(units_full, positions)
    scope.norm_median = kind_norm_median(ev).iloc[positions].reset_index(drop=True)
    geoms = inputs.units.reset_index(drop=True)
    pi, _ui, _area = intersection_area_pairs(parcels_full.geometry.to_numpy(), geoms.geometry.to_numpy()[positions])
    ppos = np.unique(pi)
    members = ev.members[ev.members["unit_pos"].isin(positions).to_numpy()].copy()
    members["unit_pos"] = np.searchsorted(positions, members["unit_pos"].to_numpy())
    members = members.reset_index(drop=True)
    firm_codes = _codes(members["uscc"])
    parcels = parcels_full.iloc[ppos].reset_index(drop=True).copy()
    counts = {"parcels": len(parcels), "firms": 0,
              "parcels_with_owner": int(pd.concat([parcels[c].notna() for c in ("owner_uscc", "owner_name") if c in parcels],
                                                  axis=1).any(axis=1).sum()) if {"owner_uscc", "owner_name"} & set(parcels)
              else 0,
              "parcels_linked": int(parcels[FIRM_COLUMN].notna().sum()) if FIRM_COLUMN in parcels else 0}
    # owners that are firms outside the selection are blanked (their code would name them)
    for column in OWNER_COLUMNS:
        if column in parcels:
            outside = (_norm(parcels[column]).isin(all_codes - firm_codes)).fillna(False).to_numpy()
            parcels[column] = parcels[column].astype(object).where(~outside, None)
            if column == FIRM_COLUMN and METHOD_COLUMN in parcels:
                parcels[METHOD_COLUMN] = parcels[METHOD_COLUMN].astype(object).where(~outside, None)
    if "owner_name" in parcels:
        outside_names = {n for n, c in names.items() if c not in firm_codes}
        parcels["owner_name"] = parcels["owner_name"].astype(object).where(
            ~parcels["owner_name"].astype("string").str.strip().isin(outside_names).fillna(False).to_numpy(), None)
    inside_owner_codes, inside_owner_names = _owner_identities(parcels, all_codes, set(names))

    firms = ev.firms[pd.Index(_norm(ev.firms.index.to_series()).to_numpy()).isin(firm_codes)]
    counts["firms"] = len(firms)
    table = ev.enterprises.table
    table = table[_norm(table["uscc"]).isin(firm_codes).fillna(False).to_numpy()].reset_index(drop=True)
    enterprises = _filter_frame(enterprises_full, "uscc", firm_codes, codes=True)
    parcel_ids = set(parcels["parcel_id"].astype(str)) if "parcel_id" in parcels else set()
    approval_ids = set(parcels["approval_id"].dropna().astype(str)) if "approval_id" in parcels else set()
    keep = {"units": set(units_full["unit_id"].astype(str).to_numpy()[positions]), "parcels": parcel_ids,
            "firms": firm_codes, "approvals": approval_ids}
    warnings = _filter_issues(ev.warnings, keep)
    ent_warnings = [w for w in ev.enterprises.warnings if _touches(w.layer, w.feature, keep)]
    issues = inputs.data_issues
    if len(issues) and {"layer", "feature"} <= set(issues.columns):
        mask = [_touches(layer, feature, keep) for layer, feature in zip(issues["layer"], issues["feature"])]
        issues = issues[np.asarray(mask, dtype=bool)].reset_index(drop=True)
    enc = ev.encroachments
    if len(enc):
        enc = enc[enc["unit_id"].astype(str).isin(keep["units"]).to_numpy()
                  & enc["parcel_id"].astype(str).isin(parcel_ids).to_numpy()].reset_index(drop=True)
    tenancy = _filter_frame(inputs.tenancy, "tenant_uscc", firm_codes, codes=True)
    if tenancy is not None and "landlord_uscc" in tenancy:
        tenancy = tenancy.assign(landlord_uscc=tenancy["landlord_uscc"].astype(object).where(
            _norm(tenancy["landlord_uscc"]).isin(firm_codes).fillna(False).to_numpy(), None))
    land_links = _filter_frame(_filter_frame(inputs.land_links, "uscc", firm_codes, codes=True), "parcel_id", parcel_ids)
    approvals = _filter_frame(inputs.approvals, "approval_id", approval_ids)
    scope.counts = {"firms": len(firms), "firms_all": len(ev.firms), "parcels": len(parcels),
                    "parcels_all": len(parcels_full), "warnings": len(warnings), "warnings_all": len(ev.warnings)}

    cut_ev = dataclasses.replace(
        ev, standard_land_review=_scoped_review(getattr(ev, "standard_land_review", None), parcel_ids),
        units=units_full.iloc[positions].reset_index(drop=True), members=members,
        enterprises=dataclasses.replace(ev.enterprises, table=table, warnings=ent_warnings), firms=firms,
        encroachments=enc, parcel_flags=ev.parcel_flags.reset_index(drop=True).iloc[ppos].reset_index(drop=True),
        norm=ev.norm.reset_index(drop=True).iloc[positions].reset_index(drop=True), warnings=warnings,
        links=_scoped_links(ev.links, firm_codes, parcel_ids, counts))
    cut_inputs = dataclasses.replace(
        inputs, units=geoms.iloc[positions].reset_index(drop=True), parcels=parcels, enterprises=enterprises,
        approvals=approvals, data_issues=issues, land_links=land_links,
        events=_filter_frame(inputs.events, "uscc", firm_codes, codes=True), tenancy=tenancy)
    scrubber = _build_scrubber(names, owner_names, _Replacements(all_codes, owner_codes, firm_codes, inside_owner_codes,
                                                                 inside_owner_names, pseudonyms, t("scope_outside_firm", lang)))
    return _finish(cut_ev, cut_inputs, scope, scrubber)


def _finish(ev: Evaluation, inputs: EvaluationInputs, scope: ExportScope, scrubber: TextScrubber | None
            ) -> tuple[Evaluation, EvaluationInputs]:
    """Scrub every text of the (cut) pair and attach the scope; new objects, the caller's are left alone."""
    if scrubber is None:
        out_ev = dataclasses.replace(ev)
        out_ev.export_scope = scope  # type: ignore[attr-defined]
        return out_ev, inputs
    keep = KEEP_COLUMNS
    firms = scrubber.frame(ev.firms, keep=keep)
    table = scrubber.frame(ev.enterprises.table, keep=keep)
    out_ev = dataclasses.replace(
        ev, units=scrubber.frame(ev.units, keep=(*keep, "name")), members=scrubber.frame(ev.members, keep=keep),
        enterprises=dataclasses.replace(ev.enterprises, table=table,
                                        warnings=[_scrub_problem(w, scrubber) for w in ev.enterprises.warnings]),
        firms=firms, district=_safe_aggregates(ev.district, scrubber), cohorts=_safe_table(ev.cohorts),
        batches=_safe_table(ev.batches), encroachments=scrubber.frame(ev.encroachments, keep=keep),
        warnings=[_scrub_dict(w, scrubber) for w in ev.warnings],
        links=dataclasses.replace(ev.links, **{f.name: scrubber.value(getattr(ev.links, f.name))
                                               for f in dataclasses.fields(ev.links) if isinstance(getattr(ev.links, f.name),
                                                                                                   list)}))
    out_ev.standard_land_review = _scrubbed_review(getattr(ev, "standard_land_review", None), scrubber)
    out_ev.export_scope = scope  # type: ignore[attr-defined]

    def frame(value):
        return scrubber.frame(value, keep=keep) if isinstance(value, pd.DataFrame) else value

    out_inputs = dataclasses.replace(
        inputs, units=scrubber.frame(inputs.units, keep=(*keep, "name")), parcels=frame(inputs.parcels),
        enterprises=frame(inputs.enterprises), approvals=frame(inputs.approvals), data_issues=frame(inputs.data_issues),
        land_links=frame(inputs.land_links), events=frame(inputs.events), tenancy=frame(inputs.tenancy))
    return out_ev, out_inputs


# --------------------------------------------------------------------------- aggregates only (a viewer's export)

# Parcel columns that name or describe a firm (its owner, the firm linked to it and how): left out of an
# aggregates-only export; the parcel's id, land use, area, supply status and flags stay.
PARCEL_FIRM_COLUMNS = ("owner_uscc", "owner_name", FIRM_COLUMN, METHOD_COLUMN, "tenant_uscc", "landlord_uscc")
FIRM_ISSUE_LAYERS = (*FIRM_LAYERS, "land_links")


def firm_level_allowed(ev: Evaluation) -> bool:
    """Whether an export of `ev` may carry firm-level tables (False after `scope_export(..., firm_level=False)`)."""
    scope = scope_of(ev)
    return scope is None or scope.firm_level


def _no_rows(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """`frame` with its columns and no row (None stays None)."""
    return None if frame is None else frame.iloc[:0]


def aggregates_only(ev: Evaluation, inputs: EvaluationInputs) -> tuple[Evaluation, EvaluationInputs]:
    """The scoped pair without anything firm-level: no firm table, member list, firm point, link list, 达产复核 or
    parcel owner, and no data issue or warning about a firm; unit and district figures (aggregates) stay."""
    scope = dataclasses.replace(scope_of(ev) or ExportScope(unit_ids=None, redacted=True), firm_level=False, redacted=True)
    scope.counts = {**scope.counts, "firms": 0}  # none leaves; firms_all (a district count) stays

    def firm_issue(layer: Any) -> bool:
        return str(layer or "") in FIRM_ISSUE_LAYERS

    links = dataclasses.replace(ev.links, **{f.name: [] for f in dataclasses.fields(ev.links)
                                             if isinstance(getattr(ev.links, f.name), list)})
    out_ev = dataclasses.replace(
        ev, firms=ev.firms.iloc[:0], members=ev.members.iloc[:0],
        enterprises=dataclasses.replace(ev.enterprises, table=ev.enterprises.table.iloc[:0], warnings=[]),
        encroachments=_safe_table(ev.encroachments), links=links,
        warnings=[w for w in ev.warnings if not firm_issue(w.get("layer"))])
    out_ev.standard_land_review = None  # per parcel: its firm's committed and actual tax, output, energy
    scope.counts["warnings"] = len(out_ev.warnings)
    out_ev.export_scope = scope  # type: ignore[attr-defined]
    parcels = inputs.parcels.drop(columns=[c for c in PARCEL_FIRM_COLUMNS if c in inputs.parcels.columns])
    issues = inputs.data_issues
    if len(issues) and "layer" in issues:
        issues = issues[~issues["layer"].astype(str).isin(FIRM_ISSUE_LAYERS).to_numpy()].reset_index(drop=True)
    out_inputs = dataclasses.replace(
        inputs, parcels=parcels, enterprises=inputs.enterprises.iloc[:0], land_links=_no_rows(inputs.land_links),
        events=_no_rows(inputs.events), tenancy=_no_rows(inputs.tenancy), data_issues=issues)
    return out_ev, out_inputs


# --------------------------------------------------------------------------- the 标准地 review

# The order the review's rows are exported in: the parcels to act on first.
REVIEW_ORDER = ("not_met", "undetermined", "met", "not_due")
REVIEW_FIRM_COLUMNS = ("firm_uscc", "firm_name")
# The colour of each verdict on every map of the review (app page, GeoPackage style, HTML): a display choice.
VERDICT_COLOURS = {"met": "#1a9850", "not_met": "#d73027", "undetermined": "#fdae61", "not_due": "#4575b4"}


def _scoped_review(result: Any, parcel_ids: set[str]) -> Any:
    """The 达产复核 (analysis.standard_land.Review) of the parcels kept, or None without one. A kept parcel's firm may
    lie outside the selection: its code and name are replaced with the outside placeholder by the scrubber, as any
    outside firm is; the parcel's verdict and gaps stay (they are the parcel's)."""
    if result is None:
        return None
    table = result.table
    kept = table[table["parcel_id"].astype(str).isin(parcel_ids).to_numpy()].reset_index(drop=True)
    return dataclasses.replace(result, table=kept)


def _scrubbed_review(result: Any, scrubber: TextScrubber) -> Any:
    """The review with its firms' codes and names replaced as everywhere else in the export (pseudonym or placeholder)."""
    if result is None:
        return None
    table = result.table.copy()
    for column in REVIEW_FIRM_COLUMNS:
        if column in table:
            table[column] = scrubber.series(table[column].astype(object))
    return dataclasses.replace(result, table=table)


def _is_false(value: Any) -> bool:
    """Whether a term's `met` cell says not met (False), as opposed to met or no verdict (NA)."""
    return value is not None and value is not pd.NA and not (isinstance(value, float) and np.isnan(value)) and not bool(value)


def review_rows(result: Any, lang: str = "zh") -> pd.DataFrame:
    """The review's rows as the exports show them: not met first, then undetermined, met and not yet due, each by
    parcel id; with `verdict_text`, `failed_text` (each term missed: committed, actual, gap), `reason_text` (why a
    parcel cannot be judged) and `missing_text` (the terms without actual figures) in `lang`. Geometry is kept."""
    from analysis.standard_land import TERMS, format_term_gap, format_term_value, term_label, unit_text, verdict_label

    table = result.table
    order = pd.Series({v: i for i, v in enumerate(REVIEW_ORDER)})
    rank = table["verdict"].map(order).fillna(len(REVIEW_ORDER)).to_numpy()
    positions = np.lexsort((table["parcel_id"].astype(str).to_numpy(), rank))
    out = table.iloc[positions].reset_index(drop=True).copy()
    sep = "；" if lang == "zh" else "; "
    listsep = "、" if lang == "zh" else ", "
    out["verdict_text"] = out["verdict"].map({v: verdict_label(v, lang) for v in REVIEW_ORDER})

    def failed(row: dict) -> str | None:
        """The terms a parcel missed, each with its committed and actual value and the gap."""
        parts = []
        for key in TERMS:
            if _is_false(row[f"{key}_met"]):
                unit = unit_text(key, lang)
                parts.append(t("stdland_term_text", lang).format(
                    term=term_label(key, lang), committed=format_term_value(key, row[f"{key}_committed"]),
                    actual=format_term_value(key, row[f"{key}_actual"]), gap=format_term_gap(key, row[f"{key}_gap"], lang),
                    unit=f" {unit}" if unit else ""))
        return sep.join(parts) or None

    def reason(row: dict) -> str | None:
        """Why a parcel cannot be judged (None when it can)."""
        code = row["reason"]
        if not isinstance(code, str) or not code:
            return None
        text = t(f"stdland_reason_{code}", lang)
        if code == "missing_actuals":
            return text.format(terms=listsep.join(term_label(k, lang) for k in row["missing"]))
        if code == "data_before_due":
            due = row["due_date"]
            year = row["data_year"]
            return text.format(year=int(year) if pd.notna(year) else "—", due=due.date().isoformat() if pd.notna(due) else "—")
        return text

    records = pd.DataFrame(out.drop(columns="geometry", errors="ignore")).to_dict("records")
    out["failed_text"] = pd.Series([failed(r) for r in records], index=out.index, dtype=object)
    out["reason_text"] = pd.Series([reason(r) for r in records], index=out.index, dtype=object)
    out["missing_text"] = pd.Series([listsep.join(term_label(k, lang) for k in r["missing"]) or None for r in records],
                                    index=out.index, dtype=object)
    return out


__all__ = ["ExportScope", "REVIEW_ORDER", "VERDICT_COLOURS", "review_rows", "kind_comparison", "aggregates_only",
           "firm_level_allowed",
           "kind_norm_median", "scope_export", "scope_of", "scored_in_kind", "units_in_kind"]
