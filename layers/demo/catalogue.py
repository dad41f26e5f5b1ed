"""The invented parks, place names, micro-park themes and industries of the demo district."""

from __future__ import annotations

PARKS = [  # name, kind, level, leading industries
    ("滨海智造园区", "comprehensive", "国家级", "汽车零部件;智能装备"),
    ("南岭新材料产业园", "specialty", "省级", "新材料;化工"),
    ("北岸电子信息产业园", "specialty", "省级", "电子信息;集成电路"),
    ("云湖生物医药产业园", "cluster_zone", "市级", "生物医药"),
]
# As a 开发区目录 lists them (fictional codes): approval date, zone code, and the approved area as a share of
# the drawn polygon; 云湖 has grown past its approval (an unapproved 扩区), which import flags.
PARK_APPROVALS = [
    ("2010-11-30", "G339901", 0.97),
    ("2006-03-15", "S339902", 1.04),
    ("2012-06-20", "S339903", 0.95),
    ("2018-09-01", "S339904", 0.62),
]
PLACES = ["云溪", "澄浦", "望海", "柳塘", "青屿", "泉口", "石桥", "梅墩", "栖凤", "下洋", "横泾", "东岙",
          "潘火", "桃源", "新碶", "湖塘", "观澜", "龙山", "凤岙", "沙港", "白峰", "松岙", "前洋", "后塘"]
MICRO_THEMES = ["智能装备", "汽配", "五金", "电子", "新材料", "模具", "文具", "塑胶", "电器", "光电"]
MICRO_INDUSTRY = {"智能装备": "智能装备", "汽配": "汽车零部件", "五金": "金属制品", "电子": "电子信息",
                  "新材料": "新材料", "模具": "通用设备", "文具": "塑料制品", "塑胶": "塑料制品", "电器": "家用电器",
                  "光电": "电子信息"}
# GB/T 4754-2017 大类 of each demo industry (the demo's own assignment; 新材料 and 智能装备 span several 大类 in
# reality, the closest one is used: 化学原料和化学制品制造业 26, 专用设备制造业 35).
INDUSTRY_CODES = {"汽车零部件": "36", "智能装备": "35", "新材料": "26", "化工": "26", "电子信息": "39",
                  "集成电路": "39", "生物医药": "27", "金属制品": "33", "纺织服装": "18", "塑料制品": "29",
                  "家用电器": "38", "通用设备": "34"}
GENERAL_INDUSTRIES = ["金属制品", "纺织服装", "塑料制品", "家用电器", "通用设备", "汽车零部件", "智能装备"]


def micro_theme(index: int) -> str:
    """Theme of micro park number `index` (the themes repeat in order)."""
    return MICRO_THEMES[index % len(MICRO_THEMES)]
