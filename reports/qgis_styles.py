"""QGIS (QML) and OGC SLD 1.1 styles for the GeoPackage export, built from one description per layer so both say
the same thing.

Design (issue 14, item 5):
- Unit layers (one per kind) never hide what lies beneath: a light fill in the grade colour, a band in the grade
  colour drawn inside the outline, and on top the kind's own outline (colour, width and dash differ by kind), so
  overlapping units of different kinds stay apart. Labels give the unit name and grade, in the kind's colour.
- Firms use a palette of their own (purple to crimson, never the units' green-to-red grade colours) and a shape
  per class — A star, B circle, C square, D triangle — so a class reads even on a unit of the same grade letter and
  for colour-blind readers. Markers have a white rim to stand out on any fill.
- Parcels are coloured by supply status (the web map's colours), half transparent, at the bottom.
"""

from __future__ import annotations

import dataclasses
import string
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

QGIS_VERSION = "3.22.0"  # the oldest QGIS the styles are written for (Debian 12's LTR); later versions upgrade them
PX_PER_MM = 96 / 25.4  # SLD sizes are in pixels at the OGC's 0.28 mm pixel ≈ 96 dpi; QGIS sizes are in mm

# Layout constants of the styles (display choices, not evaluation rules; change here to restyle every export).
UNIT_FILL_ALPHA = 0.15  # light enough that parcels and firms beneath stay readable where units overlap
GRADE_BAND_WIDTH_MM = 2.0  # the grade colour band drawn inside each unit's outline
GRADE_BAND_ALPHA = 0.85
PARCEL_FILL_ALPHA = 0.55
LABEL_FONT = "Microsoft YaHei"  # 微软雅黑: on every Chinese Windows; QGIS substitutes a system font elsewhere
LABEL_SIZE_PT = 10
FIRM_MARKER_MM = 2.0
FIRM_OTHER_COLOUR = "#ffffff"  # unclassified firms: a hollow grey-rimmed circle
FIRM_OTHER_RIM = "#737373"

# Each unit kind's outline: colour, width (mm) and dash; none of these colours is a grade or firm colour.
KIND_LINES: dict[str, tuple[str, float, str]] = {
    "protection_lines": ("#000000", 0.8, "dash dot"),
    "parks": ("#8c510a", 0.7, "solid"),
    "micro_parks": ("#01665e", 0.55, "dash"),
    "future_communities": ("#08306b", 0.55, "dot"),
}
# Firm classes: colour and marker shape (names common to QGIS's SimpleMarker and SLD's WellKnownName).
FIRM_MARKERS: dict[str, tuple[str, str]] = {
    "A": ("#54278f", "star"),
    "B": ("#8c6bb1", "circle"),
    "C": ("#c994c7", "square"),
    "D": ("#980043", "triangle"),
}
SLD_DASHES = {"solid": None, "dash": "8 4", "dot": "2 3", "dash dot": "8 3 2 3"}  # stroke-dasharray in px


@dataclass(frozen=True)
class Fill:
    """A polygon fill (no outline)."""

    colour: str
    alpha: float = 1.0


@dataclass(frozen=True)
class Line:
    """A polygon outline; `inside` draws it within the polygon only (QGIS; SLD draws it centred, half as wide)."""

    colour: str
    width_mm: float
    dash: str = "solid"
    alpha: float = 1.0
    inside: bool = False


@dataclass(frozen=True)
class Marker:
    """A point marker with a rim."""

    colour: str
    shape: str
    size_mm: float
    rim: str = "#ffffff"


@dataclass(frozen=True)
class Category:
    """One class of a categorized style: `value` of the field (None: every other value, NULL included)."""

    value: str | None
    label: str
    layers: tuple[Fill | Line | Marker, ...]
    label_value: str = ""  # what the map label shows for the categorized field in this class (SLD labels)


@dataclass(frozen=True)
class Labels:
    """Map labels from a template such as "{name}（{grade}）": each placeholder is a field; `missing` is shown for a
    NULL in the categorized field."""

    template: str
    missing: str
    colour: str = "#232323"


