"""标准地复核 page (ui/standard_land_page.py) under AppTest, on the hand-worked project of
tests/test_standard_land_exports.py (P1 达标, P2 不达标 on 亩均税收: 20 against 25, gap −5; P3 未到期; P4 无法判定)."""

from __future__ import annotations

import pytest

from tests.apphelp import page_app
from tests.test_standard_land_exports import F2, NAMES, make_project

COUNTS_ZH = {"标准地": "4", "达标": "1", "不达标": "1", "未到期": "1", "无法判定": "1"}


@pytest.fixture(scope="module")
def project_root(tmp_path_factory):
    return str(make_project(tmp_path_factory.mktemp("stdpage") / "p").root)


def run(root: str, **session):
    """The page on the fixture project, in Chinese unless told."""
    return page_app("standard_land_page", timeout=120, session={"project_root": root, **session}).run()


def test_counts_list_and_a_parcels_terms(project_root):
    from tests.test_zh_text import english_only

    at = run(project_root)
    assert not at.exception, [e.value for e in at.exception]
    assert {m.label: m.value for m in at.metric} == COUNTS_ZH
    assert any("2025-12-31" in c.value for c in at.caption)  # reviewed on the evaluation date
    listed = at.dataframe[0].value
    assert list(listed["宗地编号"]) == ["P2", "P4", "P1", "P3"]  # not met first, then undetermined, met, not due
    assert listed.set_index("宗地编号").loc["P2", "未达标项（承诺 / 实际 / 差距）"] == \
        "亩均税收 承诺 25.00、实际 20.00、差距 −5.00 万元/亩"
    assert listed.set_index("宗地编号").loc["P2", "企业名称"] == NAMES[F2]

    at.multiselect(key="stdpage_verdicts").set_value(["not_met"]).run()
    assert list(at.dataframe[0].value["宗地编号"]) == ["P2"]
    at.selectbox(key="stdpage_chosen").set_value("P2").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("宗地 P2：不达标" in m.value for m in at.markdown)
    terms = at.dataframe[-1].value.set_index("指标")
    assert terms.loc["亩均税收", ["承诺值", "实际值", "差距", "是否达标"]].tolist() == ["25.00", "20.00", "−5.00", "否"]
    assert terms.loc["容积率（下限）", "是否达标"] == "是"
    assert not english_only(at)  # the Chinese edition shows no English codes


def test_undetermined_parcel_says_why(project_root):
    at = run(project_root)
    at.selectbox(key="stdpage_chosen").set_value("P4").run()
    assert any(w.value.startswith("宗地未关联企业") for w in at.warning)


def test_english_counts(project_root):
    at = run(project_root, lang="en")
    assert not at.exception, [e.value for e in at.exception]
    assert {m.label: m.value for m in at.metric} == {"Standard-land parcels": "4", "met": "1", "not met": "1",
                                                     "not yet due": "1", "undetermined": "1"}


def test_a_project_without_standard_land(tmp_path):
    root = str(make_project(tmp_path / "p", standard=False).root)
    at = run(root)
    assert not at.exception and not at.metric
    assert any("没有标准地宗地" in i.value for i in at.info)
