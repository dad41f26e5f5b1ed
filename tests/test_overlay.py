"""Overlays checked against hand-computed areas and a brute-force shapely double loop."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
import shapely.affinity
from shapely import box

from spatial.errors import UsageError
from spatial.overlay import (
    intersection_area_pairs,
    intersection_geometry_pairs,
    intersection_pairs,
    nearest_distance,
    self_overlaps,
)


def _as_dict(li: np.ndarray, ri: np.ndarray, values: np.ndarray) -> dict[tuple[int, int], float]:
    return {(int(i), int(j)): float(v) for i, j, v in zip(li, ri, values)}


def _random_polygons(rng: np.random.Generator, n: int, extent: float = 100.0) -> np.ndarray:
    """Mix of boxes, circles and concave stars, some containing others."""
    x, y = rng.uniform(0, extent, n), rng.uniform(0, extent, n)
    size = rng.uniform(1.0, 15.0, n)
    kind = rng.integers(0, 3, n)
    out = np.empty(n, dtype=object)
    out[kind == 0] = box(x, y, x + size, y + size * 0.6)[kind == 0]
    out[kind == 1] = shapely.buffer(shapely.points(x, y), size / 2, quad_segs=6)[kind == 1]
    angles = np.linspace(0, 2 * np.pi, 11)[:-1]
    for k in np.flatnonzero(kind == 2):
        radius = np.where(np.arange(10) % 2 == 0, size[k], size[k] / 3)
        out[k] = shapely.Polygon(np.column_stack([x[k] + radius * np.cos(angles), y[k] + radius * np.sin(angles)]))
    return out


def _brute_force_areas(left: np.ndarray, right: np.ndarray) -> dict[tuple[int, int], float]:
    found = {}
    for i, a in enumerate(left):
        for j, b in enumerate(right):
            area = a.intersection(b).area
            if area > 0:
                found[(i, j)] = area
    return found


# --- hand-computed -------------------------------------------------------------------------------

LEFT = np.array([box(0, 0, 10, 10), box(100, 100, 101, 101)], dtype=object)
RIGHT = np.array(
    [
        box(5, 0, 15, 10),  # half overlap: 50
        box(2, 2, 4, 4),  # properly inside left 0: 4
        box(10, 0, 20, 10),  # shares an edge: 0, not reported
        box(50, 50, 60, 60),  # disjoint
        box(99, 99, 102, 102),  # properly contains left 1: 1
        box(0, 0, 10, 10),  # identical to left 0: 100
    ],
    dtype=object,
)
EXPECTED = {(0, 0): 50.0, (0, 1): 4.0, (1, 4): 1.0, (0, 5): 100.0}


def test_intersection_area_pairs_hand_computed() -> None:
    li, ri, area = intersection_area_pairs(LEFT, RIGHT)
    assert _as_dict(li, ri, area) == pytest.approx(EXPECTED)
    assert li.dtype.kind == "i" and ri.dtype.kind == "i"


def test_touching_pairs_are_dropped_unclipped_and_a_crossing_bar_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """A parcel beside a batch (shared edge) or at its corner costs no intersection; a bar crossing a parcel with
    none of the parcel's corners inside it still overlaps (20 = 10 x 2); a parcel inside along the edge is clipped."""
    from spatial import overlay

    clipped: list[tuple[int, int]] = []
    real = overlay._checked_intersection

    def spy(a, b, a_idx, b_idx):
        clipped.extend(zip(a_idx.tolist(), b_idx.tolist()))
        return real(a, b, a_idx, b_idx)

    monkeypatch.setattr(overlay, "_checked_intersection", spy)
    parcels = np.array([box(0, 0, 10, 10), box(10, 0, 12, 2), box(20, 10, 25, 15)], dtype=object)
    batch_and_bar = np.array([box(10, 0, 20, 10), box(-5, 4, 15, 6)], dtype=object)
    li, ri, area = intersection_area_pairs(parcels, batch_and_bar, threads=1)
    assert _as_dict(li, ri, area) == {(0, 1): 20.0, (1, 0): 4.0}
    assert sorted(clipped) == [(0, 1), (1, 0)]


