"""A siting request (SiteRequest) and its validation (RequestError)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.siting.criteria import CRITERIA
from spatial.errors import UsageError

__all__ = ["RequestError", "SiteRequest"]


class RequestError(UsageError):
    """A request parameter out of range or unknown (a usage error: CLI exit 2)."""



@dataclass
class SiteRequest:
    """A project's land request and the options of `landpark site` (None = the toml default).

    `industry_code` / `cluster` name the chain the land is for: sites in parks whose cluster lacks that segment and
    near its 链主 score higher (chain_fit), and every candidate carries the 标准地 conditions for them.
    `per_park` spreads the candidates over parks (a site's park: the `parks` unit holding most of it, else its
    own unit when the project has no parks; sites in none count as one group). None (the default): the best
    site of each park first, then the rest by score; N ≥ 1: the same, with at most N sites per park; 0: plain
    score order (no spreading). The rank of a candidate is its place in that list (`landpark site --per-park N`).
    """

    area_mu: float
    max_area_mu: float | None = None
    industry: str | None = None
    top: int | None = None
    method: str | None = None
    include_idle: bool = False
    include_low_efficiency: bool = False
    allow_outside_lines: bool = False
    max_slope_deg: float | None = None
    within: Any = None  # shapely geometry in the project CRS, or a file path (GeoJSON etc.)
    weights: dict[str, float] | None = None
    use_ahp: bool | None = None
    force_ahp: bool = False
    per_park: int | None = None
    industry_code: str | None = None  # GB/T 4754-2017 code of any level (C34, C3441): chain_fit and 标准地 conditions
    cluster: str | None = None  # a cluster of the project's [clusters] (高端装备): chain_fit and 标准地 conditions

    def validate(self) -> None:
        """Refuse impossible parameters with a message naming the field (the front doors name their own options)."""
        if not (np.isfinite(self.area_mu) and self.area_mu > 0):
            raise RequestError(f"area_mu must be a positive number of 亩, got {self.area_mu}")
        if self.max_area_mu is not None and not self.max_area_mu >= self.area_mu:
            raise RequestError(f"max_area_mu ({self.max_area_mu}) must be ≥ area_mu ({self.area_mu})")
        if self.top is not None and self.top < 1:
            raise RequestError(f"top must be ≥ 1, got {self.top}")
        if self.per_park is not None and (isinstance(self.per_park, bool) or not isinstance(self.per_park, (int, np.integer))
                                          or self.per_park < 0):
            raise RequestError(f"per_park must be a whole number ≥ 0 (0 = plain score order), got {self.per_park!r}")
        if self.method is not None and self.method not in ("wsum", "topsis"):
            raise RequestError(f"method must be wsum or topsis, got {self.method!r}")
        if self.max_slope_deg is not None and not (0 < self.max_slope_deg <= 90):
            raise RequestError(f"max_slope_deg must be in (0, 90] degrees, got {self.max_slope_deg}")
        if self.industry_code is not None:
            from analysis.siting.chain import normalise_code
            self.industry_code = normalise_code(self.industry_code)
        if self.cluster is not None:
            self.cluster = str(self.cluster).strip() or None
        for name, value in (self.weights or {}).items():
            if name not in CRITERIA:
                raise RequestError(f"unknown criterion {name!r} in weights; choose from {', '.join(CRITERIA)}")
            if not (np.isfinite(value) and value >= 0):
                raise RequestError(f"weight of {name} must be ≥ 0, got {value}")

