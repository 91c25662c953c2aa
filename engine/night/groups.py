"""Grouped exchanges in the night's pipeline: the solver opens group slots and chooses pairs
that fit an open slot; proposals then carry their group's dates, language and mode, and the
lump sum each physical exchange costs. Budgets are for the campaign: a partnership's cap less
what its accepted exchanges cost is what tonight's proposals may spend.

A group is named by its host, first day, length, mode and language
(``H012-20270315-5P-de``), so that a visitor joining an accepted group tonight in its language
gets the group's name again.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from engine.domain.calendar import day_date
from engine.domain.contract import POSITIVE_OUTCOMES, Campaign
from engine.domain.lumpsums import FULL_RATE_DAYS, lump_sum, lump_sum_table, lump_sums
from engine.night.slots import Slots
from scoring.candidates import pair_modes
from scoring.encoding import EncodedCampaign
from scoring.options import as_options
from solvers.problem import SCORE_SCALE, AssignmentProblem, Cap

CENTS_PER_EUR = 100


def slot_lump_sums(
    hosts: np.ndarray,
    lengths: np.ndarray,
    physical: np.ndarray,
    encoded: EncodedCampaign,
    campaign: Campaign,
) -> np.ndarray:
    """EUR per exchange: the host country's threshold (the policy's ``short_stay_rate`` of it
    under 5 working days), 0 virtual."""
    countries = np.array(encoded.vocab.countries.tokens, dtype=object)
    return lump_sums(
        countries[encoded.hosts.country[hosts]],
        lengths,
        physical,
        lump_sum_table(campaign.policy.lump_sums),
        campaign.policy.short_stay_rate,
    )


def with_slots(
    problem: AssignmentProblem,
    slots: Slots,
    encoded: EncodedCampaign,
    campaign: Campaign,
    spent: dict[str, float] | None = None,
) -> AssignmentProblem:
    """The problem with its slot layer (each slot's room, and whether it opens a new group),
    group-event bonus and budget caps (``spent``: EUR each partnership's accepted exchanges
    cost already)."""
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
        slot_room=table["room"].to_numpy(np.int64),
        slot_new=table["new"].to_numpy(bool),
        max_groups_per_host=policy.max_groups_per_host,
        group_bonus=bonus.astype(np.int64),
        caps=_budget_caps(problem, slots, encoded, campaign, spent or {}),
    )


def budget_options(
    candidates: pd.DataFrame, encoded: EncodedCampaign, campaign: Campaign
) -> pd.DataFrame:
    """The candidates with each pair of a visitor whose partnership has a budget as one option
    per lump sum it may cost: virtual (nothing), physical under ``FULL_RATE_DAYS`` working
    days (the policy's ``short_stay_rate`` of the threshold, where below 1; ``stay_cap``) and
    physical of ``FULL_RATE_DAYS`` and more (the whole), where it may take more than one, so that a budget prices each option exactly (a
    pair costs the dearest slot it fits: a pair that may stay 3 or 5 days, or go virtually,
    was priced at 5 days physical). A visitor takes at most one option. Rows renumbered."""
    budgets = campaign.policy.budgets
    if candidates.empty or not budgets:
        return candidates
    codes = {p: i for i, p in enumerate(sorted(set(campaign.profiles["partnership"])))}
    paying = np.array([codes[p] for p in budgets if p in codes], dtype=np.int64)
    visitor = candidates["visitor"].to_numpy(np.int64)
    host = candidates["host"].to_numpy(np.int64)
    physical, virtual = pair_modes(candidates)
    longest = np.minimum(
        np.minimum(encoded.visitors.max_days[visitor], encoded.hosts.max_days[host]),
        campaign.policy.max_days,
    )
    shortest = candidates["stay_days"].to_numpy(np.int64)
    budgeted = physical & np.isin(encoded.visitors.partnership[visitor], paying)
    short = budgeted & (shortest < FULL_RATE_DAYS) & (campaign.policy.short_stay_rate < 1)
    full = budgeted & (longest >= FULL_RATE_DAYS)
    split = budgeted & (short.astype(int) + full.astype(int) + virtual.astype(int) > 1)
    if not split.any():
        return candidates
    return as_options(
        candidates.assign(virtual=virtual, stay_cap=0),
        [
            (~split, {}),
            (split & virtual, {"physical": False}),
            (split & short, {"virtual": False, "stay_cap": FULL_RATE_DAYS - 1}),
            (
                split & full,
                {"virtual": False, "stay_days": np.maximum(shortest, FULL_RATE_DAYS)},
            ),
        ],
    )


def _budget_caps(
    problem: AssignmentProblem,
    slots: Slots,
    encoded: EncodedCampaign,
    campaign: Campaign,
    spent: dict[str, float],
) -> tuple[Cap, ...]:
    """One cap per budgeted partnership: its budget less what its accepted exchanges cost
    (never below 0). A pair's cost is the dearest slot it fits (its exact cost depends on the
    slot's length), so a chosen assignment never spends more."""
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
        left = max(0.0, budget - spent.get(partnership, 0.0))
        caps.append(
            Cap(f"budget {partnership}", cost.astype(np.int64), int(round(left * CENTS_PER_EUR)))
        )
    return tuple(caps)


def accepted_spend(campaign: Campaign, stays: pd.DataFrame | None = None) -> dict[str, float]:
    """EUR the accepted physical exchanges cost each visitor partnership: the host country's
    threshold (the policy's ``short_stay_rate`` of it under 5 working days); an exchange
    without dates at the full threshold (its length is unknown). ``stays``: the accepted exchanges with dates and the undated ones
    (default: from the campaign's history)."""
    from engine.domain.calendar import working_days

    history = campaign.history
    positive = history[history["outcome"].isin(POSITIVE_OUTCOMES) & (history["mode"] == "physical")]
    table = positive if stays is None else stays[stays["mode"] == "physical"]
    table = table.drop_duplicates(["visitor_id", "host_id"])
    profiles = campaign.profiles.set_index("profile_id")
    thresholds = lump_sum_table(campaign.policy.lump_sums)
    spent: dict[str, float] = {}
    for row in table.to_dict("records"):
        if row["visitor_id"] not in profiles.index or row["host_id"] not in profiles.index:
            continue
        country = str(profiles.at[row["host_id"], "country"])
        start, end, days = row.get("start"), row.get("end"), None
        if not (start is None or end is None or pd.isna(start) or pd.isna(end)):
            start, end = pd.Timestamp(start), pd.Timestamp(end)
            days = working_days(country, start.date(), end.date(), campaign.policy.public_holidays)
        amount = lump_sum(thresholds.get(country, 0.0), days, campaign.policy.short_stay_rate)
        partnership = str(profiles.at[row["visitor_id"], "partnership"])
        spent[partnership] = spent.get(partnership, 0.0) + amount
    return spent


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
    start = pd.to_datetime(day_date(table["start_day"].to_numpy(np.int64)))
    end = pd.to_datetime(day_date(table["end_day"].to_numpy(np.int64)))
    length = table["length"].to_numpy(np.int64)
    physical = table["physical"].to_numpy(bool)
    hosts = chosen["host"].to_numpy(np.int64)
    host_ids = encoded.hosts.ids[hosts]
    return pd.DataFrame(
        {
            "start": start,
            "end": end,
            "stay_days": length,
            "group_id": [
                group_name(h, s, n, p, language)
                for h, s, n, p, language in zip(
                    host_ids, start, length, physical, table["language"], strict=True
                )
            ],
            "group_language": table["language"].to_numpy(),
            "mode": np.where(physical, "physical", "virtual"),
            "lump_sum_eur": slot_lump_sums(hosts, length, physical, encoded, campaign),
        }
    )


def group_name(
    host_id: str, start: pd.Timestamp, length: int, physical: bool, language: str = ""
) -> str:
    """A group's name: host, first day, length, mode and working language
    (``H012-20270315-5P-de``): two groups of a host never share one."""
    name = f"{host_id}-{start:%Y%m%d}-{int(length)}{'P' if physical else 'V'}"
    return f"{name}-{language}" if language else name


def with_spend(
    kpis: pd.DataFrame,
    proposals: pd.DataFrame,
    campaign: Campaign,
    spent: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Add ``spend_eur`` (tonight's lump sums, per partnership and category; the ``total``
    row holds the partnership's), and on ``total`` rows ``spent_before_eur`` (what its
    accepted exchanges cost), ``budget_eur`` (the policy cap, if any) and ``budget_left_eur``
    (the cap less both)."""
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
    spent = spent or {}
    budgets = campaign.policy.budgets
    total = out["category"] == "total"
    out["spent_before_eur"] = [
        float(spent.get(p, 0.0)) if c == "total" else None
        for p, c in zip(out["partnership"], out["category"], strict=True)
    ]
    out["budget_eur"] = [
        budgets.get(p) if c == "total" else None
        for p, c in zip(out["partnership"], out["category"], strict=True)
    ]
    left = (
        out["budget_eur"].astype(float) - out["spent_before_eur"].astype(float) - out["spend_eur"]
    )
    out["budget_left_eur"] = left.where(total & out["budget_eur"].notna()).round(2)
    return out


def _has(masks: np.ndarray, bit: np.ndarray) -> np.ndarray:
    """(n,) bool: the set in each row of ``masks`` contains the element ``bit`` stands for."""
    return ((masks & bit) != 0).any(axis=-1)
