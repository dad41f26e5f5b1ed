"""One year set beside another: which year came before, and both evaluated with the layers of their own day.

`landpark compare`, the `year_on_year` block of `score --year` and the exports' 同比 columns all compare the same
way: each year's firm rows, each with the layers in force on its evaluation date (analysis.inputs.load_inputs).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.inputs import EVALUATE_COLUMNS, EvaluationInputs, load_inputs
from analysis.score import Evaluation, evaluate
from analysis.year_on_year import YearOnYear, year_on_year
from layers.problems import InputError
from layers.project import Project
from layers.years import firm_years, resolve_firm_year

__all__ = ["all_firm_rows", "attach_time_context", "compare_years", "previous_year"]


def all_firm_rows(project: Project) -> pd.DataFrame:
    """Every row of the enterprise layer, all years and half-years (for the half-year report)."""
    if "enterprises" not in project.layer_names():
        return pd.DataFrame({"uscc": []})
    return pd.DataFrame(project.read_layer("enterprises").drop(columns="geometry", errors="ignore"))


def previous_year(rows: pd.DataFrame, year: int | None) -> int | None:
    """The latest year of whole-year firm rows before `year` (None when there is none)."""
    if year is None:
        return None
    earlier = [y for y in firm_years(rows) if y < year]
    return earlier[-1] if earlier else None


def compare_years(project: Project, year_from: int | None = None, year_to: int | None = None, *,
                  method: Any = None, later: tuple[EvaluationInputs, Evaluation] | None = None) -> YearOnYear:
    """Firms, units and the district of `year_from` against `year_to` (defaults: the project's evaluated year and
    the year before it in the firm data); `later` reuses an evaluation of `year_to` already made."""
    rows = all_firm_rows(project)
    years = firm_years(rows)
    if later is not None:
        to_year = later[0].year if year_to is None else year_to
    else:
        # the year load_inputs(project) would evaluate, found from the firm rows alone (no layer read)
        to_year = year_to if year_to is not None else resolve_firm_year(rows, None, project.config.project.year)[0]
    if to_year is None or (years and to_year not in years):
        held = ", ".join(map(str, years)) or "none"
        raise InputError(f"enterprises: no firm data for {to_year} to compare (years held: {held})",
                         zh=f"企业图层：没有 {to_year} 年的企业数据可比较（现有年度：{held.replace(', ', '、')}）")
    from_year = year_from if year_from is not None else previous_year(rows, to_year)
    if from_year is None:
        raise InputError(f"enterprises: no firm data before {to_year} to compare with (years held: {', '.join(map(str, years))})",
                         zh=f"企业图层：没有 {to_year} 年之前的企业数据可比较（现有年度：{'、'.join(map(str, years))}）")
    if from_year == to_year:
        raise InputError(f"the two years compared are the same ({to_year})", zh=f"比较的两个年度相同（{to_year} 年）")
    # only the evaluations are kept: their inputs need no more columns than evaluate reads
    before = evaluate(load_inputs(project, year=from_year, columns=EVALUATE_COLUMNS), method=method)
    after = later[1] if later is not None else evaluate(load_inputs(project, year=to_year, columns=EVALUATE_COLUMNS),
                                                        method=method)
    return year_on_year(before, after, half_rows=rows, year_from=from_year, year_to=to_year)


def attach_time_context(project: Project, inputs: EvaluationInputs, ev: Evaluation, *, method: Any = None,
                        progress: Any = None) -> Evaluation:
    """Set `ev.year_on_year` (against the year before, when the firm data hold one), `ev.targets` (the [targets] and
    supply floors measured on this year), `ev.clusters` (the 产业图谱, when [clusters] is configured) and
    `ev.standard_land_review` (the 达产复核, when parcels are 标准地) for the score document, scorecards and exports."""
    from analysis.targets import project_progress

    if previous_year(all_firm_rows(project), inputs.year) is not None:
        if progress is not None:
            progress(f"comparing {inputs.year} with the year before…")
        ev.year_on_year = compare_years(project, year_to=inputs.year, method=method, later=(inputs, ev))
    ev.targets = project_progress(project, year=inputs.year, inputs=inputs, evaluation=ev)
    if inputs.config.clusters.items:
        from analysis.clusters import project_clusters
        from analysis.clusters import to_json as clusters_json

        ev.clusters = clusters_json(project_clusters(project, year=inputs.year, inputs=inputs, evaluation=ev))
    if "standard_land" in inputs.parcels and inputs.parcels["standard_land"].fillna(False).astype(bool).any():
        from analysis.standard_land import review, settings_of

        firms = pd.DataFrame(inputs.enterprises.drop(columns="geometry", errors="ignore"))
        ev.standard_land_review = review(inputs.parcels, firms, settings_of(inputs.config),
                                         inputs.config.project.evaluation_date)
    return ev
