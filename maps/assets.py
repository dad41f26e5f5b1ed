"""Front-end files the maps need, shipped inside the package, and the folder the app serves them from.

Leaflet 1.9.4 and Leaflet.draw 1.0.4 (both BSD-2/MIT, from the npm registry) are committed under
`maps/vendor/`, each file pinned by its sha256 in `VENDOR_SHA256`; nothing is fetched at run time.
`python -m maps.assets --check-npm` downloads the pinned tarballs with npm, checks their published
sha512 and compares them with the committed copies (a maintainer's check; tests verify the sha256).

Streamlit serves `static/` next to the script it runs. An installed package must not write into
site-packages, so `landpark app` runs a one-line launcher from a per-user runtime folder
(`app_folder()`: $LANDPARK_RUNTIME_DIR, else $XDG_CACHE_HOME/landpark/app-<version>, else
~/.cache/landpark/app-<version>) whose `static/` holds a copy of the vendored files and the map layers
the pages publish. $LANDPARK_STATIC_DIR tells the app where that `static/` is.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path

__all__ = ["VENDOR_DIR", "LEAFLET_DIR", "DRAW_DIR", "VENDOR_SHA256", "NPM_PACKAGES", "STATIC_URL",
           "app_folder", "static_dir", "prepare_app_folder", "leaflet_urls", "draw_urls", "verify_vendor"]

VENDOR_DIR = Path(__file__).resolve().parent / "vendor"
LEAFLET_DIR = VENDOR_DIR / "leaflet"
DRAW_DIR = VENDOR_DIR / "leaflet-draw"
STATIC_URL = "/app/static"

# npm package → (version, `dist.integrity` published by the registry, files taken from package/dist).
NPM_PACKAGES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "leaflet": ("1.9.4", "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==",
                ("leaflet.js", "leaflet.css", "images/layers.png", "images/layers-2x.png", "images/marker-icon.png",
                 "images/marker-icon-2x.png", "images/marker-shadow.png")),
    "leaflet-draw": ("1.0.4", "sha512-rsQ6saQO5ST5Aj6XRFylr5zvarWgzWnrg46zQ1MEOEIHsppdC/8hnN8qMoFvACsPvTioAuysya/TVtog15tyAQ==",
                     ("leaflet.draw.js", "leaflet.draw.css", "images/spritesheet.png", "images/spritesheet-2x.png",
                      "images/spritesheet.svg", "images/layers.png", "images/layers-2x.png", "images/marker-icon.png",
                      "images/marker-icon-2x.png", "images/marker-shadow.png")),
}

# sha256 of every committed vendored file (relative to maps/vendor/).
VENDOR_SHA256 = {
    "leaflet/leaflet.js": "db49d009c841f5ca34a888c96511ae936fd9f5533e90d8b2c4d57596f4e5641a",
    "leaflet/leaflet.css": "a7837102824184820dfa198d1ebcd109ff6d0ff9a2672a074b9a1b4d147d04c6",
    "leaflet/LICENSE": "53e8dc25862014e4324741ca18fbe3611e11d42ef69f59f86ea8c5389647d4cb",
    "leaflet/images/layers.png": "1dbbe9d028e292f36fcba8f8b3a28d5e8932754fc2215b9ac69e4cdecf5107c6",
    "leaflet/images/layers-2x.png": "066daca850d8ffbef007af00b06eac0015728dee279c51f3cb6c716df7c42edf",
    "leaflet/images/marker-icon.png": "574c3a5cca85f4114085b6841596d62f00d7c892c7b03f28cbfa301deb1dc437",
    "leaflet/images/marker-icon-2x.png": "00179c4c1ee830d3a108412ae0d294f55776cfeb085c60129a39aa6fc4ae2528",
    "leaflet/images/marker-shadow.png": "264f5c640339f042dd729062cfc04c17f8ea0f29882b538e3848ed8f10edb4da",
    "leaflet-draw/leaflet.draw.js": "b22a1f7385308e5adadd85a4c2d84e9fc523ebd70d37868cba0fe2387362460b",
    "leaflet-draw/leaflet.draw.css": "5f30f74696873efee5cd7f6ab7eda7d63e5c5a3e3c3b6e0ab2068662928df31f",
    "leaflet-draw/images/spritesheet.png": "a8978a1d3d21d8ee6f16cce342ff67fc47c4241f52161f05baf88f15e1058199",
    "leaflet-draw/images/spritesheet-2x.png": "fa2c95e0610f3787c879645e42b86ad010c305f8312e116841730d00d4ab72b7",
    "leaflet-draw/images/spritesheet.svg": "7077bae968047180921324df351d95fe2f021cdaefa01e20645162402f767da4",
    "leaflet-draw/images/layers.png": "1dbbe9d028e292f36fcba8f8b3a28d5e8932754fc2215b9ac69e4cdecf5107c6",
    "leaflet-draw/images/layers-2x.png": "066daca850d8ffbef007af00b06eac0015728dee279c51f3cb6c716df7c42edf",
    "leaflet-draw/images/marker-icon.png": "574c3a5cca85f4114085b6841596d62f00d7c892c7b03f28cbfa301deb1dc437",
    "leaflet-draw/images/marker-icon-2x.png": "2d77a2e4c2f08bbac41808324ef946b9a2fe61b6150480d011b72b379c3b238d",
    "leaflet-draw/images/marker-shadow.png": "264f5c640339f042dd729062cfc04c17f8ea0f29882b538e3848ed8f10edb4da",
}

# Not named streamlit_app.py: Streamlit puts this folder first on sys.path, and the pages' script imports that module.
# `streamlit run` finds the App in the launcher and serves it (Streamlit's ASGI mode), with the published layers
# answered in front of it (maps.serving); every session runs the pages' script, PAGES_SCRIPT.
LAUNCHER_NAME = "landpark_launcher.py"
PAGES_SCRIPT_NAME = "landpark_pages.py"
LAUNCHER = f'''"""Started by `landpark app`: the installed Landpark app under Streamlit's server (this folder holds static/)."""
from pathlib import Path