@dataclass
class LayerStyle:
    """Everything one layer's default style says: renderer, labels, aliases and value labels of coded fields."""

    layer: str
    geometry: str | None  # "polygon", "point" or None (a table)
    field: str | None = None
    categories: list[Category] = dataclasses.field(default_factory=list)
    aliases: dict[str, str] = dataclasses.field(default_factory=dict)
    value_maps: dict[str, list[tuple[str, str]]] = dataclasses.field(default_factory=dict)
    labels: Labels | None = None
    title: str = ""


def unit_categories(kind: str, grade_colours: dict[str, str], none_colour: str, grade_label: str,
                    not_scored: str) -> list[Category]:
    """Grade classes of a unit layer: light grade fill, grade band inside the outline, the kind's outline on top."""
    colour, width, dash = KIND_LINES[kind]
    outline = Line(colour, width, dash)
    out = [Category(g, grade_label.format(grade=g),
                    (Fill(c, UNIT_FILL_ALPHA), Line(c, GRADE_BAND_WIDTH_MM, alpha=GRADE_BAND_ALPHA, inside=True), outline), g)
           for g, c in grade_colours.items()]
    out.append(Category(None, not_scored, (Fill(none_colour, UNIT_FILL_ALPHA), outline), not_scored))
    return out


def firm_categories(class_label: str, unclassified: str) -> list[Category]:
    """Firm classes A–D as coloured shapes; any other value (NULL: not classified) a hollow grey circle."""
    out = [Category(c, class_label.format(cls=c), (Marker(colour, shape, FIRM_MARKER_MM * (1.25 if shape == "star" else 1)),))
           for c, (colour, shape) in FIRM_MARKERS.items()]
    out.append(Category(None, unclassified, (Marker(FIRM_OTHER_COLOUR, "circle", FIRM_MARKER_MM * 0.8, FIRM_OTHER_RIM),)))
    return out


def fill_categories(values: list[tuple[str, str, str]], other_label: str, other_colour: str) -> list[Category]:
    """Plain half-transparent fills with a thin grey outline, one per (value, label, colour)."""
    rim = Line("#6e6e6e", 0.1)
    out = [Category(v, label, (Fill(c, PARCEL_FILL_ALPHA), rim)) for v, label, c in values]
    out.append(Category(None, other_label, (Fill(other_colour, PARCEL_FILL_ALPHA), rim)))
    return out


def style_colours(style: LayerStyle) -> set[str]:
    """Every colour the style's symbols draw with, rims of markers excepted (for palette checks)."""
    return {s.colour.lower() for c in style.categories for s in c.layers}


# --------------------------------------------------------------------------- QML


def _rgba(colour: str, alpha: float = 1.0) -> str:
    """#rrggbb → "r,g,b,a" as QGIS writes colours."""
    return ",".join(str(int(colour[i:i + 2], 16)) for i in (1, 3, 5)) + f",{round(alpha * 255)}"


def _qml_layer(part: Fill | Line | Marker) -> str:
    """One QGIS symbol layer, its properties both as <Option> (QGIS ≥ 3.16) and <prop> (older readers)."""
    if isinstance(part, Fill):
        cls, props = "SimpleFill", {"color": _rgba(part.colour, part.alpha), "style": "solid", "outline_style": "no",
                                    "outline_color": "0,0,0,0", "outline_width": "0", "joinstyle": "bevel"}
    elif isinstance(part, Line):
        cls, props = "SimpleLine", {"line_color": _rgba(part.colour, part.alpha), "line_width": f"{part.width_mm:g}",
                                    "line_width_unit": "MM", "line_style": part.dash, "joinstyle": "miter",
                                    "capstyle": "flat", "draw_inside_polygon": "1" if part.inside else "0"}
    else:
        cls, props = "SimpleMarker", {"color": _rgba(part.colour), "name": part.shape, "size": f"{part.size_mm:g}",
                                      "size_unit": "MM", "outline_color": _rgba(part.rim), "outline_style": "solid",
                                      "outline_width": "0.3", "outline_width_unit": "MM", "joinstyle": "miter"}
    new = "".join(f'<Option type="QString" name="{k}" value={quoteattr(v)}/>' for k, v in props.items())
    old = "".join(f"<prop k=\"{k}\" v={quoteattr(v)}/>" for k, v in props.items())
    return f'<layer class="{cls}" enabled="1" locked="0" pass="0"><Option type="Map">{new}</Option>{old}</layer>'


