"""Scoring throughput: eligibility + features + score for every visitor-host pair, with the
additive model and the linear one side by side.

For each generated campaign (5,000 x 1,250 and 20,000 x 5,000; ``benchmarks/instances.py``
caches them), in one run:

* both learned models fitted on the campaign's decisions (``scoring.evaluation.fit_selected``:
  the additive model, one shape per feature, and the linear one), and which of them (or the
  calibrated defaults) the held-out choice of ``cxmatch run`` picks for this campaign;
* the engine's block loop (``scoring.candidates.build_candidates``: eligibility, the 19
  features and ``100 x p_accept`` of every pair through the compiled tables, then the exact
  candidate selection) with each model, interleaved (linear, additive, linear, additive),
  reported in pairs per second, and the additive / linear time ratio;
* peak memory: numpy and Python allocations traced (tracemalloc) over an untimed call per
  model, and the process's peak resident set;
* the straightforward per-pair Python implementation (``benchmarks/baseline_features.py``,
  with the linear model's weights) on a random sample of pairs, timed the same way;
* agreement on the sample: the same eligibility, features (1e-5) and linear scores as the
  per-pair code, and the additive tables within their grid error of the exact model.

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
from scoring.additive import AdditiveScorer
from scoring.candidates import build_candidates
from scoring.eligibility import EligibilityContext, eligibility, eligibility_context
from scoring.encoding import EncodedCampaign, encode_campaign
from scoring.evaluation import TrainingSettings, evaluate, fit_selected
from scoring.features import FeatureInputs, compute_features
from scoring.linear import DescribedScorer
from scoring.pairs import pair_view
from scoring.text import TextSimilarity
from scoring.training import ScoringContext, labelled_set

SIZES = [int(n) for n in os.environ.get("CXMATCH_BENCH_SCORING_SIZES", "5000,20000").split(",")]
SAMPLE = int(os.environ.get("CXMATCH_BENCH_SAMPLE", "20000"))
MEMORY_LIMIT = 2 * 1024**3  # the target: peak memory under 2 GiB
MiB = 1024**2
ROUNDS = int(os.environ.get("CXMATCH_BENCH_SCORING_ROUNDS", "3"))  # timed runs per model


@dataclass
class Setup:
    campaign: Campaign
    encoded: EncodedCampaign
    text: TextSimilarity
    context: EligibilityContext
    models: dict[str, AdditiveScorer]
    chosen: str


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
    data = labelled_set(ScoringContext(campaign, encoded, text, context))
    settings = TrainingSettings()
    models = {}
    for family in ("linear", "additive"):
        model, _ = fit_selected(family, data, settings)
        assert isinstance(model, AdditiveScorer)
        models[family] = model
    chosen = evaluate(data, settings).chosen
    return Setup(campaign, encoded, text, context, models, chosen)


def score_all_pairs(s: Setup, scorer: DescribedScorer, spent: list[float] | None = None) -> Any:
    """The block loop; ``spent`` (if given) collects the time each call of the score takes
    (thread time: blocks are scored by two threads)."""
    if spent is None:
        return build_candidates(s.encoded, s.text, s.context, scorer.value, top_k=25)

    def value(features: np.ndarray) -> np.ndarray:
        started = time.perf_counter()
        out = scorer.value(features)
        spent.append(time.perf_counter() - started)  # list.append is atomic
        return out

    return build_candidates(s.encoded, s.text, s.context, value, top_k=25)


def peak_traced(s: Setup, scorer: DescribedScorer) -> int:
    tracemalloc.start()
    try:
        score_all_pairs(s, scorer)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def per_pair_baseline(s: Setup, visitors: np.ndarray, hosts: np.ndarray) -> dict[str, Any]:
    """Time the plain Python loop on the sample; return its results for the comparison."""
    linear = s.models["linear"]
    plain = PerPairScorer(s.campaign, s.text, linear.coef_, linear.intercept_)
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


def vectorised_on_sample(
    s: Setup, scorer: DescribedScorer, visitors: np.ndarray, hosts: np.ndarray
) -> dict[str, Any]:
    view = pair_view(s.encoded.visitors, s.encoded.hosts, visitors, hosts)
    elig = eligibility(view, s.context)
    features = compute_features(FeatureInputs(view, elig.overlap_days, s.text, s.encoded.vocab))
    return {"eligible": elig.eligible, "features": features, "scores": scorer.value(features)}


def test_scoring_throughput(benchmark: Any, setup: Setup) -> None:
    s = setup
    scorers = {name: DescribedScorer(model) for name, model in s.models.items()}
    seconds: dict[str, list[float]] = {name: [] for name in scorers}
    scoring: dict[str, list[float]] = {name: [] for name in scorers}
    results = {}

    def both() -> None:
        score_all_pairs(s, scorers["linear"])  # warm-up, untimed (caches, thread pool)
        for name in ROUNDS * ("linear", "additive"):
            spent: list[float] = []
            started = time.perf_counter()
            results[name] = score_all_pairs(s, scorers[name], spent)
            seconds[name].append(time.perf_counter() - started)
            scoring[name].append(sum(spent))

    benchmark.pedantic(both, rounds=1, iterations=1)
    traced = {name: peak_traced(s, scorer) for name, scorer in scorers.items()}
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    stats = results["linear"][1]
    assert results["additive"][1].eligible == stats.eligible  # the same pairs, scored

    rng = np.random.default_rng(0)
    n = min(SAMPLE, stats.pairs_seen)
    visitors = rng.integers(0, len(s.encoded.visitors), n)
    hosts = rng.integers(0, len(s.encoded.hosts), n)
    plain = per_pair_baseline(s, visitors, hosts)
    fast = vectorised_on_sample(s, scorers["linear"], visitors, hosts)
    shaped = vectorised_on_sample(s, scorers["additive"], visitors, hosts)

    # the two implementations agree on the sample; the additive tables score as the model
    np.testing.assert_array_equal(plain["eligible"], fast["eligible"])
    np.testing.assert_allclose(plain["features"], fast["features"], atol=1e-5)
    np.testing.assert_allclose(plain["scores"], fast["scores"], rtol=1e-4, atol=1e-3)
    exact = 100 * s.models["additive"].predict_proba(shaped["features"])[:, 1]
    tolerance = 25 * scorers["additive"].compiled.grid_error() + 1e-3  # d(100 p)/dz <= 25
    np.testing.assert_allclose(shaped["scores"], exact, atol=tolerance)
    assert 0 < stats.kept <= stats.eligible <= stats.pairs_seen
    assert max(traced.values()) < MEMORY_LIMIT

    best = {name: min(times) for name, times in seconds.items()}
    baseline_per_s = n / plain["seconds"]
    info: dict[str, Any] = {
        "visitors": len(s.encoded.visitors),
        "hosts": len(s.encoded.hosts),
        "pairs": stats.pairs_seen,
        "eligible_pairs": stats.eligible,
        "chosen_by_held_out_log_loss": s.chosen,
        "table_features": len(scorers["additive"].compiled.shaped),
        "hinges": len(scorers["additive"].compiled.hinge_coef),
        "peak_rss_mib": round(peak_rss / MiB, 1),
        "baseline_pairs_per_s": round(baseline_per_s),
        "additive_over_linear_time": round(best["additive"] / best["linear"], 3),
    }
    for name in scorers:
        info[f"{name}_seconds"] = [round(t, 3) for t in seconds[name]]
        info[f"{name}_score_thread_seconds"] = [round(t, 3) for t in scoring[name]]
        info[f"{name}_pairs_per_s"] = round(stats.pairs_seen / best[name])
        info[f"{name}_peak_traced_mib"] = round(traced[name] / MiB, 1)
        info[f"{name}_speedup_vs_baseline"] = round(
            stats.pairs_seen / best[name] / baseline_per_s, 1
        )
    benchmark.extra_info.update(info)
    print(f"\nscoring {info['visitors']}x{info['hosts']}: {info['pairs']:,} pairs "
          f"({info['eligible_pairs']:,} eligible); held-out choice: {s.chosen}")  # fmt: skip
    for name in scorers:
        print(
            f"  {name:<8} {', '.join(f'{t:.2f}' for t in seconds[name])} s (of which the score "
            f"{', '.join(f'{t:.2f}' for t in scoring[name])} s of thread time) -> "
            f"{info[f'{name}_pairs_per_s'] / 1e6:.1f} M pairs/s (best); peak traced "
            f"{info[f'{name}_peak_traced_mib']} MiB; {info[f'{name}_speedup_vs_baseline']}x "
            "the per-pair Python"
        )
    print(
        f"  additive / linear time {info['additive_over_linear_time']}; "
        f"{info['table_features']} features read tables, {info['hinges']} hinges; process RSS {info['peak_rss_mib']} MiB; "
        f"per-pair Python {baseline_per_s:,.0f} pairs/s"
    )
