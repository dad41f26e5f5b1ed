"""The enterprise (亩均) evaluation method in use, as tables to show beside the results: per group
the indicators with their formula, weight, configured and applied 基准值 and missing-data rule;
the benchmark mode; and the class rules — each with the landpark.toml key it comes from and the
published source the defaults follow.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.enterprise import GROUPS
from analysis.indicators import INDICATORS

CONFIG = "landpark.toml"


def indicator_table(enterprise_cfg: dict[str, Any], benchmarks: dict[str, dict[str, float]], group: str) -> pd.DataFrame:
    """One row per indicator of `group` ("above"/"below"): indicator, label, unit, formula, weight,
    weight_share (weight ÷ Σ weights), configured benchmark, applied benchmark (what the evaluation
    used: the fixed value, or the (k ×) mean of the year), missing rule and config key."""
    section = GROUPS[group]
    gcfg = enterprise_cfg.get(section) or {}
    names = list(gcfg.get("indicators", []))
    weights = [float(w) for w in gcfg.get("weights", [])][: len(names)]
    weights += [float("nan")] * (len(names) - len(weights))
    fixed = list(gcfg.get("benchmarks", []) or [])
    fixed = [float(b) for b in fixed[: len(names)]] + [float("nan")] * (len(names) - len(fixed[: len(names)]))
    applied = benchmarks.get(group, {})
    missing = dict(gcfg.get("missing", {}) or {})
    default_rule = gcfg.get("missing_default", "")
    total = sum(w for w in weights if w == w)
    rows = []
    for name, weight, bench in zip(names, weights, fixed):
        d = INDICATORS.get(name)
        rows.append({
            "indicator": name, "label": d.label_zh if d else name, "unit": d.unit if d else "",
            "formula": d.formula if d else "", "weight": weight,
            "weight_share": weight / total if total > 0 else float("nan"),
            "benchmark_config": bench, "benchmark_applied": float(applied.get(name, float("nan"))),
            "missing_rule": missing.get(name, default_rule),
            "config_key": f"{CONFIG} [enterprise.{section}]",
        })
    return pd.DataFrame(rows, columns=["indicator", "label", "unit", "formula", "weight", "weight_share",
                                       "benchmark_config", "benchmark_applied", "missing_rule", "config_key"])


def settings_rows(enterprise_cfg: dict[str, Any]) -> pd.DataFrame:
    """The general settings (benchmark mode, k, cap) and the class rules: key, value, config key."""
    rows = []
    for key in ("benchmark_mode", "k", "cap_multiple"):
        if key in enterprise_cfg:
            rows.append({"key": key, "value": _text(enterprise_cfg[key]), "config_key": f"{CONFIG} [enterprise]"})
    classes = enterprise_cfg.get("classes", {}) or {}
    method = classes.get("method")
    for key, value in classes.items():
        if key == "percentile_cuts" and method != "percentile" or key == "score_thresholds" and method != "score":
            continue  # the rule of the other method is not in use
        rows.append({"key": f"classes.{key}", "value": _text(value), "config_key": f"{CONFIG} [enterprise.classes]"})
    return pd.DataFrame(rows, columns=["key", "value", "config_key"])


def class_rule(enterprise_cfg: dict[str, Any]) -> dict[str, Any]:
    """The class rule in use: {"method": "percentile", "cuts": (a, b, c)} or {"method": "score",
    "thresholds": (a, b, c)}, plus new_firm_years and listed_as_t."""
    classes = enterprise_cfg.get("classes", {}) or {}
    method = classes.get("method", "percentile")
    out: dict[str, Any] = {"method": method, "new_firm_years": classes.get("new_firm_years"),
                           "listed_as_t": bool(classes.get("listed_as_t", False))}
    if method == "percentile":
        out["cuts"] = tuple(float(c) for c in classes.get("percentile_cuts", ()))
    else:
        out["thresholds"] = tuple(float(c) for c in classes.get("score_thresholds", ()))
    return out


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


__all__ = ["class_rule", "indicator_table", "settings_rows"]
