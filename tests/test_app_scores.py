"""The 园区评分 page: ranking, filters, editable weights, comparison, scorecard and exports —
under Streamlit's AppTest, and in headless Chromium (download a scorecard PDF)."""

from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from tests.apphelp import open_page, page_app, screenshot, settle

# Edited weights that move ranks in the demo (supply and idle land weigh most).
WEIGHTS = [0.05, 0.05, 0.30, 0.10, 0.30, 0.10, 0.10]


@pytest.fixture(scope="module")
def fresh_units(demo_inputs) -> pd.DataFrame:
    """The units of a whole new evaluation with WEIGHTS (not a rescoring), indexed by unit id."""
    from analysis.score import evaluate

    return evaluate(demo_inputs, weights=WEIGHTS).units.set_index("unit_id")


@pytest.fixture
def app(demo_project, monkeypatch):
    monkeypatch.setenv("LANDPARK_PROJECT", str(demo_project.root))
    at = page_app("scores_page").run()
    assert not at.exception, at.exception
    return at


def ranking(at) -> pd.DataFrame:
    """The ranking table as drawn (first dataframe of the page), indexed by unit id."""
    frame = at.dataframe[0].value
    assert {"unit_id", "rank", "score"} <= set(frame.columns)
    return frame.set_index("unit_id")


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def unit_row(ev, uid: str) -> pd.Series:
    return ev.units[ev.units["unit_id"] == uid].iloc[0]


def test_page_opens_with_every_unit_and_the_toml_weights(app, demo_project, demo_evaluation):
    ev = demo_evaluation
    cfg = demo_project.config.composite
    weights = {w.key: w.value for w in app.number_input}
    assert weights == {f"scores_w_{name}": pytest.approx(w) for name, w in zip(cfg.indicators, cfg.weights)}
    assert {b.key for b in app.button} >= {"scores_reset", "scores_generate"}
    assert app.multiselect(key="scores_units").value == []
    assert app.title[0].value == "园区评分"
    table = ranking(app)
    assert len(table) == len(ev.units) == 48
    expected = ev.units.set_index("unit_id")
    assert table["score"].to_numpy() == pytest.approx(expected.loc[table.index, "score"].to_numpy())
    assert table["rank"].tolist() == expected.loc[table.index, "rank"].tolist()
    # Default order: unit kinds in table order, each from rank 1 down.
    kind_order = {k: i for i, k in enumerate(dict.fromkeys(ev.units["unit_kind"]))}
    expected_order = ev.units.assign(k=ev.units["unit_kind"].map(kind_order)).sort_values(["k", "rank"], kind="stable")
    assert table.index.tolist() == expected_order["unit_id"].tolist()
    options = app.selectbox(key="scores_sort").options
    assert options[0] == "单元类型、同类排名（默认）"
    assert {"综合得分", "亩均税收（万元/亩）", "供地率", "工业用地容积率"} <= set(options)


def test_kind_filter_and_sort_by_an_indicator(app, demo_evaluation):
    ev = demo_evaluation
    app.selectbox(key="scores_kind").set_value("parks").run()
    table = ranking(app)
    parks = ev.units[ev.units["unit_kind"] == "parks"]
    assert sorted(table.index) == sorted(parks["unit_id"])
    assert set(table["unit_kind"]) == {"产业园区"}
    app.selectbox(key="scores_kind").set_value("all")
    app.selectbox(key="scores_sort").set_value("tax_per_mu").run()
    table = ranking(app)
    values = ev.units.set_index("unit_id").loc[table.index, "tax_per_mu"].to_numpy()
    assert np.all(np.diff(values[np.isfinite(values)]) <= 0)  # high to low
    app.radio(key="scores_order").set_value("asc").run()
    values = ev.units.set_index("unit_id").loc[ranking(app).index, "tax_per_mu"].to_numpy()
    assert np.all(np.diff(values[np.isfinite(values)]) >= 0)


def test_selecting_a_unit_shows_its_scorecard(app, demo_evaluation):
    ev = demo_evaluation
    row = unit_row(ev, "YQ02")
    n = int((ev.units["unit_kind"] == row["unit_kind"]).sum())
    app.multiselect(key="scores_units").set_value(["YQ02"]).run()
    assert not app.exception
    assert any("南岭新材料产业园（YQ02）" in h.value for h in app.subheader)
    shown = metrics(app)
    assert shown["综合得分"] == f"{row['score']:.1f}"
    assert shown["等级"] == row["grade"]
    assert shown["同类排名"] == f"{int(row['rank'])} / {n}"
    best, worst = int(row["rank_best"]), int(row["rank_worst"])
    assert shown["权重±10%排名范围"] == (str(best) if best == worst else f"{best}–{worst}")
    # The breakdown's points add up to the score.
    breakdown = next(d.value for d in app.dataframe if "得分贡献" in d.value.columns)
    assert breakdown["得分贡献"].sum() == pytest.approx(row["score"])


