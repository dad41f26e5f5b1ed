"""Every translation key used in the code exists in `i18n.TEXT` with Chinese and English text.

The source is scanned with `ast` for the translation helpers: `t(key, lang)` (i18n), `tr(key, …)`
and `page_header(project, key)` (ui.state), `_t_or(key, fallback)` (data page, falls back by design).
Keys are resolved statically: string literals, `a if c else b`, f-strings and `"prefix" + x`
whose variable parts are loop variables over literal or module-level collections (followed through
`from … import`), lambda arguments of `st.radio/selectbox(…, options, format_func=…)`, and
parameters of the enclosing function at its call sites. A variable part that cannot be followed
takes the values listed in FAMILIES (taken from the code's own constants where they exist);
a dynamic key that is in neither fails the test, so a new one must be declared here.

Keys used by non-UI code (cli.py, reports/, maps/, analysis/, layers/) must exist without
importing `ui` (the page sections): that is checked in a fresh interpreter.
"""

from __future__ import annotations

import ast
import importlib.util
import itertools
import json
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

# The code as imported (the checkout when editable, site-packages when CI tests the wheel); docs/ beside tests/.
ROOT = Path(importlib.util.find_spec("cli").origin).resolve().parent
DOCS = Path(__file__).resolve().parents[1] / "docs"
SCANNED = ("cli.py", "streamlit_app.py", "i18n", "ui", "reports", "maps", "analysis", "layers")
NON_UI = ("cli.py", "reports", "maps", "analysis", "layers")
HELPERS = {"t": 0, "tr": 0, "_t_or": 0, "page_header": 1}  # helper → position of the key argument
KEY_KEYWORDS = ("key", "title_key")
FALLBACK_HELPERS = {"_t_or"}  # a missing key shows the fallback: only its key family must exist
LANGS = ("zh", "en")


def _module_strings(path: str, name: str) -> tuple[str, ...]:
    """The string values of a module-level literal collection, read from the source (no import)."""
    values = _resolve_global(path, name, None)
    assert values, f"{path}: no literal strings in {name}"
    return tuple(sorted(values))


def _comparisons() -> tuple[str, ...]:
    """Comparison texts the siting rules report (constraints.py), e.g. "overlap ≤ limit"."""
    tree = _tree("analysis/siting/constraints.py")
    return tuple(sorted({n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                         and " ≤ " in n.value and "{" not in n.value}))


