"""Sign-in, roles and the audit trail (issue 17, item 3): the users file, the role model, the append-only audit log
written by two processes at once, and the app's gate and `require()` under AppTest."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from layers import audit, auth
from layers.auth import Permission, Role
from layers.auth_settings import DEFAULT_TOML, AuthSettings
from layers.problems import InputError
from layers.settings import Reader

PASSWORD = "correct horse 42"


@pytest.fixture
def users(tmp_path) -> Path:
    """A users file (outside any repository: pytest's tmp) with one user of each role."""
    path = tmp_path / "secrets" / "users.json"
    auth.add_user(path, "wang", "viewer", PASSWORD)
    auth.add_user(path, "li", Role.ANALYST, "analyst pass 1")
    auth.add_user(path, "zhao", "admin", "admin pass 123")
    return path


# ---- the users file ------------------------------------------------------------------------------

def test_users_file_holds_salted_scrypt_hashes_not_passwords(users):
    text = users.read_text(encoding="utf-8")
    assert PASSWORD not in text and "analyst pass 1" not in text
    assert users.stat().st_mode & 0o777 == 0o600  # readable by the app's account only
    entry = json.loads(text)["users"]["wang"]
    assert entry["role"] == "viewer"
    scheme, n, r, p, salt, digest = entry["password"].split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    # recomputed here with hashlib directly from the stored salt: the stored value is scrypt(password, salt)
    expected = hashlib.scrypt(PASSWORD.encode(), salt=base64.b64decode(salt), n=16384, r=8, p=1, maxmem=64 << 20, dklen=32)
    assert base64.b64decode(digest) == expected
    assert len(base64.b64decode(salt)) == 16
    # the same password for another user: another salt, another hash
    auth.add_user(users, "chen", "viewer", PASSWORD)
    other = json.loads(users.read_text(encoding="utf-8"))["users"]["chen"]["password"]
    assert other.split("$")[4] != salt and other.split("$")[5] != digest


def test_sign_in_accepts_the_right_password_only(users):
    assert auth.verify(users, "wang", PASSWORD) == auth.User("wang", Role.VIEWER)
    assert auth.verify(users, "li", "analyst pass 1").role is Role.ANALYST
    assert auth.verify(users, "wang", "correct horse 43") is None
    assert auth.verify(users, "wang", "") is None
    assert auth.verify(users, "li", PASSWORD) is None  # another user's password
    assert auth.verify(users, "nobody", PASSWORD) is None
    assert auth.verify(users, "WANG", PASSWORD) is None  # names are exact


def test_password_compare_is_constant_time_even_for_unknown_names(users, monkeypatch):
    import hmac

    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert auth.verify(users, "wang", PASSWORD) is not None
    assert auth.verify(users, "wang", "wrong password") is None
    assert auth.verify(users, "nobody", "wrong password") is None  # hashed against a dummy: same cost
    assert calls == [(32, 32)] * 3


def test_user_changes_and_refusals(users):
    with pytest.raises(InputError, match="exists already"):
        auth.add_user(users, "wang", "admin", "another password")
    with pytest.raises(InputError, match="at least 10"):
        auth.add_user(users, "sun", "viewer", "short")
    with pytest.raises(InputError, match="unknown role"):
        auth.add_user(users, "sun", "superuser", "long enough pass")
    with pytest.raises(InputError, match="invalid user name"):
        auth.add_user(users, "a b", "viewer", "long enough pass")
    auth.set_password(users, "wang", "a new password")
    assert auth.verify(users, "wang", PASSWORD) is None
    assert auth.verify(users, "wang", "a new password").role is Role.VIEWER
    auth.set_role(users, "wang", "analyst")
    assert auth.load_users(users)["wang"].role is Role.ANALYST
    auth.remove_user(users, "wang")
    assert set(auth.load_users(users)) == {"li", "zhao"}
    with pytest.raises(InputError, match="no user"):
        auth.set_password(users, "wang", "a new password")


def test_users_file_must_live_outside_project_and_repository(tmp_path):
    project = tmp_path / "district"
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    assert auth.users_file_problem(project / "users.json", project) == "inside the project folder"
    assert "source repository" in auth.users_file_problem(tmp_path / "repo" / "conf" / "users.json", project)
    assert auth.users_file_problem(tmp_path / "etc" / "users.json", project) is None
    assert auth.resolve_users_file("etc/users.json", project) == (tmp_path / "etc" / "users.json").resolve()


def test_roles_grant_the_issue_s_permissions():
    # written out from the issue: viewer = maps, scorecards, exports of aggregates; analyst + firm-level data, siting,
    # imports; admin + users, projects
    expected = {
        "viewer": {"maps", "scorecards", "export_aggregate"},
        "analyst": {"maps", "scorecards", "export_aggregate", "firm_data", "siting", "import"},
        "admin": {"maps", "scorecards", "export_aggregate", "firm_data", "siting", "import", "users", "projects"},
    }
    assert auth.ROLES == tuple(r.value for r in Role) == ("viewer", "analyst", "admin")
    assert auth.PERMISSIONS == tuple(p.value for p in Permission)
    for role, allowed in expected.items():
        assert {p for p in auth.PERMISSIONS if Role(role).allows(p)} == allowed
    assert not Role.ADMIN.allows("delete_everything")


def test_auth_settings_default_and_checks():
    section = tomllib.loads(DEFAULT_TOML)["auth"]
    r = Reader(section, "auth", "landpark.toml")
    assert AuthSettings.read(r) == AuthSettings(False, "", 480)
    r.finish()
    with pytest.raises(InputError, match="users_file"):
        AuthSettings.read(Reader({"enabled": True, "users_file": " ", "session_timeout_minutes": 30}, "auth", "t"))
    with pytest.raises(InputError, match="session_timeout_minutes"):
        AuthSettings.read(Reader({"enabled": False, "users_file": "", "session_timeout_minutes": 0}, "auth", "t"))


# ---- the audit log -------------------------------------------------------------------------------

WRITER = """
import sys, time
from pathlib import Path
from layers import audit
folder, who, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
(folder / f"ready-{who}").touch()
while not (folder / "go").exists():  # both start writing at once
    time.sleep(0.002)
for i in range(n):
    audit.record(folder, who, "export", {"rows": i, "format": "xlsx"}, role="analyst", session=who)
"""


def test_two_processes_append_at_once_and_every_event_lands(tmp_path):
    import time

    n = 300
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), who, str(n)], env=env,
                              stderr=subprocess.PIPE) for who in ("p1", "p2")]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready-{who}").exists() for who in ("p1", "p2")) and time.monotonic() < deadline:
        time.sleep(0.01)
    (tmp_path / "go").touch()
    for proc in procs:
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
    log = audit.read_log(tmp_path, limit=10_000)
    assert len(log) == 2 * n
    for who in ("p1", "p2"):  # each writer's events all there, in its own order
        mine = log[log["user"] == who].sort_values("id")
        assert [d["rows"] for d in mine["details"]] == list(range(n))
    order = log.sort_values("id")["user"].tolist()
    assert order != sorted(order) and order != sorted(order, reverse=True)  # the writers interleaved: they ran at once
    con = sqlite3.connect(audit.audit_path(tmp_path))
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_audit_log_is_append_only_and_filters(tmp_path):
    audit.record(tmp_path, "zhao", "sign_in", role="admin", session="s1")
    audit.record(tmp_path, "li", "weight_change", {"weights": [30, 20]}, role="analyst", session="s2")
    audit.record(tmp_path, "li", "import", {"layer": "parcels", "rows": 12}, role="analyst", session="s2")
    log = audit.read_log(tmp_path)
    assert log["action"].tolist() == ["import", "weight_change", "sign_in"]  # newest first
    assert log["details"].iloc[0] == {"layer": "parcels", "rows": 12}
    assert audit.read_log(tmp_path, user="li", actions=["import"])["action"].tolist() == ["import"]
    assert len(audit.read_log(tmp_path, limit=1)) == 1
    con = sqlite3.connect(audit.audit_path(tmp_path))
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE audit_log SET user = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM audit_log")
    con.close()
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record(tmp_path, "li", "delete_log")
    assert audit.read_log(tmp_path / "none").empty


