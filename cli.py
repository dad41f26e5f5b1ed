"""`landpark` — the batch front door. Every command: --help; exit 0 success, 1 invalid input,
2 usage error; `--json` prints one JSON document on stdout (progress goes to stderr).

Usage errors (unknown choice, unknown unit id, an option that needs another) are raised here as
`typer.BadParameter` naming the flag and the valid choices; click turns them into exit 2. Errors
from the analysis carry no flag names: this module words them for the command line."""

from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
import getpass
import json
import math
import os
import sqlite3
import sys
import time
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from i18n import TEXT, field_label, layer_label, t
from i18n import feature_label as feature_text
from layers.problems import InputError, LandparkError, UsageError, error_text
from layers.schema import LAYERS

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Landpark: industrial land and park analysis (亩均评价, 供地, 保护线, 选址).")

KindOpt = Annotated[Optional[str], typer.Option("--kind", help=f"layer kind: {', '.join(LAYERS)}")]
LayerOpt = Annotated[Optional[str], typer.Option("--layer", help="layer / sheet / shapefile name inside the source")]
EncodingOpt = Annotated[Optional[str], typer.Option("--encoding", help="attribute encoding, e.g. gbk, utf-8 (default: detected)")]
CrsOpt = Annotated[Optional[str], typer.Option(
    "--crs", help="source CRS when it cannot be detected, e.g. EPSG:4549; GCJ-02 or BD-09 for web-map (高德/百度) "
    "lon/lat, converted to CGCS2000")]
LandUseOpt = Annotated[Optional[str], typer.Option(
    "--land-use-standard", help="gbt21010, ydyh2023 or gb50137 (default: detected, with a warning)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print one JSON document on stdout")]
MapOpt = Annotated[Optional[list[str]], typer.Option(
    "--map", help="SRC=field: read source column SRC as field (repeatable); SRC=- ignores the column")]
LANGS = ("zh", "en")
LAND_USE_STANDARDS = ("gbt21010", "ydyh2023", "gb50137")
SITE_METHODS = ("wsum", "topsis")
SITE_OUT_SUFFIXES = (".gpkg", ".geojson", ".json", ".csv")
SHOWN_CHOICES = 20  # valid ids listed in a usage error before "… (N in all)"


def choices_text(values: list[str] | tuple[str, ...], limit: int = SHOWN_CHOICES) -> str:
    """Valid choices as one comma list, truncated after `limit` with the total, so hundreds of ids stay readable."""
    shown = ", ".join(str(v) for v in list(values)[:limit])
    return shown + (f", … ({len(values)} in all)" if len(values) > limit else "") if values else "none"


def check_choice(value: str | None, choices: tuple[str, ...], flag: str) -> None:
    """A usage error (exit 2) listing `choices` unless `value` is None or one of them."""
    if value is not None and value not in choices:
        raise typer.BadParameter(f"{value!r} is not valid; choose one of: {choices_text(choices)}", param_hint=flag)


def _check_lang(value: str) -> str:
    """Option callback: --lang must be one of LANGS."""
    check_choice(value, LANGS, "--lang")
    return value


LangOpt = Annotated[str, typer.Option("--lang", help="zh or en", callback=_check_lang)]


def progress(message: str) -> None:
    """Progress and logs go to stderr so stdout stays clean for --json."""
    print(f"landpark: {message}", file=sys.stderr, flush=True)


