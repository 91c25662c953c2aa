"""Grouped exchanges in the night's pipeline: the solver opens group slots and chooses pairs
that fit an open slot; proposals then carry their group's dates, language and mode, and the
lump sum each physical exchange costs.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from engine.domain.contract import Campaign
from engine.domain.lumpsums import lump_sum_table, lump_sums
from engine.night.slots import Slots, working_day_date
from scoring.encoding import EncodedCampaign
from solvers.problem import SCORE_SCALE, AssignmentProblem, Cap

CENTS_PER_EUR = 100


def slot_lump_sums(
    hosts: np.ndarray,
    lengths: np.ndarray,
    physical: np.ndarray,
    encoded: EncodedCampaign,
    campaign: Campaign,
) -> np.ndarray:
    """EUR per exchange: the host country's threshold, halved under 5 working days, 0 virtual."""
    countries = np.array(encoded.vocab.countries.tokens, dtype=object)
    return lump_sums(
        countries[encoded.hosts.country[hosts]],
        lengths,
        physical,
        lump_sum_table(campaign.policy.lump_sums),
    )


def with_slots(
    problem: AssignmentProblem,
    slots: Slots,
    encoded: EncodedCampaign,
    campaign: Campaign,
) -> AssignmentProblem:
    """The problem with its slot layer, group-event bonus and budget caps."""
    policy = campaign.policy
    table, fits = slots.slots, slots.fits
    slot_host = table["host"].to_numpy(np.int64)
    counts = np.bincount(fits["pair"].to_numpy(np.int64), minlength=problem.n_pairs)
    wants_group = _has(
        encoded.hosts.exchange_types, encoded.vocab.exchange_types.bit("group_event")
    )
    bonus = np.where(wants_group, round(policy.group_event_bonus * SCORE_SCALE), 0)
    return replace(
        problem,
        slot_host=slot_host,
        slot_indptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        pair_slots=fits["slot"].to_numpy(np.int64),
        max_groups_per_host=policy.max_groups_per_host,
        group_bonus=bonus.astype(np.int64),
        caps=_budget_caps(problem, slots, encoded, campaign),
    )


def _budget_caps(
    problem: AssignmentProblem, slots: Slots, encoded: EncodedCampaign, campaign: Campaign
) -> tuple[Cap, ...]:
    """One cap per budgeted partnership. A pair's cost is the dearest slot it fits (its exact
    cost depends on the slot's length), so a chosen assignment never spends more."""
    budgets = campaign.policy.budgets
    if not budgets:
        return ()
    fits = slots.fits.merge(slots.slots, on="slot")
    euros = slot_lump_sums(
        fits["host"].to_numpy(np.int64),
        fits["length"].to_numpy(np.int64),
        fits["physical"].to_numpy(bool),
        encoded,
        campaign,
    )
    dearest = np.zeros(problem.n_pairs)
    np.maximum.at(dearest, fits["pair"].to_numpy(np.int64), euros)
    codes = {p: i for i, p in enumerate(sorted(set(campaign.profiles["partnership"])))}
    payer = encoded.visitors.partnership[problem.pair_visitor]
    caps = []
    for partnership, budget in sorted(budgets.items()):
        cost = np.where(payer == codes.get(partnership, -1), np.round(dearest * CENTS_PER_EUR), 0)
        caps.append(
            Cap(f"budget {partnership}", cost.astype(np.int64), int(round(budget * CENTS_PER_EUR)))
        )
    return tuple(caps)


def assign_slots(chosen_pairs: np.ndarray, open_slots: np.ndarray, slots: Slots) -> np.ndarray:
    """The open slot each chosen pair joins: among the open slots it fits, the one most chosen
    pairs fit (ties: the lowest slot number), so groups stay together."""
    fits = slots.fits
    chosen = fits[fits["pair"].isin(chosen_pairs) & open_slots[fits["slot"].to_numpy()]]
    popularity = chosen.groupby("slot").size()
    ranked = chosen.assign(popularity=popularity.reindex(chosen["slot"]).to_numpy())
    ranked = ranked.sort_values(["pair", "popularity", "slot"], ascending=[True, False, True])
    first = ranked.drop_duplicates("pair").set_index("pair")["slot"]
    return first.reindex(chosen_pairs).to_numpy(np.int64)


def dated_columns(
    chosen: pd.DataFrame,
    slot_of: np.ndarray,
    slots: Slots,
    encoded: EncodedCampaign,
    campaign: Campaign,
) -> pd.DataFrame:
    """start, end, stay_days, group_id, group_language, mode, lump_sum_eur of chosen pairs."""
    table = slots.slots.set_index("slot").loc[slot_of]
    start_wd = table["start_wd"].to_numpy(np.int64)
    length = table["length"].to_numpy(np.int64)
    physical = table["physical"].to_numpy(bool)
    hosts = chosen["host"].to_numpy(np.int64)
    host_ids = encoded.hosts.ids[hosts]
    keys = pd.DataFrame({"host": host_ids, "start": start_wd, "slot": slot_of})
    number = (  # each host's groups in date order: H12-G1, H12-G2
        keys.drop_duplicates("slot")
        .sort_values(["host", "start", "slot"], kind="stable")
        .assign(number=lambda t: t.groupby("host").cumcount() + 1)
        .set_index("slot")["number"]
    )
    return pd.DataFrame(
        {
            "start": pd.to_datetime(working_day_date(start_wd)),
            "end": pd.to_datetime(working_day_date(start_wd + length - 1)),
            "stay_days": length,
            "group_id": [
                f"{h}-G{n}" for h, n in zip(host_ids, number.reindex(slot_of), strict=True)
            ],
            "group_language": table["language"].to_numpy(),
            "mode": np.where(physical, "physical", "virtual"),
            "lump_sum_eur": slot_lump_sums(hosts, length, physical, encoded, campaign),
        }
    )


def with_spend(kpis: pd.DataFrame, proposals: pd.DataFrame, campaign: Campaign) -> pd.DataFrame:
    """Add ``spend_eur`` (tonight's lump sums, per partnership and category; the ``total``
    row holds the partnership's whole spend) and ``budget_eur`` (the policy cap, if any)."""
    out = kpis.copy()
    if proposals.empty or "lump_sum_eur" not in proposals.columns:
        out["spend_eur"] = 0.0
    else:
        by_category = proposals.groupby(["visitor_partnership", "category"])["lump_sum_eur"].sum()
        by_partnership = proposals.groupby("visitor_partnership")["lump_sum_eur"].sum()
        out["spend_eur"] = [
            float(by_partnership.get(p, 0.0))
            if c == "total"
            else float(by_category.get((p, c), 0.0))
            for p, c in zip(out["partnership"], out["category"], strict=True)
        ]
    budgets = campaign.policy.budgets
    out["budget_eur"] = [
        budgets.get(p) if c == "total" else None
        for p, c in zip(out["partnership"], out["category"], strict=True)
    ]
    return out


def _has(masks: np.ndarray, bit: np.ndarray) -> np.ndarray:
    """(n,) bool: the set in each row of ``masks`` contains the element ``bit`` stands for."""
    return ((masks & bit) != 0).any(axis=-1)