def test_order_of_arguments_does_not_matter() -> None:
    li, ri, area = intersection_area_pairs(RIGHT, LEFT)
    assert _as_dict(ri, li, area) == pytest.approx(EXPECTED)


def test_intersection_pairs_uses_the_predicate() -> None:
    li, ri = intersection_pairs(LEFT, RIGHT)
    assert set(zip(li.tolist(), ri.tolist())) == {(0, 0), (0, 1), (0, 2), (1, 4), (0, 5)}
    li, ri = intersection_pairs(LEFT, RIGHT, predicate="contains_properly")
    assert set(zip(li.tolist(), ri.tolist())) == {(0, 1)}


def test_geometry_pairs_clip_and_keep_only_polygonal_parts() -> None:
    left = np.array([box(0, 0, 10, 10)], dtype=object)
    # overlaps on [5,10]x[0,10] and also touches left's west edge along a line
    right = np.array([shapely.MultiPolygon([box(5, 0, 15, 10), box(-5, 0, 0, 5)])], dtype=object)
    assert shapely.get_type_id(shapely.intersection(left[0], right[0])) == shapely.GeometryType.GEOMETRYCOLLECTION
    li, ri, geoms = intersection_geometry_pairs(left, right)
    assert (li.tolist(), ri.tolist()) == ([0], [0])
    assert shapely.get_type_id(geoms[0]) in (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)
    assert geoms[0].area == pytest.approx(50.0)
    assert shapely.equals(geoms[0], box(5, 0, 10, 10))


def test_geometry_pairs_hand_computed() -> None:
    li, ri, geoms = intersection_geometry_pairs(LEFT, RIGHT)
    got = {(int(i), int(j)): g for i, j, g in zip(li, ri, geoms)}
    assert set(got) == set(EXPECTED)
    assert shapely.equals(got[(0, 0)], box(5, 0, 10, 10))
    assert shapely.equals(got[(0, 1)], box(2, 2, 4, 4))
    assert shapely.equals(got[(1, 4)], box(100, 100, 101, 101))


def test_geoseries_and_missing_inputs_are_accepted() -> None:
    left = gpd.GeoSeries([box(0, 0, 10, 10), None, shapely.Polygon()])
    right = gpd.GeoSeries([box(5, 5, 15, 15)])
    li, ri, area = intersection_area_pairs(left, right)
    assert _as_dict(li, ri, area) == pytest.approx({(0, 0): 25.0})
    empty = intersection_area_pairs(left, gpd.GeoSeries([], dtype="geometry"))
    assert all(len(a) == 0 for a in empty)


def test_inputs_are_not_left_prepared() -> None:
    left, right = LEFT.copy(), RIGHT.copy()
    intersection_area_pairs(left, right)
    assert not shapely.is_prepared(left).any() and not shapely.is_prepared(right).any()


# --- brute force ---------------------------------------------------------------------------------


def test_area_pairs_match_brute_force_on_random_polygons() -> None:
    rng = np.random.default_rng(7)
    left, right = _random_polygons(rng, 70), _random_polygons(rng, 90)
    right[:5] = shapely.buffer(left[:5], 2.0)  # some guaranteed containments
    expected = _brute_force_areas(left, right)
    li, ri, area = intersection_area_pairs(left, right)
    got = _as_dict(li, ri, area)
    assert set(got) == set(expected)
    assert got == pytest.approx(expected, rel=1e-9)
    li, ri, geoms = intersection_geometry_pairs(left, right)
    assert _as_dict(li, ri, shapely.area(geoms)) == pytest.approx(expected, rel=1e-9)


def test_self_overlaps_match_brute_force() -> None:
    rng = np.random.default_rng(11)
    geoms = _random_polygons(rng, 120)
    geoms[10] = geoms[3]  # an exact duplicate
    expected = {
        (i, j): geoms[i].intersection(geoms[j]).area
        for i in range(len(geoms))
        for j in range(i + 1, len(geoms))
        if geoms[i].intersection(geoms[j]).area > 0
    }
    i, j, area = self_overlaps(geoms)
    assert (i < j).all()
    got = _as_dict(i, j, area)
    assert set(got) == set(expected) and (3, 10) in got
    assert got == pytest.approx(expected, rel=1e-9)
    threshold = float(np.median(list(expected.values())))
    i, j, area = self_overlaps(geoms, min_area=threshold)
    assert set(_as_dict(i, j, area)) == {k for k, v in expected.items() if v > threshold}


