"""Export several formats at once, atomically: everything is written into a staging folder beside
OUTDIR and moved in only when every format succeeded, so an error leaves OUTDIR as it was."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from analysis.inputs import EvaluationInputs
from analysis.score import Evaluation, to_json
from layers.problems import InputError
from reports import FILE_STEM, FORMATS, find_cjk_font, select_units

LANGS = ("zh", "en")


def export_json(ev: Evaluation, path: Path, *, unit_ids: list[str] | None = None) -> Path:
    """The `score --json` document (only the chosen units when `unit_ids` is given)."""
    document = to_json(ev)
    if unit_ids:
        keep = {str(ev.units["unit_id"].iloc[p]) for p in select_units(ev.units, unit_ids)}
        document["units"] = [u for u in document["units"] if str(u["unit_id"]) in keep]
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return path


def parse_formats(formats: list[str] | str) -> list[str]:
    """Formats in export order, checked; an unknown one is an InputError naming the valid ones."""
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    wanted = {f.strip().lower() for f in items if f and f.strip()}
    unknown = sorted(wanted - set(FORMATS))
    if unknown or not wanted:
        raise InputError(f"unknown export format {','.join(unknown) or '(empty)'}: choose one or more of {','.join(FORMATS)}")
    order = ("json", "xlsx", "gpkg", "html", "pdf")  # quick formats first: a bad input fails fast
    return [f for f in order if f in wanted]


def export_all(ev: Evaluation, inputs: EvaluationInputs, out_dir: Path, formats: list[str], *, lang: str = "zh",
               unit_ids: list[str] | None = None, progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Write every requested format into `out_dir` as `score.<ext>`; all or nothing."""
    say = progress or (lambda _m: None)
    wanted = parse_formats(formats)
    if lang not in LANGS:
        raise InputError(f"language {lang}: choose zh or en")
    select_units(ev.units, unit_ids)  # unknown ids fail before anything is written
    font = find_cjk_font() if "pdf" in wanted else None
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: exists and is not a folder")
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


def _export_one(fmt: str, ev: Evaluation, inputs: EvaluationInputs, target: Path, *, lang: str,
                unit_ids: list[str] | None, progress: Callable[[str], None], font) -> None:
    if fmt == "json":
        export_json(ev, target, unit_ids=unit_ids)
    elif fmt == "xlsx":
        from reports.excel import export_xlsx

        export_xlsx(ev, target, lang=lang, unit_ids=unit_ids, progress=progress)
    elif fmt == "gpkg":
        from reports.gpkg import export_gpkg

        export_gpkg(ev, inputs, target, lang=lang, unit_ids=unit_ids, progress=progress)
    elif fmt == "html":
        from reports.html import export_html

        export_html(ev, inputs, target, lang=lang, unit_ids=unit_ids, progress=progress)
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
