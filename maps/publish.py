"""Map layer payloads published once as static files, so a page carries URLs instead of megabytes.

The app serves `static_dir()` at /app/static (maps.assets). A payload is written under `layers/`,
named by the SHA-256 of its content, so the URL changes exactly when the data does and a browser may
keep it; a click, recolour or selection then re-sends only the page's few kilobytes of HTML and
the overlay's styles and ids. A gzip copy is written beside each file (`<name>.gz`), which `maps.serving` sends
as an immutable response. Offline exports (reports/html.py) keep their data inline.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from pathlib import Path

from maps.assets import STATIC_URL, static_dir

LAYER_DIR = "layers"
GZIP_LEVEL = 6  # zlib's default: within a few per cent of level 9's size on layer JSON, several times faster


def payload_name(kind: str, payload: str) -> str:
    """The file name of a payload: kind plus the first 20 hex digits of its SHA-256, `.json` unless the kind names
    its own extension ("landpark-map.js": served as JavaScript)."""
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]
    stem, dot, ext = kind.rpartition(".") if kind.endswith(".js") else (kind, ".", "json")
    return f"{stem}-{digest}{dot}{ext}"


def publish_payload(payload: str, kind: str, folder: Path | None = None) -> str | None:
    """Write `payload` (compact layer JSON) into the served static folder once; return its URL.

    None when the folder cannot be written (the caller then inlines the data): a map must draw either way."""
    root = (folder if folder is not None else static_dir()) / LAYER_DIR
    name = payload_name(kind, payload)
    target = root / name
    packed = root / f"{name}.gz"
    try:
        if not (target.exists() and packed.exists()):
            root.mkdir(parents=True, exist_ok=True)
            data = payload.encode("utf-8")
            # the gzip copy first: once the file exists, so does its copy (maps.serving sends the copy, compressed
            # once here instead of at every request); no time stamp inside, so the same data give the same bytes
            _write(packed, gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))
            _write(target, data)
    except OSError:
        return None
    return f"{STATIC_URL}/{LAYER_DIR}/{name}"


def _write(target: Path, data: bytes) -> None:
    """Write `data` to `target` atomically, readable by all (a reverse proxy serving static/ must read it)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(tmp, 0o644)  # mkstemp makes it private
    os.replace(tmp, target)