def test_self_overlaps_ignores_a_touching_tessellation() -> None:
    xs, ys = np.meshgrid(np.arange(6) * 10.0, np.arange(6) * 10.0)
    grid = box(xs.ravel(), ys.ravel(), xs.ravel() + 10, ys.ravel() + 10)
    geoms = np.concatenate([grid, [box(12, 12, 14, 14), box(28, 0, 32, 10)]])
    i, j, area = self_overlaps(geoms)
    # the small box lies inside cell (1,1) = index 7; the strip straddles cells 2 and 3
    assert _as_dict(i, j, area) == pytest.approx({(7, 36): 4.0, (2, 37): 20.0, (3, 37): 20.0})


# --- nearest distance ----------------------------------------------------------------------------


def test_nearest_distance_hand_computed() -> None:
    geoms = gpd.GeoSeries([shapely.Point(0, 0), box(20, 0, 21, 1), None, shapely.Point(5, 5)])
    others = np.array([box(3, 4, 10, 10), shapely.LineString([(20, 5), (30, 5)])], dtype=object)
    got = nearest_distance(geoms, others)
    assert got[0] == pytest.approx(5.0)  # to corner (3, 4)
    assert got[1] == pytest.approx(4.0)  # up to the line at y = 5
    assert np.isnan(got[2])
    assert got[3] == pytest.approx(0.0)  # inside the box
    assert np.isnan(nearest_distance(geoms, [])).all()


# --- threads -------------------------------------------------------------------------------------

from spatial import overlay  # noqa: E402 - the thread tests tune its module constants


@pytest.fixture
def small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    """Slices of a single pair, so even these small fixtures are cut across several threads."""
    monkeypatch.setattr(overlay, "MIN_CHUNK_PAIRS", 1)


def _grid_over_a_box() -> tuple[np.ndarray, np.ndarray, dict[tuple[int, int], float]]:
    """11 x 11 cells of 10 x 10 on x, y = -5, 5, ..., 95 over right 0 = box(0, 0, 100, 100), plus a right
    box inside one cell and one that only touches a cell; expected areas by hand."""
    xs = np.arange(-5, 100, 10.0)
    x, y = np.meshgrid(xs, xs, indexing="ij")
    cells = box(x.ravel(), y.ravel(), x.ravel() + 10, y.ravel() + 10)  # index = 11 * column + row
    right = np.array([box(0, 0, 100, 100), box(26, 26, 28, 28), box(105, -5, 115, 5)], dtype=object)
    expected: dict[tuple[int, int], float] = {}
    for i, (cx, cy) in enumerate(zip(x.ravel(), y.ravel())):
        width = 5.0 if cx in (-5, 95) else 10.0  # an edge column keeps half its width inside the box
        height = 5.0 if cy in (-5, 95) else 10.0
        expected[(i, 0)] = width * height
    expected[(11 * 3 + 3, 1)] = 4.0  # box(26, 26, 28, 28) lies inside the cell at (25, 25)
    # right 2 only touches the cells at (95, -5) along x = 105 and (95, 5) at a corner: no area, not reported
    return cells, right, expected


def test_threaded_pairs_hand_computed_with_slices_cutting_one_right_geometry(small_slices: None) -> None:
    cells, right, expected = _grid_over_a_box()
    assert sum(v for (_, j), v in expected.items() if j == 0) == pytest.approx(100 * 100)
    for threads in (1, 2, 3):
        li, ri, area = intersection_area_pairs(cells, right, threads=threads)  # tree on the right, left in slices
        assert _as_dict(li, ri, area) == expected
        ri2, li2, area2 = intersection_area_pairs(right, cells, threads=threads)  # tree on the left, pairs in slices
        assert _as_dict(li2, ri2, area2) == expected
        li3, ri3, geoms = intersection_geometry_pairs(cells, right, threads=threads)
        assert _as_dict(li3, ri3, shapely.area(geoms)) == expected
        assert shapely.equals(geoms[(li3 == 0) & (ri3 == 0)][0], box(0, 0, 5, 5))  # the corner cell, clipped


