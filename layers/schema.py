"""Layer kinds (docs/methods.md §10) and their fields: names, types, required-ness, allowed values.

The schema is data, not code paths: readers, validation and the project store all
consult it, so a new field is added here once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from spatial.errors import UsageError

FieldType = Literal["str", "float", "int", "date", "bool"]
GeometryKind = Literal["polygon", "line", "point", "point_or_none"]

SUPPLY_STATUSES = ("unsupplied", "supplied", "built", "idle")
LINE_LEVELS = ("red", "blue")
PARK_KINDS = ("comprehensive", "specialty", "cluster_zone")
CONSTRAINT_KINDS = ("urban_boundary", "permanent_farmland", "ecological_redline")
LAND_USE_CATEGORIES = ("industrial", "m0", "warehouse", "residential", "commercial", "public", "other")
# 批准级别 of a development zone as bureaus list them (开发区审核公告目录: 国家级 / 省级; 市级 and 县级 locally).
APPROVAL_LEVELS = ("国家级", "省级", "市级", "县级")
# 供地方式 as bureaus write it (the Chinese terms are the codes, as for 批准级别, so a 供地 table imports as it is):
# 出让 (招拍挂/协议), 弹性年期出让 (a grant for less than the statutory maximum term), 先租后让 (leased first,
# granted once the agreed conditions are met), 租赁 (国有土地租赁), 划拨, 其他 (作价出资、授权经营 …).
# 效益报表 period of a firm row: 上半年 / 下半年; no value = the whole year (the annual 亩均 data).
HALVES = ("1", "2")
SUPPLY_TYPES = ("出让", "弹性年期出让", "先租后让", "租赁", "划拨", "其他")
# Supply types with a term short enough that its expiry matters to the bureau (docs/methods.md §4.4).
FLEXIBLE_SUPPLY_TYPES = ("弹性年期出让", "先租后让", "租赁")


@dataclass(frozen=True)
class FieldSpec:
    """One attribute of a layer kind."""

    name: str
    type: FieldType = "str"
    required: bool = False
    choices: tuple[str, ...] | None = None
    label_zh: str = ""
    unit: str = ""


@dataclass(frozen=True)
class LayerSpec:
    """A layer kind: its geometry, id field and attributes."""

    kind: str
    label_zh: str
    geometry: GeometryKind
    id_field: str | None
    fields: tuple[FieldSpec, ...] = field(default_factory=tuple)
    evaluation_unit: bool = False
    # Groups of fields of which every row needs at least one (tenancy: the landlord's code or the parcel id).
    # A row with none of a group is an error for that row (not blocking); a source with no column for any
    # field of a group is missing a field (blocking), like a required field.
    required_any: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        unknown = {n for group in self.required_any for n in group} - set(self.field_names)
        if unknown:
            raise AssertionError(f"layer kind {self.kind}: required_any names unknown field(s) {sorted(unknown)}")

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def get(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields if f.required]


F = FieldSpec

LAYERS: dict[str, LayerSpec] = {
    s.kind: s
    for s in [
        LayerSpec(
            "protection_lines", "工业用地保护线", "polygon", "line_id",
            (
                F("line_id", required=True, label_zh="控制线编号"),
                F("name", label_zh="名称"),
                F("level", required=True, choices=LINE_LEVELS, label_zh="级别"),
                F("min_industrial_share", "float", label_zh="工业用地占比下限"),
            ),
            evaluation_unit=True,
        ),
        LayerSpec(
            "parks", "产业园区", "polygon", "park_id",
            (
                F("park_id", required=True, label_zh="园区编号"),
                F("name", required=True, label_zh="园区名称"),
                F("kind", choices=PARK_KINDS, label_zh="园区类型"),
                F("level", choices=APPROVAL_LEVELS, label_zh="批准级别"),
                F("leading_industries", label_zh="主导产业"),
                F("approved_area_mu", "float", label_zh="核准面积", unit="亩"),
                F("approval_date", "date", label_zh="批准时间"),
                F("zone_code", label_zh="开发区代码"),
            ),
            evaluation_unit=True,
        ),
        LayerSpec(
            "micro_parks", "小微产业创新园", "polygon", "park_id",
            (
                F("park_id", required=True, label_zh="园区编号"),
                F("name", required=True, label_zh="园区名称"),
                F("leading_industries", label_zh="主导产业"),
                F("floor_area_m2", "float", label_zh="建筑面积", unit="m²"),
                F("occupancy_rate", "float", label_zh="入驻率"),
                F("status", label_zh="状态"),
            ),
            evaluation_unit=True,
        ),
        LayerSpec(
            "future_communities", "未来工业社区", "polygon", "community_id",
            (
                F("community_id", required=True, label_zh="社区编号"),
                F("name", required=True, label_zh="社区名称"),
                F("leading_industries", label_zh="主导产业"),
                F("status", label_zh="状态"),
            ),
            evaluation_unit=True,
        ),
        LayerSpec(
            "parcels", "宗地", "polygon", "parcel_id",
            (
                F("parcel_id", required=True, label_zh="宗地编号"),
                F("land_use", required=True, label_zh="地类编码"),
                F("land_use_category", choices=LAND_USE_CATEGORIES, label_zh="用地类别"),
                F("supply_status", required=True, choices=SUPPLY_STATUSES, label_zh="供地状态"),
                F("approval_id", label_zh="批次号"),
                F("supply_date", "date", label_zh="供地日期"),
                F("agreed_start_date", "date", label_zh="约定开工日期"),
                F("floor_area_m2", "float", label_zh="建筑面积", unit="m²"),
                F("footprint_m2", "float", label_zh="建筑基底面积", unit="m²"),
                F("owner_uscc", label_zh="权利人统一社会信用代码"),
                F("owner_name", label_zh="权利人名称"),
                # optional: the supply mix (analysis/supply_mix.py); projects without them keep importing
                F("supply_type", choices=SUPPLY_TYPES, label_zh="供地方式"),
                F("lease_term_years", "float", label_zh="土地使用年限", unit="年"),
                F("lease_start_date", "date", label_zh="使用权起始日期"),
                F("lease_end_date", "date", label_zh="使用权终止日期"),
                # 标准地: the control indicators the parcel was sold with (出让合同 / 投资协议) and the agreed date of
                # full production (达产), checked against the linked firm's actual figures after that date.
                F("standard_land", "bool", label_zh="标准地"),
                F("committed_investment_intensity", "float", label_zh="承诺固定资产投资强度", unit="万元/亩"),
                F("committed_far_min", "float", label_zh="承诺容积率下限"),
                F("committed_tax_per_mu", "float", label_zh="承诺亩均税收", unit="万元/亩"),
                F("committed_value_added_per_energy", "float", label_zh="承诺单位能耗工业增加值", unit="万元/吨标煤"),
                F("committed_value_added_per_emission", "float", label_zh="承诺单位排放工业增加值", unit="万元/吨"),
                F("committed_rd_ratio", "float", label_zh="承诺研发经费投入占比"),
                F("production_due_date", "date", label_zh="约定达产日期"),
            ),
        ),
        LayerSpec(
            "land_approvals", "建设用地批次", "polygon", "approval_id",
            (
                F("approval_id", required=True, label_zh="批次号"),
                F("approved_date", "date", required=True, label_zh="批准日期"),
                F("approved_area_mu", "float", label_zh="批准面积", unit="亩"),
            ),
        ),
        LayerSpec(
            "enterprises", "企业", "point_or_none", "uscc",
            (
                F("uscc", required=True, label_zh="统一社会信用代码"),
                F("name", label_zh="企业名称"),
                F("industry", label_zh="行业"),
                F("industry_code", label_zh="行业代码 (GB/T 4754)"),
                F("above_scale", "bool", label_zh="规上企业"),
                F("year", "int", label_zh="年度"),
                F("half", choices=HALVES, label_zh="半年度"),
                F("tax_10k_yuan", "float", label_zh="实缴税金", unit="万元"),
                F("value_added_10k_yuan", "float", label_zh="工业增加值", unit="万元"),
                F("output_10k_yuan", "float", label_zh="工业总产值", unit="万元"),
                F("revenue_10k_yuan", "float", label_zh="主营业务收入", unit="万元"),
                F("profit_10k_yuan", "float", label_zh="利润总额", unit="万元"),
                F("energy_tce", "float", label_zh="综合能耗", unit="吨标煤"),
                F("emissions", "float", label_zh="主要污染物排放量", unit="吨"),
                F("electricity_kwh", "float", label_zh="用电量", unit="kWh"),
                F("rd_10k_yuan", "float", label_zh="R&D经费支出", unit="万元"),
                F("tech_investment_10k_yuan", "float", label_zh="技术改造投资", unit="万元"),
                F("fixed_investment_10k_yuan", "float", label_zh="固定资产投资（累计）", unit="万元"),
                F("employees", "float", label_zh="年平均职工人数", unit="人"),
                F("land_area_mu", "float", label_zh="用地面积", unit="亩"),
                F("leased_in_mu", "float", label_zh="租入面积", unit="亩"),
                F("leased_out_mu", "float", label_zh="出租面积", unit="亩"),
                F("production_start_date", "date", label_zh="投产日期"),
                F("listed", "bool", label_zh="上市企业"),
                F("utility", "bool", label_zh="公用事业企业"),  # 水电气等公用企业
            ),
        ),
        # 链主企业: the firms that lead an industry chain of a cluster (cluster and segment named as in the
        # project's [clusters] settings). One row per firm and cluster.
        LayerSpec(
            "chain_leaders", "链主企业", "point_or_none", None,
            (F("uscc", required=True, label_zh="统一社会信用代码"), F("cluster", required=True, label_zh="产业集群"),
             F("segment", label_zh="产业链环节"), F("note", label_zh="说明")),
        ),
        # Firm ↔ parcel link table (credit code ↔ parcel id): overrides the owner code/name matching of
        # analysis/land_links.py. One row per link; a parcel listed under several codes is reported, not linked.
        LayerSpec(
            "land_links", "企业宗地关联表", "point_or_none", None,
            (F("uscc", required=True, label_zh="统一社会信用代码"), F("parcel_id", required=True, label_zh="宗地编号")),
        ),
        # Events of a firm in a year (安全生产事故, 环境事故, 高新技术企业, 专精特新, 能耗未达标 …): free text the
        # evaluation method matches (docs/method-format.md, [[adjustments]]). `points` is taken as written,
        # sign included: a 扣分 column usually holds positive numbers, and the method decides what they mean.
        LayerSpec(
            "enterprise_events", "企业事件", "point_or_none", None,
            (
                F("uscc", required=True, label_zh="统一社会信用代码"),
                F("year", "int", required=True, label_zh="年度"),
                F("event", required=True, label_zh="事件类型"),
                F("points", "float", label_zh="加减分", unit="分"),
                F("note", label_zh="说明"),
                F("date", "date", label_zh="发生日期"),
            ),
        ),
        # Who leases land or floor space from whom: one row per lease. The landlord is named by its credit code
        # or by the parcel leased (a row with neither is reported); areas are the leased land (亩) and floor (m²).
        LayerSpec(
            "tenancy", "租赁关系", "point_or_none", None,
            (
                F("tenant_uscc", required=True, label_zh="承租企业统一社会信用代码"),
                F("landlord_uscc", label_zh="出租方统一社会信用代码"),
                F("parcel_id", label_zh="宗地编号"),
                F("leased_area_mu", "float", label_zh="租赁面积", unit="亩"),
                F("floor_area_m2", "float", label_zh="租赁建筑面积", unit="m²"),
                F("start_date", "date", label_zh="租赁起始日期"),
                F("end_date", "date", label_zh="租赁截止日期"),
            ),
            required_any=(("landlord_uscc", "parcel_id"),),
        ),
        LayerSpec(
            "constraints", "三区三线", "polygon", None,
            (F("kind", required=True, choices=CONSTRAINT_KINDS, label_zh="控制线类型"), F("name", label_zh="名称")),
        ),
        LayerSpec(
            "roads", "道路", "line", "road_id",
            (F("road_id", required=True, label_zh="道路编号"), F("road_class", label_zh="道路等级"), F("name", label_zh="名称")),
        ),
    ]
}

EVALUATION_UNIT_KINDS = [k for k, s in LAYERS.items() if s.evaluation_unit]


def layer_spec(kind: str) -> LayerSpec:
    """Return the spec of `kind`, or raise a ValueError listing the valid kinds."""
    try:
        return LAYERS[kind]
    except KeyError:
        raise UsageError(f"unknown layer kind {kind!r}; valid kinds: {', '.join(LAYERS)}") from None