# Values of a key's variable part when the scan cannot follow it, by the key's literal prefix.
FAMILIES = {
    "severity_": lambda: ("error", "warning", "info"),  # layers.problems.Severity
    "exp_group_": lambda: ("above", "below"),
    "enterprises_group_": lambda: ("above", "below", "unknown"),
    "enterprises_src_": lambda: ("table", "parcels+leases", "parcels", "leases", "none"),  # analysis.enterprise
    "enterprises_rule_": lambda: _module_strings("layers/settings.py", "MISSING_RULES"),
    "enterprises_mode_": lambda: ("fixed", "mean", "k_mean"),
    "exp_": lambda: _module_strings("analysis/composite.py", "DIRECTIONS"),
    "scores_": lambda: _module_strings("analysis/composite.py", "DIRECTIONS"),
    "exp_norm_": lambda: _module_strings("analysis/composite.py", "NORMALISATIONS"),
    "scores_norm_": lambda: _module_strings("analysis/composite.py", "NORMALISATIONS"),
    "siting_crit_": lambda: _module_strings("analysis/siting/criteria.py", "CRITERIA"),
    "siting_rule_": lambda: _module_strings("analysis/siting/constraints.py", "RULES"),
    "siting_reason_": lambda: _module_strings("analysis/siting/available.py", "AVAILABILITY_REASONS"),
    "siting_method_": lambda: ("wsum", "topsis"),
    "siting_cmp_": _comparisons,
    "map_scheme_": lambda: _module_strings("maps/choropleth.py", "SCHEMES"),
    "map_search_kind_": lambda: _module_strings("analysis/identify.py", "SEARCH_KINDS"),
    "supply_cat_": lambda: _module_strings("analysis/supply_lists.py", "LIST_CATEGORIES"),
    "unit_not_scored_": lambda: _module_strings("analysis/composite.py", "NOT_SCORED_CODES"),
    "data_enc_m_": lambda: _module_strings("layers/encoding.py", "METHODS"),  # how an encoding was decided
    "data_crs_m_": lambda: _module_strings("spatial/crs.py", "METHODS"),  # how a CRS was decided
    "basis_": lambda: ("parcels", "point"),  # analysis.members: how a firm is counted in a unit
    # the settings table of the 亩均 page: settings_rows keys (EnterpriseSettings, EnterpriseClasses fields)
    "enterprises_setting_": lambda: ("benchmark_mode", "k", "cap_multiple", "method", "percentile_cuts",
                                     "score_thresholds", "new_firm_years", "listed_as_t"),
    "enterprises_link_col_": lambda: _module_strings("ui/enterprises_page.py", "_LINK_COLUMNS"),
    "enterprises_link_reason_": lambda: tuple(r.replace(" ", "_")
                                              for r in _module_strings("ui/enterprises_page.py", "_LINK_REASONS")),
    "data_geom_": lambda: _module_strings("ui/data_page.py", "GEOMETRY_TYPES"),
    "enterprises_scoring_": lambda: _module_strings("analysis/methods/method_file.py", "SCORINGS"),
    "enterprises_classes_": lambda: _module_strings("analysis/methods/method_file.py", "CLASS_METHODS"),
    "enterprises_within_": lambda: _module_strings("analysis/methods/method_file.py", "WITHIN"),
    "enterprises_adjust_": lambda: ("veto", "protection", "points"),  # method_file.Adjustment.kind
    "targets_status_": lambda: _module_strings("analysis/targets.py", "STATUSES"),
    "auth_role_": lambda: _module_strings("layers/auth.py", "ROLES"),
    "auth_perm_": lambda: _module_strings("layers/auth.py", "PERMISSIONS"),
    "auth_action_": lambda: _module_strings("layers/audit.py", "ACTIONS"),
    "auth_detail_": lambda: _module_strings("ui/auth.py", "DETAIL_KEYS"),
    "auth_reason_": lambda: _module_strings("ui/auth.py", "FAILURE_REASONS"),
    "auth_mode_": lambda: _module_strings("ui/auth.py", "MODES"),
    "industry_reason_": lambda: _module_strings("layers/industry_codes.py", "REASONS"),
    "industry_level_": lambda: _module_strings("layers/industry_codes.py", "LEVELS"),
    "targets_note_": lambda: ("no_base",),  # analysis.targets: a future target judged without a base
    "stdland_reason_": lambda: _module_strings("analysis/standard_land.py", "REASONS"),
    # analysis.targets: why a target has no value
    "targets_reason_": lambda: ("cluster_missing", "cluster_pending", "floor_incomplete", "kind_missing",
                                "no_above_scale_firms", "no_above_scale_flag", "no_firm_data", "no_firms", "no_land_data",
                                "no_lines",
                                "no_supplied_land", "no_supply_mix", "unit_missing"),
}
# Calls whose key is looked up only after checking it exists (`if f"col_{name}" in TEXT`).
GUARDED = {("reports/__init__.py", "f'col_{name}'"),
           ("analysis/explain.py", "f'col_{key}'"),  # an input's label when the table has one
           ("analysis/score.py", "f'col_{name}'"),  # an indicator's label when the table has one
           ("cli.py", "'data_code_' + p.code"),  # a problem code's label when the table has one
           ("ui/enterprises_page.py", "key"),  # a derived firm field's label when the table has one
           ("analysis/targets.py", "key")}  # a unit, base or level label when the table has one