def test_threaded_work_really_runs_on_several_threads(small_slices: None, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    seen: list[tuple[str, int]] = []
    real = overlay._overlap_sorted

    def spy(*args, **kwargs):
        seen.append((threading.current_thread().name, len(args[2])))
        return real(*args, **kwargs)

    monkeypatch.setattr(overlay, "_overlap_sorted", spy)
    cells, right, expected = _grid_over_a_box()
    li, ri, area = intersection_area_pairs(cells, right, threads=2)
    assert _as_dict(li, ri, area) == expected
    assert len(seen) == 8  # 2 threads x CHUNKS_PER_THREAD slices of the 121 cells
    assert all(name.startswith("landpark-overlay") for name, _ in seen)
    seen.clear()
    intersection_area_pairs(cells, right, threads=1)
    # one pass over the 124 bbox candidates: 121 cells x right 0, one x right 1, and the two cells whose
    # boxes touch right 2 (along x = 105, and at the corner (105, 5))
    assert seen == [(threading.current_thread().name, 124)]


def test_threaded_results_are_bit_identical_to_one_thread(small_slices: None) -> None:
    rng = np.random.default_rng(5)
    left, right = _random_polygons(rng, 150), _random_polygons(rng, 40)
    right[:3] = shapely.buffer(left[:3], 3.0)  # right contains left
    left[3:6] = shapely.buffer(right[3:6], 3.0)  # left contains right
    one = intersection_area_pairs(left, right, threads=1)
    assert _as_dict(*one) == pytest.approx(_brute_force_areas(left, right), rel=1e-9)
    for threads in (2, 3, 8):
        many = intersection_area_pairs(left, right, threads=threads)
        assert all(np.array_equal(a, b) for a, b in zip(one, many))  # same pairs, same order, same bits
        swapped = intersection_area_pairs(right, left, threads=threads)
        assert all(np.array_equal(a, b) for a, b in zip(intersection_area_pairs(right, left, threads=1), swapped))
    i1, j1, a1 = self_overlaps(left, threads=1)
    i4, j4, a4 = self_overlaps(left, threads=4)
    assert np.array_equal(i1, i4) and np.array_equal(j1, j4) and np.array_equal(a1, a4)
    g1, g4 = intersection_geometry_pairs(left, right, threads=1), intersection_geometry_pairs(left, right, threads=4)
    assert np.array_equal(g1[0], g4[0]) and np.array_equal(g1[1], g4[1])
    assert shapely.equals_exact(g1[2], g4[2], tolerance=0).all()


def test_threaded_empty_inputs() -> None:
    empty = np.empty(0, dtype=object)
    some = np.array([box(0, 0, 1, 1), box(2, 2, 3, 3)], dtype=object)
    for left, right in ((empty, some), (some, empty), (empty, empty)):
        for result in (intersection_area_pairs(left, right, threads=4), intersection_geometry_pairs(left, right, threads=4)):
            assert all(len(a) == 0 for a in result)
    assert all(len(a) == 0 for a in self_overlaps(empty, threads=4))


def test_threaded_invalid_geometry_still_names_it(small_slices: None) -> None:
    cells, right, _ = _grid_over_a_box()
    bowtie = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)])  # self-intersecting: GEOS cannot clip it
    cells = cells.copy()
    cells[60] = shapely.affinity.translate(bowtie, 95, 40)  # straddles right 0's east edge
    for threads in (1, 2):
        with pytest.raises(UsageError, match=r"invalid geometries: left \[60\], right \[\]"):
            intersection_area_pairs(cells, right, threads=threads)


def test_caller_prepared_inputs_stay_prepared_and_give_the_same_pairs(small_slices: None) -> None:
    cells, right, expected = _grid_over_a_box()
    shapely.prepare(right)
    li, ri, area = intersection_area_pairs(cells, right, threads=4)
    assert _as_dict(li, ri, area) == expected
    assert shapely.is_prepared(right).all() and not shapely.is_prepared(cells).any()
    shapely.destroy_prepared(right)
    intersection_area_pairs(cells, right, threads=4)
    assert not shapely.is_prepared(right).any()  # private copies were prepared, never the inputs


