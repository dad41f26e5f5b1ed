"""DBF encoding detection: user > .cpg > LDID > strict UTF-8 > strict GB18030 > charset-normalizer."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from layers import encoding as enc_module
from layers.encoding import (
    EncodingDetection,
    codec_from_cpg,
    codec_from_ldid,
    dbf_decodes_as,
    detect_bytes_encoding,
    detect_dbf_encoding,
)
from layers.problems import InputError
from tests.hostile import PARK_NAMES, write_dbf

NAME_FIELD = (("园区名称", "C", 40, 0),)


def make_dbf(tmp_path: Path, values, *, encoding: str = "gbk", ldid: int = 0, cpg: str | None = None,
             fields=NAME_FIELD, stem: str = "t") -> Path:
    path = write_dbf(tmp_path / f"{stem}.dbf", fields, [(v,) for v in values], encoding=encoding, ldid=ldid)
    if cpg is not None:
        (tmp_path / f"{stem}.cpg").write_text(cpg, encoding="ascii")
    return path


@pytest.mark.parametrize(
    ("cpg", "codec"),
    [
        ("936", "gbk"), ("CP936", "gbk"), ("ANSI 936", "gbk"), ("GBK", "gbk"), ("gb2312", "gbk"),
        ("UTF-8", "utf-8"), ("utf8\r\n", "utf-8"), ("65001", "utf-8"), ("GB18030", "gb18030"),
        ("54936", "gb18030"), ("LDID/77", "gbk"), ("ANSI 1252", "cp1252"), ("88591", "iso8859-1"),
        ("not a code page", None), ("", None),
    ],
)
def test_cpg_text_maps_to_python_codec(cpg, codec):
    # Windows code page 936 = GBK, 54936 = GB18030, 65001 = UTF-8 (Microsoft code page identifiers).
    assert codec_from_cpg(cpg) == codec


@pytest.mark.parametrize(("ldid", "codec"), [(0x4D, "gbk"), (0x7A, "gbk"), (0x4F, "cp950"), (0x03, "cp1252"),
                                             (0x00, None), (0x57, None)])
def test_ldid_table(ldid, codec):
    # 0x4D (77) is CP936 in the ESRI table; 0x57 (87) means "current ANSI code page" and says nothing.
    assert codec_from_ldid(ldid) == codec


def test_gbk_without_cpg_or_ldid_is_found_by_strict_gb18030(tmp_path):
    dbf = make_dbf(tmp_path, PARK_NAMES)
    assert "宁波高新区".encode("gbk") in dbf.read_bytes()  # the fixture really holds GBK bytes
    assert detect_dbf_encoding(dbf) == EncodingDetection("gb18030", "gb18030_strict")


def test_utf8_content_is_found_by_strict_utf8(tmp_path):
    dbf = make_dbf(tmp_path, PARK_NAMES, encoding="utf-8")
    assert detect_dbf_encoding(dbf) == EncodingDetection("utf-8", "utf8_strict")


def test_ascii_records_under_gbk_field_names_read_as_ascii(tmp_path):
    # The header holds GBK field names; only the record area (after the header length in bytes 8-9) counts.
    dbf = make_dbf(tmp_path, ["ZD-001", "ZD-002"])
    assert not dbf.read_bytes()[:64].isascii()
    assert detect_dbf_encoding(dbf) == EncodingDetection("utf-8", "ascii")


def test_ldid_0x4d_means_gbk_when_there_is_no_cpg(tmp_path):
    dbf = make_dbf(tmp_path, PARK_NAMES, ldid=0x4D)
    assert dbf.read_bytes()[29] == 0x4D
    assert detect_dbf_encoding(dbf) == EncodingDetection("gbk", "ldid")


def test_ldid_87_falls_through_to_the_bytes(tmp_path):
    dbf = make_dbf(tmp_path, PARK_NAMES, ldid=0x57)
    assert detect_dbf_encoding(dbf).method == "gb18030_strict"


def test_cpg_wins_over_ldid(tmp_path):
    dbf = make_dbf(tmp_path, PARK_NAMES, encoding="utf-8", ldid=0x4D, cpg="UTF-8")
    assert detect_dbf_encoding(dbf) == EncodingDetection("utf-8", "cpg")


def test_cpg_with_upper_case_extension_is_found(tmp_path):
    dbf = make_dbf(tmp_path, PARK_NAMES, stem="T")
    (tmp_path / "T.CPG").write_text("936", encoding="ascii")
    assert detect_dbf_encoding(dbf) == EncodingDetection("gbk", "cpg")


def test_unknown_cpg_falls_through(tmp_path):
    dbf = make_dbf(tmp_path, PARK_NAMES, cpg="ANSI")
    assert detect_dbf_encoding(dbf).method == "gb18030_strict"


def test_user_encoding_wins_and_is_normalised(tmp_path):
    dbf = make_dbf(tmp_path, PARK_NAMES, encoding="utf-8", ldid=0x4D, cpg="UTF-8")
    assert detect_dbf_encoding(dbf, user_encoding="CP936") == EncodingDetection("gbk", "user")


def test_unknown_user_encoding_is_an_input_error_naming_it(tmp_path):
    dbf = make_dbf(tmp_path, PARK_NAMES)
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        detect_dbf_encoding(dbf, user_encoding="klingon")


def test_not_a_dbf_is_an_input_error_naming_the_file(tmp_path):
    bad = tmp_path / "broken.dbf"
    bad.write_bytes(b"\x03\x00\x00")
    with pytest.raises(InputError, match=r"broken\.dbf: not a DBF table"):
        detect_dbf_encoding(bad)


def test_character_split_between_read_chunks_still_decodes_strictly(tmp_path):
    width = 250
    value = "中" * 83  # 249 UTF-8 bytes
    count = enc_module._CHUNK_BYTES // (1 + width) + 10
    dbf = make_dbf(tmp_path, [value] * count, encoding="utf-8", fields=(("名称", "C", width, 0),))
    data = dbf.read_bytes()
    header_length = int.from_bytes(data[8:10], "little")
    boundary = data[header_length + enc_module._CHUNK_BYTES]
    assert 0x80 <= boundary <= 0xBF  # the chunk boundary falls inside a 3-byte character
    assert detect_dbf_encoding(dbf) == EncodingDetection("utf-8", "utf8_strict")


def test_text_neither_utf8_nor_gb18030_goes_to_charset_normalizer(tmp_path):
    # cp1252 "é" followed by a space and "€" (0x80) is invalid in both UTF-8 and GB18030.
    values = ["Café € 5 Crème brûlée", "Société Générale à Paris"] * 20
    dbf = make_dbf(tmp_path, values, encoding="cp1252", fields=(("NAME", "C", 40, 0),))
    found = detect_dbf_encoding(dbf)
    assert found.method == "charset_normalizer"
    codecs.lookup(found.encoding)  # a real codec


def test_detect_bytes_handles_a_bom_and_plain_ascii():
    assert detect_bytes_encoding("\ufeff名称,面积\n".encode("utf-8")) == EncodingDetection("utf-8", "utf8_strict")
    assert detect_bytes_encoding(b"name,area\n") == EncodingDetection("utf-8", "ascii")
    assert detect_bytes_encoding("名称,面积\n".encode("gbk")) == EncodingDetection("gb18030", "gb18030_strict")


def test_dbf_decodes_as(tmp_path):
    dbf = make_dbf(tmp_path, PARK_NAMES)
    assert dbf_decodes_as(dbf, "gbk")
    assert not dbf_decodes_as(dbf, "utf-8")
