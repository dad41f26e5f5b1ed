"""The GeoPackage export's own text: layer names and titles, style legends, labels and the aliases that differ
from the shared column labels (reports.column_label). Registered in `i18n.TEXT` when reports.gpkg imports it."""

from i18n import register_section

TEXT: dict[str, dict[str, str]] = {
    # table names (zh: what QGIS shows in its layer list; en: plain identifiers) and their titles (gpkg_contents)
    "gpkg_layer_protection_lines": {"zh": "工业用地保护线评价", "en": "protection_line_scores"},
    "gpkg_layer_parks": {"zh": "产业园区评价", "en": "park_scores"},
    "gpkg_layer_micro_parks": {"zh": "小微产业园评价", "en": "micro_park_scores"},
    "gpkg_layer_future_communities": {"zh": "未来工业社区评价", "en": "future_community_scores"},
    "gpkg_layer_enterprises": {"zh": "企业亩均评价", "en": "enterprise_scores"},
    "gpkg_layer_parcels": {"zh": "宗地供地状态", "en": "parcels"},
    "gpkg_layer_data_issues": {"zh": "数据问题", "en": "data_issues"},
    "gpkg_title_protection_lines": {"zh": "工业用地保护线：综合评价与等级", "en": "Industrial protection lines: score and grade"},
    "gpkg_title_parks": {"zh": "产业园区：综合评价与等级", "en": "Industrial parks: score and grade"},
    "gpkg_title_micro_parks": {"zh": "小微产业园：综合评价与等级", "en": "Micro-enterprise parks: score and grade"},
    "gpkg_title_future_communities": {"zh": "未来工业社区：综合评价与等级",
                                      "en": "Future industrial communities: score and grade"},
    "gpkg_title_enterprises": {"zh": "企业亩均效益评价（分类 A–D）", "en": "Enterprises: per-mu evaluation (classes A–D)"},
    "gpkg_title_parcels": {"zh": "宗地及供地状态", "en": "Parcels and their supply status"},
    "gpkg_title_data_issues": {"zh": "数据问题清单", "en": "Data issues"},
    # style names and descriptions (layer_styles)
    "gpkg_style_name": {"zh": "默认样式", "en": "default"},
    "gpkg_style_units": {"zh": "轮廓按单元类型区分，内侧色带与淡色填充表示等级，标注名称与等级",
                         "en": "outline by unit kind; inner band and light fill by grade; labelled with name and grade"},
    "gpkg_style_firms": {"zh": "企业分类 A–D：紫红色系并以符号形状区分（A 星形、B 圆形、C 方形、D 三角形）",
                         "en": "firm classes A–D: purple-to-crimson colours and shapes (A star, B circle, C square, D triangle)"},
    "gpkg_style_parcels": {"zh": "按供地状态着色", "en": "coloured by supply status"},
    "gpkg_style_issues": {"zh": "数据问题表：中文字段名与取值说明", "en": "data issues table: field names and value labels"},
    # label of a unit on the map: its name and grade
    "gpkg_unit_label": {"zh": "{name}（{grade}）", "en": "{name} ({grade})"},
    "gpkg_firm_class": {"zh": "{cls} 类企业", "en": "class {cls}"},
    "gpkg_firm_unclassified": {"zh": "未分类", "en": "not classified"},
    "gpkg_grade": {"zh": "{grade} 级", "en": "grade {grade}"},
    # aliases that are specific to one layer of the GeoPackage
    "gpkg_col_parcel_area_mu": {"zh": "宗地面积（亩）", "en": "Parcel area (mu)"},
    "gpkg_col_point_source": {"zh": "点位来源", "en": "Point source"},
    "gpkg_col_not_scored_codes": {"zh": "未评价原因代码", "en": "Reason codes (not scored)"},
    # coded values shown through QGIS value maps (attribute table and identify show these, the data keeps the codes)
    "gpkg_point_point": {"zh": "企业自身坐标", "en": "the firm's own point"},
    "gpkg_point_parcel": {"zh": "所属宗地内一点", "en": "a point on its parcel"},
    "gpkg_bool_true": {"zh": "是", "en": "yes"},
    "gpkg_bool_false": {"zh": "否", "en": "no"},
    "gpkg_severity_error": {"zh": "错误", "en": "error"},
    "gpkg_severity_warning": {"zh": "警告", "en": "warning"},
    "gpkg_severity_info": {"zh": "提示", "en": "info"},
    "gpkg_land_source_table": {"zh": "企业表申报", "en": "declared in the enterprise table"},
    "gpkg_land_source_parcels": {"zh": "关联宗地", "en": "linked parcels"},
    "gpkg_land_source_parcels+leases": {"zh": "关联宗地及租赁", "en": "linked parcels and leases"},
    "gpkg_land_source_leases": {"zh": "租赁", "en": "leases"},
    "gpkg_land_source_none": {"zh": "无", "en": "none"},
    "gpkg_land_use_industrial": {"zh": "工业用地", "en": "industrial"},
    "gpkg_land_use_m0": {"zh": "新型产业用地（M0）", "en": "new industrial (M0)"},
    "gpkg_land_use_warehouse": {"zh": "仓储用地", "en": "warehouse"},
    "gpkg_land_use_residential": {"zh": "居住用地", "en": "residential"},
    "gpkg_land_use_commercial": {"zh": "商业服务业用地", "en": "commercial"},
    "gpkg_land_use_public": {"zh": "公共管理与公共服务用地", "en": "public"},
    "gpkg_land_use_other": {"zh": "其他用地", "en": "other"},
}

register_section(__name__, TEXT)
