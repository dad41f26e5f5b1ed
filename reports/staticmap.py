"""Static map of one evaluation unit for the PDF scorecard, drawn with matplotlib/geopandas.

Parcels coloured by supply status (the web map's colours), protection lines by level, the
unit's boundary, member enterprises by class, a scale bar, a north arrow and a legend.
The CRS is the project's projected CRS (metres), so the scale bar is measured in map units.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch, PathPatch, Rectangle
from matplotlib.path import Path

from i18n import t
from maps.webmap import LINE_COLOURS, SUPPLY_COLOURS
from reports import GRADE_COLOURS, CjkFont, firm_points

UNIT_EDGE = "#111111"
OTHER_PARCEL = "#e0e0e0"


@dataclass
class MapLayers:
    """Everything the unit maps draw, prepared once for all units (arrays + a spatial index)."""

    parcels: np.ndarray
    parcel_status: np.ndarray
    parcel_tree: shapely.STRtree
    lines: np.ndarray
    line_level: np.ndarray
    member_unit: np.ndarray  # unit position of each located member firm, sorted
    member_xy: np.ndarray  # its point (own point, else a point on its first owned parcel)
    member_colour: np.ndarray  # its class colour


def prepare_layers(units: gpd.GeoDataFrame, parcels: gpd.GeoDataFrame, enterprises: pd.DataFrame,
                   members: pd.DataFrame, firms: pd.DataFrame) -> MapLayers:
    """Arrays and the parcel STRtree the per-unit maps query."""
    pgeom = parcels.geometry.to_numpy() if len(parcels) else np.array([], dtype=object)
    status = parcels["supply_status"].astype(str).to_numpy() if "supply_status" in parcels else np.full(len(pgeom), "")
    is_line = (units["unit_kind"] == "protection_lines").to_numpy()
    level = units["level"].astype(str).to_numpy() if "level" in units else np.full(len(units), "")
    points, _source = firm_points(enterprises, parcels)
    located = members[members["uscc"].astype(str).isin(points.index)].sort_values("unit_pos", kind="stable")
    uscc = located["uscc"].astype(str).to_numpy()
    classes = firms["class"].reindex(uscc) if "class" in firms else pd.Series(None, index=uscc, dtype=object)
    colours = classes.map(GRADE_COLOURS).fillna("#ffffff").to_numpy(dtype=object)
    xy = shapely.get_coordinates(points.loc[uscc].to_numpy()) if len(uscc) else np.zeros((0, 2))
    return MapLayers(pgeom, status, shapely.STRtree(pgeom), units.geometry.to_numpy()[is_line], level[is_line],
                     located["unit_pos"].to_numpy(), xy, colours)


def register_font(font: CjkFont) -> font_manager.FontProperties:
    """Make the CJK font known to matplotlib and return properties that select its (SC) face."""
    font_manager.fontManager.addfont(str(font.path))
    names = {f.name for f in font_manager.fontManager.ttflist if f.fname == str(font.path)}
    if font.family in names:
        return font_manager.FontProperties(family=font.family)
    return font_manager.FontProperties(fname=str(font.path))


def polygon_path(geoms: np.ndarray) -> Path:
    """One compound matplotlib Path of (multi)polygons, holes included (outer rings CCW, holes CW)."""
    parts = shapely.get_parts(shapely.orient_polygons(geoms))
    parts = parts[shapely.get_type_id(parts) == 3]
    rings = shapely.get_rings(parts)
    if len(rings) == 0:
        return Path(np.zeros((0, 2)))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    codes = np.full(len(xy), Path.LINETO, dtype=Path.code_type)
    start = np.r_[True, ring[1:] != ring[:-1]]
    end = np.r_[ring[1:] != ring[:-1], True]
    codes[start] = Path.MOVETO
    codes[end] = Path.CLOSEPOLY
    return Path(xy, codes)


def nice_length(span_m: float) -> float:
    """A round scale-bar length (1, 2 or 5 × 10ⁿ m) near a quarter of the map width."""
    target = max(span_m / 4.0, 1e-9)
    exp = 10 ** np.floor(np.log10(target))
    for step in (5, 2, 1):
        if step * exp <= target:
            return float(step * exp)
    return float(exp)


def _view(geom, aspect: float, margin: float) -> tuple[float, float, float, float]:
    """Bounds around `geom` with a margin, widened to the axes' aspect (width / height)."""
    minx, miny, maxx, maxy = shapely.bounds(geom)
    w, h = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    w, h = w * (1 + 2 * margin), h * (1 + 2 * margin)
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def unit_map_png(layers: MapLayers, pos: int, unit_geom, *, lang: str = "zh", fontprops=None,
                 size_in: tuple[float, float] = (3.54, 4.18), dpi: int = 200, margin: float = 0.08) -> bytes:
    """PNG of unit `pos`: parcels by supply status, protection lines, the unit, member firms by class."""
    fig = Figure(figsize=size_in, dpi=dpi)
    FigureCanvasAgg(fig)
    band = 0.22  # bottom share of the figure for scale bar, north arrow and legend
    box = (0.01, band, 0.98, 0.99 - band)
    ax = fig.add_axes(box)
    aspect = (box[2] * size_in[0]) / (box[3] * size_in[1])
    x0, y0, x1, y1 = _view(unit_geom, aspect, margin)
    window = shapely.box(x0, y0, x1, y1)

    idx = layers.parcel_tree.query(window, predicate="intersects")
    status = layers.parcel_status[idx]
    for value in np.unique(status):
        ax.add_artist(PathPatch(polygon_path(layers.parcels[idx[status == value]]),
                                facecolor=SUPPLY_COLOURS.get(value, OTHER_PARCEL),
                                edgecolor="#666666", linewidth=0.15, alpha=0.85))
    if len(layers.lines):
        near = shapely.intersects(layers.lines, window)
        for level in np.unique(layers.line_level[near]):
            ax.add_artist(PathPatch(polygon_path(layers.lines[near & (layers.line_level == level)]), facecolor="none",
                                   edgecolor=LINE_COLOURS.get(level, "#333333"), linewidth=1.3, linestyle=(0, (4, 2))))
    ax.add_artist(PathPatch(polygon_path(np.array([unit_geom])), facecolor="none", edgecolor=UNIT_EDGE, linewidth=1.8))

    lo, hi = np.searchsorted(layers.member_unit, [pos, pos + 1])
    if hi > lo:
        ax.scatter(layers.member_xy[lo:hi, 0], layers.member_xy[lo:hi, 1], s=16, c=layers.member_colour[lo:hi],
                   edgecolors="#222222", linewidths=0.5, zorder=5)

    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#888888")
        spine.set_linewidth(0.6)
    top = band - 0.015
    _scale_bar(fig, x1 - x0, box[2], (0.03, top - 0.03), fontprops)
    _north_arrow(fig, (0.95, top - 0.065, top), lang, fontprops)
    _legend(fig, lang, fontprops, top - 0.06)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _scale_bar(fig: Figure, span_m: float, axes_width: float, at: tuple[float, float], fontprops) -> None:
    """A two-tone bar of a round length, drawn below the map in figure coordinates."""
    length = nice_length(span_m)
    w = length / span_m * axes_width
    h = 0.008
    x, y = at
    fig.add_artist(Rectangle((x, y), w / 2, h, transform=fig.transFigure,
                             facecolor="#222222", edgecolor="#222222", linewidth=0.6))
    fig.add_artist(Rectangle((x + w / 2, y), w / 2, h, transform=fig.transFigure,
                             facecolor="white", edgecolor="#222222", linewidth=0.6))
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    for fx, text in ((x, "0"), (x + w, label)):
        fig.text(fx, y + 1.8 * h, text, ha="center", va="bottom", fontproperties=_sized(fontprops, 6.5))


