"""Soft siting criteria: each a raw value per site and a normalised value in [0, 1] (1 = best).

Every transform is on a fixed scale a bureau can check by hand (not min-max over whatever
candidates happen to exist), so a site's score does not move when other sites come and go:
  industry_match    share of the site inside units whose leading industries match the request;
  chain_fit         the site's park needs the requested chain segment / holds the cluster, and nearness to its
                    链主 (a request naming --industry-code or --cluster; analysis/siting/chain.py);
  unit_performance  unit 亩均税收 ÷ district value, capped at `cap`, ÷ `cap`;
  unit_supply       unit 供地率 (cost: 1 − ratio, favouring units with 批而未供 to digest; or benefit);
  road_access       1 − min(d / d_max, 1), d = min over road classes of distance × class factor;
  size_fit          1 − (area − requested) ÷ (max − requested), clipped to [0, 1];
  compactness       Polsby-Popper 4πA/P² ÷ ideal (π/4, a square), capped at 1;
  slope             1 − mean slope ÷ max slope, clipped to [0, 1];
  protection_line   share in red lines × red score + share in blue-only lines × blue score.
A site with no raw value (outside every unit, say) scores 0 on that criterion and says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from i18n import siting_chain_text as _chain_text  # noqa: F401  (registers siting_crit_chain_fit)
from i18n import t
from spatial.errors import UsageError

__all__ = ["CRITERIA", "CRITERION_LABELS_ZH", "Criterion", "benchmark_ratio", "fraction", "distance_decay",
           "road_access", "size_fit", "compactness", "slope_score", "line_score"]

CRITERIA = ("industry_match", "chain_fit", "unit_performance", "unit_supply", "road_access", "size_fit", "compactness",
            "slope", "protection_line")
# Labels live once in the translation table (`i18n.TEXT["siting_crit_<name>"]`), shared with the CLI and the app.
CRITERION_LABELS_ZH = {name: t(f"siting_crit_{name}", "zh") for name in CRITERIA}


@dataclass
class Criterion:
    """One criterion over all sites: raw values (unit), normalised values and per-site notes."""

    name: str
    raw: np.ndarray
    norm: np.ndarray
    unit: str
    detail: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.raw = np.asarray(self.raw, dtype=float)
        norm = np.asarray(self.norm, dtype=float)
        self.norm = np.clip(np.where(np.isfinite(norm), norm, 0.0), 0.0, 1.0)
        if not self.detail:
            self.detail = [""] * len(self.raw)

    def entry(self, k: int, weight: float) -> dict:
        """JSON-ready breakdown for site `k`: raw value, normalised, weight, points (100 × w × normalised)."""
        raw = self.raw[k]
        out = {"raw": float(raw) if np.isfinite(raw) else None, "unit": self.unit,
               "normalised": round(float(self.norm[k]), 6), "weight": round(weight, 6),
               "contribution": round(100.0 * weight * float(self.norm[k]), 4), "label_zh": t(f"siting_crit_{self.name}", "zh")}
        if self.detail[k]:
            out["detail"] = self.detail[k]
        return out


def benchmark_ratio(values: np.ndarray, benchmark: float, cap: float) -> np.ndarray:
    """min(value ÷ benchmark, cap) ÷ cap; NaN where the value is missing."""
    v = np.asarray(values, dtype=float)
    if not (benchmark and np.isfinite(benchmark) and benchmark > 0):
        raise UsageError(f"benchmark must be a positive number, got {benchmark!r}")
    return np.minimum(np.maximum(v, 0.0) / benchmark, cap) / cap


def fraction(values: np.ndarray, direction: str) -> np.ndarray:
    """A 0–1 fraction as is ("benefit") or reversed ("cost")."""
    v = np.clip(np.asarray(values, dtype=float), 0.0, 1.0)
    if direction not in ("benefit", "cost"):
        raise UsageError(f"direction must be 'benefit' or 'cost', got {direction!r}")
    return v if direction == "benefit" else 1.0 - v


def distance_decay(distance: np.ndarray, max_distance: float) -> np.ndarray:
    """1 at distance 0, falling linearly to 0 at `max_distance` and beyond."""
    return 1.0 - np.minimum(np.asarray(distance, dtype=float) / max_distance, 1.0)


def road_access(distance_by_class: Mapping[str, np.ndarray], factors: Mapping[str, float], default_factor: float,
                max_distance: float) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(effective distance, normalised, nearest road text) from distances to each road class.

    The effective distance is the smallest distance × class factor, so a farther arterial road
    can beat a nearer local lane when its factor is lower.
    """
    classes = list(distance_by_class)
    if not classes:
        raise UsageError("road_access needs at least one road class")
    d = np.column_stack([np.asarray(distance_by_class[c], dtype=float) for c in classes])
    f = np.asarray([float(factors.get(c, default_factor)) for c in classes])
    eff = d * f
    filled = np.where(np.isfinite(eff), eff, np.inf)
    best = np.argmin(filled, axis=1)
    effective = filled[np.arange(len(d)), best]
    effective = np.where(np.isfinite(effective), effective, np.nan)
    raw_d = d[np.arange(len(d)), best]
    text = [f"{classes[b]} {rd:.0f} m × {f[b]:g}" if np.isfinite(rd) else "no road"
            for b, rd in zip(best.tolist(), raw_d.tolist())]
    return effective, distance_decay(effective, max_distance), text


def size_fit(area_mu: np.ndarray, requested_mu: float, max_mu: float) -> np.ndarray:
    """1 at the requested area, falling linearly to 0 at the maximum (a site should not take more than it needs)."""
    span = max_mu - requested_mu
    a = np.asarray(area_mu, dtype=float)
    if span <= 0:
        return np.where(np.isclose(a, requested_mu), 1.0, 0.0)
    return 1.0 - np.clip((a - requested_mu) / span, 0.0, 1.0)


def compactness(area: np.ndarray, perimeter: np.ndarray, ideal: float) -> tuple[np.ndarray, np.ndarray]:
    """(Polsby-Popper 4πA/P², that ÷ `ideal` capped at 1); area and perimeter in one planar CRS."""
    a, p = np.asarray(area, dtype=float), np.asarray(perimeter, dtype=float)
    pp = np.divide(4 * np.pi * a, p ** 2, out=np.full(len(a), np.nan), where=p > 0)
    return pp, np.minimum(pp / ideal, 1.0)


def slope_score(mean_slope: np.ndarray, max_slope: float) -> np.ndarray:
    """1 on flat land, 0 at or above the maximum slope."""
    return 1.0 - np.clip(np.asarray(mean_slope, dtype=float) / max_slope, 0.0, 1.0)


def line_score(area_m2: np.ndarray, red_m2: np.ndarray, lines_m2: np.ndarray, red: float, blue: float
               ) -> tuple[np.ndarray, np.ndarray]:
    """(share inside any protection line, score = red share × red + blue-only share × blue)."""
    a = np.asarray(area_m2, dtype=float)
    share_red = np.clip(np.divide(red_m2, a, out=np.zeros(len(a)), where=a > 0), 0.0, 1.0)
    share_any = np.clip(np.divide(lines_m2, a, out=np.zeros(len(a)), where=a > 0), 0.0, 1.0)
    return share_any, share_red * red + np.maximum(share_any - share_red, 0.0) * blue
