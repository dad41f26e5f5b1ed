"""Files uploaded through the app: saved safely in a private temporary folder, unpacked, listed.

An upload never touches a project: its files go to a fresh `landpark-upload-*` folder under the
system temp directory, keeping their original names (minus any path a browser or a hostile
client put in them). A zip is unpacked there once (`layers.archive.extract_zip`: zip-slip and
size limits, GBK member names repaired), so re-validating with another field mapping does not
unpack it again. Shapefile parts uploaded side by side (.shp + .shx + .dbf …) are read as one
folder. Validation and import then read `Upload.path` with `layers.readers`.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyogrio

from layers.archive import DATASET_SUFFIXES, extract_zip, find_datasets
from layers.problems import InputError

__all__ = ["Upload", "UploadError", "UPLOAD_SUFFIXES", "SHAPEFILE_SIDECARS", "safe_name", "save_upload",
           "discard_upload", "cleanup_stale_uploads", "source_layers", "source_columns", "relabel"]

PREFIX = "landpark-upload-"
SHAPEFILE_SIDECARS = (".shx", ".dbf", ".prj", ".cpg", ".sbn", ".sbx", ".qix", ".xml")
# What the upload widget accepts: single datasets, zips of anything readable, and shapefile parts.
UPLOAD_SUFFIXES = tuple(dict.fromkeys([".zip", *[s for s in DATASET_SUFFIXES if s != ".gdb"], ".shp",
                                       *SHAPEFILE_SIDECARS]))
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


class UploadError(InputError):
    """An upload refused before reading; `key` and `values` let a UI say why in its own language."""

    def __init__(self, message: str, key: str, **values: object):
        super().__init__(message)
        self.key = key
        self.values = values


@dataclass
class Upload:
    """One upload saved on disk: `path` is what to read (a file, or the folder of an unpacked zip or
    of several shapefile parts); `label` is the name the user knows it by (the original file name)."""

    folder: Path  # the private temporary folder holding everything of this upload
    path: Path
    label: str
    names: list[str] = field(default_factory=list)  # original file names, as uploaded
    size_bytes: int = 0


def safe_name(name: str) -> str:
    """The original file name without any folder part or characters a file system refuses.

    Chinese and other Unicode letters are kept (NFC); "../../x.zip" and "C:\\a\\b.zip" keep only
    their last part; an empty result becomes "upload".
    """
    base = unicodedata.normalize("NFC", str(name)).replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).strip().strip(".") if base.strip(". ") else ""
    return base[:200] or "upload"


def _suffix(name: str) -> str:
    return Path(name).suffix.lower()


def save_upload(files: Iterable[tuple[str, bytes]], *, max_bytes: int | None = None,
                temp_root: str | Path | None = None) -> Upload:
    """Save uploaded `(original name, content)` pairs into a new private folder and prepare them for reading.

    One zip is unpacked into `unpacked/` and read as that folder; one other file is read as itself;
    several files (the parts of a shapefile, or several tables) are read as their folder. Raises
    UploadError for no file, an unsupported suffix, a zip among several files, duplicate names or
    more than `max_bytes` in total, and InputError for an unreadable or hostile zip; nothing is
    left on disk after a refusal.
    """
    items = [(safe_name(n), bytes(data)) for n, data in files]
    if not items:
        raise UploadError("no file uploaded", "no_file")
    for name, _ in items:
        if _suffix(name) not in UPLOAD_SUFFIXES:
            raise UploadError(f"{name}: unsupported file type {_suffix(name) or '(none)'!r}; "
                              f"supported: {', '.join(UPLOAD_SUFFIXES)}", "bad_type", name=name,
                              suffix=_suffix(name) or "—")
    names = [n for n, _ in items]
    lowered = [n.lower() for n in names]
    twice = sorted({n for n in names if lowered.count(n.lower()) > 1})
    if twice:
        raise UploadError(f"the same file name was uploaded twice: {', '.join(twice)}", "duplicate_names",
                          names=", ".join(twice))
    if len(items) > 1 and any(_suffix(n) == ".zip" for n in names):
        raise UploadError("upload a zip archive on its own, not together with other files", "zip_with_others")
    size = sum(len(d) for _, d in items)
    if max_bytes is not None and size > max_bytes:
        raise UploadError(f"the upload is {size} bytes, above the limit of {max_bytes} bytes", "too_large",
                          size_mb=f"{size / 2**20:.1f}", limit_mb=f"{max_bytes / 2**20:.0f}")
    folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=temp_root))
    try:
        original = folder / "original"
        original.mkdir()
        for name, data in items:
            (original / name).write_bytes(data)
        if len(items) > 1:
            path = original
            label = _group_label(names)
        elif _suffix(names[0]) == ".zip":
            path = folder / "unpacked"
            extract_zip(original / names[0], path)
            label = names[0]
        else:
            path, label = original / names[0], names[0]
            if _suffix(names[0]) in SHAPEFILE_SIDECARS:
                raise UploadError(f"{names[0]}: one part of a shapefile; upload the .shp, .shx and .dbf "
                                  "(and .prj, .cpg) together, or a zip of them", "shapefile_part", name=names[0])
        return Upload(folder=folder, path=path, label=label, names=names, size_bytes=size)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _group_label(names: list[str]) -> str:
    """The name of several uploaded files: the shapefile's .shp name when there is one."""
    shp = [n for n in names if _suffix(n) == ".shp"]
    if len(shp) == 1:
        return shp[0]
    shown = ", ".join(names[:3])
    return shown + (f" … (+{len(names) - 3})" if len(names) > 3 else "")


