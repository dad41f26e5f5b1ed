"""Source column headers → canonical field names, per layer kind.

Bureau tables name the same field many ways: Chinese headers, pinyin-initial codes
(ZDDM, DLBM), English, with units in brackets, and DBF field names cut to 10 bytes.
Matching is forgiving about spelling but strict about units: a header whose unit
contradicts the field's unit is reported, never mapped silently.

The alias tables follow the national standards bureau data is exported under
(docs/methods.md, "Field mapping"): TD/T 1066-2012 城镇地籍数据库 field codes (ZDDM, QLRMC,
TDYT, ZDMJ …), the 第三次全国国土调查 DLTB layer (DLBM, DLMC, TBMJ, QSDWMC …) and the
批供用补查 exports of the land market monitoring system (批准文号, 电子监管号, 供地面积 …).
A header matches after normalisation (NFKC, case, spacing, brackets, a unit suffix), and
after swapping a suffix variant (日期/时间; 代码/编码/编号/号) when the spelling as written
matches nothing. The truncated-name prefix rule applies only to columns the reader marks as
DBF field names stored at the 10-byte limit in the file's own encoding (`cut_columns`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from layers.problems import InputError
from layers.schema import LAYERS, FieldSpec, layer_spec
from spatial.area import MU_M2  # 1 亩 in m², exact (docs/methods.md §1)

# Fields a reader may map beyond layers/schema.py. land_use_name keeps the DLMC text
# (it disambiguates land-use codes); declared_area_m2 is the area written in the table
# (ZDMJ), kept to cross-check geometry areas; land_area_m2 receives 用地面积(平方米),
# which normalize converts to land_area_mu.
EXTRA_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "parcels": (
        FieldSpec("land_use_name", label_zh="地类名称"),
        FieldSpec("declared_area_m2", "float", label_zh="宗地面积", unit="m²"),
    ),
    "enterprises": (FieldSpec("land_area_m2", "float", label_zh="用地面积(平方米)", unit="m²"),),
    "tenancy": (FieldSpec("leased_area_m2", "float", label_zh="租赁面积(平方米)", unit="m²"),),
}

# A field in 亩 whose header says m² is mapped to this sibling field instead; normalize converts the
# sibling to 亩 (÷ 10000/15) and fills the 亩 field's gaps with it.
M2_SIBLINGS: dict[str, dict[str, str]] = {
    "enterprises": {"land_area_mu": "land_area_m2"},
    "tenancy": {"leased_area_mu": "leased_area_m2"},
}

# Fields holding a share (0–1); a "%" header means the values are percentages.
RATIO_FIELDS = frozenset({"occupancy_rate", "min_industrial_share", "committed_rd_ratio"})

_ID_ALIASES = ["编号", "id", "bh"]
_NAME = ["名称", "mc", "name"]
_LEADING = ["主导产业", "主导行业", "产业定位", "主要产业", "zdcy"]
_STATUS = ["状态", "建设状态", "运营状态", "zt"]
_FLOOR_AREA = ["建筑面积", "总建筑面积", "计容建筑面积", "jzmj"]

ALIASES: dict[str, dict[str, list[str]]] = {
    "protection_lines": {
        "line_id": ["控制线编号", "保护线编号", "区块线编号", "区块编号", "线编号", "控制线代码", "kzxbh", *_ID_ALIASES],
        "name": ["控制线名称", "保护线名称", "区块线名称", "区块名称", *_NAME],
        "level": ["控制线级别", "级别", "线级别", "保护线级别", "区块线级别", "管控级别", "kzxjb", "jb"],
        "min_industrial_share": ["工业用地占比下限", "工业用地比例下限", "最低工业用地占比", "最低工业用地比例", "工业用地占比"],
    },
    "parks": {
        "park_id": ["园区编号", "园区代码", "开发区编号", "yqbh", *_ID_ALIASES],
        "name": ["园区名称", "开发区名称", "yqmc", *_NAME],
        "kind": ["园区类型", "类型", "yqlx", "lx"],
        "level": ["批准级别", "园区级别", "级别", "开发区级别", "审批级别", "园区等级", "pzjb", "yqjb", "jb"],
        "leading_industries": _LEADING,
        # 中国开发区审核公告目录 columns: 代码, 开发区名称, 批准时间, 核准面积(公顷), 主导产业. 规划面积 (planned)
        # is not the approved area and is left unmapped.
        "approved_area_mu": ["核准面积", "批准面积", "核定面积", "审批面积", "批复面积", "hzmj", "pzmj"],
        "approval_date": ["批准时间", "批准日期", "设立时间", "设立日期", "批复时间", "批复日期", "成立时间", "pzsj", "pzrq"],
        "zone_code": ["开发区代码", "开发区编码", "公告目录代码", "目录代码", "代码", "kfqdm"],
    },
    "micro_parks": {
        "park_id": ["园区编号", "小微园编号", "园区代码", "yqbh", *_ID_ALIASES],
        "name": ["园区名称", "小微园名称", "小微企业园名称", "yqmc", *_NAME],
        "leading_industries": _LEADING,
        "floor_area_m2": _FLOOR_AREA,
        "occupancy_rate": ["入驻率", "入园率", "企业入驻率", "rzl"],
        "status": _STATUS,
    },
    "future_communities": {
        "community_id": ["社区编号", "社区代码", "sqbh", *_ID_ALIASES],
        "name": ["社区名称", "sqmc", *_NAME],
        "leading_industries": _LEADING,
        "status": _STATUS,
    },
    "parcels": {
        # TD/T 1066 ZDDM 宗地代码, DJH 地籍号, BDCDYH 不动产单元号; 三调 TBBH 图斑编号; 供地 电子监管号.
        "parcel_id": ["宗地编号", "宗地号", "宗地代码", "宗地编码", "地块编号", "地块编码", "地块代码", "地块号",
                      "zddm", "zdh", "zdbh", "dkbh", "dkdm", "地籍号", "djh", "不动产单元号", "bdcdyh",
                      "电子监管号", "电子监管编号", "dzjgh", "图斑编号", "tbbh"],
        "land_use": ["地类编码", "地类代码", "用地代码", "用途代码", "用地分类代码", "土地用途代码", "用地性质代码",
                     "规划用地代码", "dlbm", "dldm", "yddm", "ytdm"],
        "land_use_name": ["地类名称", "用地名称", "土地用途", "用途", "用地性质", "地类", "用地类型", "规划用地性质",
                          "dlmc", "tdyt", "ydxz", "yt", "批准用途", "实际用途", "sjyt", "pzyt"],
        "land_use_category": ["用地类别"],
        "supply_status": ["供地状态", "供应状态", "土地供应状态", "供地情况", "土地状态", "gdzt"],
        # 供地方式 and the term of the right (出让合同 / 租赁合同 fields as bureau tables name them)
        "supply_type": ["供地方式", "供应方式", "土地供应方式", "供地类型", "出让方式", "gdfs", "gyfs"],
        "lease_term_years": ["土地使用年限", "出让年限", "使用年限", "租赁年限", "使用权年限", "crnx", "synx"],
        "lease_start_date": ["使用权起始日期", "使用期限起", "租赁起始日期", "使用起始日期", "qsrq"],
        "lease_end_date": ["使用权终止日期", "使用期限止", "租赁到期日期", "使用权到期日期", "终止日期", "zzrq"],
        "standard_land": ["标准地", "是否标准地", "标准地出让", "bzd"],
        "committed_investment_intensity": ["承诺固定资产投资强度", "固定资产投资强度", "投资强度", "约定投资强度"],
        "committed_far_min": ["承诺容积率下限", "容积率下限", "承诺容积率", "约定容积率"],
        "committed_tax_per_mu": ["承诺亩均税收", "约定亩均税收", "亩均税收承诺值"],
        "committed_value_added_per_energy": ["承诺单位能耗工业增加值", "单位能耗工业增加值", "单位能耗增加值"],
        "committed_value_added_per_emission": ["承诺单位排放工业增加值", "单位排放工业增加值", "单位排放增加值"],
        "committed_rd_ratio": ["承诺研发经费投入占比", "研发经费投入占比", "研发投入占比", "R&D投入占比"],
        "production_due_date": ["约定达产日期", "达产日期", "达产时间", "约定达产时间", "dcrq"],
        "approval_id": ["批次号", "批准文号", "批次编号", "批次文号", "用地批次", "农转用批次号", "pch", "pzwh",
                        "批次名称", "pcmc"],
        "supply_date": ["供地日期", "出让日期", "合同签订日期", "供应日期", "供地时间", "出让时间", "划拨日期",
                        "签订日期", "gdrq", "合同签订时间", "htqdrq", "gdsj"],
        "agreed_start_date": ["约定开工日期", "合同约定开工时间", "合同约定开工日期", "约定开工时间", "约定动工日期",
                              "约定动工时间", "kgrq"],
        # TD/T 1066 JZMJ 建筑总面积, JZZDMJ 建筑占地总面积.
        "floor_area_m2": [*_FLOOR_AREA, "建筑总面积", "zjzmj"],
        "footprint_m2": ["基底面积", "建筑占地面积", "建筑基底面积", "建筑物基底面积", "jdmj", "jzzdmj", "建筑占地总面积"],
        # The owner's credit code. Bureau exports often shorten the header (信用代码, 统一代码, 社会信用码,
        # 权利人代码) or use pinyin initials (TYSHXYDM, SHXYDM, XYDM, QLRDM).
        "owner_uscc": ["权利人统一社会信用代码", "统一社会信用代码", "社会信用代码", "信用代码", "权利人信用代码",
                       "tyshxydm", "uscc", "社会统一信用代码", "统一信用代码", "统一代码", "社会信用码", "信用码",
                       "权利人代码", "权利人社会信用代码", "使用权人信用代码", "shxydm", "xydm", "tyxydm", "qlrdm",
                       "credit_code"],
        # The owner's name: 权利人 (TD/T 1066 宗地 QLR/QLRMC), 使用权人, 土地使用者; 供地 exports 土地使用权人 /
        # 受让人 / 用地单位; 三调 DLTB QSDWMC 权属单位名称. Linked to firms by name.
        "owner_name": ["权利人名称", "权利人", "使用权人", "土地使用者", "土地使用权人", "用地单位", "qlrmc", "qlr",
                       "owner_name", "受让人", "受让单位", "权属单位名称", "qsdwmc"],
        # TD/T 1066 ZDMJ 宗地面积; 三调 TBMJ 图斑面积; 供地 exports 供地面积 / 出让面积 (often in 公顷).
        "declared_area_m2": ["宗地面积", "土地面积", "地块面积", "出让面积", "供地面积", "zdmj", "tdmj",
                             "图斑面积", "tbmj", "gdmj", "crmj"],
    },
    "land_approvals": {
        "approval_id": ["批次号", "批准文号", "批次编号", "批次文号", "批复文号", "pch", "pzwh", "批次名称", "pcmc"],
        "approved_date": ["批准日期", "批复日期", "批准时间", "批复时间", "pzrq", "pzsj"],
        "approved_area_mu": ["批准面积", "批复面积", "批准用地面积", "pzmj", "批次面积", "批准总面积", "pcmj"],
    },
    "enterprises": {
        "uscc": ["统一社会信用代码", "社会信用代码", "信用代码", "企业统一社会信用代码", "纳税人识别号", "tyshxydm",
                 "credit_code"],
        "name": ["企业名称", "单位名称", "纳税人名称", "公司名称", "qymc", *_NAME],
        "industry": ["行业", "所属行业", "行业类别", "行业名称", "行业门类", "国民经济行业", "hy", "hylb"],
        # The GB/T 4754 国民经济行业分类 code (e.g. 3484); 行业 (the name) stays `industry`.
        "industry_code": ["行业代码", "国民经济行业代码", "行业分类代码", "所属行业代码", "hydm"],
        "above_scale": ["是否规上", "规上企业", "企业规模", "是否规上企业", "规上", "规模以上", "sfgs"],
        "year": ["年度", "年份", "统计年度", "数据年度", "nd", "nf"],
        "half": ["半年度", "半年", "报表期", "报告期", "统计期", "期别", "bnd"],
"fixed_investment_10k_yuan": ["固定资产投资", "累计固定资产投资", "固定资产投资额", "已完成固定资产投资"],
                "tax_10k_yuan": ["实缴税金", "税收", "入库税收", "税收实绩", "实缴税收", "实缴税费", "税收收入", "纳税额",
                         "税金", "sjsj", "tax"],
        "value_added_10k_yuan": ["工业增加值", "增加值", "gyzjz", "value_added"],
        "output_10k_yuan": ["工业总产值", "产值", "总产值", "gyzcz", "output"],
        "revenue_10k_yuan": ["营业收入", "主营业务收入", "销售收入", "营收", "yysr", "revenue"],
        "profit_10k_yuan": ["利润总额", "利润", "lrze", "profit"],
        "energy_tce": ["综合能耗", "能耗", "总用能量", "用能量", "综合能源消费量", "zhnh"],
        "emissions": ["排放量", "主要污染物排放量", "污染物排放量", "排污量", "pfl"],
        "electricity_kwh": ["用电量", "用电", "总用电量", "ydl"],
        "rd_10k_yuan": ["R&D经费", "研发经费", "R&D经费支出", "RD经费", "研发投入", "研发费用", "研发经费支出"],
        "tech_investment_10k_yuan": ["技术改造投资", "技改投资", "工业技改投资", "技术改造投资额", "技改投资额", "jgtz"],
        "employees": ["年平均职工人数", "从业人员", "职工人数", "从业人员数", "从业人数", "年平均从业人员", "cyry"],
        "land_area_mu": ["用地面积", "实际用地面积", "占地面积", "土地面积", "ydmj"],
        "leased_in_mu": ["租入面积", "承租面积", "租用面积", "租用土地面积", "租入土地面积"],
        "leased_out_mu": ["出租面积", "出租土地面积"],
        "production_start_date": ["投产日期", "投产时间"],
        "listed": ["上市企业", "是否上市"],
        # 水电气等公用企业 (water, power, gas …), which methods often evaluate apart.
        "utility": ["是否公用事业", "公用事业", "公用企业", "是否公用企业", "水电气企业", "公用事业企业", "是否公用事业企业"],
    },
    "chain_leaders": {
        "uscc": ["统一社会信用代码", "社会信用代码", "信用代码", "企业统一社会信用代码", "tyshxydm", "credit_code"],
        "cluster": ["产业集群", "集群", "所属集群", "集群名称", "cyjq"],
        "segment": ["产业链环节", "环节", "链条环节", "产业链位置", "hj"],
        "note": ["说明", "备注", "bz"],
    },
    "land_links": {
        "uscc": ["统一社会信用代码", "社会信用代码", "信用代码", "权利人统一社会信用代码", "tyshxydm", "credit_code"],
        "parcel_id": ["宗地编号", "宗地号", "宗地代码", "宗地编码", "地块编号", "地块编码", "zddm", "zdh", "zdbh", "dkbh"],
    },
    # Events of a firm in a year (安全生产事故, 高新技术企业 认定 …). 扣分 and 加分 both map to `points`, taken as
    # written: the method decides whether a positive 扣分 subtracts.
    "enterprise_events": {
        "uscc": ["统一社会信用代码", "社会信用代码", "信用代码", "企业统一社会信用代码", "tyshxydm", "credit_code"],
        "year": ["年度", "年份", "统计年度", "评价年度", "nd", "nf"],
        "event": ["事件类型", "事件", "类型", "事项", "认定类型", "事故类型", "事件名称", "sjlx"],
        "points": ["分值", "加减分", "加分", "扣分", "加扣分", "加减分值", "fz"],
        "note": ["说明", "备注", "情况说明", "bz"],
        "date": ["发生日期", "日期", "认定日期", "事故日期", "fsrq"],
    },
    # Leases: the tenant's and the landlord's credit codes, the parcel leased, areas and term. A plain
    # 统一社会信用代码 header says neither party, so it is not mapped here (map it with --map).
    "tenancy": {
        "tenant_uscc": ["承租企业信用代码", "承租方信用代码", "承租人统一社会信用代码", "承租企业代码",
                        "承租方统一社会信用代码", "承租企业统一社会信用代码", "承租人信用代码", "承租单位信用代码"],
        "landlord_uscc": ["出租方信用代码", "出租人统一社会信用代码", "出租企业信用代码", "房东信用代码",
                          "出租方统一社会信用代码", "出租企业统一社会信用代码", "出租人信用代码", "出租单位信用代码"],
        "parcel_id": ["宗地编号", "宗地代码", "宗地号", "宗地编码", "地块编号", "zddm"],
        # In 亩; a header in m² (租赁面积(㎡)) maps to leased_area_m2 and is converted (M2_SIBLINGS).
        "leased_area_mu": ["租赁面积", "租用面积", "租赁土地面积", "租用土地面积", "承租面积"],
        "floor_area_m2": ["租赁建筑面积", "租赁厂房面积", "租用厂房面积", "租赁房屋面积", "承租建筑面积"],
        "start_date": ["租赁起始日期", "起租日期", "租赁开始日期", "租期起始日期"],
        "end_date": ["租赁截止日期", "到期日期", "租赁到期日期", "租赁结束日期", "租期截止日期"],
    },
    "constraints": {
        "kind": ["控制线类型", "类型", "三线类型", "管控类型", "类别", "lx"],
        "name": _NAME,
    },
    "roads": {
        "road_id": ["道路编号", "道路代码", *_ID_ALIASES],
        "road_class": ["道路等级", "等级", "道路级别", "公路等级", "道路类型", "dldj"],
        "name": ["道路名称", *_NAME],
    },
}

# Header units: spelling (as _key leaves it) → (dimension, factor to the dimension's base unit).
UNITS: dict[str, tuple[str, float]] = {
    "m2": ("area", 1.0), "平方米": ("area", 1.0), "平米": ("area", 1.0), "m^2": ("area", 1.0), "sqm": ("area", 1.0),
    "亩": ("area", MU_M2), "公顷": ("area", 1e4), "ha": ("area", 1e4), "平方公里": ("area", 1e6), "km2": ("area", 1e6),
    "元": ("money", 1.0), "千元": ("money", 1e3), "万元": ("money", 1e4), "亿元": ("money", 1e8),
    "kwh": ("electricity", 1.0), "千瓦时": ("electricity", 1.0), "度": ("electricity", 1.0),
    "万千瓦时": ("electricity", 1e4), "万度": ("electricity", 1e4), "mwh": ("electricity", 1e3),
    "亿千瓦时": ("electricity", 1e8),
    "吨标煤": ("energy", 1.0), "吨标准煤": ("energy", 1.0), "tce": ("energy", 1.0), "万吨标煤": ("energy", 1e4),
    "万吨标准煤": ("energy", 1e4), "千克标准煤": ("energy", 1e-3), "kgce": ("energy", 1e-3),
    "吨": ("mass", 1.0), "t": ("mass", 1.0), "千克": ("mass", 1e-3), "kg": ("mass", 1e-3), "万吨": ("mass", 1e4),
    "人": ("people", 1.0), "万人": ("people", 1e4),
    "%": ("ratio", 0.01),
}
# Spellings of each schema unit, for stripping a unit written inside a value ("35亩").
UNIT_SPELLINGS: dict[str, tuple[str, ...]] = {
    "m²": ("m2", "㎡", "m²", "平方米", "平米"),
    "亩": ("亩",),
    "万元": ("万元",),
    "吨标煤": ("吨标煤", "吨标准煤", "tce"),
    "吨": ("吨", "t"),
    "kWh": ("kwh", "千瓦时", "度"),
    "人": ("人",),
    "分": ("分",),  # points of an event ("+2分")
}
_FIELD_UNIT = {"m²": ("area", 1.0), "亩": ("area", MU_M2), "万元": ("money", 1e4), "吨标煤": ("energy", 1.0),
               "吨": ("mass", 1.0), "kWh": ("electricity", 1.0), "人": ("people", 1.0)}

_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")", "{": "(", "}": ")",
                           "<": "(", ">": ")", "《": "(", "》": ")", "〈": "(", "〉": ")"})
_DROP = re.compile(r"[\s_\-.·:*#'\"]+")
_DBF_NAME_BYTES = 10  # a DBF field name holds at most 10 bytes
# Suffix variants: a header ending in one spelling also tries the others of its group (longest first).
SUFFIX_VARIANTS: tuple[tuple[str, ...], ...] = (("日期", "时间"), ("代码", "编码", "编号", "号"))


def _key(text: str) -> str:
    """Comparison key of a header: NFKC, case-folded, brackets unified, spacing and punctuation dropped."""
    t = unicodedata.normalize("NFKC", str(text)).casefold().translate(_BRACKETS)
    t = _DROP.sub("", t).rstrip("\ufffd?")
    if t.startswith("(") and t.endswith(")") and "(" not in t[1:-1] and ")" not in t[1:-1]:
        t = t[1:-1]  # a header wholly in brackets: 【宗地代码】
    return t


def fields_of(kind: str) -> tuple[FieldSpec, ...]:
    """Schema fields of `kind` plus the extra fields a reader may map (EXTRA_FIELDS)."""
    spec = layer_spec(kind)
    have = set(spec.field_names)
    return spec.fields + tuple(f for f in EXTRA_FIELDS.get(kind, ()) if f.name not in have)


def _build_index(kind: str) -> dict[str, tuple[str, int]]:
    """key → (field, preference); preference 0 is the canonical name, then alias order, then the schema label."""
    index: dict[str, tuple[str, int]] = {}
    fields = fields_of(kind)
    names = {f.name for f in fields}
    table = ALIASES.get(kind, {})
    unknown = set(table) - names
    if unknown:
        raise AssertionError(f"ALIASES[{kind!r}] names unknown field(s) {sorted(unknown)}")
    for f in fields:
        candidates = [f.name, *table.get(f.name, []), *([f.label_zh] if f.label_zh else [])]
        for pref, alias in enumerate(candidates):
            k = _key(alias)
            k = re.sub(r"\([^()]*\)$", "", k) or k  # a label such as 用地面积(平方米) indexes its base
            if k in index and index[k][0] != f.name:
                if pref == len(candidates) - 1 and alias == f.label_zh:
                    continue  # a schema label never overrides an explicit alias of another field
                raise AssertionError(f"alias {alias!r} maps to both {index[k][0]} and {f.name} in {kind}")
            index.setdefault(k, (f.name, pref))
    return index


_INDEX: dict[str, dict[str, tuple[str, int]]] = {kind: _build_index(kind) for kind in LAYERS}


_UNMAPPED_HOWS = frozenset({"ignored", "unmatched", "contradicted", "ambiguous", "unit_mismatch", "duplicate"})


@dataclass(frozen=True)
class ColumnMatch:
    """How one source column was matched.

    how: override | canonical | alias | prefix (DBF truncation) | values (layers.column_values) |
    ignored | unmatched | contradicted (values refute the header) | ambiguous | unit_mismatch |
    duplicate. `scale` multiplies values into the field's unit.
    """

    column: str
    field: str | None
    how: str
    scale: float = 1.0
    note: str = ""
    quality: int = 0  # 4 canonical, 3 alias, 2 alias with unit suffix or cut unit, 1 DBF prefix
    preference: int = 0
    unit_assumed: bool = False  # the header's unit was cut off; the field's unit is assumed
    note_zh: str = ""  # `note` in Chinese

    def note_in(self, lang: str = "zh") -> str:
        """The note in `lang` (Chinese for zh when there is one)."""
        return self.note_zh if lang == "zh" and self.note_zh else self.note

    @property
    def mapped(self) -> bool:
        return self.field is not None and self.how not in _UNMAPPED_HOWS

    @property
    def mapped_field(self) -> str | None:
        """The field this column fills: `field` when `mapped`, else None."""
        return self.field if self.mapped else None


def _split_unit(key: str) -> tuple[str, str | None, bool]:
    """Split a key into (base, unit text or None, unit_cut) for 'x(unit)' and truncated 'x(un'."""
    m = re.fullmatch(r"(.+?)\(([^()]*)\)", key)
    if m:
        return m.group(1), m.group(2), False
    m = re.fullmatch(r"(.+?)\(([^()]*)", key)
    if m:
        return m.group(1), m.group(2), True
    return key, None, False


def _unit_of(text: str) -> tuple[str, float] | None:
    """(dimension, factor) of a unit spelling, ignoring a per-year suffix (万元/年)."""
    text = re.sub(r"/年$", "", text)
    return UNITS.get(text)


def _field_unit(kind: str, field: str) -> tuple[str, float] | None:
    if field in RATIO_FIELDS:
        return ("ratio", 1.0)
    spec = next((f for f in fields_of(kind) if f.name == field), None)
    return _FIELD_UNIT.get(spec.unit) if spec and spec.unit else None


def suffix_variants(key: str) -> list[str]:
    """The spellings of `key` with its suffix swapped within its SUFFIX_VARIANTS group (地类代码 → 地类编码 …).

    A key that is only the suffix (代码, 号) has no variants: the stem must say what is dated or coded.
    """
    for group in SUFFIX_VARIANTS:
        for suffix in sorted(group, key=len, reverse=True):
            if key.endswith(suffix) and len(key) > len(suffix):
                stem = key[: -len(suffix)]
                return [stem + other for other in group if other != suffix]
    return []


def _apply_unit(kind: str, column: str, field: str, unit_text: str | None,
                cut: bool) -> tuple[str, float, str, str, str]:
    """Resolve the header unit against the field: (field, scale, note, status ok | assumed | mismatch, note in Chinese)."""
    target = _field_unit(kind, field)
    if unit_text is None or target is None:
        if cut and target is not None:
            return (field, 1.0, f"header {column!r} was cut before its unit; assumed the unit of {field}", "assumed",
                    f"字段名 {column!r} 在单位之前被截断；按 {field} 的单位读取")
        return field, 1.0, "", "ok", ""
    unit: tuple[str, float] | None
    if cut:
        options = {UNITS[u] for u in UNITS if u.startswith(unit_text)} if unit_text else set()
        same = {o for o in options if o[0] == target[0]}
        if len(same) == 1:
            unit = same.pop()
        else:
            return (field, 1.0, f"header {column!r} was cut inside its unit; assumed the unit of {field}", "assumed",
                    f"字段名 {column!r} 在单位中间被截断；按 {field} 的单位读取")
    else:
        unit = _unit_of(unit_text)
        if unit is None:
            return field, 1.0, "", "ok", ""  # bracket text that is not a unit (e.g. 实测, 2023年) is a qualifier
    if unit[0] != target[0]:
        return (field, 1.0, f"header {column!r} has unit {unit_text!r}, which cannot measure {field}", "mismatch",
                f"字段名 {column!r} 的单位 {unit_text!r} 不能用于 {field}")
    sibling = M2_SIBLINGS.get(kind, {}).get(field)
    if sibling and unit == ("area", 1.0):
        return (sibling, 1.0, f"header {column!r} is in m²; mapped to {sibling} (converted to 亩)", "ok",
                f"字段名 {column!r} 的单位为平方米；对应 {sibling}（换算为亩）")
    scale = unit[1] / target[1]
    note = f"values of {column!r} are converted from {unit_text} (× {scale:g})" if scale != 1.0 else ""
    note_zh = f"{column!r} 的取值由 {unit_text} 换算（× {scale:g}）" if scale != 1.0 else ""
    return field, scale, note, "ok", note_zh


def match_column(column: str, kind: str, *, cut: bool = False) -> ColumnMatch:
    """Match one header of a `kind` table: canonical name, alias (with unit), suffix variant, or a
    DBF-truncated prefix.

    `cut` says the reader found this header stored as a DBF field name filling all 10 bytes in the
    file's own encoding: only then may it be the start of a longer alias (the prefix rule). A header
    of any other source, or a shorter DBF name, is never read as a truncation.
    """
    index = _INDEX[layer_spec(kind).kind]
    dbf_cut = cut  # `cut` below is whether the unit in brackets was cut
    key = _key(column)
    if not key:
        return ColumnMatch(column, None, "unmatched", note="empty header", note_zh="字段名为空")
    if key in index and index[key][1] == 0:
        return ColumnMatch(column, index[key][0], "canonical", quality=4)
    base, unit_text, cut = _split_unit(key)
    quality = 3 if not cut else 2
    hit = index.get(key) or index.get(base)
    if hit is None:  # unit written without brackets: 用地面积亩, 税收万元
        for spelling in sorted(UNITS, key=len, reverse=True):
            if key.endswith(spelling) and key[: -len(spelling)] in index:
                hit, unit_text, cut, quality = index[key[: -len(spelling)]], spelling, False, 2
                break
    if hit is not None:
        field, pref = hit
        field, scale, note, status, note_zh = _apply_unit(kind, column, field, unit_text, cut)
        if status == "mismatch":
            return ColumnMatch(column, field, "unit_mismatch", note=note, note_zh=note_zh)
        how = "canonical" if pref == 0 else "alias"
        return ColumnMatch(column, field, how, scale, note, quality, pref, unit_assumed=status == "assumed",
                           note_zh=note_zh)
    variant = _match_variant(column, kind, index, base, unit_text, cut)
    if variant is not None:
        return variant
    if not dbf_cut:
        return ColumnMatch(column, None, "unmatched")
    # DBF truncation: the header is a proper prefix of an alias and filled the 10-byte name.
    prefix_of: dict[str, int] = {}
    for k, (field, pref) in index.items():
        if len(k) > len(base) and k.startswith(base):
            prefix_of[field] = min(pref, prefix_of.get(field, pref))
    if len(prefix_of) == 1:
        field, pref = next(iter(prefix_of.items()))
        note = f"header {column!r} read as a DBF name cut at 10 bytes, matching {field}; a unit in the full name, if any, is lost"
        note_zh = f"字段名 {column!r} 视为在 10 字节处截断的 DBF 字段名，对应 {field}；完整字段名中的单位（如有）已丢失"
        return ColumnMatch(column, field, "prefix", 1.0, note, 1, pref, unit_assumed=_field_unit(kind, field) is not None,
                           note_zh=note_zh)
    if len(prefix_of) > 1:
        return ColumnMatch(column, None, "ambiguous",
                           note=f"header {column!r} could be a truncation of any of {', '.join(sorted(prefix_of))}",
                           note_zh=f"字段名 {column!r} 可能是 {'、'.join(sorted(prefix_of))} 中任一个的截断")
    return ColumnMatch(column, None, "unmatched")


def _match_variant(column: str, kind: str, index: dict[str, tuple[str, int]], base: str, unit_text: str | None,
                   cut: bool) -> ColumnMatch | None:
    """Match `base` with its suffix swapped (供地时间 → 供地日期, 地类代码 → 地类编码); None when no variant
    matches; `ambiguous` when variants name different fields."""
    hits = {index[v] for v in suffix_variants(base) if v in index}
    fields = {f for f, _ in hits}
    if not fields:
        return None
    if len(fields) > 1:
        return ColumnMatch(column, None, "ambiguous",
                           note=f"header {column!r} read with another suffix could be any of {', '.join(sorted(fields))}",
                           note_zh=f"字段名 {column!r} 换用其他后缀后可能是 {'、'.join(sorted(fields))} 中的任一个")
    field, pref = min(hits, key=lambda h: h[1])
    field, scale, note, status, note_zh = _apply_unit(kind, column, field, unit_text, cut)
    if status == "mismatch":
        return ColumnMatch(column, field, "unit_mismatch", note=note, note_zh=note_zh)
    note = "; ".join(n for n in (f"header {column!r} matched {field} with a suffix variant", note) if n)
    note_zh = "；".join(n for n in (f"字段名 {column!r} 换用后缀后对应 {field}", note_zh) if n)
    return ColumnMatch(column, field, "alias", scale, note, 2, pref, unit_assumed=status == "assumed", note_zh=note_zh)


def _override_match(column: str, field: str, kind: str) -> ColumnMatch:
    """A column the user mapped to `field`: a unit in its header still scales the values; a unit that
    cannot measure the field is kept as the user asked, with a warning."""
    base, unit_text, cut = _split_unit(_key(column))
    if unit_text is None:
        return ColumnMatch(column, field, "override", quality=9)
    field_to, scale, note, status, note_zh = _apply_unit(kind, column, field, unit_text, cut)
    if status == "mismatch":
        return ColumnMatch(column, field, "override", 1.0, note + "; mapped as asked, values taken as they are",
                           quality=9, unit_assumed=True, note_zh=note_zh + "；已按指定对应，取值原样读取")
    if field_to != field:  # a m² header mapped by hand to the 亩 field: convert through the m² sibling
        return ColumnMatch(column, field_to, "override", scale, note, quality=9, note_zh=note_zh)
    return ColumnMatch(column, field, "override", scale, note, quality=9, unit_assumed=status == "assumed",
                       note_zh=note_zh)


def match_columns(columns: Iterable[str], kind: str, *, overrides: dict[str, str] | None = None,
                  cut_columns: Iterable[str] = ()) -> list[ColumnMatch]:
    """Match every column; when two columns claim one field the better match keeps it.

    Better = override, then canonical > alias > unit-suffix or suffix variant > DBF prefix, then
    the earlier alias in ALIASES, then the earlier column. `cut_columns` are the DBF field names
    stored at the 10-byte limit (SourceRead.cut_columns); only they may match by prefix. Raises
    InputError for an override naming a field that `kind` does not have.
    """
    columns = [str(c) for c in columns]
    cut_set = {str(c) for c in cut_columns}
    spec = layer_spec(kind)
    valid = {f.name for f in fields_of(kind)}
    overrides = dict(overrides or {})
    for col, field in overrides.items():
        if field and field not in valid:
            raise InputError(f"column override {col!r} → {field!r}: layer kind {kind} has no field {field!r}; "
                             f"valid fields: {', '.join(sorted(valid))}",
                             zh=f"字段对应 {col!r} → {field!r}：图层类型 {kind} 没有字段 {field!r}；"
                                f"可用字段：{'、'.join(sorted(valid))}")
    targets = [f for f in overrides.values() if f]
    dup = {f for f in targets if targets.count(f) > 1}
    if dup:
        raise InputError(f"column overrides map several columns to {', '.join(sorted(dup))} in {spec.kind}",
                         zh=f"字段对应中有多列对应到 {spec.kind} 的 {'、'.join(sorted(dup))}")
    matches: list[ColumnMatch] = []
    for col in columns:
        if col in overrides:
            field = overrides[col]
            matches.append(_override_match(col, field, kind) if field else ColumnMatch(col, None, "ignored", quality=9))
        else:
            matches.append(match_column(col, kind, cut=col in cut_set))
    best: dict[str, int] = {}
    for i, m in enumerate(matches):
        target = m.mapped_field
        if target is None:
            continue
        j = best.get(target)
        if j is None or (m.quality, -m.preference) > (matches[j].quality, -matches[j].preference):
            best[target] = i
    out = []
    for i, m in enumerate(matches):
        target = m.mapped_field
        if target is not None and best[target] != i:
            winner = matches[best[target]].column
            m = ColumnMatch(m.column, target, "duplicate",
                            note=f"column {m.column!r} also matches {target}, taken by column {winner!r}",
                            note_zh=f"列 {m.column!r} 也对应 {target}，但该字段已由列 {winner!r} 占用")
        out.append(m)
    return out


def map_columns(columns: list[str], kind: str, *, overrides: dict[str, str] | None = None,
                cut_columns: Iterable[str] = ()) -> tuple[dict[str, str], list[str]]:
    """Return ({source_column: canonical_field}, [unmapped source columns]) for a `kind` table.

    Columns the user ignored through `overrides` ({column: ""}) are in neither.
    """
    matches = match_columns(columns, kind, overrides=overrides, cut_columns=cut_columns)
    mapping = {m.column: field for m in matches if (field := m.mapped_field) is not None}
    unmapped = [m.column for m in matches if not m.mapped and m.how != "ignored"]
    return mapping, unmapped


def unit_spellings(unit: str) -> tuple[str, ...]:
    """Spellings of a schema unit that may trail a value in a cell ("35亩", "1200㎡")."""
    return UNIT_SPELLINGS.get(unit, ())


def guess_kind(columns: list[str]) -> tuple[str | None, str]:
    """The layer kind that has all its required fields among the columns and maps the most columns (then
    covers the most required fields), with the reason; None when none fits or two fit equally.

    Used when `validate` is given no --kind: the guess is always said, never silent. The number of columns
    mapped ranks before the number of required fields covered, so a firm table with a 类型 or 宗地编号 column
    stays a firm table rather than an event list (3 required fields) or a link table (2).
    """
    ranked = []
    for kind, spec in LAYERS.items():
        mapping, _ = map_columns(list(columns), kind)
        mapped = set(mapping.values())
        required = [f.name for f in spec.fields if f.required]
        covered = sum(f in mapped for f in required)
        complete = covered == len(required) and all(mapped & set(group) for group in spec.required_any)
        ranked.append((complete, len(mapped), covered, kind, mapped))
    ranked.sort(key=lambda r: r[:4], reverse=True)
    complete, n_mapped, covered, kind, mapped = ranked[0]
    if not complete or n_mapped == 0:
        return None, "no layer kind has all its required fields among the columns"
    if len(ranked) > 1 and ranked[1][:3] == ranked[0][:3]:
        return None, f"columns fit {kind} and {ranked[1][3]} equally"
    return kind, f"columns map to {n_mapped} fields of {kind} ({', '.join(sorted(mapped))})"


# ----------------------------------------------------------------------------------------------
# coordinate columns of tables (CSV, Excel, Parquet without geometry): read by layers/readers.py

# Axis names (compared after NFKC and case folding, once any datum word and separators are removed).
# Chinese survey tables write 横坐标 for the easting and 纵坐标 for the northing; X坐标/Y坐标 are taken
# as written (x = easting) and readers.py checks their values for the survey convention X = northing.
COORDINATE_AXES: dict[str, tuple[str, ...]] = {
    "lon": ("lon", "lng", "longitude", "经度", "x经度"),
    "lat": ("lat", "latitude", "纬度", "y纬度"),
    "x": ("x", "x坐标", "横坐标", "东坐标", "easting", "point_x", "coord_x", "xcoord"),
    "y": ("y", "y坐标", "纵坐标", "北坐标", "northing", "point_y", "coord_y", "ycoord"),
}
# Datum words a coordinate header may carry (经度_GCJ02, lng_wgs84, 百度经度, 纬度(BD09) …), by datum key.
COORDINATE_DATUM_WORDS: tuple[tuple[str, str], ...] = (
    ("gcj02", r"gcj[-_ ]?0?2|gcj|高德|火星|国测局|腾讯|amap"),
    ("bd09", r"bd[-_ ]?0?9(?:ll)?|baidu|百度"),
    ("wgs84", r"wgs[-_ ]?(?:19)?84|gps|epsg[:_ ]?4326|4326"),
    ("cgcs2000", r"cgcs[-_ ]?2000|cgcs|国家2000|2000|epsg[:_ ]?4490|4490"),
)
_COORD_SEPARATORS = re.compile(r"[\s_\-.()\[\]:/,]+")
_AXIS_OF = {name: axis for axis, names in COORDINATE_AXES.items() for name in names}
# Pair preference: a datum that needs no conversion first, then none named, then the web datums.
_DATUM_RANK = {"wgs84": 0, "cgcs2000": 0, None: 1, "gcj02": 2, "bd09": 3}


@dataclass(frozen=True)
class CoordinateColumns:
    """The two columns holding a table's point coordinates, and the datum their headers name (or None)."""

    x: str
    y: str
    family: str  # "lonlat" or "xy"
    datum: str | None  # gcj02 | bd09 | wgs84 | cgcs2000 | None

    @property
    def survey_names(self) -> bool:
        """Headers X坐标/Y坐标: Chinese surveying writes X for the northing, so the values must say which is which."""
        return _axis_key(self.x)[0] == "x坐标" and _axis_key(self.y)[0] == "y坐标"


