"""Available land and its merge into contiguous candidate sites.

Available parcels: 批而未供 (status unsupplied) by default; optionally idle land (闲置: status
idle, or supplied and not started a year after the agreed date) and low-efficiency land for
腾笼换鸟 (parcels of D-class firms, built industrial parcels below the FAR threshold).

Parcels that share an edge, or lie within a small gap of each other (across a road), are linked
in a graph. From each parcel as a seed a site grows greedily, adding the linked parcel that keeps
it most compact (Polsby-Popper 4πA/P², the perimeter of the union known from the shared edge
lengths) until it reaches the requested area, never passing the maximum.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from analysis.land_links import owner_key

__all__ = ["AVAILABILITY_REASONS", "availability", "ParcelGraph", "parcel_graph", "Sites", "grow_sites"]

AVAILABILITY_REASONS = ("unsupplied", "idle", "idle_by_date", "d_class", "low_far")


def availability(parcels: pd.DataFrame, *, include_idle: bool = False, include_low_efficiency: bool = False,
                 idle_by_date: np.ndarray | None = None, low_far: np.ndarray | None = None,
                 d_class_owners: Collection[str] = ()) -> np.ndarray:
    """Why each parcel is available (one of AVAILABILITY_REASONS, first that applies) or None."""
    n = len(parcels)
    status = parcels["supply_status"].astype("string").fillna("").to_numpy(dtype=object)
    reason = np.full(n, None, dtype=object)
    rules: list[tuple[str, np.ndarray]] = [("unsupplied", status == "unsupplied")]
    if include_idle:
        rules.append(("idle", status == "idle"))
        if idle_by_date is not None:
            rules.append(("idle_by_date", np.asarray(idle_by_date, dtype=bool)))
    if include_low_efficiency:
        industrial = parcels["is_industrial"].to_numpy(dtype=bool) if "is_industrial" in parcels else np.ones(n, bool)
        if len(d_class_owners):
            owners = pd.Series(owner_key(parcels), dtype="string")
            owned = owners.isin(set(d_class_owners)).fillna(False).to_numpy(dtype=bool)
            rules.append(("d_class", industrial & owned))
        if low_far is not None:
            rules.append(("low_far", np.asarray(low_far, dtype=bool)))
    for name, mask in rules:
        reason[(reason == None) & mask] = name  # noqa: E711 (element-wise on an object array)
    return reason


@dataclass(frozen=True)
class ParcelGraph:
    """Adjacency of parcels (CSR, both directions) with the shared edge length of each link (m)."""

    indptr: np.ndarray
    indices: np.ndarray
    shared: np.ndarray

    @property
    def n(self) -> int:
        return len(self.indptr) - 1

    def neighbours(self, node: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.indptr[node], self.indptr[node + 1]
        return self.indices[lo:hi], self.shared[lo:hi]


def parcel_graph(geoms: np.ndarray, *, gap_m: float, snap_m: float) -> ParcelGraph:
    """Link parcels within `gap_m` of each other; those within `snap_m` share an edge, measured.

    The shared length of a touching pair is the shorter of the two boundary pieces lying within
    `snap_m` of the other parcel, so digitising slivers below `snap_m` do not break an edge.
    """
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    if n == 0:
        empty = np.empty(0, dtype=np.intp)
        return ParcelGraph(np.zeros(1, dtype=np.intp), empty, np.empty(0))
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="dwithin", distance=max(gap_m, snap_m))
    upper = i < j
    i, j = i[upper], j[upper]
    shared = np.zeros(len(i))
    touching = shapely.distance(geoms[i], geoms[j]) <= snap_m
    if touching.any():
        ti, tj = i[touching], j[touching]
        nodes = np.unique(np.concatenate([ti, tj]))
        halo = np.empty(n, dtype=object)
        halo[nodes] = shapely.buffer(geoms[nodes], snap_m, quad_segs=2)
        rings = np.empty(n, dtype=object)
        rings[nodes] = shapely.boundary(geoms[nodes])
        along_i = shapely.length(shapely.intersection(rings[ti], halo[tj]))
        along_j = shapely.length(shapely.intersection(rings[tj], halo[ti]))
        shared[touching] = np.minimum(along_i, along_j)
    rows = np.concatenate([i, j])
    cols = np.concatenate([j, i])
    vals = np.concatenate([shared, shared])
    order = np.lexsort((cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    indptr = np.searchsorted(rows, np.arange(n + 1)).astype(np.intp)
    return ParcelGraph(indptr, cols.astype(np.intp), vals)


@dataclass(frozen=True)
class Sites:
    """Grown sites: member parcel positions (flat, grouped by site), site perimeter and seed."""

    offsets: np.ndarray  # site k has members[offsets[k]:offsets[k + 1]]
    members: np.ndarray
    perimeter: np.ndarray  # outer boundary length of the union, from shared edges (CRS units)
    seed: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def parcels_of(self, k: int) -> np.ndarray:
        return self.members[self.offsets[k]:self.offsets[k + 1]]

    @property
    def site_of_member(self) -> np.ndarray:
        """Site index of each entry of `members`."""
        return np.repeat(np.arange(len(self)), np.diff(self.offsets))


def _seeds(component: np.ndarray, order_key: np.ndarray, cap: int) -> np.ndarray:
    """Every node, or for a component larger than `cap`, `cap` nodes spread along `order_key`."""
    out = []
    by_component = np.argsort(component, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(component[by_component]) != 0])
    for nodes in np.split(by_component, starts[1:]):
        if len(nodes) > cap:
            nodes = nodes[np.argsort(order_key[nodes], kind="stable")]
            nodes = nodes[np.unique(np.linspace(0, len(nodes) - 1, cap).round().astype(int))]
        out.append(nodes)
    return np.sort(np.concatenate(out)) if out else np.empty(0, dtype=np.intp)


def grow_sites(graph: ParcelGraph, area_mu: np.ndarray, planar_area: np.ndarray, perimeter: np.ndarray,
               eligible: np.ndarray, *, min_mu: float, max_mu: float, max_seeds_per_component: int = 200,
               seed_skip_coverage: int = 2, order_key: np.ndarray | None = None) -> Sites:
    """One site per seed, grown through `eligible` parcels until it reaches `min_mu`, never past `max_mu`.

    Each step adds the linked parcel that gives the most compact union. A seed already at or above
    `min_mu` stays alone (even above `max_mu`: the area rule then excludes it); a site that cannot
    reach `min_mu` keeps what it gathered; a seed that is not eligible stays alone (a rule excludes
    it). Identical parcel sets are kept once. Components (over eligible links) larger than
    `max_seeds_per_component` are seeded at that many spread-out parcels, and a parcel already in
    `seed_skip_coverage` grown sites is not used as a seed (0 = every parcel seeds a site).
    """
    n = graph.n
    eligible = np.asarray(eligible, dtype=bool)
    order_key = np.arange(n, dtype=float) if order_key is None else np.asarray(order_key, dtype=float)
    # components over links between eligible parcels; each ineligible parcel is its own component
    src = np.repeat(np.arange(n), np.diff(graph.indptr))
    keep = eligible[src] & eligible[graph.indices]
    adjacency = csr_matrix((np.ones(int(keep.sum())), (src[keep], graph.indices[keep])), shape=(n, n))
    _, component = connected_components(adjacency, directed=False)
    # plain Python lists: the loop below touches single elements, where numpy scalars are slow
    a_mu, a_pl, per = area_mu.tolist(), planar_area.tolist(), perimeter.tolist()
    links: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for u, v, s in zip(src[keep].tolist(), graph.indices[keep].tolist(), graph.shared[keep].tolist()):
        links[u].append((v, s))
    limit = max_mu + 1e-9 * max(max_mu, 1.0)
    seen: set[tuple[int, ...]] = set()
    groups: list[tuple[int, ...]] = []
    perimeters: list[float] = []
    seeds: list[int] = []
    coverage = [0] * n
    for seed in _seeds(component, order_key, max_seeds_per_component).tolist():
        if seed_skip_coverage and coverage[seed] >= seed_skip_coverage:
            continue
        members, area, planar, length = [seed], a_mu[seed], a_pl[seed], per[seed]
        in_site = {seed}
        frontier: dict[int, float] = {}
        if eligible[seed]:
            for u, s in links[seed]:
                frontier[u] = frontier.get(u, 0.0) + s
        while area < min_mu and frontier:
            best, best_value = -1, -1.0
            for u, s in frontier.items():
                if area + a_mu[u] > limit:
                    continue
                new_length = length + per[u] - 2.0 * s
                value = (planar + a_pl[u]) / (new_length * new_length) if new_length > 0 else np.inf
                if value > best_value:
                    best, best_value = u, value
            if best < 0:
                break
            s = frontier.pop(best)
            members.append(best)
            in_site.add(best)
            area += a_mu[best]
            planar += a_pl[best]
            length += per[best] - 2.0 * s
            for u, s2 in links[best]:
                if u not in in_site:
                    frontier[u] = frontier.get(u, 0.0) + s2
        key = tuple(sorted(members))
        if key in seen:
            continue
        seen.add(key)
        for m in members:
            coverage[m] += 1
        groups.append(key)
        perimeters.append(length)
        seeds.append(seed)
    offsets = np.zeros(len(groups) + 1, dtype=np.intp)
    offsets[1:] = np.cumsum([len(g) for g in groups])
    members_flat = np.fromiter((p for g in groups for p in g), dtype=np.intp, count=int(offsets[-1]))
    return Sites(offsets, members_flat, np.asarray(perimeters, dtype=float), np.asarray(seeds, dtype=np.intp))
