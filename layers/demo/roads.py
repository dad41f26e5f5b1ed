"""The road layer of the demo: named arterials and secondaries, unnamed local roads."""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from layers.demo.blocks import Blocks
from layers.demo.frames import layer_frame
from layers.demo.plan import Plan
from layers.demo.terrain import Terrain

_ROAD_NAMES = {
    "主干路": ["滨海大道", "明湖大道", "金谷路", "甬新大道", "望海路", "天童路", "东环大道", "云龙路", "聚贤大道",
               "江南大道", "宁穿路", "丹枫路"],
    "次干路": ["鸿达路", "启运路", "兴业路", "创新路", "科技路", "振兴路", "康庄路", "长丰路", "泰安路", "永昌路",
               "汇源路", "博文路", "通途路", "和美路", "锦绣路", "富民路", "学府路", "海晏路", "瑞祥路", "华严路"],
}
_SECONDARY_SUFFIXES = ["路", "街", "东路", "西路", "北路", "南路"]


def build_roads(t: Terrain, plan: Plan, blocks: Blocks) -> gpd.GeoDataFrame:
    """Every road piece with its class; names repeat per generated line, the ring road is 环城路."""
    art_names = np.array(_ROAD_NAMES["主干路"], dtype=object)[plan.arterial_line % len(_ROAD_NAMES["主干路"])]
    base = _ROAD_NAMES["次干路"]
    suffix = _SECONDARY_SUFFIXES
    sec_names = np.array(["环城路"] + [base[(k - 1) % len(base)][:-1] + suffix[((k - 1) // len(base)) % len(suffix)]
                                      for k in plan.secondary_line[1:]], dtype=object)
    geoms = np.concatenate([plan.arterials, plan.secondaries, blocks.local_roads])
    classes = (["主干路"] * len(plan.arterials) + ["次干路"] * len(plan.secondaries)
               + ["支路"] * len(blocks.local_roads))
    names = np.concatenate([art_names, sec_names, np.full(len(blocks.local_roads), None, dtype=object)])
    return layer_frame({"road_id": [f"R{i + 1:05d}" for i in range(len(geoms))], "road_class": classes,
                        "name": names}, t.to_world(geoms))
