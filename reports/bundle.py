"""Export several formats at once, atomically: everything is written into a staging folder beside
OUTDIR and moved in only when every format succeeded, so an error leaves OUTDIR as it was.

The unit selection (and --redact) is applied once, before any writer runs (reports/scope.py): every format
receives the same scoped, possibly pseudonymised evaluation, so no format can carry more than another."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analysis.inputs import EvaluationInputs
from analysis.score import Evaluation, to_json
from layers.problems import InputError, UsageError
from reports import FILE_STEM, FORMATS, find_cjk_font, select_units

LANGS = ("zh", "en")
EXPORT_ORDER = ("json", "xlsx", "gpkg", "html", "docx", "pdf")  # quick formats first: a bad input fails fast


def export_json(ev: Evaluation, path: Path, *, inputs: EvaluationInputs | None = None,
                unit_ids: list[str] | None = None) -> Path:
    """The `score --json` document of a scoped evaluation (reports/scope.py) with its `meta` block, floats rounded
    to `[report] json_digits`; an evaluation not yet scoped is scoped here to `unit_ids` (then `inputs` is needed)."""
    from reports.scope import scope_export, scope_of

    if scope_of(ev) is None:
        if unit_ids and inputs is None:
            raise UsageError("export_json: scoping a unit selection needs the evaluation inputs")
        if inputs is not None:
            ev, _ = scope_export(ev, inputs, unit_ids)
    scope = scope_of(ev)
    document = to_json(ev, units_requested=scope.unit_ids if scope is not None else None,
                       redacted=bool(scope is not None and scope.redacted), digits=ev.config.report.json_digits)
    _write_text(path, json.dumps(document, ensure_ascii=False, indent=2, default=str))
    return path


def _write_text(path: Path, text: str) -> None:
    """Write `path` atomically: a temp file in the same folder, then a rename."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; an export is shared like any file
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def parse_formats(formats: list[str] | str) -> list[str]:
    """Formats in export order, checked; an unknown one is an InputError naming the valid ones."""
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    wanted = {f.strip().lower() for f in items if f and f.strip()}
    unknown = sorted(wanted - set(FORMATS))
    if unknown or not wanted:
        raise InputError(f"unknown export format {','.join(unknown) or '(empty)'}: choose one or more of {','.join(FORMATS)}")
    return [f for f in EXPORT_ORDER if f in wanted]


def export_all(ev: Evaluation, inputs: EvaluationInputs, out_dir: Path, formats: list[str], *, lang: str = "zh",
               unit_ids: list[str] | None = None, progress: Callable[[str], None] | None = None,
               redact: bool = False, secret: bytes | None = None, firm_level: bool = True) -> dict[str, Path]:
    """Write every requested format into `out_dir` as `score.<ext>`; all or nothing. Only the units `unit_ids`
    (default all), their member firms and their parcels are written; `redact` replaces firms and parcel owners by
    the project's keyed pseudonyms (key `secret`, else the project's own: reports/redact.py `project_secret_for`).
    `firm_level=False` writes aggregates only, in every format (reports/scope.py `aggregates_only`): no firm table,
    member list, firm point, parcel owner or 达产复核 — what a viewer may export; it needs no project key."""
    from reports.redact import project_secret_for
    from reports.scope import scope_export

    say = progress or (lambda _m: None)
    wanted = parse_formats(formats)
    if lang not in LANGS:
        raise InputError(f"language {lang}: choose zh or en")
    select_units(ev.units, unit_ids)  # unknown ids fail before anything is written
    if redact and firm_level and secret is None:
        secret = project_secret_for(inputs)  # a read-only project folder fails here, before anything is written
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: exists and is not a folder")
    font = find_cjk_font() if {"pdf", "docx"} & set(wanted) else None
    ev, inputs = scope_export(ev, inputs, unit_ids, secret=secret if redact else None, lang=lang, firm_level=firm_level)
    _say_scope(ev, say)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.export-", dir=out_dir.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)  # mkdtemp makes it private; OUTDIR should get the usual permissions
    written: dict[str, str] = {}
    try:
        for fmt in wanted:
            start = time.perf_counter()
            target = staging / f"{FILE_STEM}.{fmt}"
            _export_one(fmt, ev, inputs, target, lang=lang, unit_ids=unit_ids, progress=say, font=font)
            written[fmt] = target.name
            say(f"{fmt}: {target.name} in {time.perf_counter() - start:.1f} s")
        _commit(staging, out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return {fmt: out_dir / name for fmt, name in written.items()}


def _say_scope(ev: Evaluation, say: Callable[[str], None]) -> None:
    """One progress line: what the export holds (units, firms and parcels kept of all, pseudonymised or not)."""
    from reports.scope import scope_of

    scope = scope_of(ev)
    if scope is None:
        return
    c: dict[str, Any] = scope.counts
    say(f"scope: {len(ev.units)} units, {c.get('firms')}/{c.get('firms_all')} firms, {c.get('parcels')}/{c.get('parcels_all')} "
        f"parcels, {c.get('warnings')}/{c.get('warnings_all')} issues{', pseudonymised' if scope.redacted else ''}")


def _export_one(fmt: str, ev: Evaluation, inputs: EvaluationInputs, target: Path, *, lang: str,
                unit_ids: list[str] | None, progress: Callable[[str], None], font) -> None:
    """Write one format of the (already scoped) evaluation."""
    if fmt == "json":
        export_json(ev, target)
    elif fmt == "xlsx":
        from reports.excel import export_xlsx

        export_xlsx(ev, target, lang=lang, unit_ids=unit_ids, progress=progress)
    elif fmt == "gpkg":
        from reports.gpkg import export_gpkg

        export_gpkg(ev, inputs, target, lang=lang, unit_ids=unit_ids, progress=progress)
    elif fmt == "html":
        from reports.html import export_html

        export_html(ev, inputs, target, lang=lang, unit_ids=unit_ids, progress=progress)
    elif fmt == "docx":
        from reports.docx import export_docx  # the Word report (reports/docx.py)

        export_docx(ev, inputs, target, lang=lang, unit_ids=unit_ids, progress=progress, font=font)
    elif fmt == "pdf":
        from reports.pdf import export_pdf

        export_pdf(ev, inputs, target, lang=lang, unit_ids=unit_ids, progress=progress, font=font)


def _commit(staging: Path, out_dir: Path) -> None:
    """Move the staged files in: a rename of the folder when OUTDIR is new, else one rename per file
    (same filesystem, so each is atomic; other files already in OUTDIR are kept)."""
    if not out_dir.exists():
        os.replace(staging, out_dir)
        return
    for item in sorted(staging.iterdir()):
        os.replace(item, out_dir / item.name)
    staging.rmdir()


__all__ = ["export_all", "export_json", "parse_formats"]