def emit_json(document: Any) -> None:
    """`document` on stdout, indented, in one write: json.dump would make about two million small writes for the
    demo's document, each passed straight through when Python runs unbuffered (PYTHONUNBUFFERED, -u): 4 s, not 1."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n")


def fail(exc: LandparkError | Exception, as_json: bool, lang: str = "en") -> None:
    """Report invalid input (exit 1): the message names file, layer, feature and problem (in Chinese for lang zh,
    where the error carries it; --json keeps the English `error` and adds `error_zh`)."""
    problems = getattr(exc, "problems", [])
    zh = getattr(exc, "message_zh", "")
    if as_json:
        emit_json({"ok": False, "error": str(exc), **({"error_zh": zh} if zh else {}),
                   "problems": [p.to_dict() for p in problems]})
    elif lang == "zh":
        print(f"landpark：错误：{error_text(exc, lang)}", file=sys.stderr)
        for p in problems[:50]:
            text = p.text(lang) if hasattr(p, "text") else str(p)
            where = " / ".join(x for x in (getattr(p, "source", ""), getattr(p, "layer", ""),
                                          feature_text(getattr(p, "feature", ""), lang), getattr(p, "field", "")) if x)
            severity = t("severity_" + p.severity, lang) if hasattr(p, "severity") else ""
            print(f"  [{severity}] {where}：{text}" if where else f"  [{severity}] {text}", file=sys.stderr)
    else:
        print(f"landpark: error: {exc}", file=sys.stderr)
        for p in problems[:50]:
            print(f"  {p}", file=sys.stderr)
    raise typer.Exit(1)


def check_source_options(source: str, kind: str | None, standard: str | None, encoding: str | None,
                         json_out: bool) -> None:
    """The options validate and import share: choices are usage errors (exit 2), a missing source is input (exit 1)."""
    check_kind(kind)
    check_standard(standard)
    check_encoding(encoding)
    if not Path(source).exists():
        fail(InputError(f"{source}: no such file or folder"), json_out)


def check_kind(kind: str | None) -> None:
    """--kind must be a layer kind (usage error otherwise)."""
    check_choice(kind, tuple(LAYERS), "--kind")


def check_standard(standard: str | None) -> None:
    """--land-use-standard must be one of the three known standards."""
    check_choice(standard, LAND_USE_STANDARDS, "--land-use-standard")


def check_encoding(encoding: str | None) -> None:
    """--encoding must name a codec Python knows (e.g. gbk, gb18030, utf-8)."""
    if encoding is None:
        return
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise typer.BadParameter(f"unknown encoding {encoding!r}; use e.g. gbk, gb18030, utf-8",
                                 param_hint="--encoding") from None


def parse_maps(maps: list[str] | None, kind: str) -> dict[str, str] | None:
    """The --map SRC=field list as overrides ({column: field, "" = ignored}); None when not given.

    A field `kind` does not have, a malformed item, a column given twice or two columns for one field are
    usage errors (exit 2) listing the valid fields. Whether SRC exists is checked once the source is read."""
    if not maps:
        return None
    from layers.aliases import fields_of

    valid = [f.name for f in fields_of(kind)]
    out: dict[str, str] = {}
    for item in maps:
        column, sep, field = item.rpartition("=")
        field = field.strip()
        if not sep or not column or not field:
            raise typer.BadParameter(f"{item!r}: write SRC=field (SRC=- ignores the column); fields of {kind}: "
                                     f"{', '.join(valid)}", param_hint="--map")
        if field != "-" and field not in valid:
            raise typer.BadParameter(f"{item!r}: layer kind {kind} has no field {field!r}; its fields are: "
                                     f"{', '.join(valid)} (or - to ignore the column)", param_hint="--map")
        if column in out:
            raise typer.BadParameter(f"column {column!r} is given twice", param_hint="--map")
        target = "" if field == "-" else field
        if target and target in out.values():
            raise typer.BadParameter(f"several columns are mapped to {target}", param_hint="--map")
        out[column] = target
    return out


def map_usage(exc: Exception) -> typer.BadParameter:
    """A --map naming a column the source does not have (the message lists the columns)."""
    return typer.BadParameter(str(exc), param_hint="--map")


def parse_unit_ids(units: str | None) -> list[str] | None:
    """The --units comma list (None when not given); an empty list is a usage error."""
    if units is None:
        return None
    ids = [u.strip() for u in units.split(",") if u.strip()]
    if not ids:
        raise typer.BadParameter("give one or more unit ids, e.g. --units GY-R01,YQ02", param_hint="--units")
    return ids


def unknown_units_usage(exc, flag: str) -> typer.BadParameter:
    """A usage error for unit ids the project does not have, listing the valid ids (truncated)."""
    return typer.BadParameter(f"unknown unit id(s) {', '.join(exc.unknown)}; the project's units are: "
                              f"{choices_text(exc.valid)}", param_hint=flag)


def parse_formats(formats: str | None, out: Path | None) -> list[str]:
    """The --format list, checked against the export formats; --format without --out is a usage error."""
    from reports import FORMATS

    if formats is None:
        return ["json"]
    if out is None:
        raise typer.BadParameter("needs --out OUTDIR (the formats are files written there)", param_hint="--format")
    wanted = [f.strip().lower() for f in formats.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise typer.BadParameter(f"unknown format(s) {', '.join(unknown) or '(none given)'}; choose one or more of: "
                                 f"{', '.join(FORMATS)}", param_hint="--format")
    return wanted


@app.command()
def demo(directory: Annotated[Path, typer.Argument(help="folder to create")],
         seed: Annotated[int, typer.Option(help="random seed (same seed, same district)")] = 20251231,
         json_out: JsonOpt = False) -> None:
    """Write the demo project (a fictional Ningbo-like district) into DIRECTORY."""
    from layers.demo import build_demo_project

    start = time.perf_counter()
    try:
        project = build_demo_project(directory, seed=seed, progress=progress)
    except InputError as exc:
        fail(exc, json_out)
    seconds = time.perf_counter() - start
    summary = {name: _count(project, name) for name in project.layer_names() if name != "data_issues"}
    if json_out:
        emit_json({"ok": True, "project": str(directory), "seconds": round(seconds, 2), "layers": summary})
    else:
        progress(f"demo project written to {directory} in {seconds:.1f} s")
        for name, n in summary.items():
            print(f"{layer_label(name)} ({name}): {n}")


def _count(project, name: str) -> int:
    return project.feature_count(name)


@app.command()
def validate(source: Annotated[str, typer.Argument(help="file, folder or zip to check")],
             kind: KindOpt = None, layer: LayerOpt = None, encoding: EncodingOpt = None, crs: CrsOpt = None,
             land_use_standard: LandUseOpt = None, maps: MapOpt = None, json_out: JsonOpt = False,
             lang: LangOpt = "zh") -> None:
    """Read SOURCE and report the detected CRS, encoding, field mapping and every problem.

    --map SRC=field reads column SRC as field (repeatable); --map SRC=- ignores it."""
    from layers.validation import UnknownMappedColumn, validate_source

    check_source_options(source, kind, land_use_standard, encoding, json_out)
    kind = kind or _guess_kind(source, layer, encoding, crs, json_out)
    overrides = parse_maps(maps, kind)
    progress(f"validating {source} as {kind}…")
    try:
        report = validate_source(source, kind, layer=layer, encoding=encoding, crs=crs,
                                 land_use_standard=land_use_standard, overrides=overrides)
    except UnknownMappedColumn as exc:
        raise map_usage(exc) from None
    if json_out:
        document = report.to_dict()
        keys = link_keys(report)
        if keys is not None:
            document["owner_columns" if kind == "parcels" else "link_keys"] = keys
        emit_json(document)
    else:
        print(format_report(report, lang))
    raise typer.Exit(0 if report.ok else 1)


def link_keys(report) -> str | None:
    """What a parcels or enterprises source offers for linking firms to parcels (validate has no project):
    parcels → owner columns "code" / "name" / "both" / "none"; enterprises → "both" (code and name) or "code"."""
    from analysis.land_links import owner_columns

    mapped = set(report.mapping.values())
    if report.kind == "parcels":
        return owner_columns(mapped)
    if report.kind == "enterprises":
        return "both" if "name" in mapped else "code"
    return None


def _guess_kind(source: str, layer, encoding, crs, json_out: bool) -> str:
    from layers.aliases import guess_kind
    from layers.readers import read_source

    try:
        read = read_source(source, layer=layer, encoding=encoding, crs=crs)
    except (InputError, ValueError) as exc:
        fail(exc, json_out)
    kind, note = guess_kind(list(read.frame.columns))
    if kind is None:
        fail(InputError(f"{source}: cannot tell the layer kind from its columns ({note}); pass --kind"), json_out)
    progress(f"layer kind not given; guessed {kind}: {note}")
    return kind


def format_report(report, lang: str = "zh") -> str:
    """The validation report as text a person reads top to bottom (notes and problems in `lang`)."""
    from layers.landuse import STANDARD_LABELS

    zh = lang == "zh"
    sep = ": "  # as before, in both languages (scripts read these lines)
    lines = [f"{t('report_source', lang)}{sep}{report.source}"]
    if report.layer:
        extra = f"  ({', '.join(report.layers_available)})" if len(report.layers_available) > 1 else ""
        lines.append(f"{t('report_layer', lang)}{sep}{report.layer}{extra}")
    lines.append(f"{t('report_kind', lang)}{sep}{layer_label(report.kind, lang)} ({report.kind})")
    lines.append(f"{t('report_features', lang)}{sep}{report.feature_count}")
    if report.crs is not None:
        epsg = f"EPSG:{report.crs.epsg}" if report.crs.epsg else report.crs.crs.name
        guess = t("report_crs_guess", lang) if report.crs.is_guess else ""
        lines.append(f"{t('report_crs', lang)}{sep}{epsg} {report.crs.name(lang)}{guess} — {report.crs.note_in(lang)}")
    if report.encoding is not None:
        enc = report.encoding
        lines.append(f"{t('report_encoding', lang)}{sep}{enc.encoding.upper()}（{t('data_enc_m_' + enc.method, lang)}）" if zh
                     else f"{t('report_encoding', lang)}{sep}{enc.encoding} ({enc.method})")
    if report.land_use_standard or report.land_use_note:
        if zh:
            note = report.land_use_note_zh or STANDARD_LABELS.get(report.land_use_standard or "", "?")
            lines.append(f"{t('report_land_use', lang)}{sep}{note}")
        else:
            lines.append(f"{t('report_land_use', lang)}{sep}{report.land_use_standard or '?'} {report.land_use_note}")
    if report.mapping:
        lines.append(f"{t('report_mapping', lang)}{sep.strip()}")
        for src, dst in report.mapping.items():
            label = field_label(report.kind, dst, lang)
            lines.append(f"  {src} → {dst}" + (f"（{label}）" if zh and label != dst else ""))
    if report.sample:
        lines.append(f"{t('report_sample', lang)}{sep}" + "; ".join(f"{k}={v}" for k, v in list(report.sample.items())[:8]))
    unmapped = ("、" if zh else ", ").join(report.unmapped)
    lines.append(f"{t('report_unmapped', lang)}{sep}{unmapped or t('report_none', lang)}")
    keys = link_keys(report)
    if keys is not None and report.kind == "parcels":
        from analysis.land_links import owner_columns_text

        lines.append(f"{t('links_owner_columns', lang)}{sep}{owner_columns_text(keys, lang)}")
    elif keys is not None:
        text = t("links_keys_both", lang) if keys == "both" else t("links_keys_code", lang)
        lines.append(f"{t('links_firm_keys', lang)}{sep}{text}")
    problems = list(report.problems)
    lines.append(f"{t('report_problems', lang)} ({len(problems)}){sep.strip()}" if problems
                 else f"{t('report_problems', lang)}{sep}{t('report_none', lang)}")
    for p in problems:
        where = " ".join(x for x in (feature_text(p.feature, lang), f"[{p.field}]" if p.field else "") if x)
        kind = f"{t('data_code_' + p.code, lang)}（{p.code}）" if zh and f"data_code_{p.code}" in TEXT else p.code
        lines.append(f"  {t('severity_' + p.severity, lang)} {kind}{' ' + where if where else ''}{sep}{p.text(lang)}")
    lines.append(t("report_ok", lang) if report.ok else t("report_blocked", lang))
    return "\n".join(lines)


ImportModeOpt = Annotated[Optional[str], typer.Option(
    "--mode", help="replace | append: what the import does to a layer the project already has (required then); "
                   "append refuses ids already in the layer")]


@app.command("import")
def import_cmd(source: Annotated[str, typer.Argument(help="file, folder or zip to import")],
               kind: Annotated[str, typer.Option("--kind", help=f"layer kind: {', '.join(LAYERS)}")],
               into: Annotated[Path, typer.Option("--into", help="project folder (created if missing)")],
               layer: LayerOpt = None, encoding: EncodingOpt = None, crs: CrsOpt = None,
               land_use_standard: LandUseOpt = None, mode: ImportModeOpt = None, maps: MapOpt = None,
               valid_from: Annotated[Optional[str], typer.Option(
                   "--valid-from", help="date (YYYY-MM-DD) from which this version of the layer is in force "
                                        "(default: since always for a new layer, today for a later version); "
                                        "`score --year`/`--as-of` read the version in force on their date")] = None,
               json_out: JsonOpt = False, lang: LangOpt = "zh") -> None:
    """Validate SOURCE, then add it to the project as layer KIND; nothing is written if it fails.

    --map SRC=field reads column SRC as field (repeatable), --map SRC=- ignores it. The mapping used is
    saved with the project; the next import of KIND applies it to the columns it has (and says so),
    under any --map.

    A layer the project already has needs --mode replace (only the new features are kept) or --mode append
    (old and new; refused when a new feature reuses an id of the layer). The change is stated: before → after.
    Every import is kept as a version of the layer (`landpark versions DIR`); earlier ones are never lost."""
    from layers.importer import IMPORT_MODES, ModeRequired, import_source
    from layers.validation import UnknownMappedColumn

    check_choice(mode, IMPORT_MODES, "--mode")
    check_date(valid_from, "--valid-from")
    check_source_options(source, kind, land_use_standard, encoding, json_out)
    overrides = parse_maps(maps, kind)
    progress(f"importing {source} as {kind} into {into}…")
    from analysis.import_diff import compare, snapshot

    try:
        before = snapshot(into, kind, evaluate=True)  # what the import changes: features and unit scores
    except LandparkError:
        before = None
    try:
        result = import_source(source, kind, into, layer=layer, encoding=encoding, crs=crs,
                               land_use_standard=land_use_standard, mode=mode, overrides=overrides,
                               use_saved_mapping=True, valid_from=valid_from)
    except ModeRequired as exc:
        raise typer.BadParameter(f"the project already has layer {exc.kind} with {exc.before} feature(s); "
                                 f"choose one of: {choices_text(exc.choices)} (replace keeps only the new features, "
                                 "append adds them to the old)", param_hint="--mode") from None
    except UnknownMappedColumn as exc:
        raise map_usage(exc) from None
    except InputError as exc:
        fail(exc, json_out, lang)
    report, change = result.report, result.change
    if not str(into).startswith("postgres"):
        audit_cli(into, "import", {"layer": kind, "file": Path(source).name, "mode": change.mode,
                                   "features": report.feature_count, "valid_from": valid_from})
    diff = compare(before, snapshot(into, kind, evaluate=True)) if before is not None else None
    if json_out:
        emit_json({"ok": True, "imported": kind, "project": str(into), "features": report.feature_count,
                   **change.to_dict(), "changes": diff.to_dict() if diff is not None else None,
                   "report": report.to_dict()})
    else:
        if report.saved_mapping_used:
            print(t("mapping_saved_used", lang).format(
                kind=kind, n=len(report.saved_mapping_used),
                pairs=", ".join(f"{c} → {f or '-'}" for c, f in report.saved_mapping_used.items())))
        print(format_report(report, lang))
        print(f"{t('imported', lang)}: {layer_label(kind, lang)} ({kind}) → {into} ({report.feature_count})")
        print(change.describe(lang))
        if diff is not None:
            print(diff.to_text(lang=lang))


MethodOpt = Annotated[Optional[str], typer.Option(
    "--method", help="亩均 method: a preset (see `landpark methods`) or a method file (.toml); "
                     "default: landpark.toml [enterprise]")]


YearOpt = Annotated[Optional[int], typer.Option(
    "--year", help="evaluation year: the firm data of that year, the layers in force on its evaluation date "
                   "(the project's evaluation date moved into that year); default: the project's year, current layers")]
AsOfOpt = Annotated[Optional[str], typer.Option(
    "--as-of", help="evaluation date (YYYY-MM-DD) of the run: rules on dates use it and layers are read as they "
                    "were in force that day")]


def audit_cli(folder: Path | str | None, action: str, details: dict[str, Any]) -> None:
    """Record a command's import or export in the project's audit log, by the operating-system account; a log that
    cannot be written (a read-only folder) is said, and the command's result stands."""
    if folder is None:
        return
    from layers.audit import record

    try:
        record(Path(folder), getpass.getuser(), action, details, session="cli")
    except (OSError, sqlite3.Error) as exc:
        progress(f"the audit log of {folder} could not be written ({exc})")


