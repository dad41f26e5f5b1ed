"""Siting (选址): candidate sites for a land request that are legal, available and good, with reasons.

`run_siting(project_or_data, SiteRequest(...))` → `SitingResult` (`.to_json()`, `.to_frame()`).
"""

from analysis.siting.run import (
    RequestError,
    SiteRequest,
    SitingData,
    SitingResult,
    read_search_area,
    run_siting,
    siting_config,
    write_candidates,
)

__all__ = ["RequestError", "SiteRequest", "SitingData", "SitingResult", "read_search_area", "run_siting",
           "siting_config", "write_candidates"]
