"""Keyed pseudonyms for exports (`score --redact`, the app's toggle) and the text scrubber that applies them.

A firm's credit code and name, and a parcel owner's code or name, become "企业-7F3A2C91" / "Firm-7F3A2C91"
(owners that are no firm of the enterprise layer: "权利人-…" / "Owner-…"): the first hex digits of
HMAC-SHA256(project key, "uscc:" + code) — a firm's name takes the pseudonym of its code, so one firm reads
the same in every record, message and format. The key is 32 random bytes kept in the project folder
(`.landpark-secret`, mode 0600, created on first use, never exported), or for a database project in its schema's
`secrets` table (`project_secret_for` picks the place): without it, trying candidate codes
cannot recover a code from its pseudonym, and another project's key gives other pseudonyms.

`TextScrubber` replaces identifiers in whole cells (identity columns) and inside free text (messages,
explanations): credit-code-shaped tokens by a regular expression, known names and codes through one
prefix index (`NameIndex`), so thousands of names cost one scan per text.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import reports.text.scope  # noqa: F401  (registers the section's text)
from i18n import t
from layers.problems import InputError
from layers.uscc import USCC_CHARSET, clean_uscc

SECRET_FILE = ".landpark-secret"
SECRET_BYTES = 32
MIN_DIGITS = 8  # hex digits of a pseudonym: 32 bits keep 6,268 firms collision-free with 99.5 % probability
MIN_NAME_LENGTH = 2  # shorter names are not searched for inside texts (a one-character name would hit any word)
MIN_CODE_LENGTH = 8  # known codes that are not credit-code-shaped are searched inside texts from this length on

_CODE_CHARS = "".join(sorted(set(USCC_CHARSET)))
# an 18-character token of the credit-code charset not glued to other letters or digits (a 19-character 宗地代码
# or a longer number does not match)
CODE_PATTERN = re.compile(rf"(?<![0-9A-Za-z])[{_CODE_CHARS}]{{18}}(?![0-9A-Za-z])")


# --------------------------------------------------------------------------- the project key


def secret_path(root: str | Path) -> Path:
    """Where a project keeps its redaction key."""
    return Path(root) / SECRET_FILE


def project_secret(root: str | Path | None) -> bytes:
    """The project's redaction key, created (random, mode 0600) on first use; an InputError when the folder cannot
    hold it (read-only) or the file is damaged."""
    if root is None:
        raise InputError(t("scope_secret_no_project", "en"), zh=t("scope_secret_no_project", "zh"))
    path = secret_path(root)
    if not path.exists():
        _create_secret(path)
    text = path.read_text(encoding="ascii", errors="replace").strip()
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise InputError(t("scope_secret_bad", "en").format(path=path), zh=t("scope_secret_bad", "zh").format(path=path))
    return bytes.fromhex(text)


def project_secret_for(project: Any) -> bytes:
    """The redaction key of `project`, wherever that project keeps it: a database project (a PostgisProject, or
    anything with a `location` naming a PostgreSQL schema) in its schema's `secrets` table (layers/postgis.py), shared
    by every user of the database; a folder project (a Project, EvaluationInputs or a folder path) in `.landpark-secret`.

    The local cache folder of a database project (its `root`) is refused: a key there would be one machine's, and
    each user's pseudonyms would differ."""
    from layers.postgis import PgLocation, is_postgres_url
    from layers.postgis import project_secret as database_secret

    location = getattr(project, "location", None)
    if isinstance(location, PgLocation) or is_postgres_url(location):
        return database_secret(location)
    if isinstance(project, PgLocation) or is_postgres_url(project):
        return database_secret(project)
    root = project if isinstance(project, (str, os.PathLike)) or project is None else getattr(project, "root", None)
    if root is not None and _is_database_cache(Path(root)):
        raise InputError(t("scope_secret_database", "en"), zh=t("scope_secret_database", "zh"))
    return project_secret(root)


