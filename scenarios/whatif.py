"""From a scenario to the campaign it simulates: the base campaign, its what-if changes and the
profiles that arrive during the campaign, validated once as one campaign.

The changed campaign goes through the engine's own loader (written to a temporary folder and
read back), so what-ifs can never produce a table the nightly job would refuse. Arriving
profiles are part of that campaign from the start; :class:`PreparedScenario` records the
night each profile appears.
"""

from __future__ import annotations

import hashlib
import math
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.domain.contract import Campaign, Policy, org_category
from engine.domain.policy_toml import policy_toml
from engine.domain.problems import CampaignInvalid
from engine.domain.reference import canonical_country, canonical_nace
from engine.load.campaign import load_campaign
from engine.synthetic.generator import GeneratedCampaign, generate_campaign, write_campaign
from scenarios.sources import Origins
from scenarios.spec import (
    AddProfiles,
    Arrivals,
    Filter,
    GeneratedBase,
    LoadedScenario,
    ProfileOverrides,
    RemoveProfiles,
    ScaleCapacity,
    ScaleQuotas,
    Scenario,
    ScenarioInvalid,
    SetQuota,
)

PERSONAL_COLUMNS = ("contact_name", "contact_email", "contact_phone")


@dataclass(frozen=True, eq=False)
class PreparedScenario:
    """The campaign a simulation replays: base + changes + every arriving profile."""

    scenario: Scenario
    seed: int
    campaign: Campaign
    arrival_night: (
        np.ndarray
    )  # per profile row: the first night it is published (1 = from the start)
    first_night: date


def rng_for(seed: int, *keys: object) -> np.random.Generator:
    """An independent random stream per purpose, stable across processes and call order."""
    digest = hashlib.blake2b(repr((seed, *keys)).encode(), digest_size=8).digest()
    return np.random.default_rng(int.from_bytes(digest, "little"))


# --- the base campaign ---------------------------------------------------------------------


def load_base(loaded: LoadedScenario) -> Campaign:
    """The scenario's base campaign: the bundled demo, a folder, or a generated campaign.

    Raises :class:`~engine.domain.problems.CampaignInvalid` when the base folder is invalid.
    """
    from engine.synthetic.generator import demo_campaign_path

    base = loaded.scenario.base
    if isinstance(base, GeneratedBase):
        kwargs: dict[str, Any] = {"months": base.months}
        if base.start is not None:
            kwargs["start"] = base.start
        generated = generate_campaign(base.visitors, base.hosts, base.seed, **kwargs)
        name = f"generated-{base.visitors}x{base.hosts}-seed{base.seed}"
        return _through_loader(generated, name)
    folder = loaded.base_folder() or demo_campaign_path()
    return load_campaign(folder)


def _through_loader(
    generated: GeneratedCampaign, name: str, policy: Policy | None = None
) -> Campaign:
    """Write tables in file format to a temporary folder and load them with the engine's loader."""
    with tempfile.TemporaryDirectory(prefix="cxmatch-scenario-") as folder:
        target = Path(folder) / name
        write_campaign(generated, target)
        if policy is not None:
            (target / "policy.toml").write_text(policy_toml(policy.model_dump()), encoding="utf-8")
        return load_campaign(target)


# --- preparing a scenario --------------------------------------------------------------------


def prepare(
    scenario: Scenario, base: Campaign, seed: int, source: str = "scenario"
) -> PreparedScenario:
    """Apply the what-if changes and add the arriving profiles; validate the result once.

    Raises :class:`ScenarioInvalid` listing every problem (of the changes, then of the table
    they produce)."""
    problems: list[str] = []
    profiles = base.profiles.copy()
    quotas = base.quotas.copy()
    origins = Origins()
    for number, change in enumerate(scenario.changes, start=1):
        label = f"changes[{number}]"
        if isinstance(change, AddProfiles):
            added, found = _add(change, profiles, number, seed, label)
            origins.added(
                len(profiles),
                len(added),
                label,
                set(change.set.values()),
                f"{change.role}s it adds",
            )
            profiles = pd.concat([profiles, added], ignore_index=True)
        elif isinstance(change, RemoveProfiles):
            profiles, found = _remove(change, profiles, number, seed, label)
        elif isinstance(change, ScaleCapacity):
            profiles, found = _scale_capacity(change, profiles, label)
        elif isinstance(change, ScaleQuotas):
            quotas, found = _scale_quotas(change, quotas, label)
        else:
            quotas, found = _set_quota(change, quotas)
            origins.quota_changes[(change.partnership, change.category)] = label
        problems += found
    try:
        policy = scenario.apply_policy(base.policy)
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        problems.append(f"policy: {error}")
        policy = base.policy
    first_night = scenario.first_night or default_first_night(base)
    arrivals, arrival_problems = _arrivals(scenario, profiles, seed)
    problems += arrival_problems
    origins.added(
        len(profiles), len(arrivals), "arrivals", set(scenario.arrivals.set.values()), "arrivals"
    )

    n_arrived = len(arrivals)
    profiles = pd.concat([profiles, arrivals.drop(columns="arrival_night")], ignore_index=True)
    arrival_night = np.concatenate(
        [np.ones(len(profiles) - n_arrived, dtype=np.int64), arrivals["arrival_night"].to_numpy()]
    )
    generated = GeneratedCampaign(profiles=profiles, history=base.history, quotas=quotas)
    try:  # the loader checks the changed campaign; its problems are said at their source
        campaign = _through_loader(generated, scenario.name, policy)
    except CampaignInvalid as invalid:
        raise ScenarioInvalid(source, problems + origins.at_source(invalid.problems)) from None
    if problems:
        raise ScenarioInvalid(source, problems)
    campaign = campaign.replace(name=scenario.name, input_hashes=dict(base.input_hashes))
    return PreparedScenario(scenario, seed, campaign, arrival_night, first_night)