def _north_arrow(fig: Figure, at: tuple[float, float, float], lang: str, fontprops) -> None:
    """An arrow pointing to grid north (the projected CRS's +y), with its label beside it."""
    x, y0, y1 = at
    fig.add_artist(FancyArrowPatch((x, y0), (x, y1), transform=fig.transFigure, arrowstyle="-|>", mutation_scale=10,
                                   color="#222222", linewidth=1.1))
    fig.text(x - 0.02, (y0 + y1) / 2, t("exp_north", lang), ha="right", va="center", fontproperties=_sized(fontprops, 7.5))


def _legend(fig: Figure, lang: str, fontprops, top: float) -> None:
    """Supply status, line levels and the unit boundary, member firm classes: three columns of four rows."""
    status = [Patch(facecolor=c, edgecolor="#666666", linewidth=0.3, label=t(s, lang)) for s, c in SUPPLY_COLOURS.items()]
    lines = [Line2D([], [], color=c, linewidth=1.3, linestyle=(0, (4, 2)), label=t(level, lang))
             for level, c in LINE_COLOURS.items()]
    lines.append(Line2D([], [], color=UNIT_EDGE, linewidth=1.8, label=t("exp_unit_boundary", lang)))
    lines.append(Line2D([], [], color="none", label=" "))
    classes = [Line2D([], [], marker="o", linestyle="none", markersize=4.5, markerfacecolor=c, markeredgecolor="#222222",
                      markeredgewidth=0.5, label=t("exp_class_firms", lang).format(c=k)) for k, c in GRADE_COLOURS.items()]
    fig.legend(handles=status + lines + classes, loc="upper center", bbox_to_anchor=(0.5, top), ncol=3, frameon=False,
               prop=_sized(fontprops, 6.5), handlelength=1.8, columnspacing=1.4, labelspacing=0.45, borderaxespad=0.0)


def _sized(fontprops, size: float) -> font_manager.FontProperties:
    """A copy of the CJK font properties at `size` points (the default font when none is given)."""
    props = fontprops.copy() if fontprops is not None else font_manager.FontProperties()
    props.set_size(size)
    return props
