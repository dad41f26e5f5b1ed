"""The answer to a siting request: ranked candidates, exclusions, notices; as JSON, text or a frame."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.transform import transformer

__all__ = ["OUTPUT_CRS", "STANDARD_LAND_KEYS", "SitingResult"]

OUTPUT_CRS = "EPSG:4490"
# The 标准地 control indicators of a candidate (issue 16; analysis.standard_land.conditions_for): exported as sl_<key>.
STANDARD_LAND_KEYS = ("investment_intensity", "far_min", "far_max", "tax_per_mu", "value_added_per_energy",
                      "value_added_per_emission", "rd_ratio")


@dataclass
class SitingResult:
    """Ranked candidates with breakdowns and rule checks, exclusion counts, notices and method."""

    request: dict[str, Any]
    candidates: list[dict[str, Any]]
    excluded: dict[str, int]
    summary: dict[str, Any]
    method: dict[str, Any]
    notices: list[str]
    crs: Any

    def to_json(self) -> dict[str, Any]:
        """The `site --json` document: request, excluded counts, candidates (GeoJSON in EPSG:4490)."""
        to_out = transformer(self.crs, OUTPUT_CRS)  # built once per pair of CRSs, cheap on every thread
        candidates = []
        for c in self.candidates:
            geom = shapely.transform(c["geometry"], lambda xy: np.column_stack(to_out.transform(xy[:, 0], xy[:, 1])))
            candidates.append({**{k: v for k, v in c.items() if k != "geometry"},
                               "geometry": json.loads(shapely.to_geojson(geom))})
        return {"request": self.request, "excluded": self.excluded, "summary": self.summary, "method": self.method,
                "notices": self.notices, "candidates": candidates}

    def to_text(self) -> str:
        """A plain-text summary for the terminal: ranked sites, exclusions and notices."""
        r = self.request
        lines = [f"request: {r['area_mu']:g}–{r['max_area_mu']:g} 亩" + (f", industry {r['industry']}" if r["industry"] else "")
                 + (f", code {r['industry_code']}" if r.get("industry_code") else "")
                 + (f", cluster {r['cluster']}" if r.get("cluster") else "")
                 + f", method {r['method']}" + _spread_text(r.get("per_park", 0)),
                 f"available parcels: {self.summary.get('available_parcels', 0)}  sites grown: "
                 f"{self.summary.get('sites_generated', 0)}  passed the rules: {self.summary.get('sites_passed', 0)}",
                 "excluded: " + (", ".join(f"{k} {v}" for k, v in self.excluded.items() if v) or "none"), ""]
        lines.append(f"{'rank':>4} {'score':>6} {'area_mu':>8} {'parcels':>7}  site_id       units")
        for c in self.candidates:
            units = ", ".join(f"{u['name']} {u['share']:.0%}" for u in c["units"][:3]) or "—"
            lines.append(f"{c['rank']:>4} {c['score']:>6.1f} {c['area_mu']:>8.1f} {len(c['parcel_ids']):>7}  "
                         f"{c['site_id']:<13} {units}")
            best = sorted(c["criteria"].items(), key=lambda kv: -kv[1]["contribution"])[:3]
            lines.append("       " + "; ".join(f"{k} {v['contribution']:.1f}" + (f" ({v['detail']})" if v.get("detail") else "")
                                              for k, v in best))
            if c.get("chain"):
                lines.append(f"       chain: {c['chain']['reason']['en']}")
            if ((c.get("standard_land") or {}).get("matched") or {}).get("entry"):
                lines.append("       标准地: " + _standard_text(c["standard_land"]))
        if not self.candidates:
            lines.append("   no site passes every rule")
        lines += [f"notice: {n}" for n in self.notices]
        return "\n".join(lines)

    def to_frame(self) -> gpd.GeoDataFrame:
        """One row per candidate (project CRS): ids, area, score, each criterion and rule flattened."""
        rows = []
        for c in self.candidates:
            park = c.get("park") or {}
            row = {"rank": c["rank"], "site_id": c["site_id"], "area_mu": c["area_mu"], "score": c["score"],
                   "parcel_ids": ";".join(c["parcel_ids"]), "unit_ids": ";".join(c["unit_ids"]),
                   "park_id": park.get("unit_id"), "park_name": park.get("name"),
                   "availability": ";".join(f"{k}:{v}" for k, v in c["availability"].items())}
            for name, crit in c["criteria"].items():
                row[f"{name}_raw"] = crit["raw"]
                row[f"{name}_norm"] = crit["normalised"]
                row[f"{name}_points"] = crit["contribution"]
            chain = c.get("chain") or {}
            leader = chain.get("leader") or {}
            row.update({"chain_cluster": chain.get("cluster"), "chain_status": chain.get("status"),
                        "chain_leader": leader.get("name"), "chain_leader_distance_m": leader.get("distance_m"),
                        "chain_reason_zh": (chain.get("reason") or {}).get("zh"),
                        "chain_reason_en": (chain.get("reason") or {}).get("en")})
            standard = c.get("standard_land") or {}
            for key in STANDARD_LAND_KEYS:
                row[f"sl_{key}"] = standard.get(key)
                row[f"sl_{key}_unit"] = (standard.get("units") or {}).get(key)
                row[f"sl_{key}_source"] = (standard.get("sources") or {}).get(key)
            for name, rule in c["rules"].items():
                row[f"rule_{name}_passed"] = rule["passed"]
                row[f"rule_{name}_value"] = rule["value"]
            rows.append(row)
        frame = pd.DataFrame(rows, columns=["rank", "site_id", "area_mu", "score", "parcel_ids", "unit_ids", "park_id",
                                            "park_name", "availability"] if not rows else None)
        return gpd.GeoDataFrame(frame, geometry=[c["geometry"] for c in self.candidates], crs=self.crs)


def _standard_text(standard: dict[str, Any]) -> str:
    """The 标准地 conditions in one line for the terminal: key value unit, the unset ones left out."""
    parts = [f"{k} {standard[k]:g}" + (f" {standard['units'].get(k)}" if (standard.get("units") or {}).get(k) else "")
             for k in STANDARD_LAND_KEYS if isinstance(standard.get(k), (int, float))]
    return f"{standard['matched']['entry']}: " + ("; ".join(parts) or "no value set")


def _spread_text(per_park: int | None) -> str:
    """How the candidates were spread over parks (SiteRequest.per_park), for the text summary."""
    if per_park == 0:
        return ", by score (not spread over parks)"
    if per_park is None:
        return ", best per park first"
    return f", best per park first, at most {per_park} per park"
