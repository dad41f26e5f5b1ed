"""The app's sign-in gate, role checks and audit helpers (issue 17, item 3).

`gate()` runs first in every script run (streamlit_app.main): with `[auth] enabled = false` (the default) it does
nothing and every page stays open, as for one user on localhost; enabled, a session without a signed-in user sees
only the sign-in form and the script stops there. `require(permission)` is called by the pages themselves before
they read anything confidential, so a role is enforced in the server's code: a page a viewer reaches by its URL
stops with a Chinese refusal, whatever the navigation shows. `can(permission)` lets a page show less (e.g. a
viewer's exports pseudonymised). `audit(action, …)` appends to the project's audit log (layers/audit.py),
`audit_page()` shows it to administrators.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

import ui.text.auth  # noqa: F401  (registers the auth_ keys)
from layers import audit as audit_log
from layers.auth import ROLES, Permission, Role, User, load_users, resolve_users_file, users_file_problem, verify
from layers.auth_settings import AuthSettings
from layers.problems import InputError, error_text
from ui.state import lang, tr

__all__ = ["gate", "require", "check", "can", "current_user", "sign_out", "audit", "audit_page", "startup_settings",
           "session_publisher", "PRIVATE_PAYLOAD_KINDS"]

AUTH_ON = "auth_on"            # session: sign-in is required in this app (set by gate on every run)
USER_KEY = "auth_user"         # session: {"name", "role", "seen"} of the signed-in user
SESSION_ID = "auth_session"    # session: a random id written with each audit event of this browser session
SETTINGS_KEY = "auth_settings"  # session: (users file path, project folder for sign-in events)
# Failed sign-ins of one name before that name is locked, and for how long (brute force over the network).
# Security policy, not a domain choice: module constants [U: common practice, 5 tries / 15 minutes].
MAX_FAILURES = 5
LOCK_MINUTES = 15
_FAILURES: dict[str, list[float]] = {}  # name → times of recent failures (process-wide: all sessions)
_FAILURES_LOCK = threading.Lock()
# Detail keys the app writes (ui/text/auth.py auth_detail_<key>); others are shown as written.
DETAIL_KEYS = ("layer", "file", "rows", "format", "units", "redact", "aggregates", "method", "weights", "name", "role",
               "project", "reason", "mode")
FAILURE_REASONS = ("wrong_password", "locked")  # details.reason of sign_in_failed (auth_reason_<reason>)
# details.mode: of user_change (`landpark users …`), and of import (a new layer, replace or append; layers.importer)
MODES = ("add", "password", "role", "remove", "new", "replace", "append")


def startup_settings() -> tuple[AuthSettings, Path | None]:
    """[auth] of the project the server was started on ($LANDPARK_PROJECT, else the demo) and its folder.

    Read from the start project, not the one a session switched to: switching is an admin's act and must never
    turn the sign-in off. Before config.py knows [auth] (the lead's wiring), sign-in is off."""
    from ui.state import current_project

    location = os.environ.get("LANDPARK_PROJECT")
    if location and not location.startswith("postgresql"):
        from layers.project import Project

        project = Project.open(location)
    else:
        project = current_project()
    settings = getattr(project.config, "auth", None)
    return (settings if isinstance(settings, AuthSettings) else AuthSettings()), Path(project.root)


def current_user() -> User | None:
    """The signed-in user of this session (None when nobody is, or sign-in is off)."""
    entry = st.session_state.get(USER_KEY)
    if not entry:
        return None
    return User(entry["name"], Role(entry["role"]))


def _session_id() -> str:
    if SESSION_ID not in st.session_state:
        st.session_state[SESSION_ID] = uuid.uuid4().hex[:16]
    return st.session_state[SESSION_ID]


def _role_label(role: Role | str) -> str:
    return tr("auth_role_" + Role(role).value)


def _locked_out(name: str) -> bool:
    """Whether `name` has had MAX_FAILURES failed sign-ins within the last LOCK_MINUTES (any session)."""
    horizon = time.time() - LOCK_MINUTES * 60
    with _FAILURES_LOCK:
        recent = [t for t in _FAILURES.get(name, []) if t > horizon]
        _FAILURES[name] = recent
        return len(recent) >= MAX_FAILURES


def _note_failure(name: str) -> None:
    with _FAILURES_LOCK:
        _FAILURES.setdefault(name, []).append(time.time())


def _sign_in_form(users: Path, events: Path | None) -> None:
    """The sign-in form; a right name and password signs the session in and reruns the app."""
    st.title(tr("auth_title"))
    st.caption(tr("auth_intro"))
    with st.form("auth_sign_in"):
        name = st.text_input(tr("auth_name"), key="auth_form_name")
        password = st.text_input(tr("auth_password"), type="password", key="auth_form_password")
        submitted = st.form_submit_button(tr("auth_submit"), type="primary")
    if not submitted:
        return
    name = name.strip()
    if _locked_out(name):
        _record(events, name, "", "sign_in_failed", {"reason": "locked"})
        st.error(tr("auth_locked", minutes=LOCK_MINUTES))
        return
    try:
        user = verify(users, name, password)
    except InputError as exc:  # a damaged users file: nobody signs in, and the reason is shown
        st.error(error_text(exc, lang()))
        return
    if user is None:
        _note_failure(name)
        _record(events, name, "", "sign_in_failed", {"reason": "wrong_password"})
        st.error(tr("auth_failed"))
        return
    with _FAILURES_LOCK:
        _FAILURES.pop(name, None)
    st.session_state[USER_KEY] = {"name": user.name, "role": user.role.value, "seen": time.time()}
    _record(events, user.name, user.role.value, "sign_in", {})
    st.rerun()


def gate(settings: AuthSettings | None = None, project_root: Path | None = None) -> User | None:
    """Let the script go on only for a signed-in session when sign-in is on; returns the user (None when off).

    Re-checks on every run that the user still exists with the same role, and that the session has not been idle
    longer than the timeout; shows the sign-out button in the sidebar."""
    if settings is None:
        settings, project_root = startup_settings()
    st.session_state[AUTH_ON] = settings.enabled
    if not settings.enabled:
        return None
    users = resolve_users_file(settings.users_file, project_root)
    problem = users_file_problem(users, project_root)
    if problem is not None:  # fail closed: a misplaced users file stops the app for everyone
        reason = tr("auth_reason_project") if "project" in problem else tr("auth_reason_repo")
        st.error(tr("auth_bad_users_file", path=users, reason=reason))
        st.stop()
    st.session_state[SETTINGS_KEY] = (str(users), str(project_root) if project_root else "")
    entry = st.session_state.get(USER_KEY)
    if entry:
        try:
            stored = load_users(users).get(entry["name"])
        except Exception as exc:  # noqa: BLE001 - shown; the session cannot be trusted without the file
            if type(exc).__name__ in ("StopException", "RerunException"):
                raise
            st.error(tr("auth_users_unreadable", error=exc))
            st.stop()
        if time.time() - entry["seen"] > settings.session_timeout_minutes * 60:
            st.session_state.pop(USER_KEY, None)
            st.info(tr("auth_expired", minutes=settings.session_timeout_minutes))
        elif stored is None or stored.role.value != entry["role"]:
            st.session_state.pop(USER_KEY, None)
            st.info(tr("auth_gone"))
        else:
            entry["seen"] = time.time()
            st.sidebar.caption(tr("auth_signed_in", name=entry["name"], role=_role_label(entry["role"])))
            st.sidebar.button(tr("auth_sign_out"), key="auth_sign_out", on_click=sign_out)
            return current_user()
    _sign_in_form(users, project_root)
    st.stop()
    return None


def sign_out() -> None:
    """End this session's sign-in (recorded)."""
    user = current_user()
    if user is not None:
        _, events = st.session_state.get(SETTINGS_KEY, ("", ""))
        _record(Path(events) if events else None, user.name, user.role.value, "sign_out", {})
    st.session_state.pop(USER_KEY, None)


def can(permission: Permission | str) -> bool:
    """Whether this session may do `permission`: always with sign-in off, else by the signed-in user's role."""
    if not st.session_state.get(AUTH_ON):
        return True
    user = current_user()
    return user is not None and user.allows(permission)


def _refusal(permission: Permission | str) -> str:
    """The refusal text for `permission`: what it covers, the lowest role that has it, the session's role."""
    permission = Permission(permission)
    need = next(r for r in Role if r.allows(permission))
    user = current_user()
    return tr("auth_refused", what=tr("auth_perm_" + permission.value), need=_role_label(need),
              have=_role_label(user.role) if user else "—")


def require(permission: Permission | str) -> None:
    """Stop the page with a clear refusal unless this session may do `permission` (call before reading data)."""
    if can(permission):
        return
    st.error(_refusal(permission))
    st.stop()


def check(permission: Permission | str) -> bool:
    """Whether this session may do `permission`; when not, say so in place (st.info) and let the page go on
    without that part (a map page keeps its map when a firm card is refused)."""
    if can(permission):
        return True
    st.info(_refusal(permission))
    return False


# Map payloads that name firms (maps.webmap layer kinds; a firm without its own point is drawn on an owned parcel,
# so the layer can also tell a parcel's owner). Streamlit serves the static folder to anyone who has a URL, with no
# session check (and any origin may read it), so with sign-in on these stay inline, sent over the signed-in
# session's own connection; the other layers (ids, land use, supply status, names of parks and roads) stay static.
PRIVATE_PAYLOAD_KINDS = frozenset({"enterprises"})


def session_publisher(publish: Callable[[str, str], str | None]) -> Callable[[str, str], str | None]:
    """`publish` (maps.publish.publish_payload) for this session: None (keep inline) for PRIVATE_PAYLOAD_KINDS
    when sign-in is on, so nothing naming firms lands in the unauthenticated static folder."""
    def wrapped(payload: str, kind: str) -> str | None:
        if st.session_state.get(AUTH_ON) and kind in PRIVATE_PAYLOAD_KINDS:
            return None
        return publish(payload, kind)

    return wrapped


def _record(folder: Path | None, name: str, role: str, action: str, details: dict[str, Any]) -> None:
    """Append an event when there is a folder to write to; a failure to write is logged, never shown to the user."""
    if folder is None:
        return
    try:
        audit_log.record(folder, name, action, details, role=role, session=_session_id())
    except (OSError, sqlite3.Error) as exc:  # an unwritable project folder must not block the app: logged instead
        logging.getLogger("landpark.audit").warning("audit event %s by %r not recorded in %s: %s", action, name, folder, exc)


def audit(action: str, project: Any = None, **details: Any) -> None:
    """Record `action` with `details` by this session's user in the project's audit log (the open project when
    `project` is None). Pages call it after an import, export, method or weight change succeeded."""
    if project is None:
        from ui.state import current_project

        project = current_project()
    user = current_user()
    _record(Path(project.root), user.name if user else "", user.role.value if user else "", action, details)


def _detail_text(details: dict[str, Any]) -> str:
    """Details as `label：value` pairs in the session's language (booleans as 是/否, roles and reasons translated)."""
    parts = []
    for key, value in details.items():
        label = tr("auth_detail_" + key) if key in DETAIL_KEYS else key
        if isinstance(value, bool):
            value = tr("auth_yes") if value else tr("auth_no")
        elif key == "role" and value in ROLES:
            value = _role_label(value)
        elif key == "reason" and value in FAILURE_REASONS:
            value = tr("auth_reason_" + value)
        elif key == "mode" and value in MODES:
            value = tr("auth_mode_" + value)
        elif isinstance(value, (list, tuple)):
            value = "、".join(map(str, value)) if lang() == "zh" else ", ".join(map(str, value))
        parts.append(f"{label}：{value}" if lang() == "zh" else f"{label}: {value}")
    return "；".join(parts) if lang() == "zh" else "; ".join(parts)


def audit_page(project: Any = None) -> None:
    """The administrators' 审计日志: the newest events of the project's log, filtered by action and user."""
    require(Permission.USERS)
    if project is None:
        from ui.state import current_project

        project = current_project()
    st.title(tr("auth_audit_title"))
    st.caption(tr("auth_audit_intro"))
    c1, c2, c3 = st.columns([2, 2, 1])
    actions = c1.multiselect(tr("auth_audit_action_filter"), list(audit_log.ACTIONS), key="auth_audit_actions",
                             format_func=lambda a: tr("auth_action_" + a), placeholder=tr("auth_audit_all"))
    who = c2.text_input(tr("auth_audit_user_filter"), key="auth_audit_user").strip()
    limit = c3.number_input(tr("auth_audit_limit"), min_value=10, max_value=100_000, value=500, step=100,
                            key="auth_audit_limit")
    log = audit_log.read_log(Path(project.root), limit=int(limit), actions=actions or None, user=who or None)
    if log.empty:
        st.info(tr("auth_audit_empty"))
        return
    shown = {
        tr("auth_col_at"): log["at"].str.slice(0, 19).str.replace("T", " "),
        tr("auth_col_user"): log["user"].where(log["user"] != "", tr("auth_local_user")),
        tr("auth_col_role"): log["role"].map(lambda r: _role_label(r) if r in ROLES else "—"),
        tr("auth_col_action"): log["action"].map(lambda a: tr("auth_action_" + a)),
        tr("auth_col_details"): log["details"].map(_detail_text),
    }
    import pandas as pd

    st.dataframe(pd.DataFrame(shown), hide_index=True, width="stretch")