def _is_database_cache(root: Path) -> bool:
    """Whether `root` is a database project's local cache folder (layers/pg_project.py `_cache_folder`: under
    $LANDPARK_PG_CACHE, else <user cache>/landpark/postgis), not a project folder."""
    base = Path(os.environ.get("LANDPARK_PG_CACHE") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                / "landpark" / "postgis")
    try:
        return root.resolve().is_relative_to(base.resolve()) and not (root / "landpark.toml").exists()
    except OSError:
        return False


def _create_secret(path: Path) -> None:
    """Write a new random key with mode 0600: a temp file beside it, then an exclusive link, so two exports
    starting at once agree on one key and no reader sees a half-written file."""
    folder = path.parent
    words = {"folder": folder, "name": path.name}
    if not os.access(folder, os.W_OK):
        raise InputError(t("scope_secret_readonly", "en").format(**words), zh=t("scope_secret_readonly", "zh").format(**words))
    tmp = folder / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(SECRET_BYTES) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # fails if another export created the key meanwhile: then that key is used
        except FileExistsError:
            pass
    except PermissionError as exc:
        raise InputError(t("scope_secret_readonly", "en").format(**words),
                         zh=t("scope_secret_readonly", "zh").format(**words)) from exc
    finally:
        tmp.unlink(missing_ok=True)


# --------------------------------------------------------------------------- pseudonyms


def _name_key(name: str) -> str:
    """A name as compared and keyed: NFKC-folded, outer spaces stripped."""
    return unicodedata.normalize("NFKC", name).strip()


def _digest(secret: bytes, key: str) -> str:
    return hmac.new(secret, key.encode("utf-8"), hashlib.sha256).hexdigest().upper()


class Pseudonyms:
    """Keyed pseudonyms of one project's firms and parcel owners in one language."""

    def __init__(self, secret: bytes, firm_codes: Iterable[str], *, lang: str = "zh",
                 owner_keys: Iterable[str] = ()):
        """`firm_codes`: every firm's credit code; `owner_keys`: "uscc:…"/"name:…" keys of parcel owners that are
        no firm. The digit count is the smallest (from MIN_DIGITS, in steps of two) that keeps all of them apart, so
        it only changes when the project's firms do."""
        self.secret = secret
        self.firm_prefix = t("scope_firm_prefix", lang)
        self.owner_prefix = t("scope_owner_prefix", lang)
        keys = {f"uscc:{clean_uscc(c)}" for c in firm_codes if clean_uscc(c)} | set(owner_keys)
        digests = [_digest(secret, k) for k in sorted(keys)]
        digits = MIN_DIGITS
        while len({d[:digits] for d in digests}) < len(digests) and digits < 64:
            digits += 2
        self.digits = digits

    def _make(self, prefix: str, key: str) -> str:
        return f"{prefix}-{_digest(self.secret, key)[: self.digits]}"

    def firm(self, code: str) -> str:
        """The pseudonym of the firm with credit code `code`."""
        return self._make(self.firm_prefix, f"uscc:{clean_uscc(code)}")

    def owner_code(self, code: str) -> str:
        """The pseudonym of a parcel owner known only by its code (no firm of the enterprise layer)."""
        return self._make(self.owner_prefix, f"uscc:{clean_uscc(code)}")

    def owner_name(self, name: str) -> str:
        """The pseudonym of a parcel owner known only by its name."""
        return self._make(self.owner_prefix, f"name:{_name_key(name)}")


# --------------------------------------------------------------------------- text


PREFIX = 4  # characters of a name's prefix index: few names share their first four characters


