"""The shipped method presets (analysis/methods/presets/*.toml) checked against firms computed by
hand from each notice's own rules, never from engine code.

The notices, what each preset encodes and which numbers are placeholders are in docs/presets.md.
Every expected value below is worked out in the comment or docstring next to it:
- ratio scoring: part = value / 基准值 × weight, so a firm at every 基准值 scores Σ weights = 100
  and doubling one indicator adds that indicator's weight;
- "mean" 基准值: a firm whose indicators all equal the list mean scores 100;
- 旌德 min–max: part = w × (20 + 80 × (x − min) / (max − min)) / 100;
- percentile classes: the k-th of n (best first) is A if k/n ≤ cuts[0], B ≤ cuts[1], C ≤ cuts[2], else D.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analysis.methods
from analysis.methods import list_methods, load_method
from analysis.methods.engine import evaluate_firms
from layers.uscc import uscc_check_char

PRESETS = Path(analysis.methods.__file__).resolve().parent / "presets"

PRESET_NAMES = {
    "huangyan-2022", "huangyan-2021", "wenling-2022", "huaian-2024",
    "changle-2023", "jingde", "ningbo-4-0", "jiangshan-2023",
}

# The enterprise layer's canonical columns, with the values a firm has unless a test says otherwise.
BASE = {
    "uscc": None, "name": None, "industry": "", "industry_code": "", "above_scale": True,
    "tax_10k_yuan": np.nan, "value_added_10k_yuan": np.nan, "output_10k_yuan": np.nan,
    "revenue_10k_yuan": np.nan, "profit_10k_yuan": np.nan, "energy_tce": np.nan, "emissions": np.nan,
    "electricity_kwh": np.nan, "rd_10k_yuan": np.nan, "tech_investment_10k_yuan": np.nan,
    "employees": np.nan, "land_area_mu": np.nan, "leased_in_mu": 0.0, "leased_out_mu": 0.0,
    "production_start_date": "2010-01-01", "listed": False, "utility": False,
}

APPROX = {"rel": 1e-9, "abs": 1e-9}


def uscc(n: int) -> str:
    """A valid 统一社会信用代码 numbered n."""
    payload = f"91330000{n:09d}"
    return payload + uscc_check_char(payload)


def above(tax_per_mu: float = 1.0, *, land: float = 10.0, va_per_mu: float = 10.0, va_per_energy: float = 2.0,
          va_per_emission: float = 100.0, labour: float = 10.0, rd_ratio: float = 0.02,
          revenue_per_mu: float = 50.0, kwh_per_mu: float = 10000.0, **extra) -> dict:
    """A 规上 firm's inputs built from the indicator values wanted (land = its evaluated area)."""
    va, revenue, tax = va_per_mu * land, revenue_per_mu * land, tax_per_mu * land
    row = {
        "above_scale": True, "land_area_mu": land, "tax_10k_yuan": tax, "value_added_10k_yuan": va,
        "output_10k_yuan": revenue, "revenue_10k_yuan": revenue, "profit_10k_yuan": 0.1 * revenue,
        "energy_tce": va / va_per_energy, "emissions": va / va_per_emission, "employees": va / labour,
        "rd_10k_yuan": rd_ratio * revenue, "tech_investment_10k_yuan": 1.0 * land,
        "electricity_kwh": kwh_per_mu * land,
    }
    row.update(extra)
    return row


def below(tax_per_mu: float = 1.0, **kw) -> dict:
    """A 规下 firm: the same inputs as `above`, 5 亩 unless told otherwise."""
    kw.setdefault("land", 5.0)
    row = above(tax_per_mu, **kw)
    row["above_scale"] = False
    return row


def firm_table(rows: list[dict]) -> pd.DataFrame:
    records = []
    for row in rows:
        record = dict(BASE)
        record.update(row)
        record.setdefault("name", None)
        if record["name"] is None:
            record["name"] = f"企业{record['uscc'][-4:]}"
        records.append(record)
    return pd.DataFrame.from_records(records, columns=list(BASE))


def evaluate(method: str, rows: list[dict], **kwargs) -> pd.DataFrame:
    """Evaluate `rows` with the preset `method`; the table indexed by uscc (one row per firm, in input order)."""
    firms = firm_table(rows)
    ev = evaluate_firms(firms, load_method(method), **kwargs)
    table = ev.table
    assert list(table["uscc"]) == list(firms["uscc"]), "one row per firm, in input order"
    return table.set_index("uscc", drop=False)


