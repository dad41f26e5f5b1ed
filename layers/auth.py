"""Users, passwords and roles for the app's sign-in (`[auth]`, layers/auth_settings.py).

The users file is JSON, kept outside the project folder and outside any source repository:

    {"format": "landpark-users", "version": 1,
     "users": {"wang": {"role": "analyst", "password": "scrypt$16384$8$1$<salt b64>$<hash b64>",
                        "created": "2026-12-06T11:00:00+00:00", "updated": "…"}}}

Passwords are never stored: each user has a random 16-byte salt and the scrypt hash of salt + password
(hashlib.scrypt, N=2^14, r=8, p=1: ≈ 16 MB and some 50 ms per try on one core); a sign-in recomputes the
hash and compares it with `hmac.compare_digest` (constant time), and an unknown name costs the same hash so
that timing does not tell which names exist. Writes take a lock on `<file>.lock`, go to a temporary file
in the same folder (mode 600) and replace the file atomically.

Roles: viewer (maps, scorecards, exports of aggregates), analyst (+ firm-level data, siting, imports),
admin (+ users, projects, the audit log). Each role holds every permission of the roles below it.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import enum
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from layers.problems import InputError

__all__ = ["Permission", "Role", "User", "ROLES", "MIN_PASSWORD_LENGTH", "hash_password", "check_password",
           "PERMISSIONS", "load_users", "add_user", "set_password", "set_role", "remove_user", "verify", "users_file_problem",
           "resolve_users_file"]

# scrypt cost (security parameters, not domain choices): N=2^14, r=8, p=1 is the interactive-login setting the
# scrypt paper and RFC 7914 give; 16 MB of memory per try. Stored with each hash, so raising them later keeps
# old hashes valid.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
SCRYPT_MAXMEM = 64 * 1024 * 1024
SALT_BYTES = 16
HASH_BYTES = 32
MIN_PASSWORD_LENGTH = 10  # a bureau's password policy may ask for more; the CLI refuses shorter ones
NAME_PATTERN = re.compile(r"^[\w.@-]{1,64}$")  # letters (also Chinese), digits, _ . @ -
FILE_FORMAT = "landpark-users"


# The role and permission names as literal tuples (the translation check reads them: ui/text/auth.py auth_role_<name>,
# auth_perm_<name>); the enums below are built to match them (tests/test_auth.py checks it).
ROLES = ("viewer", "analyst", "admin")
PERMISSIONS = ("maps", "scorecards", "export_aggregate", "firm_data", "siting", "import", "users", "projects")


class Permission(enum.StrEnum):
    """One thing a page or command may do; roles are sets of these."""

    MAPS = "maps"                      # the overview map (units, parcels by status; firm points need FIRM_DATA)
    SCORECARDS = "scorecards"          # unit scores, scorecards, comparisons, land pages
    EXPORT_AGGREGATE = "export_aggregate"  # exports of aggregates only: no firm-level table (reports/scope.py)
    FIRM_DATA = "firm_data"            # firm-level figures: 企业评价, firm identify on the map, exports with real names
    SITING = "siting"                  # 项目选址
    IMPORT = "import"                  # imports, field mappings, data fixes
    USERS = "users"                    # the users file and the audit log
    PROJECTS = "projects"              # switching and creating projects


_VIEWER = frozenset({Permission.MAPS, Permission.SCORECARDS, Permission.EXPORT_AGGREGATE})
_ANALYST = _VIEWER | {Permission.FIRM_DATA, Permission.SITING, Permission.IMPORT}
_ADMIN = _ANALYST | {Permission.USERS, Permission.PROJECTS}


class Role(enum.StrEnum):
    """A user's role: viewer < analyst < admin, each with the permissions of the ones below."""

    VIEWER = "viewer"
    ANALYST = "analyst"
    ADMIN = "admin"

    @property
    def permissions(self) -> frozenset[Permission]:
        """Every permission this role holds."""
        return {"viewer": _VIEWER, "analyst": _ANALYST, "admin": _ADMIN}[self.value]

    def allows(self, permission: Permission | str) -> bool:
        """Whether this role may do `permission` (a Permission or its value; an unknown name is never allowed)."""
        try:
            return Permission(permission) in self.permissions
        except ValueError:
            return False

    @classmethod
    def parse(cls, value: str) -> Role:
        """The role named `value` (viewer, analyst, admin); anything else is an InputError."""
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            names = ", ".join(r.value for r in cls)
            raise InputError(f"unknown role {value!r}; choose one of: {names}",
                             zh=f"未知的角色 {value!r}；可选：{names}") from None


@dataclass(frozen=True)
class User:
    """A signed-in (or stored) user: name and role; the hash never leaves this module's functions."""

    name: str
    role: Role

    def allows(self, permission: Permission | str) -> bool:
        """Whether this user's role may do `permission`."""
        return self.role.allows(permission)


