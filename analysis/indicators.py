"""Enterprise 亩均 indicators: each one a ratio of two canonical enterprise columns.

The definitions are data (label, unit, Chinese formula text, numerator, denominator, scale)
so the scorecard can show exactly how every number was formed (docs/methods.md §2.1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class IndicatorDef:
    """One ratio indicator: value = numerator × scale / denominator."""

    key: str
    label_zh: str
    unit: str
    formula: str
    numerator: str
    denominator: str
    scale: float = 1.0


_DEFS = [
    IndicatorDef("tax_per_mu", "亩均税收", "万元/亩",
                 "亩均税收 = 实缴税金(万元) / 用地面积(亩)", "tax_10k_yuan", "land_mu"),
    IndicatorDef("value_added_per_mu", "亩均增加值", "万元/亩",
                 "亩均增加值 = 工业增加值(万元) / 用地面积(亩)", "value_added_10k_yuan", "land_mu"),
    IndicatorDef("output_per_mu", "亩均产值", "万元/亩",
                 "亩均产值 = 工业总产值(万元) / 用地面积(亩)", "output_10k_yuan", "land_mu"),
    IndicatorDef("revenue_per_mu", "亩均营业收入", "万元/亩",
                 "亩均营业收入 = 主营业务收入(万元) / 用地面积(亩)", "revenue_10k_yuan", "land_mu"),
    IndicatorDef("value_added_per_energy", "单位能耗增加值", "万元/吨标煤",
                 "单位能耗增加值 = 工业增加值(万元) / 综合能耗(吨标煤)", "value_added_10k_yuan", "energy_tce"),
    IndicatorDef("value_added_per_emission", "单位排放增加值", "万元/吨",
                 "单位排放增加值 = 工业增加值(万元) / 主要污染物排放量(吨)", "value_added_10k_yuan", "emissions"),
    IndicatorDef("labour_productivity", "全员劳动生产率", "万元/人",
                 "全员劳动生产率 = 工业增加值(万元) / 年平均职工人数(人)", "value_added_10k_yuan", "employees"),
    IndicatorDef("rd_ratio", "R&D经费支出占比", "",
                 "R&D占比 = R&D经费支出(万元) / 主营业务收入(万元)", "rd_10k_yuan", "revenue_10k_yuan"),
    IndicatorDef("tax_per_kwh", "单位电耗税收", "元/kWh",
                 "单位电耗税收 = 实缴税金(万元) × 10000 / 用电量(kWh)", "tax_10k_yuan", "electricity_kwh",
                 10000.0),
]

INDICATORS: dict[str, IndicatorDef] = {d.key: d for d in _DEFS}


def _numeric_column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """The column as float64 (unparseable or absent → NaN), so a missing input never raises."""
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def compute_indicators(frame: pd.DataFrame) -> pd.DataFrame:
    """Every indicator of `INDICATORS` for each row of `frame` (canonical columns plus "land_mu").

    A denominator that is missing, zero or negative gives NaN, never inf: such a value is
    "missing" and the evaluation's missing-data rules decide what it scores.
    """
    out: dict[str, np.ndarray] = {}
    for key, d in INDICATORS.items():
        num = _numeric_column(frame, d.numerator)
        den = _numeric_column(frame, d.denominator)
        usable = den > 0  # False for NaN too
        values = np.full(len(frame), np.nan)
        np.divide(num * d.scale, den, out=values, where=usable)
        out[key] = values
    return pd.DataFrame(out, index=frame.index)
