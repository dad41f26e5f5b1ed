"""The `[clusters]` section of `landpark.toml`: the district's industry clusters, their chain segments, and the
cluster-by-area rule (analysis/clusters.py measures them; `landpark clusters`, the 产业图谱 page).

- `[[clusters.items]]`: a cluster's name as the plan writes it, its GB/T 4754-2017 codes (any level; a firm's code
  matches by prefix) and keywords (matched against the industry text of firms whose code is missing or too coarse
  to decide), its source, and its chain segments (`[[clusters.items.segments]]`: 上游 / 中游 / 下游, name, codes,
  optional keywords);
- `preset`: "yinzhou_154" (鄞州 "154" 千百亿级产业集群) or "xihaian_8" (青岛西海岸新区 八大产业集群) — the preset's
  clusters are used unless the project lists its own items; "none" or absent = no preset;
- `area_layer`: the unit kind the cluster-by-area rule runs over (districts in a city project, parks in a district
  project; default "parks"), `rule_clusters_per_area` and `rule_areas_per_cluster` ([low, high], default [3, 5]), and
  when a cluster counts as developed in an area (`present_min_share` of the area's member output, or
  `present_min_firms` member firms when that is set);
- `combined_share_min`: the floor on all clusters' share of the district's output (西海岸: 85 %), optional.

Cluster targets (output 550 亿 …) are not here: they are [targets] items with scope "cluster:<name>" (the years
issue's one place for targets); `PRESET_TARGETS_TOML` gives the 鄞州 preset's as [[targets.items]] text.

No official table maps the plans' clusters to GB/T 4754 classes: every code list below is this project's own
documented choice (domain.md §1.8), to be checked and edited by the bureau.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

from layers.settings import Reader

__all__ = ["STAGES", "PRESETS", "PRESET_NAMES", "Segment", "Cluster", "ClustersSettings", "preset_items",
           "DEFAULT_TOML", "DEMO_TOML", "PRESET_TARGETS_TOML", "RULE_SOURCE", "DEFAULT_PRESENT_MIN_SHARE"]

STAGES = ("上游", "中游", "下游")
# "原则上每个产业集群控制在 3–5 个区布局，每个区重点发展 3–5 个产业集群": a city's 20 战略性新兴产业集群 plan
# (新质生产力 text), domain.md §1.8 [C, plan text]; in a district project the "区" is whatever area layer is named.
RULE_SOURCE = ("某市 20 个战略性新兴产业集群规划：原则上每个产业集群控制在 3–5 个区布局，"
               "每个区重点发展 3–5 个产业集群 [domain.md §1.8]")
DEFAULT_RULE = (3, 5)
# An area "develops" a cluster when the cluster's member firms make at least this share of the area's member output.
# 10 % is this project's choice [U: the plan defines no threshold]: one cluster in ten at least, so that an area can
# develop at most ten and the 3–5 rule can be told apart from noise. A firm-count floor is off by default because
# firm numbers depend on the area's size (a 1,500-firm park has 10 firms of almost anything).
DEFAULT_PRESENT_MIN_SHARE = 0.10


@dataclass(frozen=True)
class Segment:
    """One chain segment of a cluster: its stage (上游 / 中游 / 下游), name, codes and optional keywords."""

    stage: str
    name: str
    codes: tuple[str, ...]
    keywords: tuple[str, ...] = ()

    @classmethod
    def read(cls, r: Reader) -> Segment:
        """One [[clusters.items.segments]] table; codes or keywords (or both) required."""
        codes = r.texts("codes") if r.has("codes") else ()
        keywords = r.texts("keywords") if r.has("keywords") else ()
        if not codes and not keywords:
            raise r.fail("codes", None, "a non-empty list of GB/T 4754 codes (or keywords)")
        return cls(r.text("stage", STAGES), r.text("name"), codes, keywords)


@dataclass(frozen=True)
class Cluster:
    """One industry cluster: name (as the plan writes it), member codes, keywords, source and chain segments."""

    name: str
    codes: tuple[str, ...]
    keywords: tuple[str, ...]
    source: str
    segments: tuple[Segment, ...] = ()

    @classmethod
    def read(cls, r: Reader) -> Cluster:
        """One [[clusters.items]] table; codes or keywords (or both) required, segment names unique."""
        codes = r.texts("codes") if r.has("codes") else ()
        keywords = r.texts("keywords") if r.has("keywords") else ()
        if not codes and not keywords:
            raise r.fail("codes", None, "a non-empty list of GB/T 4754 codes (or keywords)")
        name, source = r.text("name"), r.text("source")
        segments = r.tables("segments", Segment.read)
        names = [s.name for s in segments]
        if len(set(names)) != len(names):
            raise r.fail("segments", names, "segments with distinct names")
        return cls(name, codes, keywords, source, segments)




def _rule(r: Reader, name: str) -> tuple[int, int]:
    """A [low, high] count range (whole numbers, 0 ≤ low ≤ high); absent → DEFAULT_RULE."""
    if not r.has(name):
        return DEFAULT_RULE
    raw = r.value(name)
    ok = (isinstance(raw, list) and len(raw) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in raw)
          and 0 <= raw[0] <= raw[1])
    if not ok:
        raise r.fail(name, raw, "two whole numbers [low, high] with 0 ≤ low ≤ high")
    return int(raw[0]), int(raw[1])


@dataclass(frozen=True)
class ClustersSettings:
    """[clusters]: the clusters (own or a preset's), the area layer and the cluster-by-area rule."""

    items: tuple[Cluster, ...]
    preset: str | None
    area_layer: str = "parks"
    rule_clusters_per_area: tuple[int, int] = DEFAULT_RULE
    rule_areas_per_cluster: tuple[int, int] = DEFAULT_RULE
    rule_source: str = RULE_SOURCE
    present_min_share: float = DEFAULT_PRESENT_MIN_SHARE
    present_min_firms: int | None = None
    combined_share_min: float | None = None

    @classmethod
    def read(cls, r: Reader) -> ClustersSettings:
        """The section, checked; a preset's items are used when the project lists none of its own."""
        from layers.schema import EVALUATION_UNIT_KINDS

        preset = r.text("preset", (*PRESET_NAMES, "none")) if r.has("preset") else None
        preset = None if preset == "none" else preset
        own = r.tables("items", Cluster.read)
        items = own or (preset_items(preset) if preset else ())
        names = [c.name for c in items]
        if len(set(names)) != len(names):
            raise r.fail("items", names, "clusters with distinct names")
        area = r.text("area_layer", tuple(EVALUATION_UNIT_KINDS)) if r.has("area_layer") else "parks"
        share = r.number("present_min_share", 0, 1) if r.has("present_min_share") else DEFAULT_PRESENT_MIN_SHARE
        firms = r.integer("present_min_firms", 1, 1_000_000) if r.has("present_min_firms") else None
        combined = (r.number("combined_share_min", 0, 1) if r.has("combined_share_min")
                    else (PRESET_COMBINED_SHARE.get(preset) if preset is not None and not own else None))
        source = r.text("rule_source") if r.has("rule_source") else RULE_SOURCE
        return cls(items, preset, area, _rule(r, "rule_clusters_per_area"), _rule(r, "rule_areas_per_cluster"), source,
                   share, firms, combined)

    @property
    def configured(self) -> bool:
        """Whether any cluster is defined."""
        return bool(self.items)

    def cluster(self, name: str) -> Cluster | None:
        """The cluster called `name` (None when not defined)."""
        return next((c for c in self.items if c.name == name), None)


# ---- presets ------------------------------------------------------------------------------------------------------
# The cluster names and plans are the plans' (domain.md §1.8); every code list and keyword list is this project's own
# mapping to GB/T 4754-2017 (no official table exists) — the bureau is expected to check and edit it.

_YINZHOU_SOURCE = "鄞州区“154”千百亿级产业集群行动方案（宁波“246”万千亿级产业集群框架下），2025 年目标 [domain.md §1.8]"
YINZHOU_154 = f"""
[[items]]
name = "软件与新兴服务"
codes = ["I64", "I65"]            # 互联网和相关服务; 软件和信息技术服务业 (the plan's target is 业务收入)
keywords = ["软件", "信息技术服务", "互联网", "数据服务"]
source = "{_YINZHOU_SOURCE}：软件与新兴服务业务收入 1,000 亿元"

[[items]]
name = "汽车"
codes = ["C36"]                   # 汽车制造业 (整车, 改装, 电车, 车身, 零部件及配件)
keywords = ["汽车", "汽配", "车业"]
source = "{_YINZHOU_SOURCE}：汽车产业集群产值 550 亿元"
  [[items.segments]]
  stage = "上游"
  name = "零部件与发动机"
  codes = ["C367", "C362"]       # 汽车零部件及配件; 汽车用发动机
  keywords = ["汽车零部件", "汽配", "传动", "发动机"]
  [[items.segments]]
  stage = "中游"
  name = "车身挂车与改装"
  codes = ["C366", "C363"]       # 汽车车身、挂车; 改装汽车
  keywords = ["车身", "挂车", "改装"]
  [[items.segments]]
  stage = "下游"
  name = "整车制造"
  codes = ["C361", "C364", "C365"]  # 汽车整车; 低速汽车; 电车
  keywords = ["整车"]

[[items]]
name = "高端装备"
codes = ["C34", "C35", "C37"]     # 通用设备; 专用设备; 铁路、船舶、航空航天和其他运输设备
keywords = ["智能装备", "机器人", "自动化", "数控", "装备"]
source = "{_YINZHOU_SOURCE}：高端装备产业集群产值 720 亿元"
  [[items.segments]]
  stage = "上游"
  name = "基础零部件"
  codes = ["C345", "C348"]       # 轴承、齿轮和传动部件; 通用零部件
  keywords = ["轴承", "液压", "紧固件"]
  [[items.segments]]
  stage = "中游"
  name = "通用与专用设备"
  codes = ["C341", "C342", "C343", "C344", "C346", "C347", "C3493", "C3499", "C351", "C352", "C353", "C354", "C355",
           "C356", "C357", "C358", "C359"]
  keywords = ["通用设备", "模具"]
  [[items.segments]]
  stage = "下游"
  name = "智能装备与机器人"
  codes = ["C3491", "C3492", "C37"]  # 工业机器人; 特殊作业机器人; 运输设备
  keywords = ["智能装备", "机器人", "自动化"]

[[items]]
name = "新材料"
codes = ["C26", "C28", "C30", "C32"]  # 化学原料和化学制品; 化学纤维; 非金属矿物制品; 有色金属冶炼和压延加工
keywords = ["新材料", "高分子", "复合材料"]
source = "{_YINZHOU_SOURCE}：新材料产业集群产值 550 亿元"
  [[items.segments]]
  stage = "上游"
  name = "基础化工原料"
  codes = ["C261", "C262", "C263"]
  keywords = ["化工", "化学"]
  [[items.segments]]
  stage = "中游"
  name = "合成材料与专用化学品"
  codes = ["C265", "C266", "C28"]
  keywords = ["新材料", "高分子"]
  [[items.segments]]
  stage = "下游"
  name = "金属与无机非金属新材料"
  codes = ["C30", "C32"]
  keywords = ["复合材料"]

[[items]]
name = "电子信息"
codes = ["C39"]                   # 计算机、通信和其他电子设备制造业
keywords = ["电子", "集成电路", "半导体", "芯片", "光电"]
source = "{_YINZHOU_SOURCE}：电子信息产业集群产值 750 亿元"
  [[items.segments]]
  stage = "上游"
  name = "电子元器件与集成电路"
  codes = ["C397", "C398"]       # 电子器件 (含集成电路); 电子元件及电子专用材料
  keywords = ["集成电路", "半导体", "芯片", "微电子"]
  [[items.segments]]
  stage = "中游"
  name = "通信与计算机设备"
  codes = ["C391", "C392", "C393", "C394"]
  keywords = ["电子信息"]
  [[items.segments]]
  stage = "下游"
  name = "智能终端与视听设备"
  codes = ["C395", "C396", "C399"]
  keywords = ["光电", "智能终端"]

[[items]]
name = "智能家电"
codes = ["C385", "C386"]          # 家用电力器具; 非电力家用器具
keywords = ["家电", "家用电器", "电器"]
source = "{_YINZHOU_SOURCE}：智能家电产业集群产值 500 亿元（较 2018 年翻番）"

[[items]]
name = "关键基础件"
codes = ["C345", "C348", "C3311"] # 轴承、齿轮和传动部件; 通用零部件; 金属结构 (the overlap with 高端装备 is kept)
keywords = ["轴承", "齿轮", "紧固件", "液压", "密封件", "模具"]
source = "{_YINZHOU_SOURCE}：关键基础件产业集群产值 170 亿元"

[[items]]
name = "时尚纺织服装"
codes = ["C17", "C18", "C19"]     # 纺织业; 纺织服装、服饰业; 皮革、毛皮、羽毛及其制品和制鞋业
keywords = ["纺织", "服装", "服饰", "针织"]
source = "{_YINZHOU_SOURCE}：时尚纺织服装产业集群产值 160 亿元"

[[items]]
name = "生物医药"
codes = ["C27", "C358"]           # 医药制造业; 医疗仪器设备及器械制造
keywords = ["生物医药", "医药", "医疗器械", "生物科技", "体外诊断"]
source = "{_YINZHOU_SOURCE}：生物医药产业集群产值 200 亿元（其中体外诊断试剂 20 亿元、医疗设备 50 亿元）"

[[items]]
name = "节能环保"
codes = ["C3591", "C346", "N772"] # 环境保护专用设备; 烘炉、风机、包装等设备; 环境治理业
keywords = ["节能", "环保", "环境治理"]
source = "{_YINZHOU_SOURCE}：节能环保产业集群产值 150 亿元"
"""

_XIHAIAN_SOURCE = "青岛西海岸新区八大产业集群（到 2025 年三个千亿级、三个五百亿级；八大集群产值占比达到 85%）[domain.md §1.8]"
# domain.md names six of the eight clusters; the other two are not in the sources read, so the preset lists the six
# and a project adds the other two (and checks the 85 % floor over all eight).
XIHAIAN_8 = f"""
[[items]]
name = "智能家电"
codes = ["C385", "C386", "C3874"]  # 家用电力器具; 非电力家用器具; 智能照明器具
keywords = ["家电", "家用电器", "电器"]
source = "{_XIHAIAN_SOURCE}：智能家电，千亿级"
  [[items.segments]]
  stage = "上游"
  name = "家电零部件与材料"
  codes = ["C3857", "C2927"]     # 家用电器零配件; 日用塑料制品
  keywords = ["零配件"]
  [[items.segments]]
  stage = "中游"
  name = "整机制造"
  codes = ["C3851", "C3852", "C3853", "C3854", "C3855", "C3856", "C3859", "C386"]
  keywords = ["家用电器", "家电"]
  [[items.segments]]
  stage = "下游"
  name = "智能家居与服务"
  codes = ["I65", "C3874"]
  keywords = ["智能家居"]

[[items]]
name = "高端化工新材料"
codes = ["C25", "C26", "C28", "C29"]  # 石油、煤炭及其他燃料加工; 化学原料和化学制品; 化学纤维; 橡胶和塑料制品
keywords = ["化工", "新材料", "高分子", "塑料", "橡胶", "轮胎"]
source = "{_XIHAIAN_SOURCE}：高端化工新材料，千亿级"
  [[items.segments]]
  stage = "上游"
  name = "炼化与基础化工"
  codes = ["C25", "C261"]
  keywords = ["化工", "化学"]
  [[items.segments]]
  stage = "中游"
  name = "合成材料"
  codes = ["C265", "C28"]
  keywords = ["新材料", "高分子"]
  [[items.segments]]
  stage = "下游"
  name = "橡塑制品"
  codes = ["C29"]
  keywords = ["塑料", "塑胶", "橡胶", "轮胎"]

[[items]]
name = "芯屏"
codes = ["C397", "C398", "C3974"]  # 电子器件 (集成电路, 显示器件); 电子元件及电子专用材料
keywords = ["集成电路", "半导体", "芯片", "显示", "面板"]
source = "{_XIHAIAN_SOURCE}：“芯屏”，千亿级"

[[items]]
name = "船舶海工"
codes = ["C373", "C3737"]          # 船舶及相关装置制造; 海洋工程装备
keywords = ["船舶", "海工", "海洋工程"]
source = "{_XIHAIAN_SOURCE}：船舶海工，五百亿级"

[[items]]
name = "汽车"
codes = ["C36"]
keywords = ["汽车", "汽配", "车业"]
source = "{_XIHAIAN_SOURCE}：汽车，五百亿级"

[[items]]
name = "高端装备"
codes = ["C34", "C35"]
keywords = ["智能装备", "机器人", "自动化", "装备"]
source = "{_XIHAIAN_SOURCE}：高端装备，五百亿级"
"""

PRESETS = {"yinzhou_154": YINZHOU_154, "xihaian_8": XIHAIAN_8}
PRESET_NAMES = tuple(PRESETS)
# The floor on the clusters' combined share of output a preset brings (西海岸: "八大产业集群产值占比达到 85%").
PRESET_COMBINED_SHARE = {"xihaian_8": 0.85}


def preset_items(name: str) -> tuple[Cluster, ...]:
    """The clusters of preset `name` (a key of PRESETS), read by the same checks as a project's own."""
    r = Reader(tomllib.loads(PRESETS[name]), f"clusters.preset[{name}]", "layers/clusters_settings.py")
    items = r.tables("items", Cluster.read)
    r.finish()
    return items


# The default section, pasted into layers/landpark.default.toml: off (no preset, no cluster) until configured.
DEFAULT_TOML = """
[clusters]
# Industry clusters and chains (`landpark clusters`, the 产业图谱 page). None by default. Either name a preset —
# preset = "yinzhou_154" (鄞州“154”千百亿级产业集群) or "xihaian_8" (青岛西海岸新区八大产业集群) — or list the
# district's own clusters (a project's own list replaces the preset's):
#
# [[clusters.items]]
# name = "汽车"                            # the cluster's name as the plan writes it
# codes = ["C36"]                          # GB/T 4754-2017 codes at any level; a firm's code matches by prefix
# keywords = ["汽车", "汽配"]              # matched against the industry text of firms without a code (or with a
#                                          # code too coarse to decide, e.g. 大类 38 against 中类 C385)
# source = "……规划及其原文……"
#   [[clusters.items.segments]]            # chain segments (optional)
#   stage = "上游"                          # 上游 / 中游 / 下游
#   name = "汽车零部件"
#   codes = ["C367"]
#   keywords = ["汽配"]                    # optional, as for the cluster
#
# Cluster targets (产值 550 亿 …) go to [targets] with scope = "cluster:<name>" and indicator "output", "revenue",
# "tax" (亿元) or "firms".
#
# area_layer = "parks"                     # the unit kind the cluster-by-area rule runs over (districts in a city
#                                          # project, parks in a district project)
# rule_clusters_per_area = [3, 5]          # each area develops 3–5 clusters …
# rule_areas_per_cluster = [3, 5]          # … and each cluster sits in 3–5 areas (a city's 20 集群 plan)
# present_min_share = 0.10                 # an area develops a cluster when the cluster makes ≥ this share of the
#                                          # area's member output (the project's choice; no plan defines it) …
# present_min_firms = 10                   # … or (when set) has at least this many member firms there
# combined_share_min = 0.85                # all clusters' share of the district's output at least (西海岸 85 %)
"""

# The demo's clusters: the 鄞州 preset's, written out as the project's own [[clusters.items]] (the demo district is
# fictional and 鄞州-like). Appended after the default section (whose [clusters] table cannot be opened twice), so
# only arrays of tables; a bureau sees and edits the code mapping where it lives.
DEMO_TOML = (
    "\n# The demo's industry clusters: the 鄞州“154”preset of layers/clusters_settings.py written out ([clusters]\n"
    "# above explains the keys). Cluster names and targets are the plan's; the code mapping is the project's own.\n"
    + YINZHOU_154.replace("[[items.segments]]", "[[clusters.items.segments]]").replace("[[items]]", "[[clusters.items]]"))

# The 鄞州 preset's cluster targets as [targets] items (output in 亿元), for the demo's landpark.toml after [targets].
PRESET_TARGETS_TOML = "\n".join(
    f"""
[[targets.items]]
name = "鄞州“154”：{name} {value:,} 亿元"
indicator = "{indicator}"
scope = "cluster:{name}"
year = 2025
value = {value}
source = "{_YINZHOU_SOURCE}：{name}{'业务收入' if indicator == 'revenue' else '产值'} {value:,} 亿元"
""" for name, indicator, value in (
        ("软件与新兴服务", "revenue", 1000), ("汽车", "output", 550), ("高端装备", "output", 720),
        ("新材料", "output", 550), ("电子信息", "output", 750), ("智能家电", "output", 500), ("关键基础件", "output", 170),
        ("时尚纺织服装", "output", 160), ("生物医药", "output", 200), ("节能环保", "output", 150)))
