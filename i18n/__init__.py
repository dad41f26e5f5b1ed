"""The one translation table for user-facing text (CLI reports, the app, exports).

Keys are English identifiers; `t(key, lang)` returns the Chinese (default) or English text.
Layer and field labels come from `layers.schema` so they are written once.
"""

from __future__ import annotations

import re

from layers.schema import LAYERS
from spatial.errors import LandparkError

DEFAULT_LANG = "zh"

TEXT: dict[str, dict[str, str]] = {
    "app_title": {"zh": "Landpark 园区用地分析", "en": "Landpark land & park analysis"},
    "demo_banner": {"zh": "示范数据（虚构区县，仅供演示）", "en": "Demo data (a fictional district)"},
    "page_map": {"zh": "总览地图", "en": "Map"},
    "project": {"zh": "项目", "en": "Project"},
    "layers": {"zh": "图层", "en": "Layers"},
    "features": {"zh": "要素数", "en": "Features"},
    "no_layers": {"zh": "项目中还没有图层。", "en": "The project has no layers yet."},
    "legend": {"zh": "图例", "en": "Legend"},
    "language": {"zh": "语言", "en": "Language"},
    "basemap": {"zh": "底图", "en": "Basemap"},
    "basemap_none": {"zh": "无底图（离线）", "en": "None (offline)"},
    "data_issues": {"zh": "数据问题", "en": "Data issues"},
    # firm ↔ parcel links (analysis/land_links.py): score, validate and the app's 亩均评价 page
    "links_title": {"zh": "企业—宗地关联", "en": "Firm–parcel links"},
    "links_owner_columns": {"zh": "宗地权利人字段", "en": "Parcel owner columns"},
    "links_cols_code": {"zh": "仅统一社会信用代码", "en": "credit code only"},
    "links_cols_name": {"zh": "仅权利人名称（按名称关联企业）", "en": "owner name only (firms linked by name)"},
    "links_cols_both": {"zh": "信用代码和名称", "en": "credit code and name"},
    "links_cols_none": {"zh": "无（宗地无法关联企业）", "en": "none (parcels cannot be linked to firms)"},
    "links_firm_keys": {"zh": "企业关联字段", "en": "Firm link keys"},
    "links_keys_both": {"zh": "信用代码和企业名称（可按代码或名称关联宗地）", "en": "credit code and name (parcels link by code or name)"},
    "links_keys_code": {"zh": "仅信用代码（无企业名称：宗地只能按代码关联）", "en": "credit code only (no name: parcels link by code only)"},
    "links_firms": {"zh": "企业 {firms} 家已关联宗地 {linked} 家：按关联表 {table}、按信用代码 {code}、按名称 {name}；申报用地但未关联宗地 {declaring} 家",
                    "en": "{linked} of {firms} firms linked to parcels: {table} by link table, {code} by credit code, {name} by name; "
                          "{declaring} declare land but link to no parcel"},
    "links_parcels": {"zh": "宗地 {parcels} 宗，有权利人 {owned} 宗，已关联企业 {linked} 宗；有权利人但无对应企业 {orphan} 宗，匹配有歧义未关联 {ambiguous} 宗",
                      "en": "{parcels} parcels, {owned} with an owner, {linked} linked to a firm; {orphan} with an owner but no firm, "
                            "{ambiguous} ambiguous (not linked)"},
    "links_none": {"zh": "错误：没有任何企业关联到宗地——亩均指标只能用企业表自报的用地面积，多为空。请映射宗地的权利人字段（权利人 / 统一社会信用代码）或导入企业宗地关联表（land_links）。",
                   "en": "Error: no firm is linked to any parcel — per-mu output can use only land areas declared in the enterprise "
                         "table and is mostly null. Map the parcels' owner column (权利人 / credit code) or import a land_links table."},
    # validation report
    "report_source": {"zh": "数据源", "en": "Source"},
    "report_layer": {"zh": "图层", "en": "Layer"},
    "report_kind": {"zh": "图层类型", "en": "Layer kind"},
    "report_features": {"zh": "要素/行数", "en": "Features/rows"},
    "report_crs": {"zh": "坐标系", "en": "CRS"},
    "report_crs_guess": {"zh": "（推测，请核对）", "en": " (a guess: please check)"},
    # web-map datums (GCJ-02 / BD-09): the CRS method and problem codes the data page shows
    "data_crs_m_column_name": {"zh": "坐标列名注明", "en": "named by the coordinate columns"},
    "data_code_datum_gcj02_suspected": {"zh": "疑似 GCJ-02（高德/火星坐标）", "en": "looks like GCJ-02 (AMap)"},
    "data_code_datum_bd09_suspected": {"zh": "疑似 BD-09（百度坐标）", "en": "looks like BD-09 (Baidu)"},
    "data_code_datum_converted": {"zh": "已由网络地图坐标转换为 CGCS2000", "en": "converted from a web-map datum to CGCS2000"},
    "data_code_datum_conflict": {"zh": "坐标列名与指定坐标系不符", "en": "column names contradict the CRS stated"},
    "data_code_datum_outside_china": {"zh": "中国境外坐标未偏移", "en": "coordinates outside China not shifted"},
    "data_code_survey_axes": {"zh": "X 坐标为北坐标（测量坐标系）", "en": "X holds northings (survey convention)"},
    "data_code_other_coordinates": {"zh": "其余坐标列作为属性保留", "en": "other coordinate columns kept as attributes"},
    # how the CRS / encoding was found (the data page and `landpark validate`)
    "data_crs_m_user": {"zh": "用户指定", "en": "given by the user"},
    "data_crs_m_embedded": {"zh": "文件内嵌坐标系", "en": "embedded in the file"},
    "data_crs_m_prj_epsg": {"zh": ".prj 中的 EPSG 代码", "en": "EPSG code in the .prj"},
    "data_crs_m_prj_esri_name": {"zh": ".prj 中的 ESRI 坐标系名称", "en": "ESRI name in the .prj"},
    "data_crs_m_prj_parameters": {"zh": ".prj 中的投影参数", "en": "projection parameters in the .prj"},
    "data_crs_m_coordinate_guess": {"zh": "根据坐标数值推测", "en": "guessed from the coordinates"},
    "data_enc_m_user": {"zh": "用户指定", "en": "given by the user"},
    "data_enc_m_cpg": {"zh": ".cpg 文件", "en": ".cpg file"},
    "data_enc_m_ldid": {"zh": "DBF 语言驱动标识（LDID）", "en": "DBF language driver id (LDID)"},
    "data_enc_m_utf8_strict": {"zh": "内容为合法 UTF-8", "en": "content is valid UTF-8"},
    "data_enc_m_gb18030_strict": {"zh": "内容为合法 GBK/GB18030", "en": "content is valid GBK/GB18030"},
    "data_enc_m_charset_normalizer": {"zh": "按内容统计推测", "en": "statistical guess from the content"},
    "data_enc_m_ascii": {"zh": "内容仅含 ASCII 字符", "en": "content is plain ASCII"},
    # problem types (layers.problems codes): the data page, `landpark validate` / `import`
    "data_code_read_error": {"zh": "无法读取", "en": "cannot read"},
    "data_code_crs_refused": {"zh": "坐标系无法确定或与坐标不符", "en": "CRS unknown or contradicts the coordinates"},
    "data_code_missing_field": {"zh": "缺少必填字段", "en": "required field missing"},
    "data_code_no_features": {"zh": "没有要素", "en": "no features"},
    "data_code_wrong_geometry_type": {"zh": "几何类型不符", "en": "wrong geometry type"},
    "data_code_mixed_geometry_type": {"zh": "部分几何类型不符", "en": "some geometry of the wrong type"},
    "data_code_land_use_standard_ambiguous": {"zh": "无法判断用地分类标准", "en": "land-use standard undecided"},
    "data_code_no_geometry": {"zh": "缺少几何", "en": "no geometry"},
    "data_code_missing_value": {"zh": "必填值为空", "en": "required value missing"},
    "data_code_missing_geometry": {"zh": "要素无几何", "en": "feature without geometry"},
    "data_code_empty_geometry": {"zh": "空几何", "en": "empty geometry"},
    "data_code_invalid_geometry": {"zh": "几何无效（已自动修复）", "en": "invalid geometry (repaired)"},
    "data_code_tiny_polygon": {"zh": "面积过小", "en": "tiny polygon"},
    "data_code_duplicate_id": {"zh": "编号重复", "en": "duplicate id"},
    "data_code_parcel_overlap": {"zh": "宗地重叠", "en": "parcels overlap"},
    "data_code_outside_project": {"zh": "位于项目范围之外", "en": "outside the project"},
    "data_code_outside_crs_area": {"zh": "超出坐标系适用范围", "en": "outside the CRS's area"},
    "data_code_missing_indicator_substituted": {"zh": "缺失指标已按规则替代", "en": "missing indicator substituted"},
    "data_code_enterprise_excluded": {"zh": "企业不参加评价", "en": "enterprise excluded"},
    "data_code_enterprise_not_scored": {"zh": "企业未评价", "en": "enterprise not scored"},
    "data_code_crs_reprojected": {"zh": "导入时将转换坐标系", "en": "reprojected on import"},
    "data_code_crs_detected": {"zh": "已识别坐标系", "en": "CRS detected"},
    "data_code_crs_guessed": {"zh": "坐标系为推测", "en": "CRS guessed"},
    "data_code_crs_ignored": {"zh": "坐标系参数被忽略", "en": "CRS option ignored"},
    "data_code_no_prj": {"zh": "缺少 .prj 文件", "en": "no .prj file"},
    "data_code_bad_uscc": {"zh": "统一社会信用代码有误", "en": "bad USCC"},
    "data_code_unmapped_columns": {"zh": "未使用的字段", "en": "unused columns"},
    "data_code_column_ambiguous": {"zh": "字段有歧义", "en": "ambiguous column"},
    "data_code_column_duplicate": {"zh": "字段重复", "en": "duplicate column"},
    "data_code_column_unit_mismatch": {"zh": "字段单位不符", "en": "column unit mismatch"},
    "data_code_column_prefix": {"zh": "截断的字段名", "en": "cut column name"},
    "data_code_column_alias": {"zh": "按别名识别的字段", "en": "column matched by alias"},
    "data_code_column_holds_codes": {"zh": "名称列实为地类编码", "en": "name column holds codes"},
    "data_code_unit_assumed": {"zh": "单位为假定", "en": "unit assumed"},
    "data_code_unit_converted": {"zh": "单位已换算", "en": "unit converted"},
    "data_code_not_a_number": {"zh": "不是数字", "en": "not a number"},
    "data_code_required_not_a_number": {"zh": "必填字段不是数字", "en": "required field not a number"},
    "data_code_not_a_date": {"zh": "不是日期", "en": "not a date"},
    "data_code_not_a_bool": {"zh": "不是“是/否”", "en": "not yes/no"},
    "data_code_not_an_integer": {"zh": "不是整数", "en": "not a whole number"},
    "data_code_unknown_value": {"zh": "取值不在允许范围", "en": "value not allowed"},
    "data_code_ratio_as_percent": {"zh": "比例按百分数填写", "en": "share written as a percent"},
    "data_code_ratio_out_of_range": {"zh": "比例超出 0–1", "en": "share outside 0–1"},
    "data_code_placeholder_missing": {"zh": "占位符视为空值", "en": "placeholder read as missing"},
    "data_code_land_use_standard_assumed": {"zh": "用地分类标准为推断", "en": "land-use standard assumed"},
    "data_code_land_use_code_padded": {"zh": "地类编码补零", "en": "land-use code padded"},
    "data_code_land_use_from_names": {"zh": "按地类名称分类", "en": "categories from names"},
    "data_code_land_use_name_mismatch": {"zh": "地类名称与编码不符", "en": "land-use name disagrees with code"},
    "data_code_land_use_unknown_code": {"zh": "未知地类编码", "en": "unknown land-use code"},
    "data_code_encoding_guessed": {"zh": "字符编码为推测", "en": "encoding guessed"},
    "data_code_encoding_ignored": {"zh": "编码参数被忽略", "en": "encoding option ignored"},
    "data_code_encoding_mismatch": {"zh": "编码声明与内容不符", "en": "declared encoding disagrees"},
    "data_code_unknown_cpg": {"zh": "无法识别的 .cpg", "en": "unknown .cpg"},
    "data_code_text_cut_in_character": {"zh": "字段名在汉字中间被截断", "en": "name cut inside a character"},
    "data_code_several_datasets": {"zh": "包含多个数据集", "en": "several datasets"},
    "data_code_several_layers": {"zh": "包含多个图层", "en": "several layers"},
    "data_code_gdal_warning": {"zh": "GDAL 警告", "en": "GDAL warning"},
    "data_code_invalid_wkt": {"zh": "WKT 几何无效", "en": "invalid WKT"},
    "data_code_no_coordinates": {"zh": "缺少坐标", "en": "no coordinates"},
    "data_code_not_geometry": {"zh": "不是几何", "en": "not a geometry"},
    "data_code_dates_converted": {"zh": "日期已转换", "en": "dates converted"},
    "data_code_title_rows_skipped": {"zh": "已跳过标题行", "en": "title rows skipped"},
    "data_code_no_geo_metadata": {"zh": "缺少地理元数据", "en": "no geo metadata"},
    "data_code_mixed_geometry": {"zh": "几何类型混杂", "en": "mixed geometry"},
    "data_code_approved_area_differs": {"zh": "面积与核准面积不符", "en": "area differs from the approved area"},
    "data_code_approved_area_unit": {"zh": "核准面积单位取自单元格", "en": "approved-area unit from the cells"},
    "data_code_approved_area_unit_assumed": {"zh": "核准面积单位为假定（亩）", "en": "approved-area unit assumed (亩)"},
    "data_code_column_values_contradict": {"zh": "取值与字段名不符", "en": "values contradict the header"},
    "data_code_column_values": {"zh": "按取值识别的字段", "en": "column recognised by its values"},
    "data_code_column_override": {"zh": "手动指定的字段", "en": "column mapped by hand"},
    "data_code_column_canonical": {"zh": "标准字段名", "en": "canonical column"},
    "data_code_config_not_utf8": {"zh": "设置文件不是 UTF-8", "en": "settings file not UTF-8"},
    "data_code_curve_geometry": {"zh": "曲线几何（已跳过）", "en": "curved geometry (skipped)"},
    "data_code_duplicate_key": {"zh": "属性名重复", "en": "property given twice"},
    "data_code_extent_not_finite": {"zh": "无法转换到项目坐标系", "en": "cannot be expressed in the project CRS"},
    "data_code_crs_mismatch": {"zh": "坐标与坐标系不符", "en": "coordinates contradict the CRS"},
    "data_code_id_collision": {"zh": "编号已存在", "en": "id already in the layer"},
    "data_code_invalid_config": {"zh": "设置项无效", "en": "invalid setting"},
    "data_code_unknown_config_key": {"zh": "未知的设置项", "en": "unknown setting"},
    "data_code_mapping_not_saved": {"zh": "字段对应未保存", "en": "field mapping not saved"},
    "data_code_outside_china": {"zh": "位于中国境外", "en": "outside China"},
    "data_code_unreadable_geometry": {"zh": "几何无法读取（已跳过）", "en": "unreadable geometry (skipped)"},
    "data_code_unsupported_value": {"zh": "取值为列表或对象", "en": "list or object value"},
    "data_code_zone_code_as_id": {"zh": "以开发区代码作园区编号", "en": "zone code used as park id"},
    # problems of an evaluation (analysis/): exports and the CLI
    "data_code_unit_not_scored": {"zh": "单元未评价", "en": "unit not scored"},
    "data_code_indicator_missing": {"zh": "指标无数据", "en": "indicator without data"},
    "data_code_ambiguous_owner": {"zh": "权利人匹配有歧义", "en": "ambiguous owner"},
    "data_code_link_ignored": {"zh": "关联记录被忽略", "en": "link ignored"},
    "data_code_no_land_links": {"zh": "企业未关联宗地", "en": "no firm–parcel links"},
    "data_code_benchmark_unavailable": {"zh": "基准值无法计算", "en": "benchmark unavailable"},
    "data_code_group_mean_unavailable": {"zh": "组均值无法计算", "en": "group mean unavailable"},
    "data_code_owner_not_classed": {"zh": "出租方未分类", "en": "landlord not classed"},
    "data_code_new_firm_rule_skipped": {"zh": "新设企业规则未执行", "en": "new-firm rule skipped"},
    "data_code_previous_year_missing": {"zh": "缺少上年数据", "en": "previous year missing"},
    "data_code_invalid_method": {"zh": "评价办法文件有误", "en": "invalid method file"},
    "data_code_invalid_value": {"zh": "取值无效", "en": "invalid value"},
    "report_encoding": {"zh": "字符编码", "en": "Encoding"},
    "report_mapping": {"zh": "字段对应", "en": "Field mapping"},
    "report_sample": {"zh": "首行取值（核对编码）", "en": "First row (check the decoding)"},
    "report_unmapped": {"zh": "未识别字段", "en": "Unmapped columns"},
    "report_land_use": {"zh": "用地分类标准", "en": "Land-use standard"},
    "report_problems": {"zh": "问题", "en": "Problems"},
    "report_none": {"zh": "无", "en": "none"},
    "report_ok": {"zh": "可以导入", "en": "can be imported"},
    "report_blocked": {"zh": "不能导入：存在阻断性错误", "en": "cannot be imported: blocking errors"},
    "imported": {"zh": "已导入", "en": "Imported"},
    "mapping_saved_used": {
        "zh": "使用项目保存的 {kind} 字段对应（{n} 列）：{pairs}；可用 --map 修改",
        "en": "Using the {kind} field mapping saved with the project ({n} column(s)): {pairs}; --map changes it"},
    # what an import changed (the CLI and the data page)
    "data_change_created": {"zh": "新建图层：{after} 个要素。", "en": "New layer: {after} features."},
    "data_change_replace": {"zh": "已替换：{before} → {after} 个要素（原有 {replaced} 个被新导入的 {added} 个替换）。",
                            "en": "Replaced: {before} → {after} features (the {replaced} old ones replaced by {added} imported)."},
    "data_change_append": {"zh": "已追加：{before} + {added} → {after} 个要素。",
                           "en": "Appended: {before} + {added} → {after} features."},
    "severity_error": {"zh": "错误", "en": "error"},
    "severity_warning": {"zh": "警告", "en": "warning"},
    "severity_info": {"zh": "提示", "en": "info"},
    # supply status and levels
    "unsupplied": {"zh": "批而未供", "en": "Approved, not supplied"},
    "supplied": {"zh": "已供未建", "en": "Supplied, not built"},
    "built": {"zh": "已建成", "en": "Built"},
    "idle": {"zh": "闲置", "en": "Idle"},
    "red": {"zh": "一级（红线）", "en": "Level 1 (red)"},
    "blue": {"zh": "二级（蓝线）", "en": "Level 2 (blue)"},
    "urban_boundary": {"zh": "城镇开发边界", "en": "Urban development boundary"},
    "permanent_farmland": {"zh": "永久基本农田", "en": "Permanent farmland"},
    "ecological_redline": {"zh": "生态保护红线", "en": "Ecological red line"},
    # scorecard exports (analysis/exports): report text
    "exp_title": {"zh": "{region} {year} 年度工业用地单元综合评价", "en": "{region}: industrial land unit evaluation {year}"},
    "exp_district_summary": {"zh": "区县概况", "en": "District summary"},
    "exp_ranking": {"zh": "单元排名", "en": "Unit ranking"},
    "exp_method": {"zh": "评价方法", "en": "Method"},
    "exp_weights": {"zh": "综合得分指标与权重", "en": "Composite indicators and weights"},
    "exp_score_formula": {"zh": "综合得分 = 100 × Σ(权重 × 标准化值) ÷ Σ权重，只计有数据的指标",
                          "en": "score = 100 × Σ(weight × normalised value) ÷ Σ weight, over indicators with data"},
    "exp_grade_rule": {"zh": "等级：A ≥ {a}，B ≥ {b}，C ≥ {c}，其余为 D；排名在同类单元内",
                       "en": "Grades: A ≥ {a}, B ≥ {b}, C ≥ {c}, otherwise D; ranks are within the unit kind"},
    "exp_norm_benchmark": {"zh": "对标区县整体值（封顶 {cap} 倍）", "en": "vs district value (capped at {cap}×)"},
    "exp_norm_ratio": {"zh": "比例本身", "en": "the fraction itself"},
    "exp_norm_minmax": {"zh": "同类单元极差标准化", "en": "min–max within the unit kind"},
    "exp_benefit": {"zh": "越大越好", "en": "higher is better"},
    "exp_cost": {"zh": "越小越好", "en": "lower is better"},
    "exp_year": {"zh": "评价年度", "en": "Evaluation year"},
    "exp_as_of": {"zh": "评价基准日", "en": "As of"},
    "exp_enterprise_method": {"zh": "企业亩均评价", "en": "Enterprise per-mu evaluation"},
    "exp_open_point": {"zh": "评价办法未定规则", "en": "Rule the method's source leaves open"},
    "exp_indicator": {"zh": "指标", "en": "Indicator"},
    "exp_this_unit": {"zh": "本单元", "en": "This unit"},
    "exp_kind_median": {"zh": "同类中位数", "en": "Median of kind"},
    "exp_district_value": {"zh": "区县整体", "en": "District"},
    "exp_rank_in_kind": {"zh": "同类排名", "en": "Rank in kind"},
    "exp_weight": {"zh": "权重", "en": "Weight"},
    "exp_direction": {"zh": "方向", "en": "Direction"},
    "exp_normalisation": {"zh": "标准化", "en": "Normalisation"},
    "exp_benchmark": {"zh": "基准值", "en": "Benchmark"},
    "exp_score_grade": {"zh": "综合得分 {score}　等级 {grade}　同类第 {rank}/{n} 名",
                        "en": "Score {score}   grade {grade}   rank {rank} of {n} in kind"},
    "exp_rank_range": {"zh": "权重各 ±10% 时排名 {best}–{worst}", "en": "rank {best}–{worst} with each weight ±10 %"},
    "exp_member_classes": {"zh": "成员企业分类（{n} 家）", "en": "Member enterprises by class ({n})"},
    "exp_unit_issues": {"zh": "涉及本单元的数据问题（{n} 条）", "en": "Data issues touching this unit ({n})"},
    "exp_more_issues": {"zh": "……另有 {n} 条，见 Excel「数据问题」表", "en": "… {n} more: see the Excel sheet “Data issues”"},
    "exp_none": {"zh": "无", "en": "none"},
    "exp_unit_boundary": {"zh": "单元边界", "en": "Unit boundary"},
    "exp_class_firms": {"zh": "{c}类企业", "en": "Class {c} firms"},
    "exp_north": {"zh": "北", "en": "N"},
    "exp_page": {"zh": "第 {i} 页，共 {n} 页", "en": "Page {i} of {n}"},
    "exp_footer": {"zh": "Landpark 生成 {date}", "en": "Generated by Landpark on {date}"},
    "exp_sheet_summary": {"zh": "汇总", "en": "Summary"},
    "exp_sheet_enterprises": {"zh": "企业评价", "en": "Enterprises"},
    "exp_sheet_method": {"zh": "方法", "en": "Method"},
    "exp_item": {"zh": "项目", "en": "Item"},
    "exp_formula": {"zh": "公式或取值", "en": "Formula or value"},
    "exp_value": {"zh": "数值", "en": "Value"},
    "exp_source": {"zh": "来源", "en": "Source"},
    "exp_section": {"zh": "类别", "en": "Section"},
    "exp_unit_formulas": {"zh": "单元指标", "en": "Unit indicators"},
    "exp_composite": {"zh": "综合得分", "en": "Composite score"},
    "exp_computed_district": {"zh": "本次评价计算的区县整体值", "en": "district value computed in this evaluation"},
    "exp_units_in": {"zh": "所在单元", "en": "Units"},
    "exp_group_above": {"zh": "规上", "en": "above scale"},
    "exp_group_below": {"zh": "规下", "en": "below scale"},
    "exp_yes": {"zh": "是", "en": "yes"},
    "exp_no": {"zh": "否", "en": "no"},
    "exp_unit_table": {"zh": "单元评价表", "en": "Unit scores"},
    "exp_offline_note": {"zh": "本机未找到 Leaflet 脚本，地图需联网加载；离线时仅显示下表。",
                         "en": "No local copy of Leaflet was found: the map needs the internet; "
                               "offline, only the table below shows."},
    "exp_units_count": {"zh": "评价单元 {n} 个", "en": "{n} evaluation units"},
    "exp_part": {"zh": "{label}得分", "en": "{label} points"},
    "exp_font_missing": {"zh": "未找到中文字体", "en": "no CJK font found"},
    # scorecard exports: column labels
    "col_unit_id": {"zh": "单元编号", "en": "Unit id"},
    "col_unit_kind": {"zh": "单元类型", "en": "Unit kind"},
    "col_name": {"zh": "名称", "en": "Name"},
    "col_level": {"zh": "级别", "en": "Level"},
    "col_leading_industries": {"zh": "主导产业", "en": "Leading industries"},
    "col_area_mu": {"zh": "单元面积（亩）", "en": "Area (mu)"},
    "col_parcel_count": {"zh": "宗地数", "en": "Parcels"},
    "col_industrial_land_mu": {"zh": "工业用地面积（亩）", "en": "Industrial land (mu)"},
    "col_m0_mu": {"zh": "M0用地面积（亩）", "en": "M0 land (mu)"},
    "col_industrial_share": {"zh": "工业用地占比", "en": "Industrial share"},
    "col_supplied_mu": {"zh": "已供面积（亩）", "en": "Supplied (mu)"},
    "col_unsupplied_mu": {"zh": "批而未供面积（亩）", "en": "Approved, not supplied (mu)"},
    "col_approved_mu": {"zh": "已批面积（亩）", "en": "Approved (mu)"},
    "col_built_mu": {"zh": "已建成面积（亩）", "en": "Built (mu)"},
    "col_idle_mu": {"zh": "闲置土地面积（亩）", "en": "Idle (mu)"},
    "col_supply_ratio": {"zh": "供地率", "en": "Supply ratio"},
    "col_built_ratio": {"zh": "土地建成率", "en": "Built ratio"},
    "col_idle_ratio": {"zh": "土地闲置率", "en": "Idle ratio"},
    "col_idle_by_date_mu": {"zh": "逾期未动工面积（亩）", "en": "Overdue start (mu)"},
    "col_idle_by_date_count": {"zh": "逾期未动工宗数", "en": "Overdue start (parcels)"},
    "col_far_industrial": {"zh": "工业用地容积率", "en": "Industrial FAR"},
    "col_building_coverage": {"zh": "建筑系数", "en": "Building coverage"},
    "col_low_far_mu": {"zh": "低容积率用地（亩）", "en": "Low-FAR land (mu)"},
    "col_member_count": {"zh": "成员企业数", "en": "Member firms"},
    "col_tax_per_mu": {"zh": "亩均税收（万元/亩）", "en": "Tax per mu (10k yuan)"},
    "col_value_added_per_mu": {"zh": "亩均增加值（万元/亩）", "en": "Value added per mu (10k yuan)"},
    "col_output_per_mu": {"zh": "亩均产值（万元/亩）", "en": "Output per mu (10k yuan)"},
    "col_labour_productivity": {"zh": "全员劳动生产率（万元/人）", "en": "Labour productivity (10k yuan/person)"},
    "col_profit_margin": {"zh": "利润率", "en": "Profit margin"},
    # 规上-only figures beside the all-firm ones (analysis/members.py): a 规上 target is compared with the 规上 figure
    "base_all_firms": {"zh": "全部企业", "en": "all firms"},
    "base_above_scale": {"zh": "规上", "en": "above-scale"},
    "base_note": {"zh": "亩均指标未注「规上」的按全部企业（含规下）计；注「规上」的仅计规上企业，规上目标（如规上亩均税收）与之对比。",
                  "en": "Per-mu figures not marked above-scale count all firms (below-scale included); those marked "
                        "above-scale count 规上 firms only: compare 规上 targets (e.g. 规上亩均税收) with them."},
    "base_district_line": {"zh": "区县整体 {label}：全部企业 {all}，规上 {above}（规上企业 {n} 家）",
                           "en": "District {label}: all firms {all}, above-scale {above} ({n} above-scale firms)"},
    "col_above_scale_tax_per_mu": {"zh": "亩均税收·规上（万元/亩）", "en": "Tax per mu, above-scale (10k yuan)"},
    "col_above_scale_value_added_per_mu": {"zh": "亩均增加值·规上（万元/亩）",
                                           "en": "Value added per mu, above-scale (10k yuan)"},
    "col_above_scale_labour_productivity": {"zh": "全员劳动生产率·规上（万元/人）",
                                            "en": "Labour productivity, above-scale (10k yuan/person)"},
    "col_above_scale_profit_margin": {"zh": "利润率·规上", "en": "Profit margin, above-scale"},
    "col_above_scale_n_firms": {"zh": "规上企业数", "en": "Above-scale firms"},
    "col_member_tax_10k_yuan": {"zh": "成员企业税收（万元）", "en": "Member tax (10k yuan)"},
    "col_member_land_mu": {"zh": "成员企业用地（亩）", "en": "Member land (mu)"},
    "col_class_A": {"zh": "A类企业数", "en": "Class A firms"},
    "col_class_B": {"zh": "B类企业数", "en": "Class B firms"},
    "col_class_C": {"zh": "C类企业数", "en": "Class C firms"},
    "col_class_D": {"zh": "D类企业数", "en": "Class D firms"},
    "col_min_industrial_share": {"zh": "工业用地占比下限", "en": "Minimum industrial share"},
    "col_industrial_share_ok": {"zh": "工业用地占比达标", "en": "Industrial share met"},
    "col_m0_share": {"zh": "M0占比", "en": "M0 share"},
    "col_m0_max_share": {"zh": "M0占比上限", "en": "Maximum M0 share"},
    "col_m0_share_ok": {"zh": "M0占比达标", "en": "M0 share met"},
    "col_low_efficiency_mu": {"zh": "低效用地面积（亩）", "en": "Low-efficiency land (mu)"},
    "col_encroachment_mu": {"zh": "红线内非工业用地（亩）", "en": "Non-industrial use in red line (mu)"},
    "col_encroachment_count": {"zh": "红线内非工业用地宗数", "en": "Non-industrial parcels in red line"},
    "col_score": {"zh": "综合得分", "en": "Score"},
    "col_rank": {"zh": "同类排名", "en": "Rank in kind"},
    "col_grade": {"zh": "等级", "en": "Grade"},
    "col_rank_best": {"zh": "权重±10%最好排名", "en": "Best rank (weights ±10 %)"},
    "col_rank_worst": {"zh": "权重±10%最差排名", "en": "Worst rank (weights ±10 %)"},
    "col_uscc": {"zh": "统一社会信用代码", "en": "Credit code (USCC)"},
    "col_group": {"zh": "规模", "en": "Group"},
    "col_land_mu": {"zh": "用地面积（亩）", "en": "Land (mu)"},
    "col_land_source": {"zh": "用地面积来源", "en": "Land area from"},
    "col_class": {"zh": "分类", "en": "Class"},
    "col_class_override": {"zh": "分类调整原因", "en": "Class override"},
    "col_substituted": {"zh": "缺失值替代指标", "en": "Indicators substituted"},
    "col_scored": {"zh": "参与评价", "en": "Scored"},
    "col_reason_not_scored": {"zh": "未评价原因", "en": "Why not scored"},
    "col_score_coverage": {"zh": "得分所依据权重占比", "en": "Share of weight scored"},
    "col_share_inside": {"zh": "在单元内的比例", "en": "Share inside"},
    "col_basis": {"zh": "归属依据", "en": "Basis"},
    # how a firm is counted in a unit (analysis/members.py `basis`)
    "basis_parcels": {"zh": "按宗地（单元内面积占比）", "en": "by its parcels (share inside)"},
    "basis_point": {"zh": "按企业点位", "en": "by its location point"},
    # units without a composite score (analysis.composite.not_scored_codes): missing is never graded
    "grade_not_scored": {"zh": "未评价", "en": "not scored"},
    "value_no_data": {"zh": "无数据", "en": "no data"},
    "unit_not_scored_no_parcels": {"zh": "单元内无宗地数据", "en": "no parcels in the unit"},
    "unit_not_scored_no_linked_firms": {"zh": "无关联企业", "en": "no linked firms"},
    "unit_not_scored_no_firm_data": {"zh": "成员企业缺少税收或用地数据", "en": "member firms lack tax or land data"},
    "unit_not_scored_zero_weight": {"zh": "有数据的指标权重均为 0", "en": "the indicators with data all have weight 0"},
    "unit_not_scored_no_data": {"zh": "综合得分指标均无数据", "en": "no composite indicator has data"},
    "units_scored_count": {"zh": "已评价 {scored} 个，未评价 {unscored} 个", "en": "{scored} scored, {unscored} not scored"},
    "col_supply_status": {"zh": "供地状态", "en": "Supply status"},
    "col_parcel_id": {"zh": "宗地编号", "en": "Parcel id"},
    "col_owner_uscc": {"zh": "权利人信用代码", "en": "Owner USCC"},
    "col_owner_class": {"zh": "权利人分类", "en": "Owner class"},
    "col_owner_score": {"zh": "权利人得分", "en": "Owner score"},
    "col_severity": {"zh": "级别", "en": "Severity"},
    "col_layer": {"zh": "图层", "en": "Layer"},
    "col_feature": {"zh": "要素", "en": "Feature"},
    "col_field": {"zh": "字段", "en": "Field"},
    "col_code": {"zh": "问题代码", "en": "Code"},
    "col_message": {"zh": "说明", "en": "Message"},
    "col_value": {"zh": "取值", "en": "Value"},
    "col_source": {"zh": "来源", "en": "Source"},
    # park kinds (tooltips of maps.webmap and the map page)
    "map_kind_comprehensive": {"zh": "综合型", "en": "Comprehensive"},
    "map_kind_specialty": {"zh": "专业型", "en": "Specialty"},
    "map_kind_cluster_zone": {"zh": "产业集聚区", "en": "Cluster zone"},
    # siting criteria and hard rules: the one source of their labels (analysis.siting label_zh, the CLI, the app)
    "siting_crit_industry_match": {"zh": "主导产业匹配", "en": "Industry match"},
    "siting_crit_unit_performance": {"zh": "所在单元亩均税收", "en": "Unit tax per mu"},
    "siting_crit_unit_supply": {"zh": "所在单元供地率", "en": "Unit supply ratio"},
    "siting_crit_road_access": {"zh": "道路通达", "en": "Road access"},
    "siting_crit_size_fit": {"zh": "面积契合", "en": "Size fit"},
    "siting_crit_compactness": {"zh": "形状紧凑度", "en": "Compactness"},
    "siting_crit_slope": {"zh": "平均坡度", "en": "Slope"},
    "siting_crit_protection_line": {"zh": "工业用地保护线级别", "en": "Protection line level"},
    "siting_rule_urban_boundary": {"zh": "位于城镇开发边界内", "en": "Inside the urban development boundary"},
    "siting_rule_permanent_farmland": {"zh": "不占永久基本农田", "en": "No permanent farmland"},
    "siting_rule_ecological_redline": {"zh": "不占生态保护红线", "en": "No ecological red line"},
    "siting_rule_protection_line": {"zh": "位于工业用地保护线内", "en": "Inside an industrial protection line"},
    "siting_rule_search_area": {"zh": "位于指定选址范围内", "en": "Inside the search area"},
    "siting_rule_slope": {"zh": "坡度不超过上限", "en": "Slope within the limit"},
    "siting_rule_area": {"zh": "面积满足需求", "en": "Area within the request"},
    # the yearly supply mix (analysis/supply_mix.py): `landpark supply` and the 供地分析 page's 供地结构 section
    "supply_mix_title": {"zh": "供地结构", "en": "Supply mix"},
    "supply_mix_header": {"zh": "供地结构（评价基准日 {date}；面积单位：亩）", "en": "Supply mix (as of {date}; areas in mu)"},
    "supply_mix_definition": {
        "zh": "按供地日期所在年度统计已供宗地（已供未建、已建成、闲置）；工业用地指：{categories}；工业占比 = 工业用地面积 ÷ 当年已填用地类别的供地面积。",
        "en": "Supplied parcels (supplied, built, idle) by the year of their supply date; industrial land: {categories}; "
              "industrial share = industrial area ÷ categorised area supplied that year."},
    "supply_mix_by_type": {"zh": "按供地方式（亩）", "en": "By supply type (mu)"},
    "supply_mix_by_category": {"zh": "按用地类别（亩）", "en": "By land-use category (mu)"},
    "supply_mix_col_year": {"zh": "年度", "en": "Year"},
    "supply_mix_col_parcels": {"zh": "宗数", "en": "Parcels"},
    "supply_mix_col_supplied": {"zh": "供地面积", "en": "Supplied"},
    "supply_mix_col_industrial": {"zh": "工业用地", "en": "Industrial"},
    "supply_mix_col_share": {"zh": "工业占比", "en": "Industrial share"},
    "supply_mix_col_floor": {"zh": "底线", "en": "Floor"},
    "supply_mix_col_target": {"zh": "下限", "en": "At least"},
    "supply_mix_col_counted": {"zh": "计入面积", "en": "Counted"},
    "supply_mix_col_value": {"zh": "工业占比", "en": "Industrial share"},
    "supply_mix_col_status": {"zh": "结论", "en": "Verdict"},
    "supply_mix_col_parcel": {"zh": "宗地编号", "en": "Parcel"},
    "supply_mix_col_type": {"zh": "供地方式", "en": "Supply type"},
    "supply_mix_col_category": {"zh": "用地类别", "en": "Category"},
    "supply_mix_col_area": {"zh": "面积（亩）", "en": "Area (mu)"},
    "supply_mix_col_term": {"zh": "年限（年）", "en": "Term (years)"},
    "supply_mix_col_start": {"zh": "起始日期", "en": "Start"},
    "supply_mix_col_end": {"zh": "终止日期", "en": "End"},
    "supply_mix_col_months_left": {"zh": "剩余月数", "en": "Months left"},
    "supply_mix_col_lease_status": {"zh": "状态", "en": "Status"},
    "supply_mix_floors": {"zh": "工业用地占比底线", "en": "Floors on the industrial share"},
    "supply_mix_floor_line": {"zh": "{name}（不低于 {share}；计入：{counts}；口径：{base}）",
                              "en": "{name} (at least {share}; counts: {counts}; base: {base})"},
    "supply_mix_floor_source": {"zh": "来源：{source}", "en": "Source: {source}"},
    "supply_mix_no_floors": {"zh": "未设置工业用地占比底线（可在项目设置 [supply_mix] 中添加）。",
                             "en": "No floor is configured (add them under [supply_mix] in landpark.toml)."},
    "supply_mix_counts_all": {"zh": "全部供地方式", "en": "every supply type"},
    "supply_mix_base_new_construction_land": {"zh": "新增建设用地", "en": "new construction land"},
    "supply_mix_base_land_sold": {"zh": "出让土地", "en": "land sold"},
    "supply_mix_status_pass": {"zh": "达标", "en": "meets the floor"},
    "supply_mix_status_fail": {"zh": "未达标", "en": "below the floor"},
    "supply_mix_status_incomplete": {"zh": "无法判定（部分宗地未填供地方式或用地类别）",
                                     "en": "cannot tell (supply type or category missing)"},
    "supply_mix_status_no_data": {"zh": "无供地", "en": "no land supplied"},
    "supply_mix_unknown": {"zh": "未填", "en": "Not given"},
    "supply_mix_type_grant": {"zh": "出让", "en": "Granted"},
    "supply_mix_type_flexible_grant": {"zh": "弹性年期出让", "en": "Granted, flexible term"},
    "supply_mix_type_lease_then_grant": {"zh": "先租后让", "en": "Leased, then granted"},
    "supply_mix_type_lease": {"zh": "租赁", "en": "Leased"},
    "supply_mix_type_allocation": {"zh": "划拨", "en": "Allocated"},
    "supply_mix_type_other": {"zh": "其他", "en": "Other"},
    "supply_mix_cat_industrial": {"zh": "工业用地", "en": "Industrial"},
    "supply_mix_cat_m0": {"zh": "新型产业用地", "en": "New industrial (M0)"},
    "supply_mix_cat_warehouse": {"zh": "仓储用地", "en": "Warehouse"},
    "supply_mix_cat_residential": {"zh": "居住用地", "en": "Residential"},
    "supply_mix_cat_commercial": {"zh": "商业服务业用地", "en": "Commercial"},
    "supply_mix_cat_public": {"zh": "公共设施用地", "en": "Public"},
    "supply_mix_cat_other": {"zh": "其他用地", "en": "Other"},
    "supply_mix_undated": {"zh": "已供应但未填供地日期：{n} 宗，{mu} 亩（不计入任何年度）",
                           "en": "Supplied without a supply date: {n} parcels, {mu} mu (in no year)"},
    "supply_mix_leases": {"zh": "弹性年期出让、先租后让、租赁：共 {n} 宗；已到期 {ended} 宗，{months} 个月内到期 {expiring} 宗",
                          "en": "Flexible terms (flexible-term grants, lease-then-grant, leases): {n} parcels; {ended} ended, "
                                "{expiring} ending within {months} months"},
    "supply_mix_no_leases": {"zh": "没有已到期或即将到期的租赁。", "en": "No lease has ended or ends within the window."},
    "supply_mix_lease_ended": {"zh": "已到期", "en": "ended"},
    "supply_mix_lease_expiring": {"zh": "即将到期", "en": "ending soon"},
    "supply_mix_lease_current": {"zh": "未到期", "en": "current"},
    "supply_mix_lease_no_end": {"zh": "无终止日期", "en": "no end date"},
    "supply_mix_no_parcels": {"zh": "{directory}：项目中没有宗地图层，无法统计供地结构", "en": "{directory}: the project has no parcels layer"},
}

