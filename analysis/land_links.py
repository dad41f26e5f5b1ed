"""Which firm owns which parcel: link table first, then the owner's credit code, then a normalised name.

Parcels may carry the owner's credit code (`owner_uscc`), name (`owner_name`, from 权利人 / 权利人名称 /
QLRMC …) or both. Each parcel is linked to at most one firm of the `enterprises` layer:

1. **Link table** (`land_links` layer: uscc ↔ parcel_id), when imported, decides first. A parcel listed
   under several codes is reported as ambiguous and not linked; a row naming an unknown firm or parcel is
   reported and ignored.
2. **Credit code**: the parcel's code equals a firm's code (after trimming, NFKC and upper case).
3. **Name**: the parcel's owner name, normalised, equals exactly one firm's normalised name.

Name normalisation (`normalise_name`): NFKC (full-width letters, digits and brackets → half-width),
case folding, all whitespace removed, every bracket character removed (（台州） ≡ (台州) ≡ 台州),
有限责任公司 → 有限公司, and trailing punctuation removed. 股份有限公司 stays distinct from 有限公司.

Branches (分公司, 分厂, 分店, 办事处, 营业部 …): the branch part of a name is kept, so a branch links only to
a firm record whose own name is that branch; it never links to its parent company, nor a parent to a
branch, unless the name says so (i.e. the firm table lists the branch under its own name). An owner name
left unlinked because only a branch (or only the parent) of it is in the firm table is reported with
those firms as hints.

Ambiguity is reported, never guessed: one normalised owner name matching several firms (two firm records
with the same normalised name), or an owner field holding several names (共有: 甲公司、乙公司), leaves the
parcel unlinked and listed in `LinkReport.ambiguous`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from i18n import t
from layers.problems import Problem

FIRM_COLUMN = "firm_uscc"  # parcels column added by the linking: the linked firm's credit code, or missing
METHOD_COLUMN = "firm_link"  # how: "table", "code", "name", or missing
METHODS = ("table", "code", "name")

_BRACKETS = re.compile(r"[()\[\]{}（）【】〔〕〈〉《》「」『』<>]")
_SPACES = re.compile(r"\s+")
_TRAILING = re.compile(r"[.。,，;；:：、\-_·・]+$")
_SEVERAL = re.compile(r"[、;；,，/／|]|\s和\s")
BRANCH_MARKERS = ("分公司", "分厂", "分店", "分部", "办事处", "营业部", "分支机构", "分社", "分行")


def normalise_code(value: Any) -> str | None:
    """A credit code as compared: NFKC, trimmed, upper case; None when empty."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().upper()
    return _SPACES.sub("", text) or None


_NORMAL_CODE = r"[0-9A-Z]+"  # ASCII digits and capitals only: NFKC, trimming and upper-casing leave it as it is
_NORMAL_NAME = "[0-9a-z\u4e00-\u9fff]+"  # digits, small ASCII letters and CJK ideographs: normalise_name keeps it
# text that begins and ends with an ASCII letter or digit or a CJK ideograph: str.strip() leaves it as it is
_UNPADDED = "[0-9A-Za-z\u4e00-\u9fff](?:.*[0-9A-Za-z\u4e00-\u9fff])?"


def _already(values: pd.Series, pattern: str) -> tuple[np.ndarray, pd.Series]:
    """(mask of the values that are text fully matching `pattern`, the values as text): such values are their own
    normal form, found in one vectorised pass (Arrow's regex engine for Arrow-backed text)."""
    text = values.astype("string")
    return text.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool), text


def normalise_codes(values: pd.Series) -> np.ndarray:
    """`normalise_code` of every value (object array, None where empty); values already in normal form are taken
    as they are, the rest normalised once per distinct value."""
    normal, text = _already(values, _NORMAL_CODE)
    out = np.full(len(values), None, dtype=object)
    out[normal] = text[normal].to_numpy(dtype=object)
    out[~normal] = _per_distinct(values.to_numpy(dtype=object)[~normal], normalise_code)
    return out


