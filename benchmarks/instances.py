"""Benchmark instances of the global assignment: generated campaigns, scored and pruned once.

``instance(n_visitors)`` returns a :class:`BenchInstance` for one of ``SIZES`` (hosts =
visitors / 4, 13 partnerships, quotas from the generator, fixed seeds). Generating and
scoring 20,000 or 50,000 visitors takes minutes, so the campaign (Parquet) and its candidate
pairs (Parquet) are cached under ``benchmarks/.cache/`` (git-ignored; no pickle). Delete the
folder after changing the generator, eligibility or the default weights. Pairs are scored
with the default transparent weights (``LinearScore()``), not a model learned from the
history, so the solver's instances stay put while the learned scoring evolves.

Variants (same profiles and candidates, other rules, so they share the cache):

* ``"generated"``: the generator's policy and quotas as they are;
* ``"tight"``: ``min_sme_share = 0.6`` and every remaining quota need raised by 30%, so the
  SME share and the quotas bind and the LP relaxation turns fractional.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from engine.domain.contract import Campaign
from engine.load.campaign import load_campaign
from engine.night.encode import assignment_problem
from engine.night.quotas import achieved_exchanges
from engine.synthetic.generator import generate_campaign, write_campaign
from scoring.candidates import build_candidates
from scoring.eligibility import eligibility_context
from scoring.encoding import EncodedCampaign, encode_campaign
from scoring.linear import LinearScore, PairScorer
from scoring.text import TextSimilarity
from solvers.problem import AssignmentProblem

log = logging.getLogger(__name__)

CACHE = Path(__file__).parent / ".cache"
SIZES = {1_000: 101, 5_000: 105, 20_000: 120, 50_000: 150}  # visitors -> generator seed
VARIANTS = ("generated", "tight")
TIGHT_SME_SHARE = 0.6
TIGHT_NEED_FACTOR = 1.3


@dataclass
class BenchInstance:
    name: str
    campaign: Campaign
    encoded: EncodedCampaign
    text: TextSimilarity
    scorer: PairScorer
    candidates: pd.DataFrame
    problem: AssignmentProblem
    eligible_pairs: int
    timings: dict[str, float] = field(default_factory=dict)

    def proposals(self, selected: np.ndarray) -> pd.DataFrame:
        """The checked columns of the proposals of a selection, dated as a run dates them
        (first common working day, the pair's stay; groups = same host, dates and mode)."""
        chosen = self.candidates[selected].reset_index(drop=True)
        visitors = self.campaign.visitors.reset_index(drop=True)
        hosts = self.campaign.hosts.reset_index(drop=True)
        v_rows = visitors.iloc[chosen["visitor"].to_numpy()]
        h_rows = hosts.iloc[chosen["host"].to_numpy()]
        first_day = np.maximum(
            v_rows["available_from"].to_numpy("datetime64[D]"),
            h_rows["available_from"].to_numpy("datetime64[D]"),
        )
        start = np.busday_offset(first_day, 0, roll="forward")
        end = np.busday_offset(start, chosen["stay_days"].to_numpy(np.int64) - 1)
        proposals = pd.DataFrame(
            {
                "visitor_id": v_rows["profile_id"].to_numpy(),
                "host_id": h_rows["profile_id"].to_numpy(),
                "start": pd.to_datetime(start),
                "end": pd.to_datetime(end),
                "mode": np.where(chosen["physical"], "physical", "virtual"),
            }
        )
        proposals.insert(2, "group_id", _group_ids(proposals))
        return proposals


def campaign_folder(n_visitors: int) -> Path:
    folder = CACHE / f"campaign_{n_visitors}_{SIZES[n_visitors]}"
    if not (folder / "profiles.parquet").exists():
        started = time.perf_counter()
        generated = generate_campaign(n_visitors, n_visitors // 4, SIZES[n_visitors])
        write_campaign(generated, folder, "parquet")
        log.info("generated %s in %.1f s", folder.name, time.perf_counter() - started)
    return folder


def tighten(campaign: Campaign) -> Campaign:
    """The "tight" variant: a higher SME share and every remaining quota need x1.3."""
    done = achieved_exchanges(campaign)
    quotas = campaign.quotas.copy()
    before = np.array(
        [
            int(done.get((p, c), 0))
            for p, c in zip(quotas["partnership"], quotas["category"], strict=True)
        ]
    )
    remaining = (quotas["target"].to_numpy() - before).clip(min=0)
    quotas["target"] = before + np.ceil(remaining * TIGHT_NEED_FACTOR).astype(np.int64)
    policy = campaign.policy.model_copy(update={"min_sme_share": TIGHT_SME_SHARE})
    return campaign.replace(quotas=quotas, policy=policy, name=campaign.name + "-tight")


def instance(
    n_visitors: int, variant: str = "generated", *, top_k: int = 25, full: bool = False
) -> BenchInstance:
    """One benchmark instance; ``full=True`` keeps every eligible pair (no pruning)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; one of {VARIANTS}")
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    campaign = load_campaign(campaign_folder(n_visitors))
    timings["load_s"] = round(time.perf_counter() - clock, 2)
    encoded = encode_campaign(campaign)
    text = TextSimilarity.fit(
        encoded.seek, encoded.visitor_offer, encoded.host_offer, encoded.host_seek
    )
    scorer = LinearScore()  # fixed default weights: the instances do not move with learning
    tag = "full" if full else f"k{top_k}"
    path = CACHE / f"candidates_{n_visitors}_{SIZES[n_visitors]}_{tag}.parquet"
    meta = path.with_suffix(".json")
    clock = time.perf_counter()
    if path.exists() and meta.exists():
        candidates = pd.read_parquet(path)
        eligible = int(json.loads(meta.read_text())["eligible"])
    else:
        context = eligibility_context(campaign, encoded)
        candidates, stats = build_candidates(
            encoded,
            text,
            context,
            scorer.score,
            top_k=top_k,
            keep_all_below=2**62 if full else 200_000,
        )
        eligible = stats.eligible
        candidates.to_parquet(path, index=False)
        meta.write_text(json.dumps({"eligible": eligible, "kept": len(candidates)}))
    timings["candidates_s"] = round(time.perf_counter() - clock, 2)
    if variant == "tight":
        campaign = tighten(campaign)
    visitors = campaign.visitors.reset_index(drop=True)
    problem = assignment_problem(campaign, encoded, candidates, visitors)
    return BenchInstance(
        name=f"{n_visitors}-{variant}",
        campaign=campaign,
        encoded=encoded,
        text=text,
        scorer=scorer,
        candidates=candidates,
        problem=problem,
        eligible_pairs=eligible,
        timings=timings,
    )


def _group_ids(proposals: pd.DataFrame) -> pd.Series:
    """Slot-free dating: visitors of one host who share dates and mode form one group."""
    keys = ["host_id", "start", "end", "mode"]
    ranks = (
        proposals[keys]
        .drop_duplicates()
        .sort_values(keys, kind="stable")
        .assign(group=lambda t: t.groupby("host_id").cumcount() + 1)
    )
    merged = proposals[keys].merge(ranks, on=keys, how="left")
    return merged["host_id"] + "-G" + merged["group"].astype(str)


def tight_folder(source: Path, target: Path) -> Path:
    """A copy of the campaign folder ``source`` as its "tight" variant (``tighten``): the
    policy's ``min_sme_share`` 0.6 and every remaining quota need x1.3, as files, so that
    ``cxmatch run`` reads it like any campaign."""
    if (target / "quotas.csv").exists():
        return target
    shutil.copytree(source, target)
    tight = tighten(load_campaign(source))
    tight.quotas[["partnership", "category", "target"]].to_csv(target / "quotas.csv", index=False)
    policy = target / "policy.toml"
    lines = [
        line for line in policy.read_text().splitlines() if not line.startswith("min_sme_share")
    ]
    policy.write_text("\n".join([*lines, f"min_sme_share = {TIGHT_SME_SHARE}"]) + "\n")
    return target
