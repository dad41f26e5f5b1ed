"""Unpack uploaded zip archives safely and find the datasets inside them.

GDAL cannot read a zipped shapefile that sits in a folder of the zip, and Windows zips carry
GBK member names without the UTF-8 flag, so archives are unpacked here into a folder first:
members escaping the folder (zip slip) and oversized members are refused.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from layers.problems import InputError

__all__ = ["extract_zip", "find_datasets", "sidecar", "repair_member_name", "DATASET_SUFFIXES", "SHAPEFILE_PARTS"]

UTF8_NAME_FLAG = 0x800  # general purpose bit 11: the member name is UTF-8
DATASET_SUFFIXES = (".shp", ".gdb", ".gpkg", ".geojson", ".json", ".csv", ".xlsx", ".parquet")
SHAPEFILE_PARTS = (".shx", ".dbf")  # required beside every .shp
_COPY_BYTES = 1 << 20
_JUNK_FOLDERS = {"__macosx"}  # macOS resource forks: "__MACOSX/._name.shp" is not a shapefile


def repair_member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its writer meant it.

    Without the UTF-8 flag Python decodes names as cp437; Chinese Windows wrote them in GBK
    (and some tools write UTF-8 without setting the flag). Undo cp437, then try UTF-8, then
    GB18030 (a superset of GBK), else keep the name as Python read it.
    """
    if info.flag_bits & UTF8_NAME_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    if raw.isascii():
        return info.filename
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return info.filename


def _safe_relative(name: str, archive: Path) -> PurePosixPath:
    """The member path relative to the target folder; InputError if it would land outside it."""
    parts = PurePosixPath(name.replace("\\", "/"))
    if (
        parts.is_absolute()
        or ".." in parts.parts
        or (parts.parts and len(parts.parts[0]) >= 2 and parts.parts[0][1] == ":")  # C:/...
    ):
        raise InputError(
            f"{archive}: refused: member {name!r} would be written outside the extraction folder (zip slip)",
            zh=f"{archive}：拒绝解压：成员 {name!r} 会被写到解压文件夹之外（zip slip）",
        )
    return PurePosixPath(*[p for p in parts.parts if p not in ("", ".")])


def extract_zip(
    path: Path,
    dest: Path,
    *,
    max_member_bytes: int = 2 * 1024**3,
    max_total_bytes: int = 8 * 1024**3,
) -> list[Path]:
    """Unpack `path` into `dest` keeping its folders; return the files written.

    Refuses (InputError naming the member) zip-slip paths, members larger than
    `max_member_bytes` and archives whose content exceeds `max_total_bytes`; sizes are counted
    while copying, so a member that lies about its size is caught too.
    """
    path, dest = Path(path), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise InputError(f"{path}: not a readable zip archive ({exc})", zh=f"{path}：不是可读取的 zip 压缩包（{exc}）") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot open the zip archive: {exc.strerror or exc}",
                         zh=f"{path}：无法打开 zip 压缩包：{exc.strerror or exc}") from None
    written: list[Path] = []
    with archive:
        members = archive.infolist()
        plan: list[tuple[zipfile.ZipInfo, str, Path]] = []
        declared_total = 0
        for info in members:
            name = repair_member_name(info)
            relative = _safe_relative(name, path)
            target = root.joinpath(*relative.parts) if relative.parts else root
            if target != root and root not in target.resolve().parents:
                raise InputError(
                    f"{path}: refused: member {name!r} would be written outside the extraction folder (zip slip)",
                    zh=f"{path}：拒绝解压：成员 {name!r} 会被写到解压文件夹之外（zip slip）",
                )
            if info.file_size > max_member_bytes:
                raise InputError(
                    f"{path}: refused: member {name!r} is {info.file_size} bytes unpacked, "
                    f"above the limit of {max_member_bytes} bytes",
                    zh=f"{path}：拒绝解压：成员 {name!r} 解压后 {info.file_size} 字节，超过上限 {max_member_bytes} 字节",
                )
            declared_total += info.file_size
            plan.append((info, name, target))
        if declared_total > max_total_bytes:
            raise InputError(
                f"{path}: refused: the archive unpacks to {declared_total} bytes, above the limit of {max_total_bytes} bytes",
                zh=f"{path}：拒绝解压：压缩包解压后共 {declared_total} 字节，超过上限 {max_total_bytes} 字节",
            )
        total = 0
        for info, name, target in plan:
            if info.is_dir() or name.endswith(("/", "\\")):
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            total = _copy_member(archive, info, name, target, path, total, max_member_bytes, max_total_bytes)
            written.append(target)
    return written