def check_date(value: str | None, flag: str) -> dt.date | None:
    """An ISO date option as a date; a usage error naming the option otherwise."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (expected YYYY-MM-DD)", param_hint=flag) from None


def _evaluate(directory: Path, json_out: bool, *, with_inputs: bool = False, method: str | None = None,
              year: int | None = None, as_of: dt.date | None = None, workers: int | None = None,
              scheduler: str | None = None, parquet: Path | None = None):
    from analysis.inputs import load_inputs
    from analysis.methods import load_method
    from analysis.score import evaluate
    from layers.projects import open_project

    chosen = None
    if method is not None:
        try:
            chosen = load_method(method, base=directory)
        except UsageError as exc:
            raise typer.BadParameter(str(exc), param_hint="--method") from None
        except InputError as exc:
            fail(exc, json_out)
    try:
        project = open_project(directory, check_in_background=True)  # load_inputs waits for the check
        progress(f"reading {directory}…")
        inputs = load_inputs(project, year=year, as_of=as_of)
        if workers is not None or scheduler is not None:
            from analysis.partitioned import evaluate_partitioned

            try:
                ev = evaluate_partitioned(inputs, scheduler=scheduler, workers=workers or 2,
                                          folder=(parquet / "parcels") if parquet else None,
                                          workdir=directory if scheduler else None,  # remote workers see the partitions
                                          progress=progress, method=chosen)
            except UsageError as exc:  # dask not installed
                raise typer.BadParameter(str(exc), param_hint="--workers") from None
        else:
            ev = evaluate(inputs, progress=progress, method=chosen)
        return (ev, inputs) if with_inputs else ev
    except InputError as exc:
        fail(exc, json_out)


def attach_time_context(directory: Path, ev, inputs, method: str | None, json_out: bool) -> None:
    """The year before and the targets set on `ev` (analysis.time_context.attach_time_context)."""
    from analysis.time_context import attach_time_context as attach
    from layers.projects import open_project

    try:
        attach(open_project(directory), inputs, ev, method=method, progress=progress)
    except InputError as exc:
        fail(exc, json_out)


@app.command()
def compare(directory: Annotated[Path, typer.Argument(help="project folder or PostgreSQL URL")],
            year_from: Annotated[Optional[int], typer.Option(
                "--from", min=1900, max=2200, help="the earlier year (default: the year before --to in the firm data)")] = None,
            year_to: Annotated[Optional[int], typer.Option(
                "--to", min=1900, max=2200, help="the later year (default: the project's year)")] = None,
            method: MethodOpt = None, json_out: JsonOpt = False, lang: LangOpt = "zh") -> None:
    """Two evaluation years side by side: firm class transitions (A→B …) with their lists, indicator changes of
    firms, units and the district with their direction, and the half-year 效益报表 when half-year rows exist."""
    from analysis.time_context import compare_years
    from analysis.year_on_year import format_year_on_year, to_json
    from layers.projects import open_project

    try:
        project = open_project(directory)
        progress(f"reading {directory}…")
        yoy = compare_years(project, year_from, year_to, method=method)
    except InputError as exc:
        fail(exc, json_out, lang)
    document = to_json(yoy, digits=None if json_out else 4)
    if json_out:
        emit_json(document)
    else:
        print(format_year_on_year(document, lang))


@app.command()
def score(directory: Annotated[Path, typer.Argument(help="project folder or PostgreSQL URL")],
          json_out: JsonOpt = False,
          out: Annotated[Optional[Path], typer.Option("--out", help="folder for exported files")] = None,
          formats: Annotated[Optional[str], typer.Option(
              "--format", help="comma list of xlsx,pdf,docx,gpkg,html,json (needs --out; default json)")] = None,
          units: Annotated[Optional[str], typer.Option(
              "--units", help="comma list of unit ids to show and export (default: all); exported files then hold "
                              "only these units, their member firms and their parcels")] = None,
          redact: Annotated[bool, typer.Option(
              "--redact", help="with --out: replace firm names, credit codes and parcel owners in every exported file "
                               "by the project's keyed pseudonyms (key kept in DIR/.landpark-secret, never exported)")] = False,
          method: MethodOpt = None, year: YearOpt = None, as_of: AsOfOpt = None,
          workers: Annotated[Optional[int], typer.Option(
              "--workers", min=1, max=256,
              help="run the parcel overlay partitioned on a local dask cluster of N worker processes")] = None,
          scheduler: Annotated[Optional[str], typer.Option(
              "--scheduler", metavar="ADDRESS",
              help="run the parcel overlay on the dask cluster at ADDRESS (tcp://host:8786); its workers must see the "
                   "project folder at the same path")] = None,
          parquet: Annotated[Optional[Path], typer.Option(
              "--parquet", help="with --workers/--scheduler: a `landpark export-parquet` folder; its parcels are used "
                                "when they match the project's")] = None,
          lang: LangOpt = "zh") -> None:
    """Evaluate every protection line, park, micro park and future community (of one year: --year, --as-of)."""
    from analysis.score import to_json
    from reports import UnknownUnitsError, select_units

    wanted_formats = parse_formats(formats, out)
    unit_ids = parse_unit_ids(units)
    if redact and out is None:
        raise typer.BadParameter("needs --out OUTDIR (pseudonyms are written into the exported files; stdout keeps "
                                 "the project's own data)", param_hint="--redact")
    if out is not None and out.exists() and not out.is_dir():
        raise typer.BadParameter(f"{out} exists and is not a folder", param_hint="--out")
    start = time.perf_counter()
    if workers is not None and scheduler is not None:
        raise typer.BadParameter("give --workers or --scheduler, not both", param_hint="--scheduler")
    ev, inputs = _evaluate(directory, json_out, with_inputs=True, method=method, year=year,
                           as_of=check_date(as_of, "--as-of"), workers=workers, scheduler=scheduler, parquet=parquet)
    if len(ev.units) == 0:
        fail(InputError(f"{directory}: the project has no evaluation units: import protection_lines, parks, micro_parks "
                        "or future_communities before scoring"), json_out)
    keep = None
    if unit_ids is not None:  # an unknown id is a usage error before the year before and the targets are worked out
        try:
            keep = set(ev.units["unit_id"].astype(str).to_numpy()[select_units(ev.units, unit_ids)])
        except UnknownUnitsError as exc:
            raise unknown_units_usage(exc, "--units") from None
    attach_time_context(directory, ev, inputs, method, json_out)
    document = to_json(ev, units_requested=unit_ids)
    progress(f"scored {len(document['units'])} units and {len(document['enterprises'])} enterprises "
             f"in {time.perf_counter() - start:.1f} s")
    if keep is not None:
        document["units"] = [u for u in document["units"] if str(u["unit_id"]) in keep]
    if out is not None:
        from layers.projects import open_project
        from reports.bundle import export_all
        from reports.redact import project_secret_for

        try:
            # the key of the project, wherever it keeps it (a database project: in its schema, shared by all users)
            secret = project_secret_for(open_project(directory)) if redact else None
            written = export_all(ev, inputs, out, wanted_formats, lang=lang, unit_ids=unit_ids, progress=progress,
                                 redact=redact, secret=secret)
        except LandparkError as exc:
            fail(exc, json_out)
        for path in written.values():
            progress(f"wrote {path}")
        audit_cli(inputs.root, "export", {"formats": wanted_formats, "units": unit_ids or "all", "redact": redact,
                                          "out": str(out), "year": inputs.year})
    if json_out:
        emit_json(document)
    else:
        print(format_ranking(document, lang))


def format_ranking(document: dict, lang: str = "zh") -> str:
    """Units by kind and rank, with the headline indicators (numbers formatted as in the exports)."""
    from analysis.composite import reason_text
    from i18n.numbers import MISSING, format_int, format_mu, format_per_mu, format_ratio, format_score

    # tax per mu over all firms and over 规上 firms only (a 规上 target is compared with the 规上 figure)
    all_firms, above = t("base_all_firms", lang), t("base_above_scale", lang)
    head = (f"{'rank':>4} {'grade':<5} {'score':>6}  {'unit_id':<12} {'area_mu':>9} {'tax/mu':>11} {'tax/mu':>11} "
            f"{'supply':>7} {'built':>7} {'idle':>6}  name")
    head_base = f"{'':42}{_pad(all_firms, 11)} {_pad(above, 11)}"
    lines = district_output_lines(document.get("district") or {}, lang)
    units = sorted(document["units"], key=lambda u: (u["unit_kind"], u["rank"] if u["rank"] is not None else 1e9))
    not_scored = t("grade_not_scored", lang)
    kind = None
    for u in units:
        if u["unit_kind"] != kind:
            kind = u["unit_kind"]
            lines += ["", f"{layer_label(kind, lang)} ({kind})", head_base, head]
        # a unit without a score says so and why, never a grade it has no data for
        grade = u["grade"] or (not_scored if u.get("score") is None else MISSING)
        reason = (f"  [{not_scored}: {reason_text(u.get('not_scored_codes'), lang) or u.get('reason_not_scored')}]"
                  if u.get("score") is None else "")
        lines.append(f"{format_int(u['rank']):>4} {grade:<5} {format_score(u['score']):>6}  {u['unit_id']:<12} "
                     f"{format_mu(u['area_mu']):>9} {format_per_mu(u['tax_per_mu']):>11} "
                     f"{format_per_mu((u.get('above_scale') or {}).get('tax_per_mu')):>11} {format_ratio(u['supply_ratio']):>7} "
                     f"{format_ratio(u['built_ratio']):>7} {format_ratio(u['idle_ratio']):>6}  {u['name']}{reason}")
    scored = sum(u.get("score") is not None for u in document["units"])
    lines.append("\n" + t("units_scored_count", lang).format(scored=scored, unscored=len(document["units"]) - scored))
    if document.get("links"):
        from analysis.land_links import summary_lines

        lines += ["", f"{t('links_title', lang)}:"] + [f"  {x}" for x in summary_lines(document["links"], lang)]
    lines.append(f"warnings: {len(document['warnings'])}")
    return "\n".join(lines).strip()


def _pad(text: str, width: int) -> str:
    """`text` right-aligned in `width` terminal columns (a CJK character takes two)."""
    wide = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    return " " * max(width - wide, 0) + text


def district_output_lines(district: dict, lang: str = "zh") -> list[str]:
    """The district's per-mu output figures of `score --json` over all firms and over 规上 firms only, one line each."""
    from i18n.numbers import format_count, format_per_mu
    from reports import column_label

    above = district.get("above_scale") or {}
    n = format_count(above.get("n_firms"))
    return [t("base_district_line", lang).format(label=column_label(key, lang), all=format_per_mu(district.get(key)),
                                                 above=format_per_mu(above.get(key)), n=n)
            for key in ("tax_per_mu", "value_added_per_mu") if key in district]


