"""Static maps and charts for the briefing documents (PDF and Word), drawn with matplotlib.

Unit maps: parcels by supply status, protection lines by level, the unit (outlined and named), main roads with
their names, member firms by class (single dots when few, counted clusters when many), a locator inset, a scale bar,
a north arrow and a legend of only what is drawn. The district overview colours every unit by grade; the cohort
chart shows land approved and supplied per approval year with the rolling supply ratio against its floor.
The CRS is the project's projected CRS (metres), so the scale bar is measured in map units.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

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

from i18n import layer_label, t
from maps.webmap import LINE_COLOURS, MAJOR_ROADS, SUPPLY_COLOURS
from reports import GRADE_COLOURS, NO_GRADE_COLOUR, CjkFont, firm_points

UNIT_EDGE = "#111111"
OTHER_PARCEL = "#e0e0e0"
ROAD_COLOUR = "#5a5a5a"
MAIN_ROADS = (*MAJOR_ROADS, "次干路", "secondary")  # roads drawn and named on the maps
# Layout constants (not domain choices): above this many firms in a map they are drawn as counted clusters, on a
# grid of this many cells across the map; PNGs are quantised to this many colours to keep the documents small.
CLUSTER_ABOVE = 120
CLUSTER_CELLS = 18
PNG_COLOURS = 192


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
    member_class: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))  # A–D, "" when unclassed
    roads: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))  # main roads only
    road_names: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    district: object = None  # the district's extent (union of unit envelopes), for the locator inset


def prepare_layers(units: gpd.GeoDataFrame, parcels: gpd.GeoDataFrame, enterprises: pd.DataFrame,
                   members: pd.DataFrame, firms: pd.DataFrame, roads: gpd.GeoDataFrame | None = None) -> MapLayers:
    """Arrays and the parcel STRtree the per-unit maps query (roads: the project's road layer, main roads kept)."""
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
    road_geoms, road_names = np.array([], dtype=object), np.array([], dtype=object)
    if roads is not None and len(roads) and "road_class" in roads:
        main = roads[roads["road_class"].astype(str).isin(MAIN_ROADS).to_numpy()]
        road_geoms = main.geometry.to_numpy()
        road_names = (main["name"].fillna("").astype(str) if "name" in main else pd.Series("", index=main.index)).to_numpy()
    district = shapely.convex_hull(shapely.union_all(units.geometry.envelope.to_numpy())) if len(units) else None
    return MapLayers(pgeom, status, shapely.STRtree(pgeom), units.geometry.to_numpy()[is_line], level[is_line],
                     located["unit_pos"].to_numpy(), xy, colours, classes.fillna("").astype(str).to_numpy(dtype=object),
                     road_geoms, road_names, district)


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


def line_path(geoms: np.ndarray) -> Path:
    """One compound matplotlib Path of (multi)linestrings."""
    parts = shapely.get_parts(geoms)
    parts = parts[np.isin(shapely.get_type_id(parts), (1, 2))]
    if len(parts) == 0:
        return Path(np.zeros((0, 2)))
    xy, line = shapely.get_coordinates(parts, return_index=True)
    codes = np.full(len(xy), Path.LINETO, dtype=Path.code_type)
    codes[np.r_[True, line[1:] != line[:-1]]] = Path.MOVETO
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


def png_bytes(fig: Figure, dpi: int) -> bytes:
    """The figure as a palette PNG: flat map colours survive quantisation, and the file is several times smaller."""
    from PIL import Image

    if fig.dpi != dpi:
        fig.set_dpi(dpi)
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()  # the pixels savefig would encode, taken as they are: no full-colour PNG encoded and decoded again
    image = Image.fromarray(np.asarray(canvas.buffer_rgba()), "RGBA").convert("RGB").quantize(
        colors=PNG_COLOURS, method=Image.Quantize.FASTOCTREE)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()


def firm_clusters(xy: np.ndarray, classes: np.ndarray, window: tuple[float, float, float, float],
                  cells: int = CLUSTER_CELLS) -> pd.DataFrame:
    """Firms binned on a square grid of `cells` across the window, one row per (cell, class): the mean point of the
    class's firms in the cell, nudged to its quadrant so the four classes of one cell do not cover each other."""
    x0, y0, x1, _y1 = window
    size = max((x1 - x0) / cells, 1e-9)
    frame = pd.DataFrame({"cx": np.floor((xy[:, 0] - x0) / size), "cy": np.floor((xy[:, 1] - y0) / size),
                          "x": xy[:, 0], "y": xy[:, 1], "cls": classes})
    out = frame.groupby(["cx", "cy", "cls"], as_index=False).agg(x=("x", "mean"), y=("y", "mean"), n=("x", "size"))
    nudge = {"A": (-1, 1), "B": (1, 1), "C": (-1, -1), "D": (1, -1)}
    dx = out["cls"].map(lambda c: nudge.get(c, (0, 0))[0]).to_numpy(dtype=float)
    dy = out["cls"].map(lambda c: nudge.get(c, (0, 0))[1]).to_numpy(dtype=float)
    out["x"] = (out["cx"].to_numpy() + 0.5 + 0.22 * dx) * size + x0
    out["y"] = (out["cy"].to_numpy() + 0.5 + 0.22 * dy) * size + y0
    return out


def unit_map_png(layers: MapLayers, pos: int, unit_geom, *, lang: str = "zh", fontprops=None,
                 size_in: tuple[float, float] = (3.54, 4.18), dpi: int = 150, margin: float = 0.08,
                 name: str = "") -> bytes:
    """PNG of unit `pos`: parcels by supply status, protection lines, main roads, the unit, member firms by class,
    a locator inset and a legend of what is drawn."""
    fig = Figure(figsize=size_in, dpi=dpi)
    FigureCanvasAgg(fig)
    band = min(0.32, 1.45 / size_in[1])  # bottom strip (about 1.45 in) for scale bar, north arrow and legend
    box = (0.01, band, 0.98, 0.99 - band)
    ax = fig.add_axes(box)
    aspect = (box[2] * size_in[0]) / (box[3] * size_in[1])
    x0, y0, x1, y1 = _view(unit_geom, aspect, margin)
    window = shapely.box(x0, y0, x1, y1)
    legend: list = []

    idx = layers.parcel_tree.query(window, predicate="intersects")
    status = layers.parcel_status[idx]
    for value in SUPPLY_COLOURS:
        if (status == value).any():
            legend.append(Patch(facecolor=SUPPLY_COLOURS[value], edgecolor="#666666", linewidth=0.3, label=t(value, lang)))
    for value in np.unique(status):
        ax.add_artist(PathPatch(polygon_path(layers.parcels[idx[status == value]]),
                                facecolor=SUPPLY_COLOURS.get(value, OTHER_PARCEL),
                                edgecolor="#666666", linewidth=0.15, alpha=0.85))
    if len(layers.lines):
        near = shapely.intersects(shapely.boundary(layers.lines), window)  # an outline crossing the map, not only
        for level in np.unique(layers.line_level[near]):  # around it
            ax.add_artist(PathPatch(polygon_path(layers.lines[near & (layers.line_level == level)]), facecolor="none",
                                    edgecolor=LINE_COLOURS.get(level, "#333333"), linewidth=1.3, linestyle=(0, (4, 2)),
                                    zorder=4))
        drawn = set(layers.line_level[near])
        for level, colour in LINE_COLOURS.items():
            if level in drawn:
                legend.append(Line2D([], [], color=colour, linewidth=1.3, linestyle=(0, (4, 2)), label=t(level, lang)))
    _roads(ax, layers, window, fontprops, legend, lang)
    ax.add_artist(PathPatch(polygon_path(np.array([unit_geom])), facecolor="none", edgecolor=UNIT_EDGE, linewidth=1.8,
                            zorder=4.5))  # above the roads: block outlines often run along them
    legend.append(Line2D([], [], color=UNIT_EDGE, linewidth=1.8, label=t("brief_legend_unit", lang)))
    if name:  # the unit's name at its top edge, inside the frame
        _halo_text(ax, x0 + (x1 - x0) * 0.03, y1 - (y1 - y0) * 0.02, name, _sized(fontprops, 8), ha="left", va="top")

    lo, hi = np.searchsorted(layers.member_unit, [pos, pos + 1])
    _firms(ax, layers, lo, hi, (x0, y0, x1, y1), legend, lang)

    _frame(ax, (x0, y0, x1, y1))
    if layers.district is not None:
        _locator(fig, box, layers.district, window, lang, fontprops)
    top = band - 0.015
    _scale_bar(fig, x1 - x0, box[2], (0.03, top - 0.03), fontprops)
    _north_arrow(fig, (0.95, top - 0.065, top), lang, fontprops)
    fig.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, top - 0.055), ncol=3 if lang == "zh" else 2,
               frameon=False, prop=_sized(fontprops, 6.8), handlelength=1.8, columnspacing=1.2, labelspacing=0.4,
               borderaxespad=0.0)
    return png_bytes(fig, dpi)