def normalise_names(values: pd.Series) -> np.ndarray:
    """`normalise_name` of every value (object array, None where empty), with the same fast path as codes: a name
    of only CJK ideographs, digits and small letters that does not say 有限责任公司 is its own normal form."""
    normal, text = _already(values, _NORMAL_NAME)
    normal &= ~text.str.contains("有限责任公司", regex=False).fillna(False).to_numpy(dtype=bool)
    out = np.full(len(values), None, dtype=object)
    out[normal] = text[normal].to_numpy(dtype=object)
    out[~normal] = _per_distinct(values.to_numpy(dtype=object)[~normal], normalise_name)
    return out


def normalise_name(value: Any) -> str | None:
    """A firm name as compared (module docstring); None when empty."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = unicodedata.normalize("NFKC", str(value)).casefold()
    text = _SPACES.sub("", text)
    text = _BRACKETS.sub("", text)
    text = text.replace("有限责任公司", "有限公司")
    text = _TRAILING.sub("", text)
    return text or None


def is_branch(key: str) -> bool:
    """Whether a normalised name names a branch (分公司 …)."""
    return any(m in key for m in BRANCH_MARKERS)


def _split_owners(value: Any) -> list[str]:
    """The names in one owner field (several when co-owned: 甲公司、乙公司)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return []
    text = unicodedata.normalize("NFKC", str(value))
    return [p for p in (s.strip() for s in _SEVERAL.split(text)) if p]


@dataclass
class LinkReport:
    """What the linking found: firms by method, ambiguous and unlinked parcels, firms declaring land unlinked."""

    owner_columns: str = "none"  # which owner columns the parcels carry: "code", "name", "both", "none"
    parcels: int = 0
    parcels_with_owner: int = 0
    parcels_linked: int = 0
    firms: int = 0
    by_table: list[str] = field(default_factory=list)  # firm credit codes, each under its first method
    by_code: list[str] = field(default_factory=list)
    by_name: list[str] = field(default_factory=list)
    ambiguous: list[dict[str, Any]] = field(default_factory=list)  # parcel_id, owner, candidates, reason
    declaring_unlinked: list[str] = field(default_factory=list)  # firms with land in their table, no parcel
    owner_without_firm: list[dict[str, Any]] = field(default_factory=list)  # parcel_id, owner, hints
    table_ignored: list[dict[str, Any]] = field(default_factory=list)  # link-table rows not applied, and why

    @property
    def no_links(self) -> bool:
        """Both layers hold features and no firm is linked to any parcel."""
        return self.parcels > 0 and self.firms > 0 and self.parcels_linked == 0

    @property
    def firms_linked(self) -> int:
        return len(self.by_table) + len(self.by_code) + len(self.by_name)

    def counts(self) -> dict[str, int]:
        return {"parcels": self.parcels, "parcels_with_owner": self.parcels_with_owner,
                "parcels_linked": self.parcels_linked, "firms": self.firms, "firms_linked": self.firms_linked,
                "by_table": len(self.by_table), "by_code": len(self.by_code), "by_name": len(self.by_name),
                "ambiguous": len(self.ambiguous), "declaring_unlinked": len(self.declaring_unlinked),
                "owner_without_firm": len(self.owner_without_firm), "table_ignored": len(self.table_ignored)}

    def to_dict(self) -> dict[str, Any]:
        """The `links` section of `score --json`: counts, then the lists."""
        d = asdict(self)
        return {"owner_columns": d.pop("owner_columns"), "no_links": self.no_links, "counts": self.counts(),
                **{k: v for k, v in d.items() if isinstance(v, list)}}

    def problems(self) -> list[Problem]:
        """Evaluation warnings: an error when nothing links, warnings for ambiguous parcels and ignored table rows."""
        out = []
        if self.no_links:
            why = {"none": "the parcels carry no owner code or name column",
                   "code": "no parcel's owner credit code matches a firm",
                   "name": "no parcel's owner name matches a firm name",
                   "both": "no parcel's owner code or name matches a firm"}[self.owner_columns]
            out.append(Problem(
                "error", "no_land_links",
                f"没有企业关联到宗地：亩均指标只能用企业表自报的用地面积 (no firm is linked to any parcel: {why}; "
                f"{self.parcels} parcels, {self.firms} firms — per-mu output uses only land areas declared in the "
                "enterprise table; map the parcels' owner column (权利人 / 统一社会信用代码) or import a land_links table)",
                layer="parcels", message_zh=f"{t('links_none', 'zh')}（宗地 {self.parcels} 宗，企业 {self.firms} 家）"))
        for a in self.ambiguous:
            out.append(Problem("warning", "ambiguous_owner",
                               f"owner {a['owner']!r} not linked ({a['reason']}): candidates {', '.join(a['candidates'])}",
                               layer="parcels", feature=str(a["parcel_id"]), field="owner_name",
                               message_zh=f"权利人 {a['owner']!r} 未关联（{_REASONS_ZH.get(a['reason'], a['reason'])}）："
                                          f"候选企业 {'、'.join(a['candidates'])}"))
        for r in self.table_ignored:
            out.append(Problem("warning", "link_ignored", f"link {r['uscc']} ↔ {r['parcel_id']} ignored: {r['reason']}",
                               layer="land_links", feature=str(r["parcel_id"]),
                               message_zh=f"关联 {r['uscc']} ↔ {r['parcel_id']} 被忽略："
                                          f"{_REASONS_ZH.get(r['reason'], r['reason'])}"))
        return out