def _stars_and_cells(step: float) -> tuple[np.ndarray, np.ndarray]:
    """Three 2000-vertex wavy stars (area by the shoelace formula) over a grid of step x step cells."""
    angles = np.linspace(0, 2 * np.pi, 2001)[:-1]
    radius = 40 + 6 * np.sin(angles * 37)
    stars = np.array([shapely.Polygon(np.column_stack([cx + radius * np.cos(angles), cy + radius * np.sin(angles)]))
                      for cx, cy in ((50, 50), (120, 60), (80, 130))], dtype=object)
    xs = np.arange(0, 180, step)
    x, y = np.meshgrid(xs, xs)
    return stars, box(x.ravel(), y.ravel(), x.ravel() + step, y.ravel() + step)


def test_threads_stress_shared_detailed_geometries(small_slices: None) -> None:
    """Many slices racing over the same few detailed polygons (whose prepared indexes GEOS builds lazily)
    give the one-thread answer every time. (Preparing the shared inputs instead of private copies makes
    this crash with SIGSEGV within a few repeats on GEOS 3.14.)"""
    stars, cells = _stars_and_cells(4.0)
    one = intersection_area_pairs(cells, stars, threads=1)
    # the cells tile the plane, so each star's pieces add up to the star
    assert np.bincount(one[1], weights=one[2], minlength=3) == pytest.approx(shapely.area(stars), rel=1e-9)
    for _ in range(5):
        many = intersection_area_pairs(cells, stars, threads=8)
        assert all(np.array_equal(a, b) for a, b in zip(one, many))


def test_concurrent_callers_on_the_same_arrays() -> None:
    """Several callers (say app sessions) overlaying the same arrays at once each get the right answer: no
    call prepares the shared inputs. (The kernel that prepared and released its inputs crashed or hung here.)"""
    from concurrent.futures import ThreadPoolExecutor

    stars, cells = _stars_and_cells(12.0)
    one = intersection_area_pairs(cells, stars, threads=1)
    assert np.bincount(one[1], weights=one[2], minlength=3) == pytest.approx(shapely.area(stars), rel=1e-9)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: intersection_area_pairs(cells, stars, threads=1), range(60)))
    assert all(all(np.array_equal(a, b) for a, b in zip(one, r)) for r in results)


def test_default_threads_is_sensible() -> None:
    assert 1 <= overlay.default_threads() <= overlay.MAX_THREADS


def test_vertex_probe_finds_an_inside_vertex_wherever_it_is() -> None:
    """The probe tries each polygon's first and middle vertex before the rest: a vertex strictly inside is found
    whichever it is, and a polygon that only touches (or lies outside) has none."""
    from spatial.overlay import _a_vertex_inside

    park = box(0, 0, 10, 10)
    shapely.prepare(park)
    first_inside = shapely.Polygon([(5, 5), (15, 5), (15, 15), (5, 15)])            # vertex 0 inside
    middle_inside = shapely.Polygon([(15, 15), (15, 5), (5, 5), (5, 15)])           # vertex 2 of 5 coordinates
    neither_probe = shapely.Polygon([(12, -2), (12, 12), (3, 7), (-2, 12), (-2, -2), (5, -5)])  # only (3, 7) inside
    touching = box(10, 0, 20, 10)                                                   # shares an edge only
    apart = box(20, 20, 30, 30)
    geoms = np.array([first_inside, middle_inside, neither_probe, touching, apart])
    assert shapely.is_valid(geoms).all()
    found = _a_vertex_inside(geoms, np.array([park] * len(geoms)))
    assert found.tolist() == [True, True, True, False, False]
    vertex = shapely.get_coordinates(neither_probe)  # the probes (first and middle vertex) both miss it
    assert not park.contains(shapely.Point(vertex[0])) and not park.contains(shapely.Point(vertex[len(vertex) // 2]))
