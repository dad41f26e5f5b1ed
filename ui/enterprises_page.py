"""亩均评价: the enterprise evaluation — score distribution and class counts per group (规上/规下),
the firm table with filters, the firms left unscored and why, the method and 基准值 in use, and how firms
are linked to parcels (analysis/land_links.py).

Tables and counts come from `analysis.firm_table`, the method from `analysis.enterprise_method`;
the page only lays them out.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from analysis.methods.catalogue import INLINE
from i18n.numbers import format_ratio, format_score
from layers.auth import Permission
from layers.settings import AppEnterprises, EnterpriseSettings
from ui import auth
from ui.number_columns import column_config
from ui.state import cached, current_project, evaluation_key, evaluation_or_stop, lang, page_header, tr

CLASS_COLOURS = {"A": "#1a9850", "B": "#91cf60", "C": "#fdae61", "D": "#d73027"}
TABLE_COLUMNS = ["uscc", "name", "industry", "group", "class", "rank", "score", "land_mu", "land_source",
                 "tax_10k_yuan", "tax_per_mu", "value_added_per_mu", "tax_per_kwh", "class_override", "substituted",
                 "scored", "reason_not_scored"]
NUMBER_KINDS = {"tax_per_kwh": "per_mu", "score": "score", "rank": "int"}  # numeric columns the exports treat as text


LIST_LABELS = "enterprises_list_labels"  # session key: the labels of the method's evaluation lists


def _group_label(group) -> str:
    """规上 / 规下 in the UI language; another list of the method (宁波 4.0's 规下 < 3 亩 …) by its own label."""
    if group in ("above", "below", "unknown"):
        return tr(f"enterprises_group_{group}")
    return str(st.session_state.get(LIST_LABELS, {}).get(group, group))


def _histograms(table: pd.DataFrame, settings: AppEnterprises) -> None:
    """Score histogram per group, with the lowest score of each class marked."""
    import altair as alt

    from analysis.firm_table import class_floors, score_histogram

    hist = score_histogram(table, settings.histogram_bins, settings.histogram_clip_quantile)
    floors = class_floors(table)
    groups = list(dict.fromkeys(hist["group"]))
    if not groups:
        st.info(tr("enterprises_no_scores"))
        return
    for column, group in zip(st.columns(len(groups)), groups):
        part = hist[hist["group"] == group]
        marks = floors[(floors["group"] == group) & (floors["class"] != "A")]
        marks = marks[marks["score"] <= part["end"].max()]
        with column:
            st.markdown(f"**{_group_label(group)}**（{tr('enterprises_n_scored', n=int(part['count'].sum()))}）")
            bars = alt.Chart(part).mark_bar(color="#4c78a8").encode(
                x=alt.X("start:Q", bin="binned", title=tr("enterprises_score_axis")), x2="end:Q",
                y=alt.Y("count:Q", title=tr("enterprises_count_axis")),
                tooltip=[alt.Tooltip("start:Q", title=tr("enterprises_from"), format=".1f"),
                         alt.Tooltip("end:Q", title=tr("enterprises_to"), format=".1f"),
                         alt.Tooltip("count:Q", title=tr("enterprises_count_axis"))])
            layers = [bars]
            if len(marks):
                marks = marks.assign(label=marks["class"].map(lambda c: tr("enterprises_class_floor", c=c)))
                colours = [CLASS_COLOURS[c] for c in marks["class"]]
                rules = alt.Chart(marks).mark_rule(strokeDash=[5, 3], strokeWidth=2).encode(
                    x="score:Q",
                    color=alt.Color("label:N", title=None, scale=alt.Scale(domain=list(marks["label"]), range=colours),
                                    legend=alt.Legend(orient="top")),
                    tooltip=[alt.Tooltip("label:N", title=tr("enterprises_class")),
                             alt.Tooltip("score:Q", title=tr("enterprises_score_axis"), format=".2f")])
                layers.append(rules)
            st.altair_chart(alt.layer(*layers).properties(height=260), width="stretch")
            clipped = int(part["clipped"].iloc[0])
            if clipped:
                st.caption(tr("enterprises_clipped", n=clipped, score=format_score(part['end'].max())))
    st.caption(tr("enterprises_hist_note"))


def _class_counts(table: pd.DataFrame) -> None:
    from analysis.firm_table import class_counts

    counts = class_counts(table)
    counts.index = [_group_label(g) for g in counts.index]
    counts.columns = [tr("enterprises_unscored") if c == "unscored" else tr("enterprises_total") if c == "total"
                      else tr("enterprises_class_col", c=c) for c in counts.columns]
    counts.index.name = tr("enterprises_group")
    st.dataframe(counts, width="stretch")


def _firm_list(table: pd.DataFrame, settings: AppEnterprises) -> None:
    """The firm table with filters by group, class, industry, name/credit code and unscored."""
    from analysis.firm_table import CLASSES, filter_firms

    classes = [c for c in CLASSES if (table["class"] == c).any()]
    industries = sorted(str(i) for i in table["industry"].dropna().unique())
    c1, c2, c3 = st.columns([2, 2, 3])
    lists = [g for g in dict.fromkeys(table["group"].dropna()) if isinstance(g, str)]
    groups = c1.multiselect(tr("enterprises_group"), lists, key="enterprises_group",
                            format_func=_group_label, placeholder=tr("all"))
    chosen = c2.multiselect(tr("enterprises_class"), classes, key="enterprises_class", placeholder=tr("all"))
    picked = c3.multiselect(tr("enterprises_industry"), industries, key="enterprises_industry", placeholder=tr("all"))
    c4, c5 = st.columns([3, 2])
    text = c4.text_input(tr("enterprises_search"), key="enterprises_search", placeholder=tr("enterprises_search_hint"))
    unscored = c5.checkbox(tr("enterprises_unscored_only"), key="enterprises_unscored")
    shown = filter_firms(table, groups=groups, classes=chosen, industries=picked, text=text, unscored_only=unscored)
    shown = shown.sort_values(["group", "rank"], na_position="last", kind="stable")
    st.caption(tr("enterprises_shown", n=len(shown), total=len(table)))
    columns = [c for c in TABLE_COLUMNS if c in shown.columns]
    frame = shown[columns].copy()
    frame["group"] = frame["group"].map(_group_label)
    frame["land_source"] = frame["land_source"].map(lambda s: tr(f"enterprises_src_{s}") if isinstance(s, str) else s)
    if lang() == "zh":
        frame["class_override"] = frame["class_override"].map(override_text)
        frame["substituted"] = frame["substituted"].map(indicator_names)
    st.dataframe(frame, hide_index=True, width="stretch", height=settings.table_height, key="enterprises_table",
                 column_config=column_config(columns, lang(), kinds=NUMBER_KINDS,
                                             labels={"industry": tr("enterprises_industry"),
                                                     "rank": tr("enterprises_rank")}))


_FOLLOWS = re.compile(r"tenancy: follows (\S+): (.+)")
_ADJUSTED = re.compile(r"(.+?): ([A-DT]→[A-DT])")


def override_text(text: object) -> object:
    """A class override (analysis.methods.engine `class_override`) in Chinese: the inline method's "new firm"
    and the tenancy rule are worded here; a method file's own labels (Chinese) are kept."""
    if not isinstance(text, str):
        return text
    if m := _FOLLOWS.fullmatch(text):
        return tr("enterprises_override_follows", owner=m.group(1), change=m.group(2))
    if m := _ADJUSTED.fullmatch(text):
        label = tr("enterprises_override_new_firm") if m.group(1) == "new firm" else m.group(1)
        return f"{label}：{m.group(2)}"
    return text


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = {"*": " × ", "/": " ÷ "}


def expression_text(expression: object, lang_: str) -> object:
    """A method file's indicator expression as a person reads it: in zh its field names are the enterprise
    table's Chinese field names and * / are × ÷ (e.g. tax_10k_yuan / land_mu → 税收（万元） ÷ 用地面积（亩））."""
    if lang_ != "zh" or not isinstance(expression, str):
        return expression
    words = {"and": "且", "or": "或", "not": "非", "True": "是", "False": "否"}
    text = _NAME.sub(lambda m: words.get(m.group(0)) or _field_name(m.group(0)), expression)
    for op, shown in _OPERATORS.items():
        text = text.replace(f" {op} ", shown).replace(op, shown)
    return re.sub(r"\s{2,}", " ", text).strip()


def _field_name(name: str) -> str:
    """A firm field of a method expression in Chinese: the enterprise table's field name, or a derived field's
    (analysis/methods/firm_fields.py); the name itself when neither has one."""
    from i18n import TEXT, field_label

    label = field_label("enterprises", name, "zh")
    if label != name:
        return label
    key = f"enterprises_field_{name}"
    return tr(key) if key in TEXT else name


def indicator_names(codes: object) -> object:
    """Comma-separated indicator codes (`substituted`) as their Chinese names."""
    from analysis.indicators import INDICATORS

    if not isinstance(codes, str) or not codes:
        return codes
    return "、".join(INDICATORS[c].label_zh if c in INDICATORS else c for c in codes.split(","))


def _unscored(table: pd.DataFrame) -> None:
    missing = table[~table["scored"].astype(bool)]
    if not len(missing):
        st.success(tr("enterprises_all_scored", n=len(table)))
        return
    st.warning(tr("enterprises_n_unscored", n=len(missing)))
    frame = missing[["uscc", "name", "industry", "group", "land_mu", "reason_not_scored"]].copy()
    frame["group"] = frame["group"].map(lambda g: _group_label(g) if isinstance(g, str) else "—")
    st.dataframe(frame, hide_index=True, width="stretch",
                 column_config=column_config(frame.columns, lang(), labels={"industry": tr("enterprises_industry")}))


def _method(ent: EnterpriseSettings, benchmarks: dict, table: pd.DataFrame) -> None:
    """Weights, 基准值, missing-data rules and class rules in use, with their sources."""
    from analysis.enterprise_method import class_rule, indicator_table, settings_rows

    st.markdown(tr("enterprises_formula"))
    if ent.source:
        st.caption(f"{tr('enterprises_source')}：{ent.source}" if lang() == "zh" else
                   f"{tr('enterprises_source')}: {ent.source}")
    mode = ent.benchmark_mode
    st.markdown(tr(f"enterprises_mode_{mode}", k=ent.k) if mode in ("fixed", "mean", "k_mean") else mode)
    groups = [g for g in ("above", "below") if g in benchmarks or ent.group(f"{g}_scale") is not None]
    for group in groups:
        rows = indicator_table(ent, benchmarks, group)
        if lang() != "zh":
            rows["label"] = rows["indicator"].str.replace("_", " ")
        rows["missing_rule"] = rows["missing_rule"].map(lambda r: tr(f"enterprises_rule_{r}") if r else "—")
        shown = rows[["label", "unit", "weight", "weight_share", "benchmark_config", "benchmark_applied", "missing_rule",
                      "formula"]]
        st.markdown(f"**{_group_label(group)}** · `{rows['config_key'].iloc[0] if len(rows) else ''}`")
        labels = {"label": tr("enterprises_indicator"), "unit": tr("enterprises_unit"), "weight": tr("enterprises_weight"),
                  "weight_share": tr("enterprises_weight_share"), "benchmark_config": tr("enterprises_bench_config"),
                  "benchmark_applied": tr("enterprises_bench_applied"), "missing_rule": tr("enterprises_missing_rule"),
                  "formula": tr("enterprises_formula_col")}
        st.dataframe(shown, hide_index=True, width="stretch", column_config={
            **{k: st.column_config.TextColumn(v) for k, v in labels.items()},
            "weight": st.column_config.NumberColumn(labels["weight"], format="%g"),
            "weight_share": st.column_config.NumberColumn(labels["weight_share"], format="percent"),
            "benchmark_config": st.column_config.NumberColumn(labels["benchmark_config"], format="%g"),
            "benchmark_applied": st.column_config.NumberColumn(labels["benchmark_applied"], format="%g")})
    rule = class_rule(ent)
    if rule["method"] == "percentile" and len(rule.get("cuts", ())) == 3:
        a, b, c = (format_ratio(x, 0) for x in rule["cuts"])
        text = tr("enterprises_rule_percentile", a=a, b=b, c=c)
    elif rule["method"] == "score" and len(rule.get("thresholds", ())) == 3:
        a, b, c = (f"{x:g}" for x in rule["thresholds"])
        text = tr("enterprises_rule_score", a=a, b=b, c=c)
    else:
        text = str(rule)
    st.markdown(f"**{tr('enterprises_class_rule')}**：{text}" if lang() == "zh" else
                f"**{tr('enterprises_class_rule')}**: {text}")
    extra = []
    if rule.get("new_firm_years"):
        extra.append(tr("enterprises_rule_new", years=f"{rule['new_firm_years']:g}"))
    if rule.get("listed_as_t"):
        extra.append(tr("enterprises_rule_listed"))
    overrides = int(table["class_override"].notna().sum()) if "class_override" in table else 0
    substituted = int(table["substituted"].notna().sum()) if "substituted" in table else 0
    extra.append(tr("enterprises_applied", overrides=overrides, substituted=substituted))
    st.caption(" ".join(extra))
    with st.expander(tr("enterprises_settings")):
        rows = settings_rows(ent)
        if lang() == "zh":
            rows = rows.assign(key=rows["key"].map(lambda k: f"{tr('enterprises_setting_' + k.replace('classes.', ''))}（{k}）"),
                               value=[_setting_value(k, v) for k, v in zip(rows["key"], rows["value"])])
        st.dataframe(rows, hide_index=True, width="stretch", column_config={
            "key": st.column_config.TextColumn(tr("enterprises_key")),
            "value": st.column_config.TextColumn(tr("enterprises_value")),
            "config_key": st.column_config.TextColumn(tr("enterprises_config_key"))})


def _setting_value(key: str, value: str) -> str:
    """A setting's value in Chinese where it is a word (fixed, percentile, True …); numbers as they are."""
    words = {"fixed": "固定值", "mean": "本年度组内平均值", "k_mean": "本年度组内平均值 × k", "percentile": "百分位",
             "score": "分数线", "True": "是", "False": "否", "sector": "分行业", "list": "名单内"}
    return words.get(value, value)


def _method_file(method, benchmarks: dict) -> None:
    """A preset or method file in use: its notice, the rules it leaves open, and per list the indicators."""
    from analysis.methods.engine import benchmarks_table

    st.markdown(f"**{method.title}** · `{method.name}`")
    st.caption(f"{tr('enterprises_source')}：{method.source} {method.url}" if lang() == "zh" else
               f"{tr('enterprises_source')}: {method.source} {method.url}")
    if method.open_points:
        st.warning("\n".join(f"- {p}" for p in method.open_points))
    rows = benchmarks_table(method, benchmarks)
    for lst in method.lists:
        part = rows[rows["list"] == lst.name]
        cuts = ", ".join(f"{c:g}" for c in lst.classes.cuts)
        classes = tr("enterprises_classes_" + lst.classes.method, cuts=cuts)
        within = tr("enterprises_within_" + lst.classes.within)
        st.markdown(f"**{lst.label}** · `{expression_text(lst.when.text, lang())}` · "
                    f"{tr('enterprises_scoring_' + lst.scoring)} · {classes}（{within}）")
        part = part.assign(expression=part["expression"].map(lambda e: expression_text(e, lang())),
                           missing_rule=part["missing_rule"].map(lambda r: tr(f"enterprises_rule_{r}") if r else "—"))
        st.dataframe(part[["label", "expression", "unit", "weight", "benchmark_config", "benchmark_applied",
                           "missing_rule"]], hide_index=True, width="stretch", column_config={
            "label": st.column_config.TextColumn(tr("enterprises_indicator")),
            "expression": st.column_config.TextColumn(tr("enterprises_formula_col")),
            "unit": st.column_config.TextColumn(tr("enterprises_unit")),
            "weight": st.column_config.NumberColumn(tr("enterprises_weight"), format="%g"),
            "benchmark_config": st.column_config.NumberColumn(tr("enterprises_bench_config"), format="%g"),
            "benchmark_applied": st.column_config.NumberColumn(tr("enterprises_bench_applied"), format="%g"),
            "missing_rule": st.column_config.TextColumn(tr("enterprises_missing_rule"))})
    rules = [f"{e.label or ''} {expression_text(e.when.text, lang())}: {e.reason}" for e in method.exclusions]
    rules += [f"{tr('enterprises_adjust_' + a.kind)}："
              f"{a.label or a.event or expression_text(a.when.text if a.when else '', lang())} → "
              f"{a.points if a.points is not None else (a.max_class or a.min_class)}" for a in method.adjustments]
    if rules:
        st.markdown("\n".join(f"- {r}" for r in rules))


def _explain_firm(ev, table: pd.DataFrame) -> None:
    """One firm's class explained (the same document as `landpark explain DIR --firm USCC`)."""
    from analysis.firm_explain import explain_firm, format_firm

    codes = table["uscc"].astype(str).tolist()
    names = dict(zip(codes, table["name"].astype(str)))
    picked = st.selectbox(tr("enterprises_explain_pick"), codes, index=None, key="enterprises_explain_firm",
                          format_func=lambda c: f"{names.get(c, '')} ({c})", placeholder=tr("enterprises_search_hint"))
    if picked:
        st.code(format_firm(explain_firm(ev, picked)), language=None)


def _links(links) -> None:
    """The firm ↔ parcel link report: counts, an error when nothing links, and the lists behind the counts."""
    from analysis.land_links import summary_lines

    doc = links.to_dict()
    lines = summary_lines(doc, lang())
    if doc["no_links"]:
        st.error(lines[-1])
        lines = lines[:-1]
    st.markdown("\n".join(f"- {x}" for x in lines))
    st.caption(tr("enterprises_links_rule"))
    if not (doc["ambiguous"] or doc["owner_without_firm"] or doc["declaring_unlinked"]):
        return
    with st.expander(tr("enterprises_links_details")):
        if doc["ambiguous"]:
            st.markdown(f"**{tr('enterprises_links_ambiguous')}**")
            frame = pd.DataFrame([{**a, "candidates": ", ".join(a["candidates"]),
                                   "reason": _link_reason(a.get("reason"))} for a in doc["ambiguous"]])
            st.dataframe(frame, hide_index=True, width="stretch", column_config=_link_columns(frame.columns))
        if doc["owner_without_firm"]:
            st.markdown(f"**{tr('enterprises_links_orphans')}**")
            frame = pd.DataFrame([{**a, "hints": ", ".join(a["hints"])} for a in doc["owner_without_firm"]])
            st.dataframe(frame, hide_index=True, width="stretch", column_config=_link_columns(frame.columns))
        if doc["declaring_unlinked"]:
            st.markdown(f"**{tr('enterprises_links_declaring')}**")
            frame = pd.DataFrame({"uscc": doc["declaring_unlinked"]})
            st.dataframe(frame, hide_index=True, width="stretch", column_config=_link_columns(frame.columns))


_LINK_COLUMNS = ("uscc", "parcel_id", "owner", "candidates", "reason", "hints")
_LINK_REASONS = ("several firms in the link table", "several owner names", "several firms with this name")


def _link_columns(columns) -> dict:
    """Headers of the link detail tables in the UI language."""
    return {c: st.column_config.TextColumn(tr(f"enterprises_link_col_{c}")) for c in columns if c in _LINK_COLUMNS}


def _link_reason(reason: object) -> object:
    """Why a parcel was left unlinked (analysis.land_links), in the UI language."""
    if isinstance(reason, str) and reason in _LINK_REASONS:
        return tr("enterprises_link_reason_" + reason.replace(" ", "_"))
    return reason



def _chrome() -> None:
    """Streamlit's fixed widget text in the UI language (ui/text/chrome.py: CSS, nothing in English)."""
    from ui.text.chrome import chrome_css, show_chrome_css

    css = chrome_css(lang())
    show_chrome_css(css)


def render() -> None:
    from analysis.firm_table import firm_table

    auth.require(Permission.FIRM_DATA)  # firm-level figures: analysts and admins only, checked on the server
    project = current_project()
    info = page_header(project, "page_enterprises")
    _chrome()
    inputs, ev = evaluation_or_stop(project)
    table = cached(f"enterprises_firm_table:{evaluation_key()}", project, lambda _p: firm_table(ev.firms, inputs.enterprises))
    if ev.method is not None:
        st.session_state[LIST_LABELS] = {lst.name: lst.label for lst in ev.method.lists}
    if not len(table):
        st.info(tr("enterprises_none"))
        return
    settings = project.config.app.enterprises
    groups = table["group"].value_counts()
    st.caption(tr("enterprises_intro", region=info.region, year=info.year, n=len(table),
                  above=int(groups.get("above", 0)), below=int(groups.get("below", 0)),
                  scored=int(table["scored"].sum()), unscored=int((~table["scored"].astype(bool)).sum())))
    st.subheader(tr("enterprises_links"))
    _links(ev.links)
    st.subheader(tr("enterprises_distribution"))
    _histograms(table, settings)
    st.subheader(tr("enterprises_counts"))
    _class_counts(table)
    st.subheader(tr("enterprises_firms"))
    _firm_list(table, settings)
    st.subheader(tr("enterprises_unscored_title"))
    _unscored(table)
    st.subheader(tr("enterprises_explain_firm"))
    _explain_firm(ev, table)
    st.subheader(tr("enterprises_method"))
    if ev.method is not None and ev.method.name != INLINE:
        _method_file(ev.method, ev.enterprises.benchmarks)
    else:
        _method(ev.config.enterprise, ev.enterprises.benchmarks, table)