def _qml_symbol(name: str, kind: str, layers: tuple[Fill | Line | Marker, ...]) -> str:
    """A QGIS symbol (fill or marker) made of `layers`, drawn in order."""
    return (f'<symbol type="{kind}" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
            f"{''.join(_qml_layer(p) for p in layers)}</symbol>")


def _template_parts(template: str) -> list[tuple[str, str | None]]:
    """"{name}（{grade}）" → [("", "name"), ("（", "grade"), ("）", None)]."""
    return [(literal, fname) for literal, fname, _spec, _conv in string.Formatter().parse(template)]


def _qml_label_expression(labels: Labels, categorized: str | None) -> str:
    """The QGIS expression of a label template; the categorized field reads `missing` when NULL."""
    pieces = []
    for literal, fname in _template_parts(labels.template):
        if literal:
            pieces.append("'" + literal.replace("'", "''") + "'")
        if fname:
            ref = '"' + fname.replace('"', '""') + '"'
            pieces.append(f"coalesce({ref}, '{labels.missing}')" if fname == categorized else f"coalesce({ref}, '')")
    return " || ".join(pieces)


def _qml_labeling(labels: Labels, categorized: str | None) -> str:
    """A simple labeling block: the template as an expression, a white halo, one label per polygon inside it."""
    expr = _qml_label_expression(labels, categorized)
    return ("<labeling type=\"simple\"><settings calloutType=\"simple\">"
            f"<text-style fieldName={quoteattr(expr)} isExpression=\"1\" fontFamily={quoteattr(LABEL_FONT)} "
            f"fontSize=\"{LABEL_SIZE_PT}\" fontSizeUnit=\"Point\" fontWeight=\"63\" textColor=\"{_rgba(labels.colour)}\" "
            "textOpacity=\"1\" allowHtml=\"0\" multilineHeight=\"1\" namedStyle=\"\" blendMode=\"0\">"
            "<families/>"
            "<text-buffer bufferDraw=\"1\" bufferColor=\"255,255,255,255\" bufferSize=\"1\" bufferSizeUnits=\"MM\" "
            "bufferOpacity=\"0.9\" bufferNoFill=\"1\" bufferJoinStyle=\"128\" bufferBlendMode=\"0\"/>"
            "</text-style>"
            "<text-format wrapChar=\"\" multilineAlign=\"1\" autoWrapLength=\"0\" useMaxLineLengthForAutoWrap=\"1\" "
            "plussign=\"0\" formatNumbers=\"0\" decimals=\"3\" reverseDirectionSymbol=\"0\" addDirectionSymbol=\"0\" "
            "placeDirectionSymbol=\"0\" leftDirectionSymbol=\"&lt;\" rightDirectionSymbol=\">\"/>"
            "<placement placement=\"1\" centroidInside=\"1\" centroidWhole=\"0\" fitInPolygonOnly=\"0\" quadOffset=\"4\" "
            "dist=\"0\" distUnits=\"MM\" offsetType=\"0\" xOffset=\"0\" yOffset=\"0\" offsetUnits=\"MM\" priority=\"7\" "
            "placementFlags=\"10\" polygonPlacementFlags=\"2\" rotationAngle=\"0\" preserveRotation=\"1\" "
            "layerType=\"PolygonGeometry\"/>"
            "<rendering drawLabels=\"1\" obstacle=\"1\" obstacleType=\"1\" obstacleFactor=\"1\" displayAll=\"0\" "
            "labelPerPart=\"0\" mergeLines=\"0\" limitNumLabels=\"0\" maxNumLabels=\"2000\" minFeatureSize=\"0\" "
            "scaleVisibility=\"0\" scaleMin=\"0\" scaleMax=\"0\" fontLimitPixelSize=\"0\" fontMinPixelSize=\"3\" "
            "fontMaxPixelSize=\"10000\" upsidedownLabels=\"0\" unplacedVisibility=\"0\" zIndex=\"0\"/>"
            "</settings></labeling>")


