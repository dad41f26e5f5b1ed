"""Front-end assets the app serves itself (nothing may come from a CDN at run time).

Leaflet.draw (the search-area drawing tool of the siting page) is fetched once at install time
from the npm registry, pinned to one version and verified against its published sha512, and
unpacked into `static/vendor/leaflet-draw/`, which Streamlit serves at `/app/static/`:

    python -m maps.assets            # fetch (no-op when present); exit 1 with a message on failure

The app works without it: the siting page then offers file upload instead of drawing.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

__all__ = ["DRAW_VERSION", "DRAW_INTEGRITY", "DRAW_DIR", "draw_urls", "fetch_leaflet_draw"]

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
DRAW_DIR = STATIC_DIR / "vendor" / "leaflet-draw"
DRAW_VERSION = "1.0.4"
# `dist.integrity` of leaflet-draw@1.0.4 in the npm registry metadata (MIT licence).
DRAW_INTEGRITY = "sha512-rsQ6saQO5ST5Aj6XRFylr5zvarWgzWnrg46zQ1MEOEIHsppdC/8hnN8qMoFvACsPvTioAuysya/TVtog15tyAQ=="
DRAW_TARBALL = f"https://registry.npmjs.org/leaflet-draw/-/leaflet-draw-{DRAW_VERSION}.tgz"
DRAW_FILES = ("leaflet.draw.js", "leaflet.draw.css", "images/spritesheet.png", "images/spritesheet-2x.png",
              "images/spritesheet.svg", "images/marker-icon.png", "images/marker-icon-2x.png",
              "images/marker-shadow.png", "images/layers.png", "images/layers-2x.png")
URL_PREFIX = "/app/static/vendor/leaflet-draw"


def draw_urls(folder: Path = DRAW_DIR) -> tuple[str, str] | None:
    """(js, css) URLs of the served Leaflet.draw, or None when it was not fetched."""
    if all((folder / name).is_file() for name in ("leaflet.draw.js", "leaflet.draw.css")):
        return f"{URL_PREFIX}/leaflet.draw.js", f"{URL_PREFIX}/leaflet.draw.css"
    return None


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def _download(tmp: Path) -> bytes:
    """The tarball through npm (the registry's own client) when installed, else over HTTPS from the registry."""
    npm = shutil.which("npm")
    if npm:
        done = subprocess.run([npm, "pack", f"leaflet-draw@{DRAW_VERSION}", "--silent", "--pack-destination", str(tmp)],
                              capture_output=True, text=True, timeout=300)
        tarball = tmp / f"leaflet-draw-{DRAW_VERSION}.tgz"
        if done.returncode == 0 and tarball.is_file():
            return tarball.read_bytes()
    with urllib.request.urlopen(DRAW_TARBALL, timeout=120) as response:  # noqa: S310 (fixed https URL)
        return response.read()


def fetch_leaflet_draw(folder: Path = DRAW_DIR, *, tarball: bytes | None = None) -> Path:
    """Unpack Leaflet.draw's dist files into `folder` after checking the tarball's sha512; returns `folder`.

    `tarball` skips the download (tests). Raises ValueError when the checksum does not match.
    """
    with tempfile.TemporaryDirectory(prefix="landpark-assets-") as tmp:
        data = tarball if tarball is not None else _download(Path(tmp))
        got = _integrity(data)
        if got != DRAW_INTEGRITY:
            raise ValueError(f"leaflet-draw-{DRAW_VERSION}.tgz: checksum {got} does not match the pinned {DRAW_INTEGRITY}")
        staging = Path(tempfile.mkdtemp(prefix=".leaflet-draw.", dir=_parent(folder)))
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
                for name in DRAW_FILES:
                    member = archive.extractfile(f"package/dist/{name}")
                    if member is None:
                        raise ValueError(f"leaflet-draw-{DRAW_VERSION}.tgz lacks dist/{name}")
                    target = staging / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(member.read())
            (staging / "VERSION.json").write_text(json.dumps(
                {"package": "leaflet-draw", "version": DRAW_VERSION, "integrity": DRAW_INTEGRITY, "license": "MIT",
                 "source": DRAW_TARBALL}, indent=1), encoding="utf-8")
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(staging, folder)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    return folder


def _parent(folder: Path) -> Path:
    folder.parent.mkdir(parents=True, exist_ok=True)
    return folder.parent


def _installed_version(folder: Path) -> str | None:
    try:
        return json.loads((folder / "VERSION.json").read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError):
        return None


def main() -> int:
    """Fetch Leaflet.draw unless the pinned version is already there."""
    if draw_urls() is not None and _installed_version(DRAW_DIR) == DRAW_VERSION:
        os.utime(DRAW_DIR / "leaflet.draw.js")  # newer than ui/assets.py: make sees it up to date
        print(f"leaflet-draw {DRAW_VERSION} already in {DRAW_DIR}")
        return 0
    try:
        fetch_leaflet_draw()
    except Exception as exc:  # network, npm or checksum: say so; the app still runs without drawing
        print(f"could not fetch leaflet-draw {DRAW_VERSION}: {exc}\n"
              "the siting page will accept uploaded search areas only", file=sys.stderr)
        return 1
    print(f"leaflet-draw {DRAW_VERSION} verified and unpacked into {DRAW_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
