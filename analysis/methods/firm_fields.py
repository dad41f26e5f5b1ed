"""The firm fields a method's expressions read: the enterprise layer's own, plus derived ones
(land, years in production, tenancy) and the sector of each firm. Missing stays missing (NaN / <NA>).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.enterprise import _normalise_uscc as _codes
from analysis.enterprise import _numeric, enterprise_land_mu, owned_parcel_mu
from analysis.methods.method_file import FIRM_FIELDS, Sector

_DAYS_PER_YEAR = 365.2425


def _years_between(start: pd.Series, evaluation_date: str | None) -> pd.Series:
    if evaluation_date is None:
        return pd.Series(np.nan, index=start.index, dtype="float64")
    days = (pd.Timestamp(evaluation_date) - pd.to_datetime(start, errors="coerce")).dt.days
    return (days / _DAYS_PER_YEAR).astype("float64")


def tenancy_sums(frame: pd.DataFrame, tenancy: pd.DataFrame | None) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """(leased-in 亩, leased-out 亩, tenant count, listed as a tenant) per firm from the tenancy layer."""
    zeros = pd.Series(0.0, index=frame.index)
    if tenancy is None or not len(tenancy) or "tenant_uscc" not in tenancy.columns:
        return zeros.copy(), zeros.copy(), pd.Series(0, index=frame.index), pd.Series(False, index=frame.index)
    codes = _codes(frame["uscc"])
    area = _numeric(tenancy, "leased_area_mu")
    tenant = _codes(tenancy["tenant_uscc"])
    landlord = _codes(tenancy["landlord_uscc"]) if "landlord_uscc" in tenancy.columns else pd.Series(pd.NA, index=tenancy.index)
    leased_in = codes.map(area.groupby(tenant).sum(min_count=1)).astype("float64")
    leased_out = codes.map(area.groupby(landlord).sum(min_count=1)).astype("float64")
    count = codes.map(tenant.groupby(landlord).nunique()).fillna(0).astype("int64")
    listed = codes.isin(set(tenant.dropna()))
    return leased_in, leased_out, count, listed


def firm_fields(frame: pd.DataFrame, *, evaluation_date: str | None, parcel_owner_mu: pd.Series | None,
                tenancy: pd.DataFrame | None = None, owned_parcels: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every field of `FIRM_FIELDS` (and the frame's other columns) per firm, plus land_source.

    land_mu: the table's 用地面积 when > 0, else owned parcels + leased in − leased out (the tenancy layer
    fills leases the table lacks). own_land_mu: the table's area, else linked parcels. `owned_parcels`
    (firm_uscc, supply_status, supply_date) gives years_since_supply for land supplied but not yet built.
    """
    out = frame.copy()
    t_in, t_out, tenants, listed_tenant = tenancy_sums(frame, tenancy)
    table_in, table_out = _numeric(frame, "leased_in_mu"), _numeric(frame, "leased_out_mu")
    out["leased_in_mu"] = table_in.where(table_in.notna(), t_in)
    out["leased_out_mu"] = table_out.where(table_out.notna(), t_out)
    owned = owned_parcel_mu(frame, parcel_owner_mu)  # NaN for firms without linked parcels
    land, source = enterprise_land_mu(out, parcel_owner_mu, owned_mu=owned)
    out["land_mu"], out["land_source"] = land, source
    own = _numeric(frame, "land_area_mu")
    out["own_land_mu"] = own.where(own > 0, owned)
    out["years_in_production"] = _years_between(frame.get("production_start_date", pd.Series(pd.NaT, index=frame.index)),
                                                 evaluation_date)
    out["years_since_supply"] = _years_since_supply(frame, owned_parcels, evaluation_date)
    out["tenants"] = tenants.astype("float64")
    leases = (out["leased_in_mu"].fillna(0) > 0) | listed_tenant
    out["is_tenant"] = (~(out["own_land_mu"].fillna(0) > 0) & leases).astype("boolean")
    for name, unit in FIRM_FIELDS.items():
        if name not in out.columns:
            out[name] = pd.Series(pd.NA, index=frame.index, dtype="boolean") if unit == "bool" else np.nan
        elif unit == "bool":
            out[name] = _as_boolean(out[name])
    return out


def _as_boolean(values: pd.Series) -> pd.Series:
    try:
        return values.astype("boolean")
    except (TypeError, ValueError):
        return pd.Series(pd.NA, index=values.index, dtype="boolean")


def _years_since_supply(frame: pd.DataFrame, parcels: pd.DataFrame | None, evaluation_date: str | None) -> pd.Series:
    """Years since the latest supply of each firm's parcels that are supplied but not built (null without any)."""
    if parcels is None or not len(parcels) or evaluation_date is None or "supply_date" not in parcels.columns:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    building = parcels[parcels.get("supply_status", pd.Series(index=parcels.index, dtype=object)).isin(["supplied"])]
    if not building["supply_date"].notna().any():  # no dates to count from (parsing a column of blanks costs seconds)
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    dates = pd.to_datetime(building["supply_date"], errors="coerce")
    years = ((pd.Timestamp(evaluation_date) - dates).dt.days / _DAYS_PER_YEAR).astype("float64")
    youngest = years.groupby(_codes(building["firm_uscc"])).min()  # the latest supply is the fewest years ago
    return _codes(frame["uscc"]).map(youngest).astype("float64")


def assign_sectors(frame: pd.DataFrame, sectors: Sequence[Sector], default: str | None) -> pd.Series:
    """The sector of each firm: the first sector whose code prefix starts its industry_code, else the first
    whose keyword occurs in its industry text, else `default` (None without one)."""
    out = pd.Series(None, index=frame.index, dtype=object)
    if not sectors:
        return out
    code = frame["industry_code"].astype("string").str.strip() if "industry_code" in frame.columns else None
    text = frame["industry"].astype("string") if "industry" in frame.columns else None
    for sector in sectors:
        if code is not None and sector.codes:
            hit = code.str.startswith(tuple(sector.codes)).fillna(False).astype(bool)
            out = out.mask(out.isna() & hit, sector.name)
    for sector in sectors:
        if text is not None and sector.keywords:
            hit = pd.Series(False, index=frame.index)
            for word in sector.keywords:
                hit |= text.str.contains(word, regex=False).fillna(False).astype(bool)
            out = out.mask(out.isna() & hit, sector.name)
    if default is not None:
        out = out.where(out.notna(), default)
    return out