def _qml_value_maps(value_maps: dict[str, list[tuple[str, str]]]) -> str:
    """Value-map widgets: the attribute table and identify show the label, the data keeps the code."""
    fields = []
    for name, pairs in value_maps.items():
        entries = "".join(f'<Option type="Map"><Option type="QString" name={quoteattr(label)} value={quoteattr(value)}/></Option>'
                          for value, label in pairs)
        fields.append(f'<field name={quoteattr(name)} configurationFlags="None"><editWidget type="ValueMap"><config>'
                      f'<Option type="Map"><Option type="List" name="map">{entries}</Option></Option>'
                      "</config></editWidget></field>")
    return f"<fieldConfiguration>{''.join(fields)}</fieldConfiguration>"


def build_qml(style: LayerStyle) -> str:
    """The layer's QML: categorized renderer, labels (when any), aliases and value maps."""
    parts = []
    if style.geometry:
        kind = "fill" if style.geometry == "polygon" else "marker"
        cats, syms = [], []
        for i, cat in enumerate(style.categories):
            value = "" if cat.value is None else cat.value
            cats.append(f'<category symbol="{i}" value={quoteattr(value)} label={quoteattr(cat.label)} render="true"/>')
            syms.append(_qml_symbol(str(i), kind, cat.layers))
        parts.append(f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(style.field or "")} symbollevels="0" '
                     f'enableorderby="0" forceraster="0" referencescale="-1"><categories>{"".join(cats)}</categories>'
                     f'<symbols>{"".join(syms)}</symbols>'
                     f'<source-symbol>{_qml_symbol("0", kind, style.categories[-1].layers)}</source-symbol></renderer-v2>')
        if style.labels:
            parts.append(_qml_labeling(style.labels, style.field))
    if style.value_maps:
        parts.append(_qml_value_maps(style.value_maps))
    aliases = "".join(f"<alias field={quoteattr(k)} index=\"{i}\" name={quoteattr(v)}/>"
                      for i, (k, v) in enumerate(style.aliases.items()))
    parts.append(f"<aliases>{aliases}</aliases>")
    geometry_type = {"point": 0, "polygon": 2}.get(style.geometry or "", 4)
    parts.append(f"<layerGeometryType>{geometry_type}</layerGeometryType>")
    categories = "Symbology|Labeling|Fields|Forms" if style.geometry else "Fields|Forms"
    return (f"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            f'<qgis version="{QGIS_VERSION}" styleCategories="{categories}" labelsEnabled="{1 if style.labels else 0}">\n'
            + "\n".join(parts) + "\n</qgis>\n")


# --------------------------------------------------------------------------- SLD


def _px(mm: float) -> str:
    return f"{mm * PX_PER_MM:.1f}"


def _svg(name: str, value: str) -> str:
    return f'<se:SvgParameter name="{name}">{escape(value)}</se:SvgParameter>'


def _sld_symbolizer(part: Fill | Line | Marker) -> str:
    """One SE 1.1 symbolizer for a symbol layer."""
    if isinstance(part, Fill):
        return (f"<se:PolygonSymbolizer><se:Fill>{_svg('fill', part.colour)}{_svg('fill-opacity', f'{part.alpha:g}')}"
                "</se:Fill></se:PolygonSymbolizer>")
    if isinstance(part, Line):
        dash = SLD_DASHES.get(part.dash)
        width = part.width_mm / 2 if part.inside else part.width_mm  # SLD has no inside-only line: a centred one, half as wide
        return (f"<se:LineSymbolizer><se:Stroke>{_svg('stroke', part.colour)}{_svg('stroke-width', _px(width))}"
                f"{_svg('stroke-opacity', f'{part.alpha:g}')}{_svg('stroke-linejoin', 'mitre')}"
                f"{_svg('stroke-dasharray', dash) if dash else ''}</se:Stroke></se:LineSymbolizer>")
    return (f"<se:PointSymbolizer><se:Graphic><se:Mark><se:WellKnownName>{part.shape}</se:WellKnownName>"
            f"<se:Fill>{_svg('fill', part.colour)}</se:Fill><se:Stroke>{_svg('stroke', part.rim)}"
            f"{_svg('stroke-width', _px(0.3))}</se:Stroke></se:Mark><se:Size>{_px(part.size_mm)}</se:Size>"
            "</se:Graphic></se:PointSymbolizer>")