SupplyYearOpt = Annotated[Optional[int], typer.Option(
    "--year", min=1900, max=2200,
    help="one year (default: the last supply_mix.years_shown years of landpark.toml, up to the evaluation year)")]


@app.command()
def targets(directory: Annotated[Path, typer.Argument(help="project folder or PostgreSQL URL")],
            year: Annotated[Optional[int], typer.Option(
                "--year", min=1900, max=2200, help="the year of firm data to measure (default: the project's year)")] = None,
            json_out: JsonOpt = False, lang: LangOpt = "zh") -> None:
    """Plan targets and progress ([targets] of landpark.toml and the [supply_mix] floors): value, target, gap and
    status (met / on track / behind / no data). A target not met is a finding, not an error: the exit code is 0."""
    from analysis.targets import format_targets, project_progress, to_json
    from layers.projects import open_project

    try:
        project = open_project(directory)
        progress(f"reading {directory}…")
        items = to_json(project_progress(project, year=year))
    except InputError as exc:
        fail(exc, json_out, lang)
    if json_out:
        emit_json(items)
    else:
        print(format_targets(items, lang))


@app.command()
def review(directory: Annotated[Path, typer.Argument(help="project folder or PostgreSQL URL")],
           year: Annotated[Optional[int], typer.Option(
               "--year", min=1900, max=2200, help="the year of firm data compared (default: the project's year)")] = None,
           as_of: AsOfOpt = None, json_out: JsonOpt = False, lang: LangOpt = "zh") -> None:
    """标准地 达产复核: every parcel sold as 标准地 and past its agreed 达产 date, the linked firm's actual figures
    against the committed ones term by term → met / not met with the gaps, not yet due, or undetermined (with the
    reason). --as-of DATE: the review date (default: the project's evaluation date). A parcel not met is a finding,
    not an error: the exit code is 0."""
    from analysis.standard_land import format_review, project_review, to_json
    from layers.projects import open_project

    try:
        project = open_project(directory)
        progress(f"reading {directory}…")
        items = to_json(project_review(project, as_of=check_date(as_of, "--as-of"), year=year))
    except InputError as exc:
        fail(exc, json_out, lang)
    if json_out:
        emit_json(items)
    else:
        print(format_review(items, lang))


