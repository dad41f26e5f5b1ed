"""The project's `landpark.toml`: read over the shipped defaults, validated once, as typed settings.

The default file (`landpark.default.toml`, shipped with the package) is both the template
written into new projects and the fallback for keys a project's file leaves out, so an older
project keeps working when a new setting is added. `load_config` checks every value before any
work starts (types and ranges in `layers.settings`); a bad file is an `InputError` naming the
file, the dotted key, the value and what was expected.

`Config` gives typed sections only (`config.project.crs`, `config.enterprise.above_scale.weights`,
`config.app.map.classes`); it is not a dict. A dict of settings (tests, in-memory projects) becomes a
`Config` through `config_from_dict`.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from layers.auth_settings import AuthSettings
from layers.clusters_settings import ClustersSettings
from layers.lines_settings import LinesSettings
from layers.problems import InputError, Problem
from layers.settings import (
    AppSettings,
    CompositeSettings,
    EnterpriseSettings,
    ImportSettings,
    IntensitySettings,
    LandUseSettings,
    ProjectSettings,
    Reader,
    ReportSettings,
    SitingSettings,
    SupplyMixSettings,
    SupplySettings,
    UnitsSettings,
    YearOnYearSettings,
)
from layers.standard_land_settings import StandardLandSettings
from layers.targets_settings import TargetsSettings

__all__ = ["CONFIG_NAME", "Config", "config_from_dict", "config_text_with", "default_config", "default_config_text",
           "enterprise_settings", "load_config", "merge"]

CONFIG_NAME = "landpark.toml"
DEFAULT_NAME = "landpark.default.toml"
# Tables whose keys are data (indicator or road-class names), not settings: a project's table replaces
# the default one instead of merging into it, so a rule or class can be removed.
VALUE_TABLES = frozenset({"enterprise.above_scale.missing", "enterprise.below_scale.missing", "siting.road_class_factors"})


@dataclass(frozen=True, eq=False)
class Config:
    """Every section of landpark.toml, typed and validated (`import_` is the [import] section)."""

    project: ProjectSettings
    import_: ImportSettings
    land_use: LandUseSettings
    units: UnitsSettings
    supply: SupplySettings
    supply_mix: SupplyMixSettings
    lines: LinesSettings
    targets: TargetsSettings
    clusters: ClustersSettings
    year_on_year: YearOnYearSettings
    standard_land: StandardLandSettings
    auth: AuthSettings
    intensity: IntensitySettings
    enterprise: EnterpriseSettings
    composite: CompositeSettings
    siting: SitingSettings
    app: AppSettings
    report: ReportSettings
    source: str


def default_config_text() -> str:
    """Text of the default `landpark.toml`, comments and sources included."""
    return resources.files("layers").joinpath(DEFAULT_NAME).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _default_table() -> dict[str, Any]:
    """The shipped defaults as parsed (shared: callers copy before changing)."""
    return tomllib.loads(default_config_text())


def default_config() -> Config:
    """The shipped default settings, validated."""
    return _validated(_default_table(), DEFAULT_NAME)


def merge(base: dict[str, Any], override: Mapping[str, Any], _path: str = "") -> dict[str, Any]:
    """Deep-merge `override` into a copy of `base` (tables merge, values and VALUE_TABLES replace)."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        dotted = f"{_path}.{key}" if _path else str(key)
        if isinstance(value, Mapping) and isinstance(out.get(key), dict) and dotted not in VALUE_TABLES:
            out[key] = merge(out[key], value, dotted)
        else:
            out[key] = copy.deepcopy(dict(value) if isinstance(value, Mapping) else value)
    return out


def _over_defaults(data: Mapping[str, Any]) -> dict[str, Any]:
    """`data` merged over the shipped defaults.

    A file giving `year` but no `evaluation_date` is evaluated at 31 December of that year.
    """
    project = data.get("project")
    if isinstance(project, Mapping) and "evaluation_date" not in project and isinstance(project.get("year"), int) \
            and not isinstance(project.get("year"), bool):
        data = {**data, "project": {**project, "evaluation_date": f"{project['year']:04d}-12-31"}}
    return merge(_default_table(), data)