def events(*items: tuple[str, int, str, float]) -> pd.DataFrame:
    return pd.DataFrame(list(items), columns=["uscc", "year", "event", "points"])


def tenancy(*items: tuple[str, str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(list(items), columns=["tenant_uscc", "landlord_uscc", "parcel_id", "leased_area_mu"])


def no_class(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def assert_unranked(table: pd.DataFrame, code: str) -> None:
    row = table.loc[code]
    assert no_class(row["class"]), f"{code}: class {row['class']!r}, expected none"
    assert pd.isna(row["rank"]), f"{code}: rank {row['rank']!r}, expected <NA>"
    assert not bool(row["scored"])
    assert row["reason_not_scored"], "a firm left out says why"


def classes(table: pd.DataFrame, codes: list[str]) -> list:
    return [table.loc[c, "class"] for c in codes]


def ranks(table: pd.DataFrame, codes: list[str]) -> list[int]:
    return [int(table.loc[c, "rank"]) for c in codes]


# ---------------------------------------------------------------------------------- the catalogue


def test_list_methods_names_every_preset():
    listed = {m["name"]: m for m in list_methods()}
    assert PRESET_NAMES <= set(listed)
    for name in PRESET_NAMES:
        entry = listed[name]
        for key in ("title", "region", "source"):
            assert isinstance(entry[key], str) and entry[key], (name, key)
        assert isinstance(entry["year"], int), name


@pytest.mark.parametrize("name", sorted(PRESET_NAMES))
def test_every_preset_loads_by_name_and_by_path(name):
    path = PRESETS / f"{name}.toml"
    assert path.is_file()
    assert load_method(name) is not None
    assert load_method(path) is not None


@pytest.mark.parametrize("name", sorted(PRESET_NAMES))
def test_preset_files_say_where_they_come_from(name):
    """Each file names its notice and address; every placeholder is declared as an open point."""
    data = tomllib.loads((PRESETS / f"{name}.toml").read_text(encoding="utf-8"))
    method = data["method"]
    assert method["name"] == name
    assert method["url"].startswith("http")
    assert method["open_points"], "every preset here has rules the notice leaves open"
    for lst in data["lists"]:
        assert sum(lst["weights"]) == lst["weights_sum"]
        assert len(lst["weights"]) == len(lst["indicators"])


def test_preset_numbers_are_the_notices_numbers():
    """The figures transcribed from the notices (docs/presets.md), read straight from the files."""
    def lists(name):
        return {lst["name"]: lst for lst in tomllib.loads((PRESETS / f"{name}.toml").read_text("utf-8"))["lists"]}

    hy22, hy21 = lists("huangyan-2022"), lists("huangyan-2021")
    assert hy22["above"]["weights"] == [30, 20, 20, 10, 10, 10]
    assert hy22["above"]["benchmarks"] == [24.097, 136.16, 2.694, 4929.81, 18.14, 0.0302]
    assert hy22["below"]["benchmarks"] == [11.5932, 0.2352]
    assert hy21["above"]["benchmarks"] == [26.01, 132.27, 2.54, 4861.08, 17.45, 0.0305]
    assert hy21["below"]["benchmarks"] == [16.601058, 0.236565]
    assert lists("huaian-2024")["all"]["weights"] == [45, 35, 20]
    assert lists("changle-2023")["above"]["classes"]["cuts"] == [0.20, 0.75, 0.95]
    wl = lists("wenling-2022")
    assert wl["above"]["classes"]["cuts"] == [0.20, 0.80, 0.95]
    assert wl["below"]["classes"]["cuts"] == [0.05, 0.75, 0.95]
    assert lists("jingde")["above"]["minmax_floor"] == 20


# ---------------------------------------------------------------------------------- 黄岩 2022

HY22_ABOVE = dict(tax_per_mu=24.097, va_per_mu=136.16, va_per_energy=2.694, va_per_emission=4929.81,
                  labour=18.14, rd_ratio=0.0302)
HY22_BELOW = dict(tax_per_mu=11.5932, tax_per_kwh=0.2352)


def huangyan_below(tax_per_mu: float, tax_per_kwh: float, land: float = 5.0, **extra) -> dict:
    """A 规下 firm with exactly these 亩均税收 (万元/亩) and 单位电耗税收 (元/kWh)."""
    tax = tax_per_mu * land
    row = {"above_scale": False, "land_area_mu": land, "tax_10k_yuan": tax,
           "electricity_kwh": tax * 10000 / tax_per_kwh, "revenue_10k_yuan": 40.0 * land}
    row.update(extra)
    return row


def test_huangyan_2022_firm_at_every_benchmark_scores_100():
    a, b = uscc(1), uscc(2)
    t = evaluate("huangyan-2022", [{"uscc": a, **above(**HY22_ABOVE)}, {"uscc": b, **huangyan_below(**HY22_BELOW)}])
    assert t.loc[a, "list"] == "above" and t.loc[b, "list"] == "below"
    assert t.loc[a, "score"] == pytest.approx(100.0, **APPROX)      # 30+20+20+10+10+10
    assert t.loc[b, "score"] == pytest.approx(100.0, **APPROX)      # 50+50
    assert t.loc[a, "tax_per_mu"] == pytest.approx(24.097, **APPROX)
    assert t.loc[a, "tax_per_mu_benchmark"] == pytest.approx(24.097, **APPROX)
    assert t.loc[a, "tax_per_mu_weight"] == pytest.approx(30.0, **APPROX)
    assert t.loc[a, "tax_per_mu_part"] == pytest.approx(30.0, **APPROX)
    assert t.loc[b, "tax_per_kwh_part"] == pytest.approx(50.0, **APPROX)


def test_huangyan_2022_double_tax_adds_its_weight():
    """2 × 亩均税收, everything else at 基准值: 规上 100 + 30 = 130, 规下 100 + 50 = 150."""
    a, b = uscc(1), uscc(2)
    hy_above = {**HY22_ABOVE, "tax_per_mu": 2 * 24.097}
    # 规下: doubling tax per mu at the same electricity use doubles 单位电耗税收 too, so double the kWh
    t = evaluate("huangyan-2022", [
        {"uscc": a, **above(**hy_above)},
        {"uscc": b, **huangyan_below(2 * 11.5932, 0.2352)},
    ])
    assert t.loc[a, "score"] == pytest.approx(130.0, **APPROX)
    assert t.loc[a, "tax_per_mu_part"] == pytest.approx(60.0, **APPROX)
    assert t.loc[b, "score"] == pytest.approx(150.0, **APPROX)


def test_huangyan_2022_missing_emissions_take_the_group_mean_score():
    """黄岩: a 规上 firm without emission data gets the 规上 average score on 单位排放增加值.
    A at every 基准值 (emission part 10); B also 2 × 单位排放增加值 (part 20) and 2 × 亩均税收 → 140;
    C at 基准值 but no emissions → 90 + (10 + 20) / 2 = 105."""
    a, b, c = uscc(1), uscc(2), uscc(3)
    t = evaluate("huangyan-2022", [
        {"uscc": a, **above(**HY22_ABOVE)},
        {"uscc": b, **above(**{**HY22_ABOVE, "tax_per_mu": 2 * 24.097, "va_per_emission": 2 * 4929.81})},
        {"uscc": c, **above(**HY22_ABOVE), "emissions": np.nan},
    ])
    assert t.loc[a, "score"] == pytest.approx(100.0, **APPROX)
    assert t.loc[b, "score"] == pytest.approx(140.0, **APPROX)
    assert t.loc[c, "value_added_per_emission_part"] == pytest.approx(15.0, **APPROX)
    assert t.loc[c, "score"] == pytest.approx(105.0, **APPROX)


def test_huangyan_2022_percentile_classes_and_new_firm_protection():
    """Five 规上 firms at m × 亩均税收 (m = 5…1) score 100 + 30 (m − 1) = 220, 190, 160, 130, 100;
    k/n = 0.2, 0.4, 0.6, 0.8, 1.0 → A, B, B, C, D. The last one in production for one year only is
    never D (Landpark's default rule, kept by the preset) → C."""
    codes = [uscc(i) for i in range(1, 6)]
    rows = [{"uscc": c, **above(**{**HY22_ABOVE, "tax_per_mu": m * 24.097})} for c, m in zip(codes, [5, 4, 3, 2, 1])]
    t = evaluate("huangyan-2022", rows)
    assert [t.loc[c, "score"] for c in codes] == pytest.approx([220.0, 190.0, 160.0, 130.0, 100.0], **APPROX)
    assert ranks(t, codes) == [1, 2, 3, 4, 5]
    assert classes(t, codes) == ["A", "B", "B", "C", "D"]

    rows[-1]["production_start_date"] = "2022-06-30"
    t = evaluate("huangyan-2022", rows, evaluation_date="2023-06-30")
    assert classes(t, codes) == ["A", "B", "B", "C", "C"]


# ---------------------------------------------------------------------------------- 黄岩 2021


def test_huangyan_2021_uses_the_2021_benchmarks():
    """At the 2021 基准值: 100; 2 × 亩均税收: 130 (规上), 150 (规下)."""
    hy21 = dict(tax_per_mu=26.01, va_per_mu=132.27, va_per_energy=2.54, va_per_emission=4861.08,
                labour=17.45, rd_ratio=0.0305)
    a, a2, b, b2 = uscc(1), uscc(2), uscc(3), uscc(4)
    t = evaluate("huangyan-2021", [
        {"uscc": a, **above(**hy21)},
        {"uscc": a2, **above(**{**hy21, "tax_per_mu": 2 * 26.01})},
        {"uscc": b, **huangyan_below(16.601058, 0.236565)},
        {"uscc": b2, **huangyan_below(2 * 16.601058, 0.236565)},
    ])
    assert t.loc[a, "score"] == pytest.approx(100.0, **APPROX)
    assert t.loc[a2, "score"] == pytest.approx(130.0, **APPROX)
    assert t.loc[b, "score"] == pytest.approx(100.0, **APPROX)
    assert t.loc[b2, "score"] == pytest.approx(150.0, **APPROX)
    assert t.loc[a, "tax_per_mu_benchmark"] == pytest.approx(26.01, **APPROX)


# ---------------------------------------------------------------------------------- 温岭 2022


def test_wenling_2022_classes_are_cut_within_each_sector():
    """规上, five 纺织 firms (亩均税收 5…1) and five 泵 firms (15…11), all else equal. Within each sector
    k/n = 0.2, 0.4, 0.6, 0.8, 1.0 with 温岭's 规上 cuts 20 / 80 / 95 → A, B, B, B, D. The best 纺织 firm
    is A although every 泵 firm scores more (pooled it would be 6th of 10 → B)."""
    textile = [uscc(i) for i in range(1, 6)]
    pumps = [uscc(i) for i in range(11, 16)]
    rows = [{"uscc": c, "industry": "棉纺织", "industry_code": "1711", **above(m)} for c, m in zip(textile, [5, 4, 3, 2, 1])]
    rows += [{"uscc": c, "industry": "泵制造", "industry_code": "3441", **above(m)} for c, m in zip(pumps, [15, 14, 13, 12, 11])]
    t = evaluate("wenling-2022", rows)
    assert set(t.loc[textile, "sector"]) == {"纺织鞋帽橡塑"}
    assert set(t.loc[pumps, "sector"]) == {"泵、阀门动力机械通用设备"}
    assert max(t.loc[textile, "score"]) < min(t.loc[pumps, "score"])
    assert classes(t, textile) == ["A", "B", "B", "B", "D"]
    assert classes(t, pumps) == ["A", "B", "B", "B", "D"]


def test_wenling_2022_below_scale_cut_offs():
    """规下 cuts 5 / 75 / 95: five 金属 firms, k/n = 0.2 … 1.0 → B, B, B, C, D (none is in the top 5 %)."""
    codes = [uscc(i) for i in range(1, 6)]
    rows = [{"uscc": c, "industry": "金属制品", "industry_code": "3311", **below(m)} for c, m in zip(codes, [5, 4, 3, 2, 1])]
    t = evaluate("wenling-2022", rows)
    assert set(t.loc[codes, "sector"]) == {"金属及金属制品生产、冶炼、加工"}
    assert classes(t, codes) == ["B", "B", "B", "C", "D"]


def test_wenling_2022_above_scale_landlord_loses_5_per_tenant_after_the_first():
    """Two identical 规上 firms L and M score 100 each against the list mean; L rents to three 规下
    firms: the first is free, the other two cost 5 each → 90. The tenants, all alike, score 100."""
    landlord, other = uscc(1), uscc(2)
    tenants = [uscc(i) for i in range(11, 14)]
    rows = [{"uscc": landlord, **above(2.0, land=20.0, leased_out_mu=6.0)}, {"uscc": other, **above(2.0, land=20.0)}]
    rows += [{"uscc": c, **below(1.0, land=2.0, land_area_mu=0.0, leased_in_mu=2.0)} for c in tenants]
    lease = tenancy(*[(c, landlord, "P1", 2.0) for c in tenants])
    t = evaluate("wenling-2022", rows, tenancy=lease)
    assert t.loc[other, "score"] == pytest.approx(100.0, **APPROX)
    assert t.loc[landlord, "score"] == pytest.approx(90.0, **APPROX)
    assert len(t.loc[landlord, "adjustments"]) >= 1
    for c in tenants:
        assert t.loc[c, "score"] == pytest.approx(100.0, **APPROX)


def test_wenling_2022_below_scale_landlord_loses_10_then_5():
    """A 规下 landlord renting to two 规下 firms: 10 for the first + 5 for the second → 100 − 15 = 85.
    Every 规下 firm has the same 亩均税收, 亩均营业收入 and 单位用电营业收入, so all score 100 before."""
    landlord, other = uscc(1), uscc(2)
    tenants = [uscc(11), uscc(12)]
    rows = [{"uscc": landlord, **below(1.0, land=10.0, leased_out_mu=4.0)}, {"uscc": other, **below(1.0, land=10.0)}]
    rows += [{"uscc": c, **below(1.0, land=2.0, land_area_mu=0.0, leased_in_mu=2.0)} for c in tenants]
    lease = tenancy(*[(c, landlord, "P7", 2.0) for c in tenants])
    t = evaluate("wenling-2022", rows, tenancy=lease)
    assert t.loc[other, "score"] == pytest.approx(100.0, **APPROX)
    assert t.loc[landlord, "score"] == pytest.approx(85.0, **APPROX)
    for c in tenants:
        assert t.loc[c, "score"] == pytest.approx(100.0, **APPROX)


# ---------------------------------------------------------------------------------- 淮安 2024

# Fallback 基准值 of the preset (placeholders: 2 × 铜陵 2021 means), used when no previous year is known.
HA_TAX, HA_REV, HA_TCE = 28.10, 1207.4, 0.168


def huaian_firm(tax_x: float = 1.0, land: float = 10.0, **extra) -> dict:
    """A 规上 firm at tax_x × the 亩均税收 基准值, the 亩均销售收入 基准值 and the 单位能耗税收 基准值."""
    tax = tax_x * HA_TAX * land
    row = {"above_scale": True, "land_area_mu": land, "tax_10k_yuan": tax, "revenue_10k_yuan": HA_REV * land,
           "energy_tce": tax / HA_TCE, "value_added_10k_yuan": 0.2 * HA_REV * land, "employees": 50.0}
    row.update(extra)
    return row


def test_huaian_2024_scores_against_the_benchmarks():
    """Weights 45 / 35 / 20: at every 基准值 → 100; 2 × 亩均税收 (energy doubled too, so 单位能耗税收
    stays at its 基准值) → 100 + 45 = 145."""
    a, b = uscc(1), uscc(2)
    t = evaluate("huaian-2024", [{"uscc": a, **huaian_firm(1.0)}, {"uscc": b, **huaian_firm(2.0)}])
    assert t.loc[a, "score"] == pytest.approx(100.0, **APPROX)
    assert t.loc[b, "score"] == pytest.approx(145.0, **APPROX)
    assert t.loc[a, "tax_per_mu_benchmark"] == pytest.approx(HA_TAX, **APPROX)
    assert t.loc[b, "tax_per_mu_part"] == pytest.approx(90.0, **APPROX)


def test_huaian_2024_t_class_firms_get_no_class_and_no_rank():
    """T类 (水电气 utilities; in production < 2 years) are outside the ranking. Five other firms at
    m × 亩均税收 (m = 5…1) score 45m + 55 = 280, 235, 190, 145, 100 and are ranked 1…5 among
    themselves → A, B, B, C, D, although the utility and the new firm score more."""
    codes = [uscc(i) for i in range(1, 6)]
    utility, new = uscc(21), uscc(22)
    rows = [{"uscc": c, **huaian_firm(m)} for c, m in zip(codes, [5, 4, 3, 2, 1])]
    rows.append({"uscc": utility, **huaian_firm(10.0), "utility": True, "industry": "电力供应", "industry_code": "4420"})
    rows.append({"uscc": new, **huaian_firm(8.0), "production_start_date": "2024-03-01"})
    t = evaluate("huaian-2024", rows, evaluation_date="2024-12-31")
    assert [t.loc[c, "score"] for c in codes] == pytest.approx([280.0, 235.0, 190.0, 145.0, 100.0], **APPROX)
    assert ranks(t, codes) == [1, 2, 3, 4, 5]
    assert classes(t, codes) == ["A", "B", "B", "C", "D"]
    assert_unranked(t, utility)
    assert_unranked(t, new)


def test_huaian_2024_plus_and_minus_points_from_events():
    """加分项 and 减分项 carry their points in the events layer: at 基准值 (100) + 3 (科技创新) = 103;
    − 5 (a county 减分项) = 95; + 2 (安全生产) + 1 (节能降碳) = 103."""
    x, y, z = uscc(1), uscc(2), uscc(3)
    ev = events((x, 2024, "科技创新", 3.0), (y, 2024, "减分项", -5.0), (z, 2024, "安全生产", 2.0), (z, 2024, "节能降碳", 1.0))
    t = evaluate("huaian-2024", [{"uscc": c, **huaian_firm(1.0)} for c in (x, y, z)],
                 evaluation_date="2024-12-31", events=ev)
    assert t.loc[x, "score"] == pytest.approx(103.0, **APPROX)
    assert t.loc[y, "score"] == pytest.approx(95.0, **APPROX)
    assert t.loc[z, "score"] == pytest.approx(103.0, **APPROX)


# ---------------------------------------------------------------------------------- 昌乐 2023


def changle_firms(n: int) -> tuple[list[str], list[dict]]:
    """n 规上 firms that differ only in 亩均税收 (n, n−1, …, 1): ranked 1…n in that order."""
    codes = [uscc(i) for i in range(1, n + 1)]
    return codes, [{"uscc": c, **above(float(n - i))} for i, c in enumerate(codes)]


def test_changle_2023_cut_offs_20_75_95():
    """Four firms: k/n = 0.25, 0.5, 0.75, 1.0 → B, B, B (0.75 ≤ 75 %), D."""
    codes, rows = changle_firms(4)
    t = evaluate("changle-2023", rows)
    assert ranks(t, codes) == [1, 2, 3, 4]
    assert classes(t, codes) == ["B", "B", "B", "D"]


@pytest.mark.parametrize("event", ["安全生产事故", "环境事故", "能耗未达标"])
def test_changle_2023_veto_caps_the_best_firm_at_c(event):
    """Five firms → A, B, B, C, D by rank; the first had an accident or missed its energy target:
    it cannot be A or B → C. Its rank and the others' classes do not change."""
    codes, rows = changle_firms(5)
    t = evaluate("changle-2023", rows, evaluation_date="2023-12-31", events=events((codes[0], 2023, event, 0.0)))
    assert ranks(t, codes) == [1, 2, 3, 4, 5]
    assert classes(t, codes) == ["C", "B", "B", "C", "D"]


@pytest.mark.parametrize("event", ["新建企业", "小升规", "重大项目在建"])
def test_changle_2023_protection_lifts_the_last_firm_to_c(event):
    """New firms, 小升规 firms and major projects under construction are never D: the last of five → C."""
    codes, rows = changle_firms(5)
    t = evaluate("changle-2023", rows, evaluation_date="2023-12-31", events=events((codes[-1], 2023, event, 0.0)))
    assert classes(t, codes) == ["A", "B", "B", "C", "C"]


def test_changle_2023_utilities_are_not_evaluated():
    codes, rows = changle_firms(5)
    gas = uscc(30)
    rows.append({"uscc": gas, **above(50.0), "utility": True, "industry": "燃气生产和供应", "industry_code": "4511"})
    t = evaluate("changle-2023", rows)
    assert_unranked(t, gas)
    assert ranks(t, codes) == [1, 2, 3, 4, 5]


# ---------------------------------------------------------------------------------- 旌德


def test_jingde_minmax_points_three_firms():
    """规上 weights (placeholders) 20, 20, 20, 10, 10, 10, 10; part = w × (20 + 80 f) / 100 with
    f = (x − min) / (max − min) over the three firms:

    | indicator              | A     | B     | C     | f(A), f(B), f(C) |
    | 亩均税收               | 1     | 3     | 2     | 0, 1, 1/2        |
    | 亩均营业收入           | 100   | 200   | 400   | 0, 1/3, 1        |
    | 亩均技术改造投资       | 5     | 0     | 2     | 1, 0, 2/5        |
    | 全员劳动生产率         | 20    | 10    | 40    | 1/3, 0, 1        |
    | 单位污染物排放营业收入 | 100   | 400   | 200   | 0, 1, 1/3        |
    | R&D 占营业收入         | 0.01  | 0.03  | 0.02  | 0, 1, 1/2        |
    | 单位能耗营业收入       | 10    | 40    | 20    | 0, 1, 1/3        |

    A = 4 + 4 + 20 + 14/3 + 2 + 2 + 2 = 116/3; B = 20 + 28/3 + 4 + 2 + 10 + 10 + 10 = 196/3;
    C = 12 + 20 + 10.4 + 10 + 14/3 + 6 + 14/3 = 58.4 + 28/3."""
    a, b, c = uscc(1), uscc(2), uscc(3)
    common = {"above_scale": True, "land_area_mu": 10.0, "employees": 10.0}
    rows = [
        {"uscc": a, **common, "tax_10k_yuan": 10.0, "revenue_10k_yuan": 1000.0, "tech_investment_10k_yuan": 50.0,
         "value_added_10k_yuan": 200.0, "emissions": 10.0, "energy_tce": 100.0, "rd_10k_yuan": 10.0},
        {"uscc": b, **common, "tax_10k_yuan": 30.0, "revenue_10k_yuan": 2000.0, "tech_investment_10k_yuan": 0.0,
         "value_added_10k_yuan": 100.0, "emissions": 5.0, "energy_tce": 50.0, "rd_10k_yuan": 60.0},
        {"uscc": c, **common, "tax_10k_yuan": 20.0, "revenue_10k_yuan": 4000.0, "tech_investment_10k_yuan": 20.0,
         "value_added_10k_yuan": 400.0, "emissions": 20.0, "energy_tce": 200.0, "rd_10k_yuan": 80.0},
    ]
    t = evaluate("jingde", rows)
    assert t.loc[a, "tech_investment_per_mu"] == pytest.approx(5.0, **APPROX)
    assert t.loc[a, "revenue_per_emission"] == pytest.approx(100.0, **APPROX)
    assert t.loc[b, "revenue_per_tce"] == pytest.approx(40.0, **APPROX)
    assert t.loc[a, "tech_investment_per_mu_part"] == pytest.approx(20.0, **APPROX)
    assert t.loc[b, "tech_investment_per_mu_part"] == pytest.approx(4.0, **APPROX)
    assert t.loc[c, "tech_investment_per_mu_part"] == pytest.approx(10.4, **APPROX)
    assert t.loc[a, "score"] == pytest.approx(116 / 3, **APPROX)
    assert t.loc[b, "score"] == pytest.approx(196 / 3, **APPROX)
    assert t.loc[c, "score"] == pytest.approx(58.4 + 28 / 3, **APPROX)
    assert ranks(t, [c, b, a]) == [1, 2, 3]


def test_jingde_below_scale_from_5_mu_floor_20_and_extra_points():
    """规下 firms on ≥ 5 亩 only. Q beats P on all three indicators: Q = Σ w = 100, P = Σ w × 20 / 100 = 20
    (the floor); Q's 附加分 of 5 → 105. R (4 亩) is in no list; the utility is not evaluated."""
    p, q, r, u = uscc(1), uscc(2), uscc(3), uscc(4)
    rows = [
        {"uscc": p, "above_scale": False, "land_area_mu": 5.0, "tax_10k_yuan": 5.0, "revenue_10k_yuan": 100.0,
         "energy_tce": 10.0, "emissions": 10.0},
        {"uscc": q, "above_scale": False, "land_area_mu": 8.0, "tax_10k_yuan": 16.0, "revenue_10k_yuan": 400.0,
         "energy_tce": 20.0, "emissions": 20.0},
        {"uscc": r, "above_scale": False, "land_area_mu": 4.0, "tax_10k_yuan": 40.0, "revenue_10k_yuan": 400.0,
         "energy_tce": 20.0, "emissions": 20.0},
        # the utility's values lie between P's and Q's, so min and max are the same with or without it
        {"uscc": u, "above_scale": False, "land_area_mu": 20.0, "tax_10k_yuan": 30.0, "revenue_10k_yuan": 300.0,
         "energy_tce": 20.0, "emissions": 20.0, "utility": True, "industry": "污水处理", "industry_code": "4620"},
    ]
    t = evaluate("jingde", rows)
    assert t.loc[p, "list"] == "below" and t.loc[q, "list"] == "below"
    assert t.loc[p, "score"] == pytest.approx(20.0, **APPROX)
    assert t.loc[q, "score"] == pytest.approx(100.0, **APPROX)
    assert no_class(t.loc[r, "list"]) and not bool(t.loc[r, "scored"]) and t.loc[r, "reason_not_scored"]
    assert_unranked(t, u)

    t = evaluate("jingde", rows, evaluation_date="2022-12-31", events=events((q, 2022, "附加分", 5.0)))
    assert t.loc[q, "score"] == pytest.approx(105.0, **APPROX)
    assert t.loc[p, "score"] == pytest.approx(20.0, **APPROX)


# ---------------------------------------------------------------------------------- 宁波 4.0


def test_ningbo_4_0_four_lists():
    """规上 (with or without land of its own) → 规上; 规下 with ≥ 3 亩 of its own (3 included) → ≥ 3 亩;
    规下 with 0 < own < 3 亩 → < 3 亩; 规下 with no land of its own, leasing → 租赁. Firms in one list
    have the same indicator values, so each scores 100 against its list mean. A 规下 firm with no land
    and no lease is in no list and not scored."""
    a1, a2, b, b3, c, d, e = (uscc(i) for i in range(1, 8))
    rows = [
        {"uscc": a1, **above(3.0, land=10.0, leased_out_mu=4.0)},
        {"uscc": a2, **above(3.0, land=4.0, land_area_mu=0.0, leased_in_mu=4.0)},
        {"uscc": b, **below(2.0, land=5.0, leased_out_mu=1.5)},
        {"uscc": b3, **below(2.0, land=3.0)},
        {"uscc": c, **below(2.0, land=2.0)},
        {"uscc": d, **below(2.0, land=1.5, land_area_mu=0.0, leased_in_mu=1.5)},
        {"uscc": e, **below(2.0, land=1.0, land_area_mu=0.0)},
    ]
    lease = tenancy((a2, a1, "P1", 4.0), (d, b, "P2", 1.5))
    t = evaluate("ningbo-4-0", rows, tenancy=lease)
    expected = {a1: "above", a2: "above", b: "below_ge3", b3: "below_ge3", c: "below_lt3", d: "tenant"}
    assert {code: t.loc[code, "list"] for code in expected} == expected
    assert t.loc[d, "list_label"] == "租赁企业（名下无工业用地）"
    for code in expected:
        assert t.loc[code, "score"] == pytest.approx(100.0, **APPROX), code
    assert no_class(t.loc[e, "list"])
    assert not bool(t.loc[e, "scored"]) and t.loc[e, "reason_not_scored"]


# ---------------------------------------------------------------------------------- 江山 2023


def test_jiangshan_2023_below_scale_tenant_follows_its_landlord():
    """规上: L (亩均税收 10) and F1…F3 (4, 3, 2) and U (1, a 规上 tenant of L) → A, B, B, C, D.
    规下: G1…G4 and T, T the weakest and a 规下 tenant of L. T takes L's class A; U, being 规上, keeps D."""
    landlord, f1, f2, f3, up = (uscc(i) for i in range(1, 6))
    g = [uscc(i) for i in range(11, 15)]
    tenant = uscc(20)
    rows = [
        {"uscc": landlord, **above(10.0, land=20.0, leased_out_mu=4.0)},
        {"uscc": f1, **above(4.0)}, {"uscc": f2, **above(3.0)}, {"uscc": f3, **above(2.0)},
        {"uscc": up, **above(1.0, land=2.0, land_area_mu=0.0, leased_in_mu=2.0)},
    ]
    rows += [{"uscc": code, **below(m)} for code, m in zip(g, [5.0, 4.0, 3.0, 2.0])]
    rows.append({"uscc": tenant, **below(0.5, land=2.0, land_area_mu=0.0, leased_in_mu=2.0)})
    lease = tenancy((up, landlord, "P1", 2.0), (tenant, landlord, "P1", 2.0))
    t = evaluate("jiangshan-2023", rows, tenancy=lease)
    assert classes(t, [landlord, f1, f2, f3, up]) == ["A", "B", "B", "C", "D"]
    assert t.loc[tenant, "list"] == "below"
    assert t.loc[tenant, "class"] == "A"


def test_jiangshan_2023_utilities_and_new_firms_are_left_out():
    """公用工程类 and 新成立 (here: in production < 2 years) firms are not evaluated; the other four
    规上 firms are ranked 1…4 among themselves."""
    codes = [uscc(i) for i in range(1, 5)]
    utility, new = uscc(21), uscc(22)
    rows = [{"uscc": c, **above(m)} for c, m in zip(codes, [4.0, 3.0, 2.0, 1.0])]
    rows.append({"uscc": utility, **above(9.0), "utility": True, "industry": "自来水生产和供应", "industry_code": "4610"})
    rows.append({"uscc": new, **above(8.0), "production_start_date": "2023-01-01"})
    t = evaluate("jiangshan-2023", rows, evaluation_date="2023-12-31")
    assert ranks(t, codes) == [1, 2, 3, 4]
    assert_unranked(t, utility)
    assert_unranked(t, new)
