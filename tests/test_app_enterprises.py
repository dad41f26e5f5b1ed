"""The 亩均评价 page: score distribution, class counts, the filtered firm table, unscored firms
and the method — under Streamlit's AppTest, and in headless Chromium."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from tests.apphelp import open_page, page_app, screenshot, settle, wait_for_app


@pytest.fixture
def app(demo_project, monkeypatch):
    monkeypatch.setenv("LANDPARK_PROJECT", str(demo_project.root))
    at = page_app("enterprises_page").run()
    assert not at.exception, at.exception
    return at


def firm_frame(at) -> pd.DataFrame:
    """The firm table as drawn (the dataframe with credit code, rank and score columns)."""
    return next(d.value for d in at.dataframe if {"uscc", "rank", "score"} <= set(d.value.columns))


def shown_caption(at) -> str:
    return next(c.value for c in at.caption if c.value.startswith("显示 "))


def test_page_opens_with_histograms_counts_and_method(app, demo_evaluation):
    ev = demo_evaluation
    firms = ev.firms
    assert app.title[0].value == "亩均评价"
    assert {m.key for m in app.multiselect} == {"enterprises_group", "enterprises_class", "enterprises_industry"}
    assert app.text_input(key="enterprises_search").value == ""
    assert app.checkbox(key="enterprises_unscored").value is False
    assert len(app.get("vega_lite_chart")) == 2  # one histogram per group
    # Class counts per group, counted here from the evaluation's firm table.
    counts = next(d.value for d in app.dataframe if "A类" in d.value.columns)
    for group, label in (("above", "规上企业"), ("below", "规下企业")):
        mine = firms[firms["group"] == group]
        for c in "ABCD":
            assert counts.loc[label, f"{c}类"] == int((mine["class"] == c).sum())
        assert counts.loc[label, "合计"] == len(mine)
    assert counts["合计"].sum() == len(firms)
    assert len(firm_frame(app)) == len(firms)
    assert shown_caption(app) == f"显示 {len(firms)} / {len(firms)} 家企业"
    assert any(f"全部 {len(firms)} 家企业均参与评价" in s.value for s in app.success)
    # The method: 规上 weights 30/20/20/10/10/10 and the 黄岩 2022 基准值 from landpark.toml.
    method = next(d.value for d in app.dataframe if "配置基准值" in str(d.value.columns.tolist()) or
                  "benchmark_config" in d.value.columns)
    assert method["weight"].tolist() == [30, 20, 20, 10, 10, 10]
    assert method["benchmark_config"].iloc[0] == pytest.approx(24.097)
    assert any("黄岩区" in c.value for c in app.caption)
    assert any("前 20% 为 A 类" in m.value for m in app.markdown)


def test_filters_narrow_the_table_to_the_expected_firms(app, demo_inputs, demo_evaluation):
    inputs, ev = demo_inputs, demo_evaluation
    firms = ev.firms
    app.multiselect(key="enterprises_group").set_value(["above"])
    app.multiselect(key="enterprises_class").set_value(["A"]).run()
    expected = int(((firms["group"] == "above") & (firms["class"] == "A")).sum())
    assert 0 < expected < len(firms)
    assert len(firm_frame(app)) == expected
    assert shown_caption(app) == f"显示 {expected} / {len(firms)} 家企业"
    assert firm_frame(app)["rank"].tolist() == sorted(firm_frame(app)["rank"].tolist())

    # Industry (from the enterprise layer) on top of the class filter.
    layer = pd.DataFrame(inputs.enterprises.drop(columns="geometry"))
    industry = layer["industry"].value_counts().index[0]
    codes = set(layer.loc[layer["industry"] == industry, "uscc"].astype(str).str.strip().str.upper())
    app.multiselect(key="enterprises_group").set_value([])
    app.multiselect(key="enterprises_industry").set_value([industry]).run()
    expected = int((firms.index.isin(codes) & (firms["class"] == "A")).sum())
    assert len(firm_frame(app)) == expected
    assert set(firm_frame(app)["industry"]) == {industry}

    # Search one firm by part of its credit code, with every other filter cleared.
    code = firms.index[17]
    app.multiselect(key="enterprises_class").set_value([])
    app.multiselect(key="enterprises_industry").set_value([])
    app.text_input(key="enterprises_search").input(code[-8:].lower()).run()
    found = firm_frame(app)
    assert found["uscc"].tolist() == [c for c in firms.index if code[-8:] in c]
    assert code in found["uscc"].tolist()
    assert found.loc[found["uscc"] == code, "score"].iloc[0] == pytest.approx(firms.loc[code, "score"])

    # No firm of the demo is unscored.
    app.text_input(key="enterprises_search").input("").run()
    app.checkbox(key="enterprises_unscored").check().run()
    assert len(firm_frame(app)) == 0


def test_unscored_firms_are_listed_with_their_reason(demo_project, demo_inputs, demo_evaluation, monkeypatch):
    """Three firms made unscored (as the evaluation marks firms without tax data) appear in the
    unscored list with their reason, in the counts, and under the "only unscored" filter."""
    import ui.enterprises_page as page

    inputs, ev = demo_inputs, demo_evaluation
    firms = ev.firms.copy()
    chosen = firms.index[[3, 50, 400]]
    reason = "实缴税金缺失 (tax missing)"
    firms.loc[chosen, ["scored", "class", "score", "reason_not_scored"]] = [False, None, np.nan, reason]
    firms["scored"] = firms["scored"].astype(bool)
    patched = dataclasses.replace(ev, firms=firms)
    monkeypatch.setattr(page, "evaluation_or_stop", lambda _project: (inputs, patched))
    monkeypatch.setattr(page, "cached", lambda _name, project, compute: compute(project))
    monkeypatch.setenv("LANDPARK_PROJECT", str(demo_project.root))
    at = page_app("enterprises_page").run()
    assert not at.exception, at.exception
    assert any("3 家企业未参与评价" in w.value for w in at.warning)
    listed = next(d.value for d in at.dataframe if "reason_not_scored" in d.value.columns and "rank" not in d.value.columns)
    assert sorted(listed["uscc"]) == sorted(chosen)
    assert set(listed["reason_not_scored"]) == {reason}
    counts = next(d.value for d in at.dataframe if "未评价" in d.value.columns)
    assert counts["未评价"].sum() == 3
    at.checkbox(key="enterprises_unscored").check().run()
    assert sorted(firm_frame(at)["uscc"]) == sorted(chosen)


@pytest.mark.browser
def test_enterprises_page_in_chromium(app_server, browser_page, demo_evaluation):
    ev = demo_evaluation
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_page(page, app_server, "enterprises")
    settle(page, '[data-testid="stExpander"]')  # the last element of the page (all settings)
    assert page.locator("h1").first.inner_text() == "亩均评价"
    assert page.get_by_test_id("stVegaLiteChart").count() == 2
    page.get_by_text(f"显示 {len(ev.firms)} / {len(ev.firms)} 家企业").wait_for()
    screenshot(page, "enterprises")
    code = ev.firms.index[17]
    search = page.get_by_test_id("stTextInput").filter(has_text="名称或信用代码").locator("input")
    search.fill(code)
    search.press("Enter")
    wait_for_app(page)
    page.get_by_text(f"显示 1 / {len(ev.firms)} 家企业").wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not errors, errors


def test_a_preset_chosen_in_the_app_scores_every_page_with_it(demo_project, monkeypatch):
    """The sidebar's method reaches the evaluation: 宁波 4.0's three lists of the demo, its notice and open rules,
    and one firm's class explained with the same text as `landpark explain --firm`."""
    from analysis.firm_explain import explain_firm, format_firm
    from analysis.inputs import load_inputs
    from analysis.score import evaluate
    from ui.state import METHOD_KEY

    monkeypatch.setenv("LANDPARK_PROJECT", str(demo_project.root))
    at = page_app("enterprises_page")
    at.session_state[METHOD_KEY] = "ningbo-4-0"
    at.run(timeout=120)
    assert not at.exception, at.exception
    ev = evaluate(load_inputs(demo_project), method="ningbo-4-0")
    labels = {lst.name: lst.label for lst in ev.method.lists}
    shown = set(firm_frame(at)["group"])
    lists = set(ev.enterprises.table["list"].dropna())
    assert len(shown) == len(lists) >= 3
    assert {labels[g] for g in lists if g not in ("above", "below")} <= shown  # 宁波's own list labels
    assert any("ningbo-4-0" in m.value for m in at.markdown)
    assert any(p.split("：")[0][:6] in w.value for w in at.warning for p in ev.method.open_points)
    uscc = ev.enterprises.table.loc[ev.enterprises.table["scored"], "uscc"].iloc[0]
    at.selectbox(key="enterprises_explain_firm").select(uscc).run(timeout=120)
    assert not at.exception
    assert any(c.value == format_firm(explain_firm(ev, uscc)) for c in at.code)
