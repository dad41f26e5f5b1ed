"""The former single siting module, kept as an import path: the code lives in modules named for each concept.

settings (`siting_settings`), request (`SiteRequest`, `RequestError`), data (`SitingData`),
result (`SitingResult`), files (`read_search_area`, `write_candidates`), pool and site_criteria
(the steps), pipeline (`run_siting`).
"""

from analysis.siting.data import SitingData
from analysis.siting.files import read_search_area, write_candidates
from analysis.siting.pipeline import run_siting
from analysis.siting.request import RequestError, SiteRequest
from analysis.siting.result import OUTPUT_CRS, SitingResult
from analysis.siting.settings import siting_config, siting_settings
from analysis.siting.site_criteria import UNIT_PRIORITY

__all__ = ["OUTPUT_CRS", "UNIT_PRIORITY", "RequestError", "SiteRequest", "SitingData", "SitingResult", "read_search_area",
           "run_siting", "siting_config", "siting_settings", "write_candidates"]
