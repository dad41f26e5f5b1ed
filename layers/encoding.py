"""Decide the text encoding of a shapefile's DBF table (and of other byte streams).

GDAL returns mojibake without any error when a GBK table has no `.cpg` (园区名称 → Ô°ÇøÃû³Æ),
so the encoding is decided here, in this order: the user's choice, the `.cpg` file, the DBF
language driver id (LDID, header byte 29), then the bytes of the record area themselves.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from layers.archive import sidecar
from layers.problems import InputError

__all__ = [
    "EncodingDetection",
    "ENCODING_METHODS_ZH",
    "detect_dbf_encoding",
    "detect_bytes_encoding",
    "detect_dbf_content_encoding",
    "dbf_decodes_as",
    "codec_from_cpg",
    "codec_from_ldid",
    "normalise_codec",
]

METHODS = ("user", "cpg", "ldid", "utf8_strict", "gb18030_strict", "charset_normalizer", "ascii")
# How each METHOD decided the encoding, in Chinese (notes in the zh app and CLI).
ENCODING_METHODS_ZH = {"user": "用户指定", "cpg": ".cpg 文件", "ldid": "DBF 语言驱动标识（LDID）",
                       "utf8_strict": "内容为合法 UTF-8", "gb18030_strict": "内容为合法 GBK/GB18030",
                       "charset_normalizer": "按内容统计推测", "ascii": "内容仅含 ASCII 字符"}

# DBF language driver id (header byte 29) → Python codec, after the ESRI/dBase code page
# table (ArcPad reference "Language driver ID (LDID) and code page"). 0x57 (87) means "the
# writer's current ANSI code page", which says nothing by itself, and 0x00 means unset: both
# fall through to detection from the bytes.
_LDID_CODECS: dict[int, str] = {
    0x01: "cp437", 0x02: "cp850", 0x03: "cp1252",
    0x08: "cp865", 0x09: "cp437", 0x0A: "cp850", 0x0B: "cp437", 0x0D: "cp437", 0x0E: "cp850",
    0x0F: "cp437", 0x10: "cp850", 0x11: "cp437", 0x12: "cp850", 0x13: "cp932", 0x14: "cp850",
    0x15: "cp437", 0x16: "cp850", 0x17: "cp865", 0x18: "cp437", 0x19: "cp437", 0x1A: "cp850",
    0x1B: "cp437", 0x1C: "cp863", 0x1D: "cp850", 0x1F: "cp852", 0x22: "cp852", 0x23: "cp852",
    0x24: "cp860", 0x25: "cp850", 0x26: "cp866", 0x37: "cp850", 0x40: "cp852",
    0x4D: "gbk",  # 77: Chinese GBK (PRC), code page 936
    0x4E: "cp949", 0x4F: "cp950", 0x50: "cp874",
    0x58: "cp1252", 0x59: "cp1252",
    0x64: "cp852", 0x65: "cp866", 0x66: "cp865", 0x67: "cp861", 0x6A: "cp737", 0x6B: "cp857",
    0x6C: "cp863",
    0x78: "cp950", 0x79: "cp949",
    0x7A: "gbk",  # 122: PRC GBK (Visual FoxPro numbering)
    0x7B: "cp932", 0x7C: "cp874", 0x86: "cp737", 0x87: "cp852", 0x88: "cp857",
    0xC8: "cp1250", 0xC9: "cp1251", 0xCA: "cp1254", 0xCB: "cp1253", 0xCC: "cp1257",
}

# Windows code page numbers as written in .cpg files ("936", "ANSI 936") whose Python codec
# is not simply "cp<number>".
_CODE_PAGE_CODECS: dict[int, str] = {
    936: "gbk", 54936: "gb18030", 65001: "utf-8", 950: "cp950", 20127: "ascii",
    28591: "latin-1", 88591: "latin-1",  # ESRI writes ISO 8859-1 as "88591"
    20936: "gbk",  # GB2312 as a code page number; GBK is its superset
}

# Names that Python would decode too narrowly: GB2312-labelled data routinely holds GBK characters.
_WIDER_CODECS = {"gb2312": "gbk"}

_CHUNK_BYTES = 1 << 20  # read the record area in 1 MiB pieces, so huge tables are not loaded at once


@dataclass(frozen=True)
class EncodingDetection:
    """The codec to decode text with, and how it was decided (one of METHODS)."""

    encoding: str
    method: str


def normalise_codec(name: str) -> str | None:
    """Python's canonical name of a codec (e.g. "CP936" → "gbk"), or None when unknown."""
    try:
        canonical = codecs.lookup(name.strip()).name
    except (LookupError, ValueError):
        return None
    return _WIDER_CODECS.get(canonical.replace("-", "_"), canonical)