# ---- the gate and require() under AppTest --------------------------------------------------------

GATED = """
from pathlib import Path
import streamlit as st
from layers.auth_settings import AuthSettings
from ui import auth
auth.gate(AuthSettings(True, {users!r}, 30), Path({events!r}))
{body}
"""


def gated_app(users: Path, events: Path, body: str):
    """An AppTest of a script that passes the gate (sign-in on, `users`, events into `events`) and then runs `body`."""
    from streamlit.testing.v1 import AppTest

    return AppTest.from_string(GATED.format(users=str(users), events=str(events), body=body), default_timeout=120)


def sign_in(at, name: str, password: str):
    at.text_input(key="auth_form_name").input(name)
    at.text_input(key="auth_form_password").input(password)
    return at.button[0].click().run()


def test_with_auth_on_the_app_shows_only_the_sign_in_form(users, tmp_path):
    events = tmp_path / "district"
    events.mkdir()
    at = gated_app(users, events, 'st.title("总览地图")\nst.dataframe({"uscc": ["X"]})').run()
    assert not at.exception
    assert [t.value for t in at.title] == ["登录 Landpark"]
    assert [w.key for w in at.text_input] == ["auth_form_name", "auth_form_password"]
    assert not at.dataframe and not at.sidebar.button
    at = sign_in(at, "wang", "not the password")
    assert [e.value for e in at.error] == ["用户名或密码错误。"]
    assert [t.value for t in at.title] == ["登录 Landpark"] and not at.dataframe
    at = sign_in(at, "wang", PASSWORD)
    assert not at.exception
    assert [t.value for t in at.title] == ["总览地图"] and len(at.dataframe) == 1
    assert any(c.value == "已登录：wang（查看者）" for c in at.sidebar.caption)
    log = audit.read_log(events)
    assert log["action"].tolist() == ["sign_in", "sign_in_failed"]
    assert log["user"].tolist() == ["wang", "wang"] and log["role"].tolist() == ["viewer", ""]
    at.sidebar.button(key="auth_sign_out").click().run()  # signing out returns to the form
    assert [t.value for t in at.title] == ["登录 Landpark"]
    assert audit.read_log(events)["action"].iloc[0] == "sign_out"


