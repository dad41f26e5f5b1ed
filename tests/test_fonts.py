"""The CJK font arrives with pip: every PDF and chart prints Chinese on a machine with no system font."""

from __future__ import annotations

import hashlib
import shutil
import subprocess

import pytest
from fontTools.ttLib import TTCollection

from reports.fonts import NOTO_SC_FACE, find_cjk_font, packaged_cjk_font

# Noto Sans CJK 2.004 Regular collection as shipped in noto-cjk-sans-otc 0.0.1 (same file as Debian's fonts-noto-cjk).
PACKAGED_SHA256 = "b76b0433203017ca80401b2ee0dd69350349871c4b19d504c34dbdd80541690a"
# Characters of real firm and person names, from common (鑫) to CJK Ext A (㮾), Ext B (𠀾) and Ext E/F (𫖯, 𬌗).
RARE = "堃喆燊昇鑫淼犇骉㮾𠀾镕珺玥婧琍𬌗𫖯"


def test_the_packaged_font_is_the_full_noto_sans_cjk_collection():
    font = packaged_cjk_font()
    assert font is not None, "noto-cjk-sans-otc is a dependency of landpark"
    assert hashlib.sha256(font.path.read_bytes()).hexdigest() == PACKAGED_SHA256
    collection = TTCollection(str(font.path))
    face = collection.fonts[font.index]
    assert font.index == NOTO_SC_FACE and face["name"].getDebugName(4) == "Noto Sans CJK SC"
    cmap = face.getBestCmap()
    assert len(cmap) > 40_000  # a full font, not a subset of the 3,500 common characters
    assert [ch for ch in RARE if ord(ch) not in cmap] == []


def test_without_system_fonts_the_packaged_font_is_used(monkeypatch, tmp_path):
    monkeypatch.delenv("LANDPARK_CJK_FONT", raising=False)
    font = find_cjk_font(dirs=(tmp_path,))
    assert font == packaged_cjk_font()


def test_a_pdf_made_with_the_packaged_font_embeds_it_and_keeps_rare_characters(tmp_path, monkeypatch):
    from fpdf import FPDF

    monkeypatch.delenv("LANDPARK_CJK_FONT", raising=False)
    font = find_cjk_font(dirs=(tmp_path,))
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("cjk", "", str(font.path), collection_font_number=font.index)
    pdf.set_font("cjk", size=12)
    line = f"宁波{RARE}机械有限公司"
    pdf.cell(text=line)
    out = tmp_path / "rare.pdf"
    pdf.output(str(out))
    raw = out.read_bytes()
    assert b"/FontFile" in raw and b"NotoSansCJK" in raw  # embedded, not referenced
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (Debian poppler-utils): embedding checked, text extraction not")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert line in text.replace("\n", "").replace(" ", "")
