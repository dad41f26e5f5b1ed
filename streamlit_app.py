"""Landpark's web front door (Streamlit): eleven pages over one project, in four groups.

The project comes from $LANDPARK_PROJECT (a folder; set by `landpark app`) or the data page's
project switch; with none, the demo project is opened (built first when missing). Pages live
in `ui/`, one module each, and only call `layers` and `analysis`.
"""

from __future__ import annotations

import streamlit as st

from ui import (
    clusters_page,
    compare_page,
    data_page,
    enterprises_page,
    lines_page,
    map_page,
    scores_page,
    siting_page,
    standard_land_page,
    supply_page,
    targets_page,
    view_state,
)
from ui.state import LANG_KEY, METHOD_KEY, tr

PAGES = [  # (module, title key, url path, navigation group key)
    (map_page, "page_map", "map", "nav_evaluate"),
    (scores_page, "page_scores", "scores", "nav_evaluate"),
    (enterprises_page, "page_enterprises", "enterprises", "nav_evaluate"),
    (compare_page, "compare_page_title", "compare", "nav_evaluate"),
    (supply_page, "page_supply", "supply", "nav_land"),
    (standard_land_page, "stdpage_title", "standard-land", "nav_land"),
    (lines_page, "linespage_title", "lines", "nav_land"),
    (targets_page, "targets_page_title", "targets", "nav_plan"),
    (clusters_page, "clusters_page_title", "clusters", "nav_plan"),
    (siting_page, "page_siting", "siting", "nav_plan"),
    (data_page, "page_data", "data", "nav_data"),
]


def _method_choice() -> None:
    """The 亩均 method every page evaluates with: the project's landpark.toml, or a preset (`landpark methods`)."""
    from analysis.methods import list_methods

    presets = {m["name"]: m for m in list_methods()}
    view_state.valid_or_drop(METHOD_KEY, ["", *presets])
    st.sidebar.selectbox(tr("method_choice"), ["", *presets], key=METHOD_KEY,
                         format_func=lambda n: tr("method_project") if not n else f"{presets[n]['title']}",
                         help=tr("method_choice_help"))


def main() -> None:
    st.set_page_config(page_title="Landpark", page_icon="🏭", layout="wide")
    view_state.restore()  # ?unit=YQ01&colour=supply_ratio&lang=en reopens that view
    view_state.keep()
    view_state.valid_or_drop(LANG_KEY, ("zh", "en"))
    st.sidebar.radio(tr("language"), ["zh", "en"], key=LANG_KEY, horizontal=True,
                     format_func=lambda v: "中文" if v == "zh" else "English")
    _method_choice()
    groups: dict[str, list] = {}
    for module, title, path, group in PAGES:  # grouped as an analyst works: evaluate, land, plan, data
        groups.setdefault(tr(group), []).append(st.Page(module.render, title=tr(title), url_path=path,
                                                        default=(path == "map")))
    st.navigation(groups).run()
    view_state.publish()


main()
