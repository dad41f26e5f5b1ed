"""Columns recognised by what they hold, not only by their headers.

Bureau exports shorten or invent headers (a credit-code column called 代码, QLRZJH, 证件号 …).
A column whose filled cells are valid GB 32100 credit codes is the layer's credit-code field
whatever it is called; a column a header put in that field but whose cells are names is not.
The thresholds live in `landpark.toml` `[import]`.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd

from layers.aliases import ColumnMatch
from layers.uscc import clean_uscc, is_valid_uscc

# The credit-code field and the owner-name field of each layer kind that has them.
CODE_FIELD = {"enterprises": "uscc", "parcels": "owner_uscc", "land_links": "uscc"}
NAME_FIELD = {"enterprises": "name", "parcels": "owner_name"}
_HAN = re.compile(r"[\u3400-\u9fff]")
MIN_FILLED = 3  # fewer filled cells than this say nothing about a column


def _filled(values: pd.Series) -> pd.Series:
    """The non-empty cells of a column as cleaned text (full-width folded, spaces removed, upper case)."""
    present = values[values.notna()]
    text = present.map(clean_uscc)
    return text[text != ""]


def valid_code_share(values: pd.Series) -> tuple[float, int]:
    """(share of filled cells that are valid credit codes, number of filled cells)."""
    filled = _filled(values)
    if filled.empty:
        return 0.0, 0
    unique = pd.unique(filled)
    valid = {c for c in unique if is_valid_uscc(c)}
    return float(filled.isin(valid).mean()), len(filled)


def name_share(values: pd.Series) -> float:
    """Share of filled cells that read as a name (contain a Chinese character)."""
    filled = _filled(values)
    if filled.empty:
        return 0.0
    return float(filled.str.contains(_HAN).mean())


def match_by_values(frame: pd.DataFrame, positions: list[int], matches: list[ColumnMatch], kind: str,
                    overrides: dict[str, str] | None, *, min_share: float) -> list[ColumnMatch]:
    """Correct header matches with what the columns hold.

    1. A credit-code field no header filled takes the unmatched column whose filled cells are valid
       codes in at least `min_share` (and at least MIN_FILLED cells); two such columns are ambiguous
       and neither is taken.
    2. A column a header (not the user) put in the credit-code field, holding no valid code and names
       in at least `min_share` of its cells, is moved to the name field when that is free, else left
       unused, with the reason.
    The user's overrides are never changed.
    """
    code_field = CODE_FIELD.get(kind)
    if code_field is None:
        return matches
    forced = set(overrides or {})
    out = list(matches)
    name_field = NAME_FIELD.get(kind)
    for k, m in enumerate(out):
        if m.mapped_field != code_field or m.column in forced:
            continue
        share, n = valid_code_share(frame.iloc[:, positions[k]])
        if n >= MIN_FILLED and share == 0.0 and name_share(frame.iloc[:, positions[k]]) >= min_share:
            name_taken = any(o.mapped_field == name_field for o in out)
            if name_field and not name_taken:
                out[k] = replace(m, field=name_field, how="values", quality=1,
                                 note=f"column {m.column!r} looks like {code_field} by its header but holds names, "
                                      f"not credit codes (none of {n} valid); read as {name_field}",
                                 note_zh=f"列 {m.column!r} 按字段名像 {code_field}，但取值是名称而非信用代码"
                                         f"（{n} 个均无效）；按 {name_field} 读取")
            else:
                out[k] = replace(m, field=None, how="contradicted",
                                 note=f"column {m.column!r} looks like {code_field} by its header but holds names, "
                                      f"not credit codes (none of {n} valid); not used",
                                 note_zh=f"列 {m.column!r} 按字段名像 {code_field}，但取值是名称而非信用代码"
                                         f"（{n} 个均无效）；不使用")
    if any(m.mapped_field == code_field for m in out) or code_field in (overrides or {}).values():
        return out
    candidates: list[tuple[int, float, int]] = []
    for k, m in enumerate(out):
        if m.how != "unmatched" or m.column in forced:
            continue
        share, n = valid_code_share(frame.iloc[:, positions[k]])
        if n >= MIN_FILLED and share >= min_share:
            candidates.append((k, share, n))
    if len(candidates) == 1:
        k, share, n = candidates[0]
        m = out[k]
        out[k] = ColumnMatch(m.column, code_field, "values", quality=1,
                             note=f"column {m.column!r} has no known header but {share:.0%} of its {n} filled cells "
                                  f"are valid credit codes (GB 32100); read as {code_field}",
                             note_zh=f"列 {m.column!r} 的字段名无法识别，但 {n} 个非空取值中 {share:.0%} 是有效的统一社会信用代码"
                                     f"（GB 32100）；按 {code_field} 读取")
    elif len(candidates) > 1:
        names = ", ".join(repr(out[k].column) for k, _, _ in candidates)
        for k, _, _ in candidates:
            m = out[k]
            out[k] = ColumnMatch(m.column, code_field, "ambiguous",
                                 note=f"columns {names} all hold valid credit codes; map one to {code_field} "
                                      f"with --map",
                                 note_zh=f"列 {names} 均为有效的统一社会信用代码；请指定其中一列对应 {code_field}")
    return out
