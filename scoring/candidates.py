"""Candidate pairs: eligibility, features and scores over blocks of visitors, then pruning.

Every visitor-host pair is looked at once, a block of visitors against all hosts at a time
(memory stays bounded by ``block_pairs``). A pair is kept as a candidate for the solver when
it is eligible and among the ``top_k`` best hosts of its visitor or among the best visitors
of its host (``max(top_k, 4 x capacity)``), ties broken by position; when the campaign has
at most ``keep_all_below`` eligible pairs, all of them are kept.

The selection is exact over the whole campaign and does not depend on the block size. Each
block keeps a cheap *superset* of its pairs that can still be selected: a pair whose score
is below both a lower bound of its visitor's k-th best score (the k-th best of the row's
group maxima) and the k-th best score its host has already seen in earlier blocks can never
be selected. The exact rule runs once, on the kept pairs, at the end.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from scoring.eligibility import EligibilityContext, eligibility
from scoring.encoding import EncodedCampaign, SideArrays
from scoring.features import FeatureInputs, compute_features
from scoring.options import as_options
from scoring.pairs import block_view
from scoring.tables import PairTables, SideTables
from scoring.text import TextSimilarity

log = logging.getLogger(__name__)

Scorer = Callable[[np.ndarray], np.ndarray]  # features (..., n_features) -> scores 0-100

# Pairs per block. Small enough that a block's (b, h) planes stay in the CPU caches (a
# feature plane of 2**18 float32 is 1 MiB), large enough that numpy's per-call overhead is
# small; 2**16..2**19 measured alike within noise (benchmarks/bench_scoring.py).
BLOCK_PAIRS = 1 << 18
ROW_GROUPS_PER_K = 4  # the row bound is the k-th best of 4k group maxima
REFRESH_PAIRS = 1 << 17  # refresh the hosts' floors after this many newly kept pairs (at least)
NOT_ELIGIBLE = np.float32(-1.0)
THREADS = min(2, os.cpu_count() or 1)
# (eligible pairs, kept pairs' columns, kept for the row?, stop) of one scored block
BlockResult = tuple[int, dict[str, np.ndarray], np.ndarray, int]


@dataclass(frozen=True)
class CandidateStats:
    pairs_seen: int
    eligible: int
    kept: int


COLUMNS = ("visitor", "host", "score", "physical", "virtual", "stay_days", "overlap_days")


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "visitor": np.array([], dtype=np.int32),
            "host": np.array([], dtype=np.int32),
            "score": np.array([], dtype=np.float32),
            "physical": np.array([], dtype=bool),
            "virtual": np.array([], dtype=bool),
            "stay_days": np.array([], dtype=np.int16),
            "overlap_days": np.array([], dtype=np.int32),
        }
    )


def build_candidates(
    encoded: EncodedCampaign,
    text: TextSimilarity,
    context: EligibilityContext,
    score: Scorer,
    *,
    top_k: int = 25,
    keep_all_below: int = 0,
    block_pairs: int = BLOCK_PAIRS,
    threads: int = THREADS,
) -> tuple[pd.DataFrame, CandidateStats]:
    """Columns: visitor (position), host (position), score, physical and virtual (the modes
    the pair may take), stay_days, overlap_days.

    Blocks are scored by ``threads`` worker threads (numpy and BLAS release the GIL); the
    result does not depend on the thread count or the block size."""
    n_visitors, n_hosts = len(encoded.visitors), len(encoded.hosts)
    # Unpublished or unvalidated profiles are never eligible: leave them out of the blocks.
    visitor_rows = np.flatnonzero(encoded.visitors.matchable)
    host_rows = np.flatnonzero(encoded.hosts.matchable)
    if len(visitor_rows) == 0 or len(host_rows) == 0:
        return _empty(), CandidateStats(n_visitors * n_hosts, 0, 0)
    visitors = _subset(encoded.visitors, visitor_rows)
    hosts = _subset(encoded.hosts, host_rows)
    context = _sub_context(context, visitor_rows, host_rows, n_visitors, n_hosts)
    text = text.subset(visitor_rows, host_rows)
    visitor_tables = SideTables.of(visitors, encoded.vocab)
    host_tables = SideTables.of(hosts, encoded.vocab)
    for name in ("sections", "sections_x", "wanted_sections", "exchange", "mode_right"):
        host_tables.transposed(name)  # warm the cache before threads share it
    for name in ("org_type_preference", "country_preference"):
        host_tables.transposed(name)

    host_keep = np.maximum(top_k, 4 * hosts.capacity).astype(np.int64)
    keeper = _Keeper(len(hosts), host_keep, top_k, keep_all=keep_all_below > 0)
    block = max(1, block_pairs // len(hosts))

    def score_block(start: int) -> BlockResult:
        stop = min(start + block, len(visitors))
        view = block_view(visitors, hosts, start, stop)
        elig = eligibility(view, context)
        tables = PairTables(visitor_tables.rows(start, stop), host_tables, dense=True)
        features = compute_features(
            FeatureInputs(view, elig.overlap_days, text, encoded.vocab, tables=tables)
        )
        scores = np.where(elig.eligible, np.asarray(score(features), np.float32), NOT_ELIGIBLE)
        del features
        n_eligible = int(np.count_nonzero(elig.eligible))
        rows, cols, by_row = keeper.select(scores)
        part = {
            "visitor": (rows + start).astype(np.int32),  # positions among the matchable
            "host": cols.astype(np.int32),
            "score": scores[rows, cols],
            "physical": elig.physical[rows, cols],
            "virtual": elig.virtual[rows, cols],
            "stay_days": elig.stay_days[rows, cols],
            "overlap_days": elig.overlap_days[rows, cols],
        }
        return n_eligible, part, by_row, stop

    eligible_total = 0
    starts = range(0, len(visitors), block)
    with threadpool_limits(1, user_api="blas"):  # small BLAS calls: threads only cost
        if threads <= 1:
            for start in starts:
                eligible_total = _collect(
                    score_block(start), keeper, eligible_total, keep_all_below
                )
        else:
            with ThreadPoolExecutor(threads) as pool:
                pending: deque[Future[BlockResult]] = deque()
                for start in starts:
                    pending.append(pool.submit(score_block, start))
                    if len(pending) > 2 * threads:
                        done = pending.popleft().result()
                        eligible_total = _collect(done, keeper, eligible_total, keep_all_below)
                while pending:
                    done = pending.popleft().result()
                    eligible_total = _collect(done, keeper, eligible_total, keep_all_below)
    table = keeper.table()
    if eligible_total > keep_all_below:
        table = table[_selected(table, top_k, host_keep)]
    table["visitor"] = visitor_rows[table["visitor"].to_numpy()].astype(np.int32)
    table["host"] = host_rows[table["host"].to_numpy()].astype(np.int32)
    table = table.sort_values(["visitor", "host"], kind="stable").reset_index(drop=True)
    log.debug("candidates: %d eligible, %d kept", eligible_total, len(table))
    return table, CandidateStats(n_visitors * n_hosts, eligible_total, len(table))


def _collect(result: BlockResult, keeper: _Keeper, eligible_total: int, keep_all_below: int) -> int:
    n_eligible, part, by_row, _stop = result
    eligible_total += n_eligible
    keeper.add(part, by_row, refresh=eligible_total > keep_all_below)
    return eligible_total


def _subset(side: SideArrays, rows: np.ndarray) -> SideArrays:
    if len(rows) == len(side):
        return side
    return replace(side, **{f.name: getattr(side, f.name)[rows] for f in fields(side)})


def _sub_context(
    context: EligibilityContext,
    visitor_rows: np.ndarray,
    host_rows: np.ndarray,
    n_visitors: int,
    n_hosts: int,
) -> EligibilityContext:
    """The context with visitors and hosts renumbered to their positions among ``rows``."""
    new_visitor = np.full(n_visitors, -1, dtype=np.int64)
    new_visitor[visitor_rows] = np.arange(len(visitor_rows))
    new_host = np.full(n_hosts, -1, dtype=np.int64)
    new_host[host_rows] = np.arange(len(host_rows))

    def renumbered(pairs: np.ndarray) -> np.ndarray:
        out = np.stack([new_visitor[pairs[:, 0]], new_host[pairs[:, 1]]], axis=1).reshape(-1, 2)
        return out[(out >= 0).all(axis=1)]

    return replace(
        context,
        physical_left=context.physical_left[visitor_rows],
        blocked=renumbered(context.blocked),
        repeat_virtual=renumbered(context.repeat_virtual),
    )


class _Keeper:
    """The kept pairs so far, and each host's k-th best score among them (a lower bound of
    its final threshold, so pairs below it need not be kept for the host's sake)."""

    def __init__(self, n_hosts: int, host_keep: np.ndarray, top_k: int, keep_all: bool):
        self.keep_all = keep_all  # keep every eligible pair (while there are few)
        self.host_keep = host_keep
        self.top_k = top_k
        self.host_floor = np.full(n_hosts, NOT_ELIGIBLE / 2, dtype=np.float32)
        self.parts: list[dict[str, np.ndarray]] = []
        self.by_row: list[np.ndarray] = []
        self.fresh = 0
        self.kept_after_refresh = 0

    def select(self, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions (rows, cols) of a block's pairs to keep, and whether each is kept for its
        row (visitor) rather than only for its column (host)."""
        row_floor = _row_lower_bound(scores, self.top_k)
        if self.keep_all:
            rows, cols = np.nonzero(scores > NOT_ELIGIBLE / 2)
            return rows, cols, scores[rows, cols] >= row_floor[rows]
        threshold = np.minimum.outer(row_floor, self.host_floor)
        rows, cols = np.nonzero(scores >= threshold)
        return rows, cols, scores[rows, cols] >= row_floor[rows]

    def add(self, part: dict[str, np.ndarray], by_row: np.ndarray, refresh: bool) -> None:
        self.parts.append(part)
        self.by_row.append(by_row)
        self.fresh += len(by_row)
        self.keep_all &= not refresh
        if refresh and self.fresh >= max(REFRESH_PAIRS, self.kept_after_refresh):
            self._refresh()

    def _refresh(self) -> None:
        """Raise the hosts' floors to their k-th best kept score; drop pairs below both."""
        part = {name: np.concatenate([p[name] for p in self.parts]) for name in COLUMNS}
        by_row = np.concatenate(self.by_row)
        useful = part["score"] >= self.host_floor[part["host"]]
        self.host_floor = np.maximum(
            self.host_floor,
            _kth_best_per_host(part["host"][useful], part["score"][useful], self.host_keep),
        )
        keep = by_row | (part["score"] >= self.host_floor[part["host"]])
        self.parts = [{name: values[keep] for name, values in part.items()}]
        self.by_row = [by_row[keep]]
        self.fresh = 0
        self.kept_after_refresh = int(keep.sum())  # doubling: refreshes cost O(n log n) in all

    def table(self) -> pd.DataFrame:
        if not self.parts:
            return _empty()
        return pd.DataFrame(
            {name: np.concatenate([p[name] for p in self.parts]) for name in COLUMNS}
        )


def _row_lower_bound(scores: np.ndarray, k: int) -> np.ndarray:
    """(b,) a lower bound of each row's k-th best score: the k-th best of the maxima of
    ``groups`` disjoint column groups (k distinct entries at least that high exist)."""
    b, h = scores.shape
    groups = min(h, ROW_GROUPS_PER_K * k)
    if groups <= k:
        return np.full(b, NOT_ELIGIBLE / 2, dtype=np.float32)
    size = h // groups
    maxima = scores[:, : size * groups].reshape(b, size, groups).max(axis=1)
    kth = np.partition(maxima, groups - k, axis=1)[:, groups - k]
    return np.maximum(kth, NOT_ELIGIBLE / 2)


def _kth_best_per_host(host: np.ndarray, score: np.ndarray, k: np.ndarray) -> np.ndarray:
    """(n_hosts,) each host's k[host]-th best score among the pairs, -0.5 if it has fewer."""
    n_hosts = len(k)
    out = np.full(n_hosts, NOT_ELIGIBLE / 2, dtype=np.float32)
    if not len(host):
        return out
    keys = np.sort(_descending_keys(host, score))
    counts = np.bincount(host, minlength=n_hosts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    full = counts >= k
    bits = np.uint32(0xFFFFFFFF) - (keys[starts[full] + k[full] - 1] & 0xFFFFFFFF).astype(np.uint32)
    out[full] = bits.view(np.float32)
    return out


def _descending_keys(group: np.ndarray, score: np.ndarray) -> np.ndarray:
    """int64 keys ordering pairs by group, then by descending score (scores >= 0)."""
    positive = np.maximum(score, 0).astype(np.float32) + np.float32(0)  # no -0.0
    descending = np.uint32(0xFFFFFFFF) - positive.view(np.uint32)
    return (group.astype(np.int64) << 32) | descending.astype(np.int64)


def _descending_within(group: np.ndarray, score: np.ndarray) -> np.ndarray:
    """A stable order by group, then by descending score (ties keep their current order)."""
    return np.argsort(_descending_keys(group, score), kind="stable")


def _ranks_within(group: np.ndarray, score: np.ndarray) -> np.ndarray:
    """0-based rank of each pair by descending score within its group, ties by position."""
    order = _descending_within(group, score)
    sorted_group = group[order]
    starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
    lengths = np.diff(np.r_[starts, len(order)])
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(len(order)) - np.repeat(starts, lengths)
    return ranks


def _selected(table: pd.DataFrame, top_k: int, host_keep: np.ndarray) -> np.ndarray:
    """The exact rule on a (visitor, host)-ordered table: among its visitor's top_k or its
    host's top host_keep[host] by score, ties broken by position."""
    position = table["visitor"].to_numpy(np.int64) * (len(host_keep) + 1) + table["host"].to_numpy()
    if np.all(position[1:] > position[:-1]):
        table_order = np.arange(len(table))
    else:
        table_order = np.argsort(position, kind="stable")
    visitor = table["visitor"].to_numpy()[table_order]
    host = table["host"].to_numpy()[table_order]
    score = table["score"].to_numpy()[table_order]
    keep_sorted = (_ranks_within(visitor, score) < top_k) | (
        _ranks_within(host, score) < host_keep[host]
    )
    keep = np.empty(len(table), dtype=bool)
    keep[table_order] = keep_sorted
    return keep


def pair_modes(candidates: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(physical, virtual) per candidate pair: the modes it may take (both where visitor and
    host take either; a table without ``virtual``: the mode that is not physical)."""
    physical = candidates["physical"].to_numpy(bool)
    if "virtual" not in candidates:
        return physical, ~physical
    return physical, candidates["virtual"].to_numpy(bool)


def physical_in_sets(
    candidates: pd.DataFrame, encoded: EncodedCampaign, physical_left: np.ndarray
) -> pd.DataFrame:
    """The candidates with each pair that may be physical of an organisation with more
    visitor profiles among them than physical visits left (a limited set of their own,
    ``engine.night.encode.organisation_sets``) physical only, and, where such a pair may take
    either mode, a second option of it that is virtual only (outside that set: a virtual
    exchange uses no physical visit). A pair is in one limited set; a visitor takes at most
    one option. Rows are renumbered (the problem's pairs are the rows)."""
    if candidates.empty or "virtual" not in candidates:
        return candidates
    visitor = candidates["visitor"].to_numpy(np.int64)
    physical, virtual = pair_modes(candidates)
    org = encoded.visitors.org_id[visitor]
    org_wide = physical & (physical_profiles(org, visitor, physical) > physical_left[visitor])
    flexible = org_wide & virtual
    if not flexible.any():
        return candidates
    everyone = np.ones(len(candidates), dtype=bool)
    return as_options(
        candidates, [(everyone, {"virtual": virtual & ~org_wide}), (flexible, {"physical": False})]
    )


def physical_profiles(org: np.ndarray, visitor: np.ndarray, physical: np.ndarray) -> np.ndarray:
    """Per pair, how many visitor profiles of its organisation have a physical pair among
    these (0 where none)."""
    count = pd.Series(visitor[physical]).groupby(org[physical]).nunique()
    return count.reindex(org).fillna(0).to_numpy(np.int64)


def one_visitor_per_organisation(
    candidates: pd.DataFrame, encoded: EncodedCampaign, physical_left: np.ndarray
) -> pd.DataFrame:
    """Keep, for each host, only the best-scored physical candidate of each organisation
    (ties: the first) that has more physical visits left than one (``physical_left``, per
    visitor) and more profiles among the physical candidates than visits left, so that no
    group holds two of its visitors (its physical pairs are a limited set of their own, at
    most its visits left: ``engine.night.encode.organisation_sets``, where every other pair
    keeps the rule). Every other pair stays."""
    if candidates.empty:
        return candidates
    visitor = candidates["visitor"].to_numpy(np.int64)
    physical = candidates["physical"].to_numpy(bool)
    org = encoded.visitors.org_id[visitor]
    left = physical_left[visitor]
    several = physical & (left > 1) & (physical_profiles(org, visitor, physical) > left)
    if not several.any():
        return candidates
    keyed = candidates.assign(_org=org, _row=np.arange(len(candidates)))[several]
    best = keyed.sort_values(["host", "_org", "score", "_row"], ascending=[True, True, False, True])
    chosen = best.drop_duplicates(["host", "_org"])["_row"].to_numpy()
    keep = np.sort(np.concatenate([np.flatnonzero(~several), chosen]))
    return candidates.iloc[keep].reset_index(drop=True)
