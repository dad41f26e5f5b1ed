"""UI text shared by every page of the app (merged into `i18n.TEXT`, the one translation table)."""

TEXT: dict[str, dict[str, str]] = {
    "page_scores": {"zh": "园区评分", "en": "Scorecards"},
    "page_enterprises": {"zh": "亩均评价", "en": "Per-mu evaluation"},
    "page_supply": {"zh": "供地分析", "en": "Land supply"},
    "page_siting": {"zh": "选址分析", "en": "Siting"},
    "page_data": {"zh": "数据管理", "en": "Data"},
    "method_choice": {"zh": "亩均评价办法", "en": "亩均 evaluation method"},
    "nav_evaluate": {"zh": "评价", "en": "Evaluation"},
    "nav_land": {"zh": "土地", "en": "Land"},
    "nav_plan": {"zh": "规划与招商", "en": "Plans and siting"},
    "nav_data": {"zh": "数据", "en": "Data"},
    "year_choice": {"zh": "评价年度", "en": "Evaluation year"},
    "year_project": {"zh": "项目年度（{year}，现行图层）", "en": "Project year ({year}, current layers)"},
    "year_item": {"zh": "{year} 年", "en": "{year}"},
    "year_choice_help": {"zh": "按所选年度的企业数据评价，图层取该年度评价基准日生效的版本（landpark score --year）。",
                         "en": "Evaluates the firm data of the chosen year with the layers in force on its evaluation "
                               "date (landpark score --year)."},
    "method_project": {"zh": "本项目设定（landpark.toml）", "en": "this project's setting (landpark.toml)"},
    "method_choice_help": {"zh": "各页面的企业评价按此办法计算；预设列表见 landpark methods，每个预设注明来源文件和未定规则。",
                           "en": "Every page scores firms with this method; the presets (landpark methods) cite their "
                                 "notices and list the rules they leave open."},
    "evaluating": {"zh": "正在计算评价（首次打开需数秒，结果按项目内容缓存）…",
                   "en": "Evaluating (a few seconds the first time; cached on the project's content)…"},
    "evaluation_failed": {"zh": "评价计算失败（请到“数据管理”检查数据）", "en": "The evaluation failed (check the data page)"},
    "loading_layers": {"zh": "正在读取图层…", "en": "Reading layers…"},
    "project_error": {"zh": "无法打开项目", "en": "Cannot open the project"},
    "no_units": {"zh": "项目中没有评价单元（园区、小微园、未来工业社区、保护线）。",
                 "en": "The project has no evaluation units (parks, micro parks, communities, lines)."},
    "unit_kind": {"zh": "单元类型", "en": "Unit kind"},
    "all": {"zh": "全部", "en": "All"},
}