@app.command()
def clusters(directory: Annotated[Path, typer.Argument(help="project folder or PostgreSQL URL")],
             year: Annotated[Optional[int], typer.Option(
                 "--year", min=1900, max=2200, help="the year of firm data to measure (default: the project's year)")] = None,
             json_out: JsonOpt = False, lang: LangOpt = "zh") -> None:
    """产业图谱: the [clusters] of landpark.toml measured on one year's firms — per cluster its codes, firms, output,
    tax and land, target and progress ([targets] of scope "cluster:<name>"), chain segments and 链主; per unit the
    clusters' shares, missing segments and the concentration on its leading industries; the 3–5 cluster-by-area
    rule. A rule not met is a finding, not an error: the exit code is 0."""
    from analysis.clusters import format_clusters, project_clusters, to_json
    from layers.projects import open_project

    try:
        project = open_project(directory)
        progress(f"reading {directory}…")
        doc = to_json(project_clusters(project, year=year))
    except InputError as exc:
        fail(exc, json_out, lang)
    if json_out:
        emit_json(doc)
    else:
        print(format_clusters(doc, lang))


@app.command()
def lines(directory: Annotated[Path, typer.Argument(help="project folder or PostgreSQL URL")],
          from_version: Annotated[Optional[int], typer.Option(
              "--from", min=1, help="the earlier version of the protection lines (default: the one before --to)")] = None,
          to_version: Annotated[Optional[int], typer.Option(
              "--to", min=1, help="the later version (default: the current one)")] = None,
          out: Annotated[Optional[Path], typer.Option(
              "--out", help="folder for lines.gpkg (changed pieces, both versions, ledger; for QGIS) and lines.json")] = None,
          json_out: JsonOpt = False, lang: LangOpt = "zh") -> None:
    """Two versions of the protection lines compared: area by level before and after, what left and what entered
    (亩, parcels and units touched), the 占补平衡 ledger, industrial shares then and now against the [lines] floors,
    encroachments new since the earlier version and the [lines] rules. A breach is a finding: the exit code is 0."""
    from analysis.line_history import LINES, choose_versions, compare_versions
    from analysis.line_versions import format_lines, to_json
    from layers.projects import open_project

    if out is not None and out.exists() and not out.is_dir():
        raise typer.BadParameter(f"{out} exists and is not a folder", param_hint="--out")
    try:
        project = open_project(directory)
        progress(f"reading {directory}…")
        earlier, later = choose_versions(project.versions(), from_version, to_version)
        comparison = compare_versions(project, earlier, later, lang=lang)
    except InputError as exc:
        fail(exc, json_out, lang)
    document = to_json(comparison)
    if out is not None:
        from reports.lines_export import write_lines_export

        written = write_lines_export(comparison, document, project.read_layer(LINES, version=earlier),
                                     project.read_layer(LINES, version=later), out, lang=lang)
        for path in written.values():
            progress(f"wrote {path}")
    if json_out:
        emit_json(document)
    else:
        print(format_lines(document, lang))


@app.command("copy")
def copy_cmd(source: Annotated[str, typer.Argument(help="project folder or PostgreSQL URL to copy from")],
             dest: Annotated[str, typer.Argument(
                 help="new project folder or PostgreSQL URL (postgresql://user@host:port/db?schema=NAME)")],
             replace: Annotated[bool, typer.Option(
                 "--replace", help="replace the project already at DEST (in the same transaction)")] = False,
             json_out: JsonOpt = False, lang: LangOpt = "zh") -> None:
    """Copy a whole project between a folder and a PostGIS schema, either way, all or nothing: a failure leaves DEST as
    it was. The password comes from PGPASSWORD or ~/.pgpass, never from the URL."""
    from layers.project_copy import copy_project

    start = time.perf_counter()
    try:
        project = copy_project(source, dest, replace=replace)
    except (InputError, OSError) as exc:
        fail(exc, json_out, lang)
    seconds = time.perf_counter() - start
    where = getattr(project, "url", None) or str(project.root)
    counts = {n: project.feature_count(n) for n in project.layer_names() if n != "data_issues"}
    if json_out:
        emit_json({"ok": True, "project": where, "seconds": round(seconds, 2), "layers": counts})
    else:
        progress(f"copied to {where} in {seconds:.1f} s ({sum(counts.values())} features, {len(counts)} layers)")


@app.command("export-parquet")
def export_parquet(directory: Annotated[Path, typer.Argument(help="project folder")],
                   out: Annotated[Path, typer.Option(
                       "--out", help="folder to write (replaced atomically; one sub-folder per layer)")],
                   rows: Annotated[int, typer.Option("--rows-per-partition", min=1000,
                                                     help="rows per GeoParquet file (default 100000)")] = 100_000,
                   json_out: JsonOpt = False, lang: LangOpt = "zh") -> None:
    """Every layer as spatially partitioned GeoParquet (Hilbert-sorted files, CRS kept): for `score --workers` /
    `--scheduler` and other tools."""
    from layers.geoparquet import write_project
    from layers.projects import open_project

    try:
        project = open_project(directory)
        progress(f"writing {out}…")
        manifest = write_project(project, out, rows_per_partition=rows)
    except InputError as exc:
        fail(exc, json_out, lang)
    except OSError as exc:
        fail(InputError(f"{out}: cannot write the GeoParquet folder ({exc})",
                        zh=f"{out}：无法写入 GeoParquet 文件夹（{exc}）"), json_out, lang)
    if json_out:
        emit_json(manifest)
    else:
        for name, layer in manifest["layers"].items():
            print(f"{name}: {layer['rows']} rows, {layer['partitions']} partitions")


@app.command()
def versions(directory: Annotated[Path, typer.Argument(help="project folder or PostgreSQL URL")],
             layer: Annotated[Optional[str], typer.Option("--layer", help="only this layer kind")] = None,
             json_out: JsonOpt = False, lang: LangOpt = "zh") -> None:
    """Every kept version of each layer: number, in force from, imported at, features, mode, source."""
    import i18n.versions_text  # noqa: F401  (registers the text)
    from i18n import layer_label
    from layers.projects import open_project

    check_kind(layer)
    try:
        table = open_project(directory).versions()
    except InputError as exc:
        fail(exc, json_out, lang)
    if layer is not None:
        table = table[table["layer"] == layer]
    rows = [{"layer": r.layer, "version": int(r.version), "valid_from": r.valid_from or None,
             "imported_at": r.imported_at or None, "features": int(r.features), "mode": r.mode or None,
             "source": r.source or None, "current": bool(r.current)} for r in table.itertuples(index=False)]
    if json_out:
        emit_json({"project": str(directory), "versions": rows})
        return
    print(t("versions_header", lang).format(project=directory))
    if not rows:
        print("  " + t("versions_none", lang))
        return
    head = [t("versions_col_layer", lang), t("versions_col_version", lang), t("versions_col_valid_from", lang),
            t("versions_col_imported_at", lang), t("versions_col_features", lang), t("versions_col_mode", lang),
            t("versions_col_source", lang)]
    modes = {"replace": t("versions_mode_replace", lang), "append": t("versions_mode_append", lang)}
    body = [[layer_label(r["layer"], lang), f"{r['version']}{t('versions_current', lang) if r['current'] else ''}",
             r["valid_from"] or t("versions_since_always", lang), (r["imported_at"] or t("versions_unknown", lang))[:19],
             f"{r['features']:,}", modes.get(r["mode"], "—"),
             r["source"] or "—"] for r in rows]
    widths = [max(_cells(x[i]) for x in [head, *body]) for i in range(len(head))]
    for cells in [head, *body]:
        print(" ".join(_pad(c, w) for c, w in zip(cells, widths)).rstrip())