def test_a_removed_user_is_signed_out_at_the_next_run(users, tmp_path):
    (tmp_path / "district").mkdir()
    at = sign_in(gated_app(users, tmp_path / "district", 'st.title("评价结果")').run(), "li", "analyst pass 1")
    assert [t.value for t in at.title] == ["评价结果"]
    auth.remove_user(users, "li")
    at.run()
    assert [t.value for t in at.title] == ["登录 Landpark"]
    assert at.info[0].value.startswith("您的账号已被删除")


def test_a_users_file_inside_the_project_stops_the_app(tmp_path):
    project = tmp_path / "district"
    inside = project / "users.json"
    auth.add_user(inside, "zhao", "admin", "admin pass 123")
    at = gated_app(inside, project, 'st.title("总览地图")').run()
    assert not at.title and not at.text_input
    assert "项目文件夹内" in at.error[0].value


# The 企业评价 page with the patch the lead applies: `require(Permission.FIRM_DATA)` first in its render().
ENTERPRISES = """
auth.require("firm_data")
from ui import enterprises_page
enterprises_page.render()
"""


def test_a_viewer_is_refused_the_firm_page_and_sees_no_firm_table(users, tmp_path, demo_project, monkeypatch):
    monkeypatch.setenv("LANDPARK_PROJECT", str(demo_project.root))
    tmp_path = tmp_path / "district"  # sign-in events (the users file lies beside it, outside)
    tmp_path.mkdir()
    at = sign_in(gated_app(users, tmp_path, ENTERPRISES).run(), "wang", PASSWORD)
    assert not at.exception
    assert [e.value for e in at.error] == ["无权访问：企业层级数据（企业名单、税收等指标）需要「分析员」或更高权限，"
                                           "您当前的角色是「查看者」。如需访问，请联系管理员。"]
    assert not at.dataframe and not at.title  # stopped before the page read anything
    # an analyst passes the same check and gets the page with its firm table (credit codes and scores)
    at = sign_in(gated_app(users, tmp_path, ENTERPRISES).run(), "li", "analyst pass 1")
    assert not at.exception and not at.error
    assert at.title[0].value == "亩均评价"
    assert any({"uscc", "score"} <= set(d.value.columns) for d in at.dataframe)


