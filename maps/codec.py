"""Compact web-map layers: quantised, delta-encoded coordinates and columnar properties.

A district's 20,000 parcels as folium GeoJSON weigh ~6 MB and render slowly (folium styles each
feature in Python). Here a layer becomes one small JSON document the browser decodes back into
GeoJSON (`DECODER_JS`, added once to a map by `maps.webmap`):

- lon/lat are rounded to a grid of `precision` degrees (1e-5° ≈ 1.1 m, below the 1 m
  simplification tolerance) and stored as integers, each the difference to the previous
  coordinate of the layer; closing coordinates of rings are dropped;
- part structure is stored as counts: points per ring/line (`n`), rings per polygon (`h`),
  polygons/lines per feature (`m`), each omitted when all ones;
- properties are columns; a column with few distinct values is stored as codes into its list
  of values (`{"v": values, "c": codes}`, code -1 = null).

Everything is vectorised over the layer (shapely 2 / numpy); no loop runs per feature.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

DEFAULT_PRECISION = 1e-5


@dataclass
class CompactLayer:
    """One layer as compact JSON (`payload`) plus what a map needs to draw it."""

    kind: str
    geometry: str            # "polygon", "line" or "point"
    count: int               # features encoded
    payload: str             # JSON text, decoded in the browser by DECODER_JS
    columns: list[str] = field(default_factory=list)
    dropped: int = 0         # features without geometry (counted, not drawn)

    @property
    def nbytes(self) -> int:
        """Size of the payload in UTF-8 bytes (what the page carries)."""
        return len(self.payload.encode("utf-8"))


def geometry_family(geoms: np.ndarray) -> str:
    """"polygon", "line" or "point" from the layer's geometry types (the first non-empty one decides)."""
    types = shapely.get_type_id(geoms)
    types = types[types >= 0]
    if len(types) == 0:
        return "polygon"
    first = int(types[0])
    if first in (0, 4):
        return "point"
    if first in (1, 2, 5):
        return "line"
    return "polygon"


def _ints(values: np.ndarray) -> str:
    return ",".join(map(str, values.tolist()))


def _counts_or_none(counts: np.ndarray) -> list[int] | None:
    return None if len(counts) == 0 or bool(np.all(counts == 1)) else counts.tolist()


def encode_geometries(geoms: np.ndarray, family: str, precision: float = DEFAULT_PRECISION) -> dict:
    """Quantised delta coordinates and part counts of lon/lat geometries (all of one `family`).

    Returns a dict with `c` (JSON text of the delta integers) and the count lists `n`, `h`, `m`.
    """
    geoms = np.asarray(geoms, dtype=object)
    n_feat = len(geoms)
    out: dict = {}
    if family == "point":
        parts, owner = shapely.get_parts(geoms, return_index=True)
        xy = shapely.get_coordinates(parts)
        out["m"] = _counts_or_none(np.bincount(owner, minlength=n_feat))
        coords = xy
    elif family == "line":
        parts, owner = shapely.get_parts(geoms, return_index=True)
        xy, part_of = shapely.get_coordinates(parts, return_index=True)
        out["n"] = np.bincount(part_of, minlength=len(parts)).tolist()
        out["m"] = _counts_or_none(np.bincount(owner, minlength=n_feat))
        coords = xy
    else:
        parts, owner = shapely.get_parts(geoms, return_index=True)
        rings, ring_of = shapely.get_rings(parts, return_index=True)
        xy, coord_of = shapely.get_coordinates(rings, return_index=True)
        per_ring = np.bincount(coord_of, minlength=len(rings))
        # drop each ring's closing coordinate (the browser closes rings)
        last = np.cumsum(per_ring) - 1
        keep = np.ones(len(xy), dtype=bool)
        keep[last[per_ring > 0]] = False
        coords = xy[keep]
        out["n"] = np.maximum(per_ring - 1, 0).tolist()
        out["h"] = _counts_or_none(np.bincount(ring_of, minlength=len(parts)))
        out["m"] = _counts_or_none(np.bincount(owner, minlength=n_feat))
    q = np.rint(coords / precision).astype(np.int64) if len(coords) else np.zeros((0, 2), dtype=np.int64)
    origin = q.min(axis=0) if len(q) else np.zeros(2, dtype=np.int64)
    flat = (q - origin).reshape(-1)
    deltas = np.diff(flat.reshape(-1, 2), axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).reshape(-1)
    out["o"] = origin.tolist()
    out["c"] = deltas
    return out


def encode_column(values: pd.Series, *, max_share: float = 0.5) -> list | dict:
    """A property column: plain list, or {"v": distinct values, "c": codes} when values repeat.

    Values become JSON scalars: numbers stay numbers (rounded to 6 decimals), other values strings,
    missing values null.
    """
    s = pd.Series(values).reset_index(drop=True)
    missing = np.array(s.isna().to_numpy(), dtype=bool)
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        num = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
        missing |= ~np.isfinite(num)
        arr = np.round(num, 6).astype(object)
    else:
        arr = np.array(s.astype(str).to_numpy(), dtype=object)
    arr[missing] = None
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    if len(arr) and len(uniques) <= max(1, max_share * len(arr)):
        return {"v": np.asarray(uniques, dtype=object).tolist(), "c": codes.tolist()}
    return arr.tolist()