def _read_toml(path: Path, data: bytes | None = None) -> dict[str, Any]:
    """Parse one toml file (or its bytes already read); not UTF-8 or not TOML is an InputError naming the file."""
    data = path.read_bytes() if data is None else data
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message = f"{path}: the file is not UTF-8 text (byte {exc.start}); save it as UTF-8 (无 BOM 的 UTF-8 编码)"
        zh = f"{path}：文件不是 UTF-8 文本（第 {exc.start} 字节）；请另存为 UTF-8（无 BOM 的 UTF-8 编码）"
        raise InputError(message, [Problem("error", "config_not_utf8", message, source=str(path), message_zh=zh)],
                         zh=zh) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: invalid TOML: {exc}", zh=f"{path}：TOML 格式有误：{exc}") from exc


def _validated(merged: dict[str, Any], source: str) -> Config:
    """Check every section of a merged table and build the typed Config."""
    root = Reader(merged, "", source)
    criteria = tuple(_default_table()["siting"]["weights"])
    project = ProjectSettings.read(p := root.sub("project"))
    p.finish()
    sections: dict[str, Any] = {"project": project}
    for key, kind in (("import", ImportSettings), ("land_use", LandUseSettings), ("units", UnitsSettings),
                      ("supply", SupplySettings), ("supply_mix", SupplyMixSettings), ("lines", LinesSettings),
                      ("targets", TargetsSettings), ("clusters", ClustersSettings), ("year_on_year", YearOnYearSettings),
                      ("standard_land", StandardLandSettings), ("auth", AuthSettings),
                      ("intensity", IntensitySettings),
                      ("composite", CompositeSettings)):
        reader = root.sub(key)
        sections[key] = kind.read(reader)
        reader.finish()
    sections["enterprise"] = EnterpriseSettings.read(root.sub("enterprise"))
    sections["siting"] = SitingSettings.read(root.sub("siting"), criteria)
    sections["app"] = AppSettings.read(root.sub("app"))
    sections["report"] = ReportSettings.read(r := root.sub("report"))
    r.finish()
    root.finish()
    return Config(project=project, import_=sections["import"], land_use=sections["land_use"], units=sections["units"],
                  supply=sections["supply"], supply_mix=sections["supply_mix"],
                  lines=sections["lines"], targets=sections["targets"], clusters=sections["clusters"],
                  year_on_year=sections["year_on_year"], standard_land=sections["standard_land"],
                  auth=sections["auth"], intensity=sections["intensity"],
                  enterprise=sections["enterprise"],
                  composite=sections["composite"], siting=sections["siting"], app=sections["app"],
                  report=sections["report"], source=source)


def config_from_dict(data: Mapping[str, Any] | Config, source: str = CONFIG_NAME) -> Config:
    """Settings given as a (partial) dict, merged over the defaults and validated (tests, in-memory projects);
    a `Config` is returned as it is."""
    if isinstance(data, Config):
        return data
    return _validated(_over_defaults(data), source)


def enterprise_settings(section: Mapping[str, Any] | EnterpriseSettings, source: str = CONFIG_NAME) -> EnterpriseSettings:
    """An `[enterprise]` section as typed settings; a dict is read as it stands (a group it lacks is not scored)."""
    if isinstance(section, EnterpriseSettings):
        return section
    return EnterpriseSettings.read(Reader(section, "enterprise", source))


def load_config(path: str | Path) -> Config:
    """Read a `landpark.toml` (file or project folder) over the defaults and validate it; errors name file and key."""
    path = Path(path)
    if path.is_dir():
        path = path / CONFIG_NAME
    if not path.exists():
        return default_config()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read: {exc.strerror}", zh=f"{path}：无法读取：{exc.strerror}") from exc
    return _config_of_bytes(str(path), data)


@lru_cache(maxsize=32)
def _config_of_bytes(path: str, data: bytes) -> Config:
    """The validated settings of one file's exact bytes: the app asks for them on every click, and a frozen
    `Config` of the same bytes is the same answer (an edited file has other bytes, so it is read again)."""
    return _validated(_over_defaults(_read_toml(Path(path), data)), path)


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