def test_check_refuses_in_place_and_the_page_goes_on(users, tmp_path):
    (tmp_path / "district").mkdir()
    body = 'if auth.check("firm_data"):\n    st.dataframe({"uscc": ["X"]})\nst.write("map still drawn")'
    at = sign_in(gated_app(users, tmp_path / "district", body).run(), "wang", PASSWORD)
    assert not at.dataframe and at.info[0].value.startswith("无权访问：企业层级数据")
    assert at.markdown[-1].value == "map still drawn"
    at = sign_in(gated_app(users, tmp_path / "district", body).run(), "li", "analyst pass 1")
    assert len(at.dataframe) == 1 and not at.info


def test_firm_payloads_stay_out_of_the_static_folder_when_sign_in_is_on(users, tmp_path):
    """With sign-in on, the enterprises map payload is kept inline (None); other layers are still published."""
    (tmp_path / "district").mkdir()
    body = ("published = []\n"
            "publish = auth.session_publisher(lambda payload, kind: published.append(kind) or f'/app/static/{kind}')\n"
            "st.write(str([publish('{}', k) for k in ('parcels', 'enterprises', 'landpark-map.js')]))")
    at = sign_in(gated_app(users, tmp_path / "district", body).run(), "li", "analyst pass 1")
    assert at.markdown[-1].value == "['/app/static/parcels', None, '/app/static/landpark-map.js']"


def test_require_without_sign_in_configured_lets_every_page_run():
    from streamlit.testing.v1 import AppTest

    script = 'import streamlit as st\nfrom ui import auth\nauth.require("users")\nst.write("open")'
    at = AppTest.from_string(script).run()
    assert not at.exception and not at.error and at.markdown[0].value == "open"
    # sign-in on but nobody signed in (a page reached without the gate's form): refused, nothing shown
    at = AppTest.from_string(script)
    at.session_state["auth_on"] = True
    at.run()
    assert not at.markdown and at.error[0].value.startswith("无权访问：用户管理与审计日志需要「管理员」")


def test_admin_sees_the_audit_log_and_an_analyst_does_not(users, tmp_path):
    tmp_path = tmp_path / "district"  # the project folder holding audit.sqlite (the users file lies beside it)
    tmp_path.mkdir()
    audit.record(tmp_path, "root", "user_change", {"mode": "add", "name": "wang", "role": "viewer"}, session="cli")
    audit.record(tmp_path, "li", "export", {"format": "xlsx", "redact": True}, role="analyst", session="s")
    at = sign_in(gated_app(users, tmp_path, "from types import SimpleNamespace\n"
                                            f"auth.audit_page(SimpleNamespace(root=Path({str(tmp_path)!r})))").run(),
                 "zhao", "admin pass 123")
    assert not at.exception
    assert at.title[0].value == "审计日志"
    table = at.dataframe[0].value
    assert table["操作"].tolist() == ["登录", "导出", "用户变更"]
    assert table["详情"].iloc[1] == "格式：xlsx；企业脱敏：是" and table["角色"].iloc[1] == "分析员"
    assert table["详情"].iloc[2] == "方式：新增用户；用户名：wang；角色：查看者" and table["角色"].iloc[2] == "—"
    at = sign_in(gated_app(users, tmp_path, "auth.audit_page(None)").run(), "li", "analyst pass 1")
    assert not at.dataframe and "用户管理与审计日志" in at.error[0].value