# ---- hashing -----------------------------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """The stored form of `password`: scrypt with a fresh random salt, parameters and salt kept with the hash."""
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            maxmem=SCRYPT_MAXMEM, dklen=HASH_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, stored: str) -> bool:
    """Whether `password` matches the stored hash, compared in constant time; a malformed entry never matches."""
    try:
        scheme, n, r, p, salt_text, hash_text = stored.split("$")
        if scheme != "scrypt":
            return False
        salt, expected = base64.b64decode(salt_text, validate=True), base64.b64decode(hash_text, validate=True)
        digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=int(n), r=int(r), p=int(p),
                                maxmem=SCRYPT_MAXMEM, dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


# A hash of a random password: an unknown name is checked against it, so it costs as much as a known one.
_DUMMY = hash_password(secrets.token_hex(16))


# ---- the users file ----------------------------------------------------------------------------

def resolve_users_file(users_file: str, project_root: Path | None = None) -> Path:
    """The users file's absolute path: `~` expanded; a relative path is taken from the project folder's parent."""
    path = Path(users_file).expanduser()
    if not path.is_absolute():
        path = (Path(project_root).resolve().parent if project_root is not None else Path.cwd()) / path
    return path.resolve()


def users_file_problem(path: Path, project_root: Path | None = None) -> str | None:
    """Why `path` must not hold the users (inside the project folder, which is copied, archived and exported,
    or inside a source repository, which is committed and shared); None when its place is fine."""
    path = Path(path).resolve()
    if project_root is not None and path.is_relative_to(Path(project_root).resolve()):
        return "inside the project folder"
    for parent in path.parents:
        if (parent / ".git").exists():
            return f"inside the source repository {parent}"
    return None


def _empty() -> dict:
    return {"format": FILE_FORMAT, "version": 1, "users": {}}


def _read(path: Path) -> dict:
    """The users file's content (an empty one when the file does not exist yet); a damaged file is an InputError."""
    if not path.exists():
        return _empty()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read the users file: {exc}", zh=f"{path}：无法读取用户文件：{exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FILE_FORMAT or not isinstance(data.get("users"), dict):
        raise InputError(f"{path}: not a Landpark users file", zh=f"{path}：不是 Landpark 用户文件")
    return data


def load_users(path: Path) -> dict[str, User]:
    """Every user of the file, name → User (entries with an unknown role are left out: they cannot sign in)."""
    users = {}
    for name, entry in _read(Path(path))["users"].items():
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            users[name] = User(name, Role(entry.get("role")))
    return users


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[dict]:
    """Read-modify-write of the users file under an exclusive lock on `<file>.lock`, written atomically (mode 600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = _read(path)
        yield data
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mkstemp: mode 600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, ensure_ascii=False, indent=1, sort_keys=True)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _check_name(name: str) -> str:
    if not NAME_PATTERN.match(name or ""):
        raise InputError(f"invalid user name {name!r}: 1–64 letters, digits, _ . @ -",
                         zh=f"用户名 {name!r} 无效：应为 1–64 个字母、汉字、数字或 _ . @ -")
    return name


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters",
                         zh=f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符")
    return password


def add_user(path: Path, name: str, role: Role | str, password: str, *, replace: bool = False) -> User:
    """Add `name` with `role` and `password` (hashed); an existing name is refused unless `replace`."""
    name, role = _check_name(name), Role.parse(role.value if isinstance(role, Role) else role)
    stored = hash_password(_check_password(password))
    with _locked(Path(path)) as data:
        if name in data["users"] and not replace:
            raise InputError(f"user {name!r} exists already (use `landpark users passwd` or `--replace`)",
                             zh=f"用户 {name!r} 已存在")
        data["users"][name] = {"role": role.value, "password": stored, "created": _now(), "updated": _now()}
    return User(name, role)


def _update(path: Path, name: str, **fields: str) -> None:
    with _locked(Path(path)) as data:
        entry = data["users"].get(name)
        if entry is None:
            raise InputError(f"no user {name!r}", zh=f"没有用户 {name!r}")
        entry.update(fields, updated=_now())


def set_password(path: Path, name: str, password: str) -> None:
    """Give `name` a new password (a fresh salt and hash)."""
    _update(path, name, password=hash_password(_check_password(password)))


def set_role(path: Path, name: str, role: Role | str) -> None:
    """Give `name` another role."""
    _update(path, name, role=Role.parse(role.value if isinstance(role, Role) else role).value)


def remove_user(path: Path, name: str) -> None:
    """Remove `name` from the users file (their open sessions end at their next page view: ui/auth.py re-checks)."""
    with _locked(Path(path)) as data:
        if data["users"].pop(name, None) is None:
            raise InputError(f"no user {name!r}", zh=f"没有用户 {name!r}")


def verify(path: Path, name: str, password: str) -> User | None:
    """The user when `name` exists with a valid role and `password` matches, else None (same cost either way)."""
    entry = _read(Path(path))["users"].get(name)
    given = entry.get("password") if isinstance(entry, dict) else None
    stored = given if isinstance(given, str) else _DUMMY
    ok = check_password(password, stored)
    if not ok or entry is None or stored is _DUMMY:
        return None
    try:
        return User(name, Role(entry.get("role")))
    except ValueError:
        return None
