"""A synthetic city of any size for benchmarks: parcels, evaluation units, approvals, enterprises.

Parcels tile an irregular grid (column widths and row heights 70-130 m) exactly, with no gap
or overlap, in both variants: "simple" parcels are boxes; "complex" parcels are 16-vertex rings
whose corners and edge points are jittered once per shared grid node / edge, so neighbours use
bitwise-identical coordinates. Units are rotated rectangles ("simple") or 400-vertex wobbly
star polygons ("complex"); parks are sized so that ~15 % of parcels touch a park (~150k
parcel-park pairs at 1M parcels). Land approval batches are boxes on the nominal grid lines over
10 x 10 cells: they share edges with simple parcels and cut through the jittered complex ones.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["CRS", "make_city", "grid_shape"]

CRS = "EPSG:4549"  # CGCS2000 / 3-degree Gauss-Kruger CM 120E (metres)
CENTRE = (500000.0, 3320000.0)  # about lon 120.0 E, lat 30.0 N
CELL_M = (70.0, 130.0)  # range of grid column widths / row heights
NODE_JITTER_M = 2.0  # complex parcels: shift of each grid node in x and y
EDGE_JITTER_M = 2.5  # complex parcels: shift of each edge point across its edge
EDGE_POINTS = 3  # complex parcels: points inserted per edge (4 corners + 4 x 3 = 16 vertices)
UNIT_VERTICES = 400  # complex units: vertices per ring

PARCELS_PER_PARK = 2000
PARK_SHARE = 0.13  # share of the city's area inside parks (~15 % of parcels touch one)
PARCELS_PER_MICRO_PARK = 5000
MICRO_PARK_CELLS = 12.0  # typical micro park area, in parcels
PARCELS_PER_COMMUNITY = 10000
COMMUNITY_CELLS = 80.0
PARCELS_PER_LINE = 20000
LINE_RADIUS_FACTOR = 1.45  # a protection line around a park, this many park radii across
PARCELS_PER_ENTERPRISE = 10
APPROVAL_BLOCK_CELLS = 10  # land approval batches cover blocks of 10 x 10 grid cells
APPROVAL_BLOCK_SHARE = 0.3

CATEGORIES = np.array(["industrial", "m0", "warehouse", "residential", "commercial", "public"])
CATEGORY_SHARES = np.array([0.50, 0.03, 0.07, 0.20, 0.10, 0.10])
LAND_USE_CODES = {"industrial": "0601", "m0": "0601", "warehouse": "0508", "residential": "0701",
                  "commercial": "05H1", "public": "08H1"}  # GB/T 21010-2017 (M0 carries 0601)
STATUSES = np.array(["unsupplied", "supplied", "built", "idle"])
STATUS_SHARES = np.array([0.10, 0.15, 0.70, 0.05])
OWNED_CATEGORIES = ("industrial", "m0", "warehouse")
INDUSTRIES = np.array(["金属制品", "通用设备", "汽车零部件", "电子信息", "新材料", "纺织服装", "塑料制品", "生物医药"])


def grid_shape(n_parcels: int) -> tuple[int, int]:
    """(columns, rows) of the parcel grid: nearly square, with at least `n_parcels` cells."""
    if n_parcels < 1:
        raise ValueError(f"n_parcels must be at least 1, got {n_parcels}")
    nx = int(np.ceil(np.sqrt(n_parcels)))
    return nx, int(np.ceil(n_parcels / nx))


def _grid_lines(rng: np.random.Generator, count: int, centre: float) -> np.ndarray:
    """`count + 1` increasing grid-line positions with random spacings, centred on `centre`."""
    edges = np.concatenate([[0.0], np.cumsum(rng.uniform(*CELL_M, count))])
    return edges - edges[-1] / 2 + centre


def _complex_rings(rng: np.random.Generator, xs: np.ndarray, ys: np.ndarray,
                   i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Coordinates (n, 17, 2) of jittered 16-vertex rings of cells (i, j) that tile exactly."""
    nodes = np.stack(np.meshgrid(xs, ys, indexing="xy"), axis=-1)  # (ny+1, nx+1, 2)
    nodes = nodes + rng.uniform(-NODE_JITTER_M, NODE_JITTER_M, nodes.shape)
    t = np.arange(1, EDGE_POINTS + 1) / (EDGE_POINTS + 1)  # positions along an edge
    # Horizontal edge (j, i) runs from node (j, i) to node (j, i+1); its points move in y.
    h = nodes[:, :-1, None, :] + (nodes[:, 1:, None, :] - nodes[:, :-1, None, :]) * t[None, None, :, None]
    h[..., 1] += rng.uniform(-EDGE_JITTER_M, EDGE_JITTER_M, h.shape[:3])
    # Vertical edge (j, i) runs from node (j, i) to node (j+1, i); its points move in x.
    v = nodes[:-1, :, None, :] + (nodes[1:, :, None, :] - nodes[:-1, :, None, :]) * t[None, None, :, None]
    v[..., 0] += rng.uniform(-EDGE_JITTER_M, EDGE_JITTER_M, v.shape[:3])
    return np.concatenate([
        nodes[j, i][:, None], h[j, i],                      # bottom, west to east
        nodes[j, i + 1][:, None], v[j, i + 1],              # east side, south to north
        nodes[j + 1, i + 1][:, None], h[j + 1, i][:, ::-1],  # top, east to west
        nodes[j + 1, i][:, None], v[j, i][:, ::-1],          # west side, north to south
        nodes[j, i][:, None],                               # closing point
    ], axis=1)


