"""Deterministic demo district: a fictional Ningbo-like coastal district with every layer kind and a DEM.

Everything derives from one seed, so the demo project, its tests and screenshots are reproducible.
The place is invented (names, codes and firms are fictional); its numbers follow docs/methods.md.

Layout: an irregular district about 20 x 15 km around lon 121.5 E, lat 29.85 N, sea to the east,
hills (200-600 m) in the south-west, a river crossing west to east, a town centre on the river and
four industrial parks.  Roads are arterial / secondary lines; their faces are cut into blocks by
local roads and the blocks into parcels by recursive jittered cuts, so parcels tile without overlap.

M0 (新型产业用地) has no GB/T 21010 code: M0 parcels carry land_use "0601" with
land_use_category "m0"; about a quarter of the industrial land inside the future industrial
communities is M0 (roughly 1-3 % of the district's industrial land).

Supply: land approved before 2019 is mostly built; batches 2019-2025 cover the urban fringe and
are less supplied the newer they are. Some parcels are `supplied` although their agreed start is
over a year past (idle by date, unlabelled), and six unsupplied edge parcels overlap farmland, so
checks and siting have something to find. Firms' Σtax / Σland is 25 万元/亩. The numbers here shape
demo data only; they are not evaluation settings and so are not in landpark.toml.

Stages, one module each, in the order `assemble.build_demo_layers` runs them: terrain → plan
(outline, river, roads, zones) → blocks → parcels → supply → enterprises (figures, credit_codes)
→ units, constraints, roads; `dem` rasterises the terrain and `project` writes the project folder.
"""

from __future__ import annotations

from layers.demo.assemble import build_demo_layers
from layers.demo.dem import build_demo_dem
from layers.demo.project import DEMO_REGION, DEMO_YEAR, build_demo_project, default_demo_dir, ensure_demo
from layers.demo.terrain import DEMO_CRS
from layers.uscc import USCC_CHARSET, uscc_check_char

__all__ = ["DEMO_CRS", "DEMO_REGION", "DEMO_YEAR", "USCC_CHARSET", "build_demo_dem", "build_demo_layers",
           "build_demo_project", "default_demo_dir", "ensure_demo", "uscc_check_char"]