def _cells(text: str) -> int:
    """Terminal cells of `text`: a CJK character takes two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


@app.command()
def supply(directory: Annotated[Path, typer.Argument(help="project folder or PostgreSQL URL")],
           year: SupplyYearOpt = None, as_of: AsOfOpt = None, json_out: JsonOpt = False, lang: LangOpt = "zh") -> None:
    """The yearly supply mix: land supplied by category and 供地方式, the industrial share against the floors of
    landpark.toml (supply_mix.floors), and flexible-term leases ended or ending within the window. A floor not met
    is a finding, not an error: the exit code is 0. --as-of DATE: the parcels in force that day, leases judged on
    it and the years shown ending with its year."""
    from analysis.supply_mix import mix_json, supply_mix
    from layers.projects import open_project

    try:
        project = open_project(directory)
        if "parcels" not in project.layer_names():
            fail(InputError(t("supply_mix_no_parcels", "en").format(directory=directory),
                            zh=t("supply_mix_no_parcels", "zh").format(directory=directory)), json_out, lang)
        progress(f"reading {directory}…")
        config, when = project.config, check_date(as_of, "--as-of")
        if when is not None:
            config = dataclasses.replace(config, project=dataclasses.replace(config.project, year=when.year,
                                                                             evaluation_date=when))
        parcels = project.read_layer("parcels", as_of=when)
        mix = supply_mix(parcels, config, years=None if year is None else [year])
    except InputError as exc:
        fail(exc, json_out, lang)
    document = mix_json(mix, config)
    if json_out:
        emit_json(document)
    else:
        print(format_supply_mix(document, lang))


def format_supply_mix(document: dict, lang: str = "zh") -> str:
    """The supply mix as text: per year by 供地方式 and by category, each floor's verdicts, undated land and the
    leases ended or ending soon (columns aligned in terminal cells, a CJK character taking two)."""
    from analysis.supply_mix import code_labels, counts_text
    from i18n.numbers import MISSING, format_count, format_mu, format_ratio

    labels = code_labels(lang)
    sep = "、" if lang == "zh" else ", "
    years = document["years"]
    cats = sep.join(labels["category"].get(c, c) for c in document["industrial_categories"])
    lines = [t("supply_mix_header", lang).format(date=document["as_of"]),
             t("supply_mix_definition", lang).format(categories=cats)]

    def row(cells: list[str], widths: list[int]) -> str:
        return " ".join(_pad(c, w) for c, w in zip(cells, widths)).rstrip()

    def table(title: str, key: str, names: dict[str, str], with_share: bool) -> None:
        columns = list(dict.fromkeys(k for y in years for k in y[key]))
        head = [t("supply_mix_col_year", lang), t("supply_mix_col_parcels", lang), t("supply_mix_col_supplied", lang),
                *(names.get(c, c) for c in columns)]
        head += [t("supply_mix_col_industrial", lang), t("supply_mix_col_share", lang)] if with_share else []
        body = [[str(y["year"]), format_count(y["parcels"]), format_mu(y["supplied_mu"]),
                 *(format_mu(y[key].get(c, 0.0)) for c in columns),
                 *([format_mu(y["industrial_mu"]), format_ratio(y["industrial_share"])] if with_share else [])]
                for y in years]
        widths = [max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in r[i]) for r in [head, *body]) for i in range(len(head))]
        lines.extend(["", title, row(head, widths), *(row(r, widths) for r in body)])

    table(t("supply_mix_by_type", lang), "by_supply_type", labels["type"], True)
    table(t("supply_mix_by_category", lang), "by_category", labels["category"], False)
    lines += ["", t("supply_mix_floors", lang)]
    if not document["floors"]:
        lines.append("  " + t("supply_mix_no_floors", lang))
    for i, floor in enumerate(document["floors"]):
        lines.append("  " + t("supply_mix_floor_line", lang).format(
            name=floor["name"], share=format_ratio(floor["share"]), counts=counts_text(floor["counts"], lang),
            base=labels["base"].get(floor["base"], floor["base"])))
        for y in years:
            verdict = y["floors"][i]
            lines.append(f"    {y['year']}  {_pad(format_ratio(verdict['value']), 6)}  "
                         f"{labels['floor_status'].get(verdict['status'], verdict['status'])}")
        lines.append("    " + t("supply_mix_floor_source", lang).format(source=floor["source"]))
    undated = document["undated"]
    lines += ["", t("supply_mix_undated", lang).format(n=format_count(undated["parcels"]), mu=format_mu(undated["area_mu"]))]
    leases = document["leases"]
    lines += ["", t("supply_mix_leases", lang).format(n=format_count(leases["count"]), ended=leases["by_status"]["ended"],
                                                      expiring=leases["by_status"]["expiring"], months=leases["window_months"])]
    if not leases["listed"]:
        lines.append("  " + t("supply_mix_no_leases", lang))
    else:
        head = [t(f"supply_mix_col_{k}", lang)
                for k in ("parcel", "type", "category", "area", "term", "start", "end", "months_left", "lease_status")]
        body = [[x["parcel_id"], labels["type"].get(x["supply_type"] or "unknown", x["supply_type"] or MISSING),
                 labels["category"].get(x["land_use_category"] or "unknown", x["land_use_category"] or MISSING),
                 format_mu(x["area_mu"]), format_mu(x["term_years"], 0) if x["term_years"] is not None else MISSING,
                 x["start_date"] or MISSING, x["end_date"] or MISSING,
                 format_mu(x["months_left"]), labels["lease_status"].get(x["status"], x["status"])]
                for x in leases["listed"]]
        widths = [max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in r[i]) for r in [head, *body]) for i in range(len(head))]
        lines += ["  " + row(head, widths), *("  " + row(r, widths) for r in body)]
    return "\n".join(lines)


@app.command()
def methods(json_out: JsonOpt = False) -> None:
    """List the 亩均 method presets: name, title, region, year and source notice."""
    from analysis.methods import list_methods

    try:
        found = list_methods()
    except InputError as exc:
        fail(exc, json_out)
    if json_out:
        emit_json([{k: m[k] for k in ("name", "title", "region", "year", "source")} for m in found])
        return
    for m in found:
        print(f"{m['name']:<18} {m['year']}  {m['title']}  ({m['region']})")
        print(f"{'':<18} 来源: {m['source']}" + (f"  {m['url']}" if m.get("url") else ""))
        for point in m.get("open_points") or []:
            print(f"{'':<18} 未定: {point}")


@app.command()
def explain(directory: Annotated[Path, typer.Argument(help="project folder or PostgreSQL URL")],
            unit_id: Annotated[Optional[str], typer.Argument(help="unit id (line_id, park_id or community_id)")] = None,
            firm: Annotated[Optional[str], typer.Option("--firm", help="explain one firm's class instead (credit code)")] = None,
            method: MethodOpt = None,
            json_out: JsonOpt = False, lang: LangOpt = "zh") -> None:
    """Show, for one unit, every indicator's formula, inputs, members, weights and benchmarks; with --firm, how one
    firm got its class. Formulas and labels in --lang (zh by default, also in --json's `formula`)."""
    from analysis.explain import explain_unit, format_explanation
    from reports import UnknownUnitsError, select_units

    if (unit_id is None) == (firm is None):
        raise typer.BadParameter("give a UNIT_ID or --firm USCC (one of them)", param_hint="UNIT_ID / --firm")
    ev = _evaluate(directory, json_out, method=method)
    if firm is not None:
        from analysis.firm_explain import explain_firm, format_firm

        try:
            doc = explain_firm(ev, firm)
        except UsageError as exc:
            raise typer.BadParameter(str(exc), param_hint="--firm") from None
        if json_out:
            emit_json(doc)
        else:
            print(format_firm(doc))
        return
    assert unit_id is not None
    try:
        select_units(ev.units, [unit_id])
    except UnknownUnitsError as exc:
        raise unknown_units_usage(exc, "UNIT_ID") from None
    try:
        doc = explain_unit(ev, unit_id, lang=lang)
    except InputError as exc:
        fail(exc, json_out, lang)
    if json_out:
        emit_json(doc)
    else:
        print(format_explanation(doc, lang))


# `landpark site` options whose help does not fit on the signature's line.
PerParkOpt = Annotated[Optional[int], typer.Option(
    "--per-park", min=0, help="spread candidates over parks: best per park first, at most N per park; 0 = plain "
                              "score order (default: best per park first, no limit)")]
MaxAreaOpt = Annotated[Optional[float], typer.Option(
    "--max-area-mu", help="largest acceptable site (亩); default area × siting.max_area_factor of landpark.toml")]
IndustryOpt = Annotated[Optional[str], typer.Option(
    "--industry", help="the project's industry, e.g. 高端装备 (matched with the units' 主导产业)")]
TopOpt = Annotated[Optional[int], typer.Option(
    "--top", min=1, help="number of candidates (default siting.top of landpark.toml)")]
LowEfficiencyOpt = Annotated[bool, typer.Option(
    "--include-low-efficiency",
    help="also offer D-class firms' land and built industrial land below the FAR threshold (腾笼换鸟)")]
OutsideLinesOpt = Annotated[bool, typer.Option(
    "--allow-outside-lines", help="accept sites outside the industrial protection lines")]
MaxSlopeOpt = Annotated[Optional[float], typer.Option(
    "--max-slope", help="largest mean slope (degrees); default siting.max_slope_deg of landpark.toml")]
WeightOpt = Annotated[Optional[list[str]], typer.Option(
    "--weight", help="criterion weight NAME=VALUE, repeatable (e.g. road_access=0.2)")]
AhpOpt = Annotated[Optional[bool], typer.Option(
    "--ahp/--no-ahp", help="derive weights by AHP from siting.ahp of landpark.toml (default: its enabled key)")]
ForceAhpOpt = Annotated[bool, typer.Option(
    "--force-ahp", help="accept an AHP matrix whose consistency ratio exceeds the limit")]


IndustryCodeOpt = Annotated[Optional[str], typer.Option(
    "--industry-code", help="GB/T 4754-2017 code of the project's industry, any level (C34, 34, C3441): sites in parks "
                            "missing that chain segment and near its 链主 score higher; candidates show its 标准地 conditions")]
ClusterOpt = Annotated[Optional[str], typer.Option(
    "--cluster", help="a cluster of [clusters] in landpark.toml (e.g. 高端装备): chain bonus and 标准地 conditions")]


@app.command()
def site(directory: Annotated[Path, typer.Argument(help="project folder or PostgreSQL URL")],
         area_mu: Annotated[float, typer.Option("--area-mu", help="area the project needs (亩)")],
         max_area_mu: MaxAreaOpt = None,
         industry: IndustryOpt = None, industry_code: IndustryCodeOpt = None, cluster: ClusterOpt = None,
         top: TopOpt = None,
         method: Annotated[Optional[str], typer.Option("--method", help="wsum (weighted sum) or topsis")] = None,
         include_idle: Annotated[bool, typer.Option("--include-idle", help="also offer idle land (闲置)")] = False,
         include_low_efficiency: LowEfficiencyOpt = False,
         allow_outside_lines: OutsideLinesOpt = False,
         max_slope: MaxSlopeOpt = None,
         within: Annotated[Optional[Path], typer.Option("--within", help="search area polygon file (GeoJSON, lon/lat)")] = None,
         weight: WeightOpt = None,
         ahp: AhpOpt = None,
         force_ahp: ForceAhpOpt = False,
         per_park: PerParkOpt = None,
         out: Annotated[Optional[Path], typer.Option("--out", help="write candidates to FILE.gpkg, .geojson or .csv")] = None,
         json_out: JsonOpt = False) -> None:
    """Rank candidate sites for a land request: legal, available, and scored with reasons."""
    from analysis.siting import RequestError, SiteRequest, SitingData, run_siting, write_candidates
    from layers.projects import open_project

    check_choice(method, SITE_METHODS, "--method")
    if area_mu <= 0:
        raise typer.BadParameter(f"{area_mu:g}: give a positive number of 亩", param_hint="--area-mu")
    if max_area_mu is not None and max_area_mu < area_mu:
        raise typer.BadParameter(f"{max_area_mu:g} is smaller than --area-mu {area_mu:g}", param_hint="--max-area-mu")
    if max_slope is not None and not 0 < max_slope <= 90:
        raise typer.BadParameter(f"{max_slope:g}: give degrees in (0, 90]", param_hint="--max-slope")
    weights = {}
    for item in weight or []:
        name, sep, value = item.partition("=")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            raise typer.BadParameter(f"{item!r}: use NAME=NUMBER, e.g. road_access=0.2", param_hint="--weight") from None
        if not sep:
            raise typer.BadParameter(f"{item!r}: use NAME=NUMBER", param_hint="--weight")
    if out is not None and out.suffix.lower() not in SITE_OUT_SUFFIXES:
        raise typer.BadParameter(f"{out}: use a file ending in one of: {', '.join(SITE_OUT_SUFFIXES)}", param_hint="--out")
    if within is not None and not within.exists():
        fail(InputError(f"{within}: no such file (--within)"), json_out)
    request = SiteRequest(area_mu=area_mu, max_area_mu=max_area_mu, industry=industry, top=top, method=method,
                          include_idle=include_idle, include_low_efficiency=include_low_efficiency,
                          allow_outside_lines=allow_outside_lines, max_slope_deg=max_slope,
                          within=str(within) if within is not None else None, weights=weights or None,
                          use_ahp=ahp, force_ahp=force_ahp, per_park=per_park, industry_code=industry_code,
                          cluster=cluster)
    try:
        request.validate()
    except RequestError as exc:
        raise typer.BadParameter(str(exc)) from None
    start = time.perf_counter()
    try:
        project = open_project(directory)
        data = SitingData.from_project(project, progress=progress)
        loaded = time.perf_counter()
        result = run_siting(data, request, progress=progress)
    except RequestError as exc:
        raise typer.BadParameter(str(exc)) from None
    except InputError as exc:
        fail(exc, json_out)
    progress(f"{len(result.candidates)} candidate sites; project loaded in {loaded - start:.1f} s, "
             f"query answered in {time.perf_counter() - loaded:.2f} s")
    if out is not None:
        write_candidates(result, out)
        progress(f"wrote {out}")
    if json_out:
        emit_json(result.to_json())
    else:
        print(result.to_text())



@app.command()
def bench(json_out: JsonOpt = False,
          scales: Annotated[str, typer.Option("--scales", help="comma list of parcel counts")] = "10000,100000,1000000",
          variants: Annotated[str, typer.Option("--variants", help="simple,complex")] = "simple,complex",
          repeat: Annotated[int, typer.Option("--repeat", min=1,
                                              help="timed runs per measurement (median reported)")] = 3,
          postgis: Annotated[bool, typer.Option(
              "--postgis", help="also score the largest scale from PostGIS (a private cluster, or --postgis-url); "
                                "skipped with a message without psycopg, PostgreSQL or PostGIS")] = False,
          postgis_url: Annotated[Optional[str], typer.Option(
              "--postgis-url", help="with --postgis: an existing database postgresql://user@host:port/db (password from "
                                    "PGPASSWORD or ~/.pgpass); its schemas bench_* are replaced")] = None,
          dask: Annotated[bool, typer.Option(
              "--dask", help="also score the largest scale on dask LocalClusters (skipped without dask)")] = False,
          dask_workers: Annotated[str, typer.Option(
              "--dask-workers", help="with --dask: worker counts, e.g. 1,2")] = "1,2") -> None:
    """Run the benchmarks (overlay kernel vs geopandas and DuckDB, whole score run; PostGIS and dask on request)."""
    from benchmarks.run import VARIANTS
    from benchmarks.run import main as bench_main

    items = [s.strip() for s in scales.split(",") if s.strip()]
    if not items or not all(s.isdigit() and int(s) > 0 for s in items):
        raise typer.BadParameter(f"{scales!r}: give positive parcel counts, e.g. 10000,100000", param_hint="--scales")
    bad = [v for v in (x.strip() for x in variants.split(",")) if v not in VARIANTS]
    if bad or not variants.strip():
        raise typer.BadParameter(f"unknown variant(s) {', '.join(bad) or '(none given)'}; choose one or more of: "
                                 f"{', '.join(VARIANTS)}", param_hint="--variants")
    counts = [c.strip() for c in dask_workers.split(",") if c.strip()]
    if not counts or not all(c.isdigit() and int(c) > 0 for c in counts):
        raise typer.BadParameter(f"{dask_workers!r}: give worker counts, e.g. 1,2", param_hint="--dask-workers")
    if postgis_url is not None:
        from layers.postgis import parse_url

        parse_url(postgis_url)  # refuses a password in the URL (InputError), as every other command does
    args = ["--scales", scales, "--variants", variants, "--repeat", str(repeat)]
    args += ["--postgis"] if postgis else []
    args += ["--postgis-url", postgis_url] if postgis_url else []
    args += ["--dask", "--dask-workers", ",".join(counts)] if dask else []
    raise typer.Exit(bench_main(args))


AppTargetArg = Annotated[Optional[str], typer.Argument(help="project folder or PostgreSQL URL (default: the demo)")]


@app.command("app")
def app_cmd(directory: AppTargetArg = None,
            port: Annotated[int, typer.Option("--port", help="local port")] = 8501,
            address: Annotated[str, typer.Option(
                "--address", help="address to listen on (default localhost; another address needs [auth] enabled)")]
            = "localhost") -> None:
    """Start the Streamlit app on a project, headless, on localhost (or --address, with sign-in on)."""
    from layers.config import default_config
    from layers.postgis import is_postgres_url
    from layers.projects import open_project

    env = dict(os.environ)
    config = default_config()
    if directory:
        env["LANDPARK_PROJECT"] = directory if is_postgres_url(directory) else str(Path(directory).resolve())
        try:
            config = open_project(directory).config
        except InputError as exc:
            fail(exc, False)
    if address not in ("localhost", "127.0.0.1", "::1") and not config.auth.enabled:
        raise typer.BadParameter(f"{address}: the app would be open to the network without sign-in; set [auth] "
                                 "enabled = true in landpark.toml (README: intranet deployment) or keep it on localhost",
                                 param_hint="--address")
    from maps.assets import LAUNCHER_NAME, prepare_app_folder

    folder = prepare_app_folder()  # per-user: Streamlit serves static/ beside the script it runs
    env["LANDPARK_STATIC_DIR"] = str(folder / "static")
    env.setdefault("MALLOC_ARENA_MAX", str(max(2, os.cpu_count() or 2)))  # the server's arenas, as spatial/allocator.py
    script = folder / LAUNCHER_NAME
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
               "--server.address", address, "--server.port", str(port), "--browser.gatherUsageStats", "false",
               "--client.toolbarMode", "minimal", "--server.enableStaticServing", "true", "--theme.base", "light",
               # no full garbage collection after every run: with a district's tables cached it walks millions of
               # objects (≈ 120–200 ms per click); Python's generational collector still runs as usual
               "--runner.postScriptGC", "false",
               # no source-file watcher: after each session's first run it walks every imported module's path on the
               # server's event loop (≈ 140 ms per new visitor, delaying its map); an installed app's code does not change
               "--server.fileWatcherType", "none",
               # the server refuses upload bodies above the data page's own limit ([app.data] max_upload_mb)
               "--server.maxUploadSize", str(math.ceil(config.app.data.max_upload_mb)),
               "--server.enableXsrfProtection", "true"]
    progress(f"starting the app on http://{address}:{port} …")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, command, env)  # become Streamlit, so a signal to this process reaches the server