def codec_from_cpg(text: str) -> str | None:
    """Map the content of a `.cpg` file ("UTF-8", "936", "ANSI 936", "CP936", "GBK", "LDID/77") to a codec."""
    value = text.strip().strip("\x00").strip()
    if not value:
        return None
    upper = value.upper()
    if upper.startswith("LDID/"):
        number = upper[5:].strip()
        return codec_from_ldid(int(number)) if number.isdigit() and int(number) < 256 else None
    for prefix in ("ANSI", "OEM", "WINDOWS-", "WINDOWS", "MS", "CP"):
        if upper.startswith(prefix) and upper[len(prefix):].strip().isdigit():
            upper = upper[len(prefix):].strip()
            break
    if upper.isdigit():
        page = int(upper)
        return normalise_codec(_CODE_PAGE_CODECS.get(page, f"cp{page}"))
    return normalise_codec(value)


def codec_from_ldid(ldid: int) -> str | None:
    """Codec named by a DBF language driver id, or None for 0 (unset), 0x57 (system ANSI) and unknown ids."""
    return _LDID_CODECS.get(ldid)


def detect_dbf_encoding(dbf_path: Path, *, user_encoding: str | None = None) -> EncodingDetection:
    """Decide how the text of `dbf_path` is encoded: user > .cpg > LDID > the record bytes.

    Raises InputError when the user's encoding is unknown or the file is not a DBF table.
    """
    dbf_path = Path(dbf_path)
    if user_encoding is not None:
        codec = normalise_codec(user_encoding)
        if codec is None:
            raise InputError(f"{dbf_path}: unknown encoding {user_encoding!r}; use e.g. gbk, gb18030 or utf-8",
                             zh=f"{dbf_path}：未知的字符编码 {user_encoding!r}；请用 gbk、gb18030 或 utf-8 等")
        return EncodingDetection(codec, "user")
    cpg = sidecar(dbf_path, ".cpg")
    if cpg is not None:
        codec = codec_from_cpg(cpg.read_bytes().decode("ascii", errors="replace"))
        if codec is not None:
            return EncodingDetection(codec, "cpg")
    header_length, ldid = _dbf_header(dbf_path)
    codec = codec_from_ldid(ldid)
    if codec is not None:
        return EncodingDetection(codec, "ldid")
    return detect_bytes_encoding(_record_chunks(dbf_path, header_length))


def detect_dbf_content_encoding(dbf_path: Path) -> EncodingDetection:
    """Decide the encoding of a DBF table from its record bytes alone, ignoring .cpg and LDID."""
    header_length, _ = _dbf_header(Path(dbf_path))
    return detect_bytes_encoding(_record_chunks(Path(dbf_path), header_length))