def default_first_night(campaign: Campaign) -> date:
    """The day after the last decision in history, else the first day any profile is available."""
    if len(campaign.history):
        return (pd.Timestamp(campaign.history["decided_on"].max()) + pd.Timedelta(days=1)).date()
    return pd.Timestamp(campaign.profiles["available_from"].min()).date()


def matches(profiles: pd.DataFrame, where: Filter) -> tuple[np.ndarray, list[str]]:
    """Rows of ``profiles`` matching every field of the filter, and problems of the filter."""
    problems: list[str] = []
    mask = np.ones(len(profiles), dtype=bool)

    def among(column: str, wanted: set[str]) -> None:
        nonlocal mask
        mask &= profiles[column].astype(str).isin(wanted).to_numpy()

    def any_of(column: str, wanted: set[str]) -> None:
        nonlocal mask
        mask &= np.array([bool(wanted.intersection(cell)) for cell in profiles[column]], bool)

    if where.country:
        codes = {code: canonical_country(code) for code in where.country}
        problems += [
            f"country: {code!r} is not a COSME country" for code, c in codes.items() if c is None
        ]
        among("country", {c for c in codes.values() if c})
    if where.sector:
        codes = {code: canonical_nace(code) for code in where.sector}
        problems += [
            f"sector: {code!r} is not a NACE division" for code, c in codes.items() if c is None
        ]
        any_of("sectors", {c for c in codes.values() if c})
    if where.partnership:
        known = set(profiles["partnership"].astype(str))
        problems += [
            f"partnership: {p!r} has no profile" for p in where.partnership if p not in known
        ]
        among("partnership", set(where.partnership))
    for field in ("org_type", "mode", "profile_id"):
        if getattr(where, field):
            among(field, set(getattr(where, field)))
    if where.category:
        categories = profiles["org_type"].astype(str).map(org_category)
        mask &= categories.isin(set(where.category)).to_numpy()
    if where.language:
        any_of("languages", set(where.language))
    return mask, problems


def _add(
    change: AddProfiles, profiles: pd.DataFrame, number: int, seed: int, label: str
) -> tuple[pd.DataFrame, list[str]]:
    prefix = f"X{number}{'H' if change.role == 'host' else 'V'}"
    if change.source == "generate":
        added = _generated_profiles(
            change.role, change.count, profiles, rng_for(seed, "add", number), prefix
        )
        return _override(added, change.set), []
    is_role = (profiles["role"] == change.role).to_numpy()
    mask, problems = matches(profiles, change.like)
    pool = profiles[is_role & mask]
    problems = [f"{label}.like.{problem}" for problem in problems]
    if pool.empty:
        return profiles.iloc[:0], [*problems, f"{label}.like: matches no {change.role} profile"]
    rng = rng_for(seed, "add", number)
    picks = rng.choice(len(pool), size=change.count, replace=change.count > len(pool))
    added = pool.iloc[np.sort(picks)].reset_index(drop=True)
    ids = [f"{prefix}{k + 1:05d}" for k in range(change.count)]
    added = added.assign(
        profile_id=ids,
        org_id=[f"{prefix}-ORG{k + 1:05d}" for k in range(change.count)],
        status="published",
        validated=True,
        **{column: "" for column in PERSONAL_COLUMNS},
    )
    return _override(added, change.set), problems


def _generated_profiles(
    role: str, count: int, like: pd.DataFrame, rng: np.random.Generator, prefix: str
) -> pd.DataFrame:
    """``count`` new profiles of ``role`` from the generator, inside the campaign's dates."""
    first = pd.Timestamp(like["available_from"].min()).date()
    last = pd.Timestamp(like["available_to"].max()).date()
    months = max(1, math.ceil(((last - first).days + 1) / 30.44))
    seed = int(rng.integers(1 << 31))
    n_visitors, n_hosts = (count, 0) if role == "visitor" else (0, count)
    generated = generate_campaign(n_visitors, n_hosts, seed, start=first, months=months).profiles
    generated = generated.assign(
        profile_id=[f"{prefix}{k + 1:05d}" for k in range(count)],
        org_id=[f"{prefix}-ORG{k + 1:05d}" for k in range(count)],
        **{column: "" for column in PERSONAL_COLUMNS},
    )
    return generated