def _roads(ax, layers: MapLayers, window, fontprops, legend: list, lang: str) -> None:
    """Main roads in the window, each named once along its longest visible piece."""
    if not len(layers.roads):
        return
    near = shapely.intersects(layers.roads, window)
    if not near.any():
        return
    clipped = shapely.intersection(layers.roads[near], window)
    ax.add_artist(PathPatch(line_path(clipped), facecolor="none", edgecolor="white", linewidth=3.2, zorder=3))
    ax.add_artist(PathPatch(line_path(clipped), facecolor="none", edgecolor=ROAD_COLOUR, linewidth=1.6, zorder=3))
    legend.append(Line2D([], [], color=ROAD_COLOUR, linewidth=1.6, label=t("brief_legend_main_road", lang)))
    names = layers.road_names[near]
    lengths = shapely.length(clipped)
    frame = pd.DataFrame({"name": names, "length": lengths, "i": np.arange(len(names))})
    frame = frame[(frame["name"] != "") & (frame["length"] > 0)]
    span = shapely.bounds(window)[2] - shapely.bounds(window)[0]
    for rec in frame.sort_values("length", ascending=False).drop_duplicates("name").head(4).to_dict("records"):
        if rec["length"] < span * 0.25:
            continue
        line = clipped[rec["i"]]
        mid = shapely.line_interpolate_point(line, 0.5, normalized=True)
        a = shapely.line_interpolate_point(line, 0.45, normalized=True)
        b = shapely.line_interpolate_point(line, 0.55, normalized=True)
        angle = float(np.degrees(np.arctan2(b.y - a.y, b.x - a.x)))
        angle = angle - 180 if angle > 90 else angle + 180 if angle < -90 else angle
        _halo_text(ax, mid.x, mid.y, rec["name"], _sized(fontprops, 6.5), rotation=angle, ha="center", va="center",
                   rotation_mode="anchor", zorder=4, colour="#333333")