def detect_bytes_encoding(data: bytes | Iterable[bytes], *, tiebreak_bytes: int = _CHUNK_BYTES) -> EncodingDetection:
    """Decide the encoding of text bytes: pure ASCII, else strict UTF-8, strict GB18030, charset-normalizer.

    `data` may be one bytes object or an iterable of chunks (decoded incrementally, so a
    character split between chunks is fine). `tiebreak_bytes` bounds what charset-normalizer sees.
    """
    chunks: Iterable[bytes | bytearray | memoryview] = [data] if isinstance(data, (bytes, bytearray, memoryview)) else data
    utf8 = codecs.getincrementaldecoder("utf-8")("strict")
    gb = codecs.getincrementaldecoder("gb18030")("strict")
    utf8_ok = gb_ok = True
    ascii_only = True
    sample = bytearray()
    for chunk in chunks:
        chunk = bytes(chunk)
        if len(sample) < tiebreak_bytes:
            sample += chunk[: tiebreak_bytes - len(sample)]
        if ascii_only and not chunk.isascii():
            ascii_only = False
        utf8_ok = utf8_ok and _feeds(utf8, chunk)
        gb_ok = gb_ok and _feeds(gb, chunk)
        if not (utf8_ok or gb_ok) and len(sample) >= tiebreak_bytes:
            break
    utf8_ok = utf8_ok and _feeds(utf8, b"", final=True)
    gb_ok = gb_ok and _feeds(gb, b"", final=True)
    if ascii_only:
        return EncodingDetection("utf-8", "ascii")
    if utf8_ok:
        return EncodingDetection("utf-8", "utf8_strict")
    if gb_ok:
        return EncodingDetection("gb18030", "gb18030_strict")
    return EncodingDetection(_charset_normalizer_guess(bytes(sample)), "charset_normalizer")


def dbf_decodes_as(dbf_path: Path, encoding: str) -> bool:
    """Whether the whole record area of `dbf_path` decodes strictly with `encoding`."""
    header_length, _ = _dbf_header(Path(dbf_path))
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    for chunk in _record_chunks(Path(dbf_path), header_length):
        if not _feeds(decoder, chunk):
            return False
    return _feeds(decoder, b"", final=True)


def _feeds(decoder: codecs.IncrementalDecoder, chunk: bytes, *, final: bool = False) -> bool:
    try:
        decoder.decode(chunk, final)
    except UnicodeDecodeError:
        return False
    return True


def _charset_normalizer_guess(sample: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    codec = normalise_codec(best.encoding) if best is not None else None
    # Nothing decodes cleanly: GB18030 is still the likeliest for Chinese bureau data.
    return codec or "gb18030"


def _dbf_header(dbf_path: Path) -> tuple[int, int]:
    """(header length, LDID) from the 32-byte DBF file header."""
    try:
        with open(dbf_path, "rb") as fh:
            head = fh.read(32)
    except OSError as exc:
        raise InputError(f"{dbf_path}: cannot open the DBF table: {exc.strerror or exc}",
                         zh=f"{dbf_path}：无法打开 DBF 属性表：{exc.strerror or exc}") from None
    if len(head) < 32:
        raise InputError(f"{dbf_path}: not a DBF table (only {len(head)} bytes, a header needs 32)",
                         zh=f"{dbf_path}：不是 DBF 属性表（只有 {len(head)} 字节，文件头需要 32 字节）")
    header_length = int.from_bytes(head[8:10], "little")
    if header_length < 33:
        raise InputError(f"{dbf_path}: not a DBF table (header length {header_length} in bytes 8-9)",
                         zh=f"{dbf_path}：不是 DBF 属性表（第 8–9 字节的文件头长度为 {header_length}）")
    return header_length, head[29]


def _record_chunks(dbf_path: Path, header_length: int) -> Iterator[bytes]:
    """The record area of a DBF file in pieces, without the trailing end-of-file mark (0x1A)."""
    with open(dbf_path, "rb") as fh:
        fh.seek(header_length)
        pending = b""
        while chunk := fh.read(_CHUNK_BYTES):
            if pending:
                yield pending
            pending = chunk
        if pending:
            yield pending[:-1] if pending.endswith(b"\x1a") else pending
