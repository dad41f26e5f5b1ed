"""The `[siting]` settings of a project: typed, from the validated landpark.toml (defaults from the shipped file)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from layers.config import Config, config_from_dict
from layers.settings import SitingSettings

__all__ = ["siting_settings"]


def siting_settings(config: Config | Mapping[str, Any] | None) -> SitingSettings:
    """`[siting]` of a loaded Config, or of a (partial) dict merged over the shipped defaults and validated."""
    return config_from_dict(config or {}).siting