def test_editing_weights_reranks_as_a_fresh_evaluation_does(app, demo_evaluation, fresh_units):
    ev = demo_evaluation
    names = list(ev.spec.indicators)
    for name, w in zip(names, WEIGHTS):
        app.number_input(key=f"scores_w_{name}").set_value(w)
    app.multiselect(key="scores_units").set_value(["GY-R02"]).run()
    assert not app.exception
    fresh = fresh_units
    table = ranking(app)
    assert table["rank"].tolist() == fresh.loc[table.index, "rank"].tolist()
    assert table["rank_best"].tolist() == fresh.loc[table.index, "rank_best"].tolist()
    assert table["score"].to_numpy() == pytest.approx(fresh.loc[table.index, "score"].to_numpy())
    assert (table["rank"] != ev.units.set_index("unit_id").loc[table.index, "rank"]).any()
    shown = metrics(app)
    assert shown["综合得分"] == f"{fresh.loc['GY-R02', 'score']:.1f}"
    assert shown["同类排名"].startswith(f"{int(fresh.loc['GY-R02', 'rank'])} /")
    assert any("已修改" in e.label for e in app.expander)
    assert any("导出文件使用本页修改后的权重" in c.value for c in app.caption)

    app.button(key="scores_reset").click().run()
    assert {w.key: w.value for w in app.number_input} == {
        f"scores_w_{n}": pytest.approx(w) for n, w in zip(names, ev.spec.weights)}
    table = ranking(app)
    assert table["rank"].tolist() == ev.units.set_index("unit_id").loc[table.index, "rank"].tolist()


def test_all_zero_weights_are_refused_with_a_message(app, demo_evaluation):
    ev = demo_evaluation
    for name in ev.spec.indicators:
        app.number_input(key=f"scores_w_{name}").set_value(0.0)
    app.run()
    assert not app.exception
    assert any("权重无效" in e.value for e in app.error)
    table = ranking(app)
    assert table["rank"].tolist() == ev.units.set_index("unit_id").loc[table.index, "rank"].tolist()


def test_comparing_units_side_by_side(app, demo_evaluation):
    ev = demo_evaluation
    ids = ["YQ01", "XW08", "WL03"]
    app.multiselect(key="scores_units").set_value(ids).run()
    assert not app.exception
    assert any("单元对比（3 个）" in h.value for h in app.subheader)
    compare = next(d.value for d in app.dataframe if any("XW08" in str(c) for c in d.value.columns))
    assert len(compare.columns) == 3
    for uid in ids:
        column = next(c for c in compare.columns if f"（{uid}）" in c)
        assert compare.loc["综合得分", column] == f"{unit_row(ev, uid)['score']:.1f}"
        assert compare.loc["同类排名", column] == str(int(unit_row(ev, uid)["rank"]))
    assert len(app.get("vega_lite_chart")) == 1  # the bar chart of normalised indicators
    assert app.selectbox(key="scores_card").value == "YQ01"


def test_excel_export_of_one_unit_uses_the_edited_weights(app, demo_project, demo_evaluation, fresh_units):
    ev = demo_evaluation
    for name, w in zip(ev.spec.indicators, WEIGHTS):
        app.number_input(key=f"scores_w_{name}").set_value(w)
    app.multiselect(key="scores_units").set_value(["XW05"])
    app.radio(key="scores_fmt").set_value("xlsx").run()
    app.button(key="scores_generate").click().run()
    assert not app.exception
    done = app.session_state["scores_export"]
    assert done["name"] == f"园区评分_{demo_project.config.project.year}_下洋新材料小微企业园.xlsx"
    summary = pd.read_excel(io.BytesIO(done["data"]), sheet_name="汇总")
    fresh = fresh_units
    assert summary["单元编号"].tolist() == ["XW05"]
    assert summary["综合得分"].iloc[0] == pytest.approx(fresh.loc["XW05", "score"])
    assert summary["同类排名"].iloc[0] == fresh.loc["XW05", "rank"]
    assert summary["综合得分"].iloc[0] != pytest.approx(unit_row(ev, "XW05")["score"])


def test_word_briefing_of_one_unit_from_the_page(app, demo_project):
    """The page offers the Word briefing too: one unit's .docx, with the unit's page heading."""
    import docx

    app.multiselect(key="scores_units").set_value(["XW05"])
    app.radio(key="scores_fmt").set_value("docx").run()
    app.button(key="scores_generate").click().run()
    assert not app.exception
    done = app.session_state["scores_export"]
    assert done["name"].endswith("_下洋新材料小微企业园.docx")
    document = docx.Document(io.BytesIO(done["data"]))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert any("下洋新材料小微企业园" in h for h in headings)


# --------------------------------------------------------------------------- Chromium


def pick_unit(page, uid: str) -> None:
    box = page.get_by_test_id("stMultiSelect").filter(has_text="选择单元")
    box.locator("input").click()
    box.locator("input").fill(uid)
    page.get_by_role("option").filter(has_text=f"（{uid}）").first.click()
    page.keyboard.press("Escape")
    settle(page)


@pytest.mark.browser
def test_scorecard_pdf_download_in_chromium(app_server, browser_page, tmp_path):
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_page(page, app_server, "scores")
    settle(page, '[data-testid="stDataFrame"]')
    assert page.get_by_test_id("stDataFrame").count() == 1
    screenshot(page, "scores-ranking")
    pick_unit(page, "YQ02")
    page.get_by_text("南岭新材料产业园（YQ02）· 产业园区").wait_for()
    assert page.get_by_test_id("stMetric").count() == 4
    page.get_by_role("button", name="生成").click()
    download_button = page.get_by_test_id("stDownloadButton")
    download_button.wait_for(timeout=120_000)
    with page.expect_download() as info:
        download_button.locator("button").click()
    download = info.value
    assert download.suggested_filename == "园区评分_2025_南岭新材料产业园.pdf"
    path = tmp_path / "scorecard.pdf"
    download.save_as(path)
    assert path.read_bytes()[:4] == b"%PDF"
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext (poppler-utils) is needed to read the PDF"
    text = subprocess.run([pdftotext, str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "南岭新材料产业园" in text
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "scores-scorecard")
    pick_unit(page, "XW08")
    page.get_by_text("单元对比（2 个）").wait_for()
    screenshot(page, "scores-compare")
    assert not errors, errors