class NameIndex:
    """Finds any of many words inside texts in one pass: words indexed by their first PREFIX characters (shorter
    words by themselves), so each text position looks up at most PREFIX − 1 keys, longest word first."""

    def __init__(self, words: Iterable[str]):
        self.index: dict[str, list[str]] = {}
        for word in sorted(set(w for w in words if w), key=len, reverse=True):
            self.index.setdefault(word[:PREFIX], []).append(word)
        self.widths = sorted({len(k) for k in self.index}, reverse=True)

    def sub(self, text: str, replace: Callable[[str], str]) -> str:
        """`text` with every word found replaced by `replace(word)` (left to right, longest word first)."""
        if not self.index:
            return text
        out: list[str] = []
        i, n, start = 0, len(text), 0
        while i < n:
            hit = None
            for width in self.widths:
                for word in self.index.get(text[i:i + width], ()):
                    if text.startswith(word, i):
                        hit = word
                        break
                if hit:
                    break
            if hit is None:
                i += 1
                continue
            out.append(text[start:i])
            out.append(replace(hit))
            i += len(hit)
            start = i
        if not out:
            return text
        out.append(text[start:])
        return "".join(out)


class TextScrubber:
    """Replaces identifiers in cells and texts: `exact` maps whole cell values (codes of any shape, names),
    `inside` maps names and codes of other shapes found inside texts, and `code` decides for every credit-code-shaped token
    (its replacement, or None to keep it)."""

    def __init__(self, exact: Mapping[str, str], inside: Mapping[str, str], code: Callable[[str], str | None]):
        self.exact = dict(exact)
        self.inside = {k: v for k, v in inside.items() if len(k) >= MIN_NAME_LENGTH}
        self.code = code
        self._names = NameIndex(self.inside)
        self._memo: dict[str, str] = {}

    def text(self, value: str) -> str:
        """`value` with every identifier replaced (whole value first, then tokens and names inside it)."""
        done = self._memo.get(value)
        if done is not None:
            return done
        whole = self.exact.get(value)
        if whole is None:
            whole = self.exact.get(value.strip())
        if whole is not None:
            out = whole
        else:
            out = CODE_PATTERN.sub(lambda m: self.code(m.group(0)) or m.group(0), value)
            out = self._names.sub(out, lambda word: self.inside[word])
        self._memo[value] = out
        return out

    def value(self, value: Any) -> Any:
        """Any JSON-like value with its strings scrubbed (dicts, lists and tuples walked)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.value(v) for v in value)
        if isinstance(value, np.ndarray) and value.dtype == object:
            return np.array([self.value(v) for v in value], dtype=object)
        return value

    def series(self, values: pd.Series) -> pd.Series:
        """A column with its text cells scrubbed (each distinct value once); other cells kept."""
        if not (pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(values.dtype)):
            return values
        try:
            distinct = pd.unique(values.dropna()) if len(values) else []
        except TypeError:  # lists or dicts in the cells (adjustments): each cell on its own
            return values.map(self.value)
        mapping = {}
        for v in distinct:
            new = self.value(v)
            if new is not v and not _same(new, v):
                mapping[v] = new
        if not mapping:
            return values
        hashable = {k: v for k, v in mapping.items() if _hashable(k)}
        out = values.map(lambda v: hashable.get(v, v) if _hashable(v) else self.value(v))
        return out.astype(values.dtype) if isinstance(values.dtype, pd.StringDtype) else out

    def frame(self, frame: pd.DataFrame, *, keep: Iterable[str] = ()) -> pd.DataFrame:
        """A copy of `frame` with every text column scrubbed except those in `keep` (ids of units, parcels …)."""
        out = frame.copy()
        skip = set(keep)
        geometry = getattr(frame, "_geometry_column_name", None)
        for column in out.columns:
            if column in skip or column == geometry:
                continue
            out[column] = self.series(out[column])
        if pd.api.types.is_object_dtype(out.index.dtype) or pd.api.types.is_string_dtype(out.index.dtype):
            out.index = pd.Index([self.value(v) for v in out.index], name=out.index.name)
        return out


def _hashable(v: Any) -> bool:
    try:
        hash(v)
    except TypeError:
        return False
    return True


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


__all__ = ["CODE_PATTERN", "SECRET_FILE", "Pseudonyms", "NameIndex", "TextScrubber", "project_secret",
           "project_secret_for", "secret_path"]