def discard_upload(upload: Upload | Path | str | None) -> None:
    """Delete an upload's temporary folder (only folders this module created)."""
    if upload is None:
        return
    folder = Path(upload.folder if isinstance(upload, Upload) else upload)
    if folder.name.startswith(PREFIX):
        shutil.rmtree(folder, ignore_errors=True)


def cleanup_stale_uploads(max_age_hours: float, *, temp_root: str | Path | None = None,
                          now: float | None = None) -> int:
    """Delete upload folders older than `max_age_hours` (left behind by closed browser sessions); returns how many."""
    root = Path(temp_root or tempfile.gettempdir())
    limit = (now if now is not None else time.time()) - max_age_hours * 3600.0
    removed = 0
    for folder in root.glob(PREFIX + "*"):
        try:
            if folder.is_dir() and folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except OSError:
            continue
    return removed


def source_layers(path: str | Path) -> list[str]:
    """Names a reader accepts as `layer=` for `path`: the datasets of a folder (by file stem) when it
    holds several, else the layers of a GeoPackage/FileGDB/GeoJSON or the sheets of a workbook;
    one name for a single-layer source. Raises InputError when nothing readable is found.
    """
    p = Path(path)
    if p.is_dir() and p.suffix.lower() != ".gdb":
        datasets = find_datasets(p, label=str(p))
        if not datasets:
            raise InputError(f"{p}: no dataset found", zh=f"{p}：没有找到可读取的数据集")
        if len(datasets) > 1:
            return [d.stem for d in datasets]
        p = datasets[0]
    suffix = p.suffix.lower()
    if suffix in (".gpkg", ".gdb", ".geojson", ".json"):
        try:
            return [str(n) for n, _ in pyogrio.list_layers(p)]
        except (RuntimeError, OSError, ValueError) as exc:
            raise InputError(f"{p}: cannot list layers: {exc}", zh=f"{p}：无法列出图层：{exc}") from None
    if suffix == ".xlsx":
        import openpyxl

        try:
            book = openpyxl.load_workbook(p, read_only=True)
        except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors for broken files
            raise InputError(f"{p}: cannot open as an Excel .xlsx workbook: {exc}",
                             zh=f"{p}：无法作为 Excel .xlsx 工作簿打开：{exc}") from None
        try:
            return [str(s) for s in book.sheetnames]
        finally:
            book.close()
    return [p.stem]


def source_columns(path: str | Path, *, layer: str | None = None, encoding: str | None = None,
                   crs: str | int | None = None) -> list[str]:
    """The attribute columns of a source as its reader decodes them (no geometry, no internal `_` columns),
    in source order: what a layer kind is guessed from. Raises what `read_source` raises."""
    from layers.readers import read_source

    frame = read_source(path, layer=layer, encoding=encoding, crs=crs).frame
    geometry = getattr(frame, "_geometry_column_name", None)
    return [str(c) for c in frame.columns if c != geometry and not str(c).startswith("_")]


def relabel(text: str, upload: Upload) -> str:
    """`text` with the upload's temporary paths replaced by the name the user uploaded."""
    for path in sorted({str(upload.path), str(upload.folder / "original"), str(upload.folder)}, key=len, reverse=True):
        text = text.replace(path, upload.label)
    return text
