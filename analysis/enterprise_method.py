"""The enterprise (亩均) evaluation method in use, as tables to show beside the results: per group
the indicators with their formula, weight, configured and applied 基准值 and missing-data rule;
the benchmark mode; and the class rules — each with the landpark.toml key it comes from and the
published source the defaults follow.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

from analysis.enterprise import GROUPS
from analysis.indicators import INDICATORS
from layers.settings import EnterpriseSettings

CONFIG = "landpark.toml"


def indicator_table(enterprise: EnterpriseSettings, benchmarks: dict[str, dict[str, float]], group: str) -> pd.DataFrame:
    """One row per indicator of `group` ("above"/"below"): indicator, label, unit, formula, weight,
    weight_share (weight ÷ Σ weights), configured benchmark, applied benchmark (what the evaluation
    used: the fixed value, or the (k ×) mean of the year), missing rule and config key."""
    section = GROUPS[group]
    settings = enterprise.group(section)
    names = list(settings.indicators) if settings else []
    weights = list(settings.weights) if settings else []
    listed = settings.listed_benchmarks if settings else None
    fixed = list(listed) if listed is not None else [float("nan")] * len(names)
    applied = benchmarks.get(group, {})
    total = sum(weights)
    rows = []
    for name, weight, bench in zip(names, weights, fixed):
        d = INDICATORS.get(name)
        rows.append({
            "indicator": name, "label": d.label_zh if d else name, "unit": d.unit if d else "",
            "formula": d.formula if d else "", "weight": weight,
            "weight_share": weight / total if total > 0 else float("nan"),
            "benchmark_config": bench, "benchmark_applied": float(applied.get(name, float("nan"))),
            "missing_rule": settings.rule(name) if settings else "",
            "config_key": f"{CONFIG} [enterprise.{section}]",
        })
    return pd.DataFrame(rows, columns=["indicator", "label", "unit", "formula", "weight", "weight_share",
                                       "benchmark_config", "benchmark_applied", "missing_rule", "config_key"])


def settings_rows(enterprise: EnterpriseSettings) -> pd.DataFrame:
    """The general settings (benchmark mode, k, cap) and the class rules: key, value, config key."""
    rows = [{"key": key, "value": _text(value), "config_key": f"{CONFIG} [enterprise]"}
            for key, value in (("benchmark_mode", enterprise.benchmark_mode), ("k", enterprise.k),
                               ("cap_multiple", enterprise.cap_multiple))]
    classes = enterprise.classes
    for field in dataclasses.fields(classes):
        key = field.name
        if key == "percentile_cuts" and classes.method != "percentile" or key == "score_thresholds" and classes.method != "score":
            continue  # the rule of the other method is not in use
        rows.append({"key": f"classes.{key}", "value": _text(getattr(classes, key)),
                     "config_key": f"{CONFIG} [enterprise.classes]"})
    return pd.DataFrame(rows, columns=["key", "value", "config_key"])


def class_rule(enterprise: EnterpriseSettings) -> dict[str, Any]:
    """The class rule in use: {"method": "percentile", "cuts": (a, b, c)} or {"method": "score",
    "thresholds": (a, b, c)}, plus new_firm_years and listed_as_t."""
    classes = enterprise.classes
    out: dict[str, Any] = {"method": classes.method, "new_firm_years": classes.new_firm_years,
                           "listed_as_t": classes.listed_as_t}
    if classes.method == "percentile":
        out["cuts"] = classes.percentile_cuts
    else:
        out["thresholds"] = classes.score_thresholds
    return out


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


__all__ = ["class_rule", "indicator_table", "settings_rows"]