users_app = typer.Typer(no_args_is_help=True,
                        help="Manage the app's users (names, roles, password hashes; the users_file of landpark.toml's "
                             "auth section).")
app.add_typer(users_app, name="users")

UsersProjectOpt = Annotated[Optional[Path], typer.Option(
    "--project", help="project whose landpark.toml names the users file ([auth] users_file; default $LANDPARK_PROJECT)")]
UsersFileOpt = Annotated[Optional[Path], typer.Option("--file", help="the users file itself (instead of --project)")]


def _users_target(project_dir: Optional[Path], users_file: Optional[Path]) -> tuple[Path, Optional[Path]]:
    """(users file, project folder for the audit event): --file, else the project's [auth] users_file."""
    from layers.auth import resolve_users_file, users_file_problem
    from layers.project import Project

    root = project_dir or (Path(os.environ["LANDPARK_PROJECT"]) if os.environ.get("LANDPARK_PROJECT") else None)
    project = Project.open(root) if root is not None else None
    if users_file is not None:
        path = users_file.expanduser().resolve()
    elif project is not None and getattr(project.config, "auth", None) is not None and project.config.auth.users_file:
        path = resolve_users_file(project.config.auth.users_file, project.root)
    else:
        raise UsageError("give --file PATH, or --project DIR whose landpark.toml sets [auth] users_file")
    problem = users_file_problem(path, project.root if project is not None else None)
    if problem is not None:
        raise UsageError(f"{path}: the users file must not be {problem}; keep it outside the project folder and any "
                         "source repository")
    return path, (project.root if project is not None else None)