def _sld_text(labels: Labels, categorized: str | None, cat: Category) -> str:
    """A TextSymbolizer whose label is the template: fields as PropertyName, the categorized one as this class's text."""
    content = []
    for literal, fname in _template_parts(labels.template):
        content.append(escape(literal))
        if fname and fname == categorized:
            content.append(escape(cat.label_value))
        elif fname:
            content.append(f"<ogc:PropertyName>{escape(fname)}</ogc:PropertyName>")
    return (f"<se:TextSymbolizer><se:Label>{''.join(content)}</se:Label>"
            f"<se:Font>{_svg('font-family', LABEL_FONT)}{_svg('font-size', f'{LABEL_SIZE_PT * 4 / 3:.0f}')}"
            f"{_svg('font-weight', 'bold')}</se:Font>"
            "<se:LabelPlacement><se:PointPlacement><se:AnchorPoint><se:AnchorPointX>0.5</se:AnchorPointX>"
            "<se:AnchorPointY>0.5</se:AnchorPointY></se:AnchorPoint></se:PointPlacement></se:LabelPlacement>"
            f"<se:Halo><se:Radius>{_px(1)}</se:Radius><se:Fill>{_svg('fill', '#ffffff')}</se:Fill></se:Halo>"
            f"<se:Fill>{_svg('fill', labels.colour)}</se:Fill></se:TextSymbolizer>")


def build_sld(style: LayerStyle) -> str:
    """The layer's style as an OGC SLD 1.1 / SE document (GeoServer, other clients): one Rule per class, the last an
    ElseFilter; labels as a TextSymbolizer in every rule. Empty for a table without geometry."""
    if not style.geometry:
        return ""
    rules = []
    for cat in style.categories:
        name = "else" if cat.value is None else cat.value
        if cat.value is None:
            condition = "<se:ElseFilter/>"
        else:
            condition = (f"<ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>{escape(style.field or '')}</ogc:PropertyName>"
                         f"<ogc:Literal>{escape(cat.value)}</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>")
        symbolizers = "".join(_sld_symbolizer(p) for p in cat.layers)
        text = _sld_text(style.labels, style.field, cat) if style.labels else ""
        rules.append(f"<se:Rule><se:Name>{escape(name)}</se:Name><se:Description><se:Title>{escape(cat.label)}</se:Title>"
                     f"</se:Description>{condition}{symbolizers}{text}</se:Rule>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<StyledLayerDescriptor version="1.1.0" xmlns="http://www.opengis.net/sld" xmlns:se="http://www.opengis.net/se" '
            'xmlns:ogc="http://www.opengis.net/ogc" xmlns:xlink="http://www.w3.org/1999/xlink" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://www.opengis.net/sld http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd">'
            f"<NamedLayer><se:Name>{escape(style.layer)}</se:Name><UserStyle><se:Name>{escape(style.layer)}</se:Name>"
            f"<se:Description><se:Title>{escape(style.title or style.layer)}</se:Title></se:Description>"
            f"<se:FeatureTypeStyle>{''.join(rules)}</se:FeatureTypeStyle></UserStyle></NamedLayer></StyledLayerDescriptor>\n")


__all__ = ["FIRM_MARKERS", "KIND_LINES", "Category", "Fill", "Labels", "LayerStyle", "Line", "Marker", "build_qml",
           "build_sld", "fill_categories", "firm_categories", "style_colours", "unit_categories"]