def _star_polygons(rng: np.random.Generator, centres: np.ndarray, radius: np.ndarray, n_vertices: int) -> np.ndarray:
    """Wobbly polygons of `n_vertices` around `centres`; radii stay within 0.8-1.2 x `radius`.

    Vertices at strictly increasing angles with positive radii make a star-shaped, hence simple, ring.
    """
    n = len(centres)
    step = 2 * np.pi / n_vertices
    theta = np.arange(n_vertices) * step + rng.uniform(-0.3, 0.3, (n, n_vertices)) * step
    theta += rng.uniform(0, 2 * np.pi, (n, 1))
    phase = rng.uniform(0, 2 * np.pi, (n, 3))
    wobble = (0.10 * np.sin(3 * theta + phase[:, :1]) + 0.05 * np.sin(7 * theta + phase[:, 1:2])
              + 0.02 * np.sin(23 * theta + phase[:, 2:]) + rng.uniform(-0.02, 0.02, theta.shape))
    r = radius[:, None] * (1 + wobble)
    coords = np.stack([centres[:, :1] + r * np.cos(theta), centres[:, 1:] + r * np.sin(theta)], axis=-1)
    return _polygons(np.concatenate([coords, coords[:, :1]], axis=1))


def _rotated_rectangles(rng: np.random.Generator, centres: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Rectangles of area pi x radius^2, aspect 0.7-1.4, at random angles; corners within 1.3 x radius."""
    n = len(centres)
    area = np.pi * radius**2
    aspect = rng.uniform(0.7, 1.4, n)
    half_w, half_h = np.sqrt(area * aspect) / 2, np.sqrt(area / aspect) / 2
    angle = rng.uniform(0, np.pi / 2, n)
    local = np.stack([np.array([-1, 1, 1, -1, -1])[None, :] * half_w[:, None],
                      np.array([-1, -1, 1, 1, -1])[None, :] * half_h[:, None]], axis=-1)
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    x = centres[:, :1] + c * local[..., 0] - s * local[..., 1]
    y = centres[:, 1:] + s * local[..., 0] + c * local[..., 1]
    return _polygons(np.stack([x, y], axis=-1))


def _unit_shapes(rng: np.random.Generator, centres: np.ndarray, radius: np.ndarray, complex: bool) -> np.ndarray:
    return _star_polygons(rng, centres, radius, UNIT_VERTICES) if complex else _rotated_rectangles(rng, centres, radius)


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal strings of non-negative integers (fast: no per-item Python formatting)."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    codes = (np.asarray(values, dtype=np.int64)[:, None] // powers) % 10 + ord("0")
    return codes.astype(np.uint8).view(f"S{width}").ravel().astype(f"U{width}")


def _ids(prefix: str, n: int, width: int = 7) -> np.ndarray:
    """Identifiers like P0000001 (1-based), as an object array of str."""
    return np.char.add(prefix, _digits(np.arange(1, n + 1), width)).astype(object)


def _numbered(prefix: str, n: int) -> np.ndarray:
    """Names like 园区1, 园区2, ..."""
    return np.char.add(prefix, np.arange(1, n + 1).astype(str)).astype(object)


def _polygons(rings: np.ndarray) -> np.ndarray:
    """Polygons from closed rings of equal length, coordinates (n, m, 2); 4x faster than shapely.polygons."""
    n, m = rings.shape[:2]
    offsets = (np.arange(0, n * m + 1, m), np.arange(n + 1))
    return shapely.from_ragged_array(shapely.GeometryType.POLYGON, rings.reshape(-1, 2), offsets)


def _random_dates(rng: np.random.Generator, n: int, first: str, last: str) -> np.ndarray:
    start, stop = np.datetime64(first, "D"), np.datetime64(last, "D")
    return start + rng.integers(0, int((stop - start).astype(int)) + 1, n).astype("timedelta64[D]")


def _parcels(rng: np.random.Generator, n: int, xs: np.ndarray, ys: np.ndarray, complex: bool) -> gpd.GeoDataFrame:
    nx = len(xs) - 1
    cell = np.arange(n)
    i, j = cell % nx, cell // nx
    if complex:
        geoms = _polygons(_complex_rings(rng, xs, ys, i, j))
    else:
        x0, x1, y0, y1 = xs[i], xs[i + 1], ys[j], ys[j + 1]
        geoms = _polygons(np.stack([np.column_stack([x0, x1, x1, x0, x0]), np.column_stack([y0, y0, y1, y1, y0])], axis=-1))
    category = rng.choice(CATEGORIES, n, p=CATEGORY_SHARES)
    status = rng.choice(STATUSES, n, p=STATUS_SHARES)
    area = shapely.area(geoms)
    built = status == "built"
    floor = np.where(built, area * rng.lognormal(np.log(1.3), 0.4, n), np.nan)
    footprint = np.where(built, area * rng.uniform(0.25, 0.6, n), np.nan)
    waiting = np.isin(status, ("supplied", "idle"))
    start = np.where(waiting, _random_dates(rng, n, "2018-01-01", "2026-06-30"), np.datetime64("NaT"))
    codes = pd.Series(category).map(LAND_USE_CODES).to_numpy(dtype=object)
    return gpd.GeoDataFrame({
        "parcel_id": _ids("P", n),
        "land_use": codes,
        "land_use_category": category.astype(object),
        "supply_status": status.astype(object),
        "approval_id": np.full(n, None, dtype=object),
        "agreed_start_date": start.astype("datetime64[s]"),
        "floor_area_m2": floor,
        "footprint_m2": footprint,
        "owner_uscc": np.full(n, None, dtype=object),
        "_i": i, "_j": j,
    }, geometry=geoms, crs=CRS)


def _parks(rng: np.random.Generator, n_parcels: int, xs: np.ndarray, ys: np.ndarray,
           complex: bool) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray]:
    """Parks, one per block of a coarse grid (so they never overlap), and their blocks (bx, by) and radii."""
    n_parks = max(1, round(n_parcels / PARCELS_PER_PARK))
    width, height = xs[-1] - xs[0], ys[-1] - ys[0]
    kx = max(1, int(np.ceil(np.sqrt(n_parks * width / height))))
    ky = int(np.ceil(n_parks / kx))
    bw, bh = width / kx, height / ky
    block = np.sort(rng.choice(kx * ky, n_parks, replace=False))
    bx, by = block % kx, block // kx
    side = min(bw, bh)
    centres = np.column_stack([xs[0] + (bx + 0.5) * bw, ys[0] + (by + 0.5) * bh])
    centres += rng.uniform(-0.05 * side, 0.05 * side, centres.shape)
    target = np.sqrt(PARK_SHARE * width * height / n_parks / np.pi)
    radius = np.full(n_parks, min(target, 0.33 * side)) * rng.uniform(0.9, 1.1, n_parks)
    frame = gpd.GeoDataFrame({
        "park_id": _ids("YQ", n_parks, 4),
        "name": _numbered("园区", n_parks),
        "kind": rng.choice(["comprehensive", "specialty", "cluster_zone"], n_parks).astype(object),
        "level": rng.choice(["国家级", "省级", "市级"], n_parks, p=[0.1, 0.4, 0.5]).astype(object),
        "leading_industries": rng.choice(INDUSTRIES, n_parks).astype(object),
    }, geometry=_unit_shapes(rng, centres, radius, complex), crs=CRS)
    return frame, np.column_stack([bx, by, centres]), radius


def _scattered_units(rng: np.random.Generator, count: int, cells: float, xs: np.ndarray, ys: np.ndarray,
                     complex: bool) -> np.ndarray:
    """`count` unit shapes of about `cells` parcels each at random places inside the city."""
    radius = np.full(count, np.sqrt(cells * np.mean(CELL_M) ** 2 / np.pi)) * rng.uniform(0.8, 1.2, count)
    margin = 1.3 * radius
    centres = np.column_stack([rng.uniform(xs[0] + margin, xs[-1] - margin), rng.uniform(ys[0] + margin, ys[-1] - margin)])
    return _unit_shapes(rng, centres, radius, complex)


def _approvals(rng: np.random.Generator, parcels: gpd.GeoDataFrame, xs: np.ndarray, ys: np.ndarray) -> gpd.GeoDataFrame:
    """Land approval batches over blocks of grid cells; their parcels carry the batch's approval_id."""
    b = APPROVAL_BLOCK_CELLS
    nbx, nby = int(np.ceil((len(xs) - 1) / b)), int(np.ceil((len(ys) - 1) / b))
    chosen = np.flatnonzero(rng.random(nbx * nby) < APPROVAL_BLOCK_SHARE)
    if len(chosen) == 0:
        chosen = np.array([0])
    bx, by = chosen % nbx, chosen // nbx
    x0, x1 = xs[bx * b], xs[np.minimum((bx + 1) * b, len(xs) - 1)]
    y0, y1 = ys[by * b], ys[np.minimum((by + 1) * b, len(ys) - 1)]
    dates = _random_dates(rng, len(chosen), "2015-01-01", "2025-06-30")
    ids = np.char.add(np.char.add("PZ", dates.astype("datetime64[Y]").astype(str)),
                      _digits(np.arange(1, len(chosen) + 1), 6)).astype(object)
    lookup = np.full(nbx * nby, None, dtype=object)
    lookup[chosen] = ids
    parcels["approval_id"] = lookup[(parcels["_j"].to_numpy() // b) * nbx + parcels["_i"].to_numpy() // b]
    return gpd.GeoDataFrame({"approval_id": ids, "approved_date": dates.astype("datetime64[s]"),
                             "approved_area_mu": np.full(len(chosen), np.nan)},
                            geometry=shapely.box(x0, y0, x1, y1), crs=CRS)


def _enterprises(rng: np.random.Generator, parcels: gpd.GeoDataFrame, n_parcels: int) -> pd.DataFrame:
    """Firms (table, no geometry); 95 % own runs of neighbouring industrial parcels, 5 % own none."""
    n = max(10, n_parcels // PARCELS_PER_ENTERPRISE)
    uscc = np.char.add(np.char.add("91330100", _digits(np.arange(n), 9)), "X").astype(object)
    owned = (parcels["land_use_category"].isin(OWNED_CATEGORIES) & (parcels["supply_status"] != "unsupplied")).to_numpy()
    n_owners = max(1, int(0.95 * n))
    rank = np.cumsum(owned)[owned] - 1
    owners = np.full(len(parcels), None, dtype=object)
    owners[owned] = uscc[rank * n_owners // max(1, owned.sum())]
    parcels["owner_uscc"] = owners
    above = rng.random(n) < 0.3
    scale = np.where(above, 8.0, 1.0)
    tax = rng.lognormal(np.log(40.0), 0.9, n) * scale
    value_added = tax * rng.uniform(3.0, 8.0, n)
    output = value_added * rng.uniform(3.0, 5.0, n)
    emissions = np.where(rng.random(n) < 0.2, np.nan, rng.lognormal(np.log(2.0), 0.8, n) * scale)
    return pd.DataFrame({
        "uscc": uscc,
        "name": _numbered("企业", n),
        "industry": rng.choice(INDUSTRIES, n).astype(object),
        "above_scale": above,
        "year": np.full(n, 2025),
        "tax_10k_yuan": tax,
        "value_added_10k_yuan": value_added,
        "output_10k_yuan": output,
        "revenue_10k_yuan": output * rng.uniform(0.9, 1.1, n),
        "energy_tce": value_added / rng.uniform(1.5, 4.0, n),
        "emissions": emissions,
        "electricity_kwh": tax / rng.uniform(0.1, 0.4, n) * 1e4,
        "rd_10k_yuan": value_added * rng.uniform(0.0, 0.05, n),
        "employees": np.maximum(5, rng.lognormal(np.log(60.0), 0.8, n) * np.sqrt(scale)).round(),
        "land_area_mu": np.full(n, np.nan),
        "leased_in_mu": np.zeros(n),
        "leased_out_mu": np.zeros(n),
        "production_start_date": _random_dates(rng, n, "2000-01-01", "2025-06-30").astype("datetime64[s]"),
        "listed": rng.random(n) < 0.02,
    })


def make_city(n_parcels: int, *, complex: bool = False, seed: int = 0) -> dict[str, gpd.GeoDataFrame]:
    """Every layer of a synthetic city of `n_parcels` parcels in EPSG:4549, keyed by layer kind.

    Unit, approval and enterprise counts grow in proportion (1 park per 2,000 parcels, 1 firm per 10).
    """
    rng = np.random.default_rng(seed)
    nx, ny = grid_shape(n_parcels)
    xs, ys = _grid_lines(rng, nx, CENTRE[0]), _grid_lines(rng, ny, CENTRE[1])
    parcels = _parcels(rng, n_parcels, xs, ys, complex)
    # Units go over the complete rows only, so every unit lies on parcels (the last row may be short).
    full = ys[: n_parcels // nx + 1]
    parks, park_blocks, park_radius = _parks(rng, n_parcels, xs, full, complex)

    def scattered(per_unit: int, cells: int, id_field: str, prefix: str, label: str, status: str,
                  **extra_columns) -> gpd.GeoDataFrame:
        """Units of one kind scattered over the full rows, with their id, name, industry and status."""
        n = max(1, round(n_parcels / per_unit))
        geoms = _scattered_units(rng, n, cells, xs, full, complex)
        columns = {id_field: _ids(prefix, n, 5), "name": _numbered(label, n),
                   "leading_industries": rng.choice(INDUSTRIES, n).astype(object),
                   **{key: make(n) for key, make in extra_columns.items()}, "status": np.full(n, status, dtype=object)}
        return gpd.GeoDataFrame(columns, geometry=geoms, crs=CRS)

    micro_parks = scattered(PARCELS_PER_MICRO_PARK, MICRO_PARK_CELLS, "park_id", "XW", "小微园", "运营",
                            floor_area_m2=lambda n: rng.uniform(2e4, 8e4, n),
                            occupancy_rate=lambda n: rng.uniform(0.5, 1.0, n))
    communities = scattered(PARCELS_PER_COMMUNITY, COMMUNITY_CELLS, "community_id", "SQ", "未来工业社区", "建设")

    # Protection lines surround parks in every other block row and column, so lines never overlap.
    spaced = np.flatnonzero((park_blocks[:, 0] % 2 == 0) & (park_blocks[:, 1] % 2 == 0))
    n_lines = min(len(spaced), max(1, round(n_parcels / PARCELS_PER_LINE)))
    around = np.sort(rng.choice(spaced, n_lines, replace=False)) if len(spaced) else np.array([0])
    lines = gpd.GeoDataFrame({
        "line_id": _ids("BH", len(around), 4),
        "name": _numbered("工业区块", len(around)),
        "level": np.where(rng.random(len(around)) < 0.6, "red", "blue").astype(object),
        "min_industrial_share": np.full(len(around), np.nan),
    }, geometry=_unit_shapes(rng, park_blocks[around, 2:4], LINE_RADIUS_FACTOR * park_radius[around], complex), crs=CRS)

    approvals = _approvals(rng, parcels, xs, ys)
    enterprises = _enterprises(rng, parcels, n_parcels)
    parcels = parcels.drop(columns=["_i", "_j"])
    return {"parcels": parcels, "parks": parks, "micro_parks": micro_parks, "future_communities": communities,
            "protection_lines": lines, "land_approvals": approvals, "enterprises": enterprises}
