"""The web map's building blocks: compact layers, choropleth classes, GCJ-02 display shift, basemaps,
zoom, page weight — against hand-computed expectations."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from maps.choropleth import NO_DATA_COLOUR, classify, ramp
from maps.codec import decode_layer, encode_column, encode_layer
from maps.layer_data import firm_class_string, prepare_map_layers, read_map_frames, unit_key
from maps.webmap import build_map, display_geometries, overlay_group, to_display, zoom_for_bounds

# ------------------------------------------------------------------------------- choropleth classes


def test_quantiles_of_one_to_ten_in_three_classes():
    # numpy's linear percentiles of 1..10: 33.3 % → 1 + 9/3 = 4, 66.7 % → 7, 100 % → 10
    c = classify(list(range(1, 11)), scheme="quantiles", k=3)
    assert c.upper == pytest.approx([4.0, 7.0, 10.0])
    assert c.lower == pytest.approx([1.0, 4.0, 7.0])
    assert c.counts == [4, 3, 3]               # 1–4 | 5–7 | 8–10 (upper bounds inclusive)
    assert c.assignment.tolist() == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_equal_interval_splits_the_range_evenly():
    # range 0–12 in 4 classes of width 3: bounds 3, 6, 9, 12
    c = classify([0, 1, 2, 4, 5, 7, 12], scheme="equal_interval", k=4)
    assert c.upper == pytest.approx([3.0, 6.0, 9.0, 12.0])
    assert c.counts == [3, 2, 1, 1]


def test_equal_interval_keeps_an_empty_class():
    c = classify([0, 1, 9, 10], scheme="equal_interval", k=3)   # bounds 3.33, 6.67, 10: middle class empty
    assert c.counts == [2, 0, 2]
    assert c.k == 3


def test_natural_breaks_find_the_three_clusters():
    c = classify([1, 2, 3, 10, 11, 12, 30, 31], scheme="natural_breaks", k=3)
    assert c.upper == pytest.approx([3.0, 12.0, 31.0])
    assert c.counts == [3, 3, 2]


def test_missing_values_form_the_no_data_class():
    c = classify([1.0, None, 2.0, float("nan"), 3.0, float("inf")], scheme="quantiles", k=3)
    assert c.no_data == 3
    assert c.assignment.tolist() == [0, -1, 1, -1, 2, -1]
    colours = c.colour_of()
    assert colours[1] == colours[3] == colours[5] == NO_DATA_COLOUR
    assert colours[0] != NO_DATA_COLOUR


def test_fewer_distinct_values_than_classes_lowers_k():
    c = classify([5, 5, 5, 8], scheme="quantiles", k=5)
    assert c.k == 2
    assert sorted(c.counts) == [1, 3]
    single = classify([7, 7, 7], k=5)
    assert single.k == 1 and single.counts == [3] and single.upper == [7.0]
    assert classify([None, None], k=5).k == 0


def test_bad_scheme_and_k_are_refused():
    with pytest.raises(ValueError, match="quantiles"):
        classify([1, 2, 3], scheme="jenks")
    with pytest.raises(ValueError, match="at least 1"):
        classify([1, 2, 3], k=0)


def test_ramp_runs_red_to_green_and_reverses_for_cost_indicators():
    five = ramp(5)
    assert five == ["#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641"]   # ColorBrewer RdYlGn 5
    assert ramp(5, reverse=True) == five[::-1]
    three = ramp(3)
    assert three == ["#d7191c", "#ffffbf", "#1a9641"]


# ---------------------------------------------------------------------------------- compact layers


def test_polygons_lines_points_round_trip_on_the_grid():
    square_with_hole = shapely.Polygon([(121.0, 29.0), (121.001, 29.0), (121.001, 29.001), (121.0, 29.001)],
                                       holes=[[(121.0002, 29.0002), (121.0004, 29.0002), (121.0004, 29.0004)]])
    two = shapely.MultiPolygon([shapely.box(121.01, 29.01, 121.02, 29.02), shapely.box(121.03, 29.01, 121.04, 29.02)])
    layer = encode_layer("parcels", np.array([square_with_hole, two, None]), pd.DataFrame({"id": ["a", "b", "c"]}))
    assert layer.count == 2 and layer.dropped == 1
    fc = decode_layer(layer.payload)
    first, second = fc["features"]
    assert first["properties"] == {"id": "a"}
    assert first["geometry"]["type"] == "Polygon"
    assert first["geometry"]["coordinates"][0] == [[121.0, 29.0], [121.001, 29.0], [121.001, 29.001], [121.0, 29.001],
                                                   [121.0, 29.0]]
    assert first["geometry"]["coordinates"][1] == [[121.0002, 29.0002], [121.0004, 29.0002], [121.0004, 29.0004],
                                                   [121.0002, 29.0002]]
    assert second["geometry"]["type"] == "MultiPolygon"
    assert shapely.equals(shapely.geometry.shape(second["geometry"]), two)

    lines = encode_layer("roads", np.array([shapely.LineString([(121.0, 29.0), (121.00001, 29.00002), (121.1, 29.1)])]))
    assert decode_layer(lines.payload)["features"][0]["geometry"]["coordinates"] == \
        [[121.0, 29.0], [121.00001, 29.00002], [121.1, 29.1]]
    points = encode_layer("enterprises", np.array([shapely.Point(121.123456, 29.654321), shapely.Point(121.5, 29.5)]))
    coords = [f["geometry"]["coordinates"] for f in decode_layer(points.payload)["features"]]
    assert coords == [[121.12346, 29.65432], [121.5, 29.5]]     # snapped to the 1e-5° grid


def test_coordinates_are_deltas_of_integers_on_the_grid():
    layer = encode_layer("roads", np.array([shapely.LineString([(121.0, 29.0), (121.00003, 29.00001)])]))
    doc = json.loads(layer.payload)
    assert doc["o"] == [12100000, 2900000]      # the layer's minimum, in 1e-5° units
    assert doc["c"] == [0, 0, 3, 1]             # first point at the origin, then +3, +1
    assert doc["n"] == [2]


def test_columns_repeat_as_codes_or_stay_plain():
    assert encode_column(pd.Series(["built", "idle", "built", None, "built"])) == \
        {"v": ["built", "idle"], "c": [0, 1, 0, -1, 0]}
    assert encode_column(pd.Series(["a", "b", "c"])) == ["a", "b", "c"]
    assert encode_column(pd.Series([1.5, np.nan, 2.25, 3.0])) == [1.5, None, 2.25, 3.0]


def test_firm_classes_follow_the_drawn_order():
    classes = pd.Series({"X1": "A", "X2": "D", "X3": None, "X4": "B"})
    assert firm_class_string(["X2", "X1", "X9", "X3", "X4"], classes) == "DA--B"
    assert firm_class_string([], classes) == ""


# --------------------------------------------------------------------------------------- GCJ-02


def test_display_geometries_shift_to_gcj02_for_amap():
    # published vector (googollee/eviltransform): WGS84 (121.5272106, 31.1774276) → GCJ-02 (121.531541859215, 31.17530398364597)
    frame = gpd.GeoDataFrame(geometry=[shapely.Point(121.5272106, 31.1774276)], crs=4326)
    plain = display_geometries(frame)[0]
    shifted = display_geometries(frame, gcj02=True)[0]
    assert (plain.x, plain.y) == pytest.approx((121.5272106, 31.1774276), abs=1e-9)
    assert (shifted.x, shifted.y) == pytest.approx((121.531541859215, 31.17530398364597), abs=1e-6)


def test_projected_layers_are_shifted_after_reprojection():
    # the same point given in CGCS2000 3° GK zone 40 (EPSG:4528) must land on the same GCJ-02 position
    frame = gpd.GeoDataFrame(geometry=[shapely.Point(121.5272106, 31.1774276)], crs=4326).to_crs(4528)
    shifted = display_geometries(frame, simplify_m=0, gcj02=True)[0]
    assert (shifted.x, shifted.y) == pytest.approx((121.531541859215, 31.17530398364597), abs=1e-6)
    layer = encode_layer("enterprises", display_geometries(frame, simplify_m=0, gcj02=True))
    x, y = decode_layer(layer.payload)["features"][0]["geometry"]["coordinates"]
    assert (x, y) == pytest.approx((121.53154, 31.1753), abs=1e-5)


# ------------------------------------------------------------------------------------- basemaps, zoom


def test_basemaps_need_a_key_for_tianditu_and_shift_only_for_amap():
    from maps.basemaps import BASEMAPS, needs_gcj02, tile_layers

    assert tile_layers(None) == []
    with pytest.raises(ValueError, match="Tianditu"):
        tile_layers("tianditu")
    urls = [layer.tiles for layer in tile_layers("tianditu", tianditu_key="abc123")]
    assert len(urls) == 2 and all("tk=abc123" in u for u in urls)
    assert "vec_w" in urls[0] and "LAYER=vec" in urls[0] and "cva_w" in urls[1]
    assert needs_gcj02("amap") and not needs_gcj02("tianditu") and not needs_gcj02("osm") and not needs_gcj02(None)
    assert all(b.attribution for b in BASEMAPS.values())
    with pytest.raises(ValueError, match="unknown basemap"):
        tile_layers("bing")


def test_zoom_for_bounds_by_hand():
    # 1° of longitude at the equator is 256·2^z/360 px; in 256 px wide (no padding): z = floor(log2(360)) = 8
    centre, zoom = zoom_for_bounds((0.0, -0.001, 1.0, 0.001), width_px=256, height_px=10_000, padding=1.0)
    assert zoom == 8 and centre == pytest.approx((0.0, 0.5))
    # the tighter side decides: the same box 64 px wide fits at zoom 6
    assert zoom_for_bounds((0.0, -0.001, 1.0, 0.001), width_px=64, height_px=10_000, padding=1.0)[1] == 6
    assert zoom_for_bounds((121.0, 29.0, 121.0, 29.0))[1] == 18          # a point: the max zoom


# ---------------------------------------------------------------------------------- the demo district


@pytest.fixture(scope="module")
def demo_map(demo_project):
    frames = read_map_frames(demo_project)
    return frames, prepare_map_layers(frames)


def _st_folium_bytes(fmap, group=None) -> int:
    import streamlit_folium as sf

    fmap.get_root().render()
    fmap.render()
    parts = [sf._get_html(fmap), sf._get_header(fmap), sf._get_map_string(fmap)]
    if group is not None:
        parts.append(sf._get_feature_group_string(group, map=fmap))
    return sum(len(p.encode()) for p in parts)


def test_demo_map_page_weighs_under_5_mb(demo_map, demo_project):
    frames, layers = demo_map
    assert layers.counts["parcels"] == len(demo_project.read_layer("parcels", columns=["parcel_id"]))
    fmap = build_map(layers.layers, bounds=layers.bounds, demo=True, leaflet_urls=("/l.js", "/l.css"))
    size = _st_folium_bytes(fmap, overlay_group(select="parks|YQ01", firm_classes="A" * len(layers.firm_order)))
    assert size < 5_000_000
    assert layers.layers["parcels"].count == layers.counts["parcels"]       # every parcel drawn, none merged
    # the plain GeoJSON of the parcels alone (to_display, 1e-6°) is several times heavier
    plain = to_display(frames["parcels"], "parcels")
    assert len(plain.geojson.encode()) > 4 * layers.layers["parcels"].nbytes


def test_compact_parcels_match_to_display_at_the_same_precision(demo_map):
    frames, layers = demo_map
    sample = frames["parcels"].iloc[:300]
    geo = json.loads(to_display(sample, "parcels", precision=1e-5).geojson)
    compact = decode_layer(encode_layer("parcels", display_geometries(sample), sample[["parcel_id"]]).payload)
    assert [f["properties"]["parcel_id"] for f in compact["features"]] == [f["properties"]["parcel_id"] for f in geo["features"]]
    a = shapely.from_geojson([json.dumps(f["geometry"]) for f in geo["features"]])
    b = shapely.from_geojson([json.dumps(f["geometry"]) for f in compact["features"]])
    assert shapely.hausdorff_distance(a, b).max() <= 1.5e-5        # same shapes on the 1e-5° grid


def test_units_carry_their_key_and_display_bounds(demo_map, demo_project):
    _frames, layers = demo_map
    parks = demo_project.read_layer("parks")
    row = layers.units[layers.units["uk"] == unit_key("parks", parks["park_id"].iloc[0])].iloc[0]
    assert row["name"] == parks["name"].iloc[0]
    minx, miny, maxx, maxy = parks.iloc[[0]].to_crs(4326).total_bounds
    assert (row["minx"], row["miny"], row["maxx"], row["maxy"]) == pytest.approx((minx, miny, maxx, maxy), abs=2e-5)
    decoded = decode_layer(layers.layers["parks"].payload)
    assert {f["properties"]["uk"] for f in decoded["features"]} == {f"parks|{p}" for p in parks["park_id"]}


def test_many_parcels_are_merged_by_supply_status(demo_map):
    frames, _layers = demo_map
    small = prepare_map_layers({"parcels": frames["parcels"]}, parcel_limit=1000)
    assert small.parcels_merged
    statuses = frames["parcels"]["supply_status"].value_counts()
    decoded = decode_layer(small.layers["parcels"].payload)
    counts = {f["properties"]["supply_status"]: f["properties"]["parcel_count"] for f in decoded["features"]}
    assert counts == {k: int(v) for k, v in statuses.items()}


def test_overlay_group_carries_fill_selection_and_classes():
    group = overlay_group(fill={"parks|P1": ("#ff0000", "1.5")}, label="亩均税收", legend_html="<b>x</b></div>",
                          select="parks|P1", firm_classes="AB-")
    script = next(iter(group._children.values())).spec
    spec = json.loads(script.replace("<\\/", "</"))
    assert spec["fill"] == {"parks|P1": ["#ff0000", "1.5"]} and spec["select"] == "parks|P1"
    assert spec["classes"]["values"] == "AB-" and "</" not in script     # no "</script>" can end the page's script
    assert math.isclose(spec["opacity"], 0.7)


def test_legend_ranges_are_the_values_each_class_holds():
    # Fisher–Jenks puts the outlier 0.482 alone; its bounds (previous upper … 0.482) rounded to one decimal
    # could read "48.2%–48.2%", the values it holds read "48.2%" once
    values = [0.10, 0.11, 0.12, 0.30, 0.31, 0.482]
    c = classify(values, scheme="natural_breaks", k=3)
    assert c.ranges() == [(0.10, 0.12), (0.30, 0.31), (0.482, 0.482)]
    empty = classify([0, 1, 9, 10], scheme="equal_interval", k=3)
    assert empty.ranges() == [(0.0, 1.0), None, (9.0, 10.0)]


def test_legend_lists_only_the_layers_drawn_and_a_fullscreen_button():
    from maps.codec import encode_layer

    parks = gpd.GeoDataFrame({"park_id": ["P1"], "name": ["甲园"]}, geometry=[shapely.box(121.0, 29.0, 121.01, 29.01)],
                             crs=4326)
    page = build_map({"parks": encode_layer("parks", parks.geometry.to_numpy(), parks[["park_id", "name"]])}
                     ).get_root().render()
    legend = page[page.index('id="landpark-legend"'):]
    legend = legend[:legend.index("</details>")]
    assert "产业园区" in legend
    for absent in ("批而未供", "道路", "工业用地保护线", "生态保护红线"):
        assert absent not in legend, absent
    assert "landpark-fullscreen" in page and "requestFullscreen" in page and "全屏" in page


def test_shown_row_masks_by_hand():
    """Five features a–e, a, d and e shown: bits 1001 1000 (the last digit padded) → "98"; a layer with nothing
    shown is all zeros, one without features is empty."""
    from maps.overlays import shown_row_masks

    feats = [{"properties": {"parcel_id": pid}} for pid in "abcde"]
    masks = shown_row_masks({"x": ["a", "d", "e"], "y": []}, {"x": feats, "y": feats, "z": []})
    assert masks == {"x": "98", "y": "00", "z": ""}