# Calls whose key the scan cannot follow, with the keys they can take.
DECLARED = {
    ("maps/webmap.py", "f'col_{f}'"): ("col_class", "col_parcel_count"),  # only for f in ("class", "parcel_count")
    ("reports/__init__.py", "value"): ("red", "blue"),  # display_value: line levels only
    ("ui/siting_page.py", "status"): lambda: _module_strings("maps/webmap.py", "SUPPLY_COLOURS"),  # offered parcels
    ("ui/map_page.py", "status"): lambda: _module_strings("maps/webmap.py", "SUPPLY_COLOURS"),  # identified parcel
    # the HTML export: tooltip fields of parcels and firms, supply statuses and line levels drawn, the floor flag
    ("reports/html.py", "f'html_f_{f}'"): ("html_f_parcel_id", "html_f_land_use", "html_f_supply_status", "html_f_industry",
                                           "html_f_class"),
    ("reports/html.py", "s"): lambda: _module_strings("maps/webmap.py", "SUPPLY_COLOURS"),
    ("reports/html.py", "lv"): lambda: _module_strings("maps/webmap.py", "LINE_COLOURS"),
    ("reports/html.py", "key"): ("html_below_floor", "html_meets_floor"),
    ("analysis/targets.py", "suffix"): ("targets_kind_size", "targets_kind_count"),
    # the 标准地复核 layer's aliases: its own columns, and each term's committed/actual/gap/met columns
    ("reports/gpkg.py", "f'stdpage_col_{own[column]}'"): tuple(
        f"stdpage_col_{c}" for c in ("verdict", "failed", "reason", "missing", "due", "firm", "uscc", "parcel",
                                     "supply_date", "data_year")),
    ("reports/gpkg.py", "f'stdpage_col_{what}'"): tuple(f"stdpage_col_{c}" for c in ("committed", "actual", "gap", "met")),
}


@dataclass
class Use:
    path: str
    line: int
    helper: str
    expr: str
    keys: set[str] = field(default_factory=set)
    prefix: str | None = None  # for a fallback helper's key family


def _files(roots=SCANNED) -> list[str]:
    out = []
    for r in roots:
        p = ROOT / r
        out += [str(f.relative_to(ROOT)) for f in ([p] if p.is_file() else sorted(p.rglob("*.py")))]
    return out


@cache
def _tree(path: str) -> ast.Module:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"), filename=path)
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            child.parent = node  # type: ignore[attr-defined]
    return tree


def _module_path(module: str) -> str | None:
    base = ROOT / Path(*module.split("."))
    for p in (base.with_suffix(".py"), base / "__init__.py"):
        if p.is_file():
            return str(p.relative_to(ROOT))
    return None


def _element_values(node: ast.AST, index: int | None, path: str) -> set[str] | None:
    """Strings of a collection's elements (element[index] when the loop unpacks tuples)."""
    if isinstance(node, ast.Dict):
        return _strings([k for k in node.keys if k is not None], path) if index in (None, 0) else None
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        out: set[str] = set()
        for elt in node.elts:
            if isinstance(elt, ast.Starred):
                got = _iter_values(elt.value, None, path)
            elif index is None:
                got = _strings([elt], path)
            elif isinstance(elt, ast.Tuple) and len(elt.elts) > index:
                got = _strings([elt.elts[index]], path)
            else:
                got = None
            if got is None:
                return None
            out |= got
        return out
    return None


def _strings(nodes: list[ast.AST], path: str) -> set[str] | None:
    out: set[str] = set()
    for n in nodes:
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            out.add(n.value)
        else:
            return None
    return out