def _axis_key(header: str) -> tuple[str, str | None]:
    """(axis name left once the datum word is removed, datum key or None) of a header."""
    text = unicodedata.normalize("NFKC", str(header)).casefold().strip().translate(_BRACKETS)
    datum = None
    for key, pattern in COORDINATE_DATUM_WORDS:
        m = re.search(pattern, text)
        if m is not None:
            rest = text[: m.start()] + " " + text[m.end():]
            if _COORD_SEPARATORS.sub("", rest) in _AXIS_OF:
                text, datum = rest, key
                break
    return _COORD_SEPARATORS.sub("", text) if datum is not None else text.replace(" ", ""), datum


def coordinate_axis(header: str) -> tuple[str, str | None] | None:
    """(axis lon | lat | x | y, datum key or None) when `header` names a coordinate, else None."""
    name, datum = _axis_key(header)
    axis = _AXIS_OF.get(name)
    return None if axis is None else (axis, datum)


def coordinate_columns(columns: Iterable[str]) -> tuple[CoordinateColumns | None, list[CoordinateColumns]]:
    """The coordinate pair to read a table's points from, and the other pairs found (kept as attributes).

    Lon/lat pairs come before x/y pairs; the two headers must name the same datum or one names none;
    among pairs, a datum needing no conversion (WGS 84, CGCS2000) wins, then none named, then GCJ-02, BD-09.
    """
    found = [(i, str(c), hit) for i, c in enumerate(columns) if (hit := coordinate_axis(str(c))) is not None]
    pairs: list[tuple[tuple[int, int, int, int, int], CoordinateColumns]] = []
    for family, (ax, ay) in (("lonlat", ("lon", "lat")), ("xy", ("x", "y"))):
        for i, xcol, (axis_x, dx) in found:
            if axis_x != ax:
                continue
            for j, ycol, (axis_y, dy) in found:
                if axis_y != ay or (dx is not None and dy is not None and dx != dy):
                    continue
                datum = dx or dy
                rank = (0 if family == "lonlat" else 1, _DATUM_RANK[datum], 0 if dx == dy else 1, i, j)
                pairs.append((rank, CoordinateColumns(xcol, ycol, family, datum)))
    pairs.sort(key=lambda p: p[0])
    if not pairs:
        return None, []
    chosen = pairs[0][1]
    used = {chosen.x, chosen.y}
    others = []
    for _, pair in pairs[1:]:
        if pair.x not in used and pair.y not in used:
            others.append(pair)
            used |= {pair.x, pair.y}
    return chosen, others
