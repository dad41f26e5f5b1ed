"""`landpark` — the batch front door. Every command: --help; exit 0 success, 1 invalid input,
2 usage error; `--json` prints one JSON document on stdout (progress goes to stderr)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from layers.i18n import layer_label, t
from layers.problems import InputError, LandparkError
from layers.schema import LAYERS

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Landpark: industrial land and park analysis (亩均评价, 供地, 保护线, 选址).")

KindOpt = Annotated[Optional[str], typer.Option("--kind", help=f"layer kind: {', '.join(LAYERS)}")]
LayerOpt = Annotated[Optional[str], typer.Option("--layer", help="layer / sheet / shapefile name inside the source")]
EncodingOpt = Annotated[Optional[str], typer.Option("--encoding", help="attribute encoding, e.g. gbk, utf-8 (default: detected)")]
CrsOpt = Annotated[Optional[str], typer.Option("--crs", help="source CRS when it cannot be detected, e.g. EPSG:4549")]
LandUseOpt = Annotated[Optional[str], typer.Option("--land-use-standard", help="gbt21010, ydyh2023 or gb50137 (default: detected, with a warning)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print one JSON document on stdout")]
LangOpt = Annotated[str, typer.Option("--lang", help="zh or en")]


def progress(message: str) -> None:
    """Progress and logs go to stderr so stdout stays clean for --json."""
    print(f"landpark: {message}", file=sys.stderr, flush=True)


def emit_json(document: Any) -> None:
    json.dump(document, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def fail(exc: LandparkError | Exception, as_json: bool) -> None:
    """Report invalid input (exit 1): the message names file, layer, feature and problem."""
    problems = getattr(exc, "problems", [])
    if as_json:
        emit_json({"ok": False, "error": str(exc), "problems": [p.to_dict() for p in problems]})
    else:
        print(f"landpark: error: {exc}", file=sys.stderr)
        for p in problems[:50]:
            print(f"  {p}", file=sys.stderr)
    raise typer.Exit(1)


def check_kind(kind: str | None) -> None:
    if kind is not None and kind not in LAYERS:
        raise typer.BadParameter(f"unknown kind {kind!r}; choose one of: {', '.join(LAYERS)}", param_hint="--kind")


def check_standard(standard: str | None) -> None:
    if standard is not None and standard not in ("gbt21010", "ydyh2023", "gb50137"):
        raise typer.BadParameter("choose gbt21010, ydyh2023 or gb50137", param_hint="--land-use-standard")


@app.command()
def demo(directory: Annotated[Path, typer.Argument(help="folder to create")],
         seed: Annotated[int, typer.Option(help="random seed (same seed, same district)")] = 20251231,
         json_out: JsonOpt = False) -> None:
    """Write the demo project (a fictional Ningbo-like district) into DIRECTORY."""
    from layers.demo_project import build_demo_project

    start = time.perf_counter()
    try:
        project = build_demo_project(directory, seed=seed, progress=progress)
    except FileExistsError as exc:
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
    import pyogrio
    return int(pyogrio.read_info(project.gpkg, layer=name)["features"])


@app.command()
def validate(source: Annotated[str, typer.Argument(help="file, folder or zip to check")],
             kind: KindOpt = None, layer: LayerOpt = None, encoding: EncodingOpt = None, crs: CrsOpt = None,
             land_use_standard: LandUseOpt = None, json_out: JsonOpt = False, lang: LangOpt = "zh") -> None:
    """Read SOURCE and report the detected CRS, encoding, field mapping and every problem."""
    from layers.validation import validate_source

    check_kind(kind)
    check_standard(land_use_standard)
    if not Path(source).exists():
        fail(InputError(f"{source}: no such file or folder"), json_out)
    kind = kind or _guess_kind(source, layer, encoding, crs, json_out)
    progress(f"validating {source} as {kind}…")
    report = validate_source(source, kind, layer=layer, encoding=encoding, crs=crs, land_use_standard=land_use_standard)
    if json_out:
        emit_json(report.to_dict())
    else:
        print(format_report(report, lang))
    raise typer.Exit(0 if report.ok else 1)


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
    """The validation report as text a person reads top to bottom."""
    lines = [f"{t('report_source', lang)}: {report.source}"]
    if report.layer:
        extra = f"  ({', '.join(report.layers_available)})" if len(report.layers_available) > 1 else ""
        lines.append(f"{t('report_layer', lang)}: {report.layer}{extra}")
    lines.append(f"{t('report_kind', lang)}: {layer_label(report.kind, lang)} ({report.kind})")
    lines.append(f"{t('report_features', lang)}: {report.feature_count}")
    if report.crs is not None:
        epsg = f"EPSG:{report.crs.epsg}" if report.crs.epsg else report.crs.crs.name
        guess = t("report_crs_guess", lang) if report.crs.is_guess else ""
        lines.append(f"{t('report_crs', lang)}: {epsg} {report.crs.crs.name}{guess} — {report.crs.note}")
    if report.encoding is not None:
        lines.append(f"{t('report_encoding', lang)}: {report.encoding.encoding} ({report.encoding.method})")
    if report.land_use_standard or report.land_use_note:
        lines.append(f"{t('report_land_use', lang)}: {report.land_use_standard or '?'} {report.land_use_note}")
    if report.mapping:
        lines.append(f"{t('report_mapping', lang)}:")
        lines += [f"  {src} → {dst}" for src, dst in report.mapping.items()]
    if report.sample:
        lines.append(f"{t('report_sample', lang)}: " + "; ".join(f"{k}={v}" for k, v in list(report.sample.items())[:8]))
    lines.append(f"{t('report_unmapped', lang)}: {', '.join(report.unmapped) if report.unmapped else t('report_none', lang)}")
    problems = list(report.problems)
    lines.append(f"{t('report_problems', lang)} ({len(problems)}):" if problems else f"{t('report_problems', lang)}: {t('report_none', lang)}")
    for p in problems:
        where = " ".join(x for x in (p.feature, f"[{p.field}]" if p.field else "") if x)
        lines.append(f"  {t('severity_' + p.severity, lang)} {p.code} {where}: {p.message}")
    lines.append(t("report_ok", lang) if report.ok else t("report_blocked", lang))
    return "\n".join(lines)


@app.command("import")
def import_cmd(source: Annotated[str, typer.Argument(help="file, folder or zip to import")],
               kind: Annotated[str, typer.Option("--kind", help=f"layer kind: {', '.join(LAYERS)}")],
               into: Annotated[Path, typer.Option("--into", help="project folder (created if missing)")],
               layer: LayerOpt = None, encoding: EncodingOpt = None, crs: CrsOpt = None,
               land_use_standard: LandUseOpt = None, json_out: JsonOpt = False, lang: LangOpt = "zh") -> None:
    """Validate SOURCE, then add it to the project as layer KIND; nothing is written if it fails."""
    from layers.importer import import_source

    check_kind(kind)
    check_standard(land_use_standard)
    if not Path(source).exists():
        fail(InputError(f"{source}: no such file or folder"), json_out)
    progress(f"importing {source} as {kind} into {into}…")
    try:
        report = import_source(source, kind, into, layer=layer, encoding=encoding, crs=crs,
                               land_use_standard=land_use_standard)
    except InputError as exc:
        fail(exc, json_out)
    if json_out:
        emit_json({"ok": True, "imported": kind, "project": str(into), "features": report.feature_count,
                   "report": report.to_dict()})
    else:
        print(format_report(report, lang))
        print(f"{t('imported', lang)}: {layer_label(kind, lang)} ({kind}) → {into} ({report.feature_count})")


def _evaluate(directory: Path, json_out: bool):
    from analysis.inputs import load_inputs
    from analysis.score import evaluate
    from layers.project import Project

    try:
        project = Project.open(directory)
        progress(f"reading {directory}…")
        inputs = load_inputs(project)
        return evaluate(inputs, progress=progress)
    except InputError as exc:
        fail(exc, json_out)


@app.command()
def score(directory: Annotated[Path, typer.Argument(help="project folder")],
          json_out: JsonOpt = False,
          out: Annotated[Optional[Path], typer.Option("--out", help="folder for exported files")] = None,
          formats: Annotated[str, typer.Option("--format", help="comma list of xlsx,pdf,gpkg,html,json")] = "json",
          lang: LangOpt = "zh") -> None:
    """Evaluate every protection line, park, micro park and future community."""
    from analysis.score import to_json

    start = time.perf_counter()
    ev = _evaluate(directory, json_out)
    document = to_json(ev)
    progress(f"scored {len(document['units'])} units and {len(document['enterprises'])} enterprises "
             f"in {time.perf_counter() - start:.1f} s")
    if out is not None:
        wanted = [f.strip() for f in formats.split(",") if f.strip()]
        unknown = [f for f in wanted if f != "json"]
        if unknown:
            fail(InputError(f"--format {','.join(unknown)}: only json export is available in this version"), json_out)
        from layers.project import atomic_path

        out.mkdir(parents=True, exist_ok=True)
        with atomic_path(out / "score.json") as tmp:
            tmp.write_text(json.dumps(document, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        progress(f"wrote {out / 'score.json'}")
    if json_out:
        emit_json(document)
    else:
        print(format_ranking(document, lang))


def format_ranking(document: dict, lang: str = "zh") -> str:
    """Units by kind and rank, with the headline indicators."""
    head = f"{'rank':>4} {'grade':<5} {'score':>6}  {'unit_id':<12} {'area_mu':>9} {'tax/mu':>8} {'supply':>7} {'built':>6} {'idle':>6}  name"
    lines = []
    units = sorted(document["units"], key=lambda u: (u["unit_kind"], u["rank"] if u["rank"] is not None else 1e9))
    kind = None
    fmt = lambda v, p="{:.2f}": "—" if v is None else p.format(v)
    for u in units:
        if u["unit_kind"] != kind:
            kind = u["unit_kind"]
            lines += ["", f"{layer_label(kind, lang)} ({kind})", head]
        lines.append(f"{fmt(u['rank'], '{:.0f}'):>4} {u['grade'] or '—':<5} {fmt(u['score'], '{:.1f}'):>6}  {u['unit_id']:<12} "
                     f"{fmt(u['area_mu'], '{:.1f}'):>9} {fmt(u['tax_per_mu']):>8} {fmt(u['supply_ratio'], '{:.1%}'):>7} "
                     f"{fmt(u['built_ratio'], '{:.0%}'):>6} {fmt(u['idle_ratio'], '{:.1%}'):>6}  {u['name']}")
    lines.append(f"\nwarnings: {len(document['warnings'])}")
    return "\n".join(lines).strip()


@app.command()
def explain(directory: Annotated[Path, typer.Argument(help="project folder")],
            unit_id: Annotated[str, typer.Argument(help="unit id (line_id, park_id or community_id)")],
            json_out: JsonOpt = False) -> None:
    """Show, for one unit, every indicator's formula, inputs, members, weights and benchmarks."""
    from analysis.explain import explain_unit, format_explanation

    ev = _evaluate(directory, json_out)
    try:
        doc = explain_unit(ev, unit_id)
    except InputError as exc:
        fail(exc, json_out)
    if json_out:
        emit_json(doc)
    else:
        print(format_explanation(doc))


@app.command("app")
def app_cmd(directory: Annotated[Optional[str], typer.Argument(help="project folder or PostgreSQL URL (default: the demo)")] = None,
            port: Annotated[int, typer.Option("--port", help="local port")] = 8501) -> None:
    """Start the Streamlit app on a project, headless, on localhost."""
    env = dict(os.environ)
    if directory:
        env["LANDPARK_PROJECT"] = directory if directory.startswith("postgresql") else str(Path(directory).resolve())
    script = Path(__file__).resolve().with_name("streamlit_app.py")
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
               "--server.address", "localhost", "--server.port", str(port), "--browser.gatherUsageStats", "false",
               "--client.toolbarMode", "minimal", "--theme.base", "light"]
    progress(f"starting the app on http://localhost:{port} …")
    raise typer.Exit(subprocess.call(command, env=env))


def main() -> None:
    """Console entry point: usage errors exit 2 (click), invalid input 1."""
    app()


if __name__ == "__main__":
    main()
