"""The field mapping of a source as an editable table, and the user's edits as `overrides`.

`overrides` is what `validate_source` / `import_source` take (interpreted by
`layers.aliases.match_columns`): `{source column: canonical field}` forces a mapping (it wins
over any automatic match of that field, which then counts as a duplicate), and
`{source column: ""}` ignores a column. Two overrides naming one field are refused there, so
`apply_edits` keeps at most one column per field: the column the user just assigned.

The mapping an import used (`used_mapping`) is saved with the project (`Project.save_mapping`)
and offered at the next import of that kind (`with_saved`): the CLI applies it to the columns
the new source has, the app pre-fills its mapping table with it; the user's edits win.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from layers.aliases import ColumnMatch, fields_of, match_columns

__all__ = ["field_options", "mapping_rows", "apply_edits", "used_mapping", "with_saved"]

UNUSED = ""  # the option meaning "do not use this column"


def field_options(kind: str) -> list[str]:
    """The choices of the mapping dropdown: "" (not used), then every field of `kind` in schema order."""
    return [UNUSED, *[f.name for f in fields_of(kind)]]


def mapping_rows(columns: list[str], kind: str, mapping: Mapping[str, str], *,
                 overrides: Mapping[str, str] | None = None, sample: Mapping[str, str] | None = None,
                 matches: Iterable[ColumnMatch] | None = None, lang: str = "en") -> pd.DataFrame:
    """One row per source column: column, sample (first decoded value), field (what the validation
    mapped it to, "" when unused), how (override, ignored, canonical, alias, prefix, unmatched,
    ambiguous, duplicate, unit_mismatch) and note (in `lang`).

    `mapping` is the report's final mapping (it includes e.g. a 用地性质 column holding codes used as
    land_use), so the table shows what an import would write. `matches`: the validation's own column
    matches (they include columns recognised by their values); by default the headers are matched again.
    """
    overrides = dict(overrides or {})
    sample = dict(sample or {})
    by_column = {m.column: m for m in match_columns(columns, kind, overrides=overrides)}
    by_column.update({m.column: m for m in (matches or ())})
    rows = []
    for col in columns:
        m = by_column[col]
        rows.append({"column": col, "sample": sample.get(col, ""), "field": mapping.get(col, UNUSED) or UNUSED,
                     "how": m.how, "note": m.note_in(lang)})
    return pd.DataFrame(rows, columns=["column", "sample", "field", "how", "note"])


def apply_edits(overrides: Mapping[str, str], before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, str]:
    """New overrides after the user changed the mapping table from `before` to `after` ({column: field}).

    Every changed column becomes an override (None or "" = do not use it); an earlier override
    of another column to the same field is dropped, so a field is never claimed twice.
    """
    out = dict(overrides)
    for column, field in after.items():
        field = field or UNUSED
        if field == (before.get(column) or UNUSED):
            continue
        if field:
            out = {c: f for c, f in out.items() if f != field or c == column}
        out[column] = field
    return out


def used_mapping(mapping: Mapping[str, str], overrides: Mapping[str, str] | None) -> dict[str, str]:
    """What an import used, to save with the project: {column: field} plus {column: ""} for ignored columns."""
    ignored = {c: UNUSED for c, f in (overrides or {}).items() if not f and c not in mapping}
    return {**{c: f for c, f in mapping.items() if f}, **ignored}


def with_saved(kind: str, columns: list[str], saved: Mapping[str, str] | None,
               overrides: Mapping[str, str] | None, *, cut_columns: Iterable[str] = ()) -> tuple[dict[str, str], dict[str, str]]:
    """(overrides to use, the saved entries among them): the saved mapping for the `columns` the source has,
    then the user's `overrides` over it.

    A saved entry is dropped when the user set its column or its field, when `kind` no longer has its field
    (the schema changed since it was saved), or when the automatic matching gives the same anyway (so only
    the decisions the matcher would not make are replayed, and the table shows the rest as matched)."""
    user = dict(overrides or {})
    valid = set(field_options(kind))
    taken = {f for f in user.values() if f}
    present = set(columns)
    auto = {m.column: m.mapped_field for m in match_columns(columns, kind, cut_columns=cut_columns)}
    used = {c: f for c, f in (saved or {}).items()
            if c in present and c not in user and f in valid and not (f and f in taken) and auto.get(c) != f}
    return {**used, **user}, used
