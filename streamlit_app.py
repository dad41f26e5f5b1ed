"""Landpark's web front door (Streamlit): eleven pages over one project, in four groups.

The project comes from $LANDPARK_PROJECT (a folder; set by `landpark app`) or the data page's
project switch; with none, the demo project is opened (built first when missing). Pages live
in `ui/`, one module each, and only call `layers` and `analysis`.
"""

from __future__ import annotations

import streamlit as st

from layers.auth import Permission
from ui import (
    auth,
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

PAGES = [  # (module, title key, url path, navigation group key, permission needed: layers.auth)
    (map_page, "page_map", "map", "nav_evaluate", Permission.MAPS),
    (scores_page, "page_scores", "scores", "nav_evaluate", Permission.SCORECARDS),
    (enterprises_page, "page_enterprises", "enterprises", "nav_evaluate", Permission.FIRM_DATA),
    (compare_page, "compare_page_title", "compare", "nav_evaluate", Permission.SCORECARDS),
    (supply_page, "page_supply", "supply", "nav_land", Permission.SCORECARDS),
    (standard_land_page, "stdpage_title", "standard-land", "nav_land", Permission.FIRM_DATA),
    (lines_page, "linespage_title", "lines", "nav_land", Permission.SCORECARDS),
    (targets_page, "targets_page_title", "targets", "nav_plan", Permission.SCORECARDS),
    (clusters_page, "clusters_page_title", "clusters", "nav_plan", Permission.SCORECARDS),
    (siting_page, "page_siting", "siting", "nav_plan", Permission.SITING),
    (data_page, "page_data", "data", "nav_data", Permission.IMPORT),
]


def _method_choice() -> None:
    """The 亩均 method every page evaluates with: the project's landpark.toml, or a preset (`landpark methods`)."""
    from analysis.methods import list_methods

    presets = {m["name"]: m for m in list_methods()}
    view_state.valid_or_drop(METHOD_KEY, ["", *presets])
    st.sidebar.selectbox(tr("method_choice"), ["", *presets], key=METHOD_KEY,
                         format_func=lambda n: tr("method_project") if not n else f"{presets[n]['title']}",
                         help=tr("method_choice_help"),
                         on_change=lambda: auth.audit("method_change",
                                                      method=st.session_state.get(METHOD_KEY) or "landpark.toml"))


def main() -> None:
    st.set_page_config(page_title="Landpark", page_icon="🏭", layout="wide")
    view_state.restore()  # ?unit=YQ01&colour=supply_ratio&lang=en reopens that view
    view_state.keep()
    view_state.valid_or_drop(LANG_KEY, ("zh", "en"))
    st.sidebar.radio(tr("language"), ["zh", "en"], key=LANG_KEY, horizontal=True,
                     format_func=lambda v: "中文" if v == "zh" else "English")
    auth.gate()  # [auth] off (the default): nothing; on: only the sign-in form until signed in
    _method_choice()
    groups: dict[str, list] = {}
    for module, title, path, group, permission in PAGES:  # grouped as an analyst works: evaluate, land, plan, data
        if not auth.can(permission):  # not routed at all; each page also checks itself (auth.require)
            continue
        groups.setdefault(tr(group), []).append(st.Page(module.render, title=tr(title), url_path=path,
                                                        default=(path == "map")))
    if auth.can(Permission.USERS):  # admins; with sign-in off, the one local user
        groups.setdefault(tr("nav_data"), []).append(st.Page(auth.audit_page, title=tr("auth_audit_title"),
                                                             url_path="audit"))
    st.navigation(groups).run()
    view_state.publish()


main()