def _firms(ax, layers: MapLayers, lo: int, hi: int, window, legend: list, lang: str) -> None:
    """Member firms: class-coloured dots, or counted class clusters when more than CLUSTER_ABOVE."""
    if hi <= lo:
        return
    xy, classes = layers.member_xy[lo:hi], layers.member_class[lo:hi] if len(layers.member_class) else None
    if classes is None:
        classes = np.full(hi - lo, "", dtype=object)
    present = [c for c in GRADE_COLOURS if (classes == c).any()]
    if hi - lo <= CLUSTER_ABOVE:
        ax.scatter(xy[:, 0], xy[:, 1], s=16, c=layers.member_colour[lo:hi], edgecolors="#222222", linewidths=0.5, zorder=5)
        sizes = {c: 4.5 for c in present}
    else:
        clusters = firm_clusters(xy, classes, window)
        area = 10 + 9 * clusters["n"].to_numpy(dtype=float) ** 0.75  # marker area grows slower than the count
        colours = clusters["cls"].map(GRADE_COLOURS).fillna("#ffffff").to_numpy(dtype=object)
        ax.scatter(clusters["x"], clusters["y"], s=area, c=colours, edgecolors="#222222", linewidths=0.5, zorder=5,
                   alpha=0.92)
        sizes = {c: 6.0 for c in present}
        legend.append(Line2D([], [], marker="o", linestyle="none", markersize=6, markerfacecolor="#ffffff",
                             markeredgecolor="#222222", markeredgewidth=0.5, label=t("brief_legend_firms_many", lang)))
    for c in present:
        legend.append(Line2D([], [], marker="o", linestyle="none", markersize=sizes[c], markerfacecolor=GRADE_COLOURS[c],
                             markeredgecolor="#222222", markeredgewidth=0.5,
                             label=t("brief_legend_firms", lang).format(c=c)))


def _halo_text(ax, x: float, y: float, text: str, props, *, colour: str = "#111111", zorder: int = 6, **kw) -> None:
    """Text with a white halo, legible over any fill."""
    from matplotlib import patheffects

    ax.text(x, y, text, fontproperties=props, color=colour, zorder=zorder, clip_on=True,
            path_effects=[patheffects.withStroke(linewidth=2.2, foreground="white")], **kw)