def _new_password() -> str:
    """The new password, typed twice without echo (never an argument: it would stay in the shell history and ps)."""
    return typer.prompt("password", hide_input=True, confirmation_prompt=True)


def _audit_user_change(root: Optional[Path], details: dict) -> None:
    """Record a user change in the project's audit log, by the operating-system account that ran the command."""
    if root is not None:
        from layers.audit import record

        record(root, getpass.getuser(), "user_change", details, session="cli")


@users_app.command("add")
def users_add(name: Annotated[str, typer.Argument(help="user name")],
              role: Annotated[str, typer.Option("--role", help="viewer, analyst or admin")] = "viewer",
              project_dir: UsersProjectOpt = None, users_file: UsersFileOpt = None) -> None:
    """Add a user with a role; the password is asked for twice and stored as a salted scrypt hash."""
    from layers.auth import ROLES, add_user

    check_choice(role, ROLES, "--role")
    path, root = _users_target(project_dir, users_file)
    add_user(path, name, role, _new_password())
    _audit_user_change(root, {"mode": "add", "name": name, "role": role})
    progress(f"user {name} ({role}) added to {path}")


@users_app.command("passwd")
def users_passwd(name: Annotated[str, typer.Argument(help="user name")],
                 project_dir: UsersProjectOpt = None, users_file: UsersFileOpt = None) -> None:
    """Set a user's password (asked for twice)."""
    from layers.auth import set_password

    path, root = _users_target(project_dir, users_file)
    set_password(path, name, _new_password())
    _audit_user_change(root, {"mode": "password", "name": name})
    progress(f"password of {name} changed")


@users_app.command("role")
def users_role(name: Annotated[str, typer.Argument(help="user name")],
               role: Annotated[str, typer.Argument(help="viewer, analyst or admin")],
               project_dir: UsersProjectOpt = None, users_file: UsersFileOpt = None) -> None:
    """Give a user another role (their open sessions are signed out at their next click)."""
    from layers.auth import ROLES, set_role

    check_choice(role, ROLES, "ROLE")
    path, root = _users_target(project_dir, users_file)
    set_role(path, name, role)
    _audit_user_change(root, {"mode": "role", "name": name, "role": role})
    progress(f"{name} is now {role}")


@users_app.command("remove")
def users_remove(name: Annotated[str, typer.Argument(help="user name")],
                 project_dir: UsersProjectOpt = None, users_file: UsersFileOpt = None) -> None:
    """Remove a user (their open sessions are signed out at their next click)."""
    from layers.auth import remove_user

    path, root = _users_target(project_dir, users_file)
    remove_user(path, name)
    _audit_user_change(root, {"mode": "remove", "name": name})
    progress(f"user {name} removed")


@users_app.command("list")
def users_list(project_dir: UsersProjectOpt = None, users_file: UsersFileOpt = None, json_out: JsonOpt = False) -> None:
    """List the users and their roles (never the hashes)."""
    from layers.auth import load_users

    path, _root = _users_target(project_dir, users_file)
    users = {name: user.role.value for name, user in sorted(load_users(path).items())}
    if json_out:
        emit_json(users)
        return
    for name, role in users.items():
        print(f"{name}\t{role}")


def main() -> None:
    """Console entry point: usage errors exit 2 (click's and UsageError), invalid input 1, never a traceback
    for an error of the product's own tree."""
    from spatial.allocator import limit_arenas

    limit_arenas()  # before any worker thread: bounded resident memory (spatial/allocator.py)
    try:
        app()
    except UsageError as exc:
        print(f"landpark: usage error: {exc}", file=sys.stderr)
        sys.exit(2)
    except LandparkError as exc:
        print(f"landpark: error: {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
