"""Safe unzip (zip slip, size limits, GBK member names) and dataset discovery."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from layers.archive import extract_zip, find_datasets
from layers.problems import InputError
from tests.hostile import UTF8_NAME_FLAG, make_zip_slip, write_zip


def test_gbk_member_names_without_utf8_flag_are_repaired(tmp_path):
    archive = write_zip(tmp_path / "a.zip", {"宗地数据/宗地.txt": b"parcels", "宗地数据/说明.txt": b"notes"})
    with zipfile.ZipFile(archive) as zf:  # the fixture is what Chinese Windows writes
        assert all(not (i.flag_bits & UTF8_NAME_FLAG) for i in zf.infolist())
        assert zf.infolist()[0].filename.encode("cp437") == "宗地数据/宗地.txt".encode("gbk")
    dest = tmp_path / "out"
    written = extract_zip(archive, dest)
    assert sorted(p.relative_to(dest).as_posix() for p in written) == ["宗地数据/宗地.txt", "宗地数据/说明.txt"]
    assert (dest / "宗地数据" / "宗地.txt").read_bytes() == b"parcels"


def test_utf8_names_without_the_flag_are_repaired(tmp_path):
    archive = write_zip(tmp_path / "a.zip", {"园区/边界.txt": b"x"}, name_codec="utf-8")
    written = extract_zip(archive, tmp_path / "out")
    assert [p.relative_to(tmp_path / "out").as_posix() for p in written] == ["园区/边界.txt"]


def test_flagged_utf8_names_are_kept(tmp_path):
    archive = write_zip(tmp_path / "a.zip", {"园区/边界.txt": b"x"}, name_codec=None)
    with zipfile.ZipFile(archive) as zf:
        assert zf.infolist()[0].flag_bits & UTF8_NAME_FLAG
    written = extract_zip(archive, tmp_path / "out")
    assert [p.name for p in written] == ["边界.txt"]


@pytest.mark.parametrize("evil", ["../../evil.txt", "/tmp/landpark-abs-evil.txt", "..\\..\\evil.txt", "a/../../evil.txt"])
def test_zip_slip_member_is_refused_by_name(tmp_path, evil):
    archive = make_zip_slip(tmp_path, evil)
    dest = tmp_path / "deep" / "out"
    with pytest.raises(InputError) as info:
        extract_zip(archive, dest)
    assert repr(evil) in str(info.value)
    assert "zip slip" in str(info.value)
    assert not (tmp_path / "evil.txt").exists()
    assert not Path("/tmp/landpark-abs-evil.txt").exists()


def test_oversized_member_is_refused_by_name(tmp_path):
    archive = write_zip(tmp_path / "big.zip", {"small.txt": b"x" * 5, "数据/big.csv": b"y" * 100})
    with pytest.raises(InputError, match=r"member '数据/big\.csv' is 100 bytes unpacked, above the limit of 10 bytes"):
        extract_zip(archive, tmp_path / "out", max_member_bytes=10)


def test_total_size_limit(tmp_path):
    archive = write_zip(tmp_path / "big.zip", {"a.txt": b"a" * 60, "b.txt": b"b" * 60})
    with pytest.raises(InputError, match="unpacks to 120 bytes, above the limit of 100 bytes"):
        extract_zip(archive, tmp_path / "out", max_total_bytes=100)


def test_not_a_zip_is_an_input_error(tmp_path):
    fake = tmp_path / "parcels.zip"
    fake.write_bytes(b"this is not a zip")
    with pytest.raises(InputError, match=r"parcels\.zip: not a readable zip archive"):
        extract_zip(fake, tmp_path / "out")


def touch(path: Path, data: bytes = b"") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_find_datasets_lists_every_format_and_skips_junk(tmp_path):
    for rel in ["宗地数据/宗地.shp", "宗地数据/宗地.shx", "宗地数据/宗地.dbf", "宗地数据/宗地.shp.xml",
                "库.gdb/a00000001.gdbtable", "库.gdb/inner.json", "b.gpkg", "c.geojson", "d.json", "e.csv",
                "f.xlsx", "g.parquet", "readme.txt", "__MACOSX/宗地数据/._宗地.shp", "宗地数据/._宗地.shp",
                "UPPER/PARCEL.SHP", "UPPER/PARCEL.SHX", "UPPER/PARCEL.DBF"]:
        touch(tmp_path / rel)
    found = [p.relative_to(tmp_path).as_posix() for p in find_datasets(tmp_path)]
    assert sorted(found) == sorted(["宗地数据/宗地.shp", "库.gdb", "b.gpkg", "c.geojson", "d.json", "e.csv",
                                    "f.xlsx", "g.parquet", "UPPER/PARCEL.SHP"])


@pytest.mark.parametrize("missing", [".dbf", ".shx"])
def test_find_datasets_names_the_missing_shapefile_part(tmp_path, missing):
    for suffix in {".shp", ".shx", ".dbf"} - {missing}:
        touch(tmp_path / "宗地数据" / f"宗地{suffix}")
    with pytest.raises(InputError) as info:
        find_datasets(tmp_path, label="parcels.zip")
    message = str(info.value)
    assert message.startswith("parcels.zip: incomplete shapefile")
    assert f"宗地{missing}" in message and "宗地数据/宗地.shp" in message