class DuplicateKeyError(LandparkError, KeyError):
    """A translation key defined in two sections of the table (a defect of the code, found at import)."""


def register_section(name: str, section: dict[str, dict[str, str]]) -> None:
    """Add one front door's own text (e.g. an app page's) to the table; a key defined twice is a programming error.

    Registering the same section again is a no-op, so a module may be re-imported safely."""
    twice = {key for key in TEXT.keys() & section.keys() if TEXT[key] is not section[key]}
    if twice:
        raise DuplicateKeyError(f"{name}: translation keys defined twice: {sorted(twice)}")
    TEXT.update(section)

LAYER_EN = {
    "protection_lines": "Industrial protection lines", "parks": "Industrial parks", "micro_parks": "Micro-enterprise parks",
    "future_communities": "Future industrial communities", "parcels": "Parcels", "land_approvals": "Land approval batches",
    "enterprises": "Enterprises", "constraints": "Three zones, three lines", "roads": "Roads",
    "land_links": "Firm–parcel link table", "enterprise_events": "Enterprise events", "tenancy": "Tenancies (leases)",
}


def t(key: str, lang: str = DEFAULT_LANG) -> str:
    """Text for `key` in `lang`; an unknown key returns itself so a gap shows, never crashes."""
    entry = TEXT.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry.get("en") or key


