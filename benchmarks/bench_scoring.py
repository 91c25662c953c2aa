"""Scoring throughput: eligibility + features + learned score for every visitor-host pair.

For each generated campaign (5,000 x 1,250 and 20,000 x 5,000; ``benchmarks/instances.py``
caches them), in one run:

* the engine's block loop (``scoring.candidates.build_candidates``: eligibility, the 19
  features and the calibrated learned score of every pair, then the exact candidate
  selection), timed by pytest-benchmark, reported in pairs per second;
* its peak memory: numpy and Python allocations traced (tracemalloc) over a second, untimed
  call, and the process's peak resident set;
* the straightforward per-pair Python implementation (``benchmarks/baseline_features.py``)
  on a random sample of pairs, timed the same way; the ratio of the two speeds;
* agreement: on the sample, both give the same eligibility, features (1e-5) and scores.

    pytest benchmarks/bench_scoring.py --benchmark-only -s

Environment: ``CXMATCH_BENCH_SCORING_SIZES`` (visitors, comma-separated; default 5000,20000),
``CXMATCH_BENCH_SAMPLE`` (pairs in the per-pair sample; default 20000).
"""

from __future__ import annotations

import os
import resource
import time
import tracemalloc
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from benchmarks.baseline_features import PerPairScorer
from benchmarks.instances import SIZES as SEEDS
from benchmarks.instances import campaign_folder
from engine.domain.contract import Campaign
from engine.load.campaign import load_campaign
from scoring.candidates import build_candidates
from scoring.eligibility import EligibilityContext, eligibility, eligibility_context
from scoring.encoding import EncodedCampaign, encode_campaign
from scoring.features import FeatureInputs, compute_features
from scoring.model import MatchScorer
from scoring.pairs import pair_view
from scoring.text import TextSimilarity
from scoring.training import ScoringContext, train

SIZES = [int(n) for n in os.environ.get("CXMATCH_BENCH_SCORING_SIZES", "5000,20000").split(",")]
SAMPLE = int(os.environ.get("CXMATCH_BENCH_SAMPLE", "20000"))
MEMORY_LIMIT = 2 * 1024**3  # the target: peak memory under 2 GiB
MiB = 1024**2


@dataclass
class Setup:
    campaign: Campaign
    encoded: EncodedCampaign
    text: TextSimilarity
    context: EligibilityContext
    scorer: MatchScorer


@pytest.fixture(scope="module", params=SIZES, ids=lambda n: f"{n}x{n // 4}")
def setup(request: Any) -> Setup:
    n_visitors = request.param
    if n_visitors not in SEEDS:
        pytest.skip(f"no benchmark campaign of {n_visitors} visitors")
    campaign = load_campaign(campaign_folder(n_visitors))
    encoded = encode_campaign(campaign)
    text = TextSimilarity.fit(
        encoded.seek, encoded.visitor_offer, encoded.host_offer, encoded.host_seek
    )
    context = eligibility_context(campaign, encoded)
    trained = train(ScoringContext(campaign, encoded, text, context), random_state=0)
    return Setup(campaign, encoded, text, context, trained.scorer)


def score_all_pairs(s: Setup) -> Any:
    return build_candidates(s.encoded, s.text, s.context, s.scorer.score, top_k=25)


def peak_traced(s: Setup) -> int:
    tracemalloc.start()
    try:
        score_all_pairs(s)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def per_pair_baseline(s: Setup, visitors: np.ndarray, hosts: np.ndarray) -> dict[str, Any]:
    """Time the plain Python loop on the sample; return its results for the comparison."""
    plain = PerPairScorer(s.campaign, s.text, s.scorer.coef_, s.scorer.intercept_)
    started = time.perf_counter()
    scores = []
    for v, h in zip(visitors.tolist(), hosts.tolist(), strict=True):
        pv, ph = plain.visitors[v], plain.hosts[h]
        if plain.eligible(pv, ph):  # features only where needed: the baseline's best case
            scores.append(plain.score(plain.features(pv, ph)))
    elapsed = time.perf_counter() - started
    checked = [plain.pair(v, h) for v, h in zip(visitors.tolist(), hosts.tolist(), strict=True)]
    return {
        "seconds": elapsed,
        "eligible": np.array([c[0] for c in checked]),
        "features": np.array([c[1] for c in checked], dtype=np.float64),
        "scores": np.array([c[2] for c in checked]),
        "eligible_scored": len(scores),
    }


def vectorised_on_sample(s: Setup, visitors: np.ndarray, hosts: np.ndarray) -> dict[str, Any]:
    view = pair_view(s.encoded.visitors, s.encoded.hosts, visitors, hosts)
    elig = eligibility(view, s.context)
    features = compute_features(FeatureInputs(view, elig.overlap_days, s.text, s.encoded.vocab))
    return {"eligible": elig.eligible, "features": features, "scores": s.scorer.score(features)}


def test_scoring_throughput(benchmark: Any, setup: Setup) -> None:
    s = setup
    table, stats = benchmark.pedantic(score_all_pairs, args=(s,), rounds=1, iterations=1)
    seconds = benchmark.stats.stats.mean
    traced = peak_traced(s)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    rng = np.random.default_rng(0)
    n = min(SAMPLE, stats.pairs_seen)
    visitors = rng.integers(0, len(s.encoded.visitors), n)
    hosts = rng.integers(0, len(s.encoded.hosts), n)
    plain = per_pair_baseline(s, visitors, hosts)
    fast = vectorised_on_sample(s, visitors, hosts)

    # the two implementations agree on the sample
    np.testing.assert_array_equal(plain["eligible"], fast["eligible"])
    np.testing.assert_allclose(plain["features"], fast["features"], atol=1e-5)
    np.testing.assert_allclose(plain["scores"], fast["scores"], rtol=1e-4, atol=1e-3)
    # the block loop kept only eligible pairs, scored as the sample says
    assert 0 < stats.kept <= stats.eligible <= stats.pairs_seen
    assert traced < MEMORY_LIMIT

    pairs_per_s = stats.pairs_seen / seconds
    baseline_per_s = n / plain["seconds"]
    info = {
        "visitors": len(s.encoded.visitors),
        "hosts": len(s.encoded.hosts),
        "pairs": stats.pairs_seen,
        "eligible_pairs": stats.eligible,
        "kept_pairs": stats.kept,
        "seconds": round(seconds, 3),
        "pairs_per_s": round(pairs_per_s),
        "eligible_pairs_per_s": round(stats.eligible / seconds),
        "peak_traced_mib": round(traced / MiB, 1),
        "peak_rss_mib": round(peak_rss / MiB, 1),
        "baseline_sample_pairs": n,
        "baseline_pairs_per_s": round(baseline_per_s),
        "speedup_vs_baseline": round(pairs_per_s / baseline_per_s, 1),
    }
    benchmark.extra_info.update(info)
    print(
        f"\nscoring {info['visitors']}x{info['hosts']}: {info['pairs']:,} pairs "
        f"({info['eligible_pairs']:,} eligible) in {seconds:.2f} s = "
        f"{pairs_per_s / 1e6:.1f} M pairs/s; peak traced {info['peak_traced_mib']} MiB, "
        f"process RSS {info['peak_rss_mib']} MiB; per-pair Python "
        f"{baseline_per_s:,.0f} pairs/s -> {info['speedup_vs_baseline']}x"
    )