def _resolve_global(path: str, name: str, index: int | None) -> set[str] | None:
    """A module-level literal collection `name` of `path`, followed through `from x import name`."""
    tree = _tree(path)
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(tg, ast.Name) and tg.id == name for tg in targets) and node.value is not None:
                return _element_values(node.value, index, path)
    for node in ast.walk(tree):  # `from x import NAME`, at module level or inside a function
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    src = _module_path(node.module)
                    return _resolve_global(src, alias.name, index) if src else None
    return None


def _iter_values(iterable: ast.AST, index: int | None, path: str) -> set[str] | None:
    """Strings a loop over `iterable` yields (at `index` of each element when unpacked)."""
    if isinstance(iterable, ast.Call):
        func = iterable.func
        if isinstance(func, ast.Attribute) and func.attr in ("items", "keys") and not iterable.args:
            if func.attr == "items" and index not in (0,):
                return None
            return _iter_values(func.value, None, path)
        if isinstance(func, ast.Name) and func.id in ("sorted", "list", "tuple", "set", "reversed") and iterable.args:
            return _iter_values(iterable.args[0], index, path)
        return None
    if isinstance(iterable, ast.Name):
        return _resolve_global(path, iterable.id, index)
    return _element_values(iterable, index, path)


def _target_path(target: ast.AST, name: str) -> tuple[int, ...] | None:
    """Where `name` sits in a loop target: () for the whole element, (i, j) for `for a, (b, c) in …`."""
    if isinstance(target, ast.Name):
        return () if target.id == name else None
    if isinstance(target, ast.Tuple):
        for i, elt in enumerate(target.elts):
            sub = _target_path(elt, name)
            if sub is not None:
                return (i, *sub)
    return None


def _loop_values(iterable: ast.AST, where: tuple[int, ...], path: str) -> set[str] | None:
    """Strings bound at position `where` of the elements of `iterable` (zip(a, b) splits at the first level)."""
    if where and isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and iterable.func.id == "zip":
        return _loop_values(iterable.args[where[0]], where[1:], path) if where[0] < len(iterable.args) else None
    if len(where) > 1:
        return None
    return _iter_values(iterable, where[0] if where else None, path)


def _enclosing(node: ast.AST):
    while hasattr(node, "parent"):
        node = node.parent  # type: ignore[attr-defined]
        yield node


def _resolve_name(name: str, at: ast.AST, path: str) -> set[str] | None:
    for scope in _enclosing(at):
        generators = scope.generators if isinstance(scope, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)) else []
        for gen in generators:
            where = _target_path(gen.target, name)
            if where is not None:
                return _loop_values(gen.iter, where, path)
        if isinstance(scope, ast.For):
            where = _target_path(scope.target, name)
            if where is not None:
                return _loop_values(scope.iter, where, path)
        if isinstance(scope, ast.Lambda) and any(a.arg == name for a in scope.args.args):
            kw = getattr(scope, "parent", None)  # st.radio(label, options, format_func=lambda o: …)
            call = getattr(kw, "parent", None)
            if isinstance(kw, ast.keyword) and kw.arg == "format_func" and isinstance(call, ast.Call):
                options = next((kw.value for kw in call.keywords if kw.arg == "options"),
                               call.args[1] if len(call.args) > 1 else None)
                return _iter_values(options, None, path) if options is not None else None
            return None
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
            params = [a.arg for a in scope.args.posonlyargs + scope.args.args + scope.args.kwonlyargs]
            if name in params:
                return _resolve_param(scope, name, path)
    return None


def _resolve_param(func: ast.FunctionDef, name: str, path: str) -> set[str] | None:
    """Values a parameter takes at the function's call sites in the same module."""
    params = [a.arg for a in func.args.posonlyargs + func.args.args]
    out: set[str] = set()
    seen = False
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == func.name:
            arg = next((kw.value for kw in node.keywords if kw.arg == name), None)
            if arg is None and name in params and params.index(name) < len(node.args):
                arg = node.args[params.index(name)]
            got = _values(arg, path) if arg is not None else None
            if got is None:
                return None
            out |= got
            seen = True
    return out if seen else None


