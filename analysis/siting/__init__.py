"""Siting (选址): candidate sites for a land request that are legal, available and good, with reasons.

`run_siting(project_or_data, SiteRequest(...))` → `SitingResult` (`.to_json()`, `.to_frame()`).
Settings come from the project's validated landpark.toml (`siting_settings`).
"""

from analysis.siting.data import SitingData
from analysis.siting.files import read_search_area, write_candidates
from analysis.siting.pipeline import run_siting
from analysis.siting.request import RequestError, SiteRequest
from analysis.siting.result import SitingResult
from analysis.siting.settings import siting_settings

__all__ = ["RequestError", "SiteRequest", "SitingData", "SitingResult", "read_search_area", "run_siting",
           "siting_settings", "write_candidates"]
