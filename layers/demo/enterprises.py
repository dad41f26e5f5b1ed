"""Firms of the demo: who owns which parcels, their names, industries, land, dates and codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from layers.demo.blocks import Blocks
from layers.demo.catalogue import GENERAL_INDUSTRIES, INDUSTRY_CODES, MICRO_INDUSTRY, PARKS, micro_theme
from layers.demo.credit_codes import random_usccs
from layers.demo.figures import firm_figures
from layers.demo.parcels import Parcels
from layers.demo.plan import Plan
from layers.demo.randomness import random_dates, stage_rng
from layers.demo.supply import EVALUATION_DATE, Supply

_INDUSTRY_WORDS = {
    "汽车零部件": ["汽车部件", "汽配", "车业", "传动"], "智能装备": ["智能装备", "机械", "自动化", "机器人"],
    "新材料": ["新材料", "高分子", "复合材料"], "化工": ["化工", "化学", "精细化工"],
    "电子信息": ["电子", "光电", "信息科技"], "集成电路": ["半导体", "微电子", "芯片"],
    "生物医药": ["生物科技", "医药", "医疗器械"], "金属制品": ["五金", "金属制品", "紧固件"],
    "纺织服装": ["服饰", "纺织", "针织"], "塑料制品": ["塑业", "塑胶"], "家用电器": ["电器", "家电"],
    "通用设备": ["液压", "轴承", "泵业", "模具"],
}
_BRAND_CHARS = list("甬华恒鑫博联凯瑞泰宏远创精科达盛兴信嘉诚海天明丰永昌立德裕隆润宇金亚旭浩中")


def _names(rng: np.random.Generator, industries: np.ndarray, listed: np.ndarray) -> np.ndarray:
    """Unique firm names 宁波 + brand + trade word + 有限公司 (股份有限公司 when listed)."""
    brands = np.array([a + b for a in _BRAND_CHARS for b in _BRAND_CHARS if a != b], dtype=object)
    words = np.empty(len(industries), dtype=object)
    for industry, choices in _INDUSTRY_WORDS.items():
        at = industries == industry
        words[at] = rng.choice(choices, int(at.sum()))
    suffix = np.where(listed, "股份有限公司", "有限公司").astype(object)
    names = np.empty(len(industries), dtype=object)
    todo = np.ones(len(industries), bool)
    while todo.any():
        names[todo] = "宁波" + rng.choice(brands, int(todo.sum())) + words[todo] + suffix[todo]
        todo = pd.Series(names).duplicated().to_numpy()
    return names


def _ownership(rng: np.random.Generator, parcels: Parcels, supply: Supply, micro: np.ndarray) -> np.ndarray:
    """Owner index per parcel (-1: none): every supplied industrial parcel has one; about a fifth of the
    owners outside micro parks also hold the next parcel of the same block, at most three in all."""
    idx = np.flatnonzero(np.isin(parcels.category, ["industrial", "m0", "micro"]) & (supply.status != "unsupplied"))
    xy = shapely.get_coordinates(shapely.centroid(parcels.geoms[idx]))
    order = np.lexsort((xy[:, 0] + 0.37 * xy[:, 1], parcels.block[idx]))  # neighbours follow each other
    idx = idx[order]
    blk, built = parcels.block[idx], supply.status[idx] == "built"
    join = np.r_[False, (blk[1:] == blk[:-1]) & (built[1:] == built[:-1])]
    join &= (rng.random(len(idx)) < 0.2) & (micro[idx] < 0)
    group = np.cumsum(~join) - 1
    pos = np.arange(len(idx)) - np.flatnonzero(~join)[group]
    join &= pos % 3 != 0
    owner = np.full(len(parcels.geoms), -1)
    owner[idx] = np.cumsum(~join) - 1
    return owner


def build_enterprises(seed: int, plan: Plan, blocks: Blocks, parcels: Parcels, supply: Supply,
                      area_mu: np.ndarray, tax_per_mu: float = 25.0, point_only: int = 5
                      ) -> tuple[pd.DataFrame, np.ndarray]:
    """Firms owning the supplied industrial parcels plus a few point-only tenants of micro parks.

    Returns the enterprise table with a local-frame `geometry` column, and the owner index per parcel.
    land_area_mu is stated for about one firm in eight (owned minus leased out, or leased in for the
    tenants); for the rest it is left to be derived from the parcels.
    """
    rng = stage_rng(seed, "enterprises")
    micro = blocks.micro[parcels.block]
    owner = _ownership(rng, parcels, supply, micro)
    idx = np.flatnonzero(owner >= 0)
    frame = pd.DataFrame({"parcel": idx, "firm": owner[idx], "mu": area_mu[idx],
                          "built": supply.status[idx] == "built", "supply": supply.supply_date[idx]})
    by_firm = frame.groupby("firm")
    main = frame.loc[by_firm["mu"].idxmax()]
    n_own = len(main)
    host = rng.choice(np.flatnonzero(micro >= 0), point_only, replace=False)
    n = n_own + point_only
    inner = shapely.buffer(parcels.geoms[host], -8.0)
    inner = np.where(shapely.is_empty(inner), parcels.geoms[host], inner)
    geoms = np.concatenate([shapely.point_on_surface(parcels.geoms[main["parcel"]]), shapely.point_on_surface(inner)])
    home = np.r_[main["parcel"].to_numpy(), host]
    producing = np.r_[by_firm["built"].any().to_numpy(), np.ones(point_only, bool)]

    owned = np.r_[by_firm["mu"].sum().to_numpy(), np.zeros(point_only)]
    leased_in, leased_out, land = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    leased_in[n_own:] = land[n_own:] = np.round(rng.uniform(1.5, 6.0, point_only), 2)
    stated = np.r_[rng.random(n_own) < 0.12, np.zeros(point_only, bool)]
    lease_out = stated & (rng.random(n) < 0.35) & (owned > 8)
    leased_out[lease_out] = np.round(owned[lease_out] * rng.uniform(0.1, 0.3, int(lease_out.sum())), 2)
    land[stated] = np.round(owned[stated] - np.nan_to_num(leased_out[stated]), 2)
    figures = firm_figures(rng, np.where(np.isnan(land), owned, land), producing, tax_per_mu)

    # industry: a park's leading industries, a micro park's theme, or the general mix
    park = plan.face_park[blocks.face[parcels.block[home]]]
    industry = rng.choice(GENERAL_INDUSTRIES, n).astype(object)
    in_park = (park >= 0) & (rng.random(n) < 0.75)
    for p, (_, _, _, leading) in enumerate(PARKS):
        at = in_park & (park == p)
        industry[at] = rng.choice(leading.split(";"), int(at.sum()))
    theme = micro[home]
    industry[theme >= 0] = [MICRO_INDUSTRY[micro_theme(k)] for k in theme[theme >= 0]]

    supplied = np.r_[main["supply"].to_numpy(), random_dates(rng, "2012-01-01", "2022-12-31", point_only)]
    start = supplied + rng.integers(300, 1000, n).astype("timedelta64[D]")
    start = np.minimum(start, EVALUATION_DATE - rng.integers(20, 200, n).astype("timedelta64[D]"))
    start = np.where(producing, start, np.datetime64("NaT", "D"))
    registered = np.where(producing, start, supplied) - np.timedelta64(400, "D")
    table = pd.DataFrame({
        "uscc": random_usccs(rng, n, np.less(registered, np.datetime64("2015-10-01"))),
        "name": _names(rng, industry, figures["listed"]), "industry": industry, "year": 2025,
        **figures, "land_area_mu": land, "leased_in_mu": leased_in, "leased_out_mu": leased_out,
        "production_start_date": start, "geometry": geoms,
    })
    return _with_extras(seed, table), owner


def _with_extras(seed: int, table: pd.DataFrame) -> pd.DataFrame:
    """Industry code, profit, 技改 investment and the utility flag, drawn from a stage of their own so the
    figures above (and the 黄岩 reproduction on them) do not move. Profit and 技改 are 规上 statistics:
    null for 规下 firms."""
    rng = stage_rng(seed, "enterprise_extras")
    n = len(table)
    above = table["revenue_10k_yuan"].to_numpy() >= 2000.0
    revenue = table["revenue_10k_yuan"].to_numpy(dtype=float)
    margin = np.clip(0.06 + 0.04 * rng.standard_normal(n), -0.05, 0.25)
    invests = rng.random(n) < 0.35
    out = table.copy()
    out["industry_code"] = out["industry"].map(INDUSTRY_CODES)
    out["profit_10k_yuan"] = np.where(above, np.round(revenue * margin, 1), np.nan)
    out["tech_investment_10k_yuan"] = np.where(above, np.where(invests, np.round(revenue * rng.uniform(0.01, 0.06, n), 1),
                                                               0.0), np.nan)
    out["utility"] = False
    return out.reindex(columns=[c for c in out.columns if c != "geometry"] + ["geometry"])
