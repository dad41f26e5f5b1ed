"""Columns read by their values (issue 11, item 3): a column of valid credit codes is the credit-code field
whatever its header; a credit-code header over a column of names is not.

Codes are built with the GB 32100 check character (layers.uscc), so validity is independent of the matcher.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from layers.mapping_edits import mapping_rows
from layers.normalize import normalize_table
from layers.uscc import is_valid_uscc, uscc_check_char
from layers.validation import validate_source
from tests.test_cli_foundation import landpark
from tests.test_land_links import CRS, box


def code(n: int) -> str:
    """The n-th valid credit code: 9133 0200 + an 8-digit serial + 1 + its check character."""
    head = f"91330200{n:08d}1"
    return head + uscc_check_char(head)


CODES = [code(i) for i in range(1, 11)]
NAMES = [f"宁波第{i}机械有限公司" for i in range(1, 11)]


def parcels(**columns) -> pd.DataFrame:
    return pd.DataFrame({"宗地代码": [f"P{i}" for i in range(1, 11)], "地类编码": ["0601"] * 10, **columns})


def test_codes_are_valid_by_construction():
    assert all(is_valid_uscc(c) for c in CODES) and len(set(CODES)) == 10


@pytest.mark.parametrize("header", ["QLRZJH", "证件号", "代码", "col_7"])
def test_unknown_header_holding_codes_is_the_owner_code(header):
    table = normalize_table(parcels(**{header: CODES}), "parcels")
    assert table.mapping[header] == "owner_uscc"
    assert table.frame["owner_uscc"].tolist() == CODES
    notes = [p for p in table.problems if p.code == "column_values"]
    assert len(notes) == 1 and "100% of its 10 filled cells are valid credit codes" in notes[0].message
    assert header not in table.unmapped


def test_one_typo_in_ten_still_reads_as_codes_and_is_reported():
    values = CODES[:9] + [CODES[9][:-1] + ("0" if CODES[9][-1] != "0" else "1")]
    table = normalize_table(parcels(QLRZJH=values), "parcels")
    assert table.mapping["QLRZJH"] == "owner_uscc"
    bad = [p for p in table.problems if p.code == "bad_uscc"]
    assert len(bad) == 1 and bad[0].feature == "P10" and "check character" in bad[0].message


def test_random_text_and_too_few_cells_are_not_codes():
    random18 = [f"ABCDEFGH{i:09d}X" for i in range(10)]  # 18 characters, check characters not computed
    assert sum(is_valid_uscc(c) for c in random18) < 9
    table = normalize_table(parcels(QLRZJH=random18), "parcels")
    assert "QLRZJH" not in table.mapping and "QLRZJH" in table.unmapped
    few = [CODES[0], CODES[1]] + [None] * 8  # two filled cells say nothing
    table = normalize_table(parcels(QLRZJH=few), "parcels")
    assert "QLRZJH" not in table.mapping


def test_header_match_wins_over_values():
    table = normalize_table(parcels(信用代码=CODES, QLRZJH=CODES), "parcels")
    assert table.mapping["信用代码"] == "owner_uscc" and "QLRZJH" not in table.mapping


def test_two_unknown_code_columns_are_ambiguous_until_the_user_picks():
    table = normalize_table(parcels(QLRZJH=CODES, TYDM=CODES), "parcels")
    assert "owner_uscc" not in table.mapping.values()
    ambiguous = [p for p in table.problems if p.code == "column_ambiguous"]
    assert {p.value for p in ambiguous} == {"QLRZJH", "TYDM"}
    chosen = normalize_table(parcels(QLRZJH=CODES, TYDM=CODES), "parcels", overrides={"TYDM": "owner_uscc"})
    assert chosen.mapping["TYDM"] == "owner_uscc" and "QLRZJH" not in chosen.mapping


def test_ignored_by_the_user_stays_ignored():
    table = normalize_table(parcels(QLRZJH=CODES), "parcels", overrides={"QLRZJH": ""})
    assert "QLRZJH" not in table.mapping and "owner_uscc" not in table.mapping.values()


def test_names_under_a_code_header_are_read_as_owner_names():
    table = normalize_table(parcels(信用代码=NAMES), "parcels")
    assert table.mapping["信用代码"] == "owner_name"
    assert table.frame["owner_name"].tolist() == NAMES
    assert table.frame["owner_uscc"].isna().all()
    assert not [p for p in table.problems if p.code == "bad_uscc"]  # was 10 bad-code warnings


def test_names_under_a_code_header_beside_a_name_column_are_not_used():
    table = normalize_table(parcels(信用代码=NAMES, 权利人=NAMES), "parcels")
    assert table.mapping["权利人"] == "owner_name" and "信用代码" not in table.mapping
    contradicted = [p for p in table.problems if p.code == "column_values_contradict"]
    assert len(contradicted) == 1 and contradicted[0].severity == "warning" and "holds names" in contradicted[0].message


def test_user_override_is_kept_even_against_the_values():
    table = normalize_table(parcels(信用代码=NAMES), "parcels", overrides={"信用代码": "owner_uscc"})
    assert table.mapping["信用代码"] == "owner_uscc"


def test_firm_list_with_a_bare_code_header_imports(tmp_path):
    frame = pd.DataFrame({"代码": CODES, "企业名称": NAMES, "实缴税金": [100.0] * 10})
    table = normalize_table(frame, "enterprises")
    assert table.mapping["代码"] == "uscc" and not [p for p in table.problems if p.severity == "error"]


def test_validation_report_and_mapping_table_say_how(tmp_path):
    source = tmp_path / "parcels.csv"
    parcels(QLRZJH=CODES, 经度=[121.3] * 10, 纬度=[28.6 + i * 0.01 for i in range(10)]).to_csv(source, index=False)
    report = validate_source(source, "parcels")
    assert report.mapping["QLRZJH"] == "owner_uscc"
    rows = mapping_rows(report.columns, "parcels", report.mapping, sample=report.sample, matches=report.matches)
    row = rows.set_index("column").loc["QLRZJH"]
    assert row["field"] == "owner_uscc" and row["how"] == "values"


def test_threshold_comes_from_the_project_settings(tmp_path):
    values = CODES[:8] + ["甲", "乙"]  # 80 % valid
    assert "QLRZJH" not in normalize_table(parcels(QLRZJH=values), "parcels").mapping
    assert normalize_table(parcels(QLRZJH=values), "parcels", credit_code_share=0.8).mapping["QLRZJH"] == "owner_uscc"


def test_firms_link_through_an_unknown_owner_code_header_end_to_end(tmp_path):
    """The issue's case: a short owner-code header; firms must link by code and 亩均税收 must be computed."""
    from layers.project import Project

    park = gpd.GeoDataFrame({"park_id": ["K1"], "name": ["园区K1"], "kind": ["comprehensive"]},
                            geometry=[box(0, 0, 1000, 1000)], crs=CRS)
    firm = gpd.GeoDataFrame({"uscc": [CODES[0]], "name": ["浙江甲乙机械有限公司"], "above_scale": [False],
                             "tax_10k_yuan": [3000.0], "value_added_10k_yuan": [9000.0]}, geometry=[None], crs=CRS)
    project = Project.create(tmp_path / "p", region="测试区", year=2025, crs=CRS)
    project.write_layers({"parks": park, "enterprises": firm}, issues=[])
    quarters = [box(x, y, 500, 500) for x in (0, 500) for y in (0, 500)]
    source = tmp_path / "宗地.geojson"
    gpd.GeoDataFrame({"ZDDM": ["P1", "P2", "P3", "P4"], "DLBM": ["0601"] * 4, "DLMC": ["工业用地"] * 4, "GDZT": ["已建成"] * 4,
                      "QLRZJH": [CODES[0]] * 4}, geometry=quarters, crs=CRS).to_file(source, driver="GeoJSON")
    run = landpark("import", str(source), "--kind", "parcels", "--into", str(project.root), "--json")
    assert run.returncode == 0, run.stderr + run.stdout
    doc = json.loads(landpark("score", str(project.root), "--json").stdout)
    assert doc["links"]["by_code"] == [CODES[0]] and doc["links"]["no_links"] is False
    land_mu = 1e6 / (10000 / 15)  # 1 km² in 亩
    assert doc["units"][0]["tax_per_mu"] == pytest.approx(3000.0 / land_mu, rel=2e-3)
    assert shapely.area(shapely.union_all(quarters)) == pytest.approx(1e6)