def _locator(fig: Figure, box: tuple[float, float, float, float], district, window, lang: str, fontprops) -> None:
    """A small inset in the top-right corner of the map: the district's outline with the map window marked."""
    x0d, y0d, x1d, y1d = shapely.bounds(district)
    fw, fh = fig.get_size_inches()
    w_in = min(box[2] * fw * 0.28, 1.1)
    h_in = min(w_in * (y1d - y0d) / max(x1d - x0d, 1.0), box[3] * fh * 0.3)
    w, h = w_in / fw, h_in / fh
    inset = fig.add_axes((box[0] + box[2] - w - 0.01, box[1] + box[3] - h - 0.01, w, h))
    inset.add_artist(PathPatch(polygon_path(np.array([district])), facecolor="#f4f4f4", edgecolor="#555555", linewidth=0.6))
    bx0, by0, bx1, by1 = shapely.bounds(window)
    cx, cy = (bx0 + bx1) / 2, (by0 + by1) / 2
    pad = (x1d - x0d) * 0.03  # a window smaller than that still shows as a visible box
    inset.add_artist(Rectangle((min(bx0, cx - pad), min(by0, cy - pad)), max(bx1 - bx0, 2 * pad), max(by1 - by0, 2 * pad),
                               facecolor="#d7263d40", edgecolor="#d7263d", linewidth=0.9))
    inset.set_xlim(x0d, x1d)
    inset.set_ylim(y0d, y1d)
    inset.set_aspect("equal", adjustable="box")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_facecolor("white")
    inset.text(0.04, 0.96, t("brief_locator", lang), transform=inset.transAxes, ha="left", va="top",
               fontproperties=_sized(fontprops, 6))


def _frame(ax, view: tuple[float, float, float, float]) -> None:
    """Fix a map's view to `view` (metres, equal aspect) with a thin grey frame and no ticks."""
    x0, y0, x1, y1 = view
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#888888")
        spine.set_linewidth(0.6)


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


def district_map_png(units: gpd.GeoDataFrame, grades: pd.Series, layers: MapLayers, *, lang: str = "zh", fontprops=None,
                     size_in: tuple[float, float] = (7.0, 6.0), dpi: int = 150, labels: pd.Series | None = None) -> bytes:
    """The district overview: every unit filled by grade (protection lines as outlines, drawn first), main roads,
    labels for the larger units, a scale bar, a north arrow and a legend of the grades drawn."""
    fig = Figure(figsize=size_in, dpi=dpi)
    FigureCanvasAgg(fig)
    band = min(0.16, 0.75 / size_in[1])
    box = (0.01, band, 0.98, 0.99 - band)
    ax = fig.add_axes(box)
    aspect = (box[2] * size_in[0]) / (box[3] * size_in[1])
    geoms = units.geometry.to_numpy()
    x0, y0, x1, y1 = _view(shapely.union_all(shapely.envelope(geoms)), aspect, 0.03)
    window = shapely.box(x0, y0, x1, y1)
    if len(layers.parcels):
        ax.add_artist(PathPatch(polygon_path(layers.parcels), facecolor="#eeeeee", edgecolor="none"))
    legend: list = []
    _roads(ax, layers, window, fontprops, legend, lang)
    kinds = units["unit_kind"].astype(str).to_numpy()
    grade = grades.reindex(units.index).to_numpy(dtype=object)
    area = shapely.area(geoms)
    order = np.argsort(-area, kind="stable")  # large units first, so small ones stay visible on top
    drawn: list[str] = []
    for i in order:
        colour = GRADE_COLOURS.get(grade[i], NO_GRADE_COLOUR)
        if kinds[i] == "protection_lines":
            ax.add_artist(PathPatch(polygon_path(geoms[i:i + 1]), facecolor="none", edgecolor=colour, linewidth=1.6,
                                    linestyle=(0, (4, 2)), zorder=4))
        else:
            ax.add_artist(PathPatch(polygon_path(geoms[i:i + 1]), facecolor=colour, edgecolor="#333333", linewidth=0.6,
                                    alpha=0.75, zorder=5))
        drawn.append(grade[i] if grade[i] in GRADE_COLOURS else "")
    for g in GRADE_COLOURS:
        if g in drawn:
            legend.append(Patch(facecolor=GRADE_COLOURS[g], edgecolor="#333333", linewidth=0.4,
                                label=t("brief_legend_grade", lang).format(g=g)))
    if "" in drawn:
        legend.append(Patch(facecolor=NO_GRADE_COLOUR, edgecolor="#333333", linewidth=0.4,
                            label=t("brief_legend_no_grade", lang)))
    if (kinds == "protection_lines").any():
        legend.append(Line2D([], [], color="#555555", linewidth=1.4, linestyle=(0, (4, 2)),
                             label=layer_label("protection_lines", lang)))
    if labels is not None:
        big = (kinds == "parks")  # the parks carry names; the many small units keep the map readable without
        for i in np.flatnonzero(big):
            c = shapely.point_on_surface(geoms[i])
            _halo_text(ax, c.x, c.y, str(labels.iloc[i]), _sized(fontprops, 7.5), ha="center", va="center", zorder=7)
    _frame(ax, (x0, y0, x1, y1))
    top = band - 0.01
    _scale_bar(fig, x1 - x0, box[2], (0.03, top - 0.04), fontprops)
    _north_arrow(fig, (0.97, top - 0.09, top - 0.01), lang, fontprops)
    fig.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.52, top), ncol=4, frameon=False,
               prop=_sized(fontprops, 7.5), handlelength=1.8, columnspacing=1.4, labelspacing=0.4, borderaxespad=0.0)
    return png_bytes(fig, dpi)