def _values(node: ast.AST, path: str) -> set[str] | None:
    """Every string `node` can evaluate to, or None when it cannot be followed."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        a, b = _values(node.body, path), _values(node.orelse, path)
        return a | b if a is not None and b is not None else None
    if isinstance(node, ast.Name):
        return _resolve_name(node.id, node, path)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        a, b = _values(node.left, path), _values(node.right, path)
        return {x + y for x, y in itertools.product(a, b)} if a is not None and b is not None else None
    if isinstance(node, ast.JoinedStr):
        parts = []
        for v in node.values:
            got = _values(v.value, path) if isinstance(v, ast.FormattedValue) and v.format_spec is None else (
                _values(v, path) if isinstance(v, ast.Constant) else None)
            if got is None:
                return None
            parts.append(got)
        return {"".join(p) for p in itertools.product(*parts)}
    return None


def _prefix(node: ast.AST) -> str | None:
    """The literal prefix of `f"prefix{x}"` or `"prefix" + x` with a single variable part."""
    if isinstance(node, ast.JoinedStr) and len(node.values) == 2 and isinstance(node.values[0], ast.Constant) \
            and isinstance(node.values[1], ast.FormattedValue):
        return node.values[0].value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.left, ast.Constant) \
            and isinstance(node.left.value, str):
        return node.left.value
    return None


def _helper_definitions(tree: ast.Module) -> set[ast.AST]:
    return {n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name in HELPERS}


@cache
def scan(roots: tuple[str, ...] = SCANNED) -> tuple[list[Use], list[str]]:
    """(translation uses with their keys, dynamic keys that could not be resolved)."""
    uses: list[Use] = []
    unresolved: list[str] = []
    for path in _files(roots):
        tree = _tree(path)
        defs = _helper_definitions(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            helper = node.func.id if isinstance(node.func, ast.Name) else (
                node.func.attr if isinstance(node.func, ast.Attribute) else None)
            if helper not in HELPERS or (helper == "t" and isinstance(node.func, ast.Attribute)):
                continue
            if any(scope in defs for scope in _enclosing(node)):
                continue  # inside tr/page_header/_t_or themselves: their callers are scanned
            pos = HELPERS[helper]
            arg = node.args[pos] if len(node.args) > pos else next(
                (kw.value for kw in node.keywords if kw.arg in KEY_KEYWORDS), None)
            if arg is None:
                continue
            expr = ast.unparse(arg)
            use = Use(path, node.lineno, helper, expr)
            if (path, expr) in GUARDED:
                continue
            keys = _values(arg, path)
            if keys is None and (path, expr) in DECLARED:
                declared = DECLARED[(path, expr)]
                keys = set(declared() if callable(declared) else declared)
            if keys is None and helper in FALLBACK_HELPERS and _prefix(arg) is not None:
                use.prefix = _prefix(arg)
                uses.append(use)
                continue
            if keys is None and _prefix(arg) in FAMILIES:
                keys = {_prefix(arg) + v for v in FAMILIES[_prefix(arg)]()}
            if keys is None:
                unresolved.append(f"{path}:{node.lineno}: {helper}({expr})")
                continue
            use.keys = keys
            uses.append(use)
    return uses, unresolved


def _missing(uses: list[Use], text: dict) -> list[str]:
    out = []
    for use in uses:
        if use.prefix is not None:
            family = [k for k in text if k.startswith(use.prefix)]
            if not family:
                out.append(f"{use.path}:{use.line}: no key in the family {use.prefix}* ({use.helper}({use.expr}))")
            continue
        for key in sorted(use.keys):
            entry = text.get(key) or {}
            gaps = [lang for lang in LANGS if not (isinstance(entry.get(lang), str) and entry[lang].strip())]
            if gaps:
                out.append(f"{use.path}:{use.line}: {key!r} missing {'/'.join(gaps)} ({use.helper}({use.expr}))")
    return out


def test_scan_finds_the_helpers_and_resolves_every_dynamic_key():
    uses, unresolved = scan()
    assert not unresolved, "dynamic translation keys the scan cannot follow (declare them in DECLARED or FAMILIES):\n" \
        + "\n".join(unresolved)
    helpers = {u.helper for u in uses}
    assert {"t", "tr", "page_header"} <= helpers
    keys = set().union(*(u.keys for u in uses))
    # spot checks of each resolution path: literal, module-level tuple, lambda options, call site, family
    assert {"page_map", "siting_n_no_dem", "scores_order_desc", "siting_crit_slope", "map_kind_specialty",
            "severity_warning", "siting_draw_clear_all", "unsupplied", "siting_rule_area"} <= keys


def test_every_key_used_exists_in_both_languages():
    import i18n
    import reports.text  # noqa: F401  (registers the exports' sections)
    import ui.text  # noqa: F401  (registers the page sections)

    uses, _ = scan()
    missing = _missing(uses, i18n.TEXT)
    assert not missing, "translation keys used in code but missing:\n" + "\n".join(missing)


def test_every_entry_has_chinese_and_english():
    import i18n
    import ui.text  # noqa: F401

    bad = [k for k, v in i18n.TEXT.items() if not all(isinstance(v.get(lang), str) and v[lang].strip() for lang in LANGS)]
    assert not bad, f"entries without both zh and en: {bad}"


def test_non_ui_keys_exist_without_importing_ui():
    uses, _ = scan(NON_UI)
    keys = sorted(set().union(*(u.keys for u in uses)))
    assert keys
    code = ("import json, sys\n"
            "import i18n\n"
            "import reports.text  # the exports' own sections (they need no ui either)\n"
            "assert not any(m == 'ui' or m.startswith('ui.') for m in sys.modules), 'i18n imported ui'\n"
            "print(json.dumps(i18n.TEXT))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    core = json.loads(done.stdout)
    missing = _missing([u for u in uses if u.keys or u.prefix], core)
    assert not missing, "keys used by the CLI, exports, maps, analysis or layers that exist only in ui/text:\n" \
        + "\n".join(missing)


def test_siting_labels_come_from_the_table():
    import i18n
    from analysis.siting.constraints import RULE_LABELS_ZH, RULES
    from analysis.siting.criteria import CRITERIA, CRITERION_LABELS_ZH

    assert CRITERION_LABELS_ZH == {n: i18n.TEXT[f"siting_crit_{n}"]["zh"] for n in CRITERIA}
    assert RULE_LABELS_ZH == {n: i18n.TEXT[f"siting_rule_{n}"]["zh"] for n in RULES}
    for section in ("ui/text/siting.py",):  # the page section does not define them a second time
        text = (ROOT / section).read_text(encoding="utf-8")
        assert not any(f'"siting_crit_{n}"' in text for n in CRITERIA)
        assert not any(f'"siting_rule_{n}"' in text for n in RULES)


def test_methods_citations_name_existing_sections():
    """Comments cite `docs/methods.md §N`: every cited section exists (and docs/ is not a package)."""
    import re

    doc = (DOCS / "methods.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^#+ (§[\d.]+) ", doc, flags=re.M))
    assert not (DOCS / "__init__.py").exists()
    cited = []
    for path in _files(SCANNED + ("spatial",)):
        for n, line in enumerate((ROOT / path).read_text(encoding="utf-8").splitlines(), 1):
            for ref in re.findall(r"docs/methods\.md ((?:§[\d.]*\d(?:, )?)+)", line):
                cited += [(path, n, s) for s in re.findall(r"§[\d.]*\d", ref)]
    assert cited
    unknown = [f"{p}:{n}: {s}" for p, n, s in cited if s not in sections]
    assert not unknown, "citations of missing docs/methods.md sections:\n" + "\n".join(unknown)