def _copy_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, target: Path, path: Path,
    total: int, max_member_bytes: int, max_total_bytes: int,
) -> int:
    """Copy one member in pieces, enforcing the size limits on the bytes actually produced."""
    size = 0
    try:
        with archive.open(info) as src, open(target, "wb") as out:
            while chunk := src.read(_COPY_BYTES):
                size += len(chunk)
                total += len(chunk)
                if size > max_member_bytes:
                    raise InputError(
                        f"{path}: refused: member {name!r} unpacks to more than {max_member_bytes} bytes",
                        zh=f"{path}：拒绝解压：成员 {name!r} 解压后超过 {max_member_bytes} 字节",
                    )
                if total > max_total_bytes:
                    raise InputError(f"{path}: refused: the archive unpacks to more than {max_total_bytes} bytes",
                                     zh=f"{path}：拒绝解压：压缩包解压后超过 {max_total_bytes} 字节")
                out.write(chunk)
    except InputError:
        target.unlink(missing_ok=True)
        raise
    except RuntimeError as exc:  # encrypted member
        raise InputError(f"{path}: cannot unpack member {name!r}: {exc}", zh=f"{path}：无法解压成员 {name!r}：{exc}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise InputError(f"{path}: cannot unpack member {name!r}: {exc}", zh=f"{path}：无法解压成员 {name!r}：{exc}") from None
    return total


def _is_junk(path: Path, folder: Path) -> bool:
    rel = path.relative_to(folder).parts
    return any(p.lower() in _JUNK_FOLDERS for p in rel) or path.name.startswith("._")


def sidecar(path: Path, suffix: str) -> Path | None:
    """The file beside `path` with the same stem and `suffix` (".dbf", ".cpg" …), in any letter case."""
    exact = path.with_suffix(suffix)
    if exact.is_file():
        return exact
    wanted = (path.stem + suffix).lower()
    return next((p for p in path.parent.iterdir() if p.name.lower() == wanted and p.is_file()), None)


def find_datasets(folder: Path, *, label: str | None = None) -> list[Path]:
    """Every dataset under `folder`: .shp (its .shx and .dbf required), .gdb folders, .gpkg,
    .geojson/.json, .csv, .xlsx and .parquet files, in path order.

    Raises InputError naming a shapefile whose .shx or .dbf is missing; `label` names the
    folder in messages (e.g. the zip it was unpacked from).
    """
    folder = Path(folder)
    found: list[Path] = []
    missing: list[str] = []
    missing_zh: list[str] = []
    gdbs: list[Path] = []
    for path in sorted(folder.rglob("*")):
        if _is_junk(path, folder) or any(g in path.parents for g in gdbs):
            continue
        suffix = path.suffix.lower()
        if path.is_dir():
            if suffix == ".gdb":
                gdbs.append(path)
                found.append(path)
            continue
        if suffix not in DATASET_SUFFIXES or suffix == ".gdb":
            continue
        if suffix == ".shp":
            lacking = [s for s in SHAPEFILE_PARTS if sidecar(path, s) is None]
            if lacking:
                rel = path.relative_to(folder)
                missing.append(f"{rel} lacks {' and '.join(path.stem + s for s in lacking)}")
                missing_zh.append(f"{rel} 缺少 {'、'.join(path.stem + s for s in lacking)}")
                continue
        found.append(path)
    if missing:
        raise InputError(
            f"{label or folder}: incomplete shapefile: " + "; ".join(missing)
            + " (a shapefile needs its .shp, .shx and .dbf files together)",
            zh=f"{label or folder}：Shapefile 不完整：" + "；".join(missing_zh)
               + "（Shapefile 需要 .shp、.shx、.dbf 三个文件齐全）",
        )
    return found