def encode_layer(kind: str, lonlat: np.ndarray, properties: pd.DataFrame | None = None, *,
                 precision: float = DEFAULT_PRECISION, family: str | None = None) -> CompactLayer:
    """Encode lon/lat geometries and their property columns; empty geometries are dropped (and counted)."""
    geoms = np.asarray(lonlat, dtype=object)
    props = properties.reset_index(drop=True) if properties is not None else pd.DataFrame(index=range(len(geoms)))
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    dropped = int((~ok).sum())
    geoms, props = geoms[ok], props.loc[ok].reset_index(drop=True)
    family = family or geometry_family(geoms)
    enc = encode_geometries(geoms, family, precision)
    doc = {"k": kind, "t": family, "q": precision, "o": enc["o"], "N": int(len(geoms))}
    for key in ("n", "h", "m"):
        if enc.get(key) is not None:
            doc[key] = enc[key]
    doc["p"] = {col: encode_column(props[col]) for col in props.columns}
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    # the coordinate deltas are by far the largest part: splice them in as text
    payload = text[:-1] + ',"c":[' + _ints(enc["c"]) + "]}"
    return CompactLayer(kind, family, int(len(geoms)), payload, list(props.columns), dropped)


def decode_layer(payload: str) -> dict:
    """Python twin of DECODER_JS: the GeoJSON FeatureCollection a payload stands for (tests, checks)."""
    d = json.loads(payload)
    q, family, n_feat = d["q"], d["t"], d["N"]
    xy = np.asarray(d["c"], dtype=np.int64).reshape(-1, 2).cumsum(axis=0) + np.asarray(d["o"], dtype=np.int64)
    xy = np.round(xy * q, 10)
    pos = 0

    def take(k: int) -> list:
        nonlocal pos
        pts = xy[pos:pos + k].tolist()
        pos += k
        return pts

    m = d.get("m") or [1] * n_feat
    features = []
    part = ring = 0
    for i in range(n_feat):
        geoms = []
        for _ in range(m[i]):
            if family == "point":
                geoms.append(take(1)[0])
            elif family == "line":
                geoms.append(take(d["n"][part]))
            else:
                rings = []
                for _ in range((d.get("h") or [1] * (len(d["n"])))[part]):
                    pts = take(d["n"][ring])
                    rings.append(pts + pts[:1])
                    ring += 1
                geoms.append(rings)
            part += 1
        kind = {"point": "Point", "line": "LineString", "polygon": "Polygon"}[family]
        geometry = {"type": kind, "coordinates": geoms[0]} if len(geoms) == 1 else \
            {"type": "Multi" + kind, "coordinates": geoms}
        props = {}
        for name, col in d["p"].items():
            if isinstance(col, dict):
                code = col["c"][i]
                props[name] = None if code < 0 else col["v"][code]
            else:
                props[name] = col[i]
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


# The browser side: decode a payload into a GeoJSON FeatureCollection (mirrors `decode_layer`).
DECODER_JS = r"""
function landparkDecode(d) {
  var q = d.q, c = d.c, o = d.o, N = d.N, fam = d.t, ci = 0, x = 0, y = 0;
  var n = d.n || [], h = d.h, m = d.m, part = 0, ring = 0, feats = new Array(N);
  function pts(k) {
    var out = new Array(k);
    for (var j = 0; j < k; j++) { x += c[ci++]; y += c[ci++];
      out[j] = [Math.round((o[0] + x) * q * 1e7) / 1e7, Math.round((o[1] + y) * q * 1e7) / 1e7]; }
    return out;
  }
  var cols = Object.keys(d.p);
  for (var i = 0; i < N; i++) {
    var parts = m ? m[i] : 1, geoms = [];
    for (var p = 0; p < parts; p++) {
      if (fam === "point") { geoms.push(pts(1)[0]); }
      else if (fam === "line") { geoms.push(pts(n[part])); }
      else { var rings = [], nr = h ? h[part] : 1;
        for (var r = 0; r < nr; r++) { var rr = pts(n[ring++]); if (rr.length) { rr.push(rr[0]); } rings.push(rr); }
        geoms.push(rings); }
      part++;
    }
    var type = fam === "point" ? "Point" : (fam === "line" ? "LineString" : "Polygon");
    var props = {};
    for (var k = 0; k < cols.length; k++) { var col = d.p[cols[k]];
      if (Array.isArray(col)) { props[cols[k]] = col[i]; }
      else { var code = col.c[i]; props[cols[k]] = code < 0 ? null : col.v[code]; } }
    feats[i] = {type: "Feature", id: i, properties: props, geometry: geoms.length === 1 ?
      {type: type, coordinates: geoms[0]} : {type: "Multi" + type, coordinates: geoms}};
  }
  return {type: "FeatureCollection", features: feats};
}
"""

__all__ = ["CompactLayer", "DEFAULT_PRECISION", "DECODER_JS", "decode_layer", "encode_column", "encode_geometries",
           "encode_layer", "geometry_family"]