from starlette.middleware import Middleware
from streamlit.starlette import App

from maps.serving import PublishedLayers

app = App(Path(__file__).with_name("{PAGES_SCRIPT_NAME}"), middleware=[Middleware(PublishedLayers)])
'''
PAGES_SCRIPT = '''"""Run by every session of `landpark app`: the installed Landpark app's pages (streamlit_app.py)."""
import importlib.util
import runpy

runpy.run_path(importlib.util.find_spec("streamlit_app").origin, run_name="__main__")
'''


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def verify_vendor(folder: Path = VENDOR_DIR) -> list[str]:
    """The vendored files that are missing or differ from their pinned sha256 (empty when all are intact)."""
    bad = []
    for name, digest in VENDOR_SHA256.items():
        path = folder / name
        if not path.is_file():
            bad.append(f"{name}: missing")
        elif _sha256(path) != digest:
            bad.append(f"{name}: sha256 {_sha256(path)} is not the pinned {digest}")
    return bad


def _version() -> str:
    try:
        return metadata.version("landpark")
    except metadata.PackageNotFoundError:
        return "source"


def app_folder() -> Path:
    """The per-user folder `landpark app` runs Streamlit from: never site-packages, never the source tree."""
    env = os.environ.get("LANDPARK_RUNTIME_DIR")
    if env:
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "landpark" / f"app-{_version()}"


def static_dir() -> Path:
    """The static folder the running app serves at /app/static ($LANDPARK_STATIC_DIR, else the app folder's)."""
    env = os.environ.get("LANDPARK_STATIC_DIR")
    return Path(env) if env else app_folder() / "static"


def _write_atomic(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, target)


def prepare_app_folder(folder: Path | None = None) -> Path:
    """Write the launcher and copy the vendored files into `folder` (default `app_folder()`); returns it.

    Only files whose content differs are rewritten, so a second start touches nothing."""
    folder = folder or app_folder()
    files = {folder / LAUNCHER_NAME: LAUNCHER.encode("utf-8"), folder / PAGES_SCRIPT_NAME: PAGES_SCRIPT.encode("utf-8")}
    for name in VENDOR_SHA256:
        files[folder / "static" / "vendor" / name] = (VENDOR_DIR / name).read_bytes()
    for target, data in files.items():
        if not target.is_file() or target.read_bytes() != data:
            _write_atomic(target, data)
    return folder


def leaflet_urls() -> tuple[str, str]:
    """(js, css) URLs of Leaflet as the app serves it."""
    return f"{STATIC_URL}/vendor/leaflet/leaflet.js", f"{STATIC_URL}/vendor/leaflet/leaflet.css"


def draw_urls(folder: Path | None = None) -> tuple[str, str] | None:
    """(js, css) URLs of Leaflet.draw as the app serves it, or None when `folder` (default: the shipped copy) lacks it."""
    source = folder if folder is not None else DRAW_DIR
    if all((source / name).is_file() for name in ("leaflet.draw.js", "leaflet.draw.css")):
        return f"{STATIC_URL}/vendor/leaflet-draw/leaflet.draw.js", f"{STATIC_URL}/vendor/leaflet-draw/leaflet.draw.css"
    return None


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def check_npm() -> list[str]:
    """Download the pinned tarballs with npm and list any difference from the registry's sha512 or the vendored files."""
    npm = shutil.which("npm")
    if npm is None:
        return ["npm is not installed"]
    problems = []
    with tempfile.TemporaryDirectory(prefix="landpark-npm-") as tmp:
        for package, (version, integrity, files) in NPM_PACKAGES.items():
            subprocess.run([npm, "pack", f"{package}@{version}", "--silent", "--pack-destination", tmp],
                           check=True, capture_output=True, timeout=300)
            data = (Path(tmp) / f"{package}-{version}.tgz").read_bytes()
            if _integrity(data) != integrity:
                problems.append(f"{package}@{version}: the registry's tarball is not the pinned {integrity}")
                continue
            with tarfile.open(Path(tmp) / f"{package}-{version}.tgz") as archive:
                for name in files:
                    member = archive.extractfile(f"package/dist/{name}")
                    vendored = VENDOR_DIR / package / name
                    if member is None or not vendored.is_file() or member.read() != vendored.read_bytes():
                        problems.append(f"{package}/{name}: differs from {package}@{version} dist/{name}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Verify the vendored files (sha256); with --check-npm also against the npm registry."""
    parser = argparse.ArgumentParser(prog="python -m maps.assets", description=main.__doc__)
    parser.add_argument("--check-npm", action="store_true", help="also compare with the npm registry's tarballs")
    args = parser.parse_args(argv)
    problems = verify_vendor() + (check_npm() if args.check_npm else [])
    for line in problems:
        print(line, file=sys.stderr)
    print("vendored assets: " + ("OK" if not problems else f"{len(problems)} problem(s)"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