def _override(profiles: pd.DataFrame, overrides: ProfileOverrides) -> pd.DataFrame:
    values = overrides.values()
    out = profiles.copy()
    for column, value in values.items():
        if isinstance(value, tuple):
            out[column] = pd.Series([value] * len(out), index=out.index, dtype=object)
        else:
            out[column] = value
    if "country" in values:  # nobody targets their own country
        own = canonical_country(values["country"]) or values["country"]
        out["target_countries"] = [
            tuple(c for c in cell if canonical_country(c) != own)
            for cell in out["target_countries"]
        ]
    return out


def _remove(
    change: RemoveProfiles, profiles: pd.DataFrame, number: int, seed: int, label: str
) -> tuple[pd.DataFrame, list[str]]:
    mask, problems = matches(profiles, change.where)
    problems = [f"{label}.where.{problem}" for problem in problems]
    chosen = np.flatnonzero(mask & (profiles["role"] == change.role).to_numpy())
    if not len(chosen):
        return profiles, [*problems, f"{label}.where: matches no {change.role} profile"]
    if change.share < 1.0:
        size = max(1, int(np.floor(change.share * len(chosen) + 0.5)))
        chosen = np.sort(rng_for(seed, "remove", number).choice(chosen, size=size, replace=False))
    out = profiles.copy()
    out.loc[out.index[chosen], "status"] = "draft"  # withdrawn: history and KPIs stay
    return out, problems


def _scale_capacity(
    change: ScaleCapacity, profiles: pd.DataFrame, label: str
) -> tuple[pd.DataFrame, list[str]]:
    mask, problems = matches(profiles, change.where)
    problems = [f"{label}.where.{problem}" for problem in problems]
    rows = mask & (profiles["role"] == "host").to_numpy()
    if not rows.any():
        return profiles, [*problems, f"{label}.where: matches no host profile"]
    out = profiles.copy()
    scaled = np.floor(out["capacity"].to_numpy(np.float64) * change.factor + 0.5)
    out["capacity"] = np.where(rows, np.maximum(1, scaled), out["capacity"]).astype(np.int64)
    return out, problems


def _scale_quotas(
    change: ScaleQuotas, quotas: pd.DataFrame, label: str
) -> tuple[pd.DataFrame, list[str]]:
    known = set(quotas["partnership"].astype(str))
    problems = [
        f"{label}.partnership: {p!r} has no quota" for p in change.partnership if p not in known
    ]
    rows = np.ones(len(quotas), dtype=bool)
    if change.partnership:
        rows &= quotas["partnership"].isin(set(change.partnership)).to_numpy()
    if change.category:
        rows &= quotas["category"].isin(set(change.category)).to_numpy()
    if not rows.any() and not problems:
        problems.append(f"{label}: no quota matches")
    out = quotas.copy()
    scaled = np.floor(out["target"].to_numpy(np.float64) * change.factor + 0.5)
    out["target"] = np.where(rows, scaled, out["target"]).astype(np.int64)
    return out, problems


def _set_quota(change: SetQuota, quotas: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    row = (quotas["partnership"] == change.partnership) & (quotas["category"] == change.category)
    out = quotas.copy()
    if row.any():
        out.loc[row, "target"] = change.target
        return out, []
    extra = pd.DataFrame(
        {
            "partnership": [change.partnership],
            "category": [change.category],
            "target": [change.target],
        }
    )
    return pd.concat([out, extra.astype(out.dtypes.to_dict())], ignore_index=True), []


def _arrivals(
    scenario: Scenario, profiles: pd.DataFrame, seed: int
) -> tuple[pd.DataFrame, list[str]]:
    """Every profile arriving during the campaign, with its ``arrival_night``."""
    spec: Arrivals = scenario.arrivals
    nights = max(0, scenario.nights - spec.from_night + 1)
    frames = []
    for role, per_night in (("visitor", spec.visitors_per_night), ("host", spec.hosts_per_night)):
        count = per_night * nights
        if not count:
            continue
        prefix = f"A{'H' if role == 'host' else 'V'}"
        added = _generated_profiles(role, count, profiles, rng_for(seed, "arrivals", role), prefix)
        added = _override(added, spec.set).assign(
            status="published", arrival_night=spec.from_night + np.arange(count) // per_night
        )
        frames.append(added)
    if not frames:
        empty = profiles.iloc[:0].assign(arrival_night=pd.Series([], dtype=np.int64))
        return empty, []
    return pd.concat(frames, ignore_index=True), []


def night_dates(first_night: date, nights: int, days_between: int) -> list[date]:
    return [first_night + timedelta(days=days_between * k) for k in range(nights)]