@dataclass
class LandLinks:
    """Per parcel (aligned with the parcels frame): the linked firm's code and the method; and the report."""

    firm: pd.Series
    method: pd.Series
    report: LinkReport


def owner_columns(columns) -> str:
    """"code", "name", "both" or "none": which owner columns a parcels table maps."""
    cols = set(columns)
    code, name = "owner_uscc" in cols, "owner_name" in cols
    return "both" if code and name else "code" if code else "name" if name else "none"


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series([None] * len(frame), index=frame.index, dtype=object)


def link_parcels(parcels: pd.DataFrame, enterprises: pd.DataFrame,
                 link_table: pd.DataFrame | None = None) -> LandLinks:
    """Link each parcel to at most one firm (module docstring) and report how.

    Owners repeat across their parcels, so codes and names are normalised and matched once per distinct value;
    per parcel there are only array lookups."""
    n = len(parcels)
    cols = [c for c in ("owner_uscc", "owner_name") if c in parcels.columns and parcels[c].notna().any()]
    report = LinkReport(owner_columns=owner_columns(cols), parcels=n)
    firms = pd.DataFrame(enterprises.drop(columns="geometry", errors="ignore")) if len(enterprises) else pd.DataFrame()
    code_of, by_name = _firm_keys(firms)
    report.firms = len(code_of)
    firm = np.full(n, None, dtype=object)
    method = np.full(n, None, dtype=object)
    decided = np.zeros(n, dtype=bool)  # linked, or left unlinked on purpose (ambiguous)
    if link_table is not None and len(link_table) and {"uscc", "parcel_id"} <= set(link_table.columns):
        _apply_table(link_table, _parcel_ids(parcels, np.arange(n)), code_of, firm, method, decided, report)
    # per distinct owner code / name, with a last slot for the parcels without one (position -1)
    code_pos, code_values = _distinct(parcels, "owner_uscc")
    name_pos, name_values = _distinct(parcels, "owner_name")
    codes = np.concatenate([normalise_codes(pd.Series(code_values, dtype=object)), np.array([None], dtype=object)])
    coded_firm = np.array([None if c is None else code_of.get(c) for c in codes], dtype=object)[code_pos]
    names = np.empty(len(name_values) + 1, dtype=object)  # filled one by one: numpy would broadcast the lists
    for k, value in enumerate(name_values):
        names[k] = _split_owners(value)
    names[-1] = []
    named = np.array([bool(v) for v in names], dtype=bool)[name_pos]
    has_owner = pd.notna(codes)[code_pos] | named | (method == "table")
    by_code = ~decided & pd.notna(coded_firm)
    firm[by_code] = coded_firm[by_code]
    method[by_code] = "code"
    todo = np.flatnonzero(~decided & ~by_code & named)  # only parcels whose owner is named but not coded
    distinct_todo, which = np.unique(name_pos[todo], return_inverse=True)
    matches = [_match_names(names[k], by_name) for k in distinct_todo]
    pids = _parcel_ids(parcels, todo)
    owners = parcels["owner_name"].iloc[todo].to_numpy(dtype=object) if len(todo) else todo
    for i, pid, owner, (linked, ambiguous) in zip(todo, pids, owners, (matches[w] for w in which)):
        if linked is not None:
            firm[i], method[i] = linked, "name"
        elif ambiguous is not None:
            report.ambiguous.append({"parcel_id": str(pid), "owner": str(owner), **ambiguous})
    _summarise(report, firms, parcels, firm, method, has_owner, by_name)
    return LandLinks(pd.Series(firm, index=parcels.index, name=FIRM_COLUMN, dtype=object),
                     pd.Series(method, index=parcels.index, name=METHOD_COLUMN, dtype=object), report)


