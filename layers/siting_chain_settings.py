"""[siting.chain]: how the chain_fit criterion scores a site for a request naming an industry code or a cluster.

A site's park either lacks the requested chain segment while its firms already cover the cluster (the segment is
missing there: `missing_segment_score`), or holds the cluster (`cluster_present_score`), or neither (0). Nearness to
the cluster's 链主 (chain leader) adds `leader_share` of the criterion: 1 at the leader, falling linearly to 0 at
`leader_distance_max_m`. The criterion's weight is `[siting.weights] chain_fit` (default `DEFAULT_WEIGHT`).
"""

from __future__ import annotations

from layers.settings import SitingChain

__all__ = ["DEFAULT_TOML", "DEFAULT_WEIGHT", "SitingChain"]

# [siting.weights] chain_fit until the shipped landpark.default.toml carries it [U: local choice, see DEFAULT_TOML].
DEFAULT_WEIGHT = 0.30


DEFAULT_TOML = """\
[siting.chain]
# chain_fit (a request naming --industry-code or --cluster): the site's park scores missing_segment_score when its
# member firms cover the cluster but none is in the requested segment (the chain needs that segment there),
# cluster_present_score when the cluster is there already (or no segment is requested), 0 otherwise; the
# park part counts 1 − leader_share of the criterion. Nearness to the cluster's nearest 链主 counts leader_share:
# 1 at the leader, falling linearly to 0 at leader_distance_max_m (a 链主's supplier radius; 3 km ≈ a park's
# width, so a site in the leader's own park scores high) [U: local choice, no published figure found].
missing_segment_score = 1.0
cluster_present_score = 0.5
leader_distance_max_m = 3000.0
leader_share = 0.4
"""