def cohort_chart_png(cohorts: pd.DataFrame, floor: float, window: int, *, lang: str = "zh", fontprops=None,
                     size_in: tuple[float, float] = (7.0, 3.4), dpi: int = 150) -> bytes:
    """Land approved and supplied per approval year (bars, 亩) and the rolling supply ratio against its floor
    (line, right axis); years below the floor are marked in red."""
    fig = Figure(figsize=size_in, dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.09, 0.2, 0.8, 0.72))
    years = cohorts["year"].astype(int).to_numpy()
    x = np.arange(len(years))
    ax.bar(x - 0.2, cohorts["approved_mu"].to_numpy(dtype=float), 0.4, color="#b8c9dc",
           label=t("brief_chart_approved", lang))
    ax.bar(x + 0.2, cohorts["supplied_mu"].to_numpy(dtype=float), 0.4, color="#4f7fb0",
           label=t("brief_chart_supplied", lang))
    ax.set_xticks(x, [str(y) for y in years])
    for label in ax.get_xticklabels() + ax.get_yticklabels():
        label.set_fontproperties(_sized(fontprops, 7.5))
    ax.set_ylabel(t("brief_chart_area", lang), fontproperties=_sized(fontprops, 8))
    ax.spines[["top"]].set_visible(False)
    ax2 = ax.twinx()
    ratio = cohorts["rolling_ratio"].to_numpy(dtype=float)
    ax2.plot(x, ratio, color="#222222", marker="o", markersize=3.5, linewidth=1.4,
             label=t("brief_chart_rolling", lang).format(w=window))
    below = ratio < floor
    ax2.scatter(x[below], ratio[below], s=36, color="#d7263d", zorder=5)
    ax2.axhline(floor, color="#d7263d", linestyle="--", linewidth=1.1,
                label=t("brief_chart_floor", lang).format(v=f"{floor:.0%}"))
    for xi, r in zip(x, ratio):
        if np.isfinite(r):
            ax2.annotate(f"{r:.1%}", (xi, r), textcoords="offset points", xytext=(0, 5), ha="center",
                         fontproperties=_sized(fontprops, 6.8), color="#d7263d" if r < floor else "#222222")
    ax2.set_ylim(0, 1.1)
    ax2.yaxis.set_major_formatter(lambda v, _p: f"{v:.0%}")
    for label in ax2.get_yticklabels():
        label.set_fontproperties(_sized(fontprops, 7.5))
    ax2.set_ylabel(t("brief_chart_ratio", lang), fontproperties=_sized(fontprops, 8))
    ax2.spines[["top"]].set_visible(False)
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    fig.legend(handles=handles, loc="lower center", ncol=4, frameon=False, prop=_sized(fontprops, 7.5),
               bbox_to_anchor=(0.5, 0.0))
    return png_bytes(fig, dpi)


def _sized(fontprops, size: float) -> font_manager.FontProperties:
    """A copy of the CJK font properties at `size` points (the default font when none is given)."""
    props = fontprops.copy() if fontprops is not None else font_manager.FontProperties()
    props.set_size(size)
    return props
