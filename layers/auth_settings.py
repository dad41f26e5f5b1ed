"""The `[auth]` section of `landpark.toml`: whether the app asks for a sign-in, where the users live, how long a session lasts.

Off by default: the app then runs for one user on localhost exactly as before. On, every app session signs in
with a name and password from `users_file` (layers/auth.py; a JSON file outside the project folder and outside
any source repository, written by `landpark users add`), and every page checks the user's role server-side
(ui/auth.py). The meaning of the roles lives in layers/auth.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from layers.settings import Reader

__all__ = ["AuthSettings", "DEFAULT_TOML", "MAX_TIMEOUT_MINUTES"]

MAX_TIMEOUT_MINUTES = 7 * 24 * 60  # a week: longer would make "signed in" meaningless on a shared office PC


@dataclass(frozen=True)
class AuthSettings:
    """[auth]: sign-in on or off, the users file, and the idle time after which a session must sign in again."""

    enabled: bool = False
    users_file: str = ""               # path of the users file (absolute, or relative to the project folder's parent)
    session_timeout_minutes: int = 480  # idle minutes before a new sign-in is asked for

    @classmethod
    def read(cls, r: Reader) -> AuthSettings:
        """The [auth] table, checked (the caller calls `r.finish()`); on needs a users file."""
        enabled = r.boolean("enabled")
        users_file = r.text("users_file")
        timeout = r.integer("session_timeout_minutes", 1, MAX_TIMEOUT_MINUTES)
        if enabled and not users_file.strip():
            raise r.fail("users_file", users_file, "the path of the users file when enabled = true")
        return cls(enabled, users_file.strip(), timeout)


# The section for layers/landpark.default.toml.
DEFAULT_TOML = """\
[auth]
# Sign-in for the app (`landpark app`). Off: one user on this computer (localhost), as before, every page open.
# On: each browser session signs in; roles decide what it may see and do —
#   viewer  = maps, scorecards, exports of aggregates only (no firm-level data);
#   analyst = + firm-level data (企业评价, firm figures on the map), siting, imports;
#   admin   = + users, switching and creating projects, the audit log (审计日志).
# Turn it on whenever the app listens on anything but localhost (see the README's intranet deployment).
enabled = false
# The users file: names, roles and salted scrypt hashes, written by `landpark users add NAME --role R`.
# Keep it OUTSIDE the project folder and outside any source repository (the app refuses it there), readable
# only by the account that runs the app (chmod 600). Relative paths are taken from the project folder's parent.
users_file = ""
# A session that has been idle this many minutes must sign in again [U: local policy; 8 h = a working day].
session_timeout_minutes = 480
"""