_ROW = re.compile(r"row (\d+)")
_FEATURE = re.compile(r"feature (\d+)")


def feature_label(feature: object, lang: str = DEFAULT_LANG) -> str:
    """Where a problem is, as a person reads it: the readers' "row N" / "feature N" labels in Chinese for zh
    (第 N 行 / 第 N 个要素); a feature id as it is."""
    text = "" if feature is None or (isinstance(feature, float) and feature != feature) else str(feature)
    if lang != "zh":
        return text
    if m := _ROW.fullmatch(text):
        return f"第 {m.group(1)} 行"
    if m := _FEATURE.fullmatch(text):
        return f"第 {m.group(1)} 个要素"
    return text


def layer_label(kind: str, lang: str = DEFAULT_LANG) -> str:
    """Display name of a layer kind."""
    if lang == "en":
        return LAYER_EN.get(kind, kind)
    spec = LAYERS.get(kind)
    return spec.label_zh if spec else kind


def field_label(kind: str, name: str, lang: str = DEFAULT_LANG) -> str:
    """Display name of a canonical field of a layer kind."""
    spec = LAYERS.get(kind)
    f = spec.get(name) if spec else None
    if lang == "en" or f is None or not f.label_zh:
        return name
    return f.label_zh


# Sections kept beside their commands' code register themselves on import; imported here so that every key exists
# wherever `i18n` is (the CLI, the reports, the app).
from i18n import clusters_text as _clusters_text  # noqa: E402,F401
from i18n import industry_text as _industry_text  # noqa: E402,F401
from i18n import lines_text as _lines_text  # noqa: E402,F401
from i18n import siting_chain_text as _siting_chain_text  # noqa: E402,F401
from i18n import standard_land_text as _standard_land_text  # noqa: E402,F401
from i18n import targets_text as _targets_text  # noqa: E402,F401
from i18n import versions_text as _versions_text  # noqa: E402,F401
from i18n import yoy_text as _yoy_text  # noqa: E402,F401
