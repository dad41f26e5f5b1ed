"""Write the generated demo district as a complete project folder (layers, DEM, toml)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from layers.clusters_settings import DEMO_TOML as DEMO_CLUSTERS
from layers.clusters_settings import PRESET_TARGETS_TOML as DEMO_CLUSTER_TARGETS
from layers.config import CONFIG_NAME
from layers.demo.assemble import build_demo_layers
from layers.demo.dem import build_demo_dem
from layers.demo.history import with_firm_history
from layers.demo.line_history import CURRENT_VALID_FROM, EARLIER_VALID_FROM, build_line_history
from layers.demo.standard_land import add_commitments, investment_column
from layers.demo.terrain import DEMO_CRS
from layers.lines_settings import DEMO_TOML as DEMO_LINES
from layers.project import Project
from layers.standard_land_settings import DEMO_TOML as DEMO_STANDARD_LAND
from layers.targets_settings import DEMO_TOML as DEMO_TARGETS
from layers.versions import VersionNote
from spatial.errors import InputError

DEMO_REGION = "甬江示范区（虚构）"
DEMO_YEAR = 2025


def build_demo_project(root: str | Path, *, seed: int = 20251231,
                       progress: Callable[[str], None] | None = None) -> Project:
    """Generate the demo district into `root`; built in a temporary folder and moved in whole."""
    say = progress or (lambda _msg: None)
    root = Path(root)
    if (root / "project.gpkg").exists():
        raise InputError(f"{root}: a project already exists there; remove it or choose another folder")
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.", dir=root.parent))
    try:
        say("generating layers…")
        layers = build_demo_layers(seed)
        say("generating the earlier years and the earlier protection lines…")
        layers["enterprises"] = with_firm_history(seed, layers["enterprises"], layers["parcels"])
        layers["parcels"] = add_commitments(seed, layers["parcels"], layers["enterprises"])  # 标准地 and 达产复核
        layers["enterprises"]["fixed_investment_10k_yuan"] = investment_column(seed, layers["parcels"],
                                                                                 layers["enterprises"])
        earlier_lines, _known = build_line_history(seed, layers["protection_lines"], layers["parcels"])
        project = Project.create(staging, region=DEMO_REGION, year=DEMO_YEAR, crs=DEMO_CRS, demo=True)
        _add_supply_floors(staging / CONFIG_NAME)
        leaders = _chain_leaders(layers["enterprises"], project)
        say("writing project.gpkg…")
        project.write_layers({"protection_lines": earlier_lines}, issues=[],
                             versions={"protection_lines": VersionNote(EARLIER_VALID_FROM, "示范数据（上一版保护线）")})
        project.write_layers({**layers, "chain_leaders": leaders}, issues=[],
                             versions={"protection_lines": VersionNote(CURRENT_VALID_FROM, "示范数据")})
        say("generating DEM…")
        array, transform, crs = build_demo_dem(layers, seed)
        project.write_raster("dem", array, transform, crs)
        if root.exists():
            for item in staging.iterdir():
                os.replace(item, root / item.name)
            staging.rmdir()
        else:
            os.replace(staging, root)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return Project.open(root)


# The seed plans' floors on the yearly industrial share of supplied land (docs/methods.md §4.4): the
# demo district is 鄞州-like and in Zhejiang, so both apply. A new project has none until it adds its own.
DEMO_SUPPLY_FLOORS = """
# The demo's floors on the yearly industrial share of supplied land ([supply_mix] above explains the keys).
[[supply_mix.floors]]
name = "鄞州：每年新增建设用地 25% 以上用于工业项目"
share = 0.25
counts = ["all"]
base = "new_construction_land"
source = "鄞州区“154”千百亿级产业集群行动方案：每年新增建设用地25%以上用于工业项目 [C, seed]"

[[supply_mix.floors]]
name = "浙江：每年出让土地总量中工业用地比例不低于 30%"
share = 0.30
counts = ["出让", "弹性年期出让"]
base = "land_sold"
source = "浙江省 2020 年若干意见：每年出让土地总量中工业用地比例不低于30% [C-2nd]"
"""


def _chain_leaders(enterprises, project: Project):
    """The demo's 链主 table: the largest firm by output of each segment of the demo's clusters (2025 data), as a
    table without geometry (a 链主 is located through its firm)."""
    import pandas as pd

    from analysis.clusters import leader_candidates
    from layers.years import rows_of_year

    firms = pd.DataFrame(rows_of_year(enterprises, DEMO_YEAR).drop(columns="geometry", errors="ignore"))
    return leader_candidates(firms, project.config.clusters)


def _add_supply_floors(path: Path) -> None:
    """Append the demo's supply-mix floors, protection-line floors and rules, the seed plans' targets and the 标准地
    conditions to its
    landpark.toml (atomically: temp file, then os.replace)."""
    text = "\n".join([path.read_text(encoding="utf-8").rstrip("\n"), DEMO_SUPPLY_FLOORS, DEMO_LINES, DEMO_TARGETS,
                      DEMO_CLUSTER_TARGETS, DEMO_CLUSTERS, DEMO_STANDARD_LAND])
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def default_demo_dir() -> Path:
    """Where the app builds the demo when no project is given: $LANDPARK_DEMO_DIR or the user cache."""
    env = os.environ.get("LANDPARK_DEMO_DIR")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "landpark" / "demo"


def ensure_demo(root: str | Path | None = None) -> Project:
    """Open the demo project, building it first when missing."""
    root = Path(root) if root else default_demo_dir()
    if (root / "project.gpkg").exists():
        return Project.open(root)
    return build_demo_project(root)
