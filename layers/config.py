"""The project's `landpark.toml`: every tunable number, read with defaults filled in.

The default file (`landpark.default.toml`, shipped with the package) is both the template
written into new projects and the fallback for keys a project's file leaves out, so an older
project keeps working when a new setting is added.
"""

from __future__ import annotations

import copy
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from layers.problems import InputError

CONFIG_NAME = "landpark.toml"


def default_config_text() -> str:
    """Text of the default `landpark.toml`, comments and sources included."""
    return resources.files("layers").joinpath("landpark.default.toml").read_text(encoding="utf-8")


def default_config() -> dict[str, Any]:
    """The default settings as a dict."""
    return tomllib.loads(default_config_text())


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge `override` into a copy of `base` (tables merge, values replace)."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a `landpark.toml` (file or project folder) over the defaults; a syntax error names the line."""
    path = Path(path)
    if path.is_dir():
        path = path / CONFIG_NAME
    if not path.exists():
        return default_config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: invalid TOML: {exc}") from exc
    return merge(default_config(), data)


def config_text_with(region: str | None = None, year: int | None = None, *, demo: bool = False,
                     crs: str | None = None) -> str:
    """The default toml text with the [project] values replaced, keeping comments and sources."""
    lines = default_config_text().splitlines()
    replacements = {"region": None if region is None else f'"{region}"',
                    "year": None if year is None else str(year),
                    "demo": "true" if demo else None,
                    "crs": None if crs is None else f'"{crs}"'}
    section = ""
    out = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped
        key = stripped.split("=", 1)[0].strip() if "=" in stripped else ""
        if section == "[project]" and replacements.get(key) is not None:
            comment = line[line.index("#"):] if "#" in line else ""
            line = f"{key} = {replacements[key]}".ljust(34) + comment
        out.append(line)
    return "\n".join(out) + "\n"