def _distinct(frame: pd.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(position of each row's value among the column's distinct values, -1 where missing; the distinct values as
    objects); every row missing when there is no such column."""
    if name not in frame.columns:
        return np.full(len(frame), -1, dtype=np.intp), np.empty(0, dtype=object)
    return _factorize(frame[name])


def _factorize(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position of each value among the distinct values, -1 where missing; the distinct values as objects).
    Mixed objects are told apart by type as well: 7 and 7.0 (or 1 and True) are equal in Python but read "7" and
    "7.0", so merging them would make a result depend on which row comes first."""
    column = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    if column.dtype != object:  # text or numbers of one type: equal values are equal as text too
        positions, distinct = pd.factorize(column, use_na_sentinel=True)
        return np.asarray(positions, dtype=np.intp), np.asarray(distinct, dtype=object)
    raw = column.to_numpy(dtype=object)
    missing = pd.isna(raw)
    keys = pd.Series([None if m else (type(v), v) for v, m in zip(raw, missing)], dtype=object)
    positions = np.asarray(pd.factorize(keys, use_na_sentinel=True)[0], dtype=np.intp)
    first = np.full(int(positions.max()) + 1 if len(positions) else 0, -1, dtype=np.intp)
    present = np.flatnonzero(positions >= 0)
    first[positions[present[::-1]]] = present[::-1]  # the first row holding each distinct value
    return positions, raw[first]


def _parcel_ids(parcels: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """The parcel ids of rows `rows` as the report writes them (text; "row N" without a parcel_id column)."""
    if "parcel_id" in parcels.columns:
        return parcels["parcel_id"].iloc[rows].astype(str).to_numpy()
    return np.array([f"row {i + 1}" for i in rows], dtype=object)


def _per_distinct(values: np.ndarray, function: Any) -> np.ndarray:
    """`function` of each value, computed once per distinct value (an owner repeats across its parcels)."""
    out = np.empty(len(values), dtype=object)
    if len(values) == 0:
        return out
    codes, uniques = _factorize(values)
    # one slot per distinct value and a last one for the missing (code -1 indexes it); filled one by one, since
    # results may be lists, which numpy would broadcast
    results = np.empty(len(uniques) + 1, dtype=object)
    for k, u in enumerate(uniques):
        results[k] = function(u)
    results[-1] = function(None) if (codes < 0).any() else None
    out[:] = results[codes]
    return out


# Why a parcel or a link-table row was not linked, in Chinese (the reasons below and in _apply_table, _match).
_REASONS_ZH = {"several firms in the link table": "关联表中对应多家企业", "several owner names": "权利人名称对应多家企业",
               "several firms with this name": "同名企业有多家", "empty code or parcel id": "信用代码或宗地编号为空",
               "no firm has this code": "没有企业使用此信用代码", "no parcel has this id": "没有此编号的宗地"}


def _firm_keys(firms: pd.DataFrame) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Code as compared → code as written (first row of a duplicated code); normalised name → codes."""
    codes_raw = _column(firms, "uscc").to_numpy(dtype=object)
    table = pd.DataFrame({"key": normalise_codes(_column(firms, "uscc")), "raw": [str(v) for v in codes_raw],
                          "name": normalise_names(_column(firms, "name"))}, dtype=object)
    coded = table[pd.notna(table["key"])]
    first = coded.drop_duplicates("key")  # a duplicated code is written as its first row writes it
    code_of = dict(zip(first["key"], first["raw"]))
    named = coded[pd.notna(coded["name"])].assign(written=lambda f: f["key"].map(code_of)).drop_duplicates(["name", "written"])
    # names in order of first appearance, each with its firms' codes in row order
    by_name: dict[str, list[str]] = {}
    for name, written in zip(named["name"].to_numpy(), named["written"].to_numpy()):
        by_name.setdefault(name, []).append(written)
    return code_of, by_name


def _stripped(values: np.ndarray) -> np.ndarray:
    """`str(v).strip()` of every value (object array of text): text that starts and ends with a letter, digit or CJK
    ideograph is taken as it is (one vectorised test), the rest is converted once per distinct value."""
    out = np.empty(len(values), dtype=object)
    if not len(values):
        return out
    column = pd.Series(values, dtype=object)
    # text only (others are written by str()): every present value is text in a column of text, the usual case
    is_text = (~np.asarray(pd.isna(values), dtype=bool) if pd.api.types.infer_dtype(values, skipna=True) == "string"
               else np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values)))
    plain, _text = _already(column.where(is_text), _UNPADDED)
    plain &= is_text
    out[plain] = values[plain]
    rest = np.flatnonzero(~plain)
    missing = np.asarray(pd.isna(values[rest]), dtype=bool)
    out[rest[missing]] = [str(v).strip() for v in values[rest[missing]]]  # None, NaN …: as str() writes each
    out[rest[~missing]] = _per_distinct(values[rest[~missing]], lambda v: str(v).strip())
    return out


def _apply_table(link_table: pd.DataFrame, pids: np.ndarray, code_of: dict[str, str], firm: np.ndarray,
                 method: np.ndarray, decided: np.ndarray, report: LinkReport) -> None:
    """Link the parcels the link table names (in place); report rows it cannot apply and parcels it lists twice.

    Vectorised over parcels and rows: parcel ids and codes are compared as trimmed text (`str(v).strip()`, codes
    normalised); each parcel id the table names, in the order the table first names it, is linked to its one firm,
    or reported with its several firms (in the order the table names them)."""
    parcel_keys = _stripped(pids)
    raw_codes = link_table["uscc"].to_numpy(dtype=object)
    keys = normalise_codes(pd.Series(raw_codes, dtype=object))
    raw_pids = link_table["parcel_id"].to_numpy(dtype=object)
    missing_pid = np.asarray(pd.isna(raw_pids), dtype=bool)
    pid_s = np.full(len(raw_pids), "", dtype=object)
    pid_s[~missing_pid] = _stripped(raw_pids[~missing_pid])
    # parcel ids of parcels and rows numbered together (one hashing pass), firm codes by their place in code_of
    ids = pd.factorize(pd.Series(np.concatenate([parcel_keys, pid_s]), dtype="string"))[0]
    parcel_id, row_id = ids[:len(parcel_keys)], ids[len(parcel_keys):]
    written = np.array(list(code_of.values()), dtype=object)
    firm_of_row = pd.Index(list(code_of.keys()), dtype=object).get_indexer(pd.Series(keys, dtype=object).fillna(""))
    has_parcels = np.zeros(int(ids.max()) + 1 if len(ids) else 0, dtype=bool)
    has_parcels[parcel_id] = True
    empty = pd.isna(keys) | (pid_s == "")
    reason = np.select([empty, firm_of_row < 0, ~has_parcels[row_id]],
                       ["empty code or parcel id", "no firm has this code", "no parcel has this id"], default="")
    for row in np.flatnonzero(reason != ""):
        report.table_ignored.append({"uscc": str(raw_codes[row]), "parcel_id": pid_s[row], "reason": reason[row]})
    valid = np.flatnonzero(reason == "")
    # each (parcel id, firm) once, in the table's order; parcel ids in the order the table first names them
    pairs = pd.DataFrame({"pid": row_id[valid], "firm": firm_of_row[valid]})
    pairs = pairs[~pairs.duplicated()]
    pid_of, firm_at = pairs["pid"].to_numpy(), pairs["firm"].to_numpy()
    pair_row = valid[pairs.index.to_numpy()]  # the table row of each pair
    firms_per_pid = np.bincount(pid_of, minlength=len(has_parcels))
    decided |= firms_per_pid[parcel_id] > 0
    only_firm = np.full(len(has_parcels), -1, dtype=np.intp)
    single = firms_per_pid[pid_of] == 1
    only_firm[pid_of[single]] = firm_at[single]
    one = only_firm[parcel_id] >= 0
    firm[one] = written[only_firm[parcel_id[one]]]
    method[one] = "table"
    several = np.flatnonzero(firms_per_pid[pid_of] > 1)
    if len(several):
        first_seen = np.full(len(has_parcels), len(pid_of), dtype=np.intp)
        np.minimum.at(first_seen, pid_of[several], several)
        order = several[np.lexsort((several, first_seen[pid_of[several]]))]  # by first naming, then table order
        cuts = np.flatnonzero(np.diff(pid_of[order])) + 1
        for group in np.split(order, cuts):
            report.ambiguous.append({"parcel_id": pid_s[pair_row[group[0]]], "owner": "",
                                     "candidates": list(written[firm_at[group]]),
                                     "reason": "several firms in the link table"})


def _match_names(names: list[str], by_name: dict[str, list[str]]) -> tuple[str | None, dict[str, Any] | None]:
    """(the firm an owner name links to, None) or (None, the ambiguity to report) or (None, None): no firm."""
    if len(names) > 1:
        hits = [c for nm in names for c in by_name.get(normalise_name(nm) or "", [])]
        return None, ({"candidates": list(dict.fromkeys(hits)), "reason": "several owner names"} if hits else None)
    if not names:
        return None, None
    hits = by_name.get(normalise_name(names[0]) or "", [])
    if len(hits) == 1:
        return hits[0], None
    return None, ({"candidates": list(hits), "reason": "several firms with this name"} if hits else None)


def _summarise(report: LinkReport, firms: pd.DataFrame, parcels: pd.DataFrame, firm: np.ndarray, method: np.ndarray,
               has_owner: np.ndarray, by_name: dict[str, list[str]]) -> None:
    """Fill the report's counts and lists from the per-parcel result."""
    report.parcels_with_owner = int(has_owner.sum())
    linked = pd.notna(firm)
    report.parcels_linked = int(linked.sum())
    seen: set[str] = set()  # each firm under its first method in the order table, code, name
    for m, bucket in zip(METHODS, (report.by_table, report.by_code, report.by_name)):
        for code in dict.fromkeys(firm[method == m]):
            if code not in seen:
                seen.add(code)
                bucket.append(code)
    ambiguous_pids = {a["parcel_id"] for a in report.ambiguous}
    orphans = np.flatnonzero(has_owner & ~linked)
    owner_codes = _column(parcels, "owner_uscc").iloc[orphans].to_numpy(dtype=object)
    owner_names = _column(parcels, "owner_name").iloc[orphans].to_numpy(dtype=object)
    # the branch hints compare an owner with every firm name: once per distinct owner, not per parcel
    hints = _per_distinct(owner_names, lambda name: _branch_hints(name, by_name))
    for pid, code, name, hint in zip(_parcel_ids(parcels, orphans), owner_codes, owner_names, hints):
        if str(pid) in ambiguous_pids:
            continue
        owner = " / ".join(str(v) for v in (code, name) if v is not None and not pd.isna(v))
        report.owner_without_firm.append({"parcel_id": str(pid), "owner": owner, "hints": list(hint)})
    report.declaring_unlinked = _declaring_unlinked(firms, seen)


def _branch_hints(owner: Any, by_name: dict[str, list[str]]) -> list[str]:
    """Firms that are a branch of the owner, or its parent, when the owner itself is not a firm (not linked)."""
    names = _split_owners(owner)
    key = normalise_name(names[0]) if len(names) == 1 else None
    if not key:
        return []
    out = []
    for other, codes in by_name.items():
        if other == key:
            continue
        if (other.startswith(key) and is_branch(other[len(key):])) or (key.startswith(other) and is_branch(key[len(other):])):
            out += codes
    return out[:5]


def _declaring_unlinked(firms: pd.DataFrame, linked: set[str]) -> list[str]:
    """Firms whose table declares land (land_area_mu or land_area_m2 > 0) but which no parcel links to."""
    if not len(firms) or "uscc" not in firms.columns:
        return []
    declared = np.zeros(len(firms), dtype=bool)
    for column in ("land_area_mu", "land_area_m2"):
        if column in firms.columns:
            declared |= (pd.to_numeric(firms[column], errors="coerce").fillna(0.0).to_numpy(dtype=float) > 0)
    codes = firms["uscc"].to_numpy()
    return list(dict.fromkeys(str(c) for c, d in zip(codes, declared)
                              if d and normalise_code(c) is not None and str(c) not in linked))


def link_parcels_frame(parcels: pd.DataFrame, enterprises: pd.DataFrame,
                       link_table: pd.DataFrame | None = None) -> tuple[pd.DataFrame, LinkReport]:
    """`parcels` with FIRM_COLUMN and METHOD_COLUMN added, and the report."""
    links = link_parcels(parcels, enterprises, link_table)
    out = parcels.copy()
    out[FIRM_COLUMN] = links.firm.to_numpy()
    out[METHOD_COLUMN] = links.method.to_numpy()
    return out, links.report


def owner_key(parcels: pd.DataFrame) -> np.ndarray:
    """Per parcel, the firm it belongs to: the linked firm when linked, else (hand-built inputs) owner_uscc."""
    column = FIRM_COLUMN if FIRM_COLUMN in parcels.columns else "owner_uscc"
    if column not in parcels.columns:
        return np.full(len(parcels), None, dtype=object)
    return parcels[column].astype("string").to_numpy()


def owner_keys(parcels: pd.DataFrame) -> pd.Series:
    """`owner_key` as a text Series on positions 0..n-1: grouping by it runs in Arrow, not on Python strings."""
    column = FIRM_COLUMN if FIRM_COLUMN in parcels.columns else "owner_uscc"
    values = parcels[column] if column in parcels.columns else pd.Series(pd.NA, index=parcels.index)
    return values.astype("string").reset_index(drop=True)


def owner_columns_text(columns: str, lang: str = "zh") -> str:
    """"code" / "name" / "both" / "none" as a reader says it."""
    texts = {"code": t("links_cols_code", lang), "name": t("links_cols_name", lang),
             "both": t("links_cols_both", lang), "none": t("links_cols_none", lang)}
    return texts.get(columns, columns)


def summary_lines(links: dict[str, Any], lang: str = "zh") -> list[str]:
    """The link report (`LinkReport.to_dict()`) as the lines `score` prints and the app shows."""
    c = links["counts"]
    lines = [f"{t('links_owner_columns', lang)}: {owner_columns_text(links['owner_columns'], lang)}",
             t("links_firms", lang).format(firms=c["firms"], linked=c["firms_linked"], table=c["by_table"],
                                           code=c["by_code"], name=c["by_name"], declaring=c["declaring_unlinked"]),
             t("links_parcels", lang).format(parcels=c["parcels"], owned=c["parcels_with_owner"], linked=c["parcels_linked"],
                                             orphan=c["owner_without_firm"], ambiguous=c["ambiguous"])]
    if links.get("no_links"):
        lines.append(t("links_none", lang))
    return lines
