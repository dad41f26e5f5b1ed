"""Finding methods: the presets shipped with Landpark, a method file by path, and the project's inline
`[enterprise]` section of landpark.toml read as a method."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from analysis.methods.method_file import Method, method_from_dict, read_method
from layers.problems import UsageError
from layers.settings import EnterpriseSettings

PRESETS_DIR = Path(__file__).resolve().parent / "presets"
INLINE = "landpark.toml"  # the name of the method the project's own [enterprise] section defines


def preset_paths() -> dict[str, Path]:
    """Preset name → file, sorted by name."""
    return {p.stem: p for p in sorted(PRESETS_DIR.glob("*.toml"))}


@lru_cache(maxsize=64)
def _read_cached(path: str, mtime_ns: int) -> Method:
    return read_method(path)


def load_method(name_or_path: str | Path, *, base: Path | None = None) -> Method:
    """A preset by name (`landpark methods`) or a method file by path (relative paths from `base`).

    Raises UsageError for an unknown name, InputError for a file that is not a valid method."""
    text = str(name_or_path)
    presets = preset_paths()
    if text in presets:
        path = presets[text]
    else:
        path = Path(text).expanduser()
        if not path.is_absolute() and base is not None and (base / path).exists():
            path = base / path
        if path.suffix.lower() != ".toml" or not path.exists():
            raise UsageError(f"unknown method {text!r}: not a preset ({', '.join(presets)}) and no method file "
                             f"{path} exists")
    return _read_cached(str(path.resolve()), path.stat().st_mtime_ns)


def list_methods() -> list[dict[str, Any]]:
    """Every preset as {name, title, region, year, source, url, open_points}."""
    return [load_method(name).summary() for name in preset_paths()]


def method_from_settings(settings: EnterpriseSettings, *, region: str = "", year: int = 0) -> Method:
    """The project's inline `[enterprise]` section of landpark.toml as a method (two lists: 规上, 规下).

    new_firm_years becomes a protection (never D while in production for fewer years: 昌乐 2023's rule for
    new firms); listed_as_t an exclusion labelled T. The numbers are the section's own.
    """
    lists = []
    for name, key, label, when in (("above", "above_scale", "规上", "above_scale"),
                                   ("below", "below_scale", "规下", "not above_scale")):
        group = settings.group(key)
        if group is None:
            continue
        classes = settings.classes
        cuts = classes.percentile_cuts if classes.method == "percentile" else classes.score_thresholds
        entry: dict[str, Any] = {
            "name": name, "label": label, "when": when, "indicators": list(group.indicators),
            "weights": list(group.weights), "weights_sum": sum(group.weights), "scoring": "ratio",
            "benchmark": settings.benchmark_mode, "k": settings.k, "cap": settings.cap_multiple,
            "missing": dict(group.missing), "missing_default": group.missing_default,
            "classes": {"method": classes.method, ("cuts" if classes.method == "percentile" else "thresholds"): list(cuts)},
        }
        if group.listed_benchmarks is not None:
            entry["benchmarks"] = list(group.listed_benchmarks)
        lists.append(entry)
    adjustments = []
    if settings.classes.new_firm_years > 0:
        adjustments.append({"when": f"years_in_production < {settings.classes.new_firm_years:g}", "min_class": "C",
                            "label": "new firm"})
    exclusions = []
    if settings.classes.listed_as_t:
        exclusions.append({"when": "listed", "reason": "上市企业单列 (listed firms not evaluated, landpark.toml listed_as_t)",
                           "label": "T"})
    data = {"method": {"name": "landpark.toml", "title": "本项目 landpark.toml [enterprise] 设定",
                       "region": region or "—", "year": max(year, 1990), "source": settings.source or INLINE},
            "lists": lists, "adjustments": adjustments, "exclusions": exclusions}
    return method_from_dict(data, f"{INLINE} [enterprise]")
